"""Accuracy of the gait engine against motion-capture truth (Fukuchi 2017, CC-BY 4.0).

Data: Fukuchi RK, Fukuchi CA, Duarte M, PeerJ 5:e3298 (2017), doi 10.7717/peerj.3298, CC-BY 4.0.
Three treadmill runs (RBDS001 at 2.5 m/s with the force plate; RBDS032 at 2.5 and RBDS0041 at
4.6 m/s with contacts from the foot markers, their belt speeds measured from the feet: RBDS032's
file is named 3.5 m/s, but its feet move back at 2.53 m/s) and three time-scaled from them
(2.0, 3.5 and 6.0 m/s, synthetic: ``edge.demo.mocap.time_scaled``), so 2-6 m/s, are turned into
side-camera keypoint tracks with pose-like faults (``tests.builders.keypoint_tracks``) and
replayed frame by frame through the engine, exactly as the station would, at 25, 30, 60 and
120 fps. Print the table (about 15 s), or part of it, or the marker rule's validation
against the plate, with:

    .venv/bin/python -m tests.gait_accuracy
    .venv/bin/python -m tests.gait_accuracy --only RBDS032 --only synthetic --fps 60
    .venv/bin/python -m tests.gait_accuracy --contacts
    .venv/bin/python -m tests.gait_accuracy --population --fps 60

``--population`` adds 74 more trials with their force plates, 26 runners at 2.5, 3.5 and 4.5 m/s
(``tests.builders.population``; about 70 s a frame rate), and sums them up after the table.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

from edge.demo.mocap import (
    PLATE,
    MocapTrial,
    foot_contacts,
    knee_flexion_deg,
    leg_length_m,
    load_trial,
    time_scaled,
)
from edge.demo.scene import SideCamera
from edge.gait import GaitEngine, PlaneMapping, Step
from edge.gait.metrics import TO_ANKLE_RISE_LEGS
from edge.gait.summary import judged
from tests.builders import population
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
    "scissor_deg",
    "swing_knee_lift_deg",
    "vertical_osc_cm",
    "vertical_osc_pct_leg",
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
    steps = replay(t, kp, PlaneMapping.scaled(facing, camera.meters_per_pixel))
    return score(trial, steps, EDGE_S)


EDGE_S = 0.25
"""A replay scores the contacts that start and end at least this long inside the recording:
the landing is found from the foot's swing before it, the toe-off once the frames after it are
in, so a contact at 0.08 s or ending 30 ms before the recording does cannot be, whatever the
engine (a runner on a treadmill does not start or stop mid-stride)."""


def score(trial: MocapTrial, steps: list[Step], edge_s: float = 0.0) -> dict[str, float]:
    """Steps held against the trial's contacts (plate or markers, ``trial.contact_source``):
    recall, precision, side, mean absolute errors (``contact_ms_mae`` among them), cadence.
    ``<metric>_shown_mae``: the error over the values the station shows and judges the runner
    by, as a summary of the steps together would (``edge.gait.summary.judged``: those confident
    on their step, not the far leg's landing for one, else all).
    Contacts within ``edge_s`` of either end of the recording, and the steps found at them, are
    left out."""
    events = truth_events(trial)
    start, end = float(trial.t[0]) + edge_s, float(trial.t[-1]) - edge_s
    truth = [e for e in events if e["ic_t"] >= start and e["to_t"] <= end]
    left_out = np.array([e["ic_t"] for e in events if e not in truth])
    steps = [s for s in steps if not np.any(np.abs(left_out - s.ic_t) <= MATCH_S)]
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
        shown_steps = {id(s) for s in judged([s for s, _ in pairs], name)[0]}
        shown = [
            abs(getattr(s, name) - tr[name])
            for s, tr in pairs
            if id(s) in shown_steps and tr[name] is not None
        ]
        out[f"{name}_shown_mae"] = float(np.mean(shown)) if shown else float("nan")
    strides = [
        (s.stride_length_m, tr["stride_length_m"])
        for s, tr in pairs
        if s.stride_length_m is not None and tr["stride_length_m"] is not None
    ]
    # The stride length read against the truth's, median of the ratios: with no belt speed
    # given, how far off the belt speed read off the stance ankle is.
    out["stride_ratio"] = float(np.median([a / b for a, b in strides])) if strides else math.nan
    return out


def _mean(values: list[float | None]) -> float:
    return float(np.mean([v for v in values if v is not None]))


PLATES = Path(__file__).with_name("data") / "fukuchi2017"
"""More trials of the data set, with their force plates, in the repository (README there)."""
RUNNERS = ("RBDS001", "RBDS032", "RBDS0041")
"""The trials of ../shared/data/fukuchi2017; those of ``PLATES``: ``PLATE_TRIALS``."""
PLATE_TRIALS = ("RBDS002-25", "RBDS002-45", "RBDS008", "RBDS0041-25")
SYNTHETIC = (("RBDS001", 2.0), ("RBDS001", 3.5), ("RBDS0041", 6.0))
"""Time-scaled trials that stretch the real speeds (2.5, 2.5 and 4.6 m/s) to cover 2-6 m/s."""
FPS = (25.0, 30.0, 60.0, 120.0)
COLUMNS = (
    ("steps", "steps_truth", "{:.0f}"),
    ("found", "steps_found", "{:.0f}"),
    ("recall", "recall", "{:.3f}"),
    ("prec", "precision", "{:.3f}"),
    ("IC ms", "ic_mae_ms", "{:.1f}"),
    ("TO ms", "to_mae_ms", "{:.1f}"),
    ("CT ms", "contact_ms_mae", "{:.1f}"),
    ("ovs cm", "overstride_cm_mae", "{:.2f}"),
    ("hipx deg", "hip_extension_deg_mae", "{:.2f}"),
    ("scissor", "scissor_deg_mae", "{:.2f}"),
    ("side %", "side_correct", "{:.1%}"),
)
"""The table's columns: heading, key of ``score``, format. Errors are mean absolute."""


def trials(data_dir: Path = DATA) -> list[MocapTrial]:
    """The recorded trials and the time-scaled ones, slowest first."""
    real = {runner: load_trial(data_dir, runner) for runner in RUNNERS}
    plates = [load_trial(PLATES, key) for key in PLATE_TRIALS]
    made = [time_scaled(real[runner], speed) for runner, speed in SYNTHETIC]
    return sorted([*real.values(), *plates, *made], key=lambda tr: tr.belt_speed_mps)


TARGETS = (
    ("ic_mae_ms", "initial contact", 8.0),
    ("to_mae_ms", "toe-off", 8.0),
    ("contact_ms_mae", "contact time", 10.0),
)
"""The issue's targets for every runner and speed with a force plate, at 60 fps: key of
``score``, name, mean absolute error, ms."""


SPREAD = (
    ("overstride_cm_mae", "overstride", "cm", 2.0),
    ("hip_extension_deg_mae", "hip extension", "deg", 3.0),
)
"""The figures ``population_summary`` gives with their spread over the trials, with the
issue's targets where calibrated."""


def population_summary(rows: list[tuple[MocapTrial, float, dict[str, float]]]) -> str:
    """Each frame rate's figures over the population's trials (``population``), a line of
    events and one of distances and angles: steps found (all, and the worst trial's share), feet
    named right, and for each event of ``TARGETS`` and figure of ``SPREAD`` the mean over the
    trials of their mean absolute error, its range, the worst trial, and how many miss the
    target."""

    def spread(at: list[tuple[MocapTrial, dict[str, float]]], key: str, unit: str) -> str:
        values = [r[key] for _, r in at]
        worst_trial = max(at, key=lambda pair: pair[1][key])[0]
        return (
            f"{np.mean(values):.1f} {unit} ({min(values):.1f}-{max(values):.1f},"
            f" worst {worst_trial.name}"
        )

    lines = []
    for fps in sorted({fps for _, fps, _ in rows}):
        at = [(trial, r) for trial, f, r in rows if f == fps]
        runners = len({trial.runner for trial, _ in at})
        found = sum(r["steps_found"] for _, r in at) / sum(r["steps_truth"] for _, r in at)
        least = min(r["recall"] for _, r in at)
        side = float(np.mean([r["side_correct"] for _, r in at]))
        events = [f"steps found {found:.2%} (worst trial {least:.1%}), feet right {side:.1%}"]
        for key, name, target in TARGETS:
            over = sum(r[key] > target for _, r in at)
            events.append(f"{name} {spread(at, key, 'ms')}; {over} over {target:g})")
        figures = [
            f"{name} {spread(at, key, unit)}; {sum(r[key] > target for _, r in at)} over"
            f" {target:g})"
            for key, name, unit, target in SPREAD
        ]
        head = f"population at {fps:g} fps, {len(at)} trials of {runners} runners: "
        lines += [head + "; ".join(events), head + "; ".join(figures)]
    return "\n".join(lines)


def table(rows: list[tuple[MocapTrial, float, dict[str, float]]]) -> str:
    """One line per trial and frame rate, with the truth's source (force plate or foot
    markers), its stated error, and whether the trial is synthetic (time-scaled)."""
    head = f"{'trial':27s}{'fps':>5s}" + "".join(f"{h:>9s}" for h, _, _ in COLUMNS)
    lines = [head + "  truth (stated error)"]
    for trial, fps, r in rows:
        cells = "".join(f"{fmt.format(r[key]):>9s}" for _, key, fmt in COLUMNS)
        truth = f"{trial.contact_source} ({trial.contact_error_ms:.1f} ms)" + (
            ", synthetic" if trial.synthetic else ""
        )
        lines.append(f"{trial.name:27s}{fps:5.0f}{cells}  {truth}")
    return "\n".join(lines)


def contact_validation(trial: MocapTrial) -> dict[str, float]:
    """The marker rule (``foot_contacts``) against the trial's force-plate contacts.

    Per event: bias (marker minus plate), mean absolute error, SD and largest absolute error,
    ms, over every plate contact matched by the same foot's marker contact within ``MATCH_S``;
    also the counts, and contacts on a wrong foot.
    """
    assert trial.sole is not None
    ic, to, foot = foot_contacts(trial.sole, trial.fs, trial.belt_speed_mps)
    pairs = [
        (k, int(np.argmin(np.abs(ic - trial.ic[k]))))
        for k in range(len(trial.ic))
        if np.min(np.abs(ic - trial.ic[k])) <= MATCH_S
    ]
    out = {
        "plate": len(trial.ic),
        "markers": len(ic),
        "matched": len(pairs),
        "wrong_foot": sum(foot[j] != trial.foot[k] for k, j in pairs),
    }
    errors = {
        "ic": [ic[j] - trial.ic[k] for k, j in pairs],
        "to": [to[j] - trial.to[k] for k, j in pairs],
        "contact": [(to[j] - ic[j]) - (trial.to[k] - trial.ic[k]) for k, j in pairs],
    }
    for name, e in errors.items():
        ms = 1000.0 * np.array(e)
        out[f"{name}_bias_ms"] = float(ms.mean())
        out[f"{name}_mae_ms"] = float(np.abs(ms).mean())
        out[f"{name}_sd_ms"] = float(ms.std())
        out[f"{name}_max_ms"] = float(np.abs(ms).max())
    return out


RISES = (0.11, TO_ANKLE_RISE_LEGS, 0.13)
"""Ankle rises (leg lengths) ``toe_off_signs`` times, the engine's in the middle."""


def toe_off_signs(trial: MocapTrial) -> dict[str, float]:
    """The two signs of toe-off the engine takes, on the trial's true joints at the motion
    capture's rate, against its toe-offs (sign minus toe-off, mean and SD over the contacts, ms):
    the knee's extension peak within 0.13 s of the toe-off (``knee``), and the ankle rising
    through each of ``RISES`` leg lengths above its height in the middle third of the contact
    (``rise_0.12`` and so on). The evidence for ``TO_ANKLE_RISE_LEGS``."""
    t, fs, leg = trial.t, trial.fs, leg_length_m(trial)
    found: dict[str, list[float]] = {"knee": [], **{f"rise_{r:.2f}": [] for r in RISES}}
    for k in range(1, len(trial.ic) - 1):
        side = trial.foot[k]
        hip, knee, ankle = (trial.joint(f"{side}_{j}") for j in ("hip", "knee", "ankle"))
        i0, i1 = round(trial.ic[k] * fs), round(trial.to[k] * fs)
        near = slice(i1 - round(0.13 * fs), i1 + round(0.13 * fs))
        flexion = knee_flexion_deg(hip[near], knee[near], ankle[near])
        found["knee"].append(t[near][int(np.argmin(flexion))] - trial.to[k])
        third = (i1 - i0) // 3
        y = ankle[:, 1]
        risen = (y - np.median(y[i0 + third : i1 - third])) / leg
        after = np.arange(i0 + (i1 - i0) // 2, i1 + round(0.2 * fs))
        for r in RISES:
            up = after[:-1][(risen[after[:-1]] < r) & (risen[after[1:]] >= r)]
            if len(up):
                j = int(up[0])
                when = t[j] + (r - risen[j]) / (risen[j + 1] - risen[j]) / fs
                found[f"rise_{r:.2f}"].append(when - trial.to[k])
    out = {}
    for name, lags in found.items():
        ms = 1000.0 * np.array(lags)
        out[f"{name}_mean_ms"], out[f"{name}_sd_ms"] = float(ms.mean()), float(ms.std())
    return out


def marker_figures(trial: MocapTrial) -> dict[str, float]:
    """Plausibility of a trial's contacts: counts, alternation, contact time, cadence, and the
    steps counted independently from the heels' height (each foot's upward crossings of its
    median height between the first and last contact: one per step, so one fewer than the
    contacts when none is missing or extra)."""
    feet = np.array(trial.foot)
    contact = 1000.0 * (trial.to - trial.ic)
    heel_strides = 0
    for side in ("left", "right"):
        y = trial.joint(f"{side}_heel")[:, 1]
        up = trial.t[1:][(y[:-1] < np.median(y)) & (y[1:] >= np.median(y))]
        heel_strides += int(np.sum((up > trial.ic[0]) & (up < trial.ic[-1])))
    return {
        "contacts": len(trial.ic),
        "heel_strides": heel_strides,
        "repeats": int(np.sum(feet[1:] == feet[:-1])),
        "contact_min_ms": float(contact.min()),
        "contact_median_ms": float(np.median(contact)),
        "contact_max_ms": float(contact.max()),
        "cadence_spm": float(60.0 * (len(trial.ic) - 1) / (trial.ic[-1] - trial.ic[0])),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="keep the trials whose name holds TEXT (e.g. RBDS032, 6.0, synthetic)",
    )
    parser.add_argument("--fps", type=float, action="append", help="frame rates (default: all)")
    parser.add_argument(
        "--population",
        action="store_true",
        help="add the 74 packed trials of 26 runners with their force plates, and sum them up",
    )
    parser.add_argument(
        "--toe-off-signs",
        action="store_true",
        help="print the knee's and the ankle's toe-off signs against every recorded trial",
    )
    parser.add_argument(
        "--contacts",
        action="store_true",
        help="print the marker rule against every force plate and its figures on every trial",
    )
    args = parser.parse_args(argv)
    more = [population.read(key) for key in population.trial_keys()] if args.population else []
    chosen = [
        tr for tr in [*trials(), *more] if not args.only or any(o in tr.name for o in args.only)
    ]
    if args.toe_off_signs:
        for tr in chosen:
            if tr.synthetic:
                continue
            f = toe_off_signs(tr)
            print(
                f"{tr.name:18s} {tr.contact_source:12s} sign minus toe-off, mean (SD) ms: "
                + "  ".join(
                    f"{name} {f[f'{name}_mean_ms']:+6.1f} ({f[f'{name}_sd_ms']:4.1f})"
                    for name in ("knee", *(f"rise_{r:.2f}" for r in RISES))
                )
            )
        return 0
    if args.contacts:
        plates = [tr for tr in chosen if tr.contact_source == PLATE and not tr.synthetic]
        for plate in plates:
            v = contact_validation(plate)
            print(
                f"marker rule vs {plate.name} force plate: {v['matched']}/{v['plate']} contacts"
                f" matched, {v['markers']} found, {v['wrong_foot']} on the wrong foot"
            )
            for name in ("ic", "to", "contact"):
                print(
                    f"  {name:8s}"
                    + "  ".join(
                        f"{k} {v[f'{name}_{k}_ms']:+6.1f}"
                        if k == "bias"
                        else f"{k} {v[f'{name}_{k}_ms']:5.1f}"
                        for k in ("bias", "mae", "sd", "max")
                    )
                    + " ms"
                )
        for tr in chosen:
            f = marker_figures(tr)
            print(
                f"{tr.name:24s} {tr.contact_source}: {f['contacts']} contacts"
                f" ({f['heel_strides']} heel rises between), {f['repeats']} same foot twice,"
                f" contact {f['contact_min_ms']:.0f}/{f['contact_median_ms']:.0f}"
                f"/{f['contact_max_ms']:.0f} ms min/median/max, {f['cadence_spm']:.1f} spm"
            )
        return 0
    rows = [(tr, fps, evaluate(tr, fps=fps)) for tr in chosen for fps in args.fps or FPS]
    print(table(rows))
    if more:
        print(population_summary([row for row in rows if any(row[0] is tr for tr in more)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
