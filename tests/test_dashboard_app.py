"""The console against real ZeroMQ sockets: a publisher and a control server on random ports."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import io
import logging
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
import zmq
from textual.message import Message
from textual.pilot import Pilot

from edge.bus.control import ControlServer
from edge.bus.publisher import SEND_HWM, Publisher, context
from edge.bus.schema import UNJUDGED_KEY, MetricStats, Msg, encode
from edge.bus.security import generate_keys
from edge.cli import main
from edge.commands import common
from edge.config import load_config
from edge.dashboard import DashboardApp
from edge.dashboard.app import (
    ENDED_NOTICE_S,
    ENDED_TOLD_S,
    FRAME_INTERVAL,
    BusReceived,
    Command,
    ControlReplied,
    FramesReceived,
)
from edge.dashboard.screens import HelpScreen, RunnerNameScreen
from edge.errors import UsageError
from edge.gait.summary import UNJUDGED_CUE
from edge.pace import NO_TARGET_AT_PACE
from tests.builders import messages
from tests.builders.control import FakeHandler
from tests.test_dashboard_screen import NOWHERE, T0, screen_text, show_scene

SIZE = (120, 30)


def run(coro: Coroutine[Any, Any, None]) -> None:
    asyncio.run(coro)


async def wait_until(
    pilot: Pilot[None], done: Callable[[], bool], what: str, timeout: float = 3.0
) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s")
        await pilot.pause(0.02)


async def publish_until(
    pilot: Pilot[None], pub: Publisher, msg: Msg, done: Callable[[], bool], what: str
) -> None:
    """Publish ``msg`` again and again until ``done``: the subscriber joins when it joins."""
    deadline = time.monotonic() + 3.0
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within 3 s of publishing")
        pub.publish(msg)
        await pilot.pause(0.03)


def on_screen(app: DashboardApp, text: str) -> Callable[[], bool]:
    return lambda: text in screen_text(app)


def test_messages_from_a_real_publisher_appear_on_screen(publisher: Publisher) -> None:
    async def scenario() -> None:
        app = DashboardApp(publisher.endpoint, NOWHERE)
        async with app.run_test(size=SIZE) as pilot:
            assert "Waiting for steps…" in screen_text(app)
            status = messages.status(runner="Ana", belt_speed_mps=3.4)
            await publish_until(pilot, publisher, status, on_screen(app, "Ana"), "status")
            text = screen_text(app)
            assert "test-station │ Ana │ session 1" in text
            assert "belt 3.4 m/s" in text
            assert "● LIVE" in text
            publisher.publish(messages.step(3))
            publisher.publish(messages.step(4))
            publisher.publish(messages.summary())
            await wait_until(pilot, on_screen(app, "LAND UNDER YOUR HIPS"), "cue")
            text = screen_text(app)
            assert "foot lands 17.5 cm ahead of the hips (target < 12 cm)" in text
            assert "Overstride cm   now 17.9" in text  # the step, in the history plot
            assert "R  +4.5%" in text  # the summary's overstride asymmetry
            assert (
                app.readings.stats("overstride_cm") == messages.summary().metrics["overstride_cm"]
            )

    run(scenario())


def test_a_new_sessions_figures_start_afresh() -> None:
    """A user trial's console, left open across station restarts, showed the last runner's
    figures (cadence 167, overstride 41 % leg) under the next runner's name and session, who
    took no step. A new session's status clears them; its own first step and summary, come
    before that status, stay."""

    async def scenario() -> None:
        app = DashboardApp(NOWHERE, NOWHERE)
        async with app.run_test(size=SIZE) as pilot:
            for msg in (messages.status(runner="Max"), messages.step(4), messages.summary()):
                app.post_message(BusReceived(msg))
            await wait_until(pilot, on_screen(app, "LAND UNDER YOUR HIPS"), "the cue")
            app.post_message(BusReceived(messages.status(runner="Max", session_id=None)))
            await pilot.pause()
            assert "LAND UNDER YOUR HIPS" in screen_text(app)  # ended: the figures stay
            app.post_message(BusReceived(messages.status(runner="Eva", session_id=2)))
            await wait_until(pilot, on_screen(app, "Waiting for steps…"), "the figures cleared")
            text = screen_text(app)
            assert "Eva │ session 2" in text and "17.5" not in text and "17.9" not in text
            assert app.readings.summary is None and not app.readings.steps
            # A session started by hand while the runner runs on: the last step of the one
            # before, come after its last status, is not the new session's; its first is.
            first = messages.summary(t=40.0)
            third = messages.status(runner="Ana", session_id=3, session_start_t=31.0)
            for msg in (messages.step(59), messages.step(60), first, third):
                app.post_message(BusReceived(msg))
            await wait_until(pilot, on_screen(app, "Ana │ session 3"), "the third session")
            assert app.readings.summary == first
            assert [s.t for s in app.readings.steps] == [messages.step(60).t]

    run(scenario())


def test_at_80_columns_the_header_keeps_the_belt_speed(publisher: Publisher) -> None:
    """A console trial at 80x24 read "belt 3…": the speed set with the arrows was cut. Too
    narrow, the header leaves out the station's name instead."""

    async def scenario() -> None:
        app = DashboardApp(publisher.endpoint, NOWHERE)
        async with app.run_test(size=(80, 24)) as pilot:
            status = messages.status(runner=None, belt_speed_mps=3.2, gait_mode="running")
            await publish_until(pilot, publisher, status, on_screen(app, "unnamed"), "status")
            header = screen_text(app).splitlines()[0]
            assert "unnamed (n) │ session 1" in header and "belt 3.2 m/s" in header, header
            assert "test-station" not in header and "LIVE" in header

    run(scenario())


