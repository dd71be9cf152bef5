"""More runners with their force plates: the Fukuchi 2017 data set's c3d files, packed.

Data: Fukuchi RK, Fukuchi CA, Duarte M, PeerJ 5:e3298 (2017), doi 10.7717/peerj.3298, CC-BY 4.0.
The data set's release has, for each of its runners, a c3d file per trial that holds the markers
and the treadmill's force plate together. Those of 26 runners at 2.5, 3.5 and 4.5 m/s are here
as trials (``edge.demo.mocap.MocapTrial``: joint centres, foot markers, plate contacts), packed
to a millimetre (``write``); the folder's README says where the c3d files came from. They are
made from the c3d files, once, by a maintainer, with the ``c3d`` package from PyPI::

    .venv/bin/python -m pip install c3d
    .venv/bin/python -m tests.builders.population C3D_DIR

Each c3d is written out in the layout of the release's text files (markers in mm at 150 Hz; the
plate's Fy and centre of pressure at 300 Hz) and read by ``edge.demo.mocap.read_trial`` as the
text files are. On the four trials the project also has as text files, that reading finds the
same contacts on the same feet (initial contact within 0.6 ms but one at 3.0 ms, toe-off
within 1.5 ms but one at 6.2 ms) and the same joint centres (within 0.012 mm; within 0.5 mm
once packed).
"""

from __future__ import annotations

import io
import lzma
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

from edge.demo.mocap import (
    FORCE_FS,
    MARKER_FS,
    PACKED_MM,
    PACKED_SUFFIX,
    MocapTrial,
    TrialFiles,
    read_packed,
    read_trial,
)

FOLDER = Path(__file__).resolve().parents[1] / "data" / "fukuchi2017" / "population"
SPEEDS = ("25", "35", "45")
"""The trials of each runner: 2.5, 3.5 and 4.5 m/s, as the release names them."""
KEPT = {("RBDS001", "25"), ("RBDS002", "25"), ("RBDS002", "45"), ("RBDS008", "35")}
"""Trials the project reads from the release's text files (``edge.demo.mocap.TRIALS``), so
not packed again."""
MM = PACKED_MM
SUFFIX = PACKED_SUFFIX


def trial_keys() -> list[str]:
    """The packed trials' keys (``RBDS003-25``), in order."""
    return sorted(p.name.removesuffix(SUFFIX) for p in FOLDER.glob(f"*{SUFFIX}"))


def read(key: str) -> MocapTrial:
    """A packed trial (``trial_keys``; ``edge.demo.mocap.read_packed``)."""
    return read_packed(FOLDER / f"{key}{SUFFIX}")


def write(trial: MocapTrial, path: Path) -> None:
    """Pack ``trial`` to ``path``: positions to a millimetre and the pelvis's tilt to 0.01 deg,
    each stored as its change from the frame before, compressed (a trial's 30 s: about 90 kB)."""
    assert trial.sole is not None

    def steps(values: np.ndarray, scale: float) -> np.ndarray:
        whole = np.round(values * scale).astype(np.int64)
        change = np.diff(whole, axis=0, prepend=np.zeros_like(whole[:1]))
        if np.abs(change).max() > np.iinfo(np.int16).max:
            raise ValueError(f"{trial.name}: a position changes too fast to pack")
        return change.astype(np.int16)

    buffer = io.BytesIO()
    np.savez(
        buffer,
        joints=steps(trial.joints, MM),
        sole=steps(trial.sole, MM),
        tilt=steps(trial.pelvis_tilt_deg, 100.0),
        fs=trial.fs,
        belt_speed_mps=trial.belt_speed_mps,
        ic=trial.ic,
        to=trial.to,
        foot=np.array(trial.foot),
        anomalies=np.array(trial.anomalies, dtype=str),
        joint_names=np.array(trial.joint_names),
        runner=trial.runner,
        contact_source=trial.contact_source,
        contact_error_ms=trial.contact_error_ms,
    )
    path.write_bytes(lzma.compress(buffer.getvalue(), preset=9))


PLATE_CORNERS_MM = np.array(
    [3049.0, 0.0, 733.7, 3049.0, 0.0, 1219.7, 1249.0, 0.0, 1219.7, 1249.0, 0.0, 733.7]
)
"""The treadmill plate's corners in every running c3d of the release (lab frame, mm)."""
PLATE_SCALE = np.array([500.0, 500.0, 1000.0, 8e5, 2.5e5, 4e5])
"""Its calibration (the diagonal of CAL_MATRIX): analog volts to N and N mm."""
PLATE_DEPTH_MM = 15.0
"""The plate's origin below its surface."""


