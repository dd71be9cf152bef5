"""One-time calibration per installation: intrinsics, treadmill plane, checks."""
