"""The calibrate commands behind ``hipdrive calibrate``: they print for the installer."""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from calibrate.board import BoardFinder, Detection, Rejection, average_detections
from calibrate.check import RUNNING_AREA_M, draw_check, expected_error
from calibrate.defaults import StationDefaults
from calibrate.fileformat import calibration_if_present, load_calibration, write_calibration
from calibrate.intrinsics import solve_intrinsics
from calibrate.model import Calibration, Intrinsics
from calibrate.plane import plane_from_board, plane_from_points
from calibrate.printable import pdf_bytes, png_bytes, render_sheet
from calibrate.views import PER_CELL, PER_FRONTAL, PER_TILT, ViewCollector
from edge.capture import FrameSource, is_camera, open_source
from edge.errors import MissingResourceError, UsageError
from edge.progress import Progress

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
#: frames a live camera needs to settle its exposure before one is used
WARMUP_FRAMES = 10
#: frames of a still board averaged for the plane
PLANE_FRAMES = 10


def board(args: argparse.Namespace, defaults: StationDefaults) -> int:
    sheet = render_sheet(args.board, args.paper, args.dpi)
    pdf = args.out.with_suffix(".pdf")
    _write(args.out, png_bytes(sheet, args.dpi))
    _write(pdf, pdf_bytes(sheet, args.dpi))
    print(f"wrote {args.out} and {pdf}: {args.board} on {args.paper} at {args.dpi:g} dpi")
    print(
        f"print at 100% (no fit to page), check with a ruler that a square measures "
        f"{1000 * args.board.square_m:.1f} mm, and glue it to something flat and rigid"
    )
    return 0


def intrinsics(args: argparse.Namespace, defaults: StationDefaults) -> int:
    out = args.out or defaults.calibration_file
    finder = BoardFinder(args.board)
    if args.images is not None:
        collector, labels = _collect_images(args.images, finder)
        camera = args.camera or defaults.source
    else:
        spec = f"file:{args.video}" if args.video is not None else args.source or defaults.source
        camera = args.camera or (defaults.source if args.video is not None else spec)
        with _open(spec, defaults, "--images DIR or --video FILE") as source:
            collector = ViewCollector(args.board, (source.info.width, source.info.height))
            if source.info.live:
                labels = _collect_live(source, finder, collector, args.timeout)
            else:
                labels = _collect_video(source, finder, collector, args.every)
    print("coverage (# done, + partly, . not yet):")
    for row in collector.coverage_map():
        print(f"    {row}")
    if missing := collector.missing():
        # A user trial read "adds top right" for two views, then "still short of: top right".
        print(
            f"still short of: {', '.join(missing)} (a region wants {PER_CELL} views, '+' in the "
            f"map: fewer; a tilt {PER_TILT}, facing the camera {PER_FRONTAL}); solved with the "
            "views there are: if the RMS error below is not good, add views there and "
            "calibrate again"
        )
    solution = solve_intrinsics(args.board, collector.views, collector.image_size)
    K, d = solution.K, solution.dist
    print(f"intrinsics from {len(solution.view_errors_px)} views ({len(solution.dropped)} dropped)")
    print(f"  fx {K[0, 0]:.2f}  fy {K[1, 1]:.2f}  cx {K[0, 2]:.2f}  cy {K[1, 2]:.2f} px")
    print(f"  distortion k1 {d[0]:.4f}  k2 {d[1]:.4f}  p1 {d[2]:.5f}  p2 {d[3]:.5f}  k3 {d[4]:g}")
    print(f"  RMS reprojection error {solution.rms_px:.3f} px (good below 0.5)")
    print(
        "  per view (px): " + ", ".join(f"{labels[i]} {e:.2f}" for i, e in solution.view_errors_px)
    )
    if solution.dropped:
        print("  dropped: " + ", ".join(f"{labels[i]} {e:.2f} px" for i, e in solution.dropped))
    if solution.rms_px > 0.5:
        print("  the error is high: use a flatter board, sharper images and more varied views")
    try:
        previous = calibration_if_present(out)
    except UsageError as exc:
        print(f"replacing {out}, which could not be read ({exc})")
        previous = None
    if previous is not None and previous.plane is not None:
        print(f"the plane in {out} depended on the old lens and was removed")
    intrinsics = Intrinsics(K=K, dist=d, rms_px=solution.rms_px)
    write_calibration(out, Calibration(camera, collector.image_size, _now(), intrinsics=intrinsics))
    print(f"wrote {out}; next, with the board upright on the belt:")
    print("  hipdrive calibrate plane --facing left|right")
    if _recorded(args, defaults) and (refused := _station_refuses(collector.image_size, defaults)):
        print(f"note: {refused}")
    return 0


