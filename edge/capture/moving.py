"""A camera that moved while it filmed: panned after the runner, carried beside them, or
drifting on a slider. The station is built for a camera fixed beside the treadmill: it finds a
foot's contacts from the ankle's speed in the picture, where the belt carries the stance foot
back and the room stands still. A camera that moves adds its own speed to every point of the
picture, so contacts, flights and the belt's speed read off it are no runner's. A user trial's
overground run on grass, filmed by a hand-held camera following the runner, was judged as a
treadmill run, "Land under your hips" given as sure, and nothing said the camera had moved.

The camera's motion is read off the picture's background, cheaply, frame after frame: the frame
is shrunk to ``THUMB_WIDTH`` pixels wide and cut into ``BANDS`` bands across its width, and each
band's sideways shift from the frame before is measured by phase correlation (``CameraMeter``).
A band across the whole width is mostly background: a runner fills a fifth of its width or
less, a coach passing behind less still, so its shift is the background's. Only the sideways
shift is taken: a camera follows a runner sideways, and a light's flicker rolls up or down a
phone's picture, never across. Phase correlation weighs every frequency alike, so a light that
flickers or an exposure that changes moves nothing.

Over each ``WINDOW_S`` of frames a band streams when its median shift is ``STREAM_WIDTHS_S``
picture widths a second or more (the median: a leg swinging forward and back moves it one
frame and the other). A treadmill's belt streams, in one band; a camera that moves streams two
or more (``MOVED_BANDS``): the ground below a runner followed on a field, which comes nearer
down the picture and streams faster, the buildings behind one panned after, everything for a
camera carried about (``camera_motion``). A camera that moves with the runner at the far
scene's distance leaves the sky and the horizon still, so the bands, not the whole picture,
are held to it. A window whose bands stream so moves the camera; a
clip moved it when ``MOVED_SHARE`` of its windows or more did, so a camera knocked once on its
stand, or a zoom at the start, is no moving camera.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

#: the width, pixels, the frame is shrunk to: a 1080p frame's pixel stands for 12 of it. A
#: camera following a runner on a field moved the ground below them 9 of these a frame (a
#: user trial's clip at 30 fps), which phase correlation finds up to half the width
THUMB_WIDTH = 160
#: bands of the picture, each across its whole width, whose sideways shift is measured
BANDS = 6
#: seconds of frames over which each band's median shift is taken (``camera_motion``): a
#: stride or more, so a leg's swing forward and back cancel
WINDOW_S = 1.0
#: the median shift, picture widths a second, from which a band streams. On 42 clips at hand
#: (7 December 2026) the bands of cameras that moved streamed 0.24-2.1 widths a second (a field
#: run followed by hand: its two lowest bands 1.0 and 2.1; a track run panned after: its upper
#: bands 0.24 and 0.26); a fixed camera's belt 0.11-1.7, its legs' and a walker's bands up to
#: 0.06, a slow dolly along a treadmill 0.03-0.06
STREAM_WIDTHS_S = 0.15
#: bands that must stream in a window for the camera to have moved in it: a third of the
#: picture's height. A fixed camera's belt streamed in one band of the six (down to its lowest
#: at 1.7 widths a second), never two in more than a third of a clip's windows (legs and belt
#: of a runner filling a portrait picture: 1 window of 7)
MOVED_BANDS = 2
#: the share of a clip's windows the camera must move in for it to have moved: a camera knocked
#: once, or zoomed once, moves it in one or two. Fixed cameras' clips came to 0.33 at most (3
#: windows, one of them a cut), moving ones' to 0.82 or more
MOVED_SHARE = 0.5


#: a band whose grey levels spread less than this (standard deviation) shows nothing to see move
FLAT_GREY = 1.0
#: the least peak phase correlation finds a band's shift by: a band whose picture changed
#: rather than moved (bits flipping in a test's coded frames) peaks lower; the ground below a
#: runner followed on a field, blurred, peaked 0.35-0.45 (a user trial's clip)
LEAST_RESPONSE = 0.1


class CameraMeter:
    """How far each band of the picture shifted sideways from the frame before, frame after
    frame (``edge.capture.moving``)."""

    def __init__(self) -> None:
        self._last: np.ndarray | None = None
        self._window: np.ndarray | None = None

    def shift(self, image: np.ndarray) -> np.ndarray:
        """The sideways shift of each of the ``BANDS`` bands of ``image`` ((H, W, 3) BGR) from
        the image before, (BANDS,) float64, picture widths (positive: to the right); NaN for
        the first, and after a change of size."""
        thumb = _thumb(image)
        last, self._last = self._last, thumb
        out = np.full(BANDS, np.nan)
        if last is None or last.shape != thumb.shape:
            return out
        rows = np.array_split(np.arange(thumb.shape[0]), BANDS)
        height = len(rows[-1])
        if self._window is None or self._window.shape != (height, thumb.shape[1]):
            self._window = cv2.createHanningWindow((thumb.shape[1], height), cv2.CV_32F)
        for k, band in enumerate(rows):
            # Bands differ by a row at most: each cut to the last's height, for one window.
            band = band[:height]
            before, now = last[band], thumb[band]
            if min(float(before.std()), float(now.std())) < FLAT_GREY:
                continue  # nothing to see move: a wall of one colour, a black border
            (dx, _), response = cv2.phaseCorrelate(before, now, self._window)
            if response >= LEAST_RESPONSE:
                out[k] = dx / thumb.shape[1]
        return out


def _thumb(image: np.ndarray) -> np.ndarray:
    """``image``'s green channel shrunk to ``THUMB_WIDTH`` pixels wide, float32: every n-th
    pixel first, so a 1080p frame costs what a 320-wide one does."""
    step = max(1, image.shape[1] // (2 * THUMB_WIDTH))
    green = image[::step, ::step, 1]
    height = max(BANDS * 4, round(green.shape[0] * THUMB_WIDTH / green.shape[1]))
    small = cv2.resize(green, (THUMB_WIDTH, height), interpolation=cv2.INTER_AREA)
    return small.astype(np.float32)


@dataclass(frozen=True, slots=True)
class CameraMotion:
    """What a clip's background tells of its camera (``camera_motion``): ``moved``: the share of
    its windows of ``WINDOW_S`` in which the camera moved (``MOVED_BANDS`` or more streaming);
    ``widths_s``: in those, the median speed of the bands that streamed, picture widths a
    second (NaN where none did); ``windows``: the windows measured."""

    moved: float
    widths_s: float
    windows: int

    @property
    def carried(self) -> bool:
        """Whether the camera moved over the clip: panned, carried or following the runner
        (``MOVED_SHARE`` of its windows or more), rather than fixed or knocked once."""
        return self.windows > 0 and self.moved >= MOVED_SHARE


def camera_motion(shifts: np.ndarray, fps: float) -> CameraMotion:
    """What the bands' shifts ((N, BANDS) picture widths, a row per frame read: ``CameraMeter``;
    NaN where unknown) tell of the camera, the frames read ``fps`` a second
    (``edge.capture.moving``)."""
    per = max(2, round(WINDOW_S * fps)) if fps > 0 and math.isfinite(fps) else 0
    if per == 0 or len(shifts) < per:
        return CameraMotion(0.0, math.nan, 0)
    moved, speeds = 0, []
    windows = len(shifts) // per
    for k in range(windows):
        part = shifts[k * per : (k + 1) * per]
        known = np.isfinite(part).sum(axis=0) >= per / 2
        with np.errstate(invalid="ignore"):
            median = np.where(known, np.nanmedian(np.where(known, part, 0.0), axis=0), 0.0)
        speed = np.abs(median) * fps
        streaming = speed >= STREAM_WIDTHS_S
        if streaming.sum() >= MOVED_BANDS:
            moved += 1
            speeds.extend(speed[streaming].tolist())
    return CameraMotion(moved / windows, float(np.median(speeds)) if speeds else math.nan, windows)


def moving_camera_notice(motion: CameraMotion) -> str | None:
    """What to say of a camera that moved over the clip (``CameraMotion.carried``), or None:
    why no finding rests on its steps, and what to film instead."""
    if not motion.carried:
        return None
    return (
        f"the camera moved while it filmed (its background streamed across the picture in "
        f"{motion.moved:.0%} of the clip, {motion.widths_s:.2f} picture widths a second): panned "
        "after the runner, carried, or following them. Contacts are found from the feet's speed "
        "in the picture, which a moving camera adds its own to, so no finding or cue is given. "
        "Film from a camera fixed on a stand beside the treadmill, side on, that does not move"
    )
