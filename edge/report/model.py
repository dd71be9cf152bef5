"""What a report shows, whatever it came from (a recorded session or an analysed video): the
steps, the cues, the laps, the pictures, and the summary table with a verdict per target."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from edge.bus.schema import StepMsg, SummaryMsg, gait_of
from edge.drill.table import RepeatRow
from edge.gait import Summary, SummaryBuilder, Targets
from edge.gait.fit import MIN_JUDGED_STEPS, few_left, left_out, measured_run, misread_run
from edge.gait.mode import RUNNING, WALKING
from edge.gait.summary import (
    MetricSummary,
    at_target,
    leg_of,
    median_error,
    pace_of,
    paced,
    running_steps,
    summarise,
)
from edge.offline.replay import step_of
from edge.pace import judged_limit
from edge.row import in_a_row

FEET = ("left", "right", "near", "far")


def too_few(n: int, how: str) -> str:
    """``One step was run: too few for figures (4 at least)``, for ``n`` steps taken ``how``."""
    return f"{_taken(n)} {how}: too few for figures ({MIN_JUDGED_STEPS} at least)"


def _taken(n: int) -> str:
    """``One step was``, ``3 steps were``."""
    return "One step was" if n == 1 else f"{n} steps were"


@dataclass(frozen=True, slots=True)
class Metric:
    """A per-step metric (a StepMsg field) as the report labels it and judges it.

    ``target`` names the ``Targets`` field that limits it; ``at_least``: the value should be at
    least the limit (cadence, hip extension) rather than at most. ``signed``: a value that
    crosses zero (the shank angle), whose left/right difference in % means nothing, so it is
    never flagged.
    """

    name: str
    label: str
    unit: str
    target: str | None = None
    at_least: bool = False
    digits: int = 1
    signed: bool = False


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("cadence_spm", "Cadence", "spm", "cadence_min_spm", at_least=True),
        Metric("contact_ms", "Contact time", "ms", "contact_max_ms"),
        Metric("flight_ms", "Flight time", "ms"),
        Metric("overstride_cm", "Overstride", "cm", "overstride_cm_max"),
        Metric("overstride_pct_leg", "Overstride", "% leg", "overstride_pct_leg_max"),
        Metric(
            "shank_angle_ic_deg",
            "Shank angle at contact",
            "deg",
            "shank_angle_max_deg",
            signed=True,
        ),
        Metric("knee_flexion_ic_deg", "Knee flexion at contact", "deg"),
        Metric("braking_ms", "Braking", "ms"),
        Metric("hip_extension_deg", "Hip extension", "deg", "hip_extension_min_deg", at_least=True),
        Metric("knee_lift_deg", "Knee lift", "deg"),
        Metric("scissor_deg", "Scissor at toe-off", "deg"),
        Metric("scissor_back_deg", "Scissor: stance thigh back", "deg"),
        Metric("scissor_front_deg", "Scissor: swing thigh forward", "deg"),
        Metric("swing_knee_lift_deg", "Swing knee lift", "deg"),
        Metric("vertical_osc_cm", "Vertical oscillation", "cm"),
        Metric("vertical_osc_pct_leg", "Vertical oscillation", "% leg"),
        Metric("stride_length_m", "Stride length", "m", digits=2),
        Metric("speed_legs_per_s", "Pace", "leg lengths/s", digits=2),
    )
}


def limit(metric: str, targets: Targets) -> float | None:
    """The station's target for a metric, None for a metric without one (or, at a pace beyond
    the recorded ones, the overstride and the shin's reach: ``edge.pace.beyond_recorded``)."""
    spec = METRICS[metric]
    if spec.target is None:
        return None
    bound = float(getattr(targets, spec.target))
    return bound if judged_limit(bound) else None


def run_targets(steps: list[StepMsg], targets: Targets) -> Targets:
    """The targets a report judges a run by, its table, charts, pictures and annotated video
    alike: at the pace of its running steps (``paced``, the median of ``measured_run``'s), the
    overstride's grown and the cadence's and contact time's eased.
    Given the targets as configured, not already paced."""
    return paced(targets, pace_of(measured_run(steps)))


def meets(metric: str, value: float, targets: Targets) -> bool | None:
    """Whether a value meets the station's target (None: the metric has no target)."""
    bound = limit(metric, targets)
    if bound is None:
        return None
    return value >= bound if METRICS[metric].at_least else value <= bound


