"""ICDAR 2015 ground truth: one ``gt_<image stem>.txt`` per image.

Each line is ``x1,y1,x2,y2,x3,y3,x4,y4,transcription`` (clockwise from the top-left); ``###`` marks an
illegible ("don't care") box and the transcription may itself contain commas. Files are read with or
without a UTF-8 BOM and written as UTF-8 *without* BOM, ``\\n`` line endings, integer coordinates.
ICDAR 2013 lines (``x0 y0 x1 y1 "text"`` or ``x0,y0,x1,y1,text``: two corners) are accepted when reading.

>>> from ocr_core.formats import get_codec
>>> codec = get_codec("icdar2015")
>>> codec.parse_lines(["377,117,463,117,465,130,378,130,Genaxis Theatre"], "gt_img_1.txt")[0].text
'Genaxis Theatre'
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from ocr_core.atomic import atomic_write_text
from ocr_core.document import MAX_COORDINATE, Page, Word
from ocr_core.formats._common import (
    build_page,
    check_unique,
    clockwise_quad,
    find_image,
    format_error,
    image_size,
    page_name,
    read_text,
    rect_quad,
    text_lines,
)

__all__ = ["IcdarCodec", "looks_like_icdar"]

_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_IC13 = re.compile(rf"^\s*({_NUM})(?:\s*,\s*|\s+)({_NUM})(?:\s*,\s*|\s+)({_NUM})(?:\s*,\s*|\s+)({_NUM})"
                   rf"(?:\s*,\s*|\s+)(.*)$")


def _is_ic15(line: str) -> bool:
    """8 numbers, then the text (which may be missing: a box without a transcription)."""
    fields = line.split(",")
    if len(fields) < 8:
        return False
    try:
        [float(f) for f in fields[:8]]
    except ValueError:
        return False
    return True


def looks_like_icdar(first_line: str) -> bool:
    """True if a line reads as an ICDAR 2015 (8 numbers + text) or ICDAR 2013 (4 numbers + text) line."""
    line = first_line.lstrip("\ufeff").strip()
    return _is_ic15(line) or bool(_IC13.match(line))


class IcdarCodec:
    """Reads and writes ICDAR 2015 ``gt_*.txt`` files (a single file or a folder of them)."""

    name = "icdar2015"
    description = "ICDAR 2015: gt_<image>.txt per image, x1,y1,...,x4,y4,text per line (### = ignore)"
    can_read = True
    can_write = True

    # ---- reading -------------------------------------------------------------------------------------
    def parse_lines(self, lines: list[str], source: str | os.PathLike[str]) -> list[Word]:
        """Words from the lines of one file; ``source`` names the file in errors."""
        numbered = [(i + 1, ln.rstrip("\r\n")) for i, ln in enumerate(lines)]
        numbered = [(i, ln.lstrip("\ufeff")) for i, ln in numbered if ln.strip()]
        if not numbered:
            return []
        first_no, first = numbered[0]
        if any(_is_ic15(line) for _, line in numbered):  # one ICDAR 2015 line makes it an ICDAR 2015 file
            style = 15
        elif _IC13.match(first):
            style = 13
        else:
            raise format_error(source, "expected 'x1,y1,...,x4,y4,text' (ICDAR 2015) or "
                                       "'x0,y0,x1,y1,text' (ICDAR 2013)", first_no)
        return [self._parse_line(line, style, source, no) for no, line in numbered]

    @staticmethod
    def _parse_line(line: str, style: int, source: str | os.PathLike[str], no: int) -> Word:
        if style == 15:
            fields = line.split(",")
            if len(fields) < 8:
                raise format_error(source, f"expected 8 coordinates and a text, got {len(fields)} fields", no)
            try:
                coords = [float(f) for f in fields[:8]]
            except ValueError as exc:
                raise format_error(source, f"bad coordinate: {exc}", no) from exc
            quad = np.array(coords, dtype=np.float64).reshape(4, 2)
            if np.all(np.abs(quad) <= MAX_COORDINATE):  # else (not finite, or out of range) Word refuses it below
                quad = clockwise_quad(quad)
            text = ",".join(fields[8:])
        else:
            match = _IC13.match(line)
            if not match:
                raise format_error(source, "expected 4 numbers (x0,y0,x1,y1) and a text", no)
            x0, y0, x1, y1 = (float(match.group(i)) for i in range(1, 5))
            quad = rect_quad(x0, y0, x1, y1)
            text = match.group(5).strip()
            if len(text) >= 2 and text[0] == text[-1] == '"':
                text = text[1:-1].replace('\\"', '"')
        try:
            return Word(quad=quad, text=text)
        except ValueError as exc:  # not finite, or out of range
            raise format_error(source, str(exc), no) from exc

    def read_file(self, path: Path, *, images_dir: Path | None = None) -> Page:
        path = Path(path)
        words = self.parse_lines(text_lines(read_text(path)), path)
        stem = path.stem[3:] if path.stem.startswith("gt_") else path.stem
        image = find_image(stem, [images_dir, path.parent])
        size = image_size(image) if image is not None else None
        if image is None:
            return build_page(words, None, None, extra={"name": stem})
        width, height = size if size is not None else (None, None)
        return build_page(words, width, height, image_path=os.path.abspath(image))

    def read(self, path: Path, *, images_dir: Path | None = None) -> list[Page]:
        """Read one ``gt_*.txt`` file or every ``gt_*.txt`` of a folder (sorted by name)."""
        path = Path(path)
        if path.is_dir():
            files = sorted(p for p in path.glob("gt_*.txt") if p.is_file())
            if not files:
                raise format_error(path, "no gt_*.txt files in this folder")
            return [self.read_file(f, images_dir=images_dir) for f in files]
        return [self.read_file(path, images_dir=images_dir)]

    # ---- writing -------------------------------------------------------------------------------------
    @staticmethod
    def format_page(page: Page) -> str:
        """The file content for one page (integer coordinates, ``###`` for ignored words)."""
        rows = []
        for word in page.words:
            coords = ",".join(str(int(round(v))) for v in word.quad.reshape(-1))
            text = word.label.replace("\r", " ").replace("\n", " ")
            rows.append(f"{coords},{text}\n")
        return "".join(rows)

    def write(self, pages: list[Page], out: Path, *, images_dir: Path | None = None) -> list[Path]:
        """Write ``gt_<stem>.txt`` per page into the folder ``out`` (or to ``out`` itself if it ends in
        ``.txt`` and there is one page)."""
        out = Path(out)
        if out.suffix.lower() == ".txt" and len(pages) == 1:
            targets = [out]
        else:
            if out.suffix.lower() == ".txt":
                raise format_error(out, f"{len(pages)} pages need a folder, not a .txt file")
            targets = [out / f"gt_{page_name(p, i)}.txt" for i, p in enumerate(pages)]
        check_unique(targets)
        for page, target in zip(pages, targets):
            atomic_write_text(target, self.format_page(page))
        return targets
