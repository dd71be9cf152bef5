"""The rolling summary of recent steps and the ONE cue the runner sees.

Medians and spread (interquartile range) over the last steps, left/right asymmetry, and a cue
chosen by priority among the targets that are missed. Each cue has hysteresis: it switches on
when its metric is past the target, off only once it is back inside by a margin, and the cue
shown changes at most once every ``hold_steps`` steps, so it never flickers step to step.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from edge.gait.step import Step

SUMMARISED = (
    "cadence_spm",
    "contact_ms",
    "flight_ms",
    "overstride_cm",
    "overstride_pct_leg",
    "shank_angle_ic_deg",
    "knee_flexion_ic_deg",
    "braking_ms",
    "hip_extension_deg",
    "knee_lift_deg",
    "vertical_osc_cm",
    "vertical_osc_pct_leg",
    "stride_length_m",
)


@dataclass(frozen=True, slots=True)
class Targets:
    """What good looks like; published anchors for 2.5-3.5 m/s in the comments."""

    overstride_cm_max: float = 20.0  # ankle 15-20 cm ahead of the hip is typical
    overstride_pct_leg_max: float = 23.0  # the same for a ~0.85 m leg, when uncalibrated
    shank_angle_max_deg: float = 7.0  # a shank reaching forward more than ~7 deg
    hip_extension_min_deg: float = 10.0  # thigh 10-20 deg behind vertical at toe-off
    cadence_min_spm: float = 155.0  # 155-185 spm
    contact_max_ms: float = 300.0  # 200-300 ms
    asymmetry_max_pct: float = 10.0
    margin: float = 0.1  # a cue clears once 10% of its target back inside
    hold_steps: int = 6
    window_steps: int = 20


@dataclass(frozen=True, slots=True)
class MetricSummary:
    """One metric over the window: median and interquartile range over both feet, and the
    asymmetry 100 * (left - right) / mean(|left|, |right|) of the feet's medians (positive when
    the left value is larger; None while a foot has no value)."""

    median: float | None
    iqr: float | None
    asymmetry_pct: float | None


@dataclass(frozen=True, slots=True)
class Summary:
    """The window's metrics and the cue; the cue fields are None while there are too few steps."""

    n_steps: int
    metrics: dict[str, MetricSummary]
    cue_key: str | None
    cue: str | None
    cue_reason: str | None


@dataclass(frozen=True, slots=True)
class _Rule:
    key: str
    text: str
    metric: str
    limit: str  # name of the Targets field
    above: bool  # True: a value above the limit misses the target


# In priority order: the first missed target is the cue.
_RULES = (
    _Rule("overstride", "Land under your hips", "overstride_cm", "overstride_cm_max", True),
    _Rule(
        "overstride", "Land under your hips", "overstride_pct_leg", "overstride_pct_leg_max", True
    ),
    _Rule("reach", "Land under your hips", "shank_angle_ic_deg", "shank_angle_max_deg", True),
    _Rule("hip_drive", "Drive the hip back", "hip_extension_deg", "hip_extension_min_deg", False),
    _Rule("cadence", "Quicker, lighter steps", "cadence_spm", "cadence_min_spm", False),
    _Rule("contact", "Quicker, lighter steps", "contact_ms", "contact_max_ms", True),
)
_Cue = tuple[str | None, str | None, str | None]
_GOOD: _Cue = ("good", "Good form - keep it up", "every target met")
_WAIT: _Cue = (None, None, None)

_REASONS = {
    "overstride_cm": "foot lands {v:.0f} cm ahead of the hips (target <= {lim:g} cm)",
    "overstride_pct_leg": "foot lands {v:.0f}% of leg length ahead (target <= {lim:g}%)",
    "shank_angle_ic_deg": "shin reaches {v:.0f} deg forward at landing (target <= {lim:g} deg)",
    "hip_extension_deg": "thigh drives {v:.0f} deg behind vertical (target >= {lim:g} deg)",
    "cadence_spm": "cadence {v:.0f} spm (target >= {lim:g})",
    "contact_ms": "ground contact {v:.0f} ms (target <= {lim:g} ms)",
}


def summarise(values: list[tuple[str, float | None]]) -> MetricSummary:
    """One metric over some steps, given as (foot, value or None) pairs."""
    every = [v for _, v in values if v is not None]
    if not every:
        return MetricSummary(None, None, None)
    q1, med, q3 = np.percentile(every, [25, 50, 75])
    left = [v for f, v in values if f == "left" and v is not None]
    right = [v for f, v in values if f == "right" and v is not None]
    asymmetry = None
    if left and right:
        lm, rm = float(np.median(left)), float(np.median(right))
        mean = (abs(lm) + abs(rm)) / 2
        asymmetry = 100.0 * (lm - rm) / mean if mean > 0 else 0.0
    return MetricSummary(float(med), float(q3 - q1), asymmetry)


class SummaryBuilder:
    """Keeps the last steps and the cue state; ``add`` returns the new summary."""

    def __init__(self, targets: Targets | None = None) -> None:
        self.targets = targets or Targets()
        self._steps: deque[Step] = deque(maxlen=self.targets.window_steps)
        self._active: set[str] = set()
        self._shown: _Cue = _WAIT
        self._shown_for = 0

    def add(self, step: Step) -> Summary:
        self._steps.append(step)
        metrics = {name: self._summarise(name) for name in SUMMARISED}
        self._update_active(metrics)
        wanted = self._wanted(metrics)
        self._shown_for += 1
        if wanted[0] != self._shown[0] and (
            self._shown_for >= self.targets.hold_steps or self._shown is _WAIT
        ):
            self._shown, self._shown_for = wanted, 0
        elif wanted[0] == self._shown[0]:
            self._shown = wanted  # same cue, fresher reason
        key, text, reason = self._shown
        return Summary(len(self._steps), metrics, key, text, reason)

    def _summarise(self, name: str) -> MetricSummary:
        return summarise([(s.foot, getattr(s, name)) for s in self._steps])

    def _update_active(self, metrics: dict[str, MetricSummary]) -> None:
        for rule in _RULES:
            value = metrics[rule.metric].median
            name = f"{rule.key}:{rule.metric}"
            if value is None:
                self._active.discard(name)
                continue
            limit = getattr(self.targets, rule.limit)
            back_in = limit * (1 - self.targets.margin if rule.above else 1 + self.targets.margin)
            missed = value > limit if rule.above else value < limit
            cleared = value <= back_in if rule.above else value >= back_in
            if missed:
                self._active.add(name)
            elif cleared:
                self._active.discard(name)

    def _wanted(self, metrics: dict[str, MetricSummary]) -> _Cue:
        if len(self._steps) < 4:
            return _WAIT
        for rule in _RULES:
            if f"{rule.key}:{rule.metric}" in self._active:
                value = metrics[rule.metric].median
                reason = _REASONS[rule.metric].format(
                    v=value, lim=getattr(self.targets, rule.limit)
                )
                return rule.key, rule.text, reason
        return _GOOD
