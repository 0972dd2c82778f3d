"""Searchable PDF (write only): each page's image, with its words as invisible text laid over them.

A PDF viewer shows the image; search, select and copy find the words where they are on the image, which is what a
scan turned into a searchable PDF does. A ``.pdf`` file gets every page; a folder gets ``<image stem>.pdf`` per page.

- The image is embedded as it is when it is a plain JPEG (no EXIF rotation), and losslessly (Flate) otherwise.
  A page needs its image (``page.image_path``, or the same name in ``images_dir``); for a page of a multi-page
  file (TIFF, PDF), ``page.extra[IMAGE_PAGE]`` is its 0-based page number in that file.
- The page size follows the image's resolution (its DPI when the file records a plausible one, else 72 dpi, one
  point per pixel), so a 300-dpi A4 scan gives an A4 page.
- Each word is set in Helvetica (one of the fonts every PDF reader has), text render mode 3 (invisible), along its
  box's baseline and scaled to the box's width, so a selection covers the word. Ignored (``###``) words and words
  without text are left out.
- Words with characters outside Windows-1252 (Helvetica's encoding here: Greek, Cyrillic, CJK, ...) are set in a
  second, embedded font with one blank glyph for every character and a ``ToUnicode`` map, as OCR engines' PDFs do:
  nothing to see, and search and copy give the text back. Characters beyond the Basic Multilingual Plane become
  U+FFFD.

No Qt, no TensorFlow; the PDF is written by this module (no PDF library needed).
"""

from __future__ import annotations

import io
import math
import zlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from ocr_core.atomic import atomic_write_bytes
from ocr_core.document import IMAGE_PAGE, Page, Word
from ocr_core.errors import AnnotationFormatError, ImageReadError
from ocr_core.formats._common import check_unique, first_existing, page_name
from ocr_core.imageio import read_image_page
from ocr_core.pdf_input import is_pdf, pdf_page_size

__all__ = ["PdfCodec"]

#: Width of a character of unknown width, in thousandths of the font size (Helvetica's average is about 0.55).
_DEFAULT_CHAR_WIDTH = 556.0
#: Fonts with Helvetica's character widths (metric-compatible), used to measure words; any one found will do.
_METRIC_FONTS = ("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
                 "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")
_FONT_NAME = "F1"
#: The Unicode font: every character is one blank glyph this wide, in thousandths of the font size.
_UNICODE_FONT_NAME = "F2"
_UNICODE_ADVANCE = 500
#: Space left between the text and each end of its box, in font sizes (text extraction needs about 0.1 to break).
_WORD_GAP = 0.3


class PdfCodec:
    """Writes searchable PDFs; reading raises a clear error."""

    name = "pdf"
    description = "searchable PDF: the image with its words as invisible, selectable text (write only)"
    can_read = False
    can_write = True

    def read(self, path: Path, *, images_dir: Path | None = None) -> list:
        raise AnnotationFormatError(f"{path}: a PDF cannot be read as annotations (the pdf format is write only)")

    def write(self, pages: list[Page], out: Path, *, images_dir: Path | None = None) -> list[Path]:
        """Write ``out`` (a ``.pdf`` file: all pages) or ``<stem>.pdf`` per page into the folder ``out``."""
        out = Path(out)
        if out.suffix.lower() == ".pdf":
            atomic_write_bytes(out, _pdf_document([_page_parts(p, images_dir) for p in pages]))
            return [out]
        targets = [out / f"{page_name(p, i)}.pdf" for i, p in enumerate(pages)]
        check_unique(targets)
        for page, target in zip(pages, targets):
            atomic_write_bytes(target, _pdf_document([_page_parts(page, images_dir)]))
        return targets


# ---- one page -----------------------------------------------------------------------------------------------------
class _Picture:
    """An image ready to embed: its PDF filter, colour space, size, bytes and resolution."""

    def __init__(self, data: bytes, filter_name: str, color: str, width: int, height: int, dpi: float) -> None:
        self.data, self.filter, self.color = data, filter_name, color
        self.width, self.height, self.dpi = width, height, dpi


