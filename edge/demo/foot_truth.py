"""The foot at each contact of a motion-capture trial: angle, strike and overstride from markers.

The heel point is the heel's bottom marker, the toe point the mean of the MT1 and MT5 markers
(``edge.demo.mocap``). The foot angle is the heel->toe line's sagittal angle at the contact's
initial contact minus its mean angle in the runner's standing trial, as Altman & Davis measure
it; strike and contact point follow ``edge.gait.foot``.

Measured with ``python -m tests.foot_accuracy --truth`` (Fukuchi 2017, CC-BY 4.0): RBDS001
lands flat (left -0.2, right -1.8 deg on average, the heel and metatarsal markers meeting the
belt within one marker frame of each other), so its contacts fall either side of the midfoot /
forefoot bound; the data set's own record calls him a forefoot striker. RBDS032 (+17 to +22
deg) and RBDS0041 (+25 to +27 deg) land on the heel, which meets the belt 20-40 ms before
the metatarsal markers.
"""

from __future__ import annotations

import numpy as np

from edge.demo.mocap import J, MocapTrial, leg_length_m
from edge.gait.foot import contact_point, foot_line_deg, strike

SIDES = ("left", "right")


def standing_foot_deg(standing: MocapTrial) -> dict[str, float]:
    """Each foot's heel->toe line angle standing, degrees (the zero of the foot angle)."""
    return {
        side: float(
            np.mean(foot_line_deg(standing.joint(f"{side}_heel"), standing.joint(f"{side}_toe")))
        )
        for side in SIDES
    }


def foot_truth(trial: MocapTrial, standing: MocapTrial) -> list[dict]:
    """One dict per contact of ``trial``, in time order: ``foot``, ``ic_t``,
    ``foot_angle_ic_deg``, ``foot_strike``, ``overstride_foot_cm`` and ``overstride_foot_pct_leg``
    (the contact point ahead of the mid-hip), with ``standing`` the same runner's static trial."""
    zero = standing_foot_deg(standing)
    leg = leg_length_m(trial)
    at = trial.at(trial.ic)
    rows = []
    for k, side in enumerate(trial.foot):
        heel, toe = at[k, J[f"{side}_heel"]], at[k, J[f"{side}_toe"]]
        angle = float(foot_line_deg(heel, toe)) - zero[side]
        kind = strike(angle)
        ahead = float(contact_point(heel, toe, kind)[0] - at[k, J["mid_hip"], 0])
        rows.append(
            {
                "foot": side,
                "ic_t": float(trial.ic[k]),
                "foot_angle_ic_deg": angle,
                "foot_strike": kind,
                "overstride_foot_cm": ahead * 100.0,
                "overstride_foot_pct_leg": ahead / leg * 100.0,
            }
        )
    return rows
