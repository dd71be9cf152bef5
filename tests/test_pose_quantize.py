"""INT8 quantization of the OpenVINO export: naming, making it once, the missing-nncf error,
``pose.precision``, and the quantized model's keypoints against FP32's."""

from __future__ import annotations

import importlib.util
import logging
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.cli import main
from edge.errors import MissingResourceError, UsageError
from edge.pose import quantize
from edge.pose.base import InputSize
from edge.pose.factory import open_estimator
from edge.pose.models import edge_model
from edge.pose.openvino_backend import runs_bf16
from edge.pose.quantize import int8_model, int8_path
from tests.conftest import INT8_SIZE

INSTALL = "pip install 'hipdrive[openvino]'"
SIZE = INT8_SIZE
"""The station's default input, 320 high and 256 wide."""
SMALL = InputSize.of(256)


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    model = tmp_path / "yolo11n-pose.pt"
    model.write_bytes(b"weights")
    return model


def without_nncf(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "nncf" else real(name, *args),
    )


def test_the_int8_model_sits_beside_the_fp32_export_with_int8_in_its_name(tmp_path: Path) -> None:
    fp32 = tmp_path / "yolo11n-pose-320_openvino_model"
    assert int8_path(fp32) == tmp_path / "yolo11n-pose-320-int8_openvino_model"


def test_an_int8_model_that_is_there_is_used(weights: Path, monkeypatch) -> None:
    monkeypatch.setattr(quantize, "export_int8", pytest.fail)
    target = weights.with_name("yolo11n-pose-320x256-int8_openvino_model")
    target.mkdir()
    assert int8_model(weights, SIZE, weights.parent) == target
    assert int8_model(target, SIZE, weights.parent) == target


