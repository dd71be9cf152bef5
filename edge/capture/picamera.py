"""Raspberry Pi CSI camera through Picamera2 (extra ``pi``), imported only when used."""

from __future__ import annotations

from typing import Any

import numpy as np

from edge.capture.base import CaptureSettings, LiveSource, SourceInfo
from edge.errors import MissingResourceError


def _picamera2() -> Any:
    try:
        from picamera2 import Picamera2
    except ImportError:
        raise MissingResourceError(
            "Picamera2 is not installed: on Raspberry Pi OS run `sudo apt install "
            "python3-picamera2` and create the venv with --system-site-packages, or "
            "pip install 'hipdrive[pi]'"
        ) from None
    return Picamera2


class PiCamera(LiveSource):
    """A CSI camera by number, delivering BGR frames like every other source."""

    def __init__(self, number: int, settings: CaptureSettings) -> None:
        picamera2 = _picamera2()
        try:
            cam = picamera2(number)
        except (IndexError, RuntimeError) as exc:
            raise MissingResourceError(
                f"Pi camera {number} could not be opened ({exc}); check the ribbon cable and "
                "list cameras with: rpicam-hello --list-cameras"
            ) from None
        # Picamera2's "RGB888" is BGR in memory, which is what OpenCV and the pose stage expect.
        video = cam.create_video_configuration(
            main={"size": (settings.width, settings.height), "format": "RGB888"},
            controls={"FrameRate": settings.fps},
            buffer_count=4,
        )
        cam.configure(video)
        cam.start()
        width, height = cam.camera_configuration()["main"]["size"]
        self._cam = cam
        super().__init__(SourceInfo(f"picamera:{number}", width, height, settings.fps, live=True))
        self.start()

    def _grab(self) -> np.ndarray | None:
        image = self._cam.capture_array("main")
        return np.ascontiguousarray(image[..., :3]) if image is not None else None

    def _release(self) -> None:
        self._cam.stop()
        self._cam.close()
