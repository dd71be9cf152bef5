from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np
import pytest

import calibrate.commands
from calibrate.fileformat import load_calibration, write_calibration
from calibrate.model import Calibration, Intrinsics, Plane
from edge.capture import CaptureSettings, Frame, FrameSource, SourceInfo
from edge.cli import main
from tests.builders.boards import SIZE, calibration_views, camera, side_scene
from tests.builders.media import write_video

CHARUCO = "charuco:7x5:0.05:0.037"
NO_CAMERA = "camera:/dev/video99"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[camera]\nsource = "{NO_CAMERA}"\nwidth = 1280\nheight = 720\n'
        '[calibration]\nfile = "cal.toml"\n',
        encoding="utf-8",
    )
    return path


def hipdrive(config: Path, *args: str) -> int:
    return main(["calibrate", args[0], "--config", str(config), *args[1:]])


def true_lens(path: Path) -> None:
    cam = camera("barrel")
    intrinsics = Intrinsics(K=cam.K, dist=cam.dist, rms_px=0.1)
    write_calibration(path, Calibration(NO_CAMERA, SIZE, datetime.now(timezone.utc), intrinsics))


def assert_recovered(path: Path) -> None:
    calibration = load_calibration(path, SIZE)
    assert calibration.intrinsics is not None
    K, true_K = calibration.intrinsics.K, camera("barrel").K
    assert np.allclose(K[[0, 1, 0, 1], [0, 1, 2, 2]], true_K[[0, 1, 0, 1], [0, 1, 2, 2]], rtol=0.01)
    assert calibration.intrinsics.rms_px < 0.5


