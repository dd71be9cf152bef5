from __future__ import annotations

import numpy as np
import pytest

from calibrate.board import BoardFinder, Detection
from calibrate.boardspec import BoardSpec, parse_board
from calibrate.intrinsics import solve_intrinsics
from calibrate.views import ViewCollector
from edge.errors import UsageError
from tests.builders.boards import (
    SIZE,
    board_texture,
    calibration_views,
    camera,
    look_at_pose,
    render_view,
)

CASES = [("barrel", "charuco:7x5:0.05:0.037"), ("tele", "checkerboard:9x6:0.03")]


def collect(camera_name: str, board: str) -> tuple[BoardSpec, ViewCollector]:
    spec = parse_board(board)
    finder = BoardFinder(spec)
    collector = ViewCollector(spec, SIZE)
    for image in calibration_views(camera_name, board):
        found = finder.find(image)
        assert isinstance(found, Detection)
        collector.offer(found)
    return spec, collector


@pytest.mark.parametrize(("camera_name", "board"), CASES)
def test_known_cameras_are_recovered_within_one_percent(camera_name: str, board: str) -> None:
    spec, collector = collect(camera_name, board)
    assert 14 <= len(collector.views) <= 20
    solution = solve_intrinsics(spec, collector.views, SIZE)
    true_K = camera(camera_name).K
    for (r, c), name in zip(
        [(0, 0), (1, 1), (0, 2), (1, 2)], ["fx", "fy", "cx", "cy"], strict=True
    ):
        assert solution.K[r, c] == pytest.approx(true_K[r, c], rel=0.01), name
    assert solution.rms_px < 0.5
    assert solution.dropped == ()
    assert len(solution.view_errors_px) == len(collector.views)
    assert np.allclose(solution.dist[:2], camera(camera_name).dist[:2], atol=0.02)


def test_an_outlier_view_is_dropped_and_the_rest_re_solved() -> None:
    spec, collector = collect(*CASES[0])
    views = list(collector.views)
    bad = views[5]
    rng = np.random.default_rng(7)
    views[5] = Detection(bad.ids, bad.points + rng.normal(0, 3.0, bad.points.shape))
    solution = solve_intrinsics(spec, views, SIZE)
    assert [i for i, _ in solution.dropped] == [5]
    assert solution.dropped[0][1] > 1.0
    assert 5 not in {i for i, _ in solution.view_errors_px}
    assert solution.rms_px < 0.5
    assert solution.K[0, 0] == pytest.approx(camera("barrel").K[0, 0], rel=0.01)


def test_too_few_views_is_a_usage_error_saying_what_to_do() -> None:
    spec, collector = collect(*CASES[0])
    with pytest.raises(UsageError, match=r"only 3 usable views .* show the board in more places"):
        solve_intrinsics(spec, collector.views[:3], SIZE)


def test_the_collector_keeps_only_views_that_add_coverage_or_tilt() -> None:
    spec = parse_board(CASES[0][1])
    cam = camera("barrel")
    finder = BoardFinder(spec)
    collector = ViewCollector(spec, SIZE)
    texture = board_texture(spec)
    rng = np.random.default_rng(1)

    def view(centre: tuple[float, float], tilt: tuple[float, float, float]) -> Detection:
        rvec, tvec = look_at_pose(cam, spec, centre, 0.8, tilt)
        found = finder.find(render_view(cam, spec, texture, rvec, tvec, rng))
        assert isinstance(found, Detection)
        return found

    first = collector.offer(view((640, 360), (0, 0, 0)))
    assert first.accepted and {"centre", "facing the camera"} <= set(first.adds)
    assert collector.offer(view((642, 361), (0, 0, 0))).kind == "repeat"
    assert "left edge away" in collector.offer(view((640, 360), (0, 30, 0))).adds
    assert "right edge away" in collector.offer(view((640, 360), (0, -30, 0))).adds
    assert "bottom edge away" in collector.offer(view((640, 360), (30, 0, 0))).adds
    for dx in (-60, 60):
        assert "left edge away" in collector.offer(view((640 + dx, 360), (0, 30, 0))).adds
    # The centre and this tilt are full now: one more such view adds nothing.
    assert collector.offer(view((640, 330), (0, 30, 0))).kind == "nothing new"
    missing = collector.missing()
    assert "centre" not in missing and "left edge away" not in missing
    assert {"top left", "bottom right", "top edge away", "right edge away"} <= set(missing)
    assert collector.coverage_map() == ["...", ".#.", "..."]
    assert len(collector.views) == 6
    assert 0 < collector.filled < collector.needed and not collector.complete
