"""Synthetic page images with a quad for every character (the seed's ``get_image_generator``).

Text is laid out in blocks of one or more lines, drawn glyph by glyph (so each character's ink box
is known exactly), tilted and rotated as a block (``rotationX/Y/Z``, the seed's homography), placed
where the background is calm enough to read it, coloured to contrast with what is under it, and
alpha-composited. Optional page-level augmentation keeps the quads right.

Every line of the result is a list of ``(quad, char)``; quads are ``(4, 2)`` float32, clockwise from
the top-left of the character as read, inside the image, and enclose the character's ink. Spaces
are kept as entries whose quad spans the gap between the two words (the detector target code
breaks the affinity chain there), so word boundaries are known.

>>> gen = get_image_generator(256, 256, {"abc": fonts}, iter(["abc cab"] * 10), seed=0)  # doctest: +SKIP
>>> image, lines = next(gen)                                                          # doctest: +SKIP
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import cv2
import numpy as np
from PIL import ImageFont

from ocr_core.errors import DataGenerationError
from ocr_core.synth import augment
from ocr_core.synth.backgrounds import make_background
from ocr_core.synth.fonts import drawable_text, preload_drawable
from ocr_core.synth.glyphs import FontCache, GlyphCache
from ocr_core.synth.transforms import get_rotation_matrix, paste_max, value_range

__all__ = ["get_image_generator", "get_rotation_matrix", "PageRenderer"]

Lines = list[list[tuple[np.ndarray, str]]]


class _Block:
    """One laid-out text block: its alpha layer and per-line ``(box (x0, y0, x1, y1), char)`` lists."""

    def __init__(self, alpha: np.ndarray, lines: list[list[tuple[tuple[float, float, float, float], str]]]) -> None:
        self.alpha = alpha
        self.lines = lines


class PageRenderer:
    """Draws pages; :func:`get_image_generator` wraps it in an endless generator."""

    def __init__(self, height: int, width: int, font_groups: Mapping[str, Sequence[str]],
                 text_source: Callable[[], str], font_size: Any = 18, backgrounds: Sequence[Any] | None = None,
                 background_crop_mode: str = "crop", rotationX: Any = 0, rotationY: Any = 0,
                 rotationZ: Any = 0, margin: int = 0, use_ligatures: bool = False,
                 augmenter: Callable[..., Any] | None = None, *, blocks: tuple[int, int] = (1, 4),
                 lines_per_block: tuple[int, int] = (1, 4), augment_level: float = 1.0,
                 keep_spaces: bool = True, letter_spaced: float = 0.15, seed: int | None = None) -> None:
        self.height, self.width = int(height), int(width)
        self.groups = {k: [str(f) for f in v] for k, v in font_groups.items() if len(v)}
        if not self.groups:
            raise DataGenerationError("font_groups has no fonts")
        self.text_source = text_source
        self.font_size = value_range(font_size, "font_size")
        if self.font_size[0] < 4:
            raise DataGenerationError(f"font_size {font_size!r} is too small (4 pixels at least)")
        self.rot = [value_range(r, n) for r, n in ((rotationX, "rotationX"), (rotationY, "rotationY"), (rotationZ, "rotationZ"))]
        self.margin = int(margin)
        if 2 * self.margin >= min(self.height, self.width):
            raise DataGenerationError(f"margin {margin} leaves no room in a {width}x{height} image")
        if self.font_size[0] > 0.9 * (min(self.height, self.width) - 2 * self.margin):
            raise DataGenerationError(
                f"font size {font_size!r} cannot fit a {width}x{height} image with margin {margin}")
        if background_crop_mode not in ("crop", "rescale"):
            raise DataGenerationError(f"background_crop_mode must be 'crop' or 'rescale'; got {background_crop_mode!r}")
        self.crop_mode = background_crop_mode
        self.backgrounds = list(backgrounds) if backgrounds is not None else []
        self.bad_backgrounds: set[int] = set()
        self.use_ligatures = use_ligatures
        self.augmenter = augmenter
        self.blocks = blocks
        self.lines_per_block = lines_per_block
        self.level = augment_level
        self.keep_spaces = keep_spaces
        if not 0.0 <= letter_spaced <= 1.0:
            raise DataGenerationError(f"letter_spaced must be a share in [0, 1]; got {letter_spaced!r}")
        self.letter_spaced = float(letter_spaced)
        self._tracking = 0.0  # extra advance per character of the block being drawn (pixels)
        self.rng = np.random.default_rng(seed)
        self.fonts = FontCache()
        self.glyph_cache = GlyphCache()

    # -- background ------------------------------------------------------------------------------
    def background(self) -> np.ndarray:
        rng, h, w = self.rng, self.height, self.width
        usable = [i for i in range(len(self.backgrounds)) if i not in self.bad_backgrounds]
        if not self.backgrounds:
            return make_background(rng, h, w)
        if not usable:
            raise DataGenerationError("none of the background images could be read")
        index = usable[int(rng.integers(len(usable)))]
        item = self.backgrounds[index]
        if isinstance(item, np.ndarray):
            img = item[..., :3] if item.ndim == 3 else np.repeat(item[..., None], 3, axis=2)
        else:
            loaded = cv2.imread(os.fspath(item), cv2.IMREAD_COLOR)
            if loaded is None or loaded.size == 0:
                warnings.warn(f"skipping unreadable background {item}", stacklevel=3)
                self.bad_backgrounds.add(index)
                return self.background()
            img = cv2.cvtColor(loaded, cv2.COLOR_BGR2RGB)
        ih, iw = img.shape[:2]
        if self.crop_mode == "rescale":
            return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA).copy()
        scale = max(h / ih, w / iw, 1.0)
        if scale > 1:
            img = cv2.resize(img, (max(w, int(np.ceil(iw * scale))), max(h, int(np.ceil(ih * scale)))))
            ih, iw = img.shape[:2]
        y, x = int(rng.integers(0, ih - h + 1)), int(rng.integers(0, iw - w + 1))
        return img[y: y + h, x: x + w].copy()  # never draw on the caller's array

    # -- glyphs ----------------------------------------------------------------------------------
    def glyph(self, font: ImageFont.FreeTypeFont, char: str) -> tuple[np.ndarray, int, int, float]:
        """(ink alpha, dx, dy, advance) of one character (cached)."""
        return self.glyph_cache.glyph(font, char)

    def width_of(self, font: ImageFont.FreeTypeFont, text: str) -> float:
        return self.glyph_cache.width(font, text) + self._tracking * len(text)

    # -- layout ----------------------------------------------------------------------------------
    def _wrap(self, font: ImageFont.FreeTypeFont, text: str, max_width: float, max_lines: int) -> list[str]:
        lines: list[str] = []
        current = ""
        for word in text.split(" "):
            if not word:
                continue
            candidate = f"{current} {word}" if current else word
            if current and self.width_of(font, candidate) > max_width:
                lines.append(current)
                current = word
                if len(lines) == max_lines:
                    current = ""
                    break
            else:
                current = candidate
        if current:
            lines.append(current)
        out = []
        for ln in lines:  # a single word wider than the block is cut to fit
            while ln and self.width_of(font, ln) > max_width:
                ln = ln[:-1]
            if ln.strip():
                out.append(ln)
        return out

    def _block_geometry(self, font: ImageFont.FreeTypeFont, size: int, text_lines: list[str]) -> dict[str, Any]:
        """Size of a block and where its lines go, from advances only (nothing is rendered)."""
        ascent, descent = font.getmetrics()
        line_h = ascent + descent
        spacing = int(round(line_h * self.rng.uniform(1.0, 1.4)))
        pad = max(2, size // 4)
        widths = [self.width_of(font, ln) for ln in text_lines]
        bw = int(np.ceil(max(widths))) + 2 * pad + size  # room for overhangs
        bh = spacing * (len(text_lines) - 1) + line_h + 2 * pad
        return {"line_h": line_h, "spacing": spacing, "pad": pad, "widths": widths, "bw": bw, "bh": bh}

    def _layout(self, font: ImageFont.FreeTypeFont, text_lines: list[str], geo: dict[str, Any], align: str) -> _Block:
        alpha = np.zeros((geo["bh"], geo["bw"]), np.uint8)
        widest = max(geo["widths"])
        lines: list[list[tuple[tuple[float, float, float, float], str]]] = []
        for row, (ln, lw) in enumerate(zip(text_lines, geo["widths"])):
            x = geo["pad"] + (0.0 if align == "left" else (widest - lw) / (2 if align == "center" else 1))
            y = geo["pad"] + row * geo["spacing"]
            if self.use_ligatures:
                boxes = self._draw_ligated(alpha, font, ln, x, y)
            else:
                boxes = self._draw_chars(alpha, ln, font, x, y)
            lines.append(self._with_spaces(boxes, ln, y, y + geo["line_h"]))
        return _Block(alpha, lines)

    def _draw_chars(self, alpha: np.ndarray, text: str, font: ImageFont.FreeTypeFont, x: float,
                    y: int) -> list[tuple[tuple[float, float, float, float], str] | None]:
        boxes: list[tuple[tuple[float, float, float, float], str] | None] = []
        for ch in text:
            arr, dx, dy, adv = self.glyph(font, ch)
            if ch == " " or arr.size == 0 or not arr.any():
                boxes.append(None)
            else:
                gx, gy = int(round(x)) + dx, y + dy
                paste_max(alpha, arr, gx, gy)
                ys, xs = np.nonzero(arr)
                boxes.append(((gx + xs.min(), gy + ys.min(), gx + xs.max() + 1, gy + ys.max() + 1), ch))
            x += adv + self._tracking
        return boxes

    def _draw_ligated(self, alpha: np.ndarray, font: ImageFont.FreeTypeFont, text: str, x: float,
                      y: int) -> list[tuple[tuple[float, float, float, float], str] | None]:
        """Words drawn whole (kerning, ligatures); a character's box spans its share of the advance,
        clipped to the word's ink, and the first/last boxes reach the word's ink ends."""
        from PIL import Image

        boxes: list[tuple[tuple[float, float, float, float], str] | None] = []
        lfont = self.fonts.get(str(font.path), int(font.size), raqm=True)
        pos = 0
        for word in text.split(" "):
            if pos:
                boxes.append(None)
                x += self.glyph_cache.advance(font, " ")
            pos += len(word) + 1
            if not word:
                continue
            mask, offset = lfont.getmask2(word, mode="L", features=["liga", "kern"])
            if not (mask.size[0] and mask.size[1]):
                boxes.extend([None] * len(word))
                continue
            arr = np.asarray(Image.Image()._new(mask))
            gx, gy = int(round(x)) + offset[0], y + offset[1]
            paste_max(alpha, arr, gx, gy)
            ys, xs = np.nonzero(arr)
            ix0, ix1, iy0, iy1 = gx + xs.min(), gx + xs.max() + 1, gy + ys.min(), gy + ys.max() + 1
            edges = [x + lfont.getlength(word[:i], features=["liga", "kern"]) for i in range(len(word) + 1)]
            for i, ch in enumerate(word):
                x0 = ix0 if i == 0 else max(ix0, edges[i])
                x1 = ix1 if i == len(word) - 1 else min(ix1, edges[i + 1])
                boxes.append(((x0, iy0, max(x1, x0 + 1), iy1), ch))
            x = edges[-1]
        return boxes

    def _with_spaces(self, boxes: list, text: str, top: float, bottom: float) -> list:
        """Replace the ``None`` of spaces by boxes between the neighbouring characters."""
        out = []
        drawn = [b for b in boxes if b is not None]
        if drawn:
            top = min(b[0][1] for b in drawn)
            bottom = max(b[0][3] for b in drawn)
        for i, item in enumerate(boxes):
            if item is not None:
                out.append(item)
                continue
            if not self.keep_spaces or text[i] != " " or not out or out[-1][1] == " ":
                continue
            nxt = next((b for b in boxes[i + 1:] if b is not None), None)
            if nxt is None:
                continue
            x0 = out[-1][0][2]
            x1 = max(nxt[0][0], x0 + 1)
            out.append(((x0, top, x1, bottom), " "))
        return out

    # -- placement -------------------------------------------------------------------------------
    def _place(self, corners: np.ndarray, busy: np.ndarray, calm: np.ndarray) -> tuple[float, float] | None:
        """Top-left offset for a block whose transformed corners are ``corners`` (relative to its own
        bounding box), inside the margins, off the other blocks, preferring calm background."""
        bw, bh = corners.max(axis=0) - corners.min(axis=0)
        free_w = self.width - 2 * self.margin - bw
        free_h = self.height - 2 * self.margin - bh
        if free_w < 0 or free_h < 0:
            return None
        best, best_score = None, np.inf
        for _ in range(16):
            ox = self.margin + self.rng.uniform(0, free_w)
            oy = self.margin + self.rng.uniform(0, free_h)
            x0, y0, x1, y1 = int(ox), int(oy), int(np.ceil(ox + bw)), int(np.ceil(oy + bh))
            if busy[y0:y1, x0:x1].any():
                continue
            score = float(calm[y0 // 8: y1 // 8 + 1, x0 // 8: x1 // 8 + 1].mean())
            if score < best_score:
                best, best_score = (ox, oy), score
        return best

    # -- one page --------------------------------------------------------------------------------
    def __call__(self) -> tuple[np.ndarray, Lines]:
        rng = self.rng
        image = self.background()
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        small = cv2.resize(gray, (max(1, self.width // 8), max(1, self.height // 8)), interpolation=cv2.INTER_AREA)
        small = small.astype(np.float32)
        mean = cv2.blur(small, (3, 3))
        calm = np.sqrt(np.maximum(cv2.blur(small * small, (3, 3)) - mean * mean, 0))
        busy = np.zeros((self.height, self.width), bool)
        out_lines: Lines = []
        n_blocks = int(rng.integers(self.blocks[0], self.blocks[1] + 1))
        for _ in range(n_blocks + 8):  # a few spare tries when text cannot be drawn or placed
            if len(out_lines) and n_blocks <= 0:
                break
            n_blocks -= self._add_block(image, busy, calm, out_lines)
            if n_blocks <= 0:
                break
        if not out_lines:
            raise DataGenerationError(
                f"no text fits a {self.width}x{self.height} image with margin {self.margin} and font size "
                f"{self.font_size}; use a smaller font size or margin")
        if self.level > 0 and rng.random() < 0.3 * self.level:
            image, out_lines = augment.geometric_augment(image, out_lines, rng, 0.6 * self.level)
        image = augment.photometric_augment(image, rng, self.level)
        if self.augmenter is not None:
            image, out_lines = self.augmenter(image, out_lines)
        return image, out_lines

    def _add_block(self, image: np.ndarray, busy: np.ndarray, calm: np.ndarray, out_lines: Lines) -> bool:
        rng = self.rng
        key = list(self.groups)[int(rng.integers(len(self.groups)))]
        fonts = self.groups[key]
        path = fonts[int(rng.integers(len(fonts)))]
        size = int(round(rng.uniform(*self.font_size)))
        text = self.text_source()
        text = drawable_text(path, text)
        if not text:
            return False
        angles = [rng.uniform(*r) for r in self.rot]
        # Some blocks are letter-spaced, as receipts, signs and headings are: wide gaps inside words that the
        # affinity map must still bridge, and lone characters standing apart. Ligated text keeps its spacing.
        spacing = rng.uniform(0.1, 0.5) if not self.use_ligatures and rng.random() < self.letter_spaced else 0.0
        self._tracking = 0.0
        n_lines = int(rng.integers(self.lines_per_block[0], self.lines_per_block[1] + 1))
        align = str(rng.choice(["left", "left", "center", "right"]))
        for _attempt in range(4):
            try:
                font = self.fonts.get(path, max(4, size))
            except DataGenerationError as exc:
                warnings.warn(f"skipping font: {exc}", stacklevel=3)
                return False
            self._tracking = spacing * size
            room = self.width - 2 * self.margin - size
            longest = max(self.width_of(font, w) for w in text.split(" "))
            avail = min(room, max(room * rng.uniform(0.35, 1.0), longest))
            text_lines = self._wrap(font, text, avail, n_lines)
            if text_lines:
                geo = self._block_geometry(font, size, text_lines)
                bw, bh = geo["bw"], geo["bh"]
                matrix = get_rotation_matrix(bw, bh, *angles)
                corners = cv2.perspectiveTransform(
                    np.array([[[0, 0]], [[bw, 0]], [[bw, bh]], [[0, bh]]], np.float64), matrix).reshape(4, 2)
                if np.all(np.isfinite(corners)):
                    offset = self._place(corners - corners.min(axis=0), busy, calm)
                    if offset is not None:
                        block = self._layout(font, text_lines, geo, align)
                        self._composite(image, busy, block, matrix, corners, offset, out_lines, size)
                        return True
            size = int(size * 0.75)
            if size < 4:
                break
        return False

    def _composite(self, image: np.ndarray, busy: np.ndarray, block: _Block, matrix: np.ndarray,
                   corners: np.ndarray, offset: tuple[float, float], out_lines: Lines, size: int) -> None:
        rng = self.rng
        shift = np.array([[1, 0, offset[0] - corners[:, 0].min()], [0, 1, offset[1] - corners[:, 1].min()], [0, 0, 1]])
        full = shift @ matrix
        x0, y0 = int(np.floor(offset[0])), int(np.floor(offset[1]))
        moved = corners - corners.min(axis=0) + np.array(offset)
        x1 = min(self.width, int(np.ceil(moved[:, 0].max())) + 1)
        y1 = min(self.height, int(np.ceil(moved[:, 1].max())) + 1)
        local = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]]) @ full
        alpha = cv2.warpPerspective(block.alpha, local, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        region = image[y0:y1, x0:x1]
        ink = alpha > 64
        under = region[ink] if ink.any() else region.reshape(-1, 3)
        color, _legible = augment.legible_color(under, rng,
                                                low_contrast=self.level > 0 and rng.random() < 0.05 * self.level)
        a = alpha.astype(np.float32) * np.float32(1.0 / 255.0)
        paint = np.empty_like(region)
        paint[...] = np.clip(np.round(color), 0, 255).astype(np.uint8)
        region[...] = cv2.blendLinear(paint, region, a, 1.0 - a)
        busy[y0:y1, x0:x1] = True  # blocks never overlap (their bounding boxes are kept apart)
        for line in block.lines:
            if not line:
                continue
            # Grow each box by 1 pixel so bilinear warping cannot leave ink outside it.
            quads = np.array([[[bx0 - 1, by0 - 1], [bx1 + 1, by0 - 1], [bx1 + 1, by1 + 1], [bx0 - 1, by1 + 1]]
                              for (bx0, by0, bx1, by1), _ in line], np.float64).reshape(-1, 1, 2)
            warped = cv2.perspectiveTransform(quads, full).reshape(-1, 4, 2)
            warped[..., 0] = np.clip(warped[..., 0], 0, self.width)
            warped[..., 1] = np.clip(warped[..., 1], 0, self.height)
            out_lines.append([(q.astype(np.float32), ch) for q, (_, ch) in zip(warped, line)])


def _text_source(text_generator: Any) -> Callable[[], str]:
    if callable(text_generator) and not hasattr(text_generator, "__next__"):
        return lambda: str(text_generator())
    iterator = iter(text_generator)
    return lambda: str(next(iterator))


def get_image_generator(height: int, width: int, font_groups: Mapping[str, Sequence[str]], text_generator: Any,
                        font_size: Any = 18, backgrounds: Sequence[Any] | None = None,
                        background_crop_mode: str = "crop", rotationX: Any = 0, rotationY: Any = 0,
                        rotationZ: Any = 0, margin: int = 0, use_ligatures: bool = False,
                        augmenter: Callable[..., Any] | None = None, *, blocks: tuple[int, int] = (1, 4),
                        lines_per_block: tuple[int, int] = (1, 4), augment_level: float = 1.0,
                        keep_spaces: bool = True, letter_spaced: float = 0.15,
                        cache_dir: str | os.PathLike[str] | None = None,
                        seed: int | None = None) -> Iterator[tuple[np.ndarray, Lines]]:
    """Endless ``(image HxWx3 uint8, lines)`` pages (seed API, keyword extras after ``*``).

    ``font_groups``: ``{sub_alphabet: [font paths]}`` (e.g. :func:`~ocr_core.synth.fonts.get_font_groups`);
    a font never draws a character it lacks (it is left out of that block's text). ``text_generator``:
    an iterator of strings or a zero-argument callable. ``font_size``: pixels, or a ``(lo, hi)``
    range. ``backgrounds``: image paths or RGB arrays (procedural backgrounds when None);
    ``background_crop_mode``: ``'crop'`` (random crop, upscaled if small) or ``'rescale'``.
    ``rotationX/Y/Z``: degrees or ``(lo, hi)`` ranges, the seed's homography per text block.
    ``margin``: pixels kept free at the borders. ``use_ligatures``: draw whole words with
    kerning and ligatures (character boxes then split the word's advance). ``augmenter``: a callable
    ``(image, lines) -> (image, lines)`` applied last. ``blocks``/``lines_per_block``: ranges of text
    blocks per page and lines per block. ``augment_level``: 0 turns photometric/geometric
    augmentation off; 1 is the default mix. ``keep_spaces``: keep spaces as entries between words.
    ``letter_spaced``: the share of blocks drawn with 0.1-0.5 of the font size added between characters.

    >>> image, lines = next(get_image_generator(640, 640, groups, text, font_size=(60, 120), seed=0))  # doctest: +SKIP
    """
    all_fonts = sorted({str(f) for fonts in font_groups.values() for f in fonts})
    preload_drawable(all_fonts, "".join(font_groups), cache_dir)
    renderer = PageRenderer(height, width, font_groups, _text_source(text_generator), font_size, backgrounds,
                            background_crop_mode, rotationX, rotationY, rotationZ, margin, use_ligatures,
                            augmenter, blocks=blocks, lines_per_block=lines_per_block,
                            augment_level=augment_level, keep_spaces=keep_spaces,
                            letter_spaced=letter_spaced, seed=seed)
    while True:
        try:
            page = renderer()
        except StopIteration:  # a finite text source ran out: the pages end here (keras-ocr's stop too)
            return
        yield page
