from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import get_args

import numpy as np
import pytest
import zmq

from calibrate.fileformat import write_calibration
from calibrate.model import Calibration, Plane
from edge.cli import main
from edge.config import CONFIG_ENV, Config, load_config, reload_changes
from edge.errors import UsageError
from edge.pose.base import InputSize

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_is_valid_and_equals_the_defaults() -> None:
    shipped = load_config(ROOT / "config.toml")
    assert shipped.model_dump() == load_config_defaults_at(ROOT).model_dump()


def load_config_defaults_at(base: Path) -> Config:
    from edge.config import _resolve_paths

    return _resolve_paths(Config(), base)


def test_every_field_has_a_description() -> None:
    for section in Config.model_fields.values():
        for name, field in section.annotation.model_fields.items():
            assert field.description, f"{section.annotation.__name__}.{name} lacks a description"


def test_relative_paths_resolve_against_the_file(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            '[station]\ndata_dir = "state"\n[pose]\nmodel = "m/x.pt"\nrefiner = "m/r.onnx"\n',
        )
    )
    assert config.station.data_dir == tmp_path / "state"
    assert config.model_path() == tmp_path / "m" / "x.pt"
    assert config.refiner_path() == tmp_path / "m" / "r.onnx"
    assert load_config(write(tmp_path, "")).model_path() == tmp_path / "var/models/yolo11n-pose.pt"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[camera]\nfps = -5\n", "camera.fps = -5: must be > 0"),
        ('[camera]\nfps = "fast"\n', 'camera.fps = "fast": must be a number'),
        ("[camera]\nwidth = 1920.5\n", "camera.width = 1920.5: must be a whole number"),
        ('[camera]\nfps = "60"\n', 'camera.fps = "60": must be a number, written without quotes'),
        ('[camera]\nwidth = "1920"\n', 'camera.width = "1920": must be a whole number, written'),
        ("[station]\nauto_session = 1\n", "station.auto_session = 1: must be true or false"),
        ('[pose]\ncrop = "true"\n', 'pose.crop = "true": must be true or false, written without'),
        ('[pose]\nroi = [1, "2", 3, 4]\n', 'pose.roi = "2": must be a whole number, written'),
        ("[pose]\nimgsz = 300\n", "pose.imgsz = 300: must be a multiple of 32"),
        ("[pose]\nimgsz = [320, 250]\n", "pose.imgsz = [320, 250]: must be a multiple of 32"),
        ("[pose]\nimgsz = [320, 256, 3]\n", "must be a size: 320, or [320, 256]"),
        ("[pose]\nimgsz = 4096\n", "pose.imgsz = 4096: must be 64 to 2048"),
        ('[pose]\nbackend = "tflite"\n', "pose.backend = \"tflite\": must be one of 'ultralytics'"),
        ("[pose]\nroi = [1, 2, 0, 4]\n", "pose.roi = [1, 2, 0, 4]: must be [x >= 0"),
        ('[station]\nid = "my station"\n', 'station.id = "my station": must match'),
        ('[camera]\nsource = "webcam"\n', "camera.source = \"webcam\": unknown source 'webcam'"),
        ('[camera]\nsource = "camera:front"\n', "must be an index or a /dev/videoN path"),
        ("[camera]\nfsp = 30\n", "camera.fsp: unknown key; did you mean camera.fps?"),
        ("[camra]\nfps = 30\n", "camra: unknown key; did you mean camera?"),
        ("[camera\n", "is not valid TOML"),
        # A target in another unit (a user trial's passed, and cued every runner or none).
        ("[targets]\ncontact_max_ms = 0.3\n", "milliseconds (100 at the least): give it in"),
        ("[targets]\noverstride_cm_max = 0.2\n", "give it in centimetres (0.2 m is 20)"),
        ("[targets]\nhip_extension_min_deg = 0.17\n", "degrees (0.17 rad is 10; 0 gives no"),
        ("[targets]\ncadence_min_spm = 78\n", "78 strides a minute are 156 steps"),
        ("[targets]\noverstride_pct_leg_max = 0.23\n", "% of the leg (2 at the least)"),
    ],
)
def test_bad_values_name_key_value_and_rule(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UsageError) as err:
        load_config(write(tmp_path, text))
    assert message in str(err.value)


