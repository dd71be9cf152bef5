"""Keypoint tracks a pose model would produce from a side camera, built from real running.

The motion is Fukuchi RK, Fukuchi CA, Duarte M, PeerJ 5:e3298 (2017), doi 10.7717/peerj.3298,
CC-BY 4.0 (runner RBDS001, treadmill at 2.5 m/s), loaded by ``edge.demo.mocap``. Legs come from
its joint centres; the torso, head and arms, which the data set has no markers for, are
synthesised rigidly on the mid-hip so that the track is complete.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.demo.mocap import J, MocapTrial, thigh_angle_deg, truth_steps
from edge.skeleton import (
    KEYPOINT_NAMES,
    KP,
    LEFT_ANKLE,
    LEFT_HIP,
    LEFT_KNEE,
    NUM_KEYPOINTS,
    RIGHT_ANKLE,
    RIGHT_HIP,
    RIGHT_KNEE,
)

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
NEAR_CONF, FAR_CONF, CONF_JITTER = 0.9, 0.6, 0.05
MAX_SWAP_RUN, MAX_DROPOUT_RUN = 6, 8
HIP_DROPOUT_PROBABILITY = 0.3

# Head points relative to the head centre: forward, up, right (m).
_HEAD_OFFSETS = {
    "nose": (0.10, -0.02, 0.0),
    "left_eye": (0.08, 0.03, -0.035),
    "right_eye": (0.08, 0.03, 0.035),
    "left_ear": (-0.01, 0.01, -0.075),
    "right_ear": (-0.01, 0.01, 0.075),
}
_LEG_PAIRS = ((LEFT_HIP, RIGHT_HIP), (LEFT_KNEE, RIGHT_KNEE), (LEFT_ANKLE, RIGHT_ANKLE))


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

    def to_plane(self, pixels: np.ndarray) -> np.ndarray:
        """(..., 2) float64 metres, x forward and y up, where ``pixels`` (..., 2) meet z = 0."""
        w, h = self.image_size
        mpp = self.meters_per_pixel
        x = self.forward_m + self._sign * (pixels[..., 0] - w / 2) * mpp
        y = self.height_m - (pixels[..., 1] - h / 2) * mpp
        return np.stack([x, y], axis=-1)


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


def synth_track(
    trial: MocapTrial,
    fps: float,
    camera: SideCamera,
    noise_px: float = 3.0,
    far_noise_scale: float = 1.5,
    swap_fraction: float = 0.05,
    far_dropout_fraction: float = 0.05,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A side-camera keypoint track of the trial, with the faults pose models make.

    Frames are at ``k / fps`` seconds from 0 to the end of the trial. Every keypoint gets Gaussian
    pixel noise of ``noise_px`` (the far leg ``far_noise_scale`` times more). Runs of 1-6 frames,
    ``swap_fraction`` of all frames in total, have the left/right labels of the six leg keypoints
    exchanged; runs of 1-8 frames, ``far_dropout_fraction`` in total, lose the far knee and
    ankle (and in some runs the far hip) as NaN with confidence 0. Deterministic given ``seed``.

    Returns:
        t: (T,) float64 seconds.
        kp: (T, 17, 3) float32, pixels (image y down) and confidence, COCO order.
    """
    t = np.arange(int(np.floor(trial.t[-1] * fps + 1e-9)) + 1) / fps
    n = len(t)
    rng = np.random.default_rng(seed)
    far = "left" if camera.near_side == "right" else "right"
    far_leg = [KP[f"{far}_{j}"] for j in ("hip", "knee", "ankle")]

    xy = camera.project(world_keypoints(trial, t))
    sigma = np.full(NUM_KEYPOINTS, noise_px, dtype=np.float64)
    sigma[far_leg] *= far_noise_scale
    xy += rng.normal(size=xy.shape) * sigma[None, :, None]
    conf = np.array([FAR_CONF if name.startswith(far) else NEAR_CONF for name in KEYPOINT_NAMES])
    conf = np.clip(conf + rng.uniform(-CONF_JITTER, CONF_JITTER, size=(n, NUM_KEYPOINTS)), 0, 1)
    kp = np.concatenate([xy, conf[..., None]], axis=-1)

    for start, stop in _runs(rng, n, far_dropout_fraction, MAX_DROPOUT_RUN):
        lost = far_leg if rng.random() < HIP_DROPOUT_PROBABILITY else far_leg[1:]
        kp[start:stop, lost, :2] = np.nan
        kp[start:stop, lost, 2] = 0.0
    swapped = np.zeros(n, dtype=bool)
    for start, stop in _runs(rng, n, swap_fraction, MAX_SWAP_RUN):
        swapped[start:stop] = True
    left, right = (list(p) for p in zip(*_LEG_PAIRS, strict=True))
    kp[np.ix_(swapped, left + right)] = kp[np.ix_(swapped, right + left)]
    return t, kp.astype(np.float32)


def truth_events(trial: MocapTrial) -> list[dict]:
    """The force-plate steps of the trial with their mocap metrics (``mocap.truth_steps``)."""
    return truth_steps(trial)


def _down_rotated(angle: np.ndarray) -> np.ndarray:
    """(T, 3) unit vectors from straight down rotated forward by ``angle`` (T,) radians."""
    return np.stack([np.sin(angle), -np.cos(angle), np.zeros_like(angle)], axis=-1)


def _runs(rng: np.random.Generator, n: int, fraction: float, max_len: int) -> list[tuple[int, int]]:
    """Separated runs of 1..``max_len`` frames covering ``round(fraction * n)`` of ``n`` frames.

    Returned as (start, stop) slices in time order, at least one frame apart so they never merge
    into a longer run.
    """
    total = round(fraction * n)
    if total == 0:
        return []
    lengths = rng.integers(1, max_len + 1, size=total)
    ends = np.cumsum(lengths)
    k = int(np.searchsorted(ends, total)) + 1
    lengths = lengths[:k]
    lengths[-1] -= ends[k - 1] - total
    free = n - total - (k - 1)
    if free < 0:
        raise ValueError(f"fraction = {fraction}: too many runs for {n} frames")
    slack = np.sort(rng.integers(0, free + 1, size=k))
    starts = slack + np.concatenate(([0], np.cumsum(lengths)[:-1])) + np.arange(k)
    return [(int(s), int(s + m)) for s, m in zip(starts, lengths, strict=True)]
