"""The lean pose backends: the project's own letterbox, decode and NMS, the backends against
Ultralytics running the same exported file, model provisioning and the choice of backend."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import logging
import re
import subprocess
import sys
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.errors import MissingResourceError, UsageError
from edge.pose import factory
from edge.pose.base import Detections, InputSize
from edge.pose.factory import choose_auto, cuda_device, open_estimator
from edge.pose.lean import Letterbox, LetterboxInput, check_input_shape, decode, nms
from edge.pose.models import EXPORT_FORMATS, edge_model, export_path
from edge.pose.tensorrt_backend import engine_offset
from edge.skeleton import NUM_KEYPOINTS

ROOT = Path(__file__).resolve().parents[1]
SIZE = InputSize.of(320)
PORTRAIT = InputSize(320, 256)


def raw_output(people: list[tuple[float, float, float, float, float]], n: int = 50) -> np.ndarray:
    """A (1, 56, n) YOLO pose output in input pixels: the given (cx, cy, w, h, score) rows
    first, each with keypoints spread over its box at conf 0.9; the rest score 0.01."""
    raw = np.zeros((1, 56, n), np.float32)
    raw[0, 4] = 0.01
    for i, (cx, cy, w, h, score) in enumerate(people):
        raw[0, :5, i] = cx, cy, w, h, score
        kx = np.linspace(cx - w / 2, cx + w / 2, NUM_KEYPOINTS)
        ky = np.linspace(cy - h / 2, cy + h / 2, NUM_KEYPOINTS)
        raw[0, 5::3, i], raw[0, 6::3, i], raw[0, 7::3, i] = kx, ky, 0.9
    return raw


# --- letterbox ---------------------------------------------------------------------------------


@pytest.mark.parametrize("uint8_nhwc", [False, True])
@settings(max_examples=40, deadline=None)
@given(
    w=st.integers(1, 1500),
    h=st.integers(1, 1500),
    size_h=st.sampled_from([64, 160, 320, 640]),
    size_w=st.sampled_from([64, 160, 256, 320, 640]),
    seed=st.integers(0, 2**16),
)
def test_letterbox_is_ultralytics_fixed_shape_letterbox(
    uint8_nhwc: bool, w: int, h: int, size_h: int, size_w: int, seed: int
):
    from ultralytics.data.augment import LetterBox

    image = np.random.default_rng(seed).integers(0, 256, (h, w, 3), np.uint8)
    size = InputSize(size_h, size_w)
    tensor, box = LetterboxInput(size, uint8_nhwc=uint8_nhwc)(image)
    letterboxed = LetterBox((size_h, size_w), auto=False)(image=image)[np.newaxis]
    if uint8_nhwc:
        expected = letterboxed
    else:
        expected = letterboxed[..., ::-1].transpose(0, 3, 1, 2).astype(np.float32) / 255
    assert tensor.dtype == expected.dtype and tensor.shape == expected.shape
    np.testing.assert_array_equal(tensor, expected)
    assert box.new_w == size_w or box.new_h == size_h


@settings(max_examples=50, deadline=None)
@given(
    w=st.integers(16, 4000),
    h=st.integers(16, 4000),
    u=st.floats(0, 1),
    v=st.floats(0, 1),
)
def test_decode_maps_input_pixels_back_onto_the_frame(w: int, h: int, u: float, v: float):
    box = Letterbox.fit(w, h, SIZE)
    x, y = u * w, v * h
    cx, cy = box.left + x * box.gain_x, box.top + y * box.gain_y
    found = decode(raw_output([(cx, cy, 20.0, 40.0, 0.9)]), box, conf=0.25)
    kp = found.keypoints[0, NUM_KEYPOINTS // 2]
    assert kp[0] == pytest.approx(x, abs=1e-3 * max(w, h)) and kp[2] == pytest.approx(0.9)
    assert kp[1] == pytest.approx(y, abs=1e-3 * max(w, h))
    assert (found.boxes[0, [0, 2]] >= 0).all() and (found.boxes[0, [0, 2]] <= w).all()
    assert (found.boxes[0, [1, 3]] >= 0).all() and (found.boxes[0, [1, 3]] <= h).all()


@pytest.mark.parametrize("uint8_nhwc", [False, True])
def test_each_thread_has_its_own_buffers_reused_after_slots_calls(uint8_nhwc: bool) -> None:
    make = LetterboxInput(InputSize.of(64), slots=2, uint8_nhwc=uint8_nhwc)
    frame = np.full((48, 64, 3), 200, np.uint8)
    first, _ = make(frame)
    second, _ = make(frame)
    third, _ = make(frame)
    assert first is not second and third is first
    other: list[np.ndarray] = []
    thread = threading.Thread(target=lambda: other.append(make(frame)[0]))
    thread.start()
    thread.join()
    assert other[0] is not first and other[0] is not second


@pytest.mark.parametrize(
    ("uint8_nhwc", "grey", "white"),
    [(False, np.float32(114) / np.float32(255), 1.0), (True, 114, 255)],
)
def test_a_smaller_frame_after_a_larger_one_gets_a_clean_border(
    uint8_nhwc: bool, grey: float, white: float
) -> None:
    make = LetterboxInput(InputSize.of(64), slots=1, uint8_nhwc=uint8_nhwc)
    make(np.full((64, 64, 3), 255, np.uint8))
    tensor, box = make(np.full((32, 64, 3), 255, np.uint8))
    assert (box.top, box.new_h) == (16, 32)
    rows = tensor[0] if uint8_nhwc else tensor[0].transpose(1, 2, 0)
    np.testing.assert_array_equal(rows[:16], grey)
    np.testing.assert_array_equal(rows[16:48], white)
    np.testing.assert_array_equal(rows[48:], grey)


def test_a_frame_that_is_not_bgr_uint8_is_refused() -> None:
    with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
        LetterboxInput(InputSize.of(64))(np.zeros((48, 64), np.uint8))


# --- decode and NMS ----------------------------------------------------------------------------


def test_decode_keeps_confident_people_best_first_and_suppresses_overlaps() -> None:
    box = Letterbox.fit(640, 320, SIZE)  # gain 0.5, 80 px grey above and below
    raw = raw_output(
        [
            (100, 150, 60, 120, 0.6),
            (104, 152, 60, 120, 0.8),  # the same person, better: wins
            (250, 150, 40, 100, 0.7),  # someone else
            (250, 150, 40, 100, 0.2),  # below conf
        ]
    )
    found = decode(raw, box, conf=0.25)
    assert len(found) == 2
    np.testing.assert_allclose(found.scores, [0.8, 0.7])
    np.testing.assert_allclose(found.boxes[0], [148, 24, 268, 264])
    np.testing.assert_allclose(found.boxes[1], [460, 40, 540, 240])
    assert found.keypoints.dtype == np.float32 and found.boxes.dtype == np.float32
    assert found.keypoints.shape == (2, NUM_KEYPOINTS, 3)


def test_decode_clips_to_the_frame_and_accepts_an_unbatched_output() -> None:
    box = Letterbox.fit(320, 160, SIZE)
    raw = raw_output([(10, 100, 60, 400, 0.9)])[0]
    found = decode(raw, box, conf=0.25)
    np.testing.assert_allclose(found.boxes[0], [0, 0, 40, 160])
    assert found.keypoints[0, :, 0].min() == 0 and found.keypoints[0, :, 1].max() == 160


def test_decode_of_nobody_is_empty_and_a_wrong_output_is_refused() -> None:
    box = Letterbox.fit(640, 480, SIZE)
    assert len(decode(raw_output([]), box, conf=0.25)) == 0
    with pytest.raises(ValueError, match=r"\(1, 56, N\)"):
        decode(np.zeros((1, 84, 100), np.float32), box, conf=0.25)


boxes_strategy = st.lists(
    st.tuples(
        st.floats(0, 300), st.floats(0, 300), st.floats(1, 200), st.floats(1, 200), st.floats(0, 1)
    ),
    min_size=1,
    max_size=30,
)


def iou_matrix(boxes: np.ndarray) -> np.ndarray:
    lo = np.maximum(boxes[:, None, :2], boxes[None, :, :2])
    hi = np.minimum(boxes[:, None, 2:], boxes[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=2)
    area = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1)
    return inter / (area[:, None] + area[None, :] - inter)


@settings(max_examples=100, deadline=None)
@given(rows=boxes_strategy, iou=st.floats(0.1, 0.9))
def test_nms_keeps_best_first_no_kept_pair_overlaps_and_every_drop_has_a_reason(rows, iou):
    data = np.array(rows, np.float32)
    boxes = np.concatenate((data[:, :2], data[:, :2] + data[:, 2:4]), axis=1)
    scores = data[:, 4]
    kept = nms(boxes, scores, iou)
    overlaps = iou_matrix(boxes.astype(np.float64))
    assert (np.diff(scores[kept]) <= 0).all()
    pairs = overlaps[np.ix_(kept, kept)]
    assert (pairs[~np.eye(len(kept), dtype=bool)] <= iou + 1e-5).all()
    for dropped in set(range(len(boxes))) - set(kept.tolist()):
        assert any(overlaps[k, dropped] > iou - 1e-5 and scores[k] >= scores[dropped] for k in kept)


def test_an_export_of_another_size_is_refused_with_the_export_command(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="hipdrive model export --format onnx --imgsz 320"):
        check_input_shape([1, 3, 640, 640], SIZE, tmp_path / "m.onnx", "onnx")
    with pytest.raises(UsageError, match=r"pose\.imgsz = 320"):
        check_input_shape(["batch", 3, "h", "w"], SIZE, tmp_path / "m.onnx", "onnx")
    with pytest.raises(UsageError, match=r"pose\.imgsz = \[320, 256\].*--imgsz 320x256"):
        check_input_shape([1, 3, 320, 320], PORTRAIT, tmp_path / "m.onnx", "onnx")
    check_input_shape([1, 3, 320, 256], PORTRAIT, tmp_path / "m.onnx", "onnx")


# --- TensorRT pieces that need no GPU ----------------------------------------------------------


def test_engine_offset_skips_the_ultralytics_metadata_header() -> None:
    header = b'{"imgsz": [320, 320]}'
    engine = b"\x00\x01serialized-engine"
    assert engine_offset(len(header).to_bytes(4, "little") + header + engine) == 4 + len(header)
    assert engine_offset(engine) == 0
    assert engine_offset((7).to_bytes(4, "little") + b"not json at all") == 0


def test_cuda_device_index_from_pose_device() -> None:
    assert [cuda_device(d) for d in ("0", "cuda:1", "cpu", "")] == [0, 1, 0, 0]


# --- provisioning and the choice of backend ----------------------------------------------------


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    model = tmp_path / "yolo11n-pose.pt"
    model.write_bytes(b"weights")
    return model


def test_edge_model_uses_an_export_that_is_there(weights: Path, monkeypatch) -> None:
    monkeypatch.setattr("edge.pose.models.export", pytest.fail)
    target = export_path(weights, EXPORT_FORMATS["onnx"], SIZE)
    target.write_bytes(b"onnx")
    assert edge_model(weights, "onnx", SIZE) == target
    assert edge_model(target, "onnx", InputSize.of(640)) == target
    portrait = export_path(weights, EXPORT_FORMATS["openvino"], PORTRAIT)
    assert portrait.name == "yolo11n-pose-320x256_openvino_model"


def test_edge_model_exports_once_when_missing_and_says_how_long(
    weights: Path, monkeypatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls = []

    def fake_export(model: Path, fmt: str, size: InputSize, missing_only: bool) -> Path:
        assert missing_only, "a station's export takes one another process has just made"
        calls.append((fmt, size))
        target = export_path(model, EXPORT_FORMATS[fmt], size)
        target.mkdir()
        return target

    monkeypatch.setattr("edge.pose.models.export", fake_export)
    size = InputSize.of(256)
    with caplog.at_level(logging.INFO, logger="edge.pose.models"):
        path = edge_model(weights, "openvino", size)
        assert edge_model(weights, "openvino", size) == path
    assert calls == [("openvino", size)] and path.name == "yolo11n-pose-256_openvino_model"
    assert "exporting it once now" in caplog.text
    assert re.search(r"exported yolo11n-pose-256_openvino_model in \d+\.\d s", caplog.text)


def test_edge_model_that_cannot_be_exported_exits_3_with_the_command(
    weights: Path, monkeypatch
) -> None:
    def no_export(model: Path, fmt: str, size: InputSize, missing_only: bool) -> Path:
        raise MissingResourceError("pnnx is not installed; install it with: pip install ...")

    monkeypatch.setattr("edge.pose.models.export", no_export)
    with pytest.raises(MissingResourceError) as caught:
        edge_model(weights, "ncnn", PORTRAIT)
    assert caught.value.exit_code == 3
    assert "hipdrive model export --format ncnn --imgsz 320x256" in str(caught.value)
    assert "pnnx is not installed" in str(caught.value)


def test_edge_model_without_weights_asks_for_the_fetch(tmp_path: Path) -> None:
    with pytest.raises(MissingResourceError, match="hipdrive model fetch"):
        edge_model(tmp_path / "yolo11n-pose.pt", "onnx", SIZE)


def only_installed(monkeypatch, *modules: str) -> None:
    real = importlib.util.find_spec
    known = {"openvino", "onnxruntime", "onnx", "onnxslim", "ncnn", "pnnx", "tensorrt", "pycuda"}

    def find_spec(name: str, *args):
        if name in known:
            return importlib.machinery.ModuleSpec(name, None) if name in modules else None
        return real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


@pytest.mark.parametrize(
    ("installed", "expected"),
    [
        (("tensorrt", "pycuda", "openvino", "onnxruntime", "onnx", "onnxslim"), "tensorrt"),
        (("openvino", "onnxruntime", "onnx", "onnxslim", "ncnn", "pnnx"), "openvino"),
        (("onnxruntime", "onnx", "onnxslim", "ncnn", "pnnx"), "onnx"),
        (("onnxruntime", "ncnn", "pnnx"), "ncnn"),  # onnx runtime, but nothing to export with
        (("ncnn", "pnnx"), "ncnn"),
        ((), "ultralytics"),
    ],
)
def test_auto_takes_the_first_installed_backend_that_has_or_can_make_its_export(
    weights: Path, monkeypatch, installed: tuple[str, ...], expected: str
) -> None:
    only_installed(monkeypatch, *installed)
    assert choose_auto(weights, SIZE) == expected


def test_auto_uses_an_export_already_there_even_without_its_exporter(
    weights: Path, monkeypatch
) -> None:
    only_installed(monkeypatch, "onnxruntime")
    export_path(weights, EXPORT_FORMATS["onnx"], SIZE).write_bytes(b"onnx")
    assert choose_auto(weights, SIZE) == "onnx"
    assert choose_auto(weights, InputSize.of(640)) == "ultralytics"


def test_auto_follows_a_configured_export(tmp_path: Path) -> None:
    assert choose_auto(tmp_path / "yolo11n-pose-320_ncnn_model", SIZE) == "ncnn"
    assert choose_auto(tmp_path / "best-416.engine", InputSize.of(416)) == "tensorrt"


@pytest.mark.parametrize(
    ("backend", "missing", "message"),
    [
        ("openvino", "openvino", "pip install 'hipdrive[openvino]'"),
        ("onnx", "onnxruntime", "pip install 'hipdrive[onnx]'"),
        ("ncnn", "ncnn", "pip install 'hipdrive[ncnn]'"),
        ("tensorrt", "pycuda", "pip install 'hipdrive[jetson]'"),
        ("tensorrt", "tensorrt", "apt install python3-libnvinfer"),
    ],
)
def test_a_missing_runtime_exits_3_with_the_install_command(
    weights: Path, monkeypatch, backend: str, missing: str, message: str
) -> None:
    everything = set(factory.LEAN[backend].modules) - {missing}
    only_installed(monkeypatch, *everything)
    with pytest.raises(MissingResourceError, match=re.escape(message)):
        open_estimator(backend, weights, SIZE, 0.25)


def test_an_unknown_backend_is_a_usage_error(weights: Path) -> None:
    with pytest.raises(UsageError, match="must be one of ultralytics, tensorrt, openvino"):
        open_estimator("tflite", weights, SIZE, 0.25)


# --- the real backends against Ultralytics on the same export ----------------------------------

LEAN_CASES = [
    ("onnx", SIZE),
    ("openvino", SIZE),
    ("ncnn", SIZE),
    ("openvino", InputSize.of(640)),
    ("openvino", PORTRAIT),
    ("onnx", PORTRAIT),
    ("ncnn", PORTRAIT),
]


@pytest.fixture(scope="session")
def exported(model_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """The export of the test model for (backend, imgsz), made once into the models folder."""
    from edge.pose.runtime import prepare_ultralytics

    prepare_ultralytics(tmp_path_factory.mktemp("ultralytics-data"))

    def get(backend: str, size: InputSize) -> Path:
        for module in factory.LEAN[backend].modules:
            pytest.importorskip(module)
        return edge_model(model_path, factory.LEAN[backend].export_format, size)

    return get


@pytest.fixture(scope="session")
def frames(bus_image: np.ndarray, demo_clip) -> list[np.ndarray]:
    """Ultralytics' bus (810x1080, four people), three 1280x720 demo frames, one at 1920x1080."""
    cap = cv2.VideoCapture(str(demo_clip.video))
    demo = []
    for k in range(demo_clip.frames):
        ok, image = cap.read()
        assert ok, f"cannot read frame {k} of {demo_clip.video}"
        if k % 40 == 0:
            demo.append(image)
    cap.release()
    return [bus_image, *demo, cv2.resize(demo[0], (1920, 1080))]


