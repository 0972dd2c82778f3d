"""Editing operations on the open page: each one pushes an undo command.

The canvas and the word list emit requests; the main window routes them here.

>>> from PySide6.QtGui import QUndoStack
>>> from ocr_core.document import Page
>>> from app.document_model import DocumentModel
>>> from app.selection import SelectionModel
>>> model = DocumentModel(Page(width=100, height=50))
>>> editor = Editor(model, SelectionModel(model), QUndoStack())
>>> word_id = editor.add_box([[0, 0], [9, 0], [9, 5], [0, 5]], "hi")
>>> editor.stack.undo(); len(model)
0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from app import commands
from app.document_model import DocumentModel
from app.selection import SelectionModel
from ocr_core.document import Page, Word, new_id
from ocr_core.geometry import grow_quad, order_quad, quad_area, quad_size
from ocr_core.hand_made import needs_review

__all__ = ["Editor", "NUDGE_PX", "BIG_NUDGE_PX", "MIN_BOX_SIDE", "has_area"]

NUDGE_PX = 1.0
BIG_NUDGE_PX = 10.0
#: A drawn box must be at least this many pixels across in both directions (its smaller extent).
MIN_BOX_SIDE = 2.0


def _keeps_order(quad: np.ndarray) -> bool:
    """Whether ``quad``'s corners still run clockwise around it (not crossed, not turned inside out): the same
    cyclic order as :func:`order_quad` gives them."""
    ordered = order_quad(quad)
    start = int(np.flatnonzero(np.all(np.isclose(quad, ordered[0]), axis=1))[0])
    return bool(np.allclose(np.roll(quad, -start, axis=0), ordered))


def has_area(quad: np.ndarray) -> bool:
    """Whether a quad is a box and not a point or a line: both its extents and its area (points on a line have
    none) reach :data:`MIN_BOX_SIDE`."""
    ordered = order_quad(quad)
    return min(quad_size(ordered)) >= MIN_BOX_SIDE and quad_area(ordered) >= MIN_BOX_SIDE ** 2


def _fits(quad: np.ndarray, size: tuple[float, float]) -> bool:
    """Whether every corner of ``quad`` lies in a ``size`` (width, height) image (to a rounding error)."""
    tol = 1e-6
    return bool((quad >= -tol).all() and (quad[:, 0] <= size[0] + tol).all() and (quad[:, 1] <= size[1] + tol).all())


def _limit(shift: float, low: float, high: float, size: float) -> float:
    """``shift`` reduced so that ``[low, high]`` moved by it stays in ``[0, size]`` (never pushing outwards)."""
    if shift > 0:
        return max(0.0, min(shift, size - high)) if high <= size else 0.0
    if shift < 0:
        return min(0.0, max(shift, -low)) if low >= 0 else 0.0
    return 0.0


class Editor(QObject):
    """Box and text editing for one :class:`DocumentModel` through a ``QUndoStack``."""

    #: Emitted before a result replaces words: text being typed (in place, in the word list) must be committed now,
    #: synchronously, so that it counts as the user's and is kept (:meth:`commit_pending_text`).
    pendingTextWanted = Signal()
    #: An edit that was not made, and why (the window shows it).
    refused = Signal(str)

    def __init__(self, model: DocumentModel, selection: SelectionModel, stack: QUndoStack,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.selection = selection
        self.stack = stack
        self._clipboard: tuple[list[Word], str | None] = ([], None)

    # -- boxes --------------------------------------------------------------------------------
    def add_box(self, quad: Any, text: str = "") -> str | None:
        """Add a box (drawn rectangle or 4-point quad, re-ordered clockwise, kept inside the image); select it.
        ``None`` (nothing added) when the box has no area: four clicks on one spot or along a line."""
        points = self._inside(np.asarray(quad, dtype=float).reshape(4, 2))
        if not has_area(points):
            return None
        word = Word(quad=order_quad(points), text=text, confidence=None, box_by_hand=True)
        self.stack.push(commands.AddWords(self.model, [word]))
        self.selection.select([word.id])
        return word.id

    def delete_selected(self) -> None:
        ids = self.selection.ids()
        if ids:
            self.stack.push(commands.RemoveWords(self.model, ids))

    def duplicate_selected(self, offset: float = 10.0) -> list[str]:
        """Copy the selected boxes, shifted by ``offset`` pixels (back up or left where that would leave the
        image); select the copies."""
        words = [self.model.word(wid) for wid in self.selection.ids()]
        shift = np.array([offset, offset], float)  # one shift for all: the copies keep their layout
        size = self._size()
        if words and size is not None:
            points = np.concatenate([w.quad for w in words])
            for axis in (0, 1):
                if points[:, axis].max() + offset > size[axis] and points[:, axis].min() - offset >= 0:
                    shift[axis] = -offset
        copies = []
        for source in words:
            word = source.copy(new_identity=True)
            word.quad = word.quad + shift
            word.confidence, word.box_by_hand = None, True  # placed by hand
            copies.append(word)
        if copies:
            self.stack.push(commands.AddWords(self.model, copies, f"Duplicate {len(copies)} box(es)"))
            self.selection.select([w.id for w in copies])
        return [w.id for w in copies]

    def copy_selected(self) -> int:
        """Keep copies of the selected boxes (with their text) for :meth:`paste`; returns how many."""
        words = [self.model.word(wid) for wid in self.selection.ids()]
        if words:
            self._clipboard = ([w.copy() for w in words], self.model.page.image_path)
        return len(words)

    def paste(self) -> list[str]:
        """Add the copied boxes at the same place (a form's fields on its next copy), kept inside the image, and
        select them. On the image they came from they keep their text; on another image they come without text,
        ready to be read (Ctrl+R). Boxes that fall outside this image are left out."""
        copied, source = self._clipboard
        return self.place_copies(copied, keep_text=source == self.model.page.image_path, label="Paste")

    def place_copies(self, originals: Sequence[Word], *, keep_text: bool = False, label: str = "Paste") -> list[str]:
        """Add copies of ``originals`` at their places on this page (one undo step), kept inside the image, and
        select them; without their text unless ``keep_text``. Copies that fall outside the image are left out."""
        words = []
        for original in originals:
            points = self._inside(original.quad.copy())
            if not has_area(points):
                continue
            word = original.copy(new_identity=True)
            word.quad, word.box_by_hand = points, True
            if not keep_text:
                word.text, word.confidence, word.ignore = "", None, False
            words.append(word)
        if words:
            self.stack.push(commands.AddWords(self.model, words, f"{label} {len(words)} box(es)"))
            self.selection.select([w.id for w in words])
        return [w.id for w in words]

    @property
    def can_paste(self) -> bool:
        return bool(self._clipboard[0])

    @property
    def copied_from(self) -> str | None:
        """The image the copied boxes came from."""
        return self._clipboard[1]

    def move_words(self, ids: Sequence[str], dx: float, dy: float, *, keyboard: bool = False) -> None:
        """Move boxes by ``(dx, dy)``, stopping at the image's edges (boxes already outside may come back in)."""
        ids = [i for i in ids if self.model.has_word(i)]
        size = self._size()
        if ids and size is not None:
            points = np.concatenate([self.model.word(i).quad for i in ids])
            dx = _limit(dx, points[:, 0].min(), points[:, 0].max(), size[0])
            dy = _limit(dy, points[:, 1].min(), points[:, 1].max(), size[1])
        if ids and (dx or dy):
            self.stack.push(commands.MoveWords(self.model, ids, dx, dy, keyboard=keyboard))

    def move_vertex(self, word_id: str, index: int, x: float, y: float, *, keyboard: bool = False) -> bool:
        """Move one corner, kept inside the image. A corner taken across the box (a crossed or inside-out quad)
        re-orders the corners clockwise, as drawing does; a move that would leave no area (a corner onto
        another) or none at all (a corner already at the edge, pushed on) changes nothing and returns False."""
        if not self.model.has_word(word_id):
            return False
        x, y = self._inside(np.array([[x, y]], float))[0]
        quad = self.model.word(word_id).quad.copy()
        if np.allclose(quad[index], (x, y)):
            return False
        quad[index] = (x, y)
        if not has_area(quad):
            self.refused.emit("The corner was not moved: the box would have no area (at least 2 pixels across)")
            return False
        if _keeps_order(quad):
            self.stack.push(commands.MoveVertex(self.model, word_id, index, float(x), float(y), keyboard=keyboard))
        else:  # clockwise again, from the corner nearest the old first one (the text's top-left: its direction)
            ordered = order_quad(quad)
            old_first = self.model.word(word_id).quad[0]
            ordered = np.roll(ordered, -int(np.argmin(np.hypot(*(ordered - old_first).T))), axis=0)
            self.stack.push(commands.ReshapeWords(self.model, {word_id: ordered}, "Move corner", keyboard=False))
            if self.selection.vertex == (word_id, index):  # the arrow keys go on moving the same corner
                moved = int(np.argmin(np.hypot(*(ordered - (x, y)).T)))
                self.selection.set_vertex(word_id, moved)
        return True

    def _size(self) -> tuple[float, float] | None:
        page = self.model.page
        return (float(page.width), float(page.height)) if page.width > 0 and page.height > 0 else None

    def _inside(self, points: np.ndarray) -> np.ndarray:
        size = self._size()
        if size is None:
            return points
        return np.stack([np.clip(points[:, 0], 0, size[0]), np.clip(points[:, 1], 0, size[1])], axis=1)

    def nudge(self, dx: float, dy: float) -> None:
        """Arrow keys: move the active vertex if there is one, else the selected boxes."""
        vertex = self.selection.vertex
        if vertex is not None and self.model.has_word(vertex[0]):
            wid, index = vertex
            x, y = self.model.word(wid).quad[index]
            self.move_vertex(wid, index, x + dx, y + dy, keyboard=True)
        else:
            self.move_words(self.selection.ids(), dx, dy, keyboard=True)

    def grow_selected(self, pixels: float) -> None:
        """Move every edge of the selected boxes out by ``pixels`` (in when negative), keeping each box's shape:
        near the image's edge it grows only as far as it fits, and a box too thin to shrink stays as it is."""
        size = self._size()
        quads = {}
        for wid in self.selection.ids():
            quad = self.model.word(wid).quad
            if pixels < 0 and min(quad_size(order_quad(quad))) + 2 * pixels < MIN_BOX_SIDE:
                continue  # it would vanish or turn inside out
            amount = pixels
            while pixels > 0 and size is not None and not _fits(grow_quad(quad, amount), size):
                amount /= 2
                if amount < 0.25:
                    break
            if amount >= 0.25 or pixels < 0:
                quads[wid] = grow_quad(quad, amount)
        if quads:
            self.stack.push(commands.ReshapeWords(self.model, quads, f"Resize {len(quads)} box(es)"))

    def rotate_selected(self, degrees: float) -> None:
        """Turn the selected boxes about their centres; a box that would no longer fit in the image stays."""
        ids = self.selection.ids()
        if not ids or not degrees:
            return
        size = self._size()
        if size is not None:
            fitting = [i for i in ids if _fits(commands.turned_quad(self.model.word(i).quad, degrees, size), size)]
            if len(fitting) < len(ids):
                n = len(ids) - len(fitting)
                self.refused.emit(f"{n} box{'es' if n != 1 else ''} not turned: turned this far, "
                                  f"{'they' if n != 1 else 'it'} would not fit in the image")
            ids = fitting
        if ids:
            self.stack.push(commands.RotateWords(self.model, ids, degrees))

    # -- text ---------------------------------------------------------------------------------
    def set_text(self, word_id: str, text: str) -> None:
        """Edit a word's text (``###`` marks it illegible); no-op when nothing changes."""
        if not self.model.has_word(word_id):
            return
        word = self.model.word(word_id)
        if text == word.label:
            return
        self.stack.push(commands.EditText(self.model, word_id, text))

    def set_ignore(self, ids: Sequence[str], ignore: bool) -> None:
        ids = [i for i in ids if self.model.has_word(i) and self.model.word(i).ignore != ignore]
        if ids:
            self.stack.push(commands.SetIgnore(self.model, ids, ignore))

    def toggle_ignore_selected(self) -> None:
        """Mark the selection illegible (``###``), or legible again if all of it already is."""
        ids = self.selection.ids()
        if ids:
            all_ignored = all(self.model.word(i).ignore for i in ids)
            self.set_ignore(ids, not all_ignored)

    def apply_recognized(self, results: Mapping[str, tuple[str, float]], label: str | None = None) -> None:
        """Set text and confidence of words read again by the recognizer (one undo step)."""
        results = {wid: r for wid, r in results.items() if self.model.has_word(wid)}
        if results:
            self.stack.push(commands.SetConfidenceText(self.model, results, label))

    def commit_pending_text(self) -> None:
        """Have the views commit any text being typed (it becomes an undoable edit) before a result lands."""
        self.pendingTextWanted.emit()

    # -- page ---------------------------------------------------------------------------------
    def replace_page(self, page: Page, label: str = "Recognize") -> None:
        self.stack.push(commands.ReplacePage(self.model, page, label))

    def set_checked(self, checked: bool) -> None:
        if self.model.page.checked != checked:
            self.stack.push(commands.SetChecked(self.model, checked))

    def sort_reading_order(self) -> None:
        """Regroup the words into lines in reading order (undoable)."""
        from ocr_core.reading_order import group_into_lines

        words = self.model.words()
        if not words:
            return
        layout = [(new_id(), [w.id for w in group]) for group in group_into_lines(words)]
        if [ids for _, ids in layout] != [ids for _, ids in self.model.layout()]:
            self.stack.push(commands.ReorderWords(self.model, layout))

    def move_in_order(self, step: int) -> None:
        """Move the current word one place earlier (-1) or later (+1) in reading order."""
        current = self.selection.current
        if current is None:
            return
        order = self.model.word_ids()
        i = order.index(current)
        j = i + step
        if not 0 <= j < len(order):
            return
        layout = self.model.layout()
        flat = [(li, k) for li, (_, ids) in enumerate(layout) for k in range(len(ids))]
        (la, ka), (lb, kb) = flat[i], flat[j]
        layout[la][1][ka], layout[lb][1][kb] = layout[lb][1][kb], layout[la][1][ka]
        self.stack.push(commands.ReorderWords(self.model, layout, "Reorder box"))

    # -- navigation ---------------------------------------------------------------------------
    def select_step(self, step: int) -> str | None:
        """Select the next (+1) or previous (-1) word in reading order, wrapping around."""
        order = self.model.word_ids()
        if not order:
            return None
        current = self.selection.current
        i = order.index(current) + step if current in order else (0 if step > 0 else -1)
        target = order[i % len(order)]
        self.selection.select([target])
        return target

    def select_next_low_confidence(self, threshold: float) -> str | None:
        """Select the next word (after the current one, wrapping) that :func:`~ocr_core.hand_made.needs_review`."""
        words = self.model.words()
        if not words:
            return None
        order = [w.id for w in words]
        start = order.index(self.selection.current) + 1 if self.selection.current in order else 0
        for k in range(len(words)):
            word = words[(start + k) % len(words)]
            if needs_review(word, threshold):
                self.selection.select([word.id])
                return word.id
        return None

    def select_all(self) -> None:
        self.selection.select(self.model.word_ids())

    def selected_quads(self) -> tuple[list[str], list[np.ndarray]]:
        ids = self.selection.ids()
        return ids, [self.model.word(i).quad.copy() for i in ids]
