"""Plain numpy references of the gait kernels, written for clarity, not speed.

Tests compare each numba kernel against its reference here; ``reference_events`` runs the whole
detector offline over a complete track, which the online engine must reproduce exactly.
"""

from __future__ import annotations

import numpy as np

from edge.gait.kernels import MAX_OUTLIERS, MIN_CONTACT_S, OUTLIER_THIGHS, TIE
from edge.gait.layout import ANKLE, HIP, KNEE
from edge.gait.metrics import knee_flexion

_LEG_KEYPOINTS = np.array([[11, 13, 15], [12, 14, 16]])


def keypoints_to_plane(kp: np.ndarray, homography: np.ndarray, min_conf: float) -> np.ndarray:
    """(2, 3, 3) [label leg, joint, (x, y, weight)] of one frame's (17, 3) pixel keypoints."""
    pts = kp[_LEG_KEYPOINTS]
    uv1 = np.concatenate([pts[..., :2], np.ones((*pts.shape[:2], 1))], axis=-1)
    mapped = uv1 @ homography.T
    xy = mapped[..., :2] / mapped[..., 2:]
    ok = np.isfinite(pts).all(axis=-1) & (pts[..., 2] >= min_conf)
    out = np.empty((2, 3, 3))
    out[..., :2] = np.where(ok[..., None], xy, np.nan)
    out[..., 2] = np.where(ok, pts[..., 2], 0.0)
    return out


def local_quadratic(
    t: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    tc: float,
    half: float,
    min_n: int,
    reject: float = 0.0,
) -> tuple[float, float]:
    """Value and slope at tc of a least-squares quadratic over |t - tc| <= half, made again
    without the sample furthest from it (of equal ones, the nearer tc, then the earlier) while
    that lies further than ``reject`` (0: none) and within half/2 of tc and the fit has more
    than ``min_n`` samples, ``MAX_OUTLIERS`` times at most."""
    d = t - tc
    use = (w > 0) & np.isfinite(y) & (np.abs(d) <= half + 1e-9)
    for attempt in range(MAX_OUTLIERS + 1):
        if use.sum() < min_n or not ((d[use] < -1e-9).any() and (d[use] > 1e-9).any()):
            return np.nan, np.nan
        c2, c1, c0 = np.polyfit(d[use], y[use], 2)
        residual = np.where(use, np.abs(y - (c0 + c1 * d + c2 * d * d)), -1.0)
        top = residual.max()
        equal = np.flatnonzero(residual >= top - TIE * max(1.0, top))
        worst = int(equal[np.argmin(np.abs(d[equal]))])
        if not reject > 0 or attempt == MAX_OUTLIERS or residual[worst] <= reject:
            break
        if abs(d[worst]) > 0.5 * half or use.sum() <= min_n:
            break
        use[worst] = False
    return float(c0), float(c1)


def thigh_length(legs: np.ndarray, leg: int) -> float:
    """Median hip-to-knee distance of track ``leg`` over frames ``legs`` (F, 2, 3, 3); 0 if none."""
    seen = (legs[:, leg, HIP, 2] > 0) & (legs[:, leg, KNEE, 2] > 0)
    d = np.hypot(*(legs[seen, leg, HIP, :2] - legs[seen, leg, KNEE, :2]).T)
    d = d[np.isfinite(d)]
    return float(np.median(d)) if len(d) else 0.0


def smooth_track(t: np.ndarray, legs: np.ndarray, half: float, min_n: int) -> dict[str, np.ndarray]:
    """Offline smoothing of a whole assigned track, each leg's keypoints further than
    ``OUTLIER_THIGHS`` of its thigh from the fit left out as ``local_quadratic`` says.

    t: (T,) s. legs: (T, 2, 3, 3) [frame, track, joint, (x, y, weight)].
    Returns arrays by name: "pos" (T, 2, 3, 2), "vel" (T, 2, 3, 2), "mid" (T, 2),
    "knee_flexion" (T, 2).
    """
    n = len(t)
    pos = np.full((n, 2, 3, 2), np.nan)
    vel = np.full((n, 2, 3, 2), np.nan)
    for i in range(n):
        near = np.abs(t - t[i]) <= half + 1e-9
        for leg in range(2):
            reject = OUTLIER_THIGHS * thigh_length(legs[near], leg)
            for j in range(3):
                for c in range(2):
                    pos[i, leg, j, c], vel[i, leg, j, c] = local_quadratic(
                        t[near],
                        legs[near, leg, j, c],
                        legs[near, leg, j, 2],
                        t[i],
                        half,
                        min_n,
                        reject,
                    )
    hips = pos[:, :, HIP]
    counted = np.isfinite(hips).all(axis=-1)
    with np.errstate(invalid="ignore"):
        mid = np.where(counted[..., None], hips, 0.0).sum(axis=1) / counted.sum(axis=1)[:, None]
    flex = knee_flexion(pos[:, :, HIP], pos[:, :, KNEE], pos[:, :, ANKLE])
    return {"pos": pos, "vel": vel, "mid": mid, "knee_flexion": flex}


