"""The review queue (F3): the words the model read with low confidence that nobody has corrected, folder-wide.

On each page, F3 visits the low-confidence words once, in reading order, starting after the word selected when
the page's review began and coming round to the ones before it; then it goes on to the next image (not marked
done) that still has such a word, by the folder's annotation index. Words corrected meanwhile (text typed by a
person, ``###``) drop out. When no other image has any, the page's own queue starts again from the top.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from app.document_model import DocumentModel
from app.selection import SelectionModel
from app.session import Session
from ocr_core.document import Page
from ocr_core.hand_made import needs_review

__all__ = ["ReviewQueue"]


class ReviewQueue(QObject):
    """F3 over a session; ``message`` reports when it moves to another image or finds nothing."""

    def __init__(self, session: Session, model: DocumentModel, selection: SelectionModel,
                 threshold: Callable[[], float], message: Callable[[str], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session, self.model, self.selection = session, model, selection
        self.threshold, self.message = threshold, message
        self._page: Page | None = None
        self._queue: list[str] = []

    def _start_page(self, after: str | None) -> None:
        """The page's queue: its low-confidence words after ``after`` in reading order, then those before it."""
        threshold = self.threshold()
        ids = [w.id for w in self.model.words() if needs_review(w, threshold)]
        order = self.model.word_ids()
        if after in order:
            cut = order.index(after)
            position = {wid: i for i, wid in enumerate(order)}
            ids = [i for i in ids if position[i] > cut] + [i for i in ids if position[i] < cut]
        self._page, self._queue = self.model.page, ids

    def _next_on_page(self) -> str | None:
        threshold = self.threshold()
        while self._queue:
            wid = self._queue.pop(0)
            if self.model.has_word(wid) and needs_review(self.model.word(wid), threshold):
                self.selection.select([wid])
                return wid
        return None

    def next(self) -> str | None:
        """Select the next word to review (see the module docstring); ``None`` when there is none anywhere."""
        if self._page is not self.model.page:
            self._start_page(self.selection.current)
        if (wid := self._next_on_page()) is not None:
            return wid
        left = self.session.current_path
        for _ in range(len(self.session.images)):
            if not self.session.next_to_review(self.threshold()):
                break
            self._start_page(None)
            if (wid := self._next_on_page()) is not None:
                self.message(f"No more words to review on {left.name if left else 'that image'}: on to "
                             f"{self.session.current_path.name if self.session.current_path else 'the next image'}")
                return wid
            # the saved file had some, but the page as reopened (autosaved corrections) has none: look further
        self._start_page(None)  # no other image has any: this page again, from the top
        if (wid := self._next_on_page()) is not None:
            self.message("No other image has words to review: back to the first on this one")
            return wid
        self.message(f"Nothing to review: no word below {self.threshold():.0%} confidence that you have not "
                     "corrected, here or on the images not marked done")
        return None
