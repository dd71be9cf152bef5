"""``hipdrive replay`` on keypoint tracks: step events, the plane from scale or calibration,
the facing read off the track."""

from __future__ import annotations

import codecs
import dataclasses
import itertools
import json
import re
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from calibrate.fileformat import write_calibration
from calibrate.model import Calibration, Plane
from edge.bus.schema import StepMsg, decode
from edge.cli import main
from edge.commands.analyze import NO_FINDINGS
from edge.demo.mocap import MocapTrial, walking_trial
from edge.demo.scene import SideCamera
from edge.gait import GaitEngine, Targets, detect_facing
from edge.gait.fit import (
    MIN_JUDGED_STEPS,
    MPP_HOW,
    belt_speed_problem,
    leg_metres,
    scale_doubt,
    timebase_problem,
    too_few_steps,
)
from edge.gait.mode import RUNNING
from edge.gait.rhythm import (
    across_the_picture,
    body_unseen,
    facing_the_camera,
    leg_rhythm,
    legs_off_pace,
    not_side_on,
    slowed_part,
    turned_picture,
)
from edge.gait.sagittal import PlaneMapping, facing_contradicted, facing_lag
from edge.gait.summary import CONFIDENT
from edge.offline.replay import (
    describe,
    missed_steps,
    no_findings,
    replay_track,
)
from edge.row import in_a_row
from edge.skeleton import KP
from edge.store.track import KeypointTrackWriter, read_keypoint_track
from tests.builders import messages
from tests.builders.keypoint_tracks import synth_track


def write_track(path: Path, t: np.ndarray, kp: np.ndarray) -> Path:
    with KeypointTrackWriter(path) as writer:
        for i in range(len(t)):
            writer.write(float(t[i]), i, kp[i])
    return path


@pytest.fixture(scope="module")
def track(mocap_trial, tmp_path_factory) -> tuple[Path, SideCamera]:
    camera = SideCamera(facing="left")
    t, kp = synth_track(mocap_trial, 60.0, camera, seed=21)
    keep = t < 12.0
    path = tmp_path_factory.mktemp("track") / "keypoints.csv"
    return write_track(path, t[keep], kp[keep]), camera


def read_events(path: Path) -> list[StepMsg]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [decode(b"hipdrive.step", line.encode()) for line in lines]  # type: ignore[misc]


