from __future__ import annotations

import csv
import io
import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from edge.bus.schema import STEP_EXTENSIONS, STEP_FIELDS, StepMsg, decode, encode
from edge.cli import main
from edge.errors import UsageError
from edge.gait.metrics import OBLIQUE_METRICS, foreshortened
from edge.skeleton import NUM_KEYPOINTS
from edge.store.sessions import (
    STEPS_CSV_COLUMNS,
    SessionStore,
    export_steps,
    list_sessions,
    read_belt_speeds,
    read_session,
    read_steps,
    read_untimed,
)
from edge.store.track import read_keypoint_track
from tests.builders import messages

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "sessions.sqlite"


@pytest.fixture
def store(db: Path) -> Iterator[SessionStore]:
    # Commits come from summaries, flush and close only, unless a test asks otherwise.
    store = SessionStore(db, messages.STATION, commit_interval=3600)
    yield store
    store.close()


def reader(db: Path) -> sqlite3.Connection:
    """A second connection, as another process would open it."""
    return sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)


def count(db: Path, table: str) -> int:
    conn = reader(db)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def eventually(condition: Callable[[], bool], timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_real_file_in_wal_mode(store: SessionStore, db: Path) -> None:
    assert store.recording_ok and store.problem is None
    assert db.is_file()
    conn = reader(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert tables == {
        "sessions",
        "steps",
        "summaries",
        "laps",
        "belt_speeds",
        "untimed",
        "keypoints",
    }


def test_steps_are_committed_when_the_next_summary_is_written(
    store: SessionStore, db: Path
) -> None:
    store.start_session(10.0, runner="Ana")
    for i in range(5):
        assert store.record_step(messages.step(i))
    assert store.record_summary(messages.summary())
    # The periodic commit is an hour away: only the summary can have committed these.
    assert eventually(lambda: count(db, "steps") == 5), "steps not committed after the summary"
    assert count(db, "summaries") == 1


def test_what_follows_a_summary_runs_once_it_and_its_steps_are_on_disk(
    store: SessionStore, db: Path
) -> None:
    """The station publishes a step from here, so a console never shows one a crash loses."""
    seen: list[tuple[int, int]] = []
    done = threading.Event()

    def then() -> None:
        seen.append((count(db, "steps"), count(db, "summaries")))
        done.set()

    assert store.record_summary(messages.summary(), then=then) is False
    assert seen == [(0, 0)], "no session: nothing to wait for, it runs at once"
    store.start_session(10.0)
    for i in range(3):
        store.record_step(messages.step(i))
    done.clear()
    assert store.record_summary(messages.summary(), then=then)
    assert done.wait(5.0)
    assert seen[-1] == (3, 1)


def test_steps_are_committed_periodically_without_summaries(db: Path) -> None:
    store = SessionStore(db, messages.STATION, commit_interval=0.05)
    try:
        store.start_session(0.0)
        for i in range(3):
            store.record_step(messages.step(i))
        assert eventually(lambda: count(db, "steps") == 3)
    finally:
        store.close()


def test_close_commits_everything_and_ends_the_session(store: SessionStore, db: Path) -> None:
    session = store.start_session(10.0)
    for i in range(50):
        store.record_step(messages.step(i))
    store.close()
    assert count(db, "steps") == 50
    [info] = list_sessions(db)
    assert info.id == session and info.ended is not None and info.steps == 50
    assert not store.record_step(messages.step(99))


def test_flush_waits_for_the_commit(store: SessionStore, db: Path) -> None:
    store.start_session(10.0)
    store.record_step(messages.step(0))
    assert store.flush()
    assert count(db, "steps") == 1


FAR_STEP = messages.step(
    5, view="far", metric_confidence={"hip_extension_deg": 0.3, "knee_lift_deg": 0.25}, yaw_deg=-8.5
)
"""A step of the far leg, its angles less sure: the extensions of DESIGN.md's table, all set."""


def test_steps_come_back_exactly(store: SessionStore, db: Path) -> None:
    steps = [messages.step(i) for i in range(6)]
    steps[3] = messages.step(3, overstride_cm=None, vertical_osc_cm=None, foot="far")
    steps[4] = messages.step(4, view="near", yaw_deg=0.0)
    steps[5] = FAR_STEP
    session = store.start_session(10.0)
    for step in steps:
        store.record_step(step)
    store.flush()
    assert session is not None
    assert read_steps(db, session) == steps


def test_jsonl_export_lines_are_the_step_payloads(store: SessionStore, db: Path) -> None:
    steps = [*(messages.step(i) for i in range(4)), FAR_STEP]
    session = store.start_session(10.0)
    for step in steps:
        store.record_step(step)
    store.flush()
    assert session is not None
    out = io.StringIO()
    export_steps(read_steps(db, session), "jsonl", out)
    lines = out.getvalue().splitlines()
    assert [line.encode() for line in lines] == [encode(s)[1] for s in steps]
    assert [decode(StepMsg.TOPIC, line.encode()) for line in lines] == steps
    assert json.loads(lines[0])["type"] == "step" and json.loads(lines[0])["v"] == 1


def test_csv_export_is_the_per_step_table_then_the_extensions(
    store: SessionStore, db: Path
) -> None:
    session = store.start_session(10.0)
    store.record_step(messages.step(0))
    store.record_step(messages.step(1, overstride_cm=None))
    store.record_step(FAR_STEP)
    store.flush()
    assert session is not None
    out = io.StringIO()
    export_steps(read_steps(db, session), "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == STEPS_CSV_COLUMNS == (*STEP_FIELDS, *STEP_EXTENSIONS)
    assert rows[0]["foot"] == "left" and float(rows[0]["contact_ms"]) == 250.0
    assert rows[0]["step_ms"] == "" and rows[1]["overstride_cm"] == ""
    assert (rows[0]["view"], rows[0]["metric_confidence"], rows[0]["yaw_deg"]) == ("", "", "")
    far = rows[2]
    assert far["view"] == "far" and float(far["yaw_deg"]) == -8.5
    assert json.loads(far["metric_confidence"]) == FAR_STEP.metric_confidence


def test_a_file_from_before_the_step_extensions_reads_and_gains_them(db: Path) -> None:
    SessionStore(db, messages.STATION).close()
    conn = sqlite3.connect(db)
    for name in STEP_EXTENSIONS:
        conn.execute(f"ALTER TABLE steps DROP COLUMN {name}")
    columns = ("session_id", "station", "t", *STEP_FIELDS)
    old = messages.step(0)
    conn.execute(
        "INSERT INTO sessions (id, station, started, start_t, calibrated)"
        " VALUES (1, 's', '2024-05-01T10:00:00+00:00', 0, 0)"
    )
    conn.execute(
        f"INSERT INTO steps ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        (1, old.station, old.t, *(getattr(old, name) for name in STEP_FIELDS)),
    )
    conn.commit()
    conn.close()
    assert read_steps(db, 1) == [old]  # read as it is, before any store of this build opens it
    # and listed, its steps' gait not known (a review: "no such column: gait")
    assert [(info.steps, info.walked) for info in list_sessions(db)] == [(1, 0)]
    store = SessionStore(db, messages.STATION)
    session = store.start_session(20.0)
    store.record_step(FAR_STEP)
    store.close()
    assert session == 2
    assert read_steps(db, 1) == [old] and read_steps(db, 2) == [FAR_STEP]


def test_sessions_laps_and_summaries_are_recorded(store: SessionStore, db: Path) -> None:
    first = store.start_session(1.0, runner="Ana", belt_speed_mps=3.0, calibrated=True)
    store.record_step(messages.step(0))
    store.set_belt_speed(3.3)
    store.record_lap(5.0, "1 km")
    second = store.start_session(100.0)  # ends the first
    store.set_runner("Ben")
    store.record_summary(messages.summary(t=101.0))
    store.end_session(160.0, "cadence 85 spm (running: 120-240) is not from running")
    store.flush()
    assert (first, second) == (1, 2)
    a, b = list_sessions(db)
    assert (a.runner, a.belt_speed_mps, a.calibrated, a.steps, a.laps) == ("Ana", 3.3, True, 1, 1)
    assert a.end_t == 100.0 and a.ended is not None and a.problem is None
    assert (b.runner, b.start_t, b.end_t, b.steps) == ("Ben", 100.0, 160.0, 0)
    assert b.problem == "cadence 85 spm (running: 120-240) is not from running"
    conn = reader(db)
    payload = conn.execute("SELECT payload FROM summaries WHERE session_id = 2").fetchone()[0]
    conn.close()
    assert decode(b"hipdrive.summary", payload.encode()) == messages.summary(t=101.0)


def test_the_belt_speeds_set_during_a_session_are_kept(store: SessionStore, db: Path) -> None:
    """Each with its time, the first at the start: a trial's report named only the last belt
    speed beside strides measured at another. A file from before has none."""
    store.start_session(10.0, belt_speed_mps=7.0)
    store.set_belt_speed(3.0, 16.0)
    store.set_belt_speed(None, 20.0)
    store.end_session(30.0)
    store.flush()
    assert read_belt_speeds(db, 1) == [(10.0, 7.0), (16.0, 3.0), (20.0, None)]
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE belt_speeds")
    conn.commit()
    conn.close()
    assert read_belt_speeds(db, 1) == []


def test_the_stretches_of_too_few_frames_are_kept_with_each_session(
    store: SessionStore, db: Path
) -> None:
    """From when the station got too few frames a second to time steps to when it got enough:
    one begun before a session opened counts from its start, one the session ended in ends with
    it and goes on in the next; one still going, in an open session, has no end; one found to
    have begun elsewhere (a step withheld sooner, one handed out later) is moved, not before its
    session nor over the stretch before. A file from before has none."""
    store.set_untimed(5.0, 5.0)  # before any session: kept for the next one
    store.start_session(10.0)
    store.set_untimed(5.0, 11.0)  # told again: no new stretch
    store.set_untimed(None, 14.0)
    store.set_untimed(19.2, 20.5)
    store.set_untimed(20.0, 21.0)  # a step timed to 20.0 after all: moved on
    store.set_untimed(19.5, 21.5)  # a step not timed from 19.5: moved back
    store.end_session(30.0)
    store.start_session(40.0)
    store.set_untimed(None, 45.0)
    store.set_untimed(44.0, 50.0)  # a step withheld from 44.0: not over the stretch before
    store.flush()
    assert read_untimed(db, 1) == [(10.0, 14.0), (19.5, 30.0)]
    assert read_untimed(db, 2) == [(40.0, 45.0), (45.0, math.inf)]
    store.end_session(60.0)
    store.flush()
    assert read_untimed(db, 2) == [(40.0, 45.0), (45.0, 60.0)]
    store.start_session(70.0)  # the stretch goes on
    store.set_untimed(65.0, 71.0)  # moved back: from the session's start still
    store.flush()
    assert read_untimed(db, 3) == [(70.0, math.inf)]
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE untimed")
    conn.commit()
    conn.close()
    assert read_untimed(db, 1) == []


def test_session_ids_continue_after_a_restart(db: Path) -> None:
    for expected in (1, 2):
        store = SessionStore(db, messages.STATION)
        assert store.start_session(0.0) == expected
        store.close()


def test_nothing_is_recorded_outside_a_session(store: SessionStore, db: Path) -> None:
    assert store.session_id is None
    assert not store.record_step(messages.step(0))
    assert not store.record_summary(messages.summary())
    store.start_session(0.0)
    store.end_session(1.0)
    assert not store.record_lap(2.0, None)
    store.flush()
    assert count(db, "steps") == count(db, "laps") == 0


def test_keypoint_rows_export_as_a_keypoint_track(
    store: SessionStore, db: Path, tmp_path: Path
) -> None:
    kp = np.random.default_rng(0).uniform(1, 500, (3, NUM_KEYPOINTS, 3)).astype(np.float32)
    kp[..., 2] = 0.9
    kp[1, 16] = (np.nan, np.nan, 0.0)
    session = store.start_session(5.0)
    for i in range(3):
        store.record_keypoints(5.0 + i / 60, i, kp[i])
    store.record_keypoints(5.0 + 3 / 60, 3, None)
    store.close()
    out = tmp_path / "track.csv"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    empty = write_config(elsewhere, elsewhere / "data" / "sessions.sqlite")
    no_file = ["sessions", "export", str(session), "--format", "track", "--config", str(empty)]
    assert main([*no_file, "--out", str(out)]) == 2
    config = write_config(tmp_path, db)
    args = ["sessions", "export", str(session), "--format", "track", "--config", str(config)]
    assert main([*args, "--out", str(out)]) == 0
    t, frame, back = read_keypoint_track(out)
    assert frame.tolist() == [0, 1, 2, 3]
    assert np.allclose(t, np.arange(4) / 60, atol=1e-5)  # from the session's start, as its steps
    assert np.allclose(back[0], kp[0], atol=0.01)
    assert np.isnan(back[1, 16, :2]).all() and np.isnan(back[3, :, :2]).all()
    with pytest.raises(ValueError, match=r"\(17, 3\)"):
        SessionStore(db, "x").record_keypoints(0.0, 0, np.zeros((17, 2)))


def test_a_session_without_keypoints_exports_an_empty_track_and_says_why(
    store: SessionStore, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session = store.start_session(0.0)
    store.close()
    config = write_config(tmp_path, db)
    out = tmp_path / "track.csv"
    args = ["sessions", "export", str(session), "--format", "track", "--config", str(config)]
    assert main([*args, "--out", str(out)]) == 0
    assert "wrote 0 keypoint rows" in (err := capsys.readouterr().err)
    assert "station.record_keypoints = true" in err


def test_an_unwritable_data_dir_is_reported_and_nothing_breaks(tmp_path: Path) -> None:
    # Tests run as root, for whom permissions are no obstacle; a data dir below a regular file
    # cannot be created by anyone.
    blocker = tmp_path / "data"
    blocker.write_text("not a folder", encoding="utf-8")
    store = SessionStore(blocker / "sessions.sqlite", messages.STATION)
    assert not store.recording_ok
    assert store.problem is not None
    assert store.problem.startswith("not recording: cannot open")
    assert str(blocker) in store.problem
    assert store.start_session(0.0) is None
    assert not store.record_step(messages.step(0))
    assert not store.flush()
    store.close()


def test_a_read_only_database_file_is_reported(db: Path) -> None:
    SessionStore(db, messages.STATION).close()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")  # as if a newer build had written it
    conn.commit()
    conn.close()
    store = SessionStore(db, messages.STATION)
    assert not store.recording_ok and "store version 99" in (store.problem or "")
    store.close()


DISK_FULL_CHILD = """
import resource, signal, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from edge.store.sessions import SessionStore
from tests.builders import messages

store = SessionStore(Path({db!r}), "s", commit_interval=0.01)
store.start_session(0.0)
store.flush()
# The disk fills up from now on: no file of this process may grow 128 kB past the largest now.
largest = max(p.stat().st_size for p in Path({db!r}).parent.iterdir())
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (largest + 128 * 1024, resource.RLIM_INFINITY))
recorded = 0
for i in range(20000):
    recorded += store.record_step(messages.step(i))
    if i % 100 == 0:
        store.flush()
    if not store.recording_ok:
        break
store.close()
print(recorded, store.recording_ok, store.problem)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_disk_that_fills_up_mid_session_stops_recording_with_a_reason(db: Path) -> None:
    child = DISK_FULL_CHILD.format(root=str(ROOT), db=str(db))
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(child)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    recorded, ok, problem = result.stdout.strip().split(" ", 2)
    assert int(recorded) > 0 and ok == "False"
    assert problem.startswith(f"not recording: cannot write {db}:")
    assert "not recording sessions" in result.stderr  # logged for journalctl
    # What was committed before the disk filled is intact and readable.
    assert 0 < count(db, "steps") < int(recorded)


def test_a_full_queue_drops_and_says_so_without_blocking(db: Path) -> None:
    store = SessionStore(db, messages.STATION, queue_size=20)
    store.start_session(0.0)
    store.flush()
    # Another writer holds the database: the store's writer waits on it, its queue fills up.
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        t0 = time.monotonic()
        results = [store.record_step(messages.step(i)) for i in range(200)]
        assert time.monotonic() - t0 < 1.0, "record_step waited for the disk"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert results.count(False) >= 150
    assert store.recording_ok
    assert "records dropped" in (store.problem or "")
    store.close()
    assert count(db, "steps") == results.count(True)


def write_config(tmp_path: Path, db: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'[station]\ndata_dir = "{db.parent}"\n', encoding="utf-8")
    return config


def test_sessions_list_and_export_commands(
    store: SessionStore, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, db)
    assert main(["sessions", "list", "--config", str(config)]) == 0
    assert "no sessions recorded" in capsys.readouterr().out
    session = store.start_session(10.0, runner="Ana")
    steps = [messages.step(i, gait="walking" if i == 0 else "running") for i in range(3)]
    for step in steps:
        store.record_step(step)
    store.end_session(70.0)
    store.flush()

    assert main(["sessions", "list", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "runner" in out and " 1.0 " in out and "Ana" in out
    # The steps, and how many of them were walked (a warm-up walk; a walk-only session).
    assert out.splitlines()[0].split()[5:7] == ["steps", "walked"]
    assert out.splitlines()[1].split()[4:6] == ["3", "1"]
    assert "not judged" not in out
    store.start_session(80.0)
    store.end_session(90.0, "cadence 85 spm (running: 120-240) is not from running")
    store.flush()
    assert main(["sessions", "list", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "unjudged" in out.splitlines()[2] and "unjudged: ended with steps no cue" in out
    assert main(["sessions", "drill", "2", "--config", str(config)]) == 2
    assert "session 2 was not judged: cadence 85 spm" in capsys.readouterr().err
    # A person in view who took no step (a coach beside the belt; a session started by hand
    # and then again) leaves a session with nothing in it: not listed unless asked for.
    store.start_session(100.0)
    store.start_session(101.0)
    store.flush()
    assert main(["sessions", "list", "--config", str(config)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out[1:4]] == ["1", "2", "4"]
    assert out[-1].startswith("1 session ended without a step or a lap (a person in view")
    assert main(["sessions", "list", "--all", "--config", str(config)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out[1:5]] == ["1", "2", "3", "4"]
    assert "not listed" not in out[-1]

    assert (
        main(["sessions", "export", str(session), "--format", "jsonl", "--config", str(config)])
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    # Timed from the session's start at 10 s of the station's clock (a user trial's export read
    # 50652.6 s, analyze's steps seconds of the video).
    since = [replace(s, t=s.t - 10.0, ic_t=s.ic_t - 10.0, to_t=s.to_t - 10.0) for s in steps]
    assert [line.encode() for line in lines] == [encode(s)[1] for s in since]

    out_file = tmp_path / "steps.csv"
    args = ["sessions", "export", str(session), "--format", "csv", "--config", str(config)]
    assert main([*args, "--out", str(out_file)]) == 0
    assert out_file.read_text(encoding="utf-8").splitlines()[0] == ",".join(STEPS_CSV_COLUMNS)

    assert main(["sessions", "export", "42", "--format", "csv", "--config", str(config)]) == 2
    assert "no session 42" in capsys.readouterr().err


def test_an_export_rates_the_steps_as_the_sessions_report_does(
    store: SessionStore, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An oblique uncalibrated view: the first steps, measured before the engine's yaw came, go
    out live as sure; the export marks them less sure in hindsight, as the session's report
    does (a user trial's export had them sure and every later step of the leg less sure)."""
    config = write_config(tmp_path, db)
    session = store.start_session(10.0)
    oblique = foreshortened({}, 0.9, OBLIQUE_METRICS)
    for i in range(12):
        early = i < 3
        store.record_step(
            messages.step(
                i,
                yaw_deg=None if early else 20.0,
                metric_confidence={} if early else oblique,
            )
        )
    store.flush()
    args = ["sessions", "export", str(session), "--format", "jsonl", "--config", str(config)]
    assert main(args) == 0
    out = capsys.readouterr().out.splitlines()
    lines = [decode(b"hipdrive.step", line.encode()) for line in out]
    assert len(lines) == 12
    assert all(isinstance(s, StepMsg) and s.metric_confidence == oblique for s in lines)


def test_an_export_into_a_folder_names_its_file_and_an_empty_session_says_so(
    store: SessionStore, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user trial's ``--out "out dir/"`` wrote a file named "out dir", a folder not there
    yet was refused with a bare "No such file or directory", and an empty session's export
    said nothing of why it held only a header."""
    config = write_config(tmp_path, db)
    full = store.start_session(10.0)
    store.record_step(messages.step(0))
    empty = store.start_session(20.0)
    store.end_session(30.0)
    store.flush()
    export = ["sessions", "export", "--format", "csv", "--config", str(config), "--out"]
    folder = tmp_path / "out dir"
    assert main([*export, f"{folder}/", str(full)]) == 0
    assert (folder / f"session-{full}.csv").read_text(encoding="utf-8").count("\n") == 2
    assert main([*export, str(folder), str(empty)]) == 0
    assert f"wrote 0 steps to {folder / f'session-{empty}.csv'} (session {empty} recorded none" in (
        capsys.readouterr().err
    )
    deeper = tmp_path / "new" / "steps.csv"
    assert main([*export, str(deeper), str(full)]) == 0 and deeper.is_file()
    assert main(["sessions", "list", "--config", str(write_config(folder, folder / "x"))]) == 0
    assert (
        main(["sessions", "report", "1", "--config", str(write_config(folder, folder / "x"))]) == 2
    )
    assert "A station records one when a runner comes into view" in capsys.readouterr().err


def test_reading_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        list_sessions(tmp_path / "none.sqlite")


KILLED_CHILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from edge.store.sessions import SessionStore
from tests.builders import messages

store = SessionStore(Path({db!r}), "s")
store.start_session(10.0, runner="Ana")
for i in range({steps}):
    store.record_step(messages.step(i))
    store.record_summary(messages.summary(t=messages.step(i).t))
store.flush()
print("recorded", flush=True)
time.sleep(60)
"""


def killed_while_recording(db: Path, steps: int) -> None:
    """A process records a session with ``steps`` steps and is killed with SIGKILL, the session
    still open."""
    child = KILLED_CHILD.format(root=str(ROOT), db=str(db), steps=steps)
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(child)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "recorded\n"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize(("steps", "end_t"), [(5, messages.step(4).t), (0, 10.0)])
def test_a_session_left_open_by_a_killed_station_is_closed_as_crashed_on_the_next_start(
    db: Path,
    tmp_path: Path,
    steps: int,
    end_t: float,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    killed_while_recording(db, steps)
    [left] = list_sessions(db)
    assert left.ended is None and left.end_t is None and not left.crashed
    config = write_config(tmp_path, db)
    assert main(["sessions", "list", "--config", str(config)]) == 0
    assert "  open  " in capsys.readouterr().out

    store = SessionStore(db, messages.STATION)
    assert store.start_session(100.0) == 2
    store.close()
    crashed, clean = list_sessions(db)
    assert crashed.crashed and crashed.end_t == end_t and crashed.steps == steps
    started = datetime.fromisoformat(crashed.started)
    assert crashed.ended == (started + timedelta(seconds=end_t - 10.0)).isoformat(
        timespec="seconds"
    )
    assert not clean.crashed and clean.ended is not None
    assert read_session(db, 1).crashed
    assert "session 1 was left open by a station that did not stop" in caplog.text
    assert main(["sessions", "list", "--all", "--config", str(config)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "id",
        "started",
        "(UTC)",
        "minutes",
        "ended",
        "steps",
        "walked",
        "laps",
        "runner",
    ]
    assert lines[1].split()[2:] == [
        f"{(end_t - 10.0) / 60:.1f}",
        "crashed",
        str(steps),
        "0",
        "0",
        "Ana",
    ]
    assert lines[2].split()[3] == "stopped"
    report = tmp_path / "crashed.html"
    assert main(["sessions", "report", "1", "--config", str(config), "--out", str(report)]) == 0
    assert "the station stopped without closing it: ended at its last record" in (
        report.read_text(encoding="utf-8")
    )


def test_one_store_writes_a_file_at_a_time(store: SessionStore, db: Path) -> None:
    store.start_session(0.0)
    second = SessionStore(db, messages.STATION)
    assert not second.recording_ok
    assert second.problem == (
        f"not recording: cannot open {db}: another process (pid {os.getpid()}) is recording to it"
    )
    second.close()
    assert store.session_id == 1, "the first store's open session is not taken for a crash"
    store.close()
    third = SessionStore(db, messages.STATION)
    assert third.recording_ok and third.start_session(0.0) == 2
    third.close()
    assert not any(info.crashed for info in list_sessions(db))


def test_sessions_list_escapes_controls_recorded_by_an_older_build(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    SessionStore(db, messages.STATION).close()
    conn = sqlite3.connect(db)
    # As a file from before names were checked, crashes marked and problems kept.
    conn.execute("ALTER TABLE sessions DROP COLUMN crashed")
    conn.execute("ALTER TABLE sessions DROP COLUMN problem")
    conn.execute(
        "INSERT INTO sessions (id, station, runner, started, ended, start_t, end_t, calibrated)"
        " VALUES (1, 's', ?, '2024-05-01T10:00:00+00:00', '2024-05-01T10:01:00+00:00', 0, 60, 0)",
        ("Ana\x1b[2J\x85\x9b\u202eneB\u200b\ufeff",),
    )
    conn.commit()
    conn.close()
    assert main(["sessions", "list", "--all", "--config", str(write_config(tmp_path, db))]) == 0
    out = capsys.readouterr().out
    assert all(c == "\n" or c.isprintable() for c in out)
    assert "Ana\\x1b[2J\\x85\\x9b\\u202eneB\\u200b\\ufeff" in out
    assert " 1.0 " in out and "stopped" in out
    assert list_sessions(db)[0].problem is None
    store = SessionStore(db, messages.STATION)  # a store of this build adds the column
    store.start_session(100.0)
    store.end_session(160.0, "why")
    store.close()
    assert [info.problem for info in list_sessions(db)] == [None, "why"]


def test_the_gait_of_a_step_is_stored_and_exported(store: SessionStore, db: Path) -> None:
    steps = [
        messages.step(0),  # from a station that does not tell: NULL, read as None
        messages.walked_step(1),
        messages.step(2, gait="running"),
    ]
    session = store.start_session(10.0)
    for step in steps:
        store.record_step(step)
    store.flush()
    assert session is not None
    assert read_steps(db, session) == steps
    conn = reader(db)
    stored = [row[0] for row in conn.execute("SELECT gait FROM steps ORDER BY rowid")]
    conn.close()
    assert stored == [None, "walking", "running"]
    out = io.StringIO()
    export_steps(read_steps(db, session), "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [row["gait"] for row in rows] == ["", "walking", "running"]
    assert rows[1]["overstride_cm"] == "" and rows[1]["contact_ms"] == "650.0"
