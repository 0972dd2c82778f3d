"""Keeping the user's work: save and reload, done marks, autosave recovery, malformed files untouched."""

from __future__ import annotations

from gui_helpers import recognized_window

from app.main_window import MainWindow
from app.settings import Settings
from ocr_core.project import AnnotationStore


def reopen(qtbot, service, folder):
    window = MainWindow(Settings(), lambda: service)
    qtbot.addWidget(window)
    assert window.open_paths([folder])
    return window


def test_save_then_reopen_restores_boxes_text_and_done_marks(window, qtbot, image_dir, service):
    recognized_window(window, qtbot, image_dir)
    first = window.model.word_ids()[0]
    window.editor.set_text(first, "edited")
    window.action_set["save"].trigger()
    assert not window.isWindowModified()
    sidecar = AnnotationStore(image_dir).annotation_path(image_dir / "page1.png")
    assert sidecar.is_file()
    window.action_set["check"].trigger()  # Space: mark done, save, go on to the next image
    assert window.session.index == 1
    assert window.page.file_list.is_done(0) and not window.page.file_list.is_done(1)
    window.close()

    again = reopen(qtbot, service, image_dir)
    assert [w.text for w in again.model.words()] == ["edited", "world", "lowconf"]
    assert again.model.page.checked
    qtbot.waitUntil(lambda: not again.session.io_busy, timeout=3000)
    assert again.page.file_list.is_done(0)
    assert not again.isWindowModified()
    again.close()


def test_changing_image_saves_pending_edits(window, qtbot, image_dir, service):
    recognized_window(window, qtbot, image_dir)
    window.session.next_image(1)
    assert AnnotationStore(image_dir).load(image_dir / "page1.png") is not None
    window.session.next_image(-1)
    assert len(window.model) == 3 and not window.isWindowModified()


def test_autosave_is_recovered_after_a_crash(window, qtbot, image_dir, service):
    recognized_window(window, qtbot, image_dir)
    window.editor.set_text(window.model.word_ids()[0], "unsaved")
    window.session.autosave_now()  # what the autosave timer does shortly after each edit
    store = AnnotationStore(image_dir)
    qtbot.waitUntil(store.autosave_path(image_dir / "page1.png").is_file, timeout=3000)
    assert store.load(image_dir / "page1.png") is None  # nothing saved for real yet
    # a crash: the window goes away without saving (no closeEvent)
    window.session.stack.setClean()
    window.session._autosave.stop()

    again = reopen(qtbot, service, image_dir)
    assert [w.text for w in again.model.words()][0] == "unsaved"
    assert again.isWindowModified()  # recovered edits are unsaved until Ctrl+S
    again.stack.undo()  # the recovery itself is one undo step
    assert len(again.model) == 0
    again.stack.redo()
    again.action_set["save"].trigger()
    assert not store.autosave_path(image_dir / "page1.png").exists()
    assert [w.text for w in store.load(image_dir / "page1.png").words][0] == "unsaved"
    again.close()


def test_autosave_timer_writes_after_an_edit(window, qtbot, image_dir):
    window.session._autosave.setInterval(50)
    recognized_window(window, qtbot, image_dir)
    path = AnnotationStore(image_dir).autosave_path(image_dir / "page1.png")
    qtbot.waitUntil(path.is_file, timeout=3000)


def malformed_then_recognized(qtbot, service, folder, before_recognizing=lambda window: None):
    """page1's annotation file is malformed; open the folder, then recognize page1 (three words)."""
    sidecar = AnnotationStore(folder).annotation_path(folder / "page1.png")
    sidecar.write_text("{ this is not json", encoding="utf-8")
    window = reopen(qtbot, service, folder)
    window.show()
    before_recognizing(window)
    qtbot.waitUntil(lambda: window.engine.state == "ready", timeout=5000)
    window.action_set["recognize"].trigger()
    qtbot.waitUntil(lambda: len(window.model) == 3, timeout=5000)
    return window, sidecar


