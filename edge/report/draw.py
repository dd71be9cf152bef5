"""The runner's pose and what a coach looks for, drawn with OpenCV on a video frame or a plain
background: the overstride at initial contact (mid-hip to ankle, and how far ahead the foot is)
and the hip extension at toe-off (the thigh behind vertical).

Images are (H, W, 3) uint8 BGR; keypoints (17, 3) float32 pixels and confidence, as the pose
stage gives them. Left limbs are blue and right limbs pink, as on the console.
"""

from __future__ import annotations

import math
from typing import Literal

import cv2
import numpy as np

from edge.skeleton import KP, LIMBS

MIN_CONFIDENCE = 0.3
"""Keypoints below this confidence are not drawn."""

BGR = tuple[int, int, int]
LEFT: BGR = (214, 123, 43)
RIGHT: BGR = (123, 69, 224)
TRUNK: BGR = (150, 150, 150)
GOOD: BGR = (70, 150, 40)
OFF: BGR = (30, 100, 230)
PLAIN: BGR = (70, 70, 70)
"""A value without a target."""
BACKGROUND: BGR = (246, 246, 246)
_TRUNK_BONES = (
    (KP["left_shoulder"], KP["right_shoulder"]),
    (KP["left_hip"], KP["right_hip"]),
    (KP["left_shoulder"], KP["left_hip"]),
    (KP["right_shoulder"], KP["right_hip"]),
)
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_FIRST_BODY_POINT = KP["left_shoulder"]
"""The keypoints before it are the face's."""


def verdict_colour(ok: bool | None) -> BGR:
    return PLAIN if ok is None else GOOD if ok else OFF


def _scale(image: np.ndarray) -> float:
    """Line widths and text sizes grow with the image: 1.0 at 720 rows."""
    return image.shape[0] / 720.0


def _points(keypoints: np.ndarray) -> np.ndarray:
    """(17, 2) float64 pixels, NaN where the keypoint is missing or unsure."""
    pts = keypoints[:, :2].astype(np.float64)
    pts[~(keypoints[:, 2] >= MIN_CONFIDENCE)] = np.nan
    return pts


def _seen(p: np.ndarray) -> bool:
    return bool(np.isfinite(p).all())


def _px(p: np.ndarray) -> tuple[int, int]:
    return round(float(p[0])), round(float(p[1]))


def mid_hip(keypoints: np.ndarray) -> np.ndarray | None:
    """(2,) pixels between the hips (one hip when the other is hidden), or None."""
    return _between(_points(keypoints), "hip")


def trunk(keypoints: np.ndarray) -> np.ndarray | None:
    """(2,) pixels from the mid-hip to the mid-shoulder (one of a pair where the other is
    hidden); None when both shoulders or both hips are."""
    return _trunk(_points(keypoints))


def _between(pts: np.ndarray, joint: str) -> np.ndarray | None:
    """(2,) pixels between the left and right ``joint`` of ``pts`` ((17, 2), NaN where not
    seen), one where the other is not, or None."""
    pair = pts[[KP[f"left_{joint}"], KP[f"right_{joint}"]]]
    pair = pair[np.isfinite(pair).all(axis=1)]
    return pair.mean(axis=0) if len(pair) else None


def _trunk(pts: np.ndarray) -> np.ndarray | None:
    neck, hip = _between(pts, "shoulder"), _between(pts, "hip")
    return None if neck is None or hip is None else neck - hip


def draw_skeleton(image: np.ndarray, keypoints: np.ndarray) -> None:
    """The trunk, arms, legs and head; the far-from-camera side is drawn first."""
    s = _scale(image)
    width = max(1, round(3 * s))
    pts = _points(keypoints)
    for a, b in _TRUNK_BONES:
        if _seen(pts[a]) and _seen(pts[b]):
            cv2.line(image, _px(pts[a]), _px(pts[b]), TRUNK, width, cv2.LINE_AA)
    for side, colour in (("right", RIGHT), ("left", LEFT)):
        for a, b in LIMBS[side]:
            if _seen(pts[a]) and _seen(pts[b]):
                cv2.line(image, _px(pts[a]), _px(pts[b]), colour, width, cv2.LINE_AA)
    for i in range(_FIRST_BODY_POINT, len(pts)):
        if _seen(pts[i]):
            colour = LEFT if i % 2 == 1 else RIGHT
            cv2.circle(image, _px(pts[i]), max(2, round(4 * s)), colour, -1, cv2.LINE_AA)
    _head(image, pts, width)


