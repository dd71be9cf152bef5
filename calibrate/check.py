"""Checking a calibration: the plane drawn over a frame, and what a pixel of error costs in cm."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from calibrate.model import Calibration
from calibrate.plane import jacobians

#: the running area the error is summarised over: x from, x to, y from, y to (metres): a
#: stride either way of the board, from the belt to above the hips
RUNNING_AREA_M = (-0.75, 0.75, 0.0, 1.2)
#: the drawn grid: x from, x to, y from, y to (metres), minor and major spacing
GRID_M = (-1.0, 1.0, 0.0, 2.0)
GRID_MINOR_M = 0.1
GRID_MAJOR_M = 0.5

_GRID = (90, 200, 90)
_MAJOR = (40, 230, 40)
_BELT = (40, 40, 230)
_ROI = (230, 160, 40)


@dataclass(frozen=True, slots=True)
class ErrorEstimate:
    """Plane error, cm, from an image error of ``px`` pixels in its worst direction.

    at_belt_cm: below the board; area_*: over the visible part of RUNNING_AREA_M. fit_cm: the
    plane fit's own residual (board corners) at the belt, None without one. camera_distance_m:
    from the camera to the runner's plane, None without intrinsics: a keypoint d metres off the
    plane reads about d / distance too large or small, which is what the far leg does.
    camera_forward_m: how far ahead of the board's centre the camera stands along the belt
    (None without intrinsics): off square, a foot landing beside the plane reads shifted along
    it, by its distance from the plane times forward / distance at the board.
    """

    px: float
    at_belt_cm: float
    area_mean_cm: float
    area_max_cm: float
    fit_cm: float | None
    camera_distance_m: float | None
    camera_forward_m: float | None = None


def expected_error(calibration: Calibration, px: float = 1.0) -> ErrorEstimate:
    """Propagate ``px`` of image error through the mapping at the belt and over the area."""
    plane = calibration.require_plane()
    x0, x1, y0, y1 = RUNNING_AREA_M
    xs, ys = np.meshgrid(np.linspace(x0, x1, 16), np.linspace(y0, y1, 13))
    area = np.column_stack([xs.ravel(), ys.ravel()])
    pixels = calibration.from_plane(np.vstack([np.zeros((1, 2)), area]))
    w, h = calibration.image_size
    seen = (pixels[:, 0] >= 0) & (pixels[:, 0] < w) & (pixels[:, 1] >= 0) & (pixels[:, 1] < h)
    seen[0] = True
    gain = np.linalg.svd(jacobians(calibration, pixels[seen]), compute_uv=False)[:, 0]
    at_belt = 100 * float(gain[0])
    area_gain = gain[1:] if len(gain) > 1 else gain
    camera = calibration.camera_in_plane()
    return ErrorEstimate(
        px=px,
        at_belt_cm=at_belt * px,
        area_mean_cm=100 * float(area_gain.mean()) * px,
        area_max_cm=100 * float(area_gain.max()) * px,
        fit_cm=None if plane.rms_px is None else at_belt * plane.rms_px,
        camera_distance_m=None if camera is None else float(camera[2]),
        camera_forward_m=None if camera is None else float(camera[0]),
    )


def draw_check(image: np.ndarray, calibration: Calibration) -> np.ndarray:
    """A copy of a BGR frame with the plane grid (0.1 m, 0.5 m bold), belt line, ROI, facing."""
    plane = calibration.require_plane()
    out = image.copy()
    x0, x1, y0, y1 = GRID_M
    t = np.linspace(0.0, 1.0, 80)
    for x in np.arange(x0, x1 + 1e-9, GRID_MINOR_M):
        line = np.column_stack([np.full_like(t, x), y0 + (y1 - y0) * t])
        _polyline(out, calibration, line, *_style(x))
    for y in np.arange(y0, y1 + 1e-9, GRID_MINOR_M):
        line = np.column_stack([x0 + (x1 - x0) * t, np.full_like(t, y)])
        _polyline(out, calibration, line, *_style(y))
    for x in np.arange(x0, x1 + 1e-9, GRID_MAJOR_M):
        for y in np.arange(y0, y1 + 1e-9, GRID_MAJOR_M):
            _label(out, calibration, (x, y), f"{x:+.1f}, {y:.1f} m")
    a, b = np.rint(plane.belt_line).astype(int)
    cv2.line(out, tuple(a), tuple(b), _BELT, 3, cv2.LINE_AA)
    x, y, w, h = plane.roi
    cv2.rectangle(out, (x, y), (x + w - 1, y + h - 1), _ROI, 2)
    tail, head = calibration.from_plane(np.array([[0.0, 0.05], [0.3, 0.05]]))
    cv2.arrowedLine(out, _pt(tail), _pt(head), _BELT, 3, cv2.LINE_AA, tipLength=0.25)
    mm = 1000 * plane.meters_per_pixel_at_belt
    text = f"runner faces {plane.facing}; {mm:.2f} mm per pixel at the belt"
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.7, 2)
    cv2.rectangle(out, (0, 0), (tw + 20, th + 20), (0, 0, 0), -1)
    cv2.putText(out, text, (10, th + 10), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2)
    return out


def _style(value: float) -> tuple[tuple[int, int, int], int]:
    major = abs(value / GRID_MAJOR_M - round(value / GRID_MAJOR_M)) < 1e-6
    return (_MAJOR, 2) if major else (_GRID, 1)


def _polyline(
    image: np.ndarray,
    calibration: Calibration,
    plane_points: np.ndarray,
    colour: tuple[int, int, int],
    thickness: int,
) -> None:
    """Draw the part of a plane polyline that lies in front of the camera and near the image."""
    pixels = calibration.from_plane(plane_points)
    h, w = image.shape[:2]
    near = (
        _in_front(calibration, plane_points)
        & (np.abs(pixels[:, 0] - w / 2) < 2 * w)
        & (np.abs(pixels[:, 1] - h / 2) < 2 * h)
    )
    runs = np.split(np.arange(len(pixels)), np.nonzero(np.diff(near.astype(int)))[0] + 1)
    for run in runs:
        if near[run[0]] and len(run) > 1:
            cv2.polylines(image, [np.rint(pixels[run]).astype(np.int32)], False, colour, thickness)


def _in_front(calibration: Calibration, plane_points: np.ndarray) -> np.ndarray:
    """(N,) bool: plane points on the same side of the camera as the belt origin."""
    inverse = np.linalg.inv(calibration.require_plane().homography)
    w = plane_points @ inverse[2, :2] + inverse[2, 2]
    return np.sign(w) == np.sign(inverse[2, 2])


def _label(image: np.ndarray, calibration: Calibration, at: tuple[float, float], text: str) -> None:
    point = np.array([at])
    if not _in_front(calibration, point)[0]:
        return
    x, y = _pt(calibration.from_plane(point)[0])
    h, w = image.shape[:2]
    if 0 <= x < w and 0 <= y < h:
        cv2.putText(image, text, (x + 4, y - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.4, _MAJOR, 1)


def _pt(p: np.ndarray) -> tuple[int, int]:
    return round(float(p[0])), round(float(p[1]))