def test_a_station_running_behind_is_told_not_live(publisher: Publisher) -> None:
    """A file played headless on a slow machine loses no frame and falls behind: the header
    says by how much, and not LIVE (a console trial read "LIVE, 56 s behind")."""

    async def scenario() -> None:
        app = DashboardApp(publisher.endpoint, NOWHERE)
        async with app.run_test(size=SIZE) as pilot:
            status = messages.status(latency_p50_ms=21.0)
            await publish_until(pilot, publisher, status, on_screen(app, "test-station"), "status")
            assert "● LIVE" in screen_text(app) and "behind" not in screen_text(app)
            late = messages.status(latency_p50_ms=13400.0)
            await publish_until(pilot, publisher, late, on_screen(app, "● 13 s BEHIND"), "lag")
            assert "LIVE" not in screen_text(app)

    run(scenario())


def test_the_overstride_plot_aims_at_the_runners_pace(publisher: Publisher) -> None:
    """The overstride's target on the console grows with the pace the summary reads, as the
    cue's does (the history plot's title says it; the tile and plot colour by it)."""

    async def scenario() -> None:
        app = DashboardApp(publisher.endpoint, NOWHERE)
        async with app.run_test(size=SIZE) as pilot:
            slow = messages.summary()
            aim = "target <= {:g} cm"
            await publish_until(pilot, publisher, slow, on_screen(app, aim.format(20)), "summary")
            pace = MetricStats(median=5.7, iqr=0.1, asymmetry_pct=None)
            metrics = {**slow.metrics, "speed_legs_per_s": pace}
            fast = messages.summary(metrics=metrics)
            # With the summary, not the next step (a console trial's plot lagged its tile).
            await publish_until(pilot, publisher, fast, on_screen(app, aim.format(29)), "pace")
            assert aim.format(20) not in screen_text(app)

    run(scenario())


def test_past_the_recorded_paces_the_console_colours_the_overstride_as_the_station_judges(
    publisher: Publisher,
) -> None:
    """The station says whether the pace is past the recorded ones (``pace_beyond``, held with
    its cue), and the console follows it, not the pace alone: at 5.9 leg lengths a second, under
    the bound, a station still holding it past leaves the overstride without a target; one
    that says it is not past colours it by the target at that pace."""

    async def scenario() -> None:
        app = DashboardApp(publisher.endpoint, NOWHERE)
        async with app.run_test(size=SIZE) as pilot:
            pace = MetricStats(median=5.9, iqr=0.1, asymmetry_pct=None)
            metrics = {**messages.summary().metrics, "speed_legs_per_s": pace}
            aim = "target <= 29 cm"
            publisher.publish(messages.summary(metrics=metrics, pace_beyond=False))
            await publish_until(pilot, publisher, messages.step(5), on_screen(app, aim), "judged")
            publisher.publish(messages.summary(t=21.0, metrics=metrics, pace_beyond=True))
            await publish_until(
                pilot, publisher, messages.step(6), lambda: aim not in screen_text(app), "held"
            )
            assert "Overstride cm" in screen_text(app)

    run(scenario())


