"""Cues a runner hears: offline speech (``speech``) and when to speak (``coach``)."""