def reference_events(
    t: np.ndarray,
    smoothed: dict[str, np.ndarray],
    stance_speed: float,
    ic_fraction: float,
    to_offset_s: float,
    extension_margin_deg: float,
    to_margin_deg: float,
    half: float,
    ankle_toe_off: bool = False,
) -> list[tuple[int, str, float]]:
    """Contacts of a complete smoothed track without dropouts: (leg, "ic"|"to", time s).

    The same rules as ``kernels.detect_leg``, frame by frame over the stored track: initial
    contact where the ankle's forward velocity falls through -ic_fraction * stance_speed with
    the ankle ahead of the mid-hip; toe-off at the knee-flexion minimum (after the knee has
    extended from its stance peak, with the ankle behind the mid-hip, confirmed when flexion
    rises again, and no sooner than ``MIN_CONTACT_S`` after the landing, else the search starts
    again), or with ``ankle_toe_off`` at the earlier of it and the velocity's last rise
    back through the threshold; or at that rise once the ankle moves forward at half the
    stance speed for two frames. (The
    engine also ignores a rise sooner than half the runner's usual contact, which it learns as
    it goes.)
    """
    thr = -ic_fraction * stance_speed
    events = []
    for leg in range(2):
        vx = smoothed["vel"][:, leg, ANKLE, 0]
        rel = smoothed["pos"][:, leg, ANKLE, 0] - smoothed["mid"][:, 0]
        kf = smoothed["knee_flexion"][:, leg]
        frames = np.flatnonzero(np.isfinite(vx) & np.isfinite(rel) & np.isfinite(kf))
        falls = frames[1:][
            (vx[frames[:-1]] >= thr) & (vx[frames[1:]] < thr) & (rel[frames[1:]] > 0)
        ]
        first_swing = frames[np.argmax(vx[frames] > 0)] if (vx[frames] > 0).any() else len(t)
        i = first_swing
        for k in falls:
            if k <= i:
                continue
            p = frames[np.searchsorted(frames, k) - 1]
            ic = t[p] + (vx[p] - thr) / (vx[p] - vx[k]) * (t[k] - t[p])
            events.append((leg, "ic", float(ic)))
            p = k
            up: float | None = None
            kmax, kmin, kmin_frame, extending = -np.inf, np.inf, k, False
            for q in frames[frames > k]:
                if vx[p] >= thr > vx[q]:
                    up = None
                elif vx[p] < thr <= vx[q] and up is None:
                    up = t[p] + (thr - vx[p]) / (vx[q] - vx[p]) * (t[q] - t[p])
                forward = min(vx[p], vx[q]) > 0.5 * stance_speed
                p = q
                if not extending:
                    kmax = max(kmax, kf[q])
                    extending = kf[q] < kmax - extension_margin_deg
                elif rel[q] < 0:
                    if kf[q] < kmin:
                        kmin, kmin_frame = kf[q], q
                    elif kf[q] > kmin + to_margin_deg and t[q] - t[kmin_frame] >= half:
                        to = _vertex_time(t, kf, kmin_frame, half) - to_offset_s
                        if to - ic < MIN_CONTACT_S:
                            kmax, kmin, extending = kf[q], np.inf, False
                            continue
                        to = min(to, up) if ankle_toe_off and up is not None else to
                        events.append((leg, "to", max(float(to), float(ic))))
                        i = q
                        break
                if forward and up is not None:
                    events.append((leg, "to", float(up)))
                    i = q
                    break
            else:
                break
    return sorted(events, key=lambda e: e[2])


def _vertex_time(t: np.ndarray, y: np.ndarray, m: int, half: float) -> float:
    near = (np.abs(t - t[m]) <= half + 1e-9) & np.isfinite(y)
    c2, c1, _ = np.polyfit((t[near] - t[m]) / half, y[near], 2)
    x = float(np.clip(-c1 / (2 * c2), -1.0, 1.0)) if c2 > 0 else 0.0
    return float(t[m] + x * half)
