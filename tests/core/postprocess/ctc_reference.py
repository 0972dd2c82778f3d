"""Brute-force CTC reference for the decoding tests: sum a probability matrix over every alignment."""

from __future__ import annotations

import itertools

import numpy as np


def collapse(path: tuple[int, ...], blank: int) -> tuple[int, ...]:
    """The label an alignment spells: repeats merged, blanks dropped."""
    out, prev = [], None
    for p in path:
        if p != prev and p != blank:
            out.append(p)
        prev = p
    return tuple(out)


def exact_label_probs(probs: np.ndarray, blank: int) -> dict[tuple[int, ...], float]:
    """P(label) for every label that ``probs`` (T, C+1) can spell, by summing over all alignments."""
    totals: dict[tuple[int, ...], float] = {}
    t, c = probs.shape
    for path in itertools.product(range(c), repeat=t):
        key = collapse(path, blank)
        totals[key] = totals.get(key, 0.0) + float(np.prod(probs[np.arange(t), path]))
    return totals
