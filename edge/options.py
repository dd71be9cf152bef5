"""Command-line options several commands share, declared and checked in one place: the plane
(``--calibration``, ``--meters-per-pixel``, ``--facing``), ``--belt-speed``, and a video
file's time base and window (``--fps``, ``--capture-fps``, ``--slowmo``, ``--start``,
``--end``). Every value or combination that cannot be is a UsageError saying what to give."""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from edge.capture.timebase import SLOWMO_HELP, FileTiming
from edge.config import Config, GaitSection, describe_errors
from edge.errors import UsageError

if TYPE_CHECKING:
    from calibrate.model import Calibration

#: largest --meters-per-pixel: a 1.8 m runner is then still 18 pixels tall
MAX_METERS_PER_PIXEL = 0.1

TIMING_FLAGS = ("fps", "capture_fps", "slowmo", "start", "end")


class Once(argparse.Action):
    """A flag's value, the flag refused when given again with another one: argparse would take
    the last without a word (a review's ``--facing right --facing left`` measured facing left,
    and ``--calibration A --calibration B`` used B)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        given = getattr(namespace, self.dest, None)
        if given is not None and given != values:
            raise argparse.ArgumentError(
                self, f"given twice ({given}, then {values}): give it once"
            )
        setattr(namespace, self.dest, values)


def add_plane_arguments(
    parser: argparse.ArgumentParser, facing_default: str, calibration_default: str
) -> None:
    """--calibration, --meters-per-pixel and --facing; the defaults say where the facing and
    the calibration come from when they are not given."""
    parser.add_argument(
        "--calibration",
        action=Once,
        type=Path,
        metavar="FILE",
        help=f"calibration file, distances in metres ({calibration_default})",
    )
    parser.add_argument(
        "--meters-per-pixel",
        action=Once,
        type=float,
        metavar="M",
        help="scale at the runner for an uncalibrated camera, metres per pixel",
    )
    parser.add_argument(
        "--facing",
        action=Once,
        choices=["left", "right"],
        help=f"runner faces (default: {facing_default})",
    )


def add_belt_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--belt-speed",
        action=Once,
        type=float,
        metavar="MPS",
        help="treadmill belt speed in m/s, for stride length (default: gait.belt_speed_mps)",
    )


def played_seconds(text: str) -> float:
    """``--start``/``--end``: seconds (``75.5``), or minutes and seconds (``1:15.5``, hours
    too: ``1:01:15``) as a player shows them (a review's ``--start 0:03`` was told "invalid
    float value"). Its bounds are checked with the window (``FileTiming``)."""
    *whole, last = text.strip().split(":")
    try:
        seconds = float(last)
        # Minutes under an hour are under 60 too (1:75:00 had been taken as 2:15:00).
        if whole and not (
            len(whole) <= 2
            and all(w.isdigit() for w in whole)
            and 0 <= seconds < 60
            and (len(whole) == 1 or int(whole[1]) < 60)
        ):
            raise ValueError(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give seconds (75.5) or minutes:seconds (1:15.5) as a player shows them"
        ) from None
    # minutes, then hours
    return seconds + sum(int(w) * 60**k for k, w in enumerate(reversed(whole), 1))


def add_timing_arguments(parser: argparse.ArgumentParser, which: str = "") -> None:
    """A video file's time base and window; ``which`` says which file, for the help."""
    parser.add_argument(
        "--fps",
        action=Once,
        type=float,
        metavar="N",
        help=f"the file's frame rate{which}, when its container states a wrong one",
    )
    parser.add_argument(
        "--capture-fps",
        action=Once,
        type=float,
        metavar="N",
        help="frames per second the camera filmed at (slow motion); default: the file's "
        "metadata, else its frame rate",
    )
    parser.add_argument(
        "--slowmo", action=Once, type=float, metavar="X", help=f"slow motion: {SLOWMO_HELP}"
    )
    parser.add_argument(
        "--start",
        action=Once,
        type=played_seconds,
        metavar="S",
        help="use the video from S seconds, or M:SS (as a player shows)",
    )
    parser.add_argument(
        "--end",
        action=Once,
        type=played_seconds,
        metavar="S",
        help="use the video up to S seconds, or M:SS (as a player shows)",
    )


def file_timing(args: argparse.Namespace) -> FileTiming:
    """The time base and window the user gave (checked: FileTiming)."""
    return FileTiming(args.fps, args.capture_fps, args.slowmo, args.start, args.end)


def timing_given(args: argparse.Namespace) -> list[str]:
    """The time-base and window flags given, as typed (``--capture-fps``)."""
    return [
        f"--{name.replace('_', '-')}" for name in TIMING_FLAGS if getattr(args, name) is not None
    ]


@dataclass(frozen=True, slots=True)
class Plane:
    """What is known about the camera's view: a calibration, or a scale, and the facing."""

    calibration: Calibration | None
    meters_per_pixel: float | None
    facing: str | None

    @property
    def measured(self) -> bool:
        """Calibrated with a treadmill plane: distances in metres, facing recorded."""
        return self.calibration is not None and self.calibration.plane is not None


def plane_of(
    args: argparse.Namespace,
    image_size: tuple[int, int] | None = None,
    config_calibration: Path | None = None,
) -> Plane:
    """The plane the flags give. Without --calibration and --meters-per-pixel, the calibration
    at ``config_calibration`` is used when that file exists (None: no default calibration)."""
    from calibrate.fileformat import calibration_if_present, load_calibration
    from edge.gait.fit import MPP_HOW

    mpp = args.meters_per_pixel
    if args.calibration is not None and mpp is not None:
        raise UsageError(
            "--calibration measures the plane and --meters-per-pixel guesses its scale: give "
            "one of them"
        )
    if mpp is not None and not (math.isfinite(mpp) and 0 < mpp <= MAX_METERS_PER_PIXEL):
        raise UsageError(
            f"--meters-per-pixel {mpp:g}: must be > 0 and at most {MAX_METERS_PER_PIXEL:g} "
            f"({MPP_HOW})"
        )
    calibration: Calibration | None = None
    if args.calibration is not None:
        calibration = load_calibration(args.calibration, image_size)
    elif mpp is None and config_calibration is not None:
        calibration = calibration_if_present(config_calibration, image_size)
    plane = calibration.plane if calibration is not None else None
    if plane is not None and args.facing is not None and args.facing != plane.facing:
        raise UsageError(
            f"--facing {args.facing}, but the calibration {args.calibration or config_calibration} "
            f"was made with the runner facing {plane.facing}: leave --facing out, or calibrate "
            f"the plane again (hipdrive calibrate plane --facing {args.facing})"
        )
    return Plane(calibration, mpp, plane.facing if plane is not None else args.facing)


def with_belt_speed(config: Config, args: argparse.Namespace) -> Config:
    """``config`` with --belt-speed, when given, as gait.belt_speed_mps (checked as the
    configuration checks it)."""
    if args.belt_speed is None:
        return config
    try:
        gait = GaitSection.model_validate(
            {**config.gait.model_dump(), "belt_speed_mps": args.belt_speed}
        )
    except ValidationError as exc:
        rule = describe_errors(exc)[0].partition(": ")[2]
        raise UsageError(f"--belt-speed {args.belt_speed:g} (metres per second): {rule}") from None
    return config.model_copy(update={"gait": gait})


def scale_of(config: Config, args: argparse.Namespace, plane: Plane) -> tuple[str, str] | None:
    """What gives an analysis its distances in metres, and how to put it right (None: nothing,
    distances in leg lengths)."""
    from edge.gait.fit import scale_named

    calibration = (args.calibration or config.calibration.file) if plane.measured else None
    return scale_named(plane.meters_per_pixel, None if calibration is None else str(calibration))


def belt_given(args: argparse.Namespace) -> str:
    """Where the belt speed in use was given."""
    return "--belt-speed" if args.belt_speed is not None else "gait.belt_speed_mps"
