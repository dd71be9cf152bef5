"""The gait engine held to force-plate truth (Fukuchi 2017, CC-BY 4.0: Fukuchi RK, Fukuchi CA,
Duarte M, PeerJ 5:e3298, doi 10.7717/peerj.3298). Figures: python -m tests.gait_accuracy."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest

from edge.demo.mocap import load_trial, truth_steps
from edge.demo.scene import SideCamera
from edge.gait import GaitEngine, PlaneMapping, metrics
from edge.gait.sagittal import camera_sight
from tests.builders import population
from tests.builders.keypoint_tracks import synth_track, truth_events
from tests.gait_accuracy import evaluate, replay, score


def test_the_scissor_is_its_two_thighs_at_toe_off(mocap_trial) -> None:
    """Each step's scissor is the stance thigh's extension plus the swing thigh's flexion at the
    stance's toe-off, as the force plate's toe-offs put them in the mocap (``truth_steps``)."""
    t, kp = synth_track(mocap_trial, 60.0, SideCamera(), seed=5)
    steps = replay(t, kp, PlaneMapping.scaled("right", SideCamera().meters_per_pixel))
    assert len(steps) > 60
    for s in steps:
        if s.scissor_deg is not None:
            assert s.scissor_deg == pytest.approx(s.scissor_back_deg + s.scissor_front_deg)
            assert 30.0 < s.scissor_deg < 90.0 and s.scissor_back_deg > 0 < s.scissor_front_deg


@pytest.mark.parametrize(
    "case",
    [{"seed": 0}, {"seed": 1}, {"seed": 2, "facing": "left"}, {"seed": 3, "facing": "left"}],
    ids=lambda c: "-".join(f"{k}{v}" for k, v in c.items()),
)
def test_targets_at_60_fps_with_pose_faults(mocap_trial, case: dict) -> None:
    """60 fps, 3 px noise, 5% swapped legs, 5% far-leg dropouts: the issue's targets."""
    r = evaluate(mocap_trial, fps=60.0, noise_px=3.0, **case)
    assert r["recall"] >= 0.99
    assert r["precision"] >= 0.99
    assert r["ic_mae_ms"] <= 8.0
    assert r["to_mae_ms"] <= 8.0
    assert r["contact_ms_mae"] <= 10.0
    assert r["overstride_cm_mae"] <= 1.0
    assert r["overstride_cm_n"] >= 0.95 * r["steps_truth"]
    assert r["hip_extension_deg_mae"] <= 2.0
    assert r["scissor_deg_mae"] <= 3.0
    assert r["scissor_deg_n"] >= 0.9 * r["steps_truth"]  # none while the far thigh drops out
    assert r["side_correct"] >= 0.99
    assert abs(r["cadence_diff_spm"]) <= 0.5


def test_other_metrics_track_the_truth(mocap_trial) -> None:
    r = evaluate(mocap_trial, fps=60.0, seed=4)
    assert r["flight_ms_mae"] <= 10.0
    assert r["braking_ms_mae"] <= 8.0
    assert r["shank_angle_ic_deg_mae"] <= 2.0
    assert r["knee_flexion_ic_deg_mae"] <= 3.0
    assert r["knee_lift_deg_mae"] <= 2.0
    assert r["swing_knee_lift_deg_mae"] <= 2.0
    assert r["vertical_osc_cm_mae"] <= 1.0
    assert r["stride_length_m_mae"] <= 0.1
    assert r["overstride_pct_leg_mae"] <= 1.5


def test_the_shown_error_leaves_out_what_the_station_does_not_show(mocap_trial) -> None:
    """The far leg's landing and hip drive are marked less sure and stay off the console, the
    summary and the cue: their error is scored apart from the error of what is shown."""
    camera = SideCamera(facing="right")
    t, kp = synth_track(mocap_trial, 60.0, camera, seed=3)
    steps = replay(t, kp, PlaneMapping.scaled("right", camera.meters_per_pixel))
    far = [s for s in steps if s.view == "far"]
    assert far and all(s.metric_confidence["overstride_cm"] < 0.35 for s in far)
    shifted = [
        replace(s, overstride_cm=s.overstride_cm + 10.0)
        if s.view == "far" and s.overstride_cm is not None
        else s
        for s in steps
    ]
    r, off = score(mocap_trial, steps), score(mocap_trial, shifted)
    assert off["overstride_cm_shown_mae"] == pytest.approx(r["overstride_cm_shown_mae"])
    assert off["overstride_cm_mae"] > r["overstride_cm_mae"] + 3.0
    assert r["overstride_cm_shown_mae"] <= 1.0


