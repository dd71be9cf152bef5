"""Metric definitions of DESIGN.md, computed once per step from the smoothed signals.

Pure functions over the engine's smoothed rows (``layout`` columns): positions in plane units
(metres when calibrated, else pixels), x forward, y up, times in seconds. Angles in degrees:
thigh = hip->knee from straight down, positive forward; shank = knee->ankle from straight down,
positive with the ankle ahead of the knee; knee flexion = 180 - interior hip-knee-ankle angle.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from edge.gait.kernels import MIN_CONTACT_S
from edge.gait.layout import (
    ANKLE,
    HIP,
    KNEE,
    N_LEGS,
    RAW_SWAPPED,
    SM_MID_X,
    SM_MID_Y,
    SM_T,
    raw_col,
    sm_col,
)
from edge.gait.mode import RUNNING, WALKING
from edge.gait.step import Step
from edge.pace import RUNNING_CADENCE_SPM

#: hip extension is searched from mid-stance until toe-off plus this fraction of the contact
TO_EXTENSION_FRACTION = 0.10


@dataclass(frozen=True, slots=True)
class Contact:
    """One detected foot contact: initial contact and toe-off (s) and the toe-off's quality."""

    ic_t: float
    to_t: float
    quality: float


@dataclass(frozen=True, slots=True)
class StepContext:
    """What a step's metrics need beyond its own contact."""

    foot: str
    view: str | None
    yaw_deg: float | None
    leg: int
    metric: bool
    square: bool
    previous_ic: float | None
    other_next_ic: float | None
    next_ic: float | None
    leg_length: float
    belt_speed_mps: float | None
    max_gap_s: float
    gait: str | None = None
    # The belt's speed in plane units a second as the stance foot reads it (``GaitEngine``'s
    # ``_pace_speed``); 0: not known yet.
    pace_speed: float = 0.0
    # Where the camera is on a calibrated plane (``PlaneMapping.camera``), or None.
    camera: tuple[float, float] | None = None
    # The belt's speed was given (``belt_speed_mps`` is not read off the stance foot).
    belt_given: bool = False
    # A calibrated plane the stance feet do not stand on (``ANKLE_ON_BELT_M``).
    plane_off: bool = False
    # The gait the step's own hips point to (``edge.gait.mode.ModeTracker.leaning``), which the
    # mode's lag may count otherwise: a walk's first steps are counted as the run before it.
    leaning: str | None = None


def window(buf: np.ndarray, written: int, t0: float, t1: float) -> np.ndarray:
    """Rows of a ring buffer (C, K) whose time (column 0) lies in [t0, t1], oldest first."""
    cap = buf.shape[0]
    start = max(0, written - cap)
    rows = buf[np.arange(start, written) % cap]
    keep = (rows[:, 0] >= t0) & (rows[:, 0] <= t1)
    return rows[keep]


def thigh_angle(hip: np.ndarray, knee: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(knee[..., 0] - hip[..., 0], hip[..., 1] - knee[..., 1]))


def shank_angle(knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(ankle[..., 0] - knee[..., 0], knee[..., 1] - ankle[..., 1]))


