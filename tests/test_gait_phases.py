"""The phases of a session (edge/gait/phases.py) and where they show: ``hipdrive replay`` and
``analyze``'s text (``describe``), the session report and ``hipdrive sessions report``."""

from __future__ import annotations

import dataclasses
import html
import math
import re
from pathlib import Path

import numpy as np
import pytest

from edge.bus.schema import StepMsg
from edge.cli import main
from edge.demo.scene import SideCamera
from edge.gait import GaitEngine, PlaneMapping, Targets
from edge.gait.fit import contacts_jump, slowmo_factors, slowmo_readings, timebase_problem
from edge.gait.phases import AWAY, UNTIMED, Phase, clock, describe_phases, phases
from edge.offline.replay import describe
from edge.report.html import render
from edge.report.model import ReportInput, pictured, representative, summary_rows
from edge.store.sessions import SessionStore, read_untimed
from tests.builders import messages
from tests.gait_modes import Segment, track

T0 = 10.0
"""Where the builders' steps start: the session's start here."""


def warm_up_then_run() -> list[StepMsg]:
    """A 10-step warm-up walk (0:00-0:05), 30 running steps, 20 s off the belt, 10 more."""
    walk = [messages.walked_step(i) for i in range(10)]
    run = [messages.later(messages.step(i, gait="running"), 5.5) for i in range(30)]
    back = [messages.later(messages.step(i, gait="running"), 5.5 + 30.0) for i in range(10)]
    return [*walk, *run, *back]


def test_phases_are_runs_of_one_gait_and_gaps_without_steps() -> None:
    steps = warm_up_then_run()
    found = phases(steps)
    assert [(p.kind, p.steps) for p in found] == [
        ("walking", 10),
        ("running", 30),
        (AWAY, 0),
        ("running", 10),
    ]
    walk, run, away, back = found
    assert (walk.start_t, walk.end_t) == (T0, steps[10].ic_t)  # up to the first running landing
    assert (run.start_t, run.end_t) == (steps[10].ic_t, steps[39].to_t)
    assert (away.start_t, away.end_t) == (steps[39].to_t, steps[40].ic_t)
    assert back.end_t == steps[-1].to_t
    assert describe_phases(found, T0) == (
        "0:00-0:05 walking, 10 steps; 0:05-0:15 running, 30 steps; "
        "0:15-0:35 standing or off the belt; 0:35-0:38 running, 10 steps"
    )


def test_a_gap_mostly_within_too_few_frames_a_second_is_steps_not_timed() -> None:
    """A loaded station's run reported as "0:12-0:18 standing or off the belt; 0:18-0:21
    walking, 2 steps; 0:21-0:29 standing or off the belt": a gap lying mostly within a stretch
    of too few frames a second to time steps is said so, not a stand, and the phases of steps
    either side are timed whole (the engine hands out no step timed from too few frames: a
    review found a 9.5-minute run after a 10 s slow stretch called "not to be relied on"); a
    gap mostly outside one is still a stand."""
    steps = warm_up_then_run()
    gap_start, gap_end = steps[39].to_t, steps[40].ic_t  # 0:15-0:35
    untimed = [(T0 + 14.0, T0 + 26.0)]  # 11 of the gap's 20 s
    _, run, gap, back = phases(steps, untimed=untimed)
    assert (gap.kind, gap.start_t, gap.end_t) == (UNTIMED, gap_start, gap_end)
    assert describe_phases([run, gap, back], T0) == (
        "0:05-0:15 running, 30 steps; "
        "0:15-0:35 steps not timed: too few frames a second; 0:35-0:38 running, 10 steps"
    )
    # Still going at the end (a session open).
    *_, gap, back = phases(steps, untimed=[(T0 + 20.0, math.inf)])
    assert gap.kind == UNTIMED and back.describe(T0) == "0:35-0:38 running, 10 steps"
    # 9 s of the 20 within: the person stood or left for the rest.
    assert phases(steps, untimed=[(T0 + 14.0, T0 + 24.0)])[2].kind == AWAY
    # Before the first step: no step was timed there (below).
    assert [p.kind for p in phases(steps, untimed=[(0.0, T0 - 1.0)])] == [
        UNTIMED,
        *(p.kind for p in phases(steps)),
    ]


