"""labelme codec: round trip, unknown keys survive, where the text lives, imageData, malformed files."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from formats_helpers import assert_same_words, make_image

from ocr_core.errors import AnnotationFormatError
from ocr_core.formats import detect_format, get_codec, read_annotations, write_annotations
from ocr_core.formats.labelme import LabelmeCodec

codec = get_codec("labelme")


def test_round_trip(tricky_page, empty_page, tmp_path):
    out = tmp_path / "lm"
    written = write_annotations([tricky_page, empty_page], out, "labelme")
    assert [p.name for p in written] == ["scene.json", "blank.json"]
    data = json.loads((out / "scene.json").read_text(encoding="utf-8"))
    assert data["imagePath"] == "../images/scene.png" and data["imageData"] is None
    assert (data["imageWidth"], data["imageHeight"]) == (200, 100)
    assert {s["label"] for s in data["shapes"]} >= {"Hello", "a,b,c", "Grüße 東京", "###", "blurry"}
    assert detect_format(out) == "labelme"
    blank, scene = read_annotations(out)  # files in name order
    assert scene.image_path == tricky_page.image_path
    assert_same_words(tricky_page, scene, atol=0.01, confidence=1e-4)
    assert (blank.width, blank.height, blank.words) == (50, 40, [])


ORIGINAL = {
    "version": "5.4.1",
    "flags": {"reviewed": True},
    "shapes": [
        {"label": "text", "points": [[10, 10], [50, 10], [50, 20], [10, 20]], "group_id": 2,
         "description": "Hello", "shape_type": "polygon", "flags": {"bold": False}, "attributes": {"font": "x"}},
        {"label": "Total", "points": [[60, 12], [90, 30]], "group_id": None, "description": "a note",
         "shape_type": "rectangle", "flags": {}},
        {"label": "curvy", "points": [[5, 40], [20, 35], [40, 35], [55, 40], [40, 50], [20, 50]],
         "group_id": None, "description": "", "shape_type": "polygon", "flags": {}},
        {"label": "###", "points": [[100, 40], [120, 40], [120, 50], [100, 50]], "group_id": None,
         "description": "", "shape_type": "polygon", "flags": {}, "difficult": True},
        {"label": "anchor", "points": [[3, 4]], "group_id": None, "description": "", "shape_type": "point",
         "flags": {}},
    ],
    "imagePath": "photo.jpg",
    "imageData": None,
    "imageHeight": 60,
    "imageWidth": 130,
    "customTool": {"reviewer": "ana", "nested": [1, 2]},
}


def _canonical(data):
    return sorted(json.dumps(s, sort_keys=True) for s in data["shapes"]), \
        {k: v for k, v in data.items() if k != "shapes"}


def test_unknown_keys_and_shapes_survive(tmp_path):
    make_image(tmp_path / "photo.jpg", 130, 60)
    path = tmp_path / "photo.json"
    path.write_text(json.dumps(ORIGINAL), encoding="utf-8")
    (page,) = codec.read(path)
    texts = sorted(w.text for w in page.words)
    assert texts == ["###", "Hello", "Total", "curvy"]  # class label "text" -> description holds the text
    curvy = next(w for w in page.words if w.text == "curvy")
    assert curvy.quad.shape == (4, 2)
    np.testing.assert_allclose(curvy.quad.min(axis=0), [5, 35], atol=1e-6)
    np.testing.assert_allclose(curvy.quad.max(axis=0), [55, 50], atol=1e-6)
    total = next(w for w in page.words if w.text == "Total")
    np.testing.assert_allclose(total.quad, [[60, 12], [90, 12], [90, 30], [60, 30]])

    codec.write([page], tmp_path / "again.json")
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    shapes, rest = _canonical(again)
    want_shapes, want_rest = _canonical(ORIGINAL)
    assert rest == want_rest
    assert shapes == want_shapes


def test_edits_are_written(tmp_path):
    path = tmp_path / "photo.json"
    path.write_text(json.dumps(ORIGINAL), encoding="utf-8")
    (page,) = codec.read(path)
    hello = next(w for w in page.words if w.text == "Hello")
    hello.text, hello.confidence = "Hallo", 0.75
    total = next(w for w in page.words if w.text == "Total")
    total.quad = total.quad + [[0, 0], [0, 3], [0, 3], [0, 0]]  # no longer upright: becomes a polygon
    codec.write([page], path)
    shapes = {s["label"] if s["label"] != "text" else s["description"]: s
              for s in json.loads(path.read_text(encoding="utf-8"))["shapes"]}
    assert shapes["Hallo"]["label"] == "text" and shapes["Hallo"]["score"] == 0.75
    assert shapes["Hallo"]["attributes"] == {"font": "x"}
    assert shapes["Total"]["shape_type"] == "polygon" and len(shapes["Total"]["points"]) == 4
    assert shapes["Total"]["description"] == "a note"


def test_image_data(tmp_path):
    image = make_image(tmp_path / "photo.jpg", 130, 60)
    data = dict(ORIGINAL, imageData=base64.b64encode(b"old").decode())
    (tmp_path / "photo.json").write_text(json.dumps(data), encoding="utf-8")
    (page,) = codec.read(tmp_path / "photo.json")
    codec.write([page], tmp_path / "dropped.json")
    assert json.loads((tmp_path / "dropped.json").read_text())["imageData"] is None
    keep = LabelmeCodec(image_data=True)
    (page,) = keep.read(tmp_path / "photo.json")
    keep.write([page], tmp_path / "kept.json")
    embedded = json.loads((tmp_path / "kept.json").read_text())["imageData"]
    assert base64.b64decode(embedded) == image.read_bytes()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('{"shapes": [\n  {"label": "a",\n', "broken JSON"),
        ('[1, 2]', "not a labelme file"),
        ('{"shapes": {}}', "not a labelme file"),
        ('{"shapes": [{"label": "a", "points": "nope", "shape_type": "polygon"}]}', "shapes[0]"),
        ('{"shapes": [{"label": 3, "points": [[0, 0], [1, 0], [1, 1]]}]}', "must be strings"),
        ('{"shapes": [{"label": "a", "points": [[0, 0], [1, null], [1, 1]]}]}', "number"),
        ('{"shapes": [{"label": "a", "points": [[0, 0], [1' + "0" * 400 + ', 0], [1, 1]]}]}', "number"),
        ('{"shapes": [{"label": "a", "points": [[0, 0], [1e39, 0], [1e39, 1e39], [0, 1e39], [5, 5]]}]}',
         "coordinates"),
    ],
)
def test_malformed(tmp_path, content, fragment):
    from ocr_core.formats import read_annotations

    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AnnotationFormatError) as info:
        read_annotations(path, "labelme")
    assert "bad.json" in str(info.value) and fragment in str(info.value)
    if fragment == "broken JSON":
        assert "bad.json:3:" in str(info.value)


@pytest.mark.parametrize(("width", "height"), [(-5, -5), (0, 720), (1e20, 1e20), ("wide", 720)])
def test_an_impossible_image_size_is_replaced_by_the_images_own(tmp_path, width, height):
    make_image(tmp_path / "photo.jpg", 130, 60)
    data = dict(ORIGINAL, imageWidth=width, imageHeight=height)
    (tmp_path / "photo.json").write_text(json.dumps(data), encoding="utf-8")
    (page,) = codec.read(tmp_path / "photo.json")
    assert (page.width, page.height) == (130, 60)
