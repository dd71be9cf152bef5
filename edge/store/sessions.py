"""Sessions recorded in SQLite, written off the hot path, and read back for the command line.

One file per station (default ``<data_dir>/sessions.sqlite``) in WAL mode, so the command line
and other readers can read while the station writes. Tables: ``sessions``; ``steps`` (the
per-step fields of the wire schema, one column each); ``summaries`` (the summary payload as
JSON); ``laps``; ``belt_speeds``; ``untimed`` (the stretches where the station got too few
frames a second to time steps, ``set_untimed``: the end NULL while one lasts, or when the
station stopped in one); ``keypoints`` (optional track: (17, 3) little-endian float32 per frame).
The steps table also holds the step's extensions (``STEP_EXTENSIONS``): ``view``, ``yaw_deg``,
``gait`` (running or walking) and ``metric_confidence`` as JSON text (NULL when no metric is less
sure); a file written before them gains the columns when a store opens it, its old steps reading
as "not known".

``SessionStore`` hands every record to one writer thread through a bounded queue; the caller
never waits on the disk. The writer commits after every summary and at least every
``commit_interval`` seconds, so a step is committed by the time the summary after it has been
written. When the disk fails (full, read-only, removed) the store stops writing, keeps accepting
calls, and says why in ``problem``: the station goes on publishing.

One store writes a file at a time: it holds a lock on ``<file>.lock``, which the kernel releases
however the process ends. So a session still open when a store takes the lock was left open by
a station that died (SIGKILL, a crash, power cut): the store closes it at once, at the time of
its last step, summary or lap (its start if it has none), and marks it ``crashed``.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import json
import logging
import math
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal, TextIO, cast

import numpy as np

from edge.bus.schema import (
    NOT_RECORDING,
    STEP_EXTENSIONS,
    STEP_FIELDS,
    SchemaError,
    StepMsg,
    SummaryMsg,
    decode,
    encode,
)
from edge.errors import UsageError
from edge.frame_rate import UntimedLog
from edge.skeleton import NUM_KEYPOINTS
from edge.store.track import KeypointTrackWriter

log = logging.getLogger(__name__)

STORE_VERSION = 1
"""Kept in ``PRAGMA user_version``; a file of another version is not written to."""
QUEUE_SIZE = 10_000
"""Records waiting for the disk: minutes of steps, several seconds of 60 Hz keypoint rows."""

STEPS_CSV_COLUMNS = (*STEP_FIELDS, *STEP_EXTENSIONS)
"""The columns of a steps CSV: DESIGN.md's per-step table, then the step's extensions."""
_STEP_COLUMNS = ("session_id", "station", "t", *STEPS_CSV_COLUMNS)
_TEXT_COLUMNS = ("foot", "view", "metric_confidence", "gait")


def _column_type(name: str) -> str:
    return "TEXT" if name in _TEXT_COLUMNS else "REAL"


_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    station TEXT NOT NULL,
    runner TEXT,
    started TEXT NOT NULL,
    ended TEXT,
    start_t REAL NOT NULL,
    end_t REAL,
    belt_speed_mps REAL,
    calibrated INTEGER NOT NULL,
    calibration TEXT,
    crashed INTEGER NOT NULL DEFAULT 0,
    problem TEXT
);
CREATE TABLE IF NOT EXISTS steps (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    station TEXT NOT NULL,
    t REAL NOT NULL,
    {", ".join(f"{name} {_column_type(name)}" for name in STEPS_CSV_COLUMNS)}
);
CREATE INDEX IF NOT EXISTS steps_session ON steps(session_id, ic_t);
CREATE TABLE IF NOT EXISTS summaries (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    t REAL NOT NULL,
    n_steps INTEGER NOT NULL,
    cue_key TEXT,
    payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS laps (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    t REAL NOT NULL,
    wall TEXT NOT NULL,
    label TEXT
);
CREATE TABLE IF NOT EXISTS belt_speeds (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    t REAL NOT NULL,
    mps REAL
);
CREATE TABLE IF NOT EXISTS untimed (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    start_t REAL NOT NULL,
    end_t REAL
);
CREATE TABLE IF NOT EXISTS keypoints (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    t REAL NOT NULL,
    frame INTEGER NOT NULL,
    data BLOB
);
CREATE INDEX IF NOT EXISTS keypoints_session ON keypoints(session_id, frame);
PRAGMA user_version = {STORE_VERSION};
"""
_INSERT_BELT = "INSERT INTO belt_speeds (session_id, t, mps) VALUES (?, ?, ?)"
_INSERT_UNTIMED = "INSERT INTO untimed (session_id, start_t) VALUES (?, ?)"
_END_UNTIMED = "UPDATE untimed SET end_t = ? WHERE session_id = ? AND end_t IS NULL"
_BACK_UNTIMED = "UPDATE untimed SET start_t = ? WHERE session_id = ? AND end_t IS NULL"
_INSERT_STEP = (
    f"INSERT INTO steps ({', '.join(_STEP_COLUMNS)}) VALUES ({', '.join('?' * len(_STEP_COLUMNS))})"
)


