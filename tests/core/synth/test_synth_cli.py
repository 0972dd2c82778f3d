from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from ocr_core.cli import synth as synth_cli


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    synth_cli.add_parser(sub)
    args = parser.parse_args(["synth", *argv])
    return args.func(args)


@pytest.fixture
def photo_dir(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(2):
        cv2.imwrite(str(folder / f"p{i}.png"), np.full((90, 120, 3), 60 + 120 * i, np.uint8))
    return folder


def _common(cache, dejavu_dir, photo_dir):
    return ["--fonts", str(dejavu_dir), "--no-system-fonts", "--backgrounds", str(photo_dir), "--no-procedural",
            "--cache-dir", str(cache), "--alphabet", "abcdefghijklmnopqrstuvwxyz0123456789 "]


def test_synth_pages_icdar_with_chars_and_preview(tmp_path, font_cache, dejavu_dir, photo_dir):
    out = tmp_path / "out"
    code = _run(["--count", "3", "--out", str(out), "--width", "160", "--height", "128", "--font-size", "14,28",
                 "--preview", str(tmp_path / "sheet.png"), "--seed", "2", *_common(font_cache, dejavu_dir, photo_dir)])
    assert code == 0
    images = sorted((out / "images").glob("*.jpg"))
    assert len(images) == 3 and cv2.imread(str(images[0])).shape == (128, 160, 3)
    gt = (out / f"gt_{images[0].stem}.txt").read_text("utf-8").splitlines()
    assert gt and all(len(line.split(",")) >= 9 for line in gt)
    chars = json.loads((out / "chars" / f"{images[0].stem}.json").read_text("utf-8"))
    entries = [c for line in chars["lines"] for c in line]
    assert entries and all(np.asarray(c["quad"]).shape == (4, 2) for c in entries)
    words_text = "".join(line.rsplit(",", 1)[-1] for line in gt)
    assert words_text == "".join(c["char"] for c in entries if c["char"] != " ")
    assert cv2.imread(str(tmp_path / "sheet.png")) is not None


def test_synth_studio_keeps_char_quads(tmp_path, font_cache, dejavu_dir, photo_dir):
    out = tmp_path / "studio"
    assert _run(["--count", "1", "--out", str(out), "--format", "studio", "--width", "128", "--height", "128",
                 "--font-size", "14,20", *_common(font_cache, dejavu_dir, photo_dir)]) == 0
    from ocr_core.formats import read_annotations

    pages = read_annotations(out, "studio")
    word = pages[0].words[0]
    assert len(word.extra["char_quads"]) == len(word.text)


def test_synth_crops_and_errors(tmp_path, font_cache, dejavu_dir, photo_dir, capsys):
    out = tmp_path / "crops"
    assert _run(["--crops", "--count", "5", "--out", str(out), *_common(font_cache, dejavu_dir, photo_dir)]) == 0
    labels = (out / "labels.txt").read_text("utf-8").splitlines()
    assert len(labels) == 5
    name, text = labels[0].split("\t")
    assert cv2.imread(str(out / name), cv2.IMREAD_UNCHANGED).shape == (32, 128) and text
    assert _run(["--count", "1", "--out", str(tmp_path / "none"), "--fonts", str(tmp_path / "nowhere"), "--no-system-fonts",
                 "--no-procedural", "--backgrounds", str(photo_dir)]) == 1
    assert "nowhere" in capsys.readouterr().err
    assert _run(["--count", "1"]) == 1


def test_contact_sheet_labels_draw_accents_and_fall_back_without_the_font(monkeypatch, tmp_path):
    if not Path(synth_cli.LABEL_FONT).is_file():
        pytest.skip("DejaVu Sans is not installed")
    plain, accented = synth_cli._label_bar("remineralizam", 200), synth_cli._label_bar("remineralizám", 200)
    assert plain.shape == accented.shape == (24, 200, 3)
    assert not np.array_equal(plain, accented)  # the accent is drawn, not replaced by "?"
    monkeypatch.setattr(synth_cli, "LABEL_FONT", str(tmp_path / "missing.ttf"))
    fallback = synth_cli._label_bar("remineralizám", 200)
    assert fallback.shape == (24, 200, 3) and np.array_equal(fallback, synth_cli._label_bar("remineralizam", 200))


def test_names_that_cannot_work_are_refused_before_anything_is_generated(tmp_path, capsys):
    assert _run(["--count", "3", "--out", str(tmp_path / "three.txt")]) == 1
    assert "need a folder" in capsys.readouterr().err and not (tmp_path / "three.txt").exists()
    assert _run(["--count", "1", "--preview", str(tmp_path / "sheet.txt")]) == 1
    assert "end the name in .png" in capsys.readouterr().err and not list(tmp_path.iterdir())
    with pytest.raises(SystemExit):
        _run(["--count", "1", "--rotation-z", "nan,nan", "--out", str(tmp_path / "x")])
    assert "finite" in capsys.readouterr().err


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("fmt", ["icdar2015", "ppocrlabel", "studio", "crops"])
def test_a_second_run_never_mixes_with_the_first(tmp_path, font_cache, dejavu_dir, photo_dir, capsys, fmt):
    """Into a folder that holds files synth refuses to write; --overwrite removes the earlier output first, so a
    smaller second run leaves no files of the first behind."""
    out = tmp_path / "syn"
    kind = ["--crops"] if fmt == "crops" else ["--format", fmt, "--width", "96", "--height", "64", "--font-size",
                                                 "12,16"]
    common = [*kind, "--out", str(out), *_common(font_cache, dejavu_dir, photo_dir)]
    assert _run(["--count", "4", *common]) == 0
    first = _files(out)
    capsys.readouterr()
    assert _run(["--count", "2", *common]) == 1
    err = capsys.readouterr().err
    assert "earlier synth output" in err and "--overwrite" in err and len(err.strip().splitlines()) == 1
    assert _files(out) == first  # nothing touched
    assert _run(["--count", "2", "--overwrite", *common]) == 0
    second = _files(out)
    assert second and set(second) < set(first)  # the same names, fewer of them
    assert not [n for n in second if "000002" in n or "000003" in n], second
    if fmt == "crops":
        assert len((out / "labels.txt").read_text("utf-8").splitlines()) == 2


def test_other_files_in_the_folder_are_never_removed(tmp_path, capsys):
    out = tmp_path / "mine"
    (out / "images").mkdir(parents=True)
    (out / "images" / "synth_000000.jpg").write_bytes(b"an earlier synth image")
    (out / "gt_img_1.txt").write_text("1,1,9,1,9,9,1,9,mine\n", "utf-8")  # the user's own annotations
    (out / "Label.txt").write_text("photos/a.jpg\t[]\n", "utf-8")  # a PPOCRLabel file of other images
    for extra in ([], ["--overwrite"]):
        assert _run(["--count", "1", "--out", str(out), *extra]) == 1
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "gt_img_1.txt" in err and "Label.txt" in err, err
        assert "Traceback" not in err
    assert _files(out) == ["Label.txt", "gt_img_1.txt", "images/synth_000000.jpg"]


def test_out_naming_a_file_is_one_clear_line(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("keep me", "utf-8")
    for out in (afile, afile / "sub"):
        assert _run(["--count", "1", "--out", str(out)]) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith("ocr-studio synth: error: --out") and ("is a file" in err or "not a folder" in err), err
        assert "Errno" not in err and len(err.splitlines()) == 1
    assert afile.read_text("utf-8") == "keep me"
