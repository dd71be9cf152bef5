"""A runner's progress over sessions (``hipdrive sessions trend``), on sessions recorded from
real treadmill running (Fukuchi 2017, CC-BY 4.0: RBDS001 at 2.5 m/s, RBDS0041 at 4.6 m/s)."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from html import escape
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.bus.schema import StepMsg
from edge.cli import BROKEN_PIPE, main
from edge.demo.scene import SideCamera
from edge.gait import GaitEngine, PlaneMapping
from edge.gait.summary import LESS_SURE
from edge.pace import UNJUDGED_BEYOND
from edge.report.trend import UNJUDGED_MARK_NOTE, cell, trend_lines, trend_rows
from edge.store.sessions import SessionStore
from tests.builders import messages
from tests.builders.keypoint_tracks import synth_track
from tests.gait_modes import trial


def steps_of(source: str, seconds: float, t0: float) -> list[StepMsg]:
    camera = SideCamera()
    t, kp = synth_track(trial(source), 60.0, camera, seed=7)
    engine = GaitEngine(PlaneMapping.scaled("right", camera.meters_per_pixel))
    out = []
    for i in np.flatnonzero(t < seconds):
        out += engine.push(float(t[i]) + t0, kp[i])
    out += engine.finish()
    return [StepMsg(station="s", t=s.ic_t, **asdict(s)) for s in out]


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("trend")
    store = SessionStore(root / "data" / "sessions.sqlite", "s")
    for k, (runner, source, seconds, problem) in enumerate(
        [("Ana", "RBDS001", 20.0, None), ("Ben", "RBDS001", 10.0, None),
         ("ana ", "RBDS0041", 20.0, None), ("Ana", "RBDS001", 3.0, None),
         ("Ana", "RBDS001", 20.0, "--meters-per-pixel 0.03 makes the runner's leg 9 m long")]
    ):  # fmt: skip
        t0 = 1000.0 * k
        store.start_session(t0, runner=runner, calibrated=True)
        for step in steps_of(source, seconds, t0):
            store.record_step(step)
        store.end_session(t0 + seconds, problem)
    store.close()
    path = root / "config.toml"
    path.write_text(f'[station]\ndata_dir = "{root / "data"}"\n', encoding="utf-8")
    return path


def test_a_runners_sessions_side_by_side(config: Path, capsys) -> None:
    assert main(["sessions", "trend", "Ana", "--config", str(config)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[3:8] == ["steps", "pace", "leg/s", "hip", "extension"]
    rows = [line.split() for line in out[1:4]]
    assert [r[0] for r in rows] == ["1", "3", "4"]  # Ben's session 2 is not hers
    # The pace, which the figures and their targets move with (leg lengths a second): RBDS001 at
    # 2.5 m/s, RBDS0041 at 4.6.
    assert 2.8 < float(rows[0][4]) < 3.3 and 5.0 < float(rows[1][4]) < 5.6
    # columns: hip extension, knee lift, scissor, overstride cm, cadence, stride, contact; the
    # scissor, with the far thigh in it, measured less surely and marked so
    assert [r[7][-1] for r in rows[:2]] == [LESS_SURE] * 2
    assert not any(v.endswith(LESS_SURE) for r in rows[:2] for v in r[4:7] + r[8:])
    slow, fast, short = (
        [float(v.rstrip(LESS_SURE)) for v in r[5:]] if r[5] != "-" else r[5:] for r in rows
    )
    assert short == ["-"] * 7  # 3 s: too few running steps to judge
    # A session whose steps were held (its scale did not fit): no figures, and why.
    assert out[4].split()[4:] == ["-"] * 8
    assert out[5] == "session 4: fewer than 20 running steps, too few for figures"
    assert out[6] == UNJUDGED_MARK_NOTE
    assert out[7] == "session 5: not judged, the steps no cue rests on (its report says why)"
    assert fast[0] > slow[0] + 10.0  # hip extension at 4.6 m/s against 2.5
    assert fast[5] > slow[5] + 0.8  # stride length
    page = (config.parent / "data" / "reports" / "trend-ana.html").read_text(encoding="utf-8")
    assert page.count("<tr><td>") == 4 and "Session 5: not judged" in page
    assert page.count(f"{LESS_SURE}</td>") == 2 and escape(UNJUDGED_MARK_NOTE) in page
    png = re.search(r'src="data:image/png;base64,([^"]+)"', page)
    assert png is not None
    image = cv2.imdecode(np.frombuffer(base64.b64decode(png.group(1)), np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[1] >= 1000


def test_a_session_past_the_recorded_paces_has_its_overstride_marked(tmp_path: Path) -> None:
    """A user trial's session at 6.6 leg lengths a second, its overstride "not judged, no
    target at this pace" in its report, had it shown as 39.1% beside the runner's slower
    sessions, unmarked: now marked, as its report's, the figures with a target at any pace
    not."""
    path = tmp_path / "sessions.sqlite"
    store = SessionStore(path, "s")
    for k, pace in enumerate((3.0, 6.6)):
        store.start_session(1000.0 * k, runner="Kim")
        for i in range(30):
            store.record_step(
                messages.later(
                    messages.step(i, overstride_pct_leg=20.0 + 3 * k, speed_legs_per_s=pace),
                    1000.0 * k,
                )
            )
        store.end_session(1000.0 * k + 20.0)
    store.close()
    slow, fast = trend_rows(path, "kim")
    overstride = {"overstride_cm", "overstride_pct_leg"}
    assert overstride <= set(UNJUDGED_BEYOND) and overstride <= fast.unjudged
    assert slow.unjudged == fast.unjudged - overstride
    assert cell(fast, "overstride_pct_leg", 1) == f"23.0{LESS_SURE}"
    assert cell(slow, "overstride_pct_leg", 1) == "20.0"
    assert cell(fast, "cadence_spm", 0) == "171"


def test_sessions_before_a_calibration_keep_their_overstride_beside_those_after(
    tmp_path: Path,
) -> None:
    """A user trial's runner, two sessions uncalibrated (% of the leg) and one calibrated (cm
    as well): the table had shown the overstride in cm alone, the first two's as "-", unsaid.
    Both columns now, each session's figures where it has them."""
    path = tmp_path / "sessions.sqlite"
    store = SessionStore(path, "s")
    for k, cm in enumerate((None, None, 17.0)):
        store.start_session(1000.0 * k, runner="Kim", calibrated=cm is not None)
        for i in range(30):
            step = messages.step(i, overstride_pct_leg=20.0 + k, overstride_cm=cm)
            store.record_step(messages.later(step, 1000.0 * k))
        store.end_session(1000.0 * k + 20.0)
    store.close()
    rows = trend_rows(path, "kim")
    head = trend_lines(rows)[0]
    assert "% leg" in head and "cm" in head
    assert [cell(r, "overstride_pct_leg", 1) for r in rows] == ["20.0", "21.0", "22.0"]
    assert [cell(r, "overstride_cm", 1) for r in rows] == ["-", "-", "17.0"]
    # All calibrated: the cm alone, as before.
    assert "% leg" not in trend_lines(rows[2:])[0]


