"""Ground truth from real treadmill running: joint centres from markers, contacts from the plate
or, where a trial has none, from the foot markers.

Data: Fukuchi RK, Fukuchi CA, Duarte M. "A public data set of running biomechanics and the effects
of running speed on lower extremity kinematics and kinetics." PeerJ 5:e3298 (2017),
doi 10.7717/peerj.3298, CC-BY 4.0. Runners on an instrumented treadmill for 30 s, markers at
150 Hz, each with a static trial (``TRIALS``): RBDS001 (181 cm, forefoot striker) at 2.5 m/s
with the force plate at 300 Hz, RBDS032 and RBDS0041, markers only (their files are named 3.5
and 4.5 m/s; their feet move back on the belt at 2.53 and 4.57 m/s, ``sole_belt_speed``, and
that is the speed used); and with their plates RBDS002 at 2.5 and 4.5 m/s, RBDS008 at 3.5 m/s
and RBDS0041 at 2.5 m/s (tests/data/fukuchi2017, its README).

World frame (DESIGN.md "Coordinates and metric definitions"): ``x`` forward (the runner faces +X in
the lab), ``y`` up, ``z`` medio-lateral towards the runner's right, metres. The origin is on the
belt surface (the force plate's Y = 0) below the runner's mean mid-hip, so ``x`` and ``z`` are
relative to where the runner holds station on the belt and ``z = 0`` is the mean sagittal plane.

Joint centres, per side, every marker frame:

* hip: the hip joint centre by Harrington et al. (J Biomech 40:595, 2007), from pelvis width and
  depth in the static trial, carried by the six pelvis markers. A pose model's "hip" seen from the
  side is drawn over the joint, between the iliac crest and the greater trochanter; the joint
  centre is what DESIGN's thigh angle and hip extension are about. In the static trial the
  greater-trochanter marker sits 1-3 cm behind and ~3.5 cm below it in the sagittal plane.
* knee: mid-epicondyles from the static trial, carried both by the thigh and by the shank cluster
  (rigid Kabsch fit per frame); the two disagree by ~1 cm through soft-tissue motion, so the
  centre is their mean.
* ankle: mid-malleoli from the static trial, carried by the shank cluster.
* heel: the bottom heel marker; toe: the mean of the MT1 and MT5 markers (metatarsal heads).
* mid_hip: the mean of the two hip joint centres.

Marker gaps of up to ``LINEAR_GAP_S`` are filled linearly; longer ones (a pelvis marker hidden for
over a second, a thigh marker hidden in every swing) from the rigid fit of the rest of the
marker's cluster to the static trial, frame by frame.

Contacts from the foot markers (``foot_contacts``), for trials without a force plate: a foot is
on the belt while one of its sole points (Heel.Bottom, MT1, MT5) moves with the belt, i.e. its
sagittal velocity differs from the belt's (backwards at the belt's speed, no vertical speed) by
less than ``BELT_MATCH_FRACTION`` of the belt's speed. Initial contact is where the first sole
point comes within that match, toe-off where the last one leaves it, interpolated between frames.
The tolerance is a fraction of the belt's speed, so the same rule holds at any speed; it is the
rule's one parameter and was set against RBDS001's plate (its error against five plates:
``MARKER_ERROR_MS``). The belt's speed is measured from the feet (``sole_belt_speed``), not
taken from the file's name: RBDS032's file says 3.5 m/s, but its feet move back at 2.53 m/s,
and with 3.5 the rule ended its contacts 60 ms early and began them 20 ms late (a foot at 2.5
m/s only just matched a 3.5 m/s belt). A trial whose feet differ from its name by over
``BELT_LABEL_TOLERANCE`` gets an anomaly note.

Angles and per-step metrics follow DESIGN.md in the sagittal (x, y) plane, which is what a side
camera measures.
"""

from __future__ import annotations

import gzip
import io
import lzma
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

import numpy as np

DATA_DIR = Path(__file__).with_name("data")
"""RBDS001's three files, gzipped, shipped with the package (``data/README.md``)."""


@dataclass(frozen=True, slots=True)
class TrialFiles:
    """One running trial of the data set: its files (plain or ``.gz``), the belt speed of its
    file's name (m/s; for a trial without plate, ``load_trial`` measures it from the feet) and
    its runner, when the trial's key is not the runner's code."""

    markers: str
    static: str
    forces: str | None
    belt_speed_mps: float
    runner: str | None = None


TRIALS: dict[str, TrialFiles] = {
    "RBDS001": TrialFiles(
        "RBDS001runT25markers.txt", "RBDS001static.txt", "RBDS001runT25forces.txt", 2.5
    ),
    "RBDS032": TrialFiles("RBDS032runT35markers.txt", "RBDS032static.txt", None, 3.5),
    "RBDS0041": TrialFiles("RBDS0041runT45markers.txt", "RBDS0041static.txt", None, 4.5),
    "RBDS002-25": TrialFiles(
        "RBDS002runT25markers.txt", "RBDS002static.txt", "RBDS002runT25forces.txt", 2.5, "RBDS002"
    ),
    "RBDS002-45": TrialFiles(
        "RBDS002runT45markers.txt", "RBDS002static.txt", "RBDS002runT45forces.txt", 4.5, "RBDS002"
    ),
    "RBDS008": TrialFiles(
        "RBDS008runT35markers.txt", "RBDS008static.txt", "RBDS008runT35forces.txt", 3.5
    ),
    "RBDS0041-25": TrialFiles(
        "RBDS0041runT252.txt", "RBDS0041static.txt", "RBDS0041runT252forces.txt", 2.5, "RBDS0041"
    ),
}
"""The trials by key. The first three are in ../shared/data/fukuchi2017 (RBDS001 also in
``DATA_DIR``), the rest in the repository's tests/data/fukuchi2017."""

