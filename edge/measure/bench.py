"""``hipdrive bench``: the speed of each stage, measured side by side in one run.

Benchmarks report; they never fail on timing. Measured: the whole station on the demo clip
scaled to 1080p (sustained fps, per-stage ms, capture-to-publication latency with the clip
played like a camera), the naive Ultralytics loop on the same clip, the runner crop's keypoint
error against full-frame inference, and the gait kernels against their numpy reference.
"""

from __future__ import annotations

import logging
import math
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge.capture import CaptureSettings, Frame, FrameSource
from edge.capture.file import FileCamera, VideoFileSource
from edge.capture.timebase import ENGINE_FPS
from edge.config import Config
from edge.demo.mocap import load_trial
from edge.demo.render import DemoClip
from edge.demo.scene import SideCamera, world_keypoints
from edge.demo.session import keypoint_errors, runner_track
from edge.gait import GaitEngine, GaitParams, PlaneMapping, reference
from edge.pose import PoseEstimator, RunnerSelector
from edge.pose.base import InputSize
from edge.pose.cpu import cpu_features
from edge.pose.crop import RunnerFinder
from edge.pose.refine import KeypointRefiner
from edge.progress import Progress
from edge.run.station import GaitFeed, Station

log = logging.getLogger(__name__)


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


class _FirstFrames(FrameSource):
    """The first ``n`` frames of another source."""

    def __init__(self, source: FrameSource, n: int) -> None:
        self._source = source
        self.info = source.info
        self._left = n

    def read(self) -> Frame | None:
        if self._left <= 0:
            return None
        self._left -= 1
        return self._source.read()

    @property
    def dropped(self) -> int:
        return self._source.dropped

    def close(self) -> None:
        self._source.close()


def bench_clip(clip: DemoClip, height: int = 1080) -> Path:
    """The demo clip scaled to ``height`` (1080p by default, as a station camera films), kept
    beside the demo clip; made (with progress) the first time."""
    out = clip.video.with_name(f"{clip.video.stem}-{height}p-{clip.renderer}.mp4")
    if out.exists():
        return out
    with VideoFileSource(clip.video, CaptureSettings()) as source:
        width = round(source.info.width * height / source.info.height / 2) * 2
        partial = out.with_name(f"partial-{out.name}")
        writer = cv2.VideoWriter(
            str(partial), cv2.VideoWriter.fourcc(*"mp4v"), source.info.fps, (width, height)
        )
        bar = Progress(f"scaling the demo clip to {height}p for the benchmark", clip.frames)
        while (frame := source.read()) is not None:
            writer.write(cv2.resize(frame.image, (width, height), interpolation=cv2.INTER_LINEAR))
            bar.update()
        writer.release()
        bar.close()
    partial.replace(out)
    return out


#: how long the live station may take to publish its first frame
START_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class StationBench:
    """The station on a clip. Throughput: lossless file, as fast as it goes. Live: the clip
    played like a camera at its fps, so latency and dropped frames are a camera's.
    ``fps_without_refiner``: the lossless run again without the keypoint refiner, when the
    configuration has it on (else None)."""

    frames: int
    fps_end_to_end: float
    fps_without_refiner: float | None
    stages_ms: dict[str, float]
    full_frame_pct: float
    live_fps_in: float
    live_fps_out: float
    live_dropped: int
    latency_p50_ms: float | None
    latency_p99_ms: float | None


def _bench_config(config: Config, work: Path) -> Config:
    """The configuration with its own data folder ``work`` (made) and private sockets, for a
    benchmark run."""
    work.mkdir(parents=True, exist_ok=True)
    station = config.station.model_copy(
        update={"data_dir": work, "auto_session": False, "record_keypoints": False}
    )
    bus = config.bus.model_copy(
        update={"publish": f"ipc://{work}/publish", "control": f"ipc://{work}/control"}
    )
    return config.model_copy(update={"station": station, "bus": bus})


def _sustained(
    cfg: Config,
    estimator: PoseEstimator,
    refiner: KeypointRefiner | None,
    clip: Path,
    frames: int,
) -> tuple[float, dict[str, float], float]:
    """The station on ``frames`` lossless frames of ``clip`` as fast as it goes: fps, the
    stages' ms per frame and the share of full-frame looks (%)."""
    source = _FirstFrames(VideoFileSource(clip, CaptureSettings(paced=False)), frames)
    station = Station(cfg, source, estimator, refiner=refiner)
    # Loading the pose model and the gait kernels is start-up, not the sustained rate
    # (the gait kernels' first load in a process takes 0.3-0.4 s, 5% of this run).
    warm = np.zeros((source.info.height, source.info.width, 3), np.uint8)
    station.estimator.infer(warm)
    GaitFeed.warm_up()
    started = time.perf_counter()
    station.run(threading.Event())
    fps = frames / (time.perf_counter() - started)
    looks = station.finder.looks
    full_pct = 100.0 * station.finder.full_frame_looks / looks if looks else 0.0
    return fps, station.stages.snapshot(), full_pct


