"""File > Import / Export: annotation formats of :mod:`ocr_core.formats` for the open images.

Export writes every annotated image of the session (the current page as edited, others as
saved). Import matches pages to the session's images by path, then by file name; the current
image gets an undoable page replacement, the others are saved. Images that have boxes are replaced only
when the user agrees, and never by a page without text boxes.

>>> transfer = Transfer(session, editor)                # doctest: +SKIP
>>> transfer.export_annotations("out/", "icdar2015")    # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.editor import Editor
from app.session import Session
from ocr_core.atomic import planning_writes
from ocr_core.document import Page
from ocr_core.errors import AnnotationFormatError, OcrError
from ocr_core.file_set import FileSetGuard
from ocr_core.formats import FORMATS, read_annotations, readable_formats, writable_formats, write_annotations
from ocr_core.imageio import image_size
from ocr_core.listing import listed

__all__ = ["Transfer", "export_choices", "import_choices"]


def _names(paths: list[Path], shown: int = 3) -> str:
    return listed((Path(p).name for p in dict.fromkeys(paths)), shown)


def export_choices() -> list[tuple[str, str]]:
    """``(format name, description)`` of the formats the GUI can export."""
    return [(name, FORMATS[name].description) for name in writable_formats()]


def import_choices() -> list[tuple[str, str]]:
    return [(name, FORMATS[name].description) for name in readable_formats()]


class Transfer(QObject):
    """Import and export for a :class:`Session`; errors become ``message`` text, never exceptions."""

    message = Signal(str)

    def __init__(self, session: Session, editor: Editor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.editor = editor
        #: Asked ``(action, names, total)`` before an import replaces images' boxes: ``'replace'``, ``'skip'``
        #: or ``'cancel'``. The window asks the user; without a window those images are skipped.
        self.confirm_replace: Callable[[str, list[str], int], str] = lambda _a, _n, _t: "skip"
        #: Asked ``(folder, names)`` when an export would write over files already there: True to replace them.
        #: The window asks the user; without a window nothing is written over.
        self.confirm_overwrite: Callable[[str, list[str]], bool] = lambda _f, _n: False
        #: Images whose page the last :meth:`session_pages` took from the autosave (edits never saved).
        self.from_autosave: list[Path] = []

    def session_pages(self) -> list[Page]:
        """Pages of every image that has words or a done mark, as the user last left them: the current page with
        its unsaved edits, and the edits of other images that only their autosave holds (a failed save, a crash),
        which :attr:`from_autosave` then names."""
        pages: list[Page] = []
        self.from_autosave = []
        for path in self.session.images:
            page: Page | None
            if path == self.session.current_path:
                page = self.editor.model.page.copy()
                page.image_path = str(path)
            else:
                try:
                    page, autosaved = self.session.load_latest(path)
                except AnnotationFormatError as exc:
                    self.message.emit(f"Skipped: {exc}")
                    continue
                if autosaved:
                    self.from_autosave.append(path)
            if page is not None and (page.words or page.checked):
                pages.append(page)
        return pages

    def export_annotations(self, out: str | os.PathLike[str], fmt: str) -> list[Path]:
        """Write the session's pages in format ``fmt`` to ``out`` (a folder, or a file where the format allows)."""
        pages = self.session_pages()
        if not pages:
            self.message.emit("Nothing to export: no image has boxes yet")
            return []
        own = self._own_files()

        def refuse(path: Path) -> str | None:
            if os.path.normcase(os.path.abspath(path)) in own:
                return (f"it would write over OCR Studio's own annotation file {Path(path).name}, which the app "
                        "saves itself: export to another folder")
            return None

        guard = FileSetGuard(near=Path(out), refuse=refuse)
        try:
            with planning_writes() as planned:  # first only the list of files it would write: nothing on disk
                write_annotations(pages, out, fmt, images_dir=self.session.root)
            if reason := next(filter(None, map(refuse, planned)), None):
                self.message.emit(f"Export failed: {reason} (nothing was changed)")
                return []
            existing = [p for p in dict.fromkeys(planned) if p.is_file()]
            if existing and not self.confirm_overwrite(str(out), [p.name for p in existing]):
                self.message.emit("Export cancelled: the files there are as they were")
                return []
            # all or nothing: a failure puts back the files that were there and removes the new ones
            with guard:
                written = write_annotations(pages, out, fmt, images_dir=self.session.root)
        except (OcrError, OSError, ValueError) as exc:
            kept = " (the files there are as they were)" if guard.restored or guard.removed else ""
            self.message.emit(f"Export failed: {exc}{kept}")
            return []
        unsaved = self.from_autosave
        note = (f" ({len(unsaved)} with edits that were never saved, from their autosave: "
                f"{_names(unsaved)})" if unsaved else "")
        self.message.emit(f"Exported {len(pages)} image{'s' if len(pages) != 1 else ''} as {fmt} to {out}{note}")
        return written

    def _own_files(self) -> set[str]:
        """The app's own files for the session's images (annotation, its backup, autosave), normalised."""
        store = self.session.store
        if store is None:
            return set()
        own = set()
        for image in self.session.images:
            for path in (store.annotation_path(image), store.backup_path(image), store.autosave_path(image)):
                own.add(os.path.normcase(os.path.abspath(path)))
        return own

    def import_annotations(self, path: str | os.PathLike[str], fmt: str | None = None) -> int:
        """Read annotations and apply those matching open images; returns how many were applied."""
        if not self.session.images:
            self.message.emit("Open the images first, then import their annotations")
            return 0
        try:
            pages = read_annotations(path, fmt, images_dir=self.session.root)
        except (OcrError, OSError, ValueError) as exc:
            self.message.emit(f"Import failed: {exc}")
            return 0
        by_path = {os.path.normcase(os.path.abspath(p)): p for p in self.session.images}
        by_name: dict[str, Path] = {}
        for p in self.session.images:
            by_name.setdefault(p.name, p)
        candidates: dict[Path, list[tuple[Page, bool]]] = {}
        unmatched = 0
        for page in pages:
            target, exact = self._match(page, by_path, by_name)
            if target is None:
                unmatched += 1
            else:
                candidates.setdefault(target, []).append((page, exact))
        # Two pages for one image (train/x.png and val/x.png matched by name): the one whose path is the image's
        # own wins; otherwise neither is applied, since the second would replace the first and its backup.
        matched: list[tuple[Page, Path]] = []
        ambiguous: list[Path] = []
        extra = 0  # pages for an image that another page names by its own path
        for target, found in candidates.items():
            own = [page for page, by_own_path in found if by_own_path]
            if len(found) > 1 and len(own) != 1:
                ambiguous.append(target)
                continue
            extra += len(found) - 1
            page = own[0] if len(found) > 1 else found[0][0]
            page.image_path = str(target)
            self._fit_size(page, target)
            matched.append((page, target))
        # a page without text boxes never wipes an image's boxes; others replace them when the user agrees
        has_boxes = {target: self.session.has_boxes(target) for _, target in matched}
        empty = [(page, target) for page, target in matched if not page.words and has_boxes[target]]
        matched = [item for item in matched if item not in empty]
        replacing = [target for page, target in matched if has_boxes[target]]
        skipped = 0
        if replacing:
            choice = self.confirm_replace("Import", [t.name for t in replacing], len(matched))
            if choice == "cancel":
                self.message.emit("Import cancelled")
                return 0
            if choice != "replace":
                matched = [(page, target) for page, target in matched if not has_boxes[target]]
                skipped = len(replacing)
        applied = 0
        failed: list[Path] = []
        for page, target in matched:
            # a file's done mark (PPOCRLabel's fileState.txt, ours) is taken; formats without one clear none
            page.checked = page.checked or bool(self.session.done.get(str(target)))
            if target == self.session.current_path:
                self.editor.replace_page(page, "Import annotations")
                self.session.note_import(target)
                applied += 1
            elif self.session.save_other(page):
                applied += 1
            else:
                failed.append(target)
        notes = []
        if failed:
            notes.append(f"{len(failed)} not saved, left as {'they were' if len(failed) != 1 else 'it was'}: "
                         f"{_names(failed)} ({self.session.last_other_error})")
        if unmatched:
            notes.append(f"{unmatched} without a matching open image")
        if ambiguous:
            notes.append(f"{len(ambiguous)} image{'s' if len(ambiguous) != 1 else ''} left as "
                         f"{'they were' if len(ambiguous) != 1 else 'it was'}: the file holds more than one page for "
                         f"{_names(ambiguous)}; remove the extra pages and import again")
        if extra:
            notes.append(f"{extra} other page{'s' if extra != 1 else ''} with the same file name as an image's own "
                         "left out")
        if empty:
            notes.append(f"{len(empty)} without text boxes left the boxes of {_names([t for _, t in empty])} as they "
                         "were")
        if skipped:
            notes.append(f"{skipped} image{'s' if skipped != 1 else ''} with boxes skipped")
        note = f" ({'; '.join(notes)})" if notes else ""
        self.message.emit(f"Imported {applied} page{'s' if applied != 1 else ''}{note}")
        return applied

    def _fit_size(self, page: Page, target: Path) -> None:
        """The image's real size: formats without one (hOCR without a page box, labelme without ``imageWidth``)
        leave the extent of the words, which would be saved and exported."""
        if target == self.session.current_path and self.editor.model.page.width:
            size = (self.editor.model.page.width, self.editor.model.page.height)
        else:
            try:
                size = image_size(target)
            except (OcrError, OSError):
                return
        page.width, page.height = size

    @staticmethod
    def _match(page: Page, by_path: dict[str, Path], by_name: dict[str, Path]) -> tuple[Path | None, bool]:
        """The open image a page is for, and whether its path (not only its file name) is that image's."""
        if not page.image_path:
            return None, False
        exact = by_path.get(os.path.normcase(os.path.abspath(page.image_path)))
        return (exact, True) if exact is not None else (by_name.get(Path(page.image_path).name), False)
