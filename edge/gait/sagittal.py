"""From image pixels to the runner's sagittal plane: x forward, y up.

With a calibration the plane is in metres; with a known scale (metres per pixel) too; without
either it is in pixels, and distances are reported as a fraction of leg length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from edge.skeleton import KP

if TYPE_CHECKING:
    from calibrate.model import Calibration


#: the horizontal field of view, degrees, taken for a camera whose lens is not calibrated, across
#: the picture's longer side: a phone's main camera or a webcam films 65-80 deg across it
ASSUMED_FOV_DEG = 70.0


@dataclass(frozen=True, slots=True)
class PlaneMapping:
    """A 3x3 homography from (undistorted) image pixels to plane coordinates.

    metric: True when the plane is in metres.
    square: True when the mapping assumes a camera square to the belt (a scale, not a
    calibration of the plane): a yaw then foreshortens the forward axis.
    camera: where the camera is, when a calibration knows it: its forward position on the plane
    and its distance from it, metres (``foot_on_plane``).
    sight: a square camera's axis, its column and focal length, pixels (``sight_deg``), where
    known (``camera_sight``).
    turn_deg: how far a square camera is in fact turned off square to the belt, degrees,
    positive toward the runner's front, where read off the treadmill's lines
    (``edge.capture.belt_lines``): the yaw then (``GaitEngine.yaw_deg``).
    """

    homography: np.ndarray
    metric: bool
    square: bool = False
    camera: tuple[float, float] | None = None
    sight: tuple[float, float] | None = None
    turn_deg: float | None = None

    @classmethod
    def calibrated(cls, calibration: Calibration) -> PlaneMapping:
        """The metric plane of a calibration that has one, with its camera where the lens is
        calibrated too."""
        plane = calibration.require_plane()
        centre = calibration.camera_in_plane()
        camera = (float(centre[0]), float(centre[2])) if centre is not None else None
        return cls(plane.homography, metric=True, camera=camera)

    @classmethod
    def scaled(
        cls,
        facing: str,
        meters_per_pixel: float | None = None,
        sight: tuple[float, float] | None = None,
        turn_deg: float | None = None,
    ) -> PlaneMapping:
        """A level camera: x along the image row toward where the runner faces, y up;
        ``sight``: its axis's column and focal length, pixels, where known (``camera_sight``);
        ``turn_deg``: its turn off square read off the treadmill's lines, where read."""
        if facing not in ("left", "right"):
            raise ValueError(f"facing = {facing!r}: must be 'left' or 'right'")
        scale = meters_per_pixel if meters_per_pixel else 1.0
        sign = 1.0 if facing == "right" else -1.0
        return cls(
            np.diag([sign * scale, -scale, 1.0]),
            metric=meters_per_pixel is not None,
            square=True,
            sight=sight,
            turn_deg=turn_deg,
        )

    def sight_deg(self, x: float, y: float) -> float | None:
        """How far the line of sight to plane point (x, y) turns from a square camera's axis,
        degrees, positive when the point lies behind the picture's centre (the camera looks
        ahead of it, as a camera turned toward the runner's front does); None when the axis is
        not known, or the point lies beyond the picture's sides (no runner seen does). A runner
        off the axis shows the far hip ahead of the near one as a camera turned as far does, so
        the yaw read off the hips (``GaitEngine.yaw_deg``) is less it: a runner filmed square,
        0.6 m behind the picture's centre at 3 m, read 10.4 deg off square, an oblique view."""
        if self.sight is None:
            return None
        centre, focal = self.sight
        px = np.linalg.solve(self.homography, np.array([x, y, 1.0]))
        off = centre - px[0] / px[2]
        if abs(off) > centre:
            return None
        ahead = 1.0 if self.facing_at(x, y) == "right" else -1.0
        return math.degrees(math.atan(ahead * off / focal))

    def facing_at(self, x: float, y: float) -> str:
        """Which way a runner at plane point (x, y) faces in the image: ``"right"`` when the
        plane's forward axis runs toward image right there. An unmirrored camera sees the side
        the runner faces (facing right, it sees their right side), so this is the near side."""
        px = np.linalg.solve(self.homography, np.array([x, y, 1.0]))
        u, v = px[0] / px[2], px[1] / px[2]
        ahead = self.apply(np.array([u + 1.0, v]))
        return "right" if ahead[0] > x else "left"

    def apply(self, pixels: np.ndarray) -> np.ndarray:
        """(..., 2) plane coordinates of (..., 2) pixels."""
        h = self.homography
        u, v = pixels[..., 0], pixels[..., 1]
        w = h[2, 0] * u + h[2, 1] * v + h[2, 2]
        return np.stack(
            [(h[0, 0] * u + h[0, 1] * v + h[0, 2]) / w, (h[1, 0] * u + h[1, 1] * v + h[1, 2]) / w],
            axis=-1,
        )