def test_replay_with_a_scale_writes_metric_step_events(
    track, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, camera = track
    out = tmp_path / "events.jsonl"
    args = [
        "replay",
        "--keypoints",
        str(path),
        "--meters-per-pixel",
        str(camera.meters_per_pixel),
        "--events-out",
        str(out),
    ]
    assert main(args) == 0
    steps = read_events(out)
    assert 28 <= len(steps) <= 31
    assert {s.foot for s in steps} == {"left", "right"}
    assert all(a.ic_t < b.ic_t for a, b in itertools.pairwise(steps))
    measured = [s.overstride_cm for s in steps if s.overstride_cm is not None]
    assert 14 < float(np.median(measured)) < 21
    assert json.loads(out.read_text().splitlines()[0])["type"] == "step"
    printed = capsys.readouterr().out
    assert "steps (" in printed and "cadence" in printed and "cue:" in printed
    # The far leg's angles are seen through the near leg: no left/right figure for them.
    shown = {line[:26].strip(): line for line in printed.splitlines() if line.startswith("  ")}
    for angle in ("hip extension", "knee lift", "shank angle at contact"):
        assert shown[angle].endswith("deg, near leg only")
    assert "left-right" in shown["contact"] and "left-right" in shown["cadence"]


def test_replay_takes_the_camera_turn_analyze_read(
    track, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--camera-turn``, as analyze read it off the treadmill's lines, is every step's yaw: the
    foreshortened figures said so from the first step; a turn no side view has is refused."""
    path, _ = track
    out = tmp_path / "events.jsonl"
    args = ["replay", "--keypoints", str(path), "--events-out", str(out)]
    assert main([*args, "--camera-turn", "-18.5"]) == 0
    steps = read_events(out)
    assert steps and all(s.yaw_deg == -18.5 for s in steps)
    assert "about 18° off square" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([*args, "--camera-turn", "75"])
    assert "within +-60" in capsys.readouterr().err


def test_replay_without_scale_reports_leg_fractions(track, tmp_path: Path) -> None:
    path, _ = track
    out = tmp_path / "events.jsonl"
    assert main(["replay", "--keypoints", str(path), "--events-out", str(out)]) == 0
    steps = read_events(out)
    assert len(steps) >= 28
    assert all(s.overstride_cm is None and s.vertical_osc_cm is None for s in steps)
    fractions = [s.overstride_pct_leg for s in steps if s.overstride_pct_leg is not None]
    assert len(fractions) >= 0.9 * len(steps)
    assert 16 < float(np.median(fractions)) < 25


def test_replay_of_a_glimpse_gives_no_figures(mocap_trial, tmp_path: Path, capsys) -> None:
    """The runner in view for a second and a half of a five-second track: its few steps are
    written, but no figure is printed from them, as analyze would not."""
    t, kp = synth_track(mocap_trial, 60.0, SideCamera(facing="left"), seed=22)
    kp = kp[t < 5.0].copy()
    t = t[t < 5.0]
    away = (t < 1.0) | (t > 2.3)
    kp[away, :, :2] = np.nan
    kp[away, :, 2] = 0.0
    path = write_track(tmp_path / "glimpse.csv", t, kp)
    out = tmp_path / "events.jsonl"
    assert main(["replay", "--keypoints", str(path), "--events-out", str(out)]) == NO_FINDINGS
    printed = capsys.readouterr().out
    found = len(read_events(out))
    assert 1 <= found < 4
    assert ": too few to judge a runner by (4 at least)" in printed
    assert "film at least 10 s of steady running" in printed
    assert "cadence" not in printed and "overstride" not in printed


def test_too_few_walked_steps_ask_for_a_longer_walk() -> None:
    # A user trial's 3.5 s walking clip was asked for "10 s of steady running".
    walked = [messages.walked_step(i) for i in range(3)]
    said = too_few_steps(walked)
    assert said is not None and "film at least 10 s of steady walking, side on" in said


def test_a_walk_with_two_steps_read_as_running_is_not_asked_for_a_longer_run() -> None:
    """A user trial's walk in place at 109 steps a minute had two steps read as running at 128
    (the pose model swapping the legs) and was told "film a longer run": it was walked, and no
    cue is given while walking. A run too short for a cue is still asked for a longer one."""
    walk = [messages.walked_step(i) for i in range(16)]
    ran = [messages.later(messages.step(i, cadence_spm=128.0), 9.0) for i in range(2)]
    said = describe([*walk, *ran], Targets())
    assert "running, 2 steps: too few for figures" in said
    assert said[-1].startswith("no cue while walking (the cues are for running"), said
    short = describe(
        [*walk[:3], *[messages.later(messages.step(i), 9.0) for i in range(3)]], Targets()
    )
    assert short[-1].endswith("film a longer run"), short


def test_steps_missed_in_a_long_view_are_told_as_missed(
    mocap_trial, tmp_path: Path, capsys
) -> None:
    """Six seconds of the runner in view, the knees and feet lost after the first 1.6: too few
    steps, and they were missed, not too short a video to have them."""
    t, kp = synth_track(mocap_trial, 60.0, SideCamera(facing="left"), seed=24)
    keep = t < 6.0
    t, kp = t[keep], kp[keep].copy()
    lost = t > 1.6
    kp[np.ix_(lost, [13, 14, 15, 16])] = np.nan
    path = write_track(tmp_path / "feet.csv", t, kp)
    out = tmp_path / "events.jsonl"
    assert main(["replay", "--keypoints", str(path), "--events-out", str(out)]) == NO_FINDINGS
    printed = capsys.readouterr().out
    assert re.search(r"too few to judge a runner by \(4 at least\) in 5\.\d s of a person", printed)
    assert "or steps were missed. Film a runner on a treadmill with a camera" in printed


def test_a_run_past_the_camera_is_told_as_one(mocap_trial, tmp_path: Path, capsys) -> None:
    """A runner filmed off the treadmill, running past a still camera: the belt's speed is
    the runner's across the picture. Told as such, and no figure given."""
    camera = SideCamera(facing="left")
    t, kp = synth_track(mocap_trial, 60.0, camera, seed=23)
    keep = t < 3.0
    t, kp = t[keep], kp[keep].copy()
    kp[..., 0] -= mocap_trial.belt_speed_mps / camera.meters_per_pixel * t[:, None]
    path = write_track(tmp_path / "past.csv", t, kp)
    out = tmp_path / "events.jsonl"
    assert main(["replay", "--keypoints", str(path), "--events-out", str(out)]) == NO_FINDINGS
    printed = capsys.readouterr().out
    assert "leg lengths across the picture in 3.0 s, further than a treadmill's belt" in printed
    assert "cadence" not in printed and "overstride" not in printed


def test_someone_else_taken_for_the_runner_is_no_run_past_the_camera(mocap_trial) -> None:
    """A glimpse of the runner on the belt, then for 0.4 s a person 900 px away taken for the
    runner: the hips jump, so no crossing is told (the glimpse's own "too few" is)."""
    t, kp = synth_track(mocap_trial, 60.0, SideCamera(facing="left"), seed=22)
    keep = t < 5.0
    t, kp = t[keep], kp[keep].copy()
    away = (t < 1.0) | (t > 2.3)
    kp[away, :, :2] = np.nan
    kp[away, :, 2] = 0.0
    other = t > 4.6
    kp[other] = kp[np.flatnonzero(~away)[: other.sum()]]
    kp[other, :, 0] += 900.0
    assert across_the_picture(t, kp, []) is None
    kp[other, :, :2] = np.nan
    kp[other, :, 2] = 0.0
    assert across_the_picture(t, kp, []) is None


def test_a_person_without_feet_in_view_is_no_run_past_the_camera_and_no_warning(
    mocap_trial,
) -> None:
    """A user trial's man seated at a microscope, no leg in view: nothing to say, and no
    numpy warning printed to the user."""
    t, kp = synth_track(mocap_trial, 60.0, SideCamera(facing="left"), seed=22)
    keep = t < 5.0
    t, kp = t[keep], kp[keep].copy()
    kp[:, [KP["left_ankle"], KP["right_ankle"]], :2] = np.nan
    kp[:, [KP["left_ankle"], KP["right_ankle"]], 2] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert across_the_picture(t, kp, []) is None


def camera_plane(camera: SideCamera) -> Plane:
    """The plane of ``camera`` (a runner facing left), as a calibration would give it."""
    w, h = camera.image_size
    mpp = camera.meters_per_pixel
    # Image x grows backwards for a runner facing left; image y grows downwards.
    homography = np.array(
        [[-mpp, 0, mpp * w / 2], [0, -mpp, camera.height_m + mpp * h / 2], [0, 0, 1]]
    )
    return Plane(homography, np.array([[0, 900], [1900, 900]]), "left", (0, 0, w, h), mpp)


def test_replay_with_a_calibration_is_in_metres(
    track, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, camera = track
    w, h = camera.image_size
    mpp = camera.meters_per_pixel
    plane = camera_plane(camera)
    homography = plane.homography
    calibration = tmp_path / "calibration.toml"
    write_calibration(
        calibration, Calibration("test", (w, h), datetime.now(timezone.utc), plane=plane)
    )
    out = tmp_path / "events.jsonl"
    args = [
        "replay",
        "--keypoints",
        str(path),
        "--calibration",
        str(calibration),
        "--events-out",
        str(out),
    ]
    assert main(args) == 0
    steps = read_events(out)
    assert len(steps) >= 28
    assert 14 < float(np.median([s.overstride_cm for s in steps if s.overstride_cm])) < 21
    # A turn given beside a plane, which measures on the belt's plane whatever the turn: refused,
    # not left unsaid (a review).
    assert main([*args, "--camera-turn", "10"]) == 2
    assert "--camera-turn is for a camera without a calibration" in capsys.readouterr().err
    # The same plane mirrored, as a calibration made facing the other way would be: refused.
    mirrored = Plane(
        homography @ np.diag([-1.0, 1.0, 1.0]),
        np.array([[0, 900], [1900, 900]]),
        "right",
        (0, 0, w, h),
        mpp,
    )
    write_calibration(
        calibration, Calibration("test", (w, h), datetime.now(timezone.utc), plane=mirrored)
    )
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "not right as the calibration says: if the video is not from that camera" in err
    assert "give --meters-per-pixel M --facing left instead of the calibration" in err
    assert "calibrate the plane again (hipdrive calibrate plane --facing left)" in err
    # A plane three times too large (the board's squares given in the wrong unit, say): the
    # leg would be 2.7 m long. Refused, naming the file.
    large = Plane(homography @ np.diag([3.0, 3.0, 1.0]), plane.belt_line, "left", plane.roi, mpp)
    write_calibration(
        calibration, Calibration("test", (w, h), datetime.now(timezone.utc), plane=large)
    )
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"the calibration {calibration} makes the runner's leg (hip to ankle) 2." in err
    assert "calibrate the camera again where it stands (hipdrive calibrate plane)" in err


def test_a_calibration_of_another_picture_size_is_refused(
    track, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A calibration holds for the picture size it was made at: with the track's picture given
    (--picture, as analyze prints it), one made at another size is refused, as analyze and run
    refuse it for a video (a review's 1920x1080 calibration measured a 720x1280 track)."""
    path, camera = track
    w, h = camera.image_size
    calibration = tmp_path / "calibration.toml"
    write_calibration(
        calibration,
        Calibration("test", (2 * w, 2 * h), datetime.now(timezone.utc), plane=camera_plane(camera)),
    )
    out = tmp_path / "events.jsonl"
    args = ["replay", "--keypoints", str(path), "--calibration", str(calibration)]
    assert main([*args, "--picture", f"{w}x{h}", "--events-out", str(out)]) == 2
    assert f"was made at {2 * w}x{2 * h} but the frames are {w}x{h}" in capsys.readouterr().err
    assert not out.exists()


def replay_scaled(
    track: tuple[Path, SideCamera], tmp_path: Path, scale: float
) -> tuple[int, str, Path]:
    """``replay`` of the track with --meters-per-pixel ``scale`` times its camera's: the exit
    code, the scale as given, and the events file."""
    path, camera = track
    out = tmp_path / "events.jsonl"
    mpp = f"{scale * camera.meters_per_pixel:g}"
    args = ["replay", "--keypoints", str(path), "--meters-per-pixel", mpp, "--events-out", str(out)]
    return main(args), mpp, out


@pytest.mark.parametrize(("scale", "leg"), [(3.0, "2.50 m"), (0.3, "0.25 m")])
def test_a_scale_that_does_not_fit_the_runner_is_refused(
    track, tmp_path: Path, capsys, scale: float, leg: str
) -> None:
    """RBDS001's leg reads 0.83 m: --meters-per-pixel three times too large makes it 2.5 m (a user
    trial's 0.01 showed a 97 cm overstride and 9 m strides), 0.3 times it 0.25 m. The right
    scale passes (``test_replay_with_a_scale_writes_metric_step_events``)."""
    code, mpp, out = replay_scaled(track, tmp_path, scale)
    assert code == 2
    err = capsys.readouterr().err
    assert f"--meters-per-pixel {mpp} makes the runner's leg (hip to ankle) {leg}" in err
    assert "where a runner's is 0.45-1.3 m" in err and "measure it again" in err
    assert not out.exists()


def test_a_scale_that_makes_the_leg_no_adults_judges_by_the_share_of_the_leg(
    track, tmp_path: Path, capsys
) -> None:
    """A user trial's plane, calibrated with a board printed at 70% and its squares given full
    size, made the leg 1.16 m and the overstride 24.5 cm where it was 17.2, and cued "Land under
    your hips" on every step; the share of the leg, which no scale enters, was on target. Here
    RBDS001 (0.83 m) at 1.4 times the scale: what the scale measures is less sure, not told as
    an oblique view's, and the overstride is judged by the share of the leg."""
    code, mpp, out = replay_scaled(track, tmp_path, 1.4)
    assert code == 0
    printed = capsys.readouterr().out
    lines = {line.split()[0] + line.split()[-1]: line for line in printed.splitlines()[1:16]}
    assert lines["overstridesure)"].split()[2] == "cm"
    assert "% leg" in printed and "off square" not in printed
    assert "cue: Good form - keep it up" in printed
    assert f"--meters-per-pixel {mpp} makes the runner's leg 1.1" in printed
    assert "longer than an adult's" in printed
    steps = read_events(out)
    running = [s for s in steps if s.gait == RUNNING and s.view == "near"]
    for metric in ("overstride_cm", "vertical_osc_cm", "stride_length_m"):
        assert all(s.metric_confidence[metric] < CONFIDENT for s in running)
    assert all("overstride_pct_leg" not in s.metric_confidence for s in running)


@pytest.mark.parametrize(("moved_m", "doubted"), [(0.0, False), (-0.03, False), (0.12, True)])
def test_a_plane_the_feet_do_not_stand_on_leaves_its_distances_less_sure(
    mocap_trial, moved_m: float, doubted: bool
) -> None:
    """A user trial's camera moved 40 cm back after its plane was calibrated: every distance
    in metres 13% short, told nothing; the stance ankles stood 22 cm above the calibrated belt,
    where they stand 10-13 cm on a good one. The plane moved by ``moved_m`` (the belt that much
    lower): 12 cm leaves what its scale measures less sure, 3 cm the other way does not. A
    recording's first steps, before the engine could tell, are marked too in hindsight, and the
    note says what to do."""
    camera = SideCamera(facing="right")
    t, kp = synth_track(mocap_trial, 60.0, camera, seed=3)
    shift = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, moved_m], [0.0, 0.0, 1.0]])
    mapping = PlaneMapping(shift @ camera.homography, metric=True)
    engine = GaitEngine(mapping)
    steps = [s for i in range(len(t)) for s in engine.push(float(t[i]), kp[i])]
    later = [s for s in steps if s.ic_t > 3.0 and s.view == "near" and s.gait == RUNNING]
    assert len(later) >= 10
    for s in later:
        assert (s.metric_confidence.get("overstride_cm", 1.0) < CONFIDENT) is doubted
        assert (s.metric_confidence.get("vertical_osc_cm", 1.0) < CONFIDENT) is doubted
        assert "overstride_pct_leg" not in s.metric_confidence
    replayed = [s for s in replay_track(t, kp, mapping, "s") if s.gait == RUNNING]
    marked = [s.metric_confidence.get("vertical_osc_cm", 1.0) < CONFIDENT for s in replayed]
    assert all(marked) if doubted else not any(marked)
    note = scale_doubt(replayed, ("the calibration", "calibrate it again"))
    assert (note is not None and "calibrate the plane again" in note) is doubted


def test_rows_timed_by_frame_number(track, tmp_path: Path, capsys) -> None:
    path, _ = track
    out = tmp_path / "events.jsonl"
    assert main(["replay", "--keypoints", str(path), "--fps", "60", "--events-out", str(out)]) == 0
    steps = read_events(out)
    assert 150 < float(np.median([s.cadence_spm for s in steps if s.cadence_spm])) < 165
    capsys.readouterr()
    # The same frames twice as fast: twice the cadence, a sprint no runner on a treadmill runs,
    # so the rows' time base is held to running's as a video's is: no findings, and exit 2.
    args = ["replay", "--keypoints", str(path), "--fps", "120", "--events-out", str(out)]
    assert main(args) == NO_FINDINGS
    steps = read_events(out)
    assert 300 < float(np.median([s.cadence_spm for s in steps if s.cadence_spm])) < 330
    printed = capsys.readouterr().out
    assert "is not from running at 120 fps (--fps 120): check --fps, or leave it out" in printed
    assert "cue:" not in printed
    # A belt speed given too: the time base is told, not the belt speed that the slow feet
    # seemed to contradict.
    assert main([*args, "--belt-speed", "2.5"]) == NO_FINDINGS
    printed = capsys.readouterr()
    assert "check --fps, or leave it out" in printed.out and "belt speed" not in printed.err


def test_a_slow_motion_track_is_told_to_time_its_rows(track, tmp_path: Path, capsys) -> None:
    """A track of a slow-motion video, its rows timed at the playback rate: the steps of the
    same frames read twice as slow. Told as a video is, with the flag replay takes; and a
    cadence that low could also be steps missed, which is said too."""
    path, _ = track
    out = tmp_path / "events.jsonl"
    args = ["replay", "--keypoints", str(path), "--fps", "30", "--events-out", str(out)]
    assert main(args) == NO_FINDINGS
    printed = capsys.readouterr().out
    assert "not from running at 30 fps (--fps 30): check --fps, or leave it out" in printed
    t, _, kp = read_keypoint_track(path)
    slow = write_track(tmp_path / "slow.csv", 2.0 * t, kp)
    assert main(["replay", "--keypoints", str(slow), "--events-out", str(out)]) == NO_FINDINGS
    printed = capsys.readouterr().out
    assert (
        "not from running at the track's 30 fps: if it is slow motion, time the rows with --fps N"
        " (the rate it was filmed at) (--fps 60 reads 155 steps a minute); if not, steps were"
        " missed: film a runner on a treadmill" in printed
    )
    assert "cue:" not in printed
    # Four rows lost in the middle: the legs' rhythm cannot be read across the hole, which
    # tells nothing against the steps (a review's such tracks had lost the hint).
    middle = np.arange(len(t)) // 4 != len(t) // 8
    holed = write_track(tmp_path / "holed.csv", 2.0 * t[middle], kp[middle])
    assert main(["replay", "--keypoints", str(holed), "--events-out", str(out)]) == NO_FINDINGS
    assert "if it is slow motion, time the rows with --fps N" in capsys.readouterr().out


def test_a_track_without_increasing_times_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kp = np.zeros((3, 17, 3), np.float32)
    path = write_track(tmp_path / "k.csv", np.zeros(3), kp)
    assert main(["replay", "--keypoints", str(path), "--events-out", str(tmp_path / "e")]) == 2
    assert "--fps" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("rows", "fps"), [(0, None), (1, None), (0, "60"), (1, "60")], ids=["0", "1", "0-fps", "1-fps"]
)
def test_a_track_with_too_few_rows_says_how_many_it_has(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: int, fps: str | None
) -> None:
    kp = np.full((rows, 17, 3), 0.9, np.float32)
    path = write_track(tmp_path / "k.csv", np.arange(rows) / 60, kp)
    args = ["replay", "--keypoints", str(path), "--events-out", str(tmp_path / "e")]
    assert main(args + (["--fps", fps] if fps else [])) == 2
    err = capsys.readouterr().err
    plural = "" if rows == 1 else "s"
    assert f"k.csv has {rows} frame row{plural} under its header; at least 2 are needed" in err
    assert "--fps" not in err


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        (lambda text: text.replace(b"\n0.016667,1,", b"\n0.016667,1,\xe9"), "0xE9 on line 3"),
        (lambda _: np.random.default_rng(17).bytes(300), "0xBD on line 1"),
    ],
    ids=["latin-1-byte", "random-bytes"],
)
def test_a_track_that_is_not_utf8_names_the_byte_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad, where: str
) -> None:
    kp = np.full((3, 17, 3), 0.9, np.float32)
    path = write_track(tmp_path / "k.csv", np.arange(3) / 60, kp)
    path.write_bytes(bad(path.read_bytes()))
    assert main(["replay", "--keypoints", str(path), "--events-out", str(tmp_path / "e")]) == 2
    err = capsys.readouterr().err
    assert f"k.csv is not UTF-8 text (byte {where}); a keypoint track is a UTF-8 CSV" in err
    assert "Traceback" not in err


