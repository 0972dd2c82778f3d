from __future__ import annotations

import itertools
import warnings

import cv2
import numpy as np
import pytest

from ocr_core.errors import DataGenerationError
from ocr_core.synth.dataset import convert_lines_to_paragraph
from ocr_core.synth.render import get_image_generator, get_rotation_matrix

WHITE = np.full((200, 200, 3), 255, np.uint8)
TEXTS = ["Hello World 42", "jumpy Quartz fog", "Ag ly?", "mixed CASE words here"]


def _pages(fonts, n=4, **kwargs):
    options = dict(font_size=(18, 40), backgrounds=[WHITE], augment_level=0.0, margin=4, seed=0)
    options.update(kwargs)
    gen = get_image_generator(200, 200, {"x": fonts}, itertools.cycle(TEXTS), **options)
    return list(itertools.islice(gen, n))


def _check_quads_enclose_ink(image, lines):
    ink = (255 - image.min(axis=2)) > 60
    covered = np.zeros(ink.shape, np.uint8)
    h, w = ink.shape
    for line in lines:
        for quad, ch in line:
            q = np.asarray(quad, np.float32)
            assert q.shape == (4, 2)
            assert (q[:, 0] >= 0).all() and (q[:, 0] <= w).all() and (q[:, 1] >= 0).all() and (q[:, 1] <= h).all()
            # Clockwise from the top-left (positive signed area in image coordinates).
            x, y = q[:, 0], q[:, 1]
            assert 0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) > 0
            if ch == " ":
                continue
            one = np.zeros(ink.shape, np.uint8)
            cv2.fillPoly(one, [np.round(q * 4).astype(np.int32)], 1, shift=2)
            assert (one.astype(bool) & ink).sum() > 0, f"quad of {ch!r} holds no ink"
            covered |= one
    covered = cv2.dilate(covered, np.ones((3, 3), np.uint8)).astype(bool)
    outside = (ink & ~covered).sum()
    assert outside <= 0.002 * max(1, ink.sum()), f"{outside} ink pixels outside every character quad"


def test_quads_enclose_the_ink_of_every_character(dejavu_fonts):
    for image, lines in _pages(dejavu_fonts, n=4):
        assert image.shape == (200, 200, 3) and image.dtype == np.uint8
        assert lines
        _check_quads_enclose_ink(image, lines)


def test_rotations_keep_quads_on_the_ink_and_inside(dejavu_fonts):
    pages = _pages(dejavu_fonts, n=4, rotationX=(-0.05, 0.05), rotationY=(-0.05, 0.05), rotationZ=(-30, 30), seed=3)
    for image, lines in pages:
        _check_quads_enclose_ink(image, lines)


def test_ligature_mode_also_encloses_ink(dejavu_fonts):
    for image, lines in _pages(dejavu_fonts, n=2, use_ligatures=True, seed=5):
        _check_quads_enclose_ink(image, lines)


def _gaps_inside_words(lines):
    """Horizontal gaps between neighbouring characters of the same word, as shares of their height."""
    gaps = []
    for line in lines:
        for (qa, a), (qb, b) in zip(line, line[1:]):
            if a != " " and b != " ":
                height = max(np.ptp(qa[:, 1]), np.ptp(qb[:, 1]), 1.0)
                gaps.append((qb[:, 0].min() - qa[:, 0].max()) / height)
    return np.array(gaps)


def test_letter_spaced_blocks_keep_quads_on_the_ink_and_words_apart(dejavu_fonts):
    spaced = _pages(dejavu_fonts, n=4, letter_spaced=1.0, seed=7)
    plain = _pages(dejavu_fonts, n=4, letter_spaced=0.0, seed=7)
    for image, lines in spaced:
        _check_quads_enclose_ink(image, lines)
    # words stay words: space entries still separate them
    assert any(" " in convert_lines_to_paragraph(lines) for _, lines in spaced)
    assert np.median(_gaps_inside_words([ln for _, ls in spaced for ln in ls])) > \
        np.median(_gaps_inside_words([ln for _, ls in plain for ln in ls])) + 0.05
    with pytest.raises(DataGenerationError, match="letter_spaced"):
        _pages(dejavu_fonts, n=1, letter_spaced=2.0)


