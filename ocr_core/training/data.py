"""Training data sources: ``synthetic[:N]`` and annotated folders ``PATH[:FORMAT]``.

A folder of word crops with a label file (``<image>\\t<text>`` per line, the image relative to the file: what
``ocr-studio synth --crops`` writes as ``labels.txt``, PaddleOCR's recognition labels such as ``rec_gt.txt``, and
tab-separated ``.tsv`` tables) is recognizer data where each crop is one whole word (:func:`word_crop_labels`;
``PATH:crops`` names it). Columns after the text are ignored, and a header line (``file<TAB>label...``) is skipped.

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
    "WORD_CROPS",
    "CROP_LABEL_FILES",
    "word_crop_labels",
    "load_word_crops",
    "is_word_crop",
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


#: The format name of a folder of word crops (``PATH:crops``), and the label files such a folder holds (any other
#: ``*.tsv`` file of crop labels too).
WORD_CROPS = "crops"
CROP_LABEL_FILES = ("labels.txt", "rec_gt.txt", "labels.tsv")
#: ``Page.extra`` key of a page that is one word crop: its one word is the whole image.
_WORD_CROP_KEY = "word_crop"


def _crop_columns(line: str) -> tuple[str, str] | None:
    """``(image, text)`` of a label line ``<image><TAB><text>[<TAB>more...]`` (columns after the text ignored), or
    ``None`` when the line has no tab."""
    columns = line.split("\t")
    if len(columns) < 2:
        return None
    return columns[0].strip(), columns[1]


def _is_image_name(name: str) -> bool:
    from ocr_core.formats._common import IMAGE_EXTENSIONS

    return Path(name).suffix.lower() in IMAGE_EXTENSIONS


def _first_lines(path: Path, n: int = 2) -> list[str]:
    """The first ``n`` non-blank lines of a text file (none when it cannot be read as UTF-8)."""
    lines: list[str] = []
    try:
        with open(path, encoding="utf-8-sig") as fh:
            for line in fh:
                if line.strip():
                    lines.append(line.rstrip("\r\n"))
                    if len(lines) == n:
                        break
    except (OSError, UnicodeDecodeError):
        return []
    return lines


def _looks_like_crop_labels(path: Path) -> bool:
    """Whether the first line of ``path`` (after a header line such as ``file<TAB>label``) reads
    ``<image file><TAB><text>`` (a PPOCRLabel line's text is a JSON list of boxes: not this)."""
    lines = _first_lines(path)
    if len(lines) == 2 and (head := _crop_columns(lines[0])) is not None and not _is_image_name(head[0]):
        lines = lines[1:]  # a header
    fields = _crop_columns(lines[0]) if lines else None
    return fields is not None and _is_image_name(fields[0]) and not fields[1].lstrip().startswith("[")


def _label_file_candidates(folder: Path) -> list[Path]:
    """The files of ``folder`` that may list word crops: :data:`CROP_LABEL_FILES`, then other ``*.tsv`` files."""
    named = [folder / name for name in CROP_LABEL_FILES]
    others = sorted(p for p in folder.glob("*.tsv") if p.name not in CROP_LABEL_FILES)
    return [p for p in named + others if p.is_file()]


def word_crop_labels(source: DataSource) -> Path | None:
    """The label file when ``source`` is a set of word crops (see the module docstring), else ``None``. A folder
    whose annotations name another format (a PPOCRLabel folder holds ``rec_gt.txt`` too) stays that format unless
    ``PATH:crops`` says otherwise."""
    if source.kind != "folder" or not source.path:
        return None
    fmt = (source.format or "").lower()
    if fmt and fmt != WORD_CROPS:
        return None
    path = Path(source.path).expanduser()
    if path.is_file():
        return path if fmt == WORD_CROPS or _looks_like_crop_labels(path) else None
    if not path.is_dir():
        return None
    if not fmt:
        from ocr_core.formats import detect_format

        if detect_format(path) is not None:
            return None
    for candidate in _label_file_candidates(path):
        if _looks_like_crop_labels(candidate) or (fmt == WORD_CROPS and candidate.name in CROP_LABEL_FILES):
            return candidate
    if fmt == WORD_CROPS:
        raise TrainingError(f"{path}: no {', '.join(CROP_LABEL_FILES)} or other .tsv label file here (word crops "
                            "need a label file of <image><TAB><text> lines)")
    return None


def _word_crops_hint(path: Path) -> str | None:
    """For a folder (or file) that no format reads but that holds images and a tab-separated text file: how to
    read it as word crops (``--data PATH:crops``), else ``None``."""
    folder = path if path.is_dir() else path.parent
    try:
        has_images = any(p.is_file() and _is_image_name(p.name) for p in folder.iterdir())
        files = [path] if path.is_file() else sorted(p for p in folder.iterdir()
                                                      if p.suffix.lower() in (".txt", ".tsv") and p.is_file())
    except OSError:
        return None
    for candidate in files:
        lines = _first_lines(candidate)
        rows = [fields for line in lines if (fields := _crop_columns(line)) is not None]
        if not lines or len(rows) < len(lines):
            continue
        if has_images or any((folder / key.replace("\\", "/")).is_file() for key, _ in rows if key):
            target = path if path.is_dir() and candidate in _label_file_candidates(folder) else candidate
            return (f"if it holds word crops, name the label file of <image><TAB><text> lines with PATH:crops "
                    f"(--data {target}:crops)")
    return None


def load_word_crops(labels: Path) -> list[Page]:
    """One page per line of the label file ``labels`` (``<image>\\t<text>``, the image relative to the file's
    folder, more columns ignored): the crop, its one word the whole image. A first line whose image is not a file
    while the others' are is a header, and skipped. Missing or unreadable images are an error naming them."""
    from ocr_core.document import Line, Word
    from ocr_core.formats._common import format_error, image_size, read_text, rect_quad, text_lines
    from ocr_core.listing import listed

    pages: list[Page] = []
    missing: list[str] = []
    header: str | None = None
    for no, line in enumerate(text_lines(read_text(labels)), 1):
        if not line.strip():
            continue
        fields = _crop_columns(line)
        if fields is None or not fields[0]:
            raise format_error(labels, "expected '<image file><TAB><text>' (a word crop and its text)", no)
        key, text = fields
        image = labels.parent / key.replace("\\", "/")
        size = image_size(image) if image.is_file() else None
        if size is None:
            if not pages and not missing and header is None and not image.exists() and not _is_image_name(key):
                header = key  # the first line: a header unless the other images are missing too
                continue
            missing.append(key)
            continue
        width, height = size
        word = Word(quad=rect_quad(0, 0, width, height), text=text)
        pages.append(Page(width=width, height=height, lines=[Line(words=[word])], image_path=str(image.resolve()),
                          extra={_WORD_CROP_KEY: True}))
    if header is not None and not pages:
        missing.insert(0, header)
    if missing:
        raise TrainingError(f"{labels}: {len(missing)} word crop(s) have no readable image file "
                            f"({listed(missing, 5)})")
    if not pages:
        raise TrainingError(f"{labels}: no word crops listed")
    return pages


def is_word_crop(page: Page) -> bool:
    """Whether ``page`` is one word crop (:func:`load_word_crops`), not a page with word boxes."""
    return bool(page.extra.get(_WORD_CROP_KEY))


def load_pages(source: DataSource, *, word_crops: bool = True) -> list[Page]:
    """Read an annotated folder (or file); pages without an image file are an error naming them. A set of word
    crops (:func:`word_crop_labels`) gives a page per crop, or, when ``word_crops`` is off (the detector), an
    error that says it is recognizer data."""
    if source.kind != "folder" or not source.path:
        raise TrainingError(f"{source} is not an annotated folder")
    path = Path(source.path).expanduser()
    if not path.exists():
        raise TrainingError(f"{path} does not exist (a --data folder or file of annotations)")
    if (labels := word_crop_labels(source)) is not None:
        if not word_crops:
            raise TrainingError(f"{path}: word crops (a label file of <image><TAB><text>, {labels.name}) train the "
                                "recognizer only; the detector needs pages annotated with word boxes")
        return load_word_crops(labels)
    from ocr_core.errors import AnnotationFormatError
    from ocr_core.formats import read_annotations

    try:
        pages = read_annotations(path, source.format) if source.format else read_annotations(path)
    except AnnotationFormatError as exc:
        if source.format or "cannot tell the annotation format" not in str(exc) or not (hint := _word_crops_hint(path)):
            raise
        raise AnnotationFormatError(f"{exc}; {hint}") from None
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
    (default :data:`~ocr_core.geometry.DEFAULT_CROP_MARGIN`) is the context kept around each box, as at inference.
    A word crop's page (:func:`is_word_crop`) is taken whole."""
    from ocr_core.geometry import DEFAULT_CROP_MARGIN, crop_quad, resize_and_pad
    from ocr_core.imageio import read_image

    crops: list[tuple[np.ndarray, str]] = []
    for page in pages:
        words = [w for w in page.words if not w.ignore and w.text.strip()]
        if not words:
            continue
        image = read_image(page.image_path)
        if is_word_crop(page):  # the image is the word (as a synthetic crop): used whole
            crops.append((to_model_crop(image, height, width, channels, resize_and_pad),
                          prepare_text(words[0].text, lowercase)))
            continue
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
