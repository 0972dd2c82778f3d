"""``ocr-studio convert``: conversions, detection, clear one-line errors."""

from __future__ import annotations

import argparse
import json

import pytest
from formats_helpers import make_image

from ocr_core.cli import convert


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="ocr-studio")
    convert.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["convert", *argv])
    return args.func(args)


@pytest.fixture
def icdar_dir(tmp_path):
    gt = tmp_path / "gt"
    gt.mkdir()
    (gt / "gt_img_1.txt").write_text("\ufeff1,2,31,2,31,12,1,12,Hello, world\n40,2,60,2,60,12,40,12,###\n",
                                     encoding="utf-8")
    make_image(tmp_path / "images" / "img_1.jpg", 80, 40)
    return tmp_path


def test_icdar_to_ppocrlabel_and_back(icdar_dir, capsys):
    out = icdar_dir / "paddle"
    code = run_cli("--from", "icdar2015", "--to", "ppocrlabel", str(icdar_dir / "gt"), str(out),
                   "--images", str(icdar_dir / "images"))
    assert code == 0
    assert "converted 1 page(s), 2 word(s) from icdar2015 to ppocrlabel" in capsys.readouterr().out
    key, boxes = (out / "Label.txt").read_text(encoding="utf-8").rstrip("\n").split("\t")
    assert key == "images/img_1.jpg"
    assert sorted(b["transcription"] for b in json.loads(boxes)) == ["###", "Hello, world"]
    rec = (out / "rec_gt.txt").read_text(encoding="utf-8").splitlines()
    assert rec == ["crop_img/img_1_crop_0.jpg\tHello, world"] and (out / "crop_img" / "img_1_crop_0.jpg").is_file()

    back = icdar_dir / "again"
    assert run_cli("--to", "icdar2015", str(out), str(back), "--images", str(icdar_dir / "images")) == 0  # detected
    lines = sorted((back / "gt_img_1.txt").read_text(encoding="utf-8").splitlines())
    assert lines == ["1,2,31,2,31,12,1,12,Hello, world", "40,2,60,2,60,12,40,12,###"]


def test_to_text_hocr_studio(icdar_dir):
    gt = str(icdar_dir / "gt")
    assert run_cli("--to", "text", gt, str(icdar_dir / "all.txt")) == 0
    assert (icdar_dir / "all.txt").read_text(encoding="utf-8") == "Hello, world\n"
    assert run_cli("--to", "hocr", gt, str(icdar_dir / "out.hocr")) == 0
    assert "ocrx_word" in (icdar_dir / "out.hocr").read_text(encoding="utf-8")
    assert run_cli("--to", "studio", gt, str(icdar_dir / "s.json")) == 0
    assert json.loads((icdar_dir / "s.json").read_text(encoding="utf-8"))["format"] == "ocr-studio"


def test_errors_are_one_clear_line(icdar_dir, capsys):
    bad = icdar_dir / "gt_bad.txt"
    bad.write_text("1,2,3,4,5,6,7,8,ok\n1,2,zz,4,5,6,7,8,no\n")
    assert run_cli("--to", "labelme", str(bad), str(icdar_dir / "lm")) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("ocr-studio convert: error:") and "gt_bad.txt:2:" in err and "\n" not in err

    plain = icdar_dir / "notes.md"
    plain.write_text("hello")
    assert run_cli("--to", "labelme", str(plain), str(icdar_dir / "lm")) == 1
    assert "cannot tell the annotation format; pass --from" in capsys.readouterr().err

    assert run_cli("--to", "labelme", str(icdar_dir / "missing"), str(icdar_dir / "lm")) == 1
    assert "no such file" in capsys.readouterr().err

    assert run_cli("--to", "labelme", str(icdar_dir / "gt"), str(icdar_dir / "lm"), "--images",
                   str(icdar_dir / "nope")) == 1
    assert "--images" in capsys.readouterr().err


def _fail_on_write(monkeypatch, n: int, error: BaseException) -> None:
    """Make the ``n``-th file the codecs write fail with ``error`` (a full disk, Ctrl+C); the dry run that lists the
    files first (``planning_writes``) writes nothing and is not counted."""
    import ocr_core.atomic as atomic
    import ocr_core.formats._common as common

    real = common.atomic_write_text
    calls = []

    def failing(path, text, *a, **k):
        if atomic._planned.get() is not None:
            return real(path, text, *a, **k)
        calls.append(path)
        if len(calls) == n:
            raise error
        return real(path, text, *a, **k)

    monkeypatch.setattr(common, "atomic_write_text", failing)


