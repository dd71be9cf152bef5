"""OpenCV camera source (USB/V4L2): asks for resolution, fps and MJPG; reports what it gets."""

from __future__ import annotations

import logging
import sys

import cv2
import numpy as np

from edge.capture.base import CaptureSettings, LiveSource, SourceInfo
from edge.errors import MissingResourceError

log = logging.getLogger(__name__)


class OpenCVCamera(LiveSource):
    """A camera by index (``0``) or device path (``/dev/video0``)."""

    def __init__(self, device: int | str, settings: CaptureSettings) -> None:
        backend = cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY
        cap = cv2.VideoCapture(device, backend)
        if not cap.isOpened():
            cap.release()
            raise MissingResourceError(
                f"camera {device} could not be opened: check that it is plugged in "
                "(ls /dev/video*), that this user may read it (group video) and that no other "
                "program uses it"
            )
        if settings.mjpg:
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, settings.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, settings.height)
        cap.set(cv2.CAP_PROP_FPS, settings.fps)
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = float(cap.get(cv2.CAP_PROP_FPS)) or settings.fps
        if (width, height, fps) != (settings.width, settings.height, settings.fps):
            log.warning(
                "camera %s delivers %dx%d at %.1f fps (asked for %dx%d at %.1f fps)",
                device,
                width,
                height,
                fps,
                settings.width,
                settings.height,
                settings.fps,
            )
        self._cap = cap
        super().__init__(SourceInfo(f"camera:{device}", width, height, fps, live=True))
        self.start()

    def _grab(self) -> np.ndarray | None:
        ok, image = self._cap.read()
        return image if ok else None

    def _release(self) -> None:
        self._cap.release()
