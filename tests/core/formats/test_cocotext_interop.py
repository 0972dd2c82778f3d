"""COCO-Text interop: what we write loads in the official API, and polygon masks survive a round trip."""

from __future__ import annotations

import json

import numpy as np

from ocr_core.formats import get_codec, read_annotations, write_annotations

codec = get_codec("cocotext")


class CocoTextIndex:
    """The official API's index (coco_text.py 1.1, ``COCO_Text.createIndex``), and ``getAnnByCat`` as
    coco_evaluation.py's ``printDetailedResults`` calls it: a missing field raises ``KeyError`` there too."""

    def __init__(self, dataset: dict) -> None:
        self.imgToAnns = {int(cocoid): dataset["imgToAnns"][cocoid] for cocoid in dataset["imgToAnns"]}
        self.imgs = {int(cocoid): dataset["imgs"][cocoid] for cocoid in dataset["imgs"]}
        self.anns = {int(annid): dataset["anns"][annid] for annid in dataset["anns"]}
        self.cats = dataset["cats"]
        self.val = [int(cocoid) for cocoid in dataset["imgs"] if dataset["imgs"][cocoid]["set"] == "val"]
        self.test = [int(cocoid) for cocoid in dataset["imgs"] if dataset["imgs"][cocoid]["set"] == "test"]
        self.train = [int(cocoid) for cocoid in dataset["imgs"] if dataset["imgs"][cocoid]["set"] == "train"]

    def getAnnByCat(self, properties: list[tuple[str, str]]) -> list[int]:
        return [key for key in self.anns if all(self.anns[key][a] == b for a, b in properties)]


def test_export_from_another_format_loads_in_the_official_api(tricky_page, empty_page, tmp_path):
    (out,) = write_annotations([tricky_page, empty_page], tmp_path / "coco.json", "cocotext",
                               images_dir=tmp_path / "images")
    ct = CocoTextIndex(json.loads(out.read_text(encoding="utf-8")))
    assert sorted(ct.train + ct.val) == sorted(ct.imgs)
    for ann_ids in ct.imgToAnns.values():  # coco_evaluation looks every listed id up in anns
        assert all(ct.anns[i]["image_id"] in ct.imgs for i in ann_ids)
    for ann in ct.anns.values():
        assert ann["legibility"] in ("legible", "illegible")
        assert ann["language"] in ("english", "not english")
        assert ann["class"] in ("machine printed", "handwritten", "others")
    legible_english = ct.getAnnByCat([("legibility", "legible"), ("language", "english"),
                                      ("class", "machine printed")])
    assert sorted(ct.anns[i]["utf8_string"] for i in legible_english) == ['Hello', 'a,b,c', 'say "hi" <b>&']
    assert [ct.anns[i]["utf8_string"] for i in ct.getAnnByCat([("language", "not english")])] == ["Grüße 東京"]


def test_cocotext_fields_are_kept(tmp_path):
    data = {"cats": {}, "info": {},
            "imgs": {"3": {"id": 3, "file_name": "a.jpg", "width": 40, "height": 30, "set": "val"}},
            "anns": {"5": {"id": 5, "image_id": 3, "bbox": [1, 2, 10, 5], "mask": [1, 2, 11, 2, 11, 7, 1, 7],
                           "utf8_string": "Tea", "legibility": "legible", "class": "others",
                           "language": "not english", "area": 50}},
            "imgToAnns": {"3": [5]}}
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data))
    codec.write(codec.read(path), tmp_path / "again.json")
    ct = CocoTextIndex(json.loads((tmp_path / "again.json").read_text()))
    assert ct.val == [3] and ct.anns[5]["class"] == "others" and ct.anns[5]["language"] == "not english"


CURVED = [5, 40, 20, 35, 40, 35, 55, 40, 40, 50, 20, 50]


def _curved_file(tmp_path):
    data = {"cats": {}, "info": {},
            "imgs": {"1": {"id": 1, "file_name": "a.jpg", "width": 80, "height": 60, "set": "train"}},
            "anns": {"2": {"id": 2, "image_id": 1, "bbox": [5, 35, 50, 15], "mask": CURVED, "utf8_string": "curvy",
                           "legibility": "legible", "class": "machine printed", "language": "english",
                           "area": 750}},
            "imgToAnns": {"1": [2]}}
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data))
    return path


def test_a_polygon_mask_survives_a_round_trip_through_our_model(tmp_path):
    (page,) = read_annotations(_curved_file(tmp_path))
    assert page.words[0].quad.shape == (4, 2)
    studio = write_annotations([page], tmp_path / "doc.json", "studio")  # through our own format too
    (page,) = read_annotations(studio[0])
    codec.write([page], tmp_path / "again.json")
    ann = json.loads((tmp_path / "again.json").read_text())["anns"]["2"]
    assert ann["mask"] == CURVED and ann["bbox"] == [5, 35, 50, 15]


def test_an_edited_polygon_mask_becomes_the_quad(tmp_path):
    (page,) = read_annotations(_curved_file(tmp_path))
    word = page.words[0]
    word.quad = word.quad + [3, 0]
    codec.write([page], tmp_path / "again.json")
    ann = json.loads((tmp_path / "again.json").read_text())["anns"]["2"]
    np.testing.assert_allclose(np.reshape(ann["mask"], (4, 2)), word.quad, atol=0.01)
