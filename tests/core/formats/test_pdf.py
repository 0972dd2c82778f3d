"""Searchable PDF: the image, with the words as invisible text where they are on it."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from ocr_core.document import Page, Word
from ocr_core.errors import AnnotationFormatError
from ocr_core.formats import write_annotations
from ocr_core.geometry import quad_from_rect, rotate_quad

pypdf = pytest.importorskip("pypdf")


def _page(image_path, width=200, height=100) -> Page:
    words = [
        Word(quad_from_rect(10, 10, 60, 30), "Hello", 0.9),
        Word(quad_from_rect(70, 10, 130, 30), "Grüße€", 0.8),       # Windows-1252 has these
        Word(rotate_quad(quad_from_rect(20, 50, 90, 70), 30), "tilted", 0.7),
        Word(quad_from_rect(140, 10, 190, 30), "###"),                # illegible: left out
        Word(quad_from_rect(140, 50, 190, 70), "東京", 0.6),          # outside the font's encoding
    ]
    return Page.from_words(words, width, height, image_path=str(image_path))


def _objects(data: bytes) -> dict[int, bytes]:
    """Every object by number, checking that the cross-reference table points at each one."""
    start = int(re.search(rb"startxref\n(\d+)\n%%EOF", data).group(1))
    assert data[start:].startswith(b"xref\n")
    count = int(re.match(rb"xref\n0 (\d+)\n", data[start:]).group(1))
    offsets = re.findall(rb"(\d{10}) 00000 n ", data[start:])
    assert len(offsets) == count - 1
    found = {}
    for number, offset in enumerate(offsets, start=1):
        head = f"{number} 0 obj\n".encode()
        assert data[int(offset): int(offset) + len(head)] == head
        found[number] = data[int(offset):]
    return found


def test_text_can_be_found_and_the_image_is_the_page(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 255, (100, 200, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "scan.png", dpi=(144, 144))
    out = tmp_path / "scan.pdf"
    assert write_annotations([_page(tmp_path / "scan.png")], out, "pdf") == [out]
    data = out.read_bytes()
    _objects(data)
    reader = pypdf.PdfReader(out)
    (page,) = reader.pages
    assert [float(v) for v in page.mediabox] == pytest.approx([0, 0, 100, 50], abs=0.01)  # 200 x 100 px, 144 dpi
    text = page.extract_text()
    assert "Hello" in text and "Grüße€" in text and "tilted" in text and "??" in text
    assert "###" not in text
    image = page.images[0].image
    assert image.size == (200, 100) and np.array_equal(np.asarray(image.convert("RGB")), rgb)  # lossless
    assert b"3 Tr" in page.get_contents().get_data()  # invisible text


def test_jpeg_is_embedded_as_it_is_and_a_folder_gets_a_file_per_page(tmp_path):
    Image.fromarray(np.full((100, 200, 3), 200, np.uint8)).save(tmp_path / "a.jpg", quality=80)
    Image.fromarray(np.full((100, 200), 90, np.uint8)).save(tmp_path / "b.png")
    pages = [_page(tmp_path / "a.jpg"), _page(tmp_path / "b.png")]
    written = write_annotations(pages, tmp_path / "out", "pdf")
    assert [p.name for p in written] == ["a.pdf", "b.pdf"]
    assert (tmp_path / "a.jpg").read_bytes() in written[0].read_bytes()  # DCT bytes, not re-encoded
    assert b"/DeviceGray" in written[1].read_bytes()  # a grey image stays grey
    both = write_annotations(pages, tmp_path / "both.pdf", "pdf")
    assert len(pypdf.PdfReader(both[0]).pages) == 2


def test_words_follow_the_image_when_the_page_was_annotated_at_another_size(tmp_path):
    Image.fromarray(np.zeros((200, 400, 3), np.uint8)).save(tmp_path / "big.png")
    page = Page.from_words([Word(quad_from_rect(50, 25, 100, 50), "half", 0.9)], 200, 100,
                           image_path=str(tmp_path / "big.png"))
    out = write_annotations([page], tmp_path / "big.pdf", "pdf")[0]
    (text, x, y), = _positions(out)
    assert text == "half" and 100 <= x <= 112 and 200 - 100 <= y <= 200 - 50  # in the 400 x 200 image's frame


def test_a_missing_image_is_a_clear_error_and_names_the_way_out(tmp_path):
    with pytest.raises(AnnotationFormatError, match="image not found.*--images"):
        write_annotations([_page(tmp_path / "gone.png")], tmp_path / "x.pdf", "pdf")
    assert not (tmp_path / "x.pdf").exists()
    Image.fromarray(np.zeros((100, 200, 3), np.uint8)).save(tmp_path / "elsewhere.png")
    page = _page(tmp_path / "moved" / "elsewhere.png")
    assert write_annotations([page], tmp_path / "y.pdf", "pdf", images_dir=tmp_path)  # found by name in --images


def _positions(pdf_path):
    found = []
    pypdf.PdfReader(pdf_path).pages[0].extract_text(
        visitor_text=lambda text, cm, tm, *_: found.append((text, tm[4], tm[5])) if text.strip() else None)
    return found


def test_counter_clockwise_boxes_and_labels_with_line_breaks(tmp_path):
    Image.fromarray(np.zeros((100, 400, 3), np.uint8)).save(tmp_path / "form.png")
    tl, tr, br, bl = quad_from_rect(100, 20, 300, 60)
    words = [Word(np.array([tl, bl, br, tr]), "drawn anticlockwise", None),  # as a labelme polygon may be
             Word(quad_from_rect(10, 70, 90, 90), "two\nlines\u2029here", None)]
    page = Page.from_words(words, 400, 100, image_path=str(tmp_path / "form.png"))
    out = write_annotations([page], tmp_path / "form.pdf", "pdf")[0]
    found = dict((text, (x, y)) for text, x, y in _positions(out))
    x, y = found["drawn anticlockwise"]
    assert 100 <= x <= 110 and 100 - 60 <= y <= 100 - 20  # on its box, reading left to right
    assert "two lines here" in found
