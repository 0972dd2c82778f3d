"""The image canvas: zoom/pan view, word boxes drawn from the document model, box gestures.

Gestures become signals (``moveRequested``, ``vertexMoveRequested``, ``boxDrawn``,
``textCommitted``, ``nudgeRequested``); the canvas never edits the model itself. Items redraw
from the model's signals, so undo/redo and edits from the word list show up here too.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsPolygonItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QGraphicsView,
    QLabel,
    QWidget,
)

from app.document_model import DocumentModel
from app.selection import SelectionModel
from app.widgets.box_item import BoxItem
from app.widgets.inline_editor import InlineEditor
from app.widgets.theme import ACCENT, ConfidenceScale

__all__ = ["Canvas", "CanvasScene", "MODES"]

_EMPTY_HINT = "Open an image (Ctrl+O) or a folder (Ctrl+U)\nor drop files here"
_UNREADABLE_HINT = "This image cannot be shown\n(the reason is above)"

MODES = ("select", "rect", "quad")
_MIN_ZOOM, _MAX_ZOOM = 0.02, 40.0


class CanvasScene(QGraphicsScene):
    """Scene of one page; box items call its ``request_*`` methods, which emit signals."""

    moveRequested = Signal(list, float, float)
    vertexMoveRequested = Signal(str, int, float, float)
    vertexActivated = Signal(str, int)
    editRequested = Signal(str)

    def activate_vertex(self, word_id: str, index: int) -> None:
        self.vertexActivated.emit(word_id, index)

    def request_vertex_move(self, word_id: str, index: int, x: float, y: float) -> None:
        self.vertexMoveRequested.emit(word_id, index, x, y)

    def request_edit(self, word_id: str) -> None:
        self.editRequested.emit(word_id)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        moved = [item for item in self.selectedItems() if isinstance(item, BoxItem) and not item.pos().isNull()]
        if moved:
            offset = moved[0].pos()
            if abs(offset.x()) + abs(offset.y()) < 0.5:
                for item in moved:
                    item.setPos(0, 0)
                return
            self.moveRequested.emit([item.word_id for item in moved], offset.x(), offset.y())


class Canvas(QGraphicsView):
    """Zoomable view of the current image with its word boxes."""

    moveRequested = Signal(list, float, float)
    vertexMoveRequested = Signal(str, int, float, float)
    boxDrawn = Signal(object)
    textCommitted = Signal(str, str)
    nudgeRequested = Signal(float, float)
    modeChanged = Signal(str)
    zoomChanged = Signal(float)

    def __init__(self, model: DocumentModel, selection: SelectionModel, scale: ConfidenceScale | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._selection = selection
        self._scale = scale or ConfidenceScale()
        self._scene = CanvasScene(self)
        self.setScene(self._scene)
        self._items: dict[str, BoxItem] = {}
        self._pixmap_item: QGraphicsPixmapItem | None = None
        self._syncing = False
        self._pressed_id: str | None = None
        self._mode = "select"
        self._fit = True
        self._pan_from: QPointF | None = None
        self._draw_points: list[QPointF] = []
        self._draw_item: QGraphicsRectItem | QGraphicsPolygonItem | None = None
        self.show_labels = True
        self.show_numbers = False
        self._declutter_timer = QTimer(self)  # which tags fit is decided once per burst of changes
        self._declutter_timer.setSingleShot(True)
        self._declutter_timer.setInterval(50)  # a burst of wheel steps or edits: one pass after it
        self._declutter_timer.timeout.connect(self.declutter_labels)
        self.editor = InlineEditor(self.viewport())
        self.editor.committed.connect(self._on_editor_committed)
        self.editor.stepRequested.connect(self._on_editor_step)
        self._hint = QLabel(_EMPTY_HINT, self.viewport())
        self._hint.setObjectName("emptyHint")
        self._hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._hint.setStyleSheet("color: #b8bcc4; font-size: 15px;")

        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        self.setBackgroundBrush(QColor("#3a3d42"))
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setAcceptDrops(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self._scene.selectionChanged.connect(self._on_scene_selection)
        self._scene.moveRequested.connect(self._request_move)
        self._scene.vertexMoveRequested.connect(self._request_vertex_move)
        self._scene.vertexActivated.connect(selection.set_vertex)
        self._scene.editRequested.connect(self.edit_text)
        model.pageReset.connect(self._rebuild)
        model.wordsAdded.connect(self._on_added)
        model.wordsRemoved.connect(self._on_removed)
        model.wordChanged.connect(self._on_changed)
        model.orderChanged.connect(self._renumber)
        selection.changed.connect(self._apply_selection)
        self._rebuild()

    # -- public -------------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._mode

    @property
    def zoom(self) -> float:
        return float(self.transform().m11())

    def item(self, word_id: str) -> BoxItem:
        return self._items[word_id]

    def items_by_id(self) -> dict[str, BoxItem]:
        return dict(self._items)

    def has_image(self) -> bool:
        return self._pixmap_item is not None

    def set_image(self, image: QImage | None, *, unreadable: bool = False) -> None:
        """Show ``image`` (``None`` clears; ``unreadable``: an image is open but cannot be shown) and fit it."""
        self.editor.cancel()
        if self._pixmap_item is not None:
            self._scene.removeItem(self._pixmap_item)
            self._pixmap_item = None
        if image is not None and not image.isNull():
            self._pixmap_item = QGraphicsPixmapItem(QPixmap.fromImage(image))
            self._pixmap_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
            # repaints (boxes changing above the image) blit the scaled image instead of rescaling it
            self._pixmap_item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self._pixmap_item.setZValue(-10)
            self._pixmap_item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            self._scene.addItem(self._pixmap_item)
            rect = QRectF(image.rect())
            margin = max(rect.width(), rect.height()) * 0.02
            self._scene.setSceneRect(rect.adjusted(-margin, -margin, margin, margin))
        self._hint.setText(_UNREADABLE_HINT if unreadable and self._pixmap_item is None else _EMPTY_HINT)
        self._hint.setVisible(self._pixmap_item is None)
        self.fit()

    def set_scale(self, scale: ConfidenceScale) -> None:
        self._scale = scale
        self._rebuild()

    def set_show_labels(self, show: bool) -> None:
        self.show_labels = show
        self._renumber()

    def set_show_numbers(self, show: bool) -> None:
        self.show_numbers = show
        self._renumber()

    def set_mode(self, mode: str) -> None:
        """``select`` (default), ``rect`` (drag a rectangle) or ``quad`` (click four corners)."""
        if mode not in MODES:
            raise ValueError(f"unknown canvas mode {mode!r}; expected one of {MODES}")
        self._cancel_drawing()
        self._mode = mode
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag if mode == "select"
                         else QGraphicsView.DragMode.NoDrag)
        self._restore_cursor()
        self.modeChanged.emit(mode)

    def _restore_cursor(self) -> None:
        self.viewport().setCursor(Qt.CursorShape.ArrowCursor if self._mode == "select" else Qt.CursorShape.CrossCursor)

    def zoom_by(self, factor: float) -> None:
        new = min(max(self.zoom * factor, _MIN_ZOOM), _MAX_ZOOM)
        factor = new / max(self.zoom, 1e-9)
        self._fit = False
        self.scale(factor, factor)
        self._after_zoom()

    def zoom_in(self) -> None:
        self.zoom_by(1.25)

    def zoom_out(self) -> None:
        self.zoom_by(0.8)

    def actual_size(self) -> None:
        self._fit = False
        self.resetTransform()
        self._after_zoom()

    def fit(self) -> None:
        """Fit the whole image in the view (kept on resize until the user zooms)."""
        self._fit = True
        if self._pixmap_item is not None:
            self.fitInView(self._scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        else:
            self.resetTransform()
        self._after_zoom()

    def ensure_word_visible(self, word_id: str) -> None:
        item = self._items.get(word_id)
        if item is not None:
            self.ensureVisible(item.sceneBoundingRect(), 60, 60)

    def edit_text(self, word_id: str) -> None:
        """Open the in-place text editor over a word's box."""
        item = self._items.get(word_id)
        if item is None:
            return
        self._selection.select([word_id])
        self.ensure_word_visible(word_id)
        self.editor.open(word_id, self._model.word(word_id).label, *self._editor_geometry(item))

    def _editor_geometry(self, item: BoxItem) -> tuple[int, int, int]:
        """Where the in-place editor goes: just below the box, at least 200 px wide."""
        quad = item.quad
        top_left = self.mapFromScene(QPointF(*quad.min(axis=0)))
        bottom_right = self.mapFromScene(QPointF(*quad.max(axis=0)))
        width = max(200, bottom_right.x() - top_left.x() + 24)
        return top_left.x() - 4, bottom_right.y() + 6, int(width)

    # -- model -> items -----------------------------------------------------------------------
    def _rebuild(self) -> None:
        self.editor.cancel()
        for item in self._items.values():
            self._scene.removeItem(item)
        self._items.clear()
        for word in self._model.words():
            self._add_item(word.id)
        self._renumber()

    def _add_item(self, word_id: str) -> BoxItem:
        item = BoxItem(word_id, self._scale)
        item.set_zoom(self.zoom)
        self._items[word_id] = item
        self._scene.addItem(item)
        return item

    def _on_added(self, word_ids: list[str]) -> None:
        for word_id in word_ids:
            self._add_item(word_id)
        self._renumber()

    def _on_removed(self, word_ids: list[str]) -> None:
        self._syncing = True
        try:
            for word_id in word_ids:
                item = self._items.pop(word_id, None)
                if item is not None:
                    if self.editor.word_id == word_id:
                        self.editor.cancel()
                    self._scene.removeItem(item)
        finally:
            self._syncing = False
        self._renumber()

    def _request_move(self, ids: list, dx: float, dy: float) -> None:
        self.moveRequested.emit(ids, dx, dy)
        self._resync(ids)

    def _request_vertex_move(self, word_id: str, index: int, x: float, y: float) -> None:
        self.vertexMoveRequested.emit(word_id, index, x, y)
        self._resync([word_id])

    def _resync(self, ids: list) -> None:
        """Items back to their words after a gesture: where the editor moved them less (the image's edge) or
        not at all (a box that would lose its area), the drag's offset or preview must not stay on screen."""
        for word_id in ids:
            item = self._items.get(word_id)
            if item is not None and self._model.has_word(word_id) and not item.shows(self._model.word(word_id)):
                self._on_changed(word_id)

    def _on_changed(self, word_id: str) -> None:
        item = self._items.get(word_id)
        if item is not None:
            number = self._model.index_of(word_id) + 1 if self.show_numbers else None
            item.sync(self._model.word(word_id), number, self.show_labels)
            self._declutter_timer.start()

    # -- labels -------------------------------------------------------------------------------
    def declutter_labels(self) -> None:
        """Show a word's tag only where it covers no other word and no other tag (in reading order): above the
        box, else under it. The text of dense pages stays visible; zooming in shows more tags. A selected or
        hovered box always shows its tag, and the word list has every text. Words and placed tags are kept in
        grids, so a pass costs about one look-up per word (pages of thousands of words)."""
        self._declutter_timer.stop()
        zoom = max(self.zoom, 1e-6)
        items = [self._items[w.id] for w in self._model.words() if w.id in self._items]
        items.sort(key=lambda item: not item.label_forced)  # stable: forced first, then reading order
        cell = 24.0 / zoom  # grid cells about one tag high, in scene units

        def cells_of(left: float, top: float, right: float, bottom: float) -> list[tuple[int, int]]:
            return [(cx, cy) for cx in range(int(left // cell), int(right // cell) + 1)
                    for cy in range(int(top // cell), int(bottom // cell) + 1)]

        boxes = np.array([item.word_bounds() for item in items], dtype=float).reshape(-1, 4)
        words: dict[tuple[int, int], list[int]] = {}
        for k, (x0, y0, x1, y1) in enumerate(boxes.tolist()):
            if (x1 - x0) * (y1 - y0) <= 400 * cell * cell:  # huge boxes (a whole-page word) are checked apart
                for c in cells_of(x0, y0, x1, y1):
                    words.setdefault(c, []).append(k)
        huge = [k for k, (x0, y0, x1, y1) in enumerate(boxes.tolist()) if (x1 - x0) * (y1 - y0) > 400 * cell * cell]
        placed: dict[tuple[int, int], list[QRectF]] = {}

        def covers_a_word(rect: QRectF, cells: list[tuple[int, int]], owner: int) -> bool:
            near = {k for c in cells for k in words.get(c, ())} | set(huge)
            near.discard(owner)
            if not near:
                return False
            b = boxes[sorted(near)]
            width = np.minimum(b[:, 2], rect.right()) - np.maximum(b[:, 0], rect.left())
            height = np.minimum(b[:, 3], rect.bottom()) - np.maximum(b[:, 1], rect.top())
            # a sliver of a neighbouring box is allowed; a real part of its text is not
            return bool(np.any((height > 0.3 * rect.height()) & (width > 0.1 * rect.width())))

        for k, item in enumerate(items):
            fitted = None
            for below in (False, True):  # above the box, else under it
                rect = item.label_scene_rect(below)
                if rect is None:
                    break
                cells = cells_of(rect.left(), rect.top(), rect.right(), rect.bottom())
                if (item.label_forced and not below) or not (
                        any(rect.intersects(other) for c in cells for other in placed.get(c, ()))
                        or covers_a_word(rect, cells, k)):
                    fitted = (rect, cells, below)
                    break
            item.set_label_allowed(fitted is not None, below=fitted[2] if fitted else False)
            if fitted is not None:
                for c in fitted[1]:
                    placed.setdefault(c, []).append(fitted[0])

    def _renumber(self) -> None:
        for i, word in enumerate(self._model.words()):
            item = self._items.get(word.id)
            if item is not None:
                item.sync(word, i + 1 if self.show_numbers else None, self.show_labels)
        self._apply_selection()
        self._declutter_timer.start()

    # -- selection ----------------------------------------------------------------------------
    def _on_scene_selection(self) -> None:
        if self._syncing:
            return
        ids = [item.word_id for item in self._scene.selectedItems() if isinstance(item, BoxItem)]
        current = self._pressed_id if self._pressed_id in ids else None
        self._selection.select(ids, current)

    def _apply_selection(self) -> None:
        self._syncing = True
        try:
            vertex = self._selection.vertex
            for word_id, item in self._items.items():
                selected = self._selection.contains(word_id)
                if item.isSelected() != selected:
                    item.setSelected(selected)
                if selected or item.handles:
                    item.show_handles(selected, vertex[1] if vertex and vertex[0] == word_id else None)
        finally:
            self._syncing = False
        current = self._selection.current
        if current is not None and not self.underMouse():
            self.ensure_word_visible(current)
        self._declutter_timer.start()

    # -- editor -------------------------------------------------------------------------------
    def commit_text_edit(self) -> None:
        """Commit the text being typed in place, if any (``textCommitted``), rather than lose it."""
        if self.editor.word_id is not None:
            self.editor.commit()

    def _on_editor_committed(self, word_id: str, text: str) -> None:
        self.setFocus()
        self.textCommitted.emit(word_id, text)

    def _on_editor_step(self, word_id: str, step: int) -> None:
        order = self._model.word_ids()
        if word_id in order and order:
            self.edit_text(order[(order.index(word_id) + step) % len(order)])

    # -- drawing ------------------------------------------------------------------------------
    def _cancel_drawing(self) -> None:
        if self._draw_item is not None:
            self._scene.removeItem(self._draw_item)
        self._draw_item = None
        self._draw_points = []

    def _draw_pen(self) -> QPen:
        pen = QPen(QColor(ACCENT), 2, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        return pen

    def _finish_drawing(self, points: list[QPointF]) -> None:
        quad = np.array([[p.x(), p.y()] for p in points], dtype=np.float64)
        self._cancel_drawing()
        self.set_mode("select")
        self.boxDrawn.emit(quad)

    def _press_draw(self, pos: QPointF) -> None:
        if self._mode == "rect":
            self._draw_points = [pos]
            self._draw_item = self._scene.addRect(QRectF(pos, pos), self._draw_pen())
            return
        self._draw_points.append(pos)
        if len(self._draw_points) == 4:
            self._finish_drawing(self._draw_points)
            return
        if self._draw_item is None:
            self._draw_item = self._scene.addPolygon(QPolygonF(), self._draw_pen(), QColor(61, 126, 255, 40))
        self._move_draw(pos)

    def _move_draw(self, pos: QPointF) -> None:
        if isinstance(self._draw_item, QGraphicsRectItem):
            self._draw_item.setRect(QRectF(self._draw_points[0], pos).normalized())
        elif isinstance(self._draw_item, QGraphicsPolygonItem):
            self._draw_item.setPolygon(QPolygonF([*self._draw_points, pos]))

    def _release_draw(self, pos: QPointF) -> None:
        if self._mode != "rect" or not self._draw_points:
            return
        start = self._draw_points[0]
        rect = QRectF(start, pos).normalized()
        if rect.width() < 3 or rect.height() < 3:
            self._cancel_drawing()
            return
        self._finish_drawing([rect.topLeft(), rect.topRight(), rect.bottomRight(), rect.bottomLeft()])

    # -- Qt events ----------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        if self._mode != "select" and event.button() == Qt.MouseButton.LeftButton:
            self._press_draw(self.mapToScene(event.position().toPoint()))
            return
        if self._mode == "quad" and event.button() == Qt.MouseButton.RightButton:
            self.set_mode("select")
            return
        hit = item = self.itemAt(event.position().toPoint())
        while item is not None and not isinstance(item, BoxItem):
            item = item.parentItem()
        self._pressed_id = item.word_id if isinstance(item, BoxItem) else None
        if isinstance(hit, BoxItem) and event.button() == Qt.MouseButton.LeftButton:
            self._selection.clear_vertex()  # a click on a box's body: the arrow keys move boxes again
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            return
        if self._mode != "select" and self._draw_points:
            self._move_draw(self.mapToScene(event.position().toPoint()))
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            self._restore_cursor()  # a quad being clicked in stays: panning is part of drawing a big one
            return
        if self._mode != "select":
            self._release_draw(self.mapToScene(event.position().toPoint()))
            return
        super().mouseReleaseEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120.0
            if steps:
                self.zoom_by(1.2 ** steps)
            event.accept()
            return
        super().wheelEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        arrows = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1),
                  Qt.Key.Key_Down: (0, 1)}
        if key in arrows and len(self._selection):
            step = 10.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1.0
            dx, dy = arrows[key]
            self.nudgeRequested.emit(dx * step, dy * step)
            event.accept()
            return
        if key == Qt.Key.Key_Escape:
            if self._mode != "select":
                self.set_mode("select")
            else:
                self._selection.clear()
            event.accept()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2) and self._selection.current:
            self.edit_text(self._selection.current)
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._hint.setGeometry(self.viewport().rect())
        if self._fit:
            self.fit()

    def _after_zoom(self) -> None:
        zoom = self.zoom
        for box in self._items.values():
            box.set_zoom(zoom)
        self._declutter_timer.start()  # once after a burst of wheel steps or resizes
        edited = self._items.get(self.editor.word_id or "")
        if self.editor.isVisible() and edited is not None:
            self.editor.place(*self._editor_geometry(edited))
        self.zoomChanged.emit(self.zoom)
