"""Dataset checks before training and the checked pages of a folder as a training source (no Keras)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ocr_core.document import Page, Word
from ocr_core.geometry import quad_from_rect
from ocr_core.project import AnnotationStore
from ocr_core.training.data import load_pages, parse_data_source
from ocr_core.training.dataset_check import checked_pages, dataset_report, write_pages_source


def save_image(path: Path) -> Path:
    import cv2

    cv2.imwrite(str(path), np.full((40, 80, 3), 200, np.uint8))
    return path


@pytest.fixture
def folder(tmp_path) -> tuple[Path, AnnotationStore]:
    root = tmp_path / "scans"
    root.mkdir()
    store = AnnotationStore(root)
    words = [Word(quad_from_rect(2, 2, 40, 20), "caf\u00e9"), Word(quad_from_rect(2, 22, 40, 38), "ok"),
             Word(quad_from_rect(42, 2, 78, 20), "###", ignore=True), Word(quad_from_rect(42, 22, 78, 38), ""),
             Word(quad_from_rect(50, 30, 52, 38), "i")]
    for i, checked in enumerate((True, True, False)):
        image = save_image(root / f"p{i}.png")
        store.save(Page.from_words([w.copy() for w in words] if i < 2 else [], 80, 40, image_path=str(image),
                                   checked=checked))
    save_image(root / "p3.png")  # never annotated
    return root, store


def test_only_checked_pages_are_collected(folder):
    root, store = folder
    images = sorted(root.glob("*.png"))
    pages, problems = checked_pages(AnnotationStore(root), images)
    assert [Path(p.image_path).name for p in pages] == ["p0.png", "p1.png"] and not problems


def test_report_counts_problems_and_the_split(folder):
    root, store = folder
    pages, _ = checked_pages(store, sorted(root.glob("*.png")))
    report = dataset_report([], "abcdefghijklmnopqrstuvwxyz", pages=pages + [Page(80, 40, image_path="x.png")],
                            validation_split=0.34, seed=0)
    assert report.images == 3 and report.words == 6 and report.ignored == 2 and report.empty == 2
    assert report.tiny == 2  # the 2-px-wide "i" boxes
    assert report.unknown_chars == {"\u00e9": 2} and report.unknown_words == 2 and not report.ok
    assert report.unlabeled == ["x.png"]
    assert (report.train_images, report.validation_images) == (2, 1)
    text = " | ".join(report.warnings())
    assert "'\u00e9' \u00d72" in text and "no text" in text and "tiny" in text and "without labels" in text
    assert report.summary().startswith("3 images, 6 words, 2 ###")


def test_folder_sources_are_read_like_training_reads_them(folder, tmp_path):
    root, _ = folder
    report = dataset_report([f"{root}:studio", str(tmp_path / "missing")], "abcdefghijklmnopqrstuvwxyz\u00e9")
    assert report.images == 3 and report.unknown_chars == {}
    assert [Path(p).name for p in report.unlabeled] == ["p2.png", "p3.png"]  # p2 has no boxes, p3 no annotation
    assert len(report.problems) == 1 and "does not exist" in report.problems[0]


def test_pages_written_as_a_source_load_back_for_training(folder, tmp_path):
    root, store = folder
    pages, _ = checked_pages(store, sorted(root.glob("*.png")))
    source = write_pages_source(pages, tmp_path / "run" / "data" / "pages.json")
    assert source.endswith(":studio")
    loaded = load_pages(parse_data_source(source))
    assert [Path(p.image_path) for p in loaded] == [root / "p0.png", root / "p1.png"]
    assert [w.text for w in loaded[0].words] == [w.text for w in pages[0].words]
