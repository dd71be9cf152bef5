"""The report as one self-contained HTML file: the summary table, the findings, the pictures and
the charts (PNG, base64-embedded), with a stylesheet that also prints well on A4."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape

from edge.drill.table import BEYOND_MEANS, beyond_marked, by_focus, columns_of, focus_unsure
from edge.gait.fit import MIN_JUDGED_STEPS, left_out_of_run
from edge.gait.metrics import OBLIQUE_METRICS
from edge.gait.phases import GAP_S, phases
from edge.gait.summary import (
    AT_TARGET,
    FEET_MIXED,
    LESS_SURE,
    LESS_SURE_MEANS,
    MIN_SURE_STEPS,
    doubted,
    view_marked,
    view_note,
)
from edge.pace import NO_TARGET_AT_PACE, pace_changed
from edge.report.model import METRICS, Moment, ReportInput, Row, Snapshot, too_few

_MOMENT = {"ic": "initial contact", "to": "toe-off"}


@dataclass(frozen=True, slots=True)
class Chart:
    """One figure: ``id`` is its HTML id, ``alt`` its text for screen readers and tests."""

    id: str
    title: str
    alt: str
    png: bytes
    caption: str


def _img(data: bytes, alt: str) -> str:
    return (
        f'<img alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'
    )


def _number(value: float | None, digits: int) -> str:
    return "&ndash;" if value is None else f"{value:.{digits}f}"


def _foot(side: str, value: float | None, sure: bool, digits: int) -> str:
    if sure:
        return f"<td class={side}>{_number(value, digits)}</td>"
    return f'<td class="{side} unsure" title="less sure">{_number(value, digits)}{LESS_SURE}</td>'


def _rows(rows: list[Row], limit: float) -> str:
    out = []
    for r in rows:
        verdict = {"good": "on target", "at": "at target", "off": "off target", None: ""}[r.verdict]
        if not r.confident and r.judged:
            verdict = "less sure"
        elif r.verdict == "at":
            verdict = f'<span title="{escape(_within(r))}">{verdict}</span>'
        asym = "&ndash;" if r.asymmetry_pct is None else f"{round(r.asymmetry_pct)}%"
        if why := doubted(r.metric.name, r.asymmetry_pct, r.feet_differ, limit):
            asym = f'<span title="{why}">{asym}{LESS_SURE}</span>'
        if r.feet_mixed:
            asym = "feet not told apart"
        elif r.near_leg_only:
            asym = "near leg only"
        digits = r.metric.digits
        median = _number(r.median, digits) + ("" if r.confident else LESS_SURE)
        median_class = "median" if r.confident else '"median unsure"'
        out.append(
            f'<tr data-metric="{r.metric.name}">'
            f"<th>{escape(r.metric.label)} <span class=unit>{escape(r.metric.unit)}</span></th>"
            f"<td class=steps>{r.steps}</td>"
            f"<td class={median_class}>{median}</td>"
            f"<td class=iqr>{_number(r.iqr, digits)}</td>"
            f"{_foot('left', r.left, r.left_sure, digits)}"
            f"{_foot('right', r.right, r.right_sure, digits)}"
            f'<td class="asym{" flag" if r.asymmetric else ""}">{asym}</td>'
            f"<td class=target>{escape(r.target)}</td>"
            f'<td class="verdict {r.verdict or ""}">{verdict}</td></tr>'
        )
    return "\n".join(out)


def _within(row: Row) -> str:
    """Why a median is at its target (``Row.verdict`` ``at``), in words."""
    return (
        f"{AT_TARGET}: the median is within its standard error "
        f"({row.error:.{row.metric.digits}f} {row.metric.unit}) of the target, so neither met "
        "nor missed"
    )


def _findings(data: ReportInput, rows: list[Row]) -> str:
    if data.notice:
        return f"<p class=notice>{escape(data.notice)}</p>"
    if not data.steps:
        return "<p>No steps were found, so there is nothing to judge.</p>"
    if data.run_withheld is not None:
        below = " The walking figures are below." if len(data.walking) >= MIN_JUDGED_STEPS else ""
        return f"<p>{escape(data.run_withheld)}, so there is nothing to judge.{below}</p>"
    if not data.running and not data.walking:
        found = "One step was" if len(data.steps) == 1 else f"{len(data.steps)} steps were"
        return (
            f"<p>{found} measured before any gait was told (the hips' rise over the stance "
            "foot not seen), so there is nothing to judge.</p>"
        )
    if not data.running:
        every = "Every step" if len(data.walking) == len(data.steps) else "Every step told"
        return (
            f"<p>{every} was walked: the targets are for running, so there is nothing to "
            "judge. The walking figures are below.</p>"
        )
    items = [
        f"<li class=off><b>{escape(r.metric.label)}</b>: median {r.median:.1f} "
        f"{escape(r.metric.unit)} (IQR {r.iqr:.1f}), target {escape(r.target)}.</li>"
        for r in rows
        if r.verdict == "off"
    ]
    # At its target, neither a fault nor met (a tester's treadmill run had read "off target"
    # for an overstride of 24.3% of the leg against 24.1, half its standard error).
    at = [
        f"<li class=at><b>{escape(r.metric.label)}</b>: median {r.median:.1f} "
        f"{escape(r.metric.unit)} (IQR {r.iqr:.1f}), at its target ({escape(r.target)}), "
        f"{escape(_within(r))}.</li>"
        for r in rows
        if r.verdict == "at"
    ]
    limit = data.targets.asymmetry_max_pct
    items += [
        f"<li class=off><b>{escape(r.metric.label)}</b>: left {r.left:.1f}, right {r.right:.1f}"
        f" {escape(r.metric.unit)}, a {abs(r.asymmetry_pct or 0):.0f}% difference"
        f" (target within {limit:g}%).</li>"
        for r in rows
        if r.asymmetric and r.left is not None and r.right is not None
    ]
    # One name for a metric the table has in two units (overstride in cm and in % of leg), and
    # judged when either unit is sure (a doubted scale leaves the cm less sure, the % of leg not).
    sure = {r.metric.label for r in rows if r.judged and r.confident}
    unjudged = list(
        dict.fromkeys(
            r.metric.label
            for r in rows
            if r.judged and not r.confident and r.metric.label not in sure
        )
    )
    few = [r.metric.label for r in rows if r.judged and r.waiting]
    unpaced = list(dict.fromkeys(r.metric.label for r in rows if r.beyond_pace))
    unsure = [label for label in unjudged if label not in few]
    reasons = {
        f"Not judged, {NO_TARGET_AT_PACE}": unpaced,
        "Not judged, measured less surely on every step": unsure,
        f"Not judged, measured surely on fewer than {MIN_SURE_STEPS} steps": few,
    }
    not_judged = [
        f"{why}: {escape(', '.join(labels))}." for why, labels in reasons.items() if labels
    ]
    if items:
        items += at
        notes = not_judged
    else:
        # What was not judged, or is at its target, comes first, and once: "every target met"
        # alone reads as a clean bill; and none is said met when none was judged (a user
        # trial's session, its feet out of the picture, every figure less sure, had read "Every
        # other target was met."). A figure at its target in one unit is no other target met in
        # its other (an overstride at its target in % of the leg, met in cm).
        at_labels = {r.metric.label for r in rows if r.verdict == "at"}
        if not (not_judged or at):
            tail = ["Every target met."]
        elif any(r.verdict == "good" and r.metric.label not in at_labels for r in rows):
            tail = ["Every other target was met."]
        else:
            tail = [] if at else ["No target was judged."]
        said = [*not_judged, *tail]
        items = [*at, *([f"<li class=good>{' '.join(said)}</li>"] if said else [])]
        notes = []
    if any(r.feet_mixed for r in rows):
        notes.append(f"Feet not told apart: {escape(FEET_MIXED)}.")
    if changed := pace_changed([s.speed_legs_per_s for s in data.running]):
        notes.append(f"{escape(changed[0].upper() + changed[1:])}.")
    near = list(dict.fromkeys(r.metric.label for r in rows if r.near_leg_only))
    if near:
        notes.append(
            f"{escape(', '.join(near))}: near leg only. The far leg is seen through the near "
            "one, so its values are less sure and left and right are not compared."
        )
    return (
        _view_note(data)
        + "<ul class=findings>"
        + "".join(items)
        + "</ul>"
        + "".join(f"<p class=note>{n}</p>" for n in notes)
    )


def _view_note(data: ReportInput) -> str:
    """What an oblique uncalibrated view did to the figures, when it did anything."""
    steps = [s for s in data.running if s.view != "far" and view_marked(s)]
    marked = {m for s in steps for m in s.metric_confidence} & set(OBLIQUE_METRICS)
    labels = dict.fromkeys(spec.label.lower() for name, spec in METRICS.items() if name in marked)
    note = view_note(data.steps, data.running, f"what this foreshortens ({', '.join(labels)})")
    return "" if note is None else f"<p class=warn id=view-note>{escape(note, quote=False)}</p>"


def _snapshots(data: ReportInput) -> str:
    if not data.snapshots:
        return f"<p class=note>{escape(data.snapshot_note or 'No pictures.')}</p>"
    cells = []
    for moment in ("ic", "to"):
        for snap in (s for s in data.snapshots if s.moment == moment):
            cells.append(_snapshot(snap, moment, data.t0))
    return "<div class=snapshots>" + "".join(cells) + "</div>"


def _snapshot(snap: Snapshot, moment: Moment, t0: float) -> str:
    step = snap.step
    when = (step.ic_t if moment == "ic" else step.to_t) - t0
    alt = f"{step.foot} foot at {_MOMENT[moment]}"
    return (
        f'<figure class=snapshot id="snapshot-{moment}-{step.foot}">'
        f"{_img(snap.png, alt)}<figcaption>{escape(alt.capitalize())} at {when:.2f} s: "
        "a typical step, the one nearest this foot's median</figcaption></figure>"
    )


def _table(rows: list[Row], limit: float) -> str:
    if not rows:
        return ""
    return (
        "<table class=summary><thead><tr><th>metric</th><th>steps</th><th>median</th>"
        "<th>IQR</th><th>left</th><th>right</th><th>L/R diff</th><th class=target>target</th>"
        f"<th class=verdict>verdict</th></tr></thead><tbody>{_rows(rows, limit)}</tbody></table>"
    )


_READING = """Medians and interquartile ranges (IQR, the middle half of the steps) over the
steps where the metric was measured surely (over every step when it was on none). L/R diff:
(left - right) / mean of the two, by the feet's medians, for metrics measured surely on both legs.
*: less sure (the far leg, seen through the near one, an oblique uncalibrated view, the feet out
of the picture or too few frames a second; on an L/R diff, the feet's values do not differ beyond
their scatter), judged by no verdict or finding."""
"""How to read a table of medians, shown under each (none without a table: a refused video)."""
_TARGETS = """Targets are the station's ([targets] in config.toml) at the runner's pace: the
overstride's grown above 2.5 m/s (and none beyond the fastest recorded runners, about 5 m/s), the
cadence's and contact time's eased below it; a verdict goes by the median, "at target" where it
lies within its standard error (0.93 IQR / sqrt(steps)) of the target, closer than the steps
tell: neither met nor missed."""
"""What the running table's targets are, under it."""


