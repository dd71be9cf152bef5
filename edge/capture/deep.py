"""Videos stored at more than 8 bits a colour (a phone's HDR clip), decoded by PyAV.

OpenCV's FFmpeg reader decodes them, and turns them upright, but slowly, and too bright: 50 ms a
frame of a real 1080x1920 10-bit H.264 clip (HLG, BT.2020) on a 2-core machine (7 December 2026),
against 4 ms for an 8-bit clip of the same size, and its colours 1.16-1.24 times PyAV's, 15% of the
pixels clipped to white (40% of a track clip's, its sky and lines gone); PyAV decodes the same frame
in 9 ms with its conversion to BGR, none clipped, and reads 8-bit clips exactly as OpenCV does. A
video file is read up to three times (its repeats and cuts, the pose model, the annotated video), so
a minute of such a clip took minutes longer than of any other. ``DeepColour`` stands in for the
``cv2.VideoCapture`` of ``edge.capture.file.VideoFileSource``: the same frames, turned upright as
OpenCV turns them (the stream's display matrix).
"""

from __future__ import annotations

import math
from pathlib import Path

import av
import cv2
import numpy as np

#: bits a colour component above which a video is read by PyAV
OPENCV_BITS = 8


class DeepColour:
    """The frames of a video of more than ``OPENCV_BITS`` bits a colour, in order, as BGR
    images, through the part of ``cv2.VideoCapture`` a video file source uses: ``read``,
    ``grab`` (a frame stepped over, not converted), ``get`` of its frame rate and count (OpenCV's
    readings of the file, so the time base is the same whichever decodes it), ``set`` of the
    position back to the first frame, and ``release``."""

    def __init__(self, path: Path, fps: float, frame_count: float) -> None:
        self._path = path
        self._props = {cv2.CAP_PROP_FPS: fps, cv2.CAP_PROP_FRAME_COUNT: frame_count}
        self._open()

    @staticmethod
    def wanted(path: Path) -> bool:
        """Whether ``path``'s first video stream has more than ``OPENCV_BITS`` bits a colour;
        False for anything PyAV cannot open (OpenCV reads it, or says why it cannot), and with a
        PyAV too old to say how a frame is turned (``VideoFrame.rotation``; PyAV 18 and later
        need Python 3.11, a Jetson's is 3.10)."""
        if not hasattr(av.VideoFrame, "rotation"):
            return False
        try:
            with av.open(str(path)) as box:
                video = box.streams.video
                form = video[0].format if video else None
                return form is not None and max(c.bits for c in form.components) > OPENCV_BITS
        except (av.FFmpegError, OSError, ValueError):
            return False

    def _open(self) -> None:
        self._box = av.open(str(self._path))
        stream = self._box.streams.video[0]
        stream.thread_type = "AUTO"
        self._frames = self._box.decode(stream)

    def grab(self) -> bool:
        """Steps over the next frame; False at the end."""
        return self._next() is not None

    def read(self) -> tuple[bool, np.ndarray | None]:
        """The next frame as a BGR image turned upright, as ``cv2.VideoCapture.read``."""
        frame = self._next()
        if frame is None:
            return False, None
        image = frame.to_ndarray(format="bgr24")
        turns = round(frame.rotation / 90.0) % 4 if math.isfinite(frame.rotation) else 0
        return True, np.ascontiguousarray(np.rot90(image, turns)) if turns else image

    def _next(self) -> av.VideoFrame | None:
        try:
            return next(self._frames)
        except (StopIteration, av.FFmpegError):
            return None

    def get(self, prop: int) -> float:
        """The file's frame rate or frame count as OpenCV read them; 0 for anything else."""
        return self._props.get(prop, 0.0)

    def set(self, prop: int, value: float) -> bool:
        """Back to the first frame (position 0): the one position a file source sets."""
        if prop != cv2.CAP_PROP_POS_FRAMES or value != 0:
            return False
        self.release()
        self._open()
        return True

    def release(self) -> None:
        self._box.close()


def open_deep(path: Path, capture: cv2.VideoCapture) -> DeepColour | None:
    """A ``DeepColour`` reader of ``path`` when its colour is deeper than OpenCV reads quickly
    (``DeepColour.wanted``), taking ``capture``'s frame rate and count and releasing it; else
    None, ``capture`` left as it is."""
    if not DeepColour.wanted(path):
        return None
    deep = DeepColour(path, capture.get(cv2.CAP_PROP_FPS), capture.get(cv2.CAP_PROP_FRAME_COUNT))
    capture.release()
    return deep
