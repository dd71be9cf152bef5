"""A video file's real time base and window: the capture rate read from the file's own boxes,
given as --capture-fps or --slowmo, the part picked by --start/--end, and the check that the
steps of a clip timed at its playback rate are running's."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import numpy as np
import pytest

from edge.capture import CaptureSettings, open_source
from edge.capture.file import VideoFileSource
from edge.capture.mp4meta import capture_fps, read_metadata
from edge.capture.timebase import FileTiming
from edge.errors import UsageError
from edge.gait.fit import timebase_problem
from tests.builders.media import (
    add_to_moov,
    box,
    coded_frame,
    coded_index,
    keyed_meta,
    write_video,
)
from tests.builders.messages import step

ANDROID_KEY = "com.android.capture.fps"


def f32(value: float) -> tuple[int, bytes]:
    """A float32 metadata value as MPEG4Writer writes it: data type 23, big-endian."""
    return 23, struct.pack(">f", value)


def clip(path: Path, frames: int = 12, fps: float = 30.0) -> Path:
    return write_video(path, [coded_frame(i) for i in range(frames)], fps=fps)


def open_file(video: Path, paced: bool = False, **timing: float) -> VideoFileSource:
    source = open_source(f"file:{video}", CaptureSettings(paced=paced, timing=FileTiming(**timing)))
    assert isinstance(source, VideoFileSource)
    return source


def read_all(source: VideoFileSource) -> list[tuple[int, int, float]]:
    """(index, index coded in the image, seconds after frame 0) of every frame."""
    out = []
    while (frame := source.read()) is not None:
        out.append((frame.index, coded_index(frame.image), (frame.t_ns - source.t0_ns) / 1e9))
    return out


# -- the boxes --------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["moov/meta", "moov/udta/meta (ISO full box)"])
def test_the_capture_rate_is_read_where_phones_and_editors_put_it(
    tmp_path: Path, where: str
) -> None:
    video = clip(tmp_path / "slow.mp4")
    meta = keyed_meta(
        {"com.android.version": (1, b"14"), ANDROID_KEY: f32(240.0)},
        full_box=where.endswith("(ISO full box)"),
    )
    add_to_moov(video, meta if where == "moov/meta" else box(b"udta", meta))
    read = read_metadata(video)
    assert (read["com.android.version"], float(read[ANDROID_KEY])) == ("14", 240.0)
    assert capture_fps(video) == (240.0, ANDROID_KEY)
    # Still a video: OpenCV plays it, and the source times it at the capture rate.
    with open_file(video) as source:
        assert (source.timebase.playback_fps, source.info.fps) == (30.0, 240.0)
        assert len(read_all(source)) == 12


def test_files_without_a_capture_rate_give_none(tmp_path: Path) -> None:
    plain = clip(tmp_path / "plain.mp4")
    assert capture_fps(plain) is None
    # An iTunes-style list (items named by four characters, no keys box) has no keyed names.
    itunes = clip(tmp_path / "itunes.mp4")
    title = box(b"\xa9nam", box(b"data", struct.pack(">II", 1, 0) + b"a run"))
    hdlr = box(b"hdlr", bytes(8) + b"mdir" + bytes(13))
    add_to_moov(itunes, box(b"udta", box(b"meta", bytes(4) + hdlr + box(b"ilst", title))))
    assert capture_fps(itunes) is None
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"garbage" * 100)
    assert read_metadata(garbage) == {} and capture_fps(garbage) is None
    # A rate that is not a positive number is no rate.
    for raw in ((1, b"fast"), (1, b"-30"), f32(0.0)):
        video = add_to_moov(clip(tmp_path / "odd.mp4"), keyed_meta({ANDROID_KEY: raw}))
        assert capture_fps(video) is None


def test_damaged_files_give_what_can_be_read_and_never_raise(tmp_path: Path) -> None:
    video = add_to_moov(clip(tmp_path / "v.mp4"), keyed_meta({ANDROID_KEY: f32(120.0)}))
    data = video.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[:-6])  # the last box runs past the end of the file
    assert capture_fps(cut) is None
    # A 64-bit box size (a long recording's mdat) is stepped over to the moov behind it.
    big = tmp_path / "big.mp4"
    big.write_bytes(struct.pack(">I4sQ", 1, b"free", 16 + 4) + bytes(4) + data)
    assert capture_fps(big) == (120.0, ANDROID_KEY)
    # A keys box claiming more keys than it holds is not read.
    keys = box(b"keys", struct.pack(">II", 0, 5) + box(b"mdta", ANDROID_KEY.encode()))
    item = box(struct.pack(">I", 1), box(b"data", struct.pack(">II", 23, 0) + b"\x42"))
    meta = box(b"meta", keys + box(b"ilst", item))
    assert capture_fps(add_to_moov(clip(tmp_path / "k.mp4"), meta)) is None


# -- time base and window of the file source ---------------------------------------------------


def test_frames_are_stamped_at_the_rate_the_file_states(tmp_path: Path) -> None:
    video = add_to_moov(clip(tmp_path / "v.mp4"), keyed_meta({ANDROID_KEY: f32(120.0)}))
    with open_file(video) as source:
        assert source.timebase.describe() == (
            "120 fps, played at 30 fps (slow motion x4, from the file's com.android.capture.fps)"
        )
        frames = read_all(source)
    assert [i for i, _, _ in frames] == [c for _, c, _ in frames] == list(range(12))
    assert np.allclose([t for _, _, t in frames], np.arange(12) / 120, atol=1e-6)


@pytest.mark.parametrize(
    ("stated", "timing", "expected"),
    [
        (30.0, {}, (30.0, 30.0, None)),  # a phone stating its own rate: nothing slowed
        (29.0, {}, (30.0, 30.0, None)),  # within 5%: the container's rate stands
        (None, {"slowmo": 4}, (30.0, 120.0, "--slowmo 4")),
        (240.0, {"capture_fps": 60}, (30.0, 60.0, "--capture-fps")),  # the user over the file
        (None, {"fps": 25}, (25.0, 25.0, "--fps 25")),  # questioned as given, not as the file's
        (None, {"fps": 30}, (30.0, 30.0, None)),  # the file's own: its slow motion still told
        (None, {"fps": 25, "slowmo": 2}, (25.0, 50.0, "--slowmo 2")),
    ],
)
def test_the_time_base_comes_from_the_flags_then_the_file(
    tmp_path: Path, stated: float | None, timing: dict, expected: tuple
) -> None:
    video = clip(tmp_path / "v.mp4")
    if stated is not None:
        add_to_moov(video, keyed_meta({ANDROID_KEY: f32(stated)}))
    with open_file(video, **timing) as source:
        base = source.timebase
        assert (base.playback_fps, base.capture_fps, base.origin) == expected
        assert source.info.fps == expected[1]
        # A rate given against the file's is said beside the file's own.
        if timing.get("fps") == 25 and "slowmo" not in timing:
            assert base.describe() == "25 fps (--fps 25; the file says 30)"


def test_a_window_starts_at_its_frame_and_keeps_the_video_times(tmp_path: Path) -> None:
    video = clip(tmp_path / "v.mp4", frames=30)
    with open_file(video, slowmo=2, start_s=0.2, end_s=0.5) as source:
        assert source.info.frame_count == 9
        frames = read_all(source)
    assert [i for i, _, _ in frames] == [c for _, c, _ in frames] == list(range(6, 15))
    assert np.allclose([t for _, _, t in frames], np.arange(6, 15) / 60, atol=1e-6)


@pytest.mark.parametrize(
    ("timing", "every", "used"),
    [
        ({"slowmo": 10}, 2, 150.0),  # a lab camera's 300 fps played at 30
        ({"capture_fps": 960}, 4, 240.0),  # a phone's super slow motion
        ({"capture_fps": 241}, 2, 120.5),
        ({"capture_fps": 240}, 1, 240.0),
        ({"fps": 300}, 2, 150.0),  # a file that plays at its own high rate
    ],
)
def test_a_clip_filmed_faster_than_the_engine_needs_is_thinned(
    tmp_path: Path, timing: dict, every: int, used: float
) -> None:
    """Above 240 fps every n-th frame is used, the fewest that bring the rate within the
    engine's, each stamped at its real time."""
    video = clip(tmp_path / "v.mp4", frames=30)
    with open_file(video, **timing) as source:
        base = source.timebase
        assert (base.every, base.fps, source.info.fps) == (every, used, used)
        assert source.info.frame_count == len(range(0, 30, every))
        frames = read_all(source)
    assert [i for i, _, _ in frames] == [c for _, c, _ in frames] == list(range(0, 30, every))
    assert np.allclose([t for _, _, t in frames], np.arange(0, 30, every) / base.capture_fps)
    assert (f"1 frame in {every} used: {used:g} fps" in base.describe()) == (every > 1)


