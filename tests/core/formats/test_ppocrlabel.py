"""PPOCRLabel codec: Label.txt / fileState.txt / rec_gt.txt + crops, difficult <-> ignore, malformed lines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from formats_helpers import assert_same_words, make_image
from PIL import Image

from ocr_core.errors import AnnotationFormatError
from ocr_core.formats import detect_format, get_codec, read_annotations, write_annotations

codec = get_codec("ppocrlabel")


def _crops_available() -> bool:
    try:
        from ocr_core.geometry import crop_quad  # noqa: F401
        from ocr_core.imageio import read_image  # noqa: F401
    except ImportError:
        return False
    return True


def test_round_trip_in_image_folder(tricky_page, empty_page, image_dir):
    write_annotations([tricky_page, empty_page], image_dir, "ppocrlabel")
    label_lines = (image_dir / "Label.txt").read_text(encoding="utf-8").splitlines()
    assert [line.split("\t")[0] for line in label_lines] == ["images/scene.png", "images/blank.png"]
    boxes = json.loads(label_lines[0].split("\t", 1)[1])
    assert {"transcription", "points", "difficult"} <= set(boxes[0])
    assert any(b["transcription"] == "blurry" and b["difficult"] for b in boxes)
    state = (image_dir / "fileState.txt").read_text(encoding="utf-8")
    assert state == f"{image_dir / 'scene.png'}\t1\n"

    assert detect_format(image_dir) == "ppocrlabel"
    scene, blank = read_annotations(image_dir)
    assert scene.checked and not blank.checked
    assert (scene.width, scene.height, blank.width, blank.height) == (200, 100, 50, 40)
    assert scene.image_path == str(image_dir / "scene.png")
    assert_same_words(tricky_page, scene, atol=0.01)
    assert blank.words == []


@pytest.mark.skipif(not _crops_available(), reason="ocr_core.geometry / ocr_core.imageio not available yet")
def test_rec_gt_and_crops(tricky_page, image_dir, tmp_path):
    out = tmp_path / "export"
    written = codec.write([tricky_page], out)
    rec = (out / "rec_gt.txt").read_text(encoding="utf-8").splitlines()
    legible = [(i, w) for i, w in enumerate(tricky_page.words) if not w.ignore]
    assert rec == [f"crop_img/scene_crop_{i}.jpg\t{w.text}" for i, w in legible]
    for i, word in legible:
        crop = out / "crop_img" / f"scene_crop_{i}.jpg"
        assert crop in written
        with Image.open(crop) as img:
            width, height = img.size
        x0, y0, x1, y1 = word.bbox
        assert abs(width - (x1 - x0)) <= 2 and abs(height - (y1 - y0)) <= 3
    assert not (out / "crop_img" / "scene_crop_3.jpg").exists()  # ignored words get no crop


def test_moved_folder_and_images_dir(tricky_page, image_dir, tmp_path):
    out = tmp_path / "export"
    codec.write([tricky_page], out)  # the image lives elsewhere: key is <folder>/<file>
    assert (out / "Label.txt").read_text(encoding="utf-8").startswith("images/scene.png\t")
    moved = tmp_path / "moved" / "export"
    shutil.move(str(out), str(moved))
    (page,) = codec.read(moved / "Label.txt", images_dir=image_dir)
    assert page.image_path == str(image_dir / "scene.png") and page.checked  # matched by <folder>/<file>
    assert (page.width, page.height) == (200, 100)


def test_unknown_box_keys_survive(tmp_path):
    folder = tmp_path / "imgs"
    make_image(folder / "a.jpg", 30, 20)
    box = {"transcription": "x", "points": [[1, 1], [9, 1], [9, 5], [1, 5]], "difficult": False,
           "key_cls": "title", "id": 3}
    (folder / "Label.txt").write_text(f"imgs/a.jpg\t{json.dumps([box])}\n", encoding="utf-8")
    pages = codec.read(folder)
    codec.write(pages, folder)
    again = json.loads((folder / "Label.txt").read_text(encoding="utf-8").split("\t", 1)[1])
    assert again == [box]


@pytest.mark.parametrize(("value", "ignored"), [(True, True), (False, False), ("false", False), ("False", False),
                                               ("true", True), ("0", False), (1, True), (None, False)])
def test_difficult_written_by_hand_or_another_tool(tmp_path, value, ignored):
    folder = tmp_path / "imgs"
    make_image(folder / "a.jpg", 30, 20)
    box = {"transcription": "word", "points": [[1, 1], [9, 1], [9, 5], [1, 5]], "difficult": value}
    (folder / "Label.txt").write_text(f"imgs/a.jpg\t{json.dumps([box])}\n", encoding="utf-8")
    (page,) = codec.read(folder)
    assert page.words[0].ignore is ignored and page.words[0].text == "word"


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("imgs/a.jpg [] ", "expected '<folder>/<image>"),
        ("imgs/a.jpg\t[{\"transcription\": \"x\"", "broken JSON"),
        ("imgs/a.jpg\t{}", "JSON list"),
        ('imgs/a.jpg\t[{"transcription": "x", "points": [[1, 1], [2, 2]]}]', "4 or more [x, y]"),
        ('imgs/a.jpg\t[{"transcription": "x", "points": [[1, 1], [2, "b"], [3, 3], [4, 4]]}]', "number"),
        ('imgs/a.jpg\t[{"transcription": 5, "points": [[1, 1], [2, 1], [2, 2], [1, 2]]}]', "string"),
    ],
)
def test_malformed(tmp_path, line, fragment):
    label = tmp_path / "Label.txt"
    label.write_text('imgs/ok.jpg\t[]\n' + line + "\n", encoding="utf-8")
    with pytest.raises(AnnotationFormatError) as info:
        codec.read(label)
    assert "Label.txt:2:" in str(info.value) and fragment in str(info.value)


def test_output_must_be_a_folder(tricky_page, tmp_path):
    with pytest.raises(AnnotationFormatError, match="folder"):
        codec.write([tricky_page], tmp_path / "Label.txt")
    assert isinstance(Path(tmp_path), Path)


def _ppocrlabel_lookup(label_dir: Path, image: Path) -> list[dict]:
    """The boxes PPOCRLabel shows for ``image``: Cache.cach merged under Label.txt, looked up by the image's
    folder and file name (its ``getImglabelidx``)."""
    labels: dict[str, list] = {}
    for name in ("Cache.cach", "Label.txt"):
        if (label_dir / name).is_file():
            for line in (label_dir / name).read_text(encoding="utf-8").splitlines():
                key, boxes = line.split("\t")
                labels[key] = json.loads(boxes)
    return labels.get(f"{image.parent.name}/{image.name}", [])


def test_export_elsewhere_keys_images_by_folder_and_name_as_ppocrlabel_looks_them_up(tricky_page, tmp_path):
    nested = tmp_path / "data" / "imgs" / "scene.png"
    make_image(nested)
    tricky_page.image_path = str(nested)
    tricky_page.checked = False
    out = tmp_path / "export_pp"
    codec.write([tricky_page], out)
    assert (out / "Label.txt").read_text(encoding="utf-8").startswith("imgs/scene.png\t")
    # PPOCRLabel rewrites Label.txt with the checked images only: the unchecked page lives on in its cache
    assert (out / "Cache.cach").read_text(encoding="utf-8") == (out / "Label.txt").read_text(encoding="utf-8")
    assert len(_ppocrlabel_lookup(out, nested)) == len(tricky_page.words)


def test_images_only_in_the_cache_are_read_and_label_txt_wins_for_the_others(tmp_path):
    folder = tmp_path / "imgs"
    for name in ("a.png", "b.png"):
        make_image(folder / name)
    box = '[{{"transcription": "{}", "points": [[1, 1], [30, 1], [30, 20], [1, 20]], "difficult": false}}]'
    (folder / "Label.txt").write_text(f"imgs/a.png\t{box.format('checked')}\n", encoding="utf-8")
    (folder / "Cache.cach").write_text(f"imgs/a.png\t{box.format('older')}\nimgs/b.png\t{box.format('draft')}\n",
                                       encoding="utf-8")
    (folder / "fileState.txt").write_text(f"{folder / 'a.png'}\t1\n", encoding="utf-8")
    pages = read_annotations(folder)
    assert [(Path(p.image_path).name, [w.text for w in p.words], p.checked) for p in pages] == [
        ("a.png", ["checked"], True), ("b.png", ["draft"], False)]


def test_a_polygon_box_becomes_its_rectangle_and_is_written_back_as_it_was(tmp_path):
    folder = tmp_path / "imgs"
    make_image(folder / "a.png")
    polygon = [[10, 10], [40, 8], [70, 10], [70, 30], [40, 32], [10, 30]]
    (folder / "Label.txt").write_text(
        "imgs/a.png\t" + json.dumps([{"transcription": "arc", "points": polygon, "difficult": False}]) + "\n",
        encoding="utf-8")
    [page] = read_annotations(folder)
    x0, y0, x1, y1 = page.words[0].bbox
    assert (x0, y0, x1, y1) == pytest.approx((10, 8, 70, 32), abs=0.01)
    out = tmp_path / "out"
    codec.write([page], out)
    assert json.loads((out / "Label.txt").read_text(encoding="utf-8").split("\t")[1])[0]["points"] == polygon
    page.words[0].quad = page.words[0].quad + 5  # moved in the editor: the new box is written
    codec.write([page], out)
    assert len(json.loads((out / "Label.txt").read_text(encoding="utf-8").split("\t")[1])[0]["points"]) == 4


def test_points_given_counter_clockwise_are_put_clockwise_so_crops_are_not_mirrored(tmp_path):
    folder = tmp_path / "imgs"
    make_image(folder / "a.png")
    drawn_from_bottom_left = [[10, 30], [60, 30], [60, 10], [10, 10]]
    (folder / "Label.txt").write_text(
        "imgs/a.png\t" + json.dumps([{"transcription": "up", "points": drawn_from_bottom_left}]) + "\n",
        encoding="utf-8")
    [page] = read_annotations(folder)
    assert page.words[0].quad.tolist() == [[10, 10], [60, 10], [60, 30], [10, 30]]


def test_a_label_file_outside_the_image_folder_finds_images_below_it(tmp_path):
    make_image(tmp_path / "dataset" / "train_imgs" / "x.png", 120, 80)
    label = tmp_path / "dataset" / "train_label.txt"
    label.write_text('train_imgs/x.png\t[{"transcription": "t", "points": [[1, 1], [9, 1], [9, 9], [1, 9]]}]\n',
                     encoding="utf-8")
    [page] = codec.read(label)
    assert (page.width, page.height) == (120, 80)
    assert page.image_path == str(tmp_path / "dataset" / "train_imgs" / "x.png")


def test_a_folder_labelled_in_ppocrlabel_with_nothing_checked_yet_is_read_from_its_cache(tmp_path):
    from ocr_core.formats import detect_format

    folder = tmp_path / "imgs"
    make_image(folder / "a.png")
    (folder / "Cache.cach").write_text(
        'imgs/a.png\t[{"transcription": "draft", "points": [[1, 1], [30, 1], [30, 20], [1, 20]]}]\n',
        encoding="utf-8")
    assert detect_format(folder) == "ppocrlabel"
    [page] = read_annotations(folder)
    assert [w.text for w in page.words] == ["draft"] and not page.checked
