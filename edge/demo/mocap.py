"""Ground truth from real treadmill running: joint centres from markers, contacts from the plate.

Data: Fukuchi RK, Fukuchi CA, Duarte M. "A public data set of running biomechanics and the effects
of running speed on lower extremity kinematics and kinetics." PeerJ 5:e3298 (2017),
doi 10.7717/peerj.3298, CC-BY 4.0. Runner RBDS001 (181 cm, forefoot striker), instrumented
treadmill at 2.5 m/s for 30 s; markers at 150 Hz, force plate at 300 Hz, plus a static trial.

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

Angles and per-step metrics follow DESIGN.md in the sagittal (x, y) plane, which is what a side
camera measures.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

DATA_DIR = Path(__file__).with_name("data")
"""The trial's three files, gzipped, shipped with the package (``data/README.md``)."""
MARKER_FILE = "RBDS001runT25markers.txt"
FORCE_FILE = "RBDS001runT25forces.txt"
STATIC_FILE = "RBDS001static.txt"

MARKER_FS = 150.0
FORCE_FS = 300.0
BELT_SPEED_MPS = 2.5

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


@dataclass(frozen=True, slots=True)
class MocapTrial:
    """One running trial in the world frame, with its force-plate contacts.

    Attributes:
        t: (N,) float64 seconds, marker frame times ``i / fs`` from 0.
        joints: (N, J, 3) float64 metres, joint centres in the order of ``joint_names``.
        fs: marker sampling rate, Hz.
        belt_speed_mps: treadmill belt speed, m/s.
        ic: (K,) float64 seconds, initial-contact time of each complete contact.
        to: (K,) float64 seconds, toe-off time of the same contact.
        foot: K names, ``"left"`` or ``"right"``, the foot of each contact.
        pelvis_tilt_deg: (N,) float64, sagittal angle of mid-PSIS -> mid-ASIS below horizontal
            (positive = anterior tilt).
        anomalies: human-readable notes on what the data needed (filled gaps, disagreements).
        joint_names: names of the joint axis of ``joints``.
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

    def joint(self, name: str) -> np.ndarray:
        """(N, 3) float64 metres: the trajectory of one joint."""
        return self.joints[:, self.joint_names.index(name)]

    def at(self, times: np.ndarray) -> np.ndarray:
        """(T, J, 3) float64 metres: joints interpolated linearly at ``times`` (T,) s, clamped."""
        pos = np.clip(np.asarray(times, dtype=np.float64) * self.fs, 0.0, len(self.t) - 1.0)
        i0 = np.minimum(pos.astype(np.intp), len(self.t) - 2)
        w = (pos - i0)[:, None, None]
        return self.joints[i0] * (1.0 - w) + self.joints[i0 + 1] * w


def load_trial(data_dir: Path | None = None) -> MocapTrial:
    """Read the running markers, static trial and forces of RBDS001 from ``data_dir``.

    Each file may be plain text or gzipped (``<name>.gz``); ``data_dir`` defaults to the copy
    shipped with the package, ``DATA_DIR``.
    """
    data_dir = DATA_DIR if data_dir is None else data_dir
    header, run = _read_table(data_dir, MARKER_FILE)
    markers, filled = _markers(header, run)
    standing = _markers(*_read_table(data_dir, STATIC_FILE))[0]
    static = {name: xyz.mean(axis=0) for name, xyz in standing.items()}
    n = run.shape[0]
    t = np.arange(n) / MARKER_FS
    if np.max(np.abs(run[:, 0] - t)) > 1e-3:
        raise ValueError(f"{MARKER_FILE}: Time column is not sampled at {MARKER_FS} Hz")

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

    mid_asis = 0.5 * (markers["R.ASIS"] + markers["L.ASIS"])
    mid_psis = 0.5 * (markers["R.PSIS"] + markers["L.PSIS"])
    d = mid_asis - mid_psis
    tilt = np.degrees(np.arctan2(-d[:, 1], d[:, 0]))

    force_header, forces = _read_table(data_dir, FORCE_FILE)
    if not np.array_equal(forces[:, 0], np.arange(1, forces.shape[0] + 1)):
        raise ValueError(f"{FORCE_FILE}: first column is not the 1-based sample number")
    fy = forces[:, force_header.index("Fy")]
    cop_z = forces[:, force_header.index("COPz")] / 1000.0 - origin[2]
    ic, to = _contacts(fy, FORCE_FS, CONTACT_THRESHOLD_N)

    anomalies = [
        f"marker {name}: {n_gap} missing frame(s) filled linearly" for name, n_gap in filled
    ]
    foot, notes = _assign_feet(t, joints, ic, to, fy, cop_z)
    anomalies += notes
    for array in (t, joints, ic, to, tilt):
        array.setflags(write=False)
    return MocapTrial(
        t=t,
        joints=joints,
        fs=MARKER_FS,
        belt_speed_mps=BELT_SPEED_MPS,
        ic=ic,
        to=to,
        foot=foot,
        pelvis_tilt_deg=tilt,
        anomalies=tuple(anomalies),
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
    """The DESIGN.md per-step metrics of every force-plate contact, computed from the mocap.

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
                "vertical_osc_cm": osc,
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
    """The header and numbers of the tab-separated file ``name`` (or ``name.gz``)."""
    with _open_text(data_dir, name) as f:
        header = f.readline().rstrip("\n").split("\t")
        data = np.loadtxt(f, delimiter="\t", ndmin=2)
    if data.shape[1] != len(header):
        raise ValueError(f"{name}: {data.shape[1]} columns, header names {len(header)}")
    return header, data


def _markers(
    header: list[str], data: np.ndarray
) -> tuple[dict[str, np.ndarray], list[tuple[str, int]]]:
    """Markers as (N, 3) metres keyed by name, with NaN gaps filled linearly; also the fills."""
    markers, filled = {}, []
    for i, name in enumerate(header):
        if name.endswith("X") and header[i + 1 : i + 3] == [name[:-1] + "Y", name[:-1] + "Z"]:
            xyz = data[:, i : i + 3] / 1000.0
            bad = np.isnan(xyz).any(axis=1)
            if bad.any():
                good = np.flatnonzero(~bad)
                xyz = xyz.copy()
                for c in range(3):
                    xyz[bad, c] = np.interp(np.flatnonzero(bad), good, xyz[good, c])
                filled.append((name[:-1], int(bad.sum())))
            markers[name[:-1]] = xyz
    return markers, filled


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

    Crossings are interpolated linearly between samples; sample i (0-based) is at i / fs.
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
        if k and foot[k] == foot[k - 1]:
            notes.append(f"contact at {a:.3f} s: {foot[k]} foot twice in a row")
    return foot, notes
