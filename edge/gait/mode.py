"""What the person on the belt is doing: running, walking, standing, or nobody is there.

Running and walking are told apart by how the hips move over the stance foot, the textbook
difference between the two gaits: a walker vaults over a stiff leg like an inverted pendulum, so
the hips RISE from landing to mid-stance (when the ankle passes under them); a runner lands on a
spring and the hips SINK. On the data this was checked on, from initial contact to mid-stance
the mid-hip rose 1.6 to 2.6 cm on every contact of a treadmill walk at 1.1 m/s
(``edge.demo.mocap.walking_trial``) and sank 6 to 8 cm on every contact of three runners at 2.5
and 4.6 m/s (Fukuchi 2017). The sign needs neither toe-off (a walker's knee straightens at
mid-stance, which a runner's toe-off rule takes for the toe-off) nor the belt speed, nor a
calibration.

Each step votes by its own rise; the mode changes after ``SWITCH_VOTES`` votes in a row for the
other gait (a step or two of lag, no flicker at a walk-to-run transition). The first gait is
taken from the first vote but holds only once a vote in a row agrees with it: till then each
vote that differs takes its place, so a session's first steps can change gait step by step until
two votes agree (its first step, its keypoints the pose model's first guesses, had voted a 5.1
m/s runner's first two steps walked). So it is again after ``STILL_S`` without a step told (a
stand, the belt left, or a video's shots of other things between): a real clip's walk 12 s
after a jog had its first step counted as running, with a runner's flight time. Only a step
votes: a contact that makes none (a squat's, a jump's) votes only against the gait it was
counted as (``no_step``). Standing and away come from the frames and the steps: a person in
view with no step told for ``STILL_S`` (or two strides, whichever is longer) is standing;
nobody in view for ``AWAY_S`` is off the belt, and so is a person who comes into view after
that, till they are told a step or have stood ``STILL_S``: a user trial's passer-by, jogging
behind a belt its runner had left, brought back the last run's RUNNING and its cue for two
seconds (a frame alone does not put anyone back on the belt). While the frames come too few a
second to time steps (``ModeTracker.rough``) no mode is told but off the belt: steps then go
unfound or are timed wrong, and their hips' rise with them (a user trial's loaded station, 10-13
frames a second, read STANDING and WALKING by turns over a run, and its cool-down walk as running).
"""

from __future__ import annotations

import math

from edge.frame_rate import HELD_S

RUNNING, WALKING, STANDING, OFF_BELT = "running", "walking", "standing", "off_belt"
GAITS = (RUNNING, WALKING)
MODES = (RUNNING, WALKING, STANDING, OFF_BELT)
#: what ``ModeTracker.mode`` says while the frames come too few a second to time steps: none of
#: ``MODES`` can be told then but off the belt
UNTIMED = "untimed"

#: a rise of the hips smaller than this fraction of leg length votes for neither gait: the
#: walker's 1.6 cm is 1.8% of a 0.9 m leg, the runners' sink of 6 cm 7%, keypoint noise ~0.5 cm
PENDULUM_MARGIN = 0.005
#: a sink of the hips larger than this fraction of leg length votes running; a smaller one (past
#: ``PENDULUM_MARGIN``) only weakly (``WEAK_RUNNING``). On the tracks at hand a runner's hips
#: sank 1.5-13% of the leg at nearly every step (motion-capture keypoint tracks at 60 fps 3.5%
#: and more but for one step's 0.6%; the rendered runners 1.6% and more; of 486 steps of 49 pose
#: tracks of real clips, two running steps mid-run 0.6-0.9%), where a walk's first step after a
#: stand, a real treadmill clip's, read a sink of 0.9%: it had been counted a run's, its contact
#: ended at the knee's straightening (200 ms of the walk's 620) and its overstride shown. The
#: rendered walker's steps read -0.2% to +2.3%.
RUN_SINK = 0.012
#: the vote of a sink between ``PENDULUM_MARGIN`` and ``RUN_SINK``: it keeps running running,
#: and ``WEAK_VOTES`` in a row for running make running the gait, a first gait or a change (a
#: runner of small bounce is told, a step late), where one alone makes neither
WEAK_RUNNING = "running, weakly"
WEAK_VOTES = 3
#: votes in a row for the other gait that change the mode
SWITCH_VOTES = 2
#: seconds without a step told, while someone is in view, after which they are standing
STILL_S = 2.0
#: seconds with nobody in view after which the belt is taken as empty
AWAY_S = 1.0


