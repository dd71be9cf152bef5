"""The strides drill: its plan, its repeats and their table (issue 21)."""
