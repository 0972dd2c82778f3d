"""Work is never lost behind the user's back: queued writes, exports, imports and late results (review of session 12)."""

from __future__ import annotations

import json
import threading

from ocr_core.document import Page
from ocr_core.geometry import quad_from_rect
from ocr_core.project import AnnotationStore


def malformed_sidecar(image_dir):
    """page1's annotation, hand-edited with one typo: saving over it is refused."""
    sidecar = AnnotationStore(image_dir).annotation_path(image_dir / "page1.png")
    good = Page(width=120, height=60, image_path=str(image_dir / "page1.png")).to_dict()
    sidecar.write_text(json.dumps({"format": "ocr-studio", "version": 1, "page": good})[:-1] + ",}\nPRECIOUS",
                       encoding="utf-8")
    return sidecar


def test_a_queued_older_autosave_never_overwrites_newer_edits(window, qtbot, image_dir):
    malformed_sidecar(image_dir)  # saving is refused: the autosave is the only copy of the edits
    assert window.open_paths([image_dir])
    qtbot.waitUntil(lambda: not window.session.io_busy, timeout=3000)
    gate = threading.Event()
    window.session._io.submit("a slow job ahead of the autosave", lambda _ctx: gate.wait(5))
    window.editor.add_box(quad_from_rect(5, 5, 40, 20), "first edit")
    window.session.autosave_now()  # the timer's autosave, queued behind the slow job
    window.editor.add_box(quad_from_rect(50, 30, 90, 50), "second edit")
    assert window.session.next_image(1)  # the save is refused; the autosave written now holds both edits
    gate.set()
    qtbot.waitUntil(lambda: not window.session.io_busy, timeout=3000)
    store = window.session.store
    assert [w.text for w in store.recover(image_dir / "page1.png").words] == ["first edit", "second edit"]


def test_an_export_never_writes_over_the_apps_own_annotation_files(window, qtbot, image_dir, monkeypatch):
    from app import dialogs

    sidecar = malformed_sidecar(image_dir)  # the app refuses to save over it, and says "export them"
    assert window.open_paths([image_dir]) and window.session.is_blocked
    window.editor.add_box(quad_from_rect(5, 5, 40, 20), "new")
    monkeypatch.setattr(dialogs, "ask_export", lambda *_a, **_k: (str(image_dir), "studio"))
    monkeypatch.setattr(dialogs, "ask_overwrite_files", lambda *_a: True)  # even when the user says yes
    messages = []
    window.transfer.message.connect(messages.append)
    window.action_set["export"].trigger()
    assert "PRECIOUS" in sidecar.read_text(encoding="utf-8")
    assert "own annotation file page1.png.ocr.json" in messages[-1] and "nothing was changed" in messages[-1]
    shown = sorted(p.name for p in image_dir.iterdir() if not p.name.startswith("."))
    assert shown == ["page1.png", "page1.png.ocr.json", "page2.png", "page3.png"]  # no export file left either


def test_an_export_asks_before_writing_over_files_and_a_no_leaves_them(window, qtbot, image_dir, monkeypatch):
    from gui_helpers import recognized_window

    from app import dialogs

    folder = image_dir.name
    label = image_dir / "Label.txt"  # another tool's labels for all three images
    label.write_text("".join(f'{folder}/page{i}.png\t[{{"transcription": "gt{i}", "points": [[1,1],[50,1],[50,20],'
                             f'[1,20]], "difficult": false}}]\n' for i in (1, 2, 3)), encoding="utf-8")
    before = label.read_bytes()
    recognized_window(window, qtbot, image_dir)
    asked = []
    answer = [False]
    monkeypatch.setattr(dialogs, "ask_export", lambda *_a, **_k: (str(image_dir), "ppocrlabel"))
    monkeypatch.setattr(dialogs, "ask_overwrite_files",
                        lambda _w, where, names: asked.append((where, names)) or answer[0])
    before_files = sorted(p.name for p in image_dir.iterdir())

    def ask(_w, where, names):  # asked before anything is written: the folder is as it was
        assert sorted(p.name for p in image_dir.iterdir()) == before_files and label.read_bytes() == before
        asked.append((where, names))
        return answer[0]

    monkeypatch.setattr(dialogs, "ask_overwrite_files", ask)
    window.action_set["export"].trigger()
    assert asked == [(str(image_dir), ["Label.txt"])]
    assert label.read_bytes() == before and not (image_dir / "rec_gt.txt").exists()  # nothing new either
    answer[0] = True
    window.action_set["export"].trigger()
    assert "gt2" not in label.read_text(encoding="utf-8") and (image_dir / "rec_gt.txt").is_file()


