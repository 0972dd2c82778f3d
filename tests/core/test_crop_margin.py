"""Word crops keep context around tight detector boxes, the same at inference and for annotated training crops."""

from __future__ import annotations

import numpy as np
import pytest

from ocr_core.document import Line, Page, Word
from ocr_core.geometry import DEFAULT_CROP_MARGIN, quad_from_rect


def _page_image() -> np.ndarray:
    """White page with a black bar just above and just below the box (10..30 rows) at 20..80 columns."""
    image = np.full((60, 100, 3), 255, np.uint8)
    image[7:9, 20:80] = 0  # 1-3 px above the box: only visible with a margin
    image[31:33, 20:80] = 0  # just below it
    return image


def test_recognizer_crops_include_the_margin() -> None:
    from ocr_core.recognition import Recognizer

    rec = Recognizer(weights=None, variant="lite")
    assert rec.crop_margin == pytest.approx(DEFAULT_CROP_MARGIN)
    box = quad_from_rect(20, 10, 80, 30)
    with_margin = rec.crop_boxes(_page_image(), [box])[0]
    rec.crop_margin = 0.0
    tight = rec.crop_boxes(_page_image(), [box])[0]
    # Tight: only the white inside of the box; with the margin the bars above and below come in.
    assert tight.min() == 255
    assert with_margin.min() < 100
    assert with_margin.shape[0] == tight.shape[0] == rec.input_height * 2
    # The side margins add context too: the grown box is relatively wider than tall by less.
    assert with_margin.shape[1] / with_margin.shape[0] < tight.shape[1] / tight.shape[0]
    kurapan = Recognizer(weights=None, variant="kurapan")
    assert kurapan.crop_margin == 0.0  # keras-ocr's published models read tight crops


def test_annotated_training_crops_use_the_same_margin(tmp_path) -> None:
    import cv2

    from ocr_core.training.data import extract_word_crops

    path = tmp_path / "page.png"
    cv2.imwrite(str(path), _page_image())
    page = Page(width=100, height=60, image_path=str(path),
                lines=[Line(words=[Word(quad_from_rect(20, 10, 80, 30), "bar", 1.0)])])
    (crop, text), = extract_word_crops([page], 32, 128, 1)
    (tight, _), = extract_word_crops([page], 32, 128, 1, margin=0.0)
    assert text == "bar"
    assert crop.shape == tight.shape == (32, 128, 1)
    assert tight[:, :90].min() > 200 and crop.min() < 100
