from __future__ import annotations

import dataclasses
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.bus.control import ControlClient, ControlServer, ControlTimeout
from edge.bus.publisher import Publisher, Subscriber
from edge.bus.schema import StatusMsg, StepMsg, SummaryMsg
from edge.bus.security import (
    ClientKeys,
    check_endpoint,
    client_keys_for,
    generate_keys,
    is_loopback,
    load_client_keys,
    load_server_keys,
    server_keys_for,
)
from edge.cli import main
from edge.config import load_config
from edge.errors import UsageError
from tests.builders import messages
from tests.builders.control import FakeHandler

ANY_PORT = "tcp://127.0.0.1:*"


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    generate_keys(tmp_path / "keys", ("console", "tablet"))
    return tmp_path / "keys"


@pytest.fixture
def stranger(tmp_path: Path, keys_dir: Path) -> ClientKeys:
    """A client that knows the station's public key but whose own key was never authorised."""
    generate_keys(tmp_path / "elsewhere", ("console",))
    own = load_client_keys(tmp_path / "elsewhere")
    return dataclasses.replace(own, server_public=load_client_keys(keys_dir).server_public)


def test_generate_writes_the_station_and_client_pairs_private(keys_dir: Path) -> None:
    names = sorted(str(p.relative_to(keys_dir)) for p in keys_dir.rglob("*.key*"))
    assert names == [
        "clients/console.key",
        "clients/console.key_secret",
        "clients/tablet.key",
        "clients/tablet.key_secret",
        "station.key",
        "station.key_secret",
    ]
    for secret in keys_dir.rglob("*.key_secret"):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600, secret
    assert stat.S_IMODE(keys_dir.stat().st_mode) == 0o700


def test_generate_keeps_existing_keys_and_adds_new_clients(keys_dir: Path) -> None:
    station = (keys_dir / "station.key_secret").read_bytes()
    assert generate_keys(keys_dir, ("console",)) == []
    written = generate_keys(keys_dir, ("console", "watch"))
    assert sorted(p.name for p in written) == ["watch.key", "watch.key_secret"]
    assert (keys_dir / "station.key_secret").read_bytes() == station


@pytest.mark.parametrize("name", ["station", "../x", "", "a b"])
def test_generate_refuses_bad_client_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(UsageError, match="client name"):
        generate_keys(tmp_path, (name,))


def test_keys_generate_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "generate", "--dir", str(tmp_path), "--client", "tablet"]) == 0
    assert (tmp_path / "clients" / "tablet.key").is_file()
    assert "clients authorised: tablet" in capsys.readouterr().out
    config = tmp_path / "config.toml"
    config.write_text('[station]\ndata_dir = "state"\n', encoding="utf-8")
    assert main(["keys", "generate", "--config", str(config)]) == 0
    assert (tmp_path / "state" / "keys" / "clients" / "console.key").is_file()


@pytest.mark.parametrize(
    ("endpoint", "loopback"),
    [
        ("tcp://127.0.0.1:5556", True),
        ("tcp://127.1.2.3:5556", True),
        ("tcp://localhost:5556", True),
        ("tcp://[::1]:5556", True),
        ("ipc:///run/hipdrive/bus", True),
        ("tcp://0.0.0.0:5556", False),
        ("tcp://*:5556", False),
        ("tcp://192.168.1.20:5556", False),
        ("tcp://eth0:5556", False),
        ("tcp://[::]:5556", False),
        ("tcp://station.local:5556", False),
    ],
)
def test_loopback_is_only_this_machine(endpoint: str, loopback: bool) -> None:
    assert is_loopback(endpoint) is loopback
    assert check_endpoint(endpoint) == endpoint


