"""The console's widgets: header line, cue banner, metric tiles, history plots, balance bars and
the runner's stick figure. Each is told what to show by the app and draws nothing else."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.renderables.digits import Digits as DigitsFont
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from edge.bus.schema import (
    NOT_RECORDING,
    UNJUDGED_KEY,
    FrameMsg,
    MetricName,
    MetricStats,
    StatusMsg,
    SummaryMsg,
    keypoints_from_wire,
)
from edge.dashboard.bands import Band, Level, TargetBands
from edge.dashboard.canvas import BrailleCanvas
from edge.dashboard.readings import UNTIMED_MODE, Landing, Readings, Units
from edge.frame_rate import ENGINE_FPS
from edge.skeleton import KP, LIMBS

LEVEL_COLOURS: dict[Level, str] = {"good": "green3", "watch": "gold1", "off": "red1"}


@dataclass(frozen=True, slots=True)
class Metric:
    """A number the console shows: the metric (a StepMsg field), its label, unit and decimals;
    ``parts``, the two metrics it is the sum of, with what to call each (the scissor: the
    stance thigh's extension back and the swing thigh's flexion forward)."""

    label: str
    name: MetricName
    unit: str
    decimals: int
    parts: tuple[tuple[str, MetricName], tuple[str, MetricName]] | None = None

    def format(self, value: float | None) -> str:
        return "--" if value is None else f"{value:.{self.decimals}f}"


def tile_metrics(units: Units) -> tuple[Metric, ...]:
    """The tiles in order; distances in cm on a calibrated station, else in % of leg length. At
    one belt speed the stride length is the cadence's mirror, so the scissor has its tile."""
    cm = units == "cm"
    return (
        Metric("Cadence", "cadence_spm", "spm", 0),
        Metric("Overstride", "overstride_cm", "cm", 1)
        if cm
        else Metric("Overstride", "overstride_pct_leg", "% leg", 0),
        Metric("Shank angle", "shank_angle_ic_deg", "deg", 1),
        Metric("Hip extension", "hip_extension_deg", "deg", 1),
        Metric("Contact", "contact_ms", "ms", 0),
        Metric("Braking", "braking_ms", "ms", 0),
        Metric("Vert. osc.", "vertical_osc_cm", "cm", 1)
        if cm
        else Metric("Vert. osc.", "vertical_osc_pct_leg", "% leg", 1),
        SCISSOR,
    )


SCISSOR = Metric(
    "Scissor",
    "scissor_deg",
    "deg",
    0,
    parts=(("back", "scissor_back_deg"), ("front", "scissor_front_deg")),
)
"""The angle between the thighs at toe-off, and each leg's share of it."""


def balance_metrics(units: Units) -> tuple[Metric, ...]:
    """The left/right comparisons, most telling first (the widget shows as many as fit)."""
    shown = {m.name: m for m in tile_metrics(units)}
    overstride = shown["overstride_cm" if units == "cm" else "overstride_pct_leg"]
    return (
        overstride,
        shown["hip_extension_deg"],
        shown["contact_ms"],
        Metric("Knee lift", "knee_lift_deg", "deg", 1),
        shown["shank_angle_ic_deg"],
        shown["braking_ms"],
    )


LinkState: TypeAlias = Literal["connecting", "live", "stale", "ended"]
STALE_AFTER = 2.0
"""Seconds without any message before the console says the data is stale."""

