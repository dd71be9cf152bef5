"""Steps in a row: which steps follow one another, as a run's or a walk's do, where steps that
stand alone come from a person lost between them or not running (a user trial's warm-up drills).
One rule for the station's figures and cues, the console's plots (which import nothing of the
gait engine), and analyze's and the report's verdicts."""

from __future__ import annotations

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


def in_row(steps: Sequence[Timed]) -> np.ndarray:
    """(N,) bool: which of ``steps`` follow another of them or are followed by one: a step
    timed from the landing before it (``follows``) when that landing is one of ``steps``, and
    that step."""
    ic = np.array([s.ic_t for s in steps])
    order = np.argsort(ic, kind="stable")
    ranked = ic[order]
    row = np.zeros(len(ic), dtype=bool)
    for i, step in enumerate(steps):
        if step.step_ms is None:
            continue
        before = step.ic_t - step.step_ms / 1000.0
        lo = int(np.searchsorted(ranked, before - ROW_MATCH_S))
        hi = int(np.searchsorted(ranked, before + ROW_MATCH_S, side="right"))
        if hi > lo:
            row[order[lo:hi]] = True
            row[i] = True
    return row


def in_a_row(steps: Sequence[Timed]) -> int:
    """How many of ``steps`` are in a row (``in_row``)."""
    return int(in_row(steps).sum())