def test_an_import_holding_two_pages_for_one_image_applies_neither(window, qtbot, image_dir, tmp_path, monkeypatch):
    from app import dialogs
    from ocr_core.document import Word

    store = AnnotationStore(image_dir)
    store.save(Page.from_words([Word(quad_from_rect(5, 5, 40, 20), "corrected by the user", None)], 120, 60,
                               image_path=str(image_dir / "page2.png")))
    source = tmp_path / "dataset"
    for sub, text in (("train", "imported A"), ("val", "imported B")):  # the same file name in two folders
        (source / sub).mkdir(parents=True)
        AnnotationStore(source / sub).save(Page.from_words([Word(quad_from_rect(5, 5, 40, 20), text, None)], 120, 60,
                                                           image_path=str(source / sub / "page2.png")))
    (source / "train" / "page3.png.ocr.json").write_text(  # and one page for page3 alone
        (source / "train" / "page2.png.ocr.json").read_text(encoding="utf-8").replace("page2", "page3"), "utf-8")
    assert window.open_paths([image_dir])
    monkeypatch.setattr(dialogs, "ask_import", lambda *_a, **_k: (str(source), "studio"))
    window.transfer.confirm_replace = lambda *_a: "replace"
    messages = []
    window.transfer.message.connect(messages.append)
    window.action_set["import"].trigger()
    assert [w.text for w in store.load(image_dir / "page2.png").words] == ["corrected by the user"]
    assert [w.text for w in store.load(image_dir / "page3.png").words] == ["imported A"]
    assert "more than one page for page2.png" in messages[-1] and messages[-1].startswith("Imported 1 page")


def test_a_result_never_lands_on_an_image_marked_done_meanwhile_nor_on_a_folder_closed(window, qtbot, image_dir,
                                                                                       tmp_path, service):
    from gui_helpers import make_image

    service.delay = 0.4
    assert window.open_paths([image_dir])
    window.recognition.confirm_replace = lambda *_a: "replace"
    window.recognition.recognize_unchecked()  # page1, page2, page3, slowly
    window.session.go_to(2)  # page3: corrected and marked done while the batch runs
    window.editor.add_box(quad_from_rect(2, 2, 30, 12), "checked by me")
    window.editor.set_checked(True)
    assert window.session.save()
    other = tmp_path / "other"
    other.mkdir()
    make_image(other / "x.png")
    messages = []
    window.recognition.message.connect(messages.append)
    assert window.open_paths([other])  # on to another folder while the batch still runs
    qtbot.waitUntil(lambda: not window.recognition.is_busy and not window.session.io_busy, timeout=10000)
    page = AnnotationStore(image_dir).load(image_dir / "page3.png")
    assert page.checked and [w.text for w in page.words] == ["checked by me"]
    assert any("not open any more" in m for m in messages)


def test_a_result_for_an_image_done_on_disk_is_not_written_even_when_the_marks_were_stale(window, qtbot, image_dir):
    from ocr_core.document import Word

    assert window.open_paths([image_dir])
    store = AnnotationStore(image_dir)
    store.save(Page(width=120, height=60, image_path=str(image_dir / "page2.png"), checked=True))
    window.session.done[str(image_dir / "page2.png")] = False  # another window marked it, say
    job = window.session.save_result(Page.from_words([Word(quad_from_rect(5, 5, 40, 20), "model", 0.9)], 120, 60,
                                                     image_path=str(image_dir / "page2.png")))
    qtbot.waitUntil(lambda: job.done, timeout=3000)
    page = AnnotationStore(image_dir).load(image_dir / "page2.png")
    assert page.checked and not page.words
    assert window.session.done[str(image_dir / "page2.png")]  # and the window learns it is done


def test_a_slow_scan_of_done_marks_never_takes_back_a_mark_set_meanwhile(window, qtbot, image_dir, monkeypatch):
    import time

    slow = AnnotationStore.checked_images

    def scan(self, paths):  # a big folder on a network share: the marks arrive late
        marks = slow(self, paths)
        time.sleep(0.5)
        return marks

    monkeypatch.setattr(AnnotationStore, "checked_images", scan)
    assert window.open_paths([image_dir])
    window.check_image()  # Space on page1: marked done, saved, on to page2
    qtbot.waitUntil(lambda: not window.session.io_busy, timeout=3000)
    assert window.session.done[str(image_dir / "page1.png")] and window.page.file_list.is_done(0)