MODE_BADGES: dict[str, tuple[str, str]] = {
    "running": ("RUNNING", "bold black on green3"),
    "walking": ("WALKING", "bold black on deep_sky_blue1"),
    "standing": ("STANDING", "bold black on gold1"),
    "off_belt": ("NOBODY ON THE BELT", "bold white on grey35"),
    UNTIMED_MODE: ("CAN'T TELL: TOO FEW FRAMES", "bold black on gold1"),
}
"""The mode indicator of the header: its text and style, by ``Readings.gait_mode``."""
MODE_BANNERS: dict[str, tuple[str, str]] = {
    "walking": (
        "Walking",
        "walking figures only: cadence, contact, vert. osc.; the cues are for running",
    ),
    "standing": ("Standing", "no steps while standing still"),
    "off_belt": ("Nobody on the belt", "waiting for someone to step on"),
    UNTIMED_MODE: (
        "Too few frames a second",
        f"steps cannot be timed: no mode and no figures till {ENGINE_FPS[0]:g} or more come a "
        "second",
    ),
}
"""What the cue banner shows instead of a cue while nobody is running: title and line."""
FIRST_CUE = "First cue after a few steps"
"""The banner's title while the steps' figures are in and the cue not yet: the station's first
cue waits for four steps, for the camera's view to be known (``edge.gait.summary``,
``CUE_VIEW_WAIT_STEPS``) and for figures measured surely on enough steps and decided against
their targets (``FIRST_CUE_WAIT_STEPS``); a console trial's banner said "Waiting for steps…"
over their figures."""


@dataclass(frozen=True, slots=True)
class Link:
    """The state of the subscription: ``age`` is seconds since the last message (None: never)."""

    state: LinkState
    endpoint: str
    age: float | None


class StatusLine(Widget):
    """One line: station, runner, session clock, belt speed; the connection state on the right.
    Redrawn only when its text changes (the clock: once a second)."""

    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._left = Text()
        self._short = Text()
        self._right = Text()

    def show(self, readings: Readings, link: Link, belt_mps: float | None) -> None:
        """``belt_mps`` is the speed to show: just requested, or else the station's."""
        left, right = _status_text(readings, belt_mps), _link_text(link, readings.status)
        badge = MODE_BADGES.get(readings.gait_mode or "") if link.state == "live" else None
        if badge is not None:
            right = Text.assemble((f" {badge[0]} ", badge[1]), " ", right)
        if (left, right) != (self._left, self._right):
            self._left, self._right = left, right
            self._short = _status_text(readings, belt_mps, short=True)
            self.refresh()

    def render(self) -> Text:
        width = self.size.width
        room = max(width - self._right.cell_len - 1, 0)
        # Too narrow (80 columns): without the station's name first, so the belt speed the
        # runner sets with the arrows still shows (a console trial read "belt 3…").
        left = (self._left if self._left.cell_len <= room else self._short).copy()
        left.truncate(room, overflow="ellipsis")
        gap = max(width - left.cell_len - self._right.cell_len, 1)
        return Text.assemble(left, " " * gap, self._right, no_wrap=True, overflow="crop")


def _status_text(readings: Readings, belt_mps: float | None, short: bool = False) -> Text:
    """The header's left part; ``short``: without the station's name, the runner's unnamed."""
    status = readings.status
    text = Text(" ")
    if status is None:
        text.append("waiting for the station", "dim")
        return text
    if not short:
        text.append(status.station, "bold")
        text.append(" │ ")
    unnamed = "unnamed (n)" if short else "runner unnamed (n)"
    text.append(status.runner or unnamed, "bold" if status.runner else "dim")
    text.append(" │ ")
    if status.session_id is None and (status.recording_error or "").startswith(NOT_RECORDING):
        # The store cannot write (a disk full from the start, a folder it may not write):
        # "no session" had read as nothing amiss (a user trial's).
        text.append("not recording" if short else "not recording: see the log", "bold gold1")
    elif status.session_id is None and status.gait_mode in ("running", "walking"):
        # Someone steps with nothing recorded (a user trial pressed s on a session started by
        # itself, stopping it, and read the small "no session" as nothing amiss).
        # Short, as the rest of a narrow header, so the belt speed still shows.
        text.append(
            "not recording (s)" if short else "not recording: s starts a session", "bold gold1"
        )
    elif status.session_id is None:
        text.append("no session", "dim")
    else:
        text.append(f"session {status.session_id} ")
        if status.recording:
            text.append("● ", "bold red1")
        elif status.recording_error:
            text.append("not recording ", "bold gold1")
        text.append(_clock(readings.session_seconds), "bold")
    text.append(" │ belt ")
    text.append("--" if belt_mps is None else f"{belt_mps:.1f} m/s", "bold")
    if status.voice:
        text.append(" │ voice", "bold")
        if status.voice_problem:
            text.append(f": {status.voice_problem}", "bold gold1")
    if status.camera_state != "running":
        text.append(f" │ camera {status.camera_state}", "bold gold1")
    if status.view_problem:
        text.append(" │ no steps shown: the runner faces the other way than set up", "bold red1")
    elif status.framing_problem:
        text.append(" │ feet out of the picture: film the whole runner", "bold gold1")
    elif status.rate_problem:
        text.append(" │ too few frames a second to time steps", "bold gold1")
    elif status.timing_problem:
        text.append(" │ no cue: steps no runner's at the file's rate", "bold gold1")
    elif status.distance_problem:
        text.append(" │ no cue: scale or belt speed does not fit the runner", "bold gold1")
    elif readings.view_notice is not None:
        text.append(f" │ {readings.view_notice}", "bold gold1")
    return text


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


