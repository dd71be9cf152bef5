"""What the station's configuration tells the calibration commands (``edge.commands.setup``
fills it in, so this package never reads the station's configuration itself)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edge.capture import CaptureSettings


@dataclass(frozen=True, slots=True)
class StationDefaults:
    """What the station's configuration says: where the calibration lives, which camera."""

    calibration_file: Path
    source: str
    capture: CaptureSettings
