"""The treadmill console: a Textual app that subscribes to the station and sends it commands.

Two worker threads keep the network off the UI thread. The receiver owns the SUB socket: it
waits at most ``POLL_SECONDS`` for a message, posts steps, summaries and status at once and
frames in batches at most ``1 / FRAME_INTERVAL`` times a second (the figure redraws no faster,
whatever the station's frame rate), and opens a fresh subscription after ``RESUBSCRIBE_AFTER``
seconds of silence (libzmq reconnects a dropped TCP connection by itself, but not one that went
half-open when a network vanished). The control thread owns the REQ socket and sends the
commands the keys queue, in order, one at a time; every failure comes back as a notification.
"""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import get_current_worker

from edge.bus.control import DEFAULT_CONTROL, ControlClient, ControlError, ControlTimeout
from edge.bus.publisher import DEFAULT_PUBLISH, Subscriber
from edge.bus.schema import FrameMsg, SchemaError, StatusMsg, StepMsg, SummaryMsg
from edge.bus.security import check_endpoint, client_keys_for, is_loopback
from edge.dashboard.bands import TargetBands
from edge.dashboard.drill import DrillFormScreen, DrillScreen, DrillTable
from edge.dashboard.readings import HISTORY_STEPS, Readings
from edge.dashboard.screens import HelpScreen, RunnerNameScreen
from edge.dashboard.widgets import (
    STALE_AFTER,
    BalanceBars,
    CueBanner,
    HistoryPlot,
    Link,
    LinkState,
    RunnerFigure,
    StatusLine,
    Tile,
    balance_metrics,
    tile_metrics,
)
from edge.drill.plan import DrillPlan
from edge.errors import UsageError
from edge.pace import MAX_BELT_MPS

ENDED_NOTICE_S = 3600.0
"""How long the notice of why a file that has ended gave no figures stays (until the person
quits, in practice)."""
ENDED_TOLD_S = 20.0
"""How long the notice that a file has ended stays when its figures are there to be read: the
header says ENDED and how to quit after it (a console trial's notice hid the balance panel until
q)."""
RESUBSCRIBE_AFTER = 5.0
FRAME_INTERVAL = 1 / 15
"""The figure redraws at most 15 times a second: smooth enough for a stick figure, and a quarter
cheaper than 20 (measured: 27 % against 32 % of a core at 160x50 with a 60 Hz station)."""
POLL_SECONDS = 0.025
BELT_STEP = 0.1
BELT_START = 3.0
"""Belt speed set by the first up/down press while the station neither knows the speed nor reads
it off the runner's steps (``Readings.belt_read``)."""
BELT_MIN = 0.5
"""The slowest belt speed the keys set, m/s (1.8 km/h, a slow walk): a console trial's down key
went on to 0.0, a belt that does not move."""
BELT_HOLD = 2.0
"""Seconds the console shows a speed it asked for before it trusts the station's status again."""
PROBLEM_REPEAT = 30.0
"""Seconds before the same bus problem is shown again."""
TILES = 8


@dataclass
class BusReceived(Message):
    """A step, summary or status message from the station."""

    msg: StepMsg | SummaryMsg | StatusMsg


@dataclass
class FramesReceived(Message):
    """The frames received since the last batch, oldest first."""

    frames: tuple[FrameMsg, ...]


@dataclass
class BusProblem(Message):
    """Something the console should say about the subscription (a bad message, a socket error)."""

    text: str


@dataclass(frozen=True)
class Command:
    """One control request, as queued by a key."""

    cmd: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class ControlReplied(Message):
    """The outcome of a command: the station's reply, or the error to show."""

    command: Command
    reply: dict[str, Any] | None
    error: str | None


_TITLES = {
    "start_session": "Start session",
    "stop_session": "Stop session",
    "set_belt_speed": "Belt speed",
    "set_runner": "Set runner",
    "mark_lap": "Mark lap",
    "set_voice": "Spoken cues",
}


