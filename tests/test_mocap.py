"""Ground truth from the Fukuchi 2017 treadmill trials and the side-camera tracks built from them:
RBDS001 (force plate, 2.5 m/s), RBDS032 and RBDS0041 (contacts from the foot markers, belt speed
measured from the feet: 2.53 and 4.57 m/s), time-scaled ones, and the force plates of
tests/data/fukuchi2017 (RBDS002 at 2.5 and 4.5 m/s, RBDS008 at 3.5, RBDS0041 at 2.5).

Data: Fukuchi RK, Fukuchi CA, Duarte M, PeerJ 5:e3298 (2017), doi 10.7717/peerj.3298, CC-BY 4.0.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from edge.demo.mocap import (
    JOINT_NAMES,
    MARKER_ERROR_MS,
    MARKERS,
    PLATE,
    PLATE_ERROR_MS,
    MocapTrial,
    foot_contacts,
    knee_flexion_deg,
    leg_length_m,
    load_trial,
    shank_angle_deg,
    sole_belt_speed,
    thigh_angle_deg,
    time_scaled,
    truth_steps,
)
from edge.demo.scene import SideCamera
from edge.skeleton import KP, LEFT_ANKLE, LEFT_HIP, LEFT_KNEE, RIGHT_ANKLE, RIGHT_HIP, RIGHT_KNEE
from tests.builders.keypoint_tracks import synth_track, truth_events
from tests.gait_accuracy import contact_validation, marker_figures

LEGS = [LEFT_HIP, RIGHT_HIP, LEFT_KNEE, RIGHT_KNEE, LEFT_ANKLE, RIGHT_ANKLE]


@pytest.fixture(scope="module")
def steps(mocap_trial) -> list[dict]:
    return truth_steps(mocap_trial)


def column(steps: list[dict], key: str) -> np.ndarray:
    return np.array([s[key] for s in steps], dtype=float)


def test_trial_arrays_have_documented_shapes(mocap_trial):
    tr = mocap_trial
    n = len(tr.t)
    assert n == 4500 and tr.fs == 150.0 and tr.belt_speed_mps == 2.5
    assert tr.t.dtype == np.float64 and tr.joints.dtype == np.float64
    assert tr.joints.shape == (n, len(JOINT_NAMES), 3)
    np.testing.assert_allclose(np.diff(tr.t), 1 / 150)
    assert np.isfinite(tr.joints).all()
    assert tr.ic.shape == tr.to.shape == (len(tr.foot),)
    assert np.all(tr.ic < tr.to) and np.all(tr.to[:-1] < tr.ic[1:])
    with pytest.raises(ValueError):
        tr.joints[0, 0, 0] = 1.0


def test_world_frame_is_forward_up_right(mocap_trial):
    tr = mocap_trial
    mid = tr.joint("mid_hip")
    np.testing.assert_allclose(mid[:, [0, 2]].mean(axis=0), 0.0, atol=1e-9)
    assert 0.85 < mid[:, 1].mean() < 1.05
    feet = tr.joints[:, [tr.joint_names.index(n) for n in JOINT_NAMES[7:]], 1]
    assert 0.0 < feet.min() < 0.08
    for side, sign in (("left", -1), ("right", 1)):
        assert sign * np.median(tr.joint(f"{side}_hip")[:, 2]) > 0.05
        assert np.median(tr.joint(f"{side}_toe")[:, 0] - tr.joint(f"{side}_heel")[:, 0]) > 0.1


def test_contacts_give_a_plausible_cadence_and_alternate(mocap_trial, steps):
    tr = mocap_trial
    contacts_per_min = (len(tr.ic) - 1) / (tr.ic[-1] - tr.ic[0]) * 60
    assert 150 <= contacts_per_min <= 190
    assert 70 <= len(tr.ic) <= 95
    assert all(a != b for a, b in itertools.pairwise(tr.foot))
    assert [a for a in tr.anomalies if "missing frame" not in a] == []
    cadence = column(steps, "cadence_spm")[1:]
    assert np.all((cadence > 140) & (cadence < 200))


def test_assigned_foot_is_the_leading_one_at_contact(mocap_trial):
    tr = mocap_trial
    at_ic = tr.at(tr.ic)
    left = at_ic[:, tr.joint_names.index("left_ankle"), 0]
    right = at_ic[:, tr.joint_names.index("right_ankle"), 0]
    assert np.array_equal(left > right, np.array(tr.foot) == "left")


def test_contact_and_flight_times(steps):
    contact = column(steps, "contact_ms")
    flight = column(steps, "flight_ms")[:-1]
    assert np.all((contact > 180) & (contact < 320))
    assert np.all((flight > 30) & (flight < 200))
    step = column(steps, "step_ms")[1:]
    np.testing.assert_allclose(step, contact[:-1] + flight, atol=1e-9)


def test_leg_length_fits_a_181_cm_runner(mocap_trial):
    assert 0.8 < leg_length_m(mocap_trial) < 1.0


def test_truth_metrics_sit_in_published_bands(steps):
    overstride = column(steps, "overstride_cm")
    assert np.all((overstride > 0) & (overstride < 25))
    hip_ext = column(steps, "hip_extension_deg")
    assert np.all((hip_ext > 5) & (hip_ext < 25))
    braking = column(steps, "braking_ms")
    assert np.all((braking > 0) & (braking < column(steps, "contact_ms")))
    assert np.all(np.abs(column(steps, "shank_angle_ic_deg")) < 20)
    assert np.all(
        (column(steps, "knee_flexion_ic_deg") > 0) & (column(steps, "knee_flexion_ic_deg") < 40)
    )
    lift = column(steps, "knee_lift_deg")[:-2]
    assert np.all((lift > 10) & (lift < 60))
    osc = column(steps, "vertical_osc_cm")[:-2]
    assert np.all((osc > 4) & (osc < 15))
    stride = column(steps, "stride_length_m")[:-2]
    np.testing.assert_allclose(
        stride, 2.5 * (column(steps, "step_ms")[1:-1] + column(steps, "step_ms")[2:]) / 1000
    )
    assert all(s[k] is None for s in steps[-2:] for k in ("knee_lift_deg", "stride_length_m"))


def test_knee_flexion_matches_the_published_mean_curve(mocap_trial, fukuchi_dir):
    """Sagittal knee flexion per gait cycle against the authors' processed 3D knee angle."""
    path = fukuchi_dir / "RBDS001processed.txt"
    header = path.open().readline().rstrip("\n").split("\t")
    published = np.loadtxt(path, skiprows=1)
    tr = mocap_trial
    for side, s in (("left", "L"), ("right", "R")):
        flex = knee_flexion_deg(*(tr.joint(f"{side}_{j}") for j in ("hip", "knee", "ankle")))
        ics = tr.ic[np.array(tr.foot) == side]
        cycles = [np.interp(np.linspace(a, b, 101), tr.t, flex) for a, b in itertools.pairwise(ics)]
        mean = np.mean(cycles, axis=0)
        ref = published[:, header.index(f"{s}kneeAngZ25")]
        assert np.corrcoef(mean, ref)[0, 1] > 0.98
        assert np.sqrt(np.mean((mean - ref) ** 2)) < 6.0


