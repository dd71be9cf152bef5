"""The whole chain's accuracy on the demo clip, per pose set-up, against the force plate.

The rendered clip (Fukuchi 2017, CC-BY 4.0) goes through the pose backend frame by frame, full
frame or with the runner-following crop, and the runner's keypoints go through the gait engine
exactly as the station would feed them. The keypoint track of each set-up is kept in
``var/demo/tracks`` so the gait engine can be tried again on it without running pose again.

    .venv/bin/python -m tests.demo_accuracy --imgsz 320 --crop
    .venv/bin/python -m tests.demo_accuracy --imgsz 640 --no-crop
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

from edge.demo.render import DemoClip, ensure_demo
from edge.demo.session import (
    Accuracy,
    accuracy_lines,
    demo_calibration,
    keypoint_errors,
    runner_track,
)
from edge.gait import GaitEngine, PlaneMapping
from edge.pose import RunnerSelector
from edge.pose.crop import RunnerFinder
from edge.pose.factory import open_estimator
from edge.pose.runtime import prepare_ultralytics

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "var"


def pose_track(
    clip: DemoClip, backend: str, imgsz: int, crop: bool, seconds: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """(frames, keypoints (N, 17, 3)) of the runner, cached; and the share of full-frame looks."""
    frames = min(clip.frames, round(seconds * clip.fps))
    cache = DATA / "demo" / "tracks" / f"{clip.renderer}-{backend}-{imgsz}-{int(crop)}-{frames}.npz"
    if cache.exists():
        saved = np.load(cache)
        return saved["frames"], saved["keypoints"], float(saved["full_share"])
    prepare_ultralytics(DATA)
    estimator = open_estimator(backend, DATA / "models" / "yolo11n-pose.pt", imgsz, 0.25)
    finder = RunnerFinder(estimator, RunnerSelector(), crop=crop)
    out = runner_track(
        clip, finder, frames, f"pose {backend} {imgsz} {'crop' if crop else 'full frame'}"
    )
    full_share = finder.full_frame_looks / max(finder.looks, 1)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cache, frames=np.arange(frames), keypoints=out, full_share=full_share)
    return np.arange(frames), out, full_share


def gait_figures(clip: DemoClip, frames: np.ndarray, keypoints: np.ndarray) -> dict[str, float]:
    calibration = demo_calibration(clip)
    assert calibration.plane is not None
    engine = GaitEngine(PlaneMapping(calibration.plane.homography, metric=True))
    accuracy = Accuracy(clip, t0=0.0)
    for k in frames:
        accuracy.steps += engine.push(float(clip.t[k]), keypoints[k])
    accuracy.steps += engine.finish()
    return accuracy.report(len(frames) / clip.fps)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="ultralytics")
    parser.add_argument("--imgsz", type=int, default=320)
    parser.add_argument("--crop", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    clip = ensure_demo(DATA)
    frames, keypoints, full_share = pose_track(
        clip, args.backend, args.imgsz, args.crop, args.seconds
    )
    errors = keypoint_errors(clip, frames, keypoints)
    print(f"pose {args.backend} imgsz {args.imgsz} {'crop' if args.crop else 'full frame'}:")
    print(f"  full-frame looks {100 * full_share:.1f}%")
    for key, value in errors.items():
        if math.isfinite(value):
            print(f"  {key:24s} {value:.2f}")
    print("\n".join(accuracy_lines(gait_figures(clip, frames, keypoints))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
