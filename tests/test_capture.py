from __future__ import annotations

import itertools
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from edge.capture import CaptureSettings, Frame, SourceInfo, open_source, parse_source_spec
from edge.capture.base import LiveSource
from edge.capture.file import VideoFileSource
from edge.capture.steady import stated_capture, usual_rate, varying
from edge.capture.timebase import FileTiming
from edge.errors import MissingResourceError, UsageError
from tests.builders.media import coded_frame, coded_index, read_frames, write_video


def numbered_frames(n: int, size: tuple[int, int] = (160, 120)) -> list[np.ndarray]:
    """Frames whose mean brightness encodes their index, to check order after encoding."""
    return [np.full((size[1], size[0], 3), 10 + 20 * i, np.uint8) for i in range(n)]


def test_file_source_is_lossless_ordered_and_timed(tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.mp4", numbered_frames(10), fps=25)
    with open_source(f"file:{video}") as source:
        assert source.info.fps == pytest.approx(25)
        assert (source.info.width, source.info.height) == (160, 120)
        assert not source.info.live
        frames = []
        while (frame := source.read()) is not None:
            frames.append(frame)
    assert [f.index for f in frames] == list(range(10))
    means = [float(f.image.mean()) for f in frames]
    assert means == sorted(means)
    gaps = np.diff([f.t_ns for f in frames])
    assert np.allclose(gaps, 1e9 / 25, atol=1)


def phone_video(
    path: Path,
    frames: list[np.ndarray],
    fps: float,
    turn: int = 0,
    bits: int = 10,
    times: list[float] | None = None,
    gop: int | None = None,
) -> Path:
    """An H.264 video of BGR frames as a phone stores one, written by PyAV: of ``bits`` a colour
    (10: High 10, an HDR clip), shown turned ``turn`` degrees (its display matrix), each frame
    at its time in ``times``, s (a variable frame rate), else at ``fps``; a key frame every
    ``gop`` frames, else as the encoder chooses."""
    import av

    unit = Fraction(1, 600)  # a phone's time unit: 600 ticks a second
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=round(fps))
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = "yuv420p10le" if bits == 10 else "yuv420p"
        stream.codec_context.time_base = stream.time_base = unit
        if gop:
            stream.options = {"g": str(gop), "bf": "0"}
        if turn:
            stream.set_display_rotation(turn)
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts = round((times[i] if times else i / fps) / unit)
            frame.time_base = unit
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


@pytest.mark.parametrize("turn", [0, 90, -90])
def test_a_deep_colour_video_is_read_quickly_and_upright_as_opencv_reads_it(
    tmp_path: Path, turn: int
) -> None:
    """A real phone clip of 10 bits a colour took OpenCV 50 ms a frame to decode (1080x1920),
    and a file is read up to three times: PyAV reads it, the frames in order, upright as
    OpenCV turns them, timed by OpenCV's frame rate, from a window's start and looped."""
    import av

    if turn and not hasattr(av.VideoStream, "set_display_rotation"):
        pytest.skip("this PyAV cannot write a display matrix (PyAV 18 does)")
    frames = numbered_frames(12)
    for image in frames:
        image[:20, :40] = (0, 0, 255)  # red in the top left corner, to tell the turn by
    video = phone_video(tmp_path / "hdr.mp4", frames, 25.0, turn)
    reference = read_frames(video)
    with VideoFileSource(video, CaptureSettings(paced=False)) as source:
        assert type(source._cap).__name__ == "DeepColour"
        assert source.info.fps == pytest.approx(25) and source.info.frame_count == 12
        read = [frame.image for frame in iter(source.read, None)]
    assert len(read) == 12 and read[0].shape == reference[0].shape
    assert all(
        np.abs(a.astype(int) - b.astype(int)).mean() < 2.0
        for a, b in zip(read, reference, strict=True)
    )
    means = [float(image.mean()) for image in read]
    assert means == sorted(means)
    later = CaptureSettings(paced=False, timing=FileTiming(start_s=0.2))
    with VideoFileSource(video, later, loop=True) as source:
        indices = [source.read().index for _ in range(10)]  # type: ignore[union-attr]
    assert indices[:7] == list(range(5, 12)) and indices[7:] == list(range(12, 15))