class DashboardScreen(Screen[None]):
    """The main screen. Its layout follows the terminal: 4 x 2 tiles and a narrow figure on an
    80 x 24 console, one row of tiles and a wide figure from 150 columns, the balance bars' full
    list from 36 rows; ``v`` hides the figure and plots (numbers only). The notices keep under
    the tiles; under 36 rows they span the screen, the older cut to their first lines."""

    # Textual declares these as instance variables, hence no ClassVar here.
    HORIZONTAL_BREAKPOINTS = [(150, "-wide")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "app.toggle_session", "Start/stop"),
        Binding("up,plus,equals_sign", "app.belt(1)", "Belt +", key_display="↑"),
        Binding("down,minus", "app.belt(-1)", "Belt -", key_display="↓"),
        Binding("n", "app.runner", "Runner"),
        Binding("l", "app.lap", "Lap"),
        Binding("v", "app.toggle_view", "View"),
        Binding("a", "app.toggle_voice", "Voice", show=False),  # in the help: the footer is full
        Binding("d", "app.drill", "Drill", show=False),
        Binding("question_mark", "app.help", "Help", key_display="?"),
        Binding("q", "app.quit", "Quit"),
    ]
    DEFAULT_CSS = """
    DashboardScreen { layout: vertical; }
    DashboardScreen.-tall #cue { height: 5; }
    /* Every tile has a row for its spread and target under its digits, at 80x24 too: there
       it had none, and an overstride with no target at the runner's pace could not say why it
       had no colour (a user trial's runner at 5.1 m/s). */
    #tiles { grid-size: 4 2; grid-gutter: 0 1; height: 10; }
    DashboardScreen.-tall #tiles { margin-top: 1; }
    DashboardScreen.-wide #tiles { grid-size: 8 1; height: 5; }
    #detail { height: 1fr; }
    DashboardScreen.-tall #detail { margin-top: 1; }
    #figure { width: 28; margin-right: 1; }
    DashboardScreen.-wide #figure { width: 2fr; }
    #charts { width: 1fr; }
    DashboardScreen.-wide #charts { width: 3fr; }
    #balance { max-height: 3; }
    DashboardScreen.-tall #balance {
        max-height: 8; border: round $panel-lighten-2; border-title-color: $text-muted;
    }
    DashboardScreen.-focus #detail { display: none; }
    DashboardScreen.-focus #tiles { height: 1fr; }
    DashboardScreen.-focus #cue { height: 5; }
    DashboardScreen.-stale #tiles, DashboardScreen.-stale #cue, DashboardScreen.-stale #detail {
        opacity: 45%;
    }
    /* The notices keep under the tiles (a console trial's three had stacked over the cue and
       the tiles at 80x24): 41.7% of 24 rows is the 9 between the tiles and the footer there and
       the rack's bottom margin, and less than there is at any other size. Under 36 rows they
       span the screen (no gutter for a scrollbar: the rack is not drawn, and does not scroll)
       with no blank rows, and all but the newest show their title and first two lines, so
       three notices' points fit. */
    ToastRack { max-height: 41.7%; scrollbar-size-vertical: 0; }
    DashboardScreen.-short Toast { width: 100%; max-width: 100%; margin-top: 0; padding: 0 1; }
    DashboardScreen.-short ToastHolder { max-height: 3; }
    DashboardScreen.-short ToastHolder:last-child { max-height: initial; }
    """

    def __init__(self) -> None:
        super().__init__()
        # Kept, not queried: messages may still arrive while the screen is being taken down.
        self.header = StatusLine(id="header")
        self.cue = CueBanner(id="cue")
        self.tiles = [Tile(id=f"tile-{i}") for i in range(TILES)]
        self.figure = RunnerFigure(id="figure")
        self.overstride_plot = HistoryPlot(HISTORY_STEPS, id="overstride-history")
        self.hip_plot = HistoryPlot(HISTORY_STEPS, id="hip-history")
        self.balance = BalanceBars(id="balance")
        self.balance.border_title = "Left / right balance"

    def on_mount(self) -> None:
        self.screen_layout_refresh_signal.subscribe(self, self._restyle_newest_notice)

    def _restyle_newest_notice(self, _: Screen[None]) -> None:
        """Styles the newest notice as such again once a newer one has gone: Textual restyles
        the notices' order as they come, not as they go, and a notice left the newest would stay
        cut to its first lines (``DEFAULT_CSS``)."""
        for rack in self.query("#textual-toastrack"):  # none while notifications are off
            if rack.children:
                rack.children[-1].update_node_styles()

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.cue
        with Grid(id="tiles"):
            yield from self.tiles
        with Horizontal(id="detail"):
            yield self.figure
            with Vertical(id="charts"):
                yield self.overstride_plot
                yield self.hip_plot
                yield self.balance
        yield Footer()


