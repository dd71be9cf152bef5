"""A fake station for the console: a synthetic runner on a real publisher and control socket.

Frames at 60 Hz from a drawn (not detected) side-view runner, a step at each foot contact, a
summary after each step and status once a second; the control socket applies start/stop, belt
speed and runner name to the status, as the station does. For trying ``hipdrive dashboard`` by
hand and for the dashboard's tests::

    .venv/bin/python -m tests.fake_station [--publish ENDPOINT] [--control ENDPOINT] [--fps 60]
"""

from __future__ import annotations

import argparse
import math
import threading
import time
from collections import deque
from collections.abc import Mapping
from typing import Any, cast

import numpy as np

from edge.bus.control import CommandRefused, ControlServer
from edge.bus.publisher import Publisher
from edge.bus.schema import MetricName, MetricStats, StepMsg, SummaryMsg, keypoints_to_wire
from edge.gait.metrics import view_factors
from edge.gait.summary import summarise
from edge.skeleton import KP, NUM_KEYPOINTS
from tests.builders import messages

STRIDE_S = 0.7
"""One stride (two steps): 171 steps a minute."""
_THIGH_PX, _SHANK_PX, _TORSO_PX = 190.0, 190.0, 250.0
_UPPER_ARM_PX, _FOREARM_PX = 120.0, 110.0


def _limb(start: np.ndarray, angle_deg: float, length: float) -> np.ndarray:
    """The end of a segment hanging from ``start`` at ``angle_deg`` from straight down, positive
    forward (image x to the right, y down: the runner faces right)."""
    a = math.radians(angle_deg)
    return start + length * np.array([math.sin(a), math.cos(a)])


def runner_keypoints(t: float) -> np.ndarray:
    """(17, 3) float32: a runner seen from the left side at time ``t`` s, pixels of a 1280x720
    image; the left foot lands at phase 0.25 of each stride, the right at 0.75 (see landings)."""
    kp = np.zeros((NUM_KEYPOINTS, 3), dtype=np.float32)
    phase = t / STRIDE_S
    hip = np.array([600.0, 330.0 + 10.0 * math.sin(4 * math.pi * (phase - 0.25))])
    shoulder = hip + np.array([25.0, -_TORSO_PX])
    for side, offset, conf in (("left", 0.0, 0.95), ("right", 0.5, 0.7)):
        p = phase - offset
        thigh = 25.0 * math.sin(2 * math.pi * p) + 5.0
        knee_flexion = 57.5 + 42.5 * math.cos(2 * math.pi * (p - 0.85))
        knee = _limb(hip, thigh, _THIGH_PX)
        ankle = _limb(knee, thigh - knee_flexion, _SHANK_PX)
        arm = -35.0 * math.sin(2 * math.pi * p)
        elbow = _limb(shoulder, arm, _UPPER_ARM_PX)
        wrist = _limb(elbow, arm + 100.0, _FOREARM_PX)
        for name, point in (
            ("hip", hip),
            ("knee", knee),
            ("ankle", ankle),
            ("shoulder", shoulder),
            ("elbow", elbow),
            ("wrist", wrist),
        ):
            kp[KP[f"{side}_{name}"]] = (*point, conf)
    for name, dx, dy in (("nose", 45, -80), ("left_eye", 35, -92), ("left_ear", 5, -88)):
        kp[KP[name]] = (shoulder[0] + dx, shoulder[1] + dy, 0.9)
    kp[KP["right_eye"]] = (np.nan, np.nan, 0.0)
    kp[KP["right_ear"]] = (np.nan, np.nan, 0.0)
    return kp


def step_at(i: int, ic_t: float, rng: np.random.Generator) -> StepMsg:
    """The i-th step, landing at station time ``ic_t``: overstride and hip drive wander over a
    minute or so, and the left foot reaches a little further than the right. The runner faces
    right, so the left leg is the far one, rated as the gait engine rates it (``far_rating``)."""
    left = i % 2 == 0
    drift = math.sin(2 * math.pi * ic_t / 60.0)
    overstride = 19.0 + 6.0 * drift + (1.5 if left else -1.5) + rng.normal(0.0, 1.2)
    contact = 240.0 + 30.0 * drift + rng.normal(0.0, 6.0)
    shank = 6.0 + 2.5 * drift + rng.normal(0.0, 0.8)
    hip = 11.0 - 3.0 * math.sin(2 * math.pi * ic_t / 45.0) + rng.normal(0.0, 1.0)
    knee = 55.0 + (3.0 if left else -3.0) + rng.normal(0.0, 1.5)
    # At toe-off the stance thigh is just short of its peak extension, the swing thigh on its
    # way up to its peak lift.
    back, front = hip - 1.0, 0.75 * knee
    return messages.step(
        i,
        t=ic_t + 0.45,
        foot="left" if left else "right",
        ic_t=ic_t,
        to_t=ic_t + 0.24,
        contact_ms=contact,
        step_ms=None if i == 0 else STRIDE_S * 500.0,
        cadence_spm=None if i == 0 else 120.0 / STRIDE_S,
        overstride_cm=overstride,
        overstride_pct_leg=overstride / 0.85,
        shank_angle_ic_deg=shank,
        braking_ms=overstride / 100.0 / 3.0 * 1000.0,
        hip_extension_deg=hip,
        knee_lift_deg=knee,
        scissor_deg=back + front,
        scissor_back_deg=back,
        scissor_front_deg=front,
        swing_knee_lift_deg=knee + (-6.0 if left else 6.0),
        view="far" if left else "near",
        metric_confidence=far_rating(left),
    )


