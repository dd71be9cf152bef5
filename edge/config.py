"""The station's one configuration model, loaded from TOML and validated at start.

Defaults live here; the shipped ``config.toml`` is the commented example of this model. Every
validation error names the key path, the bad value and the rule: ``camera.fps = -5: must be > 0``.
Relative paths in a file are resolved against that file's folder, so a station installed under
/etc/hipdrive behaves the same from any working directory.
"""

from __future__ import annotations

import difflib
import json
import logging
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from edge.errors import UsageError
from edge.pace import MAX_BELT_MPS, in_other_units
from edge.pose.base import InputSize

log = logging.getLogger(__name__)

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

CONFIG_ENV = "HIPDRIVE_CONFIG"
DEFAULT_CONFIG_NAME = "config.toml"


class _Section(BaseModel):
    # TOML can spell nan and inf; no setting means either, and bounds alone would refuse them
    # with a misleading rule (nan fails every comparison). TOML has numbers and booleans of its
    # own, so "60" or 1 where a number or true is meant is a mistake to name, not to read as
    # one (strict; paths and lists, which TOML spells as strings and arrays, are not).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


class StationSection(_Section):
    id: str = Field(
        "station-1",
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="Station identity sent with every message and recorded with every session.",
    )
    data_dir: Path = Field(
        Path("var"),
        strict=False,
        description="Folder for models, sessions and exports; relative to the configuration file.",
    )
    auto_session: bool = Field(
        True,
        description="Start a session when a runner appears and end it when they have gone; "
        "the console can start and stop sessions either way.",
    )
    session_idle_s: float = Field(
        60.0, gt=0, le=3600, description="Seconds without a runner before a session ends itself."
    )
    record_keypoints: bool = Field(
        False, description="Also record every frame's keypoints with the session (~10 MB/hour)."
    )


class CameraSection(_Section):
    source: str = Field(
        "camera:0",
        description="Frame source: camera:N or camera:/dev/videoN, picamera[:N], file:PATH.",
    )
    width: int = Field(1920, gt=0, le=7680, description="Requested capture width in pixels.")
    height: int = Field(1080, gt=0, le=4320, description="Requested capture height in pixels.")
    fps: float = Field(60.0, gt=0, le=1000, description="Requested capture frame rate.")
    mjpg: bool = Field(
        True, description="Ask a USB camera for MJPG, which most need for high frame rates."
    )

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        from edge.capture import parse_source_spec

        try:
            parse_source_spec(value)
        except UsageError as exc:
            raise ValueError(str(exc)) from None
        return value


def input_size(value: Any) -> InputSize:
    """A pose input size from config or the command line (320, [320, 256], "320x256"), both
    sides multiples of 32 from 64 to 2048; ValueError saying the rule otherwise."""
    try:
        size = InputSize.of(value)
    except (TypeError, ValueError):
        raise ValueError("must be a size: 320, or [320, 256] for height and width") from None
    if any(side % 32 for side in size):
        raise ValueError("must be a multiple of 32")
    if not all(64 <= side <= 2048 for side in size):
        raise ValueError("must be 64 to 2048")
    return size


