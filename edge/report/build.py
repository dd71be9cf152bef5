"""Reports end to end: the input from a recorded session, the charts, the HTML file."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np

from edge.bus.schema import StepMsg, step_speed
from edge.drill.repeats import find_repeats, is_drill
from edge.drill.table import repeat_rows
from edge.errors import UsageError
from edge.gait import Targets, detect_facing
from edge.gait.fit import MIN_JUDGED_STEPS, belt_fact, scale_doubt, scale_fact
from edge.gait.metrics import BELT_SLACK
from edge.gait.phases import clock
from edge.offline.replay import recorded_steps
from edge.pace import NO_TARGET_AT_PACE
from edge.progress import Progress
from edge.report import plots
from edge.report.annotate import nearest, snapshot
from edge.report.html import Chart, render
from edge.report.model import (
    METRICS,
    CueChange,
    Mark,
    ReportInput,
    Snapshot,
    cues_from_summaries,
    limit,
    no_pictures,
    overstride_metric,
    pictured,
    representative,
    run_targets,
    summary_rows,
    values,
)
from edge.store.sessions import (
    SessionInfo,
    read_belt_speeds,
    read_keypoints,
    read_laps,
    read_session,
    read_summaries,
    read_untimed,
)

FORWARD = {"right": 1.0, "left": -1.0}
"""Image x direction the runner runs in, by the way they face."""


@dataclass(frozen=True, slots=True)
class _Plan:
    """A chart to draw: its id, title, alt text, caption and how to draw it."""

    id: str
    title: str
    alt: str
    caption: str
    draw: Callable[[], bytes]


def _plans(data: ReportInput, running: bool = True) -> list[_Plan]:
    """The charts there is data for, in the order the report shows them; only the cues' (and a
    drill's) when the run gives no figures (``running`` False: ``ReportInput.run_withheld``)."""
    overstride = overstride_metric(data.steps)
    present = [m for m in METRICS if np.isfinite(values(data.steps, m)).any()]
    form = [
        m
        for m in (overstride, "shank_angle_ic_deg", "hip_extension_deg", "scissor_deg")
        if m in present and running
    ]
    sides = [m for m in (*form, "contact_ms", "knee_lift_deg") if m in present and running]
    captions = {
        overstride: (
            "overstride",
            f"How far ahead of the hips each foot landed (hollow: less sure); the line is a "
            f"{plots.ROLLING_LABEL} measured surely; "
            + (
                "green is the target region."
                if limit(overstride, data.targets) is not None
                else f"{NO_TARGET_AT_PACE}."
            ),
        ),
        "shank_angle_ic_deg": (
            "shank",
            "Positive: the shin reaches forward at landing"
            + (
                "."
                if limit("shank_angle_ic_deg", data.targets) is not None
                else f"; {NO_TARGET_AT_PACE}."
            ),
        ),
        "hip_extension_deg": (
            "hip-extension",
            "How far the thigh drives behind vertical, plotted at toe-off.",
        ),
        "scissor_deg": (
            "scissor",
            "The angle between the thighs at toe-off: the stance thigh's extension back plus "
            "the swing thigh's flexion forward. Lifting the knee higher opens it from the front.",
        ),
    }
    out = []
    if data.cues:
        out.append(
            _Plan(
                "cue-timeline",
                "Cues shown",
                "cue timeline",
                "The one cue the console showed the runner, and when. "
                + " ".join(_cue_told(c, data.t0) for c in data.cues),
                lambda: plots.cue_timeline(data),
            )
        )
    for metric in form:
        key, caption = captions[metric]
        spec = METRICS[metric]
        out.append(
            _Plan(
                f"{key}-time",
                f"{spec.label} per step ({spec.unit})",
                f"{spec.label} over time",
                caption,
                partial(plots.over_time, data, metric),
            )
        )
    if form:
        out.append(
            _Plan(
                "distributions",
                "Distributions",
                "distributions",
                "Every step's value, the feet stacked; the black line is the median.",
                partial(plots.distributions, data, form),
            )
        )
        out.append(
            _Plan(
                "left-right",
                "Left against right",
                "left vs right",
                "Boxes span the middle half of each foot's running steps measured surely; the line "
                "is the median. Hatched: a foot measured surely on fewer than three steps (the far "
                "leg, seen through the near one), not to be compared.",
                partial(plots.left_right, data, sides),
            )
        )
    if data.drill:
        out.append(
            _Plan(
                "drill",
                "Drill: each metric across the repeats",
                "drill repeats",
                "Each repeat's median, coloured by its focus: do the hip-focus repeats drive "
                "further back and lift higher than the quick-step ones?",
                partial(plots.drill_repeats, data.drill),
            )
        )
    if "cadence_spm" in present and running:
        out.append(
            _Plan(
                "cadence-contact",
                "Cadence and contact time",
                "cadence and contact time over time",
                f"Per step, with a {plots.ROLLING_LABEL} and the targets.",
                partial(plots.cadence_and_contact, data),
            )
        )
    return out


