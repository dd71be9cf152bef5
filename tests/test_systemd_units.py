"""The systemd units: the settings the station relies on, and systemd's own verdict on them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

UNITS = ROOT / "systemd"
EXEC = "/opt/hipdrive/venv/bin/hipdrive"


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """Section -> key -> every value, in order (systemd keys may repeat, unlike INI's)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if match := re.fullmatch(r"\[(\w+)\]", line):
            current = sections.setdefault(match[1], {})
            continue
        assert current is not None, f"{path.name}: {line!r} before any section"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: {line!r} is not KEY=VALUE"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_the_station_unit_notifies_restarts_and_is_sandboxed() -> None:
    unit = parse_unit(UNITS / "hipdrive-edge.service")
    service = {key: values[-1] for key, values in unit["Service"].items()}
    assert service["Type"] == "notify" and service["NotifyAccess"] == "main"
    assert service["WatchdogSec"] == "30s"
    assert service["ExecStart"] == f"{EXEC} run --config /etc/hipdrive/config.toml --headless"
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert service["Restart"] == "on-failure" and service["RestartSec"] == "5s"
    assert service["RestartPreventExitStatus"] == "2", "a configuration error is not retried"
    assert {"StartLimitIntervalSec", "StartLimitBurst"} <= set(unit["Unit"])
    assert service["User"] == "hipdrive"
    assert service["StateDirectory"] == service["ConfigurationDirectory"] == "hipdrive"
    for key, value in {
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "NoNewPrivileges": "yes",
        "PrivateDevices": "no",
        "DevicePolicy": "closed",
        "SystemCallFilter": "@system-service",
    }.items():
        assert service[key] == value, key
    assert service["RestrictAddressFamilies"].split() == [
        "AF_UNIX",
        "AF_INET",
        "AF_INET6",
        "AF_NETLINK",
    ]
    assert "MemoryDenyWriteExecute" not in service, "numba compiles at run time"
    devices = {value.split()[0] for value in unit["Service"]["DeviceAllow"]}
    assert {"char-video4linux", "char-media", "char-dma_heap", "char-vchiq"} <= devices
    # The spoken cues: sound cards (a user trial found the installed station could not play).
    assert "char-alsa" in devices
    assert "NUMBA_CACHE_DIR=%C/hipdrive/numba" in unit["Service"]["Environment"]
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]


def test_the_console_unit_takes_tty1_from_the_login_prompt() -> None:
    unit = parse_unit(UNITS / "hipdrive-dashboard.service")
    service = {key: values[-1] for key, values in unit["Service"].items()}
    assert service["ExecStart"] == f"{EXEC} dashboard --config /etc/hipdrive/config.toml"
    assert service["TTYPath"] == "/dev/tty1"
    assert service["StandardInput"] == "tty" and service["StandardOutput"] == "tty"
    # Textual draws the screen on standard error: sent to the journal, tty1 stayed blank.
    assert service["StandardError"] == "tty"
    # Its log goes to the data_dir, which it must be able to write.
    assert service["StateDirectory"] == "hipdrive"
    assert unit["Unit"]["Conflicts"] == ["getty@tty1.service"]
    assert "getty@tty1.service" in unit["Unit"]["After"][0].split()


def test_the_drop_ins_add_jetson_devices_and_restart_back_off() -> None:
    jetson = parse_unit(UNITS / "jetson.conf")["Service"]["DeviceAllow"]
    assert "/dev/nvmap rw" in jetson
    backoff = parse_unit(UNITS / "restart-backoff.conf")["Service"]
    assert backoff["RestartMaxDelaySec"] == ["1min"] and int(backoff["RestartSteps"][0]) > 1


@pytest.mark.parametrize("script", ["install.sh", "uninstall.sh"])
def test_the_install_scripts_parse(script: str) -> None:
    path = UNITS / script
    assert path.stat().st_mode & 0o111, f"{script} is executable"
    done = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def systemd_version() -> int:
    out = subprocess.run(["systemctl", "--version"], capture_output=True, text=True).stdout
    return int(out.split()[1])


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed here (apt install systemd)",
)
def test_systemd_analyze_verify_finds_nothing_wrong(tmp_path: Path) -> None:
    """The units as installed, drop-ins included. The venv exists only on a station, so its
    path in ExecStart is swapped for an executable that exists (verify checks it)."""
    for unit in ("hipdrive-edge.service", "hipdrive-dashboard.service"):
        (tmp_path / unit).write_text((UNITS / unit).read_text().replace(EXEC, sys.executable))
    dropins = tmp_path / "hipdrive-edge.service.d"
    dropins.mkdir()
    shutil.copy(UNITS / "jetson.conf", dropins)
    if shutil.which("systemctl") and systemd_version() >= 254:
        shutil.copy(UNITS / "restart-backoff.conf", dropins)
    done = subprocess.run(
        ["systemd-analyze", "verify", *(str(p) for p in sorted(tmp_path.glob("*.service")))],
        capture_output=True,
        text=True,
    )
    # Unknown or malformed keys are warnings with exit status 0: any word about our files fails.
    ours = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if str(tmp_path) in line or line.startswith("hipdrive-")
    ]
    assert done.returncode == 0 and ours == [], done.stdout + done.stderr
