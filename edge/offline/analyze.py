"""Offline analysis of a video: capture -> pose -> runner -> keypoint track on disk; then, from
the steps found in it, the annotated video and the report."""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.bus.schema import StepMsg
from edge.capture import CaptureSettings, SourceInfo, open_source
from edge.capture.belt_lines import Backdrop
from edge.capture.file import VideoFileSource
from edge.capture.moving import CameraMotion, moving_camera_notice
from edge.capture.repeats import (
    CUT_SURE,
    FrameScan,
    check_new_frames,
    held_notice,
    repeats_notice,
    slow_notice,
    too_few_frames,
    untimed_stretches,
)
from edge.capture.timebase import FileTiming, TimeBase, require_engine_rate
from edge.errors import UsageError
from edge.gait import Targets, detect_facing
from edge.gait.fit import MIN_RUN_S
from edge.gait.rhythm import FRONT_FRAMES, facing_the_camera
from edge.gait.sagittal import facing_lag, facing_shown
from edge.offline.cuts import jumps_across, measured, reach_frames
from edge.offline.replay import missed_steps
from edge.pose.crop import RunnerFinder, feet_notice
from edge.progress import Progress
from edge.report.annotate import AnnotatedVideoWriter, Overlay, nearest, snapshot
from edge.report.build import FORWARD, write_report
from edge.report.model import (
    ReportInput,
    cues_from_steps,
    no_pictures,
    overstride_metric,
    pictured,
    representative,
    run_targets,
)
from edge.store.track import KeypointTrackWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    """frames: frames analyzed, from file frame ``first_frame`` on; fps: their real rate;
    feet_outside: frames whose runner had a foot outside the picture (``RunnerFinder``);
    repeats: frames that repeat the frame before, left out of the track; distinct_fps: new
    frames per second of real time; held: pictures held still, left out too, when first shown
    and for how long, s; slow: the stretches of too few new frames a second, first and last
    time and rate (``edge.capture.repeats``, of a video whose frames come at a varying rate);
    untimed: where the frames the gait engine got, the repeats left out, time no step
    (``untimed_stretches``), first and last time;
    picture: the frames' size (height, width);
    camera: what the background tells of the camera, fixed or moving (``edge.capture.moving``);
    backdrop: frames spread over the video, whose lines tell the camera's turn off square
    (``edge.capture.belt_lines``)."""

    frames: int
    runner_frames: int
    fps: float
    keypoints_csv: Path
    timebase: TimeBase
    first_frame: int = 0
    feet_outside: int = 0
    repeats: int = 0
    distinct_fps: float = math.nan
    held: tuple[tuple[float, float], ...] = ()
    slow: tuple[tuple[float, float, float], ...] = ()
    untimed: tuple[tuple[float, float], ...] = ()
    picture: tuple[int, int] | None = None
    camera: CameraMotion | None = None
    backdrop: Backdrop | None = None

    def camera_notice(self) -> str | None:
        """Why no finding rests on the steps when the camera moved while it filmed
        (``moving_camera_notice``), or None."""
        return None if self.camera is None else moving_camera_notice(self.camera)

    def repeats_notice(self) -> str | None:
        """What to say of the repeated frames left out (``edge.capture.repeats``), or None."""
        return repeats_notice(self.repeats, self.frames, self.distinct_fps)

    def too_few(self) -> str | None:
        """What came too few a second for part of the video, as told (``too_few_frames``)."""
        return too_few_frames(self.held, self.slow)

    def held_notice(self) -> str | None:
        """What to say of the pictures held still, left out (``held_notice``), or None."""
        return held_notice(self.held)

    def slow_notice(self) -> str | None:
        """What to say of the stretches of too few frames a second (``slow_notice``), or None."""
        return slow_notice(self.slow)

    @property
    def feet_share(self) -> float:
        """The share of the frames with the runner that had a foot out of the picture, or
        neither seen."""
        return self.feet_outside / self.runner_frames if self.runner_frames else 0.0

    def feet_notice(self) -> str | None:
        """What to say when the runner's feet were out of the picture, or unseen, in
        ``FEET_OUTSIDE`` of the frames with the runner or more; None otherwise."""
        return feet_notice(self.feet_share)


