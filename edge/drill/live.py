"""The drill as it happens: when each repeat starts and ends, from a key or from the runner.

``LiveDrill`` is fed the steps as the station publishes them and the console's key. A repeat starts
when the key is pressed, or when the runner speeds up: ``CONFIRM_STEPS`` running steps in a row at
least ``SPEED_CHANGE`` faster than the rest before (``pace``: the belt's speed as the stance foot
reads it), or running after a walk (``CONFIRM_STEPS`` walked steps in a row). A repeat started by
running after a walk starts again where the runner, having held a pace (``BASELINE_STEPS``), then
speeds up as much: the run was a warm-up jog, the stride comes after it. It ends on the key, or when
the runner slows down by as much against the repeat's own pace, or stops running (``CONFIRM_STEPS``
steps in a row not run). The key in a repeat started by running after a walk, before it started
again by itself, starts it again there, in the drill's first repeat only: after a walked rest
the run is the next repeat's stride, and the key ends it. A clock alone never starts or ends
one: the repeat's length (distance at the belt's speed, or time) is shown counting down, and
the runner eases off when it is done.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

import numpy as np

from edge.bus.schema import StepMsg, gait_of
from edge.drill.plan import SPEED_CHANGE, DrillPlan, Repeat, pace

CONFIRM_STEPS = 3
"""Steps in a row that confirm a change of pace (about one second)."""
BASELINE_STEPS = 8
"""Steps the pace before a change is the median of."""

Phase = Literal["rest", "repeat", "done"]


@dataclass(frozen=True, slots=True)
class Change:
    """A repeat started or ended: which, when (station time), and what told."""

    kind: Literal["start", "end"]
    repeat: int
    focus: str
    t: float
    by: Literal["key", "speed", "walking"]


class LiveDrill:
    """The drill's phase, repeat by repeat."""

    def __init__(self, plan: DrillPlan) -> None:
        self.plan = plan
        self.phase: Phase = "rest"
        self.repeat = 1
        """The repeat under way, or the next one while resting."""
        self.changes: list[Change] = []
        self._before: deque[float] = deque(maxlen=BASELINE_STEPS)
        self._recent: deque[tuple[bool, float | None]] = deque(maxlen=CONFIRM_STEPS)
        self._walked = False
        self._walking = 0
        """Walked steps in a row: ``CONFIRM_STEPS`` of them are a walk (``_walked``)."""
        self._from_walk = False
        """The repeat under way was started by running after a walk, and may start again."""

    @property
    def focus(self) -> str:
        return self.plan.focus_of(self.repeat)

    @property
    def key_starts_again(self) -> bool:
        """Whether the key, pressed now, starts the repeat under way again rather than ending
        it: the drill's first repeat, started by the runner running after the warm-up walk and
        not started again since. That run may be the warm-up jog: a user trial's key at the
        stride's start had ended it, every repeat after counted one off. After a walked rest
        the run is the next repeat's stride: there the key restarting it had left a review's
        stride out of its repeat, the repeat being its ease-off."""
        return self.phase == "repeat" and self.repeat == 1 and self._from_walk

    def key(self, t: float) -> Change | None:
        """The console's key: start the next repeat, or end this one; or start this one
        again here (``key_starts_again``). Pressed again, it ends the repeat."""
        if self.phase == "done":
            return None
        return self._change(t, "key", again=self.key_starts_again)

    def end(self, t: float) -> Change | None:
        """End the repeat under way, if one is (the drill left)."""
        return self._change(t, "key") if self.phase == "repeat" else None

    def step(self, msg: StepMsg) -> Change | None:
        """A step from the station; the change it confirms, if any."""
        if self.phase == "done":
            return None
        running, speed = gait_of(msg) == "running", pace(msg)
        self._recent.append((running, speed))
        change = None
        if self.phase == "rest":
            change = self._started_by(msg)
        elif len(self._recent) == CONFIRM_STEPS and not any(r for r, _ in self._recent):
            change = self._change(msg.ic_t, "walking")
        elif self._slowed():
            change = self._change(msg.ic_t, "speed")
        elif self._from_walk and self._settled() and self._sped_up():
            # A user trial's warm-up walk, then a jog, then the stride: the jog had started
            # repeat 1 and the stride run on in it, the table comparing the jog. Only from a
            # pace held: the engine's read climbs over the first steps after a walk (1.5 to 3.1
            # leg lengths a second over eight steps on a walk cut to a jog), as a belt speeding
            # up to the stride does.
            change = self._change(msg.ic_t, "speed", again=True)
        if change is None:
            # A walk is walked steps in a row: a sprinter's first step, once read as walked, had
            # started a repeat as "running after walking" (a user trial's).
            self._walking = self._walking + 1 if gait_of(msg) == "walking" else 0
            self._walked = self._walked or self._walking >= CONFIRM_STEPS
            if running and speed is not None:
                self._before.append(speed)
        return change

    def _started_by(self, msg: StepMsg) -> Change | None:
        recent = list(self._recent)
        if len(recent) < CONFIRM_STEPS or not all(r for r, _ in recent):
            return None
        if self._walked:
            return self._change(msg.ic_t, "walking")
        return self._change(msg.ic_t, "speed") if self._sped_up() else None

    def _settled(self) -> bool:
        """The running steps before the last ``CONFIRM_STEPS`` (six, of ``BASELINE_STEPS`` kept
        with the last two) held one pace, within ``SPEED_CHANGE``."""
        if len(self._before) < BASELINE_STEPS:
            return False
        held = list(self._before)[: 1 - CONFIRM_STEPS]
        return max(held) <= min(held) * (1.0 + SPEED_CHANGE)

    def _sped_up(self) -> bool:
        """The last ``CONFIRM_STEPS`` steps all run ``SPEED_CHANGE`` faster than the ones
        before."""
        paced = self._paces_against_before()
        return paced is not None and min(paced[0]) >= paced[1] * (1.0 + SPEED_CHANGE)

    def _slowed(self) -> bool:
        """The last ``CONFIRM_STEPS`` steps all run ``SPEED_CHANGE`` slower than the ones
        before."""
        paced = self._paces_against_before()
        return paced is not None and max(paced[0]) <= paced[1] * (1.0 - SPEED_CHANGE)

    def _paces_against_before(self) -> tuple[list[float], float] | None:
        """The paces of the last ``CONFIRM_STEPS`` steps, all run and all read, and the median
        of those before (``CONFIRM_STEPS`` of them at least); None otherwise."""
        paces = [p for r, p in self._recent if r]
        if len(paces) < CONFIRM_STEPS or len(self._before) < CONFIRM_STEPS:
            return None
        read = [p for p in paces if p is not None]
        if len(read) < len(paces):
            return None
        return read, float(np.median(self._before))

    def repeats(self) -> list[Repeat]:
        """The repeats done so far, each from its last start to its end."""
        done = []
        for start, end in zip(self.changes, self.changes[1:], strict=False):
            if start.kind == "start" and end.kind == "end":
                done.append(Repeat(start.repeat, start.focus, start.t, end.t))
        return done

    def _change(
        self, t: float, by: Literal["key", "speed", "walking"], again: bool = False
    ) -> Change:
        """Start the next repeat or end this one, or (``again``) start this one again."""
        kind: Literal["start", "end"] = "start" if self.phase == "rest" or again else "end"
        change = Change(kind, self.repeat, self.focus, t, by)
        self.changes.append(change)
        self._before.clear()
        self._recent.clear()
        self._walked = False
        self._walking = 0
        self._from_walk = kind == "start" and by == "walking"
        if kind == "start":
            self.phase = "repeat"
        else:
            if self.repeat >= self.plan.reps:
                self.phase = "done"
            else:
                self.phase, self.repeat = "rest", self.repeat + 1
        return change
