"""The foot refiner: heel and toe of both feet from MediaPipe's BlazePose landmark model.

The station's pose model gives COCO keypoints, which stop at the ankle. BlazePose's "full"
landmark model (``pose_landmark_full.tflite``, Apache-2.0, fetched by ``hipdrive model fetch``,
``edge.pose.models.FOOT_LANDMARKS``) gives 33 body landmarks, among them each foot's heel and
foot index (toe). It expects the person in a square region centred on the hips, turned so the
body stands upright, scaled to hold the whole body (MediaPipe's own pipeline finds that region
with a detector; here the station's keypoints give it). OpenVINO reads the ``.tflite`` as it
is and runs it on the CPU, without torch or mediapipe.

``FootRefiner.feet(image, keypoints)`` returns, for the left and right foot, the ankle, heel and
toe in full-frame pixels with a visibility 0..1 each, or None when the keypoints do not place the
body (no hip or shoulder).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge.errors import MissingResourceError, missing_extra
from edge.pose.runtime import block_openvino_telemetry
from edge.skeleton import KP

INPUT_PX = 256
"""The landmark model's input: 256x256 RGB, values 0..1."""
LANDMARKS = 39
"""Landmarks in the model's output, 5 values each (x, y, z in input pixels, visibility and
presence as logits): the 33 of the body, then 6 the tracking pipeline uses for the next region."""
FOOT_LANDMARKS = {
    "left": {"ankle": 27, "heel": 29, "toe": 31},
    "right": {"ankle": 28, "heel": 30, "toe": 32},
}
"""BlazePose's landmark numbers of each foot's points (its "foot index" is the toe)."""
REGION_SCALE = 1.25
"""The region's side as a multiple of twice the farthest keypoint's distance from the hips, as
MediaPipe widens its own region (1.25) so the whole body lies inside with a margin."""
MIN_KEYPOINT_CONF = 0.3
"""Keypoints surer than this place the region."""


@dataclass(frozen=True, slots=True)
class FootPoint:
    """One point of a foot in full-frame pixels and how visible the model found it, 0..1."""

    x: float
    y: float
    visibility: float


@dataclass(frozen=True, slots=True)
class Region:
    """The square the model looks at: centre (pixels), side (pixels) and the turn (radians)
    that stands the body upright in it."""

    cx: float
    cy: float
    side: float
    angle: float

    def to_input(self) -> np.ndarray:
        """(2, 3) affine map from frame pixels to the model's input pixels."""
        scale = INPUT_PX / self.side
        c, s = math.cos(self.angle) * scale, math.sin(self.angle) * scale
        half = INPUT_PX / 2.0
        return np.array(
            [
                [c, s, half - c * self.cx - s * self.cy],
                [-s, c, half + s * self.cx - c * self.cy],
            ]
        )


def body_region(keypoints: np.ndarray) -> Region | None:
    """The region BlazePose expects, from COCO keypoints (17, 3) pixels and confidence:
    centred on the mid-hip, turned so the mid-hip to mid-shoulder line points straight up, its
    side ``REGION_SCALE`` times twice the farthest sure keypoint's distance from the mid-hip.
    None without a sure hip and shoulder on some side."""
    sure = keypoints[:, 2] >= MIN_KEYPOINT_CONF
    hips = [KP["left_hip"], KP["right_hip"]]
    shoulders = [KP["left_shoulder"], KP["right_shoulder"]]
    hips = [j for j in hips if sure[j]]
    shoulders = [j for j in shoulders if sure[j]]
    if not hips or not shoulders:
        return None
    hip = keypoints[hips, :2].mean(axis=0)
    shoulder = keypoints[shoulders, :2].mean(axis=0)
    up = shoulder - hip
    if not np.all(np.isfinite(up)) or np.hypot(*up) < 1.0:
        return None
    # Image y points down: the turn that takes the hip-to-shoulder line to straight up.
    angle = math.atan2(up[0], -up[1])
    reach = np.hypot(*(keypoints[sure, :2] - hip).T).max()
    return Region(float(hip[0]), float(hip[1]), float(2.0 * reach * REGION_SCALE), angle)


class FootRefiner:
    """BlazePose full on OpenVINO's CPU plugin, ``threads`` threads, one call at a time."""

    def __init__(self, path: Path, threads: int = 1) -> None:
        if not path.is_file():
            raise MissingResourceError(
                f"foot landmark model {path} is missing; fetch it with: hipdrive model fetch"
            )
        try:
            import openvino as ov
        except ImportError:
            raise missing_extra("openvino", "the foot refiner") from None
        block_openvino_telemetry()
        core = ov.Core()
        model = core.read_model(path)
        self._compiled = core.compile_model(
            model,
            "CPU",
            {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": "f32"},
        )
        self._landmarks = next(
            o for o in self._compiled.outputs if list(o.get_shape()) == [1, LANDMARKS * 5]
        )
        self._request = self._compiled.create_infer_request()

    def close(self) -> None:
        """Release the infer request before the compiled model."""
        self._request = None
        self._compiled = None

    def feet(
        self, image: np.ndarray, keypoints: np.ndarray
    ) -> dict[str, dict[str, FootPoint]] | None:
        """Ankle, heel and toe of each foot in ``image`` (H, W, 3) BGR uint8, placed by the
        station's ``keypoints`` (17, 3); None when they do not place the body."""
        region = body_region(keypoints)
        if region is None:
            return None
        to_input = region.to_input()
        crop = cv2.warpAffine(
            image,
            to_input,
            (INPUT_PX, INPUT_PX),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
        )
        rgb = cv2.cvtColor(crop, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
        self._request.infer({0: rgb[None]})
        out = self._request.get_tensor(self._landmarks).data.reshape(LANDMARKS, 5)
        back = cv2.invertAffineTransform(to_input)
        points = out[:, :2] @ back[:, :2].T + back[:, 2]
        visible = 1.0 / (1.0 + np.exp(-out[:, 3]))
        return {
            side: {
                name: FootPoint(float(points[i, 0]), float(points[i, 1]), float(visible[i]))
                for name, i in numbers.items()
            }
            for side, numbers in FOOT_LANDMARKS.items()
        }
