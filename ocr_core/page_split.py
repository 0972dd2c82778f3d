"""One image per page: a multi-page TIFF or a PDF split into PNG files that the window, training and every
annotation format can use as ordinary images.

The pages go to ``<file name>.pages/`` next to the file (``scan.pdf`` -> ``scan.pdf.pages/scan-p001.png``), or to
the per-user project folder when the file's folder is read-only. A ``pages.json`` in that folder names the file the
pages were made from (its size and sha256): splitting the same file again writes only the pages that are
missing and never replaces one (it may carry annotations by now), and a folder made from another version of the
file is refused rather than mixed. Every page is written atomically, so a cancel or a full disk leaves whole pages
only. Imports neither Qt nor TensorFlow.

>>> pages_folder("/scans/report.pdf")
PosixPath('/scans/report.pdf.pages')
>>> page_file_name("report.pdf", 7, 120)
'report-p007.png'
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from ocr_core.atomic import atomic_write_text
from ocr_core.cancel import CancelToken
from ocr_core.errors import ImageReadError, OcrError
from ocr_core.imageio import image_size, page_count, read_image_page, write_image
from ocr_core.pdf_input import is_pdf, pdf_page_count, pdf_page_points
from ocr_core.project import default_project_dir

__all__ = ["MANIFEST_NAME", "SplitResult", "page_file_name", "pages_folder", "split_pages"]

log = logging.getLogger(__name__)

#: The file in a pages folder that names the document its pages were made from.
MANIFEST_NAME = "pages.json"
_MANIFEST_FORMAT = "ocr-studio-pages/1"


@dataclass
class SplitResult:
    """What :func:`split_pages` did with ``source``: the page images (in page order, the ones there before
    included), which of them it wrote now, and the pages it could not read, with the reason."""

    source: Path
    folder: Path
    pages: list[Path] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # page number (from 1) -> why


def pages_folder(path: str | os.PathLike[str]) -> Path:
    """Where the pages of ``path`` go: ``<file name>.pages`` next to it, or inside the per-user project folder
    (:func:`ocr_core.project.default_project_dir`) when the file's folder cannot be written."""
    source = Path(os.path.abspath(path))
    if os.access(source.parent, os.W_OK):
        return source.parent / f"{source.name}.pages"
    return default_project_dir(source.parent) / "pages" / f"{source.name}.pages"


def page_file_name(source_name: str, number: int, total: int) -> str:
    """``scan.pdf``, page 3 of 12 -> ``scan-p003.png``: the document's name, so that exported annotations and
    training crops still say where a page came from; numbers padded so that the files sort in page order."""
    return f"{Path(source_name).stem}-p{number:0{max(3, len(str(total)))}d}.png"


def _identity(source: Path) -> dict[str, object]:
    """The file's name, size and sha256: a copy of the file with its pages folder (new times) still matches."""
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return {"format": _MANIFEST_FORMAT, "source": source.name, "size": source.stat().st_size,
            "sha256": digest.hexdigest()}


def _check_manifest(folder: Path, identity: dict[str, object]) -> bool:
    """True when the folder already holds pages of this very file; raises when it holds another file's."""
    manifest = folder / MANIFEST_NAME
    if not manifest.exists():
        if folder.is_dir() and any(folder.iterdir()):
            raise OcrError(f"{folder} already holds files that were not made by splitting {identity['source']}; "
                           "move them away, or choose another folder")
        return False
    try:
        known = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OcrError(f"{manifest}: unreadable ({exc}); move the folder away to split again") from exc
    if not isinstance(known, dict) or known.get("source") != identity["source"]:
        raise OcrError(f"{folder} holds the pages of {known.get('source') if isinstance(known, dict) else '?'}, "
                       f"not of {identity['source']}; choose another folder")
    if (known.get("size"), known.get("sha256")) != (identity["size"], identity["sha256"]):
        raise OcrError(f"{folder} holds the pages of an earlier version of {identity['source']} (the file has "
                       "changed since); move that folder away (its annotations stay with it) to split the file again")
    return True


