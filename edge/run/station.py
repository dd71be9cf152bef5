"""The station: capture -> pose -> gait -> bus and store, on the edge computer.

A pipeline reads frames and looks for the runner on its own threads (a camera's grab thread
drops what the station cannot keep up with; a file hands every frame, paced at its fps), and
the processing loop takes its frames in order, chooses the runner, feeds the gait engine and
publishes what it finds. Beside it: the control channel's thread, the session store's
writer thread and a status thread that publishes the station's state every second, so a
console that connects late knows it at once. Subscribers never slow the loop (the publisher
drops for a slow one) and the disk never does (the store writes on its own thread).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np

from edge.bus.control import CommandRefused, ControlServer
from edge.bus.publisher import Publisher
from edge.bus.schema import (
    CameraState,
    FrameMsg,
    Gait,
    GaitMode,
    MetricName,
    StatusMsg,
    StepMsg,
    SummaryMsg,
    gait_of,
    keypoints_to_wire,
)
from edge.bus.schema import MetricStats as WireStats
from edge.bus.security import server_keys_for
from edge.capture import CaptureSettings, Frame, FrameSource, open_resilient
from edge.capture.belt_lines import LIVE_TRIES, LiveTurn
from edge.capture.timebase import ENGINE_FPS, LEAST_FPS
from edge.config import Config, Reload, reload_changes
from edge.errors import HipdriveError, UsageError
from edge.frame_rate import HELD_S, ROUGH_SPAN_S, UntimedClock, UntimedLog
from edge.gait import (
    GaitEngine,
    GaitParams,
    PlaneMapping,
    Step,
    Summary,
    SummaryBuilder,
    Targets,
    detect_facing,
)
from edge.gait.fit import (
    MIN_JUDGED_STEPS,
    Named,
    contacts_jump,
    distance_problem,
    scale_doubt,
    scale_named,
    step_count,
    timebase_problem,
    too_few_steps,
)
from edge.gait.metrics import (
    OBLIQUE_METRICS,
    knee_flexion,
    shank_angle,
    thigh_angle,
)
from edge.gait.mode import RUNNING, UNTIMED, WALKING
from edge.gait.rhythm import (
    SLOWED_MIN_S,
    across_the_picture,
    legs_off_pace,
    legs_stepping,
    not_side_on,
    slowed_part,
)
from edge.gait.sagittal import (
    FACING_FLAG_FIX,
    camera_sight,
    facing_lag,
    facing_problem,
    facing_shown,
)
from edge.gait.summary import HOLDS, LESS_SURE, read_as_running, sure_mark
from edge.offline.cuts import CutWatch
from edge.offline.replay import camera_turn, rated_by_frames
from edge.pose import PoseEstimator, RunnerSelector
from edge.pose.base import StagedPoseEstimator
from edge.pose.crop import NO_PLAN, FramingWatch, Look, Plan, RunnerFinder
from edge.pose.refine import KeypointRefiner
from edge.row import follows
from edge.run.notify import Notifier, Watchdog, watchdog_interval_s
from edge.run.pipeline import POLL_S, FramePipeline
from edge.skeleton import KP, NUM_KEYPOINTS
from edge.store.sessions import SessionStore
from edge.voice.coach import Policy, VoiceCoach, open_speaker
from edge.voice.speech import Speech

if TYPE_CHECKING:
    from calibrate.model import Calibration
    from edge.capture.timebase import FileTiming

log = logging.getLogger(__name__)

NO_RUNNER = np.full((NUM_KEYPOINTS, 3), np.nan, np.float32)
NO_RUNNER[:, 2] = 0.0
#: runner frames needed to tell which way an uncalibrated runner faces
FACING_FRAMES = 60
#: the most frames ``timed_roughly``'s span holds: the engine's fastest rate over it
SPAN_FRAMES = math.ceil(ROUGH_SPAN_S * ENGINE_FPS[1]) + 1
#: while a facing given to the station is checked (``FacingCheck``), a runner's steps are held
#: back at most this long, then shown as the check goes on
FACING_HOLD_S = 4.0
#: the frames a facing check looks back over (20 s at 60 fps), and how many frames with a
#: runner it takes in between two looks
FACING_CHECK_FRAMES = 1200
FACING_CHECK_EVERY = 15
#: the last steps a file's time base, a scale and a file's belt speed are held to
#: (``FitCheck``): the whole of a short clip, as analyze holds it, the last minute or so of a
#: long run
FIT_STEPS = 200
#: steps in a row the steps must read as no runner's before the station tells it
FIT_HOLD = 8
#: the last seconds of a file's frames the legs' own rhythm is read over (``FitCheck``): 25 of
#: a running rhythm's steps at the file's rate, 50 at a rate stated twice the file's
RHYTHM_S = 10.0
#: ... and how often, in seconds of the file
RHYTHM_EVERY_S = 1.0
#: seconds of an empty belt after which a session stopped by hand lets the next runner start
#: one by themselves (``station.auto_session``)
LEFT_S = 3.0
#: the longest gap between two frames, s, counted as a person in view (``FileSteps``): a
#: file played to a console drops the frames the station is late for, a few at a time
SEEN_GAP_S = 0.5
#: the last frames with a person in view that ``FileSteps`` reads the track's checks on (a person
#: facing the camera, running past it, a picture turned on its side): 20 s at 30 fps, 10 at 60
FRAMES_KEPT = 600
#: the longest stretch without a step, s, whose frames ``FileSteps`` keeps to read a slowed part
#: in (``slowed_part``): a part slowed x8 needs some 18 s for three of its strides
GAP_KEPT_S = 60.0
#: a file's first frames looked at one after another, as analyze looks at them (``_loop``), as
#: many times the frames in flight (``depth``): the runner's crop settles over them (a trial's
#: clip's track was then the same as analyze's to the pixel; over one depth, frames 4-7 were
#: not)
SERIAL_DEPTHS = 2
#: the last steps published that a step may follow (``Station._in_row``): the one before it, a
#: step of the other foot held back for its view, or one finished out of order
PUBLISHED_KEPT = 6
#: what a step's line says in place of a cue while a file's time base is no runner's
TIMING_HELD = "no cue: these steps are no runner's at the file's rate (see the log)"
#: ... and while the station is not yet sure of it
TIMING_DOUBT = "no cue yet: checking the steps against the file's rate"
#: ... and while the scale or the belt speed does not fit the runner, or may not
DISTANCE_HELD = "no cue: the scale or the belt speed does not fit the runner (see the log)"
DISTANCE_DOUBT = "no cue yet: checking the distances against the runner"
#: ... and while the engine gets fewer frames a second than it times steps from (``RateWatch``)
RATE_HELD = "no cue: too few frames a second to time the steps (see the log)"
MEASURED_KEPT_S = 10.0
"""How long the times of the frames measured are kept, s: longer than a step waits to go out."""
#: where a file run's belt speed is set, and how to set it right (``belt_speed_problem``)
BELT_GIVEN = "the station's belt speed"
BELT_FIX = (
    "set the belt's speed in m/s (--belt-speed, gait.belt_speed_mps in the configuration, or the"
    " console's belt keys)"
)
_LEGS = {
    side: [KP[f"{side}_hip"], KP[f"{side}_knee"], KP[f"{side}_ankle"]] for side in ("left", "right")
}


def targets_from(config: Config) -> Targets:
    """The cue targets of a configuration."""
    return Targets(**config.targets.model_dump(), window_steps=config.gait.summary_steps)


class Rates:
    """Frames in and out per second and capture-to-publication latency, over recent frames."""

    def __init__(self, window: int = 600) -> None:
        self._in: deque[float] = deque(maxlen=window)
        self._out: deque[float] = deque(maxlen=window)
        self._latency_ms: deque[float] = deque(maxlen=window)
        self._lock = threading.Lock()
        self.frames_out = 0
        """Frames handed through since the start (the watchdog's sign of progress)."""

    def frame_in(self, now: float) -> None:
        with self._lock:
            self._in.append(now)

    def frame_out(self, now: float, latency_ms: float) -> None:
        with self._lock:
            self.frames_out += 1
            self._out.append(now)
            self._latency_ms.append(latency_ms)

    def snapshot(self, now: float) -> tuple[float, float, float | None, float | None]:
        """fps in, fps out (over the last 2 s), latency p50 and p99 in ms."""
        with self._lock:
            fps_in = sum(1 for t in self._in if now - t <= 2.0) / 2.0
            fps_out = sum(1 for t in self._out if now - t <= 2.0) / 2.0
            latency = np.array(self._latency_ms)
        if len(latency) == 0:
            return fps_in, fps_out, None, None
        p50, p99 = np.percentile(latency, [50, 99])
        return fps_in, fps_out, float(p50), float(p99)


class StageClock:
    """Mean milliseconds per frame of each stage, smoothed over the last ~100 frames."""

    def __init__(self) -> None:
        self._ms: dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, stage: str, seconds: float) -> None:
        ms = seconds * 1000.0
        with self._lock:
            old = self._ms.get(stage)
            self._ms[stage] = ms if old is None else old + 0.01 * (ms - old)

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return dict(self._ms)


class RateWatch:
    """Tells when a live station times steps from fewer frames a second than the gait engine
    is built for (``LEAST_FPS``): a camera short of light or set to a slow mode, or a station
    that cannot keep up with its camera. Over ``hold`` status ticks (a second each) in a row
    below that rate it says so, once; after as many at it or above, it is over. ``update``
    returns the message to tell now, or None. The engine itself hands out no step timed from
    too few frames (``GaitEngine.untimed``), and the station records where from it
    (``GaitEngine.untimed_since``)."""

    def __init__(self, hold: int = 5, warm_up: int = 5) -> None:
        self._hold = hold
        self._warm_up = warm_up
        self._ticks = 0
        self._run = 0
        """Ticks in a row on the other side of the least rate from what ``problem`` says."""
        self.problem: str | None = None

    def update(self, fps_out: float, dropping: bool) -> str | None:
        """One status tick: the rate of frames the engine got over the last seconds, and
        whether the camera's frames are being dropped (it delivers more than are taken)."""
        self._ticks += 1
        slow = fps_out < LEAST_FPS
        if self._ticks <= self._warm_up or slow == (self.problem is not None):
            self._run = 0
            return None
        self._run += 1
        if self._run < self._hold:
            return None
        self._run = 0
        if not slow:
            self.problem = None
            return None
        fix = (
            "the station cannot keep up with its camera: see hipdrive bench and "
            "docs/performance.md for the settings of this device"
            if dropping
            else "the camera delivers no more: light the belt better, or set a faster mode "
            "(camera.fps, camera.mjpg)"
        )
        self.problem = (
            f"steps are timed from {fps_out:.0f} frames a second, where the gait engine needs "
            f"{ENGINE_FPS[0]:g} or more: {fix}"
        )
        return self.problem


