"""The rolling summary of recent steps and the ONE cue the runner sees.

Medians and spread (interquartile range) over the last steps, left/right asymmetry, and a cue
chosen by priority among the targets that are missed. Each cue has hysteresis: it switches on
when its metric is past the target by a standard error or more (decided: ``at_target``), off
only once it is back inside by a margin (``clears_at``: twice the median's own uncertainty, from
the window's spread; only the cue shown is held so), or once it has been back inside by a
standard error or more (decided) for ``hold_steps`` steps in a row, and the cue shown changes at
most once every ``hold_steps`` steps, so it never flickers step to step. The first cue waits
until every figure it judges is decided (``_undecided``): measured surely on enough steps, and a
standard error or more from its target. A figure within a standard error of its target is at it,
neither met nor missed (``AT_TARGET``).

Figures measured less surely stay out of the way of the ones measured well. A metric is
*confident* on a step when its confidence there (``Step.confidence_of``) is at least
``CONFIDENT``. A metric's median and spread rest on the steps where it is confident, when there
are ``MIN_SURE_STEPS`` of them, and else on every step (the summary then says it is not
confident). Left/right asymmetry compares only values confident on both legs, as many on
each: when one leg's are all less sure (the far leg, seen through the near one) there is none,
and the summary says "near leg only". A cue never
rests on a median that is not confident, and when no target is missed but some medians are not
confident the cue is not "good form" but ``UNJUDGED_KEY``, its reason naming them. Among steps
the engine marked for an oblique uncalibrated view, the steps it measured before it knew the yaw
are no surer than the rest: what the yaw foreshortens is not confident on them either.

Running and walking are never mixed (``edge.gait.mode``). The window holds the steps of the
current gait only: when a step of the other gait arrives, the window starts again from it, and
so does the cue. A walked step carries none of the running metrics, and its cadence and contact
time would pull a runner's medians off, so while walking the summary gives the walking figures
(cadence, step time, contact, bounce, stride) and no cue: the cues are built for running. A step
recorded before the engine told gaits apart (no gait) counts as running; one measured before any
gait was told (``UNTOLD``) as neither: its window gives no cue, and its summary no gait.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Protocol, TypeVar

import numpy as np

from edge.bus.schema import UNJUDGED_KEY, UNTOLD, Gaited, gait_of
from edge.gait.choppy import Choppy, ChoppyWatch, Steady
from edge.gait.metrics import (
    OBLIQUE_DEG,
    OBLIQUE_METRICS,
    SCALED_METRICS,
    SWING_FAR_METRICS,
    THIGH_AT_TOE_OFF,
)
from edge.gait.mode import RUNNING, WALKING
from edge.gait.step import Step
from edge.pace import (
    AT_PACE,
    NO_TARGET_AT_PACE,
    RECENT_STEPS,
    RUNNING_CADENCE_SPM,
    at_pace,
    beyond_recorded,
    judged_limit,
    recorded_bound,
    slow_cadence,
)
from edge.row import follows, same_foot_twice

SUMMARISED = (
    "cadence_spm",
    "contact_ms",
    "flight_ms",
    "overstride_cm",
    "overstride_pct_leg",
    "shank_angle_ic_deg",
    "knee_flexion_ic_deg",
    "braking_ms",
    "hip_extension_deg",
    "knee_lift_deg",
    "scissor_deg",
    "scissor_back_deg",
    "scissor_front_deg",
    "swing_knee_lift_deg",
    "vertical_osc_cm",
    "vertical_osc_pct_leg",
    "stride_length_m",
    "speed_legs_per_s",
)

UNCOMPARED = (
    "flight_ms",
    "speed_legs_per_s",
    "vertical_osc_cm",
    "vertical_osc_pct_leg",
    "stride_length_m",
)
"""Metrics given no left/right asymmetry: a flight runs from one leg's toe-off to the other's
landing, each seen from its own side of the camera, and over the renders of docs/robustness.md
the two feet's flight medians differed from the force plate's by 14.9 points on average
(docs/accuracy.md, Left against right). Their left and right medians are still given. The belt's
speed is the same under both feet. A stride's bounce and length run from a landing to the same
foot's next, over a step of each foot: two feet's strides share a step, and what differs
between them is the window, not the runner (a user trial's real clip was found 28% lopsided in
its vertical oscillation)."""

CONFIDENT = 0.35
"""A metric is confident on a step when its confidence there is at least this. A step whose
keypoints the pose model is sure of rates about 0.9, the far leg's steps on real pose output
about 0.5; the engine rates the far leg's angles, seen through the near leg, and what an oblique
view without a plane calibration foreshortens at 0.3 of the step's at most (``FAR_LEG_FACTOR``,
``OBLIQUE_FACTOR`` in edge/gait/metrics.py), below this whatever the step."""


MIN_SURE_STEPS = 3
"""Confident steps a median must rest on to judge the runner by (a cue, a finding), and each
foot's to compare the feet: the middle of three outvotes one wild step, where two are averaged. A
user trial's 2 s clip was told "Drive the hip back" from its near leg's two steps, a contact cut
by the clip's start (-10.9 deg) and a whole one (24.3), and its mirror image "Quicker, lighter
steps" with 24.4 deg."""

DIFFER_P = 0.05
"""How unlikely (two-sided) a rank-sum test must find the feet's values apart by chance for the
feet to differ surely. Three steps a foot against three or four can never get there, four
against four with every value of one foot beyond the other's. A user trial's 3 s clip had its
contact time flagged "left 269.1, right 298.6 ms, a 10% difference" from three steps a foot at
30 fps, where a frame is 33 ms."""

_DIFFER_Z = NormalDist().inv_cdf(1.0 - DIFFER_P / 2.0)
WITHIN_SCATTER = "within the steps' scatter"
"""What an asymmetry is when the feet do not surely differ (``feet_differ`` false)."""

TIMED_BY_BOTH_FEET = ("cadence_spm", "step_ms", "contact_ms")
"""Metrics timed by events of both legs, the far leg's seen through the near one. One side
camera always sees the same foot near, so what it does to the far leg's events shows as a
difference between the feet: over the renders of docs/robustness.md, each runner's feet's
contact times read 5-12% further apart (or closer) than they were (yaw-30 -10.8% against the
truth's -1.4; the slow heel striker -8.8 against +2.8) and their step times up to 9% (the fast
runner +2.7 against -6.1), consistently, so the rank test took them for sure; on a real clip
marked by hand (IMG_5396) the contact times' difference read +3.2% against the marks' -6.1
(docs/accuracy.md, Left against right)."""

BY_STRIDE = ("cadence_spm", "step_ms")
"""Metrics of a step timed from the other foot's landing, whose median is taken over strides
(``by_stride``; the spread, and with it the median's error, stays the single steps', as sure as
each step is timed): a runner's left and right steps can differ, and the median over single
steps is then one foot's or the other's by which has more steps in the window. A user trial's
clip (an animated runner, its steps 312-408 ms) read a cadence of 154.3 steps a minute and was
told "Quicker, lighter steps", where its 61 steps over 22.8 s were 157.6 a minute, and the same
animation played once read 156.7, on target. Each foot's median (the asymmetry) stays its own
steps'."""


