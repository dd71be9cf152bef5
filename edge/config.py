"""The station's one configuration model, loaded from TOML and validated at start.

Defaults live here; the shipped ``config.toml`` is the commented example of this model. Every
validation error names the key path, the bad value and the rule: ``camera.fps = -5: must be > 0``.
Relative paths in a file are resolved against that file's folder, so a station installed under
/etc/hipdrive behaves the same from any working directory.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from edge.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

CONFIG_ENV = "HIPDRIVE_CONFIG"
DEFAULT_CONFIG_NAME = "config.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StationSection(_Section):
    id: str = Field(
        "station-1",
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="Station identity sent with every message and recorded with every session.",
    )
    data_dir: Path = Field(
        Path("var"),
        description="Folder for models, sessions and exports; relative to the configuration file.",
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


class PoseSection(_Section):
    backend: Literal["ultralytics"] = Field(
        "ultralytics", description="Pose backend: ultralytics (loads any Ultralytics model file)."
    )
    model: str = Field(
        "yolo11n-pose.pt",
        min_length=1,
        description="Model file: a bare name is looked up in <data_dir>/models, else a path.",
    )
    imgsz: int = Field(
        640, ge=64, le=2048, multiple_of=32, description="Inference input size in pixels."
    )
    conf: float = Field(0.25, gt=0, lt=1, description="Minimum person detection confidence.")
    device: str = Field("cpu", description="Inference device for Ultralytics: cpu, 0, cuda:0.")
    roi: tuple[int, int, int, int] | None = Field(
        None,
        description="Region [x, y, w, h] in pixels where the runner is; absent = whole frame.",
    )

    @field_validator("roi")
    @classmethod
    def _positive_roi(cls, value: tuple[int, int, int, int] | None) -> Any:
        if value is not None and (value[0] < 0 or value[1] < 0 or value[2] <= 0 or value[3] <= 0):
            raise ValueError("must be [x >= 0, y >= 0, w > 0, h > 0]")
        return value


class Config(_Section):
    station: StationSection = Field(StationSection(), description="The [station] table.")
    camera: CameraSection = Field(CameraSection(), description="The [camera] table.")
    pose: PoseSection = Field(PoseSection(), description="The [pose] table.")

    @property
    def models_dir(self) -> Path:
        return self.station.data_dir / "models"

    def model_path(self) -> Path:
        """The pose model file this configuration asks for (it may not exist yet)."""
        model = Path(self.pose.model)
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
    model = Path(config.pose.model)
    station = config.station.model_copy(update={"data_dir": base / config.station.data_dir})
    pose = config.pose
    if model.parent != Path():
        pose = pose.model_copy(update={"model": str(base / model)})
    return config.model_copy(update={"station": station, "pose": pose})


_RULES = {
    "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}",
    "less_than": "must be < {lt}",
    "less_than_equal": "must be <= {le}",
    "multiple_of": "must be a multiple of {multiple_of}",
    "string_pattern_mismatch": "must match {pattern}",
    "string_too_short": "must not be empty",
    "literal_error": "must be one of {expected}",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string",
    "model_type": "must be a table",
    "tuple_type": "must be a list",
    "too_short": "must have {min_length} items",
    "too_long": "must have {max_length} items",
}


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
    return f"{key} = {_toml_value(error.get('input'))}: {rule}"


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
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return repr(value)
