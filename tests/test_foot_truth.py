"""The foot at contact: the definitions (``edge.gait.foot``) and the markers' truth per contact
(``edge.demo.foot_truth``) on the three runners of Fukuchi 2017 (CC-BY 4.0)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from edge.demo.foot_truth import foot_truth, standing_foot_deg
from edge.demo.mocap import load_trial, standing_trial, truth_steps
from edge.gait.foot import FOREFOOT, HEEL, MIDFOOT, contact_point, foot_line_deg, strike


@pytest.mark.parametrize(
    ("angle", "expected"),
    [
        (25.0, HEEL),
        (8.01, HEEL),
        (8.0, MIDFOOT),
        (0.0, MIDFOOT),
        (-1.6, MIDFOOT),
        (-1.61, FOREFOOT),
    ],
)
def test_strike_bounds_are_altman_and_davis(angle: float, expected: str) -> None:
    assert strike(angle) == expected


def test_foot_line_is_toe_up_positive() -> None:
    assert foot_line_deg(np.array([0.0, 0.0]), np.array([0.2, 0.2])) == pytest.approx(45.0)
    assert foot_line_deg(np.array([0.0, 0.1]), np.array([0.2, 0.0])) < 0.0


def test_contact_point_is_the_part_that_lands() -> None:
    heel, toe = np.array([0.0, 0.0]), np.array([0.2, 0.04])
    assert contact_point(heel, toe, HEEL) == pytest.approx(heel)
    assert contact_point(heel, toe, FOREFOOT) == pytest.approx(toe)
    assert contact_point(heel, toe, MIDFOOT) == pytest.approx([0.1, 0.02])


@pytest.fixture(scope="module")
def truth(fukuchi_dir) -> dict[str, list[dict]]:
    return {
        runner: foot_truth(load_trial(fukuchi_dir, runner), standing_trial(fukuchi_dir, runner))
        for runner in ("RBDS001", "RBDS032", "RBDS0041")
    }


def test_standing_zero_is_a_few_degrees_toe_up(fukuchi_dir) -> None:
    """The heel marker sits lower on the shoe than the metatarsal markers: standing, the line
    between them rises a few degrees, and that is the foot angle's zero."""
    zero = standing_foot_deg(standing_trial(fukuchi_dir, "RBDS001"))
    assert all(2.0 < z < 7.0 for z in zero.values()), zero


def test_rbds001_lands_flat(truth) -> None:
    """RBDS001 (the data set records a forefoot striker) meets the belt with a flat foot: no
    heel strike, foot angles near zero, so either side of the midfoot/forefoot bound."""
    rows = truth["RBDS001"]
    angles = np.array([r["foot_angle_ic_deg"] for r in rows])
    assert len(rows) == 77
    assert abs(angles.mean()) < 2.0 and angles.max() < 4.0
    assert set(Counter(r["foot_strike"] for r in rows)) == {MIDFOOT, FOREFOOT}


@pytest.mark.parametrize(
    ("runner", "low", "high"), [("RBDS032", 14.0, 25.0), ("RBDS0041", 22.0, 30.0)]
)
def test_the_new_runners_land_on_the_heel(truth, runner: str, low: float, high: float) -> None:
    rows = truth[runner]
    angles = np.array([r["foot_angle_ic_deg"] for r in rows])
    assert {r["foot_strike"] for r in rows} == {HEEL}
    assert low < angles.mean() < high


def test_a_heel_strike_lands_behind_the_ankle_reach(fukuchi_dir, truth) -> None:
    """The heel lands behind the ankle, so a heel striker's foot overstride is shorter than the
    ankle's; the metatarsal heads are ahead of it, so a forefoot landing's is longer."""
    for runner in ("RBDS032", "RBDS001"):
        ankle = {
            s["ic_t"]: s["overstride_cm"] for s in truth_steps(load_trial(fukuchi_dir, runner))
        }
        for row in truth[runner]:
            if row["foot_strike"] == HEEL:
                assert row["overstride_foot_cm"] < ankle[row["ic_t"]]
            if row["foot_strike"] == FOREFOOT:
                assert row["overstride_foot_cm"] > ankle[row["ic_t"]]
