"""Solving camera intrinsics and lens distortion from board views, dropping outlier views."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from calibrate.board import Detection
from calibrate.boardspec import BoardSpec
from edge.errors import UsageError

MIN_VIEWS = 6
#: a view whose error exceeds this many times the median view error is an outlier ...
OUTLIER_FACTOR = 3.0
#: ... unless it is below this, which is good in any case
OUTLIER_FLOOR_PX = 0.5
MAX_ROUNDS = 3
# k3 is poorly constrained by a few dozen views of a flat board and trades off against k1 and
# k2 at the image corners; the 4-term model fits ordinary (non-fisheye) lenses to < 0.1 px.
FLAGS = cv2.CALIB_FIX_K3


@dataclass(frozen=True, slots=True)
class IntrinsicsSolution:
    """K (3, 3) float64 pixels; dist (5,) float64 OpenCV k1, k2, p1, p2, k3.

    rms_px: reprojection error over all corners of the kept views. view_errors_px: per view
    (index into the views given, RMS error in pixels) for the kept views; dropped: the same for
    the views left out as outliers.
    """

    K: np.ndarray
    dist: np.ndarray
    rms_px: float
    view_errors_px: tuple[tuple[int, float], ...]
    dropped: tuple[tuple[int, float], ...]


def solve_intrinsics(
    spec: BoardSpec, views: Sequence[Detection], image_size: tuple[int, int]
) -> IntrinsicsSolution:
    """Calibrate from views of the board; re-solve without views far worse than the rest."""
    if len(views) < MIN_VIEWS:
        raise UsageError(
            f"only {len(views)} usable views of the board; at least {MIN_VIEWS} are needed: "
            "show the board in more places and tilts"
        )
    kept = list(range(len(views)))
    dropped: list[tuple[int, float]] = []
    for _ in range(MAX_ROUNDS):
        K, dist, errors = _solve(spec, [views[i] for i in kept], image_size)
        limit = max(OUTLIER_FACTOR * float(np.median(errors)), OUTLIER_FLOOR_PX)
        worse = [(i, e) for i, e in zip(kept, errors, strict=True) if e > limit]
        if not worse or len(kept) - len(worse) < MIN_VIEWS:
            break
        dropped += worse
        kept = [i for i in kept if i not in {i for i, _ in worse}]
    else:
        K, dist, errors = _solve(spec, [views[i] for i in kept], image_size)
    counts = np.array([len(views[i].ids) for i in kept])
    rms = float(np.sqrt(np.sum(errors**2 * counts) / counts.sum()))
    return IntrinsicsSolution(
        K=K,
        dist=dist,
        rms_px=rms,
        view_errors_px=tuple((i, float(e)) for i, e in zip(kept, errors, strict=True)),
        dropped=tuple(dropped),
    )


def _solve(
    spec: BoardSpec, views: Sequence[Detection], image_size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """K, dist (5,), and each view's RMS reprojection error in pixels."""
    corners = spec.corners()
    objects = [
        np.column_stack([corners[v.ids], np.zeros(len(v.ids))]).astype(np.float32) for v in views
    ]
    images = [v.points.astype(np.float32) for v in views]
    try:
        _, K, dist, rvecs, tvecs = cv2.calibrateCamera(
            objects, images, image_size, None, None, flags=FLAGS
        )
    except cv2.error as exc:
        raise UsageError(
            f"OpenCV could not solve the intrinsics ({exc.err}); the views are too alike: "
            "tilt the board more and show it in every part of the image"
        ) from None
    errors = np.empty(len(views))
    for k, (obj, img, rvec, tvec) in enumerate(zip(objects, images, rvecs, tvecs, strict=True)):
        projected, _ = cv2.projectPoints(obj, rvec, tvec, K, dist)
        errors[k] = np.sqrt(np.mean(np.sum((projected.reshape(-1, 2) - img) ** 2, axis=1)))
    return K, np.asarray(dist, dtype=np.float64).reshape(-1)[:5], errors
