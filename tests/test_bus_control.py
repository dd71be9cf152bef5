from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zmq
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.bus.control import (
    COMMANDS,
    MAX_REQUEST_BYTES,
    MAX_WIRE_BYTES,
    CommandRefused,
    ControlClient,
    ControlServer,
    ControlTimeout,
    RequestError,
    handle_request,
    parse_request,
)
from edge.bus.publisher import context
from edge.bus.security import generate_keys, load_client_keys, load_server_keys
from edge.errors import UsageError
from tests.builders.control import FakeHandler

ANY_PORT = "tcp://127.0.0.1:*"


@pytest.fixture
def handler() -> FakeHandler:
    return FakeHandler()


@pytest.fixture
def server(handler: FakeHandler) -> Iterator[ControlServer]:
    with ControlServer(handler, ANY_PORT) as srv:
        srv.start()
        yield srv


@pytest.fixture
def client(server: ControlServer) -> Iterator[ControlClient]:
    with ControlClient(server.endpoint, timeout=2.0) as c:
        yield c


def raw_request(endpoint: str, *frames: bytes, timeout: float = 2.0) -> dict[str, Any] | None:
    """Send frames as they are on a fresh REQ socket; the decoded reply, None on timeout."""
    sock = context().socket(zmq.REQ)
    sock.linger = 0
    sock.connect(endpoint)
    try:
        sock.send_multipart(list(frames))
        if not sock.poll(int(timeout * 1000)):
            return None
        reply = json.loads(sock.recv())
        assert isinstance(reply, dict)
        return reply
    finally:
        sock.close(linger=0)


def bind_again(handler: FakeHandler, endpoint: str) -> ControlServer:
    """ZeroMQ releases a closed socket's port in its I/O thread, a moment later: retry briefly."""
    deadline = time.monotonic() + 2.0
    while True:
        try:
            return ControlServer(handler, endpoint)
        except UsageError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def test_every_command_reaches_the_handler(client: ControlClient, handler: FakeHandler) -> None:
    assert client.request("start_session", runner="Ana") == {"ok": True, "session_id": 1}
    assert client.request("set_belt_speed", mps=3.2) == {"ok": True}
    assert client.request("set_belt_speed", mps=None) == {"ok": True}
    assert client.request("set_runner", name="Zoë") == {"ok": True}
    assert client.request("mark_lap", label="5 km") == {"ok": True, "lap": 1}
    assert client.request("mark_lap") == {"ok": True, "lap": 2}
    assert client.request("stop_session") == {"ok": True}
    assert client.request("start_session") == {"ok": True, "session_id": 2}
    assert handler.calls == [
        ("start_session", "Ana"),
        ("set_belt_speed", 3.2),
        ("set_belt_speed", None),
        ("set_runner", "Zoë"),
        ("mark_lap", "5 km"),
        ("mark_lap", None),
        ("stop_session",),
        ("start_session", None),
    ]


def test_a_refusal_reaches_the_client_with_its_reason(client: ControlClient) -> None:
    with pytest.raises(CommandRefused, match="no session is open"):
        client.request("mark_lap")


