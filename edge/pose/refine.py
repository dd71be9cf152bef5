"""The keypoint refiner: the runner's joints placed again by a top-down model on their box.

The station's pose model (YOLO, bottom-up) finds everyone in view and is what picks the runner;
its joints, though, are coarse where a side view makes them hard: as the legs cross it draws the
far ankle toward the near leg, and in early swing the near knee drifts back. RTMPose-s
(OpenMMLab, Apache-2.0; the Halpe-26 model trained on seven data sets, ``edge.pose.models.
REFINER``) looks at one person only, in a 192x256 crop of their box, and reads each joint from
two 1-D distributions (SimCC) at half-pixel resolution. Its first 17 points are COCO's, in
COCO's order; the other nine are the head, neck, mid-hip and each foot's big toe, small toe and
heel.

Only the knees and ankles are taken from it (``REFINED``). On the demo's frames its knees and
ankles lay 5-7 px from the joint centres where the pose model's lay 16-39 px, but its hips lay
12-15 px off where the pose model's lay 6 (its training sets mark the hip in more than one
place), and over the robustness matrix the gait engine's toe-off was 8.4 ms off on average with
the pose model's hips against 11.2 with the refiner's (docs/robustness.md).

A top-down model now and then puts both ankles (or both knees) on one leg for a frame, mostly as
the near foot leaves the belt, and the gait engine read that jump as the foot lifting, up to 75
ms before toe-off. Two joints cannot be in one place: ``drop_collapsed`` marks the one of the
pair that jumped there as not seen, a one-frame dropout the engine bridges. Over the robustness
matrix that took toe-off from 8.5 to 6.5 ms off on average and the cases missing a target from 5
to 2 (docs/robustness.md).

``KeypointRefiner(path).refine(image, keypoints)``: the runner's keypoints (17, 3) with the knees
and ankles placed again, in the box their sure ``keypoints`` span; None when too few are sure to
place a box.
It runs on OpenVINO (f32, pinned, also on CPUs that would run it in bf16) or, without it, on ONNX
Runtime. Safe to call from several threads: each gets its own infer request.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from edge.errors import MissingResourceError, missing_extra
from edge.pose.runtime import block_openvino_telemetry
from edge.skeleton import KP

INPUT_W, INPUT_H = 192, 256
"""The model's input: 192 wide, 256 high, RGB, ImageNet-normalised."""
SIMCC_SPLIT = 2.0
"""SimCC bins per input pixel."""
MEAN = np.array([123.675, 116.28, 103.53], np.float32)
STD = np.array([58.395, 57.12, 57.375], np.float32)
HALPE_POINTS = 26
BOX_SCALE = 1.25
"""The box given to the model: the sure keypoints' extent, this much larger each way (as
OpenMMLab's top-down pipeline pads a person's box)."""
MIN_KEYPOINT_CONF = 0.3
"""Keypoints surer than this place the box."""
MIN_SURE = 4
REFINED = [KP[f"{side}_{joint}"] for side in ("left", "right") for joint in ("knee", "ankle")]
"""The keypoints the refiner places again: the knees and ankles (its COCO numbers are COCO's)."""
PAIRS = ((KP["left_knee"], KP["right_knee"]), (KP["left_ankle"], KP["right_ankle"]))
COLLAPSED = 0.01
"""A pair of joints closer than this share of the sure keypoints' height lie on one point."""


