"""Pose weights and their edge formats: ``hipdrive model fetch|export|info|check``."""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path

from edge.commands import common
from edge.errors import UsageError


def cmd_model_fetch(args: argparse.Namespace) -> int:
    from edge.pose.models import fetch

    config = common.config_of(args)
    for path in fetch(config.models_dir, wheels=tuple(args.wheel or ())):
        print(f"model ready: {path}")
    return 0


def cmd_model_export(args: argparse.Namespace) -> int:
    from edge.pose.models import export

    config = common.config_of(args)
    common.ultralytics_ready(config)
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

    config = common.config_of(args)
    entries = inventory(config.models_dir)
    if not entries:
        print(f"no models in {config.models_dir}; fetch the pose weights with: {FETCH_COMMAND}")
        return 0
    print(f"models in {config.models_dir} (configured: {config.model_path().name}):")
    for e in entries:
        check = {True: "sha256 ok", False: "sha256 MISMATCH", None: ""}[e.verified]
        print(f"  {e.path.name:40s} {e.kind:9s} {e.size_bytes / 1e6:7.1f} MB  {check}")
    return 0


def sample_image() -> Path:
    spec = importlib.util.find_spec("ultralytics")
    if spec is None or not spec.submodule_search_locations:
        raise UsageError("ultralytics is not installed; run: make run")
    return Path(next(iter(spec.submodule_search_locations))) / "assets" / "bus.jpg"


def cmd_model_check(args: argparse.Namespace) -> int:
    import cv2

    from edge.pose.factory import open_estimator
    from edge.skeleton import KEYPOINT_NAMES

    config = common.config_of(args)
    common.ultralytics_ready(config)
    image_path = args.image or sample_image()
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
