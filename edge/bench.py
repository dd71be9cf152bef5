"""``hipdrive bench``: the speed of each stage, measured side by side in one run.

Benchmarks report; they never fail on timing. Measured now: the gait stage, per frame, against
its plain numpy reference on the same track.
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.demo.mocap import load_trial
from edge.demo.scene import SideCamera, world_keypoints
from edge.gait import GaitEngine, GaitParams, PlaneMapping, reference


def machine() -> str:
    """CPU model and core count, for the record."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "Model")):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


@dataclass(frozen=True, slots=True)
class GaitBench:
    frames: int
    fps: float
    kernel_us_per_frame: float
    engine_us_per_frame: float
    numpy_us_per_frame: float
    steps: int

    @property
    def speedup_vs_numpy(self) -> float:
        return self.numpy_us_per_frame / self.kernel_us_per_frame


def gait_track(
    data_dir: Path | None = None, fps: float = 60.0
) -> tuple[np.ndarray, np.ndarray, SideCamera]:
    """A side-camera keypoint track (t (T,), kp (T, 17, 3) pixels) of the Fukuchi 2017 run
    (the copy shipped with the package unless ``data_dir`` is given)."""
    trial = load_trial(data_dir)
    camera = SideCamera()
    t = np.arange(int(trial.t[-1] * fps)) / fps
    xy = camera.project(world_keypoints(trial, t))
    kp = np.concatenate([xy, np.full((*xy.shape[:2], 1), 0.9)], axis=-1)
    return t, kp, camera


def bench_gait(
    data_dir: Path | None = None, fps: float = 60.0, reference_frames: int = 300
) -> GaitBench:
    """Per-frame cost of the numba kernel alone, of the whole engine (steps included), and of
    the numpy reference (smoothing and detection) on the first ``reference_frames``."""
    t, kp, camera = gait_track(data_dir, fps)
    mapping = PlaneMapping.scaled(camera.facing, camera.meters_per_pixel)
    warm = GaitEngine(mapping)
    for i in range(60):
        warm.push(float(t[i]), kp[i])

    engine = GaitEngine(mapping, params=GaitParams(stance_speed=2.35))
    start = time.perf_counter()
    for i in range(len(t)):
        engine.detect(float(t[i]), kp[i])
    kernel = (time.perf_counter() - start) / len(t)

    engine = GaitEngine(mapping)
    steps = 0
    start = time.perf_counter()
    for i in range(len(t)):
        steps += len(engine.push(float(t[i]), kp[i]))
    whole = (time.perf_counter() - start) / len(t)

    n = min(reference_frames, len(t))
    start = time.perf_counter()
    legs = np.stack([reference.keypoints_to_plane(f, mapping.homography, 0.2) for f in kp[:n]])
    smoothed = reference.smooth_track(t[:n], legs, 0.067, 4)
    reference.reference_events(t[:n], smoothed, 2.35, 0.42, 0.004, 5.0, 5.0, 0.067)
    numpy_cost = (time.perf_counter() - start) / n
    return GaitBench(len(t), fps, kernel * 1e6, whole * 1e6, numpy_cost * 1e6, steps)