def test_malformed_annotation_is_reported_and_never_overwritten(qtbot, image_dir, service):
    def reported(window):
        assert window.page.banner.isVisible() and "page1.png.ocr.json" in window.page.banner.text()

    window, sidecar = malformed_then_recognized(qtbot, service, image_dir, reported)
    banner = window.page.banner
    assert not window.save()
    assert "Not saved" in banner.text()
    window.session.next_image(1)  # leaving tries to save: still refused
    assert sidecar.read_text(encoding="utf-8") == "{ this is not json"
    window.close()
    assert sidecar.read_text(encoding="utf-8") == "{ this is not json"


def test_a_save_makes_a_queued_autosave_obsolete(window, qtbot, image_dir):
    import threading

    recognized_window(window, qtbot, image_dir)
    session = window.session
    gate = threading.Event()
    session._io.submit("hold the I/O thread", lambda ctx: gate.wait(5))
    session.autosave_now()  # queued behind the held job
    assert window.save()
    gate.set()
    qtbot.waitUntil(lambda: not session.io_busy, timeout=3000)
    assert not AnnotationStore(image_dir).autosave_path(image_dir / "page1.png").exists()


def test_batch_results_of_other_images_are_written_off_the_gui_thread(window, qtbot, image_dir, monkeypatch):
    import threading

    writers = []
    save = AnnotationStore.save

    def spy(store, page):
        writers.append((page.image_path, threading.current_thread()))
        return save(store, page)

    monkeypatch.setattr(AnnotationStore, "save", spy)
    window.open_paths([image_dir])
    window.recognition.recognize_unchecked()
    qtbot.waitUntil(lambda: not window.recognition.is_busy, timeout=5000)  # busy until the results are saved
    assert sorted(path for path, _ in writers) == [str(image_dir / "page2.png"), str(image_dir / "page3.png")]
    assert all(thread is not threading.main_thread() for _, thread in writers)
    assert len(AnnotationStore(image_dir).load(image_dir / "page3.png").words) == 3


def test_opening_an_image_waits_for_its_queued_result(window, qtbot, image_dir, service):
    import threading

    from app.recognition import deliver_page

    window.open_paths([image_dir])
    session = window.session
    qtbot.waitUntil(lambda: not session.io_busy, timeout=3000)
    gate = threading.Event()
    session._io.submit("hold the I/O thread", lambda ctx: gate.wait(5))
    page2 = image_dir / "page2.png"
    errors: list[str] = []
    job = deliver_page(session, window.editor, page2, service.recognize(page2), undo_text="Recognize",
                       force=False, on_error=errors.append)
    assert job is not None and not job.done
    assert AnnotationStore(image_dir).load(page2) is None  # queued behind the held job: not on disk yet
    threading.Timer(0.2, gate.set).start()
    assert session.go_to(1)  # waits for the write, then reads it
    assert [w.text for w in window.model.words()] == ["hello", "world", "lowconf"]
    qtbot.waitUntil(lambda: job.done, timeout=3000)
    assert job.state == "done" and not errors


def _refuse_writes(monkeypatch, reason="No space left on device"):
    """Every annotation write fails, as on a full disk or a folder the user may not write to."""
    def refuse(self, *_a, **_k):
        raise OSError(28, reason)
    monkeypatch.setattr(AnnotationStore, "save", refuse)
    monkeypatch.setattr(AnnotationStore, "autosave", refuse)