_LAST_RECORD_T = "max(s.start_t, {})".format(
    ", ".join(
        f"coalesce((SELECT max(t) FROM {table} WHERE session_id = s.id), s.start_t)"
        for table in ("steps", "summaries", "laps")
    )
)
"""SQL: the station time of session ``s``'s last step, summary or lap; its start without any."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _lock_for_writing(path: Path) -> int:
    """The descriptor of ``<path>.lock``, locked: no other live process writes ``path``."""
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
        os.close(fd)
        raise OSError(f"another process (pid {holder}) is recording to it") from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode("ascii"))
    return fd


def _has_column(conn: sqlite3.Connection, table: str, column: str) -> bool:
    return any(row[1] == column for row in conn.execute(f"PRAGMA table_info({table})"))


def _step_row(msg: StepMsg) -> tuple[Any, ...]:
    """The step's values in ``STEPS_CSV_COLUMNS`` order, as the table and the CSV hold them."""
    row = [getattr(msg, name) for name in STEPS_CSV_COLUMNS]
    at = STEPS_CSV_COLUMNS.index("metric_confidence")
    row[at] = json.dumps(msg.metric_confidence, sort_keys=True) if msg.metric_confidence else None
    return tuple(row)


def _step_of(values: dict[str, Any]) -> StepMsg:
    """A step from its table row by column name; a column the file lacks reads as not known."""
    text = values.pop("metric_confidence", None)
    return StepMsg(**values, metric_confidence=json.loads(text) if text else {})


def _close_crashed(conn: sqlite3.Connection) -> None:
    """End the sessions a dead station left open, at their last record, marked crashed."""
    rows = conn.execute(
        f"SELECT id, started, start_t, {_LAST_RECORD_T} FROM sessions s WHERE ended IS NULL"
    ).fetchall()
    for session, started, start_t, end_t in rows:
        # The wall clock of the end was never written; the station clock's lapse since the
        # start gives it (both clocks of the one run that died).
        ended = datetime.fromisoformat(started) + timedelta(seconds=end_t - start_t)
        conn.execute(
            "UPDATE sessions SET ended = ?, end_t = ?, crashed = 1 WHERE id = ?",
            (ended.isoformat(timespec="seconds"), end_t, session),
        )
        log.warning(
            "session %d was left open by a station that did not stop (killed or crashed): "
            "closed at its last record, %.1f s after its start",
            session,
            end_t - start_t,
        )
    conn.commit()


@dataclass(frozen=True, slots=True)
class _Write:
    """One statement for the writer; ``commit`` ends the transaction after it, ``then`` runs
    once it is on disk (or could not be written)."""

    sql: str
    params: tuple[Any, ...]
    commit: bool = False
    then: Callable[[], None] | None = None


@dataclass(frozen=True, slots=True)
class _Flush:
    done: threading.Event
    stop: bool = False


