"""The pose port: every backend turns a BGR frame into plain arrays of people."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

import numpy as np

from edge.skeleton import NUM_KEYPOINTS


class InputSize(NamedTuple):
    """A model's input, height by width in pixels, as Ultralytics' ``imgsz``: 320 is a square,
    (320, 256) is 320 high and 256 wide. Written ``320`` or ``320x256`` (height x width)."""

    height: int
    width: int

    @classmethod
    def of(cls, value: int | Sequence[int] | str) -> InputSize:
        """From an int (square), a (height, width) pair or the text ``320`` / ``320x256``."""
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(\d+)\s*(?:[xX]\s*(\d+)\s*)?", value)
            if match is None:
                raise ValueError(f"{value!r} is not a size: write 320 or 320x256 (height x width)")
            height = int(match.group(1))
            return cls(height, int(match.group(2) or height))
        if isinstance(value, int):
            return cls(value, value)
        height, width = value
        return cls(int(height), int(width))

    @property
    def aspect(self) -> float:
        """Width over height."""
        return self.width / self.height

    @property
    def imgsz(self) -> int | list[int]:
        """As Ultralytics and config.toml take it: an int for a square, else [height, width]."""
        return self.height if self.height == self.width else [self.height, self.width]

    def __str__(self) -> str:
        return str(self.height) if self.height == self.width else f"{self.height}x{self.width}"


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
    """A pose backend. ``name`` says which, for status and benchmarks. ``aspect``: the width
    over the height of the input it takes, so a crop can be given that shape and fill it.
    ``precision``: the arithmetic the model actually runs in on this machine (fp32, bf16,
    "int8, other layers fp32"), which is not always what was asked for."""

    name: str
    aspect: float = 1.0
    precision: str = "fp32"

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
