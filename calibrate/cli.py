"""``hipdrive calibrate board|intrinsics|plane|check``: arguments and dispatch.

edge/cli.py adds the parser with ``add_parser``; ``edge.commands.setup`` calls ``run`` with the
station's defaults (calibration file, camera source and capture settings), so this package never
reads the station's configuration itself. The commands live in ``calibrate.commands``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np

from calibrate.boardspec import BOARD_USAGE, DEFAULT_BOARD, PAPERS_MM, BoardSpec, parse_board
from calibrate.defaults import StationDefaults
from edge.errors import UsageError


def add_parser(
    sub: argparse._SubParsersAction,
    parents: list[argparse.ArgumentParser],
    fn: Callable[[argparse.Namespace], int],
) -> None:
    """Add ``calibrate`` and its actions to ``sub``; each action calls ``fn``."""
    text = "once per installation: camera intrinsics, the treadmill plane, checks"
    calibrate = sub.add_parser("calibrate", help=text, description=text)
    actions = calibrate.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, help_text: str, board: bool = True) -> argparse.ArgumentParser:
        p = actions.add_parser(name, help=help_text, description=help_text, parents=parents)
        p.set_defaults(fn=fn)
        if board:
            p.add_argument("--board", type=_board, default=DEFAULT_BOARD, help=board_help)
        return p

    board_help = f"{BOARD_USAGE}; COLSxROWS counts squares (default {DEFAULT_BOARD})"

    p = action("board", "write a printable board at true scale (PNG and PDF)")
    p.add_argument(
        "--out", type=Path, default=Path("board.png"), help="PNG file; the PDF goes beside it"
    )
    p.add_argument("--paper", choices=list(PAPERS_MM), default="a3", help="default a3")
    p.add_argument("--dpi", type=float, default=300.0, help="print resolution (default 300)")

    p = action("intrinsics", "solve the lens (focal length, centre, distortion) from board views")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--source", help="live frame source SPEC (default: camera.source)")
    where.add_argument("--images", type=Path, help="folder of still images of the board")
    where.add_argument("--video", type=Path, help="video of the board being moved about")
    p.add_argument("--out", type=Path, help="calibration file (default: calibration.file)")
    p.add_argument(
        "--camera",
        help="camera identity to record (default: the source SPEC; with --video or --images, "
        "the configuration's camera.source, taken to have filmed them)",
    )
    p.add_argument("--every", type=_positive_int, default=1, help="use every Nth video frame")
    p.add_argument(
        "--timeout", type=float, default=300.0, help="live: stop collecting after S seconds"
    )

    p = action("plane", "map the image to the runner's plane (board upright on the belt)")
    p.add_argument(
        "--facing",
        required=True,
        choices=["left", "right"],
        help="which way the runner faces in the image",
    )
    _frame_arguments(p)
    p.add_argument(
        "--belt-line",
        type=_points,
        metavar="X1,Y1,X2,Y2",
        help="two image pixels on the belt (default: below the board's bottom edge)",
    )
    p.add_argument(
        "--board-lift",
        type=float,
        default=0.0,
        metavar="M",
        help="metres from the belt up to the pattern's bottom edge (default 0: sheet folded)",
    )
    p.add_argument(
        "--roi",
        type=_roi,
        metavar="X,Y,W,H",
        help="image region of the runner (default: 1 m either way of the board, 2.1 m up)",
    )
    p.add_argument(
        "--points",
        type=_points,
        metavar="X1,Y1,X2,Y2",
        help="no board: image pixels of two marks along the belt (with --distance, --belt-line)",
    )
    p.add_argument("--distance", type=float, metavar="M", help="metres between the --points")
    p.add_argument("--camera", help="camera identity (default: as calibrated, else the source)")

    p = action(
        "check",
        "draw the plane grid, belt line and ROI over a frame; print the errors",
        board=False,
    )
    _frame_arguments(p)
    p.add_argument(
        "--out", type=Path, default=Path("calibration-check.png"), help="PNG file to write"
    )
    p.add_argument(
        "--px-error",
        type=float,
        default=1.0,
        metavar="PX",
        help="keypoint error to propagate (default 1 px)",
    )


def _frame_arguments(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--image", type=Path, help="a still image from the station's camera")
    where.add_argument("--source", help="frame source SPEC (default: camera.source)")
    p.add_argument("--calibration", type=Path, help="calibration file (default: calibration.file)")


def run(args: argparse.Namespace, defaults: StationDefaults) -> int:
    """Run the calibrate action ``args.action``; returns the exit code."""
    # OpenCV and the solvers load only when a calibrate command runs, not for every hipdrive.
    from calibrate import commands

    actions: dict[str, Callable[[argparse.Namespace, StationDefaults], int]] = {
        "board": commands.board,
        "intrinsics": commands.intrinsics,
        "plane": commands.plane,
        "check": commands.check,
    }
    return actions[args.action](args, defaults)


def _board(text: str) -> BoardSpec:
    try:
        return parse_board(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _numbers(text: str, n: int) -> list[float]:
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != n or not all(np.isfinite(values)):
        raise argparse.ArgumentTypeError(f"{text!r}: expected {n} numbers separated by commas")
    return values


def _points(text: str) -> np.ndarray:
    return np.array(_numbers(text, 4)).reshape(2, 2)


def _roi(text: str) -> tuple[int, int, int, int]:
    x, y, w, h = (round(v) for v in _numbers(text, 4))
    return x, y, w, h


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number >= 1")
    return int(text)
