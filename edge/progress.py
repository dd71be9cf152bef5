"""Progress for long operations: a live bar on a terminal, a line every ~10% elsewhere."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Counts work done toward an optional total and shows it on stderr."""

    def __init__(self, label: str, total: int | None = None, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = total if total and total > 0 else None
        self.done = 0
        self._stream = stream or sys.stderr
        self._tty = self._stream.isatty()
        self._t0 = time.monotonic()
        self._last_draw = 0.0
        self._last_decile = -1

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self._tty:
            if now - self._last_draw >= 0.1:
                self._last_draw = now
                self._stream.write("\r" + self._line(now))
                self._stream.flush()
        elif self.total:
            decile = 10 * self.done // self.total
            if decile != self._last_decile:
                self._last_decile = decile
                self._stream.write(self._line(now) + "\n")
                self._stream.flush()

    def close(self) -> None:
        end = "\r" + self._line(time.monotonic()) + "\n" if self._tty else ""
        self._stream.write(
            end + f"{self.label}: done, {self.done} in {time.monotonic() - self._t0:.1f} s\n"
        )
        self._stream.flush()

    def _line(self, now: float) -> str:
        rate = self.done / max(now - self._t0, 1e-9)
        if self.total:
            frac = min(self.done / self.total, 1.0)
            bar = "#" * int(30 * frac) + "-" * (30 - int(30 * frac))
            eta = (self.total - self.done) / rate if rate > 0 else 0.0
            return f"{self.label} [{bar}] {self.done}/{self.total} {rate:.1f}/s eta {eta:.0f} s"
        return f"{self.label} {self.done} {rate:.1f}/s"
