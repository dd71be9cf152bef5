from __future__ import annotations

import dataclasses
import itertools
import math
import re

import numpy as np
import pytest

from edge.bus.schema import UNJUDGED_KEY
from edge.gait import Step, SummaryBuilder, Targets
from edge.gait.metrics import (
    CONTACT_TIMED,
    FAR_LEG_METRICS,
    RUNNING,
    RUNNING_METRICS,
    StepContext,
    _as_walking,
    _metric_confidence,
    no_runners,
    rated_down,
    view_factors,
)
from edge.gait.summary import (
    CUE_VIEW_WAIT_STEPS,
    FIRST_CUE_WAIT_STEPS,
    HOLDS,
    MetricSummary,
    clears_at,
    feet_differ,
    median_error,
    paced,
    released_at,
    view_marked,
    view_note,
    within_view,
)
from edge.pace import (
    PACE_JUDGED_RATIO,
    PACE_MAX_RATIO,
    PACE_MIN_RATIO,
    PACE_REF_LEGS_S,
    beyond_recorded,
    paced_limit,
)
from edge.run.station import summary_message
from tests.builders import messages

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


def test_the_first_cue_waits_for_its_figures_to_be_decided() -> None:
    """A real clip's first cadences (175, 149, 143 spm, from a run of 160) had set off
    "Quicker, lighter steps" at the fourth step and held it for six: the first cue now waits
    while a median lies within a standard error of its target, and while a figure of a cue
    before it is confident on too few steps (a cadence cue had come first, then given way to
    the overstride's once the near leg's steps were enough)."""
    scattered = [None, 174.6, 148.6, 143.4, 168.0, 152.0, 166.0, 158.0, 163.0, 160.0, 161.0]
    run = feed(SummaryBuilder(), steps(len(scattered), cadence_spm=lambda i: scattered[i]))
    assert run[3].metrics["cadence_spm"].median < 155.0
    first = next(i for i, s in enumerate(run) if s.cue_key is not None)
    assert 4 < first < FIRST_CUE_WAIT_STEPS
    assert all(s.cue_key == "good" for s in run[first:])
    # A window shorter than the wait (gait.summary_steps from 4) waits until it is full.
    short = feed(
        SummaryBuilder(Targets(window_steps=5)),
        steps(len(scattered), cadence_spm=lambda i: scattered[i], yaw_deg=0.0),
    )
    assert [s.cue_key is None for s in short[:5]] == [True] * 4 + [False]
    # Steady figures are decided from their fifth value: three alike say little of the spread
    # (a live run's first cadences, 175, 146 and 145 spm, had read as decided).
    steady = feed(SummaryBuilder(), steps(5, cadence_spm=150.0, yaw_deg=0.0))
    assert [s.cue_key for s in steady[3:]] == [None, "cadence"]
    # A median within a standard error of the target waits, on five values or more.
    close = [None, 150.0, 160.0, 152.0, 158.0, 154.0, 162.0, 165.0, 163.0, 164.0, 161.0, 163.0]
    cues = [
        s.cue_key
        for s in feed(
            SummaryBuilder(), steps(len(close), cadence_spm=lambda i: close[i], yaw_deg=0.0)
        )
    ]
    assert "cadence" not in cues and cues[:7] == [None] * 7 and cues[-1] == "good"
    live = [None, 174.6, 145.5, 145.0, 168.0, 160.0, 163.0, 158.0, 161.0, 165.0]
    run = feed(SummaryBuilder(), steps(len(live), cadence_spm=lambda i: live[i], yaw_deg=0.0))
    assert "cadence" not in {s.cue_key for s in run}
    # The near leg's overstride is judged from its fifth step, the cadence from the first's:
    # the first cue is the overstride's, not the cadence's before it.
    overstrider = far_left(
        FIRST_CUE_WAIT_STEPS + 2, 0.3, cadence_spm=150.0, overstride_pct_leg=40.0, yaw_deg=0.0
    )
    cues = [s.cue_key for s in feed(SummaryBuilder(), overstrider)]
    first = cues.index("overstride")
    assert set(cues[:first]) == {None} and set(cues[first:]) == {"overstride"}


def test_the_first_cue_waits_for_a_pace_at_the_fastest_recorded_to_be_decided() -> None:
    """Whether the overstride has a target hangs on the pace: a live run at 6.0-6.1 leg lengths
    a second was cued "Land under your hips", then told its overstride has no target. A pace
    that wobbles about the bound waits the first cue out; one clearly under it does not."""
    wobbling = [5.7, 6.3, 5.9, 6.2, 5.8, 6.1, 6.0, 6.2, 5.8, 6.1, 5.9, 6.2]
    run = feed(
        SummaryBuilder(),
        steps(
            len(wobbling),
            speed_legs_per_s=lambda i: wobbling[i],
            overstride_pct_leg=45.0,
            yaw_deg=0.0,
        ),
    )
    cues = [s.cue_key for s in run]
    assert cues.index(next(c for c in cues if c is not None)) == FIRST_CUE_WAIT_STEPS - 1
    steady = feed(
        SummaryBuilder(),
        steps(
            12, speed_legs_per_s=lambda i: wobbling[i] - 1.0, overstride_pct_leg=45.0, yaw_deg=0.0
        ),
    )
    assert [s.cue_key for s in steady][4] == "overstride"


def test_a_cue_held_after_it_cleared_says_its_figure_as_it_reads_now() -> None:
    """A live console showed "cadence 154 spm (target >= 155)" for six steps under a cadence
    tile of 163: the cue shown is held for its steps, its reason as the window reads."""
    cadence = [148.0] * 5 + [170.0] * 12
    run = feed(
        SummaryBuilder(Targets(hold_steps=10)),
        steps(len(cadence), cadence_spm=lambda i: cadence[i], yaw_deg=0.0),
    )
    shown = [(s.cue_key, s.cue_reason) for s in run]
    first = next(i for i, (key, _) in enumerate(shown) if key == "cadence")
    held = [reason for key, reason in shown[first:] if key == "cadence"]
    assert held[0].startswith("cadence 148 spm (target >= 155)")
    medians = [s.metrics["cadence_spm"].median for s in run]
    for (key, reason), median in zip(shown[first:], medians[first:], strict=True):
        if key == "cadence":
            assert reason.startswith(f"cadence {median:.0f} spm"), (reason, median)
    assert any(reason.endswith("; back on target") for reason in held)
    assert shown[-1][0] == "good"
    # Held, the reason stays with the figure the cue was shown for: a calibrated runner's
    # overstride cued in % of the leg is not told in cm (in target all along) while held.
    pct = [40.0] * 5 + [14.0] * 12
    run = feed(
        SummaryBuilder(Targets(window_steps=5, hold_steps=12)),
        steps(len(pct), overstride_pct_leg=lambda i: pct[i], overstride_cm=12.0, yaw_deg=0.0),
    )
    told = [s.cue_reason for s in run if s.cue_key == "overstride"]
    assert told and all(reason.startswith("foot lands") and "% of leg" in reason for reason in told)
    assert told[-1].endswith("; back on target")


