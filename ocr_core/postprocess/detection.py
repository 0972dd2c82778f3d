"""CRAFT score maps -> word quads (the published CRAFT / keras-ocr ``getBoxes`` procedure).

1. Threshold the region map at ``text_threshold`` and the affinity (link) map at ``link_threshold``.
2. Connected components (4-connectivity) of the union; drop components smaller than
   ``size_threshold`` pixels or whose peak region score is below ``detection_threshold``.
3. Remove link-only pixels from the component, dilate it with a square kernel of
   ``1 + niter`` where ``niter = int(sqrt(area * min(w, h) / (w * h)) * 2)``.
4. ``cv2.minAreaRect`` of the pixels -> 4 points; nearly square boxes (sides within 10 %) use the
   axis-aligned bounds instead; order clockwise from the top-left; multiply by ``scale``.

Step 3 follows the CRAFT reference code (keras-ocr removed pixels that were both text and link,
a bug), and the box is fitted to all the component's pixels rather than to its first contour.
Each component is processed inside its own bounding box, so cost grows with text area, not with
``components x image size``.

Weak detections (ADR 0014): with ``weak_detection_threshold`` set below ``detection_threshold``, words
whose peak lies between the two are returned as well, marked weak; the pipeline keeps them only when the
recognizer reads them confidently (lone characters and faint print pass, clutter does not).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ocr_core.geometry import order_quad

__all__ = ["DETECTION_DEFAULTS", "MAP_SETTINGS", "detection_settings", "score_maps_to_boxes", "text_size",
           "large_text_choice", "covered_by_any", "merge_large_text"]

#: The published CRAFT / keras-ocr thresholds, and the second pass for large text (off by default); a
#: detector's model spec may override them (``postprocess``).
DETECTION_DEFAULTS: dict[str, float] = {
    "detection_threshold": 0.7,
    "text_threshold": 0.4,
    "link_threshold": 0.4,
    "size_threshold": 10,
    # A second pass on the image shrunk by this factor (0: off) finds text too large for the model...
    "large_text_scale": 0.0,
    # ...and its boxes at least this many pixels tall (in the first pass's image) replace the first pass's.
    "large_text_height": 64,
    # Words whose peak is at least this but below ``detection_threshold`` are weak: kept only when read
    # confidently (0: off, keras-ocr's behaviour).
    "weak_detection_threshold": 0.0,
}
#: The settings :func:`score_maps_to_boxes` takes (the others drive the large-text pass).
MAP_SETTINGS = ("detection_threshold", "text_threshold", "link_threshold", "size_threshold")


def detection_settings(*layers: dict[str, Any] | None) -> dict[str, Any]:
    """:data:`DETECTION_DEFAULTS` overridden by each mapping in turn (``None`` values are skipped), checked.

    Raises ``ValueError`` naming the setting for an unknown name, a threshold outside (0, 1] or a negative size.

    >>> detection_settings({"detection_threshold": 0.5}, {"link_threshold": None})["detection_threshold"]
    0.5
    """
    settings: dict[str, Any] = dict(DETECTION_DEFAULTS)
    for layer in layers:
        for key, value in (layer or {}).items():
            if value is None:
                continue
            if key not in DETECTION_DEFAULTS:
                raise ValueError(f"unknown detection setting {key!r}; known: {', '.join(DETECTION_DEFAULTS)}")
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"{key} must be a number, got {value!r}") from None
            if key in ("size_threshold", "large_text_height"):
                least = 0 if key == "size_threshold" else 1
                if not (number >= least and number == int(number)):
                    raise ValueError(f"{key} must be a whole number of pixels >= {least}, got {value!r}")
                number = int(number)
            elif key == "large_text_scale":
                if not 0.0 <= number < 1.0:
                    raise ValueError(f"large_text_scale must be in [0, 1) (0: off), got {value!r}")
            elif key == "weak_detection_threshold":
                if not 0.0 <= number <= 1.0:
                    raise ValueError(f"weak_detection_threshold must be in [0, 1] (0: off), got {value!r}")
            elif not 0.0 < number <= 1.0:
                raise ValueError(f"{key} must be in (0, 1], got {value!r}")
            settings[key] = number
    return settings


def score_maps_to_boxes(
    region: np.ndarray,
    affinity: np.ndarray,
    *,
    detection_threshold: float = 0.7,
    text_threshold: float = 0.4,
    link_threshold: float = 0.4,
    size_threshold: int = 10,
    scale: float = 2.0,
    return_peaks: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Turn a CRAFT region map and affinity map (same ``H x W``) into word quads.

    Returns an ``(N, 4, 2)`` float32 array of quads, clockwise from the top-left, in input-image
    pixels (map coordinates times ``scale``; CRAFT maps are half the input size); with ``return_peaks``,
    also each word's peak region score ``(N,)``. The boxes found at a threshold are exactly those found
    at a lower one whose peak reaches it, in the same order.

    >>> region = np.zeros((40, 80), np.float32); region[10:20, 10:60] = 0.9
    >>> score_maps_to_boxes(region, np.zeros_like(region)).shape
    (1, 4, 2)
    """
    region = np.asarray(region, dtype=np.float32)
    affinity = np.asarray(affinity, dtype=np.float32)
    if region.ndim != 2 or region.shape != affinity.shape:
        raise ValueError(
            f"region and affinity maps must be 2-D and the same shape; got {region.shape} and {affinity.shape}"
        )
    img_h, img_w = region.shape
    text = region > text_threshold
    link = affinity > link_threshold
    combined = np.logical_or(text, link).astype(np.uint8)
    n_components, labels, stats, _ = cv2.connectedComponentsWithStats(combined, connectivity=4)

    boxes: list[np.ndarray] = []
    peaks: list[float] = []
    for k in range(1, n_components):
        x, y, w, h, area = (int(v) for v in stats[k, :5])
        if area < size_threshold:
            continue
        in_comp = labels[y : y + h, x : x + w] == k
        peak = float(region[y : y + h, x : x + w][in_comp].max())
        if peak < detection_threshold:
            continue
        niter = int(np.sqrt(area * min(w, h) / (w * h)) * 2)
        sx, sy = max(x - niter, 0), max(y - niter, 0)
        ex, ey = min(x + w + niter + 1, img_w), min(y + h + niter + 1, img_h)
        link_only = link[sy:ey, sx:ex] & ~text[sy:ey, sx:ex]
        segmap = ((labels[sy:ey, sx:ex] == k) & ~link_only).astype(np.uint8)
        if niter > 0:
            kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (1 + niter, 1 + niter))
            segmap = cv2.dilate(segmap, kernel)
        ys, xs = np.nonzero(segmap)
        if len(xs) == 0:
            continue
        points = np.stack([xs + sx, ys + sy], axis=1).astype(np.float32)
        box = cv2.boxPoints(cv2.minAreaRect(points))
        side_a, side_b = np.linalg.norm(box[0] - box[1]), np.linalg.norm(box[1] - box[2])
        if abs(1 - max(side_a, side_b) / (min(side_a, side_b) + 1e-5)) <= 0.1:
            left, top = points.min(axis=0)
            right, bottom = points.max(axis=0)
            box = np.array([[left, top], [right, top], [right, bottom], [left, bottom]], dtype=np.float32)
        boxes.append(order_quad(box) * scale)
        peaks.append(peak)
    quads = np.asarray(boxes, dtype=np.float32).reshape(-1, 4, 2)
    if return_peaks:
        return quads, np.asarray(peaks, dtype=np.float32)
    return quads


