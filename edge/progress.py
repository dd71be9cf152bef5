"""Progress for long operations: Rich's live bar on a terminal, a line every ~10% elsewhere
(a log or the journal, where a redrawn bar would be noise)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress


class Progress:
    """Counts work done toward an optional total and shows it on stderr."""

    def __init__(self, label: str, total: int | None = None, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = total if total and total > 0 else None
        self.done = 0
        self._stream = stream or sys.stderr
        self._t0 = time.monotonic()
        self._last_decile = -1
        self._bar: RichProgress | None = None
        if self._stream.isatty():
            columns = (
                (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
                if self.total
                else (SpinnerColumn(), TextColumn("{task.description} {task.completed}"))
            )
            self._bar = RichProgress(
                *columns,
                TimeElapsedColumn(),
                *((TimeRemainingColumn(),) if self.total else ()),
                console=Console(file=self._stream),
            )
            self._task = self._bar.add_task(label, total=self.total)
            self._bar.start()

    def update(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.advance(self._task, n)
        elif self.total:
            decile = 10 * self.done // self.total
            if decile != self._last_decile:
                self._last_decile = decile
                self._stream.write(self._line() + "\n")
                self._stream.flush()

    def close(self, finished: bool = True) -> None:
        """Stop showing progress: the work is done, or (``finished`` False) given up."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        said = "done" if finished else "stopped"
        self._stream.write(
            f"{self.label}: {said}, {self.done} in {time.monotonic() - self._t0:.1f} s\n"
        )
        self._stream.flush()

    def _line(self) -> str:
        elapsed = max(time.monotonic() - self._t0, 1e-9)
        rate = self.done / elapsed
        assert self.total is not None
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        return (
            f"{self.label}: {self.done}/{self.total} "
            f"({100 * self.done // self.total}%) {rate:.1f}/s eta {eta:.0f} s"
        )
