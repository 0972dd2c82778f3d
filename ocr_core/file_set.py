"""All or nothing for a command that writes many files: on failure, the files are as they were before it.

Each file is written atomically (:mod:`ocr_core.atomic`), so no file is ever left half-written; but a command that
writes a set of files (``ocr-studio convert`` to one file per image, File > Export) can fail half-way through the
set, leaving some files new and others old. Inside a :class:`FileSetGuard`, every atomic write tells the guard its
target first (:func:`~ocr_core.atomic.watching_writes`): an existing file is kept as it is (a hard link: the
replacement changes the directory entry, not the old file; a copy where no link can be made), a new one is noted
with the folders the write is about to create. On failure, :meth:`FileSetGuard.restore` puts the kept files back,
deletes the noted new ones and removes the folders it created if they are empty. Files it did not write, even in
the same folder, are never touched. On success the kept versions are dropped.

>>> with FileSetGuard(near=out_dir) as guard:   # doctest: +SKIP
...     write_everything(out_dir)        # raises: the files are as they were
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from ocr_core.atomic import watching_writes
from ocr_core.errors import OcrError

__all__ = ["FileSetGuard"]


class FileSetGuard:
    """Undo for the atomic writes made inside the block, if it fails; see the module docstring.

    ``near``: the output being written; the kept versions go in a hidden folder beside it (the same file system, so
    links work), made only when a first existing file is about to be replaced, or in the system's temporary folder
    if none can be made there. As a context manager, an exception restores and propagates; leaving normally drops
    the kept versions. Only writes in the thread (or asyncio task) that entered the block are watched.
    :attr:`restored` and :attr:`removed` count the files put back and the new files deleted.
    """

    def __init__(self, *, near: Path, refuse: Callable[[Path], str | None] | None = None) -> None:
        self.near = Path(near)
        #: Asked before each write: a reason not to write that file (the write, and the block, then fail with
        #: :class:`~ocr_core.errors.OcrError` before the file is touched), or ``None``.
        self.refuse = refuse
        self.restored = 0
        self.removed = 0
        self._kept: dict[Path, Path] = {}
        self._new: list[Path] = []
        self._new_folders: list[Path] = []
        self._folder: Path | None = None
        self._watch: contextlib.AbstractContextManager[None] | None = None

    def note(self, path: Path) -> None:
        """Before a write of ``path``: keep its current version, or note it (and its missing folders) as new."""
        path = Path(os.path.abspath(path))
        if self.refuse is not None and (reason := self.refuse(path)):
            raise OcrError(reason)
        if path in self._kept or path in self._new:
            return
        if path.is_file():
            if self._folder is None:
                self._folder = _make_folder(self.near)
            kept = self._folder / f"{len(self._kept)}{path.suffix}"
            try:
                os.link(path, kept)
            except OSError:  # no hard links here (FAT, some network shares, another device): copy
                shutil.copy2(path, kept)
            self._kept[path] = kept
            return
        self._new.append(path)
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            self._new_folders.append(folder)
            folder = folder.parent

    def restore(self) -> int:
        """Put back every kept file and delete the new ones (then the folders made for them, if empty);
        returns how many files were put back."""
        for path, kept in list(self._kept.items()):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.replace(kept, path)
                except OSError:  # another device: copy back over the new version
                    shutil.copy2(kept, path)
            except OSError:
                continue
            del self._kept[path]
            self.restored += 1
        for path in self._new:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                self.removed += 1
        self._new.clear()
        for folder in sorted(set(self._new_folders), key=lambda p: -len(p.parts)):  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if empty
        self._new_folders.clear()
        return self.restored

    def discard(self) -> None:
        """Drop the kept versions and forget the new files (the writing succeeded, or the restore is done)."""
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        self._kept.clear()
        self._new.clear()
        self._new_folders.clear()

    def __enter__(self) -> FileSetGuard:
        self._watch = watching_writes(self.note)
        self._watch.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self._watch is not None:
                self._watch.__exit__(kind, exc, tb)
                self._watch = None
            if kind is not None:
                self.restore()
        finally:
            self.discard()


def _make_folder(near: Path) -> Path:
    """A new hidden folder beside ``near`` (in its nearest existing parent), else in the system's temporary folder."""
    near = Path(os.path.abspath(near))
    anchor = near.parent
    while not anchor.is_dir() and anchor != anchor.parent:
        anchor = anchor.parent
    with contextlib.suppress(OSError):
        return Path(tempfile.mkdtemp(prefix=f".{near.name or 'output'}.undo-", dir=anchor))
    return Path(tempfile.mkdtemp(prefix="ocr-studio-undo-"))
