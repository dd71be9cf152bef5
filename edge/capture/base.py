"""The frame-source port: what every capture backend hands to the station."""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeAlias

import numpy as np

from edge.closing import Closing
from edge.errors import MissingResourceError

if TYPE_CHECKING:
    from edge.capture.repeats import PictureCut
    from edge.capture.timebase import FileTiming, TimeBase

log = logging.getLogger(__name__)

#: what a source is doing: delivering, short of good frames a while, or reopening its device
SourceState: TypeAlias = Literal["running", "lost", "reconnecting"]


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured frame.

    image: (H, W, 3) uint8, BGR. index: 0-based position in the source's stream.
    t_ns: time.monotonic_ns() at capture (a file derives it from its index and fps).
    held: the picture of a new frame before it, held still (``NewFramesOnly``): nothing new to
    look at, only the time it is shown at.
    """

    image: np.ndarray
    index: int
    t_ns: int
    held: bool = False


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What a source actually delivers (a camera may not honour what was asked).

    fps: frames per second of real time (a slow-motion file: the rate it was filmed at).
    ``frame_count``: frames the source will deliver (a file's part in use), None when unknown.
    ``origin``: what stated a file's real rate (a flag, the file's metadata: ``TimeBase``);
    None for a camera, or a file timed at its playback rate. ``seconds``: the real time a file's
    part in use spans, None when unknown (a video whose frames come at a varying rate spans
    more than its frames at its usual rate, when it stalls, or fewer).
    """

    name: str
    width: int
    height: int
    fps: float
    live: bool
    frame_count: int | None = None
    origin: str | None = None
    seconds: float | None = None


@dataclass(frozen=True, slots=True)
class CaptureSettings:
    """What the station asks of a source; cameras report what they really do in SourceInfo.
    ``timing``: a file's time base and part to use (cameras have none). ``new_frames_only``: a
    file hands out only its new frames, at their real times (``edge.capture.file.NewFramesOnly``),
    as ``hipdrive analyze`` takes them; cameras have no repeats to leave out. ``drop_late``: a
    file played ``paced`` skips the frames the station is too late for, as a camera drops them
    (``edge.capture.file.VideoFileSource``): a file played to a console, which shows the runner
    now."""

    width: int = 1920
    height: int = 1080
    fps: float = 60.0
    mjpg: bool = True
    paced: bool = False
    timing: FileTiming | None = None
    new_frames_only: bool = False
    drop_late: bool = False


class FrameSource(ABC, Closing):
    """A stream of frames. ``read`` returns None at the end of a finite stream."""

    info: SourceInfo
    notes: tuple[str, ...] = ()
    """What a file's frames are that are left out of it (repeats of the frame before, pictures
    held still: ``edge.capture.repeats``), as analyze says it; none for a camera."""
    too_few: str | None = None
    """What came too few a second for part of a file, as the note on its missed steps names it
    (``edge.capture.repeats.too_few_frames``, told in ``notes``); None for a camera."""
    camera_problem: str | None = None
    """Why no finding rests on a file's steps when its camera moved while it filmed
    (``edge.capture.moving.moving_camera_notice``), as read through before it plays; None for
    a fixed one, and for a camera (the station's own, on its stand)."""
    cuts: tuple[PictureCut, ...] = ()
    """Where a file's picture may cut from one shot to another (``FrameScan.picture_cuts``), as
    read through before it plays; none for a camera."""
    t0_ns: int | None = None
    """Station time, ns, of a file's frame 0 once a frame is read: a frame's time less it is
    its real seconds into the file, as analyze's track and ``--start`` count them; None for a
    camera."""
    timebase: TimeBase | None = None
    """A file's playback and capture rates (``edge.capture.timebase``), which its steps are held
    to as analyze holds a video's; None for a camera."""

    @abstractmethod
    def read(self) -> Frame | None:
        """The next frame (a live source: the latest one), or None when the stream has ended."""

    @abstractmethod
    def close(self) -> None:
        """Release the device or file; safe to call twice."""

    @property
    def dropped(self) -> int:
        """Frames captured but never handed out because a newer one replaced them."""
        return 0

    @property
    def state(self) -> SourceState:
        """What the source is doing; only a source that recovers its device leaves "running"."""
        return "running"

    def interrupt(self) -> None:
        """Make a ``read`` that waits for a device return None soon (the run is ending); a
        source whose reads always finish by themselves has nothing to do."""


class LiveSource(FrameSource):
    """A device grabbed on its own thread into a one-slot hand-off, so capture never blocks.

    When the consumer is slower than the camera, the older frame is replaced and counted as
    dropped. Subclasses implement ``_grab`` (one image or None on a failed read) and
    ``_release``.
    """

    #: consecutive failed reads after which the device counts as lost
    max_failures = 30

    def __init__(self, info: SourceInfo) -> None:
        self.info = info
        self._slot: Frame | None = None
        self._cond = threading.Condition()
        self._index = 0
        self._dropped = 0
        self._error: str | None = None
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"grab-{info.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @abstractmethod
    def _grab(self) -> np.ndarray | None: ...

    @abstractmethod
    def _release(self) -> None: ...

    def _run(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                image = self._grab()
            except Exception as exc:  # a driver's way of saying the device has gone
                with self._cond:
                    self._error = f"{self.info.name} failed: {exc}"
                    self._cond.notify_all()
                return
            t_ns = time.monotonic_ns()
            if image is None:
                failures += 1
                if failures >= self.max_failures:
                    with self._cond:
                        self._error = f"{self.info.name} stopped delivering frames"
                        self._cond.notify_all()
                    return
                time.sleep(0.01)
                continue
            failures = 0
            with self._cond:
                if self._slot is not None:
                    self._dropped += 1
                self._slot = Frame(image=image, index=self._index, t_ns=t_ns)
                self._index += 1
                self._cond.notify_all()

    def read(self, timeout_s: float = 2.0) -> Frame | None:
        frame = self.poll(timeout_s)
        if frame is None:
            raise MissingResourceError(
                f"{self.info.name} delivered no frame for {timeout_s:.1f} s; "
                "check the cable and that no other program uses the camera"
            )
        return frame

    def poll(self, timeout_s: float) -> Frame | None:
        """The latest frame, or None when none came within ``timeout_s``; raises
        MissingResourceError once the device has stopped delivering."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._slot is not None or self._error is not None, timeout=timeout_s
            )
            if self._slot is not None:
                frame, self._slot = self._slot, None
                return frame
            if self._error is not None:
                raise MissingResourceError(f"{self._error}; check the cable and the power")
            return None

    @property
    def dropped(self) -> int:
        return self._dropped

    def close(self) -> None:
        self._stopping = True
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        self._release()
