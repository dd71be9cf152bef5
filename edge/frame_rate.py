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
        self.since = math.inf
        """Since when the frames have come too few a second, without a break (inf: they do
        not)."""
        self.untimed = False
        """Whether they have for ``UNTIMED_HOLD_S`` or more, at the last frame pushed."""

    def push(self, t: float) -> bool:
        """Count a frame at ``t`` (one not later than the last is not counted again); whether
        steps are untimed now (``untimed``)."""
        if not self.times or t > self.times[-1]:
            self.times.append(t)
        if not timed_roughly(self.times, t):
            self.since = math.inf
        elif math.isinf(self.since):
            self.since = t
        self.untimed = t - self.since >= UNTIMED_HOLD_S
        return self.untimed