class SessionStore:
    """Records sessions for one station. Every method returns at once and never raises on a
    disk problem; they are safe to call from several threads.

    ``start_session`` opens a session (ending any open one); ``record_*`` add to the open one and
    return False when nothing was queued (no session, recording failed, queue full).
    """

    def __init__(
        self,
        path: Path,
        station: str,
        *,
        commit_interval: float = 1.0,
        queue_size: int = QUEUE_SIZE,
    ) -> None:
        self.path = path
        self.station = station
        self._interval = commit_interval
        self._queue: queue.Queue[_Write | _Flush] = queue.Queue(maxsize=queue_size)
        self._lock = threading.Lock()
        self._failure: str | None = None
        self._dropped = 0
        self._session: int | None = None
        self._untimed = UntimedLog()
        """Where steps cannot be timed (``set_untimed``)."""
        self._next_id = 1
        self._thread: threading.Thread | None = None
        self._writer_lock: int | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._writer_lock = _lock_for_writing(path)
            conn = self._open()
        except (OSError, sqlite3.Error) as exc:
            self._fail(f"cannot open {path}: {exc}")
            self._release_lock()
            return
        self._thread = threading.Thread(
            target=self._write_loop, args=(conn,), name="hipdrive-store", daemon=True
        )
        self._thread.start()

    def _open(self) -> sqlite3.Connection:
        # Used by the writer thread only, after this constructor hands it over.
        conn = sqlite3.connect(self.path, check_same_thread=False, timeout=5.0)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, STORE_VERSION):
                raise sqlite3.DatabaseError(
                    f"it was written by store version {version}, this build writes "
                    f"{STORE_VERSION}; move it aside to record"
                )
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode != "wal":
                raise sqlite3.DatabaseError(f"WAL mode refused (journal mode is {mode})")
            # FULL syncs each commit: a station's power can be cut at the wall at any moment.
            conn.execute("PRAGMA synchronous=FULL")
            conn.executescript(_SCHEMA)
            if not _has_column(conn, "sessions", "crashed"):
                conn.execute("ALTER TABLE sessions ADD COLUMN crashed INTEGER NOT NULL DEFAULT 0")
            if not _has_column(conn, "sessions", "problem"):
                conn.execute("ALTER TABLE sessions ADD COLUMN problem TEXT")
            for name in STEP_EXTENSIONS:
                if not _has_column(conn, "steps", name):
                    conn.execute(f"ALTER TABLE steps ADD COLUMN {name} {_column_type(name)}")
            _close_crashed(conn)
            last = conn.execute("SELECT max(id) FROM sessions").fetchone()[0]
        except sqlite3.Error:
            conn.close()
            raise
        # One station writes a file, so ids are handed out here and start_session need not wait.
        self._next_id = (last or 0) + 1
        return conn

    @property
    def recording_ok(self) -> bool:
        """False once the store has stopped writing (see ``problem``)."""
        return self._failure is None

    @property
    def problem(self) -> str | None:
        """Why the store is not recording, or how many records it had to drop; else None."""
        if self._failure is not None:
            return self._failure
        if self._dropped:
            return f"{self._dropped} records dropped: the disk cannot keep up"
        return None

    @property
    def session_id(self) -> int | None:
        return self._session

    def start_session(
        self,
        t: float,
        *,
        runner: str | None = None,
        belt_speed_mps: float | None = None,
        calibrated: bool = False,
        calibration: str | None = None,
    ) -> int | None:
        """Open a new session at station time ``t``; its id, or None when not recording."""
        with self._lock:
            if self._failure is not None:
                return None
            if self._session is not None:
                self._end(t)
            session = self._next_id
            self._next_id += 1
            self._session = session
            self._put(
                _Write(
                    "INSERT INTO sessions (id, station, runner, started, start_t, belt_speed_mps,"
                    " calibrated, calibration) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        session,
                        self.station,
                        runner,
                        _now(),
                        t,
                        belt_speed_mps,
                        int(calibrated),
                        calibration,
                    ),
                    commit=True,
                )
            )
            self._put(_Write(_INSERT_BELT, (session, t, belt_speed_mps), commit=True))
            if self._untimed.start is not None:
                self._put(_Write(_INSERT_UNTIMED, (session, t)))
            return session

    def end_session(self, t: float | None, problem: str | None = None) -> None:
        """End the open session (``t`` the station time, None when unknown). ``problem``: why
        the steps it ended on could not be judged (``edge.run.station.FitCheck``), which its
        report then says in place of findings."""
        with self._lock:
            if self._session is not None:
                self._end(t, problem)

    def _end(self, t: float | None, problem: str | None = None) -> None:
        # A stretch of too few frames still going ends with the session (``read_untimed``).
        self._put(
            _Write(
                "UPDATE sessions SET ended = ?, end_t = ?, problem = ? WHERE id = ?",
                (_now(), t, problem, self._session),
                commit=True,
            )
        )
        self._session = None

    def set_runner(self, name: str | None) -> bool:
        return self._record("UPDATE sessions SET runner = ? WHERE id = ?", lambda s: (name, s))

    def set_belt_speed(self, mps: float | None, t: float | None = None) -> bool:
        """The belt speed of the open session (the last one set is kept), set at station time
        ``t`` (None: not known), when a session's report names each one (``read_belt_speeds``)."""
        if t is not None:
            self._record(_INSERT_BELT, lambda s: (s, t, mps))
        return self._record(
            "UPDATE sessions SET belt_speed_mps = ? WHERE id = ?", lambda s: (mps, s)
        )

    def set_untimed(self, since: float | None, t: float) -> None:
        """Since when (station time) the station's steps cannot be timed for too few frames a
        second (``GaitEngine.untimed_since``), or None when they can, told at station time
        ``t``. Recorded with the open session, and with each session opened while it lasts from
        its start, so that its report says the steps could not be timed there, where it had said
        the runner stood or left; a stretch found to have begun elsewhere (a step handed out
        later) is moved to it, not past the end of the one before (``UntimedLog``)."""
        if self._untimed.unchanged(since):
            return  # told every frame: unchanged, without the lock
        with self._lock:
            change = self._untimed.tell(since, t)
            if self._failure is None and self._session is not None:
                if change == "end":
                    self._put(_Write(_END_UNTIMED, (t, self._session)))
                elif change == "open":
                    self._put(_Write(_INSERT_UNTIMED, (self._session, self._untimed.start)))
                elif change == "move":
                    self._put(_Write(_BACK_UNTIMED, (self._untimed.start, self._session)))

    def record_step(self, msg: StepMsg, session: int | None = None) -> bool:
        """Record a step in the open session, or in ``session``, one that has ended since the
        step was run (a station handling its frames late)."""
        return self._record(
            _INSERT_STEP, lambda s: (s, msg.station, msg.t, *_step_row(msg)), session=session
        )

    def record_summary(self, msg: SummaryMsg, then: Callable[[], None] | None = None) -> bool:
        """Record a summary and commit it with every step before it; ``then`` runs on the
        writer's thread once they are on disk, or at once on this thread when nothing was
        queued (and also after a failed write: what it does must not wait on the disk)."""
        payload = encode(msg)[1].decode("utf-8")
        return self._record(
            "INSERT INTO summaries (session_id, t, n_steps, cue_key, payload) "
            "VALUES (?, ?, ?, ?, ?)",
            lambda s: (s, msg.t, msg.n_steps, msg.cue_key, payload),
            commit=True,
            then=then,
        )

    def record_lap(self, t: float, label: str | None) -> bool:
        return self._record(
            "INSERT INTO laps (session_id, t, wall, label) VALUES (?, ?, ?, ?)",
            lambda s: (s, t, _now(), label),
            commit=True,
        )

    def record_keypoints(self, t: float, frame: int, keypoints: np.ndarray | None) -> bool:
        """keypoints: (17, 3) float32 pixels and confidence, or None for no runner."""
        if keypoints is not None and np.shape(keypoints) != (NUM_KEYPOINTS, 3):
            raise ValueError(f"keypoints must be ({NUM_KEYPOINTS}, 3), got {np.shape(keypoints)}")
        data = None if keypoints is None else np.asarray(keypoints, dtype="<f4").tobytes()
        return self._record(
            "INSERT INTO keypoints (session_id, t, frame, data) VALUES (?, ?, ?, ?)",
            lambda s: (s, t, frame, data),
        )

    def _record(
        self,
        sql: str,
        params: Callable[[int], tuple[Any, ...]],
        commit: bool = False,
        then: Callable[[], None] | None = None,
        session: int | None = None,
    ) -> bool:
        with self._lock:
            target = self._session if session is None else session
            queued = (
                self._failure is None
                and target is not None
                and self._put(_Write(sql, params(target), commit, then))
            )
        if not queued and then is not None:
            then()
        return queued

    def _put(self, item: _Write) -> bool:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            if self._dropped == 0:
                log.warning("session store queue full: dropping records (disk too slow?)")
            self._dropped += 1
            return False
        return True

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything handed over so far is committed; False if it could not be."""
        return self._sync(timeout, stop=False) and self._failure is None

    def close(self, timeout: float = 10.0) -> None:
        """End the open session, commit everything queued and close the file.

        The station calls it on SIGTERM and SIGINT.
        """
        self.end_session(None)
        self._sync(timeout, stop=True)
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            self._failure = self._failure or f"{NOT_RECORDING}: the session store is closed"
        self._release_lock()

    def _release_lock(self) -> None:
        if self._writer_lock is not None:
            os.close(self._writer_lock)
            self._writer_lock = None

    def _sync(self, timeout: float, *, stop: bool) -> bool:
        if self._thread is None or not self._thread.is_alive():
            return self._failure is None
        done = threading.Event()
        try:
            self._queue.put(_Flush(done, stop), timeout=timeout)
        except queue.Full:
            return False
        return done.wait(timeout)

    def _write_loop(self, conn: sqlite3.Connection) -> None:
        pending_since: float | None = None
        while True:
            wait = None if pending_since is None else pending_since + self._interval
            try:
                item = self._queue.get(
                    timeout=None if wait is None else max(0.0, wait - time.monotonic())
                )
            except queue.Empty:
                item = None
            try:
                if isinstance(item, _Write) and self._failure is None:
                    conn.execute(item.sql, item.params)
                    if pending_since is None:
                        pending_since = time.monotonic()
                due = pending_since is not None and (
                    item is None
                    or isinstance(item, _Flush)
                    or item.commit
                    or time.monotonic() - pending_since >= self._interval
                )
                if due and self._failure is None:
                    conn.commit()
                    pending_since = None
            except (sqlite3.Error, OSError) as exc:
                self._fail(f"cannot write {self.path}: {exc}")
                pending_since = None
                # What the failed transaction held is lost anyway; release its locks for readers.
                with contextlib.suppress(sqlite3.Error):
                    conn.rollback()
            if isinstance(item, _Write) and item.then is not None:
                try:
                    item.then()
                except Exception:  # the writer must outlive whatever its caller hands it
                    log.exception("after recording: %s failed", item.then)
            if isinstance(item, _Flush):
                item.done.set()
                if item.stop:
                    conn.close()
                    return

    def _fail(self, reason: str) -> None:
        log.error("not recording sessions: %s", reason)
        self._failure = f"{NOT_RECORDING}: {reason}"


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """One recorded session as ``hipdrive sessions list`` shows it."""

    id: int
    station: str
    runner: str | None
    started: str
    ended: str | None
    start_t: float
    end_t: float | None
    belt_speed_mps: float | None
    calibrated: bool
    calibration: str | None
    """The calibration's name, or the scale given without one (``--meters-per-pixel M``)."""
    steps: int
    laps: int
    crashed: bool
    """The station died with the session open; it was closed at its last record when the next
    store opened the file."""
    problem: str | None = None
    """Why the steps the session ended on could not be judged (a file's time base, a scale or
    a belt speed that did not fit the runner, a facing the feet contradicted), or None."""
    walked: int = 0
    """How many of ``steps`` were walked (``edge.gait.mode``): a warm-up walk, or a session of
    walking only, which the steps alone would show as a short run."""