def _phases(data: ReportInput) -> str:
    """The walking, running and stepless stretches of the session, in order."""
    if not data.steps:
        return ""
    items = "".join(
        f"<li class=phase-{p.kind}>{escape(p.describe(data.t0))}</li>"
        for p in phases(data.steps, untimed=data.untimed)
    )
    return (
        "<section id=phases><h2>Phases</h2><ul class=phases>"
        f"{items}</ul><p class=note>Times from the start. Running figures, findings and cues "
        f"rest on the running steps only; a gap of more than {GAP_S:g} s without a step is "
        "standing or off the belt, unless the station got too few frames a second to time "
        "steps over most of it: no step is timed from so few.</p></section>"
    )


def _walking(data: ReportInput, rows: list[Row]) -> str:
    if not rows:
        return ""
    walked = len(data.walking)
    if walked < MIN_JUDGED_STEPS:
        return (
            f"<section id=walking><h2>Walking</h2><p class=note>{too_few(walked, 'walked')}."
            "</p></section>"
        )
    return (
        f"<section id=walking><h2>Walking</h2><p class=note>The {walked} walked "
        f"step{'' if walked == 1 else 's'}, apart from the running ones and judged by no target: "
        "the targets and cues are for running, and a walk has no flight, overstride, braking, "
        "landing angles, hip extension or knee lift figures. Walking contact times are less sure "
        f"than running ones.</p>{_table(rows, data.targets.asymmetry_max_pct)}"
        f"<p class=note>{_READING}</p></section>"
    )


