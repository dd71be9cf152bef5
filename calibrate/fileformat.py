"""The calibration file (TOML, DESIGN.md "Files"): written by hand, read with tomllib.

Writing needs no TOML library: the file is a few numbers, lists and strings, and floats are
written with ``repr`` so that they read back bit for bit. Reading checks every key and names the
key, the value and what was expected.
"""

from __future__ import annotations

import math
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from calibrate.model import Calibration, Intrinsics, Plane
from edge.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

FORMAT_VERSION = 1
_TOP_KEYS = {"version", "created", "camera", "image_size", "intrinsics", "plane"}
_INTRINSICS_KEYS = {"K", "dist", "rms_px"}
_PLANE_KEYS = {"homography", "belt_line", "facing", "roi", "meters_per_pixel_at_belt", "rms_px"}


def dumps(calibration: Calibration) -> str:
    """The TOML text of a calibration."""
    w, h = calibration.image_size
    created = calibration.created.astimezone(timezone.utc).replace(microsecond=0)
    lines = [
        "# Hipdrive calibration, written by `hipdrive calibrate`; the format: docs/calibration.md.",
        "# Image pixels: x right, y down, as the camera delivers them. Plane: the runner's",
        "# sagittal plane, metres, x forward (the way the runner faces), y up, 0 on the belt.",
        f"version = {FORMAT_VERSION}",
        f"created = {created.isoformat().replace('+00:00', 'Z')}",
        f"camera = {_string(calibration.camera)}",
        f"image_size = [{w}, {h}]",
    ]
    if (intr := calibration.intrinsics) is not None:
        lines += [
            "",
            "[intrinsics]",
            "# Camera matrix in pixels and OpenCV distortion k1, k2, p1, p2, k3.",
            f"K = {_matrix(intr.K)}",
            f"dist = {_floats(intr.dist)}",
            f"rms_px = {_float(intr.rms_px)}",
        ]
    if (plane := calibration.plane) is not None:
        x, y, rw, rh = plane.roi
        lines += [
            "",
            "[plane]",
            "# Undistorted pixels (same K, no distortion) -> plane metres.",
            f"homography = {_matrix(plane.homography)}",
            "# Two image pixels on the belt.",
            f"belt_line = {_matrix(plane.belt_line)}",
            "# Which way the runner faces in the image.",
            f"facing = {_string(plane.facing)}",
            "# Image pixels [x, y, w, h] around the runner's space.",
            f"roi = [{x}, {y}, {rw}, {rh}]",
            f"meters_per_pixel_at_belt = {_float(plane.meters_per_pixel_at_belt)}",
        ]
        if plane.rms_px is not None:
            lines += [
                "# How far the board's corners lie from the fitted plane, pixels.",
                f"rms_px = {_float(plane.rms_px)}",
            ]
    return "\n".join(lines) + "\n"


def write_calibration(path: Path, calibration: Calibration) -> None:
    """Write atomically, so a station never reads half a file."""
    partial = path.with_name(path.name + ".partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(dumps(calibration), encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        raise UsageError(f"cannot write calibration {path}: {exc.strerror}") from None


def load_calibration(
    path: Path, image_size: tuple[int, int] | None = None, camera: str | None = None
) -> Calibration:
    """Read and check a calibration; refuse one made for another resolution or camera.

    Raises UsageError naming the file, the key and what is wrong, or both resolutions (cameras).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"calibration file {path} does not exist; make it with: hipdrive calibrate "
            "intrinsics (the lens), then hipdrive calibrate plane (the treadmill; it alone "
            "gives metres, its lens uncorrected)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read calibration file {path}: {exc}") from None
    calibration = loads(text, str(path))
    if image_size is not None and tuple(image_size) != calibration.image_size:
        (cw, ch), (w, h) = calibration.image_size, image_size
        raise UsageError(
            f"calibration {path} was made at {cw}x{ch} but the frames are {w}x{h}: a camera "
            f"set to another size: set camera.width/height to {cw}x{ch} or calibrate again at "
            f"{w}x{h}; a video from another camera: calibrate that camera, or measure the "
            "video without this calibration"
        )
    if camera is not None and camera != calibration.camera:
        raise UsageError(
            f"calibration {path} is for camera {calibration.camera!r}, not {camera!r}; "
            "calibrate this camera (hipdrive calibrate intrinsics) or point "
            "calibration.file at its own calibration"
        )
    return calibration


def calibration_if_present(
    path: Path, image_size: tuple[int, int] | None = None, camera: str | None = None
) -> Calibration | None:
    """The calibration at ``path``, or None when there is no file (the station is uncalibrated)."""
    return load_calibration(path, image_size, camera) if path.is_file() else None


def loads(text: str, source: str = "calibration") -> Calibration:
    """Parse calibration TOML; ``source`` names it in errors."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{source} is not valid TOML: {exc}") from None
    read = _Reader(source)
    read.known(raw, _TOP_KEYS, "")
    version = read.value(raw, "version", int)
    if version != FORMAT_VERSION:
        raise UsageError(
            f"{source}: version = {version}: this hipdrive reads version {FORMAT_VERSION}; "
            "calibrate again or update hipdrive"
        )
    created = read.value(raw, "created", datetime)
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    w, h = read.ints(raw, "image_size", 2)
    if w <= 0 or h <= 0:
        read.fail("image_size", [w, h], "must be [w > 0, h > 0]")
    intrinsics = plane = None
    if "intrinsics" in raw:
        intrinsics = _intrinsics(read, read.value(raw, "intrinsics", dict))
    if "plane" in raw:
        plane = _plane(read, read.value(raw, "plane", dict))
    return Calibration(
        camera=read.value(raw, "camera", str),
        image_size=(w, h),
        created=created,
        intrinsics=intrinsics,
        plane=plane,
    )


