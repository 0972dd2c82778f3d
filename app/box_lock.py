"""Lock Boxes onto Next Images (PPOCRLabel's "lock box", GUI.md): the boxes of a fixed-layout form, placed on
every next image that has none, then read.

Lock the selected boxes (or all of the page's) once; each image shown afterwards whose page has no boxes gets
copies of them at the same places (one undo step, without text) and the engine reads them, as Paste Boxes then
Ctrl+Shift+R would. Images with boxes, and the image the boxes came from, are left as they are. Unlock to stop.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from app.editor import Editor
from ocr_core.document import Word

__all__ = ["BoxLock"]


class BoxLock(QObject):
    """Holds the locked boxes and places them on the images shown next."""

    lockedChanged = Signal(bool)

    def __init__(self, editor: Editor, read_boxes: Callable[[], object], message: Callable[[str], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.read_boxes = read_boxes
        self.message = message
        self._words: list[Word] = []
        self._source: str | None = None

    @property
    def locked(self) -> bool:
        return bool(self._words)

    @property
    def count(self) -> int:
        return len(self._words)

    def lock(self) -> int:
        """Lock the selected boxes, or every box of the page when none is selected; returns how many."""
        model = self.editor.model
        selected = [wid for wid in self.editor.selection.ids() if model.has_word(wid)]
        words = [model.word(wid) for wid in selected] if selected else list(model.words())
        self._words = [w.copy() for w in words]
        self._source = model.page.image_path
        self.lockedChanged.emit(self.locked)
        return len(self._words)

    def unlock(self) -> None:
        if self._words:
            self._words, self._source = [], None
            self.lockedChanged.emit(False)

    def image_shown(self, image: object) -> None:
        """Connected to the session's ``imageShown``: place the boxes once the page (and any autosave it
        recovers) is in, that is after the session's own handlers have run."""
        if self._words and image is not None:
            QTimer.singleShot(0, self.place)

    def place(self) -> list[str]:
        """Place the locked boxes on the current page when it has none; returns the new boxes' ids."""
        page = self.editor.model.page
        if not self._words or page.words or not page.image_path or page.image_path == self._source:
            return []
        ids = self.editor.place_copies(self._words, label="Place locked")
        if ids:
            self.message(f"Placed {len(ids)} locked box{'es' if len(ids) != 1 else ''}; reading them "
                         "(Ctrl+Z removes them)")
            self.read_boxes()
        else:
            self.message("The locked boxes fall outside this image")
        return ids
