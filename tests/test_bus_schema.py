from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.bus.schema import (
    MAX_PAYLOAD_BYTES,
    MESSAGE_TYPES,
    SCHEMA_VERSION,
    STEP_EXTENSIONS,
    STEP_FIELDS,
    TOPIC_STATUS,
    TOPIC_STEP,
    TOPIC_SUMMARY,
    MetricStats,
    Msg,
    SchemaError,
    StepMsg,
    SummaryMsg,
    decode,
    encode,
    keypoints_from_wire,
    keypoints_to_wire,
)
from edge.skeleton import NUM_KEYPOINTS
from tests.builders import messages

DESIGN_STEP_TABLE = (
    "foot",
    "ic_t",
    "to_t",
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
    "confidence",
)
SAMPLES: list[Msg] = [
    messages.frame(3),
    messages.frame(4, runner_present=False, keypoints=None, left_thigh_deg=None),
    messages.step(0),
    messages.step(5, overstride_cm=None, vertical_osc_cm=None, foot="near"),
    messages.summary(),
    messages.summary(metrics={}, cue=None, cue_key=None, cue_reason=None, units="pct_leg"),
    messages.step(6, view="far", metric_confidence={"hip_extension_deg": 0.3}, yaw_deg=-12.5),
    messages.summary(
        metrics={
            "hip_extension_deg": MetricStats(
                median=15.0, iqr=2.0, asymmetry_pct=None, near_leg_only=True
            ),
            "overstride_pct_leg": MetricStats(
                median=21.0, iqr=3.0, asymmetry_pct=None, confident=False
            ),
        },
        units="pct_leg",
        calibrated=False,
        yaw_deg=22.5,
        oblique=True,
    ),
    messages.walked_step(3),
    messages.summary(gait="walking", cue=None, cue_key=None, cue_reason=None),
    messages.status(gait_mode="off_belt"),
    messages.status(),
    messages.status(camera_state="lost", session_id=None, recording=False, recording_error="x"),
]


def payload_of(msg: Msg) -> dict[str, Any]:
    return json.loads(encode(msg)[1])


@pytest.mark.parametrize("msg", SAMPLES, ids=lambda m: type(m).__name__)
def test_round_trip(msg: Msg) -> None:
    topic, payload = encode(msg)
    assert topic == type(msg).TOPIC
    assert decode(topic, payload) == msg


@pytest.mark.parametrize("msg", SAMPLES, ids=lambda m: type(m).__name__)
def test_every_payload_says_type_version_station_and_time(msg: Msg) -> None:
    payload = payload_of(msg)
    assert payload["type"] == type(msg).TOPIC.decode().removeprefix("hipdrive.")
    assert payload["v"] == SCHEMA_VERSION == 1
    assert payload["station"] == messages.STATION
    assert isinstance(payload["t"], float)


def test_step_payload_is_the_design_table_plus_type_version_and_extensions() -> None:
    assert STEP_FIELDS == DESIGN_STEP_TABLE
    payload = payload_of(messages.step(1))
    assert set(payload) == {*DESIGN_STEP_TABLE, *STEP_EXTENSIONS, "type", "v", "station", "t"}
    assert payload["type"] == "step"


def test_messages_from_a_station_before_the_extensions_still_decode() -> None:
    step = payload_of(messages.step(1, view="far", metric_confidence={"knee_lift_deg": 0.3}))
    for key in STEP_EXTENSIONS:
        del step[key]
    old_step = decode(TOPIC_STEP, json.dumps(step).encode())
    assert isinstance(old_step, StepMsg)
    assert (old_step.view, old_step.metric_confidence, old_step.yaw_deg) == (None, {}, None)
    summary = payload_of(messages.summary(yaw_deg=20.0, oblique=True, gait="running"))
    del summary["yaw_deg"], summary["oblique"], summary["gait"]
    for stats in summary["metrics"].values():
        del stats["confident"], stats["near_leg_only"]
    old_summary = decode(TOPIC_SUMMARY, json.dumps(summary).encode())
    assert isinstance(old_summary, SummaryMsg)
    assert old_summary.yaw_deg is None and not old_summary.oblique and old_summary.gait is None
    assert all(m.confident and not m.near_leg_only for m in old_summary.metrics.values())


