"""The whole chain's accuracy on the demo clip, per pose set-up, against the force plate.

The rendered clip (Fukuchi 2017, CC-BY 4.0) goes through the pose backend frame by frame, full
frame or with the runner-following crop, and the runner's keypoints go through the gait engine
exactly as the station would feed them. The keypoint track of each set-up is kept in
``var/demo/tracks`` so the gait engine can be tried again on it without running pose again,
from several starting frames (a session starts anywhere in the stride).

    .venv/bin/python -m tests.demo_accuracy --backend openvino --precision int8
    .venv/bin/python -m tests.demo_accuracy --imgsz 640 --no-crop
    .venv/bin/python -m tests.demo_accuracy --backend openvino --save tests/data/pose_track.npz

``--save`` writes the track with its truth for ``tests/test_gait_on_pose_output.py``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from edge.config import PoseSection, input_size
from edge.demo.render import DemoClip, ensure_demo
from edge.demo.session import (
    Accuracy,
    ClipTruth,
    accuracy_lines,
    demo_calibration,
    keypoint_errors,
    runner_track,
)
from edge.errors import HipdriveError
from edge.gait import GaitEngine, GaitParams, PlaneMapping
from edge.pose import RunnerSelector
from edge.pose.base import InputSize
from edge.pose.crop import RunnerFinder
from edge.pose.factory import PRECISIONS, open_estimator
from edge.pose.models import REFINER
from edge.pose.refine import KeypointRefiner
from edge.pose.runtime import prepare_ultralytics

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "var"
#: where a session may start in the stride: frame offsets the figures are also given for
STARTS = (0, 3, 10, 30)


@dataclass(frozen=True)
class RecordedTrack:
    """The runner's keypoints as a pose set-up saw the clip, with what the gait engine and the
    truth need: frame times (s), the clip camera's image->plane homography (metres) and where
    that camera is (``PlaneMapping.camera``; None in files saved before it was kept)."""

    setup: str
    t: np.ndarray
    keypoints: np.ndarray
    homography: np.ndarray
    truth: ClipTruth
    full_share: float
    camera: tuple[float, float] | None = None

    @property
    def mapping(self) -> PlaneMapping:
        """The clip camera's plane, metres."""
        return PlaneMapping(self.homography, metric=True, camera=self.camera)

    @property
    def refined(self) -> bool:
        """Whether the keypoint refiner placed the knees and ankles."""
        return self.setup.endswith("-refined")

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            setup=self.setup,
            t=self.t,
            keypoints=self.keypoints.astype(np.float32),
            homography=self.homography,
            truth_ic=self.truth.ic,
            truth_steps=json.dumps(self.truth.steps),
            duration_s=self.truth.duration_s,
            full_share=self.full_share,
            **({"camera": np.array(self.camera)} if self.camera is not None else {}),
        )

    @classmethod
    def load(cls, path: Path) -> RecordedTrack:
        saved = np.load(path)
        camera = saved["camera"] if "camera" in saved.files else None
        truth = ClipTruth(
            saved["truth_ic"],
            tuple(json.loads(str(saved["truth_steps"]))),
            float(saved["duration_s"]),
        )
        return cls(
            str(saved["setup"]),
            saved["t"],
            saved["keypoints"].astype(np.float64),
            saved["homography"],
            truth,
            float(saved["full_share"]),
            (float(camera[0]), float(camera[1])) if camera is not None else None,
        )


