"""Names listed in messages (ocr_core.listing)."""

from ocr_core.listing import listed


def test_a_long_list_names_the_first_ones_and_counts_the_rest_once():
    assert listed(["a.png", "b.png", "a.png", "c.png", "d.png", "e.png"]) == "a.png, b.png, c.png and 2 more"
    assert listed(["a", "b"], shown=5) == "a, b" and listed([]) == ""
    assert listed((name for name in "xyz"), shown=2) == "x, y and 1 more"  # any iterable
