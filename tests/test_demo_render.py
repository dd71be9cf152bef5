"""The rendered demo clip and the scenarios it is varied in: video, truth beside it, caching,
the camera's geometry, and the real pose model on it.

Motion: Fukuchi RK, Fukuchi CA, Duarte M, PeerJ 5:e3298 (2017), doi 10.7717/peerj.3298, CC-BY 4.0.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import pytest

import edge.demo.render as render
from edge.cli import main
from edge.demo.mocap import DATA_DIR, load_trial, time_scaled, truth_steps, walking_trial
from edge.demo.render import DemoClip, attribution, ensure_demo, load_demo, render_demo
from edge.demo.scenario import CAMERA, Look, Scenario
from edge.demo.scene import UpperBody, resized, world_keypoints
from edge.demo.session import ClipTruth
from edge.skeleton import KP
from tests.builders.media import read_frames

SECONDS, FPS = 2.0, 60.0
SAMPLE_EVERY = 6
"""Frames given to the pose model: every 6th of the 120, i.e. 20 across a bit over 2 strides."""
MAX_MEAN_ERROR_PCT = {"hip": 3.0, "knee": 5.0, "ankle": 8.0}
"""Bounds on the mean keypoint error, % of body height (543 px). Measured on the full clip:
hips ~1.2%, knees ~2.5%, ankles ~5% (the swinging leg's ankle is the hardest)."""


@pytest.fixture(scope="module")
def clip(demo_clip: DemoClip) -> DemoClip:
    assert (demo_clip.frames, demo_clip.fps) == (round(SECONDS * FPS), FPS)
    return demo_clip


@dataclass(frozen=True, slots=True)
class PoseScore:
    """A pose model on a demo clip against its truth.

    frames: frames scored; found: frames where it found a person (the highest score is taken);
    swapped: found frames whose left/right leg labels fit the truth better exchanged.
    errors: per leg keypoint name, (found,) float64 pixel errors with each frame's better leg
    labelling (the gait engine fixes leg identity); as_labelled: the same, labels as given.
    """

    frames: int
    found: int
    swapped: int
    errors: dict[str, np.ndarray]
    as_labelled: dict[str, np.ndarray]


def score_pose(clip: DemoClip, estimator, every: int = 1) -> PoseScore:
    """Run ``estimator`` (a PoseEstimator) on every ``every``-th frame of ``clip``."""
    joints, sides = ("hip", "knee", "ankle"), ("left", "right")
    names = [f"{side}_{joint}" for joint in joints for side in sides]
    mirror = [f"{other}_{joint}" for joint in joints for other in reversed(sides)]
    best: dict[str, list[float]] = {name: [] for name in names}
    labelled: dict[str, list[float]] = {name: [] for name in names}
    frames = found = swapped = 0
    cap = cv2.VideoCapture(str(clip.video))
    for k in range(clip.frames):
        ok, image = cap.read()
        if not ok or k % every:
            continue
        frames += 1
        detections = estimator.infer(image)
        if len(detections) == 0:
            continue
        found += 1
        kp = detections.keypoints[int(np.argmax(detections.scores))]
        true = clip.keypoints[k]
        direct = [float(np.hypot(*(kp[KP[n], :2] - true[KP[n]]))) for n in names]
        exchanged = [
            float(np.hypot(*(kp[KP[n], :2] - true[KP[m]])))
            for n, m in zip(names, mirror, strict=True)
        ]
        swap = sum(exchanged) < sum(direct)
        swapped += int(swap)
        for name, d, e in zip(names, direct, exchanged, strict=True):
            labelled[name].append(d)
            best[name].append(e if swap else d)
    cap.release()
    return PoseScore(
        frames,
        found,
        swapped,
        {name: np.array(v) for name, v in best.items()},
        {name: np.array(v) for name, v in labelled.items()},
    )


def test_vendored_trial_is_the_shared_one(mocap_trial, fukuchi_dir: Path) -> None:
    assert {p.name for p in DATA_DIR.iterdir()} >= {
        "RBDS001runT25markers.txt.gz",
        "RBDS001runT25forces.txt.gz",
        "RBDS001static.txt.gz",
        "walking_si02.npz",
        "walking_si02.LICENSE",
        "README.md",
    }
    assert "CC-BY 4.0" in (DATA_DIR / "README.md").read_text(encoding="utf-8")
    vendored = load_trial()
    np.testing.assert_array_equal(vendored.joints, mocap_trial.joints)
    np.testing.assert_array_equal(vendored.ic, mocap_trial.ic)
    assert vendored.foot == mocap_trial.foot


def test_video_reads_back_with_its_size_rate_and_frame_count(clip: DemoClip) -> None:
    cap = cv2.VideoCapture(str(clip.video))
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(FPS)
    cap.release()
    frames = read_frames(clip.video)
    assert len(frames) == clip.frames == round(SECONDS * FPS)
    assert {f.shape for f in frames} == {(720, 1280, 3)}
    assert clip.camera.image_size == (1280, 720)
    # Neither blank nor frozen: the runner moves between frames.
    assert frames[0].std() > 20
    assert np.abs(frames[30].astype(int) - frames[0].astype(int)).mean() > 1.0


def test_truth_matches_the_trial_and_the_camera(clip: DemoClip) -> None:
    np.testing.assert_allclose(clip.t, np.arange(clip.frames) / FPS)
    assert clip.keypoints.shape == (clip.frames, 17, 2)
    expected = clip.camera.project(world_keypoints(load_trial(), clip.t))
    np.testing.assert_allclose(clip.keypoints, expected, atol=0.01)
    w, h = clip.camera.image_size
    assert np.all((clip.keypoints >= 0) & (clip.keypoints < (w, h)))
    assert clip.camera.meters_per_pixel == pytest.approx(3.0 / 900.0)
    assert clip.body_height_px == pytest.approx(543.0)
    assert clip.belt_speed_mps == 2.5 and clip.camera.facing == "right"
    # The handrail passes in front of the hips over part of the stride, and of nothing else.
    assert clip.hidden.shape == (clip.frames, 17)
    hips = clip.hidden[:, [KP["left_hip"], KP["right_hip"]]]
    assert 0.1 < hips.mean() < 0.9
    assert not np.delete(clip.hidden, [KP["left_hip"], KP["right_hip"]], axis=1).any()


def test_truth_events_lie_inside_the_clip(clip: DemoClip) -> None:
    assert len(clip.ic) == len(clip.to) == len(clip.foot) >= 4
    assert np.all((clip.ic >= 0) & (clip.to <= clip.t[-1]) & (clip.ic < clip.to))
    assert all(a != b for a, b in zip(clip.foot, clip.foot[1:], strict=False))
    assert [s["ic_t"] for s in clip.steps] == clip.ic.tolist()
    assert [s["foot"] for s in clip.steps] == list(clip.foot)
    assert all(200 < s["contact_ms"] < 320 for s in clip.steps)


def test_truth_file_carries_the_attribution(clip: DemoClip) -> None:
    truth = json.loads(clip.truth_file.read_text(encoding="utf-8"))
    assert "CC-BY 4.0" in truth["attribution"]
    assert "10.7717/peerj.3298" in truth["attribution"]
    assert "runner RBDS001 at 2.5 m/s" in truth["attribution"]
    assert truth["camera"]["meters_per_pixel"] == pytest.approx(clip.camera.meters_per_pixel)


def test_a_clip_of_another_recording_credits_that_one(fukuchi_dir) -> None:
    """A user trial found the walker's truth file crediting runner RBDS001 at 2.5 m/s."""
    walker = attribution(walking_trial())
    assert "gaitalytics" in walker and "MIT License" in walker and "Fukuchi" not in walker
    fast = attribution(time_scaled(load_trial(fukuchi_dir, "RBDS0041"), 6.0))
    assert "runner RBDS0041 at 6.0 m/s, time-scaled" in fast and "CC-BY 4.0" in fast
    assert "events from the foot markers" in fast


@pytest.mark.slow
def test_the_pose_model_finds_the_runner_on_the_joints(clip: DemoClip, ultralytics_pose) -> None:
    score = score_pose(clip, ultralytics_pose, every=SAMPLE_EVERY)
    assert score.frames == 20
    assert score.found >= 0.95 * score.frames
    for joint, bound in MAX_MEAN_ERROR_PCT.items():
        pooled = np.concatenate([score.errors[f"{side}_{joint}"] for side in ("left", "right")])
        mean_pct = 100 * pooled.mean() / clip.body_height_px
        assert mean_pct < bound, f"{joint}: mean error {mean_pct:.1f}% of body height"


def test_ensure_demo_renders_once_and_again_when_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = render.render_demo

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(render, "render_demo", counting)
    first = ensure_demo(tmp_path, seconds=0.25)
    assert first.video == tmp_path / "demo" / "demo.mp4" and len(calls) == 1
    again = ensure_demo(tmp_path, seconds=0.25)
    assert len(calls) == 1 and again.renderer == first.renderer
    truth = json.loads(first.truth_file.read_text(encoding="utf-8"))
    truth["renderer"] = "an older renderer"
    first.truth_file.write_text(json.dumps(truth), encoding="utf-8")
    ensure_demo(tmp_path, seconds=0.25)
    assert len(calls) == 2
    ensure_demo(tmp_path, seconds=0.5)
    assert len(calls) == 3
    assert 15 <= load_demo(tmp_path / "demo").frames <= 30


def test_the_demo_loops_without_a_seam(tmp_path: Path) -> None:
    """The looping demo ends where its recording is back where it began: from its last frame
    into its first the legs move as from one frame to the next, not jump across the stride (a
    step nobody took at every loop). The contact that lands before its end and takes off in the
    next loop is in its truth as a contact of the loop."""
    trial = load_trial()
    fps = 60.0
    frames = render.loop_frames(trial, UpperBody(), fps, 20.0)
    assert 20.0 - render.LOOP_SEARCH_S <= frames / fps <= 20.0

    def legs(n: np.ndarray) -> np.ndarray:
        return world_keypoints(trial, n / fps)[:, render._LEG_KEYPOINTS]

    def jump(n: int) -> float:
        """Root mean square of the legs' move from frame n-1 into frame 0, metres."""
        last, first = legs(np.array([n - 1, 0]))
        return float(np.sqrt(np.mean(np.sum((first - last) ** 2, -1))))

    step = np.sqrt(np.mean(np.sum(np.diff(legs(np.arange(360)), axis=0) ** 2, -1), -1))
    assert jump(frames) <= 1.5 * np.median(step)
    assert jump(1200) > 2 * np.median(step)  # cut where asked, it jumps

    clip = render_demo(tmp_path / "demo", seconds=1.0, progress=False)
    truth = ClipTruth.of(clip)
    assert len(truth.ic) == len(truth.steps) == len(clip.ic) + len(clip.seam_steps)


@pytest.mark.parametrize("seconds", [20.0, 30.0])
@pytest.mark.parametrize("fps", [25.0, 30.0, 50.0, 60.0])
def test_a_looping_clips_truth_holds_each_landing_once(fps: float, seconds: float) -> None:
    """Over three loops of the clip's truth with its seam's steps, the landings alternate feet
    one step apart: none lost at a seam (at 30 fps a landing 2 ms after the cut had been), none
    twice, and the seam's own landing has its plate events (cut at 30 s, the recording ended
    before its toe-off)."""
    scenario = replace(render.DEMO, fps=fps)
    trial, body = scenario.sized(scenario.recording())
    frames = render.loop_frames(trial, body, fps, seconds)
    t = np.arange(frames) / fps
    blank = np.zeros((frames, 17, 2))
    truth = render._truth(trial, scenario, t, blank, blank[..., 0] > 0, "", loop=True)
    steps = truth["steps"] + truth["seam_steps"]
    assert truth["seam_steps"] and all(s["to_t"] > t[-1] for s in truth["seam_steps"])
    period = frames / fps
    landings = sorted((s["ic_t"] + k * period, s["foot"]) for k in range(3) for s in steps)
    gaps = np.diff([ic for ic, _ in landings])
    assert np.all((gaps > 0.6 * np.median(gaps)) & (gaps < 1.4 * np.median(gaps)))
    assert all(a[1] != b[1] for a, b in itertools.pairwise(landings))


def test_a_clip_longer_than_the_recording_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="length of the recording"):
        render_demo(tmp_path / "demo", seconds=40.0, progress=False)
    assert not (tmp_path / "demo").exists()


