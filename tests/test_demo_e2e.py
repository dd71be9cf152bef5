"""The whole chain on a few seconds of the rendered clip through the real model: rendered
pixels -> yolo11n-pose -> runner -> gait -> bus and store -> steps held against the force
plate (Fukuchi 2017, CC-BY 4.0)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from edge.config import load_config
from edge.demo.render import render_demo
from edge.demo.session import Accuracy, ClipSource, demo_calibration
from edge.station import Station


@pytest.mark.slow
def test_demo_clip_end_to_end(tmp_path: Path, ultralytics_pose) -> None:
    clip = render_demo(tmp_path / "demo", seconds=4.0, progress=False)
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        f'[station]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[bus]\npublish = "ipc://{tmp_path}/pub"\ncontrol = "ipc://{tmp_path}/ctl"\n'
    )
    source = ClipSource(clip, seconds=4.0)
    accuracy = Accuracy(clip, source.t0)
    station = Station(
        load_config(config_file),
        source,
        ultralytics_pose,
        demo_calibration(clip),
        report=accuracy.add,
    )
    station.run(threading.Event())
    figures = accuracy.report(source.seen_s)
    # Limits for the chain as it stands (yolo11n-pose at 640 on the runner crop): the pose
    # model's ankles are off by ~5% of body height and it swaps legs in a third of the frames,
    # which throws the toe-off, and with it the hip extension window, on some steps.
    assert figures["contacts_expected"] >= 6
    assert figures["steps_found_pct"] >= 70
    assert figures["ic_mae_ms"] <= 40
    assert figures["to_mae_ms"] <= 80
    assert figures["overstride_mae_cm"] <= 8
    assert figures["hip_extension_mae_deg"] <= 12
    assert figures["side_correct_pct"] >= 70
