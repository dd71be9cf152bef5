"""The reference backend: any model file Ultralytics loads, converted to plain arrays here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from edge.pose.base import Detections, InputSize, PoseEstimator
from edge.skeleton import NUM_KEYPOINTS


class UltralyticsPose(PoseEstimator):
    """Ultralytics ``YOLO(model).predict`` on one frame at a time.

    Call ``edge.pose.runtime.prepare_ultralytics`` before constructing it.
    """

    def __init__(
        self,
        model: Path,
        imgsz: int | InputSize = 640,
        conf: float = 0.25,
        device: str = "cpu",
    ):
        from ultralytics import YOLO

        self.name = "ultralytics"
        # Ultralytics runs PyTorch weights in fp32 (no half); an export it runs at whatever
        # precision that export's runtime picks for this CPU.
        self.precision = "fp32" if model.suffix == ".pt" else f"{model.name}'s runtime default"
        self._model = YOLO(str(model), task="pose")
        size = InputSize.of(imgsz)
        self.aspect = size.aspect
        self._imgsz = size.imgsz
        self._conf = conf
        self._device = device

    def infer(self, image: np.ndarray) -> Detections:
        results = self._model.predict(
            image, imgsz=self._imgsz, conf=self._conf, device=self._device, verbose=False
        )
        return detections_from_result(next(iter(results)))


def detections_from_result(result: Any) -> Detections:
    """Convert one Ultralytics ``Results`` into Detections (float32 numpy, full-frame pixels)."""
    if result.keypoints is None or result.boxes is None or len(result.boxes) == 0:
        return Detections.empty()
    kp = result.keypoints.data.cpu().numpy().astype(np.float32)
    if kp.shape[1:] != (NUM_KEYPOINTS, 3):
        raise ValueError(
            f"model outputs keypoints of shape {kp.shape[1:]}, expected ({NUM_KEYPOINTS}, 3): "
            "use a COCO-17 pose model such as yolo11n-pose.pt"
        )
    boxes = result.boxes.xyxy.cpu().numpy().astype(np.float32)
    scores = result.boxes.conf.cpu().numpy().astype(np.float32)
    return Detections(np.ascontiguousarray(kp), boxes, scores)