def test_demo_render_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "clip"
    assert main(["demo", "--render", "--out", str(out), "--seconds", "0.1"]) == 0
    frames = load_demo(out).frames
    assert f"{frames} frames, 1280x720 at 60 fps" in capsys.readouterr().out
    assert 3 <= frames <= 6  # cut to loop
    assert main(["demo", "--render", "--out", str(out), "--seconds", "45"]) == 2
    assert "length of the recording" in capsys.readouterr().err


def test_the_demo_keeps_its_identity_as_the_default_scenario() -> None:
    # The demo clip cached on every machine is found again by this hash: a scenario field
    # added at its default value must not change it.
    assert render.renderer_hash(20.0, 60.0) == "34c7d9ba27cb8c31"
    assert Scenario().changes() == {}
    assert render.clip_hash(Scenario(), 20.0, loop=True) == render.renderer_hash(20.0, 60.0)
    turned = Scenario(camera=replace(CAMERA, yaw_deg=15.0))
    assert set(turned.changes()) == {"camera"} and turned.changes()["camera"]["yaw_deg"] == 15.0
    hashes = {
        render.clip_hash(s, 20.0)
        for s in (Scenario(), turned, Scenario(passer=True), Scenario(look=Look(skin=(1, 2, 3))))
    }
    assert len(hashes) == 4


