"""Geometric augmentation for detector training: random scale, rotation and crop, quads kept in step.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> image = np.zeros((100, 200, 3), np.uint8)
>>> quads = [np.array([[10, 10], [50, 10], [50, 30], [10, 30]], np.float32)]
>>> out, moved = random_crop_transform(image, quads, (64, 64), rng)
>>> out.shape, moved[0].shape
((64, 64, 3), (4, 2))
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

__all__ = ["transform_points", "random_matrix", "random_crop_transform", "fit_transform"]


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply a 2x3 affine ``matrix`` to ``(..., 2)`` points."""
    pts = np.asarray(points, np.float32)
    return (pts @ matrix[:, :2].T + matrix[:, 2]).astype(np.float32)


def _warp(image: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    h, w = size
    fill = tuple(int(v) for v in np.asarray(image).reshape(-1, image.shape[-1]).mean(axis=0)) \
        if image.ndim == 3 else int(image.mean())
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=fill)


def fit_transform(image_shape: Sequence[int], size: tuple[int, int]) -> np.ndarray:
    """The 2x3 matrix that scales an image to fit ``size`` (h, w), top-left aligned (no augmentation)."""
    h, w = image_shape[:2]
    s = min(size[0] / h, size[1] / w)
    return np.array([[s, 0, 0], [0, s, 0]], np.float32)


def random_crop_transform(image: np.ndarray, quads: Sequence[np.ndarray], size: tuple[int, int],
                          rng: np.random.Generator, *, scale_range: tuple[float, float] = (0.5, 2.0),
                          max_rotation: float = 10.0, focus_text: float = 0.8
                          ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Randomly scale (relative to fitting the image into ``size``), rotate (degrees) and crop.

    With probability ``focus_text`` the crop is centred near a random quad so most crops hold text.
    Returns the ``size`` (h, w) image and the quads moved into it.
    """
    matrix = random_matrix(image.shape, quads, size, rng, scale_range=scale_range,
                           max_rotation=max_rotation, focus_text=focus_text)
    return _warp(image, matrix, size), [transform_points(q, matrix) for q in quads]


def random_matrix(image_shape: Sequence[int], quads: Sequence[np.ndarray], size: tuple[int, int],
                  rng: np.random.Generator, *, scale_range: tuple[float, float] = (0.5, 2.0),
                  max_rotation: float = 10.0, focus_text: float = 0.8) -> np.ndarray:
    """The 2x3 matrix used by :func:`random_crop_transform`."""
    h, w = image_shape[:2]
    out_h, out_w = size
    base = min(out_h / h, out_w / w)
    scale = base * float(np.exp(rng.uniform(np.log(scale_range[0]), np.log(scale_range[1]))))
    # Never upscale text beyond 4x nor shrink the image below a quarter of the fitted size.
    scale = float(np.clip(scale, base * 0.25, max(base * 4.0, 4.0)))
    angle = float(rng.uniform(-max_rotation, max_rotation)) if max_rotation > 0 else 0.0
    if quads and rng.random() < focus_text:
        q = np.asarray(quads[int(rng.integers(len(quads)))], np.float32)
        centre = q.mean(axis=0) + rng.normal(0, 0.15, 2) * np.array([out_w, out_h]) / scale
    else:
        centre = np.array([rng.uniform(0, w), rng.uniform(0, h)])
    # Keep the crop inside the (scaled) image when the image is larger than the crop.
    half = np.array([out_w, out_h]) / (2 * scale)
    for axis, extent in enumerate((w, h)):
        if extent > 2 * half[axis]:
            centre[axis] = np.clip(centre[axis], half[axis], extent - half[axis])
        else:
            centre[axis] = extent / 2
    matrix = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle, scale)
    matrix[0, 2] += out_w / 2 - centre[0]
    matrix[1, 2] += out_h / 2 - centre[1]
    return matrix.astype(np.float32)
