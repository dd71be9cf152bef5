"""Video file source: lossless, paced at the file's real frame rate or as fast as possible."""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from edge.capture.base import CaptureSettings, Frame, FrameSource, LiveSource, SourceInfo
from edge.capture.deep import DeepColour, open_deep
from edge.capture.moving import moving_camera_notice
from edge.capture.mp4meta import capture_fps
from edge.capture.repeats import (
    FrameScan,
    held_notice,
    held_ticks,
    repeats_notice,
    slow_notice,
    too_few_frames,
)
from edge.capture.steady import shown_times, slow_motion, stated_capture, usual_rate
from edge.capture.timebase import (
    FileTiming,
    TimeBase,
    frame_window,
    require_engine_rate,
    resolve_timebase,
)
from edge.errors import UsageError
from edge.progress import Progress


class VideoFileSource(FrameSource):
    """Every frame of a video file (or of the part ``settings.timing`` picks), in order; frame
    ``i`` of the file is stamped ``i / capture rate`` after frame 0 (``edge.capture.timebase``:
    real time, also for slow motion). Of a clip filmed faster than the engine needs, every
    ``timebase.every``-th frame from the first (the others are skipped undecoded).

    With ``paced`` the source waits until each frame is due, as a camera would deliver it.
    With ``loop`` it starts over at the end, the index and the clock running on. With
    ``settings.drop_late`` (paced) a frame whose next is already due is skipped, as a camera
    drops the frames a station is too slow for (counted in ``dropped``), so it keeps up with the
    clock instead of falling ever further behind; the source is then ``live``. Looped so (the
    demo), the frames due before the first read go by unseen and uncounted, as a running
    camera's do before a station reads it; a file played once starts at its first read.
    Unlike ``FileCamera``, whose thread decodes every frame as a camera's driver would (for
    ``hipdrive bench``), the frames keep their place in the file: index and time.
    """

    timebase: TimeBase

    def __init__(self, path: Path, settings: CaptureSettings, loop: bool = False) -> None:
        if path.is_dir():
            raise UsageError(f"{path} is a folder, not a video file: give one video in it")
        if not path.is_file():
            raise UsageError(f"video file {path} does not exist; check the path")
        if path.stat().st_size == 0:
            raise UsageError(
                f"video file {path} is empty (0 bytes): its recording or copy did not finish; "
                "record or copy the video again"
            )
        capture = cv2.VideoCapture(str(path))
        opened = capture.isOpened()
        self._cap: cv2.VideoCapture | DeepColour = (opened and open_deep(path, capture)) or capture
        ok, first = self._cap.read() if opened else (False, None)
        if not ok or first is None:
            self._cap.release()
            raise UsageError(
                f"cannot decode video {path}: the file is corrupt or in a format the station "
                "cannot decode; convert it with: ffmpeg -i INPUT -c:v libx264 OUTPUT.mp4"
            )
        try:
            self._open_window(path, first, settings.timing or FileTiming())
        except BaseException:
            self._cap.release()
            raise
        height, width = first.shape[:2]
        count = self._count
        used = (
            None
            if count is None
            else math.ceil(((self._stop or count) - self._start) / self.timebase.every)
        )
        self.info = SourceInfo(
            name=f"file:{path}",
            width=width,
            height=height,
            fps=self.timebase.fps,
            live=settings.drop_late and settings.paced,
            frame_count=used,
            origin=self.timebase.origin,
            seconds=None if count is None else self.timebase.span(self._start, self._stop or count),
        )
        self._paced = settings.paced
        self._loop = loop
        self._drop_late = settings.drop_late and settings.paced
        self._dropped = 0
        self._read_any = False
        self._index = self._start
        self.t0_ns: int = time.monotonic_ns() - round(self.timebase.seconds(self._start) * 1e9)
        """Station time of frame 0: frame i is due at t0_ns + i / capture rate. It is set again
        at the first read: a station that took 13 s to start (a cold cache) had stamped a file's
        steps before the session they were recorded in, and one dropping late frames had lost
        the file's first seconds. Looped as a camera (the demo), the frames due before the
        first read go by unseen."""

    def _open_window(self, path: Path, first: np.ndarray, timing: FileTiming) -> None:
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self._count = count if count > 0 else None
        stated = capture_fps(path)
        # Slow motion of a rate stated or given: a dropped frame's share sets its factor.
        slowed = timing.capture_fps is not None or slow_motion(stated, fps)
        shown = None if timing.fps is not None else shown_times(path, fps, slowed)
        if shown is not None:
            # OpenCV reads some containers' rate (an MPEG-TS stream's) as their clock's, and
            # counts their frames from it (a review: the progress line and the --end check).
            fps = usual_rate(shown)
            self._count = len(shown)
        timebase = resolve_timebase(
            str(path),
            fps if fps and fps > 0 and math.isfinite(fps) else None,
            stated_capture(stated, shown),
            timing,
        )
        self.timebase = dataclasses.replace(timebase, shown=shown)
        """Playback and capture rates of the file, and its frames' own times where they come
        at a varying rate (``edge.capture.steady``)."""
        self._start, self._stop = frame_window(str(path), self.timebase, self._count, timing)
        self._pending: np.ndarray | None = first
        if self._start > 0:
            self._pending = self._seek_start()
            if self._pending is None:
                raise UsageError(
                    f"--start {timing.start_s:g} s is past the end of {path}: give a start "
                    "within the video"
                )
        self._next = self._start
        """File position of the next frame handed out."""

    def _seek_start(self) -> np.ndarray | None:
        """The image of the window's first frame, read on from frame 1 (decoding every frame
        before it: exact where seeking by position may land on a key frame)."""
        for _ in range(1, self._start):
            if not self._cap.grab():
                return None
        ok, image = self._cap.read()
        return image if ok else None

    def _take(self) -> np.ndarray | None:
        image: np.ndarray | None
        if self._pending is not None:
            image, self._pending = self._pending, None
        elif self._stop is None or self._next < self._stop:
            ok, image = self._cap.read()
            if not ok:
                image = None
        else:
            image = None
        if image is None and self._loop:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, image = self._cap.read()
            if ok and self._start > 0:
                image = self._seek_start()
            self._next = self._start
            if not ok:
                image = None
        if image is not None:
            self._next += 1
            self._skip()
        return image

    def _skip(self) -> None:
        """Step over the frames between two used ones (``timebase.every``), undecoded."""
        for _ in range(self.timebase.every - 1):
            if (self._stop is not None and self._next >= self._stop) or not self._cap.grab():
                return
            self._next += 1

    def read(self) -> Frame | None:
        if not self._read_any and not (self._drop_late and self._loop):
            self.t0_ns = time.monotonic_ns() - round(self.timebase.seconds(self._index) * 1e9)
        image = self._take()
        if self._drop_late and image is not None:
            now = time.monotonic_ns()
            while self._due_ns(self._index + self.timebase.every) <= now:
                later = self._take()
                if later is None:
                    break
                image = later
                self._index += self.timebase.every
                self._dropped += self._read_any
        if image is None:
            return None
        self._read_any = True
        t_ns = self._due_ns(self._index)
        if self._paced:
            delay_ns = t_ns - time.monotonic_ns()
            if delay_ns > 0:
                time.sleep(delay_ns / 1e9)
        frame = Frame(image=image, index=self._index, t_ns=t_ns)
        self._index += self.timebase.every
        return frame

    def _due_ns(self, index: int) -> int:
        """Station time at which frame ``index`` of the file is due."""
        return self.t0_ns + round(self.timebase.seconds(index) * 1e9)

    @property
    def dropped(self) -> int:
        return self._dropped

    def close(self) -> None:
        self._cap.release()


