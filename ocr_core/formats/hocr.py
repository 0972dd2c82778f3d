"""hOCR: XHTML with ``ocr_page`` / ``ocr_line`` / ``ocrx_word`` elements whose ``title`` holds
``bbox x0 y0 x1 y1; x_wconf N`` (confidence in percent).

Written as valid XHTML 1.0 (UTF-8, escaped text); one file for all pages (``out`` ending in
``.hocr``/``.html``/``.xhtml``) or ``<stem>.hocr`` per page in a folder. A rotated quad also gets a
``poly x1 y1 ... x4 y4`` property (hOCR 1.2), so it reads back as the same quad; otherwise boxes read back
as upright quads. Ignored (``###``) words are left out: hOCR has no ignore flag. Reading keeps the line
structure (``ocr_line``, ``ocr_header``, ``ocr_caption``, ``ocr_textfloat``).

>>> from ocr_core.formats.hocr import parse_title
>>> parse_title('bbox 10 20 30 40; x_wconf 93')["x_wconf"]
['93']
"""

from __future__ import annotations

import os
import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np

from ocr_core.atomic import atomic_write_text
from ocr_core.document import IMAGE_PAGE, Line, Page, Word
from ocr_core.formats._common import (
    check_unique,
    first_existing,
    format_error,
    in_images_subfolder,
    is_axis_aligned,
    number,
    page_name,
    read_text,
    rect_quad,
)

__all__ = ["HocrCodec", "parse_title", "HOCR_SUFFIXES"]

