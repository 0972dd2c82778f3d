"""AnnotationStore: sidecars, backup, atomic save, autosave/recovery, malformed files, moves, projects."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ocr_core.project as project
from ocr_core.atomic import atomic_open
from ocr_core.document import Line, Page, Word
from ocr_core.errors import AnnotationFormatError
from ocr_core.formats.studio import write_page_file
from ocr_core.project import AnnotationStore, list_images


def _image(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((20, 30, 3), 200, np.uint8)).save(path)
    return path


def _page(image: Path, text: str = "hello", checked: bool = False) -> Page:
    word = Word([[1, 2], [20, 2], [20, 9], [1, 9]], text, confidence=0.8)
    return Page(width=30, height=20, lines=[Line([word])], image_path=str(image), checked=checked)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    _image(tmp_path / "photos" / "a.png")
    _image(tmp_path / "photos" / "sub" / "b.jpg")
    return tmp_path / "photos"


def test_save_load_sidecar_and_backup(folder):
    store = AnnotationStore(folder)
    image = folder / "a.png"
    assert store.load(image) is None and not store.is_checked(image)
    path = store.save(_page(image, "first"))
    assert path == folder / "a.png.ocr.json"
    assert json.loads(path.read_text())["page"]["image_path"] == "a.png"  # relative to the sidecar
    store.save(_page(image, "second", checked=True))
    page = store.load("a.png")  # relative to the root works too
    assert page.image_path == str(image) and page.words[0].text == "second" and page.checked
    backup = json.loads((folder / "a.png.ocr.json.bak").read_text())
    assert backup["page"]["lines"][0]["words"][0]["text"] == "first"
    assert store.is_checked(image) and AnnotationStore(folder).is_checked(image)  # from the folder index
    assert (folder / project.INDEX_NAME).is_file()


def test_failed_save_leaves_the_old_file(folder, monkeypatch):
    store = AnnotationStore(folder)
    image = folder / "a.png"
    path = store.save(_page(image, "safe"))
    before = path.read_bytes()

    def crash_midway(target, text, encoding="utf-8"):
        with atomic_open(target, "w", encoding=encoding) as fh:
            fh.write(text[: len(text) // 2])
            raise OSError("disk full")

    monkeypatch.setattr(project, "atomic_write_text", crash_midway)
    with pytest.raises(OSError, match="disk full"):
        store.save(_page(image, "lost"))
    assert path.read_bytes() == before
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.undo()
    assert store.load(image).words[0].text == "safe"


def test_autosave_and_recovery(folder):
    store = AnnotationStore(folder)
    image = folder / "a.png"
    assert store.recover(image) is None
    store.autosave(_page(image, "never saved"))  # crash before the first save
    assert store.recover(image).words[0].text == "never saved"
    store.save(_page(image, "saved"))
    assert not store.autosave_path(image).exists() and store.recover(image) is None
    store.autosave(_page(image, "edited"))
    recovered = store.recover(image)
    assert recovered.words[0].text == "edited" and recovered.image_path == str(image)
    assert store.load(image).words[0].text == "saved"  # the saved file is untouched
    store.discard_autosave(image)
    assert store.recover(image) is None
    saved = store.load(image)
    store.autosave(saved)  # same content as the saved file: nothing to recover
    assert store.recover(image) is None


def test_an_autosave_older_than_the_saved_file_is_still_offered_and_said_to_be_older(folder):
    store = AnnotationStore(folder)
    image = folder / "a.png"
    first = _page(image, "v1")
    store.save(first)
    auto = store.autosave(_page(image, "edit never saved"))
    saved = store.annotation_path(image)
    os.utime(auto, ns=(1_000_000_000, 1_000_000_000))  # the saved file was touched after it (a sync tool)
    assert saved.stat().st_mtime_ns > auto.stat().st_mtime_ns
    assert store.recover(image) is None  # unattended work (Recognize All, import, export) keeps the saved file
    assert store.recover(image, older_too=True).words[0].text == "edit never saved"  # the window offers it
    assert store.autosave_is_older(image)
    store.autosave(first)  # an autosave that holds what was saved offers nothing
    assert store.recover(image, older_too=True) is None and not store.autosave_is_older(image)


def test_malformed_sidecar_is_never_overwritten(folder, monkeypatch):
    image = folder / "a.png"
    sidecar = folder / "a.png.ocr.json"
    sidecar.write_text('{"format": "ocr-studio", "version": 1, "page": {"width": ')
    store = AnnotationStore(folder)
    with pytest.raises(AnnotationFormatError, match="a.png.ocr.json:1: broken JSON"):
        store.save(_page(image, "would clobber"))  # checked even without a load first
    with pytest.raises(AnnotationFormatError):
        store.load(image)
    assert store.is_blocked(image)
    with pytest.raises(AnnotationFormatError, match="not overwritten"):
        store.save(_page(image))
    assert store.autosave(_page(image, "kept aside")).exists()  # work can still be autosaved
    assert sidecar.read_text().endswith('"width": ')
    moved = store.set_aside(image)
    assert moved.exists() and not sidecar.exists() and not store.is_blocked(image)
    store.save(_page(image, "fixed"))
    assert store.load(image).words[0].text == "fixed"
    sidecar.write_text("broken again, within the same second")
    with pytest.raises(AnnotationFormatError):
        store.load(image)
    stamp = moved.name.rsplit(".broken-", 1)[1]
    monkeypatch.setattr(time, "strftime", lambda *_a: stamp)  # the clock still says the same second
    again = store.set_aside(image)  # a second copy set aside within one second keeps the first
    assert again != moved and again.exists() and moved.read_text().endswith('"width": ')


def test_fixed_on_disk_unblocks(folder):
    image = folder / "a.png"
    sidecar = folder / "a.png.ocr.json"
    sidecar.write_text("not json")
    store = AnnotationStore(folder)
    with pytest.raises(AnnotationFormatError):
        store.load(image)
    with pytest.raises(AnnotationFormatError, match="not overwritten"):
        store.save(_page(image))
    write_page_file(sidecar, _page(image, "valid"))  # the user fixes the file outside the app
    os.utime(sidecar, ns=(7_000_000_000, 7_000_000_000))  # "fixed on disk": a new modification time
    store.save(_page(image, "after fix"))  # checked again, found valid, saved without a load first
    assert store.load(image).words[0].text == "after fix"
    sidecar.unlink()
    assert store.load(image) is None and not store.is_blocked(image)


def test_survives_moving_the_folder(folder, tmp_path):
    store = AnnotationStore(folder)
    store.save(_page(folder / "sub" / "b.jpg", "moved", checked=True))
    target = tmp_path / "new place" / "photos"
    shutil.move(str(folder), str(target))
    moved = AnnotationStore(target)
    page = moved.load(target / "sub" / "b.jpg")
    assert page.image_path == str(target / "sub" / "b.jpg") and page.words[0].text == "moved"
    assert moved.is_checked(target / "sub" / "b.jpg") and not moved.is_checked(target / "a.png")


def test_index_follows_external_edits(folder):
    store = AnnotationStore(folder)
    image = folder / "a.png"
    path = store.save(_page(image, checked=True))
    data = json.loads(path.read_text())
    data["page"]["checked"] = False
    path.write_text(json.dumps(data))
    os.utime(path, ns=(5_000_000_000, 5_000_000_000))
    assert not AnnotationStore(folder).is_checked(image)
    (folder / project.INDEX_NAME).write_text("{broken")
    marks = AnnotationStore(folder).checked_images([image, folder / "sub" / "b.jpg"])
    assert marks == {image: False, folder / "sub" / "b.jpg": False}


def test_project_folder(folder, tmp_path):
    proj = tmp_path / "proj"
    store = AnnotationStore(folder, project_dir=proj)
    image = folder / "sub" / "b.jpg"
    path = store.save(_page(image, "in project", checked=True))
    assert path == proj / "annotations" / "sub" / "b.jpg.ocr.json"
    assert not list(folder.rglob("*.ocr.json")) and not (folder / project.INDEX_NAME).exists()
    reopened = AnnotationStore.from_project(proj)
    assert reopened.root == folder and reopened.load(image).words[0].text == "in project"
    assert reopened.is_checked(image)
    with pytest.raises(ValueError, match="outside"):
        store.annotation_path(tmp_path / "elsewhere.png")


def test_read_only_folder_uses_a_project_dir(folder, tmp_path, monkeypatch):
    monkeypatch.setenv("OCR_STUDIO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(project.os, "access", lambda path, mode: False)
    store = AnnotationStore(folder)
    assert store.project_dir is not None and store.project_dir.is_relative_to(tmp_path / "data")
    path = store.save(_page(folder / "a.png"))
    assert path.is_relative_to(tmp_path / "data") and not (folder / "a.png.ocr.json").exists()


def test_set_checked_and_list_images(folder):
    store = AnnotationStore(folder)
    assert list_images(folder) == [folder / "a.png"]
    assert list_images(folder, recursive=True) == [folder / "a.png", folder / "sub" / "b.jpg"]
    store.set_checked(folder / "a.png")
    page = store.load(folder / "a.png")
    assert page.checked and (page.width, page.height) == (30, 20) and page.words == []
    with pytest.raises(ValueError, match="image_path"):
        store.save(Page(width=1, height=1))


def test_a_sidecar_changed_by_another_program_is_kept_before_a_save(folder):
    store = AnnotationStore(folder)
    image = folder / "a.png"
    path = store.save(_page(image, "mine"))
    store.save(_page(image, "mine again"))
    assert store.last_outside_copy is None  # our own files: no copies
    data = json.loads(path.read_text())
    data["page"]["lines"][0]["words"][0]["text"] = "theirs"
    path.write_text(json.dumps(data))  # another program (or a colleague) edits the file
    os.utime(path, ns=(7_000_000_000, 7_000_000_000))
    store.save(_page(image, "mine, later"))
    copy = store.last_outside_copy
    assert copy is not None and copy.name.startswith("a.png.ocr.json.outside-")
    assert json.loads(copy.read_text())["page"]["lines"][0]["words"][0]["text"] == "theirs"
    store.save(_page(image, "once more"))  # the .bak rotates; the outside copy stays
    assert store.last_outside_copy is None and copy.is_file()
    assert store.load(image).words[0].text == "once more"


@pytest.mark.parametrize("before", ["absent", "malformed"])
def test_a_sidecar_created_or_repaired_elsewhere_is_kept_too(folder, before):
    store = AnnotationStore(folder)
    image = folder / "a.png"
    path = store.annotation_path(image)
    if before == "malformed":
        path.write_text("{ broken")
        with pytest.raises(AnnotationFormatError):
            store.load(image)
    else:
        assert store.load(image) is None
    path.write_text(project.dumps_page(_page(image, "theirs"), path.parent))  # another program writes it meanwhile
    os.utime(path, ns=(9_000_000_000, 9_000_000_000))
    store.save(_page(image, "mine"))
    assert store.last_outside_copy is not None
    assert json.loads(store.last_outside_copy.read_text())["page"]["lines"][0]["words"][0]["text"] == "theirs"


def test_word_counts_come_from_the_index_while_it_is_current(folder, monkeypatch):
    store = AnnotationStore(folder)
    image = folder / "a.png"
    assert store.word_count(image) is None
    store.save(_page(image, "one"))
    fresh = AnnotationStore(folder)
    calls = []
    real = project.parse_page_text
    monkeypatch.setattr(project, "parse_page_text", lambda *a: calls.append(1) or real(*a))
    assert fresh.word_count(image) == 1 and not calls  # the index written by the save answered
    path = store.annotation_path(image)
    data = json.loads(path.read_text())
    data["page"]["lines"] = []
    path.write_text(json.dumps(data))  # changed on disk: the sidecar is read again
    os.utime(path, ns=(11_000_000_000, 11_000_000_000))
    assert fresh.word_count(image) == 0 and calls


def test_long_image_names_save_and_autosave_again_and_again(tmp_path):
    """Names near the file system's 255-byte limit (74 CJK characters are 222 bytes): the temporary files of
    the atomic writes must still fit, for the first save, the autosave and every later save (with its .bak)."""
    from PIL import Image

    name = "\u6587" * 74 + ".png"
    Image.new("RGB", (120, 60), "white").save(tmp_path / name)
    store = AnnotationStore(tmp_path)
    image = tmp_path / name
    store.save(_page(image, "first"))
    assert store.autosave(_page(image, "autosaved")).exists()
    store.save(_page(image, "second"))
    assert store.load(image).words[0].text == "second" and store.backup_path(image).exists()


def test_the_index_is_not_written_into_a_folder_that_was_moved(tmp_path):
    from PIL import Image

    folder = tmp_path / "scans"
    folder.mkdir()
    Image.new("RGB", (20, 10), "white").save(folder / "a.png")
    store = AnnotationStore(folder)
    store.save(_page(folder / "a.png", "x"))
    store.is_checked(folder / "a.png")
    store._index_dirty = True  # a refreshed entry waits to be written at shutdown
    folder.rename(tmp_path / "renamed")
    store.flush()
    assert not folder.exists()  # no empty folder of the old name