def _around(median: float) -> object:
    """An overstride (% of the leg) of step ``i`` cycling about ``median``: its window's median
    that, its IQR 2.5 (a standard error of 0.52 over 20 steps)."""
    return lambda i: median + (-2.7, -1.2, 0.0, 1.3, 2.8)[i % 5]


def test_no_cue_comes_for_a_figure_within_a_standard_error_of_its_target() -> None:
    """A tester's treadmill run was told "Quicker, lighter steps", then "Land under your hips"
    for an overstride of 24.3% of the leg against a target of 24.1, half its standard error: a
    cue not shown comes, first or later, only once its figure is past the target by a standard
    error (``DECIDED_ERRORS``), and the cue shown is still held until back inside by its
    margin."""
    phases = [(12, 18.0), (30, 23.2), (12, 27.0), (30, 23.2)]
    overstride = [m for n, m in phases for _ in range(n)]
    run = feed(
        SummaryBuilder(),
        steps(
            len(overstride),
            cadence_spm=148.0,
            overstride_cm=None,
            overstride_pct_leg=lambda i: _around(overstride[i])(i),
            yaw_deg=0.0,
        ),
    )
    shown = [s.cue_key for s in run]
    at = run[41].metrics["overstride_pct_leg"]
    assert at.median == pytest.approx(23.2) and 0 < at.median - 23.0 < median_error(at)
    assert set(shown[4:42]) == {"cadence"}
    # Past by more than a standard error, it comes once the cadence cue has held its steps ...
    assert "overstride" in shown[42:54]
    # ... and once shown, it holds while its median is past the target, however little.
    assert shown[-1] == "overstride"
    # A whole run so gives the cue of the figure past its target surely, and says which one is
    # at its target.
    whole = SummaryBuilder().whole(
        steps(20, cadence_spm=148.0, overstride_cm=None, overstride_pct_leg=_around(23.2))
    )
    assert whole.cue_key == "cadence"
    assert whole.at_target == ("foot lands 23.2% of leg length ahead (target <= 23%)",)


def test_a_figure_at_its_target_is_named_and_not_said_met() -> None:
    """Good form is not "every target met" while a figure lies within a standard error of its
    target: the reason names it as at its target, within what the steps tell."""
    at = steps(20, overstride_cm=None, overstride_pct_leg=_around(23.2), yaw_deg=0.0)
    good = feed(SummaryBuilder(), at)[-1]
    assert good.cue_key == "good"
    assert good.cue_reason == (
        "overstride at its target, within what the steps tell; every other target met"
    )
    met = feed(SummaryBuilder(), steps(20, overstride_cm=None, overstride_pct_leg=_around(20.0)))
    assert met[-1].cue_reason == "every target met" and met[-1].at_target == ()
    # Nor is any other said met beside its own other unit alone (met in cm): none was judged.
    none = dict.fromkeys(("shank_angle_ic_deg", "hip_extension_deg", "cadence_spm", "contact_ms"))
    alone = steps(20, overstride_cm=15.0, overstride_pct_leg=_around(23.2), yaw_deg=0.0, **none)
    reason = "overstride at its target, within what the steps tell"
    assert feed(SummaryBuilder(), alone)[-1].cue_reason == reason
    # Beside a figure not judged, it is told apart from those on target.
    unsure = [dataclasses.replace(s, metric_confidence={"hip_extension_deg": 0.2}) for s in at]
    unjudged = feed(SummaryBuilder(), unsure)[-1]
    assert unjudged.cue_key == UNJUDGED_KEY
    assert unjudged.cue_reason == (
        "hip drive measured less surely; overstride at its target, within what the steps tell; "
        "shin angle at landing, cadence and contact time on target"
    )


def test_running_steps_under_running_cadence_are_not_judged_as_running() -> None:
    """Steps read as running at a walker's cadence (a walk in place played to the station had
    ten of its steps cued as an overstrider's), or a run with every other step missed: no
    coaching cue, and the reason says why."""
    slow = feed(SummaryBuilder(), steps(10, cadence_spm=110.0, overstride_cm=26.0))
    assert slow[-1].cue_key == UNJUDGED_KEY
    assert slow[-1].cue_reason.startswith("the last 4 steps' cadence 110 spm is under running's")
    jog = feed(SummaryBuilder(), steps(10, cadence_spm=125.0, overstride_cm=26.0))
    assert jog[-1].cue == "Land under your hips"
    # Live, a walk after the run whose first steps are still read as running is not coached
    # as a run past its third step (a console trial: up to eight steps), whatever the
    # cue's hold; one missed step of a run is not taken for it.
    builder = SummaryBuilder()
    feed(builder, steps(20, overstride_cm=26.0))
    missed = builder.add(dataclasses.replace(BASE, cadence_spm=81.0, overstride_cm=26.0))
    assert missed.cue == "Land under your hips"
    walk = feed(builder, steps(2, cadence_spm=110.0, overstride_cm=26.0))
    assert [s.cue_key for s in walk] == ["overstride", UNJUDGED_KEY]
    # A whole run is judged by its own cadence, whatever its last steps.
    whole = SummaryBuilder().whole([*steps(20, overstride_cm=26.0), *steps(3, cadence_spm=110.0)])
    assert whole.cue == "Land under your hips"


def test_a_cue_clears_within_a_twentieth_of_its_target_however_the_steps_scatter() -> None:
    """A user trial's cadence cue at 155 was told to hold "until 182 spm", its window's steps
    scattered by a walk read as running."""
    scattered = MetricSummary(median=157.0, iqr=60.0, asymmetry_pct=None, n=20)
    assert clears_at(155.0, False, scattered, 0.01) == pytest.approx(155.0 * 1.05)
    steady = MetricSummary(median=157.0, iqr=6.0, asymmetry_pct=None, n=20)
    assert clears_at(155.0, False, steady, 0.01) == pytest.approx(155.0 + 2 * 0.93 * 6.0 / 20**0.5)


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
    # The first cue counts too: "good form" at the eighth step, before the median sinks below.
    assert changes <= 4


def test_cue_changes_when_form_changes_and_holds_its_minimum() -> None:
    targets = Targets(hold_steps=6)
    sequence = steps(20, hip_extension_deg=4.0) + steps(30)
    shown = [s.cue_key for s in feed(SummaryBuilder(targets), sequence)]
    assert shown[19] == "hip_drive"
    assert shown[-1] == "good"
    first = shown.index("hip_drive")
    runs = [k for k in range(1, len(shown)) if shown[k] != shown[k - 1] and k > first]
    assert all(b - a >= targets.hold_steps for a, b in zip([first, *runs], runs, strict=False))


def test_a_cue_held_inside_its_target_says_why() -> None:
    """Cadence back above its 155 spm target but not yet by the margin: the cue stays, and its
    reason does not read as a target met (a coach saw "cadence 157 spm (target >= 155)")."""
    sequence = steps(12, cadence_spm=150.0) + steps(12, cadence_spm=157.0)
    last = feed(SummaryBuilder(), sequence)[-1]
    assert last.cue_key == "cadence"
    assert last.cue_reason == (
        "cadence 157 spm (target >= 155); the cue holds until 158 spm or more, or 6 steps well "
        "on target"
    )
    missed = feed(SummaryBuilder(), steps(12, cadence_spm=150.0))[-1]
    assert missed.cue_reason == "cadence 150 spm (target >= 155)"