HOCR_SUFFIXES = (".hocr", ".html", ".htm", ".xhtml")
_LINE_CLASSES = {"ocr_line", "ocr_header", "ocr_caption", "ocr_textfloat"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
 <head>
  <title>{title}</title>
  <meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>
  <meta name="ocr-system" content="ocr-studio"/>
  <meta name="ocr-capabilities" content="ocr_page ocr_line ocrx_word ocrp_wconf ocrp_poly"/>
 </head>
 <body>
"""
_TAIL = " </body>\n</html>\n"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """``text`` escaped for XHTML, without the control characters XML forbids."""
    return escape(_NOT_XML.sub("", text))


def parse_title(title: str) -> dict[str, list[str]]:
    """``'bbox 1 2 3 4; x_wconf 90'`` -> ``{'bbox': ['1', '2', '3', '4'], 'x_wconf': ['90']}``.

    Quoted values (``image "a b.png"``) stay one item without the quotes.
    """
    props: dict[str, list[str]] = {}
    for part in re.split(r";(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", title):
        tokens = re.findall(r'"((?:[^"\\]|\\.)*)"|(\S+)', part.strip())
        values = [quoted if quoted or not plain else plain for quoted, plain in tokens]
        if values:
            props[values[0]] = values[1:]
    return props


def _bbox(props: dict[str, list[str]]) -> tuple[float, float, float, float] | None:
    if "bbox" not in props:
        return None
    values = props["bbox"]
    if len(values) != 4:
        raise ValueError(f"'bbox' needs 4 numbers, got {len(values)}")
    x0, y0, x1, y1 = (number(v) for v in values)
    return x0, y0, x1, y1


def _turned(quad: np.ndarray, angle: float) -> np.ndarray:
    """An upright box holding text turned ``angle`` degrees counter-clockwise (hOCR's ``textangle``, to the
    nearest quarter turn): its corners from the text's own top-left, so the word is cropped upright.

    >>> _turned(rect_quad(0, 0, 10, 40), 90).tolist()
    [[0.0, 40.0], [0.0, 0.0], [10.0, 0.0], [10.0, 40.0]]
    """
    quarters = round(angle / 90.0) % 4
    return np.roll(quad, quarters, axis=0) if quarters else quad


class _Parser(HTMLParser):
    def __init__(self, source: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.pages: list[tuple[dict[str, list[str]], list[list[Word]]]] = []
        self.stack: list[tuple[str, str]] = []
        self.word: dict[str, Any] | None = None
        self.line_angles: list[list[str]] = []  # each open line's 'textangle' (Tesseract's vertical lines)

    def _error(self, message: str) -> Exception:
        return format_error(self.source, message, self.getpos()[0])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        attr = dict(attrs)
        classes = set((attr.get("class") or "").split())
        role = next((c for c in ("ocr_page", "ocrx_word") if c in classes), "")
        if not role and classes & _LINE_CLASSES:
            role = "ocr_line"
        self.stack.append((tag, role))
        try:
            props = parse_title(attr.get("title") or "")
        except ValueError as exc:
            raise self._error(f"bad title: {exc}") from exc
        if role == "ocr_page":
            self.pages.append((props, []))
        elif role and not self.pages:
            self.pages.append(({}, []))  # hOCR fragment without an ocr_page
        if role == "ocr_line":
            self.pages[-1][1].append([])
            self.line_angles.append(props.get("textangle", []))
        elif role == "ocrx_word":
            self.word = {"props": props, "text": []}

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self.word is not None:
            self.word["text"].append(data)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                closed = self.stack[i:]
                del self.stack[i:]
                for _, role in reversed(closed):
                    self._close(role)
                return

    def _close(self, role: str) -> None:
        if role == "ocr_line" and self.line_angles:
            self.line_angles.pop()
        if role == "ocrx_word" and self.word is not None:
            props, text = self.word["props"], " ".join("".join(self.word["text"]).split())
            self.word = None
            try:
                box = _bbox(props)
                if box is None:
                    raise ValueError("an ocrx_word needs a 'bbox'")
                poly = props.get("poly")
                angle = props.get("textangle") or (self.line_angles[-1] if self.line_angles else [])
                quad = np.array([number(v) for v in poly]).reshape(4, 2) if poly and len(poly) == 8 \
                    else _turned(rect_quad(*box), number(angle[0]) if angle else 0.0)
                conf = props.get("x_wconf")
                confidence = number(conf[0]) / 100.0 if conf else None
            except ValueError as exc:
                raise self._error(f"bad ocrx_word title: {exc}") from exc
            lines = self.pages[-1][1]
            if not any(r == "ocr_line" for _, r in self.stack):  # a word outside any line: a line of its own
                lines.append([])
            lines[-1].append(Word(quad=quad, text=text, confidence=confidence))


class HocrCodec:
    """Writes and reads hOCR (XHTML)."""

    name = "hocr"
    description = "hOCR XHTML (ocr_page/ocr_line/ocrx_word, bbox + x_wconf); rotated boxes kept as poly"
    can_read = True
    can_write = True

    # ---- reading -------------------------------------------------------------------------------------
    def read(self, path: Path, *, images_dir: Path | None = None) -> list[Page]:
        """Read every ``ocr_page`` of one hOCR file, or of every ``*.hocr`` file of a folder."""
        path = Path(path)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in HOCR_SUFFIXES)
            if not files:
                raise format_error(path, "no .hocr files in this folder")
            return [page for f in files for page in self.read(f, images_dir=images_dir)]
        parser = _Parser(path)
        parser.feed(read_text(path))
        parser.close()
        if not parser.pages:
            raise format_error(path, "no ocr_page or ocrx_word elements: not hOCR")
        pages = []
        for props, lines in parser.pages:
            words = [w for line in lines for w in line]
            try:
                box = _bbox(props)
            except ValueError as exc:
                raise format_error(path, f"bad ocr_page title: {exc}") from exc
            if box is None:
                xs = [w.bbox[2] for w in words] or [0]
                ys = [w.bbox[3] for w in words] or [0]
                box = (0, 0, max(xs), max(ys))
            image_ref = (props.get("image") or [""])[0].replace("\\", "/")
            image: str | None = None
            if image_ref:
                name = image_ref.rsplit("/", 1)[-1]
                found = first_existing([path.parent / image_ref, images_dir / name if images_dir else None,
                                        in_images_subfolder(path.parent, name)])
                image = os.path.abspath(found if found is not None else path.parent / image_ref)
            extra = {} if image else {"name": path.stem}
            pages.append(Page(width=int(round(box[2] - box[0])), height=int(round(box[3] - box[1])),
                              lines=[Line(words=ws) for ws in lines if ws], image_path=image, extra=extra))
        return pages

    # ---- writing -------------------------------------------------------------------------------------
    @staticmethod
    def _title(quad: Any, confidence: float | None = None) -> str:
        x0, y0 = quad.min(axis=0)
        x1, y1 = quad.max(axis=0)
        parts = [f"bbox {int(round(x0))} {int(round(y0))} {int(round(x1))} {int(round(y1))}"]
        if not is_axis_aligned(quad, tol=0.5):
            parts.append("poly " + " ".join(str(int(round(v))) for v in quad.reshape(-1)))
        if confidence is not None:
            parts.append(f"x_wconf {int(round(float(confidence) * 100))}")
        return "; ".join(parts)

    def page_html(self, page: Page, number_: int, out_dir: Path) -> str:
        """The ``ocr_page`` div of one page (``number_`` is 1-based)."""
        frame = page.extra.get(IMAGE_PAGE)  # a page of a multi-page image file: its page there
        ppageno = frame if isinstance(frame, int) and frame >= 0 else number_ - 1
        title = f"bbox 0 0 {int(page.width)} {int(page.height)}; ppageno {ppageno}"
        if page.image_path:
            image_ref = os.path.relpath(os.path.abspath(page.image_path), os.path.abspath(out_dir))
            image_ref = Path(image_ref).as_posix().replace('"', '\\"')
            title = f'image "{image_ref}"; ' + title
        rows = [f'  <div class="ocr_page" id="page_{number_}" title="{_xml_text(title)}">\n']
        n_line = 0
        for line in page.lines:
            words = [w for w in line.words if not w.ignore]
            if not words:
                continue
            n_line += 1
            line_id = f"line_{number_}_{n_line}"
            line_title = escape(self._title(Line(words).quad))
            rows.append(f'   <span class="ocr_line" id="{line_id}" title="{line_title}">')
            for k, word in enumerate(words, 1):
                rows.append(f'<span class="ocrx_word" id="word_{number_}_{n_line}_{k}" '
                            f'title="{escape(self._title(word.quad, word.confidence))}">{_xml_text(word.text)}</span>')
                if k < len(words):
                    rows.append(" ")
            rows.append("</span>\n")
        rows.append("  </div>\n")
        return "".join(rows)

    def to_html(self, pages: list[Page], out_dir: Path, title: str = "") -> str:
        body = "".join(self.page_html(p, i, out_dir) for i, p in enumerate(pages, 1))
        return _HEAD.format(title=_xml_text(title)) + body + _TAIL

    def write(self, pages: list[Page], out: Path, *, images_dir: Path | None = None) -> list[Path]:
        """Write one hOCR file with every page, or ``<stem>.hocr`` per page into the folder ``out``."""
        out = Path(out)
        if out.suffix.lower() in HOCR_SUFFIXES:
            atomic_write_text(out, self.to_html(pages, out.parent, out.stem))
            return [out]
        targets = [out / f"{page_name(p, i)}.hocr" for i, p in enumerate(pages)]
        check_unique(targets)
        for page, target in zip(pages, targets):
            html = _HEAD.format(title=escape(target.stem)) + self.page_html(page, 1, out) + _TAIL
            atomic_write_text(target, html)
        return targets
