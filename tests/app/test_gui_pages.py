"""Multi-page TIFFs and PDFs in the window: split into one image per page, then opened as images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from app import dialogs
from ocr_core.project import AnnotationStore


def _frames(n: int) -> list[Image.Image]:
    frames = []
    for k in range(n):
        arr = np.full((60, 80, 3), 255, np.uint8)
        arr[10:20, 10 + 12 * k:20 + 12 * k] = 0
        frames.append(Image.fromarray(arr))
    return frames


def _tiff(path: Path, n: int) -> Path:
    frames = _frames(n)
    frames[0].save(path, save_all=True, append_images=frames[1:])
    return path


def _pdf(path: Path, n: int) -> Path:
    frames = _frames(n)
    frames[0].save(path, save_all=True, append_images=frames[1:], resolution=72)
    return path


def test_a_multi_page_tiff_in_a_folder_shows_page_one_and_offers_to_split(window, qtbot, tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    _tiff(folder / "fax.tif", 3)
    Image.new("RGB", (80, 60), "white").save(folder / "plain.tif")
    assert window.open_paths([folder]) and window.session.current_path.name == "fax.tif"
    assert window.page.banner.isVisibleTo(window) and "fax.tif holds 3 pages" in window.page.banner.text()
    assert window.page.banner_button.isVisibleTo(window) and window.page.banner_button.text() == "Split into Pages"

    window.page.banner_button.click()
    qtbot.waitUntil(lambda: window.session.root == folder / "fax.tif.pages", timeout=10000)
    assert [p.name for p in window.session.images] == ["fax-p001.png", "fax-p002.png", "fax-p003.png"]
    assert window.page.canvas.has_image() and not window.page.banner.isVisibleTo(window)
    qtbot.waitUntil(window.is_idle, timeout=5000)
    assert not window.job_progress.isVisible()

    window.session.go_to(0)
    window.open_paths([folder / "plain.tif"])
    assert not window.page.banner.isVisibleTo(window)


def test_opening_a_pdf_asks_then_opens_its_pages(window, qtbot, tmp_path, monkeypatch):
    asked = []
    monkeypatch.setattr(dialogs, "ask_split_pages", lambda _parent, names: asked.append(names) or True)
    pdf = _pdf(tmp_path / "report.pdf", 2)
    photo = tmp_path / "photo.png"
    Image.new("RGB", (50, 40), "white").save(photo)
    assert window.open_paths([pdf, photo])
    assert asked == [["report.pdf"]]
    qtbot.waitUntil(lambda: len(window.session.images) == 3, timeout=10000)
    assert [p.name for p in window.session.images] == ["report-p001.png", "report-p002.png", "photo.png"]
    first = window.session.current_path
    assert first.parent == tmp_path / "report.pdf.pages"
    # the pages are ordinary images now: annotate one, and it is saved next to it
    window.editor.add_box(np.array([[10, 10], [40, 10], [40, 30], [10, 30]], float), "hello")
    assert window.session.save()
    assert (first.parent / "report-p001.png.ocr.json").exists()

    # opening the PDF again keeps the pages and their annotation
    before = first.stat().st_mtime_ns
    assert window.open_paths([pdf])
    qtbot.waitUntil(lambda: window.session.root == tmp_path / "report.pdf.pages", timeout=10000)
    assert first.stat().st_mtime_ns == before and [w.text for w in window.model.page.words] == ["hello"]


def test_declining_keeps_the_old_behaviour(window, tmp_path, monkeypatch):
    monkeypatch.setattr(dialogs, "ask_split_pages", lambda *_a: False)
    pdf = _pdf(tmp_path / "scan.pdf", 2)
    messages = []
    window.session.message.connect(messages.append)
    assert not window.open_paths([pdf])
    assert messages and "scan.pdf" in messages[-1] and "Split into Pages" in messages[-1]
    assert not (tmp_path / "scan.pdf.pages").exists()
    fax = _tiff(tmp_path / "fax.tif", 2)
    assert window.open_paths([fax]) and window.session.current_path == fax
    assert not (tmp_path / "fax.tif.pages").exists()


def test_a_broken_pdf_is_reported_and_nothing_is_lost(window, qtbot, tmp_path, monkeypatch, image_dir):
    monkeypatch.setattr(dialogs, "ask_split_pages", lambda *_a: True)
    assert window.open_paths([image_dir])
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 truncated")
    messages = []
    window.splitter.message.connect(messages.append)
    window.open_paths([broken])
    qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    assert "Cannot split broken.pdf" in messages[-1] and "not a readable PDF" in messages[-1]
    assert window.session.root == image_dir  # the images open before stay open
    qtbot.waitUntil(window.is_idle, timeout=5000)


def test_cancel_stops_splitting_and_keeps_whole_pages(window, qtbot, tmp_path, monkeypatch):
    import ocr_core.page_split as page_split

    monkeypatch.setattr(dialogs, "ask_split_pages", lambda *_a: True)
    fax = _tiff(tmp_path / "fax.tif", 4)
    real = page_split.write_image

    def cancel_after_two(path, image, **kwargs):
        real(path, image, **kwargs)
        if path.name.endswith("2.png"):
            window.splitter.cancel()  # as the status bar's Cancel does; here before page 3 is read

    monkeypatch.setattr(page_split, "write_image", cancel_after_two)
    messages = []
    window.splitter.message.connect(messages.append)
    window.open_paths([fax])
    qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    assert "Splitting cancelled" in messages[-1] and "fax.tif.pages" in messages[-1]
    assert sorted(p.name for p in (tmp_path / "fax.tif.pages").glob("*.png")) == ["fax-p001.png", "fax-p002.png"]
    assert not window.session.images


def test_splitting_waits_for_recognition_and_cancel_stops_the_split_only(window, qtbot, tmp_path, monkeypatch,
                                                                         image_dir, service):
    monkeypatch.setattr(dialogs, "ask_split_pages", lambda *_a: True)
    assert window.open_paths([image_dir])
    service.delay = 0.3
    window.recognition.confirm_replace = lambda *_a: "replace"
    window.action_set["recognize_folder"].trigger()
    assert window.recognition.is_busy
    window.open_paths([_tiff(tmp_path / "fax.tif", 2)])
    qtbot.waitUntil(lambda: not window.splitter.is_busy, timeout=10000)
    assert window.session.root == image_dir  # the batch's images stay open: their results are not dropped
    assert "open them once recognition is done" in window.statusBar().currentMessage()
    assert (tmp_path / "fax.tif.pages" / "fax-p001.png").exists()
    qtbot.waitUntil(lambda: not window.recognition.is_busy, timeout=10000)
    assert AnnotationStore(image_dir).load(image_dir / "page2.png") is not None  # its result was saved


def test_the_split_question_for_pdfs_offers_no_dead_end(qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []

    def fake_exec(box):
        shown.append([b.text() for b in box.buttons()])
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    dialogs.ask_split_pages(None, ["report.pdf"])
    dialogs.ask_split_pages(None, ["fax.tif", "report.pdf"])
    assert "Cancel" in shown[0] and "Open First Page Only" not in shown[0]
    assert "Open First Page Only" in shown[1]
