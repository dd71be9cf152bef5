"""The station running: ``hipdrive run``, ``demo``, ``soak`` and ``bench``."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from edge.commands import common
from edge.config import load_config
from edge.errors import UsageError
from edge.pose.base import InputSize

if TYPE_CHECKING:
    from edge.options import Plane
    from edge.pose import PoseEstimator

log = logging.getLogger("hipdrive")


def cmd_run(args: argparse.Namespace) -> int:
    from edge.capture import parse_source_spec
    from edge.capture.file import NewFramesOnly
    from edge.gait.fit import Named
    from edge.offline.analyze import require_length
    from edge.options import (
        belt_given,
        file_timing,
        plane_of,
        scale_of,
        timing_given,
        with_belt_speed,
    )
    from edge.run.station import open_station_source

    config = with_belt_speed(common.config_of(args), args)
    runner = None if args.runner is None else common.runner_name("--runner", args.runner)
    spec = args.source or config.camera.source
    kind, video = parse_source_spec(spec)
    given = timing_given(args)
    if given and kind.name != "file":
        raise UsageError(
            f"{' and '.join(given)} {'time' if len(given) > 1 else 'times'} a video file, and "
            f"the source is {spec}: give --source file:VIDEO, or leave them out for a camera"
        )
    timing = file_timing(args)
    # A file is opened before the pose model loads (seconds), so a wrong path or a picture is
    # told at once (a user trial waited for the model to hear of a missing file); it plays
    # from its first read. A camera opens once the model is ready, its frames not waiting.
    now = not common.headless(args)
    source = open_station_source(config, spec, timing, now=now) if kind.name == "file" else None

    def plane_at(size: tuple[int, int] | None) -> Plane:
        if kind.name == "demo":
            return _demo_plane(plane_of(args, size), Path(video))
        return plane_of(args, size, config.calibration.file)

    try:
        # Held to what analyze holds a file to: a single picture is no run to record.
        info = None if source is None else source.info
        if info is not None and info.frame_count is not None:
            require_length(Path(video), info.frame_count, info.fps, timing, info.seconds)
        # The calibration is read before the pose model loads, as analyze reads it: a tester's
        # malformed --calibration was told seconds later. A camera's picture size is known once
        # it opens: its calibration is read again then, held to it (a second reading of a small
        # file, and of a demo clip's truth).
        plane = plane_at(None if info is None else (info.width, info.height))
        estimator = common.open_pose(config)
    except BaseException:
        if source is not None:
            source.close()
        raise
    if source is None:
        source = open_station_source(config, spec, timing, now=now)
    if isinstance(source, NewFramesOnly):
        # Told as analyze tells it: a file's --slowmo or --fps had gone by without a word, the
        # station's line giving the real rate alone.
        log.info("%s: %s", source.info.name, source.timebase.describe())
    if info is None:
        try:
            plane = plane_at((source.info.width, source.info.height))
        except BaseException:
            source.close()
            raise
    common.run_station(
        config,
        source,
        estimator,
        plane.calibration,
        common.headless(args),
        load_config=lambda: with_belt_speed(load_config(args.config), args),
        view=(plane.facing, plane.meters_per_pixel),
        named=None
        if kind.name == "demo"
        else Named(scale_of(config, args, plane), belt_given(args)),
        runner=runner,
    )
    return 0


def _demo_plane(flags: Plane, video: Path) -> Plane:
    """The plane the demo clip at ``video`` is measured on: the flags' calibration or scale when
    they give one, else that of the camera it was rendered with, as ``hipdrive demo`` measures
    it (in cm). The station's own calibration is of another camera, so it is never used."""
    from edge.demo.render import TRUTH_NAME, VIDEO_NAME, load_demo
    from edge.demo.session import demo_calibration
    from edge.options import Plane

    if flags.calibration is not None or flags.meters_per_pixel is not None:
        return flags
    try:
        clip = load_demo(video.parent)
    except (OSError, ValueError, KeyError, TypeError):
        clip = None
    if clip is None or clip.video.resolve() != video.resolve():
        raise UsageError(
            f"demo:{video} is not the clip `hipdrive demo` renders (its {VIDEO_NAME}, with the "
            f"{TRUTH_NAME} it was rendered from beside it, in <data_dir>/demo): give --source "
            f"file:{video} to play it as a video"
        )
    if flags.facing is not None and flags.facing != clip.camera.facing:
        raise UsageError(
            f"--facing {flags.facing}, but the demo's runner faces {clip.camera.facing}: leave "
            "--facing out"
        )
    return Plane(demo_calibration(clip), None, clip.camera.facing)