@dataclasses.dataclass(frozen=True, slots=True)
class FitReading:
    """One reading of ``FitCheck``: why the steps cannot be a runner's (``doubt``, None: they
    can be), whether that is the time base's (``of_time``, else the scale's or the belt
    speed's), and the problem once it has held for ``FIT_HOLD`` steps in a row (``problem``).
    ``checking``: what the check cannot read yet, fewer than ``MIN_JUDGED_STEPS`` steps of one
    gait in (``FitCheck.checks``): no cue and no figure it would check meanwhile (a trial's
    console showed 86 spm for the first seconds of a slow-motion file). Read as one, so a
    status never pairs one reading's message with another's kind."""

    doubt: str | None = None
    of_time: bool = False
    problem: str | None = None
    checking: tuple[Literal["time", "distance"], ...] = ()

    @property
    def timing_doubt(self) -> bool:
        """The time base in doubt, or not yet read (the status's ``timing_doubt``)."""
        return (self.doubt is not None and self.of_time) or "time" in self.checking

    @property
    def distance_doubt(self) -> bool:
        """The scale or the belt speed in doubt, or not yet read (``distance_doubt``)."""
        return (self.doubt is not None and not self.of_time) or "distance" in self.checking

    @property
    def held(self) -> str | None:
        """What a step's line says in place of a cue while this reading holds cues back, or
        None when it does not."""
        if self.doubt is None:
            if not self.checking:
                return None
            return TIMING_DOUBT if "time" in self.checking else DISTANCE_DOUBT
        if self.of_time:
            return TIMING_DOUBT if self.problem is None else TIMING_HELD
        return DISTANCE_DOUBT if self.problem is None else DISTANCE_HELD


class FitCheck:
    """The steps held to what ``hipdrive analyze`` holds a video's to, after each step once
    ``MIN_JUDGED_STEPS`` of one gait are in (running, else walking), over the last
    ``FIT_STEPS``: a file's time base (``timebase_problem``: a slow-motion clip played without
    ``--capture-fps`` had the console coach a runner at 85 steps a minute), then the scale that
    gives the steps' distances in metres and a file's belt speed (``distance_problem``: a
    ``--meters-per-pixel`` ten times off had shown a 97 cm overstride and 9 m strides).
    ``timing``: the file's rate and what stated it, and ``belt_speed_mps`` the belt speed set
    for it; both None for a camera, whose clock is right and whose runner changes the belt's
    speed at will (a belt speed off gives wrong stride lengths, little else: the contacts were
    found alike with it half or twice the feet's); ``scale``: ``scale_named``'s;
    ``belt_given``: where the belt speed was given, as ``belt_speed_problem`` names it (None:
    the station's, set however). A file's time base is held to the legs' own rhythm over its
    last ``RHYTHM_S`` too (``legs_off_pace``, given each frame by ``frame``), as analyze holds a
    video's: a user trial's ``run --fps 60`` on a 30 fps file found every other step at 185 a
    minute and cued the runner, analyze refusing the same.

    ``reading`` (``FitReading``): the problem once it has held for ``FIT_HOLD`` steps in a row
    (a walk's last steps read as running, at a walker's cadence, make a run's first few look
    slow), and the doubt, held or not yet: no cue rests on one, and at a file's end it is the
    file's verdict, as analyze's would be, however short its run (a clip of ten steps ends
    before the hold). ``add`` returns what to tell: the problem when it comes or changes kind,
    that it is over when it goes, and once a runner a scale their steps doubt (``scale_doubt``:
    a review found the live station say a plane its runner's feet do not stand on only by its
    marks)."""

    def __init__(
        self,
        timing: tuple[float, str | None] | None,
        scale: tuple[str, str] | None,
        belt_speed_mps: float | None = None,
        belt_given: str | None = None,
    ) -> None:
        self._timing = timing
        self._scale = scale
        self._belt = belt_speed_mps
        self._belt_named = (BELT_GIVEN, BELT_FIX) if belt_given is None else (belt_given, None)
        self._steps: deque[StepMsg] = deque(maxlen=FIT_STEPS)
        self._held = 0
        self._frames: deque[tuple[float, np.ndarray]] = deque()
        self._rhythm: tuple[float, str | None] = (-math.inf, None)
        """When the legs' rhythm was last held to the steps (frame time), and what it said."""
        self.zero_t = 0.0
        """Station time of a file's frame 0, which the times it names are said from, as
        ``--start`` takes them (``Station``'s, at its first frame)."""
        self._jump: str | None = None
        """Contacts that changed at once, once found: a file's time base is held to it to its
        end (a clip slowed after its first steps, long enough, had let the jump out of the last
        ``FIT_STEPS`` and gone back to being told to give ``--slowmo 2``)."""
        self.reading = FitReading()
        self._doubt_told = False

    def frame(self, t: float, keypoints: np.ndarray) -> None:
        """One frame's keypoints ((17, 3), pixels; the runner's or none found), kept for the
        legs' rhythm while a file's time base is checked."""
        if self._timing is None:
            return
        frames = self._frames
        frames.append((t, keypoints))
        while t - frames[0][0] > RHYTHM_S:
            frames.popleft()

    def restart(self) -> None:
        """Forget the steps so far: a new runner's are held to the scale afresh."""
        self._steps.clear()
        self._held = 0
        self._frames.clear()
        self._rhythm = (-math.inf, None)
        self._jump = None
        self.reading = FitReading()
        self._doubt_told = False

    def set_belt_speed(self, mps: float | None) -> None:
        """A file's belt speed set anew: held to the same steps from the next one on (its
        runner ran at the speed filmed, whatever is set), and named as the station's."""
        self._belt = mps
        self._belt_named = (BELT_GIVEN, BELT_FIX)

    def add(self, step: StepMsg) -> str | None:
        self._steps.append(step)
        doubt, of_time, read = self._read()
        self._held = self._held + 1 if doubt is not None else 0
        last = self.reading
        problem = doubt if last.problem is not None or self._held >= FIT_HOLD else None
        checking = () if read else self.checks
        self.reading = FitReading(doubt, of_time, problem, checking)
        if problem is None and last.problem is not None:
            return "the steps fit a runner again: cues are given"
        if problem is not None and (last.problem is None or of_time != last.of_time):
            return problem
        if doubt is None and not self._doubt_told and self._scale is not None:
            doubt_said = scale_doubt(list(self._steps), self._scale)
            self._doubt_told = doubt_said is not None
            return doubt_said
        return None

    @property
    def checks(self) -> tuple[Literal["time", "distance"], ...]:
        """What this check holds the steps to: a file's time base, a scale or a file's belt
        speed (none: a camera without a scale)."""
        time: tuple[Literal["time"], ...] = () if self._timing is None else ("time",)
        metres = self._scale is not None or self._belt is not None
        return (*time, *(("distance",) if metres else ()))

    def _timebase_problem(self, steps: list[StepMsg]) -> str | None:
        """Why a file's steps, or its legs' rhythm over its last frames, say its time base is
        no runner's, or None. Contacts that change at once come first, as analyze asks them
        (``no_findings``): a user trial's phone clip slowed x2 after its first steps at real
        speed, played through ``run``, was told to give ``--slowmo 2``, which reads its real-speed
        steps twice too slow."""
        assert self._timing is not None
        self._jump = self._jump or contacts_jump(steps, self.zero_t)
        problem = self._jump or timebase_problem(steps, *self._timing)
        if problem is not None or len(self._frames) < 2:
            return problem
        last = self._frames[-1][0]
        if last - self._rhythm[0] >= RHYTHM_EVERY_S:
            # At most once a second of frames: 1-3 ms on this x86 at 60-240 fps, more on a Pi.
            t = np.array([when for when, _ in self._frames])
            keypoints = np.stack([kp for _, kp in self._frames])
            self._rhythm = (last, legs_off_pace(t, keypoints, steps, *self._timing, track=False))
        return self._rhythm[1]

    def _read(self) -> tuple[str | None, bool, bool]:
        """(why the steps are no runner's or None, whether that is the time base's, whether
        there were steps enough to tell): ``MIN_JUDGED_STEPS`` running ones, else as many walked
        ones (a walk's time base is held to walking's bounds)."""
        steps = list(self._steps)
        if len(read_as_running(steps)) < MIN_JUDGED_STEPS:
            steps = [s for s in steps if gait_of(s) == WALKING]
            if len(steps) < MIN_JUDGED_STEPS:
                return None, False, False
        if self._timing is not None and (problem := self._timebase_problem(steps)):
            return problem, True, True
        return distance_problem(steps, self._scale, self._belt, *self._belt_named), False, True


