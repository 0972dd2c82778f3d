"""Helpers shared by the annotation codecs: errors that name the file, text/JSON reading, image lookup,
quad helpers and page naming. No Qt, no TensorFlow."""

from __future__ import annotations

import contextlib
import contextvars
import json
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ocr_core.atomic import atomic_write_text
from ocr_core.document import MAX_COORDINATE, Line, Page, Word
from ocr_core.errors import AnnotationFormatError

__all__ = [
    "IMAGE_EXTENSIONS",
    "format_error",
    "read_text",
    "recording_reads",
    "text_lines",
    "read_json",
    "write_json",
    "image_size",
    "IMAGES_SUBFOLDER",
    "find_image",
    "in_images_subfolder",
    "first_existing",
    "flag",
    "build_page",
    "size_from_words",
    "page_name",
    "rect_quad",
    "polygon_to_quad",
    "clockwise_quad",
    "unchanged_polygon",
    "is_axis_aligned",
    "number",
    "json_number",
    "format_number",
    "relative_posix",
    "namespace",
    "check_unique",
]

#: Image file extensions looked for next to annotation files (lower case; upper case is tried too).
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp", ".gif")


def format_error(path: str | os.PathLike[str], message: str, line: int | None = None) -> AnnotationFormatError:
    """``AnnotationFormatError("<path>:<line>: <message>")``; the line is 1-based."""
    where = f"{path}:{line}" if line is not None else f"{path}"
    return AnnotationFormatError(f"{where}: {message}")


#: While :func:`recording_reads` runs: the annotation files read so far.
_reads: contextvars.ContextVar[list[Path] | None] = contextvars.ContextVar("reads", default=None)


@contextlib.contextmanager
def recording_reads() -> Iterator[list[Path]]:
    """Within the block (and this thread or task), every annotation file a codec reads is added to the list this
    yields: the files a conversion must never write over."""
    files: list[Path] = []
    token = _reads.set(files)
    try:
        yield files
    finally:
        _reads.reset(token)


def read_text(path: Path) -> str:
    """Read a UTF-8 file (a leading BOM is dropped) with universal newlines."""
    if (files := _reads.get()) is not None:
        files.append(Path(path))
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return fh.read()
    except UnicodeDecodeError as exc:
        raise format_error(path, f"not UTF-8 text (byte {exc.start})") from exc
    except IsADirectoryError as exc:
        raise format_error(path, "is a folder, expected a file") from exc
    except OSError as exc:
        raise format_error(path, f"cannot read: {exc.strerror or exc}") from exc


def text_lines(text: str) -> list[str]:
    """The lines of a text file: split at line feeds (``\\r\\n`` and a lone ``\\r`` too) only. ``str.splitlines``
    also splits at form feeds, ``\\x1c``-``\\x1e``, NEL and the Unicode line and paragraph separators, which
    may stand inside a transcription (and which our writers keep), so a valid line would break in two.

    >>> text_lines("a\\u2028b\\r\\nc\\rd\\n")
    ['a\\u2028b', 'c', 'd']
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def read_json(path: Path) -> Any:
    """Parse a JSON file; broken JSON becomes an ``AnnotationFormatError`` with the line number."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise format_error(path, f"broken JSON: {exc.msg} (column {exc.colno})", exc.lineno) from exc
    except RecursionError as exc:
        raise format_error(path, "JSON nested too deeply") from exc


def write_json(path: Path, data: Any, *, indent: int | None = 2) -> Path:
    """Write ``data`` as UTF-8 JSON (non-ASCII kept as is) atomically; returns ``path``."""
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=indent) + "\n")
    return path


def image_size(path: Path) -> tuple[int, int] | None:
    """``(width, height)`` of an image as displayed (EXIF rotation applied), or ``None`` if unreadable."""
    try:
        from ocr_core import imageio

        size_fn = getattr(imageio, "image_size", None)
    except ImportError:
        size_fn = None
    if size_fn is not None:
        try:
            w, h = size_fn(path)
            return int(w), int(h)
        except Exception:  # noqa: BLE001 - an unreadable image only means "size unknown"
            return None
    try:
        from PIL import Image

        with Image.open(path) as img:
            w, h = img.size
            orientation = img.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001
        return None
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