@pytest.mark.parametrize("bits", [8, 10])
def test_a_video_of_varying_frame_rate_is_timed_by_its_frames_own_times(
    tmp_path: Path, bits: int
) -> None:
    """A phone in dim light films fewer frames a second and stores each frame's own time (a
    real gym clip so rewritten, 30 frames a second and then 24, was read at their average: its
    cadence 178 steps a minute where the clip gives 167). Each frame comes at its own time, once,
    as a new frame too, in slow motion at its time slowed, and a window starts at the frame shown
    at its start. A video of a steady rate is timed by its rate."""
    times = [i / 30 for i in range(12)] + [0.4 + i / 20 for i in range(18)]
    frames = [coded_frame(i) for i in range(len(times))]
    video = phone_video(tmp_path / "vfr.mp4", frames, 30.0, bits=bits, times=times)

    def read(settings: CaptureSettings) -> list[tuple[float, int]]:
        with open_source(f"file:{video}", settings) as source:
            got = [(frame.t_ns, coded_index(frame.image)) for frame in iter(source.read, None)]
        return [((t - got[0][0]) / 1e9, k) for t, k in got]

    for settings in (
        CaptureSettings(paced=False),
        CaptureSettings(paced=False, new_frames_only=True),
    ):
        got = read(settings)
        assert [k for _, k in got] == list(range(len(times)))
        assert [t for t, _ in got] == pytest.approx(times, abs=1e-3)
    with VideoFileSource(video, CaptureSettings(paced=False)) as source:
        assert source.timebase.describe() == (
            "23.2 fps on average, its rate varying: each frame timed by its own time"
        )
    slowed = read(CaptureSettings(paced=False, timing=FileTiming(slowmo=2.0)))
    assert [t for t, _ in slowed] == pytest.approx([t / 2 for t in times], abs=1e-3)
    window = read(CaptureSettings(paced=False, timing=FileTiming(start_s=0.5, end_s=1.0)))
    assert [k for _, k in window] == list(range(14, 24))
    steady = phone_video(tmp_path / "cfr.mp4", frames, 30.0, bits=bits)
    with VideoFileSource(steady, CaptureSettings(paced=False)) as source:
        assert source.timebase.shown is None and source.info.frame_count == 30
    with open_source(
        f"file:{steady}", CaptureSettings(paced=False, new_frames_only=True)
    ) as source:
        assert source.too_few is None


def test_a_file_played_to_a_station_tells_where_its_frames_came_too_few_a_second(
    tmp_path: Path,
) -> None:
    """A phone whose light failed for 3 s films 20 frames a second there: the station is told
    where, as analyze tells it (``slow_stretches``), no step there timed, and its missed steps
    are put down to it."""
    times = [i / 30 for i in range(30)] + [1 + i / 20 for i in range(60)]
    times += [4 + i / 30 for i in range(30)]
    video = phone_video(
        tmp_path / "dim.mp4", [coded_frame(i) for i in range(len(times))], 30.0, bits=8, times=times
    )
    settings = CaptureSettings(paced=False, new_frames_only=True)
    with open_source(f"file:{video}", settings) as source:
        assert source.notes == (
            "the frames came fewer than the 24 a second the gait engine needs (from 1.0 to 4.0 s "
            "20 a second): no step there is timed; film at 30 fps or more, "
            "in good light",
        )
        assert source.too_few == "new frames"


