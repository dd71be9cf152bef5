from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge.cli import main


def test_bench_reports_the_gait_stage_side_by_side(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bench.json"
    assert main(["bench", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert {"machine", "gait_us_per_frame", "gait_speedup_vs_numpy"} <= set(result)
    # Ratios are reported, never asserted on a noisy machine; the figures must be real ones.
    assert result["gait_us_per_frame"] > 0
    assert result["gait_numpy_us_per_frame"] > result["gait_us_per_frame"]
    assert "gait kernel" in capsys.readouterr().out
