from __future__ import annotations

import itertools

import numpy as np
import pytest
from synth_helpers import ALPHABET

from ocr_core.errors import DataGenerationError
from ocr_core.synth.backgrounds import make_background
from ocr_core.synth.crops import get_crop_generator


def test_crops_have_the_model_shape_and_alphabet(dejavu_fonts, font_cache):
    bgs = [make_background(np.random.default_rng(i), 96, 96) for i in range(3)]
    gray = list(itertools.islice(get_crop_generator(ALPHABET, dejavu_fonts, bgs, seed=0, cache_dir=font_cache), 60))
    for crop, text in gray:
        assert crop.shape == (32, 128) and crop.dtype == np.uint8
        assert text and set(text) <= set(ALPHABET) and text == text.strip()
    color = next(get_crop_generator(ALPHABET, dejavu_fonts, None, height=31, width=200, color=True, seed=1,
                                    cache_dir=font_cache))
    assert color[0].shape == (31, 200, 3)
    # Varied: not every crop has the same text or the same look.
    assert len({t for _, t in gray}) > 40
    assert np.std([c.mean() for c, _ in gray]) > 5


def test_same_seed_same_crops(dejavu_fonts, font_cache):
    a = list(itertools.islice(get_crop_generator(ALPHABET, dejavu_fonts, seed=5, cache_dir=font_cache), 10))
    b = list(itertools.islice(get_crop_generator(ALPHABET, dejavu_fonts, seed=5, cache_dir=font_cache), 10))
    c = list(itertools.islice(get_crop_generator(ALPHABET, dejavu_fonts, seed=6, cache_dir=font_cache), 10))
    assert all(np.array_equal(x[0], y[0]) and x[1] == y[1] for x, y in zip(a, b))
    assert [t for _, t in a] != [t for _, t in c]


def _content_width(crop: np.ndarray) -> int:
    """Width of the pasted crop before the zero padding (the crop keeps its aspect ratio)."""
    return int(np.nonzero((crop > 0).any(axis=0))[0].max()) + 1


def test_crops_match_their_text(sans, font_cache):
    texts = itertools.cycle(["i", "WWWWWW", "ab", "Hello"])
    gen = get_crop_generator(ALPHABET, [sans], None, text_generator=texts, seed=2, augment_level=0.0,
                             neighbours=0.0, cache_dir=font_cache)
    crops = list(itertools.islice(gen, 8))
    assert [t for _, t in crops] == ["i", "WWWWWW", "ab", "Hello"] * 2
    widths = {t: _content_width(c) for c, t in crops[:4]}
    assert widths["i"] < widths["ab"] < widths["Hello"] < widths["WWWWWW"]
    assert widths["i"] < 24 and widths["WWWWWW"] > 100


def test_a_font_never_draws_a_character_it_lacks(ab_font, font_cache):
    gen = get_crop_generator("abc", [ab_font], None, text_generator=itertools.cycle(["abc", "cab", "ba"]),
                             seed=0, cache_dir=font_cache)
    texts = [t for _, t in itertools.islice(gen, 12)]
    assert texts and all("c" not in t for t in texts)


def test_bad_input_is_reported(dejavu_fonts):
    with pytest.raises(DataGenerationError, match="no fonts"):
        next(get_crop_generator("abc", [], None))
    with pytest.raises(DataGenerationError, match="too small"):
        next(get_crop_generator("abc", dejavu_fonts, None, height=4, width=4))
    with pytest.raises(DataGenerationError, match="could not draw"):
        next(get_crop_generator("\u6f22", dejavu_fonts[:1], None, seed=0))


def _ink_rows(image: np.ndarray, columns: slice) -> float:
    """Mean row of the dark pixels in ``columns``."""
    ys, _ = np.nonzero(image[:, columns] < 128)
    return float(ys.mean())


