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

__all__ = ["MAX_LABEL_WIDTH", "BoxItem", "LabelItem", "HandleItem", "label_font"]

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


#: Widest tag in screen pixels; longer texts are elided (the word list and the tooltip show them whole).
MAX_LABEL_WIDTH = 320.0


class LabelItem(QGraphicsItem):
    """The word's text on a coloured tag above the box's top-left corner (constant screen size)."""

    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._text = ""
        self._color = QColor("black")
        self._rect = QRectF()
        self._below = False

    def set_content(self, text: str, color: QColor, max_width: float = MAX_LABEL_WIDTH) -> None:
        """Show ``text`` (elided to ``max_width`` screen pixels) on a tag of ``color``. Whether the tag is shown
        is the box's decision (:meth:`BoxItem.set_label_allowed`)."""
        metrics = QFontMetricsF(label_font())
        text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max_width)
        rect = QRectF(0, 0, metrics.horizontalAdvance(text) + 8, metrics.height() + 2)
        if self._below:
            rect.moveTopLeft(QPointF(-1, 2))
        else:
            rect.moveBottomLeft(QPointF(-1, -2))
        self.prepareGeometryChange()
        self._text, self._color, self._rect = text, QColor(color), rect
        self.update()

    def set_below(self, below: bool) -> None:
        """Hang the tag under its anchor (the box's bottom-left corner) instead of standing on it."""
        if below != self._below:
            self._below = below
            self.set_content(self._text, self._color)

    @property
    def text(self) -> str:
        return self._text

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
        self._label_allowed = True
        self._label_below = False
        self.label = LabelItem(self)
        self.handles: list[HandleItem] = []  # made when first shown (most boxes are never selected)

    @property
    def quad(self) -> np.ndarray:
        return self._quad.copy()

    def shows(self, word: Word) -> bool:
        """Whether the item is drawn where ``word`` is (no drag offset, no corner preview left)."""
        return self.pos().isNull() and np.array_equal(self._quad, word.quad)

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
        """The tag keeps its screen size; the canvas decides again which tags fit (:meth:`set_label_allowed`)."""
        if abs(zoom - self._zoom) > 1e-6:
            self._zoom = zoom

    def _update_label(self) -> None:
        self.label.set_content(self._label_text, self._color)
        self._show_label()

    @property
    def label_forced(self) -> bool:
        """A selected or hovered box shows its tag whatever it covers."""
        return self.isSelected() or self._hover

    def set_label_allowed(self, allowed: bool, below: bool = False) -> None:
        """Whether the tag may show when the box is neither selected nor hovered (it covers nothing), and
        whether it hangs under the box (where the place above is taken)."""
        if below != self._label_below:
            self._label_below = below
            self.label.set_below(below)
            self._place_children()
        if allowed != self._label_allowed:
            self._label_allowed = allowed
            self._show_label()

    def _show_label(self) -> None:
        forced = self.label_forced
        self.label.setVisible(bool(self.label.text) and (self._label_allowed or forced))
        self.setZValue(1 if (forced or self.handles and self.handles[0].isVisible()) else 0)

    def word_bounds(self) -> tuple[float, float, float, float]:
        """``(left, top, right, bottom)`` of the quad in scene coordinates (no pen margin)."""
        x, y = self.pos().x(), self.pos().y()
        (x0, y0), (x1, y1) = self._quad.min(axis=0), self._quad.max(axis=0)
        return float(x0) + x, float(y0) + y, float(x1) + x, float(y1) + y

    def label_scene_rect(self, below: bool = False) -> QRectF | None:
        """Where the tag would be in scene coordinates at the current zoom, above the box or under it
        (``None`` without text)."""
        if not self.label.text:
            return None
        rect = self.label.boundingRect()
        zoom = max(self._zoom, 1e-6)
        width, height = rect.width() / zoom, rect.height() / zoom
        x, y = (float(v) for v in self._quad[3 if below else 0])
        return QRectF(x - 1 / zoom, y + 2 / zoom, width, height) if below else \
            QRectF(x - 1 / zoom, y - 2 / zoom - height, width, height)

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
        self._show_label()

    def _place_children(self) -> None:
        x0, y0 = self._quad[3 if self._label_below else 0]
        self.label.setPos(float(x0), float(y0))
        for handle, (x, y) in zip(self.handles, self._quad):
            handle.setPos(float(x), float(y))

    @staticmethod
    def _tooltip(word: Word) -> str:
        conf = "by hand" if word.confidence is None else f"confidence {word.confidence:.0%}"
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
        self._show_label()
        self.update()

    def hoverLeaveEvent(self, event: Any) -> None:
        self._hover = False
        self._show_label()
        self.update()

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        _call_scene(self, "request_edit", self.word_id)
        event.accept()
