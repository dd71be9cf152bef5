"""Steps drawn onto pictures: one moment of a step (the report's snapshots) and every frame of
an analysed video (``annotated.mp4``), with the step's measured values beside the lines."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

from edge.bus.schema import StepMsg
from edge.closing import Closing
from edge.errors import UsageError
from edge.gait import Targets
from edge.gait.summary import LESS_SURE, confident, sure_mark
from edge.report import draw
from edge.report.model import METRICS, Moment, Snapshot, meets, overstride_metric

if TYPE_CHECKING:
    from av.video.stream import VideoStream

CODEC = "libx264"
"""H.264 in an MP4 that browsers and phones play, written with PyAV's FFmpeg (OpenCV's wheel has
no H.264 encoder): yuv420p, ``CRF`` quality, the index at the front (``+faststart``) so a page
can play it before it has all of it."""
CRF = "23"


def _value(step: StepMsg | None, metric: str) -> float | None:
    value: float | None = None if step is None else getattr(step, metric)
    return value


def verdict(step: StepMsg | None, metric: str, targets: Targets) -> bool | None:
    """Whether the step's value meets the target (``targets``: the run's, paced: ``run_targets``),
    for its colour; None (plain) without a value, a target, or when the value was measured less
    surely (the far leg's angles, say)."""
    value = _value(step, metric)
    if step is None or value is None or not confident(step, metric):
        return None
    return meets(metric, value, targets)


def _reading(step: StepMsg | None, metric: str) -> str:
    """``18 cm``; ``18 cm*`` when measured less surely (the far leg's angles, an oblique
    uncalibrated view: as the report marks it); ``--`` without a value."""
    value = _value(step, metric)
    if step is None or value is None:
        return "--"
    return f"{value:.0f} {METRICS[metric].unit}{sure_mark(step, metric)}"


def mark(
    image: np.ndarray,
    keypoints: np.ndarray,
    moment: Moment,
    step: StepMsg,
    forward: float | None,
    targets: Targets,
    overstride: str,
) -> bool:
    """Draw the overstride (``ic``) or the hip extension (``to``) of ``step`` on a picture of
    that moment; False when the legs needed are not in view."""
    side = draw.leg(keypoints, moment, forward, step.foot)
    if side is None:
        return False
    metric = overstride if moment == "ic" else "hip_extension_deg"
    text = f"{'overstride' if moment == 'ic' else 'hip extension'} {_reading(step, metric)}"
    ok = verdict(step, metric, targets)
    if moment == "ic":
        return draw.draw_overstride(image, keypoints, side, text, ok)
    return draw.draw_hip_extension(image, keypoints, side, text, ok)


def snapshot(
    keypoints: np.ndarray,
    image: np.ndarray | None,
    moment: Moment,
    step: StepMsg,
    forward: float | None,
    targets: Targets,
    overstride: str,
) -> Snapshot | None:
    """The report's picture of a step at one moment: the runner cut out of ``image`` (or on a
    plain background), skeleton and measurement drawn; None when the runner is not in view."""
    framed = draw.cut_out(keypoints, image)
    if framed is None:
        return None
    picture, moved = framed
    mark(picture, moved, moment, step, forward, targets, overstride)
    return Snapshot(moment, step, draw.png(picture))


def nearest(t: np.ndarray, when: float) -> int:
    """Index of the time in ``t`` (sorted, (N,) seconds, N > 0) nearest ``when``."""
    i = int(np.searchsorted(t, when))
    if i <= 0:
        return 0
    if i >= len(t):
        return len(t) - 1
    return i if t[i] - when < when - t[i - 1] else i - 1


class Overlay:
    """What each frame of an analysed video shows, from the analysis' keypoints and steps.

    t: (N,) seconds of the frames; keypoints: (N, 17, 3) pixels and confidence. Each contact
    flashes for ``FLASH_S``; its overstride line stays ``HOLD_S`` where the foot landed, and the
    hip extension likewise from toe-off. The panel shows the latest values: cadence and
    overstride from the last contact, hip extension and contact time from the last toe-off,
    each for ``PANEL_S`` after it (a user trial's panel showed a contact time 11 s old over a
    stretch with no step found).
    """

    FLASH_S = 0.12
    HOLD_S = 0.25
    #: a stride at the slowest walk (90 steps a minute) takes 1.3 s
    PANEL_S = 2.0

    def __init__(
        self,
        t: np.ndarray,
        keypoints: np.ndarray,
        steps: list[StepMsg],
        targets: Targets,
        forward: float | None,
    ) -> None:
        self.t = t
        self.keypoints = keypoints
        self.steps = steps
        self.targets = targets
        self.forward = forward
        self.overstride = overstride_metric(steps)
        # Each moment's steps sorted by its time, so a frame finds its events by bisection.
        self._events = {
            moment: sorted(
                (getattr(s, "ic_t" if moment == "ic" else "to_t"), i) for i, s in enumerate(steps)
            )
            for moment in ("ic", "to")
        }
        self._times = {m: np.array([e[0] for e in events]) for m, events in self._events.items()}

    def _recent(self, moment: Moment, now: float, within: float) -> list[int]:
        """Indices of the steps whose ``moment`` came in the last ``within`` seconds, oldest
        first."""
        times = self._times[moment]
        lo = int(np.searchsorted(times, now - within, side="right"))
        hi = int(np.searchsorted(times, now + 1e-9, side="right"))
        return [i for _, i in self._events[moment][lo:hi]]

    def _last(self, moment: Moment, now: float) -> StepMsg | None:
        """The step whose ``moment`` came last, up to ``now`` and within ``PANEL_S`` of it."""
        recent = self._recent(moment, now, self.PANEL_S)
        return self.steps[recent[-1]] if recent else None

    def draw(self, image: np.ndarray, index: int) -> None:
        """Annotate frame ``index`` in place."""
        now = float(self.t[index])
        draw.draw_skeleton(image, self.keypoints[index])
        for i in self._recent("ic", now, self.HOLD_S):
            step = self.steps[i]
            at = self.keypoints[nearest(self.t, step.ic_t)]
            mark(image, at, "ic", step, self.forward, self.targets, self.overstride)
            side = draw.leg(at, "ic", self.forward, step.foot)
            if side is not None and now - step.ic_t < self.FLASH_S:
                draw.draw_contact(image, at, side, step.foot)
        for i in self._recent("to", now, self.HOLD_S):
            at = self.keypoints[nearest(self.t, self.steps[i].to_t)]
            mark(image, at, "to", self.steps[i], self.forward, self.targets, self.overstride)
        draw.draw_panel(image, self.panel(now))

    def panel(self, now: float) -> list[tuple[str, str, bool | None]]:
        """The live numbers at ``now``: (name, value, verdict) rows, a value measured less
        surely marked ``LESS_SURE``, with a last row saying what the mark means."""
        last_ic, last_to = self._last("ic", now), self._last("to", now)
        rows = (
            ("cadence", last_ic, "cadence_spm"),
            ("overstride", last_ic, self.overstride),
            ("hip ext", last_to, "hip_extension_deg"),
            ("contact", last_to, "contact_ms"),
        )
        lines: list[tuple[str, str, bool | None]] = [("time", f"{now:.2f} s", None)]
        for name, step, metric in rows:
            lines.append((name, _reading(step, metric), verdict(step, metric, self.targets)))
        if any(value.endswith(LESS_SURE) for _, value, _ in lines):
            lines.append((LESS_SURE, "less sure", None))
        return lines


class AnnotatedVideoWriter(Closing):
    """An H.264 MP4 (``CODEC``) of BGR frames of ``size``; an odd width or height loses its last
    column or row (H.264's 4:2:0 needs even sizes)."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int]) -> None:
        import av

        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.frames = 0
        self._size = (size[0] // 2 * 2, size[1] // 2 * 2)
        try:
            self._out = av.open(str(path), "w", options={"movflags": "+faststart"})
        except OSError as exc:
            raise UsageError(f"cannot write video {path}: {exc}; check the folder") from None
        self._stream = cast(
            "VideoStream", self._out.add_stream(CODEC, rate=Fraction(fps).limit_denominator(1001))
        )
        self._stream.width, self._stream.height = self._size
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"crf": CRF, "preset": "veryfast"}

    def write(self, image: np.ndarray) -> None:
        import av

        w, h = self._size
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image[:h, :w]), format="bgr24")
        self._out.mux(self._stream.encode(frame))
        self.frames += 1

    def close(self) -> None:
        self._out.mux(self._stream.encode(None))
        self._out.close()
