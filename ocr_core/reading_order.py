"""Group words into text lines and put the lines in reading order (plain numpy, no TensorFlow).

Lines: each word looks for its right-hand neighbour along its OWN reading direction (the top
edge of its quad, so rotated text works): a word of similar orientation whose extent across the
line overlaps by at least half the smaller height (words of different heights on one baseline
still match) and whose gap is at most ``max_word_gap`` times their mean height; a box far taller than
the page's words (an icon read as a word) joins much shorter ones only on a shared baseline or top
line. Two words are
linked when each is the other's best match; chains of links are the lines. A gap wider than
that (a column gutter, a receipt's price column) starts a new line.

Order: lines are laid out in the page's dominant text direction and cut recursively: at a
vertical gutter into columns (left to right) when the gutter is narrower than the columns on
both sides and the lines of each side mostly fill its width (text columns; a receipt's item and
price "columns" or a form's labels and values are short cells, read row by row), otherwise at
horizontal gaps into bands (top to bottom); lines side by side in one band are read left to
right.

>>> from ocr_core.document import Word
>>> from ocr_core.geometry import quad_from_rect
>>> words = [Word(quad_from_rect(x, y, x + 30, y + 10), t) for x, y, t in
...          [(40, 0, "world"), (0, 0, "hello"), (0, 20, "again")]]
>>> [[w.text for w in line] for line in group_into_lines(words)]
[['hello', 'world'], ['again']]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ocr_core.document import Word

__all__ = ["group_into_lines", "sort_reading_order"]

_MAX_ANGLE_DEG = 30.0  # words whose directions differ more are never on one line
_MIN_OVERLAP = 0.5  # across-line overlap needed, as a fraction of the smaller word height
_MIN_COLUMN_FILL = 0.7  # median line width / column width that makes a side a text column
_TALL_BOX = 2.5  # a box this many median word heights tall is an outlier (icon, logo, heading)...
_TALL_PAIR = 2.0  # ...that links with boxes more than this many times shorter only when aligned:
_ALIGN_SLACK = 0.35  # bottoms (baseline) or tops within this many of the smaller height
_CHUNK = 512  # rows of the pairwise computation at a time (bounded memory for many words)


def group_into_lines(words: Sequence[Word], *, max_word_gap: float = 1.5) -> list[list[Word]]:
    """Lines in reading order, each a list of its words from first to last (left to right).

    ``max_word_gap`` is the largest gap between two words of a line, in mean word heights.
    """
    words = list(words)
    if len(words) <= 1:
        return [words] if words else []
    quads = np.stack([w.quad for w in words]).astype(np.float64)
    directions, heights = _directions(quads)
    nxt = _link_neighbours(quads, directions, heights, max_word_gap)
    lines = _chains(nxt)
    order = _order_lines(quads, directions, heights, lines)
    return [[words[i] for i in lines[k]] for k in order]


def sort_reading_order(words: Sequence[Word], *, max_word_gap: float = 1.5) -> list[Word]:
    """All words in reading order: line by line, each line first to last."""
    return [w for line in group_into_lines(words, max_word_gap=max_word_gap) for w in line]


# --------------------------------------------------------------------------- word geometry


def _directions(quads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit reading direction and height of each quad; short words borrow a neighbour's direction."""
    along = (quads[:, 1] - quads[:, 0]) + (quads[:, 2] - quads[:, 3])
    across = (quads[:, 3] - quads[:, 0]) + (quads[:, 2] - quads[:, 1])
    length = np.linalg.norm(along, axis=1) / 2
    heights = np.maximum(np.linalg.norm(across, axis=1) / 2, 1e-6)
    directions = np.where(length[:, None] > 1e-9, along / np.maximum(2 * length, 1e-9)[:, None], [1.0, 0.0])
    reliable = length >= 1.5 * heights
    if reliable.any() and not reliable.all():
        centers = quads.mean(axis=1)
        rel_idx = np.flatnonzero(reliable)
        for i in np.flatnonzero(~reliable):
            dist = np.linalg.norm(centers[rel_idx] - centers[i], axis=1)
            j = int(np.argmin(dist))
            if dist[j] <= 4.0 * max(heights[i], heights[rel_idx[j]]):
                directions[i] = directions[rel_idx[j]]
    return directions, heights