@pytest.mark.parametrize(
    ("top", "bottom", "expected"),
    [
        ((0, 1), (0, 0), 0.0),
        ((0, 1), (1, 0), 45.0),
        ((0, 1), (-1, 0), -45.0),
        ((0, 1), (1, 1), 90.0),
    ],
)
def test_segment_angles_are_from_straight_down_positive_forward(top, bottom, expected):
    top, bottom = np.array(top, float), np.array(bottom, float)
    assert thigh_angle_deg(top, bottom) == pytest.approx(expected)
    assert shank_angle_deg(top, bottom) == pytest.approx(expected)


def test_knee_flexion_is_180_minus_interior_angle():
    hip, knee = np.array([0.0, 1.0]), np.array([0.0, 0.5])
    assert knee_flexion_deg(hip, knee, np.array([0.0, 0.0])) == pytest.approx(0.0)
    assert knee_flexion_deg(hip, knee, np.array([-0.5, 0.5])) == pytest.approx(90.0)
    assert knee_flexion_deg(hip, knee, np.array([-0.25, 0.5 - 0.25 * np.sqrt(3)])) == pytest.approx(
        30.0
    )


@pytest.mark.parametrize("facing", ["left", "right"])
def test_projection_round_trips_on_the_sagittal_plane(facing):
    cam = SideCamera(facing=facing)
    rng = np.random.default_rng(1)
    pts = np.column_stack([rng.uniform(-1, 1, 50), rng.uniform(0, 1.9, 50), np.zeros(50)])
    px = cam.project(pts)
    assert np.all((px >= 0) & (px < np.array(cam.image_size)))
    np.testing.assert_allclose(cam.to_plane(px), pts[:, :2], atol=1e-3)
    assert cam.meters_per_pixel == pytest.approx(3.0 / 1400.0)
    ahead, above = cam.project(np.array([[0.1, 1.0, 0.0], [0.0, 1.1, 0.0]]))
    centre = np.array(cam.image_size) / 2
    assert np.sign(ahead[0] - centre[0]) == (1 if facing == "right" else -1)
    assert above[1] < centre[1]
    near_z = 0.2 if facing == "right" else -0.2
    near = cam.project(np.array([[0.1, 1.0, near_z]]))[0]
    assert abs(near[0] - centre[0]) > abs(ahead[0] - centre[0])
    assert cam.near_side == facing