def _intrinsics(read: _Reader, table: dict[str, Any]) -> Intrinsics:
    read.known(table, _INTRINSICS_KEYS, "intrinsics.")
    K = read.matrix(table, "intrinsics.K", (3, 3))
    if K[0, 0] <= 0 or K[1, 1] <= 0 or not np.allclose(K[2], [0, 0, 1]):
        read.fail("intrinsics.K", K.tolist(), "must be [[fx, 0, cx], [0, fy, cy], [0, 0, 1]]")
    dist = read.matrix(table, "intrinsics.dist", (-1,))
    if len(dist) not in (4, 5, 8, 12, 14):
        read.fail("intrinsics.dist", dist.tolist(), "must be a list of 4, 5, 8, 12 or 14 numbers")
    return Intrinsics(K=K, dist=dist, rms_px=read.non_negative(table, "intrinsics.rms_px"))


def _plane(read: _Reader, table: dict[str, Any]) -> Plane:
    read.known(table, _PLANE_KEYS, "plane.")
    homography = read.matrix(table, "plane.homography", (3, 3))
    if np.linalg.det(homography) == 0 or homography[2, 2] == 0:
        read.fail("plane.homography", homography.tolist(), "must be invertible with h33 != 0")
    facing = read.value(table, "plane.facing", str)
    if facing not in ("left", "right"):
        read.fail("plane.facing", facing, 'must be "left" or "right"')
    x, y, w, h = read.ints(table, "plane.roi", 4)
    if x < 0 or y < 0 or w <= 0 or h <= 0:
        read.fail("plane.roi", [x, y, w, h], "must be [x >= 0, y >= 0, w > 0, h > 0]")
    scale = read.non_negative(table, "plane.meters_per_pixel_at_belt")
    if scale == 0:
        read.fail("plane.meters_per_pixel_at_belt", scale, "must be > 0")
    return Plane(
        homography=homography,
        belt_line=read.matrix(table, "plane.belt_line", (2, 2)),
        facing="left" if facing == "left" else "right",
        roi=(x, y, w, h),
        meters_per_pixel_at_belt=scale,
        rms_px=read.non_negative(table, "plane.rms_px") if "rms_px" in table else None,
    )


class _Reader:
    """Typed access to parsed TOML whose errors read ``FILE: key = value: rule``."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, value: Any, rule: str) -> NoReturn:
        raise UsageError(f"{self.source}: {key} = {value!r}: {rule}")

    def known(self, table: dict[str, Any], keys: set[str], prefix: str) -> None:
        for key in table:
            if key not in keys:
                raise UsageError(
                    f"{self.source}: {prefix}{key}: unknown key; valid keys here: "
                    f"{', '.join(sorted(keys))}"
                )

    def value(self, table: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
        name = key.rsplit(".", 1)[-1]
        if name not in table:
            raise UsageError(f"{self.source}: {key} is missing; calibrate again to rewrite it")
        value = table[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(key, value, f"must be {_KIND_NAMES.get(kind, 'a number')}")
        return value

    def ints(self, table: dict[str, Any], key: str, n: int) -> list[int]:
        value = self.value(table, key, list)
        if len(value) != n or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            self.fail(key, value, f"must be a list of {n} whole numbers")
        return list(value)

    def non_negative(self, table: dict[str, Any], key: str) -> float:
        value = self.value(table, key, (int, float))
        if isinstance(value, bool) or not math.isfinite(value) or value < 0:
            self.fail(key, value, "must be a number >= 0")
        return float(value)

    def matrix(self, table: dict[str, Any], key: str, shape: tuple[int, ...]) -> np.ndarray:
        """A list (of lists) of finite numbers of the given shape; -1 leaves a length open."""
        value = self.value(table, key, list)
        rule = f"must be {' x '.join('N' if n < 0 else str(n) for n in shape)} finite numbers"
        if not _all_numbers(value):
            self.fail(key, value, rule)
        try:
            array = np.array(value, dtype=np.float64)
        except ValueError:
            self.fail(key, value, rule)
        fits = array.ndim == len(shape) and all(
            n < 0 or n == m for n, m in zip(shape, array.shape, strict=True)
        )
        if not fits or array.size == 0 or not np.isfinite(array).all():
            self.fail(key, value, rule)
        return array


_KIND_NAMES: dict[type | tuple[type, ...], str] = {
    int: "a whole number",
    str: "a string",
    list: "a list",
    dict: "a table",
    datetime: "a date-time such as 2026-01-31T12:00:00Z",
}


def _all_numbers(value: Any) -> bool:
    if isinstance(value, list):
        return all(_all_numbers(v) for v in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _float(value: float) -> str:
    return repr(float(value))


def _floats(values: np.ndarray) -> str:
    return "[" + ", ".join(_float(v) for v in np.asarray(values).reshape(-1)) + "]"


def _matrix(matrix: np.ndarray) -> str:
    """One row per line, so the file reads as the matrix it holds."""
    return "[\n" + "".join(f"    {_floats(row)},\n" for row in np.asarray(matrix)) + "]"


def _string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'
