"""Character boxes for word-level annotations (CRAFT weak supervision). Plain numpy/OpenCV.

Real annotations have word quads only. A word is first split into ``len(text)`` equal parts; with a
model at hand, the model's region map inside the word is used to place the splits, and the word is
weighted by the length confidence ``(l - min(l, |l - l_found|)) / l`` (below 0.5: equal split, 0.5).

>>> import numpy as np
>>> boxes = split_word_quad(np.array([[0, 0], [30, 0], [30, 10], [0, 10]]), 3)
>>> boxes.shape, boxes[1][0].tolist()
((3, 4, 2), [10.0, 0.0])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

__all__ = [
    "split_word_quad",
    "split_word_at",
    "count_text_chars",
    "estimate_length",
    "length_confidence",
    "find_char_splits",
    "word_char_boxes",
]


def count_text_chars(text: str) -> int:
    """Characters that get a region blob (spaces do not)."""
    return sum(1 for c in text if not c.isspace())


def estimate_length(quad: np.ndarray) -> int:
    """Character count guess for a word without text, from its aspect ratio."""
    q = np.asarray(quad, np.float64)
    width = (np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])) / 2
    height = (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2
    return max(1, int(round(float(width) / max(float(height), 1e-6) / 0.6)))


def split_word_at(quad: Any, fractions: Sequence[float] | np.ndarray) -> np.ndarray:
    """Split a word quad at ``fractions`` (0..1, increasing, ends included) along its top and bottom
    edges; returns ``(len(fractions) - 1, 4, 2)`` character quads, clockwise from top-left."""
    q = np.asarray(quad, np.float64).reshape(4, 2)
    f = np.asarray(fractions, np.float64)[:, None]
    top = q[0] + (q[1] - q[0]) * f
    bottom = q[3] + (q[2] - q[3]) * f
    return np.stack([top[:-1], top[1:], bottom[1:], bottom[:-1]], axis=1).astype(np.float32)


def split_word_quad(quad: Any, n: int) -> np.ndarray:
    """Split a word quad into ``n`` equal character quads."""
    return split_word_at(quad, np.linspace(0.0, 1.0, max(int(n), 1) + 1))


def length_confidence(expected: int, found: int) -> float:
    """CRAFT's word confidence ``(l - min(l, |l - l_c|)) / l``."""
    if expected <= 0:
        return 0.0
    return (expected - min(expected, abs(expected - found))) / expected


def find_char_splits(profile: np.ndarray, threshold: float = 0.3) -> list[float]:
    """Split fractions (ends included) from a 1-D region-score profile along a word.

    Characters are the runs above ``threshold`` with one local peak each; splits sit at the profile
    minimum between neighbouring peaks.
    """
    p = np.asarray(profile, np.float64).ravel()
    n = p.size
    if n < 2:
        return [0.0, 1.0]
    if n >= 5:
        p = np.convolve(p, np.ones(3) / 3, mode="same")
    peaks = [i for i in range(n) if p[i] >= threshold and (i == 0 or p[i] > p[i - 1])
             and (i == n - 1 or p[i] >= p[i + 1])]
    # Merge peaks not separated by a clear valley (less than 15% below the lower peak).
    merged: list[int] = []
    for i in peaks:
        if merged:
            j = merged[-1]
            valley = p[j:i + 1].min()
            if valley > 0.85 * min(p[i], p[j]):
                if p[i] > p[j]:
                    merged[-1] = i
                continue
        merged.append(i)
    if len(merged) < 2:
        return [0.0, 1.0] if merged else []
    cuts = [0.0]
    for a, b in zip(merged[:-1], merged[1:]):
        cuts.append((a + int(np.argmin(p[a:b + 1])) + 0.5) / n)
    cuts.append(1.0)
    return cuts


def _profile_in_word(region: np.ndarray, quad: np.ndarray, scale: float) -> np.ndarray:
    """Column maxima of ``region`` (map pixels = image pixels * scale) inside the rectified word."""
    q = np.asarray(quad, np.float32) * scale
    width = max(int(round((np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])) / 2)), 2)
    height = max(int(round((np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2)), 2)
    dst = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
    m = cv2.getPerspectiveTransform(q, dst)
    rect = cv2.warpPerspective(region.astype(np.float32), m, (width, height), flags=cv2.INTER_LINEAR)
    return rect.max(axis=0)


def word_char_boxes(quad: Any, text: str, region: np.ndarray | None = None, scale: float = 0.5,
                    threshold: float = 0.3) -> tuple[np.ndarray, float]:
    """Character quads for one word and the word's confidence.

    ``region`` is the model's region-score map of the image (``scale`` = map size / image size, 0.5 for
    CRAFT); without it the word is split equally with confidence 0.5 (1.0 for one character).
    """
    q = np.asarray(quad, np.float32).reshape(4, 2)
    expected = count_text_chars(text) if text else estimate_length(q)
    if expected <= 1:
        return split_word_quad(q, 1), 1.0 if text else 0.5
    if region is None:
        return split_word_quad(q, expected), 0.5
    cuts = find_char_splits(_profile_in_word(region, q, scale), threshold)
    found = len(cuts) - 1 if cuts else 0
    conf = length_confidence(expected, found) if text else 0.5
    if conf < 0.5 or found < 1:
        return split_word_quad(q, expected), 0.5
    return split_word_at(q, cuts), conf
