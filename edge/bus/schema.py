"""The one wire schema: every message the station publishes, records or exports.

Encoding (the only one): a ZeroMQ multipart message ``[topic, payload]``. The topic frame is one of
``hipdrive.frame``, ``hipdrive.step``, ``hipdrive.summary``, ``hipdrive.status`` (ASCII); the
payload is one JSON object, UTF-8, no NaN or Infinity (an unknown value is ``null``), at most
``MAX_PAYLOAD_BYTES``. Every payload carries ``"type"`` (the topic without ``hipdrive.``), ``"v"``
(schema version, ``SCHEMA_VERSION``), ``"station"`` (station id) and ``"t"`` (seconds on the
station's monotonic clock, the clock frames are stamped with). Field names are the dataclass
fields below; a reader rejects a missing field, a wrong type or another version.

Within one version the schema only grows, and old readers keep working: a field is added only
with a default (an old sender's message reads as "not known"), and a reader ignores the fields
and the metric names it does not know (a newer sender's message reads as the fields it knows).

A line of a step-event file (JSON Lines) is exactly the ``hipdrive.step`` payload.

Producers build the dataclasses and call ``encode``; consumers call ``decode``, which validates
strictly and raises ``SchemaError`` (never anything else) on bad input.
"""

from __future__ import annotations

import dataclasses
import json
import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, Protocol, TypeAlias, cast, get_args

import numpy as np
from pydantic import BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError

from edge.skeleton import NUM_KEYPOINTS

SCHEMA_VERSION = 1
MAX_PAYLOAD_BYTES = 64 * 1024
"""A frame message is about 1.2 kB, a full summary about 1.5 kB: anything near this is garbage."""

TEXT_MAX_CHARS = 64
"""The longest runner name or lap label, in characters after ``clean_text``."""
_REFUSED_CATEGORIES = {
    "Cc": "a control character",
    "Cf": "a format character",
    "Cs": "a lone surrogate",
    "Co": "a private-use character",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}
"""Unicode categories never taken as text from a person, with what to call an unnamed one: each
moves a terminal's cursor or changes what it shows next (C0 and C1 controls), reorders or hides
text (bidi overrides, zero-width characters, the BOM) or shows as nothing anyone can read."""

TOPIC_FRAME = b"hipdrive.frame"
TOPIC_STEP = b"hipdrive.step"
TOPIC_SUMMARY = b"hipdrive.summary"
TOPIC_STATUS = b"hipdrive.status"

UNJUDGED_KEY = "unjudged"
"""``SummaryMsg.cue_key`` when no target is missed but some could not be judged, their medians
measured less surely or, beyond the recorded paces, the overstride without a target
(``cue_reason`` names them), or none judged, the running steps under running's cadence (a walk
misread, or a run's steps missed): not "good", which would claim what was not judged, and not a
coaching cue, so it is neither coloured as one nor spoken."""
NOT_RECORDING = "not recording"
"""How a status's ``recording_error`` begins when the sessions store cannot write at all (a
disk full, a folder the station may not write), as against records it had to drop."""

# Pydantic reads this off each dataclass: unknown fields are ignored (a newer sender's
# additions), numbers must be finite, and no coercion ("3" is not 3, true is not 1, 2.0 is not an
# int). NaN is written as a token (see encode).
_STRICT = ConfigDict(extra="ignore", allow_inf_nan=False, strict=True, ser_json_inf_nan="constants")

