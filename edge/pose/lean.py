"""The project's own pre- and post-processing for YOLO pose on the lean runtimes (no torch).

Preprocessing matches Ultralytics' fixed-shape letterbox for exported models (``imgsz`` square
or height x width, padding value 114, the same rounding), then BGR -> RGB, CHW float32 / 255
(or, for OpenVINO, which does that in its graph, just the letterboxed uint8 BGR pixels).
Postprocessing decodes the YOLO11-pose output ``(1, 56, N)`` (cx, cy, w, h, person score, then
17 x (x, y, conf), all in input pixels; score and keypoint conf are already sigmoid-applied by
the exported head), keeps scores above ``conf``, applies NMS and maps boxes and keypoints back
to full-frame pixels.

Plain numpy throughout, measured against numba ``@njit`` versions on this project's 2-core
x86 dev machine: the per-plane ``np.divide`` CHW conversion takes 0.36 ms at 640 where a numba
loop takes 0.95 ms; the decode of a frame (10-35 candidates above conf 0.25) takes 0.08-0.14 ms
in numpy and 0.01 ms in numba, a saving under 0.5% of even the 320 ``forward`` (25-40 ms), so
it does not pay for a second implementation.
"""

from __future__ import annotations

import logging
import threading
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge.errors import UsageError
from edge.pose.base import Detections, InputSize, StagedPoseEstimator
from edge.pose.cpu import cpu_features
from edge.skeleton import NUM_KEYPOINTS

log = logging.getLogger(__name__)

PAD_VALUE = 114
"""Ultralytics' letterbox grey (uint8), so exported models see what they were exported for."""
IOU_THRESHOLD = 0.7
"""Ultralytics' default NMS IoU for prediction."""
MAX_DETECTIONS = 300
OUTPUT_CHANNELS = 5 + 3 * NUM_KEYPOINTS


@dataclass(frozen=True, slots=True)
class Letterbox:
    """Where a frame sits inside the model input of ``size``: scaled to (new_w, new_h), placed
    at (left, top). Widths and offsets in pixels; gains are input pixels per frame pixel."""

    frame_w: int
    frame_h: int
    size: InputSize
    new_w: int
    new_h: int
    left: int
    top: int

    @classmethod
    def fit(cls, frame_w: int, frame_h: int, size: InputSize) -> Letterbox:
        """The geometry Ultralytics' ``LetterBox(auto=False)`` uses for a fixed-shape export."""
        r = min(size.height / frame_h, size.width / frame_w)
        new_w, new_h = max(round(frame_w * r), 1), max(round(frame_h * r), 1)
        left = round((size.width - new_w) / 2 - 0.1)
        top = round((size.height - new_h) / 2 - 0.1)
        return cls(frame_w, frame_h, size, new_w, new_h, left, top)

    @property
    def gain_x(self) -> float:
        return self.new_w / self.frame_w

    @property
    def gain_y(self) -> float:
        return self.new_h / self.frame_h


class LetterboxInput:
    """Letterboxes (H, W, 3) uint8 BGR frames into the model input of ``size``.

    By default the tensor is (1, 3, height, width) float32 RGB in [0, 1]; with ``uint8_nhwc`` it
    is (1, height, width, 3) uint8 BGR, the frame's own pixels, for a runtime that converts
    inside its graph (OpenVINO's preprocessing), which saves the per-plane split and divide here.

    Each calling thread has ``slots`` preallocated buffers it uses in turn, so a tensor stays
    valid until the same thread has made ``slots`` further calls; threads never share one.
    """

    def __init__(self, size: InputSize, slots: int = 3, uint8_nhwc: bool = False) -> None:
        self.size = size
        self.slots = slots
        self.uint8_nhwc = uint8_nhwc
        self._local = threading.local()

    def __call__(self, image: np.ndarray) -> tuple[np.ndarray, Letterbox]:
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(
                f"expected a (H, W, 3) uint8 BGR frame, got {image.shape} {image.dtype}"
            )
        h, w = image.shape[:2]
        box = Letterbox.fit(w, h, self.size)
        buffer = self._next_buffer()
        if self.uint8_nhwc:
            pixels, grey = buffer[0], np.uint8(PAD_VALUE)
        else:
            pixels, grey = buffer[0].transpose(1, 2, 0), np.float32(PAD_VALUE) / np.float32(255)
        bottom, right = box.top + box.new_h, box.left + box.new_w
        pixels[: box.top] = grey
        pixels[bottom:] = grey
        pixels[box.top : bottom, : box.left] = grey
        pixels[box.top : bottom, right:] = grey
        inner = pixels[box.top : bottom, box.left : right]
        same_size = (w, h) == (box.new_w, box.new_h)
        if self.uint8_nhwc:
            if same_size:
                inner[...] = image
            else:
                cv2.resize(image, (box.new_w, box.new_h), dst=inner, interpolation=cv2.INTER_LINEAR)
            return buffer, box
        resized = (
            image
            if same_size
            else cv2.resize(image, (box.new_w, box.new_h), interpolation=cv2.INTER_LINEAR)
        )
        for rgb, plane in enumerate(reversed(cv2.split(resized))):
            np.divide(plane, np.float32(255), out=inner[..., rgb], dtype=np.float32)
        return buffer, box

    def _next_buffer(self) -> np.ndarray:
        local = self._local
        if not hasattr(local, "buffers"):
            height, width = self.size
            shape, dtype = (
                ((1, height, width, 3), np.uint8)
                if self.uint8_nhwc
                else ((1, 3, height, width), np.float32)
            )
            local.buffers = [np.empty(shape, dtype) for _ in range(self.slots)]
            local.turn = 0
        local.turn = (local.turn + 1) % self.slots
        buffer: np.ndarray = local.buffers[local.turn]
        return buffer


