"""The demo's scene: a runner from real motion capture, seen by a camera beside the treadmill.

The motion is Fukuchi RK, Fukuchi CA, Duarte M, PeerJ 5:e3298 (2017), doi 10.7717/peerj.3298,
CC-BY 4.0 (runner RBDS001, treadmill at 2.5 m/s), loaded by ``edge.demo.mocap``. Legs come from
its joint centres; the torso, head and arms, which the data set has no markers for, are
synthesised rigidly on the mid-hip so that every COCO keypoint has a place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.demo.mocap import J, MocapTrial, thigh_angle_deg
from edge.skeleton import KP, NUM_KEYPOINTS

TORSO_LEAN_DEG = 6.0
TORSO_M = 0.50
"""Mid-hip to mid-shoulder."""
HEAD_M = 0.22
"""Mid-shoulder to the centre of the head, along the torso."""
SHOULDER_HALF_WIDTH_M = 0.19
UPPER_ARM_M = 0.29
FOREARM_M = 0.26
ELBOW_FLEXION_DEG = 85.0
ARM_SWING_GAIN = 1.0
"""Upper-arm angle = -gain x same-side thigh angle: each arm swings with the opposite leg."""
# Head points relative to the head centre: forward, up, right (m).
_HEAD_OFFSETS = {
    "nose": (0.10, -0.02, 0.0),
    "left_eye": (0.08, 0.03, -0.035),
    "right_eye": (0.08, 0.03, 0.035),
    "left_ear": (-0.01, 0.01, -0.075),
    "right_ear": (-0.01, 0.01, 0.075),
}


@dataclass(frozen=True, slots=True)
class SideCamera:
    """A level pinhole camera (no distortion) beside the treadmill, looking square at the runner.

    World frame of ``edge.demo.mocap``: x forward, y up from the belt, z to the runner's right,
    metres, z = 0 the runner's mean sagittal plane. The optical centre is at
    (``forward_m``, ``height_m``, +/-``distance_m``) with the principal point at the image centre.
    A camera on the runner's right sees them facing right in the image, so ``facing`` also
    decides the near side (an unmirrored camera cannot have one without the other).
    """

    image_size: tuple[int, int] = (1920, 1080)
    focal_px: float = 1400.0
    distance_m: float = 3.0
    height_m: float = 1.0
    forward_m: float = 0.0
    facing: str = "right"

    def __post_init__(self) -> None:
        if self.facing not in ("left", "right"):
            raise ValueError(f"facing = {self.facing!r}: must be 'left' or 'right'")
        if self.focal_px <= 0 or self.distance_m <= 0:
            raise ValueError("focal_px and distance_m must be > 0")

    @property
    def near_side(self) -> str:
        """The runner's side nearer the camera: ``"left"`` or ``"right"``."""
        return self.facing

    @property
    def meters_per_pixel(self) -> float:
        """Exact scale at the runner's sagittal plane (z = 0), metres per pixel."""
        return self.distance_m / self.focal_px

    @property
    def _sign(self) -> float:
        return 1.0 if self.facing == "right" else -1.0

    def project(self, points: np.ndarray) -> np.ndarray:
        """(..., 2) float64 pixels, image y down, of world ``points`` (..., 3) metres."""
        w, h = self.image_size
        depth = self.distance_m - self._sign * points[..., 2]
        u = w / 2 + self._sign * self.focal_px * (points[..., 0] - self.forward_m) / depth
        v = h / 2 - self.focal_px * (points[..., 1] - self.height_m) / depth
        return np.stack([u, v], axis=-1)

    @property
    def homography(self) -> np.ndarray:
        """(3, 3) pixels -> metres in the runner's plane (z = 0), x forward and y up."""
        w, h = self.image_size
        mpp, sign = self.meters_per_pixel, self._sign
        return np.array(
            [
                [sign * mpp, 0.0, self.forward_m - sign * mpp * w / 2],
                [0.0, -mpp, self.height_m + mpp * h / 2],
                [0.0, 0.0, 1.0],
            ]
        )

    def to_plane(self, pixels: np.ndarray) -> np.ndarray:
        """(..., 2) float64 metres, x forward and y up, where ``pixels`` (..., 2) meet z = 0."""
        h = self.homography
        return np.stack(
            [h[0, 0] * pixels[..., 0] + h[0, 2], h[1, 1] * pixels[..., 1] + h[1, 2]], axis=-1
        )


def world_keypoints(trial: MocapTrial, times: np.ndarray) -> np.ndarray:
    """(T, 17, 3) float64 metres: COCO keypoints in the world frame at ``times`` (T,) seconds.

    Hips, knees and ankles are the trial's joint centres; the rest is a rigid torso leaning
    forward on the mid-hip, a head on it and arms swinging against the thighs.
    """
    joints = trial.at(times)
    out = np.empty((len(times), NUM_KEYPOINTS, 3))
    for name in ("hip", "knee", "ankle"):
        for side in ("left", "right"):
            out[:, KP[f"{side}_{name}"]] = joints[:, J[f"{side}_{name}"]]
    lean = np.radians(TORSO_LEAN_DEG)
    up = np.array([np.sin(lean), np.cos(lean), 0.0])
    shoulders = joints[:, J["mid_hip"]] + TORSO_M * up
    head = shoulders + HEAD_M * up
    for name, offset in _HEAD_OFFSETS.items():
        out[:, KP[name]] = head + np.asarray(offset)
    for side, z in (("left", -SHOULDER_HALF_WIDTH_M), ("right", SHOULDER_HALF_WIDTH_M)):
        shoulder = shoulders + np.array([0.0, 0.0, z])
        thigh = thigh_angle_deg(joints[:, J[f"{side}_hip"]], joints[:, J[f"{side}_knee"]])
        upper = np.radians(-ARM_SWING_GAIN * thigh)
        fore = upper + np.radians(ELBOW_FLEXION_DEG)
        elbow = shoulder + UPPER_ARM_M * _down_rotated(upper)
        out[:, KP[f"{side}_shoulder"]] = shoulder
        out[:, KP[f"{side}_elbow"]] = elbow
        out[:, KP[f"{side}_wrist"]] = elbow + FOREARM_M * _down_rotated(fore)
    return out


def _down_rotated(angle: np.ndarray) -> np.ndarray:
    """(T, 3) unit vectors from straight down rotated forward by ``angle`` (T,) radians."""
    return np.stack([np.sin(angle), -np.cos(angle), np.zeros_like(angle)], axis=-1)
