"""Scoring of ``benchmarks/realdata.py`` on hand-made pages (no real images, no tesseract needed)."""

from __future__ import annotations

import importlib.util
import json
import os
import stat
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr_core.document import Page, Word
from ocr_core.errors import AnnotationFormatError, OcrError
from ocr_core.evaluation import evaluate_pages

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


rs = _load("_realdata_scoring")


def box(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def word(x0: float, y0: float, x1: float, y1: float, text: str) -> Word:
    return Word(quad=box(x0, y0, x1, y1), text=text)


# ---- documents: bag of words --------------------------------------------------------------------------------
def test_bag_of_words_normalises_and_drops_empty_words():
    bag = rs.bag_of_words("The (quick) [brown] — ﬁsh! Über $43,456.78 & #")
    assert bag == {"the": 1, "quick": 1, "brown": 1, "fish": 1, "ber": 1, "4345678": 1}


def test_bag_of_words_counts_is_a_multiset_comparison():
    c = rs.bag_of_words_counts("the the cat sat", ["The", "cat", "cat", "mat"])
    assert (c.tp, c.fp, c.fn) == (2, 2, 2)
    assert c.f1 == pytest.approx(0.5)
    # predicted boxes holding several words are split on white space
    assert rs.bag_of_words_counts("a b", ["a b"]).f1 == 1.0
    assert rs.bag_of_words_counts("a b", []).f1 == 0.0


def test_bag_of_words_f1_sums_counts_over_pages():
    total = rs.bag_of_words_counts("a b c d", "a b c d")
    total += rs.bag_of_words_counts("e f", "x y")
    assert (total.tp, total.fp, total.fn) == (4, 2, 2)
    assert total.f1 == pytest.approx(8 / 12)


# ---- receipts: line accuracy ----------------------------------------------------------------------------------
def test_receipt_lines_join_words_left_to_right_by_centre():
    lines = [word(0, 0, 200, 20, "TOTAL $5.00"), word(0, 30, 200, 50, "GST5%")]
    preds = [word(120, 2, 190, 18, "$5.00"), word(5, 2, 60, 18, "TOTAL"),  # given right to left
             word(5, 32, 60, 48, "GST"), word(70, 32, 100, 48, "6%")]
    assert rs.receipt_lines(lines, preds) == [("total500", "total500", True), ("gst5", "gst6", False)]
    assert rs.line_accuracy(rs.receipt_lines(lines, preds)) == 0.5


def test_receipt_word_centre_decides_membership():
    line = word(0, 0, 100, 20, "ABC")
    # overlaps the box but its centre (y = 25) is outside
    assert rs.receipt_lines([line], [word(0, 15, 50, 35, "ABC")]) == [("abc", "", False)]
    # centre inside even though the word box sticks out
    assert rs.receipt_lines([line], [word(-10, -5, 60, 20, "ABC")])[0][2]


def test_receipt_word_in_overlapping_boxes_counts_for_both():
    lines = [word(0, 0, 100, 30, "AB"), word(40, 10, 140, 40, "BC")]
    preds = [word(0, 2, 30, 12, "A"), word(50, 12, 70, 28, "B"), word(110, 25, 135, 38, "C")]
    assert rs.receipt_lines(lines, preds) == [("ab", "ab", True), ("bc", "bc", True)]


def test_receipt_lines_skip_empty_and_ignored_lines_and_accept_any_point_order():
    # gt.jsonl boxes start bottom-left and go counter-clockwise; rotated boxes are polygons too
    ccw = Word(quad=[[0, 20], [100, 20], [100, 0], [0, 0]], text="Walmart")
    rotated = Word(quad=[[0, 100], [70, 30], [85, 45], [15, 115]], text="Diag")
    lines = [ccw, rotated, word(0, 200, 50, 220, ""), word(0, 300, 50, 320, "###"), word(0, 400, 50, 420, "—")]
    preds = [word(10, 2, 90, 18, "walmart"), word(35, 60, 55, 80, "DIAG"), word(5, 402, 45, 418, "x")]
    assert rs.receipt_lines(lines, preds) == [("walmart", "walmart", True), ("diag", "diag", True)]
    assert rs.line_accuracy([]) == 0.0


# ---- words, scenes ----------------------------------------------------------------------------------------------
def test_word_found_normalises_both_sides():
    assert rs.word_found([word(0, 0, 1, 1, "x"), word(0, 0, 1, 1, "EVENT-DOCK")], "eventdock")
    assert rs.word_found(["Eventdock!"], "eventdock")
    assert not rs.word_found(["event", "dock"], "eventdock")
    assert not rs.word_found([], "eventdock")


TSV = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
    "1\t1\t0\t0\t0\t0\t0\t0\t200\t100\t-1\t\n"
    "4\t1\t1\t1\t1\t0\t10\t10\t150\t20\t-1\t\n"
    "5\t1\t1\t1\t1\t1\t10\t10\t60\t20\t96.5\tGenaxis\n"
    "5\t1\t1\t1\t1\t2\t80\t10\t80\t20\t91\tTheatre\n"
    "5\t1\t1\t1\t1\t3\t170\t10\t5\t20\t30\t \n"
    "5\t1\t1\t1\t2\t1\t10\t60\t40\t20\t88\t\"quoted\n"
)


