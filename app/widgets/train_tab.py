"""The "Train" tab. A placeholder until the training issue fills it with the trainer UI."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

__all__ = ["TrainTab"]


class TrainTab(QWidget):
    """Fine-tune the detector and recognizer on the checked images (coming with the training issue)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Train models on your corrected images")
        title.setStyleSheet("font-size: 20px; font-weight: 600;")
        body = QLabel(
            "Fine-tune the detector and the recognizer on the images you marked done, preview synthetic "
            "training data, follow the loss curves, then re-run the improved model over the unchecked "
            "images.\n\nThis tab arrives with the training feature. Until then use "
            "\u201cocr-studio train\u201d on the command line."
        )
        body.setWordWrap(True)
        body.setMaximumWidth(620)
        body.setStyleSheet("color: palette(dark); font-size: 14px;")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(8)
        layout.addWidget(body, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
