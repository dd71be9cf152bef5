"""The soak: the whole station for a while, sampled for speed, memory and open files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from edge.cli import main
from edge.config import load_config
from edge.measure.soak import Sample, SoakReport, open_fds, rss_mb, soak
from edge.run.station import Station
from tests.builders.fakes import FakePose, FakeSource


def test_a_short_soak_samples_the_running_station(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[station]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[bus]\npublish = "ipc://{tmp_path}/pub"\ncontrol = "ipc://{tmp_path}/ctl"\n'
        "[pose]\ncrop = false\n"
    )
    nobody = np.zeros((10, 17, 3), np.float32)
    station = Station(load_config(path), FakeSource(10_000, paced=True), FakePose(nobody))
    seen: list[Sample] = []
    report = soak(station, minutes=2.2 / 60, every_s=0.5, on_sample=seen.append)
    assert seen == report.samples and len(seen) == 5
    assert seen[-1].t_s == pytest.approx(2.2, abs=0.15)
    # the first half second or so goes to the station's start (the kernels load), then 60 fps
    assert all(s.fps == pytest.approx(60, rel=0.25) for s in seen[2:])
    assert all(s.rss_mb > 10 and s.fds > 3 for s in seen)
    lines = report.table()
    assert lines[1].split()[0] == "fps" and "RSS growth" in lines[-1]
    assert json.loads(json.dumps(report.as_json()))["samples"][0]["fds"] == seen[0].fds


def test_the_table_reports_first_last_max_and_growth() -> None:
    samples = [
        Sample(t_s=60.0 * m, fps=f, rss_mb=r, fds=d, steps=100 * m)
        for m, f, r, d in [(1, 8.0, 500.0, 40), (2, 9.0, 530.0, 44), (3, 7.5, 520.0, 41)]
    ]
    report = SoakReport(start_rss_mb=300.0, samples=samples)
    assert report.rss_growth_mb == pytest.approx(20.0)
    assert report.rss_growth_mb_per_hour == pytest.approx(600.0)
    table = report.table()
    assert table[1].split() == ["fps", "8.0", "7.5", "9.0"]
    assert table[2].split() == ["RSS", "MB", "500.0", "520.0", "530.0"]
    assert table[3].split() == ["open", "fds", "40", "41", "44"]
    assert "+20.0 MB" in table[4] and "+600.0 MB/hour" in table[4] and "300 steps" in table[4]


def test_process_figures_come_from_proc() -> None:
    # Threads left by other tests (ZeroMQ's, a closing video reader) may open or close a
    # descriptor meanwhile: forty files held open stand well clear of that.
    before = open_fds()
    files = [open(__file__) for _ in range(40)]  # noqa: SIM115
    try:
        assert open_fds() - before == pytest.approx(40, abs=3)
    finally:
        for file in files:
            file.close()
    assert 10 < rss_mb() < 100_000


def test_a_soak_needs_some_minutes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["soak", "--minutes", "0"]) == 2
    assert "--minutes 0: must be > 0" in capsys.readouterr().err