def test_a_result_that_arrives_after_the_user_saved_work_on_the_image_is_dropped(window, qtbot, image_dir, service):
    service.delay = 0.4
    assert window.open_paths([image_dir])
    window.session.go_to(2)
    window.action_set["recognize"].trigger()
    window.action_set["recognize"].trigger()  # pressed twice: both are queued
    qtbot.waitUntil(lambda: len(window.model) == 3, timeout=5000)  # the first result
    for word in list(window.model.words()):  # the user deletes the false boxes ...
        if word.text != "hello":
            window.selection.select([word.id])
            window.editor.delete_selected()
    messages = []
    window.recognition.message.connect(messages.append)
    window.session.go_to(0)  # ... and moves on: saved as ["hello"]
    qtbot.waitUntil(lambda: not window.recognition.is_busy and not window.session.io_busy, timeout=10000)
    assert [w.text for w in AnnotationStore(image_dir).load(image_dir / "page3.png").words] == ["hello"]
    assert any("page3.png was saved with your changes" in m for m in messages)


def test_an_import_during_recognize_all_is_not_mixed_with_the_models_boxes(window, qtbot, image_dir, tmp_path,
                                                                          service, monkeypatch):
    from app import dialogs

    service.delay = 0.4
    assert window.open_paths([image_dir])
    window.recognition.recognize_unchecked()
    truth = tmp_path / "gt"
    truth.mkdir()
    (truth / "gt_page3.txt").write_text("2,2,30,2,30,12,2,12,TRUTH\n", encoding="utf-8")
    monkeypatch.setattr(dialogs, "ask_import", lambda *_a, **_k: (str(truth), "icdar2015"))
    window.action_set["import"].trigger()  # ground truth for page3 while the batch runs
    qtbot.waitUntil(lambda: not window.recognition.is_busy and not window.session.io_busy, timeout=10000)
    assert [w.text for w in AnnotationStore(image_dir).load(image_dir / "page3.png").words] == ["TRUTH"]
    assert len(AnnotationStore(image_dir).load(image_dir / "page2.png").words) == 3  # the others were read


def test_text_being_typed_in_place_when_a_result_lands_is_committed_and_kept(window, qtbot, image_dir, service):
    service.delay = 0.6
    assert window.open_paths([image_dir])
    word_id = window.editor.add_box(quad_from_rect(70, 40, 110, 55))  # a box the user drew
    window.action_set["recognize"].trigger()  # the result is on its way
    canvas = window.page.canvas
    canvas.edit_text(word_id)
    qtbot.keyClicks(canvas.editor, "a correction typed by hand")
    qtbot.waitUntil(lambda: not window.recognition.is_busy, timeout=5000)
    assert window.model.word(word_id).text == "a correction typed by hand"
    assert len(window.model) == 4  # beside the model's three words


def test_text_being_typed_in_the_word_list_when_a_result_lands_is_kept(window, qtbot, image_dir, service):
    from PySide6.QtWidgets import QApplication

    service.delay = 0.6
    assert window.open_paths([image_dir])
    word_id = window.editor.add_box(quad_from_rect(70, 40, 110, 55))
    window.action_set["recognize"].trigger()
    table = window.page.word_list.table
    index = window.page.word_list.table_model.index(0, 1)
    table.setFocus()
    table.setCurrentIndex(index)
    table.edit(index)
    editor = QApplication.focusWidget()
    assert editor is not None and table.isAncestorOf(editor)
    qtbot.keyClicks(editor, "typed in the list")
    qtbot.waitUntil(lambda: not window.recognition.is_busy, timeout=5000)
    assert window.model.word(word_id).text == "typed in the list"


def test_re_recognition_leaves_a_box_retyped_while_it_ran(window, qtbot, image_dir, service):
    from gui_helpers import recognized_window

    recognized_window(window, qtbot, image_dir)
    service.delay = 0.5
    first, second, _ = window.model.word_ids()
    window.recognition.rerecognize_all()  # Ctrl+Shift+R
    window.editor.set_text(first, "typed by hand")  # corrected meanwhile
    messages = []
    window.recognition.message.connect(messages.append)
    qtbot.waitUntil(lambda: not window.recognition.is_busy, timeout=5000)
    assert window.model.word(first).text == "typed by hand" and window.model.word(first).confidence is None
    assert window.model.word(second).text.startswith("again")  # the others are read again
    assert "1 changed meanwhile" in messages[-1]