MARKER_FS = 150.0
FORCE_FS = 300.0

PLATE = "force plate"
MARKERS = "foot markers"
PLATE_ERROR_MS = 5.0
"""Stated error of the plate's events: the 50 N threshold is crossed ~3 ms after first touch and
~5 ms before the last (50 N over the median force slope at the crossings, 16 and 10 kN/s)."""
BELT_MATCH_FRACTION = 0.35
"""A sole point moves with the belt while its sagittal velocity is within this fraction of the
belt's speed of the belt's velocity. Against RBDS001's plate (``python -m tests.gait_accuracy
--contacts``) 0.30 gives IC +5.5 / TO -9.7 ms, 0.35 +3.7 / -0.7 ms, 0.40 +1.9 / +11.1 ms."""
STILL_VERTICAL_MPS = 0.1
"""A sole point moving up or down slower than this (m/s) counts for the belt's speed."""
BELT_LABEL_TOLERANCE = 0.05
"""The belt's speed as the feet show it may differ from the file name's by this fraction (the
feet read 2.52 m/s on RBDS001's 2.5 m/s trial, whose plate confirms its contacts) before a note
says which speed was used."""
MARKER_ERROR_MS = 10.0
"""Stated error of the marker rule's events, rounded up from its toe-off's mean absolute error
against the five force plates at hand (``python -m tests.gait_accuracy --contacts``, every
contact of each 30 s trial, 394 in all, every one matched on the right foot): 9.1 ms, initial
contact's 6.0. One runner's toe-off is far worse: 24.7 ms. Per trial, bias / mean absolute, IC
then TO: RBDS001 2.5 m/s +3.7/4.0, -0.7/3.2 ms; RBDS002 2.5 -4.3/4.6, -3.9/4.5; RBDS0041 2.5
-0.3/3.2, +24.4/24.7; RBDS008 3.5 +8.3/8.3, +11.6/11.6; RBDS002 4.5 -8.8/9.3, +1.0/1.5. The rule
was set on RBDS001 alone; no bias is corrected."""
LINEAR_GAP_S = 0.02
"""Marker gaps up to this long are filled linearly, longer ones from the marker's cluster."""

CONTACT_THRESHOLD_N = 50.0
"""Vertical force above which a foot is on the belt (the plate reads ~0 N in flight)."""
MIN_FLIGHT_S = 0.02
"""Dips below threshold shorter than this are plate noise inside one contact (flight is ~0.1 s)."""
MIN_CONTACT_S = 0.05
"""Rises above threshold shorter than this are plate noise, not a contact (stance is ~0.25 s)."""
TO_EXTENSION_FRACTION = 0.10
"""Hip extension is searched until toe-off plus this fraction of the contact time."""

JOINT_NAMES: tuple[str, ...] = (
    "mid_hip",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_toe",
    "right_toe",
)
J = {name: i for i, name in enumerate(JOINT_NAMES)}

_SIDES = (("left", "L"), ("right", "R"))
_PELVIS = ("R.ASIS", "L.ASIS", "R.PSIS", "L.PSIS", "R.Iliac.Crest", "L.Iliac.Crest")
SOLE_POINTS = ("Heel.Bottom", "MT1", "MT5")
"""The markers nearest the sole: the back of the heel and the first and fifth metatarsal heads."""
_CLUSTERS: tuple[tuple[str, ...], ...] = (
    _PELVIS,
    *(
        tuple(f"{s}.{seg}.{a}.{b}" for a in ("Top", "Bottom") for b in ("Lateral", "Medial"))
        for s in ("L", "R")
        for seg in ("Thigh", "Shank")
    ),
    *(
        tuple(f"{s}.{m}" for m in ("Heel.Top", "Heel.Bottom", "Heel.Lateral", "MT1", "MT5"))
        for s in ("L", "R")
    ),
)


