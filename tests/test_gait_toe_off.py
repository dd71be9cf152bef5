"""A running toe-off from two signs: the knee's extension (the detector's) and the ankle's rise
above its mid-stance height (``edge.gait.metrics.running_toe_off``). Whether the rise is left
out through an oblique uncalibrated camera is held by test_gait_accuracy's oblique views."""

from __future__ import annotations

import math

import numpy as np
import pytest

from edge.demo.mocap import load_trial
from edge.demo.scene import SideCamera
from edge.gait import GaitEngine, GaitParams, PlaneMapping
from edge.gait.kernels import MIN_CONTACT_S, detect_leg
from edge.gait.layout import (
    ANKLE,
    EV_IC,
    EV_TO,
    MAX_EVENTS,
    N_SM,
    PAR_TYPICAL_CONTACT_S,
    SM_KNEE_FLEX,
    SM_MID_X,
    SM_T,
    sm_col,
)
from edge.gait.metrics import (
    SHORT_CONTACT,
    TO_ANKLE_RISE_LEGS,
    TO_SIGNS_AGREE_S,
    Contact,
    ankle_rise_toe_off,
    running_toe_off,
)
from tests.builders.keypoint_tracks import synth_track
from tests.gait_accuracy import DATA as FUKUCHI
from tests.gait_accuracy import replay

LEG = 0.9


def stance(rise_from: float = 0.25, rate: float = 1.0, dt: float = 0.01) -> np.ndarray:
    """Smoothed rows of leg 0 over a contact from 0 s: the ankle flat at height 0.1 until
    ``rise_from`` s, then rising ``rate`` plane units per second."""
    t = np.arange(-0.1, 0.6, dt)
    sm = np.full((len(t), N_SM), np.nan)
    sm[:, SM_T] = t
    sm[:, sm_col(0, ANKLE, 1)] = 0.1 + np.clip(t - rise_from, 0.0, None) * rate
    return sm


#: where the ankle of ``stance()`` crosses the rise the engine takes as toe-off
RISEN_AT = 0.25 + TO_ANKLE_RISE_LEGS * LEG


def test_the_toe_off_is_halfway_between_the_knee_and_the_ankles_rise() -> None:
    sm = stance()
    assert ankle_rise_toe_off(sm, 0, Contact(0.0, 0.33, 1.0), LEG, 0.015) == pytest.approx(RISEN_AT)
    found = running_toe_off(sm, 0, Contact(0.0, 0.33, 1.0), LEG, 0.015)
    assert found.to_t == pytest.approx((0.33 + RISEN_AT) / 2) and found.ic_t == 0.0


def test_the_knees_toe_off_is_kept_when_the_ankle_does_not_show_its_rise() -> None:
    knee = Contact(0.0, 0.33, 1.0)
    # Not seen across the rise: a gap of 0.1 s where at most 0.015 s is allowed.
    sm = stance()
    hidden = (sm[:, SM_T] > RISEN_AT - 0.05) & (sm[:, SM_T] < RISEN_AT + 0.05)
    sm[hidden, sm_col(0, ANKLE, 1)] = np.nan
    assert math.isnan(ankle_rise_toe_off(sm, 0, knee, LEG, 0.015))
    assert running_toe_off(sm, 0, knee, LEG, 0.015) == knee
    # Already up where the rise is first looked for, half-way through the contact (a swapped
    # ankle, say): no rise this contact shows.
    sm = stance()
    sm[np.abs(sm[:, SM_T] - 0.17) < 0.005, sm_col(0, ANKLE, 1)] += 0.5
    assert math.isnan(ankle_rise_toe_off(sm, 0, knee, LEG, 0.015))
    # No leg length to measure the rise in.
    assert math.isnan(ankle_rise_toe_off(stance(), 0, knee, math.nan, 0.015))


def test_signs_that_disagree_leave_the_knees_toe_off() -> None:
    # Looked for until the agreement's end and one sample more (``max_gap``, wide here).
    knee = Contact(0.0, RISEN_AT - TO_SIGNS_AGREE_S - 0.02, 1.0)
    sm = stance()
    assert ankle_rise_toe_off(sm, 0, knee, LEG, 0.05) == pytest.approx(RISEN_AT)
    assert running_toe_off(sm, 0, knee, LEG, 0.05) == knee


