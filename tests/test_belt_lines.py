"""The camera's turn off square to the belt, read off the treadmill's lines
(``edge.capture.belt_lines``), and the engine taking it as the yaw."""

from __future__ import annotations

import time
from datetime import datetime, timezone

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


def axis() -> tuple[float, float, float]:
    """The assumed camera's axis at the picture's centre, and its focal length."""
    sight = camera_sight(PICTURE)
    assert sight is not None
    return sight[0], PICTURE[0] / 2, sight[1]


@pytest.mark.parametrize("facing", ["right", "left"])
@pytest.mark.parametrize("yaw", [-30.0, -15.0, 0.0, 10.0, 25.0])
def test_the_turn_is_read_off_the_belt_lines(yaw: float, facing: str) -> None:
    """Turned toward the runner's front (positive) or away, seen from either side, and tilted:
    within half a degree (the renders of the robustness matrix, 15 and 30 deg either way and
    square: within 0.8)."""
    cam = camera(yaw, facing, pitch_deg=-6.0)
    assert belt_turn(treadmill(cam), axis(), facing, ROWS) == pytest.approx(yaw, abs=0.5)


def test_no_reading_without_a_treadmill() -> None:
    """A picture without lines along a belt, or with too few, tells nothing: the yaw is then
    the pelvis's."""
    blank = np.full(PICTURE, 100, np.uint8)
    assert belt_turn(blank, axis(), "right", ROWS) is None
    # Lines in every direction, none along a belt.
    rng = np.random.default_rng(1)
    clutter = blank.copy()
    for _ in range(12):
        x, y = rng.integers(100, 1100), rng.integers(100, 600)
        angle = rng.uniform(-0.4, 0.4)
        end = (int(x + 200 * np.cos(angle)), int(y + 200 * np.sin(angle)))
        cv2.line(clutter, (int(x), int(y)), end, 250, 3)
    assert belt_turn(clutter, axis(), "right", ROWS) is None
    # The belt's lines outside the band where the runner's track puts the treadmill.
    assert belt_turn(treadmill(camera(15.0)), axis(), "right", (0.0, 50.0)) is None


def test_the_backdrop_keeps_frames_spread_over_the_clip_without_the_runner() -> None:
    """The median of frames spread evenly over those the clip offers, shrunk to a side of 1280
    at most: a runner who moves drops out of it; a clip of unknown length is thinned as it
    fills; the frames are let go once the median is taken."""
    shown = treadmill(camera(20.0))
    backdrop = Backdrop(300)
    for i in range(300):
        frame = shown.copy()
        x = 40 * (i % 25)
        frame[200:600, x : x + 60] = 0  # the runner, somewhere else in each kept frame
        backdrop.add(np.dstack([frame] * 3))
    assert 31 <= backdrop.kept < 62
    median = backdrop.median()
    assert median is not None and backdrop.kept == 0
    assert np.abs(median.astype(int) - shown).max() <= 1
    big = Backdrop(None, keep=4, every=2)
    for _ in range(40):
        big.add(np.zeros((1440, 2560, 3), np.uint8))
    assert 4 <= big.kept < 8
    kept = big.median()
    assert kept is not None and kept.shape == (720, 1280) and big.scale == 0.5
    wide = Backdrop(1)
    wide.add(cv2.resize(treadmill(camera(20.0)), (2560, 1440)))
    centre = (1280.0, 720.0, 2 * axis()[2])
    assert wide.turn(centre, "right", (0.0, 1440.0)) == pytest.approx(20.0, abs=0.5)
    assert Backdrop(10).turn(centre, "right", (0.0, 1440.0)) is None


