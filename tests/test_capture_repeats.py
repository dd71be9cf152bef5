"""Frames that repeat the one before (``edge.capture.repeats``): told from new frames by how
little they change, and the new frames timed at the rate they came at."""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from edge.capture import CaptureSettings, open_source
from edge.capture.file import NewFramesOnly
from edge.capture.repeats import (
    ChangeMeter,
    FrameScan,
    PictureCut,
    check_new_frames,
    distinct_fps,
    distinct_times,
    frame_kinds,
    held_notice,
    new_frames,
    slow_notice,
    slow_stretches,
)
from edge.capture.timebase import FileTiming, TimeBase
from edge.errors import UsageError
from edge.offline.analyze import check_cuts
from edge.offline.cuts import CutWatch
from edge.skeleton import KP
from tests.builders.media import coded_frame, coded_index, write_video


def shown(capture_fps: float, stored_fps: float, seconds: float) -> np.ndarray:
    """Which filmed frame each stored frame of a video converted from ``capture_fps`` up to
    ``stored_fps`` shows (each filmed frame shown until the next is due)."""
    n = int(seconds * stored_fps)
    return np.floor(np.arange(n) * capture_fps / stored_fps + 1e-9).astype(int)


def scene(filmed: int, contrast: float, seed: int) -> list[np.ndarray]:
    """``filmed`` pictures of a bar moving across a noisy room, ``contrast`` grey levels above
    it (a dim room: a few tens)."""
    rng = np.random.default_rng(seed)
    room = rng.integers(40, 60, (360, 640, 3)).astype(np.float64)
    frames = []
    for i in range(filmed):
        image = room.copy()
        x = 100 + 6 * i % 400
        image[150:300, x : x + 30] += contrast
        frames.append(image)
    return frames


def meter_changes(pictures: list[np.ndarray], noise: float, seed: int) -> np.ndarray:
    """Each picture's change from the one before, with a codec's noise of ``noise`` levels."""
    rng = np.random.default_rng(seed)
    meter = ChangeMeter()
    return np.array(
        [
            meter.change(np.clip(p + rng.normal(0, noise, p.shape), 0, 255).astype(np.uint8))
            for p in pictures
        ]
    )


def first_showings(shows: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.r_[True, shows[1:] != shows[:-1]])


@pytest.mark.parametrize(
    ("capture_fps", "contrast", "noise"),
    [(25.0, 120.0, 1.5), (15.0, 120.0, 1.5), (24.0, 40.0, 1.0), (6.0, 120.0, 1.5)],
)
def test_the_repeats_of_a_converted_video_are_told_from_its_new_frames(
    capture_fps: float, contrast: float, noise: float
) -> None:
    """A runner bright or dim against the room; the codec's noise changes a repeat too. At 6
    fps in 30, four frames in five are repeats."""
    shows = shown(capture_fps, 30.0, 4.0)
    pictures = scene(int(shows[-1]) + 1, contrast, seed=1)
    changes = meter_changes([pictures[j] for j in shows], noise=noise, seed=2)
    repeat, still = frame_kinds(changes, 30.0)
    assert np.array_equal(repeat, np.r_[False, shows[1:] == shows[:-1]])
    assert not still.any()


@pytest.mark.parametrize("contrast", [25.0, 120.0])
def test_a_video_without_repeats_has_none_even_dim(contrast: float) -> None:
    changes = meter_changes(scene(120, contrast, seed=3), noise=1.5, seed=4)
    repeat, still = frame_kinds(changes, 30.0)
    assert not repeat.any() and not still.any()


def test_a_picture_held_still_is_told_apart_from_repeats() -> None:
    """Half a second of a still picture (a title; only the codec's noise), then the runner:
    held still, not repeats of a lower frame rate."""
    moving = scene(60, 120.0, seed=5)
    pictures = [moving[0]] * 15 + moving[1:]
    changes = meter_changes(pictures, noise=1.5, seed=6)
    repeat, still = frame_kinds(changes, 30.0)
    assert not repeat.any()
    assert still[1:15].all() and not still[15:].any()


def test_a_picture_held_still_is_told_where_and_for_how_long() -> None:
    """A second held still and, 3 s later, half a second (a paused camera), in a window from
    frame 30 of a 30 fps clip: said, with when (in seconds as a player shows them, from the
    file's start, as --start is given) and how long, where it went by untold (a real clip's
    steps stopped for 1.5 s, its report silent). The same file filmed at 60 fps (--slowmo 2)
    is told at the same places."""
    moving = scene(300, 120.0, seed=5)
    pictures = (
        moving[:150] + [moving[149]] * 30 + moving[150:240] + [moving[239]] * 15 + moving[240:]
    )
    changes = list(meter_changes(pictures, noise=1.5, seed=6))
    indices = list(range(30, 30 + len(pictures)))
    for timebase in (TimeBase(30.0, 30.0), TimeBase(30.0, 60.0, "--slowmo 2")):
        new = new_frames(indices, changes, timebase)
        assert np.allclose(new.held, [(179 / 30, 1.0), (299 / 30, 0.5)])
        assert held_notice(new.held) == (
            "the picture was held still 2 times, 1.5 s in all, from 5.97 s, 9.97 s (a paused "
            "camera, a title, or nothing in it moving): no new picture came then, and no step is "
            "timed across them"
        )
    steady = new_frames(list(range(300)), list(meter_changes(moving, 1.5, 6)), TimeBase(30.0, 30.0))
    assert held_notice(steady.held) is None


