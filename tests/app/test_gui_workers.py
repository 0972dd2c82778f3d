"""Background work: jobs report on the GUI thread, batches show progress and cancel, errors arrive as values."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest
from gui_helpers import FakeService, recognized_window
from PySide6.QtCore import QTimer

from app.main_window import MainWindow
from app.settings import Settings
from app.workers import BACKGROUND_NICE, JobRunner, lower_thread_priority
from ocr_core.errors import Cancelled, OcrError
from ocr_core.project import AnnotationStore


def test_job_signals_arrive_on_the_gui_thread(qtbot):
    runner = JobRunner("test")
    threads = []

    def work(ctx):
        threads.append(threading.current_thread())
        ctx.progress(1, 2, "half")
        ctx.partial("piece")
        return 42

    job = runner.submit("answer", work)
    seen = []
    job.progress.connect(lambda *a: seen.append(("progress", threading.current_thread())))
    job.partial.connect(lambda v: seen.append(("partial", threading.current_thread())))
    with qtbot.waitSignal(job.finished, timeout=3000):
        pass
    assert job.result == 42 and job.state == "done"
    assert threads[0] is not threading.main_thread()
    assert seen and all(thread is threading.main_thread() for _, thread in seen)
    runner.shutdown(wait=True)


def test_job_errors_become_failed_signals_not_exceptions(qtbot):
    runner = JobRunner("test")

    def work(ctx):
        raise OcrError("broken.png: cannot read")

    job = runner.submit("fail", work)
    with qtbot.waitSignal(job.failed, timeout=3000) as blocker:
        pass
    assert isinstance(blocker.args[0], OcrError) and job.state == "failed"
    runner.shutdown(wait=True)
    late = runner.submit("after shutdown", lambda ctx: 1)
    qtbot.waitUntil(lambda: late.done, timeout=3000)
    assert late.state == "cancelled"


def test_a_must_run_job_still_runs_when_cancelled_before_it_starts(qtbot):
    runner = JobRunner("test")
    gate = threading.Event()
    ran = []
    blocker_job = runner.submit("hold the thread", lambda ctx: gate.wait(5))
    skipped = runner.submit("ordinary", lambda ctx: ran.append("ordinary"))
    write = runner.submit("write", lambda ctx: ran.append("write"), must_run=True)
    runner.cancel_all()  # both queued jobs are cancelled before they start
    gate.set()
    qtbot.waitUntil(lambda: blocker_job.done and skipped.done and write.done, timeout=5000)
    assert ran == ["write"]  # a write others wait for is never skipped; an ordinary job is
    runner.shutdown(wait=True)


def test_batch_recognition_saves_unchecked_images_with_progress(window, qtbot, image_dir, service):
    AnnotationStore(image_dir).set_checked(image_dir / "page3.png", True)
    window.open_paths([image_dir])
    qtbot.waitUntil(lambda: not window.session.io_busy, timeout=3000)
    progress = []
    window.recognition.progress.connect(lambda d, t, m: progress.append((d, t)))
    window.action_set["recognize_folder"].trigger()
    assert window.job_progress.isVisible()
    qtbot.waitUntil(lambda: not window.recognition.is_busy, timeout=5000)
    assert sorted(service.recognized) == [str(image_dir / "page1.png"), str(image_dir / "page2.png")]
    assert len(window.model) == 3  # current image: undoable replacement
    assert window.isWindowModified()
    saved = AnnotationStore(image_dir).load(image_dir / "page2.png")
    assert saved is not None and len(saved.words) == 3 and not saved.checked
    assert (2, 2) in progress and not window.job_progress.isVisible()


def test_cancel_stops_a_batch_mid_way(qtbot, tmp_path):
    from gui_helpers import make_image

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(12):
        make_image(folder / f"img{i:02d}.png")
    service = FakeService(delay=0.25)
    window = MainWindow(Settings(), lambda: service)
    qtbot.addWidget(window)
    window.show()
    window.open_paths([folder])
    job = window.recognition.recognize_unchecked()
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(5)
    qtbot.waitUntil(lambda: len(service.recognized) >= 2, timeout=10000)
    window.job_progress.cancel.click()
    qtbot.waitUntil(lambda: job.done, timeout=5000)
    timer.stop()
    assert job.state == "cancelled" and isinstance(job.error, Cancelled)
    assert 2 <= len(service.recognized) < 12
    # the engine ran off the GUI thread, and the GUI thread kept serving its timers meanwhile
    # (how often is a benchmark figure, benchmarks/gui_latency.py, not a test: the machine may be loaded)
    assert service.threads and threading.main_thread().name not in service.threads
    assert len(ticks) >= 2
    # busy until the results already delivered are on disk (their saves run on the I/O thread)
    qtbot.waitUntil(lambda: not window.recognition.is_busy, timeout=10000)
    assert not window.job_progress.isVisible()
    window.close()


def test_rerecognize_selected_boxes_keeps_their_geometry(window, qtbot, image_dir):
    recognized_window(window, qtbot, image_dir)
    ids = window.model.word_ids()
    quads = [window.model.word(i).quad.copy() for i in ids]
    window.selection.select(ids[1:])
    window.page.canvas.setFocus()
    window.action_set["rerecognize"].trigger()
    qtbot.waitUntil(lambda: window.model.word(ids[1]).text == "again0", timeout=5000)
    assert [w.text for w in window.model.words()] == ["hello", "again0", "again1"]
    assert window.model.word(ids[2]).confidence == 0.99
    assert all((window.model.word(i).quad == q).all() for i, q in zip(ids, quads))
    window.stack.undo()
    assert [w.text for w in window.model.words()] == ["hello", "world", "lowconf"]


def test_model_load_failure_is_shown_and_recognition_fails_cleanly(qtbot, image_dir):
    window = MainWindow(Settings(), lambda: FakeService(fail_load=True))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.engine.state == "error", timeout=5000)
    assert "weights not found" in window.engine_status.toolTip()
    window.open_paths([image_dir])
    messages = []
    window.recognition.message.connect(messages.append)
    job = window.recognition.recognize_current()
    qtbot.waitUntil(lambda: job.done, timeout=5000)
    assert job.state == "failed" and any("weights not found" in m for m in messages)
    assert len(window.model) == 0
    window.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread CPU priorities are Linux-only")
def test_worker_threads_run_below_the_gui_thread_and_pass_it_on(qtbot):
    def nice() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def work(ctx):
        child: list[int] = []
        thread = threading.Thread(target=lambda: child.append(nice()))  # as TensorFlow starts its pools
        thread.start()
        thread.join()
        return nice(), child[0]

    gui = nice()
    runner = JobRunner("test")
    job = runner.submit("priority", work)
    with qtbot.waitSignal(job.finished, timeout=3000):
        pass
    assert job.result == (min(19, gui + BACKGROUND_NICE),) * 2
    assert not lower_thread_priority() and nice() == gui  # never the GUI thread itself
    runner.shutdown(wait=True)


def test_keep_low_confidence_boxes_is_remembered_and_reaches_the_engine(window, qtbot, image_dir, service):
    recognized_window(window, qtbot, image_dir)
    assert "x9" not in [w.text for w in window.model.words()]  # the model's floor drops the clutter box
    keep = window.action_set["keep_low"]
    assert keep.isCheckable() and not keep.isChecked()
    keep.trigger()
    qtbot.waitUntil(lambda: service.min_confidence == 0.0, timeout=5000)
    assert window.settings.keep_low_confidence
    window.action_set["recognize"].trigger()
    qtbot.waitUntil(lambda: len(window.model) == 4, timeout=5000)
    assert [w.text for w in window.model.words()][-1] == "x9"
    # a new window starts with the setting on and tells its engine before any recognition
    other_service = FakeService()
    other = MainWindow(window.settings, lambda: other_service)
    qtbot.addWidget(other)
    assert other.action_set["keep_low"].isChecked()
    qtbot.waitUntil(lambda: other_service.min_confidence == 0.0, timeout=5000)
    other.action_set["keep_low"].trigger()
    qtbot.waitUntil(lambda: other_service.min_confidence is None, timeout=5000)
    assert not window.settings.keep_low_confidence
    other.close()


def test_use_dictionary_is_on_by_default_remembered_and_reaches_the_engine(window, qtbot, service):
    use = window.action_set["use_dictionary"]
    assert use.isCheckable() and use.isChecked() and window.settings.use_dictionary
    qtbot.waitUntil(lambda: service.lexicon_calls == ["auto"], timeout=5000)  # told once, at start
    use.trigger()
    qtbot.waitUntil(lambda: service.lexicon is None, timeout=5000)
    assert not window.settings.use_dictionary
    # a new window starts with the setting off and tells its engine (whose own default is on)
    other_service = FakeService()
    other = MainWindow(window.settings, lambda: other_service)
    qtbot.addWidget(other)
    assert not other.action_set["use_dictionary"].isChecked()
    qtbot.waitUntil(lambda: other_service.lexicon_calls == [None], timeout=5000)
    other.action_set["use_dictionary"].trigger()
    qtbot.waitUntil(lambda: other_service.lexicon == "auto", timeout=5000)
    assert window.settings.use_dictionary
    other.close()


def test_unreadable_word_lists_untick_the_dictionary_and_say_why(qtbot):
    from app.settings import Settings

    failing = FakeService(fail_lexicon=True)
    settings = Settings()
    win = MainWindow(settings, lambda: failing)
    qtbot.addWidget(win)
    use = win.action_set["use_dictionary"]
    qtbot.waitUntil(lambda: not use.isChecked(), timeout=5000)
    assert failing.lexicon_calls == ["auto"]
    assert "without a dictionary" in win.statusBar().currentMessage()
    assert settings.use_dictionary  # tried again at the next start
    win.close()


def test_recognize_all_does_not_overwrite_corrections_unless_asked(window, qtbot, image_dir, service, monkeypatch):
    from app import dialogs

    window.open_paths([image_dir])
    window.session.next_image(1)  # page2: recognize and correct it, not marked done
    window.action_set["recognize"].trigger()
    qtbot.waitUntil(lambda: len(window.model) == 3, timeout=5000)
    window.editor.set_text(window.model.word_ids()[0], "corrected")
    window.session.next_image(-1)
    qtbot.waitUntil(lambda: not window.session.io_busy, timeout=3000)
    asked: list[tuple[str, list[str], int]] = []
    for choice, expected in (("cancel", []), ("skip", ["page1.png", "page3.png"]),
                             ("replace", ["page1.png", "page2.png", "page3.png"])):
        monkeypatch.setattr(dialogs, "ask_replace_annotated",
                            lambda _w, action, names, total, c=choice, **_k: asked.append((action, names, total)) or c)
        service.recognized.clear()
        window.action_set["recognize_folder"].trigger()
        qtbot.waitUntil(lambda: not window.recognition.is_busy, timeout=5000)
        assert sorted(Path(p).name for p in service.recognized) == expected
        assert asked[-1][0] == "Recognize All" and "page2.png" in asked[-1][1]
        saved = AnnotationStore(image_dir).load(image_dir / "page2.png")
        # read again or not, the word typed by hand stays; the model's own words are read again beside it
        assert saved is not None and [w.text for w in saved.words][0] == "corrected" and len(saved.words) == 3
        assert [w.confidence is None for w in saved.words] == [True, False, False]
    assert asked[0] == ("Recognize All", ["page2.png"], 3)  # only the corrected image has boxes at first


def test_recognize_all_keeps_words_typed_before_a_crash_that_only_the_autosave_holds(window, qtbot, image_dir,
                                                                                      service, monkeypatch):
    from app import dialogs
    from ocr_core.document import Page, Word
    from ocr_core.geometry import quad_from_rect

    store = AnnotationStore(image_dir)
    typed = Page.from_words([Word(quad_from_rect(60, 40, 110, 55), "typed before the crash", None)], 120, 60,
                            image_path=str(image_dir / "page2.png"))
    store.autosave(typed)  # never saved: no sidecar, only the autosave
    window.open_paths([image_dir])
    asked: list[list[str]] = []
    choice = ["skip"]
    monkeypatch.setattr(dialogs, "ask_replace_annotated",
                        lambda _w, _action, names, _total, **_k: asked.append(names) or choice[0])
    window.action_set["recognize_folder"].trigger()  # the autosave's boxes are work to ask about: skipped
    qtbot.waitUntil(lambda: not window.recognition.is_busy and not window.session.io_busy, timeout=5000)
    assert asked == [["page2.png"]] and "page2.png" not in {Path(p).name for p in service.recognized}
    assert AnnotationStore(image_dir).recover(image_dir / "page2.png") is not None  # untouched
    choice[0] = "replace"
    window.action_set["recognize_folder"].trigger()
    qtbot.waitUntil(lambda: not window.recognition.is_busy and not window.session.io_busy, timeout=5000)
    saved = AnnotationStore(image_dir).load(image_dir / "page2.png")
    assert saved is not None and "typed before the crash" in [w.text for w in saved.words]
    assert len(saved.words) == 4  # and the model's three words beside it
