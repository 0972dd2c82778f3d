"""keras-ocr compatible helpers (``keras_ocr.tools``), thin layers over imageio and geometry.

The camelCase names (``drawBoxes``, ``drawAnnotations``, ``warpBox``) are kept for
compatibility; snake_case aliases exist for each. Differences from keras-ocr 0.9: no network
downloads (:func:`download_and_verify` only finds files already in the cache), no shapely or
scipy, clear errors instead of asserts, and :func:`pad` / :func:`fit` also work on gray images.

>>> import numpy as np
>>> canvas = drawBoxes(np.zeros((20, 20, 3), np.uint8), [[[2, 2], [12, 2], [12, 8], [2, 8]]], thickness=1)
>>> int(canvas[2, 5, 0])
255
"""

from __future__ import annotations

import hashlib
import os
import urllib.parse
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from ocr_core.errors import WeightsMismatchError, WeightsNotFoundError
from ocr_core.imageio import read_image

__all__ = [
    "read",
    "read_and_fit",
    "warpBox",
    "warp_box",
    "drawBoxes",
    "draw_boxes",
    "drawAnnotations",
    "draw_annotations",
    "get_rotated_box",
    "get_rotated_width_height",
    "fix_line",
    "combine_line",
    "flatten",
    "adjust_boxes",
    "resize_image",
    "pad",
    "fit",
    "sha256sum",
    "download_and_verify",
    "get_default_cache_dir",
]


def read(filepath_or_buffer: Any) -> np.ndarray:
    """Read a path, URL, file object, bytes or array into an ``H x W x 3`` uint8 RGB image."""
    return read_image(filepath_or_buffer)


def get_rotated_width_height(box: Any) -> tuple[int, int]:
    """``(width, height)`` of a box ordered top-left, top-right, bottom-right, bottom-left."""
    b = np.asarray(box, dtype=np.float64)
    w = (np.linalg.norm(b[0] - b[1]) + np.linalg.norm(b[2] - b[3])) / 2
    h = (np.linalg.norm(b[0] - b[3]) + np.linalg.norm(b[1] - b[2])) / 2
    return int(w), int(h)


def get_rotated_box(points: Any) -> tuple[np.ndarray, float]:
    """Minimum-area rectangle around ``points`` as ``(tl, tr, br, bl)`` float32 and its rotation.

    As in keras-ocr: the two left-most corners are the left side (top-left = the upper one), the
    right corner farther from the top-left is the bottom-right; the rotation (radians) is
    ``arctan((tl.x - bl.x) / (tl.y - bl.y))``.
    """
    pts = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    if len(pts) >= 3 and np.linalg.matrix_rank(pts - pts.mean(axis=0), tol=1e-6) == 2:
        pts = cv2.boxPoints(cv2.minAreaRect(pts)).astype(np.float64)
    else:
        pts = pts.astype(np.float64)
    if len(pts) != 4:
        raise ValueError(f"get_rotated_box needs at least 3 non-collinear points or 4 points; got {len(pts)}")
    by_x = pts[np.argsort(pts[:, 0], kind="stable")]
    left, right = by_x[:2], by_x[2:]
    tl, bl = left[np.argsort(left[:, 1], kind="stable")]
    far = np.argsort(np.linalg.norm(right - tl, axis=1), kind="stable")[::-1]
    br, tr = right[far]
    box = np.array([tl, tr, br, bl], dtype=np.float32)
    dy = tl[1] - bl[1]
    rotation = float(np.arctan((tl[0] - bl[0]) / dy)) if dy != 0 else 0.0
    return box, rotation