@pytest.mark.parametrize("fps", [24.0, 25.0, 29.97, 30.0, 50.0, 120.0, 240.0])
def test_every_frame_rate_from_24_to_240(mocap_trial, fps: float) -> None:
    """The engine's windows are set in time and widen to two frames a side below 33 fps.

    The faults are counted in frames (runs of up to 8 dropped), so at 24-30 fps one run can
    hide a whole contact: over seeds 0-5 and both facings recall was 96-100% at 24 fps, 97-100%
    at 25 and 29.97, with events within a frame (IC 4-7 ms, TO 5-11 ms). At 50 fps seed 5 the
    tracker takes the far leg for the near one through a dropout and misses one step of 77."""
    r = evaluate(mocap_trial, fps=fps, seed=5)
    assert r["recall"] >= (0.96 if fps < 50 else 0.98)
    assert r["precision"] >= 0.99
    assert r["side_correct"] >= 0.99
    if fps < 50:
        assert r["ic_mae_ms"] <= 1000.0 / fps and r["to_mae_ms"] <= 1000.0 / fps
    else:
        assert r["ic_mae_ms"] <= 10.0 and r["to_mae_ms"] <= 15.0


@pytest.mark.parametrize(
    ("fps", "height_m", "facing"), [(60.0, 0.5, "right"), (60.0, 1.3, "left"), (25.0, 1.0, "left")]
)
def test_feet_are_named_from_geometry_not_the_models_labels(
    mocap_trial, fps: float, height_m: float, facing: str
) -> None:
    """Labels swapped in half the frames and the far leg as sure as the near one: the model's
    left/right and its confidence say nothing. The feet are still named from where each foot
    stands on the belt, how large each leg is drawn, and their alternation."""
    camera = SideCamera(facing=facing, height_m=height_m)
    t, kp = synth_track(mocap_trial, fps, camera, swap_fraction=0.5, seed=7)
    seen = kp[..., 2] > 0
    kp[..., 2] = np.where(seen, np.random.default_rng(7).uniform(0.5, 0.9, kp.shape[:2]), 0.0)
    steps = replay(t, kp, PlaneMapping.scaled(facing, camera.meters_per_pixel))
    r = score(mocap_trial, steps)
    assert r["recall"] >= 0.97
    assert r["side_correct"] >= 0.98
    named = [s for s in steps if s.view is not None]
    assert len(named) >= 0.97 * len(steps)
    for s in named:
        assert (s.view == "near") == (s.foot == facing)
        far_leg = s.metric_confidence.get("hip_extension_deg")
        assert (far_leg is not None and far_leg < s.confidence) == (s.view == "far")


def test_legs_once_named_keep_their_names_against_weaker_evidence(mocap_trial, monkeypatch) -> None:
    """The depth evidence of a real clip 30 deg off square at 25 fps (``lift_treadmill``, a unit
    or two a step, its contacts in turn: 0.91, 1.94, -0.52, 0.81, -0.43, -0.16, then 2.41 where
    the near foot stood high once), then steady evidence of the names so told: the feet are
    named in turn throughout. One step's evidence had swapped two steps' names and swapped them
    back, 3 of the clip's 4 marked contacts found."""
    readings = [0.91, 1.94, -0.52, 0.81, -0.43, -0.16, 2.41, 1.14, -0.27]
    told = iter(readings + [1.0 if k % 2 else -1.0 for k in range(len(readings), 200)])
    monkeypatch.setattr(metrics.DepthCues, "score", lambda _: next(told))
    camera = SideCamera(facing="left")
    t, kp = synth_track(mocap_trial, 60.0, camera, swap_fraction=0.0, seed=3)
    steps = replay(t[t < 10.0], kp[t < 10.0], PlaneMapping.scaled("left", camera.meters_per_pixel))
    assert len(steps) >= 20 and max(np.diff([s.ic_t for s in steps])) < 0.45  # none missed
    assert all(a.foot != b.foot for a, b in pairwise(steps))


