"""Keras callbacks of the training runner: events, cancellation, NaN guard, early stopping with resume
state, and atomic checkpoints. Backend-agnostic (plain Keras 3 callbacks).

>>> events = []
>>> cb = EventCallback(events.append, steps_per_epoch=10)
>>> cb.on_train_batch_end(0, {"loss": 1.0})
>>> events[0].kind, events[0].step
('batch', 1)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from ocr_core.cancel import CancelToken
from ocr_core.training.checkpoints import (
    CheckpointPaths,
    save_optimizer_state,
    save_weights_atomic,
    write_state,
    write_weights_atomic,
)

__all__ = ["TrainingEvent", "EventCallback", "StopFlags", "GuardCallback", "StopAtEpochEndCallback",
           "ResumableEarlyStopping", "CheckpointCallback", "EpochCsvLogger", "to_floats"]


@dataclass
class TrainingEvent:
    """One progress report of a training run.

    ``kind``: 'start', 'batch', 'epoch', 'early_stop', 'checkpoint', 'end', 'error' or 'log'.
    ``step`` is the global batch count (1-based), ``epoch`` the 1-based epoch.
    """

    kind: str
    step: int = 0
    epoch: int = 0
    logs: dict[str, float] = field(default_factory=dict)
    message: str = ""
    total_steps: int | None = None
    epochs: int | None = None


def to_floats(logs: dict[str, Any] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in (logs or {}).items():
        try:
            out[key] = float(np.asarray(value))
        except (TypeError, ValueError):
            continue
    return out


class EventCallback(keras.callbacks.Callback):
    """Send 'batch' and 'epoch' :class:`TrainingEvent` s to ``emit``.

    With ``flags``, an epoch cut short by a cancel (during its batches or its validation) is reported as a 'log'
    event saying so, not as an 'epoch' event: its losses cover part of the data, and the epoch is not saved.
    """

    def __init__(self, emit: Callable[[TrainingEvent], None], steps_per_epoch: int, epochs: int | None = None,
                 initial_epoch: int = 0, flags: StopFlags | None = None) -> None:
        super().__init__()
        self.emit = emit
        self.flags = flags
        self.steps_per_epoch = steps_per_epoch
        self.epochs = epochs
        self.epoch = initial_epoch
        self.total = steps_per_epoch * epochs if epochs else None

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        step = self.epoch * self.steps_per_epoch + batch + 1
        self.emit(TrainingEvent("batch", step=step, epoch=self.epoch + 1, logs=to_floats(logs),
                                total_steps=self.total, epochs=self.epochs))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        step = (epoch + 1) * self.steps_per_epoch
        if self.flags is not None and self.flags.cancelled and self.flags.epoch_dirty:
            self.emit(TrainingEvent("log", step=step, epoch=epoch + 1, total_steps=self.total, epochs=self.epochs,
                                    message=f"epoch {epoch + 1} cut short by the stop: not checkpointed (a resume "
                                            "trains it again)"))
            return
        self.emit(TrainingEvent("epoch", step=step, epoch=epoch + 1, logs=to_floats(logs), total_steps=self.total,
                                epochs=self.epochs))


@dataclass
class StopFlags:
    """Why a run stopped early (shared by the callbacks and the runner)."""

    cancelled: bool = False
    nan: bool = False
    nan_step: int = 0
    epoch_dirty: bool = False  # the current epoch was cut short: do not checkpoint or early-stop on it
    save_error: str = ""  # a checkpoint could not be written (a full disk): the run stops, and says why
    steps: int = 0  # batches trained by this call (with a finite loss)


class EpochCsvLogger(keras.callbacks.CSVLogger):
    """``CSVLogger`` that writes no row for an epoch cut short (cancelled, or a non-finite loss): that epoch is
    not checkpointed, a resume trains it again, and its row would then appear twice. Put it after the
    :class:`GuardCallback`, which marks such epochs."""

    def __init__(self, filename: str, flags: StopFlags, append: bool = False) -> None:
        super().__init__(filename, append=append)
        self.flags = flags

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if not self.flags.epoch_dirty:
            super().on_epoch_end(epoch, logs)


class GuardCallback(keras.callbacks.Callback):
    """Stop within one batch on cancellation or a non-finite loss (the epoch is then not checkpointed)."""

    def __init__(self, flags: StopFlags, cancel: CancelToken | None) -> None:
        super().__init__()
        self.flags = flags
        self.cancel = cancel
        self._step = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.flags.epoch_dirty = False

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._step += 1
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(np.asarray(loss))):
            self.flags.nan = True
            self.flags.nan_step = self._step
            self.flags.epoch_dirty = True
            self.model.stop_training = True
        else:
            self.flags.steps = self._step
        if self.cancel is not None and self.cancel.cancelled:
            self.flags.cancelled = True
            self.flags.epoch_dirty = True
            self.model.stop_training = True

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.cancel is not None and self.cancel.cancelled:
            self.flags.cancelled = True
            self.flags.epoch_dirty = True
            self.model.stop_evaluating = True

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        values = to_floats(logs)
        if any(not math.isfinite(v) for k, v in values.items() if k.endswith("loss")):
            self.flags.nan = True
            self.flags.epoch_dirty = True
            self.model.stop_training = True


class StopAtEpochEndCallback(keras.callbacks.Callback):
    """Stop at the end of a whole epoch when the cancel came while that epoch ended (a stop asked for by the
    'epoch' event's handler: a time budget, a click between epochs). :class:`GuardCallback` notices a cancel only
    after a batch, so without this the next epoch would train one batch and throw it away. Put it last, after
    the checkpoint: the finished epoch is saved as usual."""

    def __init__(self, flags: StopFlags, cancel: CancelToken | None) -> None:
        super().__init__()
        self.flags = flags
        self.cancel = cancel

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.cancel is not None and self.cancel.cancelled and not self.flags.epoch_dirty:
            self.flags.cancelled = True
            self.model.stop_training = True


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """EarlyStopping that can start from a saved ``best``/``wait`` and ignores cut-short epochs."""

    def __init__(self, flags: StopFlags, initial: dict[str, Any] | None = None,
                 emit: Callable[[TrainingEvent], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flags = flags
        self.initial = initial or {}
        self.emit = emit

    def on_train_begin(self, logs: dict | None = None) -> None:
        super().on_train_begin(logs)
        if self.initial.get("best") is not None:
            self.best = float(self.initial["best"])
            self.wait = int(self.initial.get("wait", 0))
            self.best_epoch = int(self.initial.get("best_epoch", 0))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.flags.epoch_dirty:
            return
        super().on_epoch_end(epoch, logs)
        if self.model.stop_training and self.stopped_epoch == epoch and self.emit is not None:
            self.emit(TrainingEvent("early_stop", epoch=epoch + 1, logs=to_floats(logs),
                                    message=f"no improvement of {self.monitor} for {self.wait} epoch(s); "
                                            f"best was epoch {self.best_epoch + 1}"))

    def on_train_end(self, logs: dict | None = None) -> None:
        # The runner restores the best checkpoint itself (also after NaN or cancellation).
        pass


class CheckpointCallback(keras.callbacks.Callback):
    """After each complete epoch: save last weights + optimizer + state; on improvement, the best weights.

    Writes are atomic; an ``OSError`` (full disk) is reported through ``emit`` as an 'error' event and
    training goes on with the previous checkpoint intact. ``on_best(epoch, logs)`` runs after a new best
    checkpoint was written (the runner refreshes the model folder there).
    """

    def __init__(self, paths: CheckpointPaths, save_model: keras.Model, monitor: str, flags: StopFlags,
                 emit: Callable[[TrainingEvent], None], steps_per_epoch: int,
                 early_stopping: ResumableEarlyStopping | None = None, initial: dict[str, Any] | None = None,
                 on_best: Callable[[int, dict[str, float]], None] | None = None,
                 extra_state: dict[str, Any] | None = None, keep_epochs: int = 0) -> None:
        super().__init__()
        self.keep_epochs = int(keep_epochs)
        self.extra_state = dict(extra_state or {})
        self.paths = paths
        self.save_model = save_model
        self.monitor = monitor
        self.flags = flags
        self.emit = emit
        self.steps_per_epoch = steps_per_epoch
        self.early_stopping = early_stopping
        self.on_best = on_best
        initial = initial or {}
        self.best: float | None = initial.get("best_value")
        self.best_epoch: int | None = initial.get("best_epoch_index")
        self.best_logs: dict[str, float] = dict(initial.get("best_logs") or {})
        self.history: list[dict[str, float]] = list(initial.get("history") or [])
        self.started = time.monotonic()
        self.elapsed_before = float(initial.get("elapsed", 0.0))

    def state(self, epoch: int) -> dict[str, Any]:
        es = self.early_stopping
        return {
            "epoch": epoch + 1,  # epochs completed
            "global_step": (epoch + 1) * self.steps_per_epoch,
            "monitor": self.monitor,
            "best_value": self.best,
            "best_epoch_index": self.best_epoch,
            "best_logs": self.best_logs,
            "best": None if es is None or es.best is None else float(es.best),
            "wait": 0 if es is None else int(es.wait),
            "best_epoch": 0 if es is None else int(es.best_epoch),
            "history": self.history,
            "elapsed": self.elapsed_before + time.monotonic() - self.started,
            **self.extra_state,
        }

    def _keep_epoch(self, number: int) -> None:
        """Copy the last weights as ``epoch-NNNN`` and drop all but the newest ``keep_epochs`` copies."""
        import shutil

        write_weights_atomic(self.paths.epoch(number), lambda tmp: shutil.copyfile(self.paths.last, tmp))
        for old in self.paths.kept_epochs()[: -self.keep_epochs]:
            old.unlink(missing_ok=True)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.flags.epoch_dirty:
            return
        values = to_floats(logs)
        self.history.append({"epoch": epoch + 1, **values})
        current = values.get(self.monitor)
        improved = current is not None and math.isfinite(current) and (self.best is None or current < self.best)
        try:
            if improved:
                save_weights_atomic(self.save_model, self.paths.best)
                self.best, self.best_epoch, self.best_logs = current, epoch, values
            save_weights_atomic(self.save_model, self.paths.last)
            if self.model.optimizer is not None:
                save_optimizer_state(self.model.optimizer, self.paths.optimizer)
            write_state(self.paths.state, self.state(epoch))
        except OSError as exc:
            # Training on would only lose more: no later checkpoint can be written either (a full disk, a folder
            # gone or read-only). The run stops and fails with the reason; an earlier checkpoint is still the model.
            self.flags.save_error = f"epoch {epoch + 1}'s checkpoint could not be written ({exc})"
            self.emit(TrainingEvent("error", epoch=epoch + 1, logs=values, message=self.flags.save_error))
            if self.model is not None:
                self.model.stop_training = True
            return
        if self.keep_epochs > 0:  # after the checkpoint is complete: a failed copy leaves it consistent
            try:
                self._keep_epoch(epoch + 1)
            except OSError as exc:
                self.emit(TrainingEvent("error", epoch=epoch + 1, logs=values,
                                        message=f"epoch {epoch + 1}'s weights not kept for averaging ({exc})"))
        if improved:
            self.emit(TrainingEvent("checkpoint", epoch=epoch + 1, logs=values,
                                    message=f"best {self.monitor} {current:.4f}: saved {self.paths.best}"))
            if self.on_best is not None:
                self.on_best(epoch, values)
