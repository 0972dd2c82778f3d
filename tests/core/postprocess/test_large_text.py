"""The large-text pass: boxes from a shrunken image replace the full-size pass's boxes only where they find
more of a large word; blends of small lines, texture and sharper fine boxes are left alone."""

from __future__ import annotations

import numpy as np
import pytest

from ocr_core.postprocess.detection import merge_large_text, text_size


def rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


def boxes(*rects: np.ndarray) -> np.ndarray:
    return np.asarray(rects, np.float32).reshape(-1, 4, 2)


def test_text_size_is_the_shorter_side() -> None:
    assert text_size(boxes(rect(0, 0, 100, 20), rect(0, 0, 10, 80))).tolist() == [20, 10]
    assert text_size(np.zeros((0, 4, 2), np.float32)).shape == (0,)


def test_a_word_cut_inside_a_large_letter_is_replaced_by_the_whole_word() -> None:
    small_word = rect(10, 300, 60, 320)
    fine = boxes(rect(194, 226, 590, 292), small_word)          # "ventdock": the E is missed
    coarse = boxes(rect(156, 212, 600, 300), rect(8, 296, 62, 324))
    merged = merge_large_text(fine, coarse, 64)
    assert len(merged) == 2
    np.testing.assert_array_equal(merged[0], small_word)        # small text keeps the fine pass's box
    np.testing.assert_array_equal(merged[1], coarse[0])


@pytest.mark.parametrize("fine, coarse, why", [
    (boxes(rect(0, 0, 200, 30), rect(0, 40, 200, 70)), boxes(rect(0, 0, 200, 70)),
     "two lines of small text blended into one tall box"),
    (boxes(rect(500, 500, 600, 520)), boxes(rect(0, 0, 300, 100)), "nothing there at full size: texture"),
    (boxes(rect(100, 100, 400, 180)), boxes(rect(110, 105, 380, 180)), "the fine box already holds the word"),
    (boxes(rect(100, 100, 400, 150)), boxes(rect(90, 90, 420, 150)), "text under the large-text height"),
])
def test_the_fine_pass_is_kept(fine, coarse, why) -> None:
    np.testing.assert_array_equal(merge_large_text(fine, coarse, 64), fine, err_msg=why)


def test_empty_passes() -> None:
    empty = np.zeros((0, 4, 2), np.float32)
    assert merge_large_text(empty, boxes(rect(0, 0, 300, 100)), 64).shape == (0, 4, 2)
    fine = boxes(rect(0, 0, 50, 20))
    np.testing.assert_array_equal(merge_large_text(fine, empty, 64), fine)


def test_detector_runs_the_second_pass_only_when_asked_and_on_images_large_enough() -> None:
    from ocr_core.detection import Detector

    detector = Detector(weights=None, variant="lite", optimizer=None)
    assert detector.thresholds["large_text_scale"] == 0  # off unless the model or the caller asks
    calls: list[tuple[int, int]] = []

    def fake_maps(images, batch_size=4):
        for image in images:
            h, w = image.shape[:2]
            calls.append((h, w))
            score = np.zeros((h // 2, w // 2, 2), np.float32)
            if w == 640:   # full size: the word's first letter is missed (map pixels = image pixels / 2)
                score[113:146, 97:295, 0] = 0.9
            else:          # shrunk by half: the whole word, map pixels = image pixels / 4
                score[53:75, 39:150, 0] = 0.9
            yield score

    detector.predict_maps = fake_maps
    image, tiny = np.zeros((480, 640, 3), np.uint8), np.zeros((100, 640, 3), np.uint8)
    plain = detector.detect([image])[0]
    assert calls == [(480, 640)] and len(plain) == 1 and plain[0][:, 0].min() > 175
    calls.clear()
    both = detector.detect([image, tiny], large_text_scale=0.5)
    assert calls == [(480, 640), (100, 640), (240, 320)]  # the 100-px image is too small for a second pass
    assert len(both[0]) == 1 and both[0][0][:, 0].min() < 160 and both[0][0][:, 0].max() >= 600
