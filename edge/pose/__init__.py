"""Pose backends behind one port; model provisioning and export; choice of the one runner."""

from edge.pose.base import Detections, PoseEstimator, RunnerPose
from edge.pose.runner import RunnerSelector

__all__ = ["Detections", "PoseEstimator", "RunnerPose", "RunnerSelector"]
