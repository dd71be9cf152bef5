"""A camera that moved while it filmed (``edge.capture.moving``): told from a fixed one by its
background streaming across the picture, not by a belt, legs, a knock or a flicker."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from edge.capture.moving import (
    BANDS,
    STREAM_WIDTHS_S,
    CameraMeter,
    CameraMotion,
    camera_motion,
    moving_camera_notice,
)
from edge.capture.repeats import FrameScan
from edge.capture.timebase import TimeBase
from edge.offline.analyze import AnalysisResult

FPS = 30.0
HEIGHT, WIDTH = 360, 640
FRAMES = 150


def scenery(width: int, seed: int = 0) -> np.ndarray:
    """A textured background ``width`` pixels wide, (HEIGHT, width, 3) uint8: blobs of every
    size, as a room's or a field's."""
    rng = np.random.default_rng(seed)
    grey = sum(
        cv2.resize(rng.random((HEIGHT // k, width // k)), (width, HEIGHT)) * 60 for k in (4, 16, 48)
    )
    return np.repeat(np.clip(grey, 0, 255).astype(np.uint8)[..., np.newaxis], 3, axis=2)


def with_runner(image: np.ndarray, i: int) -> np.ndarray:
    """``image`` with a dark figure in front, kept in the middle, its legs swinging."""
    out = image.copy()
    x = WIDTH // 2
    cv2.rectangle(out, (x - 25, 60), (x + 25, 200), (20, 20, 20), -1)
    swing = int(40 * np.sin(2 * np.pi * 1.4 * i / FPS))
    for sign in (1, -1):
        cv2.line(out, (x, 200), (x + sign * swing, 320), (30, 30, 30), 14)
    return out


def frames(background: Callable[[int], np.ndarray]) -> list[np.ndarray]:
    return [with_runner(background(i), i) for i in range(FRAMES)]


def motion_of(images: list[np.ndarray]) -> CameraMotion:
    meter = CameraMeter()
    return camera_motion(np.array([meter.shift(image) for image in images]), FPS)


WIDE = scenery(WIDTH + 8 * FRAMES)


def panned(i: int) -> np.ndarray:
    """The camera following the runner: the background streams 8 px a frame (0.375 picture
    widths a second)."""
    return WIDE[:, 8 * i : 8 * i + WIDTH]


def belt(i: int) -> np.ndarray:
    """A fixed camera: the room stands still, the belt below the runner streams 12 px a frame."""
    image = WIDE[:, :WIDTH].copy()
    strip = scenery(WIDTH + 12 * FRAMES, seed=1)[300:340]
    image[300:340] = strip[:, 12 * i : 12 * i + WIDTH]
    return image


def test_a_background_that_streams_behind_the_runner_is_a_camera_that_moved() -> None:
    motion = motion_of(frames(panned))
    assert motion.carried
    assert motion.moved > 0.9
    # Phase correlation's peak is placed by the 5x5 about it, which a figure standing still in
    # the band pulls toward 0: the speed read is a floor.
    assert STREAM_WIDTHS_S < motion.widths_s <= 8 / WIDTH * FPS * 1.05
    notice = moving_camera_notice(motion)
    assert notice is not None
    assert "camera moved" in notice and "fixed on a stand beside the treadmill" in notice


def test_a_fixed_camera_with_a_moving_belt_and_swinging_legs_did_not_move() -> None:
    motion = motion_of(frames(belt))
    assert motion.windows == FRAMES // int(FPS)
    assert not motion.carried
    assert motion.moved == 0.0
    assert moving_camera_notice(motion) is None


def test_a_camera_knocked_once_is_no_moving_camera() -> None:
    def knocked(i: int) -> np.ndarray:
        return WIDE[:, (40 if i >= 70 else 0) : (40 if i >= 70 else 0) + WIDTH]

    motion = motion_of(frames(knocked))
    assert not motion.carried
    assert motion.moved <= 0.2


def test_a_flickering_light_moves_nothing() -> None:
    still = WIDE[:, :WIDTH]

    def flicker(i: int) -> np.ndarray:
        gain = 1.0 + 0.25 * np.sin(2 * np.pi * i / 3)
        return np.clip(still * gain, 0, 255).astype(np.uint8)

    meter = CameraMeter()
    shifts = np.array([meter.shift(image) for image in (flicker(i) for i in range(30))])
    assert np.all(np.isnan(shifts[0]))
    assert shifts.shape == (30, BANDS)
    assert np.nanmax(np.abs(shifts)) < 0.001
    assert not camera_motion(shifts, FPS).carried


def test_a_clip_shorter_than_a_window_tells_nothing() -> None:
    motion = motion_of(frames(panned)[:10])
    assert motion.windows == 0
    assert not motion.carried


def test_the_frame_scan_tells_the_camera_and_analyze_says_no_finding_rests_on_it() -> None:
    scan = FrameScan(Path("following.mp4"), TimeBase(FPS, FPS))
    for i, image in enumerate(frames(panned)):
        scan.add(i, image)
    motion = scan.camera()
    assert motion.carried
    result = AnalysisResult(FRAMES, FRAMES, FPS, Path("k.csv"), TimeBase(FPS, FPS), camera=motion)
    assert result.camera_notice() == moving_camera_notice(motion)
    # The same frames 24 a second stored at 60, each shown two or three times (a review's: read
    # of every frame, the repeats standing still, it had not moved).
    stored = FrameScan(Path("following-60.mp4"), TimeBase(60.0, 60.0))
    kept = [image for i, image in enumerate(frames(panned)) if i % 5 != 4]
    for i, image in enumerate(image for k, one in enumerate(kept) for image in [one] * (2 + k % 2)):
        stored.add(i, image)
    assert stored.camera().carried
    fixed = FrameScan(Path("treadmill.mp4"), TimeBase(FPS, FPS))
    for i, image in enumerate(frames(belt)):
        fixed.add(i, image)
    assert not fixed.camera().carried
    assert (
        AnalysisResult(FRAMES, FRAMES, FPS, Path("k.csv"), TimeBase(FPS, FPS)).camera_notice()
        is None
    )
