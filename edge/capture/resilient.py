"""A live camera that comes back: reopened with back-off when it fails, stalls or sends garbage.

A station runs for weeks; USB cables get kicked and cameras reset. The wrapper hides that from
the station's loop: ``read`` keeps waiting (and reopening the device) until good frames flow
again, so the run never ends because of the camera, and ``state`` says what is going on for
the status message. Frames keep their capture timestamps and are numbered on across devices,
so the gait engine simply sees a gap. A file source is not wrapped: its end is the run's end.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from edge.capture.base import CaptureSettings, Frame, FrameSource, LiveSource, SourceState
from edge.capture.registry import open_source

log = logging.getLogger(__name__)

#: frames whose sampled pixels span no more levels than this are blank (black, one colour)
BLANK_LEVELS = 2
#: pixel stride of the blank check (a 1080p frame is judged on ~8000 pixels)
BLANK_STRIDE = 16


@dataclass(frozen=True, slots=True)
class Recovery:
    """When a live source counts as lost and how it is reopened; seconds.

    lost_after_s: without a good frame this long, the state is "lost" (the device may recover
    by itself). stall_s: without any frame this long, the device is reopened. bad_s: with only
    unusable frames (wrong size, blank) this long, the device is reopened. Reopening is tried
    after first_retry_s, then twice as long each time up to max_retry_s, which therefore bounds
    how long a returning camera waits before it is opened again. poll_s: how often a waiting
    read looks at the clock and at ``interrupt``. report_s: how often a long outage is logged.
    """

    lost_after_s: float = 0.5
    stall_s: float = 2.0
    bad_s: float = 3.0
    first_retry_s: float = 0.1
    max_retry_s: float = 1.0
    poll_s: float = 0.1
    report_s: float = 60.0


def frame_problem(image: np.ndarray, width: int, height: int) -> str | None:
    """Why a frame is unusable, or None: it must be (height, width, 3) uint8 and not blank."""
    if image.dtype != np.uint8 or image.shape != (height, width, 3):
        return (
            f"frames of shape {image.shape} {image.dtype} instead of ({height}, {width}, 3) "
            "uint8 (the camera changed its mode)"
        )
    sample = image[::BLANK_STRIDE, ::BLANK_STRIDE].reshape(-1, 3)
    if int(np.ptp(sample, axis=0).max()) <= BLANK_LEVELS:
        return "blank frames (one colour): lens covered, no signal or a failing camera"
    return None


class ResilientSource(FrameSource):
    """A live device that is reopened whenever it fails; ``read`` returns None only after
    ``interrupt`` or ``close``.

    device: the device, already open (opening it the first time is where a missing camera
    is an error). reopen: opens it again; any exception counts as "not back yet".
    """

    def __init__(
        self,
        device: LiveSource,
        reopen: Callable[[], LiveSource],
        recovery: Recovery | None = None,
    ) -> None:
        self.info = device.info
        self._device: LiveSource | None = device
        self._reopen = reopen
        self._recovery = recovery or Recovery()
        self._state: SourceState = "running"
        self._halt = threading.Event()
        self._lock = threading.Lock()
        self._index = 0
        self._dropped_before = 0
        self._last_frame = self._last_good = time.monotonic()
        self._problem: str | None = None
        self._outage_start: float | None = None
        self._last_report = 0.0
        self._retry_s = self._recovery.first_retry_s
        self.attempts = 0
        """Reopening attempts over the whole run."""
        self.outages = 0
        """Times the device was given up and reopened."""

    @property
    def state(self) -> SourceState:
        return self._state

    @property
    def dropped(self) -> int:
        device = self._device
        return self._dropped_before + (device.dropped if device is not None else 0)

    def read(self) -> Frame | None:
        rec = self._recovery
        while not self._halt.is_set():
            device = self._device
            if device is None:
                self._try_reopen()
                continue
            try:
                frame = device.poll(rec.poll_s)
            except Exception as exc:  # the grab thread's report that the device has gone
                self._give_up(str(exc))
                continue
            now = time.monotonic()
            problem = None
            if frame is not None:
                self._last_frame = now
                problem = frame_problem(frame.image, self.info.width, self.info.height)
                if problem is None:
                    return self._deliver(frame, now)
                if problem != self._problem:
                    log.warning("%s: %s", self.info.name, problem)
                    self._problem = problem
            name = self.info.name
            if now - self._last_frame >= rec.stall_s:
                self._give_up(f"{name} delivered no frame for {now - self._last_frame:.1f} s")
            elif now - self._last_good >= rec.bad_s and problem is not None:
                self._give_up(f"{name} delivered only unusable frames for {rec.bad_s:.1f} s")
            elif now - self._last_good >= rec.lost_after_s and self._state == "running":
                self._state = "lost"
                self._outage_start = self._last_good
                log.warning("%s: no good frame for %.1f s", self.info.name, now - self._last_good)
        return None

    def _deliver(self, frame: Frame, now: float) -> Frame:
        if self._state != "running":
            away = now - (self._outage_start or now)
            log.info("%s is back: frames flow again after %.1f s", self.info.name, away)
            self._outage_start = None
        self._state = "running"
        self._problem = None
        self._last_good = now
        out = Frame(frame.image, self._index, frame.t_ns)
        self._index += 1
        return out

    def _give_up(self, reason: str) -> None:
        """Close the device and start reopening it."""
        with self._lock:
            device, self._device = self._device, None
        if device is not None:
            self._dropped_before += device.dropped
            device.close()
        if self._state != "reconnecting":
            self.outages += 1
            self._outage_start = self._outage_start or self._last_good
            self._last_report = time.monotonic()
            log.warning("%s; reconnecting", reason)
        self._state = "reconnecting"
        self._retry_s = self._recovery.first_retry_s

    def _try_reopen(self) -> None:
        """One attempt at reopening, after the current back-off."""
        rec = self._recovery
        if self._halt.wait(self._retry_s):
            return
        self._retry_s = min(2 * self._retry_s, rec.max_retry_s)
        self.attempts += 1
        try:
            device = self._reopen()
        except Exception as exc:  # a missing device fails in the driver's own way
            log.debug("%s: reopening failed: %s", self.info.name, exc)
            now = time.monotonic()
            if now - self._last_report >= rec.report_s:
                self._last_report = now
                log.warning(
                    "%s still away after %.0f s (%d attempts, last: %s); check the cable",
                    self.info.name,
                    now - (self._outage_start or now),
                    self.attempts,
                    exc,
                )
            return
        with self._lock:
            if self._halt.is_set():
                device.close()
                return
            self._device = device
        self._last_frame = self._last_good = time.monotonic()
        log.info("%s reopened; waiting for frames", self.info.name)

    def interrupt(self) -> None:
        self._halt.set()

    def close(self) -> None:
        self._halt.set()
        with self._lock:
            device, self._device = self._device, None
        if device is not None:
            device.close()


def open_resilient(
    spec: str, settings: CaptureSettings, recovery: Recovery | None = None
) -> FrameSource:
    """The source for ``spec``; a live camera comes wrapped so that it is reopened when it fails.

    The first opening is not retried: a camera missing at start is an error (exit 3).
    """
    source = open_source(spec, settings)
    if not isinstance(source, LiveSource):
        return source

    def reopen() -> LiveSource:
        again = open_source(spec, settings)
        assert isinstance(again, LiveSource)
        return again

    return ResilientSource(source, reopen, recovery)
