"""The station wired end to end with fake camera and pose, real sockets and a real SQLite file."""

from __future__ import annotations

import dataclasses
import math
import os
import threading
import time
import types
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

import edge.run.station as station_module
from calibrate.model import Calibration, Plane
from edge.bus.control import CommandRefused, ControlClient
from edge.bus.publisher import Publisher, Subscriber
from edge.bus.schema import FrameMsg, StatusMsg, StepMsg, SummaryMsg
from edge.capture import CaptureSettings, open_source
from edge.capture.base import Frame
from edge.capture.repeats import PictureCut
from edge.capture.timebase import TimeBase
from edge.config import load_config
from edge.demo.scene import SideCamera
from edge.gait import Step, Summary, SummaryBuilder
from edge.gait.fit import scale_named
from edge.gait.metrics import FAR_LEG_METRICS as FAR_LEG
from edge.gait.summary import CONFIDENT, LESS_SURE, UNJUDGED_KEY
from edge.offline.cuts import CutWatch
from edge.offline.replay import step_of
from edge.run.station import (
    DISTANCE_HELD,
    NO_RUNNER,
    RATE_HELD,
    TIMING_DOUBT,
    TIMING_HELD,
    CueReasons,
    FacingCheck,
    FileSteps,
    FitCheck,
    FitReading,
    GaitFeed,
    RateWatch,
    Station,
    step_line,
)
from edge.skeleton import KP
from edge.store.sessions import (
    SessionStore,
    list_sessions,
    read_keypoints,
    read_steps,
    read_summaries,
    read_untimed,
)
from tests.builders import messages
from tests.builders.fakes import FakePose, FakeSource, frame_index, frame_view
from tests.builders.keypoint_tracks import synth_track
from tests.builders.media import coded_frame, coded_index, write_video


