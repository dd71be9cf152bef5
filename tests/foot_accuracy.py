"""How well the foot refiner sees the landing foot, against the motion capture's foot markers.

Each runner of the data set (Fukuchi 2017, CC-BY 4.0) is rendered as the robustness matrix
renders it (``tests.robustness``, cached in ``var/robustness``). At the frame nearest each
contact's initial contact, the refiner runs on the frame, its region placed by the clip's true
keypoints, and the foot it returns nearest the landing ankle is scored against the markers at
that frame's time (``edge.demo.foot_truth``):

* heel: distance to the heel's bottom marker; toe: to the metatarsal heads (the refiner marks
  the tip of the toes, about 5 cm further on), cm on the runner's plane;
* foot angle: the refiner's heel->toe line at landing, minus its median over the runner's
  mid-stance frames (the flat foot, the refiner's standing zero), against the markers' foot
  angle (``edge.gait.foot``): bias and mean absolute error, degrees, and the strike class
  right;
* contact point: the point the refiner's strike picks (heel, toe or halfway), against the
  markers' contact point, forward distance in cm.

    .venv/bin/python -m tests.foot_accuracy
    .venv/bin/python -m tests.foot_accuracy --truth        # the markers' own figures
    .venv/bin/python -m tests.foot_accuracy --model other_landmarks.tflite
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from edge.demo.foot_truth import foot_truth, standing_foot_deg
from edge.demo.mocap import J, standing_trial
from edge.demo.render import DemoClip
from edge.demo.scenario import Scenario
from edge.gait.foot import contact_point, foot_line_deg, strike
from edge.pose.foot import FootRefiner
from edge.pose.models import FOOT_LANDMARKS
from edge.progress import Progress
from edge.skeleton import KP
from tests.gait_accuracy import DATA
from tests.robustness import SECONDS, clip_of, truth_track

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "var" / "models" / FOOT_LANDMARKS.name
RUNNERS = ("RBDS001", "RBDS032", "RBDS0041")
MID_STANCE = (0.4, 0.6)
"""The share of each contact taken as mid-stance, where the foot lies flat on the belt."""


def marker_truth() -> list[str]:
    """Each runner's foot at contact from the markers alone: foot angle and strikes per foot."""
    lines = ["runner    foot   contacts  foot angle (deg)  strikes"]
    for runner in RUNNERS:
        trial = Scenario(runner=runner).recording(DATA)
        rows = foot_truth(trial, standing_trial(DATA, runner))
        for side in ("left", "right"):
            mine = [r for r in rows if r["foot"] == side]
            angle = np.array([r["foot_angle_ic_deg"] for r in mine])
            strikes = Counter(r["foot_strike"] for r in mine)
            lines.append(
                f"{runner:9} {side:6} {len(mine):8}  {angle.mean():+6.1f} sd {angle.std():3.1f}"
                f"     {', '.join(f'{k} {v}' for k, v in strikes.most_common())}"
            )
    return lines


