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


def test_import_never_wipes_boxes_and_asks_before_replacing_them(window, qtbot, image_dir, tmp_path, monkeypatch):
    import json

    from ocr_core.project import AnnotationStore

    recognized_window(window, qtbot, image_dir)
    window.editor.set_text(window.model.word_ids()[0], "corrected")
    window.session.next_image(1)  # page1's corrections are saved; page2 has nothing yet
    qtbot.waitUntil(lambda: not window.session.io_busy, timeout=3000)
    folder = tmp_path / "labelme"
    folder.mkdir()
    circle = {"label": "logo", "points": [[10, 10], [20, 20]], "shape_type": "circle", "flags": {}}
    box = {"label": "new", "points": [[5, 5], [40, 5], [40, 20], [5, 20]], "shape_type": "polygon", "flags": {}}
    for name, shapes in (("page1", [circle]), ("page3", [box])):  # no imageWidth / imageHeight (allowed)
        (folder / f"{name}.json").write_text(json.dumps(
            {"version": "5.0.1", "flags": {}, "shapes": shapes, "imagePath": f"{name}.png", "imageData": None}),
            encoding="utf-8")
    messages: list[str] = []
    window.transfer.message.connect(messages.append)
    asked = []
    monkeypatch.setattr(dialogs, "ask_import", lambda *_a, **_k: (str(folder), "labelme"))
    monkeypatch.setattr(dialogs, "ask_replace_annotated", lambda *a: asked.append(a) or "replace")
    window.action_set["import"].trigger()
    store = AnnotationStore(image_dir)
    saved = store.load(image_dir / "page1.png")
    assert saved is not None and saved.words[0].text == "corrected"  # a page without text boxes wipes nothing
    assert not asked  # page3 had no boxes: nothing to ask
    page3 = store.load(image_dir / "page3.png")
    assert [w.text for w in page3.words] == ["new"]
    assert (page3.width, page3.height) == (120, 60)  # the image's size, not the words' extent
    assert "Imported 1 page" in messages[-1] and "page1.png" in messages[-1]

    # a page with boxes replaces an image's boxes only if the user says so
    (folder / "page1.json").write_text((folder / "page3.json").read_text().replace("page3", "page1"))
    for choice, expected in (("skip", "corrected"), ("cancel", "corrected"), ("replace", "new")):
        monkeypatch.setattr(dialogs, "ask_replace_annotated", lambda _w, *a, c=choice: asked.append(a) or c)
        window.action_set["import"].trigger()
        assert asked[-1][0] == "Import" and "page1.png" in asked[-1][1]
        assert store.load(image_dir / "page1.png").words[0].text == expected


def test_a_failed_export_leaves_the_earlier_export_as_it_was(window, qtbot, image_dir, tmp_path, monkeypatch):
    import ocr_core.formats.ppocrlabel as ppocrlabel

    window.open_paths([image_dir])
    for _ in range(2):  # two images with boxes
        window.action_set["recognize"].trigger()
        qtbot.waitUntil(lambda: len(window.model) == 3, timeout=5000)
        window.session.next_image(1)
    out = tmp_path / "paddle"
    monkeypatch.setattr(dialogs, "ask_export", lambda *_a, **_k: (str(out), "ppocrlabel"))
    window.action_set["export"].trigger()
    earlier = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert (out / "Label.txt") in earlier and len(earlier) > 3

    real = ppocrlabel.atomic_write_text
    calls = []

    def full_disk(path, text, *a, **k):
        calls.append(path)
        if len(calls) == 2:  # Label.txt replaced, then the disk is full
            raise OSError(28, "No space left on device")
        return real(path, text, *a, **k)

    monkeypatch.setattr(ppocrlabel, "atomic_write_text", full_disk)
    window.session.next_image(-1)  # back to an image with boxes: edit it, so the new export differs
    window.editor.set_text(window.model.word_ids()[0], "changed")
    messages = []
    window.transfer.message.connect(messages.append)
    window.action_set["export"].trigger()
    assert "Export failed" in messages[-1] and "No space left" in messages[-1]
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == earlier


def test_export_a_searchable_pdf(window, qtbot, image_dir, tmp_path, monkeypatch):
    pypdf = pytest.importorskip("pypdf")
    recognized_window(window, qtbot, image_dir)
    out = tmp_path / "pdf"
    monkeypatch.setattr(dialogs, "ask_export", lambda *_a, **_k: (str(out), "pdf"))
    window.action_set["export"].trigger()
    (pdf,) = out.glob("*.pdf")
    assert pdf.stem == window.session.current_path.stem
    assert pypdf.PdfReader(pdf).pages[0].extract_text().split() == ["hello", "world", "lowconf"]


def test_import_takes_the_files_done_marks_and_clears_none(window, qtbot, image_dir, tmp_path, monkeypatch):
    from ocr_core.document import Page, Word
    from ocr_core.formats import write_annotations

    def page(name: str, checked: bool) -> Page:
        return Page(width=10, height=10, image_path=str(image_dir / name), checked=checked,
                    lines=Page.from_words([Word([[1, 1], [8, 1], [8, 5], [1, 5]], name[:5])], 10, 10).lines)

    assert window.open_paths([image_dir]) and window.session.current_path.name == "page1.png"
    out = tmp_path / "pp"
    write_annotations([page("page1.png", True), page("page2.png", True)], out, "ppocrlabel")
    monkeypatch.setattr(dialogs, "ask_import", lambda *_a, **_k: (str(out), "ppocrlabel"))
    window.action_set["import"].trigger()
    assert window.model.page.checked  # the image on screen, as for the others
    assert read_annotations(window.session.store.annotation_path(image_dir / "page2.png"), "studio")[0].checked
    window.stack.undo()
    assert not window.model.page.checked

    # a format without done marks leaves the user's mark alone
    window.editor.set_checked(True)
    assert window.session.save()
    icdar = tmp_path / "icdar"
    write_annotations([page("page1.png", False), page("page2.png", False)], icdar, "icdar2015")
    monkeypatch.setattr(dialogs, "ask_import", lambda *_a, **_k: (str(icdar), "icdar2015"))
    monkeypatch.setattr(window.transfer, "confirm_replace", lambda *_a: "replace")
    window.action_set["import"].trigger()
    assert [w.text for w in window.model.words()] == ["page1"] and window.model.page.checked
    assert read_annotations(window.session.store.annotation_path(image_dir / "page2.png"), "studio")[0].checked
