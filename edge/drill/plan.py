"""The strides drill on a treadmill: a few short, faster repeats, each with one thing to work on.

The practice: 4-6 strides of about 100 m a few times a week; odd repeats focus on driving the
hips back and lifting the knees, even ones on quick steps or a balanced upper body; then compare.
On a treadmill a repeat is a stretch at a faster belt speed, its length a distance (covered at
the belt's speed) or a time, with a rest (walking or jogging) between.

A drill is recorded as laps of the session: ``repeat K FOCUS`` where repeat K starts, ``rest``
where it ends (``lap_label``, ``parse_lap``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from edge.bus.schema import StepMsg
from edge.errors import UsageError

FOCUS: dict[str, tuple[str, str]] = {
    "hip": ("Drive the hips back", "lift the knees, push the belt away behind you"),
    "quick": ("Quick steps", "light feet, land under your hips"),
    "upper": ("Balanced upper body", "tall, shoulders easy, arms swing back"),
}
"""Each focus: what the runner reads in large type, and a line of how."""
REST = "rest"
SPEED_CHANGE = 0.1
"""A change of pace this large (a fraction) starts or ends a repeat, live or afterwards: a
stride is some 15-30% faster than the jog or walk around it."""


def pace(step: StepMsg) -> float | None:
    """How fast the runner ran about a step, to compare with their other steps: the belt's speed
    over the leg, in leg lengths a second, as the stance feet read it (``speed_legs_per_s``, the
    engine's read over the last contacts, which follows a change of speed within a step or two)
    whether or not the station is calibrated or told a belt speed; None until the engine has
    read it. A speed from a belt speed given is the console's, left as it was when the belt sped
    up for a stride, and without one or a calibration a user trial's strides were told by their
    cadence, 174 steps a minute against the jog's 155-161, too little to end a repeat."""
    return step.speed_legs_per_s


_REPEAT = re.compile(r"^repeat (\d+)(?: (\w+))?$")


@dataclass(frozen=True, slots=True)
class Length:
    """How long a repeat is: ``meters`` at the belt's speed, or ``seconds``."""

    meters: float | None = None
    seconds: float | None = None

    @classmethod
    def parse(cls, text: str) -> Length:
        """``100m`` or ``20s``; UsageError otherwise."""
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(m|s)\s*", text)
        if not match or float(match[1]) <= 0:
            raise UsageError(f"repeat length {text!r}: give metres or seconds, e.g. 100m or 20s")
        value = float(match[1])
        return cls(meters=value) if match[2] == "m" else cls(seconds=value)

    def seconds_at(self, belt_mps: float | None) -> float | None:
        """The repeat's duration at ``belt_mps``; None for a distance without a belt speed."""
        if self.seconds is not None:
            return self.seconds
        if belt_mps is None or belt_mps <= 0 or self.meters is None:
            return None
        return self.meters / belt_mps

    def __str__(self) -> str:
        return f"{self.meters:g} m" if self.meters is not None else f"{self.seconds:g} s"


@dataclass(frozen=True, slots=True)
class DrillPlan:
    """``reps`` repeats of ``length``, their focus taken in turn from ``focus``, ``rest_s``
    seconds of rest between."""

    reps: int = 6
    focus: tuple[str, ...] = ("hip", "quick")
    length: Length = Length(meters=100.0)
    rest_s: float = 60.0

    def __post_init__(self) -> None:
        if not 1 <= self.reps <= 20:
            raise UsageError(f"--reps {self.reps}: a drill has 1 to 20 repeats")
        unknown = [f for f in self.focus if f not in FOCUS]
        if unknown or not self.focus:
            raise UsageError(
                f"focus {','.join(unknown) or '(none)'}: choose from {', '.join(FOCUS)}, "
                "comma-separated, e.g. hip,quick"
            )
        if not 0 <= self.rest_s <= 900:
            raise UsageError(f"rest {self.rest_s:g} s: give 0 to 900 seconds")

    @classmethod
    def parse(cls, reps: int, focus: str, length: str, rest: str) -> DrillPlan:
        """From the command line's or the console form's text; UsageError saying what to fix."""
        rest_length = Length.parse(rest)
        if rest_length.seconds is None:
            raise UsageError(f"rest {rest!r}: give seconds, e.g. 60s")
        return cls(
            reps,
            tuple(f.strip() for f in focus.split(",") if f.strip()),
            Length.parse(length),
            rest_length.seconds,
        )

    def focus_of(self, repeat: int) -> str:
        """The focus of repeat ``repeat`` (1-based)."""
        return self.focus[(repeat - 1) % len(self.focus)]


@dataclass(frozen=True, slots=True)
class Repeat:
    """One repeat: its number, focus (None: not known), start and end (station time)."""

    index: int
    focus: str | None
    start_t: float
    end_t: float


def lap_label(repeat: int, focus: str | None) -> str:
    """The lap that starts repeat ``repeat``."""
    return f"repeat {repeat}" + (f" {focus}" if focus else "")


def parse_lap(label: str | None) -> tuple[int, str | None] | None:
    """(repeat, focus) of a lap that starts a repeat; None for any other lap."""
    match = _REPEAT.match(label or "")
    return (int(match[1]), match[2]) if match else None
