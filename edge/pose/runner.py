"""Picks the ONE runner among the people a backend found, and keeps following them.

Inside a configured region of interest, only people whose box centre lies in it count. Among
those, a short-lived track per person scores how large, how steady and how much on the move each
one is: a runner on a treadmill stays put while someone walking past moves, so a passer-by does
not steal the track even while nearer the camera; and a runner's legs scissor while a coach
standing beside the belt keeps their feet together, so a coach does not take it either, however
near the camera; nor one facing the camera, whose feet stand apart across the picture as far as
their hips do, where a runner side on has the hips together and the feet apart. The chosen
runner keeps the track while they overlap their last box; it passes to another track only when
the runner is lost for a while, or stands still while the other has been striding on the spot
for a while (the coach was there first, the runner stepped on later).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from edge.pose.base import Detections, RunnerPose
from edge.skeleton import LEFT_ANKLE, LEFT_HIP, RIGHT_ANKLE, RIGHT_HIP

#: the ankles' usual distance apart along the image row, as a fraction of the box height, that
#: counts as striding: a runner's feet pass from together to ~0.6 apart every step (their mean
#: distance ~0.3; ~0.17 for a runner filmed 30 deg off square), a walker's ~0.2, someone
#: standing side on keeps them within ~0.05
STRIDING = 0.15
#: the hips' distance apart along the image row, as a fraction of the box height, from which a
#: person faces the camera (or away from it), and the feet's distance apart counts only beyond
#: the hips': facing the camera the feet stand as far apart as the hips (a user trial: a person
#: standing beside a treadmill, facing the camera and larger in the picture, took the track from
#: the runner). Side on the hips overlap, 30 deg off square they are ~0.04 apart, facing the
#: camera 0.12-0.18 (the analysis's ``FRONT_HIPS_LEGS``, 0.24 of a leg, is ~0.12)
FACING_HIPS = 0.1
#: frames over which a track's reach is read (``_Track.reaching``): a stride or more at 30 fps
REACH_FRAMES = 30
#: how fast a track's stride figure follows its frames (a moving average over ~20 frames)
STRIDE_RATE = 0.05
#: ankles surer than this count for the stride
STRIDE_MIN_CONF = 0.3


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of one box a (4,) against boxes b (N, 4), xyxy pixels."""
    x1 = np.maximum(a[0], b[:, 0])
    y1 = np.maximum(a[1], b[:, 1])
    x2 = np.minimum(a[2], b[:, 2])
    y2 = np.minimum(a[3], b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a + area_b - inter, 1e-9)


@dataclass(eq=False)
class _Track:
    box: np.ndarray
    anchor: np.ndarray  # slow moving average of the box centre, pixels
    hits: int = 1
    missed: int = 0
    stride: float = 0.0  # moving average of the ankles' distance apart, in box heights
    spreads: deque[float] = field(default_factory=lambda: deque(maxlen=REACH_FRAMES))

    def drift(self) -> float:
        """How far the box has wandered from where it usually is, in box heights."""
        height = max(float(self.box[3] - self.box[1]), 1.0)
        return float(np.hypot(*(_centre(self.box) - self.anchor))) / height

    def update(self, box: np.ndarray, keypoints: np.ndarray) -> None:
        self.box = box.copy()
        self.anchor = 0.95 * self.anchor + 0.05 * _centre(box)
        self.hits += 1
        self.missed = 0
        self.see_legs(keypoints)

    def see_legs(self, keypoints: np.ndarray) -> None:
        """Follow how far apart the ankles are, beyond the hips when those are as far apart
        as a person facing the camera has them (``FACING_HIPS``; keypoints (17, 3) pixels and
        confidence)."""
        ankles, hips = keypoints[[LEFT_ANKLE, RIGHT_ANKLE]], keypoints[[LEFT_HIP, RIGHT_HIP]]
        if np.all(ankles[:, 2] >= STRIDE_MIN_CONF):
            height = max(float(self.box[3] - self.box[1]), 1.0)
            apart = abs(float(ankles[0, 0] - ankles[1, 0])) / height
            if np.all(hips[:, 2] >= STRIDE_MIN_CONF):
                wide = abs(float(hips[0, 0] - hips[1, 0])) / height
                apart = max(apart - wide, 0.0) if wide >= FACING_HIPS else apart
            self.stride += STRIDE_RATE * (apart - self.stride)
            self.spreads.append(apart)

    def striding(self) -> bool:
        return self.stride >= STRIDING

    def reach(self) -> float | None:
        """How far apart the ankles came in a fifth of the last ``REACH_FRAMES`` frames, in
        box heights (their 80th percentile), or None before that many: a stride shows in it
        however often the pose model puts both ankles on one foot. Without the refiner, which
        places only the runner's, it did so in half of a user trial's runner's frames, stepping
        on beside a coach (the moving average 0.06-0.13, the ankles 0.15 apart or more in 28%
        of the frames; the coach's 0.08). A fifth, not a tenth: a coach shifting their weight
        for 4 frames in 60 had taken the track from a runner (a review)."""
        spreads = self.spreads
        return float(np.percentile(spreads, 80)) if len(spreads) == spreads.maxlen else None

    def reaching(self) -> bool:
        """Whether the ankles reach ``STRIDING`` apart (``reach``)."""
        reach = self.reach()
        return reach is not None and reach >= STRIDING

    def standing(self) -> bool:
        """Whether the person neither strides (``striding``) nor reaches a stride
        (``reaching``): a runner's moving average dips under ``STRIDING`` (the rendered demo
        runner's to 0.13, one filmed 30 deg off square's to 0.12), their reach does not; a
        coach whose feet are out of the picture has neither."""
        return not self.striding() and not self.reaching()

    def score(self) -> float:
        area = float((self.box[2] - self.box[0]) * (self.box[3] - self.box[1]))
        # Legs on the move count squared: a standing coach at a third of the runner's distance
        # (nine times the area) still scores below a runner.
        legs = (0.05 + min(self.stride / (2.0 * STRIDING), 1.0)) ** 2
        return area * legs / (1.0 + 20.0 * self.drift()) * min(self.hits, 15)


