"""The pace a runner's targets are judged at: one rule for the cues (``edge.gait.summary``), the
console's colours (``edge.dashboard.bands``, which imports nothing of the gait engine) and the
report. The targets as set are a runner's at 2.5 m/s. A faster runner lands further ahead
(``paced_limit``); a slower one takes longer contacts at a lower cadence
(``paced_cadence_min``, ``paced_contact_max``). No target is ever made stricter than set, and
beyond the recorded paces the overstride and the shin's reach have none (``beyond_recorded``)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence

MAX_BELT_MPS = 8.0
"""The fastest belt speed a station takes, m/s (28.8 km/h): the top speed of the fastest running
treadmills, in the configuration, ``--belt-speed`` and from the console. A user trial's 10, a
speed in km/h given as m/s, was taken."""


def in_other_units(speed: float) -> str:
    """What a belt speed given in m/s reads as, when it was meant in km/h or in mph."""
    return f"{speed:g} km/h is {speed / 3.6:.2f} m/s, {speed:g} mph {speed * 0.44704:.2f} m/s"


RUNNING_CADENCE_SPM = (120.0, 240.0)
"""Running cadence, steps a minute: issue 18's bounds, around the 150-200 of treadmill runners
(156 for Fukuchi's RBDS001 at 2.5 m/s, the data set's slowest speed). Running steps under it
are judged by no target (``slow_cadence``)."""

RECENT_STEPS = 4
"""The steps whose cadence tells, live, that running steps are no run's (``slow_cadence``): one
missed among them leaves their median a running one."""


def slow_cadence(cadences: Sequence[float | None]) -> float | None:
    """The median of the last ``RECENT_STEPS`` of a run's step cadences (spm; None: not known)
    when it is under running's (``RUNNING_CADENCE_SPM``), else None. Such steps are a walk's,
    misread (a walk in place played to the station had ten of its steps cued as an
    overstrider's; a console trial's walk after a run was coached as a run for a few steps), or
    a run's with every other one missed: no target judges them, in the cues
    (``edge.gait.summary``) or in the console's colours. None with fewer than ``RECENT_STEPS``
    steps, or none of them known."""
    known = [c for c in cadences[-RECENT_STEPS:] if c is not None]
    if len(cadences) < RECENT_STEPS or not known:
        return None
    median = statistics.median(known)
    return median if median < RUNNING_CADENCE_SPM[0] else None


PACE_REF_LEGS_S = 3.0
"""The pace the targets are set for, in leg lengths a second (``speed_legs_per_s``,
the belt's speed as the stance foot reads it over the leg's length): 2.5 m/s, which the engine
reads 2.92-3.11 on the four runners recorded at that speed (keypoint tracks of
docs/accuracy.md; the belt over their joints' leg 2.82-3.14). The pace is always read this way,
a belt speed given or not, so this one reference holds everywhere; the distances are divided by
the same leg, so the ratio needs no calibration."""
OVERSTRIDE_PACE_GAIN = 0.5
"""How the overstride targets grow with pace above ``PACE_REF_LEGS_S``: by this share of the
pace's own growth. A faster runner's longer step lands further ahead of the hips: on the
recorded runners the ankle landed 21-25% of the leg ahead at 2.5 m/s, and 29-34% at 3.5-4.6 m/s
(RBDS002 22.8 -> 31.8% from 2.5 to 4.5 m/s, RBDS0041 21.8 -> 33.6% to 4.6): 0.47 and 0.62
times the growth of their pace. The lesser end, so a doubtful landing is still cued
(docs/metrics.md, Targets and pace)."""
PACE_MAX_RATIO = 1.9
"""The targets grow no further than at this multiple of ``PACE_REF_LEGS_S``: the fastest pace
the engine read on a recorded runner (5.68, RBDS002 at 4.5 m/s), so nothing is extrapolated."""
PACE_JUDGED_RATIO = 2.0
"""The overstride is judged up to this multiple of ``PACE_REF_LEGS_S``: ``PACE_MAX_RATIO`` and
the pace's reading error (1% under to 5% over the belt over the joints' leg, on the seven
recorded trials), about 5 m/s for a 0.85 m leg. No runner faster was recorded, and a faster one
lands further ahead by a measure nobody here has seen, so beyond it the overstride has no target
(``at_pace`` gives infinity): the cue says so and no figure is judged."""
PACE_JUDGED_RETURN = 0.97
"""Once past ``PACE_JUDGED_RATIO``, a live runner's overstride is judged again under this share
of it (``beyond_recorded``): the window's median pace wobbles as steps come and go, and the cue
must not flip between "Land under your hips" and "not judged" with it."""


PACE_MIN_RATIO = 0.7
"""The cadence and contact targets ease no further than at this multiple of ``PACE_REF_LEGS_S``
(about 1.75 m/s for a 0.85 m leg, a slow jog): no runner slower than 2.5 m/s was recorded, so
below the reference the rules below are the recorded runners' trend carried on, and no further
than this."""
CADENCE_PACE_EXP = 0.18
"""The cadence target follows the pace to this power below ``PACE_REF_LEGS_S``. The two runners
recorded at both speeds stepped 150.1 -> 169.0 (RBDS002) and 156.9 -> 174.9 spm (RBDS0041) from
2.5 to 4.5-4.6 m/s: cadence as the speed's 0.20 and 0.18 power. The lesser, so a doubtful
cadence is still cued. Below some two thirds of their top speed runners go faster mostly by
longer steps, so cadence falls little at a slow jog."""
CONTACT_PACE_EXP = 0.52
"""The contact-time target follows the pace to the minus this power below ``PACE_REF_LEGS_S``:
the same two runners' contacts shortened 317 -> 210 and 299 -> 219 ms, as the speed's -0.70 and
-0.52 power (the lesser, as above)."""


def _pace_ratio(speed_legs_per_s: float | None) -> float | None:
    """The pace over ``PACE_REF_LEGS_S``, held between ``PACE_MIN_RATIO`` and
    ``PACE_MAX_RATIO``, to a thousandth (so a pace at a bound gives one target, not two a tenth
    apart by the floating point's last digit); None when it is not known."""
    if speed_legs_per_s is None or not speed_legs_per_s > 0:
        return None
    return round(min(max(speed_legs_per_s / PACE_REF_LEGS_S, PACE_MIN_RATIO), PACE_MAX_RATIO), 3)


def paced_limit(limit: float, speed_legs_per_s: float | None) -> float:
    """An overstride target at a pace (leg lengths a second; None: not known, the target as
    set), to a tenth of a cm or % of the leg: steps far finer than a cue's margin
    (``edge.gait.summary.clears_at``), so a pace wobbling about one does not flip the cue, and
    never below the target as set (beyond the recorded paces: ``at_pace``)."""
    ratio = _pace_ratio(speed_legs_per_s)
    if ratio is None or ratio <= 1:
        return limit
    return max(limit, round(limit * (1 + OVERSTRIDE_PACE_GAIN * (ratio - 1)), 1))


def recorded_bound(was_beyond: bool = False) -> float:
    """The pace, leg lengths a second, past which the reach is not judged
    (``beyond_recorded``): ``PACE_JUDGED_RATIO`` of the reference, or, ``was_beyond``, the
    ``PACE_JUDGED_RETURN`` of that under which it is judged again."""
    return PACE_JUDGED_RATIO * PACE_REF_LEGS_S * (PACE_JUDGED_RETURN if was_beyond else 1.0)


def beyond_recorded(speed_legs_per_s: float | None, was_beyond: bool = False) -> bool:
    """Whether a pace is faster than any recorded runner's by more than its reading's error
    (``PACE_JUDGED_RATIO``): the reach (``UNJUDGED_BEYOND``) is then not judged. ``was_beyond``:
    it was, the last time asked (the live summary holds that state and tells the console,
    ``SummaryMsg.pace_beyond``), and it stays so until the pace is back under
    ``PACE_JUDGED_RETURN`` of the bound, so a pace wobbling about it flips nothing
    (``recorded_bound``)."""
    return speed_legs_per_s is not None and speed_legs_per_s > recorded_bound(was_beyond)


def judged_limit(limit: float) -> bool:
    """Whether a target at a pace is one: not the infinite limit ``at_pace`` gives beyond the
    recorded paces."""
    return math.isfinite(limit)


def paced_cadence_min(limit: float, speed_legs_per_s: float | None) -> float:
    """The cadence target (spm, at least) at a pace: eased below ``PACE_REF_LEGS_S`` by
    ``CADENCE_PACE_EXP``, to a tenth, never above the target as set."""
    ratio = _pace_ratio(speed_legs_per_s)
    if ratio is None or ratio >= 1:
        return limit
    return min(limit, round(limit * ratio**CADENCE_PACE_EXP, 1))


def paced_contact_max(limit: float, speed_legs_per_s: float | None) -> float:
    """The contact-time target (ms, at most) at a pace: eased below ``PACE_REF_LEGS_S`` by
    ``CONTACT_PACE_EXP``, to a tenth, never below the target as set."""
    ratio = _pace_ratio(speed_legs_per_s)
    if ratio is None or ratio >= 1:
        return limit
    return max(limit, round(limit * ratio**-CONTACT_PACE_EXP, 1))


def as_set(limit: float, speed_legs_per_s: float | None) -> float:
    """A target that does not follow the pace within the recorded ones: the target as set."""
    return limit


def at_pace(
    metric: str, limit: float, speed_legs_per_s: float | None, beyond: bool | None = None
) -> float:
    """A target that follows the pace (``metric`` in ``AT_PACE``), at a pace: by its rule, and
    infinite, no target, for the reach (``UNJUDGED_BEYOND``) when the pace is ``beyond`` the
    recorded ones (``beyond_recorded``: held by a live caller; None, as the pace alone says). One
    rule for the cues' targets (``edge.gait.summary.paced``) and the console's bands
    (``TargetBands.paced``)."""
    if beyond is None:
        beyond = beyond_recorded(speed_legs_per_s)
    if beyond and metric in UNJUDGED_BEYOND:
        return math.inf
    return AT_PACE[metric](limit, speed_legs_per_s)


AT_PACE: dict[str, Callable[[float, float | None], float]] = {
    "overstride_cm": paced_limit,
    "overstride_pct_leg": paced_limit,
    "cadence_spm": paced_cadence_min,
    "contact_ms": paced_contact_max,
    "shank_angle_ic_deg": as_set,
}
"""The metrics whose targets depend on the pace, each with its rule (target as set, pace) ->
target (``at_pace``): grown or eased, or kept as set (``as_set``) within the recorded paces and
none beyond them (``UNJUDGED_BEYOND``)."""
UNJUDGED_BEYOND = ("overstride_cm", "overstride_pct_leg", "shank_angle_ic_deg")
"""The metrics with no target beyond the recorded paces (``PACE_JUDGED_RATIO``): how far ahead
the foot lands and how far the shin reaches then, which grow with the pace by a measure no
recorded runner shows beyond them (the shin's: 9.3 to 15.2 deg from 2.5 to 4.6 m/s on
RBDS0041, 5.4 to 6.2 on RBDS002, docs/metrics.md). A user trial's 5.1 m/s runner had been told
"Land under your hips" for the shin's 14 deg against the 7 of 2.5 m/s beside an overstride
with no target."""
NO_TARGET_AT_PACE = "no target at this pace, faster than any runner recorded"
"""What the cue, the report's findings and its chart say of them there."""


PACE_CHANGED_RATIO = 1.6
"""How far apart the quick and the slow steps of a run (the 90th and 10th percentiles of their
``speed_legs_per_s``) must lie for one median pace to misjudge it (``pace_changed``): the steady
runs of seven real keypoint tracks at hand read 1.09-1.43 (the steps' paces scatter), a user
trial's progression run, from a jog to a sprint, 2.5."""


def pace_changed(paces: Sequence[float | None]) -> str | None:
    """What to say of a run whose pace changed so far (``PACE_CHANGED_RATIO``) that its figures,
    judged at the run's median pace, say little of its slower or quicker stretches; None when it
    did not, or with fewer than eight paces known. A user trial's progression run was reported
    "every other target was met", its overstride given no target at its median pace of 8.3 leg
    lengths a second, where the station had cued "Land under your hips" at its slower start."""
    known = sorted(p for p in paces if p is not None and p > 0)
    if len(known) < 8:
        return None
    slow, middle, quick = (known[round(q * (len(known) - 1))] for q in (0.1, 0.5, 0.9))
    if quick < PACE_CHANGED_RATIO * slow:
        return None
    return (
        f"the pace changed through the run, from {slow:.1f} to {quick:.1f} leg lengths a second "
        f"over most of its steps: its figures and verdicts are the whole run's, at its median pace "
        f"({middle:.1f}), and say little of its slower or quicker stretches, which a run at "
        "one pace each would judge"
    )
