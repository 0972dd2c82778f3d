"""The synthetic-data preview: a grid of detector pages (character and word boxes toggleable) or
recognizer crops with their labels, above a small toolbar.

>>> panel = PreviewPanel()                 # doctest: +SKIP
>>> panel.set_samples(service.synth_preview(settings))   # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen, QPolygonF, QResizeEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

__all__ = ["PreviewPanel", "SampleGrid", "to_qimage"]

CHAR_COLOR = QColor("#f08c00")
WORD_COLOR = QColor("#2fb171")
_GAP = 14
_CAPTION = 22


def to_qimage(array: np.ndarray) -> QImage:
    """A deep-copied QImage of a uint8 gray ``(H, W[, 1])`` or RGB ``(H, W, 3)`` array."""
    data = np.ascontiguousarray(array)
    if data.ndim == 3 and data.shape[2] == 1:
        data = np.ascontiguousarray(data[..., 0])
    if data.dtype != np.uint8:
        data = np.clip(data, 0, 255).astype(np.uint8)
    h, w = data.shape[:2]
    if data.ndim == 2:
        return QImage(data.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    rgb = np.ascontiguousarray(data[..., :3])
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class _Tile:
    def __init__(self, sample: Any) -> None:
        self.image = to_qimage(sample.image)
        self.chars = [(QPolygonF([QPointF(float(x), float(y)) for x, y in np.asarray(q)]), c) for q, c in sample.chars]
        self.words = [(QPolygonF([QPointF(float(x), float(y)) for x, y in np.asarray(q)]), t) for q, t in sample.words]
        self.kind = sample.kind
        if sample.kind == "recognizer":
            self.caption = sample.text
        else:
            n = len(sample.words)
            self.caption = f"{n} word{'s' if n != 1 else ''} \u00b7 {len(sample.chars)} characters"


class SampleGrid(QWidget):
    """Tiles of samples, as many columns as fit; boxes drawn over pages when enabled."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles: list[_Tile] = []
        self.show_chars = True
        self.show_words = True

    def set_samples(self, samples: Sequence[Any]) -> None:
        self.tiles = [_Tile(s) for s in samples]
        self._relayout()
        self.update()

    def set_show(self, chars: bool, words: bool) -> None:
        self.show_chars, self.show_words = chars, words
        self.update()

    def _geometry(self, width: int) -> tuple[int, float, float]:
        """(columns, tile width, image height) for the current tiles at ``width``."""
        if not self.tiles:
            return 1, 0.0, 0.0
        first = self.tiles[0].image
        aspect = first.height() / max(1, first.width())
        target = 250 if self.tiles[0].kind == "detector" else max(160, min(300, int(first.width() * 1.6)))
        columns = max(1, min(len(self.tiles), (width - _GAP) // (target + _GAP)))
        tile_w = (width - _GAP * (columns + 1)) / columns
        return columns, tile_w, tile_w * aspect

    def _relayout(self) -> None:
        columns, _, image_h = self._geometry(self.width())
        rows = math.ceil(len(self.tiles) / columns) if self.tiles else 0
        self.setMinimumHeight(int(rows * (image_h + _CAPTION + _GAP) + _GAP))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        columns, tile_w, image_h = self._geometry(self.width())
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        for i, tile in enumerate(self.tiles):
            row, col = divmod(i, columns)
            left = _GAP + col * (tile_w + _GAP)
            top = _GAP + row * (image_h + _CAPTION + _GAP)
            target = QRectF(left, top, tile_w, image_h)
            painter.fillRect(target.adjusted(-1, -1, 1, 1), QColor("#d8dbe0"))
            painter.drawImage(target, tile.image)
            scale = tile_w / max(1, tile.image.width())
            painter.save()
            painter.translate(left, top)
            painter.scale(scale, scale)
            if tile.kind == "detector" and self.show_chars:
                painter.setPen(QPen(CHAR_COLOR, 1.0 / scale))
                for polygon, _ in tile.chars:
                    painter.drawPolygon(polygon)
            if tile.kind == "detector" and self.show_words:
                painter.setPen(QPen(WORD_COLOR, 2.0 / scale))
                for polygon, _ in tile.words:
                    painter.drawPolygon(polygon)
            painter.restore()
            painter.setPen(QColor("#3a3f47"))
            painter.setFont(mono if tile.kind == "recognizer" else self.font())
            caption = painter.fontMetrics().elidedText(tile.caption, Qt.TextElideMode.ElideRight, int(tile_w))
            painter.drawText(QRectF(left, top + image_h + 2, tile_w, _CAPTION - 2),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, caption)
        painter.end()


class PreviewPanel(QWidget):
    """Mode buttons (pages / crops), box toggles, "New samples", status line, and the grid."""

    modeChanged = Signal(str)
    reshuffleRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pages_button = QToolButton()
        self.pages_button.setText("Detector pages")
        self.crops_button = QToolButton()
        self.crops_button.setText("Recognizer crops")
        self.modes = QButtonGroup(self)
        for button, mode in ((self.pages_button, "detector"), (self.crops_button, "recognizer")):
            button.setCheckable(True)
            button.setProperty("mode", mode)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self.modes.addButton(button)
        self.pages_button.setChecked(True)
        self.modes.buttonClicked.connect(lambda b: self.modeChanged.emit(str(b.property("mode"))))
        self.chars_box = QCheckBox("Character boxes")
        self.words_box = QCheckBox("Word boxes")
        for box in (self.chars_box, self.words_box):
            box.setChecked(True)
            box.toggled.connect(self._on_toggle)
        self.new_button = QPushButton("New samples")
        self.new_button.setToolTip("Draw other samples with the same settings")
        self.new_button.clicked.connect(self.reshuffleRequested)
        self.status = QLabel()
        self.status.setStyleSheet("color: #5b616b;")
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.grid = SampleGrid()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_area = scroll

        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(self.pages_button)
        bar.addWidget(self.crops_button)
        bar.addSpacing(12)
        bar.addWidget(self.chars_box)
        bar.addWidget(self.words_box)
        bar.addSpacing(12)
        bar.addWidget(self.new_button)
        bar.addStretch(1)
        bar.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)
        self._update_toggles()

    @property
    def mode(self) -> str:
        return "recognizer" if self.crops_button.isChecked() else "detector"

    def set_mode(self, mode: str) -> None:
        (self.crops_button if mode == "recognizer" else self.pages_button).setChecked(True)
        self._update_toggles()

    def _on_toggle(self) -> None:
        self.grid.set_show(self.chars_box.isChecked(), self.words_box.isChecked())

    def _update_toggles(self) -> None:
        pages = self.mode == "detector"
        self.chars_box.setEnabled(pages)
        self.words_box.setEnabled(pages)

    def set_busy(self, text: str = "Rendering samples\u2026") -> None:
        self.status.setText(text)

    def set_samples(self, samples: Sequence[Any], seconds: float | None = None) -> None:
        self.banner.hide()
        self._update_toggles()
        self.grid.set_samples(samples)
        kind = "pages" if self.mode == "detector" else "crops"
        self.status.setText(f"{len(samples)} {kind}" + (f" \u00b7 {seconds:.1f} s" if seconds is not None else ""))

    def show_error(self, message: str) -> None:
        """Replace the samples with a message saying what to change."""
        self.grid.set_samples([])
        self.banner.setText(message)
        self.banner.show()
        self.status.setText("No preview")
