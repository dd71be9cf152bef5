from __future__ import annotations

import argparse
import csv
import re
import shlex
import struct
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np
import pytest

from calibrate.fileformat import write_calibration
from calibrate.model import Calibration, Plane
from edge.capture.timebase import TimeBase
from edge.cli import main
from edge.commands.analyze import NO_FINDINGS
from edge.demo.scene import SideCamera
from edge.demo.session import keypoint_errors
from edge.offline.analyze import AnalysisResult
from edge.options import played_seconds
from edge.skeleton import KP
from edge.store.sessions import STEPS_CSV_COLUMNS
from edge.store.track import TRACK_COLUMNS, read_keypoint_track
from tests.builders.fakes import FakePose
from tests.builders.keypoint_tracks import synth_track
from tests.builders.media import add_to_moov, coded_frame, coded_index, keyed_meta, write_video


@pytest.fixture()
def config(tmp_path: Path, model_path: Path, refiner_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[station]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[pose]\nmodel = "{model_path}"\nrefiner = "{refiner_path}"\n'
    )
    return path


@pytest.mark.slow
def test_analyze_writes_a_keypoint_track(
    tmp_path: Path, config: Path, bus_image: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    # The default backend, size and precision (auto: OpenVINO INT8 at 320x256): the station's
    # own model, which ``make test`` quantizes on the 20 s demo clip before the tests.
    # 61 frames at 30 fps, as long as an analysis needs: the bus scene sliding a little, then
    # an empty frame (one: a second would repeat it, and be left out).
    small = cv2.resize(bus_image, (540, 720))
    frames = [np.roll(small, 4 * i, axis=1) for i in range(60)] + [np.zeros_like(small)]
    video = write_video(tmp_path / "bus.mp4", frames, fps=30)
    out = tmp_path / "out"
    # No steps in a bus stop: no findings, and so exit 2, after writing every file.
    args = ["analyze", str(video), "--out", str(out), "--config", str(config)]
    assert main(args) == NO_FINDINGS
    assert "61 frames" in capsys.readouterr().out
    with (out / "keypoints.csv").open() as f:
        header = next(csv.reader(f))
    assert tuple(header) == TRACK_COLUMNS
    t, frame, kp = read_keypoint_track(out / "keypoints.csv")
    assert kp.shape == (61, 17, 3)
    assert frame.tolist() == list(range(61))
    assert np.allclose(t, np.arange(61) / 30, atol=1e-5)
    assert (kp[:60, :, 2] > 0).sum(axis=1).min() >= 10, "a runner in every bus frame"
    assert np.isnan(kp[60:, :, :2]).all() and (kp[60:, :, 2] == 0).all()
    # A bus stop has no running in it: the step files are there, and empty.
    assert (out / "events.jsonl").read_text() == ""
    with (out / "steps.csv").open() as f:
        assert tuple(next(csv.reader(f))) == STEPS_CSV_COLUMNS


@pytest.mark.parametrize(
    ("make", "code", "message"),
    [
        (lambda d: d / "absent.mp4", 2, "does not exist"),
        (
            lambda d: (d / "c.mp4").write_bytes(b"garbage" * 100) and d / "c.mp4",
            2,
            "cannot decode video",
        ),
    ],
)
def test_bad_videos_exit_2_with_a_reason(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str], make, code, message
) -> None:
    video = make(tmp_path)
    assert (
        main(["analyze", str(video), "--config", str(config), "--out", str(tmp_path / "o")]) == code
    )
    assert message in capsys.readouterr().err


def blank_video(path: Path, frames: int, fps: float = 30.0) -> Path:
    return write_video(path, [np.zeros((48, 64, 3), np.uint8)] * frames, fps=fps)


@pytest.fixture()
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_config):
        raise AssertionError("the model was loaded for an input that was refused")

    monkeypatch.setattr("edge.commands.common.open_pose", refuse)


def analyze(video: Path, out: Path, config: Path, *flags: str) -> int:
    return main(["analyze", str(video), "--out", str(out), "--config", str(config), *flags])


