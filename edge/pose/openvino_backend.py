"""OpenVINO on the CPU, with the project's own pre/post-processing (no torch)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from edge.errors import MissingResourceError, missing_extra
from edge.pose.base import InputSize
from edge.pose.lean import LeanPose, check_input_shape
from edge.pose.runtime import block_openvino_telemetry

PERFORMANCE_HINT = "THROUGHPUT"
"""One CPU stream per pose worker (``PERFORMANCE_HINT_NUM_REQUESTS``), so the frames workers
send at once run side by side instead of queueing on LATENCY's one stream; with one worker it
is one stream, as LATENCY. Two workers at 320 on the shared 2-core dev machine: 23-25 ms a frame
against LATENCY's 26-27 in two of three rounds (the third was noise in the other direction)."""


class OpenVinoPose(LeanPose):
    """An ``_openvino_model`` export folder compiled for the CPU: ``workers`` streams (calls at
    once) of ``threads`` threads each.

    Each thread that calls ``forward`` gets its own infer request, so concurrent calls never
    share one.
    """

    def __init__(
        self, path: Path, size: InputSize, conf: float, threads: int, workers: int = 1
    ) -> None:
        block_openvino_telemetry()
        try:
            import openvino as ov
        except ImportError:
            raise missing_extra("openvino", "openvino") from None
        super().__init__(size, conf, uint8_nhwc=True)
        self.name = "openvino"
        xml = next(iter(sorted(path.glob("*.xml"))), None)
        if xml is None:
            raise MissingResourceError(
                f"{path} holds no OpenVINO model (.xml); delete the folder and export it again "
                f"with: hipdrive model export --format openvino --imgsz {size}"
            )
        core = ov.Core()
        model = core.read_model(str(xml))
        check_input_shape(model.input(0).get_partial_shape().to_shape(), size, path, "openvino")
        model = _takes_letterboxed_bgr(model)
        config: dict[str, Any] = {
            "PERFORMANCE_HINT": PERFORMANCE_HINT,
            "PERFORMANCE_HINT_NUM_REQUESTS": workers,
            "INFERENCE_NUM_THREADS": threads * workers,
        }
        self._compiled = core.compile_model(model, "CPU", config)
        self._local = threading.local()

    def forward(self, tensor: np.ndarray) -> np.ndarray:
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._compiled.create_infer_request()
        request.infer({0: tensor}, share_inputs=True)
        output: np.ndarray = request.get_output_tensor(0).data.copy()
        return output


def _takes_letterboxed_bgr(model: Any) -> Any:
    """The model with its input made (1, height, width, 3) uint8 BGR: the BGR -> RGB swap, the
    conversion to float32 / 255 and the move to NCHW run inside the compiled graph, at no
    measurable cost to inference, instead of numpy's split and divide before it: the station's
    preprocess at 320 on the 1080p clip went from 1.1-1.5 to 0.75-1.2 ms a frame. The output is
    the float input's (bit for bit on this project's x86 dev machine); on the INT8 model too, as
    the steps come before its first quantize."""
    from openvino import Layout, Type
    from openvino.preprocess import ColorFormat, PrePostProcessor

    ppp = PrePostProcessor(model)
    given = ppp.input()
    given.tensor().set_element_type(Type.u8).set_layout(Layout("NHWC"))
    given.tensor().set_color_format(ColorFormat.BGR)
    given.model().set_layout(Layout("NCHW"))
    steps = given.preprocess()
    steps.convert_element_type(Type.f32).convert_color(ColorFormat.RGB).scale(255.0)
    return ppp.build()
