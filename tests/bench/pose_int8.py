"""OpenVINO INT8 against FP32 on the demo clip: keypoint agreement and error against the truth.

    .venv/bin/python -m tests.bench.pose_int8 [--imgsz 320x256 256] [--frames 300]

For each input size, the FP32 model follows the runner through the first ``--frames`` frames
of the demo clip in var/demo (the station's runner crop); the INT8 model is given the very
same input (the crop FP32 looked at, or the whole frame), so their difference is the
quantization's alone: the px distance between the runner's keypoints where both are confident
(conf > 0.5), median and p90, and the confidence change. Then the INT8 model follows the runner
on its own, as a station running it would, and both tracks' leg keypoint error against the
truth (``keypoint_errors``) is printed. Missing models are exported and quantized first.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from edge.config import input_size
from edge.demo.render import ensure_demo
from edge.demo.session import keypoint_errors
from edge.pose import PoseEstimator, RunnerSelector
from edge.pose.base import InputSize
from edge.pose.crop import RunnerFinder
from edge.pose.factory import open_estimator
from edge.pose.runner import iou
from edge.pose.runtime import prepare_ultralytics
from tests.builders.media import read_frames

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "var" / "models" / "yolo11n-pose.pt"
CONFIDENT = 0.5


def follow(estimator: PoseEstimator, frames: list[np.ndarray]) -> np.ndarray:
    """The runner's keypoints (N, 17, 3) as a station following them finds them."""
    finder = RunnerFinder(estimator, RunnerSelector())
    track = np.zeros((len(frames), 17, 3), np.float32)
    for k, image in enumerate(frames):
        runner = finder.find(image)
        if runner is not None:
            track[k] = runner.keypoints
    return track


def paired(
    fp32: PoseEstimator, int8: PoseEstimator, frames: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """FP32 following the runner, and INT8 on the same input each frame: both (N, 17, 3)."""
    finder = RunnerFinder(fp32, RunnerSelector())
    a = np.zeros((len(frames), 17, 3), np.float32)
    b = np.zeros_like(a)
    for k, image in enumerate(frames):
        look = finder.look(image)
        runner = finder.settle(look, image.shape)
        if runner is None:
            continue
        x, y, w, h = look.crop or (0, 0, image.shape[1], image.shape[0])
        found = int8.infer(image[y : y + h, x : x + w])
        if len(found) == 0:
            continue
        boxes = found.boxes + np.array([x, y, x, y], np.float32)
        best = int(np.argmax(iou(runner.box, boxes)))
        a[k] = runner.keypoints
        b[k] = found.keypoints[best] + np.array([x, y, 0], np.float32)
    return a, b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--imgsz", type=input_size, nargs="+", default=[InputSize(320, 256), InputSize.of(256)]
    )
    parser.add_argument("--frames", type=int, default=300)
    args = parser.parse_args()
    prepare_ultralytics(ROOT / "var")
    clip = ensure_demo(ROOT / "var")
    frames = read_frames(clip.video, args.frames)
    index = np.arange(len(frames))
    print(
        f"{'imgsz':>7} {'frames':>6} {'pairs':>6} {'median px':>9} {'p90 px':>7} {'max px':>7} "
        f"{'conf diff':>9} {'legs fp32':>9} {'legs int8':>9} {'change':>7}"
    )
    for imgsz in args.imgsz:

        def backend(precision: str, size: InputSize = imgsz) -> PoseEstimator:
            return open_estimator(
                "openvino", MODEL, size, 0.25, precision=precision, data_dir=ROOT / "var"
            )

        fp32, int8 = backend("fp32"), backend("int8")
        a, b = paired(fp32, int8, frames)
        both = (a[..., 2] > CONFIDENT) & (b[..., 2] > CONFIDENT)
        moved = np.linalg.norm(a[..., :2] - b[..., :2], axis=-1)[both]
        conf = np.abs(a[..., 2] - b[..., 2])[(a[..., 2] > 0) & (b[..., 2] > 0)]
        legs_fp32 = keypoint_errors(clip, index, a)["legs_mean_px"]
        legs_int8 = keypoint_errors(clip, index, follow(int8, frames))["legs_mean_px"]
        print(
            f"{imgsz!s:>7} {len(frames):>6} {int(both.sum()):>6} {np.median(moved):9.2f} "
            f"{np.percentile(moved, 90):7.2f} {moved.max():7.1f} {np.median(conf):9.3f} "
            f"{legs_fp32:9.1f} {legs_int8:9.1f} {legs_int8 - legs_fp32:+7.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
