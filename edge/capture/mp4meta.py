"""The metadata keys of an MP4 or QuickTime file, read from its boxes (no decoder, no ffprobe).

Phones write what a player does not need, such as the rate a slow-motion clip was filmed at,
as keyed metadata: a ``meta`` box holding ``hdlr`` (handler ``mdta``), ``keys`` (the key names)
and ``ilst`` (one box per value, named by the key's 1-based index, holding a ``data`` box:
a 4-byte type indicator, a 4-byte locale, the value). Android's MPEG4Writer puts it in
``moov/meta`` with ``com.android.capture.fps`` as a big-endian float32 (type 23); files
edited elsewhere may carry it in ``moov/udta/meta`` or a track's own ``meta``. Only box
headers are read on the way to ``moov`` (a long recording's ``mdat`` is skipped by a seek).
"""

from __future__ import annotations

import logging
import struct
from pathlib import Path
from typing import BinaryIO, TypeAlias

log = logging.getLogger(__name__)

Value: TypeAlias = float | int | str

#: keys that give the rate the frames were captured at, frames per second. The Android key is
#: MPEG4Writer's (AOSP, setCaptureRate); the Apple spellings are those other tools look for in
#: iPhone clips (iPhone slow motion often states no rate at all: the notice after replay is
#: what catches those).
CAPTURE_FPS_KEYS = (
    "com.android.capture.fps",
    "com.apple.quicktime.capture-fps",
    "com.apple.quicktime.capture.fps",
)

#: boxes whose children may hold keyed metadata
_CONTAINERS = {b"moov", b"trak", b"udta"}
#: keys and ilst larger than this are not metadata a phone writes: not read
_MAX_META_BYTES = 1 << 20
_HEADER = struct.Struct(">I4s")


def read_metadata(path: Path) -> dict[str, Value]:
    """The keyed metadata of the MP4/QuickTime file at ``path`` (name -> number or text);
    empty when the file is not one, has none or is damaged (the video may still play)."""
    try:
        with path.open("rb") as f:
            size = f.seek(0, 2)
            moov = _find(f, 0, size, b"moov")
            if moov is None:
                return {}
            out: dict[str, Value] = {}
            _collect(f, *moov, out, depth=0)
            return out
    except (OSError, ValueError, struct.error, UnicodeDecodeError) as exc:
        log.debug("no metadata read from %s: %s", path, exc)
        return {}


def capture_fps(path: Path) -> tuple[float, str] | None:
    """The capture rate the file's metadata states and the key it is in, or None."""
    meta = read_metadata(path)
    for key in CAPTURE_FPS_KEYS:
        value = meta.get(key)
        if isinstance(value, int | float) and value > 0:
            return float(value), key
    return None


def _boxes(f: BinaryIO, start: int, end: int):
    """(type, payload start, payload end) of each box from ``start`` to ``end``; stops at the
    first header that does not fit (a truncated or damaged file)."""
    pos = start
    while pos + 8 <= end:
        f.seek(pos)
        size, kind = _HEADER.unpack(f.read(8))
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", f.read(8))
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def _find(f: BinaryIO, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    for found, lo, hi in _boxes(f, start, end):
        if found == kind:
            return lo, hi
    return None


def _collect(f: BinaryIO, start: int, end: int, out: dict[str, Value], depth: int) -> None:
    if depth > 4:
        return
    for kind, lo, hi in _boxes(f, start, end):
        if kind in _CONTAINERS:
            _collect(f, lo, hi, out, depth + 1)
        elif kind == b"meta":
            _meta(f, lo, hi, out)


def _meta(f: BinaryIO, start: int, end: int, out: dict[str, Value]) -> None:
    # QuickTime's meta (as Android writes it) starts with its children; ISO's is a full box,
    # four bytes of version and flags (zero) first, where a child would have its size.
    f.seek(start)
    if f.read(4) == bytes(4):
        start += 4
    keys: list[str] = []
    items: list[tuple[int, int, int]] = []
    for kind, lo, hi in _boxes(f, start, end):
        if hi - lo > _MAX_META_BYTES:
            continue
        if kind == b"keys":
            f.seek(lo)
            keys = _keys(f.read(hi - lo))
        elif kind == b"ilst":
            items = [
                (int.from_bytes(name, "big"), a, b)
                for name, a, b in _boxes(f, lo, hi)
                if name[0] == 0  # keyed items are numbered; iTunes items (©nam ...) are not
            ]
    for index, lo, hi in items:
        if not 1 <= index <= len(keys):
            continue
        data = _find(f, lo, hi, b"data")
        if data is None:
            continue
        f.seek(data[0])
        value = _value(f.read(data[1] - data[0]))
        if value is not None:
            out.setdefault(keys[index - 1], value)


def _keys(payload: bytes) -> list[str]:
    """Key names of a ``keys`` box: version/flags, count, then (size, namespace, name) each."""
    (count,) = struct.unpack_from(">I", payload, 4)
    names, pos = [], 8
    for _ in range(count):
        if pos + 8 > len(payload):
            break
        size, _namespace = _HEADER.unpack_from(payload, pos)
        if size < 8 or pos + size > len(payload):
            break
        names.append(payload[pos + 8 : pos + size].decode("utf-8", errors="replace"))
        pos += size
    return names


#: well-known data types of QuickTime metadata (the type indicator's low 24 bits)
_NUMBERS = {
    23: ">f",
    24: ">d",
    65: ">b",
    66: ">h",
    67: ">i",
    74: ">q",
    75: ">B",
    76: ">H",
    77: ">I",
    78: ">Q",
}


def _value(payload: bytes) -> Value | None:
    """The value of a ``data`` box: type indicator, locale, then the value itself."""
    if len(payload) < 8:
        return None
    kind = int.from_bytes(payload[1:4], "big")
    raw = payload[8:]
    if kind == 1:
        return raw.decode("utf-8", errors="replace")
    if kind in (21, 22) and 1 <= len(raw) <= 8:  # big-endian integer of the data's own length
        return int.from_bytes(raw, "big", signed=kind == 21)
    fmt = _NUMBERS.get(kind)
    if fmt is not None and len(raw) == struct.calcsize(fmt):
        number: float | int = struct.unpack(fmt, raw)[0]
        return number
    return None
