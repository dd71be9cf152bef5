"""``hipdrive run`` as a process: SIGHUP mid-run reloads the configuration without ending the
session, and SIGTERM loses no step (every step it printed, and so published, is in SQLite
afterwards)."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from edge.cli import main
from edge.demo.render import render_demo
from edge.store.sessions import list_sessions, read_steps


@pytest.mark.slow
def test_sighup_reloads_and_sigterm_keeps_every_published_step(
    tmp_path: Path, model_path: Path
) -> None:
    clip = render_demo(tmp_path / "demo", seconds=9.0, progress=False)
    config = tmp_path / "config.toml"
    settings = (
        f'[station]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[pose]\nmodel = "{model_path}"\nimgsz = 320\n'
        f'[bus]\npublish = "ipc://{tmp_path}/pub"\ncontrol = "ipc://{tmp_path}/ctl"\n'
    )
    config.write_text(settings)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "edge.cli",
            "run",
            "--config",
            str(config),
            "--source",
            f"file:{clip.video}",
            "--headless",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    printed = []
    deadline = time.monotonic() + 240
    hung_up = math.inf
    assert proc.stdout is not None
    # The station takes on a reload within a second: give it two before stopping it.
    while (len(printed) < 4 or time.monotonic() - hung_up < 2.0) and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if "contact" in line:
            printed.append(line)
        if len(printed) == 2 and math.isinf(hung_up):
            config.write_text(settings + "[targets]\ncontact_max_ms = 280.0\n")
            proc.send_signal(signal.SIGHUP)
            hung_up = time.monotonic()
    assert len(printed) >= 4, proc.stderr.read() if proc.stderr else ""
    proc.send_signal(signal.SIGTERM)
    rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "reloaded targets.contact_max_ms = 280.0 (was 300.0)" in err
    printed += [line for line in rest.splitlines() if "contact" in line]
    assert "has ended" not in err, "the run was stopped by the signal, not by the clip's end"
    sessions = list_sessions(tmp_path / "data" / "sessions.sqlite")
    recorded = [
        s
        for session in sessions
        for s in read_steps(tmp_path / "data" / "sessions.sqlite", session.id)
    ]
    assert len(recorded) == len(printed)
    assert len(sessions) == 1, "the reload kept the session"
    assert all(session.ended for session in sessions), "the session was closed cleanly"


def test_a_damaged_model_exits_3_with_the_fix(
    tmp_path: Path, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = tmp_path / "yolo11n-pose.pt"
    damaged.write_bytes(model_path.read_bytes()[:100_000])
    config = tmp_path / "config.toml"
    config.write_text(
        f'[station]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[pose]\nbackend = "ultralytics"\nmodel = "{damaged}"\n'
    )
    assert main(["run", "--config", str(config), "--source", "camera:/dev/video99"]) == 3
    err = capsys.readouterr().err
    assert f"pose model {damaged} could not be loaded" in err
    assert "delete it and fetch it again (hipdrive model fetch)" in err