#: The subfolder next to annotation files where a dataset often keeps its images (as ``ocr-studio synth`` does):
#: every codec looks there last, after the places it names.
IMAGES_SUBFOLDER = "images"


def find_image(stem: str, folders: Iterable[Path | None]) -> Path | None:
    """The first ``<folder>/<stem><ext>`` that exists, trying every image extension; then the same in each
    folder's ``images/`` subfolder (:data:`IMAGES_SUBFOLDER`)."""
    given = [f for f in folders if f is not None]
    for folder in [*given, *(f / IMAGES_SUBFOLDER for f in given)]:
        for ext in IMAGE_EXTENSIONS:
            for candidate in (folder / f"{stem}{ext}", folder / f"{stem}{ext.upper()}"):
                if candidate.is_file():
                    return candidate
    return None


def in_images_subfolder(folder: Path, name: str) -> Path | None:
    """``<folder>/images/<name>`` (:data:`IMAGES_SUBFOLDER`): the last place a codec looks for an image it knows by
    name; ``None`` without a name."""
    return folder / IMAGES_SUBFOLDER / name if name else None


def first_existing(candidates: Iterable[Path | None]) -> Path | None:
    return next((c for c in candidates if c is not None and c.is_file()), None)


def size_from_words(words: Sequence[Word]) -> tuple[int, int]:
    """A page size that encloses every word (used when the image cannot be found)."""
    if not words:
        return 0, 0
    pts = np.concatenate([w.quad for w in words])
    return max(0, math.ceil(float(pts[:, 0].max()))), max(0, math.ceil(float(pts[:, 1].max())))


def build_page(words: list[Word], width: int | None, height: int | None, **kwargs: Any) -> Page:
    """A page from loose words, grouped into lines in reading order.

    The size falls back to the words' extent when unknown. When ``ocr_core.reading_order`` is not
    available, each word becomes its own line in file order.
    """
    if width is None or height is None:
        width, height = size_from_words(words)
    try:
        import ocr_core.reading_order  # noqa: F401
    except ImportError:
        return Page(width=int(width), height=int(height), lines=[Line(words=[w]) for w in words], **kwargs)
    return Page.from_words(words, int(width), int(height), **kwargs)


def page_name(page: Page, index: int) -> str:
    """The stem used to name per-page output files: the image's stem, else ``extra["name"]``."""
    if page.image_path:
        return Path(str(page.image_path).replace("\\", "/")).stem
    name = page.extra.get("name")
    return str(name) if name else f"page_{index + 1:04d}"