def test_an_out_path_that_is_a_file_exits_2_before_the_model_is_loaded(
    tmp_path: Path, config: Path, no_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "notes.txt"
    taken.write_text("keep me", encoding="utf-8")
    assert analyze(blank_video(tmp_path / "v.mp4", 90), taken, config) == 2
    assert f"{taken} is a file, not a folder: give --out a folder" in capsys.readouterr().err
    assert taken.read_text(encoding="utf-8") == "keep me"


def test_a_folder_given_as_the_video_is_named_a_folder(
    tmp_path: Path, config: Path, no_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "videos"
    folder.mkdir()
    assert analyze(folder, tmp_path / "o", config) == 2
    err = capsys.readouterr().err
    assert f"{folder} is a folder, not a video file" in err and "does not exist" not in err


@pytest.mark.parametrize("fps", [15.0, 20.0])
def test_a_video_slower_than_the_engine_needs_is_refused_before_the_model_is_loaded(
    tmp_path: Path, config: Path, no_model: None, capsys: pytest.CaptureFixture[str], fps: float
) -> None:
    """A file of its own 15 or 20 frames a second, nothing stating another rate: a user
    trial's 15 fps copy of a real clip gave findings and a cue from 17 of its 33 contacts."""
    assert analyze(blank_video(tmp_path / "v.mp4", 90, fps), tmp_path / "o", config) == 2
    err = capsys.readouterr().err
    assert f"v.mp4 holds {fps:g} frames a second, fewer than the 24" in err
    assert "film at 30 fps or more" in err and "slow motion, give the rate it was filmed at" in err
    # A container stating a wrong rate (a writer set to 20 for a camera's 30) is --fps's.
    assert (
        "if the file states a wrong rate (its motion plays slow), give its real one with --fps N"
        in err
    )
    assert not (tmp_path / "o").exists()


def test_a_film_rate_of_23_976_fps_is_the_engines_24(
    tmp_path: Path, config: Path, no_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    video = blank_video(tmp_path / "v.mp4", 90, 23.976)
    # Refused only for the model it would load next: the rate itself is served, as the file
    # states it and as --fps gives it.
    for flags in ([], ["--fps", "23.976"]):
        with pytest.raises(AssertionError, match="the model was loaded"):
            analyze(video, tmp_path / "o", config, *flags)
    assert "fewer than the 24" not in capsys.readouterr().err


def test_a_one_frame_video_is_a_picture_and_says_how_long_is_needed(
    tmp_path: Path, config: Path, no_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # A user trial's photograph named .mp4 was told it was 0.04 s long.
    assert analyze(blank_video(tmp_path / "v.mp4", 1), tmp_path / "o", config) == 2
    err = capsys.readouterr().err
    assert "v.mp4 holds a single picture, not a video" in err
    assert "give a video of at least 2 s of running" in err and "--facing" not in err
    assert analyze(blank_video(tmp_path / "w.mp4", 2), tmp_path / "o", config) == 2
    err = capsys.readouterr().err
    assert "w.mp4 is too short: 2 frames at 30 fps (0.07 s)" in err
    assert "needs at least 2 s of running (60 frames)" in err


def test_a_video_without_a_runner_says_so(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr(
        "edge.commands.common.open_pose", lambda _config: FakePose(np.zeros((1, 17, 3)))
    )
    assert analyze(blank_video(tmp_path / "v.mp4", 90), tmp_path / "o", config) == 2
    err = capsys.readouterr().err
    assert "no runner found in any of the 90 frames of" in err and "--facing" not in err


def facing_unknown() -> np.ndarray:
    """Someone standing still with every keypoint on one vertical line: the nose is not ahead
    of the ears, and no foot moves, so the facing cannot be told. (1, 17, 3) pixels."""
    person = np.zeros((1, 17, 3), np.float32)
    person[0, :, 0] = 32.0
    person[0, :, 1] = np.linspace(5, 45, 17)
    person[0, :, 2] = 0.9
    return person


def test_a_runner_whose_facing_cannot_be_told_gets_what_analyze_can_do(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    person = facing_unknown()
    monkeypatch.setattr("edge.commands.common.open_pose", lambda _config: FakePose(person))
    assert analyze(blank_video(tmp_path / "v.mp4", 90), tmp_path / "o", config) == 2
    err = capsys.readouterr().err
    assert "cannot tell which way the runner faces in" in err
    assert "(runner found in 90 of 90 frames)" in err
    assert "give --facing left|right (the way they face in the picture)" in err
    assert "The track is kept: hipdrive replay --keypoints" in err  # no pose model again


@pytest.mark.slow
def test_analyze_looks_at_the_runner_as_the_station_does(
    tmp_path: Path, model_path: Path, refiner_path: Path, demo_clip, capsys
) -> None:
    """On the crop around the runner, not the whole frame squeezed into 320 px: the keypoints a
    coach's report is built from are as good as the live station's. On this clip the crop gave
    hips 5.0 px and knees 16.7 px off (median); the whole frame 7.0 and 21.0 px, and on the
    20 s clip toe-offs 86 ms off instead of 12."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[station]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[pose]\nmodel = "{model_path}"\nbackend = "openvino"\nprecision = "fp32"\n'
        f'refiner = "{refiner_path}"\n'
    )
    out = tmp_path / "out"
    assert main(["analyze", str(demo_clip.video), "--out", str(out), "--config", str(config)]) == 0
    assert "out of the picture" not in capsys.readouterr().out, "the runner is in view, feet too"
    _, frames, kp = read_keypoint_track(out / "keypoints.csv")
    errors = keypoint_errors(demo_clip, frames, kp)
    assert errors["runner_found_pct"] == 100.0
    assert errors["hip_median_px"] <= 6.0
    assert errors["knee_median_px"] <= 19.0


# -- time base, window and the view, as a user gives them ---------------------------------------

#: the clip below: filmed at 60 fps, stored to play at 30 (slow motion x2)
CAPTURE_FPS, PLAYBACK_FPS = 60.0, 30.0


@pytest.fixture(scope="module")
def slow_clip(mocap_trial, tmp_path_factory) -> tuple[Path, np.ndarray]:
    """8 s of a runner (Fukuchi RBDS001, 2.5 m/s) filmed at 60 fps and stored at 30 fps, each
    frame spelling its index for the fake pose model, and the track it stands for."""
    t, kp = synth_track(mocap_trial, CAPTURE_FPS, SideCamera(facing="right"), seed=41)
    kp = kp[t < 8.0]
    folder = tmp_path_factory.mktemp("slow")
    frames = [coded_frame(i) for i in range(len(kp))]
    return write_video(folder / "slow.mp4", frames, fps=PLAYBACK_FPS), kp


@pytest.fixture()
def fake_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    # The fake pose model's frames are codes, not a person: no refiner.
    path.write_text(
        f'[station]\ndata_dir = "{tmp_path / "data"}"\n[pose]\ncrop = false\nrefine = false\n'
    )
    return path


def fake_pose(monkeypatch: pytest.MonkeyPatch, kp: np.ndarray) -> None:
    monkeypatch.setattr("edge.commands.common.open_pose", lambda _config: FakePose(kp, coded_index))


@pytest.fixture()
def slow_video(slow_clip, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The slow-motion clip, with the fake pose model handing out its runner (facing right)."""
    video, kp = slow_clip
    fake_pose(monkeypatch, kp)
    return video


def printed_median(out: str, label: str, unit: str) -> float:
    """The median ``describe`` printed for ``label`` in ``unit``."""
    found = re.search(rf"^\s+{label}\s+(-?[\d.]+) {unit}\b", out, re.MULTILINE)
    assert found, f"no {label} in {unit} in:\n{out}"
    return float(found[1])


def test_slow_motion_at_its_playback_rate_gets_a_notice_and_no_findings(
    slow_video: Path, tmp_path: Path, fake_config: Path, capsys
) -> None:
    out_dir = tmp_path / "o"
    assert analyze(slow_video, out_dir, fake_config) == NO_FINDINGS
    printed = capsys.readouterr().out
    notice = next(line for line in printed.splitlines() if "not from running" in line)
    assert "cadence" in notice and "spm (running: 120-240)" in notice
    assert "at the video's 30 fps: if it is slow motion, give --capture-fps N" in notice
    assert "--slowmo X" in notice and "cue:" not in printed
    # The steps are written all the same; the report says why it judges none of them.
    steps = (out_dir / "steps.csv").read_text().splitlines()
    assert len(steps) > 1 and len((out_dir / "events.jsonl").read_text().splitlines()) > 0
    # The track is kept, and replayed at the rate it was filmed at, by the command as printed
    # (a user trial's copy lacked a required flag), it is a run's, no pose again.
    hint = re.search(
        r"the track is kept: hipdrive (replay .*) --fps N \(N: the rate it was", printed
    )
    assert hint is not None and f"--keypoints {out_dir / 'keypoints.csv'}" in hint[1]
    args = shlex.split(hint[1])
    # The picture's size as printed is the coded frames' (64x128); the fake runner's keypoints
    # are in the camera's picture, which a size they lie outside would be refused for.
    assert args[args.index("--picture") + 1] == "64x128"
    args[args.index("--picture") + 1] = "x".join(map(str, SideCamera().image_size))
    assert main([*args, "--fps", "60", "--config", str(fake_config)]) == 0
    assert (out_dir / "replayed.jsonl").is_file()
    assert 150 < printed_median(capsys.readouterr().out, "cadence", "spm") < 162
    report = (out_dir / "report.html").read_text()
    assert "<p class=notice>" in report and "not from running at the video" in report
    assert "class=findings" not in report and "Every target met" not in report
    assert "<figure class=chart" not in report and "class=summary" not in report
    assert "Medians and interquartile" not in report  # no table, so nothing on reading one
    assert "the keypoints, and no step's figures" in report  # the video's caption too


def test_a_video_that_plays_faster_than_filmed_is_given_fps_not_capture_fps(
    slow_clip, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake_config: Path, capsys
) -> None:
    """A file filmed at 60 fps whose container says 120 (a wrong rate, which --fps sets): a
    tester had been told --capture-fps, the slow-motion flag, which read it "slow motion x0.5",
    and the kept track's --fps N "120 times the factor"."""
    _, kp = slow_clip
    fake_pose(monkeypatch, kp)
    video = write_video(tmp_path / "fast.mp4", [coded_frame(i) for i in range(len(kp))], 120.0)
    out_dir = tmp_path / "o"
    assert analyze(video, out_dir, fake_config, "--end", "3") == NO_FINDINGS
    printed = capsys.readouterr().out
    assert "a video that plays faster than it was filmed: then give --fps N (the rate it" in printed
    assert "--capture-fps" not in printed and "--slowmo" not in printed
    assert "--fps N (N: the rate it was filmed at) gives the steps" in printed


def test_slowmo_a_window_and_a_scale_give_real_figures(
    slow_video: Path, tmp_path: Path, fake_config: Path, capsys
) -> None:
    out_dir = tmp_path / "o"
    mpp = SideCamera(facing="right").meters_per_pixel
    args = ["--slowmo", "2", "--start", "2", "--end", "14", "--meters-per-pixel", str(mpp)]
    args += ["--belt-speed", "2.5", "--facing", "right"]
    assert analyze(slow_video, out_dir, fake_config, *args) == 0
    printed = capsys.readouterr().out
    assert "360 frames at 60 fps, played at 30 fps (slow motion x2, from --slowmo 2)" in printed
    # The fake pose model's keypoints lie outside its 64 px coded frames: feet out of picture.
    note = "note: a foot was out of the picture, or neither was seen, in 100% of the frames"
    assert note in printed
    assert 150 < printed_median(printed, "cadence", "spm") < 162, "RBDS001 steps 156 times a minute"
    assert 14 < printed_median(printed, "overstride", "cm") < 21, "cm, as --meters-per-pixel scales"
    assert "not from running" not in printed
    # Track times stay the video's (real) times: the part starts 2 s into the playback, 1 s
    # into the run.
    t, frames, _ = read_keypoint_track(out_dir / "keypoints.csv")
    assert frames[0] == 60 and frames[-1] == 419
    assert np.allclose(t, frames / CAPTURE_FPS, atol=1e-5)
    with (out_dir / "steps.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert all(1.0 <= float(r["ic_t"]) <= 7.0 for r in rows)
    strides = [float(r["stride_length_m"]) for r in rows if r["stride_length_m"]]
    # Belt speed x stride time: 2.5 m/s x 2 steps at 156 spm.
    assert float(np.median(strides)) == pytest.approx(2.5 * 120 / 156, rel=0.05)
    report = (out_dir / "report.html").read_text()
    assert "2.0-14.0 s of the video (--start 2 --end 14)" in report
    assert "<dt>feet</dt><dd>a foot was out of the picture, or neither was seen, in 100%" in report
    # What gave the distances and the belt's speed (a scale had been called "none").
    assert f"<dt>scale</dt><dd>--meters-per-pixel {mpp:g}: in metres</dd>" in report
    assert "<dt>belt speed</dt><dd>2.5 m/s (--belt-speed)</dd>" in report
    assert "wrote" in printed and "(360 frames)" in printed


def test_a_belt_speed_that_makes_the_leg_a_childs_is_doubted_in_print_and_report(
    slow_video: Path, tmp_path: Path, fake_config: Path, capsys
) -> None:
    """RBDS001 at 2.5 m/s given 1.6 and no scale: his leg would be 0.54 m. The strides rest on
    it, so the terminal and the report, which the coach keeps, both say so."""
    out_dir = tmp_path / "o"
    args = ["--slowmo", "2", "--belt-speed", "1.6", "--facing", "right"]
    assert analyze(slow_video, out_dir, fake_config, *args) == 0
    assert "note: a belt speed of 1.6 m/s (--belt-speed) makes" in capsys.readouterr().out
    report = (out_dir / "report.html").read_text()
    assert "<dt>belt speed</dt><dd>1.6 m/s (--belt-speed); a belt speed of 1.6" in report
    assert "a child" in report and "If the runner is an adult, check --belt-speed" in report


def test_a_clip_filmed_faster_than_the_engine_needs_is_thinned_to_its_rate(
    mocap_trial, tmp_path: Path, fake_config: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """A runner filmed at 480 fps and stored at 30 (a phone's slow motion): every second frame
    is used, at 240 fps, with real figures, and the annotated video shows the frames used."""
    t, kp = synth_track(mocap_trial, 480.0, SideCamera(facing="right"), seed=43)
    kp = kp[t < 5.0]
    video = write_video(tmp_path / "fast.mp4", [coded_frame(i) for i in range(len(kp))], fps=30)
    fake_pose(monkeypatch, kp)
    out_dir = tmp_path / "o"
    assert analyze(video, out_dir, fake_config, "--slowmo", "16", "--facing", "right") == 0
    printed = capsys.readouterr().out
    assert "1 frame in 2 used: 240 fps" in printed and "not from running" not in printed
    assert 150 < printed_median(printed, "cadence", "spm") < 162, "RBDS001 steps 156 times a minute"
    track_t, frames, _ = read_keypoint_track(out_dir / "keypoints.csv")
    assert np.array_equal(frames, np.arange(0, len(kp), 2))
    assert np.allclose(track_t, frames / 480.0, atol=1e-5)
    assert f"({len(frames)} frames)" in printed


def converted_video(
    folder: Path, kp_filmed: np.ndarray, filmed_fps: float
) -> tuple[Path, np.ndarray]:
    """A runner filmed at ``filmed_fps`` in a video converted up to 30 fps (each filmed frame
    shown until the next is due, so some are shown twice), and which filmed frame each shows."""
    n = int(len(kp_filmed) / filmed_fps * 30)
    shows = np.floor(np.arange(n) * filmed_fps / 30 + 1e-9).astype(int)
    video = write_video(folder / f"from{filmed_fps:g}.mp4", [coded_frame(j) for j in shows], 30)
    return video, shows


def test_frames_that_repeat_the_one_before_are_left_out_and_the_rest_timed_as_filmed(
    mocap_trial, tmp_path: Path, fake_config: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """25 fps stored as 30: one frame in six repeats the one before. The track holds the new
    frames, at the times they were filmed, and the analysis says what it left out."""
    t, kp = synth_track(mocap_trial, 25.0, SideCamera(facing="right"), seed=44)
    kp = kp[t < 8.0]
    video, shows = converted_video(tmp_path, kp, 25.0)
    fake_pose(monkeypatch, kp)
    out_dir = tmp_path / "o"
    assert analyze(video, out_dir, fake_config, "--facing", "right") == 0
    printed = capsys.readouterr().out
    repeats = int(np.sum(shows[1:] == shows[:-1]))
    assert f"note: {repeats} of the {len(shows)} frames repeat the frame before" in printed
    assert "the new frames, 25 a second on average, each timed when it was filmed" in printed
    assert 150 < printed_median(printed, "cadence", "spm") < 162, "RBDS001 steps 156 times a minute"
    track_t, frames, _ = read_keypoint_track(out_dir / "keypoints.csv")
    first_shown = np.flatnonzero(np.r_[True, shows[1:] != shows[:-1]])
    assert np.array_equal(frames, first_shown)
    assert track_t == pytest.approx(shows[first_shown] / 25.0, abs=1e-3)
    report = (out_dir / "report.html").read_text()
    assert f"<dt>repeated frames</dt><dd>{repeats} of the {len(shows)} frames" in report
    assert f"({len(shows)} frames)" in printed, "the annotated video shows every frame"


def test_a_stretch_of_repeated_pictures_is_steps_not_timed_as_replay_tells_it(
    mocap_trial, tmp_path: Path, fake_config: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """A steady 30 fps video whose camera gave a new picture every other frame from 6 to 10 s
    (15 new frames a second): the engine gets the new frames only and times no step there, and
    analyze's phases say so, as replay's of its track do; they had said "standing or off the
    belt" (a review)."""
    t, kp = synth_track(mocap_trial, 30.0, SideCamera(facing="right"), seed=41)
    kp = kp[t < 20.0]
    shows = [i - i % 2 if 6.0 <= i / 30 < 10.0 else i for i in range(len(kp))]
    video = write_video(tmp_path / "v.mp4", [coded_frame(j) for j in shows], fps=30.0)
    fake_pose(monkeypatch, kp)
    out_dir = tmp_path / "o"
    assert analyze(video, out_dir, fake_config, "--facing", "right") == 0
    printed = capsys.readouterr().out
    assert "steps not timed: too few frames a second" in printed
    assert "standing or off the belt" not in printed
    assert "phase-untimed" in (out_dir / "report.html").read_text()


def test_a_picture_held_still_is_steps_not_timed_in_analyze_and_its_replay(
    mocap_trial, tmp_path: Path, fake_config: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """A steady 30 fps video of a run whose picture freezes for 2.5 s: no new picture came,
    no step is timed across it, and analyze's phases and those of a replay of its track say so,
    where they said "standing or off the belt" of the runner running on (a user trial)."""
    t, kp = synth_track(mocap_trial, 30.0, SideCamera(facing="right"), seed=41)
    kp = kp[t < 20.0]
    shows = [min(i, 261) if 261 <= i < 336 else i for i in range(len(kp))]
    video = write_video(tmp_path / "v.mp4", [coded_frame(j) for j in shows], fps=30.0)
    fake_pose(monkeypatch, kp)
    out_dir = tmp_path / "o"
    assert analyze(video, out_dir, fake_config, "--facing", "right") == 0
    printed = capsys.readouterr().out
    assert "0:08-0:11 steps not timed: too few frames a second" in printed, printed
    assert "standing or off the belt" not in printed
    events = tmp_path / "r.jsonl"
    keypoints = str(out_dir / "keypoints.csv")
    assert main(["replay", "--keypoints", keypoints, "--events-out", str(events)]) == 0
    replayed = capsys.readouterr().out
    assert "steps not timed: too few frames a second" in replayed
    assert "standing or off the belt" not in replayed


def test_a_video_with_too_few_new_frames_a_second_is_refused_naming_why(
    mocap_trial, tmp_path: Path, fake_config: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """15 fps stored as 30 (every frame twice): not slow motion, too few new frames."""
    t, kp = synth_track(mocap_trial, 15.0, SideCamera(facing="right"), seed=45)
    video, _ = converted_video(tmp_path, kp[t < 8.0], 15.0)
    fake_pose(monkeypatch, kp)
    assert analyze(video, tmp_path / "o", fake_config) == 2
    err = capsys.readouterr().err
    assert "repeats its frames" in err and "holds 15 new frames a second" in err
    assert "needs 24 or more" in err and "film at 30 fps or more in good light" in err
    assert "--slowmo" not in err
    # Refused on its first 90 frames, as they come: the rest is not looked at.
    assert "analyzing from15.mp4: stopped, 90 in" in err


@pytest.mark.parametrize("seen_s", [1.2, 1.4])
def test_a_glimpse_of_a_runner_gives_too_few_steps_to_judge(
    mocap_trial,
    tmp_path: Path,
    fake_config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys,
    seen_s: float,
) -> None:
    """The runner in view for under two seconds of a longer video: its few steps are written,
    but no figure, finding or cue is given from them."""
    t, kp = synth_track(mocap_trial, 30.0, SideCamera(facing="right"), seed=46)
    kp = kp[t < 5.0].copy()
    away = (t[t < 5.0] < 1.0) | (t[t < 5.0] > 1.0 + seen_s)
    kp[away, :, :2] = np.nan
    kp[away, :, 2] = 0.0
    video = write_video(tmp_path / "glimpse.mp4", [coded_frame(i) for i in range(len(kp))], 30)
    fake_pose(monkeypatch, kp)
    out_dir = tmp_path / "o"
    assert analyze(video, out_dir, fake_config, "--facing", "right") == NO_FINDINGS
    printed = capsys.readouterr().out
    notice = next(line for line in printed.splitlines() if "too few to judge" in line)
    found = len((out_dir / "events.jsonl").read_text().splitlines())
    assert 1 <= found < 4 and notice.startswith(f"{found} step{'' if found == 1 else 's'}: ")
    assert "(4 at least): film at least 10 s of steady running" in notice
    assert "cue:" not in printed and not re.search(r"^\s+overstride", printed, re.MULTILINE)
    report = (out_dir / "report.html").read_text()
    assert "too few to judge" in report and "class=findings" not in report


def test_a_stated_time_base_that_is_wrong_gets_the_notice_too(
    slow_video: Path, tmp_path: Path, fake_config: Path, capsys
) -> None:
    # Filmed at 60 fps and stored at 30: --slowmo 4 times the run twice too quick.
    out_dir = tmp_path / "o"
    assert (
        analyze(slow_video, out_dir, fake_config, "--slowmo", "4", "--facing", "right")
        == NO_FINDINGS
    )
    printed = capsys.readouterr().out
    assert "not from running at 120 fps (--slowmo 4): check --slowmo, or leave it out" in printed
    assert "cue:" not in printed
    assert "<p class=notice>" in (out_dir / "report.html").read_text()


def test_a_facing_the_video_contradicts_is_refused_and_the_track_kept(
    slow_video: Path, tmp_path: Path, fake_config: Path, capsys
) -> None:
    # The runner faces right.
    out_dir = tmp_path / "o"
    assert analyze(slow_video, out_dir, fake_config, "--slowmo", "2", "--facing", "left") == 2
    err = capsys.readouterr().err
    assert "the runner faces right in the image (the belt carries their feet left)" in err
    assert "not left as --facing says: give --facing right, or leave it out" in err
    kept = f"--keypoints {out_dir / 'keypoints.csv'} --events-out {out_dir / 'replayed.jsonl'}"
    # The picture's size too, so that the replay rates the feet as analyze does (the test's
    # coded frames are 64 wide and 128 high).
    kept += " --picture 64x128"
    assert f"The track is kept: hipdrive replay {kept}, with the flags put right" in err
    assert (out_dir / "keypoints.csv").is_file()


def test_the_kept_replay_reads_the_camera_turn_for_the_facing_put_right(
    slow_video: Path,
    tmp_path: Path,
    fake_config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The turn is toward the runner's front, its sign the facing's (``belt_turn``): a tester's
    --facing left for a runner facing right was told to replay with --facing right and the
    turn read for left, its sign wrong."""

    def turn(_backdrop: object, _kp: object, facing: str, *_args: object) -> float:
        return 12.0 if facing == "right" else -12.0

    monkeypatch.setattr("edge.offline.replay.camera_turn", turn)
    out_dir = tmp_path / "o"
    assert analyze(slow_video, out_dir, fake_config, "--slowmo", "2", "--facing", "left") == 2
    err = capsys.readouterr().err
    assert "give --facing right, or leave it out" in err
    assert "--picture 64x128 --camera-turn 12, with the flags put right" in err


def test_the_capture_rate_a_phone_wrote_into_the_file_is_used(
    slow_video: Path, tmp_path: Path, fake_config: Path, capsys
) -> None:
    tagged = tmp_path / "android.mp4"
    tagged.write_bytes(slow_video.read_bytes())
    add_to_moov(tagged, keyed_meta({"com.android.capture.fps": (23, struct.pack(">f", 60.0))}))
    assert analyze(tagged, tmp_path / "o", fake_config) == 0
    printed = capsys.readouterr().out
    assert "from the file's com.android.capture.fps" in printed
    assert 150 < printed_median(printed, "cadence", "spm") < 162


def test_facing_given_when_the_video_cannot_tell(
    tmp_path: Path, fake_config: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    person = facing_unknown()
    monkeypatch.setattr("edge.commands.common.open_pose", lambda _config: FakePose(person))
    video = blank_video(tmp_path / "v.mp4", 90)
    args = ["analyze", str(video), "--out", str(tmp_path / "o"), "--config", str(fake_config)]
    assert main([*args, "--facing", "left"]) == NO_FINDINGS
    assert "no steps found" in capsys.readouterr().out
    # The runner in every frame, no step: the report does not say they were out of view.
    report = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "No pictures: no steps were found." in report and "not in view" not in report


def test_no_steps_with_the_feet_unseen_says_so_not_slow_motion(
    tmp_path: Path, fake_config: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """A user trial's webcam clip of a runner's head and shoulders: "no steps found ... For slow
    motion give --capture-fps or --slowmo", beside the note that the feet were not seen."""
    head_and_shoulders = facing_unknown()
    head_and_shoulders[0, [KP["left_ankle"], KP["right_ankle"]], 2] = 0.1
    monkeypatch.setattr(
        "edge.commands.common.open_pose", lambda _config: FakePose(head_and_shoulders)
    )
    # 5 s: past the 4 s after which no step says the person did not run side on (a review).
    video = blank_video(tmp_path / "v.mp4", 150)
    args = ["analyze", str(video), "--out", str(tmp_path / "o"), "--config", str(fake_config)]
    assert main([*args, "--facing", "left"]) == NO_FINDINGS
    out = capsys.readouterr().out
    assert "note: a foot was out of the picture, or neither was seen, in 100% of the frames" in out
    told = "no steps found: the feet were not seen (the note above); film the whole runner, feet"
    assert told in out and "slow motion" not in out


def left_calibration(path: Path, size: tuple[int, int]) -> Path:
    homography = np.array([[-0.002, 0, 0.064], [0, -0.002, 1.0], [0, 0, 1]])
    plane = Plane(homography, np.array([[0, 40], [60, 40]]), "left", (0, 0, *size), 0.002)
    write_calibration(path, Calibration("test", size, datetime.now(timezone.utc), plane=plane))
    return path


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--capture-fps", "240", "--slowmo", "8"], "--capture-fps and --slowmo both set"),
        (["--slowmo", "0.5"], "--slowmo 0.5: must be from 1 to 1000"),
        (["--fps", "12"], "--fps 12 makes the capture rate 12 fps, below the 24 fps the gait"),
        (["--slowmo", "10"], "v.mp4 is too short: 45 frames at 150 fps (0.30 s)"),
        (["--slowmo", "8"], "v.mp4 is too short: 90 frames at 240 fps (0.38 s)"),
        (["--start", "2", "--end", "1"], "--start 2 s is not before --end 1 s"),
        (["--start", "5"], "--start 5 s is past the end of"),
        (["--end", "4"], "--end 4 s is past the end of"),
        (["--start", "1", "--end", "2"], "--start 1 --end 2 of"),
        (["--calibration", "CAL", "--meters-per-pixel", "0.002"], "give one of them"),
        (["--meters-per-pixel", "-1"], "--meters-per-pixel -1: must be > 0"),
        (["--belt-speed", "0"], "--belt-speed 0 (metres per second): must be > 0"),
        (["--belt-speed", "20"], "must be <= 8 m/s (28.8 km/h, the fastest treadmills' top"),
        (["--belt-speed", "10"], "top speed): 10 km/h is 2.78 m/s, 10 mph 4.47 m/s"),
        (["--calibration", "CAL", "--facing", "right"], "was made with the runner facing left"),
        (["--calibration", "absent.toml"], "absent.toml does not exist"),
    ],
)
def test_bad_flags_exit_2_with_what_to_do_before_the_model_is_loaded(
    tmp_path: Path, config: Path, no_model: None, capsys, flags: list[str], message: str
) -> None:
    video = blank_video(tmp_path / "v.mp4", 90)
    cal = str(left_calibration(tmp_path / "cal.toml", (64, 48)))
    flags = [cal if f == "CAL" else f for f in flags]
    args = ["analyze", str(video), "--out", str(tmp_path / "o"), "--config", str(config)]
    assert main([*args, *flags]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--facing", "right", "--facing", "left"], "--facing: given twice (right, then left)"),
        (["--start", "1", "--start", "2"], "--start: given twice (1.0, then 2.0)"),
        (["--calibration", "a.toml", "--calibration", "b.toml"], "(a.toml, then b.toml)"),
        (["--slowmo", "2", "--slowmo", "4"], "--slowmo: given twice (2.0, then 4.0)"),
    ],
)
def test_a_flag_given_twice_with_two_values_is_refused(
    tmp_path: Path, config: Path, no_model: None, capsys, flags: list[str], message: str
) -> None:
    """argparse takes a flag's last value without a word: a review's ``--facing right
    --facing left`` measured facing left. Two values are refused; the same one twice is taken."""
    video = blank_video(tmp_path / "v.mp4", 30)
    args = ["analyze", str(video), "--out", str(tmp_path / "o"), "--config", str(config)]
    with pytest.raises(SystemExit) as refused:
        main([*args, *flags])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "give it once" in err
    # Given twice alike, as a script that adds a flag to a user's may: taken (the clip is too
    # short, which is told after the flags).
    assert main([*args, "--facing", "left", "--facing", "left"]) == 2
    assert "v.mp4 is too short" in capsys.readouterr().err


def test_a_window_in_minutes_and_seconds_is_taken_as_a_player_shows_it(
    tmp_path: Path, config: Path, no_model: None, capsys
) -> None:
    """A player shows 0:01, not 1: a review's ``--start 0:03`` was told "invalid float value".
    Minutes and seconds are taken (here a window too short, as 1 s to 2 s is); what is neither
    says what to give."""
    video = blank_video(tmp_path / "v.mp4", 90)
    args = ["analyze", str(video), "--out", str(tmp_path / "o"), "--config", str(config)]
    assert main([*args, "--start", "0:01", "--end", "0:02"]) == 2
    assert "--start 1 --end 2 of" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:
        main([*args, "--start", "1m"])
    assert refused.value.code == 2
    assert "'1m': give seconds (75.5) or minutes:seconds (1:15.5)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("75.5", 75.5), ("1:15.5", 75.5), ("0:03", 3.0), ("1:5", 65.0), ("1:2:3", 3723.0)],
)
def test_a_time_as_a_player_shows_it_is_read(text: str, seconds: float) -> None:
    assert played_seconds(text) == seconds


@pytest.mark.parametrize("text", ["1:75", "1:60", "1:75:00", "-0:05", "1:-5", "1:", ":5", "abc"])
def test_a_time_no_player_shows_is_refused(text: str) -> None:
    """Seconds past 59 after minutes, minutes past 59 after hours (1:75:00 had been taken as
    2:15:00), a sign or a part left out: refused with the forms to give. A negative number of
    seconds alone is the window's to refuse (``FileTiming``: "0 or more")."""
    with pytest.raises(argparse.ArgumentTypeError, match=r"give seconds .* or minutes:seconds"):
        played_seconds(text)


def test_feet_out_of_the_picture_get_a_note_from_a_tenth_of_the_runners_frames() -> None:
    def result(outside: int) -> AnalysisResult:
        return AnalysisResult(400, 388, 60.0, Path("k.csv"), TimeBase(60.0, 60.0), 0, outside)

    assert result(38).feet_notice() is None
    note = result(202).feet_notice()
    assert note is not None and "or neither was seen, in 52% of the frames" in note
    assert "film the whole runner, feet and belt included" in note
