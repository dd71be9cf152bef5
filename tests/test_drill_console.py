"""The strides drill on the console, against real sockets: the form, the screen walking the runner
through the repeats, the laps it marks, the table afterwards. The steps are a drill of real
motion capture (``tests.builders.drill``: RBDS0041 4.6 m/s and RBDS001 2.5 m/s repeats with
walking between, Fukuchi 2017, CC-BY 4.0)."""

from __future__ import annotations

import dataclasses

import pytest
from textual.widgets import Digits

from edge.bus.control import ControlServer
from edge.bus.publisher import Publisher
from edge.dashboard import DashboardApp
from edge.dashboard.app import BusReceived
from edge.dashboard.drill import DrillFormScreen, DrillScreen
from edge.drill.live import LiveDrill
from edge.drill.plan import DrillPlan, Length
from edge.drill.table import drill_table
from tests.builders import messages
from tests.builders.control import FakeHandler
from tests.builders.drill import drill_steps, repeat_spans
from tests.test_dashboard_app import on_screen, publish_until, run, wait_until
from tests.test_dashboard_screen import NOWHERE, screen_text

SIZE = (100, 40)


@pytest.fixture(scope="module")
def drill():
    return drill_steps()


def test_the_runner_starts_and_ends_each_repeat_by_speeding_up_and_walking(drill) -> None:
    """No key pressed: each repeat starts when the walk turns to running and ends when it turns
    back, never on the clock (the engine takes 2-4 s to tell a change of gait)."""
    live = LiveDrill(DrillPlan(4))
    changes = [c for s in drill if (c := live.step(s)) is not None]
    assert [(c.kind, c.repeat, c.focus) for c in changes] == [
        (kind, k, focus)
        for k, focus in enumerate(["hip", "quick", "hip", "quick"], start=1)
        for kind in ("start", "end")
    ]
    for (start, end), (began, ended) in zip(
        repeat_spans(), zip(changes[::2], changes[1::2], strict=True), strict=True
    ):
        assert start < began.t <= start + 5.0
        assert end < ended.t <= end + 5.0
    assert live.phase == "done"


def test_one_walked_step_before_a_run_starts_no_repeat() -> None:
    """A sprinter's first step read as walked: running after it is no start from a walk (a
    user trial's drill started repeat 1 on it by itself); three walked steps in a row are."""
    live = LiveDrill(DrillPlan(2))
    first = [messages.walked_step(0), *(messages.later(messages.step(i), 1.0) for i in range(8))]
    assert [c for s in first if (c := live.step(s)) is not None] == []
    walk = [messages.later(messages.walked_step(i), 5.0) for i in range(3)]
    run = [messages.later(messages.step(i), 7.0) for i in range(3)]
    changes = [c for s in [*walk, *run] if (c := live.step(s)) is not None]
    assert [(c.kind, c.by) for c in changes] == [("start", "walking")]


def test_a_drill_from_the_console(
    drill, publisher: Publisher, control: ControlServer, handler: FakeHandler
) -> None:
    async def scenario() -> None:
        app = DashboardApp(publisher.endpoint, control.endpoint)
        async with app.run_test(size=SIZE) as pilot:
            status = messages.status(belt_speed_mps=4.0, session_id=None, recording=False)
            await publish_until(
                pilot, publisher, status, lambda: app.readings.status is not None, "status"
            )
            await pilot.press("d")
            assert isinstance(app.screen, DrillFormScreen)
            await pilot.press("ctrl+u", "4", "enter", "enter", "enter", "enter")
            assert isinstance(app.screen, DrillScreen)
            # The station heard from within STALE_AFTER (a loaded CI machine took longer over the
            # form's keys, and the screen said "no word from the station").
            ready = "speed up when ready, or press space"
            await publish_until(pilot, publisher, status, on_screen(app, ready), "ready")
            text = screen_text(app)
            assert "Repeat 1 of 4, 100 m" in text and "DRIVE THE HIPS BACK" in text
            await pilot.press("space")  # the runner starts repeat 1 with the key
            await wait_until(pilot, lambda: ("mark_lap", "repeat 1 hip") in handler.calls, "lap")
            going = "metres to go at 4.0 m/s"
            await publish_until(pilot, publisher, status, on_screen(app, going), "count")
            # Counted at the speed the station measured the strides at, not the one left on the
            # console (a review's 100 m stride counted at the jog's speed); none when the station
            # set it aside, the steps having no stride.
            ran = messages.step(1)  # strides of 2.1 m at 171 a minute: 3.0 m/s
            feet = "metres to go at 3.0 m/s"
            await publish_until(pilot, publisher, ran, on_screen(app, feet), "the feet's speed")
            aside = dataclasses.replace(messages.step(2), stride_length_m=None)
            unfit = "seconds so far: the feet do not run at the 4 m/s set"
            await publish_until(pilot, publisher, aside, on_screen(app, unfit), "set aside")
            await pilot.press("space")
            await wait_until(pilot, lambda: ("mark_lap", "rest") in handler.calls, "rest lap")
            rest = "seconds of rest"
            await publish_until(pilot, publisher, status, on_screen(app, rest), "rest")
            text = screen_text(app)
            assert "Repeat 2 of 4" in text and "QUICK STEPS" in text

    run(scenario())


