"""Qt document model: one :class:`~ocr_core.document.Page` with change signals.

Only undo commands (:mod:`app.commands`) call the mutating methods; views (canvas, word list)
read the page and redraw from the signals.

>>> from ocr_core.document import Page, Word
>>> model = DocumentModel(Page(width=100, height=50))
>>> model.insert_words([Word(quad=[[0, 0], [9, 0], [9, 5], [0, 5]], text="hi")])
>>> [w.text for w in model.words()]
['hi']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from ocr_core.document import Line, Page, Word, as_quad, new_id

__all__ = ["DocumentModel", "Layout", "Removal", "WORD_FIELDS"]

#: Line structure of a page: ``[(line_id, [word_id, ...]), ...]`` in reading order.
Layout = list[tuple[str, list[str]]]

#: Word attributes :meth:`DocumentModel.update_word` may change.
WORD_FIELDS = ("quad", "text", "confidence", "ignore", "box_by_hand")


@dataclass
class Removal:
    """What :meth:`DocumentModel.remove_words` took away, enough to put it back."""

    words: list[Word]
    layout: Layout


class DocumentModel(QObject):
    """A page under edit. Signals carry word ids (one signal per edit, however many words it touches, so that
    deleting or restoring thousands of boxes redraws once); ``pageReset`` means "reread everything"."""

    wordsAdded = Signal(list)  # [word id]
    wordsRemoved = Signal(list)  # [word id]
    wordChanged = Signal(str)
    orderChanged = Signal()
    pageReset = Signal()
    checkedChanged = Signal(bool)
    #: Words an undo or redo brought back (a deletion undone, an addition redone): the views select them. Sent after
    #: ``wordsAdded`` has reached every view, so that they all hold the words by then.
    selectionWanted = Signal(list)  # [word id]

    def __init__(self, page: Page | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._page = page if page is not None else Page(width=0, height=0)
        self._index: dict[str, Word] = {}
        self._reindex()

    # ----------------------------------------------------------------- reading
    @property
    def page(self) -> Page:
        """The live page (do not mutate it outside commands)."""
        return self._page

    def words(self) -> list[Word]:
        """All words in reading order."""
        return self._page.words

    def word_ids(self) -> list[str]:
        return [w.id for w in self._page.words]

    def word(self, word_id: str) -> Word:
        try:
            return self._index[word_id]
        except KeyError:
            raise KeyError(f"no word with id {word_id!r} on this page") from None

    def has_word(self, word_id: str) -> bool:
        return word_id in self._index

    def index_of(self, word_id: str) -> int:
        return self.word_ids().index(word_id)

    def __len__(self) -> int:
        return len(self._index)

    def layout(self) -> Layout:
        return [(line.id, [w.id for w in line.words]) for line in self._page.lines]

    # ---------------------------------------------------------------- mutation
    def set_page(self, page: Page) -> None:
        """Replace the whole page (open an image, apply recognition results)."""
        self._page = page
        self._reindex()
        self.pageReset.emit()

    def insert_words(self, words: Sequence[Word], layout: Layout | None = None) -> None:
        """Add ``words``; each goes on a new line at the end unless ``layout`` places them."""
        for word in words:
            if word.id in self._index:
                raise ValueError(f"word id {word.id!r} is already on the page")
            self._index[word.id] = word
        if layout is None:
            self._page.lines.extend(Line(words=[w]) for w in words)
        else:
            self._apply_layout(layout)
        if words:
            self.wordsAdded.emit([word.id for word in words])
        if layout is not None:
            self.orderChanged.emit()

    def remove_words(self, word_ids: Iterable[str]) -> Removal:
        """Remove words (and lines left empty); return what :meth:`restore` needs."""
        ids = [i for i in dict.fromkeys(word_ids) if i in self._index]
        removal = Removal(words=[self._index[i] for i in ids], layout=self.layout())
        gone = set(ids)
        for line in self._page.lines:
            line.words = [w for w in line.words if w.id not in gone]
        self._page.lines = [line for line in self._page.lines if line.words]
        for word_id in ids:
            del self._index[word_id]
        if ids:  # signal only once the model is consistent again
            self.wordsRemoved.emit(ids)
        return removal

    def restore(self, removal: Removal) -> None:
        """Undo :meth:`remove_words`: put the words back where they were."""
        self.insert_words(removal.words, layout=removal.layout)

    def set_layout(self, layout: Layout) -> None:
        """Reorder words and lines; ``layout`` must name every word exactly once."""
        self._apply_layout(layout)
        self.orderChanged.emit()

    def update_word(self, word_id: str, **values: Any) -> dict[str, Any]:
        """Set word attributes (see :data:`WORD_FIELDS`); return their previous values."""
        word = self.word(word_id)
        old: dict[str, Any] = {}
        for key, value in values.items():
            if key not in WORD_FIELDS:
                raise ValueError(f"cannot update word field {key!r}")
            current = getattr(word, key)
            old[key] = current.copy() if isinstance(current, np.ndarray) else current
            if key == "quad":
                value = as_quad(value).copy()
            setattr(word, key, value)
        self.wordChanged.emit(word_id)
        return old

    def set_checked(self, checked: bool) -> None:
        self._page.checked = bool(checked)
        self.checkedChanged.emit(self._page.checked)

    # ----------------------------------------------------------------- private
    def _reindex(self) -> None:
        self._index = {w.id: w for w in self._page.words}

    def _apply_layout(self, layout: Layout) -> None:
        named = [word_id for _, ids in layout for word_id in ids]
        if sorted(named) != sorted(self._index):
            raise ValueError("a layout must list every word of the page exactly once")
        self._page.lines = [
            Line(words=[self._index[i] for i in ids], id=line_id or new_id()) for line_id, ids in layout if ids
        ]
