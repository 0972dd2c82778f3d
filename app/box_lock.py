"""Lock Boxes onto Next Images (PPOCRLabel's "lock box", GUI.md): the boxes of a fixed-layout form, placed on
every next image that has none, then read.

Lock the selected boxes (or all of the page's) once; each image shown afterwards that nobody has annotated yet
(no annotation file, no autosave, not marked done) gets copies of them at the same places, without text, and the
engine reads them, as Paste Boxes then Ctrl+Shift+R would: two undo steps, the reading and the placing. Images with
annotations, those whose annotation could not be read, and the image the boxes came from are left as they are. An
image left before its boxes were read has them read when it is shown again. Unlock to stop.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from app.editor import Editor
from app.session import Session
from ocr_core.document import Word

__all__ = ["BoxLock"]


class BoxLock(QObject):
    """Holds the locked boxes and places them on the images shown next."""

    lockedChanged = Signal(bool)

    def __init__(self, editor: Editor, session: Session, read_boxes: Callable[[], object],
                 message: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.session = session
        self.read_boxes = read_boxes
        self.message = message
        self._words: list[Word] = []
        self._source: str | None = None
        self._placed: set[str] = set()  # images given locked boxes (read again if left before the reading landed)

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
        """Place the locked boxes on the current page when nobody has annotated its image yet, and read them;
        read them again when the page still holds only unread placed boxes. Returns the new boxes' ids."""
        page = self.editor.model.page
        if not self._words or not page.image_path or page.image_path == self._source:
            return []
        if page.words:
            if page.image_path in self._placed and all(not w.text and not w.ignore for w in page.words):
                self.message("Reading the locked boxes placed here before")
                self.read_boxes()
            return []
        if not self._unannotated(page.image_path) or page.checked:
            return []
        ids = self.editor.place_copies(self._words, label="Place locked")
        if ids:
            self._placed.add(page.image_path)
            self.message(f"Placed {len(ids)} locked box{'es' if len(ids) != 1 else ''}; reading them (Ctrl+Z "
                         "undoes the reading, then the placing)")
            self.read_boxes()
        else:
            self.message("The locked boxes fall outside this image")
        return ids

    def _unannotated(self, image_path: str) -> bool:
        """No annotation file and no autosave: also false when they exist but could not be read (the empty page
        on screen then stands for work that must not be saved over)."""
        store = self.session.store
        if store is None or self.session.is_blocked:
            return False
        try:
            return not (store.annotation_path(image_path).exists() or store.autosave_path(image_path).exists())
        except (OSError, ValueError):
            return False