def test_a_stall_in_a_clip_of_varying_rate_is_a_picture_held_still_not_a_slow_clip(
    tmp_path: Path,
) -> None:
    """A camera filming 30 frames a second that stalls for 4 s stores no frame for 4 s: a
    review's such clip was refused as holding 21 a second, and a stall of 1.5 s went untold,
    where the same stall stored as repeated frames is told as a picture held still. A stall is
    told so, the frames about it are taken, and the clip spans its stall, and a file's run puts
    its missed steps down to it, as analyze does (it had blamed the picture). Stalls of 0.3 s
    after every 0.5 s of frames are a camera too slow, refused as before (a review had it
    measured)."""
    for stall in (1.5, 4.0):
        times = [i / 30 for i in range(60)] + [2 + stall + i / 30 for i in range(60)]
        frames = [coded_frame(i) for i in range(len(times))]
        video = phone_video(tmp_path / f"stall{stall}.mp4", frames, 30.0, bits=8, times=times)
        settings = CaptureSettings(paced=False, new_frames_only=True)
        with open_source(f"file:{video}", settings) as source:
            assert source.info.seconds == pytest.approx(4.0 + stall)
            got = [coded_index(frame.image) for frame in iter(source.read, None)]
            assert source.notes == (
                f"the picture was held still once, {stall + 1 / 30:.1f} s in all, from 1.97 s (a "
                "paused camera, a title, or nothing in it moving): no new picture came then, and "
                "no step is timed across it",
            )
            assert source.too_few == "new frames"
        assert got == list(range(len(times)))
    bursts = [k * 0.8 + i / 30 for k in range(8) for i in range(15)]
    frames = [coded_frame(i) for i in range(len(bursts))]
    video = phone_video(tmp_path / "bursts.mp4", frames, 30.0, bits=8, times=bursts)
    with pytest.raises(UsageError, match=r"holds 19\.6 frames a second, fewer than the 24"):
        open_source(f"file:{video}", CaptureSettings(paced=False, new_frames_only=True))


def test_slow_motion_with_frames_dropped_is_slowed_by_its_usual_rate_not_its_average(
    tmp_path: Path,
) -> None:
    """A phone filming 240 frames a second stores them to play at 30 and drops one in ten: a
    review's such clip was slowed x8.83 from its average rate (27 a second), every time 9% short.
    It is slowed x8, each frame at its own time."""
    times = [i / 30 for i in range(100) if i % 10 != 5]
    frames = [coded_frame(i) for i in range(len(times))]
    video = phone_video(tmp_path / "slowmo.mp4", frames, 30.0, bits=8, times=times)
    settings = CaptureSettings(paced=False, timing=FileTiming(capture_fps=240.0))
    with VideoFileSource(video, settings) as source:
        assert source.timebase.slowmo == pytest.approx(8.0)
        got = [frame.t_ns for frame in iter(source.read, None)]
    assert [(t - got[0]) / 1e9 for t in got] == pytest.approx([t / 8 for t in times], abs=1e-4)


