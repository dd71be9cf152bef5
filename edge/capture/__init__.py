"""Frame sources: OpenCV camera, Picamera2 (Pi CSI), video file; one port, one registry."""

from edge.capture.base import CaptureSettings, Frame, FrameSource, SourceInfo, SourceState
from edge.capture.registry import (
    SourceKind,
    is_camera,
    open_source,
    parse_source_spec,
    register_source,
)
from edge.capture.resilient import Recovery, ResilientSource, open_resilient

__all__ = [
    "CaptureSettings",
    "Frame",
    "FrameSource",
    "Recovery",
    "ResilientSource",
    "SourceInfo",
    "SourceKind",
    "SourceState",
    "is_camera",
    "open_resilient",
    "open_source",
    "parse_source_spec",
    "register_source",
]