def test_asymmetry_compares_the_feet() -> None:
    lopsided = steps(20, contact_ms=lambda i: 240.0 if i % 2 == 0 else 300.0)
    summary = feed(SummaryBuilder(), lopsided)[-1]
    assert summary.metrics["contact_ms"].median == pytest.approx(270.0)
    assert summary.metrics["contact_ms"].asymmetry_pct == pytest.approx(100 * -60 / 270)
    assert summary.metrics["overstride_pct_leg"].asymmetry_pct == pytest.approx(0.0)


def far_left(n: int, far_conf: float, **changes) -> list[Step]:
    """A runner facing right seen from their right: the left leg is the far one, rated
    ``far_conf`` on what the engine reads through the near leg (its angles, overstride and
    braking); its hip extension reads 26 deg against the near leg's 15."""
    out = []
    for s in steps(n, **changes):
        far = s.foot == "left"
        out.append(
            dataclasses.replace(
                s,
                view="far" if far else "near",
                hip_extension_deg=26.0 if far else 15.0,
                metric_confidence=dict.fromkeys(FAR_LEG_METRICS, far_conf) if far else {},
            )
        )
    return out


def test_a_less_sure_far_leg_gives_no_asymmetry_but_near_leg_only() -> None:
    summary = feed(SummaryBuilder(), far_left(20, 0.3))[-1]
    hip = summary.metrics["hip_extension_deg"]
    assert hip.asymmetry_pct is None and hip.near_leg_only
    assert hip.median == pytest.approx(15.0)  # the near leg's, not pulled up by the far one
    assert hip.confident and hip.left is None and hip.right == pytest.approx(15.0)
    for metric in ("overstride_pct_leg", "braking_ms"):
        assert summary.metrics[metric].asymmetry_pct is None
        assert summary.metrics[metric].near_leg_only
    contact = summary.metrics["contact_ms"]  # contact is as sure on both legs
    assert contact.asymmetry_pct == pytest.approx(0.0) and not contact.near_leg_only


def test_flight_gets_its_feet_medians_but_no_asymmetry() -> None:
    lopsided = steps(20, flight_ms=lambda i: 80.0 if i % 2 == 0 else 120.0)
    flight = feed(SummaryBuilder(), lopsided)[-1].metrics["flight_ms"]
    assert (flight.left, flight.right) == (pytest.approx(80.0), pytest.approx(120.0))
    assert flight.asymmetry_pct is None and not flight.near_leg_only


@pytest.mark.parametrize("metric", ["vertical_osc_pct_leg", "stride_length_m"])
def test_a_strides_bounce_and_length_get_no_asymmetry(metric: str) -> None:
    """Two feet's strides share a step: what differs between them is the window, not the
    runner (a user trial's real clip was found 28% lopsided in its vertical oscillation)."""
    lopsided = steps(20, **{metric: lambda i: 14.8 if i % 2 == 0 else 11.1})
    summary = feed(SummaryBuilder(), lopsided)[-1].metrics[metric]
    assert (summary.left, summary.right) == (pytest.approx(14.8), pytest.approx(11.1))
    assert summary.asymmetry_pct is None


def test_a_sure_far_leg_is_compared() -> None:
    hip = feed(SummaryBuilder(), far_left(20, 0.8))[-1].metrics["hip_extension_deg"]
    assert hip.asymmetry_pct == pytest.approx(100 * 11 / 20.5)
    assert not hip.near_leg_only
    assert hip.median == pytest.approx(20.5)


def test_a_metric_sure_on_no_step_is_summarised_but_flagged() -> None:
    unsure = steps(10, metric_confidence={"overstride_pct_leg": 0.3}, yaw_deg=25.0)
    over = feed(SummaryBuilder(), unsure)[-1].metrics["overstride_pct_leg"]
    assert over.median == pytest.approx(14.0)
    assert not over.confident and over.asymmetry_pct is None and not over.near_leg_only