def test_camera_rejects_an_unknown_facing():
    with pytest.raises(ValueError, match="facing"):
        SideCamera(facing="up")


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_track_shape_dtype_and_frame_times(mocap_trial, fps):
    t, kp = synth_track(mocap_trial, fps, SideCamera())
    assert t.dtype == np.float64 and kp.dtype == np.float32
    assert kp.shape == (len(t), 17, 3) and len(t) == int(30 * fps)
    np.testing.assert_allclose(t, np.arange(len(t)) / fps)
    assert np.isfinite(kp[:, [i for i in range(17) if i not in LEGS]]).all()


def test_track_confidence_is_higher_on_the_near_side(mocap_trial):
    _, kp = synth_track(mocap_trial, 30.0, SideCamera(facing="left"), swap_fraction=0.0)
    conf = kp[..., 2]
    for near, far in (("left_shoulder", "right_shoulder"), ("left_knee", "right_knee")):
        assert np.median(conf[:, KP[near]]) == pytest.approx(0.9, abs=0.02)
        assert np.median(conf[conf[:, KP[far]] > 0, KP[far]]) == pytest.approx(0.6, abs=0.02)


def test_track_noise_is_larger_on_the_far_leg(mocap_trial):
    cam = SideCamera(facing="right")
    clean = synth_track(
        mocap_trial, 60.0, cam, noise_px=0.0, swap_fraction=0.0, far_dropout_fraction=0.0
    )[1]
    noisy = synth_track(
        mocap_trial,
        60.0,
        cam,
        noise_px=3.0,
        far_noise_scale=2.0,
        swap_fraction=0.0,
        far_dropout_fraction=0.0,
    )[1]
    err = (noisy - clean)[..., :2]
    assert np.std(err[:, RIGHT_KNEE]) == pytest.approx(3.0, rel=0.1)
    assert np.std(err[:, LEFT_KNEE]) == pytest.approx(6.0, rel=0.1)


def test_swaps_cover_the_asked_fraction_in_short_runs(mocap_trial):
    cam = SideCamera()
    _, plain = synth_track(
        mocap_trial, 30.0, cam, noise_px=0.0, swap_fraction=0.0, far_dropout_fraction=0.0
    )
    _, swapped = synth_track(
        mocap_trial, 30.0, cam, noise_px=0.0, swap_fraction=0.05, far_dropout_fraction=0.0
    )
    is_swapped = np.any(swapped != plain, axis=(1, 2))
    assert is_swapped.mean() == pytest.approx(0.05, abs=0.01)
    mirror = [RIGHT_HIP, LEFT_HIP, RIGHT_KNEE, LEFT_KNEE, RIGHT_ANKLE, LEFT_ANKLE]
    np.testing.assert_array_equal(swapped[is_swapped][:, LEGS], plain[is_swapped][:, mirror])
    edges = np.flatnonzero(np.diff(np.concatenate(([0], is_swapped.astype(int), [0]))))
    lengths = edges[1::2] - edges[0::2]
    assert lengths.min() >= 1 and lengths.max() <= 6


