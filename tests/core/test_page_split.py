"""Splitting multi-page TIFFs and PDFs into one PNG per page (ocr_core.page_split)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from PIL import Image

from ocr_core.cancel import CancelToken
from ocr_core.errors import Cancelled, ImageReadError, OcrError
from ocr_core.imageio import read_image
from ocr_core.page_split import MANIFEST_NAME, page_file_name, pages_folder, split_pages


def _frames(n: int, color: bool = False) -> list[Image.Image]:
    frames = []
    for k in range(n):
        arr = np.full((40, 60, 3), 255, np.uint8)
        arr[5:15, 5 + 10 * k:15 + 10 * k] = (200, 30, 30) if color else 0  # a mark whose place tells the page
        frames.append(Image.fromarray(arr))
    return frames


def _tiff(path, n: int = 3, color: bool = False):
    frames = _frames(n, color)
    frames[0].save(path, save_all=True, append_images=frames[1:])
    return path


def test_every_page_of_a_tiff_becomes_a_png_in_page_order(tmp_path):
    scan = _tiff(tmp_path / "scan.tif")
    result = split_pages(scan)
    assert result.folder == tmp_path / "scan.tif.pages"
    assert [p.name for p in result.pages] == ["scan-p001.png", "scan-p002.png", "scan-p003.png"]
    assert result.written == result.pages and not result.failed
    for k, page in enumerate(result.pages):
        pixels = read_image(page)
        assert pixels.shape == (40, 60, 3)
        assert pixels[10, 10 + 10 * k].max() == 0 and pixels[30, 30].min() == 255  # page k's mark, in its place
        assert Image.open(page).mode == "L"  # a gray page is written gray
    manifest = json.loads((result.folder / MANIFEST_NAME).read_text())
    assert manifest["source"] == "scan.tif" and manifest["size"] == scan.stat().st_size


def test_color_pages_stay_color(tmp_path):
    result = split_pages(_tiff(tmp_path / "c.tif", 2, color=True))
    assert Image.open(result.pages[1]).mode == "RGB"
    assert tuple(read_image(result.pages[1])[10, 20]) == (200, 30, 30)


def test_pdf_pages_are_rendered(tmp_path):
    frames = _frames(2)
    pdf = tmp_path / "doc.pdf"
    frames[0].save(pdf, save_all=True, append_images=frames[1:], resolution=72)
    result = split_pages(pdf)
    assert [p.name for p in result.pages] == ["doc-p001.png", "doc-p002.png"]
    second = read_image(result.pages[1])
    assert second.shape == (40, 60, 3)  # a scanned page: its own pixels
    assert second[10, 20].max() < 60 and second[10, 10].min() > 200 and second[30, 30].min() > 200


def test_splitting_again_keeps_the_pages_there_and_adds_missing_ones(tmp_path):
    scan = _tiff(tmp_path / "scan.tif")
    first = split_pages(scan, pages={1, 3})
    assert [p.name for p in first.pages] == ["scan-p001.png", "scan-p003.png"]
    # a page annotated (or edited) since must not be replaced
    (first.folder / "scan-p001.png.ocr.json").write_text("{}")
    before = first.pages[0].stat().st_mtime_ns
    os.utime(first.pages[0], ns=(before - 10**9, before - 10**9))
    os.utime(scan, ns=(1, 1))  # copied elsewhere with its pages: new times, the same content
    again = split_pages(scan)
    assert [p.name for p in again.pages] == ["scan-p001.png", "scan-p002.png", "scan-p003.png"]
    assert [p.name for p in again.written] == ["scan-p002.png"]
    assert again.pages[0].stat().st_mtime_ns == before - 10**9


def test_a_folder_made_from_another_version_of_the_file_is_refused(tmp_path):
    scan = _tiff(tmp_path / "scan.tif")
    result = split_pages(scan)
    _tiff(scan, 4)  # the document was replaced by a longer one
    with pytest.raises(OcrError, match="earlier version"):
        split_pages(scan)
    assert sorted(p.name for p in result.folder.glob("*.png")) == [p.name for p in result.pages]


def test_a_folder_of_other_files_is_refused(tmp_path):
    scan = _tiff(tmp_path / "scan.tif")
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(OcrError, match="not made by splitting"):
        split_pages(scan, other)
    assert [p.name for p in other.iterdir()] == ["notes.txt"]
    _tiff(tmp_path / "other.tif")
    split_pages(tmp_path / "other.tif", tmp_path / "o")
    with pytest.raises(OcrError, match="pages of other.tif"):
        split_pages(scan, tmp_path / "o")


def test_cancel_between_pages_leaves_whole_pages(tmp_path):
    scan = _tiff(tmp_path / "scan.tif", 4)
    token = CancelToken()
    seen = []

    def progress(done, total, _message):
        seen.append((done, total))
        if done == 2:
            token.cancel()

    with pytest.raises(Cancelled):
        split_pages(scan, cancel=token, progress=progress)
    assert seen == [(1, 4), (2, 4)]
    folder = pages_folder(scan)
    assert sorted(p.name for p in folder.glob("*.png")) == ["scan-p001.png", "scan-p002.png"]
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no half-written temporary file
    assert len(split_pages(scan).written) == 2  # the rest comes on the next try


def test_a_failed_write_keeps_the_pages_before_it(tmp_path, monkeypatch):
    import ocr_core.page_split as page_split

    scan = _tiff(tmp_path / "scan.tif", 3)
    real = page_split.write_image
    calls = []

    def full_disk(path, image, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(path, image, **kwargs)

    monkeypatch.setattr(page_split, "write_image", full_disk)
    with pytest.raises(OSError, match="No space"):
        split_pages(scan)
    assert sorted(p.name for p in pages_folder(scan).glob("*.png")) == ["scan-p001.png"]


def test_unreadable_input_gives_clear_errors(tmp_path):
    with pytest.raises(ImageReadError, match="no such file"):
        split_pages(tmp_path / "missing.pdf")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(ImageReadError, match="not a readable PDF"):
        split_pages(broken)
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"\0" * 100)
    with pytest.raises(ImageReadError):
        split_pages(junk)
    assert not (tmp_path / "junk.tif.pages").exists() and not (tmp_path / "broken.pdf.pages").exists()
    with pytest.raises(OcrError, match="none of the pages"):
        split_pages(_tiff(tmp_path / "scan.tif", 2), pages={5})


def test_read_only_folder_sends_pages_to_the_project_folder(tmp_path, monkeypatch):
    import ocr_core.page_split as page_split

    monkeypatch.setenv("OCR_STUDIO_DATA_DIR", str(tmp_path / "data"))
    scans = tmp_path / "scans"
    scans.mkdir()
    scan = _tiff(scans / "scan.tif", 2)
    real_access = os.access
    # chmod does not stop root (the test machines run as root): the folder is made to look read-only
    monkeypatch.setattr(page_split.os, "access",
                        lambda path, mode: False if os.fspath(path) == str(scans) else real_access(path, mode))
    folder = pages_folder(scan)
    assert folder.is_relative_to(tmp_path / "data") and folder.name == "scan.tif.pages"
    assert len(split_pages(scan).pages) == 2
    assert not (scans / "scan.tif.pages").exists()


def test_page_numbers_are_padded_to_the_page_count():
    assert page_file_name("a.tif", 3, 9) == "a-p003.png"
    assert page_file_name("a.tif", 3, 1200) == "a-p0003.png"


def test_pages_keep_their_resolution(tmp_path):
    frames = _frames(2)
    frames[0].save(tmp_path / "scan.tif", save_all=True, append_images=frames[1:], dpi=(300, 300))
    page = split_pages(tmp_path / "scan.tif").pages[1]
    assert [round(v) for v in Image.open(page).info["dpi"]] == [300, 300]  # its size on paper stays 0.2 x 0.13 in
    frames[0].save(tmp_path / "doc.pdf", save_all=True, append_images=frames[1:], resolution=150)
    page = split_pages(tmp_path / "doc.pdf").pages[0]
    assert [round(v) for v in Image.open(page).info["dpi"]] == [150, 150]


def test_a_single_page_image_or_a_file_in_the_way_is_one_clear_error(tmp_path):
    Image.new("RGB", (20, 10), "white").save(tmp_path / "one.png")
    with pytest.raises(OcrError, match="single page: nothing to split"):
        split_pages(tmp_path / "one.png")
    (tmp_path / "afile").write_text("mine")
    with pytest.raises(OcrError, match="is a file, not a folder"):
        split_pages(_tiff(tmp_path / "scan.tif", 2), tmp_path / "afile")
    assert (tmp_path / "afile").read_text() == "mine"
