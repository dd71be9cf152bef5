"""Choppy strides: a runner cutting the stride short, against their own steady state.

A "choppy" runner lifts the foot early instead of driving with the hip: more, shorter steps, the
thigh no longer pushed back. At one belt speed a higher cadence always means shorter strides, and
quicker steps are not a fault in themselves; what marks the choppy stride is that the hip drive
goes with them. So the watch compares the summary's window with the runner's own steady state
at the same belt speed:

* the steady state at a speed: the medians of a full window of running steps at that speed
  (within ``SPEED_TOLERANCE``), once the window has held it for ``SETTLE_STEPS`` steps;
* choppy: cadence up by ``CADENCE_UP`` or more, with the hip extension or the thigh's extension
  at toe-off (``scissor_back_deg``: the toe-off comes early in the stride) down by
  ``EXTENSION_DOWN_DEG`` or more; it clears once both are back within half of that.

Thresholds, from RBDS001, RBDS032 and RBDS0041 (Fukuchi 2017) running steadily for 30 s each:
the 20-step median cadence ranged over at most 1.7% within a trial and the hip extension and
the extension at toe-off over at most 1.2 deg (`docs/metrics.md`), so a steady runner does not
reach 4% and 3 deg; 3 deg is also about twice the station's per-step hip-extension error on
keypoint tracks (1.0-1.6 deg, ``python -m tests.gait_accuracy``). The belt speed is read from the
steps (stride length times stride frequency): without a stride length (no belt speed known or
estimated) cadence up cannot be told from speeding up, and nothing is said.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from edge.bus.schema import Stepped, step_speed

CADENCE_UP = 0.04
"""Cadence this much above the steady state's (a fraction) is a sign of choppy strides."""
EXTENSION_DOWN_DEG = 3.0
"""Hip extension, or extension at toe-off, this much below the steady state's is the other."""
SPEED_TOLERANCE = 0.05
"""A window whose median speed is within this fraction of a steady state's is at its speed, and
a window whose two halves differ by more is at a changing one. One step's speed reads within
about 4% (a stride is not quite two steps), a window's median within about 1%."""
SETTLE_STEPS = 10
"""Steps a full window holds one speed before its steady state is taken (the runner settles)."""
WINDOW_STEPS = 20
"""Steps a steady state and the comparison with it rest on (the summary's window)."""


@dataclass(frozen=True, slots=True)
class Steady:
    """The runner's steady state at one belt speed: medians of a window of steps."""

    speed_mps: float
    cadence_spm: float
    hip_extension_deg: float | None
    extension_at_toe_off_deg: float | None


@dataclass(frozen=True, slots=True)
class Choppy:
    """Choppy strides now: how far cadence rose (%) and the drive fell (deg) since ``steady``."""

    cadence_up_pct: float
    extension_down_deg: float
    steady: Steady

    def reason(self) -> str:
        return (
            f"cadence +{self.cadence_up_pct:.0f}%, hip drive -{self.extension_down_deg:.0f} deg "
            f"against your steady {self.steady.speed_mps:.1f} m/s"
        )


class ChoppyWatch:
    """Steady states per belt speed, and whether the latest window is choppy against them."""

    def __init__(self, window_steps: int = WINDOW_STEPS) -> None:
        self._window = window_steps
        self._steady: list[Steady] = []
        self._speed: float | None = None
        self._at_speed = 0
        self._choppy = False

    @property
    def steady(self) -> tuple[Steady, ...]:
        """The steady states found so far, in the order they were taken."""
        return tuple(self._steady)

    def restart(self) -> None:
        """The gait changed: the steps that follow start a new run at their speed."""
        self._speed, self._at_speed, self._choppy = None, 0, False

    def update(self, window: Sequence[Stepped], medians: Mapping[str, Any]) -> Choppy | None:
        """After a running step: ``window`` the summary's steps (oldest first, the new one last)
        and ``medians`` its ``MetricSummary`` per metric. Choppy, or None."""
        speeds = [v for v in map(step_speed, window[-self._window :]) if v is not None]
        if len(speeds) < self._window:
            self.restart()
            return None
        half = len(speeds) // 2
        if abs(np.median(speeds[half:]) / np.median(speeds[:half]) - 1.0) > SPEED_TOLERANCE:
            self._at_speed, self._choppy = 0, False  # the belt is changing speed
            return None
        speed = float(np.median(speeds))
        if self._speed is None or abs(speed / self._speed - 1.0) > SPEED_TOLERANCE:
            self._speed, self._at_speed, self._choppy = speed, 0, False
        self._at_speed += 1
        cadence = _sure(medians, "cadence_spm")
        if cadence is None:
            return None
        now = Steady(
            speed,
            cadence,
            _sure(medians, "hip_extension_deg"),
            _sure(medians, "scissor_back_deg"),
        )
        steady = self._steady_at(speed)
        if steady is None:
            if self._at_speed > SETTLE_STEPS:
                self._steady.append(now)
            return None
        return self._judge(now, steady)

    def _steady_at(self, speed: float) -> Steady | None:
        for steady in self._steady:
            if abs(speed / steady.speed_mps - 1.0) <= SPEED_TOLERANCE:
                return steady
        return None

    def _judge(self, now: Steady, steady: Steady) -> Choppy | None:
        up = now.cadence_spm / steady.cadence_spm - 1.0
        drops = [
            before - after
            for before, after in (
                (steady.hip_extension_deg, now.hip_extension_deg),
                (steady.extension_at_toe_off_deg, now.extension_at_toe_off_deg),
            )
            if before is not None and after is not None
        ]
        down = max(drops, default=0.0)
        if self._choppy:
            self._choppy = up >= CADENCE_UP / 2 and down >= EXTENSION_DOWN_DEG / 2
        else:
            self._choppy = up >= CADENCE_UP and down >= EXTENSION_DOWN_DEG
        return Choppy(100.0 * up, down, steady) if self._choppy else None


def _sure(medians: Mapping[str, Any], name: str) -> float | None:
    """A window's median of ``name`` when it rests on surely measured steps, else None."""
    summary = medians.get(name)
    if summary is None or summary.median is None or not summary.confident:
        return None
    return float(summary.median)
