"""Whether a step was timed from enough frames a second (``edge.frame_rate``)."""

from __future__ import annotations

import pytest

from edge.frame_rate import slow_from, timed_roughly


@pytest.mark.parametrize("frames", range(3, 60))
def test_too_few_frames_a_second_are_told_from_the_first_second(frames: int) -> None:
    """A camera at 22 frames a second is told from its first frames, as over 2 s of them; one
    at 24 never: a frame to spare over its first second had let a 22 fps camera's first steps
    through (its 28 first frames read 22.8 a second and more)."""
    slow = [k / 22.0 for k in range(frames)]
    enough = [k / 24.0 for k in range(frames)]
    assert timed_roughly(slow, slow[-1])
    assert not timed_roughly(enough, enough[-1])


def test_a_camera_at_the_least_rate_losing_a_frame_now_and_then_is_not_told() -> None:
    """24 frames a second losing one in 48: no step about it is timed from too few."""
    times = [k / 24.0 for k in range(24 * 9) if k % 48 != 47]
    assert not any(timed_roughly(times, t) for t in times)


def test_frames_after_a_pause_are_counted_from_it() -> None:
    """A runner seen once, then not for almost half a second, then at 30 frames a second; a
    camera's stall of a second among 30 a second: the frames after the pause are counted from
    it, not held back for the 2 s after it (the engine had dropped every step there). A frame
    a pause after the one before is timed roughly, and so is every frame of a camera giving 3
    a second, each a pause after the last."""
    lone = [0.0, *(0.47 + k / 30.0 for k in range(60))]
    assert timed_roughly(lone, lone[1])
    assert not any(timed_roughly(lone, t) for t in lone[3:])
    stall = [k / 30.0 for k in range(60)] + [3.0 + k / 30.0 for k in range(60)]
    assert timed_roughly(stall, stall[60])
    assert not any(timed_roughly(stall, t) for t in stall[61:])
    three = [k / 3.0 for k in range(20)]
    assert all(timed_roughly(three, t) for t in three[1:])


def test_a_frame_is_spared_over_the_span() -> None:
    """22.5 frames a second over 2 s, a frame short of 23, is enough; 21.5 is not; over a step's
    own 0.6 s the frame spared is one in 0.6 s (a review found the frame to spare untested)."""
    almost = [k / 22.5 for k in range(60)]
    assert not timed_roughly(almost, almost[-1])
    assert timed_roughly(almost, almost[-1], 0.6) is False
    few = [k / 21.5 for k in range(60)]
    assert not timed_roughly(few, few[-1], 0.6) and timed_roughly(few, few[-1])


@pytest.mark.parametrize(
    ("fast", "slow"), [(60.0, 15.0), (30.0, 15.0), (60.0, 20.0), (240.0, 12.0)]
)
def test_the_slow_frames_are_found_where_they_began(fast: float, slow: float) -> None:
    """A camera at ``fast`` frames a second slowed to ``slow`` from 6 s: at each frame from the
    one the 2 s before first hold too few, while they reach back to 6 s, the frames are found
    too few from 6 s, within a slow frame (the 2 s had told it 1.2-1.9 s in, and a session's
    report called the gap a stand); where they come enough, from nowhere."""
    times = [k / fast for k in range(int(6.0 * fast))] + [6.0 + k / slow for k in range(60)]
    told = [t for t in times if timed_roughly(times, t)]
    assert told and told[0] > 7.0
    for t in [t for t in told if t < 8.0]:  # the 2 s before still reach 6 s
        assert 6.0 - 1.0 / fast <= slow_from(times, t) <= 6.0 + 1.0 / slow
    assert slow_from(times, 5.0) == 5.0
