"""``FileSetGuard``: a failed multi-file write puts back what it replaced and removes what it added."""

from __future__ import annotations

import os

import pytest

from ocr_core.atomic import atomic_write_text, planning_writes, remove_written_file
from ocr_core.file_set import FileSetGuard


def _files(folder):
    return {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("links", [True, False], ids=["hard-links", "copies"])
def test_replaced_files_come_back_after_a_failure(tmp_path, monkeypatch, links):
    if not links:
        def no_links(*_a, **_k):
            raise OSError(1, "Operation not permitted")
        monkeypatch.setattr(os, "link", no_links)
    out = tmp_path / "out"
    out.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (out / name).write_text(f"old {name}", encoding="utf-8")
    with pytest.raises(RuntimeError), FileSetGuard(near=out) as guard:
        atomic_write_text(out / "a.txt", "new a")
        atomic_write_text(out / "a.txt", "newer a")  # a second write of the same file keeps the first version
        atomic_write_text(out / "b.txt", "new b")
        atomic_write_text(out / "new.txt", "new")  # a file that was not there: removed
        raise RuntimeError("disk full")
    assert (guard.restored, guard.removed) == (2, 1)
    assert _files(out) == {"a.txt": "old a.txt", "b.txt": "old b.txt", "c.txt": "old c.txt"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing kept behind


def test_success_keeps_the_new_files_and_drops_the_kept_ones(tmp_path):
    target = tmp_path / "page.txt"
    target.write_text("old", encoding="utf-8")
    with FileSetGuard(near=target) as guard:
        atomic_write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "new" and guard.restored == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.txt"]


def test_new_files_beside_others_keep_nothing(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    for i in range(5):  # a folder full of images the writing never touches
        (images / f"img{i}.jpg").write_bytes(b"jpeg")
    with FileSetGuard(near=images) as guard:
        atomic_write_text(images / "img0.json", "{}")  # new beside the images: nothing to keep
        assert sorted(p.name for p in tmp_path.iterdir()) == ["images"]  # no folder of kept versions either
    assert guard.restore() == 0 and (images / "img0.json").is_file()


def test_writes_outside_the_block_are_not_watched(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old", encoding="utf-8")
    guard = FileSetGuard(near=target)
    with guard:
        pass
    atomic_write_text(target, "new")  # after the block
    assert guard.restore() == 0 and target.read_text(encoding="utf-8") == "new"


def test_files_it_did_not_write_and_folders_it_did_not_make_are_left_alone(tmp_path):
    out = tmp_path / "out"
    (out / "empty").mkdir(parents=True)
    with pytest.raises(RuntimeError), FileSetGuard(near=out) as guard:
        atomic_write_text(out / "deep" / "er" / "mine.txt", "x")  # makes two folders
        (out / "theirs.txt").write_text("another program", encoding="utf-8")
        raise RuntimeError("disk full")
    assert guard.removed == 1
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["empty", "theirs.txt"]


def test_planning_lists_the_targets_and_touches_nothing(tmp_path):
    from ocr_core.atomic import atomic_write_bytes, planning_writes

    (tmp_path / "old.txt").write_text("kept")
    with planning_writes() as planned:
        atomic_write_text(tmp_path / "old.txt", "new")
        atomic_write_bytes(tmp_path / "sub" / "crop.jpg", b"\xff\xd8")
    assert planned == [tmp_path / "old.txt", tmp_path / "sub" / "crop.jpg"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.txt"] and (tmp_path / "old.txt").read_text() == "kept"
    atomic_write_text(tmp_path / "after.txt", "written")  # outside the block, writes are real again
    assert (tmp_path / "after.txt").read_text() == "written"


def test_a_refused_target_stops_the_block_before_it_is_touched(tmp_path):
    from ocr_core.errors import OcrError

    mine = tmp_path / "mine.ocr.json"
    mine.write_text("the app's own file")
    with pytest.raises(OcrError, match="not that one"), FileSetGuard(
            near=tmp_path, refuse=lambda p: "not that one" if p.name == "mine.ocr.json" else None):
        atomic_write_text(tmp_path / "a.txt", "first")
        atomic_write_text(mine, "clobbered")
    assert mine.read_text() == "the app's own file" and not (tmp_path / "a.txt").exists()


def test_a_removed_file_is_only_listed_while_planning_and_comes_back_after_a_failure(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.jpg").write_text("old crop", encoding="utf-8")
    with planning_writes() as planned:
        assert remove_written_file(out / "old.jpg") and not remove_written_file(out / "never.jpg")
    assert planned == [out / "old.jpg"] and (out / "old.jpg").is_file()  # listed like a file it replaces
    with pytest.raises(RuntimeError), FileSetGuard(near=out) as guard:
        atomic_write_text(out / "new.txt", "new")
        assert remove_written_file(out / "old.jpg") and not (out / "old.jpg").exists()
        raise RuntimeError("disk full")
    assert (guard.restored, guard.removed) == (1, 1) and _files(out) == {"old.jpg": "old crop"}
    with FileSetGuard(near=out):
        remove_written_file(out / "old.jpg")
    assert _files(out) == {} and sorted(p.name for p in tmp_path.iterdir()) == ["out"]
