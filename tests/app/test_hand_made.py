"""Words a person drew, typed or corrected are theirs: off the review queue, kept when the page is read again."""

from __future__ import annotations

from gui_helpers import recognized_window

from ocr_core.geometry import quad_from_rect


def _texts(window):
    return [w.text for w in window.model.words()]


def test_typing_makes_the_text_hand_made_and_moving_the_box_and_undo_takes_both_back(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    hello, world, lowconf = window.model.word_ids()
    window.editor.set_text(lowconf, "lower")
    window.editor.move_words([world], 1, 0)
    assert window.model.word(lowconf).confidence is None  # the text is the person's: reviewed
    assert window.model.word(world).box_by_hand and window.model.word(world).confidence == 0.75  # text still to check
    assert not window.model.word(hello).box_by_hand and window.model.word(hello).confidence == 0.97
    window.selection.clear()
    assert window.editor.select_next_low_confidence(0.9) == world  # moving a box does not review its text
    window.selection.select([world])
    assert window.editor.select_next_low_confidence(0.9) == world  # and the typed one is off the queue
    window.stack.undo()
    window.stack.undo()
    assert window.model.word(lowconf).confidence == 0.3 and window.model.word(lowconf).text == "lowconf"
    assert not window.model.word(world).box_by_hand


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


def test_reread_all_boxes_leaves_typed_text_and_reads_drawn_and_moved_boxes(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    hello, world, lowconf = window.model.word_ids()
    window.editor.set_text(world, "typed")
    window.editor.move_words([lowconf], 1, 0)  # a better box for the model to read again
    drawn = window.editor.add_box(quad_from_rect(70, 40, 110, 55))
    window.action_set["rerecognize_all"].trigger()
    qtbot.waitUntil(lambda: window.model.word(hello).text.startswith("again"), timeout=5000)
    assert window.model.word(world).text == "typed" and window.model.word(world).confidence is None
    assert window.model.word(lowconf).text.startswith("again") and window.model.word(lowconf).box_by_hand
    assert window.model.word(drawn).text.startswith("again") and window.model.word(drawn).confidence == 0.99
    window.selection.select([world])  # an explicit Ctrl+R reads a typed word again too
    window.page.canvas.setFocus()
    window.action_set["rerecognize"].trigger()
    qtbot.waitUntil(lambda: window.model.word(world).text.startswith("again"), timeout=5000)
    # the drawn box, read by the model, is still the person's box: a new recognition keeps it
    window.action_set["recognize"].trigger()
    qtbot.waitUntil(lambda: not window.recognition.is_busy, timeout=5000)
    assert drawn in window.model.word_ids() and lowconf in window.model.word_ids()