def by_stride(steps: Sequence[Rated], metric: str) -> list[float | None] | None:
    """``metric`` (``BY_STRIDE``) of each of ``steps`` over it and the one before it there when
    it follows that one (``follows``): the two steps' mean time, or their steps a minute (the
    harmonic mean of their cadences); None for a step that follows none of them. None for all
    where fewer than half of them follow another: the single steps tell it then (a review
    found one pair among ten lone steps setting a median)."""
    out: list[float | None] = [None] if steps else []
    for before, step in itertools.pairwise(steps):
        a, b = getattr(before, metric), getattr(step, metric)
        stride = None
        if a and b and follows(step, before):
            stride = 2.0 / (1.0 / a + 1.0 / b) if metric == "cadence_spm" else (a + b) / 2.0
        out.append(stride)
    return out if 2 * sum(v is not None for v in out) >= len(out) else None


VIEW_APART_PCT = 15.0
"""How far apart (asymmetry, %) the feet's ``TIMED_BY_BOTH_FEET`` medians must be before the
feet surely differ: the widest difference the view made on those renders, 11.6 points (14.2
with the engine of 3 December 2026), rounded up."""

WITHIN_VIEW = f"within the {VIEW_APART_PCT:.0f}% a side camera reads between near and far leg"
"""What an asymmetry of a ``TIMED_BY_BOTH_FEET`` metric is when it is no wider than the view
can make it."""


def within_view(metric: str, asymmetry_pct: float) -> bool:
    """Whether a difference between the feet is no wider than one side camera makes it
    (``VIEW_APART_PCT``) for a metric timed by both feet's events."""
    return metric in TIMED_BY_BOTH_FEET and abs(asymmetry_pct) <= VIEW_APART_PCT


def doubted(metric: str, asymmetry: float | None, differ: bool, limit: float) -> str | None:
    """Why a difference between the feet (``asymmetry``, %) wider than ``limit`` (the asymmetry
    target) is not taken for one: the view's reach (``WITHIN_VIEW``) or the steps' scatter;
    None when the feet differ surely (``differ``, ``MetricSummary.feet_differ``), or by no more
    than the target, so there is nothing to explain (a run's every timed metric had been marked,
    a few per cent apart)."""
    if asymmetry is None or differ or abs(asymmetry) <= limit:
        return None
    return WITHIN_VIEW if within_view(metric, asymmetry) else WITHIN_SCATTER


def feet_differ(left: Sequence[float], right: Sequence[float]) -> bool:
    """Whether two feet's values differ beyond the steps' own scatter: a Mann-Whitney rank-sum
    test (normal approximation, ties and continuity corrected) at ``DIFFER_P``."""
    lefts = np.asarray(left, float)
    rights = np.asarray(right, float)
    lefts, rights = lefts[np.isfinite(lefts)], rights[np.isfinite(rights)]
    n1, n2 = len(lefts), len(rights)
    n = n1 + n2
    # No order of so few steps is that unlikely (three a foot: 1 in 10); four a foot and more
    # always can be (1 in 35 or less), so the binomial is only taken of three or fewer.
    if min(n1, n2) <= 3 and math.comb(n, min(n1, n2)) <= 2.0 / DIFFER_P:
        return False
    values = np.concatenate([lefts, rights])
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    # Each distinct value's average rank: ties share the mean of the ranks they span.
    average_rank = np.cumsum(counts) - (counts - 1) / 2.0
    u = float(average_rank[inverse[:n1]].sum()) - n1 * (n1 + 1) / 2.0
    ties = float((counts**3 - counts).sum()) / (n * (n - 1))
    variance = n1 * n2 / 12.0 * ((n + 1) - ties)
    if variance <= 0.0:
        return False
    return (abs(u - n1 * n2 / 2.0) - 0.5) / math.sqrt(variance) > _DIFFER_Z


class Rated(Protocol):
    """A step as the gait engine (``Step``) or the wire (``StepMsg``) carries it."""

    @property
    def foot(self) -> str: ...
    @property
    def ic_t(self) -> float: ...
    @property
    def step_ms(self) -> float | None: ...
    @property
    def view(self) -> str | None: ...
    @property
    def confidence(self) -> float: ...
    @property
    def metric_confidence(self) -> Mapping[Any, float]: ...
    @property
    def yaw_deg(self) -> float | None: ...
    @property
    def gait(self) -> str | None: ...


_G = TypeVar("_G", bound=Gaited)
_R = TypeVar("_R", bound=Rated)


def running_steps(steps: Iterable[_G]) -> list[_G]:
    """The steps that count as running (``gait_of``), in order."""
    return [s for s in steps if gait_of(s) == RUNNING]


def scale_doubted(steps: Iterable[Rated]) -> bool:
    """Whether the engine doubted the scale on most running steps (a leg no adult's, a
    calibrated plane the feet do not stand on): it marks the bounce in cm for that alone
    (``edge.gait.metrics.SCALED_METRICS``)."""
    ran = running_steps(steps)
    return 2 * sum("vertical_osc_cm" in s.metric_confidence for s in ran) > len(ran) > 0


def read_as_running(steps: Iterable[_G]) -> list[_G]:
    """The steps a time base is held to running's bounds by: the running ones
    (``running_steps``), or every step where no step's gait was told at all (``UNTOLD``: a
    slow-motion clip at its playback rate can hide the hips' rise on every step), measured by
    running's rules."""
    steps = list(steps)
    ran = running_steps(steps)
    if ran or any(gait_of(s) == WALKING for s in steps):
        return ran
    return steps


#: what follows a value measured less surely wherever one is printed or drawn
LESS_SURE = "*"
#: ... and what it means, said once beside the values it follows
LESS_SURE_MEANS = (
    f"{LESS_SURE}: measured less surely, the far leg seen through the near one, an oblique "
    "view without a calibration, the feet out of the picture, the pose model unsure of the leg, "
    "a walking contact (timed by the ankle), no gait told yet, a step standing alone, or a "
    "cadence over too few steps yet"
)


def confident(step: Rated, metric: str) -> bool:
    """Whether ``metric`` was measured surely enough on ``step`` to judge the runner by."""
    return step.metric_confidence.get(metric, step.confidence) >= CONFIDENT


def sure_mark(step: Rated, metric: str) -> str:
    """What follows ``metric``'s value on ``step`` where it is printed or drawn: ``LESS_SURE``
    when it is not confident, else nothing."""
    return "" if confident(step, metric) else LESS_SURE