@dataclass(frozen=True, slots=True)
class MocapTrial:
    """One running trial in the world frame, with its contacts.

    Attributes:
        t: (N,) float64 seconds, marker frame times ``i / fs`` from 0.
        joints: (N, J, 3) float64 metres, joint centres in the order of ``joint_names``.
        fs: marker sampling rate, Hz.
        belt_speed_mps: treadmill belt speed, m/s: the file name's with a force plate, else
            measured from the feet (``sole_belt_speed``, rounded to 0.01).
        ic: (K,) float64 seconds, initial-contact time of each complete contact.
        to: (K,) float64 seconds, toe-off time of the same contact.
        foot: K names, ``"left"`` or ``"right"``, the foot of each contact.
        pelvis_tilt_deg: (N,) float64, sagittal angle of mid-PSIS -> mid-ASIS below horizontal
            (positive = anterior tilt).
        anomalies: human-readable notes on what the data needed (filled gaps, disagreements).
        joint_names: names of the joint axis of ``joints``.
        runner: the data set's runner code, e.g. ``"RBDS001"``.
        contact_source: where ``ic``/``to`` come from, ``PLATE`` or ``MARKERS``.
        contact_error_ms: stated error of that source's events, ms.
        synthetic: True for a trial made from a recorded one (``time_scaled``), not recorded.
        sole: (N, 2, 3, 3) float64 metres, the ``SOLE_POINTS`` markers of the left and right
            foot in the world frame, or None.
    """

    t: np.ndarray
    joints: np.ndarray
    fs: float
    belt_speed_mps: float
    ic: np.ndarray
    to: np.ndarray
    foot: tuple[str, ...]
    pelvis_tilt_deg: np.ndarray
    anomalies: tuple[str, ...] = ()
    joint_names: tuple[str, ...] = JOINT_NAMES
    runner: str = "RBDS001"
    contact_source: str = PLATE
    contact_error_ms: float = PLATE_ERROR_MS
    synthetic: bool = False
    sole: np.ndarray | None = None

    @property
    def name(self) -> str:
        """The runner and belt speed, e.g. ``"RBDS001 2.5 m/s"``, marked if synthetic."""
        return f"{self.runner} {self.belt_speed_mps:.1f} m/s" + (
            " synthetic" if self.synthetic else ""
        )

    def joint(self, name: str) -> np.ndarray:
        """(N, 3) float64 metres: the trajectory of one joint."""
        return self.joints[:, self.joint_names.index(name)]

    def at(self, times: np.ndarray) -> np.ndarray:
        """(T, J, 3) float64 metres: joints interpolated linearly at ``times`` (T,) s, clamped."""
        pos = np.clip(np.asarray(times, dtype=np.float64) * self.fs, 0.0, len(self.t) - 1.0)
        i0 = np.minimum(pos.astype(np.intp), len(self.t) - 2)
        w = (pos - i0)[:, None, None]
        return self.joints[i0] * (1.0 - w) + self.joints[i0 + 1] * w


def load_trial(data_dir: Path | None = None, runner: str = "RBDS001") -> MocapTrial:
    """Read the running markers and static trial of ``runner`` (a key of ``TRIALS``: a runner, or
    a runner and speed), and its forces if it has any, from ``data_dir``.

    Each file may be plain text or gzipped (``<name>.gz``); ``data_dir`` defaults to the copy
    shipped with the package, ``DATA_DIR``, which holds RBDS001 only. Contacts come from the
    force plate where the trial has one, else from the foot markers (``foot_contacts``).
    """
    if data_dir is None and runner != "RBDS001":
        raise ValueError(
            f"{runner}: its recording is not shipped with the package; give the folder of the"
            " Fukuchi 2017 data that holds it (TRIALS)"
        )
    if runner not in TRIALS and PACKED_KEY.fullmatch(runner):
        return read_packed(data_dir / f"{runner}{PACKED_SUFFIX}")  # type: ignore[operator]
    return read_trial(DATA_DIR if data_dir is None else data_dir, TRIALS[runner], runner)


PACKED_KEY = re.compile(r"RBDS\d{3}-(25|35|45)")
"""The key of a packed trial (``read_packed``): the runner's code and the belt speed of the
release's file name, ``RBDS003-35``."""
PACKED_SUFFIX = ".npz.xz"
PACKED_MM = 1000.0


def read_packed(path: Path) -> MocapTrial:
    """A trial packed to a millimetre (``tests/builders/population.py`` packs them from the
    release's c3d files into tests/data/fukuchi2017/population, as ``<key>.npz.xz``)."""
    packed = np.load(io.BytesIO(lzma.decompress(path.read_bytes())))
    joints = np.cumsum(packed["joints"], axis=0, dtype=np.int64) / PACKED_MM
    sole = np.cumsum(packed["sole"], axis=0, dtype=np.int64) / PACKED_MM
    tilt = np.cumsum(packed["tilt"], dtype=np.int64) / 100.0
    t = np.arange(len(joints)) / float(packed["fs"])
    for array in (t, joints, sole, tilt, packed["ic"], packed["to"]):
        array.setflags(write=False)
    return MocapTrial(
        t=t,
        joints=joints,
        fs=float(packed["fs"]),
        belt_speed_mps=float(packed["belt_speed_mps"]),
        ic=packed["ic"],
        to=packed["to"],
        foot=tuple(str(f) for f in packed["foot"]),
        pelvis_tilt_deg=tilt,
        anomalies=tuple(str(a) for a in packed["anomalies"]),
        joint_names=tuple(str(j) for j in packed["joint_names"]),
        runner=str(packed["runner"]),
        contact_source=str(packed["contact_source"]),
        contact_error_ms=float(packed["contact_error_ms"]),
        sole=sole,
    )


