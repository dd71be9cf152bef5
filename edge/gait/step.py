"""One step: the per-step metrics of DESIGN.md, as the gait engine reports them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Step:
    """One foot contact and what followed it. Times in seconds on the station clock.

    Distances are None when they cannot be had: ``*_cm`` and ``stride_length_m`` need a
    calibration (or, for the stride, a known belt speed); ``flight_ms``, ``step_ms`` and
    ``cadence_spm`` need the other foot's neighbouring contact. ``vertical_osc_pct_leg`` extends
    DESIGN.md so an uncalibrated station can still show the bounce.
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

    def event(self) -> dict[str, Any]:
        """The step-event object of DESIGN.md (one JSON Lines row, the ``step`` payload)."""
        return {"type": "step", "v": 1, **asdict(self)}
