"""``hipdrive run`` as a process: SIGHUP mid-run reloads the configuration without ending the
session, and SIGTERM loses no step (every step it printed, and so published, is in SQLite
afterwards)."""

from __future__ import annotations

import logging
import math
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from edge.cli import main
from edge.demo.scene import SideCamera
from edge.store.sessions import list_sessions, read_steps
from tests.builders.fakes import FakePose
from tests.builders.keypoint_tracks import synth_track
from tests.builders.media import coded_frame, write_video

#: how a headless station's line of a step starts (a cue's reason, on a line of its own, can
#: name the contact time too)
STEP_LINE = ("left ", "right ")


@pytest.mark.slow
def test_sighup_reloads_and_sigterm_keeps_every_published_step(
    tmp_path: Path, model_path: Path, refiner_path: Path, station_demo
) -> None:
    clip = station_demo
    config = tmp_path / "config.toml"
    settings = (
        f'[station]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[pose]\nmodel = "{model_path}"\nimgsz = [320, 256]\nrefiner = "{refiner_path}"\n'
        f'[bus]\npublish = "ipc://{tmp_path}/pub"\ncontrol = "ipc://{tmp_path}/ctl"\n'
    )
    config.write_text(settings)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "edge.cli",
            "run",
            "--config",
            str(config),
            "--source",
            f"file:{clip.video}",
            "--headless",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    printed = []
    deadline = time.monotonic() + 240
    hung_up = math.inf
    assert proc.stdout is not None
    # The station takes on a reload within a second: give it two before stopping it.
    while (len(printed) < 4 or time.monotonic() - hung_up < 2.0) and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith(STEP_LINE):
            printed.append(line)
        if len(printed) == 2 and math.isinf(hung_up):
            config.write_text(settings + "[targets]\ncontact_max_ms = 280.0\n")
            proc.send_signal(signal.SIGHUP)
            hung_up = time.monotonic()
    assert len(printed) >= 4, proc.stderr.read() if proc.stderr else ""
    proc.send_signal(signal.SIGTERM)
    rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "reloaded targets.contact_max_ms = 280.0 (was 300.0)" in err
    printed += [line for line in rest.splitlines() if line.startswith(STEP_LINE)]
    assert "has ended" not in err, "the run was stopped by the signal, not by the clip's end"
    sessions = list_sessions(tmp_path / "data" / "sessions.sqlite")
    recorded = [
        s
        for session in sessions
        for s in read_steps(tmp_path / "data" / "sessions.sqlite", session.id)
    ]
    assert len(recorded) == len(printed)
    assert len(sessions) == 1, "the reload kept the session"
    assert all(session.ended for session in sessions), "the session was closed cleanly"


