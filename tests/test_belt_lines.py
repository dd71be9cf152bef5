"""The camera's turn off square to the belt, read off the treadmill's lines
(``edge.capture.belt_lines``), and the engine taking it as the yaw."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from edge.capture.belt_lines import Backdrop, LiveTurn, belt_turn, treadmill_rows
from edge.demo.scene import SideCamera
from edge.gait import GaitEngine, PlaneMapping
from edge.gait.sagittal import camera_sight
from edge.skeleton import KP

PICTURE = (720, 1280)
"""Height, width."""


def camera(yaw_deg: float, facing: str = "right", **more: float) -> SideCamera:
    """A camera with the focal length the station assumes (``camera_sight``)."""
    focal = camera_sight(PICTURE)
    assert focal is not None
    return SideCamera(
        image_size=(PICTURE[1], PICTURE[0]),
        focal_px=focal[1],
        yaw_deg=yaw_deg,
        facing=facing,
        **more,
    )


def treadmill(cam: SideCamera) -> np.ndarray:
    """A gray picture of a treadmill's long lines as ``cam`` films them: the belt's two edges,
    the deck's edges below them and a side rail at hip height, 2 m long, on a textured wall."""
    picture = np.random.default_rng(0).integers(90, 110, PICTURE).astype(np.uint8)
    for y, z in ((0.03, 0.25), (0.03, -0.25), (-0.1, 0.42), (-0.1, -0.42), (0.95, 0.42)):
        ends = cam.project(np.array([[-1.0, y, z], [1.0, y, z]]))
        for shade, below in ((230, 0.0), (20, 6.0)):
            a, b = (tuple(int(v) for v in p + np.array([0.0, below])) for p in ends)
            cv2.line(picture, a, b, shade, 3)
    return picture


ROWS = (0.0, float(PICTURE[0]))


@pytest.mark.parametrize("facing", ["right", "left"])
@pytest.mark.parametrize("yaw", [-30.0, -15.0, 0.0, 10.0, 25.0])
def test_the_turn_is_read_off_the_belt_lines(yaw: float, facing: str) -> None:
    """Turned toward the runner's front (positive) or away, seen from either side, and tilted:
    within half a degree (the renders of the robustness matrix, 15 and 30 deg either way and
    square: within 0.8)."""
    cam = camera(yaw, facing, pitch_deg=-6.0)
    sight = camera_sight(PICTURE)
    assert sight is not None
    assert belt_turn(treadmill(cam), sight, facing, ROWS) == pytest.approx(yaw, abs=0.5)


def test_no_reading_without_a_treadmill() -> None:
    """A picture without lines along a belt, or with too few, tells nothing: the yaw is then
    the pelvis's."""
    sight = camera_sight(PICTURE)
    assert sight is not None
    blank = np.full(PICTURE, 100, np.uint8)
    assert belt_turn(blank, sight, "right", ROWS) is None
    # Lines in every direction, none along a belt.
    rng = np.random.default_rng(1)
    clutter = blank.copy()
    for _ in range(12):
        x, y = rng.integers(100, 1100), rng.integers(100, 600)
        angle = rng.uniform(-0.4, 0.4)
        end = (int(x + 200 * np.cos(angle)), int(y + 200 * np.sin(angle)))
        cv2.line(clutter, (int(x), int(y)), end, 250, 3)
    assert belt_turn(clutter, sight, "right", ROWS) is None
    # The belt's lines outside the band where the runner's track puts the treadmill.
    assert belt_turn(treadmill(camera(15.0)), sight, "right", (0.0, 50.0)) is None


def test_the_backdrop_keeps_frames_spread_over_the_clip_without_the_runner() -> None:
    """The median of frames spread evenly over the clip, shrunk to a side of 1280 at most: a
    runner who moves drops out of it; a clip of unknown length is thinned as it fills."""
    shown = treadmill(camera(20.0))
    backdrop = Backdrop(300)
    for i in range(300):
        frame = shown.copy()
        x = 40 * (i % 25)
        frame[200:600, x : x + 60] = 0  # the runner, somewhere else in each kept frame
        backdrop.add(i, np.dstack([frame] * 3))
    median = backdrop.median()
    assert median is not None
    assert np.abs(median.astype(int) - shown).max() <= 1
    big = Backdrop(None, keep=4, every=2)
    for i in range(40):
        big.add(i, np.zeros((1440, 2560, 3), np.uint8))
    kept = big.median()
    assert kept is not None and kept.shape == (720, 1280) and big.scale == 0.5
    sight = camera_sight((1440, 2560))
    assert sight is not None
    wide = Backdrop(1)
    wide.add(0, cv2.resize(treadmill(camera(20.0)), (2560, 1440)))
    assert wide.turn(sight, "right", (0.0, 1440.0)) == pytest.approx(20.0, abs=0.5)
    assert Backdrop(10).turn(sight, "right", (0.0, 1440.0)) is None


