"""Box tools: Copy Boxes / Paste Boxes (a form's fields onto its next copy, read with Ctrl+R), Grow / Shrink Boxes."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import recognized_window
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication


def test_boxes_pasted_on_another_image_come_without_text_and_are_read_on_request(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    hello, world, _ = window.model.word_ids()
    quads = [window.model.word(i).quad.copy() for i in (hello, world)]
    window.selection.select([hello, world])
    assert not window.action_set["paste_boxes"].isEnabled()
    window.action_set["copy_boxes"].trigger()
    assert QGuiApplication.clipboard().text() == "hello world"  # the text, for other programs
    window.session.next_image(1)
    assert len(window.model) == 0 and window.action_set["paste_boxes"].isEnabled()
    window.action_set["paste_boxes"].trigger()
    pasted = window.model.words()
    assert [w.text for w in pasted] == ["", ""] and all(w.box_by_hand and w.confidence is None for w in pasted)
    assert all(np.allclose(w.quad, q) for w, q in zip(pasted, quads))
    assert sorted(window.selection.ids()) == sorted(w.id for w in pasted)
    window.page.canvas.setFocus()
    window.action_set["rerecognize"].trigger()  # Ctrl+R reads them
    qtbot.waitUntil(lambda: all(w.text.startswith("again") for w in window.model.words()), timeout=5000)
    window.stack.undo()
    window.stack.undo()
    assert len(window.model) == 0  # one undo step each


def test_on_the_same_image_pasted_boxes_keep_their_text(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    hello = window.model.word_ids()[0]
    window.selection.select([hello])
    window.action_set["copy_boxes"].trigger()
    window.action_set["paste_boxes"].trigger()
    assert [w.text for w in window.model.words()].count("hello") == 2 and len(window.model) == 4


def test_ctrl_v_while_typing_pastes_text_not_boxes(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    canvas = window.page.canvas
    hello = window.model.word_ids()[0]
    window.selection.select([hello])
    window.action_set["copy_boxes"].trigger()
    QGuiApplication.clipboard().setText("pasted")
    window.selection.select([hello])
    canvas.edit_text(hello)
    editor = canvas.editor
    assert editor.isVisible()
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert editor.text() == "pasted" and len(window.model) == 3  # no box was pasted
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert window.model.word(hello).text == "pasted"


def test_on_the_train_tab_ctrl_c_and_ctrl_v_leave_the_boxes_alone(window, qtbot, image_dir):
    from app.actions import is_text_input

    recognized_window(window, qtbot, image_dir)
    window.selection.select(window.model.word_ids()[:1])
    window.action_set["copy_boxes"].trigger()
    window.tabs.setCurrentWidget(window.train_tab)
    assert not window.action_set["copy_boxes"].isEnabled() and not window.action_set["paste_boxes"].isEnabled()
    window.action_set["paste_boxes"].trigger()  # a disabled action does nothing
    assert len(window.model) == 3
    from PySide6.QtWidgets import QPlainTextEdit

    log = QPlainTextEdit()
    log.setReadOnly(True)
    assert is_text_input(log)  # a read-only log's text can be selected and copied: shortcuts step aside
    window.tabs.setCurrentWidget(window.page)
    assert window.action_set["copy_boxes"].isEnabled() and window.action_set["paste_boxes"].isEnabled()


def test_copying_boxes_without_text_leaves_the_clipboard_alone(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    drawn = window.editor.add_box([[60, 40], [100, 40], [100, 55], [60, 55]])
    QGuiApplication.clipboard().setText("keep me")
    window.selection.select([drawn])
    window.action_set["copy_boxes"].trigger()
    assert QGuiApplication.clipboard().text() == "keep me" and window.editor.can_paste


def test_grow_and_shrink_boxes_by_a_few_pixels_one_undo_step(window, qtbot, image_dir):
    from app.menus import GROW_PX

    recognized_window(window, qtbot, image_dir)
    hello = window.model.word_ids()[0]
    before = window.model.word(hello).quad.copy()  # (5, 5) - (40, 20) on a 120 x 60 page
    window.selection.select([hello])
    window.page.canvas.setFocus()
    for _ in range(2):
        qtbot.keyClick(window.page.canvas, Qt.Key.Key_Equal)
    grown = window.model.word(hello).quad
    assert np.allclose(grown.min(axis=0), before.min(axis=0) - 2 * GROW_PX)
    assert np.allclose(grown.max(axis=0), before.max(axis=0) + 2 * GROW_PX)
    assert window.model.word(hello).box_by_hand
    window.stack.undo()  # the two presses merge into one step
    assert np.allclose(window.model.word(hello).quad, before)
    for _ in range(10):  # shrinking stops before the box vanishes
        window.action_set["shrink"].trigger()
    assert (np.ptp(window.model.word(hello).quad, axis=0) > 0).all()


def test_growing_keeps_a_rotated_box_square_at_the_edge_and_shrinking_never_flips(window, qtbot, image_dir):
    from ocr_core.geometry import quad_from_rect, rotate_quad

    recognized_window(window, qtbot, image_dir)
    tilted = rotate_quad(quad_from_rect(30, 2, 90, 16), 10)  # its top corner at y = 0.1 on a 120 x 60 page
    tilted -= [0, tilted[:, 1].min() - 0.5]
    wid = window.editor.add_box(tilted)
    before = window.model.word(wid).quad.copy()
    angle = np.degrees(np.arctan2(*(before[1] - before[0])[::-1]))
    for _ in range(3):
        window.action_set["grow"].trigger()
    after = window.model.word(wid).quad
    assert (after >= 0).all()
    assert np.degrees(np.arctan2(*(after[1] - after[0])[::-1])) == pytest.approx(angle, abs=0.01)  # same shape
    thin = window.editor.add_box(quad_from_rect(10, 40, 60, 43))  # 3 px tall
    window.action_set["shrink"].trigger()
    assert np.allclose(window.model.word(thin).quad, quad_from_rect(10, 40, 60, 43))  # left as it is


def test_locked_boxes_go_onto_each_next_image_without_boxes_and_are_read(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    hello, world, _ = window.model.word_ids()
    quads = [window.model.word(i).quad.copy() for i in (hello, world)]
    window.selection.select([hello, world])
    window.action_set["lock_boxes"].trigger()
    assert window.action_set["lock_boxes"].isChecked() and window.box_lock.count == 2
    window.session.next_image(1)  # page 2 has no boxes: it gets the two, and they are read
    qtbot.waitUntil(lambda: len(window.model) == 2 and all(w.text.startswith("again") for w in window.model.words()),
                    timeout=5000)
    assert all(np.allclose(w.quad, q) for w, q in zip(window.model.words(), quads))
    window.stack.undo()  # the reading
    window.stack.undo()  # the placing
    assert len(window.model) == 0
    window.session.save()

    window.session.next_image(-1)  # the image they came from keeps its own three boxes
    qtbot.wait(50)
    assert len(window.model) == 3

    window.action_set["lock_boxes"].trigger()  # unlock: the next image stays empty
    assert not window.box_lock.locked
    window.session.next_image(2)
    qtbot.wait(50)
    assert len(window.model) == 0


def test_an_image_that_has_boxes_keeps_them_and_nothing_to_lock_says_so(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    first = [w.text for w in window.model.words()]
    lock = window.action_set["lock_boxes"]
    assert lock.isEnabled()
    window.session.next_image(1)
    assert not lock.isEnabled()  # page 2 has no boxes: nothing to lock
    window.set_box_lock(True)  # asked all the same (a shortcut the user gave it): it says so and stays unlocked
    assert not lock.isChecked() and not window.box_lock.locked
    assert window.statusBar().currentMessage().startswith("No boxes to lock")
    from ocr_core.geometry import quad_from_rect

    wid = window.editor.add_box(quad_from_rect(10, 10, 60, 30))
    assert lock.isEnabled()  # a box drawn: it can be locked
    window.stack.undo()
    assert window.model.has_word(wid) is False and not lock.isEnabled()
    window.tabs.setCurrentWidget(window.train_tab)
    window.session.next_image(-1)
    assert not lock.isEnabled()  # boxes, but not on the Annotate tab
    window.tabs.setCurrentWidget(window.page)
    assert lock.isEnabled()
    window.session.next_image(-1)
    window.selection.select([window.model.word_ids()[0]])
    window.action_set["lock_boxes"].trigger()
    window.session.next_image(1)
    qtbot.waitUntil(lambda: len(window.model) == 1, timeout=5000)
    window.stack.undo()
    window.stack.undo()
    assert len(window.model) == 0 and lock.isEnabled()  # locked: it can be unlocked from any page
    window.session.next_image(-1)  # the first image, which has boxes, is not given more
    qtbot.wait(50)
    assert [w.text for w in window.model.words()] == first


def test_locked_boxes_never_go_onto_an_image_whose_annotation_exists_but_cannot_be_read(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    broken = window.session.store.annotation_path(image_dir / "page2.png")
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text("{ not json", "utf-8")
    window.selection.select(window.model.word_ids()[:2])
    window.action_set["lock_boxes"].trigger()
    window.session.next_image(1)
    qtbot.wait(100)
    assert len(window.model) == 0 and window.session.is_blocked  # the user's file is untouched
    assert broken.read_text("utf-8") == "{ not json"


def test_an_image_left_before_its_locked_boxes_were_read_has_them_read_when_shown_again(window, qtbot, image_dir,
                                                                                         service):
    recognized_window(window, qtbot, image_dir)
    window.selection.select(window.model.word_ids()[:2])
    window.action_set["lock_boxes"].trigger()
    service.delay = 0.5  # the reading is still running when the user moves on
    window.session.next_image(1)
    qtbot.waitUntil(lambda: len(window.model) == 2, timeout=5000)
    window.session.next_image(1)  # leaves page 2 with its placed boxes unread (saved so)
    qtbot.waitUntil(lambda: len(window.model) == 2, timeout=5000)  # page 3 gets its own
    service.delay = 0.02
    qtbot.wait(700)  # page 2's late reading is dropped
    window.session.next_image(-1)
    qtbot.waitUntil(lambda: [w.text[:5] for w in window.model.words()] == ["again"] * 2, timeout=5000)
    window.action_set["lock_boxes"].trigger()
    assert not window.action_set["lock_boxes"].isChecked()