def test_output_piped_to_a_reader_that_goes_away_ends_without_a_traceback(config: Path) -> None:
    """A user trial's ``sessions export ... | head`` ended in a BrokenPipeError traceback."""
    argv = [sys.executable, "-m", "edge.cli", "sessions", "export", "1", "--format", "jsonl"]
    done = subprocess.Popen(
        [*argv, "--config", str(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert done.stdout is not None and done.stderr is not None
    done.stdout.close()  # the reader is gone before the first line
    err = done.stderr.read().decode()
    assert done.wait(timeout=60) == BROKEN_PIPE and "Traceback" not in err, err


def test_an_unknown_runner_gets_the_names_there_are(config: Path, capsys) -> None:
    assert main(["sessions", "trend", "Cy", "--config", str(config)]) == 2
    # Ana was also named "ana": one runner, as the trend matches names.
    assert capsys.readouterr().err.rstrip().endswith("runners recorded: Ana, Ben")


def test_a_session_named_afterwards_joins_its_runners_trend(tmp_path: Path, capsys) -> None:
    # A walk-up runner starts before anyone names them; the coach names the session later,
    # while the station goes on recording the next one, keypoints too (a write open for up to
    # a second at a time: SQLite's own wait had given up after 5 s four times in five).
    path = tmp_path / "data" / "sessions.sqlite"
    config = tmp_path / "config.toml"
    config.write_text(f'[station]\ndata_dir = "{path.parent}"\n', encoding="utf-8")
    store = SessionStore(path, "s")
    stop = threading.Event()

    def record() -> None:
        frame = 0
        while not stop.wait(1 / 30):
            store.record_keypoints(100.0 + frame / 30, frame, np.ones((17, 3), np.float32))
            frame += 1

    recorder = threading.Thread(target=record)
    try:
        store.start_session(0.0, calibrated=True)
        for step in steps_of("RBDS001", 20.0, 0.0):
            store.record_step(step)
        store.end_session(20.0)
        store.start_session(100.0, runner="Ben")
        assert store.flush()
        recorder.start()
        time.sleep(1.5)
        argv = ["sessions", "runner", "1", " Ana ", "--config", str(config)]
        assert main(argv) == 0
        assert capsys.readouterr().out == "session 1: runner Ana\n"
        # An open session is the station's to name (it keeps the name for the next one too).
        argv = ["sessions", "runner", "2", "Cy", "--config", str(config)]
        assert main(argv) == 2
        assert "session 2 is still open: name its runner from the console" in (
            capsys.readouterr().err
        )
        stop.set()
        recorder.join()
        store.end_session(200.0)
        assert store.flush()
        assert main(argv) == 0
        assert capsys.readouterr().out == "session 2: runner Cy (was Ben)\n"
    finally:
        stop.set()
        if recorder.is_alive():
            recorder.join()
        store.close()
    assert main(["sessions", "trend", "Ana", "--config", str(config)]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert rows[0].split()[0] == "1" and float(rows[0].split()[4]) > 0.0
    assert main(["sessions", "list", "--config", str(config)]) == 0
    assert [line.split()[-1] for line in capsys.readouterr().out.splitlines()[1:]] == ["Ana", "Cy"]


@pytest.mark.parametrize(
    ("session", "name", "said"),
    [
        ("9", "Ana", "no session 9 in"),
        ("1", "   ", "runner: empty (only spaces): give the runner's name in plain characters"),
        ("1", "A\u202eB", "runner: U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed"),
    ],
)
def test_naming_a_session_says_what_is_wrong(
    config: Path, capsys, session: str, name: str, said: str
) -> None:
    assert main(["sessions", "runner", session, name, "--config", str(config)]) == 2
    assert said in capsys.readouterr().err
    assert main(["sessions", "list", "--config", str(config)]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[-1] == "Ana"  # unchanged


def test_medians_that_barely_differ_are_drawn_flat_and_labelled_plainly() -> None:
    """A user trial's two runs of one clip, their cadences equal to 1e-10, were drawn as a steep
    line on an axis labelled "1e-10+1.687604995e2"."""
    from matplotlib.figure import Figure

    from edge.report.plots import MIN_SPAN, _medians_axis

    ax = Figure().subplots()
    values = [168.7604995, 168.7604995 + 1e-10]
    ax.plot([0, 1], values)
    _medians_axis(ax, values)
    lo, hi = ax.get_ylim()
    assert hi - lo >= MIN_SPAN * 168.76
    ax.figure.canvas.draw()
    assert ax.yaxis.get_offset_text().get_text() == ""
    assert all("e" not in label.get_text() for label in ax.get_yticklabels())
    # About zero too (a review), and a median that is no number is left out.
    _medians_axis(ax, [0.0, 1e-10, float("nan")])
    lo, hi = ax.get_ylim()
    assert hi - lo >= 0.1
