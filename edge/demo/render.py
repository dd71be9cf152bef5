"""Rendered clips: a runner from real treadmill motion capture, with its truth beside it.

Motion: Fukuchi RK, Fukuchi CA, Duarte M, PeerJ 5:e3298 (2017), doi 10.7717/peerj.3298, CC-BY 4.0
(runner RBDS001, 181 cm, treadmill at 2.5 m/s), loaded by ``edge.demo.mocap``; torso, head and
arms come from ``edge.demo.scene.world_keypoints``. The scene is a gym seen by a camera beside a
treadmill: a shaded body of tapered capsules (clothes, skin, shoes) drawn far side first, a belt
whose stripes move backwards at the recorded speed, a side handrail at hip height in front of
the runner that hides the near hip over part of the stride, motion blur from averaging sub-frames
over the exposure, and sensor noise. What the camera sees and how (its placement, frame rate,
shutter, noise, light, the room, a person passing behind, a runner on the next treadmill, the
handrail, the runner's size and colours) is a ``Scenario`` (``edge.demo.scenario``); the default
one is the demo clip.

The demo is 1280x720 rather than 1920x1080: the pose model sees the frame at 640 px wide either
way, so the larger frame adds no keypoint accuracy while it costs 2.25x the pixels to render,
encode and, on the station, to decode and resize every frame.

Files in the output folder: ``demo.mp4`` (mp4v) and ``truth.json`` (frame times, the projected
COCO keypoints and which of them the treadmill hides, the camera, the belt speed, the force-plate
events and per-step truth metrics, the attribution, and a hash of the renderer's parameters that
``ensure_demo`` checks). The clip shows the recording from its start: video time = trial time.
The demo loops, so it ends where the recording is back where it started (``loop_frames``): a
seam where the runner jumps between two parts of the stride would be a step nobody took.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

import cv2
import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from edge.demo.mocap import PLATE, WALKER, J, MocapTrial, standing_trial, truth_steps
from edge.demo.scenario import Look, Scenario
from edge.demo.scene import SideCamera, UpperBody, world_keypoints
from edge.progress import Progress
from edge.skeleton import KEYPOINT_NAMES, KP

RENDER_VERSION = 4
"""Bump when the drawing changes: ``ensure_demo`` then renders the clip again."""
SCENARIO_VERSION = 1
"""Bump when the drawing of a condition the demo does not show changes (a scenario's clip)."""
TRUTH_SCHEMA = 1
DEMO = Scenario()
BODY_HEIGHT_M = 1.81
"""Runner RBDS001's stature; keypoint errors are judged as a fraction of it."""
_OPTICS_SIGMA = 0.7
"""Lens softness, Gaussian sigma in pixels."""
SEED = 2017
VIDEO_NAME = "demo.mp4"
TRUTH_NAME = "truth.json"
RENDERED_BY = "Rendered by Hipdrive (edge.demo.render), which synthesised the torso, head and arms."


def attribution(trial: MocapTrial) -> str:
    """Where the motion a clip is rendered from comes from, its licence, and what Hipdrive
    made of it, for the clip's truth file."""
    if trial.runner == f"{WALKER} walking":
        return (
            f"Motion and force-plate events: treadmill walk {WALKER} of the gaitalytics project "
            "(github.com/DART-Lab-LLUI/python-gaitalytics), MIT License, Copyright (c) 2024 "
            f"André Böni. {RENDERED_BY}"
        )
    events = (
        "force-plate events" if trial.contact_source == PLATE else "events from the foot markers"
    )
    made = (
        ", time-scaled by Hipdrive from the recorded speed (synthetic)" if trial.synthetic else ""
    )
    return (
        f'Motion and {events}: Fukuchi RK, Fukuchi CA, Duarte M. "A public data set of running '
        "biomechanics and the effects of running speed on lower extremity kinematics and "
        f'kinetics." PeerJ 5:e3298 (2017), doi 10.7717/peerj.3298, runner {trial.runner} at '
        f"{trial.belt_speed_mps:.1f} m/s{made}; data set doi 10.6084/m9.figshare.4543435. "
        "License: Creative Commons Attribution 4.0 (CC-BY 4.0), "
        f"https://creativecommons.org/licenses/by/4.0/. {RENDERED_BY}"
    )


# Treadmill and room, world metres (edge.demo.mocap frame: y = 0 is the belt surface).
_BELT_X = (-0.95, 0.95)
_BELT_HALF_WIDTH = 0.25
_FRAME_HALF_WIDTH = 0.42
_PLATFORM_Y = 0.03
_FLOOR_Y = -0.22
_WALL_Z = -3.5
_RAIL_Y = 0.95
_RAIL_X = (-0.04, 0.98)
_RAIL_R = 0.021
_STRIPE_PERIOD_M = 0.30
_NEAR_M = 0.05
"""Nearest depth drawn: world lines closer to the camera than this are cut there."""
_ROOM_HALF_LENGTH = 30.0
"""The room's wall and floor reach this far along x each way (m): past any camera's view."""

# The person passing behind: the recording, later in it, jogging along the room at the belt's
# speed (their feet then stay put on the floor) between the treadmill and the wall.
_PASSER_SHIFT_S = 7.3
_PASSER_Z = -2.0
_PASSER_START_X = -5.0
_PASSER_PERIOD_S = 5.0
_PASSER_LOOK = Look(
    skin=(60, 85, 125),
    hair=(20, 20, 24),
    shirt=(120, 120, 118),
    shorts=(40, 40, 42),
    sock=(40, 40, 40),
    shoe=(30, 30, 30),
    sole=(200, 200, 200),
)

# The neighbour: a second runner on the next treadmill behind this one (a gym's row of
# treadmills), further from the camera, running the recording out of step, in other clothes; their
# treadmill is not drawn, the far rail of this one is drawn over them.
_NEIGHBOUR_SHIFT_S = 3.1
_NEIGHBOUR_Z = -1.5
_NEIGHBOUR_X = 0.3
_NEIGHBOUR_LOOK = Look(
    skin=(110, 150, 200),
    hair=(30, 30, 34),
    shirt=(150, 70, 30),
    shorts=(30, 30, 30),
    sock=(230, 230, 230),
    shoe=(40, 160, 220),
    sole=(220, 220, 220),
)

# The coach: standing on the floor beside the front of the treadmill, between it and the camera
# (nearer the camera than the runner, so larger in the picture), in the data set's standing trial.
_COACH_X = 1.2
_COACH_Z = 1.0
_COACH_LOOK = Look(
    skin=(95, 125, 170),
    hair=(50, 40, 30),
    shirt=(40, 90, 160),
    shorts=(60, 60, 64),
    sock=(220, 220, 220),
    shoe=(60, 60, 60),
    sole=(210, 210, 210),
)

_FAR_SHADE = 0.55
_LIGHT = np.array((-0.40, -0.60, 0.70), np.float32) / np.linalg.norm((-0.40, -0.60, 0.70))
_AMBIENT, _DIFFUSE = 0.45, 0.65
_UP = np.array([0.0, 1.0, 0.0])


@dataclass(frozen=True, slots=True)
class DemoClip:
    """A rendered clip and its truth.

    Attributes:
        video: the mp4 file. truth_file: the JSON truth beside it.
        fps: frame rate; frames: frame count; frame k is at ``t[k] = k / fps`` video seconds.
        camera: the camera that filmed it (image size, facing, meters_per_pixel at the runner).
        belt_speed_mps: the treadmill belt speed, m/s.
        t: (T,) float64 seconds. keypoints: (T, 17, 2) float64 pixels, the true COCO keypoints.
        hidden: (T, 17) bool, keypoints behind a part of the treadmill (handrail, upright).
        ic, to: (K,) float64 video seconds of the force-plate contacts inside the clip.
        foot: K names, ``"left"`` or ``"right"``.
        steps: the per-step truth metrics (``truth_steps``) of those contacts, times in video
            seconds; metrics that involve neighbouring contacts use the whole recording.
        renderer: hash of the renderer's parameters the clip was made with.
        body_height_m: the runner's stature.
        seam_steps: a looping clip's contacts that land before its end and take off after it,
            in the next loop (their truth metrics, as ``steps``): contacts of a loop, not of
            one pass.
    """

    video: Path
    truth_file: Path
    fps: float
    frames: int
    camera: SideCamera
    belt_speed_mps: float
    t: np.ndarray
    keypoints: np.ndarray
    hidden: np.ndarray
    ic: np.ndarray
    to: np.ndarray
    foot: tuple[str, ...]
    steps: tuple[dict, ...]
    renderer: str
    body_height_m: float = BODY_HEIGHT_M
    seam_steps: tuple[dict, ...] = ()

    @property
    def body_height_px(self) -> float:
        """The runner's stature in pixels at their sagittal plane."""
        return self.body_height_m / self.camera.meters_per_pixel


_LEG_KEYPOINTS = [
    KP[f"{side}_{joint}"] for joint in ("hip", "knee", "ankle") for side in ("left", "right")
]
#: a looping clip is cut this much shorter than asked at most, to end where it began: more than
#: a stride at any running or walking pace (0.7 s at 2.5 m/s, 1.1 s for a walker)
LOOP_SEARCH_S = 1.5
LOOP_VERSION = 1
"""Bump when how a looping clip is cut, or its seam's truth, changes: ``ensure_demo`` then
renders the demo again."""
#: a landing this soon after a looping clip's end is the one at its start, when it has one
SEAM_MATCH_S = 0.06


def renderer_hash(seconds: float, fps: float) -> str:
    """Identity of a demo clip's rendering (``clip_hash`` of the looping demo at ``fps``)."""
    return clip_hash(replace(DEMO, fps=fps), seconds, loop=True)


def clip_hash(scenario: Scenario, seconds: float, loop: bool = False) -> str:
    """Identity of a clip's rendering: the renderer version and every parameter it used."""
    params: dict[str, object] = {
        "version": RENDER_VERSION,
        "seconds": seconds,
        "fps": scenario.fps,
        "camera": _camera_dict(scenario.camera),
        "exposure_s": scenario.exposure_s,
        "subframes": scenario.subframes,
        "noise_sigma": scenario.noise_sigma,
        "seed": SEED,
    }
    if loop:
        params["loop"] = LOOP_VERSION
    others = {k: v for k, v in scenario.changes().items() if k not in params}
    if others:
        params["scenario"] = others | {"version": SCENARIO_VERSION}
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]


