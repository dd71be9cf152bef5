"""The treadmill plane: image pixels -> the runner's sagittal plane in metres.

With a board held upright on the belt along the runner's line, the board *is* that plane: a
homography from its corners gives the metric mapping, the board's bottom edge gives the belt.
Without a board, two marks of known distance along the belt and the belt line give a similarity,
which is exact only when the camera looks square onto the belt.
"""

from __future__ import annotations

import cv2
import numpy as np

from calibrate.board import Detection
from calibrate.boardspec import BoardSpec
from calibrate.model import Calibration, Facing, Plane, apply_homography
from edge.errors import UsageError

#: plane box (x from, x to, y from, y to), metres, the default region of interest: a stride
#: either way of the board and up to above a tall runner's head
DEFAULT_ROI_M = (-1.0, 1.0, -0.15, 2.1)
#: the belt line is drawn this far either way of the board, metres, clipped to the image
BELT_HALF_LENGTH_M = 0.75
#: a given belt line may differ this much from the board's horizontal before it is refused
MAX_BELT_ANGLE_DEG = 15.0


def plane_from_board(
    lens: Calibration,
    spec: BoardSpec,
    detection: Detection,
    facing: Facing,
    belt_line_px: np.ndarray | None = None,
    board_lift_m: float = 0.0,
    roi: tuple[int, int, int, int] | None = None,
) -> Plane:
    """Fit the plane to a board standing upright on the belt.

    lens: the camera's calibration so far (its intrinsics undistort the corners, if any).
    detection: the board's corners in image pixels. belt_line_px: (2, 2) image pixels on the
    belt; without it the belt is ``board_lift_m`` below the pattern's bottom edge. x = 0 lies
    below the board's centre.
    """
    undistorted = lens.undistort(detection.points)
    board = spec.corners()[detection.ids]
    to_board = _board_homography(lens, board, detection.points, undistorted)
    back = apply_homography(np.linalg.inv(to_board), board)
    rms = float(np.sqrt(np.mean(np.sum((back - undistorted) ** 2, axis=1))))
    forward, up = _plane_axes(to_board, spec, facing)
    width, height = spec.size_m
    outline = np.array([[0.0, 0.0], [width, 0.0], [0.0, height], [width, height]])
    belt_level = float((outline @ up).min()) - board_lift_m
    centre = np.array([width / 2, height / 2])
    board_to_plane = np.array(
        [
            [forward[0], forward[1], -float(centre @ forward)],
            [up[0], up[1], -belt_level],
            [0.0, 0.0, 1.0],
        ]
    )
    homography = board_to_plane @ to_board
    if belt_line_px is not None:
        homography = _level_to_belt(homography, lens.undistort(belt_line_px))
    return _finish(lens, homography, facing, belt_line_px, roi, rms)


def _board_homography(
    lens: Calibration, board: np.ndarray, pixels: np.ndarray, undistorted: np.ndarray
) -> np.ndarray:
    """(3, 3) undistorted pixels -> board metres.

    With intrinsics, the board's pose (6 unknowns) is fitted rather than a free homography
    (8): on a board a fifth of the running area's size that cuts the error extrapolated a
    metre away about tenfold (0.6% -> 0.05% on the synthetic side view).
    """
    if lens.intrinsics is None:
        homography, _ = cv2.findHomography(undistorted, board, 0)
        if homography is None:
            raise UsageError("the board's corners do not fit a plane; hold it flat and still")
        return np.asarray(homography, dtype=np.float64)
    K, dist = lens.intrinsics.K, lens.intrinsics.dist
    objects = np.column_stack([board, np.zeros(len(board))])
    ok, rvec, tvec = cv2.solvePnP(objects, pixels, K, dist, flags=cv2.SOLVEPNP_IPPE)
    if not ok:
        raise UsageError("the board's pose could not be found; hold it flat, still and in view")
    rvec, tvec = cv2.solvePnPRefineLM(objects, pixels, K, dist, rvec, tvec)
    R, _ = cv2.Rodrigues(rvec)
    return np.linalg.inv(K @ np.column_stack([R[:, 0], R[:, 1], tvec.reshape(3)]))


