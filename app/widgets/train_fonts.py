"""Small pickers of the training tab: font families with counts and a filter, and folder lists.

>>> picker = FontPicker()                         # doctest: +SKIP
>>> picker.set_families([FontFamily("DejaVu Sans", ["/f/DejaVuSans.ttf"])])   # doctest: +SKIP
>>> picker.selected_fonts()                       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

__all__ = ["FontPicker", "FolderList", "ask_folder"]


def ask_folder(parent: QWidget | None, title: str, start: str = "") -> str | None:
    """A folder chooser (a plain function so tests can replace it)."""
    return QFileDialog.getExistingDirectory(parent, title, start) or None


_COUNT_ROLE = Qt.ItemDataRole.UserRole + 1


class _CountDelegate(QStyledItemDelegate):
    """Draws the family's number of font files right-aligned in grey."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        super().paint(painter, option, index)
        count = index.data(_COUNT_ROLE)
        if count is None:
            return
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        painter.save()
        painter.setPen(option.palette.highlightedText().color() if selected else QColor("#8a8f98"))  # type: ignore[attr-defined]
        rect = option.rect.adjusted(0, 0, -8, 0)  # type: ignore[attr-defined]
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), str(count))
        painter.restore()


class FontPicker(QWidget):
    """Checkable font families ("DejaVu Sans  6"), a filter, All/None; ``changed`` on any tick.

    Families unticked by the user stay unticked when the list is refreshed (e.g. another alphabet).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.families: list[Any] = []
        self._unticked: set[str] = set()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter families\u2026")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.list = QListWidget()
        self.list.setMinimumHeight(130)
        self.list.setUniformItemSizes(True)
        self.list.setItemDelegate(_CountDelegate(self.list))
        self.list.itemChanged.connect(self._on_item)
        self.count = QLabel("Looking for fonts\u2026")
        self.count.setStyleSheet("color: #5b616b;")
        self.all_button = QPushButton("All")
        self.none_button = QPushButton("None")
        for button in (self.all_button, self.none_button):
            button.setFixedWidth(56)
        self.all_button.clicked.connect(lambda: self._tick_visible(True))
        self.none_button.clicked.connect(lambda: self._tick_visible(False))
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.filter, 1)
        row.addWidget(self.all_button)
        row.addWidget(self.none_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.list)
        layout.addWidget(self.count)

    def set_families(self, families: Sequence[Any]) -> None:
        """Show ``families`` (objects with ``name``, ``paths`` and ``count``)."""
        self.families = list(families)
        self.list.blockSignals(True)
        self.list.clear()
        for family in self.families:
            item = QListWidgetItem(family.name)
            item.setData(Qt.ItemDataRole.UserRole, family.name)
            item.setData(_COUNT_ROLE, family.count)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked if family.name in self._unticked else Qt.CheckState.Checked)
            item.setToolTip("\n".join(family.paths[:8]) + ("\n\u2026" if family.count > 8 else ""))
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._apply_filter(self.filter.text())
        self._update_count()

    def show_message(self, text: str) -> None:
        self.families = []
        self.list.clear()
        self.count.setText(text)

    def selected_fonts(self) -> list[str] | None:
        """Font files of the ticked families; ``None`` when every family is ticked (or none listed yet)."""
        if not self.families or not any(f.name in self._unticked for f in self.families):
            return None
        return [p for f in self.families if f.name not in self._unticked for p in f.paths]

    def _on_item(self, item: QListWidgetItem) -> None:
        name = str(item.data(Qt.ItemDataRole.UserRole))
        if item.checkState() == Qt.CheckState.Checked:
            self._unticked.discard(name)
        else:
            self._unticked.add(name)
        self._update_count()
        self.changed.emit()

    def _tick_visible(self, tick: bool) -> None:
        self.list.blockSignals(True)
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.isHidden():
                continue
            name = str(item.data(Qt.ItemDataRole.UserRole))
            item.setCheckState(Qt.CheckState.Checked if tick else Qt.CheckState.Unchecked)
            (self._unticked.discard if tick else self._unticked.add)(name)
        self.list.blockSignals(False)
        self._update_count()
        self.changed.emit()

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(needle) and needle not in str(item.data(Qt.ItemDataRole.UserRole)).lower())

    def _update_count(self) -> None:
        ticked = [f for f in self.families if f.name not in self._unticked]
        files = sum(f.count for f in ticked)
        self.count.setText(f"{len(ticked)} of {len(self.families)} families \u00b7 {files:,} font files")


class FolderList(QWidget):
    """A short list of folders with Add\u2026 and Remove; ``changed`` after either.

    ``describe(path)`` may return a suffix shown after the path (e.g. the annotation format) or raise
    ``ValueError`` with a message to refuse the folder.
    """

    changed = Signal()
    refused = Signal(str)

    def __init__(self, title: str, add_text: str = "Add folder\u2026",
                 describe: Callable[[str], str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.describe = describe
        self.list = QListWidget()
        self.list.setMaximumHeight(64)
        self.add_button = QPushButton(add_text)
        self.remove_button = QPushButton("Remove")
        self.add_button.clicked.connect(self._add_clicked)
        self.remove_button.clicked.connect(self._remove_clicked)
        self.list.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.list.selectedItems())))
        self.remove_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self._update_visibility()

    def folders(self) -> list[str]:
        return [str(self.list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.list.count())]

    def entries(self) -> list[tuple[str, str]]:
        """``(folder, description)`` pairs."""
        return [(str(self.list.item(i).data(Qt.ItemDataRole.UserRole)),
                 str(self.list.item(i).data(Qt.ItemDataRole.UserRole + 1) or "")) for i in range(self.list.count())]

    def add_folder(self, folder: str) -> bool:
        """Add ``folder`` (ignored when already listed); False when ``describe`` refuses it."""
        if folder in self.folders():
            return False
        try:
            suffix = self.describe(folder) if self.describe is not None else ""
        except ValueError as exc:
            self.refused.emit(str(exc))
            return False
        item = QListWidgetItem(f"{folder}" + (f"   \u00b7 {suffix}" if suffix else ""))
        item.setData(Qt.ItemDataRole.UserRole, folder)
        item.setData(Qt.ItemDataRole.UserRole + 1, suffix)
        item.setToolTip(folder)
        self.list.addItem(item)
        self._update_visibility()
        self.changed.emit()
        return True

    def _add_clicked(self) -> None:
        folder = ask_folder(self, self.title)
        if folder:
            self.add_folder(folder)

    def _remove_clicked(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self._update_visibility()
        self.changed.emit()

    def _update_visibility(self) -> None:
        self.list.setVisible(self.list.count() > 0)
