"""Capture, pose and the in-order stages overlap: a reader thread, pose workers, frames in order.

The reader takes a frame from the source only when a slot is free, so a live camera is always
read for its newest frame (its grab thread drops what the station cannot take) and a file is
never read further ahead than the slots allow: nothing queues without bound. Pose workers look
at frames side by side (a backend's inference releases the GIL); the caller gets them back in
frame order, with their capture timestamps untouched, and frees the slot when done with one.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from edge.capture import Frame, FrameSource
from edge.closing import Closing

log = logging.getLogger(__name__)

T = TypeVar("T")

#: how often blocked threads look at the stop flag, seconds
POLL_S = 0.1


@dataclass(frozen=True, slots=True)
class Processed(Generic[T]):
    """A frame and what the pose workers made of it (None for a picture held still,
    ``Frame.held``: none looks at it); ``read_s`` and ``look_s`` took so long."""

    frame: Frame
    result: T | None
    read_s: float
    look_s: float


class FramePipeline(Closing, Generic[T]):
    """Frames from ``source`` through ``look`` on ``workers`` threads, handed out in order.

    look(frame, seq): ``seq`` the frame's place among those looked at, from 0: a picture held
    still (``Frame.held``) is looked at by none, only handed out in its place in the stream. A
    frame is read only once the one ``depth`` places before it has been handed out and done with
    (its slot freed), so what the caller made of that one is there for ``look`` whatever the
    threads' timing.
    depth: frames in flight at most (read, being looked at, or waiting to be handed out).
    Iterating ends when the source ends or ``stop`` is set; an error in the reader or a worker
    is raised in the iterating thread.
    """

    def __init__(
        self,
        source: FrameSource,
        look: Callable[[Frame, int], T],
        workers: int = 1,
        depth: int | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers = {workers}: must be >= 1")
        self._source = source
        self._look = look
        self._stop = stop or threading.Event()
        self._closing = threading.Event()
        self._slots = threading.Semaphore(depth or workers + 1)
        self._todo: queue.Queue[tuple[int, int, Frame, float] | None] = queue.Queue()
        self._done: dict[int, Processed[T] | BaseException | None] = {}
        self._cond = threading.Condition()
        self._threads = [threading.Thread(target=self._read, name="read", daemon=True)]
        self._threads += [
            threading.Thread(target=self._work, name=f"pose-{i}", daemon=True)
            for i in range(workers)
        ]
        self._workers = workers
        for thread in self._threads:
            thread.start()

    def __iter__(self) -> Iterator[Processed[T]]:
        seq = 0
        while True:
            with self._cond:
                while seq not in self._done:
                    if self._stop.is_set():
                        return
                    self._cond.wait(POLL_S)
                item = self._done.pop(seq)
            seq += 1
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            try:
                yield item
            finally:
                self._slots.release()

    def close(self) -> None:
        self._closing.set()
        for thread in self._threads:
            thread.join(timeout=5.0)

    def _running(self) -> bool:
        return not (self._stop.is_set() or self._closing.is_set())

    def _hand_out(self, seq: int, item: Processed[T] | BaseException | None) -> None:
        with self._cond:
            self._done[seq] = item
            self._cond.notify_all()

    def _read(self) -> None:
        seq = looked = 0
        try:
            while self._running():
                if not self._slots.acquire(timeout=POLL_S):
                    continue
                started = time.perf_counter()
                frame = self._source.read()
                if frame is None:
                    break
                read_s = time.perf_counter() - started
                if frame.held:
                    self._hand_out(seq, Processed(frame, None, read_s, 0.0))
                else:
                    self._todo.put((seq, looked, frame, read_s))
                    looked += 1
                seq += 1
        except BaseException as exc:  # handed to the iterating thread, which raises it
            self._hand_out(seq, exc)
            seq += 1
        # The end of the stream comes after every frame read before it.
        self._hand_out(seq, None)
        for _ in range(self._workers):
            self._todo.put(None)

    def _work(self) -> None:
        while self._running():
            try:
                job = self._todo.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if job is None:
                return
            seq, looked, frame, read_s = job
            started = time.perf_counter()
            try:
                result = self._look(frame, looked)
            except BaseException as exc:
                self._hand_out(seq, exc)
                continue
            self._hand_out(seq, Processed(frame, result, read_s, time.perf_counter() - started))