@pytest.mark.parametrize("facing", ["left", "right"])
@pytest.mark.parametrize(("yaw", "pitch"), [(0.0, 0.0), (15.0, 0.0), (-30.0, 8.0), (30.0, -7.0)])
def test_a_turned_camera_maps_the_runner_plane_both_ways(
    facing: str, yaw: float, pitch: float
) -> None:
    camera = replace(CAMERA, facing=facing, yaw_deg=yaw, pitch_deg=pitch)
    w, h = camera.image_size
    aim = np.array([camera.forward_m, camera.height_m, 0.0])
    if pitch == 0.0:
        np.testing.assert_allclose(camera.project(aim), (w / 2, h / 2), atol=1e-9)
    rng = np.random.default_rng(0)
    plane = np.column_stack([rng.uniform(-0.8, 0.8, 50), rng.uniform(0, 1.9, 50), np.zeros(50)])
    pixels = camera.project(plane)
    np.testing.assert_allclose(camera.to_plane(pixels), plane[:, :2], atol=1e-9)
    belt = plane * [1.0, 0.0, 0.0] + [0.0, 0.0, 0.2]
    ground, depth = camera.on_level(camera.project(belt))
    np.testing.assert_allclose(ground, belt, atol=1e-9)
    np.testing.assert_allclose(depth, camera.depth(belt), atol=1e-9)
    # Turned towards the runner's front, the camera sees a forward step shorter in the picture.
    if yaw and pitch == 0.0:
        square = replace(camera, yaw_deg=0.0)
        step = np.array([[0.0, 1.0, 0.0], [0.3, 1.0, 0.0]])
        assert np.ptp(camera.project(step)[:, 0]) < np.ptp(square.project(step)[:, 0])


