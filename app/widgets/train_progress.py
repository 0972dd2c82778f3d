"""A training run as it happens: headline and state, progress with ETA, loss curves and a log.

Feed it :class:`~ocr_core.training.callbacks.TrainingEvent`-like objects (``kind``, ``step``,
``epoch``, ``logs``, ``message``, ``total_steps``, ``epochs``) with :meth:`ProgressPanel.on_event`.

>>> panel = ProgressPanel()                              # doctest: +SKIP
>>> panel.start_run(("recognizer",))                     # doctest: +SKIP
>>> panel.on_event("recognizer", event)                  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.widgets.train_chart import LossChart

__all__ = ["ProgressPanel", "format_duration"]

_STATES = {
    "idle": ("#8a8f98", "Not started"), "preparing": ("#f0a020", "Preparing"), "running": ("#3d7eff", "Training"),
    "stopping": ("#f0a020", "Stopping"), "completed": ("#2fb171", "Finished"), "early_stopped": ("#2fb171",
                                                                                               "Stopped early"),
    "cancelled": ("#8a8f98", "Stopped"), "failed": ("#e5484d", "Failed"), "comparing": ("#3d7eff", "Measuring"),
}


def format_duration(seconds: float) -> str:
    """``"45 s"``, ``"3 min 05 s"``, ``"1 h 02 min"``."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _logs_text(logs: dict[str, float]) -> str:
    keys = [k for k in ("loss", "val_loss") if k in logs] + sorted(k for k in logs if k not in ("loss", "val_loss"))
    return ", ".join(f"{k} {logs[k]:.4g}" for k in keys if isinstance(logs[k], (int, float)))


