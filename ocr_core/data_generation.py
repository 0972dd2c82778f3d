"""keras-ocr compatible ``data_generation``: the seed's names over :mod:`ocr_core.synth`.

Same names and positional signatures as keras-ocr 0.9; extras are keyword-only. Differences:
nothing is downloaded (fonts come from the system and user folders, backgrounds are your photos
plus procedural images), generation is seeded (``seed=``), fonts are checked for legibility, and
spaces are kept as entries in ``lines`` (with a quad between the words).

>>> import ocr_core as keras_ocr
>>> alphabet = "0123456789abcdefghijklmnopqrstuvwxyz "
>>> fonts = keras_ocr.data_generation.get_fonts(alphabet=alphabet, cache_dir="/tmp/ocr-cache")  # doctest: +SKIP
>>> text_generator = keras_ocr.data_generation.get_text_generator(alphabet=alphabet)             # doctest: +SKIP
"""

from __future__ import annotations

from ocr_core.synth.backgrounds import get_backgrounds
from ocr_core.synth.crops import get_crop_generator
from ocr_core.synth.dataset import (
    convert_image_generator_to_recognizer_input,
    convert_lines_to_paragraph,
    split_fonts_and_backgrounds,
    train_val_test_split,
)
from ocr_core.synth.fonts import font_supports_alphabet, get_font_groups, get_fonts
from ocr_core.synth.parallel import parallel_generator
from ocr_core.synth.render import get_image_generator, get_rotation_matrix
from ocr_core.synth.text import get_text_generator

__all__ = [
    "get_fonts",
    "get_font_groups",
    "font_supports_alphabet",
    "get_backgrounds",
    "get_text_generator",
    "get_image_generator",
    "get_rotation_matrix",
    "convert_lines_to_paragraph",
    "convert_image_generator_to_recognizer_input",
    "get_crop_generator",
    "split_fonts_and_backgrounds",
    "train_val_test_split",
    "parallel_generator",
]