def test_a_scenario_clip_has_its_camera_size_and_truth(tmp_path: Path) -> None:
    camera = replace(CAMERA, image_size=(360, 640), focal_px=700.0, yaw_deg=-15.0, facing="left")
    scenario = Scenario(
        camera=camera, fps=30.0, handrail=False, passer=True, scale=0.9, body=UpperBody()
    )
    clip = render.render_clip(tmp_path / "clip", scenario, 0.2, progress=False)
    assert clip.camera == camera and clip.frames == 6 and clip.fps == 30.0
    assert {f.shape for f in read_frames(clip.video)} == {(640, 360, 3)}
    trial, body = scenario.sized(load_trial())
    expected = camera.project(world_keypoints(trial, clip.t, body))
    np.testing.assert_allclose(clip.keypoints, expected, atol=0.01)
    assert not clip.hidden.any()  # no handrail in front of the hips
    assert clip.belt_speed_mps == pytest.approx(2.25)
    assert clip.body_height_m == pytest.approx(0.9 * render.BODY_HEIGHT_M)
    assert clip.renderer == render.clip_hash(scenario, 0.2)


def test_a_resized_runner_keeps_the_force_plate_and_scales_the_distances(mocap_trial) -> None:
    small = resized(mocap_trial, 0.9)
    np.testing.assert_array_equal(small.ic, mocap_trial.ic)
    assert small.belt_speed_mps == pytest.approx(0.9 * mocap_trial.belt_speed_mps)
    before, after = truth_steps(mocap_trial)[5], truth_steps(small)[5]
    assert after["overstride_cm"] == pytest.approx(0.9 * before["overstride_cm"])
    assert after["hip_extension_deg"] == pytest.approx(before["hip_extension_deg"])


