"""The open images, the page under edit, and keeping the user's work on disk.

Annotations go through :class:`ocr_core.project.AnnotationStore`: saved atomically next to the
images (or in a project folder), autosaved shortly after every edit, recovered after a crash, and
a malformed annotation file is reported and never overwritten. Moving to another image saves
the current one when it has unsaved changes. Recognition results of other images are written on the
I/O thread (:meth:`Session.save_result`), so the GUI thread never waits for the disk during a batch.

>>> session = Session(model, stack, settings)   # doctest: +SKIP
>>> session.open(["/data/scans"])                # doctest: +SKIP
>>> session.next_image(+1)                       # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage, QImageReader, QUndoStack

from app.commands import ReplacePage
from app.document_model import DocumentModel
from app.settings import Settings
from app.workers import Job, JobRunner
from ocr_core.document import Page
from ocr_core.errors import AnnotationFormatError, OcrError
from ocr_core.folder_lock import FolderLocks, LockHolder
from ocr_core.hand_made import keep_hand_made
from ocr_core.imageio import MAX_PIXELS, SUPPORTED_SUFFIXES, max_pixels, page_count
from ocr_core.paths import resources_dir
from ocr_core.project import AnnotationStore, default_project_dir, list_images

__all__ = ["Session", "collect_images"]


def collect_images(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Image files named by ``paths`` (files, or folders whose images are listed), without duplicates."""
    images: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            images.extend(p for p in list_images(path) if p.suffix.lower() in SUPPORTED_SUFFIXES)
        elif path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES:
            images.append(path)
    return list(dict.fromkeys(Path(os.path.abspath(p)) for p in images))


