"""Synthetic previews for the training tab: real DejaVu fonts (skipped when absent), photo backgrounds
made in code, both sample kinds, clear errors for bad settings, cancellation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ocr_core.cancel import CancelToken
from ocr_core.errors import Cancelled, DataGenerationError
from ocr_core.synth_preview import (
    PreviewSettings,
    list_font_families,
    samples_to_pages,
    synth_preview,
    training_synth_options,
)

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
ALPHABET = "0123456789abcdefghij "


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    import cv2

    folder = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    for i in range(2):
        image = (rng.random((120, 160, 3)) * 60 + 150).astype(np.uint8)
        cv2.imwrite(str(folder / f"bg{i}.png"), image)
    return folder


@pytest.fixture(scope="module")
def settings(photos) -> PreviewSettings:
    if not (DEJAVU / "DejaVuSans.ttf").is_file():
        pytest.skip("DejaVu fonts are not installed")
    return PreviewSettings(alphabet=ALPHABET, fonts=[str(DEJAVU / "DejaVuSans.ttf")], include_system=False,
                           procedural_backgrounds=False, photo_dirs=[str(photos)], width=160, height=128,
                           font_size=(14, 28), margin=4, count=3, seed=1)


def test_detector_pages_have_character_and_word_boxes(settings):
    samples = synth_preview(settings)
    assert len(samples) == 3
    for sample in samples:
        assert sample.kind == "detector" and sample.image.shape == (128, 160, 3) and sample.image.dtype == np.uint8
        assert sample.chars and sample.words
        assert all(c in ALPHABET for _, c in sample.chars)
        # every word's text is made of the sample's characters, and its quad lies in the image
        drawn = "".join(c for _, c in sample.chars)
        assert "".join(t for _, t in sample.words) == drawn
        for quad, _ in sample.words:
            assert quad.shape == (4, 2) and quad.min() >= -1 and quad[:, 0].max() <= 161
    again = synth_preview(settings)
    assert np.array_equal(again[0].image, samples[0].image)  # seeded: the same settings draw the same samples


def test_recognizer_crops_have_the_crop_size_and_text(settings):
    from dataclasses import replace

    samples = synth_preview(replace(settings, mode="recognizer", count=5, crop_height=32, crop_width=96))
    assert len(samples) == 5
    assert all(s.kind == "recognizer" and s.image.shape[:2] == (32, 96) and s.text for s in samples)
    assert all(set(s.text) <= set(ALPHABET) for s in samples)
    pages = samples_to_pages(samples)
    assert pages[0][0].shape == (32, 96, 3) and pages[0][1].words[0].text == samples[0].text


@pytest.mark.parametrize("change, message", [
    ({"alphabet": "  "}, "alphabet is empty"),
    ({"fonts": []}, "No fonts selected"),
    ({"fonts": None, "include_system": False, "font_dirs": []}, "No fonts"),
    ({"procedural_backgrounds": False, "photo_dirs": []}, "No backgrounds"),
    ({"font_size": (20, 200)}, "does not fit"),
    ({"margin": 80}, "leaves no room"),
])
def test_bad_settings_give_clear_messages(settings, change, message):
    from dataclasses import replace

    with pytest.raises(DataGenerationError, match=message):
        synth_preview(replace(settings, **change))


def test_an_alphabet_no_font_draws_is_reported(settings):
    from dataclasses import replace

    with pytest.raises(DataGenerationError, match="draws every character"):
        synth_preview(replace(settings, alphabet="ab\u4e00", fonts=None, font_dirs=[str(DEJAVU)]))


def test_cancel_stops_the_preview(settings):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        synth_preview(settings, cancel=token)


def test_font_families_group_files_by_family(settings):
    families = list_font_families(ALPHABET, [str(DEJAVU)], include_system=False)
    names = [f.name for f in families]
    assert "DejaVu Sans" in names and names == sorted(names, key=str.lower)
    sans = families[names.index("DejaVu Sans")]
    assert sans.count == len(sans.paths) >= 2 and all(Path(p).is_file() for p in sans.paths)
    with pytest.raises(DataGenerationError, match="alphabet is empty"):
        list_font_families(" ", [str(DEJAVU)], include_system=False)


def test_training_options_carry_fonts_backgrounds_and_page_layout(settings):
    detector = training_synth_options(settings, "detector")
    assert detector["fonts"] == settings.fonts and detector["rotationZ"] == (-10.0, 10.0)
    assert detector["font_size"] == (14, 28) and len(detector["backgrounds"]) == 2
    recognizer = training_synth_options(settings, "recognizer")
    assert "font_size" not in recognizer and recognizer["fonts"] == settings.fonts
