"""The keypoint refiner: RTMPose-s places the runner's knees and ankles again, on real frames.

The real model (fetched by ``make test``) runs on frames of the rendered demo clip (Fukuchi 2017,
CC-BY 4.0) and on Ultralytics' bus photo; no mock stands in for it or for the pose model.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.errors import MissingResourceError
from edge.pose import RunnerSelector
from edge.pose.crop import RunnerFinder
from edge.pose.models import REFINER
from edge.pose.refine import (
    INPUT_H,
    INPUT_W,
    REFINED,
    KeypointRefiner,
    drop_collapsed,
    person_box,
)
from edge.skeleton import KP, NUM_KEYPOINTS

MODEL = Path(__file__).resolve().parents[1] / "var" / "models" / REFINER.name


@pytest.fixture(scope="module")
def refiner() -> KeypointRefiner:
    assert MODEL.is_file(), f"{MODEL} is missing: run `make test` (it fetches the models)"
    return KeypointRefiner(MODEL)


def test_the_box_is_the_sure_keypoints_padded_in_the_inputs_shape() -> None:
    kp = np.zeros((NUM_KEYPOINTS, 3), np.float32)
    kp[:, 0] = np.linspace(100, 140, NUM_KEYPOINTS)
    kp[:, 1] = np.linspace(200, 600, NUM_KEYPOINTS)
    kp[:, 2] = 0.9
    kp[0] = (5000, 5000, 0.1)  # not sure: ignored
    box = person_box(kp)
    assert box is not None
    cx, cy, w = box
    assert cx == pytest.approx(float(kp[1:, 0].min() + kp[1:, 0].max()) / 2)
    assert cy == pytest.approx((kp[1, 1] + 600) / 2)
    # The tall thin person sets the height (padded 1.25 times); the width follows the input.
    assert w == pytest.approx((600 - kp[1, 1]) * 1.25 * INPUT_W / INPUT_H)
    kp[4:, 2] = 0.0
    assert person_box(kp) is None


def side_view_runner() -> np.ndarray:
    """COCO keypoints of a runner 500 px tall, legs apart (the left leg ahead)."""
    kp = np.zeros((NUM_KEYPOINTS, 3), np.float32)
    kp[:, 2] = 0.8
    kp[:, 0] = 600.0
    kp[:, 1] = np.linspace(100.0, 400.0, NUM_KEYPOINTS)
    for joint, y, ahead in (("knee", 480.0, 40.0), ("ankle", 600.0, 90.0)):
        kp[KP[f"left_{joint}"], :2] = (600.0 + ahead, y)
        kp[KP[f"right_{joint}"], :2] = (600.0 - ahead, y)
    return kp


def test_an_ankle_put_onto_the_other_is_marked_not_seen() -> None:
    """The near ankle jumps onto the far one for a frame (as RTMPose did at toe-off on the
    dimly lit render): that one, and only it, is dropped."""
    before = side_view_runner()
    now = before.copy()
    now[KP["right_ankle"], :2] = now[KP["left_ankle"], :2] + (2.0, 1.0)
    kept = drop_collapsed(now, before)
    assert kept[KP["right_ankle"], 2] == 0.0 and np.isnan(kept[KP["right_ankle"], 0])
    others = [j for j in range(NUM_KEYPOINTS) if j != KP["right_ankle"]]
    np.testing.assert_array_equal(kept[others], now[others])


def test_legs_passing_each_other_or_no_frame_before_keep_every_joint() -> None:
    before = side_view_runner()
    now = before.copy()
    # The swing ankle passes the stance ankle 30 px above it (5% of the body's height).
    now[KP["right_ankle"], :2] = now[KP["left_ankle"], :2] + (0.0, -30.0)
    np.testing.assert_array_equal(drop_collapsed(now, before), now)
    now[KP["right_ankle"], :2] = now[KP["left_ankle"], :2]
    np.testing.assert_array_equal(drop_collapsed(now, None), now)


def test_a_missing_model_says_how_to_fetch_it_or_turn_it_off(tmp_path: Path) -> None:
    with pytest.raises(MissingResourceError, match=r"hipdrive model fetch.*pose\.refine = false"):
        KeypointRefiner(tmp_path / "nothing.onnx")


def test_knees_and_ankles_land_nearer_the_joints_than_the_pose_models(
    demo_clip, ultralytics_pose, refiner: KeypointRefiner
) -> None:
    """Against the projected joint centres of the motion capture, legs as the truth names them.
    Measured on the 2 s demo clip, every 4th frame: the pose model's (yolo11n-pose at 640)
    knees and ankles 16-39 px off (median per joint), the refiner's 5-7 px."""
    cap = cv2.VideoCapture(str(demo_clip.video))
    before, after = [], []
    try:
        for k in range(0, demo_clip.frames, 8):
            cap.set(cv2.CAP_PROP_POS_FRAMES, k)
            ok, image = cap.read()
            assert ok
            found = ultralytics_pose.infer(image)
            keypoints = found.keypoints[int(np.argmax(found.scores))]
            refined = refiner.refine(image, keypoints)
            assert refined is not None
            others = [j for j in range(NUM_KEYPOINTS) if j not in REFINED]
            np.testing.assert_array_equal(refined[others], keypoints[others])
            truth = demo_clip.keypoints[k][REFINED]
            before.append(np.hypot(*(keypoints[REFINED, :2] - truth).T))
            after.append(np.hypot(*(refined[REFINED, :2] - truth).T))
    finally:
        cap.release()
    assert float(np.median(after)) < 10.0
    assert float(np.median(after)) < 0.6 * float(np.median(before))


def test_the_finder_refines_the_runner_alone_once_it_has_one(
    bus_image: np.ndarray, ultralytics_pose, refiner: KeypointRefiner
) -> None:
    stages: list[str] = []
    finder = RunnerFinder(
        ultralytics_pose,
        RunnerSelector(),
        crop=False,
        refiner=refiner,
        timed=lambda stage, _: stages.append(stage),
    )
    plain = ultralytics_pose.infer(bus_image)
    first = finder.look(bus_image)
    # No runner settled yet: the pose model's keypoints as they are.
    np.testing.assert_array_equal(first.detections.keypoints, plain.keypoints)
    runner = finder.settle(first, bus_image.shape)
    assert runner is not None
    second = finder.look(bus_image).detections
    changed = [
        i for i in range(len(second)) if not np.array_equal(second.keypoints[i], plain.keypoints[i])
    ]
    assert len(plain) >= 4
    assert len(changed) == 1
    (i,) = changed
    np.testing.assert_array_equal(second.boxes[i], runner.box)
    assert not np.array_equal(
        second.keypoints[i][[KP["left_knee"], KP["right_ankle"]]],
        plain.keypoints[i][[KP["left_knee"], KP["right_ankle"]]],
    )
    assert stages == ["refine"]