def analyze_video(
    video: Path, out_dir: Path, finder: RunnerFinder, timing: FileTiming | None = None
) -> AnalysisResult:
    """Find the runner in every frame of ``video`` (of the part ``timing`` picks; as the
    station does: on the crop around the runner when the finder has it on) and write
    ``out_dir/keypoints.csv``.

    Times in the track are real seconds from the video's first frame (file frame index /
    capture rate: ``edge.capture.timebase``), also when a part starts later. Frames that repeat
    the frame before are left out of it, and the new frames timed at the rate they came at
    (``edge.capture.repeats``).
    UsageError when the video is too short, no runner is in any frame, it holds fewer new
    frames a second than the engine needs, or it cuts from one runner's shot to another's
    (``check_cuts``).
    """
    timing = timing or FileTiming()
    keypoints_csv = out_dir / "keypoints.csv"
    found: list[np.ndarray | None] = []
    with _open(video, timing) as source:
        timebase = source.timebase
        picture = (source.info.height, source.info.width)
        scan = FrameScan(video, timebase)
        backdrop = Backdrop(source.info.frame_count)
        progress = Progress(f"analyzing {video.name}", source.info.frame_count)
        # Every frame is written as it comes, so an analysis cut short leaves its track; the
        # repeats are taken out once the whole video has told what a new frame's change is.
        with KeypointTrackWriter(keypoints_csv) as track:
            while (frame := source.read()) is not None:
                progress.update()
                try:
                    scan.add(frame.index, frame.image)
                except UsageError:
                    progress.close(finished=False)
                    raise
                backdrop.add(frame.image)
                runner = finder.find(frame.image)
                found.append(None if runner is None else runner.keypoints)
                track.write(timebase.seconds(frame.index), frame.index, found[-1])
        progress.close()
    # Checked again on the frames read: a container's frame count can be missing or wrong.
    indices = scan.indices
    span = timebase.span(indices[0], indices[-1] + timebase.every) if indices else 0.0
    require_length(video, progress.done, timebase.fps, timing, span)
    new = scan.new()
    with KeypointTrackWriter(keypoints_csv) as track:
        for t, k in zip(new.times, new.kept, strict=True):
            track.write(float(t), indices[k], found[k])
    runner_frames = sum(k is not None for k in found)
    log.info("runner found in %d of %d frames", runner_frames, progress.done)
    if runner_frames == 0:
        raise UsageError(
            f"no runner found in any of the {progress.done} frames of {video}: film the whole "
            "runner side on and well lit, and check that the region of interest (pose.roi, or "
            "the calibration's roi), if set, covers them"
        )
    check_new_frames(video, new, timebase)
    check_cuts(video, scan, found, timebase)
    return AnalysisResult(
        progress.done,
        runner_frames,
        timebase.fps,
        keypoints_csv,
        timebase,
        indices[0] if indices else 0,
        finder.feet_outside,
        new.repeats,
        new.fps,
        new.held,
        scan.slow(),
        # As replay finds them on the track written: a steady video's repeats, left out, are
        # no stretch named (``FrameScan.slow``), yet the engine timed no step from them.
        untimed_stretches(new.times),
        picture,
        scan.camera(),
        backdrop,
    )


