"""What the commands share: reading the configuration, the pose backend, the station's run."""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from edge.config import Config, input_size, load_config
from edge.errors import HipdriveError, MissingResourceError, UsageError
from edge.pose.base import InputSize

if TYPE_CHECKING:
    from calibrate.model import Calibration
    from edge.capture import FrameSource
    from edge.gait import Step, Summary, Targets
    from edge.gait.fit import Named
    from edge.pose import PoseEstimator
    from edge.pose.refine import KeypointRefiner
    from edge.run.station import Station

log = logging.getLogger("hipdrive")


def out_file(given: str | None, default: Path) -> Path:
    """The file a command writes: ``given`` (its --out), else ``default``; in a folder given
    (one that exists, or a path ending in a separator), under ``default``'s name (a user
    trial's ``--out "reports/"`` wrote a file named reports)."""
    if given is None:
        return default
    path = Path(given)
    if path.is_dir() or given.endswith(("/", os.sep)):
        return path / default.name
    return path


IMGSZ_HELP = "pose input size: 320, or 320x256 for height x width (default: pose.imgsz)"


def imgsz(text: str) -> InputSize:
    try:
        return input_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} {exc}") from None


def picture_size(text: str) -> tuple[int, int]:
    """``--picture WxH`` (``1920x1080``) as (height, width), pixels."""
    width, _, height = text.lower().partition("x")
    try:
        size = (int(height), int(width))
    except ValueError:
        size = (0, 0)
    if min(size) <= 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is no picture size: give width x height in pixels, e.g. 1920x1080"
        )
    return size


#: the largest camera turn off square a side view is taken at, degrees: beyond, the runner is
#: seen more from the front or back than from the side
MAX_TURN_DEG = 60.0


def camera_turn_deg(text: str) -> float:
    """``--camera-turn DEG``: a camera's turn off square to the belt, within
    ``MAX_TURN_DEG``."""
    try:
        turn = float(text)
    except ValueError:
        turn = math.nan
    if not abs(turn) <= MAX_TURN_DEG:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give the camera's turn off square in degrees, within "
            f"+-{MAX_TURN_DEG:g} (analyze prints it)"
        )
    return turn


def runner_name(field: str, name: str) -> str:
    """A runner's name given on the command line, as it is kept: checked as the console's name
    is (a file's run had ended before its runner could be named: a user trial)."""
    from edge.bus.schema import clean_text

    try:
        return clean_text(field, name)
    except ValueError as exc:
        raise UsageError(f"{exc}: give the runner's name in plain characters") from None


def config_of(args: argparse.Namespace) -> Config:
    return load_config(args.config)


def ultralytics_ready(config: Config) -> None:
    from edge.pose.runtime import prepare_ultralytics

    prepare_ultralytics(config.station.data_dir)


def targets_of(config: Config) -> Targets:
    from edge.gait import Targets

    return Targets(**config.targets.model_dump(), window_steps=config.gait.summary_steps)


def open_pose(config: Config) -> PoseEstimator:
    from edge.pose.factory import open_estimator

    ultralytics_ready(config)
    model = config.model_path()
    try:
        return open_estimator(
            config.pose.backend,
            model,
            config.pose.imgsz,
            config.pose.conf,
            config.pose.device,
            config.pose.threads,
            config.pose.workers,
            config.pose.precision,
            config.station.data_dir,
        )
    except HipdriveError:
        raise
    except Exception as exc:  # each runtime has its own way of refusing a damaged file
        log.debug("loading %s failed", model, exc_info=True)
        reason = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        raise MissingResourceError(
            f"pose model {model} could not be loaded ({reason}); the file is damaged or not "
            "a pose model: delete it and fetch it again (hipdrive model fetch) or export it "
            "again (hipdrive model export ...)"
        ) from exc


def headless(args: argparse.Namespace) -> bool:
    """Headless when asked, and always without a terminal (CI, a pipe, systemd) to take the
    console's keys and its screen (drawn on standard error: ``console_terminal``)."""
    return bool(args.headless) or console_terminal() is not None


def console_terminal() -> str | None:
    """What of this process is not on a terminal, for the console, or None: its keys come on
    standard input and it draws on standard error (Textual's), standard output beside them. A
    user trial's console unit, standard error sent to the journal, left the treadmill's screen
    blank and wrote 414 KB of the screen into the journal in 15 s."""
    streams = (("input", sys.stdin), ("output", sys.stdout), ("error", sys.stderr))
    missing = [name for name, stream in streams if stream is None or not stream.isatty()]
    return " and ".join(f"standard {name}" for name in missing) or None


@contextlib.contextmanager
def logging_to_file(config: Config, make: bool = True) -> Iterator[Path | None]:
    """The log to ``<data_dir>/hipdrive.log`` while a console owns the terminal (log lines on
    standard error would draw over its screen), yielding the file (None: none could be
    written); put back after. ``make``: make the data folder if it is not there (a station's
    console, whose station makes it anyway; a console alone writes only into one there, a
    review's having made a folder where it was started). A file that cannot be written takes
    none: the console must still come up (the log is lost)."""
    path = config.station.data_dir / "hipdrive.log"
    root = logging.getLogger()
    handler: logging.Handler
    log_file: Path | None = path
    try:
        if make:
            path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler, log_file = logging.NullHandler(), None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    terminal = root.handlers[:]
    root.handlers[:] = [handler]
    try:
        yield log_file
    finally:
        root.handlers[:] = terminal
        handler.close()


