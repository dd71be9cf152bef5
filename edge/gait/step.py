"""One step: the per-step metrics of DESIGN.md, as the gait engine reports them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Step:
    """One foot contact and what followed it. Times in seconds on the station clock.

    Distances are None when they cannot be had: ``*_cm`` and ``stride_length_m`` need a
    calibration (or, for the stride, a known belt speed); ``flight_ms``, ``step_ms`` and
    ``cadence_spm`` need the other foot's neighbouring contact. ``vertical_osc_pct_leg`` extends
    DESIGN.md so an uncalibrated station can still show the bounce.

    Four fields extend DESIGN.md's table: ``view``, whether this foot was the leg nearer the
    camera or the far one, seen through it (None when the geometry did not tell);
    ``metric_confidence``, a confidence 0..1 for each metric measured less surely than the
    step's own ``confidence`` (the far leg's angles, distances in an oblique uncalibrated view),
    any metric not in it having the step's; ``yaw_deg``, how far the camera looks off square to
    the belt as estimated so far (None until known); ``gait``, ``"running"`` or ``"walking"``
    (``edge.gait.mode``; None when not yet told); a walking step has None for the metrics of
    running (``metrics.RUNNING_METRICS``). ``scissor_deg`` with its two parts and
    ``swing_knee_lift_deg`` are the scissor between the thighs (``docs/metrics.md``).
    ``speed_legs_per_s`` is the belt's speed in leg lengths a second, which needs no calibration:
    the pace the targets follow (``edge.gait.summary.paced``).
    """

    foot: str
    ic_t: float
    to_t: float
    contact_ms: float
    flight_ms: float | None
    step_ms: float | None
    cadence_spm: float | None
    overstride_cm: float | None
    overstride_pct_leg: float | None
    shank_angle_ic_deg: float | None
    knee_flexion_ic_deg: float | None
    braking_ms: float | None
    hip_extension_deg: float | None
    knee_lift_deg: float | None
    vertical_osc_cm: float | None
    vertical_osc_pct_leg: float | None
    stride_length_m: float | None
    confidence: float
    view: str | None = None
    metric_confidence: dict[str, float] = field(default_factory=dict)
    yaw_deg: float | None = None
    gait: str | None = None
    scissor_deg: float | None = None
    scissor_back_deg: float | None = None
    scissor_front_deg: float | None = None
    swing_knee_lift_deg: float | None = None
    speed_legs_per_s: float | None = None

    def confidence_of(self, metric: str) -> float:
        """How sure this step's value of ``metric`` is, 0..1."""
        return self.metric_confidence.get(metric, self.confidence)

    def event(self) -> dict[str, Any]:
        """The step-event object of DESIGN.md (one JSON Lines row, the ``step`` payload)."""
        return {"type": "step", "v": 1, **asdict(self)}
