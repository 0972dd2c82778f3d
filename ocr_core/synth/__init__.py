"""Synthetic training data: fonts, backgrounds, text sources, page images with character boxes and
fast word crops. Nothing here imports TensorFlow or Keras, so generation runs in plain worker
processes.

>>> from ocr_core.synth import get_fonts, get_crop_generator  # doctest: +SKIP
>>> fonts = get_fonts("abc")                                   # doctest: +SKIP
>>> crop, text = next(get_crop_generator("abc", fonts, seed=1))  # doctest: +SKIP

The public names are spread over small modules (``fonts``, ``text``, ``backgrounds``, ``render``,
``augment``, ``crops``, ``dataset``, ``parallel``, ``glyphs``); they are re-exported lazily here.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DEFAULT_ALPHABET": "fonts",
    "system_font_dirs": "fonts",
    "find_font_files": "fonts",
    "font_supports_alphabet": "fonts",
    "font_family": "fonts",
    "get_fonts": "fonts",
    "get_font_groups": "fonts",
    "count_families": "fonts",
    "TextSampler": "text",
    "get_text_generator": "text",
    "load_words": "text",
    "get_backgrounds": "backgrounds",
    "generate_backgrounds": "backgrounds",
    "make_background": "backgrounds",
    "get_image_generator": "render",
    "get_rotation_matrix": "render",
    "drawable_chars": "fonts",
    "drawable_text": "fonts",
    "required_chars": "fonts",
    "get_training_fonts": "fonts",
    "worker_seed": "parallel",
    "GlyphCache": "glyphs",
    "FontCache": "glyphs",
    "photometric_augment": "augment",
    "geometric_augment": "augment",
    "get_crop_generator": "crops",
    "resize_and_pad": "crops",
    "convert_lines_to_paragraph": "dataset",
    "convert_image_generator_to_recognizer_input": "dataset",
    "lines_to_words": "dataset",
    "split_fonts_and_backgrounds": "dataset",
    "train_val_test_split": "dataset",
    "parallel_generator": "parallel",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'ocr_core.synth' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"ocr_core.synth.{module_name}"), name)
    globals()[name] = value
    return value
