"""The whole chain on seconds of the rendered clip through the real model, as the station runs
it by default: rendered pixels -> yolo11n-pose on OpenVINO at 320 on the runner crop, two
workers -> runner -> gait -> bus and store -> steps held against the force plate (Fukuchi
2017, CC-BY 4.0)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from edge.config import load_config
from edge.demo.render import render_demo
from edge.demo.session import Accuracy, ClipSource, ClipTruth, demo_calibration
from edge.pose.factory import open_estimator
from edge.station import Station

SECONDS = 8.0


@pytest.mark.slow
def test_demo_clip_end_to_end(tmp_path: Path, model_path: Path) -> None:
    clip = render_demo(tmp_path / "demo", seconds=SECONDS, progress=False)
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        f'[station]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[bus]\npublish = "ipc://{tmp_path}/pub"\ncontrol = "ipc://{tmp_path}/ctl"\n'
    )
    source = ClipSource(clip, seconds=SECONDS)
    accuracy = Accuracy(ClipTruth.of(clip), source.t0)
    station = Station(
        load_config(config_file),
        source,
        open_estimator("openvino", model_path, 320, 0.25, workers=2),
        demo_calibration(clip),
        report=accuracy.add,
    )
    station.run(threading.Event())
    figures = accuracy.report(source.seen_s)
    # Limits for the chain as it stands, with margin over what it measured (steps found 100%,
    # contact 19 ms, toe-off 44 ms, overstride 3.7 cm, hip extension 8 deg, side 95%): the pose
    # model's ankles are off by ~4% of body height and it swaps legs in half of the frames,
    # which throws the toe-off, and with it the hip extension window, on some steps.
    assert figures["contacts_expected"] >= 15
    assert figures["steps_found_pct"] >= 90
    assert figures["ic_mae_ms"] <= 30
    assert figures["to_mae_ms"] <= 80
    assert figures["overstride_mae_cm"] <= 6
    assert figures["hip_extension_mae_deg"] <= 12
    assert figures["side_correct_pct"] >= 70
