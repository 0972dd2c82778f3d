"""Read and write images as ``H x W x 3`` uint8 RGB arrays, with errors that name the file.

Sources: a path (JPEG, PNG, TIFF incl. bilevel/16-bit/multi-page, WebP, BMP, GIF, PNM, and PDF pages rendered
at 300 dpi by :mod:`ocr_core.pdf_input`), an ``http(s)://`` URL, ``bytes``, a binary file object or a numpy
array. EXIF orientation is applied; gray, palette, CMYK, 16-bit and transparent images (composited on white) become RGB.
Images above :data:`MAX_PIXELS` pixels are refused (decompression bombs); the environment
variable ``OCR_STUDIO_MAX_PIXELS`` overrides the limit. This module imports neither Qt nor
TensorFlow.

>>> import numpy as np
>>> read_image(np.zeros((4, 6), np.uint8)).shape
(4, 6, 3)
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from ocr_core.atomic import atomic_write_bytes
from ocr_core.errors import ImageReadError, OcrError
from ocr_core.pdf_input import is_pdf, pdf_page_count, pdf_page_size, render_pdf_page

__all__ = ["MAX_PIXELS", "SUPPORTED_SUFFIXES", "read_image", "read_image_pages", "read_image_page", "image_size",
           "page_count", "write_image"]

#: Largest image (width x height) that is decoded; larger files are refused as decompression bombs.
MAX_PIXELS = 100_000_000
#: File suffixes (lower case) that :func:`read_image` reads; match them case-insensitively.
SUPPORTED_SUFFIXES: tuple[str, ...] = (
    ".jpg",
    ".jpeg",
    ".png",
    ".tif",
    ".tiff",
    ".webp",
    ".bmp",
    ".gif",
    ".pbm",
    ".pgm",
    ".ppm",
    ".pnm",
)
#: Seconds to wait for a URL before giving up.
URL_TIMEOUT = 30.0
_MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024
_EXIF_ORIENTATION = 0x0112
_WRITE_FORMATS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".webp": "WEBP",
    ".bmp": "BMP",
    ".gif": "GIF",
    ".pbm": "PPM",
    ".pgm": "PPM",
    ".ppm": "PPM",
    ".pnm": "PPM",
}
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    Image.DecompressionBombError,
    UnidentifiedImageError,
)


def _open_header(source: Any) -> Image.Image:
    """``Image.open`` (the header only), with Pillow's decompression-bomb limit raised to the user's.

    Pillow refuses images over twice its ``MAX_IMAGE_PIXELS`` (about 179 megapixels) with a message that names no
    setting; where $OCR_STUDIO_MAX_PIXELS is higher, that limit is raised to it, so the app's own check
    (:func:`_check_pixels`, with the app's message) decides. It is never lowered, never turned off."""
    try:
        limit = max_pixels()
    except ImageReadError:
        limit = 0
    if Image.MAX_IMAGE_PIXELS is not None and limit > Image.MAX_IMAGE_PIXELS:
        Image.MAX_IMAGE_PIXELS = limit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(source)


def max_pixels() -> int:
    """The pixel limit in force: ``$OCR_STUDIO_MAX_PIXELS`` if set, else :data:`MAX_PIXELS`."""
    env = os.environ.get("OCR_STUDIO_MAX_PIXELS")
    if env is None or not env.strip():
        return MAX_PIXELS
    try:
        value = int(env)
    except ValueError:
        value = 0
    if value <= 0:
        raise ImageReadError(f"OCR_STUDIO_MAX_PIXELS must be a positive whole number of pixels; got {env!r}")
    return value


def read_image(source: Any, *, name: str | None = None) -> np.ndarray:
    """Read ``source`` into an ``H x W x 3`` uint8 RGB array (first page of multi-page files).

    ``name`` is used in error messages for sources without one (bytes, streams, arrays).
    An array that is already ``H x W x 3`` uint8 is returned as it is (not copied).

    >>> read_image(b"not an image", name="scan.png")
    Traceback (most recent call last):
    ...
    ocr_core.errors.ImageReadError: cannot read image scan.png: not a recognised image format
    """
    if isinstance(source, np.ndarray) or _is_array_like(source):
        return _normalise_array(np.asarray(source), name or "<array>")
    if is_pdf(source):
        return read_image_page(source, 0, name=name)
    with _opened(source, name) as (img, label):
        return _to_rgb(img, label)


def read_image_pages(source: Any, *, name: str | None = None) -> Iterator[np.ndarray]:
    """Yield every page of a multi-page image (TIFF, PDF, animated GIF/WebP) as RGB arrays.

    A single-page image or an array yields one page.
    """
    if isinstance(source, np.ndarray) or _is_array_like(source):
        yield _normalise_array(np.asarray(source), name or "<array>")
        return
    if is_pdf(source):
        for index in range(pdf_page_count(source, name)):
            yield read_image_page(source, index, name=name)
        return
    with _opened(source, name) as (img, label):
        for index, frame in enumerate(ImageSequence.Iterator(img)):
            yield _to_rgb(frame, f"{label} (page {index + 1})", check_size=True)


def read_image_page(source: Any, index: int, *, name: str | None = None) -> np.ndarray:
    """Page ``index`` (0-based) of a multi-page image as an RGB array; page 0 is what :func:`read_image` reads.

    >>> read_image_page(np.zeros((2, 3, 3), np.uint8), 1)
    Traceback (most recent call last):
    ...
    ocr_core.errors.ImageReadError: cannot read image <array>: it has 1 page, not a page 2
    """
    if is_pdf(source):
        return render_pdf_page(source, index, max_pixels=max_pixels(), label=name or str(source)[:200])
    if index == 0:
        return read_image(source, name=name)
    if isinstance(source, np.ndarray) or _is_array_like(source):
        raise ImageReadError(f"cannot read image {name or '<array>'}: it has 1 page, not a page {index + 1}")
    with _opened(source, name) as (img, label):
        pages = max(1, int(getattr(img, "n_frames", 1)))
        if not 0 <= index < pages:
            raise ImageReadError(f"cannot read image {label}: it has {pages} page{'s' if pages > 1 else ''}, "
                                 f"not a page {index + 1}")
        try:
            img.seek(index)
        except _DECODE_ERRORS as exc:
            raise ImageReadError(f"cannot read image {label} (page {index + 1}): {_describe(exc)}") from exc
        return _to_rgb(img, f"{label} (page {index + 1})", check_size=True)


def page_count(path: str | os.PathLike[str]) -> int:
    """How many pages (frames) an image file holds, from its header: more than 1 for a multi-page TIFF, a PDF or
    an animation; 1 when it cannot tell. :func:`read_image` reads the first page only."""
    if is_pdf(path):
        try:
            return max(1, pdf_page_count(path))
        except ImageReadError:
            return 1
    try:
        with _open_header(os.fspath(path)) as img:
            return max(1, int(getattr(img, "n_frames", 1)))
    except (*_DECODE_ERRORS, AttributeError):
        return 1


def image_size(path: str | os.PathLike[str]) -> tuple[int, int]:
    """``(width, height)`` as :func:`read_image` will return it (EXIF rotation included),
    read from the file header without decoding the pixels.
    """
    label = os.fspath(path)
    _check_file(Path(label), label)
    if is_pdf(label):
        return pdf_page_size(label, 0, max_pixels=max_pixels(), label=label)
    try:
        img = _open_header(label)
        with img:
            width, height = img.size
            try:
                orientation = img.getexif().get(_EXIF_ORIENTATION, 1)
            except _DECODE_ERRORS:
                orientation = 1
    except _DECODE_ERRORS as exc:
        raise ImageReadError(f"cannot read image {label}: {_describe(exc)}") from exc
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return int(width), int(height)


def write_image(path: str | os.PathLike[str], image: np.ndarray, *, dpi: tuple[float, float] | None = None) -> None:
    """Write ``image`` (gray, RGB or RGBA array) atomically; the format follows the suffix.

    Float images in ``[0, 1]`` are scaled to 0-255. JPEG is written at quality 95, WebP lossless;
    JPEG, BMP and PNM drop transparency (composited on white). ``dpi`` is recorded where the format holds it (PNG,
    JPEG, TIFF): a page's size on paper, which a searchable PDF made of it keeps.
    """
    target = Path(path)
    fmt = _WRITE_FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise OcrError(
            f"cannot write image {target}: unsupported suffix {target.suffix!r} "
            f"(use one of {', '.join(sorted(_WRITE_FORMATS))})"
        )
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)) or arr.size == 0:
        raise OcrError(
            f"cannot write image {target}: expected a gray, RGB or RGBA array, got shape {arr.shape}"
        )
    arr = np.ascontiguousarray(_to_uint8(arr, str(target)))
    if arr.ndim == 3 and arr.shape[2] == 4 and fmt in ("JPEG", "BMP", "PPM"):
        arr = _composite_on_white(arr)
    pil = Image.fromarray(arr)
    buffer = io.BytesIO()
    options: dict[str, Any] = {}
    if fmt == "JPEG":
        options["quality"] = 95
    elif fmt == "WEBP":
        options["lossless"] = True
    if dpi is not None and fmt in ("PNG", "JPEG", "TIFF"):
        options["dpi"] = (float(dpi[0]), float(dpi[1]))
    try:
        pil.save(buffer, format=fmt, **options)
    except (OSError, ValueError, KeyError) as exc:
        raise OcrError(f"cannot write image {target}: {exc}") from exc
    atomic_write_bytes(target, buffer.getvalue())


