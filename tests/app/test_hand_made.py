"""Words a person drew, typed or corrected are theirs: off the review queue, kept when the page is read again."""

from __future__ import annotations

from gui_helpers import recognized_window

from ocr_core.geometry import quad_from_rect


def _texts(window):
    return [w.text for w in window.model.words()]


def test_typing_or_moving_makes_a_word_hand_made_and_undo_gives_the_confidence_back(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    hello, world, lowconf = window.model.word_ids()
    assert window.editor.select_next_low_confidence(0.9) == world
    window.editor.set_text(lowconf, "lower")
    window.editor.move_words([world], 1, 0)
    assert window.model.word(lowconf).confidence is None and window.model.word(world).confidence is None
    assert window.model.word(hello).confidence == 0.97  # untouched
    window.selection.clear()
    assert window.editor.select_next_low_confidence(0.9) is None  # both were reviewed by hand
    window.stack.undo()
    window.stack.undo()
    assert window.model.word(lowconf).confidence == 0.3 and window.model.word(lowconf).text == "lowconf"
    assert window.model.word(world).confidence == 0.75


def test_recognizing_again_keeps_corrections_and_drawn_boxes(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    hello, world, lowconf = window.model.word_ids()
    window.editor.set_text(world, "World!")
    window.editor.add_box(quad_from_rect(70, 40, 110, 55), "drawn")
    window.editor.set_ignore([hello], True)
    window.action_set["recognize"].trigger()
    qtbot.waitUntil(lambda: not window.recognition.is_busy, timeout=5000)
    # the fake model reads hello / world / lowconf again: its copies of the two hand-made boxes are dropped
    assert sorted(_texts(window)) == ["World!", "drawn", "hello", "lowconf"]
    by_id = {w.id: w for w in window.model.words()}
    assert by_id[hello].ignore and by_id[world].text == "World!"
    assert sum(w.confidence is None for w in window.model.words()) == 2  # World! and drawn (### keeps its own)
    assert lowconf not in by_id  # the model's word was read again: a new word
    window.stack.undo()  # one step back to the page as it was
    assert lowconf in window.model.word_ids() and len(window.model) == 4
    assert window.model.word(world).text == "World!" and window.model.word(world).confidence is None


def test_reread_all_boxes_leaves_typed_text_and_reads_drawn_empty_boxes(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    hello, world, lowconf = window.model.word_ids()
    window.editor.set_text(world, "typed")
    drawn = window.editor.add_box(quad_from_rect(70, 40, 110, 55))
    window.action_set["rerecognize_all"].trigger()
    qtbot.waitUntil(lambda: window.model.word(hello).text.startswith("again"), timeout=5000)
    assert window.model.word(world).text == "typed" and window.model.word(world).confidence is None
    assert window.model.word(lowconf).text.startswith("again")
    assert window.model.word(drawn).text.startswith("again") and window.model.word(drawn).confidence == 0.99
    window.selection.select([world])  # an explicit Ctrl+R reads a typed word again too
    window.page.canvas.setFocus()
    window.action_set["rerecognize"].trigger()
    qtbot.waitUntil(lambda: window.model.word(world).text.startswith("again"), timeout=5000)
