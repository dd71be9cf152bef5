"""The pose port: every backend turns a BGR frame into plain arrays of people."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Generic, TypeVar

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


Meta = TypeVar("Meta")


class StagedPoseEstimator(PoseEstimator, Generic[Meta]):
    """A backend in three stages, so a pipeline can time them and run them on separate threads.

    ``preprocess`` turns a frame into the model's input tensor plus what ``postprocess`` needs to
    map the output back onto the frame (``Meta``). ``forward`` runs the model and is safe to call
    from several threads at once; so is ``infer``. ``preprocess`` may reuse its buffers: a tensor
    stays valid until the thread that made it has made ``in_flight`` further ``preprocess``
    calls, so a thread may have at most that many frames between ``preprocess`` and the end of
    their ``forward``.
    """

    in_flight: int

    @abstractmethod
    def preprocess(self, image: np.ndarray) -> tuple[np.ndarray, Meta]:
        """A (H, W, 3) uint8 BGR frame -> the model's input tensor and its ``Meta``."""

    @abstractmethod
    def forward(self, tensor: np.ndarray) -> np.ndarray:
        """The model's raw output for one input tensor; thread-safe."""

    @abstractmethod
    def postprocess(self, raw: np.ndarray, meta: Meta) -> Detections:
        """Everyone in the frame, from the raw output and the frame's ``Meta``."""

    def infer(self, image: np.ndarray) -> Detections:
        tensor, meta = self.preprocess(image)
        return self.postprocess(self.forward(tensor), meta)
