"""Fakes for the station's ports: a frame source and a pose backend that replay given data."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from edge.capture import Frame, FrameSource, SourceInfo
from edge.capture.base import LiveSource
from edge.demo.scene import SideCamera
from edge.errors import MissingResourceError
from edge.pose import Detections, PoseEstimator

PICTURE = SideCamera().image_size
"""The size of the picture a ``SideCamera``'s keypoints are in (width, height)."""


def frame_image(index: int, size: tuple[int, int]) -> np.ndarray:
    """A (h, w, 3) frame whose every pixel carries ``index``, so a fake backend knows the frame
    it is given whichever thread asks, and in whatever order."""
    colour = [index & 255, (index >> 8) & 255, (index >> 16) & 255]
    return np.full((size[1], size[0], 3), colour, np.uint8)


def frame_view(index: int, size: tuple[int, int]) -> np.ndarray:
    """``frame_image`` as a read-only view of one pixel, of any size at no cost: a fake
    source's frame as large as the picture its keypoints are in."""
    colour = np.array([index & 255, (index >> 8) & 255, (index >> 16) & 255], np.uint8)
    return np.broadcast_to(colour, (size[1], size[0], 3))


def frame_index(image: np.ndarray) -> int:
    """The frame index ``frame_image`` put into the pixels."""
    b, g, r = (int(v) for v in image[0, 0])
    return b | (g << 8) | (r << 16)


class FakeSource(FrameSource):
    """``n`` frames of ``size`` (each carrying its index, see ``frame_view``; the size of the
    picture ``SideCamera``'s keypoints are in, so a runner's feet are in it) timed at ``fps``;
    ``paced``: handed out at that rate from the first read on (as a camera starts when opened),
    else as fast as they are read. With a ``gate`` the first frame waits until the gate is set."""

    def __init__(
        self,
        n: int,
        fps: float = 60.0,
        size: tuple[int, int] = PICTURE,
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
        if self._i == 0:
            if self._gate is not None:
                self._gate.wait()
            self._t0 = time.monotonic_ns()
        due = self._t0 + round(self._i * 1e9 / self.info.fps)
        if self._paced and due > time.monotonic_ns():
            time.sleep((due - time.monotonic_ns()) / 1e9)
        frame = Frame(frame_view(self._i, self._size), self._i, due)
        self._i += 1
        return frame

    def close(self) -> None:
        self.closed = True


class FakePose(PoseEstimator):
    """Hands out the given keypoint row of each frame (read off its pixels by ``index_of``: see
    ``frame_image``; ``media.coded_index`` for frames that went through a video file) as a
    single person, in full-frame pixels, so it is for stations without the crop."""

    name = "fake"

    def __init__(
        self, keypoints: np.ndarray, index_of: Callable[[np.ndarray], int] = frame_index
    ) -> None:
        self._keypoints = keypoints
        self._index_of = index_of

    def infer(self, image: np.ndarray) -> Detections:
        kp = self._keypoints[min(self._index_of(image), len(self._keypoints) - 1)]
        seen = kp[:, 2] > 0
        if not seen.any():
            return Detections.empty()
        xs, ys = kp[seen, 0], kp[seen, 1]
        box = np.array([[xs.min(), ys.min(), xs.max(), ys.max()]], np.float32)
        return Detections(kp[None].astype(np.float32), box, np.array([0.9], np.float32))


class CameraScene:
    """What a fake live camera films, and the faults a test switches on and off.

    Frames are numbered by the time since the scene began (``fps`` a second, in real time),
    whether or not a camera is there to see them, so a pose fake gives the runner where they
    really are after a gap. ``plugged`` cleared: reads fail and opening fails. ``stalled`` set:
    reads hang. ``garbage``: "blank" (black frames) or "shape" (half-size frames).
    """

    def __init__(self, fps: float = 60.0, size: tuple[int, int] = (64, 48)) -> None:
        self.fps = fps
        self.size = size
        self.t0 = time.monotonic()
        self.plugged = threading.Event()
        self.plugged.set()
        self.stalled = threading.Event()
        self.garbage: str | None = None
        self.opened = 0

    def index_now(self) -> int:
        return int((time.monotonic() - self.t0) * self.fps)

    def open(self) -> FlakyCamera:
        if not self.plugged.is_set():
            raise MissingResourceError("camera:fake could not be opened: unplugged")
        self.opened += 1
        return FlakyCamera(self)


class FlakyCamera(LiveSource):
    """A live camera on its own grab thread that films a ``CameraScene``, faults and all."""

    def __init__(self, scene: CameraScene) -> None:
        self._scene = scene
        self._last = scene.index_now() - 1
        w, h = scene.size
        super().__init__(SourceInfo("camera:fake", w, h, scene.fps, live=True))
        self.max_failures = 5
        self.start()

    def _grab(self) -> np.ndarray | None:
        scene = self._scene
        while scene.stalled.is_set() and not self._stopping:
            time.sleep(0.005)
        due = scene.t0 + (self._last + 1) / scene.fps
        time.sleep(max(0.0, due - time.monotonic()))
        if not scene.plugged.is_set():
            time.sleep(1 / scene.fps)
            return None
        self._last = max(self._last + 1, scene.index_now())
        w, h = scene.size
        if scene.garbage == "blank":
            return np.zeros((h, w, 3), np.uint8)
        image = frame_image(self._last, scene.size)
        # Texture away from pixel (0, 0), which carries the index, so the frame is not blank.
        image[1:, :, 2] = (np.arange(w) * 4 % 256).astype(np.uint8)
        return image[: h // 2, : w // 2].copy() if scene.garbage == "shape" else image

    def _release(self) -> None:
        pass
