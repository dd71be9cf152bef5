"""A camera's calibration and the pixel <-> runner's-plane mapping the station uses per frame.

Image pixels are as the camera delivers them (distorted), (N, 2) x right, y down. "Undistorted
pixels" are the same camera matrix K without lens distortion. The plane is the runner's sagittal
plane in metres: x forward (the way the runner faces), y up, y = 0 on the belt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import cv2
import numpy as np

from edge.errors import UsageError

Facing = Literal["left", "right"]
# The default 5 iterations leave up to 0.2 px at the corners of a wide lens; 20 leave < 1e-6.
_UNDISTORT_CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 20, 1e-10)


def _frozen(array: np.ndarray, shape: tuple[int, ...], name: str) -> np.ndarray:
    out = np.array(array, dtype=np.float64)
    if out.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {out.shape}")
    out.flags.writeable = False
    return out


@dataclass(frozen=True, slots=True, eq=False)
class Intrinsics:
    """K (3, 3) pixels; dist (5,) OpenCV k1, k2, p1, p2, k3; rms_px: the solve's error."""

    K: np.ndarray
    dist: np.ndarray
    rms_px: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "K", _frozen(self.K, (3, 3), "K"))
        dist = np.asarray(self.dist, dtype=np.float64).reshape(-1)
        object.__setattr__(self, "dist", _frozen(dist, dist.shape, "dist"))


@dataclass(frozen=True, slots=True, eq=False)
class Plane:
    """The runner's plane.

    homography (3, 3): undistorted pixels -> plane metres. belt_line (2, 2): two image pixels
    on the belt. facing: which way the runner faces in the image. roi: (x, y, w, h) image
    pixels around the runner's space. rms_px: how well the plane fit its points (None when
    set by hand).
    """

    homography: np.ndarray
    belt_line: np.ndarray
    facing: Facing
    roi: tuple[int, int, int, int]
    meters_per_pixel_at_belt: float
    rms_px: float | None = None

    def __post_init__(self) -> None:
        h = np.asarray(self.homography, dtype=np.float64)
        object.__setattr__(self, "homography", _frozen(h / h[2, 2], (3, 3), "homography"))
        object.__setattr__(self, "belt_line", _frozen(self.belt_line, (2, 2), "belt_line"))


@dataclass(frozen=True, slots=True, eq=False)
class Calibration:
    """One installation's calibration: the file format of DESIGN.md in memory.

    Either table may be absent: without intrinsics pixels are used as they come (no lens
    correction), without a plane there is no metric mapping.
    """

    camera: str
    image_size: tuple[int, int]
    created: datetime
    intrinsics: Intrinsics | None = None
    plane: Plane | None = None

    def undistort(self, points: np.ndarray) -> np.ndarray:
        """(N, 2) image pixels -> (N, 2) float64 undistorted pixels; NaN rows stay NaN."""
        pts = _points(points)
        if self.intrinsics is None:
            return pts
        out = np.full_like(pts, np.nan)
        ok = np.isfinite(pts).all(axis=1)
        if ok.any():
            K, dist = self.intrinsics.K, self.intrinsics.dist
            out[ok] = cv2.undistortPoints(
                pts[ok].reshape(-1, 1, 2), K, dist, P=K, criteria=_UNDISTORT_CRITERIA
            ).reshape(-1, 2)
        return out

    def distort(self, points: np.ndarray) -> np.ndarray:
        """(N, 2) undistorted pixels -> (N, 2) float64 image pixels."""
        pts = _points(points)
        if self.intrinsics is None or len(pts) == 0:
            return pts
        K, dist = self.intrinsics.K, self.intrinsics.dist
        normalised = (pts - K[:2, 2]) / np.diag(K)[:2]
        rays = np.column_stack([normalised, np.ones(len(pts))])
        image, _ = cv2.projectPoints(rays.reshape(-1, 1, 3), np.zeros(3), np.zeros(3), K, dist)
        return image.reshape(-1, 2)

    def to_plane(self, points: np.ndarray) -> np.ndarray:
        """(N, 2) image pixels -> (N, 2) float64 plane metres (x forward, y up)."""
        return apply_homography(self.require_plane().homography, self.undistort(points))

    def from_plane(self, points: np.ndarray) -> np.ndarray:
        """(N, 2) plane metres -> (N, 2) float64 image pixels."""
        undistorted = apply_homography(
            np.linalg.inv(self.require_plane().homography), _points(points)
        )
        return self.distort(undistorted)

    def camera_in_plane(self) -> np.ndarray | None:
        """(3,) float64 metres: where the camera's optical centre is in the plane's frame, x
        forward, y up from the belt and its distance from the plane (positive); None without
        both the lens (its K) and the plane. A plane seen through K is K [r1 r2 t]: the
        camera's pose on it (Zhang 2000)."""
        if self.intrinsics is None or self.plane is None:
            return None
        m = np.linalg.solve(self.intrinsics.K, np.linalg.inv(self.plane.homography))
        scale = 2.0 / (np.linalg.norm(m[:, 0]) + np.linalg.norm(m[:, 1]))
        if m[2, 2] < 0:  # else the plane would lie behind the camera
            scale = -scale
        r1, r2, t = (scale * m[:, k] for k in range(3))
        u, _, vt = np.linalg.svd(np.column_stack([r1, r2, np.cross(r1, r2)]))
        rotation = u @ vt
        centre = -rotation.T @ t
        return np.array([centre[0], centre[1], abs(centre[2])])

    def require_plane(self) -> Plane:
        """The plane, or a UsageError saying how to calibrate it."""
        if self.plane is None:
            raise UsageError(
                "this calibration has no treadmill plane yet; run: "
                "hipdrive calibrate plane --facing left|right"
            )
        return self.plane


def _points(points: np.ndarray) -> np.ndarray:
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2), got {pts.shape}")
    return pts


def apply_homography(homography: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(N, 2) float64 points through a (3, 3) homography."""
    mapped = points @ homography[:, :2].T + homography[:, 2]
    return mapped[:, :2] / mapped[:, 2:3]
