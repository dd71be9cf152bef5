from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from edge.gait import Step, SummaryBuilder, Targets

BASE = Step(
    foot="left",
    ic_t=0.0,
    to_t=0.25,
    contact_ms=250.0,
    flight_ms=100.0,
    step_ms=370.0,
    cadence_spm=162.0,
    overstride_cm=12.0,
    overstride_pct_leg=14.0,
    shank_angle_ic_deg=4.0,
    knee_flexion_ic_deg=12.0,
    braking_ms=60.0,
    hip_extension_deg=16.0,
    knee_lift_deg=30.0,
    vertical_osc_cm=8.0,
    vertical_osc_pct_leg=9.0,
    stride_length_m=1.9,
    confidence=0.9,
)


def steps(n: int, **changes) -> list[Step]:
    out = []
    for i in range(n):
        fields = {k: (v(i) if callable(v) else v) for k, v in changes.items()}
        out.append(
            dataclasses.replace(
                BASE, foot=("left", "right")[i % 2], ic_t=0.37 * i, to_t=0.37 * i + 0.25, **fields
            )
        )
    return out


def feed(builder: SummaryBuilder, items: list[Step]):
    return [builder.add(s) for s in items]


def test_good_form_gets_the_good_cue_after_a_few_steps() -> None:
    summaries = feed(SummaryBuilder(), steps(10))
    assert summaries[0].cue_key is None
    assert summaries[-1].cue_key == "good"
    assert summaries[-1].metrics["cadence_spm"].median == pytest.approx(162.0)


def test_priority_overstride_before_hip_drive() -> None:
    summaries = feed(SummaryBuilder(), steps(10, overstride_cm=26.0, hip_extension_deg=5.0))
    assert summaries[-1].cue == "Land under your hips"
    assert "26 cm ahead" in summaries[-1].cue_reason


def test_uncalibrated_uses_leg_length() -> None:
    summaries = feed(SummaryBuilder(), steps(10, overstride_cm=None, overstride_pct_leg=30.0))
    assert summaries[-1].cue_key == "overstride"
    assert "% of leg length" in summaries[-1].cue_reason


def test_cue_does_not_flicker_around_a_target() -> None:
    # Hip extension wobbles around the 10 deg target step after step.
    rng = np.random.default_rng(0)
    wobble = steps(80, hip_extension_deg=lambda i: 10.0 + rng.normal(0, 1.5))
    shown = [s.cue_key for s in feed(SummaryBuilder(), wobble)]
    changes = sum(a != b for a, b in itertools.pairwise(shown))
    assert changes <= 3


def test_cue_changes_when_form_changes_and_holds_its_minimum() -> None:
    targets = Targets(hold_steps=6)
    sequence = steps(20, hip_extension_deg=4.0) + steps(30)
    shown = [s.cue_key for s in feed(SummaryBuilder(targets), sequence)]
    assert shown[19] == "hip_drive"
    assert shown[-1] == "good"
    first = shown.index("hip_drive")
    runs = [k for k in range(1, len(shown)) if shown[k] != shown[k - 1] and k > first]
    assert all(b - a >= targets.hold_steps for a, b in zip([first, *runs], runs, strict=False))


def test_asymmetry_compares_the_feet() -> None:
    lopsided = steps(20, contact_ms=lambda i: 240.0 if i % 2 == 0 else 300.0)
    summary = feed(SummaryBuilder(), lopsided)[-1]
    assert summary.metrics["contact_ms"].median == pytest.approx(270.0)
    assert summary.metrics["contact_ms"].asymmetry_pct == pytest.approx(100 * -60 / 270)
    assert summary.metrics["overstride_pct_leg"].asymmetry_pct == pytest.approx(0.0)
