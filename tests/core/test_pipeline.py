"""Pipeline plumbing: scaling, box mapping back to the original image, crops, pages, streams and errors.

The detector and recognizer here are small fakes with the engine's interface, so the checks are exact.
"""

from __future__ import annotations

import numpy as np
import pytest

from ocr_core.cancel import CancelToken
from ocr_core.errors import Cancelled, ImageReadError
from ocr_core.pipeline import Pipeline, scale_for


class FakeDetector:
    """Finds the bright rectangle of each image (in the scaled image it receives)."""

    recommended_scale = 2.0

    def __init__(self) -> None:
        self.seen_shapes: list[tuple[int, int]] = []

    def detect(self, images, **kwargs):
        out = []
        for im in images:
            self.seen_shapes.append(im.shape[:2])
            ys, xs = np.nonzero(im[..., 0] > 128)
            if len(xs) == 0:
                out.append(np.zeros((0, 4, 2), np.float32))
                continue
            x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
            out.append(np.array([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]], np.float32))
        return out


class FakeRecognizer:
    """'Reads' a crop as the share of bright pixels, so a wrong crop gives a wrong text."""

    def recognize_boxes_with_confidence(self, images, box_groups, **kwargs):
        from ocr_core.geometry import crop_quad

        results = []
        for image, boxes in zip(images, box_groups):
            group = []
            for box in boxes:
                crop = crop_quad(image, box)
                bright = float((crop[..., 0] > 128).mean())
                group.append((f"bright{round(bright, 1)}", 0.9))
            results.append(group)
        return results


def _image(h=100, w=200, box=(40, 30, 120, 60)):
    im = np.zeros((h, w, 3), np.uint8)
    x0, y0, x1, y1 = box
    im[y0:y1, x0:x1] = 255
    return im


def test_scale_for_caps_the_long_side():
    assert scale_for(100, 200, 2.0, 2048) == 2.0
    assert scale_for(3000, 4000, 2.0, 2048) == pytest.approx(2048 / 4000)


def test_boxes_map_back_to_original_pixels_and_crops_hit_the_word():
    detector = FakeDetector()
    pipeline = Pipeline(detector=detector, recognizer=FakeRecognizer(), scale=2.0)
    page = pipeline.recognize_pages([_image()])[0]
    assert detector.seen_shapes == [(200, 400)]  # upscaled x2 before detection
    assert (page.width, page.height) == (200, 100)
    [word] = page.words
    np.testing.assert_allclose(word.quad, [[40, 30], [120, 30], [120, 60], [40, 60]], atol=1.0)
    assert word.text == "bright1.0" and word.confidence == pytest.approx(0.9)


def test_recommended_scale_used_when_scale_is_none_and_max_size_caps_it():
    detector = FakeDetector()
    pipeline = Pipeline(detector=detector, recognizer=FakeRecognizer(), scale=None, max_size=300)
    pipeline.recognize_pages([_image()])
    assert detector.seen_shapes == [(150, 300)]  # 2x wanted, capped at 300 on the long side


def test_keras_ocr_recognize_returns_text_and_float32_boxes():
    pipeline = Pipeline(detector=FakeDetector(), recognizer=FakeRecognizer(), scale=1.0)
    [[(text, box)]] = pipeline.recognize([_image()])
    assert text == "bright1.0"
    assert box.dtype == np.float32 and box.shape == (4, 2)


def test_stream_reports_unreadable_files_and_goes_on(tmp_path):
    from ocr_core.imageio import write_image

    good = tmp_path / "good.png"
    write_image(good, _image())
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    errors = []
    pipeline = Pipeline(detector=FakeDetector(), recognizer=FakeRecognizer(), scale=1.0)
    results = list(pipeline.iter_pages([str(bad), str(good)], on_error=lambda s, e: errors.append((s, e))))
    assert [p is None for _, p in results] == [True, False]
    assert results[1][1].image_path == str(good)
    assert len(errors) == 1 and isinstance(errors[0][1], ImageReadError) and "bad.png" in str(errors[0][1])
    with pytest.raises(ImageReadError, match="bad.png"):
        list(pipeline.iter_pages([str(bad)]))


def test_cancel_stops_before_the_next_image():
    token = CancelToken()
    token.cancel()
    pipeline = Pipeline(detector=FakeDetector(), recognizer=FakeRecognizer(), scale=1.0)
    with pytest.raises(Cancelled):
        pipeline.recognize_pages([_image()], cancel=token)


def test_lexicon_reaches_the_recognizer_unless_a_call_overrides_it():
    from ocr_core.postprocess.lexicon import Lexicon

    class Recording(FakeRecognizer):
        def __init__(self):
            self.kwargs = []

        def recognize_boxes_with_confidence(self, images, box_groups, **kwargs):
            self.kwargs.append(kwargs)
            return super().recognize_boxes_with_confidence(images, box_groups)

    lexicon, other = Lexicon(["dog"]), Lexicon(["cat"])
    recognizer = Recording()
    Pipeline(detector=FakeDetector(), recognizer=recognizer).recognize_pages([_image()])
    Pipeline(detector=FakeDetector(), recognizer=recognizer, lexicon=lexicon).recognize_pages([_image()])
    Pipeline(detector=FakeDetector(), recognizer=recognizer, lexicon=lexicon).recognize_pages(
        [_image()], recognition_kwargs={"lexicon": other})
    assert [k.get("lexicon") for k in recognizer.kwargs] == [None, lexicon, other]


