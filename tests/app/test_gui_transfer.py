"""File > Export and File > Import through the window's actions (dialogs replaced)."""

from __future__ import annotations

import shutil

import pytest
from gui_helpers import recognized_window

from app import dialogs
from ocr_core.formats import read_annotations

ROUND_TRIP = ["icdar2015", "ppocrlabel", "labelme", "cocotext", "hocr", "studio"]


@pytest.mark.parametrize("fmt", ROUND_TRIP)
def test_export_then_import_round_trip(window, qtbot, image_dir, tmp_path, monkeypatch, fmt):
    recognized_window(window, qtbot, image_dir)
    window.editor.set_text(window.model.word_ids()[0], "Edited, with comma")
    out = tmp_path / f"export-{fmt}"
    monkeypatch.setattr(dialogs, "ask_export", lambda *_a, **_k: (str(out), fmt))
    window.action_set["export"].trigger()
    source = out / "cocotext.json" if fmt == "cocotext" else out  # one file for all images
    pages = read_annotations(source, fmt, images_dir=image_dir)
    assert len(pages) == 1  # only the annotated image
    assert [w.text for w in pages[0].words][0] == "Edited, with comma"

    # Import into the same images, opened fresh (no annotations yet)
    fresh = tmp_path / "fresh"
    shutil.copytree(image_dir, fresh, ignore=shutil.ignore_patterns("*.ocr.json*", ".ocr-studio*"))
    assert window.open_paths([fresh]) and len(window.model) == 0
    monkeypatch.setattr(dialogs, "ask_import", lambda *_a, **_k: (str(source), fmt))
    window.action_set["import"].trigger()
    texts = [w.text for w in window.model.words()]
    assert sorted(texts) == sorted(["Edited, with comma", "world", "lowconf"])
    assert window.isWindowModified()
    window.stack.undo()  # an import is one undo step
    assert len(window.model) == 0


def test_plain_text_export_is_in_reading_order(window, qtbot, image_dir, tmp_path, monkeypatch):
    recognized_window(window, qtbot, image_dir)
    out = tmp_path / "text"
    monkeypatch.setattr(dialogs, "ask_export", lambda *_a, **_k: (str(out), "text"))
    window.action_set["export"].trigger()
    files = list(out.glob("*.txt"))
    assert len(files) == 1
    assert files[0].read_text(encoding="utf-8").split() == ["hello", "world", "lowconf"]


def test_import_applies_to_other_images_and_reports_errors(window, qtbot, image_dir, tmp_path, monkeypatch):
    recognized_window(window, qtbot, image_dir)
    out = tmp_path / "icdar"
    monkeypatch.setattr(dialogs, "ask_export", lambda *_a, **_k: (str(out), "icdar2015"))
    window.action_set["export"].trigger()
    (out / "gt_page1.txt").rename(out / "gt_page2.txt")  # now it describes the second image
    monkeypatch.setattr(dialogs, "ask_import", lambda *_a, **_k: (str(out), "icdar2015"))
    window.action_set["import"].trigger()
    window.session.next_image(1)
    assert [w.text for w in window.model.words()] == ["hello", "world", "lowconf"]

    broken = tmp_path / "broken.json"
    broken.write_text("[not a labelme file", encoding="utf-8")
    messages = []
    window.transfer.message.connect(messages.append)
    monkeypatch.setattr(dialogs, "ask_import", lambda *_a, **_k: (str(broken), "labelme"))
    window.action_set["import"].trigger()
    assert messages and messages[-1].startswith("Import failed") and "broken.json" in messages[-1]