_NO_SESSIONS = (
    "no sessions recorded: {path} does not exist. A station records one when a runner comes "
    "into view (hipdrive run); for another station's, give its --config"
)


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[sqlite3.Connection]:
    """The sessions file open read-only, closed after; a file that is none, or an SQLite error
    while reading, is a UsageError saying so."""
    if not path.is_file():
        raise UsageError(_NO_SESSIONS.format(path=path))
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise UsageError(f"cannot read sessions from {path}: {exc}") from None
    try:
        yield conn
    except sqlite3.Error as exc:
        raise UsageError(f"{path} is not a sessions file: {exc}") from None
    finally:
        conn.close()


def list_sessions(path: Path) -> list[SessionInfo]:
    """Every session in the file, oldest first."""
    with _reading(path) as conn:
        # A file no store of this build has opened yet has no crashed column.
        crashed = "s.crashed" if _has_column(conn, "sessions", "crashed") else "0"
        problem = "s.problem" if _has_column(conn, "sessions", "problem") else "NULL"
        walked = (
            "(SELECT count(*) FROM steps WHERE session_id = s.id AND gait = 'walking')"
            if _has_column(conn, "steps", "gait")
            else "0"
        )
        rows = conn.execute(
            "SELECT s.id, s.station, s.runner, s.started, s.ended, s.start_t, s.end_t,"
            " s.belt_speed_mps, s.calibrated, s.calibration,"
            " (SELECT count(*) FROM steps WHERE session_id = s.id),"
            f" (SELECT count(*) FROM laps WHERE session_id = s.id), {crashed}, {problem},"
            f" {walked} FROM sessions s ORDER BY s.id"
        ).fetchall()
    return [
        SessionInfo(
            id=row[0],
            station=row[1],
            runner=row[2],
            started=row[3],
            ended=row[4],
            start_t=row[5],
            end_t=row[6],
            belt_speed_mps=row[7],
            calibrated=bool(row[8]),
            calibration=row[9],
            steps=row[10],
            laps=row[11],
            crashed=bool(row[12]),
            problem=row[13],
            walked=row[14],
        )
        for row in rows
    ]


