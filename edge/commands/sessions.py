"""Recorded sessions: ``hipdrive sessions list|runner|export|report|drill|trend``."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from edge.commands import common
from edge.errors import UsageError

if TYPE_CHECKING:
    from edge.store.sessions import SessionInfo

#: the file name ``sessions export --format F --out FOLDER`` writes in the folder
EXPORT_NAMES = {
    "csv": "session-{id}.csv",
    "jsonl": "session-{id}.jsonl",
    "track": "session-{id}-keypoints.csv",
    "laps": "session-{id}-laps.csv",
}


@contextlib.contextmanager
def _writing(out: Path) -> Iterator[None]:
    """Around writing ``out``: its folders made as needed, and a failure a UsageError saying
    what to do."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        yield
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc}; give another --out") from None


def cmd_sessions_list(args: argparse.Namespace) -> int:
    from edge.bus.schema import printable
    from edge.store.sessions import list_sessions

    path = common.config_of(args).sessions_path
    recorded = list_sessions(path) if path.is_file() else []
    if not recorded:
        print(f"no sessions recorded in {path}")
        return 0
    # A session starts when a person comes into view: a coach beside the belt, someone who
    # stood on it, or one started by hand and then again, ends with nothing in it (a user
    # trial's list filled with them).
    sessions = [s for s in recorded if args.all or not _empty(s)]
    unlisted = len(recorded) - len(sessions)
    note = (
        f"{unlisted} session{' ended' if unlisted == 1 else 's ended'} without a step or a lap "
        "(a person in view who took none) not listed: --all lists them"
    )
    if not sessions:
        print(note)
        return 0
    print(
        f"{'id':>5}  {'started (UTC)':25}  {'minutes':>7}  {'ended':8}  {'steps':>6}  {'walked':>6}"
        f"  {'laps':>4}  runner"
    )
    for s in sessions:
        minutes = "-" if s.end_t is None else f"{(s.end_t - s.start_t) / 60:.1f}"
        ended = (
            "open"
            if s.ended is None
            else "crashed"
            if s.crashed
            else "unjudged"
            if s.problem
            else "stopped"
        )
        # Names recorded before they were checked may hold controls that would drive the terminal.
        runner = printable(s.runner or "")
        print(
            f"{s.id:>5}  {s.started:25}  {minutes:>7}  {ended:8}  {s.steps:>6}  {s.walked:>6}"
            f"  {s.laps:>4}  {runner}"
        )
    if any(s.problem for s in sessions):
        print(
            "unjudged: ended with steps no cue rests on (a file's time base, a scale or a belt "
            "speed that did not fit the runner), none shown (a facing the feet contradicted), or "
            "a file's too few to judge a runner by; the session's report says why"
        )
    if unlisted:
        print(note)
    return 0


def _empty(session: SessionInfo) -> bool:
    """Whether ``session`` ended as it should with nothing to show: no step, no lap, no problem
    told, no runner named (a station that crashed is worth knowing of, whatever it recorded; a
    runner named is someone's session)."""
    return session.ended is not None and not (
        session.steps or session.laps or session.problem or session.crashed or session.runner
    )


def cmd_sessions_runner(args: argparse.Namespace) -> int:
    from edge.bus.schema import printable
    from edge.store.sessions import name_runner

    name = common.runner_name("runner", args.runner)
    before = name_runner(common.config_of(args).sessions_path, args.id, name)
    was = f" (was {printable(before)})" if before else ""
    print(f"session {args.id}: runner {name}{was}")
    return 0