def test_at_80x24_the_notices_leave_the_tiles_to_be_read() -> None:
    """A console trial at 80x24 had its notices (the file's time base, the facing, a station
    that could not keep up with its camera) stacked over the cue and the tiles, their figures
    unreadable: they take the rows under the tiles, the newest whole, the others their title
    and first lines, so every one's point shows."""
    problems = {
        "view_problem": "the runner faces right in the image (the belt carries their feet left),"
        " not left as --facing says: give --facing right, or leave it out to have it read",
        "rate_problem": "steps are timed from 14 frames a second, where the gait engine needs 25"
        " or more: the station cannot keep up with its camera: see hipdrive bench and"
        " docs/performance.md for the settings of this device",
        "timing_problem": "cadence 58 spm (running: 120-240) is not from running at the video's"
        " 25.52 fps: if it is slow motion, give --capture-fps N (the rate it was filmed at) or"
        " --slowmo X (filmed rate / played rate) (--slowmo 4 reads 231 steps a minute); if not,"
        " steps were missed: film a runner on a treadmill from the side, with a camera that"
        " stays still; no findings or cues are given",
    }
    titles = {
        "timing_problem": "Time base",
        "view_problem": "No steps shown",
        "rate_problem": "Frame rate",
    }

    async def scenario() -> None:
        app = DashboardApp(NOWHERE, NOWHERE)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await show_scene(app, pilot)
            status = app.readings.status
            assert status is not None
            # The time base first, alone: whole; and whole again once a newer notice has gone.
            first = {"timing_problem": problems["timing_problem"]}
            app.post_message(BusReceived(dataclasses.replace(status, **first)))
            whole = "stays still; no findings or cues are given"
            await wait_until(pilot, on_screen(app, whole), "the time base whole")
            app.notify("Session 4 started", timeout=0.3)
            await wait_until(pilot, lambda: whole not in screen_text(app), "a newer notice")
            # Within a second: before the console goes stale, which would restyle every notice.
            await wait_until(pilot, on_screen(app, whole), "the time base whole again", 1.0)
            app.post_message(BusReceived(dataclasses.replace(status, **problems)))
            await pilot.pause()
            await pilot.pause()
            told_screen = screen_text(app)
            for name, title in titles.items():
                assert title in told_screen and problems[name][:40] in told_screen, title
            # Across the screen, none of the plot behind showing at their ends.
            assert {toast.region.width for toast in app.screen.query("Toast")} == {80}
            app.clear_notifications()
            await pilot.pause()
            await pilot.pause()
            # The cue and the tiles read as with no notice (the header has gone stale since).
            tiles = app.screen.query_one("#tiles").region
            above = screen_text(app).splitlines()[: tiles.bottom]
            assert told_screen.splitlines()[1 : tiles.bottom] == above[1:]
            assert "NO CUE" in above[1] and "SCISSOR deg" in above[-5]

    run(scenario())


def test_steps_in_and_no_cue_yet_the_banner_says_what_the_first_waits_for() -> None:
    """A console trial's banner said "Waiting for steps…" over tiles showing the first steps'
    figures: the station's first cue waits for a few steps and for the camera's view. With
    none in, it still waits for steps."""

    async def scenario() -> None:
        app = DashboardApp(NOWHERE, NOWHERE)
        async with app.run_test(size=(80, 24)) as pilot:
            app.post_message(BusReceived(messages.status(t=T0, gait_mode="running")))
            await pilot.pause()
            assert "Waiting for steps…" in screen_text(app)
            first = messages.summary(t=T0, n_steps=3, cue=None, cue_key=None, cue_reason=None)
            app.post_message(BusReceived(first))
            await pilot.pause()
            await pilot.pause()
            text = screen_text(app)
            assert "Waiting for steps" not in text and "FIRST CUE AFTER A FEW STEPS" in text
            assert "3 steps in: the first cue waits for enough of them to judge by" in text
            assert app.readings.stats("cadence_spm") is not None  # a tile's figure, beside it
            app.post_message(BusReceived(messages.summary(t=T0 + 1)))
            await pilot.pause()
            await pilot.pause()
            assert "LAND UNDER YOUR HIPS" in screen_text(app)

    run(scenario())