def _read_c3d(path: Path) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """A c3d's point labels, points (N, P, 4: x, y, z mm and residual) and, for a running
    trial, its force plate's six analog channels (M, 6), with the plate checked to be the
    release's."""
    import c3d

    with path.open("rb") as handle:
        reader = c3d.Reader(handle)
        if reader.point_rate != MARKER_FS:
            raise ValueError(f"{path}: points at {reader.point_rate} Hz, not {MARKER_FS}")
        labels = [label.strip() for label in reader.point_labels]
        points, analog = [], []
        for _, frame_points, frame_analog in reader.read_frames():
            points.append(frame_points.copy())
            analog.append(frame_analog.T.copy())
        if not reader.analog_used:
            return labels, np.array(points), None
        plate = reader.get("FORCE_PLATFORM")
        found = [label.strip() for label in reader.analog_labels]
        if (
            reader.analog_rate != FORCE_FS
            or found != ["F1X", "F1Y", "F1Z", "M1X", "M1Y", "M1Z"]
            or not np.allclose(
                plate.get("CORNERS").float_array.ravel(), PLATE_CORNERS_MM, atol=0.05
            )
            or not np.allclose(
                plate.get("CAL_MATRIX").float_array.ravel(), np.diag(PLATE_SCALE).ravel()
            )
        ):
            raise ValueError(f"{path}: not the release's treadmill plate ({found})")
        return labels, np.array(points), np.concatenate(analog)


def _write_markers(path: Path, labels: list[str], points: np.ndarray) -> None:
    """The markers in the release's text layout: Time, then X, Y, Z of each in mm, a field left
    empty where the c3d has no sample (a negative residual, or 0, 0, 0)."""
    gone = (points[..., 3] < 0) | ~points[..., :3].any(axis=-1)
    lines = ["\t".join(["Time"] + [f"{name}{axis}" for name in labels for axis in "XYZ"])]
    for i, (frame, missing) in enumerate(zip(points, gone, strict=True)):
        cells = [f"{i / MARKER_FS:g}"]
        for xyz, absent in zip(frame[:, :3], missing, strict=True):
            cells += ["", "", ""] if absent else [f"{v:.6g}" for v in xyz]
        lines.append("\t".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_forces(path: Path, analog: np.ndarray) -> None:
    """The plate in the release's text layout (Time as the 1-based sample, Fy in N, COPz in
    mm), from its channels: the plate's x runs along the lab's -Z, its y along +X, its z along
    -Y, and the centre of pressure comes from the moments about its origin ``PLATE_DEPTH_MM``
    below the surface."""
    fx, _, fz, _, my, _ = (analog * PLATE_SCALE).T
    with np.errstate(divide="ignore", invalid="ignore"):
        cop_z = PLATE_CORNERS_MM[2] + (my + PLATE_DEPTH_MM * fx) / fz
    vertical = -fz
    cop_z[~(vertical >= 20.0)] = 0.5 * (PLATE_CORNERS_MM[2] + PLATE_CORNERS_MM[5])
    lines = ["Time\tFy\tCOPz"]
    lines += [
        f"{i + 1}\t{f:.2f}\t{c:.2f}" for i, (f, c) in enumerate(zip(vertical, cop_z, strict=True))
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _names(c3d_dir: Path) -> dict[str, str]:
    """The runners with a standing trial in ``c3d_dir``, each with the name its files begin
    with in the release (``RBDS003``: ``RBDS03``, as ``RBDS03runT25.c3d``)."""
    found = (re.fullmatch(r"(RBDS(\d+))static\.c3d", p.name) for p in c3d_dir.glob("*.c3d"))
    return {f"RBDS{int(m.group(2)):03d}": m.group(1) for m in found if m}


def pack_runner(c3d_dir: Path, runner: str, out: Path, scratch: Path) -> list[str]:
    """Pack ``runner``'s trials (``SPEEDS`` but ``KEPT``) from ``c3d_dir`` (the release's names:
    RBDS03runT25.c3d, RBDS010static.c3d) into ``out``; the keys written."""
    name = _names(c3d_dir)[runner]
    labels, points, _ = _read_c3d(c3d_dir / f"{name}static.c3d")
    _write_markers(scratch / "static.txt", labels, points)
    written = []
    for speed in SPEEDS:
        if (runner, speed) in KEPT:
            continue
        labels, points, analog = _read_c3d(c3d_dir / f"{name}runT{speed}.c3d")
        if analog is None:
            raise ValueError(f"{name}runT{speed}.c3d: no force plate")
        _write_markers(scratch / "markers.txt", labels, points)
        _write_forces(scratch / "forces.txt", analog)
        files = TrialFiles("markers.txt", "static.txt", "forces.txt", int(speed) / 10, runner)
        key = f"{runner}-{speed}"
        write(read_trial(scratch, files, runner), out / f"{key}{SUFFIX}")
        written.append(key)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not Path(args[0]).is_dir():
        print("usage: python -m tests.builders.population C3D_DIR", file=sys.stderr)
        return 2
    c3d_dir = Path(args[0])
    try:
        import c3d  # noqa: F401
    except ImportError:
        print(
            "the c3d package reads the files: .venv/bin/python -m pip install c3d", file=sys.stderr
        )
        return 2
    runners = sorted(_names(c3d_dir))
    FOLDER.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for n, runner in enumerate(runners, 1):
            written = pack_runner(c3d_dir, runner, FOLDER, Path(scratch))
            print(f"[{n}/{len(runners)}] {runner}: {', '.join(written) or 'all kept'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