class RunnerSelector:
    """Stateful choice of the runner, frame after frame.

    roi: (x, y, w, h) pixels or None. match_iou: overlap that continues a track.
    lost_after: frames without a match before a track is dropped.
    settle_frames: frames a track must last before the choice of runner sticks to it.
    """

    def __init__(
        self,
        roi: tuple[int, int, int, int] | None = None,
        match_iou: float = 0.3,
        lost_after: int = 15,
        settle_frames: int = 15,
    ) -> None:
        self.roi = roi
        self.match_iou = match_iou
        self.lost_after = lost_after
        self.settle_frames = settle_frames
        self._tracks: list[_Track] = []
        self._runner: _Track | None = None

    def select(self, detections: Detections) -> RunnerPose | None:
        """The runner's pose in this frame, or None when the runner is not in view."""
        keep = self._in_roi(detections.boxes)
        boxes = detections.boxes[keep]
        index = np.flatnonzero(keep)
        matched = self._associate(boxes, detections.keypoints[keep])
        established = (
            self._runner is not None
            and self._runner in self._tracks
            and self._runner.hits >= self.settle_frames
        )
        if self.may_pass_on():
            # The runner stands still; someone else strides on the spot, and has for a while.
            others = [
                t
                for t in self._tracks
                if t is not self._runner
                and t.missed == 0
                and not t.standing()
                and t.hits >= self.settle_frames
                and t.drift() < 0.5
            ]
            if others:
                self._runner = max(others, key=_Track.score)
        if not established:
            candidates = [t for t in self._tracks if t.missed == 0]
            self._runner = max(candidates, key=_Track.score) if candidates else None
        if self._runner is None or self._runner.missed > 0:
            return None
        i = index[matched[id(self._runner)]]
        return RunnerPose(
            keypoints=detections.keypoints[i],
            box=detections.boxes[i],
            score=float(detections.scores[i]),
        )

    def may_pass_on(self) -> bool:
        """Whether the person followed, for ``REACH_FRAMES`` (and ``settle_frames``) or more,
        stands (``_Track.standing``: a coach beside the belt who was there first, or a runner
        who stopped), so that the track may pass to someone else who strides (``select``). The
        finder then looks at the whole frame (``RunnerFinder``): its crop around the one
        followed had cut a user trial's runner, stepping on beside a coach, down to a leg, whose
        stride then never showed."""
        runner = self._runner
        # Not before their reach is read: a runner's first frames, their moving average still
        # rising, would read as standing.
        return (
            runner is not None
            and runner in self._tracks
            and runner.hits >= max(self.settle_frames, REACH_FRAMES)
            and runner.standing()
        )

    def _in_roi(self, boxes: np.ndarray) -> np.ndarray:
        if self.roi is None:
            return np.ones(len(boxes), dtype=bool)
        x, y, w, h = self.roi
        cx = (boxes[:, 0] + boxes[:, 2]) / 2
        cy = (boxes[:, 1] + boxes[:, 3]) / 2
        return (cx >= x) & (cx <= x + w) & (cy >= y) & (cy <= y + h)

    def _associate(self, boxes: np.ndarray, keypoints: np.ndarray) -> dict[int, int]:
        """Greedy IoU matching of tracks to boxes (with each person's keypoints); returns
        track id -> box row."""
        matched: dict[int, int] = {}
        free = np.ones(len(boxes), dtype=bool)
        # The runner's track matches first, so a passer-by overlapping them cannot take it.
        order = sorted(self._tracks, key=lambda t: (t is not self._runner, -t.score()))
        for track in order:
            overlaps = iou(track.box, boxes) if len(boxes) else np.zeros(0)
            overlaps[~free] = 0.0
            j = int(np.argmax(overlaps)) if len(overlaps) else -1
            if j >= 0 and overlaps[j] >= self.match_iou:
                free[j] = False
                matched[id(track)] = j
                track.update(boxes[j], keypoints[j])
            else:
                track.missed += 1
        self._tracks = [t for t in self._tracks if t.missed <= self.lost_after]
        for new in np.flatnonzero(free).tolist():
            track = _Track(box=boxes[new].copy(), anchor=_centre(boxes[new]))
            track.see_legs(keypoints[new])
            self._tracks.append(track)
            matched[id(track)] = new
        return matched


def _centre(box: np.ndarray) -> np.ndarray:
    return np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