_HEAD = [KP["left_eye"], KP["right_eye"], KP["left_ear"], KP["right_ear"]]
_ANKLES = [KP["left_ankle"], KP["right_ankle"]]


def camera_sight(
    picture: tuple[int, int] | None, calibration: Calibration | None = None
) -> tuple[float, float] | None:
    """An uncalibrated plane's camera axis (``PlaneMapping.sight``): its column and focal
    length, pixels, from a calibration of the lens where there is one (a review: a wide lens's
    runner off the axis had kept 5 deg of yaw), else the picture's centre and a field of
    ``ASSUMED_FOV_DEG`` across its longer side (``picture``: height, width); None without
    either."""
    if calibration is not None and calibration.intrinsics is not None:
        K = calibration.intrinsics.K
        return float(K[0, 2]), float(K[0, 0])
    if picture is None:
        return None
    return 0.5 * picture[1], 0.5 * max(picture) / math.tan(math.radians(0.5 * ASSUMED_FOV_DEG))


def detect_facing(keypoints: np.ndarray, min_conf: float = 0.3, lag: int = 1) -> str | None:
    """Which way the runner faces in the image, from a track (T, 17, 3) pixels.

    The nose is ahead of the eyes and ears. Without a head in view: a foot moves forward only
    while it is in the air and backward only while it is on the belt, so an ankle's height and
    its forward speed go together, its motion taken over ``lag`` frames (``facing_lag``: frame
    to frame at 120 fps the motion is too small against the keypoints' jitter). None when
    neither says.
    """
    head = _facing_by_head(keypoints, min_conf)
    if head is not None:
        return head
    return _feet_say(_feet_scores(keypoints, min_conf, lag), FEET_GUESS)


#: how strongly the ankles' height and forward motion must go together (their correlation) to
#: guess the facing from the feet, and to overrule a facing a person gave: then both feet must
#: say it, over at least ``FEET_OVERRULE_SAMPLES`` motions each. On the real treadmill clip of
#: tests/data/footage: -0.6 with the refiner's ankles, -0.25 with the pose model's alone; noise
#: from a person standing reached 0.2 in 6% of 21-frame tracks
FEET_GUESS = 0.2
FEET_OVERRULE = 0.3
FEET_OVERRULE_SAMPLES = 60


def facing_shown(keypoints: np.ndarray, min_conf: float = 0.3, lag: int = 1) -> str | None:
    """The facing both feet clearly show in a track (T, 17, 3) pixels: each ankle, carried back
    by the belt, seen over at least ``FEET_OVERRULE_SAMPLES`` motions, their correlations of one
    sign and ``FEET_OVERRULE`` or more on average. None when they do not: too few motions, a
    person standing, or feet that disagree."""
    scores = _feet_scores(keypoints, min_conf, lag, FEET_OVERRULE_SAMPLES)
    if len(scores) < 2 or not (min(scores) > 0 or max(scores) < 0):
        return None
    return _feet_say(scores, FEET_OVERRULE)