class FileSteps:
    """A file's steps and how long a person was in view in it, for the verdict analyze gives a
    video whose steps are too few to judge a runner by (``verdict``). A user trial's ``run`` on
    a clip of warm-up drills, and on one of squats, had ended with no word of it, exit 0, where
    analyze refused both. And its parts slowed between steps at real speed (``slowed``)."""

    def __init__(self, timing: tuple[float, str | None]) -> None:
        self._timing = timing
        """The file's rate and what stated it (``FitCheck``'s)."""
        self.steps: list[StepMsg] = []
        self.seen_s = 0.0
        self.first_t = math.nan
        """When its first frame was captured, station time: what its phases are timed from."""
        self._last_t = math.nan
        self._seen: deque[tuple[float, np.ndarray]] = deque(maxlen=FRAMES_KEPT)
        self.zero_t = math.nan
        """Station time of the file's frame 0, which the times it names are said from, as
        ``--start`` takes them (``Station``'s, at its first frame)."""
        self._gap: deque[tuple[float, np.ndarray]] = deque()
        """The frames since the last step's toe-off, from one with a person in view on (none
        in view: ``NO_RUNNER``, so a person lost for a moment leaves no hole in the legs'
        rhythm), ``GAP_KEPT_S`` at most."""
        self._in_view_t = math.nan
        self._slowed: list[tuple[float, str]] = []
        """The parts slowed between steps found: when each ended (station time), and what to
        say of it."""
        self.untimed = UntimedLog()
        """Where its steps went untimed for too few frames a second, as a session records it."""

    def frame(self, t: float, keypoints: np.ndarray | None) -> None:
        """Every frame handled, captured at ``t``, with the person in view's keypoints (17, 3)
        or None."""
        if keypoints is not None:
            self._seen.append((t, keypoints))
            if math.isfinite(self._last_t):
                self.seen_s += min(max(t - self._last_t, 0.0), SEEN_GAP_S)
            self._in_view_t = t
        if keypoints is not None or self._gap:
            self._gap.append((t, NO_RUNNER if keypoints is None else keypoints))
            while t - self._gap[0][0] > GAP_KEPT_S:
                self._gap.popleft()
        if keypoints is None and t - self._in_view_t >= LEFT_S and self._gap:
            # The person has left: the stretch since the last step ends where they were last seen.
            self._look(self.steps, ended=False)
            self._gap.clear()
        if not math.isfinite(self.first_t):
            self.first_t = t
        self._last_t = t

    def step(self, step: StepMsg) -> None:
        """A step shown: it ends a stretch without a step, read for a slowed part if that was
        long (``slowed``)."""
        if self._gap and step.ic_t - self._gap[0][0] >= SLOWED_MIN_S:
            self._look([*self.steps, step], ended=False)
        self.steps.append(step)
        while self._gap and self._gap[0][0] <= step.to_t:
            self._gap.popleft()

    def slowed(self, ended: bool, since: float = -math.inf) -> str | None:
        """Where the file's steps stopped while the legs went on stepping slower than any walk
        or run (``slowed_part``, as analyze reads it), the first such part that ended after
        ``since`` (station time: a session's start); the part after the last step too once the
        file has ``ended``. None elsewhere, and where the file's rate was stated (slow motion
        given, or its metadata's). A user trial's phone clip slowed x4 between steps at real
        speed, played through ``run``, had ended on a finding of good form from steps timed
        across its changes of speed, where analyze refused it."""
        if ended and self._gap:
            self._look(self.steps, ended=True)
            self._gap.clear()
        return next((said for end, said in self._slowed if end >= since), None)

    def _look(self, steps: list[StepMsg], ended: bool) -> None:
        """Read the frames since the last step's toe-off, up to the last with a person in
        view, for a slowed part about ``steps`` (the file played from its first frame, to its
        last once ``ended``, else on)."""
        fps, origin = self._timing
        if origin is not None:
            return
        rows = [(when, kp) for when, kp in self._gap if when <= self._in_view_t]
        if len(rows) < 2 or rows[-1][0] - rows[0][0] < SLOWED_MIN_S:
            return
        t = np.array([when for when, _ in rows])
        keypoints = np.stack([kp for _, kp in rows])
        zero = self.zero_t if math.isfinite(self.zero_t) else self.first_t
        span = (self.first_t, self._last_t if ended else math.inf)
        said = slowed_part(t, keypoints, steps, fps, window=True, t0=zero, span=span)
        if said is not None:
            self._slowed.append((float(t[-1]), said))

    def verdict(self) -> str | None:
        """Why the file's steps give no findings for being too few (``too_few_steps``), as
        analyze prints it, and as analyze's checks tell it first: a picture turned on its side, a
        person facing the camera (a user trial's clip of a woman jogging toward the camera had
        been told to film 10 s), legs stepping slower than any walk or the few steps' cadence or
        contact no runner's (slow motion: a user trial's treadmill clips filmed so had been told
        the person was not side on, where analyze said slow motion), or running past it (a man
        crossing a plaza, the same); None when they are enough."""
        why = too_few_steps(self.steps, self.seen_s)
        if why is not None or not self.steps:
            if self._seen:
                t = np.array([when for when, _ in self._seen])
                track = np.stack([keypoints for _, keypoints in self._seen])
                why = (
                    not_side_on(track)
                    or legs_off_pace(t, track, self.steps, *self._timing, track=False)
                    or timebase_problem(
                        self.steps,
                        *self._timing,
                        seen_s=self.seen_s,
                        rhythm=legs_stepping(t, track),
                    )
                    or across_the_picture(t, track, self.steps)
                    or why
                )
            else:
                why = timebase_problem(self.steps, *self._timing, seen_s=self.seen_s) or why
        if why is None and not self.steps:
            why = (
                "no person was found in it"
                if self.seen_s == 0.0
                else f"a person was in view for {self.seen_s:.1f} s only"
            ) + (
                ": film at least 10 s of steady running or walking, side on, the feet in the "
                "picture; no findings or cues are given"
            )
        return None if why is None else f"{step_count(len(self.steps))}: {why}"


class FacingCheck:
    """A facing given to the station (``--facing``, or the calibration's plane) held against
    the runner's feet. It is done once both feet clearly show a facing (``facing_shown``: 60
    motions of each, carried back by the belt): the one given, or the other, which would measure
    every step backwards, so the station then shows no steps and says why (``problem``). Until
    then it goes on, bout after bout: a short jog, a person standing or a camera too slow to
    tell decide nothing. Checked once per station, whatever the session: a wrong facing is the
    camera's set-up, not the runner's."""

    def __init__(self, given: str, calibrated: bool) -> None:
        self.given = given
        self._said_by, self._fix = (
            (
                "the calibration",
                "the camera or the treadmill has moved, or the plane was calibrated facing the"
                " other way: calibrate the plane again (hipdrive calibrate plane --facing {seen})",
            )
            if calibrated
            else ("--facing", FACING_FLAG_FIX)
        )
        self._frames: deque[tuple[float, np.ndarray]] = deque(maxlen=FACING_CHECK_FRAMES)
        self._new = 0
        self.done = False
        self.problem: str | None = None

    @classmethod
    def of(cls, calibration: Calibration | None, facing: str | None) -> FacingCheck | None:
        """The check of the facing the station is given, or None when it reads the facing."""
        if calibration is not None and calibration.plane is not None:
            return cls(calibration.plane.facing, calibrated=True)
        return None if facing is None else cls(facing, calibrated=False)

    def add(self, t: float, keypoints: np.ndarray) -> None:
        """Every frame (17, 3), with the runner or not (pixels as the engine takes them): a
        motion is taken between two frames that both show the ankle, never across a gap."""
        if self.done:
            return
        self._frames.append((t, keypoints))
        if keypoints[:, 2].max() > 0:
            self._new += 1
        if self._new >= FACING_CHECK_EVERY:
            self.look()

    def look(self) -> None:
        """Decide when the frames kept show a facing clearly; else wait for more."""
        self._new = 0
        if self.done or len(self._frames) < 2:
            return
        t = np.array([when for when, _ in self._frames])
        track = np.stack([kp for _, kp in self._frames])
        lag = facing_lag(t)
        if facing_shown(track, lag=lag) is None:
            return
        self.done = True
        self._frames.clear()
        self.problem = facing_problem(track, self.given, self._said_by, self._fix, lag)
        if self.problem is not None:
            log.error("no steps shown: %s", self.problem)
        else:
            log.info("the runner faces %s, as %s says", self.given, self._said_by)


