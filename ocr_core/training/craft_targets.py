"""CRAFT training targets: region and affinity Gaussian maps at half resolution.

A 2-D isotropic Gaussian template is perspective-warped into every character quad (region map) and
into every affinity quad between neighbouring characters of a word (affinity map). Plain numpy/OpenCV.

>>> import numpy as np
>>> lines = [[(np.array([[10, 10], [20, 10], [20, 30], [10, 30]]), "a"),
...           (np.array([[22, 10], [32, 10], [32, 30], [22, 30]]), "b")]]
>>> maps = compute_maps(gaussian_heatmap(), 64, 64, lines)
>>> maps.shape, float(maps[10, 7, 0]) > 0.9, float(maps[10, 10, 1]) > 0.5
((32, 32, 2), True, True)
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

import cv2
import numpy as np

__all__ = [
    "gaussian_heatmap",
    "normalize_lines",
    "affinity_quads",
    "compute_maps",
    "compute_targets",
    "quad_mask",
]

Quad = np.ndarray
CharLine = Sequence[tuple[Any, str]]


@functools.lru_cache(maxsize=8)
def _cached_heatmap(size: int, distance_ratio: float) -> np.ndarray:
    v = np.abs(np.linspace(-size / 2, size / 2, num=size, dtype=np.float32))
    x, y = np.meshgrid(v, v)
    g = np.sqrt(x**2 + y**2) * (distance_ratio / (size / 2))
    heat = np.exp(-0.5 * g**2).astype(np.float32)
    heat.setflags(write=False)
    return heat


def gaussian_heatmap(size: int = 512, distance_ratio: float = 1.5) -> np.ndarray:
    """A ``size`` x ``size`` float32 Gaussian in [0, 1]; ``distance_ratio`` = standard deviations
    from the centre to an edge midpoint (keras-ocr's ``heatmap_distance_ratio``)."""
    if size < 2:
        raise ValueError(f"heatmap size must be >= 2, got {size}")
    return _cached_heatmap(int(size), float(distance_ratio))


def _as_char(item: Any) -> tuple[np.ndarray, str]:
    """Accept ``(quad, char)`` or keras-ocr's ``((x1, y1), ..., (x4, y4), char)``."""
    if len(item) == 2:
        quad, char = item
    elif len(item) == 5:
        quad, char = item[:4], item[4]
    else:
        raise ValueError(f"a character entry must be (quad, char); got {len(item)} items")
    quad = np.asarray(quad, dtype=np.float32).reshape(4, 2)
    return quad, str(char)


def normalize_lines(lines: Iterable[CharLine]) -> list[list[tuple[np.ndarray, str]]]:
    """Lines of ``(quad (4, 2) float32, char)``; accepts keras-ocr's 5-tuple entries too."""
    return [[_as_char(item) for item in line] for line in lines]


def _is_vertical(a: np.ndarray, b: np.ndarray) -> bool:
    """True when character ``b`` sits below/above ``a`` along a's own vertical axis."""
    d = b.mean(axis=0) - a.mean(axis=0)
    right = (a[1] + a[2]) / 2 - (a[0] + a[3]) / 2
    down = (a[2] + a[3]) / 2 - (a[0] + a[1]) / 2
    nr, nd = np.linalg.norm(right) + 1e-6, np.linalg.norm(down) + 1e-6
    return abs(float(d @ down)) / nd > abs(float(d @ right)) / nr


def _link_points(quad: np.ndarray, vertical: bool) -> tuple[np.ndarray, np.ndarray]:
    """Midpoints between the centre and the top/bottom (left/right when vertical) edge midpoints."""
    c = quad.mean(axis=0)
    if vertical:
        first, second = (quad[0] + quad[3]) / 2, (quad[1] + quad[2]) / 2
    else:
        first, second = (quad[0] + quad[1]) / 2, (quad[2] + quad[3]) / 2
    return (c + first) / 2, (c + second) / 2


def affinity_quads(line: CharLine) -> list[np.ndarray]:
    """Affinity quads (clockwise) between neighbouring characters; a space breaks the chain."""
    out: list[np.ndarray] = []
    prev: np.ndarray | None = None
    for quad, char in (_as_char(item) for item in line):
        if not char.strip():
            prev = None
            continue
        if prev is not None:
            vertical = _is_vertical(prev, quad)
            p0, p1 = _link_points(prev, vertical)
            c0, c1 = _link_points(quad, vertical)
            if vertical:  # prev above: left side is (p0 -> c0), right side (p1 -> c1)
                out.append(np.array([p0, p1, c1, c0], dtype=np.float32))
            else:
                out.append(np.array([p0, c0, c1, p1], dtype=np.float32))
        prev = quad
    return out


def _warp_into(target: np.ndarray, heat: np.ndarray, quad: np.ndarray) -> None:
    """Max-composite ``heat`` warped into ``quad`` (target pixel coordinates) onto ``target``."""
    h, w = target.shape
    if not np.all(np.isfinite(quad)):
        return
    x0 = int(np.floor(max(quad[:, 0].min(), 0)))
    y0 = int(np.floor(max(quad[:, 1].min(), 0)))
    x1 = int(np.ceil(min(quad[:, 0].max(), w - 1)))
    y1 = int(np.ceil(min(quad[:, 1].max(), h - 1)))
    if x1 < x0 or y1 < y0:
        return
    local = (quad - np.array([x0, y0], dtype=np.float32)).astype(np.float32)
    if abs(cv2.contourArea(local)) < 1e-3:
        return
    s = heat.shape[0]
    src = np.array([[0, 0], [s - 1, 0], [s - 1, s - 1], [0, s - 1]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(src, local)
    patch = cv2.warpPerspective(heat, m, (x1 - x0 + 1, y1 - y0 + 1), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    region = target[y0:y1 + 1, x0:x1 + 1]
    np.maximum(region, patch, out=region)


def quad_mask(height: int, width: int, quads: Iterable[Any], value: float = 0.0,
              base: np.ndarray | None = None) -> np.ndarray:
    """A float32 map (``base`` or ones) with every quad (already in map pixels) filled with ``value``."""
    mask = np.ones((height, width), np.float32) if base is None else base
    for quad in quads:
        pts = np.round(np.asarray(quad, np.float32).reshape(-1, 2)).astype(np.int32)
        cv2.fillPoly(mask, [pts], float(value))
    return mask


def compute_maps(heatmap: np.ndarray, image_height: int, image_width: int,
                 lines: Iterable[CharLine]) -> np.ndarray:
    """Region (channel 0) and affinity (channel 1) maps of shape ``(H // 2, W // 2, 2)`` in [0, 1].

    ``lines`` hold ``(quad, char)`` entries in image pixels (keras-ocr's generator output).
    """
    hh, ww = image_height // 2, image_width // 2
    region = np.zeros((hh, ww), np.float32)
    affinity = np.zeros((hh, ww), np.float32)
    heat = heatmap.astype(np.float32)
    if heat.max() > 1.0:  # keras-ocr's uint8 template
        heat = heat / 255.0
    for line in normalize_lines(lines):
        for quad, char in line:
            if char.strip():
                _warp_into(region, heat, quad / 2)
        for quad in affinity_quads(line):
            _warp_into(affinity, heat, quad / 2)
    return np.clip(np.stack([region, affinity], axis=-1), 0.0, 1.0)


def compute_targets(image_height: int, image_width: int, lines: Iterable[CharLine], *,
                    ignore_quads: Iterable[Any] = (), weighted_quads: Iterable[tuple[Any, float]] = (),
                    heatmap_size: int = 512, heatmap_distance_ratio: float = 1.5,
                    with_mask: bool = True) -> np.ndarray:
    """Maps plus (when ``with_mask``) a third channel of per-pixel loss weights.

    ``ignore_quads`` (``###`` words, image pixels) get weight 0; ``weighted_quads`` ``(quad, w)`` get
    weight ``w`` (weak supervision confidence); everything else weight 1.
    """
    maps = compute_maps(gaussian_heatmap(heatmap_size, heatmap_distance_ratio), image_height, image_width,
                        lines)
    if not with_mask:
        return maps
    hh, ww = maps.shape[:2]
    mask = np.ones((hh, ww), np.float32)
    for quad, weight in weighted_quads:
        quad_mask(hh, ww, [np.asarray(quad, np.float32) / 2], value=float(weight), base=mask)
    quad_mask(hh, ww, [np.asarray(q, np.float32) / 2 for q in ignore_quads], value=0.0, base=mask)
    return np.concatenate([maps, mask[..., None]], axis=-1)
