from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.cli import main
from edge.demo.session import keypoint_errors
from edge.store.sessions import STEPS_CSV_COLUMNS
from edge.store.track import TRACK_COLUMNS, read_keypoint_track
from tests.builders.fakes import FakePose
from tests.builders.media import write_video


@pytest.fixture()
def config(tmp_path: Path, model_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[station]\ndata_dir = "{tmp_path / "data"}"\n[pose]\nmodel = "{model_path}"\n'
    )
    return path


@pytest.mark.slow
def test_analyze_writes_a_keypoint_track(
    tmp_path: Path, config: Path, bus_image: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    # Eight frames: the bus scene sliding a little, then two empty frames; at 3 fps, so that
    # the video is as long as an analysis needs.
    small = cv2.resize(bus_image, (540, 720))
    frames = [np.roll(small, 4 * i, axis=1) for i in range(6)]
    frames += [np.zeros_like(small)] * 2
    video = write_video(tmp_path / "bus.mp4", frames, fps=3)
    out = tmp_path / "out"
    assert main(["analyze", str(video), "--out", str(out), "--config", str(config)]) == 0
    assert "8 frames" in capsys.readouterr().out
    with (out / "keypoints.csv").open() as f:
        header = next(csv.reader(f))
    assert tuple(header) == TRACK_COLUMNS
    t, frame, kp = read_keypoint_track(out / "keypoints.csv")
    assert kp.shape == (8, 17, 3)
    assert frame.tolist() == list(range(8))
    assert np.allclose(t, np.arange(8) / 3, atol=1e-5)
    assert (kp[:6, :, 2] > 0).sum(axis=1).min() >= 10, "a runner in every bus frame"
    assert np.isnan(kp[6:, :, :2]).all() and (kp[6:, :, 2] == 0).all()
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

    monkeypatch.setattr("edge.cli._estimator", refuse)


def analyze(video: Path, out: Path, config: Path) -> int:
    return main(["analyze", str(video), "--out", str(out), "--config", str(config)])


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


def test_a_one_frame_video_is_too_short_and_says_how_long_is_needed(
    tmp_path: Path, config: Path, no_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert analyze(blank_video(tmp_path / "v.mp4", 1), tmp_path / "o", config) == 2
    err = capsys.readouterr().err
    assert "v.mp4 is too short: 1 frame at 30 fps (0.03 s)" in err
    assert "needs at least 2 s of running (60 frames)" in err and "--facing" not in err


def test_a_video_without_a_runner_says_so(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr("edge.cli._estimator", lambda _config: FakePose(np.zeros((1, 17, 3))))
    assert analyze(blank_video(tmp_path / "v.mp4", 90), tmp_path / "o", config) == 2
    err = capsys.readouterr().err
    assert "no runner found in any of the 90 frames of" in err and "--facing" not in err


def test_a_runner_whose_facing_cannot_be_told_gets_what_analyze_can_do(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    # Someone standing still with every keypoint on one vertical line: the nose is not ahead
    # of the ears, and no foot moves.
    person = np.zeros((1, 17, 3), np.float32)
    person[0, :, 0] = 32.0
    person[0, :, 1] = np.linspace(5, 45, 17)
    person[0, :, 2] = 0.9
    monkeypatch.setattr("edge.cli._estimator", lambda _config: FakePose(person))
    assert analyze(blank_video(tmp_path / "v.mp4", 90), tmp_path / "o", config) == 2
    err = capsys.readouterr().err
    assert "cannot tell which way the runner faces in" in err
    assert "(runner found in 90 of 90 frames)" in err
    assert "hipdrive calibrate plane --facing left|right" in err


@pytest.mark.slow
def test_analyze_looks_at_the_runner_as_the_station_does(
    tmp_path: Path, model_path: Path, demo_clip
) -> None:
    """On the crop around the runner, not the whole frame squeezed into 320 px: the keypoints a
    coach's report is built from are as good as the live station's. On this clip the crop gave
    hips 5.0 px and knees 16.7 px off (median); the whole frame 7.0 and 21.0 px, and on the
    20 s clip toe-offs 86 ms off instead of 12."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[station]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[pose]\nmodel = "{model_path}"\nbackend = "openvino"\nprecision = "fp32"\n'
    )
    out = tmp_path / "out"
    assert main(["analyze", str(demo_clip.video), "--out", str(out), "--config", str(config)]) == 0
    _, frames, kp = read_keypoint_track(out / "keypoints.csv")
    errors = keypoint_errors(demo_clip, frames, kp)
    assert errors["runner_found_pct"] == 100.0
    assert errors["hip_median_px"] <= 6.0
    assert errors["knee_median_px"] <= 19.0