def warpBox(
    image: np.ndarray,
    box: Any,
    target_height: int | None = None,
    target_width: int | None = None,
    margin: float = 0,
    cval: Any = None,
    return_transform: bool = False,
    skip_rotate: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Warp the quad ``box`` to an upright rectangle (keras-ocr semantics).

    With ``target_height`` and ``target_width`` the crop keeps its aspect ratio, is scaled to fit
    and pasted top-left on a ``cval`` canvas of that size (``margin`` pixels inside the crop).
    """
    if (target_width is None) != (target_height is None):
        raise ValueError("give both target_width and target_height, or neither")
    if cval is None:
        cval = (0, 0, 0) if image.ndim == 3 else 0
    quad = np.asarray(box, dtype=np.float32)
    if not skip_rotate:
        quad, _ = get_rotated_box(quad)
    w, h = get_rotated_width_height(quad)
    w, h = max(w, 1), max(h, 1)
    if target_width is None or target_height is None:
        target_width, target_height = w, h
    scale = min(target_width / w, target_height / h)
    dst = np.array(
        [
            [margin, margin],
            [scale * w - margin, margin],
            [scale * w - margin, scale * h - margin],
            [margin, scale * h - margin],
        ],
        dtype=np.float32,
    )
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    out_w, out_h = max(1, min(int(scale * w), target_width)), max(1, min(int(scale * h), target_height))
    crop = cv2.warpPerspective(np.ascontiguousarray(image), matrix, dsize=(out_w, out_h))
    shape = (target_height, target_width) + image.shape[2:]
    full = np.empty(shape, dtype=np.uint8)
    full[...] = cval
    full[: crop.shape[0], : crop.shape[1]] = crop.reshape(crop.shape[:2] + image.shape[2:])
    return (full, matrix) if return_transform else full


def flatten(list_of_lists: Any) -> list[Any]:
    return [item for sublist in list_of_lists for item in sublist]


def fix_line(line: Sequence[tuple[Any, Any]]) -> tuple[list[tuple[np.ndarray, Any]], str]:
    """Order a line of ``(box, character)`` left-to-right or top-to-bottom.

    Each box is re-ordered with :func:`get_rotated_box`; returns ``(line, 'horizontal'|'vertical')``.
    """
    fixed = [(get_rotated_box(box)[0], character) for box, character in line]
    if not fixed:
        return [], "horizontal"
    centers = np.array([box.mean(axis=0) for box, _ in fixed])
    by_x = np.argsort(centers[:, 0], kind="stable")
    by_y = np.argsort(centers[:, 1], kind="stable")
    if np.diff(centers[by_y, 1]).sum() > np.diff(centers[by_x, 0]).sum():
        return [fixed[i] for i in by_y], "vertical"
    return [fixed[i] for i in by_x], "horizontal"


def combine_line(line: Sequence[tuple[Any, Any]]) -> tuple[np.ndarray, str]:
    """Combine a line of ``(box, character)`` into one ``(box, text)`` (minimum-area rectangle)."""
    if not line:
        raise ValueError("combine_line needs at least one (box, character)")
    text = "".join(ch if ch is not None else "" for _, ch in line)
    boxes = [np.asarray(b, dtype=np.float32) for b, _ in line]
    points = np.concatenate([b[:2] for b in boxes] + [b[[3, 2]] for b in reversed(boxes)])
    first = points[0]
    box = cv2.boxPoints(cv2.minAreaRect(points))
    box = np.roll(box, -int(np.linalg.norm(box - first, axis=1).argmin()), axis=0)
    return box, text


def _boxes_of(boxes: Any, boxes_format: str) -> list[np.ndarray]:
    if boxes_format == "boxes":
        return [np.asarray(b) for b in boxes]
    if boxes_format == "lines":
        return [np.asarray(b) for line in boxes for b, _ in line]
    if boxes_format == "predictions":
        return [np.asarray(b) for _, b in boxes]
    raise ValueError(f"unknown boxes_format {boxes_format!r} (use 'boxes', 'lines' or 'predictions')")


def drawBoxes(
    image: np.ndarray, boxes: Any, color: Any = (255, 0, 0), thickness: int = 5, boxes_format: str = "boxes"
) -> np.ndarray:
    """Copy of ``image`` with the outlines of ``boxes`` drawn on it.

    ``boxes_format``: ``'boxes'`` (N x 4 x 2, as from ``Detector.detect``), ``'lines'`` (lists of
    ``(box, character)``, as from the image generator) or ``'predictions'`` (``(text, box)``).
    """
    quads = _boxes_of(boxes, boxes_format)
    canvas = np.ascontiguousarray(image).copy()
    if quads:
        pts = [np.rint(q.reshape(-1, 2)).astype(np.int32) for q in quads]
        cv2.polylines(canvas, pts, isClosed=True, color=color, thickness=thickness)
    return canvas


def drawAnnotations(image: np.ndarray, predictions: Sequence[tuple[str, Any]], ax: Any = None) -> Any:
    """Show ``image`` with its ``(text, box)`` predictions on a matplotlib axis, labels in the margins.

    Words in the left half are labelled in the left margin, the others in the right margin, each
    with an arrow to its box. Needs matplotlib (``pip install matplotlib``) unless ``ax`` is given.
    """
    if ax is None:
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("drawAnnotations needs matplotlib: pip install matplotlib") from exc
        _, ax = plt.subplots()
    ax.imshow(drawBoxes(image=image, boxes=predictions, boxes_format="predictions"))
    ordered = sorted(predictions, key=lambda p: float(np.asarray(p[1])[:, 1].min()))
    left = [p for p in ordered if np.asarray(p[1])[:, 0].min() < image.shape[1] / 2]
    right = [p for p in ordered if np.asarray(p[1])[:, 0].min() >= image.shape[1] / 2]
    ax.set_yticks([])
    ax.set_xticks([])
    for side, group in (("left", left), ("right", right)):
        for index, (text, box) in enumerate(group):
            y = 1 - (index / len(group))
            xy = np.asarray(box, dtype=np.float64)[0] / np.array([image.shape[1], image.shape[0]])
            xy[1] = 1 - xy[1]
            ax.annotate(
                text,
                xy=tuple(xy),
                xytext=(-0.05 if side == "left" else 1.05, y),
                xycoords="axes fraction",
                arrowprops={"arrowstyle": "->", "color": "r"},
                color="r",
                fontsize=14,
                horizontalalignment="right" if side == "left" else "left",
            )
    return ax


def adjust_boxes(boxes: Any, boxes_format: str = "boxes", scale: float = 1) -> Any:
    """Multiply the coordinates of ``boxes`` (any ``boxes_format``) by ``scale``."""
    if scale == 1:
        return boxes
    if boxes_format == "boxes":
        return np.asarray(boxes) * scale
    if boxes_format == "lines":
        return [[(np.asarray(box) * scale, ch) for box, ch in line] for line in boxes]
    if boxes_format == "predictions":
        return [(word, np.asarray(box) * scale) for word, box in boxes]
    raise ValueError(f"unknown boxes_format {boxes_format!r} (use 'boxes', 'lines' or 'predictions')")


def resize_image(image: np.ndarray, max_scale: float, max_size: int) -> tuple[np.ndarray, float]:
    """Scale by ``max_scale`` unless that makes the long side exceed ``max_size``; returns (image, scale)."""
    long_side = max(image.shape[:2])
    scale = max_size / long_side if long_side * max_scale > max_size else max_scale
    size = (max(1, int(image.shape[1] * scale)), max(1, int(image.shape[0] * scale)))
    return cv2.resize(np.ascontiguousarray(image), dsize=size), scale


def pad(image: np.ndarray, width: int, height: int, cval: Any = 255) -> np.ndarray:
    """Pad ``image`` at the bottom and right to ``width`` x ``height`` with ``cval``."""
    if image.shape[0] > height or image.shape[1] > width:
        raise ValueError(
            f"cannot pad a {image.shape[1]}x{image.shape[0]} image to a smaller {width}x{height}"
        )
    padded = np.empty((height, width) + image.shape[2:], dtype=image.dtype)
    padded[...] = cval
    padded[: image.shape[0], : image.shape[1]] = image
    return padded


def fit(
    image: np.ndarray,
    width: int,
    height: int,
    cval: Any = 255,
    mode: str = "letterbox",
    return_scale: bool = False,
) -> Any:
    """Resize ``image`` to ``width`` x ``height`` keeping its aspect ratio.

    ``mode='letterbox'`` fits it inside and pads (top-left) with ``cval``; ``mode='crop'`` fills
    the size and cuts what sticks out. Returns the image, or ``(image, scale)``.
    """
    if mode not in ("letterbox", "crop"):
        raise ValueError(f"unknown fit mode {mode!r} (use 'letterbox' or 'crop')")
    x_scale, y_scale = width / image.shape[1], height / image.shape[0]
    if x_scale == 1 and y_scale == 1:
        fitted, scale = image, 1.0
    else:
        scale = min(x_scale, y_scale) if mode == "letterbox" else max(x_scale, y_scale)
        size = (max(1, int(image.shape[1] * scale)), max(1, int(image.shape[0] * scale)))
        resized = cv2.resize(np.ascontiguousarray(image), dsize=size)
        if resized.ndim < image.ndim:
            resized = resized[..., None]
        if mode == "letterbox":
            fitted = np.empty((height, width) + image.shape[2:], dtype=image.dtype)
            fitted[...] = cval
            fitted[: resized.shape[0], : resized.shape[1]] = resized[:height, :width]
        else:
            fitted = resized[:height, :width]
    return (fitted, scale) if return_scale else fitted


def read_and_fit(
    filepath_or_array: Any, width: int, height: int, cval: Any = 255, mode: str = "letterbox"
) -> np.ndarray:
    """:func:`read` then :func:`fit`."""
    return fit(read(filepath_or_array), width=width, height=height, cval=cval, mode=mode)


def sha256sum(filename: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(filename, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def get_default_cache_dir() -> str:
    """``$KERAS_OCR_CACHE_DIR``, else ``~/.keras-ocr`` (where keras-ocr kept its files)."""
    return os.environ.get("KERAS_OCR_CACHE_DIR", os.path.expanduser(os.path.join("~", ".keras-ocr")))


def download_and_verify(
    url: str,
    sha256: str | None = None,
    cache_dir: str | None = None,
    verbose: bool = True,
    filename: str | None = None,
) -> str:
    """Path of ``url``'s file in the cache, checked against ``sha256``. Nothing is downloaded.

    If the file is missing, :class:`~ocr_core.errors.WeightsNotFoundError` says where to put it;
    if its hash differs, :class:`~ocr_core.errors.WeightsMismatchError`.
    """
    cache_dir = cache_dir or get_default_cache_dir()
    filename = filename or os.path.basename(urllib.parse.urlparse(url).path)
    filepath = os.path.join(cache_dir, filename)
    if verbose:
        print("Looking for " + filepath)
    if not os.path.isfile(filepath):
        raise WeightsNotFoundError(
            f"{filepath} not found. OCR Studio downloads nothing: fetch {url} yourself and save it as {filepath}"
            + (f" (sha256 {sha256})" if sha256 else "")
        )
    if sha256 and sha256sum(filepath) != sha256.lower():
        raise WeightsMismatchError(
            f"{filepath} has the wrong sha256 (expected {sha256}); replace it with a fresh copy of {url}"
        )
    return filepath


warp_box = warpBox
draw_boxes = drawBoxes
draw_annotations = drawAnnotations