def text_size(quads: np.ndarray) -> np.ndarray:
    """The size of the text in each ``(N, 4, 2)`` quad: its shorter side (mean of the opposite edges)."""
    q = np.asarray(quads, np.float32).reshape(-1, 4, 2)
    across = (np.linalg.norm(q[:, 1] - q[:, 0], axis=1) + np.linalg.norm(q[:, 2] - q[:, 3], axis=1)) / 2
    down = (np.linalg.norm(q[:, 3] - q[:, 0], axis=1) + np.linalg.norm(q[:, 2] - q[:, 1], axis=1)) / 2
    return np.minimum(across, down)


def _covered(inner: np.ndarray, outer: np.ndarray) -> float:
    """The share of ``inner``'s area that lies inside ``outer`` (both convex quads)."""
    area = abs(float(cv2.contourArea(inner)))
    if area <= 0:
        return 0.0
    overlap, _ = cv2.intersectConvexConvex(inner.astype(np.float32), outer.astype(np.float32))
    return float(overlap) / area


def large_text_choice(fine: np.ndarray, coarse: np.ndarray, min_height: float, cover: float = 0.5,
                      same_size: float = 0.6, grow: float = 1.25) -> tuple[np.ndarray, np.ndarray]:
    """Which boxes :func:`merge_large_text` keeps: a mask over ``fine`` and the indices of ``coarse`` taken."""
    fine = np.asarray(fine, np.float32).reshape(-1, 4, 2)
    coarse = np.asarray(coarse, np.float32).reshape(-1, 4, 2)
    fine_size = text_size(fine)
    fine_lo, fine_hi = fine.min(axis=1), fine.max(axis=1)
    keep = np.ones(len(fine), bool)
    taken: list[int] = []
    for index, (big, size) in enumerate(zip(coarse, text_size(coarse))):
        if size < min_height:
            continue
        # only fine boxes whose bounds meet this box's can lie inside it (saves the polygon tests on dense pages)
        near = np.all((fine_lo <= big.max(axis=0)) & (fine_hi >= big.min(axis=0)), axis=1)
        inside = np.array([bool(n) and _covered(box, big) >= cover for box, n in zip(fine, near)], bool)
        # Only where the fine pass saw text too: on its own, the shrunken pass takes texture for large words.
        # Lines of small text merge when shrunk: a large box over small fine boxes is such a blend, not a word.
        if not inside.any() or fine_size[inside].min() < same_size * size:
            continue
        # And only where it finds more of the word: otherwise the fine pass's box is the sharper one.
        if abs(float(cv2.contourArea(big))) < grow * sum(abs(float(cv2.contourArea(b))) for b in fine[inside]):
            continue
        keep &= ~inside
        taken.append(index)
    return keep, np.asarray(taken, dtype=np.int64)


