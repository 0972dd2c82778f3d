"""Models and review of the training tab: list the models, use, rename, delete and export them, and
re-run the models in use over the unchecked images to queue words for review.

Engine work goes through :class:`app.workers.EngineWorker` jobs (the service's ``list_model_entries``,
``rename_model``, ``delete_model``, ``export_model``, ``rerun_review``); results come back as signals.

>>> models = ModelsController(engine, session, editor, settings, tab, io_runner)  # doctest: +SKIP
>>> models.use_models(None, "recognizer-20261125-143200")                       # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.editor import Editor
from app.recognition import deliver_page
from app.session import Session
from app.settings import Settings
from app.widgets.train_tab import TrainTab
from app.workers import EngineWorker, Job, JobRunner
from ocr_core.document import Page
from ocr_core.errors import AnnotationFormatError, Cancelled
from ocr_core.weights import DEFAULT_DETECTOR, DEFAULT_RECOGNIZER

__all__ = ["ModelsController"]


class ModelsController(QObject):
    """Model list actions and the re-run review; ``modelsChanged`` after each refresh."""

    message = Signal(str)
    modelsChanged = Signal(list)
    renamed = Signal(str, str)  # old name, new name (a model folder renamed here)
    deleted = Signal(str)  # name
    showWordRequested = Signal(str, str)  # image path, word id

    def __init__(self, engine: EngineWorker, session: Session, editor: Editor, settings: Settings, tab: TrainTab,
                 runner: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine, self.session, self.editor, self.settings, self.tab = engine, session, editor, settings, tab
        self.runner = runner
        self.is_training: Any = lambda: False  # set by the training controller
        self.entries: list[Any] = []
        self.review_job: Job | None = None
        self.list_job: Job | None = None
        self._review_counts = [0, 0, 0]  # images done, failed, words to review
        panel = tab.models
        panel.refreshRequested.connect(self.refresh)
        panel.useRequested.connect(lambda kind, name: self.use_models(name if kind == "detector" else None,
                                                                      name if kind == "recognizer" else None))
        panel.renameRequested.connect(self.rename)
        panel.deleteRequested.connect(self.delete)
        panel.exportRequested.connect(self.export)
        tab.review.rerunRequested.connect(self.rerun)
        tab.review.cancelRequested.connect(self.cancel_review)
        tab.review.wordActivated.connect(self.showWordRequested)

    # -- models -------------------------------------------------------------------------------
    def in_use(self) -> tuple[str, str]:
        """The (detector, recognizer) names the Recognize pipeline uses."""
        det, rec = self.engine.model_names
        return (det or self.settings.detector or DEFAULT_DETECTOR, rec or self.settings.recognizer or DEFAULT_RECOGNIZER)

    @property
    def busy(self) -> bool:
        return self.list_job is not None

    def refresh(self) -> Job:
        job = self.engine.submit("list models", lambda service, _ctx: service.list_model_entries(), runner=self.runner)
        self.list_job = job
        job.succeeded.connect(self._on_models)
        job.failed.connect(lambda err: self.tab.models.set_status(f"Models could not be listed: {err}", error=True))
        job.finished.connect(lambda: self._forget_list(job))
        return job

    def _forget_list(self, job: Job) -> None:
        if self.list_job is job:
            self.list_job = None

    def _on_models(self, entries: list[Any]) -> None:
        self.entries = list(entries)
        in_use = self.in_use()
        self.tab.models.set_models(self.entries, in_use)
        self.tab.run_form.set_models(self.entries, in_use)
        self.modelsChanged.emit(self.entries)

    def entry(self, name: str | None) -> Any | None:
        return next((e for e in self.entries if name is not None and e.name == name), None)

    def use_models(self, detector: str | None, recognizer: str | None) -> Job:
        """Switch the Recognize pipeline to these models (``None`` keeps that one) and remember them."""
        job = self.engine.set_models(detector=detector, recognizer=recognizer)
        names = " + ".join(n for n in (detector, recognizer) if n)
        self.tab.models.set_status(f"Loading {names}\u2026")

        def done(_result: object) -> None:
            det, rec = self.in_use()
            self.settings.set_models(det, rec)
            self.tab.models.set_status(f"Recognize now uses {det} + {rec}")
            self.message.emit(f"Recognize now uses {det} + {rec}")
            self.refresh()

        job.succeeded.connect(done)
        job.failed.connect(lambda err: self.tab.models.set_status(f"Could not use {names}: {err}", error=True))
        return job

    def _action(self, name: str, fn: Any, done_text: str) -> Job:
        job = self.engine.submit(name, fn, runner=self.runner)
        job.succeeded.connect(lambda _r: self._action_done(done_text))
        job.failed.connect(lambda err: self.tab.models.set_status(str(err), error=True))
        return job

    def _action_done(self, text: str) -> None:
        self.tab.models.set_status(text)
        self.refresh()

    def _being_trained(self, name: str) -> bool:
        """True (and a message) when ``name`` is the model folder a running training writes to."""
        entry = self.entry(name)
        if self.is_training() and entry is not None and entry.training.get("status") == "training":
            self.tab.models.set_status(f"{name} is being trained: stop the training first", error=True)
            return True
        return False

    def rename(self, name: str, new_name: str) -> Job | None:
        if self._being_trained(name):
            return None
        job = self._action("rename model", lambda s, _c: s.rename_model(name, new_name),
                           f"Renamed {name} to {new_name}")
        job.succeeded.connect(lambda _r: self.renamed.emit(name, new_name))
        return job

    def delete(self, name: str) -> Job | None:
        if self._being_trained(name):
            return None
        job = self._action("delete model", lambda s, _c: s.delete_model(name), f"Deleted {name}")
        job.succeeded.connect(lambda _r: self.deleted.emit(name))
        return job

    def export(self, name: str, dest: str) -> Job:
        return self._action("export model", lambda s, _c: s.export_model(name, dest), f"Exported {name} to {dest}")

    # -- review -------------------------------------------------------------------------------
    def rerun(self, threshold: float) -> Job | None:
        """Recognize the unchecked images with the models in use; list words to review."""
        if self.review_job is not None:
            return None
        images = [str(p) for p in self.session.images if not self.session.done.get(str(p))]
        if not images or self.session.root is None:
            self.tab.review.set_status("Open a folder with images not marked done first" if not self.session.images
                                       else "Every image is marked done: nothing to re-run")
            return None
        if self.session.is_modified:  # saved now: a save when the user leaves it later then means later edits
            self.session.save()
        current = str(self.session.current_path) if self.session.current_path else None
        current_page = self.editor.model.page.copy() if current else None
        store = self.session.make_store(self.session.root)

        def old_page(path: str) -> Page | None:
            if path == current:
                return current_page
            try:
                return store.load(Path(path))
            except (AnnotationFormatError, OSError):
                return None

        def work(service: Any, ctx: Any) -> list[Any]:
            return service.rerun_review(images, old_page, low_confidence=threshold, cancel=ctx.token,
                                        on_page=lambda p, page, items: ctx.partial((p, page, items)))

        self.tab.review.clear()
        self.tab.review.set_running(True)
        self._review_counts = [0, 0, 0]
        self._review_total = len(images)
        self.tab.review.set_status(f"Re-running {' + '.join(self.in_use())} over {len(images)} image(s)\u2026")
        job = self.engine.submit("re-run and review", work, load=True)
        self.review_job = job
        since = {str(p): self.session.work_stamp(p) for p in images}
        job.partial.connect(lambda value: self._on_review_page(value, since))
        job.failed.connect(self._on_review_failed)
        job.finished.connect(self._on_review_finished)
        return job

    def cancel_review(self) -> None:
        if self.review_job is not None:
            self.review_job.cancel()

    def _on_review_page(self, value: tuple[str, Page | Exception, list[Any]],
                        since: dict[str, tuple[int, int]]) -> None:
        path, page, items = value
        if isinstance(page, Page):
            self._review_counts[0] += 1
            self._deliver(Path(path), page, since.get(str(path)))
        else:
            self._review_counts[1] += 1
            self.message.emit(f"{Path(path).name}: {page}")
        self._review_counts[2] += len(items)
        self.tab.review.add_items(items)
        done, failed, words = self._review_counts
        self.tab.review.set_status(f"{done + failed}/{self._review_total} images \u00b7 {words} word(s) to review")

    def _deliver(self, path: Path, page: Page, since: tuple[int, int] | None = None) -> None:
        """As batch recognition does: the current image as an undoable step, others saved; done images untouched,
        and images whose work was saved meanwhile too (``since``: :meth:`Session.work_stamp` at the start)."""
        deliver_page(self.session, self.editor, path, page, undo_text="Re-run new model", force=False,
                     on_error=self.message.emit, since=since)

    def _on_review_failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self.tab.review.set_status("Re-run cancelled \u00b7 " + self.tab.review.status.text())
        else:
            self.tab.review.set_status(f"Re-run failed: {error}")

    def _on_review_finished(self) -> None:
        job = self.review_job
        self.review_job = None
        self.tab.review.set_running(False, " + ".join(self.in_use()))
        if job is not None and job.state == "done":
            done, failed, words = self._review_counts
            extra = f", {failed} failed" if failed else ""
            self.tab.review.set_status(f"Re-ran {done} image(s){extra}: {words} word(s) to review"
                                       + (" \u2014 click one to open it" if words else ""))