_VIEW_MARKED = tuple(
    m
    for m in OBLIQUE_METRICS
    if m not in SWING_FAR_METRICS and m not in THIGH_AT_TOE_OFF and m not in SCALED_METRICS
)
"""What only the oblique view marks on a near leg's step (the swing leg's marks are the far
leg's, the stance thigh's at toe-off also a step unlike the runner's others, the distances in
metres also a scale doubted: ``edge.gait.metrics.SCALED_METRICS``)."""


GAIT_MARKED = "knee_flexion_ic_deg"
"""What the engine's marks for the gait put on a near leg's step, and nothing else does (no view
foreshortens it, no timing rates it): a step measured before any gait was told, or a running
step leaning to a walk or at a walk's cadence, has its running figures marked
(``edge.gait.metrics.RUNNING_METRICS``, this among them)."""


def view_marked(step: Rated) -> bool:
    """Whether this step's figures are marked less sure for an oblique uncalibrated view: a step
    of the near leg (or of a leg not told apart) that rates a foreshortened metric below the
    step itself. The far leg's own marks do not count, nor a step whose running figures are
    marked for its gait (``GAIT_MARKED``): one measured before any gait was told (a review found
    it read as an oblique view's, "about 1° off square"), or a running step leaning to a walk or
    at a walk's cadence (a sweep's square camera was told "about 3° off square" of a real run's
    steps whose hips rose). A walking step, or one timed from too few frames a second, is still
    told by its view's marks. By the mark, not by ``CONFIDENT``: the view is told however sure
    the step was."""
    return (
        step.view != "far"
        and GAIT_MARKED not in step.metric_confidence
        and any(m in step.metric_confidence for m in _VIEW_MARKED)
    )


def less_sure_for_view(step: Rated) -> bool:
    """Whether the engine marked this step's figures less sure because the view is oblique and
    uncalibrated (``view_marked``), having the yaw estimate to tell it by."""
    return step.yaw_deg is not None and view_marked(step)


def view_marked_metric(steps: Iterable[Rated], metric: str) -> bool:
    """Whether an oblique uncalibrated view foreshortened ``metric`` on ``steps``: one of the
    ``OBLIQUE_METRICS`` the engine marked on a step it marked for the view
    (``less_sure_for_view``; not the stride where the belt's speed was given). A step measured
    before the yaw was known is as unsure of it."""
    return metric in OBLIQUE_METRICS and any(
        metric in s.metric_confidence and less_sure_for_view(s) for s in steps
    )


def oblique_yaw(steps: Iterable[Rated]) -> float | None:
    """The camera's yaw off square to the belt (degrees: the median size over the steps marked
    less sure for it, signed as their median) when an oblique uncalibrated view made figures
    less sure; None otherwise. A camera turned one way and then the other (carried, or panning
    with a runner going by) is as far off as either: a user trial's hand-held clip, its steps
    read -16 to +17 deg off, had been told "about 1 deg off square"."""
    yaws = _oblique_yaws(steps)
    if not yaws:
        return None
    return math.copysign(float(np.median(np.abs(yaws))), float(np.median(yaws)))


def turned_view(steps: Iterable[Rated]) -> tuple[float, float] | None:
    """(least, most) yaw, degrees, when an oblique uncalibrated view was read turned one way and
    then the other, each past ``OBLIQUE_DEG`` (a camera carried, or panning as a runner goes by);
    None otherwise."""
    return _turned(_oblique_yaws(steps))


def _turned(yaws: list[float]) -> tuple[float, float] | None:
    """``turned_view`` of the yaws of the steps marked for an oblique view."""
    if yaws and min(yaws) < -OBLIQUE_DEG and max(yaws) > OBLIQUE_DEG:
        return min(yaws), max(yaws)
    return None


def _oblique_yaws(steps: Iterable[Rated]) -> list[float]:
    """The yaws of the steps marked less sure for an oblique uncalibrated view."""
    return [s.yaw_deg for s in steps if less_sure_for_view(s) and s.yaw_deg is not None]


def view_note(steps: Sequence[Rated], running: Sequence[Rated], what: str) -> str | None:
    """What an oblique uncalibrated view did to a recording's running figures (``running``, of
    ``steps``), in words, or None when it did nothing; ``what``: the figures it foreshortens, as
    the caller names them. Near the limit some steps read the view square enough, and the
    verdicts rest on those: the far leg's steps are less sure whatever the view, so only the
    near leg's are counted. One note for the report and the printed summary (a user trial's
    terminal had said "Good form" with no word of the camera the report warned of)."""
    yaws = _oblique_yaws(steps)
    if not yaws:
        return None
    near = [s for s in running if s.view != "far"]
    marked = sum(view_marked(s) for s in near)
    some = (
        f" on {marked} of the near leg's {len(near)} steps, those measured while the view read "
        f"more than {OBLIQUE_DEG:g}° off: no verdict or finding rests on those, only on the near "
        "leg's steps read nearer square"
        if marked < len(near)
        else ", and no verdict or finding rests on it"
    )
    if (turned := _turned(yaws)) is not None:
        return (
            f"The camera's angle to the runner changed, from {turned[0]:.0f}° to "
            f"{turned[1]:+.0f}° off square (a camera carried, or panning with the runner), and it "
            f"was not calibrated: {what} is less sure{some}. Set the camera still, square to the "
            "belt."
        )
    return (
        f"The camera was about {float(np.median(np.abs(yaws))):.0f}° off square to the belt and "
        f"not calibrated: {what} is less sure{some}. Calibrate the camera, or set it square to "
        "the belt."
    )


@dataclass(frozen=True, slots=True)
class Targets:
    """What good looks like; published anchors for 2.5-3.5 m/s in the comments. The targets are
    a runner's at 2.5 m/s: the overstride ones grow with pace, the cadence and contact ones ease
    at a slower one (``paced``)."""

    overstride_cm_max: float = 20.0  # ankle 15-20 cm ahead of the hip is typical
    overstride_pct_leg_max: float = 23.0  # the same for a ~0.85 m leg, when uncalibrated
    shank_angle_max_deg: float = 7.0  # a shank reaching forward more than ~7 deg
    hip_extension_min_deg: float = 10.0  # thigh 10-20 deg behind vertical at toe-off
    cadence_min_spm: float = 155.0  # 155-185 spm
    contact_max_ms: float = 300.0  # 200-300 ms
    asymmetry_max_pct: float = 10.0
    margin: float = 0.01  # a cue clears at least 1% of its target back inside (``clears_at``)
    hold_steps: int = 6
    window_steps: int = 20


def paced(targets: Targets, speed_legs_per_s: float | None, beyond: bool | None = None) -> Targets:
    """The targets for a runner at a pace (``edge.pace``): the overstride ones grown above the
    reference pace, and none (infinite) for them and the shin's ``beyond`` the recorded paces
    (None: as the pace alone says, ``beyond_recorded``); the cadence and contact ones eased below
    it."""
    grown: dict[str, Any] = {
        rule.limit: at_pace(rule.metric, getattr(targets, rule.limit), speed_legs_per_s, beyond)
        for rule in _RULES
        if rule.metric in AT_PACE
    }
    return dataclasses.replace(targets, **grown)


