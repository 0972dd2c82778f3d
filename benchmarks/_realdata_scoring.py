"""Loading and scoring of the real-data sets (``<root>/<split>/``), as ``realdata/README.md`` defines them.

No TensorFlow here: plain numpy/OpenCV over :mod:`ocr_core.document` pages. Texts are compared after
:func:`ocr_core.evaluation.normalize_text` (NFKC, lower-case, keep only ``[0-9a-z]``); scenes use
:func:`ocr_core.evaluation.evaluate_pages` (one-to-one IoU >= 0.5 matching, ``###`` don't care).

>>> from ocr_core.document import Word
>>> line = Word(quad=[[0, 0], [100, 0], [100, 20], [0, 20]], text="TOTAL 5.00")
>>> preds = [Word(quad=[[60, 2], [95, 2], [95, 18], [60, 18]], text="5.00"),
...          Word(quad=[[2, 2], [50, 2], [50, 18], [2, 18]], text="Total")]
>>> receipt_lines([line], preds)
[('total500', 'total500', True)]
>>> bag_of_words_counts("The quick fox", ["the", "quick", "dog"]).f1
0.6666666666666666
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ocr_core.document import Page, Word
from ocr_core.errors import AnnotationFormatError
from ocr_core.evaluation import Counts, normalize_text

__all__ = [
    "IMAGE_SUFFIXES",
    "WordCrop",
    "load_word_crops",
    "load_scenes",
    "load_single_words",
    "load_documents",
    "load_receipts",
    "bag_of_words",
    "bag_of_words_counts",
    "receipt_lines",
    "line_accuracy",
    "word_found",
    "parse_tesseract_tsv",
    "format_table",
]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp")


# ---- loading ------------------------------------------------------------------------------------------------
@dataclass
class WordCrop:
    """One word crop: its image file, label and case rule (``cs`` case-sensitive, ``ci`` not)."""

    path: Path
    label: str
    case: str = "ci"


def _error(path: Path, message: str) -> AnnotationFormatError:
    return AnnotationFormatError(f"{path}: {message}")


def load_word_crops(folder: str | Path) -> list[WordCrop]:
    """``labels.tsv`` (header ``file label case``) of a ``words/`` folder."""
    folder = Path(folder)
    tsv = folder / "labels.tsv"
    try:
        text = tsv.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise _error(tsv, f"cannot read ({exc.strerror or exc})") from exc
    rows = list(csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["file", "label"]:
        raise _error(tsv, "expected a header line 'file<TAB>label<TAB>case'")
    crops = []
    for no, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2:
            raise _error(tsv, f"line {no}: expected 'file<TAB>label[<TAB>case]'")
        crops.append(WordCrop(folder / row[0], row[1], row[2].strip() if len(row) > 2 else "ci"))
    return crops


def load_scenes(folder: str | Path) -> list[Page]:
    """The ICDAR 2015 pages (``gt_<stem>.txt`` next to ``<stem>.jpg``) of a ``scenes/`` folder, by name."""
    from ocr_core.formats import get_codec

    pages = get_codec("icdar2015").read(Path(folder))
    for page in pages:
        if not page.image_path:
            raise _error(Path(folder), f"no image for ground truth {page.extra.get('name', '?')}")
    return pages


def _image_for(stem_path: Path) -> Path | None:
    for suffix in IMAGE_SUFFIXES:
        # name + suffix, not with_suffix: stems may hold dots themselves (``8071_093.3B.tif``)
        for candidate in (stem_path.with_name(stem_path.name + suffix),
                          stem_path.with_name(stem_path.name + suffix.upper())):
            if candidate.is_file():
                return candidate
    return None


def load_single_words(folder: str | Path) -> list[tuple[Path, str]]:
    """Images with one expected word: ``<stem>.txt`` (not ``gt_*``) holding the word, next to the image."""
    out = []
    for txt in sorted(Path(folder).glob("*.txt")):
        if txt.name.startswith("gt_"):
            continue
        image = _image_for(txt.with_suffix(""))
        if image is not None:
            out.append((image, txt.read_text(encoding="utf-8-sig").strip()))
    return out


def load_documents(folder: str | Path) -> list[tuple[Path, str]]:
    """``(image, page text)`` for each ``<stem>.txt`` with an image of the same stem."""
    return load_single_words(folder)


def load_receipts(folder: str | Path) -> list[tuple[Path, list[Word]]]:
    """``(image, lines)`` per line of ``gt.jsonl``; each line is a :class:`Word` (its box, its text)."""
    folder = Path(folder)
    gt = folder / "gt.jsonl"
    try:
        text = gt.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise _error(gt, f"cannot read ({exc.strerror or exc})") from exc
    out = []
    for no, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
            lines = [Word(quad=np.asarray(a["box"], np.float64).reshape(4, 2), text=str(a.get("text", "")))
                     for a in record["annotations"]]
            image = folder / record["file_name"]
        except (ValueError, KeyError, TypeError) as exc:
            raise _error(gt, f"line {no}: bad record ({exc})") from exc
        out.append((image, lines))
    return out


# ---- scoring ------------------------------------------------------------------------------------------------
def bag_of_words(texts: str | Iterable[str]) -> Counter[str]:
    """Multiset of normalised words: each text is split on white space, words normalising to nothing dropped.

    >>> sorted(bag_of_words("The (quick) the E-mail!").items())
    [('email', 1), ('quick', 1), ('the', 2)]
    """
    if isinstance(texts, str):
        texts = [texts]
    return Counter(w for t in texts for w in map(normalize_text, t.split()) if w)


def bag_of_words_counts(true_text: str | Iterable[str], pred_texts: str | Iterable[str]) -> Counts:
    """Bag-of-words true/false positives and negatives (sum the :class:`Counts` of pages for a set's F1)."""
    true, pred = bag_of_words(true_text), bag_of_words(pred_texts)
    tp = sum((true & pred).values())
    return Counts(tp=tp, fp=sum(pred.values()) - tp, fn=sum(true.values()) - tp)


def _contains(poly: np.ndarray, point: tuple[float, float]) -> bool:
    return cv2.pointPolygonTest(poly, (float(point[0]), float(point[1])), False) >= 0


def receipt_lines(lines: Sequence[Word], preds: Sequence[Word]) -> list[tuple[str, str, bool]]:
    """Per ground-truth line with a scorable text: ``(true, read, equal)``, both normalised.

    ``read`` joins, left to right (by centre x), the predicted words whose centres fall inside the line's
    polygon (on its border counts; a word inside two overlapping boxes counts for both). Lines whose
    text normalises to nothing are left out.
    """
    out = []
    for line in lines:
        true = normalize_text(line.text)
        if not true or line.ignore:
            continue
        poly = cv2.convexHull(line.quad.astype(np.float32)).reshape(-1, 1, 2)
        inside = sorted((w.center[0], i) for i, w in enumerate(preds) if _contains(poly, w.center))
        read = "".join(normalize_text(preds[i].text) for _, i in inside)
        out.append((true, read, read == true))
    return out


def line_accuracy(results: Sequence[tuple[str, str, bool]]) -> float:
    """Fraction of lines read right (0.0 for none)."""
    return sum(ok for _, _, ok in results) / len(results) if results else 0.0


def word_found(preds: Iterable[Word | str], word: str) -> bool:
    """Whether any predicted word normalises to ``word`` normalised."""
    target = normalize_text(word)
    return any(normalize_text(p if isinstance(p, str) else p.text) == target for p in preds)


def parse_tesseract_tsv(text: str) -> list[Word]:
    """Word boxes from ``tesseract IMG stdout tsv`` (level-5 rows with a non-blank text), as axis-aligned quads."""
    rows = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(rows, None)
    if header is None:
        return []
    col = {name: i for i, name in enumerate(header)}
    needed = ("level", "left", "top", "width", "height", "conf", "text")
    if any(n not in col for n in needed):
        raise ValueError(f"not Tesseract TSV output (header {header!r})")
    words = []
    for row in rows:
        if len(row) <= col["text"] or row[col["level"]] != "5" or not row[col["text"]].strip():
            continue
        x, y, w, h = (float(row[col[k]]) for k in ("left", "top", "width", "height"))
        quad = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=np.float64)
        words.append(Word(quad=quad, text=row[col["text"]].strip(), confidence=float(row[col["conf"]]) / 100.0))
    return words


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table with padded columns.

    >>> print(format_table(["a", "bb"], [["1", "2"]]))
    | a | bb |
    |---|----|
    | 1 | 2  |
    """
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    def fmt(row: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(header), rule, *(fmt(r) for r in rows)])
