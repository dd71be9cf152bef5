"""Extract the treadmill walking trial the gait-mode tests and the rendered walker use, from its
C3D file.

Source: ``tests/treadmill_events.c3d`` of github.com/DART-Lab-LLUI/python-gaitalytics (also in
the PyPI source archive ``gaitalytics==0.2.2``), MIT License, Copyright (c) 2024 André Böni.
Subject "SI02" walking on an instrumented split-belt treadmill, Vicon Plug-in Gait, markers at
100 Hz, two force plates (one under each belt) at 1000 Hz, 12.06 s.

What is kept, in the world frame of ``edge.demo.mocap`` (x forward, y up, z to the runner's
right, metres; origin on the belt under the mean mid-hip): the Plug-in Gait hip, knee and ankle
joint centres (FEP, FEO, TIO), the heel marker (HEE) and the mean of the two metatarsal-head
markers (MT2, MT5) of each side, and the mid-hip. Contacts are the trial's own foot-strike and
foot-off events, each moved to where a plate's vertical force crosses 50 N (the rule used for the
running trial) when that crossing is within 20 ms of it. Written to
``edge/demo/data/walking_si02.npz``, with the licence text beside it in
``edge/demo/data/walking_si02.LICENSE``.

Run once, with a pure-Python C3D reader (not a project dependency)::

    python -m venv /tmp/c3d && /tmp/c3d/bin/pip install numpy c3d
    pip download --no-deps --no-binary :all: gaitalytics==0.2.2 -d /tmp/gaitalytics
    tar xzf /tmp/gaitalytics/gaitalytics-0.2.2.tar.gz -C /tmp/gaitalytics
    /tmp/c3d/bin/python tools/extract_walking.py \\
        /tmp/gaitalytics/gaitalytics-0.2.2/tests/treadmill_events.c3d
"""

from __future__ import annotations

import sys
from pathlib import Path

import c3d  # type: ignore[import-not-found]
import numpy as np

OUT = Path(__file__).resolve().parents[1] / "edge" / "demo" / "data" / "walking_si02.npz"
THRESHOLD_N = 50.0
MIN_CONTACT_S = 0.2
JOINTS = ("hip", "knee", "ankle", "heel", "toe")