def test_past_the_recorded_paces_the_overstride_tile_says_it_has_no_target() -> None:
    """A user trial's runner at 5.1 m/s (6.6 leg lengths a second) had an uncoloured overstride
    tile beside coloured ones, saying nothing of why; the cue's reason said it has no target
    at this pace. At 80x24 the tile says so, in its words; measured less surely too."""
    pace = MetricStats(median=6.6, iqr=0.2, asymmetry_pct=None)
    overstride = MetricStats(median=48.4, iqr=6.0, asymmetry_pct=None)

    async def tile_text(stats: MetricStats) -> tuple[str, set[str]]:
        app = DashboardApp(NOWHERE, NOWHERE)
        async with app.run_test(size=(80, 24)) as pilot:
            app.post_message(BusReceived(messages.status(t=T0, calibrated=False)))
            summary = messages.summary(
                t=T0,
                metrics={"overstride_pct_leg": stats, "speed_legs_per_s": pace},
                units="pct_leg",
                calibrated=False,
                pace_beyond=True,
                cue_key=UNJUDGED_KEY,
                cue=UNJUDGED_CUE,
                cue_reason=f"overstride has {NO_TARGET_AT_PACE}",
            )
            app.post_message(BusReceived(summary))
            await pilot.pause()
            await pilot.pause()
            tile = app.screen.query_one("#tile-1")
            rows = screen_text(app).splitlines()[tile.region.y : tile.region.bottom]
            text = "\n".join(row[tile.region.x : tile.region.right] for row in rows)
            return text, {c for c in tile.classes if c in ("-good", "-watch", "-off")}

    for stats in (overstride, dataclasses.replace(overstride, confident=False)):
        text, level = asyncio.run(tile_text(stats))
        assert "OVERSTRIDE % leg" in text and "no aim at pace" in text, text
        assert "less sure" not in text and "unsure" not in text and level == set()


@pytest.mark.parametrize(
    ("problem", "header", "notice"),
    [
        (
            {"view_problem": "not right as the calibration says: calibrate the plane again"},
            "no steps shown: the runner faces the other way than set up",
            "as the calibration says",
        ),
        (
            {"framing_problem": "a foot was out of the picture in 48% of the frames: film it"},
            "feet out of the picture: film the whole runner",
            "in 48% of the frames",
        ),
        (
            {"rate_problem": "steps are timed from 15 frames a second: light the belt better"},
            "too few frames a second to time steps",
            "timed from 15 frames a second",
        ),
        (
            {"timing_problem": "cadence 85 spm (running: 120-240) is not from running at the"},
            "no cue: steps no runner's at the file's rate",
            "cadence 85 spm (running: 120-240)",
        ),
        (
            {"distance_problem": "a belt speed of 4.5 m/s (the station's belt speed) and the"},
            "no cue: scale or belt speed does not fit the runner",
            "a belt speed of 4.5 m/s",
        ),
    ],
)
def test_a_stations_problem_with_its_view_is_told_on_the_console(
    publisher: Publisher, problem: dict[str, str], header: str, notice: str
) -> None:
    """A facing the feet contradict (no steps shown), feet that leave the picture, too few
    frames a second, a file's time base no runner's (its console had said "too few frames a
    second"), or a scale or a belt speed that does not fit the runner: on the header, and the
    station's message with what to do as a notice."""

    async def scenario() -> None:
        app = DashboardApp(publisher.endpoint, NOWHERE)
        async with app.run_test(size=(200, 30), notifications=True) as pilot:
            status = messages.status(runner="Ana", **problem)
            await publish_until(pilot, publisher, status, on_screen(app, header), "the header")
            await wait_until(pilot, on_screen(app, notice), "the notice")

    run(scenario())


def test_the_links_last_check_after_the_console_has_closed_does_nothing() -> None:
    """The link check's timer can tick once more as the console quits, after its screens are
    gone: a test run under load failed there ("No screens on stack")."""

    async def scenario() -> None:
        app = DashboardApp(NOWHERE, NOWHERE)
        async with app.run_test(size=(200, 30)) as pilot:
            await pilot.pause()
        assert not app.screen_stack
        app._check_link()

    run(scenario())


def test_a_station_elsewhere_whose_file_ended_is_told_ended_not_lost() -> None:
    """A headless station's file ended: its last status says so, and a separate console shows
    ENDED, the figures dimmed (a console trial's read NO DATA in red under a green cue)."""

    async def scenario() -> None:
        app = DashboardApp(NOWHERE, NOWHERE)
        async with app.run_test(size=(200, 30)) as pilot:
            app.post_message(BusReceived(messages.status(camera_state="ended")))
            await pilot.pause()
            await wait_until(pilot, on_screen(app, "■ ENDED"), "ended")
            assert "NO DATA" not in screen_text(app)
            # The next run's station: its first status is live (the header had kept "ENDED"
            # beside the new session until a second message came).
            app.post_message(BusReceived(messages.status(session_id=2)))
            await pilot.pause()
            text = screen_text(app)
            assert "session 2" in text and "● LIVE" in text and "ENDED" not in text

    run(scenario())


def test_a_files_repeated_frames_are_told_on_the_console() -> None:
    """A console trial's file of doubled frames was told so by analyze, never on the console
    (the station's warning went by under it)."""
    note = "359 of the 840 frames repeat the frame before and are left out"

    async def scenario() -> None:
        app = DashboardApp(NOWHERE, NOWHERE)
        async with app.run_test(size=(200, 30), notifications=True) as pilot:
            app.post_message(BusReceived(messages.status(frames_note=note)))
            await pilot.pause()
            assert [n.message for n in app._notifications] == [note]
            assert [n.title for n in app._notifications] == ["The file's frames"]

    run(scenario())


