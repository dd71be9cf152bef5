"""Opens the configured pose backend; the only place that knows every backend's module."""

from __future__ import annotations

import importlib.util
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from edge.errors import MissingResourceError, UsageError, missing_extra
from edge.pose.base import InputSize, PoseEstimator
from edge.pose.models import EXPORT_FORMATS, edge_model, export_path, require_model

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LeanRuntime:
    """A lean backend: the export format it runs and the packages (and extra) its runtime needs."""

    export_format: str
    modules: tuple[str, ...]
    extra: str


LEAN = {
    "tensorrt": LeanRuntime("engine", ("tensorrt", "pycuda"), "jetson"),
    "openvino": LeanRuntime("openvino", ("openvino",), "openvino"),
    "onnx": LeanRuntime("onnx", ("onnxruntime",), "onnx"),
    "ncnn": LeanRuntime("ncnn", ("ncnn",), "ncnn"),
}
AUTO_ORDER = ("tensorrt", "openvino", "onnx", "ncnn")
"""``auto`` takes the first of these that is installed and has (or can make) its export, else
ultralytics. TensorRT is the Jetson's GPU. On the 2-core x86 dev machine, one thread, CPU ms
per frame at imgsz 320 / 640: OpenVINO 28 / 107, ONNX Runtime 28 / 110 (OpenVINO ahead with
two workers), NCNN 34 / 127, Ultralytics 41 / 165 on the same square input."""
BACKENDS = ("ultralytics", *LEAN, "auto")
PRECISIONS = ("fp32", "bf16", "int8")
OPENVINO_PRECISIONS = ("bf16", "int8")
"""Precisions only OpenVINO runs (bf16 where the CPU has AMX or AVX512-BF16); the other
backends run fp32, pinned so on every CPU."""


def threads_per_call(threads: int, workers: int) -> int:
    """CPU threads each call of a lean runtime gets: ``threads``, or with 0 the cores shared
    out among ``workers`` threads calling at once (at least one)."""
    return threads or max(1, len(os.sched_getaffinity(0)) // workers)


def open_estimator(
    backend: str,
    model: Path,
    size: InputSize,
    conf: float,
    device: str = "cpu",
    threads: int = 0,
    workers: int = 1,
    precision: str = "fp32",
    data_dir: Path = Path("var"),
) -> PoseEstimator:
    """A ready pose backend.

    ``model`` is the configured model file: the lean backends open its export for ``size``,
    exporting it once when missing. ``workers`` is how many threads will call ``infer`` at
    once; each call of a lean CPU runtime uses ``threads`` threads, 0 = the cores shared out
    among the workers. ``precision`` "int8" runs OpenVINO's INT8 model, quantized once when
    missing on the demo clip in ``<data_dir>/demo``; "bf16" the FP32 export in bf16, on a CPU
    that has it. Missing model, runtime or bf16 -> exit 3 with the command that fixes it.
    """
    if precision not in PRECISIONS:
        raise UsageError(f"pose.precision = {precision!r}: must be one of {', '.join(PRECISIONS)}")
    if backend == "auto":
        backend = choose_auto(model, size)
        log.info("pose.backend = auto: using %s", backend)
    if precision in OPENVINO_PRECISIONS and backend != "openvino":
        log.info("pose.precision = %s is for openvino; %s runs fp32", precision, backend)
    if backend == "ultralytics":
        from edge.pose.ultralytics_backend import UltralyticsPose

        return UltralyticsPose(require_model(model), imgsz=size, conf=conf, device=device)
    runtime = LEAN.get(backend)
    if runtime is None:
        raise UsageError(f"pose.backend = {backend!r}: must be one of {', '.join(BACKENDS)}")
    for module in runtime.modules:
        if importlib.util.find_spec(module) is None:
            raise _missing_runtime(module, runtime.extra)
    per_call = threads_per_call(threads, workers)
    if backend == "openvino":
        from edge.pose.openvino_backend import OpenVinoPose

        if precision == "int8":
            from edge.pose.quantize import int8_model

            path = int8_model(model, size, data_dir)
        else:
            path = edge_model(model, runtime.export_format, size)
        return OpenVinoPose(path, size, conf, per_call, workers, precision)
    path = edge_model(model, runtime.export_format, size)
    if backend == "onnx":
        from edge.pose.onnx_backend import OnnxPose

        return OnnxPose(path, size, conf, per_call)
    if backend == "ncnn":
        from edge.pose.ncnn_backend import NcnnPose

        return NcnnPose(path, size, conf, per_call)
    from edge.pose.tensorrt_backend import TensorRTPose

    return TensorRTPose(path, size, conf, cuda_device(device))


def choose_auto(model: Path, size: InputSize) -> str:
    """The backend ``auto`` means here: the lean runtime of an export configured directly, else
    the first of AUTO_ORDER that is installed and whose export exists or can be made."""
    for name, runtime in LEAN.items():
        if model.name.endswith(EXPORT_FORMATS[runtime.export_format].suffix):
            return name
    for name in AUTO_ORDER:
        runtime = LEAN[name]
        fmt = EXPORT_FORMATS[runtime.export_format]
        if _installed(runtime.modules) and (
            export_path(model, fmt, size).exists() or _installed(fmt.modules)
        ):
            return name
    return "ultralytics"


def cuda_device(device: str) -> int:
    """The CUDA device index in a pose.device of "0" or "cuda:0"; 0 for anything else."""
    match = re.fullmatch(r"(?:cuda:)?(\d+)", device)
    return int(match.group(1)) if match else 0


def _installed(modules: tuple[str, ...]) -> bool:
    return all(importlib.util.find_spec(module) is not None for module in modules)


def _missing_runtime(module: str, extra: str) -> MissingResourceError:
    if module == "tensorrt":
        from edge.pose.tensorrt_backend import TENSORRT_MISSING

        return MissingResourceError(TENSORRT_MISSING)
    return missing_extra(module, extra)
