"""Who may listen and talk to the station: loopback is open, anything else needs CURVE.

The station's sockets bound to loopback (or ``ipc://``) are reachable only from the station's own
machine and use no encryption. Bound to any other address they are CurveZMQ servers: traffic is
encrypted and a ZAP authenticator admits only clients whose public key is in the keys folder.

Keys folder (``hipdrive keys generate``, default ``<data_dir>/keys``)::

    station.key            the station's public key: give it to every client
    station.key_secret     the station's secret key (0600)
    clients/NAME.key       public keys of the authorised clients (the authenticator reads these)
    clients/NAME.key_secret  a client's secret key (0600): copy it, with station.key, to the client

Removing ``clients/NAME.key`` revokes that client at the station's next start.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import zmq
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator

from edge.errors import UsageError

log = logging.getLogger(__name__)

KEYS_COMMAND = "hipdrive keys generate"
STATION_KEY = "station"
DEFAULT_CLIENT = "console"
CLIENT_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

_TCP = re.compile(r"^tcp://(?P<host>\[[0-9A-Fa-f:.]+\]|[^:/\[\]\s]+):(?P<port>\d+|\*)$")


@dataclass(frozen=True, slots=True)
class ServerKeys:
    """The station's CURVE key pair and the folder of authorised client public keys."""

    public: bytes
    secret: bytes
    clients_dir: Path


@dataclass(frozen=True, slots=True)
class ClientKeys:
    """A client's CURVE key pair and the station's public key it expects to talk to."""

    public: bytes
    secret: bytes
    server_public: bytes


def check_endpoint(endpoint: str, *, any_port: bool = False) -> str:
    """``tcp://HOST:PORT`` or ``ipc://PATH``; ValueError saying the rule otherwise.

    ``any_port`` allows ``tcp://HOST:*`` (a free port chosen at bind time, for tests and tools).
    """
    if endpoint.startswith("ipc://") and len(endpoint) > len("ipc://"):
        return endpoint
    match = _TCP.match(endpoint)
    if match is None:
        raise ValueError("must be tcp://HOST:PORT or ipc://PATH")
    port = match["port"]
    if port == "*":
        if not any_port:
            raise ValueError("must name a port: clients have to know where to connect")
    elif not 1 <= int(port) <= 65535:
        raise ValueError("port must be 1..65535")
    return endpoint


def is_loopback(endpoint: str) -> bool:
    """Whether only this machine can reach the endpoint (loopback TCP, ipc, inproc)."""
    if endpoint.startswith(("ipc://", "inproc://")):
        return True
    match = _TCP.match(endpoint)
    if match is None:
        return False
    host = match["host"].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # an interface name, "*" or a host name: reachable from outside


def generate_keys(keys_dir: Path, clients: tuple[str, ...] = (DEFAULT_CLIENT,)) -> list[Path]:
    """Create the station's key pair and one per client, keeping any that exist.

    Returns the files written. Existing station keys are never replaced: clients already hold
    the station's public key, and a new one would lock them all out.
    """
    for name in clients:
        if not CLIENT_NAME.match(name) or name == STATION_KEY:
            raise UsageError(
                f"client name {name!r}: letters, digits, '.', '_', '-' (not {STATION_KEY!r})"
            )
    clients_dir = keys_dir / "clients"
    written: list[Path] = []
    try:
        # Created 0700 before any secret is written, so no other user can read one in between.
        clients_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        keys_dir.chmod(0o700)
        clients_dir.chmod(0o700)
        for folder, name in [(keys_dir, STATION_KEY), *((clients_dir, c) for c in clients)]:
            if (folder / f"{name}.key_secret").exists():
                continue
            public, secret = zmq.auth.create_certificates(folder, name)
            Path(secret).chmod(0o600)
            written += [Path(public), Path(secret)]
    except OSError as exc:
        raise UsageError(f"cannot write keys in {keys_dir}: {exc}") from None
    return written


def load_server_keys(keys_dir: Path) -> ServerKeys:
    public, secret = _load_pair(keys_dir / f"{STATION_KEY}.key_secret")
    clients_dir = keys_dir / "clients"
    if not any(clients_dir.glob("*.key")):
        raise UsageError(
            f"no authorised client keys in {clients_dir}: nobody could connect; "
            f"run: {KEYS_COMMAND} --client NAME"
        )
    return ServerKeys(public, secret, clients_dir)