def _head(image: np.ndarray, pts: np.ndarray, width: int) -> None:
    """A circle around the face's keypoints, sized by the trunk, joined to the shoulders."""
    face = pts[:_FIRST_BODY_POINT]
    face = face[np.isfinite(face).all(axis=1)]
    neck, spine = _between(pts, "shoulder"), _trunk(pts)
    if not len(face) or neck is None or spine is None:
        return
    centre = face.mean(axis=0)
    radius = 0.2 * float(np.hypot(*spine))
    reach = float(np.hypot(*(centre - neck)))
    if radius < 2 or reach <= radius:
        return
    cv2.circle(image, _px(centre), round(radius), TRUNK, width, cv2.LINE_AA)
    cv2.line(image, _px(neck), _px(centre + (neck - centre) * radius / reach), TRUNK, width)


def leg(
    keypoints: np.ndarray, moment: Literal["ic", "to"], forward: float | None, foot: str
) -> str | None:
    """Which leg a step's moment shows: at initial contact the foot furthest ahead of the hips,
    at toe-off the knee furthest behind. Pose models swap left and right labels often, so the
    picture goes by where the legs are; without a known ``forward`` (+1: the runner faces right
    in the image, -1: left) the step's own foot label is taken. None when either leg's joint is
    missing or unsure: the one seen may be the other leg (a user trial's report drew a landing's
    overstride to the trailing foot, the landing ankle being unsure in that frame)."""
    if forward is None:
        return foot if foot in ("left", "right") else None
    pts = _points(keypoints)
    joint = "ankle" if moment == "ic" else "knee"
    ahead = {
        side: forward * float(pts[KP[f"{side}_{joint}"], 0])
        for side in ("left", "right")
        if _seen(pts[KP[f"{side}_{joint}"]])
    }
    if len(ahead) < 2:
        return None
    pick = max if moment == "ic" else min
    return pick(ahead, key=lambda side: ahead[side])


def label(
    image: np.ndarray,
    text: str,
    at: tuple[int, int],
    colour: BGR,
    align: Literal["left", "right"] = "left",
) -> None:
    """White text on a box of ``colour``, its baseline at ``at``, which is its left or right end
    (``align``); kept inside the image."""
    s = _scale(image)
    font = max(0.45, 0.75 * s)
    thick = max(1, round(1.6 * s))
    (w, h), base = cv2.getTextSize(text, _FONT, font, thick)
    pad = max(2, round(5 * s))
    x = at[0] if align == "left" else at[0] - w
    x = min(max(x, pad), image.shape[1] - w - pad)
    y = min(max(at[1], h + pad), image.shape[0] - base - pad)
    cv2.rectangle(image, (x - pad, y - h - pad), (x + w + pad, y + base + pad), colour, -1)
    cv2.putText(image, text, (x, y), _FONT, font, (255, 255, 255), thick, cv2.LINE_AA)


def draw_overstride(
    image: np.ndarray, keypoints: np.ndarray, side: str, text: str, ok: bool | None
) -> bool:
    """At initial contact: a line from the mid-hip to the landing ankle, the plumb line under the
    hips, and the distance the foot landed ahead of it, with ``text``. False when the hips or the
    ankle are not in view."""
    hip = mid_hip(keypoints)
    ankle = _points(keypoints)[KP[f"{side}_ankle"]]
    if hip is None or not _seen(ankle):
        return False
    s = _scale(image)
    colour = verdict_colour(ok)
    below = np.array([hip[0], ankle[1]])
    _dashed(image, hip, below, TRUNK, max(1, round(2 * s)), max(4, round(10 * s)))
    cv2.line(image, _px(hip), _px(ankle), colour, max(1, round(2 * s)), cv2.LINE_AA)
    cv2.line(image, _px(below), _px(ankle), colour, max(2, round(5 * s)), cv2.LINE_AA)
    cv2.circle(image, _px(ankle), max(3, round(8 * s)), colour, max(1, round(2 * s)), cv2.LINE_AA)
    gap = round(14 * s)
    label(image, text, (round(min(below[0], ankle[0])), round(ankle[1] + 3 * gap)), colour)
    return True


def draw_hip_extension(
    image: np.ndarray, keypoints: np.ndarray, side: str, text: str, ok: bool | None
) -> bool:
    """At toe-off: the vertical under the hip, the thigh, and the angle between them with
    ``text``. False when that hip or knee is not in view."""
    pts = _points(keypoints)
    hip, knee = pts[KP[f"{side}_hip"]], pts[KP[f"{side}_knee"]]
    if not (_seen(hip) and _seen(knee)):
        return False
    s = _scale(image)
    colour = verdict_colour(ok)
    length = float(np.hypot(*(knee - hip)))
    _dashed(
        image,
        hip,
        hip + np.array([0.0, length]),
        TRUNK,
        max(1, round(2 * s)),
        max(4, round(10 * s)),
    )
    cv2.line(image, _px(hip), _px(knee), colour, max(2, round(5 * s)), cv2.LINE_AA)
    # OpenCV's angles run clockwise from +x with y down: straight down is 90 degrees.
    thigh = math.degrees(math.atan2(knee[1] - hip[1], knee[0] - hip[0]))
    radius = max(6, round(0.6 * length))
    cv2.ellipse(
        image,
        _px(hip),
        (radius, radius),
        0.0,
        min(90.0, thigh),
        max(90.0, thigh),
        colour,
        max(2, round(4 * s)),
        cv2.LINE_AA,
    )
    # Behind the knee, where only the trailing shank is, clear of the other leg and the arms.
    behind = 1.0 if knee[0] >= hip[0] else -1.0
    at = (knee[0] + behind * 0.2 * length, hip[1] + 0.45 * length)
    label(image, text, _px(np.array(at)), colour, align="left" if behind > 0 else "right")
    return True


