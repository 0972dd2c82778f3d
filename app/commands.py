"""Undo commands: every edit of a page is one of these, pushed on a ``QUndoStack``.

Commands mutate the :class:`~app.document_model.DocumentModel` only; views redraw from its
signals. Compound edits use a parent command (``QUndoCommand(text)``) with children, or
``QUndoStack.beginMacro``. Keyboard nudges and rotations merge while they come in quick
succession, so one undo reverts a whole series of arrow-key presses.

>>> from PySide6.QtGui import QUndoStack
>>> from ocr_core.document import Page, Word
>>> model = DocumentModel(Page(width=100, height=50))
>>> stack = QUndoStack()
>>> word = Word(quad=[[0, 0], [9, 0], [9, 5], [0, 5]], text="hi")
>>> stack.push(AddWords(model, [word]))
>>> stack.push(EditText(model, word.id, "ho"))
>>> stack.undo(); model.word(word.id).text
'hi'

A person's change to a word's text clears its model confidence (:data:`TEXT_BY_HAND`), a change to its box
marks the box as theirs (:data:`BOX_BY_HAND`): either way the word is hand-made, and a later recognition of the
page keeps it (:func:`ocr_core.hand_made.keep_hand_made`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from PySide6.QtGui import QUndoCommand

from app.document_model import DocumentModel, Layout, Removal
from ocr_core.document import IGNORE_TEXT, Page, Word
from ocr_core.geometry import rotate_quad

__all__ = [
    "AddWords",
    "RemoveWords",
    "UpdateWords",
    "MoveWords",
    "SetQuad",
    "MoveVertex",
    "RotateWords",
    "turned_quad",
    "ReshapeWords",
    "EditText",
    "SetConfidenceText",
    "SetIgnore",
    "SetChecked",
    "ReorderWords",
    "ReplacePage",
    "MERGE_WINDOW_S",
    "BOX_BY_HAND",
    "TEXT_BY_HAND",
]

#: Consecutive mergeable commands further apart than this (seconds) stay separate undo steps.
MERGE_WINDOW_S = 1.5

_MERGE_MOVE, _MERGE_VERTEX, _MERGE_ROTATE, _MERGE_GROW = 1, 2, 3, 4

#: What a person's edit of a word's text sets besides: no model confidence, so the text is theirs (reviewed, off
#: the low-confidence queue, kept when the page is recognized or its boxes re-read; ADR 0018).
TEXT_BY_HAND: dict[str, Any] = {"confidence": None}
#: What a person's edit of a word's box sets besides: the box is theirs (kept when the page is recognized again;
#: its text can still be the model's, reviewed and re-read as before).
BOX_BY_HAND: dict[str, Any] = {"box_by_hand": True}


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word}es" if word.endswith("x") else f"{n} {word}s"


class AddWords(QUndoCommand):
    """Add new words (drawn, duplicated or pasted boxes), each on its own line at the end."""

    def __init__(self, model: DocumentModel, words: Sequence[Word], text: str | None = None,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(text or f"Add {_plural(len(words), 'box')}", parent)
        self._model = model
        self._words = list(words)
        self._layout: Layout | None = None

    def redo(self) -> None:
        if self._layout is None:
            self._model.insert_words(self._words)
            self._layout = self._model.layout()  # a redo gives the new lines the same ids
        else:
            self._model.insert_words(self._words, layout=self._layout)
            self._model.selectionWanted.emit([w.id for w in self._words])

    def undo(self) -> None:
        self._model.remove_words([w.id for w in self._words])


class RemoveWords(QUndoCommand):
    """Delete words; undo puts them back in their lines and order."""

    def __init__(self, model: DocumentModel, word_ids: Sequence[str], parent: QUndoCommand | None = None) -> None:
        super().__init__(f"Delete {_plural(len(word_ids), 'box')}", parent)
        self._model = model
        self._ids = list(word_ids)
        self._removal: Removal | None = None

    def redo(self) -> None:
        self._removal = self._model.remove_words(self._ids)

    def undo(self) -> None:
        if self._removal is not None:
            self._model.restore(self._removal)
            self._model.selectionWanted.emit([w.id for w in self._removal.words])


class UpdateWords(QUndoCommand):
    """Set attributes of several words: ``changes = {word_id: {field: new_value}}``.

    Old values are read when the command is built. Subclasses with a ``merge_id`` merge with
    the next command of the same kind on the same words within :data:`MERGE_WINDOW_S`.
    """

    merge_id = -1

    def __init__(self, model: DocumentModel, changes: Mapping[str, Mapping[str, Any]], text: str,
                 parent: QUndoCommand | None = None, *, mergeable: bool = False) -> None:
        super().__init__(text, parent)
        self._model = model
        self._new = {wid: dict(values) for wid, values in changes.items()}
        self._old = {wid: {k: _snapshot(getattr(model.word(wid), k)) for k in values}
                     for wid, values in self._new.items()}
        self._mergeable = mergeable
        self._stamp = time.monotonic()

    def redo(self) -> None:
        for wid, values in self._new.items():
            self._model.update_word(wid, **values)

    def undo(self) -> None:
        for wid, values in self._old.items():
            self._model.update_word(wid, **values)

    def id(self) -> int:
        return self.merge_id if self._mergeable else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if (not isinstance(other, UpdateWords) or other.id() != self.id() or self.id() == -1
                or other._new.keys() != self._new.keys()
                or other._stamp - self._stamp > MERGE_WINDOW_S):
            return False
        for wid, values in other._new.items():
            self._new[wid].update(values)
        self._stamp = other._stamp
        return True


def _snapshot(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


class MoveWords(UpdateWords):
    """Translate boxes by ``(dx, dy)`` pixels (mouse drag, or arrow keys with ``keyboard=True``)."""

    merge_id = _MERGE_MOVE

    def __init__(self, model: DocumentModel, word_ids: Sequence[str], dx: float, dy: float, *,
                 keyboard: bool = False, parent: QUndoCommand | None = None) -> None:
        offset = np.array([dx, dy], dtype=np.float64)
        changes = {wid: {"quad": model.word(wid).quad + offset, **BOX_BY_HAND} for wid in word_ids}
        super().__init__(model, changes, f"Move {_plural(len(changes), 'box')}",
                         parent, mergeable=keyboard)


class SetQuad(UpdateWords):
    """Give one word a new quad (resize, vertex edit)."""

    merge_id = _MERGE_VERTEX

    def __init__(self, model: DocumentModel, word_id: str, quad: Any, text: str = "Reshape box", *,
                 keyboard: bool = False, parent: QUndoCommand | None = None) -> None:
        super().__init__(model, {word_id: {"quad": np.asarray(quad, dtype=np.float64), **BOX_BY_HAND}}, text, parent,
                         mergeable=keyboard)


def MoveVertex(model: DocumentModel, word_id: str, vertex: int, x: float, y: float, *,
               keyboard: bool = False, parent: QUndoCommand | None = None) -> SetQuad:
    """A :class:`SetQuad` that moves corner ``vertex`` (0-3) of a word to ``(x, y)``."""
    quad = model.word(word_id).quad.copy()
    quad[vertex] = (x, y)
    return SetQuad(model, word_id, quad, "Move vertex", keyboard=keyboard, parent=parent)


class RotateWords(UpdateWords):
    """Rotate each box about its own centre by ``degrees`` (clockwise on screen)."""

    merge_id = _MERGE_ROTATE

    def __init__(self, model: DocumentModel, word_ids: Sequence[str], degrees: float, *,
                 keyboard: bool = True, parent: QUndoCommand | None = None) -> None:
        size = (float(model.page.width), float(model.page.height))
        changes = {wid: {"quad": turned_quad(model.word(wid).quad, degrees, size), **BOX_BY_HAND}
                   for wid in word_ids}
        super().__init__(model, changes, f"Rotate {_plural(len(changes), 'box')}",
                         parent, mergeable=keyboard)


def turned_quad(quad: np.ndarray, degrees: float, size: tuple[float, float]) -> np.ndarray:
    """``quad`` turned ``degrees`` clockwise on screen about its centre, then shifted back inside a ``size``
    image where it fits (:func:`_keep_inside`)."""
    return _keep_inside(rotate_quad(quad, -degrees), size)  # rotate_quad turns counter-clockwise


def _keep_inside(quad: np.ndarray, size: tuple[float, float]) -> np.ndarray:
    """``quad`` shifted back inside a ``size`` (width, height) image where a rotation pushed a corner out
    (only along an axis where the box fits; an image of unknown size changes nothing)."""
    if size[0] <= 0 or size[1] <= 0:
        return quad
    shift = np.zeros(2)
    for axis in (0, 1):
        low, high = quad[:, axis].min(), quad[:, axis].max()
        if high - low <= size[axis]:
            shift[axis] = -low if low < 0 else (size[axis] - high if high > size[axis] else 0.0)
    return quad + shift


class ReshapeWords(UpdateWords):
    """Give several boxes new quads at once (grow or shrink by a few pixels); repeated key presses merge."""

    merge_id = _MERGE_GROW

    def __init__(self, model: DocumentModel, quads: Mapping[str, np.ndarray], text: str, *,
                 keyboard: bool = True, parent: QUndoCommand | None = None) -> None:
        changes = {wid: {"quad": np.asarray(q, dtype=np.float64), **BOX_BY_HAND} for wid, q in quads.items()}
        super().__init__(model, changes, text, parent, mergeable=keyboard)


class EditText(UpdateWords):
    """Set a word's text; typing ``###`` marks it illegible instead."""

    def __init__(self, model: DocumentModel, word_id: str, text: str,
                 parent: QUndoCommand | None = None) -> None:
        values: dict[str, Any] = {"ignore": True} if text == IGNORE_TEXT else {"text": text, "ignore": False,
                                                                               **TEXT_BY_HAND}
        super().__init__(model, {word_id: values}, f"Edit text \u201c{text}\u201d", parent)


