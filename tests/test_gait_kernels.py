"""The numba kernels against their numpy references, and the online engine against the
offline reference detector."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.demo.scene import SideCamera
from edge.gait import GaitEngine, GaitParams, PlaneMapping, kernels, reference
from edge.gait.layout import ANKLE, HIP, KNEE, N_SM, SM_MID_Y, SM_T
from edge.gait.metrics import hip_bounce, knee_flexion, step_bounce
from edge.skeleton import NUM_KEYPOINTS
from tests.builders.keypoint_tracks import synth_track

finite = st.floats(-1e3, 1e3, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 30),
    seed=st.integers(0, 2**31),
    half=st.floats(0.02, 0.2),
    missing=st.floats(0, 0.5),
    reject=st.sampled_from([0.0, 4.0, 8.0]),
)
def test_local_quadratic_matches_reference(
    n: int, seed: int, half: float, missing: float, reject: float
) -> None:
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(-0.3, 0.3, n))
    y = rng.normal(0, 5, n) + 3 * t + 20 * t**2
    w = np.where(rng.random(n) < missing, 0.0, 1.0)
    tc = float(t[n // 2])
    got = kernels.local_quadratic(t, y, w, tc, half, 4, reject)
    want = reference.local_quadratic(t, y, w, tc, half, 4, reject)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("min_n", [3, 4, 5])
@pytest.mark.parametrize("n", [4, 5, 9])
@pytest.mark.parametrize("glitches", [(1,), (1, -2), (0, -1), (2, -3)])
def test_local_quadratic_matches_reference_on_even_frames_with_glitches_alike(
    min_n: int, n: int, glitches: tuple[int, ...]
) -> None:
    """Frames evenly spaced and glitches placed alike either side of tc: residuals tie, and
    the kernel and the reference must leave out the same sample."""
    t = np.linspace(-0.06, 0.06, n)
    y = 2 - 3 * t + 7 * t**2
    for g in glitches:
        y[g] += 30.0
    for reject in (0.0, 5.0):
        got = kernels.local_quadratic(t, y, np.ones(n), 0.0, 0.067, min_n, reject)
        want = reference.local_quadratic(t, y, np.ones(n), 0.0, 0.067, min_n, reject)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_local_quadratic_is_exact_on_a_parabola() -> None:
    t = np.linspace(-0.1, 0.1, 13)
    value, slope = kernels.local_quadratic(t, 2 - 3 * t + 7 * t**2, np.ones(13), 0.0, 0.067, 4, 0)
    assert value == pytest.approx(2.0) and slope == pytest.approx(-3.0)


@pytest.mark.parametrize("glitch", range(9))
def test_local_quadratic_leaves_out_a_glitch_in_the_inner_half(glitch: int) -> None:
    """A keypoint put 30 units off for one frame (a pose model's glitch) is left out when the
    fit may reject beyond 10 and the glitch lies in the inner half of the window; at its edge
    the fit is as without rejecting (it bends toward the glitch, so no sample is left out)."""
    t = np.linspace(-0.06, 0.06, 9)
    y = 2 - 3 * t + 7 * t**2
    off = y.copy()
    off[glitch] += 30.0
    kept = kernels.local_quadratic(t, off, np.ones(9), 0.0, 0.067, 4, 10.0)
    pulled = kernels.local_quadratic(t, off, np.ones(9), 0.0, 0.067, 4, 0.0)
    assert abs(pulled[0] - 2.0) > 3.0 or abs(pulled[1] + 3.0) > 90.0
    if abs(t[glitch]) <= 0.5 * 0.067:
        assert kept == pytest.approx((2.0, -3.0))
    else:
        assert kept == pulled


def test_local_quadratic_keeps_motion_within_reject() -> None:
    t = np.linspace(-0.06, 0.06, 9)
    y = 2 - 3 * t + 7 * t**2 + 3.0 * np.sin(90 * t)
    assert kernels.local_quadratic(t, y, np.ones(9), 0.0, 0.067, 4, 10.0) == (
        kernels.local_quadratic(t, y, np.ones(9), 0.0, 0.067, 4, 0.0)
    )


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**31), facing=st.sampled_from(["left", "right"]))
def test_keypoints_to_plane_matches_reference(seed: int, facing: str) -> None:
    rng = np.random.default_rng(seed)
    kp = np.column_stack(
        [
            rng.uniform(0, 1920, NUM_KEYPOINTS),
            rng.uniform(0, 1080, NUM_KEYPOINTS),
            rng.uniform(0, 1, NUM_KEYPOINTS),
        ]
    )
    kp[rng.random(NUM_KEYPOINTS) < 0.2, :2] = np.nan
    h = PlaneMapping.scaled(facing, 0.002).homography + rng.normal(0, 1e-6, (3, 3))
    par = np.zeros(40)
    from edge.gait.layout import PAR_H00, PAR_MIN_CONF

    par[PAR_MIN_CONF] = 0.3
    par[PAR_H00 : PAR_H00 + 9] = h.ravel()
    got = np.empty((2, 3, 3))
    kernels.keypoints_to_plane(kp, par, got)
    np.testing.assert_allclose(got, reference.keypoints_to_plane(kp, h, 0.3), rtol=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.lists(finite, min_size=6, max_size=6))
def test_knee_flexion_matches_reference(p: list[float]) -> None:
    hip, knee, ankle = np.array(p[0:2]), np.array(p[2:4]), np.array(p[4:6])
    got = kernels.knee_flexion_deg(*hip, *knee, *ankle)
    np.testing.assert_allclose(got, knee_flexion(hip, knee, ankle), atol=1e-9, equal_nan=True)


@pytest.fixture(scope="module")
def noisy_track(mocap_trial):
    """12 s at 60 fps, 3 px noise, label swaps but no dropouts; the same without the swaps."""
    camera = SideCamera()
    swapped = synth_track(mocap_trial, 60.0, camera, far_dropout_fraction=0.0, seed=3)
    keep = swapped[0] < 12.0
    plain = synth_track(
        mocap_trial, 60.0, camera, far_dropout_fraction=0.0, swap_fraction=0.0, seed=3
    )
    return camera, tuple(a[keep] for a in swapped), tuple(a[keep] for a in plain)


@pytest.mark.parametrize("ankle_toe_off", [False, True])
def test_online_engine_reproduces_the_offline_reference(noisy_track, ankle_toe_off) -> None:
    camera, (t, kp), (_, plain) = noisy_track
    mapping = PlaneMapping.scaled(camera.facing, camera.meters_per_pixel)
    params = GaitParams(stance_speed=2.35, ankle_toe_off=ankle_toe_off)
    engine = GaitEngine(mapping, params=params)
    events = []
    for i in range(len(t)):
        n = engine.detect(float(t[i]), kp[i])
        events += [(int(e[0]), "ic" if e[1] == 0 else "to", float(e[2])) for e in engine.events[:n]]
    legs = np.stack(
        [
            reference.keypoints_to_plane(frame.astype(np.float64), mapping.homography, 0.2)
            for frame in plain
        ]
    )
    smoothed = reference.smooth_track(t, legs, params.half_window_s, params.min_samples)
    want = reference.reference_events(
        t,
        smoothed,
        2.35,
        params.ic_fraction,
        params.to_offset_s,
        params.extension_margin_deg,
        params.to_margin_deg,
        params.half_window_s,
        ankle_toe_off,
    )
    # The online engine stops with the frames still inside its look-ahead undetected.
    horizon = t[-1] - 0.3
    want = [e for e in want if e[2] < horizon]
    got = sorted([e for e in events if e[2] < horizon], key=lambda e: e[2])
    assert len(got) == len(want) > 50
    for (gl, gk, gt), (wl, wk, wt) in zip(got, want, strict=True):
        assert (gl, gk) == (wl, wk)
        assert gt == pytest.approx(wt, abs=1e-6)


def test_leg_tracker_undoes_every_label_swap(noisy_track) -> None:
    camera, (t, kp), (_, plain) = noisy_track
    mapping = PlaneMapping.scaled(camera.facing, camera.meters_per_pixel)
    engine = GaitEngine(mapping, params=GaitParams(stance_speed=2.35))
    trk, obs, out = engine._trk, np.empty((2, 3, 3)), np.empty((2, 3, 3))
    off_belt = np.array([[np.nan, np.nan, 0.0]] * 2)
    wrong = 0
    for i in range(len(t)):
        kernels.keypoints_to_plane(kp[i].astype(np.float64), engine._par, obs)
        kernels.assign_legs(obs, float(t[i]), trk, 0.25, 0.06, off_belt, out)
        truth = reference.keypoints_to_plane(plain[i].astype(np.float64), mapping.homography, 0.2)
        wrong += not np.allclose(out[:, [HIP, KNEE, ANKLE], :2], truth[..., :2], equal_nan=True)
    assert wrong == 0


def _tracker_at(points: np.ndarray, t: float, velocity_x: np.ndarray) -> np.ndarray:
    """A leg tracker whose tracks last saw ``points`` (2 tracks, 3 joints, x y) one frame
    before ``t``, each joint moving at ``velocity_x`` (2,) by track."""
    engine = GaitEngine(PlaneMapping.scaled("right", 1.0), params=GaitParams(stance_speed=640))
    trk = engine._trk
    for track in range(2):
        for j in (HIP, KNEE, ANKLE):
            trk[kernels.trk_col(track, j, 0)] = points[track, j, 0]
            trk[kernels.trk_col(track, j, 1)] = points[track, j, 1]
            trk[kernels.trk_col(track, j, 2)] = t - 1 / 60
            trk[kernels.trk_col(track, j, 3)] = velocity_x[track] if j == ANKLE else 0.0
            trk[kernels.trk_col(track, j, 4)] = 0.0
    return trk


def test_an_ankle_label_on_the_other_foot_is_not_that_foot() -> None:
    """runner-0041-slow's first right toe-off, in pixels (frame 0.917 s): the left foot swings
    forward to land, the right one is on the belt, where the belt has carried it; the pose model
    puts both ankle labels on the left foot, the knees right. The right track gets no ankle in
    that frame, the left track keeps its own."""
    t = 0.917
    hips = [(585.0, 320.0), (580.0, 322.0)]
    knees = [(643.0, 444.0), (539.0, 449.0)]
    last = np.array([[hips[0], knees[0], (575.0, 563.0)], [hips[1], knees[1], (484.0, 582.0)]])
    trk = _tracker_at(last, t, np.array([960.0, -700.0]))
    stance = np.array([[np.nan, np.nan, 0.0], [481.0, 586.0, 1.0]])  # the right foot on the belt
    obs = np.zeros((2, 3, 3))
    for leg in range(2):
        obs[leg, HIP] = (*hips[leg], 0.8)
        obs[leg, KNEE] = (*knees[leg], 0.7)
    obs[0, ANKLE] = (591.7, 569.0, 0.73)
    obs[1, ANKLE] = (592.8, 575.0, 0.63)  # the right label, on the left foot
    out = np.empty((2, 3, 3))
    kernels.assign_legs(obs, t, trk, 0.5, 3.5 / 60, stance, out)
    assert out[1, ANKLE, 2] == 0.0 and np.isnan(out[1, ANKLE, 0])
    assert out[0, ANKLE, 0] == pytest.approx(591.7)
    assert out[0, KNEE, 0] == 643.0 and out[1, KNEE, 0] == 539.0


def test_an_ankle_label_on_the_other_foot_its_own_unseen_is_not_that_foot() -> None:
    """The same toe-off three frames on (0.967 s): the right foot just off the belt, its track's
    ankle last seen four frames before; the left ankle label missing, the right one on the left
    foot, where the left track expects its ankle. The knees keep their tracks, the right track
    gets no ankle (it had taken the left foot's, and landed with it)."""
    t = 0.967
    hips = [(585.0, 320.0), (580.0, 322.0)]
    knees = [(629.0, 443.0), (525.0, 442.0)]
    last = np.array([[hips[0], knees[0], (622.0, 573.0)], [hips[1], knees[1], (484.0, 582.0)]])
    trk = _tracker_at(last, t, np.array([900.0, -700.0]))
    trk[kernels.trk_col(1, ANKLE, 2)] = 0.900
    stance = np.array([[np.nan, np.nan, 0.0], [np.nan, np.nan, 0.0]])
    obs = np.zeros((2, 3, 3))
    for leg in range(2):
        obs[leg, HIP] = (*hips[leg], 0.8)
        obs[leg, KNEE] = (*knees[leg], 0.7)
    obs[0, ANKLE] = (np.nan, np.nan, 0.0)
    obs[1, ANKLE] = (636.5, 570.0, 0.71)  # the right label, on the left foot
    out = np.empty((2, 3, 3))
    kernels.assign_legs(obs, t, trk, 0.5, 3.5 / 60, stance, out)
    assert out[0, KNEE, 0] == 629.0 and out[1, KNEE, 0] == 525.0
    assert out[1, ANKLE, 2] == 0.0 and np.isnan(out[1, ANKLE, 0])


def test_an_ankle_unseen_too_long_to_judge_by_is_kept() -> None:
    """A review's case: the left ankle unseen for 0.3 s, last swinging forward at 900 px/s,
    comes back beside the right foot on the belt, the right ankle's label missing. Where the
    left foot was extrapolated to is too old to say the ankle is not its own: it is kept (it
    had been dropped, and the track, never updated, would drop it again frame after frame).
    Seen 4 frames before, as ``runner-0041-slow``'s was, the same ankle far from its own foot's
    place is still dropped."""
    hips = [(585.0, 320.0), (580.0, 322.0)]
    knees = [(640.0, 440.0), (560.0, 449.0)]
    last = np.array([[hips[0], knees[0], (420.0, 540.0)], [hips[1], knees[1], (600.0, 585.0)]])
    stance = np.array([[np.nan, np.nan, 0.0], [590.0, 585.0, 1.0]])
    obs = np.zeros((2, 3, 3))
    for leg in range(2):
        obs[leg, HIP] = (*hips[leg], 0.8)
        obs[leg, KNEE] = (*knees[leg], 0.7)
    obs[0, ANKLE] = (615.0, 560.0, 0.7)
    kept = {}
    for unseen in (0.3, 4 / 60):
        t = 2.0
        trk = _tracker_at(last, t, np.array([900.0, -640.0]))
        trk[kernels.trk_col(0, ANKLE, 2)] = t - unseen
        out = np.empty((2, 3, 3))
        kernels.assign_legs(obs, t, trk, 0.5, 3.5 / 60, stance, out)
        kept[unseen] = out[0, ANKLE, 2] > 0.0
    assert kept == {0.3: True, 4 / 60: False}


def test_both_ankle_labels_on_one_spot_fitting_both_feet_are_left_alone() -> None:
    """Where the two ankles' labels coincide and both tracks' feet are expected about there,
    nothing tells whose the ankle is: both keep it, as before."""
    t = 1.0
    hips = [(585.0, 320.0), (580.0, 322.0)]
    knees = [(600.0, 444.0), (560.0, 449.0)]
    last = np.array([[hips[0], knees[0], (520.0, 570.0)], [hips[1], knees[1], (530.0, 575.0)]])
    trk = _tracker_at(last, t, np.array([0.0, 0.0]))
    stance = np.array([[np.nan, np.nan, 0.0], [np.nan, np.nan, 0.0]])
    obs = np.zeros((2, 3, 3))
    for leg in range(2):
        obs[leg, HIP] = (*hips[leg], 0.8)
        obs[leg, KNEE] = (*knees[leg], 0.7)
        obs[leg, ANKLE] = (525.0 + leg, 572.0, 0.7)
    out = np.empty((2, 3, 3))
    kernels.assign_legs(obs, t, trk, 0.5, 3.5 / 60, stance, out)
    assert (out[:, ANKLE, 2] > 0.0).all()


@pytest.mark.parametrize("fps", [24.0, 30.0, 60.0, 120.0])
def test_the_bounce_is_the_hips_rise_and_fall_with_each_step_not_a_wobble_over_the_stride(
    fps: float,
) -> None:
    """A pose model's hips shift with the leg in front, over the whole stride: the vertical
    oscillation is the rise and fall that repeats each step (8 cm here, the running bounce: a
    fall in flight, a dip in stance), not that wobble (3 cm) nor the drift of a runner moving
    on the belt."""
    stride = 0.72
    t = np.arange(0.0, stride + 1e-9, 1.0 / fps)
    phase = 2 * np.pi * t / (stride / 2)
    bounce = 0.04 * np.cos(phase) + 0.01 * np.cos(2 * phase)  # from +0.05 down to -0.03
    sm = np.full((len(t), N_SM), np.nan)
    sm[:, SM_T] = t
    sm[:, SM_MID_Y] = 0.9 + bounce + 0.015 * np.sin(2 * np.pi * t / stride) + 0.02 * t
    assert step_bounce(sm, 0.0, stride) == pytest.approx(0.08, rel=0.05)
    assert hip_bounce(sm, 0.0, stride) > 1.1 * 0.08
    assert np.isnan(step_bounce(sm[:5], 0.0, stride))


@pytest.mark.parametrize("facing", ["left", "right"])
@pytest.mark.parametrize("tilt_deg", [0.0, 25.0])
def test_the_near_side_is_read_off_any_plane_mapping(facing: str, tilt_deg: float) -> None:
    """A calibration's homography (rotated, with perspective) says which way the runner faces
    as plainly as a level camera's scale does."""
    a = np.radians(tilt_deg)
    sign = 1.0 if facing == "right" else -1.0
    rotate = np.array([[np.cos(a), -np.sin(a), 0.0], [np.sin(a), np.cos(a), 0.0], [0, 0, 1]])
    h = (
        rotate
        @ np.diag([sign * 0.002, -0.002, 1.0])
        @ np.array([[1.0, 0.0, -960.0], [0.0, 1.0, -540.0], [0.0, 2e-5, 1.0]])
    )
    mapping = PlaneMapping(h, metric=True)
    x, y = mapping.apply(np.array([1100.0, 500.0]))
    assert mapping.facing_at(x, y) == facing