def render_demo(
    out_dir: Path, seconds: float = 20.0, fps: float = 60.0, progress: bool = True
) -> DemoClip:
    """Render about ``seconds`` of the demo at ``fps`` into ``out_dir``, made to loop
    (``loop_frames``); return the clip."""
    return render_clip(out_dir, replace(DEMO, fps=fps), seconds, progress, loop=True)


def loop_frames(trial: MocapTrial, body: UpperBody, fps: float, seconds: float) -> int:
    """Frames of a clip of at most ``seconds`` that plays on into its own start: the count N
    whose frames N and N+1 hold the legs closest to frames 0 and 1 (where they are and where
    they go), searched over the last ``LOOP_SEARCH_S`` (the last half of a shorter clip), and
    ending before the recording's last landing, so that the landing at its seam has its force
    plate's events. On RBDS001 at 60 fps a 20 s demo loops at 19.18 s, its legs' keypoints
    1.3 cm (root mean square) off the start's, half a frame's motion; cut at 20 s they were
    8.8 cm off. A clip shorter than a stride cannot end where it began."""
    last = min(round(seconds * fps), math.floor(float(trial.ic[-1]) * fps))
    first = max(1, last - round(min(LOOP_SEARCH_S, last / fps / 2) * fps))
    if last < first:
        return max(last, 1)
    counts = np.arange(first, last + 1)
    times = np.concatenate([[0.0, 1.0], counts, counts + 1]) / fps
    legs = world_keypoints(trial, times, body)[:, _LEG_KEYPOINTS]
    start, ends, nexts = legs[:2], legs[2 : 2 + len(counts)], legs[2 + len(counts) :]
    off = np.sum((ends - start[0]) ** 2, axis=(1, 2)) + np.sum((nexts - start[1]) ** 2, axis=(1, 2))
    return int(counts[np.argmin(off)])


def render_clip(
    out_dir: Path,
    scenario: Scenario,
    seconds: float,
    progress: bool = True,
    label: str = "rendering demo clip",
    data_dir: Path | None = None,
    loop: bool = False,
) -> DemoClip:
    """Render ``seconds`` of the recording as ``scenario`` films it into ``out_dir``; return
    the clip. ``label`` names the progress bar; ``data_dir`` is the data set's folder, for a
    runner not shipped with the package (``Scenario.recording``); ``loop``: cut the clip
    shorter to loop without a seam (``loop_frames``).

    The truth file is written last, so a folder with a truth file holds a complete clip.
    """
    recording = scenario.recording(data_dir)
    fps = scenario.fps
    trial, body = scenario.sized(recording)
    frames = round(seconds * fps)
    if frames < 1 or (frames - 1) / fps > recording.t[-1]:
        raise ValueError(
            f"{frames} frames at {fps:g} fps: a clip needs at least one frame and at most "
            f"{recording.t[-1]:.2f} s, the length of the recording"
        )
    if loop:
        frames = loop_frames(trial, body, fps, seconds)
    out_dir.mkdir(parents=True, exist_ok=True)
    t = np.arange(frames) / fps
    video = out_dir / VIDEO_NAME
    partial = out_dir / f"partial-{VIDEO_NAME}"
    camera = scenario.camera
    w, h = camera.image_size
    writer = cv2.VideoWriter(str(partial), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w, h))
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write an mp4v video to {partial}")
    bar = Progress(label, total=frames) if progress else None
    renderer = _Renderer(recording, scenario)
    try:
        for k in range(frames):
            writer.write(renderer.frame(float(t[k])))
            if bar:
                bar.update()
    finally:
        writer.release()
        if bar:
            bar.close()
    os.replace(partial, video)
    keypoints = camera.project(world_keypoints(trial, t, body))
    hidden = renderer.hidden(keypoints)
    truth = _truth(trial, scenario, t, keypoints, hidden, clip_hash(scenario, seconds, loop), loop)
    tmp = out_dir / f"partial-{TRUTH_NAME}"
    tmp.write_text(json.dumps(truth, separators=(",", ":")) + "\n", encoding="utf-8")
    os.replace(tmp, out_dir / TRUTH_NAME)
    return load_demo(out_dir)


def load_demo(out_dir: Path) -> DemoClip:
    """The clip rendered into ``out_dir``; FileNotFoundError when there is none."""
    truth_file = out_dir / TRUTH_NAME
    video = out_dir / VIDEO_NAME
    if not video.is_file():
        raise FileNotFoundError(f"{video} does not exist")
    d = json.loads(truth_file.read_text(encoding="utf-8"))
    if d.get("schema") != TRUTH_SCHEMA:
        raise ValueError(f"{truth_file}: schema {d.get('schema')!r}, expected {TRUTH_SCHEMA}")
    cam = d["camera"]
    camera = SideCamera(
        image_size=(int(cam["image_size"][0]), int(cam["image_size"][1])),
        focal_px=cam["focal_px"],
        distance_m=cam["distance_m"],
        height_m=cam["height_m"],
        forward_m=cam["forward_m"],
        facing=cam["facing"],
        yaw_deg=cam.get("yaw_deg", 0.0),
        pitch_deg=cam.get("pitch_deg", 0.0),
    )
    events = d["events"]
    return DemoClip(
        video=video,
        truth_file=truth_file,
        fps=float(d["fps"]),
        frames=int(d["frames"]),
        camera=camera,
        belt_speed_mps=float(d["belt_speed_mps"]),
        t=np.asarray(d["t"], dtype=np.float64),
        keypoints=np.asarray(d["keypoints"], dtype=np.float64),
        hidden=np.asarray(d["hidden"], dtype=bool),
        ic=np.asarray(events["ic"], dtype=np.float64),
        to=np.asarray(events["to"], dtype=np.float64),
        foot=tuple(events["foot"]),
        steps=tuple(d["steps"]),
        renderer=str(d["renderer"]),
        body_height_m=float(d["body_height_m"]),
        seam_steps=tuple(d.get("seam_steps", ())),
    )


def ensure_demo(data_dir: Path, seconds: float = 20.0, fps: float = 60.0) -> DemoClip:
    """The demo clip in ``<data_dir>/demo``, rendered (with progress) if absent or stale."""
    out_dir = data_dir / "demo"
    try:
        clip = load_demo(out_dir)
    except (OSError, ValueError, KeyError):
        clip = None
    if clip is not None and clip.renderer == renderer_hash(seconds, fps):
        return clip
    return render_demo(out_dir, seconds, fps, progress=True)


def _camera_dict(camera: SideCamera) -> dict:
    """The camera as the truth file and the clip's identity give it; a square, level camera's
    yaw and pitch are left out (the demo's identity predates them)."""
    turned = {"yaw_deg": camera.yaw_deg, "pitch_deg": camera.pitch_deg}
    return {
        "image_size": list(camera.image_size),
        "focal_px": camera.focal_px,
        "distance_m": camera.distance_m,
        "height_m": camera.height_m,
        "forward_m": camera.forward_m,
        "facing": camera.facing,
        "near_side": camera.near_side,
        "meters_per_pixel": camera.meters_per_pixel,
    } | ({} if not any(turned.values()) else turned)


