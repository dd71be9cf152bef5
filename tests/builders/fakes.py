"""Fakes for the station's ports: a frame source and a pose backend that replay given data."""

from __future__ import annotations

import threading
import time

import numpy as np

from edge.capture import Frame, FrameSource, SourceInfo
from edge.pose import Detections, PoseEstimator


def frame_image(index: int, size: tuple[int, int]) -> np.ndarray:
    """A (h, w, 3) frame whose every pixel carries ``index``, so a fake backend knows the frame
    it is given whichever thread asks, and in whatever order."""
    colour = [index & 255, (index >> 8) & 255, (index >> 16) & 255]
    return np.full((size[1], size[0], 3), colour, np.uint8)


def frame_index(image: np.ndarray) -> int:
    """The frame index ``frame_image`` put into the pixels."""
    b, g, r = (int(v) for v in image[0, 0])
    return b | (g << 8) | (r << 16)


class FakeSource(FrameSource):
    """``n`` small frames (each carrying its index, see ``frame_image``) timed at ``fps``;
    ``paced``: handed out at that rate, else as fast as they are read. With a ``gate`` the first
    frame waits until the gate is set."""

    def __init__(
        self,
        n: int,
        fps: float = 60.0,
        size: tuple[int, int] = (64, 48),
        paced: bool = False,
        gate: threading.Event | None = None,
    ) -> None:
        self.info = SourceInfo("fake", size[0], size[1], fps, live=False, frame_count=n)
        self._n = n
        self._i = 0
        self._t0 = time.monotonic_ns()
        self._size = size
        self.closed = False
        self._paced = paced
        self._gate = gate

    def read(self) -> Frame | None:
        if self._i >= self._n:
            return None
        if self._i == 0 and self._gate is not None:
            self._gate.wait()
            self._t0 = time.monotonic_ns()
        due = self._t0 + round(self._i * 1e9 / self.info.fps)
        if self._paced and due > time.monotonic_ns():
            time.sleep((due - time.monotonic_ns()) / 1e9)
        frame = Frame(frame_image(self._i, self._size), self._i, due)
        self._i += 1
        return frame

    def close(self) -> None:
        self.closed = True


class FakePose(PoseEstimator):
    """Hands out the given keypoint row of each frame (read off its pixels: see ``frame_image``)
    as a single person, in full-frame pixels, so it is for stations without the crop."""

    name = "fake"

    def __init__(self, keypoints: np.ndarray) -> None:
        self._keypoints = keypoints

    def infer(self, image: np.ndarray) -> Detections:
        kp = self._keypoints[min(frame_index(image), len(self._keypoints) - 1)]
        seen = kp[:, 2] > 0
        if not seen.any():
            return Detections.empty()
        xs, ys = kp[seen, 0], kp[seen, 1]
        box = np.array([[xs.min(), ys.min(), xs.max(), ys.max()]], np.float32)
        return Detections(kp[None].astype(np.float32), box, np.array([0.9], np.float32))
