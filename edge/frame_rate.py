"""The frame rates the gait engine is built for, and whether a step was timed from enough frames:
one rule for a video's time base (``edge.capture.timebase``), the engine, which hands out no step
timed from too few (``edge.gait.engine``), and the station's notice of them
(``edge.run.station.RateWatch``). Imports nothing, so the engine takes it without the capture's
OpenCV."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Sequence
from typing import Literal

#: frame rates the gait engine is built for (issue 18): a capture rate stated by the user or
#: the file must be at least the first; one above the second is thinned (``TimeBase.every``)
ENGINE_FPS = (24.0, 240.0)
#: a capture rate within this fraction of the playback rate is the same rate: phones state 30
#: for a recording that plays at 29.97
SAME_RATE = 0.05
#: the fewest frames a second steps are timed from: the engine's least, less ``SAME_RATE``
LEAST_FPS = ENGINE_FPS[0] * (1 - SAME_RATE)
#: how far back from a step's toe-off its frames are counted (``timed_roughly``), s
ROUGH_SPAN_S = 2.0
#: a picture held longer than this, s, is held still (a title, a paused camera): no lower frame
#: rate, which holds each picture for a fraction of that (a fifth of a second at 5 fps)
HELD_S = 0.25
#: seconds the frames must come too few a second, without a break, before steps are untimed
#: (``UntimedClock``): a stride or so. A camera at 25 a second losing 2-4% of its frames at
#: random dips under the rate once or twice a minute for a moment, and a stall of 0.3 s does too
#: (a review)
UNTIMED_HOLD_S = 0.5


def timed_roughly(times: Sequence[float], to_t: float, span_s: float = ROUGH_SPAN_S) -> bool:
    """Whether the frames measured (``times``, s, increasing) over the ``span_s`` up to a
    step's toe-off (``to_t``) came fewer than ``LEAST_FPS`` a second, a frame to spare: a camera
    short of light, a station that cannot keep up, a console dropping a file's frames, or a
    track recorded so. Over 2 s by default: over a step's own 0.6 s alone, a review found a 24
    fps camera losing one frame in 100 with 12% of its steps so; the engine counts a step's own
    frames too (``span_s`` its own), which catch a slow stretch begun less than 2 s before.
    The frame to spare is one over the whole span, also where the frames do not reach back so
    far (a camera's first second: a frame to spare over it let a 22 fps camera's first steps
    through). Counted from the last
    pause (``HELD_S``: a camera's stall, a picture held still, a runner seen once before one):
    the frames before it tell nothing of the rate about the step, and had held the steps of
    the 2 s after any stall back; a frame a pause after the one before is timed roughly."""
    first, stop = bisect_left(times, to_t - span_s), bisect_right(times, to_t)
    if stop - first < 2:
        return False
    if times[stop - 1] - times[stop - 2] > HELD_S:
        return True
    start = stop - 2
    while start > first and times[start] - times[start - 1] <= HELD_S:
        start -= 1
    if times[stop - 1] <= times[start]:
        return False
    rate = (stop - start - 1) / (times[stop - 1] - times[start])
    return rate + 1 / span_s < LEAST_FPS


class UntimedClock:
    """Whether the frames pushed (their times, s, increasing) have come too few a second to
    time steps (``timed_roughly``) for ``UNTIMED_HOLD_S`` or more without a break: one rule for
    the gait engine, which then tells no mode and forgets the gait, and for the station's frames
    held before an engine starts (one stall there had been recorded as a stretch of too few).
    ``times``: the last ``capacity`` frames' times."""

    def __init__(self, capacity: int) -> None:
        self.times: deque[float] = deque(maxlen=capacity)
        self._rough_t = math.inf
        """Since when the 2 s up to each frame have held too few, without a break."""
        self.since = math.inf
        """Where those frames began to come too few a second (``slow_from``; inf: they do
        not)."""
        self.untimed = False
        """Whether they have for ``UNTIMED_HOLD_S`` or more, at the last frame pushed."""

    def push(self, t: float) -> bool:
        """Count a frame at ``t`` (one not later than the last is not counted again); whether
        steps are untimed now (``untimed``)."""
        if not self.times or t > self.times[-1]:
            self.times.append(t)
        if not timed_roughly(self.times, t):
            self._rough_t = self.since = math.inf
        elif math.isinf(self._rough_t):
            self._rough_t, self.since = t, slow_from(self.times, t)
        self.untimed = t - self._rough_t >= UNTIMED_HOLD_S
        return self.untimed


def slow_from(times: Sequence[float], to_t: float, span_s: float = ROUGH_SPAN_S) -> float:
    """Where the frames up to ``to_t`` (``times``, s, increasing) began to come too few a second:
    of the frames in the ``span_s`` before, since the last pause (``HELD_S``), the one from
    which they came fewest a second, a frame to spare over the span from it, as
    ``timed_roughly`` counts them; ``to_t`` where they came enough from each. Counted over the
    2 s, a camera at 60 a second slowed to 15 is told so 1.7 s into it (a user trial's station
    recorded a 3 s stretch from 1.7 s in, and its report said the runner stood)."""
    first, stop = bisect_left(times, to_t - span_s), bisect_right(times, to_t)
    last = stop - 1
    start = last
    while start > first and times[start] - times[start - 1] <= HELD_S:
        start -= 1
    fewest, when = math.inf, to_t
    for k in range(start, last):
        rate = (last - k) / (times[last] - times[k]) + 1 / (to_t - times[k])
        if rate < fewest:
            fewest, when = rate, float(times[k])
    return when if fewest < LEAST_FPS else to_t


class UntimedLog:
    """The stretches where steps went untimed, told frame by frame (``tell``: where the steps
    stopped being timed, ``GaitEngine.untimed_since``, or None once they are timed again): one
    opens there, moves where that is found to be (a step handed out later), never over the one
    before, and ends at the frame steps are timed again. One rule for the store's record of a
    session and a file's summary at its end (which had said "standing or off the belt" where
    the session's report said the steps were not timed: a user trial)."""

    def __init__(self) -> None:
        self.closed: list[tuple[float, float]] = []
        self.start: float | None = None
        """Where the stretch still going began (None: none goes)."""
        self._ended = -math.inf

    def tell(self, since: float | None, t: float) -> Literal["open", "move", "end"] | None:
        """The steps untimed from ``since`` (None: timed) at the frame at ``t``; what changed."""
        since = self._clamped(since)
        if since == self.start:
            return None
        if since is None:
            assert self.start is not None
            self.closed.append((self.start, t))
            self.start, self._ended = None, t
            return "end"
        change: Literal["open", "move"] = "open" if self.start is None else "move"
        self.start = since
        return change

    def unchanged(self, since: float | None) -> bool:
        """Whether telling ``since`` would change nothing (asked every frame, without a lock)."""
        return self._clamped(since) == self.start

    def _clamped(self, since: float | None) -> float | None:
        """``since``, not before the end of the stretch before."""
        return since if since is None else max(since, self._ended)

    def stretches(self, end: float = math.inf) -> list[tuple[float, float]]:
        """Every stretch, in time order, one still going ending at ``end``."""
        return [*self.closed, *([(self.start, end)] if self.start is not None else [])]