#: what the station's status tells of a problem, each shown as a notice when its message is new:
#: (field, title, severity, seconds shown)
STATUS_PROBLEMS: tuple[tuple[str, str, SeverityLevel, float], ...] = (
    ("recording_error", "Not recording", "error", 8),
    ("view_problem", "No steps shown", "error", 30),
    ("framing_problem", "Framing", "warning", 30),
    ("rate_problem", "Frame rate", "warning", 30),
    ("timing_problem", "Time base", "warning", 30),
    ("distance_problem", "Scale or belt speed", "warning", 30),
    ("frames_note", "The file's frames", "warning", 30),
)
#: ... of which these carry figures that move from status to status (a median of the last
#: steps): told once while they last, where the others are told again when their message changes
MOVING_PROBLEMS = frozenset({"timing_problem", "distance_problem"})


class DashboardApp(App[None]):
    """``connect``: the station's publisher; ``control``: its control socket. ``keys_dir`` holds
    the CURVE keys a station on another machine needs (edge.bus.security); without it only
    loopback endpoints work. ``drill``: a strides drill to start on (``hipdrive drill``);
    ``drill_table`` makes a drill's table at its end (``edge.drill.table.drill_table``)."""

    TITLE = "Hipdrive"
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        connect: str = DEFAULT_PUBLISH,
        control: str = DEFAULT_CONTROL,
        *,
        keys_dir: Path | None = None,
        bands: TargetBands | None = None,
        control_timeout: float = 2.0,
        drill: DrillPlan | None = None,
        drill_table: DrillTable | None = None,
    ) -> None:
        super().__init__()
        self._drill_at_start = drill
        self._drill_table = drill_table
        for what, endpoint in (("publisher", connect), ("control", control)):
            try:
                check_endpoint(endpoint)
            except ValueError as exc:
                raise UsageError(f"{what} endpoint {endpoint!r}: {exc}") from None
            if keys_dir is None and not is_loopback(endpoint):
                raise UsageError(
                    f"{what} endpoint {endpoint} is another machine: its station admits only "
                    "CURVE clients; give the keys folder (bus.keys_dir, see hipdrive keys generate)"
                )
        self.connect = connect
        self.control = control
        self.bands = bands or TargetBands()
        self.readings = Readings()
        self._units = self.readings.units
        # CURVE keys for a station on another machine (UsageError if they are missing).
        self._connect_keys = client_keys_for(connect, keys_dir) if keys_dir else None
        self._control_keys = client_keys_for(control, keys_dir) if keys_dir else None
        self._control_timeout = control_timeout
        self._commands: queue.Queue[Command] = queue.Queue()
        self._main = DashboardScreen()
        self._started = time.monotonic()
        self._last_heard: float | None = None
        self._link = Link("connecting", connect, None)
        self._belt_request: tuple[float, float] | None = None
        self._session_expected: bool | None = None
        self._shown_problem: tuple[str, float] | None = None
        self._told: dict[str, str | None] = {}
        """The last message of each of ``STATUS_PROBLEMS`` the station sent (None: no problem)."""
        self._view_notice: str | None = None
        self._held: str | None = None
        """Why the station gives no cue, as the figures were last drawn (``Readings.held``)."""
        self._other_gait = False
        """Whether the summary was of the gait the person left, as the figures were last drawn
        (``Readings.other_gait``)."""
        self._ended: str | None = None
        """The file the station in this process played to its end (``source_ended``), or None."""
        self._cleared = 0
        """``Readings.cleared`` as last drawn."""

    async def on_mount(self) -> None:
        await self.push_screen(self._main)
        self._show_summary()
        self._show_history()
        self._check_link()
        self.set_interval(0.25, self._check_link)
        self._receive()
        self._serve_commands()
        if self._drill_at_start is not None:
            self.start_drill(self._drill_at_start)

    # The network, on worker threads.

    @work(thread=True, exclusive=True, group="bus", exit_on_error=False)
    def _receive(self) -> None:
        worker = get_current_worker()
        sub: Subscriber | None = None
        frames: list[FrameMsg] = []
        flushed = heard = time.monotonic()
        try:
            while not worker.is_cancelled:
                now = time.monotonic()
                try:
                    if sub is None or now - heard > RESUBSCRIBE_AFTER:
                        if sub is not None:
                            sub.close()
                        sub = None  # closed before reopening, so a failure leaves none open
                        sub = Subscriber(self.connect, keys=self._connect_keys)
                        heard = now
                    msg = sub.recv(POLL_SECONDS)
                except SchemaError as exc:
                    self.post_message(BusProblem(f"bad message from the station: {exc}"))
                    continue
                except Exception as exc:  # any failure is shown, then retried: never a crash
                    self.post_message(BusProblem(f"subscription to {self.connect}: {exc}"))
                    time.sleep(1.0)
                    continue
                now = time.monotonic()
                if msg is not None:
                    heard = now
                if isinstance(msg, FrameMsg):
                    frames.append(msg)
                elif msg is not None:
                    self.post_message(BusReceived(msg))
                if frames and now - flushed >= FRAME_INTERVAL:
                    self.post_message(FramesReceived(tuple(frames)))
                    frames, flushed = [], now
        finally:
            if sub is not None:
                sub.close()

    @work(thread=True, exclusive=True, group="control", exit_on_error=False)
    def _serve_commands(self) -> None:
        worker = get_current_worker()
        client: ControlClient | None = None
        try:
            while not worker.is_cancelled:
                try:
                    command = self._commands.get(timeout=0.1)
                except queue.Empty:
                    continue
                try:
                    if client is None:
                        client = ControlClient(
                            self.control, keys=self._control_keys, timeout=self._control_timeout
                        )
                    reply = client.request(command.cmd, **command.args)
                except ControlTimeout as exc:
                    # A user trial's busy station did start the session after the 2 s: "no
                    # reply" alone had read as a failure.
                    said = f"{exc}: it may be busy and still do it (its header says)"
                    self.post_message(ControlReplied(command, None, said))
                except ControlError as exc:
                    self.post_message(ControlReplied(command, None, str(exc)))
                except Exception as exc:  # a socket error must not end the control thread
                    self.post_message(ControlReplied(command, None, f"{type(exc).__name__}: {exc}"))
                else:
                    self.post_message(ControlReplied(command, reply, None))
        finally:
            if client is not None:
                client.close()

    # Messages from the workers, on the UI thread.

    def on_bus_received(self, event: BusReceived) -> None:
        msg = event.msg
        self.readings.take(msg)
        # Heard after the message is taken: a new station's first status turns an ended file's
        # header live at once (a trial's console kept "ENDED" beside the next run's session).
        self._heard()
        if self.readings.units != self._units:
            # Calibration came or went: every distance changes unit, tiles and plots alike.
            self._units = self.readings.units
            self._show_summary()
            self._show_history()
        if isinstance(self.screen, DrillScreen):
            if isinstance(msg, StepMsg):
                self.screen.take_step(msg)
            elif isinstance(msg, StatusMsg):
                self.screen.take_status(msg)
        if isinstance(msg, StepMsg):
            self._show_history()
            landing = self.readings.landing(msg)
            if landing is not None:
                self._main.figure.mark(landing)
        elif isinstance(msg, SummaryMsg):
            self._show_summary()
            # The plots' targets follow the summary's pace, as the tiles' do (a console trial's
            # plot read 24.5 beside a tile's and a cue's 24.4 until the next step).
            self._show_history()
        else:
            self._take_status(msg)

    def on_frames_received(self, event: FramesReceived) -> None:
        self._heard()
        for frame in event.frames:
            self.readings.take(frame)
        self._main.figure.show(event.frames[-1])

    def on_bus_problem(self, event: BusProblem) -> None:
        now = time.monotonic()
        shown = self._shown_problem
        if shown is None or shown[0] != event.text or now - shown[1] > PROBLEM_REPEAT:
            self._shown_problem = (event.text, now)
            self.notify(event.text, title="Station", severity="warning", timeout=6)

    def on_control_replied(self, event: ControlReplied) -> None:
        command = event.command
        title = _TITLES[command.cmd]
        if event.error is not None:
            if command.cmd == "set_belt_speed":
                self._belt_request = None
            elif command.cmd in ("start_session", "stop_session"):
                self._session_expected = None
            self._show_header()
            self.notify(f"{title}: {event.error}", title="Station", severity="error", timeout=6)
            return
        reply = event.reply or {}
        session, lap = reply.get("session_id"), reply.get("lap")
        done = {
            "start_session": "Session started" if session is None else f"Session {session} started",
            "stop_session": ("Session stopped" if session is None else f"Session {session} stopped")
            + ": nothing is recorded now; s starts a new session (the next runner starts one "
            "after the belt has been empty for a few seconds)",
            "set_runner": f"Runner: {command.args.get('name')}",
            "mark_lap": "Lap marked" if lap is None else f"Lap {lap} marked",
            "set_voice": "Cues spoken" if command.args.get("on") else "Cues silent",
        }
        if command.cmd in done:  # a new belt speed shows in the header instead
            self.notify(done[command.cmd])

    # Keys (bound on the main screen).

    def _send(self, cmd: str, **args: Any) -> bool:
        """Queue ``cmd`` for the station; False (and told) when it has stopped (``_gone``):
        a key changes what it shows only once its command is on its way."""
        if self._gone(cmd):
            return False
        self._commands.put(Command(cmd, args))
        return True

    def _gone(self, cmd: str) -> bool:
        """Whether the station has stopped, its file played to the end, told for a key that
        would send ``cmd`` to it (a trial's keys after the end had each waited 2 s for "no
        reply"); keys that first open a screen (the runner's name, the drill) ask it first."""
        if self._ended is None:
            return False
        self.notify(
            f"{self._ended} has ended and its station has stopped: nothing to change; press q "
            "to quit",
            title=_TITLES[cmd],
            severity="warning",
            timeout=6,
        )
        return True

    def action_toggle_session(self) -> None:
        status = self.readings.status
        is_open = self._session_expected
        if is_open is None:
            is_open = status is not None and status.session_id is not None
        if self._send("stop_session" if is_open else "start_session"):
            self._session_expected = not is_open

    def action_belt(self, direction: int) -> None:
        shown = self._belt_shown()
        if shown is not None:
            speed = shown + direction * BELT_STEP
        else:
            # A first press sets the speed the steps read, to be stepped from; a console
            # trial's down key had set 3.0 m/s under a runner at 2.5.
            speed = self.readings.belt_read or BELT_START
        speed = round(min(max(speed, BELT_MIN), MAX_BELT_MPS), 1)
        if self._send("set_belt_speed", mps=speed):
            self._belt_request = (speed, time.monotonic())
            self._show_header()

    def action_runner(self) -> None:
        if self._gone("set_runner"):
            return
        status = self.readings.status

        def chosen(name: str | None) -> None:
            if name:
                self._send("set_runner", name=name)

        self.push_screen(RunnerNameScreen(status.runner if status else None), chosen)

    def action_lap(self) -> None:
        self._send("mark_lap")

    def action_drill(self) -> None:
        if self._gone("mark_lap"):
            return

        def chosen(plan: DrillPlan | None) -> None:
            if plan is not None:
                self.start_drill(plan)

        self.push_screen(DrillFormScreen(), chosen)

    def start_drill(self, plan: DrillPlan) -> None:
        """Run the strides drill ``plan`` on its own screen, its repeats marked as laps."""

        def mark(label: str, t: float | None) -> None:
            self._send("mark_lap", label=label, **({} if t is None else {"t": t}))

        screen = DrillScreen(plan, mark, self._drill_table)
        screen.take_link(self._link)
        status = self.readings.status
        if status is not None:
            screen.take_status(status)
        if (status is None or status.session_id is None) and not self._session_expected:
            self._session_expected = True  # the repeats are laps of a session
            self._send("start_session")
        self.push_screen(screen)

    def action_toggle_voice(self) -> None:
        status = self.readings.status
        self._send("set_voice", on=not (status is not None and status.voice))

    def action_toggle_view(self) -> None:
        self._main.toggle_class("-focus")

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def source_ended(
        self, name: str, refused: str | None = None, refused_title: str = "No findings"
    ) -> None:
        """The station in this process has played its file to the end: the console stays, its
        last figures to be read (a user trial's closed before a key could be pressed), the
        header saying it has ended, and keys telling that there is no station to send to.
        ``refused``: why the run gives no findings, which it exits with (a short clip's console
        had ended still "checking" the steps it was refused for), under ``refused_title`` (a run
        ended at a cut gives findings for the shot before it). The notices of the run before it
        go: at 120x40 a console trial's "No findings" had been below the frame rate's and the
        file's frames', off the screen."""
        self._ended = name
        self.clear_notifications()
        status = self.readings.status
        if refused is not None:
            self.notify(refused, title=refused_title, severity="error", timeout=ENDED_NOTICE_S)
        elif status is not None and (status.untimed or status.rate_problem is not None):
            # A loaded station's file ended so, told "Too few steps: the file ended before four
            # steps of one gait could be checked", 33 steps in: the steps were not timed.
            dropped = status.dropped_frames
            why = (
                f"the station could not keep up with the file and left {dropped} of its frames: "
                "hipdrive analyze measures every one"
                if dropped
                else "the file's own frames came so"
            )
            self.notify(
                f"steps were not timed where too few frames a second came, and give no figures "
                f"({why})",
                title="Too few frames a second",
                severity="warning",
                timeout=ENDED_NOTICE_S,
            )
        elif self.readings.held is not None:
            # Still checking: the file ended before four steps of one gait could be read.
            self.notify(
                "the file ended before four steps of one gait could be checked against it: the "
                "figures checked are not shown",
                title="Too few steps",
                severity="warning",
                timeout=ENDED_NOTICE_S,
            )
        self.notify(
            f"{name} has ended: its last figures stay on screen, dimmed, as the station has "
            "stopped; press q to quit",
            title="Ended",
            timeout=ENDED_TOLD_S,
        )
        self._check_link()

    # Drawing.

    def _heard(self) -> None:
        self._last_heard = time.monotonic()
        if self._link.state != "live":
            self._check_link()

    def _check_link(self) -> None:
        if not self.screen_stack:
            # Closing: its timer's last tick can come after the screens are gone (a test run
            # under load failed on it, "No screens on stack", as the console quit).
            return
        now = time.monotonic()
        age = now - (self._last_heard if self._last_heard is not None else self._started)
        state: LinkState = "stale"
        status = self.readings.status
        # A station elsewhere says its file has ended in its last status (a console trial's
        # separate console read NO DATA in red under a green cue for good).
        if self._ended is not None or (status is not None and status.camera_state == "ended"):
            state = "ended"
        elif self._last_heard is None:
            # Never heard: a station still starting (loading its model, reading its file
            # through), or none there. A trial's console read a red NO DATA for 47 s while
            # its own station loaded.
            state = "connecting"
        elif age <= STALE_AFTER:
            state = "live"
        self._link = Link(state, self.connect, age)
        self._main.set_class(state in ("stale", "ended"), "-stale")
        if isinstance(self.screen, DrillScreen):
            self.screen.take_link(self._link)
        self._show_header()

    def _belt_shown(self) -> float | None:
        if self._belt_request is not None and time.monotonic() - self._belt_request[1] < BELT_HOLD:
            return self._belt_request[0]
        status = self.readings.status
        return None if status is None else status.belt_speed_mps

    def _show_header(self) -> None:
        self._main.header.show(self.readings, self._link, self._belt_shown())

    def _take_status(self, status: StatusMsg) -> None:
        if self.readings.cleared != self._cleared:
            self._cleared = self.readings.cleared
            self._show_summary()
            self._show_history()
        if self._session_expected == (status.session_id is not None):
            self._session_expected = None
        for name, title, severity, timeout in STATUS_PROBLEMS:
            message = getattr(status, name)
            told = self._told.get(name)
            if message and (not told if name in MOVING_PROBLEMS else message != told):
                self.notify(message, title=title, severity=severity, timeout=timeout)
            self._told[name] = message
        self._show_header()
        held = self.readings.held
        if (held, self.readings.other_gait) != (self._held, self._other_gait):
            # The figures the station now doubts, or no longer does, or those of the gait the
            # person has left, are drawn again.
            self._show_summary()
            self._show_history()
        readings = self.readings
        self._main.cue.show(readings.summary, readings.gait_mode, held, readings.walk_held)

    def _paced_bands(self) -> TargetBands | None:
        """The bands at the runner's pace, as the summary reads it (the overstride limits grow
        with it, the cadence and contact ones ease below 2.5 m/s's, as the cues' do; past the
        recorded paces the overstride and the shin's angle have none, as the station's summary
        says: it holds that with the cue; a station from before says nothing, and the pace alone
        decides). None
        while the figures are a walk's, which no target judges (a console trial's walk had its
        cadence and contact coloured off running's targets), or while the running steps come
        under running's cadence, which no target judges either (``Readings.unjudged_run``)."""
        stats = self.readings.stats("speed_legs_per_s")
        summary = self.readings.summary
        if (summary is not None and summary.gait == "walking") or self.readings.unjudged_run:
            return None
        beyond = summary.pace_beyond if summary is not None else None
        return self.bands.paced(stats.median if stats is not None else None, beyond)

    def _show_summary(self) -> None:
        readings = self.readings
        # What the figures are drawn for: a status that changes either draws them again (a
        # review: a summary of the new gait, then a status of the old one, kept the new gait's
        # figures under the old one's banner when this was only kept from statuses).
        self._held, self._other_gait = readings.held, readings.other_gait
        bands = self._paced_bands()
        for tile, metric in zip(self._main.tiles, tile_metrics(readings.units), strict=True):
            parts = tuple(readings.stats(name) for _, name in metric.parts or ())
            band = bands.for_metric(metric.name) if bands else None
            unaimed = bands is not None and bands.no_target_at_pace(metric.name)
            tile.show(metric, readings.stats(metric.name), band, parts, unaimed)
        self._main.cue.show(readings.summary, readings.gait_mode, readings.held, readings.walk_held)
        rows = [(metric, readings.stats(metric.name)) for metric in balance_metrics(readings.units)]
        self._main.balance.show(rows, (bands or self.bands).asymmetry_pct)
        notice, before = readings.view_notice, self._view_notice
        if notice != before:
            self._view_notice = notice
            self._show_header()
            # Told once as the view turns oblique, with no angle: the header follows the yaw (a
            # notice for each degree had stacked over the cue; one with the first yaw's had read
            # 15 deg beside a cue's 12).
            if notice is not None and before is None:
                self.notify(
                    "The camera is off square to the belt and uncalibrated: distances and angles"
                    " are less sure. Calibrate the camera (hipdrive calibrate plane), or turn it"
                    " square to the belt.",
                    title="Camera",
                    severity="warning",
                    timeout=10,
                )

    def _show_history(self) -> None:
        metrics = {m.name: m for m in tile_metrics(self.readings.units)}
        overstride = metrics.get("overstride_cm") or metrics["overstride_pct_leg"]
        bands = self._paced_bands()
        for plot, metric in (
            (self._main.overstride_plot, overstride),
            (self._main.hip_plot, metrics["hip_extension_deg"]),
        ):
            band = bands.for_metric(metric.name) if bands else None
            history = self.readings.history(metric.name)
            plot.show(metric, history, band, self.readings.held_back(metric.name, history))