def _collect_images(folder: Path, finder: BoardFinder) -> tuple[ViewCollector, list[str]]:
    """Offer every image in a folder, printing what became of each; labels name the views."""
    if not folder.is_dir():
        raise UsageError(f"--images {folder}: not a folder; give the folder of board images")
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    first = next((i for i in (cv2.imread(str(p)) for p in paths) if i is not None), None)
    if first is None:
        raise UsageError(f"no readable images ({', '.join(IMAGE_SUFFIXES)}) in {folder}")
    collector = ViewCollector(finder.spec, (first.shape[1], first.shape[0]))
    labels: list[str] = []
    progress = Progress("images", total=len(paths))
    for path in paths:
        print(f"{path.name}: {_offer_image(path, finder, collector, labels)}")
        progress.update()
    progress.close()
    return collector, labels


def _offer_image(
    path: Path, finder: BoardFinder, collector: ViewCollector, labels: list[str]
) -> str:
    """What became of one image; an accepted view's label is appended to ``labels``."""
    image = cv2.imread(str(path))
    if image is None:
        return "cannot read, skipped"
    if (image.shape[1], image.shape[0]) != collector.image_size:
        w, h = collector.image_size
        raise UsageError(
            f"{path.name} is {image.shape[1]}x{image.shape[0]} but the first image is {w}x{h}; "
            "use images of one camera at one resolution"
        )
    found = finder.find(image)
    if isinstance(found, Rejection):
        return f"rejected, {found.reason}"
    verdict = collector.offer(found)
    if not verdict.accepted:
        return f"not used, {verdict.reason}"
    labels.append(path.name)
    return f"view {len(labels)}, {verdict.reason}"