def test_topics() -> None:
    assert sorted(MESSAGE_TYPES) == [
        b"hipdrive.frame",
        b"hipdrive.status",
        b"hipdrive.step",
        b"hipdrive.summary",
    ]


def test_encoding_is_compact_utf8_json() -> None:
    _, payload = encode(messages.status(runner="Zoë"))
    assert "Zoë".encode() in payload and b": " not in payload


def test_keypoints_travel_with_missing_points_as_null() -> None:
    kp = np.arange(NUM_KEYPOINTS * 3, dtype=np.float32).reshape(NUM_KEYPOINTS, 3)
    kp[15] = (np.nan, np.nan, 0.0)
    msg = messages.frame(keypoints=keypoints_to_wire(kp))
    assert payload_of(msg)["keypoints"][15] == [None, None, 0.0]
    back = keypoints_from_wire(decode(*encode(msg)).keypoints)  # type: ignore[union-attr,arg-type]
    assert back.dtype == np.float32 and back.shape == (NUM_KEYPOINTS, 3)
    assert np.isnan(back[15, :2]).all()
    assert np.array_equal(back[:15], kp[:15])


def test_keypoints_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(SchemaError, match=r"shape \(17, 3\)"):
        keypoints_to_wire(np.zeros((16, 3), np.float32))


def test_numpy_numbers_encode_as_plain_json() -> None:
    msg = messages.step(2, contact_ms=np.float32(250.5), overstride_cm=np.float64(3.25))
    payload = payload_of(msg)
    assert payload["contact_ms"] == 250.5 and payload["overstride_cm"] == 3.25


def test_nan_is_refused_at_the_sender_naming_the_field() -> None:
    with pytest.raises(SchemaError, match="StepMsg: overstride_cm"):
        encode(messages.step(overstride_cm=float("nan")))
    with pytest.raises(SchemaError, match="contact_ms"):
        encode(messages.step(contact_ms=np.float32("inf")))


def test_nan_in_a_text_is_just_text() -> None:
    msg = messages.status(runner="NaN Infinity")
    assert decode(*encode(msg)) == msg


def test_a_value_of_the_wrong_type_is_refused_at_the_sender() -> None:
    with pytest.raises(SchemaError, match="cannot encode StepMsg"):
        encode(messages.step(contact_ms="250"))


def test_an_oversized_message_is_refused_at_the_sender() -> None:
    with pytest.raises(SchemaError, match="more than"):
        encode(messages.status(backend="x" * MAX_PAYLOAD_BYTES))


def mutate(msg: Msg, **changes: Any) -> bytes:
    payload = payload_of(msg)
    for key, value in changes.items():
        if value is DROP:
            del payload[key]
        else:
            payload[key] = value
    return json.dumps(payload).encode()


DROP = object()