BEHIND_MS = 1000.0
"""A station whose frames wait longer than this from capture to publication (its median) is
told as behind, not live: it gets frames quicker than it handles them and drops none, as a file
played headless on a machine slower than its rate (on 2 cores the 60 fps demo, played frame by
frame, ran 13-17 s behind after a minute, and a console trial's `run` on a file 56 s, while the
console said LIVE; a file played to the station's own console now drops frames as a camera
does)."""


def _link_text(link: Link, status: StatusMsg | None = None) -> Text:
    if link.state == "live":
        lag = None if status is None else status.latency_p50_ms
        if lag is not None and lag > BEHIND_MS:
            return Text(f"● {lag / 1000:.0f} s BEHIND ", "bold gold1")
        return Text("● LIVE ", "bold green3")
    if link.state == "connecting":
        if link.age is not None and link.age > STALE_AFTER:
            return Text(f"○ no word yet from {link.endpoint}, {link.age:.0f} s ", "bold gold1")
        return Text(f"○ connecting to {link.endpoint} ", "bold gold1")
    if link.state == "ended":
        return Text(" ■ ENDED · q quits ", "bold white on grey35")
    age = "" if link.age is None else f" {link.age:.0f} s"
    return Text(f" ✕ NO DATA{age} ", "bold white on red3")


