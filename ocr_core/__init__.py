"""OCR Studio engine: CRAFT text detection, CRNN recognition, synthetic data and training.

The keras-ocr-compatible modules (``pipeline``, ``detection``, ``recognition``,
``data_generation``, ``tools``, ``evaluation``) load lazily, so ``import ocr_core`` stays fast
and does not import TensorFlow until a model is needed::

    import ocr_core as keras_ocr
    pipeline = keras_ocr.pipeline.Pipeline()
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY_MODULES = {
    "pipeline",
    "detection",
    "recognition",
    "data_generation",
    "tools",
    "evaluation",
    "document",
    "formats",
    "imageio",
    "errors",
}

__all__ = sorted(_LAZY_MODULES | {"__version__"})


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        module = importlib.import_module(f"ocr_core.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'ocr_core' has no attribute {name!r}")