def _truth(
    trial: MocapTrial,
    scenario: Scenario,
    t: np.ndarray,
    keypoints: np.ndarray,
    hidden: np.ndarray,
    renderer: str,
    loop: bool,
) -> dict:
    """The truth file's content for frames at video times ``t`` (trial time = video time) of
    the runner ``trial`` as ``scenario`` films it; ``loop``: the clip plays on into its start."""
    end = float(t[-1])
    inside = [k for k in range(len(trial.ic)) if trial.ic[k] >= 0.0 and trial.to[k] <= end]
    every = truth_steps(trial)
    steps = [s for s in every if s["ic_t"] >= 0.0 and s["to_t"] <= end]
    seam = _seam_steps(every, steps, end, len(t) / scenario.fps) if loop else []
    body_height_m = BODY_HEIGHT_M * scenario.scale
    return {
        "schema": TRUTH_SCHEMA,
        "renderer": renderer,
        "attribution": attribution(trial),
        "video": VIDEO_NAME,
        "fps": scenario.fps,
        "frames": len(t),
        "camera": _camera_dict(scenario.camera),
        "belt_speed_mps": trial.belt_speed_mps,
        "body_height_m": body_height_m,
        "body_height_px": body_height_m / scenario.camera.meters_per_pixel,
        "keypoint_names": list(KEYPOINT_NAMES),
        "t": t.tolist(),
        "keypoints": np.round(keypoints, 2).tolist(),
        "hidden": hidden.astype(int).tolist(),
        "events": {
            "ic": [float(trial.ic[k]) for k in inside],
            "to": [float(trial.to[k]) for k in inside],
            "foot": [trial.foot[k] for k in inside],
        },
        "steps": steps,
        "seam_steps": seam,
    }


def _seam_steps(every: list[dict], inside: list[dict], end: float, period_s: float) -> list[dict]:
    """The truth steps at the seam of a looping clip whose last frame is at ``end`` and which
    starts again ``period_s`` after its first: the landings that take off after ``end`` and land
    before the clip starts again, or just after, where the clip's own steps (``inside``) hold no
    twin of them at its start (the recording starts mid-stride)."""

    def has_twin(step: dict) -> bool:
        at = step["ic_t"] - period_s
        return any(
            s["foot"] == step["foot"] and abs(s["ic_t"] - at) <= SEAM_MATCH_S for s in inside
        )

    return [
        s
        for s in every
        if s["to_t"] > end and s["ic_t"] < period_s + SEAM_MATCH_S and not has_twin(s)
    ]


class _Canvas:
    """A float32 BGR picture (premultiplied, with coverage ``alpha`` when it is a layer) that
    takes anti-aliased, shaded shapes in full-frame pixel coordinates, pixel centres on integers.
    """

    def __init__(self, rgb: np.ndarray, origin: tuple[int, int] = (0, 0), layer: bool = False):
        self.rgb = rgb
        self.alpha = np.zeros(rgb.shape[:2], np.float32) if layer else None
        self.x0, self.y0 = origin

    def _bounds(self, lo: np.ndarray, hi: np.ndarray) -> tuple[int, int, int, int] | None:
        """Rows and columns (y0, y1, x0, x1) of the canvas inside the pixel box lo..hi."""
        h, w = self.rgb.shape[:2]
        x0 = max(int(np.floor(lo[0])) - self.x0, 0)
        y0 = max(int(np.floor(lo[1])) - self.y0, 0)
        x1 = min(int(np.ceil(hi[0])) + 1 - self.x0, w)
        y1 = min(int(np.ceil(hi[1])) + 1 - self.y0, h)
        return None if x1 <= x0 or y1 <= y0 else (y0, y1, x0, x1)

    def _window(self, lo: np.ndarray, hi: np.ndarray):
        """The canvas slices inside the pixel box lo..hi and their pixel coordinates."""
        bounds = self._bounds(lo, hi)
        if bounds is None:
            return None
        y0, y1, x0, x1 = bounds
        ys = np.arange(y0, y1, dtype=np.float32)[:, None] + self.y0
        xs = np.arange(x0, x1, dtype=np.float32)[None, :] + self.x0
        return (slice(y0, y1), slice(x0, x1)), xs, ys

    def blend(self, win, cov: np.ndarray, colour: np.ndarray) -> None:
        rgb = self.rgb[win]
        rgb += cov[..., None] * (colour - rgb)
        if self.alpha is not None:
            a = self.alpha[win]
            a += cov * (1.0 - a)

    def capsule(
        self,
        a: np.ndarray,
        b: np.ndarray,
        ra: float,
        rb: float,
        colour: np.ndarray,
        shade: bool = True,
        keep: tuple[np.ndarray, np.ndarray] | None = None,
        soft: float = 1.0,
        opacity: float = 1.0,
    ) -> None:
        """A segment ``a``->``b`` (pixels) swept by a radius going from ``ra`` to ``rb`` (px),
        lit as a tube; ``keep`` = (point, unit normal) keeps the half-plane the normal points
        into; ``soft`` widens the edge (px), ``opacity`` scales the coverage."""
        r = max(ra, rb) + soft
        bounds = self._bounds(np.minimum(a, b) - r, np.maximum(a, b) + r)
        if bounds is None:
            return
        p, n = keep if keep is not None else (np.zeros(2), np.zeros(2))
        _capsule_kernel(
            self.rgb,
            self.alpha if self.alpha is not None else np.zeros((0, 0), np.float32),
            bounds,
            (
                float(a[0] - self.x0),
                float(a[1] - self.y0),
                float(b[0] - self.x0),
                float(b[1] - self.y0),
                float(ra),
                float(rb),
            ),
            np.asarray(colour, np.float32),
            shade,
            (float(p[0] - self.x0), float(p[1] - self.y0), float(n[0]), float(n[1])),
            keep is not None,
            float(soft),
            float(opacity),
        )

    def polygon(
        self,
        points: np.ndarray,
        colour: np.ndarray,
        gradient: tuple[np.ndarray, np.ndarray, float, float] | None = None,
    ) -> None:
        """A filled polygon ``points`` (K, 2) pixels; ``gradient`` = (p0, p1, g0, g1) scales the
        colour from g0 at p0 to g1 at p1, linearly along p0->p1."""
        found = self._window(points.min(axis=0), points.max(axis=0))
        if found is None:
            return
        win, xs, ys = found
        mask = np.zeros((len(ys), xs.shape[1]), np.uint8)
        origin = np.array([xs[0, 0], ys[0, 0]])
        pts = np.round((points - origin) * 16).astype(np.int32)
        cv2.fillPoly(mask, [pts], 255, lineType=cv2.LINE_AA, shift=4)
        cov = mask.astype(np.float32) / 255.0
        col = colour
        if gradient is not None:
            p0, p1, g0, g1 = gradient
            d = p1 - p0
            f = np.clip(((xs - p0[0]) * d[0] + (ys - p0[1]) * d[1]) / float(d @ d), 0.0, 1.0)
            col = colour * (g0 + (g1 - g0) * f)[..., None]
        self.blend(win, cov, col)


@dataclass(frozen=True)
class _Paint:
    """A ``Look`` as float32 BGR colours to paint with."""

    skin: np.ndarray
    hair: np.ndarray
    shirt: np.ndarray
    shorts: np.ndarray
    sock: np.ndarray
    shoe: np.ndarray
    sole: np.ndarray
    tread: np.ndarray
    collar: np.ndarray

    @classmethod
    def of(cls, look: Look) -> _Paint:
        return cls(**{f.name: np.array(getattr(look, f.name), np.float32) for f in fields(look)})