def rect_quad(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Axis-aligned quad, clockwise from the top-left, from two opposite corners (any order)."""
    xa, xb = sorted((float(x0), float(x1)))
    ya, yb = sorted((float(y0), float(y1)))
    return np.array([[xa, ya], [xb, ya], [xb, yb], [xa, yb]], dtype=np.float64)


def _order_clockwise(points: np.ndarray) -> np.ndarray:
    center = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - center[1], points[:, 0] - center[0])  # y down: increasing = clockwise
    pts = points[np.argsort(angles)]
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def clockwise_quad(quad: np.ndarray) -> np.ndarray:
    """``quad`` as it is when its points run clockwise on screen (the order every format here means: the text's
    top-left first). Points given the other way round (a labelme polygon drawn from the bottom-left, say) would
    crop the word mirrored: they are put clockwise, starting at the corner whose next edge runs most nearly
    left to right.

    >>> clockwise_quad(np.array([[0, 9], [20, 9], [20, 0], [0, 0]], float)).tolist()
    [[0.0, 0.0], [20.0, 0.0], [20.0, 9.0], [0.0, 9.0]]
    """
    x, y = quad[:, 0], quad[:, 1]
    if float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) >= 0:  # clockwise with y down (or flat)
        return quad
    turned = quad[::-1].copy()
    edges = np.roll(turned, -1, axis=0) - turned
    lengths = np.maximum(np.hypot(edges[:, 0], edges[:, 1]), 1e-12)
    return np.roll(turned, -int(np.argmax(edges[:, 0] / lengths)), axis=0)


def polygon_to_quad(points: Any) -> np.ndarray:
    """A quad for any polygon: itself if it has 4 points (put clockwise, :func:`clockwise_quad`), else its
    minimum-area rotated rectangle."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if not np.all(np.isfinite(pts)) or np.any(np.abs(pts) > MAX_COORDINATE):
        raise ValueError(f"a polygon's coordinates must be finite and within \u00b1{MAX_COORDINATE:,.0f} pixels")
    if len(pts) == 4:
        return clockwise_quad(pts.copy())
    if len(pts) < 3:
        raise ValueError(f"a polygon needs at least 3 points, got {len(pts)}")
    import cv2

    box = cv2.boxPoints(cv2.minAreaRect(pts.astype(np.float32))).astype(np.float64)
    return _order_clockwise(box)


def unchanged_polygon(points: Any, quad: np.ndarray) -> bool:
    """Whether ``points``, a box's polygon as a file gave it (flat ``[x1, y1, ...]`` or ``[[x, y], ...]``), still
    makes ``quad`` (:func:`polygon_to_quad`): the box was not edited, and the polygon can be written back as it was."""
    try:
        return bool(np.allclose(polygon_to_quad(points), quad, atol=1e-3))
    except (ValueError, TypeError):
        return False


def is_axis_aligned(quad: np.ndarray, tol: float = 1e-6) -> bool:
    """True if ``quad`` is an upright rectangle in our clockwise-from-top-left order."""
    x0, y0 = quad.min(axis=0)
    x1, y1 = quad.max(axis=0)
    return bool(np.allclose(quad, rect_quad(x0, y0, x1, y1), atol=tol))


def number(value: Any) -> float:
    """A finite float from a JSON value or a string; ``ValueError`` otherwise (booleans too)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"expected a number, got {value!r}")
    try:
        result = float(value)
    except (ValueError, OverflowError):
        raise ValueError(f"expected a number, got {str(value)[:40]!r}") from None
    if not math.isfinite(result):
        raise ValueError(f"expected a finite number, got {str(value)[:40]!r}")
    return result


def flag(value: Any) -> bool:
    """A yes/no field written by hand or by another tool: ``true``, ``1``, ``"true"``, ``"yes"``, ``"1"`` are yes;
    ``"false"``, ``"0"``, ``""``, ``null`` and anything else are no (``bool("false")`` would be yes)."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1")
    if isinstance(value, bool | int | float):
        return bool(value)
    return False


def json_number(value: float, digits: int = 2) -> int | float:
    """A coordinate for JSON output: an ``int`` when integral, else rounded to ``digits`` decimals."""
    rounded = round(float(value), digits)
    return int(rounded) if rounded == int(rounded) else rounded


def format_number(value: float, digits: int = 2) -> str:
    """``12`` for integral values, else rounded to ``digits`` decimals without trailing zeros."""
    rounded = round(float(value), digits)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.{digits}f}".rstrip("0").rstrip(".")


def relative_posix(target: str | os.PathLike[str], start: Path) -> str:
    """``target`` relative to the folder ``start`` with ``/`` separators (absolute on another drive)."""
    try:
        rel = os.path.relpath(os.path.abspath(target), os.path.abspath(start))
    except ValueError:  # different drives on Windows
        return Path(target).as_posix()
    return Path(rel).as_posix()


def namespace(extra: dict[str, Any], key: str) -> dict[str, Any]:
    """The format-specific sub-dictionary ``extra[key]`` (empty if absent or not a dict)."""
    value = extra.get(key)
    return value if isinstance(value, dict) else {}


def check_unique(paths: Sequence[Path]) -> None:
    """Refuse to write two pages to the same file (e.g. two images with the same stem)."""
    seen: set[Path] = set()
    for p in paths:
        key = Path(os.path.abspath(p))
        if key in seen:
            raise AnnotationFormatError(f"{p}: two pages would be written to this file (same image name)")
        seen.add(key)