def test_a_thinned_window_starts_at_its_frame(tmp_path: Path) -> None:
    video = clip(tmp_path / "v.mp4", frames=30)
    with open_file(video, capture_fps=300, start_s=0.1, end_s=0.6) as source:
        assert source.info.frame_count == 8
        frames = read_all(source)
    assert [c for _, c, _ in frames] == list(range(3, 18, 2))


def test_a_paced_slow_motion_file_plays_in_real_time(tmp_path: Path) -> None:
    """A station fed the clip gets its frames when they were filmed, not as a player shows
    them: 24 frames stored at 30 fps, filmed at 120, take 0.2 s, not 0.8."""
    video = clip(tmp_path / "v.mp4", frames=24)
    with open_file(video, paced=True, capture_fps=120) as source:
        frames = read_all(source)
        took = (time.monotonic_ns() - source.t0_ns) / 1e9
    assert len(frames) == 24 and frames[-1][2] == pytest.approx(23 / 120, abs=1e-6)
    assert 23 / 120 <= took < 0.6


def test_a_looping_window_starts_over_at_its_start(tmp_path: Path) -> None:
    video = clip(tmp_path / "v.mp4", frames=10)
    settings = CaptureSettings(timing=FileTiming(start_s=0.1, end_s=0.2))
    with VideoFileSource(video, settings, loop=True) as source:
        codes = [coded_index(f.image) for f in (source.read() for _ in range(7)) if f]
    assert codes == [3, 4, 5, 3, 4, 5, 3]