def test_paced_file_source_runs_at_the_file_rate(tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.mp4", numbered_frames(6), fps=20)
    start = time.monotonic()
    with open_source(f"file:{video}", CaptureSettings(paced=True)) as source:
        while source.read() is not None:
            pass
    assert time.monotonic() - start >= 5 / 20 - 0.01


def test_a_file_played_as_a_camera_drops_the_frames_a_slow_station_misses(
    tmp_path: Path,
) -> None:
    """Read at half its rate, a paced file hands out every frame ever later; with
    ``drop_late`` it skips the frames already overdue, as a camera drops them, keeps up with the
    clock, and each frame keeps its own time and index (the demo on a console)."""
    video = write_video(tmp_path / "v.mp4", numbered_frames(12), fps=50)
    lags = {}
    for drop in (False, True):
        source = VideoFileSource(video, CaptureSettings(paced=True, drop_late=drop), loop=True)
        with source:
            assert source.info.live == drop
            frames = []
            for _ in range(12):
                time.sleep(2 / 50)
                frames.append(source.read())
            lags[drop] = (time.monotonic_ns() - frames[-1].t_ns) / 1e9
        if drop:
            assert source.dropped >= 8 and frames[-1].index >= 20
            assert all(abs(f.image.mean() - (10 + 20 * (f.index % 12))) < 6 for f in frames)
            assert all(f.t_ns == source.t0_ns + round(f.index * 1e9 / 50) for f in frames)
        else:
            assert source.dropped == 0 and [f.index for f in frames] == list(range(12))
    assert lags[True] < 0.1 < lags[False]
    # The frames due before the first read go by unseen, not counted as dropped: the station
    # was not reading yet, as with a camera that runs before it is read.
    with VideoFileSource(video, CaptureSettings(paced=True, drop_late=True), loop=True) as late:
        time.sleep(0.3)
        first = late.read()
        assert first is not None and first.index >= 10 and late.dropped == 0
    # Every frame measured, the file starts when first read: a station slow to start (13 s on a
    # cold cache) had stamped its steps before the session they were recorded in.
    with VideoFileSource(video, CaptureSettings(paced=True)) as whole:
        time.sleep(0.3)
        first = whole.read()
        assert first is not None and first.index == 0
        assert abs(first.t_ns - time.monotonic_ns()) < 0.1e9


def test_a_file_played_to_a_stations_console_drops_late_frames_and_stays_a_file(
    tmp_path: Path,
) -> None:
    """``hipdrive run`` on a file with its console: frames the station is too late for are
    dropped, as a camera's, so the console shows the runner now (a console trial's said "LIVE,
    56 s behind"), while the source is still a file, its time base checked; headless, every
    frame is measured, however late."""
    from edge.config import Config
    from edge.run.station import open_station_source

    rng = np.random.default_rng(3)
    noise = [rng.integers(0, 255, (120, 160, 3), dtype=np.uint8) for _ in range(72)]
    video = write_video(tmp_path / "v.mp4", noise, fps=50)
    for now in (True, False):
        with open_station_source(Config(), f"file:{video}", now=now) as source:
            assert not source.info.live
            # The file starts when first read, not when opened (a station takes seconds to
            # start: a review found the first 2 s of a file dropped, uncounted).
            time.sleep(0.3)
            frames = []
            for _ in range(12):
                time.sleep(2 / 50)
                frames.append(source.read())
            assert frames[0].index == 0
            if now:
                assert source.dropped >= 8 and frames[-1].index >= 20
            else:
                assert source.dropped == 0 and [f.index for f in frames] == list(range(12))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("webcam:0", "unknown source 'webcam:0'; use one of: camera:N"),
        ("camera:front", "must be an index or a /dev/videoN path"),
        ("file:", "the file path is missing"),
        ("picamera:x", "must be a whole number"),
    ],
)
def test_bad_specs_explain_the_valid_forms(spec: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_source_spec(spec)


def test_missing_and_corrupt_videos_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        open_source(f"file:{tmp_path / 'absent.mp4'}")
    with pytest.raises(UsageError, match="is a folder, not a video file: give one video in it"):
        open_source(f"file:{tmp_path}")
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    with pytest.raises(UsageError, match="cannot decode video"):
        open_source(f"file:{corrupt}")


def test_an_empty_video_is_told_empty_not_corrupt(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(UsageError, match=r"is empty \(0 bytes\).*record or copy the video again"):
        open_source(f"file:{empty}")


def test_a_camera_that_cannot_open_names_the_device() -> None:
    with pytest.raises(MissingResourceError, match="camera /dev/video99 could not be opened"):
        open_source("camera:/dev/video99")


def test_picamera_without_picamera2_gives_the_install_command() -> None:
    pytest.importorskip("edge.capture.picamera")
    try:
        import picamera2  # noqa: F401
    except ImportError:
        with pytest.raises(MissingResourceError, match="python3-picamera2"):
            open_source("picamera")
    else:
        pytest.skip("picamera2 is installed here")


class _ScriptedDevice(LiveSource):
    """A live device that yields numbered images at a fixed rate, then fails."""

    def __init__(self, images: int, period_s: float) -> None:
        self._left = images
        self._period_s = period_s
        self._n = 0
        super().__init__(SourceInfo("scripted", 4, 4, 1 / period_s, live=True))
        self.max_failures = 3
        self.start()

    def _grab(self) -> np.ndarray | None:
        time.sleep(self._period_s)
        if self._left == 0:
            return None
        self._left -= 1
        self._n += 1
        return np.full((4, 4, 3), self._n, np.uint8)

    def _release(self) -> None:
        pass


def test_live_source_hands_over_the_latest_frame_and_counts_drops() -> None:
    device = _ScriptedDevice(images=40, period_s=0.005)
    time.sleep(0.1)  # a slow consumer: the device has produced several frames meanwhile
    first: Frame | None = device.read()
    assert first is not None and first.index > 0
    assert device.dropped == first.index
    seen = [first]
    with pytest.raises(MissingResourceError, match="stopped delivering frames"):
        while True:
            frame = device.read(timeout_s=1.0)
            assert frame is not None
            seen.append(frame)
    device.close()
    indices = [f.index for f in seen]
    assert indices == sorted(indices) and len(set(indices)) == len(indices)
    assert device.dropped + len(seen) == 40
    assert all(b.t_ns > a.t_ns for a, b in itertools.pairwise(seen))


def test_demo_source_loops_with_the_clock_running_on(tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.mp4", numbered_frames(4), fps=200)
    with open_source(f"demo:{video}") as source:
        frames = [source.read() for _ in range(10)]
    assert all(f is not None for f in frames)
    assert [f.index for f in frames] == list(range(10))
    means = [round(float(f.image.mean()), -1) for f in frames]
    assert means[4:8] == means[0:4], "the clip starts over"
    assert np.allclose(np.diff([f.t_ns for f in frames]), 1e9 / 200, atol=1)


def test_the_rate_frames_come_at_none_dropped_is_neither_their_average_nor_their_median() -> None:
    """A slow-motion factor is the capture rate over the rate the frames come at where none is
    dropped: a review's clip at x2, every other frame dropped in its dim part, read x4 from the
    median interval, and a Matroska clip at 240 frames a second, its times whole milliseconds,
    250. A clip that drops frames is timed by their own times only where it is slow motion: a
    real clip with one frame in five dropped had 10 of its 29 steps given no gait so, where the
    engine takes it at its steady average better."""
    dim = np.r_[np.arange(0, 2, 1 / 30), 2 + np.arange(0, 4.5, 1 / 15)]
    assert usual_rate(dim) == pytest.approx(30.0)
    for fps in (120, 180, 240, 300):
        whole_ms = np.floor(np.arange(0, 3, 1 / fps) * 1000) / 1000
        assert usual_rate(whole_ms) == pytest.approx(fps, rel=1e-3)
        assert not varying(whole_ms, fps, slowed=True)
    dropped = np.array([i / 30 for i in range(300) if i % 5 != 4])
    assert usual_rate(dropped) == pytest.approx(30.0)
    assert not varying(dropped, 24.0) and varying(dropped, 24.0, slowed=True)


def test_a_phones_own_rate_stated_in_a_clip_of_varying_rate_is_no_slow_motion() -> None:
    """Android phones state their rate in every clip (``com.android.capture.fps`` 30): held
    against the average of a clip filmed at 30 and then 24 frames a second, it read as slow
    motion x1.16, every step 16% short. Under 1.75 times the clip's usual rate it is the
    camera's own; a slow-motion rate stated is kept; a steady clip's is left to the time base."""
    shown = tuple(np.r_[np.arange(0, 2, 1 / 30), np.arange(2, 6, 1 / 24)].tolist())
    android = (30.0, "the file's com.android.capture.fps")
    assert stated_capture(android, shown) is None
    assert stated_capture((60.0, "x"), shown) == (60.0, "x")
    assert stated_capture((240.0, "x"), shown) == (240.0, "x")
    assert stated_capture(android, None) == android
    assert stated_capture(None, shown) is None


def test_a_recording_cut_before_a_key_frame_times_its_frames_by_their_own_times(
    tmp_path: Path,
) -> None:
    """A recording cut mid-way (an MPEG-TS stream) starts with packets no decoder can show
    before its first key frame: a review's had 20 of them, and every frame of it was timed 20
    packets early, up to 333 ms off. The packets before the first key frame are not counted, in
    its times nor in its frame count (OpenCV counted 140 frames of a review's 90)."""
    import av

    times = [i / 30 for i in range(30)] + [1 + i / 20 for i in range(40)]
    whole = phone_video(
        tmp_path / "whole.mp4", [coded_frame(i) for i in range(len(times))], 30.0, 8, 0, times, 10
    )
    cut = tmp_path / "cut.ts"
    with av.open(str(whole)) as src, av.open(str(cut), "w", format="mpegts") as out:
        stream = out.add_stream_from_template(src.streams.video[0])
        for n, packet in enumerate(src.demux(src.streams.video[0])):
            if packet.dts is not None and n >= 5:
                packet.stream = stream
                out.mux(packet)
    with open_source(f"file:{cut}", CaptureSettings(paced=False)) as source:
        got = [(frame.t_ns, coded_index(frame.image)) for frame in iter(source.read, None)]
        assert source.info.frame_count == len(got)
    assert got[0][1] == 10 and [k for _, k in got] == list(range(10, len(times)))
    start = got[0][0]
    assert [(t - start) / 1e9 for t, _ in got] == pytest.approx(
        [times[k] - times[10] for _, k in got], abs=2e-3
    )