def test_a_problem_is_told_once_while_it_lasts_however_its_figures_move() -> None:
    """The station's problem message carries figures that move from step to step (a user
    trial's console stacked four notices, "leg would be 2.05 m" to "2.08 m", over the balance
    panel): one notice while it lasts, and one again when it comes back."""

    async def scenario() -> None:
        app = DashboardApp(NOWHERE, NOWHERE)
        async with app.run_test(size=(200, 30), notifications=True) as pilot:
            for problem in (
                "a leg would be 2.05 m long",
                "a leg would be 2.06 m long",
                "a leg would be 2.07 m long",
                None,
                "a leg would be 2.05 m long",
            ):
                app.post_message(BusReceived(messages.status(distance_problem=problem)))
                await pilot.pause()
            told = [n.message for n in app._notifications]
            assert told == ["a leg would be 2.05 m long"] * 2

    run(scenario())


def test_a_file_played_through_leaves_the_console_to_be_read_and_says_so() -> None:
    """A trial's console closed before a key could be pressed; then, kept, it showed a red
    "NO DATA", its keys each waited 2 s for "no reply", and a short slow-motion clip ended
    still "checking" the steps it was refused for."""

    async def scenario() -> None:
        app = DashboardApp(NOWHERE, NOWHERE)
        async with app.run_test(size=(200, 30), notifications=True) as pilot:
            app.post_message(BusReceived(messages.status(belt_speed_mps=None)))
            await pilot.pause()
            app.notify("the station cannot keep up with its camera", title="Frame rate")
            await pilot.pause()
            app.source_ended("file:run.mp4", "cadence 85 spm (running: 120-240) is not from")
            await pilot.pause()
            assert app.is_running and "■ ENDED · q quits" in screen_text(app)
            assert [n.message for n in app._notifications] == [
                "cadence 85 spm (running: 120-240) is not from",
                "file:run.mp4 has ended: its last figures stay on screen, dimmed, as the station"
                " has stopped; press q to quit",
            ]
            # Why there are no findings stays; that it ended goes, so the figures can be read
            # (a console trial's notice hid the balance panel until q).
            assert [n.timeout for n in app._notifications] == [ENDED_NOTICE_S, ENDED_TOLD_S]
            await pilot.press("up")
            await pilot.pause()
            told = [n.message for n in app._notifications][-1]
            assert told.startswith("file:run.mp4 has ended and its station has stopped")
            assert "belt --" in screen_text(app)  # nothing was set, so nothing is shown set

    async def too_few() -> None:
        app = DashboardApp(NOWHERE, NOWHERE)
        async with app.run_test(size=(200, 30), notifications=True) as pilot:
            app.post_message(BusReceived(messages.status(timing_doubt=True)))
            await pilot.pause()
            app.source_ended("file:short.mp4")
            await pilot.pause()
            assert [n.title for n in app._notifications] == ["Too few steps", "Ended"]

    async def untimed() -> None:
        # A loaded station's file ended so, told "Too few steps": the steps were not timed.
        app = DashboardApp(NOWHERE, NOWHERE)
        async with app.run_test(size=(200, 30), notifications=True) as pilot:
            slow = "steps are timed from 12 frames a second, where the gait engine needs 24"
            app.post_message(BusReceived(messages.status(rate_problem=slow, dropped_frames=241)))
            await pilot.pause()
            app.source_ended("file:day.mp4")
            await pilot.pause()
            assert [n.title for n in app._notifications] == ["Too few frames a second", "Ended"]
            told = next(n.message for n in app._notifications)
            assert "steps were not timed" in told and "left 241 of its frames" in told
        # A file that ends in a stretch of its own too few frames a second (the engine untimed,
        # no frame left): told as the file's frames, not the station's, nor "Too few steps".
        app = DashboardApp(NOWHERE, NOWHERE)
        async with app.run_test(size=(200, 30), notifications=True) as pilot:
            app.post_message(BusReceived(messages.status(untimed=True, dropped_frames=0)))
            await pilot.pause()
            app.source_ended("file:dusk.mp4")
            await pilot.pause()
            assert [n.title for n in app._notifications] == ["Too few frames a second", "Ended"]
            assert next(n.message for n in app._notifications) == (
                "steps were not timed where too few frames a second came, and give no figures "
                "(the file's own frames came so)"
            )

    async def at_a_cut() -> None:
        app = DashboardApp(NOWHERE, NOWHERE)
        async with app.run_test(size=(200, 30), notifications=True) as pilot:
            app.source_ended("file:joined.mp4", "joined.mp4 cuts from one", "Ended at a cut")
            await pilot.pause()
            assert [n.title for n in app._notifications] == ["Ended at a cut", "Ended"]

    run(scenario())
    run(too_few())
    run(untimed())
    run(at_a_cut())