@pytest.mark.parametrize(
    ("topic", "payload", "message"),
    [
        (b"hipdrive.steps", mutate(messages.step()), "unknown topic 'hipdrive.steps'"),
        (b"\xff\x00", b"{}", "unknown topic"),
        (TOPIC_STEP, mutate(messages.step(), v=2), "schema version 2, this build reads version 1"),
        (TOPIC_STEP, mutate(messages.step(), v=2, new_field=1), "schema version 2"),
        (TOPIC_STEP, mutate(messages.step(), contact_ms=DROP), "contact_ms: missing"),
        (TOPIC_STEP, mutate(messages.step(), contact_ms="250"), "contact_ms = '250'"),
        (TOPIC_STEP, mutate(messages.step(), foot="middle"), "foot = 'middle'"),
        (TOPIC_STEP, mutate(messages.step(), confidence=1.5), "confidence = 1.5"),
        (
            TOPIC_STEP,
            mutate(messages.step(), metric_confidence={"hip_extension_deg": 1.5}),
            "metric_confidence.hip_extension_deg = 1.5",
        ),
        (TOPIC_STEP, mutate(messages.step(), view="side"), "view = 'side'"),
        (TOPIC_STEP, mutate(messages.step(), station=None), "station = None"),
        (TOPIC_STEP, mutate(messages.status()), "type = 'status'"),
        (TOPIC_STATUS, mutate(messages.status(), dropped_frames=True), "dropped_frames = True"),
        (TOPIC_STATUS, mutate(messages.status(), dropped_frames=2.0), "dropped_frames = 2.0"),
        (TOPIC_STATUS, mutate(messages.status(), dropped_frames=-1), "dropped_frames = -1"),
        (TOPIC_STATUS, mutate(messages.status(), v=True), "v = True"),
        (b"hipdrive.frame", mutate(messages.frame(), keypoints=[[1, 2, 0.5]]), "keypoints"),
        (
            b"hipdrive.summary",
            mutate(messages.summary(), metrics={"cadence_spm": 1}),
            "metrics.cadence_spm",
        ),
        (TOPIC_STEP, mutate(messages.step(), contact_ms=float("nan")), "contact_ms = nan"),
        (TOPIC_STEP, b"[1, 2]", "step"),
        (TOPIC_STEP, b"", "not a JSON object"),
        (TOPIC_STEP, b"\xff\xfe{", "not a JSON object"),
        (TOPIC_STEP, b"[" * 100_000, "payload of 100000 bytes"),
        (TOPIC_STEP, b"[" * 60_000, "not a JSON object"),
    ],
)
def test_decode_refuses_with_a_clear_message(topic: bytes, payload: bytes, message: str) -> None:
    with pytest.raises(SchemaError) as exc_info:
        decode(topic, payload)
    assert message in str(exc_info.value)


def test_a_newer_senders_additions_are_ignored() -> None:
    """Old readers keep working when the schema grows: a field or a metric name this build does
    not know (a newer station's) is left out, the rest read as sent."""
    step = messages.step(metric_confidence={"hip_extension_deg": 0.3})
    payload = payload_of(step) | {"stride_power_w": 310.0}
    payload["metric_confidence"]["stride_power_w"] = 0.5
    assert decode(TOPIC_STEP, json.dumps(payload).encode()) == step
    summary = messages.summary()
    payload = payload_of(summary)
    payload["metrics"]["stride_power_w"] = {"median": 310.0, "iqr": 12.0, "asymmetry_pct": None}
    assert decode(TOPIC_SUMMARY, json.dumps(payload).encode()) == summary


@settings(max_examples=300, deadline=None)
@given(topic=st.sampled_from([*MESSAGE_TYPES, b"", b"hipdrive."]), payload=st.binary(max_size=400))
def test_decode_of_any_bytes_raises_only_schema_error(topic: bytes, payload: bytes) -> None:
    try:
        decode(topic, payload)
    except SchemaError as exc:
        assert str(exc)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(
    msg=st.sampled_from(SAMPLES),
    key=st.sampled_from([*STEP_FIELDS, "t", "v", "type", "station", "metrics", "keypoints", "z"]),
    value=json_values,
    drop=st.booleans(),
)
def test_decode_of_a_damaged_message_is_either_valid_or_a_schema_error(
    msg: Msg, key: str, value: Any, drop: bool
) -> None:
    payload = payload_of(msg)
    if drop:
        payload.pop(key, None)
    else:
        payload[key] = value
    try:
        decoded = decode(type(msg).TOPIC, json.dumps(payload).encode())
    except SchemaError as exc:
        assert type(msg).TOPIC.decode() in str(exc)
    else:
        assert decode(*encode(decoded)) == decoded


def test_a_summary_gait_is_running_or_walking() -> None:
    payload = payload_of(messages.summary(gait="walking"))
    payload["gait"] = "jogging"
    with pytest.raises(SchemaError, match="gait"):
        decode(TOPIC_SUMMARY, json.dumps(payload).encode())