class NewFramesOnly(FrameSource):
    """The new frames of a video file (of the part ``settings.timing`` picks), each stamped at
    its real time, as ``hipdrive analyze`` takes them (``edge.capture.repeats``): frames that
    repeat the one before and pictures held still are left out, and a video converted up from a
    lower rate is timed along the line of its new frames' first showings. A picture held still
    is handed out again every ``HELD_TICK_S`` (``Frame.held``, at the time it is shown), so that
    what the run shows ages by the file's clock while no new picture comes. The file is read
    through once first to tell them apart, with a progress line; UsageError when it holds too
    few new frames a second for the engine, as soon as that shows. ``info`` gives the new
    frames' count and rate; it is not ``live`` when it drops the frames it is late for
    (``CaptureSettings.drop_late``): its time base is still the file's to check.
    """

    timebase: TimeBase

    def __init__(self, path: Path, settings: CaptureSettings) -> None:
        unpaced = dataclasses.replace(settings, paced=False, new_frames_only=False)
        with VideoFileSource(path, unpaced) as reading:
            require_engine_rate(str(path), reading.timebase)
            scan = FrameScan(path, reading.timebase)
            progress = Progress(
                f"reading {path.name} for repeated frames", reading.info.frame_count
            )
            try:
                while (frame := reading.read()) is not None:
                    progress.update()
                    scan.add(frame.index, frame.image)
                new = scan.check()
            except UsageError:
                progress.close(finished=False)
                raise
            progress.close()
        slow = scan.slow()
        self.notes = tuple(
            notice
            for notice in (
                repeats_notice(new.repeats, new.read, new.fps),
                held_notice(new.held),
                slow_notice(slow),
            )
            if notice is not None
        )
        self.too_few = too_few_frames(new.held, slow)
        self.camera_problem = moving_camera_notice(scan.camera())
        if self.camera_problem is not None:
            self.notes += (self.camera_problem,)
        self.cuts = scan.picture_cuts()
        self._times = {scan.indices[k]: float(t) for k, t in zip(new.kept, new.times, strict=True)}
        self._ticks = {scan.indices[k] for k in held_ticks(new.still, scan.timebase.fps)}
        self._halt = threading.Event()
        self._file = VideoFileSource(path, dataclasses.replace(settings, new_frames_only=False))
        fps = new.fps if math.isfinite(new.fps) else self._file.info.fps
        self.timebase = self._file.timebase
        self.info = dataclasses.replace(
            self._file.info, frame_count=len(self._times), fps=fps, live=False
        )

    @property
    def dropped(self) -> int:
        return self._file.dropped

    def read(self) -> Frame | None:
        while not self._halt.is_set() and (frame := self._file.read()) is not None:
            t = self._times.get(frame.index)
            if t is not None:
                self.t0_ns = self._file.t0_ns
                return Frame(frame.image, frame.index, self.t0_ns + round(t * 1e9))
            if frame.index in self._ticks:
                return Frame(frame.image, frame.index, frame.t_ns, held=True)
        return None

    def interrupt(self) -> None:
        # Paced, the frames left out are waited for too: a held title can last seconds.
        self._halt.set()

    def close(self) -> None:
        self._file.close()


class FileCamera(LiveSource):
    """A video file played like a camera: frames come at the file's fps, looping, on their own
    thread, whether or not anyone takes them, and are stamped when they are due. Benchmarks
    measure capture-to-publication latency and dropped frames with it as with a real camera.
    """

    def __init__(self, path: Path) -> None:
        self._file = VideoFileSource(path, CaptureSettings(paced=True), loop=True)
        info = self._file.info
        super().__init__(
            SourceInfo(f"camera-like {info.name}", info.width, info.height, info.fps, live=True)
        )
        self.start()

    def _grab(self) -> np.ndarray | None:
        frame = self._file.read()
        return None if frame is None else frame.image

    def _release(self) -> None:
        self._file.close()