def bench_station(
    config: Config,
    open_pose: Callable[[], PoseEstimator],
    refiner: KeypointRefiner | None,
    clip: Path,
    frames: int = 600,
    live_seconds: float = 10.0,
) -> StationBench:
    """The whole station (read, pose, ``refiner`` if any, gait, publish) on ``clip``:
    sustained fps over ``frames`` lossless frames, and again without the refiner when one is
    given; then capture-to-publication latency over ``live_seconds`` of it played like a
    camera."""
    with tempfile.TemporaryDirectory(prefix="hipdrive-bench-") as tmp:
        work = Path(tmp)
        log.info("benchmark: %d frames of %s as fast as the station goes", frames, clip.name)
        fps, stages, full_pct = _sustained(
            _bench_config(config, work / "file"), open_pose(), refiner, clip, frames
        )
        without = None
        if refiner is not None:
            log.info("benchmark: the same frames without the keypoint refiner")
            without, _, _ = _sustained(
                _bench_config(config, work / "unrefined"), open_pose(), None, clip, frames
            )

        live_cfg = _bench_config(config, work / "live")
        estimator = open_pose()
        camera = FileCamera(clip)
        station = Station(live_cfg, camera, estimator, refiner=refiner)
        stop = threading.Event()
        thread = threading.Thread(target=station.run, args=(stop,), name="bench-station")
        log.info("benchmark: %.0f s of %s played like a camera", live_seconds, clip.name)
        thread.start()
        # Frames the camera delivers while the station starts are dropped by any station;
        # count those dropped once it is running.
        deadline = time.monotonic() + START_TIMEOUT_S
        while station.rates.frames_out == 0 and thread.is_alive():
            if time.monotonic() > deadline:
                stop.set()
                thread.join()
                raise RuntimeError(
                    f"the station published no frame within {START_TIMEOUT_S:.0f} s of starting "
                    f"on {clip.name}; run `hipdrive run --source file:{clip}` to see why"
                )
            time.sleep(0.01)
        dropped_at_start = camera.dropped
        time.sleep(live_seconds)
        fps_in, fps_out, p50, p99 = station.rates.snapshot(time.monotonic())
        dropped = camera.dropped - dropped_at_start
        stop.set()
        thread.join()
    return StationBench(frames, fps, without, stages, full_pct, fps_in, fps_out, dropped, p50, p99)


def bench_naive_ultralytics(model: Path, clip: Path, frames: int = 60) -> float:
    """Frames per second of the loop a first script would be: read a frame with OpenCV, call
    Ultralytics ``model.predict`` on it (its default 640 input), on the same clip."""
    from ultralytics import YOLO

    yolo = YOLO(str(model), task="pose")
    cap = cv2.VideoCapture(str(clip))
    ok, image = cap.read()
    yolo.predict(image, verbose=False)
    bar = Progress("naive Ultralytics loop", frames)
    started = time.perf_counter()
    done = 0
    while done < frames and ok:
        yolo.predict(image, verbose=False)
        done += 1
        bar.update()
        ok, image = cap.read()
    elapsed = time.perf_counter() - started
    bar.close()
    cap.release()
    return done / elapsed


@dataclass(frozen=True, slots=True)
class CropAccuracy:
    """Leg keypoint error against the demo's truth: the full frame at the model's own 640
    input, and the runner crop at the station's input size. ``*_px`` is the mean over hips,
    knees and ankles; ``*_hip_px`` the hips' median, shown apart because the mean (ankles
    dominate it) can improve while the hips, which every gait metric is measured from, get
    worse: on the demo clip (tests/demo_accuracy.py, INT8) the crop at 256 had a mean 1.4 px
    better than at 320 and a hip median 1.3 px worse, and the gait engine found 94% of the
    steps instead of 100%."""

    frames: int
    full_frame_px: float
    crop_px: float
    full_frame_hip_px: float
    crop_hip_px: float
    imgsz: InputSize
    refined_px: float | None = None


