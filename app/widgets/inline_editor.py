"""The in-place text editor the canvas shows under a box (double-click, Enter or F2).

Enter or leaving the field commits, Escape cancels, Tab / Shift+Tab commit and move on to the
next / previous word.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

__all__ = ["InlineEditor"]


class InlineEditor(QLineEdit):
    """A floating line edit bound to one word id while open."""

    committed = Signal(str, str)
    stepRequested = Signal(str, int)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.word_id: str | None = None
        self.setPlaceholderText("Text of this box (### = illegible)")
        self.setStyleSheet(
            "QLineEdit { background: white; color: #111; border: 2px solid #3d7eff; border-radius: 4px;"
            " padding: 3px 6px; font-size: 14px; }"
        )
        self.hide()

    def open(self, word_id: str, text: str, x: int, y: int, width: int) -> None:
        self.word_id = word_id
        self.setText(text)
        self.place(x, y, width)
        self.show()
        self.raise_()
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.selectAll()

    def place(self, x: int, y: int, width: int) -> None:
        parent = self.parentWidget()
        height = self.sizeHint().height()
        if parent is not None:
            x = max(0, min(x, parent.width() - width))
            y = max(0, min(y, parent.height() - height))
        self.setGeometry(int(x), int(y), int(width), height)

    def cancel(self) -> None:
        self.word_id = None
        if self.isVisible():
            self.hide()

    def commit(self) -> None:
        word_id, self.word_id = self.word_id, None
        self.hide()
        if word_id is not None:
            self.committed.emit(word_id, self.text())

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            word_id = self.word_id
            step = -1 if event.key() == Qt.Key.Key_Backtab else 1
            self.commit()
            if word_id is not None:
                self.stepRequested.emit(word_id, step)
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancel()
            parent = self.parentWidget()
            view = parent.parentWidget() if parent is not None else None
            if view is not None:
                view.setFocus()  # back to the canvas (the editor lives on its viewport)
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.commit()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        if self.word_id is not None and event.reason() != Qt.FocusReason.PopupFocusReason:
            self.commit()
