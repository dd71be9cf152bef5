"""The foot refiner: BlazePose's heel and toe, placed by the station's keypoints, on real frames.

The real landmark model (fetched by ``make test``) runs on frames of the rendered demo clip
(Fukuchi 2017, CC-BY 4.0); no mock stands in for it.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.demo.mocap import J, load_trial
from edge.demo.scenario import Scenario
from edge.errors import MissingResourceError
from edge.pose.foot import INPUT_PX, FootPoint, FootRefiner, body_region
from edge.pose.models import FOOT_LANDMARKS
from edge.skeleton import KP, NUM_KEYPOINTS

MODEL = Path(__file__).resolve().parents[1] / "var" / "models" / FOOT_LANDMARKS.name


def upright_person(lean_deg: float) -> np.ndarray:
    """COCO keypoints of a person 500 px tall whose body leans ``lean_deg`` (to image right)."""
    kp = np.zeros((NUM_KEYPOINTS, 3))
    kp[:, 2] = 0.9
    hip = np.array([600.0, 400.0])
    up = np.array([math.sin(math.radians(lean_deg)), -math.cos(math.radians(lean_deg))])
    for name, along in (("hip", 0.0), ("shoulder", 160.0), ("knee", -120.0), ("ankle", -240.0)):
        for side in ("left", "right"):
            kp[KP[f"{side}_{name}"], :2] = hip + along * up
    kp[KP["nose"], :2] = hip + 240.0 * up
    return kp


@pytest.mark.parametrize("lean_deg", [0.0, 12.0, -20.0])
def test_the_region_stands_the_body_upright_and_holds_it(lean_deg: float) -> None:
    kp = upright_person(lean_deg)
    region = body_region(kp)
    assert region is not None
    to_input = region.to_input()
    seen = kp[:, :2] @ to_input[:, :2].T + to_input[:, 2]
    hip = seen[KP["left_hip"]]
    shoulder = seen[KP["left_shoulder"]]
    assert hip == pytest.approx([INPUT_PX / 2, INPUT_PX / 2], abs=1e-6)
    assert shoulder[0] == pytest.approx(hip[0], abs=1e-6) and shoulder[1] < hip[1]
    assert np.all((seen > 0) & (seen < INPUT_PX))


def test_no_region_without_a_hip_and_a_shoulder() -> None:
    kp = upright_person(0.0)
    kp[[KP["left_shoulder"], KP["right_shoulder"]], 2] = 0.1
    assert body_region(kp) is None


def test_a_missing_model_says_how_to_fetch_it(tmp_path: Path) -> None:
    with pytest.raises(MissingResourceError, match="hipdrive model fetch"):
        FootRefiner(tmp_path / "nothing.tflite")


def test_heels_and_toes_on_demo_frames(demo_clip) -> None:
    """Swapped legs aside (BlazePose, like any model, takes one for the other at times from the
    side), each point against the motion capture: heel = the heel's bottom marker, toe = the
    metatarsal heads (BlazePose marks the tip of the toes, ~5 cm further on), ankle = the joint
    centre. Measured on the 2 s demo clip's 12 frames: median 6-9 cm."""
    refiner = FootRefiner(MODEL)
    trial, _ = Scenario(fps=demo_clip.fps).sized(load_trial())
    camera = demo_clip.camera
    cap = cv2.VideoCapture(str(demo_clip.video))
    errors: dict[str, list[float]] = {"heel": [], "toe": [], "ankle": []}
    try:
        for k in range(0, demo_clip.frames, 10):
            cap.set(cv2.CAP_PROP_POS_FRAMES, k)
            ok, image = cap.read()
            assert ok
            kp = np.concatenate([demo_clip.keypoints[k], np.full((NUM_KEYPOINTS, 1), 0.9)], 1)
            feet = refiner.feet(image, kp)
            assert feet is not None
            joints = trial.at(np.array([demo_clip.t[k]]))[0]
            off = {
                (m, t, n): _distance(feet[m][n], camera.project(joints[J[f"{t}_{n}"]][None])[0])
                for m in ("left", "right")
                for t in ("left", "right")
                for n in errors
            }
            straight = sum(off[s, s, n] for s in ("left", "right") for n in errors)
            crossed = sum(
                off[s, o, n] for s, o in (("left", "right"), ("right", "left")) for n in errors
            )
            pairs = (
                (("left", "right"), ("right", "left"))
                if crossed < straight
                else (("left", "left"), ("right", "right"))
            )
            for model_side, true_side in pairs:
                for name in errors:
                    errors[name].append(off[model_side, true_side, name])
    finally:
        cap.release()
        refiner.close()
    cm = camera.meters_per_pixel * 100.0
    medians = {name: float(np.median(e)) * cm for name, e in errors.items()}
    assert medians["ankle"] < 10.0, medians
    assert medians["heel"] < 13.0, medians
    assert medians["toe"] < 12.0, medians


def _distance(point: FootPoint, truth: np.ndarray) -> float:
    return float(np.hypot(point.x - truth[0], point.y - truth[1]))
