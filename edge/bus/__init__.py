"""The station's ZeroMQ bus: the wire schema, the publisher, the control channel, CURVE security.

The dashboard depends on this package only, so it never imports the station's other stages.
"""