class SetConfidenceText(UpdateWords):
    """Set text and confidence of words from re-recognition: ``results = {word_id: (text, conf)}``."""

    def __init__(self, model: DocumentModel, results: Mapping[str, tuple[str, float]], text: str | None = None,
                 parent: QUndoCommand | None = None) -> None:
        changes = {wid: {"text": t, "confidence": float(c)} for wid, (t, c) in results.items()}
        super().__init__(model, changes, text or f"Re-recognize {_plural(len(changes), 'word')}", parent)


class SetIgnore(UpdateWords):
    """Mark words illegible (``###``, ignored by training) or legible again."""

    def __init__(self, model: DocumentModel, word_ids: Sequence[str], ignore: bool,
                 parent: QUndoCommand | None = None) -> None:
        changes = {wid: {"ignore": bool(ignore)} for wid in word_ids}
        what = "illegible" if ignore else "legible"
        super().__init__(model, changes, f"Mark {_plural(len(changes), 'word')} {what}", parent)


class SetChecked(QUndoCommand):
    """Set the page's done ("checked") mark."""

    def __init__(self, model: DocumentModel, checked: bool, parent: QUndoCommand | None = None) -> None:
        super().__init__("Mark image done" if checked else "Mark image not done", parent)
        self._model = model
        self._new = bool(checked)
        self._old = model.page.checked

    def redo(self) -> None:
        self._model.set_checked(self._new)

    def undo(self) -> None:
        self._model.set_checked(self._old)


class ReorderWords(QUndoCommand):
    """Change the order of words and their grouping into lines."""

    def __init__(self, model: DocumentModel, layout: Layout, text: str = "Re-sort into reading order",
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self._model = model
        self._new = [(lid, list(ids)) for lid, ids in layout]
        self._old = model.layout()

    def redo(self) -> None:
        self._model.set_layout(self._new)

    def undo(self) -> None:
        self._model.set_layout(self._old)


class ReplacePage(QUndoCommand):
    """Swap in a whole new page (recognition results, import, recovered autosave).

    The new page keeps the current page's image path, id, done mark and extra data unless
    ``keep_state=False``; a page that comes marked done (an import from a file that says so) keeps its mark.
    """

    def __init__(self, model: DocumentModel, page: Page, text: str = "Recognize", *, keep_state: bool = True,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self._model = model
        self._old = model.page
        if keep_state:
            page.image_path = self._old.image_path
            page.id = self._old.id
            page.checked = self._old.checked or page.checked
            page.extra = {**self._old.extra, **page.extra}
        self._new = page

    def redo(self) -> None:
        self._model.set_page(self._new)

    def undo(self) -> None:
        self._model.set_page(self._old)