class PoseSection(_Section):
    backend: Literal["ultralytics", "openvino", "onnx", "ncnn", "tensorrt", "auto"] = Field(
        "auto",
        description="Pose backend: ultralytics (any Ultralytics model file, imports torch); "
        "openvino, onnx, ncnn (CPU) or tensorrt (Jetson GPU) run the model's export for imgsz "
        "without torch, exporting it once if missing; auto = the fastest one installed.",
    )
    model: str = Field(
        "yolo11n-pose.pt",
        min_length=1,
        description="Model file: a bare name is looked up in <data_dir>/models, else a path.",
    )
    imgsz: InputSize = Field(
        InputSize(320, 256),
        description="Model input in pixels, multiples of 32: 320 (square) or [320, 256] (height, "
        "width). On the runner crop, 320 high keeps 640's accuracy; 256 wide fits a runner's "
        "stride at that scale.",
    )
    precision: Literal["fp32", "bf16", "int8"] = Field(
        "int8",
        description="Model precision for openvino: int8 runs the NNCF-quantized model (made once "
        "from the FP32 export, calibrated on the demo clip), its other layers in fp32; fp32 the "
        "export as it is; bf16 the export in bfloat16, only on a CPU with AMX or AVX512-BF16. "
        "Each is pinned, so it means the same on every CPU. Other backends run fp32.",
    )
    conf: float = Field(0.25, gt=0, lt=1, description="Minimum person detection confidence.")
    device: str = Field(
        "cpu", description="Inference device for Ultralytics (cpu, 0, cuda:0); GPU for tensorrt."
    )
    threads: int = Field(
        0,
        ge=0,
        le=256,
        description="CPU threads per frame for openvino, onnx and ncnn; 0 = the cores shared "
        "out among the pose workers.",
    )
    crop: bool = Field(
        True,
        description="Once the runner is found, look at a crop around them instead of the whole "
        "frame, so a small imgsz keeps its accuracy; the whole frame again when they are lost.",
    )
    refine: bool = Field(
        True,
        description="Place the runner's knees and ankles again with the top-down keypoint "
        "refiner (RTMPose-s, fetched by hipdrive model fetch) on their box; false keeps the "
        "pose model's own keypoints.",
    )
    refiner: str = Field(
        "rtmpose-s-halpe26-256x192.onnx",
        min_length=1,
        description="The keypoint refiner's model file: a bare name is looked up in "
        "<data_dir>/models, else a path.",
    )
    workers: int = Field(
        3,
        ge=1,
        le=8,
        description="Frames the pose backend works on at once (threads); 3 keeps two cores busy.",
    )
    roi: tuple[StrictInt, StrictInt, StrictInt, StrictInt] | None = Field(
        None,
        strict=False,
        description="Region [x, y, w, h] in pixels where the runner is; absent = whole frame.",
    )

    @field_validator("imgsz", mode="before")
    @classmethod
    def _input_size(cls, value: Any) -> InputSize:
        return input_size(value)

    @field_validator("roi")
    @classmethod
    def _positive_roi(cls, value: tuple[int, int, int, int] | None) -> Any:
        if value is not None and (value[0] < 0 or value[1] < 0 or value[2] <= 0 or value[3] <= 0):
            raise ValueError("must be [x >= 0, y >= 0, w > 0, h > 0]")
        return value


class CalibrationSection(_Section):
    file: Path = Field(
        Path("calibration.toml"),
        strict=False,
        description="Calibration written by `hipdrive calibrate`, relative to this file; "
        "while it does not exist the station is uncalibrated (distances in % of leg length).",
    )


class GaitSection(_Section):
    belt_speed_mps: float | None = Field(
        None,
        gt=0,
        description="Treadmill belt speed in m/s for stride length; absent = estimated from the "
        "stance foot (needs a calibration). The console can set it during a session.",
    )
    summary_steps: int = Field(
        20, ge=4, le=200, description="Steps in the rolling summary behind the cue."
    )

    @field_validator("belt_speed_mps")
    @classmethod
    def _metres_per_second(cls, value: float | None) -> float | None:
        if value is not None and value > MAX_BELT_MPS:
            raise ValueError(
                f"must be <= {MAX_BELT_MPS:g} m/s ({MAX_BELT_MPS * 3.6:.1f} km/h, the fastest"
                f" treadmills' top speed): {in_other_units(value)}"
            )
        return value