def test_a_calibrated_lens_straightens_the_lines_first() -> None:
    """A wide lens bends a belt's lines; where the lens is calibrated they are straightened
    before their meeting point is read (a review: 10 deg read 7.4 on bent lines), also on a
    picture kept shrunk, and ``camera_turn`` takes the lens from a calibration of it."""
    from datetime import UTC, datetime

    from calibrate.model import Calibration, Intrinsics
    from edge.offline.replay import camera_turn

    cx, cy, f = axis()
    K = np.array([[f, 0.0, cx], [0.0, f, cy], [0.0, 0.0, 1.0]])
    dist = np.array([-0.35, 0.12, 0.0, 0.0, 0.0])
    cam = camera(12.0, pitch_deg=-6.0)
    picture = np.random.default_rng(0).integers(90, 110, PICTURE).astype(np.uint8)
    for y, z in ((0.03, 0.25), (0.03, -0.25), (-0.1, 0.42), (-0.1, -0.42), (0.95, 0.42)):
        along = np.linspace(-1.0, 1.0, 60)
        straight = cam.project(np.stack([along, np.full(60, y), np.full(60, z)], axis=1))
        rays = np.stack([(straight[:, 0] - cx) / f, (straight[:, 1] - cy) / f, np.ones(60)], 1)
        bent, _ = cv2.projectPoints(rays, np.zeros(3), np.zeros(3), K, dist)
        for shade, below in ((230, 0), (20, 6)):
            line = (bent.reshape(-1, 2) + np.array([0, below])).astype(np.int32)
            cv2.polylines(picture, [line], False, shade, 3)
    backdrop = Backdrop(1)
    backdrop.add(picture)
    assert backdrop.turn((cx, cy, f), "right", ROWS, (K, dist)) == pytest.approx(12.0, abs=0.7)
    # The same at twice the size, kept at half of it.
    big = Backdrop(1)
    big.add(cv2.resize(picture, (2 * PICTURE[1], 2 * PICTURE[0])))
    K2 = K * np.array([[2.0], [2.0], [1.0]])
    rows2 = (0.0, 2.0 * PICTURE[0])
    assert big.turn((2 * cx, 2 * cy, 2 * f), "right", rows2, (K2, dist)) == pytest.approx(
        12.0, abs=0.7
    )
    lens = Calibration("cam", (PICTURE[1], PICTURE[0]), datetime.now(UTC), Intrinsics(K, dist, 0.2))
    track = np.zeros((40, 17, 3))
    track[:, [KP["left_hip"], KP["right_hip"]]] = (640.0, 100.0, 0.9)
    track[:, [KP["left_ankle"], KP["right_ankle"]]] = (640.0, 400.0, 0.9)
    bent = Backdrop(1)
    bent.add(picture)
    assert camera_turn(bent, track, "right", PICTURE, lens) == pytest.approx(12.0, abs=0.7)


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


def test_a_live_reading_keeps_a_frame_every_twentieth_of_a_second_and_reads_apart() -> None:
    """Live, of the frames with someone in view one is kept at most every 0.05 s of the frames'
    time, whatever share of the camera's frames the station takes (a review: a station taking
    20 of 60 a second had kept too few), the keypoints beside them; once 31 frames are kept and
    hips and feet were seen in 30, the turn is read on a thread of its own, as analyze reads it
    (``camera_turn``). Frames with nobody in view are not kept (a camera set in place after the
    station started had read +25 deg for -20)."""
    from edge.offline.replay import camera_turn

    picture = np.dstack([treadmill(camera(-20.0))] * 3)
    runner = np.zeros((17, 3))
    runner[[KP["left_hip"], KP["right_hip"]]] = (640.0, 300.0, 0.9)
    runner[[KP["left_ankle"], KP["right_ankle"]]] = (640.0, 560.0, 0.9)

    def read(backdrop: Backdrop, seen: np.ndarray) -> float | None:
        return camera_turn(backdrop, seen, "right", PICTURE)

    empty = np.zeros_like(picture)
    reading = LiveTurn()
    for i in range(120):  # 2 s at 60 a second of nobody, then of someone: one frame in 3 kept
        reading.add(i / 60.0, empty if i < 60 else picture, None if i < 60 else runner)
    assert 15 <= reading.kept <= 20  # none of nobody, one in 3 or 4 of 60 a second
    reading = LiveTurn()
    footless = runner.copy()
    footless[[KP["left_ankle"], KP["right_ankle"]], 2] = 0.1
    for i in range(60):  # 20 frames a second taken of 60, for 3 s
        t = i / 20.0
        reading.add(t, picture, runner if t >= 0.5 else footless)
        if t < 1.5:
            assert not reading.start(read), t  # too few frames kept yet, or feet seen
    assert reading.start(read)
    unseen = LiveTurn()  # nobody's feet seen: no band for the lines
    for i in range(60):
        unseen.add(i / 20.0, picture, footless)
    assert unseen.kept == 31 and not unseen.start(read)
    once = LiveTurn()  # feet seen in one frame of 62: the band is not placed from it
    for i in range(62):
        once.add(i / 20.0, picture, runner if i == 0 else footless)
    assert once.kept == 31 and not once.start(read)
    broken = LiveTurn()  # a reading that fails leaves no turn, and is over
    for i in range(60):
        broken.add(i / 20.0, picture, runner)
    assert broken.start(lambda backdrop, seen: 1 / 0, wait=True)
    assert broken.done and broken.result is None
    for _ in range(100):
        if reading.done:
            break
        time.sleep(0.05)
    assert reading.done and reading.result == pytest.approx(-20.0, abs=0.5)
    # A file's run waits for its reading, so that it gives the same steps each time.
    waited = LiveTurn()
    for i in range(60):
        waited.add(i / 20.0, picture, runner)
    assert waited.start(read, wait=True) and waited.done
    assert waited.result == reading.result


