"""Status bar pieces: engine state, job progress with Cancel, zoom, and the confidence legend."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from app.widgets.theme import CATEGORY_COLORS, ConfidenceScale

__all__ = ["EngineIndicator", "JobProgress", "Legend"]

_STATE_COLORS = {"idle": "#8a8f98", "loading": "#f0a020", "ready": "#2fb171", "error": "#e5484d"}


def _dot(color: QColor | str, size: int = 10) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawEllipse(0, 0, size, size)
    painter.end()
    return pixmap


def _swatch(color: QColor, size: int = 12) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    fill = QColor(color)
    fill.setAlpha(90)
    painter.setBrush(fill)
    painter.setPen(color)
    painter.drawRect(0, 0, size - 1, size - 1)
    painter.end()
    return pixmap


class EngineIndicator(QWidget):
    """A coloured dot and a line of text: models loading / ready / failed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dot = QLabel()
        self.text = QLabel()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setFixedWidth(60)
        self.busy.setFixedHeight(10)
        self.busy.setTextVisible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(4)
        layout.addWidget(self.dot)
        layout.addWidget(self.text)
        layout.addWidget(self.busy)
        self.set_state("idle", "Models not loaded")

    def set_state(self, state: str, message: str) -> None:
        self.state = state
        self.dot.setPixmap(_dot(_STATE_COLORS.get(state, "#8a8f98")))
        self.text.setText(message if len(message) < 90 else message[:87] + "\u2026")
        self.setToolTip(message)
        self.busy.setVisible(state == "loading")


class JobProgress(QWidget):
    """Progress of the running job with a Cancel button; hidden while nothing runs."""

    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setFixedWidth(180)
        self.bar.setFixedHeight(14)
        self.bar.setTextVisible(True)
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop the running recognition (Esc in the dialog-free window)")
        self.cancel.clicked.connect(self.cancelRequested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(6)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.hide()

    def set_progress(self, done: int, total: int, message: str) -> None:
        """``total`` 0 = unknown length, -1 = finished (hide)."""
        if total < 0:
            self.hide()
            return
        self.show()
        if message:
            self.label.setText(message)
        if total == 0:
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
            self.bar.setFormat(f"{done}/{total}")


class Legend(QWidget):
    """Box colours: confidence bands, boxes drawn or corrected by hand, illegible boxes."""

    def __init__(self, scale: ConfidenceScale | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(3)
        self._labels: dict[str, QLabel] = {}
        for key in ("high", "medium", "low", "manual", "ignored"):
            swatch = QLabel()
            swatch.setPixmap(_swatch(CATEGORY_COLORS[key]))
            text = QLabel()
            text.setStyleSheet("padding-right: 6px;")
            layout.addWidget(swatch)
            layout.addWidget(text)
            self._labels[key] = text
        self.set_scale(scale or ConfidenceScale())

    def set_scale(self, scale: ConfidenceScale) -> None:
        for key, text in scale.labels().items():
            self._labels[key].setText(text)
        self.setToolTip("Box colours: recognition confidence; boxes drawn, typed or corrected by hand (kept when "
                        "the image is recognized again); illegible (###) boxes")
