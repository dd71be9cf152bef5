"""Finding a calibration board in an image: its corners to a tenth of a pixel, or why not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from calibrate.boardspec import BoardSpec
from edge.errors import UsageError

#: fewer corners than this share of the board makes a view "partial"
MIN_CORNER_FRACTION = 0.5
#: a board whose edges spread over more pixels than this is too blurred to locate corners well
MAX_EDGE_WIDTH_PX = 4.5
#: corner refinement windows, as a share of the corner spacing: the ChArUco detector's own
#: refinement leaves up to 0.4 px, and a tenth of a square keeps clear of the markers inside
#: the white squares; a plain checkerboard allows a wider, steadier window
CHARUCO_WINDOW = 0.12
CHECKERBOARD_WINDOW = 0.35


@dataclass(frozen=True, slots=True)
class Detection:
    """A board found in an image.

    ids: (N,) int, indices into ``BoardSpec.corners()``.
    points: (N, 2) float64, pixel coordinates of those corners in the image as given.
    """

    ids: np.ndarray
    points: np.ndarray


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why an image gives no usable view: ``kind`` in a word, ``reason`` says what to do."""

    kind: Literal["no board", "partial", "blurred"]
    reason: str


class BoardFinder:
    """Finds one board in images; build once, call ``find`` per image."""

    def __init__(self, spec: BoardSpec) -> None:
        self.spec = spec
        self._charuco: cv2.aruco.CharucoDetector | None = None
        if spec.kind == "charuco":
            self._charuco = cv2.aruco.CharucoDetector(charuco_board(spec))

    def find(self, image: np.ndarray) -> Detection | Rejection:
        """Corners of the board in a BGR or grey image, or why there is no usable view."""
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        found = self._find_charuco(gray) if self._charuco else self._find_checkerboard(gray)
        if isinstance(found, Rejection):
            return found
        width = edge_width_px(gray, found.points)
        if width > MAX_EDGE_WIDTH_PX:
            return Rejection(
                "blurred",
                f"too blurred: board edges spread over {width:.1f} px (at most "
                f"{MAX_EDGE_WIDTH_PX:g}); hold the board still and check the focus and light",
            )
        return found

    def _find_charuco(self, gray: np.ndarray) -> Detection | Rejection:
        assert self._charuco is not None
        corners, ids, _, marker_ids = self._charuco.detectBoard(gray)
        if marker_ids is None or len(marker_ids) == 0:
            return Rejection(
                "no board", f"no board found: show the whole {self.spec} board, well lit"
            )
        n = 0 if ids is None else len(ids)
        need = max(6, int(np.ceil(MIN_CORNER_FRACTION * self.spec.corner_count)))
        if n < need:
            return Rejection(
                "partial",
                f"partial board: {n} of {self.spec.corner_count} corners found (need {need}); "
                "bring more of the board into view",
            )
        points = np.asarray(corners, dtype=np.float32).reshape(-1, 2)
        return Detection(
            ids=np.asarray(ids, dtype=np.int64).reshape(-1),
            points=refine_corners(gray, points, CHARUCO_WINDOW),
        )

    def _find_checkerboard(self, gray: np.ndarray) -> Detection | Rejection:
        pattern = (self.spec.cols - 1, self.spec.rows - 1)
        # The classic detector takes milliseconds where findChessboardCornersSB takes a quarter
        # to half a second per 720p frame, too slow to follow a live camera; cornerSubPix then
        # places its corners to a few hundredths of a pixel on a sharp board.
        ok, corners = cv2.findChessboardCorners(
            gray,
            pattern,
            flags=cv2.CALIB_CB_ADAPTIVE_THRESH
            | cv2.CALIB_CB_NORMALIZE_IMAGE
            | cv2.CALIB_CB_FAST_CHECK,
        )
        if not ok:
            return Rejection(
                "no board",
                f"no board found: the whole {self.spec} checkerboard must be in view, well lit",
            )
        points = np.asarray(corners, dtype=np.float32).reshape(-1, 2)
        return Detection(
            ids=np.arange(self.spec.corner_count, dtype=np.int64),
            points=refine_corners(gray, points, CHECKERBOARD_WINDOW),
        )


def refine_corners(gray: np.ndarray, points: np.ndarray, window: float) -> np.ndarray:
    """Sub-pixel saddle points of (N, 2) float32 corners -> (N, 2) float64.

    window: the search half-width as a share of the corner spacing (at most 10 px).
    """
    gaps = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=-1)
    np.fill_diagonal(gaps, np.inf)
    spacing = float(np.median(gaps.min(axis=1)))
    half = int(np.clip(round(window * spacing), 2, 10))
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 40, 1e-4)
    refined = cv2.cornerSubPix(
        gray, points.reshape(-1, 1, 2).copy(), (half, half), (-1, -1), criteria
    )
    return refined.reshape(-1, 2).astype(np.float64)


def charuco_board(spec: BoardSpec) -> cv2.aruco.CharucoBoard:
    assert spec.kind == "charuco" and spec.marker_m and spec.dictionary
    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, spec.dictionary))
    return cv2.aruco.CharucoBoard((spec.cols, spec.rows), spec.square_m, spec.marker_m, dictionary)


def edge_width_px(gray: np.ndarray, points: np.ndarray) -> float:
    """How many pixels the board's black-white edges spread over (about 2.5 x the blur sigma).

    gray: (H, W) uint8. points: (N, 2) corner pixels; the board's bounding box is measured.
    Contrast over peak gradient, taken per axis so that motion blur along one axis shows.
    """
    h, w = gray.shape
    x0, y0 = np.floor(points.min(axis=0)).astype(int)
    x1, y1 = np.ceil(points.max(axis=0)).astype(int) + 1
    patch = gray[max(y0, 0) : min(y1, h), max(x0, 0) : min(x1, w)].astype(np.float32)
    if patch.shape[0] < 3 or patch.shape[1] < 3:
        return float("inf")
    lo, hi = np.percentile(patch, [5, 95])
    gx = np.abs(cv2.Sobel(patch, cv2.CV_32F, 1, 0, ksize=3, scale=1 / 8))
    gy = np.abs(cv2.Sobel(patch, cv2.CV_32F, 0, 1, ksize=3, scale=1 / 8))
    peak = min(float(np.percentile(gx, 99)), float(np.percentile(gy, 99)))
    return float((hi - lo) / peak) if peak > 0 else float("inf")


def average_detections(detections: list[Detection]) -> Detection:
    """One steadier detection from several of a still board: mean position of common corners."""
    common = detections[0].ids
    for d in detections[1:]:
        common = np.intersect1d(common, d.ids)
    if len(common) < 4:
        raise UsageError("the board moved or was hidden between frames; hold it still in view")
    points = []
    for d in detections:
        order = np.argsort(d.ids)
        points.append(d.points[order[np.searchsorted(d.ids, common, sorter=order)]])
    return Detection(ids=common, points=np.mean(points, axis=0))