def main(path: str) -> int:
    with open(path, "rb") as handle:
        reader = c3d.Reader(handle)
        labels = [s.strip() for s in reader.point_labels]
        analog_labels = [s.strip() for s in reader.analog_labels]
        fs, analog_fs = float(reader.point_rate), float(reader.analog_rate)
        times = reader.get("EVENT:TIMES").float_array
        start_s = (reader.first_frame - 1) / fs
        events = sorted(
            (float(60.0 * m + sec) - start_s, side.strip(), label.strip())
            for (m, sec), side, label in zip(
                times,
                reader.get("EVENT:CONTEXTS").string_array,
                reader.get("EVENT:LABELS").string_array,
                strict=True,
            )
        )
        points, analog = [], []
        for _, p, a in reader.read_frames():
            points.append(p[:, :3])
            analog.append(a)
    xyz = np.array(points) / 1000.0
    forces = np.concatenate(analog, axis=1)

    def marker(name: str) -> np.ndarray:
        # Lab: the subject walks towards -Y, Z is up, so the right-hand side is -X.
        m = xyz[:, labels.index(name)]
        return np.stack([-m[:, 1], m[:, 2], -m[:, 0]], axis=1)

    sides = {}
    for side, s in (("left", "L"), ("right", "R")):
        sides[side] = {
            "hip": marker(f"{s}FEP"),
            "knee": marker(f"{s}FEO"),
            "ankle": marker(f"{s}TIO"),
            "heel": marker(f"{s}HEE"),
            "toe": 0.5 * (marker(f"{s}MT2") + marker(f"{s}MT5")),
        }
    assert np.all(sides["right"]["hip"][:, 2] > sides["left"]["hip"][:, 2]), "z is not rightward"
    mid = 0.5 * (sides["left"]["hip"] + sides["right"]["hip"])
    # Pelvic tilt as edge.demo.mocap measures it: mid-PSIS to mid-ASIS below horizontal.
    d = 0.5 * (marker("LASI") + marker("RASI") - marker("LPSI") - marker("RPSI"))
    tilt = np.degrees(np.arctan2(-d[:, 1], d[:, 0]))
    names = ["mid_hip"] + [
        f"{side}_{j}" for j in ("hip", "knee", "ankle", "heel", "toe") for side in ("left", "right")
    ]
    joints = np.stack([mid] + [sides[n.split("_")[0]][n.split("_")[1]] for n in names[1:]], axis=1)
    joints -= mid.mean(axis=0) * np.array([1.0, 0.0, 1.0])

    # The trial's own gait events (Vicon's, to the marker frame), each moved to the force
    # crossing of either plate within 20 ms of it. A plate alone would not do: on a split belt a
    # foot now and then lands across both belts, and a plate's contact then runs into the next.
    crossings = np.concatenate(
        [
            np.array(_contacts(-forces[analog_labels.index(f"Force.Fz{p}")], analog_fs))
            for p in ("1", "2")
        ]
    )
    contacts = []
    for a, side, label in events:
        if label != "Foot Strike":
            continue
        off = next((b for b, s2, l2 in events if s2 == side and l2 == "Foot Off" and b > a), None)
        if off is not None:
            contacts.append((_snap(a, crossings[:, 0]), _snap(off, crossings[:, 1]), side.lower()))
    ic, to, foot = (np.array(c) for c in zip(*contacts, strict=True))
    snapped = sum(
        np.min(np.abs(crossings[:, k] - v)) < 1e-9 for k, v in ((0, a) for a in ic)
    ) + sum(np.min(np.abs(crossings[:, 1] - b)) < 1e-9 for b in to)
    # The belt's speed: the sole (heel and metatarsal heads) in the middle of each stance,
    # where the foot is flat on the belt and carried by it.
    speeds = []
    for a, b, side in contacts:
        i, j = (round((a + f * (b - a)) * fs) for f in (0.3, 0.7))
        sole = 0.5 * (sides[side]["heel"][:, 0] + sides[side]["toe"][:, 0])
        speeds.append(-(sole[j] - sole[i]) / ((j - i) / fs))
    belt = float(np.median(speeds))
    np.savez_compressed(
        OUT,
        t=np.arange(len(joints)) / fs,
        joints=joints.astype(np.float32),
        joint_names=np.array(names),
        fs=fs,
        ic=ic,
        to=to,
        foot=foot,
        belt_speed_mps=belt,
        pelvis_tilt_deg=tilt.astype(np.float32),
    )
    print(
        f"{OUT}: {len(joints)} frames at {fs:.0f} Hz, {len(ic)} contacts "
        f"({snapped} of {2 * len(ic)} events on a plate's crossing), belt {belt:.2f} m/s"
    )
    return 0


def _snap(t: float, crossings: np.ndarray) -> float:
    """The force crossing nearest ``t`` when within 20 ms of it, else ``t``."""
    k = int(np.argmin(np.abs(crossings - t)))
    return float(crossings[k]) if abs(crossings[k] - t) <= 0.02 else t


def _contacts(fz: np.ndarray, fs: float) -> list[tuple[float, float]]:
    """Complete contacts on one plate: where ``fz`` (N, upward positive) crosses the
    threshold, interpolated; contacts under way at either end are dropped."""
    above = np.concatenate(([False], fz > THRESHOLD_N, [False]))
    edges = np.flatnonzero(np.diff(above.astype(np.int8)))
    out = []
    for start, stop in zip(edges[0::2], edges[1::2] - 1, strict=True):
        if start == 0 or stop >= len(fz) - 1 or (stop - start) / fs < MIN_CONTACT_S:
            continue
        a = start - 1 + (THRESHOLD_N - fz[start - 1]) / (fz[start] - fz[start - 1])
        b = stop + (fz[stop] - THRESHOLD_N) / (fz[stop] - fz[stop + 1])
        out.append((a / fs, b / fs))
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
