"""``ocr-studio gui``: argument parsing, and --screenshot on the qasync loop with a fake engine."""

from __future__ import annotations

import argparse

import pytest
from gui_helpers import FakeService, make_image
from PySide6.QtGui import QImage

from app.cli import add_parser, configure_parser
from app.main import run_gui
from app.settings import Settings


def parse(*argv: str) -> argparse.Namespace:
    return configure_parser(argparse.ArgumentParser()).parse_args(list(argv))


def test_gui_subcommand_registers_without_importing_qt_widgets():
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["gui", "scans", "--recognize", "--tab", "Train", "--screenshot", "x.png"])
    assert args.command == "gui" and args.recognize and args.tab == "train" and str(args.screenshot) == "x.png"
    assert callable(args.func)


def test_screenshot_after_recognition(qapp, tmp_path, capsys):
    image = make_image(tmp_path / "photo.png", 320, 200)
    out = tmp_path / "shots" / "window.png"
    service = FakeService(delay=0.1)
    code = run_gui(parse(str(image), "--recognize", "--screenshot", str(out)), lambda: service, Settings())
    assert code == 0, capsys.readouterr().err
    assert service.recognized == [str(image)]
    shot = QImage(str(out))
    assert not shot.isNull() and shot.width() >= 800


def test_screenshot_of_train_tab_on_a_folder(qapp, tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    for i in range(3):
        make_image(folder / f"s{i}.png")
    out = tmp_path / "train.png"
    code = run_gui(parse(str(folder), "--tab", "train", "--screenshot", str(out)), lambda: FakeService(), Settings())
    assert code == 0 and out.is_file()


def test_screenshot_fails_when_models_cannot_load(qapp, tmp_path, capsys):
    image = make_image(tmp_path / "photo.png")
    code = run_gui(parse(str(image), "--recognize", "--screenshot", str(tmp_path / "x.png")),
                   lambda: FakeService(fail_load=True), Settings())
    assert code == 1
    assert "weights not found" in capsys.readouterr().err


def test_missing_path_is_an_error(tmp_path, capsys):
    assert run_gui(parse(str(tmp_path / "nope.png"), "--screenshot", str(tmp_path / "x.png"))) == 1
    assert "no such image or folder" in capsys.readouterr().err


@pytest.mark.parametrize("bad", [["--tab", "settings"]])
def test_bad_arguments_are_rejected(bad):
    with pytest.raises(SystemExit):
        parse(*bad)


def test_bundled_sample_keeps_annotations_out_of_the_package(qapp, tmp_path, monkeypatch):
    from ocr_core.paths import sample_image_path

    monkeypatch.setenv("OCR_STUDIO_DATA_DIR", str(tmp_path / "data"))
    samples = sample_image_path().parent
    before = sorted(p.name for p in samples.iterdir())
    out = tmp_path / "sample.png"
    assert run_gui(parse("--recognize", "--screenshot", str(out)), lambda: FakeService(), Settings()) == 0
    assert sorted(p.name for p in samples.iterdir()) == before
    assert not list((tmp_path / "data").rglob("*.ocr.json"))  # a screenshot run keeps nothing anywhere


def test_a_screenshot_run_writes_no_annotations_and_no_settings(qapp, tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    for name in ("a.png", "b.png"):
        make_image(folder / name, 200, 120)
    from ocr_core.document import Page, Word
    from ocr_core.project import AnnotationStore

    word = Word([[10, 10], [60, 10], [60, 30], [10, 30]], "saved", confidence=0.9)
    sidecar = AnnotationStore(folder).save(Page.from_words([word], 200, 120, image_path=str(folder / "a.png")))
    (folder / ".ocr-studio-index.json").unlink(missing_ok=True)
    saved = sidecar.read_bytes()
    settings = Settings()
    settings.show_labels = False
    settings.sync()
    before = {key: settings._s.value(key) for key in settings._s.allKeys()}
    code = run_gui(parse(str(folder), "--recognize", "--screenshot", str(tmp_path / "x.png")),
                   lambda: FakeService(), settings)
    assert code == 0  # (an image with boxes does not stop the run with a question)
    assert sorted(p.name for p in folder.iterdir()) == ["a.png", "a.png.ocr.json", "b.png"]  # no new files
    assert sidecar.read_bytes() == saved
    settings._s.sync()
    assert {key: settings._s.value(key) for key in settings._s.allKeys()} == before  # no window size, no recents