def _collect_video(
    source: FrameSource, finder: BoardFinder, collector: ViewCollector, every: int
) -> list[str]:
    """Offer every ``every``-th frame; report accepted views and a count of the rest."""
    labels: list[str] = []
    rejected: Counter[str] = Counter()
    total = source.info.frame_count
    progress = Progress("frames", total=None if total is None else -(-total // every))
    while (frame := source.read()) is not None:
        if frame.index % every:
            continue
        progress.update()
        found = finder.find(frame.image)
        if isinstance(found, Rejection):
            rejected[found.kind] += 1
            continue
        verdict = collector.offer(found)
        if not verdict.accepted:
            rejected[verdict.kind] += 1
            continue
        labels.append(f"frame {frame.index}")
        print(f"frame {frame.index}: view {len(labels)}, {verdict.reason}")
    progress.close()
    if rejected:
        print("frames not used: " + ", ".join(f"{n} {kind}" for kind, n in rejected.most_common()))
    return labels


def _collect_live(
    source: FrameSource, finder: BoardFinder, collector: ViewCollector, timeout_s: float
) -> list[str]:
    """Offer live frames until the coverage is complete, the time is up, or Ctrl-C."""
    labels: list[str] = []
    print(
        "move the board slowly through the whole image, tilting it each way; "
        "Ctrl-C stops early and solves with the views so far"
    )
    print("still needed: " + ", ".join(collector.missing()))
    progress = Progress("coverage", total=collector.needed)
    deadline = time.monotonic() + timeout_s
    try:
        while not collector.complete and time.monotonic() < deadline:
            frame = source.read()
            if frame is None:
                break
            found = finder.find(frame.image)
            if isinstance(found, Rejection):
                continue
            before = collector.filled
            verdict = collector.offer(found)
            if verdict.accepted:
                labels.append(f"view {len(labels) + 1}")
                progress.update(collector.filled - before)
                still = ", ".join(collector.missing()) or "nothing"
                print(f"view {len(labels)}: {verdict.reason}; still needed: {still}")
    except KeyboardInterrupt:
        print("stopped; solving with the views so far")
    progress.close()
    return labels


def plane(args: argparse.Namespace, defaults: StationDefaults) -> int:
    path = args.calibration or defaults.calibration_file
    frames, source_name = _frames(args, defaults, 1 if args.points is not None else PLANE_FRAMES)
    size = (frames[0].shape[1], frames[0].shape[0])
    lens = calibration_if_present(path, size, args.camera)
    if lens is None:
        lens = Calibration(args.camera or source_name, size, _now())
    if lens.intrinsics is None:
        print(
            f"note: no lens calibration in {path}, so distortion is not corrected; "
            "run hipdrive calibrate intrinsics first for accuracy away from the image centre"
        )
    if args.points is not None:
        if args.distance is None or args.belt_line is None:
            raise UsageError("--points needs --distance M and --belt-line X1,Y1,X2,Y2 as well")
        fitted = plane_from_points(
            lens, args.points, args.distance, args.belt_line, args.facing, args.roi
        )
        how = f"two marks {args.distance:g} m apart"
    else:
        detection = _board_in(frames, BoardFinder(args.board))
        fitted = plane_from_board(
            lens, args.board, detection, args.facing, args.belt_line, args.board_lift, args.roi
        )
        how = f"{len(detection.ids)} board corners, fit {fitted.rms_px:.2f} px"
    calibration = Calibration(lens.camera, size, _now(), lens.intrinsics, fitted)
    write_calibration(path, calibration)
    line = f"{_pair(fitted.belt_line[0])} - {_pair(fitted.belt_line[1])}"
    print(f"plane from {how}; runner faces {fitted.facing}")
    print(f"  belt line {line}, roi {fitted.roi}")
    _print_errors(calibration, 1.0)
    print(f"wrote {path}; next: hipdrive calibrate check")
    if _recorded(args, defaults) and (refused := _station_refuses(size, defaults)):
        print(f"note: {refused}")
    return 0


#: the pixels a board's square spans at the least for its markers to be read: a user trial's
#: 50 mm squares, 3 m from a 1280x720 camera 70 deg across (15 px), were not found at all, at 2.8
#: m 0 of 24 corners, at 2.5 m (18 px) found
SQUARE_LEAST_PX = 20
#: a bigger board for a camera far from the belt: 75 mm squares, on A3 (not told to one whose
#: squares are that big already)
FAR_BOARD = "charuco:5x3:0.075:0.056"
FAR_SQUARE_M = 0.075
#: the camera the hint's example is of: 1280 pixels 70 deg across, 3 m from the belt, as the
#: README places it
EXAMPLE_FOCAL_PX = 900.0
EXAMPLE_DISTANCE_M = 3.0


def _board_in(frames: list[np.ndarray], finder: BoardFinder) -> Detection:
    found = [finder.find(frame) for frame in frames]
    detections = [d for d in found if isinstance(d, Detection)]
    if not detections:
        last = found[-1]
        reason = last.reason if isinstance(last, Rejection) else ""
        smaller = finder.spec.square_m < FAR_SQUARE_M
        if isinstance(last, Rejection) and last.kind in ("no board", "partial") and smaller:
            square_m = finder.spec.square_m
            wide = EXAMPLE_FOCAL_PX * square_m / EXAMPLE_DISTANCE_M
            reason += (
                f". If the board is in view, its squares may be too small in the picture to be "
                f"read ({SQUARE_LEAST_PX} pixels each at the least; a 1280x720 camera 70 deg "
                f"across, {EXAMPLE_DISTANCE_M:g} m away, sees {1000.0 * square_m:g} mm squares "
                f"{wide:.0f} pixels wide): print bigger ones "
                f"(hipdrive calibrate board --board {FAR_BOARD}, on A3) and give the same "
                "--board here"
            )
        raise UsageError(
            f"{reason}; stand the board upright on the belt in the runner's line, or use "
            "--points/--distance/--belt-line without a board"
        )
    return average_detections(detections)


def check(args: argparse.Namespace, defaults: StationDefaults) -> int:
    if args.px_error <= 0:
        raise UsageError(f"--px-error {args.px_error:g}: must be > 0")
    path = args.calibration or defaults.calibration_file
    # Read before the camera opens: a user trial without a calibration heard of the camera
    # first.
    load_calibration(path)
    frames, _ = _frames(args, defaults, 1)
    frame = frames[-1]
    calibration = load_calibration(path, (frame.shape[1], frame.shape[0]))
    calibration.require_plane()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(args.out), draw_check(frame, calibration)):
        raise UsageError(f"cannot write {args.out}; check the folder exists and is writable")
    w, h = calibration.image_size
    print(f"{path}: camera {calibration.camera!r} at {w}x{h}")
    if (intr := calibration.intrinsics) is not None:
        K = intr.K
        print(f"  lens: fx {K[0, 0]:.1f}  fy {K[1, 1]:.1f}  rms {intr.rms_px:.2f} px")
    else:
        print("  lens: not calibrated (no distortion correction)")
    _print_errors(calibration, args.px_error)
    print(f"wrote {args.out}: the grid should sit on the board and the red line on the belt")
    if _recorded(args, defaults) and (
        refused := _station_refuses(calibration.image_size, defaults)
    ):
        raise UsageError(refused)
    return 0


def _recorded(args: argparse.Namespace, defaults: StationDefaults) -> bool:
    """Whether a command's frames came from stills or a video (``--image``, ``--images``,
    ``--video``) or another source than the station's own camera, which gives the station the
    pictures it gives here, whatever size they are (a review: a camera that cannot give
    camera.width/height delivers another, the station's too)."""
    given = (getattr(args, name, None) for name in ("image", "images", "video"))
    return any(f is not None for f in given) or (args.source or defaults.source) != defaults.source


def _station_refuses(size: tuple[int, int], defaults: StationDefaults) -> str | None:
    """Why a station started with this configuration would refuse a calibration made at ``size``
    (width, height): its camera set to deliver another (``camera.width``/``height``), as
    ``hipdrive config check`` says; None where it would take it, or its source is no camera. A
    user trial calibrated from a recording at 1280x720, its camera set to 1920x1080: every
    calibrate command passed, and the station then stopped."""
    want = (defaults.capture.width, defaults.capture.height)
    if not is_camera(defaults.source) or tuple(size) == want:
        return None
    (w, h), (cw, ch) = size, want
    return (
        f"this calibration is for {w}x{h} pictures, but camera.width/height are {cw}x{ch}: a "
        "station started with this configuration would refuse it; set camera.width/height to "
        f"{w}x{h}, or calibrate at {cw}x{ch}"
    )


def _print_errors(calibration: Calibration, px: float) -> None:
    plane = calibration.require_plane()
    errors = expected_error(calibration, px)
    x0, x1, y0, y1 = RUNNING_AREA_M
    print(f"  scale at the belt: {1000 * plane.meters_per_pixel_at_belt:.2f} mm per pixel")
    print(
        f"  a {px:g} px keypoint error is {errors.at_belt_cm:.2f} cm at the belt, "
        f"{errors.area_mean_cm:.2f} cm on average and {errors.area_max_cm:.2f} cm at most over "
        f"the running area (x {x0:+g} to {x1:+g} m, y {y0:g} to {y1:g} m)"
    )
    if errors.fit_cm is not None:
        print(f"  the plane fit itself adds {errors.fit_cm:.2f} cm at the belt")
    if errors.camera_distance_m is not None:
        print(
            f"  camera {errors.camera_distance_m:.2f} m from the runner's plane: a point 10 cm "
            f"nearer or farther (the far leg) reads {10 / errors.camera_distance_m:.1f}% "
            "larger or smaller"
        )
    if errors.camera_distance_m is not None and errors.camera_forward_m is not None:
        from edge.gait.metrics import FOOT_OFFSET_M  # the gait engine's: loads numba, 0.7 s

        shift = 100 * FOOT_OFFSET_M * abs(errors.camera_forward_m) / errors.camera_distance_m
        angle = math.degrees(math.atan2(abs(errors.camera_forward_m), errors.camera_distance_m))
        print(
            f"  camera {angle:.0f} deg off square at the board: a foot landing "
            f"{100 * FOOT_OFFSET_M:.0f} cm beside the plane reads {shift:.1f} cm along the belt "
            "from where it is, which the station undoes"
        )


def _frames(
    args: argparse.Namespace, defaults: StationDefaults, count: int
) -> tuple[list[np.ndarray], str]:
    """BGR frames from --image, --source or the station's camera, and the source's name."""
    if args.image is not None:
        image = cv2.imread(str(args.image))
        if image is None:
            raise UsageError(f"cannot read image {args.image}; give a PNG or JPEG file")
        return [image], defaults.source
    spec = args.source or defaults.source
    frames: list[np.ndarray] = []
    with _open(spec, defaults, "--image FILE or --source file:VIDEO") as source:
        skip = WARMUP_FRAMES if source.info.live else 0
        while len(frames) < count and (frame := source.read()) is not None:
            if frame.index >= skip:
                frames.append(frame.image)
    if not frames:
        raise UsageError(f"{spec} gave no frames; check the source")
    return frames, spec


def _open(spec: str, defaults: StationDefaults, files: str) -> FrameSource:
    """The source ``spec``; a camera that cannot be opened is told with what calibrates from
    files (a user trial without a camera was given only hardware advice, where the docs offer
    ``files``)."""
    try:
        return open_source(spec, defaults.capture)
    except MissingResourceError as exc:
        if not is_camera(spec):
            raise
        raise MissingResourceError(f"{exc}; or calibrate from a recording: {files}") from None


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _pair(point: np.ndarray) -> str:
    return f"({point[0]:.0f}, {point[1]:.0f})"
