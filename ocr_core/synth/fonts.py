"""Find text fonts on this machine, check which characters they can draw, and group them.

Fonts come from the system font folders, user-chosen folders and ``<cache_dir>/fonts``; nothing is
downloaded. Each font file is inspected once (fontTools cmap + glyph outlines, a few test renders
with Pillow) and the result is kept in ``<cache_dir>/fonts-index.json``. Excluded: unreadable files,
thin fonts (by name or by measured stroke width) and picture fonts (symbols, dingbats, barcodes,
redacted blocks) that map letters but do not draw them.

>>> fonts = get_fonts("0123456789abc")                     # doctest: +SKIP
>>> groups = get_font_groups(string.printable[:94], fonts)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
import re
import string
import sys
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ocr_core.atomic import atomic_write_text
from ocr_core.errors import DataGenerationError
from ocr_core.paths import user_cache_dir
from ocr_core.synth.fontcheck import empty_chars, font_supports_alphabet, legibility_problem, open_ttfont

__all__ = [
    "DEFAULT_ALPHABET",
    "FONT_SUFFIXES",
    "FontInfo",
    "system_font_dirs",
    "find_font_files",
    "font_supports_alphabet",
    "inspect_font",
    "font_family",
    "drawable_chars",
    "drawable_text",
    "required_chars",
    "get_training_fonts",
    "preload_drawable",
    "get_fonts",
    "get_font_groups",
    "count_families",
    "font_families",
]

#: The notebook's alphabet: digits, ASCII letters, a little punctuation and space.
DEFAULT_ALPHABET = string.digits + string.ascii_letters + "!?. "
FONT_SUFFIXES = (".ttf", ".otf")
_INDEX_NAME = "fonts-index.json"
_INDEX_VERSION = 5
#: Characters whose outlines are checked up front (others are checked when an alphabet asks).
_PROBE = string.digits + string.ascii_letters + string.punctuation


@dataclass
class FontInfo:
    """What the index knows about one font file."""

    path: str
    family: str = ""
    style: str = ""
    #: Code points mapped by the cmap, as inclusive ``[start, end]`` ranges.
    ranges: list[list[int]] = field(default_factory=list)
    #: Characters whose outlines were checked, and those of them that are empty.
    checked: str = ""
    empty: str = ""
    #: Why the font is not used for text ("" when it is usable).
    rejected: str = ""
    #: Lower-case letters are drawn as capitals or small capitals (bad for case-sensitive labels).
    caps: bool = False
    mtime: float = 0.0
    size: int = 0

    def maps(self, char: str) -> bool:
        cp = ord(char)
        return any(lo <= cp <= hi for lo, hi in self.ranges)

    def supports(self, char: str) -> bool:
        """True when the font maps ``char`` to a glyph with ink (whitespace needs no ink)."""
        if char.isspace():
            return True
        return self.maps(char) and char in self.checked and char not in self.empty


def system_font_dirs() -> list[Path]:
    """The usual font folders of Linux, macOS and Windows that exist on this machine."""
    home = Path.home()
    candidates = [
        Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), home / ".fonts",
        home / ".local/share/fonts", Path("/Library/Fonts"), Path("/System/Library/Fonts"),
        home / "Library/Fonts",
    ]
    if sys.platform.startswith("win"):
        candidates.append(Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts")
        candidates.append(Path(os.environ.get("LOCALAPPDATA", str(home))) / "Microsoft/Windows/Fonts")
    return [p for p in candidates if p.is_dir()]


def find_font_files(dirs: Iterable[str | os.PathLike[str]]) -> list[str]:
    """All ``.ttf``/``.otf`` files under ``dirs`` (recursive), sorted, duplicates removed."""
    seen: dict[str, str] = {}
    for folder in dirs:
        root = Path(folder)
        if root.is_file() and root.suffix.lower() in FONT_SUFFIXES:
            seen.setdefault(os.path.realpath(root), str(root))
            continue
        for dirpath, _dirs, files in os.walk(root, followlinks=True):
            for name in files:
                if name.lower().endswith(FONT_SUFFIXES):
                    path = os.path.join(dirpath, name)
                    seen.setdefault(os.path.realpath(path), path)
    return sorted(seen.values())


def _ranges(codepoints: Iterable[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for cp in sorted(codepoints):
        if out and cp == out[-1][1] + 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def _name(ttfont, ids: Sequence[int]) -> str:
    try:
        table = ttfont["name"]
    except Exception:
        return ""
    for name_id in ids:
        rec = table.getDebugName(name_id)
        if rec:
            return str(rec).strip()
    return ""


def inspect_font(path: str | os.PathLike[str], extra_chars: str = "") -> FontInfo:
    """Read one font file: family, style, cmap ranges, empty glyphs and legibility.

    Raises :class:`~ocr_core.errors.DataGenerationError` when the file cannot be read.
    """
    path = str(path)
    ttfont = open_ttfont(path)
    try:
        cmap = ttfont.getBestCmap() or {}
        family = _name(ttfont, (16, 1)) or Path(path).stem
        style = _name(ttfont, (17, 2))
        checked = "".join(sorted(set(_PROBE + extra_chars) - {c for c in extra_chars if c.isspace()}))
        empty = empty_chars(ttfont, cmap, checked)
    except DataGenerationError:
        raise
    except Exception as exc:
        raise DataGenerationError(f"cannot read font file {path}: {exc}") from exc
    finally:
        ttfont.close()
    stat = os.stat(path)
    info = FontInfo(path=path, family=family, style=style, ranges=_ranges(cmap), checked=checked,
                    empty=empty, mtime=stat.st_mtime, size=stat.st_size)
    if not cmap:
        info.rejected = "no usable cmap"
    else:
        info.rejected, info.caps = legibility_problem(path, info.maps, info.style)
        same = sum(cmap.get(ord(c)) == cmap.get(ord(c.upper())) for c in "abdegr" if ord(c) in cmap)
        info.caps = info.caps or same >= 3
    return info


def _inspect_or_none(path: str, extra: str) -> FontInfo | None:
    _quiet_fonttools()
    try:
        return inspect_font(path, extra)
    except DataGenerationError:
        return None  # re-inspected (and reported) in the parent


def _quiet_fonttools() -> None:
    logging.getLogger("fontTools").setLevel(logging.ERROR)


class _FontIndex:
    """The JSON cache of :class:`FontInfo` records, keyed by path (refreshed when a file changes)."""

    def __init__(self, cache_dir: str | os.PathLike[str] | None) -> None:
        self.path = Path(cache_dir) / _INDEX_NAME if cache_dir is not None else None
        self.records: dict[str, FontInfo] = {}
        self.dirty = False
        if self.path is not None and self.path.is_file():
            try:
                data = json.loads(self.path.read_text("utf-8"))
                if data.get("version") == _INDEX_VERSION:
                    self.records = {p: FontInfo(**r) for p, r in data.get("fonts", {}).items()}
            except (OSError, ValueError, TypeError):
                self.records = {}

    def refresh(self, paths: Sequence[str], alphabet: str) -> None:
        """Inspect the new or changed files among ``paths`` (in parallel when there are many)."""
        todo = []
        for path in paths:
            info = self.records.get(path)
            try:
                stat = os.stat(path)
            except OSError:
                continue
            if info is None or info.mtime != stat.st_mtime or info.size != stat.st_size:
                todo.append(path)
        if len(todo) < 64:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        from ocr_core.synth.parallel import threaded_runtime_loaded

        # Fork is fast and needs no importable __main__; it is unsafe once TensorFlow, PyTorch or JAX runs
        # threads, in which case (or on platforms without fork) the files are inspected one by one.
        if ("fork" not in multiprocessing.get_all_start_methods() or threaded_runtime_loaded()
                or multiprocessing.current_process().daemon):  # daemonic workers cannot have children
            return
        extra = "".join(sorted({c for c in alphabet if not c.isspace()}))
        workers = max(1, min(8, os.cpu_count() or 1))
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                results = list(pool.map(_inspect_or_none, todo, [extra] * len(todo), chunksize=16))
        except (BrokenProcessPool, OSError, RuntimeError, AssertionError):
            return
        for path, info in zip(todo, results):
            if info is not None:
                self.records[path] = info
                self.dirty = True

    def get(self, path: str, alphabet: str) -> FontInfo | None:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        info = self.records.get(path)
        needed = {c for c in alphabet if not c.isspace()}
        if info is None or info.mtime != stat.st_mtime or info.size != stat.st_size:
            try:
                info = inspect_font(path, "".join(needed))
            except DataGenerationError as exc:
                warnings.warn(f"skipping font {path}: {exc}", stacklevel=3)
                info = FontInfo(path=path, rejected=f"unreadable: {exc}", mtime=stat.st_mtime,
                                size=stat.st_size)
            self.records[path] = info
            self.dirty = True
        elif info.ranges and not needed <= set(info.checked):
            missing = "".join(sorted(needed - set(info.checked)))
            try:
                ttfont = open_ttfont(path)
                info.empty += empty_chars(ttfont, ttfont.getBestCmap() or {}, missing)
                ttfont.close()
            except Exception:
                info.empty += missing
            info.checked += missing
            self.dirty = True
        return info

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        data = {"version": _INDEX_VERSION, "fonts": {p: dict(vars(r)) for p, r in sorted(self.records.items())}}
        try:
            atomic_write_text(self.path, json.dumps(data))
        except OSError as exc:
            warnings.warn(f"cannot write the font index {self.path}: {exc}", stacklevel=3)
        self.dirty = False


def _candidate_files(cache_dir: Path | None, font_dirs: Iterable[str | os.PathLike[str]] | None,
                     include_system: bool) -> list[str]:
    dirs: list[str | os.PathLike[str]] = []
    for folder in font_dirs or ():
        if not Path(folder).exists():
            raise DataGenerationError(f"font folder {folder} does not exist")
        if not find_font_files([folder]):
            raise DataGenerationError(f"font folder {folder} holds no .ttf or .otf fonts")
        dirs.append(folder)
    if include_system:
        dirs.extend(system_font_dirs())
    if cache_dir is not None and (cache_dir / "fonts").is_dir():
        dirs.append(cache_dir / "fonts")
    return find_font_files(dirs)


def _infos(alphabet: str, cache_dir: str | os.PathLike[str] | None,
           font_dirs: Iterable[str | os.PathLike[str]] | None, include_system: bool,
           fonts: Iterable[str] | None = None) -> list[FontInfo]:
    cache = Path(cache_dir) if cache_dir is not None else user_cache_dir()
    files = list(fonts) if fonts is not None else _candidate_files(cache, font_dirs, include_system)
    _quiet_fonttools()
    index = _FontIndex(cache)
    index.refresh([str(f) for f in files], alphabet)
    infos = [info for f in files if (info := index.get(str(f), alphabet)) is not None]
    index.save()
    return infos


def _looks_like_folder(alphabet: str) -> bool:
    """An alphabet that is a folder's path (keras-ocr's ``get_fonts(cache_dir)``): an existing folder, or a path-like
    token (``/``, ``~`` or ``./`` first, no spaces, letters repeated) that a cache folder not made yet would be."""
    if (os.sep in alphabet or alphabet.startswith(("~", "."))) and os.path.isdir(os.path.expanduser(alphabet)):
        return True
    pathlike = re.fullmatch(r"(~|\.{1,2})?/[\w.~/-]*", alphabet) is not None
    return pathlike and len(set(alphabet)) < len(alphabet)


def get_fonts(alphabet: str = DEFAULT_ALPHABET, cache_dir: str | os.PathLike[str] | None = None,
              font_dirs: Iterable[str | os.PathLike[str]] | None = None, *,
              include_system: bool = True, allow_caps: bool | None = None,
              exclude_smallcaps: bool | None = None) -> list[str]:
    """Paths of the legible fonts that draw every character of ``alphabet`` (seed API).

    ``font_dirs`` adds user folders (each must exist and hold fonts); ``include_system=False``
    restricts the search to them and ``<cache_dir>/fonts``. Fonts that draw lower case as capitals
    are left out when the alphabet has both cases of a letter, unless ``allow_caps``
    (``exclude_smallcaps``, keras-ocr's name, is its opposite). Raises
    :class:`~ocr_core.errors.DataGenerationError` when no font covers the alphabet, and when the
    alphabet is a folder's path: keras-ocr's ``get_fonts`` took ``cache_dir`` first.

    >>> fonts = get_fonts("abc", font_dirs=["/usr/share/fonts/truetype/dejavu"])  # doctest: +SKIP
    """
    if _looks_like_folder(alphabet):
        raise DataGenerationError(
            f"get_fonts(alphabet, cache_dir, ...): the alphabet given is the folder {alphabet!r}; keras-ocr took "
            "cache_dir first, so name it: get_fonts(cache_dir=..., alphabet=...)")
    if exclude_smallcaps is not None and allow_caps is None:
        allow_caps = not exclude_smallcaps
    infos = _infos(alphabet, cache_dir, font_dirs, include_system)
    chars = set(alphabet)
    caps_ok = _caps_ok(alphabet, allow_caps)
    fonts = [i.path for i in infos
             if not i.rejected and (caps_ok or not i.caps) and all(i.supports(c) for c in chars)]
    if not fonts:
        where = ", ".join(str(d) for d in font_dirs or ()) or "the system font folders"
        raise DataGenerationError(
            f"no legible font in {where} draws every character of the alphabet {alphabet!r}")
    return fonts


def _caps_ok(alphabet: str, allow_caps: bool | None) -> bool:
    if allow_caps is not None:
        return allow_caps
    return not any(c.islower() and c.upper() in alphabet for c in alphabet)


def _classes(alphabet: str) -> list[str]:
    """Split an alphabet into character classes: digits, lower, upper, punctuation, others."""
    groups: dict[str, list[str]] = {}
    for ch in dict.fromkeys(alphabet):
        key = ("digit" if ch.isdigit() else "lower" if ch.islower() else "upper" if ch.isupper()
               else "space" if ch.isspace() else "punct" if ch in string.punctuation else "other")
        groups.setdefault(key, []).append(ch)
    return ["".join(v) for v in groups.values()]


def get_font_groups(alphabet: str = DEFAULT_ALPHABET, fonts: Iterable[str] | None = None,
                    cache_dir: str | os.PathLike[str] | None = None,
                    font_dirs: Iterable[str | os.PathLike[str]] | None = None, *,
                    include_system: bool = True, allow_caps: bool | None = None) -> dict[str, list[str]]:
    """Group legible fonts by the sub-alphabet they fully cover.

    The alphabet is cut into classes (digits, lower case, upper case, punctuation, others, space);
    a font joins the group keyed by the concatenation of the classes it draws completely (only
    groups with letters or digits are kept; ``allow_caps`` as in :func:`get_fonts`). The result plugs into ``get_image_generator(
    font_groups=...)``.

    >>> groups = get_font_groups("ab12", fonts=["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"])  # doctest: +SKIP
    >>> groups                                                                  # doctest: +SKIP
    {'ab12': ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf']}
    """
    infos = _infos(alphabet, cache_dir, font_dirs, include_system, fonts)
    classes = _classes(alphabet)
    caps_ok = _caps_ok(alphabet, allow_caps)
    groups: dict[str, list[str]] = {}
    for info in infos:
        if info.rejected or (info.caps and not caps_ok):
            continue
        key = "".join(cls for cls in classes if all(info.supports(c) for c in cls))
        if any(c.isalnum() for c in key):
            groups.setdefault(key, []).append(info.path)
    if not groups:
        raise DataGenerationError(f"no legible font draws any letters or digits of {alphabet!r}")
    return dict(sorted(groups.items(), key=lambda kv: (-len(kv[0]), kv[0])))


@lru_cache(maxsize=4096)
def font_family(path: str) -> str:
    """The font's family name (typographic family when present, else the file stem)."""
    try:
        ttfont = open_ttfont(path)
        try:
            return _name(ttfont, (16, 1)) or Path(path).stem
        finally:
            ttfont.close()
    except DataGenerationError:
        return Path(path).stem


_DRAWABLE: dict[str, tuple[set[str], set[str]]] = {}


def preload_drawable(fonts: Iterable[str], alphabet: str,
                     cache_dir: str | os.PathLike[str] | None = None) -> None:
    """Fill the per-process answers of :func:`drawable_chars` for ``alphabet`` from the font index
    (one JSON read instead of opening every font file)."""
    chars = {c for c in alphabet}
    for info in _infos(alphabet, cache_dir, None, False, fonts):
        checked, good = _DRAWABLE.setdefault(info.path, (set(), set()))
        good |= {c for c in chars if info.supports(c)}
        checked |= chars


def drawable_chars(path: str, chars: Iterable[str]) -> set[str]:
    """The characters of ``chars`` that the font maps to a glyph with ink (spaces always count).

    Results are remembered per process, so the renderer can ask for every text cheaply.
    """
    checked, good = _DRAWABLE.setdefault(str(path), (set(), set()))
    wanted = set(chars)
    todo = wanted - checked
    if todo:
        try:
            ttfont = open_ttfont(str(path))
            try:
                cmap = ttfont.getBestCmap() or {}
                mapped = {c for c in todo if ord(c) in cmap}
                empty = set(empty_chars(ttfont, cmap, mapped))
            finally:
                ttfont.close()
        except Exception:
            mapped, empty = set(), set()
        good |= {c for c in todo if c.isspace() or (c in mapped and c not in empty)}
        checked |= todo
    return wanted & good


def required_chars(alphabet: str) -> str:
    """The characters of ``alphabet`` every training font must draw: its ASCII part when it has one.

    Characters beyond it (accented letters, currency signs) are drawn by the fonts that have them and
    fall back to their base letter elsewhere (:func:`drawable_text`), so an extended alphabet does not
    shrink the font pool to the few fonts that cover all of it.

    >>> required_chars("abc€é "), required_chars("αβγ")
    ('abc', 'αβγ')
    """
    chars = "".join(dict.fromkeys(c for c in alphabet if not c.isspace()))
    return "".join(c for c in chars if c.isascii()) or chars


def get_training_fonts(alphabet: str, cache_dir: str | os.PathLike[str] | None = None,
                       font_dirs: Iterable[str | os.PathLike[str]] | None = None, *,
                       include_system: bool = True) -> list[str]:
    """The fonts synthetic data of ``alphabet`` is drawn with: those that draw its :func:`required_chars`.

    Raises :class:`~ocr_core.errors.DataGenerationError` when no font draws them, or when some character of
    the alphabet is drawn by none of those fonts (the model would never see it).
    """
    fonts = get_fonts(required_chars(alphabet), cache_dir, font_dirs, include_system=include_system)
    wanted = {c for c in alphabet if not c.isspace()}
    preload_drawable(fonts, "".join(sorted(wanted)), cache_dir)
    covered: set[str] = set()
    for path in fonts:
        covered |= drawable_chars(path, wanted - covered)
        if covered >= wanted:
            return fonts
    where = ", ".join(str(d) for d in font_dirs or ()) or "the system font folders"
    missing = "".join(sorted(wanted - covered))
    raise DataGenerationError(
        f"no legible font in {where} draws every character of the alphabet: none draws {missing!r}")


def drawable_text(path: str, text: str) -> str:
    """``text`` as the font can draw it: a missing accented letter becomes its base letter (``ü`` -> ``u``)
    when the font has that, other missing characters are dropped, and runs of spaces collapse."""
    ok = drawable_chars(path, text)
    if len(ok) == len(set(text)):
        return text
    out = []
    for c in text:
        if c in ok:
            out.append(c)
            continue
        base = unicodedata.normalize("NFD", c)[:1]
        if base != c and base and drawable_chars(path, base):
            out.append(base)
    return " ".join("".join(out).split())


def font_families(fonts: Iterable[str], alphabet: str,
                  cache_dir: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Each font file's family name, lower-cased (from the font index: no font file is opened twice)."""
    fonts = [str(f) for f in fonts]
    found = {info.path: (info.family or Path(info.path).stem).lower()
             for info in _infos(alphabet, cache_dir, None, False, fonts)}
    return {f: found.get(f) or Path(f).stem.lower() for f in fonts}


def count_families(fonts: Iterable[str]) -> int:
    """Number of distinct family names among ``fonts``."""
    return len({font_family(str(f)).lower() for f in fonts})