def knee_flexion(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Knee flexion in degrees; NaN where a segment has no length."""
    u = hip - knee
    v = ankle - knee
    cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    dot = u[..., 0] * v[..., 0] + u[..., 1] * v[..., 1]
    degenerate = ~(np.any(u != 0, axis=-1) & np.any(v != 0, axis=-1))
    return np.where(degenerate, np.nan, 180.0 - np.degrees(np.arctan2(np.abs(cross), dot)))


def _joint(sm: np.ndarray, leg: int, joint: int) -> np.ndarray:
    return sm[:, [sm_col(leg, joint, 0), sm_col(leg, joint, 1)]]


def _at(sm: np.ndarray, column: int | list[int], t: float, max_gap: float) -> np.ndarray:
    """Columns of the smoothed rows linearly interpolated at time t; NaN unless samples less
    than ``max_gap`` seconds apart bracket t (no guessing across a dropout)."""
    cols = [column] if isinstance(column, int) else column
    out = np.full(len(cols), np.nan)
    for i, col in enumerate(cols):
        ok = np.isfinite(sm[:, col])
        ts = sm[ok, SM_T]
        k = int(np.searchsorted(ts, t))
        if 0 < k < len(ts) and ts[k] - ts[k - 1] <= max_gap:
            out[i] = np.interp(t, ts[k - 1 : k + 1], sm[ok, col][k - 1 : k + 1])
    return out


def _crossing_down(ts: np.ndarray, y: np.ndarray, max_gap: float = math.inf) -> float | None:
    """First time y goes from > 0 to <= 0, linearly interpolated; None when it does not, or
    when the samples either side lie more than ``max_gap`` seconds apart (not seen)."""
    ok = np.isfinite(y)
    ts, y = ts[ok], y[ok]
    below = np.flatnonzero(y <= 0)
    if len(below) == 0:
        return None
    k = below[0]
    if k == 0:
        return float(ts[0])
    if ts[k] - ts[k - 1] > max_gap:
        return None
    return float(ts[k - 1] + y[k - 1] / (y[k - 1] - y[k]) * (ts[k] - ts[k - 1]))


def leg_length(sm: np.ndarray, leg: int) -> float:
    """Median hip-to-ankle distance of a leg over the rows, plane units."""
    d = np.hypot(*(_joint(sm, leg, ANKLE) - _joint(sm, leg, HIP)).T)
    d = d[np.isfinite(d)]
    return float(np.median(d)) if len(d) else math.nan


def stance_speed(sm: np.ndarray, leg: int) -> float:
    """Backward speed of a leg's ankle over a contact's rows, plane units per second: the
    median of the slopes between every two rows (Theil-Sen), which a run of frames where the
    pose model blurs or swaps the ankles as the legs cross does not pull off."""
    x = sm[:, sm_col(leg, ANKLE, 0)]
    ok = np.isfinite(x)
    x, t = x[ok], sm[ok, SM_T]
    if len(x) < 3:
        return math.nan
    i, j = np.triu_indices(len(x), 1)
    return float(-np.median((x[j] - x[i]) / (t[j] - t[i])))


#: the percentile of both ankles' forward velocities taken as the stance foot's (backward)
#: speed before any contact is known
STANCE_PERCENTILE = 15.0


def belt_ankle_speed(sm: np.ndarray) -> float:
    """The stance foot's backward speed, from both ankles' forward velocities before any
    contact is known: the 15th percentile. For about two fifths of a stride each foot moves back
    with the belt and for the rest swings forward, so that percentile lies among the stance
    frames, clear of the few a pose model swaps or blurs. (The ankle's height does not tell
    stance apart on real pose output: a model's ankles sit higher in stance than some swing
    frames when the legs cross.) NaN with fewer than 20 velocities."""
    vx = sm[:, [sm_col(leg, ANKLE, 2) for leg in range(N_LEGS)]].ravel()
    vx = vx[np.isfinite(vx)]
    return float(-np.percentile(vx, STANCE_PERCENTILE)) if len(vx) >= 20 else math.nan


def foot_of_leg(raw: np.ndarray, leg: int) -> str:
    """The runner's foot a leg track was over these raw rows: the pose model's majority label.
    Only a fallback for a step whose view (near or far leg) the geometry did not tell: a side
    view gives a pose model little to tell left from right with (on the demo its labels were
    swapped in 47% of frames; the tracker corrects the runs where they swap)."""
    swapped = np.nanmean(raw[:, RAW_SWAPPED]) > 0.5 if len(raw) else False
    return ("left", "right")[1 - leg if swapped else leg]


def segment_lengths(sm: np.ndarray, leg: int) -> tuple[np.ndarray, np.ndarray]:
    """A leg's thigh and shank lengths over the rows where both ends are seen, plane units."""
    hip, knee, ankle = (_joint(sm, leg, j) for j in (HIP, KNEE, ANKLE))
    thigh, shank = (np.hypot(*(b - a).T) for a, b in ((hip, knee), (knee, ankle)))
    return thigh[np.isfinite(thigh)], shank[np.isfinite(shank)]


def limb_length(sm: np.ndarray, leg: int) -> float:
    """Median thigh plus median shank length of a leg over the rows, plane units: rigid, so,
    unlike the hip-to-ankle distance, the same in stance and in swing; NaN without samples."""
    thigh, shank = segment_lengths(sm, leg)
    if not (len(thigh) and len(shank)):
        return math.nan
    return float(np.median(thigh) + np.median(shank))


def hip_offset(sm: np.ndarray, leg: int) -> float:
    """How far a leg's hip is ahead of the other's over the rows (median), plane units; NaN
    without samples. Square to the belt the two hips line up; a camera turned toward the
    runner's front or back sees the pelvis's width as a forward offset between them."""
    d = sm[:, sm_col(leg, HIP, 0)] - sm[:, sm_col(1 - leg, HIP, 0)]
    d = d[np.isfinite(d)]
    return float(np.median(d)) if len(d) else math.nan


def stance_height(sm: np.ndarray, leg: int, ic: float, to: float) -> float:
    """The height of a leg's ankle on the belt: its median plane y over the middle half of the
    contact (foot flat), NaN without samples. A camera above the belt sees the far foot's
    contact higher in the image than the near one's, so higher on the plane."""
    ts = sm[:, SM_T]
    quarter = 0.25 * (to - ic)
    y = sm[(ts >= ic + quarter) & (ts <= to - quarter), sm_col(leg, ANKLE, 1)]
    y = y[np.isfinite(y)]
    return float(np.median(y)) if len(y) else math.nan


def keypoint_confidence(raw: np.ndarray, leg: int) -> float:
    """Mean confidence of a leg track's knee and ankle over the raw rows (0 where missing): a
    pose model is less sure of the far leg, half hidden behind the near one."""
    if len(raw) == 0:
        return math.nan
    w = raw[:, [raw_col(leg, j, 2) for j in (KNEE, ANKLE)]]
    return float(np.clip(np.nan_to_num(w), 0.0, 1.0).mean())


@dataclass(frozen=True, slots=True)
class DepthCues:
    """How much nearer the camera a contact's leg looks than the other leg, each cue as a
    fraction of leg length (confidence as a difference), positive for nearer; NaN when unknown.

    lower: how much lower its foot stands on the belt than the other foot's neighbouring
    contacts; larger: how much longer its thigh and shank are drawn than the other's over the
    same frames (perspective: nearer is larger); surer: how much surer the pose model is of it.
    """

    lower: float
    larger: float
    surer: float

    #: the size of each cue that counts as one unit of evidence: a foot 2% of leg length lower
    #: (1 m high camera 3 m away: the near foot stands ~6% lower and the leg is ~6% longer),
    #: 3% longer, 0.1 surer; each cue counts for at most 3 units
    UNITS = (0.02, 0.03, 0.1)

    def score(self) -> float:
        """Evidence that the leg is the near one: > 0 near, < 0 far, 0 none."""
        total = 0.0
        for cue, unit in zip((self.lower, self.larger, self.surer), self.UNITS, strict=True):
            if math.isfinite(cue):
                total += max(-3.0, min(3.0, cue / unit))
        return total


#: units of depth evidence (``DepthCues.score``) that name a leg near or far; a contact's own
#: cues decide alone from ``VIEW_ALONE`` units, else the evidence of the last steps, each step's
#: weighing ``VIEW_MEMORY`` times the one after it; a pause of more than ``VIEW_MAX_STEPS`` steps
#: starts the count afresh
VIEW_EVIDENCE = 1.5
#: units of evidence that turn the legs' names once told: a view against them, weaker than this,
#: leaves them as they were (a real clip 30 deg off square at 25 fps, its evidence a unit or two
#: a step, had one step's stance height turn two steps' names, then turn them back)
VIEW_TURN = 3.0
VIEW_ALONE = 5.0
VIEW_MEMORY = 0.7
VIEW_MAX_STEPS = 4.5
#: how far from a whole number of typical steps a landing may come after the last for that
#: number to count the steps between (a landing missed in between: two, near enough); further,
#: the pace has changed, and the leg tracks count them (the other track's landing one step, the
#: same track's two): off a run at 4.5 m/s onto a walk, a walk's step is 1.65 of the run's, and
#: a user trial's rendered cool-down had six steps in a row named the right foot, each counted
#: two steps on, until the typical stride had become the walk's. The landings after it stepping
#: further than this from the typical step, the pace has changed too; then a landing more than a
#: step (and this) of the slower pace after the last has landings missed across the change, which
#: neither time nor the leg tracks count (a rendered clip cut from a walk to a run, its run's
#: first three steps named against the rest): the count is begun afresh
VIEW_STEP_SLACK = 0.25
#: the far leg's angles are read through the near leg: their confidence is the step's times this.
#: So are its overstride and braking, which rest on where the far ankle is at landing, as the
#: legs cross: over the 32 uncalibrated renders of docs/robustness.md the far leg's overstride
#: was off by 4.7 %leg (bias -3.3) against the near leg's 3.3 (-1.5), its braking by 17.5 ms
#: (-14.4) against 10.4 (-8.5), so a left/right comparison of either showed the camera, not the
#: runner (off by 15.8 and 12.2 points on average); its contact time was no worse (17.2 against
#: 20.2 ms) and stays sure
FAR_LEG_FACTOR = 0.3
FAR_LEG_METRICS = (
    "overstride_cm",
    "overstride_pct_leg",
    "shank_angle_ic_deg",
    "knee_flexion_ic_deg",
    "braking_ms",
    "hip_extension_deg",
    "knee_lift_deg",
    "scissor_deg",
    "scissor_back_deg",
)
#: a near leg's step measures the swinging far leg through the near leg too: its thigh's flexion
#: at the near leg's toe-off (the scissor's front blade, so the scissor itself) and its peak knee
#: lift. On the demo clip through the station's pose chain (``hipdrive analyze``, the INT8 model
#: and the refiner, 25 steps of each leg against the motion capture) the far thigh read 4.8 deg
#: forward of where it was, the near leg's steps' scissor 7.4 deg wide, where the far leg's
#: steps' front blade, the near thigh, was 0.9 deg off; a left/right comparison of the front
#: blade showed a 21% difference the runner did not have (3%)
SWING_FAR_METRICS = ("swing_knee_lift_deg", "scissor_front_deg", "scissor_deg")

#: the width between the hip keypoints as a fraction of thigh plus shank: 0.17 between the hip
#: joint centres of the Fukuchi runner; pose models mark the hips somewhat wider on real people,
#: so the yaw read off it is "about" (within roughly a third)
PELVIS_PER_LIMB = 0.2
#: how far from the runner's midline a foot lands, metres: the ankle joint centres at initial
#: contact lay 3.1-6.7 cm from the mid-hip sideways (mean 5.3) over the six feet of the three
#: Fukuchi runners
FOOT_OFFSET_M = 0.053
#: yaw beyond which a view without a calibration of the plane is oblique: its distances and
#: sagittal angles shrink by cos(yaw) along the belt, 1.5% at 10 degrees, 13% at 30; the engine
#: stretches them back by its estimate of the yaw, which is itself only "about"
OBLIQUE_DEG = 10.0
#: what a yaw foreshortens in a view without a plane calibration (the stride too: the belt's
#: speed is read off the stance foot when not given), and the confidence factor it gets there
OBLIQUE_METRICS = (
    "overstride_cm",
    "overstride_pct_leg",
    "stride_length_m",
    "shank_angle_ic_deg",
    "hip_extension_deg",
    "knee_lift_deg",
    "scissor_deg",
    "scissor_back_deg",
    "scissor_front_deg",
    "swing_knee_lift_deg",
    "speed_legs_per_s",
)
OBLIQUE_FACTOR = 0.3
#: what a belt speed given, not read off the stance foot, measures whatever the view
BELT_TIMED = ("stride_length_m",)
#: how many times faster or slower than the feet a belt speed given may be: the feet give the
#: belt's speed within 4% on the recorded runners, and a treadmill's display may be a tenth off;
#: beyond, the speed given is wrong, or the belt's speed was changed and the console's left as
#: it was
BELT_SLACK = 1.3
#: an adult runner's leg, hip to ankle, m: about 0.48 of the stature (0.82-0.90 m on the
#: recorded runners), so 0.72-0.96 m from 1.5 to 2.0 m tall, with the pace's reading error; a
#: belt speed given for an uncalibrated video that makes the leg a child's or a giant's is
#: doubted aloud (``edge.gait.fit.belt_speed_doubt``): a user trial's 3.5 m/s for a belt at 5.1
#: made it 0.53 m and the strides 30% short, accepted without a word
ADULT_LEG_M = (0.68, 1.02)
#: what a plane's scale measures (the stride too, read off the stance foot when no belt speed
#: is given), and the confidence factor it gets where the scale makes the runner's leg no
#: adult's (``ADULT_LEG_M``) or the stance feet do not stand on a calibrated plane's belt
#: (``ANKLE_ON_BELT_M``): a user trial's plane calibrated with a board printed at 70%, its
#: squares given full size, made the leg 1.16 m, the overstride 24.5 cm (17.2 in truth) and
#: cued "Land under your hips" on every step, where the share of the leg, which no scale
#: enters, read 21.1% against a target of 23
SCALED_METRICS = ("overstride_cm", "vertical_osc_cm", "stride_length_m")
SCALE_DOUBT_FACTOR = 0.3
#: where the stance foot's ankle stands above the belt on a calibrated plane, m (the median over
#: the last contacts): the ankle joint 9.7-9.8 cm on the rendered runner's true joints (its four
#: calibrated views of docs/robustness.md), the pose model's ankle 11.6-13.2; a user trial's
#: camera moved 40 cm back after its plane was calibrated read 22.0 (its distances 13% short,
#: told nothing), the board stood on the belt's near edge 18.1 (8% short), a good calibration
#: of the same clip 11.6. Outside, the plane no longer lies where the runner runs, and what its
#: scale measures is less sure (``SCALED_METRICS``)
ANKLE_ON_BELT_M = (0.03, 0.17)

#: how far (deg) a step's hip extension may lie from the median of the same foot's steps about
#: it before it is taken for the pose model's fault, not the runner's. At one pace a runner's own
#: steps lie within 1.2-3.5 deg of their median (SD 0.6-1.1) over 30 s on each of the recorded
#: trials (motion capture, both feet); through the pose model, within 5.7 deg on 99% of the sure
#: near-leg steps of the renders of docs/robustness.md and 10.7 on the real clips at hand, each
#: against the median of its foot's last 4-10 steps. Past 12 deg there were three steps, each a
#: fault: two of the fast runner's, 16 and 23 deg off the motion capture, and one of a rendered
#: run cut to a walk; a real clip (ep_mini_run) showed -10.7 deg, the rear leg lost and both
#: thighs drawn forward at toe-off, among steps of 16-26, as a sure figure off target. Across
#: paces it moves more (RBDS002 20.3 to 35.8 deg from 2.5 to 4.5 m/s), so a step is held to its
#: neighbours in time (``LIKE_STEPS``), never to a whole session's.
UNLIKE_DEG = 12.0
#: the same foot's steps a step is held to: the fewest, and the most: its last ones live (every
#: one kept, so a change of pace is caught up with after a few steps), the nearest before and
#: after it in a replayed recording
LIKE_FEWEST = 4
LIKE_STEPS = 6
#: the stance thigh's figures at toe-off, which a fault that draws the thigh wrong takes with it,
#: and the factor on their confidence when it does
THIGH_AT_TOE_OFF = ("hip_extension_deg", "scissor_deg", "scissor_back_deg")
UNLIKE_FACTOR = 0.3


def unlike_the_runner(value: float, others: Sequence[float]) -> bool:
    """Whether a step's hip extension (``value``) lies further than ``UNLIKE_DEG`` from the
    median of the same foot's steps about it (``others``, ``LIKE_FEWEST`` at least)."""
    return len(others) >= LIKE_FEWEST and abs(value - float(np.median(others))) > UNLIKE_DEG


#: how far a running contact may lie from the median of the running steps before it (both feet's,
#: ``LIKE_STEPS``), as a share of that median, and be the runner's (``contact_unlike``): over the
#: keypoint tracks of ``tests.gait_accuracy`` (the ten trials, 30 and 60 fps, about 750 contacts
#: each) one lies further than 0.3 (313 ms beside 234, at 30 fps), none at 60; a real clip's
#: contact cut short, 155 ms among 250-305 (``tests/data/footage/male_side.mp4``), 0.43
UNLIKE_CONTACT = 0.3
#: the figures a contact cut short or drawn out takes with it
CONTACT_TIMED = ("contact_ms", "flight_ms", "braking_ms")


def contact_unlike(value: float, others: Sequence[float]) -> bool:
    """Whether a step's contact time (``value``, ms) lies further than ``UNLIKE_CONTACT`` of
    their median from the running steps' before it (``others``, ``LIKE_FEWEST`` at least)."""
    if len(others) < LIKE_FEWEST:
        return False
    median = float(np.median(others))
    return abs(value - median) > UNLIKE_CONTACT * median


def rated_down(rated: Mapping[str, float], sure: float, names: Iterable[str]) -> dict[str, float]:
    """``rated`` (metric -> how sure, where below the step's ``sure``) with ``names`` rated
    ``UNLIKE_FACTOR`` lower: the stance thigh's figures at toe-off (``THIGH_AT_TOE_OFF``, when
    ``unlike_the_runner``), or a contact's (``CONTACT_TIMED``, when ``contact_unlike``)."""
    out = dict(rated)
    for name in names:
        out[name] = round(out.get(name, sure) * UNLIKE_FACTOR, 3)
    return out


def feet_guessed_down(step: Step) -> Step:
    """``step`` rated ``UNLIKE_FACTOR`` less sure as a whole, every figure with it (those marked
    less sure already stay so), live or replayed alike: its feet were out of the picture, or
    unseen, in half its frames (``edge.pose.crop.feet_guessed``), so its events, and all it
    measures at them and between them, rest on where the pose model guesses the feet are. The
    step is rated, not each figure: a figure rated down by name reads as the oblique view's
    mark (``edge.gait.summary.view_marked``), and a review's square camera, the feet cut off,
    was told to be calibrated."""
    return replace(step, confidence=round(step.confidence * UNLIKE_FACTOR, 3))


#: a walking foot's toe-off comes this long after its ankle has slowed to half the stance speed:
#: 82 ms (SD 4) over the 20 contacts of the one treadmill walk at hand (1.1 m/s,
#: edge/demo/data/walking_si02.npz), so walking contact times carry ``WALK_CONTACT_FACTOR``
WALK_TOE_OFF_DELAY_S = 0.082
#: the ankle slowing is looked for from this long after landing (a walker's stance is ~0.7 s)
WALK_MID_STANCE_S = 0.15
#: a walking contact's confidence factor: its toe-off rests on a delay fitted on one walker, so
#: it is shown and summarised as less sure (below ``edge.gait.summary.CONFIDENT`` on a sure
#: step), as docs/modes.md says. At 0.5 it stayed above: a console trial's walk showed its contact,
#: 705 ms, unmarked
WALK_CONTACT_FACTOR = 0.3
#: the metrics of running a walking step does not carry: overstride, braking, the angles at
#: landing, hip extension and knee lift are defined (and coached) for running, and a walk has
#: no flight; its timing, stride and bounce it keeps
RUNNING_METRICS = (
    "flight_ms",
    "overstride_cm",
    "overstride_pct_leg",
    "shank_angle_ic_deg",
    "knee_flexion_ic_deg",
    "braking_ms",
    "hip_extension_deg",
    "knee_lift_deg",
    "scissor_deg",
    "scissor_back_deg",
    "scissor_front_deg",
    "swing_knee_lift_deg",
)
#: what a step measured before any gait was told (``edge.gait.mode``: its hips' rise from
#: landing to mid-stance not seen or too small to tell, nor any step's before) has measured by
#: running's rules alone, and the confidence factor it gets: a walker's first three steps, so
#: measured, read a 330 ms contact where the walk's read 690, and 35% of the leg of overstride
#: (a real clip of a treadmill walk); no real runner's step went untold on the 44 cached tracks
#: of real clips at hand (6 December 2026)
UNTOLD_METRICS = ("contact_ms", *RUNNING_METRICS)
UNTOLD_FACTOR = 0.3

#: the most the hips go up and down over a stride of running or walking, in leg lengths: a
#: runner's 6-12 cm is 7-14% of the leg, and bounding strides reach about a fifth; more is a
#: jump (jumping jacks, a hop off the belt), not a step
MAX_BOUNCE_LEGS = 0.3
#: largest spread of a leg segment's length over a stride for it to be a leg at all, as a
#: fraction of its median length. By the SD, one heel striker's step at 30 fps (RBDS008 rendered,
#: the pose model's shank 0.205) was lost, as a few frames of a knee put wrong were enough
MAX_SEGMENT_CV = 0.2
#: the least a belt carries a foot back over a contact, in leg lengths (hip to ankle), for the
#: contact to be a step: a runner's or walker's is 0.45-1.2 (Theil-Sen, on the keypoint tracks of
#: the recorded runners and walker at 25-60 fps) and 0.28 at least on 13 real clips through the
#: pose model (a slow-motion oblique one, its feet often out of the picture), where a person
#: standing on the belt or beside it, shifting their weight, moves a foot 0.04 at most (a user
#: trial's gym video: three such "steps" on a live station). A distance, not a speed, so a
#: slow-motion clip's steps are still found
MIN_CARRIED_LEGS = 0.15
#: the least the other foot moves across the picture over a contact, in leg lengths, where it is
#: seen in ``MIN_SWUNG_FRAMES`` frames or more, and the most the mid-hip may go back meanwhile
#: (``MAX_HIPS_BACK_LEGS``), for a contact whose foot went back with the hips to be a step. On a
#: belt the stance foot is carried back under hips that stay, and the other foot swings through
#: (or is carried back itself, in a walk's double support); a foot that goes back with the hips
#: while the other stands is a person (or the picture) moving across. A user trial's clip of a
#: woman posing on the floor, drifting across the picture at 0.8 leg/s: the other foot 0.03-0.05
#: (0.10 once), the hips 0.17-0.40 back, two "running" steps with overstride figures on a live
#: station. Over the 2354 contacts (other foot seen in 3 frames or more) of 107 other cached
#: keypoint tracks of real clips (7 December 2026): where the other foot moved under 0.1, the
#: hips went 0.084 back at most (a runner filmed from the front), a side-on runner's 0.025; where
#: the hips went more than 0.1 back, the other foot moved 0.17 at least
MIN_SWUNG_LEGS = 0.1
MIN_SWUNG_FRAMES = 3
MAX_HIPS_BACK_LEGS = 0.1


def hip_bounce(sm: np.ndarray, t0: float, t1: float) -> float:
    """How far the mid-hip goes up and down from ``t0`` to ``t1`` s (its range), plane units;
    NaN with fewer than three samples."""
    ts = sm[:, SM_T]
    mid_y = sm[(ts >= t0) & (ts <= t1), SM_MID_Y]
    mid_y = mid_y[np.isfinite(mid_y)]
    return float(np.ptp(mid_y)) if len(mid_y) >= 3 else math.nan


#: harmonics of the step's rhythm the mid-hip's rise and fall is fitted with (``step_bounce``)
BOUNCE_HARMONICS = 3


def step_bounce(sm: np.ndarray, t0: float, t1: float) -> float:
    """How far the mid-hip rises and falls with each step over the stride from ``t0`` to ``t1``
    s (the vertical oscillation), plane units: the range of the part of its height that repeats
    every step, fitted by least squares as a level, a drift and ``BOUNCE_HARMONICS`` harmonics
    of the step's rhythm (two steps in the stride). NaN with too few samples to fit.

    A pose model's hips shift with whichever leg is in front, a wobble over the stride on top
    of the bounce, which the bare range (``hip_bounce``) takes in: on the rendered matrix of
    docs/robustness.md it read four of the five runners 2.1-4.4% of the leg high (0.7-2.0 with
    the fit). The true hips' own difference between a left and a right step is left out with
    it: on keypoint tracks of the motion capture the fit reads 0.4-1.0 cm off, the range
    0.3-0.5 (docs/accuracy.md, "Vertical oscillation")."""
    ts = sm[:, SM_T]
    inside = (ts >= t0) & (ts <= t1) & np.isfinite(sm[:, SM_MID_Y])
    x = ts[inside] - 0.5 * (t0 + t1)
    y = sm[inside, SM_MID_Y]
    if len(y) < 2 * BOUNCE_HARMONICS + 6 or not t1 > t0:
        return math.nan
    step = 4.0 * math.pi / (t1 - t0)

    def waves(at: np.ndarray) -> np.ndarray:
        """(len(at), 2 * BOUNCE_HARMONICS): the step's harmonics at times ``at``."""
        k = np.arange(1, BOUNCE_HARMONICS + 1) * step
        return np.column_stack([np.cos(np.outer(at, k)), np.sin(np.outer(at, k))])

    fit, *_ = np.linalg.lstsq(np.column_stack([np.ones_like(x), x, waves(x)]), y, rcond=None)
    return float(np.ptp(waves(np.linspace(x[0], x[-1], 100)) @ fit[2:]))


def plausible(contact: Contact, sm: np.ndarray, leg: int, leg_length: float) -> bool:
    """Whether a detected contact can be a real one: long enough, on a leg whose thigh and
    shank keep their length, with the foot carried backwards by the belt while down, by
    ``MIN_CARRIED_LEGS`` of ``leg_length`` (plane units) at least where that is known: by the
    ankle's speed over the contact (Theil-Sen) or from its first to its last place (a review:
    a runner's contact as the legs were still being told apart, the ankles taken turn about,
    read 0.08 by the first, 0.55 by the second), and not by a person moving across the picture
    (``moved_across``)."""
    if not contact.to_t - contact.ic_t >= MIN_CONTACT_S:  # NaN too: a time is missing
        return False
    for length in segment_lengths(sm, leg):
        if len(length) < 5:
            return False
        # The spread by the median absolute deviation (as a normal SD): a pose model that puts
        # a knee wrong for a few frames of the stride does not unmake a leg.
        middle = np.median(length)
        if 1.4826 * np.median(np.abs(length - middle)) > MAX_SEGMENT_CV * middle:
            return False
    x = sm[:, sm_col(leg, ANKLE, 0)]
    ts = sm[:, SM_T]
    ok = np.isfinite(x)
    stance = ok & (ts >= contact.ic_t) & (ts <= contact.to_t)
    if stance.sum() < 2:
        return True
    if moved_across(sm, leg, stance, leg_length):
        return False
    moved = float(x[stance][0] - x[stance][-1])
    least = MIN_CARRIED_LEGS * leg_length
    if moved >= least:
        return True
    carried = stance_speed(sm[stance], leg) * (contact.to_t - contact.ic_t)
    return carried >= least if math.isfinite(carried) and math.isfinite(least) else moved > 0


def moved_across(sm: np.ndarray, leg: int, stance: np.ndarray, leg_length: float) -> bool:
    """Whether, over the ``stance`` rows of a contact of ``leg``, the mid-hip went back more
    than ``MAX_HIPS_BACK_LEGS`` of ``leg_length`` while the other foot, seen in
    ``MIN_SWUNG_FRAMES`` rows at least, stayed within ``MIN_SWUNG_LEGS``: the whole person
    moving across the picture, one foot planted, not a belt carrying a foot back (False while
    the leg length is not known)."""
    other = sm[stance, sm_col(1 - leg, ANKLE, 0)]
    other = other[np.isfinite(other)]
    hips = sm[stance, SM_MID_X]
    hips = hips[np.isfinite(hips)]
    if len(other) < MIN_SWUNG_FRAMES or len(hips) < 2:
        return False
    stood = float(np.ptp(other)) < MIN_SWUNG_LEGS * leg_length
    return stood and float(hips[0] - hips[-1]) > MAX_HIPS_BACK_LEGS * leg_length


#: how much less sure a step is whose landing or toe-off was not seen but placed (by the runner's
#: rhythm across a dropout, or from one sign alone: ``Contact.quality`` under 1): over the
#: rendered matrix's running cases (docs/robustness.md, 7 December 2026) the 7 such steps' contact
#: times were 80.6 ms off on average, where the 715 steps seen whole were 7.8 ms off; at half
#: the step's confidence, as before, every one of them had stayed sure
UNSEEN_EVENT_FACTOR = 0.3


def step_confidence(raw: np.ndarray, leg: int) -> float:
    """Mean confidence of the leg's hip, knee and ankle over the raw rows (0 where missing)."""
    if len(raw) == 0:
        return 0.0
    w = raw[:, [raw_col(leg, j, 2) for j in (HIP, KNEE, ANKLE)]]
    return float(np.clip(np.nan_to_num(w), 0.0, 1.0).mean())


def unfold_yaw(sm: np.ndarray, yaw_deg: float | None) -> np.ndarray:
    """Smoothed rows with the forward axis stretched back by 1 / cos(yaw): a camera turned
    off square shows the runner's forward distances shortened by cos(yaw) (to first order;
    its perspective across the runner's depth is not undone)."""
    if not yaw_deg:
        return sm
    out = sm.copy()
    columns = [
        sm_col(leg, j, c) for leg in range(N_LEGS) for j in (HIP, KNEE, ANKLE) for c in (0, 2)
    ]
    out[:, [*columns, SM_MID_X]] /= math.cos(math.radians(yaw_deg))
    return out


def step_metrics(contact: Contact, sm: np.ndarray, raw: np.ndarray, ctx: StepContext) -> Step:
    """All DESIGN.md metrics of one contact, given the smoothed rows around its stride. With a
    plane that assumes a square camera, the view's estimated yaw is undone first."""
    if ctx.square:
        sm = unfold_yaw(sm, ctx.yaw_deg)
    ic, to, leg = contact.ic_t, contact.to_t, ctx.leg
    gap = ctx.max_gap_s
    hip = _at(sm, [sm_col(leg, HIP, 0), sm_col(leg, HIP, 1)], ic, gap)
    knee = _at(sm, [sm_col(leg, KNEE, 0), sm_col(leg, KNEE, 1)], ic, gap)
    ankle = _at(sm, [sm_col(leg, ANKLE, 0), sm_col(leg, ANKLE, 1)], ic, gap)
    mid_x = _at(sm, SM_MID_X, ic, gap)[0]
    if _oblique(ctx):
        # Off square the two hips no longer line up, and the mid-hip lies across the runner's
        # depth from the landing foot: its own hip shares its side's shift.
        mid_x = hip[0]
    reach = float(foot_on_plane(ankle[0], ctx)) - mid_x
    leg_len = ctx.leg_length
    scale_cm = 100.0 if ctx.metric else math.nan

    ts = sm[:, SM_T]
    under = _under_hips(sm, leg, ic, to, reach, ctx)
    braking_ms = (under - ic) * 1000.0 if under is not None else None

    thigh = thigh_angle(_joint(sm, leg, HIP), _joint(sm, leg, KNEE))
    back, front, swing_lift = scissor(sm, leg, ic, to, ctx.other_next_ic, gap)
    contact_s = to - ic
    push_from, push_to = 0.5 * (ic + to), to + TO_EXTENSION_FRACTION * contact_s
    push = (ts >= push_from) & (ts <= push_to)
    # The thigh is mostly still driving back where the search ends (at 100-300 deg/s in the
    # motion capture), so the search takes its ends too, interpolated: its last frame can lie a
    # whole frame interval before the end (at 25 fps, the hip extension read 5 deg low at 4.5 m/s).
    extension = np.append(-thigh[push], [-thigh_at(sm, leg, t, gap) for t in (push_from, push_to)])
    if ctx.next_ic is not None:
        swing = (ts >= to) & (ts <= ctx.next_ic)
        osc = step_bounce(sm, ic, ctx.next_ic)
    else:
        swing = np.zeros(len(ts), dtype=bool)
        osc = math.nan

    seen = 1.0 if contact.quality == 1.0 else UNSEEN_EVENT_FACTOR
    confidence = round(step_confidence(raw, leg) * seen, 3)
    step_ms = (ic - ctx.previous_ic) * 1000.0 if ctx.previous_ic is not None else None
    flight_ms = (ctx.other_next_ic - to) * 1000.0 if ctx.other_next_ic is not None else None
    stride_m = (
        ctx.belt_speed_mps * (ctx.next_ic - ic)
        if ctx.belt_speed_mps is not None and ctx.next_ic is not None
        else None
    )
    step = Step(
        foot=ctx.foot,
        ic_t=ic,
        to_t=to,
        contact_ms=contact_s * 1000.0,
        flight_ms=flight_ms,
        step_ms=step_ms,
        cadence_spm=60000.0 / step_ms if step_ms else None,
        overstride_cm=_finite(reach * scale_cm),
        overstride_pct_leg=_finite(100.0 * reach / leg_len),
        shank_angle_ic_deg=_finite(float(shank_angle(knee, ankle))),
        knee_flexion_ic_deg=_finite(float(knee_flexion(hip, knee, ankle))),
        braking_ms=braking_ms,
        hip_extension_deg=_finite_max(extension),
        knee_lift_deg=_finite_max(thigh[swing]),
        scissor_deg=_finite(back + front),
        scissor_back_deg=_finite(back),
        scissor_front_deg=_finite(front),
        swing_knee_lift_deg=swing_lift,
        vertical_osc_cm=_finite(osc * scale_cm),
        vertical_osc_pct_leg=_finite(100.0 * osc / leg_len),
        stride_length_m=stride_m,
        speed_legs_per_s=_finite(ctx.pace_speed / leg_len) if ctx.pace_speed > 0 else None,
        confidence=confidence,
        view=ctx.view,
        metric_confidence=_metric_confidence(confidence, ctx, step_ms),
        yaw_deg=ctx.yaw_deg,
        gait=ctx.gait,
    )
    return _as_walking(step) if ctx.gait == WALKING else no_runners(step)


#: the figures of a running step no runner's body gives, (least, most): a pose model's legs on
#: a person kicking a ball, read as a step, had the ankle landing 96% of a leg ahead of the hips
#: and the thigh 85 deg forward at toe-off (a user trial's console showed them, unmarked). Over
#: the 1261 running steps of the station's replays of 80 real and rendered clips at hand, the
#: figures lay within these but for clips the station refuses as no runner's (a knee bent 116 deg
#: at landing, a thigh 60 deg forward at toe-off); their 0.5th-99.5th percentiles: overstride
#: 9-59% of the leg, shin -13 to +24 deg, knee 1-42 deg, hip extension -32 to +40 deg, knee lift
#: 21-67 deg
RUNNERS_RANGE = {
    "overstride_pct_leg": (-40.0, 80.0),
    "shank_angle_ic_deg": (-45.0, 60.0),
    "knee_flexion_ic_deg": (-10.0, 90.0),
    "hip_extension_deg": (-45.0, 60.0),
    "knee_lift_deg": (-20.0, 110.0),
}
#: ... and the figures measured with each: the overstride in cm and the braking (till the ankle
#: is under the hips) from the same reach, the scissor's back blade from the same stance thigh
RANGE_CARRIES = {
    "overstride_pct_leg": ("overstride_cm", "braking_ms"),
    "hip_extension_deg": ("scissor_deg", "scissor_back_deg"),
}


def no_runners(step: Step) -> Step:
    """``step`` without the figures no runner's body gives (``RUNNERS_RANGE``): none shown
    rather than one that cannot be the runner's."""
    cleared: dict[str, Any] = {}
    for name, (least, most) in RUNNERS_RANGE.items():
        value = getattr(step, name)
        if value is not None and not least <= value <= most:
            cleared.update(dict.fromkeys((name, *RANGE_CARRIES.get(name, ())), None))
    return replace(step, **cleared) if cleared else step


def _as_walking(step: Step) -> Step:
    """A walking step: without ``RUNNING_METRICS``, its contact time less sure."""
    confidence = {
        name: value for name, value in step.metric_confidence.items() if name not in RUNNING_METRICS
    }
    confidence["contact_ms"] = round(
        min(confidence.get("contact_ms", step.confidence), step.confidence * WALK_CONTACT_FACTOR), 3
    )
    cleared: dict[str, Any] = dict.fromkeys(RUNNING_METRICS)
    return replace(step, metric_confidence=confidence, **cleared)


def thigh_at(sm: np.ndarray, leg: int, t: float, max_gap: float) -> float:
    """A leg's thigh angle at time ``t`` (degrees, positive forward), from its hip and knee
    interpolated there; NaN when either is not seen around ``t``."""
    hip = _at(sm, [sm_col(leg, HIP, 0), sm_col(leg, HIP, 1)], t, max_gap)
    knee = _at(sm, [sm_col(leg, KNEE, 0), sm_col(leg, KNEE, 1)], t, max_gap)
    return float(thigh_angle(hip, knee))


def scissor(
    sm: np.ndarray, leg: int, ic: float, to: float, other_next_ic: float | None, max_gap: float
) -> tuple[float, float, float | None]:
    """The scissor of a step (``docs/metrics.md``): at the stance leg's toe-off ``to``, how far
    its thigh is extended back and how far the other (swing) thigh is flexed forward, degrees
    (NaN where not seen), and the swing thigh's peak flexion between the stance's landing
    ``ic`` and the swing foot's own landing ``other_next_ic`` (None when that is not known)."""
    back = -thigh_at(sm, leg, to, max_gap)
    front = thigh_at(sm, 1 - leg, to, max_gap)
    if other_next_ic is None:
        return back, front, None
    ts = sm[:, SM_T]
    during = (ts >= ic) & (ts <= other_next_ic)
    other = thigh_angle(_joint(sm, 1 - leg, HIP)[during], _joint(sm, 1 - leg, KNEE)[during])
    return back, front, _finite_max(other)


def _under_hips(
    sm: np.ndarray, leg: int, ic: float, to: float, reach: float, ctx: StepContext | None = None
) -> float | None:
    """When, between landing and toe-off, a leg's ankle comes under the mid-hip (mid-stance),
    given its ``reach`` ahead of the mid-hip at landing; None if it does not. With a step's
    ``ctx``, the ankle where the foot is (``foot_on_plane``)."""
    ts = sm[:, SM_T]
    stance = (ts >= ic) & (ts <= to)
    ankle = sm[:, sm_col(leg, ANKLE, 0)]
    rel = (foot_on_plane(ankle, ctx) if ctx is not None else ankle) - sm[:, SM_MID_X]
    return _crossing_down(np.r_[ic, ts[stance]], np.r_[reach, rel[stance]])


def hip_rise(sm: np.ndarray, leg: int, ic: float, to: float, max_gap: float) -> float:
    """How far the mid-hip rises from a leg's landing to mid-stance (its ankle under the
    mid-hip), plane units, up positive: a walker's hips rise over the stance leg, a runner's sink
    (``edge.gait.mode``). NaN when either instant is not seen."""
    at_ic = _at(sm, [sm_col(leg, ANKLE, 0), SM_MID_X, SM_MID_Y], ic, max_gap)
    under = _under_hips(sm, leg, ic, to, float(at_ic[0] - at_ic[1]))
    if under is None:
        return math.nan
    return float(_at(sm, SM_MID_Y, under, max_gap)[0] - at_ic[2])


def walking_toe_off(
    sm: np.ndarray, leg: int, ic: float, stance_speed: float, max_gap: float
) -> float:
    """A walking foot's toe-off, s: when its ankle, after mid-stance, has slowed to half the
    stance speed (the heel is up and the foot rolls over the toes), plus ``WALK_TOE_OFF_DELAY_S``
    (the engine then moves it halfway to the ankle's rise, ``halfway_to_rise``).
    A walker's knee straightens at mid-stance, so the running rule (the knee's extension) would
    put the toe-off a third of a second early. NaN when the ankle is not seen slowing: no
    crossing, or one between samples more than ``max_gap`` s apart."""
    ts = sm[:, SM_T]
    vx = sm[:, sm_col(leg, ANKLE, 2)]
    ok = np.isfinite(vx) & (ts > ic + WALK_MID_STANCE_S)
    ts, back = ts[ok], -vx[ok] - 0.5 * stance_speed
    slowed = _crossing_down(ts, back, max_gap)
    return slowed + WALK_TOE_OFF_DELAY_S if slowed is not None else math.nan


#: how far a foot's ankle has risen above its mid-stance height when the toes leave the belt, in
#: leg lengths (hip to ankle): the foot leaves rolled onto its toes, which lifts the ankle by about
#: the same share of the leg whoever runs. On the true ankles of the five runners of Fukuchi 2017
#: at hand (seven trials, 2.5-4.6 m/s, heel, midfoot and forefoot strikers), it was crossed -5.8 to
#: +8.3 ms from the toe-off on average per trial (0.11: -16.3 to -1.3; 0.13: -0.0 to +18.0), where
#: the knee's extension peak came -11.7 to +15.5 ms from it (``python -m tests.gait_accuracy
#: --toe-off-signs``). Set on those runners, it holds for the walker SI02 too: -3.5 ms (SD 5.0)
TO_ANKLE_RISE_LEGS = 0.12
#: the ankle's rise is taken only within this long of the knee's toe-off
TO_SIGNS_AGREE_S = 0.06
#: the ankle's rise is not used through an uncalibrated camera turned further than this off
#: square, where a foot's height in the picture changes as the belt carries it across: with
#: true keypoints 30 deg off square it put the toe-off 11.3 ms off where the knee alone read 6.1;
#: on the real treadmill clip of tests/data/footage, its camera read 18-20 deg off square, it
#: halved the toe-off's error against the near foot's marks (23.4 to 12.2 ms)
RISE_MAX_YAW_DEG = 20.0
#: a running contact shorter than this share of the runner's typical one is suspect: a runner's
#: contacts vary by a few percent step to step, and by under a fifth from one step to the next
#: as the belt speeds up
SHORT_CONTACT = 0.8


def running_toe_off(
    sm: np.ndarray,
    leg: int,
    contact: Contact,
    leg_length: float,
    max_gap: float,
    typical_s: float = math.nan,
) -> Contact:
    """A running contact whose toe-off (found from the knee's extension) is moved to halfway to
    its ankle's rise (``ankle_rise_toe_off``) when the two agree within ``TO_SIGNS_AGREE_S``.

    Each sign errs by runner, the knee's the more (docs/accuracy.md); halfway, the ankle's
    keypoint noise counts half. On keypoint tracks of the seven trials at 60 fps the toe-off's
    mean error over them went from 10.4 to 7.1 ms, and on the real treadmill clip of
    tests/data/footage from 23.4 to 12.2 ms against the near foot's marks.

    A contact the knee ends under ``SHORT_CONTACT`` of the runner's typical one (``typical_s``)
    was most likely cut short by a knee put wrong (a pose model's legs swapped as they cross):
    the ankle's rise, looked for as over a typical contact, is then the toe-off, when it comes
    later than the knee's by more than ``TO_SIGNS_AGREE_S``."""
    halfway = halfway_to_rise(sm, leg, contact, leg_length, max_gap)
    if halfway is not None:
        return halfway
    if contact.to_t - contact.ic_t < SHORT_CONTACT * typical_s:
        rose = typical_rise(sm, leg, contact.ic_t, typical_s, leg_length, max_gap)
        if rose > contact.to_t + TO_SIGNS_AGREE_S:
            return Contact(contact.ic_t, rose, contact.quality)
    return contact


def typical_rise(
    sm: np.ndarray, leg: int, ic: float, typical_s: float, leg_length: float, max_gap: float
) -> float:
    """The ankle's rise (``ankle_rise_toe_off``) of a contact landed at ``ic`` whose end the
    knee did not give rightly or at all, looked for as over a typical contact (``typical_s``)."""
    return ankle_rise_toe_off(sm, leg, Contact(ic, ic + typical_s, 1.0), leg_length, max_gap)


def halfway_to_rise(
    sm: np.ndarray, leg: int, contact: Contact, leg_length: float, max_gap: float
) -> Contact | None:
    """``contact`` with its toe-off moved halfway to its ankle's rise (``ankle_rise_toe_off``),
    when the two agree within ``TO_SIGNS_AGREE_S``; else None."""
    rose = ankle_rise_toe_off(sm, leg, contact, leg_length, max_gap)
    if abs(rose - contact.to_t) <= TO_SIGNS_AGREE_S:
        return Contact(contact.ic_t, 0.5 * (rose + contact.to_t), contact.quality)
    return None


def ankle_rise_toe_off(
    sm: np.ndarray, leg: int, contact: Contact, leg_length: float, max_gap: float
) -> float:
    """A foot's toe-off, s: when its ankle, after mid-contact, rises ``TO_ANKLE_RISE_LEGS`` leg
    lengths above its height in the middle third of the contact (``contact`` as found from
    another sign: the knee's extension running, the ankle's slowing walking). NaN when the
    ankle is not seen rising through it: no crossing, or one between samples more than
    ``max_gap`` s apart."""
    ts = sm[:, SM_T]
    y = sm[:, sm_col(leg, ANKLE, 1)]
    ic, to = contact.ic_t, contact.to_t
    third = (to - ic) / 3.0
    middle = np.isfinite(y) & (ts >= ic + third) & (ts <= to - third)
    if middle.sum() < 2 or not leg_length > 0:
        return math.nan
    flat = float(np.median(y[middle]))
    # The samples up to one past the last the rise is taken at, so it can be placed between them.
    after = (ts >= ic + 1.5 * third) & (ts <= to + TO_SIGNS_AGREE_S + max_gap)
    below = TO_ANKLE_RISE_LEGS - (y[after] - flat) / leg_length
    seen = below[np.isfinite(below)]
    if len(seen) == 0 or seen[0] <= 0:
        # Already risen at mid-contact: not a rise this contact shows (a swapped ankle, say).
        return math.nan
    rose = _crossing_down(ts[after], below, max_gap)
    return rose if rose is not None else math.nan


def foot_on_plane(x: float | np.ndarray, ctx: StepContext) -> float | np.ndarray:
    """Where a foot the calibrated plane reads at forward position ``x`` is along the belt.

    The plane is the runner's midline; the feet land ``FOOT_OFFSET_M`` either side of it. The
    plane reads each point where the camera's ray through it meets the plane, so a point between
    the camera and the plane reads further along the belt from the camera's place than it is,
    and a point beyond the plane nearer to it. Square to the runner that shift is small; through
    a camera turned 30 deg toward the runner's front the near foot read 3.5 cm behind where it
    landed and the far foot 2.8 cm ahead (true joints of the robustness matrix). With the camera
    at forward position c and distance D from the plane, a point at depth d toward the camera
    lies at x - (x - c) d / D. ``x`` as read without the camera's place (no calibrated lens) or
    the step's view."""
    if ctx.camera is None or ctx.view is None or not ctx.camera[1] > 0:
        return x
    c, distance = ctx.camera
    depth = FOOT_OFFSET_M if ctx.view == "near" else -FOOT_OFFSET_M
    return x - (x - c) * depth / distance


def _oblique(ctx: StepContext) -> bool:
    """Whether a plane that assumes a square camera is seen from an oblique one."""
    return ctx.square and ctx.yaw_deg is not None and abs(ctx.yaw_deg) > OBLIQUE_DEG


def _measured(names: Iterable[str], ctx: StepContext) -> list[str]:
    """``names`` less what a belt speed given times whatever the view (``BELT_TIMED``)."""
    return [m for m in names if not (ctx.belt_given and m in BELT_TIMED)]


def _scale_doubted(ctx: StepContext) -> bool:
    """Whether a plane in metres makes the runner's leg no adult's (``ADULT_LEG_M``), or is a
    calibrated one the stance feet do not stand on (``ANKLE_ON_BELT_M``)."""
    lo, hi = ADULT_LEG_M
    no_adult = math.isfinite(ctx.leg_length) and not lo <= ctx.leg_length <= hi
    return ctx.metric and (no_adult or ctx.plane_off)


def view_factors(view: str | None) -> dict[str, float]:
    """What a step of the far leg (its angles, overstride and braking) or of the near one (the
    far leg's swing) measures through the near leg: metric -> factor on the step's confidence."""
    if view == "far":
        return dict.fromkeys(FAR_LEG_METRICS, FAR_LEG_FACTOR)
    if view == "near":
        return dict.fromkeys(SWING_FAR_METRICS, FAR_LEG_FACTOR)
    return {}


def _metric_confidence(
    confidence: float, ctx: StepContext, step_ms: float | None
) -> dict[str, float]:
    """The metrics of a step measured less surely than the step: the far leg's angles, in an
    oblique uncalibrated view what the yaw foreshortens, on a plane that makes the runner's leg
    no adult's what its scale measures, before any gait was told what only
    running's rules measure, the same on a running step that leans to walking, and a running
    step's running figures when its own cadence (``step_ms``) is under running's."""

    factors = view_factors(ctx.view)
    if _oblique(ctx):
        factors = foreshortened(factors, 1.0, _measured(OBLIQUE_METRICS, ctx))
    if _scale_doubted(ctx):
        factors = scale_doubted_rated(factors, 1.0, _measured(SCALED_METRICS, ctx))
    walk_paced = step_ms is not None and step_ms > 60000.0 / RUNNING_CADENCE_SPM[0]
    if ctx.gait is None or (
        ctx.gait == RUNNING and ctx.leaning == WALKING and (walk_paced or not step_ms)
    ):
        # A walk's first steps, counted as the run before it till a second votes walking, are
        # measured by running's rules: a user trial's clip had the first one's contact end where
        # the knee straightened, 327 ms where the walk's read 590-700, shown as sure, and its
        # overstride, 28% of the leg, had been the run's "now" on the console under "every target
        # met". An untimed step's cadence tells nothing (below), its hips do; a step at a
        # runner's cadence whose hips rose is a run's (a sweep's real run at 186 steps a minute
        # had one marked, its near leg's hip extension 24.3 to 21.9 deg over the rest).
        factors |= {m: min(factors.get(m, 1.0), UNTOLD_FACTOR) for m in UNTOLD_METRICS}
    elif ctx.gait == RUNNING and walk_paced:
        # At a cadence no runner steps at, as a walk's first step, counted as the run before it
        # until a second step votes walking: a user trial's console showed such a step's
        # overstride, 28% of the leg, as the run's "now", where a run's summary and report leave
        # steps under that cadence out (``edge.gait.fit``).
        factors |= {m: min(factors.get(m, 1.0), UNTOLD_FACTOR) for m in RUNNING_METRICS}
    return {name: round(factor * confidence, 3) for name, factor in factors.items()}


def foreshortened(
    rated: Mapping[str, float], sure: float, shrunk: Iterable[str]
) -> dict[str, float]:
    """``rated`` (metric -> how sure, where below ``sure``) with what an oblique uncalibrated
    view foreshortens (``shrunk``: ``OBLIQUE_METRICS``, less ``BELT_TIMED`` with a belt speed
    given) rated ``OBLIQUE_FACTOR`` lower: for a step's factors (``sure`` 1) or, in hindsight,
    its confidences (``sure`` the step's own, ``edge.offline.replay.rated_in_hindsight``)."""
    return _rated_by(rated, sure, shrunk, OBLIQUE_FACTOR)


def scale_doubted_rated(
    rated: Mapping[str, float], sure: float, scaled: Iterable[str]
) -> dict[str, float]:
    """``rated`` as ``foreshortened`` rates it, with what a doubted scale measures
    (``scaled``: ``SCALED_METRICS``, less ``BELT_TIMED`` with a belt speed given) rated
    ``SCALE_DOUBT_FACTOR`` lower: for a step's factors or, in hindsight, its confidences."""
    return _rated_by(rated, sure, scaled, SCALE_DOUBT_FACTOR)


def _rated_by(
    rated: Mapping[str, float], sure: float, names: Iterable[str], factor: float
) -> dict[str, float]:
    """``rated`` (metric -> how sure, where below ``sure``) with ``names`` rated ``factor``
    lower."""
    out = dict(rated)
    for name in names:
        out[name] = out.get(name, sure) * factor
    return out


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _finite_max(values: np.ndarray) -> float | None:
    values = values[np.isfinite(values)]
    return float(values.max()) if len(values) else None
