"""Frame sources: OpenCV camera, Picamera2 (Pi CSI), video file; one port, one registry."""

from edge.capture.base import CaptureSettings, Frame, FrameSource, SourceInfo
from edge.capture.registry import SourceKind, open_source, parse_source_spec, register_source

__all__ = [
    "CaptureSettings",
    "Frame",
    "FrameSource",
    "SourceInfo",
    "SourceKind",
    "open_source",
    "parse_source_spec",
    "register_source",
]
