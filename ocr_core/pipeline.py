"""Detect -> crop -> recognize, under keras-ocr's ``Pipeline`` name.

>>> pipeline = Pipeline()                                  # bundled default models  # doctest: +SKIP
>>> [(text, box.shape) for text, box in pipeline.recognize(["photo.jpg"])[0]]  # doctest: +SKIP
[('hello', (4, 2)), ...]
>>> page = pipeline.recognize_pages(["photo.jpg"])[0]      # a Page with lines, confidences  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import cv2
import numpy as np

from ocr_core.cancel import CancelToken
from ocr_core.document import Page, Word
from ocr_core.postprocess.lexicon import Lexicon
from ocr_core.recognition import Reading

__all__ = ["Pipeline", "scale_for", "checked_min_confidence"]


def scale_for(height: int, width: int, scale: float, max_size: int) -> float:
    """The factor applied to an image: ``scale``, reduced so the long side stays <= ``max_size``."""
    long_side = max(height, width)
    if long_side * scale > max_size:
        scale = max_size / long_side
    return float(scale)


def checked_min_confidence(value: float | None, name: str = "min_confidence") -> float | None:
    """``value`` when it is ``None`` (the recognizer's recommendation) or in [0, 1); otherwise a ``ValueError``."""
    if value is not None and not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


class Pipeline:
    """A detector and a recognizer chained together.

    Args:
        detector: a :class:`~ocr_core.detection.Detector` (default: the bundled lite detector).
        recognizer: a :class:`~ocr_core.recognition.Recognizer` (default: the bundled lite recognizer).
        scale: upscaling before detection; ``None`` uses the detector's recommended scale (keras-ocr used 2).
        max_size: the long side is capped to this after scaling (larger images are scaled down: documented limit).
        lexicon: a :class:`~ocr_core.postprocess.lexicon.Lexicon` for dictionary-aware decoding (default ``None``:
            plain CTC decoding, as keras-ocr); ``recognition_kwargs={"lexicon": ...}`` overrides it per call.
        min_confidence: words the model reads with a lower confidence (its own reading's, before a lexicon put a
            dictionary word in its place: ADR 0016) are dropped from the page (clutter the detector took for text
            reads as nothing likely); ``None`` uses the recognizer's recommendation (its ``model.json``
            ``postprocess``; 0 for models without one), 0 keeps every word, as keras-ocr.
        weak_min_confidence: the confidence a word needs when the detector found it only weakly (its peak score
            between the detector's ``weak_detection_threshold`` and ``detection_threshold``, ADR 0014): faint print
            and lone characters read clearly, clutter does not. ``None`` uses the recognizer's recommendation
            (0.5 without one); never below ``min_confidence``; ``min_confidence=0`` keeps weak words too.
    """

    def __init__(self, detector: Any = None, recognizer: Any = None, scale: float | None = None,
                 max_size: int = 2048, lexicon: Lexicon | None = None, min_confidence: float | None = None,
                 weak_min_confidence: float | None = None) -> None:
        if detector is None:
            from ocr_core.detection import Detector

            detector = Detector()
        if recognizer is None:
            from ocr_core.recognition import Recognizer

            recognizer = Recognizer()
        self.detector = detector
        self.recognizer = recognizer
        self.scale = scale
        self.max_size = max_size
        self.lexicon = lexicon
        self.min_confidence = checked_min_confidence(min_confidence)
        self.weak_min_confidence = checked_min_confidence(weak_min_confidence, "weak_min_confidence")

    def warm_up(self) -> None:
        """Trace both models' predict functions now (for long-lived sessions such as the app), so the first
        images recognized run at full speed and do not hold up other threads while graphs are built."""
        for model in (self.detector, self.recognizer):
            warm = getattr(model, "warm_up", None)
            if callable(warm):
                warm()

    @property
    def effective_scale(self) -> float:
        if self.scale is not None:
            return float(self.scale)
        return float(getattr(self.detector, "recommended_scale", 2.0))

    @property
    def effective_min_confidence(self) -> float:
        if self.min_confidence is not None:
            return float(self.min_confidence)
        return float(getattr(self.recognizer, "min_confidence", 0.0))

    @property
    def effective_weak_min_confidence(self) -> float:
        """The confidence a weakly detected word needs: 0 when every word is kept (``min_confidence=0``)."""
        if self.min_confidence == 0.0:
            return 0.0
        value = self.weak_min_confidence
        if value is None:
            from ocr_core.recognition import DEFAULT_WEAK_MIN_CONFIDENCE

            value = getattr(self.recognizer, "weak_min_confidence", DEFAULT_WEAK_MIN_CONFIDENCE)
        return max(float(value), self.effective_min_confidence)

    def _prepare(self, image: Any) -> tuple[np.ndarray, np.ndarray, float]:
        from ocr_core.imageio import read_image

        original = read_image(image)
        factor = scale_for(original.shape[0], original.shape[1], self.effective_scale, self.max_size)
        if abs(factor - 1.0) > 1e-6:
            interp = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
            scaled = cv2.resize(original, None, fx=factor, fy=factor, interpolation=interp)
        else:
            scaled = original
        return original, scaled, factor

    def iter_pages(
        self,
        images: Iterable[Any],
        *,
        detection_kwargs: dict[str, Any] | None = None,
        recognition_kwargs: dict[str, Any] | None = None,
        batch_size: int = 2,
        cancel: CancelToken | None = None,
        on_error: Callable[[Any, Exception], None] | None = None,
    ) -> Iterator[tuple[Any, Page | None]]:
        """Recognize a stream of images in small batches, yielding ``(source, Page)`` as they finish.

        Memory stays flat: only ``batch_size`` images are held at once. With ``on_error``, an image that cannot
        be read is reported and yields ``(source, None)``; otherwise the error is raised.
        """
        batch: list[Any] = []
        for source in images:
            batch.append(source)
            if len(batch) >= batch_size:
                yield from self._run_batch(batch, detection_kwargs, recognition_kwargs, cancel, on_error)
                batch = []
        if batch:
            yield from self._run_batch(batch, detection_kwargs, recognition_kwargs, cancel, on_error)

    def _run_batch(self, sources, detection_kwargs, recognition_kwargs, cancel, on_error):
        from ocr_core.errors import OcrError

        prepared, ok_sources = [], []
        results: dict[int, Page | None] = {}
        for i, src in enumerate(sources):
            if cancel is not None:
                cancel.raise_if_cancelled()
            try:
                prepared.append(self._prepare(src))
                ok_sources.append(i)
            except OcrError as exc:
                if on_error is None:
                    raise
                on_error(src, exc)
                results[i] = None
        if prepared:
            pages = self._recognize_prepared(prepared, detection_kwargs or {}, recognition_kwargs or {}, cancel)
            for i, page in zip(ok_sources, pages):
                results[i] = page
        for i, src in enumerate(sources):
            page = results.get(i)
            if page is not None and isinstance(src, str | os.PathLike) and not str(src).startswith(("http:", "https:")):
                page.image_path = str(src)
            yield src, page

    def _recognize_prepared(self, prepared, detection_kwargs, recognition_kwargs, cancel) -> list[Page]:
        scaled_images = [s for _, s, _ in prepared]
        candidates = getattr(self.detector, "detect_candidates", None)
        if callable(candidates):  # ours: weak detections too, kept below when read confidently
            found = candidates(scaled_images, **detection_kwargs)
            box_groups = [boxes for boxes, _ in found]
            weak_groups = [np.asarray(weak, bool) for _, weak in found]
        else:  # any keras-ocr style detector
            box_groups = self.detector.detect(scaled_images, **detection_kwargs)
            weak_groups = [np.zeros(len(boxes), bool) for boxes in box_groups]
        if cancel is not None:
            cancel.raise_if_cancelled()
        # crop from the original image: boxes scaled back first (sharper crops than the upscaled image)
        original_boxes = [np.asarray(b, dtype=np.float64).reshape(-1, 4, 2) / f for b, (_, _, f) in
                          zip(box_groups, prepared)]
        if self.lexicon is not None and "lexicon" not in recognition_kwargs:
            recognition_kwargs = {**recognition_kwargs, "lexicon": self.lexicon}
        readings = self._read(prepared, original_boxes, recognition_kwargs)
        pages = []
        floors = (self.effective_min_confidence, self.effective_weak_min_confidence)
        for (original, _, _), boxes, group, weak in zip(prepared, original_boxes, readings, weak_groups):
            # The floors judge the model's own reading, not a dictionary word put in its place (ADR 0016).
            words = [Word(quad=box, text=r.text, confidence=float(r.confidence))
                     for box, r, is_weak in zip(boxes, group, weak)
                     if floors[bool(is_weak)] <= 0.0 or float(r.model_confidence) >= floors[bool(is_weak)]]
            pages.append(Page.from_words(words, width=original.shape[1], height=original.shape[0]))
        return pages

    def _read(self, prepared: Sequence[tuple[np.ndarray, np.ndarray, float]], boxes: Sequence[np.ndarray],
              recognition_kwargs: dict[str, Any]) -> list[list[Reading]]:
        images = [o for o, _, _ in prepared]
        read_boxes = getattr(self.recognizer, "read_boxes", None)
        if callable(read_boxes):  # ours
            return read_boxes(images, boxes, **recognition_kwargs)
        # any keras-ocr style recognizer with (text, confidence) pairs
        groups = self.recognizer.recognize_boxes_with_confidence(images, boxes, **recognition_kwargs)
        return [[Reading(text, conf, conf) for text, conf in group] for group in groups]

    def recognize_pages(self, images: Sequence[Any], **kwargs: Any) -> list[Page]:
        """Recognize images into :class:`~ocr_core.document.Page` objects (lines in reading order)."""
        return [page for _, page in self.iter_pages(images, **kwargs) if page is not None]

    def recognize(
        self,
        images: Sequence[Any],
        detection_kwargs: dict[str, Any] | None = None,
        recognition_kwargs: dict[str, Any] | None = None,
    ) -> list[list[tuple[str, np.ndarray]]]:
        """keras-ocr's API: per image a list of ``(text, box)``, box ``(4, 2)`` in original image pixels."""
        pages = self.recognize_pages(
            list(images), detection_kwargs=detection_kwargs, recognition_kwargs=recognition_kwargs
        )
        return [[(w.text, w.quad.astype(np.float32)) for w in page.words] for page in pages]
