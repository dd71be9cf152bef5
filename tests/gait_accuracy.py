"""Accuracy of the gait engine against force-plate truth (Fukuchi 2017, CC-BY 4.0).

Data: Fukuchi RK, Fukuchi CA, Duarte M, PeerJ 5:e3298 (2017), doi 10.7717/peerj.3298, CC-BY 4.0.
The 2.5 m/s treadmill run is turned into side-camera keypoint tracks with pose-like faults
(``tests.builders.keypoint_tracks``) and replayed frame by frame through the engine, exactly as
the station would. Print the figures with:

    .venv/bin/python -m tests.gait_accuracy
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from edge.demo.mocap import MocapTrial, load_trial
from edge.demo.scene import SideCamera
from edge.gait import GaitEngine, PlaneMapping, Step
from tests.builders.keypoint_tracks import synth_track, truth_events

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fukuchi2017"
MATCH_S = 0.06
COMPARED = (
    "contact_ms",
    "flight_ms",
    "overstride_cm",
    "overstride_pct_leg",
    "shank_angle_ic_deg",
    "knee_flexion_ic_deg",
    "braking_ms",
    "hip_extension_deg",
    "knee_lift_deg",
    "vertical_osc_cm",
    "stride_length_m",
)


def replay(t: np.ndarray, kp: np.ndarray, mapping: PlaneMapping) -> list[Step]:
    engine = GaitEngine(mapping)
    steps = []
    for i in range(len(t)):
        steps += engine.push(float(t[i]), kp[i])
    return steps + engine.finish()


def evaluate(
    trial: MocapTrial,
    fps: float = 60.0,
    noise_px: float = 3.0,
    swap_fraction: float = 0.05,
    dropout_fraction: float = 0.05,
    facing: str = "right",
    seed: int = 0,
) -> dict[str, float]:
    """Figures of one replay: recall, precision, mean absolute errors, side, cadence."""
    camera = SideCamera(facing=facing)
    t, kp = synth_track(
        trial,
        fps,
        camera,
        noise_px=noise_px,
        swap_fraction=swap_fraction,
        far_dropout_fraction=dropout_fraction,
        seed=seed,
    )
    return score(trial, replay(t, kp, PlaneMapping.scaled(facing, camera.meters_per_pixel)))


def score(trial: MocapTrial, steps: list[Step]) -> dict[str, float]:
    """Steps held against the trial's force plate: recall, precision, side, mean absolute
    errors, cadence."""
    truth = truth_events(trial)
    truth_ic = np.array([s["ic_t"] for s in truth])
    pairs = []
    used: set[int] = set()
    for step in steps:
        j = int(np.argmin(np.abs(truth_ic - step.ic_t)))
        if abs(truth_ic[j] - step.ic_t) <= MATCH_S and j not in used:
            used.add(j)
            pairs.append((step, truth[j]))
    out = {
        "steps_truth": len(truth),
        "steps_found": len(steps),
        "recall": len(pairs) / len(truth),
        "precision": len(pairs) / max(len(steps), 1),
        "side_correct": np.mean([s.foot == tr["foot"] for s, tr in pairs]),
        "ic_mae_ms": 1000 * np.mean([abs(s.ic_t - tr["ic_t"]) for s, tr in pairs]),
        "to_mae_ms": 1000 * np.mean([abs(s.to_t - tr["to_t"]) for s, tr in pairs]),
        "cadence_diff_spm": _mean([s.cadence_spm for s in steps])
        - _mean([tr["cadence_spm"] for tr in truth]),
    }
    for name in COMPARED:
        errors = [
            abs(getattr(s, name) - tr[name])
            for s, tr in pairs
            if getattr(s, name) is not None and tr[name] is not None
        ]
        out[f"{name}_mae"] = float(np.mean(errors)) if errors else float("nan")
        out[f"{name}_n"] = len(errors)
    return out


def _mean(values: list[float | None]) -> float:
    return float(np.mean([v for v in values if v is not None]))


def main() -> int:
    trial = load_trial(DATA)
    cases = [
        {"fps": 60.0, "seed": 0},
        {"fps": 60.0, "seed": 1},
        {"fps": 60.0, "seed": 2, "facing": "left"},
        {"fps": 120.0, "seed": 0},
        {"fps": 30.0, "seed": 0},
        {"fps": 25.0, "seed": 0},
        {"fps": 60.0, "seed": 0, "noise_px": 6.0},
    ]
    rows = [(case, evaluate(trial, **case)) for case in cases]
    keys = list(rows[0][1])
    print(
        "case:".ljust(28)
        + "".join(f"{'/'.join(f'{v}' for v in case.values()):>16s}" for case, _ in rows)
    )
    for key in keys:
        print(f"{key:28s}" + "".join(f"{r[key]:16.3f}" for _, r in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
