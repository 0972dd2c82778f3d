"""PDF pages as images: scanned documents come as PDFs as often as TIFFs.

Each page is rendered (pdfium, through the ``pypdfium2`` wheel) into an ``H x W x 3`` uint8 RGB array on white: a
scanned page (one picture over most of the page) at the scan's own resolution, so that its pixels are neither
invented nor lost, and any other page at :data:`RENDER_DPI`; less where the page would exceed the pixel limit. Used by :mod:`ocr_core.imageio`
for paths ending in ``.pdf`` and for PDF bytes; imports neither Qt nor TensorFlow.

>>> is_pdf("scan.PDF"), is_pdf(b"%PDF-1.7 ..."), is_pdf("scan.tif")
(True, True, False)
"""

from __future__ import annotations

import functools
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from ocr_core.errors import ImageReadError

__all__ = ["RENDER_DPI", "SCAN_DPI_RANGE", "is_pdf", "pdf_page_count", "pdf_page_points", "pdf_page_size", "render_pdf_page"]

#: Resolution pages of text and drawings are rendered at: what OCR wants of a scan (text of 10 points is about 40
#: pixels tall).
RENDER_DPI = 300.0
#: A scanned page is rendered at its picture's resolution, kept within these bounds.
SCAN_DPI_RANGE = (72.0, 600.0)
#: The picture of a scanned page covers at least this share of the page.
_SCAN_COVER = 0.5


def is_pdf(source: Any) -> bool:
    """A path ending in ``.pdf`` (any case), or bytes that start as a PDF file does."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source[:5]) == b"%PDF-"
    return isinstance(source, str | os.PathLike) and "://" not in str(source) and \
        Path(source).suffix.lower() == ".pdf"


def _open(source: Any, label: str) -> Any:
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ImageReadError(f"cannot read {label}: reading PDF files needs pypdfium2 (pip install pypdfium2)") from exc
    if not isinstance(source, bytes | bytearray | memoryview):
        path = Path(source)
        if not path.is_file():
            raise ImageReadError(f"cannot read image {label}: no such file" if not path.exists()
                                 else f"cannot read image {label}: not a file")
        source = str(path)
    try:
        return pdfium.PdfDocument(bytes(source) if isinstance(source, bytearray | memoryview) else source)
    except pdfium.PdfiumError as exc:
        reason = str(exc)
        if "password" in reason.lower():
            raise ImageReadError(f"cannot read {label}: the PDF is password-protected") from exc
        raise ImageReadError(f"cannot read {label}: not a readable PDF ({reason})") from exc


def _label(source: Any, label: str | None) -> str:
    if label:
        return label
    return "the PDF data" if isinstance(source, bytes | bytearray | memoryview) else str(source)[:200]


def pdf_page_count(source: Any, label: str | None = None) -> int:
    """How many pages the PDF has."""
    document = _open(source, _label(source, label))
    try:
        return len(document)
    finally:
        document.close()


def _scale(width_pt: float, height_pt: float, dpi: float, max_pixels: int) -> float:
    """Pixels per point: ``dpi / 72``, less where the page would hold more than ``max_pixels``."""
    scale = dpi / 72.0 * (1 - 1e-6)  # pdfium rounds each side up: a side of 480.00001 pixels is not 481
    pixels = width_pt * height_pt * scale * scale
    if pixels > max_pixels:
        scale *= math.sqrt(max_pixels / pixels)
        # pdfium rounds each side up: on a small limit that alone can pass it
        while math.ceil(width_pt * scale) * math.ceil(height_pt * scale) > max_pixels and scale > 1e-4:
            scale *= 0.995
    return scale


def _scan_dpi(page: Any, width_pt: float, height_pt: float) -> float | None:
    """The resolution of the picture that covers most of a scanned page: one with no visible text or drawing (a
    searchable scan's text is invisible); ``None`` for other pages (text over a background picture, a form)."""
    try:
        import pypdfium2.raw as pdfium_c

        best = None
        pictures = []
        for item in page.get_objects():
            if item.type == pdfium_c.FPDF_PAGEOBJ_PATH or (
                    item.type == pdfium_c.FPDF_PAGEOBJ_TEXT
                    and pdfium_c.FPDFTextObj_GetTextRenderMode(item.raw) != pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE):
                return None  # drawn text or lines: they are sharp at any resolution, so 300 dpi
            if item.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                pictures.append(item)
        for picture in pictures:
            left, bottom, right, top = picture.get_bounds()
            cover = (right - left) * (top - bottom) / (width_pt * height_pt)
            if cover >= _SCAN_COVER and (best is None or cover > best[0]):
                px_width, px_height = picture.get_px_size()
                dpi = max(72.0 * px_width / max(right - left, 1e-6), 72.0 * px_height / max(top - bottom, 1e-6))
                best = (cover, dpi)
    except Exception:  # noqa: BLE001 - a page whose objects pdfium cannot list is rendered as a page of text
        return None
    if best is None or not math.isfinite(best[1]):
        return None
    return float(min(max(round(best[1]), SCAN_DPI_RANGE[0]), SCAN_DPI_RANGE[1]))


def _page_dpi(page: Any, width_pt: float, height_pt: float, dpi: float | None) -> float:
    return dpi if dpi is not None else _scan_dpi(page, width_pt, height_pt) or RENDER_DPI


def pdf_page_points(source: Any, index: int, *, label: str | None = None) -> tuple[float, float]:
    """``(width, height)`` of page ``index`` in points (1/72 inch): its size on paper."""
    label = _label(source, label)
    document = _open(source, label)
    try:
        return _page_size(_page(document, index, label), index, label)
    finally:
        document.close()


def pdf_page_size(source: Any, index: int, *, dpi: float | None = None, max_pixels: int = 100_000_000,
                  label: str | None = None) -> tuple[int, int]:
    """``(width, height)`` in pixels of page ``index`` as :func:`render_pdf_page` renders it."""
    label = _label(source, label)
    document = _open(source, label)
    try:
        page = _page(document, index, label)
        width, height = _page_size(page, index, label)
        scale = _scale(width, height, _page_dpi(page, width, height, dpi), max_pixels)
        return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))  # as pdfium sizes its bitmap
    finally:
        document.close()