def person(x: float) -> np.ndarray:
    """A person standing in a plain room, soft-edged (a blob 100 grey levels above it, 20 px
    wide), at ``x`` px."""
    cols = np.exp(-0.5 * ((np.arange(640) - x) / 20.0) ** 2)
    rows = np.exp(-0.5 * ((np.arange(360) - 200) / 60.0) ** 2)
    image = 50.0 + 100.0 * np.outer(rows, cols)
    return np.repeat(image[:, :, None], 3, axis=2)


@pytest.mark.parametrize("sway", [0.0, 12.0])
def test_a_person_standing_still_is_no_picture_held_still(sway: float) -> None:
    """2 s of the runner, then 3 s of a person standing, swaying ``sway`` px either way every 2
    s (at most 1.3 px a frame): each frame changes as little as a repeat does beside the runner,
    but the picture drifts from the one first shown, where a held picture's (no sway: the
    codec's noise alone) does not. A user trial's clip of a person standing, and a real one of a
    woman standing and posing, had been held still for seconds, their frames left out."""
    frames = scene(60, 120.0, seed=5) + [
        person(300.0 + sway * math.sin(2 * math.pi * k / 60.0)) for k in range(90)
    ]
    rng = np.random.default_rng(6)
    scan = FrameScan(Path("stand.mp4"), TimeBase(30.0, 30.0))
    for k, picture in enumerate(frames):
        scan.add(k, np.clip(picture + rng.normal(0, 1.5, picture.shape), 0, 255).astype(np.uint8))
    new = scan.new()
    if sway:
        assert new.held == () and new.repeats == 0 and len(new.kept) == len(frames)
    else:
        assert np.allclose(new.held, [(60 / 30, 89 / 30)])


def test_a_refusal_for_repeats_names_the_part_with_new_frames_enough() -> None:
    """A 24 fps clip converted to 30 whose ending froze, its repeats thickening: refused, the
    part before the ending named with the flag that measures it (a user trial's clip was
    refused with no word of it). The new frames thin out from 8 s to 10 s."""
    shows = np.r_[shown(24.0, 30.0, 8.0), 192 + shown(8.0, 30.0, 2.0)]
    pictures = scene(int(shows[-1]) + 1, 120.0, 9)
    changes = meter_changes([pictures[k] for k in shows], 1.5, 10)
    timebase = TimeBase(30.0, 30.0)
    new = new_frames(list(range(len(shows))), list(changes), timebase)
    with pytest.raises(UsageError) as refused:
        check_new_frames(Path("clip.mp4"), new, timebase)
    told = str(refused.value)
    assert told.startswith("clip.mp4 repeats its frames"), told
    first, last = new.steady or (math.nan, math.nan)
    assert first == 0.0 and 7.0 <= last <= 8.5, new.steady
    # The part named is measured.
    part = round(last * 30.0) + 1
    check_new_frames(
        Path("clip.mp4"), new_frames(list(range(part)), list(changes[:part]), timebase), timebase
    )
    assert told.endswith(
        f"its new frames come 24 a second or more: --end {last:.1f} measures that part"
    )
    # Filmed at 120 fps and played at 30, its 10 s are 2.5 s of running: too short to name.
    slowmo = TimeBase(30.0, 120.0, "--slowmo 4")
    slowed = new_frames(list(range(len(shows))), list(changes), slowmo)
    assert slowed.steady is None
    # Read from 1 s on, the part starts where the frames read do: only its end is given.
    later = new_frames(list(range(30, len(shows))), list(changes[30:]), timebase)
    assert later.steady is not None and later.steady[0] == 1.0
    # A part that is all the frames read names no flag, nor says it measures (a user trial's
    # refusal ended "... or more:  measures that part").
    whole = dataclasses.replace(new, steady=new.span)
    with pytest.raises(UsageError) as refused:
        check_new_frames(Path("clip.mp4"), whole, timebase)
    assert str(refused.value).endswith("film at 30 fps or more in good light")