def _kept(path: Path, table: str) -> bool:
    """Whether the file has ``table``: one written by a station before it was kept has not."""
    with _reading(path) as conn:
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
    return found is not None


def _session_rows(path: Path, session_id: int, sql: str) -> list[Any]:
    """The rows of ``sql`` (one ``?`` for the session id); UsageError when there is no such
    session."""
    with _reading(path) as conn:
        if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
            raise UsageError(f"no session {session_id} in {path}; see: hipdrive sessions list")
        return conn.execute(sql, (session_id,)).fetchall()


#: how long ``name_runner`` keeps trying while a station writes the file: a station recording
#: keypoints keeps a write open for up to its ``commit_interval`` (1 s) and opens the next some
#: 30 ms after committing, which SQLite's own wait, sleeping up to 100 ms between tries, rarely
#: meets (a review: four renames in five failed after 5 s)
NAME_WAIT_S = 30.0


def name_runner(path: Path, session_id: int, runner: str) -> str | None:
    """Name the runner of an ended session, as the console's name does while it is open; the
    name it had. Tries for up to ``NAME_WAIT_S`` while a station writes the file. UsageError:
    no such session; the session still open (the station recording it keeps its runner's name
    itself, and would name the next session so); the file cannot be written."""
    if not path.is_file():
        raise UsageError(_NO_SESSIONS.format(path=path))
    deadline = time.monotonic() + NAME_WAIT_S
    while True:
        try:
            return _name_runner(path, session_id, runner)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) and time.monotonic() < deadline:
                time.sleep(0.005)
                continue
            raise UsageError(f"cannot name the runner in {path}: {exc}") from None
        except sqlite3.Error as exc:
            raise UsageError(f"cannot name the runner in {path}: {exc}") from None