def test_no_cue_or_comparison_rests_on_fewer_than_three_sure_steps() -> None:
    """A 2 s clip: its near leg's hip extension from two steps, one of them a contact cut by
    the clip's start, the far leg's less sure. No cue yet, not "Drive the hip back" (the live
    console had said "measured less surely" for six steps); with a third near step that misses
    it, its median is confident, and the cue says so once it is decided: those three scatter
    over 35 deg, so the first cue waits for the steps after them (``FIRST_CUE_WAIT_STEPS`` at
    most)."""
    near = [-10.9, 24.3, 6.0, 6.0, 6.0]
    clip = [
        dataclasses.replace(s, hip_extension_deg=near[i // 2] if s.view == "near" else 22.0)
        for i, s in enumerate(far_left(FIRST_CUE_WAIT_STEPS, 0.3, yaw_deg=0.0))
    ]
    short = feed(SummaryBuilder(), clip[:5])[-1]
    hip = short.metrics["hip_extension_deg"]
    assert not hip.confident and hip.n == 5 and hip.waiting
    # No cue yet: neither "good form" nor "measured less surely" before three sure steps.
    assert short.cue_key is None
    cues = feed(SummaryBuilder(Targets(hold_steps=1)), clip)
    assert cues[5].metrics["hip_extension_deg"].confident
    assert cues[5].cue_key is None
    assert cues[-1].cue_key == "hip_drive"
    # The feet are compared from three sure steps each, not fewer.
    apart = [
        dataclasses.replace(s, contact_ms=300.0 if s.foot == "left" else 240.0) for s in steps(12)
    ]
    assert feed(SummaryBuilder(), apart[:5])[-1].metrics["contact_ms"].asymmetry_pct is None
    compared = feed(SummaryBuilder(), apart[:6])[-1].metrics["contact_ms"]
    assert compared.asymmetry_pct == pytest.approx(100 * 60 / 270)
    # Three a foot cannot tell the feet apart from the steps' scatter; four wholly apart can.
    assert not compared.feet_differ
    assert feed(SummaryBuilder(), apart[:8])[-1].metrics["contact_ms"].feet_differ


def test_feet_timed_apart_by_less_than_the_view_makes_do_not_differ() -> None:
    """One side camera sees the far leg's events through the near leg: its contact times read
    up to 11.6% further apart than they were on the renders. Twelve steps a foot 14% apart,
    every one, are not a difference; 20% apart are. A hip extension is not timed by events."""
    for apart, differ in ((0.14, False), (0.20, True)):
        contact = {"left": 270.0 * (1 + apart / 2), "right": 270.0 * (1 - apart / 2)}
        moved = [dataclasses.replace(s, contact_ms=contact[s.foot]) for s in steps(24)]
        summary = feed(SummaryBuilder(), moved)[-1].metrics["contact_ms"]
        assert summary.asymmetry_pct == pytest.approx(100 * apart)
        assert summary.feet_differ is differ
    assert within_view("contact_ms", 14.0) and within_view("step_ms", -14.0)
    assert not within_view("hip_extension_deg", 14.0)


def test_the_feet_differ_only_beyond_their_scatter() -> None:
    """A user trial's 3 s clip at 30 fps (a frame 33 ms): contact "left 269.1, right 298.6 ms,
    a 10% difference" from three steps a foot, flagged beside a cue of contact time on target."""
    assert not feet_differ([269.1, 266.7, 300.0], [298.6, 300.0, 266.7])
    assert not feet_differ([267.0, 270.0, 268.0], [299.0, 300.0, 298.0])  # three: never sure
    assert feet_differ([267.0, 270.0, 268.0, 266.0], [299.0, 300.0, 298.0, 301.0])
    # Frames' ties: the same values, half a foot's steps a frame longer, is no difference.
    assert not feet_differ([267.0, 300.0] * 5, [300.0, 267.0] * 5)
    assert not feet_differ([267.0] * 5, [267.0] * 5)
    assert feet_differ([267.0] * 10, [300.0] * 10)
    # Twenty steps a foot a few per cent apart in a 10% scatter: within it.
    rng = np.random.default_rng(1)
    left, right = rng.normal(270.0, 27.0, 20), rng.normal(275.0, 27.0, 20)
    assert not feet_differ(left, right)
    assert feet_differ(left, right + 40.0)


def test_no_cue_rests_on_less_sure_figures() -> None:
    # The far leg's hip extension alone misses the target; the near leg's meets it.
    lazy_far = [
        dataclasses.replace(s, hip_extension_deg=4.0 if s.view == "far" else 15.0)
        for s in far_left(20, 0.3)
    ]
    assert feed(SummaryBuilder(), lazy_far)[-1].cue_key == "good"
    # Overstride past the target, but only in an oblique uncalibrated view that foreshortens it.
    oblique = steps(
        20,
        overstride_cm=None,
        overstride_pct_leg=30.0,
        metric_confidence={"overstride_pct_leg": 0.3},
        yaw_deg=25.0,
    )
    # Not "good form" either: what was not judged is said, and why.
    unjudged = feed(SummaryBuilder(), oblique)[-1]
    assert unjudged.cue_key == UNJUDGED_KEY
    assert unjudged.cue_reason is not None
    assert unjudged.cue_reason.startswith("overstride measured less surely, the camera about 25")
    assert unjudged.cue_reason.endswith(
        "; shin angle at landing, hip drive, cadence and contact time on target"
    )
    # The camera is blamed only for what its yaw foreshortens.
    unsure_cadence = steps(
        20,
        overstride_cm=None,
        metric_confidence={"cadence_spm": 0.1, "stride_length_m": 0.3},
        yaw_deg=25.0,
    )
    summary = feed(SummaryBuilder(), unsure_cadence)[-1]
    assert summary.cue_key == UNJUDGED_KEY and summary.cue_reason is not None
    assert summary.cue_reason.startswith("cadence measured less surely; overstride")
    sure = steps(20, overstride_cm=None, overstride_pct_leg=30.0, yaw_deg=25.0)
    assert feed(SummaryBuilder(), sure)[-1].cue_key == "overstride"


def test_an_oblique_uncalibrated_view_is_said_and_a_far_leg_alone_is_not() -> None:
    oblique = feed(
        SummaryBuilder(), steps(6, metric_confidence={"speed_legs_per_s": 0.3}, yaw_deg=-22.0)
    )[-1]
    assert oblique.oblique and oblique.yaw_deg == pytest.approx(-22.0)
    marked = {"overstride_pct_leg": 0.5}
    sure_step = steps(6, confidence=1.0, metric_confidence=marked, yaw_deg=12.0)
    assert feed(SummaryBuilder(), sure_step)[-1].oblique  # marked, however sure the step
    square = feed(SummaryBuilder(), far_left(6, 0.3, yaw_deg=3.0))[-1]
    assert not square.oblique and square.yaw_deg == pytest.approx(3.0)
    assert feed(SummaryBuilder(), steps(6))[-1].yaw_deg is None
    # A wandering estimate: the summary says the median its cue's reason gives, not the last.
    wander = steps(6, metric_confidence={"speed_legs_per_s": 0.3}, yaw_deg=lambda i: -20.0 - i)
    assert feed(SummaryBuilder(), wander)[-1].yaw_deg == pytest.approx(-22.5)


def test_steps_before_any_gait_was_told_are_no_view_and_no_gait() -> None:
    """A walker's first steps, measured before any gait was told, carry their running figures
    marked less sure: a review found them read as an oblique view's ("about 1° off square,
    uncalibrated"). Their window gives no cue and says no gait."""
    untold = steps(6, gait=None, metric_confidence=messages.UNTOLD_MARKS, yaw_deg=1.0)
    last = feed(SummaryBuilder(), untold)[-1]
    assert not last.oblique and last.gait is None and last.cue_key is None
    # Nor running steps marked so for the walk their hips leaned to: a sweep's square camera
    # was told "about 3° off square" of such steps of a real run.
    leaning = steps(6, gait="running", metric_confidence=messages.UNTOLD_MARKS, yaw_deg=3.0)
    assert view_note(leaning, leaning, "distances and angles") is None
    assert not feed(SummaryBuilder(), leaning)[-1].oblique


def _engine_marked(yaw_deg: float, step_ms: float) -> list[Step]:
    """Six near-leg running steps marked as the engine marks them for a camera ``yaw_deg``
    off square, uncalibrated, whose hips point to running, each ``step_ms`` long."""
    ctx = StepContext(
        foot="left",
        view="near",
        yaw_deg=yaw_deg,
        leg=0,
        metric=False,
        square=True,
        previous_ic=None,
        other_next_ic=None,
        next_ic=None,
        leg_length=0.9,
        belt_speed_mps=None,
        max_gap_s=0.1,
        gait=RUNNING,
        leaning=RUNNING,
    )
    marks = _metric_confidence(0.9, ctx, step_ms)
    return steps(6, gait="running", view="near", metric_confidence=marks, yaw_deg=yaw_deg)


def test_an_oblique_view_is_told_whatever_else_marks_the_step() -> None:
    """Marks for a step's timing or its walk lie beside the view's: a review found a walk, and a
    run timed from too few frames a second, filmed 22 deg off square said nothing of the view
    once any mark on the contact time was read as the gait's."""
    oblique = _engine_marked(22.0, 370.0)
    # As a station before 8 December 2026 recorded a step timed from too few frames a second.
    timed_roughly = [
        dataclasses.replace(
            s, metric_confidence=rated_down(s.metric_confidence, 0.9, ("cadence_spm", "contact_ms"))
        )
        for s in oblique
    ]
    unlike = [
        dataclasses.replace(
            s, metric_confidence=rated_down(s.metric_confidence, 0.9, CONTACT_TIMED)
        )
        for s in oblique
    ]
    walked = [dataclasses.replace(_as_walking(s), gait="walking") for s in oblique]
    for marked in (oblique, timed_roughly, unlike, walked):
        assert view_marked(marked[0])
        assert feed(SummaryBuilder(), marked)[-1].oblique
        assert view_note(marked, marked, "distances and angles") is not None
    # A running step at a walk's cadence has its running figures marked for that, not the view:
    # a square camera is told nothing of it.
    walk_paced = _engine_marked(2.0, 600.0)
    assert "overstride_pct_leg" in walk_paced[0].metric_confidence
    assert not view_marked(walk_paced[0])
    assert view_note(walk_paced, walk_paced, "distances and angles") is None


def test_steps_before_the_yaw_was_known_do_not_outvote_an_oblique_view() -> None:
    # The engine knows the yaw from the third step on; the first two were just as oblique.
    # Uncalibrated: no centimetres to judge the overstride by.
    early = steps(2, overstride_pct_leg=30.0, overstride_cm=None)
    later = steps(
        10,
        overstride_pct_leg=20.0,
        overstride_cm=None,
        metric_confidence={"overstride_pct_leg": 0.3},
    )
    later = [dataclasses.replace(s, yaw_deg=23.0) for s in later]
    summary = feed(SummaryBuilder(), early + later)[-1]
    over = summary.metrics["overstride_pct_leg"]
    assert not over.confident and over.median == pytest.approx(20.0)
    assert summary.metrics["contact_ms"].confident  # timing is not foreshortened
    assert summary.cue_key == UNJUDGED_KEY  # the early 30% of leg length is not a cue


WALKED = {
    **dict.fromkeys(RUNNING_METRICS),
    "gait": "walking",
    "cadence_spm": 110.0,
    "step_ms": 545.0,
    "contact_ms": 650.0,
}
"""A walked step as the engine gives it: slow, long contact, none of the running metrics."""


def test_a_walk_between_runs_feeds_no_running_median_and_no_cue() -> None:
    builder = SummaryBuilder()
    run = feed(builder, steps(12, overstride_cm=26.0, gait="running"))
    assert run[-1].cue_key == "overstride" and run[-1].gait == "running"
    walk = feed(builder, steps(30, **WALKED))
    # The first walked step already shows no running cue; no walked step ever gives one, though
    # its cadence and contact miss every running target.
    assert all(s.cue is None and s.cue_key is None and s.cue_reason is None for s in walk)
    assert all(s.gait == "walking" for s in walk)
    last = walk[-1].metrics
    assert last["cadence_spm"].median == pytest.approx(110.0)
    assert last["contact_ms"].median == pytest.approx(650.0)
    assert all(last[m].median is None for m in RUNNING_METRICS if m in last)
    # Running again: medians from the new running steps only, a fresh cue.
    again = feed(builder, steps(10, gait="running"))
    assert again[0].n_steps == 1 and again[0].cue_key is None
    assert again[-1].metrics["cadence_spm"].median == pytest.approx(162.0)
    assert again[-1].metrics["contact_ms"].median == pytest.approx(250.0)
    assert again[-1].metrics["overstride_cm"].median == pytest.approx(12.0)
    assert again[-1].cue_key == "good"


def test_steps_without_a_gait_count_as_running() -> None:
    old = feed(SummaryBuilder(), steps(10, overstride_cm=26.0))
    assert old[-1].gait == "running" and old[-1].cue_key == "overstride"
    mixed = feed(SummaryBuilder(), [*steps(5, gait="running"), *steps(5)])
    assert mixed[-1].n_steps == 10


def test_the_summary_message_says_which_gait_its_medians_are_of() -> None:
    summary = feed(SummaryBuilder(), steps(6, **WALKED))[-1]
    msg = summary_message("s", 1.0, summary, calibrated=True)
    assert msg.gait == "walking" and msg.cue is None
    assert set(msg.metrics) == {
        "cadence_spm",
        "contact_ms",
        "vertical_osc_cm",
        "vertical_osc_pct_leg",
        "stride_length_m",
    }
    assert msg.pace_beyond is False
    sprint = 1.1 * PACE_JUDGED_RATIO * PACE_REF_LEGS_S
    fast = feed(SummaryBuilder(), steps(6, speed_legs_per_s=sprint))[-1]
    assert summary_message("s", 1.0, fast, calibrated=True).pace_beyond is True


def test_a_doubted_scale_sends_the_overstride_as_a_share_of_the_leg() -> None:
    """A calibration that makes the leg no adult's, or a plane the feet do not stand on, leaves
    the cm less sure and the cue judged by the % of the leg: the console shows the % it judges
    by (a user trial's showed 24.5 cm, 17.2 in truth)."""
    doubted = {"overstride_cm": 0.2, "vertical_osc_cm": 0.2, "stride_length_m": 0.2}
    summary = feed(SummaryBuilder(), steps(12, metric_confidence=doubted))[-1]
    assert summary_message("s", 1.0, summary, calibrated=True).units == "pct_leg"
    sure = feed(SummaryBuilder(), steps(12))[-1]
    assert summary_message("s", 1.0, sure, calibrated=True).units == "cm"
    assert summary_message("s", 1.0, sure, calibrated=False).units == "pct_leg"


def test_the_overstride_target_grows_with_pace_and_says_so() -> None:
    # 30% of the leg ahead: an overstride at 2.5 m/s (3.0 leg lengths a second), a runner's
    # landing at 4.5 m/s (RBDS002 landed 31.8% ahead there, docs/metrics.md).
    landing = {"overstride_cm": None, "overstride_pct_leg": 30.0}
    slow = feed(SummaryBuilder(), steps(10, speed_legs_per_s=3.0, **landing))[-1]
    assert slow.cue_key == "overstride"
    assert "(target <= 23%)" in slow.cue_reason
    fast = feed(SummaryBuilder(), steps(10, speed_legs_per_s=5.7, **landing))[-1]
    assert fast.cue_key == "good"
    reaching = feed(SummaryBuilder(), steps(10, speed_legs_per_s=5.7, overstride_pct_leg=40.0))
    assert reaching[-1].cue_key == "overstride"
    assert "(target <= 33.4% at this pace)" in reaching[-1].cue_reason
    unknown = feed(SummaryBuilder(), steps(10, speed_legs_per_s=None, **landing))[-1]
    assert unknown.cue_key == "overstride"


def test_pace_grows_the_overstride_targets_only_and_no_further_than_measured() -> None:
    base = Targets()
    assert paced(base, None) == base
    assert paced(base, PACE_REF_LEGS_S) == base
    slower = paced(base, 0.5 * PACE_REF_LEGS_S)
    assert (slower.overstride_cm_max, slower.overstride_pct_leg_max) == (20.0, 23.0)
    faster = paced(base, 1.5 * PACE_REF_LEGS_S)
    assert faster.overstride_pct_leg_max == round(23.0 * 1.25, 1)
    assert faster.overstride_cm_max == 25.0
    assert dataclasses.replace(faster, overstride_cm_max=20.0, overstride_pct_leg_max=23.0) == base
    top = paced(base, PACE_MAX_RATIO * PACE_REF_LEGS_S)
    assert paced(base, PACE_JUDGED_RATIO * PACE_REF_LEGS_S) == top
    assert paced_limit(23.0, 2.0 * PACE_REF_LEGS_S) == top.overstride_pct_leg_max
    assert top.shank_angle_max_deg == base.shank_angle_max_deg  # the shin's never grows
    beyond = paced(base, 1.01 * PACE_JUDGED_RATIO * PACE_REF_LEGS_S)
    assert beyond.overstride_cm_max == beyond.overstride_pct_leg_max == math.inf
    assert beyond.shank_angle_max_deg == math.inf
    unpaced = dataclasses.replace(
        beyond, overstride_cm_max=20.0, overstride_pct_leg_max=23.0, shank_angle_max_deg=7.0
    )
    assert unpaced == base


def test_beyond_the_recorded_paces_the_overstride_is_not_judged_and_the_cue_says_so() -> None:
    """A runner faster than any recorded (about 5 m/s on): how far ahead such a runner should
    land, and how far the shin should reach then, is unknown, so a long landing is not cued, nor
    called on target; the other targets still are. A user trial's 5.1 m/s runner was told "Land
    under your hips" for the shin's 14 deg against the 7 deg of 2.5 m/s."""
    sprint = 1.1 * PACE_JUDGED_RATIO * PACE_REF_LEGS_S
    reaching = feed(SummaryBuilder(), steps(10, speed_legs_per_s=sprint, overstride_pct_leg=40.0))
    last = reaching[-1]
    assert last.cue_key == UNJUDGED_KEY and {s.cue_key for s in reaching} <= {None, UNJUDGED_KEY}
    assert last.cue_reason is not None
    assert last.cue_reason == (
        "overstride and shin angle at landing have no target at this pace, faster than any"
        " runner recorded; hip drive, cadence and contact time on target"
    )
    shin = steps(10, speed_legs_per_s=sprint, overstride_pct_leg=40.0, shank_angle_ic_deg=14.0)
    assert feed(SummaryBuilder(), shin)[-1].cue_key == UNJUDGED_KEY
    slow_feet = steps(10, speed_legs_per_s=sprint, overstride_pct_leg=40.0, cadence_spm=140.0)
    assert feed(SummaryBuilder(), slow_feet)[-1].cue_key == "cadence"
    # A cue given below the bound is let go once the pace is past it.
    rising = steps(
        30, speed_legs_per_s=lambda i: 5.0 if i < 12 else sprint, overstride_pct_leg=40.0
    )
    keys = [s.cue_key for s in feed(SummaryBuilder(), rising)]
    assert keys[11] == "overstride" and keys[-1] == UNJUDGED_KEY


def test_a_pace_wobbling_about_the_recorded_bound_does_not_flip_the_cue() -> None:
    """Past the bound, the overstride is judged again only once the pace is clearly back under
    it (``PACE_JUDGED_RETURN``): a runner holding about the bound hears one cue, not two in
    turn. Without it the cue changed 23 times in 400 steps (the review's script)."""
    bound = PACE_JUDGED_RATIO * PACE_REF_LEGS_S
    assert beyond_recorded(1.01 * bound) and not beyond_recorded(0.99 * bound)
    assert beyond_recorded(0.99 * bound, was_beyond=True)
    assert not beyond_recorded(0.96 * bound, was_beyond=True)

    def pace(i: int) -> float:
        if i < 20:
            return 1.05 * bound
        if i < 100:
            return bound * (0.985 if i % 3 else 1.01)
        return 0.9 * bound

    summaries = feed(SummaryBuilder(), steps(140, speed_legs_per_s=pace, overstride_pct_leg=40.0))
    keys = [s.cue_key for s in summaries]
    assert set(keys[8:100]) == {UNJUDGED_KEY}
    assert keys[-1] == "overstride"
    # The console colours by what the summary holds (``pace_beyond`` on the wire).
    assert all(s.pace_beyond for s in summaries[8:100]) and not summaries[-1].pace_beyond


def test_a_slower_pace_eases_the_cadence_and_contact_targets_and_never_tightens_them() -> None:
    """Below 2.5 m/s's pace a runner steps less often and stays longer on the ground: the two
    runners recorded at two speeds, cadence as the speed's 0.18-0.20 power, contact time as its
    -0.52 to -0.70 (edge/pace.py)."""
    base = Targets()
    jog = paced(base, 0.8 * PACE_REF_LEGS_S)
    assert jog.cadence_min_spm == round(155.0 * 0.8**0.18, 1) == 148.9
    assert jog.contact_max_ms == round(300.0 * 0.8**-0.52, 1) == 336.9
    assert paced(base, 0.2 * PACE_REF_LEGS_S) == paced(base, PACE_MIN_RATIO * PACE_REF_LEGS_S)
    faster = paced(base, 1.8 * PACE_REF_LEGS_S)
    assert (faster.cadence_min_spm, faster.contact_max_ms) == (155.0, 300.0)


def test_a_slow_jogger_is_not_told_to_step_quicker_for_the_pace_alone() -> None:
    """RBDS002 stepped 150 spm with 317 ms contacts at 2.5 m/s: at a slow jog's pace such steps
    are on target, at 2.5 m/s's they are cued, and a contact long even for the jog is cued with
    the target it missed."""
    jogging = {"cadence_spm": 151.0, "contact_ms": 325.0}
    jog = feed(SummaryBuilder(), steps(10, speed_legs_per_s=0.8 * PACE_REF_LEGS_S, **jogging))
    assert jog[-1].cue_key == "good"
    at_ref = feed(SummaryBuilder(), steps(10, speed_legs_per_s=PACE_REF_LEGS_S, **jogging))
    assert at_ref[-1].cue_key == "cadence"
    assert "(target >= 155)" in at_ref[-1].cue_reason
    long = feed(
        SummaryBuilder(), steps(10, speed_legs_per_s=0.8 * PACE_REF_LEGS_S, contact_ms=360.0)
    )
    assert long[-1].cue_key == "contact"
    assert "(target <= 336.9 ms at this pace)" in long[-1].cue_reason


def test_the_summary_carries_the_pace_without_left_and_right() -> None:
    summary = feed(SummaryBuilder(), steps(6, speed_legs_per_s=lambda i: 4.0 + 0.1 * (i % 2)))[-1]
    pace = summary.metrics["speed_legs_per_s"]
    assert pace.median == pytest.approx(4.05)
    assert pace.asymmetry_pct is None


def test_a_runner_back_on_target_is_not_held_to_the_cue_for_the_run() -> None:
    """A cadence cue set off by the first steps (median 153 spm) clears once the runner settles
    at 157 +- 1.5, inside the 155 target by more than the median's wander; a tenth of the
    target as the margin held it until 170.5 spm, for the whole run."""
    rng = np.random.default_rng(3)
    sequence = steps(6, cadence_spm=153.0) + steps(60, cadence_spm=lambda i: rng.normal(157, 1.5))
    shown = [s.cue_key for s in feed(SummaryBuilder(), sequence)]
    assert "cadence" in shown[:10]
    assert shown[-1] == "good" and shown[-30:].count("cadence") == 0


def test_a_cue_set_off_early_releases_a_runner_on_target_by_less_than_its_margin() -> None:
    """A user trial's first cue, from 9 steps whose median read 154 spm, held "Quicker, lighter
    steps" for the rest of the run (13 s) beside a cadence of 156.3 against an eased target of
    154.9, short of the margin's floor (1% of the target, 156.45), where the report said every
    target met. A cue shown holds while its median is back inside, a standard error or more
    (decided, as a first cue is), for ``hold_steps`` steps in a row, then clears; it does not
    flicker meanwhile, and the run ends as its whole verdict."""
    first = [None, 150.0, 153.0, 154.0, 152.0, 155.0, 154.0, 153.0, 156.0]
    cadence = first + [156.3 + 0.3 * math.sin(i) for i in range(40)]
    pace = 0.997 * PACE_REF_LEGS_S  # the target eased to 154.9
    sequence = steps(len(cadence), cadence_spm=lambda i: cadence[i], speed_legs_per_s=pace)
    run = feed(SummaryBuilder(), sequence)
    shown = [s.cue_key for s in run]
    medians = [s.metrics["cadence_spm"].median or 0.0 for s in run]
    start = shown.index("cadence")
    errors = [median_error(s.metrics["cadence_spm"]) for s in run]
    inside = next(i for i in range(start, len(run)) if medians[i] >= 154.9 + errors[i])
    hold = Targets().hold_steps
    # Held through its steps back inside (no flicker), then released for good.
    assert shown[start : inside + hold - 1] == ["cadence"] * (inside + hold - 1 - start)
    assert set(shown[inside + hold - 1 :]) == {"good"}
    # Back inside by less than a standard error, the hold waits (a cue must not flicker).
    assert medians[inside - 1] >= 154.9
    assert SummaryBuilder().whole(sequence).cue_key == "good"


def test_a_held_cues_figure_never_reads_as_reaching_the_point_it_holds_until() -> None:
    """The trial's console read "cadence 156.4 spm (target >= 154.9 at this pace); the cue holds
    until 156 spm or more": the release point (156.45) printed to three figures rounded down
    onto the figure. It is printed away from the target, to the target's places at least, and
    the figure short of it."""
    held = [None, 150.0, 153.0, 154.0, 152.0, 155.0, 154.0, 153.0, 156.0] + [156.4] * 30
    pace = 0.997 * PACE_REF_LEGS_S
    run = feed(
        SummaryBuilder(Targets(hold_steps=50)),
        steps(len(held), cadence_spm=lambda i: held[i], speed_legs_per_s=pace),
    )
    reasons = [s.cue_reason for s in run if s.cue_reason and HOLDS in s.cue_reason]
    assert reasons and all(
        reason.endswith("; the cue holds until 156.5 spm or more, or 50 steps well on target")
        for reason in reasons[-3:]
    )
    for reason in reasons:
        figure, until = re.findall(r"cadence ([\d.]+) spm .*holds until ([\d.]+) spm", reason)[0]
        assert float(figure) < float(until), reason
    assert "cadence 156.4 spm (target >= 154.9 at this pace)" in reasons[-1]
    # The point is rounded away from the target: up for a floor, down for a ceiling.
    assert released_at(156.449, False, 154.9) == (156.5, 1)
    assert released_at(157.01, False, 155.0) == (158.0, 0)
    assert released_at(155.0 * 1.01, False, 155.0) == (157.0, 0)
    assert released_at(22.77, True, 23.0) == (22.7, 1)
    assert released_at(297.3, True, 300.0) == (297.0, 0)


def test_a_missed_target_never_reads_as_met_in_the_reason() -> None:
    """A value just past its target is printed past it, to the target's places: a jog's eased
    cadence target has a tenth, and 148.86 spm rounded whole read "149 spm (target >= 148.9)"."""
    jog = 0.8 * PACE_REF_LEGS_S
    eased = feed(SummaryBuilder(), steps(10, speed_legs_per_s=jog, cadence_spm=148.86))[-1]
    assert eased.cue_key == "cadence"
    assert "cadence 148.8 spm (target >= 148.9 at this pace)" in eased.cue_reason
    whole = feed(SummaryBuilder(), steps(10, contact_ms=300.2))[-1]
    assert "ground contact 301 ms (target <= 300 ms)" in whole.cue_reason


def test_the_far_thigh_swinging_forward_gives_no_left_right_verdict() -> None:
    """The demo's runner through the station's pose chain: the far thigh read 4.8 deg forward of
    where it was at the near leg's toe-offs, so the scissor's front blade read 27.5 deg on the
    near leg's steps and 22.3 on the far leg's (the near thigh), a 21% difference the runner did
    not have (3%). The near leg's step rates the far leg's swing less sure (``view_factors``):
    the front blade is the far leg's step's alone, and the scissor, a far thigh on every step, is
    less sure."""
    demo = [
        dataclasses.replace(
            s,
            view="far" if s.foot == "left" else "near",
            scissor_front_deg=22.3 if s.foot == "left" else 27.5,
            scissor_deg=40.3 if s.foot == "left" else 48.7,
            metric_confidence=view_factors("far" if s.foot == "left" else "near"),
        )
        for s in steps(20)
    ]
    summary = feed(SummaryBuilder(), demo)[-1]
    front = summary.metrics["scissor_front_deg"]
    assert front.asymmetry_pct is None and front.near_leg_only
    assert front.median == pytest.approx(22.3)
    assert not summary.metrics["scissor_deg"].confident


def test_no_cue_is_given_before_the_cameras_view_is_known() -> None:
    """A real clip filmed 18 deg off square: the engine's yaw came with the fourth step, a far
    leg's, and the near leg's steps before it read as square. Their overstride set off "Land
    under your hips" for five steps before the view showed it unjudged. The first cue now waits
    for a near leg's step with the yaw (or ``CUE_VIEW_WAIT_STEPS``)."""
    oblique = dict.fromkeys(("overstride_pct_leg", "shank_angle_ic_deg", "hip_extension_deg"), 0.3)
    clip = [
        dataclasses.replace(
            s,
            view="near" if i % 2 == 0 else "far",
            yaw_deg=None if i < 3 else -18.0,
            overstride_cm=None,
            overstride_pct_leg=29.8,
            metric_confidence=(
                dict.fromkeys(FAR_LEG_METRICS, 0.3) if i % 2 else (oblique if i >= 3 else {})
            ),
        )
        for i, s in enumerate(steps(12))
    ]
    shown = [s.cue_key for s in feed(SummaryBuilder(), clip)]
    assert shown[:4] == [None] * 4
    assert "overstride" not in shown and shown[-1] == "unjudged"
    square = feed(SummaryBuilder(), steps(CUE_VIEW_WAIT_STEPS + 1, overstride_pct_leg=29.8))
    assert [s.cue_key for s in square].index("overstride") == CUE_VIEW_WAIT_STEPS - 1
    # A window shorter than the wait (gait.summary_steps 4-7) waits until it is full.
    short = feed(SummaryBuilder(Targets(window_steps=5)), steps(12, overstride_pct_leg=29.8))
    assert [s.cue_key for s in short].index("overstride") == 4


def test_a_swinging_legs_figures_are_told_under_its_own_foot() -> None:
    """A step's swing knee lift and scissor front blade are the other leg's: the right knee's
    swing lift under "right", beside the right knee's own lift (a report had put it under
    "left")."""
    lifts = steps(
        12,
        knee_lift_deg=lambda i: (40.7, 45.9)[i % 2],
        swing_knee_lift_deg=lambda i: (46.1, 40.7)[i % 2],
        scissor_front_deg=lambda i: (50.0, 44.0)[i % 2],
    )
    metrics = feed(SummaryBuilder(), lifts)[-1].metrics
    assert (metrics["knee_lift_deg"].left, metrics["knee_lift_deg"].right) == (40.7, 45.9)
    swing = metrics["swing_knee_lift_deg"]
    assert (swing.left, swing.right) == (40.7, 46.1)
    assert (metrics["scissor_front_deg"].left, metrics["scissor_front_deg"].right) == (44.0, 50.0)


def test_a_cue_once_shown_is_not_blanked_for_want_of_sure_steps() -> None:
    """Live, a stretch where the near leg's steps read less sure (the camera's yaw wandering)
    leaves fewer than three sure steps in the window: the cue says what is less sure, not "no
    cue yet" as at a session's start (a trial's clip went blank for 7 s after a cue)."""
    sure = steps(10, yaw_deg=0.0)
    unsure = steps(30, yaw_deg=0.0, metric_confidence={"hip_extension_deg": 0.3})[10:]
    unsure[5] = dataclasses.replace(unsure[5], metric_confidence={})
    shown = [s.cue_key for s in feed(SummaryBuilder(Targets(window_steps=10)), sure + unsure)]
    assert shown[9] == "good"
    assert None not in shown[9:] and shown[-1] == UNJUDGED_KEY


def test_a_reason_rounds_a_value_as_the_summary_does_unless_that_reads_as_met() -> None:
    far = feed(SummaryBuilder(), steps(10, overstride_cm=26.3))[-1]
    assert "26 cm ahead" in far.cue_reason  # not 27: rounding does not read as met here
    near = feed(SummaryBuilder(), steps(10, overstride_cm=20.3))[-1]
    assert "21 cm ahead" in near.cue_reason  # 20 would read as met


def test_figures_no_runners_body_gives_are_not_shown() -> None:
    """A person kicking a ball, read as a step: the ankle landing 96% of a leg ahead of the hips
    and the thigh 85 deg forward at toe-off went to a user trial's console as figures; now
    none is shown for them (the reach in cm with the reach in % of the leg), the rest stay. A
    runner's figures, however far out on the replays at hand, are kept."""
    kicked = dataclasses.replace(
        BASE,
        overstride_pct_leg=96.0,
        hip_extension_deg=-85.0,
        scissor_deg=-40.0,
        scissor_back_deg=-85.0,
    )
    cleared = no_runners(kicked)
    assert cleared.overstride_pct_leg is None and cleared.overstride_cm is None
    assert cleared.braking_ms is None  # the ankle under the hips, from the same reach
    assert cleared.hip_extension_deg is None
    assert cleared.scissor_deg is None and cleared.scissor_back_deg is None  # the same thigh
    assert cleared.knee_lift_deg == BASE.knee_lift_deg and cleared.contact_ms == 250.0
    far_out = dataclasses.replace(
        BASE,
        overstride_pct_leg=70.3,
        shank_angle_ic_deg=-39.6,
        knee_flexion_ic_deg=0.0,
        hip_extension_deg=42.5,
        knee_lift_deg=80.0,
    )
    assert no_runners(far_out) == far_out
    assert (
        no_runners(dataclasses.replace(BASE, knee_flexion_ic_deg=116.2)).knee_flexion_ic_deg is None
    )


def test_feet_named_the_same_twice_in_a_row_are_not_compared() -> None:
    """The feet alternate: two steps in a row named the same foot mean the camera's view of
    the near leg turned, and the steps after it may carry the other foot's name (a user trial's
    carried and panning cameras, every clip that gave steps). No left/right comparison then,
    on the console, the wire, analyze or the report, and it says why."""
    lopsided = steps(10, contact_ms=lambda i: 230.0 if i % 2 == 0 else 290.0)
    before = feed(SummaryBuilder(), lopsided)[-1].metrics["contact_ms"]
    assert before.asymmetry_pct == pytest.approx(-23.1, abs=0.1) and not before.feet_mixed
    turned = [
        dataclasses.replace(s, foot=("left", "right")[(i + (i >= 5)) % 2])
        for i, s in enumerate(lopsided)
    ]
    summary = feed(SummaryBuilder(), turned)[-1]
    contact = summary.metrics["contact_ms"]
    assert contact.asymmetry_pct is None and contact.feet_mixed
    assert contact.median == pytest.approx(before.median)
    assert not summary.metrics["flight_ms"].feet_mixed  # never compared anyway
    wire = summary_message("s", 1.0, summary, calibrated=True).metrics["contact_ms"]
    assert wire.feet_mixed and wire.asymmetry_pct is None


@pytest.mark.parametrize("n", [15, 16])
def test_cadence_is_taken_over_strides_so_a_lopsided_rhythm_reads_its_steps_a_minute(n) -> None:
    """A user trial's clip, its steps 312-408 ms, read a cadence of 154.3 and "Quicker, lighter
    steps" over 61 steps that were 157.6 a minute: the median over single steps of a runner
    whose left and right steps differ is one foot's or the other's, by which has more steps.
    Over strides it is the runner's steps a minute, whichever foot has more; each foot's median
    is still its own steps'."""
    times = [0.33 if i % 2 else 0.40 for i in range(n)]
    ics = np.cumsum(times)
    lopsided = [
        dataclasses.replace(
            BASE,
            foot=("left", "right")[i % 2],
            ic_t=float(ics[i]),
            to_t=float(ics[i]) + 0.25,
            step_ms=1000.0 * times[i],
            cadence_spm=60.0 / times[i],
        )
        for i in range(n)
    ]
    cadence = SummaryBuilder().whole(lopsided).metrics["cadence_spm"]
    assert cadence.median == pytest.approx(60.0 / 0.365)
    assert cadence.left == pytest.approx(150.0) and cadence.right == pytest.approx(60 / 0.33)


def test_lone_steps_keep_the_cadence_median_their_own() -> None:
    """A review: one pair of steps in a row among ten lone ones (each timed from a landing not
    published) had set the median, over its one stride. Over strides only where most steps
    follow another."""
    lone = [
        dataclasses.replace(
            BASE, ic_t=0.75 * i, to_t=0.75 * i + 0.25, step_ms=375.0, cadence_spm=160.0
        )
        for i in range(10)
    ]
    pair = [
        dataclasses.replace(BASE, ic_t=t, to_t=t + 0.2, step_ms=300.0, cadence_spm=200.0)
        for t in (10.0, 10.3)
    ]
    cadence = SummaryBuilder().whole(lone + pair).metrics["cadence_spm"]
    assert cadence.median == pytest.approx(160.0)