def _gray_if_gray(image: np.ndarray) -> np.ndarray:
    """A page whose three channels are equal (a scan, most PDFs) is written as gray: a third of the size."""
    if image.ndim == 3 and image.shape[2] == 3 and np.array_equal(image[..., 0], image[..., 1]) \
            and np.array_equal(image[..., 0], image[..., 2]):
        return image[..., 0]
    return image


def _page_dpi(source: Path, index: int, image: np.ndarray) -> tuple[float, float] | None:
    """The resolution a page was scanned or rendered at, so that its PNG keeps its size on paper."""
    try:
        if is_pdf(source):
            width_pt, height_pt = pdf_page_points(source, index)
            return 72.0 * image.shape[1] / width_pt, 72.0 * image.shape[0] / height_pt
        with Image.open(source) as picture:
            picture.seek(index)
            dpi = picture.info.get("dpi")
        return (float(dpi[0]), float(dpi[1])) if dpi and dpi[0] and dpi[1] else None
    except (OSError, ValueError, EOFError, ImageReadError):
        return None


def split_pages(path: str | os.PathLike[str], folder: str | os.PathLike[str] | None = None, *,
                pages: Collection[int] | None = None, cancel: CancelToken | None = None,
                progress: Callable[[int, int, str], None] | None = None) -> SplitResult:
    """Write each page of the multi-page image or PDF ``path`` as a PNG into ``folder`` (default
    :func:`pages_folder`); ``pages`` picks page numbers (from 1), all by default.

    Pages already in the folder are kept as they are. A page that cannot be read is reported in
    :attr:`SplitResult.failed` and the others are written; :class:`~ocr_core.errors.Cancelled` is raised between
    pages when ``cancel`` is set (the pages written so far stay, whole). ``progress(done, total, message)`` is
    called after each page.

    Raises :class:`~ocr_core.errors.ImageReadError` when the file cannot be opened at all, :class:`OcrError` when
    the folder belongs to something else or nothing could be written, and :class:`OSError` (a full disk) as it
    comes.
    """
    source = Path(os.path.abspath(path))
    if not source.is_file():
        raise ImageReadError(f"cannot read image {source}: " + ("not a file" if source.exists() else "no such file"))
    total = pdf_page_count(source) if is_pdf(source) else page_count(source)
    if total <= 1 and not is_pdf(source):
        image_size(source)  # an unreadable file says why, rather than "one page"
        raise OcrError(f"{source.name} holds a single page: nothing to split (open it as it is)")
    target = Path(os.path.abspath(folder)) if folder is not None else pages_folder(source)
    if target.exists() and not target.is_dir():
        raise OcrError(f"{target} is a file, not a folder: choose a folder for the pages")
    wanted = sorted(set(range(1, total + 1)) if pages is None else {n for n in pages if 1 <= n <= total})
    if not wanted:
        raise OcrError(f"{source.name} has {total} page{'s' if total != 1 else ''}: none of the pages asked for")
    identity = _identity(source)
    known = _check_manifest(target, identity)
    target.mkdir(parents=True, exist_ok=True)
    if not known:
        atomic_write_text(target / MANIFEST_NAME, json.dumps(identity, indent=1) + "\n")
    result = SplitResult(source, target)
    for done, number in enumerate(wanted, 1):
        if cancel is not None:
            cancel.raise_if_cancelled()
        out = target / page_file_name(source.name, number, total)
        if out.exists():
            result.pages.append(out)
        else:
            try:
                image = read_image_page(source, number - 1, name=str(source))
            except ImageReadError as exc:
                result.failed[number] = str(exc)
                log.warning("page %d of %s not split: %s", number, source, exc)
            else:
                write_image(out, _gray_if_gray(image), dpi=_page_dpi(source, number - 1, image))
                result.pages.append(out)
                result.written.append(out)
        if progress is not None:
            progress(done, len(wanted), f"page {number} of {total}")
    if not result.pages:
        raise OcrError(f"no page of {source.name} could be read: " + "; ".join(result.failed.values()))
    return result
