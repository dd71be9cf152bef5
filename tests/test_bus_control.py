from __future__ import annotations

import json
import time
from collections.abc import Iterator
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
        ((b'{"cmd": "set_belt_speed", "mps": 40}',), "less than or equal to 12"),
        ((b'{"cmd": "set_belt_speed", "mps": -1}',), "greater than or equal to 0"),
        ((b'{"cmd": "set_belt_speed", "mps": NaN}',), "finite number"),
        ((b'{"cmd": "set_belt_speed", "mps": true}',), "mps = true"),
        ((b'{"cmd": "set_runner", "name": ""}',), "set_runner: name"),
        ((b'{"cmd": "set_runner", "name": "a\\nb"}',), "set_runner: name"),
        ((b'{"cmd": "set_runner", "name": "' + b"x" * 65 + b'"}',), "at most 64 characters"),
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
    }


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