@pytest.mark.parametrize("facing", ["right", "left"])
def test_the_first_steps_wait_for_their_view_not_the_labels(mocap_trial, facing: str) -> None:
    """A pose model that names every leg the wrong way round, and a short clip from 5 m,
    where the legs differ little in size: the first three steps, before the geometry has
    told near from far, wait for a step that tells it and are named by the count of steps
    between, not by the labels."""
    camera = SideCamera(facing=facing, distance_m=5.0)
    t, kp = synth_track(mocap_trial, 60.0, camera, swap_fraction=0.0, seed=3)
    kp[:, [11, 13, 15, 12, 14, 16]] = kp[:, [12, 14, 16, 11, 13, 15]]
    seen = kp[..., 2] > 0
    kp[..., 2] = np.where(seen, np.random.default_rng(3).uniform(0.5, 0.9, kp.shape[:2]), 0.0)
    short = t < mocap_trial.ic[8]
    steps = replay(t[short], kp[short], PlaneMapping.scaled(facing, camera.meters_per_pixel))
    truth = truth_events(mocap_trial)
    ics = np.array([s["ic_t"] for s in truth])
    assert len(steps) >= 7
    assert all(s.view is not None for s in steps)
    assert [s.foot for s in steps] == [truth[np.abs(ics - s.ic_t).argmin()]["foot"] for s in steps]


@pytest.mark.parametrize("yaw_deg", [-30.0, 30.0])
def test_an_oblique_view_is_seen_undone_and_flagged(mocap_trial, yaw_deg: float) -> None:
    """A camera 30 degrees off square, with a plane that assumes a square one: every step is
    still found, the yaw is estimated from the hips' offset (the pose model's hip width is
    not known, so within a third), the forward axis is stretched back by it and the metrics a
    yaw foreshortens are marked less sure. Measured here: yaw read 25.8 and 27.6 deg, hip
    extension off 1.9 and 2.6 deg, overstride 1.9 and 1.7 cm; with the camera 0.5 or 1.3 m
    high, 1.7-3.0 deg and 1.7-1.9 cm, where the view not stretched back read 3.0-4.7 deg and
    2.7-3.1 cm. Toe-off from the knee alone: 6.1 and 5.7 ms off, where also taking the ankle
    leaving the belt's speed (``GaitParams.ankle_toe_off``, for a pose model's lagging knees)
    read 7.7 and 15.5 ms: turned toward the runner's front, the far foot's sideways motion
    shows in the image's forward axis. Taking the ankle's rise too read 11.3 ms at -30 deg: the
    belt slants across such a picture, so the rise is left out there (``RISE_MAX_YAW_DEG``)."""
    camera = SideCamera(facing="right", yaw_deg=yaw_deg)
    t, kp = synth_track(mocap_trial, 60.0, camera, seed=3)
    steps = replay(t, kp, PlaneMapping.scaled("right", camera.meters_per_pixel))
    r = score(mocap_trial, steps)
    assert r["recall"] >= 0.99 and r["precision"] >= 0.99 and r["side_correct"] >= 0.99
    estimate = float(np.median([s.yaw_deg for s in steps if s.yaw_deg is not None]))
    assert 0.67 <= estimate / yaw_deg <= 1.0
    assert r["hip_extension_deg_mae"] <= 3.0
    assert r["overstride_cm_mae"] <= 2.0
    assert r["to_mae_ms"] <= 10.0
    # The oblique view marks the near leg's overstride too (the far leg's is marked anyway).
    near = [s for s in steps[4:] if s.view == "near"]
    assert near and all("overstride_cm" in s.metric_confidence for s in near)
    # The pace is stretched back as the distances are (read 2.83 and 2.79 leg lengths a second
    # at -30 and +30 deg, 2.85 square), and marked less sure with them.
    square = SideCamera(facing="right")
    t0, kp0 = synth_track(mocap_trial, 60.0, square, seed=3)
    pace = [s.speed_legs_per_s for s in steps[4:]]
    square_pace = [s.speed_legs_per_s for s in replay(t0, kp0, PlaneMapping.scaled("right"))]
    assert np.median(pace) == pytest.approx(np.median(square_pace), rel=0.04)
    assert all("speed_legs_per_s" in s.metric_confidence for s in steps[4:])


