"""Fixtures for the annotation format tests: a tiny image and a page with every tricky case."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The suite runs with --import-mode=importlib: make the helpers module next to this file importable.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from formats_helpers import make_image, tricky_words  # noqa: E402

from ocr_core.document import Line, Page


@pytest.fixture
def image_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "images"
    make_image(folder / "scene.png")
    return folder


@pytest.fixture
def tricky_page(image_dir: Path) -> Page:
    words = tricky_words()
    lines = [Line(words[:2]), Line(words[2:4]), Line(words[4:])]
    return Page(width=200, height=100, lines=lines, image_path=str(image_dir / "scene.png"), checked=True,
                extra={"source": "fixture"})


@pytest.fixture
def empty_page(image_dir: Path) -> Page:
    make_image(image_dir / "blank.png", 50, 40)
    return Page(width=50, height=40, image_path=str(image_dir / "blank.png"))
