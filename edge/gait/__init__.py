"""Gait: numba kernels turning keypoints into foot contacts and per-step metrics."""

from edge.gait.engine import GaitEngine, GaitParams
from edge.gait.sagittal import PlaneMapping, detect_facing
from edge.gait.step import Step

__all__ = ["GaitEngine", "GaitParams", "PlaneMapping", "Step", "detect_facing"]
