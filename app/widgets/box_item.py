"""Scene items for one word: the quad, its text label and four vertex handles.

Items display what the document model says (:meth:`BoxItem.sync`); user gestures become
requests on the scene (``CanvasScene``), which the editor turns into undo commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app.widgets.theme import ConfidenceScale

if TYPE_CHECKING:
    from ocr_core.document import Word

__all__ = ["BoxItem", "LabelItem", "HandleItem", "label_font"]

_FONT: list[QFont] = []


def label_font() -> QFont:
    """Font of the text tags (made on first use: fonts need a running QGuiApplication)."""
    if not _FONT:
        font = QFont()
        font.setPointSizeF(9.0)
        font.setWeight(QFont.Weight.DemiBold)
        _FONT.append(font)
    return _FONT[0]


def _polygon(quad: np.ndarray) -> QPolygonF:
    return QPolygonF([QPointF(float(x), float(y)) for x, y in quad])


class LabelItem(QGraphicsItem):
    """The word's text on a coloured tag above the box's top-left corner (constant screen size)."""

    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._text = ""
        self._color = QColor("black")
        self._rect = QRectF()

    def set_content(self, text: str, color: QColor, max_width: float = 320) -> None:
        """Show ``text`` (elided to ``max_width`` screen pixels) on a tag of ``color``."""
        metrics = QFontMetricsF(label_font())
        text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(max_width, 60.0))
        rect = QRectF(0, 0, metrics.horizontalAdvance(text) + 8, metrics.height() + 2)
        rect.moveBottomLeft(QPointF(-1, -2))
        self.prepareGeometryChange()
        self._text, self._color, self._rect = text, QColor(color), rect
        self.setVisible(bool(text))
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        background = QColor(self._color)
        background.setAlpha(225)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(background)
        painter.drawRoundedRect(self._rect, 3, 3)
        painter.setFont(label_font())
        painter.setPen(QColor("white") if background.lightness() < 170 else QColor("#111"))
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self._text)


class HandleItem(QGraphicsItem):
    """A draggable corner; dragging previews the new quad, releasing requests the move."""

    SIZE = 9.0

    def __init__(self, box: BoxItem, index: int) -> None:
        super().__init__(box)
        self.box = box
        self.index = index
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setCursor(Qt.CursorShape.SizeAllCursor)
        self.setZValue(2)
        self.active = False
        self._dragging = False

    def boundingRect(self) -> QRectF:
        s = self.SIZE
        return QRectF(-s / 2 - 1, -s / 2 - 1, s + 2, s + 2)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        s = self.SIZE
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#1b1b1f"), 1.2))
        painter.setBrush(QColor("#ffd43b") if self.active else QColor("white"))
        if self.index == 0:
            painter.drawRect(QRectF(-s / 2, -s / 2, s, s))  # the first (top-left) corner is square
        else:
            painter.drawEllipse(QRectF(-s / 2, -s / 2, s, s))

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        self._dragging = False
        _call_scene(self, "activate_vertex", self.box.word_id, self.index)
        event.accept()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self._dragging = True
        pos = self.box.mapFromScene(event.scenePos())
        self.box.preview_vertex(self.index, pos.x(), pos.y())

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._dragging:
            self._dragging = False
            pos = event.scenePos()
            _call_scene(self, "request_vertex_move", self.box.word_id, self.index, pos.x(), pos.y())


def _call_scene(item: QGraphicsItem, method: str, *args: Any) -> None:
    scene = item.scene()
    handler = getattr(scene, method, None)
    if handler is not None:
        handler(*args)


class BoxItem(QGraphicsObject):
    """One word's quad: fill and outline coloured by confidence, dashed when illegible."""

    def __init__(self, word_id: str, scale: ConfidenceScale) -> None:
        super().__init__()
        self.word_id = word_id
        self._scale = scale
        self._quad = np.zeros((4, 2))
        self._color = QColor("white")
        self._ignored = False
        self._polygon = QPolygonF()
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsMovable)
        self.setAcceptHoverEvents(True)
        self._hover = False
        self._zoom = 1.0
        self._label_text = ""
        self.label = LabelItem(self)
        self.handles: list[HandleItem] = []  # made when first shown (most boxes are never selected)

    @property
    def quad(self) -> np.ndarray:
        return self._quad.copy()

    def sync(self, word: Word, number: int | None = None, show_label: bool = True) -> None:
        """Redraw from the model: quad, colour, label text; drops any drag offset."""
        self.prepareGeometryChange()
        self.setPos(0, 0)
        self._quad = word.quad.copy()
        self._polygon = _polygon(self._quad)
        self._color = self._scale.color(word.confidence, word.ignore)
        self._ignored = word.ignore
        text = word.label if show_label else ""
        if number is not None:
            text = f"{number}  {text}".rstrip()
        self._label_text = text
        self._update_label()
        self._place_children()
        self.setToolTip(self._tooltip(word))
        self.update()

    def set_zoom(self, zoom: float) -> None:
        """Labels are elided to the box's width on screen, so neighbours' tags do not overlap."""
        if abs(zoom - self._zoom) > 1e-6:
            self._zoom = zoom
            self._update_label()

    def _update_label(self) -> None:
        top_edge = float(np.linalg.norm(self._quad[1] - self._quad[0]))
        self.label.set_content(self._label_text, self._color, top_edge * self._zoom + 2)

    def preview_vertex(self, index: int, x: float, y: float) -> None:
        """Show a vertex at a new place while it is dragged (the model is unchanged)."""
        self.prepareGeometryChange()
        self._quad[index] = (x, y)
        self._polygon = _polygon(self._quad)
        self._place_children()
        self.update()

    def show_handles(self, show: bool, active: int | None = None) -> None:
        """Corner handles of a selected box; ``active`` is the corner arrow keys move."""
        if show and not self.handles:
            self.handles = [HandleItem(self, i) for i in range(4)]
            self._place_children()
        for handle in self.handles:
            handle.setVisible(show)
            if handle.active != (handle.index == active):
                handle.active = handle.index == active
                handle.update()
        self.setZValue(1 if show else 0)

    def _place_children(self) -> None:
        x0, y0 = self._quad[0]
        self.label.setPos(float(x0), float(y0))
        for handle, (x, y) in zip(self.handles, self._quad):
            handle.setPos(float(x), float(y))

    @staticmethod
    def _tooltip(word: Word) -> str:
        conf = "drawn by hand" if word.confidence is None else f"confidence {word.confidence:.0%}"
        return f"{word.label or '(no text)'} \u2014 {conf}"

    # -- QGraphicsItem ------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return self._polygon.boundingRect().adjusted(-2, -2, 2, 2)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addPolygon(self._polygon)
        path.closeSubpath()
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        selected = self.isSelected()
        fill = QColor(self._color)
        fill.setAlpha(70 if selected else (45 if self._hover else 28))
        pen = QPen(self._color.lighter(125) if selected else self._color, 2.6 if selected else 1.6)
        pen.setCosmetic(True)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        if self._ignored:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(pen)
        painter.setBrush(QBrush(fill))
        painter.drawPolygon(self._polygon)
        if selected:
            outline = QPen(QColor(255, 255, 255, 200), 1.0, Qt.PenStyle.DotLine)
            outline.setCosmetic(True)
            painter.setPen(outline)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPolygon(self._polygon)

    def hoverEnterEvent(self, event: Any) -> None:
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event: Any) -> None:
        self._hover = False
        self.update()

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        _call_scene(self, "request_edit", self.word_id)
        event.accept()
