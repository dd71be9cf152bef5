"""The COCO-17 keypoint layout every stage agrees on.

Keypoints travel as float32 arrays of shape ``(17, 3)``: x and y in full-frame pixels (image y
down) and a confidence in 0..1. A missing keypoint is NaN with confidence 0.
"""

from __future__ import annotations

KEYPOINT_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
NUM_KEYPOINTS = len(KEYPOINT_NAMES)
KP = {name: i for i, name in enumerate(KEYPOINT_NAMES)}

LEFT_SHOULDER, RIGHT_SHOULDER = KP["left_shoulder"], KP["right_shoulder"]
LEFT_HIP, RIGHT_HIP = KP["left_hip"], KP["right_hip"]
LEFT_KNEE, RIGHT_KNEE = KP["left_knee"], KP["right_knee"]
LEFT_ANKLE, RIGHT_ANKLE = KP["left_ankle"], KP["right_ankle"]

LIMBS: dict[str, tuple[tuple[int, int], ...]] = {
    side: (
        (KP[f"{side}_shoulder"], KP[f"{side}_elbow"]),
        (KP[f"{side}_elbow"], KP[f"{side}_wrist"]),
        (KP[f"{side}_hip"], KP[f"{side}_knee"]),
        (KP[f"{side}_knee"], KP[f"{side}_ankle"]),
    )
    for side in ("left", "right")
}
"""Each side's arm and leg bones as (keypoint, keypoint) index pairs, from the trunk outwards."""