def test_spaces_are_entries_between_words(sans):
    spaces = 0
    for _image, lines in _pages([sans], n=6, font_size=12, blocks=(1, 1), lines_per_block=(1, 1)):
        text = convert_lines_to_paragraph(lines)
        assert "  " not in text and not text.startswith(" ")
        for line in lines:
            assert line[0][1] != " " and line[-1][1] != " "
            for i, (quad, ch) in enumerate(line):
                if ch == " ":
                    spaces += 1
                    left, right = line[i - 1][0], line[i + 1][0]
                    assert left[:, 0].mean() < quad[:, 0].mean() < right[:, 0].mean()
    assert spaces > 0


def test_same_seed_same_pages_and_augmentation_changes_pixels_only(dejavu_fonts):
    a = _pages(dejavu_fonts, n=2, seed=11, augment_level=1.0, backgrounds=None)
    b = _pages(dejavu_fonts, n=2, seed=11, augment_level=1.0, backgrounds=None)
    c = _pages(dejavu_fonts, n=2, seed=12, augment_level=1.0, backgrounds=None)
    for (ia, la), (ib, lb) in zip(a, b):
        assert np.array_equal(ia, ib)
        assert convert_lines_to_paragraph(la) == convert_lines_to_paragraph(lb)
    assert not np.array_equal(a[0][0], c[0][0])


def test_a_font_never_draws_a_character_it_lacks(ab_font):
    gen = get_image_generator(120, 120, {"abc": [ab_font]}, itertools.cycle(["abc cab", "cc ab"]), font_size=20,
                              backgrounds=[WHITE], augment_level=0.0, seed=0)
    for image, lines in itertools.islice(gen, 3):
        chars = {ch for line in lines for _, ch in line}
        assert chars and "c" not in chars
        _check_quads_enclose_ink(image, lines)


def test_bad_sizes_and_backgrounds_are_reported(sans, tmp_path):
    with pytest.raises(DataGenerationError, match="cannot fit"):
        next(get_image_generator(64, 64, {"x": [sans]}, iter(TEXTS), font_size=200))
    with pytest.raises(DataGenerationError, match="margin"):
        next(get_image_generator(64, 64, {"x": [sans]}, iter(TEXTS), margin=40))
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    gen = get_image_generator(64, 64, {"x": [sans]}, itertools.cycle(TEXTS), font_size=12, backgrounds=[bad, WHITE],
                              seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(6):
            next(gen)
    assert any("bad.jpg" in str(w.message) for w in caught)
    only_bad = get_image_generator(64, 64, {"x": [sans]}, itertools.cycle(TEXTS), font_size=12, backgrounds=[bad])
    with pytest.raises(DataGenerationError, match="background"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        next(only_bad)


def test_rotation_matrix_is_the_seeds_tilt():
    m = get_rotation_matrix(100, 100, 0, 0, 90)
    p = cv2.perspectiveTransform(np.array([[[100.0, 50.0]]]), m)[0, 0]
    assert np.allclose(p, [50, 100], atol=1e-6)
    tilt = get_rotation_matrix(640, 640, 0.05, 0, 0)
    top = cv2.perspectiveTransform(np.array([[[320.0, 0.0]]]), tilt)[0, 0]
    bottom = cv2.perspectiveTransform(np.array([[[320.0, 640.0]]]), tilt)[0, 0]
    # X acts through the homogeneous coordinate: a visible tilt even at 0.05 degrees.
    assert abs((320 - top[1]) - (bottom[1] - 320)) > 10


def test_a_finite_text_source_ends_the_pages_cleanly(dejavu_fonts):
    """keras-ocr's generator stops when its texts run out; a page needs several texts, so fewer pages come."""
    options = dict(font_size=(18, 40), backgrounds=[WHITE], augment_level=0.0, margin=4, seed=0)
    pages = list(get_image_generator(200, 200, {"x": dejavu_fonts}, iter(TEXTS * 3), **options))
    assert 1 <= len(pages) < len(TEXTS) * 3