def read_trial(data_dir: Path, files: TrialFiles, runner: str) -> MocapTrial:
    """``load_trial`` for the files of a trial that ``TRIALS`` need not hold (``runner``: its
    runner's code where ``files`` names none). A cluster's marker missing from the whole
    recording (RBDS010's left MT1 at every speed, RBDS014's right MT1 at 4.5 m/s) is rebuilt
    from the rest of its cluster, as a long gap is."""
    standing, _ = _fill_gaps(_markers(*_read_table(data_dir, files.static)), None)
    static = {name: xyz.mean(axis=0) for name, xyz in standing.items()}
    header, run = _read_table(data_dir, files.markers)
    seen = _markers(header, run)
    n = run.shape[0]
    unseen = np.full((n, 3), np.nan)
    markers, filled = _fill_gaps({m: seen.get(m, unseen) for c in _CLUSTERS for m in c}, static)
    t = np.arange(n) / MARKER_FS
    drift = float(np.max(np.abs(run[:, 0] - t)))
    if drift > 1.5 / MARKER_FS:
        raise ValueError(f"{files.markers}: Time column is not sampled at {MARKER_FS} Hz")

    hip_static = _harrington_hjc(static)
    hips = _carry(static, markers, _PELVIS, hip_static)
    joints = np.empty((n, len(JOINT_NAMES), 3))
    for k, (side, s) in enumerate(_SIDES):
        thigh, shank = (
            tuple(f"{s}.{seg}.{a}.{b}" for a in ("Top", "Bottom") for b in ("Lateral", "Medial"))
            for seg in ("Thigh", "Shank")
        )
        knee = 0.5 * (static[f"{s}.Knee"] + static[f"{s}.Knee.Medial"])
        ankle = 0.5 * (static[f"{s}.Ankle"] + static[f"{s}.Ankle.Medial"])
        on_shank = _carry(static, markers, shank, np.stack([knee, ankle]))
        on_thigh = _carry(static, markers, thigh, knee[None])
        joints[:, J[f"{side}_hip"]] = hips[:, k]
        joints[:, J[f"{side}_knee"]] = 0.5 * (on_thigh[:, 0] + on_shank[:, 0])
        joints[:, J[f"{side}_ankle"]] = on_shank[:, 1]
        joints[:, J[f"{side}_heel"]] = markers[f"{s}.Heel.Bottom"]
        joints[:, J[f"{side}_toe"]] = 0.5 * (markers[f"{s}.MT1"] + markers[f"{s}.MT5"])
    joints[:, J["mid_hip"]] = hips.mean(axis=1)
    origin = joints[:, J["mid_hip"]].mean(axis=0) * np.array([1.0, 0.0, 1.0])
    joints -= origin
    sole = np.stack(
        [np.stack([markers[f"{s}.{p}"] for p in SOLE_POINTS], axis=1) for _, s in _SIDES], axis=1
    )
    sole -= origin

    mid_asis = 0.5 * (markers["R.ASIS"] + markers["L.ASIS"])
    mid_psis = 0.5 * (markers["R.PSIS"] + markers["L.PSIS"])
    d = mid_asis - mid_psis
    tilt = np.degrees(np.arctan2(-d[:, 1], d[:, 0]))

    anomalies = list(filled)
    if drift > 1e-3:
        anomalies.append(
            f"Time column ends at {run[-1, 0]:.3f} s, {drift * 1000:.1f} ms off {MARKER_FS:.0f} Hz:"
            " read as the data set's 150 Hz"
        )
    belt = files.belt_speed_mps
    if files.forces is None:
        belt = round(sole_belt_speed(sole, MARKER_FS), 2)
        if abs(belt / files.belt_speed_mps - 1.0) > BELT_LABEL_TOLERANCE:
            anomalies.append(
                f"the feet move back at {belt:.2f} m/s on the belt, not the {files.belt_speed_mps}"
                f" m/s of the file's name: {belt:.2f} m/s used"
            )
        ic, to, foot = foot_contacts(sole, MARKER_FS, belt)
        anomalies += _alternation_notes(ic, foot)
        source, error_ms = MARKERS, MARKER_ERROR_MS
    else:
        force_header, forces = _read_table(data_dir, files.forces)
        if not np.array_equal(forces[:, 0], np.arange(1, forces.shape[0] + 1)):
            raise ValueError(f"{files.forces}: first column is not the 1-based sample number")
        fy = forces[:, force_header.index("Fy")]
        cop_z = forces[:, force_header.index("COPz")] / 1000.0 - origin[2]
        ic, to = _contacts(fy, FORCE_FS, CONTACT_THRESHOLD_N)
        foot, notes = _assign_feet(t, joints, ic, to, fy, cop_z)
        anomalies += notes
        source, error_ms = PLATE, PLATE_ERROR_MS
    for array in (t, joints, ic, to, tilt, sole):
        array.setflags(write=False)
    return MocapTrial(
        t=t,
        joints=joints,
        fs=MARKER_FS,
        belt_speed_mps=belt,
        ic=ic,
        to=to,
        foot=foot,
        pelvis_tilt_deg=tilt,
        anomalies=tuple(anomalies),
        runner=files.runner or runner,
        contact_source=source,
        contact_error_ms=error_ms,
        sole=sole,
    )


def standing_trial(data_dir: Path | None = None, runner: str = "RBDS001") -> MocapTrial:
    """``runner``'s standing calibration trial as a trial without contacts: real standing, with
    its sway, for telling standing apart from walking and running (RBDS032's and RBDS0041's last
    10 s, RBDS001's 1 s). Joint centres as in ``load_trial``: the hip carried by the pelvis
    markers, knee and ankle between their two anatomical markers, heel and metatarsal heads."""
    data_dir = DATA_DIR if data_dir is None else data_dir
    files = TRIALS[runner]
    standing, filled = _fill_gaps(_markers(*_read_table(data_dir, files.static)), None)
    static = {name: xyz.mean(axis=0) for name, xyz in standing.items()}
    n = len(next(iter(standing.values())))
    hips = _carry(static, standing, _PELVIS, _harrington_hjc(static))
    joints = np.empty((n, len(JOINT_NAMES), 3))
    for k, (side, s) in enumerate(_SIDES):
        joints[:, J[f"{side}_hip"]] = hips[:, k]
        joints[:, J[f"{side}_knee"]] = 0.5 * (standing[f"{s}.Knee"] + standing[f"{s}.Knee.Medial"])
        ankle = 0.5 * (standing[f"{s}.Ankle"] + standing[f"{s}.Ankle.Medial"])
        joints[:, J[f"{side}_ankle"]] = ankle
        joints[:, J[f"{side}_heel"]] = standing[f"{s}.Heel.Bottom"]
        joints[:, J[f"{side}_toe"]] = 0.5 * (standing[f"{s}.MT1"] + standing[f"{s}.MT5"])
    joints[:, J["mid_hip"]] = hips.mean(axis=1)
    joints -= joints[:, J["mid_hip"]].mean(axis=0) * np.array([1.0, 0.0, 1.0])
    d = 0.5 * (standing["R.ASIS"] + standing["L.ASIS"] - standing["R.PSIS"] - standing["L.PSIS"])
    empty = np.zeros(0)
    t = np.arange(n) / MARKER_FS
    for array in (t, joints, empty):
        array.setflags(write=False)
    return MocapTrial(
        t=t,
        joints=joints,
        fs=MARKER_FS,
        belt_speed_mps=0.0,
        ic=empty,
        to=empty,
        foot=(),
        pelvis_tilt_deg=np.degrees(np.arctan2(-d[:, 1], d[:, 0])),
        anomalies=tuple(filled),
        runner=f"{runner} standing",
    )


