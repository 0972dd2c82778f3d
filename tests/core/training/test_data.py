import pytest

from ocr_core.errors import AlphabetError, TrainingError
from ocr_core.training.data import DataSource, check_alphabet, parse_data_source, split_pages


@pytest.mark.parametrize("text, expected", [
    ("synthetic", DataSource("synthetic")),
    ("synthetic:500", DataSource("synthetic", count=500)),
    ("data/train", DataSource("folder", path="data/train")),
    ("data/train:icdar2015", DataSource("folder", path="data/train", format="icdar2015")),
    ("C:\\data\\train", DataSource("folder", path="C:\\data\\train")),
    ("/x/a:b/c", DataSource("folder", path="/x/a:b/c")),
])
def test_parse_data_source(text, expected):
    assert parse_data_source(text) == expected


@pytest.mark.parametrize("bad", ["synthetic:abc", "synthetic:0", " "])
def test_parse_data_source_rejects_bad_values(bad):
    with pytest.raises(TrainingError):
        parse_data_source(bad)


def test_alphabet_check_lists_unknown_characters_with_counts():
    with pytest.raises(AlphabetError) as info:
        check_alphabet(["abc", "aZZ", "a!"], "abc")
    assert "'Z' x2" in str(info.value) and "'!' x1" in str(info.value) and "2 word(s)" in str(info.value)
    assert check_alphabet(["abc", "aZZ"], "abc", drop=True) == [True, False]


def test_split_pages_is_seeded_and_keeps_training_pages():
    pages = list(range(10))
    train, val = split_pages(pages, 0.2, seed=3)
    assert len(val) == 2 and sorted(train + val) == pages
    assert split_pages(pages, 0.2, seed=3) == (train, val)
    assert split_pages([1], 0.5, seed=0) == ([1], [])
