"""Results of the last run (before/after figures, "Use this model") and every model with its metrics,
to use, rename, delete or export.

>>> panel = ModelsPanel()                                  # doctest: +SKIP
>>> panel.set_models(service.list_model_entries(), ("craft_lite", "crnn_lite"))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = ["ModelsPanel", "ask_new_name", "confirm_delete", "ask_export_path"]

_GOOD, _BAD = QColor("#1d8a55"), QColor("#c62f34")


def ask_new_name(parent: QWidget | None, name: str) -> str | None:
    text, ok = QInputDialog.getText(parent, "Rename model", f"New name for {name}:", text=name)
    return text.strip() if ok and text.strip() else None


def confirm_delete(parent: QWidget | None, name: str) -> bool:
    answer = QMessageBox.question(parent, "Delete model", f"Delete the model {name} and its checkpoints?\n"
                                  "This cannot be undone.")
    return answer == QMessageBox.StandardButton.Yes


def ask_export_path(parent: QWidget | None, name: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Export model", f"{name}.zip", "Zip archive (*.zip)")
    return path or None


def _item(text: str, tooltip: str = "", data: Any = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if tooltip:
        item.setToolTip(tooltip)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    return item


def _table(headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().hide()
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    return table


def _figure(value: float | None, metric: str) -> str:
    if value is None:
        return "\u2014"
    return f"{value:.1%}" if "rate" not in metric.lower() else f"{value:.3f}"


class ModelsPanel(QWidget):
    """The last run's before/after figures and the list of models with their actions."""

    useNewRequested = Signal()
    useRequested = Signal(str, str)  # kind, name
    renameRequested = Signal(str, str)  # name, new name
    deleteRequested = Signal(str)
    exportRequested = Signal(str, str)  # name, destination
    refreshRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: list[Any] = []
        self.in_use: tuple[str | None, str | None] = (None, None)
        self.result_title = QLabel("Train a model to see how it compares with the models in use.")
        self.result_title.setWordWrap(True)
        self.comparison = _table(["Figure", "Before", "After", "Change"])
        self.comparison.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.comparison.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.comparison.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.comparison.horizontalHeader().setStretchLastSection(False)
        self.comparison.hide()
        self.comparison_note = QLabel()
        self.comparison_note.setWordWrap(True)
        self.comparison_note.setStyleSheet("color: #5b616b;")
        self.use_new = QPushButton("Use this model")
        self.use_new.setEnabled(False)
        self.use_new.setStyleSheet(
            "QPushButton { background: #2fb171; color: white; border-radius: 5px; padding: 6px 16px; "
            "font-weight: 600; } QPushButton:disabled { background: #b7dfca; }")
        self.use_new.clicked.connect(self.useNewRequested)
        last = QGroupBox("Last training run")
        last_layout = QVBoxLayout(last)
        last_layout.addWidget(self.result_title)
        last_layout.addWidget(self.comparison)
        last_layout.addWidget(self.comparison_note)
        row = QHBoxLayout()
        row.addWidget(self.use_new)
        row.addStretch(1)
        last_layout.addLayout(row)

        self.table = _table(["Model", "Kind", "Metrics", "Trained", "Folder"])
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _item: self._use_selected())
        self.use_button = QPushButton("Use")
        self.rename_button = QPushButton("Rename\u2026")
        self.delete_button = QPushButton("Delete\u2026")
        self.export_button = QPushButton("Export\u2026")
        self.refresh_button = QPushButton("Refresh")
        self.use_button.clicked.connect(self._use_selected)
        self.rename_button.clicked.connect(self._rename_selected)
        self.delete_button.clicked.connect(self._delete_selected)
        self.export_button.clicked.connect(self._export_selected)
        self.refresh_button.clicked.connect(self.refreshRequested)
        models = QGroupBox("Models")
        models_layout = QVBoxLayout(models)
        models_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        for button in (self.use_button, self.rename_button, self.delete_button, self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        models_layout.addLayout(buttons)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.hide()
        models_layout.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(last)
        layout.addWidget(models, 1)
        self._update_buttons()

    # -- last run -----------------------------------------------------------------------------
    def show_result(self, title: str, comparison: Any | None, can_use: bool) -> None:
        """The run's headline, its before/after figures (an object with ``rows``, ``source``, ``notes``)."""
        self.result_title.setText(title)
        self.use_new.setEnabled(can_use)
        rows = list(comparison.rows) if comparison is not None else []
        self.comparison.setRowCount(len(rows))
        for r, row in enumerate(rows):
            self.comparison.setItem(r, 0, _item(row.metric))
            self.comparison.setItem(r, 1, _item(_figure(row.before, row.metric)))
            self.comparison.setItem(r, 2, _item(_figure(row.after, row.metric)))
            change = _item("")
            if row.before is not None and row.after is not None:
                delta = row.after - row.before
                change.setText(f"{delta:+.1%}" if "rate" not in row.metric.lower() else f"{delta:+.3f}")
                if row.improved is not None:
                    change.setForeground(_GOOD if row.improved else _BAD)
                    font = QFont(change.font())
                    font.setBold(True)
                    change.setFont(font)
            self.comparison.setItem(r, 3, change)
        self.comparison.setVisible(bool(rows))
        height = self.comparison.horizontalHeader().height() + 4
        height += sum(self.comparison.rowHeight(r) for r in range(len(rows)))
        self.comparison.setFixedHeight(height)
        notes = []
        if comparison is not None and comparison.source:
            notes.append(f"Measured on {comparison.source}" + (f" ({comparison.words} words)." if comparison.words
                                                               else "."))
        if comparison is not None:
            notes.extend(comparison.notes)
        self.comparison_note.setText("\n".join(notes))
        self.comparison_note.setVisible(bool(notes))

    def set_status(self, text: str, error: bool = False) -> None:
        """A line under the model list: what an action did, or why it failed."""
        self.status.setStyleSheet(f"color: {'#c62f34' if error else '#1d6b45'};")
        self.status.setText(text)
        self.status.setVisible(bool(text))

    # -- model list ---------------------------------------------------------------------------
    def set_models(self, entries: Sequence[Any], in_use: tuple[str | None, str | None]) -> None:
        """Show model entries (``name``, ``kind``, ``path``, ``user``, ``metrics_text()``, ``trained_text()``)."""
        selected = self.selected()
        self.entries, self.in_use = list(entries), in_use
        self.table.setRowCount(len(self.entries))
        for r, entry in enumerate(self.entries):
            used = entry.name in in_use or Path(str(entry.path)).name in [Path(str(u)).name for u in in_use if u]
            name = _item(entry.name + ("   \u2022 in use" if used else ""), entry.description, entry.name)
            if used:
                font = QFont(name.font())
                font.setBold(True)
                name.setFont(font)
            self.table.setItem(r, 0, name)
            self.table.setItem(r, 1, _item(entry.kind))
            self.table.setItem(r, 2, _item(entry.metrics_text() or "\u2014"))
            self.table.setItem(r, 3, _item(entry.trained_text() or "\u2014"))
            self.table.setItem(r, 4, _item(str(entry.path), str(entry.path)))
            if selected is not None and entry.name == selected.name:
                self.table.selectRow(r)
        self._update_buttons()

    def selected(self) -> Any | None:
        rows = {i.row() for i in self.table.selectedItems()}
        return self.entries[rows.pop()] if len(rows) == 1 and self.entries else None

    def select_model(self, name: str) -> None:
        for r, entry in enumerate(self.entries):
            if entry.name == name:
                self.table.selectRow(r)

    def _update_buttons(self) -> None:
        entry = self.selected()
        self.use_button.setEnabled(entry is not None)
        self.export_button.setEnabled(entry is not None)
        owned = entry is not None and bool(entry.user)
        self.rename_button.setEnabled(owned)
        self.delete_button.setEnabled(owned)
        tip = "" if owned or entry is None else "Models that come with the application cannot be changed"
        self.rename_button.setToolTip(tip)
        self.delete_button.setToolTip(tip)

    def _use_selected(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.useRequested.emit(entry.kind, entry.name)

    def _rename_selected(self) -> None:
        entry = self.selected()
        if entry is not None and (new := ask_new_name(self, entry.name)) and new != entry.name:
            self.renameRequested.emit(entry.name, new)

    def _delete_selected(self) -> None:
        entry = self.selected()
        if entry is not None and confirm_delete(self, entry.name):
            self.deleteRequested.emit(entry.name)

    def _export_selected(self) -> None:
        entry = self.selected()
        if entry is not None and (dest := ask_export_path(self, entry.name)):
            self.exportRequested.emit(entry.name, dest)
