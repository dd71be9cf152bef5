"""The console's parts without a screen: target bands, what it knows, the braille canvas."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest
from rich.style import Style

from edge.bus.schema import UNJUDGED_KEY, FrameMsg, MetricStats, keypoints_to_wire
from edge.config import TargetsSection
from edge.dashboard.bands import Band, TargetBands
from edge.dashboard.canvas import BrailleCanvas
from edge.dashboard.readings import UNTIMED_MODE, Readings, Units
from edge.dashboard.widgets import BalanceBars, RunnerFigure, balance_metrics
from edge.gait import Targets
from edge.gait.summary import paced
from edge.skeleton import LEFT_ANKLE, NUM_KEYPOINTS, RIGHT_ANKLE
from tests.builders import messages


@pytest.mark.parametrize(
    ("band", "value", "level"),
    [
        (Band(20.0, 5.0), 12.0, "good"),
        (Band(20.0, 5.0), 20.0, "good"),
        (Band(20.0, 5.0), 24.9, "watch"),
        (Band(20.0, 5.0), 25.1, "off"),
        (Band(155.0, 10.0, at_least=True), 171.0, "good"),
        (Band(155.0, 10.0, at_least=True), 150.0, "watch"),
        (Band(155.0, 10.0, at_least=True), 140.0, "off"),
    ],
)
def test_a_band_says_in_range_watch_or_off(band: Band, value: float, level: str) -> None:
    assert band.level(value) == level


def test_bands_follow_the_station_targets_and_keep_their_margins() -> None:
    targets = TargetsSection(overstride_cm_max=15.0, hip_extension_min_deg=12.0)
    bands = TargetBands().with_station_targets(targets)
    assert bands.overstride_cm == Band(15.0, 5.0)
    assert bands.hip_extension_deg == Band(12.0, 3.0, at_least=True)
    assert bands.cadence_spm == TargetBands().cadence_spm
    assert bands.for_metric("overstride_cm") is bands.overstride_cm
    assert bands.for_metric("stride_length_m") is None
    assert bands.for_metric("asymmetry_pct") is None
    assert bands.hip_extension_deg.describe("deg") == ">= 12 deg"


@pytest.mark.parametrize("units", ["cm", "pct_leg"])
def test_every_tiles_label_fits_its_tile(units: Units) -> None:
    """A tile is 17 columns inside at 80 columns (four tiles, three gutters, a column of
    padding a side) and at 160 (eight); "VERTICAL OSC. % leg" was cut to "VERTICAL OSC. % l"."""
    from edge.dashboard.widgets import tile_metrics

    inside = (80 - 3) // 4 - 2
    for metric in tile_metrics(units):
        assert len(f"{metric.label.upper()} {metric.unit}") <= inside, metric.label


@pytest.mark.parametrize("units", ["cm", "pct_leg"])
def test_a_tile_is_coloured_only_by_a_target_the_station_judges(units: Units) -> None:
    """A coach reads an amber tile as a fault: braking and vertical oscillation, which no cue
    and no report verdict judges, are not coloured (the console had them amber past 80 ms and
    10 cm where the report said nothing)."""
    from edge.dashboard.widgets import tile_metrics
    from edge.report.model import METRICS

    bands = TargetBands()
    for metric in tile_metrics(units):
        judged = METRICS[metric.name].target is not None
        assert (bands.for_metric(metric.name) is not None) == judged, metric.name
    assert bands.for_metric("braking_ms") is None
    assert bands.for_metric("vertical_osc_cm") is None


def test_the_bands_follow_the_pace_as_the_cue_targets_do() -> None:
    bands = TargetBands()
    assert bands.paced(None) == bands
    assert bands.paced(3.0) == bands
    fast = bands.paced(5.7)
    targets = paced(Targets(), 5.7)
    assert fast.overstride_pct_leg == Band(targets.overstride_pct_leg_max, 6.0)
    assert fast.overstride_cm == Band(targets.overstride_cm_max, 5.0)
    assert fast.overstride_pct_leg.level(30.0) == "good"
    assert bands.overstride_pct_leg.level(30.0) == "off"
    assert fast.shank_angle_ic_deg == bands.shank_angle_ic_deg
    jog, jog_targets = bands.paced(2.2), paced(Targets(), 2.2)
    assert jog.cadence_spm == Band(jog_targets.cadence_min_spm, 10.0, at_least=True)
    assert jog.contact_ms == Band(jog_targets.contact_max_ms, 30.0)
    assert jog.contact_ms.level(320.0) == "good" and bands.contact_ms.level(320.0) == "watch"
    # Beyond the recorded paces the overstride and the shin's reach have no target: their
    # tiles and plots go uncoloured.
    sprint = bands.paced(6.5)
    assert sprint.for_metric("overstride_cm") is None
    assert sprint.for_metric("overstride_pct_leg") is None
    assert sprint.for_metric("shank_angle_ic_deg") is None
    assert sprint.no_target_at_pace("shank_angle_ic_deg")
    assert sprint.for_metric("cadence_spm") == bands.cadence_spm


def test_the_default_bands_are_the_station_defaults() -> None:
    assert TargetBands().with_station_targets(TargetsSection()) == TargetBands()


def test_the_session_clock_runs_on_station_time_from_the_first_status_of_a_session() -> None:
    readings = Readings()
    readings.take(messages.status(t=100.0, session_id=None))
    assert readings.session_seconds is None
    readings.take(messages.status(t=101.0, session_id=4))
    readings.take(messages.frame(1, t=175.5))
    assert readings.session_seconds == pytest.approx(74.5)
    readings.take(messages.status(t=176.0, session_id=5))
    assert readings.session_seconds == 0.0


def test_a_late_console_shows_the_session_time_the_station_gives() -> None:
    readings = Readings()
    readings.take(messages.status(t=500.0, session_id=7, session_start_t=380.0))
    assert readings.session_seconds == pytest.approx(120.0)


def test_units_come_from_the_summary_else_the_status_else_the_steps() -> None:
    readings = Readings()
    readings.take(messages.step(0, overstride_cm=None))
    assert readings.units == "pct_leg"
    readings.take(messages.status(calibrated=True))
    assert readings.units == "cm"
    readings.take(messages.summary(units="pct_leg", calibrated=False))
    assert readings.units == "pct_leg"


def frame_with_ankles(i: int, t: float, left_x: float, right_y: float = 700.0) -> FrameMsg:
    kp = np.full((NUM_KEYPOINTS, 3), np.nan, dtype=np.float32)
    kp[:, 2] = 0.0
    kp[LEFT_ANKLE] = (left_x, 690.0, 0.9)
    kp[RIGHT_ANKLE] = (500.0, right_y, 0.9)
    return messages.frame(i, t=t, keypoints=keypoints_to_wire(kp))


def test_a_landing_is_interpolated_between_the_frames_around_initial_contact() -> None:
    readings = Readings()
    for i in range(10):
        readings.take(frame_with_ankles(i, 10.0 + i / 60, left_x=600.0 + 6.0 * i))
    landing = readings.landing(messages.step(0, foot="left", ic_t=10.0 + 2.5 / 60))
    assert landing is not None
    assert (landing.x, landing.y) == pytest.approx((615.0, 690.0))
    # Side unknown: the foot on the belt is the lower ankle in the image (larger y).
    near = readings.landing(messages.step(0, foot="near", ic_t=10.05))
    assert near is not None and (near.x, near.y) == pytest.approx((500.0, 700.0))
    # Frames no longer kept (or not yet come): no mark rather than a wrong one.
    assert readings.landing(messages.step(0, foot="left", ic_t=5.0)) is None
    assert readings.landing(messages.step(0, foot="left", ic_t=20.0)) is None


def test_a_landing_is_found_by_when_the_frames_were_captured() -> None:
    """Frames published 1.5 s after their capture (a station that lags): the landing is where
    the foot was when it was captured at ``ic_t``, as the step is timed (by publication a
    console trial's marks came 1-2 frames early, and none came once the lag passed 2 s)."""
    readings = Readings()
    for i in range(10):
        frame = frame_with_ankles(i, 11.5 + i / 60, left_x=600.0 + 6.0 * i)
        readings.take(dataclasses.replace(frame, capture_t=10.0 + i / 60))
    landing = readings.landing(messages.step(0, foot="left", ic_t=10.0 + 2.5 / 60))
    assert landing is not None and landing.x == pytest.approx(615.0)


def test_old_frames_are_let_go() -> None:
    readings = Readings()
    for i in range(600):
        readings.take(messages.frame(i, t=i / 60))
    last = 599 / 60
    assert readings.landing(messages.step(0, foot="left", ic_t=last - 2.1)) is None
    assert readings.landing(messages.step(0, foot="left", ic_t=last - 1.9)) is not None


def test_the_canvas_draws_braille_dots_and_marks_in_colour() -> None:
    canvas = BrailleCanvas(4, 2)
    assert (canvas.dot_width, canvas.dot_height) == (8, 8)
    canvas.line((0, 0), (7, 0), 1)  # the top row of dots across all four cells
    canvas.points(np.array([0.0, 100.0]), np.array([7.0, 100.0]), 2)  # off-canvas is dropped
    canvas.char((6, 4), "▼", 1)
    red, blue = Style(color="red"), Style(color="blue")
    top, bottom = canvas.rows([Style(), red, blue])
    assert "".join(seg.text for seg in top) == "⠉⠉⠉⠉"
    assert [seg.style for seg in top] == [red]
    assert "".join(seg.text for seg in bottom) == "⡀  ▼"
    assert [seg.style for seg in bottom] == [blue, None, red]


def test_the_dashboard_imports_nothing_of_the_station_but_the_bus() -> None:
    code = (
        "import sys, edge.dashboard; "
        "print(' '.join(m for m in sys.modules if m.startswith(('edge', 'calibrate'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = set(out.stdout.split())
    allowed = ("edge.bus", "edge.dashboard")
    # The bus's own helpers (errors, the keypoint layout, ``with`` support) come along, the pace
    # the overstride targets grow with (one rule for the cues and the colours), which steps
    # follow one another (one rule for the figures and the plots), the frame rate the engine
    # needs (the banner names it), and the drill's plan and live rules (the console runs the
    # drill; they read only the bus's steps).
    extra = {m for m in modules if not m.startswith(allowed)} - {
        "edge",
        "edge.closing",
        "edge.errors",
        "edge.frame_rate",
        "edge.pace",
        "edge.row",
        "edge.skeleton",
        "edge.drill",
        "edge.drill.plan",
        "edge.drill.live",
    }
    assert not extra, f"the dashboard pulls in {sorted(extra)}"


def test_an_oblique_uncalibrated_view_is_told_with_the_yaw_when_known() -> None:
    readings = Readings()
    assert readings.view_notice is None
    readings.take(messages.summary(yaw_deg=14.0))  # off square but not marked: nothing to tell
    assert readings.view_notice is None
    unsure = MetricStats(median=30.0, iqr=2.0, asymmetry_pct=None, confident=False)
    unjudged = {
        "cue_key": UNJUDGED_KEY,
        "cue": "Form not fully judged",
        "metrics": {"overstride_pct_leg": unsure},
    }
    readings.take(messages.summary(yaw_deg=-14.4, oblique=True, **unjudged))
    assert readings.view_notice is not None and readings.view_notice.endswith(
        "camera about 14° off square, uncalibrated"
    )
    readings.take(messages.summary(oblique=True, **unjudged))
    assert readings.view_notice is not None and readings.view_notice.endswith(
        ": camera off square, uncalibrated"
    )
    # The figures a cue judges measured surely, on the steps read nearer square: said so, not
    # "less sure" beside "every target met".
    judged = messages.summary(yaw_deg=16.0, oblique=True, cue_key="good", cue="Good form")
    readings.take(judged)
    assert (
        readings.view_notice
        == "camera about 16° off square, uncalibrated: judged on its squarer steps"
    )


def test_a_calibration_the_runner_does_not_fit_is_told_in_words() -> None:
    """A calibrated station's summary in % of the leg: its steps doubt the scale (a board
    printed at 70%, a camera moved since its plane was calibrated), which a review found the
    console told only by the overstride's unit and marks."""
    readings = Readings()
    readings.take(messages.status(calibrated=True))
    readings.take(messages.summary())
    assert readings.view_notice is None
    readings.take(messages.summary(units="pct_leg"))
    assert readings.view_notice == (
        "distances less sure: the runner does not fit the calibration; calibrate again"
    )
    readings.take(messages.summary(units="pct_leg", calibrated=False))
    assert readings.view_notice is None
    # In metres by a scale given, no calibration: nothing to calibrate again (a review's).
    readings.take(messages.status(calibrated=False))
    readings.take(messages.summary(units="pct_leg"))
    assert readings.view_notice == (
        "distances less sure: the scale does not fit the runner (the log says why)"
    )


def test_history_leaves_out_what_a_step_measured_less_surely() -> None:
    readings = Readings()
    readings.take(messages.step(1, view="near", hip_extension_deg=15.0))
    far = {"hip_extension_deg": 0.25, "knee_lift_deg": 0.25}
    readings.take(messages.step(2, view="far", hip_extension_deg=26.0, metric_confidence=far))
    assert readings.history("hip_extension_deg") == [15.0, None]
    assert None not in readings.history("contact_ms")


def test_history_leaves_out_a_step_that_stands_alone() -> None:
    """One the person was lost before and after (each of a user trial's warm-up drills): the
    station's summary leaves it out, and so does the plot. The first of a run is shown once the
    next follows it."""
    readings = Readings()
    readings.take(messages.step(0))
    assert readings.history("overstride_cm") == [None]
    for step in (messages.step(1), messages.step(3, step_ms=None), messages.step(5)):
        readings.take(step)
    assert readings.history("overstride_cm") == [17.5, 17.6, None, None]


def test_history_leaves_out_steps_measured_before_an_oblique_view_was_known() -> None:
    """The first steps come before the station's yaw estimate, marked sure; once the summary
    says the view is oblique they are as unsure as the later ones (a console trial's plot read
    "now 30" from them for a whole clip)."""
    readings = Readings()
    readings.take(messages.step(1, overstride_cm=30.0, yaw_deg=None))
    oblique = {"overstride_cm": 0.3}
    readings.take(messages.step(2, overstride_cm=26.0, yaw_deg=19.0, metric_confidence=oblique))
    readings.take(messages.summary(oblique=False))
    assert readings.history("overstride_cm") == [30.0, None]
    readings.take(messages.summary(oblique=True, yaw_deg=19.0))
    assert readings.history("overstride_cm") == [None, None]


def test_too_few_frames_to_time_steps_tell_no_mode_and_no_figure() -> None:
    """A loaded station's console read STANDING, "no steps while standing still", and WALKING
    by turns over a runner for 18 s, its steps unfound or timed wrong for too few frames a
    second: while the status says steps cannot be timed (``untimed``) the mode is that, and no
    figure is shown (the last summary's are of steps before); then the modes are told again."""
    readings = Readings()
    readings.take(messages.summary())
    readings.take(messages.status(gait_mode="running"))
    assert readings.gait_mode == "running" and readings.stats("overstride_cm") is not None
    readings.take(messages.status(gait_mode=None, untimed=True))
    assert readings.gait_mode == UNTIMED_MODE and readings.stats("overstride_cm") is None
    readings.take(messages.status(gait_mode="standing", untimed=False))
    assert readings.gait_mode == "standing"


@pytest.mark.parametrize(
    ("status", "gone", "kept"),
    [
        ({"timing_doubt": True}, "cadence_spm", "overstride_cm"),
        ({"timing_problem": "cadence 85 spm ..."}, "cadence_spm", "overstride_cm"),
        ({"rate_problem": "20 frames a second ..."}, "cadence_spm", "overstride_cm"),
        ({"distance_doubt": True}, "overstride_cm", "cadence_spm"),
        ({"distance_problem": "--meters-per-pixel 0.03 makes ..."}, "overstride_cm", "cadence_spm"),
    ],
)
def test_figures_the_station_doubts_are_shown_as_none(status: dict, gone: str, kept: str) -> None:
    """A trial's console showed a 288 cm overstride beside the notice that the scale did not
    fit: while the status doubts the time base, or the station gets too few frames a second to
    time steps (a loaded machine's console had shown a cadence of 171 beside that notice), no
    figure read off the clock; while it doubts the scale or the belt speed, none in metres. The
    others stay."""
    readings = Readings()
    readings.take(messages.summary())
    readings.take(messages.step(1))
    readings.take(messages.step(2))
    assert readings.stats(gone) is not None and readings.history(gone)[-1] is not None
    readings.take(messages.status(**status))
    assert readings.stats(gone) is None and readings.history(gone) == [None, None]
    assert readings.stats(kept) is not None and readings.history(kept)[-1] is not None
    readings.take(messages.status())
    assert readings.stats(gone) is not None


def test_a_target_reads_the_same_wherever_it_is_shown() -> None:
    """A target grown with pace reads to the tenth it is set to, on the tile as on the plot and
    in the cue's reason (a console trial's tile read 24 where its plot read 24.5; before that,
    "aim <= 20" beside a green 20.2 had read as a miss shown green). Whole targets stay whole."""
    grown = TargetBands().paced(3.1)
    assert grown.overstride_cm.describe("") == "<= 20.3"
    assert grown.overstride_cm.level(20.2) == "good"
    assert grown.overstride_pct_leg.describe("%") == f"<= {grown.overstride_pct_leg.limit:g} %"
    assert grown.overstride_pct_leg.limit != round(grown.overstride_pct_leg.limit)
    assert TargetBands().overstride_cm.describe("cm") == "<= 20 cm"
    assert TargetBands().shank_angle_ic_deg.describe("") == "<= 7"
    # The widest line a tile shows fits its 17 columns: spread, two spaces, aim.
    assert len(f"±9.9  aim {grown.overstride_pct_leg.describe('')}") <= 17


def test_a_balance_bar_is_grey_while_the_feet_do_not_differ_beyond_their_scatter() -> None:
    """The same 12% asymmetry: coloured by its band when the feet surely differ, grey when the
    summary says they do not (too few steps or too much scatter to tell)."""
    contact = next(m for m in balance_metrics("cm") if m.name == "contact_ms")
    inks = {}
    for differ in (True, False):
        bars = BalanceBars()
        stats = MetricStats(median=270.0, iqr=20.0, asymmetry_pct=12.0, feet_differ=differ)
        bars._rows, bars._band = [(contact, stats)], Band(10.0, 5.0)
        (row,) = bars.draw(120, 1)
        inks[differ] = next(seg.style for seg in row if "%" in seg.text)
    assert inks[False] == Style.parse("grey50")
    assert inks[True] != inks[False]


def test_the_belt_is_read_off_the_steps_unless_the_station_doubts_their_distances() -> None:
    readings = Readings()
    for i in range(1, 5):
        readings.take(messages.step(i, stride_length_m=1.75))
    assert readings.belt_read == pytest.approx(2.5)
    readings.take(messages.status(distance_doubt=True))
    assert readings.belt_read is None


def test_a_plot_of_steps_none_measured_surely_says_so() -> None:
    """A console trial's overstride plot sat empty beside its tile's figure: every step came
    from an oblique view."""
    from edge.dashboard.widgets import HistoryPlot, tile_metrics

    metric = next(m for m in tile_metrics("pct_leg") if m.name == "overstride_pct_leg")
    plot = HistoryPlot(60)
    plot.show(metric, [None, None, None], TargetBands().overstride_pct_leg, held=True)
    title = "".join(segment.text for segment in plot.draw(60, 6)[0])
    assert "no step measured surely" in title and "now" not in title
    # A walk's steps have no overstride to hold back: nothing to say of them.
    plot.show(metric, [None, None, None], None, held=False)
    assert "surely" not in "".join(segment.text for segment in plot.draw(60, 6)[0])
    readings = Readings()
    readings.take(messages.walked_step(1))
    assert readings.history("overstride_pct_leg") == [None]
    assert not readings.held_back("overstride_pct_leg", [None])
    readings.take(messages.step(2, metric_confidence={"overstride_pct_leg": 0.3}))
    shown = readings.history("overstride_pct_leg")
    assert shown == [None, None] and readings.held_back("overstride_pct_leg", shown)
    plot.show(metric, [20.0, None], TargetBands().overstride_pct_leg)
    assert "last 20" in "".join(segment.text for segment in plot.draw(60, 6)[0])
    plot.show(metric, [30.0, 20.0], TargetBands().overstride_pct_leg)
    assert "now 20" in "".join(segment.text for segment in plot.draw(60, 6)[0])
    # A walk after a run: its steps have none, so the run's last is not "now" (a user trial's
    # walking screen read "now 38").
    plot.show(metric, [38.0, None, None], None)
    title = "".join(segment.text for segment in plot.draw(60, 6)[0])
    assert "last 38" in title and "now" not in title


@pytest.mark.parametrize(("width", "key"), [(40, "▼ landing   ┆ under the hips"), (24, "┆ hips")])
def test_the_runner_figures_key_fits_its_width(width: int, key: str) -> None:
    """A console trial's 80 and 120 columns had the figure's key cut to "▼ landing ┆ under
    th": it says as much as the figure's width holds, and all of it."""
    figure = RunnerFigure()
    figure.show(messages.frame(0))
    legend = "".join(segment.text for segment in figure.draw(width, 12)[-1])
    assert len(legend) <= width and legend.startswith("L R") and legend.endswith(key)