def test_a_track_saved_with_a_byte_order_mark_replays_as_without(track, tmp_path: Path) -> None:
    path, _ = track
    marked = tmp_path / "from-a-spreadsheet.csv"
    marked.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    plain_out, marked_out = tmp_path / "plain.jsonl", tmp_path / "marked.jsonl"
    assert main(["replay", "--keypoints", str(path), "--events-out", str(plain_out)]) == 0
    assert main(["replay", "--keypoints", str(marked), "--events-out", str(marked_out)]) == 0
    assert len(read_events(marked_out)) >= 28
    assert marked_out.read_bytes() == plain_out.read_bytes()


@pytest.mark.parametrize("under_a_file", [False, True], ids=["a-folder", "under-a-file"])
def test_events_out_that_cannot_be_a_file_exits_2(
    track,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    under_a_file: bool,
) -> None:
    path, _ = track
    monkeypatch.setattr("edge.offline.replay.replay_track", never_replayed)
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me", encoding="utf-8")
    out = notes / "e.jsonl" if under_a_file else tmp_path
    assert main(["replay", "--keypoints", str(path), "--events-out", str(out)]) == 2
    captured = capsys.readouterr()
    if under_a_file:
        assert f"cannot write {out}" in captured.err and f"{notes} is a file" in captured.err
    else:
        assert f"--events-out {out} is a folder: give a file path in it" in captured.err
    # Told before the replay runs (a tester's was refused after the whole of it).
    assert "steps" not in captured.out


