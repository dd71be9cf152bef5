"""A live camera that fails, stalls or sends garbage comes back; a file still ends the run."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from edge.capture import CaptureSettings, Frame, Recovery, ResilientSource, open_resilient
from edge.capture.resilient import frame_problem
from edge.errors import MissingResourceError
from tests.builders.fakes import CameraScene
from tests.builders.media import write_video

FAST = Recovery(lost_after_s=0.2, stall_s=0.5, bad_s=0.5, max_retry_s=0.4, report_s=0.5)


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        (np.dstack([np.tile(np.arange(64, dtype=np.uint8), (48, 1))] * 3), None),
        (np.zeros((48, 64, 3), np.uint8), "blank"),
        (np.full((48, 64, 3), (0, 135, 0), np.uint8), "blank"),
        (np.zeros((24, 32, 3), np.uint8), "shape (24, 32, 3)"),
        (np.zeros((48, 64, 3), np.float32), "float32"),
    ],
    ids=["textured", "black", "green", "half-size", "float"],
)
def test_unusable_frames_are_named(image: np.ndarray, problem: str | None) -> None:
    found = frame_problem(image, 64, 48)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


class Reader:
    """Reads a source on its own thread like the station does, keeping every frame's arrival."""

    def __init__(self, source: ResilientSource) -> None:
        self.source = source
        self.frames: list[tuple[float, Frame]] = []
        self.states: set[str] = set()
        self.ended = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        while (frame := self.source.read()) is not None:
            self.frames.append((time.monotonic(), frame))
        self.ended.set()

    def watch(self, seconds: float) -> None:
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            self.states.add(self.source.state)
            time.sleep(0.01)

    def first_frame_after(self, t: float, timeout_s: float = 5.0) -> float:
        until = time.monotonic() + timeout_s
        while time.monotonic() < until:
            later = [arrived for arrived, _ in self.frames if arrived > t]
            if later:
                return later[0]
            time.sleep(0.01)
        raise AssertionError(f"no frame within {timeout_s} s")

    def stop(self) -> None:
        self.source.interrupt()
        assert self.ended.wait(2.0), "interrupt ends a read that waits for the camera"
        self._thread.join()
        self.source.close()


def check_stream(frames: list[tuple[float, Frame]]) -> None:
    indices = [f.index for _, f in frames]
    assert indices == list(range(len(indices))), "numbered on across devices"
    assert all(b.t_ns > a.t_ns for (_, a), (_, b) in itertools.pairwise(frames))


def test_an_unplugged_camera_is_reopened_within_2_s_of_coming_back() -> None:
    scene = CameraScene()
    reader = Reader(ResilientSource(scene.open(), scene.open, Recovery()))
    reader.watch(0.5)
    scene.plugged.clear()
    reader.watch(2.5)
    assert reader.source.state == "reconnecting"
    assert not reader.ended.is_set(), "a live camera never ends the run"
    back = time.monotonic()
    scene.plugged.set()
    recovered = reader.first_frame_after(back)
    reader.watch(0.3)
    reader.stop()
    assert recovered - back < 2.0
    assert {"running", "reconnecting"} <= reader.states
    assert reader.source.state == "running" or reader.ended.is_set()
    assert reader.source.outages == 1 and scene.opened >= 2
    check_stream(reader.frames)


@pytest.mark.parametrize("fault", ["stall", "blank", "shape"])
def test_a_stalled_or_garbage_camera_is_reopened(fault: str) -> None:
    scene = CameraScene()
    reader = Reader(ResilientSource(scene.open(), scene.open, FAST))
    reader.watch(0.3)
    if fault == "stall":
        scene.stalled.set()
    else:
        scene.garbage = fault
    reader.watch(1.5)
    assert reader.source.state in ("lost", "reconnecting")
    before = len(reader.frames)
    scene.stalled.clear()
    scene.garbage = None
    back = time.monotonic()
    reader.first_frame_after(back)
    reader.watch(0.3)
    reader.stop()
    assert "reconnecting" in reader.states
    assert reader.source.outages >= 1 and scene.opened >= 2
    assert len(reader.frames) > before
    assert all(f.image.shape == (48, 64, 3) and f.image.any() for _, f in reader.frames)
    check_stream(reader.frames)


def test_close_while_reconnecting_returns_at_once() -> None:
    scene = CameraScene()
    source = ResilientSource(scene.open(), scene.open, FAST)
    scene.plugged.clear()
    reader = Reader(source)
    reader.watch(1.0)
    assert source.state == "reconnecting"
    started = time.monotonic()
    source.close()
    assert reader.ended.wait(2.0)
    assert time.monotonic() - started < 1.0


def test_only_live_cameras_are_wrapped_and_a_missing_one_is_an_error(tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.mp4", [np.full((48, 64, 3), 80, np.uint8)] * 3, fps=10)
    with open_resilient(f"file:{video}", CaptureSettings()) as source:
        assert not isinstance(source, ResilientSource)
        frames = [source.read() for _ in range(4)]
    assert frames[-1] is None, "a file still ends the run"
    with pytest.raises(MissingResourceError, match="could not be opened"):
        open_resilient("camera:/dev/video99", CaptureSettings())
