"""Edits that only an autosave holds (a crash, a failed save) are never dropped or hidden: recovery, export,
Recognize All, and the figures reported after a batch or an import (review of session 14)."""

from __future__ import annotations

import errno
import os
import threading
import time

from gui_helpers import FakeService, recognized_window

from ocr_core import project
from ocr_core.document import Page, Word
from ocr_core.geometry import quad_from_rect
from ocr_core.project import AnnotationStore


def _crash_with_edit(window, image_dir, text="CORRECTED", delete_last=False):
    """page1 recognized and saved, then edited (and autosaved) and the app "crashes" (nothing saved)."""
    assert window.save()
    ids = window.model.word_ids()
    window.editor.set_text(ids[0], text)
    if delete_last:
        window.selection.select([ids[-1]])
        window.editor.delete_selected()
    assert window.session.autosave_now(wait=True)
    window.session._autosave.stop()
    # what a crash leaves: the autosave and the older saved file; the dead process removes nothing afterwards
    window.session._autosave_pending = False
    window.stack.setClean()
    return AnnotationStore(image_dir)


def _second_window(qtbot, paths):
    from app.main_window import MainWindow
    from app.settings import Settings

    other = MainWindow(Settings(), lambda: FakeService())
    qtbot.addWidget(other)
    other.show()
    qtbot.waitUntil(lambda: other.engine.state == "ready", timeout=5000)
    if paths:
        assert other.open_paths(paths)
    return other


