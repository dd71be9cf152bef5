"""A printable board at true scale: a PNG that states its resolution and a one-page PDF.

Every square edge is placed at its exact position rounded to the nearest pixel (no error builds
up across the board), the PNG carries its pixels per metre (pHYs), and the PDF page is the
paper's size with the image drawn over all of it, so "actual size" printing keeps the scale.
The PDF is written by hand (a catalogue, one page, one image): Pillow, the one PDF writer at
hand, stores a grey image as JPEG, and a board must print without its edges blurred.
"""

from __future__ import annotations

import io
import zlib

import cv2
import numpy as np
from PIL import Image

from calibrate.board import charuco_board
from calibrate.boardspec import PAPERS_MM, BoardSpec
from edge.errors import UsageError

MARGIN_MM = 12.0
TEXT_MM = 3.0


def render_sheet(spec: BoardSpec, paper: str = "a3", dpi: float = 300.0) -> np.ndarray:
    """(H, W) uint8 page at ``dpi``: the pattern centred, with its spec and how to use it."""
    ppm = pixels_per_metre(dpi)
    long_mm, short_mm = PAPERS_MM[paper]
    width_m, height_m = spec.size_m
    page_mm = (long_mm, short_mm) if width_m >= height_m else (short_mm, long_mm)
    if 1000 * width_m + 2 * MARGIN_MM > page_mm[0] or 1000 * height_m + 2 * MARGIN_MM > page_mm[1]:
        bigger = [name for name, (a, b) in PAPERS_MM.items() if a * b > long_mm * short_mm]
        raise UsageError(
            f"board {spec} is {1000 * width_m:.0f} x {1000 * height_m:.0f} mm and does not fit "
            f"on {paper} with {MARGIN_MM:g} mm margins; use --paper "
            f"{' or '.join(bigger) or 'with a smaller --board'} or smaller squares"
        )
    page_w, page_h = (round(mm / 1000 * ppm) for mm in page_mm)
    page = np.full((page_h, page_w), 255, np.uint8)
    left = round((page_w - width_m * ppm) / 2)
    top = round((page_h - height_m * ppm) / 2)
    _draw_pattern(page, spec, ppm, left, top)
    _draw_notes(page, spec, ppm, dpi, left, top)
    return page


def pixels_per_metre(dpi: float) -> int:
    if not 50 <= dpi <= 1200:
        raise UsageError(f"--dpi {dpi:g}: must be 50 to 1200")
    return round(dpi / 0.0254)


def _draw_pattern(page: np.ndarray, spec: BoardSpec, ppm: int, left: int, top: int) -> None:
    def px(metres: float) -> int:
        return round(metres * ppm)

    s = spec.square_m
    for j in range(spec.rows):
        for i in range(spec.cols):
            if (i + j) % 2 == 0:
                page[
                    top + px(j * s) : top + px((j + 1) * s),
                    left + px(i * s) : left + px((i + 1) * s),
                ] = 0
    if spec.kind != "charuco":
        return
    board = charuco_board(spec)
    side = px(spec.marker_m or 0.0)
    for marker_id, corners in zip(
        np.asarray(board.getIds()).ravel(), board.getObjPoints(), strict=True
    ):
        x, y = np.asarray(corners).reshape(-1, 3)[:, :2].min(axis=0)
        image = cv2.aruco.generateImageMarker(
            board.getDictionary(), int(marker_id), side, borderBits=1
        )
        page[top + px(y) : top + px(y) + side, left + px(x) : left + px(x) + side] = image


def _draw_notes(
    page: np.ndarray, spec: BoardSpec, ppm: int, dpi: float, left: int, top: int
) -> None:
    """The spec and printing check above the pattern; the belt edge marked below it."""
    scale = TEXT_MM / 1000 * ppm / 22
    thick = max(1, round(scale * 1.5))
    line = round(1.8 * TEXT_MM / 1000 * ppm)
    bottom = top + round(spec.size_m[1] * ppm)
    right = left + round(spec.size_m[0] * ppm)
    notes = [
        (
            top - 2 * line,
            f"hipdrive board --board {spec}   ({dpi:g} dpi)",
        ),
        (
            top - line,
            f"Print at 100% (no fit to page), mount flat and rigid; a square must measure "
            f"{1000 * spec.square_m:.1f} mm, else give the measured size in --board.",
        ),
        (
            bottom + line + round(TEXT_MM / 1000 * ppm),
            "calibrate plane: fold the margin back along the pattern's bottom edge (marks) "
            "and stand that edge on the belt.",
        ),
    ]
    for y, text in notes:
        (width, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
        fit = min(scale, scale * (page.shape[1] - 2 * left // 3) / width)
        cv2.putText(
            page, text, (left // 3, y), cv2.FONT_HERSHEY_SIMPLEX, fit, 0, thick, cv2.LINE_AA
        )
    gap, tick = round(0.002 * ppm), round(0.008 * ppm)
    cv2.line(page, (left - gap - tick, bottom), (left - gap, bottom), 0, thick)
    cv2.line(page, (right + gap, bottom), (right + gap + tick, bottom), 0, thick)


def png_bytes(sheet: np.ndarray, dpi: float) -> bytes:
    """The sheet as PNG with its resolution (a pHYs chunk, written by Pillow), so viewers and
    printers know its true size."""
    out = io.BytesIO()
    Image.fromarray(sheet).save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


def pdf_bytes(sheet: np.ndarray, dpi: float) -> bytes:
    """A one-page PDF the size of the sheet at ``dpi``, the sheet drawn over the whole page."""
    h, w = sheet.shape
    ppm = pixels_per_metre(dpi)
    page_w, page_h = (n / ppm / 0.0254 * 72 for n in (w, h))
    image = zlib.compress(np.ascontiguousarray(sheet).tobytes(), 9)
    content = f"q {page_w:.4f} 0 0 {page_h:.4f} 0 0 cm /Im0 Do Q".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page_w:.4f} {page_h:.4f}] "
            "/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>"
        ).encode(),
        (
            f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray "
            f"/BitsPerComponent 8 /Filter /FlateDecode /Length {len(image)} >>\nstream\n"
        ).encode()
        + image
        + b"\nendstream",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)
