"""Studio JSON (lossless), the registry, format detection and read/write helpers."""

from __future__ import annotations

import json
import shutil

import pytest

from ocr_core.errors import AnnotationFormatError
from ocr_core.formats import (
    FORMATS,
    Codec,
    UnknownFormatError,
    detect_format,
    get_codec,
    read_annotations,
    write_annotations,
)
from ocr_core.formats.studio import read_page_file, write_page_file


def test_studio_is_lossless(tricky_page, empty_page, tmp_path):
    tricky_page.words[0].extra["labelme"] = {"shape": {"group_id": 3}}
    out = tmp_path / "all.json"
    write_annotations([tricky_page, empty_page], out, "studio")
    assert json.loads(out.read_text(encoding="utf-8"))["pages"][0]["image_path"] == "images/scene.png"
    assert detect_format(out) == "studio"
    scene, blank = read_annotations(out)
    assert scene.to_dict() == tricky_page.to_dict()  # ids, lines, confidences, checked, extra
    assert blank.to_dict() == empty_page.to_dict()


def test_studio_sidecar_folder_survives_a_move(tricky_page, tmp_path):
    folder = tmp_path / "images"
    written = write_annotations([tricky_page], folder, "studio")
    assert [p.name for p in written] == ["scene.png.ocr.json"]
    moved = tmp_path / "elsewhere" / "imgs"
    shutil.move(str(folder), str(moved))
    assert detect_format(moved) == "studio"
    (page,) = read_annotations(moved)
    assert page.image_path == str(moved / "scene.png")
    assert [w.id for w in page.words] == [w.id for w in tricky_page.words]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"format": "something-else"}, "not an OCR Studio file"),
        ({"format": "ocr-studio", "version": 99, "page": {}}, "newer OCR Studio"),
        ({"format": "ocr-studio", "version": 1, "page": {"width": 3}}, "'width'/'height'"),
        ({"format": "ocr-studio", "version": 1, "page": {"width": 3, "height": 2, "lines": [
            {"words": [{"quad": [[0, 0], [1, 0], [1, 1]], "text": "a"}]}]}}, "page.lines[0].words[0]"),
        ({"format": "ocr-studio", "version": 1, "page": {"width": 3, "height": 2, "lines": [
            {"words": [{"quad": [[0, 0], [1, 0], [1, 1], [0, 1]], "text": 7}]}]}}, "'text' must be a string"),
        ({"format": "ocr-studio", "version": 1, "page": {"width": 3, "height": 2, "checked": "yes"}}, "'checked'"),
    ],
)
def test_studio_malformed(tmp_path, data, fragment):
    path = tmp_path / "a.png.ocr.json"
    path.write_text(json.dumps(data))
    with pytest.raises(AnnotationFormatError) as info:
        read_page_file(path)
    assert "a.png.ocr.json" in str(info.value) and fragment in str(info.value)


def test_studio_broken_json_names_the_line(tmp_path):
    path = tmp_path / "a.png.ocr.json"
    path.write_text('{"format": "ocr-studio",\n "version": 1,\n "page": {"width": 1,,}}')
    with pytest.raises(AnnotationFormatError, match=r"a.png.ocr.json:3: broken JSON"):
        read_page_file(path)


def test_page_file_helpers(tricky_page, tmp_path):
    path = write_page_file(tmp_path / "x" / "scene.png.ocr.json", tricky_page)
    assert read_page_file(path).to_dict() == tricky_page.to_dict()


def test_registry():
    assert set(FORMATS) == {"icdar2015", "ppocrlabel", "labelme", "cocotext", "text", "hocr", "pdf", "studio"}
    for name, codec in FORMATS.items():
        assert isinstance(codec, Codec) and codec.name == name and codec.description
        assert codec.can_write
    assert not FORMATS["text"].can_read and not FORMATS["pdf"].can_read
    assert get_codec("ICDAR") is FORMATS["icdar2015"] and get_codec("coco-text") is FORMATS["cocotext"]
    with pytest.raises(UnknownFormatError, match="known formats"):
        get_codec("pascalvoc")


def test_detect_and_read_errors(tmp_path):
    assert detect_format(tmp_path / "missing") is None
    with pytest.raises(AnnotationFormatError, match="no such file"):
        read_annotations(tmp_path / "missing")
    (tmp_path / "thing.json").write_text("[]")
    assert detect_format(tmp_path / "thing.json") is None
    with pytest.raises(AnnotationFormatError, match="cannot tell the annotation format"):
        read_annotations(tmp_path / "thing.json")
    (tmp_path / "typo.json").write_text('{"shapes": [\n  {"label": "a",,}\n]}')  # a labelme file with a typo
    with pytest.raises(AnnotationFormatError, match=r"typo.json:2: broken JSON"):
        read_annotations(tmp_path / "typo.json")  # where it breaks, not "cannot tell the format"
    (tmp_path / "Label.txt").write_text("")
    assert detect_format(tmp_path) == "ppocrlabel"
    (tmp_path / "gt_1.txt").write_text("1,2,3,4,5,6,7,8,x\n")
    assert detect_format(tmp_path / "gt_1.txt") == "icdar2015"


def test_no_tensorflow_import():
    import subprocess
    import sys
    from pathlib import Path

    import ocr_core

    code = ("import sys, ocr_core.formats, ocr_core.project; "
            "bad = [m for m in ('tensorflow', 'keras', 'PySide6', 'torch') if m in sys.modules]; "
            "sys.exit(1 if bad else 0)")
    repo = Path(ocr_core.__file__).resolve().parent.parent
    assert subprocess.run([sys.executable, "-c", code], cwd=repo, check=False).returncode == 0