def pace_of(steps: Iterable[Rated]) -> float | None:
    """The pace of some steps: their median ``speed_legs_per_s`` (``summarise``)."""
    return summarise(steps, "speed_legs_per_s").median


@dataclass(frozen=True, slots=True)
class MetricSummary:
    """One metric over the window: median and interquartile range over both feet, and the
    asymmetry 100 * (left - right) / mean(|left|, |right|) of the feet's medians (positive when
    the left value is larger; None while a foot has no value).

    ``confident``: the median and spread rest on steps where the metric is confident (False: it
    is confident on none, so they rest on less sure values). ``near_leg_only``: both feet have
    steps but only one has confident values, so there is no asymmetry. ``feet_differ``: the
    feet's values differ beyond their scatter (``feet_differ``) and, timed by both feet's
    events, beyond what the view makes (``within_view``), so the asymmetry is a sure one, to
    judge the runner by. ``left`` and ``right`` are the legs' medians over their confident
    values (None without any), a swinging leg's metric told under its own foot (``leg_of``).
    """

    median: float | None
    iqr: float | None
    asymmetry_pct: float | None
    confident: bool = True
    near_leg_only: bool = False
    left: float | None = None
    right: float | None = None
    n: int = 0
    """The steps the median and spread rest on."""
    waiting: bool = False
    """Not confident only for want of steps: confident on some, fewer than ``MIN_SURE_STEPS``
    (more steps may judge it, where a metric confident on none is measured less surely)."""
    feet_differ: bool = False
    feet_mixed: bool = False
    """Two steps in a row named the same foot (``same_foot_twice``): the feet were not told
    apart, so there is no asymmetry (``FEET_MIXED`` says why)."""


@dataclass(frozen=True, slots=True)
class Summary:
    """The window's metrics and the cue; the cue fields are None while there are too few steps
    or the camera's view is not yet known (``SummaryBuilder._view_known``), while walking, and
    while the station holds cues back (``held``)."""

    n_steps: int
    metrics: dict[str, MetricSummary]
    cue_key: str | None
    cue: str | None
    cue_reason: str | None
    yaw_deg: float | None = None
    """The camera's yaw off square to the belt, degrees: with an ``oblique`` view the median
    its cue's reason names (``oblique_yaw``), else the latest estimate (None: not known)."""
    oblique: bool = False
    """The view is oblique and uncalibrated: the engine marked what it foreshortens less sure."""
    gait: str | None = None
    """The gait the window's steps were taken in, ``running`` or ``walking`` (None: no steps,
    or none whose gait was told)."""
    pace_beyond: bool = False
    """The runner's pace is past the recorded ones, so the overstride has no target: held until
    the pace is clearly back (``edge.pace.beyond_recorded``), and what the console colours by."""
    held: str | None = None
    """Why the station gives no cue, steps or not (a file's time base that makes them no
    runner's, a scale or a belt speed that does not fit the runner:
    ``edge.run.station.FitCheck``); None when it does not hold one back."""
    at_target: tuple[str, ...] = ()
    """The running figures at their targets (``at_target``), as a cue's reason says a figure
    ("cadence 154 spm (target >= 155)"): neither met nor missed, which a printed summary says
    beside its cue (a cue of another figure would not)."""


@dataclass(frozen=True, slots=True)
class _Rule:
    key: str
    text: str
    metric: str
    limit: str  # name of the Targets field
    above: bool  # True: a value above the limit misses the target
    name: str  # the metric as a reason names it


# In priority order: the first missed target is the cue. How the foot lands comes first, then
# choppy strides (``edge.gait.choppy``), then the drive and the rhythm.
_LANDING_RULES = (
    _Rule(
        "overstride",
        "Land under your hips",
        "overstride_cm",
        "overstride_cm_max",
        True,
        "overstride",
    ),
    _Rule(
        "overstride",
        "Land under your hips",
        "overstride_pct_leg",
        "overstride_pct_leg_max",
        True,
        "overstride",
    ),
    _Rule(
        "reach",
        "Land under your hips",
        "shank_angle_ic_deg",
        "shank_angle_max_deg",
        True,
        "shin angle at landing",
    ),
)
_DRIVE_RULES = (
    _Rule(
        "hip_drive",
        "Drive the hip back",
        "hip_extension_deg",
        "hip_extension_min_deg",
        False,
        "hip drive",
    ),
    _Rule("cadence", "Quicker, lighter steps", "cadence_spm", "cadence_min_spm", False, "cadence"),
    _Rule(
        "contact", "Quicker, lighter steps", "contact_ms", "contact_max_ms", True, "contact time"
    ),
)
_RULES = (*_LANDING_RULES, *_DRIVE_RULES)
#: steps the first cue waits at most for the camera's view to be known (``_view_known``): the
#: engine estimates the yaw from four steps whose legs it has told apart
CUE_VIEW_WAIT_STEPS = 8
FIRST_CUE_WAIT_STEPS = 10
"""Steps the first cue waits at most for every cue's figure to be decided (``_undecided``): half
the window, 3-4 s of running (or the whole window, a shorter one). From a run's first four steps
a median is one of three or four scattered values: a real clip's first cadences (175, 149, 143)
read 149 against a target of 155 and were cued for six steps, where the run's was 160; on the
recorded runners' keypoint tracks a cadence cue came first for six steps, then the overstride
cue, once the near leg's steps were enough to judge it by (docs/metrics.md, The first cue)."""
DECIDED_ERRORS = 1.0
"""A figure is decided once its median lies this many standard errors (``median_error``) or
more from its target, on either side (``at_target``), and no cue comes for it or verdict
judges it before; for the first cue it must also ..."""
DECIDED_VALUES = 5
"""... and rests on this many values at least: the spread of three or four says little of the
median's error (a live run's first cadences, 175, 146 and 145 spm, read as decided at 146 against
a target of 155, in a run of 160-168)."""
CHOPPY_KEY = "choppy"
CHOPPY_CUE = "Drive from the hip, longer push"


def cue_metrics(key: str) -> tuple[str, ...]:
    """The metrics a cue rests on (for choppy strides, the drive it lost); none for "good"."""
    if key == CHOPPY_KEY:
        return ("hip_extension_deg", "scissor_back_deg")
    return tuple(rule.metric for rule in _RULES if rule.key == key)


_Cue = tuple[str | None, str | None, str | None]
HOLDS = "; the cue holds until "
"""What a cue's reason says once its figure is back inside its target but not yet by the
margin (``_told``)."""
_GOOD: _Cue = ("good", "Good form - keep it up", "every target met")
UNJUDGED_CUE = "Form not fully judged"
_WAIT: _Cue = (None, None, None)

