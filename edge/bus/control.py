"""The control channel: the console asks the station to start or stop a session, and so on.

A REP socket served on its own thread. A request is one JSON object (UTF-8, at most
``MAX_REQUEST_BYTES``)::

    {"cmd": "start_session", "runner": "Ana"}      runner optional
    {"cmd": "stop_session"}
    {"cmd": "set_belt_speed", "mps": 3.2}          metres per second, 0..8; null = unknown
    {"cmd": "set_runner", "name": "Ana"}
    {"cmd": "mark_lap", "label": "5 km"}           label optional; "t": when it happened
                                                   (station time, the last minute; default now)
    {"cmd": "set_voice", "on": true}               speak the cues, or stop

and gets one reply: ``{"ok": true, ...}`` with what the command returns (``session_id`` for
start_session), or ``{"ok": false, "error": "..."}``. Malformed, unknown and oversized requests get
an error reply; a request beyond ``MAX_WIRE_BYTES`` is cut off by ZeroMQ itself (the sender's
connection is dropped and it times out). Nothing a client sends stops the server.

A runner name or lap label is kept as ``clean_text`` leaves it (NFC, trimmed, at most 64
characters); one with a control, format or separator character is refused, with its code point.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from functools import partial
from typing import Annotated, Any, Literal, Protocol, get_args

import zmq
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from edge.bus.publisher import bind, context
from edge.bus.schema import clean_text
from edge.bus.security import ClientKeys, ServerKeys, check_endpoint, secure_client
from edge.closing import Closing
from edge.errors import UsageError
from edge.pace import MAX_BELT_MPS

log = logging.getLogger(__name__)

DEFAULT_CONTROL = "tcp://127.0.0.1:5557"
MAX_REQUEST_BYTES = 4096
"""The longest valid request is about 150 bytes; longer ones get an error reply."""
MAX_WIRE_BYTES = 16 * 1024 * 1024
"""ZeroMQ's own limit (ZMQ_MAXMSGSIZE): bigger messages never reach memory. Anything up to it
gets the "request of N bytes" reply, so a client that pastes a file or a runaway string (10 MB
is answered in well under a second) hears why it was refused; only a request that could not
have come from a console at all is cut off."""
RECEIVE_QUEUE = 4
"""Requests queued per client connection (ZeroMQ's default is 1000): a console sends one and
waits for the reply, and 1000 queued messages of MAX_WIRE_BYTES would be 16 GB; past it ZeroMQ
stops reading that client's connection instead of holding more."""
_POLL_MS = 100
"""How long the server thread waits before looking at its stop flag again."""

RunnerName = Annotated[str, AfterValidator(partial(clean_text, "runner name"))]
LapLabel = Annotated[str, AfterValidator(partial(clean_text, "lap label"))]
BeltSpeed = Annotated[float, Field(ge=0.0, le=MAX_BELT_MPS)]


class ControlError(Exception):
    """The control channel could not do what was asked."""


class CommandRefused(ControlError):
    """The station refused a well-formed command; the text says why (e.g. no session is open).

    A handler raises it; the client raises it again with the station's text.
    """


class ControlTimeout(ControlError):
    """No reply in time: the station is not running or not reachable."""


class RequestError(ValueError):
    """A request that is not valid JSON, names no known command or has bad arguments."""


class ControlHandler(Protocol):
    """What the station does for each command, called on the control thread.

    Each method returns extra reply fields (or None) or raises CommandRefused. They run
    concurrently with the station's own threads, so an implementation hands the change over
    safely (a lock or a queue) rather than touching pipeline state directly.
    """

    def start_session(self, runner: str | None) -> Mapping[str, Any] | None: ...

    def stop_session(self) -> Mapping[str, Any] | None: ...

    def set_belt_speed(self, mps: float | None) -> Mapping[str, Any] | None: ...

    def set_runner(self, name: str) -> Mapping[str, Any] | None: ...

    def mark_lap(self, label: str | None, t: float | None = None) -> Mapping[str, Any] | None: ...

    def set_voice(self, on: bool) -> Mapping[str, Any] | None: ...


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class StartSession(_Request):
    cmd: Literal["start_session"]
    runner: RunnerName | None = None

    def apply(self, handler: ControlHandler) -> Mapping[str, Any] | None:
        return handler.start_session(self.runner)


class StopSession(_Request):
    cmd: Literal["stop_session"]

    def apply(self, handler: ControlHandler) -> Mapping[str, Any] | None:
        return handler.stop_session()


class SetBeltSpeed(_Request):
    cmd: Literal["set_belt_speed"]
    mps: BeltSpeed | None

    def apply(self, handler: ControlHandler) -> Mapping[str, Any] | None:
        return handler.set_belt_speed(self.mps)


class SetRunner(_Request):
    cmd: Literal["set_runner"]
    name: RunnerName

    def apply(self, handler: ControlHandler) -> Mapping[str, Any] | None:
        return handler.set_runner(self.name)


class MarkLap(_Request):
    cmd: Literal["mark_lap"]
    label: LapLabel | None = None
    t: float | None = None

    def apply(self, handler: ControlHandler) -> Mapping[str, Any] | None:
        return handler.mark_lap(self.label, self.t)


class SetVoice(_Request):
    cmd: Literal["set_voice"]
    on: bool

    def apply(self, handler: ControlHandler) -> Mapping[str, Any] | None:
        return handler.set_voice(self.on)


Request = Annotated[
    StartSession | StopSession | SetBeltSpeed | SetRunner | MarkLap | SetVoice,
    Field(discriminator="cmd"),
]
_REQUEST: TypeAdapter[Request] = TypeAdapter(Request)
COMMANDS: tuple[str, ...] = tuple(
    get_args(cls.model_fields["cmd"].annotation)[0]
    for cls in (StartSession, StopSession, SetBeltSpeed, SetRunner, MarkLap, SetVoice)
)


def parse_request(raw: bytes) -> Request:
    """Validate one request; RequestError with a message for the console otherwise."""
    if len(raw) > MAX_REQUEST_BYTES:
        raise RequestError(f"request of {len(raw)} bytes, at most {MAX_REQUEST_BYTES}")
    try:
        return _REQUEST.validate_json(raw)
    except ValidationError as exc:
        raise RequestError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    kind = error["type"]
    if kind == "json_invalid":
        return f"not valid JSON: {error['msg'].removeprefix('Invalid JSON: ')}"
    if kind in ("dict_type", "model_type"):
        return 'a request is a JSON object such as {"cmd": "stop_session"}'
    if kind == "union_tag_not_found":
        return f'no "cmd"; commands: {", ".join(COMMANDS)}'
    if kind == "union_tag_invalid":
        return f"unknown cmd {error['ctx']['tag'][:40]!r}; commands: {', '.join(COMMANDS)}"
    if not error["loc"]:
        return str(error["msg"])
    if kind == "value_error":
        # clean_text's own words, which name the field.
        return str(error["ctx"]["error"])
    cmd, *where = [str(part) for part in error["loc"]]
    key = ".".join(where)
    if kind == "extra_forbidden":
        return f"{cmd}: unknown argument {key!r}"
    if kind == "missing":
        return f"{cmd}: missing argument {key!r}"
    shown = json.dumps(error.get("input"), default=str)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return f"{cmd}: {key} = {shown}: {error['msg'].lower()}"


def handle_request(handler: ControlHandler, frames: list[bytes]) -> bytes:
    """The reply to one request (its ZeroMQ frames); never raises."""
    if len(frames) != 1:
        return _reply({"ok": False, "error": f"a request is one frame, got {len(frames)}"})
    try:
        request = parse_request(frames[0])
    except RequestError as exc:
        return _reply({"ok": False, "error": str(exc)})
    try:
        extra = dict(request.apply(handler) or {})
        extra.pop("ok", None)
        return _reply({"ok": True, **extra})
    except CommandRefused as exc:
        return _reply({"ok": False, "error": str(exc)})
    except Exception as exc:
        # A bug in the station's handler must not take the control channel down with it.
        log.exception("control command %s failed", request.cmd)
        return _reply(
            {"ok": False, "error": f"internal error in {request.cmd}: {type(exc).__name__}"}
        )


def _reply(reply: dict[str, Any]) -> bytes:
    try:
        return json.dumps(reply, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError):
        log.error("control reply is not JSON: %r", reply)
        return b'{"ok": false, "error": "internal error: the reply is not JSON"}'


class ControlServer(Closing):
    """Serves the control channel on its own thread: ``start()``, then ``close()``."""

    def __init__(
        self,
        handler: ControlHandler,
        endpoint: str = DEFAULT_CONTROL,
        *,
        keys: ServerKeys | None = None,
    ) -> None:
        sock = context().socket(zmq.REP)
        sock.linger = 0
        sock.maxmsgsize = MAX_WIRE_BYTES
        sock.rcvhwm = RECEIVE_QUEUE
        self.endpoint = bind(sock, endpoint, keys)
        self._sock = sock
        self._handler = handler
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="hipdrive-control", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _serve(self) -> None:
        try:
            while not self._stop.is_set():
                if self._sock.poll(_POLL_MS):
                    frames = self._sock.recv_multipart()
                    self._sock.send(handle_request(self._handler, frames))
        except zmq.ZMQError:
            log.exception("control channel stopped; the station keeps running without it")

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self._sock.close(linger=0)


class ControlClient(Closing):
    """Sends commands to a station and waits ``timeout`` seconds for each reply.

    After a timeout the REQ socket is replaced (ZeroMQ's "lazy pirate"): a REQ socket that missed
    its reply cannot send again. The request is not retried, since a start_session that did reach
    the station would start a second session.
    """

    def __init__(
        self,
        endpoint: str = DEFAULT_CONTROL,
        *,
        keys: ClientKeys | None = None,
        timeout: float = 2.0,
    ) -> None:
        try:
            check_endpoint(endpoint)
        except ValueError as exc:
            raise UsageError(f"control endpoint {endpoint!r}: {exc}") from None
        self.endpoint = endpoint
        self.timeout = timeout
        self._keys = keys
        self._sock = self._connect()

    def _connect(self) -> zmq.Socket:
        sock = context().socket(zmq.REQ)
        sock.linger = 0
        try:
            secure_client(sock, self.endpoint, self._keys)
        except UsageError:
            sock.close(linger=0)
            raise
        sock.connect(self.endpoint)
        return sock

    def request(self, cmd: str, **args: Any) -> dict[str, Any]:
        """Send one command; its reply fields (``ok`` included) or CommandRefused/ControlTimeout."""
        wait_ms = int(self.timeout * 1000)
        # A REQ socket whose connection was refused (the station does not know this client's
        # key) has no peer to send to, and without a send timeout would wait for one forever.
        self._sock.sndtimeo = wait_ms
        try:
            self._sock.send(json.dumps({"cmd": cmd, **args}).encode("utf-8"))
            sent = True
        except zmq.Again:
            sent = False
        if not sent or not self._sock.poll(wait_ms):
            self._sock.close(linger=0)
            self._sock = self._connect()
            raise ControlTimeout(f"no reply from {self.endpoint} within {self.timeout:g} s")
        raw = self._sock.recv()
        try:
            reply = json.loads(raw)
        except ValueError:
            reply = None
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
            raise ControlError(f"not a control reply: {raw[:80]!r}")
        if not reply["ok"]:
            raise CommandRefused(str(reply.get("error", "refused")))
        return reply

    def close(self) -> None:
        self._sock.close(linger=0)
