"""Choppy strides against the runner's own steady state (``edge.gait.choppy``), on the steps of
real treadmill running (Fukuchi 2017, CC-BY 4.0: the mocap's per-step metrics)."""

from __future__ import annotations

import re
from dataclasses import fields, replace

import numpy as np
import pytest

from edge.demo.mocap import load_trial, truth_steps
from edge.gait import Step, SummaryBuilder
from edge.gait.choppy import step_speed
from edge.gait.summary import CHOPPY_CUE, CHOPPY_KEY

STEP_FIELDS = {f.name for f in fields(Step)}


def as_steps(rows: list[dict]) -> list[Step]:
    """The mocap's steps with every per-step metric, as the engine would give them."""
    return [
        Step(
            **{k: v for k, v in row.items() if k in STEP_FIELDS},
            gait="running",
        )
        for row in rows
        if row["step_ms"] is not None and row["stride_length_m"] is not None
    ]


@pytest.fixture(scope="module")
def steady(mocap_trial) -> list[Step]:
    """RBDS001's 30 s at 2.5 m/s."""
    return as_steps(truth_steps(mocap_trial))


def choppy(step: Step, quicker: float, drive_lost_deg: float) -> Step:
    """The step run with ``quicker`` times the cadence at the same belt speed (so a stride that
    much shorter) and the thigh driving ``drive_lost_deg`` less far back."""
    return replace(
        step,
        cadence_spm=step.cadence_spm * quicker,
        step_ms=step.step_ms / quicker,
        stride_length_m=step.stride_length_m / quicker,
        hip_extension_deg=step.hip_extension_deg - drive_lost_deg,
        scissor_back_deg=step.scissor_back_deg - drive_lost_deg,
    )


def cues(steps: list[Step]) -> list[str | None]:
    builder = SummaryBuilder()
    return [builder.add(s).cue_key for s in steps]


def test_the_speed_is_read_from_the_steps(steady) -> None:
    speeds = [step_speed(s) for s in steady]
    assert np.median(speeds) == pytest.approx(2.5, rel=0.01)
    assert all(v == pytest.approx(2.5, rel=0.06) for v in speeds)


def test_a_steady_run_is_never_choppy(steady, fukuchi_dir) -> None:
    for steps in (steady, as_steps(truth_steps(load_trial(fukuchi_dir, "RBDS0041")))):
        assert CHOPPY_KEY not in cues(steps)


def test_quicker_steps_that_lose_the_drive_are_choppy(steady) -> None:
    run = steady[:40] + [choppy(s, 1.06, 4.0) for s in steady[40:]]
    builder = SummaryBuilder()
    summaries = [builder.add(s) for s in run]
    assert all(s.cue_key != CHOPPY_KEY for s in summaries[:40])
    late = summaries[-10:]
    assert all(s.cue_key == CHOPPY_KEY and s.cue == CHOPPY_CUE for s in late)
    # 6% quicker and 4 deg less drive, against a steady state that is itself a 20-step median
    assert re.fullmatch(
        r"cadence \+[5-7]%, hip drive -[3-5] deg against your steady 2\.5 m/s", late[-1].cue_reason
    )


def test_quicker_steps_with_the_drive_kept_are_not_choppy(steady) -> None:
    """A runner answering "quicker, lighter steps" raises the cadence and keeps the drive."""
    assert CHOPPY_KEY not in cues(steady[:40] + [choppy(s, 1.06, 0.0) for s in steady[40:]])


def test_a_faster_belt_is_a_new_steady_state_not_choppy(steady, fukuchi_dir) -> None:
    """From 2.5 to 4.6 m/s the cadence rises and the drive changes: another speed, another
    steady state."""
    fast = as_steps(truth_steps(load_trial(fukuchi_dir, "RBDS0041")))
    builder = SummaryBuilder()
    assert all(builder.add(s).cue_key != CHOPPY_KEY for s in steady + fast)
    assert [round(v.speed_mps, 1) for v in builder.steady] == [2.5, 4.6]


def test_it_clears_once_the_drive_is_back(steady) -> None:
    run = steady[:40] + [choppy(s, 1.06, 4.0) for s in steady[40:60]] + steady[:60]
    shown = cues(run)
    assert CHOPPY_KEY in shown[40:60] and shown[-1] != CHOPPY_KEY
