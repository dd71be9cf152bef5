from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import cv2
import numpy as np
import pytest

from calibrate.board import BoardFinder, Detection
from calibrate.boardspec import parse_board
from calibrate.check import draw_check, expected_error
from calibrate.model import Calibration, Facing, Intrinsics, Plane
from calibrate.plane import plane_from_board, plane_from_points
from edge.demo.scene import SideCamera
from edge.errors import UsageError
from tests.builders.boards import SIZE, SideScene, camera, side_scene

CHARUCO = "charuco:7x5:0.05:0.037"
SPEC = parse_board(CHARUCO)
#: the running area, world metres: a stride either way of the board, belt to hips
AREA = np.array([[x, y] for x in (-0.5, -0.25, 0.0, 0.25, 0.5) for y in (0.0, 0.5, 1.0)])


def lens(name: str = "barrel") -> Calibration:
    cam = camera(name)
    intrinsics = Intrinsics(K=cam.K, dist=cam.dist, rms_px=0.1)
    return Calibration("camera:0", SIZE, datetime.now(timezone.utc), intrinsics)


def with_plane(plane: Plane) -> Calibration:
    base = lens()
    return Calibration(base.camera, base.image_size, base.created, base.intrinsics, plane)


def board_in(scene: SideScene) -> Detection:
    found = BoardFinder(SPEC).find(scene.image)
    assert isinstance(found, Detection), found
    return found


@pytest.fixture(scope="module")
def scene() -> SideScene:
    return side_scene("barrel", CHARUCO)


@pytest.mark.parametrize("facing", ["right", "left"])
def test_the_board_on_the_belt_gives_metres_within_half_a_percent(
    scene: SideScene, facing: Facing
) -> None:
    cal = with_plane(plane_from_board(lens(), SPEC, board_in(scene), facing))
    mapped = cal.to_plane(scene.project(AREA))
    truth = AREA * [1 if facing == "right" else -1, 1]
    assert np.abs(mapped - truth).max() < 0.01
    belt_metre = cal.to_plane(scene.project(np.array([[-0.5, 0.0], [0.5, 0.0]])))
    assert np.linalg.norm(belt_metre[1] - belt_metre[0]) == pytest.approx(1.0, rel=0.005)
    upright = cal.to_plane(scene.project(np.array([[0.0, 0.0], [0.0, 1.0]])))
    assert np.linalg.norm(upright[1] - upright[0]) == pytest.approx(1.0, rel=0.005)
    ahead = cal.to_plane(scene.project(np.array([[0.3, 0.2]])))[0]
    assert ahead[0] > 0 if facing == "right" else ahead[0] < 0


def test_belt_line_roi_and_scale_follow_from_the_board(scene: SideScene) -> None:
    plane = plane_from_board(lens(), SPEC, board_in(scene), "right")
    cal = with_plane(plane)
    assert np.abs(cal.to_plane(plane.belt_line)[:, 1]).max() < 0.003
    assert plane.rms_px is not None and plane.rms_px < 0.5
    x, y, w, h = plane.roi
    area = scene.project(AREA)
    assert (area[:, 0] >= x).all() and (area[:, 0] <= x + w).all()
    assert (area[:, 1] >= y).all() and (area[:, 1] <= y + h).all()
    assert x + w <= SIZE[0] and y + h <= SIZE[1]
    # Truth: metres per pixel where the belt meets the board's centre line.
    step = 1e-4
    pixels = scene.project(np.array([[0.0, 0.0], [step, 0.0], [0.0, step]]))
    true_scale = step / np.sqrt(
        abs(np.linalg.det(np.stack([pixels[1] - pixels[0], pixels[2] - pixels[0]])))
    )
    assert plane.meters_per_pixel_at_belt == pytest.approx(true_scale, rel=0.005)


def test_a_lifted_board_needs_its_lift_and_a_given_belt_line_is_used() -> None:
    raised = side_scene("barrel", CHARUCO, lift_m=0.05, seed=1)
    belt = raised.project(np.array([[0.0, 0.0]]))
    found = board_in(raised)
    told = with_plane(plane_from_board(lens(), SPEC, found, "right", board_lift_m=0.05))
    assert abs(told.to_plane(belt)[0, 1]) < 0.003
    untold = with_plane(plane_from_board(lens(), SPEC, found, "right"))
    assert untold.to_plane(belt)[0, 1] == pytest.approx(-0.05, abs=0.003)
    line = raised.project(np.array([[-0.4, 0.0], [0.4, 0.0]]))
    given = plane_from_board(lens(), SPEC, found, "right", belt_line_px=line)
    assert np.array_equal(given.belt_line, line)
    assert abs(with_plane(given).to_plane(belt)[0, 1]) < 0.003


def test_a_belt_line_far_off_the_board_is_refused(scene: SideScene) -> None:
    line = scene.project(np.array([[-0.4, 0.0], [0.4, 0.4]]))
    with pytest.raises(UsageError, match="--belt-line is 26 deg off the board's horizontal"):
        plane_from_board(lens(), SPEC, board_in(scene), "right", belt_line_px=line)