def test_an_undone_edit_whose_autosave_was_queued_does_not_come_back(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    assert window.save()
    session = window.session
    gate = threading.Event()
    session._io.submit("a slow scan ahead of the autosave", lambda _ctx: gate.wait(5))
    first = window.model.word_ids()[0]
    window.editor.set_text(first, "typo")
    session.autosave_now()  # the timer's autosave of the typo, queued behind the slow job
    window.stack.undo()  # taken back ...
    assert session.next_image(1)  # ... and the image left before the timer runs again
    gate.set()
    qtbot.waitUntil(lambda: not session.io_busy, timeout=3000)
    assert not AnnotationStore(image_dir).autosave_path(image_dir / "page1.png").exists()
    session.next_image(-1)
    assert "typo" not in [w.text for w in window.model.words()] and window.stack.isClean()


def test_an_autosave_older_than_a_touched_saved_file_is_still_recovered(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    store = _crash_with_edit(window, image_dir, "UNSAVED")
    sidecar = store.annotation_path(image_dir / "page1.png")
    later = time.time() + 5
    os.utime(sidecar, (later, later))  # a sync tool or a backup touched the saved file afterwards
    messages = []
    window.session.message.connect(messages.append)
    assert window.open_paths([image_dir / "page2.png"]) and window.open_paths([image_dir])
    assert "UNSAVED" in [w.text for w in window.model.words()]
    assert any("Recovered unsaved changes" in m and "changed after it" in m for m in messages)


def test_export_takes_edits_that_only_the_autosave_holds_and_says_so(window, qtbot, image_dir, tmp_path):
    recognized_window(window, qtbot, image_dir)
    _crash_with_edit(window, image_dir)
    window.session.next_image(1)  # the crashed image is not on screen
    out = tmp_path / "out"
    messages = []
    window.transfer.message.connect(messages.append)
    window.transfer.export_annotations(out, "icdar2015")
    assert "CORRECTED" in (out / "gt_page1.txt").read_text(encoding="utf-8")
    assert "never saved" in messages[-1] and "page1.png" in messages[-1]


def test_recognize_all_over_a_crash_autosave_keeps_it_as_the_backup(window, qtbot, image_dir, monkeypatch):
    recognized_window(window, qtbot, image_dir)
    store = _crash_with_edit(window, image_dir, "WORLD!", delete_last=True)
    deleted = {w.text for w in window.model.words()}
    assert window.open_paths([image_dir / "page2.png", image_dir / "page1.png"])  # page1 not on screen
    window.recognition.confirm_replace = lambda *_a: "replace"
    window.action_set["recognize_folder"].trigger()
    qtbot.waitUntil(lambda: not window.recognition.is_busy, timeout=8000)
    image = image_dir / "page1.png"
    assert not store.autosave_path(image).exists()
    backup = Page.from_dict(__import__("json").loads(store.backup_path(image).read_text())["page"])
    assert {w.text for w in backup.words} == deleted  # the crash's state, the deletion included, is the .bak
    assert "WORLD!" in [w.text for w in store.load(image).words]  # the corrected word stays in the result


def test_recognize_all_says_how_many_results_could_not_be_saved(window, qtbot, image_dir, monkeypatch):
    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    assert window.open_paths([image_dir])
    qtbot.waitUntil(lambda: not window.session.io_busy, timeout=3000)
    monkeypatch.setattr(project, "atomic_write_text", full)
    finished = []
    window.recognition.batchFinished.connect(lambda *counts: finished.append(counts))
    window.action_set["recognize_folder"].trigger()
    qtbot.waitUntil(lambda: bool(finished), timeout=8000)
    assert finished == [(3, 0, 2)]  # read 3; the 2 not on screen could not be written
    status = window.statusBar().currentMessage()
    assert "2 results could not be saved" in status and "No space left" in status
    assert not (image_dir / "page2.png.ocr.json").exists()
    monkeypatch.undo()  # the disk has room again before the window closes (and saves the page on screen)


def test_an_import_says_which_images_it_could_not_save(window, qtbot, image_dir, tmp_path):
    (image_dir / "page2.png.ocr.json").write_text("{broken", encoding="utf-8")
    truth = tmp_path / "gt"
    truth.mkdir()
    for i in (1, 2, 3):
        (truth / f"gt_page{i}.txt").write_text("1,1,20,1,20,10,1,10,word\n", encoding="utf-8")
    assert window.open_paths([image_dir])
    window.transfer.confirm_replace = lambda *_a: "replace"
    messages = []
    window.transfer.message.connect(messages.append)
    assert window.transfer.import_annotations(truth, "icdar2015") == 2
    assert "1 not saved" in messages[-1] and "page2.png" in messages[-1]
    assert (image_dir / "page2.png.ocr.json").read_text(encoding="utf-8") == "{broken"


def test_training_names_images_whose_edits_only_the_autosave_holds(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    _crash_with_edit(window, image_dir)
    window.session.next_image(1)
    window.train_tab.dataset.use_checked.setChecked(True)
    notes = window.training._unsaved_note()
    assert len(notes) == 1 and "page1.png" in notes[0] and "never saved" in notes[0]
    store = AnnotationStore(image_dir)
    store.save(store.recover(image_dir / "page1.png"))  # saved: nothing to say any more
    assert window.training._unsaved_note() == []


def test_a_second_window_on_a_folder_opens_it_read_only_and_never_touches_the_first_ones_work(
        window, qtbot, image_dir, monkeypatch):
    from app import dialogs

    asked = []
    monkeypatch.setattr(dialogs, "ask_folder_in_use", lambda _w, folder, holder: asked.append(holder) or "read-only")
    discards = []
    monkeypatch.setattr(dialogs, "ask_discard_unsaved", lambda _w, name, reason: discards.append(reason) or True)
    recognized_window(window, qtbot, image_dir)
    assert window.save()
    window.editor.set_text(window.model.word_ids()[0], "first window's edit")
    assert window.session.autosave_now(wait=True)
    store = AnnotationStore(image_dir)
    autosave = store.autosave_path(image_dir / "page1.png")
    mine = autosave.read_bytes()

    other = _second_window(qtbot, [image_dir])
    assert len(asked) == 1 and f"process {os.getpid()}" in asked[0]
    assert other.page.banner.isVisibleTo(other) and "Read-only" in other.page.banner.text()
    assert other.session.current_path == image_dir / "page1.png"
    other.editor.set_text(other.model.word_ids()[1], "second window's edit")
    assert not other.session.autosave_now(wait=True)
    assert not other.session.save() and "another OCR Studio window" in other.session.last_save_error
    other.stack.undo()  # back to clean: the timer's discard must not remove the first window's autosave
    other.session.autosave_now()
    assert other.session.next_image(1)
    assert autosave.read_bytes() == mine  # the first window's crash-recovery file is as it wrote it
    other.editor.add_box(quad_from_rect(5, 5, 40, 20), "unsaveable")
    assert other.session.next_image(1) and "read-only" in discards[-1]  # asked before dropping them
    other.close()
    assert autosave.read_bytes() == mine

    window.close()  # the first window lets go: a new one edits without asking
    again = _second_window(qtbot, [image_dir])
    assert len(asked) == 1 and not again.page.banner.isVisibleTo(again)
    assert "first window's edit" in [w.text for w in again.model.words()]  # saved when the first window closed
    again.close()


def test_cancel_leaves_the_second_window_as_it_was(window, qtbot, image_dir, tmp_path, monkeypatch):
    from app import dialogs

    assert window.open_paths([image_dir])
    other = _second_window(qtbot, [image_dir / "page3.png"])  # takes over: the conftest's answer
    other_folder = tmp_path / "other"
    other_folder.mkdir()
    (other_folder / "x.png").write_bytes((image_dir / "page1.png").read_bytes())
    assert other.open_paths([other_folder])
    monkeypatch.setattr(dialogs, "ask_folder_in_use", lambda *_a: "cancel")
    window.close()
    third = _second_window(qtbot, [])
    assert not third.open_paths([other_folder]) and third.session.current_path is None
    other.close()


def test_a_change_made_by_another_program_is_shown_or_warned_about_when_the_window_comes_back(
        window, qtbot, image_dir, monkeypatch):
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    recognized_window(window, qtbot, image_dir)
    assert window.save()
    image = image_dir / "page1.png"
    outside = AnnotationStore(image_dir)  # another program
    page = outside.load(image)
    page.words[0].text = "EXTERNAL"
    time.sleep(0.01)
    outside.save(page)
    monkeypatch.setattr(window, "isActiveWindow", lambda: True)
    QApplication.sendEvent(window, QEvent(QEvent.Type.ActivationChange))  # the user comes back to the window
    assert window.model.words()[0].text == "EXTERNAL" and window.stack.isClean()  # no edits here: its version shown

    window.editor.set_text(window.model.word_ids()[1], "mine")  # edits here, and the file changes again
    page.words[0].text = "EXTERNAL 2"
    time.sleep(0.01)
    outside.save(page)
    assert window.session.check_disk()
    assert "changed by another program" in window.page.banner.text()
    assert [w.text for w in window.model.words()][:2] == ["EXTERNAL", "mine"]  # the user's edits stay
    assert window.save()
    kept = [p for p in image_dir.iterdir() if ".outside-" in p.name]
    assert len(kept) == 1 and "EXTERNAL 2" in kept[0].read_text(encoding="utf-8")
    assert not window.session.check_disk()  # its own save is not a change from outside


def test_the_file_list_marks_images_whose_edits_only_the_autosave_holds(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    _crash_with_edit(window, image_dir)
    window.close()
    again = _second_window(qtbot, [image_dir / "page2.png", image_dir / "page1.png", image_dir / "page3.png"])
    files = again.page.file_list
    qtbot.waitUntil(lambda: files.is_unsaved(1), timeout=5000)  # page1: a crash's edits, not on screen
    assert not files.is_unsaved(0) and not files.is_unsaved(2)
    assert "1 with unsaved edits" in files.summary.text()
    again.session.go_to(1)  # opened: the edits come back ...
    assert "CORRECTED" in [w.text for w in again.model.words()]
    assert again.save()  # ... and once saved the mark goes
    assert not files.is_unsaved(1) and "unsaved" not in files.summary.text()
    again.close()


def test_unattended_work_never_puts_an_old_autosave_over_a_newer_saved_file(window, qtbot, image_dir, tmp_path):
    store = AnnotationStore(image_dir)
    image = image_dir / "page2.png"
    store.autosave(Page.from_words([Word(quad_from_rect(5, 5, 40, 20), "an hour old", None)], 120, 60,
                                   image_path=str(image)))
    time.sleep(0.02)
    newer = Page.from_words([Word(quad_from_rect(5, 5, 40, 20), "NEWER_SAVED", None, box_by_hand=True)],
                            120, 60, image_path=str(image))
    from ocr_core.formats.studio import write_page_file

    write_page_file(store.annotation_path(image), newer)  # written later by another program: the autosave stays
    assert window.open_paths([image_dir])
    out = tmp_path / "out"
    window.transfer.export_annotations(out, "icdar2015")
    assert "NEWER_SAVED" in (out / "gt_page2.txt").read_text(encoding="utf-8")
    window.recognition.confirm_replace = lambda *_a: "replace"
    window.action_set["recognize_folder"].trigger()
    qtbot.waitUntil(lambda: not window.recognition.is_busy, timeout=8000)
    assert "NEWER_SAVED" in [w.text for w in store.load(image).words]  # typed by hand: kept by the result
    assert "NEWER_SAVED" in store.backup_path(image).read_text(encoding="utf-8")


def test_a_read_only_window_shows_the_saved_file_not_the_other_windows_autosave(window, qtbot, image_dir,
                                                                               monkeypatch):
    from app import dialogs

    monkeypatch.setattr(dialogs, "ask_folder_in_use", lambda *_a: "read-only")
    recognized_window(window, qtbot, image_dir)
    assert window.save()
    window.editor.set_text(window.model.word_ids()[0], "work in progress")
    assert window.session.autosave_now(wait=True)
    other = _second_window(qtbot, [image_dir])
    assert "work in progress" not in [w.text for w in other.model.words()]
    assert other.stack.isClean() and other.session.next_image(1)  # nothing to ask about: no edits of its own
    other.close()
    assert AnnotationStore(image_dir).autosave_path(image_dir / "page1.png").exists()


def test_images_from_two_folders_lock_both(window, qtbot, image_dir, tmp_path, monkeypatch):
    from app import dialogs

    second = tmp_path / "second"
    second.mkdir()
    (second / "b.png").write_bytes((image_dir / "page1.png").read_bytes())
    assert window.open_paths([image_dir / "page1.png", second / "b.png"])  # the lock is on each image's folder
    asked = []
    monkeypatch.setattr(dialogs, "ask_folder_in_use", lambda _w, folder, holder: asked.append(folder) or "cancel")
    other = _second_window(qtbot, [])
    assert not other.open_paths([second]) and asked == [str(second)]
    other.close()


def test_a_window_whose_folder_was_taken_over_turns_read_only_when_it_comes_back(window, qtbot, image_dir):
    assert window.open_paths([image_dir])
    other = _second_window(qtbot, [image_dir])  # "Edit All the Same" (the conftest's answer)
    assert window.session.check_disk()  # what coming back to the front runs
    assert "took this folder over" in window.page.banner.text()
    window.editor.add_box(quad_from_rect(5, 5, 40, 20), "typed here")
    assert not window.session.save() and "read-only" in window.session.last_save_error
    assert not AnnotationStore(image_dir).autosave_path(image_dir / "page1.png").exists()
    other.close()
    window.stack.setClean()  # dropped by the user (the close question is answered in other tests)