def draw_contact(image: np.ndarray, keypoints: np.ndarray, side: str, foot: str) -> None:
    """A flash at the landing ankle (``side``'s keypoint): a filled ring and the step's
    ``foot``, coloured by the foot (the gait engine's leg identity, which outlasts the pose
    model's left/right swaps)."""
    ankle = _points(keypoints)[KP[f"{side}_ankle"]]
    if not _seen(ankle):
        return
    s = _scale(image)
    colour = {"left": LEFT, "right": RIGHT}.get(foot, PLAIN)
    overlay = image.copy()
    cv2.circle(overlay, _px(ankle), max(8, round(30 * s)), (255, 255, 255), -1, cv2.LINE_AA)
    cv2.addWeighted(overlay, 0.55, image, 0.45, 0, dst=image)
    cv2.circle(image, _px(ankle), max(8, round(30 * s)), colour, max(2, round(4 * s)), cv2.LINE_AA)
    letter = {"left": "L", "right": "R"}.get(foot, foot[:1].upper())
    label(image, f"{letter} contact", (round(ankle[0] + 34 * s), round(ankle[1] - 30 * s)), colour)


def draw_panel(image: np.ndarray, rows: list[tuple[str, str, bool | None]]) -> None:
    """Live numbers in the top-left corner: (name, value, verdict) rows, values coloured green
    when on target and orange when off."""
    s = _scale(image)
    font = max(0.45, 0.8 * s)
    thick = max(1, round(2 * s))
    step = max(1, round(38 * s))
    pad = round(14 * s)

    def width(text: str) -> int:
        return int(cv2.getTextSize(text, _FONT, font, thick)[0][0])

    column = max(width(name) for name, _, _ in rows) + pad
    right = column + max(width(value) for _, value, _ in rows)
    box = image[0 : pad * 2 + step * len(rows), 0 : right + 2 * pad]
    box[:] = (box * 0.3).astype(np.uint8)
    for i, (name, value, ok) in enumerate(rows):
        colour = (255, 255, 255) if ok is None else (130, 235, 110) if ok else (80, 160, 255)
        y = pad + step * (i + 1) - round(10 * s)
        cv2.putText(image, name, (pad, y), _FONT, font, (210, 210, 210), thick, cv2.LINE_AA)
        cv2.putText(image, value, (pad + column, y), _FONT, font, colour, thick, cv2.LINE_AA)


def _dashed(
    image: np.ndarray, a: np.ndarray, b: np.ndarray, colour: BGR, width: int, dash: int
) -> None:
    length = float(np.hypot(*(b - a)))
    n = max(1, int(length // dash))
    for i in range(0, n, 2):
        p, q = a + (b - a) * i / n, a + (b - a) * min(i + 1, n) / n
        cv2.line(image, _px(p), _px(q), colour, width, cv2.LINE_AA)


def cut_out(
    keypoints: np.ndarray,
    image: np.ndarray | None,
    height: int = 440,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The runner cut out of ``image`` (a plain background when None), ``height`` rows high,
    with the skeleton drawn, and the keypoints moved into that picture; None when too little of
    the runner is in view to frame them."""
    pts = _points(keypoints)
    seen = pts[np.isfinite(pts).all(axis=1)]
    if len(seen) < 4:
        return None
    (x0, y0), (x1, y1) = seen.min(axis=0), seen.max(axis=0)
    tall = max(y1 - y0, 1.0)
    box_h = 1.3 * tall
    box_w = max(x1 - x0 + 0.6 * tall, 0.8 * box_h)
    left, top = (x0 + x1) / 2 - box_w / 2, y0 - 0.18 * tall
    scale = height / box_h
    size = (round(box_w * scale), height)
    warp = np.array([[scale, 0.0, -left * scale], [0.0, scale, -top * scale]])
    if image is None:
        picture = np.full((size[1], size[0], 3), BACKGROUND, np.uint8)
    else:
        picture = cv2.warpAffine(image, warp, size, flags=cv2.INTER_AREA, borderValue=BACKGROUND)
    moved = keypoints.copy()
    moved[:, :2] = keypoints[:, :2] * scale + warp[:, 2]
    draw_skeleton(picture, moved)
    return picture, moved


def png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise ValueError(f"cannot encode a {image.shape} image as PNG")
    return data.tobytes()
