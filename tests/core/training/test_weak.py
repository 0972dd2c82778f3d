import numpy as np
import pytest

from ocr_core.training.craft_targets import compute_maps, gaussian_heatmap
from ocr_core.training.weak import (
    find_char_splits,
    length_confidence,
    split_word_at,
    split_word_quad,
    word_char_boxes,
)

WORD = np.array([[10, 10], [70, 10], [70, 30], [10, 30]], np.float32)


def test_equal_split_follows_the_quad():
    boxes = split_word_quad(WORD, 3)
    assert boxes.shape == (3, 4, 2)
    np.testing.assert_allclose(boxes[0], [[10, 10], [30, 10], [30, 30], [10, 30]])
    np.testing.assert_allclose(boxes[-1][1], [70, 10])
    np.testing.assert_allclose(split_word_at(WORD, [0, 0.5, 1])[1][0], [40, 10])


def test_length_confidence_is_crafts_formula():
    assert length_confidence(5, 5) == 1.0
    assert length_confidence(5, 4) == pytest.approx(0.8)
    assert length_confidence(2, 9) == 0.0


def test_splits_found_at_valleys_between_peaks():
    x = np.arange(60)
    profile = sum(np.exp(-0.5 * ((x - c) / 3) ** 2) for c in (10, 30, 50))
    cuts = find_char_splits(profile)
    assert len(cuts) == 4
    assert cuts[1] == pytest.approx(20 / 60, abs=0.03) and cuts[2] == pytest.approx(40 / 60, abs=0.03)
    assert find_char_splits(np.zeros(30)) == []


def test_model_region_map_places_uneven_characters():
    # three characters of different widths; the "model" output is the ideal region map
    chars = [(10, 18), (18, 50), (50, 70)]
    lines = [[(np.array([[a, 10], [b, 10], [b, 30], [a, 30]], np.float32), c) for (a, b), c in zip(chars, "abc")]]
    region = compute_maps(gaussian_heatmap(), 40, 80, lines)[..., 0]
    boxes, conf = word_char_boxes(WORD, "abc", region, scale=0.5)
    assert conf == 1.0 and boxes.shape == (3, 4, 2)
    assert boxes[0][1][0] == pytest.approx(18, abs=3) and boxes[1][1][0] == pytest.approx(50, abs=3)
    equal, conf = word_char_boxes(WORD, "abc")  # no model: equal split, confidence 0.5
    assert conf == 0.5 and equal[0][1][0] == pytest.approx(30)
    wrong, conf = word_char_boxes(WORD, "abcdefghij", region, scale=0.5)  # 3 found for 10 -> low confidence
    assert conf == 0.5 and len(wrong) == 10
