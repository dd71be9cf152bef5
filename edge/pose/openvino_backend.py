"""OpenVINO on the CPU, with the project's own pre/post-processing (no torch)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from edge.errors import MissingResourceError, missing_extra
from edge.pose.lean import LeanPose, check_input_shape

PERFORMANCE_HINT = "LATENCY"
"""One stream using every core: the fastest single frame, and on a 2-core machine about as
many frames per second as THROUGHPUT's two streams even with two frames in flight."""


class OpenVinoPose(LeanPose):
    """An ``_openvino_model`` export folder compiled for the CPU.

    ``threads`` = 0 lets OpenVINO use every core. Each thread that calls ``forward`` gets its own
    infer request, so concurrent calls never share one.
    """

    def __init__(self, path: Path, imgsz: int, conf: float, threads: int = 0) -> None:
        try:
            import openvino as ov
        except ImportError:
            raise missing_extra("openvino", "openvino") from None
        super().__init__(imgsz, conf)
        self.name = "openvino"
        xml = next(iter(sorted(path.glob("*.xml"))), None)
        if xml is None:
            raise MissingResourceError(
                f"{path} holds no OpenVINO model (.xml); delete the folder and export it again "
                f"with: hipdrive model export --format openvino --imgsz {imgsz}"
            )
        core = ov.Core()
        model = core.read_model(str(xml))
        check_input_shape(model.input(0).get_partial_shape().to_shape(), imgsz, path, "openvino")
        config: dict[str, Any] = {"PERFORMANCE_HINT": PERFORMANCE_HINT}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        self._compiled = core.compile_model(model, "CPU", config)
        self._local = threading.local()

    def forward(self, tensor: np.ndarray) -> np.ndarray:
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._compiled.create_infer_request()
        request.infer({0: tensor}, share_inputs=True)
        output: np.ndarray = request.get_output_tensor(0).data.copy()
        return output
