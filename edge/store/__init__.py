"""Session recording and file formats: keypoint tracks (more to come: SQLite sessions, exports)."""
