"""The "Train" tab. A placeholder until the training issue fills it with the trainer UI."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

__all__ = ["TrainTab"]


class TrainTab(QWidget):
    """Fine-tune the detector and recognizer on the checked images (coming with the training issue)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Train models on your corrected images")
        title.setStyleSheet("font-size: 20px; font-weight: 600;")
        title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        body = QLabel(
            "Fine-tune the detector and the recognizer on the images you marked done, preview synthetic "
            "training data, follow the loss curves, then re-run the improved model over the unchecked "
            "images.\n\nThis tab arrives with the training feature."
        )
        body.setWordWrap(True)
        font = body.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        body.setFont(font)
        body.setStyleSheet("color: #5b616b;")
        column = QVBoxLayout()
        column.addWidget(title)
        column.addSpacing(8)
        column.addWidget(body)
        box = QWidget()
        box.setLayout(column)
        box.setFixedWidth(640)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)
