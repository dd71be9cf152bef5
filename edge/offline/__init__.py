"""The chain on files instead of a camera: ``hipdrive analyze`` (a video) and ``hipdrive replay``
(a keypoint track), the same stages without the bus."""