Foot: TypeAlias = Literal["left", "right", "near", "far"]
View: TypeAlias = Literal["near", "far"]
Gait: TypeAlias = Literal["running", "walking"]
GaitMode: TypeAlias = Literal["running", "walking", "standing", "off_belt"]
Confidence: TypeAlias = Annotated[float, Field(ge=0.0, le=1.0)]
Count: TypeAlias = Annotated[int, Field(ge=0, le=2**63 - 1)]  # fits an SQLite INTEGER
Keypoint: TypeAlias = tuple[float | None, float | None, float]
"""x, y in full-frame pixels (image y down; None when missing) and confidence 0..1."""
Keypoints: TypeAlias = Annotated[
    tuple[Keypoint, ...], Field(min_length=NUM_KEYPOINTS, max_length=NUM_KEYPOINTS)
]
CameraState: TypeAlias = Literal["starting", "running", "lost", "reconnecting", "ended"]
MetricName: TypeAlias = Literal[
    "contact_ms",
    "flight_ms",
    "step_ms",
    "cadence_spm",
    "overstride_cm",
    "overstride_pct_leg",
    "shank_angle_ic_deg",
    "knee_flexion_ic_deg",
    "braking_ms",
    "hip_extension_deg",
    "knee_lift_deg",
    "vertical_osc_cm",
    "vertical_osc_pct_leg",
    "stride_length_m",
    "scissor_deg",
    "scissor_back_deg",
    "scissor_front_deg",
    "swing_knee_lift_deg",
    "speed_legs_per_s",
]
"""The numeric per-step metrics of DESIGN.md and the scissor's (``docs/metrics.md``), the keys a
summary may aggregate."""
_METRIC_NAMES = frozenset(get_args(MetricName))