def gait_vote(rise_per_leg: float) -> str | None:
    """The gait a step's hip rise from landing to mid-stance (a fraction of leg length, up
    positive) points to, ``WEAK_RUNNING`` for a small sink, or None when it is too small to
    tell or unknown."""
    if not math.isfinite(rise_per_leg):
        return None
    if rise_per_leg > PENDULUM_MARGIN:
        return WALKING
    if rise_per_leg < -RUN_SINK:
        return RUNNING
    if rise_per_leg < -PENDULUM_MARGIN:
        return WEAK_RUNNING
    return None


def _kind(vote: str | None) -> str | None:
    """The gait a vote is for: a weak vote for running is for running."""
    return RUNNING if vote == WEAK_RUNNING else vote


class ModeTracker:
    """The live mode, from the frames (someone in view or not), the landings and the steps'
    votes. ``mode`` is None until the first of these tells anything."""

    def __init__(self, emptied: bool = False) -> None:
        """``emptied``: the belt was left empty just before the first frame (an engine that
        starts afresh on whoever comes next)."""
        self._emptied = emptied
        """Whether the belt has been empty (nobody in view for ``AWAY_S``): then whoever is in
        view is on it only once told a step, or standing."""
        self._gait: str | None = None
        self._held = False
        """Whether the gait has had ``SWITCH_VOTES`` votes in a row (the first one does not hold
        before)."""
        self._streak: tuple[str | None, int] = (None, 0)
        self._seen_t = -math.inf
        self._present_since: float | None = None
        self._landed_t = -math.inf
        self._now = -math.inf
        self._rough_t = -math.inf
        """When the frames last came too few a second to time steps (``rough``)."""
        self._resumed_t = -math.inf
        """When the frames last came again after none for over ``HELD_S`` (a camera's stall)."""

    def frame(self, t: float, present: bool) -> None:
        """One frame at ``t`` s: whether a person was in view. One after none for over
        ``HELD_S`` (a camera's stall) starts the clock to standing again where a step was told
        less than ``STILL_S`` before the stall: what the person did meanwhile was not seen (a
        stall of 2 s or more had read STANDING for over a second after it, of a runner running
        on, and the runner's pace was learned afresh). Someone already still keeps their clock
        (a review: a stand read RUNNING for 2 s after each stall, and never STANDING with
        stalls under 2 s apart)."""
        if t - self._now > HELD_S and self._now - self._landed_t < STILL_S:
            self._resumed_t = t
        self._at(t, present)

    def held(self, t: float) -> None:
        """The picture of the last frame shown again at ``t`` s (a picture held still: no new
        moment in it): whoever was in view in it stays in view, and no step is told, so the mode
        ages by the clock, to standing or nobody on the belt (a held picture is seen, not a
        stall: the clock runs on however seldom it is told)."""
        if math.isfinite(self._now):
            self._at(t, self._seen_t == self._now)

    def _at(self, t: float, present: bool) -> None:
        """The clock at ``t`` s, and whether a person was in view then."""
        self._now = t
        if present:
            self._seen_t = t
            if self._present_since is None:
                self._present_since = t
        elif t - self._seen_t >= AWAY_S:
            self._present_since = None
            self._emptied = True

    def rough(self, t: float) -> None:
        """The frames up to the one at ``t`` s (the next ``frame``) have come too few a second
        to time steps (``edge.frame_rate.timed_roughly``) for ``UNTIMED_HOLD_S`` without a
        break (``edge.frame_rate.UntimedClock``): steps then go unfound, or are
        timed and their hips' rise read wrong, so no step is told (the engine hands none out)
        and the mode is ``UNTIMED`` unless nobody is in view. The gait is forgotten, as after
        a stand: what the person did meanwhile was not seen. On recorded runners' and a
        walker's keypoint tracks at 12 frames a second, 1-67% of a run's steps were found, their
        contacts 45-107 ms off; the first step of the walk after a run was counted a run's,
        its overstride 27% of the leg."""
        self._rough_t = t
        self._gait, self._held, self._streak = None, False, (None, 0)

    def landing(self, t: float) -> None:
        """A step was told at ``t`` s (its foot landed a stride or so before)."""
        self._landed_t = max(self._landed_t, t)

    def counted(self, vote: str | None) -> str | None:
        """The gait a step voting ``vote`` would be counted as, the vote not yet in (``step``
        puts it in once the step is one)."""
        return self._after(vote)[0]

    def leaning(self, vote: str | None) -> str | None:
        """The gait a step voting ``vote`` points to, the vote not yet in: its own vote's, or
        where it gives none, that of the votes in a row before it, which the mode may not follow
        yet (``SWITCH_VOTES``): a walk's first steps after a run lean to walking while still
        counted as running."""
        return _kind(vote) or self._after(None)[1][0]

    def step(self, vote: str | None) -> str | None:
        """A finished step's vote (``gait_vote``); returns the gait the step is counted as,
        the mode's once the vote is in: one odd step neither changes the mode nor goes against
        it (the first step of a new gait counts as the old one)."""
        self._gait, self._streak, self._held = self._after(vote)
        return self._gait

    def no_step(self, vote: str | None) -> None:
        """A contact that made no step (none a runner's or walker's: a squat's, a jump's, or
        one the gait it was counted as measured wrong): its vote can start a change of gait (a
        real walk-to-run clip's first running contact, measured as a walk's, failed), never
        complete one, nor make a first gait."""
        if self.counted(vote) != _kind(vote):
            self.step(vote)

    def _after(self, vote: str | None) -> tuple[str | None, tuple[str | None, int], bool]:
        """The gait, the streak of votes and whether the gait holds, after ``vote``."""
        gait, streak, held = self._gait, self._streak, self._held
        if math.isfinite(self._landed_t) and self._now - self._landed_t >= STILL_S:
            held, streak = False, (None, 0)
        if vote is not None:
            kind, (last, count) = _kind(vote), streak
            count = count + 1 if last == kind else 1
            streak = (kind, count)
            if vote == WEAK_RUNNING:
                switch = count >= WEAK_VOTES
            else:
                switch = not held or count >= SWITCH_VOTES
            if kind != gait and switch:
                gait = kind
            held = held or (gait == kind and count >= SWITCH_VOTES)
        return gait, streak, held

    @property
    def holds(self) -> bool:
        """Whether the gait holds: it has had ``SWITCH_VOTES`` votes in a row since the last
        ``STILL_S`` without a step."""
        return self._after(None)[2]

    @property
    def stepped_t(self) -> float:
        """When the last step was told, s (-inf before any); set back, the steps told since
        count as told then (the engine's steps finished as a stand begins)."""
        return self._landed_t

    @stepped_t.setter
    def stepped_t(self, t: float) -> None:
        self._landed_t = t

    @property
    def gait(self) -> str | None:
        """The gait of the last steps, running or walking (None before the first vote)."""
        return self._gait

    @property
    def away(self) -> bool:
        """Whether nobody has been in view for ``AWAY_S``."""
        return self._now - self._seen_t >= AWAY_S

    def mode(self, stride_s: float = math.nan) -> str | None:
        """The mode now; ``stride_s`` the runner's typical stride time if known. ``UNTIMED``
        while the frames come too few a second to time steps (``rough``), and standing only
        once no step is told for as long after they came enough again."""
        if self.away:
            return OFF_BELT
        if self._present_since is None:
            return None
        if self._rough_t == self._now:
            return UNTIMED
        still = max(STILL_S, 2.0 * stride_s) if math.isfinite(stride_s) else STILL_S
        since = max(self._landed_t, self._present_since, self._rough_t, self._resumed_t)
        if self._now - since >= still:
            return STANDING
        if self._emptied and self._landed_t < self._present_since:
            # Back in view on an empty belt, no step told yet: not the last gait's runner.
            return OFF_BELT
        return self._gait
