"""Gait: numba kernels turning keypoints into foot contacts and per-step metrics."""

from edge.gait.engine import GaitEngine, GaitParams
from edge.gait.sagittal import PlaneMapping, detect_facing
from edge.gait.step import Step
from edge.gait.summary import Summary, SummaryBuilder, Targets

__all__ = [
    "GaitEngine",
    "GaitParams",
    "PlaneMapping",
    "Step",
    "Summary",
    "SummaryBuilder",
    "Targets",
    "detect_facing",
]
