"""How far the camera is turned off square to the belt, read off the treadmill's long lines.

A treadmill's belt edges, deck and side rails run along the belt. A camera square to the belt
sees them parallel; turned by a yaw, they meet at a vanishing point, the picture of the belt's
direction. With the camera's axis and focal length (``edge.gait.sagittal.camera_sight``) that
direction's angle out of the picture's plane is the yaw, whatever the camera's roll or pitch.

The gait engine otherwise reads the yaw from the pelvis's width, the far hip's lead over the
near one, which the pose model's hips bias on real people: on the marked real clips of
tests/data/footage the pelvis read 4-27 deg toward the runner's front for every runner facing
right, where the treadmill's lines read -5 to +9 deg (7 December 2026, docs/accuracy.md,
"The camera's turn from the treadmill's lines").

The lines are looked for on the median of frames spread over the clip (the runner, who moves,
drops out of it; ``Backdrop``), in the band of the picture from the runner's hips to below
their feet, where the treadmill is (``treadmill_rows``), and near the picture's rows (a belt's
lines, not the uprights or the runner's legs). Their vanishing point is found by RANSAC over
pairs of them, weighted by length, then fitted to the lines that point at it. The reading
abstains (None) on fewer than ``MIN_LINES`` such lines, or where the lines do not pin the point
down (``MAX_SPREAD_DEG``): a clip without a treadmill in the band. Level lines in the band that
do not run along the belt (a wall at a slant to it) are read as the belt's, and a camera near
the belt's height with no rail in view reads the turn short, its lines all near the horizon
(docs/accuracy.md).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable

import cv2
import numpy as np

from edge.skeleton import KP

log = logging.getLogger(__name__)

#: the shortest line kept, as a share of the picture's longer side: a belt's edge or a rail
#: spans a good part of the picture, a belt's stripe or a shoe's edge does not
MIN_LENGTH = 0.04
#: the steepest line kept, degrees off the picture's rows: a belt's lines seen 30 deg off
#: square from a camera above them lie within about 15 deg of the rows
MAX_TILT_DEG = 25.0
#: how far a line may point from the vanishing point and still run along the belt, degrees
INLIER_DEG = 0.75
#: the fewest lines along the belt for a reading: the rendered treadmill gave 10-34 in the band,
#: real clips without a treadmill in it 3-10 with no common point
MIN_LINES = 8
#: the widest spread (5th to 95th percentile of the yaw over the lines drawn again at random)
#: for a reading: the rendered treadmills spread 1 deg at most, the real ones of
#: tests/data/footage 0.5-4.6 (a gym's treadmills seen from a little above, 3.4-4.6), eight real
#: clips of earlier user trials without a treadmill in the band 12-98 (7 December 2026)
MAX_SPREAD_DEG = 6.0
#: frames whose median the lines are found on
BACKDROP_FRAMES = 31
#: the longest side the frames are kept at, pixels: a 4K clip's 62 frames would take 500 MB
BACKDROP_SIDE = 1280
#: the band's top above the hips and its bottom below the lowest ankles, in leg lengths (hips
#: to ankles): the side rails at hip height, the deck and the belt's edges below the feet
BAND_ABOVE_HIPS = 0.1
BAND_BELOW_FEET = 0.5
_PAIRS = 2000
_DRAWS = 200
_SEED = 0


class Backdrop:
    """Gray frames spread evenly over the ``frame_count`` frames a clip will offer (unknown:
    None, then one in ``every`` up to twice ``keep``, thinned to every other as it fills),
    shrunk to ``BACKDROP_SIDE`` at most, and the camera's turn read off their median
    (``turn``). The frames are counted as offered, not by their index in the file (a clip
    thinned to every other frame, from an odd one, had kept none)."""

    def __init__(
        self, frame_count: int | None, keep: int = BACKDROP_FRAMES, every: int = 15
    ) -> None:
        self._every = max(frame_count // keep, 1) if frame_count else every
        self._keep = keep
        self._offered = 0
        self._frames: list[np.ndarray] = []
        self._median: np.ndarray | None = None
        self.scale = 1.0
        """The kept frames' size over the clip's."""

    def add(self, image: np.ndarray) -> None:
        """The clip's next frame (BGR or gray), kept if it is one of those sampled."""
        self._offered += 1
        if (self._offered - 1) % self._every or self._median is not None:
            return
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        self.scale = min(1.0, BACKDROP_SIDE / max(gray.shape))
        if self.scale < 1.0:
            gray = cv2.resize(
                gray, None, fx=self.scale, fy=self.scale, interpolation=cv2.INTER_AREA
            )
        self._frames.append(gray if gray is not image else gray.copy())
        if len(self._frames) >= 2 * self._keep:
            self._frames = self._frames[::2]
            self._every *= 2

    @property
    def kept(self) -> int:
        """How many frames are kept."""
        return len(self._frames)

    def median(self) -> np.ndarray | None:
        """The kept frames' median (uint8), or None before any; taking it ends the keeping
        (the frames, some 60 MB of a 1080p clip's, are let go)."""
        if self._median is None and self._frames:
            self._median = np.median(np.stack(self._frames), axis=0).astype(np.uint8)
            self._frames = []
        return self._median

    def turn(
        self,
        axis: tuple[float, float, float],
        facing: str,
        rows: tuple[float, float],
        lens: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> float | None:
        """``belt_turn`` of the kept frames' median, ``axis`` and ``rows`` in the clip's
        pixels, the lines straightened first where the ``lens`` (K, distortion) is known; None
        before any frame."""
        picture = self.median()
        if picture is None:
            return None
        s = self.scale
        if lens is not None:
            K = lens[0].astype(np.float64) * np.array([[s], [s], [1.0]])
            picture = cv2.undistort(picture, K, lens[1])
        scaled = (axis[0] * s, axis[1] * s, axis[2] * s)
        turn = belt_turn(picture, scaled, facing, (rows[0] * s, rows[1] * s))
        if turn is not None:
            log.info("camera %.1f deg off square to the belt, read off the treadmill's lines", turn)
        return turn


def treadmill_rows(keypoints: np.ndarray, min_conf: float = 0.3) -> tuple[float, float] | None:
    """The band of the picture's rows where the treadmill's lines are, from a track (T, 17, 3)
    of the runner, pixels: from a little above the hips to half a leg below the lowest feet;
    None without hips and ankles seen."""
    hips = keypoints[:, [KP["left_hip"], KP["right_hip"]]]
    ankles = keypoints[:, [KP["left_ankle"], KP["right_ankle"]]]
    hip_rows = hips[..., 1][hips[..., 2] > min_conf]
    ankle_rows = ankles[..., 1][ankles[..., 2] > min_conf]
    if not len(hip_rows) or not len(ankle_rows):
        return None
    hip = float(np.median(hip_rows))
    leg = float(np.percentile(ankle_rows, 90)) - hip
    if not leg > 0:
        return None
    return hip - BAND_ABOVE_HIPS * leg, float(np.percentile(ankle_rows, 95)) + BAND_BELOW_FEET * leg


def line_segments(gray: np.ndarray, rows: tuple[float, float]) -> np.ndarray:
    """(N, 4) segments x1, y1, x2, y2 of ``gray`` long enough and near enough the picture's
    rows to be a belt's lines (``MIN_LENGTH``, ``MAX_TILT_DEG``), their middles within
    ``rows`` (top, bottom)."""
    found = cv2.createLineSegmentDetector(cv2.LSD_REFINE_STD).detect(gray)[0]
    if found is None:
        return np.zeros((0, 4))
    s = found.reshape(-1, 4).astype(np.float64)
    dx, dy = s[:, 2] - s[:, 0], s[:, 3] - s[:, 1]
    middle = 0.5 * (s[:, 1] + s[:, 3])
    keep = (
        (np.hypot(dx, dy) >= MIN_LENGTH * max(gray.shape))
        & (np.degrees(np.arctan2(np.abs(dy), np.abs(dx))) <= MAX_TILT_DEG)
        & (middle >= rows[0])
        & (middle <= rows[1])
    )
    return s[keep]


def _rays(segments: np.ndarray, centre: tuple[float, float], focal: float) -> np.ndarray:
    """(N, 2, 3) the segments' ends as rays from the camera (x right, y down, z ahead)."""
    ends = segments.reshape(-1, 2, 2)
    rays = np.ones((len(segments), 2, 3))
    rays[..., 0] = (ends[..., 0] - centre[0]) / focal
    rays[..., 1] = (ends[..., 1] - centre[1]) / focal
    return rays


def _planes(rays: np.ndarray) -> np.ndarray:
    """(N, 3) each segment's plane through the camera, its normal scaled to the picture."""
    normals = np.cross(rays[:, 0], rays[:, 1])
    return normals / np.linalg.norm(normals[:, :2], axis=1, keepdims=True)


def _off_deg(direction: np.ndarray, rays: np.ndarray) -> np.ndarray:
    """(N,) how far each segment points from the picture of ``direction``, degrees."""
    middle = rays.mean(axis=1)
    toward = np.cross(np.cross(middle, direction[None, :]), np.array([0.0, 0.0, 1.0]))[:, :2]
    along = (rays[:, 1] - rays[:, 0])[:, :2]
    cos = np.abs((toward * along).sum(axis=1)) / (
        np.linalg.norm(toward, axis=1) * np.linalg.norm(along, axis=1) + 1e-12
    )
    return np.degrees(np.arccos(np.clip(cos, 0.0, 1.0)))


def _fitted(planes: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The direction nearest to lying in every plane (weighted), pointing to the picture's
    right."""
    direction = np.linalg.svd(planes * weights[:, None])[2][-1]
    return direction if direction[0] >= 0 else -direction


def vanishing_direction(
    segments: np.ndarray, centre: tuple[float, float], focal: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """The direction (3,) most of ``segments``' length runs along, camera coordinates, and
    which segments run along it (``INLIER_DEG``); None with fewer than two segments."""
    if len(segments) < 2:
        return None
    rays = _rays(segments, centre, focal)
    planes = _planes(rays)
    weights = np.linalg.norm((rays[:, 1] - rays[:, 0])[:, :2], axis=1)
    rng = np.random.default_rng(_SEED)
    best, best_score = None, -1.0
    for _ in range(_PAIRS):
        i, j = rng.choice(len(segments), 2, replace=False, p=weights / weights.sum())
        meet = np.cross(planes[i], planes[j])
        norm = float(np.linalg.norm(meet))
        if norm < 1e-12:
            continue
        score = float(weights[_off_deg(meet / norm, rays) < INLIER_DEG].sum())
        if score > best_score:
            best, best_score = meet / norm, score
    if best is None:
        return None
    along = _off_deg(best, rays) < INLIER_DEG
    return _fitted(planes[along], weights[along]), along


def belt_turn(
    backdrop: np.ndarray,
    axis: tuple[float, float, float],
    facing: str,
    rows: tuple[float, float],
) -> float | None:
    """How far the camera is turned off square to the belt, degrees, positive toward the
    runner's front (``GaitEngine.yaw_deg``'s sense), read off the lines of ``backdrop`` (a gray
    picture, ``Backdrop.median``) in ``rows`` (``treadmill_rows``); ``axis``: where the camera's
    axis meets the picture, column and row, and its focal length, pixels. None where the lines
    do not tell (the module's docstring)."""
    if facing not in ("left", "right"):
        raise ValueError(f"facing = {facing!r}: must be 'left' or 'right'")
    segments = line_segments(backdrop, rows)
    centre, focal = (axis[0], axis[1]), axis[2]
    found = vanishing_direction(segments, centre, focal)
    if found is None:
        return None
    direction, along = found
    if along.sum() < MIN_LINES:
        return None
    runs = segments[along]
    rays = _rays(runs, centre, focal)
    planes = _planes(rays)
    weights = np.linalg.norm((rays[:, 1] - rays[:, 0])[:, :2], axis=1)
    rng = np.random.default_rng(_SEED)
    draws = [
        _yaw(_fitted(planes[pick], weights[pick]))
        for pick in rng.integers(0, len(runs), (_DRAWS, len(runs)))
    ]
    low, high = np.percentile(draws, [5, 95])
    if high - low > MAX_SPREAD_DEG:
        return None
    # Seen from the runner's right (facing right) the runner's front is the picture's right: a
    # turn toward it brings that end of the belt nearer, the direction to the right coming out.
    sign = -1.0 if facing == "right" else 1.0
    return round(sign * _yaw(direction), 1)


def _yaw(direction: np.ndarray) -> float:
    """The angle of ``direction`` (unit, pointing to the picture's right) out of the picture's
    plane, degrees: positive where the picture's right end of the belt lies further away."""
    return math.degrees(math.asin(float(direction[2]) / float(np.linalg.norm(direction))))


#: frames with the runner seen a live reading waits for, to place the treadmill's band
RUNNER_FRAMES = 30
#: the least seconds between the frames a live reading keeps: ``BACKDROP_FRAMES`` of them span
#: 1.5 s or more, some four steps, over which a runner's legs, which hide the belt's lines behind
#: them, move on (on four real clips run as files the turn read 8.6, -3.6, -13.7 and -2.2 deg
#: where analyze's 31 frames over the whole clip read 8.5, -2.2, -13.6 and -3.7)
LIVE_EVERY_S = 0.05
#: readings a session tries, each on frames of its own, while the lines do not tell
LIVE_TRIES = 3


class LiveTurn:
    """The camera's turn read off a live source's frames (``hipdrive run``), once a session:
    of the frames with someone in view, one kept at most every ``LIVE_EVERY_S`` of the frames'
    time (``Backdrop``), whatever share of the camera's frames the station takes (a camera set
    in place after the station started, or a dark start, is not read), with the keypoints of
    the one followed; once ``BACKDROP_FRAMES`` frames are kept and hips and feet were seen in
    ``RUNNER_FRAMES``, ``start`` reads it on a thread of its own (some 0.6 s, which a camera's
    frame loop must not wait for), and ``result`` holds it once ``done`` (None where the lines
    do not tell). The yaw is the runner's hips' meanwhile."""

    def __init__(self) -> None:
        self._backdrop = Backdrop(None, every=1)
        self._kept_t = -math.inf
        self._seen: list[np.ndarray] = []
        self._thread: threading.Thread | None = None
        self.result: float | None = None

    def add(self, t: float, image: np.ndarray, keypoints: np.ndarray | None) -> None:
        """The picture at ``t`` s and the runner's keypoints in it (None: nobody), until the
        reading starts."""
        if self._thread is not None:
            return
        if keypoints is None:
            return
        if self._backdrop.kept < BACKDROP_FRAMES and t - self._kept_t >= LIVE_EVERY_S:
            self._backdrop.add(image)
            self._kept_t = t
        if len(self._seen) < 10 * RUNNER_FRAMES and treadmill_rows(keypoints[None]) is not None:
            # Only frames with hips and feet place the band: a review's reading had started on
            # 30 frames of someone with the feet seen in one.
            self._seen.append(keypoints)

    @property
    def kept(self) -> int:
        """How many frames are kept for the reading."""
        return self._backdrop.kept

    @property
    def ready(self) -> bool:
        """Whether enough is kept to start the reading, and it has not started."""
        return (
            self._thread is None
            and self._backdrop.kept >= BACKDROP_FRAMES
            and len(self._seen) >= RUNNER_FRAMES
        )

    def start(
        self, read: Callable[[Backdrop, np.ndarray], float | None], wait: bool = False
    ) -> bool:
        """Start ``read`` (the kept frames, the runner's keypoints (N, 17, 3), hips and feet seen
        in each) on a thread of its own once ``ready``, if not started yet, and with ``wait`` see
        it done (a file, whose run then gives the same steps each time: on its own thread the
        reading ended a step sooner or later from one run to the next); whether it has started."""
        if self._thread is None:
            if not self.ready:
                return False
            self._thread = threading.Thread(
                target=self._read, args=(read, np.stack(self._seen)), name="belt-lines", daemon=True
            )
            self._thread.start()
            if wait:
                self._thread.join()
        return True

    @property
    def done(self) -> bool:
        """Whether the reading has ended (``result`` is then what it read)."""
        return self._thread is not None and not self._thread.is_alive()

    def _read(self, read: Callable[[Backdrop, np.ndarray], float | None], seen: np.ndarray) -> None:
        try:
            self.result = read(self._backdrop, seen)
        except Exception:
            # The yaw stays the hips'; the station runs on.
            log.exception("the treadmill's lines could not be read")
