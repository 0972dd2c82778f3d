"""Window shortcuts work on the canvas and never fire while a text field has focus."""

from __future__ import annotations

import pytest
from gui_helpers import recognized_window
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

KEYS = [
    (Qt.Key.Key_D, Qt.KeyboardModifier.NoModifier),  # next image
    (Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier),  # previous image
    (Qt.Key.Key_W, Qt.KeyboardModifier.NoModifier),  # draw rectangle
    (Qt.Key.Key_Q, Qt.KeyboardModifier.NoModifier),  # draw quad
    (Qt.Key.Key_I, Qt.KeyboardModifier.NoModifier),  # illegible
    (Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier),  # done + next
    (Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier),  # delete boxes
    (Qt.Key.Key_Backspace, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_F3, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_BracketRight, Qt.KeyboardModifier.NoModifier),  # rotate
    (Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier),  # duplicate
    (Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier),  # save
    (Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier),  # re-recognize selected
]


def state(window):
    return (window.session.index, window.page.canvas.mode, window.model.page.to_dict(), window.stack.count(),
            window.selection.ids(), window.recognition.is_busy)


def open_word_list_editor(window):
    table = window.page.word_list.table
    table.setFocus()
    table.edit(window.page.word_list.table_model.index(0, 1))
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    return editor


def open_inline_editor(window):
    window.page.canvas.edit_text(window.model.word_ids()[0])
    editor = window.page.canvas.editor
    assert editor.isVisible() and QApplication.focusWidget() is editor
    return editor


@pytest.mark.parametrize("where", ["inline", "word_list"])
def test_no_shortcut_fires_in_a_text_field(window, qtbot, image_dir, where):
    recognized_window(window, qtbot, image_dir)
    window.selection.select(window.model.word_ids()[:1])
    editor = open_inline_editor(window) if where == "inline" else open_word_list_editor(window)
    assert window.guard.suspended
    before = state(window)
    for key, modifiers in KEYS:
        qtbot.keyClick(editor, key, modifiers)
    assert state(window) == before
    assert editor.text() == "dawqi]"  # the keys edited the text (Backspace ate the space), nothing else


def test_shortcuts_fire_again_after_leaving_the_text_field(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    editor = open_inline_editor(window)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    canvas = window.page.canvas
    canvas.setFocus()
    assert not window.guard.suspended
    qtbot.keyClick(canvas, Qt.Key.Key_W)
    assert canvas.mode == "rect"
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    window.selection.select(window.model.word_ids()[:1])
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert len(window.model) == 2
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(window.model) == 3
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(window.model) == 2
    qtbot.keyClick(canvas, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)  # nothing left to redo
    qtbot.keyClick(canvas, Qt.Key.Key_Space)
    assert window.session.index == 1 and window.page.file_list.is_done(0)


def test_zoom_shortcuts_and_ctrl_wheel(window, qtbot, image_dir):
    window.open_paths([image_dir])
    canvas = window.page.canvas
    canvas.setFocus()
    fit = canvas.zoom
    qtbot.keyClick(canvas, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom == pytest.approx(fit * 1.25)
    qtbot.keyClick(canvas, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom == pytest.approx(fit)
    canvas.zoom_by(3)
    qtbot.keyClick(canvas, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom == pytest.approx(fit)
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent

    center = QPointF(canvas.viewport().rect().center())
    wheel = QWheelEvent(center, QPointF(canvas.viewport().mapToGlobal(center)), QPoint(0, 0), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    QApplication.sendEvent(canvas.viewport(), wheel)
    assert canvas.zoom == pytest.approx(fit * 1.2)