def assert_same_people(ours: Detections, reference: Detections) -> None:
    """Same people; boxes within 1 px; keypoints confident in both (> 0.5) within 1 px."""
    assert len(ours) == len(reference) > 0
    a, b = np.argsort(-ours.scores), np.argsort(-reference.scores)
    np.testing.assert_allclose(ours.scores[a], reference.scores[b], atol=1e-3)
    np.testing.assert_allclose(ours.boxes[a], reference.boxes[b], atol=1.0)
    kp, ref = ours.keypoints[a], reference.keypoints[b]
    confident = (kp[..., 2] > 0.5) & (ref[..., 2] > 0.5)
    assert confident.sum() >= 10
    assert np.abs(kp[..., :2] - ref[..., :2])[confident].max() <= 1.0


@pytest.fixture
def openvino_compiled_at(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every OpenVINO model compiled during the test pinned to f32 where its caller left the
    precision to the runtime (Ultralytics does, except on ARM), so a reference runs what ours
    runs on every CPU: left to itself, OpenVINO runs FP32 in bf16 on a CPU with AMX. Returns
    the precision each compiled model reports, in order."""
    ov = pytest.importorskip("openvino")
    real = ov.Core.compile_model
    compiled_at: list[str] = []

    def compile_pinned(self, model, device_name="CPU", config=None):
        pinned = {"INFERENCE_PRECISION_HINT": "f32", **(config or {})}
        compiled = real(self, model, device_name, pinned)
        compiled_at.append(compiled.get_property("INFERENCE_PRECISION_HINT").to_string())
        return compiled

    monkeypatch.setattr(ov.Core, "compile_model", compile_pinned)
    return compiled_at


@pytest.mark.slow
@pytest.mark.parametrize(("backend", "size"), LEAN_CASES, ids=str)
def test_lean_backend_matches_ultralytics_on_the_same_export(
    exported,
    model_path: Path,
    frames: list[np.ndarray],
    openvino_compiled_at: list[str],
    backend: str,
    size: InputSize,
) -> None:
    from edge.pose.ultralytics_backend import UltralyticsPose

    path = exported(backend, size)
    ours = open_estimator(backend, model_path, size, 0.25, threads=1, precision="fp32")
    reference = UltralyticsPose(path, imgsz=size)
    assert ours.name == backend and ours.precision == "fp32"
    for frame in frames:
        assert_same_people(ours.infer(frame), reference.infer(frame))
    ours.close()
    assert openvino_compiled_at == (["f32", "f32"] if backend == "openvino" else [])


@pytest.mark.slow
def test_the_onnx_export_computes_what_the_pytorch_weights_do(
    exported, model_path: Path, frames: list[np.ndarray]
) -> None:
    """Fair only at the same letterbox: Ultralytics pads a .pt minimally (rect, 640x384 for a
    16:9 frame), which moves keypoints by several pixels; forced to the square it matches."""
    from ultralytics import YOLO

    from edge.pose.ultralytics_backend import detections_from_result

    exported("onnx", SIZE)
    ours = open_estimator("onnx", model_path, SIZE, 0.25)
    torch_model = YOLO(str(model_path), task="pose")
    for frame in frames:
        square = torch_model.predict(frame, imgsz=SIZE.imgsz, rect=False, verbose=False)[0]
        assert_same_people(ours.infer(frame), detections_from_result(square))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["onnx", "openvino", "ncnn"])
def test_forward_from_two_threads_at_once_gives_what_one_thread_does(
    exported, model_path: Path, frames: list[np.ndarray], backend: str
) -> None:
    exported(backend, SIZE)
    estimator = open_estimator(backend, model_path, SIZE, 0.25)
    serial = [estimator.infer(frame) for frame in frames]
    results: dict[int, Detections] = {}

    def work(indices: range) -> None:
        for i in indices:
            results[i] = estimator.infer(frames[i])

    half = len(frames) // 2
    threads = [
        threading.Thread(target=work, args=(range(0, half),)),
        threading.Thread(target=work, args=(range(half, len(frames)),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i, expected in enumerate(serial):
        np.testing.assert_array_equal(results[i].keypoints, expected.keypoints)


@pytest.mark.slow
def test_the_hot_path_imports_neither_torch_nor_ultralytics(exported, model_path: Path) -> None:
    exported("onnx", SIZE)
    script = (
        "import sys\n"
        "import numpy as np\n"
        "from pathlib import Path\n"
        "from edge.pose.base import InputSize\n"
        "from edge.pose.factory import open_estimator\n"
        f"estimator = open_estimator('onnx', Path({str(model_path)!r}), {SIZE!r}, 0.25)\n"
        "estimator.infer(np.zeros((720, 1280, 3), np.uint8))\n"
        "print(sorted(m for m in ('torch', 'ultralytics') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.hardware
@pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("tensorrt", "pycuda")),
    reason="needs a Jetson with TensorRT (JetPack) and the jetson extra",
)
def test_tensorrt_matches_ultralytics_on_the_same_engine(
    exported, model_path: Path, frames: list[np.ndarray]
) -> None:
    from edge.pose.ultralytics_backend import UltralyticsPose

    path = exported("tensorrt", SIZE)
    ours = open_estimator("tensorrt", model_path, SIZE, 0.25, device="0")
    reference = UltralyticsPose(path, imgsz=SIZE, device="0")
    for frame in frames:
        assert_same_people(ours.infer(frame), reference.infer(frame))
    ours.close()
