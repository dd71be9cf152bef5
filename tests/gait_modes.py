"""How well the gait engine tells running, walking, standing and an empty belt apart.

Each scenario is a keypoint track (``tests.builders.keypoint_tracks``: a side camera, 3 px noise,
swapped labels, far-leg dropouts) of real motion capture, in segments:

* running: Fukuchi 2017 (CC-BY 4.0: Fukuchi RK, Fukuchi CA, Duarte M, PeerJ 5:e3298, doi
  10.7717/peerj.3298), RBDS001 at 2.5 m/s with its force plate, RBDS0041 at 4.6 m/s;
* walking: the treadmill walk of ``edge/demo/data/walking_si02.npz`` (gaitalytics, MIT) at 1.1 m/s;
* standing: the same data set's standing calibration trials (RBDS032, RBDS0041: 10 s each);
* off the belt: frames with nobody in them.

A walk-to-run or run-to-walk scenario is two recordings of two people joined at a frame: a cut,
not a real transition (no motion capture of one at hand), so it measures how fast the engine
follows a change of gait, not how it handles the strides in between. Print the table with:

    .venv/bin/python -m tests.gait_modes

``--lose FPS SHARE`` (repeatable) prints instead the running steps a camera at FPS keeps when it
loses that share of its frames at random (seeds 0-3, 12 s each, the lost frames drawn with seeds
100-103), against the same tracks whole: what the engine's rule of too few frames costs
(``edge.frame_rate.timed_roughly``).
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.demo.mocap import MocapTrial, load_trial, standing_trial, walking_trial
from edge.demo.scene import SideCamera
from edge.gait import GaitEngine, PlaneMapping, Step
from edge.gait.mode import OFF_BELT, RUNNING, STANDING, WALKING
from edge.skeleton import NUM_KEYPOINTS
from tests.builders.keypoint_tracks import synth_track

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fukuchi2017"


@dataclass(frozen=True, slots=True)
class Segment:
    """``seconds`` of one recording (from its start) in one mode; ``source`` None: nobody."""

    mode: str
    seconds: float
    source: str | None = None


SCENARIOS: dict[str, tuple[Segment, ...]] = {
    "running": (Segment(RUNNING, 12.0, "RBDS001"),),
    "walking": (Segment(WALKING, 12.0, "walk"),),
    "standing": (Segment(STANDING, 10.0, "RBDS032 standing"),),
    "off belt": (Segment(RUNNING, 6.0, "RBDS001"), Segment(OFF_BELT, 4.0)),
    "walk to run": (Segment(WALKING, 8.0, "walk"), Segment(RUNNING, 8.0, "RBDS001")),
    "run to walk": (Segment(RUNNING, 8.0, "RBDS0041"), Segment(WALKING, 10.0, "walk")),
    "stand, then run": (
        Segment(STANDING, 6.0, "RBDS032 standing"),
        Segment(RUNNING, 8.0, "RBDS001"),
    ),
    "run, stand, run": (
        Segment(RUNNING, 6.0, "RBDS001"),
        Segment(STANDING, 8.0, "RBDS0041 standing"),
        Segment(RUNNING, 6.0, "RBDS001"),
    ),
    "run, stand, walk": (
        Segment(RUNNING, 6.0, "RBDS001"),
        Segment(STANDING, 8.0, "RBDS0041 standing"),
        Segment(WALKING, 8.0, "walk"),
    ),
    "run, away, walk": (
        Segment(RUNNING, 6.0, "RBDS001"),
        Segment(OFF_BELT, 4.0),
        Segment(WALKING, 8.0, "walk"),
    ),
}


def trial(source: str) -> MocapTrial:
    if source == "walk":
        return walking_trial()
    if source.endswith(" standing"):
        return standing_trial(DATA, source.split()[0])
    return load_trial(DATA, source)


def track(segments: tuple[Segment, ...], fps: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The scenario's frames: (T,) s and (T, 17, 3) keypoints, segment after segment."""
    camera = SideCamera(facing="right")
    times, frames = [], []
    start = 0.0
    for k, segment in enumerate(segments):
        n = round(segment.seconds * fps)
        if segment.source is None:
            kp = np.full((n, NUM_KEYPOINTS, 3), np.nan, np.float32)
            kp[..., 2] = 0.0
        else:
            _, kp = synth_track(trial(segment.source), fps, camera, seed=seed + k)
            if len(kp) < n:
                raise ValueError(f"{segment.source}: {len(kp) / fps:.1f} s, not {segment.seconds}")
            kp = kp[:n]
        times.append(start + np.arange(n) / fps)
        frames.append(kp)
        start += n / fps
    return np.concatenate(times), np.concatenate(frames)