def test_steps_not_timed_before_the_first_step_or_after_the_last_are_a_phase() -> None:
    """A loaded station's session: a walk timed, then a run and a cool-down at 14 frames a
    second, none of whose steps the engine hands out. Its report read "0:00-0:05 walking, 10
    steps" and nothing after; now the rest is said not timed. A stretch still going (a session
    open) is not said, nor one shorter than a gap; with no step at all, each stretch is a phase."""
    walk = [messages.walked_step(i) for i in range(10)]
    end = walk[-1].to_t
    found = phases(walk, untimed=[(end - 1.0, end + 40.0)])
    assert [(p.kind, p.steps) for p in found] == [("walking", 10), (UNTIMED, 0)]
    assert (found[1].start_t, found[1].end_t) == (end, end + 40.0)
    assert describe_phases(found, T0).endswith(
        f"{clock(end - T0)}-{clock(end + 40.0 - T0)} steps not timed: too few frames a second"
    )
    assert [p.kind for p in phases(walk, untimed=[(end + 1.0, math.inf)])] == ["walking"]
    assert [p.kind for p in phases(walk, untimed=[(end + 1.0, end + 3.0)])] == ["walking"]
    (alone,) = phases([], untimed=[(T0, T0 + 30.0)])
    assert (alone.kind, alone.start_t, alone.end_t, alone.steps) == (UNTIMED, T0, T0 + 30.0, 0)


def test_a_phase_within_one_second_is_said_at_its_second() -> None:
    """A window's first step alone before its gait is told: "0:01 gait not told, 1 step", where
    a user trial's read "0:01-0:01"."""
    one = Phase("untold", 11.2, 11.6, 1)
    assert one.describe(t0=10.0) == "0:01 gait not told, 1 step"
    assert Phase("running", 11.2, 12.1, 3).describe(t0=10.0) == "0:01-0:02 running, 3 steps"


def test_steps_recorded_before_gaits_were_told_are_one_running_phase() -> None:
    old = [messages.step(i) for i in range(20)]
    assert phases(old) == [Phase("running", old[0].ic_t, old[-1].to_t, 20)]
    assert phases([]) == []


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.4, "0:00"), (90.0, "1:30"), (600.0, "10:00"), (3725.0, "1:02:05")]
)
def test_clock(seconds: float, text: str) -> None:
    assert clock(seconds) == text


def medians(lines: list[str], label: str) -> list[float]:
    return [float(m[1]) for line in lines if (m := re.match(rf"\s+{label}\s+([\d.]+)", line))]


def test_replay_text_gives_the_phases_and_each_gaits_figures_apart() -> None:
    steps = [s for s in warm_up_then_run() if s.ic_t < 30.0]
    lines = describe(steps, Targets(), t0=T0)
    assert lines[0] == "40 steps (20 left, 20 right)"
    assert lines[1] == "phases: 0:00-0:05 walking, 10 steps; 0:05-0:15 running, 30 steps"
    assert "running, 30 steps:" in lines and "walking, 10 steps:" in lines
    assert lines.index("running, 30 steps:") < lines.index("walking, 10 steps:")
    # Running first, over the running steps alone; then the walk's own.
    assert medians(lines, "cadence") == [pytest.approx(171.4, abs=0.1), pytest.approx(109.1, 0.1)]
    assert medians(lines, "contact") == [250.0, 650.0]
    assert medians(lines, "step time") == [350.0, 550.0]
    walking = lines[lines.index("walking, 10 steps:") :]
    assert medians(lines, "hip extension") and not medians(walking, "hip extension")
    assert medians(lines, "overstride") and not medians(walking, "overstride")
    assert lines[-1].startswith("cue: ")


