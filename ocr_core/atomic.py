"""Atomic file writes: write a temporary file in the same folder, fsync, then rename over the target.

A failed or partial write (full disk, crash) never replaces the existing file.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

__all__ = ["atomic_write_bytes", "atomic_write_text", "atomic_open", "before_replacing"]

#: Called with the target just before an atomic write replaces an existing file (see :func:`before_replacing`).
_before_replace: contextvars.ContextVar[Callable[[Path], None] | None] = contextvars.ContextVar(
    "before_replace", default=None)


@contextlib.contextmanager
def before_replacing(callback: Callable[[Path], None]) -> Iterator[None]:
    """Within the block (and this thread or task), call ``callback(path)`` before an atomic write replaces the
    existing file ``path``, e.g. to keep its current version (:class:`ocr_core.file_set.FileSetGuard`). An
    exception from the callback stops that write, and the file stays as it is."""
    token = _before_replace.set(callback)
    try:
        yield
    finally:
        _before_replace.reset(token)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success it replaces ``path``, on error it is removed."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    binary = "b" in mode
    try:
        # mkstemp creates 0600 files; give the result the target's mode, or the usual 0644
        os.chmod(tmp, target.stat().st_mode & 0o7777 if target.exists() else 0o644)
        with os.fdopen(fd, mode, encoding=None if binary else encoding, newline=None if binary else "") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        hook = _before_replace.get()
        if hook is not None and target.exists():
            hook(target)
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