def test_bend_puts_the_baseline_on_an_arc_and_keeps_every_pixel_of_ink():
    from ocr_core.synth.augment import bend

    image = np.full((20, 120), 255, np.uint8)
    image[8:12, 4:116] = 0  # a straight bar standing for a line of text
    for seed in range(6):
        bent = bend(image, np.random.default_rng(seed), 0.45)
        assert bent.shape[1] == 120 and bent.shape[0] > 20  # padded, never cropped
        assert abs(int((bent < 128).sum()) - int((image < 128).sum())) < 0.1 * (image < 128).sum()
        # The ends of the bar moved away from its middle, by about the depth asked for, in the same direction.
        left, mid, right = (_ink_rows(bent, s) for s in (slice(4, 10), slice(57, 63), slice(110, 116)))
        assert abs(left - mid) > 2.5 and abs(right - mid) > 2.5
        assert np.sign(left - mid) == np.sign(right - mid)
        assert (bent[0] == 255).all() and (bent[-1] == 255).all()  # no ink reached the border
    assert bend(image, np.random.default_rng(0), 0.0) is image


def _letter_layer() -> np.ndarray:
    import cv2

    alpha = np.zeros((40, 80), np.uint8)
    cv2.putText(alpha, "IT", (10, 32), cv2.FONT_HERSHEY_SIMPLEX, 1.1, 255, 4)
    return alpha.astype(np.float32) / 255.0


def test_glow_puts_a_halo_of_the_colour_around_the_letters_and_lightens_them():
    from ocr_core.synth.augment import glow

    alpha = _letter_layer()
    canvas = np.full((40, 80, 3), 20.0, np.float32)
    color = np.array([40.0, 200.0, 90.0], np.float32)
    out, core = glow(canvas, alpha, color, np.random.default_rng(0), size=30)
    ring = (alpha == 0) & (cv2_dilate(alpha, 5) > 0)  # background right next to the strokes
    far = np.zeros_like(alpha, bool)
    far[:, -3:] = True
    assert out[ring][:, 1].mean() > 60 > out[far][:, 1].mean()  # the halo is green and fades with distance
    assert out[ring][:, 1].mean() > out[ring][:, 0].mean()
    assert np.all(core >= color) and core.min() > color.min() + 50  # lit letters wash towards white
    assert canvas.max() == 20.0  # the input is left alone


def test_relief_shows_the_letters_by_light_and_shadow_on_opposite_edges():
    from ocr_core.synth.augment import relief

    alpha = _letter_layer()
    canvas = np.full((40, 80, 3), 128.0, np.float32)
    out = relief(canvas, alpha, np.random.default_rng(3), size=30)
    change = out[..., 0] - 128.0
    assert change.max() > 30 and change.min() < -30  # a lit edge and a shadowed edge
    assert abs(change[alpha > 0].mean()) < 20  # the letter's own face keeps about the background's colour
    np.testing.assert_array_equal(out[:, :1], canvas[:, :1])  # far from the letters nothing changes
    blank = np.zeros_like(alpha)
    np.testing.assert_array_equal(relief(canvas, blank, np.random.default_rng(3), size=30), canvas)


def cv2_dilate(alpha: np.ndarray, k: int) -> np.ndarray:
    import cv2

    return cv2.dilate(alpha, np.ones((k, k), np.uint8))


def _bar_angle(mask: np.ndarray) -> float:
    """Angle (degrees from vertical) of the main axis of the pixels set in ``mask``."""
    ys, xs = np.nonzero(mask)
    cov = np.cov(np.stack([xs, ys]).astype(float))
    vals, vecs = np.linalg.eigh(cov)
    vx, vy = vecs[:, int(np.argmax(vals))]
    return float(np.degrees(np.arctan2(abs(vx), abs(vy))))


