"""The dataset (synthetic amounts, the open folder's checked images, annotation folders, split, checks)
and the run settings (what to train, starting weights, epochs, patience, batch size, learning rate,
frozen backbone) with Start and Stop.

>>> form = RunForm()                    # doctest: +SKIP
>>> form.tasks(), form.epochs.value()   # doctest: +SKIP
(('recognizer',), 10)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.widgets.train_fonts import FolderList

__all__ = ["DatasetForm", "RunForm", "describe_annotations"]

_TASKS = {"Recognizer": ("recognizer",), "Detector": ("detector",), "Detector and recognizer": ("detector", "recognizer")}


def describe_annotations(folder: str) -> str:
    """The annotation format of ``folder`` (shown next to it); ``ValueError`` when it cannot be told."""
    from ocr_core.formats import detect_format

    fmt = detect_format(folder)
    if fmt is None:
        raise ValueError(f"{folder}: no annotations in a known format (ICDAR 2015, PPOCRLabel, labelme, "
                         "COCO-Text, OCR Studio) were found")
    return fmt


def _spin(low: int, high: int, value: int, special: str = "", suffix: str = "") -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setGroupSeparatorShown(True)
    if special:
        box.setSpecialValueText(special)
    if suffix:
        box.setSuffix(suffix)
    return box


def _pair(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(6)
    for widget in widgets:
        layout.addWidget(widget)
    layout.addStretch(1)
    return box


class DatasetForm(QWidget):
    """What the model learns from, and the checks before training (``checkRequested``)."""

    changed = Signal()
    checkRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.synthetic_pages = _spin(0, 1_000_000, 64, "none")
        self.synthetic_crops = _spin(0, 10_000_000, 2048, "none")
        self.synthetic_pages.setToolTip("Synthetic pages per epoch for the detector (0: none)")
        self.synthetic_crops.setToolTip("Synthetic word crops per epoch for the recognizer (0: none)")
        self.use_checked = QCheckBox("Checked images of the open folder")
        self.use_checked.setChecked(True)
        self.checked_count = QLabel("No folder open")
        self.checked_count.setStyleSheet("color: #5b616b;")
        self.folders = FolderList("Add an annotated folder", "Add annotated folder\u2026", describe_annotations)
        self.split = _spin(0, 50, 10, "none", " %")
        self.split.setToolTip("Share of the annotated images held out for validation and before/after figures")
        self.check_button = QPushButton("Check data")
        self.check_button.clicked.connect(self.checkRequested)
        self.report = QLabel("Check the data for characters outside the alphabet, empty or tiny boxes, ### "
                             "boxes and images without labels.")
        self.report.setWordWrap(True)
        self.report.setTextFormat(Qt.TextFormat.RichText)
        self.report.setStyleSheet("color: #5b616b;")

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(6)
        form.addRow("Synthetic", _pair(self.synthetic_pages, QLabel("pages"), self.synthetic_crops, QLabel("crops")))
        form.addRow("", _pair(QLabel("<span style='color:#5b616b'>per epoch (detector / recognizer)</span>")))
        form.addRow("Your images", self.use_checked)
        form.addRow("", self.checked_count)
        form.addRow("", self.folders)
        form.addRow("Validation", _pair(self.split, self.check_button))
        form.addRow(self.report)
        for signal in (self.synthetic_pages.valueChanged, self.synthetic_crops.valueChanged, self.split.valueChanged,
                       self.use_checked.toggled, self.folders.changed):
            signal.connect(self.changed)

    def set_checked_count(self, checked: int, total: int) -> None:
        self.checked_count.setText(f"{checked} of {total} image{'s' if total != 1 else ''} marked done"
                                   if total else "No folder open")

    def show_report(self, html: str) -> None:
        self.report.setText(html)


class RunForm(QWidget):
    """What to train and how; its Start / Stop buttons (``start_button``, ``stop_button``) are laid out by
    the tab, below the scrolling settings."""

    startRequested = Signal()
    stopRequested = Signal()
    tasksChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task = QComboBox()
        for label in _TASKS:
            self.task.addItem(label)
        self.task.currentIndexChanged.connect(self._on_task)
        self.init_detector = QComboBox()
        self.init_recognizer = QComboBox()
        for combo in (self.init_detector, self.init_recognizer):
            combo.addItem("From scratch", None)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(14)
        self.epochs = _spin(1, 10_000, 10)
        self.patience = _spin(0, 1_000, 3, "off")
        self.patience.setToolTip("Stop when the validation loss has not improved for this many epochs")
        self.batch = _spin(1, 1024, 16)
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(5)
        self.lr.setRange(0.0, 1.0)
        self.lr.setSingleStep(0.0001)
        self.lr.setSpecialValueText("automatic")
        self.lr.setValue(0.0)
        self.steps = _spin(0, 1_000_000, 0, "automatic")
        self.steps.setToolTip("Batches per epoch (automatic: all samples of an epoch once)")
        self.freeze = QCheckBox("Freeze the backbone")
        self.freeze.setToolTip("Train only the top layers; faster, and safer with few images")
        self.drop_unknown = QCheckBox("Skip words with unknown characters")
        self.drop_unknown.setToolTip("Words with characters outside the alphabet are left out instead of "
                                     "stopping the run")
        self.name = QLineEdit()
        self.name.setPlaceholderText("automatic (e.g. recognizer-20261125-143200)")
        self.start_button = QPushButton("Start training")
        self.start_button.setDefault(True)
        self.start_button.setStyleSheet(
            "QPushButton { background: #3d7eff; color: white; border-radius: 5px; padding: 6px 16px; "
            "font-weight: 600; } QPushButton:disabled { background: #a9c3f7; }")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.start_button.clicked.connect(self.startRequested)
        self.stop_button.clicked.connect(self.stopRequested)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(6)
        form.addRow("Train", self.task)
        self._det_label = QLabel("Detector from")
        self._rec_label = QLabel("Recognizer from")
        form.addRow(self._det_label, self.init_detector)
        form.addRow(self._rec_label, self.init_recognizer)
        form.addRow("Epochs", _pair(self.epochs, QLabel("patience"), self.patience))
        form.addRow("Batch size", _pair(self.batch, QLabel("steps/epoch"), self.steps))
        form.addRow("Learning rate", _pair(self.lr))
        form.addRow("", self.freeze)
        form.addRow("", self.drop_unknown)
        form.addRow("Model name", self.name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        self._on_task()  # Start and Stop are placed by the tab, always in view

    def tasks(self) -> tuple[str, ...]:
        return _TASKS[self.task.currentText()]

    def set_tasks(self, tasks: Sequence[str]) -> None:
        for label, value in _TASKS.items():
            if set(value) == set(tasks):
                self.task.setCurrentText(label)

    def _on_task(self, *_: object) -> None:
        tasks = self.tasks()
        for label, combo, task in ((self._det_label, self.init_detector, "detector"),
                                   (self._rec_label, self.init_recognizer, "recognizer")):
            label.setVisible(task in tasks)
            combo.setVisible(task in tasks)
        self.tasksChanged.emit()

    def set_models(self, entries: Sequence[Any], in_use: tuple[str | None, str | None]) -> None:
        """Fill the starting-weights choices (entries with ``name`` and ``kind``); keep the current choice,
        else pick the model in use."""
        for combo, kind, used in ((self.init_detector, "detector", in_use[0]),
                                  (self.init_recognizer, "recognizer", in_use[1])):
            current = combo.currentData() if combo.count() > 1 else used
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("From scratch", None)
            for entry in entries:
                if entry.kind == kind:
                    combo.addItem(entry.name + ("  (in use)" if entry.name == used else ""), entry.name)
            index = combo.findData(current)
            combo.setCurrentIndex(index if index >= 0 else 0)
            combo.blockSignals(False)

    def set_running(self, running: bool, stopping: bool = False) -> None:
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running and not stopping)
        self.stop_button.setText("Stopping\u2026" if stopping else "Stop")
        for widget in (self.task, self.init_detector, self.init_recognizer, self.epochs, self.patience, self.batch,
                       self.lr, self.steps, self.freeze, self.drop_unknown, self.name):
            widget.setEnabled(not running)
