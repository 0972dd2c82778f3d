"""``Recognizer`` decoding with a dictionary: one beam search per crop, and the beam's own reading kept."""

from __future__ import annotations

import numpy as np
import pytest

import ocr_core.postprocess.ctc as ctc
import ocr_core.postprocess.lexicon as lexicon_module
from ocr_core.postprocess.lexicon import Lexicon
from ocr_core.recognition import Recognizer

# blank 0.6 and 'a' 0.4 at both steps: the greedy path reads '', but P('a') = 0.64 over its alignments
PROBS = np.array([[[0.4, 0.0, 0.6], [0.4, 0.0, 0.6]]])


def _recognizer() -> Recognizer:
    rec = object.__new__(Recognizer)  # decoding only: no model to build
    rec.alphabet = "ab"
    rec.predict_probabilities = lambda crops, batch_size=64: PROBS[: len(crops)]
    return rec


def test_beam_search_with_a_dictionary_runs_once(monkeypatch) -> None:
    calls = []
    real = lexicon_module._beam_ranked
    monkeypatch.setattr(lexicon_module, "_beam_ranked", lambda *a: calls.append(a) or real(*a))

    def no_second_beam(*_a, **_k):
        raise AssertionError("the plain beam search ran as well")

    monkeypatch.setattr(ctc, "ctc_beam_search_decode", no_second_beam)
    crop = np.zeros((8, 16), np.uint8)
    reading = _recognizer()._decode([crop], 4, 8, Lexicon(["bb"]))[0]
    assert (reading.text, len(calls)) == ("a", 1)  # the dictionary word 'bb' is too unlikely to replace it
    assert reading.confidence == pytest.approx(0.64) and reading.model_confidence == pytest.approx(0.64)


def test_without_a_dictionary_beam_and_greedy_differ_as_before() -> None:
    crop = np.zeros((8, 16), np.uint8)
    rec = _recognizer()
    assert rec._decode([crop], 0, 8, None)[0].text == ""
    beam = rec._decode([crop], 4, 8, None)[0]
    assert beam.text == "a" and beam.confidence == pytest.approx(0.64)
    greedy_with_words = rec._decode([crop], 0, 8, Lexicon(["bb"]))[0]
    assert greedy_with_words.text == "" and greedy_with_words.confidence == pytest.approx(0.36)


def test_with_a_dictionary_the_confidences_stay_on_the_plain_beam_scale() -> None:
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(200, 12, 4)) * 2.5
    logits[..., -1] += 1.5
    probs = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    rec = object.__new__(Recognizer)
    rec.alphabet = "abc"
    rec.predict_probabilities = lambda crops, batch_size=64: probs[: len(crops)]
    crops = [np.zeros((8, 16), np.uint8)] * len(probs)
    plain = rec._decode(crops, 8, 64, None)
    with_words = rec._decode(crops, 8, 64, Lexicon(["zzz"]))  # a dictionary that never fits: every reading kept
    # the floors and colours judge the model's own reading on the beam's scale, as without a dictionary
    np.testing.assert_allclose([r.model_confidence for r in with_words], [r.model_confidence for r in plain],
                               rtol=1e-12)
    same = [(w.confidence, p.confidence) for w, p in zip(with_words, plain) if w.text == p.text]
    assert len(same) > 150  # mostly the same text; the rest are greedy readings the exact scores rank higher
    np.testing.assert_allclose(*zip(*same), rtol=1e-12)