class GaitFeed:
    """The gait engine behind the station's plane mapping.

    Calibrated: the calibration's plane (metres), keypoints undistorted first. Uncalibrated:
    pixels, or metres at ``meters_per_pixel``; the runner's facing, unless given, is read off
    their first ``FACING_FRAMES`` frames, which are then fed in order, so nothing is lost while
    it is worked out. A facing given (``check``) holds the steps back while it is checked, at
    most ``FACING_HOLD_S``, and gives none once the check finds it wrong; ``held``: steps a
    feed before this one (an earlier session) was holding; ``picture``: the frames' size
    (height, width), which places the camera's axis for an uncalibrated one
    (``PlaneMapping.sight_deg``); its turn off square is the treadmill's lines' once they are
    read (``take_turn``).
    """

    def __init__(
        self,
        calibration: Calibration | None,
        belt_speed_mps: float | None,
        facing: str | None = None,
        meters_per_pixel: float | None = None,
        params: GaitParams | None = None,
        check: FacingCheck | None = None,
        held: list[Step] | None = None,
        picture: tuple[int, int] | None = None,
    ) -> None:
        self._calibration = calibration
        self._sight = camera_sight(picture, calibration)
        self._turn: float | None = None
        self.belt_speed_mps = belt_speed_mps
        self._meters_per_pixel = meters_per_pixel
        self._params = params
        self._pending: list[tuple[float, np.ndarray]] = []
        self._seen: list[np.ndarray] = []
        """The keypoints of the frames held (``_pending``) with someone in view."""
        self._clock = UntimedClock(SPAN_FRAMES)
        """Whether the frames held came too few a second (``untimed_since``)."""
        self._check = check
        self._held: list[Step] = held or []
        self._held_since: float | None = None
        self.engine: GaitEngine | None = None
        if calibration is not None and calibration.plane is not None:
            self._start(PlaneMapping.calibrated(calibration))
        elif facing is not None:
            self._start(PlaneMapping.scaled(facing, meters_per_pixel, self._sight, self._turn))

    @property
    def mapping(self) -> PlaneMapping | None:
        return self.engine.mapping if self.engine else None

    @property
    def facing(self) -> str | None:
        """Where the runner faces on an uncalibrated camera's picture, once told."""
        mapping = self.mapping
        return mapping.facing_at(0.0, 0.0) if mapping is not None and mapping.square else None

    def take_turn(self, turn_deg: float) -> None:
        """The camera's turn off square as the treadmill's lines read it: the yaw from now on
        (``PlaneMapping.turn_deg``)."""
        self._turn = turn_deg
        if self.engine is not None and self.engine.mapping.square:
            self.engine.mapping = dataclasses.replace(self.engine.mapping, turn_deg=turn_deg)

    def _start(self, mapping: PlaneMapping) -> None:
        self.engine = GaitEngine(mapping, self.belt_speed_mps, self._params)

    def set_belt_speed(self, mps: float | None) -> None:
        self.belt_speed_mps = mps
        if self.engine is not None:
            self.engine.belt_speed_mps = mps

    def prepare(self, keypoints: np.ndarray) -> np.ndarray:
        """Keypoints as the engine takes them: undistorted when there is a lens model."""
        if self._calibration is None or self._calibration.intrinsics is None:
            return keypoints
        out = keypoints.astype(np.float64, copy=True)
        out[:, :2] = self._calibration.undistort(out[:, :2])
        return out

    def push(self, t: float, keypoints: np.ndarray) -> list[Step]:
        if self.engine is not None:
            steps = self.engine.push(t, keypoints)
            if self._check is not None:
                self._check.add(t, keypoints)
            return self._gate(steps, t)
        self._pending.append((t, keypoints))
        self._clock.push(t)
        seen = keypoints[:, 2].max() > 0
        if seen:
            self._seen.append(keypoints)
        # Looked at again only for a frame with someone in it, and over the frames held alone
        # (an empty belt's had been gathered every frame, up to 1800 of them).
        facing = (
            detect_facing(np.stack(self._seen))
            if seen and len(self._seen) >= FACING_FRAMES
            else None
        )
        if facing is None:
            if len(self._pending) > 30 * FACING_FRAMES:
                self._pending = self._pending[-FACING_FRAMES:]
                self._seen = [kp for _, kp in self._pending if kp[:, 2].max() > 0]
            return []
        log.info("runner faces %s in the image (uncalibrated)", facing)
        self._start(PlaneMapping.scaled(facing, self._meters_per_pixel, self._sight, self._turn))
        steps = []
        for when, kp in self._pending:
            steps += self.push(when, kp)
        self._pending.clear()
        self._seen.clear()
        return steps

    def hold(self, t: float) -> None:
        """The picture of the last frame pushed shown again at ``t``, still
        (``GaitEngine.hold``)."""
        if self.engine is not None:
            self.engine.hold(t)

    def finish(self) -> list[Step]:
        """The steps still to come when the source ends: the engine's last, and any held (the
        frames seen are looked at once more)."""
        steps = self.engine.finish() if self.engine else []
        if self._check is not None:
            self._check.look()
        return self._gate(steps, math.inf)

    def take_held(self) -> list[Step]:
        """The steps held back for the facing check, handed to the feed after this one."""
        held, self._held = self._held, []
        return held

    def _gate(self, steps: list[Step], t: float) -> list[Step]:
        """``steps`` as they may be shown at ``t`` while the given facing is checked: none once
        it is found wrong; held back while it is checked, for at most ``FACING_HOLD_S``."""
        check = self._check
        if check is None:
            return steps
        if check.problem is not None:
            self._held.clear()
            return []
        self._held += steps
        if self._held and self._held_since is None:
            self._held_since = t
        if not check.done and self._held_since is not None and t - self._held_since < FACING_HOLD_S:
            return []
        out, self._held, self._held_since = self._held, [], None
        return out

    @property
    def mode(self) -> str | None:
        return self.engine.mode if self.engine is not None else None

    @property
    def untimed_since(self) -> float | None:
        """Where steps stopped being timed, while the frames come too few a second to time
        them (``GaitEngine.untimed_since``; before the engine starts, the frames held for it by
        the same rule, ``UntimedClock``), else None."""
        if self.engine is not None:
            return self.engine.untimed_since
        return self._clock.since if self._clock.untimed else None

    @staticmethod
    def warm_up() -> None:
        """Load the gait kernels now: the first engine in a process takes 0.3-0.4 s to load
        them, which would otherwise stall the loop (and drop a camera's frames) when the first
        runner's facing is found."""
        GaitEngine(PlaneMapping.scaled("right")).push(0.0, NO_RUNNER)


