"""The main window: builds the models, controllers and widgets and wires them together.

>>> window = MainWindow(settings, service_factory)   # doctest: +SKIP
>>> window.open_paths(["/data/scans"])               # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QImage, QUndoStack
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from app import dialogs
from app.actions import ShortcutGuard
from app.box_lock import BoxLock
from app.document_model import DocumentModel
from app.editor import Editor
from app.menus import build_actions, build_menus
from app.page_splitting import PageSplitter, multi_page_files
from app.recognition import RecognitionController
from app.review import ReviewQueue
from app.selection import SelectionModel
from app.session import Session
from app.settings import Settings
from app.training_controller import TrainingController
from app.transfer import Transfer
from app.widgets.annotate_page import AnnotatePage
from app.widgets.status import EngineIndicator, JobProgress, Legend
from app.widgets.theme import ConfidenceScale, icon
from app.widgets.train_tab import TrainTab
from app.workers import EngineWorker, ServiceFactory, ThumbnailLoader, default_service_factory

__all__ = ["MainWindow", "APP_TITLE"]

APP_TITLE = "OCR Studio"


class MainWindow(QMainWindow):
    """Tabs "Annotate" and "Train", menus, status bar; engine models load in the background."""

    def __init__(self, settings: Settings | None = None, service_factory: ServiceFactory | None = None,
                 *, load_models: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or Settings()
        self.scale = ConfidenceScale(self.settings.low_confidence, self.settings.high_confidence)
        self.model = DocumentModel(parent=self)
        self.selection = SelectionModel(self.model, self)
        self.stack = QUndoStack(self)
        self.editor = Editor(self.model, self.selection, self.stack, self)
        self.session = Session(self.model, self.stack, self.settings, self)
        self.session.commit_pending_text = self.editor.commit_pending_text
        factory = service_factory or default_service_factory(self.settings.detector, self.settings.recognizer)
        self.engine = EngineWorker(factory, self)
        self.recognition = RecognitionController(self.engine, self.session, self.editor, self)
        self.transfer = Transfer(self.session, self.editor, self)
        self.review = ReviewQueue(self.session, self.model, self.selection, lambda: self.scale.high,
                                  lambda text: self.show_message(text), self)
        self.thumbnails = ThumbnailLoader(parent=self)
        self.splitter = PageSplitter(self)
        # questions that guard the user's work (module functions, so tests can replace them)
        self.session.confirm_discard = lambda name, reason: dialogs.ask_discard_unsaved(self, name, reason)
        self.session.confirm_folder_in_use = lambda folder, holder: dialogs.ask_folder_in_use(self, folder, holder)
        self.recognition.confirm_replace = lambda action, names, total: dialogs.ask_replace_annotated(
            self, action, names, total, keeps_hand_made=True)
        self.transfer.confirm_replace = lambda action, names, total: dialogs.ask_replace_annotated(
            self, action, names, total)
        self.transfer.confirm_overwrite = lambda folder, names: dialogs.ask_overwrite_files(self, folder, names)

        self.box_lock = BoxLock(self.editor, self.session, self.recognition.rerecognize_all, self.show_message, self)
        self.page = AnnotatePage(self.model, self.selection, self.scale)
        self.page.canvas.set_show_labels(self.settings.show_labels)
        self.page.canvas.set_show_numbers(self.settings.show_numbers)
        self.train_tab = TrainTab()
        self.training = TrainingController(self.engine, self.session, self.editor, self.settings, self.train_tab, self)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.page, icon("text"), "Annotate")
        self.tabs.addTab(self.train_tab, icon("train"), "Train")
        self.setCentralWidget(self.tabs)

        self.engine_status = EngineIndicator()
        self.job_progress = JobProgress()
        self.zoom_label = QLabel("100%")
        self.legend = Legend(self.scale)
        status = self.statusBar()  # messages on the left; permanent widgets (never hidden) on the right
        for widget in (self.job_progress, self.engine_status, self.legend, self.zoom_label):
            status.addPermanentWidget(widget)

        self.action_set = build_actions(self)
        self.recent_menu = build_menus(self, self.action_set)
        self.set_use_dictionary(self.settings.use_dictionary)
        self.guard = ShortcutGuard(self.action_set.shortcuts(), self)
        self._connect()
        self._update_recent_menu()
        self._update_title()
        self._update_enabled()
        self.setAcceptDrops(True)
        self.resize(1440, 900)
        geometry, state = self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.page.restoreState(state)
        if load_models:
            QTimer.singleShot(0, self.engine.load)

    # -- wiring -------------------------------------------------------------------------------
    def _connect(self) -> None:
        canvas, files, words = self.page.canvas, self.page.file_list, self.page.word_list
        ed, ses, rec = self.editor, self.session, self.recognition
        canvas.moveRequested.connect(lambda ids, dx, dy: ed.move_words(ids, dx, dy))
        canvas.vertexMoveRequested.connect(lambda wid, i, x, y: ed.move_vertex(wid, i, x, y))
        canvas.nudgeRequested.connect(ed.nudge)
        ed.refused.connect(self.show_message)
        canvas.boxDrawn.connect(self._on_box_drawn)
        canvas.textCommitted.connect(ed.set_text)
        canvas.zoomChanged.connect(lambda z: self.zoom_label.setText(f"{z:.0%}"))
        canvas.modeChanged.connect(self._on_mode)
        words.table_model.textEdited.connect(ed.set_text)
        ed.pendingTextWanted.connect(canvas.commit_text_edit)
        ed.pendingTextWanted.connect(words.commit_text_edit)
        words.table_model.ignoreToggled.connect(lambda wid, flag: ed.set_ignore([wid], flag))

        ses.imagesChanged.connect(lambda paths: files.set_images(paths, [ses.done.get(p, False) for p in paths]))
        ses.currentChanged.connect(lambda row, _path: files.set_current(row))
        ses.currentChanged.connect(self._update_title)
        ses.imageShown.connect(self._on_image)
        ses.imageShown.connect(self.box_lock.image_shown)
        self.box_lock.lockedChanged.connect(self._show_box_lock)
        self.box_lock.lockedChanged.connect(self._update_lock_enabled)
        ses.doneChanged.connect(files.set_done)
        ses.unsavedChanged.connect(files.set_unsaved)
        ses.message.connect(self.show_message)
        ses.problem.connect(self._show_problem)
        self.page.banner_button.clicked.connect(self._banner_action)
        self.splitter.progress.connect(self._split_progress)
        self.splitter.message.connect(lambda text: self.show_message(text, 15000))
        self.splitter.ready.connect(self._open_split_pages)
        self.splitter.busyChanged.connect(self._update_enabled)
        files.activated.connect(self._go_to)
        files.thumbnailsWanted.connect(self._request_thumbnails)
        self.thumbnails.loaded.connect(files.set_thumbnail)

        self.stack.cleanChanged.connect(self._update_title)
        self.stack.indexChanged.connect(self._update_title)
        self.selection.changed.connect(self._update_enabled)
        self.model.pageReset.connect(self._update_enabled)
        self.model.wordsAdded.connect(self._update_lock_enabled)
        self.model.wordsRemoved.connect(self._update_lock_enabled)

        self.engine.stateChanged.connect(self.engine_status.set_state)
        rec.progress.connect(self.job_progress.set_progress)
        rec.message.connect(self.show_message)
        rec.busyChanged.connect(self._update_enabled)
        rec.batchFinished.connect(self._batch_finished)
        self.job_progress.cancelRequested.connect(self._cancel_job)
        self.transfer.message.connect(self.show_message)
        self.tabs.currentChanged.connect(lambda i: self.training.set_active(self.tabs.widget(i) is self.train_tab))
        self.tabs.currentChanged.connect(self._update_enabled)
        self.training.message.connect(self.show_message)
        self.training.models.showWordRequested.connect(self.show_word)

    def _go_to(self, row: int) -> None:
        """An image picked in the list; when the switch is refused (edits that cannot be saved), the list goes
        back to the image still shown."""
        if not self.session.go_to(row):
            self.page.file_list.set_current(self.session.index)

    def _request_thumbnails(self, paths: list[str]) -> None:
        for path in paths:
            self.thumbnails.request(path)

    def _on_image(self, image: QImage | None) -> None:
        self.page.canvas.set_image(image, unreadable=image is None and self.session.current_path is not None)
        self._update_enabled()

    def _on_box_drawn(self, quad: object) -> None:
        word_id = self.editor.add_box(quad)
        if word_id is None:
            self.show_message("No box added: its corners must enclose an area (at least 2 pixels across)")
            return
        self.page.canvas.edit_text(word_id)

    def _on_mode(self, mode: str) -> None:
        hints = {"rect": "Drag a rectangle on the image (Esc cancels)",
                 "quad": "Click the four corners of the box (Esc cancels)"}
        if mode in hints:
            self.show_message(hints[mode])

    def _update_title(self, *_: object) -> None:
        path = self.session.current_path
        name = f"{path.name} \u2014 " if path else ""
        position = f" ({self.session.index + 1}/{len(self.session.images)})" if path else ""
        self.setWindowTitle(f"{name}[*]{APP_TITLE}{position}")
        self.setWindowModified(not self.stack.isClean())

    def _update_enabled(self, *_: object) -> None:
        has_image = self.session.current_path is not None
        has_selection = len(self.selection) > 0
        for name in ("save", "recognize", "check", "rerecognize_all", "export"):
            self.action_set[name].setEnabled(has_image)
        for name in ("draw_rect", "draw_quad"):  # boxes are drawn on the picture: not on an unreadable one
            self.action_set[name].setEnabled(has_image and self.page.canvas.has_image())
        for name in ("delete", "duplicate", "illegible", "rotate_ccw", "rotate_cw", "rotate_ccw_big", "rotate_cw_big",
                     "rerecognize", "edit_text", "grow", "shrink", "earlier", "later"):
            self.action_set[name].setEnabled(has_selection)
        annotating = self.tabs.currentWidget() is self.page  # Ctrl+C / Ctrl+V mean text elsewhere
        self.action_set["copy_boxes"].setEnabled(has_selection and annotating)
        self.action_set["paste_boxes"].setEnabled(
            annotating and has_image and self.page.canvas.has_image() and self.editor.can_paste)
        self.action_set["recognize_folder"].setEnabled(len(self.session.images) > 1)
        self.action_set["cancel"].setEnabled(self.recognition.is_busy)
        self._update_lock_enabled()

    def _update_lock_enabled(self, *_: object) -> None:
        """Lock Boxes: while boxes are locked (to unlock), or on the Annotate tab when the page has boxes to lock."""
        annotating = self.tabs.currentWidget() is self.page
        self.action_set["lock_boxes"].setEnabled(self.box_lock.locked or (annotating and len(self.model) > 0))

    def _update_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_paths():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_paths([p]))
        self.recent_menu.setEnabled(bool(self.settings.recent_paths()))

    # -- commands -----------------------------------------------------------------------------
    def show_message(self, text: str, timeout_ms: int = 6000) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def open_paths(self, paths: Sequence[str | Path]) -> bool:
        """Open images and folders. PDFs and multi-page TIFFs among them: the user is asked whether to split them
        into one image per page first (in the background; the pages open when they are written)."""
        documents = multi_page_files(paths)
        if documents and not self.session.read_only and dialogs.ask_split_pages(self, [p.name for p in documents]):
            others = [str(p) for p in paths if Path(os.path.abspath(Path(p).expanduser())) not in documents]
            return self.splitter.split(documents, others) is not None
        return self._open_now(paths)

    def _open_now(self, paths: Sequence[str | Path]) -> bool:
        opened = self.session.open([str(p) for p in paths])
        if opened:
            self.settings.last_dir = str(self.session.root)
            self._update_recent_menu()
            self.tabs.setCurrentWidget(self.page)
        return opened

    def open_images_dialog(self) -> None:
        files = dialogs.ask_open_images(self, self.settings.last_dir)
        if files:
            self.open_paths(files)

    def split_documents_dialog(self) -> None:
        """File > Split into Pages: the multi-page file on screen, or documents the user picks."""
        current = self.session.current_path
        if current is not None and self.session.current_page_count > 1:
            self.splitter.split([current])
            return
        files = dialogs.ask_documents_to_split(self, str(self.session.root or self.settings.last_dir))
        if files:
            self.splitter.split([Path(f) for f in files])

    def _split_progress(self, done: int, total: int, message: str) -> None:
        if not self.recognition.is_busy:  # recognition's own progress has the status bar while it runs
            self.job_progress.set_progress(done, total, message)

    def _cancel_job(self) -> None:
        """The status bar's Cancel: the job it shows (splitting pages, or recognition)."""
        if self.splitter.is_busy:
            self.splitter.cancel()
        else:
            self.recognition.cancel()

    def _open_split_pages(self, paths: list[str]) -> None:
        if self.recognition.is_busy:  # opening now would drop the results still coming for the images open
            self.show_message(f"The pages are ready in {', '.join(paths)}: open them once recognition is done "
                              "(File > Open Folder)", 30000)
            return
        if self._open_now(paths) and self.session.current_path is not None:
            folder = self.session.current_path.parent
            self.show_message(f"Opened {len(self.session.images)} images of {folder.name}", 15000)

    def _batch_finished(self, read: int, failed: int, unsaved: int) -> None:
        text = f"Recognized {read} image{'s' if read != 1 else ''}" + (f", {failed} failed" if failed else "")
        if unsaved:
            text += (f"; {unsaved} result{'s' if unsaved != 1 else ''} could not be saved, their annotation files "
                     f"are as they were ({self.recognition.batch_save_error})")
        self.show_message(text, 30000 if unsaved else 6000)

    def _show_problem(self, text: str) -> None:
        action = ""
        if text and self.session.is_blocked:
            action = "Set the File Aside"
        elif text and self.session.current_page_count > 1:
            action = "Split into Pages"
        self.page.show_problem(text, action)

    def _banner_action(self) -> None:
        if self.session.is_blocked:
            self.session.set_aside_current()
        elif self.session.current_page_count > 1:
            self.split_documents_dialog()

    def open_folder_dialog(self) -> None:
        folder = dialogs.ask_open_folder(self, self.settings.last_dir)
        if folder:
            self.open_paths([folder])

    def save(self) -> bool:
        return self.session.save()

    def import_dialog(self) -> None:
        choice = dialogs.ask_import(self, str(self.session.root or self.settings.last_dir))
        if choice is not None:
            self.transfer.import_annotations(*choice)

    def export_dialog(self) -> None:
        choice = dialogs.ask_export(self, str(self.session.root or self.settings.last_dir))
        if choice is not None:
            self.transfer.export_annotations(*choice)

    def copy_boxes(self) -> None:
        """Ctrl+C: keep the selected boxes for Paste Boxes, and put their text on the clipboard."""
        selected = set(self.selection.ids())
        n = self.editor.copy_selected()
        if not n:
            return
        text = " ".join(w.text for w in self.model.words() if w.id in selected and w.text and not w.ignore)
        if text:  # boxes without text leave the clipboard as it was
            QGuiApplication.clipboard().setText(text)
        self.show_message(f"Copied {n} box{'es' if n != 1 else ''}{' (their text is on the clipboard)' if text else ''}"
                          "; Ctrl+V pastes the boxes on any image")
        self._update_enabled()

    def paste_boxes(self) -> None:
        """Ctrl+V: the copied boxes at the same place on this image (a form's fields on its next copy)."""
        source = self.editor.copied_from
        ids = self.editor.paste()
        if not ids:
            self.show_message("The copied boxes fall outside this image")
        elif source == self.model.page.image_path:
            self.show_message(f"Pasted {len(ids)} box{'es' if len(ids) != 1 else ''}")
        else:
            self.show_message(f"Pasted {len(ids)} box{'es' if len(ids) != 1 else ''} without text: Ctrl+R reads "
                              "them")

    def set_box_lock(self, locked: bool) -> None:
        """Edit > Lock Boxes onto Next Images: lock the selected boxes (or all the page's), or unlock."""
        if not locked:
            self.box_lock.unlock()
            self.show_message("Boxes unlocked")
            return
        n = self.box_lock.lock()
        if not n:
            self._show_box_lock(False)
            self.show_message("No boxes to lock: draw (or select) the form's boxes first")
            return
        self.show_message(f"Locked {n} box{'es' if n != 1 else ''}: each next image without boxes gets them, "
                          "and they are read")

    def _show_box_lock(self, locked: bool) -> None:
        action = self.action_set["lock_boxes"]
        action.blockSignals(True)  # the check mark follows the lock; no new lock or unlock from here
        action.setChecked(locked)
        action.blockSignals(False)

    def review_next(self) -> None:
        """F3: the next word the model is unsure of, on this page, then on the next images (:mod:`app.review`)."""
        self.review.next()

    def edit_current_text(self) -> None:
        if self.selection.current is not None:
            self.page.canvas.edit_text(self.selection.current)

    def check_image(self) -> None:
        """Space: toggle the done mark, save, and go on to the next image when marked done."""
        if self.session.current_path is None:
            return
        checked = not self.model.page.checked
        self.editor.set_checked(checked)
        if self.session.save() and checked:
            self.session.next_image(1)

    def set_keep_low_confidence(self, keep: bool) -> None:
        """Recognize > Keep Low-Confidence Boxes: remembered, and the engine keeps (or drops) those boxes from
        the next recognition on."""
        self.settings.keep_low_confidence = keep
        self.engine.set_min_confidence(0.0 if keep else None)

    def set_use_dictionary(self, use: bool) -> None:
        """Recognize > Use Dictionary: remembered, and the engine prefers dictionary words (or reads plainly)
        from the next recognition on."""
        self.settings.use_dictionary = use
        job = self.engine.set_lexicon("auto" if use else None)
        job.failed.connect(self._dictionary_failed)

    def _dictionary_failed(self, err: object) -> None:
        """The word lists could not be read: the engine reads plainly, and the menu says so (the setting is kept
        for the next start)."""
        action = self.action_set["use_dictionary"]
        action.blockSignals(True)
        action.setChecked(False)
        action.blockSignals(False)
        self.show_message(f"Reading without a dictionary: {err}", 0)

    def show_word(self, path: str, word_id: str) -> None:
        """Open ``path`` in the Annotate tab and select the word ``word_id`` (review list clicks)."""
        target = Path(path)
        if target not in self.session.images and not self.open_paths([target]):
            return
        self.tabs.setCurrentWidget(self.page)
        self.session.go_to(self.session.images.index(target))
        if self.model.has_word(word_id):
            self.selection.select([word_id])
            self.page.canvas.ensure_word_visible(word_id)

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{keys}</b></td><td>{text}</td></tr>"
                       for keys, text in self.action_set.shortcut_table())
        extra = ("<tr><td><b>Arrows / Shift+Arrows</b></td><td>Move boxes or the active corner 1 / 10 px</td></tr>"
                 "<tr><td><b>Ctrl+wheel</b></td><td>Zoom</td></tr>"
                 "<tr><td><b>Middle drag</b></td><td>Pan</td></tr>"
                 "<tr><td><b>Double-click, Enter</b></td><td>Edit a box's text in place</td></tr>")
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts",
                          f"<table cellspacing=4>{rows}{extra}</table>", parent=self)
        box.setModal(False)
        box.show()

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_TITLE}",
                          f"<b>{APP_TITLE}</b><br>Read text in images with CRAFT + CRNN, correct it, "
                          "and teach the models new text.")

    # -- idle state (screenshots, benchmarks) -------------------------------------------------
    def is_idle(self) -> bool:
        """True when no engine job, folder scan or visible thumbnail is pending."""
        return (not self.engine.is_busy and not self.recognition.is_busy and not self.session.io_busy
                and not self.splitter.is_busy
                and self.thumbnails.pending_count == 0 and not self.page.file_list.wanted_pending
                and self.training.is_idle)

    # -- Qt events ----------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths and self.open_paths(paths):
            event.acceptProposedAction()

    def _close_with_unsaved_edits(self) -> bool:
        """Before closing, save the current image. When that fails but the autosave holds the edits, they come back
        only when this folder is opened again (exports and training do not see them): the user decides, as for the
        images left earlier in that state. When even the autosave fails, :meth:`Session.release_current` asks next."""
        path, session = self.session.current_path, self.session
        others = [p.name for p in session.left_in_autosave()]
        if others and not dialogs.ask_close_with_autosaved_edits(self, dialogs.listed(others, 3),
                                                                 "they could not be saved when you left them"):
            return False
        if path is None or not session.is_modified or session.read_only or session.save():
            return True
        if not session.autosave_now(wait=True):
            return True
        return dialogs.ask_close_with_autosaved_edits(self, path.name, session.last_save_error)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.session.check_disk()  # another program may have changed the annotation on screen meanwhile

    def closeEvent(self, event: QCloseEvent) -> None:
        self.editor.commit_pending_text()  # the window's close button takes no focus from the text being typed
        if not self.training.confirm_close(self):  # a running training: stop it or wait for it first
            event.ignore()
            return
        if not self._close_with_unsaved_edits():
            event.ignore()
            return
        if not self.session.release_current():  # edits that cannot be written: the user stays with them
            event.ignore()
            return
        self.training.shutdown()
        self.session.shutdown()
        self.recognition.cancel()
        self.engine.shutdown(wait=False)
        self.thumbnails.shutdown()
        self.splitter.shutdown()
        self.settings.set_window_state(self.saveGeometry(), self.page.saveState())
        self.settings.show_labels = self.action_set["labels"].isChecked()
        self.settings.show_numbers = self.action_set["numbers"].isChecked()
        self.settings.sync()
        super().closeEvent(event)
