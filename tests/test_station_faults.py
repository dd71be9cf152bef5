"""The station under faults: a camera that is pulled, stalls or sends garbage, a hung pose
stage under a systemd watchdog, and a configuration reload in the middle of a session (the
SIGHUP that asks for it is sent to a real process in test_run_cli)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from edge.bus.publisher import Subscriber
from edge.bus.schema import StatusMsg, StepMsg, SummaryMsg
from edge.capture import Recovery, ResilientSource
from edge.config import load_config
from edge.demo.scene import SideCamera
from edge.gait import GaitEngine, PlaneMapping
from edge.run.station import Station
from edge.store.sessions import list_sessions, read_steps
from tests.builders.fakes import CameraScene, FakePose, FakeSource
from tests.builders.keypoint_tracks import synth_track

FAST = Recovery(stall_s=0.6, bad_s=0.6, max_retry_s=0.5)


def write_config(path: Path, tmp_path: Path, extra: str = "") -> Path:
    path.write_text(
        f'[station]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[bus]\npublish = "ipc://{tmp_path}/pub"\ncontrol = "ipc://{tmp_path}/ctl"\n'
        "frame_rate_hz = 240\n[pose]\ncrop = false\n" + extra
    )
    return path


@pytest.fixture()
def config_file(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config.toml", tmp_path)


@pytest.fixture(scope="module")
def running(mocap_trial) -> np.ndarray:
    """18 s of a runner at 60 fps, as a pose model would see them."""
    t, kp = synth_track(mocap_trial, 60.0, SideCamera(), seed=31)
    return kp[t < 18.0]


class Listener:
    """Everything the station publishes, gathered on a thread."""

    def __init__(self, endpoint: str) -> None:
        self.messages: list = []
        self._stop = threading.Event()
        self._sub = Subscriber(endpoint, topics=(StatusMsg, StepMsg, SummaryMsg))
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            msg = self._sub.recv(timeout=0.05)
            if msg is not None:
                self.messages.append(msg)

    def of(self, kind: type) -> list:
        return [m for m in self.messages if isinstance(m, kind)]

    def close(self) -> None:
        time.sleep(0.3)
        self._stop.set()
        self._thread.join()
        self._sub.close()


def start(station: Station) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    thread = threading.Thread(target=station.run, args=(stop,))
    thread.start()
    return stop, thread


def reference_ic_times(keypoints: np.ndarray, frames: int, fps: float) -> np.ndarray:
    """Initial contacts of the same runner seen without a gap, seconds from frame 0."""
    from edge.gait import detect_facing

    facing = detect_facing(keypoints[: 4 * int(fps)])
    assert facing is not None
    engine = GaitEngine(PlaneMapping.scaled(facing))
    steps = []
    for i in range(frames):
        steps += engine.push(i / fps, keypoints[i])
    steps += engine.finish()
    return np.array([s.ic_t for s in steps])


def test_a_pulled_stalled_or_garbage_camera_costs_only_the_gap(
    config_file: Path, running: np.ndarray
) -> None:
    config = load_config(config_file)
    scene = CameraScene(fps=60.0)
    source = ResilientSource(scene.open(), scene.open, FAST)
    station = Station(config, source, FakePose(running))
    listener = Listener(config.bus.publish)
    stop, thread = start(station)
    faults: list[tuple[float, float]] = []

    def fault(switch_on, switch_off, seconds: float) -> None:
        began = time.monotonic() - scene.t0
        switch_on()
        time.sleep(seconds)
        switch_off()
        faults.append((began, time.monotonic() - scene.t0))
        time.sleep(3.0)

    def garbage(kind: str | None) -> None:
        scene.garbage = kind

    try:
        time.sleep(3.5)
        fault(scene.plugged.clear, scene.plugged.set, 1.0)
        fault(scene.stalled.set, scene.stalled.clear, 1.0)
        fault(lambda: garbage("blank"), lambda: garbage(None), 1.0)
        assert thread.is_alive(), "the camera's faults never end the run"
    finally:
        stopped = time.monotonic() - scene.t0
        stop.set()
        thread.join(timeout=30)
        listener.close()
    assert not thread.is_alive()
    states = [m.camera_state for m in listener.of(StatusMsg)]
    assert "reconnecting" in states
    assert "running" in states[states.index("reconnecting") :]
    # Stopped, a camera has not ended as a file does: a console elsewhere waits for it again.
    assert "ended" not in states
    assert source.outages == 3
    steps = listener.of(StepMsg)
    assert len(steps) == station.steps_published
    sessions = list_sessions(config.sessions_path)
    assert len(sessions) == 1, "the session goes on through the gaps"
    recorded = read_steps(config.sessions_path, sessions[0].id)
    assert [s.ic_t for s in recorded] == [s.ic_t for s in steps]
    # Every step the runner took away from the gaps is there, at the time it was taken. A step
    # needs its foot's next landing (~0.8 s later), so one that lands just before a gap is
    # lost with it; so are the first ones, while the first frames warm the loop up and the
    # camera drops what the loop cannot take.
    last_frame = scene.index_now()
    expected = reference_ic_times(running, min(last_frame, len(running)), scene.fps) + scene.t0
    found = np.array([s.ic_t for s in steps])
    clear = [
        ic
        for ic in expected
        if all(not (a - 1.0 <= ic - scene.t0 <= b + 0.6) for a, b in faults)
        and 2.0 < ic - scene.t0 < stopped - 1.0
    ]
    assert len(clear) >= 10
    misses = [ic - scene.t0 for ic in clear if np.min(np.abs(found - ic)) > 0.02]
    assert misses == [], f"steps lost away from the gaps at {misses} s"


class StallingPose(FakePose):
    """A pose backend that hangs while ``hang`` is set, as a stuck inference would."""

    def __init__(self, keypoints: np.ndarray) -> None:
        super().__init__(keypoints)
        self.hang = threading.Event()

    def infer(self, image: np.ndarray):
        while self.hang.is_set():
            time.sleep(0.01)
        return super().infer(image)


@pytest.fixture()
def systemd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    """$NOTIFY_SOCKET with a 0.4 s watchdog, as systemd sets them for a Type=notify unit."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
    monkeypatch.setenv("WATCHDOG_USEC", "400000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    yield sock
    sock.close()


def notifications(sock: socket.socket, seconds: float) -> list[str]:
    out = []
    until = time.monotonic() + seconds
    while (left := until - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            out += sock.recv(4096).decode().splitlines()
        except TimeoutError:
            break
    return out


def test_a_hung_pose_stage_silences_the_watchdog_and_a_missing_camera_does_not(
    config_file: Path, running: np.ndarray, systemd: socket.socket
) -> None:
    config = load_config(config_file)
    scene = CameraScene(fps=60.0)
    pose = StallingPose(running)
    station = Station(config, ResilientSource(scene.open(), scene.open, FAST), pose)
    stop, thread = start(station)
    try:
        heard = notifications(systemd, 1.2)
        assert heard[0] == "READY=1"
        assert heard.count("WATCHDOG=1") >= 4
        pose.hang.set()
        notifications(systemd, 0.4)  # the ping due before the hang was seen
        assert "WATCHDOG=1" not in notifications(systemd, 1.0), "a hung loop: no ping"
        pose.hang.clear()
        assert notifications(systemd, 1.0).count("WATCHDOG=1") >= 3
        scene.plugged.clear()
        assert notifications(systemd, 1.5).count("WATCHDOG=1") >= 5, "reconnecting is no hang"
        scene.plugged.set()
        assert any(line.startswith("STATUS=camera") for line in notifications(systemd, 1.5))
    finally:
        pose.hang.clear()
        stop.set()
        thread.join(timeout=30)
    assert "STOPPING=1" in notifications(systemd, 0.5)


def test_a_reload_takes_on_live_settings_and_keeps_the_session(
    tmp_path: Path,
    config_file: Path,
    running: np.ndarray,
    systemd: socket.socket,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    config = load_config(config_file)
    source = FakeSource(len(running), fps=60.0, paced=True)
    station = Station(
        config, source, FakePose(running), load_config=lambda: load_config(config_file)
    )
    listener = Listener(config.bus.publish)
    stop, thread = start(station)
    try:
        time.sleep(4.0)
        session = station.store.session_id if station.store else None
        assert session is not None
        write_config(
            config_file,
            tmp_path,
            "[gait]\nsummary_steps = 6\nbelt_speed_mps = 3.0\n"
            "[targets]\ncadence_min_spm = 175.0\n[camera]\nfps = 30.0\n",
        )
        notifications(systemd, 0.1)
        station.request_reload()
        heard = notifications(systemd, 2.0)
        assert "RELOADING=1" in heard and heard.index("READY=1") > heard.index("RELOADING=1")
        assert station.config.targets.cadence_min_spm == 175.0
        assert station.config.camera.fps == config.camera.fps, "the camera needs a restart"
        reloaded_at = time.monotonic()
        write_config(config_file, tmp_path, "[camera]\nfps = -5\n")
        station.request_reload()
        time.sleep(1.5)
        assert station.config.targets.cadence_min_spm == 175.0, "a bad file changes nothing"
        time.sleep(2.0)
        assert station.store is not None and station.store.session_id == session
    finally:
        stop.set()
        thread.join(timeout=30)
        listener.close()
    assert not thread.is_alive()
    log = caplog.text
    assert "reloaded targets.cadence_min_spm = 175.0 (was 155.0)" in log
    assert "camera.fps = 30.0 (was 60.0): needs a restart" in log
    assert "reload refused" in log and "camera.fps = -5: must be > 0" in log
    later = [m for m in listener.of(SummaryMsg) if m.t > reloaded_at + 0.5]
    assert later and all(m.n_steps <= 6 for m in later), "the summary window is 6 steps now"
    assert listener.of(StatusMsg)[-1].belt_speed_mps == 3.0
    sessions = list_sessions(config.sessions_path)
    assert [s.id for s in sessions] == [session]
    assert sessions[0].belt_speed_mps == pytest.approx(3.0)