def test_replay_text_of_a_run_alone_is_as_before() -> None:
    lines = describe([messages.step(i) for i in range(20)], Targets())
    assert lines[0] == "20 steps (10 left, 10 right)"
    assert not any(line.startswith(("phases", "running,")) for line in lines)
    assert medians(lines, "contact") == [250.0]


def test_a_walk_does_not_make_a_run_look_like_slow_motion() -> None:
    walk = [messages.walked_step(i) for i in range(30)]
    assert timebase_problem(walk, 30.0) is None
    run = [messages.later(messages.step(i, gait="running"), 20.0) for i in range(10)]
    assert timebase_problem([*walk, *run], 30.0) is None
    slow = [dataclasses.replace(s, contact_ms=700.0, cadence_spm=80.0) for s in run]
    assert timebase_problem([*walk, *slow], 30.0) is not None
    # A step or two of a walk read as running are misread ones (a user trial's walk at 107
    # steps a minute, 3 of its 22 steps read as running, was told it was slow motion).
    assert timebase_problem([*walk, *slow[:3]], 30.0) is None
    assert timebase_problem([*walk[:3], *slow[:3]], 30.0) is None
    assert timebase_problem(slow[:3], 30.0) is not None


def test_steps_read_as_running_at_a_walks_own_cadence_are_the_walks_misread() -> None:
    steps = messages.misread_walk()
    assert timebase_problem(steps, 30.0) is None
    lines = describe(steps, Targets())
    told = "running, 10 steps: at the walk's own cadence (110 spm, where running's is 120 or more)"
    assert any(line.startswith(told) and line.endswith("; no figures") for line in lines)
    assert not medians(lines, "overstride")
    assert medians(lines, "cadence") == [pytest.approx(109.1, abs=0.1)]
    assert lines[-1] == "no cue: the steps read as running are the walk's (above)"
    page = page_of(steps)
    assert "10 steps were read as running at the walk&#x27;s own cadence" in page
    # Nor pictures of them, nor their figures on an annotated video (a review: their overstride
    # drawn red under "nothing to judge").
    assert pictured(steps) == steps[5:21] and representative(pictured(steps)) == []
    run = [messages.later(messages.step(i), 30.0) for i in range(6)]
    assert pictured([*steps[5:21], *run]) == [*steps[5:21], *run]
    assert "so there is nothing to judge. The walking figures are below." in page
    # Slow motion makes a run's steps slower than a walk's and its contacts long: still told.
    for slowed in (
        messages.misread_walk(run_cadence=80.0),
        messages.misread_walk(run_contact=600.0),
    ):
        assert "not from running at the video's 30 fps" in (timebase_problem(slowed, 30.0) or "")
    # A run of as many steps as the walk beside it is held to running's bounds.
    steps = messages.misread_walk()
    assert timebase_problem([*steps[:5], *steps[5:10], *steps[-5:]], 30.0) is not None


def test_a_run_read_entirely_under_running_cadence_gives_no_figures() -> None:
    """A review: twenty steps read as running at 104 steps a minute, the first without a
    neighbour for its cadence, had analyze print that one step's figures."""
    slow = dict(cadence_spm=104.0, contact_ms=300.0, flight_ms=277.0, overstride_cm=40.0)
    steps = [messages.step(i, **slow) for i in range(20)]
    steps[0] = dataclasses.replace(steps[0], cadence_spm=None)
    lines = describe(steps, Targets())
    assert "running, 20 steps: all of them under running's cadence (a walk, or steps missed): " in (
        "\n".join(lines)
    )
    assert not medians(lines, "overstride")
    assert lines[-1] == "no cue: too few running steps left to judge the runner by"
    page = page_of(steps)
    assert "20 steps were read as running, all of them under running&#x27;s cadence" in page
    # With a run beside them, the pictures are of the run's steps.
    run = [messages.later(messages.step(i), 20.0) for i in range(6)]
    assert representative(pictured([*steps, *run])) and all(
        step in run for _, step in representative(pictured([*steps, *run]))
    )


