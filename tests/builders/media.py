"""Sample media for tests: short videos OpenCV can read back."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def write_video(path: Path, frames: list[np.ndarray], fps: float = 30.0) -> Path:
    """Write BGR frames as an mp4v video that OpenCV reads back."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def read_frames(video: Path, limit: int | None = None) -> list[np.ndarray]:
    """The first ``limit`` frames of a video (all of them when None), BGR."""
    capture = cv2.VideoCapture(str(video))
    frames: list[np.ndarray] = []
    while limit is None or len(frames) < limit:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames
