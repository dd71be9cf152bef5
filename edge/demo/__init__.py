"""The embedded demo: a runner from real treadmill motion capture, with force-plate ground truth."""
