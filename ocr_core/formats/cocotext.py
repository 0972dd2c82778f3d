"""COCO-Text style JSON: one file for many images.

``{"imgs": {"<id>": {"id", "file_name", "width", "height", ...}}, "anns": {"<id>": {"id", "image_id",
"bbox": [x, y, w, h], "mask": [x1, y1, ..., x4, y4], "utf8_string", "legibility", "class", ...}},
"imgToAnns": {"<image id>": [ann ids]}}``. ``legibility: "illegible"`` <-> :attr:`Word.ignore`. A 4-point
``mask`` is the quad; other masks become their minimum-area rectangle (the original mask is written back
while the quad is unchanged); without a mask the ``bbox`` is used. Image paths are ``file_name`` relative to
``images_dir`` (default: the JSON file's folder). Extra image and annotation keys (``set``, ``class``,
``language``...) survive a round trip; pages and words from other formats get the fields the official API
and evaluation need (``set`` ``"train"``, ``class`` ``"machine printed"``, ``language`` ``"english"``, or
``"not english"`` for non-ASCII text); other top-level keys are written as ``info``/``cats`` defaults.

>>> from ocr_core.formats import get_codec
>>> get_codec("cocotext").description.startswith("COCO-Text")
True
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ocr_core.document import IGNORE_TEXT, Page, Word
from ocr_core.formats._common import (
    build_page,
    first_existing,
    format_error,
    in_images_subfolder,
    json_number,
    namespace,
    number,
    page_name,
    polygon_to_quad,
    read_json,
    rect_quad,
    relative_posix,
    unchanged_polygon,
    write_json,
)

__all__ = ["CocoTextCodec"]

_NS = "cocotext"
_IMG_KEYS = ("id", "file_name", "width", "height")
_ANN_KEYS = ("id", "image_id", "bbox", "mask", "utf8_string", "legibility", "area", "score")


def _unique_ids(wanted: list[Any]) -> list[int]:
    """Keep the original integer ids when they are all present and distinct, else number from 1."""
    if wanted and all(isinstance(w, int) and not isinstance(w, bool) for w in wanted) \
            and len(set(wanted)) == len(wanted):
        return list(wanted)
    return list(range(1, len(wanted) + 1))


class CocoTextCodec:
    """Reads and writes COCO-Text (v2 style) JSON."""

    name = "cocotext"
    description = "COCO-Text JSON (imgs, anns with bbox/mask, utf8_string, legibility), many images per file"
    can_read = True
    can_write = True

    # ---- reading -------------------------------------------------------------------------------------
    @staticmethod
    def _ann_to_word(ann: Any, source: Path, ann_id: str) -> Word:
        where = f"anns[{ann_id}]"
        if not isinstance(ann, dict):
            raise format_error(source, f"{where}: expected a JSON object")
        try:
            mask = ann.get("mask")
            if isinstance(mask, list) and len(mask) >= 6 and len(mask) % 2 == 0:
                quad = polygon_to_quad([number(v) for v in mask])
            else:
                bbox = ann.get("bbox")
                if not isinstance(bbox, list) or len(bbox) != 4:
                    raise ValueError("needs a 'bbox' [x, y, w, h] or a 'mask' polygon")
                x, y, w, h = (number(v) for v in bbox)
                quad = rect_quad(x, y, x + w, y + h)
            score = ann.get("score")
            confidence = None if score is None else number(score)
        except ValueError as exc:
            raise format_error(source, f"{where}: {exc}") from exc
        text = ann.get("utf8_string", "")
        if not isinstance(text, str):
            raise format_error(source, f"{where}: 'utf8_string' must be a string")
        kept = {k: v for k, v in ann.items() if k not in _ANN_KEYS}
        word = Word(quad=quad, text=text, confidence=confidence,
                    ignore=ann.get("legibility") == "illegible" or text == IGNORE_TEXT)
        word.extra[_NS] = {"id": ann.get("id"), "keys": kept}
        if isinstance(mask, list) and len(mask) != 8 and len(mask) >= 6 and len(mask) % 2 == 0:
            word.extra[_NS]["mask"] = mask  # a polygon as written: back while the quad is unchanged
        return word

    def read(self, path: Path, *, images_dir: Path | None = None) -> list[Page]:
        """Read every image of a COCO-Text JSON file, in the order of ``imgs``."""
        path = Path(path)
        data = read_json(path)
        if not isinstance(data, dict) or not isinstance(data.get("imgs"), dict) \
                or not isinstance(data.get("anns"), dict):
            raise format_error(path, "not COCO-Text: expected a JSON object with 'imgs' and 'anns' objects")
        anns: dict[str, Any] = data["anns"]
        by_image: dict[str, list[str]] = {}
        index = data.get("imgToAnns")
        if isinstance(index, dict):
            for img_id, ids in index.items():
                if not isinstance(ids, list):
                    raise format_error(path, f"imgToAnns[{img_id}]: expected a list of annotation ids")
                by_image[str(img_id)] = [str(i) for i in ids]
        else:
            for ann_id, ann in anns.items():
                image_id = ann.get("image_id") if isinstance(ann, dict) else None
                by_image.setdefault(str(image_id), []).append(str(ann_id))
        base = images_dir or path.parent
        pages = []
        for img_key, img in data["imgs"].items():
            if not isinstance(img, dict):
                raise format_error(path, f"imgs[{img_key}]: expected a JSON object")
            try:
                width, height = int(number(img.get("width"))), int(number(img.get("height")))
            except ValueError as exc:
                raise format_error(path, f"imgs[{img_key}]: 'width'/'height': {exc}") from exc
            file_name = img.get("file_name")
            if not isinstance(file_name, str) or not file_name:
                raise format_error(path, f"imgs[{img_key}]: 'file_name' must be a non-empty string")
            words = []
            for ann_id in by_image.get(str(img.get("id", img_key)), by_image.get(str(img_key), [])):
                if ann_id not in anns:
                    raise format_error(path, f"imgToAnns[{img_key}]: no annotation with id {ann_id}")
                words.append(self._ann_to_word(anns[ann_id], path, ann_id))
            extra = {_NS: {"id": img.get("id"), "keys": {k: v for k, v in img.items() if k not in _IMG_KEYS}}}
            rel = file_name.replace("\\", "/")
            found = first_existing([base / rel, base / rel.rsplit("/", 1)[-1], path.parent / rel,
                                    in_images_subfolder(path.parent, rel.rsplit("/", 1)[-1])])
            image_path = os.path.abspath(found if found is not None else base / rel)
            pages.append(build_page(words, width, height, image_path=image_path, extra=extra))
        return pages

    # ---- writing -------------------------------------------------------------------------------------
    def to_json(self, pages: list[Page], json_dir: Path, images_dir: Path | None = None) -> dict[str, Any]:
        """The COCO-Text object for ``pages``; file names are relative to ``images_dir`` or ``json_dir``."""
        base = images_dir or json_dir
        img_ids = _unique_ids([namespace(p.extra, _NS).get("id") for p in pages])
        words = [w for p in pages for w in p.words]
        ann_ids = iter(_unique_ids([namespace(w.extra, _NS).get("id") for w in words]))
        imgs: dict[str, Any] = {}
        anns: dict[str, Any] = {}
        img_to_anns: dict[str, list[int]] = {}
        for i, (page, img_id) in enumerate(zip(pages, img_ids)):
            file_name = relative_posix(page.image_path, base) if page.image_path else f"{page_name(page, i)}.jpg"
            img = {"id": img_id, "file_name": file_name, "width": int(page.width), "height": int(page.height),
                   "set": "train"}
            img.update(namespace(namespace(page.extra, _NS), "keys"))
            imgs[str(img_id)] = img
            img_to_anns[str(img_id)] = []
            for word in page.words:
                ann_id = next(ann_ids)
                meta = namespace(word.extra, _NS)
                mask = meta.get("mask")
                if mask is None or not unchanged_polygon(mask, word.quad):
                    mask = [json_number(v) for v in np.asarray(word.quad).reshape(-1)]
                pts = np.asarray(mask, dtype=np.float64).reshape(-1, 2)
                (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
                text = "" if word.text == IGNORE_TEXT else word.text
                ann: dict[str, Any] = {
                    "id": ann_id,
                    "image_id": img_id,
                    "bbox": [json_number(x0), json_number(y0), json_number(x1 - x0), json_number(y1 - y0)],
                    "mask": mask,
                    "area": json_number((x1 - x0) * (y1 - y0)),
                    "utf8_string": text,
                    "legibility": "illegible" if word.ignore else "legible",
                    "class": "machine printed",
                    "language": "english" if text.isascii() else "not english",
                }
                ann.update(namespace(meta, "keys"))
                if word.confidence is not None:
                    ann["score"] = round(float(word.confidence), 4)
                anns[str(ann_id)] = ann
                img_to_anns[str(img_id)].append(ann_id)
        return {"cats": {}, "info": {"description": "written by OCR Studio"}, "imgs": imgs, "anns": anns,
                "imgToAnns": img_to_anns}

    def write(self, pages: list[Page], out: Path, *, images_dir: Path | None = None) -> list[Path]:
        """Write one JSON file (``out`` ending in ``.json``, or ``out/cocotext.json`` for a folder)."""
        out = Path(out)
        target = out if out.suffix.lower() == ".json" else out / "cocotext.json"
        write_json(target, self.to_json(pages, target.parent, images_dir), indent=None)
        return [target]
