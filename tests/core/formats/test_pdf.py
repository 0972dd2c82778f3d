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
        Word(quad_from_rect(140, 50, 190, 70), "東京", 0.6),          # outside Helvetica's: the Unicode font
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
    assert "Hello" in text and "Grüße€" in text and "tilted" in text and "東京" in text
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


def test_any_script_is_searchable_and_latin_only_pages_need_no_second_font(tmp_path):
    Image.fromarray(np.full((100, 300, 3), 255, np.uint8)).save(tmp_path / "u.png")
    words = [Word(quad_from_rect(10, 10, 60, 30), "Hello", 0.9),
             Word(quad_from_rect(140, 10, 250, 30), "Привет", 0.9),
             Word(quad_from_rect(10, 50, 120, 70), "Ελληνικά", 0.9),
             Word(quad_from_rect(130, 50, 200, 70), "a\U0001F600b", 0.9)]  # beyond the BMP: U+FFFD
    out = tmp_path / "u.pdf"
    write_annotations([Page.from_words(words, 300, 100, image_path=str(tmp_path / "u.png"))], out, "pdf")
    _objects(out.read_bytes())
    text = pypdf.PdfReader(out).pages[0].extract_text()
    assert "Hello" in text and "Привет" in text and "Ελληνικά" in text and "a\ufffdb" in text
    assert b"/Type0" in out.read_bytes() and b"/ToUnicode" in out.read_bytes()

    latin = tmp_path / "latin.pdf"
    write_annotations([Page.from_words(words[:1], 300, 100, image_path=str(tmp_path / "u.png"))], latin, "pdf")
    assert b"/Type0" not in latin.read_bytes() and "Hello" in pypdf.PdfReader(latin).pages[0].extract_text()


def test_the_unicode_text_spans_its_box(tmp_path):
    Image.fromarray(np.full((100, 300, 3), 255, np.uint8)).save(tmp_path / "u.png")
    out = tmp_path / "u.pdf"
    word = Word(quad_from_rect(70, 10, 230, 30), "東京タワー", 0.9)
    write_annotations([Page.from_words([word], 300, 100, image_path=str(tmp_path / "u.png"))], out, "pdf")
    spans = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            spans.append((text, tm[4]))

    page = pypdf.PdfReader(out).pages[0]
    page.extract_text(visitor_text=visit)
    ((text, x),) = spans
    assert text == "東京タワー" and 70 <= x <= 80  # starts at the box, less the small end margin
    # each character is one blank glyph 0.5 em wide, stretched horizontally (Tz) to end at the box's end
    size, stretch, units = re.search(rb"/F2 (\S+) Tf (\S+) Tz .*<([0-9A-F]+)> Tj", page.get_contents().get_data()).groups()
    end = x + len(units) / 4 * 0.5 * float(size) * float(stretch) / 100
    assert 220 <= end <= 230
