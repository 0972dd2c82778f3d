"""Font file checks: cmap coverage and empty outlines (fontTools), and legibility of Latin letters
(a few Pillow renders) to reject thin fonts and picture fonts (symbols, dingbats, barcodes, redaction
blocks) that map letters but do not draw them.

>>> font_supports_alphabet("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "abc")  # doctest: +SKIP
True
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageFont

from ocr_core.errors import DataGenerationError

__all__ = ["MIN_ASCENDER_RATIO", "MIN_INK_SHARE", "THIN_WORDS", "ascender_ratio", "empty_chars", "font_supports_alphabet",
           "legibility_problem", "open_ttfont"]

#: Words in a file name that mark a thin face.
THIN_WORDS = ("thin", "hairline", "extralight", "ultralight", "extra-light", "ultra-light")
_THIN_WORDS = THIN_WORDS


def open_ttfont(path: str):  # -> fontTools.ttLib.TTFont
    from fontTools.ttLib import TTFont

    try:
        return TTFont(path, lazy=True, fontNumber=0)
    except Exception as exc:  # fontTools raises many kinds of errors on bad files
        raise DataGenerationError(f"cannot read font file {path}: {exc}") from exc


def empty_chars(ttfont, cmap: dict[int, str], chars: Iterable[str]) -> str:
    """The characters of ``chars`` (mapped ones) whose glyph draws nothing."""
    from fontTools.pens.boundsPen import ControlBoundsPen

    glyph_set = ttfont.getGlyphSet()
    empty = []
    for ch in chars:
        name = cmap.get(ord(ch))
        if name is None or ch.isspace():
            continue
        pen = ControlBoundsPen(glyph_set)
        try:
            glyph_set[name].draw(pen)
        except Exception:
            pen.bounds = None
        if pen.bounds is None or pen.bounds[2] <= pen.bounds[0] or pen.bounds[3] <= pen.bounds[1]:
            empty.append(ch)
    return "".join(empty)


def font_supports_alphabet(filepath: str | os.PathLike[str], alphabet: str) -> bool:
    """True when the font maps every non-space character of ``alphabet`` to a non-empty glyph.

    >>> font_supports_alphabet("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "abc")  # doctest: +SKIP
    True
    """
    try:
        ttfont = open_ttfont(str(filepath))
        cmap = ttfont.getBestCmap() or {}
    except Exception:
        return False
    chars = [c for c in set(alphabet) if not c.isspace()]
    if any(ord(c) not in cmap for c in chars):
        return False
    return not empty_chars(ttfont, cmap, chars)


def _ink(font: ImageFont.FreeTypeFont, char: str) -> np.ndarray:
    """The glyph's ink as a 0/1 array cropped to its bounds (empty array when nothing is drawn)."""
    mask, _offset = font.getmask2(char, mode="L")
    if mask.size[0] == 0 or mask.size[1] == 0:
        return np.zeros((0, 0), np.uint8)
    arr = np.asarray(Image.Image()._new(mask))
    ys, xs = np.nonzero(arr > 96)
    if len(xs) == 0:
        return np.zeros((0, 0), np.uint8)
    return (arr[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1] > 96).astype(np.uint8)


def _holes(ink: np.ndarray) -> int:
    """Number of enclosed background regions (counters) big enough to matter."""
    padded = np.pad(ink, 2)
    _n, _labels, stats, _ = cv2.connectedComponentsWithStats((1 - padded).astype(np.uint8), connectivity=4)
    return int((stats[2:, cv2.CC_STAT_AREA] >= max(8, 0.01 * ink.size)).sum())


def _height_normalised(ink: np.ndarray, n: int = 24) -> np.ndarray:
    h, w = ink.shape
    width = max(1, min(2 * n, round(w * n / h)))
    out = np.zeros((n, 2 * n), np.uint8)
    out[:, :width] = cv2.resize(ink, (width, n), interpolation=cv2.INTER_AREA)
    return out > 0


#: ``Hg`` spans at least this share of a text face's line height (ascent + descent): 0.48-0.96 for the text
#: faces Debian ships; STIX Math's 0.28 would make its words a third of the crop.
MIN_INK_SHARE = 0.4
#: Below this ratio of ascender height to x-height the lower-case letters have no ascenders: capitals,
#: small capitals or a unicase design ("hello" drawn as HELLO). Text faces measure 1.3-1.5.
MIN_ASCENDER_RATIO = 1.12


def ascender_ratio(font: ImageFont.FreeTypeFont) -> float:
    """Median height above the baseline of ``bdhklt`` over that of ``acemnorsuvwxz`` (0 when nothing is drawn)."""

    def tops(chars: str) -> float:
        return float(np.median([-font.getbbox(c, anchor="ls")[1] for c in chars]))

    x_height = tops("acemnorsuvwxz")
    return tops("bdhklt") / x_height if x_height > 0 else 0.0


_NO_COUNTER = "lITLHEFxvnmuzsckrhwyCSNMKZ17"
_COUNTER = "oOdbpqDP0a"


def legibility_problem(path: str, maps: Callable[[str], bool], style: str = "", size: int = 64) -> tuple[str, bool]:
    """``(reason, caps)``: why the font does not draw readable Latin letters ("" if it does) and
    whether its lower-case letters are drawn as capitals or small capitals: shaped like the capitals,
    or without ascenders (``ascender_ratio`` below :data:`MIN_ASCENDER_RATIO`; hand-lettered capitals
    and small capitals differ in shape from their capitals but never rise above the x-height)."""
    lowered = Path(path).stem.lower().replace("_", "").replace(" ", "")
    if any(word.replace("-", "") in lowered for word in _THIN_WORDS) or "thin" in style.lower():
        return "thin (by name)", False
    try:
        font = ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)
    except Exception as exc:
        return f"Pillow cannot load it ({exc})", False
    letters = set(_NO_COUNTER + _COUNTER + "aeogrAEGRx" + "bdhklt" + "acemnorsuvwxz")
    if not all(maps(c) for c in letters):
        # Not a Latin font: the cmap and outline checks are all we can do.
        return "", False
    inks = {c: _ink(font, c) for c in letters}
    if any(ink.size == 0 for ink in inks.values()):
        return "draws nothing for basic letters", False
    if np.mean([_holes(inks[c]) > 0 for c in _NO_COUNTER]) > 0.3:
        return "letters drawn as outlines or pictures", False
    if np.mean([_holes(inks[c]) == 0 for c in _COUNTER]) > 0.5:
        return "letters without counters (stencil, picture or redacted font)", False
    pieces = [cv2.connectedComponents(inks[c], connectivity=8)[0] - 1 for c in _NO_COUNTER]
    if np.mean(pieces) > 1.5:
        return "letters drawn in many pieces (barcode or picture font)", False
    a, o = _height_normalised(inks["a"]), _height_normalised(inks["o"])
    if (a & o).sum() / max(1, (a | o).sum()) > 0.9:
        return "'a' and 'o' look the same", False
    heights = [inks[c].shape[0] for c in "aeoxnsc"]
    if max(heights) > 1.6 * min(heights):
        return "lower-case letters of very different heights (picture font)", False
    # Line metrics far taller than the letters (a math font's): its text would come out tiny in every crop.
    ascent, descent = font.getmetrics()
    top, bottom = font.getbbox("Hg", anchor="ls")[1::2]
    if bottom - top < MIN_INK_SHARE * (ascent + descent):
        return "letters tiny for the font's line height (math font metrics)", False
    # Stroke weight: twice the largest inscribed distance inside 'l', relative to the size.
    dist = cv2.distanceTransform(np.pad(inks["l"], 1), cv2.DIST_L2, 3)
    if 2 * float(dist.max()) < 0.04 * size:
        return "thin strokes", False
    ious = []
    for lower in "aegr":
        x, y = _height_normalised(inks[lower]), _height_normalised(inks[lower.upper()])
        ious.append((x & y).sum() / max(1, (x | y).sum()))
    return "", bool(np.mean(ious) >= 0.78 or ascender_ratio(font) < MIN_ASCENDER_RATIO)
