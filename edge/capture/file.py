"""Video file source: lossless, paced at the file's fps or as fast as possible."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from edge.capture.base import CaptureSettings, Frame, FrameSource, LiveSource, SourceInfo
from edge.errors import UsageError


class VideoFileSource(FrameSource):
    """Every frame of a video file, in order; timestamps derive from index and fps.

    With ``paced`` the source waits until each frame is due, as a camera would deliver it.
    With ``loop`` it starts over at the end, the index and the clock running on.
    """

    def __init__(self, path: Path, settings: CaptureSettings, loop: bool = False) -> None:
        if path.is_dir():
            raise UsageError(f"{path} is a folder, not a video file: give one video in it")
        if not path.is_file():
            raise UsageError(f"video file {path} does not exist; check the path")
        self._cap = cv2.VideoCapture(str(path))
        ok, first = self._cap.read() if self._cap.isOpened() else (False, None)
        if not ok or first is None:
            self._cap.release()
            raise UsageError(
                f"cannot decode video {path}: the file is corrupt or in a format OpenCV cannot "
                "read; convert it with: ffmpeg -i INPUT -c:v libx264 OUTPUT.mp4"
            )
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        if not fps or fps != fps or fps <= 0:
            fps = settings.fps
        count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT))
        height, width = first.shape[:2]
        self.info = SourceInfo(
            name=f"file:{path}",
            width=width,
            height=height,
            fps=float(fps),
            live=False,
            frame_count=count if count > 0 else None,
        )
        self._pending: np.ndarray | None = first
        self._paced = settings.paced
        self._loop = loop
        self._index = 0
        self.t0_ns = time.monotonic_ns()
        """Station time of frame 0: frame i is due at t0_ns + i / fps."""

    def read(self) -> Frame | None:
        if self._pending is not None:
            image, self._pending = self._pending, None
        else:
            ok, image = self._cap.read()
            if not ok and self._loop and self._index > 0:
                self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, image = self._cap.read()
            if not ok:
                return None
        t_ns = self.t0_ns + round(self._index * 1e9 / self.info.fps)
        if self._paced:
            delay_ns = t_ns - time.monotonic_ns()
            if delay_ns > 0:
                time.sleep(delay_ns / 1e9)
        frame = Frame(image=image, index=self._index, t_ns=t_ns)
        self._index += 1
        return frame

    def close(self) -> None:
        self._cap.release()


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
