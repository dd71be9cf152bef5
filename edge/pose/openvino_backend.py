"""OpenVINO on the CPU, with the project's own pre/post-processing (no torch)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from edge.errors import MissingResourceError, missing_extra
from edge.pose.base import InputSize
from edge.pose.cpu import cpu_features
from edge.pose.lean import LeanPose, check_input_shape
from edge.pose.runtime import block_openvino_telemetry

PERFORMANCE_HINT = "THROUGHPUT"
"""One CPU stream per pose worker (``PERFORMANCE_HINT_NUM_REQUESTS``), so the frames workers
send at once run side by side instead of queueing on LATENCY's one stream; with one worker it
is one stream, as LATENCY. Two workers at 320 on the shared 2-core dev machine: 23-25 ms a frame
against LATENCY's 26-27 in two of three rounds (the third was noise in the other direction)."""

INFERENCE_PRECISION = {"fp32": "f32", "int8": "f32", "bf16": "bf16"}
"""OpenVINO's ``INFERENCE_PRECISION_HINT`` for each ``pose.precision``, always set: left out,
a CPU with AMX or AVX512-BF16 runs an FP32 model in bf16, and an INT8 model's unquantized
layers (the head, the first convolution) too. "int8" means the quantized layers in int8 and
the rest in f32, on every CPU."""


class OpenVinoPose(LeanPose):
    """An ``_openvino_model`` export folder compiled for the CPU: ``workers`` streams (calls at
    once) of ``threads`` threads each.

    ``precision``: "fp32" or "bf16" for an FP32 export, "int8" for a quantized one (see
    INFERENCE_PRECISION); ``self.precision`` says what OpenVINO compiled it for. bf16 where the
    CPU has no bf16 instructions -> exit 3.

    Each thread that calls ``forward`` gets its own infer request, so concurrent calls never
    share one.
    """

    def __init__(
        self,
        path: Path,
        size: InputSize,
        conf: float,
        threads: int,
        workers: int = 1,
        precision: str = "fp32",
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
        if precision == "bf16" and not runs_bf16(core):
            raise MissingResourceError(
                f'pose.precision = "bf16": this CPU ({cpu_features().model}) has neither AMX nor '
                'AVX512-BF16, so OpenVINO cannot run bf16 here; set pose.precision = "int8" '
                '(the default) or "fp32"'
            )
        model = core.read_model(str(xml))
        check_input_shape(model.input(0).get_partial_shape().to_shape(), size, path, "openvino")
        model = _takes_letterboxed_bgr(model)
        config: dict[str, Any] = {
            "PERFORMANCE_HINT": PERFORMANCE_HINT,
            "PERFORMANCE_HINT_NUM_REQUESTS": workers,
            "INFERENCE_NUM_THREADS": threads * workers,
            "INFERENCE_PRECISION_HINT": INFERENCE_PRECISION[precision],
        }
        self._compiled = core.compile_model(model, "CPU", config)
        ran = self._compiled.get_property("INFERENCE_PRECISION_HINT").to_string()
        self.precision = {"f32": "fp32", "bf16": "bf16"}.get(ran, ran)
        if precision == "int8":
            self.precision = f"int8, other layers {self.precision}"
        self._local = threading.local()
        self.log_ready(path)

    def forward(self, tensor: np.ndarray) -> np.ndarray:
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._compiled.create_infer_request()
        request.infer({0: tensor}, share_inputs=True)
        output: np.ndarray = request.get_output_tensor(0).data.copy()
        return output

    def close(self) -> None:
        """Release the infer requests before the compiled model, in that order, rather than in
        whatever order the garbage collector frees them."""
        self._local = threading.local()
        self._compiled = None


def runs_bf16(core: Any = None) -> bool:
    """Whether OpenVINO runs bf16 on this CPU (AMX or AVX512-BF16): elsewhere it takes a bf16
    precision hint without a word and compiles at f32."""
    if core is None:
        block_openvino_telemetry()
        import openvino as ov

        core = ov.Core()
    return "BF16" in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES")


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