class CueBanner(Static):
    """The one cue, large, with its reason in small type underneath; while nobody is running
    (walking, standing, off the belt) the mode instead, and no cue: the cues are for running.
    With steps in and no cue yet, what the first one waits for."""

    DEFAULT_CSS = """
    CueBanner {
        height: 3;
        padding: 0 2;
        content-align: center middle;
        text-align: center;
        background: $panel;
        color: $text-muted;
    }
    CueBanner.-cue { background: $warning; color: black; }
    CueBanner.-good { background: $success; color: black; }
    CueBanner.-mode { background: $primary-darken-2; color: $text; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[str | None, str | None, str | None] | None = None

    def show(
        self,
        summary: SummaryMsg | None,
        mode: str | None = None,
        held: str | None = None,
        walk_held: str | None = None,
    ) -> None:
        """``mode``: the station's gait mode (``Readings.gait_mode``); ``held``: why the station
        gives no cue, in a few words (``Readings.held``); ``walk_held``: what of a walk's figures
        it holds back, and why (``Readings.walk_held``)."""
        banner = MODE_BANNERS.get(mode or "")
        if banner is not None and mode == "walking" and walk_held is not None:
            # A console trial's walking screen showed "--" for the figures its banner named.
            shown: tuple[str | None, str | None, str | None] = (
                f"mode:{mode}",
                banner[0],
                walk_held,
            )
        elif banner is not None:
            shown = (f"mode:{mode}", *banner)
        elif held is not None:
            shown = ("held", "No cue", held)
        elif summary is None or summary.gait == "walking" or not summary.n_steps:
            shown = (None, None, None)
        elif summary.cue is None:
            steps = f"{summary.n_steps} step{'' if summary.n_steps == 1 else 's'}"
            # What it waits for, the console cannot tell apart (four steps, the camera's view,
            # figures measured surely on enough steps and decided against their targets: a
            # review found "the camera's view" said once the view was known).
            why = "the first cue waits for enough of them to judge by"
            shown = ("first", FIRST_CUE, f"{steps} in: {why}")
        else:
            shown = (summary.cue_key, summary.cue, summary.cue_reason)
        if shown == self._shown:
            return
        self._shown = shown
        key, cue, reason = shown
        self.set_class(banner is not None, "-mode")
        self.set_class(
            banner is None
            and cue is not None
            and key not in ("good", UNJUDGED_KEY, "held", "first"),
            "-cue",
        )
        self.set_class(banner is None and cue is not None and key == "good", "-good")
        text = Text(cue.upper() if cue else "Waiting for steps…", "bold")
        if cue and reason:
            text.append(f"\n{reason}", Style(bold=False, italic=True))
        # A fixed size: no layout pass, which would repaint the whole screen.
        self.update(text, layout=False)


class StripWidget(Widget):
    """A widget drawn as rows of segments through Textual's Line API, once per change.

    Cheaper than returning Rich text from ``render`` for pictures that change several times a
    second: nothing is parsed or wrapped, an unchanged widget costs nothing, and
    ``redraw_changed`` repaints only the rows that differ.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._strips: list[Strip] = []
        self._drawn_for: Size | None = None

    def redraw(self, *, layout: bool = False) -> None:
        """Draw again when next painted (all of it)."""
        self._drawn_for = None
        self.refresh(layout=layout)

    def redraw_changed(self) -> None:
        """Draw now and repaint only the rows that changed."""
        if self._drawn_for != self.content_size:
            self.redraw()
            return
        old = self._strips
        self._draw_strips()
        changed = [
            y
            for y in range(max(len(old), len(self._strips)))
            if y >= len(old) or y >= len(self._strips) or old[y] != self._strips[y]
        ]
        if changed:  # one region: the compositor pays per region
            first, last = changed[0], changed[-1]
            self.refresh(Region(0, first, self.content_size.width, last - first + 1))

    def draw(self, width: int, height: int) -> list[list[Segment]]:
        """The rows to show in ``width`` x ``height`` cells (fewer rows leave the rest blank)."""
        raise NotImplementedError

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._drawn_for = None  # the strips carry the old colours

    def _draw_strips(self) -> None:
        size, base = self.content_size, self.rich_style
        self._strips = []
        for row in self.draw(size.width, size.height):
            segments = list(Segment.apply_style(row, base))
            strip = Strip(segments)
            if strip.cell_length != size.width:
                strip = strip.adjust_cell_length(size.width, base)
            self._strips.append(strip)
        self._drawn_for = size

    def render_line(self, y: int) -> Strip:
        if self._drawn_for != self.content_size:
            self._draw_strips()
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.content_size.width, self.rich_style)


_BOLD = Style(bold=True)
_ITALIC = Style(italic=True)
_GREY = Style.parse("grey50")


