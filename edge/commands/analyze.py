"""A video or a keypoint track after the fact: ``hipdrive analyze``, ``hipdrive replay``."""

from __future__ import annotations

import argparse
import math
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from edge.commands import common
from edge.config import Config
from edge.errors import UsageError

if TYPE_CHECKING:
    import numpy as np

    from calibrate.model import Calibration
    from edge.bus.schema import StepMsg
    from edge.options import Plane

NO_FINDINGS = 2
"""The exit code of ``analyze`` and ``replay`` when the steps give no findings (none, too few, a
slow-motion time base, a run past the camera): the step count's line says why and what to give
or film, as for any usage error; what could be written is written all the same."""


def cmd_analyze(args: argparse.Namespace) -> int:
    from edge.capture import parse_source_spec
    from edge.gait.fit import step_count
    from edge.gait.rhythm import across_the_picture, not_side_on, slowed_part
    from edge.gait.sagittal import facing_contradicted, facing_lag
    from edge.offline.analyze import (
        analyze_video,
        output_folder,
        probe_video,
        runner_facing,
        video_outputs,
    )
    from edge.offline.replay import (
        camera_turn,
        describe,
        no_findings,
        write_step_files,
    )
    from edge.options import file_timing, plane_of, with_belt_speed
    from edge.pose import RunnerSelector
    from edge.pose.crop import FEET_MOSTLY_UNSEEN, FEET_NOT_SEEN, RunnerFinder
    from edge.store.track import read_keypoint_track

    config = with_belt_speed(common.config_of(args), args)
    timing = file_timing(args)
    parse_source_spec(f"file:{args.video}")
    info, _ = probe_video(args.video, timing)
    plane = plane_of(args, (info.width, info.height), config.calibration.file)
    out_dir = args.out or Path(f"{args.video.stem}-analysis")
    output_folder(out_dir)
    estimator = common.open_pose(config)
    calibration = plane.calibration
    roi = calibration.plane.roi if calibration and calibration.plane else config.pose.roi
    finder = RunnerFinder(
        estimator,
        RunnerSelector(roi=roi),
        crop=config.pose.crop,
        refiner=common.open_refiner(config),
    )
    result = analyze_video(args.video, out_dir, finder, timing)
    print(
        f"{result.frames} frames at {result.timebase.describe()}, runner in "
        f"{result.runner_frames}; wrote {result.keypoints_csv}"
    )
    for note in (
        result.repeats_notice(),
        result.held_notice(),
        result.slow_notice(),
        result.feet_notice(),
    ):
        if note:
            print(f"note: {note}")
    t, rows, keypoints = read_keypoint_track(result.keypoints_csv)
    timebase = result.timebase
    # Runs as printed, paths quoted; its events go beside the analysis', not over them.
    replay = (
        f"hipdrive replay --keypoints {shlex.quote(str(result.keypoints_csv))} --events-out "
        f"{shlex.quote(str(out_dir / 'replayed.jsonl'))}"
    )
    if result.picture is not None:
        # Its steps rated by the feet in the picture, as here: a user trial's replay had cued
        # "Quicker, lighter steps" from feet hidden in 70% of the frames, where analyze gave none.
        replay += f" --picture {result.picture[1]}x{result.picture[0]}"
    try:
        # A camera that moved adds its own speed to the feet's, which contacts are found from
        # (a user trial's field run followed by hand was cued as a treadmill run); the legs
        # alone, a picture on its side or a runner filmed from the front has no facing to find.
        # None has steps to measure.
        moved = result.camera_notice()
        # A person crossing a still picture moves its bands too (a sweep's walker, 4.4 leg
        # lengths across it): said as the crossing it is.
        notice = (moved and (across_the_picture(t, keypoints, []) or moved)) or not_side_on(
            keypoints
        )
        steps: list[StepMsg] = []
        doubt = facing = None
        if notice is None:
            facing = plane.facing or runner_facing(args.video, result, keypoints, t)
            # The turn is toward the runner's front: read for the facing the feet show where
            # they contradict the one given (refused below, the replay kept to be run with it
            # put right; a tester's was given the turn's sign wrong).
            shown = facing_contradicted(keypoints, facing, lag=facing_lag(t)) or facing
            turn = camera_turn(result.backdrop, keypoints, shown, result.picture, calibration)
            if turn is not None:
                replay += f" --camera-turn {turn:g}"
            steps = replay_steps(
                config,
                t,
                keypoints,
                calibration,
                plane.meters_per_pixel,
                facing,
                result.picture,
                turn,
            )
            feet_seen = result.feet_share < FEET_MOSTLY_UNSEEN
            # The track's times are the video's as it plays unless a slow motion is given.
            notice = no_findings(
                steps,
                t,
                keypoints,
                timebase.capture_fps,
                timebase.origin,
                feet_seen=feet_seen,
                slowed=slowed_part(
                    t, keypoints, steps, timebase.playback_fps, timebase.slowmo == 1
                ),
            )
            doubt = None if notice else refuse_what_does_not_fit(config, args, steps, plane)
    except UsageError as exc:
        raise UsageError(
            f"{exc}. The track is kept: {replay}, with the flags put right, gives the steps "
            "without running the pose model again"
        ) from None
    write_step_files(steps, out_dir / "events.jsonl", out_dir / "steps.csv")
    targets = common.targets_of(config)
    if notice:
        print(f"{step_count(len(steps))}: {notice}")
        if "--capture-fps" in notice or "--fps N" in notice:
            # A user trial redid the whole pose pass for each slow-motion factor it tried.
            rate = "the rate it was filmed at"
            if "--capture-fps" in notice:
                rate += f", {timebase.playback_fps:.4g} times the factor"
            print(
                f"the track is kept: {replay} --fps N (N: {rate}) gives the steps without "
                "running the pose model again"
            )
    elif not steps and result.feet_share >= FEET_MOSTLY_UNSEEN:
        print(FEET_NOT_SEEN)
    else:
        print("\n".join(describe(steps, targets, too_few=result.too_few(), untimed=result.untimed)))
    if doubt:
        print(f"note: {doubt}")
    print(f"wrote {out_dir / 'events.jsonl'} and {out_dir / 'steps.csv'}")
    outputs = video_outputs(
        args.video,
        out_dir,
        result,
        t,
        rows,
        keypoints,
        steps,
        targets,
        facing,
        _scale_fact(config, args, plane),
        # The report, which a coach keeps, doubts it as the terminal does.
        _belt_fact(config, args, plane) + (f"; {doubt}" if doubt else ""),
        timing,
        notice,
    )
    print(f"wrote {outputs.annotated} ({outputs.annotated_frames} frames) and {outputs.report}")
    return NO_FINDINGS if notice or not steps else 0


