from __future__ import annotations

import re
import struct
import zlib

import cv2
import numpy as np
import pytest

from calibrate.board import BoardFinder, Detection, Rejection, charuco_board
from calibrate.boardspec import parse_board
from calibrate.printable import pdf_bytes, png_bytes, render_sheet
from edge.errors import UsageError
from tests.builders.boards import (
    board_texture,
    calibration_views,
    camera,
    look_at_pose,
    render_view,
)

CHARUCO = "charuco:7x5:0.05:0.037"


@pytest.mark.parametrize(
    ("spec", "text", "corners"),
    [
        ("charuco:7x5:0.05:0.037", "charuco:7x5:0.05:0.037:DICT_4X4_50", 24),
        ("ChArUco:10X7:0.03:0.022:5x5_100", "charuco:10x7:0.03:0.022:DICT_5X5_100", 54),
        ("checkerboard:9x6:0.025", "checkerboard:9x6:0.025", 40),
    ],
)
def test_board_specs_parse_and_print_back(spec: str, text: str, corners: int) -> None:
    board = parse_board(spec)
    assert str(board) == text
    assert board.corner_count == corners == len(board.corners())
    assert parse_board(str(board)) == board


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("aruco:7x5:0.05", "unknown kind 'aruco'"),
        ("charuco:7x5:0.05", "wrong number of fields"),
        ("checkerboard:9by6:0.03", "must be COLSxROWS"),
        ("checkerboard:2x6:0.03", "each side needs 3 to 40"),
        ("checkerboard:9x6:30", "must be 0.001 to 1 \\(metres\\)"),
        ("checkerboard:9x6:3cm", "must be metres"),
        ("charuco:7x5:0.05:0.06", "must be smaller than the square"),
        ("charuco:7x5:0.05:0.037:DICT_9X9_50", "unknown dictionary"),
        ("charuco:12x10:0.02:0.015:DICT_4X4_50", "need 60 markers but DICT_4X4_50 has 50"),
    ],
)
def test_bad_board_specs_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_board(spec)


def test_corner_geometry_is_shared_by_both_kinds() -> None:
    board = parse_board("checkerboard:4x3:0.1")
    assert np.allclose(
        board.corners(), [[0.1, 0.1], [0.2, 0.1], [0.3, 0.1], [0.1, 0.2], [0.2, 0.2], [0.3, 0.2]]
    )
    charuco = parse_board("charuco:4x3:0.1:0.07")
    assert np.allclose(charuco_board(charuco).getChessboardCorners()[:, :2], charuco.corners())


@pytest.fixture(scope="module")
def frontal() -> np.ndarray:
    return calibration_views("barrel", CHARUCO, n=1)[0]


def test_a_sharp_board_is_found_to_a_tenth_of_a_pixel() -> None:
    cam, spec = camera("barrel"), parse_board(CHARUCO)
    rvec, tvec = look_at_pose(cam, spec, (640, 360), 0.8, (15, -20, 5))
    image = render_view(cam, spec, board_texture(spec), rvec, tvec, np.random.default_rng(3))
    found = BoardFinder(spec).find(image)
    assert isinstance(found, Detection)
    assert len(found.ids) == spec.corner_count
    truth = cam.project(np.column_stack([spec.corners(), np.zeros(24)]), rvec, tvec)
    errors = np.linalg.norm(found.points - truth[found.ids], axis=1)
    assert errors.mean() < 0.15 and errors.max() < 0.4


def test_blurred_partial_and_empty_images_are_rejected_with_reasons(frontal: np.ndarray) -> None:
    finder = BoardFinder(parse_board(CHARUCO))
    assert isinstance(finder.find(frontal), Detection)

    blurred = cv2.GaussianBlur(frontal, (0, 0), 2.0)
    shaken = cv2.filter2D(frontal, -1, np.full((1, 7), 1 / 7, np.float32))
    cut = frontal.copy()
    cut[:, 300:] = 120  # the board spans x 133-449
    empty = np.full_like(frontal, 120)
    cases = [
        (blurred, "blurred", r"too blurred: board edges spread over \d+\.\d px \(at most 4\.5\)"),
        (shaken, "blurred", "hold the board still"),
        (cut, "partial", r"partial board: \d+ of 24 corners found \(need 12\)"),
        (empty, "no board", "no board found: show the whole charuco:7x5"),
    ]
    for image, kind, reason in cases:
        found = finder.find(image)
        assert isinstance(found, Rejection), kind
        assert found.kind == kind
        assert re.search(reason, found.reason), found.reason


