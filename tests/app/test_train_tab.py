"""The training tab end to end with a fake engine: previews (debounced, cancelled, bad settings),
training progress, stop, early stopping, "Use this model", model actions, review, closing."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gui_helpers import FakeService
from PySide6.QtCore import Qt

from ocr_core.document import Page, Word
from ocr_core.errors import DataGenerationError
from ocr_core.geometry import quad_from_rect
from ocr_core.synth_preview import FontFamily, SampleView


@dataclass
class Event:
    """Same fields as ocr_core.training.callbacks.TrainingEvent (which imports Keras)."""

    kind: str
    step: int = 0
    epoch: int = 0
    logs: dict[str, float] = field(default_factory=dict)
    message: str = ""
    total_steps: int | None = None
    epochs: int | None = None


class FakeTrainService(FakeService):
    """FakeService plus the training-tab methods; training emits events like the runner does."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.preview_delay = 0.0
        self.batch_delay = 0.0
        self.early_stop_at: int | None = None
        self.previews: list[Any] = []
        self.preview_tokens: list[Any] = []
        self.previews_done = 0
        self.plans: list[Any] = []
        self.batches_after_stop = 0
        self.switched: list[tuple[str | None, str | None]] = []
        self.training_thread = ""

    def set_models(self, detector: str | None = None, recognizer: str | None = None) -> None:
        self.switched.append((detector, recognizer))
        self.detector_name = detector or self.detector_name
        self.recognizer_name = recognizer or self.recognizer_name

    def synth_preview(self, settings: Any, *, cancel: Any = None) -> list[SampleView]:
        self.previews.append(settings)
        self.preview_tokens.append(cancel)
        settings.validate()
        for _ in range(10):
            time.sleep(self.preview_delay / 10)
            if cancel is not None:
                cancel.raise_if_cancelled()
        out = []
        for i in range(settings.count):
            if settings.mode == "recognizer":
                out.append(SampleView(np.full((settings.crop_height, settings.crop_width), 200, np.uint8),
                                      text=f"w{i}", kind="recognizer"))
            else:
                quad = quad_from_rect(10, 10, 60, 30).astype(np.float32)
                out.append(SampleView(np.full((settings.height, settings.width, 3), 230, np.uint8),
                                      chars=[(quad, "a")], words=[(quad, "ab")], text="ab"))
        self.previews_done += 1
        return out

    def list_font_families(self, alphabet: str, folders: Any = (), *, include_system: bool = True) -> list[Any]:
        if not alphabet.strip():
            raise DataGenerationError("The alphabet is empty: type the characters the model should read")
        return [FontFamily("Alpha Sans", ["/fonts/a1.ttf", "/fonts/a2.ttf"]), FontFamily("Beta Serif", ["/fonts/b.ttf"])]

    def list_model_entries(self, kind: str | None = None) -> list[Any]:
        from ocr_core.model_store import list_model_entries

        return list_model_entries(kind)

    def checked_pages(self, store: Any, images: Any) -> Any:
        from ocr_core.training.dataset_check import checked_pages

        return checked_pages(store, images)

    def dataset_report(self, sources: Any, alphabet: str, **kw: Any) -> Any:
        from ocr_core.training.dataset_check import dataset_report

        return dataset_report(sources, alphabet, **kw)

    def rename_model(self, name: str, new_name: str) -> Any:
        from ocr_core.model_store import rename_model

        return rename_model(name, new_name)

    def delete_model(self, name: str) -> None:
        from ocr_core.model_store import delete_model

        delete_model(name)

    def export_model(self, name: str, dest: str) -> Any:
        from ocr_core.model_store import export_model

        return export_model(name, dest)

    def rerun_review(self, images: Any, old_page: Any, *, low_confidence: float = 0.6, cancel: Any = None,
                     on_page: Any = None) -> list[Any]:
        from ocr_core.training.review import review_changes

        found = []
        for path in images:
            page = self.recognize(path, cancel=cancel)
            items = review_changes(old_page(path), page, low_confidence)
            found.extend(items)
            on_page(path, page, items)
        return found

    def train_plan(self, plan: Any, *, on_event: Any = None, cancel: Any = None) -> Any:
        from ocr_core.training.config import TrainResult
        from ocr_core.training.plan import PlanResult
        from ocr_core.training.review import Comparison, ComparisonRow

        self.plans.append(plan)
        self.training_thread = threading.current_thread().name
        outcome = PlanResult()
        for task in [t for t in ("detector", "recognizer") if t in plan.tasks]:
            epochs, spe = plan.epochs, plan.steps_per_epoch or 4
            total = epochs * spe
            on_event(task, Event("start", total_steps=total, epochs=epochs, logs={"steps_per_epoch": spe},
                                 message=f"training {task}"))
            status, finished = "completed", 0
            for epoch in range(1, epochs + 1):
                for b in range(spe):
                    time.sleep(self.batch_delay)
                    if cancel is not None and cancel.cancelled:
                        self.batches_after_stop += 1
                    step = (epoch - 1) * spe + b + 1
                    on_event(task, Event("batch", step, epoch, {"loss": 10.0 / step}, total_steps=total, epochs=epochs))
                    if cancel is not None and cancel.cancelled:
                        status = "cancelled"
                        break
                if status == "cancelled":
                    break
                logs = {"loss": 10.0 / (epoch * spe), "val_loss": 6.0 if epoch == 1 else 7.0}
                on_event(task, Event("epoch", epoch * spe, epoch, logs, total_steps=total, epochs=epochs))
                finished = epoch
                if epoch == 1:
                    on_event(task, Event("checkpoint", epoch=epoch, logs=logs, message="best val_loss 6.0000"))
                if self.early_stop_at == epoch:
                    on_event(task, Event("early_stop", epoch=epoch, message="no improvement of val_loss for 1 "
                                                                             "epoch(s); best was epoch 1"))
                    status = "early_stopped"
                    break
            model_dir = None
            if finished:
                name = f"{task}-trained-{len(self.plans)}"
                model_dir = save_fake_model(name, task)
                outcome.models[task] = name
            outcome.results[task] = TrainResult(status=status, out_dir=Path("."), model_dir=model_dir,
                                                epochs_run=finished, message=f"{task} {status}")
            on_event(task, Event("end", message=f"{task} {status}"))
            if status == "cancelled":
                break
        statuses = [r.status for r in outcome.results.values()]
        outcome.status = ("cancelled" if "cancelled" in statuses else "early_stopped" if "early_stopped" in statuses
                          else "completed")
        outcome.message = "; ".join(r.message for r in outcome.results.values())
        if outcome.status != "cancelled":
            outcome.comparison = Comparison(rows=[ComparisonRow("Word accuracy (recognizer)", 0.5, 0.75),
                                                  ComparisonRow("Character error rate", 0.2, 0.1, False)],
                                            images=2, words=10, source="2 validation image(s)")
        return outcome


