"""Training and its building blocks: CRAFT targets and losses, batch generators, one runner.

>>> from ocr_core.training import TrainConfig, train           # doctest: +SKIP
>>> result = train(TrainConfig(task="recognizer", data=["synthetic:2048"], epochs=3, out_dir="runs/r"))  # doctest: +SKIP

Names load lazily so ``import ocr_core.training`` does not import Keras.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "TrainConfig": "config",
    "TrainResult": "config",
    "DataSource": "data",
    "parse_data_source": "data",
    "TrainingEvent": "callbacks",
    "train": "runner",
    "detector_batches": "batches",
    "recognizer_batches": "batches",
    "DetectorSample": "batches",
    "compute_maps": "craft_targets",
    "compute_targets": "craft_targets",
    "gaussian_heatmap": "craft_targets",
    "craft_loss": "losses",
    "CraftLoss": "losses",
    "word_char_boxes": "weak",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'ocr_core.training' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"ocr_core.training.{module_name}"), name)
    globals()[name] = value
    return value