_REASONS = {
    "overstride_cm": "foot lands {v} cm ahead of the hips (target <= {lim:g} cm{pace})",
    "overstride_pct_leg": "foot lands {v}% of leg length ahead (target <= {lim:g}%{pace})",
    "shank_angle_ic_deg": "shin reaches {v} deg forward at landing (target <= {lim:g} deg)",
    "hip_extension_deg": "thigh drives {v} deg behind vertical (target >= {lim:g} deg)",
    "cadence_spm": "cadence {v} spm (target >= {lim:g}{pace})",
    "contact_ms": "ground contact {v} ms (target <= {lim:g} ms{pace})",
}


def _places(limit: float) -> int:
    """The decimal places a reason prints figures against ``limit`` to: a tenth for a target
    grown or eased with pace, else none."""
    return 0 if float(limit).is_integer() else 1


def _shown(value: float | None, limit: float, above: bool, places: int | None = None) -> str:
    """``value`` as a reason prints it, against a target of at most (``above``) or at least
    ``limit``: to the places of the limit (a target grown or eased with pace has a tenth;
    ``places``, when given), a value that misses and would round onto it or past it rounded
    away instead, so it never reads as met (148.86 spm against at least 148.9 reads 148.8, 154.6
    against 155 reads 154), and any other value as it rounds (38.33% against 33.2 reads 38.3,
    as the summary prints it)."""
    if value is None:
        return "-"
    places = _places(limit) if places is None else places
    scale = 10.0**places
    near = round(value * scale) / scale
    if above and value > limit and near <= limit:
        value = math.ceil(value * scale) / scale
    elif not above and value < limit and near >= limit:
        value = math.floor(value * scale) / scale
    return f"{value:.{places}f}"


_UNITS = {
    "overstride_cm": " cm",
    "overstride_pct_leg": "%",
    "shank_angle_ic_deg": " deg",
    "hip_extension_deg": " deg",
    "cadence_spm": " spm",
    "contact_ms": " ms",
}

CLEAR_ERRORS = 2.0
"""A missed target's cue clears once the median is back inside it by this many standard errors
of the median (``clears_at``): the window's median wanders about one standard error as steps
come and go, so the cue does not come straight back, while a runner back on target is not held
to a margin wider than their own variation. Before, a fixed tenth of the target held a runner
at 157 spm, a cadence cue set off early at 154, for a whole run (docs/metrics.md, When a cue
clears)."""


CLEAR_MOST = 0.05
"""The most a cue's clearing margin may be, as a share of its target (``clears_at``): a window
whose steps scatter widely (a walk read as running after a run) had a cadence cue at 155 told
to hold "until 182 spm", out of the runner's reach (a user trial)."""


def median_error(metric: MetricSummary) -> float:
    """The standard error of ``metric``'s median, 0.93 IQR / sqrt(n) for a normal spread."""
    return 0.93 * (metric.iqr or 0.0) / math.sqrt(max(metric.n, 1))


def at_target(metric: MetricSummary, limit: float) -> bool:
    """Whether ``metric``'s median lies within ``DECIDED_ERRORS`` standard errors
    (``median_error``) of a target at ``limit``: closer to it than its steps tell, so a few
    steps more or fewer could put it on either side. Such a figure is neither met nor missed: no
    cue comes for it (one shown holds by its margin: ``clears_at``), and a report's verdict and
    a printed summary say it is at its target (``AT_TARGET``). The same frames filmed at 30 fps,
    at 24 and at a third of the size had read 25.9, 23.6 and 24.3% of the leg against targets
    of 23.8-24.1, and were told "Land under your hips", "Quicker, lighter steps" and "Land under
    your hips", the last 0.2 past its target, half its standard error (a tester's treadmill
    clip)."""
    error = DECIDED_ERRORS * median_error(metric)
    return metric.median is not None and abs(metric.median - limit) < error


AT_TARGET = "within what the steps tell"
"""What a figure at its target (``at_target``) is, where it is said."""


def clears_at(limit: float, above: bool, metric: MetricSummary, least: float) -> float:
    """Where the cue of a target at ``limit`` clears (``above``: values above it miss): back
    inside by ``CLEAR_ERRORS`` standard errors of ``metric``'s median (``median_error``), by
    ``least`` of the limit at least and by ``CLEAR_MOST`` of it at most."""
    error = median_error(metric)
    margin = min(max(CLEAR_ERRORS * error, least * abs(limit)), CLEAR_MOST * abs(limit))
    return limit - margin if above else limit + margin


def released_at(clear: float, above: bool, limit: float) -> tuple[float, int]:
    """The point a held cue's reason says it holds until, for a cue that clears at ``clear``
    (``clears_at``) of a target at ``limit`` (``above``: values above it miss), and its decimal
    places: to three significant figures or the limit's places, whichever is finer, rounded
    away from the target, so a figure short of ``clear`` never reads as reaching it (156.45
    spm against 154.9 had read "the cue holds until 156 spm or more" beside 156.4)."""
    figures = 2 - math.floor(math.log10(abs(clear))) if clear else 0
    places = max(_places(limit), figures, 0)
    scale = 10.0**places
    # Round off float noise first (155.0 * 1.01 is 156.55000000000001), then away.
    scaled = round(clear * scale, 6)
    return (math.floor(scaled) if above else math.ceil(scaled)) / scale, places


def sure_steps(steps: Sequence[_R], metric: str) -> list[_R]:
    """The steps with a value of ``metric`` where it is confident (in an oblique uncalibrated
    view not those measured before the yaw was known)."""
    had = [s for s in steps if getattr(s, metric) is not None]
    oblique = view_marked_metric(steps, metric)
    return [s for s in had if confident(s, metric) and not (oblique and s.yaw_deg is None)]


def judged(steps: Sequence[_R], metric: str) -> tuple[list[_R], bool]:
    """The steps with a value of ``metric`` that a summary of them rests on, and whether that
    value is confident on them: the ``sure_steps``, at least ``MIN_SURE_STEPS`` of them, else
    every step with a value."""
    return _rests_on(steps, metric, sure_steps(steps, metric))


def _rests_on(steps: Sequence[_R], metric: str, sure: list[_R]) -> tuple[list[_R], bool]:
    """``judged`` given the ``sure_steps``."""
    if len(sure) >= MIN_SURE_STEPS:
        return sure, True
    return [s for s in steps if getattr(s, metric) is not None], False


SWING_LEG_METRICS = ("scissor_front_deg", "swing_knee_lift_deg")
"""Metrics of the leg that swings while the step's foot stands, told under that leg's foot: a
report had put the right knee's swing lift under "left", beside the right knee's own lift."""


FEET_MIXED = (
    "two steps in a row were named the same foot, where the feet alternate: which leg is nearer "
    "the camera was read one way and then the other (a camera carried or panning, the runner "
    "turned, or the legs hard to tell apart in the picture), so some steps may carry the other "
    "foot's name; left and right are not compared. Set the camera still, level and square to "
    "the belt, the runner side on and well lit"
)
"""Why the feet were not told apart (``MetricSummary.feet_mixed``), as analyze and the report
say it."""