def test_a_missing_int8_model_is_quantized_once_and_says_how_long(
    weights: Path, monkeypatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls = []

    def fake_export_int8(model: Path, size: InputSize, data_dir: Path) -> Path:
        calls.append((model, size, data_dir))
        target = weights.with_name(f"yolo11n-pose-{size}-int8_openvino_model")
        target.mkdir()
        return target

    monkeypatch.setattr(quantize, "export_int8", fake_export_int8)
    with caplog.at_level(logging.INFO, logger="edge.pose.quantize"):
        path = int8_model(weights, SMALL, weights.parent / "data")
        assert int8_model(weights, SMALL, weights.parent / "data") == path
    assert calls == [(weights, SMALL, weights.parent / "data")]
    assert "hipdrive model export --format openvino --imgsz 256 --int8" in caplog.text
    assert re.search(r"quantized yolo11n-pose-256-int8_openvino_model in \d+\.\d s", caplog.text)


def test_a_missing_int8_model_without_its_weights_names_the_fetch_before_quantizing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A user trial's first analyze, no model fetched yet, logged "quantizing it once now" and
    then that the model was missing."""
    with (
        caplog.at_level(logging.INFO, logger="edge.pose.quantize"),
        pytest.raises(MissingResourceError, match="fetch it with: hipdrive model fetch"),
    ):
        int8_model(tmp_path / "yolo11n-pose.pt", SIZE, tmp_path)
    assert "quantizing" not in caplog.text


def test_without_nncf_a_missing_int8_model_exits_3_with_both_commands(
    weights: Path, monkeypatch
) -> None:
    without_nncf(monkeypatch)
    with pytest.raises(MissingResourceError) as caught:
        int8_model(weights, SIZE, weights.parent)
    assert caught.value.exit_code == 3
    message = str(caught.value)
    assert INSTALL in message and "--format openvino --imgsz 320x256 --int8" in message
    assert 'pose.precision = "fp32"' in message
    with pytest.raises(MissingResourceError, match=re.escape(INSTALL)):
        quantize.export_int8(weights, SIZE, weights.parent)


def test_precision_int8_opens_the_int8_model_and_fp32_and_bf16_the_export(
    weights: Path, monkeypatch
):
    opened = []

    class FakeOpenVino:
        def __init__(self, path: Path, *args: object) -> None:
            opened.append((path.name, args[-1]))

    monkeypatch.setattr("edge.pose.openvino_backend.OpenVinoPose", FakeOpenVino)
    int8, fp32 = "yolo11n-pose-320x256-int8_openvino_model", "yolo11n-pose-320x256_openvino_model"
    for name in (int8, fp32):
        weights.with_name(name).mkdir()
    for precision in ("int8", "fp32", "bf16"):
        open_estimator("openvino", weights, SIZE, 0.25, precision=precision)
    assert opened == [(int8, "int8"), (fp32, "fp32"), (fp32, "bf16")]


def test_an_unknown_precision_is_a_usage_error(weights: Path) -> None:
    with pytest.raises(
        UsageError, match=re.escape("pose.precision = 'int4': must be one of fp32, bf16, int8")
    ):
        open_estimator("openvino", weights, SIZE, 0.25, precision="int4")


def test_the_config_takes_fp32_bf16_and_int8_only(tmp_path: Path) -> None:
    from edge.config import load_config

    path = tmp_path / "config.toml"
    for precision in ("fp32", "bf16", "int8"):
        path.write_text(f'[pose]\nprecision = "{precision}"\n')
        assert load_config(path).pose.precision == precision
    path.write_text('[pose]\nprecision = "fp16"\n')
    with pytest.raises(
        UsageError, match=re.escape("pose.precision = \"fp16\": must be one of 'fp32'")
    ):
        load_config(path)


def test_int8_export_of_another_format_is_a_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[station]\ndata_dir = "data"\n')
    args = ["model", "export", "--config", str(config), "--format", "onnx", "--int8"]
    assert main(args) == 2


# --- the real quantization, on a tiny calibration set ------------------------------------------

TOLERANCE_MEDIAN_PX, TOLERANCE_P90_PX = 3.5, 12.0
"""INT8 keypoints (conf > 0.5 in both) against FP32's on the same runner crops, demo frame px.
Measured: TINY inputs at SIZE 1.6 / 5.2 px on these 6 frames of the current clip (at a 320
square 2.4 / 11.8; 2.8 / 10.8 on render v4's, 2.1 / 7.4 on v3's); the full 300 at 320, 2.0 /
6.6 px on 300 frames of v3; the plain NNCF recipe (head convolutions quantized, fast bias
correction) 4.6 / 12 px on v3."""


def keypoint_moves(ours, fp32, demo_clip) -> list[float]:
    """How far ``ours`` puts each keypoint confident in both (> 0.5) from where ``fp32`` does,
    on the runner crops of every 20th demo frame, demo frame px."""
    cap = cv2.VideoCapture(str(demo_clip.video))
    moved: list[float] = []
    for k in range(demo_clip.frames):
        ok, image = cap.read()
        assert ok
        if k % 20:
            continue
        x, y, w, h = quantize._runner_crop(demo_clip, k, quantize.MARGIN, SIZE.aspect)
        crop = image[y : y + h, x : x + w]
        a, b = fp32.infer(crop), ours.infer(crop)
        assert len(a) and len(b), f"frame {k}: nobody found"
        ka, kb = a.keypoints[np.argmax(a.scores)], b.keypoints[np.argmax(b.scores)]
        both = (ka[:, 2] > 0.5) & (kb[:, 2] > 0.5)
        assert both.sum() >= 8, f"frame {k}: {ours.precision} lost confident keypoints"
        moved.extend(np.linalg.norm(ka[both, :2] - kb[both, :2], axis=1))
    cap.release()
    return moved


@pytest.mark.slow
def test_int8_keypoints_stay_within_tolerance_of_fp32(
    tiny_int8: Path, model_path: Path, demo_clip
) -> None:
    from edge.pose.openvino_backend import OpenVinoPose

    fp32 = OpenVinoPose(edge_model(model_path, "openvino", SIZE), SIZE, 0.25, 1)
    int8 = OpenVinoPose(tiny_int8, SIZE, 0.25, 1, precision="int8")
    moved = keypoint_moves(int8, fp32, demo_clip)
    assert np.median(moved) <= TOLERANCE_MEDIAN_PX
    assert np.percentile(moved, 90) <= TOLERANCE_P90_PX


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("openvino") is None or not runs_bf16(),
    reason="needs a CPU with AMX or AVX512-BF16",
)
def test_bf16_keypoints_stay_within_the_int8_tolerance_of_fp32(model_path: Path, demo_clip) -> None:
    """bf16 rounds weights and activations to 8 significant bits but keeps every value's own
    exponent, a finer grid than INT8's 256 steps per tensor, so its keypoints must stay at
    least as close to fp32's as INT8's do."""
    from edge.pose.openvino_backend import OpenVinoPose

    export = edge_model(model_path, "openvino", SIZE)
    fp32 = OpenVinoPose(export, SIZE, 0.25, 1, precision="fp32")
    bf16 = OpenVinoPose(export, SIZE, 0.25, 1, precision="bf16")
    assert (fp32.precision, bf16.precision) == ("fp32", "bf16")
    moved = keypoint_moves(bf16, fp32, demo_clip)
    assert np.median(moved) <= TOLERANCE_MEDIAN_PX
    assert np.percentile(moved, 90) <= TOLERANCE_P90_PX


@pytest.mark.slow
@pytest.mark.parametrize("int8", [False, True])
def test_openvino_letterboxed_bgr_input_gives_what_the_float_input_does(
    tiny_int8: Path, model_path: Path, demo_clip, int8: bool
) -> None:
    """The graph's own BGR -> RGB, / 255 and NCHW steps, on the FP32 export and on a quantized
    model, against the same model fed the float tensor the other lean backends get, both
    compiled at f32 (OpenVINO's default is bf16 on a CPU with AMX)."""
    import openvino as ov

    from edge.pose.lean import LetterboxInput
    from edge.pose.openvino_backend import OpenVinoPose

    folder = tiny_int8 if int8 else edge_model(model_path, "openvino", SIZE)
    ours = OpenVinoPose(folder, SIZE, 0.25, 1, precision="int8" if int8 else "fp32")
    assert ours.precision == ("int8, other layers fp32" if int8 else "fp32")
    core = ov.Core()
    model = core.read_model(str(next(folder.glob("*.xml"))))
    plain = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    cap = cv2.VideoCapture(str(demo_clip.video))
    ok, image = cap.read()
    cap.release()
    assert ok
    for frame in (image, image[100:500, 300:700]):
        tensor, _ = ours.preprocess(frame)
        assert tensor.dtype == np.uint8 and tensor.shape == (1, *SIZE, 3)
        expected = plain({0: LetterboxInput(SIZE)(frame)[0]})[0]
        np.testing.assert_allclose(ours.forward(tensor), expected, atol=1e-2)