def _scale_fact(config: Config, args: argparse.Namespace, plane: Plane) -> str:
    """What gave an analysis its distances, for the report's facts (a scale given had been
    called "none: distances in % of leg length" beside figures in cm)."""
    from edge.gait.fit import scale_fact
    from edge.options import scale_of

    scale = scale_of(config, args, plane)
    return scale_fact(None if scale is None else scale[0])


def _belt_fact(config: Config, args: argparse.Namespace, plane: Plane) -> str:
    """The belt speed an analysis used, and what gave it, for the report's facts."""
    from edge.gait.fit import belt_fact
    from edge.options import belt_given, scale_of

    scaled = scale_of(config, args, plane) is not None
    return belt_fact(config.gait.belt_speed_mps, scaled, belt_given(args))


def replay_steps(
    config: Config,
    t: np.ndarray,
    keypoints: np.ndarray,
    calibration: Calibration | None,
    meters_per_pixel: float | None,
    facing: str | None,
    picture: tuple[int, int] | None = None,
    turn_deg: float | None = None,
) -> list[StepMsg]:
    """The steps of a track as analyze measures them; ``picture``: the video's size (height,
    width), where known, to tell the frames whose runner's feet were out of it (``feet_out``);
    ``turn_deg``: the camera's turn off square as the treadmill's lines read it
    (``camera_turn``), where they did."""
    from edge.gait import GaitParams
    from edge.gait.sagittal import facing_lag
    from edge.offline.replay import plane_mapping, replay_track, undistort_track
    from edge.pose.crop import feet_out

    out_t = [] if picture is None else t[feet_out(keypoints, picture)].tolist()
    if calibration is not None and calibration.intrinsics is not None:
        # As the station does: a lens calibrated without a plane yet places the camera's axis
        # (``camera_sight``), which undistorted pixels go with (a review: 3.3 deg of the line of
        # sight between the two on one footage).
        keypoints = undistort_track(keypoints, calibration)
    mapping = plane_mapping(
        keypoints, calibration, meters_per_pixel, facing, facing_lag(t), picture, turn_deg
    )
    # The track is taken to come from this configuration's pose set-up: without the refiner
    # the knees are the pose model's, and toe-off needs the ankle's sign too.
    params = GaitParams(ankle_toe_off=not config.pose.refine)
    return replay_track(
        t, keypoints, mapping, config.station.id, config.gait.belt_speed_mps, params, out_t
    )


