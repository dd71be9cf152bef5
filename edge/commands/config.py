"""The configuration: ``hipdrive config check``."""

from __future__ import annotations

import argparse

from edge.config import CONFIG_ENV, default_config_path, load_config


def cmd_config_check(args: argparse.Namespace) -> int:
    config = load_config(args.file)
    # The file a station started here would read: ./config.toml was once checked but called
    # "built-in defaults".
    found = args.file or default_config_path()
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
