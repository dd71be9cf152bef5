"""The keypoint-track CSV of DESIGN.md: ``t,frame`` then x, y, conf per COCO keypoint.

Pixels with image y down; ``t`` in seconds; a missing keypoint is written empty with conf 0.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import numpy as np

from edge.closing import Closing
from edge.errors import UsageError
from edge.skeleton import KEYPOINT_NAMES, NUM_KEYPOINTS

TRACK_COLUMNS: tuple[str, ...] = (
    "t",
    "frame",
    *(f"{name}_{axis}" for name in KEYPOINT_NAMES for axis in ("x", "y", "conf")),
)


class KeypointTrackWriter(Closing):
    """Appends one row per frame; a frame without a runner gets empty keypoints."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._file)
        self._csv.writerow(TRACK_COLUMNS)

    def write(self, t: float, frame: int, keypoints: np.ndarray | None) -> None:
        """keypoints: (17, 3) float32 pixels and confidence, or None for no runner."""
        row = [f"{t:.6f}", str(frame)]
        if keypoints is None:
            row += ["", "", "0"] * NUM_KEYPOINTS
        else:
            for x, y, c in keypoints:
                missing = not (np.isfinite(x) and np.isfinite(y)) or c <= 0
                row += ["", "", "0"] if missing else [f"{x:.2f}", f"{y:.2f}", f"{c:.3f}"]
        self._csv.writerow(row)

    def close(self) -> None:
        self._file.close()


def read_keypoint_track(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read a track: t (T,) float64 s, frame (T,) int64, keypoints (T, 17, 3) float32.

    Missing keypoints come back as NaN with confidence 0.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(
            f"{path} does not exist; check the path (analyze writes OUT/keypoints.csv)"
        ) from None
    except IsADirectoryError:
        raise UsageError(
            f"{path} is a folder, not a keypoint track: give the keypoints.csv in it"
        ) from None
    except NotADirectoryError:
        raise UsageError(
            f"{path} does not exist: a folder in its path is a file; check the path"
        ) from None
    except OSError as exc:
        raise UsageError(
            f"cannot read keypoint track {path} ({exc.strerror or exc}): check that you may "
            "read it, or copy it somewhere you can"
        ) from None
    # A spreadsheet saving "CSV UTF-8" puts a byte-order mark first: that is still UTF-8.
    raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise UsageError(
            f"{path} is not UTF-8 text (byte 0x{raw[exc.start]:02X} on line {line}); a keypoint "
            "track is a UTF-8 CSV file: save it again as CSV UTF-8, or check it is the right file"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        rows = list(reader)
    except csv.Error as exc:
        raise UsageError(
            f"{path} line {reader.line_num}: {exc}; a keypoint track is a CSV file of numbers"
        ) from None
    if header is None or tuple(h.strip() for h in header) != TRACK_COLUMNS:
        raise UsageError(
            f"{path} is not a keypoint track: the header must be t,frame then "
            "<name>_x,<name>_y,<name>_conf for the 17 COCO keypoints in COCO order"
        )
    data = np.full((len(rows), len(TRACK_COLUMNS)), np.nan)
    for i, row in enumerate(rows):
        if len(row) != len(TRACK_COLUMNS):
            raise UsageError(
                f"{path} line {i + 2}: {len(row)} columns, expected {len(TRACK_COLUMNS)}"
            )
        try:
            data[i] = [float(v) if v.strip() else np.nan for v in row]
        except ValueError as exc:
            raise UsageError(f"{path} line {i + 2}: {exc}") from None
    keypoints = data[:, 2:].reshape(-1, NUM_KEYPOINTS, 3).astype(np.float32)
    conf = keypoints[..., 2]
    conf[~np.isfinite(conf)] = 0.0
    missing = conf <= 0
    keypoints[missing, :2] = np.nan
    conf[missing] = 0.0
    return data[:, 0], data[:, 1].astype(np.int64), keypoints
