"""``hipdrive sessions report`` on a recorded session and ``hipdrive analyze``'s annotated video
and report, from synthetic running (the Fukuchi trial through the real gait engine)."""

from __future__ import annotations

import base64
import dataclasses
import itertools
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest
from matplotlib.figure import Figure

from edge.bus.schema import StepMsg
from edge.cli import main
from edge.demo.scene import SideCamera
from edge.gait import PlaneMapping, SummaryBuilder, Targets
from edge.gait.summary import confident
from edge.offline.replay import describe, replay_track, step_of
from edge.pace import PACE_JUDGED_RATIO, PACE_REF_LEGS_S
from edge.pose import Detections, PoseEstimator
from edge.report import draw, plots
from edge.report.annotate import Overlay, verdict
from edge.report.build import _plans, _session_belt, _session_scale, build_report
from edge.report.html import render
from edge.report.model import (
    METRICS,
    NO_WALK_PICTURES,
    ReportInput,
    cues_from_summaries,
    no_pictures,
    run_targets,
    summary_rows,
)
from edge.row import follows
from edge.run.station import summary_message
from edge.skeleton import KP
from edge.store.sessions import SessionInfo, SessionStore, read_steps
from tests.builders import messages
from tests.builders.keypoint_tracks import synth_track
from tests.builders.media import write_video