def station_config(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(
        f'[station]\ndata_dir = "{folder / "data"}"\n'
        f'[bus]\npublish = "ipc://{folder}/pub"\ncontrol = "ipc://{folder}/ctl"\n'
        "frame_rate_hz = 240\n[pose]\ncrop = false\n"
    )
    return load_config(path)


@pytest.fixture()
def config(tmp_path: Path):
    return station_config(tmp_path)


@pytest.fixture(scope="module")
def running(mocap_trial):
    """12 s of a runner at 60 fps, as a pose model would see them."""
    t, kp = synth_track(mocap_trial, 60.0, SideCamera(), seed=31)
    return kp[t < 12.0]


def start(station: Station) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    thread = threading.Thread(target=station.run, args=(stop,))
    thread.start()
    return stop, thread


def collect(sub: Subscriber, until: float) -> list:
    out = []
    while time.monotonic() < until:
        msg = sub.recv(timeout=0.05)
        if msg is not None:
            out.append(msg)
    return out


def drain(sub: Subscriber, quiet_s: float = 0.5, cap_s: float = 10.0) -> list:
    """What is still on its way to ``sub`` from a station that has ended: until nothing comes
    for ``quiet_s``, ``cap_s`` at most (a fixed 0.3 s may end before the last of it has come on
    a loaded machine; a CI run beside other work received 29 of 30 steps, the publisher then
    dropping what it still held as it closed, ``CLOSE_LINGER_MS``)."""
    out = []
    end = time.monotonic() + cap_s
    while time.monotonic() < end and (msg := sub.recv(timeout=quiet_s)) is not None:
        out.append(msg)
    return out


SIDE_ON = np.zeros((17, 3), np.float32)
SIDE_ON[:, 2] = 0.9
SIDE_ON[[KP["left_hip"], KP["right_hip"]], :2] = (50.0, 100.0)
SIDE_ON[[KP["left_ankle"], KP["right_ankle"]], :2] = ((40.0, 180.0), (60.0, 180.0))
"""A person side on in one frame (17, 3): the hips together, the ankles 80 px below."""


def test_a_files_steps_too_few_to_judge_are_told_as_analyze_tells_them() -> None:
    """What ``hipdrive run`` on a file exits 2 with: the frames a person was in view count, a
    gap of dropped frames at most ``SEEN_GAP_S``."""
    empty = FileSteps((30.0, None))
    for i in range(300):
        empty.frame(i / 30, None)
    assert (empty.verdict() or "").startswith("0 steps: no person was found in it: film at least")
    glimpse = FileSteps((30.0, None))
    for t in (0.0, 1 / 30, 2 / 30, 2.0, 2.0 + 1 / 30):
        glimpse.frame(t, SIDE_ON)
    assert glimpse.seen_s == pytest.approx(3 / 30 + 0.5)
    assert "a person was in view for 0.6 s only" in (glimpse.verdict() or "")
    # Someone jogging toward the camera, their hips 37% of a leg apart (a user trial's clip had
    # been told to film 10 s): said as analyze says it.
    front = SIDE_ON.copy()
    front[[KP["left_hip"], KP["right_hip"]], 0] = (35.0, 65.0)
    toward = FileSteps((30.0, None))
    for i in range(84):
        toward.frame(i / 30, front)
    said = toward.verdict() or ""
    assert said.startswith("0 steps: the runner's hips are 37% of a leg's length apart"), said
    # Someone walking past a camera that stays still (a trial's man crossing a plaza, the same).
    past = FileSteps((30.0, None))
    for i in range(60):
        frame = SIDE_ON.copy()
        frame[:, 0] += 4.0 * i
        past.frame(i / 30, frame)
    said = past.verdict() or ""
    assert said.startswith("0 steps: the runner moves 2.7 leg lengths across the picture"), said
    lone = FileSteps((30.0, None))
    lone.steps = [messages.step(0, ic_t=float(i)) for i in range(5)]
    assert "5 steps: none of them follows another" in (lone.verdict() or "")
    run = FileSteps((30.0, None))
    run.steps = [messages.step(i) for i in range(4)]
    assert run.verdict() is None


def test_a_slow_motion_files_few_steps_are_told_its_legs_rhythm(mocap_trial) -> None:
    """A runner filmed in slow motion (x4) played at its playback rate: the few steps found had
    been told that the person was not side on or that steps were missed (a user trial's
    treadmill clip, where analyze said slow motion). The legs' own rhythm says it, as analyze
    says it, with the factor that makes it running."""
    t, kp = synth_track(mocap_trial, 60.0, SideCamera(), seed=31)
    slow = FileSteps((60.0, None))
    for when, keypoints in zip(4.0 * t[:600], kp[:600], strict=True):
        slow.frame(float(when), keypoints)
    slow.steps = [messages.step(0, ic_t=1.0), messages.step(1, ic_t=5.0)]
    said = slow.verdict() or ""
    assert "slower than any walk or run: if it is slow motion, give --slowmo X" in said, said
    assert "--slowmo 4 reads 15" in said, said
    # Two steps timed slower than any runner's, the legs' rhythm not read (a user trial's
    # slow-motion treadmill clip, its feet mostly hidden): said as analyze says it.
    timed = FileSteps((24.0, None))
    timed.steps = [
        messages.step(i, ic_t=0.78 * i, step_ms=780.0, cadence_spm=77.0, contact_ms=520.0)
        for i in range(3)
    ]
    said = timed.verdict() or ""
    assert "are not from running at the video's 24 fps: if it is slow motion" in said, said


def test_a_files_part_slowed_between_steps_at_real_speed_is_told(mocap_trial) -> None:
    """A phone's slow-motion clip plays its ends at real speed: a user trial's, slowed x4
    between, played through ``run``, had ended on a finding of good form from steps timed across
    its changes of speed, where analyze refused it. The part is told as analyze tells it, once
    a step ends it, the runner leaves, or the file ends; in the file's seconds, as --start takes
    them, from a run started 1 s in too; across a runner lost for a moment; to the session it
    fell in. Not where the file's rate was stated, nor on a steady run. (A review found a run
    from 1 s in told a window 1 s early, and one lost for 0.2 s, or leaving for a minute before
    the next runner, told nothing.)"""
    t, kp = synth_track(mocap_trial, 120.0, SideCamera(facing="left"), seed=5)
    real = (np.arange(len(t)) % 4 == 0) & ((t < 2.0) | (t >= 7.0) & (t < 9.0))
    keep = real | (t >= 2.0) & (t < 7.0)
    played = np.where(t < 2.0, t, np.where(t < 7.0, 2.0 + 4.0 * (t - 2.0), t + 15.0))[keep]
    landings = [0.3 + 0.385 * i for i in range(4)] + [22.3 + 0.385 * i for i in range(4)]
    steps = [
        messages.step(i, t=ic + 0.45, ic_t=ic, to_t=ic + 0.25, step_ms=385.0, cadence_spm=155.8)
        for i, ic in enumerate(landings)
    ]

    zero = 1000.0  # the station's time of the file's frame 0

    def play(
        timing: tuple[float, str | None] = (30.0, None),
        since: float = 0.0,
        upto: float = math.inf,
        lost: tuple[float, float] = (0.0, 0.0),
        away_s: float = 0.0,
    ) -> FileSteps:
        """The clip from ``since`` to ``upto`` s through a file's steps, nobody seen from
        ``lost[0]`` to ``lost[1]``, and for ``away_s`` after the slowed part."""
        file = FileSteps(timing)
        file.zero_t = zero
        due = iter([messages.later(s, zero + away_s * (s.ic_t > 22.0)) for s in steps])
        step = next(due)
        gone = np.arange(22.0, 22.0 + away_s, 1 / 30)
        for when, keypoints in zip(played, kp[keep], strict=True):
            if not since <= when < upto:
                continue
            if when >= 22.0 and len(gone):
                for nobody in gone:
                    file.frame(zero + float(nobody), None)
                gone = gone[:0]
            at = zero + float(when) + away_s * (when >= 22.0)
            file.frame(at, None if lost[0] <= when < lost[1] else keypoints)
            while step is not None and step.t <= at:
                file.step(step)
                step = next(due, None)
        return file

    said = play().slowed(ended=False) or ""
    assert said.startswith("from 1.7 to 22.3 s no step was found while the legs stepped 39 times")
    assert "--slowmo 4 --start 1.7 --end 22.3 measures it (157 steps a minute" in said
    assert "--start 1.7 --end 22.3 measures it" in (play(since=1.0).slowed(ended=False) or "")
    assert "--start 1.7 --end 22.3 measures it" in (play(lost=(10.0, 10.2)).slowed(False) or "")
    left = play(away_s=65.0)
    assert "--start 1.7 --end 22.0 measures it" in (left.slowed(ended=False) or "")
    assert left.slowed(ended=True, since=zero + 80.0) is None  # the next runner's session
    assert play((120.0, "--slowmo 4")).slowed(ended=True) is None
    unended = play(upto=20.0)
    assert unended.slowed(ended=False) is None
    assert "--slowmo 4 --start 1.7 --end 20.0 measures it" in (unended.slowed(ended=True) or "")
    steady = FileSteps((30.0, None))
    for when, keypoints in zip(t[::4], kp[::4], strict=True):
        steady.frame(float(when), keypoints)
    assert steady.slowed(ended=True) is None


class TimedSource(FakeSource):
    """A file's frames at ``times`` (its seconds, from where it was started on), as a file
    source gives them: ``t0_ns`` the station's time of the file's frame 0, before its first
    frame read when the file was started later in (``--start``)."""

    def __init__(self, times: np.ndarray, fps: float = 30.0) -> None:
        super().__init__(len(times), fps=fps)
        self._times = times

    def read(self) -> Frame | None:
        if self._i >= self._n:
            return None
        if self._i == 0:
            self.t0_ns = time.monotonic_ns() - round(float(self._times[0]) * 1e9)
        assert self.t0_ns is not None
        due = self.t0_ns + round(float(self._times[self._i]) * 1e9)
        frame = Frame(frame_view(self._i, self._size), self._i, due)
        self._i += 1
        return frame


def test_a_files_run_names_its_slowed_part_in_the_files_seconds(config, mocap_trial) -> None:
    """The station end to end, as ``hipdrive run`` plays a phone's slow-motion clip (x4 between
    2 and 7 s of the run, its ends at real speed) from 1 s into it: its own steps, found by the
    gait engine, its part slowed told as the file's verdict, its window in the file's seconds as
    ``--start`` takes them (the source's ``t0_ns``), where a review's run from 1 s in had named
    it 1 s early. A steady file of the same runner is not so refused."""
    t, kp = synth_track(mocap_trial, 120.0, SideCamera(facing="left"), seed=5)
    real = (np.arange(len(t)) % 4 == 0) & ((t < 2.0) | (t >= 7.0) & (t < 9.0))
    keep = real | (t >= 2.0) & (t < 7.0)
    played = np.where(t < 2.0, t, np.where(t < 7.0, 2.0 + 4.0 * (t - 2.0), t + 15.0))[keep]
    later = played >= 1.0
    station = Station(config, TimedSource(played[later]), FakePose(kp[keep][later]))
    stop, thread = start(station)
    thread.join(timeout=120)
    stop.set()
    said = station.slowed_verdict or ""
    assert said.startswith("from 1.8 to 22.3 s no step was found while the legs stepped"), said
    assert "--slowmo 4 --start 1.8 --end 22.3 measures it" in said, said
    steady = station_config(config.sessions_path.parent.parent / "steady")
    station = Station(steady, TimedSource(t[::4][t[::4] < 9.0]), FakePose(kp[::4]))
    stop, thread = start(station)
    thread.join(timeout=120)
    stop.set()
    assert station.ended and station.slowed_verdict is None
    assert len(read_steps(steady.sessions_path, 1)) >= 18


def looks_and_plans(config, running) -> tuple[dict[int, tuple], list[tuple]]:
    """A station over a file of 40 frames: the plan each frame was looked at by (by frame), and
    the plan after each frame settled, each as its crop and runner's box (rounded)."""
    source = FakeSource(40)
    station = Station(config, source, FakePose(running))
    looked: dict[int, tuple] = {}
    plans: list[tuple] = []
    look, settle = station.finder.look, station.finder.settle

    def key(plan) -> tuple:
        crop, box = plan
        return repr(crop), None if box is None else tuple(np.round(box, 3))

    def spy_look(image, planned=None):
        looked[frame_index(image)] = key(planned)
        return look(image, planned)

    def spy_settle(found, shape):
        runner = settle(found, shape)
        plans.append(key(station.finder.plan))
        return runner

    station.finder.look = spy_look  # type: ignore[method-assign]
    station.finder.settle = spy_settle  # type: ignore[method-assign]
    _stop, thread = start(station)
    thread.join(timeout=60)
    assert station.ended and len(plans) == 40
    return looked, plans


def test_a_files_first_frames_are_looked_at_as_analyze_looks_at_them(config, running) -> None:
    """A file's first frames are looked at as planned after the frame before, as analyze
    plans them, then after the frame ``depth`` before (``FramePipeline``): a trial's run and
    analyze of one clip differed in their first 7 frames only, each looked at on the full frame
    in run, which moved the run's pace 0.8%, across the bound of the paces recorded, and they
    gave opposite cues."""
    depth = 2  # one worker (the fake pose takes a frame at a time), a frame ready
    looked, plans = looks_and_plans(config, running)
    assert plans[0][1] is not None  # the runner's box: a plan to look by
    assert [looked[i] for i in range(1, 2 * depth)] == plans[: 2 * depth - 1]
    assert [looked[i] for i in range(2 * depth, 40)] == plans[depth : 40 - depth]


class SlowWake(threading.Condition):
    """A condition whose waiter, woken, runs again 50 ms late (a busy machine)."""

    def wait(self, timeout: float | None = None) -> bool:
        woken = super().wait(timeout)
        self.release()
        time.sleep(0.05)
        self.acquire()
        return woken


@pytest.mark.parametrize("workers", [2, 3])
def test_a_files_first_frames_never_hang_its_run(config, running, monkeypatch, workers) -> None:
    """A review's run of a file with 2 or 3 pose workers hung for good: a first frame waiting
    for the plan of the frame before lost it to a later frame's look, which took it away. A
    busy machine, its woken threads slow to run again, plays the file to its end."""
    monkeypatch.setattr(station_module, "StagedPoseEstimator", object)  # the fake takes workers
    slow = types.SimpleNamespace(**{k: getattr(threading, k) for k in dir(threading)})
    slow.Condition = SlowWake
    monkeypatch.setattr(station_module, "threading", slow)
    pose = config.pose.model_copy(update={"workers": workers})
    station = Station(config.model_copy(update={"pose": pose}), FakeSource(40), FakePose(running))
    stop, thread = start(station)
    thread.join(timeout=30)
    hung = thread.is_alive()
    stop.set()
    thread.join(timeout=30)
    assert not hung and station.ended


def test_a_headless_run_says_a_cues_reason_again_when_it_first_holds() -> None:
    """A headless line carries the cue alone: a trial's read "Quicker, lighter steps" beside
    155-159 spm for 46 steps, its reason said once, at 154, where the console said the cue
    held until 160. Each new cue's reason is said once, and once more when it first holds past
    its figure's return; not at each turn of the median about the target after."""
    quicker = ("cadence", "Quicker, lighter steps")
    past = "cadence 154 spm (target >= 155)"
    holding = "cadence 157 spm (target >= 155); the cue holds until 160 spm or more"

    def summary(cue: tuple[str, str] | None, reason: str | None) -> Summary:
        key, text = cue or (None, None)
        return Summary(20, {}, key, text, reason)

    reasons = CueReasons()
    said = [
        reasons.line(summary(cue, reason))
        for cue, reason in (
            (None, None),
            (quicker, past),
            (quicker, past),
            (quicker, holding),
            (quicker, past),
            (quicker, holding),
            (("good", "Good form - keep it up"), "every target met"),
            (quicker, past),
        )
    ]
    assert said == [
        None,
        f"  ({past})",
        None,
        f"  ({holding})",
        None,
        None,
        "  (every target met)",
        f"  ({past})",
    ]


def test_station_publishes_and_records_every_step(config, running) -> None:
    gate = threading.Event()
    source = FakeSource(len(running), gate=gate)
    station = Station(config, source, FakePose(running))
    with Subscriber(config.bus.publish, topics=(FrameMsg, StepMsg, SummaryMsg, StatusMsg)) as sub:
        _stop, thread = start(station)
        try:
            first = sub.recv(timeout=15.0)
            assert isinstance(first, StatusMsg), "a console hears the station before any frame"
        finally:
            # The source plays on and ends the run, failed or not (a review's failed run, on a
            # loaded machine, had left the station waiting for it and pytest with it).
            gate.set()
        received = collect(sub, time.monotonic() + 1.5)
        thread.join(timeout=60)
        received += drain(sub)
    assert not thread.is_alive()
    assert source.closed and station.ended  # played through: a console stays to be read
    steps = [m for m in received if isinstance(m, StepMsg)]
    summaries = [m for m in received if isinstance(m, SummaryMsg)]
    frames = [m for m in received if isinstance(m, FrameMsg)]
    assert station.steps_published >= 28
    assert len(steps) == station.steps_published
    assert len(summaries) == len(steps)
    assert summaries[-1].cue is not None and summaries[-1].units == "pct_leg"
    # The first step follows none: recorded and published, in no figure (its summary is of none),
    # until the second follows it and both go in.
    assert steps[0].step_ms is None and summaries[0].n_steps == 0
    assert all(s.step_ms is not None for s in steps[1:]) and summaries[1].n_steps == 2
    assert any(isinstance(m, StatusMsg) for m in received)
    assert frames and frames[-1].keypoints is not None
    assert frames[-1].left_thigh_deg is not None
    sessions = list_sessions(config.sessions_path)
    assert len(sessions) == 1
    recorded = read_steps(config.sessions_path, sessions[0].id)
    assert [s.ic_t for s in recorded] == [s.ic_t for s in steps]


def test_a_step_is_on_disk_before_any_console_sees_it(config, running) -> None:
    """What a SIGKILL cannot take back: every step read off the bus is already in SQLite
    when it arrives."""
    station = Station(config, FakeSource(len(running), fps=60.0, paced=True), FakePose(running))
    sub = Subscriber(config.bus.publish, topics=(StepMsg,))
    stop, thread = start(station)
    checked = 0
    try:
        deadline = time.monotonic() + 30.0
        while checked < 5 and time.monotonic() < deadline:
            msg = sub.recv(timeout=0.5)
            if isinstance(msg, StepMsg):
                [session] = list_sessions(config.sessions_path)
                recorded = {s.ic_t for s in read_steps(config.sessions_path, session.id)}
                assert msg.ic_t in recorded, f"step {checked} was published before it was written"
                checked += 1
    finally:
        stop.set()
        thread.join(timeout=30)
        sub.close()
    assert checked == 5
    assert not station.ended  # stopped before the file's end: nothing to stay for


def test_no_runner_idles_honestly_and_control_works(config) -> None:
    empty = np.zeros((400, 17, 3), np.float32)
    station = Station(config, FakeSource(400, fps=60.0, paced=True), FakePose(empty))
    sub = Subscriber(config.bus.publish, topics=(StatusMsg,))
    stop, thread = start(station)
    try:
        status = sub.recv(timeout=3.0)
        assert isinstance(status, StatusMsg)
        assert status.runner_present is False
        assert status.session_id is None
        client = ControlClient(config.bus.control, timeout=3.0)
        reply = client.request("start_session", runner="Ada")
        assert reply["ok"] and reply["session_id"] >= 1
        later = [m for m in collect(sub, time.monotonic() + 2.2) if isinstance(m, StatusMsg)]
        assert later[-1].session_id == reply["session_id"]
        assert later[-1].session_start_t is not None
        assert later[-1].session_start_t <= later[-1].t
        assert client.request("set_belt_speed", mps=3.1)["ok"]
        assert client.request("mark_lap", label="1 km")["ok"]
        # A lap where it happened, seconds ago (a drill's repeat, seen in the steps).
        assert client.request("mark_lap", label="repeat 1 hip", t=time.monotonic() - 3.0)["ok"]
        with pytest.raises(CommandRefused, match="not in the last 60 s"):
            client.request("mark_lap", t=time.monotonic() - 600.0)
        with pytest.raises(CommandRefused, match="unknown cmd"):
            client.request("fly")
        assert client.request("stop_session")["ok"]
        with pytest.raises(CommandRefused, match="no session"):
            client.request("stop_session")
        client.close()
    finally:
        stop.set()
        thread.join(timeout=30)
        sub.close()
    sessions = list_sessions(config.sessions_path)
    assert [s.runner for s in sessions] == ["Ada"]
    assert sessions[0].belt_speed_mps == pytest.approx(3.1)


def test_a_session_refused_by_a_store_held_elsewhere_says_why_once(config) -> None:
    """Refused, and the runner named all the same: the header names who is on the belt (a
    review found the name lost with the session)."""
    config.sessions_path.parent.mkdir(parents=True, exist_ok=True)
    holder = SessionStore(config.sessions_path, "elsewhere")
    empty = np.zeros((400, 17, 3), np.float32)
    station = Station(config, FakeSource(400, fps=60.0, paced=True), FakePose(empty))
    stop, thread = start(station)
    try:
        with Subscriber(config.bus.publish, topics=(StatusMsg,)) as sub:
            client = ControlClient(config.bus.control, timeout=3.0)
            with pytest.raises(CommandRefused) as refused:
                client.request("start_session", runner="Ada")
            client.close()
            named = sub.recv(timeout=3.0)
            while named is not None and named.runner is None:
                named = sub.recv(timeout=3.0)
        assert named is not None and named.runner == "Ada"
    finally:
        stop.set()
        thread.join(timeout=30)
        holder.close()
    assert str(refused.value) == (
        f"not recording: cannot open {config.sessions_path}: another process "
        f"(pid {os.getpid()}) is recording to it"
    )


def test_a_store_that_cannot_record_leaves_the_steps_and_says_so_once(
    config, running, caplog: pytest.LogCaptureFixture
) -> None:
    """A user trial's data folder on a full disk from the start: the station tried to open a
    session at every frame, started the runner's gait afresh each time and so published no step
    and no cue, warned 721 times in 12 s, and ended blaming the runner. The steps go out; the
    store's failure is said once, and on every status."""
    config.sessions_path.parent.mkdir(parents=True, exist_ok=True)
    holder = SessionStore(config.sessions_path, "elsewhere")
    source = FakeSource(len(running), fps=60.0)
    station = Station(config, source, FakePose(running))
    try:
        with Subscriber(config.bus.publish, topics=(StepMsg, StatusMsg)) as sub:
            _stop, thread = start(station)
            thread.join(timeout=60)
            received = drain(sub)
    finally:
        holder.close()
    assert not thread.is_alive()
    assert station.steps_published >= 28
    statuses = [m for m in received if isinstance(m, StatusMsg)]
    assert statuses and all("not recording" in (s.recording_error or "") for s in statuses)
    told = [r for r in caplog.records if "not recording" in r.getMessage()]
    assert len(told) == 1, [r.getMessage() for r in told]


def test_a_runner_off_the_picture_centre_is_no_camera_turned(config, mocap_trial) -> None:
    """A square camera aimed 0.6 m ahead of the runner: the far hip leads the near one by
    the line of sight's turn, which had read 10.4 deg off square, an oblique view. The station
    knows its picture, so it takes the line of sight off (``camera_sight``)."""
    t, kp = synth_track(mocap_trial, 60.0, SideCamera(forward_m=0.6), seed=31)
    kp = kp[t < 12.0]
    station = Station(config, FakeSource(len(kp), fps=60.0), FakePose(kp))
    with Subscriber(config.bus.publish, topics=(StepMsg,)) as sub:
        _stop, thread = start(station)
        thread.join(timeout=60)
        received = drain(sub)
    yaws = [m.yaw_deg for m in received if isinstance(m, StepMsg) and m.yaw_deg is not None]
    assert len(yaws) >= 10 and abs(float(np.median(yaws))) <= 3.0, yaws


def test_a_file_whose_camera_moved_gives_no_steps(config, running) -> None:
    """A file filmed by a camera that moved (``FrameSource.camera_problem``, read through before
    it plays): as analyze, no step is recorded or published, and the run ends saying why (a
    review found each step's figures shown, the cue alone held)."""
    moved = "the camera moved while it filmed (its background streamed across the picture)"
    source = FakeSource(len(running), fps=60.0)
    source.camera_problem = moved
    station = Station(config, source, FakePose(running))
    _stop, thread = start(station)
    thread.join(timeout=60)
    assert not thread.is_alive() and station.ended
    assert station.steps_published == 0
    assert station.fit_verdict == moved
    assert station.steps_verdict == f"0 steps: {moved}"


def test_a_stalled_console_does_not_hold_the_station_back(config, running) -> None:
    """A subscriber that never reads: the station still gets through every frame (the bus
    drops for that subscriber instead of waiting for it)."""
    import zmq

    from edge.bus.publisher import context

    stalled = context().socket(zmq.SUB)
    stalled.linger = 0
    stalled.rcvhwm = 1
    stalled.setsockopt(zmq.SUBSCRIBE, b"")
    stalled.connect(config.bus.publish)
    try:
        gate = threading.Event()
        source = FakeSource(len(running), gate=gate)
        station = Station(config, source, FakePose(running))
        _stop, thread = start(station)
        time.sleep(0.3)  # the stalled subscriber is connected before the frames flow
        gate.set()
        thread.join(timeout=60)
        assert not thread.is_alive()
        assert station.rates.snapshot(time.monotonic())[1] > 0
        assert station.steps_published >= 28
        assert station.publisher is not None and station.publisher.sent > len(running) // 4
    finally:
        stalled.close()


def test_status_carries_the_time_of_each_stage(config, running) -> None:
    source = FakeSource(240, fps=60.0, paced=True)
    station = Station(config, source, FakePose(running))
    with Subscriber(config.bus.publish, topics=(StatusMsg,)) as sub:
        _, thread = start(station)
        statuses = [m for m in collect(sub, time.monotonic() + 2.5) if isinstance(m, StatusMsg)]
        thread.join(timeout=30)
    assert statuses
    last = statuses[-1]
    assert set(last.stages_ms) == {"read", "pose", "gait", "publish"}
    assert all(ms >= 0 for ms in last.stages_ms.values())
    assert last.fps_in > 30 and last.fps_out > 30


def test_too_few_frames_a_second_are_told_once_with_what_to_do() -> None:
    watch = RateWatch(hold=3, warm_up=2)
    # warm-up, then 2 of 3
    assert [watch.update(10.0, False) for _ in range(4)] == [None] * 4
    message = watch.update(15.0, False)
    assert message is not None and "timed from 15 frames a second" in message
    assert "needs 24 or more: the camera delivers no more: light the belt better" in message
    assert {watch.update(15.0, False) for _ in range(10)} == {None}  # told once
    assert watch.problem == message
    assert [watch.update(30.0, False) for _ in range(3)] == [None] * 3
    assert watch.problem is None  # back for three ticks: over
    # 23 is 24 less 5%: enough
    assert {watch.update(23.0, False) for _ in range(2)} == {None}
    assert watch.update(20.0, True) is None and watch.update(20.0, True) is None
    message = watch.update(20.0, True)
    assert message is not None and "cannot keep up with its camera: see hipdrive bench" in message


def slowed(i: int, every_s: float, **changes) -> StepMsg:
    """The i-th running step of a runner landing every ``every_s`` seconds."""
    return messages.step(i, cadence_spm=60.0 / every_s, step_ms=1000.0 * every_s, **changes)


def test_a_files_steps_are_held_to_its_capture_rate_not_its_new_frames_rate(config) -> None:
    """A file whose new frames come 29.36 a second (a few of its 30 a second repeat the one
    before) is held to its 30 fps, as analyze holds it: a user trial's run had been told "at the
    video's 29.36 fps ... --slowmo 2.07" where analyze said "30 fps ... --slowmo 2"."""
    source = FakeSource(10, fps=29.36)
    source.timebase = TimeBase(30.0, 30.0)
    station = Station(config, source, FakePose(np.zeros((1, 17, 3), np.float32)))
    file = station._file
    assert file is not None
    file.steps = [
        messages.step(i, ic_t=0.53 * i, step_ms=530.0, cadence_spm=113.0, contact_ms=300.0)
        for i in range(2)
    ]
    said = file.verdict() or ""
    assert "is not from running at the video's 30 fps" in said and "--slowmo 2 reads" in said


@pytest.mark.parametrize("stepping", [False, True], ids=["standing", "stepping"])
def test_a_files_few_steps_out_of_its_rhythm_are_offered_no_slow_motion(
    config, stepping: bool
) -> None:
    """Two steps at 113 a minute in 9 s of a person in view, where that cadence gives 13: with
    the person standing still (a user trial's woman standing and posing, offered "--slowmo 2",
    which made her a judged run) they are told as analyze tells them, with no slow motion; with
    legs that step at that cadence (a slow-motion runner whose other steps the engine missed),
    slow motion is offered. Her clip held its picture still for 1.5 s, left out of the track: a
    gap across which no rhythm is read, but her feet never came a step apart."""
    source = FakeSource(10)
    source.timebase = TimeBase(30.0, 30.0)
    station = Station(config, source, FakePose(np.zeros((1, 17, 3), np.float32)))
    file = station._file
    assert file is not None
    for i in range(270):
        t = i / 30.0
        if not stepping and 4.0 <= t < 5.5:
            continue  # a picture held still
        person = SIDE_ON.copy()
        if stepping:  # the feet's spread widest at each step, 113 times a minute
            swing = 40.0 * np.sin(2 * np.pi * (113.0 / 120.0) * t)
            person[KP["left_ankle"], 0], person[KP["right_ankle"], 0] = 50 + swing, 50 - swing
        file.frame(t, person)
    file.steps = [
        messages.step(i, ic_t=0.53 * i, step_ms=530.0, cadence_spm=113.0, contact_ms=300.0)
        for i in range(2)
    ]
    said = file.verdict() or ""
    if stepping:
        assert "is not from running at the video's 30 fps" in said and "--slowmo 2 reads" in said
    else:
        assert "the person was not running or walking side on (standing" in said, said
        assert "slow" not in said


def test_a_files_time_base_is_held_to_its_steps_once_it_holds() -> None:
    """Slow motion played at 30 fps, steps 104 a minute: in doubt from the fourth running step
    (no cue), told once that has held for 8 steps in a row, and over when the steps fit a
    runner again. A walk whose last steps read as running at a walker's cadence, before a run:
    never told (a review's walk-then-run clip had been told for six steps, then not)."""
    check = FitCheck((30.0, None), None)
    assert [check.add(slowed(i, 0.577)) for i in range(10)] == [None] * 10
    # No cue meanwhile, nothing told yet; a clip that ended here is refused all the same.
    now = check.reading
    assert now.problem is None and now.of_time and "104 spm" in (now.doubt or "")
    told = check.add(slowed(10, 0.577))
    assert told is not None and "cadence 104 spm (running: 120-240)" in told
    assert check.reading.problem == told
    assert {check.add(slowed(i, 0.577)) for i in range(11, 30)} == {None}  # told once
    back = [check.add(slowed(i, 0.35)) for i in range(30, 90)]
    assert [t for t in back if t] == ["the steps fit a runner again: cues are given"]
    assert check.reading == FitReading()
    walk_then_run = FitCheck((30.0, None), None)
    walked = [messages.walked_step(i) for i in range(12)]
    first = [slowed(12 + i, 0.75) for i in range(5)]
    run = [slowed(17 + i, 0.35) for i in range(40)]
    assert {walk_then_run.add(s) for s in walked + first + run} == {None}
    assert walk_then_run.reading == FitReading()


def test_a_files_warm_up_and_cool_down_walks_are_not_held_to_the_runs_belt_speed() -> None:
    """A file's belt speed is the run's (3.0 m/s, a leg of 0.88 m): its walks at 1.1 m/s,
    before and after, would make the leg 2.4 m long. Held to it, a review's warm-up walk was
    told its belt speed was in km/h, and a cool-down of 200 steps refused the run's findings."""
    walk = [messages.walked_step(i, speed_legs_per_s=1.1 / 0.88) for i in range(16)]
    run = [messages.later(messages.step(i, speed_legs_per_s=3.0 / 0.88), 8.8) for i in range(300)]
    cool = [
        messages.later(messages.walked_step(i, speed_legs_per_s=1.1 / 0.88), 115.0)
        for i in range(200)
    ]
    check = FitCheck((30.0, None), None, 3.0)
    assert {check.add(s) for s in walk + run + cool} == {None}
    assert check.reading == FitReading()


def test_a_doubted_calibration_is_told_once_a_runner() -> None:
    """A plane the runner's feet do not stand on (a camera moved since it was calibrated): the
    live station had said it only by its marks (a review's). Told once a runner, as analyze
    says it; a calibration their steps do not doubt, never."""
    scale = ("the calibration calibration.toml", "calibrate it again")
    doubted = {"overstride_cm": 0.2, "vertical_osc_cm": 0.2, "stride_length_m": 0.2}
    check = FitCheck(None, scale)
    told = [check.add(messages.step(i, metric_confidence=doubted)) for i in range(12)]
    said = [t for t in told if t is not None]
    assert len(said) == 1 and "calibrate the plane again" in said[0]
    check.restart()
    told = [check.add(messages.step(i, metric_confidence=doubted)) for i in range(12)]
    assert len([t for t in told if t is not None]) == 1
    sure = FitCheck(None, scale)
    assert {sure.add(messages.step(i)) for i in range(12)} == {None}


def test_a_files_time_base_is_held_to_running_where_no_gait_was_told() -> None:
    """Slow motion can hide the hips' rise on every step, so no gait is ever told: its steps,
    measured by running's rules, are held to running's time base as analyze holds them (a
    review found the station "checking the steps against the file's rate" to the end)."""
    marks = messages.UNTOLD_MARKS
    check = FitCheck((30.0, None), None)
    told = [check.add(slowed(i, 0.577, metric_confidence=marks)) for i in range(12)]
    assert any(t is not None and "cadence 104 spm (running: 120-240)" in t for t in told)


def test_a_files_legs_twice_as_quick_as_its_steps_say_its_rate_is_wrong(running) -> None:
    """A user trial's ``run --fps 60`` on a 30 fps file: the engine found every other step, at
    a running cadence, and the runner was cued. The legs' own rhythm over the file's last
    frames, twice the steps', says the rate is wrong, as analyze does; at the file's own rate,
    or from a camera, nothing is said."""
    t = np.arange(len(running)) / 60.0
    every_other = [slowed(i, 0.35) for i in range(12)]  # 171 a minute
    stated_twice = FitCheck((120.0, "--fps 120"), None)
    own_rate = FitCheck((60.0, None), None)
    camera = FitCheck(None, None)
    for when, kp in zip(t, running, strict=True):
        stated_twice.frame(when / 2.0, kp)
        own_rate.frame(when, kp)
        camera.frame(when, kp)
    told = [stated_twice.add(s) for s in every_other]
    assert told[:10] == [None] * 10
    assert told[10] is not None and told[10].startswith("the legs step 3")
    assert told[10].endswith(
        "times a minute at 120 fps (--fps 120), faster than the running the station measures "
        "(120-240); the steps found, 171 a minute, every other one: check --fps, or leave it "
        "out; no findings or cues are given"
    )
    assert stated_twice.reading.of_time and stated_twice.reading.held == TIMING_HELD
    assert {own_rate.add(s) for s in every_other} == {None}
    assert {camera.add(s) for s in every_other} == {None}
    assert own_rate.reading == camera.reading == FitReading()


def test_a_files_contacts_that_change_at_once_are_told_before_its_time_base() -> None:
    """A user trial's phone clip slowed x2 after its first steps at real speed, played through
    ``run``: told to give ``--slowmo 2`` from the steps' median cadence, which reads the real-speed
    steps twice too slow, where analyze says the contacts change at once. The file is told so,
    at the file's seconds (the station's clock had read 83516.0 s), to its end; a camera's
    runner, whose clock is right, is not held to it."""
    real = [messages.later(messages.step(i, contact_ms=262.0), 100.0) for i in range(6)]
    slow = [
        messages.later(slowed(i, 0.72, contact_ms=455.0 + 6.0 * (i % 2)), 102.2) for i in range(14)
    ]
    check = FitCheck((30.0, None), None)
    check.zero_t = 100.0  # the file's frame 0, as the station sets it
    told = [check.add(s) for s in real + slow]
    said = [t for t in told if t]
    assert len(said) == 1 and said[0].startswith("the contacts change from 262 to 458 ms between")
    assert "s, at once: one runner's do not change so on a treadmill" in said[0]
    assert " 12.0 and 12.2 s, " in said[0] and "--slowmo 2 reads" not in said[0]
    camera = FitCheck(None, None)
    assert {camera.add(s) for s in real + slow} == {None}
    # Long after, its real-speed steps out of the last 200, it is still the file's verdict (a
    # review's went back to "give --slowmo 2").
    later = [messages.later(slowed(i, 0.72, contact_ms=458.0), 112.2) for i in range(14, 260)]
    assert {check.add(s) for s in later} == {None}
    assert (check.reading.doubt or "").startswith("the contacts change from 262 to 458 ms")


def test_a_walk_with_steps_read_as_running_at_its_own_cadence_is_a_walk() -> None:
    """A walk in place played to the station had ten of its 26 steps read as running, at its
    110 steps a minute: the file was told it was slow motion and ended with exit 2, where
    analyze gave the walk. The walk settles the time base; nothing is told."""
    check = FitCheck((30.0, None), None)
    assert {check.add(s) for s in messages.misread_walk()} == {None}
    assert check.reading == FitReading()


SCALE = scale_named(0.01, None)


def test_a_scale_that_does_not_fit_the_runner_holds_the_cues() -> None:
    """A --meters-per-pixel ten times too big: the leg reads 2.75 m (a user trial's 97 cm
    overstride). In doubt from the fourth running step, told after 8 in a row, as analyze's
    refusal says it, and told again when the time base turns out wrong too: the problem changed.
    A fitting scale is never in doubt; a camera's next runner is held to it afresh."""
    check = FitCheck((30.0, None), SCALE)
    far = [messages.step(i, overstride_cm=53.5, overstride_pct_leg=19.4) for i in range(11)]
    assert [check.add(s) for s in far[:10]] == [None] * 10
    assert check.reading.doubt is not None and not check.reading.of_time
    assert check.reading.problem is None
    told = check.add(far[10])
    assert told is not None and told.startswith("--meters-per-pixel 0.01 makes the runner's leg")
    assert "2.76 m long" in told and check.reading.problem == told
    slow = [slowed(i, 0.577, overstride_cm=53.5, overstride_pct_leg=19.4) for i in range(11, 60)]
    retold = [t for t in (check.add(s) for s in slow) if t]
    assert len(retold) == 1 and "is not from running at the video's 30 fps" in retold[0]
    assert check.reading.of_time
    check.restart()
    assert check.reading == FitReading()
    fits = FitCheck(None, SCALE)
    assert {fits.add(messages.step(i)) for i in range(40)} == {None}
    assert fits.reading == FitReading()


def test_until_the_check_can_read_the_steps_it_holds_the_cues_and_their_figures() -> None:
    """A trial's console showed 86 spm for the first seconds of a slow-motion file, before the
    check had steps enough to tell. A file's first steps, and a camera's with a scale, are being
    checked (no cue, and the console shows none of the figures checked) until four of one gait
    are in: a walk is held to walking's bounds. A camera without a scale checks nothing."""
    check = FitCheck((30.0, None), SCALE)
    check.add(messages.step(0))
    assert check.reading.checking == ("time", "distance")
    assert check.reading.held == "no cue yet: checking the steps against the file's rate"
    assert check.reading.doubt is None  # never the file's verdict
    for i in range(1, 4):
        check.add(messages.step(i))
    assert check.reading == FitReading() and check.reading.held is None
    walk = FitCheck((30.0, None), None)
    for i in range(4):
        walk.add(messages.walked_step(i))
    assert walk.reading == FitReading()
    camera = FitCheck(None, SCALE)
    camera.add(messages.step(0))
    assert camera.reading.checking == ("distance",)
    assert camera.reading.held == "no cue yet: checking the distances against the runner"
    bare = FitCheck(None, None)
    bare.add(messages.step(0))
    assert bare.reading == FitReading()


def test_a_files_belt_speed_that_does_not_fit_the_feet_holds_the_cues() -> None:
    """A file run with a scale, the runner's feet moving back at 3 m/s (3 legs a second, legs of
    1 m) where the belt speed set says 4.5: told after the hold. Set again, the same steps are
    held to the new speed from the next one on (the runner ran at the speed filmed): right, the
    problem is over; wrong (the console's keys pressed on), still no cue, and no "fit again"."""
    check = FitCheck((30.0, None), SCALE, 4.5)
    feet = [messages.step(i, speed_legs_per_s=3.0, overstride_cm=19.4) for i in range(30)]
    told = [t for t in (check.add(s) for s in feet) if t]
    assert len(told) == 1 and "a belt speed of 4.5 m/s (the station's belt speed)" in told[0]
    assert "feet move back at 3.00 m/s" in told[0] and "--belt-speed" in told[0]
    check.set_belt_speed(4.4)
    assert check.add(feet[0]) is None and check.reading.problem is not None
    assert "a belt speed of 4.4 m/s" in check.reading.problem
    check.set_belt_speed(2.8)
    assert check.add(feet[1]) == "the steps fit a runner again: cues are given"
    assert check.reading == FitReading()


@pytest.mark.parametrize("live", [False, True])
def test_a_belt_speed_is_held_to_a_files_steps_not_a_cameras(
    tmp_path: Path, running, live: bool
) -> None:
    """7.9 m/s set for a runner at 2.5 (a km/h figure given as m/s): a file's steps get no
    cue and its session keeps why, as analyze refuses the file. A camera's runner changes the
    belt's speed at will and a belt speed off misleads nothing but the stride lengths, so its
    cues go on (a review's station stopped them for 10 s after each belt change)."""
    config = station_config(tmp_path)
    gait = config.gait.model_copy(update={"belt_speed_mps": 7.9})
    config = config.model_copy(update={"gait": gait})
    source = FakeSource(len(running))
    source.info = dataclasses.replace(source.info, live=live)
    seen: list[tuple[Step, Summary]] = []
    station = Station(config, source, FakePose(running), report=lambda *s: seen.append(s))
    stop, thread = start(station)
    thread.join(timeout=120)
    stop.set()
    assert len(seen) >= 20
    held = [summary.held for _, summary in seen[3:]]
    [session] = list_sessions(config.sessions_path)
    if live:
        assert held == [None] * len(held) and session.problem is None
        assert any(summary.cue is not None for _, summary in seen)
    else:
        assert set(held[8:]) == {
            "no cue: the scale or the belt speed does not fit the runner (see the log)"
        }
        assert session.problem is not None and "a belt speed of 7.9 m/s" in session.problem
        assert station.fit_verdict == session.problem


def test_a_file_measured_faster_than_it_plays_keeps_its_own_time(config, running) -> None:
    """Headless, a file's frames are measured as fast as the machine goes, faster or slower
    than the file plays: its session's start and end, its steps and its cues all keep the
    file's time (a user trial's 23 s clip, measured in a minute, had a report of a 1.0 min
    session with a cue from 29 s)."""
    station = Station(config, FakeSource(len(running)), FakePose(running))
    stop, thread = start(station)
    thread.join(timeout=120)
    stop.set()
    [session] = list_sessions(config.sessions_path)
    steps = read_steps(config.sessions_path, session.id)
    summaries = read_summaries(config.sessions_path, session.id)
    assert len(steps) >= 20 and len(summaries) == len(steps)
    assert session.end_t is not None
    assert session.end_t - session.start_t == pytest.approx(len(running) / 60.0, abs=0.1)
    assert session.start_t <= min(s.ic_t for s in steps)
    assert all(s.to_t <= s.t <= session.end_t for s in steps)
    assert all(session.start_t <= m.t <= session.end_t for m in summaries)


def test_a_file_too_short_to_check_ends_unchecked_not_refused(config, running) -> None:
    """A second and two thirds of running: fewer than four steps, so the file's time base
    cannot be told. No cue, its last status says the steps are being checked (the console
    shows none of the figures checked), and the run is not refused for it; the last status
    comes after its session's end. Its steps are too few to judge a runner by, as analyze says
    of such a file, and its session says so (a user trial's were listed as stopped)."""
    kp = running[:100]
    seen: list[tuple[Step, Summary]] = []
    gate = threading.Event()
    source = FakeSource(len(kp), gate=gate)
    station = Station(config, source, FakePose(kp), report=lambda *s: seen.append(s))
    statuses = statuses_to_the_end(config, station, gate)
    assert 1 <= len(seen) < 4
    assert {summary.held for _, summary in seen} == {
        "no cue yet: checking the steps against the file's rate"
    }
    last = statuses[-1]
    assert last.timing_doubt and not last.distance_doubt and last.timing_problem is None
    assert last.session_id is None and station.fit_verdict is None
    [session] = list_sessions(config.sessions_path)
    assert session.problem == station.steps_verdict
    assert "too few to judge a runner by" in (session.problem or "")


def statuses_to_the_end(config, station: Station, gate: threading.Event) -> list[StatusMsg]:
    """The statuses a station publishes over a whole file, subscribed before its first frame
    (``gate``) and collected for half a second after its end."""
    with Subscriber(config.bus.publish, topics=(StatusMsg,)) as sub:
        stop, thread = start(station)
        assert isinstance(sub.recv(timeout=5.0), StatusMsg), "subscribed before the frames flow"
        gate.set()
        thread.join(timeout=60)
        statuses = [m for m in collect(sub, time.monotonic() + 0.5) if isinstance(m, StatusMsg)]
    stop.set()
    return statuses


def test_a_file_ending_in_doubt_tells_its_verdict_in_its_last_status(config, running) -> None:
    """Slow motion (x1.5) played at its playback rate, ending before its doubt has held for 8
    steps (10 steps at 104 a minute): the station refuses the steps as analyze would, and its
    last status says so, so a console elsewhere shows the verdict (a user trial's went on
    "checking the steps against the file's rate" after the station had refused them)."""
    kp = running[:250]
    gate = threading.Event()
    station = Station(config, FakeSource(len(kp), fps=40.0, gate=gate), FakePose(kp))
    statuses = statuses_to_the_end(config, station, gate)
    verdict = station.fit_verdict
    assert verdict is not None and "is not from running at the video's 40 fps" in verdict
    last = statuses[-1]
    assert last.camera_state == "ended" and last.timing_problem == verdict
    assert all(s.timing_problem is None for s in statuses if s.camera_state != "ended")


class LiveSource(FakeSource):
    """A fake camera: live, its frames handed out at its rate."""

    def __init__(self, n: int, fps: float) -> None:
        super().__init__(n, fps=fps, paced=True)
        self.info = dataclasses.replace(self.info, live=True)


def statuses_of(station: Station, config, seconds: float) -> list[StatusMsg]:
    """The statuses a station publishes over its first ``seconds``, then stopped."""
    with Subscriber(config.bus.publish, topics=(StatusMsg,)) as sub:
        stop, thread = start(station)
        try:
            return [m for m in collect(sub, time.monotonic() + seconds) if isinstance(m, StatusMsg)]
        finally:
            stop.set()
            thread.join(timeout=30)


@pytest.mark.parametrize(
    ("camera_fps", "rate_hz", "per_second"),
    [(60.0, 30.0, 30), (120.0, 30.0, 30), (25.0, 30.0, 25), (30.0, 30.0, 30), (50.0, 20.0, 20)],
)
def test_frames_go_out_at_the_configured_rate(
    tmp_path: Path, running, camera_fps: float, rate_hz: float, per_second: int
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[station]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[bus]\npublish = "ipc://{tmp_path}/pub"\ncontrol = "ipc://{tmp_path}/ctl"\n'
        f"frame_rate_hz = {rate_hz}\n[pose]\ncrop = false\n"
    )
    config = load_config(path)
    seconds = 4
    gate = threading.Event()
    source = FakeSource(round(seconds * camera_fps), fps=camera_fps, gate=gate)
    station = Station(config, source, FakePose(running))
    with Subscriber(config.bus.publish, topics=(FrameMsg, StatusMsg)) as sub:
        _stop, thread = start(station)
        assert isinstance(sub.recv(timeout=5.0), StatusMsg), "subscribed before the frames flow"
        gate.set()
        thread.join(timeout=60)
        received = collect(sub, time.monotonic() + 0.5)
    assert not thread.is_alive()
    # The frames carry the camera's timestamps, so the count does not depend on this machine.
    sent = [m.frame for m in received if isinstance(m, FrameMsg)]
    assert len(sent) == per_second * seconds
    gaps = np.diff(sent) / camera_fps
    assert gaps.max() < 1.5 / min(rate_hz, camera_fps), "evenly spread, not in bursts"


def test_steps_that_stand_alone_enter_no_figure_or_cue(config, running) -> None:
    """Each of a user trial's warm-up drills stood alone, timed from a landing that was no step:
    their cadence, overstride and contact had been shown as sure (219 steps a minute, 38% of
    the leg). A run's first step goes in once the next one follows it."""
    station = Station(config, FakeSource(1), FakePose(running))
    for i in range(6):
        drill = step_of(messages.step(1, ic_t=10.0 + 2.0 * i, step_ms=700.0))
        assert station._in_row(drill).n_steps == 0 and station.alone
    first, second, third = (step_of(messages.step(i)) for i in (100, 101, 102))
    assert station._in_row(first).n_steps == 0 and station.alone
    assert station._in_row(second).n_steps == 2 and not station.alone
    assert station._in_row(third).n_steps == 3


class HeardVoice:
    """A voice coach that keeps what it is handed (``VoiceCoach.offer``)."""

    def __init__(self) -> None:
        self.offered: list[SummaryMsg] = []

    def offer(self, summary: SummaryMsg) -> None:
        self.offered.append(summary)


def test_the_voice_is_handed_no_cue_of_another_gait_than_the_steps(config, running) -> None:
    """A walk's first step after a run stands alone, so the summary published with it is still
    the run's: its cue, which the voice would speak, had gone to it. So had it with the first
    step after a stand, no gait told yet. The summary recorded and published keeps its cue (a
    review: the report's cue timeline had gained a "no cue yet" between the run and the walk)."""
    station = Station(config, FakeSource(1), FakePose(running))
    station.publisher = Publisher(config.bus.publish)
    station.store = SessionStore(config.sessions_path, station.station_id)
    voice = HeardVoice()
    station.voice = voice  # type: ignore[assignment]
    published: list[Summary] = []
    station.report = lambda _step, summary: published.append(summary)
    try:
        for i in range(1, 10):
            station._publish_step(step_of(messages.step(i)))
        assert published[-1].gait == "running" and published[-1].cue == "Land under your hips"
        assert voice.offered[-1].cue == "Land under your hips"
        for step in (messages.walked_step(30), messages.untold_step(40)):
            station._publish_step(step_of(step))
            assert station.alone and published[-1].cue == "Land under your hips"
            # Handed still, so the voice's count of steps between its cues holds.
            assert len(voice.offered) == len(published) and voice.offered[-1].cue is None
    finally:
        station.store.close()
        station.publisher.close()


def test_a_files_run_ends_at_a_cut_the_runner_jumps_with(tmp_path: Path, running) -> None:
    """A file of two shots joined at 6 s, the runner 300 px further right after the cut: its
    run had gone on across the cut, as if one runner. It ends there now, its steps before the
    cut as a file of the first shot alone gives them, and says which flags take one shot."""

    measured: list[float] = []

    def run(kp: np.ndarray, cuts: tuple[PictureCut, ...], folder: str) -> tuple[Station, list]:
        """The station on ``kp``, and its steps' landings, s from the first; the frames it
        measured (``Station._measure``) in ``measured``."""
        source = FakeSource(len(kp))
        source.cuts = cuts
        steps: list[Step] = []
        station = Station(station_config(tmp_path / folder), source, FakePose(kp))
        station.report = lambda step, _summary: steps.append(step)
        measure = station._measure
        measured.clear()
        station._measure = lambda t, found: measured.append(t) or measure(t, found)  # type: ignore[method-assign]
        _stop, thread = start(station)
        thread.join(timeout=60)
        assert not thread.is_alive()
        return station, [s.ic_t - steps[0].ic_t for s in steps]

    joined = running[:720].copy()
    joined[360:, :, 0] += 300.0
    cut = (PictureCut(360, True, TimeBase(60.0, 60.0)),)
    station, steps = run(joined, cut, "joined")
    _, first_shot = run(running[:360], (), "first")
    assert station.ended and station.fit_verdict is None
    assert station.cut_problem is not None and station.cut_problem.endswith(
        "Run one shot at a time: --end 6.000 for the shot before it, --start 6.000 for the one "
        "after; hipdrive analyze fake names every cut in it"
    )
    assert steps == pytest.approx(first_shot, abs=0.02)
    # The runner in place across it (the light, say): the run goes on, every step as without it.
    went_on, through = run(running[:720], cut, "through")
    _, plain = run(running[:720], (), "plain")
    assert went_on.cut_problem is None and len(plain) > 2 * len(first_shot)
    assert through == pytest.approx(plain, abs=0.02)
    # The file ends 1 s after the cut, no runner found since: the frames held are measured
    # still (a review: they had been lost).
    gone = running[:420].copy()
    gone[360:, :, 2] = 0.0
    ended, _ = run(gone, cut, "ended")
    assert ended.cut_problem is None and len(measured) == 420


def test_a_run_begun_later_in_a_file_is_pointed_to_the_shot_from_where_it_began(
    config, running
) -> None:
    """A user trial's run from --start 2 that met a cut at 5 s was pointed to --end 5 alone,
    which would take the video's first 2 s in again."""
    station = Station(config, FakeSource(1), FakePose(running))
    station._cuts = CutWatch((PictureCut(360, True, TimeBase(60.0, 60.0)),))
    here = running[200]
    there = here.copy()
    there[:, 0] += 300.0
    for k in range(120, 361):
        station._cuts.frame(k, here if k < 360 else there, k)
    assert station.cut_problem is not None
    assert "at a time: --start 2.000 --end 6.000 for the shot before it," in station.cut_problem
    # Two shots with 3 s of black between them: the shot before ends at the first cut.
    station._cuts = CutWatch(
        (PictureCut(360, True, TimeBase(60.0, 60.0)), PictureCut(540, True, TimeBase(60.0, 60.0)))
    )
    for k in range(0, 541):
        station._cuts.frame(k, here if k < 360 else there if k >= 540 else None, k)
    assert (
        station.cut_problem is not None
        and ("at 6.000 s and again at 9.000 s with nobody in view between, and the runner jumps")
        in station.cut_problem
    )
    assert "time: --end 6.000 for the shot before it, --start 9.000 for the one after" in (
        station.cut_problem
    )


def test_a_files_phases_are_timed_from_its_first_frame(config, running) -> None:
    """A user trial's headless run of a file ended on phases timed by the station's clock
    ("14:29:10-14:29:14 running"): they are timed from the file's first frame played."""
    station = Station(config, FakeSource(1), FakePose(running))
    assert station._file is not None
    station._file.frame(52_000.0, None)
    walk = [messages.later(messages.walked_step(i), 52_000.0) for i in range(8)]
    run = [messages.later(messages.step(i, gait="running"), 52_004.5) for i in range(10)]
    station._file.steps = walk + run
    station.ended = True
    [phases] = [line for line in station.file_summary() if line.startswith("phases:")]
    assert phases.startswith("phases: 0:10-0:14 walking, 8 steps; 0:14-"), phases


def test_a_files_summary_tells_steps_not_timed_from_a_stand(config, running) -> None:
    """A file whose frames came too few a second for a while: its summary at the end says the
    steps there were not timed, as the session's report does (a user trial's run said
    "standing or off the belt" for them)."""
    station = Station(config, FakeSource(1), FakePose(running))
    assert station._file is not None
    station._file.frame(100.0, None)
    before = [messages.later(messages.step(i, gait="running"), 100.0) for i in range(10)]
    after = [messages.later(messages.step(i, gait="running"), 110.0) for i in range(10)]
    station._file.steps = before + after
    station._file.untimed.tell(113.5, 114.0)
    station._file.untimed.tell(None, 119.5)
    station.ended = True
    [phases] = [line for line in station.file_summary() if line.startswith("phases:")]
    assert "steps not timed: too few frames a second" in phases, phases
    assert "standing or off the belt" not in phases


def test_a_jittery_camera_and_a_gap_keep_the_rate_without_a_burst(config, running) -> None:
    at_30_hz = config.model_copy(
        update={"bus": config.bus.model_copy(update={"frame_rate_hz": 30})}
    )
    station = Station(at_30_hz, FakeSource(1), FakePose(running))
    rng = np.random.default_rng(5)
    # 60 fps stamped up to 3 ms late by a busy grab thread, with the camera out from 4 to 6 s.
    t = np.arange(0, 10, 1 / 60) + rng.uniform(0, 0.003, 600)
    t = t[(t < 4.0) | (t > 6.0)]
    sent = np.array([ts for ts in t if station._frame_goes_out(float(ts))])
    for a, b in ((0.0, 4.0), (6.0, 10.0)):
        assert abs(np.sum((sent >= a) & (sent < b)) - 30 * (b - a)) <= 1
    assert np.diff(sent).min() > 1 / 60, "never two frames in a row"


def feed_through(feed: GaitFeed, track: np.ndarray, start: float = 0.0) -> list:
    """Every frame of ``track`` (60 fps from ``start`` s) through ``feed``, then its finish."""
    steps = []
    for i, kp in enumerate(track):
        steps += feed.push(start + i / 60.0, kp)
    return steps + feed.finish()


def away(seconds: float) -> np.ndarray:
    """Nobody in view for ``seconds`` at 60 fps."""
    return np.repeat(NO_RUNNER[None], int(seconds * 60), axis=0)


@pytest.mark.parametrize("facing", ["right", "left"])
def test_a_facing_given_is_checked_against_the_runners_feet(
    tmp_path: Path, running, facing
) -> None:
    """The runner faces right. Given right, every step is shown, as by a station that reads the
    facing itself; given left, every step would be measured backwards, so none is shown and the
    station says why."""

    def run(facing: str | None, folder: Path) -> tuple[Station, list, list]:
        nonlocal session
        config = station_config(folder)
        station = Station(config, FakeSource(len(running)), FakePose(running), facing=facing)
        with Subscriber(config.bus.publish, topics=(StepMsg,)) as sub:
            _stop, thread = start(station)
            thread.join(timeout=60)
            steps = drain(sub)
        assert not thread.is_alive()
        [session] = list_sessions(config.sessions_path)
        return station, steps, read_steps(config.sessions_path, session.id)

    session = None
    station, steps, recorded = run(facing, tmp_path / "given")
    assert session is not None
    if facing == "right":
        assert station.view_problem is None and session.problem is None
        _, _, read = run(None, tmp_path / "read")
        assert [s.ic_t - read[0].ic_t for s in read] == pytest.approx(
            [s.ic_t - recorded[0].ic_t for s in recorded]
        )
        assert len(recorded) == station.steps_published >= 28
    else:
        assert station.view_problem == (
            "the runner faces right in the image (the belt carries their feet left), not left"
            " as --facing says: give --facing right, or leave it out to have it read"
        )
        assert station.steps_published == 0 and steps == [] and recorded == []
        # The session keeps why it holds no step (a trial's had read "stopped", no steps).
        assert session.problem == f"no steps shown: {station.view_problem}"


def test_steps_held_for_the_facing_check_go_out_when_it_cannot_tell(running) -> None:
    """A runner who jogs 0.8 s, too little to tell the facing (60 motions of each foot), then
    leaves: their steps go out all the same, as they would without the check, which goes on."""
    bout = np.concatenate([running[:48], away(6.0)])
    check = FacingCheck("right", calibrated=False)
    held = feed_through(GaitFeed(None, None, "right", check=check), bout)
    unchecked = feed_through(GaitFeed(None, None, "right"), bout)
    assert held and [s.ic_t for s in held] == [s.ic_t for s in unchecked]
    assert not check.done


def test_a_wrong_facing_is_caught_after_a_bout_too_short_to_tell(running) -> None:
    """A 0.8 s jog, off the belt, a new session, then a run: the check goes on over the bouts
    and stops the steps once the feet tell, however the first bout went."""
    check = FacingCheck("left", calibrated=False)
    first = GaitFeed(None, None, "left", check=check)
    feed_through(first, np.concatenate([running[:48], away(3.0)]))
    assert not check.done
    later = feed_through(GaitFeed(None, None, "left", check=check), running, start=10.0)
    assert check.problem is not None and "give --facing right" in check.problem
    assert later == []


def test_steps_held_at_a_new_session_go_to_the_next_feed(running) -> None:
    """Ankles seen too faintly for the check (confidence 0.25, under its 0.3) but not for the
    engine: the check cannot tell, the steps are held, and a new session's feed takes them."""
    faint = running.copy()
    faint[:, [KP["left_ankle"], KP["right_ankle"]], 2] = 0.25
    check = FacingCheck("right", calibrated=False)
    first = GaitFeed(None, None, "right", check=check)
    shown = [s for i in range(150) for s in first.push(i / 60.0, faint[i])]
    assert shown == [] and not check.done
    held = first.take_held()
    assert held and first.take_held() == []
    second = GaitFeed(None, None, "right", check=check, held=held)
    shown += feed_through(second, faint[150:], start=150 / 60.0)
    assert {s.ic_t for s in held} <= {s.ic_t for s in shown}


def test_a_calibration_made_facing_the_other_way_shows_no_steps(running) -> None:
    """The runner faces right; the calibration's plane was made facing left (its forward axis
    runs toward image left), so every step would be measured backwards."""
    mpp = SideCamera().meters_per_pixel
    homography = np.array([[-mpp, 0, 640 * mpp], [0, -mpp, 720 * mpp], [0, 0, 1]])
    plane = Plane(homography, np.array([[0, 650], [1280, 650]]), "left", (0, 0, 1280, 720), mpp)
    calibration = Calibration("test", (1280, 720), datetime.now(timezone.utc), plane=plane)
    check = FacingCheck.of(calibration, None)
    assert check is not None and check.given == "left"
    feed = GaitFeed(calibration, None, check=check)
    steps = [s for i in range(len(running)) for s in feed.push(i / 60.0, running[i])]
    assert steps == [] and check.problem is not None
    assert "not left as the calibration says" in check.problem
    assert "calibrate the plane again (hipdrive calibrate plane --facing right)" in check.problem


def test_a_headless_consoles_step_line_marks_what_was_measured_less_surely() -> None:
    far = step_of(messages.step(2, view="far", metric_confidence=dict.fromkeys(FAR_LEG, 0.25)))
    near = step_of(messages.step(3, view="near"))
    summary = SummaryBuilder().add(near)
    far_line, near_line = (
        step_line(far, summary, square=False),
        step_line(near, summary, square=False),
    )
    assert "overstride 18 cm*," in far_line and "hip ext 12 deg* |" in far_line
    assert "overstride 18 cm," in near_line and "hip ext 12 deg |" in near_line
    alone = step_line(near, summary, square=False, alone=True)
    assert "overstride 18 cm*," in alone and "hip ext 12 deg* |" in alone  # follows no step
    # The cadence over fewer than three steps, as the console marks it (a user trial's drills:
    # "cadence 219 spm" from one step).
    assert "| cadence 171 spm* |" in near_line
    builder = SummaryBuilder()
    for i in range(1, 4):
        summary = builder.add(step_of(messages.step(i, view="near")))
    assert "| cadence 171 spm |" in step_line(near, summary, square=False)


def test_a_headless_step_line_gives_no_cadence_of_the_gait_left() -> None:
    """A console trial's jog, its first step standing alone after a walk, began "... | cadence
    107 spm | walking": the summary was still the walk's. The line says the step's own gait
    and no cadence, as the console shows none under the new gait (``Readings.other_gait``)."""
    builder = SummaryBuilder()
    for i in range(1, 5):
        walked = builder.add(step_of(messages.walked_step(i)))
    assert walked.gait == "walking"
    first = step_line(step_of(messages.step(9, view="near")), walked, square=False, alone=True)
    assert first.endswith("| cadence - | first cue after a few steps")
    assert step_line(step_of(messages.walked_step(5)), walked, square=False).endswith("| walking")
    ran = SummaryBuilder().add(step_of(messages.step(3, view="near")))
    back = step_line(step_of(messages.walked_step(9)), ran, square=False, alone=True)
    assert back.endswith("| cadence - | walking")
    # Why the station holds its cues stays said (a review: "first cue after a few steps",
    # which would not come, had stood in for it).
    slow = dataclasses.replace(ran, held=RATE_HELD)
    held = step_line(step_of(messages.walked_step(9)), slow, square=False, alone=True)
    assert held.endswith(f"| cadence ? | {RATE_HELD}")


def test_a_headless_step_line_marks_an_uncalibrated_views_steps_until_its_yaw_is_known() -> None:
    """A session's first steps come before the engine knows the camera's yaw: uncalibrated,
    the view may yet prove oblique (as the console's history and the report then take them),
    so what a yaw foreshortens is marked on them; a calibrated plane's are not."""
    first = step_of(messages.step(1, view="near"))
    known = step_of(messages.step(5, view="near", yaw_deg=3.0))
    summary = SummaryBuilder().add(first)
    line = step_line(first, summary, square=True)
    assert "overstride 18 cm*," in line and "hip ext 12 deg* |" in line
    assert "contact 250 ms," in line  # timing is no matter of the view
    assert "overstride 18 cm," in step_line(first, summary, square=False)
    later = step_line(known, summary, square=True)
    assert "overstride 18 cm," in later and "hip ext 12 deg |" in later
    walked = step_line(step_of(messages.walked_step(1)), summary, square=True)
    figures = walked.split(" | cadence")[0]
    assert "overstride -," in figures and LESS_SURE not in figures  # no mark on no figure
    unsure = step_of(messages.walked_step(1, confidence=0.2))
    assert "hip ext - |" in step_line(unsure, summary, square=False)  # however unsure the step
    # A contact time measured less surely is marked, as the report marks it.
    timed_unsurely = step_of(messages.walked_step(1, metric_confidence={"contact_ms": 0.2}))
    assert "contact 650 ms*," in step_line(timed_unsurely, summary, square=False)


def test_a_headless_step_line_shows_no_figure_the_station_doubts() -> None:
    """As the console hides them: figures read off the clock while a file's time base is in
    doubt, the overstride in cm (given in leg lengths) while the scale or belt speed is."""
    step = step_of(messages.step(3))
    summary = SummaryBuilder().add(step)
    timed = dataclasses.replace(summary, held=TIMING_DOUBT)
    line = step_line(step, timed, square=False)
    assert "contact ?," in line and "| cadence ? |" in line and "overstride 18 cm" in line
    slow = step_line(step, dataclasses.replace(summary, held=RATE_HELD), square=False)
    assert "contact ?," in slow and "| cadence ? |" in slow
    metres = step_line(step, dataclasses.replace(summary, held=DISTANCE_HELD), square=False)
    assert "contact 250 ms," in metres and "overstride 19% leg," in metres


def test_no_step_while_the_engine_gets_too_few_frames_to_time_steps(config, mocap_trial) -> None:
    """A camera giving 22 frames a second (a loaded machine's in a user trial): from its first
    seconds the status tells no mode but that steps cannot be timed (``untimed``), and after the
    warm-up and five seconds of it says why; no step is recorded or published, so none gives a
    figure or a cue (a user trial's loaded station stored its cool-down walk's steps as
    running, overstride 31% of the leg; before it, a session so timed was reported with sure
    verdicts). The stretch is recorded with the session as the engine finds it, from the
    session's first frames to its end: its report says the steps could not be timed there, not
    that the runner stood (recorded from the status's notice it had begun after a 5 s warm-up
    and 5 s of it, and a stretch under 4 s went unrecorded)."""
    t, kp = synth_track(mocap_trial, 22.0, SideCamera(), seed=31)
    seen: list[tuple[Step, Summary]] = []
    source = LiveSource(int(np.sum(t < 14.0)), fps=22.0)
    station = Station(config, source, FakePose(kp), report=lambda *s: seen.append(s))
    statuses = statuses_of(station, config, 15.0)
    assert statuses[0].rate_problem is None
    told = [m for m in statuses if m.rate_problem]
    assert told and "timed from 22 frames a second" in told[0].rate_problem
    assert seen == [] and station.steps_published == 0
    present = [m for m in statuses if m.runner_present]
    assert len(present) > 10 and all(m.untimed for m in present[2:])
    assert {m.gait_mode for m in present} == {None}
    [session] = list_sessions(config.sessions_path)
    [(start, end)] = read_untimed(config.sessions_path, session.id)
    assert start < session.start_t + 1.0 and end == session.end_t


def test_before_its_engine_starts_a_feed_tells_steps_untimed_as_the_engine_does() -> None:
    """On an empty belt, before any runner starts an engine, the frames held are judged by the
    engine's rule (``UntimedClock``): one stall of 0.3 s is no stretch of too few frames (it had
    been recorded as one), 15 frames a second for 1 s are, from when they began to come too
    few."""
    stalled = GaitFeed(None, None)
    times = [*np.arange(0.0, 3.0, 1 / 30), *np.arange(3.3, 6.0, 1 / 30)]
    for t in times:
        stalled.push(float(t), NO_RUNNER)
        assert stalled.untimed_since is None, t
    slow = GaitFeed(None, None)
    for t in [*np.arange(0.0, 3.0, 1 / 30), *np.arange(3.0, 6.0, 1 / 15)]:
        slow.push(float(t), NO_RUNNER)
    assert slow.engine is None
    since = slow.untimed_since
    assert since is not None and 2.95 < since < 3.05


@pytest.mark.parametrize("framed", ["tight", "whole"])
def test_a_runner_whose_feet_are_out_of_the_picture_is_measured_less_surely(
    config, running, framed: str
) -> None:
    """A camera framed so tight that the runner's feet are below the picture in every frame:
    every step's figures at and between its events are less sure, so no cue rests on them (a
    user trial's treadmill clip, the feet hidden by the belt's side in 87% of its frames, was
    coached "Quicker, lighter steps" at 148 steps a minute, shown as sure, its runner at about
    160). The same runner in the whole picture is measured surely."""
    ankles = running[:, [KP["left_ankle"], KP["right_ankle"]], 1]
    height = int(np.nanmin(ankles)) - 20 if framed == "tight" else 1080
    seen: list[tuple[Step, Summary]] = []
    source = FakeSource(len(running), size=(1920, height))
    station = Station(config, source, FakePose(running), report=lambda *s: seen.append(s))
    stop, thread = start(station)
    thread.join(timeout=120)
    stop.set()
    steps = [step for step, _ in seen]
    assert len(steps) >= 20
    sure = [
        step.confidence_of(name) >= CONFIDENT
        for step in steps
        for name in ("contact_ms", "cadence_spm", "overstride_pct_leg", "hip_extension_deg")
        if getattr(step, name) is not None and step.view == "near"
    ]
    last = seen[-1][1]
    if framed == "tight":
        assert not any(sure)
        # Not put down to the square camera (a review's was told to calibrate it).
        assert last.cue_key == UNJUDGED_KEY and "off square" not in (last.cue_reason or "")
    else:
        assert np.mean(sure) > 0.9 and last.cue_key != UNJUDGED_KEY


def test_steps_timed_from_enough_frames_a_second_are_kept(config, mocap_trial) -> None:
    """A camera at 24 frames a second, the engine's least, that loses a frame now and then:
    every step is handed out, as from all its frames (a second review found a 24 fps camera
    losing one frame in 48 with 8 of 27 steps marked, timed over the step alone). Every other
    frame of the same, 12 a second: none, once 2 s of them are in."""
    t, kp = synth_track(mocap_trial, 24.0, SideCamera(), seed=31)

    def steps_of(frames: range | list[int]) -> list[Step]:
        station = Station(config, FakeSource(1), FakePose(kp))
        return [step for k in frames for step in station._measure(float(t[k]), kp[k])]

    every = steps_of(range(24 * 9))
    losing = steps_of([k for k in range(24 * 9) if k % 48 != 47])
    assert len(losing) > 20
    assert [s.ic_t for s in losing] == pytest.approx([s.ic_t for s in every], abs=0.02)
    halved = steps_of(range(0, 24 * 9, 2))
    assert not [step for step in halved if step.to_t > t[0] + 2]


def test_a_session_stopped_by_hand_stays_stopped_while_the_runner_runs_on(config, running) -> None:
    """The console's s while someone runs: the session ends, and none starts by itself until
    the belt has been empty (a user trial's stop was followed by a new session in 0.6 s, its
    steps split over two); s again starts one."""
    station = Station(config, FakeSource(len(running), fps=60.0, paced=True), FakePose(running))
    sub = Subscriber(config.bus.publish, topics=(StatusMsg,))
    stop, thread = start(station)
    client = ControlClient(config.bus.control, timeout=3.0)
    try:
        first = next(
            m
            for m in collect(sub, time.monotonic() + 4.0)
            if isinstance(m, StatusMsg) and m.session_id is not None
        )
        assert client.request("stop_session")["session_id"] == first.session_id
        later = [m for m in collect(sub, time.monotonic() + 2.5) if isinstance(m, StatusMsg)]
        assert later[-1].runner_present and later[-1].session_id is None
        reply = client.request("start_session", runner="Bo")
        assert reply["session_id"] == first.session_id + 1
    finally:
        client.close()
        stop.set()
        thread.join(timeout=30)
        sub.close()
    assert [s.id for s in list_sessions(config.sessions_path)] == [1, 2]


class LaggingSource(FakeSource):
    """A file played at its rate on a station that handles each frame ``lag`` seconds after
    its capture (a loaded machine's, as a console trial's was, 9 s behind)."""

    def __init__(self, n: int, fps: float, lag: float) -> None:
        super().__init__(n, fps=fps, paced=True)
        self._lag_ns = round(lag * 1e9)

    def read(self) -> Frame | None:
        frame = super().read()
        return None if frame is None else dataclasses.replace(frame, t_ns=frame.t_ns - self._lag_ns)


def test_a_session_started_by_hand_on_a_lagging_station_holds_only_its_own_steps(
    config, running
) -> None:
    """Frames captured before a session was started, handled after: their steps were run
    before it and are not filed in it (a console trial's report charts began seconds before
    its session), but in the session it ended, up to its end; and a session stopped by hand
    keeps the steps run before the stop, handled after it."""
    recording = config.station.model_copy(update={"record_keypoints": True})
    config = config.model_copy(update={"station": recording})
    station = Station(config, LaggingSource(11 * 60, fps=60.0, lag=3.0), FakePose(running))
    stop, thread = start(station)
    client = ControlClient(config.bus.control, timeout=3.0)
    try:
        time.sleep(4.5)
        second = client.request("start_session", runner="Bo")["session_id"]
        time.sleep(3.0)
        client.request("stop_session")
        thread.join(timeout=30)
    finally:
        client.close()
        stop.set()
        thread.join(timeout=30)
    sessions = {s.id: s for s in list_sessions(config.sessions_path)}
    steps = read_steps(config.sessions_path, second)
    assert len(steps) >= 3
    assert min(s.ic_t for s in steps) >= sessions[second].start_t
    assert sessions[second].end_t is not None
    assert sessions[second].end_t - 1.5 < max(s.ic_t for s in steps) < sessions[second].end_t
    first = read_steps(config.sessions_path, second - 1)
    assert sessions[second].start_t - 1.5 < max(s.ic_t for s in first) < sessions[second].start_t
    # The first session began when the runner's first frame was captured, not handled.
    captured, _, _ = read_keypoints(config.sessions_path, second - 1)
    assert sessions[second - 1].start_t == pytest.approx(captured[0], abs=0.02)


def test_a_files_left_out_frames_are_in_the_status(config, running) -> None:
    """What a file's frames are that are left out (``FrameSource.notes``, as analyze says it)
    reaches a console in the status (a console trial's doubled frames were never told there)."""
    source = FakeSource(len(running), fps=60.0, paced=True)
    source.notes = ("360 of the 720 frames repeat the frame before", "held still once")
    station = Station(config, source, FakePose(running))
    statuses = statuses_of(station, config, 2.0)
    assert statuses and {m.frames_note for m in statuses} == {
        "360 of the 720 frames repeat the frame before; held still once"
    }


@pytest.mark.parametrize(("held", "mode"), [("nobody", "off_belt"), ("runner", "standing")])
def test_a_files_picture_held_still_ages_the_mode_by_the_files_clock(
    tmp_path: Path, running, held: str, mode: str
) -> None:
    """A file of 6 s of running, then its picture held still for 4 s: an empty belt (a
    rendered one changes by no more than its noise), or the runner frozen (a paused camera).
    No new frame comes, but the mode ages by the file's clock, to nobody on the belt or to
    standing: a user trial's console kept the last run's RUNNING and "GOOD FORM" through 4 s
    of an empty belt held still, the frames left out never reaching the station. Its summary
    says the steps were not timed there."""
    track = running[::2][:181].copy()
    track[180] = NO_RUNNER
    last = 180 if held == "nobody" else 179
    pictures = [coded_frame(i) for i in range(180)] + [coded_frame(last)] * 120
    video = write_video(tmp_path / "held.mp4", pictures, 30.0)
    source = open_source(f"file:{video}", CaptureSettings(new_frames_only=True))
    station = Station(station_config(tmp_path), source, FakePose(track, index_of=coded_index))
    _stop, thread = start(station)
    thread.join(timeout=60)
    assert station.ended and station.steps_published > 10
    assert station._gait_mode() == mode
    # The file's clock was told up to the hold's last half second.
    assert station._handled_t - source.t0_ns / 1e9 >= 9.45
    # No new picture came: no step was timed there, which its summary says (a user trial's
    # 2.5 s freeze read "standing or off the belt").
    [phases] = [line for line in station.file_summary() if line.startswith("phases:")]
    assert phases.endswith("steps not timed: too few frames a second"), phases