def _video(data: ReportInput) -> str:
    """The annotated video, played in the page (H.264: browsers and phones play it)."""
    if data.video is None:
        return ""
    src = escape(data.video, quote=True)
    # A video whose steps cannot be judged is drawn with no step's figure (above: why).
    drawn = (
        "the keypoints, and no step's figures (see the summary)"
        if data.notice
        else "the keypoints, the landing and toe-off lines and each step's figures"
    )
    return (
        f'<section id=video><h2>Annotated video</h2><video controls preload=metadata src="{src}" '
        f'width="100%"></video><p class=note>Every frame with {drawn}; also the file '
        f'<a href="{src}">{src}</a> beside this page.</p></section>'
    )


def _drill(data: ReportInput) -> str:
    """The drill's repeat-by-repeat table and its focuses compared."""
    rows = data.drill
    if not rows:
        return ""
    columns = columns_of(rows)

    def cells(values: dict[str, float | None], unsure: frozenset[str]) -> str:
        return "".join(
            "<td>-</td>"
            if values[c.metric] is None
            else f"<td>{values[c.metric]:.{c.digits}f}"
            + (LESS_SURE if c.metric in unsure else "")
            + "</td>"
            for c in columns
        )

    head = "".join(f"<th>{escape(c.heading)}</th>" for c in columns)
    body = "".join(
        f"<tr><td>{r.repeat.index}</td><td>{escape(r.repeat.focus or '-')}</td>"
        f"<td>{r.repeat.start_t - data.t0:.0f}-{r.repeat.end_t - data.t0:.0f} s</td>"
        f"<td>{r.steps}</td>{cells(r.medians, r.marked)}</tr>"
        for r in rows
    )
    unsure = focus_unsure(rows)
    means = "".join(
        f"<tr class=focus-mean><td>mean</td><td>{escape(focus)}</td><td></td><td></td>"
        f"{cells(values, unsure[focus])}</tr>"
        for focus, values in by_focus(rows).items()
    )
    marked = any(c.metric in r.unsure for r in rows for c in columns)
    note = f" {escape(LESS_SURE_MEANS)}." if marked else ""
    note += f" {escape(BEYOND_MEANS)}." if beyond_marked(rows, columns) else ""
    return (
        "<section id=drill><h2>Strides drill</h2><table class=drill><thead><tr><th>repeat</th>"
        f"<th>focus</th><th>from-to</th><th>steps</th>{head}</tr></thead><tbody>{body}{means}"
        "</tbody></table><p class=note>Each repeat's median over its running steps (the surely "
        "measured ones); the last rows compare the focuses by the mean of their repeats. A repeat "
        f"runs from its lap to the next one the console marked.{note}</p></section>"
    )


