"""The phases of a session: its runs of walking and running, and the gaps without steps.

A phase is a run of consecutive steps of one gait (``edge.bus.schema.gait_of``: a step without
a gait recorded before gaits were told apart counts as running; one measured before any gait was
told is ``UNTOLD``), from its first landing to the first landing of the next phase (or its own
last toe-off when it is the last, or a gap follows). A gap of more than ``GAP_S`` between one
step's toe-off and the next landing is a phase of its own: the person stood on the belt or left
it, which the steps alone do not tell apart; or, lying mostly within stretches where the station
got too few frames a second to time steps (``untimed``: ``GaitEngine.untimed``), steps went
untimed (a user trial's loaded station reported a run as "standing or off the belt"). The
engine hands out no step timed from too few frames a second, so the phases of steps either side
are timed whole; such a stretch before the first step or after the last is a phase of its own,
steps not timed, where it lasts more than ``GAP_S``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from edge.bus.schema import UNTOLD, Gaited, gait_of

GAP_S = 3.0
"""Seconds without a step that make a phase of standing or off the belt: a walker's step takes
about 0.55 s, and the engine takes someone standing after 2 s without a landing
(``mode.STILL_S``)."""
AWAY = "away"
"""The kind of a phase without steps."""
UNTIMED = "untimed"
"""The kind of a phase without steps where too few frames a second came to time any."""
_LABELS = {
    AWAY: "standing or off the belt",
    UNTIMED: "steps not timed: too few frames a second",
    UNTOLD: "gait not told",
}


class Timed(Gaited, Protocol):
    """A step as the engine (``Step``) or the wire (``StepMsg``) carries it."""

    @property
    def ic_t(self) -> float: ...
    @property
    def to_t(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Phase:
    """``kind``: ``running``, ``walking``, ``UNTOLD``, ``AWAY`` or ``UNTIMED``; times in the
    steps' seconds."""

    kind: str
    start_t: float
    end_t: float
    steps: int

    @property
    def label(self) -> str:
        """The kind as a person reads it."""
        return _LABELS.get(self.kind, self.kind)

    def describe(self, t0: float = 0.0) -> str:
        """``1:30-10:00 running, 1402 steps`` with times counted from ``t0``; a phase within
        one second, ``0:01 gait not told, 1 step`` (a user trial's read "0:01-0:01")."""
        start, end = clock(self.start_t - t0), clock(self.end_t - t0)
        span = f"{start}{'' if end == start else f'-{end}'} {self.label}"
        if self.steps == 0:
            return span
        return f"{span}, {self.steps} step{'' if self.steps == 1 else 's'}"


def clock(seconds: float) -> str:
    """``m:ss``, or ``h:mm:ss`` from an hour; a negative time counts as 0."""
    minutes, secs = divmod(max(int(seconds), 0), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _end(step: Timed) -> float:
    return step.to_t if math.isfinite(step.to_t) else step.ic_t


def _within(start_t: float, end_t: float, stretches: Sequence[tuple[float, float]]) -> float:
    """Seconds of ``start_t``-``end_t`` within ``stretches`` (apart from one another)."""
    return sum(max(0.0, min(end_t, stop) - max(start_t, begin)) for begin, stop in stretches)


def phases(
    steps: Iterable[Timed],
    gap_s: float = GAP_S,
    untimed: Sequence[tuple[float, float]] = (),
) -> list[Phase]:
    """The phases of steps in the order they were taken (the rules in the module docstring).
    ``untimed``: the stretches (start, end in the steps' seconds, apart from one another; the
    end may be infinite: still going) with too few frames a second to time steps."""
    steps = list(steps)
    out: list[Phase] = []
    run: list[Timed] = []

    def close(end_t: float) -> None:
        out.append(Phase(gait_of(run[0]), run[0].ic_t, end_t, len(run)))

    for step in steps:
        if run:
            gap = step.ic_t - _end(run[-1])
            if gap > gap_s:
                close(_end(run[-1]))
                start_t = _end(run[-1])
                kind = UNTIMED if _within(start_t, step.ic_t, untimed) > gap / 2 else AWAY
                out.append(Phase(kind, start_t, step.ic_t, 0))
                run = []
            elif gait_of(step) != gait_of(run[0]):
                close(step.ic_t)
                run = []
        run.append(step)
    if run:
        close(_end(run[-1]))
    if not steps:
        return [Phase(UNTIMED, a, b, 0) for a, b in untimed if gap_s < b - a < math.inf]
    # Before the first step and after the last, the station may have timed none for too few
    # frames a second (a loaded station's run and cool-down after a timed walk had read as
    # nothing after the walk).
    first, last = steps[0].ic_t, _end(steps[-1])
    before = [(a, min(b, first)) for a, b in untimed if min(b, first) - a > gap_s]
    after = [(max(a, last), b) for a, b in untimed if gap_s < b - max(a, last) < math.inf]
    return [
        *(Phase(UNTIMED, a, b, 0) for a, b in before),
        *out,
        *(Phase(UNTIMED, a, b, 0) for a, b in after),
    ]


def describe_phases(found: Sequence[Phase], t0: float = 0.0) -> str:
    """The phases on one line: ``0:00-1:30 walking, 128 steps; 1:30-10:00 running, ...``."""
    return "; ".join(p.describe(t0) for p in found)
