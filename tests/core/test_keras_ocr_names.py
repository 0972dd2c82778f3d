"""keras-ocr's module-level helpers under their names, for notebooks run with ``import ocr_core as keras_ocr``."""

from __future__ import annotations

import numpy as np
import pytest

import ocr_core as keras_ocr


def test_detection_helpers():
    image = np.full((8, 8, 3), 255, np.uint8)
    assert keras_ocr.detection.compute_input(image).shape == (8, 8, 3)
    maps = np.zeros((1, 40, 80, 2), np.float32)
    maps[0, 10:20, 10:60, 0] = 0.9  # one word in the region map
    (boxes,) = keras_ocr.detection.getBoxes(maps, detection_threshold=0.7)
    assert boxes.shape == (1, 4, 2) and boxes[:, :, 0].max() > 100  # in input pixels: twice the map's


def test_evaluation_iou_score():
    square = [[0, 0], [10, 0], [10, 10], [0, 10]]
    assert keras_ocr.evaluation.iou_score(square, [[0, 0], [10, 10]]) == pytest.approx(1.0)
    assert keras_ocr.evaluation.iou_score(square, [[5, 0], [15, 10]]) == pytest.approx(1 / 3)


@pytest.mark.slow
def test_recognition_build_model_and_default_params():
    params = keras_ocr.recognition.DEFAULT_BUILD_PARAMS
    assert params["height"] == 31 and params["width"] == 200 and params["stn"] is True
    backbone, model, training_model, prediction_model = keras_ocr.recognition.build_model(
        "abc", **{**params, "filters": (8, 8, 8, 8, 8, 8, 8), "rnn_units": (8, 8)})
    assert model.output_shape[-1] == 4  # three characters and the CTC blank
    assert training_model.input_shape[0][1:] == (31, 200, 1)
