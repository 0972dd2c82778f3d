"""Lexicon-aware CTC decoding on probability matrices made here: exact text probabilities, the decision
between the model's reading and a dictionary word, case, and the near-miss index."""

from __future__ import annotations

import math
import string

import numpy as np
import pytest

from ocr_core.postprocess import ctc_greedy_decode
from ocr_core.postprocess.lexicon import (
    DEFAULT_MARGIN,
    LOWER_CASE_NAME_COST,
    Lexicon,
    LexiconError,
    ctc_log_probabilities,
    ctc_text_log_probability,
    edit_distance,
    lexicon_decode,
    lexicon_decode_one,
    load_lexicon,
)

from .ctc_reference import exact_label_probs

#: A case-sensitive alphabet with digits and some punctuation, as the default model's.
ALPHABET = string.digits + string.ascii_letters + ".,()$"
WORDS = ["brown", "dog", "the", "see", "lot", "to", "fox", "Paris", "NE"]


def _matrix(frames: list[dict[str, float]], alphabet: str = ALPHABET) -> np.ndarray:
    """One row per frame: the listed classes get their probability (``"_"`` is the blank) and the rest of
    the mass is spread evenly over every other class."""
    n = len(alphabet) + 1
    probs = np.zeros((len(frames), n))
    for t, frame in enumerate(frames):
        idx = {(n - 1 if ch == "_" else alphabet.index(ch)): p for ch, p in frame.items()}
        rest = (1.0 - sum(idx.values())) / (n - len(idx))
        probs[t] = rest
        for i, p in idx.items():
            probs[t, i] = p
    return probs


def _spell(text: str, sharp: float = 0.97, **soft: dict[str, float]) -> list[dict[str, float]]:
    """Frames for ``text``: each character then a blank, sharp; ``soft={position: {char: p}}`` blurs one."""
    frames: list[dict[str, float]] = [{"_": sharp}]
    for i, ch in enumerate(text):
        frames.append(soft.get(f"c{i}", {ch: sharp}))
        frames.append({"_": sharp})
    return frames


LEXICON = Lexicon(WORDS)


# ---- exact probability of a text -------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_text_probability_equals_the_sum_over_all_alignments(seed: int) -> None:
    rng = np.random.default_rng(seed)
    alphabet, n_steps = "ab", 5
    probs = rng.dirichlet(np.ones(3) * 0.8, size=n_steps)
    brute = exact_label_probs(probs, blank=2)
    labels = [(), (0,), (1, 1), (0, 1, 0), (1, 0, 1, 0), (0, 0, 0), (0, 0, 0, 0)]  # the last cannot fit in 5 steps
    batched = np.exp(ctc_log_probabilities(np.log(probs), labels))
    for label, value in zip(labels, batched):
        assert value == pytest.approx(brute.get(label, 0.0), rel=1e-9, abs=1e-15)
        text = "".join(alphabet[i] for i in label)
        assert math.exp(ctc_text_log_probability(probs, text, alphabet)) == pytest.approx(value, rel=1e-12)
    assert sum(brute.values()) == pytest.approx(1.0)


def test_text_probability_of_unwritable_text_is_zero() -> None:
    probs = _matrix(_spell("ab"), "ab")
    assert ctc_text_log_probability(probs, "abc", "ab") == -math.inf


# ---- the decision ------------------------------------------------------------------------------------------
def test_near_miss_becomes_the_dictionary_word_when_the_model_makes_it_close() -> None:
    # the 'w' frame reads v 0.6 / w 0.35: greedy says "brovn", "brown" is ~0.6x as likely
    probs = _matrix(_spell("brovn", c3={"v": 0.6, "w": 0.35}))
    assert ctc_greedy_decode(probs, ALPHABET)[0][0] == "brovn"
    gap = ctc_text_log_probability(probs, "brown", ALPHABET) - ctc_text_log_probability(probs, "brovn", ALPHABET)
    assert -DEFAULT_MARGIN < gap < 0
    choice = lexicon_decode_one(probs, ALPHABET, LEXICON)
    assert (choice.text, choice.reading, choice.reason) == ("brown", "brovn", "lexicon")
    assert choice.confidence == pytest.approx(math.exp(ctc_text_log_probability(probs, "brown", ALPHABET)))
    assert 0.0 < choice.confidence <= 1.0
    # the same matrix, with a prior too small to pay for the gap
    assert lexicon_decode_one(probs, ALPHABET, LEXICON, margin=0.1).text == "brovn"