def open_refiner(config: Config) -> KeypointRefiner | None:
    """The keypoint refiner ``pose.refine`` asks for, or None; a thread per call as the pose
    backend's calls get them (the cores shared out among ``pose.workers``)."""
    if not config.pose.refine:
        return None
    from edge.pose.factory import threads_per_call
    from edge.pose.refine import KeypointRefiner

    threads = threads_per_call(config.pose.threads, config.pose.workers)
    return KeypointRefiner(config.refiner_path(), threads)


def run_station(
    config: Config,
    source: FrameSource,
    estimator: PoseEstimator,
    calibration: Calibration | None,
    headless: bool,
    also: Callable[[Step, Summary], None] | None = None,
    load_config: Callable[[], Config] | None = None,
    view: tuple[str | None, float | None] = (None, None),
    named: Named | None = None,
    runner: str | None = None,
    few_refused: bool = True,
) -> None:
    """Run the station until the source ends or a signal or the console stops it: headless
    with a line per step, else with the dashboard in this terminal. Headless, SIGHUP reloads
    the configuration with ``load_config`` (a service's convention; on a terminal it would
    mean the terminal has gone). ``view``: the runner's facing and the scale in metres per
    pixel when known without a calibration; ``named``: how the scale and the belt speed were
    given, for what the station tells of them (None: as the station has them); ``runner``: the
    runner's name for the sessions recorded; ``few_refused``: a file whose steps are too few to
    judge a runner by is refused (``refusal``), as a user's is and the demo's is not (a
    demo of a quarter of a second checks the lean install, ``make check-arm``)."""
    import signal
    import threading

    from edge.gait.summary import LESS_SURE, LESS_SURE_MEANS
    from edge.run.station import VIEW_UNKNOWN_MEANS, CueReasons, Station, step_line

    legend_told = view_told = False
    reasons = CueReasons()

    def report(step: Step, summary: Summary) -> None:
        nonlocal legend_told, view_told
        if also is not None:
            also(step, summary)
        if headless:
            square = station.square_view
            line = step_line(step, summary, square=square, alone=station.alone)
            print(line, flush=True)
            if (reason := reasons.line(summary)) is not None:
                print(reason, flush=True)
            # Each kind of mark's legend once, when a line first has it (a walker's first
            # step, its gait not told yet, had been given only the view's).
            plain = step_line(step, summary, square=False, alone=station.alone)  # no view's marks
            if line != plain and not view_told:
                view_told = True
                print(f"  ({VIEW_UNKNOWN_MEANS})", flush=True)
            if LESS_SURE in plain and not legend_told:
                legend_told = True
                print(f"  ({LESS_SURE_MEANS}; no cue rests on it)", flush=True)

    station = Station(
        config,
        source,
        estimator,
        calibration,
        report,
        load_config,
        *view,
        open_refiner(config),
        named,
        runner,
    )
    stop = threading.Event()
    if headless:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        signal.signal(signal.SIGHUP, lambda *_: station.request_reload())
        station.run(stop)
        why = refusal(station, few_refused)
        # A run ended at a cut: what its shot before the cut gave, then why it ended there.
        lines = station.file_summary() if why in (None, station.cut_problem) else []
        if lines:
            print(f"{source.info.name} ended:", *(f"  {line}" for line in lines), sep="\n")
        if why is not None:
            raise UsageError(why)
        return
    from edge.dashboard import DashboardApp, TargetBands

    app = DashboardApp(
        config.bus.publish,
        config.bus.control,
        keys_dir=config.keys_dir,
        bands=TargetBands().with_station_targets(config.targets),
    )
    failure: list[BaseException] = []
    closed = threading.Event()

    def serve() -> None:
        ended = False
        try:
            station.run(stop)
            # A file played to its end: the console stays for its last figures to be read.
            ended = station.ended and not source.info.live
        except BaseException as exc:
            failure.append(exc)
        finally:
            # The console may not be up yet (a station that fails at once, a file shorter than
            # its start), or already closed: then there is nothing left to tell.
            while not closed.is_set():
                try:
                    if ended:
                        why = refusal(station, few_refused)
                        # Ended at a cut, the run has findings for the shot before it (a
                        # user trial's console had said "No findings" over them).
                        title = "Ended at a cut" if why == station.cut_problem else "No findings"
                        app.call_from_thread(app.source_ended, source.info.name, why, title)
                    else:
                        app.call_from_thread(app.exit)
                    break
                except RuntimeError:
                    closed.wait(0.05)

    signal.signal(signal.SIGTERM, lambda *_: app.exit())
    worker = threading.Thread(target=serve, name="station")
    with logging_to_file(config) as log_file:
        worker.start()
        try:
            app.run()
        finally:
            closed.set()
            stop.set()
            worker.join()
    if log_file is not None:
        print(f"station log: {log_file}")
    if failure:
        raise failure[0]
    _refuse(station, few_refused)


def _refuse(station: Station, few: bool) -> None:
    """UsageError (exit 2) after a file's run that gives no findings (``refusal``)."""
    if (why := refusal(station, few)) is not None:
        raise UsageError(why)


def refusal(station: Station, few: bool) -> str | None:
    """Why a file's run gives no findings, or none for the whole file, or None
    (``Station.fit_verdict``: its steps were not shown, the facing the station was given
    contradicted by the runner's feet, or got no cues, its time base, its scale or its belt
    speed not fitting a runner; ``cut_problem``: its run ended at a cut the runner jumps with;
    ``slowed_verdict``: a part slowed between steps at real speed;
    ``steps_verdict``: too few steps to judge a runner by, played to its end, when ``few``;
    analyze refuses such a file as well). A camera's station has said so in its status and
    log, and a planned stop is no error."""
    if station.source.info.live:
        return None
    return (
        station.fit_verdict
        or station.cut_problem
        or station.slowed_verdict
        or (station.steps_verdict if few else None)
    )