def float_keys() -> list[str]:
    return [
        f"{table}.{name}"
        for table, section in Config.model_fields.items()
        for name, field in section.annotation.model_fields.items()
        if float in (field.annotation, *get_args(field.annotation))
    ]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_every_number_setting_refuses_nan_and_inf(tmp_path: Path, value: str) -> None:
    keys = float_keys()
    assert "camera.fps" in keys and "gait.belt_speed_mps" in keys
    for key in keys:
        table, name = key.split(".")
        with pytest.raises(UsageError) as err:
            load_config(write(tmp_path, f"[{table}]\n{name} = {value}\n"))
        assert f"{key} = {value}: must be a finite number" in str(err.value)


def test_config_check_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", str(ROOT / "config.toml")]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["config", "check", str(write(tmp_path, "[camera]\nfps = 0\n"))]) == 2
    assert "camera.fps = 0: must be > 0" in capsys.readouterr().err
    assert main(["config", "check", str(write(tmp_path, "[camera]\nfps = nan\n"))]) == 2
    assert "camera.fps = nan: must be a finite number" in capsys.readouterr().err
    assert main(["config", "check", str(tmp_path / "absent.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err
    # --config as every other command takes it (a user trial's was refused: "unrecognized").
    bad = str(write(tmp_path, "[camera]\nfps = 0\n"))
    assert main(["config", "check", "--config", bad]) == 2
    assert "camera.fps = 0: must be > 0" in capsys.readouterr().err
    assert main(["config", "check", str(ROOT / "config.toml"), "--config", bad]) == 2
    assert "give one" in capsys.readouterr().err


def test_config_check_says_which_bus_endpoint_another_program_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user trial's check said "ok" for a port another station held, and a station started
    with the file then stopped. It is said, not failed: the station the file is for may be the
    one holding it. An ipc:// socket file is tried without binding it, which would take it over
    from the station holding it (a review)."""
    ctx = zmq.Context.instance()
    holder, free = ctx.socket(zmq.PUB), ctx.socket(zmq.PUB)
    try:
        port = holder.bind_to_random_port("tcp://127.0.0.1")
        other = free.bind_to_random_port("tcp://127.0.0.1")
        free.close(linger=0)
        held = f"ipc://{tmp_path / 'held.sock'}"
        holder.bind(held)
        for publish, control, taken in (
            (f"tcp://127.0.0.1:{other}", f"tcp://127.0.0.1:{port}", f"tcp://127.0.0.1:{port}"),
            (held, f"ipc://{tmp_path / 'free.sock'}", held),
        ):
            text = f'[bus]\npublish = "{publish}"\ncontrol = "{control}"\n'
            assert main(["config", "check", str(write(tmp_path, text))]) == 0
            out = capsys.readouterr().out
            assert f"note: {taken} is in use now" in out and out.count("note:") == 1, out
        # The station holding the ipc:// file still reaches its subscribers.
        listener = ctx.socket(zmq.SUB)
        listener.setsockopt(zmq.SUBSCRIBE, b"")
        listener.connect(held)
        try:
            for _ in range(50):
                holder.send(b"hello")
                if listener.poll(100):
                    break
            assert listener.recv(zmq.NOBLOCK) == b"hello"
        finally:
            listener.close(linger=0)
    finally:
        holder.close(linger=0)


def test_config_check_names_the_file_it_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no file given: ./config.toml when there is one (a trial's check read it but said
    "built-in defaults"), else the defaults."""
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["config", "check"]) == 0
    assert capsys.readouterr().out.startswith("built-in defaults (no config.toml here")
    write(tmp_path, '[station]\nid = "zzz"\n')
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{tmp_path / 'config.toml'}: ok") and "station zzz" in out


def test_config_check_holds_the_calibration_to_the_camera_and_names_a_missing_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user trial's check said "ok" for a calibration made at 1280x720 under a camera set to
    1920x1080, which the station then refused, and for a model not fetched yet."""
    plane = Plane(np.eye(3), [[0.0, 600.0], [1000.0, 600.0]], "left", (0, 0, 100, 100), 0.002)
    made = Calibration("camera:0", (1280, 720), datetime.now(timezone.utc), plane=plane)
    write_calibration(tmp_path / "calibration.toml", made)
    models = f'[station]\ndata_dir = "{tmp_path / "data"}"\n'
    config = write(tmp_path, models + "[camera]\nwidth = 1920\nheight = 1080\n")
    assert main(["config", "check", str(config)]) == 2
    out, err = capsys.readouterr()
    assert out.startswith(f"{config}: valid, but its calibration is refused")
    assert "(not there yet: hipdrive model fetch)" in out
    assert (
        "would stop: calibration" in err and "made at 1280x720 but the frames are 1920x1080" in err
    )
    config = write(tmp_path, models + "[camera]\nwidth = 1280\nheight = 720\n")
    assert main(["config", "check", str(config)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{config}: ok")
    assert f"calibration {tmp_path / 'calibration.toml'}: plane, 1280x720, camera camera:0" in out
    # The demo has its own calibration and never reads calibration.file.
    (tmp_path / "calibration.toml").write_text("not a calibration", encoding="utf-8")
    demo = models + '[camera]\nsource = "demo:clip.mp4"\n'
    assert main(["config", "check", str(write(tmp_path, demo))]) == 0
    assert "calibration: the demo's own" in capsys.readouterr().out
    write_calibration(tmp_path / "calibration.toml", made)
    # A video's frames are the video's size: the check is the station's when it opens one.
    video = models + '[camera]\nsource = "file:run.mp4"\nwidth = 1920\nheight = 1080\n'
    assert main(["config", "check", str(write(tmp_path, video))]) == 0


def test_a_reload_takes_live_settings_and_names_the_ones_needing_a_restart(
    tmp_path: Path,
) -> None:
    running = load_config(write(tmp_path, "[gait]\nsummary_steps = 20\n"))
    new = load_config(
        write(
            tmp_path,
            "[gait]\nsummary_steps = 8\n[targets]\nhold_steps = 3\n"
            '[bus]\npublish = "tcp://127.0.0.1:6000"\ncontrol = "tcp://127.0.0.1:6001"\n',
        )
    )
    change = reload_changes(running, new)
    assert change.applied == [
        "gait.summary_steps = 8 (was 20)",
        "targets.hold_steps = 3 (was 6)",
    ]
    assert change.need_restart == [
        'bus.publish = "tcp://127.0.0.1:6000" (was "tcp://127.0.0.1:5556")',
        'bus.control = "tcp://127.0.0.1:6001" (was "tcp://127.0.0.1:5557")',
    ]
    assert change.config.gait.summary_steps == 8 and change.config.targets.hold_steps == 3
    assert change.config.bus == running.bus, "the sockets stay as they are until a restart"
    assert reload_changes(running, running).applied == []


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("imgsz = 320", InputSize(320, 320)),
        ("imgsz = [320, 256]", InputSize(320, 256)),
        ('imgsz = "320x256"', InputSize(320, 256)),
    ],
)
def test_imgsz_is_a_square_or_height_and_width(tmp_path: Path, text: str, size: InputSize) -> None:
    assert load_config(write(tmp_path, f"[pose]\n{text}\n")).pose.imgsz == size


def test_imgsz_on_the_command_line_is_height_x_width(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["bench", "--imgsz", "320x250"])
    assert refused.value.code == 2
    assert "'320x250' must be a multiple of 32" in capsys.readouterr().err