def check_cuts(
    video: Path, scan: FrameScan, found: list[np.ndarray | None], timebase: TimeBase
) -> None:
    """UsageError when the video cuts from one shot to another (``FrameScan.cuts``) and the
    runner jumps with it (``jumps_across``): steps across the cut would join two moments, or
    two runners (a user trial's two clips joined read 78-87% overstride and a "walking" phase at
    170 steps a minute after the cut). The runner is looked for ``reach_frames`` either side. A
    cut from a title or a black lead-in has no runner before it; a light switched on, a flash or
    the exposure changing the whole picture keeps the runner in place. ``found``: the runner's
    keypoints per frame read (None where not found). Two cuts beyond doubt with nobody seen
    between them (a black gap, a title between two clips) are judged as one, the runner before
    the first held against the runner after the second: a user trial's two runners joined by 3
    s of black were analyzed as one. Every such cut is named, and the longest shot between them
    of a person running or walking side on (``_stepping``), else of one side on (``_side_on``),
    given as flags: a user trial's tutorial with twelve cuts was refused for its first, and each
    part it was pointed to held more."""
    jumps: list[int] = []
    nobody: list[int] = []
    gap: tuple[int, tuple[int, np.ndarray]] | None = None
    for k in scan.cuts:
        sure = scan.medians[k] >= CUT_SURE
        reach = reach_frames(sure, timebase.fps)
        lo = max(0, k - reach)
        seen = [(i, kp) for i, kp in enumerate(found[lo : k + reach], lo) if measured(kp)]
        before, after = [s for s in seen if s[0] < k], [s for s in seen if s[0] >= k]
        if sure and not (before and after):
            nobody.append(k)
        named = [k]
        if sure and (bridge := _across_nobody(gap, found, k)) is not None:
            # Nobody since a cut beyond doubt: the runner's shot ended there (any runner within
            # reach before this cut was before that one).
            named, before = [bridge[0], k], [bridge[1]]
        if before and after and jumps_across(before[-1], after[0], sure):
            jumps.extend(cut for cut in named if cut not in jumps)
        if sure and before:
            # A runner found from it on ends the gap (``_across_nobody``).
            gap = (named[0], before[-1])
    if not jumps:
        return
    # Shots end at the cuts the runner jumps with and at those beyond doubt with nobody on one
    # side (a close-up, a title), not where the runner stays in place (a light switched on, a
    # flash): a user trial was pointed to 26.8-61.3 s of a gym video, a walk, close-ups and a
    # running shot, and measured it as one (the camera 13 deg off square where the running shot
    # alone reads 29).
    ends = sorted({*jumps, *nobody})
    shots = list(itertools.pairwise([0, *ends, len(scan.indices)]))
    # The longest shot of a person running or walking side on, else of one side on, as
    # analyzed: a user trial's longest was of someone sitting and talking to the camera ("0
    # steps: faces the camera"), a side-on walk beside it, and a walking tutorial's of its
    # walker coming toward the camera, read side on.
    side_on = [(a, b) for a, b in shots if _side_on(found[a:b])]
    lag = facing_lag(np.asarray(scan.indices) / timebase.capture_fps)
    stepping = [(a, b) for a, b in side_on if _stepping(found[a:b], lag)]
    kind, offered = next(
        (kind, these)
        for kind, these in (
            ("of a person running or walking side on", stepping),
            ("of a person side on", side_on),
            ("", shots),
        )
        if these
    )
    a, b = max(offered, key=lambda s: s[1] - s[0])

    def at(position: int) -> float:
        """Where a frame read shows in the video, s; the end of the last one past it."""
        if position < len(scan.indices):
            return timebase.played(scan.indices[position])
        return timebase.played(scan.indices[-1] + 1)

    start, end = at(a), at(b)
    # --end always: the frames read may have ended at one the user gave.
    flags = f"--start {start:.3f} --end {end:.3f}" if start > 0.0 else f"--end {end:.3f}"
    cuts = ", ".join(f"{at(k):.3f}" for k in jumps)
    longest = "the longest" if len(offered) == len(shots) else f"the longest {kind}"
    raise UsageError(
        f"{video} cuts from one shot to another (or zooms) at {cuts} s, and the runner jumps "
        "with it: steps across a cut would join two moments, or two runners. Analyze one shot "
        f"at a time: {longest} is {start:.3f}-{end:.3f} s ({flags})"
    )


def _across_nobody(
    gap: tuple[int, tuple[int, np.ndarray]] | None, found: list[np.ndarray | None], cut: int
) -> tuple[int, tuple[int, np.ndarray]] | None:
    """``gap`` (an earlier cut beyond doubt, in frames read, and the runner before it) when no
    runner is found (``measured``) from it to ``cut``, else None."""
    if gap is None or any(measured(found[i]) for i in range(gap[0], cut)):
        return None
    return gap


def _side_on(found: list[np.ndarray | None]) -> bool:
    """Whether a shot (keypoints per frame, None where not found) holds a person side on: in
    ``FRONT_FRAMES`` at least, and not facing the camera or away from it
    (``facing_the_camera``)."""
    seen = [kp for kp in found if kp is not None]
    return len(seen) >= FRONT_FRAMES and facing_the_camera(np.stack(seen)) is None


