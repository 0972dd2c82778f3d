"""From synthetic pages to training material: paragraphs, word boxes, recognizer crops, splits.

>>> quad = np.array([[0, 0], [4, 0], [4, 8], [0, 8]], np.float32)
>>> convert_lines_to_paragraph([[(quad, "h"), (quad, "i")], [(quad, "!")]])
'hi\\n!'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np

from ocr_core.geometry import crop_quad, resize_and_pad

__all__ = [
    "convert_lines_to_paragraph",
    "lines_to_words",
    "enclosing_quad",
    "convert_image_generator_to_recognizer_input",
    "train_val_test_split",
    "split_fonts_and_backgrounds",
]

T = TypeVar("T")
Lines = Sequence[Sequence[tuple[np.ndarray, str]]]


def convert_lines_to_paragraph(lines: Lines) -> str:
    """The text of ``lines``, one line per row (seed API)."""
    return "\n".join("".join(ch for _, ch in line) for line in lines)


def enclosing_quad(quads: np.ndarray, grow: float = 0.0) -> np.ndarray:
    """The rectangle along the text direction (first to last character) that encloses ``quads``
    (``(N, 4, 2)``), grown by ``grow`` pixels on every side; clockwise from the top-left."""
    quads = np.asarray(quads, np.float64).reshape(-1, 4, 2)
    first, last = quads[0], quads[-1]
    direction = (last[1] + last[2]) / 2 - (first[0] + first[3]) / 2
    if len(quads) == 1 or np.linalg.norm(direction) < 1e-6:
        direction = (first[1] + first[2]) / 2 - (first[0] + first[3]) / 2
    norm = np.linalg.norm(direction)
    u = direction / norm if norm > 1e-6 else np.array([1.0, 0.0])
    v = np.array([-u[1], u[0]])  # points "down" in image coordinates for left-to-right text
    pts = quads.reshape(-1, 2)
    pu, pv = pts @ u, pts @ v
    u0, u1 = pu.min() - grow, pu.max() + grow
    v0, v1 = pv.min() - grow, pv.max() + grow
    return np.array([u0 * u + v0 * v, u1 * u + v0 * v, u1 * u + v1 * v, u0 * u + v1 * v], np.float32)


def lines_to_words(lines: Lines, max_length: int | None = None) -> list[tuple[np.ndarray, str, np.ndarray]]:
    """Words of ``lines`` (split at space entries) as ``(word quad, text, char quads)``.

    Words longer than ``max_length`` are cut into pieces of at most that many characters.
    """
    words: list[tuple[np.ndarray, str, np.ndarray]] = []
    for line in lines:
        current: list[tuple[Any, str]] = []
        for quad, ch in [*line, (None, " ")]:
            if ch.isspace():
                step = max_length or len(current) or 1
                for i in range(0, len(current), step):
                    piece = current[i: i + step]
                    chars = np.stack([np.asarray(q, np.float32) for q, _ in piece])
                    words.append((enclosing_quad(chars), "".join(c for _, c in piece), chars))
                current = []
            else:
                current.append((quad, ch))
    return words


def convert_image_generator_to_recognizer_input(image_generator: Iterable[tuple[np.ndarray, Lines]],
                                                max_string_length: int, target_width: int,
                                                target_height: int, margin: float = 0,
                                                ) -> Iterator[tuple[np.ndarray, str]]:
    """Perspective-corrected word crops ``(HxWx3 uint8, text)`` from a page generator (seed API).

    Each word (at most ``max_string_length`` characters; longer ones are split) is cut along its
    text direction with ``margin`` pixels around it, resized to ``target_height`` keeping its
    aspect ratio, pasted top-left and padded to ``target_width``.
    """
    for image, lines in image_generator:
        for quad, text, _chars in lines_to_words(lines, max_string_length):
            if margin:
                quad = enclosing_quad(_chars, grow=float(margin))
            crop = crop_quad(image, quad, height=target_height)
            yield resize_and_pad(crop, target_height, target_width), text


def train_val_test_split(items: Sequence[T], fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 42,
                         key: Callable[[T], Any] | None = None) -> tuple[list[T], ...]:
    """Shuffle ``items`` (by groups of equal ``key`` when given) and cut them by ``fractions``.

    >>> train, val, test = train_val_test_split(list(range(10)))
    >>> len(train), len(val), len(test)
    (8, 1, 1)
    """
    groups: dict[Any, list[T]] = {}
    for item in items:
        groups.setdefault(key(item) if key else id(item), []).append(item)
    keys = list(groups)
    if key is not None:
        keys.sort(key=str)
    order = np.random.default_rng(seed).permutation(len(keys))
    total = float(sum(fractions))
    bounds = np.round(np.cumsum([0.0, *fractions]) / total * len(keys)).astype(int)
    return tuple([x for i in order[bounds[k]: bounds[k + 1]] for x in groups[keys[i]]]
                 for k in range(len(fractions)))


def split_fonts_and_backgrounds(fonts: Sequence[str], backgrounds: Sequence[Any],
                                fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 42,
                                by_family: bool = True) -> list[tuple[list[str], list[Any]]]:
    """``[(train fonts, train backgrounds), (val ...), (test ...)]``: no font family (with
    ``by_family``) and no background is shared between the parts, as in the seed notebook."""
    from ocr_core.synth.fonts import font_family

    font_parts = train_val_test_split(list(fonts), fractions, seed,
                                      key=(lambda f: font_family(str(f)).lower()) if by_family else None)
    bg_parts = train_val_test_split(list(backgrounds), fractions, seed)
    return [(list(f), list(b)) for f, b in zip(font_parts, bg_parts)]
