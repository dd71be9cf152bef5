"""Invariants of the gait engine, and what it does with garbage."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from edge.bus.schema import STEP_EXTENSIONS, STEP_FIELDS, StepMsg
from edge.demo.scene import SideCamera
from edge.gait import GaitEngine, PlaneMapping, Step
from edge.gait.layout import TRK_FRAME_DT
from edge.gait.mode import RUNNING
from edge.skeleton import KP
from tests.builders.keypoint_tracks import synth_track
from tests.gait_accuracy import score

CAMERA = SideCamera()
MAPPING = PlaneMapping.scaled(CAMERA.facing, CAMERA.meters_per_pixel)


def run(t: np.ndarray, kp: np.ndarray, mapping: PlaneMapping = MAPPING) -> list[Step]:
    engine = GaitEngine(mapping)
    steps = []
    for i in range(len(t)):
        steps += engine.push(float(t[i]), kp[i])
    return steps + engine.finish()


def first_seconds(track: tuple[np.ndarray, np.ndarray], seconds: float):
    t, kp = track
    keep = t < seconds
    return t[keep], kp[keep]


LEG_LEFT = [KP["left_hip"], KP["left_knee"], KP["left_ankle"]]
LEG_RIGHT = [KP["right_hip"], KP["right_knee"], KP["right_ankle"]]


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    runs=st.lists(
        st.tuples(st.integers(0, 23), st.integers(1, 6)),
        min_size=1,
        max_size=24,
        unique_by=lambda run: run[0],
    ),
)
def test_swapped_labels_do_not_change_the_steps(mocap_trial, seed: int, runs) -> None:
    """Once the tracks have a second of history, runs of swapped left/right labels give the
    same steps (the first frames alone cannot tell which leg is which). Where a swap falls
    on legs crossing, either pairing fits and the timing may move by a fraction of a frame."""
    t, kp = first_seconds(synth_track(mocap_trial, 60.0, CAMERA, swap_fraction=0.0, seed=seed), 8)
    swapped = kp.copy()
    for slot, length in runs:
        start = int((1.5 + 0.25 * slot) * 60)  # runs at least a quarter second apart
        rows = slice(start, start + length)
        swapped[rows, LEG_LEFT + LEG_RIGHT] = kp[rows, LEG_RIGHT + LEG_LEFT]
    got, want = run(t, swapped), run(t, kp)
    assert [s.foot for s in got] == [s.foot for s in want]
    for a, b in zip(got, want, strict=True):
        assert abs(a.ic_t - b.ic_t) < 0.003 and abs(a.to_t - b.to_t) < 0.003


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    fps=st.sampled_from([24.0, 25.0, 30.0, 50.0, 60.0, 90.0, 120.0, 240.0]),
    noise=st.floats(0.0, 8.0),
    dropouts=st.floats(0.0, 0.2),
    facing=st.sampled_from(["left", "right"]),
)
# A landing found late after a dropout once let the other foot's step overtake it.
@example(seed=5284, fps=50.0, noise=0.0, dropouts=0.125, facing="left")
# A stride learned at a landing made an open contact overdue, and the step after it went first.
@example(seed=4152, fps=30.0, noise=0.0, dropouts=0.046875, facing="right")
def test_steps_are_ordered_and_each_rests_on_a_contact(
    mocap_trial, seed: int, fps: float, noise: float, dropouts: float, facing: str
) -> None:
    camera = SideCamera(facing=facing)
    t, kp = first_seconds(
        synth_track(
            mocap_trial, fps, camera, noise_px=noise, far_dropout_fraction=dropouts, seed=seed
        ),
        10,
    )
    steps = run(t, kp, PlaneMapping.scaled(facing, camera.meters_per_pixel))
    assert steps, "a clean-enough run has steps"
    for step in steps:
        assert t[0] <= step.ic_t < step.to_t <= t[-1]
        assert 50 <= step.contact_ms <= 600
        assert step.foot in ("left", "right")
        assert 0.0 <= step.confidence <= 1.0
    ics = [s.ic_t for s in steps]
    assert ics == sorted(ics)
    for foot in ("left", "right"):
        own = [s for s in steps if s.foot == foot]
        for a, b in itertools.pairwise(own):
            assert a.to_t < b.ic_t, "a foot lands again only after it took off"


def test_nan_rows_give_no_steps_and_no_error() -> None:
    t = np.arange(600) / 60.0
    kp = np.full((600, 17, 3), np.nan, np.float32)
    kp[..., 2] = 0.0
    assert run(t, kp) == []


def test_a_runner_leaving_the_frame_gives_no_steps_while_away(mocap_trial) -> None:
    t, kp = synth_track(mocap_trial, 60.0, CAMERA, seed=7)
    away = (t > 10.0) & (t < 14.0)
    kp = kp.copy()
    kp[away, :, :2] = np.nan
    kp[away, :, 2] = 0.0
    steps = run(t, kp)
    assert not [s for s in steps if 10.0 < s.ic_t < 14.0]
    assert len([s for s in steps if s.ic_t < 10.0]) >= 20
    assert len([s for s in steps if s.ic_t > 14.0]) >= 30


def test_a_lopsided_gaits_long_steps_keep_their_times() -> None:
    """A limp: one foot's steps last 1.5 times the other's, each landing 20 ms off at random
    (a frame at 25 fps). Every step is timed, held to its own foot's last step; two landings
    not seen (one on each foot) make the next step three long, and it is not timed."""
    rng = np.random.default_rng(3)
    engine = GaitEngine(MAPPING)
    landings = np.cumsum(np.tile([0.45, 0.30], 40)) + rng.uniform(-0.02, 0.02, 80)
    earlier: list[tuple[float, int]] = []
    for k, ic in enumerate(landings):
        if k in (60, 61):
            continue  # not seen
        leg = k % 2
        timed = engine._step_start(earlier, leg, float(ic), RUNNING)
        assert (timed is None) == (k in (0, 62)), (k, timed)
        earlier.append((float(ic), leg))


@pytest.mark.parametrize(("held_s", "apart_s"), [(0.25, 0.0), (0.5, 0.0), (1.0, 0.0), (0.6, 0.4)])
def test_no_step_is_timed_across_a_gap(mocap_trial, held_s: float, apart_s: float) -> None:
    """A picture held still (the repeats left out) or the runner lost for a moment: the frames
    of ``held_s`` are gone, once or (``apart_s``) twice that far apart. No step's time, cadence
    or flight spans a gap: a held second in a real clip gave a step of 1365 ms, 44 steps a
    minute, from a landing seen before it; a step held to the step before, itself across the
    first of two gaps, was timed across the second (1159 ms, a review's case)."""
    t, kp = synth_track(mocap_trial, 30.0, CAMERA, seed=7)
    for start in np.arange(3.0, 20.0, 2.3):
        kept = (t < start) | (t >= start + held_s)
        if apart_s:
            later = start + held_s + apart_s
            kept &= (t < later) | (t >= later + held_s)
        steps = run(t[kept], kp[kept])
        stride = float(np.median(np.diff([s.ic_t for s in steps if s.foot == "left"])))
        assert len(steps) >= 60
        for s in steps:
            assert s.step_ms is None or s.step_ms < 0.75 * stride * 1000.0, (start, s)
            assert s.flight_ms is None or s.flight_ms < 0.5 * stride * 1000.0, (start, s)


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_a_lone_first_frame_before_a_gap_changes_no_step(mocap_trial, fps: float) -> None:
    """The runner seen in one frame, then not for almost half a second (a title held still,
    a runner walking into view): the steps are those of the track without that frame. The
    frame interval was once learned from that gap, widening the smoothing for seconds: the
    first steps then lasted 500 ms and the first was lost. Learned from two frames 1 ms apart,
    it would shut out every later frame as a gap."""
    t, kp = first_seconds(synth_track(mocap_trial, fps, CAMERA, seed=5), 8)
    later = t >= 0.47
    alone = run(t[later], kp[later])
    with_lone = run(np.r_[0.0, t[later]], np.concatenate([kp[:1], kp[later]]))
    assert [s.foot for s in with_lone] == [s.foot for s in alone]
    events = np.array([(s.ic_t, s.to_t) for s in with_lone])
    assert np.abs(events - [(s.ic_t, s.to_t) for s in alone]).max() < 0.002
    # Two frames handed out at once (a camera's buffer) to begin with: the same steps.
    burst = run(np.r_[t[later][0] - 0.001, t[later]], np.concatenate([kp[later][:1], kp[later]]))
    assert len(burst) == len(alone)
    events = np.array([(s.ic_t, s.to_t) for s in burst])
    assert np.abs(events - [(s.ic_t, s.to_t) for s in alone]).max() < 0.002


@pytest.mark.parametrize("start", ["even", "burst"])
def test_the_frame_interval_of_a_slow_jittery_camera_settles_on_its_mean(start: str) -> None:
    """15 fps with 15 ms of jitter, below the rates the engine serves (a camera short of
    light), begun with two frames 1 ms apart or not: the interval the engine smooths and
    bridges gaps by settles near the mean, not on the shortest interval seen."""
    rng = np.random.default_rng(9)
    t = np.cumsum(np.r_[0.0, rng.uniform(1 / 15 - 0.015, 1 / 15 + 0.015, 599)])
    if start == "burst":
        t = np.r_[t[0] - 0.001, t]
    engine = GaitEngine(MAPPING)
    blank = np.zeros((17, 3))
    for when in t:
        engine.detect(float(when), blank)
    assert engine._trk[TRK_FRAME_DT] == pytest.approx(1 / 15, rel=0.1)


def test_one_leg_only_gives_that_foot_and_no_cadence(mocap_trial) -> None:
    t, kp = synth_track(mocap_trial, 60.0, CAMERA, swap_fraction=0.0, seed=8)
    kp = kp.copy()
    for name in ("left_hip", "left_knee", "left_ankle"):
        kp[:, KP[name], :2] = np.nan
        kp[:, KP[name], 2] = 0.0
    steps = run(t, kp)
    assert len(steps) >= 30
    assert {s.foot for s in steps} == {"right"}
    assert all(s.step_ms is None and s.cadence_spm is None for s in steps)


def test_five_fps_is_too_slow_to_time_contacts(mocap_trial) -> None:
    t, kp = synth_track(mocap_trial, 5.0, CAMERA, seed=9)
    assert run(t, kp) == []


@pytest.mark.parametrize(("bounce_legs", "kept"), [(0.4, False), (0.15, True)])
def test_a_body_thrown_up_a_third_of_its_leg_each_stride_takes_no_step(
    mocap_trial, bounce_legs: float, kept: bool
) -> None:
    """Hips going up and down 0.4 leg lengths a stride are a jump (jumping jacks, hopping on
    the spot), not running: no step. A bounding runner's 0.15 keeps every step."""
    t, kp = synth_track(mocap_trial, 60.0, CAMERA, seed=12)
    t, kp = t[t < 12.0], kp[t < 12.0].copy()
    hip, ankle = kp[:, KP["right_hip"], :2], kp[:, KP["right_ankle"], :2]
    leg = float(np.nanmedian(np.hypot(*(ankle - hip).T)))
    kp[..., 1] += 0.5 * bounce_legs * leg * np.sin(2 * np.pi * t / 0.77)[:, None]
    steps = run(t, kp)
    assert (len(steps) >= 25) if kept else steps == []


def test_random_keypoints_invent_no_rhythm() -> None:
    rng = np.random.default_rng(10)
    t = np.arange(1800) / 60.0
    kp = np.concatenate(
        [rng.uniform(0, 1000, (1800, 17, 2)), rng.uniform(0.3, 1, (1800, 17, 1))], axis=-1
    ).astype(np.float32)
    steps = run(t, kp)
    assert len(steps) <= 5


def test_steps_serialise_as_design_step_events(mocap_trial) -> None:
    steps = run(*first_seconds(synth_track(mocap_trial, 60.0, CAMERA, seed=11), 5))
    event = steps[0].event()
    assert event["type"] == "step" and event["v"] == 1
    # The engine's steps carry exactly the wire schema's per-step fields.
    assert [f.name for f in dataclasses.fields(Step)] == [*STEP_FIELDS, *STEP_EXTENSIONS]
    assert StepMsg(station="s", t=1.0, **dataclasses.asdict(steps[0])).foot == steps[0].foot


@pytest.mark.parametrize("metric", [False, True])
def test_uncalibrated_runs_report_fractions_of_leg_length(mocap_trial, metric: bool) -> None:
    t, kp = first_seconds(synth_track(mocap_trial, 60.0, CAMERA, seed=12), 8)
    mapping = PlaneMapping.scaled("right", CAMERA.meters_per_pixel if metric else None)
    steps = run(t, kp, mapping)
    assert len(steps) >= 15
    seen_landing = [s for s in steps[1:-2] if s.overstride_pct_leg is not None]
    assert len(seen_landing) >= 0.8 * len(steps[1:-2])
    for step in seen_landing:
        assert 10 < step.overstride_pct_leg < 35
        assert (step.overstride_cm is not None) == metric
        assert (step.vertical_osc_cm is not None) == metric
        assert step.hip_extension_deg is not None and 12 < step.hip_extension_deg < 28


def collapse_at_crossings(kp: np.ndarray, frames: int = 5) -> np.ndarray:
    """What pose models do as the legs cross: for ``frames`` either side of each moment the
    ankles pass each other, both knees and both ankles sit halfway between the legs, and the
    model comes out of it with its left/right labels the other way round until the next."""
    out = kp.copy()
    gap = kp[:, KP["left_ankle"], 0] - kp[:, KP["right_ankle"], 0]
    crossings = np.flatnonzero(np.sign(gap[1:]) != np.sign(gap[:-1])) + 1
    joints = [(KP["left_knee"], KP["right_knee"]), (KP["left_ankle"], KP["right_ankle"])]
    for c in crossings:
        window = slice(max(0, c - frames), c + frames)
        for a, b in joints:
            out[window, [a, b], :2] = 0.5 * (kp[window, a, :2] + kp[window, b, :2])[:, None]
    flipped = np.cumsum(np.isin(np.arange(len(kp)), crossings + frames)) % 2 == 1
    out[np.ix_(flipped, LEG_LEFT + LEG_RIGHT)] = out[np.ix_(flipped, LEG_RIGHT + LEG_LEFT)]
    return out


def test_legs_crossing_in_a_blur_keep_their_contacts(mocap_trial) -> None:
    """The stance foot is where the belt has carried it: that, not the blurred points, tells
    the legs apart when they come out of a crossing, so each contact keeps its toe-off (a
    tracker on the points alone hands the stance leg's toe-off to the swinging leg: 106 ms
    and 29 degrees of hip extension off here). The blur itself still costs toe-off accuracy
    (39 ms, 7.5 degrees): the ankle halfway between the legs moves forward."""
    t, kp = synth_track(
        mocap_trial, 60.0, CAMERA, noise_px=2.0, swap_fraction=0.0, far_dropout_fraction=0.0
    )
    r = score(mocap_trial, run(t, collapse_at_crossings(kp)))
    assert r["recall"] >= 0.99
    assert r["precision"] >= 0.99
    assert r["to_mae_ms"] <= 50.0
    assert r["hip_extension_deg_mae"] <= 10.0
