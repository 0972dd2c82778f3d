"""Small geometry helpers of the page renderer: the seed's rotation homography, value ranges and
pasting glyph masks.

>>> get_rotation_matrix(10, 10).round(6).tolist() == np.eye(3).tolist()
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ocr_core.errors import DataGenerationError

__all__ = ["get_rotation_matrix", "value_range", "paste_max"]


def get_rotation_matrix(width: float, height: float, thetaX: float = 0.0, thetaY: float = 0.0,
                        thetaZ: float = 0.0) -> np.ndarray:
    """The seed's 3x3 homography: rotations in degrees about the centre of a ``width`` x ``height``
    box, acting on homogeneous pixel coordinates (so X/Y act as a tilt growing with distance)."""
    tx, ty, tz = np.deg2rad([thetaX, thetaY, thetaZ])
    to_origin = np.array([[1, 0, -width / 2], [0, 1, -height / 2], [0, 0, 1]], float)
    back = np.array([[1, 0, width / 2], [0, 1, height / 2], [0, 0, 1]], float)
    rx = np.array([[1, 0, 0], [0, np.cos(tx), -np.sin(tx)], [0, np.sin(tx), np.cos(tx)]])
    ry = np.array([[np.cos(ty), 0, np.sin(ty)], [0, 1, 0], [-np.sin(ty), 0, np.cos(ty)]])
    rz = np.array([[np.cos(tz), -np.sin(tz), 0], [np.sin(tz), np.cos(tz), 0], [0, 0, 1]])
    return back @ rx @ ry @ rz @ to_origin


def value_range(value: Any, name: str) -> tuple[float, float]:
    """``(lo, hi)`` from a number or a pair; a clear error naming the option otherwise."""
    if isinstance(value, (int, float)):
        return float(value), float(value)
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise DataGenerationError(f"{name} must be a number or a (low, high) pair; got {value!r}") from None
    if lo > hi:
        raise DataGenerationError(f"{name} range {value!r} has low > high")
    return lo, hi


def paste_max(canvas: np.ndarray, mask: np.ndarray, x: int, y: int) -> None:
    """``np.maximum`` of ``mask`` into ``canvas`` with its top-left at ``(x, y)``, clipped."""
    h, w = mask.shape
    x0, y0, x1, y1 = max(0, x), max(0, y), min(canvas.shape[1], x + w), min(canvas.shape[0], y + h)
    if x1 > x0 and y1 > y0:
        region = canvas[y0:y1, x0:x1]
        np.maximum(region, mask[y0 - y: y1 - y, x0 - x: x1 - x], out=region)
