"""Synthetic-data previews for the training tab: a few detector pages (with character and word boxes)
or recognizer crops, rendered exactly as training would render them, plus the font families that
can draw an alphabet.

Nothing here imports TensorFlow or Keras.

>>> settings = PreviewSettings(alphabet="0123456789abc ", mode="detector", count=4)
>>> settings.page_options()["rotationZ"]
(-10.0, 10.0)
>>> samples = synth_preview(settings)                 # doctest: +SKIP
>>> samples[0].image.shape, samples[0].words[0][1]    # doctest: +SKIP
((384, 384, 3), 'cab')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ocr_core.alphabet import DEFAULT_ALPHABET
from ocr_core.cancel import CancelToken
from ocr_core.document import Page, Word
from ocr_core.errors import DataGenerationError

__all__ = [
    "PreviewSettings",
    "SampleView",
    "FontFamily",
    "PREVIEW_BACKGROUNDS",
    "list_font_families",
    "resolve_fonts",
    "resolve_backgrounds",
    "synth_preview",
    "samples_to_pages",
    "training_synth_options",
]

#: Procedural backgrounds a preview draws from (the first of the ones training uses).
PREVIEW_BACKGROUNDS = 32


@dataclass
class PreviewSettings:
    """What the synthetic data looks like; the training tab fills one and training reuses it.

    ``alphabet``: the characters to draw (a space separates words; recognizer crops hold several words
    only when it has one). ``fonts``: font files to use (``None``: every legible font that draws the alphabet, from the
    system when ``include_system`` and from ``font_dirs``). ``photo_dirs``: folders of background
    photos, mixed with procedural backgrounds when ``procedural_backgrounds``. ``font_size`` is in
    pixels (pages), rotations are ``+-`` degrees (X/Y tilt, Z in-plane), ``margin`` pixels.
    Recognizer crops are ``crop_height`` x ``crop_width`` (the recognizer's input size).
    """

    alphabet: str = DEFAULT_ALPHABET
    mode: Literal["detector", "recognizer"] = "detector"
    fonts: list[str] | None = None
    font_dirs: list[str] = field(default_factory=list)
    include_system: bool = True
    procedural_backgrounds: bool = True
    photo_dirs: list[str] = field(default_factory=list)
    font_size: tuple[int, int] = (16, 56)
    rotation_x: float = 0.05
    rotation_y: float = 0.05
    rotation_z: float = 10.0
    margin: int = 8
    width: int = 384
    height: int = 384
    crop_height: int = 32
    crop_width: int = 128
    color: bool = False
    count: int = 6
    seed: int = 0

    @property
    def drawn_alphabet(self) -> str:
        """The alphabet without whitespace (what a font must be able to draw)."""
        return "".join(dict.fromkeys(c for c in self.alphabet if not c.isspace()))

    def validate(self) -> None:
        """Raise :class:`DataGenerationError` with a message a user can act on."""
        if not self.drawn_alphabet:
            raise DataGenerationError("The alphabet is empty: type the characters the model should read")
        if self.fonts is not None and not self.fonts:
            raise DataGenerationError("No fonts selected: tick at least one font family")
        if self.fonts is None and not self.include_system and not self.font_dirs:
            raise DataGenerationError("No fonts: use the system fonts or add a font folder")
        if not self.procedural_backgrounds and not self.photo_dirs:
            raise DataGenerationError("No backgrounds: allow procedural backgrounds or add a photo folder")
        lo, hi = self.font_size
        if lo < 4 or hi < lo:
            raise DataGenerationError(f"Font size range {lo}\u2013{hi} px is not valid (4 px at least, low \u2264 high)")
        if min(self.width, self.height) < 32:
            raise DataGenerationError(f"Image size {self.width}x{self.height} is too small (32 px at least)")
        if 2 * self.margin >= min(self.width, self.height):
            raise DataGenerationError(f"Margin {self.margin} px leaves no room in a {self.width}x{self.height} image")
        if hi > 0.9 * (min(self.width, self.height) - 2 * self.margin):
            raise DataGenerationError(
                f"Font size up to {hi} px does not fit a {self.width}x{self.height} image with a {self.margin} px margin")

    def page_options(self) -> dict[str, Any]:
        """Keyword arguments of ``get_image_generator`` for the page layout."""
        return {
            "font_size": (int(self.font_size[0]), int(self.font_size[1])),
            "rotationX": (-abs(float(self.rotation_x)), abs(float(self.rotation_x))),
            "rotationY": (-abs(float(self.rotation_y)), abs(float(self.rotation_y))),
            "rotationZ": (-abs(float(self.rotation_z)), abs(float(self.rotation_z))),
            "margin": int(self.margin),
        }


@dataclass
class SampleView:
    """One rendered sample: the image, its character quads, word quads and text (crops: text only)."""

    image: np.ndarray
    chars: list[tuple[np.ndarray, str]] = field(default_factory=list)
    words: list[tuple[np.ndarray, str]] = field(default_factory=list)
    text: str = ""
    kind: str = "detector"


@dataclass
class FontFamily:
    """A font family and its files that draw the whole alphabet."""

    name: str
    paths: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.paths)


def list_font_families(alphabet: str, folders: Sequence[str] = (), *, include_system: bool = True,
                       cache_dir: str | None = None) -> list[FontFamily]:
    """Families (sorted by name) of the legible fonts that draw ``alphabet`` (its ASCII part, see ``required_chars``).

    >>> [f.name for f in list_font_families("abc", ["/usr/share/fonts/truetype/dejavu"], include_system=False)][:1]  # doctest: +SKIP
    ['DejaVu Sans']
    """
    from ocr_core.synth.fonts import font_family, get_training_fonts

    drawn = "".join(dict.fromkeys(c for c in alphabet if not c.isspace()))
    if not drawn:
        raise DataGenerationError("The alphabet is empty: type the characters the model should read")
    if not include_system and not folders:
        raise DataGenerationError("No fonts: use the system fonts or add a font folder")
    fonts = get_training_fonts(drawn, cache_dir=cache_dir, font_dirs=list(folders) or None,
                               include_system=include_system)
    families: dict[str, FontFamily] = {}
    for path in fonts:
        name = font_family(str(path)) or Path(path).stem
        families.setdefault(name.lower(), FontFamily(name)).paths.append(str(path))
    return sorted(families.values(), key=lambda f: f.name.lower())


def resolve_fonts(settings: PreviewSettings, cache_dir: str | None = None) -> list[str]:
    """The font files the settings choose (checked to exist)."""
    from ocr_core.synth.fonts import get_training_fonts

    settings.validate()
    if settings.fonts is not None:
        missing = [f for f in settings.fonts if not Path(f).is_file()]
        if missing:
            raise DataGenerationError(f"Font file {missing[0]} does not exist")
        return [str(f) for f in settings.fonts]
    return get_training_fonts(settings.drawn_alphabet, cache_dir=cache_dir, font_dirs=settings.font_dirs or None,
                     include_system=settings.include_system)


def resolve_backgrounds(settings: PreviewSettings, cache_dir: str | None = None,
                        procedural_count: int = PREVIEW_BACKGROUNDS) -> list[str]:
    """Background image paths: the photo folders plus cached procedural backgrounds."""
    from ocr_core.synth.backgrounds import get_backgrounds

    settings.validate()
    count = procedural_count if settings.procedural_backgrounds else 0
    return get_backgrounds(cache_dir, photo_dirs=settings.photo_dirs or None, count=count,
                           procedural=settings.procedural_backgrounds)


def _page_samples(settings: PreviewSettings, fonts: list[str], backgrounds: list[str], cache_dir: str | None,
                  cancel: CancelToken | None) -> list[SampleView]:
    from ocr_core.synth.dataset import convert_lines_to_paragraph, lines_to_words
    from ocr_core.synth.fonts import get_font_groups
    from ocr_core.synth.render import get_image_generator
    from ocr_core.synth.text import get_text_generator

    groups = get_font_groups(settings.alphabet, fonts=fonts, cache_dir=cache_dir)
    text = get_text_generator(settings.alphabet, seed=settings.seed)
    generator = get_image_generator(settings.height, settings.width, groups, text, backgrounds=backgrounds,
                                    cache_dir=cache_dir, seed=settings.seed, **settings.page_options())
    samples = []
    for _ in range(max(0, settings.count)):
        if cancel is not None:
            cancel.raise_if_cancelled()
        image, lines = next(generator)
        chars = [(np.asarray(q, np.float32), c) for line in lines for q, c in line if not c.isspace()]
        words = [(quad, word) for quad, word, _ in lines_to_words(lines)]
        samples.append(SampleView(np.asarray(image)[..., :3], chars, words, convert_lines_to_paragraph(lines),
                                  "detector"))
    return samples


def _crop_samples(settings: PreviewSettings, fonts: list[str], backgrounds: list[str], cache_dir: str | None,
                  cancel: CancelToken | None) -> list[SampleView]:
    from ocr_core.synth.crops import get_crop_generator

    # Crops hold several words only when the alphabet has a space (as the recognizer's alphabet then does).
    generator = get_crop_generator(settings.alphabet, fonts, backgrounds, settings.crop_height, settings.crop_width,
                                   seed=settings.seed, color=settings.color, cache_dir=cache_dir)
    samples = []
    for _ in range(max(0, settings.count)):
        if cancel is not None:
            cancel.raise_if_cancelled()
        crop, text = next(generator)
        samples.append(SampleView(np.asarray(crop), text=text, kind="recognizer"))
    return samples


def synth_preview(settings: PreviewSettings, *, cancel: CancelToken | None = None,
                  cache_dir: str | None = None) -> list[SampleView]:
    """Render ``settings.count`` samples (pages or crops) the way training renders them.

    Raises :class:`DataGenerationError` for bad settings (empty alphabet, no fonts, no backgrounds,
    a font size that cannot fit) and :class:`~ocr_core.errors.Cancelled` when ``cancel`` fires.
    """
    settings.validate()
    fonts = resolve_fonts(settings, cache_dir)
    backgrounds = resolve_backgrounds(settings, cache_dir)
    if cancel is not None:
        cancel.raise_if_cancelled()
    if settings.mode == "recognizer":
        return _crop_samples(settings, fonts, backgrounds, cache_dir, cancel)
    if settings.mode != "detector":
        raise DataGenerationError(f"preview mode must be 'detector' or 'recognizer', got {settings.mode!r}")
    return _page_samples(settings, fonts, backgrounds, cache_dir, cancel)


def samples_to_pages(samples: Sequence[SampleView]) -> list[tuple[np.ndarray, Page]]:
    """Samples as ``(image, Page)`` ground truth (a crop is one word spanning the crop)."""
    out = []
    for sample in samples:
        h, w = sample.image.shape[:2]
        image = sample.image if sample.image.ndim == 3 else np.repeat(sample.image[..., None], 3, axis=2)
        if sample.kind == "recognizer":
            quad = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
            words = [Word(quad, sample.text)] if sample.text.strip() else []
        else:
            words = [Word(np.asarray(q, np.float64), t) for q, t in sample.words if t.strip()]
        out.append((np.ascontiguousarray(image[..., :3]), Page.from_words(words, w, h)))
    return out


def training_synth_options(settings: PreviewSettings, task: str, cache_dir: str | None = None) -> dict[str, Any]:
    """``TrainConfig.synth_options`` for ``task`` ('detector' or 'recognizer') from the preview settings:
    the chosen fonts, photo backgrounds (procedural ones come from the training cache) and, for the
    detector, the page layout."""
    options: dict[str, Any] = {}
    if settings.fonts is not None or settings.font_dirs or not settings.include_system:
        options["fonts"] = resolve_fonts(settings, cache_dir)
    if settings.photo_dirs:
        options["backgrounds"] = resolve_backgrounds(replace(settings), cache_dir, procedural_count=1000)
    if task == "detector":
        options.update(settings.page_options())
    return options
