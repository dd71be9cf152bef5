"""numba kernels of the gait engine: pure functions over arrays, no I/O, no clock.

Time arrives with the data (seconds). Positions are in sagittal-plane units, x forward and y up:
metres when calibrated, else pixels. Each kernel has a plain numpy twin in ``reference.py`` that
the tests compare against; ``process_frame`` is the one call the engine makes per frame.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from edge.gait.layout import (
    ANKLE,
    CTR_SMOOTHED,
    CTR_WRITTEN,
    DET_EXTENDING,
    DET_IC_T,
    DET_IC_X,
    DET_IC_Y,
    DET_KMAX,
    DET_KMIN,
    DET_KMIN_FRAME,
    DET_LAST_IC_T,
    DET_LAST_VALID_T,
    DET_PHASE,
    DET_PREV_ABOVE,
    DET_PREV_REL,
    DET_PREV_T,
    DET_PREV_VX,
    DET_UP_T,
    EV_IC,
    EV_TO,
    HIP,
    KNEE,
    N_JOINTS,
    N_LEGS,
    N_RAW,
    PAR_ANKLE_TOE_OFF,
    PAR_EXT_MARGIN_DEG,
    PAR_GAP_S,
    PAR_H00,
    PAR_HALF_WINDOW_S,
    PAR_IC_FRACTION,
    PAR_MAX_CONTACT_S,
    PAR_MIN_CONF,
    PAR_MIN_SAMPLES,
    PAR_STANCE_SPEED,
    PAR_TO_MARGIN_DEG,
    PAR_TO_OFFSET_S,
    PAR_TYPICAL_CONTACT_S,
    PAR_TYPICAL_STRIDE_S,
    PHASE_STANCE,
    PHASE_SWING,
    PHASE_UNKNOWN,
    RAW_SWAPPED,
    RAW_T,
    SM_KNEE_FLEX,
    SM_MID_X,
    SM_MID_Y,
    SM_T,
    TRK_FRAME_DT,
    TRK_LAST_T,
    TRK_SWAP_STATE,
    raw_col,
    sm_col,
    trk_col,
)

#: a running contact (s; 200-300 ms is typical at 2.5-3.5 m/s), until this runner's is known
CONTACT_PRIOR_S = 0.25
#: shortest foot contact a runner makes (elite sprinters ~80 ms)
MIN_CONTACT_S = 0.08
#: frame intervals the smoothing window reaches on each side at the least: two (a quadratic
#: fit over five frames) with room for a late frame's jitter, so that 24-30 fps still gives
#: the fit its samples (at 60 fps and more the window is set by ``half_window_s`` alone)
WINDOW_MIN_FRAMES = 2.2
#: frame intervals, s, of the rates the engine serves (24-240 fps) with a margin: in the first
#: ``FRAME_DT_STARTUP`` frames, an estimate outside them gives way to an interval nearer them
FRAME_DT_RANGE = (1.0 / 300.0, 1.0 / 20.0)
FRAME_DT_STARTUP = 30
#: a keypoint further than this many thigh lengths (hip to knee, over the window) from the
#: smoothing fit is a pose model's glitch, not motion, and is left out (``local_quadratic``):
#: on true joints at 6 m/s and 25 fps a quadratic over the window misses a sample by 0.13 thigh
#: at most, while a model that puts an ankle on the other shin moves it by half a thigh or more
#: (an ankle 70 px up in two frames cut a contact to 55 ms on ``runner-0041-slow``). The fit
#: holds the glitch too and bends toward it, so a glitch is left out from about 0.45 thigh at
#: 60 fps and 0.6 at 24-30 fps, where the window holds five frames
OUTLIER_THIGHS = 0.35
#: the most samples one fit leaves out
MAX_OUTLIERS = 2
#: how old, as a multiple of ``assign_legs``' ``fresh_s``, a track's last ankle may be for
#: where it puts the foot now to keep another foot's ankle off it (``_drop_duplicate``,
#: ``_drop_stray_ankle``):
#: ``runner-0041-slow``'s right ankle was last seen 4 frames (at 60 fps) before its label sat
#: on the left foot; a foot unseen longer is extrapolated too far to judge by (a review's
#: track, the ankle unseen 0.3 s, had a correct ankle dropped frame after frame)
STRAY_HORIZON = 2.0
#: residuals this close (relative) are equal: the kernel and its reference round differently
TIE = 1e-9

# COCO indices of hip, knee, ankle for the model's left and right labels
_LEG_KEYPOINTS = ((11, 13, 15), (12, 14, 16))


@njit(cache=True)
def keypoints_to_plane(kp: np.ndarray, par: np.ndarray, obs: np.ndarray) -> None:
    """Map the six leg keypoints of one frame into the sagittal plane.

    kp: (17, 3) pixels and confidence. par: parameters with the 3x3 image->plane homography.
    obs: (2, 3, 3) out, [label leg (0 left, 1 right), joint, (x, y, weight)]; a keypoint below
    the minimum confidence or not finite gets NaN and weight 0.
    """
    h = par[PAR_H00 : PAR_H00 + 9]
    for leg in range(N_LEGS):
        for j in range(N_JOINTS):
            u = kp[_LEG_KEYPOINTS[leg][j], 0]
            v = kp[_LEG_KEYPOINTS[leg][j], 1]
            c = kp[_LEG_KEYPOINTS[leg][j], 2]
            if np.isfinite(u) and np.isfinite(v) and np.isfinite(c) and c >= par[PAR_MIN_CONF]:
                w = h[6] * u + h[7] * v + h[8]
                obs[leg, j, 0] = (h[0] * u + h[1] * v + h[2]) / w
                obs[leg, j, 1] = (h[3] * u + h[4] * v + h[5]) / w
                obs[leg, j, 2] = c
            else:
                obs[leg, j, 0] = np.nan
                obs[leg, j, 1] = np.nan
                obs[leg, j, 2] = 0.0


@njit(cache=True)
def quadratic_fit(
    t: np.ndarray, y: np.ndarray, w: np.ndarray, tc: float, half: float
) -> tuple[int, bool, float, float, float]:
    """Least-squares y = c0 + c1 x + c2 x^2 with x = (t - tc) / half, over the samples within
    ``half`` seconds of ``tc`` (weight > 0, finite).

    Returns the sample count, whether samples lie on both sides of tc, and c0, c1, c2 (NaN when
    the fit is degenerate).
    """
    s0 = s1 = s2 = s3 = s4 = 0.0
    b0 = b1 = b2 = 0.0
    n = 0
    before = False
    after = False
    for i in range(t.shape[0]):
        d = t[i] - tc
        if w[i] <= 0.0 or not np.isfinite(y[i]) or not abs(d) <= half + 1e-9:
            continue
        n += 1
        before |= d < -1e-9
        after |= d > 1e-9
        x = d / half
        x2 = x * x
        s0 += 1.0
        s1 += x
        s2 += x2
        s3 += x2 * x
        s4 += x2 * x2
        b0 += y[i]
        b1 += y[i] * x
        b2 += y[i] * x2
    # Normal equations solved by Cramer's rule (3x3).
    det = s0 * (s2 * s4 - s3 * s3) - s1 * (s1 * s4 - s3 * s2) + s2 * (s1 * s3 - s2 * s2)
    if abs(det) < 1e-12:
        return n, before and after, np.nan, np.nan, np.nan
    c0 = (b0 * (s2 * s4 - s3 * s3) - s1 * (b1 * s4 - s3 * b2) + s2 * (b1 * s3 - s2 * b2)) / det
    c1 = (s0 * (b1 * s4 - b2 * s3) - b0 * (s1 * s4 - s3 * s2) + s2 * (s1 * b2 - b1 * s2)) / det
    c2 = (s0 * (s2 * b2 - b1 * s3) - s1 * (s1 * b2 - b1 * s2) + b0 * (s1 * s3 - s2 * s2)) / det
    return n, before and after, c0, c1, c2


@njit(cache=True)
def local_quadratic(
    t: np.ndarray, y: np.ndarray, w: np.ndarray, tc: float, half: float, min_n: int, reject: float
) -> tuple[float, float]:
    """Value and slope at ``tc`` of the least-squares quadratic through the samples within
    ``half`` seconds of it (weight > 0, finite). NaN, NaN with fewer than ``min_n`` samples or
    none on one side of ``tc``.

    While the sample furthest from the fit lies further than ``reject`` (plane units; 0: none)
    and in the inner half of the window, and the fit has more than ``min_n`` samples, it is
    left out and the fit made again, ``MAX_OUTLIERS`` times at most.

    t, y, w: (n,) float64 seconds, plane units, weights.
    """
    n, both_sides, c0, c1, c2 = quadratic_fit(t, y, w, tc, half)
    kept = w
    for _ in range(MAX_OUTLIERS if reject > 0.0 else 0):
        worst = -1
        worst_r = 0.0
        for i in range(t.shape[0]):
            d = t[i] - tc
            if kept[i] <= 0.0 or not np.isfinite(y[i]) or not abs(d) <= half + 1e-9:
                continue
            x = d / half
            r = abs(y[i] - (c0 + c1 * x + c2 * x * x))
            # Equal residuals (to rounding): the sample nearer tc, then the earlier.
            tie = TIE * max(1.0, worst_r)
            if r > worst_r + tie or (
                worst >= 0 and abs(r - worst_r) <= tie and abs(d) < abs(t[worst] - tc) - 1e-12
            ):
                worst, worst_r = i, r
        # A sample at the window's edge bends the fit toward itself, so another's residual
        # says little: only one in the inner half, where the fit holds, is left out, and only
        # while the fit keeps ``min_n`` samples.
        if worst < 0 or worst_r <= reject or abs(t[worst] - tc) > 0.5 * half or n <= min_n:
            break
        kept = kept.copy()
        kept[worst] = 0.0
        n, both_sides, c0, c1, c2 = quadratic_fit(t, y, kept, tc, half)
    if n < min_n or not both_sides:
        return np.nan, np.nan
    return c0, c1 / half


@njit(cache=True)
def knee_flexion_deg(hx: float, hy: float, kx: float, ky: float, ax: float, ay: float) -> float:
    """180 minus the interior hip-knee-ankle angle, degrees (NaN if a point is missing or a
    segment has no length)."""
    ux, uy = hx - kx, hy - ky
    vx, vy = ax - kx, ay - ky
    if (ux == 0.0 and uy == 0.0) or (vx == 0.0 and vy == 0.0):
        return np.nan
    interior = np.degrees(np.arctan2(abs(ux * vy - uy * vx), ux * vx + uy * vy))
    return 180.0 - interior


@njit(cache=True)
def assign_legs(
    obs: np.ndarray,
    t: float,
    trk: np.ndarray,
    gap_s: float,
    fresh_s: float,
    stance: np.ndarray,
    out: np.ndarray,
) -> bool:
    """Assign this frame's two labelled leg triplets to the two persistent leg tracks.

    obs: (2, 3, 3) by label [leg, joint, (x, y, weight)]. trk: tracker state (updated).
    gap_s: how old a track's last point may be to predict from; fresh_s: how old it may be for
    the prediction to be trusted to reject an ambiguous frame. stance: (2, 3) by track, where
    a foot on the belt has its ankle now (x, y, 1), or (NaN, NaN, 0) (``stance_ankles``).
    out: (2, 3, 3) by track. Returns True when the labels were swapped relative to the tracks.

    A foot on the belt decides the pairing when one label's ankle is clearly nearer to where
    the belt has carried it: that holds even while the legs cross and a pose model puts both
    ankles between them. Otherwise each track predicts its knee and ankle at ``t`` from its
    last position and velocity (a foot on the belt: its ankle from the belt), and the pairing
    (keep or swap) with the smaller mean squared distance wins. When both labels sit on the
    same leg (a pose model's usual failure on the far leg), only the better matching one is
    kept; when only their ankles sit on one foot, or one label's ankle sits on the other foot
    while that foot's own is missing, the ankle is kept off the track whose foot is clearly
    elsewhere (``_drop_duplicate``, ``_drop_stray_ankle``).
    """
    cost_keep = 0.0
    cost_swap = 0.0
    n_keep = 0
    n_swap = 0
    stale = False
    for j in (KNEE, ANKLE):
        for track in range(N_LEGS):
            if j == ANKLE and stance[track, 2] > 0.0:
                continue
            last_t = trk[trk_col(track, j, 2)]
            stale |= not np.isfinite(last_t) or t - last_t > fresh_s
    for j in (KNEE, ANKLE):
        for label in range(N_LEGS):
            if obs[label, j, 2] <= 0.0:
                continue
            for track in range(N_LEGS):
                last_t = trk[trk_col(track, j, 2)]
                if j == ANKLE and stance[track, 2] > 0.0:
                    px = stance[track, 0]
                    py = stance[track, 1]
                elif not np.isfinite(last_t) or t - last_t > gap_s:
                    continue
                else:
                    dt = t - last_t
                    px = trk[trk_col(track, j, 0)] + trk[trk_col(track, j, 3)] * dt
                    py = trk[trk_col(track, j, 1)] + trk[trk_col(track, j, 4)] * dt
                d2 = (obs[label, j, 0] - px) ** 2 + (obs[label, j, 1] - py) ** 2
                if label == track:
                    cost_keep += d2
                    n_keep += 1
                else:
                    cost_swap += d2
                    n_swap += 1
    # A pairing must fit at least twice as well as the other to be trusted. Where neither
    # does (legs crossing, a fast swing off its prediction), the frame's knees and ankles are
    # dropped rather than risk handing one leg's points to the other track for good.
    swapped = trk[TRK_SWAP_STATE] > 0.5
    ambiguous = False
    line = _stance_line_pairing(obs, stance)
    if line >= 0:
        swapped = line == 1
    elif n_keep > 0 and n_swap > 0:
        keep = cost_keep / n_keep
        swap = cost_swap / n_swap
        if 2.0 * swap < keep:
            swapped = True
        elif 2.0 * keep < swap:
            swapped = False
        elif stale:
            swapped = 2.0 * swap < keep if not swapped else swap < 2.0 * keep
        else:
            ambiguous = True
    elif n_swap > 0 and n_keep == 0:
        swapped = True
    elif n_keep > 0 and n_swap == 0:
        swapped = False
    for track in range(N_LEGS):
        label = 1 - track if swapped else track
        for j in range(N_JOINTS):
            for c in range(3):
                out[track, j, c] = obs[label, j, c]
            if ambiguous and j != HIP:
                out[track, j, 0] = np.nan
                out[track, j, 1] = np.nan
                out[track, j, 2] = 0.0
    horizon = STRAY_HORIZON * fresh_s
    _drop_duplicate(out, trk, t, gap_s, horizon, stance)
    _drop_stray_ankle(out, trk, t, horizon, stance)
    if n_keep > 0 or n_swap > 0:
        trk[TRK_SWAP_STATE] += 0.1 * ((1.0 if swapped else 0.0) - trk[TRK_SWAP_STATE])
    for track in range(N_LEGS):
        for j in range(N_JOINTS):
            if out[track, j, 2] <= 0.0:
                continue
            last_t = trk[trk_col(track, j, 2)]
            vx = 0.0
            vy = 0.0
            if np.isfinite(last_t) and 0.0 < t - last_t <= gap_s:
                dt = t - last_t
                vx = (
                    0.5 * trk[trk_col(track, j, 3)]
                    + 0.5 * (out[track, j, 0] - trk[trk_col(track, j, 0)]) / dt
                )
                vy = (
                    0.5 * trk[trk_col(track, j, 4)]
                    + 0.5 * (out[track, j, 1] - trk[trk_col(track, j, 1)]) / dt
                )
            trk[trk_col(track, j, 0)] = out[track, j, 0]
            trk[trk_col(track, j, 1)] = out[track, j, 1]
            trk[trk_col(track, j, 2)] = t
            trk[trk_col(track, j, 3)] = vx
            trk[trk_col(track, j, 4)] = vy
    return swapped


@njit(cache=True)
def window_half_s(half_window_s: float, frame_dt: float) -> float:
    """The smoothing window's half-width, seconds: ``half_window_s``, widened at a low frame
    rate to ``WINDOW_MIN_FRAMES`` frame intervals (frame_dt NaN while not yet known)."""
    if np.isfinite(frame_dt) and frame_dt > 0.0:
        return max(half_window_s, WINDOW_MIN_FRAMES * frame_dt)
    return half_window_s


@njit(cache=True)
def typical_contact_s(par: np.ndarray) -> float:
    """The runner's typical contact time, or the prior until one has been learned."""
    contact = par[PAR_TYPICAL_CONTACT_S]
    return contact if np.isfinite(contact) else CONTACT_PRIOR_S


@njit(cache=True)
def stance_ankles(det: np.ndarray, par: np.ndarray, t: float, out: np.ndarray) -> None:
    """Where each foot on the belt has its ankle at ``t``: carried back at the stance speed
    from where it landed, for up to the runner's typical contact time.

    det: (2, N_DET) detector state by leg track. out: (2, 3) by track, (x, y, 1) for a foot
    in a stance that began with a seen landing, else (NaN, NaN, 0).
    """
    speed = par[PAR_STANCE_SPEED]
    contact = typical_contact_s(par)
    for track in range(N_LEGS):
        since = t - det[track, DET_IC_T]
        if (
            det[track, DET_PHASE] == PHASE_STANCE
            and speed > 0.0
            and np.isfinite(det[track, DET_IC_X])
            and 0.0 <= since <= contact
        ):
            out[track, 0] = det[track, DET_IC_X] - speed * since
            out[track, 1] = det[track, DET_IC_Y]
            out[track, 2] = 1.0
        else:
            out[track, 0] = np.nan
            out[track, 1] = np.nan
            out[track, 2] = 0.0


@njit(cache=True)
def _stance_line_pairing(obs: np.ndarray, stance: np.ndarray) -> int:
    """0 (keep) or 1 (swap) when, summed over the feet on the belt, one pairing puts the
    labels' ankles at least twice as close (squared) to where the belt has carried those feet
    as the other; -1 when that does not decide (no foot on the belt, an ankle missing)."""
    if obs[0, ANKLE, 2] <= 0.0 or obs[1, ANKLE, 2] <= 0.0:
        return -1
    keep = 0.0
    swap = 0.0
    n = 0
    for track in range(N_LEGS):
        if stance[track, 2] <= 0.0:
            continue
        for label in range(N_LEGS):
            d2 = (obs[label, ANKLE, 0] - stance[track, 0]) ** 2 + (
                obs[label, ANKLE, 1] - stance[track, 1]
            ) ** 2
            if label == track:
                keep += d2
            else:
                swap += d2
        n += 1
    if n == 0:
        return -1
    if 2.0 * swap < keep:
        return 1
    if 2.0 * keep < swap:
        return 0
    return -1


@njit(cache=True)
def _drop_duplicate(
    out: np.ndarray, trk: np.ndarray, t: float, gap_s: float, horizon: float, stance: np.ndarray
) -> None:
    """If both tracks got (nearly) the same knee and ankle, keep them on the nearer track only.
    If they got the same ankle alone (a pose model putting both ankle labels on one foot, the
    knees still apart), two feet are not at one point of the plane (where the legs cross, the
    swing foot passes well above the one on the belt): the ankle is dropped from the track
    whose foot is expected further than a pose model's glitch (``OUTLIER_THIGHS``) from it and
    over twice as far as the other's (``_predicted_ankle``, its last ankle ``horizon`` old at
    most); where both could own it, both keep it. ``runner-0041-slow``: the right ankle label
    on the left foot as the right foot was about to leave the belt had both tracks' ankles on
    the left foot, the right track's taking off 100 ms early and landing again at once, 83 ms
    before the left foot."""
    if out[0, ANKLE, 2] <= 0.0 or out[1, ANKLE, 2] <= 0.0:
        return
    thigh = _seen_thigh(out, 0)
    if not np.isfinite(thigh):
        thigh = _seen_thigh(out, 1)
    if not np.isfinite(thigh) or thigh <= 0.0:
        return
    tol = 0.15 * thigh
    if np.hypot(out[0, ANKLE, 0] - out[1, ANKLE, 0], out[0, ANKLE, 1] - out[1, ANKLE, 1]) > tol:
        return
    knees = (
        out[0, KNEE, 2] > 0.0
        and out[1, KNEE, 2] > 0.0
        and np.hypot(out[0, KNEE, 0] - out[1, KNEE, 0], out[0, KNEE, 1] - out[1, KNEE, 1]) <= tol
    )
    first = KNEE if knees else ANKLE
    # Where each track's points are expected must be known to judge.
    d = np.zeros(2)
    at = np.empty(2)
    for track in range(N_LEGS):
        if not knees:
            if not _predicted_ankle(trk, t, horizon, stance, track, at):
                return
            d[track] = np.hypot(out[track, ANKLE, 0] - at[0], out[track, ANKLE, 1] - at[1])
            continue
        for j in (KNEE, ANKLE):
            last_t = trk[trk_col(track, j, 2)]
            if not np.isfinite(last_t) or t - last_t > gap_s:
                return
            dt = t - last_t
            px = trk[trk_col(track, j, 0)] + trk[trk_col(track, j, 3)] * dt
            py = trk[trk_col(track, j, 1)] + trk[trk_col(track, j, 4)] * dt
            d[track] += np.hypot(out[track, j, 0] - px, out[track, j, 1] - py)
    drop = 1 if d[0] <= d[1] else 0
    if not knees and not (d[drop] > OUTLIER_THIGHS * thigh and 2.0 * d[1 - drop] < d[drop]):
        # The ankle fits both tracks' feet about as well: nothing tells whose it is.
        return
    for j in range(first, ANKLE + 1):
        out[drop, j, 0] = np.nan
        out[drop, j, 1] = np.nan
        out[drop, j, 2] = 0.0


@njit(cache=True)
def _seen_thigh(out: np.ndarray, track: int) -> float:
    """A track's hip-to-knee distance in this frame's assignment ``out``; NaN where either is
    not seen."""
    if out[track, KNEE, 2] <= 0.0 or out[track, HIP, 2] <= 0.0:
        return np.nan
    return np.hypot(
        out[track, KNEE, 0] - out[track, HIP, 0], out[track, KNEE, 1] - out[track, HIP, 1]
    )


@njit(cache=True)
def _predicted_ankle(
    trk: np.ndarray, t: float, horizon: float, stance: np.ndarray, track: int, out: np.ndarray
) -> bool:
    """Where a track's ankle is expected at ``t``, into ``out`` (x, y): where the belt has carried
    a foot on it, else from the track's last position and speed; False when the track's last
    ankle is older than ``horizon``."""
    if stance[track, 2] > 0.0:
        out[0] = stance[track, 0]
        out[1] = stance[track, 1]
        return True
    last_t = trk[trk_col(track, ANKLE, 2)]
    if not np.isfinite(last_t) or t - last_t > horizon:
        return False
    dt = t - last_t
    out[0] = trk[trk_col(track, ANKLE, 0)] + trk[trk_col(track, ANKLE, 3)] * dt
    out[1] = trk[trk_col(track, ANKLE, 1)] + trk[trk_col(track, ANKLE, 4)] * dt
    return True


@njit(cache=True)
def _drop_stray_ankle(
    out: np.ndarray, trk: np.ndarray, t: float, horizon: float, stance: np.ndarray
) -> None:
    """An ankle on one track alone, far (``OUTLIER_THIGHS``) from where that track's foot is
    expected and at most half as far from where the other foot is, is the other foot's: a pose
    model's ankle label put on the other foot while that foot's own label is missing, the knees
    right (the pairing, knees and ankles together, keeps the labels). It is dropped, not moved;
    each foot's place as ``_predicted_ankle`` puts it, ``horizon`` old at most.
    ``runner-0041-slow``: the right ankle label on the landing left foot as the right foot left
    the belt, the left one unseen, had the right track take off 100 ms early and land at once."""
    own = np.empty(2)
    theirs = np.empty(2)
    for track in range(N_LEGS):
        other = 1 - track
        if out[track, ANKLE, 2] <= 0.0 or out[other, ANKLE, 2] > 0.0:
            continue
        thigh = _seen_thigh(out, track)
        if not (
            np.isfinite(thigh)
            and thigh > 0.0
            and _predicted_ankle(trk, t, horizon, stance, track, own)
            and _predicted_ankle(trk, t, horizon, stance, other, theirs)
        ):
            continue
        d_own = np.hypot(out[track, ANKLE, 0] - own[0], out[track, ANKLE, 1] - own[1])
        d_other = np.hypot(out[track, ANKLE, 0] - theirs[0], out[track, ANKLE, 1] - theirs[1])
        if d_own > OUTLIER_THIGHS * thigh and 2.0 * d_other < d_own:
            out[track, ANKLE, 0] = np.nan
            out[track, ANKLE, 1] = np.nan
            out[track, ANKLE, 2] = 0.0


@njit(cache=True)
def thigh_length(win: np.ndarray, leg: int) -> float:
    """Median hip-to-knee distance of ``leg`` over the raw rows ``win``; 0 when never seen."""
    d = np.empty(win.shape[0])
    n = 0
    for i in range(win.shape[0]):
        if win[i, raw_col(leg, HIP, 2)] > 0.0 and win[i, raw_col(leg, KNEE, 2)] > 0.0:
            dx = win[i, raw_col(leg, HIP, 0)] - win[i, raw_col(leg, KNEE, 0)]
            dy = win[i, raw_col(leg, HIP, 1)] - win[i, raw_col(leg, KNEE, 1)]
            if np.isfinite(dx) and np.isfinite(dy):
                d[n] = math.hypot(dx, dy)
                n += 1
    return float(np.median(d[:n])) if n else 0.0


@njit(cache=True)
def smooth_frame(
    raw: np.ndarray, written: int, frame: int, half: float, min_n: int, sm: np.ndarray
) -> None:
    """Fill the smoothed row of ``frame`` from the raw samples within ``half`` seconds.

    raw: (C, N_RAW) ring buffer holding frames ``max(0, written - C)`` .. ``written - 1``.
    sm: (C, N_SM) ring buffer, row ``frame % C`` written.
    """
    cap = raw.shape[0]
    first = max(0, written - cap)
    tc = raw[frame % cap, RAW_T]
    lo = frame
    while lo > first and tc - raw[(lo - 1) % cap, RAW_T] <= half + 1e-9:
        lo -= 1
    hi = frame
    while hi < written - 1 and raw[(hi + 1) % cap, RAW_T] - tc <= half + 1e-9:
        hi += 1
    n = hi - lo + 1
    win = np.empty((n, N_RAW))
    for i in range(n):
        win[i] = raw[(lo + i) % cap]
    row = sm[frame % cap]
    row[SM_T] = tc
    ts = win[:, RAW_T]
    for leg in range(N_LEGS):
        reject = OUTLIER_THIGHS * thigh_length(win, leg)
        for j in range(N_JOINTS):
            ws = win[:, raw_col(leg, j, 2)]
            x, vx = local_quadratic(ts, win[:, raw_col(leg, j, 0)], ws, tc, half, min_n, reject)
            y, vy = local_quadratic(ts, win[:, raw_col(leg, j, 1)], ws, tc, half, min_n, reject)
            row[sm_col(leg, j, 0)] = x
            row[sm_col(leg, j, 1)] = y
            row[sm_col(leg, j, 2)] = vx
            row[sm_col(leg, j, 3)] = vy
    hips_x = 0.0
    hips_y = 0.0
    n_hips = 0
    for leg in range(N_LEGS):
        if np.isfinite(row[sm_col(leg, HIP, 0)]) and np.isfinite(row[sm_col(leg, HIP, 1)]):
            hips_x += row[sm_col(leg, HIP, 0)]
            hips_y += row[sm_col(leg, HIP, 1)]
            n_hips += 1
    row[SM_MID_X] = hips_x / n_hips if n_hips else np.nan
    row[SM_MID_Y] = hips_y / n_hips if n_hips else np.nan
    for leg in range(N_LEGS):
        row[SM_KNEE_FLEX + leg] = knee_flexion_deg(
            row[sm_col(leg, HIP, 0)],
            row[sm_col(leg, HIP, 1)],
            row[sm_col(leg, KNEE, 0)],
            row[sm_col(leg, KNEE, 1)],
            row[sm_col(leg, ANKLE, 0)],
            row[sm_col(leg, ANKLE, 1)],
        )


@njit(cache=True)
def knee_minimum_time(sm: np.ndarray, frame: int, leg: int, half: float) -> float:
    """Sub-frame time of the knee-flexion minimum near ``frame``: vertex of the least-squares
    parabola through the smoothed knee flexion within ``half`` seconds (clamped to the window).
    """
    cap = sm.shape[0]
    tc = sm[frame % cap, SM_T]
    first = max(0, frame - 64)
    rows = np.empty((frame + 65 - first, sm.shape[1]))
    for k in range(first, frame + 65):
        rows[k - first] = sm[k % cap]
    n, _, _, c1, c2 = quadratic_fit(
        rows[:, SM_T], rows[:, SM_KNEE_FLEX + leg], np.ones(rows.shape[0]), tc, half
    )
    if n < 3 or not c2 > 0.0:
        return tc
    x = min(max(-c1 / (2.0 * c2), -1.0), 1.0)
    return tc + x * half


@njit(cache=True)
def detect_leg(
    sm: np.ndarray,
    frame: int,
    leg: int,
    det: np.ndarray,
    par: np.ndarray,
    frame_dt: float,
    events: np.ndarray,
    n_events: int,
) -> int:
    """Advance one leg's contact state machine to smoothed ``frame``; append events.

    Initial contact: the ankle's forward velocity falls through ``-ic_fraction * stance_speed``
    (the foot decelerating to move with the belt) while ahead of the mid-hip, interpolated
    between frames. Toe-off: the knee-flexion minimum in late stance (knee extension peak, once
    the knee has extended from its stance peak), refined to sub-frame and moved earlier by
    ``to_offset_s``, confirmed once flexion has risen ``to_margin_deg`` and the whole fitting
    window is in; a minimum that puts it sooner than ``MIN_CONTACT_S`` after the landing is a
    knee put wrong for a frame, and the search for the extension starts again. With
    ``ankle_toe_off`` (a bottom-up pose model's knees, which lag in early swing, making the
    knee's peak late) the earlier of that and the ankle's velocity rising back
    through the threshold (the foot leaving the belt's motion), the first rise after the last
    fall, no sooner than half the runner's typical contact. A rise alone, when the foot swings
    forward at half the stance speed for two frames (not one: a pose model's leg swap for a
    frame or two as the legs cross looks like that) before the knee shows its peak, is the
    toe-off with quality 0.5. When the keypoints drop out across an event, the event is placed
    by the runner's own rhythm (last contact plus the typical stride or contact time), a toe-off
    where the ankle was seen rising off the belt's speed before the gap and never before the
    last knee extension seen, with quality 0.5. det: (N_DET,) this leg's state; frame_dt: the
    frame interval, seconds. Returns the new event count.
    """
    cap = sm.shape[0]
    row = sm[frame % cap]
    tc = row[SM_T]
    vx = row[sm_col(leg, ANKLE, 2)]
    rel = row[sm_col(leg, ANKLE, 0)] - row[SM_MID_X]
    kf = row[SM_KNEE_FLEX + leg]
    if not (np.isfinite(vx) and np.isfinite(rel) and np.isfinite(kf)):
        if np.isfinite(det[DET_LAST_VALID_T]) and tc - det[DET_LAST_VALID_T] > par[PAR_GAP_S]:
            det[DET_PHASE] = PHASE_UNKNOWN
        return n_events
    if np.isfinite(det[DET_LAST_VALID_T]) and tc - det[DET_LAST_VALID_T] > par[PAR_GAP_S]:
        det[DET_PHASE] = PHASE_UNKNOWN
    det[DET_LAST_VALID_T] = tc
    speed = par[PAR_STANCE_SPEED]
    prev_t = det[DET_PREV_T]
    prev_vx = det[DET_PREV_VX]
    prev_rel = det[DET_PREV_REL]
    det[DET_PREV_T] = tc
    det[DET_PREV_VX] = vx
    det[DET_PREV_REL] = rel
    gap = tc - prev_t > 1.5 * frame_dt
    half = window_half_s(par[PAR_HALF_WINDOW_S], frame_dt)
    if not speed > 0.0:
        return n_events
    thr = -par[PAR_IC_FRACTION] * speed
    # Which side of the threshold the last sample was on, judged with the threshold of its
    # time: the stance speed, and so the threshold, is refined as contacts are learned.
    was_above = det[DET_PREV_ABOVE]
    det[DET_PREV_ABOVE] = 1.0 if vx >= thr else 0.0
    fell = was_above == 1.0 and vx < thr and np.isfinite(prev_vx)
    rose = was_above == 0.0 and vx >= thr and np.isfinite(prev_vx)
    phase = det[DET_PHASE]
    if phase == PHASE_UNKNOWN:
        if vx > 0.0:
            det[DET_PHASE] = PHASE_SWING
    elif phase == PHASE_SWING:
        if fell:
            ic = prev_t + min(max((prev_vx - thr) / (prev_vx - vx), 0.0), 1.0) * (tc - prev_t)
            quality = 1.0 if rel > 0.0 else 0.0
            if gap:
                # The landing was not seen: place it by the runner's rhythm when that falls in
                # the dropout, else where the velocity crossed, if the foot was ahead of the
                # hips on either side of the gap.
                guess = det[DET_LAST_IC_T] + par[PAR_TYPICAL_STRIDE_S]
                if prev_t <= guess <= tc:
                    ic = guess
                    quality = 0.5
                else:
                    quality = 0.5 if rel > 0.0 or prev_rel > 0.0 else 0.0
            if quality == 0.0:
                return n_events
            if quality == 1.0:
                _start_stance(
                    det, ic, row[sm_col(leg, ANKLE, 0)] + vx * (ic - tc), row[sm_col(leg, ANKLE, 1)]
                )
            else:
                _start_stance(det, ic, np.nan, np.nan)
            n_events = _emit(events, n_events, leg, EV_IC, ic, quality)
    elif phase == PHASE_STANCE:
        # Back on the belt after a gap, longer after the landing than any contact of this
        # runner's: the foot took off and landed again while the keypoints were gone (at
        # 24-30 fps a pose model's dropout of a few frames can hide a whole swing).
        landed_again = gap and vx < thr and tc - det[DET_IC_T] > 1.5 * typical_contact_s(par)
        if gap and (vx > 0.0 or landed_again):
            # The foot took off while the keypoints were gone. A knee minimum seen before the
            # gap with data after it is the toe-off; else the rhythm places it in the gap, and
            # the landing after it too when the foot is down again.
            start = prev_t
            to = np.nan
            if det[DET_EXTENDING] == 1.0 and np.isfinite(det[DET_KMIN]):
                kmin_frame = int(det[DET_KMIN_FRAME])
                start = sm[kmin_frame % cap, SM_T]
                if np.isfinite(sm[(kmin_frame + 1) % cap, SM_KNEE_FLEX + leg]):
                    to = knee_minimum_time(sm, kmin_frame, leg, half) - par[PAR_TO_OFFSET_S]
                    if to - det[DET_IC_T] < MIN_CONTACT_S:
                        to = np.nan  # a knee put wrong, as below
            if not np.isfinite(to):
                # The ankle seen rising off the belt's speed before the gap, else the rhythm.
                to = det[DET_UP_T]
            if not np.isfinite(to):
                to = det[DET_IC_T] + par[PAR_TYPICAL_CONTACT_S]
                to = min(max(to, start), tc) if np.isfinite(to) else 0.5 * (start + tc)
            to = max(to, det[DET_IC_T])
            det[DET_PHASE] = PHASE_SWING
            n_events = _emit(events, n_events, leg, EV_TO, to, 0.5)
            ic = det[DET_LAST_IC_T] + par[PAR_TYPICAL_STRIDE_S]
            if landed_again and to < ic and prev_t <= ic <= tc:
                _start_stance(det, ic, np.nan, np.nan)
                n_events = _emit(events, n_events, leg, EV_IC, ic, 0.5)
            return n_events
        if tc - det[DET_IC_T] > par[PAR_MAX_CONTACT_S]:
            det[DET_PHASE] = PHASE_UNKNOWN
            return n_events
        if fell:
            # The foot dropped back to the belt's speed: the rise before was noise.
            det[DET_UP_T] = np.nan
        if rose and not np.isfinite(det[DET_UP_T]):
            up = prev_t + min(max((thr - prev_vx) / (vx - prev_vx), 0.0), 1.0) * (tc - prev_t)
            # Half this runner's usual contact is too soon to leave the belt: a blip.
            if up - det[DET_IC_T] >= 0.5 * typical_contact_s(par):
                det[DET_UP_T] = up
        if det[DET_EXTENDING] == 0.0:
            det[DET_KMAX] = max(det[DET_KMAX], kf)
            if kf < det[DET_KMAX] - par[PAR_EXT_MARGIN_DEG]:
                det[DET_EXTENDING] = 1.0
        elif rel < 0.0:
            if kf < det[DET_KMIN]:
                det[DET_KMIN] = kf
                det[DET_KMIN_FRAME] = frame
            elif (
                kf > det[DET_KMIN] + par[PAR_TO_MARGIN_DEG]
                and tc - sm[int(det[DET_KMIN_FRAME]) % cap, SM_T] >= half
            ):
                kmin_frame = int(det[DET_KMIN_FRAME])
                quality = 1.0
                if np.isfinite(sm[(kmin_frame + 1) % cap, SM_KNEE_FLEX + leg]):
                    to = knee_minimum_time(sm, kmin_frame, leg, half)
                    to -= par[PAR_TO_OFFSET_S]
                    if to - det[DET_IC_T] < MIN_CONTACT_S:
                        # No foot leaves the belt this soon after landing: the knee put wrong
                        # for a frame or two dipped. Look for its extension again.
                        det[DET_EXTENDING] = 0.0
                        det[DET_KMAX] = kf
                        det[DET_KMIN] = np.inf
                        return n_events
                    if par[PAR_ANKLE_TOE_OFF] == 1.0 and np.isfinite(det[DET_UP_T]):
                        to = min(to, det[DET_UP_T])
                elif np.isfinite(det[DET_UP_T]):
                    # The minimum sits at the edge of a dropout, but the ankle was seen rising
                    # off the belt's speed.
                    quality = 0.5
                    to = det[DET_UP_T]
                else:
                    # The minimum sits at the edge of a dropout: the true one is in the gap.
                    quality = 0.5
                    to = det[DET_IC_T] + par[PAR_TYPICAL_CONTACT_S]
                    start = sm[kmin_frame % cap, SM_T]
                    to = min(max(to, start), tc) if np.isfinite(to) else 0.5 * (start + tc)
                det[DET_PHASE] = PHASE_SWING
                return _emit(events, n_events, leg, EV_TO, max(to, det[DET_IC_T]), quality)
        if vx > 0.5 * speed and prev_vx > 0.5 * speed and np.isfinite(det[DET_UP_T]):
            det[DET_PHASE] = PHASE_SWING
            n_events = _emit(events, n_events, leg, EV_TO, det[DET_UP_T], 0.5)
    return n_events


@njit(cache=True)
def _start_stance(det: np.ndarray, ic: float, x: float, y: float) -> None:
    """Put a leg's detector in stance from a landing at ``ic`` s, at plane point (x, y) (NaN
    when the landing was not seen)."""
    det[DET_PHASE] = PHASE_STANCE
    det[DET_LAST_IC_T] = ic
    det[DET_IC_T] = ic
    det[DET_IC_X] = x
    det[DET_IC_Y] = y
    det[DET_KMAX] = -np.inf
    det[DET_EXTENDING] = 0.0
    det[DET_KMIN] = np.inf
    det[DET_UP_T] = np.nan


@njit(cache=True)
def _emit(events: np.ndarray, n: int, leg: int, kind: float, t: float, quality: float) -> int:
    if n >= events.shape[0]:
        return n
    events[n, 0] = leg
    events[n, 1] = kind
    events[n, 2] = t
    events[n, 3] = quality
    return n + 1


@njit(cache=True)
def process_frame(
    kp: np.ndarray,
    t: float,
    raw: np.ndarray,
    sm: np.ndarray,
    ctr: np.ndarray,
    trk: np.ndarray,
    det: np.ndarray,
    par: np.ndarray,
    events: np.ndarray,
) -> int:
    """Everything the engine does per frame, in one call.

    kp: (17, 3) float64 pixels and confidence of the runner (NaN/0 where missing), t seconds.
    Maps the legs to the plane, assigns them to the leg tracks, appends the frame to ``raw``,
    smooths every frame now ``half_window`` old and runs both detectors on it. Events land in
    ``events`` (MAX_EVENTS, 4): (leg track, kind, time s, quality); returns how many.
    """
    cap = raw.shape[0]
    obs = np.empty((N_LEGS, N_JOINTS, 3))
    assigned = np.empty((N_LEGS, N_JOINTS, 3))
    last_t = trk[TRK_LAST_T]
    if np.isfinite(last_t):
        dt = t - last_t
        prior = trk[TRK_FRAME_DT]
        lo, hi = FRAME_DT_RANGE
        # In the first frames, an estimate outside the rates the engine serves came from a gap
        # (the runner seen in one frame, then not for half a second) or from two frames handed
        # out at once: an interval nearer to those rates takes its place. Later, only the mean
        # moves, so a slow camera's jitter cannot toss it about.
        nearer = (prior > hi and dt < prior) or (prior < lo and dt > prior)
        if not np.isfinite(prior) or (ctr[CTR_WRITTEN] < FRAME_DT_STARTUP and nearer):
            trk[TRK_FRAME_DT] = dt
        elif 0.0 < dt < 3.0 * prior:
            trk[TRK_FRAME_DT] = prior + 0.05 * (dt - prior)
    trk[TRK_LAST_T] = t
    keypoints_to_plane(kp, par, obs)
    stance = np.empty((N_LEGS, 3))
    stance_ankles(det, par, t, stance)
    swapped = assign_legs(obs, t, trk, par[PAR_GAP_S], 3.5 * trk[TRK_FRAME_DT], stance, assigned)
    written = ctr[CTR_WRITTEN]
    row = raw[written % cap]
    row[RAW_T] = t
    row[RAW_SWAPPED] = 1.0 if swapped else 0.0
    for leg in range(N_LEGS):
        for j in range(N_JOINTS):
            for c in range(3):
                row[raw_col(leg, j, c)] = assigned[leg, j, c]
    written += 1
    ctr[CTR_WRITTEN] = written
    half = window_half_s(par[PAR_HALF_WINDOW_S], trk[TRK_FRAME_DT])
    min_n = int(par[PAR_MIN_SAMPLES])
    n_events = 0
    frame = ctr[CTR_SMOOTHED]
    while frame < written and t - raw[frame % cap, RAW_T] > half + 1e-9:
        smooth_frame(raw, written, frame, half, min_n, sm)
        n_events = detect_frames(
            sm, frame, frame + 1, det, par, trk[TRK_FRAME_DT], events, n_events
        )
        frame += 1
    ctr[CTR_SMOOTHED] = frame
    return n_events


@njit(cache=True)
def detect_frames(
    sm: np.ndarray,
    start: int,
    stop: int,
    det: np.ndarray,
    par: np.ndarray,
    frame_dt: float,
    events: np.ndarray,
    n_events: int,
) -> int:
    """Run both legs' detectors over smoothed frames start..stop-1; returns the event count."""
    for frame in range(start, stop):
        for leg in range(N_LEGS):
            n_events = detect_leg(sm, frame, leg, det[leg], par, frame_dt, events, n_events)
    return n_events