@dataclass(frozen=True)
class _Figure:
    """A person to draw: a recording played from ``shift_s`` into it (looping), built with
    ``body``, painted with ``paint``, standing on the level ``ground_y`` at depth ``z`` and
    carried forward along the room at ``speed_mps`` from ``start_x``, again every
    ``period_s``."""

    trial: MocapTrial
    body: UpperBody
    paint: _Paint
    shift_s: float = 0.0
    ground_y: float = 0.0
    z: float = 0.0
    speed_mps: float = 0.0
    start_x: float = 0.0
    period_s: float = 1.0

    def pose(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(T, J, 3) joints and (T, 17, 3) COCO keypoints, world metres, at video ``times``."""
        end = self.trial.t[-1]
        ts = times + self.shift_s
        ts = np.where(ts > end, ts - end, ts)
        x = self.start_x + self.speed_mps * np.mod(times, self.period_s)
        offset = np.stack([x, np.full_like(x, self.ground_y), np.full_like(x, self.z)], -1)
        offset = offset[:, None, :]
        return self.trial.at(ts) + offset, world_keypoints(self.trial, ts, self.body) + offset


class _Renderer:
    """Draws frames of the recording as a scenario films it; the static parts of the scene are
    drawn once."""

    def __init__(self, recording: MocapTrial, scenario: Scenario = DEMO) -> None:
        self.scenario = scenario
        self.cam = camera = scenario.camera
        self._sign = 1.0 if camera.facing == "right" else -1.0
        self._near = camera.near_side
        trial, body = scenario.sized(recording)
        self._runner = _Figure(trial, body, _Paint.of(scenario.look))
        self._passer = (
            _Figure(
                recording,
                UpperBody(),
                _Paint.of(_PASSER_LOOK),
                shift_s=_PASSER_SHIFT_S,
                ground_y=_FLOOR_Y,
                z=self._sign * _PASSER_Z,
                speed_mps=recording.belt_speed_mps,
                start_x=_PASSER_START_X,
                period_s=_PASSER_PERIOD_S,
            )
            if scenario.passer
            else None
        )
        self._neighbour = (
            _Figure(
                recording,
                UpperBody(),
                _Paint.of(_NEIGHBOUR_LOOK),
                shift_s=_NEIGHBOUR_SHIFT_S,
                z=self._sign * _NEIGHBOUR_Z,
                start_x=_NEIGHBOUR_X,
            )
            if scenario.neighbour
            else None
        )
        self._behind = [f for f in (self._passer, self._neighbour) if f is not None]
        self._coach = (
            _Figure(
                standing_trial(),
                UpperBody(),
                _Paint.of(_COACH_LOOK),
                ground_y=_FLOOR_Y,
                z=self._sign * _COACH_Z,
                start_x=_COACH_X,
            )
            if scenario.coach
            else None
        )
        self._rng = np.random.default_rng(SEED)
        w, h = camera.image_size
        room = np.zeros((h, w, 3), np.float32)
        self._room(room)
        # The room is out of focus; the treadmill, at the runner's distance, is sharp.
        back = cv2.GaussianBlur(room, (0, 0), 1.6)
        self._treadmill_back(_Canvas(back))
        gain = self._vignette(w, h)
        if self._behind:
            # The people behind go behind the far rail: it is drawn on every frame, over them.
            self._back = back * gain[..., None]
            self._treadmill_far_rail(_Canvas(back))
        else:
            self._treadmill_far_rail(_Canvas(back))
            self._back = back * gain[..., None]
        front = _Canvas(np.zeros((h, w, 3), np.float32), layer=True)
        self._treadmill_front(front)
        self._front_rgb = front.rgb * gain[..., None]
        assert front.alpha is not None
        self._front_a = front.alpha[..., None]
        still = back * gain[..., None] * (1.0 - self._front_a) + self._front_rgb
        self._still = cv2.GaussianBlur(still, (0, 0), _OPTICS_SIGMA)
        self._light = self._lighting(w, h)
        # Noise for a frame is a window at a random offset into one larger field.
        self._noise = self._rng.normal(0.0, scenario.noise_sigma, (h + 64, w + 64, 3)).astype(
            np.float32
        )
        self._belt_setup()
        self._texture = self._belt_texture()

    # ---- geometry helpers
    def _px(self, p: ArrayLike) -> np.ndarray:
        return self.cam.project(np.asarray(p, dtype=np.float64))

    def _r(self, radius_m: float, at: ArrayLike) -> float:
        """Pixels that ``radius_m`` spans at the world point ``at``."""
        return radius_m * self.cam.focal_px / float(self.cam.depth(np.asarray(at, float)))

    def _far(self, side: str) -> bool:
        return side != self._near

    def _m(self, p: ArrayLike) -> np.ndarray:
        """A point of the room and the treadmill, given as seen from the runner's right (the far
        side at negative z), where it is for this camera: mirrored across the runner's plane
        when the camera is on their left."""
        return np.asarray(p, dtype=np.float64) * np.array([1.0, 1.0, self._sign])

    def hidden(self, keypoints: np.ndarray) -> np.ndarray:
        """(...) bool: which of ``keypoints`` (..., 2) pixels the treadmill's front parts cover."""
        h, w = self._front_a.shape[:2]
        u = np.clip(np.round(keypoints[..., 0]).astype(np.intp), 0, w - 1)
        v = np.clip(np.round(keypoints[..., 1]).astype(np.intp), 0, h - 1)
        return self._front_a[v, u, 0] > 0.5

    # ---- one frame
    def frame(self, t: float) -> np.ndarray:
        """(H, W, 3) uint8 BGR: the picture at video time ``t`` seconds."""
        n = self.scenario.subframes
        offsets = (np.arange(n) - (n - 1) / 2) * (self.scenario.exposure_s / n)
        times = t + offsets
        x0, y0, x1, y1 = self._dynamic_box(times)
        acc = np.zeros((y1 - y0, x1 - x0, 3), np.float32)
        a = self._front_a[y0:y1, x0:x1]
        for ts in times:
            canvas = _Canvas(self._back[y0:y1, x0:x1].copy(), origin=(x0, y0))
            if self._behind:
                for figure in self._behind:
                    self._figure(canvas, figure, float(ts))
                self._treadmill_far_rail(canvas)
            self._belt(canvas, float(ts))
            self._figure(canvas, self._runner, float(ts))
            acc += canvas.rgb
        acc *= (1.0 - a) / len(times)
        acc += self._front_rgb[y0:y1, x0:x1]
        if self._coach is not None:
            # The coach stands in front of the treadmill: drawn over it, at the frame's time.
            canvas = _Canvas(acc, origin=(x0, y0))
            self._figure(canvas, self._coach, t)
            acc = canvas.rgb
        out = self._still.copy()
        out[y0:y1, x0:x1] = cv2.GaussianBlur(acc, (0, 0), _OPTICS_SIGMA)
        out *= self._light
        h, w = out.shape[:2]
        dy, dx = self._rng.integers(0, 64, 2)
        out += self._noise[dy : dy + h, dx : dx + w]
        np.clip(out, 0.0, 255.0, out=out)
        return out.astype(np.uint8)

    def _dynamic_box(self, times: np.ndarray) -> tuple[int, int, int, int]:
        """Pixel box (x0, y0, x1, y1) that holds the belt and the people at all ``times``."""
        figures = [f for f in (self._runner, *self._behind, self._coach) if f is not None]
        pts = np.concatenate(
            [self._px(part.reshape(-1, 3)) for f in figures for part in f.pose(times)]
        )
        bx0, by0, bx1, by1 = self._belt_box
        w, h = self.cam.image_size
        margin = self._r(0.30, (self.cam.forward_m, 0.0, 0.0))
        x0 = int(max(min(pts[:, 0].min() - margin, bx0), 0))
        y0 = int(max(min(pts[:, 1].min() - margin, by0), 0))
        x1 = int(min(max(pts[:, 0].max() + margin, bx1), w))
        y1 = int(min(max(pts[:, 1].max() + margin, by1), h))
        return x0, y0, x1, y1

    def _lighting(self, w: int, h: int) -> np.ndarray:
        """(h, w, 1) float32 gain of the light over the picture."""
        across = np.linspace(0.5, -0.5, w, dtype=np.float32)
        gain = self.scenario.light * (1.0 + self.scenario.uneven_light * across)
        return np.broadcast_to(gain.astype(np.float32)[None, :, None], (h, w, 1))

    # ---- people
    def _figure(self, c: _Canvas, figure: _Figure, t: float) -> None:
        joints, kp = (part[0] for part in figure.pose(np.array([t])))
        far = "left" if self._near == "right" else "right"
        paint = figure.paint
        self._shadows(c, joints, figure)
        self._arm(c, kp, far, paint)
        self._leg(c, joints, far, paint)
        self._trunk(c, joints, kp, figure)
        self._leg(c, joints, self._near, paint)
        self._arm(c, kp, self._near, paint)

    def _shadows(self, c: _Canvas, joints: np.ndarray, figure: _Figure) -> None:
        ground = figure.ground_y
        mid = joints[J["mid_hip"]]
        self._shadow(c, mid[0] - 0.05, ground, figure.z, 0.25, 0.14, 0.25)
        for side in ("left", "right"):
            heel, toe = joints[J[f"{side}_heel"]], joints[J[f"{side}_toe"]]
            lift = max(min(heel[1], toe[1]) - ground - 0.045, 0.0)
            opacity = 0.55 * float(np.exp(-lift / 0.08))
            x = 0.5 * (heel[0] + toe[0]) + 0.02
            self._shadow(c, x, ground, 0.5 * (heel[2] + toe[2]), 0.16, 0.06, opacity)

    def _shadow(
        self,
        c: _Canvas,
        x: float,
        y: float,
        z: float,
        half_len: float,
        half_w: float,
        opacity: float,
    ) -> None:
        """A soft shadow on the level ``y``: long along x, foreshortened across z."""
        a = self._px((x - half_len + half_w, y, z))
        b = self._px((x + half_len - half_w, y, z))
        depth = float(self.cam.depth(np.array([x, y, z])))
        r = half_w * self.cam.focal_px * (self.cam.height_m - y) / depth**2
        black = np.zeros(3, np.float32)
        c.capsule(a, b, r, r, black, shade=False, soft=max(r, 2.0), opacity=opacity)

    def _limb_colour(self, colour: np.ndarray, side: str) -> np.ndarray:
        return colour * _FAR_SHADE if self._far(side) else colour

    def _tube(self, c: _Canvas, a3, b3, ra: float, rb: float, colour, **kw) -> None:
        """A capsule between world points ``a3`` and ``b3`` with radii in metres."""
        a3, b3 = np.asarray(a3, float), np.asarray(b3, float)
        c.capsule(self._px(a3), self._px(b3), self._r(ra, a3), self._r(rb, b3), colour, **kw)

    def _leg(self, c: _Canvas, joints: np.ndarray, side: str, paint: _Paint) -> None:
        hip, knee, ankle = (joints[J[f"{side}_{j}"]] for j in ("hip", "knee", "ankle"))
        skin = self._limb_colour(paint.skin, side)
        thigh = knee - hip
        fwd_thigh = _perp_forward(thigh)
        shorts = self._limb_colour(paint.shorts, side)
        self._tube(c, hip, knee, 0.072, 0.048, skin)
        self._tube(
            c, hip + 0.25 * thigh + 0.014 * fwd_thigh, knee - 0.25 * thigh, 0.06, 0.048, skin
        )
        self._tube(c, hip - 0.02 * _UP, hip + 0.36 * thigh, 0.084, 0.077, shorts)
        foot = _FootFrame.of(joints, side)
        self._lower_leg(c, knee, ankle, foot, side, paint)
        kneecap = knee + 0.03 * fwd_thigh + 0.01 * _UP
        self._tube(c, kneecap, kneecap, 0.030, 0.030, skin)
        self._shoe(c, foot, side, paint)

    def _lower_leg(
        self,
        c: _Canvas,
        knee: np.ndarray,
        ankle: np.ndarray,
        foot: _FootFrame,
        side: str,
        paint: _Paint,
    ) -> None:
        """The shank with its calf, and the ankle down into the shoe: the shin in front, the
        Achilles tendon behind curving out to the heel bone, an ankle sock, the malleolus."""
        skin = self._limb_colour(paint.skin, side)
        shank = ankle - knee
        up = -shank / np.linalg.norm(shank)
        fwd = _perp_forward(shank)
        lit = (1.0, 0.8) if self._sign > 0 else (0.8, 1.0)

        def outline(points: list[np.ndarray], colour: np.ndarray) -> None:
            pts = self._px(np.array(points))
            c.polygon(pts, colour, gradient=(pts[0], pts[-1], *lit))

        below = [
            foot.world(0.004, 0.048),
            foot.world(-0.008, 0.038),
            foot.world(0.0, 0.0),
            foot.world(0.13, 0.0),
            foot.world(0.135, 0.050),
        ]
        outline(
            [
                knee + 0.55 * shank - 0.046 * fwd,
                knee + 0.80 * shank - 0.034 * fwd,
                ankle - 0.030 * fwd + 0.025 * up,
                *below,
                ankle + 0.030 * fwd + 0.010 * up,
                knee + 0.55 * shank + 0.038 * fwd,
            ],
            skin,
        )
        self._tube(c, knee, ankle, 0.050, 0.030, skin)
        self._tube(
            c,
            knee + 0.15 * shank - 0.016 * fwd,
            knee + 0.60 * shank - 0.010 * fwd,
            0.050,
            0.036,
            skin,
        )
        sock = self._limb_colour(paint.sock, side)
        outline(
            [
                ankle - 0.030 * fwd - 0.012 * up,
                *below,
                ankle + 0.031 * fwd - 0.018 * up,
            ],
            sock,
        )
        # The lateral malleolus, a bulge a little behind and below the joint centre, above a
        # low sock.
        bump = ankle + np.append(-0.006 * foot.u - 0.006 * foot.w, 0.0)
        self._tube(c, bump, bump, 0.016, 0.016, skin * 0.9, soft=2.5, opacity=0.8)

    def _shoe(self, c: _Canvas, foot: _FootFrame, side: str, paint: _Paint) -> None:
        """A running shoe on the heel and metatarsal markers: a midsole thicker at the heel with
        toe spring, an upper with a heel counter and a padded collar that dips below the ankle,
        a tongue in front of the ankle and laces down the instep."""
        n = foot.length
        colour = self._limb_colour(paint.shoe, side)
        px = self._px
        collar = [
            (-0.009, 0.044),
            (0.008, 0.040),
            (0.034, 0.030),
            (0.064, 0.023),
            (0.092, 0.025),
            (0.114, 0.035),
            (0.127, 0.052),
        ]
        instep = [(0.140, 0.055), (0.152, 0.046), (n - 0.005, 0.017), (n + 0.032, 0.003)]
        sole_top = [(n + 0.074, -0.016), (n, -0.024), (0.55 * n, -0.020), (0.06, -0.010)]
        upper = [
            (-0.010, -0.012),
            (-0.016, 0.006),
            (-0.014, 0.028),
            *collar,
            *instep,
            (n + 0.060, -0.006),
            *sole_top,
        ]
        counter = [
            (-0.010, -0.012),
            (-0.016, 0.006),
            (-0.014, 0.028),
            *collar[:3],
            (0.048, 0.010),
            (0.052, -0.012),
        ]
        sole = [
            (-0.010, -0.012),
            (-0.015, -0.026),
            (-0.007, -0.040),
            (0.012, -0.046),
            (0.5 * n, -0.048),
            (n, -0.047),
            (n + 0.040, -0.041),
            (n + 0.068, -0.027),
            (n + 0.078, -0.018),
            *sole_top,
        ]
        tread = [
            (-0.007, -0.040),
            (0.012, -0.046),
            (0.5 * n, -0.048),
            (n, -0.047),
            (n + 0.040, -0.041),
            (n + 0.068, -0.027),
            (n + 0.064, -0.023),
            (n + 0.038, -0.036),
            (n, -0.041),
            (0.012, -0.040),
            (-0.004, -0.035),
        ]
        top, bottom = px(foot.world_points([(0.3 * n, 0.06), (0.3 * n, -0.045)]))
        c.polygon(px(foot.world_points(upper)), colour, gradient=(top, bottom, 1.08, 0.6))
        c.polygon(px(foot.world_points(counter)), colour * 0.78, gradient=(top, bottom, 1.0, 0.7))
        c.polygon(
            px(foot.world_points(sole)),
            self._limb_colour(paint.sole, side),
            gradient=(top, bottom, 1.0, 0.75),
        )
        c.polygon(px(foot.world_points(tread)), self._limb_colour(paint.tread, side))
        rim = [(a, b + 0.004) for a, b in collar] + [(a, b - 0.005) for a, b in collar[::-1]]
        c.polygon(px(foot.world_points(rim)), self._limb_colour(paint.collar, side))
        lace = self._limb_colour(paint.sole, side)
        for f in np.linspace(0.15, 0.85, 4):
            a = (1 - f) * np.array(instep[0]) + f * np.array(instep[2])
            self._tube(
                c, foot.world(*a), foot.world(a[0] + 0.008, a[1] + 0.003), 0.003, 0.003, lace
            )

    def _arm(self, c: _Canvas, kp: np.ndarray, side: str, paint: _Paint) -> None:
        shoulder, elbow, wrist = (kp[KP[f"{side}_{j}"]] for j in ("shoulder", "elbow", "wrist"))
        skin = self._limb_colour(paint.skin, side)
        shirt = self._limb_colour(paint.shirt, side)
        fore = wrist - elbow
        self._tube(c, shoulder, elbow, 0.044, 0.036, skin)
        self._tube(c, elbow, wrist, 0.037, 0.027, skin)
        self._tube(c, wrist + 0.06 * fore, wrist + 0.22 * fore, 0.033, 0.033, skin)
        self._tube(c, shoulder, shoulder + 0.45 * (elbow - shoulder), 0.056, 0.048, shirt)

    def _trunk(self, c: _Canvas, joints: np.ndarray, kp: np.ndarray, figure: _Figure) -> None:
        body, paint = figure.body, figure.paint
        mid_hip = joints[J["mid_hip"]] * np.array([1.0, 1.0, 0.0]) + np.array([0.0, 0.0, figure.z])
        lean = np.radians(body.lean_deg)
        up = np.array([np.sin(lean), np.cos(lean), 0.0])
        fwd = np.array([np.cos(lean), -np.sin(lean), 0.0])
        neck = mid_hip + body.torso_m * up
        head = neck + body.head_m * up
        self._tube(c, mid_hip - 0.03 * fwd, mid_hip + 0.14 * up, 0.100, 0.098, paint.shorts)
        self._tube(
            c,
            mid_hip - 0.05 * fwd - 0.02 * up,
            mid_hip - 0.04 * fwd + 0.06 * up,
            0.078,
            0.074,
            paint.shorts,
        )
        self._tube(
            c, mid_hip + 0.10 * up, mid_hip + 0.30 * up + 0.01 * fwd, 0.100, 0.106, paint.shirt
        )
        self._tube(c, mid_hip + 0.28 * up + 0.01 * fwd, neck - 0.05 * up, 0.115, 0.100, paint.shirt)
        self._tube(c, neck - 0.04 * up, head - 0.06 * up + 0.02 * fwd, 0.058, 0.052, paint.skin)
        self._tube(c, head - 0.02 * up, head + 0.025 * up, 0.098, 0.098, paint.skin)
        self._tube(c, head - 0.05 * up, head - 0.075 * up + 0.055 * fwd, 0.042, 0.026, paint.skin)
        self._tube(c, head + 0.085 * fwd, head + 0.104 * fwd - 0.022 * up, 0.013, 0.010, paint.skin)
        back_up = self._px(head + 0.06 * fwd + 0.075 * up) - self._px(head - 0.09 * fwd - 0.05 * up)
        n = np.array([-back_up[1], back_up[0]])
        n /= np.hypot(*n)
        if n @ (self._px(head + up) - self._px(head)) < 0:
            n = -n
        anchor = self._px(head - 0.06 * fwd - 0.03 * up)
        self._tube(
            c,
            head - 0.02 * up - 0.005 * fwd,
            head + 0.03 * up - 0.005 * fwd,
            0.104,
            0.104,
            paint.hair,
            keep=(anchor, n),
        )
        ear = kp[KP[f"{self._near}_ear"]]
        eye = kp[KP[f"{self._near}_eye"]]
        self._tube(c, ear - 0.012 * up, ear + 0.012 * up, 0.020, 0.020, paint.skin * 0.85)
        self._tube(c, eye, eye, 0.008, 0.008, np.array((40, 30, 30), np.float32), shade=False)

    # ---- the treadmill and the room
    def _belt_setup(self) -> None:
        """Pixels of the belt's top surface and the world x each one sees."""
        quad = self._px(
            np.array(
                [
                    (_BELT_X[0], 0.0, -_BELT_HALF_WIDTH),
                    (_BELT_X[1], 0.0, -_BELT_HALF_WIDTH),
                    (_BELT_X[1], 0.0, _BELT_HALF_WIDTH),
                    (_BELT_X[0], 0.0, _BELT_HALF_WIDTH),
                ]
            )
        )
        lo, hi = np.floor(quad.min(axis=0)).astype(int), np.ceil(quad.max(axis=0)).astype(int)
        self._belt_box = (lo[0], lo[1], hi[0] + 1, hi[1] + 1)
        mask = np.zeros((hi[1] - lo[1] + 1, hi[0] - lo[0] + 1), np.uint8)
        cv2.fillPoly(mask, [np.round((quad - lo) * 16).astype(np.int32)], 255, cv2.LINE_AA, 4)
        self._belt_cov = mask.astype(np.float32) / 255.0
        ys, xs = np.mgrid[lo[1] : hi[1] + 1, lo[0] : hi[0] + 1].astype(np.float64)
        ground, depth = self.cam.on_level(np.stack([xs, ys], axis=-1))
        self._belt_x = ground[..., 0]
        near = (self.cam.distance_m - depth) / (2 * _BELT_HALF_WIDTH) + 0.5
        self._belt_light = (0.8 + 0.35 * np.clip(near, 0.0, 1.0)).astype(np.float32)

    def _belt_texture(self) -> np.ndarray:
        """Brightness (levels) along the belt, 1 mm per sample over 4 m: grain and stripes."""
        n = 4000
        grain = cv2.GaussianBlur(self._rng.normal(0.0, 6.0, (1, n)), (0, 0), 3.0)[0]
        s = np.arange(n) / 1000.0
        phase = np.mod(s, _STRIPE_PERIOD_M) / _STRIPE_PERIOD_M
        stripes = 22.0 * np.clip(1.0 - np.abs(phase - 0.5) * 14.0, 0.0, 1.0)
        return (48.0 + grain + stripes).astype(np.float32)

    def _belt(self, c: _Canvas, t: float) -> None:
        # The belt moves backwards, so the pattern point under x is the one that was at x + v t.
        s = np.mod(self._belt_x + self._runner.trial.belt_speed_mps * t, 4.0) * 1000.0
        level = self._texture[np.minimum(s.astype(np.int64), len(self._texture) - 1)]
        col = (level * self._belt_light)[..., None] * np.array((1.0, 1.0, 1.04), np.float32)
        x0, y0 = self._belt_box[0] - c.x0, self._belt_box[1] - c.y0
        h, w = self._belt_cov.shape
        ys, xs = (
            slice(max(y0, 0), min(y0 + h, c.rgb.shape[0])),
            slice(max(x0, 0), min(x0 + w, c.rgb.shape[1])),
        )
        src = (slice(ys.start - y0, ys.stop - y0), slice(xs.start - x0, xs.stop - x0))
        c.blend((ys, xs), self._belt_cov[src], col[src])

    def _box_face(
        self,
        c: _Canvas,
        corners: list[tuple[float, float, float]],
        colour: tuple[int, int, int],
        g: tuple[float, float] = (1.0, 0.8),
    ) -> None:
        """A flat quadrilateral (world corners in order), shaded from its first edge to its last."""
        pts = self._px(self._m(corners))
        top = 0.5 * (pts[0] + pts[1])
        bottom = 0.5 * (pts[2] + pts[3])
        c.polygon(pts, np.asarray(colour, np.float32), gradient=(top, bottom, g[0], g[1]))

    def _treadmill_back(self, c: _Canvas) -> None:
        """The treadmill's parts behind the runner but the far rail's (``_treadmill_far_rail``)."""
        fw, bw = _FRAME_HALF_WIDTH, _BELT_HALF_WIDTH
        x0, x1 = _BELT_X[0] - 0.05, _BELT_X[1] + 0.05
        grey = (70, 70, 74)
        for x in (x0 + 0.08, x1 - 0.1):
            self._box_face(
                c,
                [
                    (x - 0.04, _FLOOR_Y + 0.05, -fw + 0.05),
                    (x + 0.04, _FLOOR_Y + 0.05, -fw + 0.05),
                    (x + 0.04, _FLOOR_Y, -fw + 0.05),
                    (x - 0.04, _FLOOR_Y, -fw + 0.05),
                ],
                (30, 30, 32),
            )
        self._box_face(
            c,
            [
                (x0, _PLATFORM_Y, -fw),
                (x1, _PLATFORM_Y, -fw),
                (x1, _PLATFORM_Y, -bw),
                (x0, _PLATFORM_Y, -bw),
            ],
            (150, 150, 156),
            (0.8, 1.0),
        )
        self._box_face(
            c,
            [(x0, _PLATFORM_Y, -bw), (x1, _PLATFORM_Y, -bw), (x1, -0.01, -bw), (x0, -0.01, -bw)],
            grey,
        )
        # Rear roller end and motor hood.
        self._tube(
            c,
            self._m((x0 - 0.01, -0.03, -bw)),
            self._m((x0 - 0.01, -0.03, bw)),
            0.045,
            0.045,
            np.array(grey, np.float32),
        )
        hood = [(x1, 0.18, -fw), (x1 + 0.33, 0.12, -fw), (x1 + 0.33, 0.12, fw), (x1, 0.18, fw)]
        self._box_face(c, hood, (95, 95, 100), (1.1, 0.9))

    def _treadmill_far_rail(self, c: _Canvas) -> None:
        """The far upright, the far rail and the console (ahead of the runner's reach)."""
        fw = _FRAME_HALF_WIDTH
        x1 = _BELT_X[1] + 0.05
        metal = np.array((170, 168, 165), np.float32)
        self._tube(
            c,
            self._m((x1 + 0.22, 0.12, -fw + 0.02)),
            self._m((x1 + 0.02, 1.20, -fw + 0.02)),
            0.032,
            0.028,
            metal,
        )
        if self.scenario.handrail:
            self._rail(c, -fw)
        console = [(0.86, 1.40, -fw), (1.22, 1.34, -fw), (1.22, 1.34, fw), (0.86, 1.40, fw)]
        self._box_face(c, console, (60, 60, 64), (1.2, 0.9))

    def _rail(self, c: _Canvas, z: float) -> None:
        """A side rail at ``z`` (m, as seen from the runner's right)."""
        z = self._sign * z
        metal = np.array((175, 172, 168), np.float32)
        grip = np.array((38, 38, 40), np.float32)
        rx0, rx1 = _RAIL_X
        self._tube(c, (rx1, _RAIL_Y + 0.18, z), (rx1 - 0.12, _RAIL_Y, z), _RAIL_R, _RAIL_R, metal)
        self._tube(c, (rx1 - 0.12, _RAIL_Y, z), (rx0, _RAIL_Y, z), _RAIL_R, _RAIL_R, metal)
        self._tube(
            c,
            (rx0 + 0.42, _RAIL_Y, z),
            (rx0 + 0.01, _RAIL_Y, z),
            _RAIL_R + 0.006,
            _RAIL_R + 0.006,
            grip,
        )

    def _treadmill_front(self, c: _Canvas) -> None:
        fw, bw = _FRAME_HALF_WIDTH, _BELT_HALF_WIDTH
        x0, x1 = _BELT_X[0] - 0.05, _BELT_X[1] + 0.05
        self._box_face(
            c,
            [
                (x0, _PLATFORM_Y, bw),
                (x1, _PLATFORM_Y, bw),
                (x1, _PLATFORM_Y, fw),
                (x0, _PLATFORM_Y, fw),
            ],
            (150, 150, 156),
            (1.0, 1.15),
        )
        self._box_face(
            c,
            [(x0, _PLATFORM_Y, fw), (x1, _PLATFORM_Y, fw), (x1, -0.16, fw), (x0, -0.16, fw)],
            (62, 62, 66),
            (1.15, 0.8),
        )
        self._box_face(
            c,
            [
                (x0 + 0.1, -0.035, fw),
                (x1 - 0.1, -0.035, fw),
                (x1 - 0.1, -0.05, fw),
                (x0 + 0.1, -0.05, fw),
            ],
            (40, 150, 230),
            (1.0, 1.0),
        )
        hood = [
            (x1, 0.18, fw),
            (x1 + 0.33, 0.12, fw),
            (x1 + 0.35, _FLOOR_Y, fw),
            (x1, _FLOOR_Y, fw),
        ]
        self._box_face(c, hood, (84, 84, 90), (1.15, 0.75))
        metal = np.array((180, 178, 175), np.float32)
        self._tube(
            c,
            self._m((x1 + 0.22, 0.12, fw - 0.02)),
            self._m((x1 + 0.02, 1.20, fw - 0.02)),
            0.032,
            0.028,
            metal,
        )
        console = [(0.86, 1.40, fw), (1.22, 1.34, fw), (1.22, 1.22, fw), (0.90, 1.22, fw)]
        self._box_face(c, console, (52, 52, 56), (1.2, 0.9))
        if self.scenario.handrail:
            self._rail(c, fw)

    def _room(self, img: np.ndarray) -> None:
        """The room behind the treadmill: wall, rubber floor, and in a gym its things."""
        h = img.shape[0]
        floor_v = self._wall(0.0, _FLOOR_Y)[1]
        rows = np.arange(h, dtype=np.float32)[:, None]
        img[:] = np.array((186, 196, 204), np.float32) * (1.05 - 0.25 * rows / h)[..., None]
        wide = _ROOM_HALF_LENGTH
        cv2.fillConvexPoly(img, self._wall_rect((-wide, 0.9), (wide, _FLOOR_Y)), (140, 146, 150))
        cv2.fillConvexPoly(img, self._wall_rect((-wide, 0.92), (wide, 0.9)), (120, 124, 128))
        # Floor: rubber tiles in perspective.
        left, right = self._wall(-wide, _FLOOR_Y), self._wall(wide, _FLOOR_Y)
        below = h + abs(left[1] - right[1]) + 1
        floor = np.array([left, right, (right[0], below), (left[0], below)], np.int32)
        cv2.fillConvexPoly(img, floor, (70, 68, 66))
        for z in np.arange(_WALL_Z, 3.0, 1.0):
            seg = self._segment(self._m((-wide, _FLOOR_Y, z)), self._m((wide, _FLOOR_Y, z)))
            if seg is not None and seg[:, 1].max() > floor_v and seg[:, 1].min() < h:
                a, b = np.round(seg).astype(int)
                cv2.line(img, tuple(a), tuple(b), (58, 56, 55), 2, cv2.LINE_AA)
        for x in np.arange(-8.0, 9.0, 1.0):
            seg = self._segment(self._m((x, _FLOOR_Y, _WALL_Z)), self._m((x, _FLOOR_Y, 2.5)))
            if seg is not None:
                a, b = np.round(seg).astype(int)
                cv2.line(img, tuple(a), tuple(b), (58, 56, 55), 2, cv2.LINE_AA)
        skirting = self._wall_rect((-wide, _FLOOR_Y + 0.1), (wide, _FLOOR_Y))
        cv2.fillConvexPoly(img, skirting, (45, 45, 48))
        if self.scenario.room == "gym":
            self._gym(img)

    def _gym(self, img: np.ndarray) -> None:
        """A gym's things on the wall and floor: windows, a banner and a clock, a dumbbell rack,
        kettlebells, a bench, a medicine ball, a plant."""
        h, w = img.shape[:2]
        wall = self._wall
        for x in (-4.4, -2.6, 2.8):
            window = self._wall_rect((x, 2.75), (x + 1.4, 1.35))
            cv2.fillConvexPoly(img, window, (235, 228, 214))
            self._shade_down(img, window, 0.92, 1.04)
            frame_px = max(2, round(0.06 * self._wall_scale(x + 0.7)))
            cv2.polylines(img, [window], True, (210, 210, 210), frame_px)
            cv2.line(img, wall(x + 0.7, 2.75), wall(x + 0.7, 1.35), (210, 210, 210), 3)
            cv2.line(img, wall(x, 2.05), wall(x + 1.4, 2.05), (210, 210, 210), 3)
        # A banner and a wall clock.
        banner = self._wall_rect((-0.9, 2.75), (1.3, 2.25))
        cv2.fillConvexPoly(img, banner, (60, 45, 35))
        text = np.zeros((h, w), np.uint8)
        cv2.putText(
            text,
            "RUN CLUB",
            (int(banner[:, 0].min()) + 30, int(banner[:, 1].max()) - 18),
            cv2.FONT_HERSHEY_DUPLEX,
            1.4,
            255,
            2,
            cv2.LINE_AA,
        )
        ink = (text.astype(np.float32) / 255.0)[..., None]
        img += ink * (np.array((230, 230, 235), np.float32) - img)
        centre = wall(2.1, 2.45)
        scale = self._wall_scale(2.1)
        cv2.circle(img, centre, round(0.16 * scale), (245, 245, 245), -1, cv2.LINE_AA)
        cv2.circle(img, centre, round(0.16 * scale), (50, 50, 50), 3, cv2.LINE_AA)
        cv2.line(img, centre, (centre[0], centre[1] - round(0.11 * scale)), (30, 30, 30), 2)
        cv2.line(img, centre, (centre[0] + round(0.08 * scale), centre[1]), (30, 30, 30), 3)
        # Dumbbell rack on the right; kettlebells, a bench and a medicine ball on the left.
        cv2.polylines(img, [self._wall_rect((2.2, 0.75), (4.2, _FLOOR_Y))], True, (50, 50, 54), 12)
        for tier, y in enumerate((0.62, 0.25)):
            for i in range(8):
                x = 2.35 + i * 0.25
                cx, cy = wall(x, y)
                rad = round((0.07 + 0.005 * i + 0.02 * tier) * self._wall_scale(x))
                cv2.circle(img, (cx, cy), rad, (35, 35, 38), -1, cv2.LINE_AA)
                cv2.circle(img, (cx - rad // 3, cy - rad // 3), max(rad // 3, 1), (80, 80, 85), -1)
        for i in range(4):
            x = -3.8 + 0.35 * i
            cx, cy = wall(x, _FLOOR_Y + 0.12)
            rad = round(0.11 * self._wall_scale(x))
            cv2.circle(img, (cx, cy), rad, (40, 40, 42), -1, cv2.LINE_AA)
            cv2.ellipse(img, (cx, cy - rad), (rad // 2, rad // 2), 0, 180, 360, (40, 40, 42), 4)
        p = [wall(-2.4, 0.15), wall(-0.9, 0.15), wall(-0.9, _FLOOR_Y + 0.05)]
        cv2.line(img, p[0], p[1], (60, 60, 62), 10, cv2.LINE_AA)
        ball = round(0.25 * self._wall_scale(-2.2))
        cv2.circle(img, wall(-2.2, 0.30), ball, (50, 50, 52), -1, cv2.LINE_AA)
        cv2.fillConvexPoly(img, self._wall_rect((-1.9, 0.32), (-1.6, 0.2)), (60, 60, 62))
        cv2.line(img, p[1], p[2], (60, 60, 62), 8, cv2.LINE_AA)
        # A plant in the corner.
        pot0, pot1 = wall(-5.0, 0.25), wall(-4.6, _FLOOR_Y)
        cv2.fillConvexPoly(img, self._wall_rect((-5.0, 0.25), (-4.6, _FLOOR_Y)), (90, 110, 150))
        for i in range(9):
            ang = np.radians(-70 + i * 17)
            tip = wall(-4.8 + 0.5 * np.sin(ang), 0.25 + 0.7 * np.cos(ang))
            cv2.line(
                img,
                (pot0[0] + (pot1[0] - pot0[0]) // 2, pot0[1]),
                tip,
                (60, 120, 50),
                9,
                cv2.LINE_AA,
            )

    def _wall(self, x: float, y: float) -> tuple[int, int]:
        """The pixel of the point (x, y) m on the back wall."""
        u, v = self._px(self._m((x, y, _WALL_Z)))
        return round(float(u)), round(float(v))

    def _wall_rect(self, corner: tuple[float, float], opposite: tuple[float, float]) -> np.ndarray:
        """(4, 2) int32 pixels of the rectangle on the back wall between two opposite corners
        (x, y) m, in the order OpenCV draws a rectangle's."""
        (x0, y0), (x1, y1) = corner, opposite
        return np.array(
            [self._wall(x0, y0), self._wall(x1, y0), self._wall(x1, y1), self._wall(x0, y1)],
            np.int32,
        )

    def _wall_scale(self, x: float) -> float:
        """Pixels per metre on the back wall at x (m)."""
        return self.cam.focal_px / float(self.cam.depth(self._m((x, 0.0, _WALL_Z))))

    def _segment(self, a3: ArrayLike, b3: ArrayLike) -> np.ndarray | None:
        """(2, 2) pixels of the world segment ``a3``-``b3``, cut where it comes nearer the
        camera than ``_NEAR_M``; None when all of it does."""
        a, b = np.asarray(a3, float), np.asarray(b3, float)
        da, db = (float(d) for d in self.cam.depth(np.stack([a, b])))
        if max(da, db) < _NEAR_M:
            return None
        if da < _NEAR_M:
            a = a + (b - a) * (_NEAR_M - da) / (db - da)
        elif db < _NEAR_M:
            b = b + (a - b) * (_NEAR_M - db) / (da - db)
        return self._px(np.stack([a, b]))

    @staticmethod
    def _shade_down(img: np.ndarray, quad: np.ndarray, top: float, bottom: float) -> None:
        """Scale the colour inside ``quad`` (4, 2) pixels from ``top`` on its first row to
        ``bottom`` on its last, linearly: light through a window, brighter below."""
        lo = np.maximum(quad.min(axis=0), 0)
        hi = np.minimum(quad.max(axis=0), img.shape[1::-1])
        if np.any(hi <= lo):
            return
        mask = np.zeros((hi[1] - lo[1], hi[0] - lo[0]), np.uint8)
        cv2.fillConvexPoly(mask, quad - lo, 1)
        gain = np.linspace(top, bottom, quad[:, 1].max() - quad[:, 1].min(), dtype=np.float32)
        gain = gain[lo[1] - quad[:, 1].min() : hi[1] - quad[:, 1].min()]
        box = img[lo[1] : hi[1], lo[0] : hi[0]]
        box *= np.where(mask[..., None] > 0, gain[:, None, None], np.float32(1.0))

    @staticmethod
    def _vignette(w: int, h: int) -> np.ndarray:
        """(h, w) float32 gain: the lens darkens the corners by 18%."""
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        r2 = ((xs - w / 2) / (w / 2)) ** 2 + ((ys - h / 2) / (h / 2)) ** 2
        return (1.0 - 0.18 * r2 / 2.0).astype(np.float32)


@dataclass(frozen=True, slots=True)
class _FootFrame:
    """A foot's sagittal frame: origin at the heel marker, ``u`` towards the metatarsal markers,
    ``w`` up from the sole, ``z`` the mean depth of the two markers; ``length`` heel to toe (m)."""

    origin: np.ndarray
    u: np.ndarray
    w: np.ndarray
    z: float
    length: float

    @classmethod
    def of(cls, joints: np.ndarray, side: str) -> _FootFrame:
        heel, toe = joints[J[f"{side}_heel"]], joints[J[f"{side}_toe"]]
        d = toe[:2] - heel[:2]
        length = float(np.hypot(*d))
        u = d / length
        return cls(heel[:2], u, np.array([-u[1], u[0]]), 0.5 * float(heel[2] + toe[2]), length)

    def world(self, a: float, b: float) -> np.ndarray:
        """(3,) world metres of the point ``a`` along and ``b`` up from the heel marker."""
        return np.append(self.origin + a * self.u + b * self.w, self.z)

    def world_points(self, ab: list[tuple[float, float]]) -> np.ndarray:
        """(K, 3) world metres of the points ``ab`` (along, up) in this frame."""
        xy = self.origin + np.array([a * self.u + b * self.w for a, b in ab])
        return np.column_stack([xy, np.full(len(xy), self.z)])


def _perp_forward(d: np.ndarray) -> np.ndarray:
    """Unit vector perpendicular to ``d`` (3,) in the sagittal plane, on its forward side."""
    n = np.array([-d[1], d[0], 0.0]) if d[1] < 0 else np.array([d[1], -d[0], 0.0])
    return n / max(float(np.hypot(n[0], n[1])), 1e-9)


@njit(cache=True)
def _capsule_kernel(rgb, alpha, window, geometry, colour, shade, keep, has_keep, soft, opacity):
    """Blend one tapered, shaded capsule into ``rgb`` (H, W, 3) float32 in place.

    window: (y0, y1, x0, x1) pixel rows and columns to visit. geometry: (ax, ay, bx, by, ra, rb)
    in the canvas' pixels. keep: (px, py, nx, ny), the half-plane kept when ``has_keep``.
    ``alpha`` (H, W) float32 is updated too unless it is empty. See ``_Canvas.capsule``.
    """
    y0, y1, x0, x1 = window
    ax, ay, bx, by, ra, rb = geometry
    px, py, nx, ny = keep
    lx, ly, lz = _LIGHT[0], _LIGHT[1], _LIGHT[2]
    abx, aby = bx - ax, by - ay
    l2 = max(abx * abx + aby * aby, 1e-6)
    layer = alpha.shape[0] > 0
    for y in range(y0, y1):
        for x in range(x0, x1):
            s = min(max(((x - ax) * abx + (y - ay) * aby) / l2, 0.0), 1.0)
            dx = x - (ax + s * abx)
            dy = y - (ay + s * aby)
            rad = ra + (rb - ra) * s
            dist = np.sqrt(dx * dx + dy * dy)
            cov = min(max((rad - dist) / soft + 0.5, 0.0), 1.0)
            if has_keep:
                cov *= min(max((x - px) * nx + (y - py) * ny + 0.5, 0.0), 1.0)
            cov *= opacity
            if cov <= 0.0:
                continue
            gain = 1.0
            if shade:
                ux, uy = dx / rad, dy / rad
                uz = np.sqrt(max(1.0 - ux * ux - uy * uy, 0.0))
                gain = _AMBIENT + _DIFFUSE * min(max(ux * lx + uy * ly + uz * lz, 0.0), 1.0)
            for ch in range(3):
                rgb[y, x, ch] += cov * (colour[ch] * gain - rgb[y, x, ch])
            if layer:
                alpha[y, x] += cov * (1.0 - alpha[y, x])
