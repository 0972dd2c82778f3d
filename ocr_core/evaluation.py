"""Scoring detection and recognition against ground truth (plain numpy; no TensorFlow).

Detection precision/recall/F1 use ONE-TO-ONE matching (greedy by IoU: the best remaining pair first,
each box used once). Ground truth marked ``###`` (``Word.ignore``) is don't-care: predictions on it count
neither way. End-to-end F1 also needs equal normalised texts. No metric divides by zero.

>>> from ocr_core.document import Page, Word
>>> box = [[0, 0], [10, 0], [10, 5], [0, 5]]
>>> true = Page.from_words([Word(quad=box, text="Hello!")], 20, 10, group_lines=False)
>>> pred = Page.from_words([Word(quad=box, text="hello")], 20, 10, group_lines=False)
>>> report = evaluate_pages([true], [pred])
>>> report.detection.f1, report.end_to_end.f1
(1.0, 1.0)

keras-ocr's ``score(true, pred, iou_threshold, similarity_threshold, translator)`` keeps its name and
return shape, with one-to-one matching and zero-safe ratios.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from ocr_core.document import Page
from ocr_core.geometry import polygon_iou, quad_from_rect
from ocr_core.postprocess.lexicon import edit_distance  # one Levenshtein for scoring and decoding

__all__ = [
    "normalize_text",
    "edit_distance",
    "character_error_rate",
    "word_accuracy",
    "recognition_metrics",
    "match_one_to_one",
    "Counts",
    "PageScore",
    "EvalReport",
    "evaluate_page",
    "evaluate_pages",
    "score",
    "iou_score",
]

Normalizer = Callable[[str], str]


def normalize_text(text: str) -> str:
    """The real-data scoring rule: NFKC, lower-case, keep only ``[0-9a-z]``.

    >>> normalize_text("Café-Bar 24/7")
    'cafbar247'
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(c for c in folded if ("0" <= c <= "9") or ("a" <= c <= "z"))


def _normalizer(normalize: bool | Normalizer | None) -> Normalizer:
    if normalize is True:
        return normalize_text
    if normalize in (False, None):
        return lambda s: s
    return normalize  # type: ignore[return-value]


def _ratio(num: float, den: float, empty: float) -> float:
    return float(num) / float(den) if den else empty


def character_error_rate(true_texts: Sequence[str], pred_texts: Sequence[str],
                         normalize: bool | Normalizer | None = None) -> float:
    """Total edit distance over total ground-truth characters (0.0 when there is nothing to read)."""
    norm = _normalizer(normalize)
    errors = sum(edit_distance(norm(t), norm(p)) for t, p in zip(true_texts, pred_texts, strict=True))
    chars = sum(len(norm(t)) for t in true_texts)
    return _ratio(errors, chars, 0.0 if errors == 0 else 1.0)


def word_accuracy(true_texts: Sequence[str], pred_texts: Sequence[str],
                  normalize: bool | Normalizer | None = None) -> float:
    """Fraction of words read exactly (after ``normalize``); 0.0 for no words."""
    norm = _normalizer(normalize)
    right = sum(norm(t) == norm(p) for t, p in zip(true_texts, pred_texts, strict=True))
    return _ratio(right, len(true_texts), 0.0)


def recognition_metrics(true_texts: Sequence[str], pred_texts: Sequence[str],
                        normalize: bool | Normalizer | None = None) -> dict[str, float]:
    """``{"words", "word_accuracy", "cer"}`` for paired texts (e.g. word crops)."""
    return {"words": len(true_texts), "word_accuracy": word_accuracy(true_texts, pred_texts, normalize),
            "cer": character_error_rate(true_texts, pred_texts, normalize)}


def _hull(quad: Any) -> np.ndarray:
    return cv2.convexHull(np.asarray(quad, np.float32).reshape(-1, 2)).reshape(-1, 2)


def _area(poly: np.ndarray) -> float:
    return float(abs(cv2.contourArea(poly))) if len(poly) >= 3 else 0.0


def _overlaps(a: Any, b: Any) -> tuple[float, float]:
    """(IoU, intersection / area of ``a``) of two (convex-hulled) polygons."""
    pa, pb = _hull(a), _hull(b)
    area_a, area_b = _area(pa), _area(pb)
    if area_a <= 0 or area_b <= 0:
        return 0.0, 0.0
    inter, _ = cv2.intersectConvexConvex(pa, pb)
    inter = max(float(inter), 0.0)
    union = area_a + area_b - inter
    return (inter / union if union > 0 else 0.0), inter / area_a


