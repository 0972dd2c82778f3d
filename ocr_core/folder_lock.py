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
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LOCK_NAME", "FolderLock", "LockHolder"]

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
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):  # unreadable: treated as held by nobody known
            return LockHolder(0, "", "", 0.0), ""

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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for _attempt in range(3):
                if self._read() is None:  # nobody: create it, unless another window does at the same moment
                    try:
                        fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                    except FileExistsError:
                        continue
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(data)
                elif not force and (other := self.holder()) is not None:
                    return other
                else:  # left by a crash, or taken over at the user's word
                    tmp = self.path.with_name(f"{self.path.name}.{self._token}.tmp")
                    tmp.write_bytes(data)
                    os.replace(tmp, self.path)
                self.held = True
                return None
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC):
                raise
            return None  # nothing can be written there: there is nothing to protect either
        return self.holder() or LockHolder(0, "", "", 0.0)

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