WALKER = "SI02"
"""The walker shipped with the package: 12 s of one person walking on an instrumented treadmill
at about 1.1 m/s (100 Hz), ``data/walking_si02.npz``, made by ``tools/extract_walking.py`` from
the gaitalytics project's test recording (MIT License, Copyright (c) 2024 André Böni;
``data/walking_si02.LICENSE``)."""
#: the walk's events are Vicon's, moved to a plate's 50 N crossing where one lies within 20 ms
#: (30 of 40 events); the rest keep the marker frame's 10 ms resolution
WALKING_ERROR_MS = 10.0


def walking_trial() -> MocapTrial:
    """The walker's recording (``WALKER``), contacts from its force plates."""
    path = DATA_DIR / "walking_si02.npz"
    with np.load(path) as data:
        if tuple(data["joint_names"]) != JOINT_NAMES:
            raise ValueError(f"{path}: joints {tuple(data['joint_names'])}, want {JOINT_NAMES}")
        t, joints, ic, to = (
            np.array(data[k], dtype=np.float64) for k in ("t", "joints", "ic", "to")
        )
        return MocapTrial(
            t=t,
            joints=joints,
            ic=ic,
            to=to,
            fs=float(data["fs"]),
            belt_speed_mps=float(data["belt_speed_mps"]),
            foot=tuple(str(f) for f in data["foot"]),
            pelvis_tilt_deg=np.array(data["pelvis_tilt_deg"], dtype=np.float64),
            runner=f"{WALKER} walking",
            contact_source=PLATE,
            contact_error_ms=WALKING_ERROR_MS,
        )


