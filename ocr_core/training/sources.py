"""Endless, seeded sample iterators for the runner: synthetic pages and crops, annotated pages (with
augmentation and weak supervision) and annotated word crops, and a weighted mix of several.

Each ``*_iterator(..., seed)`` is called once per worker thread with its own seed.
"""

from __future__ import annotations

import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ocr_core.document import Page
from ocr_core.training.augment import fit_transform, random_matrix, transform_points
from ocr_core.training.batches import DetectorSample

__all__ = [
    "call_with_supported",
    "synthetic_page_iterator",
    "synthetic_crop_iterator",
    "synthetic_backgrounds",
    "annotated_page_iterator",
    "fixed_page_samples",
    "crop_list_iterator",
    "mixed_iterator",
    "ImageCache",
]


def call_with_supported(func: Callable[..., Any], **kwargs: Any) -> Any:
    """Call ``func`` with the keyword arguments it accepts (synthetic-data options vary by function)."""
    params = inspect.signature(func).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return func(**kwargs)
    return func(**{k: v for k, v in kwargs.items() if k in params})


def synthetic_page_iterator(size: int, alphabet: str, font_groups: dict[str, list[str]], backgrounds: Any,
                            options: dict[str, Any], seed: int, cache_dir: str | None = None
                            ) -> Iterator[DetectorSample]:
    """``size`` x ``size`` synthetic pages with character quads (``ocr_core.synth.get_image_generator``)."""
    from ocr_core import synth

    text_generator = call_with_supported(synth.get_text_generator, alphabet=alphabet, seed=seed)
    defaults: dict[str, Any] = {
        "font_size": (max(12, size // 24), max(24, size // 6)),
        "margin": max(4, size // 32),
        "rotationX": (-0.05, 0.05),
        "rotationY": (-0.05, 0.05),
        "rotationZ": (-15, 15),
    }
    kwargs = {**defaults, **options}
    generator = call_with_supported(
        synth.get_image_generator, height=size, width=size, font_groups=font_groups,
        text_generator=text_generator, backgrounds=backgrounds, seed=seed, cache_dir=cache_dir, **kwargs)
    for image, lines in generator:
        yield DetectorSample(np.asarray(image)[..., :3], list(lines))


def synthetic_crop_iterator(alphabet: str, fonts: Sequence[str], backgrounds: Any, height: int, width: int,
                            options: dict[str, Any], seed: int, *, color: bool = False,
                            max_length: int | None = None, cache_dir: str | None = None
                            ) -> Iterator[tuple[np.ndarray, str]]:
    """Word crops ``(crop, text)`` at the recognizer input size (``ocr_core.synth.get_crop_generator``)."""
    from ocr_core import synth

    kwargs: dict[str, Any] = {"color": color, "max_length": max_length, "cache_dir": cache_dir, **options}
    yield from call_with_supported(synth.get_crop_generator, alphabet=alphabet, fonts=list(fonts),
                                   backgrounds=backgrounds, height=height, width=width, seed=seed, **kwargs)


def synthetic_backgrounds(cache_dir: str | None, options: dict[str, Any]) -> Any:
    """``options["backgrounds"]`` or ``ocr_core.synth.get_backgrounds(cache_dir)``."""
    if options.get("backgrounds") is not None:
        return options["backgrounds"]
    from ocr_core import synth

    return call_with_supported(synth.get_backgrounds, cache_dir=cache_dir)


class ImageCache:
    """A small thread-safe LRU of decoded page images (decoding a photo costs more than a batch)."""

    def __init__(self, capacity: int = 64) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: str) -> np.ndarray:
        with self._lock:
            if path in self._items:
                self._items.move_to_end(path)
                return self._items[path]
        from ocr_core.imageio import read_image

        image = read_image(path)
        with self._lock:
            self._items[path] = image
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return image


CharBoxes = Callable[[int], list[tuple[np.ndarray, str, float]]]


def _page_sample(image: np.ndarray, page: Page, char_boxes: list[tuple[np.ndarray, str, float]],
                 matrix: np.ndarray, size: int) -> DetectorSample:
    import cv2

    fill = tuple(int(v) for v in image.reshape(-1, 3).mean(axis=0))
    warped = cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                            borderValue=fill)
    lines = []
    weighted = []
    for quads, text, conf in char_boxes:
        chars = [c for c in text if not c.isspace()] or ["?"] * len(quads)
        chars = (chars + ["?"] * len(quads))[:len(quads)]
        moved = transform_points(quads, matrix)
        lines.append([(q, c) for q, c in zip(moved, chars)])
        if conf < 1.0:
            weighted.append((transform_points(_outline(quads), matrix), conf))
    ignore = [transform_points(w.quad, matrix) for w in page.words if w.ignore]
    return DetectorSample(warped, lines, ignore_quads=ignore, weighted_quads=weighted)


def _outline(char_quads: np.ndarray) -> np.ndarray:
    """The word quad spanned by its first and last character quads."""
    return np.array([char_quads[0][0], char_quads[-1][1], char_quads[-1][2], char_quads[0][3]], np.float32)


def annotated_page_iterator(pages: Sequence[Page], char_boxes: CharBoxes, size: int, cache: ImageCache,
                            augment: bool, seed: int) -> Iterator[DetectorSample]:
    """Random pages, randomly scaled/rotated/cropped to ``size`` (or fitted when not ``augment``)."""
    rng = np.random.default_rng(seed)
    while True:
        index = int(rng.integers(len(pages)))
        page = pages[index]
        image = cache.get(str(page.image_path))
        boxes = char_boxes(index)
        if augment:
            quads = [w.quad for w in page.words if not w.ignore] or [w.quad for w in page.words]
            matrix = random_matrix(image.shape, quads, (size, size), rng)
        else:
            matrix = fit_transform(image.shape, (size, size))
        yield _page_sample(image, page, boxes, matrix, size)


def fixed_page_samples(pages: Sequence[Page], char_boxes: CharBoxes, size: int, cache: ImageCache
                       ) -> Iterator[DetectorSample]:
    """Each page once, fitted into ``size`` x ``size`` (deterministic validation), cycling forever."""
    while True:
        for index, page in enumerate(pages):
            image = cache.get(str(page.image_path))
            yield _page_sample(image, page, char_boxes(index), fit_transform(image.shape, (size, size)), size)


def crop_list_iterator(crops: Sequence[tuple[np.ndarray, str]], seed: int) -> Iterator[tuple[np.ndarray, str]]:
    """Random draws (with reshuffling epochs) from a list of ``(crop, text)``."""
    rng = np.random.default_rng(seed)
    while True:
        for i in rng.permutation(len(crops)):
            yield crops[int(i)]


def mixed_iterator(iterators: Sequence[Iterator[Any]], weights: Sequence[float], seed: int) -> Iterator[Any]:
    """Draw from ``iterators`` with probabilities proportional to ``weights``."""
    if len(iterators) == 1:
        yield from iterators[0]
        return
    rng = np.random.default_rng(seed)
    p = np.asarray(weights, np.float64)
    p = p / p.sum()
    while True:
        yield next(iterators[int(rng.choice(len(iterators), p=p))])
