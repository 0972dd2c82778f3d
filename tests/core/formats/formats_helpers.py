"""Helpers for the annotation format tests: a tiny image, tricky words, word comparison."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr_core.document import Page, Word


def make_image(path: Path, width: int = 200, height: int = 100) -> Path:
    """A small RGB image with some texture (so crops are not blank)."""
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 255, size=(height, width, 3), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)
    return path


def tricky_words() -> list[Word]:
    return [
        Word([[10, 10], [60, 10], [60, 30], [10, 30]], "Hello", confidence=0.91),
        Word([[70.4, 10], [130, 12], [129, 32], [69, 30]], "a,b,c", confidence=0.5),   # rotated, commas
        Word([[10, 50], [90, 50], [90, 70], [10, 70]], "Grüße 東京"),                      # unicode
        Word([[100, 50], [150, 50], [150, 70], [100, 70]], "###"),                         # ignored
        Word([[10, 75], [50, 75], [50, 95], [10, 95]], "blurry", ignore=True),             # ignored, has text
        Word([[60, 75], [150, 75], [150, 95], [60, 95]], 'say "hi" <b>&', confidence=0.25),
    ]


def by_position(page: Page) -> list[Word]:
    """Words sorted by position, so comparisons do not depend on line grouping."""
    return sorted(page.words, key=lambda w: (round(w.bbox[1]), round(w.bbox[0])))


def assert_same_words(expected: Page, actual: Page, *, atol: float, text: bool = True,
                      confidence: float | None = None, skip_ignored: bool = False) -> None:
    want = [w for w in by_position(expected) if not (skip_ignored and w.ignore)]
    got = by_position(actual)
    assert len(got) == len(want), [w.label for w in got]
    for w, g in zip(want, got):
        np.testing.assert_allclose(g.quad, w.quad, atol=atol, err_msg=w.label)
        assert g.ignore == w.ignore, w.label
        assert g.label == w.label
        if text:
            assert g.text == w.text
        if confidence is not None:
            if w.confidence is None:
                assert g.confidence is None
            else:
                assert g.confidence == pytest.approx(w.confidence, abs=confidence)
