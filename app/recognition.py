"""Recognition requests from the window: the current image, the unchecked images of the folder,
or only some boxes again. Engine work runs in :class:`app.workers.EngineWorker`; results come
back as signals and become undo commands (current image) or saved annotations (other images,
written on the session's I/O thread).

>>> controller = RecognitionController(engine, session, editor)  # doctest: +SKIP
>>> controller.recognize_unchecked()                              # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.editor import Editor
from app.session import Session
from app.workers import EngineWorker, Job
from ocr_core.document import Page
from ocr_core.errors import Cancelled, OcrError
from ocr_core.hand_made import keep_hand_made, text_by_hand

__all__ = ["RecognitionController", "deliver_page"]


class RecognitionController(QObject):
    """Starts recognition jobs and applies their results; one batch at a time. It stays busy until the
    results of other images are saved too."""

    busyChanged = Signal(bool)
    progress = Signal(int, int, str)  # done, total (0 = unknown), message
    message = Signal(str)
    batchFinished = Signal(int, int, int)  # images recognized, images that failed, results that could not be saved

    def __init__(self, engine: EngineWorker, session: Session, editor: Editor,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.session = session
        self.editor = editor
        self._jobs: list[Job] = []
        self._saves: list[Job] = []  # results of other images being written on the I/O thread
        self._batch_counts = [0, 0, 0]  # read, failed, not saved
        self._batch_running = False
        self._batch_saves: list[Job] = []  # the batch's results still being written
        #: Why the first of the last batch's results could not be saved ("" when all were).
        self.batch_save_error = ""
        #: Asked ``(action, names, total)`` before images that have boxes are recognized again: ``'replace'``,
        #: ``'skip'`` or ``'cancel'``. The window asks the user; without a window they are skipped.
        self.confirm_replace: Callable[[str, list[str], int], str] = lambda _a, _n, _t: "skip"

    @property
    def is_busy(self) -> bool:
        return bool(self._jobs or self._saves)

    @property
    def jobs(self) -> list[Job]:
        return list(self._jobs)

    def cancel(self) -> None:
        """Cancel every running or queued recognition job."""
        for job in self._jobs:
            job.cancel()

    # -- requests -----------------------------------------------------------------------------
    def recognize_current(self) -> Job | None:
        """Detect and read the current image; the result replaces its boxes (undoable)."""
        path = self.session.current_path
        if path is None:
            self.message.emit("Open an image first")
            return None
        self._save_pending_edits()
        job = self.engine.recognize(path)
        since = self.session.work_stamp(path)
        job.succeeded.connect(lambda page: self._deliver(path, page, explicit=True, since=since))
        return self._track(job, f"Recognizing {path.name}\u2026")

    def recognize_unchecked(self) -> Job | None:
        """Recognize every image of the session without a done mark (progress, cancel). Images that already have
        boxes (corrections, an earlier run) are recognized again only when :attr:`confirm_replace` says so."""
        images = [p for p in self.session.images if not self.session.done.get(str(p))]
        if not images:
            self.message.emit("Every image is done: nothing to recognize")
            return None
        annotated = [p for p in images if self.session.has_boxes(p)]
        if annotated:
            choice = self.confirm_replace("Recognize All", [p.name for p in annotated], len(images))
            if choice == "cancel":
                return None
            if choice != "replace":
                skipped = set(annotated)
                images = [p for p in images if p not in skipped]
                if not images:
                    self.message.emit("Nothing to recognize: the images not marked done all have boxes")
                    return None
        self._batch_counts = [0, 0, 0]
        self.batch_save_error = ""
        self._batch_running = True
        self._save_pending_edits()
        job = self.engine.recognize_batch(images)
        since = {str(p): self.session.work_stamp(p) for p in images}
        job.partial.connect(lambda value: self._on_batch_page(value, since))
        job.finished.connect(self._batch_job_finished)
        return self._track(job, f"Recognizing {len(images)} images\u2026")

    def _batch_job_finished(self) -> None:
        self._batch_running = False
        self._maybe_batch_finished()

    def _maybe_batch_finished(self) -> None:
        """The batch's figures once the last of its results is on disk (or failed to get there)."""
        if not self._batch_running and not self._batch_saves:
            self.batchFinished.emit(*self._batch_counts)

    def rerecognize_selected(self) -> Job | None:
        """Read the selected boxes again without detecting (Ctrl+R)."""
        return self._rerecognize(self.editor.selection.ids(), "selected")

    def rerecognize_all(self) -> Job | None:
        """Read the page's boxes again without detecting (Ctrl+Shift+R): all but those whose text a person typed
        or marked ``###`` (select those and press Ctrl+R to read them again too)."""
        words = self.editor.model.words()
        ids = [w.id for w in words if not text_by_hand(w)]
        if words and not ids:
            self.message.emit("Every box has text typed by hand or is marked ###: select boxes and press Ctrl+R to "
                              "read them again")
            return None
        return self._rerecognize(ids, "all", kept=len(words) - len(ids))

    def _rerecognize(self, ids: list[str], which: str, kept: int = 0) -> Job | None:
        path = self.session.current_path
        if path is None or not ids:
            self.message.emit("Select boxes to re-recognize" if which == "selected" else "No boxes to re-recognize")
            return None
        model = self.editor.model
        page = model.page
        asked = {i: (model.word(i).text, model.word(i).quad.copy()) for i in ids}
        job = self.engine.recognize_quads(path, [quad for _, quad in asked.values()])

        def apply(results: list[tuple[str, float]]) -> None:
            if model.page is not page:
                self.message.emit("The page changed meanwhile: re-recognition results dropped")
                return
            self.editor.commit_pending_text()
            # a box retyped, moved or deleted while it was read keeps what the user did to it
            fresh = {i: r for i, r in zip(ids, results) if model.has_word(i)
                     and model.word(i).text == asked[i][0] and np.array_equal(model.word(i).quad, asked[i][1])}
            self.editor.apply_recognized(fresh)
            notes = [f"{kept} with text typed by hand or ### left as they are"] if kept else []
            if len(fresh) < len(ids):
                changed = len(ids) - len(fresh)
                notes.append(f"{changed} changed meanwhile left as {'they are' if changed != 1 else 'it is'}")
            note = "; " + "; ".join(notes) if notes else ""
            self.message.emit(f"Re-recognized {len(fresh)} box{'es' if len(fresh) != 1 else ''}{note}")

        job.succeeded.connect(apply)
        return self._track(job, f"Re-recognizing {len(ids)} boxes\u2026")

    # -- results ------------------------------------------------------------------------------
    def _save_pending_edits(self) -> None:
        """Before a job starts: save the current image's edits, so that the save made when the user leaves it
        afterwards stands for edits made after the request (whose result is then dropped), not before."""
        if self.session.is_modified:
            self.session.save()

    def _on_batch_page(self, value: tuple[str, Page | OcrError], since: dict[str, tuple[int, int]]) -> None:
        path, result = value
        if isinstance(result, Page):
            self._batch_counts[0] += 1  # read (a result dropped as out of date says so on its own)
            save = self._deliver(Path(path), result, explicit=False, since=since.get(str(path)),
                                 on_error=self._batch_save_failed)
            if save is not None:
                self._batch_saves.append(save)
                save.finished.connect(lambda: self._batch_save_done(save))
        else:
            self._batch_counts[1] += 1
            self.message.emit(f"{Path(path).name}: {result}")

    def _batch_save_done(self, save: Job) -> None:
        if save in self._batch_saves:
            self._batch_saves.remove(save)
        self._maybe_batch_finished()

    def _batch_save_failed(self, text: str) -> None:
        if text.startswith("Not saved"):
            self._batch_counts[2] += 1
            self.batch_save_error = self.batch_save_error or text.removeprefix("Not saved: ")
        self.message.emit(text)

    def _deliver(self, path: Path, page: Page, *, explicit: bool, since: tuple[int, int] | None = None,
                 on_error: Callable[[str], None] | None = None) -> Job | None:
        save = deliver_page(self.session, self.editor, path, page, undo_text="Recognize", force=explicit,
                            on_error=on_error or self.message.emit, since=since)
        if save is not None:
            self._saves.append(save)
            save.finished.connect(lambda: self._untrack(save))
        return save

    def _track(self, job: Job, text: str) -> Job:
        was_busy = self.is_busy
        self._jobs.append(job)
        if not was_busy:
            self.busyChanged.emit(True)
        self.progress.emit(0, 0, text)
        job.progress.connect(self.progress)
        job.failed.connect(lambda err: self._on_failed(job, err))
        job.finished.connect(lambda: self._untrack(job))
        return job

    def _on_failed(self, job: Job, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self.message.emit(f"Cancelled: {job.name}")
        else:
            self.message.emit(f"{job.name} failed: {error}")

    def _untrack(self, job: Job) -> None:
        was_busy = self.is_busy
        for jobs in (self._jobs, self._saves):
            if job in jobs:
                jobs.remove(job)
        if was_busy and not self.is_busy:
            self.busyChanged.emit(False)
            self.progress.emit(0, -1, "")


def deliver_page(session: Session, editor: Editor, path: Path, page: Page, *, undo_text: str, force: bool,
                 on_error: Callable[[str], None], since: tuple[int, int] | None = None) -> Job | None:
    """Put a recognition result where it belongs, losing nothing.

    The current image gets an undoable page replacement (unless it is marked done and ``force`` is False);
    another image is saved beside its annotations (ids and extra data kept) unless it is marked done, on the
    I/O thread (:meth:`Session.save_result`): the returned job, if any, ends once it is on disk. Either way the
    words a person drew, typed, corrected or marked ``###`` stay (:func:`~ocr_core.hand_made.keep_hand_made`).
    """
    page.image_path = str(path)
    if path not in session.images:  # another folder was opened while the job ran
        on_error(f"{path.name} is not open any more: its recognition result was dropped")
        return None
    if since is not None:  # work done meanwhile: saved on another image, or imported on the one on screen
        saves, imports = session.work_stamp(path)
        if path != session.current_path and saves != since[0]:
            on_error(f"{path.name} was saved with your changes while it was being recognized: that result was "
                     "dropped (recognize it again to read it)")
            return None
        if path == session.current_path and imports != since[1]:
            on_error(f"Annotations were imported for {path.name} while it was being recognized: that result was "
                     "dropped (recognize it again to read it)")
            return None
    if path == session.current_path:
        if force or not editor.model.page.checked:
            editor.commit_pending_text()  # text being typed counts as typed by hand, and stays
            editor.replace_page(keep_hand_made(editor.model.page, page), undo_text)
        return None
    if session.done.get(str(path)):
        return None
    return session.save_result(page, on_error)