def describe_target(metric: str, targets: Targets) -> str:
    """The target as a coach reads it: ``<= 20 cm``; empty for a metric without one, and
    ``none at this pace`` for the overstride and the shin's reach beyond the recorded paces."""
    bound = limit(metric, targets)
    spec = METRICS[metric]
    if bound is None:
        return "" if spec.target is None else "none at this pace"
    return f"{'>=' if spec.at_least else '<='} {bound:g} {spec.unit}"


def values(steps: list[StepMsg], metric: str) -> np.ndarray:
    """(N,) float64 of a metric over the steps, NaN where it is unknown."""
    return np.array(
        [np.nan if (v := getattr(s, metric)) is None else v for s in steps], dtype=np.float64
    )


def overstride_metric(steps: list[StepMsg]) -> str:
    """``overstride_cm`` when the steps are in metres (a calibrated camera), else the % of leg."""
    return (
        "overstride_cm" if any(s.overstride_cm is not None for s in steps) else "overstride_pct_leg"
    )


Verdict = Literal["good", "at", "off"]


def verdict_of(metric: str, summary: MetricSummary, targets: Targets) -> Verdict | None:
    """A median's verdict against the station's target (``Row.verdict``); None without one."""
    bound = limit(metric, targets)
    if bound is None or summary.median is None:
        return None
    if at_target(summary, bound):
        return "at"
    return "good" if meets(metric, summary.median, targets) else "off"


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the summary table: a metric over every step of the report.

    ``steps``: the steps the median and spread rest on (the sure ones, when there are enough:
    a median of one far-leg knee lift had read "15 steps, IQR 0.0"). ``iqr`` is the
    interquartile range (q75 - q25); ``asymmetry_pct`` is 100 * (left - right) /
    mean(|left|, |right|) of the feet's medians, as the station's summaries compute it.
    ``verdict``: ``good`` or ``off`` against the target by the median, ``at`` when the median
    lies within its standard error of it (``error``, ``edge.gait.summary.at_target``: neither met
    nor missed), None without a target.

    As in the station's summaries (edge.gait.summary), the median, the spread and the
    asymmetry rest on the steps where the metric was measured surely. ``confident`` false: it
    was on none, so the median rests on less sure values and there is no verdict.
    ``near_leg_only``: only one leg's values are sure (the far leg is seen through the near
    one), so there is no asymmetry. ``feet_differ`` false: the feet's values do not differ
    beyond their scatter (``edge.gait.summary.feet_differ``), so no asymmetry is flagged.
    ``beyond_pace``: the metric has a station target, but none at the run's pace (the
    overstride and the shin's reach beyond the recorded paces, ``edge.pace``).
    ``left``/``right`` is a foot's median over its sure values, or over all of them when it has
    none (``left_sure``/``right_sure`` false).
    """

    metric: Metric
    steps: int
    median: float
    iqr: float
    left: float | None
    right: float | None
    asymmetry_pct: float | None
    target: str
    verdict: Verdict | None
    asymmetric: bool
    confident: bool = True
    near_leg_only: bool = False
    left_sure: bool = True
    right_sure: bool = True
    beyond_pace: bool = False
    waiting: bool = False
    """Not confident for want of steps measured surely (``MetricSummary.waiting``)."""
    feet_differ: bool = False
    feet_mixed: bool = False
    """Two steps in a row named the same foot: no asymmetry (``MetricSummary.feet_mixed``)."""
    error: float = 0.0
    """The median's standard error (``edge.gait.summary.median_error``)."""

    @property
    def judged(self) -> bool:
        """Whether the metric has a target here: one of the station's, and not the overstride
        of a runner beyond the recorded paces (``beyond_pace``, its target "none at this
        pace")."""
        return bool(self.target) and not self.beyond_pace