def test_the_passer_crosses_the_room_behind_the_runner(mocap_trial) -> None:
    scenario = Scenario(noise_sigma=0.0)
    alone = render._Renderer(mocap_trial, scenario).frame(1.0).astype(int)
    passed = render._Renderer(mocap_trial, replace(scenario, passer=True)).frame(1.0).astype(int)
    changed = np.argwhere(np.abs(passed - alone).max(axis=2) > 20)
    runner_u = CAMERA.project(world_keypoints(mocap_trial, np.array([1.0])))[0, :, 0]
    assert len(changed) > 2000
    # At 1 s the passer is 2.5 m behind the runner's hips along the room, to the left.
    assert np.median(changed[:, 1]) < runner_u.min()


def test_the_neighbour_runs_behind_the_runner_smaller(mocap_trial) -> None:
    scenario = Scenario(noise_sigma=0.0)
    alone = render._Renderer(mocap_trial, scenario).frame(1.0).astype(int)
    beside = render._Renderer(mocap_trial, replace(scenario, neighbour=True)).frame(1.0)
    changed = np.argwhere(np.abs(beside.astype(int) - alone).max(axis=2) > 20)
    runner = CAMERA.project(world_keypoints(mocap_trial, np.array([1.0])))[0]
    assert len(changed) > 2000
    # Further from the camera, so within the runner's height in the picture, and behind them.
    rows = np.ptp(changed[:, 0])
    assert rows < 0.9 * np.ptp(runner[:, 1])
    assert runner[:, 0].min() < np.median(changed[:, 1]) < runner[:, 0].max() + 100


def test_a_scenario_states_which_value_is_wrong() -> None:
    with pytest.raises(ValueError, match="exposure_s"):
        Scenario(fps=30.0, exposure_s=1 / 20)
    with pytest.raises(ValueError, match="room"):
        Scenario(room="garage")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="yaw_deg"):
        replace(CAMERA, yaw_deg=75.0)
