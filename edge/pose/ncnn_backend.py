"""NCNN on the CPU, with the project's own pre/post-processing (no torch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.errors import MissingResourceError, missing_extra
from edge.pose.base import InputSize
from edge.pose.lean import LeanPose


class NcnnPose(LeanPose):
    """An ``_ncnn_model`` export folder (``model.ncnn.param`` and ``.bin``) on NCNN's CPU path,
    ``threads`` per call.

    The network is shared; each ``forward`` makes its own extractor, which is what NCNN allows
    across threads.
    """

    def __init__(self, path: Path, size: InputSize, conf: float, threads: int) -> None:
        try:
            import ncnn
        except ImportError:
            raise missing_extra("ncnn", "ncnn") from None
        super().__init__(size, conf)
        self.name = "ncnn"
        param = path / "model.ncnn.param"
        if not (param.is_file() and param.with_suffix(".bin").is_file()):
            raise MissingResourceError(
                f"{path} holds no NCNN model (model.ncnn.param and .bin); delete the folder and "
                f"export it again with: hipdrive model export --format ncnn --imgsz {size}"
            )
        self._ncnn = ncnn
        self._net = ncnn.Net()
        opt = self._net.opt
        opt.use_vulkan_compute = False
        opt.num_threads = threads
        # NCNN stores and computes in fp16 wherever the CPU can (ARM with FP16, the Pi 5 among
        # them): off, so fp32 means fp32 on every machine.
        opt.use_fp16_packed = opt.use_fp16_storage = opt.use_fp16_arithmetic = False
        opt.use_bf16_storage = False
        if (
            self._net.load_param(str(param)) != 0
            or self._net.load_model(str(param.with_suffix(".bin"))) != 0
        ):
            raise MissingResourceError(
                f"NCNN cannot load {path}; delete the folder and export it again with: "
                f"hipdrive model export --format ncnn --imgsz {size}"
            )
        self._input_name = self._net.input_names()[0]
        self._output_name = sorted(self._net.output_names())[0]
        self.log_ready(path)

    def forward(self, tensor: np.ndarray) -> np.ndarray:
        with self._net.create_extractor() as extractor:
            extractor.input(self._input_name, self._ncnn.Mat(tensor[0]))
            status, output = extractor.extract(self._output_name)
            if status != 0:
                raise RuntimeError(f"NCNN failed on {self._output_name} (status {status})")
            return np.array(output)[np.newaxis]

    def close(self) -> None:
        self._net.clear()
