"""Builders of test data: keypoint tracks, events and the like."""
