"""Synthetic calibration views: a printed board seen by a known camera at a known pose.

Every image pixel is traced back exactly (distortion inverted to 1e-12) to the board plane and
sampled from a finely rendered board texture, then blurred and noised like a real camera.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property

import cv2
import numpy as np

from calibrate.board import charuco_board
from calibrate.boardspec import BoardSpec, parse_board

#: texture pixels per board square; similar to the image scale, so sampling does not alias
TEXTURE_PX_PER_SQUARE = 64
BACKGROUND = 120


@dataclass(frozen=True, eq=False)
class SyntheticCamera:
    """K (3, 3), dist (5,) OpenCV model, size (w, h)."""

    K: np.ndarray
    dist: np.ndarray
    size: tuple[int, int]

    @cached_property
    def rays(self) -> np.ndarray:
        """(H, W, 2) float64: undistorted normalised coordinates of each pixel centre."""
        w, h = self.size
        u, v = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
        pixels = np.stack([u, v], axis=-1).reshape(-1, 1, 2)
        criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 50, 1e-12)
        rays = cv2.undistortPoints(pixels, self.K, self.dist, criteria=criteria)
        return rays.reshape(h, w, 2)

    def project(self, points: np.ndarray, rvec: np.ndarray, tvec: np.ndarray) -> np.ndarray:
        """(N, 3) metres in the object frame -> (N, 2) distorted pixels."""
        image, _ = cv2.projectPoints(
            np.asarray(points, np.float64).reshape(-1, 1, 3), rvec, tvec, self.K, self.dist
        )
        return image.reshape(-1, 2)


def board_texture(spec: BoardSpec) -> np.ndarray:
    """The pattern with a one-square white margin, TEXTURE_PX_PER_SQUARE per square, uint8."""
    px = TEXTURE_PX_PER_SQUARE
    size = (spec.cols * px, spec.rows * px)
    if spec.kind == "charuco":
        pattern = charuco_board(spec).generateImage(size, marginSize=0, borderBits=1)
    else:
        j, i = np.indices((spec.rows, spec.cols))
        pattern = np.where((i + j) % 2 == 0, 0, 255).astype(np.uint8)
        pattern = cv2.resize(pattern, size, interpolation=cv2.INTER_NEAREST)
    return cv2.copyMakeBorder(pattern, px, px, px, px, cv2.BORDER_CONSTANT, value=255)


def render_view(
    camera: SyntheticCamera,
    spec: BoardSpec,
    texture: np.ndarray,
    rvec: np.ndarray,
    tvec: np.ndarray,
    rng: np.random.Generator,
    blur_sigma: float = 0.7,
    noise: float = 2.0,
) -> np.ndarray:
    """(H, W, 3) uint8 BGR image of the board at pose (rvec, tvec) of the board frame."""
    R, _ = cv2.Rodrigues(np.asarray(rvec, np.float64))
    plane_to_camera = np.column_stack([R[:, 0], R[:, 1], np.asarray(tvec, np.float64)])
    camera_to_plane = np.linalg.inv(plane_to_camera)
    h, w = camera.size[1], camera.size[0]
    rays = np.concatenate([camera.rays, np.ones((h, w, 1))], axis=-1)
    hit = rays @ camera_to_plane.T
    in_front = (hit[..., 2] * np.sign(np.linalg.det(plane_to_camera))) > 0
    scale = TEXTURE_PX_PER_SQUARE / spec.square_m
    map_x = (hit[..., 0] / hit[..., 2] * scale + TEXTURE_PX_PER_SQUARE - 0.5).astype(np.float32)
    map_y = (hit[..., 1] / hit[..., 2] * scale + TEXTURE_PX_PER_SQUARE - 0.5).astype(np.float32)
    map_x[~in_front] = -1e6
    image = cv2.remap(
        texture,
        map_x,
        map_y,
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=BACKGROUND,
    ).astype(np.float32)
    if blur_sigma > 0:
        image = cv2.GaussianBlur(image, (0, 0), blur_sigma)
    image += rng.normal(0.0, noise, image.shape).astype(np.float32)
    gray = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def look_at_pose(
    camera: SyntheticCamera,
    spec: BoardSpec,
    centre_px: tuple[float, float],
    distance_m: float,
    tilt_deg: tuple[float, float, float],
) -> tuple[np.ndarray, np.ndarray]:
    """A pose placing the board's centre on the ray through ``centre_px`` at ``distance_m``.

    tilt_deg: rotations about the board's own x (top/bottom away), y (left/right away) and
    z (in-plane roll) axes, degrees, applied to a board facing the camera squarely.
    """
    ray = cv2.undistortPoints(np.array([[centre_px]], np.float64), camera.K, camera.dist).reshape(2)
    direction = np.array([ray[0], ray[1], 1.0])
    centre = direction / np.linalg.norm(direction) * distance_m
    ax, ay, az = np.radians(tilt_deg)
    rx = cv2.Rodrigues(np.array([ax, 0.0, 0.0]))[0]
    ry = cv2.Rodrigues(np.array([0.0, ay, 0.0]))[0]
    rz = cv2.Rodrigues(np.array([0.0, 0.0, az]))[0]
    R = rx @ ry @ rz
    half = np.array([spec.size_m[0] / 2, spec.size_m[1] / 2, 0.0])
    tvec = centre - R @ half
    rvec = cv2.Rodrigues(R)[0].reshape(3)
    return rvec, tvec


#: two cameras unlike each other: barrel distortion and fx != fy; pincushion-like, longer lens
CAMERAS = {
    "barrel": (
        [[900.0, 0.0, 645.0], [0.0, 905.0, 352.0], [0.0, 0.0, 1.0]],
        [-0.28, 0.09, 8e-4, -5e-4, 0.0],
    ),
    "tele": (
        [[1150.0, 0.0, 628.0], [0.0, 1150.0, 371.0], [0.0, 0.0, 1.0]],
        [0.12, -0.25, -6e-4, 4e-4, 0.0],
    ),
}
SIZE = (1280, 720)


@cache
def camera(name: str) -> SyntheticCamera:
    K, dist = CAMERAS[name]
    return SyntheticCamera(np.array(K), np.array(dist), SIZE)


def calibration_poses(
    cam: SyntheticCamera, spec: BoardSpec, n: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n`` board poses over a 3x3 grid of image positions, each tilted another way."""
    w, h = cam.size
    centres = [(w * fx, h * fy) for fy in (0.25, 0.5, 0.75) for fx in (0.22, 0.5, 0.78)]
    tilts = [
        (0, 0, 0),
        (0, 32, 5),
        (0, -32, -5),
        (32, 0, 8),
        (-32, 0, -8),
        (22, 24, 0),
        (-22, -24, 10),
    ]
    distance = cam.K[0, 0] * spec.size_m[0] / (0.33 * w)
    return [
        look_at_pose(cam, spec, centres[k % 9], distance * (1 + 0.08 * ((k % 3) - 1)), tilts[k % 7])
        for k in range(n)
    ]


