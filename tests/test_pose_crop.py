"""The runner-following crop: where it looks, that it hands back full-frame pixels, and that it
falls back to the full frame in the same frame when the runner leaves the crop."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.pose import Detections, PoseEstimator, RunnerSelector
from edge.pose.crop import (
    NO_PLAN,
    FramingWatch,
    RunnerFinder,
    crop_around,
    feet_guessed,
    feet_out,
    outside_picture,
)
from edge.skeleton import LEFT_ANKLE, RIGHT_ANKLE

W, H = 1280, 720


def scene_image() -> np.ndarray:
    """Every pixel says where it is, so a backend given a crop knows the crop's origin."""
    y, x = np.mgrid[0:H, 0:W]
    return np.dstack([x % 256, y % 256, x // 256 + 16 * (y // 256)]).astype(np.uint8)


class ScenePose(PoseEstimator):
    """One person at known full-frame keypoints, reported in the pixels of the image given."""

    name = "scene"

    def __init__(self, aspect: float = 1.0) -> None:
        self.aspect = aspect
        self.keypoints = person_at(600.0, 200.0)
        self.shapes: list[tuple[int, ...]] = []

    def infer(self, image: np.ndarray) -> Detections:
        self.shapes.append(image.shape)
        b, g, r = (int(v) for v in image[0, 0])
        x0, y0 = b + 256 * (r % 16), g + 256 * (r // 16)
        kp = self.keypoints.copy()
        kp[:, 0] -= x0
        kp[:, 1] -= y0
        h, w = image.shape[:2]
        if kp[:, 0].min() < 0 or kp[:, 1].min() < 0 or kp[:, 0].max() > w or kp[:, 1].max() > h:
            return Detections.empty()
        box = np.array(
            [[kp[:, 0].min(), kp[:, 1].min(), kp[:, 0].max(), kp[:, 1].max()]], np.float32
        )
        return Detections(kp[None], box, np.array([0.9], np.float32))


def person_at(x: float, y: float) -> np.ndarray:
    """A 17-keypoint person 400 px tall and 160 px wide with its top-left corner at (x, y)."""
    rng = np.random.default_rng(0)
    kp = np.zeros((17, 3), np.float32)
    kp[:, 0] = x + rng.uniform(0, 160, 17)
    kp[:, 1] = y + np.linspace(0, 400, 17)
    kp[:, 2] = 0.9
    return kp


@pytest.fixture()
def image() -> np.ndarray:
    return scene_image()


def test_after_the_first_frame_it_looks_at_a_square_crop_around_the_runner(image) -> None:
    pose = ScenePose()
    finder = RunnerFinder(pose, RunnerSelector(), margin=0.1)
    first = finder.find(image)
    assert first is not None and pose.shapes[-1] == image.shape
    x, y, w, h = finder.crop  # type: ignore[misc]
    assert w == h < W
    box = first.box
    assert x <= box[0] - 40 and y <= box[1] - 40
    assert x + w >= box[2] + 40 and y + h >= box[3] + 40
    second = finder.find(image)
    assert pose.shapes[-1] == (h, w, 3)
    assert second is not None
    np.testing.assert_allclose(second.keypoints, pose.keypoints, atol=1e-4)
    assert finder.full_frame_looks == 1 and finder.looks == 2


def test_a_look_goes_by_the_plan_it_is_given(image) -> None:
    """A station's pose workers look as planned after the frame a fixed number of frames
    before, not as planned now (three headless runs of one clip had given 22, 25 and 26
    steps)."""
    pose = ScenePose()
    finder = RunnerFinder(pose, RunnerSelector(), margin=0.1)
    finder.find(image)
    planned = finder.plan
    _, _, w, h = finder.crop  # type: ignore[misc]
    finder.look(image, NO_PLAN)
    assert pose.shapes[-1] == image.shape
    finder.look(image, planned)
    assert pose.shapes[-1] == (h, w, 3)
    finder.look(image)
    assert pose.shapes[-1] == (h, w, 3)


def test_the_crop_takes_the_shape_of_the_backends_input(image) -> None:
    pose = ScenePose(aspect=0.8)
    finder = RunnerFinder(pose, RunnerSelector(), margin=0.1)
    first = finder.find(image)
    assert first is not None
    x, _, w, h = finder.crop  # type: ignore[misc]
    assert w / h == pytest.approx(0.8, abs=0.01)
    assert h == pytest.approx(400 + 2 * 40, abs=2), "the runner's height sets the scale"
    box = first.box
    assert x <= box[0] - 40 and x + w >= box[2] + 40
    second = finder.find(image)
    assert pose.shapes[-1] == (h, w, 3) and second is not None
    np.testing.assert_allclose(second.keypoints, pose.keypoints, atol=1e-4)


@settings(max_examples=200, deadline=None)
@given(
    x=st.floats(0, 1800),
    y=st.floats(0, 1000),
    w=st.floats(1, 1900),
    h=st.floats(1, 1000),
    margin=st.floats(0, 0.3),
    aspect=st.sampled_from([0.5, 0.7, 0.8, 1.0, 1.25, 16 / 9]),
)
def test_crop_around_holds_the_swept_box_and_margin_in_the_input_shape_inside_the_frame(
    x: float, y: float, w: float, h: float, margin: float, aspect: float
) -> None:
    frame_h, frame_w = 1080, 1920
    x2, y2 = min(x + w, frame_w), min(y + h, frame_h)
    boxes = np.array([[x, y, (x + x2) / 2, (y + y2) / 2], [(x + x2) / 2, y, x2, y2]])
    cx, cy, cw, ch = crop_around(boxes, margin, (frame_h, frame_w, 3), aspect)
    assert 0 <= cx <= cx + cw <= frame_w and 0 <= cy <= cy + ch <= frame_h
    pad = margin * (y2 - y)
    wanted_w, wanted_h = min(x2 - x + 2 * pad, frame_w), min(y2 - y + 2 * pad, frame_h)
    assert cw >= wanted_w - 1 and ch >= wanted_h - 1
    fits = cw < frame_w and ch < frame_h
    if fits:
        assert cw / ch == pytest.approx(aspect, rel=0.02, abs=2 / ch)
    assert cx <= max(x - pad, 0) + 1 and cx + cw >= min(x2 + pad, frame_w) - 1
    assert cy <= max(y - pad, 0) + 1 and cy + ch >= min(y2 + pad, frame_h) - 1


def test_runner_leaving_the_crop_is_found_on_the_full_frame_in_the_same_frame(image) -> None:
    pose = ScenePose()
    finder = RunnerFinder(pose, RunnerSelector(match_iou=0.0))
    finder.find(image)
    pose.keypoints = person_at(100.0, 250.0)
    look = finder.look(image)
    assert look.redetected and look.crop is None
    runner = finder.settle(look, image.shape)
    assert runner is not None
    np.testing.assert_allclose(runner.keypoints, pose.keypoints, atol=1e-4)


class CoachAndRunnerPose(PoseEstimator):
    """A coach standing at the right, feet together, from the first frame, and a runner
    striding at the left from frame ``RUNNER_FROM`` (``frame``: the frame looked at); a person
    is found only where the picture given holds all of them."""

    name = "coach and runner"
    aspect = 1.0
    RUNNER_FROM = 30

    def __init__(self) -> None:
        self.frame = 0

    def infer(self, image: np.ndarray) -> Detections:
        b, g, r = (int(v) for v in image[0, 0])
        x0, y0 = b + 256 * (r % 16), g + 256 * (r // 16)
        h, w = image.shape[:2]
        people = [person_at(1000.0, 250.0)]
        people[0][[LEFT_ANKLE, RIGHT_ANKLE], 0] = 1080.0
        if self.frame >= self.RUNNER_FROM:
            runner = person_at(100.0, 250.0)
            apart = 160.0 * abs(np.sin(np.pi * self.frame / 21.0))
            runner[[LEFT_ANKLE, RIGHT_ANKLE], 0] = 180.0 + np.array([-apart, apart])
            people.append(runner)
        found = []
        for kp in people:
            kp = kp.copy()
            kp[:, 0] -= x0
            kp[:, 1] -= y0
            if kp[:, :2].min() >= 0 and kp[:, 0].max() <= w and kp[:, 1].max() <= h:
                found.append(kp)
        if not found:
            return Detections.empty()
        kps = np.stack(found)
        boxes = np.stack(
            [[k[:, 0].min(), k[:, 1].min(), k[:, 0].max(), k[:, 1].max()] for k in kps]
        ).astype(np.float32)
        return Detections(kps, boxes, np.full(len(kps), 0.9, np.float32))


def test_a_runner_stepping_on_beside_a_coach_followed_is_seen_and_takes_over(image) -> None:
    """A user trial's coach, beside the belt before the runner stepped on, was followed
    through 30 s of running: the crop around the coach cut the runner off. While the one
    followed stands still the whole frame is looked at."""
    pose = CoachAndRunnerPose()
    finder = RunnerFinder(pose, RunnerSelector())
    taken = None
    for frame in range(120):
        pose.frame = frame
        runner = finder.settle(finder.look(image), image.shape)
        assert runner is not None
        if taken is None and runner.box[0] < 500:
            taken = frame
        if taken is not None and frame == taken + 1:
            # The crop is around the runner alone, not the coach's boxes too (a review's had
            # spanned both, nearly the whole frame, for a second and a half).
            crop = finder.crop
            assert crop is not None and crop[0] + crop[2] < 700, crop
    assert taken is not None and runner.box[0] < 500, "the coach kept the track"


def test_while_the_one_followed_stands_a_region_of_interest_is_looked_at_whole(image) -> None:
    """With ``pose.roi`` set, the look that watches for a runner stepping on is the region of
    interest, not the whole frame (a review: the runner's first steps had fewer pixels)."""
    pose = CoachAndRunnerPose()
    pose.RUNNER_FROM = 10**6
    roi = (600, 100, 680, 620)
    finder = RunnerFinder(pose, RunnerSelector(roi=roi))
    for frame in range(40):
        pose.frame = frame
        assert finder.settle(finder.look(image), image.shape) is not None
    region = np.array([[600.0, 100.0, 1280.0, 720.0]])
    assert finder.crop == crop_around(region, 0.0, image.shape, pose.aspect)


def test_the_crop_stays_inside_the_image(image) -> None:
    pose = ScenePose()
    pose.keypoints = person_at(1100.0, 300.0)
    finder = RunnerFinder(pose, RunnerSelector())
    finder.find(image)
    x, y, w, h = finder.crop  # type: ignore[misc]
    assert x >= 0 and y >= 0 and x + w <= W and y + h <= H
    assert finder.find(image) is not None


def test_without_the_crop_every_look_is_the_full_frame(image) -> None:
    pose = ScenePose()
    finder = RunnerFinder(pose, RunnerSelector(), crop=False)
    for _ in range(3):
        assert finder.find(image) is not None
    assert finder.crop is None
    assert all(shape == image.shape for shape in pose.shapes)


def test_nobody_in_view_clears_the_crop(image) -> None:
    pose = ScenePose()
    finder = RunnerFinder(pose, RunnerSelector(lost_after=0))
    finder.find(image)
    pose.keypoints = person_at(-1000.0, -1000.0)
    assert finder.find(image) is None
    assert finder.crop is None


class EdgePose(ScenePose):
    """The person wherever its keypoints are, also past the image's edge, as a pose model
    guesses a foot the frame cuts off."""

    def infer(self, image: np.ndarray) -> Detections:
        kp = self.keypoints
        box = np.array([[*kp[:, :2].min(axis=0), *kp[:, :2].max(axis=0)]], np.float32)
        return Detections(kp[None].copy(), box, np.array([0.9], np.float32))


def test_frames_with_a_foot_outside_the_picture_are_counted_and_its_guess_kept(image) -> None:
    pose = EdgePose()
    finder = RunnerFinder(pose, RunnerSelector(), crop=False)
    pose.keypoints = person_at(600.0, 200.0)
    assert finder.find(image) is not None and finder.feet_outside == 0
    pose.keypoints = person_at(600.0, 360.0)  # the ankles (the last rows) below the frame
    assert outside_picture(pose.keypoints, image.shape).tolist() == [False] * 15 + [True] * 2
    cut = finder.find(image)
    assert cut is not None and finder.feet_outside == 1
    np.testing.assert_allclose(cut.keypoints, pose.keypoints)


@pytest.mark.parametrize(
    ("x", "y"), [(0.0, 300.0), (W - 1.0, 300.0), (600.0, 0.0), (600.0, H - 1.0)]
)
def test_a_foot_clamped_to_any_edge_of_the_picture_is_outside_it(x: float, y: float) -> None:
    """The pose model clamps a foot the frame cuts off to the frame's edge."""
    kp = person_at(600.0, 200.0)
    kp[15, :2] = (x, y)
    assert outside_picture(kp, (H, W, 3)).tolist() == [False] * 15 + [True, False]


def test_a_tracks_frames_with_the_feet_out_or_unseen_make_a_steps_figures_guesses() -> None:
    """A track's frames (no runner in some) with a foot outside the picture or both ankles
    unsure (``feet_out``), and the steps half of whose frames, from 0.1 s before the landing
    to the toe-off, are so (``feet_guessed``)."""
    track = np.stack([person_at(600.0, 200.0)] * 5)
    track[1, 15, :2] = (600.0, H + 40.0)  # the refiner's guess of a foot below the frame
    track[2, [15, 16], 2] = 0.2  # neither ankle seen
    track[3] = np.where(np.arange(3) < 2, np.nan, 0.0)  # nobody
    track[4, 16, :2] = (W - 1.0, 300.0)  # the pose model's, clamped to the edge
    assert feet_out(track, (H, W, 3)).tolist() == [False, True, True, False, True]
    times = [i / 30 for i in range(30)]  # a second of frames
    out = [t for t in times if 0.3 <= t < 0.6]
    assert feet_guessed(times, out, ic_t=0.4, to_t=0.65)  # 8 of 10 frames from 0.3 s
    assert not feet_guessed(times, out, ic_t=0.6, to_t=0.9)  # 3 of 13 frames from 0.5 s
    assert not feet_guessed(times, [], ic_t=0.4, to_t=0.65)
    assert not feet_guessed([], [], ic_t=0.4, to_t=0.65)


def test_a_live_runners_feet_leaving_the_picture_are_told_once_and_again_after_a_fix() -> None:
    watch = FramingWatch(window=200, least=100)
    told = [watch.update(True, i % 4 == 0) for i in range(99)]  # a foot out in 1 frame of 4
    assert told == [None] * 99 and watch.update(False, True) is None  # nobody: not counted
    assert watch.problem is None
    message = watch.update(True, True)
    assert message is not None and "or neither was seen, in 26% of the frames" in message
    assert {watch.update(True, i % 4 == 0) for i in range(100)} == {None}  # still so: told once
    assert watch.problem == message  # and shown meanwhile
    assert {watch.update(True, False) for i in range(200)} == {None}  # the camera put right
    assert watch.problem is None
    told = [watch.update(True, True) for _ in range(25)]
    assert told[:19] == [None] * 19 and told[19] is not None  # 20 of 200: a tenth again


def test_frames_showing_neither_foot_count_as_feet_out_of_the_picture(image) -> None:
    # A shot of the head and trunk: the pose model still places both ankles in the picture,
    # unsure of them (a user trial's clip, half of it before a cut to the legs).
    pose = EdgePose()
    finder = RunnerFinder(pose, RunnerSelector(), crop=False)
    pose.keypoints = person_at(600.0, 200.0)
    pose.keypoints[15:17, 2] = [0.2, 0.9]  # one foot unsure, the other seen: counted not
    assert finder.find(image) is not None and finder.feet_outside == 0
    pose.keypoints[15:17, 2] = [0.2, 0.1]
    assert finder.find(image) is not None and finder.feet_outside == 1
