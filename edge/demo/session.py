"""``hipdrive demo``: the whole station on the rendered clip, and its accuracy against truth.

The clip loops, paced like a camera. The station sees it through a calibration made from the
camera that rendered it, so metrics are in metres, and every step is held against the force
plate's contacts of the Fukuchi 2017 run the clip was rendered from (CC-BY 4.0).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from calibrate.model import Calibration, Intrinsics, Plane
from edge.capture import CaptureSettings, Frame, FrameSource
from edge.capture.file import VideoFileSource
from edge.demo.render import DemoClip
from edge.gait import Step, Summary
from edge.pose.crop import RunnerFinder
from edge.progress import Progress

#: a step counts as found when its contact is this close to a force-plate contact
MATCH_S = 0.06


def demo_calibration(clip: DemoClip) -> Calibration:
    """The calibration of the camera the clip was rendered with: exact, metres, its lens a
    pinhole without distortion centred on the image."""
    camera = clip.camera
    w, h = camera.image_size
    f = camera.focal_px
    lens = Intrinsics(
        np.array([[f, 0.0, w / 2], [0.0, f, h / 2], [0.0, 0.0, 1.0]]), np.zeros(5), 0.0
    )
    belt_y = float(camera.project(np.array([[0.0, 0.0, 0.0]]))[0, 1])
    plane = Plane(
        homography=camera.homography,
        belt_line=np.array([[0.0, belt_y], [w - 1.0, belt_y]]),
        facing=camera.facing,  # type: ignore[arg-type]
        roi=(0, 0, w, h),
        meters_per_pixel_at_belt=camera.meters_per_pixel,
    )
    return Calibration("demo", (w, h), datetime.now(timezone.utc), lens, plane)


@dataclass(frozen=True)
class ClipTruth:
    """What the force plate says about a looping clip: its contacts' times (clip seconds),
    with the one at its seam whose toe-off comes in the next loop, their per-step truth metrics
    (``truth_steps``), and the clip's length in seconds."""

    ic: np.ndarray
    steps: tuple[dict, ...]
    duration_s: float

    @classmethod
    def of(cls, clip: DemoClip) -> ClipTruth:
        seam = [s["ic_t"] for s in clip.seam_steps]
        return cls(
            np.concatenate([clip.ic, seam]), clip.steps + clip.seam_steps, clip.frames / clip.fps
        )


@dataclass
class Accuracy:
    """The station's steps held against a clip's truth, in clip time."""

    truth: ClipTruth
    steps: list[Step] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, step: Step, summary: Summary) -> None:
        with self._lock:
            self.steps.append(step)

    def report(self, t0: float, seen_s: float, since_s: float = 0.0) -> dict[str, float]:
        """Figures over the contacts the station has had time to see: video from ``since_s``
        to ``seen_s`` seconds into the clip, whose first frame came at station time ``t0``."""
        duration = self.truth.duration_s
        loops = max(1, math.ceil(seen_s / duration))
        truth_ic = np.concatenate([self.truth.ic + k * duration for k in range(loops)])
        truth = [s for _ in range(loops) for s in self.truth.steps]
        # Contacts whose step could have been reported: the foot has landed again since.
        expected = int(np.sum((truth_ic >= since_s) & (truth_ic < seen_s - 1.0)))
        pairs = []
        used: set[int] = set()
        with self._lock:
            steps = list(self.steps)
        for step in steps:
            t = step.ic_t - t0
            j = int(np.argmin(np.abs(truth_ic - t)))
            if abs(truth_ic[j] - t) <= MATCH_S and j not in used:
                used.add(j)
                pairs.append((step, truth[j], truth_ic[j] - truth[j]["ic_t"]))
        # The steps of those contacts' time only: a step is reported before a second has passed.
        window = [s for s in steps if since_s <= s.ic_t - t0 < seen_s - 1.0]
        matched = {id(s) for s, _, _ in pairs}
        out = {
            "contacts_expected": float(expected),
            "steps_reported": float(len(window)),
            "steps_false": float(sum(id(s) not in matched for s in window)),
            "steps_found_pct": 100.0 * sum(id(s) in matched for s in window) / expected
            if expected
            else 0.0,
        }
        if pairs:
            out |= {
                "ic_mae_ms": _mae(
                    [1000 * (s.ic_t - t0 - off - tr["ic_t"]) for s, tr, off in pairs]
                ),
                "to_mae_ms": _mae(
                    [1000 * (s.to_t - t0 - off - tr["to_t"]) for s, tr, off in pairs]
                ),
                "overstride_mae_cm": _mae(
                    [
                        s.overstride_cm - tr["overstride_cm"]
                        for s, tr, _ in pairs
                        if s.overstride_cm is not None
                    ]
                ),
                "hip_extension_mae_deg": _mae(
                    [
                        s.hip_extension_deg - tr["hip_extension_deg"]
                        for s, tr, _ in pairs
                        if s.hip_extension_deg is not None
                    ]
                ),
                "stride_length_mae_pct": _mae(
                    [
                        100.0 * (s.stride_length_m / tr["stride_length_m"] - 1.0)
                        for s, tr, _ in pairs
                        if s.stride_length_m is not None and tr["stride_length_m"]
                    ]
                ),
                "side_correct_pct": 100.0
                * float(np.mean([s.foot == tr["foot"] for s, tr, _ in pairs])),
            }
        return out


def _mae(errors: list[float]) -> float:
    return float(np.mean(np.abs(errors))) if errors else math.nan


