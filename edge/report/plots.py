"""The report's charts, drawn with matplotlib's Agg renderer into PNG bytes.

Figures are made with ``matplotlib.figure.Figure`` directly (no pyplot): no global state, no GUI
backend, safe in any thread. Left is blue and right pink, as on the console; the station's target
region is shaded green, with its limit dashed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence, Set

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from edge.drill.table import Column, Medians, RepeatRow, columns_of
from edge.gait.summary import BY_STRIDE, MIN_SURE_STEPS, by_stride, confident, judged, leg_of
from edge.report.model import FEET, METRICS, ReportInput, limit, values

FOOT_COLOURS = {"left": "#2b7bd6", "right": "#e0457b", "near": "#555555", "far": "#999999"}
TARGET = "#2eaa54"
CUE_COLOURS = {
    "good": "#2eaa54",
    "overstride": "#ec6e26",
    "reach": "#ec6e26",
    "hip_drive": "#d64545",
    "choppy": "#b8322f",
    "cadence": "#8e5bd6",
    "contact": "#8e5bd6",
}
ROLLING_STEPS = 15
#: the rolling median's name: at a run's ends, and on a run shorter than the window, it has fewer
ROLLING_LABEL = f"running median of up to {ROLLING_STEPS} steps"
DPI = 100


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


class _Clock:
    """Report time on the x axes: seconds from the start, minutes once the run is longer."""

    def __init__(self, data: ReportInput) -> None:
        self.t0 = data.t0
        self.minutes = data.end - data.t0 > 180.0
        self.label = "time (min)" if self.minutes else "time (s)"

    def __call__(self, t: np.ndarray | float) -> np.ndarray:
        return (np.asarray(t, dtype=np.float64) - self.t0) / (60.0 if self.minutes else 1.0)


def _laps(ax: Axes, data: ReportInput, clock: _Clock) -> None:
    for lap in data.laps:
        ax.axvline(float(clock(lap.t)), color="#444444", linewidth=0.8, linestyle=":")
        ax.annotate(
            lap.label,
            (float(clock(lap.t)), 0.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, 2),
            textcoords="offset points",
            fontsize=8,
            va="bottom",
        )


def _target(ax: Axes, data: ReportInput, metric: str, vertical: bool = False) -> None:
    """Shade the target region and dash its limit (on y, or on x when ``vertical``)."""
    bound = limit(metric, data.targets)
    if bound is None:
        return
    get, span, line = (
        (ax.get_xlim, ax.axvspan, ax.axvline) if vertical else (ax.get_ylim, ax.axhspan, ax.axhline)
    )
    lo, hi = get()
    lo, hi = min(lo, bound), max(hi, bound)
    pad = 0.05 * (hi - lo or 1.0)
    lo, hi = lo - pad, hi + pad
    if METRICS[metric].at_least:
        span(bound, hi, color=TARGET, alpha=0.1, linewidth=0)
    else:
        span(lo, bound, color=TARGET, alpha=0.1, linewidth=0)
    line(bound, color=TARGET, linestyle="--", linewidth=1.2)
    (ax.set_xlim if vertical else ax.set_ylim)(lo, hi)


def _rolling_median(v: np.ndarray, k: int) -> np.ndarray:
    out = np.full(len(v), np.nan)
    for i in range(len(v)):
        window = v[max(0, i - k // 2) : i + k // 2 + 1]
        if np.isfinite(window).sum() >= 3:
            out[i] = np.nanmedian(window)
    return out


def _legend(fig: Figure, ax: Axes) -> None:
    """The legend above the axes, where it hides no step and no target line."""
    fig.legend(*ax.get_legend_handles_labels(), loc="outside upper right", ncol=4, fontsize=8)


def _axis_label(metric: str) -> str:
    spec = METRICS[metric]
    return f"{spec.label} ({spec.unit})"


def _per_step(ax: Axes, data: ReportInput, metric: str, clock: _Clock, when: str) -> None:
    """Each foot's steps, the less sure ones hollow, and the rolling median over the running
    steps the summary's medians rest on (``judged``): a chart's line had sat in the target band
    while the cue, on the near leg's sure steps alone, said off target."""
    steps = data.steps
    t = clock(np.array([getattr(s, when) for s in steps]))
    v = values(steps, metric)
    used = {id(s) for s in judged(data.running, metric)[0]}
    in_line = np.array([id(s) in used for s in steps], dtype=bool)
    sure = np.array([confident(s, metric) for s in steps], dtype=bool)
    for foot in FEET:
        mine = np.array([leg_of(s, metric) == foot for s in steps], dtype=bool)
        for shown, label, face in (
            (mine & sure, foot, None),
            (mine & ~sure, f"{foot}, less sure", "none"),
        ):
            if shown.any():
                ax.plot(
                    t[shown],
                    v[shown],
                    "o",
                    ms=3.5,
                    color=FOOT_COLOURS[foot],
                    mfc=face,
                    label=label,
                    alpha=0.8,
                )
    line = np.where(in_line, v, np.nan)
    kept = [s for s, keep in zip(steps, in_line, strict=True) if keep]
    strides = by_stride(kept, metric) if metric in BY_STRIDE else None
    if strides is not None:
        # Over strides, as the summary's median: a lopsided runner's single steps zigzag.
        each = iter(strides)
        line = np.array([next(each) if keep else None for keep in in_line], dtype=float)
    ax.plot(
        t,
        _rolling_median(line, ROLLING_STEPS),
        color="#222222",
        linewidth=1.4,
        label=ROLLING_LABEL,
    )
    _target(ax, data, metric)
    _laps(ax, data, clock)
    ax.set_ylabel(_axis_label(metric))
    ax.grid(alpha=0.3)


