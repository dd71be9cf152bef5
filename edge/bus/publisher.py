"""The station's publishing socket and the SUB side consoles and tests use.

A slow or dead subscriber never slows the station: a publishing socket never blocks on send; once
a subscriber's queue (``SNDHWM`` messages here plus its ``RCVHWM`` and the TCP buffers in between)
is full, libzmq drops that subscriber's messages and only that subscriber's. The sender is not
told (measured: 50,000 sends to a subscriber that never reads, no EAGAIN), so the station cannot
count those drops; a subscriber that falls behind sees gaps in ``frame`` indexes instead.

The socket is an XPUB so that it sees subscriptions: a console that subscribes to status gets
the latest status with the next message published (at frame rate while the station runs)
instead of waiting for the next periodic one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import zmq

from edge.bus.schema import MESSAGE_TYPES, TOPIC_STATUS, Msg, SchemaError, StatusMsg, decode, encode
from edge.bus.security import (
    ClientKeys,
    ServerKeys,
    check_endpoint,
    secure_client,
    secure_server,
)
from edge.closing import Closing
from edge.errors import UsageError

DEFAULT_PUBLISH = "tcp://127.0.0.1:5556"
SEND_HWM = 100
"""Messages queued per subscriber: about 1.5 s of 60 Hz frames, then that subscriber loses some."""
RECV_HWM = 1000
CLOSE_LINGER_MS = 500
"""How long what is still queued to subscribers when the publisher closes may take to leave, ms:
a file's run publishes its last step and summary just before it closes, and a console (or a
test's subscriber, 29 of 30 steps) had missed them when they were dropped at once."""


def context() -> zmq.Context:
    """The process's one ZeroMQ context (sockets, authenticator and all share it)."""
    return zmq.Context.instance()


def bind(sock: zmq.Socket, endpoint: str, keys: ServerKeys | None) -> str:
    """Secure and bind a server socket; returns the endpoint actually bound (a ``*`` port
    resolved). Closes the socket and raises UsageError when that fails."""
    try:
        check_endpoint(endpoint, any_port=True)
        secure_server(sock, endpoint, keys)
    except ValueError as exc:
        sock.close(linger=0)
        raise UsageError(f"bus endpoint {endpoint!r}: {exc}") from None
    except UsageError:
        sock.close(linger=0)
        raise
    try:
        sock.bind(endpoint)
    except zmq.ZMQError as exc:
        sock.close(linger=0)
        raise UsageError(
            f"cannot bind {endpoint}: {exc}; is another station running? "
            "Change bus.publish / bus.control"
        ) from None
    return sock.getsockopt_string(zmq.LAST_ENDPOINT)


class Publisher(Closing):
    """Publishes schema messages. ``publish`` is safe from any thread and never blocks."""

    def __init__(
        self,
        endpoint: str = DEFAULT_PUBLISH,
        *,
        keys: ServerKeys | None = None,
        hwm: int = SEND_HWM,
    ) -> None:
        sock = context().socket(zmq.XPUB)
        sock.linger = 0
        sock.sndhwm = hwm
        # Report every subscription, not only the first per topic: each new console wants status.
        sock.xpub_verbose = 1
        self.endpoint = bind(sock, endpoint, keys)
        self._sock = sock
        # ZeroMQ sockets are not thread-safe and the station publishes from several threads.
        self._lock = threading.Lock()
        self._last_status: tuple[bytes, bytes] | None = None
        self.sent = 0

    def publish(self, msg: Msg) -> None:
        """Encode and send (SchemaError for an unencodable message)."""
        frames = encode(msg)
        with self._lock:
            if isinstance(msg, StatusMsg):
                self._last_status = frames
            self._send(frames)
            self._welcome_subscribers()

    def _send(self, frames: tuple[bytes, bytes]) -> None:
        self._sock.send_multipart(frames, flags=zmq.NOBLOCK)
        self.sent += 1

    def _welcome_subscribers(self) -> None:
        while self._sock.get(zmq.EVENTS) & zmq.POLLIN:
            event = self._sock.recv(zmq.NOBLOCK)
            # b"\x01" + prefix is a subscription; the empty prefix subscribes to everything.
            if event[:1] == b"\x01" and TOPIC_STATUS.startswith(event[1:]) and self._last_status:
                self._send(self._last_status)

    def close(self) -> None:
        with self._lock:
            self._sock.close(linger=CLOSE_LINGER_MS)


class Subscriber(Closing):
    """Receives and validates the station's messages (one thread uses it)."""

    def __init__(
        self,
        endpoint: str = DEFAULT_PUBLISH,
        topics: Iterable[type[Msg]] = tuple(MESSAGE_TYPES.values()),
        *,
        keys: ClientKeys | None = None,
        hwm: int = RECV_HWM,
    ) -> None:
        sock = context().socket(zmq.SUB)
        sock.linger = 0
        sock.rcvhwm = hwm
        try:
            check_endpoint(endpoint)
            secure_client(sock, endpoint, keys)
        except ValueError as exc:
            sock.close(linger=0)
            raise UsageError(f"bus endpoint {endpoint!r}: {exc}") from None
        except UsageError:
            sock.close(linger=0)
            raise
        for cls in topics:
            sock.subscribe(cls.TOPIC)
        sock.connect(endpoint)
        self.endpoint = endpoint
        self._sock = sock

    def recv(self, timeout: float) -> Msg | None:
        """The next message, or None after ``timeout`` seconds without one.

        Raises SchemaError for a message that does not follow the schema; the next call goes on
        with the following message.
        """
        if not self._sock.poll(int(timeout * 1000)):
            return None
        frames = self._sock.recv_multipart(flags=zmq.NOBLOCK)
        if len(frames) != 2:
            raise SchemaError(f"expected 2 frames [topic, payload], got {len(frames)}")
        return decode(frames[0], frames[1])

    def close(self) -> None:
        self._sock.close(linger=0)
