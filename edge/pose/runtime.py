"""Keeps Ultralytics inside the project: its settings under the data dir, no network, no pip.

Must run before the first ``import ultralytics``: Ultralytics reads these variables at import.
"""

from __future__ import annotations

import os
from pathlib import Path


def prepare_ultralytics(data_dir: Path) -> None:
    """Point Ultralytics' settings at ``<data_dir>/ultralytics`` and switch off its network use.

    ``YOLO_OFFLINE`` stops its online checks and downloads; ``YOLO_AUTOINSTALL`` stops it from
    pip-installing packages at run time, so what runs is what the extras installed.
    """
    config_dir = data_dir / "ultralytics"
    config_dir.mkdir(parents=True, exist_ok=True)
    os.environ["YOLO_CONFIG_DIR"] = str(config_dir)
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ["YOLO_AUTOINSTALL"] = "false"
    os.environ["YOLO_VERBOSE"] = "false"