def decode(
    raw: np.ndarray,
    box: Letterbox,
    conf: float,
    iou: float = IOU_THRESHOLD,
    max_det: int = MAX_DETECTIONS,
) -> Detections:
    """People in the frame from a YOLO pose output.

    raw: (1, 56, N) or (56, N) float, input pixels. box: the frame's letterbox. Keeps detections
    with score > conf, suppresses overlaps with IoU > iou (best score first), keeps max_det, and
    returns boxes and keypoints in full-frame pixels, clipped to the frame, float32.
    """
    pred = raw.reshape(raw.shape[-2], raw.shape[-1]) if raw.ndim == 3 else raw
    if pred.ndim != 2 or pred.shape[0] != OUTPUT_CHANNELS:
        raise ValueError(
            f"expected a YOLO pose output of shape (1, {OUTPUT_CHANNELS}, N), got {raw.shape}: "
            "use a COCO-17 pose model such as yolo11n-pose.pt"
        )
    candidates = np.flatnonzero(pred[4] > conf)
    if candidates.size == 0:
        return Detections.empty()
    rows = np.ascontiguousarray(pred[:, candidates].T, dtype=np.float32)
    half = rows[:, 2:4] / np.float32(2)
    boxes = np.concatenate((rows[:, 0:2] - half, rows[:, 0:2] + half), axis=1)
    kept = nms(boxes, rows[:, 4], iou)[:max_det]
    boxes = boxes[kept]
    keypoints = rows[kept, 5:].reshape(len(kept), NUM_KEYPOINTS, 3)
    pad = np.array([box.left, box.top], np.float32)
    gain = np.array([box.gain_x, box.gain_y], np.float32)
    limit = np.array([box.frame_w, box.frame_h], np.float32)
    boxes = np.clip((boxes.reshape(-1, 2, 2) - pad) / gain, 0, limit).reshape(-1, 4)
    keypoints[..., :2] = np.clip((keypoints[..., :2] - pad) / gain, 0, limit)
    return Detections(
        np.ascontiguousarray(keypoints), np.ascontiguousarray(boxes), rows[kept, 4].copy()
    )


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> np.ndarray:
    """Greedy non-maximum suppression, as torchvision's ``nms``.

    boxes: (M, 4) float32 x1, y1, x2, y2. scores: (M,). Returns the indices kept, (K,) int64,
    best score first; a box is dropped when its IoU with a kept, better box exceeds ``iou``.
    """
    order = np.argsort(-scores, kind="stable")
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    kept = []
    while order.size:
        best, rest = order[0], order[1:]
        kept.append(best)
        w = np.minimum(boxes[best, 2], boxes[rest, 2]) - np.maximum(boxes[best, 0], boxes[rest, 0])
        h = np.minimum(boxes[best, 3], boxes[rest, 3]) - np.maximum(boxes[best, 1], boxes[rest, 1])
        inter = np.maximum(w, 0) * np.maximum(h, 0)
        union = np.maximum(areas[best] + areas[rest] - inter, np.finfo(np.float32).tiny)
        overlap = inter / union
        order = rest[~(overlap > iou)]
    return np.array(kept, np.int64)


class LeanPose(StagedPoseEstimator[Letterbox]):
    """A lean runtime behind the staged port: the project's own pre/post-processing around a
    backend's ``forward`` on a fixed-shape ``(1, 3, height, width)`` export. ``uint8_nhwc``: the
    backend takes the letterboxed BGR pixels as they are and converts them in its graph."""

    def __init__(self, size: InputSize, conf: float, uint8_nhwc: bool = False) -> None:
        self._input = LetterboxInput(size, uint8_nhwc=uint8_nhwc)
        self.aspect = size.aspect
        self.in_flight = self._input.slots
        self._conf = conf

    def preprocess(self, image: np.ndarray) -> tuple[np.ndarray, Letterbox]:
        return self._input(image)

    @abstractmethod
    def forward(self, tensor: np.ndarray) -> np.ndarray:
        """The raw (1, 56, N) output for a tensor from ``preprocess``; thread-safe."""

    def postprocess(self, raw: np.ndarray, meta: Letterbox) -> Detections:
        return decode(raw, meta, self._conf)

    def log_ready(self, path: Path) -> None:
        """Say which model runs, at which precision, on which CPU: a backend calls this once
        its model is loaded and ``precision`` is what the runtime chose."""
        log.info(
            "%s runs %s at %s on %s", self.name, path.name, self.precision, cpu_features().summary()
        )


def check_input_shape(shape: Sequence[object], size: InputSize, path: Path, fmt: str) -> None:
    """Refuse an export whose input is not (1, 3, height, width): a dynamic export, or one
    configured directly as pose.model that was made for another size."""
    wanted = (1, 3, *size)
    if tuple(shape) != wanted:
        raise UsageError(
            f"pose.imgsz = {size.imgsz}: {path} takes input {tuple(shape)}, not {wanted}; set "
            f"pose.imgsz to its size, or export the model at {size} with: "
            f"hipdrive model export --format {fmt} --imgsz {size}"
        )