def run(name: str, fps: float = 60.0, seed: int = 0) -> dict[str, float]:
    """One scenario through the engine: per change of mode the time to detect it, the steps
    counted wrong (in the wrong gait, or while standing or away), the walking steps' median
    contact time, the longest step time and the steps given none."""
    segments = SCENARIOS[name]
    t, kp = track(segments, fps, seed)
    camera = SideCamera(facing="right")
    engine = GaitEngine(PlaneMapping.scaled("right", camera.meters_per_pixel))
    steps: list[Step] = []
    modes: list[str | None] = []
    for i in range(len(t)):
        steps += engine.push(float(t[i]), kp[i])
        modes.append(engine.mode)
    steps += engine.finish()
    bounds = np.cumsum([0.0] + [s.seconds for s in segments])
    out: dict[str, float] = {"steps": len(steps), "wrong": 0}
    lags = []
    for k, segment in enumerate(segments):
        inside = [s for s in steps if bounds[k] <= s.ic_t < bounds[k + 1]]
        out["wrong"] += sum(s.gait != segment.mode for s in inside)
        span = (t >= bounds[k]) & (t < bounds[k + 1])
        hit = np.flatnonzero(span & (np.array(modes, dtype=object) == segment.mode))
        lags.append(t[hit[0]] - bounds[k] if len(hit) else math.inf)
        out[f"lag{k}"] = lags[-1]
    walked = [s.contact_ms for s in steps if s.gait == WALKING]
    out["walking_contact_ms"] = float(np.median(walked)) if walked else math.nan
    out["longest_step_ms"] = max((s.step_ms for s in steps if s.step_ms is not None), default=0.0)
    out["untimed"] = sum(s.step_ms is None for s in steps)
    running = [s.cadence_spm for s in steps if s.gait == RUNNING and s.cadence_spm is not None]
    out["least_running_spm"] = min(running, default=math.nan)
    out["worst_lag_s"] = max(lags[1:], default=lags[0])
    out["first_lag_s"] = lags[0]
    return out


def steps_through(t: np.ndarray, kp: np.ndarray) -> list[Step]:
    """The steps the engine hands out of a track, the side camera's scale, facing right."""
    engine = GaitEngine(PlaneMapping.scaled("right", SideCamera(facing="right").meters_per_pixel))
    steps: list[Step] = []
    for i in range(len(t)):
        steps += engine.push(float(t[i]), kp[i])
    return steps + engine.finish()


def kept_losing(fps: float, share: float, seeds: int = 4) -> tuple[int, int]:
    """The running steps handed out of ``seeds`` tracks at ``fps`` losing ``share`` of their
    frames at random, and of the same tracks whole."""
    kept = whole = 0
    for seed in range(seeds):
        t, kp = track(SCENARIOS["running"], fps, seed=seed)
        lost = np.random.default_rng(100 + seed).random(len(t)) < share
        kept += len(steps_through(t[~lost], kp[~lost]))
        whole += len(steps_through(t, kp))
    return kept, whole


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.gait_modes", description=__doc__)
    parser.add_argument("--lose", nargs=2, type=float, action="append", metavar=("FPS", "SHARE"))
    args = parser.parse_args()
    for fps, share in args.lose or ():
        kept, whole = kept_losing(fps, share)
        print(f"{fps:g} fps losing {share:.0%}: {kept} of {whole} steps ({kept / whole:.1%})")
    if args.lose:
        return 0
    print(
        f"{'scenario':18s}{'fps':>5s}{'steps':>7s}{'wrong':>7s}"
        f"{'first mode after':>18s}{'each change after':>20s}"
    )
    for name, segments in SCENARIOS.items():
        for fps in (30.0, 60.0):
            r = run(name, fps)
            changes = ", ".join(
                f"{segments[k].mode} {r[f'lag{k}']:.1f} s" for k in range(1, len(segments))
            )
            print(
                f"{name:18s}{fps:5.0f}{r['steps']:7.0f}{r['wrong']:7.0f}"
                f"{r['first_lag_s']:16.1f} s  {changes or '-'}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
