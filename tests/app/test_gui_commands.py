"""Document model + undo commands: every edit undoes and redoes exactly (no window needed)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtGui import QUndoStack

from app import commands
from app.document_model import DocumentModel
from app.editor import Editor
from app.selection import SelectionModel
from ocr_core.document import Page, Word
from ocr_core.geometry import quad_from_rect


def make_page() -> Page:
    words = [Word(quad_from_rect(0, 0, 30, 10), "alpha", 0.9), Word(quad_from_rect(40, 0, 70, 10), "beta", 0.5),
             Word(quad_from_rect(0, 20, 30, 30), "gamma", 0.8)]
    return Page.from_words(words, 100, 50, image_path="x.png")


@pytest.fixture
def setup(qapp):
    model = DocumentModel(make_page())
    stack = QUndoStack()
    editor = Editor(model, SelectionModel(model), stack)
    return model, stack, editor


def snapshot(model: DocumentModel) -> dict:
    return model.page.to_dict()


def check_undo_redo(model: DocumentModel, stack: QUndoStack, before: dict) -> None:
    after = snapshot(model)
    assert after != before
    stack.undo()
    assert snapshot(model) == before
    stack.redo()
    assert snapshot(model) == after


def test_signals_describe_changes(setup):
    model, stack, _ = setup
    seen = []
    model.wordsAdded.connect(lambda ids: seen.append(("added", ids)))
    model.wordsRemoved.connect(lambda ids: seen.append(("removed", ids)))
    model.wordChanged.connect(lambda i: seen.append(("changed", i)))
    word = Word(quad_from_rect(1, 1, 5, 5), "new")
    stack.push(commands.AddWords(model, [word]))
    stack.push(commands.EditText(model, word.id, "newer"))
    stack.push(commands.RemoveWords(model, [word.id]))
    assert seen == [("added", [word.id]), ("changed", word.id), ("removed", [word.id])]
    seen.clear()
    many = [Word(quad_from_rect(i, 1, i + 5, 5), str(i)) for i in range(50)]
    stack.push(commands.AddWords(model, many))
    stack.push(commands.RemoveWords(model, [w.id for w in many]))
    stack.undo()
    assert seen == [("added", [w.id for w in many]), ("removed", [w.id for w in many]),
                    ("added", [w.id for w in many])]  # one signal per edit: the views redraw once


@pytest.mark.parametrize("edit", ["add", "remove", "move", "vertex", "rotate", "text", "ignore", "checked",
                                  "reorder", "replace", "recognized", "duplicate"])
def test_each_command_undoes_and_redoes(setup, edit):
    model, stack, editor = setup
    first, second = model.word_ids()[:2]
    before = snapshot(model)
    if edit == "add":
        editor.add_box([[10, 40], [20, 40], [20, 48], [10, 48]], "new")
    elif edit == "remove":
        stack.push(commands.RemoveWords(model, [second, first]))
        assert len(model) == 1
    elif edit == "move":
        stack.push(commands.MoveWords(model, [first, second], 3, -2))
        assert model.word(first).quad[0].tolist() == [3, -2]
    elif edit == "vertex":
        stack.push(commands.MoveVertex(model, first, 2, 50, 60))
        assert model.word(first).quad[2].tolist() == [50, 60]
    elif edit == "rotate":
        stack.push(commands.RotateWords(model, [first], 90))
        # clockwise on screen: the top-left corner goes to the top-right (at y -10, moved back into the image)
        np.testing.assert_allclose(model.word(first).quad[0], [20, 0], atol=1e-9)
    elif edit == "text":
        stack.push(commands.EditText(model, first, "ALPHA"))
        assert model.word(first).text == "ALPHA"
    elif edit == "ignore":
        stack.push(commands.SetIgnore(model, [first], True))
        assert model.word(first).label == "###"
    elif edit == "checked":
        stack.push(commands.SetChecked(model, True))
        assert model.page.checked
    elif edit == "reorder":
        layout = model.layout()
        stack.push(commands.ReorderWords(model, list(reversed(layout))))
        assert model.word_ids()[0] != first
    elif edit == "replace":
        new = Page.from_words([Word(quad_from_rect(1, 1, 9, 9), "only")], 100, 50)
        stack.push(commands.ReplacePage(model, new))
        assert [w.text for w in model.words()] == ["only"] and model.page.image_path == "x.png"
    elif edit == "recognized":
        editor.apply_recognized({first: ("re", 0.99)})
        assert (model.word(first).text, model.word(first).confidence) == ("re", 0.99)
    elif edit == "duplicate":
        editor.selection.select([first])
        copies = editor.duplicate_selected()
        assert len(model) == 4 and copies[0] != first
    check_undo_redo(model, stack, before)


def test_typing_hashes_marks_illegible_and_keeps_text(setup):
    model, stack, editor = setup
    first = model.word_ids()[0]
    editor.set_text(first, "###")
    assert model.word(first).ignore and model.word(first).text == "alpha"
    editor.set_text(first, "alpha")  # typing real text again makes it legible
    assert not model.word(first).ignore
    stack.undo()
    assert model.word(first).ignore


def test_remove_restores_line_structure(setup):
    model, stack, _ = setup
    layout = model.layout()
    stack.push(commands.RemoveWords(model, [model.word_ids()[2]]))
    stack.undo()
    assert model.layout() == layout


def test_keyboard_moves_merge_into_one_undo_step(setup):
    model, stack, editor = setup
    first = model.word_ids()[0]
    editor.selection.select([first])
    start = model.word(first).quad.copy()
    for _ in range(5):
        editor.nudge(1, 0)
    assert stack.count() == 1
    np.testing.assert_allclose(model.word(first).quad, start + [5, 0])
    stack.undo()
    np.testing.assert_allclose(model.word(first).quad, start)


def test_mouse_moves_and_late_key_presses_do_not_merge(setup, monkeypatch):
    model, stack, editor = setup
    first = model.word_ids()[0]
    editor.move_words([first], 4, 4)
    editor.move_words([first], 4, 4)
    assert stack.count() == 2
    editor.selection.select([first])
    editor.nudge(1, 0)
    now = time.monotonic()
    monkeypatch.setattr(commands.time, "monotonic", lambda: now + 10)
    editor.nudge(1, 0)
    assert stack.count() == 4


def test_active_vertex_is_nudged_alone(setup):
    model, stack, editor = setup
    first = model.word_ids()[0]
    editor.selection.set_vertex(first, 1)
    before = model.word(first).quad.copy()
    editor.nudge(0, 3)
    editor.nudge(0, 3)
    after = model.word(first).quad
    np.testing.assert_allclose(after[1], before[1] + [0, 6])
    np.testing.assert_allclose(np.delete(after, 1, axis=0), np.delete(before, 1, axis=0))
    assert stack.count() == 1


def test_a_corner_nudged_across_its_box_is_still_the_one_the_arrows_move(setup):
    model, _, editor = setup
    first = model.word_ids()[0]  # (0, 0) - (30, 10)
    editor.selection.set_vertex(first, 1)  # the top-right corner
    for _ in range(4):
        editor.nudge(0, 6)  # down, past the bottom-right corner
    quad = model.word(first).quad
    wid, index = editor.selection.vertex
    assert wid == first and quad[index].tolist() == [30, 24]
    x, y = quad[:, 0], quad[:, 1]
    assert float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) > 0  # still clockwise


def test_drawn_quad_is_ordered_clockwise(setup):
    model, _, editor = setup
    word_id = editor.add_box([[30, 30], [10, 30], [10, 10], [30, 10]])
    assert model.word(word_id).quad.tolist() == [[10, 10], [30, 10], [30, 30], [10, 30]]
    assert editor.selection.ids() == [word_id]


def test_navigation_and_low_confidence(setup):
    model, _, editor = setup
    ids = model.word_ids()
    assert editor.select_step(1) == ids[0]
    assert editor.select_step(1) == ids[1]
    assert editor.select_step(-1) == ids[0]
    low = [w.id for w in model.words() if w.confidence < 0.85]
    assert editor.select_next_low_confidence(0.85) == low[0]
    assert editor.select_next_low_confidence(0.85) == low[1]
    assert editor.select_next_low_confidence(0.85) == low[0]  # wraps around


def test_sort_reading_order_is_one_undoable_step(setup):
    model, stack, editor = setup
    shuffled = [(lid, ids) for lid, ids in reversed(model.layout())]
    stack.push(commands.ReorderWords(model, shuffled))
    editor.sort_reading_order()
    assert [w.text for w in model.words()] == ["alpha", "beta", "gamma"]
    stack.undo()
    assert [w.text for w in model.words()][0] == "gamma"


def test_selection_drops_removed_words(setup):
    model, stack, editor = setup
    ids = model.word_ids()
    editor.selection.select(ids[:2])
    editor.delete_selected()
    assert editor.selection.ids() == []
    stack.undo()
    assert len(model) == 3
