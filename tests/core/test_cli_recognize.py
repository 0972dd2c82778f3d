"""`ocr-studio recognize` end to end with real (untrained, lite) model folders written by the test."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory) -> tuple[Path, Path]:
    from ocr_core.models.craft import build_craft
    from ocr_core.models.crnn import build_crnn
    from ocr_core.weights import ModelSpec, save_model_dir

    root = tmp_path_factory.mktemp("models")
    craft = build_craft("lite")
    craft.save_weights(root / "det.weights.h5")
    det = save_model_dir(
        ModelSpec(name="tiny_det", kind="detector", architecture="craft_lite", weights_file="tiny_det.weights.h5",
                  input_spec={"scale": 1.0}),
        root / "det.weights.h5", root / "tiny_det")
    alphabet = "abc"
    _, crnn, _, _ = build_crnn(len(alphabet), "lite")
    crnn.save_weights(root / "rec.weights.h5")
    rec = save_model_dir(
        ModelSpec(name="tiny_rec", kind="recognizer", architecture="crnn_lite", weights_file="tiny_rec.weights.h5",
                  alphabet=alphabet, input_spec={"height": 32, "width": 128, "channels": 1}),
        root / "rec.weights.h5", root / "tiny_rec")
    return det, rec


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    from ocr_core.cli import recognize
    from ocr_core.cli.main import build_parser

    args = build_parser().parse_args(argv)
    out = io.StringIO()
    code = recognize.run(args, stream=out)
    return code, out.getvalue(), capsys.readouterr().err


def test_json_lines_per_image_and_bad_file_reported(tmp_path, model_dirs, capsys):
    from ocr_core.imageio import write_image

    det, rec = model_dirs
    good = tmp_path / "page.png"
    write_image(good, np.full((60, 90, 3), 200, np.uint8))
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff garbage")
    code, out, err = _run(["recognize", "--detector", str(det), "--recognizer", str(rec), str(good), str(bad)], capsys)
    assert code == 1
    assert "broken.jpg" in err and "1 of 2 images failed" in err
    [line] = out.strip().splitlines()
    record = json.loads(line)
    assert record["image"] == str(good) and (record["width"], record["height"]) == (90, 60)
    assert isinstance(record["words"], list)
    for word in record["words"]:
        assert set(word) == {"text", "box", "confidence", "line"} and len(word["box"]) == 4


def test_crops_mode_reads_each_image_as_one_word(tmp_path, model_dirs, capsys):
    from ocr_core.imageio import write_image

    _, rec = model_dirs
    crop = tmp_path / "word.png"
    write_image(crop, np.full((20, 70, 3), 255, np.uint8))
    code, out, err = _run(["recognize", "--crops", "--recognizer", str(rec), str(crop)], capsys)
    assert code == 0, err
    record = json.loads(out)
    [word] = record["words"]
    assert word["box"] == [[0, 0], [70, 0], [70, 20], [0, 20]]
    assert set(word["text"]) <= set("abc") and 0.0 <= word["confidence"] <= 1.0


def test_crops_mode_with_a_lexicon(tmp_path, model_dirs, capsys):
    from ocr_core.imageio import write_image

    _, rec = model_dirs
    crop = tmp_path / "word.png"
    write_image(crop, np.full((20, 70, 3), 255, np.uint8))
    words = tmp_path / "words.txt"
    words.write_text("abc\ncab\n", encoding="utf-8")
    code, out, err = _run(["recognize", "--crops", "--lexicon", str(words), "--recognizer", str(rec), str(crop)],
                          capsys)
    assert code == 0, err
    [word] = json.loads(out)["words"]
    assert set(word["text"]) <= set("abc") and 0.0 <= word["confidence"] <= 1.0
    code, out, err = _run(["recognize", "--crops", "--lexicon", str(tmp_path / "nope.txt"), str(crop)], capsys)
    assert code == 2 and out == "" and "nope.txt" in err


def test_missing_model_is_one_clear_line(tmp_path, capsys):
    code, out, err = _run(["recognize", "--recognizer", "no_such_model", "--crops", str(tmp_path / "x.png")], capsys)
    assert code == 2 and out == ""
    assert "no model named 'no_such_model'" in err and len(err.strip().splitlines()) == 1


def test_icdar_output_written_per_image(tmp_path, model_dirs, capsys):
    from ocr_core.imageio import write_image

    det, rec = model_dirs
    image = tmp_path / "img_7.png"
    write_image(image, np.full((64, 64, 3), 128, np.uint8))
    out_dir = tmp_path / "gt"
    code, _, err = _run(["recognize", "--format", "icdar2015", "--out", str(out_dir), "--detector", str(det),
                         "--recognizer", str(rec), str(image)], capsys)
    assert code == 0, err
    assert (out_dir / "gt_img_7.txt").is_file()


def test_default_dictionary_missing_is_a_warning_not_an_error(tmp_path, model_dirs, capsys, monkeypatch):
    import ocr_core.postprocess.lexicon as lexicon_module
    from ocr_core.imageio import write_image

    monkeypatch.setattr(lexicon_module, "bundled_wordlist_path", lambda: tmp_path / "gone.txt")
    monkeypatch.setattr(lexicon_module, "SYSTEM_WORDS", tmp_path / "gone-too.txt")
    lexicon_module._load_cached.cache_clear()
    _, rec = model_dirs
    crop = tmp_path / "word.png"
    write_image(crop, np.full((20, 70, 3), 255, np.uint8))
    code, out, err = _run(["recognize", "--crops", "--recognizer", str(rec), str(crop)], capsys)
    assert code == 0 and "reading without a dictionary" in err
    assert len(json.loads(out)["words"]) == 1


@pytest.mark.parametrize("option", [["--scale", "0"], ["--scale", "-1"], ["--max-size", "0"], ["--batch-size", "0"],
                                    ["--beam-width", "-2"]])
def test_numbers_out_of_range_are_one_line_errors(option, capsys):
    from ocr_core.cli.main import build_parser

    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["recognize", *option, "x.png"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert option[0] in err and "Traceback" not in err


def test_out_names_never_collide_and_unwritable_out_fails_first(tmp_path, model_dirs, capsys):
    from ocr_core.imageio import write_image

    det, rec = model_dirs
    images = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        images.append(tmp_path / folder / "img.png")
        write_image(images[-1], np.full((40, 60, 3), 200, np.uint8))
    out = tmp_path / "out"
    code, _, err = _run(["recognize", "--detector", str(det), "--recognizer", str(rec), "--format", "icdar2015",
                         "--out", str(out), *map(str, images)], capsys)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["gt_a_img.txt", "gt_b_img.txt"]

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = _run(["recognize", "--detector", str(det), "--recognizer", "/no/such/model",
                         "--out", str(blocker / "sub"), str(images[0])], capsys)
    assert code == 2 and "--out" in err and "cannot create the folder" in err  # before any model is loaded
    code, _, err = _run(["recognize", "--detector", str(det), "--recognizer", str(rec), "--format", "hocr",
                         *map(str, images)], capsys)
    assert code == 2 and "--out DIR" in err


def test_searchable_pdf_per_image_needs_out(tmp_path, model_dirs, capsys):
    from ocr_core.imageio import write_image

    det, rec = model_dirs
    image = tmp_path / "scan.png"
    write_image(image, np.full((64, 96, 3), 128, np.uint8))
    code, _, err = _run(["recognize", "--format", "pdf", "--detector", str(det), "--recognizer", str(rec),
                         str(image)], capsys)
    assert code == 2 and "--out DIR" in err  # a PDF is not written to the terminal
    code, _, err = _run(["recognize", "--format", "pdf", "--out", str(tmp_path / "pdf"), "--detector", str(det),
                         "--recognizer", str(rec), "https://example.org/scan.png"], capsys)
    assert code == 2 and "download https://example.org/scan.png first" in err  # nothing fetched, nothing written
    code, _, err = _run(["recognize", "--format", "pdf", "--out", str(tmp_path / "pdf"), "--detector", str(det),
                         "--recognizer", str(rec), str(image)], capsys)
    assert code == 0, err
    data = (tmp_path / "pdf" / "scan.pdf").read_bytes()
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF") and b"/Subtype /Image" in data


def test_hocr_for_several_images_into_out_points_at_each_image(tmp_path, model_dirs, capsys, monkeypatch):
    from ocr_core.formats import read_annotations
    from ocr_core.imageio import write_image

    det, rec = model_dirs
    images = []
    for name in ("one", "two"):
        images.append(tmp_path / "scans" / f"{name}.png")
        images[-1].parent.mkdir(exist_ok=True)
        write_image(images[-1], np.full((40, 60, 3), 200, np.uint8))
    out = tmp_path / "deep" / "a" / "b"
    code, _, err = _run(["recognize", "--detector", str(det), "--recognizer", str(rec), "--format", "hocr",
                         "--out", str(out), *map(str, images)], capsys)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["one.hocr", "two.hocr"]
    assert "image &quot;../../../scans/one.png&quot;" in (out / "one.hocr").read_text(encoding="utf-8")
    (page,) = read_annotations(out / "one.hocr", "hocr")
    assert page.image_path == str(images[0])  # the reference leads back to the image
    monkeypatch.chdir(tmp_path)  # to the terminal: relative to the folder the command runs in
    code, text, err = _run(["recognize", "--detector", str(det), "--recognizer", str(rec), "--format", "hocr",
                            str(images[1])], capsys)
    assert code == 0 and "image &quot;scans/two.png&quot;" in text, err


def test_crops_results_that_cannot_be_written_are_reported_and_the_rest_go_on(tmp_path, model_dirs, capsys):
    from ocr_core.imageio import write_image

    _, rec = model_dirs
    images = [tmp_path / "a.png", tmp_path / "b.png"]
    for image in images:
        write_image(image, np.full((32, 96, 3), 200, np.uint8))
    out = tmp_path / "out"
    (out / "a.json").mkdir(parents=True)  # where a's result would go: a folder
    code, _, err = _run(["recognize", "--crops", "--recognizer", str(rec), "--out", str(out),
                         *map(str, images)], capsys)
    assert code == 1 and "a.png" in err and "1 of 2 images failed" in err
    assert json.loads((out / "b.json").read_text(encoding="utf-8"))["words"]  # b was still read and written


def _scan(tmp_path: Path) -> Path:
    """A 3-page TIFF whose pages have different sizes, so each result tells which page it is."""
    from PIL import Image

    scan = tmp_path / "scan.tif"
    frames = [Image.new("RGB", (60 + 10 * i, 40), c) for i, c in enumerate(("white", "gray", "black"))]
    frames[0].save(scan, save_all=True, append_images=frames[1:])
    return scan


def test_every_page_of_a_multi_page_tiff_is_read(tmp_path, model_dirs, capsys):
    from ocr_core.imageio import page_count

    det, rec = model_dirs
    scan = _scan(tmp_path)
    assert page_count(scan) == 3 and page_count(tmp_path / "missing.png") == 1
    code, out, err = _run(["recognize", "--detector", str(det), "--recognizer", str(rec), str(scan)], capsys)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and not err
    assert [(r["image"], r["page"], r["width"]) for r in records] == [(str(scan), n, 50 + 10 * n) for n in (1, 2, 3)]

    code, out, _ = _run(["recognize", "--detector", str(det), "--recognizer", str(rec), "--pages", "3,2",
                         str(scan)], capsys)
    assert code == 0 and [(json.loads(line)["page"], json.loads(line)["width"]) for line in out.splitlines()] == [
        (2, 70), (3, 80)]


def test_a_single_page_image_has_no_page_number_and_ignores_pages(tmp_path, model_dirs, capsys):
    from ocr_core.imageio import write_image

    det, rec = model_dirs
    image = tmp_path / "one.png"
    write_image(image, np.full((40, 60, 3), 200, np.uint8))
    code, out, err = _run(["recognize", "--detector", str(det), "--recognizer", str(rec), "--pages", "2",
                           str(image)], capsys)
    assert code == 0 and "page" not in json.loads(out) and "one.png has one page" in err


def test_pages_a_file_lacks_are_named_and_none_at_all_is_a_failure(tmp_path, model_dirs, capsys):
    det, rec = model_dirs
    scan = _scan(tmp_path)
    code, out, err = _run(["recognize", "--detector", str(det), "--recognizer", str(rec), "--pages", "3-5",
                           str(scan)], capsys)
    assert code == 0 and [json.loads(line)["page"] for line in out.splitlines()] == [3]
    assert "holds 3 pages; pages beyond 3 are skipped" in err
    code, out, err = _run(["recognize", "--detector", str(det), "--recognizer", str(rec), "--pages", "7",
                           str(scan)], capsys)
    assert code == 1 and not out and "none of the pages asked for" in err and "1 of 1" in err


@pytest.mark.parametrize("value", ["0", "x", "3-1", "1,,2", "-2"])
def test_a_bad_page_selection_is_refused_before_any_work(value, capsys):
    from ocr_core.cli.main import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["recognize", "--pages", value, "a.png"])
    assert "--pages" in capsys.readouterr().err


def test_a_multi_page_tiff_gives_one_document_or_one_file_per_page(tmp_path, model_dirs, capsys):
    import pypdf

    det, rec = model_dirs
    scan = _scan(tmp_path)
    out_dir = tmp_path / "out"
    for fmt in ("json", "icdar2015", "hocr", "pdf"):
        code, _, err = _run(["recognize", "--detector", str(det), "--recognizer", str(rec), "--format", fmt,
                             "--out", str(out_dir), str(scan)], capsys)
        assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "gt_scan-page1.txt", "gt_scan-page2.txt", "gt_scan-page3.txt",
        "scan-page1.json", "scan-page2.json", "scan-page3.json", "scan.hocr", "scan.pdf"]
    assert json.loads((out_dir / "scan-page2.json").read_text(encoding="utf-8"))["width"] == 70
    hocr = (out_dir / "scan.hocr").read_text(encoding="utf-8")
    assert [f"bbox 0 0 {50 + 10 * n} 40; ppageno {n - 1}" in hocr for n in (1, 2, 3)] == [True] * 3
    pdf = pypdf.PdfReader(out_dir / "scan.pdf")
    assert [round(float(p.mediabox.width)) for p in pdf.pages] == [60, 70, 80]  # 72 dpi: a point per pixel
    # the pages' pictures are the file's pages: white, gray, black
    shades = [next(iter(p.images)).image.convert("L").getpixel((0, 0)) for p in pdf.pages]
    assert shades[0] > 200 and 100 < shades[1] < 160 and shades[2] < 30

    code, text, _ = _run(["recognize", "--detector", str(det), "--recognizer", str(rec), "--format", "text",
                          "--min-confidence", "0", str(scan)], capsys)
    assert code == 0 and text.count("\f") == 2  # three pages, apart by form feeds


def test_a_broken_page_is_reported_and_the_others_are_read(tmp_path, model_dirs, capsys, monkeypatch):
    from ocr_core.cli import recognize
    from ocr_core.errors import ImageReadError
    from ocr_core.imageio import read_image_page

    def flaky(source, index, **kwargs):
        if index == 1:
            raise ImageReadError(f"cannot read image {source} (page 2): truncated")
        return read_image_page(source, index, **kwargs)

    monkeypatch.setattr("ocr_core.imageio.read_image_page", flaky)
    assert recognize  # the CLI imports the reader when it runs
    det, rec = model_dirs
    scan = _scan(tmp_path)
    code, out, err = _run(["recognize", "--detector", str(det), "--recognizer", str(rec), str(scan)], capsys)
    assert code == 1 and [json.loads(line)["page"] for line in out.splitlines()] == [1, 3]
    assert "(page 2)" in err and "1 of 3 images and pages failed" in err



def test_a_pdf_is_read_page_by_page_and_a_searchable_pdf_made_of_it(tmp_path, model_dirs, capsys):
    import pypdf
    from PIL import Image

    det, rec = model_dirs
    scan = tmp_path / "scan.pdf"
    pages = [Image.new("RGB", (72 + 36 * i, 72), c) for i, c in enumerate(("white", "gray"))]
    pages[0].save(scan, save_all=True, append_images=pages[1:], resolution=72)
    code, out, err = _run(["recognize", "--detector", str(det), "--recognizer", str(rec), str(scan)], capsys)
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["page"] for r in records] == [1, 2]
    assert [r["width"] for r in records] == pytest.approx([72, 108], abs=1)  # 72 and 108 points of a 72 dpi scan

    out_dir = tmp_path / "out"
    code, _, err = _run(["recognize", "--detector", str(det), "--recognizer", str(rec), "--format", "pdf",
                         "--out", str(out_dir), str(scan)], capsys)
    assert code == 0, err
    made = pypdf.PdfReader(out_dir / "scan.pdf")
    # the pages keep their size in points: rendered at 300 dpi, embedded at 300 dpi
    assert [round(float(p.mediabox.width)) for p in made.pages] == [72, 108]


def test_out_never_writes_over_an_input_and_asks_for_overwrite_before_replacing(tmp_path, model_dirs, capsys):
    from PIL import Image

    det, rec = model_dirs
    scan = tmp_path / "scan.pdf"
    Image.new("RGB", (72, 72), "white").save(scan, resolution=72)
    before = scan.read_bytes()
    models = ["--detector", str(det), "--recognizer", str(rec)]
    code, _, err = _run(["recognize", *models, "--format", "pdf", "--out", str(tmp_path), "--overwrite", str(scan)],
                        capsys)
    assert code == 2 and "scan.pdf is one of the inputs" in err and scan.read_bytes() == before
    image = tmp_path / "img_1.png"
    Image.new("RGB", (64, 48), "white").save(image)
    truth = tmp_path / "gt_img_1.txt"
    truth.write_text("1,1,9,1,9,9,1,9,typed by hand\n", encoding="utf-8")
    code, _, err = _run(["recognize", *models, "--format", "icdar2015", "--out", str(tmp_path), str(image)], capsys)
    assert code == 2 and "would be replaced (gt_img_1.txt)" in err and "--overwrite" in err
    assert truth.read_text(encoding="utf-8") == "1,1,9,1,9,9,1,9,typed by hand\n"
    code, _, err = _run(["recognize", *models, "--format", "icdar2015", "--out", str(tmp_path), "--overwrite",
                         str(image)], capsys)
    assert code == 0, err
    assert "typed by hand" not in truth.read_text(encoding="utf-8")


def test_a_write_that_fails_names_the_output_not_a_temporary_file(tmp_path, model_dirs, capsys, monkeypatch):
    import ocr_core.atomic as atomic
    from ocr_core.imageio import write_image

    _, rec = model_dirs
    image = tmp_path / "word.png"
    write_image(image, np.full((32, 96, 3), 200, np.uint8))
    real = atomic.atomic_write_text

    def denied(path, *a, **k):
        raise PermissionError(13, "Permission denied", str(Path(path).parent / ".word.json.x1y2.tmp"))

    monkeypatch.setattr(atomic, "atomic_write_text", denied)
    code, _, err = _run(["recognize", "--crops", "--recognizer", str(rec), "--out", str(tmp_path / "o"), str(image)],
                        capsys)
    monkeypatch.setattr(atomic, "atomic_write_text", real)
    assert code == 1 and "cannot write" in err and "word.json: Permission denied" in err and ".tmp" not in err
