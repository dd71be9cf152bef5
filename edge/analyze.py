"""Offline analysis of a video: capture -> pose -> runner -> keypoint track on disk."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from edge.capture import CaptureSettings, open_source
from edge.pose import PoseEstimator, RunnerSelector
from edge.progress import Progress
from edge.store.track import KeypointTrackWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    frames: int
    runner_frames: int
    fps: float
    keypoints_csv: Path


def analyze_video(
    video: Path,
    out_dir: Path,
    estimator: PoseEstimator,
    selector: RunnerSelector,
) -> AnalysisResult:
    """Run pose over every frame of ``video`` and write ``out_dir/keypoints.csv``.

    Times in the track are seconds from the first frame (index / fps), as the file gives them.
    """
    keypoints_csv = out_dir / "keypoints.csv"
    runner_frames = 0
    with open_source(f"file:{video}", CaptureSettings(paced=False)) as source:
        fps = source.info.fps
        progress = Progress(f"analyzing {video.name}", source.info.frame_count)
        with KeypointTrackWriter(keypoints_csv) as track:
            while (frame := source.read()) is not None:
                runner = selector.select(estimator.infer(frame.image))
                runner_frames += runner is not None
                track.write(
                    frame.index / fps, frame.index, None if runner is None else runner.keypoints
                )
                progress.update()
        progress.close()
    log.info("runner found in %d of %d frames", runner_frames, progress.done)
    return AnalysisResult(progress.done, runner_frames, fps, keypoints_csv)