def _known_metrics(value: object) -> object:
    """A metric mapping without the names this build does not know (a newer sender's)."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if not isinstance(k, str) or k in _METRIC_NAMES}
    return value


class Stepped(Protocol):
    """What ``step_speed`` reads of a step (the engine's ``Step`` or a ``StepMsg``)."""

    @property
    def cadence_spm(self) -> float | None: ...
    @property
    def stride_length_m(self) -> float | None: ...


def step_speed(step: Stepped) -> float | None:
    """The belt speed a step was run at, m/s: stride length over stride time (two steps); None
    without a stride length (no belt speed set or estimated) or a cadence."""
    if step.stride_length_m is None or not step.cadence_spm:
        return None
    return step.stride_length_m * step.cadence_spm / 120.0


def belt_read(steps: Iterable[Stepped]) -> float | None:
    """The belt speed ``steps`` were run at, m/s: the median of their ``step_speed`` (each
    step's alternates about it with the legs' asymmetry); None when none says."""
    speeds = [s for step in steps if (s := step_speed(step)) is not None]
    return float(np.median(speeds)) if speeds else None


class Gaited(Protocol):
    """Anything with a step's gait."""

    @property
    def gait(self) -> str | None: ...
    @property
    def metric_confidence(self) -> Mapping[Any, float]: ...


UNTOLD = "untold"
"""What ``gait_of`` calls a step measured before any gait was told (a walker's first steps,
measured by running's rules): the engine marks its contact time less sure for it
(``edge.gait.metrics.UNTOLD_METRICS``), which a step without a gait recorded before gaits were told
apart never carries. It counts as neither gait: no running figures, phase or verdict of its own
(a user trial's walk had its first four steps reported as a running phase)."""


def gait_of(step: Gaited) -> str:
    """``running`` or ``walking`` as told; ``UNTOLD`` for a step measured before any gait was
    told; a step recorded before gaits were told apart counts as running."""
    if step.gait is not None:
        return step.gait
    return UNTOLD if "contact_ms" in step.metric_confidence else "running"


class SchemaError(ValueError):
    """A message that does not follow this schema; the text says which topic, field and rule."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FrameMsg:
    """One processed frame: the runner's keypoints and live leg angles (degrees, DESIGN.md).

    ``keypoints`` is None when no runner is in view; build it with ``keypoints_to_wire``.
    ``capture_t`` (extends DESIGN.md): station time the frame was captured, which a step's
    ``ic_t`` is timed by (``t`` is when the frame was published, a processing lag later); None
    from a station before it was sent.
    """

    TOPIC: ClassVar[bytes] = TOPIC_FRAME
    __pydantic_config__ = _STRICT

    type: Literal["frame"] = "frame"
    v: int = SCHEMA_VERSION
    station: str
    t: float
    frame: Count
    runner_present: bool
    keypoints: Keypoints | None
    left_thigh_deg: float | None = None
    right_thigh_deg: float | None = None
    left_shank_deg: float | None = None
    right_shank_deg: float | None = None
    left_knee_flexion_deg: float | None = None
    right_knee_flexion_deg: float | None = None
    capture_t: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StepMsg:
    """One foot contact with the metrics of DESIGN.md's per-step table (same names, same units).

    ``vertical_osc_pct_leg`` extends the table so an uncalibrated station still reports the
    bounce. A metric that cannot be known for this step is None: ``overstride_cm`` and
    ``vertical_osc_cm`` without calibration, ``step_ms`` and ``cadence_spm`` for the first
    step, and so on. ``t`` is when the step was emitted (when its foot landed again, after the
    detector's lag).
    """

    TOPIC: ClassVar[bytes] = TOPIC_STEP
    __pydantic_config__ = _STRICT

    type: Literal["step"] = "step"
    v: int = SCHEMA_VERSION
    station: str
    t: float
    foot: Foot
    ic_t: float
    to_t: float
    contact_ms: float
    flight_ms: float | None
    step_ms: float | None
    cadence_spm: float | None
    overstride_cm: float | None
    overstride_pct_leg: float | None
    shank_angle_ic_deg: float | None
    knee_flexion_ic_deg: float | None
    braking_ms: float | None
    hip_extension_deg: float | None
    knee_lift_deg: float | None
    vertical_osc_cm: float | None
    vertical_osc_pct_leg: float | None
    stride_length_m: float | None
    confidence: Confidence
    view: View | None = None
    metric_confidence: Annotated[dict[MetricName, Confidence], BeforeValidator(_known_metrics)] = (
        dataclasses.field(default_factory=dict)
    )
    yaw_deg: float | None = None
    gait: Gait | None = None
    scissor_deg: float | None = None
    scissor_back_deg: float | None = None
    scissor_front_deg: float | None = None
    swing_knee_lift_deg: float | None = None
    speed_legs_per_s: float | None = None


STEP_EXTENSIONS: tuple[str, ...] = (
    "view",
    "metric_confidence",
    "yaw_deg",
    "gait",
    "scissor_deg",
    "scissor_back_deg",
    "scissor_front_deg",
    "swing_knee_lift_deg",
    "speed_legs_per_s",
)
"""Fields a step carries beyond DESIGN.md's table, each optional: which leg the camera saw
(near or far), the metrics measured less surely than the step, the camera's estimated yaw,
whether the step was run or walked (a walked step has no overstride, braking, landing angles,
hip extension, knee lift, scissor or flight: None), and the scissor between the thighs at
toe-off with the swing leg's knee lift (``docs/metrics.md``), and the belt's speed in leg
lengths a second."""
STEP_FIELDS: tuple[str, ...] = tuple(
    f.name
    for f in dataclasses.fields(StepMsg)
    if f.name not in ("type", "v", "station", "t", *STEP_EXTENSIONS)
)
"""The per-step table of DESIGN.md in its order: the columns of a steps CSV."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricStats:
    """One metric over a summary's window of steps.

    ``median`` and ``iqr`` (interquartile range, q75 - q25: the spread) are over both feet;
    ``asymmetry_pct`` is 100 * (left median - right median) / mean(|left|, |right|), positive when
    the left leg's value is larger, None while one side has no steps.

    Four fields extend DESIGN.md, each optional. ``confident``: the median rests on steps where
    this metric was measured surely (False: on none, so it rests on less sure values; show it as
    such, judge nothing by it). ``near_leg_only``: only one leg's values are sure (the far leg is
    seen through the near one), so ``asymmetry_pct`` is None: say "near leg only".
    ``feet_differ``: the feet's values differ beyond their scatter (a rank test) and, for the
    metrics timed by both feet's events, beyond what one side camera makes of the far leg's
    (``edge.gait.summary.VIEW_APART_PCT``), so the asymmetry is sure (False: too few steps, too
    much scatter or too near to tell; show it, judge nothing by it). ``feet_mixed``: two steps in
    a row were named the same foot, so the feet were not told apart and ``asymmetry_pct`` is
    None: say "feet not told apart".
    """

    __pydantic_config__ = _STRICT

    median: float | None
    iqr: float | None
    asymmetry_pct: float | None
    confident: bool = True
    near_leg_only: bool = False
    feet_differ: bool = True
    feet_mixed: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SummaryMsg:
    """The rolling summary of the last ``n_steps`` steps and the one cue to show.

    ``units`` says how overstride is reported: ``cm`` when the camera is calibrated, else
    ``pct_leg`` (overstride_cm is then absent from ``metrics``). The cue fields are all None when
    no cue applies; ``cue_key`` is stable (for code), ``cue`` is the text for the runner and
    ``cue_reason`` the measured value behind it.

    Four fields extend DESIGN.md, each optional: ``yaw_deg``, the camera's estimated yaw off
    square to the belt (None: not known); ``oblique``, true when the view is oblique and
    uncalibrated, so the distances and angles a yaw foreshortens are less sure: say so ("camera
    about 20 deg off square, uncalibrated"); ``gait``, the gait of the steps the medians are over,
    ``running`` or ``walking`` (None: not told, as from a station before gaits were told apart);
    ``pace_beyond``, true while the runner's pace is past the recorded ones, so the overstride has
    no target (the station holds it with the cue; None: not told, as from a station before it).
    Running and walking steps are never mixed in one summary: a walking summary has no running
    metrics (overstride, braking, landing angles, hip extension, knee lift, flight) and no cue.
    """

    TOPIC: ClassVar[bytes] = TOPIC_SUMMARY
    __pydantic_config__ = _STRICT

    type: Literal["summary"] = "summary"
    v: int = SCHEMA_VERSION
    station: str
    t: float
    n_steps: Count
    metrics: Annotated[dict[MetricName, MetricStats], BeforeValidator(_known_metrics)]
    cue: str | None
    cue_key: str | None
    cue_reason: str | None
    units: Literal["cm", "pct_leg"]
    calibrated: bool
    yaw_deg: float | None = None
    oblique: bool = False
    gait: Gait | None = None
    pace_beyond: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusMsg:
    """The station's state, published at least once a second so a late console knows it at once.

    ``camera_state``: ``starting`` (opening), ``running`` (frames arrive), ``lost`` (no good frame
    from a live camera for a moment), ``reconnecting`` (the live camera failed and is being
    reopened; the session goes on), ``ended`` (a file source is finished). ``recording`` is true
    while a session is being written; ``recording_error`` says why it is not (None when all is
    well). ``stages_ms``: recent mean time per frame of each stage of the processing loop
    (``read``, ``pose``, ``gait``, ``publish``). ``session_start_t``: station time the open
    session started, so a console that joins late shows the right session time. ``gait_mode``
    (extends DESIGN.md): what the person on the belt is doing, ``running``, ``walking``,
    ``standing`` or ``off_belt`` (nobody on it); None until the station can tell, and while
    ``untimed`` (extends DESIGN.md): the engine gets too few frames a second to time steps, so it
    tells no mode but off the belt and hands out no step (``edge.gait.mode.ModeTracker.rough``);
    None from a station before it. ``voice``
    (extends DESIGN.md): whether the station speaks its cues (None: a station that cannot say),
    and ``voice_problem`` why the last one could not be spoken (None: it was). ``view_problem``
    (extends DESIGN.md): why the station shows no steps although a runner moves on the belt (the
    runner faces the other way than the calibration or ``--facing`` says, so every step would be
    measured backwards), with what to do; None when there is no such problem.
    ``framing_problem`` (extends DESIGN.md): that the runner's feet keep leaving the picture
    (``edge.pose.crop.FramingWatch``), with what to do; None when they stay in it.
    ``rate_problem`` (extends DESIGN.md): that a live station times steps from fewer frames a
    second than the gait engine needs (``edge.run.station.RateWatch``), with what to do; None
    when it has enough. ``timing_problem`` (extends DESIGN.md): that a file's time base makes
    its steps no runner's, so they get no cue (``edge.run.station.FitCheck``: a slow-motion
    clip played without its capture rate), with what to do; None when there is no such problem.
    ``timing_doubt`` (extends DESIGN.md): a file's steps read so, not yet for long enough to
    tell (``FitCheck.doubt``): no cue meanwhile; None from a station before it.
    ``distance_problem`` (extends DESIGN.md): that the scale (the calibration,
    ``--meters-per-pixel``) or the belt speed does not fit the runner, so the steps' distances
    in metres would be wrong and they get no cue (``FitCheck``), with what to do; None when they
    fit. ``distance_doubt`` (extends DESIGN.md): the steps read so, not yet for long enough to
    tell: no cue meanwhile; None from a station before it. ``frames_note`` (extends DESIGN.md):
    what a file's frames are that the station leaves out, repeats of the frame before and
    pictures held still, as ``hipdrive analyze`` says it (``FrameSource.notes``); None for a
    camera, or a file with neither.
    """

    TOPIC: ClassVar[bytes] = TOPIC_STATUS
    __pydantic_config__ = _STRICT

    type: Literal["status"] = "status"
    v: int = SCHEMA_VERSION
    station: str
    t: float
    fps_in: float
    fps_out: float
    dropped_frames: Count
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    camera_state: CameraState
    backend: str
    calibrated: bool
    calibration: str | None
    runner_present: bool
    session_id: int | None
    runner: str | None
    recording: bool
    recording_error: str | None
    belt_speed_mps: float | None
    stages_ms: dict[str, float] = dataclasses.field(default_factory=dict)
    session_start_t: float | None = None
    gait_mode: GaitMode | None = None
    untimed: bool | None = None
    voice: bool | None = None
    voice_problem: str | None = None
    view_problem: str | None = None
    framing_problem: str | None = None
    rate_problem: str | None = None
    timing_problem: str | None = None
    timing_doubt: bool | None = None
    distance_problem: str | None = None
    distance_doubt: bool | None = None
    frames_note: str | None = None


Msg: TypeAlias = FrameMsg | StepMsg | SummaryMsg | StatusMsg
MESSAGE_TYPES: dict[bytes, type[Msg]] = {
    cls.TOPIC: cls for cls in (FrameMsg, StepMsg, SummaryMsg, StatusMsg)
}
_ADAPTERS: dict[bytes, TypeAdapter[Any]] = {
    topic: TypeAdapter(cls) for topic, cls in MESSAGE_TYPES.items()
}


def clean_text(field: str, value: str) -> str:
    """A runner name or lap label as it is kept: NFC, without surrounding whitespace.

    Raises ValueError naming ``field`` and the first refused character (its code point and name),
    or saying that the text is empty or longer than ``TEXT_MAX_CHARS``.
    """
    text = unicodedata.normalize("NFC", value)
    for char in text:
        kind = _REFUSED_CATEGORIES.get(unicodedata.category(char))
        if kind is not None:
            name = unicodedata.name(char, kind)
            raise ValueError(f"{field}: U+{ord(char):04X} ({name}) is not allowed")
    text = text.strip()
    if not text:
        raise ValueError(f"{field}: empty" + (" (only spaces)" if value else ""))
    if len(text) > TEXT_MAX_CHARS:
        raise ValueError(f"{field}: {len(text)} characters, at most {TEXT_MAX_CHARS}")
    return text


def printable(text: str) -> str:
    """``text`` with each character ``clean_text`` refuses written as its escape (``\\u202e``):
    for showing text recorded before it was checked."""
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) in _REFUSED_CATEGORIES
        else char
        for char in text
    )


