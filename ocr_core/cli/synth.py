"""``ocr-studio synth``: write a synthetic dataset (pages with word and character boxes, or word crops).

Examples::

    ocr-studio synth --count 1000 --out data/synth --format icdar2015 --workers 2
    ocr-studio synth --count 16 --preview sheet.png                       # look before you generate
    ocr-studio synth --crops --count 50000 --out data/crops --width 128 --height 32

Pages go to ``OUT/images/``, annotations to ``OUT/`` in the chosen format, character boxes to
``OUT/chars/<image stem>.json`` (and, for ``studio``, into each word's ``extra``). Crops go to
``OUT/crops/`` with ``OUT/labels.txt`` (``crops/<file>\\t<text>`` per line). ``OUT`` must be new or empty:
``--overwrite`` replaces an earlier synth output there (its files are removed first), and a folder that holds
anything else is refused, so two datasets never mix.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import sys
import unicodedata
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ocr_core.alphabet import DEFAULT_ALPHABET
from ocr_core.cli.options import non_negative_int, positive_int
from ocr_core.errors import OcrError
from ocr_core.listing import listed

__all__ = ["add_parser", "run", "make_page_generator", "make_crop_generator", "contact_sheet"]


def _pair(text: str) -> tuple[float, float]:
    try:
        parts = [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LO,HI numbers; got {text!r}") from None
    if len(parts) == 1:
        parts = parts * 2
    if not all(math.isfinite(v) for v in parts):
        raise argparse.ArgumentTypeError(f"expected finite numbers; got {text!r}")
    if len(parts) != 2 or parts[0] > parts[1]:
        raise argparse.ArgumentTypeError(f"expected LO,HI with LO <= HI; got {text!r}")
    return parts[0], parts[1]


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "synth",
        help="generate synthetic training data (pages with word/character boxes, or word crops)",
        description=__doc__.split("Pages go to")[0].replace("``ocr-studio synth``: w", "W").replace("::", ":").strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--count", type=int, default=100, help="number of images or crops (default 100)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="output folder, new or empty (see --overwrite)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an earlier synth output in --out: the files synth writes (images/synth_*, "
                        "gt_synth_*, chars/, crops/, labels.txt...) are removed before the new ones are written; "
                        "a folder that also holds other files is refused, and nothing in it is removed")
    p.add_argument("--format", default="icdar2015", choices=("icdar2015", "ppocrlabel", "studio"),
                   help="annotation format of pages (default icdar2015)")
    p.add_argument("--preview", type=Path, default=None, metavar="OUT.png",
                   help="also write a contact sheet of the first samples with boxes drawn")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed and workers: same data)")
    p.add_argument("--width", type=positive_int, default=None, help="image width (pages 640, crops 128)")
    p.add_argument("--height", type=positive_int, default=None, help="image height (pages 640, crops 32)")
    p.add_argument("--font-size", type=_pair, default=None, metavar="LO,HI",
                   help="font size in pixels for pages (default 24,96)")
    p.add_argument("--rotation-z", type=_pair, default=(-15.0, 15.0), metavar="LO,HI",
                   help="in-plane rotation of text blocks in degrees (default -15,15)")
    p.add_argument("--rotation-xy", type=_pair, default=(-0.05, 0.05), metavar="LO,HI",
                   help="perspective tilt (the seed's rotationX/Y; default -0.05,0.05)")
    p.add_argument("--margin", type=non_negative_int, default=None, help="free border in pixels (default width/32)")
    p.add_argument("--alphabet", default=DEFAULT_ALPHABET,
                   help="characters to generate (default: digits, letters, punctuation, space)")
    p.add_argument("--text-file", type=Path, default=None, help="take text from the lines of this file")
    p.add_argument("--fonts", type=Path, action="append", default=None, metavar="DIR",
                   help="font folder (repeatable); system fonts are used too unless --no-system-fonts")
    p.add_argument("--no-system-fonts", action="store_true", help="use only the --fonts folders")
    p.add_argument("--backgrounds", type=Path, action="append", default=None, metavar="DIR",
                   help="photo folder (repeatable); procedural backgrounds are added unless --no-procedural")
    p.add_argument("--no-procedural", action="store_true", help="use only the --backgrounds photos")
    p.add_argument("--augment", type=float, default=1.0, metavar="LEVEL",
                   help="augmentation strength: 0 off, 1 default, 2 strong")
    p.add_argument("--workers", type=int, default=0, help="worker processes (0: this process)")
    p.add_argument("--crops", action="store_true", help="write word crops for recognizer training instead of pages")
    p.add_argument("--color", action="store_true", help="colour crops (default gray)")
    p.add_argument("--cache-dir", type=Path, default=None, help="font index and backgrounds cache")
    p.set_defaults(func=run)


# -- generator factories (module level, so worker processes can pickle them) -----------------------
def make_page_generator(seed: int, *, height: int, width: int, font_groups: dict[str, list[str]],
                        backgrounds: list[str], alphabet: str, text_file: str | None,
                        options: dict[str, Any]) -> Iterator[tuple[np.ndarray, list]]:
    from ocr_core.synth.render import get_image_generator
    from ocr_core.synth.text import get_text_generator

    text = get_text_generator(alphabet, seed=seed + 1, text_file=text_file)
    return get_image_generator(height, width, font_groups, text, backgrounds=backgrounds or None, seed=seed,
                               **options)


def make_crop_generator(seed: int, *, alphabet: str, fonts: list[str], backgrounds: list[str], height: int,
                        width: int, color: bool, augment_level: float, text_file: str | None,
                        cache_dir: str | None) -> Iterator[tuple[np.ndarray, str]]:
    from ocr_core.synth.crops import get_crop_generator
    from ocr_core.synth.text import TextSampler, read_text_lines

    text = None
    if text_file is not None:
        text = TextSampler(alphabet, lines=read_text_lines(text_file), seed=seed + 1)
    return get_crop_generator(alphabet, fonts, backgrounds, height, width, text, seed, color,
                              augment_level=augment_level, cache_dir=cache_dir)


# -- output ----------------------------------------------------------------------------------------
def _page_of(lines: list, width: int, height: int, image_path: str, with_chars: bool) -> Any:
    from ocr_core.document import Line, Page, Word
    from ocr_core.synth.dataset import lines_to_words

    page_lines = []
    for line in lines:
        words = []
        for quad, text, chars in lines_to_words([line]):
            extra = {"char_quads": np.round(chars, 2).tolist()} if with_chars else {}
            words.append(Word(quad=quad, text=text, confidence=1.0, extra=extra))
        if words:
            page_lines.append(Line(words=words))
    return Page(width=width, height=height, lines=page_lines, image_path=image_path)


def _chars_json(lines: list, image_name: str) -> str:
    data = {"image": image_name,
            "lines": [[{"char": ch, "quad": np.round(np.asarray(q, float), 2).tolist()} for q, ch in line]
                      for line in lines]}
    return json.dumps(data, ensure_ascii=False)


def contact_sheet(samples: list[tuple[np.ndarray, Any]], columns: int = 4, tile: int = 320) -> np.ndarray:
    """An RGB grid of samples: pages with character boxes (red), spaces (blue) and word boxes (green),
    or crops with their text underneath."""
    from ocr_core.synth.dataset import lines_to_words

    tiles = []
    for image, label in samples:
        img = np.ascontiguousarray(image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2RGB))
        if isinstance(label, str):
            scale = tile / img.shape[1]
            img = cv2.resize(img, (tile, max(1, int(img.shape[0] * scale))), interpolation=cv2.INTER_NEAREST)
            tiles.append(np.vstack([img, _label_bar(label, tile)]))
            continue
        img = img.copy()
        for line in label:
            for quad, ch in line:
                color = (0, 0, 255) if ch == " " else (255, 0, 0)
                cv2.polylines(img, [np.round(np.asarray(quad)).astype(np.int32)], True, color, 1)
        for quad, _text, _chars in lines_to_words(label):
            cv2.polylines(img, [np.round(quad).astype(np.int32)], True, (0, 200, 0), 2)
        scale = tile / max(img.shape[:2])
        tiles.append(cv2.resize(img, (int(img.shape[1] * scale), int(img.shape[0] * scale)), interpolation=cv2.INTER_AREA))
    h = max(t.shape[0] for t in tiles)
    w = max(t.shape[1] for t in tiles)
    padded = [np.pad(t, ((0, h - t.shape[0]), (0, w - t.shape[1]), (0, 0)), constant_values=128) for t in tiles]
    padded += [np.full((h, w, 3), 128, np.uint8)] * (-len(padded) % columns)
    rows = [np.hstack(padded[i: i + columns]) for i in range(0, len(padded), columns)]
    return np.vstack(rows)


#: A Unicode font for contact-sheet labels (Debian's fonts-dejavu-core, installed by the set-up script).
LABEL_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _label_bar(label: str, width: int) -> np.ndarray:
    """A white strip with ``label`` in black: DejaVu Sans when installed (accents, symbols), else OpenCV's
    ASCII-only font with accented letters written as their base letters."""
    try:
        from PIL import Image, ImageDraw, ImageFont

        font = ImageFont.truetype(LABEL_FONT, 14)
    except OSError:
        bar = np.full((24, width, 3), 255, np.uint8)
        plain = "".join(c for c in unicodedata.normalize("NFKD", label) if not unicodedata.combining(c))
        plain = plain.encode("ascii", "replace").decode()
        cv2.putText(bar, plain, (4, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
        return bar
    image = Image.new("RGB", (width, 24), (255, 255, 255))
    ImageDraw.Draw(image).text((4, 3), label, font=font, fill=(0, 0, 0))
    return np.asarray(image)


#: What ``--preview`` may be called, and the ``--out`` names that are files, not folders.
_PREVIEW_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
_FILE_SUFFIXES = (".txt", ".json", ".hocr", ".html", ".pdf", *_PREVIEW_SUFFIXES)


#: The files synth writes into ``--out`` (paths relative to it), and those of its files that list others: every
#: line of such a file must name one of synth's own files for the list to be synth's too.
_OWN_FILES = re.compile(r"(images/synth_\d+\.jpg|chars/synth_\d+\.json|gt_synth_\d+\.txt|synth_\d+\.jpg\.ocr\.json"
                        r"|crop_img/synth_\d+_crop_\d+\.jpg|crops/\d+\.png)")
_OWN_LISTS = {"Label.txt": r"images/synth_\d+\.jpg", "Cache.cach": r"images/synth_\d+\.jpg",
              "fileState.txt": r"(.*/)?images/synth_\d+\.jpg", "rec_gt.txt": r"crop_img/synth_\d+_crop_\d+\.jpg",
              "labels.txt": r"crops/\d+\.png"}


def _is_own_list(path: Path, key: str) -> bool:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return all(re.fullmatch(key, line.split("\t", 1)[0].replace("\\", "/")) for line in fh if line.strip())
    except (OSError, UnicodeDecodeError):
        return False


def _earlier_output(out: Path, keep: Path | None) -> tuple[list[Path], list[Path]]:
    """The files in the folder ``out`` as ``(synth's own, others)``; ``keep`` (the preview this run writes there)
    counts as neither."""
    own: list[Path] = []
    others: list[Path] = []
    for folder, dirs, files in os.walk(out):
        others += [Path(folder) / d for d in dirs if (Path(folder) / d).is_symlink()]  # not followed: not ours
        for name in files:
            path = Path(folder) / name
            rel = path.relative_to(out).as_posix()
            if keep is not None and os.path.abspath(path) == os.path.abspath(keep):
                continue
            if _OWN_FILES.fullmatch(rel) or (rel in _OWN_LISTS and _is_own_list(path, _OWN_LISTS[rel])):
                own.append(path)
            else:
                others.append(path)
    return sorted(own), sorted(others)


def _check_out(out: Path, overwrite: bool, preview: Path | None) -> list[Path]:
    """The earlier synth output to remove from ``out`` before writing (empty for a new or empty folder); raises
    when ``out`` cannot be the dataset's folder: a file, or a folder that holds files, without ``--overwrite``
    or with files synth did not write."""
    from ocr_core.cli.options import writable_folder

    if out.exists() and not out.is_dir():
        raise OcrError(f"--out {out} is a file; name a folder for the dataset")
    if problem := writable_folder(out):
        raise OcrError(f"--out: {problem}")
    if not out.exists():
        return []
    own, others = _earlier_output(out, preview)

    def names(paths: list[Path]) -> str:
        return listed(p.relative_to(out).as_posix() for p in paths)

    if others and overwrite:
        raise OcrError(f"--out {out} holds {len(others)} file(s) synth did not write ({names(others)}); "
                       "--overwrite replaces only an earlier synth output, so nothing was removed: choose a new or "
                       "empty folder")
    if others:
        raise OcrError(f"--out {out} already holds {len(own) + len(others)} file(s) ({names(others + own)}); "
                       "choose a new or empty folder")
    if own and not overwrite:
        raise OcrError(f"--out {out} holds an earlier synth output ({len(own)} file(s): {names(own)}); pass "
                       "--overwrite to replace it, or choose a new or empty folder")
    return own


def _remove(out: Path, files: list[Path]) -> None:
    """Delete ``files`` (an earlier synth output in ``out``) and the subfolders they leave empty."""
    for path in files:
        path.unlink(missing_ok=True)
    for name in ("images", "chars", "crops", "crop_img"):
        with contextlib.suppress(OSError):  # not there, or not empty
            (out / name).rmdir()


def _write_image(path: Path, image: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    bgr = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    params = [cv2.IMWRITE_JPEG_QUALITY, 92] if path.suffix == ".jpg" else []
    if not cv2.imwrite(str(path), bgr, params):
        raise OcrError(f"cannot write image {path}")


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (OcrError, OSError) as exc:
        print(f"ocr-studio synth: error: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    from ocr_core.atomic import atomic_write_text
    from ocr_core.cli.progress import ProgressBar
    from ocr_core.synth.backgrounds import find_images, get_backgrounds
    from ocr_core.synth.fonts import get_font_groups, get_training_fonts
    from ocr_core.synth.parallel import parallel_generator

    if args.out is None and args.preview is None:
        raise OcrError("give --out DIR (and/or --preview OUT.png)")
    if args.count < 1:
        raise OcrError(f"--count must be at least 1; got {args.count}")
    # checked before anything is generated: these used to fail only at the end
    if args.preview is not None and args.preview.suffix.lower() not in _PREVIEW_SUFFIXES:
        raise OcrError(f"--preview {args.preview}: the contact sheet is an image; end the name in "
                       f"{' or '.join(_PREVIEW_SUFFIXES)}")
    if args.out is not None and args.count > 1 and args.out.suffix.lower() in _FILE_SUFFIXES:
        raise OcrError(f"--out {args.out}: {args.count} samples need a folder, not a file name")
    earlier = _check_out(args.out, args.overwrite, args.preview) if args.out is not None else []
    alphabet = "".join(dict.fromkeys(args.alphabet))
    cache = str(args.cache_dir) if args.cache_dir else None
    font_dirs = [str(d) for d in args.fonts or []]
    include_system = not args.no_system_fonts
    if not include_system and not font_dirs:
        raise OcrError("--no-system-fonts needs at least one --fonts DIR")
    text_file = str(args.text_file) if args.text_file else None
    count = args.count if args.out is not None else min(args.count, 16)
    if args.crops:
        width, height = args.width or 128, args.height or 32
        bgs = find_images(args.backgrounds or [])
        if not args.no_procedural:
            bgs += get_backgrounds(cache, count=200)
        fonts = get_training_fonts(alphabet, cache, font_dirs, include_system=include_system)
        factory: Any = partial(make_crop_generator, alphabet=alphabet, fonts=fonts, backgrounds=bgs, height=height,
                          width=width, color=args.color, augment_level=args.augment, text_file=text_file,
                          cache_dir=cache)
        unit = "crops"
    else:
        width, height = args.width or 640, args.height or 640
        bgs = get_backgrounds(cache, photo_dirs=args.backgrounds, procedural=not args.no_procedural)
        groups = get_font_groups(alphabet, None, cache, font_dirs, include_system=include_system)
        lo, hi = args.font_size or (max(8, height // 26), max(12, height // 6))
        options = {"font_size": (lo, hi), "rotationX": args.rotation_xy, "rotationY": args.rotation_xy,
                   "rotationZ": args.rotation_z, "margin": args.margin if args.margin is not None else width // 32,
                   "augment_level": args.augment, "cache_dir": cache}
        factory = partial(make_page_generator, height=height, width=width, font_groups=groups, backgrounds=bgs,
                          alphabet=alphabet, text_file=text_file, options=options)
        unit = "images"
    out: Path | None = args.out
    if out is not None and earlier:  # only now, when the data can be made: a setting that fails keeps the old set
        _remove(out, earlier)
        print(f"removed the earlier synth output in {out} ({len(earlier)} file(s))", file=sys.stderr)
    samples: list[tuple[np.ndarray, Any]] = []
    pages = []
    labels: list[str] = []
    generator: Any = parallel_generator(factory, args.workers, args.seed)
    try:
        with ProgressBar(count, unit) as bar:
            for index, (image, label) in zip(range(count), generator):
                if args.preview is not None and len(samples) < 16:
                    samples.append((image, label))
                if out is not None:
                    if args.crops:
                        name = f"crops/{index:06d}.png"
                        _write_image(out / name, image)
                        labels.append(f"{name}\t{label}\n")
                    else:
                        name = f"synth_{index:06d}.jpg"
                        _write_image(out / "images" / name, image)
                        atomic_write_text(out / "chars" / f"synth_{index:06d}.json", _chars_json(label, f"images/{name}"))
                        pages.append(_page_of(label, width, height, str((out / "images" / name).resolve()),
                                              args.format == "studio"))
                bar.update()
    finally:
        generator.close()
    if out is not None:
        if args.crops:
            atomic_write_text(out / "labels.txt", "".join(labels))
        else:
            from ocr_core.formats import write_annotations

            write_annotations(pages, out, args.format, out / "images")
    if args.preview is not None:
        sheet = contact_sheet(samples)
        _write_image(args.preview, sheet)
    where = f" to {out}" if out is not None else ""
    print(f"wrote {count if out is not None else 0} {unit}{where}"
          + (f"; preview {args.preview}" if args.preview is not None else ""))
    return 0
