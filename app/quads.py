"""Small quad helpers used by the editor (numpy only, image pixel coordinates, y down).

>>> rect_quad(0, 0, 4, 2).tolist()
[[0.0, 0.0], [4.0, 0.0], [4.0, 2.0], [0.0, 2.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["rect_quad", "order_clockwise", "rotate_quad"]


def rect_quad(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Axis-aligned quad from two opposite corners (any order)."""
    left, right = sorted((float(x0), float(x1)))
    top, bottom = sorted((float(y0), float(y1)))
    return np.array([[left, top], [right, top], [right, bottom], [left, bottom]], dtype=np.float64)


def order_clockwise(points: Any) -> np.ndarray:
    """Order 4 points clockwise on screen (y down), starting at the top-left one (min x + y)."""
    pts = np.asarray(points, dtype=np.float64).reshape(4, 2)
    center = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - center[1], pts[:, 0] - center[0])
    pts = pts[np.argsort(angles)]  # increasing angle = clockwise on a y-down screen
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def rotate_quad(quad: np.ndarray, degrees: float, center: tuple[float, float] | None = None) -> np.ndarray:
    """Rotate ``quad`` clockwise on screen by ``degrees`` about ``center`` (default: its centre)."""
    quad = np.asarray(quad, dtype=np.float64)
    cx, cy = quad.mean(axis=0) if center is None else center
    theta = np.deg2rad(degrees)
    cos, sin = np.cos(theta), np.sin(theta)
    rel = quad - (cx, cy)
    rotated = np.stack([rel[:, 0] * cos - rel[:, 1] * sin, rel[:, 0] * sin + rel[:, 1] * cos], axis=1)
    return rotated + (cx, cy)