def test_a_handler_bug_is_an_error_reply_and_serving_goes_on(
    client: ControlClient, handler: FakeHandler, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(CommandRefused, match="internal error in set_runner: RuntimeError"):
        client.request("set_runner", name="crash")
    assert "control command set_runner failed" in caplog.text
    assert client.request("set_runner", name="Ana") == {"ok": True}


@pytest.mark.parametrize(
    ("frames", "error"),
    [
        ((b"start",), "not valid JSON"),
        ((b"\xff\xfe",), "not valid JSON"),
        ((b"[]",), "a request is a JSON object"),
        ((b"null",), "a request is a JSON object"),
        ((b"{}",), 'no "cmd"'),
        ((b'{"cmd": "self_destruct"}',), "unknown cmd 'self_destruct'; commands: start_session"),
        ((b'{"cmd": 7}',), "unknown cmd '7'"),
        ((b'{"cmd": "set_belt_speed"}',), "set_belt_speed: missing argument 'mps'"),
        ((b'{"cmd": "set_belt_speed", "mps": "fast"}',), 'set_belt_speed: mps = "fast"'),
        ((b'{"cmd": "set_belt_speed", "mps": 40}',), "less than or equal to 8"),
        ((b'{"cmd": "set_belt_speed", "mps": -1}',), "greater than or equal to 0"),
        ((b'{"cmd": "set_belt_speed", "mps": NaN}',), "finite number"),
        ((b'{"cmd": "set_belt_speed", "mps": true}',), "mps = true"),
        ((b'{"cmd": "set_runner", "name": ""}',), "runner name: empty"),
        ((b'{"cmd": "set_runner", "name": 5}',), "set_runner: name = 5: input should be a valid"),
        ((b'{"cmd": "set_runner", "name": "' + b"x" * 65 + b'"}',), "65 characters, at most 64"),
        ((b'{"cmd": "stop_session", "now": true}',), "stop_session: unknown argument 'now'"),
        ((b" " * (MAX_REQUEST_BYTES + 1),), f"request of {MAX_REQUEST_BYTES + 1} bytes"),
        ((b'{"cmd": "stop_session"}', b"more"), "a request is one frame, got 2"),
    ],
)
def test_bad_requests_get_error_replies_and_serving_goes_on(
    server: ControlServer, handler: FakeHandler, frames: tuple[bytes, ...], error: str
) -> None:
    reply = raw_request(server.endpoint, *frames)
    assert reply is not None and reply["ok"] is False
    assert error in reply["error"]
    assert handler.calls == []
    assert raw_request(server.endpoint, b'{"cmd": "stop_session"}') == {"ok": True}


@pytest.mark.parametrize(
    ("field", "text", "error"),
    [
        ("name", "a\nb", "runner name: U+000A (a control character) is not allowed"),
        ("name", "Ana\x85", "runner name: U+0085 (a control character) is not allowed"),
        ("name", "\x9b31m", "runner name: U+009B (a control character) is not allowed"),
        ("name", "ana\u202enepo", "runner name: U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed"),
        ("name", "A\u200bna", "runner name: U+200B (ZERO WIDTH SPACE) is not allowed"),
        ("name", "A\u200cna", "runner name: U+200C (ZERO WIDTH NON-JOINER) is not allowed"),
        ("name", "A\u200dna", "runner name: U+200D (ZERO WIDTH JOINER) is not allowed"),
        ("name", "A\u2060na", "runner name: U+2060 (WORD JOINER) is not allowed"),
        ("name", "\ufeffAna", "runner name: U+FEFF (ZERO WIDTH NO-BREAK SPACE) is not allowed"),
        ("name", "Ana\u2028Ben", "runner name: U+2028 (LINE SEPARATOR) is not allowed"),
        ("name", "\ue000", "runner name: U+E000 (a private-use character) is not allowed"),
        ("name", " ", "runner name: empty (only spaces)"),
        ("name", "\u3000 ", "runner name: empty (only spaces)"),
        ("runner", "\u202eAna", "runner name: U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed"),
        ("runner", " ", "runner name: empty (only spaces)"),
        ("label", "5\x85km", "lap label: U+0085 (a control character) is not allowed"),
        ("label", "\u202e5 km", "lap label: U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed"),
        ("label", "5\u2060km", "lap label: U+2060 (WORD JOINER) is not allowed"),
        ("label", "\ufeff", "lap label: U+FEFF (ZERO WIDTH NO-BREAK SPACE) is not allowed"),
        ("label", " ", "lap label: empty (only spaces)"),
    ],
)
def test_names_and_labels_that_would_garble_a_screen_are_refused_naming_the_character(
    client: ControlClient, handler: FakeHandler, field: str, text: str, error: str
) -> None:
    cmd = {"name": "set_runner", "runner": "start_session", "label": "mark_lap"}[field]
    handler.session = 1
    with pytest.raises(CommandRefused) as refused:
        client.request(cmd, **{field: text})
    assert str(refused.value) == error
    assert handler.calls == []


def test_names_and_labels_are_kept_in_nfc_without_surrounding_spaces(
    client: ControlClient, handler: FakeHandler
) -> None:
    assert client.request("set_runner", name="  Zoe\u0301 ")["ok"]
    assert client.request("start_session", runner="Jo\u00a0Ann\u3000")["ok"]
    assert client.request("mark_lap", label=" 5 km ")["ok"]
    assert client.request("set_runner", name="\u674e\u5a1c \U0001f3c3")["ok"]
    assert handler.calls == [
        ("set_runner", "Zo\u00e9"),
        ("start_session", "Jo\u00a0Ann"),
        ("mark_lap", "5 km"),
        ("set_runner", "\u674e\u5a1c \U0001f3c3"),
    ]


@pytest.mark.parametrize(
    "request_",
    [
        {"cmd": "set_runner", "name": "x" * 100_000},
        {"cmd": "mark_lap", "label": "y" * 1_000_000},
        {"cmd": "start_session", "runner": "z" * 10_000_000},
    ],
    ids=["100k-char-name", "1MB-label", "10MB-runner"],
)
def test_an_oversized_request_up_to_megabytes_gets_the_size_error(
    client: ControlClient, handler: FakeHandler, request_: dict[str, Any]
) -> None:
    raw = json.dumps(request_).encode()
    assert len(raw) < MAX_WIRE_BYTES
    with pytest.raises(CommandRefused) as refused:
        client.request(**request_)
    assert str(refused.value) == f"request of {len(raw)} bytes, at most {MAX_REQUEST_BYTES}"
    assert handler.calls == []
    assert client.request("stop_session") == {"ok": True}


def test_a_request_beyond_the_wire_limit_is_cut_off_and_serving_goes_on(
    server: ControlServer, client: ControlClient
) -> None:
    huge = b'{"cmd": "set_runner", "name": "' + b"x" * MAX_WIRE_BYTES + b'"}'
    assert raw_request(server.endpoint, huge, timeout=0.3) is None
    assert client.request("stop_session") == {"ok": True}


def test_a_client_recovers_after_a_timeout(handler: FakeHandler) -> None:
    # Bind, learn the port, and close: nobody answers there until the server comes back.
    with ControlServer(handler, ANY_PORT) as gone:
        endpoint = gone.endpoint
    with ControlClient(endpoint, timeout=0.2) as client:
        with pytest.raises(ControlTimeout, match="no reply from"):
            client.request("stop_session")
        with bind_again(handler, endpoint) as server:
            server.start()
            client.timeout = 2.0
            # A REQ socket that missed its reply could not send again: this one was replaced.
            assert client.request("stop_session") == {"ok": True}
    assert handler.calls == [("stop_session",)]


def test_a_client_the_station_refused_times_out_instead_of_hanging(
    handler: FakeHandler, tmp_path: Path
) -> None:
    generate_keys(tmp_path / "station", ("console",))
    generate_keys(tmp_path / "elsewhere", ("console",))
    unknown = dataclasses.replace(
        load_client_keys(tmp_path / "elsewhere"),
        server_public=load_client_keys(tmp_path / "station").server_public,
    )
    keys = load_server_keys(tmp_path / "station")
    with ControlServer(handler, ANY_PORT, keys=keys) as server:
        server.start()
        with ControlClient(server.endpoint, keys=unknown, timeout=0.3) as client:
            time.sleep(0.5)  # the handshake is refused before the request: no peer to send to
            t0 = time.monotonic()
            with pytest.raises(ControlTimeout, match="no reply from"):
                client.request("stop_session")
            assert time.monotonic() - t0 < 2.0
    assert handler.calls == []


def test_close_stops_the_thread_and_frees_the_endpoint(handler: FakeHandler) -> None:
    server = ControlServer(handler, ANY_PORT)
    server.start()
    server.close()
    assert not server._thread.is_alive()
    with bind_again(handler, server.endpoint):
        pass


def test_an_endpoint_in_use_is_a_usage_error(server: ControlServer) -> None:
    with pytest.raises(UsageError, match="cannot bind"):
        ControlServer(FakeHandler(), server.endpoint)


def test_parse_request_builds_typed_commands() -> None:
    request = parse_request(b'{"cmd": "set_belt_speed", "mps": 3}')
    assert request.cmd == "set_belt_speed" and request.mps == 3.0  # type: ignore[union-attr]
    assert set(COMMANDS) == {
        "start_session",
        "stop_session",
        "set_belt_speed",
        "set_runner",
        "mark_lap",
        "set_voice",
    }
    voice = parse_request(b'{"cmd": "set_voice", "on": false}')
    assert voice.cmd == "set_voice" and voice.on is False  # type: ignore[union-attr]


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=300))
def test_any_bytes_get_a_json_reply(raw: bytes) -> None:
    reply = json.loads(handle_request(FakeHandler(), [raw]))
    assert isinstance(reply["ok"], bool)
    assert reply["ok"] or reply["error"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=70),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    cmd=st.sampled_from([*COMMANDS, "", "START_SESSION"]) | st.text(max_size=10) | json_values,
    args=st.dictionaries(
        st.sampled_from(["runner", "name", "mps", "label", "x"]), json_values, max_size=3
    ),
)
def test_any_json_request_gets_ok_or_a_clear_error(cmd: Any, args: dict[str, Any]) -> None:
    raw = json.dumps({"cmd": cmd, **args}).encode()
    try:
        parse_request(raw)
    except RequestError as exc:
        message = str(exc)
        assert message and "Traceback" not in message
    reply = json.loads(handle_request(FakeHandler(), [raw]))
    assert isinstance(reply["ok"], bool)
    assert reply["ok"] or reply["error"]