class Station:
    """The running station. ``run`` blocks until ``stop`` is set or a file source ends.

    report: called with every step and the summary after it (a headless console, the demo's
    accuracy check), or None. load_config: reads the configuration file again when a reload is
    asked for (SIGHUP), or None when there is none to read. refiner: places the runner's joints
    again (``pose.refine``), or None.

    Under systemd (``Type=notify``) the station says when it is ready, reloading and stopping,
    keeps ``systemctl status`` up to date, and pings the watchdog while frames go through.
    """

    def __init__(
        self,
        config: Config,
        source: FrameSource,
        estimator: PoseEstimator,
        calibration: Calibration | None = None,
        report: Callable[[Step, Summary], None] | None = None,
        load_config: Callable[[], Config] | None = None,
        facing: str | None = None,
        meters_per_pixel: float | None = None,
        refiner: KeypointRefiner | None = None,
        named: Named | None = None,
        runner: str | None = None,
    ) -> None:
        self.config = config
        self.source = source
        self.estimator = estimator
        self.calibration = calibration
        self.report = report
        self.station_id = config.station.id
        self.rates = Rates()
        self.stages = StageClock()
        self.finder = RunnerFinder(
            estimator,
            RunnerSelector(
                roi=calibration.plane.roi if calibration and calibration.plane else config.pose.roi
            ),
            crop=config.pose.crop,
            timed=self.stages.add,
            refiner=refiner,
        )
        self._framing = FramingWatch()
        self._rate = RateWatch()
        self._measured_t: deque[float] = deque()
        """The times of the frames measured, ``MEASURED_KEPT_S`` back (``feet_guessed``)."""
        self._feet_out_t: deque[float] = deque()
        """The times of the frames whose runner had a foot out of the picture, or neither seen,
        as far back (``feet_guessed``)."""
        self._dropped = 0
        self._belt = config.gait.belt_speed_mps
        self._view = (facing, meters_per_pixel)
        # Without the refiner the knees are the pose model's, and toe-off needs the ankle too.
        self._params = GaitParams(ankle_toe_off=refiner is None)
        self._facing_check = FacingCheck.of(calibration, facing)
        info = source.info
        calibrated = calibration is not None and calibration.plane is not None
        scale = scale_named(
            None if calibrated else meters_per_pixel,
            self._calibration_name() if calibrated else None,
        )
        # A file's steps are held to its capture rate, as analyze holds a video's, not to the
        # rate its new frames came at (a user trial's file, a few frames of it repeats, was
        # told "--slowmo 2.07" where analyze said "--slowmo 2").
        timebase = source.timebase
        rate = (info.fps, info.origin) if timebase is None else timebase.rate
        self._fit = FitCheck(
            None if info.live else rate,
            scale if named is None else named.scale,
            None if info.live else self._belt,
            None if named is None else named.belt,
        )
        # What a session's report names as its scale: the calibration's plane, else the scale
        # given (a calibration of the lens alone gives no metres).
        self._measured = calibrated
        self._scale_name = (
            None if scale is None else self._calibration_name() if calibrated else scale[0]
        )
        self._turn = self._turn_reading()
        """The camera's turn off square, being read off the treadmill's lines (``_read_turn``)."""
        self._turn_tries = 1
        self._feed = GaitFeed(
            calibration,
            self._belt,
            *self._view,
            self._params,
            self._facing_check,
            picture=self._picture(),
        )
        self._summary = SummaryBuilder(targets_from(config))
        self._published: deque[list] = deque(maxlen=PUBLISHED_KEPT)
        """The last steps published, each with whether it is in the summary (``_in_row``)."""
        self.alone = False
        """Whether the step last published stands alone, in no figure (``_in_row``)."""
        self._runner = runner
        self._file = None if info.live else FileSteps(rate)
        self._cuts: CutWatch[tuple[float, np.ndarray | None]] = CutWatch(source.cuts)
        self._runner_present = False
        self._last_runner_t = -math.inf
        self._handled_t = -math.inf
        """The capture time of the frame last handled (``_clock``)."""
        # A session stopped by hand: none starts by itself until the belt has been empty for
        # ``LEFT_S`` (a runner stopped mid-run had a new session within 0.6 s: ``_track_presence``).
        self._stopped_by_hand = False
        self._camera_state: CameraState = "starting"
        self._lock = threading.Lock()
        self._new_session = False
        self._session_start_t: float | None = None
        self._ended: tuple[int, float, float] | None = None
        """The session last ended by hand (by a stop, or by the start of the next), with its
        start and end: steps run within them and handled after its end (a station that lags,
        the engine's look-ahead) are filed there (``_publish_step``)."""
        self._frame_period = 1.0 / config.bus.frame_rate_hz
        self._frame_due = -math.inf
        self._last_frame_t = -math.inf
        self.publisher: Publisher | None = None
        self.store: SessionStore | None = None
        self.voice: VoiceCoach | None = None
        self.steps_published = 0
        self.ended = False
        """The source came to its end (a file played through), nobody having stopped it."""
        self._load_config = load_config
        self._reload_asked = threading.Event()
        self._notify = Notifier.from_env()
        self.watchdog = Watchdog(
            self._notify,
            watchdog_interval_s(),
            frames=lambda: self.rates.frames_out,
            waiting=lambda: self.source.state != "running",
        )

    # -- the control channel (runs on its own thread) --------------------------------------

    def start_session(self, runner: str | None) -> Mapping[str, Any] | None:
        return self._open_session(runner, self._clock())

    def _clock(self) -> float:
        """The station's time for what a session records and publishes (its start and end, its
        steps, cues, laps and belt speeds): now, for a camera; for a file, the capture time of
        the frame last handled, so they keep the file's own time however fast it is measured
        (headless, every frame is, slower or faster than the file plays: a user trial's 23 s
        clip had a report of a 1.0 min session with a cue from 29 s)."""
        if self.source.info.live or not math.isfinite(self._handled_t):
            return time.monotonic()
        return self._handled_t

    def _open_session(self, runner: str | None, start_t: float) -> Mapping[str, Any]:
        """Start a session at ``start_t`` (station seconds: now when asked for, the frame's
        capture when a runner comes into view). Its gait starts afresh with the first frame
        captured from then on (``_loop``)."""
        store = self._require_store()
        if runner is not None:
            # Named even when no session can be kept: the header names the runner on the belt.
            with self._lock:
                self._runner = runner
        if not store.recording_ok:
            # Refused before anything is reset: a run's gait, started afresh at each frame's
            # try, gave no step at all on a disk full from the start (a user trial's).
            raise CommandRefused(store.problem or "not recording")
        with self._lock:
            # A session started by hand gets the idle time before it may end itself.
            self._last_runner_t = max(self._last_runner_t, start_t)
            self._stopped_by_hand = False
            if store.session_id is not None:
                self._ended_by_hand(store.session_id, start_t)
            # A session still open ends with what its steps' check says, as at any end (a
            # file's slowed parts since its own start: a review's ended without its own).
            _end_session(store, self.fit_verdict, start_t)
            self._session_start_t = start_t
            session = store.start_session(
                self._session_start_t,
                runner=self._runner,
                belt_speed_mps=self._belt,
                calibrated=self._measured,
                calibration=self._scale_name,
            )
            self._new_session = True
            if self.voice is not None:
                self.voice.start(start_t)
        if session is None:
            raise CommandRefused(store.problem or "not recording")
        log.info("session %d started (runner %s)", session, self._runner or "unnamed")
        return {"session_id": session}

    def stop_session(self) -> Mapping[str, Any] | None:
        store = self._require_store()
        session = store.session_id
        if session is None:
            raise CommandRefused("no session is running")
        now = self._clock()
        with self._lock:
            self._stopped_by_hand = True
            self._ended_by_hand(session, now)
        _end_session(store, self.fit_verdict, now)
        log.info(
            "session %d stopped by hand: the next starts once the belt has been empty for %.0f s,"
            " or by hand",
            session,
            LEFT_S,
        )
        return {"session_id": session}

    def _ended_by_hand(self, session: int, end_t: float) -> None:
        """``session``, open since ``_session_start_t``, ends by hand at ``end_t`` (``_ended``);
        under ``_lock``."""
        began = self._session_start_t
        self._ended = (session, -math.inf if began is None else began, end_t)

    def set_belt_speed(self, mps: float | None) -> Mapping[str, Any] | None:
        with self._lock:
            self._belt = mps
            self._feed.set_belt_speed(mps)
            if not self.source.info.live:
                self._fit.set_belt_speed(mps)
        self._require_store().set_belt_speed(mps, self._clock())
        return {"belt_speed_mps": mps}

    def set_runner(self, name: str) -> Mapping[str, Any] | None:
        with self._lock:
            self._runner = name
        self._require_store().set_runner(name)
        return {"runner": name}

    def mark_lap(self, label: str | None, t: float | None = None) -> Mapping[str, Any] | None:
        now = self._clock()
        if t is not None and not now - LAP_PAST_S <= t <= now:
            raise CommandRefused(
                f"lap time {t:.3f} is not in the last {LAP_PAST_S:.0f} s of the station's clock "
                f"(now {now:.3f}); leave t out for now"
            )
        if not self._require_store().record_lap(now if t is None else t, label):
            raise CommandRefused("no session is running")
        if self.voice is not None:
            self.voice.start(now)
        return None

    def set_voice(self, on: bool) -> Mapping[str, Any] | None:
        with self._lock:
            if self.voice is None and on:
                try:
                    self.voice = open_voice(self.config)
                except HipdriveError as exc:
                    raise CommandRefused(str(exc)) from None
            if self.voice is not None:
                self.voice.on = on
        log.info("spoken cues %s", "on" if on else "off")
        return {"voice": on}

    def _require_store(self) -> SessionStore:
        if self.store is None:
            raise CommandRefused("the station is not running yet")
        return self.store

    # -- running ------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        GaitFeed.warm_up()
        cfg = self.config
        self.publisher = Publisher(
            cfg.bus.publish, keys=server_keys_for(cfg.bus.publish, cfg.keys_dir)
        )
        control = ControlServer(
            self, cfg.bus.control, keys=server_keys_for(cfg.bus.control, cfg.keys_dir)
        )
        self.store = SessionStore(cfg.sessions_path, self.station_id)
        if cfg.voice.enabled:
            try:
                self.voice = open_voice(cfg)
            except HipdriveError as exc:
                log.warning("no spoken cues: %s", exc)
        status = threading.Thread(target=self._status_loop, args=(stop,), name="status")
        control.start()
        status.start()
        log.info(
            "station %s: %s %dx%d at %.1f fps, backend %s, publishing on %s, control on %s",
            self.station_id,
            self.source.info.name,
            self.source.info.width,
            self.source.info.height,
            self.source.info.fps,
            self.estimator.name,
            self.publisher.endpoint,
            control.endpoint,
        )
        for note in self.source.notes:
            log.warning("%s: %s", self.source.info.name, note)
        self._notify.ready(f"serving on {self.publisher.endpoint}; waiting for the first frame")
        self.watchdog.start()
        try:
            self._loop(stop)
        finally:
            self._notify.stopping()
            self.watchdog.close()
            if self.ended:
                # Only a source that ended by itself: a camera station stopped (systemd, a
                # signal) is not "ended" to a console elsewhere, which waits for it again (a
                # review found such a console told to quit).
                self._camera_state = "ended"
            for t, found in self._cuts.rest():
                for step in self._measure(t, found):
                    self._publish_step(step)
            for step in self._feed.finish():
                self._publish_step(step)
            stop.set()
            status.join()
            control.close()
            # A file played to its end with too few steps to judge a runner by is refused, as
            # analyze refuses it: its session says so (a user trial's were listed "stopped").
            _end_session(self.store, self.fit_verdict or self.steps_verdict, self._clock())
            # The last status after the session's end: a console left on it shows none open.
            self._publish_status()
            self.store.close()
            if self.voice is not None:
                self.voice.close()
            self.publisher.close()
            self.source.close()
            self._notify.close()

    def _loop(self, stop: threading.Event) -> None:
        """Frames in order from the pipeline (read and pose overlap on their own threads)."""
        workers = self.config.pose.workers
        if workers > 1 and not isinstance(self.estimator, StagedPoseEstimator):
            log.info("pose backend %s takes one frame at a time: 1 worker", self.estimator.name)
            workers = 1

        # A camera's frame is read only when a worker is free for it, so it waits in no queue
        # (its grab thread keeps the newest); a file keeps one frame ready so no worker idles.
        depth = workers if self.source.info.live else workers + 1
        # Each frame is looked at as planned after the frame ``depth`` before it, which is
        # settled by then (``FramePipeline``), not after whichever one the threads had settled:
        # a file gives the same steps each time (a user trial's three headless runs of one clip
        # gave 22, 25 and 26 steps, one of them refused).
        planned: dict[int, Plan] = {}
        settled = threading.Condition()
        live = self.source.info.live
        # Set once the frames are no longer taken (the end, a cut, an error): no look waits on.
        gone = threading.Event()

        def look(frame: Frame, seq: int) -> Look:
            self.rates.frame_in(time.monotonic())
            with settled:
                if live or not 0 < seq < SERIAL_DEPTHS * depth:
                    plan = planned.get(seq - depth, NO_PLAN)
                else:
                    # A file's first frames wait for the one before, and are looked at as
                    # analyze looks at them, not each on the full frame: a trial's run and
                    # analyze of one clip differed in its first 7 frames only, which moved the
                    # run's pace 0.8% and across the bound of the paces recorded, so they gave
                    # opposite cues.
                    while seq - 1 not in planned and not (stop.is_set() or gone.is_set()):
                        settled.wait(POLL_S)
                    plan = planned.get(seq - 1, NO_PLAN)
            return self.finder.look(frame.image, plan)

        with FramePipeline(self.source, look, workers, depth, stop) as pipeline:
            try:
                self._frames(pipeline, planned, settled, depth)
            finally:
                gone.set()
        if not stop.is_set():
            self.ended = True
            log.info("%s has ended", self.source.info.name)

    def _frames(
        self,
        pipeline: FramePipeline[Look],
        planned: dict[int, Plan],
        settled: threading.Condition,
        depth: int,
    ) -> None:
        """Each frame in order: its runner settled (the plan it leaves kept for the look
        ``depth`` frames on, ``_loop``), measured and published, until the source ends or a
        cut the runner jumps with."""
        clock = time.perf_counter
        seq = 0  # the frame's place among those looked at, as ``look`` is given it
        for item in pipeline:
            frame = item.frame
            self._camera_state = "running"
            if item.result is None:  # a picture held still (``Frame.held``), looked at by none
                self._hold(frame.t_ns / 1e9)
                continue
            started = clock()
            outside = self.finder.feet_outside
            runner = self.finder.settle(item.result, frame.image.shape)
            with settled:
                planned[seq] = self.finder.plan
                # No frame still to be looked at is planned by an older one (a look that
                # took it could race a first frame waiting for it, and hang the run).
                planned.pop(seq - depth, None)
                if seq < SERIAL_DEPTHS * depth:
                    # Only a file's first frames wait on the one before (``_loop``).
                    settled.notify_all()
            seq += 1
            out = self.finder.feet_outside > outside
            feet = self._framing.update(runner is not None, out)
            if feet is not None:
                log.warning("%s", feet)
            t = frame.t_ns / 1e9
            if out:
                self._feet_out_t.append(t)
            self._handled_t = t
            self._track_presence(t, runner is not None)
            found = None if runner is None else runner.keypoints
            self._read_turn(t, frame.image, found)
            if self.store is not None and self.config.station.record_keypoints:
                self.store.record_keypoints(t, frame.index, found)
            steps = []
            for when, kp in self._cuts.frame(frame.index, found, (t, found)):
                steps += self._measure(when, kp)
            gaited = clock()
            for step in steps:
                self._publish_step(step)
            self._publish_frame(t, frame.index, found)
            self.rates.frame_out(time.monotonic(), (time.monotonic_ns() - frame.t_ns) / 1e6)
            for stage, seconds in (
                ("read", item.read_s),
                ("pose", item.look_s),
                ("gait", gaited - started),
                ("publish", clock() - gaited),
            ):
                self.stages.add(stage, seconds)
            if self._cuts.jump is not None:
                log.error("%s", self.cut_problem)
                break

    def _read_turn(self, t: float, image: np.ndarray, found: np.ndarray | None) -> None:
        """Read the uncalibrated camera's turn off square off the treadmill's lines, once a
        session (``LiveTurn``, ``camera_turn``; on frames of its own ``LIVE_TRIES`` times while
        they do not tell), and give it to the gait engine, as analyze does: the runner's hips
        the pose model gives had read a phone near square to a gym treadmill 27 deg off. Till
        then, and where the lines do not tell, the yaw is the hips'. A session's own reading
        follows a camera set in place, or turned, since the last."""
        reading = self._turn
        if reading is None:
            return
        if reading.done:
            self._turn = None
            if reading.result is not None:
                self._feed.take_turn(reading.result)
            elif self._turn_tries < LIVE_TRIES:
                self._turn, self._turn_tries = LiveTurn(), self._turn_tries + 1
            return
        reading.add(t, image, found)
        # Asked once the frames are kept, not on every frame.
        if reading.ready and (facing := self._feed.facing) is not None:
            picture, calibration = self._picture(), self.calibration
            reading.start(
                lambda backdrop, seen: camera_turn(backdrop, seen, facing, picture, calibration),
                wait=not self.source.info.live,
            )

    def _turn_reading(self) -> LiveTurn | None:
        """A reading of the camera's turn for a session, none where a calibrated plane measures
        on the belt's plane however the camera is turned."""
        calibration = self.calibration
        return None if calibration is not None and calibration.plane is not None else LiveTurn()

    def _hold(self, t: float) -> None:
        """A file's picture held still, shown again at ``t`` (``Frame.held``): whoever was in
        it is there still, and the mode ages by the file's clock (a user trial's console kept
        the last run's RUNNING and "GOOD FORM" through 4 s of an empty belt held still). Not
        while a cut holds frames back: they are measured later, at earlier times."""
        self._handled_t = t
        self._track_presence(t, self._runner_present)
        if not self._cuts.holding:
            self._feed.hold(t)
            if self._measured_t and t - self._measured_t[-1] > HELD_S:
                # No new picture: no step is timed across it, which a session's report and a
                # file's summary say, not a stand (a user trial's 2.5 s freeze read "standing
                # or off the belt").
                since = self._feed.untimed_since
                held = self._measured_t[-1]
                self._tell_untimed(held if since is None else min(since, held), t)

    def _tell_untimed(self, since: float | None, t: float) -> None:
        """Where steps stopped being timed (None: they are timed), told at ``t``, to a file's
        summary and the session's record (``UntimedLog``)."""
        if self._file is not None:
            self._file.untimed.tell(since, t)
        if self.store is not None:
            self.store.set_untimed(since, t)

    def _measure(self, t: float, found: np.ndarray | None) -> list[Step]:
        """The steps a frame at ``t`` gives, the runner's keypoints ``found`` (None: no runner),
        once it goes on past any cut (``CutWatch``): a file's frames after a cut the runner
        jumps with are no run's to check or measure."""
        keypoints = NO_RUNNER if found is None else found
        self._measured_t.append(t)
        while self._measured_t[0] < t - MEASURED_KEPT_S:
            self._measured_t.popleft()
        while self._feet_out_t and self._feet_out_t[0] < t - MEASURED_KEPT_S:
            self._feet_out_t.popleft()
        if self._file is not None:
            if math.isnan(self._file.zero_t):
                t0_ns = self.source.t0_ns
                self._file.zero_t = self._fit.zero_t = t if t0_ns is None else t0_ns / 1e9
            self._file.frame(t, found)
        self._fit.frame(t, keypoints)
        if self._new_session:
            start = self._session_start_t
            if start is not None and t >= start:
                self._restart_gait()
        steps = self._feed.push(t, self._feed.prepare(keypoints))
        # Recorded as the engine finds it, frame by frame, so that the session's report and a
        # file's summary tell steps not timed from a stand.
        self._tell_untimed(self._feed.untimed_since, t)
        return steps

    def _picture(self) -> tuple[int, int] | None:
        """The frames' size (height, width), None when the source does not say it."""
        info = self.source.info
        return (info.height, info.width) if info.width > 0 and info.height > 0 else None

    def _restart_gait(self) -> None:
        with self._lock:
            self._new_session = False
            self._feed = GaitFeed(
                self.calibration,
                self._belt,
                *self._view,
                self._params,
                self._facing_check,
                self._feed.take_held(),
                self._picture(),
            )
            self._turn, self._turn_tries = self._turn_reading(), 1
            self._summary = SummaryBuilder(targets_from(self.config))
            self._published.clear()
            if self.source.info.live:
                # A camera's next runner is held to its scale afresh.
                self._fit.restart()

    def _track_presence(self, t: float, present: bool) -> None:
        if present != self._runner_present:
            log.info("runner %s", "in view" if present else "out of view")
        self._runner_present = present
        store = self.store
        if not present and t - self._last_runner_t > LEFT_S:
            self._stopped_by_hand = False
        if present:
            self._last_runner_t = max(self._last_runner_t, t)
            if (
                self.config.station.auto_session
                and store
                and store.recording_ok
                and store.session_id is None
                and not self._stopped_by_hand
            ):
                try:
                    self._open_session(None, t)
                except CommandRefused as exc:
                    log.warning("%s", exc)
        elif (
            self.config.station.auto_session
            and store is not None
            and store.session_id is not None
            and t - self._last_runner_t > self.config.station.session_idle_s
        ):
            log.info("no runner for %.0f s: ending the session", self.config.station.session_idle_s)
            _end_session(store, self.fit_verdict, t)

    def _frame_goes_out(self, t: float) -> bool:
        """Whether the frame captured at ``t`` is published: the one nearest each tick of
        ``bus.frame_rate_hz`` (a frame at most half a frame interval early counts).

        Ticks advance by the period, not from the last frame sent: with a 60 fps camera, the
        frame two later is a rounding error short of 1/30 s, and waiting for a full period from
        it would publish 20 a second instead of 30. A camera slower than the rate has every frame
        published; after a gap, ticks start again from the frame that ends it.
        """
        early = max(t - self._last_frame_t, 0.0) / 2.0
        self._last_frame_t = t
        if t < self._frame_due - early:
            return False
        self._frame_due += self._frame_period
        if self._frame_due <= t:
            self._frame_due = t + self._frame_period
        return True

    def _publish_frame(self, t: float, index: int, keypoints: np.ndarray | None) -> None:
        if self.publisher is None or not self._frame_goes_out(t):
            return
        angles: dict[str, float | None] = {}
        # With the facing found wrong, the angles would be measured backwards too.
        mapping = self._feed.mapping if self.view_problem is None else None
        if keypoints is not None and mapping is not None:
            for side, (hip, knee, ankle) in _plane_legs(mapping, keypoints).items():
                angles[f"{side}_thigh"] = _finite(thigh_angle(hip, knee))
                angles[f"{side}_shank"] = _finite(shank_angle(knee, ankle))
                angles[f"{side}_knee"] = _finite(knee_flexion(hip, knee, ankle))
        self.publisher.publish(
            FrameMsg(
                station=self.station_id,
                t=time.monotonic(),
                capture_t=t,
                frame=index,
                runner_present=keypoints is not None,
                keypoints=keypoints_to_wire(keypoints),
                left_thigh_deg=angles.get("left_thigh"),
                right_thigh_deg=angles.get("right_thigh"),
                left_shank_deg=angles.get("left_shank"),
                right_shank_deg=angles.get("right_shank"),
                left_knee_flexion_deg=angles.get("left_knee"),
                right_knee_flexion_deg=angles.get("right_knee"),
            )
        )

    def _publish_step(self, step: Step) -> None:
        """Record the step and its summary, and publish them once they are on disk: a station killed
        outright loses no step a console has shown (only ones not yet published). A file's steps
        that its time base makes no runner's, any whose scale or belt speed does not fit the runner
        (``FitCheck``), and any while the engine gets too few frames a second (``RateWatch``: a user
        trial's loaded machine, 22 frames a second, was told "Quicker, lighter steps" at 154 steps a
        minute, its runner at 156, 43% of the steps missed) get no cue. No step comes timed from
        frames that came too few a second (the engine hands none out: ``timed_roughly``). A step
        whose feet were out of the picture in half its frames is rated less sure as a whole
        (``rated_by_frames``: a user trial's console coached a runner whose feet the treadmill
        hid). The voice is handed no cue with a step of another gait than the summary's: with the
        first of a walk after a run, standing alone, or one after a stand, no gait told yet, the
        summary is still the gait's the person has left, and its cue, spoken then, would be for
        that gait. A file whose camera moved (``FrameSource.camera_problem``) has none recorded
        or published, as analyze gives it none (a review found its steps' figures shown, their
        cue alone held)."""
        publisher, store = self.publisher, self.store
        assert publisher is not None and store is not None
        if self.source.camera_problem is not None:
            return
        step = rated_by_frames(step, self._measured_t, self._feet_out_t)
        msg = StepMsg(station=self.station_id, t=self._clock(), **asdict(step))
        with self._lock:
            start, ended = self._session_start_t, self._ended
        if ended is not None and ended[1] <= step.ic_t < ended[2]:
            # Run in the session ended by hand, handled after its end (a station that lags, a
            # step held for the facing check, the look-ahead at a stop): it is that session's
            # (a console trial's report charts began 9 s before the next one).
            store.record_step(msg, session=ended[0])
            return
        if start is not None and step.ic_t < start:
            return
        if self._file is not None:
            self._file.step(msg)
        summary = self._in_row(step)
        told = self._fit.add(msg)
        fit = self._fit.reading
        if told:
            log.log(logging.INFO if fit.problem is None else logging.WARNING, told)
        held = fit.held or (RATE_HELD if self._rate.problem is not None else None)
        if held is not None:
            summary = dataclasses.replace(
                summary, cue_key=None, cue=None, cue_reason=None, held=held
            )
        summary_msg = self._summary_message(summary)

        def publish() -> None:
            publisher.publish(msg)
            publisher.publish(summary_msg)

        store.record_step(msg)
        store.record_summary(summary_msg, then=publish)
        if self.voice is not None:
            same = gait_of(step) == summary.gait
            self.voice.offer(
                summary_msg
                if same
                else dataclasses.replace(summary_msg, cue_key=None, cue=None, cue_reason=None)
            )
        self.steps_published += 1
        if self.report is not None:
            self.report(step, summary)

    def _in_row(self, step: Step) -> Summary:
        """The summary with ``step`` in when it follows a step published (``follows``), the one
        it follows going in with it; else the summary as it was, ``alone`` set. A step that stands
        alone (the first of a run, or one the person was lost before and after, as each of a
        user trial's warm-up drills was) enters no figure or cue: their cadence, overstride and
        contact had been shown as sure, 219 steps a minute and 38% of the leg."""
        before = [entry for entry in self._published if follows(step, entry[0])]
        self.alone = not before
        for entry in before:
            if not entry[1]:
                self._summary.add(entry[0])
                entry[1] = True
        self._published.append([step, not self.alone])
        return self._summary.last if self.alone else self._summary.add(step)

    def _summary_message(self, summary: Summary) -> SummaryMsg:
        metric = self._feed.mapping is not None and self._feed.mapping.metric
        return summary_message(self.station_id, self._clock(), summary, metric)

    def _status_loop(self, stop: threading.Event) -> None:
        last_log = time.monotonic()
        while not stop.wait(1.0):
            if self._reload_asked.is_set():
                self.reload()
            self._watch_rate()
            self._publish_status()
            line = self._status_line()
            self._notify.status(line)
            if time.monotonic() - last_log >= 10.0:
                last_log = time.monotonic()
                log.info("%s", line)
        # A camera being reconnected holds its read; the run is ending, so let it go.
        self.source.interrupt()

    def _watch_rate(self) -> None:
        """A live camera's frames, or a file's played to a console that drops some, reaching
        the engine too few a second: told once (``RateWatch``), while the source runs."""
        dropped = self.source.dropped
        dropping, self._dropped = dropped > self._dropped, dropped
        live = self.source.info.live
        if not (live or dropped > 0) or self._published_camera_state() != "running":
            return
        fps_out = self.rates.snapshot(time.monotonic())[1]
        # A file's own rate is its time base's business: only frames dropped make it too slow
        # (a picture held still gives none, and no camera to light better).
        told = self._rate.update(fps_out if live or dropping else math.inf, dropping)
        if told is not None:
            log.warning("%s", told)

    def _status_line(self) -> str:
        """The station's state in one line, for the log and ``systemctl status``."""
        fps_in, fps_out, p50, p99 = self.rates.snapshot(time.monotonic())
        return (
            f"camera {self._published_camera_state()}, fps {fps_in:.1f} in / {fps_out:.1f} out, "
            f"dropped {self.source.dropped}, latency p50 {_ms(p50)} p99 {_ms(p99)} ms, "
            f"{self.steps_published} steps"
        )

    def _published_camera_state(self) -> CameraState:
        """The loop's view (starting, running, ended) unless the source is short of frames."""
        if self._camera_state == "ended" or self.source.state == "running":
            return self._camera_state
        return self.source.state

    # -- reloading the configuration (SIGHUP) -----------------------------------------------

    def request_reload(self) -> None:
        """Read the configuration file again within a second; safe in a signal handler."""
        self._reload_asked.set()

    def reload(self) -> Reload | None:
        """Take on the settings of the configuration file that apply while running, log the
        ones that need a restart, and keep the session going. None when the file is refused
        (the station keeps its settings) or there is no file."""
        self._reload_asked.clear()
        if self._load_config is None:
            log.warning("reload asked for, but this station has no configuration file to read")
            return None
        self._notify.reloading()
        try:
            change = reload_changes(self.config, self._load_config())
        except UsageError as exc:
            log.error("reload refused, the station keeps its settings: %s", exc)
            self._notify.send(READY=1, STATUS="reload refused; see the log")
            return None
        self._apply(change.config)
        for line in change.applied:
            log.info("reloaded %s", line)
        for line in change.need_restart:
            log.warning("%s: needs a restart (systemctl restart hipdrive-edge)", line)
        if not change.applied and not change.need_restart:
            log.info("reloaded the configuration: nothing changed")
        self._notify.send(READY=1, STATUS=self._status_line())
        return change

    def _apply(self, config: Config) -> None:
        old, plane = self.config, self.calibration.plane if self.calibration else None
        targets = targets_from(config)
        with self._lock:
            self.config = config
            self._frame_period = 1.0 / config.bus.frame_rate_hz
            if plane is None:
                self.finder.selector.roi = config.pose.roi
            if targets.window_steps != self._summary.targets.window_steps:
                self._summary = SummaryBuilder(targets)
            else:
                self._summary.targets = targets
        if plane is not None and config.pose.roi != old.pose.roi:
            log.warning("pose.roi is not used: the calibration's region of interest is")
        if config.gait.belt_speed_mps != old.gait.belt_speed_mps:
            self.set_belt_speed(config.gait.belt_speed_mps)

    def _publish_status(self) -> None:
        if self.publisher is None or self.store is None:
            return
        now = time.monotonic()
        fps_in, fps_out, p50, p99 = self.rates.snapshot(now)
        store = self.store
        fit = self._fit.reading
        # A file's end makes its last doubt its verdict, as analyze's (``fit_verdict``): a user
        # trial's console went on "checking the steps against the file's rate" after the
        # station had refused them.
        ended = self._published_camera_state() == "ended" and not self.source.info.live
        problem = fit.doubt if ended else fit.problem
        self.publisher.publish(
            StatusMsg(
                station=self.station_id,
                t=now,
                fps_in=fps_in,
                fps_out=fps_out,
                dropped_frames=self.source.dropped,
                latency_p50_ms=p50,
                latency_p99_ms=p99,
                camera_state=self._published_camera_state(),
                backend=self.estimator.name,
                calibrated=self.calibration is not None,
                calibration=self._calibration_name(),
                runner_present=self._runner_present,
                session_id=store.session_id,
                runner=self._runner,
                recording=store.recording_ok and store.session_id is not None,
                recording_error=store.problem,
                belt_speed_mps=self._belt,
                stages_ms=self.stages.snapshot(),
                session_start_t=self._session_start_t if store.session_id is not None else None,
                gait_mode=self._gait_mode(),
                untimed=self._feed.mode == UNTIMED,
                voice=self.voice is not None and self.voice.on,
                voice_problem=None if self.voice is None else self.voice.problem,
                view_problem=self.view_problem,
                framing_problem=self._framing.problem,
                rate_problem=self._rate.problem,
                timing_problem=problem if fit.of_time else None,
                timing_doubt=fit.timing_doubt,
                distance_problem=None if fit.of_time else problem,
                distance_doubt=fit.distance_doubt,
                frames_note="; ".join(self.source.notes) or None,
            )
        )

    @property
    def view_problem(self) -> str | None:
        """Why the station shows no steps although a runner moves on the belt: the facing it
        was given is contradicted by the runner's feet (``FacingCheck``). None: no problem."""
        return None if self._facing_check is None else self._facing_check.problem

    @property
    def cut_problem(self) -> str | None:
        """Why a file's run ended before its end: the picture cut from one shot to another and
        the runner jumped with it (``CutWatch``), as analyze would refuse the file. Its steps
        before the cut are one shot's, judged as such: the session keeps no problem for it.
        None: no such cut so far."""
        cut, ended = self._cuts.jump, self._cuts.ended
        if cut is None or ended is None:
            return None
        # The shot before it from where the run began (a user trial's run from --start 2 was
        # pointed to --end 5 alone); analyze names every cut (the run meets its first only).
        start = cut.shown_at(self._cuts.first or 0)
        end = ended.at_s
        before = f"--start {start:.3f} --end {end:.3f}" if start > 0 else f"--end {end:.3f}"
        video = self.source.info.name.removeprefix("file:")
        at = (
            f"at {end:.3f} s"
            if ended is cut
            else f"at {end:.3f} s and again at {cut.at_s:.3f} s with nobody in view between"
        )
        return (
            f"{video} cuts from one shot to another (or zooms) {at}, and the runner jumps with "
            "it: steps across a cut would join two moments, or two runners, so the run ended "
            f"there. Run one shot at a time: {before} for the shot before it, --start "
            f"{cut.at_s:.3f} for the one after; hipdrive analyze {video} names every cut in it"
        )

    @property
    def fit_verdict(self) -> str | None:
        """Why the steps a run or a session ends on get no cue, kept with the session for its
        report: a facing the feet contradict (no step is shown at all: a user trial's session of
        such a run was listed "stopped" with a report of "no steps"); a file's last doubt, its
        verdict as analyze's would be (its time base, its scale or its belt speed), or a part of
        it slowed between steps at real speed since the session began; a camera's
        problem with its scale once it has held, not a passing doubt. None when they fit a
        runner."""
        if self.view_problem is not None:
            return f"no steps shown: {self.view_problem}"
        if self.source.camera_problem is not None:
            return self.source.camera_problem
        fit = self._fit.reading
        if self._file is None:
            return fit.problem
        start = self._session_start_t
        return fit.doubt or self._file.slowed(self.ended, -math.inf if start is None else start)

    @property
    def slowed_verdict(self) -> str | None:
        """A file's first part slowed between steps at real speed (``FileSteps.slowed``), once
        it has ended, whichever session it fell in: analyze refuses the whole file for it. None
        for a camera."""
        if self._file is None or not self.ended:
            return None
        return self._file.slowed(ended=True)

    @property
    def steps_verdict(self) -> str | None:
        """Why a file played to its end gives no findings for its steps being too few to judge a
        runner by, as analyze would say (``FileSteps``); None for a camera, for a file stopped
        before its end, and for steps enough."""
        if self._file is None or not self.ended:
            return None
        if self.source.camera_problem is not None:
            # As analyze says it: a moving camera's steps are no treadmill run's.
            return f"{step_count(len(self._file.steps))}: {self.source.camera_problem}"
        return self._file.verdict()

    def file_summary(self) -> list[str]:
        """What a file played to its end gives, as analyze prints it (``describe``: its steps,
        phases, medians and the run's cue); nothing for a camera or a file stopped before its
        end. A user trial's headless run of a file had ended on its last step's line. Its phases
        are timed from the first frame played (a user trial's had read the station's clock,
        "14:29:10-14:29:14 running")."""
        if self._file is None or not self.ended:
            return []
        from edge.offline.replay import describe

        return describe(
            self._file.steps,
            targets_from(self.config),
            t0=self._file.first_t,
            too_few=self.source.too_few,
            untimed=self._file.untimed.stretches(self._handled_t),
        )

    @property
    def square_view(self) -> bool:
        """Whether the steps are measured on a plane that assumes a square camera (no
        calibration of it), where an oblique view foreshortens them."""
        mapping = self._feed.mapping
        return mapping is not None and mapping.square

    def _gait_mode(self) -> GaitMode | None:
        mode = self._feed.mode
        if self.view_problem is not None or mode == UNTIMED:
            return None
        return cast("GaitMode | None", mode)

    def _calibration_name(self) -> str | None:
        if self.calibration is None:
            return None
        return f"{self.calibration.camera} {self.calibration.created:%Y-%m-%d}"


