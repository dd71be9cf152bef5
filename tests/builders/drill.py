"""A strides drill from real motion capture: repeats alternating Fukuchi 2017's RBDS0041 at
4.6 m/s (odd, the hip-focus repeats) and RBDS001 at 2.5 m/s (even, quick steps), with the
treadmill walk of ``edge/demo/data/walking_si02.npz`` as the rest between, joined at frames (cuts),
through the gait engine as the station would see them (``tests.gait_modes``'s tracks: a side
camera, 3 px noise, swapped labels, far-leg dropouts)."""

from __future__ import annotations

import functools
from dataclasses import asdict

from edge.bus.schema import StepMsg
from edge.demo.scene import SideCamera
from edge.gait import GaitEngine, PlaneMapping
from edge.gait.mode import RUNNING, WALKING
from tests.gait_modes import Segment, track

REPEAT_S = 14.0
REST_S = 9.0
DRILL = (
    Segment(WALKING, 6.0, "walk"),
    Segment(RUNNING, REPEAT_S, "RBDS0041"),
    Segment(WALKING, REST_S, "walk"),
    Segment(RUNNING, REPEAT_S, "RBDS001"),
    Segment(WALKING, REST_S, "walk"),
    Segment(RUNNING, REPEAT_S, "RBDS0041"),
    Segment(WALKING, REST_S, "walk"),
    Segment(RUNNING, REPEAT_S, "RBDS001"),
    Segment(WALKING, 6.0, "walk"),
)
"""Four repeats: 4.6, 2.5, 4.6, 2.5 m/s, each 14 s, 9 s of walking between."""


def repeat_spans() -> list[tuple[float, float]]:
    """(start, end) seconds of each running segment of ``DRILL``."""
    spans, start = [], 0.0
    for segment in DRILL:
        if segment.mode == RUNNING:
            spans.append((start, start + segment.seconds))
        start += segment.seconds
    return spans


@functools.cache
def drill_steps(fps: float = 60.0, seed: int = 0) -> tuple[StepMsg, ...]:
    """The drill's steps as the station publishes them (calibrated: metres), made once."""
    t, kp = track(DRILL, fps, seed)
    camera = SideCamera(facing="right")
    engine = GaitEngine(PlaneMapping.scaled("right", camera.meters_per_pixel))
    steps = []
    for i in range(len(t)):
        steps += engine.push(float(t[i]), kp[i])
    steps += engine.finish()
    return tuple(StepMsg(station="drill", t=s.ic_t, **asdict(s)) for s in steps)