def test_parse_tesseract_tsv_keeps_words_with_text():
    words = rs.parse_tesseract_tsv(TSV)
    assert [w.text for w in words] == ["Genaxis", "Theatre", '"quoted']
    np.testing.assert_allclose(words[1].quad, box(80, 10, 160, 30))
    assert words[0].confidence == pytest.approx(0.965)
    assert rs.parse_tesseract_tsv("") == []
    with pytest.raises(ValueError, match="not Tesseract TSV"):
        rs.parse_tesseract_tsv("hello world\n")


def test_tesseract_words_scored_against_icdar_ground_truth():
    truth = Page.from_words([word(10, 10, 70, 30, "Genaxis"), word(80, 10, 160, 30, "Theatre!"),
                             word(10, 60, 50, 80, "###")], 200, 100)
    pred = Page.from_words(rs.parse_tesseract_tsv(TSV), 200, 100)
    report = evaluate_pages([truth], [pred])
    # "quoted" lies on the ### box: it counts neither way
    assert (report.detection.tp, report.detection.fp, report.detection.fn) == (2, 0, 0)
    assert report.end_to_end.f1 == 1.0


# ---- loading ----------------------------------------------------------------------------------------------------
def _image(path: Path, size: tuple[int, int] = (40, 20)) -> Path:
    Image.new("RGB", size, "white").save(path)
    return path