def _link_neighbours(
    quads: np.ndarray, directions: np.ndarray, heights: np.ndarray, max_gap: float
) -> np.ndarray:
    """``nxt[i]`` = index of the word after word ``i`` on its line, or -1."""
    n = len(quads)
    centers = quads.mean(axis=1)
    radius = np.linalg.norm(quads - centers[:, None], axis=2).max(axis=1)
    cos_limit = np.cos(np.deg2rad(_MAX_ANGLE_DEG))
    pairs_i, pairs_j = [], []
    for start in range(0, n, _CHUNK):  # cheap prefilter: centres close enough to possibly link
        rows = np.arange(start, min(n, start + _CHUNK))
        dist = np.linalg.norm(centers[rows, None] - centers[None], axis=2)
        reach = radius[rows, None] + radius[None] + max_gap * (heights[rows, None] + heights[None]) / 2
        near = (dist <= reach) & (directions[rows] @ directions.T >= cos_limit)
        near[np.arange(len(rows)), rows] = False
        ri, j = np.nonzero(near)
        pairs_i.append(rows[ri])
        pairs_j.append(j)
    i = np.concatenate(pairs_i)
    j = np.concatenate(pairs_j)
    nxt = np.full(n, -1)
    if len(i) == 0:
        return nxt
    d = directions[i]
    nrm = np.stack([-d[:, 1], d[:, 0]], axis=1)
    along_i = np.einsum("mkc,mc->mk", quads[i], d)
    along_j = np.einsum("mkc,mc->mk", quads[j], d)
    across_i = np.einsum("mkc,mc->mk", quads[i], nrm)
    across_j = np.einsum("mkc,mc->mk", quads[j], nrm)
    h_i, h_j = heights[i], heights[j]
    gap = along_j.min(axis=1) - along_i.max(axis=1)
    overlap = np.minimum(across_i.max(axis=1), across_j.max(axis=1)) - np.maximum(
        across_i.min(axis=1), across_j.min(axis=1)
    )
    # a box far taller than the page's words (an icon or logo read as a word) joins a much shorter one only
    # when they share a baseline or a top line (a big word on a sign): an icon overlapping two lines of text
    # would otherwise pull the second one up beside it
    tall = heights > _TALL_BOX * float(np.median(heights))
    slack = _ALIGN_SLACK * np.minimum(h_i, h_j)
    aligned = (np.abs(across_i.max(axis=1) - across_j.max(axis=1)) <= slack) | (
        np.abs(across_i.min(axis=1) - across_j.min(axis=1)) <= slack)
    mismatched = (tall[i] | tall[j]) & (np.maximum(h_i, h_j) > _TALL_PAIR * np.minimum(h_i, h_j)) & ~aligned
    ok = (
        (np.einsum("mc,mc->m", centers[j] - centers[i], d) > 0)
        & (gap >= -0.5 * np.minimum(h_i, h_j))
        & (gap <= max_gap * (h_i + h_j) / 2)
        & (overlap >= _MIN_OVERLAP * np.minimum(h_i, h_j))
        & ~mismatched
    )
    i, j = i[ok], j[ok]
    offset = np.abs(np.einsum("mc,mc->m", centers[j] - centers[i], nrm[ok]))
    cost = np.maximum(gap[ok], 0.0) + offset
    right_best = np.full(n, -1)
    left_best = np.full(n, -1)
    order = np.lexsort((j, cost, i))  # per i: cheapest first (ties: lower index)
    first = np.unique(i[order], return_index=True)[1]
    right_best[i[order][first]] = j[order][first]
    order = np.lexsort((i, cost, j))
    first = np.unique(j[order], return_index=True)[1]
    left_best[j[order][first]] = i[order][first]
    for a, b in enumerate(right_best):
        if b >= 0 and left_best[b] == a:
            nxt[a] = b
    return nxt


def _chains(nxt: np.ndarray) -> list[list[int]]:
    has_prev = np.zeros(len(nxt), dtype=bool)
    has_prev[nxt[nxt >= 0]] = True
    seen = np.zeros(len(nxt), dtype=bool)
    lines: list[list[int]] = []
    for start in [i for i in range(len(nxt)) if not has_prev[i]] + list(range(len(nxt))):
        if seen[start]:
            continue  # the second pass only picks up (pathological) cycles
        line, i = [], start
        while i >= 0 and not seen[i]:
            seen[i] = True
            line.append(i)
            i = int(nxt[i])
        lines.append(line)
    return lines


# --------------------------------------------------------------------------- line order


