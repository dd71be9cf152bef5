"""Where a video cuts from one shot to another and the runner jumps with it.

A frame that changes most of the picture at once may cut from one shot to another
(``edge.capture.repeats.FrameScan.cuts``); the runner either side of it tells whether it joins
two moments, or two runners (``jumps_across``), or was the light or the camera. ``hipdrive
analyze`` refuses such a video (``edge.offline.analyze.check_cuts``); ``hipdrive run`` on a file
ends its run at the first (``CutWatch``), or at the last of cuts with nobody found between them.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Generic, TypeGuard, TypeVar

import numpy as np

from edge.capture.repeats import PictureCut
from edge.gait.rhythm import sure_points
from edge.report.draw import mid_hip, trunk
from edge.skeleton import KP

#: seconds either side of a cut in which a runner in view makes it join two runs (the runner
#: finder took 0.5 s to find the runner of a new shot in a user trial's two clips joined)
CUT_RUNNER_S = 2.0

#: a runner whose mid-hip moves further than this share of their leg's length from one frame
#: to the next, or whose body (shoulders to hips to the longer leg's ankle; the leg where the
#: shoulders are not seen) grows or shrinks by more than ``JUMP_SCALE`` times, jumped: at 7 m/s
#: and 24 fps the hips move 0.3 leg lengths a frame. A leg alone changes nearly that much as it
#: bends: a user trial's runner filmed from the front, 1.34 times nearer after a cut by the
#: body (1.43 by the trunk), was 1.29 times by the leg, and within one shot 1.27 (the body
#: 1.18). The trunk alone missed a walker's cut from a close-up (1.28 by the trunk, 1.59 by
#: the leg).
JUMP_LEGS = 0.5
JUMP_SCALE = 1.3
#: ... or whose trunk turns further than this, degrees: a runner's leans 5-20 deg from upright,
#: and a user trial's cut from a standing lunge to lying on the floor turned it some 80 deg
#: where the size held (1.08 times) and the hips moved 0.3 legs
JUMP_TURN_DEG = 45.0
#: how far the runner must move, in leg lengths, across a smaller change of the picture
#: (``jumps_across``), from the frame before to the frame of it (half a leg more for each frame
#: between, where the runner was not found): a camera knocked on its stand moves a runner far
#: from it half a leg
WEAK_JUMP_LEGS = 1.0
#: how far either side of a smaller change the runner is looked for, s
WEAK_NEAR_S = 0.1


def runner_jumps(before: np.ndarray, after: np.ndarray, move: float) -> bool:
    """Whether the runner's keypoints ((17, 3) pixels and confidence) jump from ``before`` to
    ``after``: their mid-hip by more than ``move`` leg lengths, their size by more than
    ``JUMP_SCALE`` times, or their trunk by more than ``JUMP_TURN_DEG``; False when either frame
    lacks the hips or a leg."""
    hips = [mid_hip(kp) for kp in (before, after)]
    legs = [_leg_px(kp) for kp in (before, after)]
    if hips[0] is None or hips[1] is None or not (np.all(np.isfinite(legs)) and min(legs) > 0):
        return False
    moved = float(np.linalg.norm(hips[1] - hips[0])) / legs[0]
    first, second = trunk(before), trunk(after)
    if first is None or second is None:
        return moved > move or max(legs) / min(legs) > JUMP_SCALE
    sizes = [float(np.hypot(*first)) + legs[0], float(np.hypot(*second)) + legs[1]]
    across = float(first[0] * second[1] - first[1] * second[0])
    turn = abs(math.degrees(math.atan2(across, float(first @ second))))
    return moved > move or max(sizes) / min(sizes) > JUMP_SCALE or turn > JUMP_TURN_DEG


def measured(keypoints: np.ndarray | None) -> TypeGuard[np.ndarray]:
    """Whether a frame's runner (None: not found) has the hips and a whole leg the pose model is
    sure of, to be held against another frame's (``runner_jumps``): a user trial's cuts to
    close-ups had been judged by legs guessed at confidence 0.01-0.2."""
    return (
        keypoints is not None
        and mid_hip(keypoints) is not None
        and bool(np.isfinite(_leg_px(keypoints)))
    )


def _leg_px(keypoints: np.ndarray) -> float:
    """The longer leg's hip to knee to ankle, pixels, of the points the pose model is sure of
    (``sure_points``); NaN when neither leg is whole."""
    points = sure_points(keypoints[np.newaxis])[0]
    legs = []
    for side in ("left", "right"):
        hip, knee, ankle = (points[KP[f"{side}_{j}"]] for j in ("hip", "knee", "ankle"))
        legs.append(float(np.linalg.norm(knee - hip) + np.linalg.norm(ankle - knee)))
    return float(np.nanmax(legs)) if np.isfinite(legs).any() else math.nan


def reach_frames(sure: bool, fps: float) -> int:
    """How many frames either side of a cut the runner is looked for: ``CUT_RUNNER_S`` across a
    cut beyond doubt (a new shot's runner found late), ``WEAK_NEAR_S`` across a smaller change."""
    return max(1, round((CUT_RUNNER_S if sure else WEAK_NEAR_S) * fps))


def jumps_across(before: tuple[int, np.ndarray], after: tuple[int, np.ndarray], sure: bool) -> bool:
    """Whether the runner jumps across a cut (``sure``: beyond doubt): ``before`` and ``after``
    are the runner nearest it on either side (``measured``) with their positions in the frames
    read. Across a cut beyond doubt, ``JUMP_LEGS``; across a smaller change of the picture, which
    may be the light or the camera, ``WEAK_JUMP_LEGS`` and half a leg for each frame between (a
    runner crossing the picture, missed for a frame about it, had moved more than half a leg; a
    camera knocked on its stand moves a far runner as far)."""
    (i, first), (j, second) = before, after
    move = JUMP_LEGS if sure else WEAK_JUMP_LEGS + JUMP_LEGS * (j - i - 1)
    return runner_jumps(first, second, move)


T = TypeVar("T")


class CutWatch(Generic[T]):
    """A file's cuts (``FrameSource.cuts``) watched as its frames come, for a run, as analyze
    judges them (``edge.offline.analyze.check_cuts``): from a cut on the frames are held back
    until a runner is found (``measured``) within ``reach_frames`` of it, and that runner held
    against the last one within as many frames before it (``jumps_across``). Where the runner
    jumps, ``jump`` is that cut and no frame from it on goes further: steps across it would join
    two moments, or two runners. Where not, or where no runner comes within reach, the frames
    held go on in order. A cut with no runner before it (a title, a black lead-in) holds
    nothing, but where an earlier cut beyond doubt had one before it and nobody has been found
    since (a black gap, a title between two clips), this one, beyond doubt, is judged with that
    runner, and the shot before it ends at the earlier cut (``ended``).

    Frames are counted in frames read, as analyze counts them (``PictureCut.every``). A run is
    given a file's new frames only: the frames it leaves out (repeats, a picture held still)
    show the picture of the frame before them, so a runner found in a frame is taken as seen
    until the next frame given, as analyze sees them there. A frame a console drops, being late
    for it, is taken so too."""

    def __init__(self, cuts: tuple[PictureCut, ...]) -> None:
        self._cuts = deque(sorted(cuts, key=lambda cut: cut.index))
        self._every = cuts[0].every if cuts else 1
        self._last: tuple[int, np.ndarray] | None = None
        """The last runner found, and the last frame read that showed them."""
        self._showing = False
        """Whether the last frame given showed ``_last``'s runner."""
        self._pending: list[tuple[PictureCut, tuple[int, np.ndarray], PictureCut]] = []
        """The cuts waiting for a runner after them: each with the runner before it, and the cut
        that ended that runner's shot (itself, or the first of a gap)."""
        self._gap: tuple[PictureCut, tuple[int, np.ndarray]] | None = None
        """A cut beyond doubt no runner came after, with the runner before it, while nobody has
        been found since."""
        self._held: list[tuple[int, T]] = []
        self.first: int | None = None
        """The file position of the first frame given: where the run began."""
        self.jump: PictureCut | None = None
        self.ended: PictureCut | None = None
        """Where the shot before ``jump`` ended: that cut, or the first of a gap before it."""

    def frame(self, index: int, runner: np.ndarray | None, item: T) -> list[T]:
        """The next frame (file position ``index``; the runner's (17, 3) keypoints, None where
        not found) and what goes on with it (``item``): the items to go on now, in order."""
        if self.first is None:
            self.first = index
        if self.jump is not None:
            return []
        if not self._pending and not self._cuts:
            return [item]
        at = index // self._every
        if self._showing and self._last is not None:
            self._last = (at - 1, self._last[1])
        # A cut is judged by the first runner found within its reach after it, if any (those
        # past it first: a gap's frames held still are left out, a later cut the next given).
        self._expire(at, 0)
        while self._cuts and self._cuts[0].index <= index:
            cut = self._cuts.popleft()
            gap = self._gap or next(((e, b) for c, b, e in self._pending if c.sure), None)
            if cut.sure and gap is not None:
                # Nobody found since a cut beyond doubt, still waiting or past its reach: the
                # runner's shot ended there.
                self._pending.append((cut, gap[1], gap[0]))
            elif self._last is not None and -self._after(cut, self._last[0]) <= self._reach(cut):
                self._pending.append((cut, self._last, cut))
        if self._pending:
            self._held.append((at, item))
        seen = runner if measured(runner) else None
        self._showing = seen is not None
        if seen is not None:
            self._gap = None
            jumped = [
                (cut, ended)
                for cut, before, ended in self._pending
                if jumps_across(before, (at, seen), cut.sure)
            ]
            if jumped:
                # Nobody was found between the cuts waiting: the shot before ended at the first
                # the runner jumps with (or its gap's), this one began at the last. The frames
                # held from before that are the cuts' between, and join nothing.
                self.jump = jumped[-1][0]
                self.ended = min((ended for _, ended in jumped), key=lambda cut: cut.index)
                begins = self.jump.index // self._every
                out = [held for where, held in self._held if where < begins]
                self._pending, self._held = [], []
                return out
            self._pending = []
            self._last = (at, seen)
        else:
            # Those a later frame may still judge.
            self._expire(at, 1)
        if self._pending:
            return []
        return self.rest() or [item]

    @property
    def holding(self) -> bool:
        """Whether frames are held back, a cut waiting for its runner: they go on later, at
        their earlier times."""
        return bool(self._held)

    def rest(self) -> list[T]:
        """The items held, to go on now: all of them once no cut is pending, and when the file
        ends with one pending (no runner came after it, so it joins nothing); none after a
        jump."""
        out, self._held, self._pending = [held for _, held in self._held], [], []
        return out

    def _expire(self, at: int, ahead: int) -> None:
        """Leaves the pending cuts whose reach ends ``ahead`` frames after the frame read at
        ``at``; the last such cut beyond doubt, no runner found after it, may begin a gap."""
        for cut, before, ended in self._pending:
            if cut.sure and self._after(cut, at) + ahead >= self._reach(cut):
                self._gap = (ended, before)
        self._pending = [
            p for p in self._pending if self._after(p[0], at) + ahead < self._reach(p[0])
        ]

    def _after(self, cut: PictureCut, at: int) -> int:
        """Frames read from ``cut`` to the frame read at ``at``: negative before it."""
        return at - cut.index // self._every

    @staticmethod
    def _reach(cut: PictureCut) -> int:
        return reach_frames(cut.sure, cut.read_fps)
