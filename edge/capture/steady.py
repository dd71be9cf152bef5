"""Videos whose frames come at a varying rate, laid on a steady clock.

A file source times frame i of a video at i / its frame rate (``edge.capture.timebase``). A phone
films fewer frames a second in dim light and stores each frame's own time beside it (a variable
frame rate), and a camera that stalls leaves gaps: there, frame i is not at i / the rate. A
real 60 fps gym clip (tests/data/footage/IMG_5396.mp4) rewritten as a phone in dim light would
store it, 30 frames a second for 2 s and then 24, was read at its average 26 frames a second:
its cadence 178 steps a minute where the clip itself gives 167, its contacts 217 ms where 246,
every verdict sure (7 December 2026).

``SteadyClock`` stands in for the reader of such a video: it hands out the frame on show at each
tick of a steady clock at the video's quickest rate, so frame i is at i / that rate, and a frame
on show over two ticks comes twice. The second is a repeat, which the analysis leaves out and
times the new frames by (``edge.capture.repeats``), as for a video converted up from a lower
rate.
"""

from __future__ import annotations

import functools
import logging
import math
from pathlib import Path
from typing import Protocol

import av
import cv2
import numpy as np

log = logging.getLogger(__name__)

#: frames a video's own times may lie off frame i / its rate before it is laid on a steady
#: clock: a frame rate that varies drifts further and further, where a steady clip's times lie
#: within a frame's rounding (a real 60 fps treadmill clip with four stalls: 2.6)
STEADY_SLACK = 1.5
#: the share of a video's frame intervals at its quickest rate, at least, that sets the clock:
#: a tenth (a phone at 30 frames a second for 2 s of 7, then at 24, is laid on 30)
QUICKEST_SHARE = 0.1


class Reader(Protocol):
    """What a file source reads a video with (``cv2.VideoCapture``, ``DeepColour``)."""

    def read(self) -> tuple[bool, np.ndarray | None]: ...

    def grab(self) -> bool: ...

    def get(self, prop: int) -> float: ...

    def set(self, prop: int, value: float) -> bool: ...

    def release(self) -> None: ...


def frame_times(path: Path) -> np.ndarray | None:
    """The times, s from the first, at which the first video stream of ``path`` shows its
    frames, in order (its packets' presentation times, read without decoding); None when PyAV
    cannot read them or there are fewer than two."""
    try:
        with av.open(str(path)) as box:
            if not box.streams.video:
                return None
            stream = box.streams.video[0]
            if stream.time_base is None:
                return None
            pts = [packet.pts for packet in box.demux(stream) if packet.pts is not None]
            unit = float(stream.time_base)
    except (av.FFmpegError, OSError, ValueError):
        return None
    if len(pts) < 2:
        return None
    times = np.sort(np.asarray(pts, dtype=np.float64)) * unit
    return times - times[0]


def steady_rate(times: np.ndarray, fps: float) -> float | None:
    """The rate of the steady clock a video whose frames show at ``times`` (``frame_times``)
    and whose rate reads ``fps`` is laid on, frames a second: its quickest (``QUICKEST_SHARE``);
    None when every frame lies within ``STEADY_SLACK`` frames of its place at ``fps``, or the
    times do not increase."""
    gaps = np.diff(times)
    if not (fps > 0 and math.isfinite(fps)) or np.any(gaps <= 0):
        return None
    drift = np.abs(times - np.arange(len(times)) / fps)
    if float(np.max(drift)) * fps <= STEADY_SLACK:
        return None
    return 1.0 / float(np.quantile(gaps, QUICKEST_SHARE))


class SteadyClock:
    """The frames of a video on a steady clock of ``rate`` ticks a second from its first frame:
    at each tick, the frame on show then (the last shown at or before it, to half a tick),
    read through ``reader``; each frame's time is the reader's position (``CAP_PROP_POS_MSEC``).
    ``get`` gives the clock's rate and ticks as the frame rate and count, ``set`` only goes back
    to the first frame, as a file source uses a reader."""

    def __init__(self, reader: Reader, rate: float, duration: float) -> None:
        self._reader = reader
        self._rate = rate
        self._ticks = math.floor(duration * rate + 0.5) + 1
        self._start()

    def _start(self) -> None:
        self._tick = 0
        self._shown: np.ndarray | None = None
        self._last = -math.inf
        self._coming = self._decoded()
        self._t0 = self._coming[1] if self._coming is not None else 0.0

    def _decoded(self) -> tuple[np.ndarray, float] | None:
        """The next frame and its time, s; a time that does not come after the frame before's
        (a reader that cannot tell it) is taken a tick after it."""
        ok, image = self._reader.read()
        if not ok or image is None:
            return None
        at = self._reader.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
        if not at > self._last:
            at = self._last + 1.0 / self._rate
        self._last = at
        return image, at

    def read(self) -> tuple[bool, np.ndarray | None]:
        """The frame on show at the next tick, as ``cv2.VideoCapture.read``: a frame on show at
        the tick before too comes again, as a copy, but the last frame only once."""
        due = self._t0 + (self._tick + 0.5) / self._rate
        fresh = False
        while self._coming is not None and self._coming[1] < due:
            self._shown, fresh = self._coming[0], True
            self._coming = self._decoded()
        if self._shown is None or (self._coming is None and not fresh):
            return False, None
        self._tick += 1
        return True, self._shown if fresh else self._shown.copy()

    def grab(self) -> bool:
        """Steps over the next tick; False at the end."""
        return self.read()[0]

    def get(self, prop: int) -> float:
        """The clock's rate or its ticks as the frame rate or count; else the reader's."""
        if prop == cv2.CAP_PROP_FPS:
            return self._rate
        if prop == cv2.CAP_PROP_FRAME_COUNT:
            return float(self._ticks)
        return self._reader.get(prop)

    def set(self, prop: int, value: float) -> bool:
        """Back to the first frame (position 0): the one position a file source sets."""
        if prop != cv2.CAP_PROP_POS_FRAMES or value != 0:
            return False
        if not self._reader.set(prop, value):
            return False
        self._start()
        return True

    def release(self) -> None:
        self._reader.release()


def on_steady_clock(path: Path, reader: Reader) -> Reader:
    """``reader`` of ``path``, laid on a steady clock (``SteadyClock``) when the video's frames
    come at a varying rate (``steady_rate``), else as it is."""
    try:
        stat = path.stat()
    except OSError:
        return reader
    clock = _varying(str(path), stat.st_size, stat.st_mtime_ns, reader.get(cv2.CAP_PROP_FPS))
    return reader if clock is None else SteadyClock(reader, *clock)


@functools.lru_cache(maxsize=16)
def _varying(path: str, size: int, mtime_ns: int, fps: float) -> tuple[float, float] | None:
    """The steady clock's rate and the last frame's time, s, of the video at ``path`` whose rate
    reads ``fps``, when its frames come at a varying rate (``steady_rate``), told once; else
    None. Once per file as it is (``size``, ``mtime_ns``): a video is opened up to four times."""
    times = frame_times(Path(path))
    rate = None if times is None else steady_rate(times, fps)
    if times is None or rate is None:
        return None
    log.info(
        "%s: its frames come at a varying rate (%.3g a second on average): each is timed by its "
        "own time, on a clock of %.3g a second",
        Path(path).name,
        (len(times) - 1) / times[-1],
        rate,
    )
    return rate, float(times[-1])