def far_rating(far: bool, confidence: float = 0.9) -> dict[str, float]:
    """What the engine rates less sure on a step of the far leg or of the near one."""
    factors = view_factors("far" if far else "near")
    return {name: round(factor * confidence, 3) for name, factor in factors.items()}


_NUMERIC = [f for f in StepMsg.__dataclass_fields__ if f.endswith(("_ms", "_spm", "_cm", "_deg"))]
_NUMERIC += ["overstride_pct_leg", "vertical_osc_pct_leg", "stride_length_m"]


def summary_of(steps: list[StepMsg], t: float) -> SummaryMsg:
    """Medians, spread and left/right asymmetry of the steps as the station gives them
    (``summarise``: the far leg's less sure figures are left out, "near leg only"), and a cue
    from the default targets (no hysteresis: the real station's cue is not under test here)."""
    metrics: dict[MetricName, MetricStats] = {}
    for name in _NUMERIC:
        m = summarise(steps, name)
        if m.median is None:
            continue
        metrics[cast(MetricName, name)] = MetricStats(
            median=m.median,
            iqr=m.iqr,
            asymmetry_pct=m.asymmetry_pct,
            confident=m.confident,
            near_leg_only=m.near_leg_only,
            feet_mixed=m.feet_mixed,
        )
    cue: tuple[str | None, str | None, str | None] = (None, None, None)
    if len(steps) >= 4:
        overstride = metrics["overstride_cm"].median or 0.0
        hip = metrics["hip_extension_deg"].median or 0.0
        if overstride > 20.0:
            cue = (
                "overstride",
                "Land under your hips",
                f"foot lands {overstride:.0f} cm ahead of the hips (target <= 20 cm)",
            )
        elif hip < 10.0:
            cue = (
                "hip_drive",
                "Drive the hip back",
                f"thigh drives {hip:.0f} deg behind vertical (target >= 10 deg)",
            )
        else:
            cue = ("good", "Good form - keep it up", "every target met")
    return messages.summary(
        t=t,
        n_steps=len(steps),
        metrics=metrics,
        cue_key=cue[0],
        cue=cue[1],
        cue_reason=cue[2],
        units="cm",
        calibrated=True,
    )


class FakeStation:
    """Publishes the synthetic runner and serves the control channel (``ControlHandler``)."""

    def __init__(self, publish: str, control: str, fps: float = 60.0) -> None:
        self.fps = fps
        self.publisher = Publisher(publish)
        self.server = ControlServer(self, control)
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {
            "session_id": None,
            "runner": "Ana",
            "recording": False,
            "belt_speed_mps": 3.0,
        }
        self._sessions = 0

    # ControlHandler
    def start_session(self, runner: str | None) -> Mapping[str, Any]:
        with self._lock:
            self._sessions += 1
            self._state.update(session_id=self._sessions, recording=True)
            if runner:
                self._state["runner"] = runner
            return {"session_id": self._sessions}

    def stop_session(self) -> None:
        with self._lock:
            if self._state["session_id"] is None:
                raise CommandRefused("no session is open")
            self._state.update(session_id=None, recording=False)

    def set_belt_speed(self, mps: float | None) -> None:
        with self._lock:
            self._state["belt_speed_mps"] = mps

    def set_runner(self, name: str) -> None:
        with self._lock:
            self._state["runner"] = name

    def set_voice(self, on: bool) -> None:
        with self._lock:
            self._state["voice"] = on

    def mark_lap(self, label: str | None, t: float | None = None) -> None:
        with self._lock:
            if self._state["session_id"] is None:
                raise CommandRefused("no session is open: start one first")

    def status(self, t: float) -> Any:
        with self._lock:
            return messages.status(t=t, calibrated=True, calibration="fake", **self._state)

    def run(self, duration: float | None = None) -> None:
        """Publish until ``duration`` seconds have passed (forever if None)."""
        self.server.start()
        rng = np.random.default_rng(0)
        start = time.monotonic()
        period = 1.0 / self.fps
        steps: deque[StepMsg] = deque(maxlen=20)
        pending: deque[StepMsg] = deque()
        next_status = start
        frame = landed = 0
        landing = start + 0.25 * STRIDE_S
        while duration is None or time.monotonic() - start < duration:
            now = time.monotonic()
            if now >= next_status:
                self.publisher.publish(self.status(now))
                next_status += 1.0
            kp = runner_keypoints(now - start)
            self.publisher.publish(messages.frame(frame, t=now, keypoints=keypoints_to_wire(kp)))
            frame += 1
            while landing <= now:
                pending.append(step_at(landed, landing, rng))
                landing += STRIDE_S / 2
                landed += 1
            while pending and pending[0].t <= now:
                step = pending.popleft()
                steps.append(step)
                self.publisher.publish(step)
                self.publisher.publish(summary_of(list(steps), now))
            time.sleep(max(start + frame * period - time.monotonic(), 0.0))

    def close(self) -> None:
        self.server.close()
        self.publisher.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--publish", default="tcp://127.0.0.1:5556")
    parser.add_argument("--control", default="tcp://127.0.0.1:5557")
    parser.add_argument("--fps", type=float, default=60.0)
    parser.add_argument("--duration", type=float, help="seconds (default: until interrupted)")
    args = parser.parse_args()
    station = FakeStation(args.publish, args.control, args.fps)
    try:
        station.run(args.duration)
    except KeyboardInterrupt:
        pass
    finally:
        station.close()


if __name__ == "__main__":
    main()
