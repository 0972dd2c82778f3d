"""A folder of word crops with a label file (``image<TAB>text`` per line: what ``synth --crops`` writes, and
PaddleOCR's recognition labels) is recognizer data, each crop one whole word; the detector refuses it clearly."""

import argparse
import json

import cv2
import numpy as np
import pytest

from ocr_core.cli import evaluate as eval_cli
from ocr_core.cli import train as train_cli
from ocr_core.errors import TrainingError
from ocr_core.training.data import (
    extract_word_crops,
    is_word_crop,
    load_pages,
    parse_data_source,
    to_model_crop,
)

from .conftest import ALPHABET, TINY_CRNN, draw_word

WORDS = ["abc", "jig", "head", "bead", "ace", "fed"]


def write_crops(folder, words=WORDS, labels="labels.txt", sub="crops"):
    """What ``ocr-studio synth --crops --out folder`` writes: ``sub/NNNNNN.png`` and ``labels`` listing them."""
    rng = np.random.default_rng(0)
    (folder / sub).mkdir(parents=True, exist_ok=True)
    lines = []
    for i, text in enumerate(words):
        name = f"{sub}/{i:06d}.png"
        cv2.imwrite(str(folder / name), draw_word(text, 32, 20 + 12 * len(text), rng))
        lines.append(f"{name}\t{text}\n")
    (folder / labels).write_text("".join(lines), "utf-8")
    return folder


def parse(module, argv):
    parser = argparse.ArgumentParser()
    module.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


@pytest.mark.parametrize("spec", ["{d}", "{d}/labels.txt", "{d}:crops"])
def test_a_folder_of_word_crops_reads_as_one_word_per_crop(tmp_path, spec):
    folder = write_crops(tmp_path / "crops")
    pages = load_pages(parse_data_source(spec.format(d=folder)))
    assert [p.words[0].text for p in pages] == WORDS and all(is_word_crop(p) for p in pages)
    first = pages[0]
    assert (first.width, first.height) == (56, 32)  # the whole crop is the word
    np.testing.assert_allclose(first.words[0].quad, [[0, 0], [56, 0], [56, 32], [0, 32]])


def test_word_crops_train_whole_not_cropped_again(tmp_path):
    from ocr_core.imageio import read_image

    folder = write_crops(tmp_path / "crops")
    pages = load_pages(parse_data_source(str(folder)))
    crops = extract_word_crops(pages, 32, 128, 1)
    assert [t for _, t in crops] == WORDS
    np.testing.assert_array_equal(crops[1][0], to_model_crop(read_image(pages[1].image_path), 32, 128, 1))


def test_paddleocr_recognition_labels_and_ppocrlabel_folders(tmp_path):
    """``rec_gt.txt`` + ``crop_img/`` alone are word crops; in a PPOCRLabel folder (``Label.txt`` too) the pages
    stay pages unless ``PATH:crops`` asks for the crops."""
    folder = write_crops(tmp_path / "paddle", labels="rec_gt.txt", sub="crop_img")
    assert len(load_pages(parse_data_source(str(folder)))) == len(WORDS)
    cv2.imwrite(str(folder / "page.png"), np.zeros((40, 80, 3), np.uint8))
    (folder / "Label.txt").write_text('paddle/page.png\t[{"transcription": "abc", "points": [[1, 1], [30, 1], '
                                      '[30, 12], [1, 12]], "difficult": false}]\n', "utf-8")
    pages = load_pages(parse_data_source(str(folder)))
    assert len(pages) == 1 and not is_word_crop(pages[0])
    assert len(load_pages(parse_data_source(f"{folder}:crops"))) == len(WORDS)


def test_bad_word_crop_sets_are_one_clear_error(tmp_path):
    folder = write_crops(tmp_path / "crops")
    (folder / "crops" / "000002.png").unlink()
    with pytest.raises(TrainingError, match=r"1 word crop\(s\) have no readable image file \(crops/000002.png\)"):
        load_pages(parse_data_source(str(folder)))
    with pytest.raises(TrainingError, match="no labels.txt, rec_gt.txt, labels.tsv or other .tsv label file"):
        load_pages(parse_data_source(f"{tmp_path / 'crops' / 'crops'}:crops"))


def write_table(folder, name="labels.tsv", header="file\tlabel\tcase\n"):
    """A tab-separated table of crops with a header line and a column after the label (as the real-data sets)."""
    write_crops(folder, labels="labels.txt")
    rows = (folder / "labels.txt").read_text("utf-8").splitlines()
    (folder / "labels.txt").unlink()
    (folder / name).write_text(header + "".join(f"{row}\tcs\n" for row in rows), "utf-8")
    return folder


@pytest.mark.parametrize("spec", ["{d}", "{d}/labels.tsv", "{d}:crops", "{d}/labels.tsv:crops"])
def test_a_table_of_crops_takes_the_second_column_and_skips_its_header(tmp_path, spec):
    folder = write_table(tmp_path / "table")
    pages = load_pages(parse_data_source(spec.format(d=folder)))
    assert [p.words[0].text for p in pages] == WORDS