def refuse_what_does_not_fit(
    config: Config, args: argparse.Namespace, steps: list[StepMsg], plane: Plane
) -> str | None:
    """UsageError when the scale given (a calibration, --meters-per-pixel) or the belt speed
    does not fit the runner's steps (``distance_problem``: the running ones, or a walk's where
    none was run), naming where it was given; else what to say of a scale that makes the leg no
    adult's (``scale_doubt``), or, without a scale, of a belt speed that does
    (``belt_speed_doubt``), or None. Called once the steps' time base is known."""
    from edge.gait.fit import belt_speed_doubt, distance_problem, scale_doubt
    from edge.options import belt_given, scale_of

    scale = scale_of(config, args, plane)
    belt, given = config.gait.belt_speed_mps, belt_given(args)
    problem = distance_problem(steps, scale, belt, given, walks=True)
    if problem:
        raise UsageError(problem)
    return belt_speed_doubt(steps, belt, given) if scale is None else scale_doubt(steps, scale)


def cmd_replay(args: argparse.Namespace) -> int:
    from edge.capture.repeats import slow_notice, slow_stretches, untimed_stretches
    from edge.capture.timebase import ENGINE_FPS, LEAST_FPS, check_rate, moving_rate
    from edge.gait.fit import MIN_RUN_S, step_count
    from edge.gait.rhythm import not_side_on, slowed_part
    from edge.offline.replay import (
        check_writable,
        describe,
        no_findings,
        track_fps,
        write_step_files,
    )
    from edge.options import plane_of, with_belt_speed
    from edge.pose.crop import (
        FEET_MOSTLY_UNSEEN,
        FEET_NOT_SEEN,
        feet_notice,
        feet_share,
        hips_outside,
    )
    from edge.store.track import read_keypoint_track

    config = with_belt_speed(common.config_of(args), args)
    check_rate("--fps", args.fps)
    # A calibration is held to the picture given, as analyze holds it to the video's (a
    # review's calibration made at 1920x1080 measured a 720x1280 track without a word).
    plane = plane_of(args, None if args.picture is None else (args.picture[1], args.picture[0]))
    if args.camera_turn is not None and plane.calibration and plane.calibration.plane:
        raise UsageError(
            "--camera-turn is for a camera without a calibration of its plane: the calibration "
            "measures on the belt's plane, however the camera is turned; leave one out"
        )
    if args.events_out.is_dir():
        # Told before the replay, not after it (a tester's work was lost to it).
        raise UsageError(
            f"--events-out {args.events_out} is a folder: give a file path in it, such as "
            f"{args.events_out / 'replayed.jsonl'}"
        )
    check_writable(args.events_out)
    t, frame, keypoints = read_keypoint_track(args.keypoints)
    if len(t) < 2:
        raise UsageError(
            f"{args.keypoints} has {len(t)} frame row{'' if len(t) == 1 else 's'} under its "
            f"header; at least 2 are needed, and about {MIN_RUN_S:g} s of running to give steps: "
            "give a longer track"
        )
    if args.fps:
        t = frame / args.fps
    if not (t[1:] > t[:-1]).all():
        raise UsageError(
            f"{args.keypoints}: times must increase from row to row; give --fps F to time the "
            "rows by their frame numbers"
        )
    # Rows that come too seldom time every step roughly, as a video's frames would
    # (``require_engine_rate``): RBDS001's track at 20 rows a second read his contacts 17 ms
    # short and his flights 19 ms long, every verdict sure. Counted as a video's new frames are
    # (``moving_rate``), so that analyze's track is taken. Rows thinning out part of the way
    # time their steps less surely (``replay_track``).
    rate = moving_rate(t)
    if not rate >= LEAST_FPS:
        rate = rate if math.isfinite(rate) else track_fps(t)  # no two rows 0.25 s apart or less
        timed = f"--fps {args.fps:g} times its rows" if args.fps else "its rows come"
        raise UsageError(
            f"{args.keypoints}: {timed} {rate:.3g} a second, fewer than the {ENGINE_FPS[0]:g} "
            "the gait engine needs at least to time a step: record the track at 30 fps or more "
            "(60 is best); if it is slow motion, time the rows with --fps N (the rate it was "
            "filmed at)"
        )
    if args.picture is not None and (hips := hips_outside(keypoints, args.picture)) > 0.5:
        height, width = args.picture
        raise UsageError(
            f"{args.keypoints}: the runner's hips lie outside a {width}x{height} picture in "
            f"{hips:.0%} of the rows: give --picture as the width x height of the video the "
            "track was taken from (analyze prints it)"
        )
    # The feet in the picture, where its size is given, as analyze rates them.
    feet = 0.0 if args.picture is None else feet_share(keypoints, args.picture)
    # The legs alone, a picture on its side or a runner filmed from the front has no facing to
    # find, nor steps to measure (as analyze).
    notice = not_side_on(keypoints)
    steps: list[StepMsg] = []
    doubt = None
    if notice is None:
        steps = replay_steps(
            config,
            t,
            keypoints,
            plane.calibration,
            plane.meters_per_pixel,
            plane.facing,
            args.picture,
            args.camera_turn,
        )
        # The rows' times are held to the steps' gait, as a video's time base is (``analyze``).
        origin = f"--fps {args.fps:g}" if args.fps else None
        fps = args.fps or track_fps(t)
        # Rows timed by --fps are not the video's seconds, which --start and --end take.
        notice = no_findings(
            steps,
            t,
            keypoints,
            fps,
            origin,
            track=True,
            feet_seen=feet < FEET_MOSTLY_UNSEEN,
            slowed=slowed_part(t, keypoints, steps, fps, window=args.fps is None, track=True),
        )
        doubt = None if notice else refuse_what_does_not_fit(config, args, steps, plane)
    write_step_files(steps, args.events_out, None)
    slow = slow_notice(slow_stretches(t), "rows")
    for note in (slow, feet_notice(feet)):
        if note:
            print(f"note: {note}")
    if notice:
        print(f"{step_count(len(steps))}: {notice}")
    elif not steps and feet >= FEET_MOSTLY_UNSEEN:
        print(FEET_NOT_SEEN)  # as analyze says it, not slow motion's hint (a review)
    else:
        lines = describe(
            steps,
            common.targets_of(config),
            "time the rows with --fps N, the rate filmed at",
            t0=float(t[0]),
            too_few="rows" if slow else None,
            untimed=list(untimed_stretches(t)),
        )
        print("\n".join(lines))
    if doubt:
        print(f"note: {doubt}")
    print(f"wrote {len(steps)} step events to {args.events_out}")
    return NO_FINDINGS if notice or not steps else 0