def test_a_belt_speed_given_times_the_stride_whatever_the_view(mocap_trial) -> None:
    """The stride is the belt's speed times the stride's time: given, not read off the stance
    foot through an oblique view, it is as sure as the step, where the overstride is not."""
    camera = SideCamera(facing="right", yaw_deg=30.0)
    t, kp = synth_track(mocap_trial, 60.0, camera, seed=3)
    short = t < t[0] + 8.0
    mapping = PlaneMapping.scaled("right", camera.meters_per_pixel)
    engine = GaitEngine(mapping, belt_speed_mps=2.5)
    steps = [s for i in np.flatnonzero(short) for s in engine.push(float(t[i]), kp[i])]
    near = [s for s in steps if s.view == "near" and s.yaw_deg is not None]
    assert near and all("overstride_cm" in s.metric_confidence for s in near)
    assert all("stride_length_m" not in s.metric_confidence for s in near)
    assert all(s.stride_length_m is not None for s in near[:-1])


@pytest.mark.parametrize("yaw_deg", [-30.0, 30.0])
def test_a_calibrated_oblique_view_finds_each_foot_where_it_lands(
    mocap_trial, yaw_deg: float
) -> None:
    """Calibrated, the plane is the runner's midline and the feet land beside it: a camera
    30 deg off square reads the foot nearer it behind where it landed and the far one ahead
    (by 2.4-3.3 cm on average on this track, noise-free), unless the engine knows where the
    camera is. Measured here with it: each leg's mean error 0.2-0.3 cm (mean absolute 0.5-0.7),
    at 15 deg too."""
    camera = SideCamera(facing="right", yaw_deg=yaw_deg)
    t, kp = synth_track(mocap_trial, 60.0, camera, noise_px=0.0, seed=3)
    x, _, distance = camera.centre
    truth = truth_events(mocap_trial)
    ics = np.array([s["ic_t"] for s in truth])
    for where, limit in (((float(x), abs(float(distance))), 1.0), (None, None)):
        mapping = PlaneMapping(camera.homography, metric=True, camera=where)
        errors: dict[str, list[float]] = {"near": [], "far": []}
        for step in replay(t, kp, mapping)[4:]:
            j = int(np.abs(ics - step.ic_t).argmin())
            if step.view is not None and step.overstride_cm is not None:
                errors[step.view].append(step.overstride_cm - truth[j]["overstride_cm"])
        bias = {view: float(np.mean(e)) for view, e in errors.items()}
        if limit is not None:
            assert all(abs(b) <= limit for b in bias.values()), bias
        else:  # the parallax the camera's place undoes: opposite on the two legs
            assert bias["near"] * bias["far"] < 0 and min(map(abs, bias.values())) >= 2.0, bias


def test_a_square_view_reads_no_yaw(mocap_trial) -> None:
    camera = SideCamera(facing="left")
    t, kp = synth_track(mocap_trial, 60.0, camera, seed=4)
    steps = replay(t, kp, PlaneMapping.scaled("left"))
    yaws = [s.yaw_deg for s in steps if s.yaw_deg is not None]
    assert len(yaws) >= len(steps) - 4 and max(abs(y) for y in yaws) <= 3.0
    assert not any("overstride_pct_leg" in s.metric_confidence for s in steps if s.view == "near")
    assert all("overstride_pct_leg" in s.metric_confidence for s in steps if s.view == "far")


