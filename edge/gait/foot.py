"""The foot at initial contact: its angle to the belt, the strike it makes, where it meets the belt.

Definitions (``docs/foot.md``), in the sagittal plane (x forward, y up), from a heel point and a
toe point of the landing foot:

* foot angle: the heel->toe line's angle to the belt, toe up positive, minus the same line's
  angle standing (the markers or landmarks do not lie on the sole, so the line is not level when
  the foot is flat). 0 is a flat foot; a heel strike lands toe up, a forefoot strike toe down.
* strike: ``heel`` above ``HEEL_STRIKE_DEG``, ``forefoot`` below ``FOREFOOT_STRIKE_DEG``,
  ``midfoot`` between: Altman AR, Davis IS, "A kinematic method for footstrike pattern detection
  in barefoot and shod runners", Gait Posture 35:298 (2012), which set these bounds against
  runners' plantar pressure.
* contact point: where the foot meets the belt at initial contact: the heel for a heel strike,
  the metatarsal heads (ball of the foot) for a forefoot strike, halfway between for a midfoot
  strike. The foot's overstride is that point's distance ahead of the mid-hip.
"""

from __future__ import annotations

import numpy as np

HEEL = "heel"
MIDFOOT = "midfoot"
FOREFOOT = "forefoot"
STRIKES = (HEEL, MIDFOOT, FOREFOOT)
HEEL_STRIKE_DEG = 8.0
"""A foot landing more than this toe up (over standing) lands on the heel (Altman & Davis)."""
FOREFOOT_STRIKE_DEG = -1.6
"""A foot landing more than this toe down lands on the forefoot (Altman & Davis)."""
_TOE_SHARE = {HEEL: 0.0, MIDFOOT: 0.5, FOREFOOT: 1.0}


def foot_line_deg(heel: np.ndarray, toe: np.ndarray) -> np.ndarray:
    """(...) the heel->toe line's angle above the belt, degrees, toe up positive, from ``heel``
    and ``toe`` (..., 2+) with x forward and y up."""
    d = np.asarray(toe, dtype=np.float64)[..., :2] - np.asarray(heel, dtype=np.float64)[..., :2]
    return np.degrees(np.arctan2(d[..., 1], d[..., 0]))


def strike(foot_angle_deg: float) -> str:
    """The strike a foot landing at ``foot_angle_deg`` (over standing) makes."""
    if foot_angle_deg > HEEL_STRIKE_DEG:
        return HEEL
    if foot_angle_deg < FOREFOOT_STRIKE_DEG:
        return FOREFOOT
    return MIDFOOT


def contact_point(heel: np.ndarray, toe: np.ndarray, kind: str) -> np.ndarray:
    """(2+,) where a foot striking ``kind`` meets the belt: the heel, the toe point, or halfway."""
    share = _TOE_SHARE[kind]
    return (1.0 - share) * np.asarray(heel, dtype=np.float64) + share * np.asarray(toe)