def edited_where_saving_fails(window, qtbot, image_dir, monkeypatch, text, code, reason):
    """page1 recognized, its first word retyped as ``text``; from now on every save fails (autosaves work).
    Returns the real save, to put back."""
    from gui_helpers import recognized_window

    recognized_window(window, qtbot, image_dir)
    window.editor.set_text(window.model.word_ids()[0], text)
    real_save = AnnotationStore.save

    def refuse(self, *_a, **_k):
        raise OSError(code, reason)

    monkeypatch.setattr(AnnotationStore, "save", refuse)
    return real_save


def test_closing_with_edits_only_the_autosave_holds_asks_first(window, qtbot, image_dir, monkeypatch):
    import errno

    from app import dialogs

    real_save = edited_where_saving_fails(window, qtbot, image_dir, monkeypatch, "only in the autosave",
                                          errno.EACCES, "Permission denied")
    asked = []
    answer = [False]
    monkeypatch.setattr(dialogs, "ask_close_with_autosaved_edits",
                        lambda _w, name, reason: asked.append((name, reason)) or answer[0])
    window.close()
    assert window.isVisible() and asked[0][0] == "page1.png" and "Permission denied" in asked[0][1]  # stayed
    monkeypatch.setattr(AnnotationStore, "save", real_save)
    assert window.session.save()  # fixed: saved, and then it closes without a question
    window.close()
    assert not window.isVisible() and len(asked) == 1
    assert AnnotationStore(image_dir).load(image_dir / "page1.png").words[0].text == "only in the autosave"


def test_a_folder_renamed_while_open_is_not_recreated_by_a_save(window, qtbot, image_dir, tmp_path, monkeypatch):
    from gui_helpers import recognized_window

    from app import dialogs

    recognized_window(window, qtbot, image_dir)
    window.editor.set_text(window.model.word_ids()[0], "edited after the move")
    moved = tmp_path / "renamed"
    image_dir.rename(moved)  # renamed in the file manager while the app is open
    assert not window.session.save()
    assert "not there any more" in window.session.last_save_error
    assert not image_dir.exists()  # no ghost folder holding just the sidecar
    asked = []
    monkeypatch.setattr(dialogs, "ask_discard_unsaved", lambda _w, name, reason: asked.append(reason) or False)
    assert not window.session.next_image(1)  # nowhere to keep the edits: the user is asked, and stays
    assert asked and window.model.word(window.model.word_ids()[0]).text == "edited after the move"
    moved.rename(image_dir)  # put back: the edits save where they belong
    assert window.session.save()
    assert AnnotationStore(image_dir).load(image_dir / "page1.png").words[0].text == "edited after the move"


def test_an_import_replacing_edits_only_the_autosave_held_keeps_them_as_the_backup(window, qtbot, image_dir,
                                                                                    tmp_path, monkeypatch):
    import time

    from app import dialogs
    from ocr_core.document import Word

    store = AnnotationStore(image_dir)
    image = str(image_dir / "page2.png")
    store.save(Page.from_words([Word(quad_from_rect(5, 5, 40, 20), "saved", 0.9)], 120, 60, image_path=image))
    time.sleep(0.02)
    store.autosave(Page.from_words([Word(quad_from_rect(5, 5, 40, 20), "typed before the crash", None)], 120, 60,
                                   image_path=image))
    truth = tmp_path / "gt"
    truth.mkdir()
    (truth / "gt_page2.txt").write_text("1,1,50,1,50,20,1,20,imported\n", encoding="utf-8")
    assert window.open_paths([image_dir])
    monkeypatch.setattr(dialogs, "ask_import", lambda *_a, **_k: (str(truth), "icdar2015"))
    window.transfer.confirm_replace = lambda *_a: "replace"  # "the previous file is kept as .bak"
    window.action_set["import"].trigger()
    assert [w.text for w in store.load(image_dir / "page2.png").words] == ["imported"]
    assert "typed before the crash" in store.backup_path(image_dir / "page2.png").read_text(encoding="utf-8")


def test_edits_made_before_asking_do_not_drop_the_result_when_the_user_moves_on(window, qtbot, image_dir, service):
    service.delay = 0.4
    assert window.open_paths([image_dir])
    window.editor.add_box(quad_from_rect(70, 40, 110, 55), "drawn first")  # edits, then Recognize, then D
    window.action_set["recognize"].trigger()
    window.session.next_image(1)
    qtbot.waitUntil(lambda: not window.recognition.is_busy and not window.session.io_busy, timeout=5000)
    texts = [w.text for w in AnnotationStore(image_dir).load(image_dir / "page1.png").words]
    assert "drawn first" in texts and len(texts) == 4  # the result was merged beside the word drawn before