def drop_collapsed(keypoints: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """``keypoints`` (17, 3) with the joint of a collapsed pair (knees, ankles: ``PAIRS``
    closer than ``COLLAPSED`` of the sure keypoints' height) that moved further since
    ``previous`` (the frame before, as the model gave it) marked not seen (NaN, confidence 0);
    as they are without a frame before."""
    if previous is None:
        return keypoints
    sure = keypoints[:, 2] > MIN_KEYPOINT_CONF
    if sure.sum() < 2:
        return keypoints
    height = float(np.ptp(keypoints[sure, 1]))
    out = keypoints
    for a, b in PAIRS:
        if not (keypoints[a, 2] > 0 and keypoints[b, 2] > 0):
            continue
        if np.hypot(*(keypoints[a, :2] - keypoints[b, :2])) >= COLLAPSED * height:
            continue
        # A joint not seen the frame before counts as having moved furthest.
        step = keypoints[[a, b], :2] - previous[[a, b], :2]
        moved = np.nan_to_num(np.hypot(step[:, 0], step[:, 1]), nan=np.inf)
        out = out.copy() if out is keypoints else out
        out[a if moved[0] > moved[1] else b] = (np.nan, np.nan, 0.0)
    return out


def person_box(keypoints: np.ndarray) -> tuple[float, float, float] | None:
    """The box the model is given, as (centre x, centre y, width) in pixels, in the input's
    shape (3:4): ``BOX_SCALE`` times the extent of the sure keypoints (17, 3). None when fewer
    than ``MIN_SURE`` are sure or they span no area."""
    sure = keypoints[(keypoints[:, 2] > MIN_KEYPOINT_CONF) & np.isfinite(keypoints[:, :2]).all(1)]
    if len(sure) < MIN_SURE:
        return None
    (x0, y0), (x1, y1) = sure[:, :2].min(axis=0), sure[:, :2].max(axis=0)
    w, h = (x1 - x0) * BOX_SCALE, (y1 - y0) * BOX_SCALE
    if w <= 0 or h <= 0:
        return None
    w = max(w, h * INPUT_W / INPUT_H)
    return float(x0 + x1) / 2, float(y0 + y1) / 2, float(w)


class KeypointRefiner:
    """RTMPose-s Halpe-26 on ``threads`` CPU threads per call."""

    def __init__(self, path: Path, threads: int = 1) -> None:
        if not path.is_file():
            raise MissingResourceError(
                f"keypoint refiner model {path} is missing; fetch it with: hipdrive model fetch "
                "(or set pose.refine = false)"
            )
        self._local = threading.local()
        try:
            import openvino as ov
        except ImportError:
            ov = None
        if ov is not None:
            block_openvino_telemetry()
            core = ov.Core()
            model = core.read_model(path)
            model.reshape([1, 3, INPUT_H, INPUT_W])
            self._compiled: Any = core.compile_model(
                model,
                "CPU",
                {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": "f32"},
            )
            self.runtime = "openvino"
            return
        try:
            import onnxruntime as ort
        except ImportError:
            raise missing_extra("openvino", "the keypoint refiner (pose.refine)") from None
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        self._compiled = ort.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        self._input = self._compiled.get_inputs()[0].name
        self.runtime = "onnx"

    def close(self) -> None:
        """Let go of the model (infer requests first)."""
        self._local = threading.local()
        self._compiled = None

    def _simcc(self, tensor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.runtime == "onnx":
            x, y = self._compiled.run(None, {self._input: tensor})
            return x[0], y[0]
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._compiled.create_infer_request()
        request.infer({0: tensor})
        return request.get_output_tensor(0).data[0], request.get_output_tensor(1).data[0]

    def points(self, image: np.ndarray, keypoints: np.ndarray) -> np.ndarray | None:
        """All 26 Halpe points (26, 3): x, y in ``image`` pixels and a confidence 0..1, found in
        the box ``keypoints`` (17, 3) place; None when they place none."""
        box = person_box(keypoints)
        if box is None:
            return None
        cx, cy, w = box
        s = INPUT_W / w
        to_input = np.array(
            [[s, 0.0, INPUT_W / 2 - s * cx], [0.0, s, INPUT_H / 2 - s * cy]], np.float64
        )
        crop = cv2.warpAffine(image, to_input, (INPUT_W, INPUT_H), flags=cv2.INTER_LINEAR)
        rgb = cv2.cvtColor(crop, cv2.COLOR_BGR2RGB).astype(np.float32)
        tensor = np.ascontiguousarray(((rgb - MEAN) / STD).transpose(2, 0, 1)[None])
        sx, sy = self._simcc(tensor)
        out = np.empty((HALPE_POINTS, 3), np.float32)
        out[:, 0] = (sx.argmax(axis=1) / SIMCC_SPLIT - to_input[0, 2]) / s
        out[:, 1] = (sy.argmax(axis=1) / SIMCC_SPLIT - to_input[1, 2]) / s
        out[:, 2] = np.clip(np.minimum(sx.max(axis=1), sy.max(axis=1)), 0.0, 1.0)
        return out

    def refine(self, image: np.ndarray, keypoints: np.ndarray) -> np.ndarray | None:
        """The pose model's ``keypoints`` (17, 3) of the runner in ``image`` (H, W, 3) BGR
        uint8, with the knees and ankles (``REFINED``) placed again by the refiner in the box
        they place; None when they place none."""
        points = self.points(image, keypoints)
        if points is None:
            return None
        refined = keypoints.copy()
        refined[REFINED] = points[REFINED]
        return refined
