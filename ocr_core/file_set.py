"""All or nothing for a command that writes many files: on failure, every file it replaced is put back.

Each file is written atomically (:mod:`ocr_core.atomic`), so no file is ever left half-written; but a command that
writes a set of files (``ocr-studio convert`` to one file per image) can fail half-way through the set, leaving some
files new and others old. :class:`FileSetGuard` keeps a hard link to every file that may be replaced before the
writing starts (a copy where a link cannot be made, e.g. on file systems without links). An atomic write replaces
the directory entry, not the old file's contents, so the link still holds the old version. On failure,
:meth:`FileSetGuard.restore` moves back each file that was replaced or removed; on success the links are dropped.
Files that did not exist before are the caller's to remove (it knows which are its own).

>>> with FileSetGuard(existing_files, near=out_dir) as guard:   # doctest: +SKIP
...     write_everything(out_dir)        # raises: the replaced files are back in place
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

__all__ = ["FileSetGuard"]


class FileSetGuard:
    """Keep the current version of ``files`` until :meth:`discard`; :meth:`restore` puts back replaced ones.

    ``near``: the output being written; the kept versions go in a hidden folder beside it (the same file system,
    so links work), or in the system's temporary folder if none can be made there. Used as a context manager,
    an exception restores and re-raises; leaving normally discards the kept versions.
    """

    def __init__(self, files: Iterable[Path], *, near: Path) -> None:
        self.files = sorted({Path(f) for f in files})
        self.restored = 0
        self._kept: dict[Path, tuple[Path, tuple[int, int, int]]] = {}
        self._folder: Path | None = None
        if not self.files:
            return
        self._folder = Path(_make_folder(Path(near)))
        for n, path in enumerate(self.files):
            try:
                st = path.stat()
                keep = self._folder / f"{n}{path.suffix}"
                try:
                    os.link(path, keep)
                except OSError:  # no hard links here (FAT, some network shares, another device): copy
                    shutil.copy2(path, keep)
            except OSError:
                continue  # unreadable or gone already: nothing to keep, nothing to put back
            self._kept[path] = (keep, (st.st_dev, st.st_ino, st.st_mtime_ns))

    def restore(self) -> int:
        """Put back every kept file that was replaced or removed; returns how many were put back."""
        for path, (keep, identity) in self._kept.items():
            try:
                st = path.stat()
                if (st.st_dev, st.st_ino, st.st_mtime_ns) == identity:
                    continue  # untouched
            except FileNotFoundError:
                pass
            except OSError:
                continue
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(keep, path)
            except OSError:
                try:  # another device: copy back over the new version
                    shutil.copy2(keep, path)
                except OSError:
                    continue
            self.restored += 1
        return self.restored

    def discard(self) -> None:
        """Drop the kept versions (the writing succeeded, or the restore is done)."""
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        self._kept.clear()

    def __enter__(self) -> FileSetGuard:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if kind is not None:
                self.restore()
        finally:
            self.discard()


def _make_folder(near: Path) -> str:
    """A new hidden folder beside ``near`` (its nearest existing parent), else in the system's temporary folder."""
    anchor = near.parent
    while not anchor.is_dir() and anchor != anchor.parent:
        anchor = anchor.parent
    with contextlib.suppress(OSError):
        return tempfile.mkdtemp(prefix=f".{near.name}.undo-", dir=anchor)
    return tempfile.mkdtemp(prefix="ocr-studio-undo-")
