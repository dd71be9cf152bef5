"""Treadmill walking with force-plate events: the gait-mode tests' walking material.

``tests/data/walking_si02.npz`` holds 12 s of one person walking on an instrumented treadmill at
about 1.1 m/s (100 Hz), made by ``tools/extract_walking.py`` from the gaitalytics project's test
recording (MIT License, Copyright (c) 2024 André Böni; ``tests/data/walking_si02.LICENSE``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.demo.mocap import JOINT_NAMES, PLATE, MocapTrial

#: the events are Vicon's, moved to a plate's 50 N crossing where one lies within 20 ms (30 of
#: 40 events); the rest keep the marker frame's 10 ms resolution
WALKING_ERROR_MS = 10.0
WALKING = Path(__file__).resolve().parents[1] / "data" / "walking_si02.npz"


def walking_trial() -> MocapTrial:
    """The walking recording as a ``MocapTrial`` (contacts from its force plates)."""
    with np.load(WALKING) as data:
        if tuple(data["joint_names"]) != JOINT_NAMES:
            raise ValueError(f"{WALKING}: joints {tuple(data['joint_names'])}, want {JOINT_NAMES}")
        arrays = {k: np.array(data[k], dtype=np.float64) for k in ("t", "joints", "ic", "to")}
        return MocapTrial(
            fs=float(data["fs"]),
            belt_speed_mps=float(data["belt_speed_mps"]),
            foot=tuple(str(f) for f in data["foot"]),
            pelvis_tilt_deg=np.array(data["pelvis_tilt_deg"], dtype=np.float64),
            runner="SI02 walking",
            contact_source=PLATE,
            contact_error_ms=WALKING_ERROR_MS,
            **arrays,
        )
