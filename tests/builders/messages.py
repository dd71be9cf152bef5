"""Bus messages with plausible values (a runner at 3 m/s), overridable field by field."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from edge.bus.schema import (
    FrameMsg,
    MetricStats,
    StatusMsg,
    StepMsg,
    SummaryMsg,
    keypoints_to_wire,
)
from edge.gait.metrics import RUNNING_METRICS, UNTOLD_FACTOR, UNTOLD_METRICS
from edge.skeleton import NUM_KEYPOINTS

STATION = "test-station"


def step(i: int = 0, **overrides: Any) -> StepMsg:
    """The i-th step of a steady run: alternating feet every 0.35 s."""
    ic = 10.0 + 0.35 * i
    fields: dict[str, Any] = {
        "station": STATION,
        "t": ic + 0.45,
        "foot": "left" if i % 2 == 0 else "right",
        "ic_t": ic,
        "to_t": ic + 0.25,
        "contact_ms": 250.0,
        "flight_ms": 100.0,
        "step_ms": None if i == 0 else 350.0,
        "cadence_spm": None if i == 0 else 60000 / 350.0,
        "overstride_cm": 17.5 + 0.1 * i,
        "overstride_pct_leg": 19.4,
        "shank_angle_ic_deg": 8.25,
        "knee_flexion_ic_deg": 14.0,
        "braking_ms": 60.0,
        "hip_extension_deg": 12.5,
        "knee_lift_deg": 55.0,
        "vertical_osc_cm": 8.125,
        "vertical_osc_pct_leg": 9.5,
        "stride_length_m": 2.1,
        "confidence": 0.9,
    }
    fields.update(overrides)
    return StepMsg(**fields)


UNTOLD_MARKS = dict.fromkeys(UNTOLD_METRICS, UNTOLD_FACTOR)
"""What the engine marks on a step measured before any gait was told (``UNTOLD_METRICS``)."""


def untold_step(i: int = 0, **overrides: Any) -> StepMsg:
    """The i-th step of ``step``'s run, measured before any gait was told: by running's rules,
    its running figures and contact marked less sure."""
    return step(i, **{"metric_confidence": dict(UNTOLD_MARKS), **overrides})


def walked_step(i: int = 0, **overrides: Any) -> StepMsg:
    """The i-th step of a steady walk (about 1.1 m/s): alternating feet every 0.55 s, as the
    engine gives a walked step: none of the running metrics, its contact time less sure."""
    ic = 10.0 + 0.55 * i
    fields: dict[str, Any] = {
        "t": ic + 0.8,
        "ic_t": ic,
        "to_t": ic + 0.65,
        "contact_ms": 650.0,
        "step_ms": None if i == 0 else 550.0,
        "cadence_spm": None if i == 0 else 60000 / 550.0,
        "vertical_osc_cm": 3.0,
        "vertical_osc_pct_leg": 3.5,
        "stride_length_m": 1.2,
        "metric_confidence": {"contact_ms": 0.45},
        "gait": "walking",
        **dict.fromkeys(RUNNING_METRICS),
    }
    fields.update(overrides)
    return step(i, **fields)


def misread_walk(run_cadence: float = 110.0, run_contact: float = 300.0) -> list[StepMsg]:
    """A walk of 16 steps at 109 steps a minute with 5 steps read as running before it and 5
    after (a user trial's walk in place played to the station: ten of its 26 steps read as
    running, at its own cadence, with a running step's contact and flight)."""
    ran = dict(gait="running", cadence_spm=run_cadence, contact_ms=run_contact, flight_ms=250.0)
    before = [later(step(i, **ran), -2.0) for i in range(5)]
    walk = [walked_step(i) for i in range(16)]
    after = [later(step(i, **ran), 9.0) for i in range(5)]
    return [*before, *walk, *after]


def later(msg: StepMsg, dt: float) -> StepMsg:
    """The same step ``dt`` seconds later."""
    return dataclasses.replace(msg, t=msg.t + dt, ic_t=msg.ic_t + dt, to_t=msg.to_t + dt)


def summary(**overrides: Any) -> SummaryMsg:
    fields: dict[str, Any] = {
        "station": STATION,
        "t": 20.0,
        "n_steps": 20,
        "metrics": {
            "overstride_cm": MetricStats(median=17.5, iqr=2.0, asymmetry_pct=4.5),
            "cadence_spm": MetricStats(median=171.4, iqr=3.0, asymmetry_pct=None),
        },
        "cue": "Land under your hips",
        "cue_key": "overstride",
        "cue_reason": "foot lands 17.5 cm ahead of the hips (target < 12 cm)",
        "units": "cm",
        "calibrated": True,
    }
    fields.update(overrides)
    return SummaryMsg(**fields)


def status(t: float = 1.0, **overrides: Any) -> StatusMsg:
    fields: dict[str, Any] = {
        "station": STATION,
        "t": t,
        "fps_in": 60.0,
        "fps_out": 59.5,
        "dropped_frames": 3,
        "latency_p50_ms": 21.0,
        "latency_p99_ms": 40.5,
        "camera_state": "running",
        "backend": "ultralytics",
        "calibrated": False,
        "calibration": None,
        "runner_present": True,
        "session_id": 1,
        "runner": "Ana",
        "recording": True,
        "recording_error": None,
        "belt_speed_mps": 3.0,
    }
    fields.update(overrides)
    return StatusMsg(**fields)


def frame(index: int = 0, **overrides: Any) -> FrameMsg:
    rng = np.random.default_rng(index)
    kp = rng.uniform(0, 1000, (NUM_KEYPOINTS, 3)).astype(np.float32)
    kp[:, 2] = rng.uniform(0.2, 1.0, NUM_KEYPOINTS)
    kp[4] = (np.nan, np.nan, 0.0)  # the far ear, hidden as usual from the side
    fields: dict[str, Any] = {
        "station": STATION,
        "t": 10.0 + index / 60,
        "frame": index,
        "runner_present": True,
        "keypoints": keypoints_to_wire(kp),
        "left_thigh_deg": 20.0,
        "right_thigh_deg": -10.0,
        "left_shank_deg": 5.0,
        "right_shank_deg": -30.0,
        "left_knee_flexion_deg": 15.0,
        "right_knee_flexion_deg": 80.0,
    }
    fields.update(overrides)
    return FrameMsg(**fields)
