"""Atomic checkpoints: weights, optimizer state and runner state, each written to a temporary file in
the same folder and renamed over the target, so a full disk or a crash never corrupts the last good one.

Layout of ``<out_dir>/checkpoints``::

    best.ckpt.weights.h5     best weights so far (by the monitored loss)
    last.ckpt.weights.h5     weights at the end of the last finished epoch
    last.optimizer.npz       optimizer variables at that point (resume)
    state.json               epoch, best value, early-stopping wait, global step, history

>>> paths = CheckpointPaths(Path("run"))
>>> paths.best.name
'best.ckpt.weights.h5'
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ocr_core.atomic import atomic_write_text

__all__ = ["CheckpointPaths", "save_weights_atomic", "write_weights_atomic", "strip_optimizer", "save_optimizer_state",
           "load_optimizer_state", "write_state", "read_state"]


@dataclass(frozen=True)
class CheckpointPaths:
    """File names of one run's checkpoints."""

    out_dir: Path

    @property
    def folder(self) -> Path:
        return Path(self.out_dir) / "checkpoints"

    @property
    def best(self) -> Path:
        return self.folder / "best.ckpt.weights.h5"

    @property
    def last(self) -> Path:
        return self.folder / "last.ckpt.weights.h5"

    @property
    def optimizer(self) -> Path:
        return self.folder / "last.optimizer.npz"

    def epoch(self, number: int) -> Path:
        """Weights kept after epoch ``number`` (``TrainConfig.keep_epochs``), for averaging."""
        return self.folder / f"epoch-{number:04d}.weights.h5"

    def kept_epochs(self) -> list[Path]:
        """The kept per-epoch weights, oldest first."""
        return sorted(self.folder.glob("epoch-[0-9][0-9][0-9][0-9].weights.h5"))

    @property
    def state(self) -> Path:
        return self.folder / "state.json"

    @property
    def csv(self) -> Path:
        return Path(self.out_dir) / "training.csv"


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _write_weights(model: Any, path: Path) -> None:
    """Write ``model``'s weights to ``path`` (a ``.weights.h5`` name); tests replace this to fail."""
    model.save_weights(str(path))


def strip_optimizer(path: Path) -> bool:
    """Remove the optimizer variables Keras 3 ``save_weights`` adds for a compiled model, so the file
    loads into a fresh (uncompiled) model; True when something was removed."""
    import h5py

    with h5py.File(path, "r+") as f:
        if "optimizer" in f:
            del f["optimizer"]
            return True
    return False


def write_weights_atomic(target: Path, write: Callable[[Path], object]) -> Path:
    """Have ``write(tmp)`` write a ``.weights.h5`` beside ``target``, fsync it, then replace ``target``.

    On any error (``OSError`` from a full disk included) the temporary file is removed, ``target`` is
    left as it was, and the error propagates.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".tmp-{uuid.uuid4().hex[:8]}.weights.h5"
    try:
        write(tmp)
        _fsync(tmp)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            with contextlib.suppress(OSError):
                tmp.unlink()
    return target


def save_weights_atomic(model: Any, target: Path) -> Path:
    """Save a model's weights atomically (see :func:`write_weights_atomic`), without optimizer variables."""

    def write(tmp: Path) -> None:
        _write_weights(model, tmp)
        strip_optimizer(tmp)  # optimizer state is kept separately (last.optimizer.npz)

    return write_weights_atomic(target, write)


def _variables(optimizer: Any) -> list[Any]:
    return list(getattr(optimizer, "variables", []))


def save_optimizer_state(optimizer: Any, target: Path) -> None:
    """Save the optimizer's variables (numpy arrays, in order) atomically to an ``.npz``."""
    from keras import ops

    arrays = {f"v{i:05d}": np.asarray(ops.convert_to_numpy(v)) for i, v in enumerate(_variables(optimizer))}
    target = Path(target)
    tmp = target.parent / f".tmp-{uuid.uuid4().hex[:8]}.npz"
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            with contextlib.suppress(OSError):
                tmp.unlink()


def load_optimizer_state(optimizer: Any, trainable_variables: list[Any], source: Path) -> bool:
    """Build the optimizer and assign saved variables; False (nothing changed) when shapes differ."""
    with np.load(source) as data:
        arrays = [data[k] for k in sorted(data.files)]
    if not optimizer.built:
        optimizer.build(trainable_variables)
    variables = _variables(optimizer)
    if len(variables) != len(arrays) or any(tuple(v.shape) != a.shape for v, a in zip(variables, arrays)):
        return False
    for v, a in zip(variables, arrays):
        v.assign(a.astype(v.dtype if isinstance(v.dtype, str) else np.float32))
    return True


def write_state(target: Path, state: dict[str, Any]) -> None:
    atomic_write_text(target, json.dumps(state, indent=2, default=float) + "\n")


def read_state(source: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