def test_an_import_on_the_image_on_screen_while_it_is_read_drops_the_late_result(window, qtbot, image_dir, tmp_path,
                                                                                 service, monkeypatch):
    from app import dialogs

    service.delay = 0.4
    assert window.open_paths([image_dir])
    window.action_set["recognize"].trigger()
    truth = tmp_path / "gt"
    truth.mkdir()
    (truth / "gt_page1.txt").write_text("2,2,30,2,30,12,2,12,TRUTH\n40,2,60,2,60,12,40,12,###\n", encoding="utf-8")
    monkeypatch.setattr(dialogs, "ask_import", lambda *_a, **_k: (str(truth), "icdar2015"))
    messages = []
    window.recognition.message.connect(messages.append)
    window.action_set["import"].trigger()
    qtbot.waitUntil(lambda: not window.recognition.is_busy, timeout=5000)
    assert [w.text for w in window.model.words()] == ["TRUTH", "###"]
    assert any("imported for page1.png" in m for m in messages)


def test_closing_asks_about_images_left_earlier_whose_edits_only_the_autosave_holds(window, qtbot, image_dir,
                                                                                    monkeypatch):
    import errno

    from app import dialogs

    real_save = edited_where_saving_fails(window, qtbot, image_dir, monkeypatch, "left in the autosave",
                                          errno.ENOSPC, "No space left on device")
    assert window.session.next_image(1)  # the save fails, the autosave holds the edits: on to page2
    monkeypatch.setattr(AnnotationStore, "save", real_save)
    asked = []
    answer = [False]
    monkeypatch.setattr(dialogs, "ask_close_with_autosaved_edits",
                        lambda _w, name, reason: asked.append(name) or answer[0])
    window.close()
    assert window.isVisible() and asked == ["page1.png"]  # stayed
    window.session.next_image(-1)  # back: the edits are recovered from the autosave and saved on leaving
    assert window.model.word(window.model.word_ids()[0]).text == "left in the autosave"
    window.session.next_image(1)
    window.close()
    assert not window.isVisible() and asked == ["page1.png"]  # nothing left to ask about


def _typing_in_place(window, qtbot, image_dir, text):
    """A box on page1, its text being typed in place (not committed yet)."""
    assert window.open_paths([image_dir])
    word_id = window.editor.add_box(quad_from_rect(20, 20, 60, 40))
    assert window.session.save()
    canvas = window.page.canvas
    canvas.edit_text(word_id)
    qtbot.keyClicks(canvas.editor, text)
    return word_id


def _click_tool(window, name):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    button = window.page.toolbar.widgetForAction(window.action_set[name])
    assert button is not None and button.focusPolicy() == Qt.FocusPolicy.NoFocus  # the field keeps the focus
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def _saved_texts(image_dir, name="page1.png"):
    return [w.text for w in AnnotationStore(image_dir).load(image_dir / name).words]


def test_text_being_typed_is_kept_when_a_toolbar_button_moves_on(window, qtbot, image_dir):
    _typing_in_place(window, qtbot, image_dir, "typed then Next")
    _click_tool(window, "next_image")
    assert window.session.current_path.name == "page2.png"
    assert _saved_texts(image_dir) == ["typed then Next"]


def test_text_being_typed_is_in_the_page_a_toolbar_done_saves(window, qtbot, image_dir):
    _typing_in_place(window, qtbot, image_dir, "typed then Done")
    _click_tool(window, "check")
    page = AnnotationStore(image_dir).load(image_dir / "page1.png")
    assert page.checked and [w.text for w in page.words] == ["typed then Done"]


def test_text_being_typed_is_saved_by_a_toolbar_save_and_undone_by_a_toolbar_undo(window, qtbot, image_dir):
    word_id = _typing_in_place(window, qtbot, image_dir, "typed then Save")
    _click_tool(window, "save")
    assert _saved_texts(image_dir) == ["typed then Save"] and not window.isWindowModified()
    from PySide6.QtCore import Qt

    window.page.canvas.edit_text(word_id)
    qtbot.keyClick(window.page.canvas.editor, Qt.Key.Key_End)  # the text opens selected
    qtbot.keyClicks(window.page.canvas.editor, " and more")
    _click_tool(window, "undo")  # the typing is one step: undone, and redo brings it back
    assert window.model.word(word_id).text == "typed then Save"
    _click_tool(window, "redo")
    assert window.model.word(word_id).text == "typed then Save and more"


def test_text_being_typed_is_kept_when_the_window_is_closed(window, qtbot, image_dir):
    _typing_in_place(window, qtbot, image_dir, "typed then closed")
    window.close()
    assert _saved_texts(image_dir) == ["typed then closed"]