def summary_rows(steps: list[StepMsg], targets: Targets, judged: bool = True) -> list[Row]:
    """The table: every metric that has a value in some step, in ``METRICS`` order. Not
    ``judged`` (walking steps, which the running targets do not fit): no target, verdict or
    asymmetry flag."""
    rows = []
    for name, spec in METRICS.items():
        summary = summarise(steps, name)
        if summary.median is None or summary.iqr is None:
            continue
        by_foot: dict[str, tuple[float | None, bool]] = {}
        for foot, sure in (("left", summary.left), ("right", summary.right)):
            v = values([s for s in steps if leg_of(s, name) == foot], name)
            if sure is not None:
                by_foot[foot] = (sure, True)
            elif np.isfinite(v).any():
                by_foot[foot] = (float(np.nanmedian(v)), False)
            else:
                by_foot[foot] = (None, True)
        if summary.feet_mixed:
            # Some steps may carry the other foot's name: no foot's median is sure.
            by_foot = {foot: (v, v is None) for foot, (v, _) in by_foot.items()}
        verdict = verdict_of(name, summary, targets) if summary.confident and judged else None
        asym = summary.asymmetry_pct
        rows.append(
            Row(
                metric=spec,
                steps=summary.n,
                median=summary.median,
                iqr=summary.iqr,
                left=by_foot["left"][0],
                right=by_foot["right"][0],
                asymmetry_pct=asym,
                target=describe_target(name, targets) if judged else "",
                beyond_pace=judged and spec.target is not None and limit(name, targets) is None,
                waiting=summary.waiting,
                verdict=verdict,
                asymmetric=judged
                and not spec.signed
                and asym is not None
                and summary.feet_differ
                and abs(asym) > targets.asymmetry_max_pct,
                confident=summary.confident,
                near_leg_only=summary.near_leg_only,
                feet_mixed=summary.feet_mixed,
                feet_differ=summary.feet_differ,
                left_sure=by_foot["left"][1],
                right_sure=by_foot["right"][1],
                error=median_error(summary),
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class CueChange:
    """From station time ``t`` on, the runner was shown ``text`` (None: no cue yet), for
    ``reason``; ``at_end``: why the last cue was still shown at the end, when that had changed
    since (a cue holds until its metric is back inside its target by a margin, which its reason
    then says, where the findings of the whole run read the target met)."""

    t: float
    key: str | None
    text: str | None
    reason: str | None = None
    at_end: str | None = None
    walking: bool = False
    """No cue because the runner walked (the cues are for running)."""


def _changes(moments: list[tuple[float, SummaryMsg | Summary]]) -> list[CueChange]:
    """The moments the cue changed, or the runner took to walking or back, each with its
    summary's reason, and the last summary's reason on the last change when it differs."""
    changes: list[CueChange] = []
    for t, summary in moments:
        walking = summary.gait == WALKING
        if not changes or (changes[-1].key, changes[-1].walking) != (summary.cue_key, walking):
            changes.append(
                CueChange(t, summary.cue_key, summary.cue, summary.cue_reason, walking=walking)
            )
    if changes and moments[-1][1].cue_reason != changes[-1].reason:
        changes[-1] = dataclasses.replace(changes[-1], at_end=moments[-1][1].cue_reason)
    return changes


def cues_from_summaries(summaries: list[SummaryMsg]) -> list[CueChange]:
    """The moments the cue shown changed, from a session's recorded summaries."""
    return _changes([(summary.t, summary) for summary in summaries])


def cues_from_steps(steps: list[StepMsg], targets: Targets) -> list[CueChange]:
    """The cues the station's summary gives these steps, each when its step arrived (none while
    walking). On a recording replayed whole, its steps rated with the view known in hindsight
    (``rated_in_hindsight``), an oblique view's first steps set off no cue, where a live station
    whose yaw came only after ``CUE_VIEW_WAIT_STEPS`` could have shown one."""
    builder = SummaryBuilder(targets)
    return _changes([(step.t, builder.add(step_of(step))) for step in steps])


@dataclass(frozen=True, slots=True)
class Mark:
    """A lap marked during the run, at station time ``t``."""

    t: float
    label: str


Moment = Literal["ic", "to"]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A picture of one step at initial contact (``ic``) or toe-off (``to``), as a PNG."""

    moment: Moment
    step: StepMsg
    png: bytes


def representative(steps: list[StepMsg]) -> list[tuple[Moment, StepMsg]]:
    """For each foot, the contact whose overstride and the toe-off whose hip extension are
    nearest that foot's median: what the runner typically does, not the worst step."""
    chosen: list[tuple[Moment, StepMsg]] = []
    overstride = overstride_metric(steps)
    moments: tuple[tuple[Moment, str], ...] = (("ic", overstride), ("to", "hip_extension_deg"))
    for moment, metric in moments:
        for foot in FEET:
            mine = [s for s in steps if s.foot == foot and getattr(s, metric) is not None]
            if mine:
                v = values(mine, metric)
                chosen.append((moment, mine[int(np.argmin(np.abs(v - np.median(v))))]))
    return chosen


def withheld_run(steps: list[StepMsg]) -> str | None:
    """Why the steps read as running among walked ones give no running figures, in the
    findings, the table, the charts, the pictures or an annotated video, or None: too few of
    them (a review's twelve walked steps and two running ones had a running table judged "less
    sure"), or the walk's own steps misread (``misread_run``); and so it is with fewer than
    ``MIN_JUDGED_STEPS`` of them in a row, each following another (``in_a_row``), as analyze
    holds a video's: a user trial's live session of warm-up drills had four lone steps read as
    running, 1-3 s apart, and its report found their contact time on target and "Every other
    target was met"."""
    read = running_steps(steps)
    ran = measured_run(steps)
    misread = misread_run(steps)
    if misread is not None:
        return f"{_taken(len(read))} read as running {misread}"
    if len(ran) < len(read) and len(ran) < MIN_JUDGED_STEPS:
        return f"{_taken(len(read))} read as running, {few_left(len(read), len(read) - len(ran))}"
    if 0 < len(ran) < MIN_JUDGED_STEPS and any(gait_of(s) != RUNNING for s in steps):
        return too_few(len(ran), "run")
    if len(ran) >= MIN_JUDGED_STEPS and (row := in_a_row(ran)) < MIN_JUDGED_STEPS:
        return (
            f"{_taken(len(read))} read as running, {row} of them in a row, each following "
            f"another as a run's steps do: too few for figures ({MIN_JUDGED_STEPS} in a row at "
            "least)"
        )
    return None


def pictured(steps: list[StepMsg]) -> list[StepMsg]:
    """The steps whose figures the pictures of contact and toe-off and an annotated video show:
    the walked ones, which have none of them, and the run's measured steps (``measured_run``),
    none when the run gives no figures (``withheld_run``: a review found the misread steps'
    overstride drawn red under "nothing to judge", and the pictures of a run chosen among the
    steps its figures leave out)."""
    run = set() if withheld_run(steps) else {id(s) for s in measured_run(steps)}
    return [s for s in steps if gait_of(s) == WALKING or id(s) in run]


#: why a report has no pictures when its run gives no figures (``withheld_run``)
NO_RUN_PICTURES = "No pictures: the steps read as running give no figures (see the summary)."
#: why a report has no pictures when no step's gait was told (``UNTOLD``): a second review's
#: report of such steps had said the runner was not in view
NO_GAIT_PICTURES = "No pictures: no step's gait was told, running or walking (see the summary)."
#: why a report has no pictures when every step was walked: a user trial's report of a walk
#: had said the runner was not in view at any typical step, the walker in every frame
NO_WALK_PICTURES = "No pictures: they show a run's landing and hip drive, and no step here was run."


def no_pictures(steps: list[StepMsg]) -> str | None:
    """Why the steps give no pictures of contact and toe-off, whatever the frames: there are
    none, their run gives no figures, no step's gait was told, or none was run; else None."""
    if not steps:
        return "No pictures: no steps were found."
    if withheld_run(steps):
        return NO_RUN_PICTURES
    shown = pictured(steps)
    if not shown:
        return NO_GAIT_PICTURES
    return None if running_steps(shown) else NO_WALK_PICTURES


@dataclass(frozen=True, slots=True)
class ReportInput:
    """Everything a report shows. Times are station seconds; ``t0`` is the start of the run,
    which the report's time axes count from."""

    title: str
    facts: tuple[tuple[str, str], ...]
    t0: float
    steps: list[StepMsg]
    targets: Targets
    cues: list[CueChange]
    laps: list[Mark]
    snapshots: list[Snapshot]
    snapshot_note: str | None = None
    """Why there are no pictures, when there are none."""
    notice: str | None = None
    """Why the steps cannot be judged (a wrong time base), shown instead of the findings."""
    video: str | None = None
    """The annotated video beside the page (a relative link) to play in it, or None."""
    drill: list[RepeatRow] = field(default_factory=list)
    """The repeats of a strides drill the laps mark, with their figures (empty: no drill)."""
    untimed: list[tuple[float, float]] = field(default_factory=list)
    """The stretches where the station got too few frames a second to time steps (start, end;
    ``edge.store.sessions.read_untimed``), which its phases tell from a stand."""

    @property
    def running(self) -> list[StepMsg]:
        """The steps that count as running (``gait_of``: one recorded before gaits were told
        apart does, one measured before any gait was told does not), but for those under
        running's cadence (``measured_run``): the ones the findings, the summary table and the
        charts rest on."""
        return measured_run(self.steps)

    @property
    def left_out(self) -> int:
        """The steps read as running left out of the running figures (``left_out``)."""
        return left_out(self.steps)

    @property
    def walking(self) -> list[StepMsg]:
        """The walked steps, shown apart and judged by no target."""
        return [s for s in self.steps if gait_of(s) == WALKING]

    @property
    def run_withheld(self) -> str | None:
        """``withheld_run`` of the steps."""
        return withheld_run(self.steps)

    @property
    def end(self) -> float:
        """The last time in the report (the last step or cue), at least ``t0``."""
        times = [self.t0, *(s.to_t for s in self.steps), *(c.t for c in self.cues)]
        return max(t for t in times if math.isfinite(t))
