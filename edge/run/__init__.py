"""The station as it runs (``hipdrive run``): the frame pipeline from the camera through pose,
the station loop feeding the gait engine and the bus, and systemd's notify and watchdog."""
