"""Words to review after re-running a new model: changed text, low confidence (no Keras)."""

from __future__ import annotations

from ocr_core.document import Page, Word
from ocr_core.geometry import quad_from_rect
from ocr_core.training.review import Comparison, ComparisonRow, review_changes


def page(*words: Word) -> Page:
    return Page.from_words(list(words), 200, 60, image_path="/data/a.png")


def test_changed_and_low_confidence_words_are_listed_in_reading_order():
    old = page(Word(quad_from_rect(0, 0, 40, 20), "Tota1", 0.8), Word(quad_from_rect(50, 0, 90, 20), "12.50", 0.9),
               Word(quad_from_rect(100, 0, 140, 20), "###", ignore=True))
    new = page(Word(quad_from_rect(1, 1, 41, 21), "Total", 0.95), Word(quad_from_rect(50, 0, 90, 20), "12.50", 0.4),
               Word(quad_from_rect(150, 30, 190, 50), "new", 0.99), Word(quad_from_rect(100, 0, 140, 20), "###",
                                                                         ignore=True))
    items = review_changes(old, new, low_confidence=0.6)
    assert [(i.old_text, i.text, i.reasons) for i in items] == [("Tota1", "Total", ("changed",)),
                                                                 ("12.50", "12.50", ("low",))]
    assert items[0].word_id == new.words[0].id and items[0].image_path == "/data/a.png"
    assert items[0].why() == "text changed" and items[1].why() == "low confidence"


def test_without_an_old_page_only_low_confidence_counts():
    new = page(Word(quad_from_rect(0, 0, 40, 20), "a", 0.3), Word(quad_from_rect(50, 0, 90, 20), "b", 0.9),
               Word(quad_from_rect(100, 0, 140, 20), "hand", None))
    items = review_changes(None, new, low_confidence=0.5)
    assert [(i.text, i.old_text, i.reasons) for i in items] == [("a", None, ("low",))]


def test_both_reasons_and_moved_boxes():
    old = page(Word(quad_from_rect(0, 0, 40, 20), "cat", 0.9))
    moved = page(Word(quad_from_rect(100, 30, 140, 50), "dog", 0.9))  # no overlap: not "changed"
    assert review_changes(old, moved) == []
    both = page(Word(quad_from_rect(0, 0, 40, 20), "cot", 0.2))
    assert review_changes(old, both)[0].reasons == ("changed", "low")


def test_comparison_rows_know_which_way_is_better():
    assert ComparisonRow("Word accuracy", 0.5, 0.7).improved is True
    assert ComparisonRow("Character error rate", 0.2, 0.3, higher_is_better=False).improved is False
    assert ComparisonRow("F1", None, 0.3).improved is None
    assert Comparison().rows == []