@pytest.mark.parametrize(
    ("forward_m", "yaw_deg"), [(-0.6, 0.0), (0.6, 0.0), (0.6, 15.0), (-0.6, -15.0)]
)
def test_a_runner_off_the_camera_axis_is_no_turn_of_the_camera(
    mocap_trial, forward_m: float, yaw_deg: float
) -> None:
    """A camera aimed 0.6 m ahead of the runner or behind them: the far hip leads the near one
    by the line of sight's turn from the axis, as in a camera turned as far, and a helper's
    unseen runners, rendered off the picture's centre, read 10.2-11.7 deg off a square camera,
    an oblique view, their figures withheld. With the picture's size (its centre, a 70 deg field
    across its longer side) the line of sight is taken off. Measured here, without and with:
    square -9.5 and 10.4 deg, then 2.0 and -1.1; turned 15 deg, 23.4 and -22.0, then 12.8 and
    -11.4 (aimed at the runner, 13.6 and -12.5 either way)."""
    camera = SideCamera(facing="right", forward_m=forward_m, yaw_deg=yaw_deg)
    t, kp = synth_track(mocap_trial, 60.0, camera, seed=3)
    width, height = camera.image_size

    def yaw(steps: list) -> float:
        return float(np.median([s.yaw_deg for s in steps if s.yaw_deg is not None]))

    blind = yaw(replay(t, kp, PlaneMapping.scaled("right")))
    assert abs(blind - yaw_deg) >= 7.0, blind
    seen = replay(t, kp, PlaneMapping.scaled("right", sight=camera_sight((height, width))))
    assert abs(yaw(seen) - yaw_deg) <= 4.0, yaw(seen)
    if yaw_deg == 0.0:
        near = [s for s in seen if s.view == "near"]
        assert not any("overstride_pct_leg" in s.metric_confidence for s in near)


def test_a_calibrated_lens_places_the_camera_axis() -> None:
    """A calibration of the lens alone knows the focal length and the axis that the 70 deg
    field only assumes (a review's wide lens, 102 deg across, had kept 5 deg of yaw)."""
    from datetime import UTC, datetime

    from calibrate.model import Calibration, Intrinsics

    width, height = 1280, 720
    assert camera_sight((height, width)) == pytest.approx((640.0, 914.0), abs=0.5)
    K = np.array([[520.0, 0.0, 655.0], [0.0, 520.0, 350.0], [0.0, 0.0, 1.0]])
    lens = Calibration("cam", (width, height), datetime.now(UTC), Intrinsics(K, np.zeros(5), 0.3))
    assert camera_sight((height, width), lens) == (655.0, 520.0)
    assert camera_sight(None) is None


def test_a_toe_off_hidden_as_the_legs_cross_is_placed_where_the_foot_left(mocap_trial) -> None:
    """At 30 fps a pose model can lose a foot for a few frames right after it leaves the belt
    (the legs cross there). The toe-off is then placed where the ankle was seen rising off the
    belt's speed, or by the runner's rhythm but never before the last knee extension seen:
    before, a contact could run on into the next one (on a real 30 fps video, five contacts of
    437-484 ms where the runner's are 270-320). A step so placed is less sure
    (``UNSEEN_EVENT_FACTOR``): over the rendered matrix the 7 steps with an event placed were
    81 ms off in their contact time, and sure."""
    camera = SideCamera(facing="left")
    t, kp = synth_track(mocap_trial, 30.0, camera, swap_fraction=0.0, far_dropout_fraction=0.0)
    truth = [s for s in truth_events(mocap_trial) if 3.0 < s["ic_t"] < 27.0]
    for s in truth:
        joints = [13, 15] if s["foot"] == "left" else [14, 16]
        k = int(np.ceil(s["to_t"] * 30.0)) + 1
        kp[k : k + 4, joints] = (np.nan, np.nan, 0.0)
    steps = replay(t, kp, PlaneMapping.scaled("left", camera.meters_per_pixel))
    errors = [
        1000.0 * (step.to_t - s["to_t"])
        for s in truth
        for step in steps
        if abs(step.ic_t - s["ic_t"]) < 0.06
    ]
    assert len(errors) == len(truth)
    # Measured 8.8 ms on average, 36 ms at most (before: 13.0 and 116 ms).
    assert np.mean(np.abs(errors)) <= 10.0 and np.max(np.abs(errors)) <= 45.0
    placed = [step for step in steps if any(abs(step.ic_t - s["ic_t"]) < 0.06 for s in truth)]
    assert all(step.confidence < metrics.UNSEEN_EVENT_FACTOR for step in placed)
    clean = replay(
        *synth_track(mocap_trial, 30.0, camera, swap_fraction=0.0, far_dropout_fraction=0.0),
        PlaneMapping.scaled("left", camera.meters_per_pixel),
    )
    assert np.median([step.confidence for step in clean]) > 0.8


