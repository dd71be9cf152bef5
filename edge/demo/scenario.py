"""What a rendered clip shows and how it is filmed: the demo, and every condition it is varied in.

A ``Scenario`` is the whole recipe of a clip but its length: the camera (where it stands, how it
is turned, the picture's size and shape), the frame rate and shutter, the sensor's noise, the
light, the room, a second person passing behind the treadmill, the handrail, and the runner's
size, build and colours. ``Scenario()`` is the demo clip of ``hipdrive demo`` exactly; each
field at its default adds nothing to a clip's identity (``changes``), so the demo's cached clip
stays valid. The motion is always the Fukuchi 2017 recording (CC-BY 4.0, ``edge.demo.mocap``),
so the force plate's contacts stay the truth whatever the picture looks like.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Literal

from edge.demo.mocap import PACKED_KEY, TRIALS, WALKER, MocapTrial, load_trial, walking_trial
from edge.demo.scene import SideCamera, UpperBody, resized

Colour = tuple[int, int, int]
"""BGR, 0-255."""

CAMERA = SideCamera(
    image_size=(1280, 720), focal_px=900.0, distance_m=3.0, height_m=0.9, forward_m=0.15
)
"""The demo's camera: 3 m beside the belt at 0.9 m, aimed 15 cm ahead of the runner's hips."""
ROOMS = ("gym", "plain")


@dataclass(frozen=True, slots=True)
class Look:
    """How the runner is dressed and what their skin is like: colours, BGR."""

    skin: Colour = (112, 150, 205)
    hair: Colour = (28, 36, 50)
    shirt: Colour = (52, 62, 200)
    shorts: Colour = (52, 38, 32)
    sock: Colour = (225, 228, 230)
    shoe: Colour = (190, 110, 40)
    sole: Colour = (235, 238, 240)
    tread: Colour = (60, 60, 66)
    collar: Colour = (70, 50, 35)
    """The shoe's padded collar."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """One way of filming the runner; ``Scenario()`` is the demo.

    camera: where the camera stands and how it is turned (``SideCamera``: yaw, pitch, height,
        distance, focal length, image size: landscape or portrait, and so what it crops).
    fps: frames per second, each rendered from the 150 Hz motion capture at its own time.
    exposure_s, subframes: the shutter's open time, centred on the frame time, and how many
        moments inside it are averaged: the motion blur.
    noise_sigma: sensor noise, standard deviation in 8-bit levels per channel.
    light: the picture's overall brightness, 1 the demo's; below 1 a dim room.
    uneven_light: the light falls across the picture from left to right: the gain goes from
        ``1 + uneven_light / 2`` to ``1 - uneven_light / 2`` (times ``light``).
    room: ``"gym"`` (windows, racks, a bench, a plant) or ``"plain"`` (bare wall and floor).
    passer: a second person jogging past, behind the treadmill, every few seconds.
    coach: a second person standing still beside the front of the treadmill, nearer the camera
        than the runner (the data set's standing trial).
    neighbour: a second runner on the next treadmill behind, 1.5 m further from the camera,
        running the same recording out of step.
    runner: which recording runs: of the running data set (``edge.demo.mocap.TRIALS``) RBDS001
        (2.5 m/s, shipped with the package), RBDS032 (2.5 m/s) or RBDS0041 (4.6 m/s), the last
        two read from the data set's folder (``recording``); a packed trial of the data set by
        its key (``RBDS003-35``: runner and speed, ``edge.demo.mocap.read_packed``), read from
        the folder of packed trials; or the walker ``SI02`` (1.1 m/s, shipped with the package,
        ``edge.demo.mocap.WALKER``).
    handrail: the treadmill's side rails, the near one in front of the runner at hip height.
    scale: the runner's size: the recording and the synthesised upper body scaled about the
        belt (the belt runs ``scale`` times as fast, so the feet keep moving with it).
    body: the upper body's proportions (before ``scale``). look: the colours.
    """

    camera: SideCamera = CAMERA
    fps: float = 60.0
    exposure_s: float = 1 / 240
    subframes: int = 3
    noise_sigma: float = 2.5
    light: float = 1.0
    uneven_light: float = 0.0
    room: Literal["gym", "plain"] = "gym"
    passer: bool = False
    coach: bool = False
    neighbour: bool = False
    runner: str = "RBDS001"
    handrail: bool = True
    scale: float = 1.0
    body: UpperBody = field(default_factory=UpperBody)
    look: Look = field(default_factory=Look)

    def __post_init__(self) -> None:
        rules = (
            (self.fps > 0, f"fps = {self.fps:g}: must be > 0"),
            (
                0 < self.exposure_s <= 1 / self.fps,
                f"exposure_s = {self.exposure_s:g}: must be > 0 and at most a frame (1/fps)",
            ),
            (self.subframes >= 1, f"subframes = {self.subframes}: must be >= 1"),
            (self.noise_sigma >= 0, f"noise_sigma = {self.noise_sigma:g}: must be >= 0"),
            (0 < self.light <= 2, f"light = {self.light:g}: must be in (0, 2]"),
            (
                0 <= self.uneven_light < 2,
                f"uneven_light = {self.uneven_light:g}: must be in [0, 2)",
            ),
            (self.room in ROOMS, f"room = {self.room!r}: must be one of {', '.join(ROOMS)}"),
            (0.7 <= self.scale <= 1.3, f"scale = {self.scale:g}: must be in [0.7, 1.3]"),
            (
                self.runner in (*TRIALS, WALKER) or PACKED_KEY.fullmatch(self.runner),
                f"runner = {self.runner!r}: must be one of {', '.join((*TRIALS, WALKER))} or a"
                " packed trial's key (RBDS003-35)",
            ),
        )
        for ok, message in rules:
            if not ok:
                raise ValueError(message)

    def changes(self) -> dict:
        """The fields that differ from the demo's, as JSON values, by name."""
        demo = Scenario()
        return {
            f.name: _json(getattr(self, f.name))
            for f in fields(self)
            if getattr(self, f.name) != getattr(demo, f.name)
        }

    def recording(self, data_dir: Path | None = None) -> MocapTrial:
        """The scenario's recording: RBDS001 and the walker from the package, another runner
        from ``data_dir``, the data set's folder (``../shared/data/fukuchi2017`` beside the
        repository)."""
        if self.runner == "RBDS001":
            return load_trial()
        if self.runner == WALKER:
            return walking_trial()
        if data_dir is None:
            raise ValueError(
                f"runner {self.runner}: its recording is not shipped with the package; "
                "give the folder of the Fukuchi 2017 data"
            )
        return load_trial(data_dir, self.runner)

    def sized(self, recording: MocapTrial) -> tuple[MocapTrial, UpperBody]:
        """The runner of this scenario: the ``recording`` at the scenario's size, and the
        upper body built on it."""
        return resized(recording, self.scale), self.body.scaled(self.scale)


def _json(value: object) -> object:
    if isinstance(value, SideCamera):
        return {f.name: _json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, UpperBody | Look):
        return {k: _json(v) for k, v in asdict(value).items()}
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    return value
