"""What a keypoint track says without finding a step. The legs' own rhythm, and what it says
of the track's time base: slow motion played at its playback rate, or a rate stated too high,
where the engine finds every other step at a running cadence. ``hipdrive analyze`` and
``replay`` hold a whole track to it, the station a file's last seconds. And why a track may
give too few steps to judge: a picture turned on its side (``turned_picture``), a person facing
the camera (``facing_the_camera``) or running past it (``across_the_picture``), the legs alone
(``body_unseen``); ``not_side_on`` asks the legs alone, the turned picture and the front view in
the one order analyze, replay and a file's run all take."""

from __future__ import annotations

import math

import numpy as np

from edge.bus.schema import StepMsg
from edge.gait.engine import GaitParams
from edge.gait.fit import (
    MIN_JUDGED_STEPS,
    MIN_RUN_S,
    WALKING_CADENCE_SPM,
    slowmo_factors,
    slowmo_readings,
)
from edge.gait.summary import read_as_running
from edge.pace import RUNNING_CADENCE_SPM
from edge.skeleton import (
    LEFT_ANKLE,
    LEFT_HIP,
    LEFT_SHOULDER,
    RIGHT_ANKLE,
    RIGHT_HIP,
    RIGHT_SHOULDER,
)

#: the least likeness of the feet's spread to itself a step later (its autocorrelation) for a
#: rhythm to be read from it: over 0.9 on the seven real clips of tests/data/footage and a
#: slow-motion one, 0.6-0.7 on a clip with a cut and on a walk across a room
RHYTHM_LIKENESS = 0.5
#: strides the track must hold for its rhythm to be read
RHYTHM_STRIDES = 3
#: how much further apart the feet must come along the picture at their widest than at their
#: closest (the spread's 90th and 10th percentiles), in leg lengths (hip to ankle), for their
#: rhythm to be a step's: 0.70-0.98 on the seven real clips of tests/data/footage and three
#: slow-motion or walking ones, 0.55-0.65 on RBDS001's keypoint tracks 0-45 deg off square; 0.44
#: at 60 deg, where the two feet's steps differ and the spread repeats once a stride, reading half
#: the cadence (a review), and less from the front or behind, or for a foot shifted standing
RHYTHM_SPREAD_LEGS = 0.5
#: the longest time between two frames of a track its rhythm is read across, s: a step of a
#: running rhythm at twice the real time takes 0.12-0.2 s of the track's time
RHYTHM_GAP_S = 0.1
#: at most this many times as many points as the track has rows are read on its usual interval
RHYTHM_GRID = 4
#: frames showing both ankles and hips a rhythm is read from at least
RHYTHM_FRAMES = 20


def leg_rhythm(
    t: np.ndarray, keypoints: np.ndarray, strides: float = RHYTHM_STRIDES
) -> float | None:
    """The legs' steps a minute in the track's time, read without finding a step: the feet's
    spread along the picture (their horizontal distance, widest at each step whichever foot
    leads, so the pose model's left and right labels do not matter) repeats once a step, at the
    first peak of its autocorrelation, if that is ``RHYTHM_LIKENESS`` alike at least, the track
    holds ``strides`` strides of it and the feet come ``RHYTHM_SPREAD_LEGS`` apart. None
    otherwise (nobody stepping, a view from the front or behind, a track with a gap over
    ``RHYTHM_GAP_S`` or one and a half of its usual frame intervals, whichever is longer, or
    with rows in bursts). Frames left out (a file's repeated ones, a station that drops frames
    it cannot keep up with) are bridged on the track's usual frame interval. A slow-motion clip
    with no step found: 17.6 steps a minute as played, 141 at x8 (a helper counted 10 landings
    in its 31.7 s). ``keypoints``: (T, 17, 3); ``t``: (T,) s, rising."""
    ankles, hips, sure = _legs(keypoints)
    dt = _rhythm_interval(t, sure)
    if dt is None:
        return None
    spread, stepping = _feet_apart(ankles, hips, sure)
    return _spread_rhythm(t, spread, sure, dt, strides) if stepping else None