def render(
    data: ReportInput, rows: list[Row], charts: list[Chart], walking_rows: list[Row] | None = None
) -> str:
    """The whole page: ``rows`` the summary table of the running steps, ``walking_rows`` the
    walked steps' table."""
    facts = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in data.facts)
    figures = "\n".join(
        f'<figure class=chart id="{c.id}"><h2>{escape(c.title)}</h2>{_img(c.png, c.alt)}'
        f"<figcaption>{escape(c.caption)}</figcaption></figure>"
        for c in charts
    )
    laps = ""
    if data.laps:
        lap_rows = "".join(
            f"<tr><td>{escape(lap.label)}</td><td>{lap.t - data.t0:.1f} s</td></tr>"
            for lap in data.laps
        )
        laps = (
            "<section id=laps><h2>Laps</h2><table class=laps><tr><th>lap</th>"
            f"<th>at</th></tr>{lap_rows}</table></section>"
        )
    made = datetime.now(timezone.utc).isoformat(timespec="seconds")
    withheld = data.run_withheld is not None
    table = "" if withheld else _table(rows, data.targets.asymmetry_max_pct)
    only_running = ""
    if (data.walking or data.left_out) and data.running and not withheld:
        apart = []
        if data.walking:
            walked = len(data.walking)
            apart.append(
                "the one walked step is under Walking"
                if walked == 1
                else f"the {walked} walked steps are under Walking"
            )
        if data.left_out:
            apart.append(escape(left_out_of_run(data.left_out)))
        only_running = (
            f"<p class=note id=running-only>Over the {len(data.running)} running steps only; "
            f"{'; '.join(apart)}.</p>"
        )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(data.title)}</title>
