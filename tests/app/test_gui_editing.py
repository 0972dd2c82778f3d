"""The window end to end: open, recognize, edit boxes and text with mouse and keyboard, undo/redo."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import drag, recognized_window
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication


def words_by_text(window):
    return {w.text: w for w in window.model.words()}


def test_open_shows_first_image_and_lists_all(window, image_dir):
    assert window.open_paths([image_dir])
    assert window.page.file_list.list.count() == 3
    assert window.page.canvas.has_image()
    assert "page1.png" in window.windowTitle()
    assert not window.isWindowModified()


def test_recognize_fills_canvas_and_word_list_then_undo(window, qtbot, image_dir, service):
    recognized_window(window, qtbot, image_dir)
    assert set(window.page.canvas.items_by_id()) == set(window.model.word_ids())
    assert window.page.word_list.table_model.rowCount() == 3
    assert window.isWindowModified()
    assert service.threads and "MainThread" not in service.threads  # engine never ran on the GUI thread
    window.stack.undo()
    assert len(window.model) == 0 and not window.page.canvas.items_by_id()
    assert not window.isWindowModified()
    window.stack.redo()
    assert window.page.word_list.table_model.rowCount() == 3


def test_drag_box_with_mouse_moves_it_and_undo_restores(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    hello = words_by_text(window)["hello"]
    before = hello.quad.copy()
    drag(window.page.canvas, (22, 12), (32, 22))
    np.testing.assert_allclose(hello.quad, before + [10, 10], atol=0.6)
    assert window.selection.ids() == [hello.id]
    item = window.page.canvas.item(hello.id)
    assert item.pos().isNull()  # the item redraws from the model, no leftover drag offset
    window.stack.undo()
    np.testing.assert_allclose(hello.quad, before)
    np.testing.assert_allclose(item.quad, before)
    window.stack.redo()
    np.testing.assert_allclose(hello.quad, before + [10, 10], atol=0.6)


def test_drag_vertex_moves_one_corner(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    hello = words_by_text(window)["hello"]
    window.selection.select([hello.id])
    before = hello.quad.copy()
    corner = tuple(before[2])
    drag(window.page.canvas, corner, (corner[0] + 6, corner[1] + 4))
    np.testing.assert_allclose(hello.quad[2], np.add(corner, (6, 4)), atol=0.6)
    np.testing.assert_allclose(np.delete(hello.quad, 2, axis=0), np.delete(before, 2, axis=0))
    assert window.selection.vertex == (hello.id, 2)
    window.stack.undo()
    np.testing.assert_allclose(hello.quad, before)


def test_arrow_keys_nudge_selection_as_one_undo_step(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    hello = words_by_text(window)["hello"]
    window.selection.select([hello.id])
    canvas = window.page.canvas
    canvas.setFocus()
    before = hello.quad.copy()
    count = window.stack.count()
    for _ in range(3):
        qtbot.keyClick(canvas, Qt.Key.Key_Right)
    qtbot.keyClick(canvas, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    np.testing.assert_allclose(hello.quad, before + [3, 10])
    assert window.stack.count() == count + 1
    window.stack.undo()
    np.testing.assert_allclose(hello.quad, before)


def test_double_click_edits_text_in_place(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    hello = words_by_text(window)["hello"]
    canvas = window.page.canvas
    from gui_helpers import send_mouse

    send_mouse(canvas, QEvent.Type.MouseButtonPress, (22, 12))
    send_mouse(canvas, QEvent.Type.MouseButtonRelease, (22, 12), buttons=Qt.MouseButton.NoButton)
    send_mouse(canvas, QEvent.Type.MouseButtonDblClick, (22, 12))
    editor = canvas.editor
    assert editor.isVisible() and editor.word_id == hello.id and editor.text() == "hello"
    editor.selectAll()
    qtbot.keyClicks(editor, "Hallo")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert hello.text == "Hallo" and not editor.isVisible()
    assert "Hallo" in window.page.canvas.item(hello.id).label._text
    window.stack.undo()
    assert hello.text == "hello"


def test_text_edit_in_word_list_is_undoable(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    table = window.page.word_list.table
    model = window.page.word_list.table_model
    row = model.row_of(words_by_text(window)["world"].id)
    index = model.index(row, 1)
    table.setFocus()
    table.edit(index)
    editor = QApplication.focusWidget()
    assert editor is not None and editor.metaObject().className() == "QExpandingLineEdit"
    editor.selectAll()
    qtbot.keyClicks(editor, "World!")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next loop turn
    word = window.model.word(model.word_id(row))
    qtbot.waitUntil(lambda: word.text == "World!", timeout=2000)
    assert model.data(index) == "World!"
    window.stack.undo()
    assert word.text == "world"
    # the ### column toggles the illegible flag through an undo command too
    model.setData(model.index(row, 3), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert word.ignore and model.data(model.index(row, 1)) == "###"
    window.stack.undo()
    assert not word.ignore


def test_selection_is_shared_between_canvas_and_word_list(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    ids = window.model.word_ids()
    table = window.page.word_list.table
    table.selectRow(1)
    assert window.selection.ids() == [ids[1]]
    assert window.page.canvas.item(ids[1]).isSelected()
    window.page.canvas.item(ids[2]).setSelected(True)
    assert set(window.selection.ids()) == {ids[1], ids[2]}
    assert {i.row() for i in table.selectionModel().selectedRows()} == {1, 2}


def test_delete_and_duplicate_actions(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    ids = window.model.word_ids()
    window.selection.select(ids[:2])
    window.page.canvas.setFocus()
    window.action_set["duplicate"].trigger()
    assert len(window.model) == 5
    window.stack.undo()
    window.selection.select(ids[:2])
    window.action_set["delete"].trigger()
    assert window.model.word_ids() == ids[2:]
    assert len(window.page.canvas.items_by_id()) == 1
    window.stack.undo()
    assert window.model.word_ids() == ids


def test_undoing_a_delete_selects_the_boxes_it_brings_back(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    ids = window.model.word_ids()
    table = window.page.word_list.table
    window.selection.select([ids[0], ids[2]])
    window.action_set["delete"].trigger()
    window.selection.select([ids[1]])
    window.action_set["undo"].trigger()
    assert window.model.word_ids() == ids
    assert window.selection.ids() == [ids[0], ids[2]]  # back, and selected: Del again deletes them again
    assert {i.row() for i in table.selectionModel().selectedRows()} == {0, 2}
    assert [i for i in ids if window.page.canvas.item(i).isSelected()] == [ids[0], ids[2]]
    # a duplicate undone and redone comes back selected too
    window.action_set["duplicate"].trigger()
    copies = window.selection.ids()
    window.action_set["undo"].trigger()
    window.selection.clear()
    window.action_set["redo"].trigger()
    assert window.selection.ids() == copies and len(window.model) == 5
    assert {i.row() for i in table.selectionModel().selectedRows()} == {3, 4}


@pytest.mark.parametrize("mode", ["rect", "quad"])
def test_draw_a_new_box_then_type_its_text(window, qtbot, image_dir, mode):
    recognized_window(window, qtbot, image_dir)
    canvas = window.page.canvas
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_W if mode == "rect" else Qt.Key.Key_Q)
    assert canvas.mode == mode
    if mode == "rect":
        drag(canvas, (60, 30), (100, 50))
    else:
        from gui_helpers import send_mouse

        for point in [(60, 30), (100, 32), (98, 50), (61, 48)]:
            send_mouse(canvas, QEvent.Type.MouseButtonPress, point)
            send_mouse(canvas, QEvent.Type.MouseButtonRelease, point, buttons=Qt.MouseButton.NoButton)
    assert len(window.model) == 4 and canvas.mode == "select"
    new = window.model.words()[-1]
    np.testing.assert_allclose(new.quad[0], (60, 30), atol=0.6)
    assert new.confidence is None
    assert canvas.editor.isVisible() and canvas.editor.word_id == new.id
    qtbot.keyClicks(canvas.editor, "added")
    qtbot.keyClick(canvas.editor, Qt.Key.Key_Return)
    assert new.text == "added"
    window.stack.undo()
    assert new.text == ""
    window.stack.undo()
    assert len(window.model) == 3


def test_rotate_illegible_and_f3_review(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    words = words_by_text(window)
    window.page.canvas.setFocus()
    window.action_set["next_low"].trigger()
    assert window.selection.ids() == [words["world"].id]
    window.action_set["next_low"].trigger()
    assert window.selection.ids() == [words["lowconf"].id]
    before = words["lowconf"].quad.copy()
    window.action_set["rotate_cw"].trigger()
    assert not np.allclose(words["lowconf"].quad, before)
    window.action_set["illegible"].trigger()
    assert words["lowconf"].label == "###"
    window.stack.undo()
    window.stack.undo()
    np.testing.assert_allclose(words["lowconf"].quad, before)


def test_tab_walks_words_and_d_a_walk_images(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    ids = window.model.word_ids()
    canvas = window.page.canvas
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Tab)
    assert window.selection.ids() == [ids[0]]
    qtbot.keyClick(canvas, Qt.Key.Key_Tab)
    assert window.selection.ids() == [ids[1]]
    qtbot.keyClick(canvas, Qt.Key.Key_D)
    assert window.session.index == 1
    qtbot.keyClick(canvas, Qt.Key.Key_A)
    assert window.session.index == 0
    assert len(window.model) == 3  # leaving the image saved it; coming back reloads it


def test_word_tags_never_cover_other_words_and_show_when_there_is_room(window, qtbot, tmp_path):
    """Three tight lines of words: at a small zoom the middle line's tags would cover the first line (above) or
    the last (below), so they hide; the last line hangs its tags below; zoomed in, every tag fits above."""
    from gui_helpers import make_image

    from ocr_core.document import Page, Word

    image = make_image(tmp_path / "dense.png", width=400, height=200)
    assert window.open_paths([image])
    words = [Word(quad=np.array([[x, y], [x + 60, y], [x + 60, y + 16], [x, y + 16]], float), text=f"w{i}{j}",
                  confidence=0.99)
             for i, y in enumerate((40.0, 60.0, 80.0)) for j, x in enumerate((20.0, 100.0, 180.0))]
    window.editor.replace_page(Page.from_words(words, width=400, height=200), "test")
    canvas = window.page.canvas
    canvas.fit()
    canvas.zoom_by(0.5 / canvas.zoom)  # 50 %: a tag (~17 px) is taller than the 2 px gaps
    canvas.declutter_labels()

    def shown(text: str) -> bool:
        word = next(w for w in window.model.words() if w.text == text)
        return canvas.item(word.id).label.isVisible()

    assert all(shown(f"w0{j}") for j in range(3))  # above the first line: nothing to cover
    assert not any(shown(f"w1{j}") for j in range(3))  # would cover line 0 (above) or line 2 (below)
    assert all(shown(f"w2{j}") for j in range(3))  # under the last line
    middle = next(w for w in window.model.words() if w.text == "w11")
    window.selection.select([middle.id], middle.id)
    assert shown("w11")  # a selected word always shows its tag
    window.selection.select([], None)
    canvas.zoom_by(8.0 / canvas.zoom)  # 800 %: 160 px gaps (the tags are placed again once the zoom settles)
    qtbot.waitUntil(lambda: all(shown(f"w{i}{j}") for i in range(3) for j in range(3)), timeout=2000)


def test_boxes_stay_inside_the_image_and_must_have_an_area(window, qtbot, image_dir):
    assert window.open_paths([image_dir])  # 120 x 60 images
    editor, model = window.editor, window.model
    depth = window.stack.count()
    assert editor.add_box([[30, 30]] * 4) is None  # four clicks on one spot
    assert editor.add_box([[10, 10], [20, 20], [30, 30], [40, 40]]) is None  # along a line
    assert window.stack.count() == depth and len(model) == 0
    wid = editor.add_box([[100, 40], [400, 40], [400, 300], [100, 300]])  # dragged past the corner
    assert wid is not None
    np.testing.assert_allclose(model.word(wid).quad, [[100, 40], [120, 40], [120, 60], [100, 60]])
    left = editor.add_box([[70, 40], [90, 40], [90, 60], [70, 60]])
    window.selection.select([left, wid])
    copies = editor.duplicate_selected()  # no room right of or below them: both go up and left, side by side
    assert sorted(model.word(c).quad[0].tolist() for c in copies) == [[60.0, 30.0], [90.0, 30.0]]
    window.stack.undo()
    window.selection.select([wid])
    [copy] = editor.duplicate_selected()
    np.testing.assert_allclose(model.word(copy).quad, [[90, 30], [110, 30], [110, 50], [90, 50]])
    editor.move_words([copy], 50, -100)  # stops at the edges
    np.testing.assert_allclose(model.word(copy).quad, [[100, 0], [120, 0], [120, 20], [100, 20]])
    editor.move_vertex(copy, 0, -20, -5)
    np.testing.assert_allclose(model.word(copy).quad[0], [0, 0])


def test_rotating_a_box_at_the_edge_keeps_it_inside(window, qtbot, image_dir):
    assert window.open_paths([image_dir])  # 120 x 60
    wid = window.editor.add_box([[60, 0], [120, 0], [120, 20], [60, 20]])
    window.editor.rotate_selected(30)
    quad = window.model.word(wid).quad
    assert quad[:, 0].min() >= 0 and quad[:, 0].max() <= 120 + 1e-9 and quad[:, 1].min() >= -1e-9
    edges = np.linalg.norm(np.roll(quad, -1, axis=0) - quad, axis=1)
    np.testing.assert_allclose(sorted(edges), [20, 20, 60, 60], atol=1e-6)  # turned, not squeezed


def test_a_corner_dragged_across_its_box_reorders_the_corners_and_one_onto_another_is_refused(window, qtbot,
                                                                                               image_dir):
    from ocr_core.formats.studio import read_page_file

    assert window.open_paths([image_dir])  # 120 x 60
    canvas, model = window.page.canvas, window.model
    wid = window.editor.add_box([[20, 10], [60, 10], [60, 30], [20, 30]])
    window.selection.select([wid])
    drag(canvas, (20, 10), (80, 10))  # the top-left corner past the top-right one: a crossed quad
    quad = model.word(wid).quad
    x, y = quad[:, 0], quad[:, 1]
    assert float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) > 0  # clockwise on screen
    np.testing.assert_allclose(sorted(map(tuple, quad.tolist())), [(20, 30), (60, 10), (60, 30), (80, 10)], atol=0.6)
    assert canvas.item(wid).shows(model.word(wid))
    window.stack.undo()
    assert model.word(wid).quad.tolist() == [[20, 10], [60, 10], [60, 30], [20, 30]]

    depth, messages = window.stack.index(), []
    window.editor.refused.connect(messages.append)
    window.selection.select([wid])
    drag(canvas, (60, 30), (60, 10))  # a bottom corner onto the top one: first a triangle ...
    drag(canvas, (20, 30), (20, 10))  # ... then no area at all: refused
    assert window.stack.index() == depth + 1 and messages and "no area" in messages[-1]
    np.testing.assert_allclose(model.word(wid).quad, [[20, 10], [60, 10], [60, 10], [20, 30]], atol=0.6)
    assert canvas.item(wid).shows(model.word(wid))  # the preview is gone: the screen shows what is saved
    assert window.session.save()
    saved = read_page_file(window.session.store.annotation_path(image_dir / "page1.png"))
    np.testing.assert_allclose(saved.words[0].quad, model.word(wid).quad, atol=1e-2)


def test_a_box_pushed_against_the_edge_stays_drawn_where_it_is_and_adds_no_step(window, qtbot, image_dir):
    assert window.open_paths([image_dir])
    canvas, model = window.page.canvas, window.model
    wid = window.editor.add_box([[0, 10], [40, 10], [40, 30], [0, 30]])
    window.selection.select([wid])
    depth = window.stack.count()
    drag(canvas, (20, 20), (0, 20))  # already at the left edge: it cannot go further
    assert window.stack.count() == depth and canvas.item(wid).shows(model.word(wid))
    drag(canvas, (40, 10), (40, -30))  # the top-right corner pushed up: it stops at the edge (one step) ...
    np.testing.assert_allclose(model.word(wid).quad[1], [40, 0], atol=0.6)
    assert window.stack.count() == depth + 1
    drag(canvas, tuple(model.word(wid).quad[1]), (40, -30))  # ... and pushed on, nothing changes
    assert window.stack.count() == depth + 1 and canvas.item(wid).shows(model.word(wid))


def test_a_box_too_long_to_turn_inside_the_image_stays_as_it_was_and_says_so(window, qtbot, image_dir):
    assert window.open_paths([image_dir])  # 120 x 60
    long_box = window.editor.add_box([[5, 25], [115, 25], [115, 35], [5, 35]])
    short_box = window.editor.add_box([[40, 40], [60, 40], [60, 50], [40, 50]])
    window.selection.select([long_box, short_box])
    messages = []
    window.editor.refused.connect(messages.append)
    window.editor.rotate_selected(45)  # 110 px turned 45 degrees is about 85 px tall: more than the image
    np.testing.assert_allclose(window.model.word(long_box).quad, [[5, 25], [115, 25], [115, 35], [5, 35]])
    turned = window.model.word(short_box).quad
    assert turned.min() >= -1e-6 and turned[:, 1].max() <= 60 + 1e-6 and not np.allclose(turned[0], [40, 40])
    assert messages and "1 box not turned" in messages[-1]


def test_clicking_a_boxs_body_after_a_corner_makes_the_arrows_move_the_box(window, qtbot, image_dir):
    assert window.open_paths([image_dir])
    canvas, model = window.page.canvas, window.model
    wid = window.editor.add_box([[20, 10], [60, 10], [60, 30], [20, 30]])
    window.selection.select([wid])
    _click(canvas, (60, 10))  # a corner handle: the arrows move that corner
    assert window.selection.vertex == (wid, 1)
    qtbot.wait(QApplication.doubleClickInterval() + 50)  # a second click, not a double click
    _click(canvas, (40, 20))  # the body
    assert window.selection.vertex is None
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    np.testing.assert_allclose(model.word(wid).quad, [[21, 10], [61, 10], [61, 30], [21, 30]])


def test_panning_while_clicking_a_quads_corners_keeps_the_corners_clicked(window, qtbot, image_dir):
    assert window.open_paths([image_dir])
    canvas = window.page.canvas
    canvas.set_mode("quad")
    middle = Qt.MouseButton.MiddleButton
    clicks = [(10, 10), (50, 10)]
    for point in clicks:
        _click(canvas, point)
    from gui_helpers import send_mouse

    send_mouse(canvas, QEvent.Type.MouseButtonPress, (30, 30), button=middle, buttons=middle)
    send_mouse(canvas, QEvent.Type.MouseButtonRelease, (30, 30), button=middle, buttons=Qt.MouseButton.NoButton)
    for point in ((50, 40), (10, 40)):
        _click(canvas, point)
    [word] = window.model.words()
    np.testing.assert_allclose(word.quad, [[10, 10], [50, 10], [50, 40], [10, 40]], atol=0.6)


def _click(canvas, point):
    from gui_helpers import send_mouse

    send_mouse(canvas, QEvent.Type.MouseButtonPress, point)
    send_mouse(canvas, QEvent.Type.MouseButtonRelease, point, buttons=Qt.MouseButton.NoButton)


def test_a_corner_dragged_across_a_turned_box_keeps_the_texts_first_corner(window, qtbot, image_dir):
    assert window.open_paths([image_dir])  # 120 x 60
    # vertical text read bottom to top: its first corner (the text's top-left) is the box's bottom-left
    wid = window.editor.add_box([[20, 10], [40, 10], [40, 50], [20, 50]])
    window.stack.push(__import__("app.commands", fromlist=["SetQuad"]).SetQuad(
        window.model, wid, np.array([[20, 50], [20, 10], [40, 10], [40, 50]], float)))
    assert window.editor.move_vertex(wid, 1, 50, 30)  # the text's top-right corner taken across the box
    quad = window.model.word(wid).quad
    assert quad[0].tolist() == [20, 50]  # still the first corner: the crop reads the same way
