"""systemd's notification protocol (sd_notify) and its watchdog, without a library.

Under a ``Type=notify`` unit systemd passes ``$NOTIFY_SOCKET``, an AF_UNIX datagram socket (a
path, or an abstract name written with a leading ``@``), and with ``WatchdogSec=`` also
``$WATCHDOG_USEC``. Each notification is one datagram of ``KEY=VALUE`` lines. Outside systemd
every call is a no-op, so the station runs the same from a terminal.

The watchdog pings only while the processing loop hands frames through: a hung pipeline (a
stuck inference, a deadlock) stops the pings and systemd restarts the station. Waiting for a
camera that is being reconnected is not a hang, and neither is the first frame, which may take
a while (model warm-up, numba compiling its kernels once).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable

from edge.closing import Closing

log = logging.getLogger(__name__)

#: how long the first frame may take before a missing one counts as a hang, seconds
WARMUP_S = 120.0


class Notifier(Closing):
    """Sends notifications to systemd; does nothing when not started by it."""

    def __init__(self, address: str | None) -> None:
        self.address = address
        self._failing = False
        self._socket: socket.socket | None = None
        if address:
            self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)

    @classmethod
    def from_env(cls) -> Notifier:
        return cls(os.environ.get("NOTIFY_SOCKET") or None)

    @property
    def enabled(self) -> bool:
        return self._socket is not None

    def send(self, **fields: str | int) -> bool:
        """One notification (``send(READY=1, STATUS="...")``); False when it could not be sent."""
        if self._socket is None or self.address is None:
            return False
        # Abstract socket names start with a NUL byte, which the environment writes as '@'.
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        # A status is one line: a newline would start another assignment.
        text = "\n".join(f"{k}={str(v).replace(chr(10), ' ')}" for k, v in fields.items())
        try:
            # Never wait: a busy systemd must not hold the station's threads up.
            self._socket.sendto(text.encode(), socket.MSG_DONTWAIT, target)
        except OSError as exc:
            if not self._failing:
                log.warning("cannot notify systemd at %s: %s", self.address, exc)
            self._failing = True
            return False
        self._failing = False
        return True

    def ready(self, status: str) -> None:
        self.send(READY=1, STATUS=status)

    def status(self, text: str) -> None:
        self.send(STATUS=text)

    def reloading(self) -> None:
        # MONOTONIC_USEC lets a Type=notify-reload unit (systemd >= 253) match the reload to
        # its request; older systemd ignores it.
        self.send(RELOADING=1, MONOTONIC_USEC=time.monotonic_ns() // 1000)

    def stopping(self) -> None:
        self.send(STOPPING=1)

    def ping(self) -> None:
        self.send(WATCHDOG=1)

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def watchdog_interval_s() -> float | None:
    """The watchdog timeout systemd gave this process, in seconds (None: no watchdog)."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):
        return None  # meant for another process (we were started by the watched one)
    return int(usec) / 1e6


class Watchdog(Closing):
    """Pings systemd every half timeout while ``frames()`` keeps rising or ``waiting()`` holds.

    frames: a count of frames the loop has handed through (read on this thread).
    waiting: true while the loop is legitimately blocked (a camera being reconnected).
    timeout_s: systemd's watchdog timeout; None (no watchdog asked for) makes this inert.
    """

    def __init__(
        self,
        notifier: Notifier,
        timeout_s: float | None,
        frames: Callable[[], int],
        waiting: Callable[[], bool],
        warmup_s: float = WARMUP_S,
    ) -> None:
        self._notifier = notifier
        self._timeout_s = timeout_s
        self._frames = frames
        self._waiting = waiting
        self._warmup_s = warmup_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="watchdog", daemon=True)
        self.pings = 0

    def start(self) -> None:
        if self._timeout_s is not None and self._notifier.enabled:
            log.info("systemd watchdog: %.0f s", self._timeout_s)
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        assert self._timeout_s is not None
        started = time.monotonic()
        seen = self._frames()
        withheld = False
        while not self._stop.wait(self._timeout_s / 2):
            frames = self._frames()
            warming = frames == 0 and time.monotonic() - started < self._warmup_s
            if frames != seen or warming or self._waiting():
                if withheld:
                    log.info("processing loop moves again: watchdog pings resume")
                withheld = False
                self._notifier.ping()
                self.pings += 1
            elif not withheld:
                withheld = True
                log.error(
                    "processing loop made no progress for %.0f s: withholding the watchdog "
                    "ping, systemd will restart the station",
                    self._timeout_s / 2,
                )
            seen = frames
