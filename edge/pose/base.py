"""The pose port: every backend turns a BGR frame into plain arrays of people."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from edge.skeleton import NUM_KEYPOINTS


@dataclass(frozen=True, slots=True)
class Detections:
    """Everyone a backend found in one frame.

    keypoints: (N, 17, 3) float32, x and y in full-frame pixels, confidence 0..1.
    boxes: (N, 4) float32, x1, y1, x2, y2 in pixels. scores: (N,) float32 person confidence.
    """

    keypoints: np.ndarray
    boxes: np.ndarray
    scores: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.scores)
        if self.keypoints.shape != (n, NUM_KEYPOINTS, 3) or self.boxes.shape != (n, 4):
            raise ValueError(
                f"expected keypoints ({n}, {NUM_KEYPOINTS}, 3) and boxes ({n}, 4), got "
                f"{self.keypoints.shape} and {self.boxes.shape}"
            )

    @classmethod
    def empty(cls) -> Detections:
        return cls(
            np.zeros((0, NUM_KEYPOINTS, 3), np.float32),
            np.zeros((0, 4), np.float32),
            np.zeros(0, np.float32),
        )

    def __len__(self) -> int:
        return len(self.scores)


@dataclass(frozen=True, slots=True)
class RunnerPose:
    """The one runner in a frame: keypoints (17, 3) float32, box (4,) float32 xyxy, score."""

    keypoints: np.ndarray
    box: np.ndarray
    score: float


class PoseEstimator(ABC):
    """A pose backend. ``name`` says which, for status and benchmarks."""

    name: str

    @abstractmethod
    def infer(self, image: np.ndarray) -> Detections:
        """All people in a (H, W, 3) uint8 BGR frame."""

    def close(self) -> None:  # noqa: B027 - most backends hold nothing to release
        """Release the model."""
