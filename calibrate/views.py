"""Choosing calibration views: keep a view only when it adds image coverage or board tilt.

Intrinsics are only as good as the spread of the views: corners in every part of the image (the
distortion is strongest at the edges) and the board tilted in every direction (which separates
the focal length from the board's distance). The collector counts both and says what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from calibrate.board import Detection
from calibrate.boardspec import BoardSpec

GRID_NAMES = (
    ("top left", "top", "top right"),
    ("left", "centre", "right"),
    ("bottom left", "bottom", "bottom right"),
)
TILT_NAMES = (
    "facing the camera",
    "left edge away",
    "right edge away",
    "top edge away",
    "bottom edge away",
)
#: views per image region and per tilt ("facing the camera" needs fewer)
PER_CELL = 3
PER_TILT = 3
PER_FRONTAL = 2
#: a board within this many degrees of square-on counts as facing the camera
FRONTAL_DEG = 10.0
#: a board turned more than this counts as tilted
TILTED_DEG = 20.0
#: corners a region must hold to count as covered by a view
CORNERS_PER_CELL = 4
#: a view turned the same way whose corners moved less than this share of the image diagonal
#: repeats an earlier one (a board held still in a video)
SIMILAR_FRACTION = 0.015


@dataclass(frozen=True, slots=True)
class Verdict:
    """What became of one offered view: ``adds`` names the regions and tilts it filled."""

    kind: Literal["accepted", "repeat", "nothing new"]
    reason: str
    adds: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.kind == "accepted"


class ViewCollector:
    """Accepts detections that add coverage or tilt, up to what a good calibration needs."""

    def __init__(self, spec: BoardSpec, image_size: tuple[int, int]) -> None:
        self.spec = spec
        self.image_size = image_size
        self.views: list[Detection] = []
        self.cells = np.zeros((3, 3), dtype=np.int64)
        self.tilts = np.zeros(len(TILT_NAMES), dtype=np.int64)
        self._view_tilts: list[int | None] = []
        w, h = image_size
        f = 0.9 * max(w, h)
        # A rough camera is enough to tell which way the board is turned.
        self._guess_K = np.array([[f, 0.0, w / 2], [0.0, f, h / 2], [0.0, 0.0, 1.0]])

    @property
    def needed(self) -> int:
        """Units of coverage a complete collection holds (for a progress bar)."""
        return 9 * PER_CELL + PER_FRONTAL + (len(TILT_NAMES) - 1) * PER_TILT

    @property
    def filled(self) -> int:
        cells = int(np.minimum(self.cells, PER_CELL).sum())
        limits = np.array([PER_FRONTAL] + [PER_TILT] * (len(TILT_NAMES) - 1))
        return cells + int(np.minimum(self.tilts, limits).sum())

    @property
    def complete(self) -> bool:
        return self.filled == self.needed

    def missing(self) -> list[str]:
        """Image regions that still need the board, then the tilts still needed."""
        regions = [
            GRID_NAMES[r][c] for r, c in zip(*np.nonzero(self.cells < PER_CELL), strict=True)
        ]
        limits = [PER_FRONTAL] + [PER_TILT] * (len(TILT_NAMES) - 1)
        tilts = [
            name for name, n, limit in zip(TILT_NAMES, self.tilts, limits, strict=True) if n < limit
        ]
        return regions + tilts

    def coverage_map(self) -> list[str]:
        """Three text rows, one character per region: '#' covered, '+' partly, '.' not yet."""
        marks = np.where(self.cells >= PER_CELL, "#", np.where(self.cells > 0, "+", "."))
        return ["".join(row) for row in marks]

    def offer(self, detection: Detection) -> Verdict:
        """Keep the view if it fills a region or a tilt that is still short, and is new."""
        tilt = self._tilt_of(detection)
        similar = self._similar_to(detection, tilt)
        if similar is not None:
            return Verdict("repeat", f"repeats view {similar + 1}; move or turn the board")
        cells = self._cells_of(detection.points)
        adds = [GRID_NAMES[r][c] for r, c in cells if self.cells[r, c] < PER_CELL]
        limit = PER_FRONTAL if tilt == 0 else PER_TILT
        if tilt is not None and self.tilts[tilt] < limit:
            adds.append(TILT_NAMES[tilt])
        if not adds:
            return Verdict("nothing new", "adds no new region or tilt")
        for r, c in cells:
            self.cells[r, c] += 1
        if tilt is not None:
            self.tilts[tilt] += 1
        self.views.append(detection)
        self._view_tilts.append(tilt)
        return Verdict("accepted", "adds " + ", ".join(adds), tuple(adds))

    def _cells_of(self, points: np.ndarray) -> list[tuple[int, int]]:
        w, h = self.image_size
        col = np.clip((points[:, 0] * 3 // w).astype(int), 0, 2)
        row = np.clip((points[:, 1] * 3 // h).astype(int), 0, 2)
        counts = np.zeros((3, 3), dtype=np.int64)
        np.add.at(counts, (row, col), 1)
        need = min(CORNERS_PER_CELL, len(points))
        return [(int(r), int(c)) for r, c in zip(*np.nonzero(counts >= need), strict=True)]

    def _tilt_of(self, detection: Detection) -> int | None:
        """Index into TILT_NAMES, or None for a board turned between frontal and tilted."""
        board = np.column_stack([self.spec.corners()[detection.ids], np.zeros(len(detection.ids))])
        ok, rvec, tvec = cv2.solvePnP(board, detection.points, self._guess_K, None)
        if not ok:
            return None
        R, _ = cv2.Rodrigues(rvec)
        cam = board @ R.T + tvec.reshape(1, 3)
        # Depth as a plane over the camera's x and y: its slopes are the board's turn.
        design = np.column_stack([cam[:, 0], cam[:, 1], np.ones(len(cam))])
        (dz_dx, dz_dy, _), *_ = np.linalg.lstsq(design, cam[:, 2], rcond=None)
        turn_x, turn_y = np.degrees(np.arctan([dz_dx, dz_dy]))
        if max(abs(turn_x), abs(turn_y)) < FRONTAL_DEG:
            return 0
        if max(abs(turn_x), abs(turn_y)) < TILTED_DEG:
            return None
        if abs(turn_x) >= abs(turn_y):
            return 1 if turn_x < 0 else 2
        return 3 if turn_y < 0 else 4

    def _similar_to(self, detection: Detection, tilt: int | None) -> int | None:
        w, h = self.image_size
        limit = SIMILAR_FRACTION * float(np.hypot(w, h))
        for k, (view, view_tilt) in enumerate(zip(self.views, self._view_tilts, strict=True)):
            if view_tilt != tilt:
                continue
            common, a, b = np.intersect1d(view.ids, detection.ids, return_indices=True)
            if len(common) < 0.8 * max(len(view.ids), len(detection.ids)):
                continue
            moved = np.linalg.norm(view.points[a] - detection.points[b], axis=1).mean()
            if moved < limit:
                return k
        return None