def test_the_band_runs_from_the_hips_to_below_the_feet() -> None:
    track = np.zeros((10, 17, 3))
    track[:, [KP["left_hip"], KP["right_hip"]]] = (0.0, 300.0, 0.9)
    track[:, [KP["left_ankle"], KP["right_ankle"]]] = (0.0, 700.0, 0.9)
    top, bottom = treadmill_rows(track) or (None, None)
    assert top == pytest.approx(260.0) and bottom == pytest.approx(900.0)
    track[..., 2] = 0.1
    assert treadmill_rows(track) is None


def test_a_turn_read_is_the_yaw_from_the_first_step(mocap_trial) -> None:
    """The engine takes the turn the lines read as its yaw from the start, where the pelvis
    needs four steps and reads a square camera's runners 9-11 deg off (a render of RBDS028)."""
    from tests.builders.keypoint_tracks import synth_track

    cam = SideCamera(facing="right")
    t, kp = synth_track(mocap_trial, 60.0, cam, seed=2)
    read = PlaneMapping.scaled("right", sight=camera_sight(PICTURE), turn_deg=-12.5)
    engine = GaitEngine(read)
    steps = [s for i in range(len(t[t < 6.0])) for s in engine.push(float(t[i]), kp[i])]
    assert steps and all(s.yaw_deg == -12.5 for s in steps)
    assert any("overstride_pct_leg" in s.metric_confidence for s in steps if s.view == "near")


def test_a_live_reading_waits_for_its_frames_and_gives_up_in_time() -> None:
    """Live, one frame every 0.1 s is kept, the runner's rows beside them; the turn is read on a
    thread of its own once 31 frames are kept and the runner was seen in 30, and given up 6 s
    after the runner was first seen if it cannot start (the hips then tell the yaw)."""
    sight = camera_sight(PICTURE)
    assert sight is not None
    picture = np.dstack([treadmill(camera(-20.0))] * 3)
    runner = np.zeros((17, 3))
    runner[[KP["left_hip"], KP["right_hip"]]] = (640.0, 300.0, 0.9)
    runner[[KP["left_ankle"], KP["right_ankle"]]] = (640.0, 560.0, 0.9)
    reading = LiveTurn(60.0)
    for i in range(180):  # 3 s: 30 frames kept
        reading.add(i / 60.0, i, picture, runner)
    assert not reading.start(sight, "right") and not reading.given_up(3.0)
    reading.add(3.0, 180, picture, runner)
    assert reading.start(sight, "right")
    for _ in range(100):
        if reading.done:
            break
        time.sleep(0.05)
    assert reading.done and reading.result == pytest.approx(-20.0, abs=0.5)
    assert not reading.given_up(100.0)
    footless = runner.copy()
    footless[[KP["left_ankle"], KP["right_ankle"]], 2] = 0.1
    unseen = LiveTurn(30.0)
    for i in range(200):  # the runner's feet never seen: no band to read
        unseen.add(i / 30.0, i, picture, footless if i >= 20 else None)
        unseen.start(sight, "right")
    assert not unseen.done and unseen.given_up(20 / 30.0 + 6.1)
    assert not unseen.given_up(20 / 30.0 + 5.9)


def test_the_yaw_waits_for_the_lines_then_takes_their_turn_or_the_hips(mocap_trial) -> None:
    """While the lines are read the yaw is not known; then it is their turn, or where they did not
    tell, the runner's hips' again."""
    from edge.run.station import GaitFeed
    from tests.builders.keypoint_tracks import synth_track

    cam = SideCamera(facing="right")
    t, kp = synth_track(mocap_trial, 60.0, cam, seed=4)
    for turn in (7.5, None):
        feed = GaitFeed(None, None, "right", picture=PICTURE, turn_pending=True)
        steps = [s for i in range(360) for s in feed.push(float(t[i]), kp[i])]
        assert len(steps) > 6 and all(s.yaw_deg is None for s in steps)
        feed.take_turn(turn)
        later = [s for i in range(360, 720) for s in feed.push(float(t[i]), kp[i])]
        assert later and all(s.yaw_deg is not None for s in later)
        if turn is not None:
            assert all(s.yaw_deg == turn for s in later)
