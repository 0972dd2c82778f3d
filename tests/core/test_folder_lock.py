"""The folder lock that keeps two windows from editing the same annotations (ocr_core.folder_lock)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

from ocr_core.folder_lock import LOCK_NAME, FolderLock


def test_the_second_holder_is_told_who_holds_it_until_it_is_released(tmp_path):
    first, second = FolderLock(tmp_path), FolderLock(tmp_path)
    assert first.acquire() is None and first.held
    holder = second.acquire()
    assert holder is not None and not second.held
    assert holder.pid == os.getpid() and holder.host == socket.gethostname()
    assert f"process {os.getpid()}" in holder.describe() and "this computer" in holder.describe()
    assert first.acquire() is None  # the holder itself may ask again
    second.release()  # not held: leaves the other's lock alone
    assert (tmp_path / LOCK_NAME).exists()
    first.release()
    assert not (tmp_path / LOCK_NAME).exists()
    assert second.acquire() is None and second.held


def test_a_lock_left_by_a_process_that_is_gone_is_taken_over(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(gone.stdout)
    (tmp_path / LOCK_NAME).write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "user": "x",
                                                  "since": 1.0, "token": "crashed"}), encoding="utf-8")
    lock = FolderLock(tmp_path)
    assert lock.holder() is None and lock.acquire() is None and lock.held
    assert json.loads((tmp_path / LOCK_NAME).read_text(encoding="utf-8"))["pid"] == os.getpid()


def test_a_lock_from_another_computer_is_reported_and_can_be_taken_over(tmp_path):
    (tmp_path / LOCK_NAME).write_text(json.dumps({"pid": 1, "host": "elsewhere", "user": "ann", "since": 1.0,
                                                  "token": "theirs"}), encoding="utf-8")
    lock = FolderLock(tmp_path)
    holder = lock.acquire()
    assert holder is not None and "ann on elsewhere" in holder.describe()
    assert lock.acquire(force=True) is None and lock.held
    lock.release()
    assert not (tmp_path / LOCK_NAME).exists()


def test_a_taken_over_lock_is_not_removed_by_its_old_holder(tmp_path):
    first, second = FolderLock(tmp_path), FolderLock(tmp_path)
    assert first.acquire() is None
    assert second.acquire(force=True) is None
    first.release()  # the first window closes later: the lock is the second's now
    assert (tmp_path / LOCK_NAME).exists() and FolderLock(tmp_path).acquire() is not None


def test_a_folder_that_cannot_be_written_needs_no_lock(tmp_path, monkeypatch):
    import errno
    from pathlib import Path

    def denied(*_a, **_k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "write_bytes", denied)  # chmod does not stop root, which the test machines run as
    lock = FolderLock(tmp_path)
    assert lock.acquire() is None and not lock.held and not (tmp_path / LOCK_NAME).exists()


def test_an_empty_or_damaged_lock_file_is_stale(tmp_path):
    (tmp_path / LOCK_NAME).write_bytes(b"")  # a write cut short (a full disk, a crash)
    lock = FolderLock(tmp_path)
    assert lock.holder() is None and lock.acquire() is None and lock.held
    assert json.loads((tmp_path / LOCK_NAME).read_text(encoding="utf-8"))["pid"] == os.getpid()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_several_folders_are_locked_together_and_a_symlink_is_the_same_folder(tmp_path):
    from ocr_core.folder_lock import FolderLocks

    x, y = tmp_path / "x", tmp_path / "y"
    x.mkdir()
    y.mkdir()
    (tmp_path / "link").symlink_to(x)
    first = FolderLocks([x, y])
    assert first.acquire() is None and (x / LOCK_NAME).exists() and (y / LOCK_NAME).exists()
    assert FolderLocks([tmp_path / "link"]).acquire() is not None  # x, reached through a link
    blocked = FolderLocks([tmp_path, y])
    assert blocked.acquire() is not None and not (tmp_path / LOCK_NAME).exists()  # all or none
    again = FolderLocks([x])
    assert again.acquire(keep=first) is None  # the window's own folder, opened again: no question
    first.release(keep=again)
    assert (x / LOCK_NAME).exists() and not (y / LOCK_NAME).exists()
    other = FolderLocks([x])
    assert other.acquire(force=True) is None
    assert again.taken_over() is not None  # the window that had it can tell
