"""Measuring the station: ``hipdrive bench`` (speed, side by side) and ``hipdrive soak`` (hours
of running: memory, dropped frames, steps)."""
