"""Progress over weeks: one runner's sessions side by side, session by session.

Sessions are keyed by the runner's name as the console set it (``n``), matched without regard to
case or surrounding spaces. Each session's figure is the median over its running steps (the surely
measured ones, as the station's summaries take them, or every one where none is, as the scissor
since 4 December 2026; walked steps, and those whose gait was not told, left out), so a warm-up walk
does not move it. A figure its session did not judge is marked ``LESS_SURE``, as a report marks it:
measured surely on too few of its steps (the scissor's far thigh, an oblique camera without a
calibration), or, at a pace beyond the recorded ones, the overstride and the shin's reach, which
have no target there (a user trial's 39.1% overstride at such a pace stood unmarked beside the
runner's slower sessions). The page is self-contained HTML: the table, and one small chart per
metric across the sessions' dates, those figures drawn hollow.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

from edge.drill.table import COLUMNS, Column, columns_of, not_judged
from edge.errors import UsageError
from edge.gait.fit import measured_run
from edge.gait.summary import LESS_SURE, summarise
from edge.pace import beyond_recorded
from edge.report import plots
from edge.store.sessions import SessionInfo, list_sessions, read_steps

MIN_STEPS = 20
"""A session with fewer running steps than this is listed without figures (too few to judge)."""
TREND_COLUMNS = (Column("speed_legs_per_s", "pace leg/s", "pace", 2), *COLUMNS)
"""The pace first (the belt's speed over the runner's leg, as the engine reads it): the targets
and the figures move with it, so a user trial's session at 5.1 m/s read as a contact time
improved from 237 to 192 ms, the pace nowhere in the table. Then drill's columns."""


@dataclass(frozen=True, slots=True)
class TrendRow:
    """One session of the runner: when, how many running steps, each metric's median, and the
    metrics whose median the session did not judge (measured less surely, or without a target
    at its pace)."""

    session: SessionInfo
    running: int
    medians: dict[str, float | None]
    unjudged: frozenset[str] = frozenset()


def _key(name: str | None) -> str:
    return (name or "").strip().casefold()


def trend_rows(path: Path, runner: str) -> list[TrendRow]:
    """The runner's sessions, oldest first; UsageError naming the runners there are."""
    sessions = list_sessions(path)
    mine = [s for s in sessions if _key(s.runner) == _key(runner)]
    if not mine:
        # One name for each runner as matched, without case, as first recorded (a user trial's
        # list read "Anna, Ben, anna, ben" for two runners).
        first: dict[str, str] = {}
        for s in sessions:
            if s.runner:
                first.setdefault(_key(s.runner), s.runner.strip())
        named = sorted(first.values())
        raise UsageError(
            f"no sessions of runner {runner!r}; "
            + (
                f"runners recorded: {', '.join(named)}"
                if named
                else "no session has a runner's name: set it from the console (n)"
            )
        )
    rows = []
    for info in mine:
        running = measured_run(read_steps(path, info.id))
        # A session that ended with steps no cue rests on has no figures, as its report.
        judged = len(running) >= MIN_STEPS and info.problem is None
        summaries = {c.metric: summarise(running, c.metric) for c in TREND_COLUMNS}
        pace = summaries["speed_legs_per_s"].median
        unjudged = not_judged(summaries, beyond_recorded(pace))
        medians = {name: summary.median for name, summary in summaries.items()}
        rows.append(
            TrendRow(info, len(running), medians, unjudged)
            if judged
            else TrendRow(info, len(running), dict.fromkeys(medians))
        )
    return rows


UNJUDGED_MARK_NOTE = (
    f"{LESS_SURE} not judged: measured less surely, or without a target at the session's pace"
    " (its report says which)"
)


def cell(row: TrendRow, metric: str, digits: int) -> str:
    """A session's figure as the table shows it: ``-`` for none, marked when not judged."""
    value = row.medians[metric]
    if value is None:
        return "-"
    return f"{value:.{digits}f}" + (LESS_SURE if metric in row.unjudged else "")


