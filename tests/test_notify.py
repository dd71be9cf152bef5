"""sd_notify against real AF_UNIX datagram sockets, and a watchdog that a stalled loop silences."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.run.notify import Notifier, Watchdog, watchdog_interval_s


class Systemd:
    """The receiving end of $NOTIFY_SOCKET, as systemd holds it."""

    def __init__(self, sock: socket.socket, address: str) -> None:
        self.sock = sock
        self.address = address

    def drain(self) -> None:
        """Forget what has arrived so far."""
        self.sock.setblocking(False)
        try:
            while True:
                self.sock.recv(4096)
        except BlockingIOError:
            pass
        finally:
            self.sock.setblocking(True)

    def messages(self, seconds: float) -> list[dict[str, str]]:
        """Every notification that arrives within ``seconds``, as key -> value."""
        out = []
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                break
            out.append(dict(line.split("=", 1) for line in data.decode().splitlines()))
        return out


@pytest.fixture()
def systemd(tmp_path: Path) -> Iterator[Systemd]:
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    yield Systemd(sock, str(path))
    sock.close()


def test_notifications_reach_a_path_socket(systemd: Systemd) -> None:
    with Notifier(systemd.address) as notifier:
        notifier.ready("serving\nsecond line")
        notifier.reloading()
        notifier.stopping()
    ready, reloading, stopping = systemd.messages(0.5)
    assert ready == {"READY": "1", "STATUS": "serving second line"}
    assert reloading["RELOADING"] == "1"
    assert abs(int(reloading["MONOTONIC_USEC"]) - time.monotonic_ns() // 1000) < 5_000_000
    assert stopping == {"STOPPING": "1"}


def test_an_abstract_socket_is_written_with_an_at_sign() -> None:
    name = f"hipdrive-test-{os.getpid()}-{time.monotonic_ns()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    try:
        with Notifier(f"@{name}") as notifier:
            assert notifier.send(WATCHDOG=1)
        assert Systemd(sock, name).messages(0.5) == [{"WATCHDOG": "1"}]
    finally:
        sock.close()


def test_outside_systemd_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    notifier = Notifier.from_env()
    assert not notifier.enabled
    assert notifier.send(READY=1) is False


def test_a_systemd_that_does_not_read_never_holds_the_station_up(systemd: Systemd) -> None:
    started = time.monotonic()
    with Notifier(systemd.address) as notifier:
        sent = [notifier.send(STATUS="x" * 200) for _ in range(5000)]
    assert time.monotonic() - started < 2.0
    assert sent[0] and not sent[-1], "once the queue is full, notifications are dropped"


def test_a_socket_that_went_away_is_logged_not_raised(tmp_path: Path) -> None:
    with Notifier(str(tmp_path / "gone")) as notifier:
        assert notifier.send(READY=1) is False


@pytest.mark.parametrize(
    ("usec", "pid", "expected"),
    [("2000000", None, 2.0), ("2000000", "self", 2.0), ("2000000", "1", None), (None, None, None)],
)
def test_the_watchdog_interval_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, usec: str | None, pid: str | None, expected: float | None
) -> None:
    for key, value in (("WATCHDOG_USEC", usec), ("WATCHDOG_PID", pid)):
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, str(os.getpid()) if value == "self" else value)
    assert watchdog_interval_s() == expected


class Loop:
    """A processing loop that hands frames through until told to stall."""

    def __init__(self) -> None:
        self.frames = 0
        self.running = threading.Event()
        self.running.set()
        self.waiting = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            if self.running.is_set():
                self.frames += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def pings(messages: list[dict[str, str]]) -> int:
    return sum(1 for m in messages if m.get("WATCHDOG") == "1")


def test_the_watchdog_pings_only_while_the_loop_moves_or_waits_for_its_camera(
    systemd: Systemd,
) -> None:
    loop = Loop()
    notifier = Notifier(systemd.address)
    watchdog = Watchdog(
        notifier, 0.2, frames=lambda: loop.frames, waiting=lambda: loop.waiting, warmup_s=0.0
    )
    watchdog.start()
    # A ping every half timeout: 0.1 s; 4 of them asked for in a second, not in 0.6 s (a CI run
    # on a machine loaded by other work heard 3 in 0.6 s).
    try:
        assert pings(systemd.messages(1.0)) >= 4, "a moving loop: a ping every half timeout"
        loop.running.clear()
        time.sleep(0.15)  # the ping already due when the loop stalled
        systemd.drain()
        assert pings(systemd.messages(0.6)) == 0, "a stalled loop: systemd hears nothing"
        loop.waiting = True
        assert pings(systemd.messages(1.0)) >= 4, "waiting for a camera is not a hang"
        loop.waiting = False
        loop.running.set()
        assert pings(systemd.messages(1.0)) >= 4, "the loop moves again"
    finally:
        watchdog.close()
        notifier.close()
        loop.close()


def test_the_first_frame_may_take_the_warm_up_but_no_longer(systemd: Systemd) -> None:
    notifier = Notifier(systemd.address)
    watchdog = Watchdog(notifier, 0.2, frames=lambda: 0, waiting=lambda: False, warmup_s=0.5)
    watchdog.start()
    try:
        assert pings(systemd.messages(0.45)) >= 3
        time.sleep(0.2)
        systemd.drain()
        assert pings(systemd.messages(0.5)) == 0
    finally:
        watchdog.close()
        notifier.close()


def test_without_a_watchdog_asked_for_nothing_runs(systemd: Systemd) -> None:
    with Notifier(systemd.address) as notifier:
        watchdog = Watchdog(notifier, None, frames=lambda: 1, waiting=lambda: True)
        watchdog.start()
        watchdog.close()
        assert systemd.messages(0.3) == []