def covered_by_any(boxes: np.ndarray, covers: np.ndarray, share: float = 0.5) -> np.ndarray:
    """Mask over ``boxes``: which lie ``share`` of their area or more inside one of ``covers``."""
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4, 2)
    covers = np.asarray(covers, np.float32).reshape(-1, 4, 2)
    return np.array([any(_covered(box, c) >= share for c in covers) for box in boxes], bool)


def merge_large_text(fine: np.ndarray, coarse: np.ndarray, min_height: float, cover: float = 0.5,
                     same_size: float = 0.6, grow: float = 1.25) -> np.ndarray:
    """Combine a full-size pass (``fine``) with a pass on a shrunken image (``coarse``, same coordinates).

    A detector trained on text up to some size misreads larger text: it finds parts of letters, or cuts a
    word inside a wide letter. The shrunken pass sees that text at a size the model knows. Its boxes whose
    :func:`text_size` is at least ``min_height`` replace every fine box lying mostly (``cover`` of its area)
    inside them, provided there are such fine boxes (alone, the shrunken pass takes texture for large words),
    they hold text of a like size (at least ``same_size`` times the coarse box's: shrinking also merges
    neighbouring lines of small text into one tall box, which must not replace the fine pass's words), and
    the coarse box is at least ``grow`` times their area (it finds more of the word; otherwise the fine box
    is the sharper one). All other fine boxes stay; the other coarse boxes are dropped.

    >>> fine = np.array([[[30, 10], [90, 10], [90, 80], [30, 80]]], np.float32)      # a word cut short
    >>> coarse = np.array([[[5, 5], [95, 5], [95, 85], [5, 85]]], np.float32)
    >>> merge_large_text(fine, coarse, 64)[:, 0].tolist()
    [[5.0, 5.0]]
    """
    fine = np.asarray(fine, np.float32).reshape(-1, 4, 2)
    coarse = np.asarray(coarse, np.float32).reshape(-1, 4, 2)
    keep, taken = large_text_choice(fine, coarse, min_height, cover, same_size, grow)
    if not len(taken):
        return fine
    return np.concatenate([fine[keep], coarse[taken]])
