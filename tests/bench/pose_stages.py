"""Milliseconds per frame of each pose backend's stages, side by side in one run.

    .venv/bin/python -m tests.bench.pose_stages [--imgsz 320x256 640] [--backends onnx openvino ...]
        [--precisions fp32 int8]

For each input size, frame size (the 1280x720 demo frame and it resized to 1920x1080) and
backend: the median of ``--frames`` timed calls of preprocess, forward and postprocess, one
thread; then ``--workers`` threads calling ``infer`` at once, as the station's pose workers do,
as ms per frame of wall time. Backends are opened for ``--workers`` as the station opens them
(with ``--threads 0`` the cores are shared out among the workers). The Ultralytics backend has
no stages: its whole ``infer`` is shown. ``--precisions fp32 int8`` adds OpenVINO's INT8 model
beside its FP32 one. Exports missing from var/models are made first. Not a
test: figures on a shared machine are noisy, so compare backends within one run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from edge.config import input_size
from edge.demo.render import render_demo
from edge.pose.base import InputSize, PoseEstimator, StagedPoseEstimator
from edge.pose.factory import LEAN, OPENVINO_PRECISIONS, PRECISIONS, open_estimator
from edge.pose.runtime import prepare_ultralytics

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "var" / "models" / "yolo11n-pose.pt"


def demo_frame() -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        clip = render_demo(Path(tmp), seconds=0.25, fps=4.0, progress=False)
        ok, frame = cv2.VideoCapture(str(clip.video)).read()
    if not ok:
        raise SystemExit(f"cannot read the rendered demo frame {clip.video}")
    return frame


def stages_ms(estimator: StagedPoseEstimator, frame: np.ndarray, n: int) -> tuple[float, ...]:
    times: list[tuple[float, float, float]] = []
    for _ in range(n):
        t0 = time.perf_counter()
        tensor, meta = estimator.preprocess(frame)
        t1 = time.perf_counter()
        raw = estimator.forward(tensor)
        t2 = time.perf_counter()
        estimator.postprocess(raw, meta)
        t3 = time.perf_counter()
        times.append((t1 - t0, t2 - t1, t3 - t2))
    return tuple(statistics.median(column) * 1000 for column in zip(*times, strict=True))


def infer_ms(estimator: PoseEstimator, frame: np.ndarray, n: int) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        estimator.infer(frame)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def workers_ms(estimator: PoseEstimator, frame: np.ndarray, n: int, workers: int) -> float:
    def work() -> None:
        for _ in range(n):
            estimator.infer(frame)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (time.perf_counter() - t0) / (n * workers) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--imgsz", type=input_size, nargs="+", default=[InputSize(320, 256), InputSize.of(640)]
    )
    parser.add_argument("--backends", nargs="+", default=["ultralytics", *LEAN])
    parser.add_argument("--precisions", nargs="+", choices=PRECISIONS, default=["fp32"])
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--threads", type=int, default=0, help="pose.threads (0 = every core)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    prepare_ultralytics(ROOT / "var")
    frame720 = demo_frame()
    frames = {"1280x720": frame720, "1920x1080": cv2.resize(frame720, (1920, 1080))}
    print(
        f"{'imgsz':>7} {'frame':>9} {'backend':>13} {'pre':>6} {'forward':>8} {'post':>6} "
        f"{'total':>7} {f'{args.workers} workers':>10}   (ms per frame, median)"
    )
    runs = [
        (backend, precision)
        for backend in args.backends
        for precision in args.precisions
        if precision not in OPENVINO_PRECISIONS or backend == "openvino"
    ]
    for imgsz in args.imgsz:
        for backend, precision in runs:
            label = backend if precision == "fp32" else f"{backend}-{precision}"
            try:
                estimator = open_estimator(
                    backend,
                    MODEL,
                    imgsz,
                    0.25,
                    threads=args.threads,
                    workers=args.workers,
                    precision=precision,
                    data_dir=ROOT / "var",
                )
            except Exception as exc:  # a backend not installed here is reported, not fatal
                print(f"{imgsz!s:>7} {'':>9} {label:>13} unavailable: {exc}")
                continue
            for name, frame in frames.items():
                for _ in range(3):
                    estimator.infer(frame)
                if isinstance(estimator, StagedPoseEstimator):
                    pre, forward, post = stages_ms(estimator, frame, args.frames)
                    cells = f"{pre:6.2f} {forward:8.1f} {post:6.2f} {pre + forward + post:7.1f}"
                else:
                    cells = (
                        f"{'':>6} {'':>8} {'':>6} {infer_ms(estimator, frame, args.frames):7.1f}"
                    )
                both = workers_ms(estimator, frame, args.frames, args.workers)
                print(f"{imgsz!s:>7} {name:>9} {label:>13} {cells} {both:10.1f}", flush=True)
            estimator.close()


if __name__ == "__main__":
    main()