_OTHER_FOOT = {"left": "right", "right": "left", "near": "far", "far": "near"}


def leg_of(step: Rated, metric: str) -> str:
    """The foot of the leg ``metric`` measures on ``step``: the swinging leg's for
    ``SWING_LEG_METRICS``, else the step's own."""
    if metric in SWING_LEG_METRICS:
        return _OTHER_FOOT.get(step.foot, step.foot)
    return step.foot


def summarise(steps: Iterable[Rated], metric: str, mixed: bool | None = None) -> MetricSummary:
    """One metric over some steps (the rules in this module's docstring); ``mixed``: whether
    their feet were not told apart (``same_foot_twice``), when a caller summing up many metrics
    of the same steps has told it once (None: told here)."""
    steps = list(steps)
    sure_ones = sure_steps(steps, metric)
    used_steps, sure = _rests_on(steps, metric, sure_ones)
    if not used_steps:
        return MetricSummary(None, None, None)
    used = [float(getattr(s, metric)) for s in used_steps]
    q1, med, q3 = np.percentile(used, [25, 50, 75])
    if metric in BY_STRIDE and (strides := by_stride(used_steps, metric)) is not None:
        med = np.median([v for v in strides if v is not None])
    by_foot = list(zip(used_steps, used, strict=True)) if sure else []
    left = [v for s, v in by_foot if leg_of(s, metric) == "left"]
    right = [v for s, v in by_foot if leg_of(s, metric) == "right"]
    lm = float(np.median(left)) if left else None
    rm = float(np.median(right)) if right else None
    asymmetry = None
    both_feet = {"left", "right"} <= {s.foot for s in steps}
    if metric in UNCOMPARED:
        mixed = False
    elif mixed is None:
        mixed = same_foot_twice(steps)
    compared = min(len(left), len(right)) >= MIN_SURE_STEPS and metric not in UNCOMPARED
    if lm is not None and rm is not None and compared and not mixed:
        mean = (abs(lm) + abs(rm)) / 2
        asymmetry = 100.0 * (lm - rm) / mean if mean > 0 else 0.0
    near_leg_only = both_feet and (lm is None) != (rm is None)
    waiting = not sure and bool(sure_ones)
    return MetricSummary(
        float(med),
        float(q3 - q1),
        asymmetry,
        sure,
        near_leg_only,
        left=lm,
        right=rm,
        n=len(used),
        waiting=waiting,
        feet_differ=asymmetry is not None
        and not within_view(metric, asymmetry)
        and feet_differ(left, right),
        feet_mixed=mixed,
    )


NO_STEPS = Summary(0, {name: MetricSummary(None, None, None) for name in SUMMARISED}, *_WAIT)
"""The summary of no steps."""


