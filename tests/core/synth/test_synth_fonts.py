from __future__ import annotations

import multiprocessing
import string
import sys
import types
import warnings
from pathlib import Path

import pytest
from synth_helpers import ALPHABET, build_font, build_small_caps

from ocr_core.errors import DataGenerationError
from ocr_core.synth import fonts as font_mod


def test_font_supports_alphabet_checks_the_cmap(sans, ab_font):
    assert font_mod.font_supports_alphabet(sans, "abcXYZ019.,!? ")
    assert not font_mod.font_supports_alphabet(sans, "ab\u6f22")  # a CJK ideograph DejaVu lacks
    assert font_mod.font_supports_alphabet(ab_font, "ab ")
    assert not font_mod.font_supports_alphabet(ab_font, "abc")
    assert not font_mod.font_supports_alphabet("/does/not/exist.ttf", "a")


def test_get_fonts_finds_dejavu_and_skips_thin(dejavu_fonts):
    names = {Path(p).name for p in dejavu_fonts}
    assert "DejaVuSans.ttf" in names and "DejaVuSerif-Bold.ttf" in names
    assert "DejaVuSans-ExtraLight.ttf" not in names  # thin faces are left out
    assert font_mod.count_families(dejavu_fonts) >= 3


def test_alphabet_no_font_covers_is_a_clear_error(dejavu_dir, font_cache):
    with pytest.raises(DataGenerationError, match="alphabet"):
        font_mod.get_fonts("a\u6f22", font_cache, [dejavu_dir], include_system=False)


def test_empty_and_missing_font_folders_are_errors(tmp_path, font_cache):
    with pytest.raises(DataGenerationError, match="holds no"):
        font_mod.get_fonts("abc", font_cache, [tmp_path], include_system=False)
    with pytest.raises(DataGenerationError, match="does not exist"):
        font_mod.get_fonts("abc", font_cache, [tmp_path / "nope"], include_system=False)


def test_unreadable_font_is_skipped_with_a_warning(tmp_path, sans, font_cache):
    folder = tmp_path / "fonts"
    folder.mkdir()
    (folder / "broken.ttf").write_bytes(b"this is not a font")
    (folder / "good.ttf").write_bytes(Path(sans).read_bytes())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fonts = font_mod.get_fonts("abc", tmp_path / "cache", [folder], include_system=False)
    assert [Path(f).name for f in fonts] == ["good.ttf"]
    assert any("broken.ttf" in str(w.message) for w in caught)


def test_picture_fonts_are_rejected(tmp_path):
    # Every letter mapped, but drawn as the same solid box: a "redacted" picture font.
    boxes = build_font(tmp_path / "Boxes.ttf", {c: "box" for c in string.ascii_letters + string.digits})
    info = font_mod.inspect_font(boxes)
    assert info.rejected
    with pytest.raises(DataGenerationError):
        font_mod.get_fonts("abc", tmp_path / "cache", [tmp_path], include_system=False)


def test_small_capitals_are_caps_fonts(tmp_path, sans):
    from PIL import ImageFont

    from ocr_core.synth.fontcheck import MIN_ASCENDER_RATIO, ascender_ratio

    folder = tmp_path / "fonts"
    folder.mkdir()
    small_caps = build_small_caps(Path(sans), folder / "SmallCaps.ttf")
    assert ascender_ratio(ImageFont.truetype(sans, 64)) > 1.25
    assert ascender_ratio(ImageFont.truetype(str(small_caps), 64)) < MIN_ASCENDER_RATIO
    assert not font_mod.inspect_font(sans).caps
    info = font_mod.inspect_font(small_caps)
    assert info.caps and not info.rejected
    # left out where labels are case-sensitive ("abc" would be drawn ABC), kept for a one-case alphabet
    with pytest.raises(DataGenerationError):
        font_mod.get_fonts("abcABC", tmp_path / "cache", [folder], include_system=False)
    assert font_mod.get_fonts("ABC", tmp_path / "cache", [folder], include_system=False) == [str(small_caps)]
    # keras-ocr's names: exclude_smallcaps=False keeps it for any alphabet, True leaves it out
    assert font_mod.get_fonts("abcABC", tmp_path / "cache", [folder], include_system=False,
                              exclude_smallcaps=False) == [str(small_caps)]
    with pytest.raises(DataGenerationError):
        font_mod.get_fonts("ABC", tmp_path / "cache", [folder], include_system=False, exclude_smallcaps=True)


def test_a_folder_given_where_keras_ocr_put_cache_dir_is_a_clear_error(tmp_path):
    with pytest.raises(DataGenerationError, match="cache_dir first"):
        font_mod.get_fonts(str(tmp_path))  # keras-ocr's get_fonts(cache_dir, alphabet) order
    with pytest.raises(DataGenerationError, match="cache_dir first"):
        font_mod.get_fonts(str(tmp_path / "cache" / "not-made-yet"))  # a cache folder the first run would make
    assert font_mod._looks_like_folder("0123456789/-.") is False  # an alphabet with a slash is an alphabet


def test_fonts_with_math_line_metrics_are_rejected(tmp_path, sans):
    from fontTools.ttLib import TTFont

    font = TTFont(sans)  # DejaVu Sans with a line four times taller than its letters need, as STIX Math
    for table, field in (("hhea", "ascent"), ("OS/2", "usWinAscent"), ("OS/2", "sTypoAscender")):
        setattr(font[table], field, getattr(font[table], field) * 4)
    font.save(str(tmp_path / "TallLine.ttf"))
    assert "line height" in font_mod.inspect_font(tmp_path / "TallLine.ttf").rejected
    assert not font_mod.inspect_font(sans).rejected


