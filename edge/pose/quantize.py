"""INT8 post-training quantization of the OpenVINO export with NNCF, calibrated offline.

The calibration set is the demo clip's frames as the station shows them to the model: mostly
crops around the runner in the shape of the model's input, placed from the clip's true keypoints
the way the runner crop places them (``crop_around``), and every ``FULL_FRAME_EVERY``-th sample
a whole frame (the first look and the re-detections), each letterboxed by the station's own
``LetterboxInput`` so the statistics are those of inference. Nothing is downloaded (Ultralytics'
own INT8 export fetches a calibration dataset). As in Ultralytics' INT8 export, the pose head's
decoding arithmetic (anchors, strides, DFL, sigmoids) stays in floating point: it carries pixel
coordinates, where an 8-bit step is whole pixels. So do the keypoint branch's last convolutions,
and biases are corrected in full rather than NNCF's fast way. At imgsz 320 on 300 demo frames
(tests/bench/pose_int8.py; 1-worker forward ms, median / p90 px keypoint move against FP32, mean
leg error against the truth, FP32 26 ms and 21.8 px): the plain recipe 17 ms, 4.6 / 12 px, 24.9
px; full bias correction 17 ms, 3.1 / 7.3 px, 21.7 px; and the last keypoint convolutions in
FP32 as well 17 ms, 2.0 / 6.6 px, 21.7 px (the whole keypoint branch: 19 ms, 1.2 / 6.0 px).

The INT8 model is an OpenVINO IR like the FP32 export and lives beside it, ``-int8`` added to
its name: ``yolo11n-pose-320_openvino_model`` -> ``yolo11n-pose-320-int8_openvino_model``.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from edge.errors import MissingResourceError, UsageError, missing_extra
from edge.pose.base import InputSize
from edge.pose.crop import HISTORY, MARGIN, crop_around
from edge.pose.lean import LetterboxInput
from edge.pose.models import EXPORT_FORMATS, edge_model, export_path, require_model
from edge.pose.runtime import block_openvino_telemetry
from edge.progress import Progress

if TYPE_CHECKING:
    from edge.demo.render import DemoClip

log = logging.getLogger(__name__)

CALIBRATION_SAMPLES = 300
"""NNCF's default subset size; fewer moved keypoints more in trials, more took longer."""
FULL_FRAME_EVERY = 4
"""One calibration sample in this many is a whole frame, the rest runner crops."""
CROP_MARGINS = (MARGIN, 0.3)
"""Crop margins drawn from this range: truth keypoints span less than a detector's box (no
head top, no shoes), and a looser crop shows the model the runner a little smaller."""
SEED = 2017
_OPENVINO = EXPORT_FORMATS["openvino"]
_SUFFIX = _OPENVINO.suffix
INT8_SUFFIX = "-int8" + _SUFFIX


def int8_path(fp32: Path) -> Path:
    """Where the INT8 model made from the FP32 export folder ``fp32`` lives: beside it."""
    return fp32.with_name(fp32.name.removesuffix(_SUFFIX) + INT8_SUFFIX)


def export_command(size: InputSize) -> str:
    return f"hipdrive model export --format openvino --imgsz {size} --int8"


def calibration_tensors(
    clip: DemoClip, size: InputSize, samples: int = CALIBRATION_SAMPLES
) -> list[np.ndarray]:
    """``samples`` model inputs ((1, 3, height, width) float32 each) from frames spread evenly
    over the demo clip: runner crops, and every FULL_FRAME_EVERY-th a whole frame."""
    if samples < 1:
        raise UsageError(f"calibration samples = {samples}: must be >= 1")
    rng = np.random.default_rng(SEED)
    wanted = np.unique(np.linspace(0, clip.frames - 1, samples).round().astype(int))
    letterbox = LetterboxInput(size, slots=1)
    tensors = []
    bar = Progress(f"calibration frames at imgsz {size}", len(wanted))
    capture = cv2.VideoCapture(str(clip.video))
    try:
        index = -1
        for n, k in enumerate(wanted):
            while index < k - 1:
                capture.grab()
                index += 1
            ok, image = capture.read()
            index += 1
            if not ok:
                raise MissingResourceError(
                    f"cannot read frame {k} of {clip.video} ({clip.frames} frames); delete "
                    "its folder so the demo clip is rendered again"
                )
            if n % FULL_FRAME_EVERY:
                margin = float(rng.uniform(*CROP_MARGINS))
                x, y, w, h = _runner_crop(clip, int(k), margin, size.aspect)
                image = image[y : y + h, x : x + w]
            tensors.append(letterbox(image)[0].copy())
            bar.update()
    finally:
        capture.release()
        bar.close()
    return tensors


