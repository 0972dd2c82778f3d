"""labelme JSON: one ``<image stem>.json`` per image, with ``shapes`` of ``shape_type`` polygon/rectangle
(and X-AnyLabeling's ``rotation``: 4 corners and a ``direction`` angle in radians).

Where the text lives (the rule, applied per shape):

- if ``label`` is a class name (``text``, ``word``, ``line``, ``textline``... see :data:`CLASS_LABELS`,
  case-insensitive), the text is ``description`` (X-AnyLabeling / class-per-shape style);
- otherwise the text is ``label`` (``description`` is kept as it was).

``###`` or ``"difficult": true`` marks an ignored word; ``score`` is the confidence. A rectangle becomes a
4-point quad (and is written back as a rectangle while it stays upright); a polygon with more than 4 points
becomes its minimum-area rectangle (the original points are written back while the quad is unchanged);
a rotation shape stays one (its ``direction`` follows an edited quad). Other shapes (points, lines, circles,
masks), unknown top-level keys and unknown shape keys survive a load/save round trip. ``imageData`` is
dropped by default unless it is the only copy of the image (its file cannot be found);
``LabelmeCodec(image_data=True)`` keeps and embeds it.

>>> from ocr_core.formats import get_codec
>>> get_codec("labelme").can_write
True
"""

from __future__ import annotations

import base64
import io
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from ocr_core.document import IGNORE_TEXT, MAX_COORDINATE, Page, Word
from ocr_core.formats._common import (
    build_page,
    check_unique,
    first_existing,
    flag,
    format_error,
    image_size,
    in_images_subfolder,
    is_axis_aligned,
    json_number,
    namespace,
    number,
    page_name,
    polygon_to_quad,
    read_json,
    relative_posix,
    unchanged_polygon,
    write_json,
)

__all__ = ["LabelmeCodec", "CLASS_LABELS", "LABELME_VERSION"]

#: ``label`` values taken as a class name (the text then lives in ``description``).
CLASS_LABELS = frozenset({"text", "word", "words", "line", "textline", "text_line", "text-line", "ocr",
                          "textbox", "text_box", "text-box", "string"})
LABELME_VERSION = "5.5.0"
_NS = "labelme"
_MANAGED_PAGE_KEYS = ("version", "flags", "shapes", "imagePath", "imageData", "imageHeight", "imageWidth")


def _points(raw: Any) -> np.ndarray:
    if not isinstance(raw, list) or not all(isinstance(p, list) and len(p) == 2 for p in raw):
        raise ValueError(f"'points' must be a list of [x, y] pairs, got {raw!r}"[:200])
    return np.array([[number(x), number(y)] for x, y in raw], dtype=np.float64).reshape(-1, 2)


def _direction(quad: np.ndarray) -> float:
    """X-AnyLabeling's ``direction`` of a rotation shape: the angle of its first edge, in [0, 2π) radians."""
    (x0, y0), (x1, y1) = quad[0], quad[1]
    return round(math.atan2(y1 - y0, x1 - x0) % (2 * math.pi), 6)


def _embedded_size(image_data: Any) -> tuple[int, int] | None:
    """``(width, height)`` of base64 ``imageData`` (as labelme reads it), or ``None`` if absent or unreadable."""
    if not isinstance(image_data, str) or not image_data:
        return None
    try:
        from PIL import Image

        with Image.open(io.BytesIO(base64.b64decode(image_data))) as img:  # reads the header only
            return int(img.width), int(img.height)
    except Exception:  # noqa: BLE001 - an unreadable image only means "size unknown"
        return None