class TwoBoxDetector:
    """Two fixed boxes: the left one over text, the right one over clutter."""

    recommended_scale = 1.0

    def detect(self, images, **kwargs):
        boxes = np.array([[[10, 10], [60, 10], [60, 30], [10, 30]], [[120, 10], [180, 10], [180, 30], [120, 30]]],
                         np.float32)
        return [boxes for _ in images]


class ConfidenceRecognizer:
    """Reads the left box confidently and the right one as nothing likely; may recommend a floor."""

    def __init__(self, min_confidence=None):
        if min_confidence is not None:
            self.min_confidence = min_confidence

    def recognize_boxes_with_confidence(self, images, box_groups, **kwargs):
        return [[("word", 0.8) if box[0][0] < 100 else ("x9", 0.002) for box in boxes] for boxes in box_groups]


def _texts(pipeline):
    return [w.text for w in pipeline.recognize_pages([_image()])[0].words]


def test_words_below_min_confidence_are_dropped():
    pipeline = Pipeline(detector=TwoBoxDetector(), recognizer=ConfidenceRecognizer(), min_confidence=0.01)
    assert _texts(pipeline) == ["word"]
    assert pipeline.effective_min_confidence == pytest.approx(0.01)


def test_min_confidence_defaults_to_the_recognizers_recommendation_and_zero_keeps_all():
    recommended = ConfidenceRecognizer(min_confidence=0.01)
    assert _texts(Pipeline(detector=TwoBoxDetector(), recognizer=recommended)) == ["word"]
    assert _texts(Pipeline(detector=TwoBoxDetector(), recognizer=recommended, min_confidence=0.0)) == ["word", "x9"]
    # a recognizer without a recommendation (keras-ocr's objects) keeps every word
    assert _texts(Pipeline(detector=TwoBoxDetector(), recognizer=ConfidenceRecognizer())) == ["word", "x9"]


@pytest.mark.parametrize("bad", [-0.1, 1.0, 2.0])
def test_min_confidence_out_of_range_is_refused(bad):
    with pytest.raises(ValueError, match="min_confidence"):
        Pipeline(detector=TwoBoxDetector(), recognizer=ConfidenceRecognizer(), min_confidence=bad)


def test_min_confidence_command_line_option(capsys):
    import argparse

    from ocr_core.cli.options import add_min_confidence_option

    parser = argparse.ArgumentParser()
    add_min_confidence_option(parser)
    assert parser.parse_args([]).min_confidence is None
    assert parser.parse_args(["--min-confidence", "0"]).min_confidence == 0.0
    assert parser.parse_args(["--min-confidence", "0.01"]).min_confidence == pytest.approx(0.01)
    with pytest.raises(SystemExit):
        parser.parse_args(["--min-confidence", "1"])
    assert "--min-confidence: expected a number in [0, 1)" in capsys.readouterr().err


def test_service_confidence_floor_reaches_the_pipeline_before_and_after_loading(monkeypatch):
    from ocr_core.service import OcrService

    monkeypatch.setattr("ocr_core.detection.Detector.__init__", lambda self, *a, **k: None)
    monkeypatch.setattr("ocr_core.recognition.Recognizer.__init__", lambda self, *a, **k: None)
    service = OcrService(warm_up=False)
    service.set_min_confidence(0.0)
    service.load()
    assert service._pipeline.min_confidence == 0.0
    service.set_min_confidence(None)
    assert service._pipeline.min_confidence is None
    with pytest.raises(ValueError, match="min_confidence"):
        service.set_min_confidence(1.0)


def _hesitant_dog_recognizer():
    """A real recognizer whose model reads "dox" and gives the "g" of "dog" a good chance at the last letter."""
    from ocr_core.recognition import Recognizer

    rec = Recognizer(weights=None, variant="lite")
    alphabet, blank = rec.alphabet, len(rec.alphabet)

    def predict(crops, batch_size=64):
        out = np.full((len(crops), 6, blank + 1), 1e-4, np.float32)
        for t, (symbol, p) in enumerate([("d", 0.97), (None, 0.97), ("o", 0.97), (None, 0.97), ("x", 0.6),
                                         (None, 0.97)]):
            out[:, t, blank if symbol is None else alphabet.index(symbol)] = p
        out[:, 4, alphabet.index("g")] = 0.38
        return out / out.sum(axis=2, keepdims=True)

    rec.predict_probabilities = predict
    return rec


