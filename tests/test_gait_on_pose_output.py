"""The gait engine on a real pose model's output, from wherever in the stride a session starts.

``tests/data/pose_track.npz``: yolo11n-pose (OpenVINO INT8, 320 px on the runner crop, the
station's defaults) run over the 20 s demo clip, recorded with its truth by
``python -m tests.demo_accuracy --backend openvino --precision int8 --save ...``. The clip is
rendered from the Fukuchi 2017 treadmill run (CC-BY 4.0: Fukuchi RK, Fukuchi CA, Duarte M,
PeerJ 5:e3298, doi 10.7717/peerj.3298) and the truth is its force plate.

This is what pose models really do on a side view: left and right labels swapped in 47% of
frames, both ankles collapsing between the legs as they cross, an ankle 22 px off (median).
A leg tracker can lock into a wrong state on it depending on the first frame it sees. The
knees are the pose model's own (no refiner), so the engine takes toe-off from the ankle too.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from edge.demo.mocap import load_trial
from edge.demo.scenario import CAMERA
from edge.demo.scene import SideCamera
from edge.gait import GaitEngine, GaitParams, PlaneMapping
from edge.gait.layout import CTR_SMOOTHED
from edge.gait.metrics import belt_ankle_speed, window
from edge.skeleton import KP
from tests.builders.keypoint_tracks import synth_track
from tests.demo_accuracy import STARTS, RecordedTrack, gait_figures
from tests.gait_accuracy import DATA as FUKUCHI
from tests.gait_accuracy import replay

TRACK = Path(__file__).parent / "data" / "pose_track.npz"
PARAMS = GaitParams(ankle_toe_off=True)


@pytest.fixture(scope="module")
def track() -> RecordedTrack:
    """The fixture, with the place of the demo camera it was recorded through."""
    x, _, distance = CAMERA.centre
    return replace(RecordedTrack.load(TRACK), camera=(float(x), abs(float(distance))))


@pytest.fixture(scope="module")
def learned_speed(track: RecordedTrack) -> float:
    """The stance speed the engine has learned from the contacts of the whole track."""
    engine = GaitEngine(track.mapping, params=PARAMS)
    for k in range(len(track.t)):
        engine.push(float(track.t[k]), track.keypoints[k])
    return engine.stance_speed


@pytest.mark.parametrize("start", STARTS)
def test_every_start_finds_the_steps_and_times_them(track: RecordedTrack, start: int) -> None:
    r = gait_figures(track, start)
    assert r["contacts_expected"] >= 45
    assert r["steps_found_pct"] >= 98.0
    assert r["side_correct_pct"] >= 90.0
    assert r["ic_mae_ms"] <= 10.0
    assert r["to_mae_ms"] <= 20.0
    assert r["hip_extension_mae_deg"] <= 4.0
    assert r["overstride_mae_cm"] <= 4.5


@pytest.mark.parametrize("start", [0, 10, 30, 200, 500, 800])
def test_the_first_second_tells_the_belt_speed(
    track: RecordedTrack, learned_speed: float, start: int
) -> None:
    """Before any contact, the stance speed comes from the ankles alone, and it must be near
    what the contacts teach later wherever a session starts. (The lowest ankles' speed, used
    before, came out 0.1-0.9 m/s against about 2.1 on this track, and backwards on others, so
    that one session never started: the model's ankles sit high in stance as the legs cross.)"""
    first = GaitEngine(track.mapping, params=PARAMS)
    for k in range(start, start + 66):
        first.detect(float(track.t[k]), track.keypoints[k])
    seen = window(first._sm, int(first._ctr[CTR_SMOOTHED]), -math.inf, math.inf)
    assert belt_ankle_speed(seen) == pytest.approx(learned_speed, rel=0.2)


@pytest.mark.parametrize("start", [0, 8, 24, 48])
def test_the_first_steps_of_a_session_are_measured_like_the_rest(
    track: RecordedTrack, start: int
) -> None:
    """The first second is paired again once the belt speed is known, so the first crossing
    of the legs cannot swap them. (Before, a session starting in the first 0.7 s of this track
    timed its second contact's toe-off 123 ms early, with hip extension 33 deg off.)"""
    engine = GaitEngine(track.mapping, params=PARAMS)
    steps = []
    for k in range(start, start + 240):
        steps += engine.push(float(track.t[k]), track.keypoints[k])
    truth = track.truth
    first = [j for j, ic in enumerate(truth.ic) if ic >= track.t[start]][:3]
    for j in first:
        step = next(s for s in steps if abs(s.ic_t - truth.ic[j]) < 0.1)
        assert abs(step.to_t - truth.steps[j]["to_t"]) <= 0.030
        assert step.hip_extension_deg == pytest.approx(truth.steps[j]["hip_extension_deg"], abs=6)


def test_one_foot_on_both_leg_tracks_is_one_step() -> None:
    # A pose model that draws the far leg where the near one was 70 ms before, over three of
    # the near foot's contacts (as a user trial's slow-motion clip, its feet mostly out of the
    # picture, gave one landing on both tracks 70 ms apart: a step of 859 steps a minute).
    trial = load_trial(FUKUCHI, "RBDS001")
    camera = SideCamera(facing="right")
    t, kp = synth_track(trial, 60.0, camera, seed=0, swap_fraction=0.0, far_dropout_fraction=0.0)
    for k in (10, 20, 30):
        ic = trial.ic[k] if trial.foot[k] == "right" else trial.ic[k + 1]
        frames = np.flatnonzero((t > ic - 0.2) & (t < ic + 0.35))
        for joint in ("hip", "knee", "ankle"):
            kp[frames, KP[f"left_{joint}"]] = kp[frames - 4, KP[f"right_{joint}"]]
    steps = replay(t, kp, PlaneMapping.scaled("right", camera.meters_per_pixel))
    assert len(steps) == 77  # every contact once (80 with the three twice)
    assert min(b.ic_t - a.ic_t for a, b in itertools.pairwise(steps)) > 0.25
    # the landing kept, not its copy 67 ms late, and its step timed from the other foot's
    for k in (10, 20, 30):
        ic = trial.ic[k] if trial.foot[k] == "right" else trial.ic[k + 1]
        kept = min(steps, key=lambda s: abs(s.ic_t - ic))
        assert abs(kept.ic_t - ic) < 1 / 60 and kept.cadence_spm is not None
        assert kept.cadence_spm < 200.0