def over_time(data: ReportInput, metric: str) -> bytes:
    """One metric per step against time: each foot's steps, a rolling median, the target."""
    clock = _Clock(data)
    fig = _figure(11, 3.2)
    ax = fig.subplots()
    when = "to_t" if metric == "hip_extension_deg" else "ic_t"
    _per_step(ax, data, metric, clock, when)
    ax.set_xlabel(clock.label)
    _legend(fig, ax)
    return _png(fig)


def cadence_and_contact(data: ReportInput) -> bytes:
    """Cadence and contact time per step against time, with their targets."""
    clock = _Clock(data)
    fig = _figure(11, 5.2)
    top, bottom = fig.subplots(2, 1, sharex=True)
    _per_step(top, data, "cadence_spm", clock, "ic_t")
    _per_step(bottom, data, "contact_ms", clock, "ic_t")
    _legend(fig, top)
    bottom.set_xlabel(clock.label)
    return _png(fig)


def distributions(data: ReportInput, metrics: list[str]) -> bytes:
    """Histograms of the metrics, the feet stacked, with the target region."""
    fig = _figure(11, 3.2)
    axes = np.atleast_1d(fig.subplots(1, len(metrics)))
    for ax, metric in zip(axes, metrics, strict=True):
        every = values(data.steps, metric)
        every = every[np.isfinite(every)]
        if every.size == 0:
            continue
        bins = np.histogram_bin_edges(every, bins=min(25, max(5, every.size // 4)))
        stacks, colours, labels = [], [], []
        for foot in FEET:
            v = values([s for s in data.steps if leg_of(s, metric) == foot], metric)
            if np.isfinite(v).any():
                stacks.append(v[np.isfinite(v)])
                colours.append(FOOT_COLOURS[foot])
                labels.append(foot)
        ax.hist(stacks, bins=bins, stacked=True, color=colours, label=labels, alpha=0.85)
        ax.axvline(float(np.median(every)), color="#222222", linewidth=1.4, label="median")
        _target(ax, data, metric, vertical=True)
        ax.set_xlabel(_axis_label(metric))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("steps")
    axes[0].legend(fontsize=8, framealpha=0.8)
    return _png(fig)


def left_right(data: ReportInput, metrics: list[str]) -> bytes:
    """Box plots of each metric over the running steps, left foot beside right foot, with the
    target line: a foot's sure values, or, when it has fewer than ``MIN_SURE_STEPS`` (the far
    leg, seen through the near one), all of them in a hatched box marked less sure (its boxes
    had stood beside the near leg's as a real difference, where the table said the legs were
    not compared)."""
    fig = _figure(11, 3.4)
    axes = np.atleast_1d(fig.subplots(1, len(metrics)))
    for ax, metric in zip(axes, metrics, strict=True):
        groups, names, feet, unsure = [], [], [], []
        for foot in FEET:
            mine = [s for s in data.running if leg_of(s, metric) == foot]
            v = values(mine, metric)
            sure = np.isfinite(v) & np.array([confident(s, metric) for s in mine], dtype=bool)
            # As the summary compares the feet: on their sure values, three a foot at least.
            compared = sure.sum() >= MIN_SURE_STEPS
            shown = sure if compared else np.isfinite(v)
            if shown.any():
                groups.append(v[shown])
                names.append(foot if compared else f"{foot}\n(less sure)")
                feet.append(foot)
                unsure.append(not compared)
        if not groups:
            continue
        boxes = ax.boxplot(groups, patch_artist=True, widths=0.6, showfliers=True)
        ax.set_xticks(range(1, len(names) + 1), names)
        for patch, foot, hatched in zip(boxes["boxes"], feet, unsure, strict=True):
            patch.set_facecolor("white" if hatched else FOOT_COLOURS[foot])
            patch.set_edgecolor(FOOT_COLOURS[foot])
            patch.set_hatch("///" if hatched else "")
            patch.set_alpha(0.6)
        for median in boxes["medians"]:
            median.set_color("#222222")
        _target(ax, data, metric)
        spec = METRICS[metric]
        ax.set_title(f"{spec.label}\n({spec.unit})", fontsize=9)
        ax.grid(alpha=0.3, axis="y")
    return _png(fig)


def cue_timeline(data: ReportInput) -> bytes:
    """Which cue the runner saw when: one row per cue, a bar while it was shown."""
    clock = _Clock(data)
    shown = [c for c in data.cues if c.text is not None]
    texts = list(dict.fromkeys(c.text for c in shown if c.text is not None))
    fig = _figure(11, 0.8 + 0.45 * max(1, len(texts)))
    ax = fig.subplots()
    ends = [c.t for c in data.cues[1:]] + [data.end]
    for change, end in zip(data.cues, ends, strict=True):
        if change.text is None:
            continue
        start = float(clock(change.t))
        ax.broken_barh(
            [(start, float(clock(end)) - start)],
            (texts.index(change.text) - 0.35, 0.7),
            color=CUE_COLOURS.get(change.key or "", "#777777"),
        )
    ax.set_yticks(range(len(texts)), texts)
    ax.set_ylim(-0.6, max(1, len(texts)) - 0.4)
    ax.set_xlim(0.0, float(clock(data.end)))
    ax.invert_yaxis()
    _laps(ax, data, clock)
    ax.set_xlabel(clock.label)
    ax.grid(alpha=0.3, axis="x")
    return _png(fig)


FOCUS_COLOURS = {"hip": "#d64545", "quick": "#2b7bd6", "upper": "#2eaa54"}


def drill_repeats(rows: Sequence[RepeatRow]) -> bytes:
    """One small chart per metric: each repeat's median, coloured by its focus."""
    columns = columns_of(rows)
    cols = min(4, len(columns))
    grid = (len(columns) + cols - 1) // cols
    fig = _figure(11, 2.3 * grid)
    axes = np.atleast_1d(fig.subplots(grid, cols)).ravel()
    for ax, column in zip(axes, columns, strict=False):
        for focus in dict.fromkeys(r.repeat.focus for r in rows):
            mine = [
                r for r in rows if r.repeat.focus == focus and r.medians[column.metric] is not None
            ]
            ax.plot(
                [r.repeat.index for r in mine],
                [r.medians[column.metric] for r in mine],
                "o",
                ms=7,
                color=FOCUS_COLOURS.get(focus or "", "#777777"),
                label=focus or "repeat",
            )
        ax.set_title(column.heading, fontsize=9)
        ax.set_xticks([r.repeat.index for r in rows])
        values = [r.medians[column.metric] for r in rows]
        _medians_axis(ax, [v for v in values if v is not None])
        ax.grid(alpha=0.3)
    for ax in axes[len(columns) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=8, framealpha=0.8)
    fig.supxlabel("repeat", fontsize=9)
    return _png(fig)


#: the least height of a chart of medians, as a share of the largest value drawn: medians that
#: differ by less are drawn near flat (a user trial's two runs of one clip, equal to 1e-10, were
#: drawn as a steep line on an axis labelled "1e-10+1.687604995e2")
MIN_SPAN = 0.05
#: ... and at least this much, in the metric's units, about values near zero
MIN_SPAN_ABS = 0.1


def _medians_axis(ax: Axes, values: Sequence[float]) -> None:
    """Plain y tick labels (no offset) over at least ``MIN_SPAN`` of the values' size, and
    ``MIN_SPAN_ABS``."""
    ax.ticklabel_format(axis="y", style="plain", useOffset=False)
    finite = [v for v in values if np.isfinite(v)]
    if not finite:
        return
    lo, hi = min(finite), max(finite)
    span = max(hi - lo, MIN_SPAN * max(abs(lo), abs(hi)), MIN_SPAN_ABS)
    middle = (lo + hi) / 2
    ax.set_ylim(middle - 0.6 * span, middle + 0.6 * span)


def trend(
    rows: Sequence[Medians],
    labels: Sequence[str],
    unjudged: Sequence[Set[str]],
    columns: Sequence[Column],
) -> bytes:
    """One small chart per column with a value (``columns_of``): each row's median (a runner's
    sessions), in order, under its label; hollow where its row did not judge it (``unjudged``,
    a set per row)."""
    columns = columns_of(rows, columns)
    cols = min(4, max(len(columns), 1))
    grid = max((len(columns) + cols - 1) // cols, 1)
    fig = _figure(11, 2.4 * grid)
    axes = np.atleast_1d(fig.subplots(grid, cols)).ravel()
    for ax, column in zip(axes, columns, strict=False):
        points = [(k, v) for k, r in enumerate(rows) if (v := r.medians[column.metric]) is not None]
        ax.plot([k for k, _ in points], [v for _, v in points], "-", color="#2b7bd6")
        for k, v in points:
            hollow = column.metric in unjudged[k]
            ax.plot(k, v, "o", color="#2b7bd6", mfc="white" if hollow else "#2b7bd6", ms=5)
        ax.set_title(column.heading, fontsize=9)
        ax.set_xticks(range(len(rows)), labels, fontsize=7)
        _medians_axis(ax, [v for _, v in points])
        ax.grid(alpha=0.3)
    for ax in axes[len(columns) :]:
        ax.set_visible(False)
    return _png(fig)