def _order_lines(
    quads: np.ndarray, directions: np.ndarray, heights: np.ndarray, lines: list[list[int]]
) -> list[int]:
    lengths = np.linalg.norm((quads[:, 1] - quads[:, 0]) + (quads[:, 2] - quads[:, 3]), axis=1) + 1e-9
    mean_dir = (directions * lengths[:, None]).sum(axis=0)
    if np.linalg.norm(mean_dir) < 1e-9:
        mean_dir = np.array([1.0, 0.0])
    dx, dy = mean_dir / np.linalg.norm(mean_dir)
    # Page frame: x along the dominant reading direction, y across it (down).
    frame = np.array([[dx, dy], [-dy, dx]])
    boxes = np.empty((len(lines), 4))
    for k, line in enumerate(lines):
        pts = quads[line].reshape(-1, 2) @ frame.T
        boxes[k] = (*pts.min(axis=0), *pts.max(axis=0))
    unit = float(np.median(heights))
    return _xy_cut(boxes, list(range(len(lines))), unit)


def _gaps(starts: np.ndarray, ends: np.ndarray, min_width: float) -> list[tuple[float, float]]:
    """Uncovered intervals at least ``min_width`` wide between the given [start, end] spans."""
    order = np.argsort(starts)
    gaps, reach = [], ends[order[0]]
    for i in order[1:]:
        if starts[i] - reach >= min_width:
            gaps.append((float(reach), float(starts[i])))
        reach = max(reach, ends[i])
    return gaps


def _column_cut(boxes: np.ndarray, idx: list[int], unit: float) -> float | None:
    """x position of a gutter that splits ``idx`` into text columns, or None."""
    if len(idx) < 3:
        return None
    b = boxes[idx]
    best: tuple[float, float] | None = None
    for g0, g1 in _gaps(b[:, 0], b[:, 2], 0.5 * unit):
        left, right = b[b[:, 2] <= g0], b[b[:, 0] >= g1]
        if max(len(left), len(right)) < 2:
            continue
        widths = [side[:, 2].max() - side[:, 0].min() for side in (left, right)]
        # Text columns are narrower gutters between sides whose lines mostly fill them; a table
        # (receipt items | prices, form labels | values) has short cells: read it row by row.
        filled = all(
            np.median((side[:, 2] - side[:, 0]) / max(width, 1e-9)) >= _MIN_COLUMN_FILL
            for side, width in zip((left, right), widths)
        )
        if filled and g1 - g0 < min(widths) and (best is None or g1 - g0 > best[1] - best[0]):
            best = (g0, g1)
    return None if best is None else (best[0] + best[1]) / 2


def _xy_cut(boxes: np.ndarray, idx: list[int], unit: float) -> list[int]:
    if len(idx) <= 1:
        return list(idx)
    cut = _column_cut(boxes, idx, unit)
    if cut is not None:
        left = [i for i in idx if boxes[i, 2] <= cut]
        right = [i for i in idx if boxes[i, 2] > cut]
        return _xy_cut(boxes, left, unit) + _xy_cut(boxes, right, unit)
    b = boxes[idx]
    bands: list[list[int]] = []
    band_gaps = _gaps(b[:, 1], b[:, 3], 1e-9)
    edges = [g1 for _, g1 in band_gaps]
    for i in sorted(idx, key=lambda i: boxes[i, 1]):
        k = int(np.searchsorted(edges, boxes[i, 1], side="right"))
        while len(bands) <= k:
            bands.append([])
        bands[k].append(i)
    bands = [band for band in bands if band]
    if len(bands) == 1:
        return _order_band(boxes, idx)
    groups: list[list[int]] = [bands[0]]
    for band in bands[1:]:
        merged = groups[-1] + band
        if _column_cut(boxes, merged, unit) is not None:
            groups[-1] = merged
        else:
            groups.append(band)
    if len(groups) == 1:  # cannot happen (the whole set had no column cut); be safe anyway
        return _order_band(boxes, idx)
    return [i for group in groups for i in _xy_cut(boxes, group, unit)]


def _order_band(boxes: np.ndarray, idx: list[int]) -> list[int]:
    """Lines of one band: rows (overlapping across) top to bottom, each left to right."""
    rows: list[list[int]] = []
    for i in sorted(idx, key=lambda i: (boxes[i, 1] + boxes[i, 3]) / 2):
        h_i = boxes[i, 3] - boxes[i, 1]
        if rows:
            anchor = rows[-1][0]  # compare with the row's first line only: no chaining down a page
            h_a = boxes[anchor, 3] - boxes[anchor, 1]
            if min(boxes[anchor, 3], boxes[i, 3]) - max(boxes[anchor, 1], boxes[i, 1]) >= 0.5 * min(h_i, h_a):
                rows[-1].append(i)
                continue
        rows.append([i])
    return [i for row in rows for i in sorted(row, key=lambda i: boxes[i, 0])]