def keypoints_to_wire(keypoints: np.ndarray | None) -> tuple[Keypoint, ...] | None:
    """(17, 3) float32 pixels and confidence -> the message form (NaN becomes None)."""
    if keypoints is None:
        return None
    if keypoints.shape != (NUM_KEYPOINTS, 3):
        raise SchemaError(f"keypoints must have shape ({NUM_KEYPOINTS}, 3), got {keypoints.shape}")
    return tuple(
        (
            float(x) if np.isfinite(x) else None,
            float(y) if np.isfinite(y) else None,
            float(c) if np.isfinite(c) else 0.0,
        )
        for x, y, c in keypoints.tolist()
    )


def keypoints_from_wire(keypoints: tuple[Keypoint, ...]) -> np.ndarray:
    """The message form -> (17, 3) float32, a missing coordinate as NaN."""
    return np.array(
        [[np.nan if v is None else v for v in point] for point in keypoints], dtype=np.float32
    )


def encode(msg: Msg) -> tuple[bytes, bytes]:
    """The (topic, payload) frames of a message; numpy numbers are accepted.

    Raises SchemaError for a value of the wrong type or a non-finite number, naming the field:
    the sender is the place to find such a bug, not every receiver.
    """
    name = type(msg).__name__
    try:
        payload = _ADAPTERS[msg.TOPIC].dump_json(msg, warnings="error")
    except PydanticSerializationError as exc:
        raise SchemaError(f"cannot encode {name}: {exc}") from None
    # Serialised as NaN/Infinity tokens (never valid JSON) so that they can be caught here; the
    # same letters inside a string are told apart by looking at the numbers themselves.
    if (b"NaN" in payload or b"Infinity" in payload) and (bad := _non_finite_field(msg)):
        raise SchemaError(f"cannot encode {name}: {bad} is not a finite number (None if unknown)")
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise SchemaError(
            f"cannot encode {name}: {len(payload)} bytes, more than {MAX_PAYLOAD_BYTES}"
        )
    return msg.TOPIC, payload


