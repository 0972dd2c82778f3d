"""Live loss curves drawn with QPainter (no plotting library): batch loss (raw and smoothed),
validation loss per epoch, and markers for the best epoch, early stopping and a stop.

>>> chart = LossChart()                                  # doctest: +SKIP
>>> chart.add_batch("recognizer", 1, 12.5)               # doctest: +SKIP
>>> chart.add_epoch("recognizer", 1, 40, {"loss": 9.1, "val_loss": 9.8})  # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

__all__ = ["LossChart", "ChartSeries"]

BATCH = QColor("#3d7eff")
VALIDATION = QColor("#f08c00")
EPOCH = QColor("#1c3f99")
BEST = QColor("#2fb171")
EARLY = QColor("#e5484d")
STOPPED = QColor("#8a8f98")
_MAX_POINTS = 1500


@dataclass
class ChartSeries:
    """Everything drawn for one task."""

    batch: list[tuple[int, float]] = field(default_factory=list)
    epochs: list[tuple[int, int, float | None, float | None]] = field(default_factory=list)  # epoch, step, loss, val
    markers: list[tuple[int, str, str]] = field(default_factory=list)  # step, kind, label
    total_steps: int = 0
    steps_per_epoch: int = 0

    def smoothed(self, weight: float = 0.9) -> list[tuple[int, float]]:
        out, value = [], None
        for step, loss in self.batch:
            value = loss if value is None else weight * value + (1 - weight) * loss
            out.append((step, value))
        return out


def _finite(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


class LossChart(QWidget):
    """Loss per batch and validation loss per epoch of the shown task, with markers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: dict[str, ChartSeries] = {}
        self.task: str | None = None
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # -- data ---------------------------------------------------------------------------------
    def clear(self) -> None:
        self.series.clear()
        self.task = None
        self.update()

    def _get(self, task: str) -> ChartSeries:
        if task not in self.series:
            self.series[task] = ChartSeries()
            if self.task is None:
                self.task = task
        return self.series[task]

    def set_task(self, task: str) -> None:
        """Show ``task``'s curves."""
        self._get(task)
        self.task = task
        self.update()

    def set_total(self, task: str, total_steps: int, steps_per_epoch: int) -> None:
        series = self._get(task)
        series.total_steps, series.steps_per_epoch = int(total_steps or 0), int(steps_per_epoch or 0)
        self.update()

    def add_batch(self, task: str, step: int, loss: object) -> None:
        value = _finite(loss)
        if value is not None:
            self._get(task).batch.append((int(step), value))
            self.update()

    def add_epoch(self, task: str, epoch: int, step: int, logs: dict[str, float]) -> None:
        self._get(task).epochs.append((int(epoch), int(step), _finite(logs.get("loss")), _finite(logs.get("val_loss"))))
        self.update()

    def add_marker(self, task: str, step: int, kind: str, label: str) -> None:
        """``kind``: 'best', 'early_stop' or 'stopped'."""
        series = self._get(task)
        if kind == "best":  # one best marker: the latest
            series.markers = [m for m in series.markers if m[1] != "best"]
        series.markers.append((int(step), kind, label))
        self.update()

    # -- drawing ------------------------------------------------------------------------------
    def _values(self, series: ChartSeries) -> list[float]:
        values = [v for _, v in series.batch]
        values += [v for e in series.epochs for v in (e[2], e[3]) if v is not None]
        return values

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        painter.setPen(QPen(QColor("#d8dbe0")))
        painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        series = self.series.get(self.task or "")
        values = self._values(series) if series else []
        if not series or not values:
            painter.setPen(QColor("#8a8f98"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "Loss curves appear here when training starts")
            painter.end()
            return
        plot = QRectF(60, 34, max(10, self.width() - 78), max(10, self.height() - 72))
        lo, hi = min(values), max(values)
        log_scale = lo > 0 and hi / lo > 20
        if log_scale:
            lo, hi = math.log10(lo), math.log10(hi)
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5, hi + 0.5
        pad = (hi - lo) * 0.06
        lo, hi = lo - pad, hi + pad
        last_step = max([s for s, _ in series.batch] + [e[1] for e in series.epochs] + [1])
        max_x = max(series.total_steps, last_step, 1)

        def to_point(step: float, value: float) -> QPointF:
            v = math.log10(value) if log_scale else value
            return QPointF(plot.left() + plot.width() * step / max_x,
                           plot.bottom() - plot.height() * (v - lo) / (hi - lo))

        self._draw_axes(painter, plot, lo, hi, log_scale, max_x, series)
        painter.save()
        painter.setClipRect(plot.adjusted(-4, -4, 4, 4))
        stride = max(1, len(series.batch) // _MAX_POINTS)
        raw = series.batch[::stride]
        self._polyline(painter, [to_point(s, v) for s, v in raw], QColor(BATCH.red(), BATCH.green(), BATCH.blue(), 70), 1.0)
        self._polyline(painter, [to_point(s, v) for s, v in series.smoothed()[::stride]], BATCH, 2.0)
        vals = [(s, v) for _, s, _, v in series.epochs if v is not None]
        self._polyline(painter, [to_point(s, v) for s, v in vals], VALIDATION, 2.0)
        for color, points in ((VALIDATION, vals), (EPOCH, [(s, v) for _, s, v, _ in series.epochs if v is not None])):
            painter.setPen(QPen(QColor("#ffffff"), 1.5))
            painter.setBrush(color)
            for s, v in points:
                painter.drawEllipse(to_point(s, v), 4, 4)
        painter.restore()
        self._draw_markers(painter, plot, series, max_x)
        self._draw_legend(painter, plot, log_scale)
        painter.end()

    @staticmethod
    def _polyline(painter: QPainter, points: list[QPointF], color: QColor, width: float) -> None:
        if len(points) < 2:
            return
        path = QPainterPath(points[0])
        for point in points[1:]:
            path.lineTo(point)
        painter.setPen(QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)

    def _draw_axes(self, painter: QPainter, plot: QRectF, lo: float, hi: float, log_scale: bool, max_x: int,
                   series: ChartSeries) -> None:
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        painter.setFont(small)
        for i in range(5):
            v = lo + (hi - lo) * i / 4
            y = plot.bottom() - plot.height() * i / 4
            painter.setPen(QPen(QColor("#eceef1"), 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(QColor("#5b616b"))
            value = 10 ** v if log_scale else v
            text = f"{value:.3g}"
            painter.drawText(QRectF(0, y - 8, plot.left() - 6, 16),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        spe = series.steps_per_epoch
        epochs = max_x // spe if spe else 0
        if spe and 0 < epochs <= 60:
            every = max(1, math.ceil(epochs / 12))
            for e in range(0, epochs + 1):
                x = plot.left() + plot.width() * e * spe / max_x
                painter.setPen(QPen(QColor("#f1f2f4"), 1))
                painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
                if e % every == 0:
                    painter.setPen(QColor("#5b616b"))
                    painter.drawText(QRectF(x - 20, plot.bottom() + 4, 40, 16), Qt.AlignmentFlag.AlignCenter, str(e))
            caption = "epoch"
        else:
            for i in range(5):
                x = plot.left() + plot.width() * i / 4
                painter.setPen(QColor("#5b616b"))
                painter.drawText(QRectF(x - 30, plot.bottom() + 4, 60, 16), Qt.AlignmentFlag.AlignCenter,
                                 str(int(max_x * i / 4)))
            caption = "step"
        painter.setPen(QColor("#8a8f98"))
        painter.drawText(QRectF(plot.left(), plot.bottom() + 18, plot.width(), 16), Qt.AlignmentFlag.AlignCenter,
                         caption)
        painter.setPen(QPen(QColor("#b9bec6"), 1))
        painter.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        painter.drawLine(QPointF(plot.left(), plot.top()), QPointF(plot.left(), plot.bottom()))

    def _draw_markers(self, painter: QPainter, plot: QRectF, series: ChartSeries, max_x: int) -> None:
        colors = {"best": BEST, "early_stop": EARLY, "stopped": STOPPED}
        for step, kind, label in series.markers:
            color = colors.get(kind, STOPPED)
            x = plot.left() + plot.width() * min(step, max_x) / max_x
            painter.setPen(QPen(color, 1.5, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
            width = painter.fontMetrics().horizontalAdvance(label) + 10
            left = min(max(plot.left(), x - width / 2), plot.right() - width)
            top = plot.top() + (2 if kind == "best" else 20)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(QRectF(left, top, width, 16), 4, 4)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(QRectF(left, top, width, 16), Qt.AlignmentFlag.AlignCenter, label)

    def _draw_legend(self, painter: QPainter, plot: QRectF, log_scale: bool) -> None:
        x = plot.left()
        entries = [(QColor(BATCH.red(), BATCH.green(), BATCH.blue(), 90), "batch loss"), (BATCH, "smoothed"),
                   (EPOCH, "epoch loss"), (VALIDATION, "validation loss")]
        for color, text in entries:
            painter.setPen(QPen(color, 3))
            painter.drawLine(QPointF(x, 16), QPointF(x + 16, 16))
            painter.setPen(QColor("#3a3f47"))
            width = painter.fontMetrics().horizontalAdvance(text)
            painter.drawText(QRectF(x + 20, 8, width + 4, 16), Qt.AlignmentFlag.AlignVCenter, text)
            x += width + 40
        if log_scale:
            painter.setPen(QColor("#8a8f98"))
            painter.drawText(QRectF(plot.right() - 120, 8, 120, 16),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "log scale")