def test_hipdrive_drill_strides_runs_the_drill_to_its_table(
    drill, publisher: Publisher, control: ControlServer, handler: FakeHandler
) -> None:
    """The steps of the drill's first two repeats and the walk after them, as the station
    publishes them: the screen follows the runner from repeat to repeat by itself and ends on
    the table."""
    plan = DrillPlan(2, length=Length(seconds=14.0), rest_s=9.0)
    steps = [s for s in drill if s.ic_t < repeat_spans()[1][1] + 9.0]

    async def scenario() -> None:
        app = DashboardApp(
            publisher.endpoint, control.endpoint, drill=plan, drill_table=drill_table
        )
        async with app.run_test(size=SIZE) as pilot:
            await publish_until(
                pilot,
                publisher,
                messages.status(belt_speed_mps=None, session_id=None, recording=False),
                lambda: app.readings.status is not None,
                "status",
            )
            screen = app.screen
            assert isinstance(screen, DrillScreen)
            # In chunks the publisher's queue (SEND_HWM, 100) holds: a burst beyond it is
            # dropped for a subscriber that lags, as a station would drop it for a slow console.
            for k in range(0, len(steps), 20):
                for step in steps[k : k + 20]:
                    publisher.publish(step)
                sent = min(k + 20, len(steps))
                await wait_until(
                    pilot, lambda n=sent: len(screen._steps) >= n, f"{sent} steps", 15.0
                )
            await wait_until(pilot, lambda: screen.drill.phase == "done", "the drill's end", 90.0)
            await wait_until(
                pilot, lambda: sum(c[0] == "mark_lap" for c in handler.calls) == 4, "4 laps"
            )
            text = screen_text(app)
            assert "DONE: WALK IT OFF" in text
            assert "rep focus" in text and "all hip" in text and "all quick" in text
            laps = [c for c in handler.calls if c[0] == "mark_lap"]
            assert [c[1] for c in laps] == ["repeat 1 hip", "rest", "repeat 2 quick", "rest"]
            # Each marked where the steps showed it, not when the console saw them.
            assert [c[2] for c in laps] == [c.t for c in screen.drill.changes]

    run(scenario())


def test_the_drill_screen_says_when_its_station_has_stopped() -> None:
    """A station's file ended mid-drill: its last status says so, and the drill screen says no
    repeat can be timed where it had kept asking the runner to speed up (a user trial's)."""

    async def scenario() -> None:
        app = DashboardApp(NOWHERE, NOWHERE, drill=DrillPlan(2))
        async with app.run_test(size=SIZE) as pilot:
            assert isinstance(app.screen, DrillScreen)
            app.post_message(BusReceived(messages.status(session_id=1)))
            await wait_until(pilot, on_screen(app, "speed up when ready"), "the rest")
            app.post_message(BusReceived(messages.status(session_id=1, camera_state="ended")))
            await wait_until(pilot, on_screen(app, "its file ended: no repeat can be"), "ended")
            assert "speed up when ready" not in screen_text(app)
            assert app.screen.query_one("#drill-count", Digits).value == ""  # no count goes on

    run(scenario())


def test_the_drill_screen_says_when_its_station_was_never_heard() -> None:
    """A drill opened on a console whose station is down from the start: once the station is
    late, the screen asks whether it is running, where it had counted its rest down for good
    (a review)."""

    async def scenario() -> None:
        app = DashboardApp(NOWHERE, NOWHERE, drill=DrillPlan(2))
        async with app.run_test(size=SIZE) as pilot:
            assert isinstance(app.screen, DrillScreen)
            await wait_until(pilot, on_screen(app, "no word yet from the station"), "never heard")
            assert "speed up when ready" not in screen_text(app)
            assert app.screen.query_one("#drill-count", Digits).value == ""

    run(scenario())