@pytest.mark.parametrize(
    ("endpoint", "rule"),
    [
        ("tcp://127.0.0.1", "must be tcp://HOST:PORT"),
        ("udp://127.0.0.1:5556", "must be tcp://HOST:PORT"),
        ("tcp://127.0.0.1:70000", "port must be 1..65535"),
        ("tcp://127.0.0.1:0", "port must be 1..65535"),
        ("tcp://127.0.0.1:*", "must name a port"),
        ("ipc://", "must be tcp://HOST:PORT"),
    ],
)
def test_endpoint_rules(endpoint: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        check_endpoint(endpoint)


def test_loopback_needs_no_keys(tmp_path: Path) -> None:
    assert server_keys_for("tcp://127.0.0.1:5556", tmp_path / "none") is None
    assert client_keys_for("tcp://127.0.0.1:5556", tmp_path / "none") is None


def test_binding_publicly_without_keys_is_refused_with_the_command(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as exc_info:
        server_keys_for("tcp://0.0.0.0:5556", tmp_path / "keys")
    assert exc_info.value.exit_code == 2
    assert "needs CURVE" in str(exc_info.value)
    assert "hipdrive keys generate" in str(exc_info.value)
    for server in (
        lambda: Publisher("tcp://0.0.0.0:*"),
        lambda: ControlServer(FakeHandler(), "tcp://0.0.0.0:*"),
    ):
        with pytest.raises(UsageError, match="hipdrive keys generate"):
            server()


def test_connecting_to_another_machine_without_keys_is_refused() -> None:
    with pytest.raises(UsageError, match="admits only CURVE clients"):
        Subscriber("tcp://192.0.2.1:5556")
    with pytest.raises(UsageError, match="admits only CURVE clients"):
        ControlClient("tcp://192.0.2.1:5557")


def test_server_keys_need_an_authorised_client(tmp_path: Path) -> None:
    generate_keys(tmp_path, ("console",))
    (tmp_path / "clients" / "console.key").unlink()
    with pytest.raises(UsageError, match="no authorised client keys"):
        load_server_keys(tmp_path)


def test_public_endpoint_with_keys_gets_them(keys_dir: Path) -> None:
    keys = server_keys_for("tcp://0.0.0.0:5556", keys_dir)
    assert keys is not None and keys.clients_dir == keys_dir / "clients"
    assert client_keys_for("tcp://192.0.2.1:5556", keys_dir) == load_client_keys(keys_dir)


@pytest.fixture
def curve_publisher(keys_dir: Path) -> Iterator[Publisher]:
    with Publisher(ANY_PORT, keys=load_server_keys(keys_dir)) as pub:
        yield pub


def test_curve_admits_authorised_clients_only(
    curve_publisher: Publisher, keys_dir: Path, stranger: ClientKeys
) -> None:
    pub = curve_publisher
    authorised = Subscriber(pub.endpoint, keys=load_client_keys(keys_dir, "tablet"))
    unauthorised = Subscriber(pub.endpoint, keys=stranger)
    # A client that does not speak CURVE at all, forced past the loopback rule.
    plain = Subscriber(pub.endpoint)
    try:
        deadline = time.monotonic() + 5.0
        while not isinstance(authorised.recv(0.05), StatusMsg):
            assert time.monotonic() < deadline, "the authorised client never got a status"
            pub.publish(messages.status())
        sent = [messages.step(1), messages.summary(), messages.status(t=2.0)]
        for msg in sent:
            pub.publish(msg)
        got = []
        while not got or got[-1] != sent[2]:
            msg = authorised.recv(1.0)
            assert msg is not None, f"the authorised client got only {got}"
            if isinstance(msg, StepMsg | SummaryMsg) or msg == sent[2]:
                got.append(msg)
        assert got == sent
        assert unauthorised.recv(0.3) is None
        assert plain.recv(0.1) is None
    finally:
        for sub in (authorised, unauthorised, plain):
            sub.close()


def test_curve_control_answers_authorised_clients_only(
    keys_dir: Path, stranger: ClientKeys
) -> None:
    handler = FakeHandler()
    with ControlServer(handler, ANY_PORT, keys=load_server_keys(keys_dir)) as server:
        server.start()
        with (
            ControlClient(server.endpoint, keys=stranger, timeout=0.3) as c,
            pytest.raises(ControlTimeout),
        ):
            c.request("stop_session")
        with ControlClient(server.endpoint, keys=load_client_keys(keys_dir), timeout=2.0) as c:
            assert c.request("stop_session") == {"ok": True}
    assert handler.calls == [("stop_session",)]


def joins(pub: Publisher, sub: Subscriber) -> bool:
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        pub.publish(messages.status())
        if sub.recv(0.05) is not None:
            return True
    return False


def test_curve_servers_come_and_go_in_one_process(keys_dir: Path, tmp_path: Path) -> None:
    keys = load_server_keys(keys_dir)
    client = load_client_keys(keys_dir)
    # The publisher and the control server share the process's one ZAP authenticator.
    with (
        Publisher(ANY_PORT, keys=keys) as pub,
        ControlServer(FakeHandler(), ANY_PORT, keys=keys) as control,
        Subscriber(pub.endpoint, keys=client) as sub,
        ControlClient(control.endpoint, keys=client) as commands,
    ):
        control.start()
        assert joins(pub, sub)
        assert commands.request("stop_session") == {"ok": True}
    # Restarted at once, and with another keys folder beside it: each admits its own clients.
    generate_keys(tmp_path / "other", ("console",))
    other_client = load_client_keys(tmp_path / "other")
    # Authorised for the first folder only, though it knows the other server's key.
    crossed_client = dataclasses.replace(client, server_public=other_client.server_public)
    with (
        Publisher(ANY_PORT, keys=keys) as pub,
        Publisher(ANY_PORT, keys=load_server_keys(tmp_path / "other")) as other,
        Subscriber(pub.endpoint, keys=client) as sub,
        Subscriber(other.endpoint, keys=other_client) as other_sub,
        Subscriber(other.endpoint, keys=crossed_client) as crossed,
    ):
        assert joins(pub, sub)
        assert joins(other, other_sub)
        assert crossed.recv(0.2) is None


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bus_config_defaults_and_keys_dir(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, ""))
    assert config.bus.publish == "tcp://127.0.0.1:5556"
    assert config.bus.control == "tcp://127.0.0.1:5557"
    assert config.keys_dir == tmp_path / "var" / "keys"
    assert config.sessions_path == tmp_path / "var" / "sessions.sqlite"
    config = load_config(write_config(tmp_path, '[bus]\nkeys_dir = "secrets"\n'))
    assert config.keys_dir == tmp_path / "secrets"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[bus]\npublish = "udp://0.0.0.0:1"\n', 'bus.publish = "udp://0.0.0.0:1": must be tcp://'),
        ('[bus]\ncontrol = "tcp://*:*"\n', 'bus.control = "tcp://*:*": must name a port'),
        ('[bus]\npublish = "tcp://127.0.0.1:99999"\n', "port must be 1..65535"),
        (
            '[bus]\ncontrol = "tcp://127.0.0.1:5556"\n',
            'bus.control = "tcp://127.0.0.1:5556": must differ from bus.publish',
        ),
        (
            '[bus]\npubish = "tcp://127.0.0.1:1"\n',
            "bus.pubish: unknown key; did you mean bus.publish?",
        ),
    ],
)
def test_bus_config_errors_name_key_value_and_rule(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UsageError) as exc_info:
        load_config(write_config(tmp_path, text))
    assert message in str(exc_info.value)