def save_fake_model(name: str, kind: str, **spec_fields: Any) -> Path:
    from ocr_core.paths import user_models_dir
    from ocr_core.weights import ModelSpec, save_model_dir

    folder = user_models_dir() / name
    folder.mkdir(parents=True, exist_ok=True)
    source = folder.parent / f".{name}.src"
    source.write_bytes(b"fake weights")
    spec = ModelSpec(name=name, kind=kind, architecture="crnn_lite" if kind == "recognizer" else "craft_lite",  # type: ignore[arg-type]
                     weights_file=f"{name}.weights.h5", metrics={"val_loss": 6.0, "best_epoch": 1},
                     **{"training": {"epochs": 2, "status": "completed", "finished_at": "2026-11-25T10:00:00"},
                        **spec_fields})
    save_model_dir(spec, source, folder)
    source.unlink()
    return folder


@pytest.fixture(autouse=True)
def models_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("OCR_STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    from ocr_core.paths import user_models_dir

    return user_models_dir()


@pytest.fixture
def service() -> FakeTrainService:
    return FakeTrainService()


@pytest.fixture
def tab(window, qtbot) -> Any:
    """The window on the Train tab with its first preview rendered."""
    window.tabs.setCurrentWidget(window.train_tab)
    qtbot.waitUntil(lambda: window.training.is_idle and bool(window.train_tab.preview.grid.tiles), timeout=5000)
    return window.train_tab


def fast_run(tab: Any, epochs: int = 3, steps: int = 4) -> None:
    tab.run_form.epochs.setValue(epochs)
    tab.run_form.steps.setValue(steps)


def test_preview_renders_when_the_tab_is_first_shown(window, qtbot, service):
    assert service.previews == []  # nothing happens while the Annotate tab is shown
    window.tabs.setCurrentWidget(window.train_tab)
    tab = window.train_tab
    qtbot.waitUntil(lambda: len(tab.preview.grid.tiles) == 6 and window.training.is_idle, timeout=5000)
    assert service.previews[0].mode == "detector" and service.previews[0].count == 6
    assert tab.synth.fonts.list.count() == 2 and "2 of 2 families" in tab.synth.fonts.count.text()
    assert tab.preview.status.text().startswith("6 pages")
    grab = tab.preview.grid.grab()
    assert not grab.isNull() and grab.height() > 100


def test_changes_are_debounced_and_older_previews_cancelled(tab, qtbot, service):
    service.preview_delay = 0.6
    before = len(service.previews)
    tab.synth.rot_z.setValue(20)
    qtbot.waitUntil(lambda: len(service.previews) == before + 1, timeout=3000)  # the first job runs...
    for value in (21, 22, 23):  # ...three quick changes make one more job, and cancel the running one
        tab.synth.rot_z.setValue(value)
    qtbot.waitUntil(lambda: len(service.previews) == before + 2, timeout=5000)
    qtbot.waitUntil(lambda: tab.preview.status.text().startswith("6 pages"), timeout=5000)
    assert service.preview_tokens[before].cancelled
    assert service.previews[-1].rotation_z == 23


def test_crops_mode_and_box_toggles(tab, qtbot, service):
    tab.preview.crops_button.click()
    qtbot.waitUntil(lambda: bool(tab.preview.grid.tiles) and tab.preview.grid.tiles[0].kind == "recognizer",
                    timeout=5000)
    assert len(tab.preview.grid.tiles) == 24 and service.previews[-1].crop_height == 32
    assert not tab.preview.chars_box.isEnabled()
    tab.preview.pages_button.click()
    qtbot.waitUntil(lambda: tab.preview.grid.tiles[0].kind == "detector", timeout=5000)
    tab.preview.chars_box.setChecked(False)
    assert not tab.preview.grid.show_chars and tab.preview.grid.show_words


def test_the_starting_recognizer_sets_alphabet_and_crop_size(tab, qtbot, window, service):
    save_fake_model("digits", "recognizer", alphabet="0123456789", input_spec={"height": 31, "width": 200,
                                                                               "channels": 1})
    window.training.models.refresh()
    combo = tab.run_form.init_recognizer
    qtbot.waitUntil(lambda: combo.findData("digits") >= 0, timeout=5000)
    tab.preview.crops_button.click()
    combo.setCurrentIndex(combo.findData("digits"))
    assert tab.synth.alphabet.text() == "0123456789" and tab.synth.preset.currentText() == "Custom"
    qtbot.waitUntil(lambda: service.previews[-1].crop_width == 200 and window.training.is_idle, timeout=5000)
    # crops in the model's own alphabet (no space: it reads single words)
    assert service.previews[-1].alphabet == "0123456789" and tab.preview.grid.tiles[0].image.width() == 200
    tab.synth.alphabet.setText("abc")  # once the user chose an alphabet, the model no longer changes it
    tab.synth.alphabet.textEdited.emit("abc")
    combo.setCurrentIndex(0)
    combo.setCurrentIndex(combo.findData("digits"))
    assert tab.synth.alphabet.text() == "abc"


def test_bad_settings_give_clear_messages(tab, qtbot, window):
    tab.synth.set_alphabet("   ")
    qtbot.waitUntil(lambda: tab.preview.banner.isVisible(), timeout=5000)
    assert "alphabet is empty" in tab.preview.banner.text()
    assert tab.synth.alphabet_count.text() == "The alphabet is empty"
    tab.run_form.start_button.click()
    assert window.training.train_job is None and "alphabet is empty" in tab.message.text()
    tab.synth.set_alphabet("0123456789")
    qtbot.waitUntil(lambda: not tab.preview.banner.isVisible() and tab.synth.fonts.list.count() == 2, timeout=5000)
    tab.synth.fonts.none_button.click()  # no fonts
    qtbot.waitUntil(lambda: tab.preview.banner.isVisible(), timeout=5000)
    assert "No fonts selected" in tab.preview.banner.text()
    tab.synth.fonts.list.item(1).setCheckState(Qt.CheckState.Checked)
    assert tab.synth.fonts.selected_fonts() == ["/fonts/b.ttf"]


def test_training_streams_progress_then_shows_results(tab, qtbot, window, service):
    fast_run(tab, epochs=3, steps=4)
    window.training.start_training()
    assert tab.current_page() == "training" and not tab.run_form.start_button.isEnabled()
    qtbot.waitUntil(lambda: window.training.train_job is None, timeout=10000)
    assert service.training_thread.startswith("ocr-training")  # not the engine (recognition) thread
    progress = tab.progress
    assert progress.bar.value() == progress.bar.maximum() == 12 and progress.last_status == "completed"
    series = progress.chart.series["recognizer"]
    assert [s for s, _ in series.batch] == list(range(1, 13)) and len(series.epochs) == 3
    assert [m[1] for m in series.markers] == ["best"]
    log = progress.log.toPlainText()
    assert "recognizer epoch 3/3" in log and "val_loss" in log
    plan = service.plans[0]
    assert plan.tasks == ("recognizer",) and plan.epochs == 3 and plan.current_models == ("fake-detector",
                                                                                            "fake-recognizer")
    assert tab.current_page() == "models" and tab.models.use_new.isEnabled()
    assert tab.models.comparison.rowCount() == 2 and tab.models.comparison.item(0, 3).text() == "+25.0%"
    qtbot.waitUntil(lambda: any(e.name == "recognizer-trained-1" for e in tab.models.entries), timeout=5000)
    assert tab.run_form.start_button.isEnabled()


def test_stop_takes_effect_within_a_batch(tab, qtbot, window, service):
    service.batch_delay = 0.05
    fast_run(tab, epochs=50, steps=10)
    window.training.start_training()
    qtbot.waitUntil(lambda: "recognizer" in tab.progress.chart.series and
                    len(tab.progress.chart.series["recognizer"].batch) >= 3, timeout=5000)
    tab.run_form.stop_button.click()
    assert tab.run_form.stop_button.text() == "Stopping\u2026"
    qtbot.waitUntil(lambda: window.training.train_job is None, timeout=5000)
    assert service.batches_after_stop <= 1
    assert tab.progress.last_status == "cancelled" and "stopped" in [m[1] for m in
                                                                      tab.progress.chart.series["recognizer"].markers]
    assert len(tab.progress.chart.series["recognizer"].batch) < 500


def test_early_stopping_is_shown(tab, qtbot, window, service):
    service.early_stop_at = 2
    fast_run(tab, epochs=10, steps=3)
    window.training.start_training()
    qtbot.waitUntil(lambda: window.training.train_job is None, timeout=10000)
    progress = tab.progress
    assert progress.last_status == "early_stopped"
    assert "Early stopping fired at epoch 2" in progress.banner.text() and "best checkpoint is kept" in \
        progress.banner.text()
    kinds = [m[1] for m in progress.chart.series["recognizer"].markers]
    assert "early_stop" in kinds and "best" in kinds
    assert "stopped early" in tab.models.result_title.text().lower()


def test_use_this_model_switches_the_pipeline(tab, qtbot, window, service):
    fast_run(tab, epochs=1, steps=2)
    tab.run_form.set_tasks(["detector", "recognizer"])
    window.training.start_training()
    qtbot.waitUntil(lambda: window.training.train_job is None, timeout=10000)
    assert window.training.last_result.models == {"detector": "detector-trained-1",
                                                  "recognizer": "recognizer-trained-1"}
    tab.models.use_new.click()
    # the status bar names the new models once they are loaded
    qtbot.waitUntil(lambda: "recognizer-trained-1" in window.engine_status.text.text(), timeout=5000)
    assert window.engine.state == "ready" and "detector-trained-1" in window.engine_status.text.text()
    assert service.switched[-1] == ("detector-trained-1", "recognizer-trained-1")
    qtbot.waitUntil(lambda: "Recognize now uses" in tab.models.status.text(), timeout=5000)
    assert window.settings.recognizer == "recognizer-trained-1"
    assert window.settings.detector == "detector-trained-1"


def test_use_this_model_follows_a_rename_of_the_new_model_and_a_bad_name_leaves_the_engine_ready(
        tab, qtbot, window, service, monkeypatch, models_dir):
    from app.widgets import train_models

    fast_run(tab, epochs=1, steps=2)
    tab.run_form.set_tasks(["recognizer"])
    window.training.start_training()
    qtbot.waitUntil(lambda: window.training.train_job is None, timeout=10000)
    panel = tab.models
    qtbot.waitUntil(lambda: any(e.name == "recognizer-trained-1" for e in panel.entries), timeout=5000)
    panel.select_model("recognizer-trained-1")
    monkeypatch.setattr(train_models, "ask_new_name", lambda parent, name: "renamed")
    panel.rename_button.click()
    qtbot.waitUntil(lambda: window.training.last_result.models == {"recognizer": "renamed"}, timeout=5000)
    assert "renamed" in panel.result_title.text()
    panel.use_new.click()
    qtbot.waitUntil(lambda: bool(service.switched) and service.switched[-1] == (None, "renamed"), timeout=5000)

    def refuse(detector=None, recognizer=None):
        raise WeightsError(f"no model named {recognizer!r}")

    from ocr_core.errors import WeightsError

    qtbot.waitUntil(lambda: window.engine.state == "ready", timeout=5000)
    monkeypatch.setattr(service, "set_models", refuse)
    job = window.engine.set_models(recognizer="gone")
    failures: list = []
    job.failed.connect(failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert window.engine.state == "ready"  # nothing was switched: the models in use still serve

    monkeypatch.setattr(train_models, "confirm_delete", lambda parent, name: True)
    panel.select_model("renamed")
    panel.delete_button.click()
    qtbot.waitUntil(lambda: not window.training.last_result.models, timeout=5000)
    assert not panel.use_new.isEnabled()


def test_models_can_be_renamed_deleted_and_exported(tab, qtbot, window, tmp_path, monkeypatch, models_dir):
    from app.widgets import train_models

    save_fake_model("old-name", "recognizer")
    window.training.models.refresh()
    panel = tab.models
    qtbot.waitUntil(lambda: any(e.name == "old-name" for e in panel.entries), timeout=5000)
    panel.select_model("old-name")
    monkeypatch.setattr(train_models, "ask_new_name", lambda parent, name: "new-name")
    panel.rename_button.click()
    qtbot.waitUntil(lambda: any(e.name == "new-name" for e in panel.entries), timeout=5000)
    assert (models_dir / "new-name" / "model.json").is_file() and not (models_dir / "old-name").exists()
    panel.select_model("new-name")
    monkeypatch.setattr(train_models, "ask_export_path", lambda parent, name: str(tmp_path / "x.zip"))
    panel.export_button.click()
    qtbot.waitUntil(lambda: (tmp_path / "x.zip").is_file(), timeout=5000)
    monkeypatch.setattr(train_models, "confirm_delete", lambda parent, name: True)
    panel.select_model("new-name")
    panel.delete_button.click()
    qtbot.waitUntil(lambda: not any(e.name == "new-name" for e in panel.entries), timeout=5000)
    assert not (models_dir / "new-name").exists()


def test_the_model_being_trained_cannot_be_deleted(tab, qtbot, window, service, monkeypatch, models_dir):
    from app.widgets import train_models

    save_fake_model("running", "recognizer", training={"status": "training", "epochs": 1})
    service.batch_delay = 0.05
    fast_run(tab, epochs=50, steps=10)
    window.training.start_training()
    window.training.models.refresh()
    qtbot.waitUntil(lambda: any(e.name == "running" for e in tab.models.entries), timeout=5000)
    monkeypatch.setattr(train_models, "confirm_delete", lambda parent, name: True)
    tab.models.select_model("running")
    tab.models.delete_button.click()
    assert "being trained" in tab.models.status.text() and (models_dir / "running").is_dir()
    window.training.stop_training()
    qtbot.waitUntil(lambda: window.training.train_job is None, timeout=5000)


def test_dataset_check_reports_problems_of_the_checked_images(tab, qtbot, window, image_dir, service):
    from ocr_core.project import AnnotationStore

    store = AnnotationStore(image_dir)
    page = Page.from_words([Word(quad_from_rect(5, 5, 40, 20), "na\u00efve"), Word(quad_from_rect(5, 30, 40, 45), "###",
                                                                                 ignore=True)],
                           120, 60, image_path=str(image_dir / "page2.png"), checked=True)
    store.save(page)
    assert window.open_paths([image_dir])
    window.tabs.setCurrentWidget(window.train_tab)
    qtbot.waitUntil(lambda: "1 of 3 images marked done" in tab.dataset.checked_count.text(), timeout=5000)
    tab.dataset.check_button.click()
    qtbot.waitUntil(lambda: "1 image" in tab.dataset.report.text(), timeout=5000)
    text = tab.dataset.report.text()
    assert "1 ###" in text and "\u00ef" in text and "outside the alphabet" in text
    tab.dataset.show_report("")
    fast_run(tab, epochs=1, steps=2)
    window.training.start_training()  # Start checks the data too, and logs what it found
    qtbot.waitUntil(lambda: window.training.train_job is None and "data check" in tab.progress.log.toPlainText(),
                    timeout=5000)
    assert "outside the alphabet" in tab.progress.log.toPlainText() and "1 ###" in tab.dataset.report.text()
    assert [Path(p.image_path).name for p in service.plans[-1].pages] == ["page2.png"]  # the checked image


def test_an_annotation_file_that_cannot_be_read_is_named_by_check_data_and_left_out(tab, qtbot, window, image_dir,
                                                                                    service):
    from ocr_core.project import AnnotationStore

    store = AnnotationStore(image_dir)
    for name in ("page1.png", "page3.png"):
        store.save(Page.from_words([Word(quad_from_rect(5, 5, 40, 20), "fine")], 120, 60,
                                   image_path=str(image_dir / name), checked=True))
    broken = store.annotation_path(image_dir / "page3.png")
    broken.write_text(broken.read_text(encoding="utf-8")[:-5] + ",}", encoding="utf-8")  # a typo: no done mark shows
    assert window.open_paths([image_dir])
    window.tabs.setCurrentWidget(window.train_tab)
    tab.dataset.check_button.click()
    qtbot.waitUntil(lambda: "page3.png" in tab.dataset.report.text(), timeout=5000)
    assert "left out of training" in tab.dataset.report.text()
    fast_run(tab, epochs=1, steps=2)
    window.training.start_training()
    qtbot.waitUntil(lambda: window.training.train_job is None, timeout=5000)
    assert "page3.png" in tab.progress.log.toPlainText()
    assert [Path(p.image_path).name for p in service.plans[-1].pages] == ["page1.png"]


def test_rerun_lists_words_to_review_and_opens_them(tab, qtbot, window, image_dir, service):
    from ocr_core.project import AnnotationStore

    old = Page.from_words([Word(quad_from_rect(5, 5, 40, 20), "hallo", 0.9)], 120, 60,
                          image_path=str(image_dir / "page3.png"))
    AnnotationStore(image_dir).save(old)
    assert window.open_paths([image_dir])
    window.tabs.setCurrentWidget(window.train_tab)
    tab.review.rerun_button.click()
    qtbot.waitUntil(lambda: window.training.models.review_job is None and bool(tab.review.items), timeout=10000)
    items = tab.review.items
    changed = [i for i in items if "changed" in i.reasons]
    assert len(changed) == 1 and changed[0].old_text == "hallo" and changed[0].text == "hello"
    assert len([i for i in items if i.reasons == ("low",)]) == 3  # "lowconf" on each of the 3 images
    assert "3/3 images" in tab.review.status.text() or "Re-ran 3 image(s)" in tab.review.status.text()
    row = items.index(changed[0])
    tab.review.activate_row(row)
    assert window.tabs.currentWidget() is window.page
    assert window.session.current_path == image_dir / "page3.png"
    assert window.selection.ids() == [changed[0].word_id]
    assert window.model.word(changed[0].word_id).text == "hello"  # the re-run result was saved


def test_closing_while_training_asks_to_stop_or_wait(tab, qtbot, window, service, monkeypatch):
    from app import training_controller

    service.batch_delay = 0.05
    fast_run(tab, epochs=50, steps=10)
    window.training.start_training()
    qtbot.waitUntil(lambda: tab.progress.chart.series.get("recognizer") is not None, timeout=5000)
    monkeypatch.setattr(training_controller, "ask_close_while_training", lambda parent: "cancel")
    window.close()
    assert window.isVisible() and window.training.is_training  # "Keep working": nothing changes
    monkeypatch.setattr(training_controller, "ask_close_while_training", lambda parent: "stop")
    window.close()
    assert window.isVisible()  # closes once the run has stopped...
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert window.training.train_job is None and service.batches_after_stop <= 1


def test_screenshot_of_the_training_tab_waits_for_the_preview(qapp, tmp_path):
    import argparse

    from gui_helpers import make_image

    from app.cli import configure_parser
    from app.main import run_gui
    from app.settings import Settings

    image = make_image(tmp_path / "photo.png")
    out = tmp_path / "train.png"
    service = FakeTrainService()
    service.preview_delay = 0.5
    args = configure_parser(argparse.ArgumentParser()).parse_args([str(image), "--tab", "training",
                                                                   "--screenshot", str(out)])
    assert run_gui(args, lambda: service, Settings()) == 0
    assert out.is_file() and service.previews_done >= 1


def test_a_recognizer_with_the_latin_alphabet_selects_its_preset(tab, qtbot, window):
    from ocr_core.alphabet import LATIN_ALPHABET

    save_fake_model("latin", "recognizer", alphabet=LATIN_ALPHABET, input_spec={"height": 32, "width": 128,
                                                                              "channels": 1})
    window.training.models.refresh()
    combo = tab.run_form.init_recognizer
    qtbot.waitUntil(lambda: combo.findData("latin") >= 0, timeout=5000)
    combo.setCurrentIndex(combo.findData("latin"))
    # the model's alphabet holds a space; the preset, like every preset, lists only characters to draw
    assert tab.synth.preset.currentText() == "Western European letters, digits, punctuation"
    assert "é" in tab.synth.alphabet.text() and "€" in tab.synth.alphabet.text()


def test_the_preview_pages_are_square_as_the_detector_trains_on_them(tab):
    form = tab.synth
    form.width_box.setValue(512)
    assert form.height_box.value() == 512 and not form.height_box.isEnabled()
    settings = form.preview_settings("pages", 1)
    assert (settings.width, settings.height) == (512, 512)
