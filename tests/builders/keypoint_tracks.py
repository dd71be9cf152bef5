"""Keypoint tracks a pose model would produce from a side camera, built from real running.

The motion is Fukuchi RK, Fukuchi CA, Duarte M, PeerJ 5:e3298 (2017), doi 10.7717/peerj.3298,
CC-BY 4.0 (runners RBDS001, RBDS032 and RBDS0041 at 2.5, 2.5 and 4.6 m/s as their feet show,
and trials time-scaled from them), loaded by ``edge.demo.mocap``. Legs come from its joint
centres; the torso, head and arms, which the data set has no markers for, are synthesised
rigidly on the mid-hip so that the track is complete.
"""

from __future__ import annotations

import numpy as np

from edge.demo.mocap import MocapTrial, truth_steps
from edge.demo.scene import SideCamera, world_keypoints
from edge.skeleton import (
    KEYPOINT_NAMES,
    KP,
    LEFT_ANKLE,
    LEFT_HIP,
    LEFT_KNEE,
    NUM_KEYPOINTS,
    RIGHT_ANKLE,
    RIGHT_HIP,
    RIGHT_KNEE,
)

NEAR_CONF, FAR_CONF, CONF_JITTER = 0.9, 0.6, 0.05
MAX_SWAP_RUN, MAX_DROPOUT_RUN = 6, 8
HIP_DROPOUT_PROBABILITY = 0.3

_LEG_PAIRS = ((LEFT_HIP, RIGHT_HIP), (LEFT_KNEE, RIGHT_KNEE), (LEFT_ANKLE, RIGHT_ANKLE))


def synth_track(
    trial: MocapTrial,
    fps: float,
    camera: SideCamera,
    noise_px: float = 3.0,
    far_noise_scale: float = 1.5,
    swap_fraction: float = 0.05,
    far_dropout_fraction: float = 0.05,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A side-camera keypoint track of the trial, with the faults pose models make.

    Frames are at ``k / fps`` seconds from 0 to the end of the trial. Every keypoint gets Gaussian
    pixel noise of ``noise_px`` (the far leg ``far_noise_scale`` times more). Runs of 1-6 frames,
    ``swap_fraction`` of all frames in total, have the left/right labels of the six leg keypoints
    exchanged; runs of 1-8 frames, ``far_dropout_fraction`` in total, lose the far knee and
    ankle (and in some runs the far hip) as NaN with confidence 0. Deterministic given ``seed``.

    Returns:
        t: (T,) float64 seconds.
        kp: (T, 17, 3) float32, pixels (image y down) and confidence, COCO order.
    """
    t = np.arange(int(np.floor(trial.t[-1] * fps + 1e-9)) + 1) / fps
    n = len(t)
    rng = np.random.default_rng(seed)
    far = "left" if camera.near_side == "right" else "right"
    far_leg = [KP[f"{far}_{j}"] for j in ("hip", "knee", "ankle")]

    xy = camera.project(world_keypoints(trial, t))
    sigma = np.full(NUM_KEYPOINTS, noise_px, dtype=np.float64)
    sigma[far_leg] *= far_noise_scale
    xy += rng.normal(size=xy.shape) * sigma[None, :, None]
    conf = np.array([FAR_CONF if name.startswith(far) else NEAR_CONF for name in KEYPOINT_NAMES])
    conf = np.clip(conf + rng.uniform(-CONF_JITTER, CONF_JITTER, size=(n, NUM_KEYPOINTS)), 0, 1)
    kp = np.concatenate([xy, conf[..., None]], axis=-1)

    for start, stop in _runs(rng, n, far_dropout_fraction, MAX_DROPOUT_RUN):
        lost = far_leg if rng.random() < HIP_DROPOUT_PROBABILITY else far_leg[1:]
        kp[start:stop, lost, :2] = np.nan
        kp[start:stop, lost, 2] = 0.0
    swapped = np.zeros(n, dtype=bool)
    for start, stop in _runs(rng, n, swap_fraction, MAX_SWAP_RUN):
        swapped[start:stop] = True
    left, right = (list(p) for p in zip(*_LEG_PAIRS, strict=True))
    kp[np.ix_(swapped, left + right)] = kp[np.ix_(swapped, right + left)]
    return t, kp.astype(np.float32)


def truth_events(trial: MocapTrial) -> list[dict]:
    """The trial's steps (force plate or foot markers, ``trial.contact_source``) with their mocap
    metrics (``mocap.truth_steps``)."""
    return truth_steps(trial)


def _runs(rng: np.random.Generator, n: int, fraction: float, max_len: int) -> list[tuple[int, int]]:
    """Separated runs of 1..``max_len`` frames covering ``round(fraction * n)`` of ``n`` frames.

    Returned as (start, stop) slices in time order, at least one frame apart so they never merge
    into a longer run.
    """
    total = round(fraction * n)
    if total == 0:
        return []
    lengths = rng.integers(1, max_len + 1, size=total)
    ends = np.cumsum(lengths)
    k = int(np.searchsorted(ends, total)) + 1
    lengths = lengths[:k]
    lengths[-1] -= ends[k - 1] - total
    free = n - total - (k - 1)
    if free < 0:
        raise ValueError(f"fraction = {fraction}: too many runs for {n} frames")
    slack = np.sort(rng.integers(0, free + 1, size=k))
    starts = slack + np.concatenate(([0], np.cumsum(lengths)[:-1])) + np.arange(k)
    return [(int(s), int(s + m)) for s, m in zip(starts, lengths, strict=True)]