def test_a_given_roi_must_lie_inside_the_image(scene: SideScene) -> None:
    found = board_in(scene)
    assert plane_from_board(lens(), SPEC, found, "right", roi=(10, 20, 300, 400)).roi == (
        10,
        20,
        300,
        400,
    )
    with pytest.raises(UsageError, match="--roi 1000,0,400,300: must lie inside the 1280x720"):
        plane_from_board(lens(), SPEC, found, "right", roi=(1000, 0, 400, 300))


def test_two_marks_and_the_belt_line_do_without_a_board() -> None:
    square_on = side_scene("barrel", CHARUCO, yaw_deg=0.0, pitch_deg=0.0)
    marks = square_on.project(np.array([[-0.6, 0.0], [0.6, 0.0]]))
    belt = square_on.project(np.array([[-0.3, 0.0], [0.3, 0.0]]))
    for facing, sign in (("right", 1), ("left", -1)):
        plane = plane_from_points(lens(), marks, 1.2, belt, facing)
        mapped = with_plane(plane).to_plane(square_on.project(AREA))
        assert np.abs(mapped - AREA * [sign, 1]).max() < 0.005
        assert plane.rms_px is None
    with pytest.raises(UsageError, match="lie 90 deg off the belt line"):
        plane_from_points(
            lens(), square_on.project(np.array([[0.0, 0.0], [0.0, 1.0]])), 1.0, belt, "right"
        )
    with pytest.raises(UsageError, match="--distance -1: must be > 0"):
        plane_from_points(lens(), marks, -1.0, belt, "right")


def test_the_check_propagates_a_pixel_to_centimetres(scene: SideScene) -> None:
    plane = plane_from_board(lens(), SPEC, board_in(scene), "right")
    cal = with_plane(plane)
    errors = expected_error(cal, px=1.0)
    assert errors.at_belt_cm == pytest.approx(100 * plane.meters_per_pixel_at_belt, rel=0.15)
    assert errors.area_mean_cm <= errors.area_max_cm < 2 * errors.at_belt_cm
    assert expected_error(cal, px=2.0).at_belt_cm == pytest.approx(2 * errors.at_belt_cm)
    assert errors.fit_cm is not None and errors.fit_cm < errors.at_belt_cm
    assert errors.camera_distance_m == pytest.approx(1.8, rel=0.01)


def test_the_check_image_shows_grid_belt_and_roi(scene: SideScene) -> None:
    plane = plane_from_board(lens(), SPEC, board_in(scene), "right")
    drawn = draw_check(scene.image, with_plane(plane))
    assert drawn.shape == scene.image.shape and not np.array_equal(drawn, scene.image)
    a, b = plane.belt_line.mean(axis=0).round().astype(int)
    assert tuple(drawn[b, a]) == (40, 40, 230)
    x, y, w, h = plane.roi
    assert tuple(drawn[y + h - 1, x + w // 2]) == (230, 160, 40)
    green = (drawn[..., 1] > 180) & (drawn[..., 0] < 120) & (drawn[..., 2] < 120)
    assert green.sum() > 5000


@pytest.mark.parametrize(
    "side",
    [
        SideCamera(image_size=(1280, 720), focal_px=900.0, forward_m=0.15, height_m=0.9),
        SideCamera(image_size=(1280, 720), focal_px=900.0, yaw_deg=30.0),
        SideCamera(image_size=(720, 1280), focal_px=1100.0, yaw_deg=-30.0, facing="left"),
        SideCamera(focal_px=1400.0, yaw_deg=15.0, pitch_deg=8.0, height_m=0.5),
    ],
)
def test_the_camera_is_found_on_the_plane_it_sees(side: SideCamera) -> None:
    """From the lens and the plane alone, the camera's place: forward, height and distance."""
    w, h = side.image_size
    K = np.array([[side.focal_px, 0.0, w / 2], [0.0, side.focal_px, h / 2], [0.0, 0.0, 1.0]])
    belt = np.array([[0.0, 600.0], [w - 1.0, 600.0]])
    plane = Plane(side.homography, belt, "right", (0, 0, w, h), 0.003)
    lens = Intrinsics(K, np.zeros(5), 0.1)
    calibration = Calibration("cam", (w, h), datetime.now(timezone.utc), lens, plane)
    want = side.centre * np.array([1.0, 1.0, np.sign(side.centre[2])])
    assert calibration.camera_in_plane() == pytest.approx(want, abs=1e-6)
    assert replace(calibration, intrinsics=None).camera_in_plane() is None


@pytest.mark.parametrize("facing", ["right", "left"])
def test_a_board_calibration_places_the_camera(scene: SideScene, facing: Facing) -> None:
    """Through the installer's path (a distorting lens, the board on the belt), the camera is
    where the scene put it, within 2 cm: 1.8 m off, 0.7 m up, turned 8 deg."""
    cal = with_plane(plane_from_board(lens(), SPEC, board_in(scene), facing))
    rotation, _ = cv2.Rodrigues(scene.rvec)
    centre = (-rotation.T @ scene.tvec.reshape(3)) * [1 if facing == "right" else -1, 1, 1]
    assert cal.camera_in_plane() == pytest.approx(centre * [1, 1, np.sign(centre[2])], abs=0.02)