def foot_contacts(
    sole: np.ndarray, fs: float, belt_speed_mps: float
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Complete contacts of both feet from their sole markers: (ic, to) seconds and the feet.

    ``sole`` is (N, 2, P, 3) metres, the left and right foot's sole points in the world frame
    (belt moving towards -x), sampled at ``fs`` Hz. A foot is on the belt while one of its sole
    points' sagittal velocity (central differences) is within ``BELT_MATCH_FRACTION`` of
    ``belt_speed_mps`` of the belt's, ``(-belt_speed_mps, 0)``; events are interpolated between
    frames, and flickers shorter than ``MIN_FLIGHT_S``/``MIN_CONTACT_S`` are ignored as for the
    plate. Against five plates: see ``MARKER_ERROR_MS``.
    """
    events = []
    for k, (side, _) in enumerate(_SIDES):
        match = belt_mismatch(sole[:, k], fs, belt_speed_mps)
        ic, to = _contacts(-match, fs, -BELT_MATCH_FRACTION)
        events += [(a, b, side) for a, b in zip(ic.tolist(), to.tolist(), strict=True)]
    events.sort()
    ic = np.array([e[0] for e in events], dtype=np.float64)
    to = np.array([e[1] for e in events], dtype=np.float64)
    return ic, to, tuple(e[2] for e in events)


def sole_belt_speed(sole: np.ndarray, fs: float) -> float:
    """The belt's speed, m/s, as the feet show it: the most common backward speed of the sole
    points (``sole`` (N, 2, P, 3) m at ``fs`` Hz) among frames where they hardly move up or
    down. A foot is carried by the belt for about two fifths of every stride at one speed, while
    in swing its speed keeps changing, so that speed stands out as the peak of a histogram of
    1 cm/s bins."""
    vel = np.gradient(sole[..., :2], 1.0 / fs, axis=0).reshape(-1, 2)
    back = -vel[(np.abs(vel[:, 1]) < STILL_VERTICAL_MPS) & (vel[:, 0] < -0.5), 0]
    counts, edges = np.histogram(back, bins=np.arange(0.5, 10.0, 0.01))
    k = int(np.argmax(counts))
    return float(0.5 * (edges[k] + edges[k + 1]))


def belt_mismatch(points: np.ndarray, fs: float, belt_speed_mps: float) -> np.ndarray:
    """(N,) float64: how far the best-matching point of ``points`` (N, P, 3) m, sampled at
    ``fs`` Hz, is from moving with the belt: the norm of its sagittal velocity minus the belt's
    ``(-belt_speed_mps, 0)`` m/s, as a fraction of ``belt_speed_mps``."""
    vel = np.gradient(points[..., :2], 1.0 / fs, axis=0)
    return np.hypot(vel[..., 0] + belt_speed_mps, vel[..., 1]).min(axis=1) / belt_speed_mps


def time_scaled(trial: MocapTrial, belt_speed_mps: float) -> MocapTrial:
    """A synthetic trial at another belt speed: the recorded one replayed faster or slower.

    Time is scaled by ``trial.belt_speed_mps / belt_speed_mps`` (the sampling rate, contact
    times and their stated error with it), positions are unchanged, so the stance foot moves with
    the new belt. Realistic: the stance foot's speed, every joint path and angle. Not realistic:
    stride length and overstride stay those of the recorded speed, so cadence scales with speed
    (a runner lengthens the stride more than he quickens it), contact and flight times shrink in
    the same proportion, and accelerations scale with the square of the factor. ``synthetic`` is
    set and ``name`` says so.
    """
    k = trial.belt_speed_mps / belt_speed_mps
    fs = trial.fs / k
    t = np.arange(len(trial.t)) / fs
    ic, to = trial.ic * k, trial.to * k
    for array in (t, ic, to):
        array.setflags(write=False)
    return replace(
        trial,
        t=t,
        fs=fs,
        belt_speed_mps=belt_speed_mps,
        ic=ic,
        to=to,
        contact_error_ms=trial.contact_error_ms * k,
        synthetic=True,
    )


def thigh_angle_deg(hip: np.ndarray, knee: np.ndarray) -> np.ndarray:
    """(...) float64 degrees: hip->knee from straight down, positive forward; inputs (..., 2+) m."""
    return _from_down_deg(knee - hip)


def shank_angle_deg(knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """(...) float64 degrees: knee->ankle from straight down, positive with the ankle ahead."""
    return _from_down_deg(ankle - knee)


def knee_flexion_deg(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """(...) float64 degrees: 180 minus the sagittal interior hip-knee-ankle angle."""
    a = hip[..., :2] - knee[..., :2]
    b = ankle[..., :2] - knee[..., :2]
    cross = a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    interior = np.degrees(np.arctan2(np.abs(cross), np.sum(a * b, axis=-1)))
    return 180.0 - interior


def leg_length_m(trial: MocapTrial) -> float:
    """Sagittal hip-to-ankle length, median over all frames and both legs, metres."""
    lengths = [
        np.hypot(*(trial.joint(f"{side}_ankle") - trial.joint(f"{side}_hip"))[:, :2].T)
        for side, _ in _SIDES
    ]
    return float(np.median(np.concatenate(lengths)))


def truth_steps(trial: MocapTrial) -> list[dict]:
    """The DESIGN.md per-step metrics of every contact of the trial, computed from the mocap.

    One dict per contact, in time order, with ``type``/``v`` as in the step-event file and
    ``confidence`` 1.0. A field that needs a neighbouring contact the trial does not have (the
    first step's ``step_ms``, the last stride's swing) is ``None``.
    """
    t, fs = trial.t, trial.fs
    mid = trial.joint("mid_hip")
    leg = leg_length_m(trial)
    series = {}
    for side, _ in _SIDES:
        hip, knee, ankle = (trial.joint(f"{side}_{j}") for j in ("hip", "knee", "ankle"))
        series[side] = {"thigh": thigh_angle_deg(hip, knee), "reach": ankle[:, 0] - mid[:, 0]}

    def window(signal: np.ndarray, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
        times = np.concatenate(([a], t[int(np.floor(a * fs)) + 1 : int(np.ceil(b * fs))], [b]))
        return times, np.interp(times, t, signal)

    steps = []
    n = len(trial.ic)
    for i in range(n):
        side, ic, to = trial.foot[i], float(trial.ic[i]), float(trial.to[i])
        s = series[side]
        contact = to - ic
        nxt_same = next((j for j in range(i + 1, n) if trial.foot[j] == side), None)
        at_ic = trial.at(np.array([ic]))[0]
        hip, knee, ankle = (at_ic[J[f"{side}_{j}"]] for j in ("hip", "knee", "ankle"))
        overstride = float(ankle[0] - at_ic[J["mid_hip"], 0])

        times, reach = window(s["reach"], ic, to)
        behind = np.flatnonzero(reach <= 0.0)
        if behind.size == 0:
            braking = None
        elif behind[0] == 0:
            braking = 0.0
        else:
            k = behind[0]
            frac = reach[k - 1] / (reach[k - 1] - reach[k])
            braking = (times[k - 1] + frac * (times[k] - times[k - 1]) - ic) * 1000.0

        _, thigh = window(s["thigh"], 0.5 * (ic + to), to + TO_EXTENSION_FRACTION * contact)
        step_ms = (ic - float(trial.ic[i - 1])) * 1000.0 if i > 0 else None
        flight = (
            (float(trial.ic[i + 1]) - to) * 1000.0
            if i + 1 < n and trial.foot[i + 1] != side
            else None
        )
        other = "right" if side == "left" else "left"
        other_thigh = series[other]["thigh"]
        back = -float(np.interp(to, t, s["thigh"]))
        front = float(np.interp(to, t, other_thigh))
        other_next = next((j for j in range(i + 1, n) if trial.foot[j] == other), None)
        swing_lift = (
            float(window(other_thigh, ic, float(trial.ic[other_next]))[1].max())
            if other_next is not None
            else None
        )
        if nxt_same is None:
            knee_lift = osc = stride = None
        else:
            ic_next = float(trial.ic[nxt_same])
            knee_lift = float(window(s["thigh"], to, ic_next)[1].max())
            osc = float(np.ptp(window(mid[:, 1], ic, ic_next)[1])) * 100.0
            stride = trial.belt_speed_mps * (ic_next - ic)
        steps.append(
            {
                "type": "step",
                "v": 1,
                "foot": side,
                "ic_t": ic,
                "to_t": to,
                "contact_ms": contact * 1000.0,
                "flight_ms": flight,
                "step_ms": step_ms,
                "cadence_spm": 60000.0 / step_ms if step_ms is not None else None,
                "overstride_cm": overstride * 100.0,
                "overstride_pct_leg": overstride / leg * 100.0,
                "shank_angle_ic_deg": float(shank_angle_deg(knee, ankle)),
                "knee_flexion_ic_deg": float(knee_flexion_deg(hip, knee, ankle)),
                "braking_ms": braking,
                "hip_extension_deg": float(-thigh.min()),
                "knee_lift_deg": knee_lift,
                "scissor_deg": back + front,
                "scissor_back_deg": back,
                "scissor_front_deg": front,
                "swing_knee_lift_deg": swing_lift,
                "vertical_osc_cm": osc,
                "vertical_osc_pct_leg": None if osc is None else osc / leg,
                "stride_length_m": stride,
                "confidence": 1.0,
            }
        )
    return steps


def _from_down_deg(d: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(d[..., 0], -d[..., 1]))


def _open_text(data_dir: Path, name: str) -> TextIO:
    """The text file ``name`` in ``data_dir``, or else its gzipped copy ``name.gz``."""
    path = data_dir / name
    zipped = data_dir / f"{name}.gz"
    if path.is_file():
        return path.open(encoding="ascii")
    if zipped.is_file():
        return gzip.open(zipped, "rt", encoding="ascii")
    raise FileNotFoundError(f"neither {path} nor {zipped} exists")


def _read_table(data_dir: Path, name: str) -> tuple[list[str], np.ndarray]:
    """The header and numbers of the tab-separated file ``name`` (or ``name.gz``); empty fields
    (markers not seen) are NaN."""
    with _open_text(data_dir, name) as f:
        header = f.readline().rstrip("\n").split("\t")
        text = _EMPTY_FIELD.sub("nan", f.read())
    data = np.loadtxt(io.StringIO(text), delimiter="\t", ndmin=2)
    if data.shape[1] != len(header):
        raise ValueError(f"{name}: {data.shape[1]} columns, header names {len(header)}")
    return header, data


_EMPTY_FIELD = re.compile(r"(?<=\t)(?=\t|$)", re.MULTILINE)


def _markers(header: list[str], data: np.ndarray) -> dict[str, np.ndarray]:
    """Markers as (N, 3) metres keyed by name, NaN where not seen; markers never seen are left
    out (the running trials of RBDS032 and RBDS0041 list the static trial's anatomical ones)."""
    markers = {}
    for i, name in enumerate(header):
        if name.endswith("X") and header[i + 1 : i + 3] == [name[:-1] + "Y", name[:-1] + "Z"]:
            xyz = data[:, i : i + 3] / 1000.0
            if not np.isnan(xyz).all():
                markers[name[:-1]] = xyz
    return markers


def _fill_gaps(
    markers: dict[str, np.ndarray], static: dict[str, np.ndarray] | None
) -> tuple[dict[str, np.ndarray], list[str]]:
    """The markers with their gaps filled, and a note per filled marker.

    Frames in a gap longer than ``LINEAR_GAP_S`` are placed by the rigid fit (``_carry``) of
    the other markers of the marker's cluster seen in that frame (three or more) to ``static``;
    the rest linearly between the frames seen.
    """
    longest = round(LINEAR_GAP_S * MARKER_FS)
    out, notes = {}, []
    for name, raw in markers.items():
        bad = np.isnan(raw).any(axis=1)
        if not bad.any():
            out[name] = raw
            continue
        xyz = raw.copy()
        by_cluster = np.zeros(len(xyz), dtype=bool)
        cluster = next((c for c in _CLUSTERS if name in c), ())
        if static is not None and cluster:
            long_gap = bad & (_run_lengths(bad) > longest)
            by_cluster = _fill_from_cluster(xyz, long_gap, name, cluster, markers, static)
        bad &= ~by_cluster
        good = np.flatnonzero(~np.isnan(xyz).any(axis=1))
        for c in range(3):
            xyz[bad, c] = np.interp(np.flatnonzero(bad), good, xyz[good, c])
        note = f"marker {name}: {int(bad.sum())} missing frame(s) filled linearly"
        if by_cluster.any():
            note += f", {int(by_cluster.sum())} from its cluster"
        out[name] = xyz
        notes.append(note)
    return out, notes


def _run_lengths(mask: np.ndarray) -> np.ndarray:
    """(N,) int: for each True of ``mask`` (N,) the length of its run of Trues, else 0."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    out = np.zeros(len(mask), dtype=np.intp)
    for start, stop in zip(edges[0::2], edges[1::2], strict=True):
        out[start:stop] = stop - start
    return out


def _fill_from_cluster(
    xyz: np.ndarray,
    frames: np.ndarray,
    name: str,
    cluster: tuple[str, ...],
    markers: dict[str, np.ndarray],
    static: dict[str, np.ndarray],
) -> np.ndarray:
    """Place ``name`` in ``xyz`` (N, 3) at the ``frames`` (N,) bool from the rest of its cluster.

    Frames are grouped by which other cluster markers are seen; groups with three or more are
    filled by their rigid fit to ``static``. Returns (N,) bool, the frames filled.
    """
    others = [m for m in cluster if m != name and m in markers]
    seen = np.stack([~np.isnan(markers[m]).any(axis=1) for m in others], axis=1)
    filled = np.zeros(len(xyz), dtype=bool)
    for pattern in np.unique(seen[frames], axis=0):
        if pattern.sum() < 3:
            continue
        rows = frames & np.all(seen == pattern, axis=1)
        used = tuple(m for m, s in zip(others, pattern, strict=True) if s)
        part = {m: markers[m][rows] for m in used}
        xyz[rows] = _carry(static, part, used, static[name][None])[:, 0]
        filled |= rows
    return filled


def _harrington_hjc(static: dict[str, np.ndarray]) -> np.ndarray:
    """(2, 3) metres: left and right hip joint centres in the static trial (Harrington 2007)."""
    r_asis, l_asis = static["R.ASIS"], static["L.ASIS"]
    mid_asis = 0.5 * (r_asis + l_asis)
    mid_psis = 0.5 * (static["R.PSIS"] + static["L.PSIS"])
    width = np.linalg.norm(r_asis - l_asis)
    depth = np.linalg.norm(mid_asis - mid_psis)
    z = (r_asis - l_asis) / width
    x = mid_asis - mid_psis
    x -= np.dot(x, z) * z
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    lateral = 0.33 * width + 0.0073
    return np.stack(
        [
            mid_asis
            + (-0.24 * depth - 0.0099) * x
            + (-0.30 * width - 0.0109) * y
            + sign * lateral * z
            for sign in (-1.0, 1.0)
        ]
    )


def _carry(
    static: dict[str, np.ndarray],
    running: dict[str, np.ndarray],
    cluster: tuple[str, ...],
    landmarks: np.ndarray,
) -> np.ndarray:
    """(N, K, 3): static ``landmarks`` (K, 3) moved by the per-frame rigid fit of ``cluster``.

    Kabsch/SVD least-squares rotation of the static cluster onto each running frame.
    """
    p = np.stack([static[m] for m in cluster])
    q = np.stack([running[m] for m in cluster], axis=1)
    pc, qc = p.mean(axis=0), q.mean(axis=1)
    h = np.einsum("mi,nmj->nij", p - pc, q - qc[:, None])
    u, _, vt = np.linalg.svd(h)
    v = np.swapaxes(vt, 1, 2)
    reflect = np.sign(np.linalg.det(v @ np.swapaxes(u, 1, 2)))
    v[:, :, 2] *= reflect[:, None]
    rot = v @ np.swapaxes(u, 1, 2)
    return np.einsum("nij,kj->nki", rot, landmarks - pc) + qc[:, None]


def _contacts(fy: np.ndarray, fs: float, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Complete contacts in a vertical force ``fy`` (M,) N sampled at ``fs``: (ic, to) seconds.

    Any signal that is above ``threshold`` during contact will do (``foot_contacts`` passes the
    negated belt mismatch). Crossings are interpolated linearly between samples; sample i
    (0-based) is at i / fs.
    Contacts under way at the start or end of the recording are dropped.
    """
    above = np.concatenate(([False], fy > threshold, [False]))
    edges = np.flatnonzero(np.diff(above.astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2] - 1
    keep = np.concatenate(([True], starts[1:] - ends[:-1] - 1 >= MIN_FLIGHT_S * fs))
    starts, ends = starts[keep], ends[np.concatenate((keep[1:], [True]))]
    keep = (ends - starts + 1 >= MIN_CONTACT_S * fs) & (starts > 0) & (ends < len(fy) - 1)
    starts, ends = starts[keep], ends[keep]
    ic = starts - 1 + (threshold - fy[starts - 1]) / (fy[starts] - fy[starts - 1])
    to = ends + (fy[ends] - threshold) / (fy[ends] - fy[ends + 1])
    return ic / fs, to / fs


def _alternation_notes(ic: np.ndarray, foot: tuple[str, ...]) -> list[str]:
    """A note for every contact made by the same foot as the one before it."""
    return [
        f"contact at {ic[k]:.3f} s: {foot[k]} foot twice in a row"
        for k in range(1, len(foot))
        if foot[k] == foot[k - 1]
    ]


def _assign_feet(
    t: np.ndarray,
    joints: np.ndarray,
    ic: np.ndarray,
    to: np.ndarray,
    fy: np.ndarray,
    cop_z: np.ndarray,
) -> tuple[tuple[str, ...], list[str]]:
    """The foot of each contact: the one whose lowest point (heel or toe) is lower at IC.

    Cross-checked against the force-weighted centre of pressure, which lies on the stance foot's
    side of the mid-hip; alternation is checked too. Disagreements are returned as notes.
    """
    lowest = {
        side: np.interp(
            ic, t, np.minimum(joints[:, J[f"{side}_heel"], 1], joints[:, J[f"{side}_toe"], 1])
        )
        for side, _ in _SIDES
    }
    foot = tuple(np.where(lowest["left"] < lowest["right"], "left", "right").tolist())
    notes = []
    sample_t = np.arange(len(fy)) / FORCE_FS
    mid_z = joints[:, J["mid_hip"], 2]
    for k, (a, b) in enumerate(zip(ic, to, strict=True)):
        inside = (sample_t > a) & (sample_t < b)
        cop = np.average(cop_z[inside], weights=fy[inside]) - np.interp(0.5 * (a + b), t, mid_z)
        if (cop > 0) != (foot[k] == "right"):
            notes.append(f"contact at {a:.3f} s: {foot[k]} foot is lowest but the pressure is not")
    return foot, notes + _alternation_notes(ic, foot)
