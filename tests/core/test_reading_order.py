"""Line grouping and reading order: columns, rotated lines, mixed heights, tables, headers."""

from __future__ import annotations

import time

import numpy as np
import pytest

from ocr_core.document import Page, Word
from ocr_core.geometry import quad_from_rect, rotate_quad
from ocr_core.reading_order import group_into_lines, sort_reading_order

H = 20  # text height in the synthetic layouts


def _line(text, x, y, h=H, gap=10, char_w=10):
    """Words of one horizontal line starting at (x, y); returns the words and the end x."""
    words = []
    for token in text.split():
        w = len(token) * char_w
        words.append(Word(quad_from_rect(x, y, x + w, y + h), token))
        x += w + gap
    return words


def _texts(lines):
    return [" ".join(w.text for w in line) for line in lines]


def _shuffled(words, seed=0):
    rng = np.random.default_rng(seed)
    return [words[i] for i in rng.permutation(len(words))]


def test_simple_paragraph_any_input_order():
    words = _line("the quick brown fox", 10, 10) + _line("jumps over the", 10, 40) + _line("lazy dog", 10, 70)
    lines = group_into_lines(_shuffled(words))
    assert _texts(lines) == ["the quick brown fox", "jumps over the", "lazy dog"]


def test_two_columns_are_read_column_by_column_and_not_merged():
    col1 = ["alpha beta gamma delta", "epsilon zeta eta", "theta iota kappa lam"]
    col2 = ["one two three four", "five six seven eight", "nine ten eleven"]
    words = []
    for k, (a, b) in enumerate(zip(col1, col2)):
        words += _line(a, 10, 10 + 30 * k) + _line(b, 280, 10 + 30 * k)  # gutter of ~2 heights
    lines = group_into_lines(_shuffled(words, 1))
    assert _texts(lines) == col1 + col2


def test_header_two_columns_footer():
    words = _line("a wide title that spans both columns here ok", 10, 0)
    left = ["left one is here", "left two is here", "left three here"]
    right = ["right one is here", "right two is here", "right three"]
    for k, (a, b) in enumerate(zip(left, right)):
        words += _line(a, 10, 40 + 30 * k) + _line(b, 240, 40 + 30 * k)
    words += _line("footer spanning the page from left to right end", 10, 140)
    lines = group_into_lines(_shuffled(words, 2))
    assert _texts(lines) == [
        "a wide title that spans both columns here ok",
        *left,
        *right,
        "footer spanning the page from left to right end",
    ]


def test_table_like_rows_are_read_row_by_row():
    # A receipt: short items on the left, prices far right; cells do not fill their "columns".
    words = []
    for k, (item, price) in enumerate(
        [("milk", "1.99"), ("bread loaf", "2.49"), ("eggs", "3.10"), ("tea", "4.00")]
    ):
        words += _line(item, 10, 10 + 30 * k) + _line(price, 400, 10 + 30 * k)
    lines = group_into_lines(_shuffled(words, 3))
    assert _texts(lines) == ["milk", "1.99", "bread loaf", "2.49", "eggs", "3.10", "tea", "4.00"]


@pytest.mark.parametrize("angle", [25.0, -40.0, 90.0])
def test_rotated_lines(angle):
    words = _line("rotated text line", 100, 100) + _line("second line here", 100, 130)
    center = np.array([200.0, 125.0])
    rotated = [Word(rotate_quad(w.quad, angle, center), w.text) for w in words]
    lines = group_into_lines(_shuffled(rotated, 4))
    assert _texts(lines) == ["rotated text line", "second line here"]


def test_each_word_uses_its_own_orientation():
    # Two lines with different slopes side by side must not be mixed up.
    a = [Word(rotate_quad(w.quad, 20, (60, 60)), w.text) for w in _line("uphill words go", 10, 50)]
    b = [Word(rotate_quad(w.quad, -20, (560, 60)), w.text) for w in _line("downhill words go", 480, 50)]
    lines = group_into_lines(_shuffled(a + b, 5))
    assert sorted(_texts(lines)) == ["downhill words go", "uphill words go"]


def test_words_of_different_heights_on_one_baseline():
    big = Word(quad_from_rect(10, 0, 130, 60), "BIG")
    small = [Word(quad_from_rect(150, 40, 200, 60), "small"), Word(quad_from_rect(210, 40, 250, 60), "text")]
    below = _line("next line", 10, 80)
    lines = group_into_lines(_shuffled([big, *small, *below], 6))
    assert _texts(lines) == ["BIG small text", "next line"]


def test_tall_word_next_to_two_small_lines_does_not_merge_them():
    big = Word(quad_from_rect(10, 0, 130, 60), "BIG")
    top = _line("top line", 140, 5)
    bottom = _line("bottom line", 140, 35)
    lines = group_into_lines([big, *top, *bottom])
    assert len(lines) == 2
    assert sorted(_texts(lines)) == sorted(["BIG top line", "bottom line"])


def test_big_gap_splits_a_row():
    words = _line("left part", 10, 10) + _line("far right", 10 + 90 + 5 * H, 10)
    assert len(group_into_lines(words)) == 2
    assert len(group_into_lines(words, max_word_gap=10)) == 1


def test_edge_cases_and_page_integration():
    assert group_into_lines([]) == []
    single = Word(quad_from_rect(0, 0, 10, 10), "x")
    assert group_into_lines([single]) == [[single]]
    same = [Word(quad_from_rect(0, 0, 10, 10), "a"), Word(quad_from_rect(0, 0, 10, 10), "b")]
    assert sorted(w.text for line in group_into_lines(same) for w in line) == ["a", "b"]
    words = _line("hello world", 0, 0) + _line("again", 0, 30)
    page = Page.from_words(_shuffled(words), 200, 100)
    assert page.text == "hello world\nagain"
    assert [w.text for w in sort_reading_order(_shuffled(words))] == ["hello", "world", "again"]


def test_many_words_is_fast():
    words = []
    for row in range(60):
        words += _line(" ".join(["word"] * 25), 10, 10 + 30 * row)  # 1,500 words
    start = time.perf_counter()
    lines = group_into_lines(_shuffled(words, 7))
    assert time.perf_counter() - start < 5.0
    assert len(lines) == 60 and all(len(line) == 25 for line in lines)
    ys = [line[0].quad[0, 1] for line in lines]
    assert ys == sorted(ys)


def test_an_icon_read_as_a_word_does_not_pull_the_next_line_up():
    # an infographic: an icon (74 px) beside two lines of 24 px text; it overlaps both lines
    icon = Word(quad_from_rect(260, 90, 318, 164), "$")
    first = [Word(quad_from_rect(x, 100, x + 50, 122), t) for x, t in ((326, "Clean"), (380, "hands"))]
    second = [Word(quad_from_rect(x, 124, x + 50, 148), t) for x, t in ((326, "or"), (380, "alcohol"))]
    lines = [[w.text for w in line] for line in group_into_lines([icon, *second, *first])]
    assert ["Clean", "hands"] in lines and ["or", "alcohol"] in lines and ["$"] in lines
    assert lines.index(["Clean", "hands"]) < lines.index(["or", "alcohol"])
    # a big word on the baseline of small ones (a sign) still joins them, though it is as tall as the icon
    big = Word(quad_from_rect(0, 0, 80, 60), "SALE")
    small = Word(quad_from_rect(90, 40, 130, 60), "now")
    body = _line("small print under the sign that sets the usual word height", 0, 100)
    lines = [[w.text for w in line] for line in group_into_lines([small, big, *body])]
    assert ["SALE", "now"] in lines