@pytest.mark.parametrize("seed", range(3))
def test_decision_matches_scoring_every_neighbour_exactly(seed: int) -> None:
    """The pruned search decides as scoring every dictionary word within reach would (the bound is exact)."""
    rng = np.random.default_rng(seed)
    alphabet = "abcd"
    words = sorted({"".join(rng.choice(list(alphabet), size=rng.integers(2, 8))) for _ in range(300)})
    lexicon = Lexicon(words)
    replaced = 0
    for _ in range(40):
        probs = rng.dirichlet(np.ones(5) * 0.3, size=10)
        reading = ctc_greedy_decode(probs, alphabet)[0][0]
        reading_lp = ctc_text_log_probability(probs, reading, alphabet)
        expected = reading
        if len(reading) >= 2 and reading not in words:
            d = 1 if len(reading) <= 4 else 2
            near = [w for w in words if edit_distance(reading, w) <= d and (len(reading) > 4 or len(w) >= len(reading))]
            if near:
                scores = [ctc_text_log_probability(probs, w, alphabet) for w in near]
                if max(scores) >= reading_lp - DEFAULT_MARGIN:
                    expected = near[int(np.argmax(scores))]
        choice = lexicon_decode_one(probs, alphabet, lexicon, max_candidates=10_000)
        assert choice.text == expected
        replaced += choice.replaced
    assert replaced > 0  # the fixture does exercise replacements


def test_clearly_different_reading_is_kept() -> None:
    probs = _matrix(_spell("brovn", c3={"v": 0.98}))  # 'w' only at the background level
    gap = ctc_text_log_probability(probs, "brown", ALPHABET) - ctc_text_log_probability(probs, "brovn", ALPHABET)
    assert gap < -DEFAULT_MARGIN
    choice = lexicon_decode_one(probs, ALPHABET, LEXICON)
    # dropped by the upper bound before scoring, or scored and found too unlikely: kept either way
    assert choice.text == "brovn" and choice.reason in ("unlikely", "no-candidate") and not choice.replaced
    assert choice.confidence == pytest.approx(math.exp(ctc_text_log_probability(probs, "brovn", ALPHABET)))


def test_far_from_every_word_is_kept() -> None:
    probs = _matrix(_spell("qwxyzk"))
    assert lexicon_decode_one(probs, ALPHABET, LEXICON).reason == "no-candidate"


@pytest.mark.parametrize("reading, soft", [
    ("d0g", {"c1": {"0": 0.55, "o": 0.4}}),  # a digit read for a letter: maybe a code, kept
    ("$4.99", {}),
    ("12", {}),
])
def test_readings_with_digits_are_kept(reading: str, soft: dict[str, dict[str, float]]) -> None:
    probs = _matrix(_spell(reading, **soft))
    choice = lexicon_decode_one(probs, ALPHABET, LEXICON)
    assert (choice.text, choice.reason) == (reading, "digits")


def test_words_are_kept_and_punctuation_around_a_word_is_kept() -> None:
    # a reading that is a word stays, even with another word close by
    probs = _matrix(_spell("lot", c1={"o": 0.5, "i": 0.45}))
    assert lexicon_decode_one(probs, ALPHABET, Lexicon(["lot", "lit"])).reason == "word"
    probs = _matrix(_spell("(brovn),", c4={"v": 0.6, "w": 0.35}))
    assert lexicon_decode(probs, ALPHABET, LEXICON)[0][0] == "(brown),"
    probs = _matrix(_spell("(.)"))
    assert lexicon_decode_one(probs, ALPHABET, LEXICON).reason == "punctuation"


def test_short_readings_are_not_shortened() -> None:
    probs = _matrix(_spell("dogs", c3={"s": 0.5, "_": 0.45}))
    choice = lexicon_decode_one(probs, ALPHABET, Lexicon(["dog"]))
    assert choice.text == "dogs"