STATION = "report-test"
T0 = 5000.0
"""Station time the sessions start at: report times must count from it."""
CHARTS = (
    "cue-timeline",
    "overstride-time",
    "shank-time",
    "hip-extension-time",
    "scissor-time",
    "distributions",
    "left-right",
    "cadence-contact",
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def record(
    store: SessionStore, t: np.ndarray, kp: np.ndarray, mpp: float | None, keypoints: bool
) -> list[StepMsg]:
    """One session as the station records it: keypoint rows, steps each with its summary."""
    steps = replay_track(t, kp, PlaneMapping.scaled("left", mpp), STATION)
    calibration = None if mpp is None else "cam"
    store.start_session(
        float(t[0]), runner="Ana", calibrated=mpp is not None, calibration=calibration
    )
    if keypoints:
        for i in range(len(t)):
            store.record_keypoints(float(t[i]), i, kp[i])
    builder = SummaryBuilder(Targets())
    for step in steps:
        store.record_step(step)
        summary = builder.add(step_of(step))
        store.record_summary(summary_message(STATION, step.t, summary, mpp is not None))
    store.record_lap(float(t[0]) + 6.0, "1 km")
    store.end_session(float(t[-1]))
    return steps


@pytest.fixture(scope="module")
def sessions(mocap_trial, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config whose data_dir holds a real sessions file: session 1 calibrated with keypoints,
    session 2 uncalibrated without."""
    root = tmp_path_factory.mktemp("report")
    camera = SideCamera(facing="left")
    t, kp = synth_track(mocap_trial, 60.0, camera, seed=31)
    keep = t < 12.0
    t, kp = t[keep] + T0, kp[keep]
    store = SessionStore(root / "data" / "sessions.sqlite", STATION)
    record(store, t, kp, camera.meters_per_pixel, keypoints=True)
    record(store, t + 100.0, kp, None, keypoints=False)
    store.close()
    config = root / "config.toml"
    config.write_text(f'[station]\ndata_dir = "{root / "data"}"\n', encoding="utf-8")
    return config


def images(page: str) -> list[bytes]:
    return [base64.b64decode(b) for b in re.findall(r'src="data:image/png;base64,([^"]+)"', page)]


def median_cell(page: str, metric: str) -> str | None:
    row = re.search(rf'<tr data-metric="{metric}">(.*?)</tr>', page)
    cell = re.search(r"<td class=median>([^<]*)</td>", row.group(1)) if row else None
    return cell.group(1) if cell else None


def test_a_session_report_shows_every_chart_the_pictures_and_the_medians(
    sessions: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sessions", "report", "1", "--config", str(sessions)]) == 0
    out = sessions.parent / "data" / "reports" / "session-1.html"
    assert f"wrote {out}" in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")

    for chart in CHARTS:
        assert f'id="{chart}"' in page, f"chart {chart} missing"
    for moment in ("ic", "to"):
        for foot in ("left", "right"):
            assert f'id="snapshot-{moment}-{foot}"' in page
    pictures = images(page)
    assert len(pictures) == len(CHARTS) + 4
    for data in pictures:
        assert data.startswith(PNG_MAGIC)
        decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        assert decoded is not None and decoded.shape[0] > 100
    # Self-contained: nothing is fetched from anywhere.
    assert not re.search(r'(src|href)="(?!data:)', page)
    assert "@media print" in page
    assert "class=summary" in page and "Medians and interquartile ranges" in page

    steps = read_steps(sessions.parent / "data" / "sessions.sqlite", 1)
    for metric in ("cadence_spm", "contact_ms", "overstride_cm", "hip_extension_deg"):
        measured = [s for s in steps if getattr(s, metric) is not None]
        sure = [s for s in measured if confident(s, metric)] or measured
        values = [getattr(s, metric) for s in sure]
        if metric == "cadence_spm":  # over strides: two steps in a row over their two times
            pairs = [(a, b) for a, b in itertools.pairwise(sure) if follows(b, a)]
            values = [120000.0 / (a.step_ms + b.step_ms) for a, b in pairs]
        expected = f"{np.median(values):.{METRICS[metric].digits}f}"
        assert median_cell(page, metric) == expected, metric
    assert "Good form - keep it up" in page or "Land under your hips" in page
    assert "<td>1 km</td><td>6.0 s</td>" in page
    assert "<dt>scale</dt><dd>the calibration cam: in metres</dd>" in page


def test_an_uncalibrated_session_without_keypoints_reports_leg_fractions(
    sessions: Path, tmp_path: Path
) -> None:
    out = tmp_path / "two.html"
    assert main(["sessions", "report", "2", "--out", str(out), "--config", str(sessions)]) == 0
    page = out.read_text(encoding="utf-8")
    assert median_cell(page, "overstride_pct_leg") is not None
    assert median_cell(page, "overstride_cm") is None
    assert "station.record_keypoints = true" in page
    assert "snapshot-" not in page
    assert 'id="overstride-time"' in page
    assert "<dt>scale</dt><dd>none: distances in % of leg length</dd>" in page


def session_info(**changes: Any) -> SessionInfo:
    """A stopped session of 31 steps as ``sessions list`` reads it, with ``changes``."""
    fields: dict[str, Any] = {
        "id": 1,
        "station": "s",
        "runner": None,
        "started": "2026-12-05T06:00:00+00:00",
        "ended": None,
        "start_t": 0.0,
        "end_t": 60.0,
        "belt_speed_mps": None,
        "calibrated": False,
        "calibration": None,
        "steps": 31,
        "laps": 0,
        "crashed": False,
    }
    return SessionInfo(**{**fields, **changes})


def test_a_session_measured_at_a_scale_given_names_it() -> None:
    """A file run with --meters-per-pixel: its session's report had said "calibration none:
    distances in % of leg length" beside overstrides in cm (a user trial)."""
    info = session_info(calibration="--meters-per-pixel 0.0033")
    assert _session_scale(info, []) == "--meters-per-pixel 0.0033: in metres"


def test_a_sessions_report_says_when_its_steps_doubt_the_calibration() -> None:
    """Only analyze and replay had said a plane the runner's feet do not stand on (a camera
    moved since it was calibrated); a live session's report named the calibration alone (a
    review's)."""
    info = session_info(calibrated=True, calibration="/var/lib/hipdrive/calibration.toml")
    doubted = {"overstride_cm": 0.2, "vertical_osc_cm": 0.2, "stride_length_m": 0.2}
    off = [messages.step(i, metric_confidence=doubted) for i in range(8)]
    said = _session_scale(info, off)
    assert said.startswith("the calibration /var/lib/hipdrive/calibration.toml: in metres; ")
    assert "feet do not stand on the belt" in said and "calibrate the plane again" in said
    assert _session_scale(info, [messages.step(i) for i in range(8)]).endswith(": in metres")


def test_a_sessions_report_names_every_belt_speed_its_strides_were_measured_at() -> None:
    """A trial's report said "belt speed 3 m/s" beside strides measured at 7 before the belt
    speed was put right; with none set, it says what analyze's report says."""
    info = session_info(start_t=100.0, end_t=160.0, belt_speed_mps=3.0)
    changed = [(100.0, 7.0), (106.5, 7.0), (109.0, 3.0)]
    assert _session_belt(info, changed, []) == "7 m/s from 0:00, 3 m/s from 0:09"
    # The key pressed a step at a time is one change, to where it stopped.
    pressed = [(100.0, 3.0), (125.0, 2.9), (125.4, 2.8), (125.9, 2.7), (126.3, 2.6), (126.8, 2.5)]
    assert _session_belt(info, pressed, []) == "3 m/s from 0:00, 2.5 m/s from 0:25"
    # Pressed each within 5 s of the last, over more than 5 s: still one change (a review's).
    slow = [(100.0, 3.0), (125.0, 2.9), (128.0, 2.8), (131.0, 2.7), (134.0, 2.6)]
    assert _session_belt(info, slow, []) == "3 m/s from 0:00, 2.6 m/s from 0:25"
    back = [(100.0, 3.0), (125.0, 2.9), (126.0, 3.0), (140.0, 3.5)]
    assert _session_belt(info, back, []) == "3 m/s from 0:00, 3.5 m/s from 0:40"
    assert _session_belt(info, [(100.0, 3.0)], []) == _session_belt(info, [], []) == "3 m/s"
    unset = replace(info, belt_speed_mps=None)
    assert _session_belt(unset, [], []) == "none: no stride length"
    assert _session_belt(replace(unset, calibrated=True), [], []) == "read off the feet"


def test_a_sessions_report_says_the_steps_whose_feet_did_not_run_at_the_belt_speed_set() -> None:
    """The engine sets a belt speed aside while the feet do not run at it (a warm-up walk
    under a run's speed, a console left at the last runner's): a review found the report
    naming "4.5 m/s" beside strides the feet timed, or none. Steps at the speed set, and a few
    without a stride (a bout's last), are not said."""
    info = session_info(start_t=0.0, end_t=60.0, belt_speed_mps=3.0)
    run = [messages.step(i) for i in range(1, 41)]  # strides of 2.1 m at 171 a minute: 3.0 m/s
    assert _session_belt(info, [(0.0, 3.0)], run) == "3 m/s"
    few = [replace(s, stride_length_m=None) if i % 20 == 0 else s for i, s in enumerate(run)]
    assert _session_belt(info, [(0.0, 3.0)], few) == "3 m/s"
    timed = [replace(s, stride_length_m=1.2) if s.ic_t < 16.0 else s for s in run]
    calibrated = replace(info, calibrated=True)
    said = _session_belt(calibrated, [(0.0, 3.0)], timed)
    assert said == "3 m/s; the feet did not run at it on 17 of the 40 steps, which they timed"
    bare = [replace(s, stride_length_m=None) if s.ic_t < 16.0 else s for s in run]
    said = _session_belt(info, [(0.0, 4.5), (16.0, 3.0)], bare)
    assert said == (
        "4.5 m/s from 0:00, 3 m/s from 0:16; no stride length on 17 of the 40 steps: the feet "
        "did not run at it, or a foot's next landing was not seen"
    )
    # Calibrated, a step without a stride lost its foot's next landing: the engine times a
    # speed it set aside by the feet (a review's: such steps had been blamed on the feet).
    assert _session_belt(calibrated, [(0.0, 3.0)], bare) == "3 m/s"


def test_an_unknown_session_exits_2_and_says_how_to_list_them(
    sessions: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sessions", "report", "42", "--config", str(sessions)]) == 2
    err = capsys.readouterr().err
    assert "no session 42" in err and "hipdrive sessions list" in err


class TrackPose(PoseEstimator):
    """Hands out the rows of a keypoint track in call order, one person per frame. (The shared
    FakePose reads the frame index from the pixels, which a lossy video does not keep.)"""

    name = "track"

    def __init__(self, keypoints: np.ndarray) -> None:
        self._keypoints = keypoints
        self._i = 0

    def infer(self, image: np.ndarray) -> Detections:
        kp = self._keypoints[min(self._i, len(self._keypoints) - 1)]
        self._i += 1
        seen = kp[:, 2] > 0
        xs, ys = kp[seen, 0], kp[seen, 1]
        box = np.array([[xs.min(), ys.min(), xs.max(), ys.max()]], np.float32)
        return Detections(kp[None].astype(np.float32), box, np.array([0.9], np.float32))


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    # Full frames: a fake that hands out rows in call order must be called once a frame (the
    # crop looks again at the whole frame when the runner is not where it expected); its
    # frames are codes, not a person, so no refiner.
    path.write_text(
        f'[station]\ndata_dir = "{tmp_path / "data"}"\n[pose]\ncrop = false\nrefine = false\n',
        encoding="utf-8",
    )
    return path


def test_analyze_writes_an_annotated_video_of_every_frame_and_a_report(
    mocap_trial, tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    size, fps, n = (320, 180), 60.0, 180
    camera = SideCamera(image_size=size, focal_px=240.0, facing="left")
    _, kp = synth_track(mocap_trial, fps, camera, seed=7)
    grey = np.full((size[1], size[0], 3), 200, np.uint8)
    video = write_video(tmp_path / "run.mp4", [grey] * n, fps=fps)
    monkeypatch.setattr("edge.commands.common.open_pose", lambda _config: TrackPose(kp[:n]))
    out = tmp_path / "out"
    assert main(["analyze", str(video), "--out", str(out), "--config", str(config)]) == 0

    cap = cv2.VideoCapture(str(out / "annotated.mp4"))
    assert cap.isOpened(), "annotated.mp4 is not readable by OpenCV"
    frames = []
    while (got := cap.read())[0]:
        frames.append(got[1])
    cap.release()
    assert len(frames) == n
    assert frames[0].shape == (size[1], size[0], 3)
    # Every frame carries the skeleton and the panel: far from the plain grey it was.
    assert all((np.abs(f.astype(int) - 200).max(axis=2) > 60).sum() > 200 for f in frames)

    # H.264 in yuv420p with the index first: what browsers and phones play.
    with av.open(str(out / "annotated.mp4")) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
    assert (out / "annotated.mp4").read_bytes()[:64].find(b"moov") > 0  # +faststart
    assert (out / "steps.csv").is_file() and (out / "events.jsonl").is_file()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="overstride-time"' in page and 'id="snapshot-ic-' in page
    assert '<video controls preload=metadata src="annotated.mp4"' in page
    assert all(data.startswith(PNG_MAGIC) for data in images(page))


def test_an_unreadable_video_exits_2_before_the_model_is_loaded(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    def no_model(_config):
        raise AssertionError("the model was loaded for a video that cannot be read")

    monkeypatch.setattr("edge.commands.common.open_pose", no_model)
    video = tmp_path / "broken.mp4"
    video.write_bytes(b"not a video" * 100)
    assert main(["analyze", str(video), "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "cannot decode video" in err and "ffmpeg" in err


FAR_ANGLES = ("hip_extension_deg", "knee_lift_deg", "shank_angle_ic_deg", "knee_flexion_ic_deg")


def page_of(steps: list[StepMsg]) -> str:
    data = ReportInput("t", (), steps[0].ic_t, steps, Targets(), [], [], [])
    return render(data, summary_rows(steps, Targets()), [])


def far_left_steps(far_confidence: float) -> list[StepMsg]:
    """The gym video's case: the left leg is the far one and reads 26.1 deg of hip extension
    against the near right leg's 15.5, rated ``far_confidence`` on the angles it is seen by."""
    return [
        messages.step(
            i,
            view="far" if i % 2 == 0 else "near",
            hip_extension_deg=26.1 if i % 2 == 0 else 15.5,
            metric_confidence=dict.fromkeys(FAR_ANGLES, far_confidence) if i % 2 == 0 else {},
        )
        for i in range(20)
    ]


def row_of(page: str, metric: str) -> str:
    row = re.search(rf'<tr data-metric="{metric}">(.*?)</tr>', page)
    assert row is not None, metric
    return row.group(1)


def test_a_less_sure_far_leg_gives_no_asymmetry_finding_but_near_leg_only() -> None:
    page = page_of(far_left_steps(0.3))
    assert "Hip extension</b>: left" not in page and "difference" not in page
    hip = row_of(page, "hip_extension_deg")
    assert '<td class="asym">near leg only</td>' in hip
    assert '<td class="left unsure" title="less sure">26.1*</td>' in hip
    assert "<td class=median>15.5</td>" in hip  # the near leg's, not pulled up by the far one
    assert "Hip extension, Knee lift: near leg only" in page  # shank angle: the same both legs


def test_feet_named_the_same_twice_in_a_row_give_no_left_right() -> None:
    """Two steps in a row named the same foot (a carried camera's view of the near leg turned):
    no asymmetry and no sure foot's median, and a note says why."""
    feet = [("left", "right")[(i + (i >= 10)) % 2] for i in range(20)]
    page = page_of(
        [
            messages.step(i, foot=foot, contact_ms=230.0 + 60 * (i % 2))
            for i, foot in enumerate(feet)
        ]
    )
    contact = row_of(page, "contact_ms")
    assert '<td class="asym">feet not told apart</td>' in contact
    assert 'class="left unsure"' in contact and 'class="right unsure"' in contact
    assert "Feet not told apart: two steps in a row were named the same foot" in page
    assert "Feet not told apart" not in page_of([messages.step(i) for i in range(20)])


def test_the_steps_column_counts_the_steps_a_median_rests_on() -> None:
    """The near leg's ten sure hip extensions, not the twenty with the far leg's less sure
    ones; a median on fewer than three sure steps rests on every step, and says so."""
    rows = {r.metric.name: r for r in summary_rows(far_left_steps(0.3), Targets())}
    assert rows["hip_extension_deg"].steps == 10 and rows["hip_extension_deg"].confident
    assert rows["cadence_spm"].steps == 19  # the first step has no step before it
    two_sure = far_left_steps(0.3)[:5]
    hip = {r.metric.name: r for r in summary_rows(two_sure, Targets())}["hip_extension_deg"]
    assert hip.steps == 5 and not hip.confident and hip.verdict is None and hip.waiting
    page = page_of(two_sure)
    assert "Not judged, measured surely on fewer than 3 steps: Shank angle at contact, Hip" in page
    assert "measured less surely on every step: Hip extension" not in page


def test_a_difference_within_the_steps_scatter_is_shown_but_not_a_finding() -> None:
    """A 3 s clip: three steps a foot, the contact times two frames apart at 30 fps. The L/R
    diff is shown, marked, and no finding says "a 25% difference"; eight steps a foot that far
    apart are one. Eight a foot a frame apart (11%, over the 10% target) are within what one
    side camera makes of the far leg's contacts: marked so, no finding."""
    for n, apart, why in (
        (6, 66.7, "within the steps' scatter"),
        (16, 66.7, None),
        (16, 33.3, "within the 15% a side camera reads between near and far leg"),
    ):
        steps = [
            messages.step(i, contact_ms=300.0 - apart if i % 2 == 0 else 300.0 - (i % 4))
            for i in range(n)
        ]
        page = page_of(steps)
        assert ("<b>Contact time</b>: left" in page) is (why is None)
        row = row_of(page, "contact_ms")
        assert (why in row) if why else ("within" not in row), row


def test_a_sure_far_leg_is_compared() -> None:
    page = page_of(far_left_steps(0.8))
    assert "<b>Hip extension</b>: left 26.1, right 15.5 deg, a 51% difference" in page
    assert "near leg only" not in page


def test_a_run_whose_pace_changed_is_said_to_be_judged_at_its_median() -> None:
    """A user trial's progression run, a jog to a sprint: its overstride had no target at the
    median pace and the report said every other target was met, where the station had cued
    "Land under your hips" at the slower start. The report says its pace changed, analyze too;
    a steady run's scatter of paces says nothing."""
    quickening = [messages.step(i, speed_legs_per_s=4.0 + 0.3 * i) for i in range(24)]
    page = page_of(quickening)
    assert "The pace changed through the run, from 4.6 to 10.3 leg lengths a second" in page
    said = describe([dataclasses.replace(s, gait="running") for s in quickening], Targets())
    assert any(line.startswith("note: the pace changed through the run") for line in said)
    steady = [messages.step(i, speed_legs_per_s=3.3 + 0.4 * (i % 3)) for i in range(24)]
    assert "pace changed" not in page_of(steady)


def test_a_view_turned_one_way_then_the_other_is_said_as_such() -> None:
    """A hand-held camera following a runner by: its steps read -16 to +17 deg off square
    (a user trial's clip had been told "about 1 deg off square ... set it square")."""
    far = {"overstride_pct_leg": 0.3, "stride_length_m": 0.3}
    turned = [
        messages.step(
            i,
            metric_confidence=far,
            overstride_cm=None,
            shank_angle_ic_deg=5.0,
            yaw_deg=-16.0 + 3.0 * i,
        )
        for i in range(12)
    ]
    kept = [s for s in turned if abs(s.yaw_deg or 0) > 10]
    page = page_of(kept)
    assert "angle to the runner changed, from -16° to +17° off square" in page, page
    assert "about 1° off" not in page
    # Nor does the cue's reason ask to calibrate a camera that turned.
    reason = SummaryBuilder(Targets()).whole([step_of(s) for s in kept]).cue_reason or ""
    assert "the camera turning from -16 to +17 deg off square: set it still" in reason, reason


def test_an_overstride_sure_in_one_unit_is_judged_by_it() -> None:
    """A scale doubted (a calibration that makes the leg no adult's, or a plane the feet do not
    stand on) leaves the cm less sure and the % of the leg sure: the report had said the
    overstride was not judged, its table judging the % of the leg on target."""
    doubted = {"overstride_cm": 0.2, "vertical_osc_cm": 0.2, "stride_length_m": 0.2}
    page = page_of(
        [
            messages.step(
                i,
                metric_confidence=doubted,
                overstride_cm=24.5,
                overstride_pct_leg=21.0,
                shank_angle_ic_deg=5.0,
            )
            for i in range(12)
        ]
    )
    assert "less sure" in row_of(page, "overstride_cm")
    assert "on target" in row_of(page, "overstride_pct_leg")
    assert "Not judged" not in page and "<b>Overstride</b>" not in page


def test_an_oblique_uncalibrated_view_is_said_and_judges_nothing() -> None:
    far = {"overstride_pct_leg": 0.3, "stride_length_m": 0.3}
    reaching = {"overstride_cm": None, "overstride_pct_leg": 30.0, "yaw_deg": -21.6}
    oblique = page_of([messages.step(i, metric_confidence=far, **reaching) for i in range(12)])
    assert "about 22° off square to the belt and not calibrated: what this foreshortens" in oblique
    assert "(overstride, stride length) is less sure" in oblique
    assert "<b>Overstride</b>" not in oblique
    assert "less sure" in row_of(oblique, "overstride_pct_leg")
    assert "Not judged, measured less surely on every step: Overstride." in oblique
    # The rest on target: not "every target met", which would claim the overstride too.
    landing = {**reaching, "shank_angle_ic_deg": 5.0}
    rest = page_of([messages.step(i, metric_confidence=far, **landing) for i in range(12)])
    assert (
        "<li class=good>Not judged, measured less surely on every step: Overstride. Every other"
        " target was met.</li>" in rest
    )
    assert "Every target met" not in rest
    assert rest.count("Not judged") == 1  # said once, with its reason
    square = page_of([messages.step(i, **reaching) for i in range(12)])
    assert 'id="view-note"' not in square and "<b>Overstride</b>: median 30.0" in square


def test_a_less_sure_value_is_not_coloured_on_pictures_or_the_annotated_video() -> None:
    far, near = far_left_steps(0.3)[:2]
    lazy = far_left_steps(0.8)[0]
    assert verdict(far, "hip_extension_deg", Targets()) is None  # 26.1 deg, but seen through
    assert verdict(lazy, "hip_extension_deg", Targets()) is True
    assert verdict(near, "hip_extension_deg", Targets(hip_extension_min_deg=20.0)) is False
    assert verdict(far, "contact_ms", Targets()) is True  # the far leg's timing is sure


def test_the_annotated_videos_panel_marks_a_less_sure_value_and_says_what_the_mark_means() -> None:
    far, near = far_left_steps(0.3)[:2]
    t = np.arange(0.0, 3.0, 0.1)
    keypoints = np.zeros((len(t), 17, 3))
    for steps, shown in (([near], "16 deg"), ([far], "26 deg*")):
        overlay = Overlay(t, keypoints, steps, Targets(), forward=1.0)
        panel = dict((name, value) for name, value, _ in overlay.panel(steps[0].to_t + 0.05))
        assert panel["hip ext"] == shown
        assert ("*" in panel) == shown.endswith("*")
        assert panel.get("*") in (None, "less sure")


def test_the_annotated_videos_panel_forgets_a_step_seconds_old() -> None:
    """A user trial's panel showed a contact time 11 s old over a stretch with no step."""
    near = far_left_steps(0.3)[1]
    t = np.arange(0.0, 20.0, 0.1)
    overlay = Overlay(t, np.zeros((len(t), 17, 3)), [near], Targets(), forward=1.0)
    assert dict((n, v) for n, v, _ in overlay.panel(near.to_t + 1.0))["contact"] != "--"
    assert dict((n, v) for n, v, _ in overlay.panel(near.to_t + 11.0))["contact"] == "--"


def test_the_report_judges_the_overstride_at_the_runners_pace() -> None:
    """30% of the leg ahead: off target at 2.5 m/s (3.0 leg lengths a second), on it at 4.5 m/s;
    the table, its verdict and the pictures' colour go by the pace (docs/metrics.md)."""
    landing = {"overstride_cm": None, "overstride_pct_leg": 30.0}
    for pace, target, verdict_of in (
        (3.0, "&lt;= 23 % leg", "off"),
        (5.7, "&lt;= 33.4 % leg", "good"),
    ):
        steps = [messages.step(i, speed_legs_per_s=pace, **landing) for i in range(12)]
        page = build_report(ReportInput("t", (), steps[0].ic_t, steps, Targets(), [], [], []))
        row = row_of(page, "overstride_pct_leg")
        assert f"<td class=target>{target}</td>" in row
        assert f'<td class="verdict {verdict_of}">' in row
        judged = run_targets(steps, Targets())
        assert verdict(steps[0], "overstride_pct_leg", judged) is (verdict_of == "good")


def test_a_median_within_its_standard_error_of_the_target_is_at_it() -> None:
    """A tester's treadmill run at a third of its size: "Overstride % leg | 19 | 24.3 | IQR 1.8
    | ... | <= 24.1 % leg | off target" and the printed cue "Land under your hips", the median
    0.2 past its target, half its standard error (0.93 IQR / sqrt(n)). The table says it is at
    its target, the findings list it neither as a fault nor as met, and the printed summary says
    it beside a cue of another figure; a median past it by more is off target as before."""
    cycle = (-2.7, -1.2, 0.0, 1.3, 2.8)  # IQR 2.5, a standard error of 0.52 over 20 steps

    def run(overstride: float, **changes: Any) -> list[StepMsg]:
        return [
            messages.step(
                i,
                overstride_cm=None,
                overstride_pct_leg=overstride + cycle[i % 5],
                shank_angle_ic_deg=4.0,
                **changes,
            )
            for i in range(20)
        ]

    steps = run(23.2)
    page = build_report(ReportInput("t", (), steps[0].ic_t, steps, Targets(), [], [], []))
    row = row_of(page, "overstride_pct_leg")
    assert '<td class="verdict at"><span title="within what the steps tell: the median is ' in row
    assert row.endswith(">at target</span></td>")
    assert (
        "<li class=at><b>Overstride</b>: median 23.2 % leg (IQR 2.5), at its target (&lt;= 23 % "
        "leg), within what the steps tell: the median is within its standard error (0.5 % leg) of "
        "the target, so neither met nor missed.</li><li class=good>Every other target was met."
    ) in page
    assert "Every target met" not in page and "<li class=off>" not in page
    # Beside a target missed surely, it is no fault either.
    slow = run(23.2, contact_ms=320.0)
    page = build_report(ReportInput("t", (), slow[0].ic_t, slow, Targets(), [], [], []))
    assert "<li class=off><b>Contact time</b>" in page
    assert "<li class=off><b>Overstride</b>" not in page
    assert "<li class=at><b>Overstride</b>" in page and "target was met" not in page
    lines = describe(slow, Targets())
    assert lines[-2:] == [
        "note: foot lands 23.2% of leg length ahead (target <= 23%): at the target, within what "
        "the steps tell, neither met nor missed",
        "cue: Quicker, lighter steps (ground contact 320 ms (target <= 300 ms))",
    ]
    # Past it by more than its standard error: off target, and the cue's.
    over = run(24.0)
    page = build_report(ReportInput("t", (), over[0].ic_t, over, Targets(), [], [], []))
    assert '<td class="verdict off">off target</td>' in row_of(page, "overstride_pct_leg")
    assert describe(over, Targets())[-1].startswith("cue: Land under your hips")


def sprint_report(reaching: float = 5.0) -> tuple[str, list[StepMsg]]:
    """A report of a runner beyond the recorded paces landing 40% of the leg ahead, the shin
    ``reaching`` forward at landing (deg), and its steps."""
    sprint = 1.1 * PACE_JUDGED_RATIO * PACE_REF_LEGS_S
    steps = [
        messages.step(
            i,
            speed_legs_per_s=sprint,
            overstride_cm=None,
            overstride_pct_leg=40.0,
            shank_angle_ic_deg=reaching,
        )
        for i in range(12)
    ]
    return build_report(ReportInput("t", (), steps[0].ic_t, steps, Targets(), [], [], [])), steps


def test_beyond_the_recorded_paces_the_report_gives_the_overstride_no_verdict() -> None:
    """A runner faster than any recorded: the overstride is shown, with no target and no
    verdict, and the findings say it was not judged (not "every target met"); the other
    targets are judged as ever."""
    page, steps = sprint_report()
    row = row_of(page, "overstride_pct_leg")
    assert "<td class=target>none at this pace</td>" in row
    assert row.endswith('<td class="verdict "></td>')
    assert "<td class=median>40.0</td>" in row
    assert verdict(steps[0], "overstride_pct_leg", run_targets(steps, Targets())) is None
    assert "<td class=target>&gt;= 155 spm</td>" in row_of(page, "cadence_spm")
    not_judged = (
        "Not judged, no target at this pace, faster than any runner recorded: Overstride, Shank"
        " angle at contact."
    )
    assert f"<li class=good>{not_judged} Every other target was met.</li>" in page
    assert "Every target met" not in page
    assert "no target at this pace, faster than any runner recorded." in page  # the chart
    # The shin reaching 12 deg at that pace is shown, and not judged by the 7 deg of 2.5 m/s.
    reaching, _ = sprint_report(reaching=12.0)
    assert "<b>Shank angle at contact</b>: median 12.0" not in reaching
    assert "<td class=target>none at this pace</td>" in row_of(reaching, "shank_angle_ic_deg")
    assert f"<li class=good>{not_judged} Every other target was met.</li>" in reaching


def test_a_report_with_no_target_judged_does_not_say_the_others_were_met() -> None:
    """Every step's figures rated less sure (a user trial's session, the runner's feet hidden by
    the belt's side: ``feet_guessed_down``): the findings name them not judged and say none was,
    where they had read "Every other target was met."."""
    steps = [messages.step(i, gait="running", confidence=0.27) for i in range(12)]
    page = build_report(ReportInput("t", (), steps[0].ic_t, steps, Targets(), [], [], []))
    assert "Not judged, measured less surely on every step: " in page
    assert "No target was judged.</li>" in page
    assert "target was met" not in page and "Every target met" not in page


@pytest.mark.parametrize("overstride_cm", [15.0, None])
def test_a_figure_at_its_target_beside_figures_not_judged_says_no_other_met(
    overstride_cm: float | None,
) -> None:
    """The overstride at its target in % of the leg, every other figure less sure: the findings
    name it at its target and the others not judged, and say neither that every other target
    was met (the overstride met in cm, its other unit, had read so) nor that none was judged."""
    cycle = (-2.7, -1.2, 0.0, 1.3, 2.8)  # IQR 2.5, a standard error of 0.52 over 20 steps
    unsure = dict.fromkeys(
        ("cadence_spm", "contact_ms", "shank_angle_ic_deg", "hip_extension_deg"), 0.2
    )
    steps = [
        messages.step(
            i,
            gait="running",
            overstride_cm=overstride_cm,
            overstride_pct_leg=23.2 + cycle[i % 5],
            metric_confidence=unsure,
        )
        for i in range(20)
    ]
    page = build_report(ReportInput("t", (), steps[0].ic_t, steps, Targets(), [], [], []))
    assert "<li class=at><b>Overstride</b>: median 23.2 % leg" in page
    said = (
        "<li class=good>Not judged, measured less surely on every step: Cadence, Contact time, "
        "Shank angle at contact, Hip extension.</li>"
    )
    assert said in page
    assert "target was met" not in page and "No target was judged" not in page


def test_a_view_read_oblique_on_some_steps_says_which_the_verdicts_rest_on() -> None:
    """A camera near the 10 deg limit: the near leg's steps read past it are less sure, the
    others judged; the note does not claim that no verdict rests on the overstride, and counts
    the near leg's steps only (the far leg's are less sure whatever the view)."""
    far = {"overstride_pct_leg": 0.3, "stride_length_m": 0.3}
    landing = {"overstride_cm": None, "overstride_pct_leg": 30.0}
    steps = [
        messages.step(i, metric_confidence=far, yaw_deg=10.5, **landing)
        if i % 2
        else messages.step(i, yaw_deg=9.5, **landing)
        for i in range(12)
    ]
    steps += [messages.step(i, view="far", metric_confidence=far, **landing) for i in (12, 13)]
    page = page_of(steps)
    assert "less sure on 6 of the near leg's 12 steps, those measured while the view read" in page
    assert "only on the near leg's steps read nearer square" in page
    assert "<b>Overstride</b>: median 30.0" in page


def test_a_metric_in_two_units_is_named_once_in_the_notes() -> None:
    """The far leg's overstride is less sure in cm and in % of leg alike: the near-leg note
    names it once (it read "Overstride, Overstride, ...")."""
    marks = ("overstride_cm", "overstride_pct_leg", *FAR_ANGLES)
    steps = [
        messages.step(
            i,
            view="far" if i % 2 == 0 else "near",
            overstride_cm=18.0,
            overstride_pct_leg=21.0,
            metric_confidence=dict.fromkeys(marks, 0.3) if i % 2 == 0 else {},
        )
        for i in range(20)
    ]
    page = page_of(steps)
    note = re.search(r"<p class=note>([^<]*): near leg only\.", page)
    assert note is not None and note.group(1).count("Overstride") == 1, page


def test_steps_before_any_gait_was_told_are_neither_run_nor_judged() -> None:
    """A user trial's one-step walk, its gait never told, had a running table and "Every other
    target was met"; a walk's first four such steps, a running phase before the walk."""
    alone = [messages.untold_step(0)]
    page = build_report(ReportInput("t", (), alone[0].ic_t, alone, Targets(), [], [], []))
    assert "One step was measured before any gait was told (the hips" in page
    assert "target was met" not in page and "class=findings" not in page
    walk = [messages.untold_step(i) for i in range(4)]
    walk += [messages.later(messages.walked_step(i), 1.5) for i in range(16)]
    page = build_report(ReportInput("t", (), walk[0].ic_t, walk, Targets(), [], [], []))
    assert "gait not told, 4 steps" in page and "running, 4 steps" not in page
    assert "Every step told was walked" in page


def test_why_a_report_has_no_pictures() -> None:
    """No steps, or none run (a walk's first steps measured before any gait was told, then
    walked: a review's had read "every step here was walked"); a run has its pictures."""
    assert no_pictures([]) == "No pictures: no steps were found."
    walk = [messages.untold_step(i) for i in range(6)]
    walk += [messages.later(messages.walked_step(i), 3.0) for i in range(12)]
    assert no_pictures(walk) == NO_WALK_PICTURES and "no step here was run" in NO_WALK_PICTURES
    assert no_pictures([messages.step(i) for i in range(20)]) is None


def test_lone_steps_read_as_running_give_no_verdict() -> None:
    """A user trial's live session of warm-up drills: four lone steps read as running, 1-3 s
    apart, none timed from another, among four whose gait was not told; its report found their
    contact time on target and "Every other target was met". Analyze refused the same clip."""
    drills = [messages.untold_step(i) for i in range(4)]
    drills += [
        messages.step(i, ic_t=16.0 + 2.0 * i, step_ms=None, cadence_spm=None) for i in range(4)
    ]
    withheld = ReportInput("t", (), 0.0, drills, Targets(), [], [], []).run_withheld
    assert withheld is not None and "0 of them in a row" in withheld
    run = [messages.step(i) for i in range(8)]
    assert ReportInput("t", (), run[0].ic_t, run, Targets(), [], [], []).run_withheld is None


def test_a_walk_of_one_step_gives_no_walking_table() -> None:
    """A dark clip's report had a walking table of one step (cadence 276.3*)."""
    steps = [messages.walked_step(0), *(messages.step(i + 3) for i in range(12))]
    page = build_report(ReportInput("t", (), steps[0].ic_t, steps, Targets(), [], [], []))
    assert "One step was walked: too few for figures (4 at least).</p></section>" in page
    assert "the one walked step is under Walking" in page


def test_a_chart_draws_less_sure_steps_hollow_and_its_line_over_the_sure_ones() -> None:
    """The far leg's hip extension, less sure, drawn hollow and left out of the rolling median,
    as the summary leaves it out: a chart's line had sat in the target band while the cue, on
    the near leg's sure steps, said off target."""
    steps = far_left_steps(0.3)
    data = ReportInput("t", (), steps[0].ic_t, steps, Targets(), [], [], [])
    fig = Figure()
    ax = fig.subplots()
    plots._per_step(ax, data, "hip_extension_deg", plots._Clock(data), "to_t")
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert lines["left, less sure"].get_markerfacecolor() == "none"
    assert "left" not in lines and "right" in lines  # the far leg is the left one, all less sure
    median = np.asarray(lines[plots.ROLLING_LABEL].get_ydata(), dtype=float)
    assert np.nanmax(np.abs(median - 15.5)) < 1e-9  # the near leg's alone, not 15.5-26.1


def test_a_run_of_two_steps_among_walked_ones_gives_no_running_figures() -> None:
    """Twelve walked steps and two read as running: no running table judged "less sure" (a
    review's case); the walk has its figures."""
    steps = [messages.walked_step(i) for i in range(12)]
    steps += [messages.step(40 + i) for i in range(2)]
    page = build_report(ReportInput("t", (), steps[0].ic_t, steps, Targets(), [], [], []))
    assert "<p>2 steps were run: too few for figures (4 at least)" in page
    assert "class=summary" in page.split("id=walking")[1]  # the walking table
    assert "class=summary" not in page.split("id=walking")[0]
    assert "Over the 2 running steps only" not in page


def test_left_against_right_hatches_a_foot_measured_less_surely_on_every_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The far (left) leg's hip extension, less sure on every step: its box hatched and named
    less sure, beside the near leg's (a trial's report set 27 against 19 deg side by side)."""
    steps = far_left_steps(0.3)
    data = ReportInput("t", (), steps[0].ic_t, steps, Targets(), [], [], [])
    drawn: list[Figure] = []
    monkeypatch.setattr(plots, "_png", lambda fig: drawn.append(fig) or b"")
    plots.left_right(data, ["hip_extension_deg", "contact_ms"])
    hip, contact = drawn[0].axes
    assert [t.get_text() for t in hip.get_xticklabels()] == ["left\n(less sure)", "right"]
    assert [p.get_hatch() for p in hip.patches[:2]] == ["///", ""]
    assert [t.get_text() for t in contact.get_xticklabels()] == ["left", "right"]


def test_steps_read_as_running_under_running_cadence_are_left_out_of_the_figures() -> None:
    """A user trial's live session, frames dropped, read the walk after its run as running
    (104 steps a minute): its report found the cadence, overstride and hip extension off
    target where analyze of the clip met every one. The run's figures rest on its own steps."""
    run = [messages.step(i) for i in range(20)]
    walk = [
        messages.later(messages.step(i, cadence_spm=104.0, overstride_cm=40.0), 7.0)
        for i in range(10)
    ]
    data = ReportInput("t", (), run[0].ic_t, [*run, *walk], Targets(), [], [], [])
    assert data.running == run and data.left_out == 10 and data.run_withheld is None
    page = build_report(data)
    assert "Over the 20 running steps only; 10 steps read as running came under running&#x27;s" in (
        page
    )
    rows = {r.metric.name: r for r in summary_rows(data.running, data.targets)}
    assert rows["cadence_spm"].median == pytest.approx(171.4, abs=0.1)
    # Fewer than four left: no figures, and why.
    few = ReportInput("t", (), run[0].ic_t, [*run[:3], *walk], Targets(), [], [], [])
    assert (few.run_withheld or "").startswith("13 steps were read as running, 10 of them under")


def test_a_run_of_two_steps_among_walked_ones_has_no_running_charts() -> None:
    """Drawn as the report draws them, from its running steps (the charts had been left out
    only where the test asked, from all the steps)."""
    steps = [messages.walked_step(i) for i in range(12)]
    steps += [messages.step(40 + i) for i in range(2)]
    page = build_report(ReportInput("t", (), steps[0].ic_t, steps, Targets(), [], [], []))
    assert '<figure class=chart id="' not in page
    walked = [messages.walked_step(i) for i in range(2)] + [messages.step(40 + i) for i in range(2)]
    page = build_report(ReportInput("t", (), walked[0].ic_t, walked, Targets(), [], [], []))
    assert "so there is nothing to judge.</p>" in page  # no walking figures to point to


def test_the_cue_timeline_says_why_each_cue_came_and_why_one_held_to_the_end() -> None:
    """A user trial's runner was cued "Quicker, lighter steps" to the end of the run, the cue
    holding until the cadence was back inside its target by a margin, while the findings of
    the whole run read the target met: the report says why each cue came, and why the last
    was still shown at the end."""
    cadence = {"cue": "Quicker, lighter steps", "cue_key": "cadence"}
    summaries = [
        messages.summary(t=101.0, cue=None, cue_key=None, cue_reason=None),
        messages.summary(t=112.0, **cadence, cue_reason="cadence 154 spm (target >= 155)"),
        messages.summary(t=115.0, **cadence, cue_reason="cadence 154 spm (target >= 155)"),
        messages.summary(
            t=130.0,
            **cadence,
            cue_reason="cadence 156 spm (target >= 155); the cue holds until 157 spm or more",
        ),
    ]
    cues = cues_from_summaries(summaries)
    assert [(c.t, c.key) for c in cues] == [(101.0, None), (112.0, "cadence")]
    steps = [messages.step(i) for i in range(12)]
    data = ReportInput("t", (), 100.0, steps, Targets(), cues, [], [])
    [timeline] = [plan for plan in _plans(data) if plan.id == "cue-timeline"]
    assert timeline.caption.endswith(
        "From 1 s: no cue yet. From 12 s: Quicker, lighter steps, for cadence 154 spm "
        "(target >= 155). Still shown at the end, for cadence 156 spm (target >= 155); the cue "
        "holds until 157 spm or more."
    )


def test_the_cue_timeline_says_a_walk_ended_the_cue() -> None:
    """A console trial's report read "From 18 s: no cue yet" where the runner had slowed to a
    walk."""
    summaries = [
        messages.summary(t=101.0),
        messages.summary(t=118.0, cue=None, cue_key=None, cue_reason=None, gait="walking"),
        messages.summary(t=119.0, cue=None, cue_key=None, cue_reason=None, gait="walking"),
    ]
    cues = cues_from_summaries(summaries)
    assert [(c.t, c.walking) for c in cues] == [(101.0, False), (118.0, True)]
    data = ReportInput(
        "t", (), 100.0, [messages.step(i) for i in range(12)], Targets(), cues, [], []
    )
    [timeline] = [plan for plan in _plans(data) if plan.id == "cue-timeline"]
    assert timeline.caption.endswith("From 18 s: no cue while walking (the cues are for running).")


def test_a_picture_draws_the_landing_foot_only_when_both_are_seen() -> None:
    # A runner facing left: the left ankle ahead of the hips, the right one trailing.
    kp = np.zeros((17, 3))
    for name, x, y in [
        ("left_hip", 433, 556), ("right_hip", 383, 556), ("left_knee", 355, 763),
        ("right_knee", 444, 757), ("left_ankle", 327, 909), ("right_ankle", 582, 789),
    ]:  # fmt: skip
        kp[KP[name]] = (x, y, 0.6)
    assert draw.leg(kp, "ic", -1.0, "left") == "left"
    assert draw.leg(kp, "to", -1.0, "left") == "right"  # the knee furthest behind
    kp[KP["left_ankle"], 2] = 0.27  # unsure: the one ankle seen is the trailing one
    assert draw.leg(kp, "ic", -1.0, "left") is None