def test_a_contact_the_knee_cuts_short_ends_where_the_ankle_rises() -> None:
    """A knee put wrong for a few frames as the legs cross ends a contact at 0.16 s, where this
    runner's contacts last 0.33 s: the ankle's rise, looked for over a typical contact, ends
    it. Not when the runner's contact is not known, nor when the knee's is near the usual."""
    sm = stance()
    cut = Contact(0.0, 0.16, 1.0)
    assert math.isnan(ankle_rise_toe_off(sm, 0, cut, LEG, 0.015))
    assert running_toe_off(sm, 0, cut, LEG, 0.015, typical_s=0.33).to_t == pytest.approx(RISEN_AT)
    assert running_toe_off(sm, 0, cut, LEG, 0.015) == cut
    near_usual = Contact(0.0, RISEN_AT - TO_SIGNS_AGREE_S - 0.02, 1.0)
    typical = near_usual.to_t / (SHORT_CONTACT + 0.05)
    assert running_toe_off(sm, 0, near_usual, LEG, 0.05, typical_s=typical) == near_usual


def test_a_contact_shorter_than_any_runners_does_not_set_the_typical_contact() -> None:
    """The typical contact that judges a contact cut short is not learned from one: a first
    contact the knee ended after 55 ms would make every later one look long."""
    engine = GaitEngine(PlaneMapping.scaled("right"))
    engine._learn_from_contact(0, 1.0, 1.055, 1.0)
    assert math.isnan(engine._par[PAR_TYPICAL_CONTACT_S])
    engine._learn_from_contact(0, 2.0, 2.0 + 0.28, 1.0)
    assert engine._par[PAR_TYPICAL_CONTACT_S] == pytest.approx(0.28)


def test_a_knee_dip_just_after_landing_does_not_end_the_contact() -> None:
    """A knee put wrong for two frames 50-70 ms after the landing looks like its extension at
    toe-off, which would end the contact 50 ms after it began. No foot leaves the belt that soon
    (``MIN_CONTACT_S``): the detector looks for the extension again and ends the contact at the
    real one, 0.42 s, from the knee (quality 1). It cut the matrix's runner-0041-slow's first
    contact to 55 ms, so the step was lost."""
    engine = GaitEngine(PlaneMapping.scaled("right"), params=GaitParams(stance_speed=2.0))
    det, par = engine._det[0], engine._par
    dt = 1 / 60
    t = np.arange(0.0, 0.8, dt)
    sm = np.full((len(t), N_SM), np.nan)
    sm[:, SM_T] = t
    # The foot lands at 0.134 s (its speed falls through -0.42 of the stance speed) and swings
    # forward again from 0.48 s, after the knee has shown its extension.
    sm[:, sm_col(0, ANKLE, 2)] = np.interp(t, [0.0, 0.08, 0.15, 0.48, 0.6], [3, 3, -2, -2, 3])
    sm[:, SM_MID_X] = 0.0
    sm[:, sm_col(0, ANKLE, 0)] = 0.1 - 2.0 * (t - 0.12)
    knee = np.interp(t, [0.0, 0.134, 0.17, 0.3, 0.42, 0.6], [30, 0, 25, 40, 10, 50])
    knee[(t > 0.175) & (t < 0.205)] = 12.0
    sm[:, SM_KNEE_FLEX] = knee
    events = np.zeros((MAX_EVENTS, 4))
    n = 0
    for frame in range(len(t)):
        n = detect_leg(sm, frame, 0, det, par, dt, events, n)
    found = [(int(e[1]), float(e[2]), float(e[3])) for e in events[:n]]
    assert [kind for kind, _, _ in found] == [EV_IC, EV_TO]
    (_, ic, _), (_, to, quality) = found
    assert ic == pytest.approx(0.134, abs=0.005)
    assert to == pytest.approx(0.42, abs=0.01) and quality == 1.0
    assert to - ic >= MIN_CONTACT_S


@pytest.mark.parametrize("k", [20, 21])
def test_a_recordings_last_contact_ends_where_its_ankle_rises(k: int) -> None:
    # A 30 fps clip that ends 167 ms (5 frames) after a toe-off: the knee has not bent past its
    # extension in the frames the smoothing reached (a user trial's clip lost that contact).
    trial = load_trial(FUKUCHI, "RBDS001")
    camera = SideCamera(facing="right")
    t, kp = synth_track(trial, 30.0, camera, seed=3)
    end = t <= trial.to[k] + 0.167
    steps = replay(t[end], kp[end], PlaneMapping.scaled("right", camera.meters_per_pixel))
    last = steps[-1]
    assert last.foot == trial.foot[k]
    assert abs(last.ic_t - trial.ic[k]) < 1 / 30 and abs(last.to_t - trial.to[k]) < 1 / 30
    assert last.confidence < 0.5  # one sign only
    assert abs(steps[-2].ic_t - trial.ic[k - 1]) < 1 / 30
