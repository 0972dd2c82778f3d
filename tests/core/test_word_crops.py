"""Word crops: context kept around tight detector boxes (inference and annotated training crops alike), and
vertical text read turned a quarter."""

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


def _fake_probabilities(alphabet: str, readings):
    """predict_probabilities stand-in: each crop's text and path probability come from ``readings(crop)``."""

    def predict(crops, batch_size=64):
        out = np.zeros((len(crops), 8, len(alphabet) + 1), np.float32)
        for n, crop in enumerate(crops):
            text, p = readings(np.asarray(crop))
            labels = [alphabet.index(c) for c in text] + [len(alphabet)] * (8 - len(text))
            for t, label in enumerate(labels):
                out[n, t, :] = (1 - p) / len(alphabet)
                out[n, t, label] = p
        return out

    return predict


def test_tall_crops_are_also_read_turned_a_quarter() -> None:
    from ocr_core.recognition import TALL_RATIO, Recognizer

    rec = Recognizer(weights=None, variant="lite")
    # The fake model reads "ab" confidently in any wide crop, and a doubtful "l" in a tall one.
    rec.predict_probabilities = _fake_probabilities(
        rec.alphabet, lambda c: ("ab", 0.95) if c.shape[1] > c.shape[0] else ("l", 0.6))
    tall = np.zeros((int(20 * TALL_RATIO) + 10, 20, 3), np.uint8)
    wide = np.zeros((20, 60, 3), np.uint8)
    squarish = np.zeros((25, 20, 3), np.uint8)  # not tall enough to be turned
    texts = [t for t, _ in rec.recognize_crops([tall, wide, squarish])]
    assert texts == ["ab", "ab", "l"]
    assert [t for t, _ in rec.recognize_crops([tall], rotate_tall=False)] == ["l"]


def test_a_turned_single_character_never_replaces_the_upright_reading() -> None:
    from ocr_core.recognition import Recognizer

    rec = Recognizer(weights=None, variant="lite")
    rec.predict_probabilities = _fake_probabilities(
        rec.alphabet, lambda c: ("-", 0.99) if c.shape[1] > c.shape[0] else ("1", 0.5))
    (text, conf), = rec.recognize_crops([np.zeros((40, 12, 3), np.uint8)])
    assert text == "1" and 0 < conf < 0.99


def test_a_turned_reading_replaces_an_empty_upright_one() -> None:
    from ocr_core.recognition import Recognizer

    rec = Recognizer(weights=None, variant="lite")
    # Upright the model is sure there is nothing (all blank); turned it reads a word, less surely.
    rec.predict_probabilities = _fake_probabilities(
        rec.alphabet, lambda c: ("Ave", 0.7) if c.shape[1] > c.shape[0] else ("", 0.99))
    (text, _), = rec.recognize_crops([np.zeros((60, 20, 3), np.uint8)])
    assert text == "Ave"
