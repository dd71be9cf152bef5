"""Whether a run's steps fit a runner: at the time base they were timed by, at the scale that
gives their distances in metres, and beside the belt speed given. Pure functions of the steps,
used wherever steps are shown: ``hipdrive analyze`` and ``replay`` refuse what does not fit, and
the station holds a file's cues to the same checks (``edge.run.station.FitCheck``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from edge.bus.schema import StepMsg, gait_of
from edge.gait.metrics import ADULT_LEG_M, BELT_SLACK
from edge.gait.mode import RUNNING, WALKING
from edge.gait.phases import GAP_S
from edge.gait.summary import read_as_running, running_steps, scale_doubted
from edge.pace import RUNNING_CADENCE_SPM, in_other_units
from edge.row import in_a_row

#: a running step's contact time, ms: sprinters at top speed touch down for about 100 ms
#: (Weyand et al. 2000, J Appl Physiol 89:1991); RBDS001 at 2.5 m/s for 268-292 ms (median 279),
#: so 450 leaves room for a slower jog while a clip slowed two-fold or more falls outside
RUNNING_CONTACT_MS = (80.0, 450.0)
#: walking cadence, steps a minute: typically 100-120 at ordinary speeds, 75-85 in a slow walk at
#: 0.5 m/s, 130-145 where walking gives way to running (about 2 m/s); the treadmill walker SI02
#: at 1.1 m/s took 105. A walk filmed in slow motion and played at its playback rate (two-fold or
#: more), or one missing every other step, falls below
WALKING_CADENCE_SPM = (70.0, 160.0)
#: a walking step's contact time, ms: about 60% of the stride, some 450-1000 ms over those
#: cadences (SI02: 705)
WALKING_CONTACT_MS = (300.0, 1600.0)
_BOUNDS = (RUNNING_CADENCE_SPM, RUNNING_CONTACT_MS), (WALKING_CADENCE_SPM, WALKING_CONTACT_MS)
#: steps a video must give for its figures and cue to be shown: fewer come from a glimpse of
#: the runner, or from someone not running on the belt (a person walking across a room once
#: gave a single "running" step of 133 ms)
MIN_JUDGED_STEPS = 4
#: how far from a walk's own cadence, as a share of it, steps read as running beside the walk,
#: under running's cadence, may be and still be taken for the walk's steps misread
#: (``misread_run``): a user trial's walk in place at 110 steps a minute had ten of its 26 steps
#: read as running, live, at 108-111; a run after a walk is quicker than the walk, and at
#: running's cadence anyway
MISREAD_CADENCE = 0.15
#: how far a step's contact and flight together may be from its step time, as a share of it,
#: and the step be whole (``misread_run``): a walk's step read as running spans its step
#: (the trial's walk: 530 ms of 550), a run's step with the step before it missed spans half
STEP_SPAN = 0.25
#: leg lengths, hip to ankle, m, that a belt speed given for an uncalibrated video, or a scale,
#: may imply (``belt_speed_problem``, ``scale_problem``): about half the stature, 0.6 m for a
#: child of 1.2 m to 1.05 m for a runner of 2.1 m, with room for the pace's reading error (1%
#: under to 5% over)
LEG_M = (0.45, 1.3)
#: the leg a doubted belt speed is set beside: an adult's, the middle of ``ADULT_LEG_M``
ADULT_LEG = 0.85


#: the least overstride, % of the leg, a step's leg length in metres is read from (its distance in
#: cm over its share of the leg): nearer the hips the ratio is mostly the keypoints' noise
SCALE_MIN_PCT = 5.0


#: how to read a scale in metres per pixel off a video, said wherever one is asked for
MPP_HOW = "a runner's height in metres over their height in pixels, e.g. 0.002"


@dataclass(frozen=True, slots=True)
class Named:
    """How a run's scale and belt speed were given, as what it tells names them: ``scale``
    (``scale_named``'s: the name and how to put it right; None: no scale), ``belt`` (where the
    belt speed was set: ``--belt-speed`` or ``gait.belt_speed_mps``)."""

    scale: tuple[str, str] | None
    belt: str


def scale_named(meters_per_pixel: float | None, calibration: str | None) -> tuple[str, str] | None:
    """What gives a run's distances in metres, and how to put it right: ``--meters-per-pixel``,
    else the calibration named ``calibration`` (None: not measured on a plane); None: nothing,
    distances in leg lengths."""
    if meters_per_pixel is not None:
        return (
            f"--meters-per-pixel {meters_per_pixel:g}",
            f"measure it again ({MPP_HOW}), or calibrate the camera (hipdrive calibrate plane)",
        )
    if calibration is not None:
        return (
            f"the calibration {calibration}",
            "calibrate the camera again where it stands (hipdrive calibrate plane)",
        )
    return None


def scale_fact(name: str | None) -> str:
    """What gave a run its distances, as a report's facts say it: the scale's name (a
    calibration, ``--meters-per-pixel``), or none (a scale given had been called "none:
    distances in % of leg length" beside figures in cm)."""
    return "none: distances in % of leg length" if name is None else f"{name}: in metres"


def belt_fact(belt_speed_mps: float | None, scaled: bool, given: str | None = None) -> str:
    """The belt speed a run's strides were measured at, as a report's facts say it (``given``:
    where it was set, when said): with none, read off the feet when a scale gives them metres,
    else no stride length."""
    if belt_speed_mps:
        return f"{belt_speed_mps:g} m/s" + (f" ({given})" if given else "")
    return "read off the feet" if scaled else "none: no stride length"


def distance_problem(
    steps: list[StepMsg],
    scale: tuple[str, str] | None,
    belt_speed_mps: float | None,
    given: str = "--belt-speed",
    belt_fix: str | None = None,
    walks: bool = False,
) -> str | None:
    """Why the steps' distances in metres would be wrong, or None: the scale (``scale_named``)
    does not fit the runner's running steps (``scale_problem``), or the belt speed given does
    not fit their feet (``belt_speed_problem``: in metres a second with a scale, else in leg
    lengths), their running steps' or, with ``walks`` (a whole recording), a walk's where none
    was run (``belt_steps``). Only once the steps' time base is known: a slow-motion clip's
    pace reads slow too."""
    ran = running_steps(steps)
    leg = leg_metres(ran) if scale is not None else None
    problem = scale_problem(leg, *scale) if scale is not None else None
    # With a scale that fits, the belt speed is held to the feet in metres; else in legs.
    metres = (leg, scale) if scale is not None else None
    held = belt_steps(steps) if walks else ran
    return problem or belt_speed_problem(held, belt_speed_mps, given, metres, belt_fix)


def belt_steps(steps: list[StepMsg]) -> list[StepMsg]:
    """The steps of a whole recording whose feet a belt speed given is held to: the running
    ones, or the walking ones where none was run (a walk's feet move with the belt too: a user
    trial's 5 for a walk at 5 km/h went by without a word, its strides 5.5 m). Not a live
    station's: its belt speed is set for the run, and a warm-up walk at another would read
    wrong (a review's)."""
    ran = running_steps(steps)
    return ran if ran else [s for s in steps if gait_of(s) == WALKING]


def leg_metres(steps: list[StepMsg]) -> float | None:
    """The runner's leg (hip to ankle), m, as a scale makes it: the median over the steps of a
    distance in metres over the same distance in leg lengths (cm over % of the leg); None in
    leg lengths only, or with fewer than ``MIN_JUDGED_STEPS`` steps to read it from."""
    legs = [
        s.overstride_cm / s.overstride_pct_leg
        for s in steps
        if s.overstride_cm is not None
        and s.overstride_pct_leg is not None
        and abs(s.overstride_pct_leg) >= SCALE_MIN_PCT
    ]
    return float(np.median(legs)) if len(legs) >= MIN_JUDGED_STEPS else None


def scale_problem(leg: float | None, given: str, fix: str) -> str | None:
    """Why the scale ``given`` (a calibration, ``--meters-per-pixel``; ``fix``: what to do)
    does not fit the runner, or None: the leg's length it makes (``leg``, m: ``leg_metres``;
    None: not read) outside ``LEG_M`` (a user trial's ``--meters-per-pixel 0.01`` made a 2.75 m
    leg, and showed a 97 cm overstride and 9 m strides)."""
    lo, hi = LEG_M
    if leg is None or lo <= leg <= hi:
        return None
    return (
        f"{given} makes the runner's leg (hip to ankle) {leg:.2f} m long, where a runner's is "
        f"{lo:g}-{hi:g} m, so every distance in metres would be wrong: {fix}"
    )


def scale_doubt(steps: list[StepMsg], scale: tuple[str, str]) -> str | None:
    """What to say of a scale (``scale_named``: where it was given, and the fix) that fits a
    runner (``scale_problem`` finds none) but makes the leg no adult's (``ADULT_LEG_M``), or a
    calibrated plane the runner's feet do not stand on, or None: every distance in metres
    rests on it, and a user trial's ``--meters-per-pixel`` that made a 0.54 m leg went by
    without a word where a belt speed that made one was doubted, and its camera moved after
    the plane's calibration made every distance 13% short, told nothing."""
    ran = running_steps(steps)
    leg = leg_metres(ran)
    whose = None if leg is None else no_adults(leg)
    given = scale[0]
    if leg is not None and whose is None and scale_doubted(ran):
        # With an adult's leg, the scale was doubted for a calibrated plane the stance feet do
        # not stand on (``ANKLE_ON_BELT_M``).
        return (
            f"the runner's feet do not stand on the belt where {given} puts it: the camera or "
            "the treadmill has moved since it was made, or its board was not where the runner "
            "runs. Every distance in metres is less sure, and the overstride is judged by its "
            "share of the leg: calibrate the plane again (hipdrive calibrate plane)"
        )
    if leg is None or whose is None:
        return None
    lo, hi = ADULT_LEG_M
    return (
        f"{given} makes the runner's leg {leg:.2f} m long (hip to ankle), {whose}: if the runner "
        f"is an adult ({lo:g}-{hi:g} m), check {given}; every distance in metres rests on it"
    )


def no_adults(leg: float) -> str | None:
    """Whose a leg of ``leg`` m (hip to ankle) is when no adult's (``ADULT_LEG_M``): "a child's"
    or "longer than an adult's"; None for an adult's."""
    lo, hi = ADULT_LEG_M
    if lo <= leg <= hi:
        return None
    return "a child's" if leg < lo else "longer than an adult's"


def belt_speed_problem(
    steps: list[StepMsg],
    belt_speed_mps: float | None,
    given: str = "--belt-speed",
    metres: tuple[float | None, tuple[str, str]] | None = None,
    fix: str | None = None,
) -> str | None:
    """Why a belt speed given does not fit the runner's feet, or None. The engine reads the
    pace off the feet in leg lengths a second, whatever the belt speed given. With a scale
    (``metres``: the leg in metres, ``leg_metres``, and the scale's name and how to put it
    right) that is the belt's speed in m/s too, and one given more than ``BELT_SLACK`` times
    faster or slower disagrees with the scale, one of the two wrong (a user trial's 4.5 beside
    feet moving at 2.6 m/s gave 3.2 m strides); without one, the belt speed over the pace is the
    leg's length in metres, and outside ``LEG_M`` the belt speed is wrong (a km/h or mph value
    given as m/s: a user trial's "10" made the strides 7.1 m at 170 steps a minute). None too for
    fewer than ``MIN_JUDGED_STEPS`` steps with a pace. ``given``: where the belt speed was
    given; ``fix``: how to put it right (default: as a command line puts it)."""
    paces = [s.speed_legs_per_s for s in steps if s.speed_legs_per_s]
    if not belt_speed_mps or len(paces) < MIN_JUDGED_STEPS:
        return None
    pace = float(np.median(paces))
    fix = fix or (
        "give the belt's speed in m/s with --belt-speed"
        if given == "--belt-speed"
        else f"put the belt's speed in m/s in {given} of the configuration, or give it with "
        "--belt-speed"
    )
    leg_m, (scale, scale_fix) = metres if metres is not None else (None, ("", ""))
    # With a scale that gives the leg in metres, the feet's speed in m/s; else in leg lengths.
    if leg_m is not None:
        feet = pace * leg_m
        if 1.0 / BELT_SLACK <= belt_speed_mps / feet <= BELT_SLACK:
            return None
        return (
            f"a belt speed of {belt_speed_mps:g} m/s ({given}) and {scale} do not agree: by the "
            f"scale the runner's feet move back at {feet:.2f} m/s. One of the two is wrong: "
            f"{fix}, or {scale_fix}"
        )
    leg = belt_speed_mps / pace
    lo, hi = LEG_M
    if lo <= leg <= hi:
        return None
    units = (
        f"; the belt speed is in metres a second ({in_other_units(belt_speed_mps)})"
        if leg > hi
        else "; it is slower than this runner's feet move back"
    )
    return (
        f"a belt speed of {belt_speed_mps:g} m/s ({given}) does not fit the runner's feet: they "
        f"move back {pace:.1f} leg lengths a second, so a leg would be {leg:.2f} m long, where a "
        f"runner's is {lo:g}-{hi:g} m{units}: {fix}"
    )


def belt_speed_doubt(
    steps: list[StepMsg], belt_speed_mps: float | None, given: str = "--belt-speed"
) -> str | None:
    """What to say of a belt speed given for an uncalibrated video that fits the feet
    (``belt_speed_problem`` finds none) but makes the runner's leg no adult's (``ADULT_LEG_M``),
    or None: the stride lengths rest on it, and nothing else tells it wrong."""
    paces = [s.speed_legs_per_s for s in belt_steps(steps) if s.speed_legs_per_s]
    if not belt_speed_mps or len(paces) < MIN_JUDGED_STEPS:
        return None
    pace = float(np.median(paces))
    leg = belt_speed_mps / pace
    whose = no_adults(leg)
    if whose is None:
        return None
    return (
        f"a belt speed of {belt_speed_mps:g} m/s ({given}) makes the runner's leg {leg:.2f} m "
        f"long (hip to ankle), {whose}: for an adult's {ADULT_LEG:g} m the feet move back at "
        f"{pace * ADULT_LEG:.1f} m/s. If the runner is an adult, check {given}: the stride "
        "lengths rest on it"
    )


def timebase_problem(
    steps: list[StepMsg],
    fps: float,
    origin: str | None = None,
    track: bool = False,
    seen_s: float = 0.0,
    rhythm: float | None = None,
) -> str | None:
    """Why the steps of a video timed at ``fps`` cannot be running's or walking's, or None: a
    median cadence or contact time outside the bounds of their gait (``RUNNING_CADENCE_SPM``,
    ``RUNNING_CONTACT_MS``, ``WALKING_CADENCE_SPM``, ``WALKING_CONTACT_MS``), as a slow-motion
    clip played at its playback rate gives, or one whose rate was stated wrong. ``origin``: what
    stated ``fps`` (a flag, the file's metadata), None when it is the video's playback rate.
    ``track``: the steps of a keypoint track (``hipdrive replay``), whose rows are timed by
    their times or by ``--fps``, where a video's are by ``--capture-fps`` or ``--slowmo``.

    Running and walking are told apart by the hips' motion over the stance foot, which no time
    base changes (``edge.gait.mode``), and each gait's steps are held to its own bounds: the
    walked ones when there are ``MIN_JUDGED_STEPS`` of them and fewer running steps than that,
    the running ones when there are that many or no walked ones (a video has one time base: a
    run that fits it settles it, and a walk beside it that does not is the walk's own oddity,
    or steps misread; a few steps read as running beside a walk are misread ones, which had a
    user trial's walk at 107 steps a minute told it was slow motion, and so are more of them
    at the walk's own cadence, ``misread_run``). Nor is a time base told from fewer than
    ``MIN_JUDGED_STEPS`` steps of a gait that are not half of the steps: a user trial's warm-up
    drills, one of eight lone steps read as running, were told they might be slow motion by its
    contact. A stated time base is
    questioned only by the gait of most steps: a walk filmed in slow motion with a step
    misread as running keeps its figures. A step without a neighbour for its cadence counts by
    its contact and flight, which span the same step (a wrong time base leaves few steps, often
    apart). Steps quicker than their gait's with nothing stating the rate are not put down to
    slow motion, which makes steps slower. Where no step's gait was told, the steps are held to
    running's bounds (``read_as_running``). ``seen_s``: how long the person was in view
    (``too_few_steps``), ``rhythm``: the legs' steps a minute (``legs_stepping``), None where
    they show none, NaN where the track cannot tell; steps too few for the time at their own
    cadence tell nothing unless the legs step at it, or cannot be read (``RHYTHM_SHARE``), and
    nor do a glimpse's (``_glimpse``)."""
    if _out_of_rhythm(steps, seen_s, rhythm) or _glimpse(steps, seen_s):
        return None
    walked = [s for s in steps if gait_of(s) == WALKING]
    ran = read_as_running(steps)
    misread = misread_run(steps) is not None
    run_judged = not misread and (len(ran) >= MIN_JUDGED_STEPS or not walked)
    walk_judged = len(walked) >= MIN_JUDGED_STEPS and (len(ran) < MIN_JUDGED_STEPS or misread)
    judged = (ran if run_judged else [], walked if walk_judged else [])
    for gait, mine, bounds in zip((RUNNING, WALKING), judged, _BOUNDS, strict=True):
        minority = 2 * len(mine) < len(steps)
        if not mine or (minority and (origin is not None or len(mine) < MIN_JUDGED_STEPS)):
            continue
        problem = _outside(gait, mine, bounds, fps, origin, track)
        if problem is not None:
            return problem
    return None


def _out_of_rhythm(steps: list[StepMsg], seen_s: float, rhythm: float | None) -> bool:
    """Whether fewer than ``MIN_JUDGED_STEPS`` steps are under ``RHYTHM_SHARE`` of those their
    median cadence gives in ``seen_s`` seconds of a person in view (``MISSED_AFTER_S`` or more),
    less the engine's first ``MIN_RUN_S``, and the legs' ``rhythm`` is not that cadence
    (``RHYTHM_AGREES``); a rhythm that cannot be read (NaN) holds nothing against them."""
    if len(steps) >= MIN_JUDGED_STEPS or seen_s < MISSED_AFTER_S:
        return False
    cadence = _median(_cadences(steps))
    if cadence is None or len(steps) >= RHYTHM_SHARE * cadence * (seen_s - MIN_RUN_S) / 60:
        return False
    if rhythm is None:
        return True
    return bool(np.isfinite(rhythm)) and abs(rhythm / cadence - 1.0) > RHYTHM_AGREES


def _glimpse(steps: list[StepMsg], seen_s: float) -> bool:
    """Whether fewer than ``MIN_JUDGED_STEPS`` steps, none of a gait told (held to running's
    bounds only for want of one: ``read_as_running``), come from a person in view under
    ``MISSED_AFTER_S`` (0: not known): as many as the engine gives any gait in that time,
    whatever the time base. The treadmill walk of ``tests.gait_modes`` cut to 1.75 s at 30 fps,
    one step, had been told "if it is slow motion, give ... (--slowmo 2 reads 213 steps a
    minute)"; testers had found so of a real clip of one walking step."""
    told = any(gait_of(s) in (RUNNING, WALKING) for s in steps)
    return 0 < seen_s < MISSED_AFTER_S and len(steps) < MIN_JUDGED_STEPS and not told


def measured_run(steps: list[StepMsg]) -> list[StepMsg]:
    """The running steps (``running_steps``) a run's figures rest on: all but those under
    running's cadence, a walk's steps read as running or a run's with the step before it
    missed (a user trial's live session, frames dropped, read the walk after its run as
    running, and its report found the cadence, overstride and hip extension off target where
    analyze of the clip met every one). Its time base is held to all of them
    (``timebase_problem``): a slow-motion run's steps all come under it."""
    ran = running_steps(steps)
    # A step without a neighbour for its cadence counts by its contact and flight.
    lo = RUNNING_CADENCE_SPM[0]
    return [s for s, cadence in zip(ran, _cadences(ran), strict=True) if not cadence < lo]


def left_out(steps: list[StepMsg]) -> int:
    """How many steps read as running the run's figures leave out (``measured_run``)."""
    return len(running_steps(steps)) - len(measured_run(steps))


def left_out_of_run(n: int) -> str:
    """What is said of ``n`` steps read as running left out of the run's figures
    (``measured_run``)."""
    taken = "one step" if n == 1 else f"{n} steps"
    return (
        f"{taken} read as running came under running's cadence (a walk, or steps missed): left "
        "out of the running figures"
    )


def few_left(read: int, slow: int) -> str:
    """Why ``read`` steps read as running give no figures when ``slow`` of them are left out
    (``measured_run``) and fewer than ``MIN_JUDGED_STEPS`` remain."""
    which = "all of them" if slow == read else f"{slow} of them"
    return (
        f"{which} under running's cadence (a walk, or steps missed): too few left for figures "
        f"({MIN_JUDGED_STEPS} at least)"
    )


def misread_run(steps: list[StepMsg]) -> str | None:
    """Why the steps read as running beside a walk are the walk's own, misread, or None (said
    after the steps: "at the walk's own cadence (110 spm, ...): the walk's steps, misread"): a walk
    of more steps than them, ``MIN_JUDGED_STEPS`` at least, that fits walking's bounds, and
    running steps under running's cadence, within ``MISREAD_CADENCE`` of the walk's, whose
    contact fits running's (a user trial's walk in place, played to the station, had ten of its
    26 steps read as running at its 110 steps a minute, and the file was told it was slow
    motion). Slow motion makes a run's steps slow and its contacts long, and a walk's slower
    than any walk: one filmed at half speed or less reads under half walking's top cadence. A
    run after a walk is quicker than the walk: ``MIN_JUDGED_STEPS`` running steps at running's
    cadence are a run, and all the running steps are judged as one (a review's case: a short
    run after a long walk read partly as running had been taken for the walk's). A run with
    every other step missed has steps twice as long as its contact and flight (``STEP_SPAN``).
    The walk settles the time base; the running steps give no figures."""
    ran = running_steps(steps)
    walked = [s for s in steps if gait_of(s) == WALKING]
    if not ran or len(walked) < MIN_JUDGED_STEPS or len(walked) <= len(ran):
        return None
    walk = _medians(walked)
    run_cadence, run_contact = _medians(ran)
    if (
        walk[0] is None
        or walk[0] <= WALKING_CADENCE_SPM[1] / 2
        or run_cadence is None
        or not _within(walk, _BOUNDS[1])
    ):
        return None
    lo, hi = RUNNING_CONTACT_MS
    quick = [c for c in _cadences(ran) if c >= RUNNING_CADENCE_SPM[0]]
    spans = [s.contact_ms + s.flight_ms for s in ran if s.flight_ms is not None]
    span = float(np.median(spans)) * run_cadence / 60000 if spans else 1.0
    if (
        run_cadence >= RUNNING_CADENCE_SPM[0]
        or len(quick) >= MIN_JUDGED_STEPS
        or abs(run_cadence / walk[0] - 1.0) > MISREAD_CADENCE
        or run_contact is None
        or not lo <= run_contact <= hi
        or abs(span - 1.0) > STEP_SPAN
    ):
        return None
    return (
        f"at the walk's own cadence ({run_cadence:.0f} spm, where running's is "
        f"{RUNNING_CADENCE_SPM[0]:g} or more): the walk's steps, misread"
    )


def _cadences(steps: list[StepMsg]) -> list[float]:
    """Each step's cadence, spm: from its neighbour, else from its contact and flight, which
    span the same step; NaN without either."""
    return [
        s.cadence_spm
        if s.cadence_spm is not None
        else 60000 / (s.contact_ms + s.flight_ms)
        if s.flight_ms is not None and s.contact_ms + s.flight_ms > 0
        else np.nan
        for s in steps
    ]


def _median(values: list[float]) -> float | None:
    """The median of the finite values, or None without one."""
    finite = [v for v in values if np.isfinite(v)]
    return float(np.median(finite)) if finite else None


def _medians(steps: list[StepMsg]) -> tuple[float | None, float | None]:
    """The steps' median cadence (spm) and contact time (ms)."""
    return _median(_cadences(steps)), _median([s.contact_ms for s in steps])


def _within(
    medians: tuple[float | None, float | None],
    bounds: tuple[tuple[float, float], tuple[float, float]],
) -> bool:
    """Whether each median known lies within its bound (cadence, contact)."""
    return all(m is None or lo <= m <= hi for m, (lo, hi) in zip(medians, bounds, strict=True))


#: the rates slow motion is filmed at, fps, the commonest first: phones film 60, 120 or 240
#: (100 or 200 where the mains run at 50 Hz), cameras 48 or 50 for double speed, and lab
#: cameras 300; played at 30 that is x2, x4, x8, x3.33, x6.67, x10, at 24 x2, x2.5, x5, x10,
#: x4.17, x8.33, x12.5 (``slowmo_factors``). A user trial's slow-motion clip played at 24 fps
#: had been offered x2 alone from a list of factors that ignored the rate played at.
SLOWMO_CAPTURE_FPS = (60, 120, 240, 48, 50, 100, 200, 300)
#: the least slow-motion factor offered: half speed
SLOWMO_LEAST = 2.0
#: a factor within this share of one offered already is not offered too (x2.08, 50 fps at 24,
#: beside x2, 48 fps: a user trial found it only confused the choice)
SLOWMO_SAME = 0.05


def slowmo_factors(fps: float) -> list[float]:
    """The slow-motion factors a video played at ``fps`` may have been slowed by: each rate of
    ``SLOWMO_CAPTURE_FPS`` over the rate played at, as a player names it (29.97 is 30), from
    ``SLOWMO_LEAST`` up, one of any that lie within ``SLOWMO_SAME`` of each other."""
    played = max(1, round(fps))
    factors: list[float] = []
    for rate in SLOWMO_CAPTURE_FPS:
        k = rate / played
        if k >= SLOWMO_LEAST and all(abs(k / f - 1.0) > SLOWMO_SAME for f in factors):
            factors.append(k)
    return sorted(factors)


def slowmo_readings(cadence_spm: float, fps: float, track: bool) -> str | None:
    """What each slow-motion factor a video played at ``fps`` may have (``slowmo_factors``)
    that makes a cadence read at ``fps`` a running one would read, with the flag that gives it:
    ``--slowmo 8 reads 141 steps a minute``; a track's rows are timed with ``--fps``. None
    when none does."""
    lo, hi = RUNNING_CADENCE_SPM
    fits = [k for k in slowmo_factors(fps) if lo <= k * cadence_spm <= hi]
    if not fits:
        return None
    flags = [f"--fps {k * fps:.4g}" if track else f"--slowmo {k:.3g}" for k in fits]
    readings = [f"{flag} reads {k * cadence_spm:.0f}" for flag, k in zip(flags, fits, strict=True)]
    return ", ".join(readings) + " steps a minute"


def _outside(
    gait: str,
    steps: list[StepMsg],
    bounds: tuple[tuple[float, float], tuple[float, float]],
    fps: float,
    origin: str | None,
    track: bool,
) -> str | None:
    """``timebase_problem`` for the steps of one gait and its (cadence, contact) bounds. The
    cadence counts from half of the steps or ``MIN_JUDGED_STEPS`` of them at least: a user
    trial's warm-up drills, one step timed from another among seven lone ones, were told they
    might be slow motion, "--slowmo 2 reads 177 steps a minute", from that one step."""
    out = []
    fast = False
    cadences = [c for c in _cadences(steps) if np.isfinite(c)]
    enough = len(cadences) >= min(MIN_JUDGED_STEPS, len(steps) / 2)
    cadence = float(np.median(cadences)) if cadences and enough else None
    contact = _median([s.contact_ms for s in steps])
    # (what, unit, median, the gait's bounds, whether quicker steps read above them)
    for label, unit, median, (lo, hi), quick_above in (
        ("cadence", "spm", cadence, bounds[0], True),
        ("contact time", "ms", contact, bounds[1], False),
    ):
        if median is not None and not lo <= median <= hi:
            out.append(f"{label} {median:.0f} {unit} ({gait}: {lo:g}-{hi:g})")
            fast |= median > hi if quick_above else median < lo
    if not out:
        return None
    found = f"{' and '.join(out)} {'is' if len(out) == 1 else 'are'} not from {gait} at"
    filmed = "--fps N (the rate it was filmed at)"
    source, give = (
        ("track", f"time the rows with {filmed}")
        if track
        else ("video", "give --capture-fps N (the rate it was filmed at)")
    )
    if origin is None and fast:
        # Slow motion gives slower steps, never quicker ones.
        quicker = (
            "quicker than the running the station measures: a sprint, which it does not measure"
            if gait == RUNNING
            else "quicker than walking"
        )
        # Not slow motion: a container stating a rate above the filmed one, which --fps sets.
        fix = (
            f"the {source}'s {fps:.4g} fps: {quicker}, or a {source} that plays faster than it"
            f" was filmed: then {give if track else f'give {filmed}'}"
        )
    elif origin is None:
        slowmo = give if track else f"{give} or --slowmo X (filmed rate / played rate)"
        if gait == RUNNING and cadence is not None:
            readings = slowmo_readings(cadence, fps, track)
            slowmo += f" ({readings})" if readings else ""
        fix = f"the {source}'s {fps:.4g} fps: if it is slow motion, {slowmo}"
        # Steps lost from a runner in view also read as slower ones: one filmed off a treadmill
        # by a camera that follows them, a walker who turned or was hidden.
        fix += (
            "; if not, steps were missed: film a runner on a treadmill from the side, with a"
            " camera that stays still"
            if gait == RUNNING
            else "; if the walker turned or was hidden, steps were missed: film a walk on the belt"
        )
    elif origin.startswith("--"):
        fix = f"{fps:.4g} fps ({origin}): check {origin.split()[0]}, or leave it out"
    else:
        fix = f"{fps:.4g} fps ({origin}): give --capture-fps N, the rate it was filmed at"
        if gait == RUNNING and cadence is not None:
            # A user trial's clip filmed at 120, its metadata saying 240, was told no rate.
            lo, hi = RUNNING_CADENCE_SPM
            fits = [r for r in sorted(SLOWMO_CAPTURE_FPS) if lo <= cadence * r / fps <= hi]
            rates = ", ".join(f"--capture-fps {r} reads {cadence * r / fps:.0f}" for r in fits)
            fix += f" ({rates} steps a minute)" if rates else ""
    return f"{found} {fix}; no findings or cues are given"


#: how many times longer or shorter the contacts of a run's next ``JUMP_STEPS`` steps may be
#: than those of its last ones before they are no one runner's on one time base
#: (``contacts_jump``): a runner's scatter a tenth step to step and follow the belt over many
#: steps, where a phone's slow motion doubles them at once
CONTACT_JUMP = 1.6
#: steps either side of a jump, each side within ``JUMP_TIGHT`` of itself: over 136 analyses'
#: steps at hand (real clips of earlier trials, the rendered matrix) none but the clips slowed in
#: part jumps so (at 1.35 a user trial's RBDS002 slowed x2 between real-speed steps of 220-325 ms
#: went untold)
JUMP_STEPS = 4
JUMP_TIGHT = 1.5


def contacts_jump(steps: list[StepMsg], t0: float = 0.0) -> str | None:
    """Why a run's steps are no one runner's on one time base, or None: the contacts of its
    ``JUMP_STEPS`` running steps after some step lie ``CONTACT_JUMP`` times those before it or
    more, or as much shorter, each side steady (``JUMP_TIGHT``), with no phase without steps
    between (``GAP_S``: a runner who straddles the belt while it speeds up comes back to it with
    shorter contacts, and a second runner after a pause is the station's next session; two
    runners a user trial joined by a crossfade, 3.7 s without a step, 317 to 193 ms, go untold
    so). A user trial's phone clip slowed x2 after 1.5 s at real speed was measured as one run,
    its contacts 264 ms where 248. Times are said from ``t0``.
    Every step's window at once: the station asks it after each step, over 200 steps (a review
    measured 10 ms a step taken one window at a time)."""
    ran = sorted((s for s in read_as_running(steps) if s.contact_ms), key=lambda s: s.ic_t)
    if len(ran) < 2 * JUMP_STEPS:
        return None
    contacts = np.array([float(s.contact_ms or 0.0) for s in ran])
    windows = sliding_window_view(contacts, JUMP_STEPS)
    # Step i's four before are windows[i - JUMP_STEPS], its four from it windows[i].
    before, after = windows[:-JUMP_STEPS], windows[JUMP_STEPS:]
    steady = (before.max(axis=1) <= JUMP_TIGHT * before.min(axis=1)) & (
        after.max(axis=1) <= JUMP_TIGHT * after.min(axis=1)
    )
    ratio = np.median(after, axis=1) / np.median(before, axis=1)
    landed = np.array([s.ic_t for s in ran[JUMP_STEPS : len(ran) - JUMP_STEPS + 1]])
    left = np.array([s.to_t for s in ran[JUMP_STEPS - 1 : len(ran) - JUMP_STEPS]])
    jumped = (ratio >= CONTACT_JUMP) | (ratio <= 1 / CONTACT_JUMP)
    at_once = np.flatnonzero(steady & jumped & (landed - left < GAP_S))
    if not len(at_once):
        return None
    k = int(at_once[0])
    i, was, now = k + JUMP_STEPS, float(np.median(before[k])), float(np.median(after[k]))
    return (
        f"the contacts change from {was:.0f} to {now:.0f} ms between "
        f"{ran[i - 1].to_t - t0:.1f} and {ran[i].ic_t - t0:.1f} s, at once: one runner's do "
        "not change so on a treadmill. Two runners joined, or a clip whose speed changes there "
        "(a phone's slow motion, its ends at real speed): measure each part alone (analyze's "
        "--start and --end), with --slowmo where it is slowed; no findings or cues are given"
    )


def step_count(n: int) -> str:
    """``1 step``, ``3 steps``."""
    return f"{n} step{'' if n == 1 else 's'}"


#: seconds of running a track needs to give steps: the engine learns the stance foot's speed
#: over the first second (GaitParams.bootstrap_s), then needs a stride to close a step; on the
#: Fukuchi run at 30 and 60 fps the first step came 1.2 to 1.5 s in, and 2 s gave three or four
MIN_RUN_S = 2.0
#: seconds of a person in view after which too few steps are not for too short a video (the
#: person was not running or walking side on, or steps were missed):
#: the engine's first step comes 1.2-1.5 s in (``MIN_RUN_S``), and running then steps twice a
#: second or more, so four seconds give five steps or more (RBDS001's track: 7-9 in 3.5-4 s; a
#: treadmill walk, slower, gave 6 in 3.5 s)
MISSED_AFTER_S = 4.0
#: the share of the steps their own cadence gives over the time a person was in view, less the
#: engine's first ``MIN_RUN_S``, that fewer than ``MIN_JUDGED_STEPS`` steps must be to tell a
#: time base (``timebase_problem``): a user trial's woman standing and posing in view for 7.7 s
#: gave one step "at 95 steps a minute", nine in that time, and was told she might be slow
#: motion ("--slowmo 2 reads 191 steps a minute"); that flag made her four running steps,
#: judged and cued. Such steps tell no time base where the legs plainly do not step at their
#: cadence (``edge.gait.rhythm.legs_stepping``, within ``RHYTHM_AGREES``): a slow-motion clip's
#: legs step at the few steps' cadence where the engine, its windows set for real time, misses
#: the others (RBDS001 slowed x2: one step in 23.5 s, 77 a minute, the legs 78), and her feet
#: never came a step apart.
RHYTHM_SHARE = 0.5
#: how far from the steps' cadence, as a share of it, the legs' rhythm may be and be theirs
RHYTHM_AGREES = 0.2


def too_few_steps(steps: list[StepMsg], seen_s: float = 0.0) -> str | None:
    """Why the steps of a video are too few to judge a runner by (``MIN_JUDGED_STEPS``), or
    None (none at all in a short view is said otherwise: ``describe``). ``seen_s``: how long the
    runner was in view (``seen_seconds``); from ``MISSED_AFTER_S`` on, the person was not running
    or walking side on, or steps were missed, and that is said, with no step too (user trials'
    clips of squats, 23 and 25 s, had been told steps were missed of the walk they were not, and
    asked whether a runner was in view the whole time, and whether it was slow motion).

    Steps that stand alone (``in_a_row``) are not a run's: a run's steps follow one another. A
    user trial's woman walking away from the camera in a shop gave five such steps in 23 s, and
    a panning camera's sprint four of nine, two of them in a row: both had been judged, and cued
    to land under the hips."""
    if not steps and seen_s < MISSED_AFTER_S:
        return None
    if len(steps) >= MIN_JUDGED_STEPS:
        row = in_a_row(steps)
        if row >= MIN_JUDGED_STEPS:
            return None
        alone = (
            "none of them follows another, as a run's or a walk's steps do: each stands alone"
            if row == 0
            else f"only {row} of them are in a row, each following another as a run's or a "
            "walk's steps do; the others stand alone"
        )
        return (
            f"{alone} (the person was lost between them, or was not side on): too few to judge a "
            f"runner by ({MIN_JUDGED_STEPS} in a row at least). Film a runner on a treadmill, "
            "side on, with a camera that stays still, the feet in the picture; no findings or "
            "cues are given"
        )
    gait = "walking" if all(gait_of(s) == WALKING for s in steps) else "running"
    if seen_s >= MISSED_AFTER_S:
        return (
            f"too few to judge a runner by ({MIN_JUDGED_STEPS} at least) in {seen_s:.1f} s of "
            "a person in view, where running or walking takes two steps a second or near it: "
            "the person was not running or walking side on (standing, exercising in place, "
            "facing the camera), or steps were missed. Film a runner on a treadmill with a "
            "camera that stays still, side on, the feet in the picture; no findings or cues are "
            "given"
        )
    return (
        f"too few to judge a runner by ({MIN_JUDGED_STEPS} at least): film at least 10 s of "
        f"steady {gait}, side on; no findings or cues are given"
    )