def test_frames_are_drawn_in_batches_at_most_15_times_a_second(publisher: Publisher) -> None:
    batches: list[int] = []

    def count(message: Message) -> None:
        if isinstance(message, FramesReceived):
            batches.append(len(message.frames))

    async def scenario() -> None:
        app = DashboardApp(publisher.endpoint, NOWHERE)
        async with app.run_test(size=SIZE, message_hook=count) as pilot:
            await publish_until(
                pilot,
                publisher,
                messages.status(),
                lambda: app.readings.status is not None,
                "status",
            )
            start = time.monotonic()
            # A second and a half of a 60 Hz station, sent in a burst: within the publisher's
            # queue for a subscriber (SEND_HWM), which drops what is beyond it by design (a
            # burst of 120 lost frames on a loaded machine).
            burst = SEND_HWM - 10
            for i in range(burst):
                publisher.publish(messages.frame(i))
            await wait_until(pilot, lambda: sum(batches) == burst, f"all {burst} frames")
            elapsed = time.monotonic() - start
            assert "waiting for frames" not in screen_text(app)
            most = elapsed / FRAME_INTERVAL + 2
            assert len(batches) <= most, f"{len(batches)} redraws in {elapsed:.2f} s"

    run(scenario())


def test_keys_send_the_right_control_requests(
    publisher: Publisher, control: ControlServer, handler: FakeHandler
) -> None:
    async def scenario() -> None:
        app = DashboardApp(publisher.endpoint, control.endpoint)
        async with app.run_test(size=SIZE) as pilot:
            status = messages.status(session_id=None, recording=False, belt_speed_mps=3.0)
            await publish_until(pilot, publisher, status, on_screen(app, "no session"), "status")

            def sent(*call: Any) -> Callable[[], bool]:
                return lambda: call in handler.calls

            await pilot.press("s")
            await wait_until(pilot, sent("start_session", None), "start_session")
            await pilot.press("up")
            await wait_until(pilot, sent("set_belt_speed", 3.1), "belt 3.1")
            assert "belt 3.1 m/s" in screen_text(app)  # shown before the station confirms
            await pilot.press("down", "down")
            await wait_until(pilot, sent("set_belt_speed", 2.9), "belt 2.9")
            await pilot.press("n")
            assert isinstance(app.screen, RunnerNameScreen)
            await pilot.press("ctrl+u", *"Zoë", "enter")
            await wait_until(pilot, sent("set_runner", "Zoë"), "set_runner")
            await pilot.press("l")
            await wait_until(pilot, sent("mark_lap", None), "mark_lap")
            # The status still says no session, but this console just opened one: stop it.
            await pilot.press("s")
            await wait_until(pilot, sent("stop_session"), "stop_session")
            assert [c[0] for c in handler.calls] == [
                "start_session",
                "set_belt_speed",
                "set_belt_speed",
                "set_belt_speed",
                "set_runner",
                "mark_lap",
                "stop_session",
            ]
            assert handler.calls[3] == ("set_belt_speed", 2.9)

            await pilot.press("v")
            assert app.screen.has_class("-focus")
            assert not app.screen.query_one("#detail").display
            await pilot.press("v", "question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)
            assert app.screen.query_one("#detail").display

    run(scenario())


def test_someone_stepping_with_no_session_open_reads_not_recording(
    publisher: Publisher, control: ControlServer
) -> None:
    """A user trial stopped a session that had started by itself (its s key meant to start
    one): the run went unrecorded under a dim "no session"."""

    async def scenario() -> None:
        app = DashboardApp(publisher.endpoint, control.endpoint)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            # The s key's stop is said as what it did (the trial's notice: "Session stopped").
            app.post_message(ControlReplied(Command("stop_session"), {"session_id": 17}, None))
            told = (
                "Session 17 stopped: nothing is recorded now; s starts a new session (the next "
                "runner starts one after the belt has been empty for a few seconds)"
            )
            await wait_until(
                pilot, lambda: told in [n.message for n in app._notifications], "the notice"
            )
            status = messages.status(session_id=None, recording=False, gait_mode="running")
            await publish_until(
                pilot,
                publisher,
                status,
                on_screen(app, "not recording: s starts a session"),
                "status",
            )
            status = messages.status(session_id=None, recording=False, gait_mode="standing")
            await publish_until(pilot, publisher, status, on_screen(app, "no session"), "status")
            # A store that cannot write (a disk full from the start) is no "no session"; records
            # dropped on a slow disk are no store that cannot write (a review's).
            for error, shown in (
                ("not recording: cannot open sessions.sqlite: No space left", "see the log"),
                ("3 records dropped: the disk cannot keep up", "s starts a session"),
            ):
                status = messages.status(
                    session_id=None, recording=False, gait_mode="running", recording_error=error
                )
                await publish_until(
                    pilot, publisher, status, on_screen(app, f"not recording: {shown}"), "status"
                )
        # At 80 columns, short enough for the belt speed to show (a review).
        narrow = DashboardApp(publisher.endpoint, control.endpoint)
        async with narrow.run_test(size=(80, 24)) as pilot:
            status = messages.status(
                session_id=None, recording=False, gait_mode="running", belt_speed_mps=3.0
            )
            await publish_until(
                pilot, publisher, status, on_screen(narrow, "not recording (s)"), "status"
            )
            assert "belt 3.0 m/s" in screen_text(narrow)

    run(scenario())


def test_a_first_belt_key_sets_the_speed_the_steps_read(
    publisher: Publisher, control: ControlServer, handler: FakeHandler
) -> None:
    """No belt speed set, a calibrated camera's steps reading 2.5 m/s: the down key sets 2.5,
    the speed to step from (a console trial's down key had set 3.0 under a runner at 2.5)."""

    async def scenario() -> None:
        app = DashboardApp(publisher.endpoint, control.endpoint)
        async with app.run_test(size=SIZE) as pilot:
            status = messages.status(belt_speed_mps=None)
            await publish_until(pilot, publisher, status, on_screen(app, "belt --"), "status")
            for i in range(1, 7):
                app.post_message(BusReceived(messages.step(i, stride_length_m=1.75)))
            await pilot.pause()
            await pilot.press("down")
            await wait_until(pilot, lambda: ("set_belt_speed", 2.5) in handler.calls, "belt 2.5")
            await pilot.press("down")
            await wait_until(pilot, lambda: ("set_belt_speed", 2.4) in handler.calls, "belt 2.4")
            # Down and down again: a slow walk's 0.5 m/s is the least, not a belt standing still.
            await pilot.press(*["down"] * 22)
            await wait_until(pilot, lambda: len(handler.calls) == 24, "22 more presses")
            assert min(call[1] for call in handler.calls) == 0.5

    run(scenario())


def test_refusals_and_timeouts_are_shown_never_raised(
    publisher: Publisher, control: ControlServer, handler: FakeHandler
) -> None:
    async def refused() -> None:
        app = DashboardApp(publisher.endpoint, control.endpoint)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.press("l")  # no session is open: the fake station refuses
            await wait_until(pilot, on_screen(app, "no session is open"), "refusal shown")
            assert "Mark lap" in screen_text(app)
            assert app.is_running

    async def unanswered() -> None:
        app = DashboardApp(publisher.endpoint, NOWHERE, control_timeout=0.2)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.press("s")
            await wait_until(pilot, on_screen(app, "no reply from"), "timeout shown")
            assert "may be busy" in screen_text(app)
            await pilot.press("up")  # the control thread goes on after a timeout
            await wait_until(
                pilot, lambda: screen_text(app).count("no reply from") >= 2, "second timeout"
            )
            assert app.is_running

    run(refused())
    run(unanswered())
    assert handler.calls == []


def test_a_station_never_heard_is_waited_for_not_called_lost() -> None:
    """A user trial's console, started with its station on a loaded machine, read a red
    "NO DATA" for 47 s while the station loaded: a station never heard from is waited for, and
    how long said; NO DATA is for one that stopped (below)."""

    async def scenario() -> None:
        app = DashboardApp(NOWHERE, NOWHERE)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, on_screen(app, "○ no word yet from"), "waiting", timeout=4.0)
            assert "NO DATA" not in screen_text(app)
            assert not app.screen.has_class("-stale")

    run(scenario())


