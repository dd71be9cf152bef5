"""Sample media for tests: short videos OpenCV can read back."""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np


def write_video(path: Path, frames: list[np.ndarray], fps: float = 30.0) -> Path:
    """Write BGR frames as an mp4v video that OpenCV reads back."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


#: side of the square blocks ``coded_frame`` writes one bit of the index into, pixels
CODE_BLOCK = 16


def coded_frame(index: int, size: tuple[int, int] = (64, 128)) -> np.ndarray:
    """A (h, w, 3) frame whose top half's blocks spell ``index`` in black and white, one bit a
    block, so that it survives a lossy codec (``coded_index`` reads it back), over a still grey
    bottom half: at most half the picture changes from frame to frame, as in a video of one shot
    (more would read as a cut, ``edge.capture.repeats.CUT_LEVEL``); 64x128 holds 16 bits."""
    w, h = size
    image = np.full((h, w, 3), 128, np.uint8)
    image[: h // 2] = 0
    for bit in range(_code_bits(w, h)):
        if index >> bit & 1:
            y, x = divmod(bit, w // CODE_BLOCK)
            image[y * CODE_BLOCK : (y + 1) * CODE_BLOCK, x * CODE_BLOCK : (x + 1) * CODE_BLOCK] = (
                255
            )
    return image


def _code_bits(w: int, h: int) -> int:
    """Bits a ``coded_frame`` of w x h pixels holds: one a block of its top half."""
    return (w // CODE_BLOCK) * (h // 2 // CODE_BLOCK)


def coded_index(image: np.ndarray) -> int:
    """The index ``coded_frame`` wrote into a frame."""
    h, w = image.shape[:2]
    index = 0
    for bit in range(_code_bits(w, h)):
        y, x = divmod(bit, w // CODE_BLOCK)
        block = image[y * CODE_BLOCK : (y + 1) * CODE_BLOCK, x * CODE_BLOCK : (x + 1) * CODE_BLOCK]
        index |= int(block.mean() > 127) << bit
    return index


def read_frames(video: Path, limit: int | None = None) -> list[np.ndarray]:
    """The first ``limit`` frames of a video (all of them when None), BGR."""
    capture = cv2.VideoCapture(str(video))
    frames: list[np.ndarray] = []
    while limit is None or len(frames) < limit:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


def box(kind: bytes, payload: bytes) -> bytes:
    """One ISO-BMFF box: 32-bit size, four-character type, payload."""
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def keyed_meta(values: dict[str, tuple[int, bytes]], full_box: bool = False) -> bytes:
    """A ``meta`` box of keyed metadata as Android's MPEG4Writer writes it: ``hdlr`` (mdta),
    ``keys`` and ``ilst``; each value is (data type, raw bytes), e.g. (23, float32 BE).
    ``full_box``: with the ISO version and flags first, as some editors write it."""
    hdlr = box(b"hdlr", bytes(8) + b"mdta" + bytes(13))
    names = b"".join(box(b"mdta", k.encode()) for k in values)
    keys = box(b"keys", struct.pack(">II", 0, len(values)) + names)
    items = b"".join(
        box(struct.pack(">I", i + 1), box(b"data", struct.pack(">II", kind, 0) + raw))
        for i, (kind, raw) in enumerate(values.values())
    )
    return box(b"meta", (bytes(4) if full_box else b"") + hdlr + keys + box(b"ilst", items))


def add_to_moov(video: Path, extra: bytes) -> Path:
    """Append boxes to the ``moov`` of an MP4 whose ``moov`` is its last box (as OpenCV writes
    it), so that no sample offset moves; returns ``video``."""
    data = bytearray(video.read_bytes())
    pos = 0
    while pos < len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        if kind == b"moov":
            assert pos + size == len(data), "moov must be the last box to grow it in place"
            struct.pack_into(">I", data, pos, size + len(extra))
            video.write_bytes(bytes(data) + extra)
            return video
        pos += size
    raise AssertionError(f"{video} has no moov box")