def test_board_writes_a_png_and_a_pdf(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "print" / "board.png"
    out.parent.mkdir()
    assert hipdrive(config, "board", "--out", str(out), "--dpi", "100", "--paper", "a3") == 0
    assert cv2.imread(str(out)).shape[:2] == (1169, 1654)
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


def test_intrinsics_from_images_reports_each_image(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "shots"
    folder.mkdir()
    views = calibration_views("barrel", CHARUCO)
    for k, image in enumerate(views):
        cv2.imwrite(str(folder / f"view{k:02d}.png"), image)
    cv2.imwrite(str(folder / "wall.png"), np.full_like(views[0], 120))
    cv2.imwrite(str(folder / "shaky.png"), cv2.GaussianBlur(views[0], (0, 0), 2.0))
    old_plane = Plane(np.eye(3), [[0.0, 600.0], [1000.0, 600.0]], "left", (0, 0, 100, 100), 0.002)
    old = Calibration(NO_CAMERA, SIZE, datetime.now(timezone.utc), plane=old_plane)
    write_calibration(tmp_path / "cal.toml", old)
    assert hipdrive(config, "intrinsics", "--images", str(folder)) == 0
    out = capsys.readouterr().out
    assert "the plane in " in out and "depended on the old lens and was removed" in out
    assert "view00.png: view 1, adds top left" in out
    assert "wall.png: rejected, no board found" in out
    assert "shaky.png: rejected, too blurred" in out
    # What is still short is said with what a region wants: a user trial read "adds top right"
    # for two views, then "still short of: top right", and the file written without a word.
    short = re.search(r"still short of: (.*) \(a region wants 3 views, '\+' in the map: fewer", out)
    assert short is not None and "top right" in short.group(1)
    assert "solved with the views there are: if the RMS error below is not good" in out
    assert re.search(r"RMS reprojection error 0\.[0-4]\d\d px", out)
    assert_recovered(tmp_path / "cal.toml")


def test_intrinsics_from_a_video_skips_the_frames_that_repeat(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frames = [image for image in calibration_views("barrel", CHARUCO) for _ in range(3)]
    video = write_video(tmp_path / "board.mp4", frames, fps=10)
    out_file = tmp_path / "video.toml"
    out_file.write_text("version = [", encoding="utf-8")
    assert hipdrive(config, "intrinsics", "--video", str(video), "--out", str(out_file)) == 0
    out = capsys.readouterr().out
    assert "frame 0: view 1" in out and "repeat" in out
    assert "which could not be read" in out
    assert_recovered(out_file)
    assert load_calibration(out_file).camera == NO_CAMERA


class FakeCamera(FrameSource):
    """A live camera showing the given views, then the installer presses Ctrl-C."""

    def __init__(self, images: tuple[np.ndarray, ...]) -> None:
        h, w = images[0].shape[:2]
        self.info = SourceInfo("fake", w, h, 30.0, live=True)
        self._frames: Iterator[np.ndarray] = iter(images)
        self._index = 0

    def read(self) -> Frame | None:
        image = next(self._frames, None)
        if image is None:
            raise KeyboardInterrupt
        self._index += 1
        return Frame(image, self._index - 1, self._index)

    def close(self) -> None:
        pass


def test_intrinsics_live_shows_what_is_still_needed_and_stops_on_ctrl_c(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[tuple[str, CaptureSettings]] = []

    def fake_open(spec: str, settings: CaptureSettings) -> FrameSource:
        opened.append((spec, settings))
        return FakeCamera(calibration_views("barrel", CHARUCO))

    monkeypatch.setattr(calibrate.commands, "open_source", fake_open)
    assert hipdrive(config, "intrinsics", "--camera", "side-cam") == 0
    assert opened == [(NO_CAMERA, CaptureSettings(1280, 720, 60.0, True))]
    out = capsys.readouterr().out
    assert "still needed: top left, top, top right" in out
    assert "view 1: adds top left, left; still needed: top left" in out
    assert "stopped; solving with the views so far" in out
    assert load_calibration(tmp_path / "cal.toml", SIZE, camera="side-cam").intrinsics


def test_plane_then_check(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    true_lens(tmp_path / "cal.toml")
    frame = tmp_path / "side.png"
    cv2.imwrite(str(frame), side_scene("barrel", CHARUCO).image)
    assert hipdrive(config, "plane", "--image", str(frame), "--facing", "right") == 0
    out = capsys.readouterr().out
    assert "plane from 24 board corners" in out and "runner faces right" in out
    assert "camera 1.80 m from the runner's plane" in out
    # The scene's camera stands 10 cm ahead of the board: 3 deg, a foot 5 cm beside reads 0.3 cm.
    assert (
        "camera 3 deg off square at the board: a foot landing 5 cm beside the plane reads 0.3"
        in out
    )
    plane = load_calibration(tmp_path / "cal.toml", SIZE).plane
    assert plane is not None and plane.facing == "right"

    check = tmp_path / "check.png"
    assert hipdrive(config, "check", "--image", str(frame), "--out", str(check)) == 0
    out = capsys.readouterr().out
    assert "scale at the belt: 2.2" in out and "a 1 px keypoint error is 0.2" in out
    assert cv2.imread(str(check)).shape == (720, 1280, 3)

    assert hipdrive(config, "intrinsics", "--images", str(tmp_path / "none")) == 2
    points = [
        "--points",
        "300,560,1000,560",
        "--distance",
        "1.2",
        "--belt-line",
        "300,560,1000,565",
    ]
    assert hipdrive(config, "plane", "--image", str(frame), "--facing", "left", *points) == 0
    assert "plane from two marks 1.2 m apart" in capsys.readouterr().out


def test_usage_errors_exit_2_and_name_the_problem(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = tmp_path / "side.png"
    cv2.imwrite(str(frame), side_scene("barrel", CHARUCO).image)
    small = tmp_path / "small.png"
    cv2.imwrite(str(small), np.full((480, 640, 3), 120, np.uint8))
    empty = tmp_path / "empty"
    empty.mkdir()

    assert hipdrive(config, "check", "--image", str(frame)) == 2
    assert (
        "cal.toml does not exist; make it with: hipdrive calibrate intrinsics (the lens), then "
        "hipdrive calibrate plane" in capsys.readouterr().err
    )
    true_lens(tmp_path / "cal.toml")
    cases = [
        (["check", "--image", str(frame)], "no treadmill plane yet"),
        (["check", "--image", str(small)], "made at 1280x720 but the frames are 640x480"),
        (["plane", "--image", str(small), "--facing", "left"], "made at 1280x720"),
        (["plane", "--image", str(tmp_path / "x.png"), "--facing", "left"], "cannot read image"),
        (
            ["plane", "--image", str(frame), "--facing", "left", "--points", "1,2,300,4"],
            "--points needs --distance M and --belt-line",
        ),
        (["intrinsics", "--images", str(empty)], "no readable images (.png, .jpg"),
        (["intrinsics", "--video", str(tmp_path / "x.mp4")], "does not exist"),
    ]
    for args, message in cases:
        assert hipdrive(config, *args) == 2, args
        assert message in capsys.readouterr().err, args
    cv2.imwrite(str(small), np.full((720, 1280, 3), 120, np.uint8))
    assert hipdrive(config, "plane", "--image", str(small), "--facing", "left") == 2
    err = capsys.readouterr().err
    assert "no board found" in err
    # Squares too small in the picture read as no board: a user trial's at the distance the
    # README gives, told only to show the whole board, which it did.
    assert "sees 50 mm squares 15 pixels wide" in err
    assert "hipdrive calibrate board --board charuco:5x3:0.075:0.056" in err

    for args in (["plane", "--image", str(frame)], ["board", "--board", "charuco:7x5:0.05"]):
        with pytest.raises(SystemExit) as exit_info:
            hipdrive(config, *args)
        assert exit_info.value.code == 2


def test_a_camera_that_is_not_there_exits_3(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hipdrive(config, "intrinsics") == 3
    err = capsys.readouterr().err
    assert "camera /dev/video99 could not be opened" in err
    assert err.rstrip().endswith("or calibrate from a recording: --images DIR or --video FILE")
    true_lens(tmp_path / "cal.toml")
    assert hipdrive(config, "check", "--source", NO_CAMERA) == 3
    assert "or calibrate from a recording: --image FILE or --source file:VIDEO" in (
        capsys.readouterr().err
    )


def test_a_calibration_at_another_size_than_the_camera_is_set_to_is_told(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user trial calibrated from a recording at 1280x720 with the camera set to 1920x1080:
    plane and check passed, and the station then refused the calibration. plane says so, and
    check, the last step before starting the station, fails as ``config check`` does."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[camera]\nsource = "{NO_CAMERA}"\nwidth = 1920\nheight = 1080\n'
        '[calibration]\nfile = "cal.toml"\n',
        encoding="utf-8",
    )
    true_lens(tmp_path / "cal.toml")
    frame = tmp_path / "side.png"
    cv2.imwrite(str(frame), side_scene("barrel", CHARUCO).image)
    assert hipdrive(config, "plane", "--image", str(frame), "--facing", "right") == 0
    told = (
        "this calibration is for 1280x720 pictures, but camera.width/height are 1920x1080: a "
        "station started with this configuration would refuse it; set camera.width/height to "
        "1280x720, or calibrate at 1920x1080"
    )
    assert f"note: {told}" in capsys.readouterr().out
    assert hipdrive(config, "check", "--image", str(frame), "--out", str(tmp_path / "c.png")) == 2
    assert told in capsys.readouterr().err


def test_check_without_a_calibration_says_so_before_opening_the_camera(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user trial's `calibrate check` with nothing calibrated went to camera 0 and failed
    there: the missing calibration is told first, with how to make it."""
    assert hipdrive(config, "check") == 2
    err = capsys.readouterr().err
    assert "does not exist; make it with: hipdrive calibrate" in err and "video99" not in err
