"""labelme interop: X-AnyLabeling rotation shapes, and imageData as the only copy of the image."""

from __future__ import annotations

import base64
import json
import math

import numpy as np
from formats_helpers import make_image

from ocr_core.formats import get_codec, read_annotations, write_annotations

codec = get_codec("labelme")

# X-AnyLabeling writes a rotated box as 4 corners plus its angle in radians (``direction``).
ROTATED = [[20.123456, 10.5], [70.654321, 25.25], [65.5, 42.125], [15.0, 27.375]]
XANY = {
    "version": "2.4.4",
    "flags": {},
    "shapes": [
        {"label": "text", "score": None, "points": ROTATED, "group_id": None, "description": "EXIT",
         "difficult": False, "shape_type": "rotation", "flags": {}, "attributes": {"font": "sans"},
         "kie_linking": [], "direction": 0.29},
        {"label": "text", "score": 0.8, "points": [[80, 50], [120, 50], [120, 60], [80, 60]], "group_id": None,
         "description": "Sale", "difficult": False, "shape_type": "rotation", "flags": {}, "attributes": {},
         "kie_linking": [], "direction": 0},
    ],
    "imagePath": "sign.jpg",
    "imageData": None,
    "imageHeight": 80,
    "imageWidth": 160,
}


def test_rotation_shapes_are_words_and_round_trip(tmp_path):
    path = tmp_path / "sign.json"
    path.write_text(json.dumps(XANY), encoding="utf-8")
    (page,) = codec.read(path)
    assert sorted(w.text for w in page.words) == ["EXIT", "Sale"]  # class label "text": text in description
    exit_word = next(w for w in page.words if w.text == "EXIT")
    np.testing.assert_allclose(exit_word.quad, ROTATED)
    assert next(w for w in page.words if w.text == "Sale").confidence == 0.8

    codec.write([page], tmp_path / "again.json")
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert sorted(json.dumps(s, sort_keys=True) for s in again["shapes"]) == sorted(
        json.dumps(s, sort_keys=True) for s in XANY["shapes"])


def test_an_edited_rotation_shape_stays_a_rotation_shape(tmp_path):
    path = tmp_path / "sign.json"
    path.write_text(json.dumps(XANY), encoding="utf-8")
    (page,) = codec.read(path)
    exit_word = next(w for w in page.words if w.text == "EXIT")
    exit_word.quad = exit_word.quad + [5, 0]
    sale = next(w for w in page.words if w.text == "Sale")
    sale.quad = np.array([[80, 50], [120, 60], [117.5, 70], [77.5, 60]], dtype=float)  # turned
    codec.write([page], path)
    shapes = {s["description"]: s for s in json.loads(path.read_text(encoding="utf-8"))["shapes"]}
    assert shapes["EXIT"]["shape_type"] == "rotation" and shapes["EXIT"]["attributes"] == {"font": "sans"}
    np.testing.assert_allclose(shapes["EXIT"]["points"], np.array(ROTATED) + [5, 0], atol=0.01)
    assert shapes["EXIT"]["direction"] == 0.29  # moved, not turned: the same angle
    assert shapes["Sale"]["shape_type"] == "rotation"
    assert math.isclose(shapes["Sale"]["direction"], math.atan2(10, 40), abs_tol=1e-6)


def _embedded_only(tmp_path, **changes):
    """A labelme file whose image exists only as its embedded imageData."""
    image = make_image(tmp_path / "gone.png", 130, 60)
    embedded = base64.b64encode(image.read_bytes()).decode("ascii")
    image.unlink()
    data = {"version": "5.5.0", "flags": {}, "imagePath": "gone.png", "imageData": embedded,
            "imageHeight": 60, "imageWidth": 130,
            "shapes": [{"label": "Hi", "points": [[5, 5], [40, 5], [40, 20], [5, 20]], "group_id": None,
                        "description": "", "shape_type": "polygon", "flags": {}}]}
    data.update(changes)
    src = tmp_path / "src"
    src.mkdir()
    (src / "gone.json").write_text(json.dumps(data), encoding="utf-8")
    return src, embedded


def test_embedded_image_data_survives_a_convert(tmp_path):
    src, embedded = _embedded_only(tmp_path)
    pages = read_annotations(src)
    (target,) = write_annotations(pages, tmp_path / "out", "labelme")
    out = json.loads(target.read_text(encoding="utf-8"))
    assert out["imageData"] == embedded and (out["imageWidth"], out["imageHeight"]) == (130, 60)
    (cocotext,) = write_annotations(pages, tmp_path / "coco.json", "cocotext")
    assert embedded not in cocotext.read_text(encoding="utf-8")  # other formats stay lean
    make_image(src / "gone.png", 130, 60)  # the image is back: no need to embed it
    write_annotations(read_annotations(src), tmp_path / "out", "labelme")
    assert json.loads(target.read_text(encoding="utf-8"))["imageData"] is None


def test_the_size_comes_from_the_embedded_image_when_missing(tmp_path):
    src, _ = _embedded_only(tmp_path, imageHeight=None, imageWidth=None)
    (page,) = read_annotations(src)
    assert (page.width, page.height) == (130, 60)
