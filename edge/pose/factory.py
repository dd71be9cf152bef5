"""Opens the configured pose backend; the only place that knows every backend's module."""

from __future__ import annotations

from pathlib import Path

from edge.errors import UsageError
from edge.pose.base import PoseEstimator
from edge.pose.models import require_model

BACKENDS = ("ultralytics",)


def open_estimator(
    backend: str, model: Path, imgsz: int, conf: float, device: str = "cpu"
) -> PoseEstimator:
    """A ready pose backend. Missing model -> exit 3 with the fetch command."""
    require_model(model)
    if backend == "ultralytics":
        from edge.pose.ultralytics_backend import UltralyticsPose

        return UltralyticsPose(model, imgsz=imgsz, conf=conf, device=device)
    raise UsageError(f"pose.backend = {backend!r}: must be one of {', '.join(BACKENDS)}")