class Tile(StripWidget):
    """One metric: label and unit, the value in large digits, ± half its spread and the target;
    the background is the band's colour. A value measured less surely (``confident`` false) says
    so in place of its spread and is not coloured: the runner is not judged by it. A metric with
    no target at the runner's pace (the overstride and the shin's reach past the recorded paces)
    says that instead, measured surely or not, as the cue's reason does: it names such a figure
    for the pace, never as less sure."""

    DEFAULT_CSS = """
    Tile { height: 1fr; padding: 0 1; background: $panel; }
    Tile.-good { background: $success-darken-2; }
    Tile.-watch { background: $warning-darken-1; color: black; }
    Tile.-off { background: $error-darken-1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[str, str, str, Level | None] | None = None

    def show(
        self,
        metric: Metric,
        stats: MetricStats | None,
        band: Band | None,
        parts: tuple[MetricStats | None, ...] = (),
        no_target_at_pace: bool = False,
    ) -> None:
        """Show ``metric`` at ``stats``, coloured by ``band``; a metric with parts shows its
        value split in the proportion of the parts' medians (``parts``, their stats in order)
        in place of its spread. ``no_target_at_pace``: the metric has a target, but none at the
        runner's pace (``TargetBands.no_target_at_pace``)."""
        value = None if stats is None else stats.median
        sure = stats is None or stats.confident
        level = None if value is None or band is None or not sure else band.level(value)
        detail = []
        shares = [p.median for p in parts if p is not None and p.confident and p.median]
        if no_target_at_pace:
            # A user trial's runner at 5.1 m/s had an uncoloured overstride tile that said
            # nothing of why, beside its cue's reason saying it.
            detail.append(NO_AIM_AT_PACE)
        elif not sure:
            detail.append("less sure")
        elif metric.parts is not None and value is not None and len(shares) == 2:
            # The median of a sum is not the sum of the medians: the value is split in the
            # proportion of the parts' medians, so what the runner reads adds up.
            (a, _), (b, _) = metric.parts
            first = round(value * shares[0] / (shares[0] + shares[1]))
            detail.append(f"{a} {first} + {b} {round(value) - first}")
        elif stats is not None and stats.iqr is not None:
            detail.append(f"±{stats.iqr / 2:.{metric.decimals}f}")
        if band is not None:
            detail.append(f"aim {band.describe('')}")
        shown = (f"{metric.label.upper()} {metric.unit}", metric.format(value), "  ".join(detail))
        if (*shown, level) == self._shown:
            return
        self._shown = (*shown, level)
        for name in LEVEL_COLOURS:
            self.set_class(level == name, f"-{name}")
        self.redraw()

    def draw(self, width: int, height: int) -> list[list[Segment]]:
        if self._shown is None:
            return []
        label, value, detail, _ = self._shown
        font = (seg for seg in DigitsFont(value).render(_BOLD) if isinstance(seg, Segment))
        pieces = list(Segment.split_lines(font))
        indent = [Segment(" " * max((width - DigitsFont.get_width(value)) // 2, 0))]
        rows = [[Segment(label, _BOLD)], *([*indent, *line] for line in pieces)]
        if height > len(rows):
            rows.append([Segment(fit_detail(detail, width), _ITALIC)])
        top = max((height - len(rows)) // 2, 0) if height > 5 else 0
        return [[]] * top + rows


NO_AIM_AT_PACE = "no aim at this pace"
"""What a tile says of a metric with no target at the runner's pace (``edge.pace``,
``NO_TARGET_AT_PACE``), in the tile's words: "aim" is its target."""


def fit_detail(detail: str, width: int) -> str:
    """A tile's detail line shortened to ``width`` step by step, so its target stays whole:
    ``less sure  aim >= 155`` to ``unsure >=155`` (a console trial's narrow tiles cut it to
    ``less sure  aim >= 1``), ``no aim at this pace`` to ``no aim at pace``; cut only when even
    that does not fit."""
    tighter = detail.replace("  ", " ")
    shorter = tighter.replace("less sure", "unsure").replace(" this pace", " pace")
    shortest = shorter.replace("aim ", "").replace(">= ", ">=").replace("<= ", "<=")
    for text in (detail, tighter, shorter, shortest):
        if len(text) <= width:
            return text
    return shortest[:width]


# Inks of the plots and the figure (indexes into _INKS).
_GOOD, _WATCH, _OFF, _DIM, _PLAIN, _LEFT, _RIGHT, _TRUNK, _MARK, _FLASH = range(1, 11)
_INKS = [
    Style.parse(style)
    for style in (
        "none",
        LEVEL_COLOURS["good"],
        LEVEL_COLOURS["watch"],
        LEVEL_COLOURS["off"],
        "grey50",
        "bright_white",
        "bold deep_sky_blue1",
        "bold orchid1",
        "bright_white",
        "bold gold1",
        "bold black on gold1",
    )
]
_LEVEL_INK: dict[Level, int] = {"good": _GOOD, "watch": _WATCH, "off": _OFF}


class HistoryPlot(StripWidget):
    """One metric over the last steps, newest on the right, with its target as a dotted line."""

    DEFAULT_CSS = """
    HistoryPlot { height: 1fr; min-height: 3; }
    """

    _GUTTER = 5

    def __init__(self, slots: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._slots = slots
        self._metric: Metric | None = None
        self._values: list[float | None] = []
        self._band: Band | None = None
        self._held = False

    def show(
        self, metric: Metric, values: list[float | None], band: Band | None, held: bool = False
    ) -> None:
        """``values``: one per recent step, None where none is shown; ``held``: some of those
        None are figures measured less surely, or doubted (``Readings.held_back``)."""
        self._metric, self._values, self._band = metric, values[-self._slots :], band
        self._held = held
        self.redraw()

    def draw(self, width: int, height: int) -> list[list[Segment]]:
        metric, band = self._metric, self._band
        if metric is None or width <= self._GUTTER + 2 or height < 2:
            return []
        values = [v for v in self._values if v is not None]
        title = [Segment(f"{metric.label} {metric.unit}", _BOLD)]
        if self._values and self._values[-1] is not None:
            title.append(Segment(f"   now {metric.format(values[-1])}", _BOLD))
        elif values:
            # The latest step has none (a walk's, which has no overstride or hip extension): a
            # user trial's walking screen read "now 38" off the run before it.
            title.append(Segment(f"   last {metric.format(values[-1])}", _GREY))
        elif self._held:
            # Steps, none of them measured surely (an oblique view's, a far leg's, or doubted by
            # the station): a console trial's plot sat empty beside a tile's figure.
            title.append(Segment("   no step measured surely", _GREY))
        if band is not None:
            title.append(Segment(f"   target {band.describe(metric.unit)}", _GREY))
        canvas = BrailleCanvas(width - self._GUTTER, height - 1)
        lo, hi = _value_range(values, band)
        bottom = canvas.dot_height - 1.0

        def y_of(value: float) -> float:
            return (hi - value) / (hi - lo) * bottom

        if band is not None:
            y = y_of(band.limit)
            canvas.line((0, y), (canvas.dot_width - 1, y), _DIM, every=2)
        step = (canvas.dot_width - 1) / max(self._slots - 1, 1)
        offset = self._slots - len(self._values)
        previous: tuple[float, float] | None = None
        for i, value in enumerate(self._values):
            if value is None:
                previous = None
                continue
            point = ((offset + i) * step, y_of(value))
            ink = _LEVEL_INK[band.level(value)] if band is not None else _PLAIN
            canvas.line(previous or point, point, ink)
            previous = point
        rows = [title]
        for r, row in enumerate(canvas.rows(_INKS)):
            label = f"{hi:.0f}" if r == 0 else f"{lo:.0f}" if r == canvas.height - 1 else ""
            rows.append([Segment(f"{label:>{self._GUTTER - 1}} ", _GREY), *row])
        return rows


def _value_range(values: list[float], band: Band | None) -> tuple[float, float]:
    """The plot's vertical range: the values and the target, with a little room."""
    ends = [*values, band.limit] if band is not None else list(values)
    if not ends:
        return 0.0, 1.0
    lo, hi = min(ends), max(ends)
    pad = max((hi - lo) * 0.1, 1.0)
    return lo - pad, hi + pad


class BalanceBars(StripWidget):
    """Left/right asymmetry of the summary's medians, one bar per metric from a centre line:
    the bar grows towards the side whose value is larger. Only metrics measured surely on both
    legs have a bar, grey where the feet's values do not differ beyond their scatter; the others
    say why not: "feet not told apart" (two steps in a row were named the same foot), "near leg
    only" (the far leg's values, seen through the near leg, are less sure) or "less sure"
    (neither leg's are)."""

    DEFAULT_CSS = """
    BalanceBars { height: auto; }
    """

    FULL_SCALE_PCT = 20.0
    _LABEL = 15

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[tuple[Metric, MetricStats | None]] = []
        self._band: Band = TargetBands().asymmetry_pct

    def show(self, rows: list[tuple[Metric, MetricStats | None]], band: Band) -> None:
        resized = len(rows) != len(self._rows)
        self._rows, self._band = rows, band
        self.redraw(layout=resized)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return max(len(self._rows), 1)

    def draw(self, width: int, height: int) -> list[list[Segment]]:
        half = max((width - self._LABEL - 14) // 2, 1)
        rows = []
        for metric, stats in self._rows:
            asym = None if stats is None else stats.asymmetry_pct
            row = [
                Segment(f"{metric.label:<{self._LABEL}.{self._LABEL}}", _BOLD),
                Segment("L ", _INKS[_LEFT]),
            ]
            if asym is None:
                why = _no_balance(stats)
                centre = " " * half + "┃" + " " * half if why is None else f"{why:^{2 * half + 1}}"
                row += [Segment(centre, _GREY), Segment(" R", _INKS[_RIGHT])]
                row.append(Segment("   --", _GREY))
            else:
                # Grey where the feet do not surely differ: too few steps or too much scatter.
                ink = (
                    _INKS[_LEVEL_INK[self._band.level(abs(asym))]]
                    if stats is not None and stats.feet_differ
                    else _GREY
                )
                cells = min(abs(asym) / self.FULL_SCALE_PCT, 1.0) * half
                bar = "█" * int(cells) + ("▌" if cells - int(cells) >= 0.5 else "")
                if asym > 0:  # the left value is larger: grow towards L
                    left = bar.replace("▌", "▐")[::-1]
                    row += [Segment(f"{left:>{half}}", ink), Segment("┃" + " " * half, _GREY)]
                else:
                    row += [Segment(" " * half + "┃", _GREY), Segment(f"{bar:<{half}}", ink)]
                row += [Segment(" R", _INKS[_RIGHT]), Segment(f" {asym:+5.1f}%", ink)]
            rows.append(row)
        return rows


def _no_balance(stats: MetricStats | None) -> str | None:
    """Why a metric has no left/right balance, when the summary says (None: not yet known)."""
    if stats is None:
        return None
    if stats.feet_mixed:
        return "feet not told apart"
    if stats.near_leg_only:
        return "near leg only"
    return None if stats.confident else "less sure"


_L, _R = "left", "right"
_FOOT_LETTER = {_L: "L", _R: "R"}
_HEAD = [KP[name] for name in ("nose", "left_eye", "right_eye", "left_ear", "right_ear")]
_SHOULDERS = [KP["left_shoulder"], KP["right_shoulder"]]
_HIPS = [KP["left_hip"], KP["right_hip"]]


_LEGENDS = [
    [
        Segment("L", _INKS[_LEFT]),
        Segment(" "),
        Segment("R", _INKS[_RIGHT]),
        Segment(f"{gap}▼ landing", _INKS[_MARK]),
        Segment(f"{gap}┆ {plumb}", _GREY),
    ]
    for gap, plumb in (("   ", "under the hips"), (" ", "under the hips"), (" ", "hips"))
]
"""The figure's key, longest first: it says as many words as the figure's width holds (a
console trial's 80 and 120 columns had cut it to "▼ landing ┆ under th")."""


def _legend(width: int) -> list[Segment]:
    """The longest of ``_LEGENDS`` that ``width`` holds, else the shortest."""
    return next((line for line in _LEGENDS if Segment.get_line_length(line) <= width), _LEGENDS[-1])


class RunnerFigure(StripWidget):
    """The runner from the side, drawn from the latest frame's keypoints, scaled to fit.

    Left limbs are blue, right limbs pink. A dotted plumb line falls from the mid-hip to the belt:
    a foot landing far ahead of it is overstriding. Each foot contact leaves a mark where the foot
    landed (``▼`` and L/R) that flashes when the step arrives and goes after ``MARK_SECONDS``.
    Times are the station's, so a paused station leaves the figure as it was.
    """

    DEFAULT_CSS = """
    RunnerFigure { height: 1fr; }
    """

    MIN_CONFIDENCE = 0.3
    MARK_SECONDS = 1.5
    FLASH_SECONDS = 0.3
    SMOOTHING = 0.2
    """Weight of each new frame in the view box: the figure stays put while the runner moves."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._frame: FrameMsg | None = None
        self._points: np.ndarray | None = None
        self._box: np.ndarray | None = None
        self._marks: deque[tuple[Landing, float]] = deque(maxlen=4)

    def show(self, frame: FrameMsg) -> None:
        self._frame = frame
        self._points = None
        if frame.keypoints is not None:
            kp = keypoints_from_wire(frame.keypoints)
            kp[kp[:, 2] < self.MIN_CONFIDENCE, :2] = np.nan
            self._points = kp[:, :2]
            seen = kp[~np.isnan(kp[:, :2]).any(axis=1), :2]
            if len(seen) >= 2:
                box = np.concatenate([seen.min(axis=0), seen.max(axis=0)])
                self._box = (
                    box if self._box is None else self._box + self.SMOOTHING * (box - self._box)
                )
        self.redraw_changed()

    def mark(self, landing: Landing) -> None:
        """Mark where a foot landed, from now: the frame shown, whose time the marks age by (a
        step's own time is a file's where the frames' is the station's clock)."""
        if self._frame is not None:
            self._marks.append((landing, self._frame.t))
            self.redraw_changed()

    def draw(self, width: int, height: int) -> list[list[Segment]]:
        if height < 2 or width < 4:
            return []
        message = None
        if self._frame is None:
            message = "waiting for frames"
        elif self._points is None or self._box is None:
            message = "no runner in view"
        if message is not None:
            return [[]] * ((height - 1) // 2) + [[Segment(f"{message:^{width}}", _GREY)]]
        assert self._frame is not None
        canvas = BrailleCanvas(width, height - 1)
        self._draw(canvas, self._frame.t)
        return [*canvas.rows(_INKS), _legend(width)]

    def _draw(self, canvas: BrailleCanvas, now: float) -> None:
        assert self._points is not None and self._box is not None
        x0, y0, x1, y1 = self._box
        pad = 0.08 * max(x1 - x0, y1 - y0, 1.0)
        x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
        scale = min((canvas.dot_width - 1) / (x1 - x0), (canvas.dot_height - 1) / (y1 - y0))
        ox = (canvas.dot_width - 1 - scale * (x1 - x0)) / 2 - scale * x0
        oy = (canvas.dot_height - 1 - scale * (y1 - y0)) / 2 - scale * y0
        pts = self._points * scale + (ox, oy)
        ground = (y1 - pad * 0.5) * scale + oy

        canvas.line((0, ground), (canvas.dot_width - 1, ground), _DIM, every=2)
        hip = _mean(pts[_HIPS])
        shoulder = _mean(pts[_SHOULDERS])
        if hip is not None:
            canvas.line(hip, (hip[0], ground), _DIM, every=3)
        for side, ink in ((_R, _RIGHT), (_L, _LEFT)):
            for a, b in LIMBS[side]:
                if not np.isnan(pts[[a, b]]).any():
                    canvas.line(pts[a], pts[b], ink)
        if hip is not None and shoulder is not None:
            canvas.line(shoulder, hip, _TRUNK)
            head = _mean(pts[_HEAD])
            if head is not None:
                neck = shoulder - head
                r = max(0.15 * float(np.hypot(*(shoulder - hip))), 1.5)
                reach = float(np.hypot(*neck))
                if reach > r:
                    canvas.line(shoulder, head + neck * r / reach, _TRUNK)
                canvas.circle(head, r, _TRUNK)
        for landing, step_t in self._marks:
            if now - step_t > self.MARK_SECONDS:
                continue
            ink = _FLASH if now - step_t < self.FLASH_SECONDS else _MARK
            label = "▼" + _FOOT_LETTER.get(landing.foot, "")
            canvas.char((landing.x * scale + ox, landing.y * scale + oy), label, ink)


def _mean(points: np.ndarray) -> np.ndarray | None:
    seen = points[~np.isnan(points).any(axis=1)]
    return None if len(seen) == 0 else seen.mean(axis=0)