def load_client_keys(keys_dir: Path, client: str = DEFAULT_CLIENT) -> ClientKeys:
    public, secret = _load_pair(keys_dir / "clients" / f"{client}.key_secret")
    server_public, _ = _load_pair(keys_dir / f"{STATION_KEY}.key", need_secret=False)
    return ClientKeys(public, secret, server_public)


def _load_pair(path: Path, need_secret: bool = True) -> tuple[bytes, bytes]:
    try:
        public, secret = zmq.auth.load_certificate(path)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot load CURVE key {path}: {exc}; run: {KEYS_COMMAND}") from None
    if need_secret and not secret:
        raise UsageError(f"{path} holds no secret key; run: {KEYS_COMMAND}")
    return public, secret or b""


def server_keys_for(endpoint: str, keys_dir: Path) -> ServerKeys | None:
    """The keys a socket bound at ``endpoint`` needs: None on loopback, else the station's keys
    (UsageError saying why and what to run when there are none)."""
    if is_loopback(endpoint):
        return None
    if not (keys_dir / f"{STATION_KEY}.key_secret").exists():
        raise UsageError(_public_without_keys(endpoint, keys_dir))
    return load_server_keys(keys_dir)


def client_keys_for(
    endpoint: str, keys_dir: Path, client: str = DEFAULT_CLIENT
) -> ClientKeys | None:
    """The keys a client connecting to ``endpoint`` needs: None on loopback, else its own."""
    return None if is_loopback(endpoint) else load_client_keys(keys_dir, client)


def _public_without_keys(endpoint: str, keys_dir: Path) -> str:
    return (
        f"{endpoint} is reachable from other machines, which needs CURVE encryption and "
        f"authorised client keys, and there are none in {keys_dir}; run: {KEYS_COMMAND} "
        f"(or bind to 127.0.0.1)"
    )


def secure_server(socket: zmq.Socket, endpoint: str, keys: ServerKeys | None) -> None:
    """Make ``socket`` a CURVE server admitting only the authorised clients, before it binds.

    Refuses (UsageError) a non-loopback endpoint without keys.
    """
    if keys is None:
        if not is_loopback(endpoint):
            raise UsageError(
                f"{endpoint} is reachable from other machines, which needs CURVE keys "
                f"(bus.keys_dir); run: {KEYS_COMMAND} (or bind to 127.0.0.1)"
            )
        return
    domain = str(keys.clients_dir)
    _authorise(socket.context, domain, keys.clients_dir)
    socket.zap_domain = domain.encode()
    socket.curve_secretkey = keys.secret
    socket.curve_publickey = keys.public
    socket.curve_server = True


def secure_client(socket: zmq.Socket, endpoint: str, keys: ClientKeys | None) -> None:
    """Make ``socket`` a CURVE client of the station, before it connects.

    Refuses (UsageError) a non-loopback endpoint without keys: such a station admits only
    CURVE clients, so connecting in the clear would silently receive nothing.
    """
    if keys is None:
        if not is_loopback(endpoint):
            raise UsageError(
                f"{endpoint} is another machine's station, which admits only CURVE clients; "
                f"copy clients/NAME.key_secret and station.key from its keys folder "
                f"(made by {KEYS_COMMAND}) into bus.keys_dir here"
            )
        return
    socket.curve_secretkey = keys.secret
    socket.curve_publickey = keys.public
    socket.curve_serverkey = keys.server_public


_auth_lock = threading.Lock()
_authenticators: dict[int, ThreadAuthenticator] = {}


def _authorise(ctx: zmq.Context, domain: str, clients_dir: Path) -> None:
    """Admit the public keys in ``clients_dir`` to sockets of ZAP ``domain``.

    ZeroMQ allows one ZAP handler per context, so the publisher and the control server share
    one authenticator, each keys folder being its own domain. It runs as long as the context:
    stopping it releases its inproc endpoint only a moment later, and a server rebinding in
    that moment would fail.
    """
    with _auth_lock:
        auth = _authenticators.get(id(ctx))
        if auth is None:
            auth = ThreadAuthenticator(ctx, log=log.getChild("zap"))
            auth.start()
            _authenticators[id(ctx)] = auth
        # Read again each time, so a server restarted in-process admits newly generated clients.
        auth.configure_curve(domain=domain, location=os.fspath(clients_dir))