# ---- case -----------------------------------------------------------------------------------------------
def test_odd_case_becomes_a_normal_spelling() -> None:
    probs = _matrix(_spell("lOt", c1={"O": 0.55, "o": 0.4}))
    assert lexicon_decode(probs, ALPHABET, LEXICON)[0][0] == "lot"
    probs = _matrix(_spell("tO", c1={"O": 0.55, "o": 0.4}))
    assert lexicon_decode(probs, ALPHABET, LEXICON)[0][0] == "to"


def test_case_the_model_sees_is_kept() -> None:
    probs = _matrix(_spell("DQG", c1={"Q": 0.5, "O": 0.45}))
    assert lexicon_decode(probs, ALPHABET, LEXICON)[0][0] == "DOG"
    probs = _matrix(_spell("Tne", c1={"n": 0.5, "h": 0.45}))
    assert lexicon_decode(probs, ALPHABET, LEXICON)[0][0] == "The"
    for reading in ("The", "THE", "the", "Paris", "PARIS"):
        assert lexicon_decode_one(_matrix(_spell(reading)), ALPHABET, LEXICON).reason == "word"


def test_spellings_decide_the_case_forms() -> None:
    assert LEXICON.forms("the") == ("the", "The", "THE")
    assert LEXICON.forms("PARIS") == ("Paris", "PARIS")
    assert LEXICON.forms("ne") == ("NE",)
    assert LEXICON.forms("cat") == ()
    assert "Brown" in LEXICON and "BROWN" in LEXICON and "cat" not in LEXICON
    assert LEXICON.is_form("THE") and not LEXICON.is_form("tHe") and not LEXICON.is_form("paris")
    assert LEXICON.weak_forms("PARIS") == ("paris",)  # allowed, at a cost (below)
    # "ne" is not a spelling of "NE", so it is read as a near miss, not as a word
    probs = _matrix(_spell("ne"))
    assert lexicon_decode_one(probs, ALPHABET, LEXICON).reason != "word"


def test_names_may_be_read_in_lower_case_at_a_cost() -> None:
    lexicon = Lexicon(["America", "NE", "NASA", "amerce"])
    assert lexicon.weak_forms("america") == ("america",) and lexicon.weak_forms("ne") == ()
    assert lexicon.weak_forms("nasa") == ()  # an abbreviation keeps its capitals
    assert lexicon.weak_forms("amerce") == () and lexicon.weak_forms("cat") == ()
    # a logo's "paris" read "pqris": the capitalised spelling is impossible (no capital P in sight)
    probs = _matrix(_spell("pqris", c1={"q": 0.6, "a": 0.35}))
    choice = lexicon_decode_one(probs, ALPHABET, Lexicon(["Paris"]))
    assert (choice.text, choice.reason) == ("paris", "lexicon")
    # the name's lower case is a spelling, not a near miss
    assert lexicon_decode_one(_matrix(_spell("paris")), ALPHABET, Lexicon(["Paris"])).reason == "word"
    # ... but it pays LOWER_CASE_NAME_COST: a common word the model finds as likely wins
    probs = _matrix(_spell("hxlen", c1={"x": 0.4, "e": 0.28, "a": 0.28}))
    assert lexicon_decode_one(probs, ALPHABET, Lexicon(["Helen", "halen"])).text == "halen"
    assert lexicon_decode_one(probs, ALPHABET, Lexicon(["Helen", "heben"])).text == "helen"
    # and the cost counts against the margin: a lower-case name needs LOWER_CASE_NAME_COST more evidence
    ratio = math.exp(-(DEFAULT_MARGIN - LOWER_CASE_NAME_COST / 2))
    probs = _matrix(_spell("pqris", c1={"q": 0.9, "a": 0.9 * ratio}))
    assert lexicon_decode_one(probs, ALPHABET, Lexicon(["Paris"])).reason == "unlikely"
    assert lexicon_decode_one(probs, ALPHABET, Lexicon(["paris"])).reason == "lexicon"