def test_a_new_ppocrlabel_export_leaves_no_stale_crops(icdar_dir, capsys):
    gt, images, out = icdar_dir / "gt", str(icdar_dir / "images"), icdar_dir / "paddle"
    (gt / "gt_img_1.txt").write_text("1,2,31,2,31,12,1,12,one\n40,2,60,2,60,12,40,12,two\n", encoding="utf-8")
    (gt / "gt_img_2.txt").write_text("1,2,31,2,31,12,1,12,three\n", encoding="utf-8")
    make_image(icdar_dir / "images" / "img_2.jpg", 80, 40)
    assert run_cli("--to", "ppocrlabel", str(gt), str(out), "--images", images) == 0
    crops = out / "crop_img"
    assert sorted(p.name for p in crops.iterdir()) == ["img_1_crop_0.jpg", "img_1_crop_1.jpg", "img_2_crop_0.jpg"]
    mine = {"notes.jpg": b"mine", "other_crop_0.jpg": b"another export's", "img_1_crop_x.jpg": b"not a crop name",
            "img_1_crop_1.png": b"not a crop name either"}
    for name, data in mine.items():
        (crops / name).write_bytes(data)
    before = {p.name: p.read_bytes() for p in crops.iterdir()}

    (gt / "gt_img_1.txt").write_text("1,2,31,2,31,12,1,12,one\n40,2,60,2,60,12,40,12,###\n", encoding="utf-8")
    (gt / "gt_img_2.txt").write_text("1,2,31,2,31,12,1,12,###\n", encoding="utf-8")
    capsys.readouterr()
    assert run_cli("--to", "ppocrlabel", str(gt), str(out), "--images", images) == 1  # the dry run removed nothing
    err = capsys.readouterr().err
    assert f"7 files in {out} would be replaced" in err, err  # 4 in the folder, 3 in crop_img/: named the output
    assert {p.name: p.read_bytes() for p in crops.iterdir()} == before
    assert run_cli("--to", "ppocrlabel", str(gt), str(out), "--images", images, "--overwrite") == 0
    assert (out / "rec_gt.txt").read_text(encoding="utf-8") == "crop_img/img_1_crop_0.jpg\tone\n"
    assert sorted(p.name for p in crops.iterdir()) == sorted(["img_1_crop_0.jpg", *mine])
    assert all((crops / name).read_bytes() == data for name, data in mine.items())

    (gt / "gt_img_1.txt").write_text("1,2,31,2,31,12,1,12,###\n", encoding="utf-8")  # no crops at all now
    assert run_cli("--to", "ppocrlabel", str(gt), str(out), "--images", images, "--overwrite") == 0
    assert (out / "rec_gt.txt").read_text(encoding="utf-8") == ""
    assert sorted(p.name for p in crops.iterdir()) == sorted(mine)


def test_the_refusal_names_the_folder_when_all_files_lie_there(icdar_dir, capsys):
    out = icdar_dir / "lm"
    out.mkdir()
    (out / "img_1.json").write_text("{}", encoding="utf-8")
    assert run_cli("--to", "labelme", str(icdar_dir / "gt"), str(out)) == 1
    assert f"1 file in {out} would be replaced (img_1.json)" in capsys.readouterr().err


def test_text_is_not_an_input_format():
    with pytest.raises(SystemExit) as info:
        run_cli("--from", "text", "--to", "hocr", "a.txt", "b.hocr")
    assert info.value.code == 2


def test_a_failed_conversion_leaves_no_half_set_of_files(icdar_dir, monkeypatch, capsys):
    gt = icdar_dir / "gt"
    for i in range(2, 6):  # five pages: the disk fills up on the third file
        (gt / f"gt_img_{i}.txt").write_text("1,2,31,2,31,12,1,12,word\n", encoding="utf-8")
    _fail_on_write(monkeypatch, 3, OSError(28, "No space left on device"))
    out = icdar_dir / "labelme"
    assert run_cli("--to", "labelme", str(gt), str(out)) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "2 file(s) written before the failure were removed" in err
    assert not out.exists()