def cmd_sessions_export(args: argparse.Namespace) -> int:
    from edge.offline.replay import recorded_steps
    from edge.store.sessions import export_steps, export_track, read_session

    path = common.config_of(args).sessions_path
    t0 = read_session(path, args.id).start_t
    name = Path(EXPORT_NAMES[args.format].format(id=args.id))
    out = None if args.out is None else common.out_file(args.out, name)
    if args.format == "laps":
        from edge.drill.repeats import export_laps
        from edge.store.sessions import read_laps

        laps = read_laps(path, args.id)
        if out is None:
            export_laps(laps, sys.stdout, t0)
            return 0
        with _writing(out), out.open("w", encoding="utf-8", newline="") as file:
            export_laps(laps, file, t0)
        print(f"wrote {len(laps)} laps to {out}", file=sys.stderr)
        return 0
    if args.format == "track":
        if out is None:
            raise UsageError("--format track writes a keypoint-track CSV file: give --out FILE")
        with _writing(out):
            rows = export_track(path, args.id, out, t0)
        why = (
            ": the station keeps them only with station.record_keypoints = true in its"
            " configuration"
            if rows == 0
            else ""
        )
        print(f"wrote {rows} keypoint rows to {out}{why}", file=sys.stderr)
        return 0
    # Rated as the session's report rates them: a user trial's export had the first steps of an
    # oblique view, measured before the yaw was known, as sure, the rest less sure.
    steps = recorded_steps(path, args.id)
    none = f" (session {args.id} recorded none: see hipdrive sessions list)" if not steps else ""
    if out is None:
        export_steps(steps, args.format, sys.stdout, t0)
        if none:
            print(f"no steps{none}", file=sys.stderr)
    else:
        with _writing(out), out.open("w", encoding="utf-8", newline="") as file:
            export_steps(steps, args.format, file, t0)
        print(f"wrote {len(steps)} steps to {out}{none}", file=sys.stderr)
    return 0


def cmd_sessions_drill(args: argparse.Namespace) -> int:
    from edge.drill.plan import DrillPlan
    from edge.drill.repeats import find_repeats, is_drill
    from edge.drill.table import repeat_rows, table_lines
    from edge.offline.replay import recorded_steps
    from edge.store.sessions import read_laps, read_session

    path = common.config_of(args).sessions_path
    problem = read_session(path, args.id).problem
    if problem:
        raise UsageError(f"session {args.id} was not judged: {problem}")
    steps = recorded_steps(path, args.id)
    laps = read_laps(path, args.id)
    plan = DrillPlan.parse(6, args.focus, "100m", "60s")
    repeats = find_repeats(steps, laps, plan.focus_of)
    if not repeats or (len(repeats) == 1 and not is_drill(laps)):
        # A user trial's 11 s steady run was tabled as a drill of one repeat, its focus "hip".
        found = "one run, no repeats between rests" if repeats else "no repeats"
        raise UsageError(
            f"session {args.id} shows {found}: no 'repeat K' laps, and not two runs of at least "
            "6 s between rests; mark them from the console (d) or with hipdrive drill strides. "
            f"A run's figures: hipdrive sessions report {args.id}"
        )
    how = (
        "the laps marked"
        if is_drill(laps)
        else "its running between rests, no drill having been marked in it (focus in turn: "
        f"{args.focus})"
    )
    count = f"{len(repeats)} repeat{'' if len(repeats) == 1 else 's'}"
    print(f"session {args.id}: {count}, from {how}")
    print("\n".join(table_lines(repeat_rows(repeats, steps))))
    return 0


def cmd_sessions_trend(args: argparse.Namespace) -> int:
    from edge.report.trend import trend_lines, trend_page, trend_rows

    config = common.config_of(args)
    rows = trend_rows(config.sessions_path, args.runner)
    print("\n".join(trend_lines(rows)))
    name = "".join(c if c.isalnum() else "-" for c in args.runner.strip().lower()) or "runner"
    out = common.out_file(args.out, config.station.data_dir / "reports" / f"trend-{name}.html")
    with _writing(out):
        out.write_text(trend_page(args.runner, rows), encoding="utf-8")
    print(f"wrote {out}")
    return 0


def cmd_sessions_report(args: argparse.Namespace) -> int:
    from edge.gait.phases import describe_phases, phases
    from edge.report.build import session_report, write_report

    config = common.config_of(args)
    data = session_report(config.sessions_path, args.id, common.targets_of(config))
    out = common.out_file(args.out, config.station.data_dir / "reports" / f"session-{args.id}.html")
    write_report(data, out)
    if data.steps:
        found = phases(data.steps, untimed=data.untimed)
        print(f"phases: {describe_phases(found, data.t0)}")
    print(f"wrote {out}")
    return 0