def test_slow_motion_is_offered_the_factors_of_the_rate_it_plays_at() -> None:
    """Slow motion is filmed at 48, 50, 60, 100, 120, 200, 240 or 300 fps: a user trial's clip
    played at 24 had been offered x2 alone (x2.5, 60 fps, reads a run too), and a review found
    a 30 fps clip offered x2.5 and x5 (75 and 150 fps, which nothing films at)."""
    assert slowmo_factors(29.97) == pytest.approx([2.0, 10 / 3, 4.0, 20 / 3, 8.0, 10.0])
    # Not x2.08 (50 fps) beside x2 (48) too.
    assert slowmo_factors(23.976) == pytest.approx([2.0, 2.5, 100 / 24, 5.0, 200 / 24, 10, 12.5])
    assert slowmo_factors(25.0) == pytest.approx([2.0, 2.4, 4.0, 4.8, 8.0, 9.6, 12.0])
    said = slowmo_readings(75.0, 24.0, track=False)
    assert said == "--slowmo 2 reads 150, --slowmo 2.5 reads 188 steps a minute"
    assert slowmo_readings(78.0, 30.0, track=True) == "--fps 60 reads 156 steps a minute"
    assert slowmo_readings(170.0, 30.0, track=False) is None


def test_steps_too_few_for_their_own_cadence_tell_no_time_base() -> None:
    """A user trial's woman standing and posing, 7.7 s in view at 30 fps, gave one step at 95 a
    minute, its contact 464 ms: she was told she might be slow motion ("--slowmo 2 reads 191
    steps a minute"), and that flag made her four running steps, judged and cued. One step
    where its cadence gives nine in the time she was in view holds no rhythm: it tells no time
    base. In a glimpse it still does, and so do a slow-motion runner's steps at their cadence."""
    lone = [messages.step(0, cadence_spm=95.0, step_ms=632.0, contact_ms=464.0)]
    assert timebase_problem(lone, 30.0, seen_s=7.7) is None
    # Legs that step at its cadence tell slow motion where the engine missed the other steps.
    said = timebase_problem(lone, 30.0, seen_s=7.7, rhythm=105.0) or ""
    assert "--slowmo 2 reads 190 steps a minute" in said
    assert timebase_problem(lone, 30.0, seen_s=7.7, rhythm=120.0) is None
    # A track that cannot be read for a rhythm (a gap in it) holds nothing against the step.
    said = timebase_problem(lone, 30.0, seen_s=7.7, rhythm=math.nan) or ""
    assert "--slowmo 2 reads 190 steps a minute" in said
    assert "--slowmo 2 reads 190 steps a minute" in (timebase_problem(lone, 30.0, seen_s=3.0) or "")
    slowed = [
        messages.step(i, ic_t=0.75 * i, step_ms=750.0, cadence_spm=80.0, contact_ms=520.0)
        for i in range(3)
    ]
    said = timebase_problem(slowed, 30.0, seen_s=4.6) or ""
    assert "--slowmo 2 reads 160" in said and "--slowmo 2 reads 160" in (
        timebase_problem(slowed, 30.0, seen_s=6.0) or ""
    )
    assert timebase_problem(slowed, 30.0, seen_s=8.0) is None