def test_a_feed_takes_the_turn_read_as_its_yaw(mocap_trial) -> None:
    """The station's gait feed: the hips' yaw until the lines are read, theirs from then on."""
    from edge.run.station import GaitFeed
    from tests.builders.keypoint_tracks import synth_track

    cam = SideCamera(facing="right")
    t, kp = synth_track(mocap_trial, 60.0, cam, seed=4)
    feed = GaitFeed(None, None, "right", picture=PICTURE)
    steps = [s for i in range(360) for s in feed.push(float(t[i]), kp[i])]
    assert len(steps) > 6 and any(s.yaw_deg is not None and s.yaw_deg != 7.5 for s in steps)
    feed.take_turn(7.5)
    later = [s for i in range(360, 720) for s in feed.push(float(t[i]), kp[i])]
    assert later and all(s.yaw_deg == 7.5 for s in later)


def test_the_station_reads_the_turn_a_session_waits_on_a_file_and_tries_again(tmp_path) -> None:
    """The station's reading (``Station._read_turn``): a file's run waits for it, so its steps are
    the same each run; a reading whose lines do not tell is tried again on frames of its own,
    ``LIVE_TRIES`` times in all; the turn read goes to the gait feed; a new session reads afresh
    (a camera set in place since); a calibrated plane needs none (a review found each of these
    mutated without a test failing)."""
    from calibrate.model import Calibration, Plane
    from edge.capture.belt_lines import BACKDROP_FRAMES, LIVE_TRIES
    from edge.run.station import Station
    from tests.builders.fakes import FakePose, FakeSource
    from tests.test_station import station_config

    config = station_config(tmp_path)
    picture = np.dstack([treadmill(camera(-20.0))] * 3)
    blank = np.full_like(picture, 100)
    runner = np.zeros((17, 3))
    runner[[KP["left_hip"], KP["right_hip"]]] = (640.0, 300.0, 0.9)
    runner[[KP["left_ankle"], KP["right_ankle"]]] = (640.0, 560.0, 0.9)
    nobody = FakePose(np.zeros((1, 17, 3), np.float32))
    station = Station(config, FakeSource(10, size=(1280, 720)), nobody, facing="right")
    t = 0.0
    for tried in range(1, LIVE_TRIES + 1):
        reading = station._turn
        assert reading is not None and station._turn_tries == tried
        while station._turn is reading:
            t += 0.05
            station._read_turn(t, blank, runner)
            # A file's run waits: the reading is over once begun, with the frames it needs.
            assert reading.kept < BACKDROP_FRAMES or reading.done
    assert station._turn is None  # no more tries where the lines never tell
    station._restart_gait()  # a new session reads again
    reading = station._turn
    assert reading is not None and station._turn_tries == 1 and reading.kept == 0
    while station._turn is reading:
        t += 0.05
        station._read_turn(t, picture, runner)
    assert reading.result == pytest.approx(-20.0, abs=0.5)
    assert station._feed._turn == reading.result
    mpp = SideCamera().meters_per_pixel
    homography = np.array([[mpp, 0, -640 * mpp], [0, -mpp, 720 * mpp], [0, 0, 1]])
    plane = Plane(homography, np.array([[0, 650], [1280, 650]]), "right", (0, 0, 1280, 720), mpp)
    calibrated = Calibration("test", (1280, 720), datetime.now(timezone.utc), plane=plane)
    station = Station(config, FakeSource(10, size=(1280, 720)), nobody, calibrated)
    assert station._turn is None
    station._restart_gait()
    assert station._turn is None
