"""Session recording and file formats: keypoint tracks (CSV) and sessions in SQLite."""
