"""Array layouts shared by the gait kernels, their references and the engine.

The engine keeps its state in a few flat numpy arrays so one numba call per frame can update
everything. Two leg tracks (0 and 1) each hold three joints (hip, knee, ankle); which track is the
runner's left leg is decided by the label votes the tracker keeps.
"""

from __future__ import annotations

from numba import njit

HIP, KNEE, ANKLE = 0, 1, 2
N_LEGS = 2
N_JOINTS = 3

# raw ring buffer (C, N_RAW): time, then x, y, weight per leg and joint, plane units, then
# whether the pose model's left/right labels were swapped relative to the tracks (0 or 1)
RAW_T = 0
RAW_SWAPPED = 1 + N_LEGS * N_JOINTS * 3
N_RAW = RAW_SWAPPED + 1


@njit(cache=True)
def raw_col(leg: int, joint: int, comp: int) -> int:
    """Column of component (0 x, 1 y, 2 weight) of a joint of a leg in the raw buffer."""
    return 1 + (leg * N_JOINTS + joint) * 3 + comp


# smoothed ring buffer (C, N_SM): time, then x, y, vx, vy per leg and joint, then the mid-hip
# and each leg's knee flexion; NaN where there were too few samples to fit
SM_T = 0
SM_MID_X = 1 + N_LEGS * N_JOINTS * 4
SM_MID_Y = SM_MID_X + 1
SM_KNEE_FLEX = SM_MID_Y + 1  # + leg
N_SM = SM_KNEE_FLEX + N_LEGS


@njit(cache=True)
def sm_col(leg: int, joint: int, comp: int) -> int:
    """Column of component (0 x, 1 y, 2 vx, 3 vy) of a joint of a leg in the smoothed buffer."""
    return 1 + (leg * N_JOINTS + joint) * 4 + comp


# counters (int64): next frame number to write, next frame number to smooth
CTR_WRITTEN, CTR_SMOOTHED = 0, 1
N_CTR = 2

# tracker state (float64): last position (x, y), its time and velocity per leg and joint, then
# the share of recent frames with swapped labels, the frame interval and the last frame's time
TRK_SWAP_STATE = N_LEGS * N_JOINTS * 5  # running share of recent frames with swapped labels
TRK_FRAME_DT = TRK_SWAP_STATE + 1  # running estimate of the frame interval, seconds
TRK_LAST_T = TRK_FRAME_DT + 1
N_TRK = TRK_LAST_T + 1


@njit(cache=True)
def trk_col(leg: int, joint: int, field: int) -> int:
    """Tracker slot: field 0 x, 1 y, 2 time, 3 vx, 4 vy of a joint of a leg."""
    return (leg * N_JOINTS + joint) * 5 + field


# detector state per leg (N_LEGS, N_DET)
PHASE_UNKNOWN, PHASE_SWING, PHASE_STANCE = 0.0, 1.0, 2.0
(
    DET_PHASE,
    DET_PREV_T,
    DET_PREV_VX,
    DET_LAST_VALID_T,
    DET_IC_T,
    DET_KMAX,
    DET_EXTENDING,
    DET_KMIN,
    DET_KMIN_FRAME,
    DET_UP_T,
    DET_LAST_IC_T,
    DET_PREV_REL,
    DET_PREV_ABOVE,
    DET_IC_X,
    DET_IC_Y,
) = range(15)
N_DET = 15

# parameters (float64): see GaitParams in engine.py for meaning and units
(
    PAR_HALF_WINDOW_S,
    PAR_MIN_SAMPLES,
    PAR_STANCE_SPEED,
    PAR_IC_FRACTION,
    PAR_TO_OFFSET_S,
    PAR_EXT_MARGIN_DEG,
    PAR_TO_MARGIN_DEG,
    PAR_MAX_CONTACT_S,
    PAR_GAP_S,
    PAR_MIN_CONF,
    PAR_TYPICAL_CONTACT_S,
    PAR_TYPICAL_STRIDE_S,
    PAR_H00,
    PAR_H01,
    PAR_H02,
    PAR_H10,
    PAR_H11,
    PAR_H12,
    PAR_H20,
    PAR_H21,
    PAR_H22,
    PAR_ANKLE_TOE_OFF,
) = range(22)
N_PAR = 22

# events out (E, 4): leg track, kind, time s, quality 0..1
EV_IC, EV_TO = 0.0, 1.0
MAX_EVENTS = 64  # per call; a frame produces at most a few, a re-detection a few dozen
