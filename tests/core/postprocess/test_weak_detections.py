"""Weak detections (ADR 0014): words whose peak score lies between ``weak_detection_threshold`` and
``detection_threshold`` come back marked weak, and the pipeline keeps them only when read confidently."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from ocr_core.cli.options import add_detection_options, add_min_confidence_option, detection_overrides
from ocr_core.pipeline import Pipeline
from ocr_core.postprocess.detection import detection_settings, score_maps_to_boxes


def _maps() -> tuple[np.ndarray, np.ndarray]:
    """Three separate words with peaks 0.95, 0.65 and 0.4."""
    region = np.zeros((40, 120), np.float32)
    region[10:20, 5:30] = 0.95
    region[10:20, 45:70] = 0.65
    region[10:20, 85:110] = 0.4
    return region, np.zeros_like(region)


def test_peaks_come_with_the_boxes_and_a_higher_threshold_keeps_exactly_the_strong_ones() -> None:
    region, affinity = _maps()
    low, peaks = score_maps_to_boxes(region, affinity, detection_threshold=0.3, text_threshold=0.3,
                                     return_peaks=True)
    assert len(low) == 3 and peaks.tolist() == pytest.approx([0.95, 0.65, 0.4])
    high = score_maps_to_boxes(region, affinity, detection_threshold=0.6, text_threshold=0.3)
    np.testing.assert_array_equal(high, low[peaks >= 0.6])
    empty, none = score_maps_to_boxes(np.zeros((8, 8), np.float32), np.zeros((8, 8), np.float32), return_peaks=True)
    assert empty.shape == (0, 4, 2) and none.shape == (0,)


@pytest.mark.parametrize("value", [-0.1, 1.5, "x"])
def test_weak_threshold_out_of_range_is_refused(value) -> None:
    with pytest.raises(ValueError, match="weak_detection_threshold"):
        detection_settings({"weak_detection_threshold": value})
    assert detection_settings()["weak_detection_threshold"] == 0.0  # off unless a model or the caller asks


def _detector_with_maps(maps_by_width):
    from ocr_core.detection import Detector

    detector = Detector(weights=None, variant="lite", optimizer=None)

    def fake_maps(images, batch_size=4):
        for image in images:
            yield maps_by_width[image.shape[1]]

    detector.predict_maps = fake_maps
    return detector


def test_detector_marks_weak_words_and_detect_leaves_them_out() -> None:
    region, affinity = _maps()
    detector = _detector_with_maps({240: np.stack([region, affinity], axis=-1)})
    image = np.zeros((80, 240, 3), np.uint8)
    settings = {"detection_threshold": 0.8, "text_threshold": 0.3}
    plain = detector.detect([image], **settings)[0]
    (boxes, weak), = detector.detect_candidates([image], weak_detection_threshold=0.6, **settings)
    assert len(plain) == 1 and weak.tolist() == [False, True]
    np.testing.assert_array_equal(boxes[~weak], plain)
    assert boxes[1][:, 0].min() > 80  # the 0.65 word, in image pixels (map x 2); the 0.4 one stays out
    # names that are no detection setting are ignored, as detect() ignores them (keras-ocr's detection_kwargs)
    (off_boxes, off_weak), = detector.detect_candidates([image], weak_detection_threshold=0.0, unknown=1, **settings)
    np.testing.assert_array_equal(off_boxes, plain)
    assert not off_weak.any()


def test_a_weak_word_inside_a_large_word_of_the_shrunken_pass_is_dropped() -> None:
    full = np.zeros((240, 320, 2), np.float32)
    full[113:146, 97:200, 0] = 0.9      # part of a large word, found for sure
    full[113:146, 205:295, 0] = 0.65    # the rest of it, found only weakly
    full[10:20, 10:40, 0] = 0.65        # a weak word elsewhere
    half = np.zeros((120, 160, 2), np.float32)
    half[53:75, 45:150, 0] = 0.9        # the whole large word
    detector = _detector_with_maps({640: full, 320: half})
    (boxes, weak), = detector.detect_candidates(
        [np.zeros((480, 640, 3), np.uint8)], detection_threshold=0.8, text_threshold=0.3, large_text_scale=0.5,
        weak_detection_threshold=0.6)
    assert weak.tolist() == [False, True]
    assert boxes[0][:, 0].min() < 200 and boxes[0][:, 0].max() > 580  # the whole word from the shrunken pass
    assert boxes[1][:, 1].max() < 50                                   # only the weak word elsewhere is left


class WeakBoxDetector:
    """A sure box over text, a weak box over a lone clear character and a weak box over clutter."""

    recommended_scale = 1.0
    quads = np.array([[[10, 10], [60, 10], [60, 30], [10, 30]], [[70, 10], [80, 10], [80, 30], [70, 30]],
                      [[120, 10], [180, 10], [180, 30], [120, 30]]], np.float32)

    def detect_candidates(self, images, **kwargs):
        return [(self.quads, np.array([False, True, True])) for _ in images]


class ReadingRecognizer:
    def __init__(self, **recommended):
        self.__dict__.update(recommended)

    def recognize_boxes_with_confidence(self, images, box_groups, **kwargs):
        table = {10: ("word", 0.3), 70: ("B", 0.9), 120: ("x9", 0.2)}
        return [[table[int(box[0][0])] for box in boxes] for boxes in box_groups]


def _texts(pipeline: Pipeline) -> list[str]:
    return [w.text for w in pipeline.recognize_pages([np.full((40, 200, 3), 255, np.uint8)])[0].words]


def test_pipeline_keeps_a_weak_word_only_when_read_confidently() -> None:
    # default: 0.5 for weak words; the sure word needs only the floor (none here)
    assert _texts(Pipeline(detector=WeakBoxDetector(), recognizer=ReadingRecognizer())) == ["word", "B"]
    # the recognizer's recommendation, and the caller's value over it
    assert _texts(Pipeline(detector=WeakBoxDetector(), recognizer=ReadingRecognizer(weak_min_confidence=0.1))) \
        == ["word", "B", "x9"]
    assert _texts(Pipeline(detector=WeakBoxDetector(), recognizer=ReadingRecognizer(weak_min_confidence=0.1),
                           weak_min_confidence=0.95)) == ["word"]
    # never below the floor for sure words
    pipeline = Pipeline(detector=WeakBoxDetector(), recognizer=ReadingRecognizer(), min_confidence=0.25,
                        weak_min_confidence=0.1)
    assert pipeline.effective_weak_min_confidence == pytest.approx(0.25) and _texts(pipeline) == ["word", "B"]
    # min_confidence 0 keeps every word, weak ones too
    assert _texts(Pipeline(detector=WeakBoxDetector(), recognizer=ReadingRecognizer(), min_confidence=0.0)) \
        == ["word", "B", "x9"]
    with pytest.raises(ValueError, match="weak_min_confidence"):
        Pipeline(detector=WeakBoxDetector(), recognizer=ReadingRecognizer(), weak_min_confidence=1.0)


def test_command_line_options() -> None:
    parser = argparse.ArgumentParser()
    add_detection_options(parser)
    add_min_confidence_option(parser)
    args = parser.parse_args(["--weak-detection-threshold", "0.6", "--weak-min-confidence", "0.5"])
    assert detection_overrides(args) == {"weak_detection_threshold": 0.6} and args.weak_min_confidence == 0.5
    assert parser.parse_args([]).weak_min_confidence is None
    with pytest.raises(SystemExit):
        parser.parse_args(["--weak-min-confidence", "1"])
