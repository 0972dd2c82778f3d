"""CTC greedy and prefix beam search decoding on hand-made probability arrays (blank = last)."""

from __future__ import annotations

import numpy as np
import pytest

from ocr_core.errors import AlphabetError
from ocr_core.postprocess import ctc_beam_search_decode, ctc_greedy_decode

from .ctc_reference import exact_label_probs

ALPHABET = "ab"
A, B, BLANK = 0, 1, 2


def _onehot(path, sharp=0.9, n_classes=3):
    probs = np.full((len(path), n_classes), (1 - sharp) / (n_classes - 1))
    probs[np.arange(len(path)), path] = sharp
    return probs


def test_greedy_merges_repeats_and_drops_blanks():
    probs = _onehot([A, A, BLANK, A, B, B, BLANK])
    ((text, conf),) = ctc_greedy_decode(probs, ALPHABET)
    assert text == "aab"
    assert conf == pytest.approx(0.9**7)


def test_greedy_batch_and_empty_output():
    batch = np.stack([_onehot([A, B, B]), _onehot([BLANK, BLANK, BLANK])])
    out = ctc_greedy_decode(batch, ALPHABET)
    assert [t for t, _ in out] == ["ab", ""]
    assert all(0.0 <= c <= 1.0 for _, c in out)


def test_confidence_orders_sharp_above_uncertain():
    path = [A, BLANK, B]
    sharp = ctc_greedy_decode(_onehot(path, 0.99), ALPHABET)[0]
    vague = ctc_greedy_decode(_onehot(path, 0.5), ALPHABET)[0]
    assert sharp[0] == vague[0] == "ab"
    assert sharp[1] > vague[1]
    assert (
        ctc_beam_search_decode(_onehot(path, 0.99), ALPHABET)[0][1]
        > ctc_beam_search_decode(_onehot(path, 0.5), ALPHABET)[0][1]
    )


def test_beam_finds_more_probable_text_than_greedy():
    # Every step: blank 0.6, 'a' 0.4. Greedy path is all-blank (''), P('') = 0.36,
    # but P('a') = 0.4*0.4 + 0.4*0.6 + 0.6*0.4 = 0.64.
    probs = np.array([[0.4, 0.0, 0.6], [0.4, 0.0, 0.6]])
    assert ctc_greedy_decode(probs, ALPHABET)[0] == ("", pytest.approx(0.36))
    text, conf = ctc_beam_search_decode(probs, ALPHABET)[0]
    assert text == "a" and conf == pytest.approx(0.64)


@pytest.mark.parametrize("seed", range(5))
def test_beam_matches_brute_force_label_probability(seed):
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.ones(3) * 0.7, size=5)
    exact = exact_label_probs(probs, BLANK)
    best_label = max(exact, key=exact.get)
    text, conf = ctc_beam_search_decode(probs, ALPHABET, beam_width=50)[0]
    assert text == "".join(ALPHABET[i] for i in best_label)
    assert conf == pytest.approx(exact[best_label], rel=1e-9)
    greedy_text, greedy_conf = ctc_greedy_decode(probs, ALPHABET)[0]
    assert conf >= greedy_conf - 1e-12
    assert exact[best_label] >= exact[tuple(ALPHABET.index(ch) for ch in greedy_text)]


def test_beam_agrees_with_greedy_on_peaky_input_and_handles_doubles():
    probs = _onehot([A, A, BLANK, A, B, BLANK, B], sharp=0.97)
    assert ctc_beam_search_decode(probs, ALPHABET)[0][0] == ctc_greedy_decode(probs, ALPHABET)[0][0] == "aabb"


def test_unnormalised_rows_are_renormalised():
    probs = _onehot([A, B]) * 5.0
    assert ctc_greedy_decode(probs, ALPHABET)[0][1] == pytest.approx(0.81)


def test_bad_inputs():
    with pytest.raises(AlphabetError, match="3 classes"):
        ctc_greedy_decode(np.ones((4, 5)), ALPHABET)
    with pytest.raises(AlphabetError):
        ctc_beam_search_decode(np.ones((4, 1)), "")
    with pytest.raises(ValueError):
        ctc_greedy_decode(np.ones(3), ALPHABET)
    with pytest.raises(ValueError):
        ctc_beam_search_decode(_onehot([A]), ALPHABET, beam_width=0)