def test_the_key_in_a_repeat_started_after_the_walk_starts_it_again() -> None:
    """A user trial pressed the key at the stride's start while the jog after the warm-up walk
    ran as repeat 1 by itself: the key ended it, and every repeat after was counted one off.
    The key now starts that repeat again where pressed; pressed again, it ends it; in a repeat
    the key started, it ends it at once."""
    live = LiveDrill(DrillPlan(2))
    walk = [messages.walked_step(i) for i in range(3)]
    jog = [messages.later(messages.step(i), 2.0) for i in range(3)]
    assert [(c.kind, c.by) for s in [*walk, *jog] if (c := live.step(s)) is not None] == [
        ("start", "walking")
    ]
    again = live.key(8.0)
    assert again is not None and (again.kind, again.repeat, again.by) == ("start", 1, "key")
    ended = live.key(20.0)
    assert ended is not None and (ended.kind, ended.repeat) == ("end", 1)
    assert [(r.index, r.start_t, r.end_t) for r in live.repeats()] == [(1, 8.0, 20.0)]
    started = live.key(30.0)
    assert started is not None and (started.kind, started.repeat) == ("start", 2)
    ended = live.key(40.0)
    assert ended is not None and (ended.kind, ended.repeat) == ("end", 2)
    # Leaving the drill ends a repeat the runner started after a walk, not starts it again.
    left = LiveDrill(DrillPlan(2))
    assert [c for s in [*walk, *jog] if (c := left.step(s)) is not None]
    gone = left.end(9.0)
    assert gone is not None and gone.kind == "end" and left.end(9.5) is None


def test_the_key_at_the_end_of_a_repeat_after_a_walked_rest_ends_it(drill) -> None:
    """Only the drill's first repeat, run after the warm-up walk, may be the warm-up jog: after
    a walked rest the run is the stride, and the key near its end ends it (a review's coach
    pressed it 2 s before the runner eased off: the repeat had started again there, its
    figures the ease-off's, the stride in no repeat)."""
    live = LiveDrill(DrillPlan(4))
    key_t = repeat_spans()[1][1] - 2.0
    pressed = None
    for s in drill:
        if pressed is None and live.repeat == 2 and live.phase == "repeat" and s.ic_t >= key_t:
            pressed = live.key(s.ic_t)
        live.step(s)
    assert pressed is not None and (pressed.kind, pressed.repeat) == ("end", 2)
    second = live.repeats()[1]
    assert repeat_spans()[1][0] < second.start_t < second.end_t == pressed.t


async def run_after_the_walk(pilot, app: DashboardApp, publisher: Publisher) -> DrillScreen:
    """A drill opened on the console, then three walked steps and three running ones: its first
    repeat, started by the run after the warm-up walk."""
    status = messages.status(belt_speed_mps=None, session_id=None, recording=False)
    await publish_until(pilot, publisher, status, lambda: app.readings.status is not None, "status")
    await pilot.press("d", "ctrl+u", "4", "enter", "enter", "enter", "enter")
    screen = app.screen
    assert isinstance(screen, DrillScreen)
    for i in range(3):
        walked = messages.walked_step(i)
        came = lambda msg=walked: msg in screen._steps  # noqa: E731
        await publish_until(pilot, publisher, walked, came, "walk")
    for i in range(3):
        ran = messages.later(messages.step(i), 5.0)
        came = lambda msg=ran: msg in screen._steps  # noqa: E731
        await publish_until(pilot, publisher, ran, came, "run")
    await wait_until(pilot, lambda: screen.drill.phase == "repeat", "the repeat")
    return screen


def test_the_drill_screen_says_what_the_key_does_in_the_run_after_the_walk(
    publisher: Publisher, control: ControlServer, handler: FakeHandler
) -> None:
    """In the first repeat, run after the warm-up walk, the key starts the repeat again (the run
    may be the warm-up jog): the screen says so, where elsewhere the key ends the repeat.
    Leaving the drill then ends the repeat, not starts it again."""

    async def scenario() -> None:
        app = DashboardApp(publisher.endpoint, control.endpoint)
        async with app.run_test(size=SIZE) as pilot:
            screen = await run_after_the_walk(pilot, app, publisher)
            hint = "ease off when done (space: the stride starts here)"
            await wait_until(pilot, on_screen(app, hint), "the key's hint")
            await pilot.press("space")
            await wait_until(pilot, on_screen(app, "ease off when done (or space)"), "or space")
            assert screen.drill.repeat == 1 and screen.drill.phase == "repeat"
        app = DashboardApp(publisher.endpoint, control.endpoint)
        async with app.run_test(size=SIZE) as pilot:
            handler.calls.clear()
            screen = await run_after_the_walk(pilot, app, publisher)
            assert screen.drill.key_starts_again
            await pilot.press("escape")
            await wait_until(pilot, lambda: ("mark_lap", "rest") in handler.calls, "rest lap")
            assert [c for c in handler.calls if c[0] == "mark_lap"][-1] == ("mark_lap", "rest")

    run(scenario())