def test_goes_stale_when_messages_stop_and_live_when_they_resume(publisher: Publisher) -> None:
    endpoint = publisher.endpoint

    async def scenario() -> None:
        app = DashboardApp(endpoint, NOWHERE)
        async with app.run_test(size=SIZE) as pilot:
            await publish_until(
                pilot, publisher, messages.status(), on_screen(app, "● LIVE"), "live"
            )
            # The station stops (and goes away): after 2 s without a message the data is stale.
            publisher.close()
            await wait_until(pilot, on_screen(app, "NO DATA"), "stale indicator", timeout=3.5)
            assert app.screen.has_class("-stale")
            # A station starts again on the same port: the console reconnects by itself.
            with bind_again(endpoint) as station:
                await publish_until(
                    pilot, station, messages.status(), on_screen(app, "● LIVE"), "live again"
                )
            assert not app.screen.has_class("-stale")

    run(scenario())


def bind_again(endpoint: str) -> Publisher:
    """ZeroMQ releases a closed socket's port in its I/O thread, a moment later: retry briefly."""
    deadline = time.monotonic() + 2.0
    while True:
        try:
            return Publisher(endpoint)
        except UsageError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def test_a_bad_message_is_reported_and_the_next_good_one_shown() -> None:
    sock = context().socket(zmq.PUB)
    sock.linger = 0
    port = sock.bind_to_random_port("tcp://127.0.0.1")

    async def scenario() -> None:
        app = DashboardApp(f"tcp://127.0.0.1:{port}", NOWHERE)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            deadline = time.monotonic() + 3.0
            while "bad message from the station" not in screen_text(app):
                assert time.monotonic() < deadline, "bad message not reported"
                sock.send_multipart([b"hipdrive.step", b"{not json"])
                await pilot.pause(0.03)
            deadline = time.monotonic() + 3.0
            while app.readings.status is None:
                assert time.monotonic() < deadline, "good message after a bad one not shown"
                sock.send_multipart(list(encode(messages.status(runner="Ana"))))
                await pilot.pause(0.03)
            assert app.is_running

    try:
        run(scenario())
    finally:
        sock.close(linger=0)