def _picture(path: Path, frame: int = 0) -> _Picture:
    if is_pdf(path):  # a page of a PDF (a scan): as it was rendered for reading, at that resolution
        rgb = read_image_page(path, frame)
        dpi = 72.0 * rgb.shape[1] / max(1, pdf_page_size(path, frame, dpi=72.0)[0])
    else:
        try:
            with Image.open(path) as img:
                dpi = _plausible_dpi(img.info.get("dpi"))
                orientation = img.getexif().get(0x0112, 1) if hasattr(img, "getexif") else 1
                if frame == 0 and img.format == "JPEG" and img.mode in ("RGB", "L") and orientation in (1, None):
                    color = "/DeviceRGB" if img.mode == "RGB" else "/DeviceGray"
                    return _Picture(path.read_bytes(), "/DCTDecode", color, img.width, img.height, dpi)
        except OSError as exc:
            raise ImageReadError(f"{path}: cannot read the image for the PDF ({exc})") from exc
        rgb = read_image_page(path, frame)  # EXIF rotation, palettes, 16-bit and the rest, as the engine saw it
    gray = bool((rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all())
    pixels = np.ascontiguousarray(rgb[..., 0] if gray else rgb)
    return _Picture(zlib.compress(pixels.tobytes(), 6), "/FlateDecode", "/DeviceGray" if gray else "/DeviceRGB",
                    rgb.shape[1], rgb.shape[0], dpi)


def _plausible_dpi(value: object) -> float:
    try:
        dpi = float(value[0]) if isinstance(value, tuple | list) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, IndexError):
        return 72.0
    return dpi if 50.0 <= dpi <= 2400.0 else 72.0


def _page_parts(page: Page, images_dir: Path | None) -> tuple[_Picture, list[Word], float, float]:
    candidates = []
    if page.image_path:
        image_path = Path(str(page.image_path))
        candidates = [image_path, images_dir / image_path.name if images_dir else None]
    found = first_existing(candidates)
    if found is None:
        name = Path(str(page.image_path)).name if page.image_path else f"page {page_name(page, 0)}"
        raise AnnotationFormatError(f"{name}: image not found; a searchable PDF needs the page's image "
                                    "(pass the images' folder, e.g. --images DIR)")
    frame = page.extra.get(IMAGE_PAGE, 0)
    picture = _picture(found, frame if isinstance(frame, int) and frame > 0 else 0)
    # the words are in the page's pixel frame; the image may have been annotated at another size
    sx = picture.width / page.width if page.width else 1.0
    sy = picture.height / page.height if page.height else 1.0
    return picture, [w for w in page.words if not w.ignore and w.text.strip()], sx, sy