# --------------------------------------------------------------------------- opening sources


@contextlib.contextmanager
def _opened(source: Any, name: str | None) -> Iterator[tuple[Image.Image, str]]:
    """``source`` -> ``(PIL image with its size checked, label for messages)``; closes it after."""
    data, label = _source_bytes_or_path(source, name)
    try:
        img = _open_header(data)
    except Image.DecompressionBombError as exc:  # far over the limit: Pillow's own check came first
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(found.group(1)):,} pixels" if found else "it"
        raise ImageReadError(f"cannot read image {label}: {size} is over the limit of {max_pixels():,} (possible "
                             "decompression bomb; set OCR_STUDIO_MAX_PIXELS to allow it)") from exc
    except UnidentifiedImageError as exc:
        raise ImageReadError(f"cannot read image {label}: not a recognised image format") from exc
    except _DECODE_ERRORS as exc:
        raise ImageReadError(f"cannot read image {label}: {_describe(exc)}") from exc
    with img:
        _check_pixels(img.size, label)
        yield img, label


def _source_bytes_or_path(source: Any, name: str | None) -> tuple[Any, str]:
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if isinstance(text, bytes):
            text = os.fsdecode(text)
        if text.lower().startswith(("http://", "https://")):
            return io.BytesIO(_download(text)), name or text
        label = name or text
        _check_file(Path(text), label)
        return text, label
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        label = name or "<bytes>"
    elif hasattr(source, "read"):
        label = name or str(getattr(source, "name", None) or "<stream>")
        if isinstance(source, io.TextIOBase):
            raise ImageReadError(
                f"cannot read image {label}: the stream is opened in text mode, open it with 'rb'"
            )
        try:
            data = source.read()
        except (OSError, ValueError) as exc:
            raise ImageReadError(f"cannot read image {label}: {exc}") from exc
        if isinstance(data, str):
            raise ImageReadError(
                f"cannot read image {label}: the stream is opened in text mode, open it with 'rb'"
            )
    else:
        raise ImageReadError(
            f"cannot read image {name or repr(source)[:80]}: unsupported source type "
            f"{type(source).__name__} (give a path, URL, bytes, binary file or array)"
        )
    if not data:
        raise ImageReadError(f"cannot read image {label}: it is empty (0 bytes)")
    return io.BytesIO(data), label