def never_replayed(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("replayed before --events-out was found unwritable")


def test_events_out_in_a_folder_that_cannot_be_written_exits_2_before_the_replay(
    track, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A path the user may not write is refused before the replay, in a person's words, and a
    writable one leaves no file behind when the replay is refused for another reason."""
    path, _ = track
    monkeypatch.setattr("edge.offline.replay.replay_track", never_replayed)
    out = Path("/proc/replayed.jsonl")
    assert main(["replay", "--keypoints", str(path), "--events-out", str(out)]) == 2
    captured = capsys.readouterr()
    assert f"cannot write {out} (" in captured.err and "a folder you can write" in captured.err
    fresh = tmp_path / "new" / "e.jsonl"
    empty = tmp_path / "empty.csv"
    empty.write_text("t,frame\n", encoding="utf-8")
    assert main(["replay", "--keypoints", str(empty), "--events-out", str(fresh)]) == 2
    assert not fresh.parent.exists()


@pytest.mark.parametrize("facing", ["left", "right"])
def test_facing_is_read_off_the_head_and_else_the_feet(mocap_trial, facing: str) -> None:
    _, kp = synth_track(mocap_trial, 60.0, SideCamera(facing=facing), seed=22)
    assert detect_facing(kp[:300]) == facing
    headless = kp[:300].copy()
    headless[:, :5, 2] = 0.0
    assert detect_facing(headless) == facing
    assert detect_facing(np.zeros((10, 17, 3), np.float32)) is None


def test_a_facing_the_track_contradicts_is_refused_with_the_right_one(
    track, mocap_trial, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = track  # the runner faces left
    args = ["replay", "--keypoints", str(path), "--events-out", str(tmp_path / "e.jsonl")]
    assert main([*args, "--facing", "right"]) == 2
    err = capsys.readouterr().err
    assert "the runner faces left in the image (the belt carries their feet right)" in err
    assert "not right as --facing says: give --facing left, or leave it out" in err
    assert main([*args, "--facing", "left"]) == 0
    # Without the head, the feet alone tell, their motion taken over 1/15 s at any frame rate;
    # a head saying the given way is not overruled.
    for fps in (60.0, 120.0, 240.0):
        t, kp = synth_track(mocap_trial, fps, SideCamera(facing="left"), seed=21)
        keep = t < 6.0
        t, kp = t[keep], kp[keep]
        headless = kp.copy()
        headless[:, :5, 2] = 0.0
        lag = facing_lag(t)
        assert facing_contradicted(headless, "right", lag=lag) == "left", fps
        assert facing_contradicted(headless, "left", lag=lag) is None
        nose_right = kp.copy()
        nose_right[:, 0, 0] = kp[:, 3:5, 0].mean(axis=1) + 10.0
        assert facing_contradicted(nose_right, "right", lag=lag) is None
    # Someone standing (the ankles still but for the keypoints' jitter) overrules nothing, over
    # enough frames that the correlation's bar decides, not the count of motions.
    still = np.tile(headless[:1], (200, 1, 1))
    for seed in range(50):
        jittered = still.copy()
        jittered[..., :2] += np.random.default_rng(seed).normal(0.0, 3.0, still[..., :2].shape)
        assert facing_contradicted(jittered, "right") is None


def test_belt_speed_gives_the_stride_length(track, tmp_path: Path) -> None:
    path, _ = track
    out = tmp_path / "events.jsonl"
    args = ["replay", "--keypoints", str(path), "--events-out", str(out)]
    assert main(args) == 0
    assert all(s.stride_length_m is None for s in read_events(out)), "no scale, no belt speed"
    assert main([*args, "--belt-speed", "2.5"]) == 0
    steps = read_events(out)
    strides = [s.stride_length_m for s in steps if s.stride_length_m is not None]
    cadence = float(np.median([s.cadence_spm for s in steps if s.cadence_spm]))
    # Two steps of the belt: 2.5 m/s x 120 / cadence.
    assert len(strides) >= 0.8 * len(steps)
    assert float(np.median(strides)) == pytest.approx(2.5 * 120 / cadence, rel=0.03)


@pytest.mark.parametrize("belt", [7.0, 1.0])
def test_a_belt_speed_that_does_not_fit_the_feet_is_refused(
    track, tmp_path: Path, capsys, belt: float
) -> None:
    """RBDS001 runs at 2.5 m/s; 7 (km/h given as m/s) makes the leg 2.3 m long, 1 (mph given for
    a slow jog, say) 0.33 m: exit 2, with the units named, and no steps written."""
    path, _ = track
    out = tmp_path / "events.jsonl"
    args = ["replay", "--keypoints", str(path), "--events-out", str(out)]
    assert main([*args, "--belt-speed", f"{belt:g}"]) == 2
    err = capsys.readouterr().err
    assert f"a belt speed of {belt:g} m/s (--belt-speed) does not fit the runner's feet" in err
    if belt > 3:
        assert f"{belt:g} km/h is {belt / 3.6:.2f} m/s" in err
    else:
        assert "km/h" not in err and "slower than this runner's feet move back" in err
    assert not out.exists()


def test_a_belt_speed_in_km_h_is_refused_for_a_walk_too(tmp_path: Path, capsys) -> None:
    """A treadmill walk at 1.1 m/s (gaitalytics, MIT): 4, its km/h given as m/s, makes the leg
    about 3 m long and is refused as for a run (a user trial's 5 for a walk went by without a
    word, its strides 5.5 m); 1.1 gives the strides."""
    camera = SideCamera(facing="right")
    t, kp = synth_track(walking_trial(), 30.0, camera, seed=5)
    path = write_track(tmp_path / "walk.csv", t[t < 10.0], kp[t < 10.0])
    out = tmp_path / "events.jsonl"
    args = ["replay", "--keypoints", str(path), "--events-out", str(out)]
    assert main([*args, "--belt-speed", "4"]) == 2
    err = capsys.readouterr().err
    assert "a belt speed of 4 m/s (--belt-speed) does not fit the runner's feet" in err
    assert "4 km/h is 1.11 m/s" in err and not out.exists()
    assert main([*args, "--belt-speed", "1.1"]) == 0
    strides = [s.stride_length_m for s in read_events(out) if s.stride_length_m]
    assert strides and 1.0 < float(np.median(strides)) < 1.5


@pytest.mark.parametrize(("belt", "doubted"), [(1.6, True), (2.5, False), (3.3, True)])
def test_a_belt_speed_that_makes_the_leg_no_adults_is_doubted_aloud(
    track, tmp_path: Path, capsys, belt: float, doubted: bool
) -> None:
    """RBDS001 runs at 2.5 m/s: 1.6 makes his leg 0.54 m, a child's, and 3.3 1.1 m, both
    within what the belt speed is refused for, and the strides rest on it. A user trial gave
    3.5 for a belt at 5.1, without a word back: the steps are given, with a note."""
    path, _ = track
    out = tmp_path / "events.jsonl"
    args = ["replay", "--keypoints", str(path), "--events-out", str(out), "--belt-speed"]
    assert main([*args, f"{belt:g}"]) == 0
    printed = capsys.readouterr().out
    assert (f"note: a belt speed of {belt:g} m/s (--belt-speed) makes" in printed) is doubted
    if doubted:
        assert "If the runner is an adult, check --belt-speed" in printed


@pytest.mark.parametrize(("share", "doubted"), [(0.62, True), (1.0, False), (1.27, True)])
def test_a_scale_that_makes_the_leg_no_adults_is_doubted_aloud(
    track, tmp_path: Path, capsys, share: float, doubted: bool
) -> None:
    """A user trial's --meters-per-pixel that made a 0.54 m leg went by without a word, where a
    belt speed that made one was doubted: a scale that fits a runner but makes the leg no
    adult's gets the same note; the steps are given."""
    path, camera = track
    out = tmp_path / "events.jsonl"
    mpp = f"{camera.meters_per_pixel * share:.6g}"
    args = ["replay", "--keypoints", str(path), "--events-out", str(out)]
    assert main([*args, "--meters-per-pixel", mpp]) == 0
    printed = capsys.readouterr().out
    assert (f"note: --meters-per-pixel {mpp} makes the runner's leg" in printed) is doubted
    if doubted:
        assert f"if the runner is an adult (0.68-1.02 m), check --meters-per-pixel {mpp}" in printed


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--meters-per-pixel", "0.002", "--calibration", "c.toml"], "give one of them"),
        (["--meters-per-pixel", "0"], "--meters-per-pixel 0: must be > 0"),
        (["--fps", "0"], "--fps 0: must be from 1 to 1000"),
        (["--belt-speed", "-2"], "--belt-speed -2 (metres per second): must be > 0"),
    ],
)
def test_bad_flags_exit_2_and_say_what_to_give(
    track, tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    path, _ = track
    args = ["replay", "--keypoints", str(path), "--events-out", str(tmp_path / "e.jsonl")]
    assert main([*args, *flags]) == 2
    assert message in capsys.readouterr().err


def test_a_track_that_cannot_be_read_is_said_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing track, one under a file and a folder given as one are said in a person's words
    (a tester had the raw "[Errno 2] No such file or directory")."""
    out = tmp_path / "e.jsonl"
    notes = tmp_path / "notes.txt"
    notes.write_text("not a folder", encoding="utf-8")
    for keypoints, message in (
        (tmp_path / "absent.csv", "absent.csv does not exist; check the path"),
        (notes / "k.csv", "does not exist: a folder in its path is a file; check the path"),
        (tmp_path, "is a folder, not a keypoint track: give the keypoints.csv in it"),
    ):
        assert main(["replay", "--keypoints", str(keypoints), "--events-out", str(out)]) == 2
        err = capsys.readouterr().err
        assert message in err and "Errno" not in err


def test_a_flag_given_twice_with_two_values_is_refused(
    track, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """argparse takes a flag's last value without a word; two values are refused."""
    path, _ = track
    args = ["replay", "--keypoints", str(path), "--events-out", str(tmp_path / "e.jsonl")]
    with pytest.raises(SystemExit) as refused:
        main([*args, "--fps", "60", "--fps", "30"])
    assert refused.value.code == 2
    assert "--fps: given twice (60.0, then 30.0): give it once" in capsys.readouterr().err


def test_a_flag_replay_does_not_take_is_told_with_its_usage(
    track, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """analyze's --slowmo given to replay: told with replay's usage, which lists --fps, not the
    top-level one, which lists only the commands."""
    path, _ = track
    args = ["replay", "--keypoints", str(path), "--events-out", str(tmp_path / "e.jsonl")]
    with pytest.raises(SystemExit) as refused:
        main([*args, "--slowmo", "2"])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert "usage: hipdrive replay" in err and "[--fps FPS]" in err
    assert "hipdrive replay: error: unrecognized arguments: --slowmo 2" in err


def test_no_steps_says_how_to_time_the_rows(tmp_path: Path, capsys) -> None:
    path = write_track(tmp_path / "k.csv", np.arange(240) / 60, np.zeros((240, 17, 3), np.float32))
    out = tmp_path / "e.jsonl"
    assert (
        main(["replay", "--keypoints", str(path), "--facing", "left", "--events-out", str(out)])
        == NO_FINDINGS
    )
    printed = capsys.readouterr().out
    assert "no steps found: is a runner in view, side on, the whole time?" in printed
    assert "time the rows with --fps N" in printed and "--capture-fps" not in printed


def test_steps_before_an_oblique_views_yaw_are_rated_as_the_later_ones() -> None:
    """A recording 18 deg off square, uncalibrated: its first three steps came before the
    engine's yaw and read as square. Replayed whole, they are marked less sure on what the yaw
    foreshortens, as the later ones are, so no picture or frame of them carries a verdict. A
    square view's first steps are left as they are."""
    from dataclasses import asdict, replace

    from edge.gait.metrics import OBLIQUE_FACTOR
    from edge.gait.summary import confident
    from edge.offline.replay import rated_in_hindsight
    from tests.test_gait_summary import steps

    marks = {"overstride_pct_leg": OBLIQUE_FACTOR, "shank_angle_ic_deg": OBLIQUE_FACTOR}
    clip = [
        StepMsg(station="s", t=s.ic_t, **asdict(s))
        for s in steps(
            8,
            view="near",
            overstride_cm=None,
            yaw_deg=lambda i: None if i < 3 else -18.0,
            metric_confidence=lambda i: {} if i < 3 else marks,
        )
    ]
    rated = rated_in_hindsight(clip)
    assert not any(confident(s, "overstride_pct_leg") for s in rated)
    sure = clip[0].confidence
    assert rated[0].metric_confidence["overstride_pct_leg"] == round(sure * OBLIQUE_FACTOR, 3)
    # As the engine marked the later ones: not their stride (a belt speed given times it).
    assert "stride_length_m" not in rated[0].metric_confidence
    read_off_the_foot = {**marks, "stride_length_m": OBLIQUE_FACTOR}
    strode = [replace(s, metric_confidence=read_off_the_foot) if s.yaw_deg else s for s in clip]
    assert "stride_length_m" in rated_in_hindsight(strode)[0].metric_confidence
    assert rated[3:] == clip[3:]
    square = [replace(s, metric_confidence={}) for s in clip]
    assert rated_in_hindsight(square) == square


def test_the_printed_cue_is_the_whole_runs_not_one_held_from_before() -> None:
    """A run whose landings go from under the hips to far ahead: its medians miss the overstride
    target at the end, and so does its printed cue, however long a cue is held live (a trial's
    clip printed "Good form ... every target met" beside a report that said off target)."""
    reach = [10.0] * 12 + [40.0] * 13
    steps = [
        messages.step(i, overstride_cm=None, overstride_pct_leg=v, shank_angle_ic_deg=3.0)
        for i, v in enumerate(reach)
    ]
    lines = describe(steps, Targets(hold_steps=50))
    assert any(line.startswith("cue: Land under your hips") for line in lines)
    # The other way: landings far ahead, then under the hips for longer. The whole run's median
    # is back inside, so no cue holds until a margin (a trial's walk-then-run clip printed
    # "Quicker, lighter steps ... the cue holds until 157 spm" beside "Every target met").
    back = [
        messages.step(i, overstride_cm=None, overstride_pct_leg=v, shank_angle_ic_deg=3.0)
        for i, v in enumerate([40.0] * 12 + [19.0] * 13)
    ]
    printed = describe(back, Targets())
    assert not any(line.startswith("cue: Land under your hips") for line in printed), printed


def test_a_difference_within_the_steps_scatter_is_printed_so() -> None:
    """Three steps a foot, contact times two frames apart at 30 fps: the printed left-right
    says it is within the steps' scatter; eight a foot as far apart do not. Eight a foot a
    frame apart (11%) are within what the side camera's view of the far leg makes of them. A
    difference within the 10% target needs no word."""
    for n, apart, why in (
        (6, 66.7, "(within the steps' scatter)"),
        (16, 66.7, None),
        (16, 33.3, "(within the 15% a side camera reads between near and far leg)"),
        (16, 9.0, None),
    ):
        steps = [
            messages.step(i, contact_ms=300.0 - apart if i % 2 == 0 else 300.0 - (i % 4))
            for i in range(n)
        ]
        (line,) = [
            line for line in describe(steps, Targets()) if line.strip().startswith("contact")
        ]
        assert "left-right -" in line
        assert line.endswith(why or "%"), line


def test_steps_missed_in_a_run_are_said() -> None:
    """A run whose landings were found one in two (a user trial's clip darkened tenfold gave 17
    of its 31 steps): said, with how many, and why they may be missing: too few frames a second
    where that was told (a review's clip at 20 frames a second for 3 s had the picture blamed);
    a whole run, or one with a stand of seconds between two stretches, says nothing."""
    run = [messages.step(i) for i in range(40)]
    assert missed_steps(run) is None
    half = [s for i, s in enumerate(run) if i < 4 or i % 4 in (0, 1)]
    note = missed_steps(half)
    assert note is not None and note.startswith("about 16 of the 38 steps run at this cadence")
    assert note.endswith("the figures rest on the 22 found")
    assert "(a dark or blurred picture, the feet hidden or out of it)" in note
    lines = describe(half, Targets())
    assert lines[1] == f"note: {note}"
    few = describe(half, Targets(), too_few="rows")[1]
    assert few == note.replace(
        "(a dark or blurred picture, the feet hidden or out of it)",
        "(too few rows a second, as told)",
    ).replace("about", "note: about", 1)
    stand = [dataclasses.replace(s, ic_t=s.ic_t + 5.0, to_t=s.to_t + 5.0) for s in run[20:]]
    assert missed_steps(run[:20] + stand) is None


def test_a_gait_of_a_step_or_two_gives_no_figures() -> None:
    """A dark clip's one walked step printed a walking cadence of 276 spm (its report:
    ``test_report``)."""
    steps = [messages.walked_step(0), *(messages.step(i + 3) for i in range(12))]
    lines = describe(steps, Targets())
    told = lines.index("walking, 1 step: too few for figures")
    assert not any("spm" in line for line in lines[told:])
    # A user trial's walk began with three steps read as running: their overstride was shown.
    steps = [
        *(messages.step(i) for i in range(3)),
        *(messages.walked_step(i + 4) for i in range(19)),
    ]
    lines = describe(steps, Targets())
    told = lines.index("running, 3 steps: too few for figures")
    assert lines[told + 1] == "walking, 19 steps:"


def test_a_picture_turned_on_its_side_is_said(track) -> None:
    """A clip turned 90 deg (a phone's rotation tag lost): the runner's trunk lies across the
    picture, which is said instead of "steps were missed"; upright, nothing is said."""
    path, _ = track
    _, _, kp = read_keypoint_track(path)
    assert turned_picture(kp) is None
    turned = kp.copy()
    turned[..., 0], turned[..., 1] = kp[..., 1], 1920.0 - kp[..., 0]
    said = turned_picture(turned)
    assert said is not None and said.startswith("the runner's trunk lies 9")
    assert "turned on its side" in said and "Turn it upright, a quarter turn clockwise" in said
    assert "ffmpeg -i IN -vf transpose=1 OUT" in said
    assert not_side_on(turned) == said
    # Turned the other way, or upside down: the turn that undoes it (a user trial was told to
    # turn a clip upright, and not how).
    other = kp.copy()
    other[..., 0], other[..., 1] = 1080.0 - kp[..., 1], kp[..., 0]
    said = turned_picture(other)
    assert said is not None and "a quarter turn anticlockwise" in said and "transpose=2" in said
    upside = kp.copy()
    upside[..., 0], upside[..., 1] = 1080.0 - kp[..., 0], 1920.0 - kp[..., 1]
    said = turned_picture(upside)
    assert said is not None and "turned upside down" in said and "hflip,vflip" in said
    # The lower legs alone: the pose model guesses a trunk it does not see, unsure of it.
    guessed = turned.copy()
    guessed[:, [KP["left_shoulder"], KP["right_shoulder"]], 2] = 0.001
    assert turned_picture(guessed) is None
    # A sprinter crouched in the blocks: the trunk leans far over, the legs stand under it.
    crouched = kp.copy()
    hips = kp[:, [KP["left_hip"], KP["right_hip"]], :2].mean(axis=1)
    for name in ("left_shoulder", "right_shoulder"):
        shoulder = kp[:, KP[name], :2] - hips
        length = np.hypot(*shoulder.T)
        crouched[:, KP[name], 0] = hips[:, 0] + 0.9 * length
        crouched[:, KP[name], 1] = hips[:, 1] - 0.42 * length
    assert turned_picture(crouched) is None


def test_legs_faster_than_running_with_every_other_step_found_are_said(track) -> None:
    """A user trial's --fps 60 for a 30 fps clip: the engine found every other step, at 185 a
    minute, a running cadence, and cued the runner; the legs' own rhythm, twice that, is faster
    than running's and says the time base is wrong. A sprint's steps, found at the legs'
    rhythm, are the time base check's; a track's legs at a running rhythm say nothing."""
    path, _ = track
    t, _, kp = read_keypoint_track(path)
    assert legs_off_pace(t, kp, [], 60.0, None, track=True) is None
    halved = [messages.step(i, cadence_spm=185.0) for i in range(12)]
    said = legs_off_pace(t / 2.4, kp, halved, 144.0, "--fps 144", track=True)
    assert said is not None and said.startswith("the legs step 37")
    assert said.endswith(
        "times a minute at 144 fps (--fps 144), faster than the running the station measures "
        "(120-240); the steps found, 185 a minute, every other one: check --fps, or leave it "
        "out; no findings or cues are given"
    )
    assert no_findings(halved, t / 2.4, kp, 144.0, "--fps 144", track=True) == said
    slower = [messages.step(i, cadence_spm=160.0) for i in range(12)]
    third = legs_off_pace(t / 3.0, kp, slower, 180.0, "--fps 180", track=True)
    assert third is not None and "the steps found, 160 a minute, one in 3" in third
    sprint = [messages.step(i, cadence_spm=370.0) for i in range(12)]
    assert legs_off_pace(t / 2.4, kp, sprint, 144.0, "--fps 144", track=True) is None
    video = legs_off_pace(t / 2.4, kp, [], 144.0, None, track=False)
    assert video is not None and "at the video's 144 fps" in video
    # Not slow motion: a container stating too high a rate, which --fps puts right.
    assert "if it plays faster than it was filmed, give --fps N (the rate filmed at)" in video


def hips_apart(kp: np.ndarray, legs: float) -> np.ndarray:
    """A copy of a track ((T, 17, 3)) whose hips lie ``legs`` leg lengths apart across the
    picture, about their middle, as a runner facing the camera shows them."""
    left, right = KP["left_hip"], KP["right_hip"]
    mid = kp[:, [left, right], 0].mean(axis=1)
    leg = np.median(np.hypot(*(kp[:, left, :2] - kp[:, KP["left_ankle"], :2]).T))
    apart = kp.copy()
    for hip, side in ((left, -0.5), (right, 0.5)):
        apart[:, hip, 0] = mid + side * legs * leg
    return apart


def test_a_runner_filmed_from_the_front_is_said(track, tmp_path: Path, capsys) -> None:
    """Real clips of a runner coming towards the camera had been offered slow motion, or told
    steps were missed: a runner whose hips lie apart across the picture faces the camera or
    away from it, which is said; side on, nothing is."""
    path, _ = track
    t, _, kp = read_keypoint_track(path)
    assert facing_the_camera(kp) is None
    front = hips_apart(kp, 0.26)
    said = facing_the_camera(front)
    assert said is not None and said.startswith("the runner's hips are 26% of a leg's length")
    assert "faces the camera or away from it" in said and "film them from the side" in said
    assert facing_the_camera(hips_apart(kp, 0.18)) is None
    # replay gives no steps for it, as analyze does, and says why.
    path = write_track(tmp_path / "front.csv", t, front)
    out = tmp_path / "front.jsonl"
    assert main(["replay", "--keypoints", str(path), "--events-out", str(out)]) == NO_FINDINGS
    assert f"0 steps: {said}" in capsys.readouterr().out and read_events(out) == []


def test_the_legs_alone_are_said(track, tmp_path: Path, capsys) -> None:
    """A user trial's treadmill clip of the lower legs alone, from behind: the pose model put
    the hips on the calves, 0.04 sure, and the runner was "found in 58 of 58 frames", then told
    to give --facing, then that no steps were found. Hips the model is sure of in under a fifth
    of the frames are said: only part of a person is in the picture. A runner whose hips are
    unsure in half the frames is measured."""
    path, _ = track
    t, _, kp = read_keypoint_track(path)
    assert body_unseen(kp) is None
    legs = kp.copy()
    legs[:, : KP["left_knee"], 2] = 0.04
    said = body_unseen(legs)
    assert said is not None
    assert said.startswith("the pose model was sure of the runner's hips in 0%")
    assert "only part of a person is in the picture" in said and "head to feet" in said
    half = kp.copy()
    half[::2, : KP["left_knee"], 2] = 0.04
    assert body_unseen(half) is None
    # replay gives no steps for it, as analyze does, and says why (not "give --facing").
    path = write_track(tmp_path / "legs.csv", t, legs)
    out = tmp_path / "legs.jsonl"
    assert main(["replay", "--keypoints", str(path), "--events-out", str(out)]) == NO_FINDINGS
    assert f"0 steps: {said}" in capsys.readouterr().out and read_events(out) == []


def test_the_legs_alone_are_said_before_a_front_view_their_few_hips_show(
    track, tmp_path: Path, capsys
) -> None:
    """A review found a track whose hips were sure in a few frames, far apart, told "faces the
    camera" by analyze and replay and "the legs alone" by a file's run: all ask
    ``not_side_on``, the legs alone first, as what the picture lacks comes before what its few
    hips show."""
    path, _ = track
    t, _, kp = read_keypoint_track(path)
    few = hips_apart(kp, 0.26)
    unsure = np.arange(len(few)) % 7 != 0
    few[np.ix_(unsure, [KP["left_hip"], KP["right_hip"]], [2])] = 0.04
    assert facing_the_camera(few) is not None
    said = body_unseen(few)
    assert said is not None and said.startswith(
        "the pose model was sure of the runner's hips in 14%"
    )
    assert not_side_on(few) == said
    path = write_track(tmp_path / "few.csv", t, few)
    out = tmp_path / "few.jsonl"
    assert main(["replay", "--keypoints", str(path), "--events-out", str(out)]) == NO_FINDINGS
    assert f"0 steps: {said}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("belt", "refused"), [(2.5, False), (2.9, False), (4.0, True), (1.5, True)]
)
def test_a_belt_speed_is_held_to_the_feet_in_metres_with_a_scale(
    track, tmp_path: Path, capsys, belt: float, refused: bool
) -> None:
    """RBDS001 at 2.5 m/s with the camera's scale: the feet give the belt's speed, and one
    given more than 1.3 times off it is refused (a trial's 4.5 beside feet at 2.6 m/s gave 3.2 m
    strides), naming both, as either may be the wrong one; near it, as a treadmill's display
    may be, it is taken."""
    path, camera = track
    out = tmp_path / "events.jsonl"
    args = ["replay", "--keypoints", str(path), "--events-out", str(out)]
    args += ["--meters-per-pixel", f"{camera.meters_per_pixel:g}", "--belt-speed", f"{belt:g}"]
    assert main(args) == (2 if refused else 0)
    err = capsys.readouterr().err
    mpp = f"{camera.meters_per_pixel:g}"
    said = f"a belt speed of {belt:g} m/s (--belt-speed) and --meters-per-pixel {mpp} do not agree"
    assert (said in err) is refused, err
    if refused:
        assert "by the scale the runner's feet move back at 2.5" in err
        assert "One of the two is wrong: give the belt's speed in m/s with --belt-speed" in err
        assert f"or measure it again ({MPP_HOW})" in err


def test_a_long_run_is_described_whole() -> None:
    """An hour's steps: the printout's left/right comparison took no float of a huge binomial
    (1 030 steps and more raised OverflowError); its whole-run cue is summarised once (fed step
    by step, 1 000 steps had taken 5 s, an hour's would take minutes)."""
    steps = [
        messages.step(
            i,
            contact_ms=240.0 + 3.0 * (i % 7),
            hip_extension_deg=8.0,
            overstride_cm=17.5,
            shank_angle_ic_deg=3.0,
        )
        for i in range(10_000)
    ]
    lines = describe(steps, Targets())
    assert any(line.startswith("cue: Drive the hip back") for line in lines), lines


def test_a_whole_run_with_a_figure_sure_on_two_steps_is_not_fully_judged() -> None:
    """A run whose overstride was measured surely on two steps only (an oblique clip's near leg
    now and then): its verdict is "Form not fully judged", not "film a longer run", which a
    longer oblique clip would not mend (a review's real clip, Overstride_9)."""
    unsure = {"overstride_cm": 0.1, "overstride_pct_leg": 0.1}
    steps = [
        messages.step(i, shank_angle_ic_deg=3.0, metric_confidence={} if i in (5, 9) else unsure)
        for i in range(24)
    ]
    lines = describe(steps, Targets())
    said = "cue: Form not fully judged (overstride measured less surely"
    assert lines[-1].startswith(said), lines


def test_a_belt_speed_with_a_scale_but_no_leg_to_read_is_held_in_legs() -> None:
    """A scale given, but too few steps to read the leg in metres from: a km/h value given as
    m/s is still refused by the leg it would make (a review found it passed)."""
    steps = [messages.step(i, overstride_cm=None, speed_legs_per_s=3.0) for i in range(20)]
    scale = ("--meters-per-pixel 0.003", "measure it again")
    said = belt_speed_problem(steps, 10.0, "--belt-speed", (leg_metres(steps), scale))
    assert said is not None and "so a leg would be 3.33 m long" in said


def test_slow_motion_with_no_step_found_is_told_by_the_legs_rhythm(
    mocap_trial, tmp_path: Path, capsys
) -> None:
    """A run filmed at 240 fps and played at 30 (x8): the engine, its windows set in real time,
    finds no step, but the feet's spread repeats at 19.5 steps a minute, and the factors that
    make it running are named; a runner standing still gives no rhythm."""
    t, kp = synth_track(mocap_trial, 240.0, SideCamera(facing="left"), seed=26)
    keep = t < 4.0
    played = t[keep] * 8.0
    path = write_track(tmp_path / "slow.csv", played, kp[keep])
    out = tmp_path / "events.jsonl"
    assert main(["replay", "--keypoints", str(path), "--events-out", str(out)]) == NO_FINDINGS
    printed = capsys.readouterr().out
    assert "0 steps: the legs step 20 times a minute at the track's 30 rows a second" in printed
    assert "(--fps 200 reads 13" in printed
    assert "--fps 240 reads 157, --fps 300 reads 196 steps a minute)" in printed
    rhythm = leg_rhythm(played, kp[keep])
    assert rhythm == pytest.approx(mocap_trial_cadence(mocap_trial) / 8.0, rel=0.03)
    still = np.repeat(kp[:1], len(played), axis=0)
    assert leg_rhythm(played, still) is None
    # Standing, shifting a foot 10 px to and fro every 4 s: no step's spread (a review's sway
    # was read as 15 steps a minute of slow motion).
    still[:, KP["left_ankle"], 0] += 5.0 * np.sin(2 * np.pi * played / 4.0)
    assert leg_rhythm(played, still) is None
    said = no_findings([], played, still, 30.0, None, track=True) or ""
    assert "slow" not in said and "the person was not running or walking side on" in said
    # A camera 60 deg off square: the spread repeats once a stride, and is not read.
    t, kp = synth_track(mocap_trial, 90.0, SideCamera(facing="left", yaw_deg=60.0), seed=3)
    assert leg_rhythm(3.0 * t[t < 10.0], kp[t < 10.0]) is None


def phone_slowmo(
    trial: MocapTrial, start: float, stop: float, end: float
) -> tuple[np.ndarray, np.ndarray]:
    """A track of ``trial`` filmed at 120 fps as a phone's x4 slow motion plays it: at real
    speed (every fourth frame) before ``start`` s and from ``stop`` to ``end``, every frame
    between, each played four times slower; (T,) played times and (T, 17, 3) keypoints."""
    t, kp = synth_track(trial, 120.0, SideCamera(facing="left"), seed=5)
    real = (np.arange(len(t)) % 4 == 0) & ((t < start) | (t >= stop) & (t < end))
    keep = real | (t >= start) & (t < stop)
    slowed = start + 4.0 * (t - start)
    played = np.where(t < start, t, np.where(t < stop, slowed, t + 3.0 * (stop - start)))
    return played[keep], kp[keep]


def test_a_slowed_part_between_steps_at_real_speed_is_told_with_the_flags_that_measure_it(
    mocap_trial, tmp_path: Path, capsys
) -> None:
    """A phone's slow-motion clip, its ramps set in it as it is shared, plays its first and last
    moments at real speed and slows the rest: the render of a runner at 120 fps so made gave 6
    steps at real speed and read the 20 s between as standing, with no word of slow motion. The
    part is told, with the factor that brings its legs to the steps about it and its window; a
    run at real speed throughout, or a stand, tells nothing. Its track replayed is told so too,
    with analyze's flags (its replay had given findings)."""
    played, kept = phone_slowmo(mocap_trial, 2.0, 7.0, 9.0)
    path = write_track(tmp_path / "ramps.csv", played, kept)
    out = tmp_path / "events.jsonl"
    assert main(["replay", "--keypoints", str(path), "--events-out", str(out)]) == NO_FINDINGS
    assert "analyze with --slowmo 4 --start 1.8 --end 22.3 measures it" in capsys.readouterr().out
    steps = read_events(out)
    assert steps and all(s.ic_t < 2.0 or s.ic_t > 22.0 for s in steps)
    said = slowed_part(played, kept, steps, 30.0, window=True)
    assert said == (
        "from 1.8 to 22.3 s no step was found while the legs stepped 39 times a minute, slower "
        "than any walk or run: if that part is slow motion (a phone's slow-motion clip plays its "
        "ends at real speed), --slowmo 4 --start 1.8 --end 22.3 measures it (157 steps a minute, "
        "the steps about it 156); no findings or cues are given from the steps about it, timed "
        "across a change of speed"
    )
    unwindowed = slowed_part(played, kept, steps, 30.0, window=False)
    assert unwindowed is not None and "--start" not in unwindowed
    # Rows timed by --fps are not the video's seconds: the part is named to be measured alone
    # (a review's replay --fps was told "analyze with --slowmo 4 measures it", of the whole clip).
    args = ["replay", "--keypoints", str(path), "--events-out", str(out), "--fps", "30"]
    assert main(args) == NO_FINDINGS
    assert "analyze with --slowmo 4 over that part alone measures it" in capsys.readouterr().out
    t, kp = synth_track(mocap_trial, 120.0, SideCamera(facing="left"), seed=5)
    steady = tmp_path / "steady.jsonl"
    main(
        [
            "replay",
            "--keypoints",
            str(write_track(tmp_path / "s.csv", t, kp)),
            "--events-out",
            str(steady),
        ]
    )
    assert slowed_part(t, kp, read_events(steady), 120.0, window=True) is None
    still = np.repeat(kp[:1], len(played), axis=0)
    assert slowed_part(played, still, steps, 30.0, window=True) is None


@pytest.mark.parametrize(
    ("real_s", "slowed", "says"),
    [
        # A phone's short slow motion: 1 s at real speed, 2.25 s slowed x4 (9 s played), 1 s.
        ((1.0, 3.25, 4.25), "", "--slowmo 4 --start 1.1 --end 10.2 measures it"),
        # 1.5 s slowed between 2.5 s and 4.5 s at real speed: too short alone, its ends are not.
        (
            (2.5, 4.0),
            "",
            "slowed 4 times it reads 160 steps a minute (the steps about it 156), but it holds "
            "1.68 s of running, too short to measure alone (2 s at least): measure the parts at "
            "real speed about it alone (--start 0.0 --end 2.1; --start 8.8)",
        ),
        # The same with 1 s at real speed after it: nothing long enough to measure.
        ((2.0, 3.5, 4.5), "", "film a longer slow-motion part, or at real speed"),
        # Legs stepping 29 times a minute there (x5.3): no factor brings them to the run's.
        ((2.0, 4.0), "x5.3", None),
        # The same x4 to the end, no step after it: a runner slowing to a stop may step so.
        ((2.0, 3.5, 3.5), "", None),
    ],
)
def test_a_short_slowed_part_is_told_by_fewer_strides_where_a_factor_fits(
    mocap_trial, real_s: tuple[float, ...], slowed: str, says: str | None
) -> None:
    """A part slowed under three strides (8 s played at x4, where three strides take 9.2) had
    been read "standing or off the belt", figures given from the steps about it (a render of a
    phone's slow motion, 1 s, 2 s slowed x4 and 1 s): it is read over one and a half strides
    where a slow-motion factor brings it to the steps about it, and where it holds too little
    running to measure alone (``MIN_RUN_S``), the parts at real speed about it are named, those
    long enough (a render so made had been pointed to a window analyze refused as too short).
    Legs that move slowly and match no factor of the run are told nothing so."""
    t, kp = synth_track(mocap_trial, 120.0, SideCamera(facing="left"), seed=5)
    start, end, *after = real_s
    stop = after[0] if after else 8.0
    real = (np.arange(len(t)) % 4 == 0) & ((t < start) | (t >= end) & (t < stop))
    keep = real | (t >= start) & (t < end)
    later = t + 3.0 * (end - start)
    played = np.where(t < start, t, np.where(t < end, start + 4.0 * (t - start), later))[keep]
    kp = kp[keep].copy()
    if slowed:
        # The part's frames show the legs 5.3 times slower than real, not 4.
        index = np.flatnonzero((played >= start) & (played < start + 4.0 * (end - start)))
        kp[index] = kp[index[0] + np.round((index - index[0]) * 4.0 / 5.3).astype(int)]
    replayed = replay_track(played, kp, PlaneMapping.scaled("left"), "s")
    said = slowed_part(played, kp, replayed, 30.0, window=True)
    if says is None:
        assert said is None
        return
    assert said is not None and says in said, said
    assert "no findings or cues are given from the steps about it" in said
    # A file's run reads the frames since the last step, the file playing on: the same part and
    # advice, the part after it to the file's end (a review's run had been told to film again).
    ic = next(s.ic_t for s in replayed if s.ic_t > start + 1.0)
    gap = (played >= max(s.to_t for s in replayed if s.ic_t < start + 1.0)) & (played <= ic)
    live = slowed_part(
        played[gap], kp[gap], replayed, 30.0, window=True, span=(float(played[0]), np.inf)
    )
    assert live == said or "film a longer" in said
    # A track replayed names analyze's flags, not flags replay does not have.
    tracked = slowed_part(played, kp, replayed, 30.0, window=True, track=True) or ""
    assert ("analyze with --" in tracked) != ("film a longer" in said), tracked


def test_the_legs_rhythm_is_read_across_frames_left_out(track) -> None:
    """A station that drops frames it cannot keep up with, or a file's repeated frames left
    out: the rhythm is read on the usual frame interval across them, as on every frame; not
    across a gap longer than a step at twice the real rate."""
    path, _ = track
    t, _, kp = read_keypoint_track(path)
    whole = leg_rhythm(t, kp)
    assert whole is not None and 150.0 < whole < 190.0
    kept = np.arange(len(t)) % 5 < 3  # two frames of five dropped: gaps of 1 and 3 intervals
    assert leg_rhythm(t[kept], kp[kept]) == pytest.approx(whole, rel=0.03)
    gap = (t < 5.0) | (t > 5.2)
    assert leg_rhythm(t[gap], kp[gap]) is None
    # Rows further apart than that are read on their own interval: the track timed as 8 fps.
    slowed = leg_rhythm(7.5 * t, kp)
    assert slowed is not None and slowed == pytest.approx(whole / 7.5, rel=0.03)
    bursts = np.sort(np.concatenate([t, t + 1e-4]))  # rows in pairs: no frame interval
    assert leg_rhythm(bursts, np.repeat(kp, 2, axis=0)) is None


def mocap_trial_cadence(trial) -> float:
    """The trial's steps a minute, from its force plate's landings."""
    return 60.0 / float(np.median(np.diff(trial.ic)))


def test_steps_that_stand_alone_are_too_few_to_judge() -> None:
    """Five steps, none timed from a step before it: a user trial's woman walking away from the
    camera in a shop, lost between her steps, had been judged and cued to land under the hips.
    Five in a row are judged."""
    alone = [
        messages.step(i, ic_t=10.0 + 4.0 * i, cadence_spm=None, step_ms=None) for i in range(5)
    ]
    said = too_few_steps(alone, seen_s=23.0)
    assert said is not None
    assert said.startswith("none of them follows another, as a run's or a walk's steps do")
    assert "(4 in a row at least)" in said and "no findings or cues are given" in said
    # A step timed from a landing that is not among the steps stands alone too.
    two = [*alone[:3], messages.step(5), messages.step(6)]
    assert "only 2 of them are in a row" in (too_few_steps(two) or "")
    # A run's first step is timed from none, but the step after it is timed from it.
    assert too_few_steps([messages.step(i) for i in range(4)]) is None
    # Two steps landing together, each counted.
    assert in_a_row([messages.step(0), messages.step(1), messages.step(1), messages.step(2)]) == 4


def test_drills_in_view_are_told_their_steps_stand_alone_not_slow_motion() -> None:
    """A user trial's warm-up drills (knee drives, reaches, glute circles: no step run): seven
    "steps", one timed from another at 89 steps a minute, none with a flight. They had been
    told they might be slow motion, "--slowmo 2 reads 177 steps a minute", from that one step;
    squats in view for 25 s, with no step, asked whether a runner was in view the whole time."""
    drills = [
        messages.step(i, ic_t=1.5 * i, contact_ms=400.0, flight_ms=None, step_ms=None)
        for i in range(7)
    ]
    drills[1] = dataclasses.replace(drills[1], step_ms=677.0, cadence_spm=88.6)
    assert timebase_problem(drills, 30.0) is None
    said = too_few_steps(drills, seen_s=24.0)
    assert said is not None and "stands alone" in said and "slow" not in said
    squats = too_few_steps([], seen_s=25.0)
    assert squats is not None and "was not running or walking side on" in squats
    assert too_few_steps([], seen_s=2.0) is None  # a glimpse: "no steps found" (``describe``)
    # Their legs may swap front and back as slowly as a slow-motion runner's (45 a minute, a
    # review's track): seven lone steps are still told they stand alone, where a slow-motion
    # clip's three are told of its legs' rhythm.
    t = np.arange(720) / 30.0
    kp = np.zeros((len(t), 17, 3), np.float32)
    kp[..., 2] = 0.9
    kp[:, :, 0], kp[:, :, 1] = 300.0, 200.0
    kp[:, [KP["left_knee"], KP["right_knee"]], 1] = 250.0
    swing = 35.0 * np.sin(2 * np.pi * (45.0 / 120.0) * t)
    kp[:, KP["left_ankle"], 0] = 300.0 + swing
    kp[:, KP["right_ankle"], 0] = 300.0 - swing
    kp[:, [KP["left_ankle"], KP["right_ankle"]], 1] = 300.0
    kp[:, :, :2] += np.random.default_rng(0).normal(size=kp[:, :, :2].shape)
    said = no_findings(drills, t, kp, 30.0) or ""
    assert "stands alone" in said and "slow" not in said, said
    said = no_findings(drills[:3], t, kp, 30.0) or ""
    assert "slower than any walk or run: if it is slow motion" in said, said


def test_a_contact_unlike_the_runners_is_no_sure_contact_time() -> None:
    """A real clip's contact cut short, 155 ms among the same runner's 250-305, had been shown
    as sure. Live, once four running steps are known (both feet's), a contact 30% or more off
    their median has its timed figures marked less sure; the steps like the runner's keep theirs,
    and a walk's are not held to a run's."""
    from edge.gait.metrics import CONTACT_TIMED
    from edge.gait.summary import confident
    from edge.offline.replay import step_of

    contacts = [270.0, 262.0, 281.0, 268.0, 274.0, 265.0, 155.0, 272.0, 340.0, 180.0]
    steps = [
        step_of(messages.step(2 * i, contact_ms=ms, gait="running"))
        for i, ms in enumerate(contacts)
    ]
    engine = GaitEngine(PlaneMapping.scaled("right", 0.002))
    out = engine._held_to_the_runner(steps)
    sure = [confident(s, "contact_ms") for s in out]
    assert sure == [True] * 6 + [False, True, True, False]  # 340: 26% off 270, within
    assert all(not confident(out[6], name) for name in CONTACT_TIMED)
    walked = step_of(messages.step(40, contact_ms=700.0, gait="walking"))
    assert confident(engine._held_to_the_runner([walked])[0], "contact_ms")


def test_a_thigh_drawn_forward_at_toe_off_is_no_sure_hip_extension(mocap_trial) -> None:
    """A real clip's pose model lost the rear leg at one toe-off and drew both thighs forward:
    -10.7 deg of hip extension among steps of 16-26, shown as a sure figure off target. A step
    whose hip extension is unlike its foot's other steps (12 deg from their median) gets its
    stance thigh at toe-off marked less sure: live once four of the foot's steps are known,
    and in hindsight (a replayed recording) from the first step on. The other steps keep
    theirs."""
    from edge.gait.metrics import THIGH_AT_TOE_OFF
    from edge.gait.sagittal import PlaneMapping
    from edge.gait.summary import confident
    from edge.offline.replay import replay_track
    from tests.builders.keypoint_tracks import truth_events
    from tests.gait_accuracy import replay

    camera = SideCamera(facing="right")
    t, kp = synth_track(mocap_trial, 60.0, camera, swap_fraction=0.0, seed=3)
    mapping = PlaneMapping.scaled("right", camera.meters_per_pixel)
    clean = replay_track(t, kp, mapping, "s")
    near = [e for e in truth_events(mocap_trial) if e["foot"] == "right"]
    faulty = [near[1], near[12]]  # the foot's second step, and one well into the run
    hip, knee = KP["right_hip"], KP["right_knee"]
    for step in faulty:
        at = np.abs(t - step["to_t"]) <= 0.05
        kp[at, knee, 0] = 2 * kp[at, hip, 0] - kp[at, knee, 0]  # the thigh drawn forward

    def rated(steps: list) -> dict[float, bool]:
        return {
            s.ic_t: confident(s, "hip_extension_deg")
            for s in steps
            if s.foot == "right" and s.hip_extension_deg is not None
        }

    def of(ratings: dict[float, bool], step: dict) -> bool:
        (sure,) = [v for ic, v in ratings.items() if abs(ic - step["ic_t"]) < 0.06]
        return sure

    live = rated(replay(t, kp, mapping))
    assert of(live, faulty[1]) is False and of(live, faulty[0]) is True
    whole = replay_track(t, kp, mapping, "s")
    hindsight = rated(whole)
    assert not of(hindsight, faulty[0]) and not of(hindsight, faulty[1])
    # Every other step as it was (the first is less sure before the view is known).
    assert sum(hindsight.values()) == sum(rated(clean).values()) - 2
    second = next(s for s in whole if abs(s.ic_t - faulty[0]["ic_t"]) < 0.06)
    assert all(not confident(second, name) for name in THIGH_AT_TOE_OFF)


def test_analyze_rates_the_steps_whose_feet_were_out_of_its_video_less_surely(
    mocap_trial,
) -> None:
    """analyze's steps from a video whose runner's feet were unseen for its last 6 s (both
    ankles less sure than ``FEET_UNSEEN``, still over the engine's least) or below its picture
    (``replay_steps`` given the picture's size, as ``AnalysisResult`` has it): those steps'
    figures at and between their events are less sure, the steps before them are not, nor is
    any where the size is not known (a track replayed)."""
    from edge.commands.analyze import replay_steps
    from edge.config import Config
    from edge.gait.summary import confident

    camera = SideCamera(facing="right")
    t, kp = synth_track(mocap_trial, 60.0, camera, seed=3)
    kp = kp[t < 12.0]
    t = t[t < 12.0]
    kp[t >= 6.0, KP["left_ankle"] : KP["right_ankle"] + 1, 2] = 0.25
    config = Config()
    ankles = kp[:, KP["left_ankle"] : KP["right_ankle"] + 1, 1]
    below = int(np.nanmin(ankles[t < 6.0])) - 5  # a picture that cuts the feet off
    unseen = replay_steps(config, t, kp, None, None, "right", picture=(1080, 1920))
    cut = replay_steps(config, t, kp, None, None, "right", picture=(below, 1920))
    unknown = replay_steps(config, t, kp, None, None, "right")

    def sure(steps: list, late: bool) -> list[bool]:
        return [
            confident(s, name)
            for s in steps
            if (s.ic_t > 6.0 if late else 1.5 < s.to_t < 5.9)
            for name in ("contact_ms", "hip_extension_deg", "speed_legs_per_s")
            if s.view == "near"
        ]

    assert sure(unknown, late=True) and all(sure(unknown, late=True))
    assert sure(unseen, late=True) and not any(sure(unseen, late=True))
    assert sure(unseen, late=False) == sure(unknown, late=False)
    assert all(sure(unknown, late=False)) and not any(sure(cut, late=False))
    # A square camera: the feet are not read as an oblique view's (a review's was told to
    # calibrate it), in the printed summary or its cue.
    said = "\n".join(describe(cut, Targets()))
    assert "off square" not in said and "calibrate" not in said, said


def test_replay_given_the_picture_rates_the_feet_out_of_it_as_analyze_does(
    track, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A track replayed with ``--picture WxH`` (analyze prints it in its replay command) has its
    steps whose runner's feet were below the picture rated less sure, and says so, as analyze
    does: a user trial's replay of a clip whose feet were hidden in 70% of its frames had cued
    "Quicker, lighter steps" where analyze gave no cue. Without it, or with the feet in the
    picture, nothing is said of them (the picture still places the camera's axis, which moves
    the yaw read: ``PlaneMapping.sight_deg``); a size that is none is refused."""
    from edge.gait.summary import confident

    path, _ = track
    _, _, kp = read_keypoint_track(path)
    below = int(np.nanmin(kp[:, KP["left_ankle"] : KP["right_ankle"] + 1, 1])) - 5
    out = tmp_path / "events.jsonl"
    base = ["replay", "--keypoints", str(path), "--events-out", str(out)]
    printed = {}
    for name, extra in (
        ("cut", ["--picture", f"1920x{below}"]),
        ("whole", ["--picture", "1920x1080"]),
        ("none", []),
    ):
        main(base + extra)
        printed[name] = (capsys.readouterr().out, read_events(out))
    said, steps = printed["cut"]
    assert "note: a foot was out of the picture, or neither was seen, in 100% of the frames" in said
    assert steps and not any(confident(s, "contact_ms") for s in steps)
    for name in ("whole", "none"):
        said, steps = printed[name]
        assert "out of the picture" not in said and any(confident(s, "contact_ms") for s in steps)
    rated = {
        name: [confident(s, "contact_ms") for s in steps] for name, (_, steps) in printed.items()
    }
    assert rated["whole"] == rated["none"]
    with pytest.raises(SystemExit):
        main([*base, "--picture", "1920by1080"])
    assert "is no picture size: give width x height in pixels" in capsys.readouterr().err
    # A size the track does not fit (the runner's hips outside it) is refused.
    assert main([*base, "--picture", "200x100"]) == 2
    assert "hips lie outside a 200x100 picture in 100% of the rows" in capsys.readouterr().err
    # No ankle seen at all: no step, and that is why, not slow motion (a review).
    feetless = kp.copy()
    feetless[:, KP["left_ankle"] : KP["right_ankle"] + 1] = (np.nan, np.nan, 0.0)
    t, _, _ = read_keypoint_track(path)
    unseen = write_track(tmp_path / "feetless.csv", t, feetless)
    args = ["replay", "--keypoints", str(unseen), "--events-out", str(out)]
    assert main([*args, "--picture", "1920x1080"]) == NO_FINDINGS
    said = capsys.readouterr().out
    assert "no steps found: the feet were not seen (the note above); film the whole" in said
    assert "slow motion" not in said


def test_an_oblique_uncalibrated_view_is_said_in_the_printed_summary() -> None:
    """A user trial's terminal said "Good form" with no word of the camera 12 deg off square
    that the report warned of: the printed summary carries the report's note."""
    far = {"overstride_pct_leg": 0.3, "stride_length_m": 0.3}
    reaching = {"overstride_cm": None, "overstride_pct_leg": 30.0, "yaw_deg": -21.6}
    oblique = describe(
        [messages.step(i, metric_confidence=far, **reaching) for i in range(12)], Targets()
    )
    (note,) = [line for line in oblique if line.startswith("note: The camera")]
    assert "about 22° off square to the belt and not calibrated" in note
    assert "no verdict or finding rests on it" in note
    square = describe([messages.step(i, **reaching) for i in range(12)], Targets())
    assert not any("off square" in line for line in square)


def test_a_change_of_pace_is_no_fault_of_the_pose_model() -> None:
    """Hip extension moves with the pace (RBDS002: 20.3 deg at 2.5 m/s, 35.8 at 4.5): a runner
    who speeds up is caught up with, live after three steps of each foot and in hindsight at
    once, not doubted for the rest of the run against the slower steps. A session's first
    steps, when they are the pose model's faults, cannot be told live (the good steps after
    them are doubted until they outvote them), and are doubted in hindsight."""
    from dataclasses import asdict

    from edge.gait import GaitEngine, PlaneMapping
    from edge.gait.summary import confident
    from edge.offline.replay import rated_in_hindsight
    from tests.test_gait_summary import steps

    def doubted(rated: list) -> list[int]:
        return [i for i, s in enumerate(rated) if not confident(s, "hip_extension_deg")]

    faults = [-8.0, -9.0, -10.0] * 3
    for hips, live, hindsight in (
        ([20.0] * 20 + [36.0] * 20, list(range(20, 26)), []),
        (faults[:8] + [20.0] * 20, list(range(8, 16)), list(range(10))),
    ):
        run = steps(len(hips), hip_extension_deg=lambda i, h=hips: h[i])
        assert doubted(GaitEngine(PlaneMapping.scaled("right"))._held_to_the_runner(run)) == live
        replayed = [StepMsg(station="s", t=s.ic_t, **asdict(s)) for s in run]
        assert doubted(rated_in_hindsight(replayed)) == hindsight


def test_feet_named_the_same_twice_in_a_row_are_said_and_not_compared() -> None:
    """A user trial's carried camera: two steps in a row named the same foot, one step apart.
    Analyze gives no left/right difference and says why, once."""
    feet = [("left", "right")[(i + (i >= 10)) % 2] for i in range(20)]
    ran = [
        messages.step(i, foot=foot, gait="running", contact_ms=230.0 + 60 * (i % 2))
        for i, foot in enumerate(feet)
    ]
    said = describe(ran, Targets())
    assert not any("left-right" in line for line in said), said
    assert (
        sum(line.startswith("note: two steps in a row were named the same foot") for line in said)
        == 1
    )
    steady = describe([messages.step(i, gait="running") for i in range(20)], Targets())
    assert not any("named the same foot" in line for line in steady)


def test_rows_too_few_a_second_are_refused_or_time_their_steps_less_surely(
    track, tmp_path: Path, capsys
) -> None:
    """A track of 20 rows a second, by its times or by --fps, is refused as a video of 20 fps
    is (a track so thinned read its contacts 33 ms long with every verdict sure). One whose rows
    thin out part of the way has no step timed from the thin part, as the live station gives
    none (each would be a frame or more off at its events, its gait too); the others stay, sure."""
    path, _ = track
    t, _, kp = read_keypoint_track(path)
    out = tmp_path / "events.jsonl"
    thin = write_track(tmp_path / "thin.csv", t[::3], kp[::3])
    assert main(["replay", "--keypoints", str(thin), "--events-out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{thin}: its rows come 20 a second, fewer than the 24 the gait engine needs" in err
    assert "record the track at 30 fps or more" in err and not out.exists()
    args = ["replay", "--keypoints", str(path), "--fps", "20", "--events-out", str(out)]
    assert main(args) == 2
    assert "--fps 20 times its rows 20 a second, fewer than the 24" in capsys.readouterr().err
    keep = (t < 6.0) | (np.arange(len(t)) % 3 == 0)
    part = write_track(tmp_path / "part.csv", t[keep], kp[keep])
    main(["replay", "--keypoints", str(part), "--events-out", str(out)])
    printed = capsys.readouterr().out
    assert re.search(
        r"note: the rows came fewer than the 24 a second the gait engine needs \(from 6\.\d to "
        r"1[01]\.\d s 20 a second\): no step there is timed",
        printed,
    )
    steps = read_events(out)
    early = [s for s in steps if s.to_t < 5.5 and s.cadence_spm is not None]
    assert len(early) > 5 and not [s for s in steps if s.to_t > 7.0]
    timed = ("cadence_spm", "contact_ms")
    assert not any(name in s.metric_confidence for s in early for name in timed)
    # Thin in the middle alone: the phases tell the gap from a stand (a review's read "standing
    # or off the belt" over it).
    keep = (t < 6.0) | (t >= 10.0) | (np.arange(len(t)) % 3 == 0)
    middle = write_track(tmp_path / "middle.csv", t[keep], kp[keep])
    main(["replay", "--keypoints", str(middle), "--events-out", str(out)])
    printed = capsys.readouterr().out
    assert re.search(
        r"phases: .*running.* steps not timed: too few frames a second.*running", printed
    )
    assert "standing or off the belt" not in printed


def test_a_slowed_part_is_told_where_the_steps_about_it_stand_alone(
    mocap_trial, tmp_path: Path, capsys
) -> None:
    """A phone's slow motion, 1.3 s at real speed, 2 s slowed x4 (8 s played) and 1 s: of the
    four steps about the part, the two after it are timed from none (the first across the change
    of speed), so only two are in a row, and the track was told the person was lost between them
    or was not side on (a sweep's render so made had lost its hint, the legs stepping 39 times a
    minute for 8 s). The legs tell the part, and the flags that measure it."""
    played, kept = phone_slowmo(mocap_trial, 1.3, 3.3, 4.3)
    path = write_track(tmp_path / "phone.csv", played, kept)
    out = tmp_path / "events.jsonl"
    assert main(["replay", "--keypoints", str(path), "--events-out", str(out)]) == NO_FINDINGS
    printed = capsys.readouterr().out
    steps = read_events(out)
    assert len(steps) >= MIN_JUDGED_STEPS and in_a_row(steps) < MIN_JUDGED_STEPS
    assert "in a row" not in printed and "lost between them" not in printed, printed
    said = "no step was found while the legs stepped 39 times a minute, slower than any walk or run"
    flags = "analyze with --slowmo 4 --start 1.0 --end 9.5 measures it"
    assert said in printed and flags in printed, printed


def test_analyze_undistorts_a_track_whose_lens_alone_is_calibrated(mocap_trial) -> None:
    """A lens calibrated without a plane yet places the camera's axis (``camera_sight``): the
    track is undistorted to go with it, as the station does, so analyze and a live station read
    one footage alike (a review found 3.3 deg of the line of sight between the two)."""
    from calibrate.model import Intrinsics
    from edge.commands.analyze import replay_steps
    from edge.config import Config

    camera = SideCamera(facing="right")
    t, kp = synth_track(mocap_trial, 60.0, camera, seed=1)
    kp, t = kp[t < 10.0], t[t < 10.0]
    width, height = camera.image_size
    K = np.array([[900.0, 0.0, width / 2], [0.0, 900.0, height / 2], [0.0, 0.0, 1.0]])

    def lens(dist: list[float]) -> Calibration:
        made = datetime.now(timezone.utc)
        return Calibration("cam", (width, height), made, Intrinsics(K, np.array(dist), 0.2))

    barrel = lens([-0.3, 0.1, 0.0, 0.0, 0.0])
    seen = kp.copy()
    seen[..., :2] = barrel.distort(kp[..., :2].reshape(-1, 2)).reshape(*kp.shape[:-1], 2)
    config = Config()
    straight = replay_steps(config, t, kp, lens([0.0] * 5), None, "right", (height, width))
    bent = replay_steps(config, t, seen, barrel, None, "right", (height, width))
    assert len(bent) == len(straight) > 10
    for a, b in zip(straight, bent, strict=True):
        assert b.ic_t == pytest.approx(a.ic_t, abs=1e-6)
        assert b.overstride_pct_leg == pytest.approx(a.overstride_pct_leg, abs=0.05)