def _page_content(picture: _Picture, words: Iterable[Word], sx: float, sy: float) -> tuple[bytes, float, float]:
    """The content stream of one page, and the page's width and height in points."""
    unit = 72.0 / picture.dpi
    width_pt, height_pt = picture.width * unit, picture.height * unit
    ops = [f"q {_num(width_pt)} 0 0 {_num(height_pt)} 0 0 cm /Im0 Do Q", "BT", "3 Tr"]
    for word in words:
        quad = np.asarray(word.quad, dtype=np.float64)
        if _signed_area(quad) < 0:  # drawn counter-clockwise (labelme, PPOCRLabel polygons): same corners, clockwise
            quad = quad[[0, 3, 2, 1]]
        quad = quad * (sx, sy) * unit
        quad[:, 1] = height_pt - quad[:, 1]  # PDF's y axis points up
        tl, tr, br, bl = quad
        base = br - bl
        length = float(np.hypot(*base))
        height = float((np.hypot(*(tl - bl)) + np.hypot(*(tr - br))) / 2)
        text = _label(word)
        if length <= 0 or height <= 0 or not text:
            continue
        size = height * 0.85
        # Detector boxes of neighbouring words often touch: the text spans the box less a small margin at each end,
        # so text extraction (pdftotext and the like) sees a gap between words and puts a space there.
        span = max(length - _WORD_GAP * size, 0.6 * length)
        if _needs_unicode(text):
            font, encoded = _UNICODE_FONT_NAME, _utf16_string(text)
            natural = _UNICODE_ADVANCE * len(text) * size / 1000.0  # one 2-byte code per character
        else:
            font, encoded = _FONT_NAME, _pdf_string(text)
            natural = _text_width(text) * size / 1000.0
        stretch = 100.0 * span / natural if natural > 0 else 100.0
        angle = math.atan2(base[1], base[0])
        cos, sin = math.cos(angle), math.sin(angle)
        along, up = np.array([cos, sin]), np.array([-sin, cos])
        origin = bl + up * height * 0.2 + along * (length - span) / 2  # baseline a fifth of the box above its bottom
        ops.append(f"/{font} {_num(size)} Tf {_num(stretch)} Tz {_num(cos)} {_num(sin)} {_num(-sin)} "
                   f"{_num(cos)} {_num(origin[0])} {_num(origin[1])} Tm {encoded} Tj")
    ops.append("ET")
    return "\n".join(ops).encode("ascii"), width_pt, height_pt


# ---- the file -----------------------------------------------------------------------------------------------------
def _pdf_document(parts: list[tuple[_Picture, list[Word], float, float]]) -> bytes:
    """A complete PDF of the given pages (image, words, and the words' scale to the image)."""
    if not parts:
        raise AnnotationFormatError("no pages to write to the PDF")
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in last, when the page objects are known
    pages_id = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    fonts = f"/{_FONT_NAME} {font} 0 R"
    if any(_needs_unicode(_label(w)) for _, words, _, _ in parts for w in words):
        fonts += f" /{_UNICODE_FONT_NAME} {_add_unicode_font(add)} 0 R"
    kids = []
    for picture, words, sx, sy in parts:
        image = add(_stream(f"<< /Type /XObject /Subtype /Image /Width {picture.width} /Height {picture.height} "
                            f"/ColorSpace {picture.color} /BitsPerComponent 8 /Filter {picture.filter}",
                            picture.data))
        content, width_pt, height_pt = _page_content(picture, words, sx, sy)
        contents = add(_stream("<< /Filter /FlateDecode", zlib.compress(content, 6)))
        kids.append(add(
            f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {_num(width_pt)} {_num(height_pt)}] "
            f"/Resources << /XObject << /Im0 {image} 0 R >> /Font << {fonts} >> >> "
            f"/Contents {contents} 0 R >>".encode("ascii")))
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode("ascii")
    objects[pages_id - 1] = (f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] "
                             f"/Count {len(kids)} >>").encode("ascii")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode("ascii") + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii"))
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode("ascii"))
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
              .encode("ascii"))
    return out.getvalue()