@cache
def calibration_views(
    camera_name: str, board: str, n: int = 20, seed: int = 0
) -> tuple[np.ndarray, ...]:
    """BGR images of ``board`` (a --board spec) seen by a named camera at calibration_poses."""

    cam, spec = camera(camera_name), parse_board(board)
    texture = board_texture(spec)
    rng = np.random.default_rng(seed)
    return tuple(
        render_view(cam, spec, texture, rvec, tvec, rng)
        for rvec, tvec in calibration_poses(cam, spec, n)
    )


@dataclass(frozen=True, eq=False)
class SideScene:
    """A side camera looking at the runner's plane with the board upright on the belt.

    World: X forward when the runner faces right in the image, Y up, Z toward the camera,
    metres; the belt is Y = 0 and the board's centre is above X = 0.
    """

    camera: SyntheticCamera
    rvec: np.ndarray
    tvec: np.ndarray
    image: np.ndarray

    def project(self, world_xy: np.ndarray) -> np.ndarray:
        """(N, 2) plane points (X, Y) -> (N, 2) image pixels."""
        points = np.column_stack([world_xy, np.zeros(len(world_xy))])
        return self.camera.project(points, self.rvec, self.tvec)


def side_scene(
    camera_name: str,
    board: str,
    distance_m: float = 1.8,
    height_m: float = 0.7,
    yaw_deg: float = 8.0,
    pitch_deg: float = 12.0,
    lift_m: float = 0.0,
    seed: int = 0,
) -> SideScene:
    """Render the board standing ``lift_m`` above the belt, seen from the side."""

    cam, spec = camera(camera_name), parse_board(board)
    width, height = spec.size_m
    facing_camera = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])
    yaw = cv2.Rodrigues(np.array([0.0, np.radians(yaw_deg), 0.0]))[0]
    pitch = cv2.Rodrigues(np.array([np.radians(pitch_deg), 0.0, 0.0]))[0]
    R = yaw @ pitch @ facing_camera
    t = -R @ np.array([0.1, height_m, distance_m])
    # Board frame: x right, y down the printed sheet, z into it; its top-left corner in the world.
    board_axes = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])
    board_rvec = cv2.Rodrigues(R @ board_axes)[0].reshape(3)
    board_tvec = R @ np.array([-width / 2, height + lift_m, 0.0]) + t
    rng = np.random.default_rng(seed)
    image = render_view(cam, spec, board_texture(spec), board_rvec, board_tvec, rng)
    return SideScene(cam, cv2.Rodrigues(R)[0].reshape(3), t, image)