def _plane_legs(
    mapping: PlaneMapping, keypoints: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    legs = {}
    for side, idx in _LEGS.items():
        points = mapping.apply(keypoints[idx, :2].astype(np.float64))
        points[keypoints[idx, 2] <= 0] = np.nan
        legs[side] = (points[0], points[1], points[2])
    return legs


def _finite(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


LAP_PAST_S = 60.0
"""How far back a lap may be marked (a console marks a drill's repeat where the runner's steps
showed it, a few seconds before it saw them)."""


def open_voice(config: Config) -> VoiceCoach:
    """The spoken cues ``config.voice`` asks for; MissingResourceError or UsageError saying
    what to install or change when they cannot be had."""
    v = config.voice
    return VoiceCoach(
        Speech.get(v.language, v.words_per_minute),
        open_speaker(v.output, config.station.data_dir),
        Policy(every_steps=v.every_steps, quiet_s=v.quiet_s),
    )


def _cm_doubted(summary: Summary) -> bool:
    """Whether the overstride in cm is less sure where its share of the leg is sure: a scale
    doubted (a calibration that makes the leg no adult's, a plane the feet do not stand on), so
    the console shows the share of the leg its cue is judged by."""
    cm, pct = summary.metrics.get("overstride_cm"), summary.metrics.get("overstride_pct_leg")
    return (
        cm is not None
        and cm.median is not None
        and not cm.confident
        and pct is not None
        and pct.confident
    )


def summary_message(station: str, t: float, summary: Summary, calibrated: bool) -> SummaryMsg:
    """The wire message of a rolling summary; metrics without a median yet are left out."""
    return SummaryMsg(
        station=station,
        t=t,
        n_steps=summary.n_steps,
        metrics={
            cast(MetricName, name): WireStats(
                median=m.median,
                iqr=m.iqr,
                asymmetry_pct=m.asymmetry_pct,
                confident=m.confident,
                near_leg_only=m.near_leg_only,
                feet_differ=m.feet_differ,
                feet_mixed=m.feet_mixed,
            )
            for name, m in summary.metrics.items()
            if m.median is not None
        },
        cue=summary.cue,
        cue_key=summary.cue_key,
        cue_reason=summary.cue_reason,
        units="cm" if calibrated and not _cm_doubted(summary) else "pct_leg",
        calibrated=calibrated,
        yaw_deg=summary.yaw_deg,
        oblique=summary.oblique,
        gait=cast("Gait | None", summary.gait),
        pace_beyond=summary.pace_beyond,
    )


def _end_session(store: SessionStore, problem: str | None, t: float) -> None:
    """End the open session, if any, at ``t`` (station time, ``Station._clock``), and say where its
    report is. ``problem``: why the steps it ends on get no cue (``Station.fit_verdict``), kept
    with it for its report. Ended for want of a runner, at the frame's capture, as a session
    started by one (a station that lags had ended sessions after the next had begun)."""
    session = store.session_id
    if session is None:
        return
    store.end_session(t, problem)
    log.info("session %d ended; its report: hipdrive sessions report %d", session, session)


def view_unknown(step: Step, square: bool) -> bool:
    """Whether ``step`` came before the engine knew the camera's yaw while the plane assumes
    a square camera (``square``: no calibration of it): the view may yet prove oblique."""
    return square and step.yaw_deg is None


VIEW_UNKNOWN_MEANS = (
    f"{LESS_SURE} on a session's first steps: the camera's view not known yet, as it is from the "
    "fourth or fifth step; they count once it proves square"
)
"""What the headless console says of the marks ``view_unknown`` puts on a step."""


def step_line(step: Step, summary: Summary, *, square: bool, alone: bool = False) -> str:
    """One line for a headless console: this step and where the summary stands. While the
    station doubts the file's time base, or gets too few frames a second to time steps
    (``RATE_HELD``), its figures read off the clock are shown as ``?``;
    while it doubts the scale or the belt speed, the overstride is given in leg lengths, which
    no scale touches (as the console hides what is in doubt). Each figure measured less surely
    is marked (``sure_mark``: a walk's contact time, say, as the report marks it). ``square``:
    the plane assumes a square camera (no calibration of it), so a step measured before the
    engine knew the camera's yaw (a session's first three or four, ``view_unknown``) has what a
    yaw foreshortens marked: the view may yet prove oblique, as the console's history and the
    report then take it. ``alone``: the step stands alone (``Station.alone``), every figure
    marked. The first step of the other gait, standing alone, leaves the summary the last
    gait's: its line then gives no cadence, as the console shows none (``Readings.other_gait``;
    a console trial's jog began "... | cadence 107 spm | walking", the walk's)."""
    timed = summary.held not in (TIMING_DOUBT, TIMING_HELD, RATE_HELD)
    metres = summary.held not in (DISTANCE_DOUBT, DISTANCE_HELD)

    def num(value: float | None, unit: str, digits: int = 0, sure: bool = True) -> str:
        if not sure:
            return "?"
        return "-" if value is None else f"{value:.{digits}f}{unit}"

    def reading(metric: str, unit: str) -> str:
        """The step's value, marked when measured less surely (the far leg's, say), or when the
        step stands alone (no figure or cue rests on it: ``Station._in_row``)."""
        value = getattr(step, metric)
        if value is None:
            return num(value, unit)
        unseen = metric in OBLIQUE_METRICS and view_unknown(step, square)
        return num(value, unit) + (LESS_SURE if unseen or alone else sure_mark(step, metric))

    over = (
        reading("overstride_cm", " cm")
        if step.overstride_cm is not None and metres
        else reading("overstride_pct_leg", "% leg")
    )
    gait = gait_of(step)
    other = {gait, summary.gait} == {RUNNING, WALKING}
    cadence = summary.metrics["cadence_spm"]
    # Over fewer than three steps whose cadence is sure, as the console marks it: a user trial's
    # warm-up drills had "cadence 219 spm" from one step, shown as sure.
    unsure = LESS_SURE if timed and cadence.median is not None and not cadence.confident else ""
    state = summary.held if other else summary.cue or summary.held
    if state is None:
        # As the console's banner says it: "waiting for steps" had been printed beside them.
        walking = (gait if other else summary.gait) == WALKING
        state = "walking" if walking else "first cue after a few steps"
    shown = None if other else cadence.median
    return (
        f"{step.foot:5s} contact {reading('contact_ms', ' ms') if timed else '?'}, "
        f"overstride {over}, "
        f"hip ext {reading('hip_extension_deg', ' deg')} | "
        f"cadence {num(shown, ' spm', sure=timed)}{'' if other else unsure} | {state}"
    )


class CueReasons:
    """The cue reasons a headless run prints under its step lines, whose lines carry the cue
    alone: each new cue's once, and once more when it first holds past its figure's return to
    the target (``HOLDS``: a trial's headless lines read "Quicker, lighter steps" beside 155-159
    spm for 46 steps, the cue holding until 160, its reason said once, at 154)."""

    def __init__(self) -> None:
        self._cue: str | None = None
        self._told: set[bool] = set()

    def line(self, summary: Summary) -> str | None:
        """The reason to print under the step ``summary`` came with, or None."""
        if summary.cue_key != self._cue:
            self._cue = summary.cue_key
            self._told.clear()
        holding = HOLDS in (summary.cue_reason or "")
        if summary.cue_key is None or holding in self._told:
            return None
        self._told.add(holding)
        return f"  ({summary.cue_reason})"


def open_station_source(
    config: Config, spec: str | None, timing: FileTiming | None = None, now: bool = False
) -> FrameSource:
    """The configured source (or ``spec``), paced like a camera when it is a file (at its real
    rate, ``timing`` giving its time base and part, its new frames only, as analyze takes
    them; ``now``: played to a console, dropping the frames the station is too late for, as a
    camera does, where headless every frame is measured however late); a live camera is
    reopened whenever it fails, so the station outlives a pulled cable."""
    cam = config.camera
    settings = CaptureSettings(
        cam.width, cam.height, cam.fps, cam.mjpg, True, timing, new_frames_only=True, drop_late=now
    )
    return open_resilient(spec or cam.source, settings)
