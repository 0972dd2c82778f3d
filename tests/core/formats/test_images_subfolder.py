"""Images kept in an ``images/`` subfolder next to the annotations (the layout ``ocr-studio synth`` writes) are found
by every codec, and so by ``eval``, ``train`` and ``convert``; the places looked at before still come first."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from formats_helpers import make_image

from ocr_core.cli import convert
from ocr_core.document import Line, Page, Word
from ocr_core.formats import read_annotations, write_annotations
from ocr_core.training.data import load_pages, parse_data_source

BOX = "4,4,40,4,40,20,4,20,hello\n"


def synth_layout(folder: Path, n: int = 2) -> Path:
    """``gt_synth_N.txt`` in ``folder``, the images in ``folder/images/`` (as ``synth --format icdar2015``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        make_image(folder / "images" / f"synth_{i:06d}.jpg", 64, 32)
        (folder / f"gt_synth_{i:06d}.txt").write_text(BOX, encoding="utf-8")
    return folder


def test_icdar_finds_images_in_the_images_subfolder(tmp_path):
    syn = synth_layout(tmp_path / "syn")
    pages = read_annotations(syn, "icdar2015")
    assert [Path(p.image_path) for p in pages] == [(syn / "images" / f"synth_{i:06d}.jpg").resolve()
                                                   for i in range(2)]
    assert (pages[0].width, pages[0].height) == (64, 32)  # the image's size, not the words' extent


def test_the_places_named_before_still_come_first(tmp_path):
    syn = synth_layout(tmp_path / "syn", n=1)
    make_image(syn / "synth_000000.png", 50, 30)  # next to the annotation file
    assert Path(read_annotations(syn, "icdar2015")[0].image_path).name == "synth_000000.png"
    other = tmp_path / "other"
    make_image(other / "synth_000000.bmp", 20, 10)  # --images names another folder: it wins
    assert Path(read_annotations(syn, "icdar2015", images_dir=other)[0].image_path).name == "synth_000000.bmp"


def test_training_and_eval_data_take_the_synth_layout(tmp_path):
    syn = synth_layout(tmp_path / "syn", n=4)
    pages = load_pages(parse_data_source(f"{syn}:icdar2015"))  # was: "4 annotated page(s) have no image file"
    assert len(pages) == 4 and all(Path(p.image_path).is_file() for p in pages)


def test_convert_to_pdf_finds_the_images(tmp_path, capsys):
    syn = synth_layout(tmp_path / "syn")
    parser = argparse.ArgumentParser(prog="ocr-studio")
    convert.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["convert", "--to", "pdf", str(syn), str(tmp_path / "x")])
    assert args.func(args) == 0, capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["synth_000000.pdf", "synth_000001.pdf"]


@pytest.mark.parametrize("fmt", ["labelme", "cocotext", "hocr", "ppocrlabel"])
def test_other_formats_find_images_in_the_images_subfolder(tmp_path, fmt):
    """Each format written with its image elsewhere, then the image put only in ``images/`` beside the annotations."""
    elsewhere = make_image(tmp_path / "elsewhere" / "scan.png", 60, 30)
    page = Page(width=60, height=30, lines=[Line([Word([[2, 2], [30, 2], [30, 12], [2, 12]], "hi")])],
                image_path=str(elsewhere))
    out = tmp_path / "ann"
    written = write_annotations([page], out if fmt != "cocotext" else out / "set.json", fmt)
    make_image(out / "images" / "scan.png", 60, 30)
    elsewhere.unlink()
    if fmt == "labelme":  # a bare file name, as many labelme files hold
        data = json.loads(written[0].read_text("utf-8"))
        data["imagePath"] = "scan.png"
        written[0].write_text(json.dumps(data), "utf-8")
    pages = read_annotations(out if fmt != "cocotext" else out / "set.json", fmt)
    assert Path(pages[0].image_path) == (out / "images" / "scan.png").resolve()
