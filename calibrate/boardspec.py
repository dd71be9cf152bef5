"""The ``--board`` spec and the geometry of a board's corners (no OpenCV needed).

Board frame (as printed, looking at the pattern): x right, y down, metres, origin at the
pattern's top-left outer corner, z = 0 on the board. Inner corner (i, j) of a board with square
``s`` sits at ((i + 1) s, (j + 1) s), for ChArUco and checkerboard alike, so both share one
geometry: the pattern spans [0, cols s] x [0, rows s].
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np

from edge.errors import UsageError

BOARD_USAGE = "charuco:COLSxROWS:SQUARE_M:MARKER_M[:DICT] or checkerboard:COLSxROWS:SQUARE_M"
DEFAULT_BOARD = "charuco:7x5:0.05:0.037:DICT_4X4_50"
#: paper a board is printed on, millimetres, (long side, short side)
PAPERS_MM = {
    "a4": (297.0, 210.0),
    "a3": (420.0, 297.0),
    "letter": (279.4, 215.9),
    "tabloid": (431.8, 279.4),
}


@dataclass(frozen=True, slots=True)
class BoardSpec:
    """A printed board. ``cols`` x ``rows`` count squares (not inner corners)."""

    kind: Literal["charuco", "checkerboard"]
    cols: int
    rows: int
    square_m: float
    marker_m: float | None = None
    dictionary: str | None = None

    def __str__(self) -> str:
        head = f"{self.kind}:{self.cols}x{self.rows}:{self.square_m:g}"
        return (
            head if self.kind == "checkerboard" else f"{head}:{self.marker_m:g}:{self.dictionary}"
        )

    @property
    def size_m(self) -> tuple[float, float]:
        """Width and height of the pattern, metres."""
        return self.cols * self.square_m, self.rows * self.square_m

    @property
    def corner_count(self) -> int:
        return (self.cols - 1) * (self.rows - 1)

    def corners(self) -> np.ndarray:
        """(corner_count, 2) float64, metres in the board frame, row by row from the top left."""
        i, j = np.meshgrid(np.arange(1, self.cols), np.arange(1, self.rows))
        return np.stack([i.ravel(), j.ravel()], axis=1) * self.square_m


def parse_board(spec: str) -> BoardSpec:
    """Parse a ``--board`` value; UsageError says which part is wrong and shows the form."""
    parts = spec.strip().split(":")
    kind = parts[0].lower()
    if kind not in ("charuco", "checkerboard"):
        raise UsageError(f"board {spec!r}: unknown kind {parts[0]!r}; use {BOARD_USAGE}")
    expected = (4, 5) if kind == "charuco" else (3, 3)
    if not expected[0] <= len(parts) <= expected[1]:
        raise UsageError(f"board {spec!r}: wrong number of fields; use {BOARD_USAGE}")
    cols_rows = parts[1].lower().split("x")
    if len(cols_rows) != 2 or not all(p.isdigit() for p in cols_rows):
        raise UsageError(f"board {spec!r}: size {parts[1]!r} must be COLSxROWS, e.g. 7x5")
    cols, rows = int(cols_rows[0]), int(cols_rows[1])
    if min(cols, rows) < 3 or max(cols, rows) > 40:
        raise UsageError(f"board {spec!r}: {cols}x{rows} squares; each side needs 3 to 40")
    square = _length(spec, "square", parts[2])
    if kind == "checkerboard":
        return BoardSpec("checkerboard", cols, rows, square)
    marker = _length(spec, "marker", parts[3])
    if marker >= square:
        raise UsageError(
            f"board {spec!r}: the marker ({marker:g} m) must be smaller than the square "
            f"({square:g} m); about 0.75 of it is usual"
        )
    dictionary = _dictionary_name(spec, parts[4] if len(parts) == 5 else "DICT_4X4_50")
    capacity = int(dictionary.rsplit("_", 1)[1])
    if cols * rows // 2 > capacity:
        raise UsageError(
            f"board {spec!r}: {cols}x{rows} squares need {cols * rows // 2} markers but "
            f"{dictionary} has {capacity}; choose a larger dictionary such as DICT_4X4_250"
        )
    return BoardSpec("charuco", cols, rows, square, marker, dictionary)


def _length(spec: str, what: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(
            f"board {spec!r}: {what} size {text!r} must be metres, e.g. 0.05"
        ) from None
    if not 0.001 <= value <= 1.0:
        raise UsageError(f"board {spec!r}: {what} size {value:g} m must be 0.001 to 1 (metres)")
    return value


def _dictionary_name(spec: str, text: str) -> str:
    name = text.upper()
    name = name if name.startswith("DICT_") else f"DICT_{name}"
    if not re.fullmatch(r"DICT_([4-7])X\1_(50|100|250|1000)", name):
        raise UsageError(
            f"board {spec!r}: unknown dictionary {text!r}; use DICT_NxN_M with N 4-7 and "
            "M 50, 100, 250 or 1000"
        )
    return name