def _stepping(found: list[np.ndarray | None], lag: int) -> bool:
    """Whether a shot's person (keypoints per frame, None where not found) steps: both feet
    carried back as on a belt, or forward only in the air, clearly (``facing_shown``, over
    ``lag`` frames), which a person standing never shows."""
    track = np.stack([np.zeros((17, 3)) if kp is None else kp for kp in found])
    return facing_shown(track, lag=lag) is not None


def _open(video: Path, timing: FileTiming) -> VideoFileSource:
    source = open_source(f"file:{video}", CaptureSettings(paced=False, timing=timing))
    assert isinstance(source, VideoFileSource)
    return source


def probe_video(video: Path, timing: FileTiming | None = None) -> tuple[SourceInfo, TimeBase]:
    """What a video holds (size, frames in the part ``timing`` picks, their real rate) and its
    time base, checked to decode, to come at a rate the gait engine serves and, when it says how
    many frames it has, to be long enough, before any work is done; UsageError naming what to
    do when it is not."""
    timing = timing or FileTiming()
    with _open(video, timing) as source:
        info, timebase = source.info, source.timebase
    require_engine_rate(str(video), timebase)
    if info.frame_count is not None:
        require_length(video, info.frame_count, info.fps, timing, info.seconds)
    return info, timebase


def require_length(
    video: Path, frames: int, fps: float, timing: FileTiming, seconds: float | None = None
) -> None:
    """UsageError unless ``frames`` at ``fps`` (real time) hold MIN_RUN_S of running, or span
    it (``seconds``, real time, where known: ``SourceInfo.seconds``)."""
    if seconds is None:
        seconds = frames / fps
    if seconds < MIN_RUN_S:
        what = f"{timing.window_text()} of {video}" if timing.windowed else str(video)
        if frames == 1 and not timing.windowed:
            # A user trial's photograph named .mp4 was told it was 0.04 s too short.
            raise UsageError(
                f"{video} holds a single picture, not a video: give a video of at least "
                f"{MIN_RUN_S:g} s of running, filmed side on"
            )
        raise UsageError(
            f"{what} is too short: {frames} frame{'' if frames == 1 else 's'} at {fps:g} fps "
            f"({seconds:.2f} s); the analysis needs at least {MIN_RUN_S:g} s of running "
            f"({MIN_RUN_S * fps:.0f} frames), filmed side on"
        )


