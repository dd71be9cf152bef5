"""The repeat-by-repeat table of a drill and the comparison of its focuses.

Each repeat's figure is the median over its running steps, on the surely measured ones as the
station's summaries take them (``edge.gait.summary.summarise``), over every step where none is
(the scissor, which has a far thigh in it once the legs are told apart: less sure, but alike
from repeat to repeat of one runner filmed alike). The focuses are compared by the mean of their
repeats' medians: the hip-focus repeats against the quick-step ones.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from edge.bus.schema import StepMsg
from edge.drill.plan import Repeat
from edge.gait.fit import measured_run
from edge.gait.summary import LESS_SURE, LESS_SURE_MEANS, MetricSummary, summarise
from edge.pace import UNJUDGED_BEYOND, beyond_recorded


@dataclass(frozen=True, slots=True)
class Column:
    metric: str
    heading: str
    short: str
    digits: int


COLUMNS = (
    Column("hip_extension_deg", "hip extension deg", "hipext°", 1),
    Column("knee_lift_deg", "knee lift deg", "knee°", 1),
    Column("scissor_deg", "scissor deg", "sciss°", 1),
    Column("overstride_cm", "overstride cm", "ovs cm", 1),
    Column("overstride_pct_leg", "overstride % leg", "ovs %", 1),
    Column("cadence_spm", "cadence spm", "spm", 0),
    Column("stride_length_m", "stride m", "str m", 2),
    Column("contact_ms", "contact ms", "ct ms", 0),
)
"""The key metrics of hip drive, in order (overstride in cm when calibrated, else % of leg): a
drill's repeats and a runner's sessions (``edge.report.trend``) are compared by them."""


class Medians(Protocol):
    """A row of medians by metric name (a repeat's, a session's)."""

    @property
    def medians(self) -> dict[str, float | None]: ...


@dataclass(frozen=True, slots=True)
class RepeatRow:
    """One repeat and the medians of its running steps (None: no value); ``unsure``: the
    metrics measured surely on none of them, whose medians rest on less sure values."""

    repeat: Repeat
    steps: int
    medians: dict[str, float | None]
    unsure: frozenset[str] = frozenset()
    beyond: bool = False
    """Whether its pace was beyond the paces recorded, where overstride has no target
    (``beyond_recorded``, ``UNJUDGED_BEYOND``)."""

    @property
    def marked(self) -> frozenset[str]:
        """The metrics not judged, marked in the table: less sure, or without a target at its
        pace, as ``sessions trend`` marks a session's (a user trial's repeat at such a pace
        showed its 40.1% overstride unmarked)."""
        return self.unsure | (frozenset(UNJUDGED_BEYOND) if self.beyond else frozenset())


#: what a mark means on a repeat beyond the paces recorded
BEYOND_MEANS = (
    f"{LESS_SURE} also: overstride at a pace faster than any runner recorded, where it has no "
    "target"
)


def repeat_rows(repeats: Sequence[Repeat], steps: Sequence[StepMsg]) -> list[RepeatRow]:
    """Each repeat's row, from the running steps that landed within it, but for those the run's
    figures leave out (``measured_run``: under running's cadence)."""
    running = measured_run(list(steps))
    rows = []
    for repeat in repeats:
        mine = [s for s in running if repeat.start_t <= s.ic_t <= repeat.end_t]
        summaries = {c.metric: summarise(mine, c.metric) for c in COLUMNS}
        beyond = beyond_recorded(summarise(mine, "speed_legs_per_s").median)
        medians = {name: s.median for name, s in summaries.items()}
        rows.append(RepeatRow(repeat, len(mine), medians, not_judged(summaries, False), beyond))
    return rows


def not_judged(summaries: dict[str, MetricSummary], beyond: bool) -> frozenset[str]:
    """The metrics of a repeat's (a session's) medians that are not judged: measured less
    surely, or, at a pace beyond the paces recorded (``beyond``), without a target
    (``UNJUDGED_BEYOND``)."""
    return frozenset(
        name
        for name, s in summaries.items()
        if s.median is not None and (not s.confident or (beyond and name in UNJUDGED_BEYOND))
    )


def columns_of(rows: Sequence[Medians], columns: Sequence[Column] = COLUMNS) -> list[Column]:
    """The ``columns`` some repeat (session) has a value in; the overstride in cm alone where
    every one with it in % of the leg has it in cm too, else both (a user trial's trend, one
    session calibrated after two that were not, had dropped the two's overstride unsaid)."""
    shown = [c for c in columns if any(r.medians[c.metric] is not None for r in rows)]
    if all(
        r.medians.get("overstride_cm") is not None
        for r in rows
        if r.medians.get("overstride_pct_leg") is not None
    ) and any(c.metric == "overstride_cm" for c in shown):
        shown = [c for c in shown if c.metric != "overstride_pct_leg"]
    return shown


def by_focus(rows: Sequence[RepeatRow]) -> dict[str, dict[str, float | None]]:
    """Each focus's mean over its repeats of every column's median."""
    out: dict[str, dict[str, float | None]] = {}
    for focus in dict.fromkeys(r.repeat.focus for r in rows if r.repeat.focus):
        mine = [r for r in rows if r.repeat.focus == focus]
        out[focus] = {}
        for column in COLUMNS:
            values = [v for r in mine if (v := r.medians[column.metric]) is not None]
            out[focus][column.metric] = float(np.mean(values)) if values else None
    return out


def focus_unsure(rows: Sequence[RepeatRow]) -> dict[str, frozenset[str]]:
    """Each focus's metrics whose mean rests on a repeat's less sure median."""
    out: dict[str, frozenset[str]] = {}
    for row in rows:
        if row.repeat.focus:
            out[row.repeat.focus] = out.get(row.repeat.focus, frozenset()) | row.marked
    return out


def table_lines(rows: Sequence[RepeatRow]) -> list[str]:
    """The table as text, 80 columns: a line per repeat, then a line per focus (their means);
    the headings are short (° degrees, ovs overstride, str stride, ct contact). A figure
    measured less surely is marked, as ``sessions trend`` marks it (a user trial's drill table
    showed unmarked what the trend marked for the same session), and the mark said below."""
    columns = columns_of(rows)
    head = "rep focus   secs  n " + "".join(c.short.rjust(8) for c in columns)

    def cells(values: dict[str, float | None], unsure: frozenset[str]) -> str:
        return "".join(
            (
                "-"
                if values[c.metric] is None
                else f"{values[c.metric]:.{c.digits}f}" + (LESS_SURE if c.metric in unsure else "")
            ).rjust(8)
            for c in columns
        )

    lines = [head]
    for row in rows:
        r = row.repeat
        lines.append(
            f"{r.index:3d} {(r.focus or '-'):6s} {r.end_t - r.start_t:5.0f} {row.steps:2d} "
            + cells(row.medians, row.marked)
        )
    unsure = focus_unsure(rows)
    for focus, means in by_focus(rows).items():
        count = sum(1 for row in rows if row.repeat.focus == focus)
        lines.append(f"all {focus:6s} {count:2d} reps  " + cells(means, unsure[focus]))
    if any(c.metric in row.unsure for row in rows for c in columns):
        lines += textwrap.wrap(LESS_SURE_MEANS, 80)
    if beyond_marked(rows, columns):
        lines += textwrap.wrap(BEYOND_MEANS, 80)
    return lines


def beyond_marked(rows: Sequence[RepeatRow], columns: Sequence[Column]) -> bool:
    """Whether a figure shown is marked for its repeat's pace alone (``BEYOND_MEANS``)."""
    return any(
        row.beyond and c.metric in UNJUDGED_BEYOND and row.medians[c.metric] is not None
        for row in rows
        for c in columns
    )


def drill_table(repeats: Sequence[Repeat], steps: Sequence[StepMsg]) -> list[str]:
    """The text table of ``repeats`` over ``steps`` (what the console shows after a drill)."""
    return table_lines(repeat_rows(repeats, steps))
