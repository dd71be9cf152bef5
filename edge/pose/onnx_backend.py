"""ONNX Runtime on the CPU, with the project's own pre/post-processing (no torch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.errors import missing_extra
from edge.pose.base import InputSize
from edge.pose.lean import LeanPose, check_input_shape


class OnnxPose(LeanPose):
    """A fixed-shape ``.onnx`` export on ONNX Runtime's CPU provider, ``threads`` per call.

    ``session.run`` is thread-safe, so one session serves concurrent ``forward`` calls.
    """

    def __init__(self, path: Path, size: InputSize, conf: float, threads: int) -> None:
        try:
            import onnxruntime as ort
        except ImportError:
            raise missing_extra("onnxruntime", "onnx") from None
        super().__init__(size, conf)
        self.name = "onnx"
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        # Spinning workers wait for each other on a busy CPU: two threads on a loaded 2-core
        # machine took 55 ms a frame spinning, 29 ms not (one thread: 28 ms).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        model_input = self._session.get_inputs()[0]
        check_input_shape(model_input.shape, size, path, "onnx")
        self._input_name = model_input.name
        self._output_name = self._session.get_outputs()[0].name
        self.log_ready(path)

    def forward(self, tensor: np.ndarray) -> np.ndarray:
        output: np.ndarray = self._session.run([self._output_name], {self._input_name: tensor})[0]
        return output
