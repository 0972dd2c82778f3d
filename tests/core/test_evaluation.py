import string

import numpy as np
import pytest

from ocr_core.document import Page, Word
from ocr_core.evaluation import (
    Counts,
    character_error_rate,
    edit_distance,
    evaluate_pages,
    match_one_to_one,
    normalize_text,
    recognition_metrics,
    score,
    word_accuracy,
)


def rect(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)


def page(*words):
    return Page.from_words([Word(quad=q, text=t) for q, t in words], 200, 100, group_lines=False)


def test_normalisation_follows_the_real_data_readme():
    assert normalize_text("ＡＢＣ-12") == "abc12"  # NFKC folds full-width letters
    assert normalize_text("Hello, World!") == "helloworld"
    assert normalize_text("###") == ""


def test_edit_distance_cer_and_word_accuracy():
    assert edit_distance("", "abc") == 3 and edit_distance("abc", "abc") == 0
    assert character_error_rate(["abcd", "xy"], ["abed", "xy"]) == pytest.approx(1 / 6)
    assert word_accuracy(["Cat", "dog"], ["cat", "dog"]) == 0.5
    assert word_accuracy(["Cat", "dog"], ["cat", "dog"], normalize=True) == 1.0
    assert recognition_metrics([], []) == {"words": 0, "word_accuracy": 0.0, "cer": 0.0}


def test_matching_is_one_to_one():
    gt = [rect(0, 0, 10, 10)]
    preds = [rect(0, 0, 10, 10), rect(0, 0, 10, 9)]  # two predictions on one box: one TP, one FP
    assert match_one_to_one(gt, preds) == [(0, 0, 1.0)]
    # the best pair wins even when a worse one comes first
    gt2 = [rect(0, 0, 10, 10), rect(8, 0, 18, 10)]
    preds2 = [rect(7, 0, 17, 10)]
    assert [(t, p) for t, p, _ in match_one_to_one(gt2, preds2)] == [(1, 0)]


def test_detection_and_end_to_end_counts():
    true = page((rect(0, 0, 40, 20), "Hello"), (rect(50, 0, 90, 20), "world"), (rect(100, 0, 140, 20), "###"),
                (rect(0, 50, 40, 70), "gone"))
    pred = page((rect(1, 0, 40, 20), "hello"), (rect(50, 0, 90, 20), "word"), (rect(100, 0, 141, 20), "xx"),
                (rect(150, 50, 190, 70), "ghost"), (rect(0, 0, 38, 20), "dup"))
    report = evaluate_pages([true], [pred])
    det = report.detection
    # ### prediction counts neither way; "dup" is a second prediction on "Hello" -> FP; "ghost" FP
    assert (det.tp, det.fp, det.fn) == (2, 2, 1)
    assert det.precision == 0.5 and det.recall == pytest.approx(2 / 3)
    assert det.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    e2e = report.end_to_end
    assert (e2e.tp, e2e.fp, e2e.fn) == (1, 3, 2)
    assert report.recognition["words"] == 2 and report.recognition["word_accuracy"] == 0.5
    assert "detection" in report.format_table() and report.to_dict()["end_to_end"]["tp"] == 1


def test_no_predictions_and_no_ground_truth_never_divide_by_zero():
    empty = page()
    gt = page((rect(0, 0, 10, 10), "a"))
    assert evaluate_pages([empty], [empty]).detection.f1 == 1.0
    none = evaluate_pages([gt], [empty]).detection
    assert (none.precision, none.recall, none.f1) == (0.0, 0.0, 0.0)
    assert evaluate_pages([empty], [gt]).detection.f1 == 0.0
    assert Counts().f1 == 1.0


def test_end_to_end_matches_text_when_boxes_overlap_several():
    # two predictions on one word; the second has the right text and must be the match
    true = page((rect(0, 0, 40, 20), "cat"))
    pred = page((rect(0, 0, 40, 20), "cot"), (rect(1, 0, 40, 20), "cat"))
    assert evaluate_pages([true], [pred]).end_to_end.tp == 1


def test_keras_ocr_score_is_one_to_one_and_zero_safe():
    box = rect(0, 0, 10, 10).tolist()
    true = {"a": [{"text": "Hello", "vertices": box}, {"text": "x", "vertices": rect(50, 50, 60, 60).tolist(),
                                                        "ignore": True}]}
    pred = {"a": [{"text": "hello", "vertices": box}, {"text": "hello", "vertices": box},
                  {"text": "?", "vertices": rect(50, 50, 60, 60).tolist()}]}
    tr = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
    results, (precision, recall) = score(true, pred, translator=tr)
    assert len(results["true_positives"]) == 1 and len(results["false_positives"]) == 1
    assert (precision, recall) == (0.5, 1.0) and results["f1"] == pytest.approx(2 / 3)
    results, (precision, recall) = score({"a": []}, {"a": []})
    assert (precision, recall) == (1.0, 1.0)
    near, _ = score({"a": [{"text": "abcdef", "vertices": box}]}, {"a": [{"text": "zzzzzz", "vertices": box}]})
    assert len(near["near_true_positives"]) == 1 and not near["false_negatives"]


def test_keras_ocr_score_takes_two_point_boxes_as_upright_rectangles():
    two = [[0, 0], [10, 10]]  # keras-ocr's iou_score makes a rectangle of two corners
    results, (precision, recall) = score({"a": [{"text": "hi", "vertices": two}]},
                                         {"a": [{"text": "hi", "vertices": rect(0, 0, 10, 10).tolist()}]})
    assert (precision, recall) == (1.0, 1.0)
    _, (precision, recall) = score({"a": [{"text": "hi", "vertices": [[10, 10], [0, 0]]}]},
                                   {"a": [{"text": "hi", "vertices": two}]})
    assert (precision, recall) == (1.0, 1.0)
