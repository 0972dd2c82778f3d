"""Training data sources: ``synthetic[:N]`` and annotated folders ``PATH[:FORMAT]``.

>>> parse_data_source("synthetic:2000")
DataSource(kind='synthetic', path=None, format=None, count=2000)
>>> parse_data_source("data/train:icdar2015")
DataSource(kind='folder', path='data/train', format='icdar2015', count=None)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ocr_core.document import Page
from ocr_core.errors import AlphabetError, TrainingError

__all__ = [
    "DataSource",
    "parse_data_source",
    "load_pages",
    "split_pages",
    "unknown_characters",
    "check_alphabet",
    "prepare_text",
    "extract_word_crops",
]

_FORMAT_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")


@dataclass(frozen=True)
class DataSource:
    """One source of training samples: synthetic (``count`` samples per epoch) or an annotated folder."""

    kind: Literal["synthetic", "folder"]
    path: str | None = None
    format: str | None = None
    count: int | None = None

    def __str__(self) -> str:
        if self.kind == "synthetic":
            return "synthetic" + (f":{self.count}" if self.count else "")
        return f"{self.path}" + (f":{self.format}" if self.format else "")


def parse_data_source(text: str | DataSource) -> DataSource:
    """Parse ``synthetic``, ``synthetic:N``, ``PATH`` or ``PATH:FORMAT`` (format names as
    :func:`ocr_core.formats.read_annotations` knows them)."""
    if isinstance(text, DataSource):
        return text
    raw = str(text).strip()
    if not raw:
        raise TrainingError("empty --data value; use synthetic[:N] or PATH[:FORMAT]")
    if raw == "synthetic" or raw.startswith("synthetic:"):
        _, _, count = raw.partition(":")
        if not count:
            return DataSource("synthetic")
        try:
            n = int(count)
        except ValueError:
            raise TrainingError(f"--data {raw!r}: N in synthetic:N must be a whole number") from None
        if n <= 0:
            raise TrainingError(f"--data {raw!r}: N must be positive")
        return DataSource("synthetic", count=n)
    path, sep, fmt = raw.rpartition(":")
    # "C:\data" is a Windows drive, not a format; a format has no path separators.
    if sep and path and _FORMAT_RE.match(fmt) and not (len(path) == 1 and path.isalpha()):
        return DataSource("folder", path=path, format=fmt)
    return DataSource("folder", path=raw)


def load_pages(source: DataSource) -> list[Page]:
    """Read an annotated folder (or file); pages without an image file are an error naming them."""
    if source.kind != "folder" or not source.path:
        raise TrainingError(f"{source} is not an annotated folder")
    path = Path(source.path).expanduser()
    if not path.exists():
        raise TrainingError(f"{path} does not exist (a --data folder or file of annotations)")
    from ocr_core.formats import read_annotations

    pages = read_annotations(path, source.format) if source.format else read_annotations(path)
    missing = [p for p in pages if not p.image_path or not Path(p.image_path).is_file()]
    if missing:
        names = ", ".join(str(p.image_path or p.extra.get("name") or p.id) for p in missing[:5])
        raise TrainingError(f"{path}: {len(missing)} annotated page(s) have no image file ({names})")
    return pages


def split_pages(pages: Sequence[Page], fraction: float, seed: int | None) -> tuple[list[Page], list[Page]]:
    """Shuffle (seeded) and split pages into ``(train, validation)``; validation may be empty."""
    pages = list(pages)
    if fraction <= 0 or len(pages) < 2:
        return pages, []
    order = np.random.default_rng(seed).permutation(len(pages))
    n_val = min(max(1, int(round(len(pages) * fraction))), len(pages) - 1)
    val = [pages[i] for i in order[:n_val]]
    train = [pages[i] for i in order[n_val:]]
    return train, val


def prepare_text(text: str, lowercase: bool) -> str:
    return text.lower() if lowercase else text


def unknown_characters(texts: Iterable[str], alphabet: str) -> Counter[str]:
    """Count the characters of ``texts`` that are not in ``alphabet``."""
    allowed = set(alphabet)
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(c for c in text if c not in allowed)
    return counts


def check_alphabet(texts: Sequence[str], alphabet: str, *, drop: bool = False, where: str = "training data"
                   ) -> list[bool]:
    """Return a keep-flag per text; raise :class:`AlphabetError` listing unknown characters and their
    counts unless ``drop`` (then texts with unknown characters are flagged False)."""
    if not alphabet:
        raise AlphabetError("the recognizer alphabet is empty")
    counts = unknown_characters(texts, alphabet)
    if counts and not drop:
        listed = ", ".join(f"{c!r} x{n}" for c, n in counts.most_common())
        n_words = sum(1 for t in texts if any(c in counts for c in t))
        raise AlphabetError(
            f"{where}: {n_words} word(s) use characters outside the alphabet: {listed}. "
            "Add them to the alphabet, or skip those words (the Train tab's 'Skip words with unknown characters'; "
            "on the command line --alphabet, --lowercase or --drop-unknown)."
        )
    return [not any(c in counts for c in t) for t in texts]


def extract_word_crops(pages: Sequence[Page], height: int, width: int, channels: int, *, lowercase: bool = False,
                       min_size: float = 2.0, margin: float | None = None) -> list[tuple[np.ndarray, str]]:
    """Crop every non-ignored word with text, resized and padded to ``height`` x ``width``; ``margin``
    (default :data:`~ocr_core.geometry.DEFAULT_CROP_MARGIN`) is the context kept around each box, as at inference."""
    from ocr_core.geometry import DEFAULT_CROP_MARGIN, crop_quad, resize_and_pad
    from ocr_core.imageio import read_image

    crops: list[tuple[np.ndarray, str]] = []
    for page in pages:
        words = [w for w in page.words if not w.ignore and w.text.strip()]
        if not words:
            continue
        image = read_image(page.image_path)
        for word in words:
            q = word.quad
            if min(np.linalg.norm(q[1] - q[0]), np.linalg.norm(q[3] - q[0])) < min_size:
                continue
            crop = crop_quad(image, q, height=height, margin=DEFAULT_CROP_MARGIN if margin is None else margin)
            crops.append((to_model_crop(crop, height, width, channels, resize_and_pad),
                          prepare_text(word.text, lowercase)))
    return crops


def to_model_crop(crop: np.ndarray, height: int, width: int, channels: int, resize: Any = None) -> np.ndarray:
    """A uint8 ``(height, width, channels)`` crop: colour converted, resized and padded when needed."""
    import cv2

    crop = np.asarray(crop)
    if crop.dtype != np.uint8:
        crop = np.clip(crop * (255.0 if crop.max() <= 1.0 else 1.0), 0, 255).astype(np.uint8)
    if crop.ndim == 2:
        crop = crop[..., None]
    if channels == 1 and crop.shape[-1] == 3:
        crop = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)[..., None]
    elif channels == 1 and crop.shape[-1] == 4:
        crop = cv2.cvtColor(crop, cv2.COLOR_RGBA2GRAY)[..., None]
    elif channels == 3 and crop.shape[-1] == 1:
        crop = np.repeat(crop, 3, axis=-1)
    if crop.shape[:2] != (height, width):
        if resize is None:
            from ocr_core.geometry import resize_and_pad as resize
        crop = np.asarray(resize(crop, height, width))
        if crop.ndim == 2:
            crop = crop[..., None]
    return crop.astype(np.uint8)