def output_folder(out_dir: Path) -> None:
    """Make ``out_dir`` (an existing folder is fine); UsageError when it cannot be one."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(
            f"{out_dir} is a file, not a folder: give --out a folder for the analysis (a new "
            "one is made)"
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot make the output folder {out_dir} ({exc.strerror}): give another --out folder"
        ) from None


def runner_facing(video: Path, result: AnalysisResult, keypoints: np.ndarray, t: np.ndarray) -> str:
    """Which way the runner faces in the video, read off its track (T, 17, 3) pixels timed
    ``t`` (T,) s; UsageError saying what to do when the track does not tell."""
    facing = detect_facing(keypoints, lag=facing_lag(t))
    if facing is None:
        raise UsageError(
            f"cannot tell which way the runner faces in {video} (runner found in "
            f"{result.runner_frames} of {result.frames} frames): if the runner is side on, give "
            "--facing left|right (the way they face in the picture) or a calibration, which "
            "records it; else film them side on, the head in view"
        )
    return facing


def annotate_video(
    video: Path,
    out: Path,
    overlay: Overlay,
    keep: set[int],
    timing: FileTiming | None,
    rows: np.ndarray,
) -> tuple[int, dict[int, np.ndarray]]:
    """Write ``out``: every frame of ``video`` the analysis read (of the part ``timing``
    picks; at the rate it plays at) with the ``overlay`` drawn on it, that of the track row of
    its file position (``rows``: (N,) the file position of each row, increasing), or of the
    last row before it (a frame that repeats the one before has no row of its own). Returns
    the number of frames written and the plain frames whose track row is in ``keep``."""
    kept: dict[int, np.ndarray] = {}
    with _open(video, timing or FileTiming()) as source:
        info = source.info
        progress = Progress(f"annotating {video.name}", info.frame_count)
        size = (info.width, info.height)
        with AnnotatedVideoWriter(out, source.timebase.playback_fps, size) as writer:
            while (frame := source.read()) is not None:
                row = int(np.searchsorted(rows, frame.index, side="right")) - 1
                if row in keep and rows[row] == frame.index:
                    kept[row] = frame.image.copy()
                if 0 <= row < len(overlay.t):
                    overlay.draw(frame.image, row)
                writer.write(frame.image)
                progress.update()
        progress.close()
    return writer.frames, kept


@dataclass(frozen=True, slots=True)
class Outputs:
    annotated: Path
    annotated_frames: int
    report: Path


def video_outputs(
    video: Path,
    out_dir: Path,
    result: AnalysisResult,
    t: np.ndarray,
    rows: np.ndarray,
    keypoints: np.ndarray,
    steps: list[StepMsg],
    targets: Targets,
    facing: str | None,
    scale: str,
    belt: str,
    timing: FileTiming | None = None,
    notice: str | None = None,
) -> Outputs:
    """``annotated.mp4`` and ``report.html`` of an analysis, from its keypoint track
    (t (N,) seconds, rows (N,) file positions, keypoints (N, 17, 3) pixels as the video shows
    them) and its steps.

    ``facing``: which way the runner faces in the image; ``scale`` and ``belt``: what gave the
    distances and the belt's speed, as the report's facts say them; ``timing``: the part of the
    video analyzed. ``notice``: why the steps cannot be judged; then neither the video nor the
    report shows a figure of them, and the report says why.
    """
    found = len(steps)
    if notice:
        steps = []
    forward = FORWARD.get(facing) if facing else None
    judged = run_targets(steps, targets)
    shown = pictured(steps)
    picks = [
        (moment, step, nearest(t, step.ic_t if moment == "ic" else step.to_t))
        for moment, step in (representative(shown) if len(t) else [])
    ]
    frames, kept = annotate_video(
        video,
        out_dir / "annotated.mp4",
        Overlay(t, keypoints, shown, judged, forward),
        {i for _, _, i in picks},
        timing,
        rows,
    )
    overstride = overstride_metric(steps)
    snapshots = [
        snap
        for moment, step, i in picks
        if (snap := snapshot(keypoints[i], kept.get(i), moment, step, forward, judged, overstride))
    ]
    notes = (
        ("repeated frames", result.repeats_notice()),
        ("held still", result.held_notice()),
        ("too few frames", result.slow_notice()),
        ("feet", result.feet_notice()),
        ("steps missed", missed_steps(steps, result.too_few())),
    )
    data = ReportInput(
        title=f"Analysis of {video.name}",
        facts=(
            ("video", video.name),
            ("frames", f"{result.frames} at {result.timebase.describe()}"),
            ("duration", f"{result.frames / result.fps:.1f} s"),
            *_window_fact(result, timing),
            ("runner in", f"{result.runner_frames} frames"),
            *((name, note) for name, note in notes if note),
            ("steps", f"{found}{' (not judged: see the summary)' if notice else ''}"),
            ("scale", scale),
            ("belt speed", belt),
        ),
        t0=0.0,
        steps=steps,
        targets=targets,
        cues=cues_from_steps(steps, targets),
        laps=[],
        snapshots=snapshots,
        snapshot_note=None
        if snapshots
        else "No pictures: the steps cannot be judged (see the summary)."
        if notice
        else no_pictures(steps) or "The runner was not in view at any typical step.",
        notice=notice,
        video="annotated.mp4",
        untimed=list(result.untimed),
    )
    return Outputs(out_dir / "annotated.mp4", frames, write_report(data, out_dir / "report.html"))


def _window_fact(result: AnalysisResult, timing: FileTiming | None) -> tuple[tuple[str, str], ...]:
    if timing is None or not timing.windowed:
        return ()
    timebase = result.timebase
    last = result.first_frame + (result.frames - 1) * timebase.every
    start, end = timebase.played(result.first_frame), timebase.played(last + 1)
    return (("part", f"{start:.1f}-{end:.1f} s of the video ({timing.window_text()})"),)