class SummaryBuilder:
    """Keeps the last steps of the current gait and the cue state; ``add`` returns the new
    summary, which stays ``last``."""

    def __init__(self, targets: Targets | None = None) -> None:
        self.targets = targets or Targets()
        self.last = NO_STEPS
        self._steps: deque[Step] = deque(maxlen=self.targets.window_steps)
        self._active: set[str] = set()
        # Steps in a row each target's median has been decided inside it (``_update_active``).
        self._inside: dict[str, int] = {}
        self._shown: _Cue = _WAIT
        self._shown_for = 0
        # The rule the cue shown, and the one wanted, come from (None: no target's).
        self._shown_rule: _Rule | None = None
        self._wanted_rule: _Rule | None = None
        self._choppy = ChoppyWatch(self.targets.window_steps)
        self._beyond = False  # the pace past the recorded ones, held (``beyond_recorded``)

    def whole(self, steps: Sequence[Step]) -> Summary:
        """The verdict of a whole run, ``steps`` of one gait as one window summarised once, as
        the last of them added to a fresh builder: so no cue is held from before, none for a
        margin (a cue live holds until its metric is back inside by one: a walk-then-run clip
        had printed "the cue holds until 157 spm" beside a report's "every target met") and
        none for ``hold_steps``. Fed step by step, a run of thousands of steps took minutes. The
        choppy watch, which holds a window to a steady state learned before it, has none to
        hold a whole run to."""
        self._steps = deque(steps[:-1], maxlen=max(len(steps), 1))
        # A whole run is past its first cue: a figure measured surely on too few of its steps is
        # told as less sure, not waited for (a real oblique clip's verdict had become "film a
        # longer run").
        self._shown, self._shown_for = _GOOD, self.targets.hold_steps
        self._shown_rule = None
        return self.add(steps[-1], whole=True)

    @property
    def steady(self) -> tuple[Steady, ...]:
        """The runner's steady states so far, one per belt speed (``edge.gait.choppy``)."""
        return self._choppy.steady

    def add(self, step: Step, whole: bool = False) -> Summary:
        """The summary with ``step`` in (``whole``: the last step of a whole run, ``whole``'s)."""
        gait = gait_of(step)
        if self._steps and gait != gait_of(self._steps[-1]):
            self._steps.clear()
            self._active.clear()
            self._inside.clear()
            self._shown, self._shown_for = _WAIT, 0
            self._shown_rule = None
            self._beyond = False
            self._choppy.restart()
        self._steps.append(step)
        mixed = same_foot_twice(self._steps)
        metrics = {name: summarise(self._steps, name, mixed) for name in SUMMARISED}
        wanted = _WAIT
        slow = None
        held = None
        at: tuple[str, ...] = ()
        self._wanted_rule = None
        if gait == RUNNING:
            pace = metrics["speed_legs_per_s"].median
            self._beyond = beyond_recorded(pace, self._beyond)
            targets = paced(self.targets, pace, self._beyond)
            self._update_active(metrics, targets)
            choppy = self._choppy.update(list(self._steps), metrics)
            slow = self._slow(metrics, whole)
            wanted = slow or self._wanted(metrics, choppy, targets)
            held = self._held(metrics, targets)
            # To a tenth: rounded away from the target to its whole units, 23.2% of the leg
            # against 23 reads 24, as if missed surely.
            at = tuple(
                self._figure(rule, metrics, targets, places=1)
                for rule in _at_targets(metrics, targets)
            )
        self._shown_for += 1
        if wanted[0] != self._shown[0] and (
            self._shown_for >= self.targets.hold_steps or self._shown is _WAIT or slow
        ):
            self._shown, self._shown_for = wanted, 0
            self._shown_rule = self._wanted_rule
        elif wanted[0] == self._shown[0]:
            self._shown = wanted  # same cue, fresher reason
            self._shown_rule = self._wanted_rule
        elif held is not None:
            self._shown = held
        key, text, reason = self._shown
        yaws = [s.yaw_deg for s in self._steps if s.yaw_deg is not None]
        # An oblique view's yaw as its cue's reason gives it (the median), not the last step's,
        # which wanders a degree or two: a console had said 8-12 deg on one screen.
        oblique = oblique_yaw(self._steps)
        self.last = Summary(
            len(self._steps),
            metrics,
            key,
            text,
            reason,
            yaw_deg=oblique if oblique is not None else yaws[-1] if yaws else None,
            oblique=oblique is not None,
            gait=None if gait == UNTOLD else gait,
            pace_beyond=self._beyond,
            at_target=at,
        )
        return self.last

    def _update_active(self, metrics: dict[str, MetricSummary], targets: Targets) -> None:
        for rule in _RULES:
            value = metrics[rule.metric].median
            name = f"{rule.key}:{rule.metric}"
            limit = getattr(targets, rule.limit)
            if value is None or not metrics[rule.metric].confident or not judged_limit(limit):
                self._active.discard(name)
                self._inside.pop(name, None)
                continue
            back_in = clears_at(limit, rule.above, metrics[rule.metric], targets.margin)
            missed = value > limit if rule.above else value < limit
            undecided = at_target(metrics[rule.metric], limit)
            # Inside and decided so (``DECIDED_ERRORS``), as a first cue is decided to come.
            inside = not (missed or undecided)
            self._inside[name] = self._inside.get(name, 0) + 1 if inside else 0
            # Only the cue shown is held by the margin: one never shown, or no longer, comes
            # only with its median past the target (a first step's wild median had held a
            # cadence cue until well back inside, and a cue came on reading "156 spm (target
            # >= 155); the cue holds until 157"), and past it decided (``at_target``), as the
            # first cue waits to be: after a cadence cue, a tester's treadmill run was told "Land
            # under your hips" for an overstride of 24.3% of the leg against 24.1, half its
            # standard error.
            shown = self._shown[0] == rule.key
            comes = missed and (shown or not undecided)
            cleared = not shown or (value <= back_in if rule.above else value >= back_in)
            # Nor past ``hold_steps`` steps in a row decided back inside: a runner on target
            # by less than the margin's floor was held for a whole run (a user trial's cadence
            # cue, set off at 154 spm from 9 steps, "held until 156" beside 156.3 for 13 s,
            # against a report's "every target met"); a median only just inside, within its
            # wander, still waits for the margin, and the cue shown still changes at most once
            # a hold.
            settled = self._inside[name] >= self.targets.hold_steps
            if comes:
                self._active.add(name)
            elif cleared or settled:
                self._active.discard(name)

    def _wanted(
        self, metrics: dict[str, MetricSummary], choppy: Choppy | None, targets: Targets
    ) -> _Cue:
        if len(self._steps) < 4 or not self._view_known() or self._undecided(metrics, targets):
            return _WAIT
        return (
            self._missed(_LANDING_RULES, metrics, targets)
            or ((CHOPPY_KEY, CHOPPY_CUE, choppy.reason()) if choppy is not None else None)
            or self._missed(_DRIVE_RULES, metrics, targets)
            or self._unjudged(metrics, targets)
            or self._good(metrics, targets)
        )

    def _good(self, metrics: dict[str, MetricSummary], targets: Targets) -> _Cue:
        """The cue of no target missed: every one met, or, for those at their target
        (``at_target``), that they are, named (neither met nor missed)."""
        at = _names(_at_targets(metrics, targets))
        if not at:
            return _GOOD
        others = (
            "; every other target met" if set(_names(_judged(metrics, targets))) - set(at) else ""
        )
        return _GOOD[0], _GOOD[1], f"{_at_said(at)}{others}"

    def _slow(self, metrics: dict[str, MetricSummary], whole: bool) -> _Cue | None:
        """The cue, held by no ``hold_steps``, of running steps under running's cadence, or
        None: a walk's steps misread (a walk in place played to the station had ten of its
        steps cued as an overstrider's; a live console, a walk after a run cued as a run for a
        few steps), or a run with every other step missed; neither is judged as running. Live,
        by the last steps' (``slow_cadence``); a whole run's (``whole``), by its own median."""
        if len(self._steps) < RECENT_STEPS:
            return None
        cadences = [s.cadence_spm for s in self._steps]
        cadence = metrics["cadence_spm"].median if whole else slow_cadence(cadences)
        if cadence is None or cadence >= RUNNING_CADENCE_SPM[0]:
            return None
        # Live, the last steps' cadence, not the window's the cadence tile shows (a user trial's
        # banner said 101 spm beside a tile's 156).
        whose = "cadence" if whole else f"the last {RECENT_STEPS} steps' cadence"
        return (
            UNJUDGED_KEY,
            UNJUDGED_CUE,
            f"{whose} {cadence:.0f} spm is under running's {RUNNING_CADENCE_SPM[0]:g}: a walk, or "
            "steps missed, so the form is not judged",
        )

    def _view_known(self) -> bool:
        """Whether the camera's view is known: a step not of the far leg carries the engine's
        yaw estimate, which marks it less sure when an uncalibrated view is oblique (before,
        an oblique view's first steps read as square, and their overstride set off a cue that
        the next step showed unjudged); or the window has waited ``CUE_VIEW_WAIT_STEPS`` for it
        (or is full, a shorter window than that)."""
        return self._waited(CUE_VIEW_WAIT_STEPS) or any(
            s.view != "far" and s.yaw_deg is not None for s in self._steps
        )

    def _waited(self, steps: int) -> bool:
        """Whether the window holds ``steps`` steps, or is full (a shorter window)."""
        return len(self._steps) >= min(steps, self._steps.maxlen or steps)

    def _undecided(self, metrics: dict[str, MetricSummary], targets: Targets) -> bool:
        """Whether the first cue waits (at most ``FIRST_CUE_WAIT_STEPS``) for a figure a cue
        rests on: one confident on too few steps yet (``MetricSummary.waiting``: a cue of lower
        priority would come first and give way to it a few steps on), or confident but on fewer
        than ``DECIDED_VALUES`` values or within ``DECIDED_ERRORS`` of its target, so that the
        steps to come can put it on either side; or a pace within ``DECIDED_ERRORS`` of the
        fastest recorded (``edge.pace.beyond_recorded``), which decides whether the overstride
        has a target."""
        if self._shown is not _WAIT or self._waited(FIRST_CUE_WAIT_STEPS):
            return False
        pace = metrics["speed_legs_per_s"]
        if pace.median is not None and pace.confident:
            # Whether the overstride has a target at all hangs on the pace: a live run at 6.0-6.1
            # leg lengths a second, the bound, was cued for its overstride, then told it has none.
            # Either bound: past the first, the overstride's target comes back under the second.
            bounds = (recorded_bound(), recorded_bound(was_beyond=True))
            if any(at_target(pace, bound) for bound in bounds):
                return True
        for rule in _RULES:
            metric = metrics[rule.metric]
            limit = getattr(targets, rule.limit)
            if metric.median is None:
                continue
            if metric.waiting:
                return True
            if not (metric.confident and judged_limit(limit)):
                continue
            if at_target(metric, limit) or metric.n < DECIDED_VALUES:
                return True
        return False

    def _unjudged(self, metrics: dict[str, MetricSummary], targets: Targets) -> _Cue | None:
        """With no target missed: the cue that says which could not be judged (measured less
        surely, or without a target at a pace beyond the recorded ones), or None when every one
        with a value was. Before the first cue none comes while a figure is confident on too
        few steps yet (``_undecided``): neither "good form" nor "measured less surely" before the
        steps are there to judge. Once a cue was shown it is not taken back for that: a stretch
        of less sure steps later on is told as less sure."""
        shown = [rule for rule in _RULES if metrics[rule.metric].median is not None]
        untargeted = [rule for rule in shown if not judged_limit(getattr(targets, rule.limit))]
        # A rule is judged by another of its key that is sure: the overstride as a share of the
        # leg, where a scale doubted leaves the centimetres less sure.
        judged_by = {
            rule.key for rule in shown if metrics[rule.metric].confident and rule not in untargeted
        }
        unsure = [
            rule
            for rule in shown
            if not metrics[rule.metric].confident
            and rule not in untargeted
            and rule.key not in judged_by
        ]
        fast = list(dict.fromkeys(rule.name for rule in untargeted))
        names = list(dict.fromkeys(rule.name for rule in unsure))
        if not names and not fast:
            return None
        yaw = oblique_yaw(self._steps)
        turned = turned_view(self._steps)
        why = ""
        if yaw is not None and any(rule.metric in OBLIQUE_METRICS for rule in unsure):
            why = (
                f", the camera turning from {turned[0]:.0f} to {turned[1]:+.0f} deg off square:"
                " set it still to judge them"
                if turned is not None
                else f", the camera about {abs(yaw):.0f} deg off square and uncalibrated: calibrate"
                " it to judge them"
            )
        parts = [f"{_listed(names)} measured less surely{why}"] if names else []
        if fast:
            parts.append(
                f"{_listed(fast)} {'has' if len(fast) == 1 else 'have'} {NO_TARGET_AT_PACE}"
            )
        judged = [n for n in dict.fromkeys(r.name for r in shown) if n not in names + fast]
        at = [n for n in _names(_at_targets(metrics, targets)) if n in judged]
        if at:
            parts.append(_at_said(at))
        if met := [n for n in judged if n not in at]:
            parts.append(f"{_listed(met)} on target")
        return UNJUDGED_KEY, UNJUDGED_CUE, "; ".join(parts)

    def _missed(
        self, rules: tuple[_Rule, ...], metrics: dict[str, MetricSummary], targets: Targets
    ) -> _Cue | None:
        """The cue of the first of ``rules`` whose target is missed (``targets``, paced), or
        None."""
        for rule in rules:
            if f"{rule.key}:{rule.metric}" in self._active:
                self._wanted_rule = rule
                return self._told(rule, metrics, targets)
        return None

    def _told(self, rule: _Rule, metrics: dict[str, MetricSummary], targets: Targets) -> _Cue:
        """``rule``'s cue, its reason as its figure reads now: past the target; back inside it
        but not yet by the margin, the cue holding until then (the module's docstring); or,
        for a cue shown for its ``hold_steps`` after it cleared, back on target."""
        value = metrics[rule.metric].median
        limit = getattr(targets, rule.limit)
        inside = value is not None and (value <= limit if rule.above else value >= limit)
        if inside and f"{rule.key}:{rule.metric}" in self._active:
            # Else its reason would read as met. The figure is printed short of the point it
            # holds until, as a missed one is short of its target (``_shown``): "156.4 spm ...
            # holds until 156 spm or more" had read as reached.
            clear = clears_at(limit, rule.above, metrics[rule.metric], targets.margin)
            until, places = released_at(clear, rule.above, limit)
            reason = self._figure(rule, metrics, targets, until)
            more = "less" if rule.above else "more"
            # Or it clears after ``hold_steps`` steps well inside (``_update_active``): said, so
            # that it does not clear short of the point the reason gave (a review).
            return (
                rule.key,
                rule.text,
                f"{reason}{HOLDS}{until:.{places}f}{_UNITS[rule.metric]} or {more}, or "
                f"{self.targets.hold_steps} steps well on target",
            )
        reason = self._figure(rule, metrics, targets)
        if inside:
            reason += "; back on target"
        return rule.key, rule.text, reason

    def _figure(
        self,
        rule: _Rule,
        metrics: dict[str, MetricSummary],
        targets: Targets,
        until: float | None = None,
        places: int | None = None,
    ) -> str:
        """``rule``'s figure against its target (``targets``, paced), as a reason says it:
        "cadence 150 spm (target >= 155)", the figure printed as ``_shown`` prints it against the
        target, or against ``until`` when given (the point a cue held inside it clears at), to
        the target's places or ``places``."""
        limit = getattr(targets, rule.limit)
        bound = limit if until is None else until
        places = _places(limit) if places is None else places
        shown = _shown(metrics[rule.metric].median, bound, rule.above, places)
        pace = " at this pace" if limit != getattr(self.targets, rule.limit) else ""
        return _REASONS[rule.metric].format(v=shown, lim=limit, pace=pace)

    def _held(self, metrics: dict[str, MetricSummary], targets: Targets) -> _Cue | None:
        """The cue shown, held for its ``hold_steps`` though another is wanted, its reason as
        the figure it was shown for reads now (``_told``: a live console had said "cadence 154
        spm" under a cadence tile of 163 for six steps), or None, the reason kept, when it rests
        on no target's figure or that figure is no longer judged."""
        rule = self._shown_rule
        if rule is None:
            return None
        metric = metrics[rule.metric]
        if metric.median is None or not metric.confident:
            return None
        if not judged_limit(getattr(targets, rule.limit)):
            return None
        return self._told(rule, metrics, targets)


def _judged(metrics: Mapping[str, MetricSummary], targets: Targets) -> list[_Rule]:
    """The rules whose figure is measured surely and has a target (``targets``, paced)."""
    return [
        rule
        for rule in _RULES
        if metrics[rule.metric].median is not None
        and metrics[rule.metric].confident
        and judged_limit(getattr(targets, rule.limit))
    ]


def _at_targets(metrics: Mapping[str, MetricSummary], targets: Targets) -> list[_Rule]:
    """The ``_judged`` rules whose figure lies at its target (``at_target``)."""
    return [
        rule
        for rule in _judged(metrics, targets)
        if at_target(metrics[rule.metric], getattr(targets, rule.limit))
    ]


def _names(rules: Iterable[_Rule]) -> list[str]:
    """The names of ``rules`` as a reason gives them, each once (the overstride has two)."""
    return list(dict.fromkeys(rule.name for rule in rules))


def _at_said(names: list[str]) -> str:
    """``overstride at its target, within what the steps tell``, for the figures ``names``."""
    return f"{_listed(names)} at {'its' if len(names) == 1 else 'their'} target, {AT_TARGET}"


def _listed(names: list[str]) -> str:
    """The names as a person lists them: "a", "a and b", "a, b and c"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