def test_a_checkerboard_is_found_whole_or_not_at_all() -> None:
    spec = parse_board("checkerboard:9x6:0.03")
    image = calibration_views("tele", str(spec), n=1)[0]
    finder = BoardFinder(spec)
    found = finder.find(image)
    assert isinstance(found, Detection) and len(found.ids) == 40
    cut = image.copy()
    cut[:, int(np.median(found.points[:, 0])) :] = 120
    rejected = finder.find(cut)
    assert isinstance(rejected, Rejection) and rejected.kind == "no board"


def test_the_printed_board_is_true_scale_and_detectable() -> None:
    spec = parse_board(CHARUCO)
    dpi = 100.0
    sheet = render_sheet(spec, "a3", dpi)
    ppm = dpi / 0.0254
    assert sheet.shape == (round(0.297 * ppm), round(0.420 * ppm))
    found = BoardFinder(spec).find(sheet)
    assert isinstance(found, Detection) and len(found.ids) == spec.corner_count
    order = np.argsort(found.ids)
    first, last = found.points[order[0]], found.points[order[-1]]
    span_m = np.linalg.norm(spec.corners()[-1] - spec.corners()[0])
    assert np.linalg.norm(last - first) / ppm == pytest.approx(span_m, abs=1 / ppm)


def test_the_drawn_pattern_matches_opencvs_own() -> None:
    spec = parse_board(CHARUCO)
    dpi = 2000 * 0.0254  # 2000 px per metre: 100 px squares, so OpenCV's image is exact
    sheet = render_sheet(spec, "a3", dpi)
    reference = charuco_board(spec).generateImage((700, 500), marginSize=0, borderBits=1)
    top, left = (sheet.shape[0] - 500) // 2, (sheet.shape[1] - 700) // 2
    mine = sheet[top : top + 500, left : left + 700]
    assert np.mean(mine != reference) < 0.01


def test_a_board_too_large_for_the_paper_names_a_larger_one() -> None:
    with pytest.raises(UsageError, match="does not fit on a4 with 12 mm margins; use --paper a3"):
        render_sheet(parse_board(CHARUCO), "a4", 100)


def test_png_states_its_resolution_and_pdf_its_page_size() -> None:
    sheet = render_sheet(parse_board("checkerboard:6x4:0.04"), "a4", 150)
    png = png_bytes(sheet, 150)
    decoded = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert np.array_equal(decoded, sheet)
    at = png.index(b"pHYs")
    ppm_x, ppm_y, unit = struct.unpack(">IIB", png[at + 4 : at + 13])
    assert (ppm_x, ppm_y, unit) == (round(150 / 0.0254), round(150 / 0.0254), 1)
    assert struct.unpack(">I", png[at + 13 : at + 17])[0] == zlib.crc32(png[at : at + 13])

    pdf = pdf_bytes(sheet, 150)
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert box is not None
    page_mm = [float(v) / 72 * 25.4 for v in box.groups()]
    assert page_mm == pytest.approx([297.0, 210.0], abs=0.2)
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split()[0])
    assert pdf[xref:].startswith(b"xref\n0 6\n")
    offsets = [int(line[:10]) for line in pdf[xref:].split(b"\n")[3:8]]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(f"{number} 0 obj".encode())
    stream = pdf.split(b"stream\n", 1)[1]
    length = int(re.search(rb"/Length (\d+) >>\nstream", pdf).group(1))
    assert zlib.decompress(stream[:length]) == sheet.tobytes()