@pytest.mark.parametrize("fps", [25.0, 30.0])
@pytest.mark.parametrize("runner", ["RBDS002-45", "RBDS0041"])
def test_a_fast_runners_hip_extension_at_a_webcams_rate(
    plate_trials, fukuchi_dir, runner: str, fps: float
) -> None:
    """At 4.5 m/s the thigh still drives back at some 250-300 deg/s where the hip extension's
    search ends (toe-off plus a tenth of the contact), so the search takes that end itself, not
    only its last frame, a whole frame interval before it at worst. With the frames alone the
    hip extension was off by 5.1 and 5.3 deg on average at 25 fps (3.1 and 3.6 at 30), nearly
    all of it low; with its ends by 2.3 and 2.2 (1.6 and 1.7)."""
    trial = plate_trials[runner] if runner in plate_trials else load_trial(fukuchi_dir, runner)
    assert trial.belt_speed_mps >= 4.5
    assert evaluate(trial, fps=fps)["hip_extension_deg_mae"] <= 3.0


@pytest.fixture(scope="module")
def other_runner_figures(fukuchi_dir) -> dict[str, dict[str, float]]:
    """RBDS032 (2.5 m/s) and RBDS0041 (4.6 m/s) as keypoint tracks at 60 fps, against their
    contacts from the foot markers (stated error ``MARKER_ERROR_MS``, 10 ms; 25 ms on one
    runner's toe-off)."""
    return {r: evaluate(load_trial(fukuchi_dir, r), fps=60.0) for r in ("RBDS032", "RBDS0041")}


@pytest.mark.parametrize("runner", ["RBDS032", "RBDS0041"])
def test_other_runners_steps_landings_and_figures(other_runner_figures, runner: str) -> None:
    r = other_runner_figures[runner]
    assert r["recall"] >= 0.98 and r["precision"] >= 0.99
    assert r["ic_mae_ms"] <= 8.0
    assert r["side_correct"] >= 0.99
    assert r["overstride_cm_mae"] <= 1.5
    assert r["hip_extension_deg_mae"] <= 2.0
    assert r["scissor_deg_mae"] <= 3.0


def test_the_fast_runners_toe_off_and_contact(other_runner_figures) -> None:
    r = other_runner_figures["RBDS0041"]
    assert r["to_mae_ms"] <= 8.0 and r["contact_ms_mae"] <= 10.0


@pytest.mark.xfail(
    strict=True,
    reason="2026-12-04: RBDS032's toe-off 8.3 ms and contact time 11.6 ms off on average "
    "(targets 8 and 10) against its marker truth, whose toe-off is 9 ms off on average "
    "against five plates and 25 ms on one runner",
)
def test_the_heel_strikers_toe_off_and_contact(other_runner_figures) -> None:
    r = other_runner_figures["RBDS032"]
    assert r["to_mae_ms"] <= 8.0 and r["contact_ms_mae"] <= 10.0


@pytest.fixture(scope="module")
def plate_figures(plate_trials) -> dict[str, dict[str, float]]:
    """The trials of tests/data/fukuchi2017 as keypoint tracks at 60 fps, against their force
    plates: other runners than the one the engine's constants were first set on."""
    return {key: evaluate(trial, fps=60.0) for key, trial in plate_trials.items()}


