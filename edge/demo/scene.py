"""The demo's scene: a runner from real motion capture, seen by a camera beside the treadmill.

The motion is Fukuchi RK, Fukuchi CA, Duarte M, PeerJ 5:e3298 (2017), doi 10.7717/peerj.3298,
CC-BY 4.0 (runner RBDS001, treadmill at 2.5 m/s), loaded by ``edge.demo.mocap``. Legs come from
its joint centres; the torso, head and arms, which the data set has no markers for, are
synthesised rigidly on the mid-hip so that every COCO keypoint has a place.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

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
MAX_YAW_DEG = 60.0
MAX_PITCH_DEG = 45.0
# Head points relative to the head centre: forward, up, right (m).
_HEAD_OFFSETS = {
    "nose": (0.10, -0.02, 0.0),
    "left_eye": (0.08, 0.03, -0.035),
    "right_eye": (0.08, 0.03, 0.035),
    "left_ear": (-0.01, 0.01, -0.075),
    "right_ear": (-0.01, 0.01, 0.075),
}


@dataclass(frozen=True)
class SideCamera:
    """A pinhole camera (no distortion) beside the treadmill, aimed at the runner.

    World frame of ``edge.demo.mocap``: x forward, y up from the belt, z to the runner's right,
    metres, z = 0 the runner's mean sagittal plane. The camera is ``distance_m`` away, across
    the belt, from the point (``forward_m``, ``height_m``, 0) of that plane, at its height, and
    looks at it level: the principal point is at the image centre. ``yaw_deg`` swings the
    camera around that point on the same level circle, towards the runner's front for positive
    angles (0: square to the belt), still looking at it; ``pitch_deg`` then tilts it up
    (positive) or down about its own horizontal axis, in place. A camera on the runner's right
    sees them facing right in the image, so ``facing`` also decides the near side (an unmirrored
    camera cannot have one without the other).
    """

    image_size: tuple[int, int] = (1920, 1080)
    focal_px: float = 1400.0
    distance_m: float = 3.0
    height_m: float = 1.0
    forward_m: float = 0.0
    facing: str = "right"
    yaw_deg: float = 0.0
    pitch_deg: float = 0.0

    def __post_init__(self) -> None:
        if self.facing not in ("left", "right"):
            raise ValueError(f"facing = {self.facing!r}: must be 'left' or 'right'")
        if self.focal_px <= 0 or self.distance_m <= 0:
            raise ValueError("focal_px and distance_m must be > 0")
        if not (abs(self.yaw_deg) <= MAX_YAW_DEG and abs(self.pitch_deg) <= MAX_PITCH_DEG):
            raise ValueError(
                f"yaw_deg = {self.yaw_deg:g}, pitch_deg = {self.pitch_deg:g}: must be within "
                f"+/-{MAX_YAW_DEG:g} and +/-{MAX_PITCH_DEG:g} (a camera beside the treadmill)"
            )

    @property
    def near_side(self) -> str:
        """The runner's side nearer the camera: ``"left"`` or ``"right"``."""
        return self.facing

    @property
    def meters_per_pixel(self) -> float:
        """Scale at the point the camera is aimed at, metres per pixel; exact over the whole
        runner's plane (z = 0) for a square, level camera. Otherwise use ``homography``."""
        return self.distance_m / self.focal_px

    @property
    def _sign(self) -> float:
        return 1.0 if self.facing == "right" else -1.0

    @cached_property
    def centre(self) -> np.ndarray:
        """(3,) float64 world metres: the optical centre."""
        yaw = np.radians(self.yaw_deg)
        return np.array(
            [
                self.forward_m + self.distance_m * np.sin(yaw),
                self.height_m,
                self._sign * self.distance_m * np.cos(yaw),
            ]
        )

    @cached_property
    def axes(self) -> np.ndarray:
        """(3, 3) float64 rows: the world directions of the image's right, the image's down and
        the viewing direction (unit vectors)."""
        yaw, pitch = np.radians(self.yaw_deg), np.radians(self.pitch_deg)
        s = self._sign
        right = np.array([s * np.cos(yaw), 0.0, -np.sin(yaw)])
        level = np.array([-np.sin(yaw), 0.0, -s * np.cos(yaw)])
        up = np.array([0.0, 1.0, 0.0])
        ahead = np.cos(pitch) * level + np.sin(pitch) * up
        down = np.sin(pitch) * level - np.cos(pitch) * up
        return np.stack([right, down, ahead])

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """(..., 3) float64 camera coordinates (right, down, depth along the view; metres) of
        world ``points`` (..., 3) metres."""
        return (np.asarray(points, dtype=np.float64) - self.centre) @ self.axes.T

    def depth(self, points: np.ndarray) -> np.ndarray:
        """(...) float64 metres: how far ahead of the camera world ``points`` (..., 3) are,
        along the viewing direction."""
        return (np.asarray(points, dtype=np.float64) - self.centre) @ self.axes[2]

    def project(self, points: np.ndarray) -> np.ndarray:
        """(..., 2) float64 pixels, image y down, of world ``points`` (..., 3) metres."""
        w, h = self.image_size
        cam = self.to_camera(points)
        u = w / 2 + self.focal_px * cam[..., 0] / cam[..., 2]
        v = h / 2 + self.focal_px * cam[..., 1] / cam[..., 2]
        return np.stack([u, v], axis=-1)

    def _rays(self, pixels: np.ndarray) -> np.ndarray:
        """(..., 3) world directions through ``pixels`` (..., 2), scaled to ``focal_px`` along
        the viewing direction."""
        w, h = self.image_size
        offsets = np.stack(
            [
                pixels[..., 0] - w / 2,
                pixels[..., 1] - h / 2,
                np.full(pixels.shape[:-1], self.focal_px),
            ],
            axis=-1,
        )
        return offsets @ self.axes

    def on_level(self, pixels: np.ndarray, y: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Where the rays through ``pixels`` (..., 2) meet the horizontal plane at height ``y``
        (m): (..., 3) world metres, and (...) their depth along the view. Rays that do not go
        down to it are taken as leaving 1 px below the horizon."""
        rays = self._rays(np.asarray(pixels, dtype=np.float64))
        drop = self.centre[1] - y
        depth = self.focal_px * drop / np.maximum(-rays[..., 1], 1.0)
        points = self.centre + rays * depth[..., None] / self.focal_px
        return points, depth

    @property
    def homography(self) -> np.ndarray:
        """(3, 3) pixels -> metres in the runner's plane (z = 0), x forward and y up."""
        w, h = self.image_size
        f = self.focal_px
        # The ray through pixel (u, v) is rays @ (u, v, 1); it meets z = 0 at centre - cz / rz.
        rays = np.array([[1.0, 0.0, -w / 2], [0.0, 1.0, -h / 2], [0.0, 0.0, f]]).T @ self.axes
        cx, cy, cz = self.centre
        out = np.stack([cx * rays[:, 2] - cz * rays[:, 0], cy * rays[:, 2] - cz * rays[:, 1]])
        out = np.vstack([out, rays[:, 2]])
        return out / out[2, 2]

    def to_plane(self, pixels: np.ndarray) -> np.ndarray:
        """(..., 2) float64 metres, x forward and y up, where ``pixels`` (..., 2) meet z = 0."""
        hom = self.homography
        p = np.concatenate([pixels, np.ones((*pixels.shape[:-1], 1))], axis=-1) @ hom.T
        return p[..., :2] / p[..., 2:]


@dataclass(frozen=True, slots=True)
class UpperBody:
    """The synthesised torso, head and arms around the recorded legs: lengths in metres."""

    torso_m: float = TORSO_M
    head_m: float = HEAD_M
    shoulder_half_width_m: float = SHOULDER_HALF_WIDTH_M
    upper_arm_m: float = UPPER_ARM_M
    forearm_m: float = FOREARM_M
    lean_deg: float = TORSO_LEAN_DEG

    def scaled(self, scale: float) -> UpperBody:
        """The same build with every length times ``scale``."""
        return UpperBody(
            self.torso_m * scale,
            self.head_m * scale,
            self.shoulder_half_width_m * scale,
            self.upper_arm_m * scale,
            self.forearm_m * scale,
            self.lean_deg,
        )


def resized(trial: MocapTrial, scale: float) -> MocapTrial:
    """The trial as run by a runner ``scale`` times the size: every joint scaled about the
    origin on the belt, and the belt ``scale`` times as fast, so the stance foot still moves
    with it. Contacts keep their times, so the force plate's events stay the truth."""
    joints = trial.joints * scale
    joints.setflags(write=False)
    return replace(trial, joints=joints, belt_speed_mps=trial.belt_speed_mps * scale)


def world_keypoints(
    trial: MocapTrial, times: np.ndarray, body: UpperBody = UpperBody()
) -> np.ndarray:
    """(T, 17, 3) float64 metres: COCO keypoints in the world frame at ``times`` (T,) seconds.

    Hips, knees and ankles are the trial's joint centres; the rest is a rigid torso leaning
    forward on the mid-hip, a head on it and arms swinging against the thighs, built as ``body``.
    """
    joints = trial.at(times)
    out = np.empty((len(times), NUM_KEYPOINTS, 3))
    for name in ("hip", "knee", "ankle"):
        for side in ("left", "right"):
            out[:, KP[f"{side}_{name}"]] = joints[:, J[f"{side}_{name}"]]
    lean = np.radians(body.lean_deg)
    up = np.array([np.sin(lean), np.cos(lean), 0.0])
    shoulders = joints[:, J["mid_hip"]] + body.torso_m * up
    head = shoulders + body.head_m * up
    for name, offset in _HEAD_OFFSETS.items():
        out[:, KP[name]] = head + np.asarray(offset)
    half = body.shoulder_half_width_m
    for side, z in (("left", -half), ("right", half)):
        shoulder = shoulders + np.array([0.0, 0.0, z])
        thigh = thigh_angle_deg(joints[:, J[f"{side}_hip"]], joints[:, J[f"{side}_knee"]])
        upper = np.radians(-ARM_SWING_GAIN * thigh)
        fore = upper + np.radians(ELBOW_FLEXION_DEG)
        elbow = shoulder + body.upper_arm_m * _down_rotated(upper)
        out[:, KP[f"{side}_shoulder"]] = shoulder
        out[:, KP[f"{side}_elbow"]] = elbow
        out[:, KP[f"{side}_wrist"]] = elbow + body.forearm_m * _down_rotated(fore)
    return out


def _down_rotated(angle: np.ndarray) -> np.ndarray:
    """(T, 3) unit vectors from straight down rotated forward by ``angle`` (T,) radians."""
    return np.stack([np.sin(angle), -np.cos(angle), np.zeros_like(angle)], axis=-1)
