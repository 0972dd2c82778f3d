"""After training: before/after figures of two model pairs on validation images, and the words a new
model reads differently (or with low confidence) for review.

>>> from ocr_core.document import Page, Word
>>> from ocr_core.geometry import quad_from_rect
>>> old = Page.from_words([Word(quad_from_rect(0, 0, 40, 12), "c0de", 0.9)], 64, 32, image_path="a.png")
>>> new = Page.from_words([Word(quad_from_rect(1, 0, 40, 12), "code", 0.95)], 64, 32, image_path="a.png")
>>> [(i.old_text, i.text, i.reasons) for i in review_changes(old, new)]
[('c0de', 'code', ('changed',))]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ocr_core.cancel import CancelToken
from ocr_core.document import Page
from ocr_core.errors import OcrError

__all__ = ["ReviewItem", "review_changes", "ComparisonRow", "Comparison", "compare_models", "LOW_CONFIDENCE"]

LOW_CONFIDENCE = 0.6


@dataclass(frozen=True)
class ReviewItem:
    """A word to look at: where it is, what the new model read, what was there before and why."""

    image_path: str
    word_id: str
    text: str
    confidence: float | None
    old_text: str | None
    reasons: tuple[str, ...]

    def why(self) -> str:
        """Human wording of ``reasons``, e.g. ``text changed, low confidence``."""
        words = {"changed": "text changed", "low": "low confidence"}
        return ", ".join(words.get(r, r) for r in self.reasons)


def review_changes(old: Page | None, new: Page, low_confidence: float = LOW_CONFIDENCE,
                   iou_threshold: float = 0.5) -> list[ReviewItem]:
    """Words of ``new`` whose text differs from the overlapping word of ``old`` or whose confidence is
    below ``low_confidence``, in reading order. ``###`` words are skipped."""
    from ocr_core.evaluation import match_one_to_one

    new_words = [w for w in new.words if not w.ignore]
    old_words = [w for w in (old.words if old is not None else []) if not w.ignore and w.text.strip()]
    matched: dict[int, str] = {}
    if old_words and new_words:
        for t, p, _iou in match_one_to_one([w.quad for w in old_words], [w.quad for w in new_words], iou_threshold):
            matched[p] = old_words[t].text
    items = []
    for index, word in enumerate(new_words):
        reasons = []
        previous = matched.get(index)
        if previous is not None and previous != word.text:
            reasons.append("changed")
        if word.confidence is not None and word.confidence < low_confidence:
            reasons.append("low")
        if reasons:
            items.append(ReviewItem(str(new.image_path or ""), word.id, word.text, word.confidence, previous,
                                    tuple(reasons)))
    return items


@dataclass(frozen=True)
class ComparisonRow:
    """One figure before and after (``None``: could not be measured)."""

    metric: str
    before: float | None
    after: float | None
    higher_is_better: bool = True

    @property
    def improved(self) -> bool | None:
        if self.before is None or self.after is None or self.before == self.after:
            return None
        return (self.after > self.before) == self.higher_is_better


@dataclass
class Comparison:
    """Before/after figures of the models in use and the newly trained ones on validation images."""

    rows: list[ComparisonRow] = field(default_factory=list)
    images: int = 0
    words: int = 0
    source: str = ""
    before: tuple[str | None, str | None] = (None, None)
    after: tuple[str | None, str | None] = (None, None)
    notes: list[str] = field(default_factory=list)


def _load_pair(detector: str | None, recognizer: str | None, need_detector: bool) -> tuple[Any, Any]:
    from ocr_core.detection import Detector
    from ocr_core.recognition import Recognizer

    rec = Recognizer(weights=recognizer) if recognizer else None
    det = Detector(weights=detector, optimizer=None) if detector and need_detector else None
    return det, rec


def _image(source: Any) -> np.ndarray:
    from ocr_core.imageio import read_image

    return source if isinstance(source, np.ndarray) else read_image(str(source))


def _measure(det: Any, rec: Any, samples: Sequence[tuple[Any, Page]], tasks: set[str],
             cancel: CancelToken | None) -> dict[str, float]:
    from ocr_core.evaluation import evaluate_pages, recognition_metrics

    out: dict[str, float] = {}
    if "recognizer" in tasks and rec is not None:
        truth: list[str] = []
        read: list[str] = []
        for source, page in samples:
            if cancel is not None:
                cancel.raise_if_cancelled()
            words = [w for w in page.words if not w.ignore and w.text.strip()]
            if not words:
                continue
            results = rec.recognize_boxes_with_confidence([_image(source)], [[w.quad for w in words]])[0]
            truth.extend(w.text for w in words)
            read.extend(t for t, _ in results)
        metrics = recognition_metrics(truth, read)
        out["word_accuracy"], out["cer"] = metrics["word_accuracy"], metrics["cer"]
    if "detector" in tasks and det is not None and rec is not None:
        from ocr_core.pipeline import Pipeline

        pipeline = Pipeline(detector=det, recognizer=rec)
        predicted = []
        for source, page in samples:
            if cancel is not None:
                cancel.raise_if_cancelled()
            pages = pipeline.recognize_pages([_image(source)])
            predicted.append(pages[0] if pages else Page(width=page.width, height=page.height))
        report = evaluate_pages([p for _, p in samples], predicted)
        out.update(precision=report.detection.precision, recall=report.detection.recall,
                   f1=report.detection.f1, end_to_end_f1=report.end_to_end.f1)
    return out


_ROWS = (("word_accuracy", "Word accuracy (recognizer)", True), ("cer", "Character error rate", False),
         ("f1", "Detection F1", True), ("precision", "Detection precision", True),
         ("recall", "Detection recall", True), ("end_to_end_f1", "End-to-end F1", True))


def compare_models(before: tuple[str | None, str | None], after: tuple[str | None, str | None],
                   samples: Sequence[tuple[Any, Page]], tasks: Sequence[str], *, source: str = "",
                   cancel: CancelToken | None = None, log: Callable[[str], None] | None = None) -> Comparison:
    """Measure ``(detector, recognizer)`` pairs before and after on ``samples`` (``(image or path, Page)``).

    The recognizer is scored on the ground-truth word boxes (word accuracy, CER); the detector by
    running the whole pipeline (detection precision/recall/F1, end-to-end F1). A pair that cannot be
    loaded (missing weights) gets ``None`` figures and a note.
    """
    wanted = set(tasks)
    comparison = Comparison(images=len(samples), source=source, before=before, after=after,
                            words=sum(1 for _, p in samples for w in p.words if not w.ignore and w.text.strip()))
    figures: list[dict[str, float]] = []
    for label, (det_name, rec_name) in (("before", before), ("after", after)):
        try:
            det, rec = _load_pair(det_name, rec_name, "detector" in wanted)
            figures.append(_measure(det, rec, samples, wanted, cancel))
        except OcrError as exc:
            if exc.__class__.__name__ == "Cancelled":
                raise
            comparison.notes.append(f"{label}: {exc}")
            if log is not None:
                log(f"{label}: models could not be measured ({exc})")
            figures.append({})
    for key, title, higher in _ROWS:
        b, a = figures[0].get(key), figures[1].get(key)
        if b is not None or a is not None:
            comparison.rows.append(ComparisonRow(title, b, a, higher))
    return comparison