@pytest.mark.parametrize(
    ("timing", "message"),
    [
        ({"capture_fps": 240, "slowmo": 8}, "--capture-fps and --slowmo both set the capture rate"),
        ({"slowmo": 0.5}, "--slowmo 0.5: must be from 1 to 1000"),
        ({"fps": 0}, "--fps 0: must be from 1 to 1000"),
        ({"capture_fps": float("nan")}, "--capture-fps nan: must be from 1 to 1000"),
        ({"start_s": -1}, "--start -1: must be seconds from the start of the video"),
        ({"start_s": 2, "end_s": 1}, "--start 2 s is not before --end 1 s"),
    ],
)
def test_values_that_cannot_be_are_named(timing: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        FileTiming(**timing)


@pytest.mark.parametrize(
    ("stated", "timing", "message"),
    [
        (None, {"capture_fps": 12}, "--capture-fps makes the capture rate 12 fps, below the 24"),
        (
            None,
            {"fps": 15},
            "--fps 15 makes the capture rate 15 fps.*the file says it plays at 30 fps",
        ),
        (1.0, {}, "the file's com.android.capture.fps makes the capture rate 1 fps"),
        (None, {"start_s": 0.4}, "--start 0.4 s is past the end of .*0.40 s long \\(12 frames"),
        (None, {"end_s": 0.5}, "--end 0.5 s is past the end of .* or no --end to go to its end"),
        (None, {"start_s": 0.1, "end_s": 0.11}, "--start 0.1 --end 0.11 holds no frame of"),
    ],
)
def test_time_bases_and_windows_outside_the_video_or_the_engine_are_refused(
    tmp_path: Path, stated: float | None, timing: dict, message: str
) -> None:
    video = clip(tmp_path / "v.mp4")
    if stated is not None:
        add_to_moov(video, keyed_meta({ANDROID_KEY: f32(stated)}))
    with pytest.raises(UsageError, match=message):
        open_file(video, **timing)


# -- is it running at this time base? ---------------------------------------------------------


def test_running_steps_are_running_at_their_time_base() -> None:
    steps = [step(i) for i in range(10)]  # 171 spm, 250 ms contact
    assert timebase_problem(steps, 60.0) is None
    assert timebase_problem([], 30.0) is None


@pytest.mark.parametrize(
    ("cadence", "contact", "named"),
    [
        (40.0, 250.0, "cadence 40 spm (running: 120-240) is"),
        (171.4, 1200.0, "contact time 1200 ms (running: 80-450) is"),
        (40.0, 1200.0, "cadence 40 spm (running: 120-240) and contact time 1200 ms"),
        (300.0, 60.0, "cadence 300 spm (running: 120-240) and contact time 60 ms"),
        (265.0, 130.0, "cadence 265 spm (running: 120-240) is"),
    ],
)
def test_steps_outside_running_name_the_figures_and_the_flags(
    cadence: float, contact: float, named: str
) -> None:
    steps = [step(i, cadence_spm=cadence, contact_ms=contact) for i in range(1, 8)]
    problem = timebase_problem(steps, 29.97)
    assert problem is not None and named in problem
    assert "not from running at the video's 29.97 fps" in problem
    # Slow motion makes steps slower: quicker ones are a sprint or a video played fast, whose
    # container states too high a rate (--fps), no slow motion (--capture-fps, --slowmo).
    quicker = cadence > 240 or contact < 80
    assert ("--slowmo" in problem) is not quicker
    assert ("--capture-fps" in problem) is not quicker
    assert ("then give --fps N (the rate it was filmed at)" in problem) is quicker
    sprint = "quicker than the running the station measures: a sprint, which it does not measure"
    assert (sprint in problem) is quicker
    assert "walk" not in problem


@pytest.mark.parametrize(
    ("origin", "says"),
    [
        ("--slowmo 4", "at 120 fps (--slowmo 4): check --slowmo, or leave it out;"),
        ("--capture-fps", "at 120 fps (--capture-fps): check --capture-fps, or leave it out;"),
        (
            "the file's com.android.capture.fps",
            "(the file's com.android.capture.fps): give --capture-fps N, the rate it was filmed",
        ),
    ],
)
def test_a_stated_time_base_is_held_to_running_too(origin: str, says: str) -> None:
    # A real-time clip said to be slowed four times: its steps come four times too quick.
    steps = [step(i, cadence_spm=680.0, contact_ms=62.0) for i in range(1, 8)]
    problem = timebase_problem(steps, 120.0, origin)
    assert problem is not None and says in problem
    assert problem.endswith("no findings or cues are given")
    assert timebase_problem([step(i) for i in range(10)], 120.0, origin) is None


def test_a_lone_step_counts_by_its_contact_and_flight() -> None:
    """A wrong time base leaves few steps, often without a neighbour for their cadence: the
    contact and flight of one step span the step all the same."""
    lone = step(0, contact_ms=228.0, flight_ms=522.0)
    assert lone.cadence_spm is None
    problem = timebase_problem([lone], 30.0)
    assert problem is not None and problem.startswith("cadence 80 spm (running: 120-240) is")
    assert timebase_problem([step(0, contact_ms=250.0, flight_ms=100.0)], 60.0) is None


def test_a_glimpse_of_a_step_whose_gait_is_not_told_tells_no_time_base() -> None:
    """1.75 s of a treadmill walk (``tests.gait_modes``, 30 fps) gave one step, its gait not told
    yet, timed 106 a minute by its contact and flight, and was told it might be slow motion
    ("--slowmo 2 reads 213"): a view that short gives one step whatever the time base, and too
    few steps are said.
    Seen longer, or told running, the step is held to running's bounds as before."""
    untold = {"contact_ms": 0.5}
    lone = step(0, gait=None, contact_ms=270.0, flight_ms=296.0, metric_confidence=untold)
    assert timebase_problem([lone], 30.0, seen_s=1.75) is None
    assert timebase_problem([lone], 30.0, seen_s=6.0, rhythm=106.0) is not None  # legs at it
    assert timebase_problem([lone], 30.0) is not None  # the view not known
    ran = step(0, gait="running", contact_ms=270.0, flight_ms=296.0)
    assert timebase_problem([ran], 30.0, seen_s=1.75) is not None