#: what the engine measured on 4 December 2026 (mean absolute errors at 60 fps: initial contact,
#: toe-off, contact time ms; overstride cm), held with a margin so a change that loses accuracy
#: on runners it was not set on fails; the issue's targets are the test below
PLATE_MEASURED = {
    "RBDS002-25": (9.8, 15.0, 10.3, 1.62),
    "RBDS002-45": (23.8, 2.7, 24.9, 6.63),
    "RBDS008": (9.4, 2.8, 9.8, 1.54),
    "RBDS0041-25": (7.9, 9.9, 11.7, 1.16),
}


@pytest.mark.parametrize("key", PLATE_MEASURED)
def test_a_stride_without_a_belt_speed_is_read_within_4_percent(plate_figures, key: str) -> None:
    """No belt speed given: the stride length is the belt's speed read off the stance ankle
    (``GaitParams.belt_per_stance_speed``) times the stride time. Measured on 5 December 2026:
    0.6-3.3% over (RBDS002 at 2.5 and 4.5 m/s, RBDS008, RBDS0041 at 2.5); with the earlier
    factor (1.05) 4-7% short (a stride read through 1.05/1.13 of it)."""
    assert plate_figures[key]["stride_ratio"] == pytest.approx(1.0, abs=0.04)


@pytest.mark.parametrize("key", PLATE_MEASURED)
def test_runners_with_a_plate_steps_feet_and_figures(plate_figures, key: str) -> None:
    r = plate_figures[key]
    assert r["recall"] >= 0.98 and r["precision"] >= 0.99
    assert r["side_correct"] >= 0.99
    assert r["hip_extension_deg_mae"] <= 2.5 and r["scissor_deg_mae"] <= 3.0
    ic, to, contact, overstride = PLATE_MEASURED[key]
    assert r["ic_mae_ms"] <= ic + 2.0
    assert r["to_mae_ms"] <= to + 2.0
    assert r["contact_ms_mae"] <= contact + 2.0
    assert r["overstride_cm_mae"] <= overstride + 0.3


#: why each trial misses the issue's event targets at 60 fps (initial contact and toe-off 8 ms,
#: contact time 10): a landing read from the ankle's speed alone comes early for a runner who
#: draws the foot back fast before landing, late for a heel striker (docs/accuracy.md)
PLATE_MISSES = {
    "RBDS002-25": "initial contact 9.8 ms, toe-off 15.0, contact time 10.3",
    "RBDS002-45": "initial contact 23.8 ms (early), contact time 24.9",
    "RBDS008": "initial contact 9.4 ms (late)",
    "RBDS0041-25": "toe-off 9.9 ms, contact time 11.7",
}


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(key, marks=pytest.mark.xfail(strict=True, reason=f"2026-12-04: {why}"))
        for key, why in PLATE_MISSES.items()
    ],
)
def test_runners_with_a_plate_meet_the_event_targets(plate_figures, key: str) -> None:
    r = plate_figures[key]
    assert r["ic_mae_ms"] <= 8.0 and r["to_mae_ms"] <= 8.0 and r["contact_ms_mae"] <= 10.0


def test_the_pace_is_read_in_leg_lengths_a_second_with_or_without_a_calibration(
    plate_trials,
) -> None:
    """One runner at 2.5 and 4.5 m/s: the belt's speed in leg lengths a second, the pace the
    overstride targets grow with, read off the stance foot. Measured on 5 December 2026: 3.01
    and 5.68 against the belt over the joints' leg, 2.99 and 5.52, the same with a calibration
    and without."""
    paces = {}
    for key in ("RBDS002-25", "RBDS002-45"):
        trial = plate_trials[key]
        truth = truth_steps(trial)
        leg_m = float(np.median([s["overstride_cm"] / s["overstride_pct_leg"] for s in truth]))
        camera = SideCamera()
        t, kp = synth_track(trial, 60.0, camera, seed=0)
        read = {}
        metres = PlaneMapping.scaled("right", camera.meters_per_pixel)
        for name, mapping, belt in (
            ("pixels", PlaneMapping.scaled("right"), None),
            ("metres", metres, None),
            ("belt given", metres, trial.belt_speed_mps),
        ):
            engine = GaitEngine(mapping, belt)
            steps = [s for i in range(len(t)) for s in engine.push(float(t[i]), kp[i])]
            read[name] = float(np.median([s.speed_legs_per_s for s in steps]))
        # One source, the stance foot, whatever is given: one reference pace holds for all.
        assert read["pixels"] == pytest.approx(read["metres"], rel=0.01)
        assert read["pixels"] == pytest.approx(read["belt given"], rel=0.01)
        assert read["pixels"] == pytest.approx(trial.belt_speed_mps / leg_m, rel=0.08)
        paces[key] = read["pixels"]
    assert paces["RBDS002-45"] / paces["RBDS002-25"] == pytest.approx(4.5 / 2.5, rel=0.05)