def match_one_to_one(true_quads: Sequence[Any], pred_quads: Sequence[Any], iou_threshold: float = 0.5,
                     allowed: Callable[[int, int], bool] | None = None) -> list[tuple[int, int, float]]:
    """Greedy one-to-one matching: pairs ``(true_index, pred_index, iou)`` with IoU >= threshold, best
    IoU first, each box in at most one pair. ``allowed(t, p)`` can veto pairs (e.g. texts differ).

    >>> q = [[0, 0], [10, 0], [10, 10], [0, 10]]
    >>> match_one_to_one([q], [q, q])
    [(0, 0, 1.0)]
    """
    pairs = []
    for t, tq in enumerate(true_quads):
        for p, pq in enumerate(pred_quads):
            iou = _overlaps(tq, pq)[0]
            if iou >= iou_threshold and (allowed is None or allowed(t, p)):
                pairs.append((iou, t, p))
    pairs.sort(key=lambda x: (-x[0], x[1], x[2]))
    used_t: set[int] = set()
    used_p: set[int] = set()
    out = []
    for iou, t, p in pairs:
        if t not in used_t and p not in used_p:
            used_t.add(t)
            used_p.add(p)
            out.append((t, p, float(iou)))
    return out


@dataclass
class Counts:
    """True positives, false positives, false negatives and their precision/recall/F1."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return _ratio(self.tp, self.tp + self.fp, 1.0 if self.fn == 0 else 0.0)

    @property
    def recall(self) -> float:
        return _ratio(self.tp, self.tp + self.fn, 1.0 if self.fp == 0 else 0.0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r > 0 else 0.0

    def __iadd__(self, other: Counts) -> Counts:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        return self

    def to_dict(self) -> dict[str, float]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision,
                "recall": self.recall, "f1": self.f1}


@dataclass
class PageScore:
    """One page's counts and its matched ``(true_text, pred_text)`` pairs."""

    name: str
    detection: Counts
    end_to_end: Counts
    pairs: list[tuple[str, str]] = field(default_factory=list)


def _dont_care(pred_quad: Any, ignored: Sequence[Any], iou_threshold: float) -> bool:
    for q in ignored:
        iou, inside = _overlaps(pred_quad, q)
        if iou >= iou_threshold or inside >= 0.5:
            return True
    return False


def _count(true_quads: list[Any], pred_quads: list[Any], ignored: list[Any], iou_threshold: float,
           allowed: Callable[[int, int], bool] | None = None) -> tuple[Counts, list[tuple[int, int, float]]]:
    matches = match_one_to_one(true_quads, pred_quads, iou_threshold, allowed)
    matched_p = {p for _, p, _ in matches}
    fp = sum(1 for p, q in enumerate(pred_quads) if p not in matched_p and not _dont_care(q, ignored, iou_threshold))
    return Counts(tp=len(matches), fp=fp, fn=len(true_quads) - len(matches)), matches


def evaluate_page(true: Page, pred: Page, iou_threshold: float = 0.5, normalize: bool | Normalizer = True,
                  name: str = "") -> PageScore:
    """Detection and end-to-end counts for one page (see the module docstring)."""
    norm = _normalizer(normalize)
    care = [w for w in true.words if not w.ignore]
    ignored = [w.quad for w in true.words if w.ignore]
    preds = list(pred.words)
    det, matches = _count([w.quad for w in care], [w.quad for w in preds], ignored, iou_threshold)
    pairs = [(care[t].text, preds[p].text) for t, p, _ in matches]
    # End to end: ground truth whose text normalises to nothing is don't-care; so are empty predictions.
    e2e_care = [w for w in care if norm(w.text)]
    e2e_ignored = ignored + [w.quad for w in care if not norm(w.text)]
    e2e_preds = [w for w in preds if norm(w.text)]
    e2e, _ = _count([w.quad for w in e2e_care], [w.quad for w in e2e_preds], e2e_ignored, iou_threshold,
                    allowed=lambda t, p: norm(e2e_care[t].text) == norm(e2e_preds[p].text))
    return PageScore(name=name or str(true.image_path or true.id), detection=det, end_to_end=e2e, pairs=pairs)


@dataclass
class EvalReport:
    """Totals over pages: detection and end-to-end counts, recognition of detected words."""

    detection: Counts
    end_to_end: Counts
    recognition: dict[str, float]
    pages: list[PageScore]
    iou_threshold: float = 0.5
    normalized: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "iou_threshold": self.iou_threshold,
            "normalized": self.normalized,
            "pages": len(self.pages),
            "detection": self.detection.to_dict(),
            "end_to_end": self.end_to_end.to_dict(),
            "recognition_of_detected": self.recognition,
            "per_page": [{"name": p.name, "detection": p.detection.to_dict(), "end_to_end": p.end_to_end.to_dict()}
                         for p in self.pages],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def format_table(self) -> str:
        """A small fixed-width table of the totals."""
        rows = [("", "precision", "recall", "F1", "tp", "fp", "fn")]
        for label, c in (("detection", self.detection), ("end-to-end", self.end_to_end)):
            rows.append((label, f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}", str(c.tp), str(c.fp),
                         str(c.fn)))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths)))
                 for row in rows]
        rec = self.recognition
        lines.append(f"recognition of detected words: accuracy {rec['word_accuracy']:.3f}, CER {rec['cer']:.3f} "
                     f"({rec['words']} words)")
        return "\n".join(lines)