def facing_contradicted(
    keypoints: np.ndarray, given: str, min_conf: float = 0.3, lag: int = 1
) -> str | None:
    """The facing a track (T, 17, 3) pixels shows when it is not ``given``, or None: both feet
    clearly say the other way (``facing_shown``), and the head does not say ``given``."""
    feet = facing_shown(keypoints, min_conf, lag)
    if feet is None or feet == given or _facing_by_head(keypoints, min_conf) == given:
        return None
    return feet


#: what to do about a ``--facing`` the feet contradict
FACING_FLAG_FIX = "give --facing {seen}, or leave it out to have it read"


def facing_problem(
    keypoints: np.ndarray, given: str, said_by: str, fix: str, lag: int = 1
) -> str | None:
    """What to tell when a track (T, 17, 3) pixels shows the runner facing the other way than
    ``given`` (``facing_contradicted``), said by ``said_by``; ``fix`` says what to do, with
    ``{seen}`` for the facing seen. None when the track does not contradict it."""
    seen = facing_contradicted(keypoints, given, lag=lag)
    if seen is None:
        return None
    belt = "right" if seen == "left" else "left"
    return (
        f"the runner faces {seen} in the image (the belt carries their feet {belt}), not"
        f" {given} as {said_by} says: {fix.format(seen=seen)}"
    )


def _facing_by_head(keypoints: np.ndarray, min_conf: float) -> str | None:
    nose = keypoints[:, KP["nose"]]
    head = keypoints[:, _HEAD]
    head_x = np.where(head[..., 2] >= min_conf, head[..., 0], np.nan)
    seen = (nose[:, 2] >= min_conf) & (head[..., 2] >= min_conf).any(axis=1)
    if seen.sum() >= 5:
        ahead = nose[seen, 0] - np.nanmean(head_x[seen], axis=1)
        if abs(np.median(ahead)) > 1.0:
            return "right" if np.median(ahead) > 0 else "left"
    return None


def _feet_say(scores: list[float], bar: float) -> str | None:
    """The facing the feet's correlations (``_feet_scores``) say on average, when it reaches
    ``bar``; None without any, or below it."""
    if not scores or abs(float(np.mean(scores))) < bar:
        return None
    return "right" if np.mean(scores) > 0 else "left"


def _feet_scores(
    keypoints: np.ndarray, min_conf: float, lag: int, min_samples: int = 20
) -> list[float]:
    """Per ankle seen over at least ``min_samples`` motions of ``lag`` frames: the correlation
    of its forward motion with its height (positive: the runner faces image right)."""
    scores = []
    for k in _ANKLES:
        ankle = np.where(keypoints[:, k, 2:] >= min_conf, keypoints[:, k, :2], np.nan)
        moved = ankle[lag:, 0] - ankle[:-lag, 0]
        height = -(ankle[lag:, 1] + ankle[:-lag, 1]) / 2
        ok = np.isfinite(moved) & np.isfinite(height)
        if ok.sum() >= min_samples and np.std(moved[ok]) > 0 and np.std(height[ok]) > 0:
            scores.append(float(np.corrcoef(moved[ok], height[ok])[0, 1]))
    return scores


FACING_LAG_S = 1.0 / 15.0
"""The time over which the feet's motion tells the facing. On a 6 s keypoint track of RBDS001
(3 px noise, swaps, dropouts) the ankles' correlations read -0.55, -0.49, -0.49 and -0.41 at 30,
60, 120 and 240 fps over it, and -0.49, -0.33, -0.17 and -0.07 from frame to frame."""


def facing_lag(t: np.ndarray) -> int:
    """Frames spanning ``FACING_LAG_S`` in a track timed ``t`` (T,) s."""
    if len(t) < 2:
        return 1
    return max(1, round(FACING_LAG_S / float(np.median(np.diff(t)))))
