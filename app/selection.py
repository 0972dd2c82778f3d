"""Which words are selected, shared by the canvas and the word list.

>>> from ocr_core.document import Page, Word
>>> from app.document_model import DocumentModel
>>> model = DocumentModel(Page(width=10, height=10))
>>> selection = SelectionModel(model)
>>> selection.ids()
[]
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal

from app.document_model import DocumentModel

__all__ = ["SelectionModel"]


class SelectionModel(QObject):
    """Selected word ids, the current word and the active vertex ``(word_id, index)``.

    ``changed`` fires after any change; removed words leave the selection by themselves.
    """

    changed = Signal()

    def __init__(self, model: DocumentModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._ids: set[str] = set()
        self._current: str | None = None
        self._vertex: tuple[str, int] | None = None
        model.wordsRemoved.connect(self._on_removed)
        model.selectionWanted.connect(self.select)
        model.pageReset.connect(self.clear)

    def ids(self) -> list[str]:
        """Selected ids in reading order."""
        return [i for i in self._model.word_ids() if i in self._ids]

    def contains(self, word_id: str) -> bool:
        return word_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def current(self) -> str | None:
        return self._current

    @property
    def vertex(self) -> tuple[str, int] | None:
        """Vertex that arrow keys move, set by clicking a corner handle."""
        return self._vertex

    def select(self, ids: Iterable[str], current: str | None = None) -> None:
        """Replace the selection (``current`` defaults to the last id given)."""
        new = [i for i in ids if self._model.has_word(i)]
        current = current if current in new else (new[-1] if new else None)
        vertex = self._vertex if self._vertex and self._vertex[0] in new else None
        if set(new) == self._ids and current == self._current and vertex == self._vertex:
            return
        self._ids, self._current, self._vertex = set(new), current, vertex
        self.changed.emit()

    def set_vertex(self, word_id: str, index: int) -> None:
        self._ids, self._current, self._vertex = {word_id}, word_id, (word_id, int(index))
        self.changed.emit()

    def clear_vertex(self) -> None:
        """Arrow keys move the selected boxes again rather than one corner."""
        if self._vertex is not None:
            self._vertex = None
            self.changed.emit()

    def clear(self) -> None:
        if self._ids or self._vertex or self._current:
            self._ids, self._current, self._vertex = set(), None, None
            self.changed.emit()

    def _on_removed(self, word_ids: list[str]) -> None:
        gone = set(word_ids)
        if gone & self._ids:
            self.select([i for i in self._ids if i not in gone])