def evaluate_pages(true_pages: Sequence[Page], pred_pages: Sequence[Page], iou_threshold: float = 0.5,
                   normalize: bool | Normalizer = True) -> EvalReport:
    """Score predicted pages against ground-truth pages (same order)."""
    if len(true_pages) != len(pred_pages):
        raise ValueError(f"{len(true_pages)} ground-truth pages but {len(pred_pages)} predicted pages")
    det, e2e = Counts(), Counts()
    scores = []
    pairs: list[tuple[str, str]] = []
    for i, (t, p) in enumerate(zip(true_pages, pred_pages)):
        s = evaluate_page(t, p, iou_threshold, normalize, name=str(t.image_path or f"page {i + 1}"))
        det += s.detection
        e2e += s.end_to_end
        pairs.extend(s.pairs)
        scores.append(s)
    rec = recognition_metrics([a for a, _ in pairs], [b for _, b in pairs], normalize)
    return EvalReport(det, e2e, rec, scores, iou_threshold, bool(normalize))


def _vertices_quad(vertices: Any) -> np.ndarray:
    """keras-ocr's ``vertices``: four corners, or two opposite corners of an upright rectangle."""
    points = np.asarray(vertices, dtype=np.float64).reshape(-1, 2)
    return quad_from_rect(*points[0], *points[1]) if len(points) == 2 else points


def iou_score(box1: Any, box2: Any) -> float:
    """keras-ocr's ``iou_score``: intersection over union of two boxes (four corners, or two opposite ones)."""
    return float(polygon_iou(_vertices_quad(box1), _vertices_quad(box2)))


def score(true: dict[Any, list[dict[str, Any]]], pred: dict[Any, list[dict[str, Any]]],
          iou_threshold: float = 0.5, similarity_threshold: float = 0.5,
          translator: Any = None) -> tuple[dict[str, Any], tuple[float, float]]:
    """keras-ocr's scorer: ``{image_id: [{"text", "vertices", "ignore"?}]}`` for ``true`` and ``pred``.

    A prediction matched (IoU >= threshold, one-to-one) to a box is a true positive when the text
    similarity ``1 - edit_distance / max_len`` >= ``similarity_threshold``, else a near true
    positive (neither a hit nor a false positive, as in keras-ocr). Returns ``(results, (precision,
    recall))``; ``results`` also holds ``precision``, ``recall`` and ``f1``.
    """
    if sorted(map(str, true)) != sorted(map(str, pred)):
        raise ValueError("true and pred must have the same image ids")
    results: dict[str, Any] = {"true_positives": [], "false_positives": [], "near_true_positives": [],
                               "false_negatives": []}

    def text(ann: dict[str, Any]) -> str:
        t = str(ann.get("text", ""))
        return t.translate(translator) if translator is not None else t

    def with_quads(anns: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**a, "vertices": _vertices_quad(a["vertices"])} for a in anns]

    for image_id in sorted(true, key=str):
        t_anns, p_anns = with_quads(true[image_id]), with_quads(pred[image_id])
        care = [i for i, a in enumerate(t_anns) if not a.get("ignore", False)]
        ignored = [t_anns[i]["vertices"] for i, a in enumerate(t_anns) if a.get("ignore", False)]
        matches = match_one_to_one([t_anns[i]["vertices"] for i in care], [a["vertices"] for a in p_anns],
                                   iou_threshold)
        matched_p = set()
        for t, p, _ in matches:
            matched_p.add(p)
            a, b = text(t_anns[care[t]]), text(p_anns[p])
            n = max(len(a), len(b))
            similarity = 1.0 if n == 0 else 1.0 - edit_distance(a, b) / n
            key = "true_positives" if similarity >= similarity_threshold else "near_true_positives"
            results[key].append({"true_idx": care[t], "pred_idx": p, "image_id": image_id})
        matched_t = {care[t] for t, _, _ in matches}
        results["false_negatives"].extend({"image_id": image_id, "true_idx": i} for i in care if i not in matched_t)
        results["false_positives"].extend(
            {"image_id": image_id, "pred_index": p} for p, a in enumerate(p_anns)
            if p not in matched_p and not _dont_care(a["vertices"], ignored, iou_threshold))
    counts = Counts(len(results["true_positives"]), len(results["false_positives"]), len(results["false_negatives"]))
    results.update(precision=counts.precision, recall=counts.recall, f1=counts.f1)
    return results, (counts.precision, counts.recall)