@pytest.mark.parametrize(("repeats", "hint"), [(2, None), (4, "--slowmo 4"), (5, "--slowmo 5")])
def test_a_slowed_export_of_frames_shown_three_times_or_more_is_told_its_slowmo(
    repeats: int, hint: str | None
) -> None:
    """A slow-motion export that writes each frame ``repeats`` times (a user trial's, 4 times:
    refused with no word of slow motion) is told the --slowmo that measures it, unless the time
    base was stated; each frame twice is a camera short of light as often, and gets none."""
    shows = np.repeat(np.arange(300 // repeats + 1), repeats)[:300]
    pictures = scene(shows[-1] + 1, 120.0, 3)
    changes = meter_changes([pictures[k] for k in shows], 1.5, 4)
    for timebase, told in ((TimeBase(30.0, 30.0), hint), (TimeBase(30.0, 30.0, "--fps 30"), None)):
        new = new_frames(list(range(len(shows))), list(changes), timebase)
        with pytest.raises(UsageError) as refused:
            check_new_frames(Path("clip.mp4"), new, timebase)
        said = str(refused.value)
        if told is None:
            assert "--slowmo" not in said, said
        else:
            assert said.endswith(
                f"If it is slow motion, each frame shown {repeats} times, give {told}, or more "
                "if it was filmed at more frames a second than it plays at: the rate it was "
                "filmed at over the rate it plays at"
            ), said


def test_too_few_frames_to_tell_have_no_repeats() -> None:
    repeat, still = frame_kinds(np.array([np.nan, 0.0, 50.0, 0.0]), 30.0)
    assert not repeat.any() and not still.any()


@pytest.mark.parametrize(("capture_fps", "stored_fps"), [(25.0, 30.0), (24.0, 30.0), (30.0, 60.0)])
def test_new_frames_of_a_converted_video_are_timed_when_they_were_filmed(
    capture_fps: float, stored_fps: float
) -> None:
    shows = shown(capture_fps, stored_fps, 6.0)
    first = first_showings(shows)
    # A window starting later: positions counted from its first frame, times from there too.
    for start in (0, 7):
        kept = first[first >= start] - start
        filmed = shows[kept + start] / capture_fps - start / stored_fps
        # The rate comes from a fit through the frames: good to a fraction of a millisecond.
        times = distinct_times(kept, stored_fps)
        assert times == pytest.approx(filmed, abs=1e-3)
        assert distinct_fps(kept, stored_fps) == pytest.approx(capture_fps, rel=0.01)


def test_a_picture_held_still_before_a_converted_video_is_timed_apart() -> None:
    """A title held for half a second (left out), then 25 fps stored as 30: the title's first
    frame where it is shown, the video's new frames when they were filmed, and the title no
    lower rate."""
    shows = shown(25.0, 30.0, 4.0)
    positions = np.r_[0, first_showings(shows) + 15]
    times = distinct_times(positions, 30.0)
    assert times[0] == 0.0
    assert times[1:] == pytest.approx(15 / 30.0 + shows[first_showings(shows)] / 25.0, abs=1e-3)
    assert distinct_fps(positions, 30.0) == pytest.approx(25.0, rel=0.01)


@pytest.mark.parametrize("stalls", [[40], [40, 90]])
def test_frames_of_a_camera_that_stalls_are_timed_when_first_shown(stalls: list[int]) -> None:
    """One or two frames a camera gave twice are stalls, not a lower frame rate: the frames are
    timed where they are shown, none earlier."""
    positions = np.array([i for i in range(150) if i not in stalls])
    assert np.array_equal(distinct_times(positions, 30.0), positions / 30.0)
    assert distinct_fps(positions, 30.0) == pytest.approx(30.0 * (len(positions) - 1) / 149)


def test_doubled_frames_hold_half_the_rate() -> None:
    assert distinct_fps(np.arange(0, 120, 2), 30.0) == pytest.approx(15.0)


def converted_file(folder: Path, capture_fps: float, seconds: float) -> tuple[Path, np.ndarray]:
    """A video converted from ``capture_fps`` up to 30 fps, each picture a coded frame of the
    filmed frame it shows, and which filmed frame each stored one shows."""
    shows = shown(capture_fps, 30.0, seconds)
    pictures = [coded_frame(int(j), (128, 128)) for j in shows]
    return write_video(folder / f"from{capture_fps:g}.mp4", pictures, 30.0), shows


def test_a_station_playing_a_file_takes_its_new_frames_at_their_real_times(
    tmp_path: Path,
) -> None:
    """``hipdrive run --source file:`` as ``hipdrive analyze``: 25 fps stored as 30, the
    repeats left out and the new frames stamped when they were filmed."""
    video, shows = converted_file(tmp_path, 25.0, 4.0)
    with open_source(f"file:{video}", CaptureSettings(new_frames_only=True)) as source:
        assert isinstance(source, NewFramesOnly)
        frames = list(iter(source.read, None))
    first = first_showings(shows)
    assert source.info.frame_count == len(first)
    assert source.info.fps == pytest.approx(25.0, rel=0.01)
    assert [f.index for f in frames] == list(first)
    assert [coded_index(f.image) for f in frames] == list(shows[first])
    seconds = (np.array([f.t_ns for f in frames]) - frames[0].t_ns) / 1e9
    assert seconds == pytest.approx(shows[first] / 25.0, abs=1e-3)
    # What analyze says of them, for the station's status and log.
    assert len(source.notes) == 1 and "frames repeat the frame before" in source.notes[0]


def test_a_station_playing_a_file_without_repeats_takes_every_frame(tmp_path: Path) -> None:
    video, shows = converted_file(tmp_path, 30.0, 2.0)
    with open_source(f"file:{video}", CaptureSettings(new_frames_only=True)) as source:
        frames = list(iter(source.read, None))
    assert [f.index for f in frames] == list(range(len(shows)))


def test_a_station_refuses_a_file_of_too_few_new_frames_before_it_starts(tmp_path: Path) -> None:
    video, _ = converted_file(tmp_path, 15.0, 4.0)
    with pytest.raises(UsageError, match="holds 15 new frames a second"):
        open_source(f"file:{video}", CaptureSettings(new_frames_only=True))


def test_a_station_refuses_a_file_slower_than_the_engine_before_it_starts(
    tmp_path: Path,
) -> None:
    video = write_video(tmp_path / "v.mp4", [coded_frame(i) for i in range(45)], 15.0)
    with pytest.raises(UsageError, match="holds 15 frames a second, fewer than the 24"):
        open_source(f"file:{video}", CaptureSettings(new_frames_only=True))


def test_a_window_of_a_converted_file_is_as_long_as_it_plays(tmp_path: Path) -> None:
    """``--start 1 --end 3.3`` of 25 fps stored as 30: 2.3 s of new frames, at 25 a second. Each
    frame's time less the station's time of the file's frame 0 (``t0_ns``) is its seconds into
    the file, from 1 s on, which the times the station names are said in (a review's ``run
    --start`` had named a slowed part's window as far too early)."""
    video, _ = converted_file(tmp_path, 25.0, 4.0)
    timing = FileTiming(start_s=1.0, end_s=3.3)
    settings = CaptureSettings(timing=timing, new_frames_only=True)
    with open_source(f"file:{video}", settings) as source:
        assert source.info.frame_count / source.info.fps == pytest.approx(2.3, abs=0.05)
        first = source.read()
        assert first is not None and source.t0_ns is not None
        assert (first.t_ns - source.t0_ns) / 1e9 == pytest.approx(1.0, abs=0.04)


def test_a_paced_file_ends_at_once_when_interrupted_in_a_held_picture(tmp_path: Path) -> None:
    """Paced, the frames left out are waited for too; a run that ends does not wait out a
    title held for seconds."""
    moving = [coded_frame(i, (128, 128)) for i in range(30)]
    pictures = [*moving[:15], *([moving[15]] * 90), *moving[15:]]
    video = write_video(tmp_path / "title.mp4", pictures, 30.0)
    settings = CaptureSettings(paced=True, new_frames_only=True)
    with open_source(f"file:{video}", settings) as source:
        for _ in range(16):
            assert source.read() is not None
        threading.Timer(0.2, source.interrupt).start()
        started = time.monotonic()
        assert source.read() is None
        assert time.monotonic() - started < 1.0


#: a 25 fps street filmed as 50 (each picture shown twice), empty until the runner comes in:
#: the changes of its first 90 frames (``ChangeMeter``, a real clip)
EMPTY_THEN_RUNNER = [math.nan, 0, 18, 5, 21, 3, 31, 9, 32, 9, 25, 7, 33, 5, 24, 2, 51, 8, 57, 9]
EMPTY_THEN_RUNNER += [60, 4, 68, 8, 76, 2, 90, 10, 81, 10, 94, 5, 86, 6, 91, 3, 103, 9, 110, 9]
EMPTY_THEN_RUNNER += [99, 5, 110, 8, 97, 5, 104, 8, 105, 8, 112, 6, 115, 8, 121, 4, 122, 8, 116]
EMPTY_THEN_RUNNER += [9, 115, 6, 117, 8, 123, 3, 114, 10, 118, 10, 109, 6, 117, 9, 118, 1, 127]
EMPTY_THEN_RUNNER += [11, 135, 13, 129, 2, 128, 10, 124, 2, 127, 11, 126, 7]


def test_frames_that_barely_change_where_nothing_moves_are_no_repeats() -> None:
    """Before the runner comes in, a new picture of the empty street changes as little as a
    repeat does once the runner is there (18-33 grey levels against 0-13, the new ones 51-135):
    it stands out from the repeats beside it. Every repeat is told, and the video holds its 25
    new frames a second, which the analysis takes (it was refused at 23)."""
    changes = np.array(EMPTY_THEN_RUNNER, dtype=float)
    assert len(changes) == 90
    repeat, still = frame_kinds(changes, 50.0)
    assert not still.any()
    assert np.array_equal(repeat, np.arange(90) % 2 == 1)
    new = new_frames(list(range(90)), list(changes), TimeBase(50.0, 50.0))
    assert new.fps == pytest.approx(25.0, rel=0.02) and new.repeats == 45
    check_new_frames(Path("street.mp4"), new, TimeBase(50.0, 50.0))


def standing(x: float, leg: float = 100.0, trunk: float | None = None) -> np.ndarray:
    """(17, 3) keypoints of a runner's legs at ``x`` px, hips 100 px down, legs ``leg`` long,
    and the shoulders ``trunk`` px above the hips when given."""
    kp = np.full((17, 3), np.nan)
    for side in ("left", "right"):
        if trunk is not None:
            kp[KP[f"{side}_shoulder"]] = (x, 100.0 - trunk, 0.9)
        kp[KP[f"{side}_hip"]] = (x, 100.0, 0.9)
        kp[KP[f"{side}_knee"]] = (x, 100.0 + leg / 2, 0.9)
        kp[KP[f"{side}_ankle"]] = (x, 100.0 + leg, 0.9)
    return kp


def test_a_cut_from_one_runners_shot_to_anothers_is_refused_but_not_a_lead_in() -> None:
    """Two shots joined: the picture changes almost everywhere at once, between two shots that
    each change little, and the runner jumps with it. The analysis stops and names the cut;
    after a title or a black lead-in (no runner before it), or with the runner in place (a
    light switched on), it goes on; a zoom that doubles the runner stops it too."""
    first = scene(40, contrast=120.0, seed=1)
    second = [np.flipud(f) + 100.0 for f in scene(40, contrast=60.0, seed=2)]
    scan = FrameScan(Path("joined.mp4"), TimeBase(30.0, 30.0))
    for k, picture in enumerate(first + second):
        scan.add(k, np.clip(picture, 0, 255).astype(np.uint8))
    assert scan.cuts == [40]
    here, there = standing(200.0), standing(500.0)
    with pytest.raises(UsageError, match=r"at 1\.333 s, and the runner jumps.*--end 1\.333"):
        check_cuts(Path("joined.mp4"), scan, [here] * 40 + [there] * 40, scan.timebase)
    with pytest.raises(UsageError, match="cuts from one shot to another"):
        check_cuts(
            Path("zoom.mp4"), scan, [here] * 40 + [standing(200.0, 200.0)] * 40, scan.timebase
        )
    check_cuts(Path("joined.mp4"), scan, [None] * 40 + [there] * 40, scan.timebase)
    # Three shots: every cut is named, and the longest shot given (a user trial's tutorial of
    # twelve cuts was refused for its first, and pointed to parts that held more).
    third = [np.flipud(f) + 60.0 for f in scene(60, contrast=90.0, seed=3)]
    scan = FrameScan(Path("tutorial.mp4"), TimeBase(30.0, 30.0))
    for k, picture in enumerate(first + third + second):
        scan.add(k, np.clip(picture, 0, 255).astype(np.uint8))
    assert scan.cuts == [40, 100]
    with pytest.raises(
        UsageError,
        match=r"at 1\.333, 3\.333 s, .* 1\.333-3\.333 s \(--start 1\.333 --end 3\.333\)$",
    ):
        check_cuts(
            Path("tutorial.mp4"), scan, [here] * 40 + [there] * 60 + [here] * 40, scan.timebase
        )
    # The last shot the longest: --end still given (the frames read may end at the user's). The
    # runner in place across the cut beyond doubt at 3.333 s: a light switched on, no shot's end.
    with pytest.raises(UsageError, match=r"1\.333-4\.667 s \(--start 1\.333 --end 4\.667\)$"):
        check_cuts(Path("tutorial.mp4"), scan, [here] * 40 + [there] * 100, scan.timebase)
    # Nobody after it (a close-up of the runner's back): the shot offered ends there (a user
    # trial was pointed to a gym video's walk, close-ups and running shot as one).
    with pytest.raises(UsageError, match=r"1\.333-3\.333 s \(--start 1\.333 --end 3\.333\)$"):
        check_cuts(
            Path("tutorial.mp4"), scan, [here] * 40 + [there] * 60 + [None] * 40, scan.timebase
        )
    check_cuts(Path("lights.mp4"), scan, [here] * 140, scan.timebase)
    # The longest shot of a person side on: a user trial's longest was of someone sitting and
    # talking to the camera, its hips apart across the picture ("0 steps: faces the camera").
    facing = standing(500.0)
    facing[KP["left_hip"], 0], facing[KP["right_hip"], 0] = 470.0, 530.0
    away = standing(900.0)
    with pytest.raises(UsageError, match=r"longest of a person side on is 0\.000-1\.333 s"):
        check_cuts(
            Path("tutorial.mp4"), scan, [here] * 40 + [facing] * 60 + [away] * 40, scan.timebase
        )
    # Two takes of one place, the second a little brighter: a cut that changes the median pixel
    # by 10 levels (a user trial's run on a field, cut as its pace went up, changed it by 8-18;
    # a street runner filmed nearer after the cut, by 27, had not been named).
    take = FrameScan(Path("field.mp4"), TimeBase(30.0, 30.0))
    for k, picture in enumerate(first + [f + 10.0 for f in scene(40, contrast=120.0, seed=1)]):
        take.add(k, np.clip(picture, 0, 255).astype(np.uint8))
    assert take.cuts == [40]
    with pytest.raises(UsageError, match=r"zooms\) at 1\.333 s"):
        check_cuts(
            Path("field.mp4"), take, [here] * 40 + [standing(200.0, 140.0)] * 40, take.timebase
        )
    check_cuts(Path("field.mp4"), take, [here] * 80, take.timebase)
    # The runner's size is shoulders to ankle where the shoulders are seen: a leg's alone
    # changes as it bends (a user trial's street runner, filmed from the front 1.34 times nearer
    # after a cut so, was 1.29 times by the leg, and 1.27 within one shot).
    near = [standing(200.0, 137.0, trunk=80.0)] * 40 + [standing(200.0, 177.0, trunk=114.0)] * 40
    with pytest.raises(UsageError, match=r"zooms\) at 1\.333 s"):
        check_cuts(Path("street.mp4"), take, near, take.timebase)
    bent = [standing(200.0, 100.0, trunk=80.0)] * 40 + [standing(200.0, 140.0, trunk=82.0)] * 40
    check_cuts(Path("street.mp4"), take, bent, take.timebase)
    # A trunk that turns over with the cut: a user trial's standing lunge cut to lying on the
    # floor, its size kept (1.08 times) and its hips moved 0.3 legs.
    lying = standing(200.0, 100.0, trunk=80.0)
    for side in ("left", "right"):
        lying[KP[f"{side}_shoulder"], :2] = (120.0, 100.0)
    with pytest.raises(UsageError, match=r"zooms\) at 1\.333 s"):
        check_cuts(Path("gym.mp4"), take, [bent[0]] * 40 + [lying] * 40, take.timebase)
    # A change that small may be the light or the camera (a review): judged only by the runner
    # in the frames either side of it, who must move a leg's length. A runner crossing the
    # picture 0.3 legs a frame, missed in the frame the exposure steps, is no cut; nor a camera
    # knocked on its stand, a far runner moved 0.53 legs (a cut beyond doubt is one).
    crossing: list[np.ndarray | None] = [standing(100.0 + 30.0 * k) for k in range(80)]
    crossing[40] = None
    check_cuts(Path("street.mp4"), take, crossing, take.timebase)
    # A runner not found in the frame before is looked for up to 0.1 s before (a review: such a
    # cut went unjudged), half a leg more allowed for each frame between.
    lost: list[np.ndarray | None] = [here] * 39 + [None] + [standing(600.0)] * 40
    with pytest.raises(UsageError, match=r"zooms\) at 1\.333 s"):
        check_cuts(Path("street.mp4"), take, lost, take.timebase)
    knocked = [here] * 40 + [standing(253.0)] * 40
    check_cuts(Path("bench.mp4"), take, knocked, take.timebase)
    with pytest.raises(UsageError, match="cuts from one shot to another"):
        check_cuts(Path("joined.mp4"), scan, knocked, scan.timebase)
    # A picture that changes everywhere all the time has no shots to cut between.
    flicker = FrameScan(Path("coded.mp4"), TimeBase(30.0, 30.0))
    for k in range(40):
        flicker.add(k, np.full((120, 160, 3), 255 * (k % 2), np.uint8))
    assert flicker.cuts == []


def watched(
    cuts: tuple[PictureCut, ...], found: list[np.ndarray | None], given: list[int] | None = None
) -> tuple[list[list[int]], list[int], PictureCut | None]:
    """What a run's ``CutWatch`` lets on of ``found`` (the runner per frame read), given the
    frames at ``given`` only (all by default; a run leaves repeats out): by frame given, then
    those held at the file's end, and the cut it ends at."""
    watch: CutWatch[int] = CutWatch(cuts)
    by_frame = [watch.frame(k, found[k], k) for k in (given or range(len(found)))]
    return by_frame, watch.rest(), watch.jump


def let_on(by_frame: list[list[int]], rest: list[int], *_: object) -> list[int]:
    """The frames let on, in the order they were, and those held at the end."""
    return [k for frames in by_frame for k in frames] + rest


def refused(scan: FrameScan, found: list[np.ndarray | None]) -> bool:
    """Whether analyze refuses ``found`` over ``scan`` for a cut (``check_cuts``)."""
    try:
        check_cuts(Path("joined.mp4"), scan, found, scan.timebase)
    except UsageError:
        return True
    return False


def marked_scan(frames: int, medians: dict[int, float], still: set[int] | None = None) -> FrameScan:
    """A scan of ``frames`` frames read at 30 fps, each changing from the one before (but those
    in ``still``, which repeat it), with the changes ``medians`` at the median pixel where
    given."""
    scan = FrameScan(Path("joined.mp4"), TimeBase(30.0, 30.0))
    for k in range(frames):
        scan.indices.append(k)
        scan.changes.append(0.5 if still and k in still else 20.0)
        scan.medians.append(medians.get(k, 1.0))
    return scan


def test_a_run_on_a_file_ends_at_a_cut_the_runner_jumps_with_as_analyze_refuses_it() -> None:
    """``hipdrive run`` on a file had never looked at its cuts: a run's frames from a cut on wait
    until the runner after it is found, are held against the runner before it as analyze holds
    them, and go no further once the runner jumps; where the runner stays, none is lost."""
    first = scene(40, contrast=120.0, seed=1)
    second = [np.flipud(f) + 100.0 for f in scene(40, contrast=60.0, seed=2)]
    scan = FrameScan(Path("joined.mp4"), TimeBase(30.0, 30.0))
    for k, picture in enumerate(first + second):
        scan.add(k, np.clip(picture, 0, 255).astype(np.uint8))
    cuts = scan.picture_cuts()
    assert cuts == (PictureCut(40, True, TimeBase(30.0, 30.0)),)
    here, there = standing(200.0), standing(500.0)
    for found, jumps in (
        ([here] * 40 + [there] * 40, True),
        ([here] * 40 + [standing(200.0, 200.0)] * 40, True),  # a zoom
        ([None] * 40 + [there] * 40, False),  # a title before
        ([here] * 80, False),  # the light
        ([here] * 40 + [None] * 60 + [there] * 10, False),  # no runner within 2 s after
        ([here] * 40 + [None] * 20 + [there] * 20, True),  # the new shot's runner found late
    ):
        assert refused(scan, found) == jumps
        assert let_on(*watched(cuts, found)) == list(range(40 if jumps else len(found)))
    # Held from the cut until the runner is found, then let on in order.
    by_frame, _, _ = watched(cuts, [here] * 40 + [None] * 5 + [here] * 35)
    assert by_frame[40:45] == [[]] * 5 and by_frame[45] == list(range(40, 46))
    # A smaller change is judged by the runner within 0.1 s: three frames at 30 fps.
    weak = (PictureCut(40, False, TimeBase(30.0, 30.0)),)
    by_frame, rest, _ = watched(weak, [here] * 40 + [None] * 10 + [there] * 30)
    assert by_frame[42] == [40, 41, 42] and let_on(by_frame, rest) == list(range(80))
    assert let_on(*watched(weak, [here] * 40 + [None] + [there] * 39)) == list(range(40))
    # The file ends with a cut pending: the frames held go on (a review: they had been lost).
    assert let_on(*watched(cuts, [here] * 40 + [None] * 20)) == list(range(60))


def test_a_run_judges_cuts_close_together_and_counts_frames_as_analyze_does() -> None:
    """A review: a second cut while the first waited for its runner was judged against the
    wrong frames, and the run counted the new frames it was given where analyze counts every
    frame read, so the two disagreed."""
    here, there = standing(200.0), standing(320.0)  # 1.2 legs apart
    for medians, found in (
        # A shot, a black card of 1.5 s, a shot whose runner is found 0.67 s in.
        ({100: 50.0, 145: 50.0}, [here] * 100 + [None] * 70 + [there] * 60),
        # A smaller change, and a cut on the frame after it.
        ({100: 10.0, 101: 50.0}, [here] * 100 + [None] + [there] * 60),
    ):
        scan = marked_scan(len(found), medians)
        assert refused(scan, found)
        by_frame, rest, jump = watched(scan.picture_cuts(), found)
        # Up to the cut the runner jumps with (a review: the frames held for an earlier cut,
        # joining nothing, had been lost with them).
        assert jump is not None and let_on(by_frame, rest) == list(range(jump.index))
    # A run is given the new frames only, where analyze sees the runner in every frame read: a
    # review found repeats and a picture held still before a cut made the run go across it.
    repeats = set(range(1, 160, 2))  # 15 fps stored as 30
    for medians, still, found, refuses in (
        # The runner 1.2 legs on after a smaller change, seen in the repeat before it.
        ({100: 12.0}, repeats, [standing(200.0)] * 100 + [standing(320.0)] * 60, True),
        # ... 1.8 legs on, missed in a new frame and its repeat before it: two frames between,
        # two legs allowed.
        ({100: 12.0}, repeats, [standing(200.0)] * 98 + [None] * 2 + [standing(380.0)] * 60, False),
        # The last runner before a cut beyond doubt exactly 2 s before it, in a repeat.
        ({121: 50.0}, repeats, [standing(200.0)] * 62 + [None] * 59 + [standing(320.0)] * 39, True),
        # A picture held still 2.5 s before a cut beyond doubt, and 1/3 s before a smaller one.
        ({150: 50.0}, set(range(75, 150)), [standing(200.0)] * 150 + [standing(330.0)] * 70, True),
        ({150: 12.0}, set(range(140, 150)), [standing(200.0)] * 150 + [standing(330.0)] * 70, True),
    ):
        scan = marked_scan(len(found), medians, still)
        new = [int(k) for k in scan.new().kept]
        assert refused(scan, found) == refuses and len(new) < len(found)
        by_frame, rest, jump = watched(scan.picture_cuts(), found, new)
        assert (jump is not None) == refuses
        assert let_on(by_frame, rest) == [k for k in new if not refuses or k < jump.index]


def test_two_shots_with_nobody_between_them_are_held_against_each_other() -> None:
    """A user trial's two runners joined by 3 s of black were analyzed, and run, as one: each
    cut had nobody within its 2 s. Two cuts beyond doubt with nobody found between them (a
    black gap, a title between clips) are judged as one; a runner found between them is the
    one the later cut is held against."""
    here, there = standing(200.0), standing(500.0)
    scan = marked_scan(260, {100: 50.0, 200: 50.0})
    cuts = scan.picture_cuts()
    gap: list[np.ndarray | None] = [None] * 100
    two = [here] * 100 + gap + [there] * 60
    with pytest.raises(UsageError, match=r"at 3\.333, 6\.667 s, and the runner jumps"):
        check_cuts(Path("joined.mp4"), scan, two, scan.timebase)
    by_frame, rest, jump = watched(cuts, two)
    watch: CutWatch[int] = CutWatch(cuts)
    for k, kp in enumerate(two):
        watch.frame(k, kp, k)
    # The gap's frames (nobody) go on; the run ends at the second cut, its shot at the first.
    assert jump == cuts[1] and watch.ended == cuts[0]
    assert let_on(by_frame, rest) == list(range(200))
    # The gap black, held still: a run is given its first frame and the second cut's only.
    still = marked_scan(260, {100: 50.0, 200: 50.0}, set(range(101, 200)))
    new = [int(k) for k in still.new().kept]
    assert 101 not in new and not watched(still.picture_cuts(), two, new)[1]
    assert watched(still.picture_cuts(), two, new)[2] == still.picture_cuts()[1]
    # The same runner in place after the gap: one moment after another, no cut.
    same = [here] * 100 + gap + [here] * 60
    assert not refused(scan, same) and let_on(*watched(cuts, same)) == list(range(260))
    # A gap under 2 s: its first cut still waits when the second comes. The runner lost 1 s
    # before it (a review: a run went on where analyze refused), or seen to the end of the shot,
    # or the next found within 2 s of the first cut (a second review: analyze named it alone).
    short = marked_scan(260, {100: 50.0, 145: 50.0})
    for last, first_found in ((70, 166), (100, 147), (70, 150)):
        runners = [here] * last + [None] * (first_found - last) + [there] * (260 - first_found)
        with pytest.raises(UsageError, match=r"at 3\.333, 4\.833 s, and the runner jumps"):
            check_cuts(Path("joined.mp4"), short, runners, short.timebase)
        watch = CutWatch(short.picture_cuts())
        let = [k for i, kp in enumerate(runners) for k in watch.frame(i, kp, i)]
        assert let == list(range(145)) and watch.ended is not None
        assert (watch.ended.index, watch.jump and watch.jump.index) == (100, 145)
    # Someone found between the two cuts, 3.3 s from each: the gap holds a shot of its own.
    scan = marked_scan(460, {100: 50.0, 300: 50.0})
    seen = [here] * 100 + [None] * 95 + [there] * 10 + [None] * 95 + [there] * 160
    assert not refused(scan, seen)
    assert let_on(*watched(scan.picture_cuts(), seen)) == list(range(460))
    assert refused(scan, seen[:195] + [None] * 10 + seen[205:])


def test_the_shot_offered_at_a_cut_is_one_of_a_person_running_rather_than_standing(
    mocap_trial,
) -> None:
    """A tutorial's longest shot was a coach standing side on and talking: offered, it gave no
    steps. The longest shot of a person running or walking side on is offered before it."""
    from edge.demo.scene import SideCamera
    from tests.builders.keypoint_tracks import synth_track

    _, kp = synth_track(mocap_trial, 30.0, SideCamera(), seed=3)
    running = list(kp[:100])
    rng = np.random.default_rng(4)
    coach = [
        standing(300.0, trunk=80.0) + rng.normal(0.0, 1.0, (17, 3)) * [1, 1, 0] for _ in range(150)
    ]
    scan = FrameScan(Path("tutorial.mp4"), TimeBase(30.0, 30.0))
    pictures = scene(150, contrast=120.0, seed=1) + [
        np.flipud(f) + 100.0 for f in scene(100, contrast=60.0, seed=2)
    ]
    for k, picture in enumerate(pictures):
        scan.add(k, np.clip(picture, 0, 255).astype(np.uint8))
    assert scan.cuts == [150]
    with pytest.raises(
        UsageError, match=r"longest of a person running or walking side on is 5\.000-8\.333 s"
    ):
        check_cuts(Path("tutorial.mp4"), scan, coach + running, scan.timebase)


def test_a_run_and_analyze_name_the_same_cuts_about_a_gap() -> None:
    """A second review swept layouts of two cuts beyond doubt (a third in the gap, or none),
    the runner before lost up to 2.5 s before the first and the next found up to 2.5 s after the
    last: the two tools agreed on refusing but named different cuts in 54 of 784. Both name the
    first cut the runner's shot ended at and the last the next shot began at."""
    here, there = standing(200.0), standing(500.0)
    for lost, gap, found, middle in itertools.product(
        (0, 30, 61, 75), (15, 45, 61, 90), (0, 30, 61), (None, 50.0, 10.0)
    ):
        first, second = 100, 100 + gap
        cuts = {first: 50.0, second: 50.0}
        if middle is not None:
            cuts[first + gap // 2] = middle
        scan = marked_scan(second + found + 60, cuts)
        runners = [here] * (first - lost) + [None] * (lost + gap + found) + [there] * 60
        named: tuple[int, ...] = ()
        try:
            check_cuts(Path("joined.mp4"), scan, runners, scan.timebase)
        except UsageError as refusal:
            at = re.search(r"at ([\d., ]+) s, and the runner", str(refusal))
            assert at is not None
            named = tuple(round(float(s) * 30) for s in at.group(1).split(", "))
        watch = CutWatch(scan.picture_cuts())
        for k, kp in enumerate(runners):
            watch.frame(k, kp, k)
        ran = (
            ()
            if watch.jump is None or watch.ended is None
            else (watch.ended.index, watch.jump.index)
        )
        layout = (lost, gap, found, middle)
        assert bool(named) == bool(ran), layout
        assert not named or (named[0], named[-1]) == ran, layout


def test_stretches_of_too_few_frames_a_second_are_found_and_told() -> None:
    """A phone whose light failed for 3 s of a clip filmed 20 frames a second there: its steps
    were missed, or blamed on the picture. The stretch is found to its ends and told; a steady
    24 or 30, a camera's stall or a picture held still is not one; nor is 0.8 s of it, but 1.2 s
    is (counted over a second alone, 1.5 s went untold: a review)."""
    t = np.r_[np.arange(0, 1.5, 1 / 30), np.arange(1.5, 4.5, 1 / 20), np.arange(4.5, 8, 1 / 30)]
    ((first, last, rate),) = slow_stretches(t)
    assert (first, last, rate) == pytest.approx((1.5, 4.5, 20))
    assert slow_notice(((first, last, rate),), "rows") == (
        "the rows came fewer than the 24 a second the gait engine needs (from 1.5 to 4.5 s 20 a "
        "second): no step there is timed; film at 30 fps or more, in good "
        "light"
    )
    held = np.r_[np.arange(0, 3, 1 / 30), np.arange(4, 8, 1 / 30)]
    stalls = np.delete(np.arange(0, 8, 1 / 30), [40, 41, 100, 101, 102, 160])
    for steady in (np.arange(0, 8, 1 / 24), np.arange(0, 8, 1 / 30), held, stalls):
        assert slow_stretches(steady) == ()
    assert slow_notice(()) is None
    for end, told in ((2.8, False), (3.2, True), (3.5, True)):
        t = np.r_[np.arange(0, 2, 1 / 30), np.arange(2, end, 1 / 20), np.arange(end, 8, 1 / 30)]
        assert bool(slow_stretches(t)) is told
