"""Word list dock: number, text, confidence and illegible flag of every word, in reading order.

Its selection follows the canvas (both share a :class:`~app.selection.SelectionModel`). Editing a
cell does not change the page: it emits ``textEdited`` / ``ignoreToggled`` and the editor pushes
an undo command; the table then updates from the document model's signals.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.document_model import DocumentModel
from app.selection import SelectionModel
from app.widgets.theme import ConfidenceScale
from ocr_core.hand_made import needs_review

__all__ = ["WordTableModel", "WordList", "COLUMNS"]

COLUMNS = ("#", "Text", "Conf.", "###")
_NUM, _TEXT, _CONF, _IGNORE = range(4)
_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.DecorationRole,
                    Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.CheckStateRole,
                    Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.ToolTipRole})


class WordTableModel(QAbstractTableModel):
    """Table adapter over a :class:`DocumentModel` (read-only; edits become signals)."""

    textEdited = Signal(str, str)
    ignoreToggled = Signal(str, bool)

    def __init__(self, model: DocumentModel, scale: ConfidenceScale | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._scale = scale or ConfidenceScale()
        self._ids: list[str] = model.word_ids()
        model.pageReset.connect(self._reset)
        model.orderChanged.connect(self._reset)
        model.wordsAdded.connect(self._reset)
        model.wordsRemoved.connect(self._reset)
        model.wordChanged.connect(self._on_changed)

    def word_id(self, row: int) -> str:
        return self._ids[row]

    def row_of(self, word_id: str) -> int:
        return self._ids.index(word_id)

    def _reset(self, *_: Any) -> None:
        self.beginResetModel()
        self._ids = self._model.word_ids()
        self.endResetModel()

    def _on_changed(self, word_id: str) -> None:
        if word_id in self._ids:
            row = self._ids.index(word_id)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return ("Reading order", "Transcription (double-click to edit)", "Recognition confidence",
                    "Illegible: ignored by training")[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid():  # views ask for many roles: answer the rest fast
            return None
        word = self._model.word(self._ids[index.row()])
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == _NUM:
                return index.row() + 1
            if col == _TEXT:
                return word.label
            if col == _CONF:
                return "\u2014" if word.confidence is None else f"{word.confidence:.0%}"
        elif role == Qt.ItemDataRole.EditRole and col == _TEXT:
            return word.label
        elif role == Qt.ItemDataRole.DecorationRole and col == _NUM:
            return self._scale.color(word.confidence, word.ignore)
        elif role == Qt.ItemDataRole.ForegroundRole and col == _CONF:
            return self._scale.color(word.confidence, word.ignore).darker(115)
        elif role == Qt.ItemDataRole.ForegroundRole and col == _TEXT and word.ignore:
            return QColor("#8a8f98")
        elif role == Qt.ItemDataRole.CheckStateRole and col == _IGNORE:
            return Qt.CheckState.Checked if word.ignore else Qt.CheckState.Unchecked
        elif role == Qt.ItemDataRole.TextAlignmentRole and col in (_NUM, _CONF):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        elif role == Qt.ItemDataRole.ToolTipRole:
            return f"{word.label or '(no text)'}"
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == _TEXT:
            return base | Qt.ItemFlag.ItemIsEditable
        if index.column() == _IGNORE:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid():
            return False
        word_id = self._ids[index.row()]
        if index.column() == _TEXT and role == Qt.ItemDataRole.EditRole:
            self.textEdited.emit(word_id, str(value))
            return True
        if index.column() == _IGNORE and role == Qt.ItemDataRole.CheckStateRole:
            checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2)
            self.ignoreToggled.emit(word_id, bool(checked))
            return True
        return False


class WordList(QWidget):
    """The word table plus a one-line summary; keeps its selection in sync with the canvas."""

    def __init__(self, model: DocumentModel, selection: SelectionModel, scale: ConfidenceScale | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc = model
        self._selection = selection
        self._scale = scale or ConfidenceScale()
        self.table_model = WordTableModel(model, self._scale, self)
        self.summary = QLabel()
        self.summary.setContentsMargins(6, 2, 6, 2)
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row size scans: big pages stay fast
        header.setSectionResizeMode(_TEXT, QHeaderView.ResizeMode.Stretch)
        digits = self.fontMetrics().horizontalAdvance("0000")
        for col, width in ((_NUM, digits + 30), (_CONF, digits + 16), (_IGNORE, 40)):
            header.resizeSection(col, width)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)

        self._syncing = False
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection)
        self.table_model.modelReset.connect(self._apply_selection)
        self.table_model.modelReset.connect(self._update_summary)
        self.table_model.dataChanged.connect(self._update_summary)
        selection.changed.connect(self._apply_selection)
        self._update_summary()

    def commit_text_edit(self) -> None:
        """Commit the text being typed in the table, if any: the editor's focus-out hands it to the model."""
        if self.table.state() == QAbstractItemView.State.EditingState:
            focused = QApplication.focusWidget()
            if focused is not None and self.table.isAncestorOf(focused):
                focused.clearFocus()

    def _on_table_selection(self, *_: QItemSelection) -> None:
        if self._syncing:
            return
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        current = self.table.currentIndex()
        ids = [self.table_model.word_id(r) for r in rows]
        current_id = self.table_model.word_id(current.row()) if current.isValid() else None
        self._selection.select(ids, current_id)

    def _apply_selection(self) -> None:
        self._syncing = True
        try:
            sel_model = self.table.selectionModel()
            selection = QItemSelection()
            for word_id in self._selection.ids():
                row = self.table_model.row_of(word_id)
                selection.select(self.table_model.index(row, 0),
                                 self.table_model.index(row, len(COLUMNS) - 1))
            sel_model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            current = self._selection.current
            if current is not None and self._doc.has_word(current):
                index = self.table_model.index(self.table_model.row_of(current), _TEXT)
                sel_model.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
                self.table.scrollTo(index)
        finally:
            self._syncing = False

    def _update_summary(self, *_: Any) -> None:
        words = self._doc.words()
        review = sum(1 for w in words if needs_review(w, self._scale.high))
        ignored = sum(1 for w in words if w.ignore)
        parts = [f"{len(words)} word{'s' if len(words) != 1 else ''}"]
        if review:
            parts.append(f"{review} to review (F3)")
        if ignored:
            parts.append(f"{ignored} illegible")
        self.summary.setText(" \u00b7 ".join(parts))