def _non_finite_field(msg: Msg) -> str | None:
    for f in dataclasses.fields(msg):
        if not _all_finite(getattr(msg, f.name)):
            return f.name
    return None


def _all_finite(value: object) -> bool:
    if isinstance(value, float | np.floating):
        return math.isfinite(value)
    if isinstance(value, tuple | list):
        return all(_all_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_all_finite(v) for v in value.values())
    if isinstance(value, MetricStats):
        return _all_finite(dataclasses.astuple(value))
    return True


def decode(topic: bytes, payload: bytes) -> Msg:
    """Validate and build the message of one ``[topic, payload]`` pair; SchemaError if invalid."""
    adapter = _ADAPTERS.get(topic)
    if adapter is None:
        shown = topic[:40].decode("ascii", "backslashreplace")
        raise SchemaError(
            f"unknown topic {shown!r}; expected one of "
            f"{', '.join(t.decode() for t in MESSAGE_TYPES)}"
        )
    name = topic.decode()
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise SchemaError(f"{name}: payload of {len(payload)} bytes, at most {MAX_PAYLOAD_BYTES}")
    try:
        msg = cast(Msg, adapter.validate_json(payload))
    except ValidationError as exc:
        _check_version(name, payload)
        raise SchemaError(f"{name}: {_describe(exc)}") from None
    _check_version(name, payload, msg.v)
    return msg


def _check_version(name: str, payload: bytes, v: object = None) -> None:
    # A newer station's message fails validation for reasons a version mismatch explains better,
    # so the version is looked at first whenever anything is wrong.
    if v is None:
        try:
            v = json.loads(payload).get("v")
        except (ValueError, AttributeError, RecursionError):
            return
    if v is not None and v != SCHEMA_VERSION:
        raise SchemaError(
            f"{name}: schema version {_short(v)}, this build reads version {SCHEMA_VERSION}"
        )


def _describe(exc: ValidationError) -> str:
    errors = exc.errors()
    parts = []
    for error in errors[:3]:
        where = ".".join(str(part) for part in error["loc"]) or "payload"
        if error["type"] == "unexpected_keyword_argument":
            parts.append(f"{where}: unknown field")
        elif error["type"] in ("missing", "missing_argument"):
            parts.append(f"{where}: missing")
        elif error["type"] == "json_invalid":
            parts.append(f"not a JSON object ({error['msg']})")
        else:
            parts.append(f"{where} = {_short(error.get('input'))}: {error['msg']}")
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return "; ".join(parts) + more


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