def _runner_crop(
    clip: DemoClip, frame: int, margin: float, aspect: float
) -> tuple[int, int, int, int]:
    """The crop the station would look at in ``frame``: around the runner's true keypoint
    boxes over the HISTORY frames up to it, ``aspect`` (width / height) in shape."""
    track = clip.keypoints[max(0, frame - HISTORY + 1) : frame + 1]
    boxes = np.concatenate((track.min(axis=1), track.max(axis=1)), axis=1)
    width, height = clip.camera.image_size
    return crop_around(boxes, margin, (height, width), aspect)


def quantize(fp32: Path, target: Path, tensors: Sequence[np.ndarray]) -> Path:
    """Quantize the FP32 OpenVINO export folder ``fp32`` to INT8 with NNCF on ``tensors``
    (model inputs), and write it as the folder ``target``."""
    block_openvino_telemetry()
    if importlib.util.find_spec("nncf") is None:
        raise missing_extra("nncf", "openvino")
    # NNCF imports torch's C++ extension tools, which warn of no CUDA on a machine without one.
    logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)
    import nncf
    import openvino as ov

    # NNCF logs every operation it leaves out at INFO; its progress bars say enough.
    logging.getLogger("nncf").setLevel(logging.WARNING)
    xml = next(iter(sorted(fp32.glob("*.xml"))), None)
    if xml is None:
        raise MissingResourceError(f"{fp32} holds no OpenVINO model (.xml) to quantize")
    model = ov.Core().read_model(str(xml))
    log.info("quantizing %s to INT8 on %d calibration inputs", fp32.name, len(tensors))
    quantized = nncf.quantize(
        model,
        nncf.Dataset(tensors),
        preset=nncf.QuantizationPreset.MIXED,
        subset_size=len(tensors),
        fast_bias_correction=False,
        ignored_scope=_head_ignored(model),
    )
    partial = target.with_name(f"partial-{target.name}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    ov.save_model(quantized, str(partial / xml.name), compress_to_fp16=False)
    for extra in fp32.iterdir():
        if extra.suffix not in (".xml", ".bin"):
            shutil.copy2(extra, partial / extra.name)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(partial, target)
    log.info("wrote %s", target)
    return target


def _head_ignored(model: Any) -> Any:
    """NNCF's ignored scope in the last module (the pose head): its elementwise arithmetic, its
    DFL, the last convolution of its keypoint branch (``cv4``) at each scale, every sigmoid."""
    import nncf

    names = [op.get_friendly_name() for op in model.get_ops()]
    indices = [int(m.group(1)) for n in names if (m := re.search(r"\.model\.(\d+)[./]", n))]
    if not indices:
        raise UsageError("the OpenVINO model is not an Ultralytics YOLO export (no model.N ops)")
    head = rf".*\.model\.{max(indices)}"
    return nncf.IgnoredScope(
        patterns=[
            rf"{head}/.*/(Add|Subtract|Multiply|Divide).*",
            rf"{head}\.dfl.*",
            rf"{head}\.cv4\.\d+\.2/.*",
        ],
        types=["Sigmoid"],
        validate=False,
    )


def export_int8(
    model: Path, size: InputSize, data_dir: Path, samples: int = CALIBRATION_SAMPLES
) -> Path:
    """Quantize the model's OpenVINO export for ``size`` (exported first when missing) on the
    demo clip in ``<data_dir>/demo`` (rendered first when missing); return the INT8 folder."""
    if importlib.util.find_spec("nncf") is None:
        raise missing_extra("nncf", "openvino")
    from edge.demo.render import ensure_demo

    fp32 = edge_model(model, "openvino", size)
    if fp32.name.endswith(INT8_SUFFIX):
        raise UsageError(f"{fp32} is already an INT8 model; configure its FP32 export instead")
    tensors = calibration_tensors(ensure_demo(data_dir), size, samples)
    return quantize(fp32, int8_path(fp32), tensors)


def int8_model(model: Path, size: InputSize, data_dir: Path) -> Path:
    """The model's INT8 OpenVINO export for ``size``, made now (once) when it is not there.

    ``model`` may be the .pt file, its FP32 OpenVINO export or an INT8 export (used as it is).
    Exit 3 with the exact command when it is missing and cannot be made here.
    """
    if model.name.endswith(INT8_SUFFIX):
        return edge_model(model, "openvino", size)
    fp32 = model if model.name.endswith(_SUFFIX) else export_path(model, _OPENVINO, size)
    target = int8_path(fp32)
    if target.exists():
        return target
    if not fp32.exists():
        # Said before the quantizing is announced, and before nncf (a user trial read
        # "quantizing it once now" and then that the model was missing).
        require_model(model)
    command = export_command(size)
    if importlib.util.find_spec("nncf") is None:
        raise MissingResourceError(
            f"{target} is missing and nncf, which makes it, is not installed; install it with: "
            f"pip install 'hipdrive[openvino]', then run: {command} "
            '(or set pose.precision = "fp32")'
        )
    log.info("%s is missing; quantizing it once now, as `%s` would", target.name, command)
    started = time.monotonic()
    made = export_int8(model, size, data_dir)
    log.info("quantized %s in %.1f s", made.name, time.monotonic() - started)
    return made
