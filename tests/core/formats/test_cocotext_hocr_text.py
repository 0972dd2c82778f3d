"""COCO-Text, hOCR and plain-text codecs: round trips, escaping, malformed files."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from formats_helpers import assert_same_words

from ocr_core.errors import AnnotationFormatError
from ocr_core.formats import detect_format, get_codec, read_annotations, write_annotations
from ocr_core.formats.text import read_transcriptions

# ---- COCO-Text ------------------------------------------------------------------------------------


def test_cocotext_round_trip(tricky_page, empty_page, tmp_path):
    out = tmp_path / "coco.json"
    assert write_annotations([tricky_page, empty_page], out, "cocotext", images_dir=tmp_path / "images") == [out]
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [img["file_name"] for img in data["imgs"].values()] == ["scene.png", "blank.png"]
    anns = list(data["anns"].values())
    assert {a["legibility"] for a in anns} == {"legible", "illegible"}
    hello = next(a for a in anns if a["utf8_string"] == "Hello")
    assert hello["bbox"] == [10, 10, 50, 20] and len(hello["mask"]) == 8
    assert sum(len(v) for v in data["imgToAnns"].values()) == len(anns) == 6

    assert detect_format(out) == "cocotext"
    scene, blank = read_annotations(out, images_dir=tmp_path / "images")
    assert scene.image_path == tricky_page.image_path and (blank.width, blank.height) == (50, 40)
    assert_same_words(tricky_page, scene, atol=0.01, text=False, confidence=1e-4)
    assert sorted(w.text for w in scene.words) == sorted(
        "" if w.text == "###" else w.text for w in tricky_page.words)
    folder = tmp_path / "out_cocotext"  # the folder `convert --to cocotext DIR` writes its one file into
    write_annotations([tricky_page], folder, "cocotext", images_dir=tmp_path / "images")
    assert detect_format(folder) == "cocotext"
    (again,) = read_annotations(folder, images_dir=tmp_path / "images")  # read as the file inside it
    assert len(again.words) == len(tricky_page.words)


def test_cocotext_bbox_only_and_ids_kept(tmp_path):
    data = {"imgs": {"7": {"id": 7, "file_name": "a.jpg", "width": 40, "height": 30, "set": "val"}},
            "anns": {"11": {"id": 11, "image_id": 7, "bbox": [1, 2, 10, 5], "utf8_string": "Tea",
                            "legibility": "legible", "class": "handwritten", "language": "english"}},
            "imgToAnns": {"7": [11]}}
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data))
    (page,) = read_annotations(path)
    np.testing.assert_allclose(page.words[0].quad, [[1, 2], [11, 2], [11, 7], [1, 7]])
    get_codec("cocotext").write([page], tmp_path / "again.json")
    again = json.loads((tmp_path / "again.json").read_text())
    assert again["imgs"] == data["imgs"] and again["imgToAnns"] == {"7": [11]}
    ann = again["anns"]["11"]
    assert ann["class"] == "handwritten" and ann["language"] == "english" and ann["bbox"] == [1, 2, 10, 5]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"imgs": [], "anns": {}}, "not COCO-Text"),
        ({"imgs": {"1": {"id": 1, "file_name": "a.jpg", "width": "wide", "height": 3}}, "anns": {}}, "imgs[1]"),
        ({"imgs": {"1": {"id": 1, "file_name": "a.jpg", "width": 4, "height": 3}},
          "anns": {"2": {"id": 2, "image_id": 1, "bbox": [1, 2]}}, "imgToAnns": {"1": [2]}}, "anns[2]"),
        ({"imgs": {"1": {"id": 1, "file_name": "a.jpg", "width": 4, "height": 3}}, "anns": {},
          "imgToAnns": {"1": [9]}}, "no annotation with id 9"),
    ],
)
def test_cocotext_malformed(tmp_path, data, fragment):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(AnnotationFormatError) as info:
        get_codec("cocotext").read(path)
    assert "bad.json" in str(info.value) and fragment in str(info.value)


# ---- hOCR -----------------------------------------------------------------------------------------


def test_hocr_is_valid_xhtml_and_round_trips(tricky_page, empty_page, tmp_path):
    out = tmp_path / "out.hocr"
    write_annotations([tricky_page, empty_page], out, "hocr")
    text = out.read_text(encoding="utf-8")
    root = ET.fromstring(text.encode("utf-8"))  # well-formed XML (escaped text, quoted attributes)
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    words = root.findall(".//h:span[@class='ocrx_word']", ns)
    assert len(words) == 4  # ignored words are left out
    assert {w.text for w in words} == {"Hello", "a,b,c", "Grüße 東京", 'say "hi" <b>&'}
    tricky_page.words[0].text = "bell\x07"  # a control character XML cannot hold is dropped
    write_annotations([tricky_page], tmp_path / "ctrl.hocr", "hocr")
    ET.fromstring((tmp_path / "ctrl.hocr").read_bytes())
    tricky_page.words[0].text = "Hello"
    assert any("x_wconf 91" in w.get("title") for w in words)
    assert len(root.findall(".//h:div[@class='ocr_page']", ns)) == 2

    assert detect_format(out) == "hocr"
    scene, blank = read_annotations(out)
    assert scene.image_path == tricky_page.image_path and (scene.width, scene.height) == (200, 100)
    assert blank.words == [] and (blank.width, blank.height) == (50, 40)
    assert_same_words(tricky_page, scene, atol=0.5, confidence=0.005, skip_ignored=True)
    assert [len(line.words) for line in scene.lines] == [2, 1, 1]  # the line structure is kept


def test_hocr_from_tesseract_style_html(tmp_path):
    html = """<html><body><div class='ocr_page' title='image "x.png"; bbox 0 0 640 480; ppageno 0'>
    <p class='ocr_par'><span class='ocr_line' title="bbox 10 10 200 30; baseline 0 -5">
    <span class='ocrx_word' title='bbox 10 10 90 30; x_wconf 96'><strong>Caf&eacute;</strong></span>
    <span class='ocrx_word' title='bbox 100 10 200 30'>&amp;co</span></span></p>
    <span class='ocrx_word' title='bbox 5 50 60 70; x_wconf 40'>alone</span></div></body></html>"""
    path = tmp_path / "t.html"
    path.write_text(html)
    (page,) = get_codec("hocr").read(path)
    assert (page.width, page.height) == (640, 480) and page.image_path == str(tmp_path / "x.png")
    assert [[w.text for w in line.words] for line in page.lines] == [["Café", "&co"], ["alone"]]
    assert page.lines[0].words[0].confidence == pytest.approx(0.96) and page.lines[0].words[1].confidence is None


def test_hocr_malformed_title(tmp_path):
    path = tmp_path / "bad.hocr"
    path.write_text("<html><body>\n<div class='ocr_page' title='bbox 0 0 10 10'>\n"
                    "<span class='ocrx_word' title='bbox 1 2 x 4'>a</span></div></body></html>")
    with pytest.raises(AnnotationFormatError, match=r"bad.hocr:3: .*number"):
        get_codec("hocr").read(path)


# ---- plain text -----------------------------------------------------------------------------------


def test_text_in_reading_order(tricky_page, empty_page, tmp_path):
    written = write_annotations([tricky_page, empty_page], tmp_path / "txt", "text")
    assert [p.name for p in written] == ["scene.txt", "blank.txt"]
    assert (tmp_path / "txt" / "scene.txt").read_text(encoding="utf-8") == (
        'Hello a,b,c\nGrüße 東京\nsay "hi" <b>&\n')
    assert (tmp_path / "txt" / "blank.txt").read_text() == ""
    write_annotations([tricky_page, empty_page], tmp_path / "all.txt", "text")
    assert (tmp_path / "all.txt").read_text(encoding="utf-8").count("\f") == 1


def test_text_cannot_be_read_as_annotations(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("\ufeffhello world\n\nsecond line\n", encoding="utf-8")
    assert detect_format(path) == "text"
    with pytest.raises(AnnotationFormatError, match="no box geometry"):
        read_annotations(path)
    assert read_transcriptions(path) == ["hello world", "second line"]



def test_hocr_vertical_lines_are_read_from_the_texts_own_top_left(tmp_path):
    hocr = tmp_path / "page.hocr"
    hocr.write_text(
        '<html><body><div class="ocr_page" title="bbox 0 0 100 100">'
        '<span class="ocr_line" title="bbox 10 10 30 90; textangle 90">'
        '<span class="ocrx_word" title="bbox 10 10 30 90; x_wconf 90">UP</span></span>'
        '<span class="ocr_line" title="bbox 40 10 60 90">'
        '<span class="ocrx_word" title="bbox 40 10 60 90; textangle 270">DOWN</span></span>'
        '</div></body></html>', encoding="utf-8")
    [page] = get_codec("hocr").read(hocr)
    quads = {w.text: w.quad.tolist() for w in page.words}
    assert quads["UP"] == [[10, 90], [10, 10], [30, 10], [30, 90]]  # reads bottom to top
    assert quads["DOWN"] == [[60, 10], [60, 90], [40, 90], [40, 10]]  # reads top to bottom
