"""The frame pipeline: frames come back in order with their timestamps, at most ``depth`` are
in flight, errors reach the caller, and stopping or the end of the source ends it."""

from __future__ import annotations

import dataclasses
import random
import threading
import time

import pytest

from edge.capture import Frame
from edge.run.pipeline import FramePipeline
from tests.builders.fakes import FakeSource


def test_frames_come_back_in_order_with_their_timestamps() -> None:
    source = FakeSource(60)
    rng = random.Random(1)

    def look(frame: Frame, _seq: int) -> int:
        time.sleep(rng.uniform(0.0, 0.004))  # workers finish out of order
        return frame.index * 10

    with FramePipeline(source, look, workers=3) as pipeline:
        items = list(pipeline)
    assert [item.frame.index for item in items] == list(range(60))
    assert [item.result for item in items] == [10 * i for i in range(60)]
    stamps = [item.frame.t_ns for item in items]
    assert stamps == sorted(stamps)


def test_a_look_finds_what_was_made_of_the_frame_depth_before_it() -> None:
    """What the station's looks are planned by (the crop settled ``depth`` frames before), so a
    file gives the same steps however the threads run (a user trial's three headless runs of
    one clip gave 22, 25 and 26 steps)."""
    rng = random.Random(2)
    made: dict[int, int] = {}
    seen: list[tuple[int, int | None]] = []

    def look(frame: Frame, seq: int) -> int:
        time.sleep(rng.uniform(0.0, 0.003))
        seen.append((seq, made.get(seq - 4)))
        return frame.index

    with FramePipeline(FakeSource(80), look, workers=3, depth=4) as pipeline:
        for seq, item in enumerate(pipeline):
            time.sleep(rng.uniform(0.0, 0.002))
            made[seq] = item.result
    assert sorted(seen) == [(seq, seq - 4 if seq >= 4 else None) for seq in range(80)]


def test_a_picture_held_still_is_handed_out_in_its_place_and_looked_at_by_none() -> None:
    """A file's picture held still (``Frame.held``) tells only the time it is shown at: no
    worker looks at it, and the looks are numbered among the frames looked at, so they are
    planned as they would be without it (a file's first frames are looked at one after
    another, as analyze looks at them)."""
    source = FakeSource(30)
    real_read = source.read

    def read() -> Frame | None:
        frame = real_read()
        return frame if frame is None or frame.index % 5 else dataclasses.replace(frame, held=True)

    source.read = read  # type: ignore[method-assign]
    looked: list[tuple[int, int]] = []

    def look(frame: Frame, seq: int) -> int:
        looked.append((seq, frame.index))
        return frame.index

    with FramePipeline(source, look, workers=2, depth=3) as pipeline:
        items = list(pipeline)
    assert [item.frame.index for item in items] == list(range(30))
    assert [item.result for item in items] == [None if k % 5 == 0 else k for k in range(30)]
    assert sorted(looked) == list(enumerate(k for k in range(30) if k % 5))


def test_no_more_than_depth_frames_are_in_flight() -> None:
    source = FakeSource(40)
    in_flight = 0
    most = 0
    lock = threading.Lock()
    real_read = source.read

    def counting_read() -> Frame | None:
        nonlocal in_flight, most
        frame = real_read()
        with lock:
            in_flight += frame is not None
            most = max(most, in_flight)
        return frame

    source.read = counting_read  # type: ignore[method-assign]
    with FramePipeline(source, lambda f, _: f.index, workers=2, depth=3) as pipeline:
        for _ in pipeline:
            time.sleep(0.002)  # a slow consumer: the reader must wait for it
            with lock:
                in_flight -= 1
    assert most == 3


def test_an_error_in_a_worker_reaches_the_caller() -> None:
    def look(frame: Frame, _seq: int) -> int:
        if frame.index == 5:
            raise RuntimeError("backend failed")
        return frame.index

    with (
        FramePipeline(FakeSource(20), look, workers=2) as pipeline,
        pytest.raises(RuntimeError, match="backend failed"),
    ):
        for item in pipeline:
            assert item.frame.index < 5


def test_stop_ends_the_iteration_of_an_endless_source() -> None:
    stop = threading.Event()
    seen = 0
    with FramePipeline(FakeSource(10**9), lambda f, _: f.index, workers=2, stop=stop) as pipeline:
        for _ in pipeline:
            seen += 1
            if seen == 30:
                stop.set()
    assert seen >= 30
