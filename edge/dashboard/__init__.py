"""The treadmill console (``hipdrive dashboard``): a Textual app fed by the station's bus.

It depends on ``edge.bus`` only (and the keypoint layout of ``edge.skeleton`` the schema uses),
so it runs as well on another machine as beside the station.
"""

from edge.dashboard.app import DashboardApp
from edge.dashboard.bands import Band, TargetBands

__all__ = ["Band", "DashboardApp", "TargetBands"]
