"""parallel_generator, backgrounds, dataset helpers and the keras-ocr face."""

from __future__ import annotations

import inspect
import itertools
import os
from functools import partial

import cv2
import numpy as np
import pytest

from ocr_core.errors import DataGenerationError
from ocr_core.synth.backgrounds import KINDS, get_backgrounds, make_background
from ocr_core.synth.dataset import (
    convert_image_generator_to_recognizer_input,
    convert_lines_to_paragraph,
    lines_to_words,
    split_fonts_and_backgrounds,
)
from ocr_core.synth.parallel import parallel_generator, worker_seed


def _numbers(seed: int, limit: int | None = None):
    rng = np.random.default_rng(seed)
    for i in itertools.count():
        if limit is not None and i >= limit:
            return
        yield (seed, int(rng.integers(1 << 30)))


def _failing(seed: int):
    yield seed
    raise ValueError("boom in worker")


# Test functions live in a module that spawned children could not import: use fork explicitly.
pytestmark_fork = pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(),
                                     reason="needs the fork start method")
FORK = {"start_method": "fork"}


@pytestmark_fork
def test_parallel_generator_is_reproducible_and_interleaves_workers():
    first = list(itertools.islice(parallel_generator(_numbers, 2, seed=7, chunk_size=4, **FORK), 24))
    again = list(itertools.islice(parallel_generator(_numbers, 2, seed=7, chunk_size=4, **FORK), 24))
    assert first == again
    assert {s for s, _ in first} == {worker_seed(7, 0), worker_seed(7, 1)}
    assert [s for s, _ in first[:8]] == [worker_seed(7, 0)] * 4 + [worker_seed(7, 1)] * 4
    local = list(itertools.islice(parallel_generator(_numbers, 0, seed=7), 4))
    assert local == list(itertools.islice(_numbers(worker_seed(7, 0)), 4))


@pytestmark_fork
def test_parallel_generator_finite_and_errors():
    items = list(parallel_generator(partial(_numbers, limit=5), 2, seed=1, chunk_size=2, **FORK))
    assert len(items) == 10
    with pytest.raises(DataGenerationError, match="boom in worker"):
        list(parallel_generator(_failing, 2, seed=1, chunk_size=1, **FORK))


def test_backgrounds_are_varied_deterministic_and_cached(tmp_path):
    for kind in KINDS:
        a = make_background(np.random.default_rng(1), 48, 64, kind)
        b = make_background(np.random.default_rng(1), 48, 64, kind)
        assert a.shape == (48, 64, 3) and a.dtype == np.uint8 and np.array_equal(a, b)
    means = [make_background(np.random.default_rng(i), 32, 32).mean() for i in range(20)]
    assert np.std(means) > 10
    paths = get_backgrounds(tmp_path, count=6, size=64)
    assert len(paths) == 6 and all(cv2.imread(p) is not None for p in paths)
    stamps = [os.stat(p).st_mtime_ns for p in paths]
    assert get_backgrounds(tmp_path, count=6, size=64) == paths
    assert [os.stat(p).st_mtime_ns for p in paths] == stamps


def test_background_folders(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    cv2.imwrite(str(photos / "a.png"), np.zeros((8, 8, 3), np.uint8))
    assert get_backgrounds(tmp_path, photo_dirs=[photos], procedural=False) == [str(photos / "a.png")]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataGenerationError, match="holds no images"):
        get_backgrounds(tmp_path, photo_dirs=[empty], procedural=False)


def _quad(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


def test_words_paragraph_and_recognizer_crops():
    line = [(_quad(10, 10, 20, 30), "a"), (_quad(20, 10, 30, 30), "b"), (_quad(30, 10, 40, 30), " "),
            (_quad(40, 10, 50, 30), "c")]
    lines = [line]
    assert convert_lines_to_paragraph(lines) == "ab c"
    words = lines_to_words(lines)
    assert [w[1] for w in words] == ["ab", "c"]
    assert np.allclose(words[0][0], _quad(10, 10, 30, 30))
    assert [w[1] for w in lines_to_words(lines, max_length=1)] == ["a", "b", "c"]
    image = np.zeros((40, 60, 3), np.uint8)
    image[10:30, 10:30] = 255
    crops = list(convert_image_generator_to_recognizer_input([(image, lines)], 10, 64, 16, margin=1))
    assert [t for _, t in crops] == ["ab", "c"]
    crop = crops[0][0]
    assert crop.shape == (16, 64, 3)
    assert crop[2:14, 2:16].mean() > 200 and crop[:, 30:].max() == 0  # word, then padding


def test_split_keeps_parts_apart(dejavu_fonts):
    bgs = [f"bg{i}.jpg" for i in range(10)]
    parts = split_fonts_and_backgrounds(dejavu_fonts, bgs)
    assert len(parts) == 3
    assert sorted(b for _, part in parts for b in part) == sorted(bgs)
    from ocr_core.synth.fonts import font_family

    families = [{font_family(f) for f in fonts} for fonts, _ in parts]
    assert not (families[0] & families[1]) and not (families[0] & families[2])
    assert sum(len(f) for f, _ in parts) == len(dejavu_fonts)


def test_keras_ocr_face_has_the_seed_signatures():
    import ocr_core

    dg = ocr_core.data_generation
    params = inspect.signature(dg.get_image_generator).parameters
    assert list(params)[:13] == ["height", "width", "font_groups", "text_generator", "font_size", "backgrounds",
                                 "background_crop_mode", "rotationX", "rotationY", "rotationZ", "margin",
                                 "use_ligatures", "augmenter"]
    assert list(inspect.signature(dg.get_text_generator).parameters)[:3] == ["alphabet", "lowercase",
                                                                             "max_string_length"]
    assert list(inspect.signature(dg.get_fonts).parameters)[:2] == ["alphabet", "cache_dir"]
    assert list(inspect.signature(dg.convert_image_generator_to_recognizer_input).parameters) == [
        "image_generator", "max_string_length", "target_width", "target_height", "margin"]
    for name in ("get_backgrounds", "convert_lines_to_paragraph", "font_supports_alphabet"):
        assert callable(getattr(dg, name))


def test_synthetic_data_never_imports_tensorflow(dejavu_dir, font_cache):
    import subprocess
    import sys

    code = (
        "import sys, itertools\n"
        "import ocr_core.data_generation as dg\n"
        "from ocr_core.cli import synth\n"
        f"fonts = dg.get_fonts('abc', {str(font_cache)!r}, [{str(dejavu_dir)!r}], include_system=False)\n"
        "next(dg.get_crop_generator('abc', fonts, seed=0, cache_dir=" + repr(str(font_cache)) + "))\n"
        "next(dg.get_image_generator(64, 64, {'abc': fonts}, iter(['abc'] * 9), font_size=12, seed=0))\n"
        "bad = [m for m in ('tensorflow', 'keras', 'torch', 'jax', 'PySide6') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
