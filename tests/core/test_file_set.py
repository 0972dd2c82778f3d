"""``FileSetGuard``: files replaced by a failed multi-file write are put back; untouched ones are left alone."""

from __future__ import annotations

import os

import pytest

from ocr_core.atomic import atomic_write_text
from ocr_core.file_set import FileSetGuard


def _files(folder):
    return {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("links", [True, False], ids=["hard-links", "copies"])
def test_replaced_and_removed_files_come_back(tmp_path, monkeypatch, links):
    if not links:
        def no_links(*_a, **_k):
            raise OSError(1, "Operation not permitted")
        monkeypatch.setattr(os, "link", no_links)
    out = tmp_path / "out"
    out.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (out / name).write_text(f"old {name}", encoding="utf-8")
    with pytest.raises(RuntimeError), FileSetGuard(out.iterdir(), near=out) as guard:
        atomic_write_text(out / "a.txt", "new a")
        (out / "b.txt").unlink()
        raise RuntimeError("disk full")
    assert guard.restored == 2
    assert _files(out) == {"a.txt": "old a.txt", "b.txt": "old b.txt", "c.txt": "old c.txt"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing kept behind


def test_success_keeps_the_new_files_and_drops_the_kept_ones(tmp_path):
    target = tmp_path / "page.txt"
    target.write_text("old", encoding="utf-8")
    with FileSetGuard([target], near=target) as guard:
        atomic_write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "new" and guard.restored == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.txt"]


def test_nothing_to_keep_makes_no_folder(tmp_path):
    with FileSetGuard([], near=tmp_path / "new-folder") as guard:
        pass
    assert guard.restore() == 0 and list(tmp_path.iterdir()) == []
