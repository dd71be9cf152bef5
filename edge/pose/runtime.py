"""Keeps Ultralytics and OpenVINO inside the project: settings in the data dir, no network.

Must run before the first ``import ultralytics``: Ultralytics reads these variables at import.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def prepare_ultralytics(data_dir: Path) -> None:
    """Point Ultralytics' settings at ``<data_dir>/ultralytics`` and switch off its network use.

    ``YOLO_OFFLINE`` stops its online checks and downloads; ``YOLO_AUTOINSTALL`` stops it from
    pip-installing packages at run time, so what runs is what the extras installed.
    """
    block_openvino_telemetry()
    config_dir = data_dir / "ultralytics"
    config_dir.mkdir(parents=True, exist_ok=True)
    os.environ["YOLO_CONFIG_DIR"] = str(config_dir)
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ["YOLO_AUTOINSTALL"] = "false"
    os.environ["YOLO_VERBOSE"] = "false"


def block_openvino_telemetry() -> None:
    """Keep OpenVINO from sending a usage event and writing ``~/intel/openvino_ga_cid``.

    ``import openvino`` does both through the optional ``openvino_telemetry`` package; with that
    package hidden from the import system OpenVINO falls back to its own no-op stub. Must run
    before the first ``import openvino`` (the backend and Ultralytics' exporter both call it).
    """
    sys.modules.setdefault("openvino_telemetry", None)  # type: ignore[arg-type]