@pytest.mark.parametrize("facing", ["left", "right"])
def test_dropouts_hit_only_the_far_leg_at_the_asked_fraction(mocap_trial, facing):
    _, kp = synth_track(
        mocap_trial, 30.0, SideCamera(facing=facing), swap_fraction=0.0, far_dropout_fraction=0.05
    )
    far = "right" if facing == "left" else "left"
    lost = np.isnan(kp[..., 0])
    assert lost.any(axis=1).mean() == pytest.approx(0.05, abs=0.01)
    assert np.array_equal(lost.any(axis=1), lost[:, KP[f"{far}_ankle"]])
    assert np.array_equal(lost[:, KP[f"{far}_knee"]], lost[:, KP[f"{far}_ankle"]])
    allowed = [KP[f"{far}_{j}"] for j in ("hip", "knee", "ankle")]
    assert not lost[:, [i for i in range(17) if i not in allowed]].any()
    assert np.all(kp[lost][:, 2] == 0.0)


def test_same_seed_same_track(mocap_trial):
    cam = SideCamera()
    t1, a = synth_track(mocap_trial, 30.0, cam, seed=7)
    t2, b = synth_track(mocap_trial, 30.0, cam, seed=7)
    _, c = synth_track(mocap_trial, 30.0, cam, seed=8)
    np.testing.assert_array_equal(t1, t2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c, equal_nan=True)


def test_truth_events_are_the_truth_steps(mocap_trial, steps):
    assert truth_events(mocap_trial) == steps


@pytest.fixture(scope="module")
def other_runners(fukuchi_dir) -> dict[str, MocapTrial]:
    """RBDS032 and RBDS0041, markers only, from the shared data; their files are named 3.5 and
    4.5 m/s, their feet move back on the belt at 2.53 and 4.57 m/s."""
    return {r: load_trial(fukuchi_dir, r) for r in ("RBDS032", "RBDS0041")}


def test_packaged_rbds001_is_the_default_and_names_its_source(mocap_trial):
    packaged = load_trial()
    np.testing.assert_array_equal(packaged.joints, mocap_trial.joints)
    np.testing.assert_array_equal(packaged.to, mocap_trial.to)
    assert packaged.name == "RBDS001 2.5 m/s" and not packaged.synthetic
    assert packaged.contact_source == PLATE and packaged.contact_error_ms == PLATE_ERROR_MS
    # The plate confirms its contacts: the file name's speed is kept, with no note about it.
    assert packaged.belt_speed_mps == 2.5
    assert not [a for a in packaged.anomalies if "file's name" in a]


def test_marker_rule_is_within_its_stated_error_of_the_plate(mocap_trial):
    """Measured: IC +3.7 ms bias (MAE 4.0, SD 2.7, max 8.7), TO -0.7 (3.2, 3.9, 11.1), contact
    time -4.4 (5.3, 4.7, 16.7); all 77 contacts matched on the right foot."""
    v = contact_validation(mocap_trial)
    assert v["matched"] == v["plate"] == v["markers"] == 77 and v["wrong_foot"] == 0
    for event in ("ic", "to"):
        assert abs(v[f"{event}_bias_ms"]) <= 5.0
        assert v[f"{event}_mae_ms"] <= 5.0
        assert v[f"{event}_sd_ms"] <= 5.0 and v[f"{event}_max_ms"] <= 15.0
    assert abs(v["contact_bias_ms"]) <= 6.0 and v["contact_mae_ms"] <= 7.0


def test_marker_rule_against_every_plate_at_hand(mocap_trial, plate_trials) -> None:
    """Its stated error (10 ms) is its toe-off's mean absolute error over the five plates, rounded
    up: measured 9.1 ms (initial contact 6.0), 394 contacts, all matched on the right foot."""
    found = [contact_validation(trial) for trial in (mocap_trial, *plate_trials.values())]
    assert all(v["matched"] == v["plate"] == v["markers"] and not v["wrong_foot"] for v in found)
    n = np.array([v["plate"] for v in found])
    for event, limit in (("ic", 6.5), ("to", MARKER_ERROR_MS)):
        pooled = float(np.sum(n * [v[f"{event}_mae_ms"] for v in found]) / n.sum())
        assert pooled <= limit, f"{event}: {pooled:.1f} ms"


