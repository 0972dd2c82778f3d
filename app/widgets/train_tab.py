"""The "Train" tab: settings on the left (synthetic data, dataset, run), and on the right the synthetic
preview, the live training run, the models with before/after figures, and the review list.

The tab holds widgets only; :class:`app.training_controller.TrainingController` runs the work.

>>> tab = TrainTab()                    # doctest: +SKIP
>>> tab.show_page("training")           # doctest: +SKIP
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.widgets.train_models import ModelsPanel
from app.widgets.train_preview import PreviewPanel
from app.widgets.train_progress import ProgressPanel
from app.widgets.train_review import ReviewPanel
from app.widgets.train_run_form import DatasetForm, RunForm
from app.widgets.train_synth_form import SynthForm

__all__ = ["TrainTab"]

_PAGES = ("preview", "training", "models", "review")


def _group(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(10, 14, 10, 10)
    layout.addWidget(widget)
    return box


class TrainTab(QWidget):
    """Fine-tune the detector and recognizer: data, preview, run, results, review."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.synth = SynthForm()
        self.dataset = DatasetForm()
        self.run_form = RunForm()
        self.message = QLabel()
        self.message.setObjectName("banner")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        column = QWidget()
        column_layout = QVBoxLayout(column)
        column_layout.setContentsMargins(8, 8, 8, 8)
        column_layout.setSpacing(10)
        column_layout.addWidget(_group("1 \u00b7 Synthetic data", self.synth))
        column_layout.addWidget(_group("2 \u00b7 Dataset", self.dataset))
        column_layout.addWidget(_group("3 \u00b7 Fine-tune", self.run_form))
        column_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(column)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.settings_scroll = scroll
        footer = QFrame()
        footer.setObjectName("trainFooter")
        footer.setStyleSheet("QFrame#trainFooter { border-top: 1px solid palette(mid); }")
        footer_layout = QVBoxLayout(footer)
        footer_layout.setContentsMargins(10, 8, 10, 8)
        footer_layout.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_form.start_button)
        buttons.addWidget(self.run_form.stop_button)
        buttons.addStretch(1)
        footer_layout.addLayout(buttons)
        left = QWidget()
        left.setMinimumWidth(470)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(0)
        left_layout.addWidget(scroll, 1)
        left_layout.addWidget(footer)

        self.preview = PreviewPanel()
        self.progress = ProgressPanel()
        self.models = ModelsPanel()
        self.review = ReviewPanel()
        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.preview, "Synthetic preview")
        self.pages.addTab(self.progress, "Training run")
        self.pages.addTab(self.models, "Models")
        self.pages.addTab(self.review, "Review")

        # the panels scroll rather than widen the window past small screens (1024 px)
        pages_scroll = QScrollArea()
        pages_scroll.setWidgetResizable(True)
        pages_scroll.setFrameShape(QFrame.Shape.NoFrame)
        pages_scroll.setWidget(self.pages)
        pages_scroll.setMinimumWidth(360)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(pages_scroll)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([490, 950])
        split.setChildrenCollapsible(False)
        self.splitter = split
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

    def show_page(self, name: str) -> None:
        """Bring ``'preview'``, ``'training'``, ``'models'`` or ``'review'`` to the front."""
        self.pages.setCurrentIndex(_PAGES.index(name))

    def current_page(self) -> str:
        return _PAGES[self.pages.currentIndex()]

    def show_message(self, text: str) -> None:
        """A persistent warning under the settings (``""`` hides it)."""
        self.message.setText(text)
        self.message.setVisible(bool(text))