def _check_file(path: Path, label: str) -> None:
    if not path.exists():
        raise ImageReadError(f"cannot read image {label}: file not found")
    if path.is_dir():
        raise ImageReadError(f"cannot read image {label}: it is a folder, not a file")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImageReadError(f"cannot read image {label}: {exc.strerror or exc}") from exc
    if size == 0:
        raise ImageReadError(f"cannot read image {label}: the file is empty (0 bytes)")


def _download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=URL_TIMEOUT) as response:
            data = response.read(_MAX_DOWNLOAD_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise ImageReadError(f"cannot download image {url}: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise ImageReadError(f"cannot download image {url}: {exc.reason}") from exc
    except (OSError, ValueError) as exc:
        raise ImageReadError(f"cannot download image {url}: {exc}") from exc
    if len(data) > _MAX_DOWNLOAD_BYTES:
        raise ImageReadError(f"cannot download image {url}: larger than {_MAX_DOWNLOAD_BYTES // 2**20} MiB")
    if not data:
        raise ImageReadError(f"cannot download image {url}: the server sent no data")
    return data


def _check_pixels(size: tuple[int, int], label: str) -> None:
    width, height = size
    limit = max_pixels()
    if width * height > limit:
        raise ImageReadError(
            f"cannot read image {label}: {width}x{height} = {width * height:,} pixels is over the limit of "
            f"{limit:,} (possible decompression bomb; set OCR_STUDIO_MAX_PIXELS to allow it)"
        )
    if width <= 0 or height <= 0:
        raise ImageReadError(f"cannot read image {label}: it has no pixels ({width}x{height})")


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if "truncated" in text.lower() or isinstance(exc, EOFError):
        return f"the file is truncated or corrupt ({text})"
    return text


# --------------------------------------------------------------------------- pixel conversion


def _to_rgb(img: Image.Image, label: str, check_size: bool = False) -> np.ndarray:
    if check_size:
        _check_pixels(img.size, label)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img.load()
            img = _apply_exif_orientation(img)
            return _pil_to_rgb(img, label)
    except ImageReadError:
        raise
    except _DECODE_ERRORS as exc:
        raise ImageReadError(f"cannot read image {label}: {_describe(exc)}") from exc


def _apply_exif_orientation(img: Image.Image) -> Image.Image:
    try:
        orientation = img.getexif().get(_EXIF_ORIENTATION, 1)
        if orientation in (2, 3, 4, 5, 6, 7, 8):
            return ImageOps.exif_transpose(img) or img
    except _DECODE_ERRORS:
        pass  # unreadable EXIF: keep the stored orientation
    return img


def _pil_to_rgb(img: Image.Image, label: str) -> np.ndarray:
    mode = img.mode
    if mode == "RGB":
        return np.asarray(img, dtype=np.uint8).copy()
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        mode = img.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        return _composite_on_white(np.asarray(img.convert("RGBA")))
    if mode == "1":
        return _normalise_array(np.asarray(img.convert("L")), label)
    if mode in ("L", "I", "F") or mode.startswith("I;16"):
        return _normalise_array(np.asarray(img), label)
    return np.asarray(img.convert("RGB"), dtype=np.uint8).copy()  # CMYK, YCbCr, LAB, HSV, ...


def _is_array_like(source: Any) -> bool:
    return hasattr(source, "__array__") and not isinstance(source, (str, bytes, bytearray, memoryview))


def _to_uint8(arr: np.ndarray, label: str) -> np.ndarray:
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype == bool:
        return arr.astype(np.uint8) * 255
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)):
            raise ImageReadError(f"cannot read image {label}: it contains NaN or infinite values")
        peak = float(arr.max()) if arr.size else 0.0
        scaled = arr * 255.0 if peak <= 1.0 else arr
        return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    if np.issubdtype(arr.dtype, np.integer):
        if arr.dtype == np.uint16 or (arr.size and int(arr.max()) > 255):
            return np.clip(arr.astype(np.int64) >> 8, 0, 255).astype(np.uint8)  # as Pillow does
        return np.clip(arr, 0, 255).astype(np.uint8)
    raise ImageReadError(f"cannot read image {label}: unsupported pixel type {arr.dtype}")


def _normalise_array(arr: np.ndarray, label: str) -> np.ndarray:
    """Gray ``HxW``/``HxWx1``, gray+alpha, RGB or RGBA of any numeric type -> ``HxWx3`` uint8."""
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (2, 3, 4)):
        raise ImageReadError(
            f"cannot read image {label}: expected HxW, HxWx1, HxWx3 or HxWx4 pixels, "
            f"got an array of shape {arr.shape}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ImageReadError(f"cannot read image {label}: it has no pixels (shape {arr.shape})")
    _check_pixels((arr.shape[1], arr.shape[0]), label)
    arr = _to_uint8(arr, label)
    if arr.ndim == 2:
        return np.repeat(arr[..., None], 3, axis=2)
    if arr.shape[2] == 2:
        arr = np.concatenate([np.repeat(arr[..., :1], 3, axis=2), arr[..., 1:]], axis=2)
    if arr.shape[2] == 4:
        return _composite_on_white(arr)
    return np.ascontiguousarray(arr)


def _composite_on_white(rgba: np.ndarray) -> np.ndarray:
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = rgba[..., :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