class LabelmeCodec:
    """Reads and writes labelme JSON files (one file or a folder of ``*.json``)."""

    name = "labelme"
    description = "labelme JSON per image (text in label, or in description when label is a class name)"
    can_read = True
    can_write = True

    def __init__(self, *, image_data: bool = False) -> None:
        self.image_data = image_data

    # ---- reading -------------------------------------------------------------------------------------
    def _shape_to_word(self, shape: Any, source: Path, k: int) -> Word | None:
        if not isinstance(shape, dict):
            raise format_error(source, f"shapes[{k}]: expected a JSON object")
        shape_type = shape.get("shape_type") or "polygon"
        label = shape.get("label", "")
        description = shape.get("description")
        if not isinstance(label, str) or not isinstance(description, (str, type(None))):
            raise format_error(source, f"shapes[{k}]: 'label' and 'description' must be strings")
        try:
            pts = _points(shape.get("points"))
            if shape_type == "rectangle" and len(pts) == 2:
                x0, y0 = pts.min(axis=0)
                x1, y1 = pts.max(axis=0)
                quad = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
            elif (shape_type in ("polygon", "rectangle") and len(pts) >= 3) or \
                    (shape_type == "rotation" and len(pts) == 4):
                quad = polygon_to_quad(pts)
            else:
                return None  # not a text box (point, line, circle, mask...): kept verbatim on the page
            score = shape.get("score")
            confidence = None if score is None else number(score)
        except ValueError as exc:
            raise format_error(source, f"shapes[{k}]: {exc}") from exc
        text = (description or "") if label.strip().lower() in CLASS_LABELS else label
        kept = {key: value for key, value in shape.items() if key != "points"}
        meta: dict[str, Any] = {"shape": kept}
        if (len(pts) != 4 and shape_type == "polygon") or shape_type == "rotation":
            meta["polygon"] = shape["points"]  # as written (ints stay ints)
        ignore = flag(shape.get("difficult", False)) or text == IGNORE_TEXT
        return Word(quad=quad, text=text, confidence=confidence, ignore=ignore, extra={_NS: meta})

    def read_file(self, path: Path, *, images_dir: Path | None = None) -> Page:
        path = Path(path)
        data = read_json(path)
        if not isinstance(data, dict) or not isinstance(data.get("shapes"), list):
            raise format_error(path, "not a labelme file: expected a JSON object with a 'shapes' list")
        words, others = [], []
        for k, shape in enumerate(data["shapes"]):
            word = self._shape_to_word(shape, path, k)
            if word is None:
                others.append(shape)
            else:
                words.append(word)
        image_ref = data.get("imagePath")
        if image_ref is not None and not isinstance(image_ref, str):
            raise format_error(path, "'imagePath' must be a string")
        rel = (image_ref or "").replace("\\", "/")
        name = rel.rsplit("/", 1)[-1]
        image = first_existing([path.parent / rel if rel else None,
                                images_dir / name if images_dir and name else None,
                                in_images_subfolder(path.parent, name)])
        meta: dict[str, Any] = {"keys": {k: v for k, v in data.items() if k not in ("shapes", "imagePath",
                                                                                   "imageData", "imageHeight",
                                                                                   "imageWidth")}}
        if others:
            meta["other_shapes"] = others
        class_labels = [w.extra[_NS]["shape"].get("label") for w in words
                        if str(w.extra[_NS]["shape"].get("label", "")).strip().lower() in CLASS_LABELS]
        if class_labels and len(class_labels) * 2 >= len(words):
            meta["class_label"] = class_labels[0]
        embedded = data.get("imageData")
        if isinstance(embedded, str) and embedded and (self.image_data or image is None):
            meta["imageData"] = embedded  # without the image file, the only copy of the image
        width, height = data.get("imageWidth"), data.get("imageHeight")
        try:
            width, height = int(number(width)), int(number(height))
            if not (0 < width <= MAX_COORDINATE and 0 < height <= MAX_COORDINATE):
                raise ValueError("not a size")
        except (ValueError, OverflowError):  # missing or impossible: the image's own, else the words' extent
            size = image_size(image) if image is not None else _embedded_size(meta.get("imageData"))
            width, height = size if size else (None, None)
        image_path = os.path.abspath(image if image is not None else path.parent / rel) if rel else None
        extra: dict[str, Any] = {_NS: meta}
        if image_path is None:
            extra["name"] = path.stem
        return build_page(words, width, height, image_path=image_path, extra=extra)

    def read(self, path: Path, *, images_dir: Path | None = None) -> list[Page]:
        """Read one labelme JSON file or every ``*.json`` of a folder (sidecars ``*.ocr.json`` excluded)."""
        path = Path(path)
        if path.is_dir():
            files = sorted(p for p in path.glob("*.json") if not p.name.endswith(".ocr.json"))
            if not files:
                raise format_error(path, "no labelme *.json files in this folder")
            return [self.read_file(f, images_dir=images_dir) for f in files]
        return [self.read_file(path, images_dir=images_dir)]

    # ---- writing -------------------------------------------------------------------------------------
    @staticmethod
    def _word_to_shape(word: Word, class_label: str | None) -> dict[str, Any]:
        meta = namespace(word.extra, _NS)
        stored = dict(namespace(meta, "shape"))
        shape: dict[str, Any] = stored or {"label": "", "points": [], "group_id": None, "description": "",
                                          "shape_type": "polygon", "flags": {}}
        text_value = word.text or (IGNORE_TEXT if word.ignore else "")
        label = str(stored.get("label", class_label or ""))
        if label.strip().lower() in CLASS_LABELS:
            shape["label"], shape["description"] = label, text_value
        else:
            shape["label"] = text_value
        if (word.ignore and text_value != IGNORE_TEXT) or "difficult" in stored:
            shape["difficult"] = bool(word.ignore)
        if word.confidence is not None:
            shape["score"] = round(float(word.confidence), 4)
        elif "score" in stored:
            shape["score"] = None  # X-AnyLabeling's "no score"
        polygon = meta.get("polygon")
        shape_type = "rotation" if stored.get("shape_type") == "rotation" else "polygon"
        if polygon is not None and unchanged_polygon(polygon, word.quad):
            shape["points"], shape["shape_type"] = polygon, shape_type
        elif stored.get("shape_type") == "rectangle" and is_axis_aligned(word.quad):
            corners = [word.quad[0], word.quad[2]]
            shape["points"] = [[json_number(x), json_number(y)] for x, y in corners]
        else:
            shape["points"] = [[json_number(x), json_number(y)] for x, y in word.quad]
            shape["shape_type"] = shape_type
            if shape_type == "rotation":  # the stored angle holds while the box is only moved or resized
                turned = polygon is None or not math.isclose(_direction(polygon_to_quad(polygon)),
                                                             _direction(word.quad), abs_tol=1e-6)
                if turned or "direction" not in shape:
                    shape["direction"] = _direction(word.quad)
        return shape

    def page_to_json(self, page: Page, json_dir: Path, index: int = 0) -> dict[str, Any]:
        """The labelme JSON object of ``page`` for a file written into ``json_dir``."""
        meta = namespace(page.extra, _NS)
        keys = dict(namespace(meta, "keys"))
        shapes = [self._word_to_shape(w, meta.get("class_label")) for w in page.words]
        shapes += list(meta.get("other_shapes") or [])
        if page.image_path:
            image_ref = relative_posix(page.image_path, json_dir)
        else:
            image_ref = f"{page_name(page, index)}.jpg"
        data: dict[str, Any] = {"version": keys.pop("version", LABELME_VERSION), "flags": keys.pop("flags", {}),
                                "shapes": shapes}
        data.update({k: v for k, v in keys.items() if k not in _MANAGED_PAGE_KEYS})
        data["imagePath"] = image_ref
        data["imageData"] = self._image_data(page, meta)
        data["imageHeight"] = int(page.height)
        data["imageWidth"] = int(page.width)
        return data

    def _image_data(self, page: Page, meta: dict[str, Any]) -> str | None:
        """The image file's bytes with ``image_data=True``; the embedded copy read with the page while
        no image file can be found (else labelme could not open the file); otherwise ``None``."""
        if page.image_path and Path(page.image_path).is_file():
            if not self.image_data:
                return None
            return base64.b64encode(Path(page.image_path).read_bytes()).decode("ascii")
        stored = meta.get("imageData")
        return stored if isinstance(stored, str) else None

    def write(self, pages: list[Page], out: Path, *, images_dir: Path | None = None) -> list[Path]:
        """Write ``<image stem>.json`` per page into the folder ``out`` (or ``out`` itself if it ends in
        ``.json`` and there is one page)."""
        out = Path(out)
        if out.suffix.lower() == ".json":
            if len(pages) != 1:
                raise format_error(out, f"{len(pages)} pages need a folder, not one .json file")
            targets = [out]
        else:
            targets = [out / f"{page_name(p, i)}.json" for i, p in enumerate(pages)]
        check_unique(targets)
        for i, (page, target) in enumerate(zip(pages, targets)):
            write_json(target, self.page_to_json(page, target.parent, i))
        return targets
