"""Steps in a row: which steps follow one another, as a run's or a walk's do, where steps that
stand alone come from a person lost between them or not running (a user trial's warm-up drills).
One rule for the station's figures and cues, the console's plots (which import nothing of the
gait engine), and analyze's and the report's verdicts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Timed(Protocol):
    """A step as a message or as the engine gives it: its landing, and its step time."""

    @property
    def ic_t(self) -> float: ...
    @property
    def step_ms(self) -> float | None: ...


#: how near, s, a step's landing must be to where the step after it was timed from
ROW_MATCH_S = 0.002


def follows(step: Timed, before: Timed) -> bool:
    """Whether ``step`` was timed from ``before``'s landing (``step_ms``)."""
    return step.step_ms is not None and (
        abs(step.ic_t - step.step_ms / 1000.0 - before.ic_t) <= ROW_MATCH_S
    )


class Footed(Timed, Protocol):
    """A step that also names its foot."""

    @property
    def foot(self) -> str: ...


def same_foot_twice(steps: Sequence[Footed]) -> bool:
    """Whether one of ``steps`` follows another of them (``follows``) on the same foot. The feet
    alternate, so one of the two was named wrong: the depth cues that tell the near leg from the
    far one turned (a user trial's clips, a camera carried or panning, had the same foot named
    twice in a row, one step apart, on all four clips that gave steps), and every step named
    between two such turns may be the other foot."""
    return any(steps[i].foot == steps[j].foot for i, j in _pairs(steps))


def in_row(steps: Sequence[Timed]) -> np.ndarray:
    """(N,) bool: which of ``steps`` follow another of them or are followed by one: a step
    timed from the landing before it (``follows``) when that landing is one of ``steps``, and
    that step."""
    row = np.zeros(len(steps), dtype=bool)
    for i, j in _pairs(steps):
        row[[i, j]] = True
    return row


def _pairs(steps: Sequence[Timed]) -> list[tuple[int, int]]:
    """(i, j): step i of ``steps`` follows step j of them (``follows``)."""
    ic = np.array([s.ic_t for s in steps], dtype=float)
    timed = np.array([math.nan if s.step_ms is None else s.step_ms for s in steps], dtype=float)
    order = np.argsort(ic, kind="stable")
    ranked = ic[order]
    # Where each step was timed from; NaN (no step time) sorts past every landing: no pair.
    before = ic - timed / 1000.0
    lo = np.searchsorted(ranked, before - ROW_MATCH_S)
    hi = np.searchsorted(ranked, before + ROW_MATCH_S, side="right")
    return [(int(i), int(j)) for i in np.flatnonzero(hi > lo) for j in order[lo[i] : hi[i]]]


def in_a_row(steps: Sequence[Timed]) -> int:
    """How many of ``steps`` are in a row (``in_row``)."""
    return int(in_row(steps).sum())