def cmd_bench(args: argparse.Namespace) -> int:
    import json

    from edge.demo.render import ensure_demo
    from edge.measure.bench import BenchPlan, camera_verdict, run_bench
    from edge.pose.models import require_model

    config = common.config_of(args)
    pose = config.pose.model_copy(
        update={
            key: value
            for key, value in (
                ("backend", args.backend),
                ("imgsz", args.imgsz),
                ("workers", args.workers),
                ("threads", args.threads),
                ("precision", args.precision),
            )
            if value is not None
        }
    )
    config = config.model_copy(update={"pose": pose})
    estimator = common.open_pose(config)
    backend, precision = estimator.name, estimator.precision
    estimator.close()

    def open_pose(size: InputSize) -> PoseEstimator:
        sized = config.pose.model_copy(update={"backend": backend, "imgsz": size})
        return common.open_pose(config.model_copy(update={"pose": sized}))

    plan = BenchPlan(args.frames, args.seconds, args.naive_frames, args.accuracy_frames)
    clip = ensure_demo(config.station.data_dir)
    model = require_model(config.model_path())
    result = run_bench(
        config,
        open_pose,
        backend,
        precision,
        clip,
        model,
        plan,
        common.open_refiner(config),
    )
    for name, value in result.table():
        print(f"{name:36s} {value}")
    print(f"{'verdict':36s} {camera_verdict(result.station.fps_end_to_end, config.camera.fps)}")
    if args.json:
        args.json.write_text(json.dumps(result.as_json(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from edge.demo.render import ensure_demo, render_demo
    from edge.demo.session import (
        Accuracy,
        ClipSource,
        ClipTruth,
        accuracy_lines,
        demo_calibration,
    )

    config = common.config_of(args)
    data_dir = config.station.data_dir
    if args.out and not args.render:
        raise UsageError("--out goes with --render: hipdrive demo --render --out DIR")
    try:
        if args.render:
            clip = render_demo(args.out or data_dir / "demo", seconds=args.seconds)
        else:
            clip = ensure_demo(data_dir, seconds=args.seconds)
    except ValueError as exc:
        raise UsageError(f"--seconds {args.seconds:g}: {exc}") from None
    w, h = clip.camera.image_size
    print(
        f"demo clip {clip.video} ({clip.video.stat().st_size / 1e6:.1f} MB): {clip.frames} "
        f"frames, {w}x{h} at {clip.fps:g} fps, {len(clip.ic)} foot contacts; truth in "
        f"{clip.truth_file}"
    )
    if args.render:
        return 0
    headless = common.headless(args)
    # Headless, the demo plays the clip once unless told otherwise; on a console, until quit.
    duration = args.duration or (clip.frames / clip.fps if headless else None)
    estimator = common.open_pose(config)
    # On a console the demo is a camera: frames the machine is too slow for are dropped, so
    # the console stays live; headless, every frame is measured, however late.
    source = ClipSource(clip, duration, live=not headless)
    accuracy = Accuracy(ClipTruth.of(clip))
    common.run_station(
        config, source, estimator, demo_calibration(clip), headless, accuracy.add, few_refused=False
    )
    figures = accuracy.report(source.t0, source.seen_s, since_s=source.first_s)
    if source.dropped:
        played = (source.seen_s - source.first_s) * clip.fps
        figures["frames_dropped_pct"] = 100.0 * source.dropped / played
    print("\n".join(accuracy_lines(figures)))
    return 0


def cmd_soak(args: argparse.Namespace) -> int:
    import json
    import tempfile

    from calibrate.fileformat import calibration_if_present
    from edge.capture import parse_source_spec
    from edge.measure.soak import Sample, soak
    from edge.options import Plane
    from edge.pose.cpu import cpu_features
    from edge.run.station import Station, open_station_source

    if args.minutes <= 0:
        raise UsageError(f"--minutes {args.minutes:g}: must be > 0")
    config = common.config_of(args)
    estimator = common.open_pose(config)
    if args.source:
        source = open_station_source(config, args.source)
        size = (source.info.width, source.info.height)
        kind, video = parse_source_spec(args.source)
        try:
            calibration = (
                _demo_plane(Plane(None, None, None), Path(video)).calibration
                if kind.name == "demo"
                else calibration_if_present(config.calibration.file, image_size=size)
            )
        except BaseException:
            source.close()
            raise
    else:
        from edge.demo.render import ensure_demo
        from edge.demo.session import demo_calibration

        clip = ensure_demo(config.station.data_dir)
        source = open_station_source(config, f"demo:{clip.video}")
        calibration = demo_calibration(clip)
    print(
        f"soak: {args.minutes:g} min of {source.info.name}, backend {estimator.name}, a line "
        f"every {args.every:g} s; sessions go to a temporary folder"
    )

    def line(sample: Sample) -> None:
        print(
            f"{sample.t_s / 60:6.1f} min {sample.fps:6.1f} fps  RSS {sample.rss_mb:7.1f} MB  "
            f"{sample.fds:4d} fds  {sample.steps:6d} steps",
            flush=True,
        )

    with tempfile.TemporaryDirectory(prefix="hipdrive-soak-") as tmp:
        # The station's own sessions stay clean; the keys stay where they are.
        station_cfg = config.station.model_copy(update={"data_dir": Path(tmp)})
        bus_cfg = config.bus.model_copy(update={"keys_dir": config.keys_dir})
        soak_config = config.model_copy(update={"station": station_cfg, "bus": bus_cfg})
        station = Station(
            soak_config, source, estimator, calibration, refiner=common.open_refiner(config)
        )
        report = soak(station, args.minutes, args.every, on_sample=line)
    print("\n".join(report.table()))
    if args.json:
        result = {
            "machine": cpu_features().describe(),
            "backend": estimator.name,
            "precision": estimator.precision,
            "source": source.info.name,
            "minutes": args.minutes,
            **report.as_json(),
        }
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0
