"""A fast word-crop generator for recognizer training: text rendered directly at crop scale.

Each crop varies colour and contrast, font and size relative to the crop height, tight or loose
margins (with slices of neighbouring words and lines at the borders), slight rotation, shear,
perspective and curvature, blur, noise, JPEG, low-resolution resampling, shadows and underline or
box lines. The result is resized to the crop height keeping its aspect ratio, pasted top-left and
padded (``ocr_core.geometry.resize_and_pad``), exactly as the recognizer input is built.

>>> gen = get_crop_generator("abc", ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"], seed=0)  # doctest: +SKIP
>>> crop, text = next(gen)                                                                       # doctest: +SKIP
>>> crop.shape, set(text) <= set("abc")                                                           # doctest: +SKIP
((32, 128), True)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import cv2
import numpy as np
from PIL import ImageFont

from ocr_core.errors import DataGenerationError
from ocr_core.synth import augment
from ocr_core.synth.fonts import drawable_chars, drawable_text, font_families, preload_drawable
from ocr_core.synth.glyphs import FontCache, GlyphCache
from ocr_core.synth.text import TextSampler

__all__ = ["get_crop_generator", "resize_and_pad"]

try:  # the shared helper keeps training crops identical to inference crops
    from ocr_core.geometry import resize_and_pad
except ImportError:  # pragma: no cover - fallback for a partial checkout
    def resize_and_pad(image: np.ndarray, height: int, width: int, *, pad_value: Any = 0) -> np.ndarray:
        """Resize to fit ``height`` x ``width`` keeping the aspect ratio; paste top-left on ``pad_value``."""
        h, w = image.shape[:2]
        scale = min(height / h, width / w)
        nw, nh = min(width, max(1, round(w * scale))), min(height, max(1, round(h * scale)))
        resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        out = np.full((height, width) + image.shape[2:], pad_value, dtype=image.dtype)
        out[:nh, :nw] = resized.reshape((nh, nw) + image.shape[2:])
        return out


class _CropRenderer:
    """State of one crop generator: random source, fonts, text sampler, background pool."""

    def __init__(self, alphabet: str, fonts: Sequence[str], backgrounds: Sequence[Any] | None,
                 height: int, width: int, text_source: Callable[[int], str], seed: int | None,
                 color: bool, max_length: int | None, font_size: tuple[float, float],
                 neighbours: float, augment_level: float, pad_value: Any,
                 font_groups: list[list[str]] | None = None) -> None:
        self.alphabet = alphabet
        self.allowed = set(alphabet)
        self.fonts = list(fonts)
        self.font_groups = font_groups
        self.rng = np.random.default_rng(seed)
        self.height, self.width = height, width
        self.text_source = text_source
        self.color = color
        self.max_length = max_length
        self.font_size = font_size
        self.neighbours = neighbours
        self.level = augment_level
        self.pad_value = pad_value
        self.cache = FontCache()
        self.glyphs = GlyphCache()
        self.bg_paths = list(backgrounds or [])
        self.bg_pool: list[np.ndarray] = []
        self.font_pool: list[tuple[str, int]] = []
        self.filler = TextSampler(alphabet, seed=int(self.rng.integers(2**31)))

    # -- backgrounds -----------------------------------------------------------------------------
    def _background(self, h: int, w: int) -> np.ndarray:
        rng = self.rng
        if self.bg_paths and rng.random() < 0.55:
            if len(self.bg_pool) < 24 or rng.random() < 0.02:
                img = self._load_bg(self.bg_paths[int(rng.integers(len(self.bg_paths)))])
                if img is not None:
                    if len(self.bg_pool) >= 24:
                        self.bg_pool[int(rng.integers(len(self.bg_pool)))] = img
                    else:
                        self.bg_pool.append(img)
            if self.bg_pool:
                img = self.bg_pool[int(rng.integers(len(self.bg_pool)))]
                return augment.random_patch(img, h, w, rng)
        return augment.plain_background(h, w, rng)

    @staticmethod
    def _load_bg(path: Any) -> np.ndarray | None:
        if isinstance(path, np.ndarray):
            img = path
        else:
            loaded = cv2.imread(os.fspath(path), cv2.IMREAD_COLOR)
            if loaded is None:
                return None
            img = cv2.cvtColor(loaded, cv2.COLOR_BGR2RGB)
        scale = 320.0 / max(1, min(img.shape[:2]))
        if scale < 1:
            img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        return np.ascontiguousarray(img[..., :3])

    # -- fonts -----------------------------------------------------------------------------------
    def _font(self) -> tuple[str, ImageFont.FreeTypeFont, int]:
        """A font whose pixel size is the crop height times a render scale (below 1: low-resolution
        text that is upsampled later, above 1: smoother text that is downsampled).

        Loading a face costs more than drawing a word, so most crops reuse one of a rotating pool of
        recently loaded faces; every font still comes up over time.
        """
        rng = self.rng
        if len(self.font_pool) < 48 or rng.random() < 0.03:
            for _ in range(10):
                if self.font_groups:
                    group = self.font_groups[int(rng.integers(len(self.font_groups)))]
                    path = group[int(rng.integers(len(group)))]
                else:
                    path = self.fonts[int(rng.integers(len(self.fonts)))]
                if path in self.cache.bad:
                    continue
                scale = float(rng.choice([0.45, 0.6, 0.75, 0.9, 1.0, 1.0, 1.25]))
                size = max(6, int(round(self.height * 0.85 * scale)))
                try:
                    entry = (path, size)
                    self.cache.get(path, size)
                except DataGenerationError:
                    continue
                if len(self.font_pool) >= 48:
                    self.font_pool[int(rng.integers(len(self.font_pool)))] = entry
                else:
                    self.font_pool.append(entry)
                break
        if not self.font_pool:
            raise DataGenerationError(f"none of the fonts could be loaded (e.g. {self.fonts[0]})")
        path, size = self.font_pool[int(rng.integers(len(self.font_pool)))]
        return path, self.cache.get(path, size), size

    # -- text ------------------------------------------------------------------------------------
    def _pick(self) -> tuple[str, str, ImageFont.FreeTypeFont, int, float]:
        """Text, font path, loaded font and pixel size, with the text drawable in that font."""
        rng = self.rng
        for _ in range(30):
            text = "".join(c for c in self.text_source(int(rng.integers(1 << 30))) if c in self.allowed)
            text = " ".join(text.split())
            if self.max_length:
                text = text[: self.max_length].strip()
            if not text:
                continue
            path, font, size = self._font()
            text = drawable_text(path, text)
            if not text:
                continue
            # Keep the aspect ratio in a range the recognizer width can show without crushing.
            length = self.glyphs.width(font, text)
            # (Wider text is not squeezed but shrinks below the crop height in resize_and_pad.)
            limit = 1.75 * size * self.width / self.height
            if length > limit and len(text) > 1:
                keep = max(1, int(len(text) * limit / max(length, 1)))
                text = text[:keep].strip()
                if not text:
                    continue
                length = self.glyphs.width(font, text)
            return text, path, font, size, length
        raise DataGenerationError(
            f"could not draw text of the alphabet {self.alphabet!r} with the given fonts "
            f"(e.g. {self.fonts[0]}); check that the fonts cover the alphabet")

    def _filler(self, path: str, max_length: int) -> str:
        """Neighbouring text (only characters the font draws)."""
        text = self.filler.token(max_length)
        ok = drawable_chars(path, text)
        return "".join(c for c in text if c in ok)

    # -- one crop --------------------------------------------------------------------------------
    def __call__(self) -> tuple[np.ndarray, str]:
        rng = self.rng
        text, path, font, size, length = self._pick()
        ascent, descent = font.getmetrics()
        line_h = ascent + descent
        gap = max(1, int(round(size * 0.28)))
        left_nb = right_nb = ""
        if rng.random() < self.neighbours:
            left_nb = self._filler(path, 8) if rng.random() < 0.5 else ""
            right_nb = self._filler(path, 8) if rng.random() < 0.7 else ""
        mask_t, dx, dy = self.glyphs.render(font, text)
        if mask_t.size == 0:
            return self()
        text_w = int(round(length))
        # Layout canvas: the line with optional neighbours, plus optional lines above and below.
        pad = int(size * 1.5)
        left_w = int(round(self.glyphs.width(font, left_nb))) + gap if left_nb else 0
        right_w = int(round(self.glyphs.width(font, right_nb))) + gap if right_nb else 0
        canvas_w = pad * 2 + left_w + max(text_w, dx + mask_t.shape[1]) + right_w
        canvas_h = pad * 2 + line_h
        alpha = np.zeros((canvas_h, canvas_w), np.uint8)
        x0, y0 = pad + left_w, pad
        _paste(alpha, mask_t, x0 + dx, y0 + dy)
        # Neighbours may show at the borders, but never more than a slice of one glyph.
        limit_l, limit_r, limit_t, limit_b = 0, canvas_w, 0, canvas_h
        sliver = 0.2 * size
        if left_nb:
            m, ddx, ddy = self.glyphs.render(font, left_nb)
            _paste(alpha, m, pad + ddx, y0 + ddy)
            limit_l = int(pad + ddx + m.shape[1] - sliver)
        if right_nb:
            m, ddx, ddy = self.glyphs.render(font, right_nb)
            _paste(alpha, m, x0 + text_w + gap + ddx, y0 + ddy)
            limit_r = int(np.ceil(x0 + text_w + gap + ddx + sliver))
        # Lines above and below. Usually a sliver shows; in a "context" crop up to 0.6 of their height does, as
        # when a box around one line of a curved or tightly set sign takes in parts of the lines around it.
        context = False
        if rng.random() < self.neighbours * 0.6:
            context = rng.random() < 0.3 * self.level
            for sign in (-1, 1):
                if rng.random() < (0.75 if context else 0.5):
                    m, ddx, ddy = self.glyphs.render(font, self._filler(path, 14))
                    shift = int(round(line_h * rng.uniform(1.0, 1.35))) * sign
                    oy = y0 + shift + ddy
                    _paste(alpha, m, x0 - int(rng.integers(0, size)) + ddx, oy)
                    shown = m.shape[0] * rng.uniform(0.2, 0.6) if context else sliver
                    if m.size and sign < 0:
                        limit_t = int(oy + m.shape[0] - shown)
                    elif m.size:
                        limit_b = int(np.ceil(oy + shown))
        # Ink box of the target text.
        ink_x0, ink_x1 = x0 + dx, x0 + dx + mask_t.shape[1]
        ink_y0, ink_y1 = y0 + dy, y0 + dy + mask_t.shape[0]
        # Vertical extent: the ink, or the line box (ascender to descender) like a detector box.
        if rng.random() < 0.5:
            top, bottom = ink_y0, ink_y1
        else:
            top, bottom = min(ink_y0, y0 + int(ascent * 0.15)), max(ink_y1, y0 + line_h)
        th = bottom - top
        lvl = self.level
        # Text height relative to the crop height decides the vertical margins (negative: cut).
        rel = rng.uniform(*self.font_size) if not context else rng.uniform(0.4, 0.65)
        spare = th * (1.0 / rel - 1.0)
        share = rng.uniform(0.2, 0.8) if not context else rng.uniform(0.35, 0.65)
        m_top, m_bot = spare * share, spare * (1 - share)
        m_l = th * rng.uniform(0.0, 0.15 + 0.45 * lvl * (rng.random() < 0.4))
        m_r = th * rng.uniform(0.0, 0.15 + 0.45 * lvl * (rng.random() < 0.4))
        cx0 = max(0, limit_l, int(ink_x0 - m_l))
        cx1 = min(canvas_w, limit_r, int(np.ceil(ink_x1 + m_r)))
        cy0 = max(0, limit_t, int(top - m_top))
        cy1 = min(canvas_h, limit_b, int(np.ceil(bottom + m_bot)))
        cx0, cx1 = min(cx0, ink_x0), max(cx1, ink_x1)  # the target's ink is never cut sideways
        cy0 = min(cy0, int(top - min(m_top, 0.0)))  # nor cut more than ``font_size`` asks vertically
        cy1 = max(cy1, int(np.ceil(bottom + min(m_bot, 0.0))))
        alpha = alpha[cy0:cy1, cx0:cx1]
        if alpha.shape[0] < 2 or alpha.shape[1] < 2:
            return self()
        h, w = alpha.shape
        # Decorations on the text layer: underline or box lines near the borders.
        if rng.random() < 0.08 * lvl:
            augment.draw_rules(alpha, rng, baseline=y0 + ascent - cy0, thickness=max(1, size // 14))
        # On a circle (badges, seals): the text layer only, so the background stays flat.
        if rng.random() < 0.06 * lvl and w > 1.5 * h:
            alpha = augment.arc(alpha, rng, rng.uniform(0.6, 2.6), border_value=0)
            h, w = alpha.shape
        image = self._compose(alpha, size)
        image = augment.crop_geometry(image, rng, lvl)
        h, w = image.shape[:2]  # a bent baseline comes back taller
        # To the model's height (low-resolution renders are upsampled here).
        out_w = max(1, int(round(w * self.height / h)))
        interp = cv2.INTER_AREA if h > self.height else cv2.INTER_LINEAR
        image = cv2.resize(image, (out_w, self.height), interpolation=interp)
        image = augment.crop_photometric(image, rng, lvl)
        if not self.color:
            image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        return resize_and_pad(image, self.height, self.width, pad_value=self.pad_value), text

    def _compose(self, alpha: np.ndarray, size: int) -> np.ndarray:
        """Colour the text layer over a background (outline, shadow and fill)."""
        rng = self.rng
        h, w = alpha.shape
        bg = self._background(h, w)
        under = bg[alpha > 128]
        fg, legible = augment.legible_color(under, rng, low_contrast=rng.random() < 0.06 * self.level)
        if not legible:  # a busy patch: flatten it towards its mean until the text reads
            mean = bg.reshape(-1, 3).mean(axis=0)
            bg = cv2.addWeighted(bg, 0.3, np.full_like(bg, mean.astype(np.uint8)), 0.7, 0.0)
            fg, _ = augment.legible_color(bg[alpha > 128], rng)
        a = alpha.astype(np.float32) * (1.0 / 255.0)
        out = bg.astype(np.float32)
        if rng.random() < 0.12 * self.level:  # drop shadow or outline in a third colour
            other = augment.contrasting_color(fg[None, None, :].astype(np.uint8).repeat(2, 0).repeat(2, 1), rng)
            k = max(1, size // 16)
            if rng.random() < 0.5:
                shadow = np.roll(a, (k, k), axis=(0, 1))
                shadow = cv2.GaussianBlur(shadow, (0, 0), k * 0.7)
            else:
                shadow = cv2.dilate(a, np.ones((2 * k + 1, 2 * k + 1), np.uint8))
            out += (other[None, None, :] - out) * shadow[..., None]
        opacity = rng.uniform(0.75, 1.0) if rng.random() < 0.3 else 1.0
        effect = rng.random()
        if effect < 0.08 * self.level:
            lum = float(augment.luminance(np.array(cv2.mean(bg)[:3], np.float32)))
            if effect < 0.04 * self.level and lum < 100:  # lit sign at night: halo around near-white letters
                out, fg = augment.glow(out, a, fg, rng, size)
            elif effect >= 0.04 * self.level and 50 < lum < 210:  # raised or carved, lit from one side
                out = augment.relief(out, a, rng, size)
                opacity = rng.uniform(0.1, 0.5)
        out += (fg[None, None, :] - out) * (a[..., None] * opacity)
        return np.clip(out, 0, 255).astype(np.uint8)


def _paste(canvas: np.ndarray, mask: np.ndarray, x: int, y: int) -> None:
    """``np.maximum`` of ``mask`` into ``canvas`` at ``(x, y)``, clipped to the canvas."""
    if mask.size == 0:
        return
    h, w = mask.shape
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(canvas.shape[1], x + w), min(canvas.shape[0], y + h)
    if x1 <= x0 or y1 <= y0:
        return
    region = canvas[y0:y1, x0:x1]
    np.maximum(region, mask[y0 - y: y1 - y, x0 - x: x1 - x], out=region)


def _text_source(text_generator: Any, alphabet: str, seed: int | None,
                 max_length: int | None) -> Callable[[int], str]:
    if text_generator is None:
        sampler = TextSampler(alphabet, seed=seed)

        def source(_r: int) -> str:
            if sampler.rng.random() < 0.12:
                return sampler.sentence(max_length, n_tokens=2)
            return sampler.token(max_length)
        return source
    if isinstance(text_generator, TextSampler):
        return lambda _r: text_generator.token(max_length)
    if callable(text_generator) and not hasattr(text_generator, "__next__"):
        return lambda _r: str(text_generator())
    iterator = iter(text_generator)
    return lambda _r: str(next(iterator))


def get_crop_generator(alphabet: str, fonts: Sequence[str], backgrounds: Iterable[Any] | None = None,
                       height: int = 32, width: int = 128, text_generator: Any = None,
                       seed: int | None = None, color: bool = False, *, max_length: int | None = None,
                       font_size: tuple[float, float] = (0.6, 1.05), neighbours: float = 0.3,
                       augment_level: float = 1.0, pad_value: Any = 0, count: int | None = None,
                       cache_dir: str | os.PathLike[str] | None = None,
                       font_balance: str = "file") -> Iterator[tuple[np.ndarray, str]]:
    """Endless (or ``count``) word crops ``(uint8 HxW or HxWx3, text)`` with ``text`` in ``alphabet``.

    ``fonts``: font file paths (e.g. :func:`~ocr_core.synth.fonts.get_fonts`); a font never draws a
    character it lacks (such characters are dropped from that crop's text). ``backgrounds``: image
    paths or RGB arrays used as texture patches (plain colours and gradients otherwise).
    ``text_generator``: an iterator of strings, a zero-argument callable or a
    :class:`~ocr_core.synth.text.TextSampler` (default: mixed words, numbers, dates, codes...).
    ``font_size``: text size relative to the crop height. ``neighbours``: probability of slices of
    neighbouring words/lines at the borders. ``augment_level``: 0 (clean) .. 1 (default) .. 2 (hard).
    Text is truncated to ``max_length`` characters and shortened when it would be crushed.
    ``cache_dir`` holds the font index (default: the user cache). ``font_balance``: "file" draws every font file
    equally often (a family of 40 styles comes up 40 times as often as a family of one); "family" draws a family
    first, then one of its files, so every typeface comes up equally often.

    >>> gen = get_crop_generator("0123456789", fonts, seed=1)  # doctest: +SKIP
    """
    fonts = [str(f) for f in fonts]
    if not fonts:
        raise DataGenerationError("no fonts given to the crop generator")
    if not alphabet or not alphabet.strip():
        raise DataGenerationError("the alphabet for the crop generator is empty")
    if height < 8 or width < 8:
        raise DataGenerationError(f"crop size {width}x{height} is too small (8x8 at least)")
    preload_drawable(fonts, alphabet, cache_dir)
    if font_balance not in ("file", "family"):
        raise DataGenerationError(f"font_balance must be 'file' or 'family', got {font_balance!r}")
    groups = None
    if font_balance == "family":
        by_family: dict[str, list[str]] = {}
        for path, family in font_families(fonts, alphabet, cache_dir).items():
            by_family.setdefault(family, []).append(path)
        groups = [by_family[name] for name in sorted(by_family)]
    rng = np.random.default_rng(seed)
    source = _text_source(text_generator, alphabet, int(rng.integers(2**31)), max_length)
    renderer = _CropRenderer(alphabet, fonts, list(backgrounds or []), height, width, source,
                             int(rng.integers(2**31)), color, max_length, font_size, neighbours,
                             augment_level, pad_value, font_groups=groups)
    produced = 0
    while count is None or produced < count:
        yield renderer()
        produced += 1
