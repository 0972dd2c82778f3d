"""The training tab's controller: synthetic previews (debounced, older jobs cancelled), the font list,
dataset checks, training runs with live events, "Use this model", and closing while training.

Work runs as :class:`app.workers.Job` s through the engine's service on separate runners, so a
preview or a long training never holds up recognition in the Annotate tab.

>>> controller = TrainingController(engine, session, editor, settings, tab)   # doctest: +SKIP
>>> controller.set_active(True)       # first show: fonts, models and a preview
>>> controller.start_training()       # doctest: +SKIP
"""

from __future__ import annotations

import html
import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.editor import Editor
from app.session import Session
from app.settings import Settings
from app.training_models import ModelsController
from app.widgets.train_tab import TrainTab
from app.workers import EngineWorker, Job, JobRunner
from ocr_core.errors import Cancelled
from ocr_core.listing import listed

__all__ = ["TrainingController", "ask_close_while_training", "PREVIEW_COUNTS"]

#: Samples per preview: detector pages, recognizer crops.
PREVIEW_COUNTS = {"detector": 6, "recognizer": 24}
DEBOUNCE_MS = 350


def ask_close_while_training(parent: QWidget | None) -> str:
    """Ask what to do with a running training: ``'stop'``, ``'wait'`` or ``'cancel'`` (tests replace this)."""
    box = QMessageBox(QMessageBox.Icon.Question, "Training is running",
                      "A model is being trained. Stop it now (the best checkpoint so far is kept) or let it "
                      "finish and close the window then?", parent=parent)
    stop = box.addButton("Stop and close", QMessageBox.ButtonRole.DestructiveRole)
    wait = box.addButton("Close when finished", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Keep working", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return "stop" if box.clickedButton() is stop else "wait" if box.clickedButton() is wait else "cancel"


def _report_html(report: Any) -> str:
    lines = [f"<b>{html.escape(report.summary())}</b>"]
    warnings = report.warnings()
    for text in warnings:
        lines.append(f"<span style='color:#b26a00'>\u26a0 {html.escape(text)}</span>")
    if not warnings:
        lines.append("<span style='color:#1d6b45'>\u2713 No problems found</span>")
    return "<br>".join(lines)


class TrainingController(QObject):
    """Drives the :class:`TrainTab`; ``message`` carries status-bar texts."""

    message = Signal(str)
    trainingChanged = Signal(bool)

    def __init__(self, engine: EngineWorker, session: Session, editor: Editor, settings: Settings, tab: TrainTab,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine, self.session, self.editor, self.settings, self.tab = engine, session, editor, settings, tab
        self.preview_runner = JobRunner("ocr-preview", self)
        self.io_runner = JobRunner("ocr-train-io", self)
        self.train_runner = JobRunner("ocr-training", self)
        self.models = ModelsController(engine, session, editor, settings, tab, self.io_runner, self)
        self.models.renamed.connect(self._on_model_renamed)
        self.models.deleted.connect(lambda name: self._on_model_renamed(name, None))
        self.models.message.connect(self.message)
        self.models.is_training = lambda: self.train_job is not None
        self.models.modelsChanged.connect(lambda _e: self._starting_recognizer_changed())
        self.preview_job: Job | None = None
        self.fonts_job: Job | None = None
        self.train_job: Job | None = None
        self.last_result: Any = None
        self.started = False
        self._seed = 0
        self._crop_size = (32, 128, 1)
        self._close_pending = False
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(DEBOUNCE_MS)
        self._preview_timer.timeout.connect(self.render_preview)
        self._fonts_timer = QTimer(self)
        self._fonts_timer.setSingleShot(True)
        self._fonts_timer.setInterval(DEBOUNCE_MS)
        self._fonts_timer.timeout.connect(self.load_fonts)
        self._connect()

    def _connect(self) -> None:
        tab = self.tab
        tab.synth.changed.connect(self.schedule_preview)
        tab.synth.fontsChanged.connect(self._fonts_timer.start)
        tab.preview.modeChanged.connect(lambda _m: self.schedule_preview(immediate=True))
        tab.preview.reshuffleRequested.connect(self._reshuffle)
        tab.dataset.checkRequested.connect(self.check_data)
        tab.run_form.startRequested.connect(self.start_training)
        tab.run_form.stopRequested.connect(self.stop_training)
        tab.run_form.init_recognizer.currentIndexChanged.connect(lambda _i: self._starting_recognizer_changed())
        tab.models.useNewRequested.connect(self.use_new_model)
        self.session.imagesChanged.connect(lambda _p: self._update_checked_count())
        self.session.doneChanged.connect(lambda _p, _d: self._update_checked_count())

    # -- state --------------------------------------------------------------------------------
    @property
    def is_training(self) -> bool:
        return self.train_job is not None

    @property
    def is_idle(self) -> bool:
        """No preview, font list or model list pending (screenshots wait for this)."""
        return not (self._preview_timer.isActive() or self._fonts_timer.isActive() or self.preview_job
                    or self.fonts_job or self.models.busy)

    def set_active(self, active: bool) -> None:
        """Called when the tab is shown: the first time lists fonts and models and renders a preview."""
        if active and not self.started:
            self.started = True
            self._update_checked_count()
            self.models.refresh()
            self.load_fonts()
            self.schedule_preview(immediate=True)

    def _update_checked_count(self) -> None:
        done = sum(1 for p in self.session.images if self.session.done.get(str(p)))
        self.tab.dataset.set_checked_count(done, len(self.session.images))

    # -- preview ------------------------------------------------------------------------------
    def _starting_recognizer_changed(self) -> None:
        """The starting recognizer sets the crop size of the preview, and its alphabet unless the user chose one
        (training with another alphabet replaces the model's top)."""
        entry = self._starting_recognizer()
        synth = self.tab.synth
        if entry is not None and entry.alphabet and not synth.user_alphabet and synth.drawn_alphabet() != \
                "".join(dict.fromkeys(c for c in entry.alphabet if not c.isspace())):
            synth.set_alphabet(entry.alphabet)
        spec = dict(entry.input_spec) if entry is not None and entry.input_spec else {}
        size = (int(spec.get("height", 32)), int(spec.get("width", 128)), int(spec.get("channels", 1)))
        if size != self._crop_size:
            self._crop_size = size
            if self.tab.preview.mode == "recognizer":
                self.schedule_preview()

    def _starting_recognizer(self) -> Any | None:
        return self.models.entry(self.tab.run_form.init_recognizer.currentData() or self.models.in_use()[1])

    def preview_settings(self, mode: str | None = None) -> Any:
        """Preview settings from the tab; recognizer crops use the alphabet training would give the recognizer."""
        from ocr_core.training.plan import recognizer_alphabet

        mode = mode or self.tab.preview.mode
        h, w, c = self._crop_size
        alphabet = None
        drawn = self.tab.synth.drawn_alphabet()
        if mode == "recognizer" and drawn:
            entry = self._starting_recognizer() if self.tab.run_form.init_recognizer.currentData() else None
            alphabet = recognizer_alphabet(drawn, entry.alphabet if entry is not None else None)
        return self.tab.synth.preview_settings(mode, PREVIEW_COUNTS[mode], self._seed, (h, w), color=c == 3,
                                               alphabet=alphabet)

    def schedule_preview(self, immediate: bool = False) -> None:
        """Render again shortly (settings changes are coalesced); nothing before the tab was shown."""
        if not self.started:
            return
        self.tab.preview.set_busy()
        self._preview_timer.start(0 if immediate else DEBOUNCE_MS)

    def _reshuffle(self) -> None:
        self._seed += 1
        self.schedule_preview(immediate=True)

    def render_preview(self) -> Job:
        """Cancel the running preview and start one with the current settings."""
        if self.preview_job is not None:
            self.preview_job.cancel()
        settings = self.preview_settings()
        job = self.engine.submit("synthetic preview", lambda s, ctx: s.synth_preview(settings, cancel=ctx.token),
                                 runner=self.preview_runner)
        self.preview_job = job
        started = time.monotonic()
        job.succeeded.connect(lambda samples: self._on_preview(job, samples, started))
        job.failed.connect(lambda err: self._on_preview_failed(job, err))
        job.finished.connect(lambda: self._forget_preview(job))
        return job

    def _on_preview(self, job: Job, samples: list[Any], started: float) -> None:
        if job is self.preview_job:
            self.tab.preview.set_samples(samples, time.monotonic() - started)

    def _on_preview_failed(self, job: Job, error: BaseException) -> None:
        if job is self.preview_job and not isinstance(error, Cancelled):
            self.tab.preview.show_error(str(error))

    def _forget_preview(self, job: Job) -> None:
        if self.preview_job is job:
            self.preview_job = None

    # -- fonts --------------------------------------------------------------------------------
    def load_fonts(self) -> Job | None:
        """List the font families that draw the alphabet (after the tab was first shown)."""
        if not self.started:
            return None
        synth = self.tab.synth
        alphabet = synth.drawn_alphabet()
        if not alphabet:
            synth.fonts.show_message("Type an alphabet to list the fonts that can draw it")
            return None
        folders, system = synth.font_dirs.folders(), synth.system_fonts.isChecked()
        if self.fonts_job is not None:
            self.fonts_job.cancel()
        synth.fonts.count.setText("Looking for fonts\u2026")
        job = self.engine.submit("list fonts", lambda s, _c: s.list_font_families(alphabet, folders,
                                                                                  include_system=system),
                                 runner=self.io_runner)
        self.fonts_job = job
        job.succeeded.connect(lambda families: self._on_fonts(job, families))
        job.failed.connect(lambda err: self._on_fonts_failed(job, err))
        job.finished.connect(lambda: self._forget_fonts(job))
        return job

    def _forget_fonts(self, job: Job) -> None:
        if self.fonts_job is job:
            self.fonts_job = None

    def _on_fonts(self, job: Job, families: list[Any]) -> None:
        if job is self.fonts_job:
            before = self.tab.synth.fonts.selected_fonts()
            self.tab.synth.fonts.set_families(families)
            if self.tab.synth.fonts.selected_fonts() != before:
                self.schedule_preview()

    def _on_fonts_failed(self, job: Job, error: BaseException) -> None:
        if job is self.fonts_job and not isinstance(error, Cancelled):
            self.tab.synth.fonts.show_message(str(error))

    # -- dataset ------------------------------------------------------------------------------
    def _data_inputs(self) -> tuple[Any, list[str], list[str]]:
        """(store or None, checked images, annotated folder sources); saves the current image first."""
        use_checked = self.tab.dataset.use_checked.isChecked() and self.session.root is not None
        if use_checked and self.session.is_modified:
            self.session.save()
        store = self.session.make_store(self.session.root) if use_checked and self.session.root else None
        # every image, not only those marked done: an annotation file that cannot be read shows no done mark,
        # and would be left out of training without a word (checked_pages keeps the done ones, names the others)
        images = [str(p) for p in self.session.images] if store else []
        sources = [f"{folder}:{fmt}" if fmt else folder for folder, fmt in self.tab.dataset.folders.entries()]
        return store, images, sources

    def _unsaved_note(self) -> list[str]:
        """A problem to report when images of the folder have edits that only their autosave holds."""
        if not (self.tab.dataset.use_checked.isChecked() and self.session.root is not None):
            return []
        unsaved = self.session.autosaved_only()
        if not unsaved:
            return []
        names = listed(p.name for p in unsaved)
        return [f"{len(unsaved)} image{'s' if len(unsaved) != 1 else ''} ({names}) {'have' if len(unsaved) != 1 else 'has'} "
                "edits that were never saved (only in the autosave): training reads the saved annotation. Open "
                f"{'them' if len(unsaved) != 1 else 'it'} to get the edits back and save (Ctrl+S) to train on them."]

    def check_data(self) -> Job:
        store, images, sources = self._data_inputs()
        alphabet = self.tab.synth.drawn_alphabet()
        split = self.tab.dataset.split.value() / 100.0
        unsaved = self._unsaved_note()

        def work(service: Any, _ctx: Any) -> Any:
            pages, problems = service.checked_pages(store, images) if store is not None else ([], [])
            report = service.dataset_report(sources, alphabet, pages=pages, validation_split=split)
            report.problems[:0] = problems + unsaved
            return report

        self.tab.dataset.show_report("Checking\u2026")
        job = self.engine.submit("check training data", work, runner=self.io_runner)
        job.succeeded.connect(lambda report: self.tab.dataset.show_report(_report_html(report)))
        job.failed.connect(lambda err: self.tab.dataset.show_report(
            f"<span style='color:#c62f34'>{html.escape(str(err))}</span>"))
        return job

    # -- training -----------------------------------------------------------------------------
    def build_plan(self, pages: list[Any], sources: list[str]) -> Any:
        """A :class:`~ocr_core.training.plan.TrainPlan` from the tab's settings (``pages``: checked pages,
        ``sources``: annotated folders)."""
        from ocr_core.training.plan import TrainPlan

        run, data = self.tab.run_form, self.tab.dataset
        return TrainPlan(
            tasks=run.tasks(), name=run.name.text().strip() or None, synth=self.preview_settings("detector"),
            synthetic_pages=data.synthetic_pages.value(), synthetic_crops=data.synthetic_crops.value(),
            data=sources, pages=list(pages), validation_split=data.split.value() / 100.0,
            epochs=run.epochs.value(), patience=run.patience.value() or None, batch_size=run.batch.value(),
            learning_rate=run.lr.value() or None, steps_per_epoch=run.steps.value() or None,
            freeze_backbone=run.freeze.isChecked(), init_detector=run.init_detector.currentData(),
            init_recognizer=run.init_recognizer.currentData(), drop_unknown=run.drop_unknown.isChecked(),
            current_models=self.models.in_use())

    def start_training(self) -> Job | None:
        """Start the run the tab describes on the training thread; events stream into the Training page."""
        if self.train_job is not None:
            return None
        if not self.tab.synth.drawn_alphabet():
            self.tab.show_message("The alphabet is empty: type the characters the model should read")
            return None
        self.tab.show_message("")
        store, images, sources = self._data_inputs()
        tasks = self.tab.run_form.tasks()
        plan = self.build_plan([], sources)
        unsaved = self._unsaved_note()

        def work(service: Any, ctx: Any) -> Any:
            if store is not None:  # the checked pages are read on the training thread
                pages, problems = service.checked_pages(store, images)
                for problem in unsaved + problems:
                    ctx.partial(("log", problem))
                plan.pages = pages
            return service.train_plan(plan, on_event=lambda task, event: ctx.partial((task, event)),
                                      cancel=ctx.token)

        self.tab.progress.start_run(tasks)
        self.tab.show_page("training")
        self.tab.run_form.set_running(True)
        self.tab.models.use_new.setEnabled(False)
        job = self.engine.submit("training", work, runner=self.train_runner)
        self.train_job = job
        job.partial.connect(self._on_event)
        job.succeeded.connect(self._on_trained)
        job.failed.connect(self._on_train_failed)
        job.finished.connect(self._on_train_finished)
        self.trainingChanged.emit(True)
        self.message.emit("Training started")
        if store is not None or sources:  # the data checks run alongside; their findings go to the log too
            check = self.check_data()
            check.succeeded.connect(lambda report: self.tab.progress.append_log(
                "data check: " + "; ".join([report.summary(), *report.warnings()])))
        return job

    def stop_training(self) -> None:
        """Ask the run to stop; it does within one batch and keeps the best checkpoint."""
        if self.train_job is not None:
            self.train_job.cancel()
            self.tab.run_form.set_running(True, stopping=True)
            self.tab.progress.set_state("stopping")
            self.tab.progress.append_log("stop requested: the run ends after the current batch")

    def _on_event(self, value: tuple[str, Any]) -> None:
        task, event = value
        if task == "log":
            self.tab.progress.append_log(str(event))
        else:
            self.tab.progress.on_event(task, event)

    def _on_trained(self, result: Any) -> None:
        self.last_result = result
        titles = {"completed": "Training finished", "early_stopped": "Training stopped early (no improvement)",
                  "cancelled": "Training stopped"}
        names = ", ".join(f"{task} \u2192 {name}" for task, name in result.models.items())
        text = titles.get(result.status, result.status) + (f": {names}" if names else ": no model was saved")
        self.tab.progress.finish(result.status, result.message or text)
        self.tab.models.show_result(text, result.comparison, can_use=bool(result.models))
        self.models.refresh()
        self.message.emit(text)
        if result.models and result.status != "cancelled":
            self.tab.show_page("models")

    def _on_model_renamed(self, name: str, new_name: str | None) -> None:
        """The last run's models follow a rename in the Models list (``None``: deleted), so that "Use this model"
        uses the folder as it is now."""
        result = self.last_result
        if result is None or name not in result.models.values():
            return
        for task, model in list(result.models.items()):
            if model == name:
                if new_name is None:
                    del result.models[task]
                else:
                    result.models[task] = new_name
        names = ", ".join(f"{task} \u2192 {model}" for task, model in result.models.items())
        self.tab.models.show_result(f"Last run: {names}" if names else "Last run: its model was deleted",
                                    result.comparison, can_use=bool(result.models))

    def _on_train_failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self.tab.progress.finish("cancelled", "Training stopped before it started")
            return
        self.tab.progress.finish("failed", str(error))
        self.tab.show_message(str(error))
        self.models.refresh()  # a run that failed late may still have saved its best epoch
        self.message.emit(f"Training failed: {error}")

    def _on_train_finished(self) -> None:
        self.train_job = None
        self.tab.run_form.set_running(False)
        self.trainingChanged.emit(False)

    def use_new_model(self) -> Job | None:
        """Switch the Recognize pipeline to the models the last run produced."""
        if self.last_result is None or not self.last_result.models:
            return None
        models = self.last_result.models
        return self.models.use_models(models.get("detector"), models.get("recognizer"))

    # -- closing ------------------------------------------------------------------------------
    def confirm_close(self, window: QWidget) -> bool:
        """True when the window may close now; otherwise asks to stop or wait and closes it later."""
        job = self.train_job
        if job is None:
            return True
        choice = ask_close_while_training(window)
        if choice == "cancel":
            return False
        if choice == "stop":
            self.stop_training()
        if not self._close_pending:
            self._close_pending = True
            job.finished.connect(window.close)
        self.message.emit("The window closes when training has " + ("stopped" if choice == "stop" else "finished"))
        return False

    def shutdown(self) -> None:
        for job in (self.preview_job, self.fonts_job, self.models.review_job, self.train_job):
            if job is not None:
                job.cancel()
        self._preview_timer.stop()
        self._fonts_timer.stop()
        for runner in (self.preview_runner, self.io_runner, self.train_runner):
            runner.shutdown(wait=False)
