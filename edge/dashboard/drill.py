"""The strides drill on the console: the form that sets it up and the screen that runs it.

The screen walks the runner through the repeats: the next repeat's focus in large type while
resting, with the rest counting down; during a repeat its focus, the distance left at the belt's
speed (or the time left) counting down in big digits. A repeat starts and ends with the space bar
or when the runner speeds up and slows down (``edge.drill.live``); each start and end is marked
as a lap of the session (``repeat K FOCUS``, ``rest``). After the last repeat the screen shows
the repeat-by-repeat table.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Digits, Footer, Input, Label, Static

from edge.bus.schema import StatusMsg, StepMsg, belt_read
from edge.dashboard.widgets import STALE_AFTER, Link
from edge.drill.live import Change, LiveDrill
from edge.drill.plan import FOCUS, REST, DrillPlan, Repeat, lap_label
from edge.errors import UsageError

DrillTable = Callable[[Sequence[Repeat], Sequence[StepMsg]], list[str]]
"""Makes the repeat-by-repeat table (``edge.drill.table.drill_table``). The console is given it,
so it imports nothing of the gait engine's."""


class DrillScreen(Screen[None]):
    """Runs ``plan``; ``mark`` sends a lap label to the station, with the station time it
    happened at (None: now, for a key); ``table`` makes the table shown at the end (None: the
    screen points to ``hipdrive sessions drill``)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "next", "Start / end repeat"),
        Binding("escape", "leave", "Leave the drill"),
    ]
    DEFAULT_CSS = """
    DrillScreen { align: center top; }
    #drill-step { width: 1fr; height: 1; content-align: center middle; color: $text-muted; }
    #drill-focus {
        width: 1fr; height: 5; content-align: center middle; text-style: bold;
        background: $primary-darken-2; margin: 1 0;
    }
    DrillScreen.-repeat #drill-focus { background: $success-darken-2; }
    #drill-how { width: 1fr; height: 1; content-align: center middle; }
    #drill-count { width: 1fr; text-align: center; margin: 1 0; }
    #drill-left { width: 1fr; height: 1; content-align: center middle; }
    #drill-table { width: auto; margin: 1 2; }
    """

    def __init__(
        self,
        plan: DrillPlan,
        mark: Callable[[str, float | None], None],
        table: DrillTable | None = None,
    ) -> None:
        super().__init__()
        self._make_table = table
        self.drill = LiveDrill(plan)
        self._mark = mark
        self._steps: list[StepMsg] = []
        self._belt: float | None = None
        self._clock_start = time.monotonic()
        self._rest_from = time.monotonic()
        self._step_arrived = time.monotonic()
        self._link: Link | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="drill-step")
            yield Static(id="drill-focus")
            yield Static(id="drill-how")
            yield Digits("", id="drill-count")
            yield Static(id="drill-left")
            yield Static(id="drill-table")
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(0.25, self._show)
        self._show()

    def take_status(self, status: StatusMsg) -> None:
        self._belt = status.belt_speed_mps

    def take_link(self, link: Link) -> None:
        """The console's link to the station, for what the screen tells when no step can
        come."""
        self._link = link

    def take_step(self, msg: StepMsg) -> None:
        self._steps.append(msg)
        self._step_arrived = time.monotonic()
        change = self.drill.step(msg)
        if change is not None:
            self._changed(change)

    def action_next(self) -> None:
        change = self.drill.key(self._station_now())
        if change is not None:
            self._changed(change)

    def action_leave(self) -> None:
        change = self.drill.end(self._station_now())
        if change is not None:
            self._changed(change)
        self.dismiss(None)

    def _station_now(self) -> float:
        """The station's clock, as near as the console knows it: the last step's time plus
        the time since it came (a key's lap goes on the station's own clock anyway)."""
        if not self._steps:
            return time.monotonic()
        return self._steps[-1].t + (time.monotonic() - self._step_arrived)

    def _changed(self, change: Change) -> None:
        label = lap_label(change.repeat, change.focus) if change.kind == "start" else REST
        # A key's lap is now; one the runner's steps showed is where they showed it.
        self._mark(label, None if change.by == "key" else change.t)
        if change.kind == "start":
            self._clock_start = time.monotonic()
        else:
            self._rest_from = time.monotonic()
        self._show()

    def _speed(self) -> float | None:
        """The belt's speed a distance is counted down at: the one the station measured the
        last steps' strides at (the belt speed set while the feet run at it, else theirs on a
        calibrated plane), the one set before any step. None when the steps have no stride: the
        station set the speed aside, the feet not running at it (a review found a 100 m stride
        counted down at the jog's 2.5 m/s left on the console, the runner told to ease off 80%
        late), or there is none."""
        recent = self._steps[-6:]
        return belt_read(recent) if recent else self._belt

    def _show(self) -> None:
        drill, plan = self.drill, self.drill.plan
        self.set_class(drill.phase == "repeat", "-repeat")
        step = self.query_one("#drill-step", Static)
        focus = self.query_one("#drill-focus", Static)
        how = self.query_one("#drill-how", Static)
        count = self.query_one("#drill-count", Digits)
        left = self.query_one("#drill-left", Static)
        if drill.phase == "done":
            step.update(f"Strides drill: {plan.reps} repeats done")
            focus.update("DONE: WALK IT OFF")
            how.update(
                "the repeats compared (also in the session report and hipdrive sessions drill)"
            )
            count.update("")
            left.update("Esc: back to the console")
            self.query_one("#drill-table", Static).update("\n".join(self._table()))
            return
        title, line = FOCUS[drill.focus]
        step.update(f"Repeat {drill.repeat} of {plan.reps}, {plan.length}")
        focus.update(title.upper())
        how.update(line)
        elapsed = time.monotonic() - (
            self._clock_start if drill.phase == "repeat" else self._rest_from
        )
        if drill.phase == "repeat":
            # What the key does now: in the first repeat, run after the warm-up walk, it starts
            # the repeat again (the run may be the warm-up jog); else it ends it.
            key = "space: the stride starts here" if drill.key_starts_again else "or space"
            speed = self._speed()
            if plan.length.meters is not None and speed:
                remaining = max(plan.length.meters - speed * elapsed, 0.0)
                count.update(f"{remaining:.0f}")
                left.update(
                    f"metres to go at {speed:.1f} m/s; ease off when done ({key})"
                    if remaining > 0
                    else f"done: ease off now ({key})"
                )
            else:
                seconds = plan.length.seconds_at(speed)
                remaining = max((seconds or 0.0) - elapsed, 0.0) if seconds else elapsed
                count.update(f"{remaining:.0f}")
                left.update(
                    f"seconds to go; ease off when done ({key})"
                    if seconds
                    else f"seconds so far: {self._no_distance()}"
                )
        else:
            remaining = max(plan.rest_s - elapsed, 0.0)
            count.update(f"{remaining:.0f}")
            left.update(
                "seconds of rest; speed up when ready, or press space"
                if remaining > 0
                else "speed up when ready, or press space"
            )
        stopped = self._stopped()
        if stopped is not None:
            # No count beside it: a trial's seconds had gone on ticking after the file ended.
            count.update("")
            left.update(stopped)

    def _no_distance(self) -> str:
        """Why a distance cannot be counted down (``_speed`` None)."""
        if self._belt is None:
            return "set the belt speed to count the distance"
        return f"the feet do not run at the {self._belt:g} m/s set: set the belt's speed"

    def _stopped(self) -> str | None:
        """What to tell in place of the count's line when no step can come: the station's
        file has ended, or the station has not been heard from (a user trial's drill screen
        said "speed up when ready" after its station had stopped), or never yet past
        ``STALE_AFTER`` (a review's drill screen, its station down from the start, counted its
        rest down for good); None while it is heard."""
        link = self._link
        if link is None or link.state == "live":
            return None
        if link.state == "connecting":
            if link.age is None or link.age <= STALE_AFTER:
                return None
            return (
                f"no word yet from the station, {link.age:.0f} s: still starting, or not "
                "running? esc: console"
            )
        if link.state == "ended":
            return "the station has stopped, its file ended: no repeat can be timed; esc: console"
        since = "" if link.age is None else f" for {link.age:.0f} s"
        return f"no word from the station{since}: is it running? esc: console"

    def _table(self) -> list[str]:
        if self._make_table is None:
            return ["the table: hipdrive sessions drill ID (hipdrive sessions list gives the ID)"]
        return self._make_table(self.drill.repeats(), self._steps)

    def on_screen_resume(self) -> None:
        self._show()


class DrillFormScreen(ModalScreen[DrillPlan | None]):
    """Sets up a drill: repeats, focus in turn, length, rest; dismissed with the plan."""

    DEFAULT_CSS = """
    DrillFormScreen { align: center middle; }
    DrillFormScreen > Vertical {
        width: 64; max-width: 95%; height: auto;
        border: thick $accent; background: $surface; padding: 1 2;
    }
    DrillFormScreen Label { width: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Strides drill (Enter in the last field to start, Esc to cancel)")
            yield Label("Repeats")
            yield Input("6", id="drill-reps", type="integer")
            yield Label(f"Focus in turn ({', '.join(FOCUS)})")
            yield Input("hip,quick", id="drill-focus-in")
            yield Label("Length of a repeat (100m or 20s)")
            yield Input("100m", id="drill-length")
            yield Label("Rest between repeats (60s)")
            yield Input("60s", id="drill-rest")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "drill-rest":
            self.focus_next()
            return
        value = {i.id: i.value for i in self.query(Input)}
        try:
            plan = DrillPlan.parse(
                int(value["drill-reps"] or 0),
                value["drill-focus-in"] or "",
                value["drill-length"] or "",
                value["drill-rest"] or "",
            )
        except (UsageError, ValueError) as exc:
            self.notify(str(exc), severity="warning")
            return
        self.dismiss(plan)

    def action_cancel(self) -> None:
        self.dismiss(None)
