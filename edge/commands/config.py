"""The configuration: ``hipdrive config check``."""

from __future__ import annotations

import argparse

from edge.config import load_config


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
