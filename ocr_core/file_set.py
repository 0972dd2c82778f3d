"""All or nothing for a command that writes many files: on failure, every file it replaced is put back.

Each file is written atomically (:mod:`ocr_core.atomic`), so no file is ever left half-written; but a command that
writes a set of files (``ocr-studio convert`` to one file per image) can fail half-way through the set, leaving some
files new and others old. Inside a :class:`FileSetGuard`, each atomic write that is about to replace an existing file
first keeps the current version (a hard link: the replacement changes the directory entry, not the old file; a copy
where no link can be made). Only the files actually replaced are kept, whatever else lies in the folder. On failure,
:meth:`FileSetGuard.restore` puts them back and removes the files that appeared at the output since the block began
(then folders left empty); on success the kept versions are dropped.

>>> with FileSetGuard(near=out_dir) as guard:   # doctest: +SKIP
...     write_everything(out_dir)        # raises: the replaced files are back in place
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

from ocr_core.atomic import before_replacing

__all__ = ["FileSetGuard"]


class FileSetGuard:
    """Keep the current version of every file an atomic write replaces inside the block; see the module docstring.

    ``near``: the output being written; the kept versions go in a hidden folder beside it (the same file system, so
    links work), made only when a first file is replaced, or in the system's temporary folder if none can be made
    there. As a context manager, an exception restores the kept files and propagates; leaving normally drops them.
    Only writes in the thread (or asyncio task) that entered the block are watched.
    """

    def __init__(self, *, near: Path) -> None:
        self.near = Path(near)
        self.restored = 0
        self.removed = 0
        self._before: set[Path] | None = None
        self._kept: dict[Path, Path] = {}
        self._folder: Path | None = None
        self._watch: contextlib.AbstractContextManager[None] | None = None

    def keep(self, path: Path) -> None:
        """Keep ``path``'s current version (once; later replacements of the same file keep nothing more)."""
        path = Path(os.path.abspath(path))
        if path in self._kept or not path.is_file():
            return
        if self._folder is None:
            self._folder = _make_folder(self.near)
        kept = self._folder / f"{len(self._kept)}{path.suffix}"
        try:
            os.link(path, kept)
        except OSError:  # no hard links here (FAT, some network shares, another device): copy
            shutil.copy2(path, kept)
        self._kept[path] = kept

    def restore(self) -> int:
        """Put back every kept file and remove the files that are new at the output since the block began;
        returns how many were put back (:attr:`removed` counts the others)."""
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
        if self._before is not None:
            self.removed += _remove_new(self.near, self._before)
            self._before = _files_at(self.near)
        return self.restored

    def discard(self) -> None:
        """Drop the kept versions (the writing succeeded, or the restore is done)."""
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        self._kept.clear()
        self._before = None

    def __enter__(self) -> FileSetGuard:
        self._before = _files_at(self.near)
        self._watch = before_replacing(self.keep)
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


def _files_at(output: Path) -> set[Path]:
    """The files at ``output`` now: the file itself, or every file under the folder (a file format can also
    write beside its file: the files in the parent folder are listed, one level deep)."""
    if output.is_dir():
        return {p for p in output.rglob("*") if p.is_file()}
    parent = output.parent if str(output.parent) else Path(".")
    return {p for p in parent.glob("*") if p.is_file()} if parent.is_dir() else set()


def _remove_new(output: Path, before: set[Path]) -> int:
    """Delete the files that appeared at ``output`` since ``before`` (then any folders left empty)."""
    new = _files_at(output) - before
    for path in new:
        with contextlib.suppress(OSError):
            path.unlink()
    if output.is_dir():
        for folder in sorted((p for p in output.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
            with contextlib.suppress(OSError):
                if not any(folder.iterdir()):
                    folder.rmdir()
        with contextlib.suppress(OSError):
            if not any(output.iterdir()):
                output.rmdir()
    return len(new)