def test_contacts_that_change_at_once_are_no_one_runners_on_one_time_base() -> None:
    """A user trial's phone clip slowed x2 after 1.5 s at real speed was measured as one run, its
    contacts 264 ms where 248. Contacts that change 1.6 times at once, steady either side, are
    told, with no findings; a runner's scatter, a change over many steps, a walk before a run, or
    a runner back on the belt after straddling it while it sped up (a review's), are not."""
    real = [messages.step(i, contact_ms=265.0 + 8.0 * (i % 3)) for i in range(8)]
    slowed = [
        messages.later(messages.step(i, contact_ms=470.0 - 9.0 * (i % 2)), 3.0) for i in range(6)
    ]
    said = contacts_jump([*real, *slowed])
    assert said is not None and said.startswith("the contacts change from 273 to 466 ms between ")
    assert "at once: one runner's do not change so on a treadmill. Two runners joined" in said
    assert said.endswith("with --slowmo where it is slowed; no findings or cues are given")
    scatter = [
        messages.step(i, contact_ms=250.0 * (1.0 + 0.1 * ((i * 7) % 5 - 2) / 2)) for i in range(30)
    ]
    assert contacts_jump(scatter) is None
    sliding = [messages.step(i, contact_ms=250.0 + 8.0 * i) for i in range(20)]
    assert contacts_jump(sliding) is None
    walk = [messages.walked_step(i, contact_ms=650.0) for i in range(8)]
    run = [messages.later(messages.step(i, contact_ms=260.0), 5.0) for i in range(8)]
    assert contacts_jump([*walk, *run]) is None
    jog = [messages.step(i, contact_ms=270.0) for i in range(8)]
    faster = [messages.later(messages.step(i, contact_ms=165.0), 8.0) for i in range(8)]
    assert contacts_jump([*jog, *faster]) is None  # 5.3 s between them
    assert contacts_jump([*jog, *(messages.later(s, -4.0) for s in faster)]) is not None


def test_a_capture_rate_stated_wrong_is_offered_the_rates_that_make_a_run() -> None:
    """A user trial's clip filmed at 120 fps and played at 30, its metadata saying 240, read
    312 steps a minute and was told only to give --capture-fps N: the rates a phone films at
    that make it running are offered, as for a clip that states none."""
    steps = [messages.step(i, cadence_spm=312.0, contact_ms=140.0) for i in range(12)]
    said = timebase_problem(steps, 240.0, "the file's com.android.capture.fps") or ""
    assert said.endswith(
        "240 fps (the file's com.android.capture.fps): give --capture-fps N, the rate it was "
        "filmed at (--capture-fps 100 reads 130, --capture-fps 120 reads 156 steps a minute); "
        "no findings or cues are given"
    )


def test_what_looks_like_a_walks_misread_steps_but_is_not_is_still_told() -> None:
    """A review's cases: a walk at 150 and a run at 172 steps a minute filmed at 60 fps and
    played at 30 (the walk slowed under any walk's half top cadence); a run with every other
    step missed beside a walk at 100 (its steps twice its contact and flight); a short run at
    171 after a long walk with some of its steps read as running (a run, judged as one)."""
    walk = [messages.walked_step(i, cadence_spm=75.0, contact_ms=1120.0) for i in range(20)]
    run = [
        messages.later(messages.step(i, cadence_spm=86.0, contact_ms=430.0), 20.0)
        for i in range(12)
    ]
    assert "--slowmo 2 reads 172" in (timebase_problem([*walk, *run], 30.0) or "")
    walk = [messages.walked_step(i, cadence_spm=100.0) for i in range(20)]
    missed = [messages.later(messages.step(i, cadence_spm=86.0), 20.0) for i in range(12)]
    assert "steps were missed" in (timebase_problem([*walk, *missed], 30.0) or "")
    steps = messages.misread_walk()
    ran = [messages.later(messages.step(i, cadence_spm=171.0), 30.0) for i in range(4)]
    lines = describe([*steps, *ran], Targets())
    assert "running, 4 steps:" in lines and not any("misread" in line for line in lines)
    left_out = "note: 10 steps read as running came under running's cadence (a walk, or steps"
    assert any(line.startswith(left_out) for line in lines)


