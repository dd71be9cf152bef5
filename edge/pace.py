"""The pace a runner's overstride is judged at: one rule for the cues (``edge.gait.summary``),
the console's colours (``edge.dashboard.bands``, which imports nothing of the gait engine) and
the report."""

from __future__ import annotations

PACE_REF_LEGS_S = 2.8
"""The pace the overstride targets are set for, in leg lengths a second (``speed_legs_per_s``,
the belt's speed as the stance foot reads it over the leg's length): 2.5 m/s, which the engine
reads 2.72-2.89 on the four runners recorded at that speed (keypoint tracks of
docs/accuracy.md; the belt over their joints' leg 2.82-3.14: the stance ankle moves back a
little slower than the belt, even with ``GaitParams.belt_per_stance_speed``). The pace is
always read this way, a belt speed given or not, so this one reference holds everywhere; the
distances are divided by the same leg, so the ratio needs no calibration."""
OVERSTRIDE_PACE_GAIN = 0.5
"""How the overstride targets grow with pace above ``PACE_REF_LEGS_S``: by this share of the
pace's own growth. A faster runner's longer step lands further ahead of the hips: on the
recorded runners the ankle landed 21-25% of the leg ahead at 2.5 m/s, and 29-34% at 3.5-4.6 m/s
(RBDS002 22.8 -> 31.8% from 2.5 to 4.5 m/s, RBDS0041 21.8 -> 33.6% to 4.6): 0.47 and 0.62
times the growth of their pace. The lesser end, so a doubtful landing is still cued
(docs/metrics.md, Targets and pace)."""
PACE_MAX_RATIO = 1.9
"""The targets grow no further than at this multiple of ``PACE_REF_LEGS_S``: the fastest pace
the engine read on a recorded runner (5.28, RBDS002 at 4.5 m/s), so nothing is extrapolated."""


def paced_limit(limit: float, speed_legs_per_s: float | None) -> float:
    """An overstride target at a pace (leg lengths a second; None: not known, the target as
    set), to a tenth of a cm or % of the leg: steps far finer than a cue's margin
    (``edge.gait.summary.clears_at``), so a pace wobbling about one does not flip the cue, and
    never below the target as set."""
    if speed_legs_per_s is None or not speed_legs_per_s > PACE_REF_LEGS_S:
        return limit
    ratio = min(speed_legs_per_s / PACE_REF_LEGS_S, PACE_MAX_RATIO)
    return max(limit, round(limit * (1 + OVERSTRIDE_PACE_GAIN * (ratio - 1)), 1))