class VoiceSection(_Section):
    enabled: bool = Field(
        False,
        description="Speak the cue through the station's speaker (needs the voice extra or "
        "Debian's espeak-ng); the console turns it on and off too.",
    )
    output: str = Field(
        "aplay",
        pattern=r"^(aplay(:.+)?|wav:.+)$",
        description="Where speech goes: aplay (the default ALSA output), aplay:DEVICE, or "
        "wav:FOLDER (each cue as a WAV file; relative to the data folder).",
    )
    language: str = Field(
        "en-us", pattern=r"^[a-z]{2,3}(-[a-z0-9]+)*$", description="eSpeak NG voice, e.g. en-gb."
    )
    words_per_minute: int = Field(160, ge=80, le=400, description="Speaking rate.")
    every_steps: int = Field(
        20, ge=4, le=1000, description="At most one spoken cue in this many steps."
    )
    quiet_s: float = Field(
        10.0, ge=0, le=600, description="Seconds without speech after a session or repeat starts."
    )


_TARGET_UNITS = {
    "overstride_cm_max": (2.0, "centimetres", "0.2 m is 20"),
    "overstride_pct_leg_max": (2.0, "% of the leg", "a fifth of it is 20"),
    "shank_angle_max_deg": (1.0, "degrees", "0.12 rad is 7"),
    "hip_extension_min_deg": (2.0, "degrees", "0.17 rad is 10; 0 gives no hip drive cue"),
    "cadence_min_spm": (100.0, "steps a minute", "both feet's: 78 strides a minute are 156 steps"),
    "contact_max_ms": (100.0, "milliseconds", "0.3 s is 300"),
}
"""Each target's least value a runner could be held to, and its unit: a smaller one is the
target in another unit (a user trial's contact_max_ms = 0.3, overstride_cm_max = 0.2, the hip
drive in radians and the cadence in strides passed ``config check``, and each cued every runner
or none)."""


class TargetsSection(_Section):
    overstride_cm_max: float = Field(
        20.0,
        gt=0,
        le=60,
        description="Foot landing further ahead of the hips cues 'Land under "
        "your hips' (calibrated station), cm, at 2.5 m/s; it grows with pace, and above "
        "the recorded paces (about 5 m/s) there is none.",
    )
    overstride_pct_leg_max: float = Field(
        23.0, gt=0, le=80, description="The same as % of leg length (uncalibrated station)."
    )
    shank_angle_max_deg: float = Field(
        7.0, gt=0, le=45, description="Shin reaching forward more than this at landing, degrees."
    )
    hip_extension_min_deg: float = Field(
        10.0,
        ge=0,
        le=45,
        description="Thigh driving back less than this cues 'Drive the hip back', degrees.",
    )
    cadence_min_spm: float = Field(
        155.0,
        gt=0,
        le=260,
        description="Cadence below this cues 'Quicker, lighter steps', at 2.5 m/s; it eases at "
        "a slower pace.",
    )
    contact_max_ms: float = Field(
        300.0,
        gt=0,
        le=1000,
        description="Ground contact longer than this cues 'Quicker, lighter steps', ms, at "
        "2.5 m/s; it eases at a slower pace.",
    )
    hold_steps: int = Field(
        6, ge=1, le=100, description="Steps a cue stays up before another may replace it."
    )

    @field_validator(*_TARGET_UNITS)
    @classmethod
    def _in_its_unit(cls, value: float, info: ValidationInfo) -> float:
        least, unit, example = _TARGET_UNITS[str(info.field_name)]
        if 0 < value < least:
            raise ValueError(
                f"under any runner's target in {unit} ({least:g} at the least): give it in "
                f"{unit} ({example})"
            )
        return value


def _endpoint(value: str) -> str:
    from edge.bus.security import check_endpoint

    return check_endpoint(value)


class BusSection(_Section):
    publish: str = Field(
        "tcp://127.0.0.1:5556",
        description="Where the station publishes its messages (ZeroMQ PUB): tcp://HOST:PORT.",
    )
    control: str = Field(
        "tcp://127.0.0.1:5557",
        description="Where the station takes console commands (ZeroMQ REP): tcp://HOST:PORT.",
    )
    keys_dir: Path | None = Field(
        None,
        strict=False,
        description="CURVE keys, needed to bind beyond loopback; absent = <data_dir>/keys.",
    )
    frame_rate_hz: float = Field(
        30.0, gt=0, le=240, description="Most hipdrive.frame messages per second (live figure)."
    )

    @field_validator("publish")
    @classmethod
    def _publish_endpoint(cls, value: str) -> str:
        return _endpoint(value)

    @field_validator("control")
    @classmethod
    def _control_endpoint(cls, value: str, info: ValidationInfo) -> str:
        if value == info.data.get("publish"):
            raise ValueError("must differ from bus.publish")
        return _endpoint(value)