def test_arc_turns_the_letters_with_the_circle_and_adds_no_ink():
    from ocr_core.synth.augment import arc

    layer = np.zeros((24, 160), np.uint8)
    layer[10:14, 8:152] = 255  # the text's middle row
    layer[2:22, 8:12] = 255  # an upright stroke at the start of the line
    seen = set()
    for seed in range(8):
        out = arc(layer, np.random.default_rng(seed), 2.4, border_value=0)
        assert out.shape[0] > 24  # the arc's sagitta makes the crop taller
        assert abs(int((out > 127).sum()) - int((layer > 127).sum())) < 0.2 * (layer > 127).sum()
        ink = out > 127
        cols = np.nonzero(ink.any(axis=0))[0]
        left, right = cols.min(), cols.max()
        mid = (left + right) // 2
        rows_mid = np.nonzero(ink[:, mid - 2: mid + 3].any(axis=1))[0].mean()
        rows_right = np.nonzero(ink[:, right - 4: right + 1].any(axis=1))[0].mean()
        up = rows_right > rows_mid  # the ends hang below the middle: the arc bulges up
        seen.add(up)
        # The upright stroke at the start is turned about half the span (1.2 rad = 69 degrees), which a
        # column shift (bend) never does.
        stroke = np.zeros_like(layer)
        stroke[2:22, 8:12] = 255
        turned = arc(stroke, np.random.default_rng(seed), 2.4, border_value=0) > 127
        assert 55 < _bar_angle(turned) < 80
        # Never mirrored nor upside down: the start of the line stays on the left, and in the middle the text's
        # top row stays above its bottom row (on the bottom of a circle the letters point at the centre, above).
        start = np.zeros_like(layer)
        start[:, :6] = 255
        start_xs = np.nonzero(arc(start, np.random.default_rng(seed), 2.4, border_value=0) > 127)[1]
        assert start_xs.mean() < left + 0.25 * (right - left)
        rows = {}
        for name, band in (("top", slice(0, 3)), ("bottom", slice(21, 24))):
            edge = np.zeros_like(layer)
            edge[band, 6:-6] = 255
            ys, xs = np.nonzero(arc(edge, np.random.default_rng(seed), 2.4, border_value=0) > 127)
            rows[name] = ys[np.abs(xs - mid) < 3].mean()
        assert rows["top"] < rows["bottom"]
    assert seen == {True, False}  # both the top and the bottom of a circle
    same = arc(layer, np.random.default_rng(0), 0.0)
    assert same is layer


def test_context_crops_show_more_of_the_lines_around_the_word(dejavu_fonts, font_cache, monkeypatch):
    """Some crops keep up to 0.6 of the lines above and below (a box around one line of a tightly set sign);
    without augmentation only slivers of them show."""
    from ocr_core.synth import augment, crops

    layers: list[np.ndarray] = []
    original = crops._CropRenderer._compose

    def spy(self, alpha, size):  # type: ignore[no-untyped-def]
        layers.append(alpha.copy())
        return original(self, alpha, size)

    monkeypatch.setattr(crops._CropRenderer, "_compose", spy)
    monkeypatch.setattr(augment, "arc", lambda image, *a, **k: image)

    def largest_neighbour_share(level: float) -> float:
        layers.clear()
        gen = get_crop_generator(ALPHABET, dejavu_fonts[:2], None, seed=3, neighbours=1.0, augment_level=level,
                                 text_generator=itertools.cycle(["Hamburg", "Pacific", "Grand"]),
                                 cache_dir=font_cache)
        list(itertools.islice(gen, 120))
        best = 0.0
        for alpha in layers:
            rows = (alpha > 127).any(axis=1)
            # Runs of inked rows: the tallest is the word, the others are neighbouring lines.
            edges = np.flatnonzero(np.diff(np.concatenate([[0], rows.astype(int), [0]])))
            runs = sorted(edges[1::2] - edges[::2])
            if len(runs) > 1:
                best = max(best, runs[-2] / runs[-1])
        return best

    assert largest_neighbour_share(0.0) < 0.3
    assert 0.35 < largest_neighbour_share(1.0) <= 0.8


@pytest.mark.parametrize(("balance", "low", "high"), [("file", 0.0, 0.25), ("family", 0.35, 0.65)])
def test_font_balance_draws_files_or_typefaces_equally(balance, low, high, tmp_path, font_cache, monkeypatch):
    from synth_helpers import build_font

    import ocr_core.synth.crops as crops_module

    many = [str(build_font(tmp_path / f"Many{i}.ttf", {"a": "ring", "b": "ell"}, family="Many Styles"))
            for i in range(9)]
    lone = str(build_font(tmp_path / "Lone.ttf", {"a": "ring", "b": "bar"}, family="Lone Style"))
    used = []
    original = crops_module.FontCache.get

    def record(self, path, size):
        used.append(path)
        return original(self, path, size)

    monkeypatch.setattr(crops_module.FontCache, "get", record)
    generator = get_crop_generator("ab", many + [lone], seed=4, cache_dir=font_cache, font_balance=balance)
    for _ in range(300):
        next(generator)
    share = used.count(lone) / len(used)
    assert low <= share <= high, share


def test_an_unknown_font_balance_is_refused(sans, font_cache):
    with pytest.raises(DataGenerationError, match="font_balance"):
        next(get_crop_generator("ab", [sans], cache_dir=font_cache, font_balance="style"))
