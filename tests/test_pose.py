from __future__ import annotations

import numpy as np

from edge.pose import RunnerSelector
from edge.skeleton import KP, NUM_KEYPOINTS


def test_bus_image_finds_at_least_three_people(ultralytics_pose, bus_image: np.ndarray) -> None:
    found = ultralytics_pose.infer(bus_image)
    assert len(found) >= 3
    assert found.keypoints.shape == (len(found), NUM_KEYPOINTS, 3)
    assert found.keypoints.dtype == np.float32 and found.boxes.dtype == np.float32
    height, width = bus_image.shape[:2]
    confident = found.scores > 0.5
    assert confident.sum() >= 3
    for kp, box in zip(found.keypoints[confident], found.boxes[confident], strict=True):
        # Keypoints are in full-frame pixels and lie on the person they belong to.
        seen = kp[:, 2] > 0.5
        assert (kp[seen, 0] >= box[0] - 5).all() and (kp[seen, 0] <= box[2] + 5).all()
        assert (kp[seen, 1] >= box[1] - 5).all() and (kp[seen, 1] <= box[3] + 5).all()
        assert 0 <= box[0] < box[2] <= width and 0 <= box[1] < box[3] <= height
        # Upright people: ankles below hips below shoulders.
        if kp[[KP["left_shoulder"], KP["left_hip"], KP["left_ankle"]], 2].min() > 0.5:
            assert kp[KP["left_shoulder"], 1] < kp[KP["left_hip"], 1] < kp[KP["left_ankle"], 1]


def test_empty_frame_finds_nobody(ultralytics_pose) -> None:
    found = ultralytics_pose.infer(np.zeros((480, 640, 3), np.uint8))
    assert len(found) == 0
    assert RunnerSelector().select(found) is None
