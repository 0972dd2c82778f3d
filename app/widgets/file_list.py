"""File list dock: the images of the open folder with lazily loaded thumbnails and done marks.

Thumbnails are asked for (``thumbnailsWanted``) only for rows that are visible; whoever decodes
them (:class:`app.workers.ThumbnailLoader`) hands them back through :meth:`FileList.set_thumbnail`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

__all__ = ["FileList", "THUMB_SIZE"]

THUMB_SIZE = 56
_PATH_ROLE = Qt.ItemDataRole.UserRole + 1
_DONE_ROLE = Qt.ItemDataRole.UserRole + 2
_UNSAVED_ROLE = Qt.ItemDataRole.UserRole + 3


class _DoneDelegate(QStyledItemDelegate):
    """Draws a green check badge on rows whose image is done, and an orange dot on rows with unsaved edits."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        super().paint(painter, option, index)
        rect: QRect = option.rect  # type: ignore[attr-defined]
        if index.data(_UNSAVED_ROLE):
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#e8912d"))
            painter.drawEllipse(QRect(rect.left() + 4, rect.top() + 4, 10, 10))
            painter.restore()
        if not index.data(_DONE_ROLE):
            return
        size = 18
        badge = QRect(rect.right() - size - 8, rect.center().y() - size // 2, size, size)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#2fb171"))
        painter.drawEllipse(badge)
        pen = QPen(QColor("white"), 2.2)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        x, y = badge.x(), badge.y()
        painter.drawPolyline([QPoint(x + 5, y + 9), QPoint(x + 8, y + 12), QPoint(x + 13, y + 6)])
        painter.restore()


def _placeholder() -> QIcon:
    pixmap = QPixmap(THUMB_SIZE, THUMB_SIZE)
    pixmap.fill(QColor("#e4e6ea"))
    return QIcon(pixmap)


class FileList(QWidget):
    """Images of the session; ``activated(row)`` when the user picks one."""

    activated = Signal(int)
    thumbnailsWanted = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("No images")
        self.summary.setContentsMargins(6, 2, 6, 2)
        self.list = QListWidget()
        self.list.setIconSize(QSize(THUMB_SIZE, THUMB_SIZE))
        self.list.setUniformItemSizes(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setItemDelegate(_DoneDelegate(self.list))
        self.list.setSpacing(1)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.summary)
        layout.addWidget(self.list)
        self._requested: set[str] = set()
        self._have: set[str] = set()
        self._rows: dict[str, int] = {}
        self._updating = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(30)
        self._timer.timeout.connect(self._request_visible)
        self.list.verticalScrollBar().valueChanged.connect(self._timer.start)
        self.list.currentRowChanged.connect(self._on_row)

    @property
    def wanted_pending(self) -> bool:
        """True while visible rows still wait for a thumbnail."""
        return bool(self._requested - self._have) or self._timer.isActive()

    def set_images(self, paths: Sequence[str], done: Sequence[bool] | None = None) -> None:
        self._updating = True
        self.list.clear()
        self._requested.clear()
        self._have.clear()
        self._rows = {}
        placeholder = _placeholder()
        for row, path in enumerate(paths):
            item = QListWidgetItem(placeholder, Path(path).name)
            item.setData(_PATH_ROLE, path)
            item.setData(_DONE_ROLE, bool(done[row]) if done else False)
            item.setToolTip(path)
            item.setSizeHint(QSize(10, THUMB_SIZE + 8))
            self.list.addItem(item)
            self._rows[path] = row
        self._updating = False
        self._update_summary()
        self._timer.start()

    def set_current(self, row: int) -> None:
        self._updating = True
        self.list.setCurrentRow(row)
        self._updating = False
        item = self.list.item(row)
        if item is not None:
            self.list.scrollToItem(item)

    def set_done(self, path: str, done: bool) -> None:
        row = self._rows.get(path)
        if row is not None:
            self.list.item(row).setData(_DONE_ROLE, bool(done))
            self._update_summary()

    def set_unsaved(self, path: str, unsaved: bool) -> None:
        """Mark a row whose image has edits that only its autosave holds (they come back when it is opened)."""
        row = self._rows.get(path)
        if row is None or bool(self.list.item(row).data(_UNSAVED_ROLE)) == unsaved:
            return
        item = self.list.item(row)
        item.setData(_UNSAVED_ROLE, unsaved)
        item.setToolTip(path + ("\nEdits not saved yet (kept in its autosave): open it to get them back, then save"
                                if unsaved else ""))
        self._update_summary()

    def is_unsaved(self, row: int) -> bool:
        return bool(self.list.item(row).data(_UNSAVED_ROLE))

    def is_done(self, row: int) -> bool:
        return bool(self.list.item(row).data(_DONE_ROLE))

    def set_thumbnail(self, path: str, image: QImage) -> None:
        row = self._rows.get(path)
        self._have.add(path)
        if row is None or image.isNull():
            return
        canvas = QPixmap(THUMB_SIZE, THUMB_SIZE)
        canvas.fill(Qt.GlobalColor.transparent)
        painter = QPainter(canvas)
        thumb = QPixmap.fromImage(image).scaled(THUMB_SIZE, THUMB_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                                Qt.TransformationMode.SmoothTransformation)
        painter.drawPixmap((THUMB_SIZE - thumb.width()) // 2, (THUMB_SIZE - thumb.height()) // 2, thumb)
        painter.end()
        self.list.item(row).setIcon(QIcon(canvas))

    def _on_row(self, row: int) -> None:
        if not self._updating and row >= 0:
            self.activated.emit(row)

    def _update_summary(self) -> None:
        total = self.list.count()
        done = sum(1 for r in range(total) if self.list.item(r).data(_DONE_ROLE))
        unsaved = sum(1 for r in range(total) if self.list.item(r).data(_UNSAVED_ROLE))
        self.summary.setText(f"{total} image{'s' if total != 1 else ''} \u00b7 {done} done"
                             + (f" \u00b7 {unsaved} with unsaved edits" if unsaved else "") if total else "No images")

    def _request_visible(self) -> None:
        if not self.list.count():
            return
        viewport = self.list.viewport().rect()
        first = self.list.indexAt(viewport.topLeft()).row()
        last = self.list.indexAt(viewport.bottomLeft()).row()
        first = max(first, 0)
        last = self.list.count() - 1 if last < 0 else last
        wanted = []
        for row in range(first, min(last + 2, self.list.count())):
            path = self.list.item(row).data(_PATH_ROLE)
            if path not in self._requested:
                self._requested.add(path)
                wanted.append(path)
        if wanted:
            self.thumbnailsWanted.emit(wanted)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._timer.start()
