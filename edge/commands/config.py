"""The configuration: ``hipdrive config check``."""

from __future__ import annotations

import argparse

from edge.config import CONFIG_ENV, Config, default_config_path, load_config
from edge.errors import UsageError
from edge.pose.models import FETCH_COMMAND


def cmd_config_check(args: argparse.Namespace) -> int:
    if args.file and args.config_file and args.file != args.config_file:
        raise UsageError(
            f"two files to check, {args.file} and --config {args.config_file}: give one"
        )
    file = args.file or args.config_file
    config = load_config(file)
    # The file a station started here would read: ./config.toml was once checked but called
    # "built-in defaults".
    found = file or default_config_path()
    where = found or f"built-in defaults (no config.toml here, no ${CONFIG_ENV})"
    calibration, problem = _calibration(config)
    print(f"{where}: {'ok' if problem is None else 'valid, but its calibration is refused'}")
    print(f"  station {config.station.id}, data in {config.station.data_dir}")
    print(
        f"  source {config.camera.source} at {config.camera.width}x{config.camera.height} "
        f"{config.camera.fps:g} fps"
    )
    model = config.model_path()
    fetch = "" if model.exists() else f" (not there yet: {FETCH_COMMAND})"
    print(f"  pose {config.pose.backend} {model} imgsz {config.pose.imgsz}{fetch}")
    print(f"  bus publish {config.bus.publish}, control {config.bus.control}{_held(config)}")
    print(f"  {calibration}")
    if problem is not None:
        raise UsageError(f"a station started with this configuration would stop: {problem}")
    return 0


def _held(config: Config) -> str:
    """Notes on the bus endpoints this machine cannot bind now, or "". A station started with
    this file would stop on them; one already running holds them itself, so this is said, not
    failed (the installer checks the file of the station it is replacing)."""
    notes = [
        note for endpoint in (config.bus.publish, config.bus.control) if (note := _taken(endpoint))
    ]
    return "".join(f"\n  note: {note}" for note in notes)


def _taken(endpoint: str) -> str | None:
    """Why ``endpoint`` cannot be bound now, or None. A tcp:// port is tried by binding it; an
    ipc:// socket file by connecting to it, as binding one takes the file over from the station
    that holds it, leaving that station unreachable (a review)."""
    import errno
    import socket

    import zmq

    from edge.bus.publisher import context

    in_use = (
        f"{endpoint} is in use now: by a station already running (stop it first) or another "
        "program (change bus.publish / bus.control)"
    )
    if endpoint.startswith("ipc://"):
        path = endpoint.removeprefix("ipc://")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(path)
            except OSError:
                return None  # no file, or one nobody listens on: the station binds it anew
        return in_use
    if not endpoint.startswith("tcp://"):
        return None
    sock = context().socket(zmq.PUB)
    try:
        sock.bind(endpoint)
    except zmq.ZMQError as exc:
        return (
            in_use
            if exc.errno == errno.EADDRINUSE
            else f"{endpoint} cannot be bound on this machine: {exc}"
        )
    finally:
        sock.close(linger=0)
    return None


def _calibration(config: Config) -> tuple[str, str | None]:
    """What the station would take from ``calibration.file``, and why it would refuse it (made
    at another size than the camera is set to deliver) or None. A user trial's check said "ok"
    for a calibration the station then refused."""
    from calibrate.fileformat import load_calibration
    from edge.capture import is_camera, parse_source_spec

    path = config.calibration.file
    kind, _ = parse_source_spec(config.camera.source)
    if kind.name == "demo":
        return "calibration: the demo's own (calibration.file is not read)", None
    if not path.is_file():
        return f"calibration: none at {path} (distances in % of the leg until one is made)", None
    size = (config.camera.width, config.camera.height) if is_camera(config.camera.source) else None
    try:
        calibration = load_calibration(path, size)
    except UsageError as exc:
        return f"calibration {path}: refused at the size camera.width/height set", str(exc)
    parts = [
        name
        for name, there in (("lens", calibration.intrinsics), ("plane", calibration.plane))
        if there is not None
    ]
    what = " and ".join(parts) or "neither lens nor plane"
    w, h = calibration.image_size
    return f"calibration {path}: {what}, {w}x{h}, camera {calibration.camera}", None
