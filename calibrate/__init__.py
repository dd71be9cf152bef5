"""One-time calibration per installation: intrinsics, treadmill plane, checks.

For the station, ``replay`` and ``analyze``::

    from calibrate.fileformat import calibration_if_present, load_calibration

    calibration = load_calibration(path, image_size=(w, h), camera=source)  # or ..._if_present
    metres = calibration.to_plane(pixels)  # (N, 2) image pixels -> (N, 2) m, x forward, y up
    roi = calibration.plane.roi            # image pixels [x, y, w, h] around the runner

Nothing is imported here, so ``hipdrive`` starts without loading OpenCV.
"""