def page_of(steps: list[StepMsg]) -> str:
    data = ReportInput("t", (), T0, steps, Targets(), [], [], [])
    return render(
        data,
        summary_rows(data.running, data.targets),
        [],
        summary_rows(data.walking, data.targets, judged=False),
    )


def cell(page: str, section: str, metric: str, css: str) -> str:
    part = re.search(rf"<section id={section}>(.*?)</section>", page, re.DOTALL)
    assert part is not None, section
    row = re.search(rf'<tr data-metric="{metric}">(.*?)</tr>', part.group(1))
    assert row is not None, (section, metric)
    found = re.search(rf"<td class={css}>([^<]*)</td>", row.group(1))
    assert found is not None, (section, metric, css)
    return found.group(1)


def test_the_report_shows_the_phases_and_judges_the_run_alone() -> None:
    walk = [messages.walked_step(i, contact_ms=900.0) for i in range(10)]
    run = [messages.later(messages.step(i, gait="running"), 5.5) for i in range(30)]
    page = page_of([*walk, *run])
    phases_part = page[page.index("<section id=phases>") : page.index("<section id=summary>")]
    assert "<li class=phase-walking>0:00-0:05 walking, 10 steps</li>" in phases_part
    assert "<li class=phase-running>0:05-0:15 running, 30 steps</li>" in phases_part
    assert "Over the 30 running steps only; the 10 walked steps are under Walking." in page
    assert cell(page, "summary", "contact_ms", "median") == "250.0"
    assert cell(page, "summary", "cadence_spm", "median") == "171.4"
    assert cell(page, "summary", "cadence_spm", "steps") == "29"  # the first has no cadence
    # The walk's 900 ms contact and 109 spm miss the running targets but are not findings.
    assert "<b>Shank angle at contact</b>" in page  # the run's one miss (8.25 deg)
    assert "<b>Contact time</b>" not in page and "<b>Cadence</b>" not in page
    assert cell(page, "walking", "cadence_spm", "median") == "109.1"
    assert cell(page, "walking", "contact_ms", "target") == ""
    assert 'data-metric="overstride_cm"' not in page.split("<section id=walking>")[1]


def test_a_report_of_a_walk_alone_judges_nothing() -> None:
    page = page_of([messages.walked_step(i) for i in range(10)])
    assert "Every step was walked" in page and "class=findings" not in page
    assert "<li class=phase-walking>0:00-0:05 walking, 10 steps</li>" in page
    assert cell(page, "walking", "contact_ms", "median") == "650.0"
    # Its table is read as the running one is, and it has no targets to explain.
    walking = page.split("<section id=walking>")[1]
    assert "Medians and interquartile ranges" in walking and "Targets are" not in page


