"""Checks of the user's annotated training data before a run: characters outside the alphabet, empty
or tiny boxes, ``###`` boxes, images without labels, and the train/validation split. Also the
checked ("done") pages of an image folder as a training source.

No Keras import.

>>> from ocr_core.document import Page, Word
>>> from ocr_core.geometry import quad_from_rect
>>> page = Page.from_words([Word(quad_from_rect(0, 0, 40, 12), "caf\\u00e9"), Word(quad_from_rect(0, 20, 40, 32), "###",
...                         ignore=True)], 64, 48, image_path="a.png")
>>> report = check_pages([page], "abcdef")
>>> report.words, report.ignored, report.unknown_chars
(1, 1, {'\\xe9': 1})
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ocr_core.document import Page
from ocr_core.errors import OcrError
from ocr_core.training.data import DataSource, load_pages, parse_data_source, split_pages, unknown_characters

__all__ = ["DatasetReport", "check_pages", "dataset_report", "checked_pages", "write_pages_source", "TINY_BOX"]

#: Boxes whose short side is below this many pixels are reported as tiny.
TINY_BOX = 4.0


@dataclass
class DatasetReport:
    """Statistics of annotated training data (synthetic data is not counted here)."""

    images: int = 0
    words: int = 0
    ignored: int = 0
    empty: int = 0
    tiny: int = 0
    unlabeled: list[str] = field(default_factory=list)
    unknown_chars: dict[str, int] = field(default_factory=dict)
    unknown_words: int = 0
    train_images: int = 0
    validation_images: int = 0
    sources: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing would stop training (unknown characters stop it unless dropped)."""
        return not self.problems and not self.unknown_chars

    def warnings(self) -> list[str]:
        """One sentence per issue found, most serious first."""
        out = list(self.problems)
        if self.unknown_chars:
            listed = ", ".join(f"{c!r} \u00d7{n}" for c, n in sorted(self.unknown_chars.items(), key=lambda kv: -kv[1]))
            out.append(f"{self.unknown_words} word(s) use characters outside the alphabet: {listed}")
        if self.empty:
            out.append(f"{self.empty} box(es) have no text (they are skipped; mark illegible ones ###)")
        if self.tiny:
            out.append(f"{self.tiny} box(es) are tiny (under {TINY_BOX:.0f} px)")
        if self.unlabeled:
            names = ", ".join(Path(p).name for p in self.unlabeled[:3]) + ("\u2026" if len(self.unlabeled) > 3 else "")
            out.append(f"{len(self.unlabeled)} image(s) without labels ({names})")
        return out

    def summary(self) -> str:
        """A one-line description, e.g. ``12 images, 340 words, 5 ### (11 train / 1 validation)``."""
        if not self.images:
            return "No annotated images"
        return (f"{self.images} image{'s' if self.images != 1 else ''}, {self.words} word{'s' if self.words != 1 else ''}, "
                f"{self.ignored} ### ({self.train_images} train / {self.validation_images} validation)")


def _short_side(quad: np.ndarray) -> float:
    q = np.asarray(quad, np.float64)
    return float(min(np.linalg.norm(q[1] - q[0]), np.linalg.norm(q[3] - q[0])))


def check_pages(pages: Sequence[Page], alphabet: str, *, lowercase: bool = False, min_size: float = TINY_BOX,
                validation_split: float = 0.0, seed: int | None = 0) -> DatasetReport:
    """Count words, ``###``, empty and tiny boxes, unlabeled pages and characters outside ``alphabet``."""
    report = DatasetReport(images=len(pages))
    texts: list[str] = []
    for page in pages:
        if not page.words:
            report.unlabeled.append(str(page.image_path or page.id))
        for word in page.words:
            if word.ignore:
                report.ignored += 1
                continue
            if not word.text.strip():
                report.empty += 1
                continue
            if _short_side(word.quad) < min_size:
                report.tiny += 1
            report.words += 1
            texts.append(word.text.lower() if lowercase else word.text)
    allowed = "".join(c for c in alphabet if not c.isspace())
    counts = unknown_characters(texts, allowed + " ")
    report.unknown_chars = dict(counts.most_common())
    report.unknown_words = sum(1 for t in texts if any(c in counts for c in t))
    train, val = split_pages(list(pages), validation_split, seed)
    report.train_images, report.validation_images = len(train), len(val)
    return report


def _unreferenced_images(folder: Path, pages: Iterable[Page]) -> list[str]:
    from ocr_core.project import list_images

    if not folder.is_dir():
        return []
    known = {os.path.abspath(p.image_path) for p in pages if p.image_path}
    return [str(p) for p in list_images(folder) if os.path.abspath(p) not in known]


def dataset_report(sources: Sequence[str | DataSource], alphabet: str, *, pages: Sequence[Page] = (),
                   validation_split: float = 0.1, seed: int | None = 0, lowercase: bool = False) -> DatasetReport:
    """Check ``pages`` (e.g. the checked images of the open folder) and annotated ``sources``
    (``PATH[:FORMAT]``, as training reads them). Unreadable sources become ``problems``."""
    every = list(pages)
    unlabeled: list[str] = []
    problems: list[str] = []
    names: list[str] = []
    for raw in sources:
        try:
            source = parse_data_source(raw)
            if source.kind != "folder":
                continue
            loaded = load_pages(source)
        except OcrError as exc:
            problems.append(str(exc))
            continue
        names.append(str(source))
        every.extend(loaded)
        unlabeled.extend(_unreferenced_images(Path(str(source.path)).expanduser(), loaded))
    report = check_pages(every, alphabet, lowercase=lowercase, validation_split=validation_split, seed=seed)
    report.unlabeled.extend(unlabeled)
    report.problems = problems
    report.sources = names
    return report


def checked_pages(store: object, images: Sequence[str | Path]) -> tuple[list[Page], list[str]]:
    """The saved pages of ``images`` marked done in ``store`` (an :class:`~ocr_core.project.AnnotationStore`);
    also the problems met (unreadable annotation files), one line each."""
    pages: list[Page] = []
    problems: list[str] = []
    for image in images:
        try:
            page = store.load(Path(image))  # type: ignore[attr-defined]
        except (OcrError, OSError) as exc:
            problems.append(f"{exc} (left out of training until it is fixed)")
            continue
        if page is not None and page.checked:
            page.image_path = str(image)
            pages.append(page)
    return pages, problems


def write_pages_source(pages: Sequence[Page], path: str | Path) -> str:
    """Write ``pages`` as one OCR Studio JSON file and return it as a training source (``PATH:studio``)."""
    from ocr_core.formats import write_annotations

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_annotations(list(pages), path, "studio")
    return f"{path}:studio"
