"""The configuration: ``hipdrive config check``."""

from __future__ import annotations

import argparse

from edge.config import CONFIG_ENV, default_config_path, load_config
from edge.errors import UsageError


def cmd_config_check(args: argparse.Namespace) -> int:
    if args.file and args.config_file and args.file != args.config_file:
        raise UsageError(
            f"two files to check, {args.file} and --config {args.config_file}: give one"
        )
    file = args.file or args.config_file
    config = load_config(file)
    # The file a station started here would read: ./config.toml was once checked but called
    # "built-in defaults".
    found = file or default_config_path()
    where = found or f"built-in defaults (no config.toml here, no ${CONFIG_ENV})"
    print(f"{where}: ok")
    print(f"  station {config.station.id}, data in {config.station.data_dir}")
    print(
        f"  source {config.camera.source} at {config.camera.width}x{config.camera.height} "
        f"{config.camera.fps:g} fps"
    )
    print(f"  pose {config.pose.backend} {config.model_path()} imgsz {config.pose.imgsz}")
    print(f"  bus publish {config.bus.publish}, control {config.bus.control}")
    return 0