def session_report(
    tmp_path: Path,
    steps: list[StepMsg],
    end_t: float,
    untimed: tuple[float, float] | None = None,
) -> str:
    """The page ``hipdrive sessions report`` writes of a session recorded with ``steps`` (and a
    stretch of too few frames a second to time them, ``untimed``)."""
    store = SessionStore(tmp_path / "data" / "sessions.sqlite", messages.STATION)
    store.start_session(T0, runner="Ana")
    for step in steps:
        store.record_step(step)
    if untimed is not None:
        store.set_untimed(untimed[0], untimed[0])
        store.set_untimed(None, untimed[1])
    store.end_session(end_t)
    store.close()
    config = tmp_path / "config.toml"
    config.write_text(f'[station]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    out = tmp_path / "one.html"
    assert main(["sessions", "report", "1", "--out", str(out), "--config", str(config)]) == 0
    return out.read_text(encoding="utf-8")


def test_sessions_report_prints_the_phases_of_the_recorded_steps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = session_report(tmp_path, warm_up_then_run(), 70.0)
    printed = capsys.readouterr().out
    assert (
        "phases: 0:00-0:05 walking, 10 steps; 0:05-0:15 running, 30 steps; "
        "0:15-0:35 standing or off the belt; 0:35-0:38 running, 10 steps"
    ) in printed
    assert "0:15-0:35 standing or off the belt" in page
    assert cell(page, "summary", "cadence_spm", "steps") == "38"  # each run's first step has none


def test_sessions_report_tells_steps_not_timed_from_a_stand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A loaded station recorded when it got too few frames a second to time steps: its report
    says so of the gap, where it had said the runner stood or left the belt."""
    page = session_report(tmp_path, warm_up_then_run(), 70.0, (T0 + 12.0, T0 + 40.0))
    printed = capsys.readouterr().out
    assert (
        "phases: 0:00-0:05 walking, 10 steps; 0:05-0:15 running, 30 steps; "
        "0:15-0:35 steps not timed: too few frames a second; 0:35-0:38 running, 10 steps"
    ) in printed
    assert "<li class=phase-untimed>0:15-0:35 steps not timed: too few frames a second</li>" in page
    assert "standing or off the belt</li>" not in page


def test_a_session_of_steps_whose_gait_was_never_told_is_reported_as_such(tmp_path: Path) -> None:
    """A user trial's one-step walk, its gait never told, had a running phase and table; a
    second review's report of it said the runner was not in view for its pictures."""
    page = html.unescape(session_report(tmp_path, [messages.untold_step(0)], 15.0))
    assert "gait not told, 1 step" in page and "One step was measured before any gait" in page
    assert "No pictures: no step's gait was told" in page and "not in view" not in page


def test_a_walked_session_says_why_it_has_no_pictures(tmp_path: Path) -> None:
    """A user trial's report of a walk said the runner was not in view at any typical step,
    the walker in every frame: the pictures are of a run's landing and drive."""
    walk = [messages.walked_step(i) for i in range(12)]
    page = html.unescape(session_report(tmp_path, walk, 20.0))
    assert "No pictures: they show a run's landing and hip drive, and no step here was run" in page
    assert "not in view" not in page and "No keypoints were recorded" not in page


@pytest.mark.parametrize(
    ("slowed", "says"),
    [
        (2.0, "cadence 55 spm (walking: 70-160) is not from walking at the video's 30 fps: if it"),
        (4.0, "cadence 27 spm (walking: 70-160) and contact time 2600 ms (walking: 300-1600) are"),
        (
            0.5,
            "cadence 218 spm (walking: 70-160) is not from walking at the video's 30 fps: "
            "quicker than walking, or a video that plays faster",
        ),
    ],
)
def test_a_walk_is_held_to_a_walkers_cadence_too(slowed: float, says: str) -> None:
    """A walk filmed in slow motion (or played fast) and timed at its playback rate: the gait is
    told by the hips whatever the time base, so its steps are held to walking's bounds."""
    walk = [
        dataclasses.replace(
            s,
            contact_ms=s.contact_ms * slowed,
            cadence_spm=None if s.cadence_spm is None else s.cadence_spm / slowed,
        )
        for s in (messages.walked_step(i) for i in range(12))
    ]
    problem = timebase_problem(walk, 30.0)
    assert problem is not None and problem.startswith(says)
    assert ("--slowmo" in problem) is (slowed > 1)
    # Or a walk across a room, its steps lost where the walker turned.
    assert ("if the walker turned or was hidden, steps were missed" in problem) is (slowed > 1)
    # Stated by a flag, the gait of most steps questions it.
    assert "check --slowmo" in (timebase_problem(walk, 30.0, "--slowmo 2") or "")


def test_a_run_that_fits_its_time_base_settles_it_whatever_the_walk_beside_it() -> None:
    """A video has one time base: a run that fits it is not thrown away for a walk that does
    not (a slow walk, or jog steps misread as walked)."""
    run = [messages.step(i, gait="running") for i in range(30)]
    slow_walk = [messages.walked_step(i, cadence_spm=65.0) for i in range(8)]
    jog = [messages.walked_step(i, cadence_spm=165.0, contact_ms=280.0) for i in range(5)]
    for walk in (slow_walk, jog):
        assert timebase_problem([*walk, *(messages.later(s, 20.0) for s in run)], 30.0) is None
        few = [*walk, *(messages.later(s, 20.0) for s in run[:3])]
        assert timebase_problem(few, 30.0) is not None


def recorded_stretches(
    tmp_path: Path, slowed: list[tuple[float, float, float]], base: float = 30.0
) -> tuple[list, list[tuple[float, float]]]:
    """A 20 s run at ``base`` fps (RBDS001) whose camera gives ``fps`` frames a second from
    ``start`` to ``stop`` for each (start, stop, fps) of ``slowed``, through the engine: its
    steps, and the stretches of untimed steps a store records from it, as the station does."""
    full_t, full_kp = track((Segment("running", 20.0, "RBDS001"),), base, seed=0)
    keep = np.ones(len(full_t), bool)
    for start, stop, fps in slowed:
        keep &= (full_t < start) | (full_t >= stop)
        keep[np.searchsorted(full_t, np.arange(start, stop, 1.0 / fps))] = True
    engine = GaitEngine(PlaneMapping.scaled("right", SideCamera(facing="right").meters_per_pixel))
    store = SessionStore(tmp_path / "sessions.sqlite", messages.STATION)
    store.start_session(0.0)
    steps = []
    for t, kp in zip(full_t[keep], full_kp[keep], strict=True):
        steps += engine.push(float(t), kp)
        store.set_untimed(engine.untimed_since, float(t))
    steps += engine.finish()
    store.end_session(float(full_t[-1]))
    store.close()
    return steps, read_untimed(tmp_path / "sessions.sqlite", 1)


@pytest.mark.parametrize(
    ("base", "fps", "seconds"),
    [
        (30.0, 12.0, 2.0),
        (30.0, 17.0, 2.0),
        (30.0, 17.0, 3.0),
        (30.0, 20.0, 3.0),
        (30.0, 20.0, 4.0),
        (60.0, 15.0, 3.0),
        (60.0, 20.0, 3.0),
    ],
)
def test_a_slow_stretch_of_a_few_seconds_is_recorded_as_steps_not_timed(
    tmp_path: Path, base: float, fps: float, seconds: float
) -> None:
    """A camera at ``base`` frames a second slowed to ``fps`` for ``seconds`` in a run: the
    engine stops handing out steps as the rate falls (a step's own frames), and the stretch the
    store records from it, from where the frames began to come too few, covers the gap, so the
    report says the steps were not timed. A review's slow stretches of 2-4 s had been recorded
    from 0.5 s after the 2 s rule said so, under half the gap, and read "standing or off the
    belt"; a user trial's 60 fps file slowed to 15 for 3 s had been recorded from 1.7 s in."""
    steps, untimed = recorded_stretches(tmp_path, [(6.0, 6.0 + seconds, fps)], base)
    found = phases(steps, untimed=untimed)
    kinds = [p.kind for p in found]
    assert UNTIMED in kinds and AWAY not in kinds, describe_phases(found)


@pytest.mark.parametrize("dip", [3.8, 4.0, 4.4])
def test_a_stretch_is_not_recorded_over_steps_handed_out(tmp_path: Path, dip: float) -> None:
    """A moment under the rate (10 frames a second for 0.45 s, a step withheld) and, a second
    later, 3 s at 15 a second: the stretch recorded reaches back to the steps withheld for it,
    not over a step handed out after the moment (a review's had begun at 3.94 s, over a landing
    at 4.61 handed out)."""
    steps, untimed = recorded_stretches(tmp_path, [(dip, dip + 0.45, 10.0), (5.2, 8.2, 15.0)])
    assert len(untimed) == 1
    start, end = untimed[0]
    assert start < 6.0 and not [s for s in steps if start < s.ic_t < end]
