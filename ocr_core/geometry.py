"""Quadrilateral geometry in plain numpy/OpenCV: ordering, areas, IoU, crops and resizing.

Quads are ``(4, 2)`` float arrays of ``(x, y)`` image coordinates, clockwise from the top-left
corner (the corner with the smallest ``x + y``). This module imports neither Qt nor TensorFlow.

>>> quad = quad_from_rect(0, 0, 10, 4)
>>> quad_area(quad)
40.0
>>> round(polygon_iou(quad, quad_from_rect(5, 0, 15, 4)), 3)
0.333
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

__all__ = [
    "grow_quad",
    "polygon_overlap",
    "order_quad",
    "quad_area",
    "polygon_iou",
    "quad_from_rect",
    "rotate_quad",
    "crop_quad",
    "quad_size",
    "resize_and_pad",
    "scale_quads",
    "DEFAULT_CROP_MARGIN",
]

# Context around a detector box when cropping a word for the recognizer, as a fraction of the box height on
# every side (see Recognizer.crop_margin); used for annotated training crops too, so both match.
DEFAULT_CROP_MARGIN = 0.1


def _as_points(points: Any, n: int | None = 4) -> np.ndarray:
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim == 1 and pts.size % 2 == 0:
        pts = pts.reshape(-1, 2)
    if pts.ndim != 2 or pts.shape[1] != 2 or (n is not None and pts.shape[0] != n):
        want = f"{n} points" if n is not None else "points"
        raise ValueError(f"expected {want} (x, y); got an array of shape {np.shape(points)}")
    if not np.all(np.isfinite(pts)):
        raise ValueError("point coordinates must be finite numbers")
    return pts


def order_quad(points: Any) -> np.ndarray:
    """Order any 4 points clockwise (in image coordinates, y down) starting at the top-left.

    The top-left is the point with the smallest ``x + y`` (ties: the smaller ``y``).

    >>> order_quad([[10, 5], [0, 0], [0, 5], [10, 0]]).tolist()
    [[0.0, 0.0], [10.0, 0.0], [10.0, 5.0], [0.0, 5.0]]
    """
    pts = _as_points(points)
    center = pts.mean(axis=0)
    # With y pointing down, increasing atan2 angle runs clockwise on screen.
    angles = np.arctan2(pts[:, 1] - center[1], pts[:, 0] - center[0])
    pts = pts[np.argsort(angles, kind="stable")]
    sums = pts.sum(axis=1)
    tol = 1e-9 * max(1.0, float(np.abs(sums).max()))
    candidates = np.flatnonzero(sums <= sums.min() + tol)
    start = int(candidates[np.argmin(pts[candidates, 1])])
    return np.roll(pts, -start, axis=0)


def quad_area(quad: Any) -> float:
    """Area of a simple polygon (shoelace formula); orientation does not matter."""
    pts = _as_points(quad, n=None)
    x, y = pts[:, 0], pts[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def _intersection(a: Any, b: Any) -> tuple[float, float, float]:
    """``(intersection, area of a, area of b)`` of the convex hulls of two polygons (zeros when one is degenerate)."""
    pa, pb = _as_points(a, n=None), _as_points(b, n=None)
    if quad_area(pa) <= 0.0 or quad_area(pb) <= 0.0:
        return 0.0, 0.0, 0.0
    ha = cv2.convexHull(pa.astype(np.float32)).reshape(-1, 2)
    hb = cv2.convexHull(pb.astype(np.float32)).reshape(-1, 2)
    if len(ha) < 3 or len(hb) < 3:
        return 0.0, 0.0, 0.0
    inter, _ = cv2.intersectConvexConvex(ha, hb)
    return max(float(inter), 0.0), quad_area(ha), quad_area(hb)


def polygon_iou(a: Any, b: Any) -> float:
    """Exact intersection-over-union of two convex quads (0.0 when either is degenerate).

    Non-convex inputs are replaced by their convex hulls.

    >>> polygon_iou(quad_from_rect(0, 0, 2, 2), quad_from_rect(1, 1, 3, 3))
    0.14285714285714285
    """
    inter, area_a, area_b = _intersection(a, b)
    union = area_a + area_b - inter
    return float(inter / union) if union > 0 else 0.0


def polygon_overlap(a: Any, b: Any) -> float:
    """The share of the smaller of two convex quads that lies inside the other (0.0 when either is degenerate):
    1.0 when one holds the other, whatever their sizes.

    >>> polygon_overlap(quad_from_rect(0, 0, 4, 2), quad_from_rect(1, 0, 2, 2))
    1.0
    """
    inter, area_a, area_b = _intersection(a, b)
    smaller = min(area_a, area_b)
    return float(min(1.0, inter / smaller)) if smaller > 0 else 0.0


def quad_from_rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Quad of the axis-aligned rectangle with corners ``(x0, y0)`` and ``(x1, y1)``."""
    xa, xb = sorted((float(x0), float(x1)))
    ya, yb = sorted((float(y0), float(y1)))
    return np.array([[xa, ya], [xb, ya], [xb, yb], [xa, yb]], dtype=np.float64)


