"""The gait engine over a recorded keypoint track, frame by frame as the live station runs it.

Used by ``hipdrive replay`` and ``hipdrive analyze``. The plane comes from a calibration
(metres), or a given scale and facing, or nothing (pixels, distances as % of leg length); the
facing, when not given, is read off the track itself.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

import numpy as np

from edge.bus.schema import MetricName, StepMsg, gait_of
from edge.capture.belt_lines import Backdrop, treadmill_rows
from edge.errors import UsageError
from edge.gait import (
    GaitEngine,
    GaitParams,
    PlaneMapping,
    Step,
    SummaryBuilder,
    Targets,
    detect_facing,
)
from edge.gait.fit import (
    MIN_JUDGED_STEPS,
    contacts_jump,
    few_left,
    left_out,
    left_out_of_run,
    measured_run,
    misread_run,
    step_count,
    timebase_problem,
    too_few_steps,
)
from edge.gait.metrics import (
    LIKE_STEPS,
    OBLIQUE_METRICS,
    SCALED_METRICS,
    THIGH_AT_TOE_OFF,
    feet_guessed_down,
    foreshortened,
    rated_down,
    scale_doubted_rated,
    unlike_the_runner,
)
from edge.gait.mode import RUNNING, WALKING
from edge.gait.phases import describe_phases, phases
from edge.gait.rhythm import across_the_picture, legs_off_pace, legs_stepping
from edge.gait.sagittal import FACING_FLAG_FIX, camera_sight, facing_problem
from edge.gait.summary import (
    AT_TARGET,
    FEET_MIXED,
    confident,
    doubted,
    oblique_yaw,
    running_steps,
    scale_doubted,
    summarise,
    view_marked_metric,
    view_note,
)
from edge.pace import pace_changed
from edge.pose.crop import feet_guessed
from edge.row import same_foot_twice
from edge.skeleton import LEFT_HIP, RIGHT_HIP
from edge.store.sessions import export_steps, read_steps

if TYPE_CHECKING:
    from collections.abc import Mapping

    from calibrate.model import Calibration

log = logging.getLogger(__name__)


def camera_turn(
    backdrop: Backdrop | None,
    keypoints: np.ndarray,
    facing: str,
    picture: tuple[int, int] | None,
    calibration: Calibration | None = None,
) -> float | None:
    """How far an uncalibrated camera is turned off square to the belt, degrees toward the
    runner's front, read off the treadmill's lines in ``backdrop`` (``Backdrop.turn``) in the
    band where the runner's track (T, 17, 3) pixels puts the treadmill, its axis the lens's
    where calibrated, else the picture's centre (``camera_sight``); None where the lines do not
    tell, or a calibrated plane makes it no matter."""
    if backdrop is None or (calibration is not None and calibration.plane is not None):
        return None
    rows = treadmill_rows(keypoints)
    if rows is None:
        return None
    intrinsics = calibration.intrinsics if calibration is not None else None
    if intrinsics is not None:
        K = intrinsics.K
        return backdrop.turn((K[0, 2], K[1, 2], K[0, 0]), facing, rows, (K, intrinsics.dist))
    sight = camera_sight(picture)
    if sight is None or picture is None:
        return None
    return backdrop.turn((sight[0], 0.5 * picture[0], sight[1]), facing, rows)


def plane_mapping(
    keypoints: np.ndarray,
    calibration: Calibration | None = None,
    meters_per_pixel: float | None = None,
    facing: str | None = None,
    lag: int = 1,
    picture: tuple[int, int] | None = None,
    turn_deg: float | None = None,
) -> PlaneMapping:
    """How the track's pixels map to the runner's plane, from what is known about the camera.

    keypoints: (T, 17, 3) pixels, already undistorted when a calibration is given. ``lag``: the
    frames over which the feet's motion tells the facing (``facing_lag``). ``picture``: the
    video's size (height, width), where known, which places an uncalibrated camera's axis
    (``PlaneMapping.sight_deg``). ``turn_deg``: that camera's turn off square, where the
    treadmill's lines read it (``PlaneMapping.turn_deg``). A facing given, or the calibration's,
    that the track clearly contradicts is refused (UsageError).
    """
    if calibration is not None and calibration.plane is not None:
        _check_facing(
            keypoints,
            calibration.plane.facing,
            lag,
            "the calibration",
            "if the video is not from that camera, give --meters-per-pixel M --facing {seen}"
            " instead of the calibration; if it is, the camera or the treadmill has moved:"
            " calibrate the plane again (hipdrive calibrate plane --facing {seen})",
        )
        return PlaneMapping.calibrated(calibration)
    if facing is not None:
        _check_facing(
            keypoints,
            facing,
            lag,
            "--facing",
            FACING_FLAG_FIX,
        )
    facing = facing or detect_facing(keypoints, lag=lag)
    if facing is None:
        raise UsageError(
            "cannot tell which way the runner faces from this track; give --facing left|right"
        )
    log.info(
        "runner faces %s in the image%s", facing, "" if meters_per_pixel else " (uncalibrated)"
    )
    return PlaneMapping.scaled(
        facing, meters_per_pixel, camera_sight(picture, calibration), turn_deg
    )


def _check_facing(keypoints: np.ndarray, given: str, lag: int, said_by: str, fix: str) -> None:
    """UsageError when the track shows the runner facing the other way than ``given``: every
    step would be measured backwards (overstride behind the hips, running read as walking)."""
    problem = facing_problem(keypoints, given, said_by, fix, lag)
    if problem is not None:
        raise UsageError(problem)


def undistort_track(keypoints: np.ndarray, calibration: Calibration) -> np.ndarray:
    """(T, 17, 3) keypoints with x, y moved to undistorted pixels (confidence kept)."""
    out = keypoints.astype(np.float64, copy=True)
    flat = calibration.undistort(out[..., :2].reshape(-1, 2))
    out[..., :2] = flat.reshape((*out.shape[:-1], 2))
    return out


def replay_track(
    t: np.ndarray,
    keypoints: np.ndarray,
    mapping: PlaneMapping,
    station: str,
    belt_speed_mps: float | None = None,
    params: GaitParams | None = None,
    feet_out_t: Sequence[float] = (),
) -> list[StepMsg]:
    """Steps of a track, each stamped with the time of the frame that completed it. Rows that
    came too few a second time none (the engine hands none out: ``timed_roughly``), as live. A
    step whose feet were mostly out of the picture, or unseen, is rated less sure as the live
    station rates it (``feet_guessed``; ``feet_out_t``: the times of the frames with the feet
    so, where the picture's size is known: a track holds none), so that a session's track
    replayed is judged as the session was.

    t: (T,) seconds. keypoints: (T, 17, 3) pixels (undistorted if calibrated) and confidence.
    """
    engine = GaitEngine(mapping, belt_speed_mps, params)
    times = t.tolist()

    def message(step: Step, at: float) -> StepMsg:
        step = rated_by_frames(step, times, feet_out_t)
        return StepMsg(station=station, t=at, **asdict(step))

    out = [
        message(step, float(t[i]))
        for i in range(len(t))
        for step in engine.push(float(t[i]), keypoints[i])
    ]
    end = float(t[-1]) if len(t) else 0.0
    out += [message(step, end) for step in engine.finish()]
    return rated_in_hindsight(out)


def rated_by_frames(step: Step, times: Sequence[float], feet_out_t: Sequence[float]) -> Step:
    """``step`` rated as the frames it was timed from allow, live or replayed alike: the whole
    step less sure where its feet were mostly out of the picture or unseen in the frames
    measured (``times``, s, increasing; ``feet_guessed``; ``feet_out_t``: those frames'
    times). Frames that came too few a second time no step (``edge.gait.engine``)."""
    if feet_guessed(times, feet_out_t, step.ic_t, step.to_t):
        step = feet_guessed_down(step)
    return step


def recorded_steps(path: Path, session_id: int) -> list[StepMsg]:
    """A recorded session's steps rated in hindsight (``rated_in_hindsight``), as its report,
    its export and its drill table show them alike (UsageError: no such session)."""
    return rated_in_hindsight(read_steps(path, session_id))


def rated_in_hindsight(steps: list[StepMsg]) -> list[StepMsg]:
    """A whole recording's steps as the camera's view and the runner's own steps, known in
    hindsight, rate them. In an oblique uncalibrated view (``oblique_yaw``) the steps measured
    before the engine's yaw estimate came (the first three or four, which read as square) are
    marked less sure on what the yaw foreshortens, as the later ones are (``foreshortened``, as
    the engine rates those: what it marked on them, the stride not where the belt's speed was
    given), so their pictures and the annotated video carry no verdict from
    them; live, the summary leaves them out (``judged``) and its first cue waits for the view
    (``SummaryBuilder._view_known``). A step whose hip extension, still sure, is unlike the
    same foot's nearest steps before and after it (``unlike_the_runner``; live, only its last
    steps are known, so a session's first steps are not held to any) gets its stance thigh at
    toe-off marked less sure (``rated_down``). Where the scale was doubted on most running
    steps (``scale_doubted``: the leg no adult's, or a calibrated plane the feet do not stand
    on), the first steps, before the engine could tell, are marked as the later ones (a user
    trial's moved camera: its bounce in cm, shown sure, rested on the first four). Once per
    recording: a second pass would mark the first steps again."""
    oblique = oblique_yaw(steps) is not None
    shrunk = [m for m in OBLIQUE_METRICS if view_marked_metric(steps, m)]
    doubted = scale_doubted(steps)
    scaled = [m for m in SCALED_METRICS if any(m in s.metric_confidence for s in steps)]
    thighs: dict[str, list[float]] = {}
    place: dict[int, int] = {}  # a step's place among its foot's steps with a hip extension
    for i, step in enumerate(steps):
        if step.hip_extension_deg is not None:
            mine = thighs.setdefault(step.foot, [])
            place[i] = len(mine)
            mine.append(step.hip_extension_deg)
    out = []
    for i, step in enumerate(steps):
        sure = cast("Mapping[str, float]", step.metric_confidence)
        rated = dict(sure)
        if oblique and step.yaw_deg is None:
            rated = foreshortened(rated, step.confidence, shrunk)
        if doubted and "vertical_osc_cm" not in sure:
            rated = scale_doubted_rated(rated, step.confidence, scaled)
        value = step.hip_extension_deg
        if value is not None and confident(step, "hip_extension_deg"):
            # The foot's LIKE_STEPS nearest steps, as many before as after where there are.
            mine, k = thighs[step.foot], place[i]
            lo = max(0, min(k - LIKE_STEPS // 2, len(mine) - LIKE_STEPS - 1))
            near = mine[lo : lo + LIKE_STEPS + 1]
            if unlike_the_runner(value, near[: k - lo] + near[k - lo + 1 :]):
                rated = rated_down(rated, step.confidence, THIGH_AT_TOE_OFF)
        if rated != sure:
            step = dataclasses.replace(
                step,
                metric_confidence={cast("MetricName", k): round(v, 3) for k, v in rated.items()},
            )
        out.append(step)
    return out


def write_step_files(steps: list[StepMsg], events: Path | None, table: Path | None) -> None:
    """Step events as JSON Lines and/or the steps as a CSV table; UsageError when a path
    cannot be written (a folder, or under a file)."""
    formats: tuple[tuple[Path | None, Literal["jsonl", "csv"]], ...] = (
        (events, "jsonl"),
        (table, "csv"),
    )
    for path, fmt in formats:
        if path is None:
            continue
        with _writing(path), path.open("w", encoding="utf-8", newline="") as out:
            export_steps(steps, fmt, out)


def check_writable(path: Path) -> None:
    """UsageError now, in ``write_step_files``'s words, when ``path`` cannot be written (under
    a file, in a folder not writable), so that no long work is lost to it (a review: replay
    told so only once it had replayed); a file or folder not there before is not left behind."""
    made = [p for p in path.parents if not p.exists()]
    try:
        with _writing(path):
            existed = path.exists()
            with path.open("a", encoding="utf-8"):
                pass
            if not existed:
                path.unlink()
    finally:
        for folder in made:
            if folder.is_dir():
                folder.rmdir()


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Makes ``path``'s folder; a path that cannot be written raises UsageError saying why."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield
    except FileExistsError as exc:  # mkdir with exist_ok: a parent that is a file
        raise UsageError(
            f"cannot write {path}: {exc.filename} is a file, not a folder; give another path"
        ) from None
    except OSError as exc:
        raise UsageError(
            f"cannot write {path} ({exc.strerror or exc}): give a file path in a folder you can "
            "write"
        ) from None


def step_of(msg: StepMsg) -> Step:
    """The gait engine's step a step message carries."""
    return Step(**{f.name: getattr(msg, f.name) for f in dataclasses.fields(Step)})


#: the share of a run's steps that must be found for its figures to go without a note
#: (``missed_steps``), and how many must be missing
FOUND_SHARE = 0.8
MISSED_STEPS = 3


def missed_steps(steps: list[StepMsg], too_few: str | None = None) -> str | None:
    """What to say when the running phases (``phases``) hold far fewer steps than their span
    holds at the runner's cadence (``FOUND_SHARE``, ``MISSED_STEPS``), or None: a user trial's
    clip darkened tenfold gave 17 of its 31 steps, with no word of it. ``too_few``: what came
    too few a second for part of the run, as told before (``slow_notice``: "frames", "rows"),
    the likelier cause then (a review's clip filmed 20 frames a second for 3 s had its missed
    steps blamed on the picture)."""
    expected = found = 0.0
    for phase in phases(steps):
        if phase.kind != RUNNING:
            continue
        mine = [
            s for s in steps if phase.start_t <= s.ic_t <= phase.end_t and gait_of(s) == RUNNING
        ]
        cadences = [s.cadence_spm for s in mine if s.cadence_spm]
        if len(mine) < 2 or not cadences:
            continue
        span = mine[-1].ic_t - mine[0].ic_t
        expected += span * float(np.median(cadences)) / 60.0 + 1.0
        found += len(mine)
    if expected - found < MISSED_STEPS or found >= FOUND_SHARE * expected:
        return None
    cause = (
        "a dark or blurred picture, the feet hidden or out of it"
        if too_few is None
        else f"too few {too_few} a second, as told"
    )
    return (
        f"about {expected - found:.0f} of the {expected:.0f} steps run at this cadence were not "
        f"found ({cause}): the figures rest on the {found:.0f} found"
    )


def seen_seconds(t: np.ndarray, keypoints: np.ndarray) -> float:
    """How long a track shows its runner, s: the frames with both hips found, at the track's
    median frame interval. ``t``: (T,) s; ``keypoints``: (T, 17, 3), NaN where not found."""
    if len(t) < 2:
        return 0.0
    found = np.isfinite(keypoints[:, [LEFT_HIP, RIGHT_HIP], :2]).all(axis=(1, 2))
    return float(found.sum() / track_fps(t))


def track_fps(t: np.ndarray) -> float:
    """The rate a track's rows are timed at, frames a second: over their median interval.
    ``t``: (T,) s, increasing, two rows at least."""
    return 1.0 / float(np.median(np.diff(t)))


def no_findings(
    steps: list[StepMsg],
    t: np.ndarray,
    keypoints: np.ndarray,
    fps: float,
    origin: str | None = None,
    track: bool = False,
    feet_seen: bool = True,
    slowed: str | None = None,
) -> str | None:
    """Why the steps of a video or track (``hipdrive analyze``, ``replay``) give no findings, or
    None: legs that step slower than any walk or faster than any run (``legs_off_pace``),
    contacts that change at once (``contacts_jump``: before the time base, which a clip slowed
    in part reads as the median of its two), a time base that is not running's or walking's
    (``timebase_problem``, whatever stated it: a flag can be wrong too), a run past the camera
    (``across_the_picture``), a part slowed (``slowed``: what ``slowed_part`` says of the
    track), or too few steps (``too_few_steps``; no step at all from feet mostly unseen,
    ``feet_seen`` False, is analyze's to say). A slowed part comes before too few steps: the
    steps about it are few, and one timed across the change of speed is timed from none, so they
    stand alone where the legs tell what the part is (a sweep's phone slow motion, four steps
    about 8 s slowed x4, two of them in a row, was told the person was lost or not side on, its
    hint to measure the part gone). ``t``, ``keypoints``: the track; the rest as
    ``timebase_problem``."""
    seen_s = seen_seconds(t, keypoints)
    return (
        legs_off_pace(t, keypoints, steps, fps, origin, track)
        or contacts_jump(steps)
        or timebase_problem(steps, fps, origin, track, seen_s, legs_stepping(t, keypoints))
        or across_the_picture(t, keypoints, steps)
        or slowed
        or (too_few_steps(steps, seen_s) if steps or feet_seen else None)
    )


def describe(
    steps: list[StepMsg],
    targets: Targets,
    slowmo: str = "give --capture-fps or --slowmo",
    t0: float = 0.0,
    too_few: str | None = None,
    untimed: Sequence[tuple[float, float]] = (),
) -> list[str]:
    """A few lines for a person: how many steps, the phases of walking and running (times from
    ``t0``), the medians that matter over each gait's steps apart, and the cue (from running
    steps only). ``slowmo``: what to do for slow motion, said when no steps are found;
    ``too_few``: as for ``missed_steps``; ``untimed``: the stretches of too few frames a second
    (start, end), which the phases tell from a stand (a review's track slowed for 4 s read
    "standing or off the belt" there)."""
    if not steps:
        return [
            "no steps found: is a runner in view, side on, the whole time? For slow motion "
            + slowmo
        ]
    feet = Counter(s.foot for s in steps)
    lines = [f"{step_count(len(steps))} ({feet['left']} left, {feet['right']} right)"]
    if missed := missed_steps(steps, too_few):
        lines.append(f"note: {missed}")
    found = phases(steps, untimed=untimed)
    walked = [s for s in steps if gait_of(s) == WALKING]
    if walked or len(found) > 1:
        lines.append(f"phases: {describe_phases(found, t0)}")
    if not walked and not running_steps(steps):
        lines.append(
            "no gait told on any step (the hips' rise or sink over the stance foot not seen, or"
            " too small to tell): no figures"
        )
        return lines
    ran = measured_run(steps)
    misread = misread_run(steps)
    slow = left_out(steps)
    read = len(ran) + slow
    few = slow > 0 and len(ran) < MIN_JUDGED_STEPS
    if slow and misread is None and not few:
        lines.append(f"note: {left_out_of_run(slow)}")
    for gait, mine in ((RUNNING, ran), (WALKING, walked)):
        if gait == RUNNING and misread is not None:
            lines.append(f"running, {step_count(read)}: {misread}; no figures")
            continue
        if gait == RUNNING and few:
            lines.append(f"running, {step_count(read)}: {few_left(read, slow)}")
            continue
        if mine and walked and len(mine) < MIN_JUDGED_STEPS:
            # A few steps of a gait beside the other give no figures of it (a dark clip's one
            # walked step read a cadence of 276 spm; a user trial's walk began with three
            # steps read as running, their overstride 38% of the leg).
            lines.append(f"{gait}, {step_count(len(mine))}: too few for figures")
            continue
        if mine and walked:
            lines.append(f"{gait}, {step_count(len(mine))}:")
        lines += _medians(mine, targets.asymmetry_max_pct)
        if same_foot_twice(mine):
            lines.append(f"note: {FEET_MIXED}")
        if gait == RUNNING and (changed := pace_changed([s.speed_legs_per_s for s in mine])):
            lines.append(f"note: {changed}")
        # What the view did to the running figures, where there are some.
        if gait == RUNNING and mine:
            note = view_note(steps, mine, "what it foreshortens (distances and angles)")
            lines += [f"note: {note}"] if note else []
    if misread is not None:
        lines.append("no cue: the steps read as running are the walk's (above)")
    elif few:
        lines.append("no cue: too few running steps left to judge the runner by")
    elif ran:
        # The cue the run as a whole gives (``SummaryBuilder.whole``).
        summary = SummaryBuilder(targets).whole([step_of(s) for s in ran])
        # What is at its target, neither met nor missed, which a cue of another figure does
        # not say (a tester's treadmill run: its overstride, 24.3% of the leg against 24.1).
        lines += [
            f"note: {figure}: at the target, {AT_TARGET}, neither met nor missed"
            for figure in summary.at_target
        ]
        if summary.cue:
            lines.append(f"cue: {summary.cue} ({summary.cue_reason})")
        elif len(ran) < MIN_JUDGED_STEPS and len(walked) > len(ran):
            # A user trial's walk, two of its steps read as running, was told to film a run.
            lines.append(
                "no cue while walking (the cues are for running, and too few steps were run to "
                "judge a runner by)"
            )
        else:
            lines.append("no cue: too few running steps to judge the runner by; film a longer run")
    return lines


def _medians(steps: list[StepMsg], limit: float) -> list[str]:
    """A line per metric with a value: its median over the steps (all of one gait), the feet's
    difference and, past ``limit`` (the asymmetry target), why it is no finding (``doubted``)."""
    lines = []
    for name, label, unit in _SHOWN:
        metric = summarise(steps, name)
        if metric.median is not None:
            side = ""
            if metric.asymmetry_pct is not None:
                side = f", left-right {metric.asymmetry_pct:+.0f}%"
                if why := doubted(name, metric.asymmetry_pct, metric.feet_differ, limit):
                    side += f" ({why})"
            elif metric.near_leg_only:
                side = ", near leg only"
            sure = "" if metric.confident else " (less sure)"
            lines.append(f"  {label:24s} {metric.median:7.1f} {unit}{side}{sure}")
    return lines


_SHOWN = (
    ("cadence_spm", "cadence", "spm"),
    ("step_ms", "step time", "ms"),
    ("contact_ms", "contact", "ms"),
    ("flight_ms", "flight", "ms"),
    ("overstride_cm", "overstride", "cm"),
    ("overstride_pct_leg", "overstride", "% leg"),
    ("shank_angle_ic_deg", "shank angle at contact", "deg"),
    ("braking_ms", "braking", "ms"),
    ("hip_extension_deg", "hip extension", "deg"),
    ("knee_lift_deg", "knee lift", "deg"),
    ("scissor_deg", "scissor at toe-off", "deg"),
    ("vertical_osc_cm", "vertical oscillation", "cm"),
    ("vertical_osc_pct_leg", "vertical oscillation", "% leg"),
    ("stride_length_m", "stride length", "m"),
    ("speed_legs_per_s", "pace", "leg lengths/s"),
)
