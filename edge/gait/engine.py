"""The gait engine: keypoints in, frame by frame; steps out, each with every DESIGN.md metric.

Per frame one numba call (``kernels.process_frame``) maps the legs into the sagittal plane,
keeps the two leg tracks, smooths with a fixed look-ahead and detects contacts. A step is
complete, and returned, when the same foot lands again (its knee lift, vertical oscillation and
stride need the swing that follows), so a step arrives about one stride after its contact;
``finish`` returns the last ones, without those three, at the end of a recording.

Lag: signals are smoothed over +/- ``half_window_s`` (67 ms; 2.2 frame intervals below 33 fps,
so 24 fps still gives each fit five frames), so an initial contact is known that long after it
happens and a toe-off up to about twice that (the knee must flex 5 degrees past its extension
peak to confirm it, unless the foot is seen swinging forward first).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from edge.frame_rate import UntimedClock, timed_roughly
from edge.gait.kernels import MIN_CONTACT_S, process_frame
from edge.gait.layout import (
    CTR_SMOOTHED,
    CTR_WRITTEN,
    DET_PHASE,
    EV_IC,
    MAX_EVENTS,
    N_CTR,
    N_DET,
    N_LEGS,
    N_PAR,
    N_RAW,
    N_SM,
    N_TRK,
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
    PHASE_UNKNOWN,
    SM_MID_X,
    SM_MID_Y,
    TRK_FRAME_DT,
    TRK_SWAP_STATE,
    trk_col,
)
from edge.gait.metrics import (
    ADULT_LEG_M,
    ANKLE_ON_BELT_M,
    BELT_SLACK,
    CONTACT_TIMED,
    LIKE_STEPS,
    MAX_BOUNCE_LEGS,
    PELVIS_PER_LIMB,
    RISE_MAX_YAW_DEG,
    SHORT_CONTACT,
    THIGH_AT_TOE_OFF,
    VIEW_ALONE,
    VIEW_EVIDENCE,
    VIEW_MAX_STEPS,
    VIEW_MEMORY,
    VIEW_STEP_SLACK,
    VIEW_TURN,
    Contact,
    DepthCues,
    StepContext,
    belt_ankle_speed,
    contact_unlike,
    foot_of_leg,
    halfway_to_rise,
    hip_bounce,
    hip_offset,
    hip_rise,
    keypoint_confidence,
    leg_length,
    limb_length,
    plausible,
    rated_down,
    running_toe_off,
    stance_height,
    stance_speed,
    step_metrics,
    typical_rise,
    unlike_the_runner,
    walking_toe_off,
    window,
)
from edge.gait.mode import (
    RUNNING,
    STANDING,
    STILL_S,
    WALKING,
    ModeTracker,
    gait_vote,
)
from edge.gait.sagittal import PlaneMapping
from edge.gait.step import Step
from edge.skeleton import LEFT_HIP, RIGHT_HIP


@dataclass(frozen=True, slots=True)
class GaitParams:
    """Tuning of the detector. Times in seconds, angles in degrees.

    The two event constants come from the Fukuchi 2017 treadmill run and its force plate: the
    ankle's backward speed at initial contact is 0.42 of its mid-stance speed; the knee's
    extension peak comes 9 ms after toe-off in the raw motion capture, 4 ms after it once the
    engine's own smoothing has rounded the peak (measured on noise-free tracks).
    """

    half_window_s: float = 0.067
    min_samples: int = 4
    ic_fraction: float = 0.42
    to_offset_s: float = 0.004
    extension_margin_deg: float = 5.0
    to_margin_deg: float = 5.0
    max_contact_s: float = 0.6
    gap_s: float = 0.5
    min_confidence: float = 0.2
    # The ankle sits above a foot that rolls over the heel, then the toes: over a contact it moves
    # back slower than the belt. The belt over the stance ankle's speed (``stance_speed``, the
    # median slope) on the keypoint tracks of the seven recorded trials, 2.5-4.6 m/s, five
    # runners: 1.09-1.16, median 1.13; on the pose model's tracks of a rendered runner seen from
    # four calibrated views, 1.13-1.15 (docs/metrics.md, Stride length).
    belt_per_stance_speed: float = 1.13
    capacity: int = 1024
    history: int = 8
    bootstrap_s: float = 1.0
    # A fixed stance-foot speed (plane units/s) instead of one learned from the runner.
    stance_speed: float | None = None
    # Toe-off also from the ankle leaving the belt's speed, the earlier sign winning: for knees
    # from the bottom-up pose model alone (pose.refine = false), whose swing knee lags, so its
    # extension peak comes late (toe-off 25.9 ms off on average over the robustness matrix
    # without this sign, 14.5 with it). Knees placed by the refiner, or true joints, peak on
    # time, and there this sign only errs: alone it came 13 ms late on average on the motion
    # capture, and on the far leg of a view turned 30 deg toward the runner's front 20-30 ms
    # early.
    ankle_toe_off: bool = False


#: a walker's foot is on the belt for more than half of each stride (the walk's double support)
#: and for less than three quarters of it (the other foot swings for more than a quarter); SI02's
#: contacts, 0.71 s of 1.13 s strides (median), took 0.59-0.66 of them
WALK_MIN_DUTY = 0.5
WALK_MAX_DUTY = 0.75
#: the share of a stride a walking toe-off is placed at, by rhythm, before any walking contact is
#: measured: SI02's median, 0.62
WALK_DUTY = 0.62
#: seconds without a landing, with someone in view, after which the stance speed is learned
#: afresh (a walker lands every 0.6 s, a runner every 0.35 s)
RELEARN_S = 1.5
#: the contacts whose ankles' height tells whether a calibrated plane's belt is where they stand
#: (``GaitEngine._plane_off``)
PLANE_CONTACTS = 6
#: steps a step whose view the geometry did not tell waits for a later one that tells it
#: (then it is named by the count of steps between), before it goes out named by the labels
VIEW_WAIT_STEPS = 4
#: the slowest stance foot taken for a walker's or runner's, in leg lengths per second (0.3 m/s
#: for a 0.9 m leg): slower is someone standing, whose ankles only sway
MIN_STANCE_LEGS_PER_S = 0.3
#: after a stand, the frames kept to go through again once the stance speed is learned afresh:
#: the last this many seconds (the speed is read over the last 1.5 s; going through a long
#: stand's 1024 frames at once held a review's live loop 26-45 ms)
STAND_KEPT_S = 4.0
#: the most a step may outlast the same foot's steps before in the same gait
#: (``GaitEngine._step_start``): a foot's steps differ by a few per cent from one to the next; a
#: step across a landing not seen lasts two
STEP_GROWTH = 1.7
#: the foot's steps before in the gait (timed or not) whose median a step is held to
#: (``STEP_GROWTH``)
STEP_MEMORY = 3
#: a running contact that shares more than this share of the shorter of the two with a contact
#: of the other leg is that contact seen twice: a runner has no double support, and two
#: contacts' events err by a few frames at most. A user trial's slow-motion clip, the feet out of
#: the picture in two frames of three, gave one foot's landing on both leg tracks 70 ms apart
#: (a step of 859 steps a minute)
SAME_CONTACT = 0.5

#: seconds before a step's landing its own frames are counted from (``timed_roughly``): the
#: landing is found from the foot's swing before it
OWN_FRAMES_BEFORE_S = 0.3


@dataclass(frozen=True, slots=True)
class Unnamed:
    """A finished step waiting to learn its view: its contact, the smoothed and raw rows
    its metrics are taken from, its context and its count of steps (``GaitEngine._view``)."""

    contact: Contact
    sm: np.ndarray
    raw: np.ndarray
    ctx: StepContext
    parity: int


def _steps_between(gap_s: float, step_s: float, new_step_s: float, other_leg: bool) -> int | None:
    """How many steps on a landing is from the last one told its view, ``gap_s`` after it, at a
    typical step of ``step_s``. Where the landings from this one on step at another pace
    (``new_step_s``, their median interval, NaN unknown, further than ``VIEW_STEP_SLACK`` from
    the typical) and the landing comes more than a step of it after the last, landings were
    missed across the change (a cut in the clip, the runner lost a while) and nothing counts
    them, the leg tracks least (a cut puts either leg on either track): None, the count lost.
    Else the number of typical steps, where that is a whole number near enough (a landing
    missed in between makes two); else, the pace changed, the nearest count, one at least,
    that the leg tracks allow (``other_leg``: an odd count, else an even one). Before the last
    one (a contact finished out of turn) the same, counted back."""
    if gap_s < 0:
        back = _steps_between(-gap_s, step_s, new_step_s, other_leg)
        return None if back is None else -back
    paced_anew = abs(new_step_s / step_s - 1.0) > VIEW_STEP_SLACK
    if paced_anew and gap_s > (1.0 + VIEW_STEP_SLACK) * max(step_s, new_step_s):
        return None
    by_time = gap_s / step_s
    count = round(by_time)
    if abs(by_time - count) <= VIEW_STEP_SLACK:
        return count
    odd = 1 if other_leg else 0
    return max(2 * round((by_time - odd) / 2.0) + odd, 1 if other_leg else 2)


class GaitEngine:
    """Online gait analysis of one runner.

    mapping: how image pixels become sagittal-plane coordinates (and in which unit).
    belt_speed_mps: the treadmill's speed if known; else estimated from the stance foot
    (in metres only when calibrated). Set it any time (the console may change it).
    """

    def __init__(
        self,
        mapping: PlaneMapping,
        belt_speed_mps: float | None = None,
        params: GaitParams | None = None,
    ) -> None:
        self.mapping = mapping
        self.params = params or GaitParams()
        self.belt_speed_mps = belt_speed_mps
        self._clock = UntimedClock(self.params.capacity)
        """Whether steps are untimed (``untimed``), and the times of the frames pushed, as many
        as the tracks keep (``UntimedClock.times``): whether a step was timed from enough of
        them a second (``timed_roughly``), whoever is on the belt."""
        self._timed_to = -math.inf
        """The latest end of a step handed out (``untimed_since``)."""
        self._begin()

    def _belt_fits(self) -> bool:
        """Whether a belt speed is given and the feet run at it: on a calibrated plane their
        read of the belt within ``BELT_SLACK`` of it in m/s; elsewhere the leg it makes of their
        pace (the speed given over the leg lengths a second they show) an adult's
        (``ADULT_LEG_M``). The belt's speed may be changed and the console's left as it was: a
        walk after a run at 4.6 m/s so given had its strides 5.2 m long. (Held to the feet's
        read when it was given, a review found a warm-up walk's read make the run's right speed
        wrong for good.)"""
        given = self.belt_speed_mps
        if not given:
            return False
        read = self._belt_read()
        if not read > 0:
            return True
        if self.mapping.metric:
            return 1.0 / BELT_SLACK <= read / given <= BELT_SLACK
        if not self._leg_lengths:
            return True
        lo, hi = ADULT_LEG_M
        leg = given * float(np.median(self._leg_lengths)) / read
        return lo <= leg <= hi

    def _begin(self, emptied: bool = False) -> None:
        """Everything learned of a runner forgotten, as before the first frame; ``emptied``:
        the belt was left empty just before (``ModeTracker``)."""
        p, mapping, belt_speed_mps = self.params, self.mapping, self.belt_speed_mps
        self._clear_tracks()
        self._par = np.zeros(N_PAR)
        self._par[PAR_HALF_WINDOW_S] = p.half_window_s
        self._par[PAR_MIN_SAMPLES] = p.min_samples
        self._par[PAR_IC_FRACTION] = p.ic_fraction
        self._par[PAR_TO_OFFSET_S] = p.to_offset_s
        self._par[PAR_EXT_MARGIN_DEG] = p.extension_margin_deg
        self._par[PAR_TO_MARGIN_DEG] = p.to_margin_deg
        self._par[PAR_MAX_CONTACT_S] = p.max_contact_s
        self._par[PAR_GAP_S] = p.gap_s
        self._par[PAR_MIN_CONF] = p.min_confidence
        self._par[PAR_ANKLE_TOE_OFF] = float(p.ankle_toe_off)
        self._par[[PAR_TYPICAL_CONTACT_S, PAR_TYPICAL_STRIDE_S]] = np.nan
        self._par[PAR_H00 : PAR_H00 + 9] = mapping.homography.ravel()
        if p.stance_speed:
            self._par[PAR_STANCE_SPEED] = p.stance_speed
        elif mapping.metric and belt_speed_mps:
            self._par[PAR_STANCE_SPEED] = belt_speed_mps / p.belt_per_stance_speed
        # The frames seen before the stance speed is known, to go through again once it is.
        self._unpaired: deque[tuple[float, np.ndarray]] | None = (
            deque(maxlen=p.capacity) if self._par[PAR_STANCE_SPEED] <= 0 else None
        )
        self.events = np.zeros((MAX_EVENTS, 4))
        """The last frame's contact events (see ``detect``)."""
        self._last_t = -math.inf
        self._first_t = math.nan
        self._contacts: list[Contact | None] = [None, None]
        self._open_ic: list[float | None] = [None, None]
        self._held: list[Step] = []
        self._thighs: dict[str, deque[float]] = {}
        """Each foot's last steps' hip extension (``_held_to_the_runner``)."""
        self._contacts_of = deque[float](maxlen=LIKE_STEPS)
        """The last running steps' contact time, both feet's (``_held_to_the_runner``)."""
        # Steps whose view the geometry has not told yet, waiting for a step that does.
        self._unnamed: list[Unnamed] = []
        self._now = -math.inf
        self._ics: deque[tuple[float, int]] = deque(maxlen=8)
        self._last_steps_s = math.nan
        """Two of the last steps between landings (``_landings_changed``)."""
        # The running contacts finished lately, each (contact, leg track).
        self._ran: deque[tuple[Contact, int]] = deque(maxlen=4)
        self._leg_steps: list[dict[str | None, deque[float]]] = [{}, {}]
        """Each leg's last steps in each gait they were counted as, timed or not, s
        (``_step_start``)."""
        self._no_steps: deque[tuple[float, int]] = deque(maxlen=8)
        """The landings, with their leg tracks, of the last contacts that made no step."""
        self._stance_speeds: deque[float] = deque(maxlen=p.history)
        self._contact_times: deque[float] = deque(maxlen=p.history)
        self._stride_times: deque[float] = deque(maxlen=p.history)
        self._walk_duties: deque[float] = deque(maxlen=p.history)
        self._leg_lengths: deque[float] = deque(maxlen=200)
        # Per leg track: (initial contact s, stance height) of its last contacts.
        self._stance_heights: tuple[deque[tuple[float, float]], ...] = (
            deque(maxlen=8),
            deque(maxlen=8),
        )
        self._near_belief = 0.0
        self._last_view_ic = (-math.inf, 0, 0)
        self._off_plane = False
        """Whether the stance feet were found off a calibrated plane's belt (``_plane_off``)."""
        self._even_near: bool | None = None
        """Whether the contacts an even count of steps from the count's start are the near
        leg's, as last told (``_view``); None until told."""
        self._near_side: str | None = None
        # The far hip's lead over the near one, per step, as a fraction of thigh plus shank,
        # and the line of sight to the hips then (``PlaneMapping.sight_deg``), degrees.
        self._hip_leads: deque[float] = deque(maxlen=32)
        self._sights: deque[float] = deque(maxlen=32)
        self._modes = ModeTracker(emptied)
        self._relearned_t = -math.inf
        self._unlearned_t = -math.inf

    def _clear_tracks(self) -> None:
        """The kernels' state as before the first frame."""
        p = self.params
        self._raw = np.full((p.capacity, N_RAW), np.nan)
        self._sm = np.full((p.capacity, N_SM), np.nan)
        self._ctr = np.zeros(N_CTR, np.int64)
        self._trk = np.full(N_TRK, np.nan)
        self._trk[TRK_SWAP_STATE] = 0.0
        for leg in range(N_LEGS):
            for j in range(3):
                self._trk[[trk_col(leg, j, 3), trk_col(leg, j, 4)]] = 0.0
        self._det = np.full((N_LEGS, N_DET), np.nan)
        self._det[:, DET_PHASE] = PHASE_UNKNOWN

    @property
    def frames(self) -> int:
        return int(self._ctr[CTR_WRITTEN])

    @property
    def stance_speed(self) -> float:
        """The stance ankle's backward speed, plane units per second (0 until known)."""
        return float(self._par[PAR_STANCE_SPEED])

    def _belt_read(self) -> float:
        """The belt's speed as the stance foot reads it, plane units a second (0 until known)."""
        return max(self.stance_speed, 0.0) * self.params.belt_per_stance_speed

    def estimated_belt_speed_mps(self) -> float | None:
        """Belt speed from the stance foot, m/s; None until known or without calibration."""
        if not self.mapping.metric or self.stance_speed <= 0:
            return None
        return self._belt_read()

    def _pace_speed(self) -> float:
        """The belt's speed in plane units a second as the stance foot reads it (0 until
        known), stretched back by the view's yaw as the forward distances are (``unfold_yaw``)
        on a plane that assumes a square camera: the one source of the pace
        (``speed_legs_per_s``), whether or not a belt speed was given, so that one reference
        pace holds for every station (``edge.pace``)."""
        speed = self._belt_read()
        if self.mapping.square and self.yaw_deg:
            speed /= math.cos(math.radians(self.yaw_deg))
        return speed

    def push(self, t: float, keypoints: np.ndarray) -> list[Step]:
        """Feed one frame: t seconds (increasing), keypoints (17, 3) pixels + confidence.

        Returns the steps this frame completed (usually none). A frame that is not later than
        the one before is ignored. A step timed from frames that came too few a second
        (``timed_roughly``) is not handed out; once they have for ``UNTIMED_HOLD_S`` without a
        break (``untimed``), no mode is told either (``ModeTracker.rough``).
        """
        # Only a stretch that lasts: a camera losing frames at random, or one stall, dips for a
        # moment, and a review's 25 fps track losing 5% had forgotten its gait for it (one step
        # given none, the live summary emptied twice). Such a moment's steps still go untold.
        if self._clock.push(t):
            self._modes.rough(t)
        if self._ics and self._modes.away and self._in_view(keypoints):
            # Someone on a belt left empty: maybe someone else, at another pace (a walker after
            # a runner had their first contacts found with the run's stance speed, one step
            # timed at 287 steps a minute). The last runner's steps are done; the next is
            # learned afresh.
            done = self.finish()
            self._begin(emptied=True)
            return done + self.push(t, keypoints)
        if self._stood():
            # Someone standing on the belt: whatever they do next (a walk after a run, a run at
            # another pace) is learned afresh, as at the start, from the frames from here on. The
            # steps before are done, told before the stand began (the standing clock kept).
            stood_since = self._modes.stepped_t
            self._walked_to_a_stand()
            done = self.finish()
            self._modes.stepped_t = stood_since
            self._contacts, self._open_ic = [None, None], [None, None]
            self._unlearned_t = t
            self._par[PAR_STANCE_SPEED] = 0.0
            self._stance_speeds.clear()
            kept = round(STAND_KEPT_S / float(self._trk[TRK_FRAME_DT]))
            self._unpaired = deque(maxlen=min(max(kept, 1), self.params.capacity))
            return done + self.push(t, keypoints)
        if self._unpaired is None:
            steps = self._handle_events(self.detect(t, keypoints))
            self._relearn_stance_speed(t)
            return steps
        if t > self._last_t:
            self._unpaired.append((t, np.array(keypoints, dtype=np.float64)))
        self.detect(t, keypoints)
        return self._bootstrap()

    def hold(self, t: float) -> None:
        """The picture of the last frame pushed shown again at ``t`` s, still (a file's picture
        held still, left out: ``edge.capture.repeats``): nothing is measured in it, and the mode
        ages by the clock as if the frame had been seen again (a user trial's console kept the
        last run's RUNNING and its cue through 4 s of an empty belt held still)."""
        if t > self._last_t:
            self._modes.held(t)

    def _in_view(self, keypoints: np.ndarray) -> bool:
        """Whether a frame's keypoints show someone: a hip seen surely enough."""
        hips = np.asarray(keypoints)[[LEFT_HIP, RIGHT_HIP], 2]
        return bool(np.any(hips >= self.params.min_confidence))

    def detect(self, t: float, keypoints: np.ndarray) -> int:
        """The kernels alone on one frame: how many contact events it produced, now in
        ``events[:n]`` as (leg track, kind 0 contact / 1 toe-off, time s, quality). ``push``
        builds steps from them; benchmarks and tests call this to see the kernels' work."""
        if not t > self._last_t:
            return 0
        self._last_t = t
        self._modes.frame(t, self._in_view(keypoints))
        if math.isnan(self._first_t):
            self._first_t = t
        return int(
            process_frame(
                np.ascontiguousarray(keypoints, dtype=np.float64),
                float(t),
                self._raw,
                self._sm,
                self._ctr,
                self._trk,
                self._det,
                self._par,
                self.events,
            )
        )

    def finish(self) -> list[Step]:
        """The contacts still waiting for the next landing of their foot, as steps without
        the metrics of the swing that follows, and a last running contact the recording ended
        before the knee confirmed its toe-off (``_end_last_contacts``). Call at the end of a
        recording."""
        expired = self._expire(math.inf)
        expired += self._end_last_contacts()
        self._release_unnamed()
        done = sorted(self._held + expired, key=lambda s: s.ic_t)
        self._held = []
        return self._held_to_the_runner(done)

    def _end_last_contacts(self) -> list[Step]:
        """The running contacts a recording ended in: landed, with no toe-off yet, as the knee
        confirms one only once it has bent past its extension, over frames the look-ahead of
        the smoothing has not reached. Their toe-off is the ankle's rise
        (``typical_rise``), looked for as over a typical contact, when the frames show it
        within ``SHORT_CONTACT`` to ``1 / SHORT_CONTACT`` of a typical contact; with one sign
        only, at quality 0.5. A user trial's 7 s clip, which ended 167 ms after its last
        toe-off, had lost that contact."""
        typical = float(self._par[PAR_TYPICAL_CONTACT_S])
        if self._modes.gait == WALKING or not math.isfinite(typical):
            return []
        scale = float(np.median(self._leg_lengths)) if self._leg_lengths else math.nan
        max_gap = 1.5 * float(self._trk[TRK_FRAME_DT])
        steps = []
        for leg, ic in enumerate(self._open_ic):
            # A landing a stride old is one the detector gave up on; later steps are out.
            if ic is None or self._last_t - ic > self._stride_limit():
                continue
            sm = window(self._sm, int(self._ctr[CTR_SMOOTHED]), ic - 0.3, math.inf)
            rose = typical_rise(sm, leg, ic, typical, scale, max_gap)
            if SHORT_CONTACT * typical <= rose - ic <= typical / SHORT_CONTACT:
                self._open_ic[leg] = None
                step = self._finish_step(leg, Contact(ic, rose, 0.5), None)
                if step is not None:
                    steps.append(step)
        return steps

    def _handle_events(self, n: int) -> list[Step]:
        steps: list[Step] = []
        for leg, kind, when, quality in self.events[:n].tolist():
            steps += self._expire(when)
            step = self._on_event(int(leg), kind, when, quality)
            if step is not None:
                steps.append(step)
            # A stride learned from this event may make an open contact overdue now.
            steps += self._expire(when)
            self._now = when
        return self._in_order(steps)

    def _plane_off(self) -> bool:
        """Whether a calibrated plane's belt is not where the stance feet stand: the median
        height of the last contacts' ankles (``PLANE_CONTACTS`` at least) outside
        ``ANKLE_ON_BELT_M`` (the camera or the treadmill moved since the calibration), once
        for the runner: a median near a bound would turn the console's unit to and fro."""
        if self._off_plane or not self.mapping.metric or self.mapping.square:
            return self._off_plane
        heights = sorted((ic, y) for leg in self._stance_heights for ic, y in leg)[-PLANE_CONTACTS:]
        if len(heights) < PLANE_CONTACTS:
            return False
        lo, hi = ANKLE_ON_BELT_M
        self._off_plane = not lo <= float(np.median([y for _, y in heights])) <= hi
        return self._off_plane

    def _stride_limit(self) -> float:
        """Seconds after which a foot that has not landed again has missed a landing: 1.3
        typical strides, or two of the last steps if longer. A stride is learned only from a
        contact ended by its foot's next landing, so with the run's strides alone, off a run onto
        a walk (a stride 1.65 of the run's), every walked contact had given up on its next
        landing first: the whole walk went without stride length, bounce or swing, and without
        a stride learned."""
        stride = self._par[PAR_TYPICAL_STRIDE_S]
        if math.isfinite(self._last_steps_s):
            stride = max(stride, self._last_steps_s)
        return 1.3 * stride if math.isfinite(stride) else 1.5

    def _landings_changed(self) -> None:
        """Two of the last steps (``_stride_limit``), read once a landing is kept or dropped
        rather than at every frame: the median of the last three intervals between landings,
        twice; NaN with fewer than four landings."""
        landings = sorted(ic for ic, _ in self._ics)
        self._last_steps_s = (
            2.0 * float(np.median(np.diff(landings[-4:]))) if len(landings) >= 4 else math.nan
        )

    def _in_order(self, steps: list[Step]) -> list[Step]:
        """Hand out steps in the order of their contacts: one whose other foot still has an
        earlier contact open (a landing found late, after a dropout) waits for that one, but
        not for a contact the foot has given up on."""
        self._held = sorted(self._held + steps, key=lambda s: s.ic_t)
        open_ics = [c.ic_t for c in self._contacts if c is not None]
        open_ics += [ic for ic in self._open_ic if ic is not None]
        limit = self._stride_limit()
        horizon = min((ic for ic in open_ics if self._now - ic <= limit), default=math.inf)
        horizon = min([horizon] + [wait.contact.ic_t for wait in self._unnamed])
        ready = [s for s in self._held if s.ic_t < horizon]
        self._held = self._held[len(ready) :]
        return self._held_to_the_runner(ready)

    def _held_to_the_runner(self, steps: list[Step]) -> list[Step]:
        """Steps as they go out, in order, each step with a hip extension (a running one) its
        stance thigh at toe-off rated less sure when that is unlike the same foot's last
        ``LIKE_STEPS`` (``unlike_the_runner``: the pose model's fault), and a running step its
        contact's figures when its contact time is unlike the last ``LIKE_STEPS`` running steps',
        both feet's (``contact_unlike``: a contact cut short, 155 ms among a real clip's 250-305,
        the fifth step, had been shown as sure). Every value joins them, so a
        change of pace is caught up with in a few steps and a fault is outvoted."""
        out = []
        for step in steps:
            value = step.hip_extension_deg
            if value is not None:
                thighs = self._thighs.setdefault(step.foot, deque(maxlen=LIKE_STEPS))
                if unlike_the_runner(value, thighs):
                    rated = rated_down(step.metric_confidence, step.confidence, THIGH_AT_TOE_OFF)
                    step = replace(step, metric_confidence=rated)
                thighs.append(value)
            contact = step.contact_ms
            if contact is not None and step.gait == RUNNING:
                if contact_unlike(contact, self._contacts_of):
                    rated = rated_down(step.metric_confidence, step.confidence, CONTACT_TIMED)
                    step = replace(step, metric_confidence=rated)
                self._contacts_of.append(contact)
            out.append(step)
        return out

    def _expire(self, now: float) -> list[Step]:
        """Contacts whose foot should have landed again by now: a landing was missed, so they
        are finished without the swing that follows, keeping steps in time order."""
        limit = self._stride_limit()
        done = []
        pending = [(c.ic_t, leg, c) for leg, c in enumerate(self._contacts) if c is not None]
        for ic, leg, contact in sorted(pending):
            if now - ic > limit:
                self._contacts[leg] = None
                step = self._finish_step(leg, contact, None)
                if step is not None:
                    done.append(step)
        return done

    def _relearn_stance_speed(self, t: float, lost: bool = False) -> None:
        """A change of pace faster than the contacts can follow (off a run onto a walk, a walk
        into a run, a belt sped up or slowed at once) leaves a stance speed the feet no longer
        keep: no landing reaches it, or landings come whose toe-off is never found (``lost``),
        and without finished contacts it is never learned again. So with someone in view and no
        landing for ``RELEARN_S``, or at a landing whose foot's last contact never ended, it is
        learned afresh from the ankles as at the start (``belt_ankle_speed``) when they move
        back at a walker's pace at least and over 30% off the speed in use."""
        if not self._learns_stance_speed():
            return
        last = max(self._ics[-1][0] if self._ics else -math.inf, self._relearned_t)
        if not lost and (t - last < RELEARN_S or self._modes.away):
            return
        self._relearned_t = t
        sm = window(self._sm, int(self._ctr[CTR_SMOOTHED]), t - RELEARN_S, t)
        speed = belt_ankle_speed(sm)
        # Before any step, the leg as these frames show it: a belt speed given on a calibrated
        # plane starts the stance speed with no step measured (a walk at 1.1 m/s, 4.6 so set).
        scale = float(np.median(self._leg_lengths)) if self._leg_lengths else leg_length(sm, 0)
        if speed >= MIN_STANCE_LEGS_PER_S * scale and abs(speed / self.stance_speed - 1) > 0.3:
            self._stance_speeds.clear()
            self._stance_speeds.append(speed)
            self._par[PAR_STANCE_SPEED] = speed

    def _walked_to_a_stand(self) -> None:
        """A walk's last landings, their toe-offs not found before the stand (a walker's knee
        may never straighten enough to mark one), finished as their next landing would have
        finished them (``_on_event``), for ``finish`` to hand out; it leaves them to a walk going
        on. A review's walk, then a stand, had lost its last step."""
        if self._modes.gait != WALKING:
            return
        for leg, ic in enumerate(self._open_ic):
            if ic is not None and self._contacts[leg] is None:
                step = self._finish_step(leg, Contact(ic, math.nan, 0.5), None)
                if step is not None:
                    self._held.append(step)

    def _stood(self) -> bool:
        """Whether someone stands on the belt after steps told with the stance speed learned
        since the last stand (or the start): the next steps' pace is not known."""
        return (
            self._unpaired is None
            and self._learns_stance_speed()
            and self._modes.stepped_t > self._unlearned_t
            and self.mode == STANDING
        )

    def _learns_stance_speed(self) -> bool:
        """Whether the stance speed is learned from the ankles (not given): a belt speed on a
        calibrated plane only starts it, as the belt's speed may change and the console's be
        left as it was (a walk after a run at 4.6 m/s so set had no step found)."""
        return not self.params.stance_speed

    def _bootstrap(self) -> list[Step]:
        """Until the stance speed is known, wait ``bootstrap_s`` of data and estimate it from
        the ankles' backward speed while on the belt, over the frames kept since the start. Then
        go through the frames kept so far again: the legs are paired afresh with the stance line
        (where the belt has carried a landed foot), so a crossing in the first second cannot swap
        them. After a stand (``_stood``) the speed is read off the last ``RELEARN_S`` of frames,
        once at least a walker's and within 20% of the last half of them (the standing frames
        before someone sets off read slower: a speed read while they do finds no step at all)."""
        assert self._unpaired is not None
        kept = self._unpaired[0][0] if self._unpaired else self._last_t
        if self._last_t - kept < self.params.bootstrap_s or self.frames % 10:
            return []
        smoothed = int(self._ctr[CTR_SMOOTHED])
        if math.isfinite(self._unlearned_t):
            # After a stand: steps were told, so the leg's length is known.
            scale = float(np.median(self._leg_lengths))
            speed = belt_ankle_speed(window(self._sm, smoothed, self._last_t - RELEARN_S, math.inf))
            recent = belt_ankle_speed(
                window(self._sm, smoothed, self._last_t - RELEARN_S / 2, math.inf)
            )
            if not (speed >= MIN_STANCE_LEGS_PER_S * scale and abs(recent / speed - 1) <= 0.2):
                return []
        else:
            speed = belt_ankle_speed(window(self._sm, smoothed, kept, math.inf))
        if not (math.isfinite(speed) and speed > 0):
            return []
        self._par[PAR_STANCE_SPEED] = speed
        frames, self._unpaired = self._unpaired, None
        self._clear_tracks()
        for heights in self._stance_heights:
            heights.clear()
        self._near_belief = 0.0
        self._last_view_ic = (-math.inf, 0, 0)
        self._even_near = None
        self._last_t = -math.inf
        steps: list[Step] = []
        for t, keypoints in frames:
            steps += self._handle_events(self.detect(t, keypoints))
        return steps

    def _on_event(self, leg: int, kind: float, when: float, quality: float) -> Step | None:
        if kind != EV_IC:
            ic = self._open_ic[leg]
            self._open_ic[leg] = None
            if ic is not None:
                self._contacts[leg] = Contact(ic, when, quality)
                self._learn_from_contact(leg, ic, when, quality)
            return None
        previous = self._contacts[leg]
        unended = self._open_ic[leg]
        self._contacts[leg] = None
        self._open_ic[leg] = when
        self._ics.append((when, leg))
        self._landings_changed()
        if previous is None and unended is not None:
            # The last contact of this foot never ended: no toe-off was found before it landed
            # again. The stance speed may be stale; and a walker's knee may never straighten
            # enough to mark a toe-off, yet the contact is one, its toe-off found from the ankle.
            self._relearn_stance_speed(when, lost=True)
            if self._modes.gait == WALKING or not self._modes.holds:
                walked = self._modes.gait != WALKING
                return self._finish_step(leg, Contact(unended, math.nan, 0.5), when, walked)
        if previous is None:
            return None
        if quality == 1.0 and previous.quality == 1.0:
            self._stride_times.append(when - previous.ic_t)
            self._par[PAR_TYPICAL_STRIDE_S] = float(np.median(self._stride_times))
        return self._finish_step(leg, previous, when)

    def _step_start(
        self, earlier: list[tuple[float, int]], leg: int, ic: float, gait: str | None
    ) -> float | None:
        """The other foot's landing a step of ``leg`` landing at ``ic``, counted as ``gait``, is
        timed from (the step is remembered among the leg's steps in that gait either way): the last
        landing before it, when that was the other foot's (two in a row on one foot: the other
        foot's was missed, and the interval would be a stride) and its contact was not found to
        make no step (a squat's, a jump's, or one measured wrong: no step's landing), and the
        step lasts under ``STILL_S`` (no step spans a stand: a review's walk after one had its
        first step timed at 7 steps a minute) and at most ``STEP_GROWTH`` times the median of
        this leg's ``STEP_MEMORY`` steps before in the same gait (the other leg's before this
        one has any; either leg's in any gait before the gait has any). A landing before a gap
        whose steps were not seen (a picture held still, the runner lost) would time a step across
        it (a real clip's held second gave 44 steps a minute), two such gaps close together too;
        held to the same foot's steps, a lopsided gait's long steps are held to long ones. The
        steps before count whether timed or not, and by their median: held to the last one timed,
        a step found short once (a landing found twice) held every step after it. Held to the
        other gait's steps, a walk after a run had none of its steps timed (a user trial: its
        cadence read off the two left, 204 steps a minute on a walk at 106), and a run after a
        walk its steps across a landing not seen (77 steps a minute, recorded runners' tracks)."""
        if not earlier or earlier[-1][1] == leg or earlier[-1] in self._no_steps:
            return None
        previous = earlier[-1][0]
        steps = self._leg_steps[leg].setdefault(gait, deque(maxlen=STEP_MEMORY))
        known = (
            steps
            or self._leg_steps[1 - leg].get(gait)
            or [s for each in self._leg_steps for history in each.values() for s in history]
        )
        before = float(np.median(known)) if known else math.inf
        steps.append(ic - previous)
        if ic - previous >= STILL_S or ic - previous > STEP_GROWTH * before:
            return None
        return previous

    def _finish_step(
        self, leg: int, contact: Contact, next_ic: float | None, walked_only: bool = False
    ) -> Step | None:
        """The step of a finished ``contact`` of leg track ``leg``, None when it makes none
        (``walked_only``: a contact never seen to end before any gait holds, a step only if
        walked: a walker's knee may never straighten enough to mark a toe-off, a runner's
        contact without one is dropped with no trace), or when it was timed from frames that
        came too few a second (``timed_roughly``): its gait, its events and every figure at
        them or between them would be a frame or more off, and no mark would keep a coach
        from a wrong one (a user trial's loaded station stored a cool-down walk's steps as
        running, overstride 31% of the leg and hip extension -15 to -24 deg)."""
        p = self.params
        ended = contact.to_t if math.isfinite(contact.to_t) else contact.ic_t + p.max_contact_s
        # Over 2 s, and over its own frames from just before its landing: a step timed wholly
        # from a slow stretch that began less than 2 s before had been handed out (a review's
        # real track slowed to 17 a second for 1.2 s: its contact 190 ms where 265).
        own = ended - contact.ic_t + OWN_FRAMES_BEFORE_S
        times = self._clock.times
        if timed_roughly(times, ended) or timed_roughly(times, ended, own):
            return None
        end = next_ic if next_ic is not None else ended + 0.2
        sm = window(self._sm, int(self._ctr[CTR_SMOOTHED]), contact.ic_t - 0.3, end + 0.01)
        length = leg_length(sm, leg)
        if math.isfinite(length):
            self._leg_lengths.append(length)
        scale = float(np.median(self._leg_lengths)) if self._leg_lengths else math.nan
        max_gap = 1.5 * float(self._trk[TRK_FRAME_DT])
        rise = hip_rise(sm, leg, contact.ic_t, ended, max_gap) / scale
        vote = gait_vote(rise)
        gait, leaning = self._modes.counted(vote), self._modes.leaning(vote)
        if walked_only and gait != WALKING:
            return None
        if gait == WALKING:
            contact = self._walking_contact(sm, leg, contact, scale, max_gap)
        elif contact.quality == 1.0 and not self._slanted():
            typical = self._par[PAR_TYPICAL_CONTACT_S]
            contact = running_toe_off(sm, leg, contact, scale, max_gap, typical)
        if not plausible(contact, sm, leg, scale) or hip_bounce(sm, contact.ic_t, end) > (
            MAX_BOUNCE_LEGS * scale
        ):
            self._modes.no_step(vote)
            self._no_steps.append((contact.ic_t, leg))
            return None
        if gait != WALKING and self._seen_twice(contact, leg):
            if (contact.ic_t, leg) in self._ics:
                self._ics.remove((contact.ic_t, leg))
                self._landings_changed()
            return None
        self._modes.step(vote)
        # When the step is told (a stride after its landing), so the standing clock runs no
        # later than before, when any contact's landing counted.
        self._modes.landing(self._last_t)
        self._timed_to = max(self._timed_to, ended)
        raw = window(self._raw, self.frames, contact.ic_t - 0.05, contact.to_t + 0.05)
        earlier = [(ic, lg) for ic, lg in self._ics if ic < contact.ic_t - 1e-9]
        later = [ic for ic, lg in self._ics if lg != leg and contact.to_t < ic < end]
        view, parity = self._view(
            leg, contact, sm, window(self._raw, self.frames, contact.ic_t - 0.3, end)
        )
        self._learn_yaw(leg, view, sm)
        foot = self._foot(view, sm)
        if foot is None:
            # No view yet: the labels of the second before the toe-off and of the swing after
            # it vote (a run of swapped labels can cover half a contact, hardly half a second),
            # unless a step soon after tells its view (``_unnamed``).
            foot = foot_of_leg(window(self._raw, self.frames, contact.to_t - 1.0, end), leg)
        fits = self._belt_fits()
        ctx = StepContext(
            foot=foot,
            view=view,
            yaw_deg=self.yaw_deg,
            leg=leg,
            metric=self.mapping.metric,
            square=self.mapping.square,
            previous_ic=self._step_start(earlier, leg, contact.ic_t, gait),
            other_next_ic=later[0] if later else None,
            next_ic=next_ic,
            leg_length=scale,
            belt_speed_mps=self.belt_speed_mps if fits else self.estimated_belt_speed_mps(),
            pace_speed=self._pace_speed(),
            max_gap_s=max_gap,
            gait=gait,
            leaning=leaning,
            camera=self.mapping.camera,
            plane_off=self._plane_off(),
            belt_given=fits,
        )
        if view is not None:
            self._name_unnamed(view, parity)
        elif len(self._unnamed) < VIEW_WAIT_STEPS:
            self._unnamed.append(Unnamed(contact, sm, raw, ctx, parity))
            return None
        else:
            self._release_unnamed()
        return step_metrics(contact, sm, raw, ctx)

    def _seen_twice(self, contact: Contact, leg: int) -> bool:
        """Whether a running contact is another's seen again by the other leg track
        (``SAME_CONTACT``): one that track has finished already, or has ended and landed no
        later. A copy lags the landing it copies (a pose model drawing one leg where the other
        was) and is finished first, its own track landing again sooner: so it is the other
        track's contact still waiting to be finished that tells it. Else the contact is kept
        among those the next ones are held to."""
        twins = [other for other, track in self._ran if track != leg]
        waiting = self._contacts[1 - leg]
        if waiting is not None and waiting.ic_t <= contact.ic_t:
            twins.append(waiting)
        for other in twins:
            shared = min(other.to_t, contact.to_t) - max(other.ic_t, contact.ic_t)
            shorter = min(other.to_t - other.ic_t, contact.to_t - contact.ic_t)
            if shared > SAME_CONTACT * shorter:
                return True
        self._ran.append((contact, leg))
        return False

    def _slanted(self) -> bool:
        """Whether the plane assumes a square camera and the view reads more than
        ``RISE_MAX_YAW_DEG`` off square: then the belt runs across the picture at a slant, and a
        foot's height in it changes as the belt carries it back (``running_toe_off`` is not
        used)."""
        yaw = self.yaw_deg
        return self.mapping.square and yaw is not None and abs(yaw) > RISE_MAX_YAW_DEG

    def _walking_contact(
        self, sm: np.ndarray, leg: int, contact: Contact, leg_length: float, max_gap: float
    ) -> Contact:
        """A walking contact, its toe-off from the ankle (``walking_toe_off``), halfway to the
        ankle's rise (``halfway_to_rise``) when they agree and the view is not slanted: the
        delay after the ankle's slowing is fitted on the one walker at hand, the rise was set on
        the runners and holds for that walker too (docs/accuracy.md, "Gait modes"). A walker keeps
        each foot on the belt for more than half of every stride and less than three quarters of
        it, so a toe-off the ankle puts outside that, or none, is placed by the walk's rhythm
        instead, with quality 0.5, as the detector places what it did not see: at the median
        share of the stride of the last walking contacts, else ``WALK_DUTY``. Both were seen
        with the pose model's ankles in a walk's first strides, as its legs were still being
        told apart. The stride is twice the median time between the last landings of either
        foot: the legs' own strides are not, as they go wrong when the legs are swapped, and
        after running they are still the run's until the walk's are learned. A contact the
        detector never saw end (NaN toe-off) is not placed: without the ankle's sign it may be
        no contact at all; nor is one whose toe-off would come after the last frame seen (a
        user trial's clip ended 58 ms before the toe-off placed)."""
        ic = contact.ic_t
        to = walking_toe_off(sm, leg, ic, self.stance_speed, max_gap)
        if math.isfinite(to) and not self._slanted():
            halfway = halfway_to_rise(sm, leg, Contact(ic, to, 1.0), leg_length, max_gap)
            to = to if halfway is None else halfway.to_t
        landings = sorted(t for t, _ in self._ics)
        stride = 2.0 * float(np.median(np.diff(landings))) if len(landings) >= 3 else math.nan
        if not math.isfinite(stride):
            if math.isfinite(to) and to - ic >= MIN_CONTACT_S:
                return Contact(ic, to, contact.quality)
            return contact
        if WALK_MIN_DUTY <= (to - ic) / stride <= WALK_MAX_DUTY:
            self._walk_duties.append((to - ic) / stride)
            return Contact(ic, to, contact.quality)
        if not math.isfinite(contact.to_t):
            return contact
        duty = float(np.median(self._walk_duties)) if self._walk_duties else WALK_DUTY
        if ic + duty * stride > self._last_t:
            # Past the last frame (a recording's end): a toe-off no frame has shown.
            return Contact(ic, math.nan, contact.quality)
        return Contact(ic, ic + duty * stride, min(contact.quality, 0.5))

    def _name_unnamed(self, view: str, parity: int) -> None:
        """The steps waiting for a view get theirs from this step's: the feet alternate, so
        a step an even number of steps before this one is the same leg, an odd number the
        other. They join the steps held for handing out in order."""
        other = "far" if view == "near" else "near"
        for wait in self._unnamed:
            seen = view if (parity - wait.parity) % 2 == 0 else other
            self._learn_yaw(wait.ctx.leg, seen, wait.sm)
            ctx = replace(wait.ctx, view=seen, foot=self._foot(seen, wait.sm) or wait.ctx.foot)
            self._held.append(step_metrics(wait.contact, wait.sm, wait.raw, ctx))
        self._unnamed.clear()

    def _release_unnamed(self) -> None:
        """The steps waiting for a view go out as they are, named by the pose model's labels:
        no step told its view soon enough, or the count of steps between was lost."""
        self._held += [step_metrics(w.contact, w.sm, w.raw, w.ctx) for w in self._unnamed]
        self._unnamed.clear()

    def _view(
        self, leg: int, contact: Contact, sm: np.ndarray, raw: np.ndarray
    ) -> tuple[str | None, int]:
        """Whether a contact's leg was the one nearer the camera, from depth cues
        (``DepthCues``): this contact's alone when they are overwhelming, else those of the
        last steps (the feet alternate), else None; and the contact's count of steps since
        the count began (its parity tells the legs apart), afresh where the steps between
        cannot be counted. Once told, the legs keep their names against evidence weaker than
        ``VIEW_TURN``."""
        scale = float(np.median(self._leg_lengths)) if self._leg_lengths else math.nan
        own = stance_height(sm, leg, contact.ic_t, contact.to_t)
        others = [y for ic, y in self._stance_heights[1 - leg] if abs(ic - contact.ic_t) <= 1.0]
        cues = DepthCues(
            lower=(float(np.mean(others)) - own) / scale if others else math.nan,
            larger=(limb_length(sm, leg) - limb_length(sm, 1 - leg)) / scale,
            surer=keypoint_confidence(raw, leg) - keypoint_confidence(raw, 1 - leg),
        )
        score = cues.score()
        # The feet alternate: a contact one step after the last is the other foot, two steps
        # after it the same (a landing missed in between). Counting steps in time, not by leg
        # track, holds when the tracker takes one leg for the other; the tracks count them
        # where the time falls between whole steps, the pace changed, and neither does where
        # landings were missed across the change (``_steps_between``): the pace is that of the
        # landings from this one on.
        step_s = self._typical_step_s()
        last_ic, parity, last_leg = self._last_view_ic
        steps = (contact.ic_t - last_ic) / step_s if math.isfinite(step_s) else math.inf
        since = sorted(ic for ic, _ in self._ics if ic >= contact.ic_t)
        new_step_s = float(np.median(np.diff(since))) if len(since) >= 2 else math.nan
        between = (
            _steps_between(contact.ic_t - last_ic, step_s, new_step_s, leg != last_leg)
            if abs(steps) <= VIEW_MAX_STEPS
            else None
        )
        if between is None:
            self._near_belief = 0.0
            self._even_near = None
            parity = 0
            self._release_unnamed()
        else:
            parity += between
        self._last_view_ic = (contact.ic_t, parity, leg)
        sign = 1.0 if parity % 2 == 0 else -1.0
        # The belief that the even contacts are the near leg's: each contact's evidence added,
        # old evidence fading over a few steps.
        self._near_belief = VIEW_MEMORY * self._near_belief + sign * score
        decisive = score if abs(score) >= VIEW_ALONE else sign * self._near_belief
        if abs(decisive) < VIEW_EVIDENCE:
            return None, parity
        even_near = (decisive > 0) == (sign > 0)
        if self._even_near is None or abs(decisive) >= VIEW_TURN:
            self._even_near = even_near
        return ("near" if self._even_near == (sign > 0) else "far"), parity

    def _typical_step_s(self) -> float:
        """Half the runner's typical stride once three strides are known; before that the
        median time between landings of either foot (a first stride can rest on one pair of
        landings of a track that missed one between); NaN with fewer than three landings."""
        if len(self._stride_times) >= 3:
            return 0.5 * float(self._par[PAR_TYPICAL_STRIDE_S])
        ics = sorted(ic for ic, _ in self._ics)
        return float(np.median(np.diff(ics))) if len(ics) >= 3 else math.nan

    @property
    def untimed(self) -> bool:
        """Whether the frames have come too few a second to time steps (``timed_roughly``)
        for ``UNTIMED_HOLD_S`` or more: no mode is told meanwhile (``ModeTracker.rough``), and
        no step is handed out (that, from any moment of too few)."""
        return self._clock.untimed

    @property
    def untimed_since(self) -> float | None:
        """Where the steps stopped being timed, while ``untimed`` (else None): where the frames
        began to come too few a second (``UntimedClock.since``), not before the end of a step
        handed out (steps finish out of their landings' order). A session's report had said
        "standing or off the belt" over a camera's slow stretch of 2-4 s, recorded from 0.5 s
        after the 2 s rule first said so, while a step's own frames had stopped the steps over a
        second before (a review); at 60 a second slowed to 15 the rule says so 1.7 s into it (a
        user trial)."""
        if not self._clock.untimed:
            return None
        return max(self._clock.since, self._timed_to)

    @property
    def mode(self) -> str | None:
        """What the person on the belt is doing now (``edge.gait.mode``): running, walking,
        standing, off_belt, or None until told."""
        return self._modes.mode(float(self._par[PAR_TYPICAL_STRIDE_S]))

    @property
    def yaw_deg(self) -> float | None:
        """How far the camera looks off square to the belt, degrees, positive when it is
        turned toward the runner's front: as the treadmill's lines read it where they did
        (``PlaneMapping.turn_deg``), else from the pelvis's width, seen as the far hip's lead
        over the near one (``hip_offset``), less the line of sight's turn from the camera's
        axis where the picture is known (``PlaneMapping.sight_deg``: a runner off the axis
        shows as much lead); then None until four steps have a view."""
        if self.mapping.turn_deg is not None:
            return self.mapping.turn_deg
        if len(self._hip_leads) < 4:
            return None
        lead = float(np.median(self._hip_leads)) / PELVIS_PER_LIMB
        yaw = math.degrees(math.asin(max(-1.0, min(1.0, lead))))
        if self._sights:
            yaw -= float(np.median(self._sights))
        return round(yaw, 1)

    def _learn_yaw(self, leg: int, view: str | None, sm: np.ndarray) -> None:
        limb = limb_length(sm, leg)
        lead = hip_offset(sm, leg) / limb
        if view is None or not math.isfinite(lead):
            return
        self._hip_leads.append(lead if view == "far" else -lead)
        hips = sm[:, [SM_MID_X, SM_MID_Y]]
        hips = hips[np.isfinite(hips).all(axis=1)]
        sight = self.mapping.sight_deg(*np.median(hips, axis=0)) if len(hips) else None
        if sight is not None:
            self._sights.append(sight)

    def _foot(self, view: str | None, sm: np.ndarray) -> str | None:
        """The runner's foot a near or far leg is: the near side is the side the runner
        faces in the image (``PlaneMapping.facing_at``); None when the view is unknown."""
        if view is None:
            return None
        if self._near_side is None:
            hips = sm[:, [SM_MID_X, SM_MID_Y]]
            hips = hips[np.isfinite(hips).all(axis=1)]
            if not len(hips):
                return None
            self._near_side = self.mapping.facing_at(*np.median(hips, axis=0))
        if view == "near":
            return self._near_side
        return "left" if self._near_side == "right" else "right"

    def _learn_from_contact(self, leg: int, ic: float, to: float, quality: float) -> None:
        """Learn the stance speed from every contact, even one whose toe-off was placed
        roughly: a stance speed started wrong (a bootstrap on noisy keypoints can be far off)
        makes every toe-off rough, and must still be corrected by the contacts that follow.
        The typical contact time is learned from clean contacts only, none shorter than any
        runner's (``MIN_CONTACT_S``: a knee put wrong as the legs cross can end one early)."""
        contact = to - ic
        stance = window(self._sm, int(self._ctr[CTR_SMOOTHED]), ic, to)
        height = stance_height(stance, leg, ic, to)
        if math.isfinite(height):
            self._stance_heights[leg].append((ic, height))
        speed = stance_speed(stance, leg)
        if math.isfinite(speed) and speed > 0 and not self.params.stance_speed:
            self._stance_speeds.append(speed)
            self._par[PAR_STANCE_SPEED] = float(np.median(self._stance_speeds))
        if quality == 1.0 and contact >= MIN_CONTACT_S:
            self._contact_times.append(contact)
            self._par[PAR_TYPICAL_CONTACT_S] = float(np.median(self._contact_times))
