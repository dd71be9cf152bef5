"""Videos whose frames come at a varying rate: each frame timed by its own time.

A file source times frame i of a video at i / its frame rate (``edge.capture.timebase``). A phone
films fewer frames a second in dim light and stores each frame's own time beside it (a variable
frame rate), and a camera that stalls leaves gaps: there, frame i is not at i / the rate. A real 60
fps gym clip (IMG_5396, kept locally: tests/data/footage/README.md) rewritten as a phone in dim
light would store it, 30 frames a second for 2 s and then 24, was read at its average 26 frames a
second: its cadence 178 steps a minute where the clip itself gives 167, its contacts 217 ms where
246, every verdict sure (7 December 2026). Such a video's frames are timed by their own times
(``shown_times``, ``TimeBase.shown``).
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np

from edge.capture.timebase import SAME_RATE

log = logging.getLogger(__name__)

#: frames a video's own times may lie off frame i / its rate before they time its frames: a
#: frame rate that varies drifts further and further, where a steady clip's times lie within a
#: frame's rounding (of 65 real clips at hand, 52 within a hundredth of a frame and 12 within
#: one; the last, a screen recording at 60 fps with four stalls, 2.6 frames)
STEADY_SLACK = 1.5


def frame_times(path: Path) -> np.ndarray | None:
    """The times, s from the first, at which the first video stream of ``path`` shows its
    frames, in order (its packets' presentation times, read without decoding; those an edit
    list leaves out are not shown, nor those before the first key frame, which no decoder can
    show: a review's recording cut mid-way had 20 of them); None when PyAV cannot read them or
    there are fewer than two."""
    try:
        with av.open(str(path)) as box:
            if not box.streams.video:
                return None
            stream = box.streams.video[0]
            if stream.time_base is None:
                return None
            pts: list[int] = []
            keyed = False
            for packet in box.demux(stream):
                keyed = keyed or packet.is_keyframe
                if keyed and packet.pts is not None and not packet.is_discard:
                    pts.append(packet.pts)
            unit = float(stream.time_base)
    except (av.FFmpegError, OSError, ValueError):
        return None
    if len(pts) < 2:
        return None
    times = np.sort(np.asarray(pts, dtype=np.float64)) * unit
    return times - times[0]


def varying(times: np.ndarray, fps: float, slowed: bool = False) -> bool:
    """Whether a video whose frames show at ``times`` (``frame_times``) and whose rate reads
    ``fps`` comes at a varying rate, the times increasing: a frame lies more than
    ``STEADY_SLACK`` frames off its place at ``fps``, or, where it is slow motion of a capture
    rate stated or given (``slowed``), they come, none dropped, at another rate (``usual_rate``):
    a slow-motion clip that drops one frame in ten keeps its frames within a frame of their
    places at its average rate, and its factor is the capture rate over the rate none dropped.
    Not otherwise: a real clip with one frame in five dropped, timed by its frames' own times,
    had 10 of its 29 steps given no gait and its contacts read 247 ms, where at its average rate
    32 steps, all told, and 251 ms, and at its 30 fps 259 ms (the engine takes frames at a steady
    rate best)."""
    if not (fps > 0 and math.isfinite(fps)) or np.any(np.diff(times) <= 0):
        return False
    drift = np.abs(times - np.arange(len(times)) / fps)
    if float(np.max(drift)) * fps > STEADY_SLACK:
        return True
    return slowed and abs(usual_rate(times) / fps - 1) > SAME_RATE


#: a capture rate a video of a varying rate states is slow motion from this many times its usual
#: rate (its frames' median interval): below, the camera's own rate, which Android phones state
#: in every clip (``com.android.capture.fps`` 30), where the average of a clip filmed at 30 and
#: then 24 frames a second read it as slow motion x1.16, every step 16% short
SLOWMO_FROM = 1.75


#: the share of a video's frame intervals shorter than the one ``usual_rate`` builds on
USUAL_QUANTILE = 0.1
#: how much longer than that interval the intervals are that ``usual_rate`` averages: those of a
#: frame dropped (twice as long) or of a camera slowed from 30 frames a second to 20 are left
#: out, the two a clock of whole milliseconds rounds a rate to (3 and 4 ms at 300 a second) kept
USUAL_SPREAD = 1.4


def usual_rate(shown: Sequence[float] | np.ndarray) -> float:
    """The rate, frames a second, at which frames shown at ``shown`` (``shown_times``) come
    when none is dropped: over their intervals up to ``USUAL_SPREAD`` times the one
    ``USUAL_QUANTILE`` of them are shorter than, to a thousandth. It stands for the video, not
    their average: a slow-motion clip stored at 30 frames a second with a tenth of them dropped
    was slowed x8.83 from its average where it was filmed at 240 (x8). Nor their median: a
    review's clip at x2, every other frame dropped in its dim part, read x4 from it, and a
    Matroska clip at 240 frames a second, its times whole milliseconds (4 and 5 ms apart), read
    250 (7 December 2026)."""
    gaps = np.diff(np.asarray(shown, dtype=np.float64))
    base = float(np.quantile(gaps, USUAL_QUANTILE))
    return round(1.0 / float(np.mean(gaps[gaps <= USUAL_SPREAD * base])), 3)


def slow_motion(stated: tuple[float, str] | None, rate: float) -> bool:
    """Whether a capture rate a video states (``edge.capture.mp4meta.capture_fps``) is slow
    motion of frames that play ``rate`` a second: ``SLOWMO_FROM`` times it or more."""
    return stated is not None and stated[0] >= SLOWMO_FROM * rate


def stated_capture(
    stated: tuple[float, str] | None, shown: tuple[float, ...] | None
) -> tuple[float, str] | None:
    """The capture rate a video states, or None where its frames come at a varying rate
    (``shown``, ``shown_times``) and it is no slow motion of their usual rate (``slow_motion``,
    ``usual_rate``): the camera's own rate."""
    if stated is None or shown is None:
        return stated
    return stated if slow_motion(stated, usual_rate(shown)) else None


def shown_times(path: Path, fps: float, slowed: bool = False) -> tuple[float, ...] | None:
    """The times each frame of the video at ``path`` shows at, s from its first, when its
    frames come at a varying rate (``varying``, ``slowed`` as there) against ``fps``, its rate
    as read; else None. Told in the log once per file as it is: a video is opened up to four
    times."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _shown_times(str(path), stat.st_size, stat.st_mtime_ns, fps, slowed)


@functools.lru_cache(maxsize=16)
def _shown_times(
    path: str, size: int, mtime_ns: int, fps: float, slowed: bool
) -> tuple[float, ...] | None:
    """``shown_times`` of the file at ``path`` of ``size`` bytes, last changed ``mtime_ns``."""
    times = frame_times(Path(path))
    if times is None or not varying(times, fps, slowed):
        return None
    log.info(
        "%s: its frames come at a varying rate (%.3g a second on average): each is timed by "
        "its own time",
        Path(path).name,
        (len(times) - 1) / times[-1],
    )
    return tuple(times.tolist())
