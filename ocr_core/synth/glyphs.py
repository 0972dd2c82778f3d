"""Loaded fonts and rendered glyphs, cached: drawing a word from cached glyph masks is an order of
magnitude faster than asking FreeType to render it again.

Text is laid out glyph by glyph with each glyph's advance (no kerning or ligatures, like the seed's
character-by-character drawing), so every character's ink box is known.

>>> from PIL import ImageFont
>>> cache = GlyphCache()
>>> font = FontCache().get("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 20)  # doctest: +SKIP
>>> mask, dx, dy = cache.render(font, "Hi")                                      # doctest: +SKIP
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from PIL import Image, ImageFont

from ocr_core.errors import DataGenerationError

__all__ = ["FontCache", "GlyphCache"]

Glyph = tuple[np.ndarray, int, int, float]


class FontCache:
    """Loaded ``FreeTypeFont`` objects keyed by (path, size), least recently used dropped first."""

    def __init__(self, capacity: int = 512) -> None:
        self.capacity = capacity
        self._fonts: OrderedDict[tuple[str, int, bool], ImageFont.FreeTypeFont] = OrderedDict()
        self.bad: set[str] = set()

    def get(self, path: str, size: int, raqm: bool = False) -> ImageFont.FreeTypeFont:
        key = (path, size, raqm)
        font = self._fonts.get(key)
        if font is not None:
            self._fonts.move_to_end(key)
            return font
        layout = ImageFont.Layout.RAQM if raqm else ImageFont.Layout.BASIC
        try:
            font = ImageFont.truetype(path, size, layout_engine=layout)
        except Exception as exc:
            self.bad.add(path)
            raise DataGenerationError(f"cannot load font {path}: {exc}") from exc
        self._fonts[key] = font
        if len(self._fonts) > self.capacity:
            self._fonts.popitem(last=False)
        return font


class GlyphCache:
    """``(ink alpha, dx, dy, advance)`` per (font file, size, character); ``dx, dy`` place the ink
    relative to the pen at the top of the line (the ascender)."""

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._glyphs: dict[tuple[str, int, str], Glyph] = {}
        self._advances: dict[tuple[str, int], dict[str, float]] = {}

    def glyph(self, font: ImageFont.FreeTypeFont, char: str) -> Glyph:
        key = (str(font.path), int(font.size), char)
        hit = self._glyphs.get(key)
        if hit is None:
            mask, offset = font.getmask2(char, mode="L")
            if mask.size[0] and mask.size[1]:
                arr = np.asarray(Image.Image()._new(mask))
            else:
                arr = np.zeros((0, 0), np.uint8)
            hit = (arr, int(offset[0]), int(offset[1]), self.advance(font, char))
            if len(self._glyphs) >= self.capacity:
                self._glyphs.clear()
            self._glyphs[key] = hit
        return hit

    def _table(self, font: ImageFont.FreeTypeFont) -> dict[str, float]:
        """The advances known for one (font file, size): character -> advance."""
        key = (str(font.path), int(font.size))
        table = self._advances.get(key)
        if table is None:
            if len(self._advances) >= 4096:
                self._advances.clear()
            table = self._advances[key] = {}
        return table

    def advance(self, font: ImageFont.FreeTypeFont, char: str) -> float:
        """Horizontal advance of one character (nothing is rendered)."""
        table = self._table(font)
        hit = table.get(char)
        if hit is None:
            hit = table[char] = float(font.getlength(char))
        return hit

    def width(self, font: ImageFont.FreeTypeFont, text: str) -> float:
        """Sum of the advances of ``text`` (its pen width)."""
        table = self._table(font)
        total = 0.0
        for ch in text:
            adv = table.get(ch)
            if adv is None:
                adv = table[ch] = float(font.getlength(ch))
            total += adv
        return total

    def render(self, font: ImageFont.FreeTypeFont, text: str) -> tuple[np.ndarray, int, int]:
        """The ink of ``text`` as uint8 alpha and its offset ``(dx, dy)`` from the pen at the top of the
        line (like ``font.getmask2``); an empty array when nothing is drawn."""
        placed = []
        x = 0.0
        for ch in text:
            arr, dx, dy, adv = self.glyph(font, ch)
            if arr.size:
                placed.append((arr, int(round(x)) + dx, dy))
            x += adv
        if not placed:
            return np.zeros((0, 0), np.uint8), 0, 0
        x0 = min(p[1] for p in placed)
        y0 = min(p[2] for p in placed)
        x1 = max(p[1] + p[0].shape[1] for p in placed)
        y1 = max(p[2] + p[0].shape[0] for p in placed)
        canvas = np.zeros((y1 - y0, x1 - x0), np.uint8)
        for arr, gx, gy in placed:
            region = canvas[gy - y0: gy - y0 + arr.shape[0], gx - x0: gx - x0 + arr.shape[1]]
            np.maximum(region, arr, out=region)
        return canvas, x0, y0