def test_a_failed_conversion_puts_back_the_files_it_replaced(icdar_dir, monkeypatch, capsys):
    gt = icdar_dir / "gt"
    for i in range(2, 5):
        (gt / f"gt_img_{i}.txt").write_text(f"1,2,31,2,31,12,1,12,new{i}\n", encoding="utf-8")
    out = icdar_dir / "labelme"
    out.mkdir()
    old = {}
    for i in range(1, 5):  # an earlier export, which the new one replaces file by file
        old[f"img_{i}.json"] = json.dumps({"version": "earlier", "n": i})
        (out / f"img_{i}.json").write_text(old[f"img_{i}.json"], encoding="utf-8")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert run_cli("--to", "labelme", str(gt), str(out)) == 1  # without --overwrite: refused, nothing touched
    err = capsys.readouterr().err
    assert "4 files in" in err and "would be replaced" in err and "--overwrite" in err
    assert (out / "img_1.json").read_text(encoding="utf-8") == old["img_1.json"]
    _fail_on_write(monkeypatch, 3, OSError(28, "No space left on device"))
    assert run_cli("--to", "labelme", str(gt), str(out), "--overwrite") == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "2 file(s) it had replaced were put back" in err
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} == {**old, "notes.txt": "mine"}
    assert not [p for p in icdar_dir.iterdir() if ".undo-" in p.name]  # the kept copies are gone too

    monkeypatch.undo()  # a conversion that succeeds replaces them all
    assert run_cli("--to", "labelme", str(gt), str(out), "--overwrite") == 0
    assert "earlier" not in (out / "img_1.json").read_text(encoding="utf-8")
    assert not [p for p in icdar_dir.iterdir() if ".undo-" in p.name]


def test_ctrl_c_during_a_conversion_puts_back_what_it_replaced(icdar_dir, monkeypatch):
    gt = icdar_dir / "gt"
    (gt / "gt_img_2.txt").write_text("1,2,31,2,31,12,1,12,two\n", encoding="utf-8")
    out = icdar_dir / "labelme"
    out.mkdir()
    for i in (1, 2):
        (out / f"img_{i}.json").write_text("earlier", encoding="utf-8")
    _fail_on_write(monkeypatch, 2, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        run_cli("--to", "labelme", str(gt), str(out), "--overwrite")
    assert [p.read_text(encoding="utf-8") for p in sorted(out.iterdir())] == ["earlier", "earlier"]


def test_a_conversion_never_writes_over_its_input_nor_a_malformed_annotation_file(icdar_dir, capsys):
    gt = icdar_dir / "gt"
    before = (gt / "gt_img_1.txt").read_bytes()
    assert run_cli("--to", "icdar2015", str(gt), str(gt), "--overwrite") == 1
    assert "gt_img_1.txt is one of the inputs" in capsys.readouterr().err
    assert (gt / "gt_img_1.txt").read_bytes() == before
    sidecar = icdar_dir / "images" / "img_1.jpg.ocr.json"
    sidecar.write_text('{"format": "ocr-studio", "page": {', encoding="utf-8")  # a hand edit gone wrong
    assert run_cli("--to", "studio", str(gt), str(icdar_dir / "images"), "--images", str(icdar_dir / "images"),
                   "--overwrite") == 1
    assert "malformed annotation file" in capsys.readouterr().err
    assert sidecar.read_text(encoding="utf-8") == '{"format": "ocr-studio", "page": {'


def test_an_existing_file_in_the_way_of_a_folder_is_one_clear_line(icdar_dir, capsys):
    (icdar_dir / "afile").write_text("mine", encoding="utf-8")
    assert run_cli("--to", "labelme", str(icdar_dir / "gt"), str(icdar_dir / "afile")) == 1
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and "Errno" not in err
    assert (icdar_dir / "afile").read_text(encoding="utf-8") == "mine"


def test_illegible_boxes_a_format_cannot_hold_are_counted_as_left_out(icdar_dir, capsys):
    assert run_cli("--to", "hocr", str(icdar_dir / "gt"), str(icdar_dir / "out.hocr")) == 0
    assert "1 illegible ### box(es) left out" in capsys.readouterr().out
    assert run_cli("--to", "labelme", str(icdar_dir / "gt"), str(icdar_dir / "lm")) == 0
    assert "left out" not in capsys.readouterr().out
