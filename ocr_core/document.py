"""Document model: a Page holds Lines, a Line holds Words; each Word has a quadrilateral.

Quads are ``(4, 2)`` float arrays in image pixels, clockwise from the top-left corner.
This module imports neither Qt nor TensorFlow.

>>> word = Word(quad=[[0, 0], [10, 0], [10, 5], [0, 5]], text="hi", confidence=0.9)
>>> page = Page(width=20, height=10, lines=[Line(words=[word])])
>>> [w.text for w in page.words]
['hi']
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["IGNORE_TEXT", "IMAGE_PAGE", "MAX_COORDINATE", "Word", "Line", "Page", "new_id", "as_quad"]

#: Transcription that marks a box as illegible ("don't care") in ICDAR-style data.
IGNORE_TEXT = "###"

#: ``Page.extra`` key: which page (0-based) of a multi-page image file (TIFF) a page shows; absent means the first.
IMAGE_PAGE = "image_page"


def new_id() -> str:
    """Return a new stable identifier for a document element."""
    return uuid.uuid4().hex[:12]


#: The largest coordinate a box may have, in pixels: far beyond any image the app reads (100 megapixels is
#: 10,000 pixels a side), small enough that cropping such a box cannot exhaust memory.
MAX_COORDINATE = 1_000_000.0


def as_quad(points: Any) -> np.ndarray:
    """Return ``points`` as a ``(4, 2)`` float64 array, raising ``ValueError`` otherwise."""
    quad = np.asarray(points, dtype=np.float64)
    if quad.shape == (8,):
        quad = quad.reshape(4, 2)
    if quad.shape != (4, 2):
        raise ValueError(f"a quad needs 4 points (x, y); got an array of shape {quad.shape}")
    if not np.all(np.isfinite(quad)):
        raise ValueError("a quad's coordinates must be finite numbers")
    if np.any(np.abs(quad) > MAX_COORDINATE):
        raise ValueError(f"a quad's coordinates must lie within \u00b1{MAX_COORDINATE:,.0f} pixels "
                         f"(got {float(np.abs(quad).max()):.4g})")
    return quad


@dataclass(eq=False)
class Word:
    """One word: its quad, text, recognition confidence and ignore (``###``) flag.

    ``confidence`` is the model's, for text the model read; ``None`` for text a person wrote. ``box_by_hand``: a
    person drew, moved or reshaped the box (see :mod:`ocr_core.hand_made`).
    """

    quad: np.ndarray
    text: str = ""
    confidence: float | None = None
    ignore: bool = False
    id: str = field(default_factory=new_id)
    #: Format-specific data kept for lossless round trips (e.g. labelme shape keys).
    extra: dict[str, Any] = field(default_factory=dict)
    box_by_hand: bool = False

    def __post_init__(self) -> None:
        self.quad = as_quad(self.quad)
        if self.text == IGNORE_TEXT:
            self.ignore = True

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """Axis-aligned bounds ``(x0, y0, x1, y1)``."""
        x0, y0 = self.quad.min(axis=0)
        x1, y1 = self.quad.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    @property
    def center(self) -> tuple[float, float]:
        cx, cy = self.quad.mean(axis=0)
        return float(cx), float(cy)

    @property
    def label(self) -> str:
        """The transcription as annotation formats store it (``###`` when ignored)."""
        return IGNORE_TEXT if self.ignore else self.text

    def copy(self, *, new_identity: bool = False) -> Word:
        return Word(
            quad=self.quad.copy(),
            text=self.text,
            confidence=self.confidence,
            ignore=self.ignore,
            id=new_id() if new_identity else self.id,
            extra=dict(self.extra),
            box_by_hand=self.box_by_hand,
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "quad": self.quad.round(3).tolist(),
            "confidence": self.confidence,
            "ignore": self.ignore,
        }
        if self.box_by_hand:
            data["box_by_hand"] = True
        if self.extra:
            data["extra"] = self.extra
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Word:
        conf = data.get("confidence")
        return cls(
            quad=data["quad"],
            text=str(data.get("text", "")),
            confidence=None if conf is None else float(conf),
            ignore=bool(data.get("ignore", False)),
            id=str(data.get("id") or new_id()),
            extra=dict(data.get("extra") or {}),
            box_by_hand=bool(data.get("box_by_hand", False)),
        )


@dataclass(eq=False)
class Line:
    """Words that belong to one text line, in reading order."""

    words: list[Word] = field(default_factory=list)
    id: str = field(default_factory=new_id)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def quad(self) -> np.ndarray:
        """Axis-aligned quad that encloses every word of the line."""
        pts = np.concatenate([w.quad for w in self.words]) if self.words else np.zeros((4, 2))
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)

    def copy(self) -> Line:
        return Line(words=[w.copy() for w in self.words], id=self.id)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "words": [w.to_dict() for w in self.words]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Line:
        return cls(words=[Word.from_dict(w) for w in data.get("words", [])], id=str(data.get("id") or new_id()))


@dataclass(eq=False)
class Page:
    """One image's annotation: size, lines of words, a done ("checked") mark and metadata."""

    width: int
    height: int
    lines: list[Line] = field(default_factory=list)
    image_path: str | None = None
    checked: bool = False
    id: str = field(default_factory=new_id)
    #: Format-specific page data kept for round trips (e.g. labelme flags, unknown keys).
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def words(self) -> list[Word]:
        """All words of the page in reading order (line by line)."""
        return [w for line in self.lines for w in line.words]

    def iter_words(self) -> Iterator[tuple[int, Word]]:
        for i, line in enumerate(self.lines):
            for w in line.words:
                yield i, w

    def find_word(self, word_id: str) -> Word | None:
        return next((w for w in self.words if w.id == word_id), None)

    @property
    def text(self) -> str:
        """Plain text in reading order, one line of text per line."""
        return "\n".join(line.text for line in self.lines if line.words)

    @classmethod
    def from_words(
        cls, words: Iterable[Word], width: int, height: int, *, group_lines: bool = True, **kwargs: Any
    ) -> Page:
        """Build a page from loose words, grouping them into lines in reading order."""
        words = list(words)
        if group_lines:
            from ocr_core.reading_order import group_into_lines

            lines = [Line(words=group) for group in group_into_lines(words)]
        else:
            lines = [Line(words=[w]) for w in words]
        return cls(width=int(width), height=int(height), lines=lines, **kwargs)

    def copy(self) -> Page:
        return Page(
            width=self.width,
            height=self.height,
            lines=[line.copy() for line in self.lines],
            image_path=self.image_path,
            checked=self.checked,
            id=self.id,
            extra=dict(self.extra),
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "image_path": self.image_path,
            "width": self.width,
            "height": self.height,
            "checked": self.checked,
            "lines": [line.to_dict() for line in self.lines],
        }
        if self.extra:
            data["extra"] = self.extra
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Page:
        return cls(
            width=int(data["width"]),
            height=int(data["height"]),
            lines=[Line.from_dict(line) for line in data.get("lines", [])],
            image_path=data.get("image_path"),
            checked=bool(data.get("checked", False)),
            id=str(data.get("id") or new_id()),
            extra=dict(data.get("extra") or {}),
        )
