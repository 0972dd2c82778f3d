"""``keep_hand_made``: a fresh recognition never drops what a person drew, typed or marked."""

from __future__ import annotations

from ocr_core.document import Page, Word
from ocr_core.geometry import quad_from_rect
from ocr_core.hand_made import hand_made_words, is_hand_made, keep_hand_made


def word(text, x0, y0, x1, y1, confidence=0.9, ignore=False):
    return Word(quad=quad_from_rect(x0, y0, x1, y1), text=text, confidence=confidence, ignore=ignore)


def test_hand_made_means_no_model_confidence_or_illegible():
    assert is_hand_made(word("typed", 0, 0, 9, 9, confidence=None))
    assert is_hand_made(word("###", 0, 0, 9, 9, ignore=True))
    assert not is_hand_made(word("read", 0, 0, 9, 9, confidence=0.2))
    assert hand_made_words(None) == []


def test_corrections_stay_and_the_model_fills_in_the_rest():
    previous = Page.from_words([
        word("Genaxis", 10, 10, 60, 30, confidence=None),   # corrected by hand
        word("Theatre", 70, 10, 120, 30, confidence=0.4),   # the model's, untouched
        word("###", 10, 50, 60, 70, ignore=True),            # marked illegible
        word("Market Street", 10, 90, 150, 110, confidence=None),  # two model boxes merged into one by hand
    ], 200, 150, image_path="a.png")
    recognized = Page.from_words([
        word("Genexdis", 12, 11, 61, 31, confidence=0.12),  # the same box read wrong again: dropped
        word("Theatre!", 71, 10, 121, 30, confidence=0.5),   # a machine word replaces a machine word
        word("lllll", 12, 52, 58, 68, confidence=0.3),      # inside the ### box: dropped
        word("Market", 10, 90, 70, 110, confidence=0.9),     # inside the merged box: dropped
        word("Street", 80, 90, 150, 110, confidence=0.9),
        word("new", 160, 120, 190, 140, confidence=0.8),     # found only now: added
    ], 200, 150, image_path="a.png", checked=False)
    merged = keep_hand_made(previous, recognized)
    assert [w.text for w in merged.words] == ["Genaxis", "Theatre!", "###", "Market Street", "new"]
    assert merged.image_path == "a.png" and (merged.width, merged.height) == (200, 150)
    assert merged.id == recognized.id and [w.text for w in recognized.words][0] == "Genexdis"  # input unchanged


def test_a_small_correction_inside_a_big_detection_removes_it():
    previous = Page.from_words([word("EXIT", 100, 100, 140, 120, confidence=None)], 400, 300)
    recognized = Page.from_words([word("EXITlogo", 90, 95, 190, 125, confidence=0.1),
                                  word("far", 300, 200, 340, 220, confidence=0.9)], 400, 300)
    assert [w.text for w in keep_hand_made(previous, recognized).words] == ["EXIT", "far"]


def test_nothing_hand_made_returns_the_recognition_as_it_is():
    recognized = Page.from_words([word("a", 0, 0, 9, 9)], 10, 10)
    previous = Page.from_words([word("b", 0, 0, 9, 9, confidence=0.5)], 10, 10)
    assert keep_hand_made(previous, recognized) is recognized
    assert keep_hand_made(None, recognized) is recognized


def test_a_box_a_person_moved_is_kept_and_survives_a_save(tmp_path):
    from ocr_core.formats import read_annotations, write_annotations
    from ocr_core.hand_made import text_by_hand

    moved = word("model text", 10, 10, 60, 30, confidence=0.4)
    moved.box_by_hand = True
    assert is_hand_made(moved) and not text_by_hand(moved)  # its text is still the model's
    assert text_by_hand(word("typed", 0, 0, 9, 9, confidence=None)) and not text_by_hand(word("", 0, 0, 9, 9, None))
    page = Page.from_words([moved], 100, 50, image_path=str(tmp_path / "a.png"))
    write_annotations([page], tmp_path / "a.json", "studio")
    again = read_annotations(tmp_path / "a.json", "studio")[0].words[0]
    assert again.box_by_hand and again.confidence == 0.4
    recognized = Page.from_words([word("new", 12, 10, 61, 30, confidence=0.9)], 100, 50)
    assert [w.text for w in keep_hand_made(Page.from_words([again], 100, 50), recognized).words] == ["model text"]