def bench_crop_accuracy(
    open_pose: Callable[[InputSize], PoseEstimator],
    clip: DemoClip,
    imgsz: InputSize,
    frames: int = 300,
    refiner: KeypointRefiner | None = None,
) -> CropAccuracy:
    """Mean leg keypoint error (hips, knees, ankles) over the first ``frames`` of the demo
    clip, full frame at 640 against the crop at ``imgsz``, and the crop with ``refiner``."""
    frames = min(frames, clip.frames)
    whole_frame = InputSize.of(640)
    runs: list[tuple[str, InputSize, bool, KeypointRefiner | None]] = [
        ("full frame 640", whole_frame, False, None),
        (f"crop {imgsz}", imgsz, True, None),
    ]
    if refiner is not None:
        runs.append((f"crop {imgsz} + refiner", imgsz, True, refiner))
    errors = []
    for label, size, crop, refine in runs:
        finder = RunnerFinder(open_pose(size), RunnerSelector(), crop=crop, refiner=refine)
        found = runner_track(clip, finder, frames, f"keypoint error, {label}")
        errors.append(keypoint_errors(clip, np.arange(frames), found))
    whole, cropped = errors[0], errors[1]
    return CropAccuracy(
        frames,
        whole["legs_mean_px"],
        cropped["legs_mean_px"],
        whole["hip_median_px"],
        cropped["hip_median_px"],
        imgsz,
        errors[2]["legs_mean_px"] if refiner is not None else None,
    )


#: frame rates cameras offer, that a station slower than its camera may be set to; the least is
#: the gait engine's (``ENGINE_FPS``)
CAMERA_RATES = (24.0, 25.0, 30.0, 50.0, 60.0, 90.0, 120.0)


def camera_verdict(measured_fps: float, camera_fps: float) -> str:
    """What the whole station's rate on this machine (``measured_fps``, end to end) means for
    the configured camera's (``camera.fps``): a user trial's bench gave its figures and left the
    installer to work out from the docs that a 2-core machine would not take 60 fps."""
    if measured_fps >= camera_fps:
        return f"keeps up with the camera's {camera_fps:g} fps (camera.fps): every frame measured"
    # Rounded down: a rate a hair under the camera's is not said to be the camera's.
    said = f"measures {math.floor(10.0 * measured_fps) / 10.0:.1f} frames a second"
    rates = [r for r in CAMERA_RATES if r <= measured_fps]
    if rates:
        return (
            f"{said}, fewer than the camera's {camera_fps:g} (camera.fps), whose other frames it "
            f"would drop: set camera.fps = {max(rates):g}, or a lighter pose set-up "
            "(docs/performance.md); a machine busy with other work measures fewer"
        )
    return (
        f"{said}, fewer than the {ENGINE_FPS[0]:g} the gait engine needs to time a step: use "
        'pose.precision = "int8" and a smaller pose.imgsz, or a faster machine '
        "(docs/performance.md); a machine busy with other work measures fewer"
    )


