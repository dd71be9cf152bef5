"""Finds the runner frame after frame, looking at a crop that follows them once they are found.

A side-view runner fills only part of the frame, so at a small input size the full frame gives
them few pixels. Once the runner is found, the pose backend is given a crop around the space
their box has swept over the last ``history`` frames (a stride and a bit), with a margin, in the
shape of the backend's input (``PoseEstimator.aspect``): the runner then fills that input and a
small input size keeps the keypoint accuracy of a large one. A side-view runner's stride sweeps
a box about half as wide as tall (0.52 on the demo clip, 0.61 with the margins), so a portrait
input (320 high, 256 wide) holds them at the scale of a 320 square for a fifth less of the
model's work. The crop stays put while the runner does, so its scale does not jitter. The full
frame is looked at again, in the same frame, when the crop does not hold the runner: nobody
overlapping their last box, a weak detection, or a box touching an edge of the crop that is not
an edge of the image (they are moving out of it).

With a ``refiner`` (``edge.pose.refine``), the detection that continues the runner's last box
has its keypoints placed again by the top-down model, in ``look``, before the runner is chosen:
the first frames, before a runner is settled, keep the pose model's keypoints. ``settle`` then
marks a knee or ankle the refiner put onto its partner as not seen (``drop_collapsed``).

Looking (``look``) and settling (``settle``) are apart so a pipeline can look at two frames at
once on two threads: ``look`` only reads the crop planned so far, ``settle`` takes the looks in
frame order, chooses the runner and plans the next crop; it also counts the frames whose runner
has a foot outside the picture, or shows neither (``feet_outside``).
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from edge.pose.base import Detections, PoseEstimator, RunnerPose, StagedPoseEstimator
from edge.pose.refine import KeypointRefiner, drop_collapsed
from edge.pose.runner import RunnerSelector, iou
from edge.skeleton import KP, LEFT_HIP, RIGHT_HIP

Box = tuple[int, int, int, int]

MARGIN = 0.12
"""Crop margin on every side of the runner's swept box, as a fraction of its height."""
HISTORY = 45
"""Frames of runner boxes a crop covers: a stride and a bit at 60 fps."""
ANKLES = [KP["left_ankle"], KP["right_ankle"]]
"""The keypoints whose leaving the picture ``RunnerFinder.feet_outside`` counts."""
FEET_OUTSIDE = 0.1
"""The share of the runner's frames with a foot outside the picture that is told."""
FEET_MOSTLY_UNSEEN = 0.5
"""The share of them that, when no step was found, is why, said in place of the other reasons
(a user trial's webcam clip of a runner's head and shoulders had been given slow motion's); and
of a step's frames that makes its figures less sure (``feet_guessed``)."""
FEET_BEFORE_S = 0.1
"""How long before a step's landing its frames count for ``feet_guessed``: the landing is read
off the ankle's speed as it comes down."""
FILM_THE_FEET = "film the whole runner, feet and belt included"
"""What to do about feet not seen, wherever it is said."""
FEET_NOT_SEEN = f"no steps found: the feet were not seen (the note above); {FILM_THE_FEET}"
"""Why no step was found where the feet were mostly unseen (``FEET_MOSTLY_UNSEEN``), in place of
the slow-motion hint of no steps found (a user trial's webcam clip of a runner's head and
shoulders)."""
FEET_UNSEEN = 0.3
"""A frame whose ankles are both less sure than this shows no foot (a shot of the head and
trunk, a treadmill's side hiding the feet): it counts as one with a foot outside the picture.
With the refiner, no frame of the seven real clips of tests/data/footage had both ankles under
it; half the frames of a user trial's clip that showed the legs only after a cut."""


def feet_outside_message(share: float) -> str:
    """What to tell when a foot was outside the picture, or neither seen, in ``share`` of the
    runner's frames."""
    return (
        f"a foot was out of the picture, or neither was seen, in {share:.0%} of the frames with "
        "the runner: their landings and overstride there rest on where the pose model guesses "
        f"they are; {FILM_THE_FEET}"
    )


