"""OCR Studio's own lossless JSON: everything a :class:`~ocr_core.document.Page` holds (lines, ids,
confidences, ignore flags, the checked mark, format-specific ``extra``).

``{"format": "ocr-studio", "version": 1, "page": {...}}`` for one page (the ``<image>.ocr.json`` sidecars),
``{"format": "ocr-studio", "version": 1, "pages": [...]}`` for many. ``image_path`` is stored relative to
the JSON file's folder so a moved folder still loads; readers return it absolute.

>>> import tempfile, pathlib
>>> from ocr_core.document import Page
>>> path = pathlib.Path(tempfile.mkdtemp()) / "a.png.ocr.json"
>>> _ = write_page_file(path, Page(width=4, height=3, image_path=str(path.parent / "a.png"), checked=True))
>>> read_page_file(path).checked
True
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ocr_core import __version__
from ocr_core.atomic import atomic_write_text
from ocr_core.document import Line, Page, Word, new_id
from ocr_core.errors import AnnotationFormatError
from ocr_core.formats._common import check_unique, format_error, number, page_name, read_json, relative_posix

__all__ = [
    "StudioCodec",
    "STUDIO_FORMAT",
    "STUDIO_VERSION",
    "SIDECAR_SUFFIX",
    "page_to_json",
    "page_from_json",
    "dumps_page",
    "parse_page_text",
    "read_page_file",
    "write_page_file",
]

STUDIO_FORMAT = "ocr-studio"
STUDIO_VERSION = 1
#: Suffix appended to an image's file name for its annotation sidecar (``scan.png.ocr.json``).
SIDECAR_SUFFIX = ".ocr.json"


def page_to_json(page: Page, file_dir: Path) -> dict[str, Any]:
    """``page.to_dict()`` with ``image_path`` relative to ``file_dir`` (``/`` separators)."""
    data = page.to_dict()
    if page.image_path:
        data["image_path"] = relative_posix(page.image_path, file_dir)
    return data


def _check(cond: bool, where: str, message: str) -> None:
    if not cond:
        raise ValueError(f"{where}: {message}")


def _word(data: Any, where: str) -> Word:
    _check(isinstance(data, dict), where, "expected an object")
    _check(isinstance(data.get("text", ""), str), where, "'text' must be a string")
    _check(isinstance(data.get("ignore", False), bool), where, "'ignore' must be true or false")
    _check(isinstance(data.get("extra") or {}, dict), where, "'extra' must be an object")
    quad = data.get("quad")
    _check(isinstance(quad, list) and len(quad) == 4
           and all(isinstance(p, list) and len(p) == 2 for p in quad), where, "'quad' must be 4 [x, y] pairs")
    try:
        coords = [[number(x), number(y)] for x, y in quad]
        conf = data.get("confidence")
        conf = None if conf is None else number(conf)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from exc
    return Word.from_dict({**data, "quad": coords, "confidence": conf})


def page_from_json(data: Any, file_dir: Path, where: str = "page") -> Page:
    """A page from its JSON object; ``ValueError`` naming the element (``page.lines[2].words[0]``) if bad."""
    _check(isinstance(data, dict), where, "expected an object")
    try:
        width, height = number(data.get("width")), number(data.get("height"))
    except ValueError as exc:
        raise ValueError(f"{where}: 'width'/'height': {exc}") from exc
    _check(width >= 0 and height >= 0, where, "'width'/'height' must not be negative")
    lines_data = data.get("lines", [])
    _check(isinstance(lines_data, list), where, "'lines' must be a list")
    _check(isinstance(data.get("checked", False), bool), where, "'checked' must be true or false")
    _check(isinstance(data.get("extra") or {}, dict), where, "'extra' must be an object")
    image = data.get("image_path")
    _check(image is None or isinstance(image, str), where, "'image_path' must be a string or null")
    lines = []
    for i, line in enumerate(lines_data):
        lw = f"{where}.lines[{i}]"
        _check(isinstance(line, dict) and isinstance(line.get("words", []), list), lw, "expected {'words': [...]}")
        words = [_word(w, f"{lw}.words[{k}]") for k, w in enumerate(line.get("words", []))]
        lines.append(Line(words=words, id=str(line.get("id") or new_id())))
    page = Page.from_dict({**data, "lines": [], "width": int(width), "height": int(height)})
    page.lines = lines
    if image:
        page.image_path = os.path.abspath(file_dir / image)
    return page


def dumps_page(page: Page, file_dir: Path) -> str:
    """The sidecar text of one page."""
    data = {"format": STUDIO_FORMAT, "version": STUDIO_VERSION, "generator": f"ocr-studio {__version__}",
            "page": page_to_json(page, file_dir)}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _parse(data: Any, path: Path) -> list[Page]:
    if not isinstance(data, dict) or data.get("format") != STUDIO_FORMAT:
        raise format_error(path, f"not an OCR Studio file: expected {{\"format\": \"{STUDIO_FORMAT}\", ...}}")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise format_error(path, "'version' must be an integer")
    if version > STUDIO_VERSION:
        raise format_error(path, f"written by a newer OCR Studio (format version {version}); "
                                 f"this one reads up to version {STUDIO_VERSION}")
    try:
        if "page" in data:
            return [page_from_json(data["page"], path.parent)]
        pages = data.get("pages")
        if not isinstance(pages, list):
            raise ValueError("file: needs a 'page' object or a 'pages' list")
        return [page_from_json(p, path.parent, f"pages[{i}]") for i, p in enumerate(pages)]
    except ValueError as exc:
        raise format_error(path, str(exc)) from exc


def parse_page_text(text: str, path: Path) -> Page:
    """The single page of a sidecar's text; ``AnnotationFormatError`` naming ``path`` if malformed."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise format_error(path, f"broken JSON: {exc.msg} (column {exc.colno})", exc.lineno) from exc
    except RecursionError as exc:
        raise format_error(path, "JSON nested too deeply") from exc
    pages = _parse(data, path)
    if len(pages) != 1:
        raise format_error(path, f"expected one page, found {len(pages)}")
    return pages[0]


