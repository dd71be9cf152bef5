"""What the console knows about the station: the latest messages and the recent steps.

Plain state, no Textual: the app feeds it messages and draws from it. Times are the station's
(``t`` of the messages), so nothing here depends on when the console happened to draw.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Literal

import numpy as np

from edge.bus.schema import (
    FrameMsg,
    MetricName,
    MetricStats,
    Msg,
    StatusMsg,
    StepMsg,
    SummaryMsg,
    belt_read,
    keypoints_from_wire,
)
from edge.pace import RECENT_STEPS, slow_cadence
from edge.row import in_row
from edge.skeleton import LEFT_ANKLE, RIGHT_ANKLE

FORESHORTENED_CUED = (
    "overstride_cm",
    "overstride_pct_leg",
    "shank_angle_ic_deg",
    "hip_extension_deg",
)
"""The figures a cue judges that an oblique view foreshortens (``edge.gait.metrics``'s
``OBLIQUE_METRICS`` among ``edge.gait.summary``'s cue rules, which the console does not import)."""
HISTORY_STEPS = 60
"""Steps kept for the history plots."""
FRAME_SECONDS = 2.0
"""Frames kept to find where a foot landed: a step is published ~0.5 s after its contact."""
UNTIMED_MODE = "untimed"
"""``Readings.gait_mode`` while the station gets too few frames a second to time steps, as
``edge.gait.mode.UNTIMED`` (which the console does not import): no mode can be told then."""

Units = Literal["cm", "pct_leg"]

TIMED_METRICS = frozenset(
    {"cadence_spm", "step_ms", "contact_ms", "flight_ms", "braking_ms", "speed_legs_per_s"}
    | {"stride_length_m"}
)
"""Figures read off the clock: a file's time base that makes the steps no runner's makes them
wrong (the angles and the distances in leg lengths stay right)."""
METRE_METRICS = frozenset({"overstride_cm", "vertical_osc_cm", "stride_length_m"})
"""Figures in metres: a scale or a belt speed that does not fit the runner makes them wrong."""


@dataclass(frozen=True, slots=True)
class Landing:
    """Where a foot was at initial contact: image pixels (y down)."""

    foot: str
    x: float
    y: float


class Readings:
    """The latest status and summary, the last steps and frames, and the session clock."""

    def __init__(self, history: int = HISTORY_STEPS) -> None:
        self.status: StatusMsg | None = None
        self.summary: SummaryMsg | None = None
        self.steps: deque[StepMsg] = deque(maxlen=history)
        self.station_t: float | None = None
        self._frames: deque[FrameMsg] = deque()
        self._session: int | None = None
        self._session_start_t: float | None = None
        self._figures_of: int | None = None
        """The session the steps and summary shown are of (the last one a status named)."""
        self._fresh: tuple[int, bool] = (0, False)
        """Steps and whether a summary came since the last status: a new session's first
        figures can come before the status that names it."""
        self.cleared = 0
        """How many times a new session's status has cleared the figures of the one before."""

    def take(self, msg: Msg) -> None:
        """Take one message of any kind."""
        if isinstance(msg, FrameMsg):
            self._take_frame(msg)
        elif isinstance(msg, StepMsg):
            self.steps.append(msg)
            self._fresh = (self._fresh[0] + 1, self._fresh[1])
        elif isinstance(msg, SummaryMsg):
            self.summary = msg
            self._fresh = (self._fresh[0], True)
        else:
            self._take_status(msg)

    def _take_frame(self, msg: FrameMsg) -> None:
        self.station_t = msg.t
        self._frames.append(msg)
        while self._frames and self._frames[0].t < msg.t - FRAME_SECONDS:
            self._frames.popleft()

    def _take_status(self, msg: StatusMsg) -> None:
        self.status = msg
        self.station_t = msg.t
        if msg.session_id is not None and msg.session_id != self._figures_of:
            # A new session's figures start afresh: a user trial's console, left open across
            # station restarts, showed the last runner's under the next one's name, who took
            # no step. Those that came since the last status, landed from its start on (the
            # summary: made), are the new session's.
            steps, summary = self._fresh
            start = -math.inf if msg.session_start_t is None else msg.session_start_t
            fresh = list(self.steps)[len(self.steps) - steps :] if steps else []
            kept = [s for s in fresh if s.ic_t >= start]
            shown = self.summary if summary and self.summary and self.summary.t >= start else None
            if len(kept) < len(self.steps) or shown is not self.summary:
                self.steps.clear()
                self.steps.extend(kept)
                self.summary = shown
                self.cleared += 1
            self._figures_of = msg.session_id
        self._fresh = (0, False)
        if msg.session_id != self._session:
            # A station that does not say when the session started: count from this status.
            self._session = msg.session_id
            self._session_start_t = msg.t if msg.session_id is not None else None
        if msg.session_id is not None and msg.session_start_t is not None:
            self._session_start_t = msg.session_start_t

    @property
    def session_seconds(self) -> float | None:
        """Station seconds since the current session started (or, when the station does not
        say, since this console first saw it)."""
        if self._session_start_t is None or self.station_t is None:
            return None
        return max(self.station_t - self._session_start_t, 0.0)

    @property
    def units(self) -> Units:
        """How distances are reported: the summary says; before one, the status or last step."""
        if self.summary is not None:
            return self.summary.units
        if self.status is not None:
            return "cm" if self.status.calibrated else "pct_leg"
        if self.steps and self.steps[-1].overstride_cm is None:
            return "pct_leg"
        return "cm"

    def stats(self, metric: MetricName) -> MetricStats | None:
        """The summary's median, spread and asymmetry of one metric (None before a summary,
        while the station's status says it cannot be the runner's, ``unmeasured``, and while
        the summary is of the other gait, ``other_gait``)."""
        if self.summary is None or self.unmeasured(metric) or self.other_gait:
            return None
        return self.summary.metrics.get(metric)

    @property
    def other_gait(self) -> bool:
        """Whether the status says the person runs and the summary is of a walk, or the other
        way round: the figures are the last gait's until the new one's first steps come, up to
        a few seconds after it is told (a console trial's RUNNING stood for 2.4 s over the
        walk's cadence of 107 and contact of 697 ms). A stand keeps the last gait's figures."""
        mode = None if self.status is None else self.status.gait_mode
        gait = None if self.summary is None else self.summary.gait
        return {mode, gait} == {"running", "walking"}

    def unmeasured(self, metric: str) -> bool:
        """Whether the station's status says ``metric``'s figures cannot be the runner's now,
        shown as none: every figure read off the clock while a file's time base is in doubt, or
        while the station gets too few frames a second to time steps (``TIMED_METRICS``), every
        one in metres while the scale or the belt speed is (``METRE_METRICS``). A user trial's
        console had shown a 288 cm overstride beside the notice that the scale did not fit, and
        one on a loaded machine a cadence of 171 beside "too few frames a second to time the
        steps", 19 of 33 steps found. Every figure while the station cannot time steps now
        (``StatusMsg.untimed``): the last ones are of steps before, not of what the runner does."""
        status = self.status
        if status is None:
            return False
        if status.untimed:
            return True
        timing = status.timing_problem or status.timing_doubt or status.rate_problem
        if timing and metric in TIMED_METRICS:
            return True
        return bool(status.distance_problem or status.distance_doubt) and metric in METRE_METRICS

    @property
    def unjudged_run(self) -> bool:
        """Whether the latest running steps come under running's cadence (``slow_cadence``):
        the station's cue then judges them by no target, and neither do the tiles' colours (a
        review found a misread walk's overstride tile red beside "Form not fully judged")."""
        summary = self.summary
        if summary is None or summary.gait == "walking":
            return False
        recent = list(self.steps)[-RECENT_STEPS:]
        return slow_cadence([s.cadence_spm for s in recent]) is not None

    @property
    def gait_mode(self) -> str | None:
        """What the person on the belt is doing: ``running``, ``walking``, ``standing`` or
        ``off_belt``, as the status says, or ``UNTIMED_MODE`` while it says the station gets too
        few frames a second to time steps (``StatusMsg.untimed``: a loaded station's console had
        read STANDING, "no steps while standing still", and WALKING by turns over a runner for
        18 s); before a status that tells, the gait of the latest summary (None: not known)."""
        status = self.status
        if status is not None and status.untimed:
            return UNTIMED_MODE
        if status is not None and status.gait_mode is not None:
            return status.gait_mode
        return None if self.summary is None else self.summary.gait

    @property
    def belt_read(self) -> float | None:
        """The belt's speed as the recent steps were run at, m/s (``step_speed``: a calibrated
        camera reads it off the stance foot); None when no step says, or while the status
        doubts the steps' distances or times (``unmeasured``)."""
        if self.unmeasured("stride_length_m"):
            return None
        return belt_read(self.steps)

    @property
    def held(self) -> str | None:
        """Why the station gives no cue, in a few words, as its status says: a file's time base
        that makes the steps no runner's, or a scale or belt speed that does not fit the runner
        (their messages, with what to do, are the notices'), or one it is still checking, or too
        few frames a second for the engine; None when it gives cues."""
        status = self.status
        if status is None:
            return None
        if status.timing_problem is not None:
            return "these steps are no runner's at the file's rate: see the notice"
        if status.timing_doubt:
            return "checking the steps against the file's rate"
        if status.distance_problem is not None:
            return "the scale or the belt speed does not fit the runner: see the notice"
        if status.distance_doubt:
            return "checking the distances against the runner"
        if status.rate_problem is not None:
            return "too few frames a second to time the steps: see the notice"
        return None

    @property
    def walk_held(self) -> str | None:
        """What of a walk's figures the station's status holds back, and why (``unmeasured``):
        the cadence and contact while a file's time base is in doubt or the frames are too few,
        those in metres while the scale or the belt speed is; None when it holds none of them."""
        held = self.held
        if held is None:
            return None
        if self.unmeasured("contact_ms"):
            return f"no cadence or contact: {held}"
        if self.unmeasured("vertical_osc_cm"):
            return f"no figures in metres: {held}"
        return None

    @property
    def view_notice(self) -> str | None:
        """What to tell about the camera when the latest summary says its view is oblique and
        uncalibrated, or that the runner does not fit its calibration (None: nothing to tell),
        what it means first: the header cuts it at 80 columns, where a console trial read only
        "camera about 27°…"."""
        summary = self.summary
        if summary is not None and summary.calibrated and summary.units == "pct_leg":
            # A station in metres shows the overstride as a share of the leg only while the
            # steps doubt its scale (a board printed smaller, a camera moved since): a review
            # found the console told it by its unit and marks alone, the words in the log. A
            # scale given (camera.meters_per_pixel), not calibrated, is no plane to calibrate.
            if self.status is not None and self.status.calibrated:
                return (
                    "distances less sure: the runner does not fit the calibration; calibrate again"
                )
            return "distances less sure: the scale does not fit the runner (the log says why)"
        if summary is None or not summary.oblique:
            return None
        about = "" if summary.yaw_deg is None else f" about {abs(summary.yaw_deg):.0f}°"
        judged = [summary.metrics[m] for m in FORESHORTENED_CUED if m in summary.metrics]
        if judged and all(stats.confident for stats in judged):
            # Measured surely on the steps read nearer square, which the cue rests on (a user
            # trial's "less sure" header beside "every target met" read as a contradiction).
            return f"camera{about} off square, uncalibrated: judged on its squarer steps"
        return f"distances and angles less sure: camera{about} off square, uncalibrated"

    def history(self, metric: str) -> list[float | None]:
        """One value per recent step, oldest first: None where the step has none, or measured
        it less surely than the step (the far leg's angles, an oblique view's distances), or
        stands alone (``in_row``: the station's summary leaves it out); all None while
        the status says the metric cannot be the runner's (``unmeasured``).

        Once the summary says the view is oblique, the steps measured before the station knew
        its yaw (``yaw_deg`` None) are as unsure as the later ones, though they came marked
        sure (the summary leaves them out too): the plots' metrics, overstride and hip
        extension, are what the yaw foreshortens. A console trial's overstride plot had read
        "now 30" from them for a whole clip, its tile "26, less sure"."""
        if self.unmeasured(metric):
            return [None] * len(self.steps)
        oblique = self.summary is not None and self.summary.oblique
        steps = list(self.steps)
        row = in_row(steps)
        return [
            None
            if metric in step.metric_confidence or (oblique and step.yaw_deg is None) or not kept
            else getattr(step, metric)
            for step, kept in zip(steps, row, strict=True)
        ]

    def held_back(self, metric: str, shown: list[float | None]) -> bool:
        """Whether a recent step has a figure of ``metric`` that its ``history``, ``shown``, does
        not show (a walk's steps have no overstride to hold back)."""
        return any(
            value is None and getattr(step, metric) is not None
            for step, value in zip(self.steps, shown, strict=True)
        )

    def landing(self, step: StepMsg) -> Landing | None:
        """Where the step's foot was at its initial contact, interpolated between the two frames
        captured around ``ic_t`` (a station that does not say when a frame was captured: those
        published around it); None when those frames are gone or the ankle was not seen. By
        publication, a console trial's marks had come 1-2 frames early, and none at all once
        the station lagged 2 s."""
        before = after = None
        for frame in self._frames:
            if _captured(frame) <= step.ic_t:
                before = frame
            else:
                after = frame
                break
        if before is None or after is None:
            return None
        a, b = _ankle(before, step.foot), _ankle(after, step.foot)
        if a is None or b is None:
            return None
        w = (step.ic_t - _captured(before)) / (_captured(after) - _captured(before))
        x, y = a + w * (b - a)
        return Landing(step.foot, float(x), float(y))


def _captured(frame: FrameMsg) -> float:
    return frame.t if frame.capture_t is None else frame.capture_t


def _ankle(frame: FrameMsg, foot: str) -> np.ndarray | None:
    """The (x, y) pixels of ``foot``'s ankle; for near/far the lower one, the one on the belt."""
    if frame.keypoints is None:
        return None
    ankles = keypoints_from_wire(frame.keypoints)[[LEFT_ANKLE, RIGHT_ANKLE], :2]
    if foot in ("left", "right"):
        point = ankles[0 if foot == "left" else 1]
        return None if np.isnan(point).any() else point
    seen = ankles[~np.isnan(ankles).any(axis=1)]
    return None if len(seen) == 0 else seen[np.argmax(seen[:, 1])]