def plane_from_points(
    lens: Calibration,
    points_px: np.ndarray,
    distance_m: float,
    belt_line_px: np.ndarray,
    facing: Facing,
    roi: tuple[int, int, int, int] | None = None,
) -> Plane:
    """The manual fallback: two image points ``distance_m`` apart along the belt, the belt line.

    points_px, belt_line_px: (2, 2) image pixels. Assumes the camera looks square onto the
    belt (the image plane parallel to the runner's plane); x = 0 lies between the two points.
    The similarity is fitted in normalised camera coordinates (K^-1), so pixels that are not
    square (fx != fy) do not skew it; without intrinsics pixels are taken as square.
    """
    if distance_m <= 0:
        raise UsageError(f"--distance {distance_m:g}: must be > 0 (metres between the points)")
    if any(np.linalg.norm(p[1] - p[0]) < 10 for p in (points_px, belt_line_px)):
        raise UsageError(
            "the two --points and the two --belt-line points must each be at least 10 px apart"
        )
    normalise = np.eye(3) if lens.intrinsics is None else np.linalg.inv(lens.intrinsics.K)
    marks = apply_homography(normalise, lens.undistort(points_px))
    belt = apply_homography(normalise, lens.undistort(belt_line_px))
    span = float(np.linalg.norm(marks[1] - marks[0]))
    along = belt[1] - belt[0]
    along /= np.linalg.norm(along)
    off = np.degrees(np.arccos(min(1.0, abs(float(along @ (marks[1] - marks[0]))) / span)))
    if off > MAX_BELT_ANGLE_DEG:
        raise UsageError(
            f"the two --points lie {off:.0f} deg off the belt line; pick two marks along the belt"
        )
    if (along[0] > 0) != (facing == "right"):
        along = -along
    up = np.array([along[1], -along[0]])
    if up[1] > 0:
        up = -up
    scale = distance_m / span
    middle = marks.mean(axis=0)
    origin = belt[0] + float((middle - belt[0]) @ along) * along
    similarity = np.array(
        [
            [scale * along[0], scale * along[1], -scale * float(along @ origin)],
            [scale * up[0], scale * up[1], -scale * float(up @ origin)],
            [0.0, 0.0, 1.0],
        ]
    )
    return _finish(lens, similarity @ normalise, facing, belt_line_px, roi, None)


def _plane_axes(
    to_board: np.ndarray, spec: BoardSpec, facing: Facing
) -> tuple[np.ndarray, np.ndarray]:
    """Board-frame unit vectors for plane x (forward) and y (up), from how the board appears.

    Whichever board axis looks more vertical in the image is "up", signed to point up in the
    image; the other is "forward", signed by the way the runner faces. So the board may be held
    in any of its four orientations.
    """
    from_board = np.linalg.inv(to_board)
    centre = np.array(spec.size_m) / 2
    ends = centre + np.array([[0.0, 0.0], [spec.square_m, 0.0], [0.0, spec.square_m]])
    origin, end_x, end_y = apply_homography(from_board, ends)
    looks = [(end - origin) / np.linalg.norm(end - origin) for end in (end_x, end_y)]
    vertical = int(abs(looks[1][1]) > abs(looks[0][1]))
    horizontal = 1 - vertical
    axes = np.eye(2)
    up = axes[vertical] * (1.0 if looks[vertical][1] < 0 else -1.0)
    ahead = (looks[horizontal][0] > 0) == (facing == "right")
    forward = axes[horizontal] * (1.0 if ahead else -1.0)
    return forward, up


def _level_to_belt(homography: np.ndarray, belt_undistorted: np.ndarray) -> np.ndarray:
    """Turn and shift the plane so the given belt line is y = 0 and horizontal."""
    a, b = apply_homography(homography, belt_undistorted)
    if b[0] < a[0]:
        a, b = b, a
    angle = float(np.arctan2(b[1] - a[1], b[0] - a[0]))
    if abs(np.degrees(angle)) > MAX_BELT_ANGLE_DEG:
        raise UsageError(
            f"the --belt-line is {abs(np.degrees(angle)):.0f} deg off the board's horizontal; "
            "check its points, or stand the board upright on the belt"
        )
    c, s = np.cos(angle), np.sin(angle)
    turn = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
    level = float((turn[:2, :2] @ a)[1])
    shift = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, -level], [0.0, 0.0, 1.0]])
    return shift @ turn @ homography