def _spread_rhythm(
    t: np.ndarray, spread: np.ndarray, sure: np.ndarray, dt: float, strides: float
) -> float | None:
    """``leg_rhythm`` of the feet's spread (``_feet_apart``) over the frames ``sure`` shows
    the legs in, read on the interval ``dt`` (``_rhythm_interval``)."""
    n = round((t[-1] - t[0]) / dt) + 1
    times = t[0] + dt * np.arange(n)
    spread = np.interp(times, t[sure], spread[sure])
    spread -= spread.mean()
    if not spread.var() > 0:
        return None
    size = 1 << (2 * n - 1).bit_length()
    power = np.abs(np.fft.rfft(spread, size)) ** 2
    likeness = np.fft.irfft(power, size)[:n] / (spread.var() * np.arange(n, 0, -1))
    last = int(n // (2 * strides))
    apart = np.flatnonzero(likeness[1:last] < 0)
    if not len(apart):
        return None
    after = likeness[1 + apart[0] : last + 1]
    peaks = np.flatnonzero((after[1:-1] >= after[:-2]) & (after[1:-1] > after[2:])) + 1
    peaks = peaks[after[peaks] >= RHYTHM_LIKENESS]
    if not len(peaks):
        return None
    return 60.0 / ((1 + apart[0] + peaks[0]) * dt)


def _legs(keypoints: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A track's sure ankles and hips ((T, 2, 2) each, NaN where unsure) and the frames that
    show all four (T,)."""
    points = sure_points(keypoints)
    ankles, hips = points[:, [LEFT_ANKLE, RIGHT_ANKLE]], points[:, [LEFT_HIP, RIGHT_HIP]]
    sure = np.isfinite(ankles).all(axis=(1, 2)) & np.isfinite(hips).all(axis=(1, 2))
    return ankles, hips, sure


def _feet_apart(ankles: np.ndarray, hips: np.ndarray, sure: np.ndarray) -> tuple[np.ndarray, bool]:
    """The feet's spread along the picture, px (T,), and whether it ranges over
    ``RHYTHM_SPREAD_LEGS`` of a leg or more in the frames that show the legs (``_legs``), as a
    step's does."""
    spread = np.abs(ankles[:, 0, 0] - ankles[:, 1, 0])
    leg = float(np.median(np.linalg.norm(hips[sure] - ankles[sure], axis=2)))
    closest, widest = np.percentile(spread[sure], [10, 90])
    return spread, bool(widest - closest >= RHYTHM_SPREAD_LEGS * leg)


def _rhythm_interval(t: np.ndarray, sure: np.ndarray) -> float | None:
    """The usual frame interval, s, a track timed ``t`` is read for its legs' rhythm on, or None
    where it cannot be read: fewer than ``RHYTHM_FRAMES`` showing the legs (``sure``), a gap over
    ``RHYTHM_GAP_S`` or one and a half of that interval, whichever is longer, or rows in bursts
    (their usual interval no frame interval, ``RHYTHM_GRID``)."""
    if sure.sum() < RHYTHM_FRAMES:
        return None
    gaps = np.diff(t)
    dt = float(np.median(gaps))
    if not dt > 0 or gaps.max() > max(RHYTHM_GAP_S, 1.5 * dt):
        return None
    if round((t[-1] - t[0]) / dt) + 1 > RHYTHM_GRID * len(t):
        return None
    return dt


def legs_stepping(t: np.ndarray, keypoints: np.ndarray) -> float | None:
    """The legs' rhythm as ``timebase_problem`` holds few steps to it: ``leg_rhythm``; None
    where the legs show none, the feet never coming a step apart (``_feet_apart``: a user
    trial's woman standing and posing, 0.37 of a leg, her track broken by pictures held still)
    or, in a track that can be read, no rhythm; NaN where it cannot be read for one (fewer than
    ``RHYTHM_FRAMES`` showing the legs, a gap: a person lost for a moment), which tells nothing
    either way (a review's slow-motion tracks with four rows taken out had lost their hint)."""
    ankles, hips, sure = _legs(keypoints)
    if sure.sum() < RHYTHM_FRAMES:
        return math.nan
    spread, stepping = _feet_apart(ankles, hips, sure)
    if not stepping:
        return None
    dt = _rhythm_interval(t, sure)
    return math.nan if dt is None else _spread_rhythm(t, spread, sure, dt, RHYTHM_STRIDES)


#: how many times the steps found a minute the legs' own rhythm must be for the steps to be
#: every other one (``legs_off_pace``): the two agree within 10% on the real clips at hand
EVERY_OTHER = 1.6


def legs_off_pace(
    t: np.ndarray,
    keypoints: np.ndarray,
    steps: list[StepMsg],
    fps: float,
    origin: str | None,
    track: bool,
) -> str | None:
    """Why the legs' own rhythm (``leg_rhythm``, read once) says the time base of a video or
    track is wrong, or None when it does not, or shows none.

    Slower than any walk or run (under ``WALKING_CADENCE_SPM``) with fewer steps than a run is
    judged by (``MIN_JUDGED_STEPS``), or none: slow motion played at its playback rate, the engine's
    windows set for real time; with the factors that would make it running
    (``slowmo_readings``), or, when ``origin`` (as ``timebase_problem``) stated the rate, the flag
    to check. A user trial's slow-motion clip was told only "no steps found: is a runner in
    view, side on, the whole time? For slow motion give --capture-fps or --slowmo"; another's,
    three steps found in 8.8 s (two of them at a running cadence, a misreading), that the person
    was not running side on or steps were missed, where its legs stepped 48 times a minute. More
    steps, each alone, are drills' (``too_few_steps``), whose legs may swap as slowly.

    Faster than running's (over ``RUNNING_CADENCE_SPM``) while the steps found, if any, come
    ``EVERY_OTHER`` times slower or more: a rate stated too high (a 30 fps video given as 60),
    or a video that plays faster than it was filmed. The engine then finds every other step, at
    a running cadence: a user trial's ``--fps 60`` for a 30 fps clip read 185 steps a minute,
    half the steps, and cued "Land under your hips" for a runner with no target at his pace. A
    sprint's steps, found at the legs' rhythm, are ``timebase_problem``'s."""
    rhythm = leg_rhythm(t, keypoints)
    if rhythm is None:
        return None
    if origin is not None:
        at = f"{fps:.4g} fps ({origin})"
    else:
        at = f"the track's {fps:.4g} rows a second" if track else f"the video's {fps:.4g} fps"
    said = f"the legs step {rhythm:.0f} times a minute at {at}"
    if rhythm < WALKING_CADENCE_SPM[0]:
        if len(steps) >= MIN_JUDGED_STEPS:
            return None
        return _slower_than_walking(said, rhythm, fps, origin, track)
    if rhythm <= RUNNING_CADENCE_SPM[1]:
        return None
    found = [s.cadence_spm for s in read_as_running(steps) if s.cadence_spm is not None]
    cadence = float(np.median(found)) if found else None
    if cadence is not None and rhythm < EVERY_OTHER * cadence:
        return None
    if cadence is None:
        missed = ""
    else:
        share = "every other one" if rhythm < 2.5 * cadence else f"one in {rhythm / cadence:.0f}"
        missed = f"; the steps found, {cadence:.0f} a minute, {share}"
    if origin is not None and origin.startswith("--"):
        fix = f"check {origin.split()[0]}, or leave it out"
    elif track:
        fix = "if the rows are not timed as filmed, time them with --fps N (the rate filmed at)"
    else:
        fix = "if it plays faster than it was filmed, give --fps N (the rate filmed at)"
    return (
        f"{said}, faster than the running the station measures "
        f"({RUNNING_CADENCE_SPM[0]:g}-{RUNNING_CADENCE_SPM[1]:g}){missed}: {fix}; no findings "
        "or cues are given"
    )


def _slower_than_walking(
    said: str, rhythm: float, fps: float, origin: str | None, track: bool
) -> str:
    """``legs_off_pace``'s message for legs slower than any walk or run."""
    if origin is not None:
        fix = (
            f"check {origin.split()[0]}, or leave it out"
            if origin.startswith("--")
            else "give --capture-fps N, the rate it was filmed at"
        )
        return f"{said}, slower than any walk or run: {fix}; no findings or cues are given"
    readings = slowmo_readings(rhythm, fps, track)
    flag = (
        "--fps N (the rate it was filmed at)"
        if track
        else "--slowmo X (filmed rate / played rate) or --capture-fps N"
    )
    return (
        f"{said}, slower than any walk or run: if it is slow motion, give {flag}"
        + (f" ({readings})" if readings else "")
        + "; no findings or cues are given"
    )


#: the shortest stretch of a track without a step in which ``slowed_part`` reads the legs'
#: rhythm, s: three strides of a running cadence slowed four times
SLOWED_MIN_S = 4.0
#: the fewest strides of the legs' rhythm ``slowed_part`` reads a stretch by where a slow-motion
#: factor brings it to the steps found about it (``SLOWED_MATCH``); else ``RHYTHM_STRIDES``. A
#: phone's slow motion of a second or two, its ends at real speed, holds fewer than three strides:
#: the render of a runner at 120 fps so made (1 s, 2 s slowed x4 and 1 s) had its 8 s slowed read
#: "standing or off the belt", and figures given from the four steps about it (7 December 2026)
SLOWED_STRIDES = 1.5
#: how near a slow-motion factor must bring the slowed legs' rhythm to the steps found about
#: them, as a share of their cadence, for ``slowed_part`` to name that factor alone
SLOWED_MATCH = 0.15


def slowed_part(
    t: np.ndarray,
    keypoints: np.ndarray,
    steps: list[StepMsg],
    fps: float,
    window: bool,
    track: bool = False,
    t0: float = 0.0,
    span: tuple[float, float] | None = None,
) -> str | None:
    """Where a track's steps stop for ``SLOWED_MIN_S`` or more while its legs go on stepping,
    slower than any walk or run (``leg_rhythm``: over ``RHYTHM_STRIDES``, or, between two steps,
    over ``SLOWED_STRIDES`` where a factor brings the legs to the steps found about them), or
    None. A phone's slow-motion clip, its speed ramps set in it as the phone shares it, plays
    its first and last moments at real speed and slows the rest: the render of a runner at 120
    fps so made (1.5 s, 5 s slowed x4 and 1.5 s) gave 6 steps at real speed and read the 20 s
    between as "standing or off the belt", with no word of slow motion (7 December 2026); and
    one whose speed changed over half a second gave steps timed across the change, their
    toe-offs 110 ms early, its hip drive 9 deg where 20 and cued (a user trial). So no findings
    are given, and the part is said with the factor that brings the legs to the steps found
    about them (``SLOWED_MATCH``; else those that make them a run's), and, where ``window`` (the
    track's times are the video's as it plays), the ``--start`` and ``--end`` of the part, else
    that it is to be measured alone. ``t``: (T,) s; ``keypoints``: (T, 17, 3); ``fps``: the rate
    played at; ``track``: a keypoint track's (``hipdrive replay``), whose rows cannot be slowed
    in part, so analyze's flags are named (its replay had given a user trial's slowed clip
    findings, and put two steps of one foot either side of the part down to a carried camera).
    Times are said from ``t0``; ``span``: the first and last times of the file (the last
    infinite while it plays on), where only part of it is in ``t`` (a file's run reads the
    frames since the last step)."""
    found = [s.cadence_spm for s in read_as_running(steps) if s.cadence_spm is not None]
    cadence = float(np.median(found)) if found else None
    # From a step's toe-off to the next one's landing.
    ordered = sorted(steps, key=lambda s: s.ic_t)
    starts = [float(t[0]), *(s.to_t for s in ordered)]
    ends = [*(s.ic_t for s in ordered), float(t[-1])]
    for i, (first, last) in enumerate(zip(starts, ends, strict=True)):
        part = (t >= first) & (t <= last)
        if last - first < SLOWED_MIN_S:
            continue
        rhythm = leg_rhythm(t[part], keypoints[part])
        short = rhythm is None
        if short and cadence is not None and 0 < i < len(ordered):
            # Between two steps only: legs slowing to a stop at a run's end, or starting from
            # one, may step so for a few seconds (a review's walk at half speed after a run).
            rhythm = leg_rhythm(t[part], keypoints[part], SLOWED_STRIDES)
        if rhythm is None or rhythm >= WALKING_CADENCE_SPM[0]:
            continue
        k = None if cadence is None else _factor_to(rhythm, cadence, fps)
        if short and k is None:
            continue
        # Said to a tenth of a second, the window holds the whole part (an 8 s part slowed x4,
        # the 2 s analyze takes at least, its end rounded down, had been told too short).
        # An ulp past a tenth is the tenth (a file's run times frames from a clock 1e4-1e5 s on).
        first = math.floor(round(10.0 * (first - t0), 6)) / 10.0
        last = math.ceil(round(10.0 * (last - t0), 6)) / 10.0
        if k is None or cadence is None:
            readings = slowmo_readings(rhythm, fps, track=False)
            fix = f"give {'analyze ' * track}--slowmo X with" + (
                f" --start {first:.1f} --end {last:.1f}" if window else " that part alone"
            )
            fix += f" ({readings})" if readings else ""
        # What the part's window holds in real time, as analyze measures a window's length.
        elif (held_s := round((last - first) / k, 6)) < MIN_RUN_S:
            whole = (float(t[0]), float(t[-1])) if span is None else span
            about = ((whole[0] - t0, first), (last, whole[1] - t0))
            fix = _too_short_slowed(k, rhythm, cadence, about, held_s, window, track)
        else:
            where = f" --start {first:.1f} --end {last:.1f}" if window else " over that part alone"
            fix = (
                f"{'analyze with ' * track}--slowmo {k:.3g}{where} measures it ({k * rhythm:.0f} "
                f"steps a minute, the steps about it {cadence:.0f})"
            )
        return (
            f"from {first:.1f} to {last:.1f} s no step was found while the legs stepped "
            f"{rhythm:.0f} times a minute, slower than any walk or run: if that part is slow "
            f"motion (a phone's slow-motion clip plays its ends at real speed), {fix}; no "
            "findings or cues are given from the steps about it, timed across a change of speed"
        )
    return None


def _too_short_slowed(
    k: float,
    rhythm: float,
    cadence: float,
    about: tuple[tuple[float, float], tuple[float, float]],
    held_s: float,
    window: bool,
    track: bool,
) -> str:
    """``slowed_part``'s advice for a part slowed ``k`` times that holds ``held_s`` of running,
    under ``MIN_RUN_S``, too short to measure alone (analyze refuses such a window): the parts at
    real speed ``about`` it (before it and after it, s; the last may end at infinity, a file that
    plays on) are, those long enough (a render of a runner at 120 fps, 2 s, 1.5 s slowed x4 and
    4.5 s, had been pointed to ``--slowmo 4 --start 2.2 --end 7.8``, which analyze refused as
    too short)."""
    (start, first), (last, end) = about
    apart = [f"--start {start:.1f} --end {first:.1f}"] if first - start >= MIN_RUN_S else []
    apart += [f"--start {last:.1f}"] if end - last >= MIN_RUN_S else []
    if apart and window:
        then = (
            f"measure the parts at real speed about it alone ({'analyze with ' * track}"
            f"{'; '.join(apart)})"
        )
    elif apart:
        then = "measure the parts at real speed about it alone"
    else:
        then = "film a longer slow-motion part, or at real speed"
    return (
        f"slowed {k:.3g} times it reads {k * rhythm:.0f} steps a minute (the steps about it "
        f"{cadence:.0f}), but it holds {held_s:.2f} s of running, too short to measure alone "
        f"({MIN_RUN_S:g} s at least): {then}"
    )


def _factor_to(rhythm: float, cadence: float, fps: float) -> float | None:
    """The slow-motion factor of a video played at ``fps`` (``slowmo_factors``) that brings legs
    stepping ``rhythm`` times a minute nearest to ``cadence``, within ``SLOWED_MATCH`` of it;
    None when none does."""
    near = [k for k in slowmo_factors(fps) if abs(k * rhythm / cadence - 1) <= SLOWED_MATCH]
    return min(near, key=lambda k: abs(k * rhythm - cadence), default=None)


def sure_points(keypoints: np.ndarray) -> np.ndarray:
    """(T, 17, 2) pixels of a track's keypoints ((T, 17, 3)), NaN where the pose model is less
    sure of them than the gait engine takes (``GaitParams.min_confidence``) or found none."""
    sure = keypoints[..., 2:] >= GaitParams().min_confidence
    return np.where(sure, keypoints[..., :2], np.nan)


#: how far apart across the picture the runner's hips are, in leg lengths (hip to ankle), at
#: which they are taken to face the camera or away from it (``facing_the_camera``): side on the
#: hips nearly overlap (0.02-0.14, median over the frames, on 24 real side-on clips, some 10-30
#: deg off square, and 0.02-0.06 on the rendered matrix; RBDS001's keypoint tracks 0.13 at 45
#: deg and 0.18 at 60), where three real clips filmed from the front read 0.28-0.60
FRONT_HIPS_LEGS = 0.24
#: frames that must show the hips (and the ankles) sure for ``facing_the_camera`` to tell
FRONT_FRAMES = 10


def facing_the_camera(keypoints: np.ndarray) -> str | None:
    """Why a track ((T, 17, 3)) is not a side view, or None: the runner's hips lie
    ``FRONT_HIPS_LEGS`` or more of a leg apart across the picture in the median frame that
    shows both sure (of ``FRONT_FRAMES`` at least), so the runner faces the camera or away from
    it. Real clips filmed from the front had been told they might be slow motion, or that steps
    were missed, or that the facing could not be told."""
    points = sure_points(keypoints)
    apart = np.abs(points[:, LEFT_HIP, 0] - points[:, RIGHT_HIP, 0])
    apart = apart[np.isfinite(apart)]
    hips = points[:, [LEFT_HIP, RIGHT_HIP]]
    legs = np.linalg.norm(points[:, [LEFT_ANKLE, RIGHT_ANKLE]] - hips, axis=-1).ravel()
    legs = legs[np.isfinite(legs)]
    if len(apart) < FRONT_FRAMES or len(legs) < FRONT_FRAMES:
        return None
    share = float(np.median(apart)) / float(np.median(legs))
    if not share >= FRONT_HIPS_LEGS:
        return None
    return (
        f"the runner's hips are {share:.0%} of a leg's length apart across the picture, where "
        "side on they nearly overlap: the runner faces the camera or away from it. The station "
        "measures a runner filmed side on: film them from the side of the treadmill; no "
        "findings or cues are given"
    )


#: the share of the frames with someone in view in which the pose model must be sure of their
#: hips (either, ``sure_points``) for the picture to hold their body: a user trial's treadmill
#: clip of the lower legs alone, from behind, had them in none of its 56 frames (the model's
#: "hips" on the calves, 0.04 sure), and was told the runner's facing could not be read and to
#: give --facing, where of 76 tracks of real and rendered clips at hand the fewest had them in
#: half their frames, the rest in 98% or more
BODY_SEEN = 0.2


def body_unseen(keypoints: np.ndarray) -> str | None:
    """Why a track ((T, 17, 3)) does not show a runner's body, or None: the pose model is sure
    of their hips in under ``BODY_SEEN`` of the frames with them (of ``FRONT_FRAMES`` at
    least), so only part of a person is in the picture (the legs alone), and the hips the
    station measures every step from are the model's guesses."""
    found = keypoints[(keypoints[..., 2] > 0).any(axis=-1)]
    if len(found) < FRONT_FRAMES:
        return None
    share = float(np.isfinite(_middle(sure_points(found), LEFT_HIP, RIGHT_HIP)).all(axis=-1).mean())
    if share >= BODY_SEEN:
        return None
    return (
        f"the pose model was sure of the runner's hips in {share:.0%} of the frames with them: "
        "only part of a person is in the picture, without their hips. The station measures "
        "each step from the hips: film the whole runner side on, head to feet; no findings or "
        "cues are given"
    )


#: how far, in leg lengths, the runner's hips may move across the picture on a treadmill: a
#: belt is about 1.5 m long, under two legs of 0.85 m, and a runner drifts a fraction of it
CROSSING_LEGS = 2.0
#: how far from upright, degrees, the runner's trunk may lean in the median frame before the
#: picture is taken to be turned on its side (``turned_picture``): on the real clips at hand
#: (upright, 30-60 fps, dark, cropped) it leaned 5-7 deg, on one turned 90 deg 83
TURNED_DEG = 45.0
#: frames with a trunk needed to tell
TURNED_FRAMES = 10


def turned_picture(keypoints: np.ndarray) -> str | None:
    """Why a video's picture is turned on its side, or None: the runner's trunk (mid-hip to
    mid-shoulder) leans further than ``TURNED_DEG`` from upright in the median frame that shows
    it, its shoulders and hips sure, and so do its legs (mid-hip to mid-ankle) where they are
    seen. A user trial's clip turned 90 deg (its rotation tag lost) was told only "steps were
    missed. Film with a camera that stays still, side on"; another's, of the lower legs alone,
    whose trunk the pose model could only guess (0.001 sure), was told it lay on its side; and an
    upright one of a sprinter crouched in the blocks (the trunk 65 deg over, the legs 27 deg)
    was told it was turned. ``keypoints``: (T, 17, 3)."""
    points = sure_points(keypoints)
    hips = _middle(points, LEFT_HIP, RIGHT_HIP)
    up = _middle(points, LEFT_SHOULDER, RIGHT_SHOULDER) - hips
    lean = np.degrees(np.arctan2(np.abs(up[:, 0]), -up[:, 1]))
    lean = lean[np.isfinite(lean)]
    if len(lean) < TURNED_FRAMES or (median := float(np.median(lean))) <= TURNED_DEG:
        return None
    down = _middle(points, LEFT_ANKLE, RIGHT_ANKLE) - hips
    legs = np.degrees(np.arctan2(np.abs(down[:, 0]), down[:, 1]))
    legs = legs[np.isfinite(legs)]
    if len(legs) >= TURNED_FRAMES and float(np.median(legs)) <= TURNED_DEG:
        return None
    if median > 180.0 - TURNED_DEG:
        how, filters, lies = "a half turn", "hflip,vflip", "upside down"
    elif float(np.nanmedian(up[:, 0])) < 0:
        how, filters, lies = "a quarter turn clockwise", "transpose=1", "on its side"
    else:
        how, filters, lies = "a quarter turn anticlockwise", "transpose=2", "on its side"
    return (
        f"the runner's trunk lies {median:.0f} deg off upright in the picture: the video is "
        f"turned {lies} (a phone's rotation lost on the way). Turn it upright, {how} (in a "
        f"video editor, or: ffmpeg -i IN -vf {filters} OUT), and analyze it again; no findings "
        "or cues are given"
    )


def not_side_on(keypoints: np.ndarray) -> str | None:
    """Why a whole track ((T, 17, 3)) shows no runner's body side on to measure, or None: the
    legs alone (``body_unseen``), a picture turned on its side (``turned_picture``), a person
    facing the camera (``facing_the_camera``). Asked in this order by analyze, replay and a
    file's run alike: a review found a track whose hips were sure in a few frames far apart
    told "faces the camera" by analyze and "the legs alone" by ``run``."""
    return body_unseen(keypoints) or turned_picture(keypoints) or facing_the_camera(keypoints)


def _middle(keypoints: np.ndarray, left: int, right: int) -> np.ndarray:
    """(T, 2) the middle of two keypoints in each frame, the one found where only one is, NaN
    where neither is."""
    pair = keypoints[:, [left, right], :2]
    found = np.isfinite(pair).sum(axis=1)
    with np.errstate(invalid="ignore"):
        return np.nansum(pair, axis=1) / np.where(found > 0, found, np.nan)


#: the share of the frames the runner's hips are found in, at each end of the video, whose
#: median place the crossing is measured between
CROSSING_ENDS = 0.1


def across_the_picture(t: np.ndarray, keypoints: np.ndarray, steps: list[StepMsg]) -> str | None:
    """Why a video gave too few steps to judge (``MIN_JUDGED_STEPS``) when its runner moves
    across the picture, further than a treadmill's belt allows (``CROSSING_LEGS``): a run
    filmed off the treadmill, past a camera that stays still. None otherwise, and when the
    hips jump a leg's length from one frame to the next (someone else taken for the runner).
    ``keypoints``: (T, 17, 3) pixels and confidence, NaN where not found; ``t``: (T,) s."""
    if len(steps) >= MIN_JUDGED_STEPS:
        return None
    points = sure_points(keypoints)
    hips = points[:, [LEFT_HIP, RIGHT_HIP]]
    found = np.isfinite(hips).all(axis=(1, 2))
    if found.sum() < 10:
        return None
    mid = hips[found].mean(axis=1)
    ankles = points[found][:, [LEFT_ANKLE, RIGHT_ANKLE]]
    legs = np.linalg.norm(ankles - hips[found], axis=-1)
    if not np.isfinite(legs).any():
        return None
    leg = float(np.nanmedian(legs))
    jumps = np.linalg.norm(np.diff(mid, axis=0), axis=-1)
    if not leg > 0 or np.max(jumps) > leg:
        # Not one person moving: the runner was lost, and someone else taken for them.
        return None
    end = max(1, round(CROSSING_ENDS * len(mid)))
    moved = float(np.linalg.norm(np.median(mid[-end:], axis=0) - np.median(mid[:end], axis=0)))
    if not moved > CROSSING_LEGS * leg:
        return None
    seconds = float(t[found][-1] - t[found][0])
    return (
        f"the runner moves {moved / leg:.1f} leg lengths across the picture in {seconds:.1f} s, "
        "further than a treadmill's belt allows: the station measures a runner on a treadmill, "
        "filmed side on by a camera that stays still; no findings or cues are given"
    )
