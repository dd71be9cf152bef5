"""Explicit registry of frame sources, addressed by a source SPEC such as ``camera:0``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from edge.capture.base import CaptureSettings, FrameSource
from edge.errors import UsageError

Opener = Callable[[str, CaptureSettings], FrameSource]


@dataclass(frozen=True, slots=True)
class SourceKind:
    """One kind of source: how to check its argument and how to open it."""

    name: str
    usage: str
    opener: Opener
    check: Callable[[str], str | None]


_KINDS: dict[str, SourceKind] = {}


def register_source(kind: SourceKind) -> None:
    _KINDS[kind.name] = kind


def parse_source_spec(spec: str) -> tuple[SourceKind, str]:
    """Split ``kind[:arg]`` and check the argument; UsageError lists the valid forms."""
    name, _, arg = spec.partition(":")
    kind = _KINDS.get(name)
    if kind is None:
        forms = ", ".join(k.usage for k in _KINDS.values())
        raise UsageError(f"unknown source {spec!r}; use one of: {forms}")
    problem = kind.check(arg)
    if problem:
        raise UsageError(f"source {spec!r}: {problem} (expected {kind.usage})")
    return kind, arg


def is_camera(spec: str) -> bool:
    """Whether a source spec names a camera (USB or the Pi's CSI), whose frames come at the size
    ``camera.width``/``height`` ask for, where a file's and the demo's come at their own."""
    return parse_source_spec(spec)[0].name in ("camera", "picamera")


def open_source(spec: str, settings: CaptureSettings | None = None) -> FrameSource:
    kind, arg = parse_source_spec(spec)
    return kind.opener(arg, settings or CaptureSettings())


def _camera_device(arg: str) -> int | str:
    return int(arg) if arg.isdigit() else arg


def _check_camera(arg: str) -> str | None:
    if arg.isdigit() or arg.startswith("/dev/"):
        return None
    return "the camera must be an index or a /dev/videoN path"


def _check_picamera(arg: str) -> str | None:
    return None if arg == "" or arg.isdigit() else "the Pi camera number must be a whole number"


def _check_file(arg: str) -> str | None:
    return None if arg else "the file path is missing"


def _open_camera(arg: str, settings: CaptureSettings) -> FrameSource:
    from edge.capture.camera import OpenCVCamera

    return OpenCVCamera(_camera_device(arg), settings)


def _open_picamera(arg: str, settings: CaptureSettings) -> FrameSource:
    from edge.capture.picamera import PiCamera

    return PiCamera(int(arg or 0), settings)


def _open_file(arg: str, settings: CaptureSettings) -> FrameSource:
    from edge.capture.file import NewFramesOnly, VideoFileSource

    if settings.new_frames_only:
        return NewFramesOnly(Path(arg), settings)
    return VideoFileSource(Path(arg), settings)


def _check_demo(arg: str) -> str | None:
    return None if arg else "the demo clip's path is missing (hipdrive demo renders it)"


def _open_demo(arg: str, settings: CaptureSettings) -> FrameSource:
    from edge.capture.file import VideoFileSource

    return VideoFileSource(Path(arg), replace(settings, paced=True), loop=True)


register_source(SourceKind("camera", "camera:N or camera:/dev/videoN", _open_camera, _check_camera))
register_source(SourceKind("picamera", "picamera[:N]", _open_picamera, _check_picamera))
register_source(SourceKind("file", "file:PATH", _open_file, _check_file))
# The rendered demo clip, looping, paced like a camera; ``hipdrive demo`` gives the path.
register_source(SourceKind("demo", "demo:PATH", _open_demo, _check_demo))
