"""A dot canvas drawn with Unicode braille: each character cell holds 2 x 4 dots.

A terminal cell is about twice as tall as it is wide, so a braille dot is about square and a
figure keeps its proportions. Each cell has one colour (the last ink drawn in it) and may carry a
character instead of dots (labels, markers).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
from rich.segment import Segment
from rich.style import Style

Point: TypeAlias = "tuple[float, float] | np.ndarray"
"""Dot coordinates (x, y); an array of two floats will do."""

_BRAILLE = 0x2800
# Bit of each dot in a cell, indexed [row 0..3][column 0..1] (Unicode braille patterns).
_DOT_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.int32)


class BrailleCanvas:
    """``width`` x ``height`` character cells, i.e. ``2 * width`` x ``4 * height`` dots.

    Dot coordinates are floats, x to the right and y down, (0, 0) the top-left dot. Inks are
    indexes into the ``styles`` given to ``to_text``; 0 is "no colour of its own".
    """

    def __init__(self, width: int, height: int) -> None:
        self.width = max(width, 0)
        self.height = max(height, 0)
        self.dot_width = 2 * self.width
        self.dot_height = 4 * self.height
        self._dots = np.zeros((self.dot_height, self.dot_width), dtype=bool)
        self._ink = np.zeros((self.height, self.width), dtype=np.int16)
        self._chars: dict[tuple[int, int], tuple[str, int]] = {}

    def points(self, xs: np.ndarray, ys: np.ndarray, ink: int) -> None:
        """Set the dots nearest each (x, y); points off the canvas are dropped."""
        cols = np.rint(np.asarray(xs, dtype=np.float64)).astype(np.int64)
        rows = np.rint(np.asarray(ys, dtype=np.float64)).astype(np.int64)
        inside = (cols >= 0) & (cols < self.dot_width) & (rows >= 0) & (rows < self.dot_height)
        cols, rows = cols[inside], rows[inside]
        self._dots[rows, cols] = True
        if ink:
            self._ink[rows // 4, cols // 2] = ink

    def line(self, start: Point, end: Point, ink: int, *, every: int = 1) -> None:
        """A straight line of dots; ``every=2`` draws every other dot (dotted)."""
        (x0, y0), (x1, y1) = start, end
        n = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
        steps = np.linspace(0.0, 1.0, n + 1)[::every]
        self.points(x0 + (x1 - x0) * steps, y0 + (y1 - y0) * steps, ink)

    def circle(self, centre: Point, r: float, ink: int) -> None:
        cx, cy = centre
        n = max(int(2 * np.pi * r), 8)
        angles = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
        self.points(cx + r * np.cos(angles), cy + r * np.sin(angles), ink)

    def char(self, at: Point, text: str, ink: int) -> None:
        """Write ``text`` over the cells from the one holding dot ``at`` rightwards."""
        col, row = int(at[0]) // 2, int(at[1]) // 4
        if not 0 <= row < self.height:
            return
        for i, ch in enumerate(text):
            if 0 <= col + i < self.width:
                self._chars[(row, col + i)] = (ch, ink)

    def rows(self, styles: Sequence[Style]) -> list[list[Segment]]:
        """The canvas as segments, one list per cell row, each run of one ink a segment."""
        cells = self._dots.reshape(self.height, 4, self.width, 2)
        codes = np.einsum("rycx,yx->rc", cells.astype(np.int32), _DOT_BITS)
        glyphs = np.where(codes > 0, codes + _BRAILLE, ord(" "))
        ink = self._ink.copy()
        for (row, col), (ch, char_ink) in self._chars.items():
            glyphs[row, col] = ord(ch)
            ink[row, col] = char_ink
        # Where the ink changes along each row: the segment boundaries.
        breaks: list[list[int]] = [[0] for _ in range(self.height)]
        for r, c in zip(*np.nonzero(ink[:, 1:] != ink[:, :-1]), strict=True):
            breaks[r].append(int(c) + 1)
        rows = []
        for row_glyphs, row_ink, starts in zip(glyphs.tolist(), ink.tolist(), breaks, strict=True):
            line = "".join(map(chr, row_glyphs))
            starts.append(self.width)
            rows.append(
                [
                    Segment(line[a:b], styles[row_ink[a]] if row_ink[a] else None)
                    for a, b in itertools.pairwise(starts)
                ]
            )
        return rows
