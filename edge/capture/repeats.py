"""Frames that repeat the one before: a video converted up from a lower frame rate (25 fps
stored as 30 repeats one frame in six, 15 as 30 shows every frame twice), or a camera short of
light that hands out its last picture again. A repeat holds no new moment of the run, and it is
stored at a later time than the moment it shows, so the analysis leaves it out
(``edge.offline.analyze``) and times the new frames by the rate they came at
(``distinct_times``). A picture held still for longer (a title, a paused camera) holds no new
moment either, and is left out too, but it is no lower frame rate. A still scene filmed (a
person standing on the belt, swaying) changes as little from frame to frame, but its picture
drifts away from the one first shown, where a held picture's stays within a codec's noise of it
(``DRIFT_RATIO``): its frames are new.

A frame is a repeat when it differs from the one before far less than new frames of the same
video differ from each other: a codec's noise changes a repeat by a few grey levels, a runner's
motion changes a new frame by tens (on the clips at hand: repeats 1-15 levels at the 99.9th
percentile of the pixels' change, new frames 15-190 in the dimmest render and 50-190 on real
clips).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edge.capture.moving import BANDS, CameraMeter, CameraMotion, camera_motion
from edge.capture.timebase import (
    ENGINE_FPS,
    HELD_S,
    LEAST_FPS,
    TimeBase,
    moving_rate,
)
from edge.errors import UsageError

#: rows of the picture kept to compare frames (every n-th pixel of the green channel)
THUMB_ROWS = 120
#: the change of a frame is the change of the pixel at this share from the top: a moving runner
#: covers a small part of the picture, so a mean over all of it would not see them
CHANGE_PERCENTILE = 0.999
#: a frame whose change is under this share of a new frame's (``NEW_QUANTILE`` of the changes
#: of the video's frames: a new one while at least one frame in twenty is new) is a repeat
REPEAT_SHARE = 0.2
NEW_QUANTILE = 0.95
#: where little moves (an empty street before the runner comes in) a new picture changes as
#: little as a repeat does beside the runner's motion, but it still stands out from the repeat
#: beside it: a frame among repeats that changes more than ``REPEAT_NOISE`` grey levels and this
#: many times as much as a frame beside it is a new picture (on the clips at hand a new frame
#: beside a repeat changes 3.6 times as much or more, 15 times on the gym clips)
REPEAT_CONTRAST = 3.0
#: the most a repeat changed on the clips at hand, grey levels: the codec's noise
REPEAT_NOISE = 15.0
#: changes needed before any frame is called a repeat
MIN_CHANGES = 10
#: frames read when a video's new frames are checked to come often enough (``LEAST_FPS``)
#: before the end, so that a video made of repeats is refused in its first seconds: each check
#: reads every change so far, so only over the first 900
EARLY_CHECKS = frozenset(range(90, 901, 90))
#: a share of repeated frames that is told (``repeats_notice``)
REPEATS_NOTED = 0.05
#: repeats a run of frames needs to be taken for a video converted from a lower rate and timed
#: along a line (``distinct_times``): one or two are a camera's stalls
MIN_CONVERTED = 3
#: a cut from one shot to another changes most of the picture at once, between two shots that
#: each change little from frame to frame: a frame whose median pixel changes this many grey
#: levels from the frame before may be a cut. Cuts seen on 57 real clips changed it by 8 to 90
#: levels (shots of one run on a field joined: 8, 10, 18; a street runner filmed nearer after
#: the cut: 27), where 30 had missed those; a steady shot's frame, by up to 25 (a hand-held
#: camera's jerk). So whether the runner jumps with it decides (``check_cuts``); below
#: ``CUT_SURE``, only in the frames on either side of it. Shots joined with the runner in one
#: place are not told ...
CUT_LEVEL = 8.0
#: ... and a change this large is a cut beyond doubt (two treadmill clips joined: 56; no steady
#: shot's frame of the 57 clips came near): the runner is looked for up to ``CUT_RUNNER_S``
#: either side of it, a new shot's runner found late
CUT_SURE = 30.0
#: ... when the median pixel of the ``CUT_SIDE`` frames on each side changes less than this
#: share of it (the median over them): pictures that change everywhere all the time (a test's
#: coded frames) have no shots to cut between
CUT_STEADY = 1 / 3
CUT_SIDE = 5
#: a run of frames that barely change, longer than a held picture's (``HELD_S``), is a still
#: scene filmed, not a held picture, where its picture drifts from the one first shown: where
#: the median change of its frames from the frame a held picture's length before
#: (``ChangeMeter.drift``, within the run) is more than a codec's noise (``REPEAT_NOISE``) and
#: this many times their median change from the frame before. A held picture's noise does not
#: add up from frame to frame: a rendered empty belt changed 17 grey levels from the frame
#: before and 17 from the frame 8 before; a real clip's title card 0 and 0 (its fade-in
#: drifting in its first second), a screen recording's still screens 0 and 0-2 (scrolling:
#: 9-11 and 136-207). Real people still did drift: 18 and 124 (a woman standing and posing),
#: 21 and 120 (a sprinter in the blocks), 10-12 and 27-47 (a lab), where each had been held
#: still, their frames left out. A rendered person standing, swaying at rest with no noise,
#: drifts less (4 and 11) and is still held
DRIFT_RATIO = 2.0


class ChangeMeter:
    """How much each frame changes from the one before, frame after frame, and from the frame
    ``lag`` before (``drift``; none with ``lag`` 0)."""

    def __init__(self, lag: int = 0) -> None:
        self._thumbs: deque[np.ndarray] = deque(maxlen=max(lag, 1) + 1)
        self._lag = lag
        self.median = math.nan
        """The last frame's change at its median pixel, grey levels (NaN for the first)."""
        self.drift = math.nan
        """The last frame's change from the frame ``lag`` before, grey levels (NaN before
        that many, and with ``lag`` 0)."""

    def change(self, image: np.ndarray) -> float:
        """The change of ``image`` ((H, W, 3) BGR) from the image before, grey levels; NaN for
        the first."""
        step = max(1, image.shape[0] // THUMB_ROWS)
        thumb = image[::step, ::step, 1].astype(np.int16)
        if self._thumbs and self._thumbs[-1].shape != thumb.shape:
            self._thumbs.clear()
        self._thumbs.append(thumb)
        self.median = self.drift = math.nan
        if len(self._thumbs) < 2:
            return math.nan
        diff = np.abs(thumb - self._thumbs[-2]).ravel()
        k = max(1, round(diff.size * (1.0 - CHANGE_PERCENTILE)))
        # One partition for both: the middle pixel's change and the high percentile's.
        ranked = np.partition(diff, [diff.size // 2, diff.size - k])
        self.median = float(ranked[diff.size // 2])
        if self._lag and len(self._thumbs) > self._lag:
            far = np.abs(thumb - self._thumbs[0]).ravel()
            self.drift = float(np.partition(far, diff.size - k)[diff.size - k])
        return float(ranked[diff.size - k])


def frame_kinds(
    changes: np.ndarray, fps: float, drifts: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Which frames of a video at ``fps`` repeat the frame before (within ``HELD_S`` of the
    picture's first showing), and which show a picture held still for longer (a title, a
    paused camera), from their changes (``ChangeMeter``; (N,), NaN for a first frame) and
    their changes from the frame a held picture's length before (``drifts``, (N,) NaN where
    unknown; None: none known): neither when fewer than ``MIN_CHANGES`` are known. A run that
    drifts (``DRIFT_RATIO``) is a still scene filmed: its frames are new."""
    none = np.zeros(len(changes), dtype=bool)
    known = changes[np.isfinite(changes)]
    if len(known) < MIN_CHANGES:
        return none, none.copy()
    with np.errstate(invalid="ignore"):
        same = changes < REPEAT_SHARE * float(np.quantile(known, NEW_QUANTILE))
    still = none.copy()
    for start, stop in _runs(same):
        # The picture is shown from the frame before the run to its last frame.
        if stop - start + 1 <= _held_frames(fps):
            for i in range(start, stop):
                same[i] = not _stands_out(changes, i)
        elif _drifted(changes, drifts, start, stop, _held_frames(fps)):
            same[start:stop] = False
        else:
            still[start:stop] = True
    return same & ~still, still


def _drifted(
    changes: np.ndarray, drifts: np.ndarray | None, start: int, stop: int, lag: int
) -> bool:
    """Whether the picture of the run ``start``..``stop`` of frames that barely change, first
    shown in the frame before, drifts from it (``DRIFT_RATIO``), by the drifts of the frames
    ``lag`` or more after it."""
    if drifts is None:
        return False
    judged = drifts[start - 1 + lag : stop]
    judged = judged[np.isfinite(judged)]
    if not len(judged):
        return False
    noise = max(REPEAT_NOISE, DRIFT_RATIO * float(np.nanmedian(changes[start:stop])))
    return float(np.median(judged)) > noise


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """The runs of True in ``mask``: (start, stop) of each, stop past its last."""
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(np.int8), 0]))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _stands_out(changes: np.ndarray, i: int) -> bool:
    """Whether frame ``i`` is a new picture where little moves: it changes more than
    ``REPEAT_NOISE`` and ``REPEAT_CONTRAST`` times as much as a frame beside it."""
    beside = [changes[j] for j in (i - 1, i + 1) if 0 <= j < len(changes)]
    beside = [c for c in beside if math.isfinite(c)]
    return bool(beside) and changes[i] > max(REPEAT_NOISE, REPEAT_CONTRAST * min(beside))


def distinct_fps(indices: np.ndarray, capture_fps: float) -> float:
    """New frames per second of real time, from the file positions ``indices`` of a video's new
    frames (increasing): over the stretches between pictures held still (``HELD_S``), which are
    no lower rate. NaN without two new frames a held picture's time apart at most."""
    return moving_rate(indices / capture_fps, _held_frames(capture_fps) / capture_fps)


def distinct_times(indices: np.ndarray, capture_fps: float) -> np.ndarray:
    """Real times, s, of the new frames at file positions ``indices`` (increasing).

    A video converted up from a lower rate holds its frames at a steady rate, each first shown
    when it was filmed or up to a frame interval later. So a run of new frames between pictures
    held still (``HELD_S``) with ``MIN_CONVERTED`` repeats or more, each frame within a frame
    interval above the straight line under them all, is timed along that line. Otherwise (a
    camera that stalled once or twice) each is timed where it is first shown."""
    times = indices / capture_fps
    cuts = np.flatnonzero(np.diff(indices) > _held_frames(capture_fps)) + 1
    for run in np.split(np.arange(len(indices)), cuts):
        if np.sum(np.diff(indices[run]) > 1) < MIN_CONVERTED:
            continue
        k = np.arange(len(run), dtype=np.float64)
        slope = np.polyfit(k, indices[run].astype(np.float64), 1)[0]
        # Each is shown when it was filmed or up to a frame later: the line under them all.
        line = slope * k + np.min(indices[run] - slope * k)
        if np.max(indices[run] - line) < 1.0:
            times[run] = line / capture_fps
    return times


@dataclass(frozen=True, slots=True)
class NewFrames:
    """Of the frames read so far: those kept (their places in the list read), their real
    times, s, how many repeat the frame before, of how many, and the new frames a second
    (``edge.capture.repeats``). Repeats and pictures held still are left out; ``held``: each
    picture held still, when it was first shown and for how long it was held after, in seconds
    as a player shows them (as ``--start`` and ``--end`` are given; a slow-motion clip's real
    seconds are fewer)."""

    kept: np.ndarray
    times: np.ndarray
    repeats: int
    read: int
    fps: float
    held: tuple[tuple[float, float], ...] = ()
    steady: tuple[float, float] | None = None
    """The longest stretch, first and last frame in seconds as a player shows them, over which
    the new frames come ``LEAST_FPS`` a second or more (``steady_span``), or None."""
    span: tuple[float, float] = (0.0, 0.0)
    """The first and last frame read, in seconds as a player shows them."""
    still: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """(N,) which of the frames read show a picture held still (``frame_kinds``)."""


def new_frames(
    indices: list[int],
    changes: list[float],
    timebase: TimeBase,
    drifts: list[float] | None = None,
) -> NewFrames:
    """The new frames among those read (file positions ``indices``, their changes from the
    frame before and, where measured, from the frame a held picture's length before:
    ``ChangeMeter``) and their real times (``distinct_times``)."""
    repeat, still = frame_kinds(
        np.array(changes), timebase.fps, np.array(drifts) if drifts else None
    )
    kept = np.flatnonzero(~(repeat | still))
    first = indices[0] if indices else 0
    positions = (np.array(indices)[kept] - first) // timebase.every
    played = np.array([timebase.played(i) for i in indices])
    if timebase.shown is None:
        times = timebase.seconds(first) + distinct_times(positions, timebase.fps)
        fps = distinct_fps(positions, timebase.fps)
    else:
        # Frames that come at a varying rate, each at its own time (``edge.capture.steady``).
        real = played / timebase.slowmo
        times = real[kept]
        fps = moving_rate(times)
    # A held run of frames shows the picture first shown in the frame before it.
    held = [
        (float(played[max(start - 1, 0)]), float(played[stop - 1] - played[max(start - 1, 0)]))
        for start, stop in _runs(still)
    ]
    if timebase.shown is not None:
        # A frame of a varying rate is shown until the next: a stall of 1.5 s between two went
        # untold (a review), where the same stall held as repeated frames was told.
        held += [
            (float(played[k]), float(played[k + 1] - played[k]))
            for k in np.flatnonzero(np.diff(real) > HELD_S)
        ]
    return NewFrames(
        kept,
        times,
        int(repeat.sum()),
        len(indices),
        fps,
        tuple(sorted(held)),
        steady_span(~repeat, played, timebase.fps),
        (float(played[0]), float(played[-1])) if len(played) else (0.0, 0.0),
        still,
    )


#: a picture held still is handed to a file's run again this often, s of real time
#: (``held_ticks``): the mode ages by the clock to half a second (nobody on the belt after
#: ``edge.gait.mode.AWAY_S``, standing after ``STILL_S``), few enough that a run stopped in a
#: title held for seconds ends at once
HELD_TICK_S = 0.5


def held_ticks(still: np.ndarray, fps: float) -> np.ndarray:
    """Places, in the frames read (``fps`` a second of real time), of the frames of pictures
    held still (``still``, (N,) bool) a file's run is handed (``NewFramesOnly``), each
    ``HELD_TICK_S`` after the last or after the picture's first showing, so that its mode ages
    by the file's clock while no new picture comes."""
    step = max(1, round(HELD_TICK_S * fps))
    ticks = [k for start, stop in _runs(still) for k in range(start - 1 + step, stop, step)]
    return np.array(ticks, dtype=np.int64)


#: the shortest stretch of enough new frames, in seconds of real time, a refusal names
#: (``steady_span``): some ten steps
STEADY_NAMED_S = 4.0
#: seconds of frames over which ``steady_span`` counts the new ones: two, so that a video
#: converted from 24 fps to 30 (four new frames in five) counts its 24 whatever the start
STEADY_WINDOW_S = 2.0


def steady_span(new: np.ndarray, played: np.ndarray, fps: float) -> tuple[float, float] | None:
    """The longest stretch of frames read (``new``: (N,) which are no repeat, a picture held
    still counting as new; ``played``: their times as a player shows them; ``fps``: read a
    second of real time) in which every ``STEADY_WINDOW_S`` holds ``LEAST_FPS`` new frames a
    second or more, as (first, last) in ``played``'s seconds; None when none does for
    ``STEADY_NAMED_S`` of real time (a review: 4 s of a clip slowed eight-fold is half a second
    of running). A clip of 24 fps converted to 30 with a frozen ending, its repeats thickening,
    was refused with no word of the part that could be measured (a user trial)."""
    window = round(STEADY_WINDOW_S * fps)
    if window < 2 or len(new) < window:
        return None
    counts = np.convolve(new.astype(np.float64), np.ones(window), "valid")
    covered = np.zeros(len(new), dtype=np.int32)
    for first in np.flatnonzero(counts >= LEAST_FPS * window / fps):
        covered[first : first + window] = 1
    runs = _runs(covered.astype(bool))
    if not runs:
        return None
    start, stop = max(runs, key=lambda run: run[1] - run[0])
    # As long in real time as it must be: a slow-motion clip's played seconds are more.
    if (stop - 1 - start) / fps < STEADY_NAMED_S:
        return None
    return float(played[start]), float(played[stop - 1])


@dataclass(frozen=True, slots=True)
class PictureCut:
    """A frame that may cut from one shot to another (``FrameScan.cuts``): its file position and
    whether it is a cut beyond doubt (``CUT_SURE``); the runner either side tells
    (``edge.offline.cuts``), looked for over the frames read as the video's ``timebase`` reads
    them."""

    index: int
    sure: bool
    timebase: TimeBase

    @property
    def every(self) -> int:
        """The frames read are one file frame in this many."""
        return self.timebase.every

    @property
    def read_fps(self) -> float:
        """The frames read a second of real time."""
        return self.timebase.fps

    @property
    def at_s(self) -> float:
        """Where the cut shows in the video, s, as it plays (as ``--start`` and ``--end`` are
        given)."""
        return self.shown_at(self.index)

    def shown_at(self, index: int) -> float:
        """Where file frame ``index`` shows in the video, s, as it plays."""
        return self.timebase.played(index)


class FrameScan:
    """A video's frames as they are read (file position, change from the frame before) and what
    they tell (``new``). A video whose new frames come too few a second is refused as soon as
    it shows (``check_new_frames`` at every ``EARLY_CHECKS`` frames read), so the rest of it is
    not read for nothing."""

    def __init__(self, video: Path, timebase: TimeBase) -> None:
        self.video = video
        self.timebase = timebase
        self.indices: list[int] = []
        self.changes: list[float] = []
        self.medians: list[float] = []
        """Each frame's change at its median pixel (``ChangeMeter.median``)."""
        self.drifts: list[float] = []
        """Each frame's change from the frame a held picture's length before
        (``ChangeMeter.drift``)."""
        self.shifts: list[np.ndarray] = []
        """Each frame's bands' sideways shift from the frame before (``CameraMeter``)."""
        self._meter = ChangeMeter(_held_frames(timebase.fps))
        self._camera = CameraMeter()

    def add(self, index: int, image: np.ndarray) -> None:
        """One more frame read: file position ``index``, its (H, W, 3) BGR picture."""
        self.indices.append(index)
        self.changes.append(self._meter.change(image))
        self.medians.append(self._meter.median)
        self.drifts.append(self._meter.drift)
        self.shifts.append(self._camera.shift(image))
        if len(self.changes) in EARLY_CHECKS:
            self.check()

    @property
    def cuts(self) -> list[int]:
        """Positions, in the frames read, of the frames that cut from one shot to another
        (``CUT_LEVEL``, ``CUT_STEADY``)."""
        m = np.array(self.medians)
        out = []
        for k in np.flatnonzero(m >= CUT_LEVEL):
            sides = (m[max(0, k - CUT_SIDE) : k], m[k + 1 : k + 1 + CUT_SIDE])
            if all(np.isfinite(v).any() for v in sides) and all(
                np.nanmedian(v) < CUT_STEADY * m[k] for v in sides
            ):
                out.append(int(k))
        return out

    def picture_cuts(self) -> tuple[PictureCut, ...]:
        """The frames that may cut from one shot to another (``cuts``), as a run takes them."""
        return tuple(
            PictureCut(self.indices[k], self.medians[k] >= CUT_SURE, self.timebase)
            for k in self.cuts
        )

    def slow(self) -> tuple[tuple[float, float, float], ...]:
        """The stretches of the frames read that came too few a second (``slow_stretches``) by
        their own times, where the video's frames come at a varying rate (``TimeBase.shown``);
        none otherwise: a steady video's frames too few a second are repeats, told as such
        (``repeats_notice``; a real clip's distant runner, changing little, had its frames
        taken for repeats and a stretch of 13 frames a second named)."""
        if self.timebase.shown is None:
            return ()
        return slow_stretches(np.array([self.timebase.seconds(i) for i in self.indices]))

    def camera(self) -> CameraMotion:
        """What the new frames read tell of the camera: fixed, or moving (``camera_motion``).
        A repeat shifts nothing, and the new frame after it by what the camera moved since the
        last new one: of every frame, a clip filmed at 24 fps and stored at 60 read as a camera
        standing still (a review's)."""
        new = self.new()
        shifts = np.array(self.shifts).reshape(-1, BANDS)[new.kept]
        return camera_motion(shifts, new.fps)

    def new(self) -> NewFrames:
        """The new frames among those read so far (``new_frames``)."""
        return new_frames(self.indices, self.changes, self.timebase, self.drifts)

    def check(self) -> NewFrames:
        """The new frames so far; UsageError when too few come a second
        (``check_new_frames``)."""
        new = self.new()
        check_new_frames(self.video, new, self.timebase)
        return new


def check_new_frames(video: Path, new: NewFrames, timebase: TimeBase) -> None:
    """UsageError when a video read on ``timebase``, within the engine's rates, repeats so many
    frames that too few new ones come a second."""
    if new.repeats and new.fps < LEAST_FPS <= timebase.fps:
        raise UsageError(
            f"{video} repeats its frames: {new.repeats} of the {new.read} frames read show the "
            f"frame before again, so it holds {new.fps:.0f} new frames a second where the "
            f"analysis needs {ENGINE_FPS[0]:g} or more. It was made from a slower video, or "
            "filmed by a camera short of light: give the original clip, or film at 30 fps or "
            f"more in good light{_steady_part(new)}{_slowed_export(new, timebase)}"
        )


#: each new frame shown this many times or more, on average, is a slow-motion export's: a
#: camera short of light gives half its rate (a user trial's 4x export, each frame written four
#: times, was refused with no word of slow motion, and measured right with --slowmo 4)
SLOWED_REPEATS = 3


def _slowed_export(new: NewFrames, timebase: TimeBase) -> str:
    """What a refusal adds where its frames are each shown ``SLOWED_REPEATS`` times or more and
    nothing stated the time base: the --slowmo that gives new frames enough a second, if it is
    slow motion (``edge.gait.fit.timebase_problem`` holds the steps it gives to running's and
    walking's cadence, so a wrong one is told)."""
    shown = round(timebase.fps / new.fps) if new.fps > 0 else 0
    if timebase.origin is not None or shown < SLOWED_REPEATS or new.fps * shown < LEAST_FPS:
        return ""
    return (
        f". If it is slow motion, each frame shown {shown} times, give --slowmo {shown}, or "
        "more if it was filmed at more frames a second than it plays at: the rate it was "
        "filmed at over the rate it plays at"
    )


def _steady_part(new: NewFrames) -> str:
    """What a refusal adds of the part of the video with new frames enough
    (``NewFrames.steady``), as the flags that give it: nothing when there is none, nor when it
    is about all the frames read (a user trial's refusal had ended "... or more:  measures that
    part", no flag given)."""
    if new.steady is None:
        return ""
    first, last = new.steady
    # The flags the part needs beside those the video was read with: a bound of the frames
    # read is kept.
    flags = [
        f"--{flag} {at:.1f}"
        for flag, at, read in (("start", first, new.span[0]), ("end", last, new.span[1]))
        if abs(at - read) > 0.05
    ]
    if not flags:
        return ""
    return (
        f". From {first:.1f} to {last:.1f} s its new frames come {ENGINE_FPS[0]:g} a second or "
        f"more: {' '.join(flags)} measures that part"
    )


def repeats_notice(repeats: int, frames: int, distinct_fps: float) -> str | None:
    """What to say when ``REPEATS_NOTED`` of the ``frames`` or more repeated the frame before
    and were left out, the new ones coming ``distinct_fps`` a second; None otherwise. Each new
    frame is timed as ``distinct_times`` places it, not at that rate (a user trial's steady
    file, its pictures repeated over 3 s only, was told 53 a second "timed at that rate")."""
    if repeats < REPEATS_NOTED * frames or not math.isfinite(distinct_fps):
        return None
    return (
        f"{repeats} of the {frames} frames repeat the frame before (a video made from a slower "
        "one, or a camera short of light): they were left out, and the new frames, "
        f"{distinct_fps:.0f} a second on average, each timed when it was filmed; film at the "
        "camera's own rate for the finest timing"
    )


def held_notice(held: tuple[tuple[float, float], ...]) -> str | None:
    """What to say of pictures held still (``NewFrames.held``), or None: a real clip's second
    held still went by untold, its steps missing for 1.5 s. A still scene is one too (a squat
    held, a walker waiting to set off: user trials had them told as a paused camera)."""
    if not held:
        return None
    where = ", ".join(f"{at:.2f} s" for at, _ in held)
    seconds = sum(length for _, length in held)
    times = "once" if len(held) == 1 else f"{len(held)} times"
    return (
        f"the picture was held still {times}, {seconds:.1f} s in all, from {where} (a paused "
        "camera, a title, or nothing in it moving): no new picture came then, and no step is "
        f"timed across {'it' if len(held) == 1 else 'them'}"
    )


#: the shortest stretch of too few frames a second that is told (``slow_stretches``), s: some
#: three steps
SLOW_NAMED_S = 1.0
#: seconds of frames over which ``slow_stretches`` counts them: a stretch is named from about
#: half of it after it begins (over 2 s, a stretch of 2 s at 20 frames a second went untold)
SLOW_WINDOW_S = 1.0


def slow_stretches(times: np.ndarray) -> tuple[tuple[float, float, float], ...]:
    """The stretches of frames at ``times`` (s, increasing) over which they come fewer than
    ``LEAST_FPS`` a second, ``SLOW_NAMED_S`` long or longer, as (first, last frame's time,
    frames a second): each interval's rate counted over the ``SLOW_WINDOW_S`` about it, a
    frame to spare as ``edge.frame_rate.timed_roughly`` counts it, pictures held still
    left out (``moving_rate``). A phone whose light failed for 3 s of a clip filmed 20 frames
    a second there, and its 5 steps were missed, or blamed on the picture."""
    gaps = np.diff(times)
    if not len(gaps):
        return ()
    moving = gaps <= HELD_S
    mids = times[:-1] + gaps / 2
    lo = np.searchsorted(mids, mids - SLOW_WINDOW_S / 2)
    hi = np.searchsorted(mids, mids + SLOW_WINDOW_S / 2, side="right")
    count = np.r_[0, np.cumsum(moving)]
    span = np.r_[0.0, np.cumsum(np.where(moving, gaps, 0.0))]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = (count[hi] - count[lo] + 1) / (span[hi] - span[lo])
    slow = moving & (rate < LEAST_FPS)
    # Counted over a second, a stretch is found half a second short at either end (a stretch of
    # 1.5 s at 20 frames a second went untold): it reaches on over the intervals too long alone.
    for k in range(1, len(slow)):
        slow[k] |= slow[k - 1] and moving[k] and gaps[k] * LEAST_FPS > 1
    for k in range(len(slow) - 2, -1, -1):
        slow[k] |= slow[k + 1] and moving[k] and gaps[k] * LEAST_FPS > 1
    out = []
    for start, stop in _runs(slow):
        first, last = float(times[start]), float(times[stop])
        if last - first >= SLOW_NAMED_S:
            out.append((first, last, moving_rate(times[start : stop + 1])))
    return tuple(out)


def untimed_stretches(times: np.ndarray) -> tuple[tuple[float, float], ...]:
    """Where no step can be timed from frames at ``times`` (s, increasing), first and last
    time, in time order: the stretches of too few a second (``slow_stretches``) and the pauses
    over ``HELD_S`` (a picture held still, its frames left out; a camera's stall). One rule for
    analyze's frames and replay's rows, whose phases say "steps not timed" there, not that the
    runner stood (a review's clip repeating its pictures for 4 s, a user trial's 2.5 s freeze)."""
    slow = [(a, b) for a, b, _ in slow_stretches(times)]
    gaps = np.flatnonzero(np.diff(times) > HELD_S)
    return tuple(sorted([*slow, *((float(times[k]), float(times[k + 1])) for k in gaps)]))


def too_few_frames(
    held: tuple[tuple[float, float], ...], slow: tuple[tuple[float, float, float], ...]
) -> str | None:
    """What came too few a second for part of a video, as the note on its missed steps names it
    (``edge.offline.replay.missed_steps``): new frames, where a picture was held still (a stall
    of its camera, too: ``held_notice``) or its frames came too few a second (``slow_notice``);
    else None. One rule for analyze and a file's run."""
    return "new frames" if held or slow else None


def slow_notice(slow: tuple[tuple[float, float, float], ...], what: str = "frames") -> str | None:
    """What to say of the stretches of too few frames a second (``slow_stretches``; ``what``
    came so: a track's rows), or None."""
    if not slow:
        return None
    where = ", ".join(f"from {a:.1f} to {b:.1f} s {rate:.0f} a second" for a, b, rate in slow)
    return (
        f"the {what} came fewer than the {ENGINE_FPS[0]:g} a second the gait engine needs "
        f"({where}): no step there is timed; film at 30 fps or more, in "
        "good light"
    )


def _held_frames(fps: float) -> int:
    """Frames a picture is shown at most at the lowest rate that is no picture held still."""
    return math.ceil(HELD_S * fps)