def test_extra_columns_are_ignored_in_any_label_file(tmp_path):
    folder = write_table(tmp_path / "table", name="labels.txt", header="")
    assert [p.words[0].text for p in load_pages(parse_data_source(str(folder)))] == WORDS
    other = write_table(tmp_path / "other", name="words.tsv")  # any .tsv label file, not only labels.tsv
    assert [p.words[0].text for p in load_pages(parse_data_source(str(other)))] == WORDS


def test_a_header_is_not_a_missing_crop_but_missing_crops_are_still_named(tmp_path):
    folder = write_table(tmp_path / "table")
    (folder / "crops" / "000002.png").unlink()
    with pytest.raises(TrainingError, match=r": 1 word crop\(s\) have no readable image file \(crops/000002.png\)$"):
        load_pages(parse_data_source(str(folder)))
    for i in range(len(WORDS)):
        (folder / "crops" / f"{i:06d}.png").unlink(missing_ok=True)
    with pytest.raises(TrainingError, match=r"7 word crop\(s\) have no readable image file \(file, "):
        load_pages(parse_data_source(f"{folder}:crops"))


@pytest.mark.parametrize("module", [train_cli, eval_cli])
def test_an_unknown_folder_with_a_tab_separated_label_file_points_to_crops(tmp_path, capsys, module):
    folder = write_crops(tmp_path / "crops", labels="words.txt")
    argv = (["train", "recognizer", "--out", str(tmp_path / "rec"), "--quiet"] if module is train_cli
            else ["eval", "--lexicon", "none"])
    args = parse(module, [*argv, "--data", str(folder)])
    assert args.func(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot tell the annotation format" in err[0], err
    assert f"PATH:crops (--data {folder / 'words.txt'}:crops)" in err[0], err
    pages = load_pages(parse_data_source(f"{folder / 'words.txt'}:crops"))
    assert [p.words[0].text for p in pages] == WORDS


def test_eval_reads_crops_into_returned_lists(tmp_path):
    folder = write_crops(tmp_path / "crops")
    pages = load_pages(parse_data_source(str(folder)))
    (folder / "crops" / "000001.png").write_bytes(b"not an image")

    class FakeRecognizer:
        def recognize_crops(self, crops, lexicon=None):
            return [("x", 0.5)] * len(crops)

    truths, preds, skipped = eval_cli._read_word_crops(FakeRecognizer(), pages, None, batch=4)
    assert truths == [w for i, w in enumerate(WORDS) if i != 1] and preds == ["x"] * (len(WORDS) - 1)
    assert skipped == [pages[1].image_path]


def test_the_detector_refuses_word_crops(tmp_path, capsys):
    folder = write_crops(tmp_path / "crops")
    with pytest.raises(TrainingError, match="recognizer only"):
        load_pages(parse_data_source(str(folder)), word_crops=False)
    args = parse(train_cli, ["train", "detector", "--data", str(folder), "--out", str(tmp_path / "det"), "--quiet"])
    assert args.func(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "word crops" in err[0] and "recognizer only" in err[0], err
    assert not (tmp_path / "det" / "model.json").exists()


def test_eval_reads_word_crops_whole(tmp_path, monkeypatch, capsys):
    folder = write_crops(tmp_path / "crops")
    seen = []

    class FakeRecognizer:
        def recognize_crops(self, crops, lexicon=None):
            seen.extend(np.shape(c) for c in crops)
            return [(WORDS[i] if i else "abd", 0.9) for i in range(len(crops))]  # the first one misread

    import ocr_core.recognition

    monkeypatch.setattr(ocr_core.recognition, "Recognizer", lambda weights=None: FakeRecognizer())
    out = tmp_path / "scores.json"
    args = parse(eval_cli, ["eval", "--data", str(folder), "--json", str(out), "--lexicon", "none"])
    assert args.func(args) == 0, capsys.readouterr().err
    assert "recognition on word crops: accuracy 0.833" in capsys.readouterr().out
    assert seen[0][:2] == (32, 56)  # whole crops, not boxes cut out again
    data = json.loads(out.read_text("utf-8"))
    assert data["mode"] == "word_crops" and data["recognition"]["words"] == len(WORDS)


@pytest.mark.slow
def test_the_recognizer_trains_on_word_crops(tmp_path):
    from ocr_core.training import TrainConfig, train

    folder = write_crops(tmp_path / "crops", words=WORDS * 3)
    config = TrainConfig(task="recognizer", data=[str(folder)], alphabet=ALPHABET, epochs=1, batch_size=4,
                         steps_per_epoch=2, validation_steps=1, build_params=TINY_CRNN, out_dir=tmp_path / "rec",
                         run_eagerly=True, workers=1, patience=0)
    result = train(config)
    assert result.status == "completed" and (tmp_path / "rec" / "model.json").is_file()
    spec = json.loads((tmp_path / "rec" / "model.json").read_text("utf-8"))
    assert spec["training"]["data"] == [str(folder)]
