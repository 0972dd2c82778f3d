"""ICDAR 2015 codec: round trip, BOM, commas in text, ###, ICDAR 2013 lines, malformed files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from formats_helpers import assert_same_words, make_image

from ocr_core.errors import AnnotationFormatError
from ocr_core.formats import get_codec, read_annotations, write_annotations

codec = get_codec("icdar2015")


def test_round_trip(tricky_page, empty_page, tmp_path):
    out = tmp_path / "gt"
    written = write_annotations([tricky_page, empty_page], out, "icdar2015")
    assert sorted(p.name for p in written) == ["gt_blank.txt", "gt_scene.txt"]
    raw = (out / "gt_scene.txt").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
    assert "70,10,130,12,129,32,69,30,a,b,c\n" in raw.decode("utf-8")
    assert (out / "gt_blank.txt").read_text() == ""

    pages = read_annotations(out, images_dir=Path(tricky_page.image_path).parent)
    assert [Path(p.image_path).name for p in pages] == ["blank.png", "scene.png"]
    blank, scene = pages
    assert (blank.width, blank.height, blank.words) == (50, 40, [])
    assert (scene.width, scene.height) == (200, 100)  # from the image file
    assert_same_words(tricky_page, scene, atol=0.5, text=False)  # the text of ignored words is not kept
    legible = sorted(w.text for w in tricky_page.words if not w.ignore)
    assert sorted(w.text for w in scene.words if not w.ignore) == legible


def test_bom_crlf_commas_and_unicode(tmp_path):
    make_image(tmp_path / "img_7.jpg", 40, 30)
    gt = tmp_path / "gt_img_7.txt"
    gt.write_bytes("\ufeff1,2,11,2,11,8,1,8,Genaxis, Theatre\r\n\r\n3,4,13,4,13,9,3,9,###\r\n"
                   "0,0,5,0,5,5,0,5,東京\r\n".encode("utf-8"))
    (page,) = read_annotations(gt)
    assert page.image_path == str(tmp_path / "img_7.jpg")
    assert (page.width, page.height) == (40, 30)
    texts = sorted(w.label for w in page.words)
    assert texts == ["###", "Genaxis, Theatre", "東京"]
    ignored = [w for w in page.words if w.ignore]
    assert len(ignored) == 1 and ignored[0].label == "###"


def test_image_missing_size_from_boxes(tmp_path):
    gt = tmp_path / "gt_nowhere.txt"
    gt.write_text("1,2,31.5,2,31.5,18,1,18,x\n")
    (page,) = codec.read(gt)
    assert page.image_path is None and (page.width, page.height) == (32, 18)
    out = codec.write([page], tmp_path / "out")
    assert out == [tmp_path / "out" / "gt_nowhere.txt"]  # the name survives without an image


@pytest.mark.parametrize("line", ['38 43 920 215 "Tiredness"', "38,43,920,215,Tiredness", '38, 43, 920, 215, "Tiredness"'])
def test_icdar2013_lines(tmp_path, line):
    gt = tmp_path / "gt_13.txt"
    gt.write_text(line + "\n")
    (page,) = codec.read(gt)
    (word,) = page.words
    assert word.text == "Tiredness"
    np.testing.assert_allclose(word.quad, [[38, 43], [920, 43], [920, 215], [38, 215]])


@pytest.mark.parametrize(
    ("content", "line_no", "fragment"),
    [
        ("1,2,3,4,5,6,7,8,ok\n1,2,3,x,5,6,7,8,bad\n", 2, "bad coordinate"),
        ("1,2,3,4,5,6,7,8,ok\n1,2,3,4,5,6,7\n", 2, "fields"),
        ("hello world\n", 1, "expected"),
        ("1,2,3,4,5,6,7,8,ok\n1,2,3,4,5,6,7,nan,bad\n", 2, "finite"),
    ],
)
def test_malformed(tmp_path, content, line_no, fragment):
    gt = tmp_path / "gt_bad.txt"
    gt.write_text(content)
    with pytest.raises(AnnotationFormatError) as info:
        codec.read(gt)
    message = str(info.value)
    assert f"gt_bad.txt:{line_no}:" in message and fragment in message


def test_not_utf8(tmp_path):
    gt = tmp_path / "gt_latin.txt"
    gt.write_bytes("1,2,3,4,5,6,7,8,Stra\xdfe\n".encode("latin-1"))
    with pytest.raises(AnnotationFormatError, match="gt_latin.txt.*UTF-8"):
        codec.read(gt)


def test_single_file_output_and_folder_errors(tricky_page, empty_page, tmp_path):
    assert codec.write([tricky_page], tmp_path / "one.txt") == [tmp_path / "one.txt"]
    with pytest.raises(AnnotationFormatError, match="need a folder"):
        codec.write([tricky_page, empty_page], tmp_path / "two.txt")
    empty = tmp_path / "empty_folder"
    empty.mkdir()
    with pytest.raises(AnnotationFormatError, match="no gt_"):
        codec.read(empty)


def test_eight_numbers_without_a_text_are_an_untranscribed_icdar2015_box(tmp_path):
    gt = tmp_path / "gt_boxes.txt"
    gt.write_text("1,2,30,2,30,12,1,12\n40,2,60,2,60,12,40,12,word\n")
    (page,) = codec.read(gt)
    assert [w.text for w in page.words] == ["", "word"]  # not an ICDAR 2013 box "1,2,30,2" reading "30,12,1,12"
    np.testing.assert_allclose(page.words[0].quad, [[1, 2], [30, 2], [30, 12], [1, 12]])


def test_a_coordinate_out_of_range_is_a_format_error_with_its_line(tmp_path):
    gt = tmp_path / "gt_typo.txt"
    gt.write_text("1,2,3,4,5,6,7,8,ok\n0,0,1e300,0,1e300,1e300,0,1e300,typo\n", encoding="utf-8")
    with pytest.raises(AnnotationFormatError, match=r"gt_typo.txt:2:.*within"):
        codec.read(gt)


def test_transcriptions_holding_unicode_line_separators_survive_a_round_trip(tmp_path):
    """Only line feeds end a line: a form feed or U+2028 inside a transcription (labelme allows them) stays."""
    from ocr_core.document import Page, Word
    from ocr_core.formats.ppocrlabel import PPOCRLabelCodec

    texts = ["Total\u2028due", "Page\x0c2", "a\x1cb\x85c"]
    page = Page.from_words([Word(quad=[[1 + 20 * i, 1], [15 + 20 * i, 1], [15 + 20 * i, 9], [1 + 20 * i, 9]], text=t)
                            for i, t in enumerate(texts)], 80, 20, image_path=str(tmp_path / "scan.png"))
    codec.write([page], tmp_path / "gt")
    (again,) = codec.read(tmp_path / "gt")
    assert [w.text for w in again.words] == texts
    PPOCRLabelCodec().write([page], tmp_path / "paddle")
    (again,) = PPOCRLabelCodec().read(tmp_path / "paddle" / "Label.txt", images_dir=tmp_path)
    assert [w.text for w in again.words] == texts


def test_a_counter_clockwise_box_is_read_clockwise_and_a_rotated_one_keeps_its_first_corner(tmp_path):
    gt = tmp_path / "gt_img_1.txt"
    # the second box is text turned upside down, given clockwise from its own top-left (bottom-right on screen)
    gt.write_text("493,131,519,131,519,115,493,115,[06]\n80,40,10,40,10,20,80,20,flipped\n", encoding="utf-8")
    [page] = get_codec("icdar2015").read(gt)
    quads = {w.text: w.quad.tolist() for w in page.words}
    assert quads["[06]"] == [[493, 115], [519, 115], [519, 131], [493, 131]]
    assert quads["flipped"] == [[80, 40], [10, 40], [10, 20], [80, 20]]
