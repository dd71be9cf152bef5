"""The metadata keys of a video file, as FFmpeg reads them (PyAV; its wheel carries FFmpeg).

Phones write what a player does not need, such as the rate a slow-motion clip was filmed at,
as keyed metadata of the MP4/QuickTime container: Android's MPEG4Writer puts
``com.android.capture.fps`` in ``moov/meta``; files edited elsewhere may carry it in
``moov/udta/meta``. FFmpeg's demuxer reads both into the container's metadata, reading only
the file's header (a long recording's samples are not decoded).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import av

log = logging.getLogger(__name__)

#: keys that give the rate the frames were captured at, frames per second. The Android key is
#: MPEG4Writer's (AOSP, setCaptureRate); the Apple spellings are those other tools look for in
#: iPhone clips (iPhone slow motion often states no rate at all: the notice after replay is
#: what catches those).
CAPTURE_FPS_KEYS = (
    "com.android.capture.fps",
    "com.apple.quicktime.capture-fps",
    "com.apple.quicktime.capture.fps",
)


def read_metadata(path: Path) -> dict[str, str]:
    """The metadata of the file at ``path`` (the container's, then its video streams' where
    the container has no such key), name -> text; empty when FFmpeg cannot read the file (it
    is not a video, or is damaged)."""
    try:
        with av.open(str(path)) as container:
            out = dict(container.metadata)
            for stream in container.streams.video:
                for key, value in stream.metadata.items():
                    out.setdefault(key, value)
            return out
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        log.debug("no metadata read from %s: %s", path, exc)
        return {}


def capture_fps(path: Path) -> tuple[float, str] | None:
    """The capture rate the file's metadata states and the key it is in, or None."""
    meta = read_metadata(path)
    for key in CAPTURE_FPS_KEYS:
        try:
            value = float(meta.get(key, "nan"))
        except ValueError:
            continue
        if math.isfinite(value) and value > 0:
            return value, key
    return None