def _frame_foot(
    refiner: FootRefiner, image: np.ndarray, keypoints: np.ndarray, ankle: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """The refiner's (heel, toe) pixels of the foot whose ankle is nearer ``ankle``."""
    feet = refiner.feet(image, keypoints)
    if feet is None:
        return None
    side = min(
        feet, key=lambda s: np.hypot(feet[s]["ankle"].x - ankle[0], feet[s]["ankle"].y - ankle[1])
    )
    return (
        np.array([feet[side]["heel"].x, feet[side]["heel"].y]),
        np.array([feet[side]["toe"].x, feet[side]["toe"].y]),
    )


def score_runner(refiner: FootRefiner, runner: str, seconds: float) -> dict[str, float]:
    """The refiner against the markers on ``runner``'s rendered clip."""
    scenario = Scenario(runner=runner)
    clip: DemoClip = clip_of(scenario, seconds, label=f"{runner} for the foot")
    trial, _ = scenario.sized(scenario.recording(DATA))
    zero = standing_foot_deg(standing_trial(DATA, runner))
    _, keypoints, _ = truth_track(clip)
    camera = clip.camera
    forward = 1.0 if camera.facing == "right" else -1.0
    cm = camera.meters_per_pixel * 100.0

    def plane(p: np.ndarray) -> np.ndarray:
        """Image pixels to forward/up on the runner's plane, in pixels."""
        return np.array([forward * p[0], -p[1]])

    cap = cv2.VideoCapture(str(clip.video))
    bar = Progress(f"foot refiner on {runner}", total=len(clip.ic))
    seen: list[dict] = []
    try:
        for k in range(len(clip.ic)):
            side = clip.foot[k]
            frames = {"ic": round(clip.ic[k] * clip.fps)}
            lo, hi = (clip.ic[k] + f * (clip.to[k] - clip.ic[k]) for f in MID_STANCE)
            frames |= {
                f"mid{j}": i
                for j, i in enumerate(range(round(lo * clip.fps), round(hi * clip.fps) + 1))
            }
            looks = {}
            for name, i in frames.items():
                if i >= clip.frames:
                    continue
                cap.set(cv2.CAP_PROP_POS_FRAMES, i)
                ok, image = cap.read()
                if not ok:
                    continue
                ankle = keypoints[i, KP[f"{side}_ankle"], :2]
                foot = _frame_foot(refiner, image, keypoints[i], ankle)
                if foot is not None:
                    looks[name] = (i, *(plane(p) for p in foot))
            bar.update()
            if "ic" not in looks:
                continue
            i, heel, toe = looks["ic"]
            joints = trial.at(np.array([i / clip.fps]))[0]
            true_heel, true_toe = (
                plane(camera.project(joints[J[f"{side}_{n}"]][None])[0]) for n in ("heel", "toe")
            )
            true_angle = float(foot_line_deg(true_heel, true_toe)) - zero[side]
            seen.append(
                {
                    "heel_cm": float(np.hypot(*(heel - true_heel))) * cm,
                    "toe_cm": float(np.hypot(*(toe - true_toe))) * cm,
                    "line_deg": float(foot_line_deg(heel, toe)),
                    "flat_deg": [
                        float(foot_line_deg(h, t)) for n, (_, h, t) in looks.items() if n != "ic"
                    ],
                    "true_deg": true_angle,
                    "heel": heel,
                    "toe": toe,
                    "true_point": contact_point(true_heel, true_toe, strike(true_angle)),
                }
            )
    finally:
        bar.close()
        cap.release()
    flat = float(np.median([a for s in seen for a in s["flat_deg"]]))
    angle_err, strike_right, foot_err = [], [], []
    for s in seen:
        angle = s["line_deg"] - flat
        angle_err.append(angle - s["true_deg"])
        strike_right.append(strike(angle) == strike(s["true_deg"]))
        point = contact_point(s["heel"], s["toe"], strike(angle))
        foot_err.append((point[0] - s["true_point"][0]) * cm)
    angle_err = np.array(angle_err)
    return {
        "contacts": len(seen),
        "heel_cm": float(np.median([s["heel_cm"] for s in seen])),
        "toe_cm": float(np.median([s["toe_cm"] for s in seen])),
        "angle_bias_deg": float(angle_err.mean()),
        "angle_mae_deg": float(np.abs(angle_err).mean()),
        "strike_right_pct": 100.0 * float(np.mean(strike_right)),
        "contact_point_mae_cm": float(np.abs(foot_err).mean()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.foot_accuracy", description=__doc__)
    parser.add_argument("--truth", action="store_true", help="print the markers' figures only")
    parser.add_argument("--model", type=Path, default=MODEL, help="the landmark model to score")
    parser.add_argument("--only", nargs="+", choices=RUNNERS, default=RUNNERS)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    args = parser.parse_args(argv)
    if args.truth:
        print("\n".join(marker_truth()))
        return 0
    refiner = FootRefiner(args.model)
    rows = []
    try:
        for runner in args.only:
            rows.append((runner, score_runner(refiner, runner, args.seconds)))
    finally:
        refiner.close()
    print(f"foot refiner {args.model.name}, region from the true keypoints, at initial contact")
    print("runner    contacts  heel cm  toe cm  angle bias/MAE deg  strike right  contact point cm")
    for runner, r in rows:
        print(
            f"{runner:9} {r['contacts']:8}  {r['heel_cm']:7.1f} {r['toe_cm']:7.1f}"
            f"  {r['angle_bias_deg']:+8.1f} / {r['angle_mae_deg']:4.1f}"
            f"  {r['strike_right_pct']:10.0f}%  {r['contact_point_mae_cm']:10.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
