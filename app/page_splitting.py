"""Multi-page TIFFs and PDFs in the window: split into one image per page (:mod:`ocr_core.page_split`) on a
background thread, then opened as a folder of images, so that every page can be recognized, corrected, exported
and trained on like any other image.

>>> splitter = PageSplitter()                                  # doctest: +SKIP
>>> splitter.ready.connect(window.open_paths)                  # doctest: +SKIP
>>> splitter.split([Path("report.pdf")], others=[])           # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.workers import Job, JobContext, JobRunner
from ocr_core.errors import Cancelled, OcrError
from ocr_core.imageio import page_count
from ocr_core.page_split import SplitResult, pages_folder, split_pages
from ocr_core.pdf_input import is_pdf

__all__ = ["PageSplitter", "multi_page_files"]


def multi_page_files(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """The files among ``paths`` (not the contents of folders) that hold pages rather than one image: every PDF, and
    TIFFs (or other images) of more than one page."""
    found = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_file() and (is_pdf(path) or page_count(path) > 1):
            found.append(Path(os.path.abspath(path)))
    return found


class PageSplitter(QObject):
    """Splits documents into page images, one job at a time; ``ready`` gives the folders to open (with the other
    paths the user opened alongside)."""

    progress = Signal(int, int, str)  # done, total (-1: finished), message
    message = Signal(str)
    ready = Signal(list)  # [str]: page folders, then the other paths opened with the documents
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = JobRunner("ocr-split", self)
        self._runner.busyChanged.connect(self.busyChanged)
        self._job: Job | None = None

    @property
    def is_busy(self) -> bool:
        return self._runner.is_busy

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def shutdown(self) -> None:
        self.cancel()
        self._runner.shutdown()

    def split(self, documents: Sequence[Path], others: Sequence[str] = ()) -> Job | None:
        """Split ``documents``; when done, ``ready`` gives their page folders followed by ``others``."""
        if self.is_busy:
            self.message.emit("Pages are being split already; wait for that to finish, or cancel it")
            return None
        documents, others = list(documents), list(others)

        def work(ctx: JobContext) -> tuple[list[SplitResult], dict[str, str]]:
            results, errors = [], {}
            for source in documents:
                def report(done: int, total: int, step: str, name: str = source.name) -> None:
                    ctx.progress(done, total, f"Splitting {name}: {step}")
                try:
                    results.append(split_pages(source, cancel=ctx.token, progress=report))
                except Cancelled:
                    raise
                except (OcrError, OSError) as exc:  # this file cannot be split: the others still are
                    errors[source.name] = str(exc)
            return results, errors

        job = self._runner.submit(f"split {', '.join(p.name for p in documents)}", work)
        self._job = job
        self.progress.emit(0, 0, "Splitting pages")
        job.progress.connect(self.progress)
        job.succeeded.connect(lambda outcome: self._done(outcome, others))
        job.failed.connect(lambda error: self._failed(error, documents))
        job.finished.connect(lambda: self.progress.emit(0, -1, ""))
        return job

    def _done(self, outcome: tuple[list[SplitResult], dict[str, str]], others: list[str]) -> None:
        results, errors = outcome
        notes = [f"Cannot split {name}: {why}" for name, why in errors.items()]
        for result in results:
            for number, why in result.failed.items():
                notes.append(f"Page {number} of {result.source.name} was skipped: {why}")
        pages = sum(len(r.pages) for r in results)
        if results:
            notes.insert(0, f"{pages} page{'s' if pages != 1 else ''} in "
                         + ", ".join(str(r.folder) for r in results))
        self.message.emit("; ".join(notes))
        if results or others:
            self.ready.emit([str(r.folder) for r in results] + others)

    def _failed(self, error: object, documents: list[Path]) -> None:
        if isinstance(error, Cancelled):
            folders = [pages_folder(p) for p in documents]
            kept = [f for f in folders if f.is_dir()]
            self.message.emit("Splitting cancelled" + (f"; the pages already there stay in "
                                                       f"{', '.join(map(str, kept))}" if kept else ""))
        else:
            self.message.emit(f"Cannot split the pages: {error}")