def test_cli_rejects_a_bad_endpoint_before_taking_the_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["dashboard", "--connect", "localhost:5556"]) == 2
    assert "publisher endpoint 'localhost:5556': must be tcp://HOST:PORT" in capsys.readouterr().err


def test_the_console_without_a_terminal_says_it_needs_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user trial's drill started from a script drew its screen into a pipe and waited for
    keys, still running 15 minutes after its shell was gone."""
    monkeypatch.setattr("sys.stdin", io.StringIO())  # a pipe, even under pytest -s
    for args in (["dashboard"], ["drill", "strides"]):
        assert main(args) == 2
        assert "the console needs a terminal, its keys drive it" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_console_with_its_screen_sent_elsewhere_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual draws the screen on standard error: a user trial's console unit, standard
    input and output on tty1 and standard error sent to the journal, left the treadmill's screen
    blank and filled the journal with 414 KB of the screen in 15 s. A station's run takes it as
    headless."""
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr("sys.stdout", _Terminal())
    assert common.console_terminal() == "standard error"
    assert common.headless(argparse.Namespace(headless=False))
    assert main(["dashboard"]) == 2
    err = capsys.readouterr().err
    assert "the console needs a terminal" in err and "its standard error is not one" in err
    monkeypatch.setattr("sys.stderr", _Terminal())
    assert common.console_terminal() is None
    assert not common.headless(argparse.Namespace(headless=False))


def test_the_consoles_log_goes_to_the_data_folder_and_makes_none(tmp_path: Path) -> None:
    """Log lines on standard error would draw over the console: they go to the data folder's
    hipdrive.log. A console alone writes only into a folder there (a review's had made one
    where it was started), and one that cannot write still comes up."""
    path = tmp_path / "config.toml"
    path.write_text(f'[station]\ndata_dir = "{tmp_path / "data"}"\n')
    config = load_config(path)
    with common.logging_to_file(config, make=False) as log_file:
        logging.getLogger("edge.test").warning("lost")
    assert log_file is None and not (tmp_path / "data").exists()
    with common.logging_to_file(config) as log_file:
        logging.getLogger("edge.test").warning("kept")
    assert log_file == tmp_path / "data" / "hipdrive.log"
    assert "WARNING edge.test: kept" in log_file.read_text(encoding="utf-8")


def test_a_station_on_another_machine_needs_its_keys(tmp_path: Path) -> None:
    elsewhere = "tcp://192.0.2.7:5556"
    with pytest.raises(UsageError, match="another machine"):
        DashboardApp(elsewhere, NOWHERE)
    with pytest.raises(UsageError, match="cannot load CURVE key"):
        DashboardApp(elsewhere, NOWHERE, keys_dir=tmp_path)
    generate_keys(tmp_path)
    app = DashboardApp(elsewhere, NOWHERE, keys_dir=tmp_path)
    assert app._connect_keys is not None and app._control_keys is None  # loopback: in the clear