class FramingWatch:
    """Tells, once, when a live runner's feet keep leaving the picture: a foot outside it in
    ``FEET_OUTSIDE`` or more of the last ``window`` frames with the runner, at least
    ``least`` of them seen; told again only after the share has fallen to half of that."""

    def __init__(self, window: int = 600, least: int = 120) -> None:
        self._seen: deque[bool] = deque(maxlen=window)
        self._outside = 0
        """How many of ``_seen`` had a foot outside, kept as frames come and go."""
        self._least = least
        self.problem: str | None = None
        """The message told, until the share has fallen to half; None meanwhile."""

    def update(self, runner: bool, foot_outside: bool) -> str | None:
        """One frame; the message to tell now, or None."""
        if not runner:
            return None
        seen = self._seen
        if len(seen) == seen.maxlen:
            self._outside -= seen[0]
        seen.append(foot_outside)
        self._outside += foot_outside
        if len(seen) < self._least:
            return None
        share = self._outside / len(seen)
        if self.problem is not None:
            if share < FEET_OUTSIDE / 2:
                self.problem = None
            return None
        if share < FEET_OUTSIDE:
            return None
        self.problem = feet_outside_message(share)
        return self.problem


@dataclass(frozen=True, slots=True)
class Look:
    """What the backend found in one frame, in full-frame pixels.

    crop: the (x, y, w, h) region it looked at, or None for the full frame.
    redetected: the crop did not hold the runner, so the full frame was looked at as well.
    """

    detections: Detections
    crop: Box | None
    redetected: bool


Plan = tuple[tuple[Box, np.ndarray] | None, np.ndarray | None]
"""What a look is planned with: the crop and the runner's box it expects there (None: the full
frame), and the runner's last box (None: none yet)."""
NO_PLAN: Plan = (None, None)
"""The plan before any frame: the full frame, no runner expected."""


class RunnerFinder:
    """The pose backend and the runner's choice, with or without the following crop.

    margin: added around the swept box on every side, as a fraction of its height.
    history: frames of runner boxes the crop covers. min_score: a runner detection weaker than
    this in the crop sends the finder back to the full frame. timed: called with each stage's
    name ("preprocess", "inference", "postprocess", and "refine" with a ``refiner``) and
    seconds, for backends made of stages.
    """

    def __init__(
        self,
        estimator: PoseEstimator,
        selector: RunnerSelector,
        crop: bool = True,
        margin: float = MARGIN,
        history: int = HISTORY,
        min_score: float = 0.5,
        timed: Callable[[str, float], None] | None = None,
        refiner: KeypointRefiner | None = None,
    ) -> None:
        self.estimator = estimator
        self.refiner = refiner
        self.selector = selector
        self.crop_enabled = crop
        self.margin = margin
        self.min_score = min_score
        self._timed = timed
        self._boxes: deque[np.ndarray] = deque(maxlen=history)
        # (crop, runner's last box): replaced whole, so a look on another thread reads a pair.
        self._plan: tuple[Box, np.ndarray] | None = None
        self._runner_box: np.ndarray | None = None
        # The runner's keypoints of the frame before, as the backend and refiner gave them.
        self._seen: np.ndarray | None = None
        self._lock = threading.Lock()
        self.looks = 0
        self.full_frame_looks = 0
        self.feet_outside = 0
        """Frames whose runner had a foot (ankle) outside the picture or on its edge: analyze
        reads it (``AnalysisResult.feet_notice``)."""

    @property
    def plan(self) -> Plan:
        """The plan the next look is given by default (``look``)."""
        return self._plan, self._runner_box

    @property
    def crop(self) -> Box | None:
        """The region the next look will be given, or None for the full frame."""
        plan = self._plan
        return None if plan is None else plan[0]

    def find(self, image: np.ndarray) -> RunnerPose | None:
        """The runner in this frame (frames given in order), or None when not in view."""
        return self.settle(self.look(image), image.shape)

    def look(self, image: np.ndarray, planned: Plan | None = None) -> Look:
        """Run the backend on the planned crop, or on the full frame, and the refiner on the
        runner. Safe from two threads. ``planned``: the plan to look by (``plan`` as read after
        an earlier frame), else the plan now."""
        plan, runner_box = self.plan if planned is None else planned
        if plan is None:
            self._count(full=True)
            return Look(self._refined(image, self._infer(image), runner_box), None, False)
        crop, expected = plan
        x, y, w, h = crop
        found = _shifted(self._infer(image[y : y + h, x : x + w]), x, y)
        if self._holds(found, crop, expected, image.shape):
            self._count(full=False)
            return Look(self._refined(image, found, runner_box), crop, redetected=False)
        self._count(full=True)
        return Look(self._refined(image, self._infer(image), runner_box), None, True)

    def settle(self, look: Look, image_shape: tuple[int, ...]) -> RunnerPose | None:
        """Choose the runner from a look (looks given in frame order) and plan the next crop."""
        runner = self.selector.select(look.detections)
        if runner is None:
            self._boxes.clear()
            self._plan = None
            self._runner_box = None
            self._seen = None
            return runner
        if self.refiner is not None:
            seen = runner.keypoints
            runner = replace(runner, keypoints=drop_collapsed(seen, self._seen))
            self._seen = seen
        self.feet_outside += bool(feet_out(runner.keypoints, image_shape))
        last = self._runner_box
        if last is not None and iou(last, runner.box[None])[0] < self.selector.match_iou:
            # Another person took the track (``RunnerSelector.may_pass_on``): the crop follows
            # them alone, not the boxes of the one followed before (a review's crop had spanned
            # both, nearly the whole frame, for a second and a half).
            self._boxes.clear()
        self._runner_box = runner.box
        self._boxes.append(runner.box)
        # Not while the track may pass to someone else: the crop around the one followed would
        # cut a runner stepping on beside them, who could then never take it (a user trial's
        # coach, beside the belt before the runner, was followed through 30 s of running).
        roi = self.selector.roi
        if self.crop_enabled and not self.selector.may_pass_on():
            self._plan = (
                crop_around(np.stack(self._boxes), self.margin, image_shape, self.estimator.aspect),
                runner.box,
            )
        elif self.crop_enabled and roi is not None:
            # The whole region of interest, where anyone who may take the track stands.
            x, y, w, h = roi
            region = np.array([[x, y, x + w, y + h]], dtype=float)
            self._plan = (crop_around(region, 0.0, image_shape, self.estimator.aspect), runner.box)
        else:
            self._plan = None
        return runner

    def _infer(self, image: np.ndarray) -> Detections:
        estimator = self.estimator
        timed = self._timed
        if timed is None or not isinstance(estimator, StagedPoseEstimator):
            return estimator.infer(image)
        clock = time.perf_counter
        started = clock()
        tensor, meta = estimator.preprocess(image)
        prepared = clock()
        raw = estimator.forward(tensor)
        inferred = clock()
        found = estimator.postprocess(raw, meta)
        timed("preprocess", prepared - started)
        timed("inference", inferred - prepared)
        timed("postprocess", clock() - inferred)
        return found

    def _refined(
        self, image: np.ndarray, found: Detections, runner_box: np.ndarray | None
    ) -> Detections:
        """``found`` with the keypoints of the detection that continues ``runner_box`` placed
        again by the refiner; as it is without a refiner, a runner or such a detection."""
        if self.refiner is None or runner_box is None or len(found) == 0:
            return found
        overlaps = iou(runner_box, found.boxes)
        best = int(np.argmax(overlaps))
        if overlaps[best] < self.selector.match_iou:
            return found
        started = time.perf_counter()
        refined = self.refiner.refine(image, found.keypoints[best])
        if self._timed is not None:
            self._timed("refine", time.perf_counter() - started)
        if refined is None:
            return found
        keypoints = found.keypoints.copy()
        keypoints[best] = refined
        return Detections(keypoints, found.boxes, found.scores)

    def _count(self, full: bool) -> None:
        with self._lock:
            self.looks += 1
            self.full_frame_looks += full

    def _holds(
        self, found: Detections, crop: Box, expected: np.ndarray, shape: tuple[int, ...]
    ) -> bool:
        if len(found) == 0:
            return False
        overlaps = iou(expected, found.boxes)
        best = int(np.argmax(overlaps))
        if overlaps[best] < self.selector.match_iou or found.scores[best] < self.min_score:
            return False
        return not _touches_inner_edge(found.boxes[best], crop, shape)