def _name_runner(path: Path, session_id: int, runner: str) -> str | None:
    conn = sqlite3.connect(path, timeout=0.0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(
                "SELECT runner, ended FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
            if row is None:
                raise UsageError(f"no session {session_id} in {path}; see: hipdrive sessions list")
            if row[1] is None:
                raise UsageError(
                    f"session {session_id} is still open: name its runner from the console "
                    "(n) while it is, or here once it has ended (a station left stopped with "
                    "its session open closes it when it starts again)"
                )
            conn.execute("UPDATE sessions SET runner = ? WHERE id = ?", (runner, session_id))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return cast(str | None, row[0])


def read_session(path: Path, session_id: int) -> SessionInfo:
    """One session (UsageError: no such session)."""
    for info in list_sessions(path):
        if info.id == session_id:
            return info
    raise UsageError(f"no session {session_id} in {path}; see: hipdrive sessions list")


def read_steps(path: Path, session_id: int) -> list[StepMsg]:
    """The steps of one session in order of initial contact (UsageError: no such session)."""
    with _reading(path) as conn:
        # A file no store of this build has opened yet lacks the extensions' columns.
        columns = [c for c in _STEP_COLUMNS[1:] if _has_column(conn, "steps", c)]
    rows = _session_rows(
        path,
        session_id,
        f"SELECT {', '.join(columns)} FROM steps WHERE session_id = ? ORDER BY ic_t, rowid",
    )
    return [_step_of(dict(zip(columns, row, strict=True))) for row in rows]


def read_summaries(path: Path, session_id: int) -> list[SummaryMsg]:
    """The summaries of one session in the order they were sent."""
    rows = _session_rows(
        path, session_id, "SELECT payload FROM summaries WHERE session_id = ? ORDER BY t, rowid"
    )
    try:
        return [cast(SummaryMsg, decode(SummaryMsg.TOPIC, row[0].encode())) for row in rows]
    except SchemaError as exc:
        raise UsageError(
            f"{path}: a summary of session {session_id} is unreadable: {exc}"
        ) from None


@dataclass(frozen=True, slots=True)
class Lap:
    """A lap marked from the console: station time ``t``, wall-clock ``wall`` (UTC ISO 8601)."""

    t: float
    wall: str
    label: str | None


def read_belt_speeds(path: Path, session_id: int) -> list[tuple[float, float | None]]:
    """The belt speeds set during one session, (station time, m/s or None), in time order, the
    first at its start; empty from a station before they were kept."""
    if not _kept(path, "belt_speeds"):
        return []
    sql = "SELECT t, mps FROM belt_speeds WHERE session_id = ? ORDER BY t, rowid"
    return [(float(t), mps) for t, mps in _session_rows(path, session_id, sql)]


def read_untimed(path: Path, session_id: int) -> list[tuple[float, float]]:
    """The stretches of one session where the station got too few frames a second to time
    steps (``SessionStore.set_untimed``), (start, end) in station time, in time order; one
    the station stopped in ends with the session, one still going (the session open) at
    infinity, and one begun before the session from its start. Empty from a station before
    they were kept."""
    if not _kept(path, "untimed"):
        return []
    sql = (
        "SELECT max(u.start_t, coalesce(s.start_t, u.start_t)), coalesce(u.end_t, s.end_t)"
        " FROM untimed u JOIN sessions s"
        " ON s.id = u.session_id WHERE u.session_id = ? ORDER BY u.start_t, u.rowid"
    )
    rows = _session_rows(path, session_id, sql)
    return [(float(start), math.inf if end is None else float(end)) for start, end in rows]


def read_laps(path: Path, session_id: int) -> list[Lap]:
    """The laps of one session in time order."""
    rows = _session_rows(
        path, session_id, "SELECT t, wall, label FROM laps WHERE session_id = ? ORDER BY t, rowid"
    )
    return [Lap(*row) for row in rows]


def read_keypoints(path: Path, session_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A session's keypoint rows: t (N,) float64 station seconds, frame (N,) int64 and keypoints
    (N, 17, 3) float32 (a frame without a runner is NaN with confidence 0). Empty arrays when the
    station did not record keypoints (``station.record_keypoints``)."""
    rows = _session_rows(
        path,
        session_id,
        "SELECT t, frame, data FROM keypoints WHERE session_id = ? ORDER BY frame, rowid",
    )
    keypoints = np.full((len(rows), NUM_KEYPOINTS, 3), np.nan, dtype=np.float32)
    keypoints[..., 2] = 0.0
    for i, (_t, _frame, data) in enumerate(rows):
        if data is not None:
            keypoints[i] = np.frombuffer(data, dtype="<f4").reshape(NUM_KEYPOINTS, 3)
    t = np.array([row[0] for row in rows], dtype=np.float64)
    frame = np.array([row[1] for row in rows], dtype=np.int64)
    return t, frame, keypoints


def export_steps(
    steps: list[StepMsg], fmt: Literal["csv", "jsonl"], out: TextIO, t0: float = 0.0
) -> None:
    """Write steps as JSON Lines (each line the ``hipdrive.step`` payload) or as a CSV table,
    ``STEPS_CSV_COLUMNS``: the per-step fields, then ``view``, ``metric_confidence`` (a JSON
    object of the metrics measured less surely, empty when none), ``yaw_deg`` and ``gait``. An
    unknown value is empty. Times are seconds from ``t0`` (a session's start on the station's
    clock: a user trial's export read ``ic_t`` 50652.6, where analyze's steps are in seconds of
    the video)."""
    steps = [replace(s, t=s.t - t0, ic_t=s.ic_t - t0, to_t=s.to_t - t0) for s in steps]
    if fmt == "jsonl":
        for step in steps:
            out.write(encode(step)[1].decode("utf-8") + "\n")
        return
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STEPS_CSV_COLUMNS)
    for step in steps:
        writer.writerow(["" if v is None else v for v in _step_row(step)])


def export_track(path: Path, session_id: int, out: Path, t0: float) -> int:
    """Write a session's keypoint rows as a keypoint-track CSV, timed in seconds from ``t0``
    (the session's start, as its steps' export); the number of rows."""
    t, frame, keypoints = read_keypoints(path, session_id)
    with KeypointTrackWriter(out) as writer:
        for i in range(len(t)):
            writer.write(float(t[i]) - t0, int(frame[i]), keypoints[i])
    return len(t)
