from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edge.errors import UsageError
from edge.skeleton import NUM_KEYPOINTS
from edge.store.track import TRACK_COLUMNS, KeypointTrackWriter, read_keypoint_track


def test_columns_follow_the_design() -> None:
    assert TRACK_COLUMNS[:5] == ("t", "frame", "nose_x", "nose_y", "nose_conf")
    assert TRACK_COLUMNS[-3:] == ("right_ankle_x", "right_ankle_y", "right_ankle_conf")
    assert len(TRACK_COLUMNS) == 2 + 3 * NUM_KEYPOINTS


def test_round_trip_keeps_values_and_missing_points(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    kp = rng.uniform(0, 1000, (3, NUM_KEYPOINTS, 3)).astype(np.float32)
    kp[..., 2] = rng.uniform(0.1, 1, (3, NUM_KEYPOINTS))
    kp[1, 15] = (np.nan, np.nan, 0.0)
    kp[2, 4, 2] = 0.0  # zero confidence counts as missing even with coordinates
    path = tmp_path / "k.csv"
    with KeypointTrackWriter(path) as writer:
        writer.write(0.0, 0, kp[0])
        writer.write(1 / 60, 1, kp[1])
        writer.write(2 / 60, 2, kp[2])
        writer.write(3 / 60, 3, None)
    t, frame, back = read_keypoint_track(path)
    assert back.shape == (4, NUM_KEYPOINTS, 3) and back.dtype == np.float32
    assert np.allclose(t, [0, 1 / 60, 2 / 60, 3 / 60], atol=1e-6)
    assert frame.tolist() == [0, 1, 2, 3]
    assert np.allclose(back[0, :, :2], kp[0, :, :2], atol=0.01)
    assert np.isnan(back[1, 15, :2]).all() and back[1, 15, 2] == 0
    assert np.isnan(back[2, 4, :2]).all()
    assert np.isnan(back[3, :, :2]).all() and (back[3, :, 2] == 0).all()


def test_a_foreign_csv_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(UsageError, match="not a keypoint track"):
        read_keypoint_track(path)
