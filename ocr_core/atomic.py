"""Atomic file writes: write a temporary file in the same folder, fsync, then rename over the target.

A failed or partial write (full disk, crash) never replaces the existing file.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

__all__ = ["atomic_write_bytes", "atomic_write_text", "atomic_open", "watching_writes", "planning_writes",
           "remove_written_file"]

#: Called with the target before an atomic write creates or replaces it (see :func:`watching_writes`).
_before_write: contextvars.ContextVar[Callable[[Path], None] | None] = contextvars.ContextVar(
    "before_write", default=None)
#: While :func:`planning_writes` runs: the targets the atomic writes would have written, and nothing is written.
_planned: contextvars.ContextVar[list[Path] | None] = contextvars.ContextVar("planned", default=None)


@contextlib.contextmanager
def planning_writes() -> Iterator[list[Path]]:
    """Within the block (and this thread or task), atomic writes touch nothing on disk (no file, no folder): each
    target is added to the list this yields, and the data goes to memory. A command run once this way says which
    files it would write, so the user can be asked before any is replaced (File > Export)."""
    targets: list[Path] = []
    token = _planned.set(targets)
    try:
        yield targets
    finally:
        _planned.reset(token)


@contextlib.contextmanager
def watching_writes(callback: Callable[[Path], None]) -> Iterator[None]:
    """Within the block (and this thread or task), call ``callback(path)`` before an atomic write creates or
    replaces ``path`` (before it makes any folder), e.g. to keep the file's current version or note a new file
    (:class:`ocr_core.file_set.FileSetGuard`). An exception from the callback stops that write."""
    token = _before_write.set(callback)
    try:
        yield
    finally:
        _before_write.reset(token)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success it replaces ``path``, on error it is removed."""
    target = Path(path)
    planned = _planned.get()
    if planned is not None:
        planned.append(target)
        yield io.BytesIO() if "b" in mode else io.StringIO()
        return
    hook = _before_write.get()
    if hook is not None:
        hook(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{_short(target.name)}.", suffix=".tmp")
    binary = "b" in mode
    try:
        # mkstemp creates 0600 files; give the result the target's mode, or the usual 0644
        os.chmod(tmp, target.stat().st_mode & 0o7777 if target.exists() else 0o644)
        with os.fdopen(fd, mode, encoding=None if binary else encoding, newline=None if binary else "") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    with atomic_open(path, "w", encoding=encoding) as fh:
        fh.write(text)


def remove_written_file(path: str | os.PathLike[str]) -> bool:
    """Delete the file ``path`` (one a writer made before and no longer writes) the way an atomic write replaces
    one: while :func:`planning_writes` runs nothing is deleted and ``path`` is listed among the targets (it would
    be replaced by nothing, so it counts as a file the command replaces); within :func:`watching_writes` the
    callback is told first, so a :class:`~ocr_core.file_set.FileSetGuard` keeps it and puts it back on failure.
    Returns whether there was a file to delete."""
    target = Path(path)
    if not target.is_file():
        return False
    planned = _planned.get()
    if planned is not None:
        planned.append(target)
        return True
    hook = _before_write.get()
    if hook is not None:
        hook(target)
    try:
        target.unlink()
    except FileNotFoundError:
        return False
    return True


def _short(name: str, limit: int = 200) -> str:
    """``name`` cut to at most ``limit`` bytes in UTF-8 (whole characters): the temporary file's name adds about
    14 bytes to it, and a name already near the file system's 255-byte limit must still get one."""
    data = name.encode("utf-8", "surrogateescape")
    if len(data) <= limit:
        return name
    return data[:limit].decode("utf-8", "ignore")
