"""Review after training: re-run the models in use over the unchecked images and list the words whose
text changed or whose confidence is low; activating one asks to open it in the Annotate tab.

>>> panel = ReviewPanel()                        # doctest: +SKIP
>>> panel.add_items(items)                       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = ["ReviewPanel"]

_LOW = QColor("#c62f34")
_CHANGED = QColor("#b26a00")


class ReviewPanel(QWidget):
    """Threshold, Re-run / Cancel, progress line, and the table of words to review."""

    rerunRequested = Signal(float)
    cancelRequested = Signal()
    wordActivated = Signal(str, str)  # image path, word id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[Any] = []
        intro = QLabel("Re-run the models in use over the images not marked done (their boxes are replaced, as by "
                       "Recognize; images marked done are never touched), then review the words whose text changed "
                       "or whose confidence is low. Click a word to open it in the Annotate tab.")
        intro.setWordWrap(True)
        intro.setStyleSheet("color: #5b616b;")
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setDecimals(2)
        self.threshold.setValue(0.6)
        self.rerun_button = QPushButton("Re-run over unchecked images")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.rerun_button.clicked.connect(lambda: self.rerunRequested.emit(self.threshold.value()))
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.status = QLabel("")
        self.status.setStyleSheet("color: #5b616b;")
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Image", "Read now", "Before", "Confidence", "Why"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.cellClicked.connect(self._on_cell)
        self.table.cellActivated.connect(self._on_cell)

        row = QHBoxLayout()
        row.addWidget(QLabel("Low confidence below"))
        row.addWidget(self.threshold)
        row.addSpacing(12)
        row.addWidget(self.rerun_button)
        row.addWidget(self.cancel_button)
        row.addSpacing(12)
        row.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)

    def set_running(self, running: bool, models: str = "") -> None:
        self.rerun_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        if models and not running:
            self.rerun_button.setToolTip(f"Recognize with {models}")

    def clear(self) -> None:
        self.items = []
        self.table.setRowCount(0)

    def add_items(self, items: Sequence[Any]) -> None:
        """Append review items (``image_path``, ``word_id``, ``text``, ``old_text``, ``confidence``, ``why()``)."""
        for item in items:
            r = self.table.rowCount()
            self.table.insertRow(r)
            self.items.append(item)
            cells = [Path(item.image_path).name, item.text or "\u2014", item.old_text if item.old_text is not None
                     else "", f"{item.confidence:.0%}" if item.confidence is not None else "", item.why()]
            for c, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(item.image_path if c == 0 else text)
                if c == 4:
                    cell.setForeground(_LOW if "low" in item.reasons and "changed" not in item.reasons else _CHANGED)
                self.table.setItem(r, c, cell)

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def _on_cell(self, row: int, _column: int) -> None:
        if 0 <= row < len(self.items):
            item = self.items[row]
            self.wordActivated.emit(str(item.image_path), str(item.word_id))

    def activate_row(self, row: int) -> None:
        """As if the user clicked ``row`` (keyboard and tests)."""
        self.table.selectRow(row)
        self._on_cell(row, 0)
