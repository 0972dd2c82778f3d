"""Keras 3 model definitions: CRAFT detector and CRNN recognizer, plus checked weight loading.

Example::

    >>> from ocr_core.models import build_craft, build_crnn
    >>> detector = build_craft("lite")  # doctest: +SKIP
    >>> backbone, model, training_model, prediction_model = build_crnn(36, "lite")  # doctest: +SKIP
"""

from __future__ import annotations

from ocr_core.models.craft import (
    CRAFT_MEAN,
    CRAFT_STD,
    CRAFT_VARIANTS,
    CraftNet,
    build_craft,
    craft_preprocess,
)
from ocr_core.models.crnn import (
    CRNN_VARIANTS,
    CrnnNet,
    build_crnn,
    crnn_input_shape,
    crnn_submodels,
    crnn_timesteps,
)
from ocr_core.models.loading import load_backbone_weights, load_weights_checked

__all__ = [
    "CRAFT_MEAN",
    "CRAFT_STD",
    "CRAFT_VARIANTS",
    "CRNN_VARIANTS",
    "CraftNet",
    "CrnnNet",
    "build_craft",
    "build_crnn",
    "craft_preprocess",
    "crnn_input_shape",
    "crnn_submodels",
    "crnn_timesteps",
    "load_backbone_weights",
    "load_weights_checked",
]
