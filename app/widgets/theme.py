"""Colours, icons and the application style sheet.

>>> ConfidenceScale(0.6, 0.9).category(0.95)
'high'
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from ocr_core.paths import resources_dir

__all__ = ["ConfidenceScale", "CATEGORY_COLORS", "CATEGORY_LABELS", "icon", "apply_theme", "ACCENT"]

ACCENT = "#3d7eff"

#: Box colour per confidence category.
CATEGORY_COLORS = {
    "high": QColor("#2fb171"),
    "medium": QColor("#f0a020"),
    "low": QColor("#e5484d"),
    "manual": QColor("#3d8bfd"),
    "ignored": QColor("#8a8f98"),
}


@dataclass(frozen=True)
class ConfidenceScale:
    """Thresholds that split confidences into low / medium / high."""

    low: float = 0.6
    high: float = 0.9

    def category(self, confidence: float | None, ignore: bool = False) -> str:
        if ignore:
            return "ignored"
        if confidence is None:
            return "manual"
        if confidence < self.low:
            return "low"
        return "medium" if confidence < self.high else "high"

    def color(self, confidence: float | None, ignore: bool = False) -> QColor:
        return CATEGORY_COLORS[self.category(confidence, ignore)]

    def labels(self) -> dict[str, str]:
        """Legend text per category."""
        return {
            "high": f"\u2265 {self.high:.0%}",
            "medium": f"{self.low:.0%}\u2013{self.high:.0%}",
            "low": f"< {self.low:.0%}",
            "manual": "by hand",
            "ignored": "### illegible",
        }


CATEGORY_LABELS = ConfidenceScale().labels()


_STANDARD = {
    "open": QStyle.StandardPixmap.SP_DialogOpenButton,
    "folder": QStyle.StandardPixmap.SP_DirOpenIcon,
    "save": QStyle.StandardPixmap.SP_DialogSaveButton,
    "undo": QStyle.StandardPixmap.SP_ArrowBack,
    "redo": QStyle.StandardPixmap.SP_ArrowForward,
    "next": QStyle.StandardPixmap.SP_ArrowRight,
    "previous": QStyle.StandardPixmap.SP_ArrowLeft,
    "delete": QStyle.StandardPixmap.SP_TrashIcon,
    "cancel": QStyle.StandardPixmap.SP_BrowserStop,
    "file": QStyle.StandardPixmap.SP_FileIcon,
    "done": QStyle.StandardPixmap.SP_DialogApplyButton,
}


def icon(name: str) -> QIcon:
    """Icon ``resources/icons/<name>.svg`` if drawn, else a standard Qt icon, else empty."""
    path = resources_dir() / "icons" / f"{name}.svg"
    if path.is_file():
        return QIcon(str(path))
    app = QApplication.instance()
    if name in _STANDARD and isinstance(app, QApplication):
        return app.style().standardIcon(_STANDARD[name])
    return QIcon()


_STYLE_SHEET = """
QMainWindow::separator { width: 4px; height: 4px; background: palette(mid); }
QToolBar { spacing: 4px; padding: 3px; border: none; }
QToolBar QToolButton { padding: 4px 6px; border-radius: 5px; }
QToolBar QToolButton:hover { background: rgba(61, 126, 255, 40); }
QToolBar QToolButton:checked { background: rgba(61, 126, 255, 70); }
QDockWidget::title { padding: 6px 8px; font-weight: 600; }
QTabWidget::pane { border: none; }
QTabBar::tab { padding: 6px 18px; }
QStatusBar QLabel { padding: 0 6px; }
QLabel#banner { background: #fde8e8; color: #8a1c1c; border: 1px solid #f3b4b4; border-radius: 4px; padding: 6px 10px; }
QLabel#emptyHint { color: palette(mid); font-size: 15px; }
"""


def apply_theme(app: QApplication) -> None:
    """Fusion style, a light neutral palette and the style sheet above."""
    app.setStyle("Fusion")
    app.setStyleSheet(_STYLE_SHEET)