def rotate_quad(quad: Any, angle_deg: float, center: Any = None) -> np.ndarray:
    """Rotate points by ``angle_deg`` around ``center`` (default: their centroid).

    Same convention as ``cv2.getRotationMatrix2D``: a positive angle turns the points
    counter-clockwise on screen, so a quad follows an image rotated with that matrix. The point
    order is kept (call :func:`order_quad` to re-anchor the top-left).
    """
    pts = _as_points(quad, n=None)
    c = pts.mean(axis=0) if center is None else np.asarray(center, dtype=np.float64).reshape(2)
    theta = np.deg2rad(angle_deg)
    cos, sin = np.cos(theta), np.sin(theta)
    # Screen counter-clockwise with y down: x' = c*x + s*y, y' = -s*x + c*y (about the centre).
    rot = np.array([[cos, sin], [-sin, cos]])
    return (pts - c) @ rot.T + c


def quad_size(quad: Any) -> tuple[float, float]:
    """``(width, height)`` of a quad: mean lengths of its top/bottom and left/right edges."""
    q = _as_points(quad)
    width = (np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])) / 2.0
    height = (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2.0
    return float(width), float(height)


def crop_quad(image: np.ndarray, quad: Any, *, height: int | None = None, margin: float = 0.0) -> np.ndarray:
    """Perspective-corrected crop of ``quad`` (clockwise from its top-left) out of ``image``.

    ``height`` fixes the output height (width follows the quad's aspect ratio); by default the
    crop keeps the quad's own size. ``margin`` grows the quad on every side by that fraction of
    its height before cropping (context around a tight word box). Outside the image the border
    pixels are repeated. No side of the crop exceeds twice the image's diagonal (plus 64 pixels): a box far
    larger than the image (a typo in an annotation file) is shrunk to that, aspect kept, ``height`` too.

    >>> img = np.zeros((20, 40, 3), np.uint8)
    >>> crop_quad(img, quad_from_rect(0, 0, 30, 10), height=5).shape
    (5, 15, 3)
    """
    q = _as_points(quad)
    w, h = quad_size(q)
    if margin:
        q = grow_quad(q, margin * h)
        w, h = quad_size(q)
    if height is None:
        out_w, out_h = float(w), float(h)
    else:
        out_h = float(max(1, int(height)))
        out_w = w * out_h / h if h > 0 else 1.0
    # A box far larger than the image (a typo in an annotation file) would make a crop of repeated border pixels
    # as big as the box: no side goes beyond twice the image's diagonal (the aspect ratio kept).
    limit = 2.0 * float(np.hypot(*np.shape(image)[:2])) + 64.0
    if max(out_w, out_h) > limit:
        shrink = limit / max(out_w, out_h)
        out_w, out_h = out_w * shrink, out_h * shrink
    out_w, out_h = max(1, int(round(out_w))), max(1, int(round(out_h)))
    # Quads use pixel-edge coordinates; OpenCV samples at pixel centres, hence the half-pixel shift.
    src = (q - 0.5).astype(np.float32)
    dst = np.array([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]], dtype=np.float32) - 0.5
    matrix = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(
        np.ascontiguousarray(image),
        matrix,
        (out_w, out_h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


def grow_quad(q: np.ndarray, amount: float) -> np.ndarray:
    """Move every edge of a clockwise quad outward by ``amount`` pixels (along its own axes; negative: inward).

    >>> grow_quad(quad_from_rect(10, 10, 20, 15), 2).tolist()
    [[8.0, 8.0], [22.0, 8.0], [22.0, 17.0], [8.0, 17.0]]
    """
    q = np.asarray(q, dtype=np.float64)
    right = (q[1] - q[0]) + (q[2] - q[3])
    down = (q[3] - q[0]) + (q[2] - q[1])
    right = right / (np.linalg.norm(right) or 1.0)
    down = down / (np.linalg.norm(down) or 1.0)
    signs = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=np.float64)
    return q + amount * (signs[:, :1] * right + signs[:, 1:] * down)


def resize_and_pad(image: np.ndarray, height: int, width: int, *, pad_value: Any = 0) -> np.ndarray:
    """Resize to fit ``height`` x ``width`` keeping the aspect ratio, pasted top-left on ``pad_value``.

    This is how the kurapan CRNN expects its word crops.

    >>> resize_and_pad(np.full((10, 10), 255, np.uint8), 31, 200).shape
    (31, 200)
    """
    img = np.asarray(image)
    if img.ndim not in (2, 3) or img.shape[0] == 0 or img.shape[1] == 0:
        raise ValueError(f"expected a non-empty HxW or HxWxC image; got shape {img.shape}")
    h, w = img.shape[:2]
    scale = min(height / h, width / w)
    new_w = min(width, max(1, int(round(w * scale))))
    new_h = min(height, max(1, int(round(h * scale))))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(np.ascontiguousarray(img), (new_w, new_h), interpolation=interp)
    if img.ndim == 3 and resized.ndim == 2:  # cv2 drops a single channel axis
        resized = resized[..., None]
    out = np.empty((height, width) + img.shape[2:], dtype=img.dtype)
    out[...] = pad_value
    out[:new_h, :new_w] = resized
    return out


def scale_quads(quads: Any, sx: float, sy: float | None = None) -> np.ndarray:
    """Scale x by ``sx`` and y by ``sy`` (default ``sx``) of one quad ``(4, 2)`` or many ``(N, 4, 2)``.

    >>> scale_quads(np.zeros((0, 4, 2)), 2.0).shape
    (0, 4, 2)
    """
    arr = np.asarray(quads, dtype=np.float64)
    if arr.size == 0:
        return np.zeros((0, 4, 2), dtype=np.float64)
    if arr.shape[-1] != 2:
        raise ValueError(f"expected points with (x, y) on the last axis; got shape {arr.shape}")
    factor = np.array([sx, sx if sy is None else sy], dtype=np.float64)
    return arr * factor