def _marked(rows: Sequence[TrendRow]) -> bool:
    return any(row.medians[m] is not None for row in rows for m in row.unjudged)


def unjudged_note(rows: Sequence[TrendRow]) -> str | None:
    """Which sessions have no figures because their steps could not be judged (a file's time
    base, a scale or a belt speed that did not fit the runner, a facing the feet contradicted),
    or None."""
    ids = [str(r.session.id) for r in rows if r.session.problem]
    if not ids:
        return None
    which = f"session {ids[0]}" if len(ids) == 1 else f"sessions {', '.join(ids)}"
    return f"{which}: not judged, the steps no cue rests on (its report says why)"


def _day(info: SessionInfo) -> str:
    return datetime.fromisoformat(info.started).strftime("%Y-%m-%d %H:%M")


def trend_lines(rows: Sequence[TrendRow]) -> list[str]:
    """The table as text: a line per session."""
    shown = columns_of(rows, TREND_COLUMNS)
    head = f"{'session':>7}  {'started (UTC)':16}  {'steps':>5}  " + "  ".join(
        c.heading.rjust(max(len(c.heading), 6)) for c in shown
    )
    lines = [head]
    for row in rows:
        cells = "  ".join(
            cell(row, c.metric, c.digits).rjust(max(len(c.heading), 6)) for c in shown
        )
        lines.append(f"{row.session.id:7d}  {_day(row.session):16}  {row.running:5d}  {cells}")
    few = [str(r.session.id) for r in rows if r.running < MIN_STEPS and not r.session.problem]
    if few:
        # A user trial's sessions of short clips gave a table of ids and dates, with no word why.
        which = f"session {few[0]}" if len(few) == 1 else f"sessions {', '.join(few)}"
        lines.append(f"{which}: fewer than {MIN_STEPS} running steps, too few for figures")
    if _marked(rows):
        lines.append(UNJUDGED_MARK_NOTE)
    note = unjudged_note(rows)
    return lines if note is None else [*lines, note]


def trend_page(runner: str, rows: Sequence[TrendRow]) -> str:
    """The self-contained HTML page: the table and the chart."""
    shown = columns_of(rows, TREND_COLUMNS)
    head = "".join(f"<th>{escape(c.heading)}</th>" for c in shown)
    body = "".join(
        f"<tr><td>{r.session.id}</td><td>{escape(_day(r.session))}</td><td>{r.running}</td>"
        + "".join(f"<td>{cell(r, c.metric, c.digits)}</td>" for c in shown)
        + "</tr>"
        for r in rows
    )
    labels = [f"{datetime.fromisoformat(r.session.started):%m-%d}\n#{r.session.id}" for r in rows]
    figure = ""
    if shown:
        # No session with figures, no chart: a user trial's was a blank picture.
        chart = plots.trend(rows, labels, [r.unjudged for r in rows], TREND_COLUMNS)
        png = base64.b64encode(chart).decode("ascii")
        figure = (
            '<figure id=trend><img alt="the metrics across the sessions" '
            f'src="data:image/png;base64,{png}">\n</figure>'
        )
    title = f"{runner}: progress over {len(rows)} session{'s' if len(rows) != 1 else ''}"
    unjudged = "" if (note := unjudged_note(rows)) is None else f" {note.capitalize()}."
    if _marked(rows):
        unjudged += f" {UNJUDGED_MARK_NOTE}; hollow in the charts."
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse}}td,th{{padding:.25em .6em;border-bottom:1px solid #ddd;
text-align:right}}img{{max-width:100%}}</style></head>
<body><h1>{escape(title)}</h1>
<table class=trend><thead><tr><th>session</th><th>started (UTC)</th><th>running steps</th>
{head}</tr></thead><tbody>{body}</tbody></table>
<p class=note>Each session's median over its running steps (walked steps left out; a session
with fewer than {MIN_STEPS} running steps has no figures).{escape(unjudged)}</p>
{figure}
</body></html>
"""