def build_report(data: ReportInput) -> str:
    """The report's HTML, with a progress line per chart. The findings, the summary table and
    the charts rest on the running steps; the walked ones get a table of their own."""
    running = replace(data, steps=data.running, targets=run_targets(data.steps, data.targets))
    plans = _plans(running, data.run_withheld is None) if running.steps else []
    charts = []
    if plans:
        progress = Progress("drawing report charts", len(plans))
        for plan in plans:
            charts.append(Chart(plan.id, plan.title, plan.alt, plan.draw(), plan.caption))
            progress.update()
        progress.close()
    return render(
        data,
        summary_rows(running.steps, running.targets),
        charts,
        summary_rows(data.walking, data.targets, judged=False),
    )


def write_report(data: ReportInput, path: Path) -> Path:
    """Write the report to ``path`` (folders made as needed)."""
    page = build_report(data)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the report to {path}: {exc}; give --out FILE") from None
    return path


def session_report(path: Path, session_id: int, targets: Targets) -> ReportInput:
    """What the report of a recorded session shows (UsageError: no such session). A session
    that ended with its steps in doubt (``SessionInfo.problem``: a file's time base, a scale or
    a belt speed that did not fit the runner, a facing the feet contradicted) gets no findings,
    charts or pictures, as analyze gives a video none."""
    info = read_session(path, session_id)
    recorded = recorded_steps(path, session_id)
    steps = [] if info.problem else recorded
    recorded_laps = read_laps(path, session_id)
    laps = [Mark(lap.t, lap.label or f"lap {i + 1}") for i, lap in enumerate(recorded_laps)]
    drill = (
        repeat_rows(find_repeats(steps, recorded_laps, lambda _: None), steps)
        if is_drill(recorded_laps)
        else []
    )
    t, _, keypoints = read_keypoints(path, session_id)
    snapshots: list[Snapshot] = []
    note = (
        "No pictures: the steps cannot be judged (see the summary)."
        if info.problem
        else no_pictures(steps)
    )
    if note is None and not len(t):
        note = (
            "No keypoints were recorded with this session: set station.record_keypoints = true "
            "in config.toml to get pictures of contact and toe-off."
        )
    elif note is None:
        facing = detect_facing(keypoints)
        forward = FORWARD.get(facing) if facing else None
        overstride = overstride_metric(steps)
        judged = run_targets(steps, targets)
        for moment, step in representative(pictured(steps)):
            i = nearest(t, step.ic_t if moment == "ic" else step.to_t)
            snap = snapshot(keypoints[i], None, moment, step, forward, judged, overstride)
            if snap is not None:
                snapshots.append(snap)
        if not snapshots:
            note = "The runner was not in view at any typical contact or toe-off."
    return ReportInput(
        title=f"Session {info.id}" + (f": {info.runner}" if info.runner else ""),
        facts=_session_facts(info, recorded, read_belt_speeds(path, session_id)),
        t0=info.start_t,
        steps=steps,
        targets=targets,
        cues=[] if info.problem else cues_from_summaries(read_summaries(path, session_id)),
        laps=laps,
        snapshots=snapshots,
        snapshot_note=note,
        notice=None
        if info.problem is None
        else f"The station gave no cues at the end of this session: {info.problem}",
        drill=drill,
        untimed=read_untimed(path, session_id),
    )


def _session_scale(info: SessionInfo, steps: list[StepMsg]) -> str:
    """What gave a session its distances, as analyze's report says it: its calibration, the
    scale given without one (``--meters-per-pixel``), or nothing (a scale given had been called
    "none: distances in % of leg length" beside figures in cm); and why its ``steps`` doubt it
    (``scale_doubt``: a review found only analyze and replay say a plane the feet do not stand
    on, the live station's report nothing)."""
    if info.calibrated:
        name = f"the calibration {info.calibration or ''}".rstrip()
        doubt = scale_doubt(steps, (name, "calibrate it again"))
        return scale_fact(name) + (f"; {doubt}" if doubt else "")
    return scale_fact(info.calibration)