def test_a_lexicon_changes_the_text_but_never_which_words_the_floor_keeps():
    from ocr_core.postprocess.lexicon import Lexicon

    rec = _hesitant_dog_recognizer()
    lexicon = Lexicon(["dog"])
    box = np.array([[40, 30], [120, 30], [120, 60], [40, 60]], np.float32)
    (plain,), = rec.read_boxes([_image()], [[box]])
    (fixed,), = rec.read_boxes([_image()], [[box]], lexicon=lexicon)
    assert plain.text == "dox" and plain.confidence == plain.model_confidence
    assert fixed.text == "dog" and fixed.model_confidence == pytest.approx(plain.confidence)
    assert fixed.confidence < fixed.model_confidence  # P("dog") is below the model's own reading
    # A floor between the two: the box holds text by the model's own reading, so the word stays, as "dog".
    floor = (fixed.confidence + fixed.model_confidence) / 2
    for lex, text in ((None, "dox"), (lexicon, "dog")):
        page = Pipeline(detector=FakeDetector(), recognizer=rec, scale=1.0, lexicon=lex,
                        min_confidence=floor).recognize_pages([_image()])[0]
        assert [w.text for w in page.words] == [text]
    assert page.words[0].confidence == pytest.approx(fixed.confidence)  # the page shows P(text)


def test_service_reads_with_the_dictionary_by_default_and_a_bad_list_changes_nothing(monkeypatch, tmp_path):
    from ocr_core.postprocess.lexicon import Lexicon, LexiconError
    from ocr_core.service import OcrService

    monkeypatch.setattr("ocr_core.detection.Detector.__init__", lambda self, *a, **k: None)
    monkeypatch.setattr("ocr_core.recognition.Recognizer.__init__", lambda self, *a, **k: None)
    service = OcrService(warm_up=False)
    service.load()
    assert isinstance(service._pipeline.lexicon, Lexicon) and "the" in service._pipeline.lexicon
    service.set_lexicon(None)
    assert service._pipeline.lexicon is None and service.lexicon is None
    words = tmp_path / "words.txt"
    words.write_text("Fusionopolis\nGenaxis\n", encoding="utf-8")
    service.set_lexicon(str(words))
    assert "Genaxis" in service._pipeline.lexicon and len(service._pipeline.lexicon) == 2
    with pytest.raises(LexiconError, match="missing.txt"):
        service.set_lexicon(str(tmp_path / "missing.txt"))
    assert service.lexicon == str(words) and "Genaxis" in service._pipeline.lexicon
    # before loading too: the setting is kept for the pipeline that load() builds
    fresh = OcrService(warm_up=False, lexicon=None)
    fresh.set_lexicon(str(words))
    fresh.load()
    assert len(fresh._pipeline.lexicon) == 2


def test_re_reading_boxes_uses_the_dictionary(monkeypatch):
    from ocr_core.postprocess.lexicon import Lexicon
    from ocr_core.service import OcrService

    rec = _hesitant_dog_recognizer()
    service = OcrService(warm_up=False, lexicon=None)
    service._pipeline = Pipeline(detector=FakeDetector(), recognizer=rec, scale=1.0)
    box = np.array([[40, 30], [120, 30], [120, 60], [40, 60]], np.float32)
    assert [t for t, _ in service.recognize_quads(_image(), [box])] == ["dox"]
    service._pipeline.lexicon = Lexicon(["dog"])
    assert [t for t, _ in service.recognize_quads(_image(), [box])] == ["dog"]


def test_a_reading_the_dictionary_keeps_keeps_its_plain_confidence():
    from ocr_core.postprocess.lexicon import Lexicon

    rec = _hesitant_dog_recognizer()
    box = np.array([[40, 30], [120, 30], [120, 60], [40, 60]], np.float32)
    (plain,), = rec.read_boxes([_image()], [[box]])
    (kept,), = rec.read_boxes([_image()], [[box]], lexicon=Lexicon(["dox", "dog"]))  # "dox" is a word here
    assert kept.text == "dox" and kept.confidence == plain.confidence == kept.model_confidence


def _no_word_lists(monkeypatch, tmp_path):
    import ocr_core.postprocess.lexicon as lexicon_module

    monkeypatch.setattr(lexicon_module, "bundled_wordlist_path", lambda: tmp_path / "gone.txt")
    monkeypatch.setattr(lexicon_module, "SYSTEM_WORDS", tmp_path / "gone-too.txt")
    lexicon_module._load_cached.cache_clear()


def test_default_lists_that_cannot_be_read_mean_plain_reading_with_a_warning(monkeypatch, tmp_path):
    from ocr_core.postprocess.lexicon import LexiconError, load_default_lexicon
    from ocr_core.service import OcrService

    _no_word_lists(monkeypatch, tmp_path)
    warnings: list[str] = []
    assert load_default_lexicon("auto", warnings.append) is None
    assert len(warnings) == 1 and "no word list" in warnings[0]
    with pytest.raises(LexiconError, match="mine.txt"):  # a list the user named is never skipped quietly
        load_default_lexicon(str(tmp_path / "mine.txt"), warnings.append)
    monkeypatch.setattr("ocr_core.detection.Detector.__init__", lambda self, *a, **k: None)
    monkeypatch.setattr("ocr_core.recognition.Recognizer.__init__", lambda self, *a, **k: None)
    service = OcrService(warm_up=False)
    service.load()  # the models load; only the dictionary is missing
    assert service._pipeline.lexicon is None and service.lexicon is None
    assert "no word list" in (service.lexicon_problem or "")
