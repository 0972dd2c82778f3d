"""One editor per folder of annotations: a lock file that a second window (or a second program using the store) finds.

Two windows editing the same images would overwrite each other's autosaves (and delete them when saving), so a crash
in one would lose its edits. The window that opens a folder first takes ``.ocr-studio.lock`` in the folder where the
annotations are saved; a second one finds it and is told who holds it (process, machine, user, since when), and opens
the folder read-only unless the user says otherwise. A lock left by a process that is gone (a crash) on this machine
is taken over without asking. No Qt, no TensorFlow.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> first, second = FolderLock(folder), FolderLock(folder)
>>> first.acquire() is None and second.acquire() is not None
True
>>> first.release(); second.acquire() is None
True
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import json
import os
import socket
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LOCK_NAME", "FolderLock", "FolderLocks", "LockHolder", "UNKNOWN_HOLDER"]

#: The lock file, hidden (folder listings of images skip it).
LOCK_NAME = ".ocr-studio.lock"


@dataclass(frozen=True)
class LockHolder:
    """Who holds a folder's lock, as its lock file says."""

    pid: int
    host: str
    user: str
    since: float

    def describe(self) -> str:
        when = time.strftime("%H:%M on %d %b", time.localtime(self.since)) if self.since else "an unknown time"
        where = "this computer" if self.host == socket.gethostname() else self.host or "another computer"
        return f"process {self.pid} of {self.user or 'another user'} on {where}, since {when}"


#: A holder whose lock file could not be told apart from another's at the moment it was read (two windows racing).
UNKNOWN_HOLDER = LockHolder(0, "", "", 0.0)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    except OSError:
        return False
    return True


class FolderLock:
    """The lock of one folder, for one holder (a window's session). See the module docstring."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.path = Path(folder) / LOCK_NAME
        self._token = uuid.uuid4().hex
        self.held = False

    def _read(self) -> tuple[LockHolder, str] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            holder = LockHolder(int(data["pid"]), str(data.get("host", "")), str(data.get("user", "")),
                                float(data.get("since", 0)))
            return holder, str(data.get("token", ""))
        except (OSError, ValueError, KeyError, TypeError):  # missing, or empty or damaged (a write cut short)
            return None

    def holder(self) -> LockHolder | None:
        """Who else holds the lock now (``None``: nobody, this lock itself, or a process gone from this machine)."""
        found = self._read()
        if found is None:
            return None
        holder, token = found
        if token == self._token:
            return None
        if holder.host == socket.gethostname() and not _alive(holder.pid):
            return None  # left by a crash
        return holder

    def acquire(self, *, force: bool = False) -> LockHolder | None:
        """Take the lock; returns ``None`` when this holds it now, or the other holder (and takes nothing). With
        ``force`` the lock is taken whoever holds it (the user chose to edit all the same). A folder where no file
        can be made (read-only) gives ``None`` without a lock: nothing is written there anyway."""
        data = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "user": _user(), "since": time.time(),
                           "token": self._token}).encode("utf-8")
        # the whole lock is written aside first, then put in place: no one ever reads a lock file half written
        tmp = self.path.with_name(f"{self.path.name}.{self._token}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            for _attempt in range(3):
                if not self.path.exists():  # nobody: link it in, unless another window does at the same moment
                    try:
                        os.link(tmp, self.path)
                    except FileExistsError:
                        continue
                elif not force and (other := self.holder()) is not None:
                    return other
                else:  # damaged, left by a crash, or taken over at the user's word
                    os.replace(tmp, self.path)
                self.held = True
                return None
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.ENOTSUP, errno.EMLINK):
                raise
            return None  # nothing can be written there (or no links): there is nothing to protect either
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        return self.holder() or UNKNOWN_HOLDER

    def release(self) -> None:
        """Give the lock up (only if this still holds it: a user who opened a folder anyway may have taken it)."""
        if not self.held:
            return
        self.held = False
        found = self._read()
        if found is not None and found[1] == self._token:
            with contextlib.suppress(OSError):
                self.path.unlink()


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment
        return ""


class FolderLocks:
    """The locks of every folder a window saves annotations into (images opened from several folders keep their
    annotations next to each): all taken, or none."""

    def __init__(self, folders: Iterable[str | os.PathLike[str]]) -> None:
        self.folders = sorted({Path(os.path.realpath(f)) for f in folders})  # a symlinked path is the same folder
        self._locks: list[FolderLock] = []

    @property
    def held(self) -> bool:
        return bool(self._locks)

    def covers(self, folders: Iterable[str | os.PathLike[str]]) -> bool:
        return self.held and {Path(os.path.realpath(f)) for f in folders} <= set(self.folders)

    def acquire(self, *, force: bool = False, keep: FolderLocks | None = None) -> LockHolder | None:
        """Take every folder's lock; ``None`` when done, else the first other holder found (and nothing is taken).
        ``keep``: locks this window holds already, reused for the folders they cover."""
        mine = {lock.path.parent: lock for lock in (keep._locks if keep is not None else []) if lock.held}
        taken: list[FolderLock] = []
        for folder in self.folders:
            lock = mine.get(folder) or FolderLock(folder)
            if lock not in mine.values() and (holder := lock.acquire(force=force)) is not None:
                for new in taken:
                    if new not in mine.values():
                        new.release()
                return holder
            taken.append(lock)
        self._locks = taken
        return None

    def release(self, *, keep: FolderLocks | None = None) -> None:
        """Give up every lock, but those ``keep`` holds too (the folders the window goes on with)."""
        kept = set(keep._locks) if keep is not None else set()
        for lock in self._locks:
            if lock not in kept:
                lock.release()
        self._locks = []

    def taken_over(self) -> LockHolder | None:
        """Who took one of these locks over (another window chose to edit all the same), or ``None``."""
        for lock in self._locks:
            if lock.held and (holder := lock.holder()) is not None:
                return holder
        return None
