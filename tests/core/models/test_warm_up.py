"""Warm-up: after ``warm_up()`` the models serve new input sizes without tracing their graphs again.

Tracing is counted by wrapping the model's ``call``: Keras runs ``call`` in Python only while it traces a graph,
so the count stays put once a traced graph is reused.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from ocr_core.detection import Detector
from ocr_core.pipeline import Pipeline
from ocr_core.recognition import Recognizer
from ocr_core.service import OcrService

tf_only = pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                             reason="graph reuse across shapes is the TensorFlow backend's behaviour")


def _count_traces(model: keras.Model) -> list[int]:
    count = [0]
    original = model.call

    def call(*args, **kwargs):
        count[0] += 1
        return original(*args, **kwargs)

    model.call = call
    return count


@tf_only
def test_detector_warm_up_serves_new_image_sizes_without_tracing() -> None:
    detector = Detector(weights=None, variant="lite", optimizer=None, precision="float32")
    traces = _count_traces(detector.model)
    detector.warm_up()
    after_warm_up = traces[0]
    assert after_warm_up >= 1
    for shape in [(96, 160), (200, 100), (300, 420)]:
        detector.detect([np.zeros((*shape, 3), np.uint8)] * 2)
        detector.detect([np.zeros((*shape, 3), np.uint8)])
    assert traces[0] == after_warm_up


@tf_only
def test_without_warm_up_each_new_size_is_traced() -> None:
    """The counter works: two new sizes fed to the model itself trace twice (the test above can fail)."""
    detector = Detector(weights=None, variant="lite", optimizer=None, precision="float32")
    traces = _count_traces(detector.model)
    detector.model.predict_on_batch(np.zeros((1, 128, 256, 3), np.float32))
    detector.model.predict_on_batch(np.zeros((2, 256, 128, 3), np.float32))
    assert traces[0] == 2


def test_detection_warms_up_by_itself_so_sizes_sharing_a_side_both_work() -> None:
    """Traced first on 384 x 384 then 384 x 512, TensorFlow kept the height fixed and padded the dilated
    convolutions for it: the second image failed ("padded_shape[1]=44 is not divisible by block_shape[1]=6")."""
    detector = Detector(weights=None, variant="lite", optimizer=None, precision="float32")
    for shape in [(300, 300), (300, 451), (451, 300), (300, 451)]:
        [boxes] = detector.detect([np.full((*shape, 3), 200, np.uint8)])
        assert np.asarray(boxes).reshape(-1, 4, 2).shape[1:] == (4, 2)


@tf_only
def test_recognizer_warm_up_serves_any_batch_size_without_tracing() -> None:
    recognizer = Recognizer(weights=None, variant="lite")
    traces = _count_traces(recognizer.model)
    recognizer.warm_up()
    after_warm_up = traces[0]
    for n in (3, 7, 30, 1):
        out = recognizer.predict_probabilities([np.zeros((20, 60, 3), np.uint8)] * n)
        assert out.shape[0] == n
    assert traces[0] == after_warm_up


class _Spy:
    def __init__(self) -> None:
        self.warmed = 0

    def warm_up(self) -> None:
        self.warmed += 1


def test_pipeline_warm_up_warms_both_models_and_skips_models_without_it() -> None:
    det, rec = _Spy(), _Spy()
    Pipeline(detector=det, recognizer=rec).warm_up()
    assert (det.warmed, rec.warmed) == (1, 1)
    Pipeline(detector=object(), recognizer=rec).warm_up()  # a keras-ocr style object without warm_up
    assert rec.warmed == 2


@pytest.mark.parametrize("warm", [True, False])
def test_service_load_warms_up_unless_told_not_to(monkeypatch: pytest.MonkeyPatch, warm: bool) -> None:
    calls: list[str] = []
    monkeypatch.setattr("ocr_core.detection.Detector.__init__", lambda self, *a, **k: None)
    monkeypatch.setattr("ocr_core.recognition.Recognizer.__init__", lambda self, *a, **k: None)
    monkeypatch.setattr(Pipeline, "warm_up", lambda self: calls.append("warm"))
    service = OcrService(warm_up=warm)
    service.load()
    service.load()  # idempotent: loads and warms once
    assert service.is_loaded
    assert calls == (["warm"] if warm else [])
