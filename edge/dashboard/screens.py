"""Modal screens: the runner's name and the help."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.validation import Regex
from textual.widgets import Input, Label, Static

NAME_RULE = r"^[^\x00-\x1f\x7f]{1,64}$"
"""What the station accepts as a runner's name (edge.bus.control): 1-64 printable characters."""


class RunnerNameScreen(ModalScreen[str | None]):
    """Asks for the runner's name; dismissed with the name, or None when cancelled."""

    DEFAULT_CSS = """
    RunnerNameScreen { align: center middle; }
    RunnerNameScreen > Vertical {
        width: 60; max-width: 95%; height: auto;
        border: thick $accent; background: $surface; padding: 1 2;
    }
    RunnerNameScreen Label { width: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: str | None) -> None:
        super().__init__()
        self._current = current or ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Runner's name (Enter to set, Esc to cancel)")
            yield Input(
                self._current,
                placeholder="name",
                max_length=64,
                validators=[Regex(NAME_RULE, failure_description="1-64 printable characters")],
                id="runner-name",
            )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        if name and event.validation_result is not None and event.validation_result.is_valid:
            self.dismiss(name)
        else:
            self.notify("A name is 1-64 printable characters", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(None)


HELP = """\
[b]Keys[/b]
  s      start / stop a session
  ↑ ↓    belt speed ±0.1 m/s (+ and - too); the first press sets the speed the steps
         read (a calibrated camera), else 3.0
  n      the runner's name
  l      mark a lap (a new repeat: the voice keeps quiet for a few seconds)
  a      speak the cues aloud, or stop
  d      strides drill: repeats with a focus each, then the table
  v      numbers only / everything
  ?      this help
  q      quit

[b]Colours[/b]  [black on green3] in range [/]  [black on gold1] watch [/]  \
[white on red3] off target [/]

Tiles: the median of the last steps, ± half its spread, the aim; "less sure" where the far leg
is in it (the scissor, the angle between the thighs at toe-off, always has a far thigh in it
once the legs are told apart; before, it shows the stance thigh's share, back, and the swing
thigh's, front).
Plots: a point per step, newest on the right, the target dotted.
Bars: grow towards the leg whose value is larger.
Figure: [bold deep_sky_blue1]left[/] and [bold orchid1]right[/] limbs, ▼ where a foot landed, \
the dotted line straight down from the hips.
Header right: what is on the belt, RUNNING, WALKING, STANDING or NOBODY ON THE BELT;
walking shows walking figures and no cue (the cues are for running).
Header red: no data for 2 s; the console reconnects by itself."""


class HelpScreen(ModalScreen[None]):
    """The keys and what the colours mean."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Static {
        width: auto; max-width: 95%; height: auto; max-height: 95%;
        border: thick $accent; background: $surface; padding: 0 2;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        yield Static(HELP)

    def action_close(self) -> None:
        self.dismiss(None)