def test_loaders_read_hand_made_sets(tmp_path):
    words = tmp_path / "words"
    words.mkdir()
    (words / "labels.tsv").write_text("file\tlabel\tcase\na.png\tHello\tcs\n\nb.png\t[06]\n", encoding="utf-8")
    crops = rs.load_word_crops(words)
    assert [(c.path.name, c.label, c.case) for c in crops] == [("a.png", "Hello", "cs"), ("b.png", "[06]", "ci")]

    scenes = tmp_path / "scenes"
    scenes.mkdir()
    _image(scenes / "img_1.jpg", (200, 100))
    (scenes / "gt_img_1.txt").write_text("\ufeff10,10,70,10,70,30,10,30,Genaxis Theatre\n1,1,5,1,5,5,1,5,###\n",
                                         encoding="utf-8")
    _image(scenes / "eventdock.jpg")
    (scenes / "eventdock.txt").write_text("eventdock\n", encoding="utf-8")
    (pages,) = rs.load_scenes(scenes)
    assert sorted((w.text, w.ignore) for w in pages.words) == [("###", True), ("Genaxis Theatre", False)]
    assert Path(pages.image_path).name == "img_1.jpg"
    assert [(p.name, t) for p, t in rs.load_single_words(scenes)] == [("eventdock.jpg", "eventdock")]

    receipts = tmp_path / "receipts"
    receipts.mkdir()
    record = {"file_name": "r.jpeg", "height": 20, "width": 40,
              "annotations": [{"box": [0, 20, 40, 20, 40, 0, 0, 0], "text": "SAFEWAY", "label": 1}]}
    (receipts / "gt.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    ((image, lines),) = rs.load_receipts(receipts)
    assert image.name == "r.jpeg" and lines[0].text == "SAFEWAY" and lines[0].quad.shape == (4, 2)


def test_documents_whose_names_hold_dots_are_found(tmp_path):
    """``8071_093.3B.tif``: the stem keeps its own dots (the set was silently skipped before)."""
    docs = tmp_path / "documents"
    docs.mkdir()
    _image(docs / "8071_093.3B.tif")
    (docs / "8071_093.3B.txt").write_text("page text\n", encoding="utf-8")
    _image(docs / "plain.TIF")
    (docs / "plain.txt").write_text("more\n", encoding="utf-8")
    assert [(p.name, t) for p, t in rs.load_documents(docs)] == [("8071_093.3B.tif", "page text"),
                                                                 ("plain.TIF", "more")]


def test_loaders_name_the_bad_file(tmp_path):
    (tmp_path / "labels.tsv").write_text("name\tword\n", encoding="utf-8")
    with pytest.raises(AnnotationFormatError, match="labels.tsv"):
        rs.load_word_crops(tmp_path)
    (tmp_path / "gt.jsonl").write_text('{"file_name": "x.jpg", "annotations": [{"box": [1, 2]}]}\n',
                                       encoding="utf-8")
    with pytest.raises(AnnotationFormatError, match=r"gt.jsonl: line 1"):
        rs.load_receipts(tmp_path)
    with pytest.raises(AnnotationFormatError, match="labels.tsv"):
        rs.load_word_crops(tmp_path / "missing")


# ---- the script's table and Tesseract plumbing -------------------------------------------------------------------
def test_table_marks_missed_targets_and_readme_column():
    rd = _load("realdata")
    metrics = {rd.OURS: {"words_accuracy": 0.7, "scenes_e2e_f1": 0.2, "scenes_word_found": True,
                         "scenes_seconds": 2.0},
               rd.TESS: {"words_accuracy": 0.125}}
    table, missed = rd.build_table(metrics, "dev")
    assert missed == ["scenes end-to-end F1", "scenes s / image (1280x720)"]
    lines = table.splitlines()
    assert lines[0].startswith("| set") and "tesseract (README)" in lines[0]
    words_row = next(ln for ln in lines if ln.startswith("| word crops"))
    assert [c.strip() for c in words_row.strip("|").split("|")] == ["word crops", "accuracy", "0.700", "0.125",
                                                                    "0.125", ">= 0.60"]
    found_row = next(ln for ln in lines if "eventdock" in ln)
    assert [c.strip() for c in found_row.strip("|").split("|")][2:5] == ["yes", "n/a", "-"]


def test_default_root_env_override(monkeypatch, tmp_path):
    rd = _load("realdata")
    monkeypatch.setenv("OCR_STUDIO_REALDATA", str(tmp_path))
    assert rd.default_root() == tmp_path
    monkeypatch.delenv("OCR_STUDIO_REALDATA")
    assert rd.default_root() == rd.ROOT.parent / "shared" / "realdata"


@pytest.mark.skipif(os.name != "posix", reason="fake executable is a shell script")
def test_tesseract_reader_with_a_fake_executable(tmp_path):
    rd = _load("realdata")
    (tmp_path / "out.tsv").write_text(TSV, encoding="utf-8")
    exe = tmp_path / "tesseract"
    exe.write_text(f'#!/bin/sh\nif [ "$1" = --version ]; then echo "tesseract 9.9"; exit 0; fi\n'
                   f'case "$*" in *tsv*) cat "{tmp_path}/out.tsv";; *"--psm 7"*) printf "(62-03)\\n\\n";; '
                   f'*) printf "a b\\nc\\n";; esac\n', encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    image = _image(tmp_path / "img.png", (200, 100))
    reader = rd.Tesseract(str(exe), psm=3)
    assert reader.label == "tesseract 9.9"
    page = reader.page(image)
    assert [w.text for w in page.words] == ["Genaxis", "Theatre", '"quoted']
    assert (page.width, page.height) == (200, 100)
    assert reader.crops([image]) == ["(62-03)"]
    assert reader.document_words(image) == ["a", "b", "c"]
    exe.write_text("#!/bin/sh\necho boom >&2\nexit 1\n", encoding="utf-8")
    with pytest.raises(OcrError, match="img.png: tesseract failed"):
        reader.crops([image])


def test_missing_root_is_a_clear_error(tmp_path, capsys):
    rd = _load("realdata")
    assert rd.main(["--root", str(tmp_path), "--no-tesseract", "--untrained"]) == 1
    assert f"{tmp_path / 'dev'}: no such folder" in capsys.readouterr().err
