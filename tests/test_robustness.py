"""A few capture conditions of ``python -m tests.robustness`` held to issue 18's targets.

Four short clips, rendered at half the demo's size (the pose model looks at the runner crop at
320x256 either way) so the whole module stays near a minute on two cores: 25 fps landscape, a
camera 30 degrees off square at 50 fps, a portrait phone at 30 fps close enough that the
runner's trailing foot leaves the picture, and a walker at 30 fps. Each goes through the chain
``hipdrive analyze`` runs (the configured INT8 pose model, the runner crop, the gait engine)
and its steps are held against the force plate (Fukuchi et al. 2017, PeerJ 5:e3298, CC-BY 4.0;
the walker: the gaitalytics project's treadmill walk, MIT).

The limits are the issue's targets, not today's figures: every step found (>= 98%) and
precise (>= 98%), feet named right (>= 99%), every step told running or walking as the
recording is (>= 98%), initial contact within 10 ms and toe-off within
15 ms on average at 50 fps and more, within one frame at 25-30 fps. A figure known to miss its
target today is marked ``xfail(strict=True)`` with the value measured, so the mark fails the
run the day the figure is fixed and must be removed then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import tests.robustness as robustness
from edge.config import load_config
from edge.demo.mocap import WALKER
from edge.demo.scenario import CAMERA, Scenario
from edge.store.track import KeypointTrackWriter
from tests.robustness import ROOT, Case, Chain, Outcome, run_case, targets, window

SECONDS = 5.0
LONGER = {"walking": 8.0}
"""Clips longer than ``SECONDS``: a walker steps every 0.57 s, so 8 s holds ten contacts."""
_SMALL = replace(CAMERA, image_size=(640, 360), focal_px=CAMERA.focal_px / 2)
CASES = {
    case.name: case
    for case in (
        Case("fps-25", Scenario(camera=_SMALL, fps=25.0)),
        Case("yaw+30", Scenario(camera=replace(_SMALL, yaw_deg=30.0), fps=50.0)),
        Case("walking", Scenario(camera=_SMALL, fps=30.0, runner=WALKER)),
        Case(
            "portrait-crop",
            Scenario(
                camera=replace(
                    _SMALL, image_size=(360, 640), focal_px=700.0, height_m=1.0, forward_m=0.3
                ),
                fps=30.0,
            ),
        ),
    )
}
KNOWN_MISSES: dict[tuple[str, str], str] = {}
"""(case, figure) -> the value measured when it missed its target, for the xfail mark."""


def _params() -> list:
    out = []
    for name, case in CASES.items():
        for target in targets(case):
            reason = KNOWN_MISSES.get((name, target.key))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(name, target.key, marks=marks, id=f"{name}-{target.key}"))
    return out


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Outcome]]:
    """A case's figures, its clip rendered and run through the chain once per module; the pose
    backend is released when the module is done."""
    chain = Chain(load_config(ROOT / "config.toml"))
    root = tmp_path_factory.mktemp("robustness")
    done: dict[str, Outcome] = {}

    def get(name: str) -> Outcome:
        if name not in done:
            done[name] = run_case(CASES[name], chain, LONGER.get(name, SECONDS), root)
        return done[name]

    yield get
    chain.close()


@pytest.mark.slow
@pytest.mark.parametrize(("name", "key"), _params())
def test_meets_the_issue_target(outcome: Callable[[str], Outcome], name: str, key: str) -> None:
    result = outcome(name)
    target = next(t for t in targets(CASES[name]) if t.key == key)
    value = getattr(result, key)
    assert result.steps_truth >= 10
    assert target.met(value), (
        f"{name}: {target.label} {value:.1f}, target {'>=' if target.floor else '<='} "
        f"{target.limit:g} ({result.steps_found} steps reported, {result.steps_truth} contacts)"
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_the_bounce_is_read_within_two_percent_of_the_leg(
    outcome: Callable[[str], Outcome], name: str
) -> None:
    """The vertical oscillation, which has no target in the issue: the rise and fall that
    repeats each step (``step_bounce``), not the pose model's hips shifting with the leg in
    front. On these four cases, 5 December 2026: 0.6-1.2% of the leg off (the bare range:
    0.6-1.6); over the 41 cases of docs/robustness.md 0.3-2.0 (the bare range: 0.5-4.4)."""
    assert outcome(name).vertical_osc <= 2.0


def test_the_scored_window_ends_between_contacts_a_clip_can_report(mocap_trial) -> None:
    truth, start, cut = window(mocap_trial, 6.0)
    assert truth.ic[-1] < 5.0 <= mocap_trial.ic[len(truth.ic)]
    assert truth.ic[-1] < cut < mocap_trial.ic[len(truth.ic)]
    assert 0.0 < start < truth.ic[0] == mocap_trial.ic[0]
    assert len(truth.ic) == len(truth.to) == len(truth.foot) >= 12
    assert truth.foot == mocap_trial.foot[: len(truth.ic)]


def test_a_frame_is_the_event_target_below_50_fps() -> None:
    limits = {t.key: t.limit for t in targets(CASES["fps-25"])}
    assert limits["ic_ms"] == limits["to_ms"] == pytest.approx(40.0)
    limits = {t.key: t.limit for t in targets(CASES["yaw+30"])}
    assert (limits["ic_ms"], limits["to_ms"]) == (10.0, 15.0)
    calibrated = {t.key for t in targets(Case("c", Scenario(), calibrated=True))}
    assert {"overstride", "hip_extension_deg"} <= calibrated
    assert "overstride" not in limits


def test_a_pose_pass_stopped_halfway_leaves_no_track_taken_for_the_clips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A matrix run stopped during a clip's pose pass had left part of its track, which the next
    run took for the clip's (``near-2m-wide``: 7 of 18 steps). The track is made aside and put
    in place once whole."""
    chain = Chain(load_config(ROOT / "config.toml"))
    monkeypatch.setattr(robustness, "RunnerFinder", lambda *args, **kwargs: None)
    monkeypatch.setattr(robustness, "open_refiner", lambda config: None)
    monkeypatch.setattr(Chain, "estimator", None)
    kp = np.full((10, 17, 3), 1.0, np.float32)

    def stopped(video: Path, out_dir: Path, finder: object, timing: object) -> None:
        with KeypointTrackWriter(out_dir / "keypoints.csv") as writer:
            writer.write(0.0, 0, kp[0])
        raise KeyboardInterrupt

    def whole(video: Path, out_dir: Path, finder: object, timing: object) -> None:
        with KeypointTrackWriter(out_dir / "keypoints.csv") as writer:
            for i in range(len(kp)):
                writer.write(i / 60.0, i, kp[i])

    out = tmp_path / "clip" / "setup"
    monkeypatch.setattr(robustness, "analyze_video", stopped)
    with pytest.raises(KeyboardInterrupt):
        chain.track(tmp_path / "clip" / "demo.mp4", out)
    assert not (out / "keypoints.csv").exists()
    monkeypatch.setattr(robustness, "analyze_video", whole)
    t, _, found = chain.track(tmp_path / "clip" / "demo.mp4", out)
    assert len(t) == 10 and found == 1.0
    assert sorted(p.name for p in out.parent.iterdir()) == ["setup"]


def test_a_population_runner_is_a_case_of_its_own_packed_trial() -> None:
    """A runner of the packed population (tests/data/fukuchi2017/population) renders from its
    own trial, read from that folder: ``--population`` runs them, by key and speed."""
    scenario = robustness.CASES["pop-RBDS003-35-30"].scenario
    trial = scenario.recording(robustness.data_of(scenario))
    assert (trial.runner, trial.belt_speed_mps, scenario.fps) == ("RBDS003", 3.5, 30.0)
    assert trial.contact_source == "force plate" and len(trial.ic) > 70
    assert robustness.clip_hash(scenario, 8.0) != robustness.clip_hash(
        replace(scenario, runner="RBDS003-25"), 8.0
    )
    assert {c.name for c in robustness.POPULATION}.isdisjoint(c.name for c in robustness.MATRIX)
    with pytest.raises(ValueError, match="packed trial"):
        Scenario(runner="RBDS003-30")