class Session(QObject):
    """Images of the session, the current one, and its annotation file."""

    imagesChanged = Signal(list)  # [str]
    currentChanged = Signal(int, str)  # row, path
    imageShown = Signal(object)  # QImage | None
    doneChanged = Signal(str, bool)  # path, done
    unsavedChanged = Signal(str, bool)  # path, its autosave holds edits never saved (a crash, a failed save)
    message = Signal(str)  # a transient status message
    problem = Signal(str)  # a persistent warning about the current image ("" clears it)

    def __init__(self, model: DocumentModel, stack: QUndoStack, settings: Settings,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.stack = stack
        self.settings = settings
        self.images: list[Path] = []
        self.index = -1
        #: Pages of the file on screen (more than 1: a multi-page TIFF or a PDF, of which page 1 is shown).
        self.current_page_count = 1
        self.root: Path | None = None
        self.store: AnnotationStore | None = None
        self._locks: FolderLocks | None = None  # this window's claim on the folders its annotations are saved in
        #: Who edits this folder in another window, when it was opened read-only because of that (else ``None``).
        self.locked_by: LockHolder | None = None
        self.done: dict[str, bool] = {}
        self._io = JobRunner("ocr-io", self)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(settings.autosave_ms)
        self._autosave.timeout.connect(self.autosave_now)
        self._disk_lock = threading.Lock()  # the I/O thread's autosave vs. a save on the GUI thread
        self._generation = 0  # bumped by every save: queued autosaves of older states are skipped
        self._autosave_pending = False  # an autosave of the image on screen was written or queued since it was clean
        self._scan = 0  # the background read of the folder's done marks now wanted (older ones are dropped)
        self._marked_since_scan: set[str] = set()  # done marks set since it started: newer than what it read
        self._user_writes: dict[str, int] = {}  # per image: saves of the user's work, imports included (work_stamp)
        self._imports: dict[str, int] = {}  # per image: imports (work_stamp)
        self._left_in_autosave: set[str] = set()  # images left with edits that only their autosave holds
        self._writes: Counter[str] = Counter()  # image path -> results queued for the I/O thread to save
        self._writes_done = threading.Condition()
        self.last_save_error = ""
        self.last_other_error = ""  # why the last save_other failed
        self._save_problem = False  # the banner shows a failed save (cleared by the next successful one)
        #: Show annotations, write nothing (``gui --screenshot``): leaving an image keeps nothing and needs nothing.
        self.read_only = False
        #: Asked ``(image name, reason)`` when edits that could be neither saved nor autosaved are about to be
        #: dropped (another image, other images opened); True discards them. The window asks the user.
        self.confirm_discard: Callable[[str, str], bool] = lambda _name, _reason: False
        #: Commits text being typed in the views (an undoable edit) before the page is saved or left; the window
        #: sets it (``Editor.commit_pending_text``): a toolbar button or a menu takes no focus from a text field.
        self.commit_pending_text: Callable[[], None] = lambda: None
        #: Asked ``(folder, holder)`` when another window edits the folder being opened: ``'read-only'`` (edits
        #: here cannot be saved), ``'anyway'`` (take it over) or ``'cancel'``. The window asks the user.
        self.confirm_folder_in_use: Callable[[str, str], str] = lambda _folder, _holder: "read-only"
        stack.indexChanged.connect(lambda _i: self._autosave.start())

    # -- state --------------------------------------------------------------------------------
    @property
    def current_path(self) -> Path | None:
        return self.images[self.index] if 0 <= self.index < len(self.images) else None

    @property
    def is_modified(self) -> bool:
        return not self.stack.isClean()

    @property
    def is_blocked(self) -> bool:
        """True when the current image's annotation file is malformed (saving is refused)."""
        path = self.current_path
        return bool(path and self.store and self.store.is_blocked(path))

    @property
    def io_busy(self) -> bool:
        return self._io.is_busy

    def make_store(self, root: Path) -> AnnotationStore:
        """Sidecars next to the images, or the project folder of the settings; the bundled sample
        images keep their annotations in a per-user project folder, never inside the package."""
        project: str | Path | None = self.settings.project_dir or None
        if project is None and root.resolve().is_relative_to(resources_dir().resolve()):
            project = default_project_dir(root)
        return AnnotationStore(root, project_dir=project, read_only=self.read_only)

    # -- opening ------------------------------------------------------------------------------
    def open(self, paths: Sequence[str | os.PathLike[str]]) -> bool:
        """Open images and/or folders; show the first image. False if none was found."""
        images = collect_images(paths)
        pdfs = [Path(p).name for p in paths if Path(p).suffix.lower() == ".pdf" and Path(p).is_file()]
        if pdfs:  # documents, not images: the window opens their pages once split (File > Split into Pages)
            self.message.emit(f"{', '.join(pdfs)}: a PDF opens here as one image per page; split it with File > "
                              "Split into Pages (or 'ocr-studio split'), or read it with 'ocr-studio recognize'")
        if not images:
            if not pdfs:
                self.message.emit("No images found in " + ", ".join(str(p) for p in paths))
            return False
        if not self.release_current():
            return False
        folders = {p.parent for p in images}
        root = Path(os.path.commonpath([str(f) for f in folders]))
        store = self.make_store(root)
        claimed = self._claim(store, images)
        if claimed is None:
            return False
        locks, holder = claimed
        if self._locks is not None:
            self._locks.release(keep=locks)
        self._locks, self.locked_by = locks, holder
        if holder is not None:
            store.read_only = True
        self.images = images
        self.root = root
        self.store = store
        self.done = {str(p): False for p in images}
        self.index = -1
        for raw in paths:
            self.settings.add_recent(str(Path(raw).expanduser().resolve()))
        self.imagesChanged.emit([str(p) for p in images])
        self._scan_done_marks()
        self.go_to(0)
        return True

    def _claim(self, store: AnnotationStore, images: Sequence[Path]
               ) -> tuple[FolderLocks | None, LockHolder | None] | None:
        """``(locks taken, None)`` for the folders ``store`` saves the annotations of ``images`` into (the project
        folder, or each image's folder), or ``(None, holder)`` when another window holds one of them and the user
        chose to open read-only; ``None`` when the user cancelled."""
        if self.read_only:
            return None, None
        locks = FolderLocks([store.project_dir] if store.project_dir else {p.parent for p in images})
        holder = locks.acquire(keep=self._locks)  # the folders this window holds already stay its own
        if holder is None:
            return locks, None
        choice = self.confirm_folder_in_use(str(store.root), holder.describe())
        if choice == "cancel":
            return None
        if choice == "anyway":
            locks.acquire(force=True, keep=self._locks)
            return locks, None
        return None, holder

    def _scan_done_marks(self) -> None:
        """Read done marks in the background (a second store instance: no shared state)."""
        assert self.root is not None
        scanner = self.make_store(self.root)
        images = list(self.images)
        self._scan += 1
        self._marked_since_scan.clear()
        scan = self._scan
        def read(_ctx: object) -> tuple[dict[Path, bool], list[Path]]:
            unsaved = []
            for image in images:  # edits a crash left in an autosave: marked in the list until they are saved
                with contextlib.suppress(OSError, ValueError, AnnotationFormatError):
                    if scanner.autosave_path(image).exists() and scanner.recover(image, older_too=True) is not None:
                        unsaved.append(image)
            return scanner.checked_images(list(images)), unsaved

        job = self._io.submit("read done marks", read)
        job.succeeded.connect(lambda found: self._on_done_marks(found[0], scan, found[1]))

    def _on_done_marks(self, marks: dict[Path, bool], scan: int, unsaved: Sequence[Path] = ()) -> None:
        if scan != self._scan:  # another folder was opened meanwhile
            return
        for path in unsaved if self.locked_by is None else ():  # read-only: the other window's autosaves
            if path != self.current_path and self.store is not None:
                with contextlib.suppress(OSError, ValueError, AnnotationFormatError):
                    if self.store.recover(path, older_too=True) is not None:  # not saved since the scan looked
                        self.unsavedChanged.emit(str(path), True)
        for path, done in marks.items():
            key = str(path)
            if key in self.done and key != str(self.current_path) and key not in self._marked_since_scan:
                self.done[key] = bool(done)
                self.doneChanged.emit(key, bool(done))

    def go_to(self, index: int) -> bool:
        """Show image ``index`` (saving the current one first if it has changes)."""
        if not 0 <= index < len(self.images) or index == self.index:
            return False
        if not self.release_current():
            return False
        self.index = index
        path = self.images[index]
        image, why = read_qimage(path)
        width, height = (image.width(), image.height()) if image is not None else (0, 0)
        page, problem = self._load_page(path, width, height)
        if self.locked_by is not None:
            problem = "\n".join(filter(None, [
                f"Read-only: this folder is being edited in another OCR Studio window ({self.locked_by.describe()}). "
                "Edits made here cannot be saved; close the other window, then open the folder again to edit it.",
                problem]))
        if image is None:
            problem = "\n".join(filter(None, [
                f"Cannot show the image {path}: {why}. Its annotation is kept as it is; drawing is off until the "
                "image can be read.", problem]))
        self.current_page_count = page_count(path) if image is not None else 1
        if self.current_page_count > 1:
            problem = "\n".join(filter(None, [
                f"{path.name} holds {self.current_page_count} pages: only the first is shown, recognized and "
                "annotated here. Split it into one image per page (File > Split into Pages) to work on them all.",
                problem]))
        self.model.set_page(page)
        self.stack.clear()
        self._save_problem = False
        self.problem.emit(problem)
        self.currentChanged.emit(index, str(path))
        self.imageShown.emit(image)
        self._autosave_pending = False  # the autosave flag is of the image on screen
        self._recover(path)
        return True

    def next_image(self, step: int = 1) -> bool:
        if not self.images:
            return False
        return self.go_to(min(max(self.index + step, 0), len(self.images) - 1))

    def next_unchecked(self) -> bool:
        """Go to the next image without a done mark (wrapping around)."""
        n = len(self.images)
        for k in range(1, n):
            i = (self.index + k) % n
            if not self.done.get(str(self.images[i])):
                return self.go_to(i)
        return False

    def _load_page(self, path: Path, width: int, height: int) -> tuple[Page, str]:
        empty = Page(width=width, height=height, image_path=str(path))
        assert self.store is not None
        self.wait_for_writes(path)
        try:
            page = self.store.load(path)
        except AnnotationFormatError as exc:
            return empty, (f"{exc}\nIt will not be overwritten: fix it and reopen the image, or set it aside "
                           "(renamed .broken-<time>) to save your edits. They are autosaved meanwhile.")
        except OSError as exc:
            return empty, f"Cannot read the annotation of {path.name}: {exc}"
        if page is None:
            return empty, ""
        page.image_path = str(path)
        if width and height:
            page.width, page.height = width, height
        self._set_done(str(path), page.checked)
        return page, ""

    def check_disk(self) -> bool:
        """When the window comes back to the front: if another program changed the annotation file of the image on
        screen, show its version (no edits here: nothing to lose), or warn that saving will keep it aside (edits
        here). True when something was found."""
        path, store = self.current_path, self.store
        if path is not None and store is not None and self.locked_by is None and self._locks is not None \
                and (holder := self._locks.taken_over()) is not None:  # another window chose to edit all the same
            self.locked_by, store.read_only = holder, True
            self._locks = None
            self.problem.emit(f"Read-only now: another OCR Studio window took this folder over "
                              f"({holder.describe()}). Edits made here cannot be saved.")
            return True
        if path is None or store is None or self.read_only or not store.changed_on_disk(path):
            return False
        sidecar = store.annotation_path(path)
        if self.is_modified:
            if self.locked_by is not None:
                return False  # read-only: these edits cannot be saved over it anyway
            self.problem.emit(f"{sidecar.name} was changed by another program since it was opened here. Saving your "
                              "edits keeps that version as .outside-<time> next to it.")
            return True
        image = self.model.page
        page, problem = self._load_page(path, image.width, image.height)
        self.model.set_page(page)
        self.stack.clear()
        self.problem.emit(problem)
        self.message.emit(f"Reloaded {path.name}: its annotation file was changed by another program"
                          if sidecar.exists() else f"{sidecar.name} was removed by another program")
        return True

    def _recover(self, path: Path) -> None:
        assert self.store is not None
        if self.locked_by is not None:  # read-only: an autosave here is the other window's work in progress
            return
        try:
            recovered = self.store.recover(path, older_too=True)
        except (AnnotationFormatError, OSError) as exc:
            self.message.emit(f"Unreadable autosave ignored: {exc}")
            return
        if recovered is not None:
            recovered.image_path = str(path)
            self.stack.push(ReplacePage(self.model, recovered, "Recover unsaved changes", keep_state=False))
            self._autosave_pending = True  # the autosave is the user's work until it is saved or undone
            older = self.store.autosave_is_older(path)
            self.message.emit(f"Recovered unsaved changes of {path.name} from the autosave (Ctrl+Z reverts"
                              + ("; the saved file was changed after it: check which you want)" if older else ")"))

    # -- saving -------------------------------------------------------------------------------
    def save(self) -> bool:
        """Save the current page atomically; False (and a message) when it cannot be saved."""
        self.commit_pending_text()
        path = self.current_path
        if path is None or self.store is None:
            return False
        page = self.model.page
        page.image_path = str(path)
        try:
            with self._disk_lock:
                self.store.save(page)
                outside = self.store.last_outside_copy  # read before the I/O thread can save again
                self._generation += 1  # a queued autosave of the saved state is obsolete now
                self._autosave_pending = False  # the save removed the autosave
        except (AnnotationFormatError, OcrError, OSError) as exc:
            self.last_save_error = str(exc) if self.locked_by is None else (
                f"the folder is open read-only: another OCR Studio window is editing it ({self.locked_by.describe()})")
            self._save_problem = True
            self.problem.emit(f"Not saved: {self.last_save_error}")
            return False
        self.last_save_error = ""
        if self._save_problem:  # the warning about the failed save is out of date now
            self._save_problem = False
            self.problem.emit("")
        self._autosave.stop()
        self.stack.setClean()
        self._note_user_write(path)
        self._set_done(str(path), page.checked)
        saved = self.store.annotation_path(path)
        where = "" if saved.parent == path.parent else f" in {saved.parent}"  # a project folder
        if outside is not None:
            self.message.emit(f"Saved {saved.name}{where}. It had been changed by another program: that version "
                              f"is kept as {outside.name}")
        else:
            self.message.emit(f"Saved {saved.name}{where}")
        return True

    def autosave_now(self, *, wait: bool = False) -> bool:
        """Write the unsaved edits to the autosave file (or drop it when there are none).

        The write runs on the I/O thread unless ``wait``; a save that happens meanwhile makes it a no-op.
        With ``wait``, returns whether the edits are on disk now (False: the write failed).
        """
        path, store = self.current_path, self.store
        if path is None or store is None or self.read_only or self.locked_by is not None:
            return False  # read-only because another window edits the folder: its autosaves are not touched
        if not self.is_modified:
            with self._disk_lock, contextlib.suppress(OSError):  # a stale autosave only offers saved edits
                self._generation += 1  # under the lock: a queued write of older edits sees it before writing
                store.discard_autosave(path)
                self._autosave_pending = False
            self.unsavedChanged.emit(str(path), False)
            return True
        self._autosave_pending = True
        page = self.model.page.copy()
        page.image_path = str(path)
        generation = self._generation

        def write(_ctx: object = None) -> None:
            with self._disk_lock:
                if generation == self._generation:
                    store.autosave(page)
                    if wait:  # autosaves still queued hold older edits: they must not overwrite these
                        self._generation += 1

        if wait:
            try:
                write()
            except (OcrError, OSError) as exc:
                self.message.emit(f"Autosave failed: {exc}")
                return False
            return True
        job = self._io.submit("autosave", write)
        job.failed.connect(lambda exc: self.message.emit(f"Autosave failed: {exc}"))
        return False

    def leave_current(self) -> bool:
        """Save the current image if it has changes (keeping an autosave if saving fails).

        True when its edits are on disk: saved, or at least autosaved (they come back when the image is
        reopened). False when neither could be written: the edits exist only on screen.
        """
        path = self.current_path
        if path is None or not self.is_modified or self.read_only:
            self._autosave.stop()
            if path is not None and self._autosave_pending and not self.read_only:
                self.autosave_now()  # edits undone: an autosave of them written or queued is dropped
            return True
        kept = self.autosave_now(wait=True)
        if self.save():
            return True
        self._autosave.stop()
        if kept:
            self._left_in_autosave.add(str(path))
            self.unsavedChanged.emit(str(path), True)
            self.message.emit(f"{path.name} could not be saved ({self.last_save_error}); its edits are in the "
                              "autosave and come back when you reopen it")
        return kept

    def release_current(self) -> bool:
        """Before the current image is replaced: keep its edits on disk, or have the user agree to lose them.

        False (the image stays, with its edits and a warning) when they cannot be written and the user keeps them.
        """
        self.commit_pending_text()
        if self.leave_current():
            return True
        path = self.current_path
        assert path is not None
        reason = self.last_save_error or "the disk refused the write"
        if self.confirm_discard(path.name, reason):
            self.stack.setClean()  # dropped by the user's choice, with any older autosave of them
            if self.store is not None:
                with contextlib.suppress(OSError):
                    self.store.discard_autosave(path)
            self.unsavedChanged.emit(str(path), False)
            return True
        self._save_problem = True
        self.problem.emit(f"Not saved: {reason}. Your edits to {path.name} are still here: fix the folder's "
                          "permissions or free some space and save again (Ctrl+S), or export them (File > Export).")
        return False

    def left_in_autosave(self) -> list[Path]:
        """Images (other than the one on screen) left with edits that could not be saved and that only their
        autosave holds: exports and training do not see those edits."""
        store, current = self.store, self.current_path
        if store is None:
            return []
        found = []
        for key in sorted(self._left_in_autosave):
            path = Path(key)
            with contextlib.suppress(OSError, ValueError):
                if path != current and path in self.images and store.autosave_path(path).exists():
                    found.append(path)
        return found

    def save_other(self, page: Page) -> bool:
        """Save a page of another image of the session now (import)."""
        if self.store is None or not page.image_path:
            return False
        self.wait_for_writes(page.image_path)  # a queued result must not land over this page afterwards
        try:
            try:
                autosaved = self.store.recover(page.image_path)
            except AnnotationFormatError:
                autosaved = None
            if autosaved is not None:  # edits never saved (a crash): they become the .bak of what replaces them
                self.store.save(autosaved)
            self.store.save(page)
        except (AnnotationFormatError, OcrError, OSError) as exc:
            self.last_other_error = str(exc)
            self.message.emit(f"Not saved: {exc}")
            return False
        self.note_import(page.image_path)
        self._set_done(str(page.image_path), page.checked)
        return True

    def work_stamp(self, path: str | os.PathLike[str]) -> tuple[int, int]:
        """``(saves, imports)`` of the user's work on an image this session (saves count imports too). A job
        remembers it when it starts: a result for another image that finds the saves changed, or for the image on
        screen that finds an import, would overwrite work done meanwhile (ADR 0023)."""
        return self._user_writes.get(str(path), 0), self._imports.get(str(path), 0)

    def note_import(self, path: str | os.PathLike[str]) -> None:
        """An import replaced an image's page (saved, or on screen as an undoable step)."""
        self._imports[str(path)] = self._imports.get(str(path), 0) + 1
        self._note_user_write(path)

    def _note_user_write(self, path: str | os.PathLike[str]) -> None:
        self._user_writes[str(path)] = self._user_writes.get(str(path), 0) + 1
        self._left_in_autosave.discard(str(path))
        self.unsavedChanged.emit(str(path), False)  # saved: the autosave is gone

    def set_aside_current(self) -> Path | None:
        """Rename the current image's malformed annotation file (``.broken-<time>``) so the edits can be saved."""
        path = self.current_path
        if path is None or self.store is None:
            return None
        try:
            moved = self.store.set_aside(path)
        except (OcrError, OSError) as exc:
            self.problem.emit(f"Cannot move the annotation file aside: {exc}")
            return None
        self.problem.emit("")
        if self.is_modified:
            self.save()
        self.message.emit(f"Moved the malformed annotation to {moved.name if moved else '(nothing to move)'}")
        return moved

    def next_to_review(self, threshold: float) -> bool:
        """Go to the next image (wrapping, done ones skipped) whose saved annotation has a word the model read with
        confidence below ``threshold`` that nobody has corrected; ``False`` (staying) when there is none."""
        n = len(self.images)
        if self.store is None or n < 2:
            return False
        for k in range(1, n):
            i = (self.index + k) % n
            path = self.images[i]
            if self.done.get(str(path)):
                continue
            self.wait_for_writes(path)
            try:
                if self.store.is_checked(path):  # done, though the background scan of done marks is not over
                    continue
                lowest = self.store.lowest_confidence(path)  # from the folder's index while it is current
            except (AnnotationFormatError, OSError):
                continue
            if lowest is not None and lowest < threshold:
                return self.go_to(i)
        return False

    def has_boxes(self, path: Path) -> bool:
        """Whether an image has boxes to lose: the page on screen, the saved annotation, or edits autosaved but
        never saved (a crash); an unreadable file counts, since it is somebody's work."""
        if path == self.current_path:
            return bool(self.model.page.words)
        if self.store is None:
            return False
        self.wait_for_writes(path)
        try:
            if self.store.word_count(path):  # from the folder's index while it is current
                return True
            if not self.store.autosave_path(path).exists():
                return False
            autosaved = self.store.recover(path)
        except (AnnotationFormatError, OSError):
            return True
        return bool(autosaved and autosaved.words)

    def load_other(self, path: Path) -> Page | None:
        """The saved page of another image (``None`` if none; raises AnnotationFormatError)."""
        if self.store is None:
            return None
        self.wait_for_writes(path)
        return self.store.load(path)

    def load_latest(self, path: Path) -> tuple[Page | None, bool]:
        """Another image's page as the user left it: its autosave when that holds edits never saved (a failed save,
        a crash), else the saved page. ``(page, from the autosave)``; raises AnnotationFormatError."""
        if self.store is None:
            return None, False
        self.wait_for_writes(path)
        try:
            autosaved = self.store.recover(path)
        except (AnnotationFormatError, OSError):
            autosaved = None
        if autosaved is not None:
            autosaved.image_path = str(path)
            return autosaved, True
        return self.store.load(path), False

    def autosaved_only(self) -> list[Path]:
        """Images other than the one on screen whose autosave holds edits never saved (left after a failed save, or
        from a crash): what was saved of them is older than what the user last saw."""
        store, current = self.store, self.current_path
        if store is None:
            return []
        found = []
        for path in self.images:
            if path == current:
                continue
            with contextlib.suppress(OSError, ValueError, AnnotationFormatError):
                if store.autosave_path(path).exists() and store.recover(path) is not None:
                    found.append(path)
        return found

    def save_result(self, page: Page, on_error: Callable[[str], None] | None = None) -> Job | None:
        """Save a recognition result for another image (``page.image_path``) on the I/O thread.

        The page keeps the id and extra data of the image's saved annotation, and its hand-made words
        (:func:`~ocr_core.hand_made.keep_hand_made`); a malformed one is not overwritten.
        Failures reach ``on_error`` (default: :attr:`message`) as "Not saved: ..."; on success the done mark is
        updated. The page is handed over: the caller must not change it afterwards. Whatever reads or writes that
        image's annotation later on the GUI thread (:meth:`go_to`, :meth:`load_other`, :meth:`save_other`,
        :meth:`shutdown`) first waits for the write. Returns the job (``None`` when it ran at once, after
        :meth:`shutdown`, or there is nothing to save to).
        """
        store = self.store
        if store is None or not page.image_path or self.read_only:
            return None
        key = str(page.image_path)
        report = on_error or self.message.emit

        def write(_ctx: object = None) -> bool:
            try:
                with self._disk_lock:
                    existing = store.load(key)  # AnnotationFormatError: not saved, the file is kept as it is
                    if existing is not None and existing.checked:  # done meanwhile (or the caller's marks were
                        return True  # stale): a done image is never re-read behind the user's back
                    try:  # edits autosaved but never saved (a crash) count as the user's work too
                        autosaved = store.recover(key)
                    except AnnotationFormatError:
                        autosaved = None
                    if autosaved is not None:  # saved first: the .bak of the result holds them, deletions too
                        store.save(autosaved)
                        existing = autosaved
                        if autosaved.checked:
                            return True
                    merged = keep_hand_made(existing, page)
                    if existing is not None:
                        merged.id, merged.extra = existing.id, {**existing.extra, **page.extra}
                    store.save(merged)
                    return merged.checked
            finally:
                with self._writes_done:
                    self._writes[key] -= 1
                    if self._writes[key] <= 0:
                        del self._writes[key]
                    self._writes_done.notify_all()

        with self._writes_done:
            self._writes[key] += 1
        if self._io.closed:  # closing: write now rather than drop the result
            try:
                checked = write()
            except (OcrError, OSError) as exc:
                report(f"Not saved: {exc}")
            else:
                self._set_done(key, checked)
            return None
        # must_run: readers of this image wait for the write, so a cancel before it starts must not skip it.
        job = self._io.submit(f"save {Path(key).name}", write, must_run=True)
        job.succeeded.connect(lambda checked: self._set_done(key, bool(checked)))
        job.succeeded.connect(lambda _checked: self.unsavedChanged.emit(key, False))  # saved over the autosave
        job.failed.connect(lambda exc: report(f"Not saved: {exc}"))
        return job

    def wait_for_writes(self, path: str | os.PathLike[str] | None = None) -> None:
        """Block until the results queued by :meth:`save_result` for ``path`` (``None``: for every image) are on
        disk. Writes take milliseconds; reading an image's annotation before them would show stale boxes."""
        key = None if path is None else str(path)
        with self._writes_done:
            self._writes_done.wait_for(lambda: not (self._writes if key is None else self._writes.get(key)))

    def _set_done(self, path: str, done: bool) -> None:
        self._marked_since_scan.add(path)
        if path in self.done and self.done[path] != done:
            self.done[path] = done
            self.doneChanged.emit(path, done)
        elif path in self.done:
            self.done[path] = done

    def shutdown(self) -> None:
        self.leave_current()
        self.wait_for_writes()  # recognition results queued for the I/O thread are saved, not cancelled
        if self.store is not None:
            with self._disk_lock:
                self.store.flush()
        if self._locks is not None:
            self._locks.release()
        self._io.shutdown(wait=False)


def display_allocation_limit_mb() -> int:
    """Qt's image allocation limit (MB) that lets the window show every image the engine reads: 8 bytes per
    pixel (16-bit RGBA) up to :func:`~ocr_core.imageio.max_pixels`. Qt's default, 256 MB, stops at ~64 MP."""
    try:
        pixels = max_pixels()
    except OcrError:  # a bad $OCR_STUDIO_MAX_PIXELS is reported by the engine; show what the default allows
        pixels = MAX_PIXELS
    return max(256, math.ceil(pixels * 8 / 2**20))


def read_qimage(path: Path) -> tuple[QImage | None, str]:
    """The image for display, or ``None`` and Qt's reason."""
    QImageReader.setAllocationLimit(display_allocation_limit_mb())
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    image = reader.read()
    return (None, reader.errorString() or "unknown error") if image.isNull() else (image, "")


def _read_qimage(path: Path) -> QImage | None:
    return read_qimage(path)[0]