def read_page_file(path: Path) -> Page:
    """Read a one-page studio file (a sidecar)."""
    path = Path(path)
    pages = _parse(read_json(path), path)
    if len(pages) != 1:
        raise format_error(path, f"expected one page, found {len(pages)}")
    return pages[0]


def write_page_file(path: Path, page: Page) -> Path:
    """Write one page as a sidecar, atomically."""
    path = Path(path)
    atomic_write_text(path, dumps_page(page, path.parent))
    return path


class StudioCodec:
    """OCR Studio JSON: a ``.json`` file with all pages, or a folder of ``<image>.ocr.json`` sidecars."""

    name = "studio"
    description = "OCR Studio JSON (lossless: lines, ids, confidences, checked marks, extra)"
    can_read = True
    can_write = True

    def read(self, path: Path, *, images_dir: Path | None = None) -> list[Page]:
        """Read a studio ``.json`` file, or every ``*.ocr.json`` sidecar under a folder."""
        path = Path(path)
        if path.is_dir():
            files = sorted(p for p in path.rglob(f"*{SIDECAR_SUFFIX}") if p.is_file())
            if not files:
                raise format_error(path, f"no *{SIDECAR_SUFFIX} files in this folder")
            return [page for f in files for page in _parse(read_json(f), f)]
        return _parse(read_json(path), path)

    def write(self, pages: list[Page], out: Path, *, images_dir: Path | None = None) -> list[Path]:
        """Write ``out`` (a ``.json`` file with every page) or one ``<image>.ocr.json`` per page in ``out``."""
        out = Path(out)
        if out.suffix.lower() == ".json" and not out.name.endswith(SIDECAR_SUFFIX):
            data = {"format": STUDIO_FORMAT, "version": STUDIO_VERSION, "generator": f"ocr-studio {__version__}",
                    "pages": [page_to_json(p, out.parent) for p in pages]}
            atomic_write_text(out, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
            return [out]
        if out.name.endswith(SIDECAR_SUFFIX):
            if len(pages) != 1:
                raise AnnotationFormatError(f"{out}: a sidecar holds one page, got {len(pages)}")
            return [write_page_file(out, pages[0])]
        names = [Path(p.image_path).name if p.image_path else page_name(p, i) for i, p in enumerate(pages)]
        targets = [out / f"{n}{SIDECAR_SUFFIX}" for n in names]
        check_unique(targets)
        return [write_page_file(t, p) for p, t in zip(pages, targets)]
