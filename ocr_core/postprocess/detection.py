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
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ocr_core.geometry import order_quad

__all__ = ["DETECTION_DEFAULTS", "detection_settings", "score_maps_to_boxes"]

#: The published CRAFT / keras-ocr thresholds; a detector's model spec may override them (``postprocess``).
DETECTION_DEFAULTS: dict[str, float] = {
    "detection_threshold": 0.7,
    "text_threshold": 0.4,
    "link_threshold": 0.4,
    "size_threshold": 10,
}


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
            if key == "size_threshold":
                if not (number >= 0 and number == int(number)):
                    raise ValueError(f"size_threshold must be a whole number of pixels >= 0, got {value!r}")
                number = int(number)
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
) -> np.ndarray:
    """Turn a CRAFT region map and affinity map (same ``H x W``) into word quads.

    Returns an ``(N, 4, 2)`` float32 array of quads, clockwise from the top-left, in input-image
    pixels (map coordinates times ``scale``; CRAFT maps are half the input size).

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
    for k in range(1, n_components):
        x, y, w, h, area = (int(v) for v in stats[k, :5])
        if area < size_threshold:
            continue
        in_comp = labels[y : y + h, x : x + w] == k
        if float(region[y : y + h, x : x + w][in_comp].max()) < detection_threshold:
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
    if not boxes:
        return np.zeros((0, 4, 2), dtype=np.float32)
    return np.asarray(boxes, dtype=np.float32)