def crop_around(
    boxes: np.ndarray, margin: float, shape: tuple[int, ...], aspect: float = 1.0
) -> Box:
    """The crop (x, y, w, h) around the space ``boxes`` ((K, 4) x1, y1, x2, y2 pixels) sweep,
    ``margin`` times their height added on every side, widened or heightened to ``aspect``
    (width / height) and kept inside a frame of ``shape`` (height, width, ...); where the frame
    is too small for it, as much of it as the frame holds."""
    x1, y1 = boxes[:, 0].min(), boxes[:, 1].min()
    x2, y2 = boxes[:, 2].max(), boxes[:, 3].max()
    pad = margin * (y2 - y1)
    w, h = x2 - x1 + 2 * pad, y2 - y1 + 2 * pad
    w, h = max(w, h * aspect), max(h, w / aspect)
    height, width = shape[0], shape[1]
    w, h = int(min(np.ceil(w), width)), int(min(np.ceil(h), height))
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    x = int(np.clip(round(cx - w / 2), 0, width - w))
    y = int(np.clip(round(cy - h / 2), 0, height - h))
    return x, y, w, h


def feet_out(keypoints: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Whether a runner (keypoints (..., 17, 3): one frame's, or a track's) had a foot outside a
    picture of ``shape`` (height, width, ...), or showed neither (both ankles less sure than
    ``FEET_UNSEEN``): (...) bool. A track's frames without a runner (every keypoint at
    confidence 0) are not."""
    ankles = keypoints[..., ANKLES, :]
    out = outside_picture(ankles, shape).any(axis=-1) | (ankles[..., 2] < FEET_UNSEEN).all(axis=-1)
    return np.asarray(out & (keypoints[..., 2] > 0).any(axis=-1))


def feet_share(keypoints: np.ndarray, shape: tuple[int, ...]) -> float:
    """The share of a track's frames with a runner (keypoints (T, 17, 3)) whose runner had a
    foot outside a picture of ``shape`` or showed neither (``feet_out``); 0 without a runner."""
    runner = int((keypoints[..., 2] > 0).any(axis=-1).sum())
    return float(feet_out(keypoints, shape).sum()) / runner if runner else 0.0


def hips_outside(keypoints: np.ndarray, shape: tuple[int, ...]) -> float:
    """The share of a track's hip keypoints (keypoints (T, 17, 3)) found that lie outside a
    picture of ``shape`` (``outside_picture``): a picture size that is not the track's (a width
    and height swapped) puts most of them out; 0 without any."""
    hips = keypoints[:, [LEFT_HIP, RIGHT_HIP]]
    found = hips[..., 2] > 0
    return float(outside_picture(hips[found], shape).mean()) if found.any() else 0.0


def feet_notice(share: float) -> str | None:
    """What to tell when a runner's feet were out of the picture, or unseen, in ``share`` of
    the frames with them (``feet_outside_message``), from ``FEET_OUTSIDE`` on; else None."""
    return feet_outside_message(share) if share >= FEET_OUTSIDE else None


def feet_guessed(
    times: Sequence[float], out_times: Sequence[float], ic_t: float, to_t: float
) -> bool:
    """Whether a runner's feet were out of the picture, or neither seen (``feet_out``), in
    ``FEET_MOSTLY_UNSEEN`` or more of the frames measured from ``FEET_BEFORE_S`` before a step's
    landing (``ic_t``) to its toe-off (``to_t``): its events and the figures at them rest on
    where the pose model guesses the feet are. ``times``: the frames measured, s, increasing;
    ``out_times``: those of them with the feet so, increasing. A user trial's treadmill clip, the
    feet hidden by its side in 87% of the frames, had the console coach "Quicker, lighter steps"
    at 148 steps a minute, shown as sure, its runner at about 160."""
    first, last = ic_t - FEET_BEFORE_S, to_t
    frames = bisect_right(times, last) - bisect_left(times, first)
    out = bisect_right(out_times, last) - bisect_left(out_times, first)
    return frames > 0 and out >= FEET_MOSTLY_UNSEEN * frames


def outside_picture(keypoints: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Which of ``keypoints`` (..., 3) lie outside a frame of ``shape`` (height, width, ...), or
    on its edge: (...) bool. A foot the frame's edge cuts off is still placed, about as surely
    as one in view: by the refiner where it guesses it is, beyond the edge, by the pose model
    on the edge (it clamps its keypoints to the picture). Those guesses are kept, the steps
    mostly timed from them rated less sure (``feet_guessed``): on a real clip with the feet cut
    off at every landing they found every contact and timed the landings within 12 ms of the
    hand marks, where leaving them out left over half the contacts to be placed by rhythm
    (docs/analyze.md)."""
    height, width = shape[0], shape[1]
    x, y = keypoints[..., 0], keypoints[..., 1]
    return np.asarray((x <= 0) | (x >= width - 1) | (y <= 0) | (y >= height - 1))


#: a box closer than this to an inner edge of the crop, in pixels, is leaving it
EDGE_PX = 2.0


def _touches_inner_edge(box: np.ndarray, crop: Box, shape: tuple[int, ...]) -> bool:
    x, y, w, h = crop
    height, width = shape[0], shape[1]
    return bool(
        (x > 0 and box[0] <= x + EDGE_PX)
        or (y > 0 and box[1] <= y + EDGE_PX)
        or (x + w < width and box[2] >= x + w - EDGE_PX)
        or (y + h < height and box[3] >= y + h - EDGE_PX)
    )


def _shifted(found: Detections, x: int, y: int) -> Detections:
    """Detections in a crop at (x, y), moved to full-frame pixels."""
    if len(found) == 0 or (x == 0 and y == 0):
        return found
    keypoints = found.keypoints.copy()
    keypoints[:, :, 0] += x
    keypoints[:, :, 1] += y
    boxes = found.boxes + np.array([x, y, x, y], np.float32)
    return Detections(keypoints, boxes, found.scores)