def test_a_damaged_model_exits_3_with_the_fix(
    tmp_path: Path, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = tmp_path / "yolo11n-pose.pt"
    damaged.write_bytes(model_path.read_bytes()[:100_000])
    config = tmp_path / "config.toml"
    config.write_text(
        f'[station]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[pose]\nbackend = "ultralytics"\nmodel = "{damaged}"\n'
    )
    assert main(["run", "--config", str(config), "--source", "camera:/dev/video99"]) == 3
    err = capsys.readouterr().err
    assert f"pose model {damaged} could not be loaded" in err
    assert "delete it and fetch it again (hipdrive model fetch)" in err


# -- a video file's time base and window ------------------------------------------------------

#: a slow-motion clip: filmed at 60 fps, stored to play at 30
CAPTURE_FPS, PLAYBACK_FPS = 60.0, 30.0

RUN_WITH_FAKE_POSE = """
import sys
import numpy as np
from edge.cli import main
from edge.commands import common
from tests.builders.fakes import FakePose
from tests.builders.media import coded_index
keypoints = np.load(sys.argv[1])
common.open_pose = lambda config: FakePose(keypoints, coded_index)
sys.exit(main(sys.argv[2:]))
"""


def station_config_in(folder: Path) -> Path:
    """A station configuration in ``folder``: its data and bus sockets there too, the pose
    model's crop and refiner off (the fake pose model's frames are codes, not a person)."""
    config = folder / "config.toml"
    config.write_text(
        f'[station]\ndata_dir = "{folder / "data"}"\n[pose]\ncrop = false\nrefine = false\n'
        f'[bus]\npublish = "ipc://{folder}/pub"\ncontrol = "ipc://{folder}/ctl"\n'
    )
    return config


class FileRun:
    """``hipdrive run --headless`` on ``video`` with ``flags``, started at once in a process of
    its own, the fake pose model handing out the keypoints saved at ``keypoints`` (.npy). Its
    configuration (``station_config_in``), HOME and output are in ``folder``; the output goes
    to files, so a run not read yet never waits on a full pipe. A file run spends most of its
    time waiting for the file's frames to be due, so several started together take about as
    long as the longest of them."""

    def __init__(
        self, folder: Path, keypoints: Path, video: Path, flags: Sequence[str] = ()
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.config = station_config_in(folder)
        self._out, self._err = folder / "stdout.txt", folder / "stderr.txt"
        args = ["run", "--config", str(self.config), "--source", f"file:{video}", "--headless"]
        with self._out.open("w") as out, self._err.open("w") as err:
            self._process = subprocess.Popen(
                [sys.executable, "-c", RUN_WITH_FAKE_POSE, str(keypoints), *args, *flags],
                stdout=out,
                stderr=err,
                text=True,
                env={**os.environ, "HOME": str(folder)},
            )

    def result(self) -> subprocess.CompletedProcess[str]:
        """The run's exit code and output, once it has ended (killed after 120 s)."""
        try:
            code = self._process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
            raise
        return subprocess.CompletedProcess(
            self._process.args, code, self._out.read_text(), self._err.read_text()
        )


@pytest.fixture()
def station_config(tmp_path: Path) -> Path:
    return station_config_in(tmp_path)


@pytest.fixture(scope="module")
def slow_clip(mocap_trial, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """6 s of a runner filmed at 60 fps stored at 30 (frames spell their index), and the
    keypoints the fake pose model hands out for them (.npy)."""
    t, kp = synth_track(mocap_trial, CAPTURE_FPS, SideCamera(facing="right"), seed=43)
    kp = kp[t < 6.0]
    folder = tmp_path_factory.mktemp("slow")
    np.save(folder / "kp.npy", kp)
    frames = [coded_frame(i) for i in range(len(kp))]
    return write_video(folder / "slow.mp4", frames, fps=PLAYBACK_FPS), folder / "kp.npy"


@pytest.fixture(scope="module")
def slow_clip_runs(slow_clip, tmp_path_factory: pytest.TempPathFactory) -> dict[str, FileRun]:
    """The station on the slow clip's runner three ways, started together for the tests that
    read them: with --slowmo 2 ("as filmed"); with --slowmo 2 and --facing left, where the
    runner faces right ("facing left"); and the clip stored at 40 fps, nothing saying it is
    slow motion ("at 40 fps"). Beside them, the clip's first pose held still, with a pixel's
    jitter, for as long at 30 fps: a person standing on the belt ("standing")."""
    video, keypoints = slow_clip
    folder = tmp_path_factory.mktemp("slow-runs")
    kp = np.load(keypoints)
    frames = [coded_frame(i) for i in range(len(kp))]
    at_40 = write_video(folder / "slow40.mp4", frames, fps=40.0)
    contradicted = ["--slowmo", "2", "--facing", "left"]
    still = np.repeat(kp[:1], len(kp), axis=0)
    still[..., :2] += np.random.default_rng(5).normal(0.0, 1.0, still[..., :2].shape)
    np.save(folder / "still.npy", still)
    return {
        "as filmed": FileRun(folder / "as-filmed", keypoints, video, ["--slowmo", "2"]),
        "facing left": FileRun(folder / "facing-left", keypoints, video, contradicted),
        "at 40 fps": FileRun(folder / "at-40", keypoints, at_40),
        "standing": FileRun(folder / "standing", folder / "still.npy", video),
    }


def test_run_on_a_slow_motion_file_times_frames_as_filmed(slow_clip_runs) -> None:
    done = slow_clip_runs["as filmed"].result()
    assert done.returncode == 0, done.stderr
    assert "at 60.0 fps" in done.stderr and "has ended" in done.stderr
    cadences = [int(c) for c in re.findall(r"cadence (\d+) spm", done.stdout)]
    assert len(cadences) >= 6, done.stdout
    # RBDS001 steps 156 times a minute; at the file's 30 fps the station would see 78.
    assert 150 <= cadences[-1] <= 162
    # The file's end is summed up as analyze sums up a video (a user trial's headless run had
    # ended on its last step's line).
    _, closing = done.stdout.split(" ended:\n", 1)
    assert re.search(r"^  \d+ steps \(", closing), closing
    assert re.search(r"cadence +1[56]\d\.\d spm", closing), closing


def test_run_on_a_slow_motion_file_without_its_rate_gives_no_cue_and_exits_2(
    slow_clip_runs, tmp_path: Path
) -> None:
    """The clip stored at 40 fps with nothing to say it is slow motion: its steps come at 104 a
    minute, which no runner runs. As analyze refuses it, the station gives no cue once that shows
    (a user trial's console said "Quicker, lighter steps" at 85 spm) and the run exits 2 saying
    why. Its session's report gives no findings, and says why. (At 30 fps, half speed, the
    engine finds a step or two: too few to tell.)"""
    run = slow_clip_runs["at 40 fps"]
    done = run.result()
    assert done.returncode == 2, done.stderr
    assert "is not from running at the video's 40 fps: if it is slow motion, give" in done.stderr
    assert "--capture-fps N" in done.stderr and "no findings or cues are given" in done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith(STEP_LINE)]
    assert len(lines) >= 4, done.stdout
    assert not any("Quicker" in line or "(cadence" in line for line in done.stdout.splitlines())
    assert lines[-1].endswith(
        "| no cue: these steps are no runner's at the file's rate (see the log)"
    )
    report = tmp_path / "report.html"
    assert main(["sessions", "report", "1", "--config", str(run.config), "--out", str(report)]) == 0
    page = report.read_text(encoding="utf-8")
    assert "The station gave no cues at the end of this session: cadence 10" in page
    assert "(not judged: see the summary)" in page and "<figure class=chart" not in page


def test_run_on_a_file_of_a_person_standing_says_there_is_nothing_to_judge_and_exits_2(
    slow_clip_runs,
) -> None:
    """As analyze refuses such a video: a user trial's ``run`` on clips of warm-up drills and of
    squats had ended exit 0 with no word of it, its last line the session's report."""
    done = slow_clip_runs["standing"].result()
    err = done.stderr
    assert done.returncode == 2, done.stderr
    assert not [line for line in done.stdout.splitlines() if line.startswith(STEP_LINE)]
    said = re.search(r"0 steps: too few to judge a runner by \(4 at least\) in ([\d.]+) s", err)
    assert said and 11.0 <= float(said[1]) <= 12.1, done.stderr
    assert "no findings or cues are given" in done.stderr


def test_run_on_a_file_with_a_scale_that_does_not_fit_the_runner_exits_2_as_analyze_does(
    mocap_trial, tmp_path: Path
) -> None:
    """--meters-per-pixel ten times too big: analyze refuses it, and so does the station on
    the same file, with no cue from the fourth running step on (a user trial's analyze had shown
    a 97 cm overstride); a scale that fits gives its cues and exits 0, a belt speed beside it
    that does not is refused, each named as the user gave it (a trial's station had named
    "the station's belt speed" where --belt-speed was typed). The three runs go side by side."""
    t, kp = synth_track(mocap_trial, 30.0, SideCamera(facing="right"), seed=45)
    kp = kp[t < 6.0]
    np.save(tmp_path / "kp.npy", kp)
    video = write_video(tmp_path / "run.mp4", [coded_frame(i) for i in range(len(kp))], 30.0)
    # The camera's own scale (0.00214: 0.003, once used here, makes the leg 1.17 m, no adult's).
    fitting = ["--meters-per-pixel", "0.00214"]
    runs = [
        FileRun(tmp_path / name, tmp_path / "kp.npy", video, flags)
        for name, flags in (
            ("too-big", ["--meters-per-pixel", "0.03"]),
            ("fits", fitting),
            ("belt-off", [*fitting, "--belt-speed", "7.9"]),
        )
    ]
    done, fits, off = (run.result() for run in runs)
    assert done.returncode == 2, done.stderr
    assert "--meters-per-pixel 0.03 makes the runner's leg (hip to ankle)" in done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith(STEP_LINE)]
    assert len(lines) >= 8, done.stdout
    assert all("| no cue" in line for line in lines[3:]), done.stdout
    assert fits.returncode == 0, fits.stderr
    # No cue while the first steps are checked, then the cues.
    fit_lines = [line for line in fits.stdout.splitlines() if line.startswith(STEP_LINE)]
    checking = [
        line
        for line in fit_lines
        if line.endswith("| no cue yet: checking the steps against the file's rate")
    ]
    assert 0 < len(checking) <= 3 and fit_lines[: len(checking)] == checking, fits.stdout
    assert "makes the runner's leg" not in fits.stderr
    assert off.returncode == 2, off.stderr
    assert (
        "a belt speed of 7.9 m/s (--belt-speed) and --meters-per-pixel 0.00214 do not" in off.stderr
    )
    assert "give the belt's speed in m/s with --belt-speed" in off.stderr


def test_run_on_a_converted_file_leaves_out_its_repeats_as_analyze_does(
    mocap_trial, tmp_path: Path
) -> None:
    """25 fps stored as 30, one frame in six a repeat: the station takes the new frames only,
    timed as filmed, and says so. The runner named on the command line names its session (a
    trial's file ended before the console's n key could)."""
    t, kp = synth_track(mocap_trial, 25.0, SideCamera(facing="right"), seed=44)
    kp = kp[t < 6.0]
    np.save(tmp_path / "kp.npy", kp)
    shows = np.floor(np.arange(int(len(kp) * 30 / 25)) * 25 / 30 + 1e-9).astype(int)
    video = write_video(tmp_path / "from25.mp4", [coded_frame(int(j)) for j in shows], 30.0)
    done = FileRun(tmp_path, tmp_path / "kp.npy", video, ["--runner", " Ann "]).result()
    assert done.returncode == 0, done.stderr
    [session] = list_sessions(tmp_path / "data" / "sessions.sqlite")
    assert session.runner == "Ann"
    repeats = int(np.sum(shows[1:] == shows[:-1]))
    assert f"{repeats} of the {len(shows)} frames repeat the frame before" in done.stderr
    assert "the new frames, 25 a second on average, each timed when it was filmed" in done.stderr
    # Headless, the mark of a less sure figure is told once, each new cue's reason once, and
    # where the session's report is.
    assert done.stdout.count("(*: measured less surely, the far leg seen through") == 1
    told, cue, changes = [], None, 0
    for line in done.stdout.splitlines():
        if line.startswith(("left ", "right ")):
            shown = line.rsplit(" | ", 1)[1]
            # No reason comes with no cue: waiting for the first, or for the file's check.
            changes += shown != cue and not shown.startswith(("first cue", "no cue"))
            cue = shown
        elif line.startswith("  (") and not line.startswith("  (*"):
            told.append(line)
    assert changes and len(told) == changes, done.stdout
    assert re.search(r"session (\d+) ended; its report: hipdrive sessions report \1", done.stderr)
    cadences = [int(c) for c in re.findall(r"cadence (\d+) spm", done.stdout)]
    assert len(cadences) >= 6, done.stdout
    assert 150 <= cadences[-1] <= 162


@pytest.mark.parametrize(
    ("frames", "message"),
    [(None, "does not exist; check the path"), (1, "holds a single picture, not a video")],
)
def test_a_file_that_is_no_run_is_refused_before_the_pose_model_loads(
    tmp_path: Path,
    station_config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    frames: int | None,
    message: str,
) -> None:
    """A user trial's run of a missing file waited for the pose model to hear of it, and one
    of a photograph named .mp4 recorded an empty session with exit 0, where analyze refused
    it: both are refused at once, as analyze does."""
    video = tmp_path / "photo.mp4"
    if frames is not None:
        write_video(video, [coded_frame(0)], 30.0)

    def no_model(_config: object) -> None:
        raise AssertionError("the pose model was loaded")

    monkeypatch.setattr("edge.commands.common.open_pose", no_model)
    assert main(["run", "--config", str(station_config), "--source", f"file:{video}"]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("calibration", "message"),
    [("[plane\n", "is not valid TOML"), (None, "station: unknown key; valid keys here: camera")],
)
def test_a_bad_calibration_is_refused_before_the_pose_model_loads(
    tmp_path: Path,
    station_config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    calibration: str | None,
    message: str,
) -> None:
    """A tester's malformed --calibration (and a configuration given as one) was told only
    once the pose model had loaded, seconds on; analyze refuses it before: so does run."""
    video = write_video(tmp_path / "run.mp4", [coded_frame(i) for i in range(90)], 30.0)
    path = station_config
    if calibration is not None:
        path = tmp_path / "calibration.toml"
        path.write_text(calibration)

    def no_model(_config: object) -> None:
        raise AssertionError("the pose model was loaded")

    monkeypatch.setattr("edge.commands.common.open_pose", no_model)
    args = ["run", "--config", str(station_config), "--source", f"file:{video}"]
    assert main([*args, "--calibration", str(path)]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("source", "flags", "message"),
    [
        ("camera:0", ["--slowmo", "4"], "--slowmo times a video file, and the source is camera:0"),
        (
            "camera:0",
            ["--start", "1", "--fps", "30"],
            "--fps and --start time a video file, and the source is camera:0: give "
            "--source file:VIDEO",
        ),
        ("FILE", ["--start", "30"], "--start 30 s is past the end of"),
        (
            "FILE",
            ["--start", "1", "--end", "2"],
            "slow.mp4 is too short: 30 frames at 30 fps (1.00 s)",
        ),
        ("FILE", ["--capture-fps", "12"], "below the 24 fps the gait engine needs at least"),
    ],
)
def test_bad_time_bases_exit_2(
    slow_clip,
    station_config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    source: str,
    flags: list[str],
    message: str,
) -> None:
    video, _ = slow_clip
    monkeypatch.setattr(
        "edge.commands.common.open_pose", lambda _config: FakePose(np.zeros((1, 17, 3)))
    )
    source = f"file:{video}" if source == "FILE" else source
    assert main(["run", "--config", str(station_config), "--source", source, *flags]) == 2
    assert message in capsys.readouterr().err


def test_a_files_time_base_is_told_as_analyze_tells_it(
    slow_clip,
    station_config: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A file's --slowmo had gone by without a word: the station's line gave its real rate
    alone ("at 60.0 fps"). Its time base is told as analyze's first line tells it."""
    video, _ = slow_clip
    monkeypatch.setattr(
        "edge.commands.common.open_pose", lambda _config: FakePose(np.zeros((1, 17, 3)))
    )
    monkeypatch.setattr("edge.commands.common.run_station", lambda *_args, **_kw: None)
    args = ["run", "--config", str(station_config), "--source", f"file:{video}", "--headless"]
    with caplog.at_level(logging.INFO):
        assert main([*args, "--slowmo", "2"]) == 0
    assert "slow.mp4: 60 fps, played at 30 fps (slow motion x2, from --slowmo 2)" in caplog.text


def test_a_source_given_twice_is_refused(
    tmp_path: Path, station_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two sources, the first a typo: argparse would have run the last without a word."""
    args = ["run", "--config", str(station_config), "--source", "file:a.mp4"]
    with pytest.raises(SystemExit) as refused:
        main([*args, "--source", "file:b.mp4"])
    assert refused.value.code == 2
    assert "--source: given twice (file:a.mp4, then file:b.mp4): give it once" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("name", "message"), [(" ", "--runner: empty (only spaces)"), ("A\x1b[2J", "U+001B")]
)
def test_a_runner_name_the_console_would_refuse_exits_2(
    station_config: Path, capsys: pytest.CaptureFixture[str], name: str, message: str
) -> None:
    assert main(["run", "--config", str(station_config), "--runner", name]) == 2
    err = capsys.readouterr().err
    assert message in err and "give the runner's name in plain characters" in err


def test_run_on_a_file_with_a_facing_its_runner_contradicts_exits_2(slow_clip_runs) -> None:
    done = slow_clip_runs["facing left"].result()  # the runner faces right
    assert done.returncode == 2, done.stderr
    assert "cadence" not in done.stdout
    assert "no steps shown: the runner faces right in the image" in done.stderr
    assert "not left as --facing says: give --facing right" in done.stderr


def test_the_demo_source_is_measured_on_the_plane_of_the_camera_that_rendered_it(
    station_demo, station_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`hipdrive run --source demo:CLIP` measures in cm as `hipdrive demo` does, never on the
    station's own calibration (another camera's), unless a flag gives one."""
    from edge.demo.session import demo_calibration

    ran = []
    monkeypatch.setattr(
        "edge.commands.common.open_pose", lambda _config: FakePose(np.zeros((1, 17, 3)))
    )
    monkeypatch.setattr(
        "edge.commands.common.run_station",
        lambda _config, source, _pose, calibration, *_a, **kw: ran.append((calibration, kw)),
    )
    source = f"demo:{station_demo.video}"
    assert main(["run", "--config", str(station_config), "--source", source]) == 0
    calibration, kwargs = ran[-1]
    expected = demo_calibration(station_demo).plane
    assert calibration is not None and calibration.plane is not None and expected is not None
    assert calibration.plane.meters_per_pixel_at_belt == expected.meters_per_pixel_at_belt
    assert kwargs["view"] == (station_demo.camera.facing, None)
    args = ["run", "--config", str(station_config), "--source", source]
    assert main([*args, "--meters-per-pixel", "0.003"]) == 0
    assert ran[-1][0] is None and ran[-1][1]["view"][1] == 0.003


def test_a_demo_source_that_is_no_rendered_demo_exits_2(
    slow_clip, station_config: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    video, _ = slow_clip
    monkeypatch.setattr(
        "edge.commands.common.open_pose", lambda _config: FakePose(np.zeros((1, 17, 3)))
    )
    assert main(["run", "--config", str(station_config), "--source", f"demo:{video}"]) == 2
    err = capsys.readouterr().err
    assert f"demo:{video} is not the clip `hipdrive demo` renders" in err
    assert f"give --source file:{video} to play it as a video" in err


def test_a_headless_run_ended_at_a_cut_sums_up_its_shot_then_exits_2(
    tmp_path: Path, mocap_trial, capsys
) -> None:
    """Two shots joined at 6 s, the runner 300 px further right after the cut: the run ends at
    the cut, prints what the shot before it gave, as a file of that shot alone would, then
    says why it ended there (exit 2)."""
    from edge.capture.repeats import PictureCut
    from edge.capture.timebase import TimeBase
    from edge.commands.common import run_station
    from edge.config import load_config
    from edge.errors import UsageError
    from tests.builders.fakes import FakeSource

    t, kp = synth_track(mocap_trial, 60.0, SideCamera(), seed=31)
    joined = kp[t < 12.0].copy()
    joined[360:, :, 0] += 300.0
    source = FakeSource(len(joined))
    source.cuts = (PictureCut(360, True, TimeBase(60.0, 60.0)),)
    config = load_config(station_config_in(tmp_path))
    with pytest.raises(UsageError, match=r"^fake cuts .* at 6\.000 s, and the runner jumps"):
        run_station(config, source, FakePose(joined), None, headless=True)
    _, closing = capsys.readouterr().out.split("fake ended:\n", 1)
    assert re.search(r"^  \d+ steps \(", closing), closing
