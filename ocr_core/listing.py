"""Lists of names in messages: ``"a.png, b.png, c.png and 4 more"``. No Qt, no TensorFlow.

>>> listed(["a", "b", "c", "d", "e"])
'a, b, c and 2 more'
>>> listed([])
''
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["listed"]


def listed(names: Iterable[str], shown: int = 3) -> str:
    """The first ``shown`` of ``names`` (duplicates once), and how many more there are."""
    unique = list(dict.fromkeys(names))
    return ", ".join(unique[:shown]) + (f" and {len(unique) - shown} more" if len(unique) > shown else "")