def _session_facts(
    info: SessionInfo, steps: list[StepMsg], belts: list[tuple[float, float | None]]
) -> tuple[tuple[str, str], ...]:
    minutes = "still open" if info.end_t is None else f"{(info.end_t - info.start_t) / 60:.1f} min"
    if info.crashed:
        minutes += " (the station stopped without closing it: ended at its last record)"
    return (
        ("runner", info.runner or "unnamed"),
        ("station", info.station),
        ("started (UTC)", info.started.replace("T", " ").replace("+00:00", "")),
        ("duration", minutes),
        ("steps", f"{len(steps)}{' (not judged: see the summary)' if info.problem else ''}"),
        ("laps", str(info.laps)),
        ("scale", _session_scale(info, steps)),
        ("belt speed", _session_belt(info, belts, steps)),
    )


#: seconds within which a belt speed set again, after the last, is the same change, the console's
#: key pressed a step at a time (a user trial's report listed "3 m/s from 0:25, 2.9 m/s from 0:25,
#: ... 2.5 m/s from 0:26", one slowing of the belt)
BELT_SETTLE_S = 5.0


def _session_belt(
    info: SessionInfo, belts: list[tuple[float, float | None]], steps: list[StepMsg]
) -> str:
    """The belt speeds a session's strides were measured at: each one set, from when, where
    it changed (a trial's report named only the last, 3 m/s, beside strides measured at 7),
    those set each within ``BELT_SETTLE_S`` of the one before one change to the last of them;
    else the one set, or, with none, as analyze's report says it; and the ``steps`` whose feet
    did not run at the one set (``_belt_set_aside``)."""
    scaled = info.calibrated or info.calibration is not None
    aside = _belt_set_aside(steps, belts, info.belt_speed_mps, scaled)
    return _belts_set(info, belts) + (f"; {aside}" if aside else "")


def _belts_set(info: SessionInfo, belts: list[tuple[float, float | None]]) -> str:
    """The belt speeds set over a session, as ``_session_belt`` says them."""
    changes: list[tuple[float, float | None]] = []
    pressed = -math.inf
    for t, mps in belts:
        held, pressed = t - pressed < BELT_SETTLE_S, t
        if len(changes) > 1 and held:
            # The key pressed again while the belt speeds up or slows: the last press holds.
            changes[-1] = (changes[-1][0], mps)
            if changes[-1][1] == changes[-2][1]:
                changes.pop()
        elif not changes or changes[-1][1] != mps:
            changes.append((t, mps))
    if len(changes) > 1:
        return ", ".join(
            f"{'not set' if mps is None else f'{mps:g} m/s'} from {clock(t - info.start_t)}"
            for t, mps in changes
        )
    return belt_fact(info.belt_speed_mps, info.calibrated or info.calibration is not None)


#: the share of the steps run while a belt speed was set that must lack it for the report to say
#: so: a few steps have no stride anyway (a bout's last, a foot lost before it landed again)
SET_ASIDE_SHARE = 0.1


def _belt_set_aside(
    steps: list[StepMsg],
    belts: list[tuple[float, float | None]],
    last_mps: float | None,
    scaled: bool,
) -> str | None:
    """How many of the ``steps`` run while a belt speed was set were not measured at it, or
    None when hardly any: the engine sets a speed aside while the feet do not run at it
    (``GaitEngine._belt_fits``), timing the strides by the feet on a calibrated plane
    (``scaled``: a stride at another speed), else leaving them without a length, as a step whose
    foot's next landing was not seen has none anyway. A review found the report naming "3 m/s"
    beside strides so measured. ``belts``: the speeds set, (station time, m/s), the first at
    the session's start; ``last_mps``: the one set, where none was kept."""
    times = [t for t, _ in belts]
    aside = judged = 0
    for step in steps:
        if not step.cadence_spm:
            continue
        at = np.searchsorted(times, step.ic_t, side="right") - 1
        mps = belts[max(int(at), 0)][1] if belts else last_mps
        if not mps:
            continue
        judged += 1
        speed = step_speed(step)
        if speed is None:
            aside += not scaled
        else:
            aside += not 1.0 / BELT_SLACK < speed / mps < BELT_SLACK
    if aside < max(MIN_JUDGED_STEPS, SET_ASIDE_SHARE * judged):
        return None
    if scaled:
        return f"the feet did not run at it on {aside} of the {judged} steps, which they timed"
    return (
        f"no stride length on {aside} of the {judged} steps: the feet did not run at it, or "
        "a foot's next landing was not seen"
    )


def _cue_told(change: CueChange, t0: float) -> str:
    """One change of the cue as the report's caption tells it: from when, what, and why (and
    why it was still shown at the end, when that changed)."""
    quiet = "no cue while walking (the cues are for running)" if change.walking else "no cue yet"
    told = f"From {change.t - t0:.0f} s: {change.text or quiet}"
    if change.reason:
        told += f", for {change.reason}"
    if change.at_end:
        # A user trial read "At the end: overstride ..." as a cue with no name.
        told += f". Still shown at the end, for {change.at_end}"
    return told + "."