def render_pdf_page(source: Any, index: int, *, dpi: float | None = None, max_pixels: int = 100_000_000,
                    label: str | None = None) -> np.ndarray:
    """Page ``index`` (0-based) rendered on white as an RGB array, at ``dpi`` (default: a scan's own resolution,
    else :data:`RENDER_DPI`); a page too large for ``max_pixels`` is rendered at the resolution that fits.

    The last pages rendered of a file are kept (a searchable PDF made from a PDF embeds the very pages that were
    just read): a file changed since is rendered again. The caller gets its own copy.
    """
    if not isinstance(source, bytes | bytearray | memoryview):
        try:
            stat = Path(source).stat()
            key = (str(Path(source).resolve()), stat.st_mtime_ns, stat.st_size, index,
                   -1.0 if dpi is None else float(dpi), int(max_pixels))
        except OSError:
            key = None
        if key is not None:
            return _render_cached(key, label).copy()
    return _render(source, index, dpi, max_pixels, label)


@functools.lru_cache(maxsize=2)
def _render_cached(key: tuple[str, int, int, int, float, int], label: str | None) -> np.ndarray:
    path, _mtime, _size, index, dpi, max_pixels = key
    pixels = _render(path, index, None if dpi < 0 else dpi, max_pixels, label)
    pixels.setflags(write=False)
    return pixels


def _render(source: Any, index: int, dpi: float | None, max_pixels: int, label: str | None) -> np.ndarray:
    label = _label(source, label)
    document = _open(source, label)
    try:
        page = _page(document, index, label)
        width, height = _page_size(page, index, label)
        try:
            scale = _scale(width, height, _page_dpi(page, width, height, dpi), max_pixels)
            bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255),
                                 rev_byteorder=True)  # RGB(A) byte order
            pixels = np.array(bitmap.to_numpy(), copy=True)
            bitmap.close()
        except Exception as exc:  # noqa: BLE001 - pdfium reports any failure to draw as its own error
            raise ImageReadError(f"cannot read {label} (page {index + 1}): {exc}") from exc
    finally:
        document.close()
    if pixels.ndim == 2 or pixels.shape[2] == 1:
        pixels = np.repeat(pixels.reshape(pixels.shape[0], pixels.shape[1], 1), 3, axis=2)
    return np.ascontiguousarray(pixels[..., :3], dtype=np.uint8)


def _page(document: Any, index: int, label: str) -> Any:
    pages = len(document)
    if not 0 <= index < pages:
        raise ImageReadError(f"cannot read image {label}: it has {pages} page{'s' if pages != 1 else ''}, "
                             f"not a page {index + 1}")
    try:
        return document[index]
    except Exception as exc:  # noqa: BLE001 - pdfium's own error for a broken page object
        raise ImageReadError(f"cannot read {label} (page {index + 1}): {exc}") from exc


def _page_size(page: Any, index: int, label: str) -> tuple[float, float]:
    try:
        width, height = page.get_size()
    except Exception as exc:  # noqa: BLE001
        raise ImageReadError(f"cannot read {label} (page {index + 1}): {exc}") from exc
    if not (width > 0 and height > 0):
        raise ImageReadError(f"cannot read {label} (page {index + 1}): the page has no size")
    return float(width), float(height)