class ClipSource(FrameSource):
    """The clip looping, paced like a camera, ending after ``seconds`` of video (None: never).
    ``live``: frames the station is too slow for are dropped, as a camera's are, so it keeps up
    with the clock (on a console), and those due before it reads the first go by unseen; else
    every frame is handed out, however late.

    ``t0`` is the station time of the clip's first frame (set at the first read unless
    ``live``); ``first_s`` and ``seen_s`` how much video had gone by at the first frame handed
    out and after the last.
    """

    def __init__(self, clip: DemoClip, seconds: float | None = None, live: bool = False) -> None:
        self._source = VideoFileSource(
            clip.video, CaptureSettings(paced=True, drop_late=live), loop=True
        )
        self.info = self._source.info
        self._limit = None if seconds is None else round(seconds * clip.fps)
        self._first: int | None = None
        self._frames = 0

    @property
    def t0(self) -> float:
        return self._source.t0_ns / 1e9

    @property
    def first_s(self) -> float:
        return (self._first or 0) / self.info.fps

    @property
    def seen_s(self) -> float:
        return self._frames / self.info.fps

    @property
    def dropped(self) -> int:
        return self._source.dropped

    def read(self) -> Frame | None:
        if self._limit is not None and self._frames >= self._limit:
            return None
        frame = self._source.read()
        if frame is None or (self._limit is not None and frame.index >= self._limit):
            return None
        if self._first is None:
            self._first = frame.index
        self._frames = frame.index + 1
        return frame

    def close(self) -> None:
        self._source.close()


def accuracy_lines(figures: dict[str, float]) -> list[str]:
    """The end-to-end accuracy for a person to read."""
    names = {
        "frames_dropped_pct": ("frames dropped, the station too slow", "%", "{:.0f}"),
        "contacts_expected": ("force-plate contacts in the time run", "", "{:.0f}"),
        "steps_reported": ("steps reported in that time", "", "{:.0f}"),
        "steps_false": ("of them at no contact (false)", "", "{:.0f}"),
        "steps_found_pct": ("steps found", "%", "{:.1f}"),
        "side_correct_pct": ("foot named right", "%", "{:.1f}"),
        "ic_mae_ms": ("initial contact, mean error", " ms", "{:.1f}"),
        "to_mae_ms": ("toe-off, mean error", " ms", "{:.1f}"),
        "overstride_mae_cm": ("overstride, mean error", " cm", "{:.2f}"),
        "hip_extension_mae_deg": ("hip extension, mean error", " deg", "{:.2f}"),
        "stride_length_mae_pct": ("stride length, mean error", "%", "{:.1f}"),
    }
    lines = ["accuracy against the force plate (Fukuchi 2017, CC-BY 4.0):"]
    for key, (label, unit, fmt) in names.items():
        if key in figures and math.isfinite(figures[key]):
            lines.append(f"  {label:38s} {fmt.format(figures[key])}{unit}")
    return lines


#: the leg keypoints held against the truth, COCO indices: hips, knees, ankles (left, right)
_LEG_PAIRS = ((11, 12), (13, 14), (15, 16))


def keypoint_errors(clip: DemoClip, frames: np.ndarray, keypoints: np.ndarray) -> dict[str, float]:
    """How far the pose backend's leg keypoints are from the truth, in pixels.

    frames: (N,) clip frame indices. keypoints: (N, 17, 3) the runner's keypoints in those
    frames (NaN or conf 0 when not found). Side views swap left and right, which the gait
    engine sorts out, so each frame's legs are compared the way round that fits better and the
    swaps are counted apart. Keypoints the treadmill hides in the clip are left out.
    """
    truth = clip.keypoints[frames]
    hidden = clip.hidden[frames]
    left = [a for a, _ in _LEG_PAIRS]
    right = [b for _, b in _LEG_PAIRS]
    seen = (keypoints[:, :, 2] > 0) & ~hidden & np.isfinite(keypoints[:, :, 0])
    err = np.linalg.norm(keypoints[:, :, :2] - truth, axis=2)
    crossed = np.linalg.norm(keypoints[:, left + right, :2] - truth[:, right + left], axis=2)
    both = seen[:, left + right].all(axis=1)
    straight_sum = err[:, left + right].sum(axis=1)
    swapped = both & (crossed.sum(axis=1) < straight_sum)
    leg_err = np.where(swapped[:, None], crossed, err[:, left + right])
    leg_seen = seen[:, left + right]
    found = seen.any(axis=1)
    out = {
        "frames": float(len(frames)),
        "runner_found_pct": 100.0 * float(found.mean()) if len(frames) else 0.0,
        "legs_swapped_pct": 100.0 * float(swapped[both].mean()) if both.any() else math.nan,
    }
    for k, name in enumerate(("hip", "knee", "ankle")):
        cols = [k, k + len(_LEG_PAIRS)]
        values = leg_err[:, cols][leg_seen[:, cols]]
        out[f"{name}_median_px"] = float(np.median(values)) if values.size else math.nan
        out[f"{name}_mean_px"] = float(np.mean(values)) if values.size else math.nan
    values = leg_err[leg_seen]
    out["legs_mean_px"] = float(np.mean(values)) if values.size else math.nan
    return out


def runner_track(clip: DemoClip, finder: RunnerFinder, frames: int, label: str) -> np.ndarray:
    """The runner's keypoints (frames, 17, 3) float32 in the first ``frames`` of the clip, as
    ``finder`` follows them frame by frame (NaN, conf 0 where not found), with progress."""
    frames = min(frames, clip.frames)
    track = np.full((frames, 17, 3), np.nan, np.float32)
    track[:, :, 2] = 0.0
    bar = Progress(label, frames)
    with VideoFileSource(clip.video, CaptureSettings()) as source:
        for k in range(frames):
            frame = source.read()
            if frame is None:
                break
            runner = finder.find(frame.image)
            if runner is not None:
                track[k] = runner.keypoints
            bar.update()
    bar.close()
    return track