def pose_track(
    clip: DemoClip,
    backend: str,
    size: InputSize,
    precision: str,
    crop: bool,
    seconds: float,
    refine: bool = False,
) -> RecordedTrack:
    """The runner's keypoints through one pose set-up (``refine``: with the keypoint refiner),
    cached in ``var/demo/tracks``."""
    frames = min(clip.frames, round(seconds * clip.fps))
    setup = f"{backend}-{precision}-{size}-{'crop' if crop else 'full'}"
    setup += "-refined" if refine else ""
    cache = DATA / "demo" / "tracks" / f"{clip.renderer}-{setup}-{frames}.npz"
    camera = PlaneMapping.calibrated(demo_calibration(clip)).camera
    if cache.exists():
        return replace(RecordedTrack.load(cache), camera=camera)
    prepare_ultralytics(DATA)
    model = DATA / "models" / "yolo11n-pose.pt"
    estimator = open_estimator(backend, model, size, 0.25, precision=precision, data_dir=DATA)
    refiner = KeypointRefiner(DATA / "models" / REFINER.name) if refine else None
    finder = RunnerFinder(estimator, RunnerSelector(), crop=crop, refiner=refiner)
    keypoints = runner_track(clip, finder, frames, f"pose {setup}")
    calibration = demo_calibration(clip)
    assert calibration.plane is not None
    track = RecordedTrack(
        setup,
        clip.t[:frames],
        keypoints,
        calibration.plane.homography,
        ClipTruth.of(clip),
        finder.full_frame_looks / max(finder.looks, 1),
        camera,
    )
    track.save(cache)
    return track


def gait_figures(track: RecordedTrack, start: int = 0) -> dict[str, float]:
    """The gait engine on the track from frame ``start``, fed as the station would, against
    the force plate."""
    params = GaitParams(ankle_toe_off=not track.refined)
    engine = GaitEngine(track.mapping, params=params)
    accuracy = Accuracy(track.truth)
    for k in range(start, len(track.t)):
        accuracy.steps += engine.push(float(track.t[k]), track.keypoints[k])
    accuracy.steps += engine.finish()
    frame_s = float(track.t[1] - track.t[0])
    return accuracy.report(0.0, len(track.t) * frame_s, since_s=start * frame_s)


def landing_ankle_offset_cm(clip: DemoClip, track: RecordedTrack) -> tuple[float, float]:
    """Where the pose model puts the landing foot's ankle at the force plate's contacts,
    against the true joint centre: median (forward, up) in cm on the runner's plane. Of the
    model's two ankles, the one nearer the truth."""
    plane = track.mapping.apply
    offsets = []
    for foot, ic in zip(clip.foot, clip.ic, strict=True):
        k = round(ic * clip.fps)
        if k >= len(track.t):
            break
        true = plane(clip.keypoints[k, 15 if foot == "left" else 16])
        found = plane(track.keypoints[k, [15, 16], :2])
        nearer = found[np.argmin(np.abs(found[:, 0] - true[0]))]
        offsets.append(100.0 * (nearer - true))
    dx, dy = np.median(offsets, axis=0)
    return float(dx), float(dy)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="ultralytics")
    parser.add_argument("--imgsz", type=input_size, default=PoseSection().imgsz)
    parser.add_argument("--precision", choices=PRECISIONS, default="fp32")
    parser.add_argument("--crop", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--refine",
        action=argparse.BooleanOptionalAction,
        default=PoseSection().refine,
        help="place the knees and ankles again with the keypoint refiner (pose.refine)",
    )
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--save", type=Path, help="also write the track and its truth here")
    args = parser.parse_args()
    clip = ensure_demo(DATA)
    try:
        track = pose_track(
            clip, args.backend, args.imgsz, args.precision, args.crop, args.seconds, args.refine
        )
    except HipdriveError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    errors = keypoint_errors(clip, np.arange(len(track.t)), track.keypoints)
    print(f"pose {track.setup}:")
    print(f"  full-frame looks {100 * track.full_share:.1f}%")
    for key, value in errors.items():
        if math.isfinite(value):
            print(f"  {key:24s} {value:.2f}")
    dx, dy = landing_ankle_offset_cm(clip, track)
    print(f"  landing ankle at contact {dx:+.1f} cm forward, {dy:+.1f} cm up (median)")
    for start in STARTS:
        print(f"gait engine from frame {start}:")
        print("\n".join(accuracy_lines(gait_figures(track, start))))
    if args.save:
        track.save(args.save)
        print(f"saved {args.save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
