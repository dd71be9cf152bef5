"""Shared fixtures: the project's paths, the real pose model, sample media."""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.bus.control import ControlServer
from edge.bus.publisher import Publisher
from edge.pose.base import InputSize
from tests.builders.control import FakeHandler

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "var" / "models" / "yolo11n-pose.pt"


@pytest.fixture(scope="session")
def fukuchi_dir() -> Path:
    """The shared Fukuchi 2017 treadmill data (CC-BY 4.0), beside the repository."""
    path = ROOT.parent / "shared" / "data" / "fukuchi2017"
    assert path.is_dir(), f"{path} is missing: the repository must sit beside shared/"
    return path


@pytest.fixture(scope="session")
def model_path() -> Path:
    assert MODEL.is_file(), f"{MODEL} is missing: run `make test` (it fetches the model)"
    return MODEL


@pytest.fixture(scope="session")
def refiner_path() -> Path:
    """The keypoint refiner's model (``pose.refiner``), fetched with the pose weights."""
    from edge.pose.models import REFINER

    path = MODEL.parent / REFINER.name
    assert path.is_file(), f"{path} is missing: run `make test` (it fetches the models)"
    return path


@pytest.fixture(scope="session")
def bus_image() -> np.ndarray:
    """Ultralytics' own sample image (810x1080, four people), shipped in its package."""
    spec = importlib.util.find_spec("ultralytics")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / "bus.jpg"
    image = cv2.imread(str(path))
    assert image is not None, f"cannot read {path}"
    return image


@pytest.fixture(scope="session")
def ultralytics_pose(model_path: Path, tmp_path_factory: pytest.TempPathFactory):
    from edge.pose.runtime import prepare_ultralytics
    from edge.pose.ultralytics_backend import UltralyticsPose

    prepare_ultralytics(tmp_path_factory.mktemp("data"))
    return UltralyticsPose(model_path, imgsz=640)


DEMO_SECONDS, DEMO_FPS = 2.0, 60.0


@pytest.fixture(scope="session")
def demo_clip(tmp_path_factory: pytest.TempPathFactory):
    """Two seconds of the rendered demo clip (1280x720, 60 fps), rendered once per test run; not
    cut to loop (``loop_frames``): pose tests take its frames one by one."""
    from edge.demo.render import DEMO, render_clip

    return render_clip(
        tmp_path_factory.mktemp("demo"), replace(DEMO, fps=DEMO_FPS), DEMO_SECONDS, progress=False
    )


@pytest.fixture(scope="session")
def station_demo():
    """The 20 s demo clip (1280x720, 60 fps) in var/demo: ``make test`` renders it to quantize
    the INT8 model on; rendered here (about a minute) when it is absent or stale."""
    from edge.demo.render import ensure_demo

    return ensure_demo(ROOT / "var")


@pytest.fixture(scope="session")
def mocap_trial(fukuchi_dir: Path):
    """The RBDS001 2.5 m/s trial loaded by ``edge.demo.mocap`` (read-only, shared by all tests)."""
    from edge.demo.mocap import load_trial

    return load_trial(fukuchi_dir)


@pytest.fixture(scope="session")
def plate_trials() -> dict:
    """The trials of tests/data/fukuchi2017 with their force plates (``PLATE_TRIALS``: RBDS002
    at 2.5 and 4.5 m/s, RBDS008 at 3.5, RBDS0041 at 2.5), by key."""
    from edge.demo.mocap import load_trial
    from tests.gait_accuracy import PLATE_TRIALS, PLATES

    return {key: load_trial(PLATES, key) for key in PLATE_TRIALS}


INT8_SIZE = InputSize(320, 256)
"""The station's default input, 320 high and 256 wide: the size of the shared INT8 model."""
TINY = 24
"""Calibration inputs for the shared INT8 model: enough to show the recipe holds, few enough to
be quick (the station's own quantization takes 300 from the 20 s demo clip, minutes on 2 cores)."""


@pytest.fixture(scope="session")
def tiny_int8(model_path: Path, demo_clip, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test model quantized at INT8_SIZE on TINY inputs of the 2 s demo clip, cached in a
    folder of the models dir named by the recipe's source and the clip's renderer, so a changed
    recipe or a changed clip is quantized again. Tests that run the default precision (int8) use
    it as pose.model instead of quantizing the station's own INT8 model in a test."""
    pytest.importorskip("openvino")
    pytest.importorskip("nncf")
    from edge.pose import quantize
    from edge.pose.models import edge_model
    from edge.pose.runtime import prepare_ultralytics

    prepare_ultralytics(tmp_path_factory.mktemp("ultralytics-data"))
    fp32 = edge_model(model_path, "openvino", INT8_SIZE)
    recipe = hashlib.sha256(Path(quantize.__file__).read_bytes()).hexdigest()[:12]
    folder = f"tiny{TINY}-{recipe}-{demo_clip.renderer}"
    target = model_path.parent / "tests" / folder / quantize.int8_path(fp32).name
    if not target.exists():
        tensors = quantize.calibration_tensors(demo_clip, INT8_SIZE, TINY)
        quantize.quantize(fp32, target, tensors)
    return target


ANY_PORT = "tcp://127.0.0.1:*"
"""A free TCP port on loopback, chosen by ZeroMQ."""


@pytest.fixture
def publisher() -> Iterator[Publisher]:
    """A real publisher on a free port, for consoles under test."""
    with Publisher(ANY_PORT) as pub:
        yield pub


@pytest.fixture
def handler() -> FakeHandler:
    """A fake station behind the control channel, recording the commands it gets."""
    return FakeHandler()


@pytest.fixture
def control(handler: FakeHandler) -> Iterator[ControlServer]:
    """A real control server on a free port, serving ``handler``."""
    with ControlServer(handler, ANY_PORT) as server:
        server.start()
        yield server