def test_one_case_alphabet_writes_every_word_in_that_case() -> None:
    alphabet = string.ascii_lowercase
    probs = _matrix(_spell("pqris", c1={"q": 0.6, "a": 0.35}), alphabet)
    assert lexicon_decode(probs, alphabet, Lexicon(["Paris"]))[0][0] == "paris"
    assert lexicon_decode_one(_matrix(_spell("paris"), alphabet), alphabet, Lexicon(["Paris"])).reason == "word"


# ---- lexicon, index and edge cases --------------------------------------------------------------------------
def test_empty_lexicon_returns_the_greedy_reading() -> None:
    probs = np.stack([_matrix(_spell("brovn", c3={"v": 0.6, "w": 0.35})), _matrix(_spell("table"))])
    empty = Lexicon([])
    assert len(empty) == 0 and empty.neighbours("dog") == []
    greedy = ctc_greedy_decode(probs, ALPHABET)
    decoded = lexicon_decode(probs, ALPHABET, empty)
    assert [t for t, _ in decoded] == [t for t, _ in greedy]
    for (_, conf), (_, greedy_conf) in zip(decoded, greedy):
        assert greedy_conf <= conf <= 1.0  # the text's probability, over all its alignments


def test_beam_hypotheses_are_rescored_exactly() -> None:
    # blank 0.6, 'a' 0.4 at both steps: greedy reads '', but P('a') = 0.64
    probs = np.array([[0.4, 0.0, 0.6], [0.4, 0.0, 0.6]])
    assert lexicon_decode(probs, "ab", Lexicon(["bb"]))[0] == ("", pytest.approx(0.36))
    assert lexicon_decode(probs, "ab", Lexicon(["bb"]), beam_width=4)[0] == ("a", pytest.approx(0.64))


def test_neighbours_match_a_brute_force_search() -> None:
    rng = np.random.default_rng(3)
    letters = "abcde"
    words = {"".join(rng.choice(list(letters), size=rng.integers(1, 8))) for _ in range(400)}
    lexicon = Lexicon(words)
    for _ in range(60):
        query = "".join(rng.choice(list(letters), size=rng.integers(1, 8)))
        for d in (0, 1, 2):
            expected = sorted(w for w in words if edit_distance(query, w) <= d)
            assert lexicon.neighbours(query.upper(), d) == expected


def test_edit_distance() -> None:
    assert edit_distance("", "abc") == 3
    assert edit_distance("ofown", "brown") == 2
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("kitten", "sitting", limit=1) == 2
    assert edit_distance("a", "abcd", limit=2) == 3


def test_word_lists_skip_comments_numbers_and_possessives(tmp_path) -> None:
    path = tmp_path / "words.txt"
    path.write_text("# a comment\nDog\ndog's\n  brown \n\n42\ne-mail\n", encoding="utf-8")
    lexicon = Lexicon.from_files([path])
    assert sorted(lexicon) == ["brown", "dog"]
    assert lexicon.spellings("DOG") == ("Dog",)
    (tmp_path / "empty.txt").write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="no words"):
        Lexicon.from_files([tmp_path / "empty.txt"])
    with pytest.raises(LexiconError, match="cannot read"):
        load_lexicon(tmp_path / "missing.txt")


def test_load_lexicon_settings_and_cache(tmp_path) -> None:
    assert load_lexicon(None) is None and load_lexicon("none") is None and load_lexicon("") is None
    path = tmp_path / "words.txt"
    path.write_text("brown\ndog\n", encoding="utf-8")
    first = load_lexicon(str(path))
    assert first is not None and len(first) == 2
    assert load_lexicon(path) is first  # built once
    auto = load_lexicon("auto")
    assert auto is not None and "the" in auto and len(auto) >= 4000  # at least the bundled list


def test_bad_arguments() -> None:
    probs = _matrix(_spell("dog"))
    with pytest.raises(ValueError, match="distance"):
        lexicon_decode(probs, ALPHABET, Lexicon(["dog"], max_distance=1), max_distance=2)
    with pytest.raises(ValueError):
        lexicon_decode_one(np.stack([probs, probs]), ALPHABET, LEXICON)
    with pytest.raises(ValueError):
        Lexicon(["dog"], max_distance=4)
