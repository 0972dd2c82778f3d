"""Annotation file formats (codecs) over the document model, and a registry to find them by name.

Every codec reads a file or a folder into a list of :class:`~ocr_core.document.Page` and writes pages
back (atomically). Malformed input raises :class:`~ocr_core.errors.AnnotationFormatError` naming the file
(and line or element). No Qt, no TensorFlow.

>>> from ocr_core.formats import FORMATS, get_codec
>>> sorted(FORMATS)
['cocotext', 'hocr', 'icdar2015', 'labelme', 'pdf', 'ppocrlabel', 'studio', 'text']
>>> get_codec("icdar2015").can_read
True

Typical use::

    pages = read_annotations("dataset/gt")                    # format detected
    write_annotations(pages, "export/", "ppocrlabel", images_dir="dataset/images")
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Protocol, runtime_checkable

from ocr_core.document import Page
from ocr_core.errors import AnnotationFormatError
from ocr_core.formats._common import format_error, read_json
from ocr_core.formats.cocotext import CocoTextCodec
from ocr_core.formats.hocr import HOCR_SUFFIXES, HocrCodec
from ocr_core.formats.icdar import IcdarCodec, looks_like_icdar
from ocr_core.formats.labelme import LabelmeCodec
from ocr_core.formats.pdf import PdfCodec
from ocr_core.formats.ppocrlabel import CACHE_FILE, LABEL_FILE, PPOCRLabelCodec
from ocr_core.formats.studio import SIDECAR_SUFFIX, STUDIO_FORMAT, StudioCodec
from ocr_core.formats.text import TextCodec

__all__ = [
    "Codec",
    "FORMATS",
    "UnknownFormatError",
    "get_codec",
    "readable_formats",
    "writable_formats",
    "detect_format",
    "read_annotations",
    "write_annotations",
]

PathLike = str | os.PathLike[str]


@runtime_checkable
class Codec(Protocol):
    """What every annotation format offers."""

    name: str
    description: str
    can_read: bool
    can_write: bool

    def read(self, path: Path, *, images_dir: Path | None = None) -> list[Page]:
        """Pages of a file or a folder (many pages)."""
        ...

    def write(self, pages: list[Page], out: Path, *, images_dir: Path | None = None) -> list[Path]:
        """Write ``pages`` to ``out`` (a file or a folder, per format); returns the files written."""
        ...


class UnknownFormatError(AnnotationFormatError, ValueError):
    """A format name that no codec has."""


FORMATS: dict[str, Codec] = {
    codec.name: codec
    for codec in (IcdarCodec(), PPOCRLabelCodec(), LabelmeCodec(), CocoTextCodec(), TextCodec(), HocrCodec(),
                  PdfCodec(), StudioCodec())
}


def get_codec(name: str) -> Codec:
    """The codec registered as ``name`` (case-insensitive; ``icdar`` is an alias of ``icdar2015``)."""
    key = name.strip().lower().replace("-", "").replace("_", "")
    key = {"icdar": "icdar2015", "icdar15": "icdar2015", "paddle": "ppocrlabel", "coco": "cocotext",
           "txt": "text", "json": "studio", "ocrstudio": "studio"}.get(key, key)
    if key not in FORMATS:
        raise UnknownFormatError(f"unknown annotation format {name!r}; known formats: {', '.join(FORMATS)}")
    return FORMATS[key]


def readable_formats() -> list[str]:
    return [name for name, codec in FORMATS.items() if codec.can_read]


def writable_formats() -> list[str]:
    return [name for name, codec in FORMATS.items() if codec.can_write]


def _first_line(path: Path) -> str:
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            for line in fh:
                if line.strip():
                    return line.rstrip("\r\n")
    except OSError:
        pass
    return ""


def _json_kind(path: Path) -> str | None:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    if data.get("format") == STUDIO_FORMAT:
        return "studio"
    if "imgs" in data and "anns" in data:
        return "cocotext"
    if isinstance(data.get("shapes"), list):
        return "labelme"
    return None


def _detect_file(path: Path) -> str | None:
    name, suffix = path.name.lower(), path.suffix.lower()
    if name == LABEL_FILE.lower() or name == "cache.cach":
        return "ppocrlabel"
    if suffix == ".json":
        return _json_kind(path)
    if suffix in HOCR_SUFFIXES:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                head = fh.read(65536)
        except OSError:
            return None
        return "hocr" if ("ocr_page" in head or "ocrx_word" in head) else None
    if suffix == ".txt":
        first = _first_line(path)
        key, sep, rest = first.partition("\t")
        if sep and rest.lstrip().startswith("["):
            return "ppocrlabel"
        if name.startswith("gt_") or looks_like_icdar(first):
            return "icdar2015"
        return "text"
    return None


def detect_format(path: PathLike) -> str | None:
    """Guess the format of a file or folder from names and content; ``None`` if it cannot tell.

    >>> detect_format("does/not/exist") is None
    True
    """
    path = Path(path)
    if path.is_file():
        return _detect_file(path)
    if not path.is_dir():
        return None
    if (path / LABEL_FILE).is_file() or (path / CACHE_FILE).is_file():
        return "ppocrlabel"
    if any(path.glob("gt_*.txt")):
        return "icdar2015"
    if any(path.rglob(f"*{SIDECAR_SUFFIX}")):
        return "studio"
    if any(p.suffix.lower() in HOCR_SUFFIXES for p in path.iterdir()):
        return "hocr"
    for candidate in sorted(path.glob("*.json")):
        kind = _json_kind(candidate)
        if kind is not None:
            return kind
    return None


def read_annotations(path: PathLike, fmt: str | None = None, images_dir: PathLike | None = None) -> list[Page]:
    """Read the annotations at ``path`` (file or folder), detecting the format when ``fmt`` is ``None``.

    ``images_dir`` is where to look for the images (default: next to the annotations).
    """
    path = Path(path)
    if not path.exists():
        raise format_error(path, "no such file or folder")
    if fmt is None:
        fmt = detect_format(path)
        if fmt is None:
            if path.is_file() and path.suffix.lower() == ".json":
                read_json(path)  # a broken JSON file is reported where it breaks, not as an unknown format
            raise AnnotationFormatError(f"{path}: cannot tell the annotation format; name it "
                                        f"(one of {', '.join(readable_formats())})")
    codec = get_codec(fmt)
    if not codec.can_read:
        codec.read(path)  # write-only codecs raise an error that says why
        raise AnnotationFormatError(f"{path}: the {codec.name} format cannot be read")
    if codec.name == "cocotext" and path.is_dir():  # one file holds the set: the one that `convert --to` wrote
        files = [f for f in sorted(path.glob("*.json")) if _json_kind(f) == "cocotext"]
        if len(files) != 1:
            raise AnnotationFormatError(f"{path}: COCO-Text is one JSON file, and this folder holds {len(files)}; "
                                        "name the file")
        path = files[0]
    try:
        return codec.read(path, images_dir=Path(images_dir) if images_dir is not None else None)
    except (ValueError, OverflowError) as exc:  # a value no codec check caught (a box out of range, say)
        raise AnnotationFormatError(f"{path}: {exc}") from exc


def write_annotations(pages: list[Page], out: PathLike, fmt: str, images_dir: PathLike | None = None) -> list[Path]:
    """Write ``pages`` in format ``fmt`` to ``out``; returns the files written."""
    codec = get_codec(fmt)
    if not codec.can_write:
        raise AnnotationFormatError(f"{out}: the {codec.name} format cannot be written")
    return codec.write(list(pages), Path(out), images_dir=Path(images_dir) if images_dir is not None else None)
