"""PPOCRLabel (PaddleOCR's annotation tool) files.

- ``Label.txt``: ``<folder>/<file>\\t<JSON list of {"transcription", "points", "difficult"}>`` per image;
  the key is the image's folder name and file name, which is how PPOCRLabel looks images up (it keeps
  ``Label.txt`` in the image folder; PaddleOCR's training reads the key from the folder above).
  ``difficult`` <-> :attr:`Word.ignore`; the transcription keeps the word's text (``###`` when it has none).
  Other box keys (``key_cls``, ``id``, ``linking``...) survive a round trip. Points other than 4 (PPOCRLabel's
  polygons) become their minimum-area rectangle, and are written back as they were while the box is unchanged.
- ``Cache.cach``: the same lines for every image PPOCRLabel has labelled, checked or not (``Label.txt`` holds the
  checked ones). Reading takes its images that ``Label.txt`` lacks; writing puts every page in both, so that
  PPOCRLabel, which rewrites ``Label.txt`` with the checked images only, keeps the others in its cache.
- ``fileState.txt``: ``<absolute image path>\\t1`` per checked image <-> :attr:`Page.checked` (matched by
  absolute path, else by ``<folder>/<file>`` so a moved folder still matches).
- ``rec_gt.txt`` + ``crop_img/<stem>_crop_<i>.jpg``: recognition crops (perspective corrected), written on
  export for every legible word whose image can be found; ``i`` is the word's index on its page. ``rec_gt.txt`` is
  always written (empty without crops), and crops of the exported images that an earlier export wrote and this one
  does not are removed (only files named ``<stem>_crop_<i>.jpg`` for the stems written), so no stale crop stays
  listed or lying in ``crop_img/``.

>>> from ocr_core.formats import get_codec
>>> get_codec("ppocrlabel").name
'ppocrlabel'
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ocr_core.atomic import atomic_write_text, remove_written_file
from ocr_core.document import IGNORE_TEXT, Page, Word
from ocr_core.formats._common import (
    build_page,
    check_unique,
    first_existing,
    flag,
    format_error,
    image_size,
    in_images_subfolder,
    json_number,
    namespace,
    number,
    page_name,
    polygon_to_quad,
    read_text,
    text_lines,
    unchanged_polygon,
)

__all__ = ["PPOCRLabelCodec", "LABEL_FILE", "CACHE_FILE", "STATE_FILE", "REC_FILE", "CROP_DIR"]

LABEL_FILE = "Label.txt"
CACHE_FILE = "Cache.cach"
STATE_FILE = "fileState.txt"
REC_FILE = "rec_gt.txt"
CROP_DIR = "crop_img"
_NS = "ppocrlabel"
_KNOWN_KEYS = ("transcription", "points", "difficult")


def _tail(path: str) -> tuple[str, ...]:
    """The last two components of a path written on any OS (``folder``, ``file``)."""
    parts = [p for p in path.replace("\\", "/").split("/") if p]
    return tuple(parts[-2:])


class PPOCRLabelCodec:
    """Reads ``Label.txt`` (+ ``fileState.txt``); writes them plus ``rec_gt.txt`` and ``crop_img/``."""

    name = "ppocrlabel"
    description = "PPOCRLabel: Label.txt, fileState.txt (checked), rec_gt.txt + crop_img/ (word crops)"
    can_read = True
    can_write = True

    # ---- reading -------------------------------------------------------------------------------------
    @staticmethod
    def _parse_boxes(raw: str, source: Path, no: int) -> list[Word]:
        try:
            boxes = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise format_error(source, f"broken JSON after the tab: {exc.msg} (column {exc.colno})", no) from exc
        if not isinstance(boxes, list):
            raise format_error(source, "expected a JSON list of boxes after the tab", no)
        words = []
        for k, box in enumerate(boxes):
            if not isinstance(box, dict):
                raise format_error(source, f"box {k}: expected a JSON object", no)
            points = box.get("points")
            try:
                quad = _quad(points)
            except ValueError as exc:
                raise format_error(source, f"box {k}: {exc}", no) from exc
            text = box.get("transcription", "")
            if not isinstance(text, str):
                raise format_error(source, f"box {k}: 'transcription' must be a string", no)
            others = {key: value for key, value in box.items() if key not in _KNOWN_KEYS}
            word = Word(quad=quad, text=text, ignore=flag(box.get("difficult", False)) or text == IGNORE_TEXT)
            if others:
                word.extra[_NS] = {"keys": others}
            if isinstance(points, list) and len(points) != 4:  # a polygon: written back as it was while the box is not changed
                word.extra.setdefault(_NS, {})["points"] = points
            words.append(word)
        return words

    @staticmethod
    def _read_states(label_dir: Path) -> tuple[set[str], set[tuple[str, ...]]]:
        state_file = label_dir / STATE_FILE
        if not state_file.is_file():
            return set(), set()
        absolute: set[str] = set()
        tails: set[tuple[str, ...]] = set()
        for no, line in enumerate(text_lines(read_text(state_file)), 1):
            if not line.strip():
                continue
            path, sep, flag = line.rpartition("\t")
            if not sep:
                raise format_error(state_file, "expected '<image path>\\t1'", no)
            if flag.strip() == "1":
                absolute.add(os.path.normcase(os.path.abspath(path)))
                tails.add(_tail(path))
        return absolute, tails

    def read(self, path: Path, *, images_dir: Path | None = None) -> list[Page]:
        """Read ``Label.txt`` (a folder holding it, or the file itself) and ``fileState.txt`` beside it."""
        path = Path(path)
        label_file = path / LABEL_FILE if path.is_dir() else path
        if path.is_dir() and not label_file.is_file() and (path / CACHE_FILE).is_file():
            label_file = path / CACHE_FILE  # labelled in PPOCRLabel, none checked yet
        if not label_file.is_file():
            raise format_error(label_file, "no such file")
        label_dir = label_file.parent
        checked_abs, checked_tails = self._read_states(label_dir)
        entries = self._read_lines(label_file)
        cache_file = label_dir / CACHE_FILE
        if label_file.name != CACHE_FILE and cache_file.is_file():  # images labelled but not checked yet
            seen = {_tail(key) for key, _ in entries}
            entries += [entry for entry in self._read_lines(cache_file) if _tail(entry[0]) not in seen]
        pages = []
        for key, words in entries:
            rel = key.replace("\\", "/")
            name = rel.rsplit("/", 1)[-1]
            guess = label_dir.parent / rel
            image = first_existing([guess, label_dir / rel, label_dir / name, images_dir / name if images_dir else None,
                                    images_dir / rel if images_dir else None, in_images_subfolder(label_dir, name)])
            image_path = os.path.abspath(image if image is not None else guess)
            size = image_size(image) if image is not None else None
            checked = (os.path.normcase(image_path) in checked_abs or _tail(rel) in checked_tails
                       or _tail(image_path) in checked_tails)
            width, height = size if size else (None, None)
            pages.append(build_page(words, width, height, image_path=image_path, checked=checked,
                                    extra={_NS: {"key": key}}))
        return pages

    def _read_lines(self, label_file: Path) -> list[tuple[str, list[Word]]]:
        """``(key, words)`` of each image in a ``Label.txt`` or ``Cache.cach``."""
        entries = []
        for no, line in enumerate(text_lines(read_text(label_file)), 1):
            if not line.strip():
                continue
            key, sep, raw = line.partition("\t")
            if not sep or not key.strip():
                raise format_error(label_file, "expected '<folder>/<image>\\t<JSON list of boxes>'", no)
            entries.append((key, self._parse_boxes(raw, label_file, no)))
        return entries

    # ---- writing -------------------------------------------------------------------------------------
    @staticmethod
    def _key(page: Page, index: int, out: Path) -> str:
        if page.image_path:  # PPOCRLabel finds an image's boxes by its folder and file name only
            image = Path(os.path.abspath(page.image_path))
            return f"{image.parent.name}/{image.name}"
        stored = namespace(page.extra, _NS).get("key")
        return str(stored) if stored else f"{out.name}/{page_name(page, index)}"

    @staticmethod
    def _boxes(page: Page) -> list[dict[str, Any]]:
        boxes = []
        for word in page.words:
            points: Any = [[json_number(x), json_number(y)] for x, y in word.quad]
            original = namespace(word.extra, _NS).get("points")
            if original is not None and unchanged_polygon(original, word.quad):
                points = original
            box: dict[str, Any] = {
                "transcription": word.text or (IGNORE_TEXT if word.ignore else ""),
                "points": points,
                "difficult": bool(word.ignore),
            }
            box.update(namespace(namespace(word.extra, _NS), "keys"))
            boxes.append(box)
        return boxes

    def write(self, pages: list[Page], out: Path, *, images_dir: Path | None = None) -> list[Path]:
        """Write ``Label.txt``, ``Cache.cach``, ``fileState.txt``, ``rec_gt.txt`` and, where images are found,
        the crops into the folder ``out``; then remove the stale crops of these images (see the module docstring)
        through :func:`~ocr_core.atomic.remove_written_file`, so that a plan lists them and a guard can put them
        back."""
        out = Path(out)
        if out.suffix.lower() == ".txt":
            raise format_error(out, "PPOCRLabel output is a folder (Label.txt, fileState.txt, crop_img/)")
        keys = [self._key(p, i, out) for i, p in enumerate(pages)]
        check_unique([out / k for k in keys])
        label_lines, state_lines, rec_lines = [], [], []
        written: list[Path] = []
        stems: set[str] = set()
        for i, (page, key) in enumerate(zip(pages, keys)):
            stems.add(page_name(page, i))
            boxes = json.dumps(self._boxes(page), ensure_ascii=False)
            label_lines.append(f"{key}\t{boxes}\n")
            if page.checked:
                state_lines.append(f"{os.path.abspath(page.image_path or out.parent / key)}\t1\n")
            image = first_existing([Path(page.image_path) if page.image_path else None,
                                    images_dir / Path(key).name if images_dir else None])
            if image is not None:
                crops = self._write_crops(page, image, out, page_name(page, i))
                written += [out / rel for rel, _ in crops]
                rec_lines += [f"{rel}\t{text}\n" for rel, text in crops]
        atomic_write_text(out / LABEL_FILE, "".join(label_lines))
        atomic_write_text(out / CACHE_FILE, "".join(label_lines))
        atomic_write_text(out / STATE_FILE, "".join(state_lines))
        atomic_write_text(out / REC_FILE, "".join(rec_lines))
        for stale in self._stale_crops(out, stems, set(written)):  # after every write succeeded
            remove_written_file(stale)
        return [out / LABEL_FILE, out / STATE_FILE, out / REC_FILE] + written + [out / CACHE_FILE]

    @staticmethod
    def _stale_crops(out: Path, stems: set[str], keep: set[Path]) -> list[Path]:
        """The files ``crop_img/<stem>_crop_<i>.jpg`` of ``out`` for the ``stems`` written, other than ``keep``:
        crops an earlier export made of these images. Other files there are never among them."""
        try:
            files = sorted((out / CROP_DIR).iterdir())
        except OSError:  # no crop folder (yet)
            return []
        stale = []
        for path in files:
            stem, sep, index = path.name.removesuffix(".jpg").rpartition("_crop_")
            if (path.name.endswith(".jpg") and sep and index.isascii() and index.isdigit() and stem in stems
                    and path not in keep and path.is_file()):
                stale.append(path)
        return stale

    @staticmethod
    def _write_crops(page: Page, image_file: Path, out: Path, stem: str) -> list[tuple[str, str]]:
        """Perspective-corrected crops of the legible words; returns ``(relative path, text)`` pairs."""
        words = [(i, w) for i, w in enumerate(page.words) if not w.ignore and w.text.strip()]
        if not words:
            return []
        from ocr_core.geometry import crop_quad
        from ocr_core.imageio import read_image, write_image

        image = read_image(image_file)
        crops = []
        for i, word in words:
            crop = crop_quad(image, word.quad)
            if crop.size == 0:
                continue
            rel = f"{CROP_DIR}/{stem}_crop_{i}.jpg"
            write_image(out / rel, crop)  # atomic, JPEG quality 95
            text = word.text.replace("\t", " ").replace("\n", " ")
            crops.append((rel, text))
        return crops


def _quad(points: Any) -> np.ndarray:
    """A quad from PPOCRLabel ``points`` (4 or more, :func:`polygon_to_quad`); ``ValueError`` saying what is wrong."""
    if not isinstance(points, list) or len(points) < 4:
        raise ValueError(f"'points' must be a list of 4 or more [x, y] pairs, got {points!r}"[:200])
    coords = []
    for point in points:
        if not isinstance(point, list) or len(point) != 2:
            raise ValueError(f"each point must be [x, y], got {point!r}")
        coords.append([number(point[0]), number(point[1])])
    return polygon_to_quad(coords)