def test_index_is_cached_and_reused(tmp_path, sans):
    folder = tmp_path / "fonts"
    folder.mkdir()
    (folder / "a.ttf").write_bytes(Path(sans).read_bytes())
    first = font_mod.get_fonts("abc", tmp_path / "cache", [folder], include_system=False)
    index = tmp_path / "cache" / "fonts-index.json"
    assert index.is_file()
    stamp = index.stat().st_mtime_ns
    assert font_mod.get_fonts("abc", tmp_path / "cache", [folder], include_system=False) == first
    assert index.stat().st_mtime_ns == stamp  # nothing re-inspected, nothing rewritten


def test_font_groups_by_covered_sub_alphabet(sans, ab_font, font_cache):
    alphabet = "ab01\u6f22"
    groups = font_mod.get_font_groups(alphabet, [sans, ab_font], font_cache)
    # DejaVu covers the letters and digits but not the ideograph; the test font only the letters.
    assert groups["ab01"] == [sans]
    assert groups["ab"] == [ab_font]
    assert all("\u6f22" not in key for key in groups)


def test_drawable_chars(sans, ab_font):
    assert font_mod.drawable_chars(ab_font, "abc ") == {"a", "b", " "}
    assert font_mod.drawable_chars(sans, "abc") == {"a", "b", "c"}


def test_default_alphabet_is_the_notebooks():
    assert string.digits + string.ascii_letters + "!?. " == font_mod.DEFAULT_ALPHABET
    assert set(ALPHABET) >= set(font_mod.DEFAULT_ALPHABET)


def test_drawable_text_falls_back_to_base_letters_and_drops_the_rest(tmp_path):
    font = str(build_font(tmp_path / "Plain.ttf", {"u": "ring", "b": "bar", "e": "ell", "r": "box", "E": "ell"}))
    assert font_mod.drawable_text(font, "über") == "uber"        # no ü in the font: its base letter
    assert font_mod.drawable_text(font, "bër €") == "ber"        # ë -> e; € has no base letter: dropped
    assert font_mod.drawable_text(font, "ÉbÉ") == "EbE"
    assert font_mod.drawable_text(font, "ber") == "ber"
    assert font_mod.drawable_text(font, "€ ub") == "ub"


def test_drawable_text_keeps_accents_the_font_has(sans):
    assert font_mod.drawable_text(sans, "Ça coûte 5 €") == "Ça coûte 5 €"


def test_fonts_must_draw_only_the_ascii_part_of_an_extended_alphabet(tmp_path):
    (tmp_path / "fonts").mkdir()
    plain = build_font(tmp_path / "fonts" / "Plain.ttf", {c: "ring" for c in "abcé"}, family="Plain")
    build_font(tmp_path / "fonts" / "Ascii.ttf", {c: "bar" for c in "abc"}, family="Ascii")
    assert font_mod.required_chars("abc é€") == "abc"
    assert font_mod.required_chars("éü") == "éü"                  # no ASCII part: all of it
    found = font_mod.get_training_fonts("abcé", tmp_path / "cache", [tmp_path / "fonts"], include_system=False)
    assert len(found) == 2  # the font without é still draws the rest
    assert font_mod.get_fonts("abcé", tmp_path / "cache", [tmp_path / "fonts"], include_system=False) == [str(plain)]
    # a character no font draws is an error naming it: the model would never see it
    with pytest.raises(DataGenerationError, match="none draws 'ü€'"):
        font_mod.get_training_fonts("abcéü€", tmp_path / "cache", [tmp_path / "fonts"], include_system=False)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method")
def test_font_index_forks_only_without_a_threaded_runtime(dejavu_dir, tmp_path, monkeypatch):
    """Many new fonts are inspected in forked workers, unless TensorFlow, PyTorch or JAX already runs threads:
    Keras loads its backend (JAX or PyTorch too) before the first synthetic run builds the index."""
    import concurrent.futures

    from ocr_core.synth import parallel

    assert {"tensorflow", "torch", "jax"} <= set(parallel.THREADED_RUNTIMES)
    pools = []

    class InlinePool:  # stands in for the forked pool, counting its uses
        def __init__(self, *args, **kwargs):
            pools.append(kwargs.get("mp_context"))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def map(self, fn, *iterables, chunksize=1):
            return map(fn, *iterables)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", InlinePool)
    monkeypatch.setattr(parallel, "THREADED_RUNTIMES", ("ocr_studio_test_runtime",))
    copies = []
    for i in range(64):
        copies.append(tmp_path / f"copy{i}.ttf")
        copies[-1].symlink_to(dejavu_dir / "DejaVuSans.ttf")
    font_mod._FontIndex(tmp_path).refresh([str(c) for c in copies], "abc")
    assert len(pools) == 1  # no threaded runtime: forked workers
    monkeypatch.setitem(sys.modules, "ocr_studio_test_runtime", types.ModuleType("ocr_studio_test_runtime"))
    font_mod._FontIndex(tmp_path).refresh([str(c) for c in copies], "abc")
    assert len(pools) == 1  # one loaded: the files are inspected one by one, in this process