<style>{_CSS}</style>
</head>
<body>
<header><h1>{escape(data.title)}</h1><dl class=facts>{facts}</dl></header>
{_phases(data)}
{_video(data)}
<section id=summary><h2>Summary</h2>
{only_running}
{_findings(data, rows)}
{table}
{f"<p class=note>{_READING} {_TARGETS}</p>" if table else ""}
</section>
<section id=pictures><h2>Contact and toe-off</h2>
<p class=note>At initial contact: the line from the mid-hip to the ankle, and how far ahead of
the plumb line under the hips the foot lands. At toe-off: the thigh's angle behind vertical.</p>
{_snapshots(data)}
</section>
{_walking(data, walking_rows or [])}
{_drill(data)}
{figures}
{laps}
<footer>Made by hipdrive on {made}. Metric definitions: docs/metrics.md of hipdrive.</footer>
</body>
</html>
"""


_CSS = """
:root { --good: #2eaa54; --off: #d9531e; --ink: #222; --muted: #666; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
dl.facts { display: grid; grid-template-columns: repeat(4, auto 1fr); gap: 2px 12px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid #e4e4e4; text-align: right; }
thead th { border-bottom: 2px solid #bbb; font-weight: 600; }
thead th:first-child, th.target, th.verdict { text-align: left; }
tbody th { text-align: left; font-weight: 600; }
.unit { color: var(--muted); font-weight: 400; }
td.target, td.verdict { text-align: left; }
td.verdict.good { color: var(--good); font-weight: 600; }
td.verdict.off { color: var(--off); font-weight: 600; }
td.verdict.at { font-weight: 600; }
td.asym.flag { color: var(--off); font-weight: 600; }
td.unsure { color: var(--muted); }
p.warn { border-left: 4px solid var(--off); padding: 4px 8px; background: #fdf0ea; }
p.notice { color: var(--off); font-weight: 600; }
ul.findings { margin: 4px 0 12px; padding-left: 20px; }
ul.findings li.off::marker { color: var(--off); }
ul.findings li.good { color: var(--good); font-weight: 600; }
.note { color: var(--muted); font-size: 13px; }
figure { margin: 0 0 16px; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 13px; }
.snapshots { display: grid; grid-template-columns: repeat(2, 1fr); gap: 12px; }
.snapshots figure { border: 1px solid #ddd; padding: 6px; margin: 0; }
.snapshots img { width: 100%; max-height: 420px; object-fit: contain; }
table.laps { width: auto; }
ul.phases { margin: 4px 0; padding-left: 20px; }
ul.phases li.phase-away, ul.phases li.phase-untimed { color: var(--muted); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media print {
  @page { size: A4; margin: 12mm; }
  body { font-size: 10pt; max-width: none; padding: 0; }
  h1 { font-size: 16pt; }
  h2 { font-size: 12pt; margin-top: 12pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section#summary, figure, table, tr { break-inside: avoid; }
  figure.chart { break-before: auto; }
  .snapshots { grid-template-columns: repeat(4, 1fr); }
  .snapshots img { max-height: 70mm; }
  dl.facts { grid-template-columns: repeat(4, auto 1fr); font-size: 9pt; }
}
"""
