"""A fake station behind the control channel: records the commands it gets."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from edge.bus.control import CommandRefused


class FakeHandler:
    """Implements ``ControlHandler``; ``calls`` lists (command, *arguments) in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.session: int | None = None
        self._lock = threading.Lock()

    def _call(self, *call: Any) -> None:
        with self._lock:
            self.calls.append(call)

    def start_session(self, runner: str | None) -> Mapping[str, Any]:
        self._call("start_session", runner)
        self.session = (self.session or 0) + 1
        return {"session_id": self.session}

    def stop_session(self) -> None:
        self._call("stop_session")

    def set_belt_speed(self, mps: float | None) -> None:
        self._call("set_belt_speed", mps)

    def set_runner(self, name: str) -> None:
        if name == "crash":
            raise RuntimeError("a bug in the station")
        self._call("set_runner", name)

    def set_voice(self, on: bool) -> Mapping[str, Any]:
        self._call("set_voice", on)
        return {"voice": on}

    def mark_lap(self, label: str | None, t: float | None = None) -> Mapping[str, Any]:
        if self.session is None:
            raise CommandRefused("no session is open: start one first")
        self._call("mark_lap", label, *(() if t is None else (t,)))
        return {"lap": sum(1 for c in self.calls if c[0] == "mark_lap")}