def _finish(
    lens: Calibration,
    homography: np.ndarray,
    facing: Facing,
    belt_line_px: np.ndarray | None,
    roi: tuple[int, int, int, int] | None,
    rms_px: float | None,
) -> Plane:
    """Complete a plane from its homography: belt line, region of interest, scale at the belt."""
    draft = Plane(
        homography=homography,
        belt_line=np.zeros((2, 2)),
        facing=facing,
        roi=(0, 0, 1, 1),
        meters_per_pixel_at_belt=1.0,
    )
    mapped = Calibration(lens.camera, lens.image_size, lens.created, lens.intrinsics, draft)
    w, h = lens.image_size
    if roi is not None:
        x, y, rw, rh = roi
        if x < 0 or y < 0 or rw <= 0 or rh <= 0 or x + rw > w or y + rh > h:
            raise UsageError(f"--roi {x},{y},{rw},{rh}: must lie inside the {w}x{h} image")
    return Plane(
        homography=homography,
        belt_line=belt_line_px if belt_line_px is not None else _belt_in_view(mapped),
        facing=facing,
        roi=roi if roi is not None else _default_roi(mapped),
        meters_per_pixel_at_belt=meters_per_pixel(mapped, np.zeros((1, 2)))[0],
        rms_px=rms_px,
    )


def meters_per_pixel(calibration: Calibration, plane_points: np.ndarray) -> np.ndarray:
    """(N,) metres per image pixel at (N, 2) plane points: sqrt(|det|) of the local Jacobian."""
    jac = jacobians(calibration, calibration.from_plane(plane_points))
    return np.sqrt(np.abs(np.linalg.det(jac)))


def jacobians(calibration: Calibration, pixels: np.ndarray) -> np.ndarray:
    """(N, 2, 2) d(plane metres)/d(image pixels) at (N, 2) image pixels, central differences."""
    h = 0.5
    steps = [np.array([h, 0.0]), np.array([0.0, h])]
    columns = [
        (calibration.to_plane(pixels + d) - calibration.to_plane(pixels - d)) / (2 * h)
        for d in steps
    ]
    return np.stack(columns, axis=-1)


def _belt_in_view(calibration: Calibration) -> np.ndarray:
    """(2, 2) image pixels: the ends of the visible part of the belt line near the board."""
    xs = np.linspace(-BELT_HALF_LENGTH_M, BELT_HALF_LENGTH_M, 301)
    pixels = calibration.from_plane(np.column_stack([xs, np.zeros_like(xs)]))
    w, h = calibration.image_size
    inside = np.nonzero(
        (pixels[:, 0] >= 0)
        & (pixels[:, 0] <= w - 1)
        & (pixels[:, 1] >= 0)
        & (pixels[:, 1] <= h - 1)
    )[0]
    if len(inside) < 2:
        raise UsageError(
            "the belt below the board is not in the image; give it with --belt-line X1,Y1,X2,Y2 "
            "or measure --board-lift again"
        )
    return pixels[[inside[0], inside[-1]]]


def _default_roi(calibration: Calibration) -> tuple[int, int, int, int]:
    """Image box around DEFAULT_ROI_M, clipped to the image."""
    x0, x1, y0, y1 = DEFAULT_ROI_M
    t = np.linspace(0.0, 1.0, 50)
    outline = np.concatenate(
        [
            np.column_stack([x0 + (x1 - x0) * t, np.full_like(t, y0)]),
            np.column_stack([x0 + (x1 - x0) * t, np.full_like(t, y1)]),
            np.column_stack([np.full_like(t, x0), y0 + (y1 - y0) * t]),
            np.column_stack([np.full_like(t, x1), y0 + (y1 - y0) * t]),
        ]
    )
    pixels = calibration.from_plane(outline)
    w, h = calibration.image_size
    left, top = np.clip(np.floor(pixels.min(axis=0)), 0, [w - 1, h - 1]).astype(int)
    right, bottom = np.clip(np.ceil(pixels.max(axis=0)), 0, [w, h]).astype(int)
    return int(left), int(top), int(max(right - left, 1)), int(max(bottom - top, 1))