def test_a_packed_trial_is_the_trial_to_a_millimetre(mocap_trial, tmp_path) -> None:
    """``tests.builders.population`` packs a trial's positions to a millimetre and its contacts
    as they are."""
    population.write(mocap_trial, tmp_path / "t.npz.xz")
    packed = population.read_packed(tmp_path / "t.npz.xz")
    assert np.abs(packed.joints - mocap_trial.joints).max() <= 0.0005 + 1e-9
    assert packed.sole is not None and mocap_trial.sole is not None
    assert np.abs(packed.sole - mocap_trial.sole).max() <= 0.0005 + 1e-9
    assert np.abs(packed.pelvis_tilt_deg - mocap_trial.pelvis_tilt_deg).max() <= 0.005
    assert np.array_equal(packed.ic, mocap_trial.ic) and np.array_equal(packed.to, mocap_trial.to)
    assert packed.foot == mocap_trial.foot and packed.name == mocap_trial.name
    assert packed.anomalies == mocap_trial.anomalies


@pytest.fixture(scope="module")
def population_figures() -> dict[str, dict[str, float]]:
    """The packed runners' 3.5 m/s trials (``tests.builders.population``: 25 runners the
    engine's constants were not set on, each against its force plate) as keypoint tracks at 60
    fps."""
    keys = [key for key in population.trial_keys() if key.endswith("-35")]
    return {key: evaluate(population.read(key), fps=60.0) for key in keys}


#: what the engine measured on 7 December 2026 over ``population_figures`` (the mean of the
#: trials' mean absolute errors: initial contact, toe-off, contact time ms, overstride cm, hip
#: extension deg), held with a margin so a change that loses accuracy on runners it was not set
#: on fails: 7.8, 8.3, 11.4 ms, 1.57 cm, 1.26 deg
POPULATION_MEASURED = {
    "ic_mae_ms": 7.8,
    "to_mae_ms": 8.3,
    "contact_ms_mae": 11.4,
    "overstride_cm_mae": 1.57,
    "hip_extension_deg_mae": 1.26,
}


def test_runners_the_engine_was_not_set_on(population_figures) -> None:
    """Every step found on each of the 25 runners, each foot named right, the hip extension
    within the issue's 3 deg on each; the events and the overstride no worse on average than
    measured (the worst trials: RBDS002's landing 27.8 ms early, his overstride 6.2 cm long, as
    at 2.5 and 4.5 m/s; RBDS003's toe-off 20.3 ms late: docs/accuracy.md)."""
    assert len(population_figures) == 25
    for key, r in population_figures.items():
        assert r["recall"] >= 0.98 and r["precision"] >= 0.99, key
        assert r["side_correct"] >= 0.99 and r["hip_extension_deg_mae"] <= 3.0, key
    for name, measured in POPULATION_MEASURED.items():
        mean = float(np.mean([r[name] for r in population_figures.values()]))
        assert mean <= measured * 1.1 + 0.2, (name, mean)


@pytest.mark.xfail(
    strict=True,
    reason="2026-12-07: 19 of the 25 miss (initial contact 8 ms, toe-off 8, contact time 10)",
)
def test_runners_the_engine_was_not_set_on_meet_the_event_targets(population_figures) -> None:
    missed = [
        key
        for key, r in population_figures.items()
        if r["ic_mae_ms"] > 8.0 or r["to_mae_ms"] > 8.0 or r["contact_ms_mae"] > 10.0
    ]
    assert not missed, missed