class ProgressPanel(QWidget):
    """Progress, ETA, chart and log of the running (or last) training."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("No training yet")
        title_font = self.title.font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.state = QLabel()
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.eta = QLabel("")
        self.eta.setStyleSheet("color: #5b616b;")
        self.task_combo = QComboBox()
        self.task_combo.currentIndexChanged.connect(self._on_task_combo)
        self.task_combo.hide()
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        self.chart = LossChart()
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(5000)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(max(8.0, mono.pointSizeF() * 0.9))
        self.log.setFont(mono)
        self.log.setPlaceholderText("The training log appears here.")

        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addSpacing(8)
        head.addWidget(self.state)
        head.addStretch(1)
        head.addWidget(self.task_combo)
        progress = QHBoxLayout()
        progress.addWidget(self.bar, 1)
        progress.addWidget(self.eta)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.chart)
        split.addWidget(self.log)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        split.setSizes([520, 150])
        self.log.setMinimumHeight(90)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(head)
        layout.addLayout(progress)
        layout.addWidget(self.banner)
        layout.addWidget(split, 1)
        self._reset_counters()
        self.set_state("idle")

    def _reset_counters(self) -> None:
        self.totals: dict[str, int] = {}
        self.done: dict[str, int] = {}
        self.epochs: dict[str, tuple[int, int]] = {}
        self.started_at: float | None = None
        self.steps_at_start = 0
        self.current: str | None = None
        self.last_status = "idle"

    # -- state --------------------------------------------------------------------------------
    def set_state(self, state: str, detail: str = "") -> None:
        color, text = _STATES.get(state, ("#8a8f98", state))
        self.last_status = state
        self.state.setText(text + (f" \u00b7 {detail}" if detail else ""))
        self.state.setStyleSheet(f"QLabel {{ background: {color}; color: white; border-radius: 9px; "
                                 "padding: 2px 10px; font-weight: 600; }")

    def show_banner(self, text: str, kind: str = "info") -> None:
        colors = {"info": ("#e8f0ff", "#1c3f99", "#b9cdf8"), "success": ("#e6f6ee", "#1d6b45", "#b3e0c8"),
                  "warning": ("#fff4e0", "#7a4b00", "#f3d39b"), "error": ("#fde8e8", "#8a1c1c", "#f3b4b4")}
        bg, fg, border = colors.get(kind, colors["info"])
        self.banner.setStyleSheet(f"QLabel {{ background: {bg}; color: {fg}; border: 1px solid {border}; "
                                  "border-radius: 4px; padding: 6px 10px; }")
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def start_run(self, tasks: Sequence[str]) -> None:
        """Clear everything for a new run of ``tasks``."""
        self._reset_counters()
        self.chart.clear()
        self.log.clear()
        self.show_banner("")
        self.task_combo.blockSignals(True)
        self.task_combo.clear()
        for task in tasks:
            self.task_combo.addItem(task.capitalize(), task)
        self.task_combo.blockSignals(False)
        if tasks:
            self.chart.set_task(tasks[0])
        self.task_combo.setVisible(len(tasks) > 1)
        self.title.setText("Training the " + " and the ".join(tasks))
        self.bar.setRange(0, 0)
        self.eta.setText("Preparing data and model\u2026")
        self.set_state("preparing")

    def append_log(self, text: str) -> None:
        self.log.appendPlainText(time.strftime("%H:%M:%S  ") + text)

    def _on_task_combo(self, index: int) -> None:
        task = self.task_combo.itemData(index)
        if task:
            self.chart.set_task(str(task))

    # -- events -------------------------------------------------------------------------------
    def on_event(self, task: str, event: Any) -> None:
        kind = event.kind
        if task == "compare":
            self.set_state("comparing")
            self.append_log(event.message)
            return
        if kind == "start":
            self._on_start(task, event)
        elif kind == "batch":
            self._on_batch(task, event)
        elif kind == "epoch":
            self.chart.add_epoch(task, event.epoch, event.step, event.logs)
            self.append_log(f"{task} epoch {event.epoch}/{event.epochs or '?'}: {_logs_text(event.logs)}")
        elif kind == "checkpoint":
            self.chart.add_marker(task, self._epoch_step(task, event.epoch), "best", f"best \u00b7 epoch {event.epoch}")
            self.append_log(f"{task}: {event.message}")
        elif kind == "early_stop":
            self.chart.add_marker(task, self._epoch_step(task, event.epoch), "early_stop", "early stop")
            self.append_log(f"{task}: early stopping: {event.message}")
            self.show_banner(f"Early stopping fired at epoch {event.epoch} of the {task}: {event.message}. "
                             "The best checkpoint is kept.", "warning")
        elif kind == "end":
            self.append_log(f"{task}: {event.message}")
        elif kind == "error":
            self.append_log(f"{task}: error: {event.message}")
        elif event.message:
            self.append_log(f"{task}: {event.message}")

    def _epoch_step(self, task: str, epoch: int) -> int:
        spe = self.chart.series.get(task)
        return epoch * spe.steps_per_epoch if spe and spe.steps_per_epoch else self.done.get(task, 0)

    def _on_start(self, task: str, event: Any) -> None:
        spe = int(event.logs.get("steps_per_epoch", 0) or 0)
        total = int(event.total_steps or 0)
        self.totals[task] = total
        self.done[task] = int(event.logs.get("initial_epoch", 0) or 0) * spe
        self.current = task
        self.chart.set_total(task, total, spe)
        self.chart.set_task(task)
        index = self.task_combo.findData(task)
        if index >= 0:
            self.task_combo.setCurrentIndex(index)
        self.started_at = time.monotonic()
        self.steps_at_start = sum(self.done.values())
        self.set_state("running", task)
        self.append_log(f"{task}: {event.message}")
        self._update_progress(task, event.epoch, event.epochs or 0)

    def _on_batch(self, task: str, event: Any) -> None:
        self.done[task] = int(event.step)
        self.chart.add_batch(task, event.step, event.logs.get("loss"))
        self._update_progress(task, event.epoch, event.epochs or 0)

    def _update_progress(self, task: str, epoch: int, epochs: int) -> None:
        total = sum(self.totals.values())
        done = sum(self.done.values())
        pending = len([t for t in range(self.task_combo.count()) if self.task_combo.itemData(t) not in self.totals])
        if total <= 0:
            return
        self.bar.setRange(0, total)
        self.bar.setValue(min(done, total))
        self.bar.setFormat(f"{task} \u00b7 epoch {max(epoch, 1)}/{epochs} \u00b7 step {self.done[task]}/"
                           f"{self.totals[task]}")
        now = time.monotonic()
        steps = done - self.steps_at_start
        if self.started_at is not None and steps > 0:
            per_step = (now - self.started_at) / steps
            rest = per_step * (total - done)
            more = " + the next model" if pending else ""
            self.eta.setText(f"{per_step:.2f} s/step \u00b7 ETA {format_duration(rest)}{more}")

    def finish(self, status: str, message: str) -> None:
        """The run ended (``status``: completed, early_stopped, cancelled, failed)."""
        total = max(1, sum(self.totals.values()))
        full = status in ("completed", "early_stopped")
        self.bar.setRange(0, total)
        self.bar.setValue(total if full else min(total, sum(self.done.values())))
        labels = {"completed": "Finished", "early_stopped": "Stopped early: no more improvement",
                  "cancelled": "Stopped", "failed": "Failed"}
        self.bar.setFormat(labels.get(status, status))
        self.eta.setText("")
        if status == "cancelled" and self.current:
            self.chart.add_marker(self.current, self.done.get(self.current, 0), "stopped", "stopped")
        self.set_state(status)
        kinds = {"completed": "success", "early_stopped": "success", "cancelled": "warning", "failed": "error"}
        if status != "early_stopped" or not self.banner.isVisible():
            self.show_banner(message, kinds.get(status, "info"))
        else:
            self.show_banner(self.banner.text() + "\n" + message, "success")
        self.append_log(message)