def _add_unicode_font(add) -> int:  # type: ignore[no-untyped-def]
    """Add the Unicode font's objects with ``add`` (which numbers them); returns the font's number.

    A Type 0 font, Identity-H: each character is its UTF-16 code unit as a 2-byte character id; every id draws the
    same blank glyph (the ``CIDToGIDMap`` sends all to glyph 1), and ``ToUnicode`` maps each id back to itself.
    """
    program = _blank_truetype()
    font_file = add(_stream(f"<< /Filter /FlateDecode /Length1 {len(program)}", zlib.compress(program, 9)))
    descriptor = add(f"<< /Type /FontDescriptor /FontName /OcrStudioBlank /Flags 5 "
                     f"/FontBBox [0 0 {_UNICODE_ADVANCE} 1000] /ItalicAngle 0 /Ascent 1000 /Descent 0 "
                     f"/CapHeight 1000 /StemV 80 /FontFile2 {font_file} 0 R >>".encode("ascii"))
    to_gid = add(_stream("<< /Filter /FlateDecode", zlib.compress(b"\x00\x01" * 65536, 9)))
    cid_font = add(f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /OcrStudioBlank "
                   f"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                   f"/FontDescriptor {descriptor} 0 R /DW {_UNICODE_ADVANCE} /CIDToGIDMap {to_gid} 0 R >>"
                   .encode("ascii"))
    to_unicode = add(_stream("<< /Filter /FlateDecode", zlib.compress(_identity_cmap(), 9)))
    return add(f"<< /Type /Font /Subtype /Type0 /BaseFont /OcrStudioBlank-Identity-H /Encoding /Identity-H "
               f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>".encode("ascii"))


def _identity_cmap() -> bytes:
    """A ToUnicode CMap sending every 2-byte id (surrogates aside) to the same UTF-16 code unit."""
    ranges = [f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in range(256) if not 0xD8 <= hi <= 0xDF]
    blocks = [ranges[i:i + 100] for i in range(0, len(ranges), 100)]  # at most 100 entries per block
    body = "".join(f"{len(b)} beginbfrange\n" + "\n".join(b) + "\nendbfrange\n" for b in blocks)
    return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /OcrStudio-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" + body +
            "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n").encode("ascii")


@lru_cache(maxsize=1)
def _blank_truetype() -> bytes:
    """A TrueType font of two empty glyphs (.notdef and the one every character draws), made with fontTools."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "blank"])
    builder.setupCharacterMap({})
    builder.setupGlyf({name: TTGlyphPen(None).glyph() for name in (".notdef", "blank")})
    builder.setupHorizontalMetrics({".notdef": (_UNICODE_ADVANCE, 0), "blank": (_UNICODE_ADVANCE, 0)})
    builder.setupHorizontalHeader(ascent=1000, descent=0)
    builder.setupNameTable({"familyName": "OcrStudioBlank", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=1000, sTypoDescender=0, usWinAscent=1000, usWinDescent=0)
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def _label(word: Word) -> str:
    """The word's text as the PDF sets it: line breaks and other separators inside a label become spaces."""
    return " ".join(word.text.split())


def _needs_unicode(text: str) -> bool:
    """Whether ``text`` has characters Windows-1252 (the Helvetica font's encoding here) lacks."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return True
    return False


def _utf16_string(text: str) -> str:
    """``text`` as a PDF hex string of UTF-16 code units, for the Unicode font (beyond the BMP: U+FFFD)."""
    units = "".join(f"{ord(ch) if ord(ch) <= 0xFFFF and not 0xD800 <= ord(ch) <= 0xDFFF else 0xFFFD:04X}"
                    for ch in text)
    return f"<{units}>"


def _stream(dictionary: str, data: bytes) -> bytes:
    return f"{dictionary} /Length {len(data)} >>\nstream\n".encode("ascii") + data + b"\nendstream"


def _num(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _pdf_string(text: str) -> str:
    """``text`` as a PDF literal string in Windows-1252 (callers send other text to the Unicode font)."""
    raw = text.encode("cp1252", errors="replace")
    escaped = "".join(f"\\{b:03o}" if b < 32 or b > 126 or b in (40, 41, 92) else chr(b) for b in raw)
    return f"({escaped})"


def _text_width(text: str) -> float:
    """Width of ``text`` in Helvetica, in thousandths of the font size (measured with a metric-compatible font)."""
    font = _metric_font()
    if font is not None:
        try:
            return float(font.getlength(text))
        except (RuntimeError, ValueError, OSError):  # text the layout engine refuses: estimate
            pass
    return _DEFAULT_CHAR_WIDTH * len(text)


def _signed_area(quad: np.ndarray) -> float:
    """Positive for corners in clockwise order on the image (y pointing down), negative for counter-clockwise."""
    x, y = quad[:, 0], quad[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0


@lru_cache(maxsize=1)
def _metric_font():  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    for path in _METRIC_FONTS:
        try:
            return ImageFont.truetype(path, 1000)
        except OSError:
            continue
    return None
