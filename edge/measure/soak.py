"""A long run of the whole station that watches what it holds: speed, memory, open files.

``hipdrive soak`` runs the station (bus, control channel, session store, pose, gait) on the
demo clip looping as its camera, and samples it at a fixed interval: frames per second over the
interval, resident memory (RSS) and open file descriptors. A leak shows as RSS or descriptors
that keep rising once the first minute (model warm-up, kernels compiling) is over.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from edge.errors import UsageError
from edge.run.station import Station

_PROC = Path("/proc/self")


@dataclass(frozen=True, slots=True)
class Sample:
    """One look at the running station. t_s: seconds since the start; fps: frames handed
    through per second since the previous sample; rss_mb: resident memory, MB (10^6 bytes)."""

    t_s: float
    fps: float
    rss_mb: float
    fds: int
    steps: int


def rss_mb() -> float:
    """Resident memory of this process, MB, from /proc (Linux)."""
    for line in (_PROC / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise UsageError("/proc/self/status has no VmRSS line; the soak needs Linux")


def open_fds() -> int:
    """File descriptors this process holds open (sockets, files, pipes)."""
    return len(os.listdir(_PROC / "fd"))


def _check_proc() -> None:
    if not (_PROC / "status").is_file():
        raise UsageError("the soak reads memory and open files from /proc: run it on Linux")


@dataclass(frozen=True, slots=True)
class SoakReport:
    """The samples of a soak; ``start_rss_mb`` is the memory before the first frame."""

    start_rss_mb: float
    samples: list[Sample]

    @property
    def rss_growth_mb(self) -> float:
        """RSS of the last sample minus the first, MB (the warm-up is before the first)."""
        return self.samples[-1].rss_mb - self.samples[0].rss_mb if self.samples else 0.0

    @property
    def rss_growth_mb_per_hour(self) -> float | None:
        span_s = self.samples[-1].t_s - self.samples[0].t_s if self.samples else 0.0
        return self.rss_growth_mb * 3600 / span_s if span_s > 0 else None

    def table(self) -> list[str]:
        """First, last and largest value of each figure, then the memory growth."""
        if not self.samples:
            return ["no samples: the station stopped before the first interval ended"]
        first, last = self.samples[0], self.samples[-1]
        rows: list[tuple[str, str, list[float]]] = [
            ("fps", "{:.1f}", [s.fps for s in self.samples]),
            ("RSS MB", "{:.1f}", [s.rss_mb for s in self.samples]),
            ("open fds", "{:.0f}", [float(s.fds) for s in self.samples]),
        ]
        lines = [f"{'':10s} {'first':>9s} {'last':>9s} {'max':>9s}"]
        for name, fmt, values in rows:
            cells = (fmt.format(v) for v in (values[0], values[-1], max(values)))
            lines.append(f"{name:10s} " + " ".join(f"{c:>9s}" for c in cells))
        rate = self.rss_growth_mb_per_hour
        per_hour = "" if rate is None else f" ({rate:+.1f} MB/hour)"
        lines.append(
            f"RSS growth {self.rss_growth_mb:+.1f} MB from minute {first.t_s / 60:.1f} to "
            f"{last.t_s / 60:.1f}{per_hour}; {last.steps} steps; "
            f"RSS before the first frame {self.start_rss_mb:.1f} MB"
        )
        return lines

    def as_json(self) -> dict[str, Any]:
        return {
            "start_rss_mb": self.start_rss_mb,
            "rss_growth_mb": self.rss_growth_mb,
            "rss_growth_mb_per_hour": self.rss_growth_mb_per_hour,
            "samples": [asdict(s) for s in self.samples],
        }


def soak(
    station: Station,
    minutes: float,
    every_s: float = 60.0,
    on_sample: Callable[[Sample], None] | None = None,
) -> SoakReport:
    """Run ``station`` for ``minutes`` (or until its source ends), sampling every ``every_s``.

    Raises what the station raised, after the samples so far were handed to ``on_sample``.
    """
    _check_proc()
    stop = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            station.run(stop)
        except BaseException as exc:
            failure.append(exc)
            stop.set()

    start_rss = rss_mb()
    started = time.monotonic()
    deadline = started + minutes * 60
    thread = threading.Thread(target=run, name="station")
    thread.start()
    samples: list[Sample] = []
    last_t, last_frames = started, 0
    try:
        while not stop.wait(max(0.0, min(every_s, deadline - time.monotonic()))):
            now, frames = time.monotonic(), station.rates.frames_out
            sample = Sample(
                t_s=now - started,
                fps=(frames - last_frames) / max(now - last_t, 1e-9),
                rss_mb=rss_mb(),
                fds=open_fds(),
                steps=station.steps_published,
            )
            last_t, last_frames = now, frames
            samples.append(sample)
            if on_sample is not None:
                on_sample(sample)
            if now >= deadline:
                break
    finally:
        stop.set()
        thread.join()
    if failure:
        raise failure[0]
    return SoakReport(start_rss, samples)
