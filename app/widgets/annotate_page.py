"""The "Annotate" tab: canvas in the centre, file list and word list docks, its own toolbar.

It is a nested ``QMainWindow`` so its docks belong to this tab only.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.document_model import DocumentModel
from app.selection import SelectionModel
from app.widgets.canvas import Canvas
from app.widgets.file_list import FileList
from app.widgets.theme import ConfidenceScale
from app.widgets.word_list import WordList

__all__ = ["AnnotatePage"]


class AnnotatePage(QMainWindow):
    """Canvas, a warning banner above it, and the two docks."""

    def __init__(self, model: DocumentModel, selection: SelectionModel, scale: ConfidenceScale,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlags(Qt.WindowType.Widget)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)
        self.canvas = Canvas(model, selection, scale)
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        self.banner_button = QPushButton()  # the banner's way out, when it has one
        self.banner_button.hide()
        banner_row = QHBoxLayout()
        banner_row.setContentsMargins(0, 0, 6, 0)
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.banner_button)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(banner_row)
        layout.addWidget(self.canvas, 1)
        self.setCentralWidget(central)

        self.file_list = FileList()
        self.files_dock = self._dock("Images", "files", self.file_list, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.word_list = WordList(model, selection, scale)
        self.words_dock = self._dock("Words", "words", self.word_list, Qt.DockWidgetArea.RightDockWidgetArea)
        self.resizeDocks([self.files_dock, self.words_dock], [250, 330], Qt.Orientation.Horizontal)

        self.toolbar = QToolBar("Annotate")
        self.toolbar.setObjectName("annotateToolbar")
        self.toolbar.setIconSize(QSize(20, 20))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.setMovable(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{name}Dock")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def show_problem(self, text: str, action: str = "") -> None:
        """Show (or with ``""`` hide) the warning banner above the canvas; ``action`` labels its button."""
        self.banner.setText(text)
        self.banner.setVisible(bool(text))
        self.banner_button.setText(action)
        self.banner_button.setVisible(bool(text and action))