def test_belt_speed_read_from_the_soles(mocap_trial):
    """RBDS001's soles read 2.515 m/s on its 2.5 m/s belt; replayed faster or slower, the
    reading follows (to the 1 cm/s histogram bin)."""
    assert mocap_trial.sole is not None
    measured = sole_belt_speed(mocap_trial.sole, mocap_trial.fs)
    assert measured == pytest.approx(2.5, rel=0.02)
    for speed in (2.0, 3.5, 6.0):
        scaled = time_scaled(mocap_trial, speed)
        assert scaled.sole is not None
        reading = sole_belt_speed(scaled.sole, scaled.fs)
        assert reading == pytest.approx(measured * speed / 2.5, rel=0.01)


@pytest.mark.parametrize(
    ("runner", "low", "high", "noted"),
    [("RBDS032", 2.45, 2.60, True), ("RBDS0041", 4.45, 4.70, False)],
)
def test_new_runners_load_with_alternating_plausible_contacts(
    other_runners, runner, low, high, noted
):
    """The belt speed is measured from the feet. RBDS032's file is named 3.5 m/s but its feet
    move back at 2.53 m/s (a note says so); RBDS0041's read 4.57 on its 4.5 m/s file."""
    tr = other_runners[runner]
    assert low <= tr.belt_speed_mps <= high
    assert tr.contact_source == MARKERS and tr.runner == runner
    notes = [a for a in tr.anomalies if "file's name" in a]
    assert len(notes) == int(noted)
    if noted:
        assert f"{tr.belt_speed_mps:.2f} m/s" in notes[0] and "3.5 m/s" in notes[0]
    assert tr.joints.shape == (4500, len(JOINT_NAMES), 3) and np.isfinite(tr.joints).all()
    assert not [a for a in tr.anomalies if "twice" in a]
    f = marker_figures(tr)
    assert f["repeats"] == 0 and f["heel_strides"] == f["contacts"] - 1
    assert f["contact_min_ms"] >= 180 and f["contact_max_ms"] <= 360
    assert 150 <= f["cadence_spm"] <= 200
    assert 0.8 < leg_length_m(tr) < 1.1


def test_faster_runner_has_the_shorter_contacts(mocap_trial, other_runners):
    """RBDS0041 at 4.57 m/s against the two at 2.5 m/s (RBDS001 median 279 ms by the plate,
    RBDS032 311 ms by the markers)."""
    slow, fast = (marker_figures(other_runners[r]) for r in ("RBDS032", "RBDS0041"))
    assert fast["contact_median_ms"] < marker_figures(mocap_trial)["contact_median_ms"]
    assert fast["contact_median_ms"] < slow["contact_median_ms"]
    assert fast["cadence_spm"] > slow["cadence_spm"]


def test_time_scaled_trial_is_the_recording_at_another_pace(mocap_trial):
    fast = time_scaled(mocap_trial, 5.0)
    assert fast.synthetic and "synthetic" in fast.name and fast.belt_speed_mps == 5.0
    assert fast.fs == 300.0 and fast.t[-1] == pytest.approx(mocap_trial.t[-1] / 2)
    np.testing.assert_array_equal(fast.joints, mocap_trial.joints)
    np.testing.assert_allclose(fast.ic, mocap_trial.ic / 2)
    np.testing.assert_allclose(fast.to, mocap_trial.to / 2)
    assert fast.contact_error_ms == mocap_trial.contact_error_ms / 2
    # The stance foot still moves with the (faster) belt: the marker rule finds the same contacts.
    assert fast.sole is not None and mocap_trial.sole is not None
    ic, _, foot = foot_contacts(fast.sole, fast.fs, fast.belt_speed_mps)
    ic0, _, _ = foot_contacts(mocap_trial.sole, mocap_trial.fs, mocap_trial.belt_speed_mps)
    np.testing.assert_allclose(ic, ic0 / 2, atol=1e-9)
    assert foot == mocap_trial.foot
    steps = truth_steps(fast)
    slow = truth_steps(mocap_trial)
    assert steps[5]["cadence_spm"] == pytest.approx(2 * slow[5]["cadence_spm"])
    assert steps[5]["stride_length_m"] == pytest.approx(slow[5]["stride_length_m"])