def test_edits_that_cannot_be_written_keep_the_user_on_the_image(window, qtbot, image_dir, monkeypatch):
    from app import dialogs

    recognized_window(window, qtbot, image_dir)
    window.editor.set_text(window.model.word_ids()[0], "precious")
    _refuse_writes(monkeypatch)
    asked = []
    monkeypatch.setattr(dialogs, "ask_discard_unsaved", lambda _w, name, reason: asked.append((name, reason)) or False)
    assert not window.session.next_image(1)  # "Stay"
    assert window.session.index == 0 and window.model.words()[0].text == "precious" and window.isWindowModified()
    window.page.file_list.list.setCurrentRow(1)  # a click on the next image in the list: refused, back to row 0
    assert window.session.index == 0 and window.page.file_list.list.currentRow() == 0
    assert asked and asked[0][0] == "page1.png" and "No space left" in asked[0][1]
    assert "precious" not in [w.text for w in (AnnotationStore(image_dir).load(image_dir / "page1.png") or [])]
    assert not window.open_paths([image_dir / "page2.png"])  # opening other images asks too
    assert window.session.current_path == image_dir / "page1.png"
    before = len(asked)
    window.close()  # closing asks as well, and the window stays
    assert window.isVisible() and len(asked) == before + 1

    monkeypatch.undo()  # the disk works again: Ctrl+S saves and the warning goes
    assert window.page.banner.isVisible() and window.save() and not window.page.banner.isVisible()
    window.editor.set_text(window.model.word_ids()[0], "again")
    _refuse_writes(monkeypatch)
    monkeypatch.setattr(dialogs, "ask_discard_unsaved", lambda *_a: True)  # "Discard Changes"
    assert window.session.next_image(1) and window.session.index == 1


def test_a_failed_save_with_an_autosave_moves_on_and_recovers_the_edits(window, qtbot, image_dir, service,
                                                                        monkeypatch):
    recognized_window(window, qtbot, image_dir)
    window.editor.set_text(window.model.word_ids()[0], "kept")

    def refuse(self, *_a, **_k):
        raise OSError(13, "Permission denied")
    with monkeypatch.context() as m:
        m.setattr(AnnotationStore, "save", refuse)  # the autosave still works
        assert window.session.next_image(1)
    window.session.next_image(-1)
    assert window.model.words()[0].text == "kept" and window.isWindowModified()  # recovered from the autosave


def test_large_scans_are_shown(qtbot, tmp_path):
    """Qt refuses images over 256 MB by default; the window shows what the engine reads (up to 100 MP)."""
    import numpy as np
    from PIL import Image

    from app.session import _read_qimage, display_allocation_limit_mb

    assert display_allocation_limit_mb() >= 100_000_000 * 8 / 2**20
    path = tmp_path / "scan.png"
    Image.fromarray(np.full((8400, 8400, 3), 250, np.uint8)).save(path, compress_level=1)  # 70.6 MP, ~270 MB decoded
    image = _read_qimage(path)
    assert image is not None and (image.width(), image.height()) == (8400, 8400)


def test_a_malformed_annotation_can_be_set_aside_from_the_banner(qtbot, image_dir, service):
    def offered(window):
        button = window.page.banner_button
        assert button.isVisible() and button.text() == "Set the File Aside"

    window, sidecar = malformed_then_recognized(qtbot, service, image_dir, offered)
    button = window.page.banner_button
    button.click()
    broken = [p for p in image_dir.iterdir() if ".broken-" in p.name]
    assert len(broken) == 1 and broken[0].read_text(encoding="utf-8") == "{ this is not json"
    assert len(AnnotationStore(image_dir).load(image_dir / "page1.png").words) == 3  # the edits are saved
    assert not window.page.banner.isVisible() and not button.isVisible()
    window.close()


def test_an_unreadable_image_says_why_and_is_not_drawn_on(window, qtbot, image_dir):
    (image_dir / "page2.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    window.open_paths([image_dir])
    assert window.action_set["draw_rect"].isEnabled()
    window.session.next_image(1)
    assert "Cannot show the image" in window.page.banner.text() and "page2.png" in window.page.banner.text()
    assert not window.action_set["draw_rect"].isEnabled() and not window.action_set["draw_quad"].isEnabled()
    assert "cannot be shown" in window.page.canvas._hint.text()
    window.session.next_image(1)
    assert window.action_set["draw_rect"].isEnabled() and not window.page.banner.isVisible()
