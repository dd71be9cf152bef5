"""A video file's time base and window: how many frames it holds per second of real time, and
which part of it to use.

A slow-motion clip is filmed at one rate and stored to play at another: 240 fps played at 30
is eight times slower than life. The gait engine needs real time, frame index / capture rate.
The capture rate comes from the user (``--capture-fps``, or ``--slowmo`` times the playback
rate), else from the file's own metadata (``edge.capture.mp4meta``), else it is the playback
rate. A clip filmed faster than the engine needs (a phone's 480 or 960 fps, a lab camera's 300)
is thinned to every n-th frame, the fewest that bring it within ``ENGINE_FPS``.
``--start``/``--end`` pick a part of the video in seconds as a player shows them.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass, field

import numpy as np

from edge.errors import UsageError
from edge.frame_rate import ENGINE_FPS, HELD_S, LEAST_FPS, SAME_RATE

#: bounds on a rate or a slow-motion factor given on the command line
GIVEN_RATE = (1.0, 1000.0)

SLOWMO_HELP = "capture rate / playback rate: 8 for a 240 fps clip that plays at 30 fps"


def check_rate(flag: str, value: float | None) -> None:
    """UsageError unless a rate or factor given as ``flag`` is None or within GIVEN_RATE."""
    lo, hi = GIVEN_RATE
    if value is not None and not lo <= value <= hi:
        raise UsageError(f"{flag} {value:g}: must be from {lo:g} to {hi:g}")


@dataclass(frozen=True, slots=True)
class FileTiming:
    """What the user says about a video file's timing; None everywhere: as the file says.

    fps: the file's frame rate as a player shows it, when the container's is wrong.
    capture_fps: frames per second of real time (the camera's rate, for slow motion).
    slowmo: capture rate / playback rate. start_s, end_s: the part of the video to use,
    seconds from its start as a player shows them.
    UsageError naming the flag when a value or a combination cannot be.
    """

    fps: float | None = None
    capture_fps: float | None = None
    slowmo: float | None = None
    start_s: float | None = None
    end_s: float | None = None

    def __post_init__(self) -> None:
        check_rate("--fps", self.fps)
        check_rate("--capture-fps", self.capture_fps)
        check_rate("--slowmo", self.slowmo)
        if self.capture_fps is not None and self.slowmo is not None:
            raise UsageError(
                "--capture-fps and --slowmo both set the capture rate: give one of them "
                f"(--slowmo is the {SLOWMO_HELP})"
            )
        for flag, value in (("--start", self.start_s), ("--end", self.end_s)):
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise UsageError(
                    f"{flag} {value:g}: must be seconds from the start of the video, 0 or more"
                )
        if self.start_s is not None and self.end_s is not None and self.start_s >= self.end_s:
            raise UsageError(
                f"--start {self.start_s:g} s is not before --end {self.end_s:g} s: give a start "
                "earlier than the end"
            )

    @property
    def windowed(self) -> bool:
        return self.start_s is not None or self.end_s is not None

    def window_text(self) -> str:
        """``--start 3 --end 12`` as given, for messages."""
        return " ".join(
            f"{flag} {value:g}"
            for flag, value in (("--start", self.start_s), ("--end", self.end_s))
            if value is not None
        )


@dataclass(frozen=True, slots=True)
class TimeBase:
    """A file's playback and capture rates, frames per second, and what states the capture
    rate (a flag, or a metadata key of the file); ``origin`` None: nothing does, and it is
    taken to be the playback rate (which may be checked:
    ``edge.gait.fit.timebase_problem``). ``every``: the frames used are every this
    many of the file's, from the first used (a capture rate above ``ENGINE_FPS``).
    ``file_fps``: the file's own rate, where ``--fps`` was given against it. ``shown``: each
    frame's time as a player shows it, s from the first, for a video whose frames come at a
    varying rate (``edge.capture.steady``), whose ``playback_fps`` is then the rate they come at
    where none is dropped (``edge.capture.steady.usual_rate``); None: frame i shows at
    i / ``playback_fps``."""

    playback_fps: float
    capture_fps: float
    origin: str | None = None
    every: int = 1
    file_fps: float | None = None
    shown: tuple[float, ...] | None = field(default=None, repr=False)

    @property
    def slowmo(self) -> float:
        return self.capture_fps / self.playback_fps

    @property
    def rate(self) -> tuple[float, str | None]:
        """The capture rate and what states it, as a file's steps are held to them
        (``edge.gait.fit.timebase_problem``)."""
        return self.capture_fps, self.origin

    @property
    def fps(self) -> float:
        """Frames used per second of real time."""
        return self.capture_fps / self.every

    def played(self, index: int) -> float:
        """Where frame ``index`` shows as the video plays, s from its first frame: at its time
        in ``shown``, past the last of them at ``playback_fps`` on from it, or without them at
        ``index / playback_fps``."""
        shown = self.shown
        if shown is None:
            return index / self.playback_fps
        if index < len(shown):
            return shown[index]
        return shown[-1] + (index - len(shown) + 1) / self.playback_fps

    def seconds(self, index: int) -> float:
        """Real time of frame ``index`` from the file's first frame."""
        if self.shown is None:
            return index / self.capture_fps
        return self.played(index) / self.slowmo

    def span(self, start: int, stop: int) -> float:
        """Real seconds from frame ``start`` to frame ``stop`` (past the last used), the last
        frame lasting a frame interval."""
        return (self.played(stop - 1) - self.played(start)) / self.slowmo + 1 / self.capture_fps

    def index_at(self, played_s: float) -> int:
        """The frame that shows at ``played_s`` s as the video plays (the nearest)."""
        shown = self.shown
        if shown is None:
            return round(played_s * self.playback_fps)
        after = bisect_left(shown, played_s)
        if after == len(shown):
            return len(shown) - 1 + round((played_s - shown[-1]) * self.playback_fps)
        if after > 0 and played_s - shown[after - 1] < shown[after] - played_s:
            return after - 1
        return after

    def describe(self) -> str:
        if self.origin is None and self.shown is not None:
            # A review: the header gave a varying rate's average as if it were steady.
            text = f"{(len(self.shown) - 1) / self.shown[-1]:.4g} fps on average"
        elif self.origin is None:
            text = f"{self.playback_fps:g} fps"
        elif self.file_fps is not None:
            # A user trial's --fps 60 for a 30 fps file went by without a word.
            text = f"{self.capture_fps:g} fps ({self.origin}; the file says {self.file_fps:.4g})"
        elif abs(self.slowmo - 1) <= SAME_RATE:
            text = f"{self.capture_fps:g} fps ({self.origin})"
        else:
            text = (
                f"{self.capture_fps:g} fps, played at {self.playback_fps:g} fps (slow motion "
                f"x{self.slowmo:.3g}, from {self.origin})"
            )
        if self.every > 1:
            text += f", 1 frame in {self.every} used: {self.fps:g} fps"
        if self.shown is not None:
            text += ", its rate varying: each frame timed by its own time"
        return text


def resolve_timebase(
    name: str,
    container_fps: float | None,
    stated: tuple[float, str] | None,
    timing: FileTiming,
) -> TimeBase:
    """The time base of the file ``name``: its container's frame rate (None: unreadable),
    the capture rate its metadata states and the key stating it (``mp4meta.capture_fps``),
    and what the user says. UsageError when no rate is known or a stated capture rate is
    below the engine's range; one above it is thinned (``TimeBase.every``)."""
    playback = timing.fps or container_fps
    if playback is None:
        raise UsageError(f"{name} does not say its frame rate: give it with --fps N")
    origin: str | None
    file_fps = None
    if timing.capture_fps is not None:
        capture, origin = timing.capture_fps, "--capture-fps"
    elif timing.slowmo is not None:
        capture, origin = playback * timing.slowmo, f"--slowmo {timing.slowmo:g}"
    elif stated is not None and abs(stated[0] / playback - 1) > SAME_RATE:
        capture, origin = stated[0], f"the file's {stated[1]}"
    elif (
        timing.fps is not None
        and container_fps is not None
        and abs(timing.fps / container_fps - 1) > SAME_RATE
    ):
        # A rate given against the file's is questioned as given: a user trial's --fps 60 on a
        # 30 fps file was told of "the video's 60 fps" and slow motion, where --fps was to go.
        # One the file agrees with, or the only one there is, is the video's own (a slow-motion
        # clip's advice, --capture-fps, still comes).
        capture, origin = playback, f"--fps {timing.fps:g}"
        file_fps = container_fps
    else:
        capture, origin = playback, None
    given = origin
    lo, hi = ENGINE_FPS
    every = max(1, math.ceil(capture / hi - 1e-9))
    if given is not None and capture < LEAST_FPS:
        if given == "--capture-fps":
            hint = "give the rate the camera filmed at"
        elif file_fps is not None:
            # A user trial's --fps 15 for a 30 fps file was told "this file plays at 15 fps".
            hint = f"check the value: the file says it plays at {file_fps:g} fps"
        elif given.startswith("--"):
            plays = "--fps plays it" if timing.fps is not None else "this file plays"
            hint = f"check the value (--slowmo is the {SLOWMO_HELP}; {plays} at {playback:g} fps)"
        else:
            hint = f"give the real rate with --capture-fps N, or film at {lo:g} fps or more"
        raise UsageError(
            f"{name}: {given} makes the capture rate {capture:g} fps, below the "
            f"{lo:g} fps the gait engine needs at least; {hint}"
        )
    return TimeBase(playback, capture, origin, every, file_fps)


#: a stall this long or longer, s, in a video whose frames come at a varying rate is a pause,
#: left out of its rate (``require_engine_rate``); shorter ones are a camera too slow: a
#: review's clip of 0.5 s of frames and 0.3 s without, over and over, had been measured
PAUSE_S = 1.0


def moving_rate(times: np.ndarray, held: float = HELD_S) -> float:
    """Frames a second at ``times`` (s, increasing), over the intervals no longer than a picture
    held still (``held``, s); NaN without such an interval."""
    gaps = np.diff(times)
    moving = gaps[gaps <= held + 1e-9]
    return 1.0 / float(np.mean(moving)) if len(moving) else math.nan


def require_engine_rate(name: str, timebase: TimeBase) -> None:
    """UsageError when the frames of the video ``name`` come fewer a second of real time than
    the gait engine needs (``LEAST_FPS``). A rate the user or the file states is held to that
    by ``resolve_timebase``; this holds the file's own rate too, for gait analysis (a board
    filmed for calibration may be slower). Frames of a varying rate are counted as they come,
    a pause left out (``PAUSE_S``, ``moving_rate``): a review's clip filmed at 30 with a stall
    of 4 s was refused as holding 21 a second."""
    rate = timebase.fps
    if timebase.shown is not None:
        real = np.asarray(timebase.shown) / timebase.slowmo
        rate = moving_rate(real, PAUSE_S)
        if not math.isfinite(rate):
            rate = (len(real) - 1) / float(real[-1] - real[0])
        rate /= timebase.every
    if not rate >= LEAST_FPS:
        raise UsageError(
            f"{name} holds {rate:.3g} frames a second, fewer than the {ENGINE_FPS[0]:g} "
            "the gait engine needs at least to time a step: film at 30 fps or more (60 is "
            "best), in good light (a phone short of light films fewer frames); if it is slow "
            "motion, give the rate it was filmed at with --capture-fps N; if the file states a "
            "wrong rate (its motion plays slow), give its real one with --fps N"
        )


def frame_window(
    name: str, timebase: TimeBase, frame_count: int | None, timing: FileTiming
) -> tuple[int, int | None]:
    """The first frame of the part to use and the frame after its last (None: to the end),
    from ``timing``'s start and end; UsageError when they are not within the video."""
    fps = timebase.playback_fps
    start = 0 if timing.start_s is None else timebase.index_at(timing.start_s)
    stop = None if timing.end_s is None else timebase.index_at(timing.end_s)
    if frame_count is not None:
        seconds = timebase.played(frame_count - 1) + 1 / fps
        length = f"{seconds:.2f} s long ({frame_count} frames at {fps:g} fps)"
        if start >= frame_count:
            raise UsageError(
                f"--start {timing.start_s:g} s is past the end of {name}, which is {length}: "
                "give a start within the video"
            )
        if stop is not None and stop > frame_count:
            raise UsageError(
                f"--end {timing.end_s:g} s is past the end of {name}, which is {length}: give "
                "an end within the video, or no --end to go to its end"
            )
    if stop is not None and stop <= start:
        raise UsageError(
            f"{timing.window_text()} holds no frame of {name} at {fps:g} fps: give a longer window"
        )
    return start, stop
