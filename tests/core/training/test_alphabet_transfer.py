"""Carrying a CTC top over to a new alphabet (pure numpy)."""

import numpy as np
import pytest

from ocr_core.training.alphabet_transfer import NEW_CHARACTER_PENALTY, extend_top


def top(alphabet: str, features: int = 5, seed: int = 0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(features, len(alphabet) + 1)).astype(np.float32),
            rng.normal(size=len(alphabet) + 1).astype(np.float32))


def test_shared_characters_and_blank_keep_their_columns_in_the_new_order():
    kernel, bias = top("abc")
    new_kernel, new_bias, shared = extend_top(kernel, bias, "abc", "cab")
    assert shared == 3
    for j, char in enumerate("cab"):
        np.testing.assert_array_equal(new_kernel[:, j], kernel[:, "abc".index(char)])
        assert new_bias[j] == bias["abc".index(char)]
    np.testing.assert_array_equal(new_kernel[:, -1], kernel[:, -1])
    assert new_bias[-1] == bias[-1]


def test_accented_letters_start_from_their_base_letter_and_others_start_silent():
    kernel, bias = top("aeu")
    new_kernel, new_bias, shared = extend_top(kernel, bias, "aeu", "aeuéü€")
    assert shared == 3
    np.testing.assert_array_equal(new_kernel[:, 3], kernel[:, 1])          # é from e
    np.testing.assert_array_equal(new_kernel[:, 4], kernel[:, 2])          # ü from u
    assert new_bias[3] == pytest.approx(bias[1] - NEW_CHARACTER_PENALTY)
    assert not new_kernel[:, 5].any()                                        # € has no base letter
    assert new_bias[5] == pytest.approx(bias.min() - NEW_CHARACTER_PENALTY)
    assert new_bias[5] < new_bias[:3].min()


def test_upper_case_base_letters_and_dropped_characters():
    kernel, bias = top("AEae")
    new_kernel, _, shared = extend_top(kernel, bias, "AEae", "aÉ")
    assert shared == 1 and new_kernel.shape == (5, 3)
    np.testing.assert_array_equal(new_kernel[:, 1], kernel[:, 1])           # É from E, not from e


def test_a_top_that_does_not_fit_the_old_alphabet_is_refused():
    kernel, bias = top("abc")
    with pytest.raises(ValueError, match="3 characters"):
        extend_top(kernel[:, :3], bias[:3], "abc", "abcd")
    with pytest.raises(ValueError):
        extend_top(kernel, bias[:2], "abc", "abcd")
