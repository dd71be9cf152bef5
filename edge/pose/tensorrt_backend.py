"""TensorRT 10 on a Jetson's GPU, with the project's own pre/post-processing (no torch).

Needs the ``jetson`` extra (pycuda) and TensorRT's Python bindings, which come with JetPack.
The engine is an Ultralytics ``.engine`` export made on the same Jetson and TensorRT version.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edge.errors import MissingResourceError, missing_extra
from edge.pose.base import InputSize
from edge.pose.lean import LeanPose, check_input_shape

TENSORRT_MISSING = (
    "tensorrt is not installed; it comes with JetPack: sudo apt install python3-libnvinfer, "
    "and make the venv with --system-site-packages so it sees it"
)


def engine_offset(data: bytes) -> int:
    """Where the serialized engine starts in an Ultralytics ``.engine`` file.

    Ultralytics writes a 4-byte little-endian length and that much JSON metadata before the
    engine; a plain TensorRT engine (no such header) starts at 0.
    """
    length = int.from_bytes(data[:4], "little")
    if 0 < length <= len(data) - 4:
        try:
            json.loads(data[4 : 4 + length])
        except (ValueError, UnicodeDecodeError):
            return 0
        return 4 + length
    return 0


@dataclass(slots=True)
class _Lane:
    """What one thread needs to run the engine: its own execution context, stream, buffers
    (page-locked on the host, since asynchronous copies need that)."""

    context: Any
    stream: Any
    host_input: np.ndarray
    device_input: Any
    device_output: Any
    host_output: np.ndarray


class TensorRTPose(LeanPose):
    """A fixed-shape ``.engine`` on CUDA device ``device``.

    The engine is shared; each thread that calls ``forward`` gets its own execution context,
    CUDA stream and device buffers, all in the device's primary context (the one TensorRT uses).
    """

    def __init__(self, path: Path, size: InputSize, conf: float, device: int = 0) -> None:
        try:
            import tensorrt as trt
        except ImportError:
            raise MissingResourceError(TENSORRT_MISSING) from None
        try:
            import pycuda.driver as cuda
        except ImportError:
            raise missing_extra("pycuda", "jetson") from None
        super().__init__(size, conf)
        self.name = "tensorrt"
        self._trt = trt
        self._cuda = cuda
        cuda.init()
        self._gpu = cuda.Device(device).retain_primary_context()
        self._gpu.push()
        try:
            data = path.read_bytes()
            self._logger = trt.Logger(trt.Logger.WARNING)
            self._runtime = trt.Runtime(self._logger)
            self._engine = self._runtime.deserialize_cuda_engine(data[engine_offset(data) :])
            if self._engine is None:
                raise MissingResourceError(
                    f"TensorRT {trt.__version__} cannot load {path}: it was built for another "
                    f"TensorRT version or GPU; delete it and export it here again with: "
                    f"hipdrive model export --format engine --imgsz {size}"
                )
            names = [self._engine.get_tensor_name(i) for i in range(self._engine.num_io_tensors)]
            inputs = [n for n in names if self._engine.get_tensor_mode(n) == trt.TensorIOMode.INPUT]
            outputs = [n for n in names if n not in inputs]
            self._input, self._output = inputs[0], outputs[0]
            self._input_shape = tuple(self._engine.get_tensor_shape(self._input))
            check_input_shape(self._input_shape, size, path, "engine")
            self._input_dtype = np.dtype(trt.nptype(self._engine.get_tensor_dtype(self._input)))
            self._output_shape = tuple(self._engine.get_tensor_shape(self._output))
            self._output_dtype = np.dtype(trt.nptype(self._engine.get_tensor_dtype(self._output)))
        finally:
            self._gpu.pop()
        self._local = threading.local()
        self._lanes: list[_Lane] = []
        self._lanes_lock = threading.Lock()
        # Fixed when the engine was built (hipdrive exports without half, so fp32 layers, which
        # TensorRT may run as TF32 on Orin's tensor cores); nothing to pin at load.
        self.precision = "as built into the engine"
        self.log_ready(path)

    def _lane(self) -> _Lane:
        lane: _Lane | None = getattr(self._local, "lane", None)
        if lane is None:
            cuda = self._cuda
            host_input = cuda.pagelocked_empty(self._input_shape, self._input_dtype)
            host_output = cuda.pagelocked_empty(self._output_shape, self._output_dtype)
            lane = _Lane(
                context=self._engine.create_execution_context(),
                stream=cuda.Stream(),
                host_input=host_input,
                device_input=cuda.mem_alloc(host_input.nbytes),
                device_output=cuda.mem_alloc(host_output.nbytes),
                host_output=host_output,
            )
            lane.context.set_tensor_address(self._input, int(lane.device_input))
            lane.context.set_tensor_address(self._output, int(lane.device_output))
            self._local.lane = lane
            with self._lanes_lock:
                self._lanes.append(lane)
        return lane

    def forward(self, tensor: np.ndarray) -> np.ndarray:
        cuda = self._cuda
        self._gpu.push()
        try:
            lane = self._lane()
            np.copyto(lane.host_input, tensor, casting="same_kind")
            cuda.memcpy_htod_async(lane.device_input, lane.host_input, lane.stream)
            if not lane.context.execute_async_v3(lane.stream.handle):
                raise RuntimeError("TensorRT could not enqueue the pose engine")
            cuda.memcpy_dtoh_async(lane.host_output, lane.device_output, lane.stream)
            lane.stream.synchronize()
            return lane.host_output.astype(np.float32)
        finally:
            self._gpu.pop()

    def close(self) -> None:
        self._gpu.push()
        try:
            with self._lanes_lock:
                for lane in self._lanes:
                    lane.device_input.free()
                    lane.device_output.free()
                self._lanes.clear()
            self._local = threading.local()
            self._engine = None
        finally:
            self._gpu.pop()
        self._gpu.detach()