class Config(_Section):
    station: StationSection = Field(StationSection(), description="The [station] table.")
    camera: CameraSection = Field(CameraSection(), description="The [camera] table.")
    pose: PoseSection = Field(PoseSection(), description="The [pose] table.")
    bus: BusSection = Field(BusSection(), description="The [bus] table.")
    calibration: CalibrationSection = Field(
        CalibrationSection(), description="The [calibration] table."
    )
    gait: GaitSection = Field(GaitSection(), description="The [gait] table.")
    targets: TargetsSection = Field(TargetsSection(), description="The [targets] table.")
    voice: VoiceSection = Field(VoiceSection(), description="The [voice] table.")

    @property
    def keys_dir(self) -> Path:
        """The CURVE keys folder (``hipdrive keys generate`` writes it)."""
        return self.bus.keys_dir or self.station.data_dir / "keys"

    @property
    def sessions_path(self) -> Path:
        """The SQLite file sessions are recorded in."""
        return self.station.data_dir / "sessions.sqlite"

    @property
    def models_dir(self) -> Path:
        return self.station.data_dir / "models"

    def model_path(self) -> Path:
        """The pose model file this configuration asks for (it may not exist yet)."""
        return self._model_file(self.pose.model)

    def refiner_path(self) -> Path:
        """The keypoint refiner's model file this configuration asks for (it may not exist)."""
        return self._model_file(self.pose.refiner)

    def _model_file(self, name: str) -> Path:
        model = Path(name)
        return model if model.parent != Path() else self.models_dir / model


def default_config_path() -> Path | None:
    """The file used when none is given: $HIPDRIVE_CONFIG, else ./config.toml if present."""
    if env := os.environ.get(CONFIG_ENV):
        return Path(env)
    local = Path.cwd() / DEFAULT_CONFIG_NAME
    return local if local.is_file() else None


def load_config(path: Path | None = None) -> Config:
    """Load and validate a configuration file (defaults only when there is none).

    Raises UsageError naming the key, the value and the rule on any problem.
    """
    path = path if path is not None else default_config_path()
    if path is None:
        # A user trial ran analyze from another folder: told only that the model was missing
        # from ./var, not that no configuration was read.
        log.info(
            "no %s in %s and no $%s: the built-in defaults, models and data in %s",
            DEFAULT_CONFIG_NAME,
            Path.cwd(),
            CONFIG_ENV,
            Path.cwd() / Config().station.data_dir,
        )
        return _resolve_paths(Config(), Path.cwd())
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"configuration file {path} does not exist; copy config.toml from the project"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read configuration file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}") from None
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        lines = "\n".join(f"  {line}" for line in describe_errors(exc))
        raise UsageError(f"{path} has invalid settings:\n{lines}") from None
    return _resolve_paths(config, path.resolve().parent)


def _resolve_paths(config: Config, base: Path) -> Config:
    station = config.station.model_copy(update={"data_dir": base / config.station.data_dir})
    pose = config.pose
    for key in ("model", "refiner"):
        model = Path(getattr(pose, key))
        if model.parent != Path():
            pose = pose.model_copy(update={key: str(base / model)})
    bus = config.bus
    if bus.keys_dir is not None:
        bus = bus.model_copy(update={"keys_dir": base / bus.keys_dir})
    calibration = config.calibration.model_copy(update={"file": base / config.calibration.file})
    return config.model_copy(
        update={"station": station, "pose": pose, "bus": bus, "calibration": calibration}
    )