@dataclass(frozen=True, slots=True)
class BenchResult:
    """One ``hipdrive bench`` run: every figure measured side by side on one machine."""

    backend: str
    precision: str
    imgsz: InputSize
    model: str
    workers: int
    crop: bool
    clip: str
    station: StationBench
    naive_ultralytics_fps: float
    keypoints: CropAccuracy
    gait: GaitBench

    @property
    def stages_ms(self) -> dict[str, float]:
        return {"decode" if k == "read" else k: v for k, v in self.station.stages_ms.items()}

    @property
    def speedup_vs_naive(self) -> float:
        return self.station.fps_end_to_end / self.naive_ultralytics_fps

    def table(self) -> list[tuple[str, str]]:
        """The figures as (what, value) rows for a person to read."""
        st, kp, gait = self.station, self.keypoints, self.gait
        latency = (
            f"p50 {st.latency_p50_ms:.0f} ms, p99 {st.latency_p99_ms:.0f} ms"
            if st.latency_p50_ms is not None and st.latency_p99_ms is not None
            else "-"
        )
        return [
            ("machine", cpu_features().describe()),
            ("cpu features", cpu_features().summary()),
            ("backend", f"{self.backend}, imgsz {self.imgsz}, {self.workers} workers"),
            ("precision that ran", self.precision),
            ("model", self.model),
            ("runner crop", "on" if self.crop else "off"),
            ("keypoint refiner", "on" if st.fps_without_refiner is not None else "off"),
            ("clip", f"{self.clip}, {st.frames} frames"),
            ("end to end (lossless file)", f"{st.fps_end_to_end:.1f} fps"),
            *(
                [("  the same without the refiner", f"{st.fps_without_refiner:.1f} fps")]
                if st.fps_without_refiner is not None
                else []
            ),
            *((f"  {name} ms/frame", f"{ms:.2f}") for name, ms in self.stages_ms.items()),
            ("  full-frame looks", f"{st.full_frame_pct:.1f}%"),
            (
                "live (clip played as a camera)",
                f"{st.live_fps_out:.1f} fps out of {st.live_fps_in:.1f} in, "
                f"{st.live_dropped} dropped",
            ),
            ("  capture -> publish latency", latency),
            ("naive Ultralytics predict loop", f"{self.naive_ultralytics_fps:.1f} fps (imgsz 640)"),
            ("speedup vs naive", f"{self.speedup_vs_naive:.1f}x"),
            ("leg keypoint error, full frame 640", f"{kp.full_frame_px:.1f} px"),
            (
                f"leg keypoint error, crop {kp.imgsz}",
                f"{kp.crop_px:.1f} px ({kp.crop_px - kp.full_frame_px:+.1f} px, "
                f"{kp.frames} frames)",
            ),
            *(
                [(f"leg keypoint error, crop {kp.imgsz} + refiner", f"{kp.refined_px:.1f} px")]
                if kp.refined_px is not None
                else []
            ),
            (
                "  hip median, full frame 640 / crop",
                f"{kp.full_frame_hip_px:.1f} / {kp.crop_hip_px:.1f} px "
                f"({kp.crop_hip_px - kp.full_frame_hip_px:+.1f} px)",
            ),
            ("gait kernel", f"{gait.kernel_us_per_frame:.2f} us/frame"),
            ("gait engine (steps included)", f"{gait.engine_us_per_frame:.1f} us/frame"),
            ("gait numpy reference", f"{gait.numpy_us_per_frame:.0f} us/frame"),
            ("gait speedup vs numpy", f"{gait.speedup_vs_numpy:.0f}x"),
        ]

    def as_json(self) -> dict[str, object]:
        """The object ``--json`` writes, with the keys DESIGN.md lists for tools."""
        st = self.station
        return {
            "machine": cpu_features().describe(),
            "cpu_features": cpu_features().summary(),
            "backend": self.backend,
            "precision": self.precision,
            "imgsz": self.imgsz.imgsz,
            "model": self.model,
            "workers": self.workers,
            "crop": self.crop,
            "clip": self.clip,
            "frames": st.frames,
            "fps_end_to_end": st.fps_end_to_end,
            "fps_without_refiner": st.fps_without_refiner,
            "latency_p50_ms": st.latency_p50_ms,
            "latency_p99_ms": st.latency_p99_ms,
            "live_fps_in": st.live_fps_in,
            "live_fps_out": st.live_fps_out,
            "live_dropped_frames": st.live_dropped,
            "naive_ultralytics_fps": self.naive_ultralytics_fps,
            "speedup_vs_naive": self.speedup_vs_naive,
            "full_frame_looks_pct": st.full_frame_pct,
            "keypoint_error_full_frame_px": self.keypoints.full_frame_px,
            "keypoint_error_crop_px": self.keypoints.crop_px,
            "keypoint_error_refined_px": self.keypoints.refined_px,
            "hip_error_full_frame_median_px": self.keypoints.full_frame_hip_px,
            "hip_error_crop_median_px": self.keypoints.crop_hip_px,
            "gait_us_per_frame": self.gait.kernel_us_per_frame,
            "gait_engine_us_per_frame": self.gait.engine_us_per_frame,
            "gait_numpy_us_per_frame": self.gait.numpy_us_per_frame,
            "gait_speedup_vs_numpy": self.gait.speedup_vs_numpy,
            "stages_ms": self.stages_ms,
        }


@dataclass(frozen=True, slots=True)
class BenchPlan:
    """How much of each measurement to run."""

    frames: int = 600
    live_seconds: float = 10.0
    naive_frames: int = 60
    accuracy_frames: int = 300


def run_bench(
    config: Config,
    open_pose: Callable[[InputSize], PoseEstimator],
    backend: str,
    precision: str,
    clip: DemoClip,
    model: Path,
    plan: BenchPlan,
    refiner: KeypointRefiner | None = None,
) -> BenchResult:
    """Every measurement, one after the other on the same machine. ``open_pose(imgsz)`` opens
    the backend under test, which runs at ``precision``; ``refiner`` is the keypoint refiner
    the configuration asks for, or None; ``model`` is the .pt file the naive loop runs."""
    video = bench_clip(clip)
    station = bench_station(
        config,
        lambda: open_pose(config.pose.imgsz),
        refiner,
        video,
        plan.frames,
        plan.live_seconds,
    )
    naive = bench_naive_ultralytics(model, video, plan.naive_frames)
    keypoints = bench_crop_accuracy(
        open_pose, clip, config.pose.imgsz, plan.accuracy_frames, refiner
    )
    return BenchResult(
        backend=backend,
        precision=precision,
        imgsz=config.pose.imgsz,
        model=config.model_path().name,
        workers=config.pose.workers,
        crop=config.pose.crop,
        clip=video.name,
        station=station,
        naive_ultralytics_fps=naive,
        keypoints=keypoints,
        gait=bench_gait(),
    )
