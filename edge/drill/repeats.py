"""The repeats of a drill, and the repeat-by-repeat table that compares them.

Where a repeat starts and ends comes from the laps the console marked (``repeat K FOCUS`` ...
``rest``: a key, or the console seeing the runner speed up and slow down), else from the steps
themselves, never from a clock: a repeat is a bout of running of at least ``MIN_REPEAT_S``,
between rests (walking, standing, stepping off, or a pause in the steps of ``MAX_GAP_S``). A bout
whose speed (``pace``: the belt's as the stance foot reads it) changes by ``SPEED_CHANGE`` is split
there; of running that goes on without a walked step between, only the faster parts are repeats and
the slower ones the jog around them (strides from a jog).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from typing import TextIO

import numpy as np

from edge.bus.schema import StepMsg, gait_of
from edge.drill.plan import SPEED_CHANGE, Repeat, pace, parse_lap
from edge.gait.mode import RUNNING
from edge.gait.summary import running_steps
from edge.store.sessions import Lap

MIN_REPEAT_S = 6.0
"""A bout of running shorter than this is not a repeat (100 m at 6 m/s takes 17 s)."""
MAX_GAP_S = 2.0
"""Running steps further apart than this belong to different bouts (a step is ~0.35 s)."""
MAX_PAUSE_S = 4.0
"""Bouts this close with no walked step between run on from each other: the faster is the
stride, the slower the jog around it (steps lost while the speed changes leave such a pause)."""
SPLIT_STEPS = 6
"""The speed on each side of a possible split is the median of this many steps, or of those
there are, ``SPLIT_LEAST`` at least, near the bout's ends."""
SPLIT_LEAST = 3
"""Steps a split leaves on either side at the least: a stride's last steps, walked as the belt
slowed but counted as running until the engine told the walk, are cut off it where they are (six
a side had put the cut three steps early, between the stride's steps)."""


def from_laps(laps: Sequence[Lap], end_t: float) -> list[Repeat]:
    """The repeats the laps mark: each from its ``repeat K`` lap to the next lap (or
    ``end_t``); a repeat marked again before its end from the last mark (the console starts a
    repeat again where a runner who jogged after a walk speeds up: ``LiveDrill``)."""
    out = []
    for k, lap in enumerate(laps):
        started = parse_lap(lap.label)
        if started is None:
            continue
        if k + 1 < len(laps) and laps[k + 1].label == lap.label:
            continue
        until = laps[k + 1].t if k + 1 < len(laps) else end_t
        out.append(Repeat(started[0], started[1], lap.t, until))
    return out


def from_steps(steps: Sequence[StepMsg], focus_of: Callable[[int], str | None]) -> list[Repeat]:
    """The repeats the steps show (the rules in this module's docstring); ``focus_of(K)`` is
    repeat K's focus."""
    running = sorted(running_steps(steps), key=lambda s: s.ic_t)
    bouts: list[list[StepMsg]] = []
    for step in running:
        if bouts and step.ic_t - bouts[-1][-1].ic_t <= MAX_GAP_S:
            bouts[-1].append(step)
        else:
            bouts.append([step])
    rests = [s.ic_t for s in steps if gait_of(s) != RUNNING]
    parts: list[tuple[list[StepMsg], bool]] = []  # (steps, runs on from the part before)
    for bout in bouts:
        for piece in _split_at_speed_changes(bout):
            before = parts[-1][0][-1].ic_t if parts else -math.inf
            start = piece[0].ic_t
            walked = any(before < t < start for t in rests)
            parts.append((piece, start - before <= MAX_PAUSE_S and not walked))
    chains: list[list[list[StepMsg]]] = []
    for piece, runs_on in parts:
        if runs_on and chains:
            chains[-1].append(piece)
        else:
            chains.append([piece])
    strides = [piece for chain in chains for piece in _strides(chain)]
    return [
        Repeat(k, focus_of(k), piece[0].ic_t, piece[-1].to_t)
        for k, piece in enumerate(strides, start=1)
    ]


def _strides(chain: list[list[StepMsg]]) -> list[list[StepMsg]]:
    """The repeats among parts that run on from each other: those long enough, and when their
    speeds differ by ``SPEED_CHANGE`` or more, only the faster ones (above halfway between the
    slowest and the fastest); the rest is the jog around them."""
    long = [p for p in chain if p[-1].to_t - p[0].ic_t >= MIN_REPEAT_S]
    speeds = [_median_speed(p) for p in long]
    known = [v for v in speeds if v is not None]
    if len(known) < 2 or len(known) < len(long) or max(known) < min(known) * (1 + SPEED_CHANGE):
        return long
    halfway = 0.5 * (max(known) + min(known))
    return [p for p, v in zip(long, speeds, strict=True) if v is not None and v >= halfway]


def _median_speed(steps: Sequence[StepMsg]) -> float | None:
    speeds = [v for v in map(pace, steps) if v is not None]
    return float(np.median(speeds)) if len(speeds) > len(steps) // 2 else None


def _split_at_speed_changes(bout: list[StepMsg]) -> list[list[StepMsg]]:
    """The bout cut where the median speed of the next ``SPLIT_STEPS`` steps differs from the
    last ``SPLIT_STEPS``' (fewer at its ends) by ``SPEED_CHANGE`` or more, recursively (where
    most steps have a speed): where the fewest steps either side are nearer the other side's
    speed, and of those at the biggest change (the biggest alone lies anywhere along the
    steps where a median's window holds both speeds, some steps from the change)."""
    n = SPLIT_STEPS
    cuts = []
    for k in range(SPLIT_LEAST, len(bout) - SPLIT_LEAST + 1):
        ahead, behind = bout[max(0, k - n) : k], bout[k : k + n]
        before, after = _median_speed(ahead), _median_speed(behind)
        if before and after and abs(after / before - 1.0) >= SPEED_CHANGE:
            astray = sum(_nearer(s, after, before) for s in ahead)
            astray += sum(_nearer(s, before, after) for s in behind)
            cuts.append((astray, -abs(after / before - 1.0), k))
    if not cuts:
        return [bout]
    where = min(cuts)[2]
    return _split_at_speed_changes(bout[:where]) + _split_at_speed_changes(bout[where:])


def _nearer(step: StepMsg, speed: float, than: float) -> bool:
    """Whether ``step`` was run nearer ``speed`` than ``than``."""
    own = pace(step)
    return own is not None and abs(own - speed) < abs(own - than)


def find_repeats(
    steps: Sequence[StepMsg], laps: Sequence[Lap], focus_of: Callable[[int], str | None]
) -> list[Repeat]:
    """The drill's repeats: from its laps when the console marked any, else from the steps."""
    end_t = max((s.to_t for s in steps), default=0.0)
    marked = from_laps(laps, end_t)
    return marked if marked else from_steps(steps, focus_of)


def is_drill(laps: Sequence[Lap]) -> bool:
    """Whether the laps hold a drill (a ``repeat K`` lap)."""
    return any(parse_lap(lap.label) is not None for lap in laps)


def export_laps(laps: Sequence[Lap], out: TextIO, t0: float = 0.0) -> None:
    """The laps as CSV: seconds from ``t0`` (the session's start, as its steps' export),
    wall clock, label, and for a drill repeat's lap its number and focus (empty otherwise)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("t", "wall", "label", "repeat", "focus"))
    for lap in laps:
        repeat, focus = parse_lap(lap.label) or (None, None)
        writer.writerow(
            (lap.t - t0, lap.wall, lap.label or "", "" if repeat is None else repeat, focus or "")
        )