#: settings a running station takes on when told to reload (SIGHUP); any other change waits
#: for a restart, because it means reopening the camera, the model or the sockets
LIVE_KEYS = frozenset(
    {
        "station.auto_session",
        "station.session_idle_s",
        "station.record_keypoints",
        "pose.roi",
        "bus.frame_rate_hz",
        "gait.belt_speed_mps",
        "gait.summary_steps",
        *(f"targets.{name}" for name in TargetsSection.model_fields),
    }
)


@dataclass(frozen=True, slots=True)
class Reload:
    """A reloaded file held against the running configuration.

    config: the running configuration with the live changes taken on. applied and
    need_restart: one ``key = new (was old)`` line per changed setting.
    """

    config: Config
    applied: list[str]
    need_restart: list[str]


def reload_changes(running: Config, new: Config) -> Reload:
    """Which changes from ``running`` to ``new`` apply at once and which need a restart."""
    applied: list[str] = []
    need_restart: list[str] = []
    sections: dict[str, _Section] = {}
    for name in Config.model_fields:
        old_section, new_section = getattr(running, name), getattr(new, name)
        updates = {}
        for key in type(old_section).model_fields:
            before, after = getattr(old_section, key), getattr(new_section, key)
            if before == after:
                continue
            line = f"{name}.{key} = {_toml_value(after)} (was {_toml_value(before)})"
            if f"{name}.{key}" in LIVE_KEYS:
                updates[key] = after
                applied.append(line)
            else:
                need_restart.append(line)
        if updates:
            sections[name] = old_section.model_copy(update=updates)
    return Reload(running.model_copy(update=sections), applied, need_restart)


_RULES = {
    "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}",
    "less_than": "must be < {lt}",
    "less_than_equal": "must be <= {le}",
    "multiple_of": "must be a multiple of {multiple_of}",
    "string_pattern_mismatch": "must match {pattern}",
    "string_too_short": "must not be empty",
    "literal_error": "must be one of {expected}",
    "int_type": "must be a whole number",
    "int_parsing": "must be an integer",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string",
    "model_type": "must be a table",
    "tuple_type": "must be a list",
    "too_short": "must have {min_length} items",
    "too_long": "must have {max_length} items",
}


_UNQUOTED = ("int_type", "float_type", "bool_type")


def describe_errors(exc: ValidationError) -> list[str]:
    """One ``key.path = value: rule`` line per validation error."""
    return [_describe(error) for error in exc.errors()]


def _describe(error: Any) -> str:
    loc = [str(part) for part in error["loc"]]
    if error["type"] == "extra_forbidden":
        return f"{'.'.join(loc)}: unknown key{_suggestion(loc)}"
    key = ".".join(part for part in loc if not part.isdigit()) or "(top level)"
    template = _RULES.get(error["type"])
    rule = template.format(**error.get("ctx", {})) if template else _plain(error["msg"])
    if error["type"] in _UNQUOTED and _reads_as_value(error.get("input")):
        rule += ", written without quotes"
    return f"{key} = {_toml_value(error.get('input'))}: {rule}"


def _reads_as_value(value: Any) -> bool:
    """Whether ``value`` is a string that says a number or a boolean (quoted in TOML)."""
    if not isinstance(value, str):
        return False
    if value.strip().lower() in ("true", "false"):
        return True
    try:
        float(value)
    except ValueError:
        return False
    return True


def _plain(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def _suggestion(loc: list[str]) -> str:
    section_model: type[BaseModel] = Config
    for part in loc[:-1]:
        field = section_model.model_fields.get(part)
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return ""
        section_model = annotation
    prefix = ".".join(loc[:-1])
    close = difflib.get_close_matches(loc[-1], list(section_model.model_fields), n=1, cutoff=0.5)
    if not close:
        return f"; valid keys here: {', '.join(section_model.model_fields)}"
    return f"; did you mean {prefix + '.' if prefix else ''}{close[0]}?"


def _toml_value(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # nan, inf, -inf: as TOML spells them (JSON has no words for them)
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return repr(value)
