"""The one small API the desktop app uses to reach the engine.

Every method except the properties may take seconds (TensorFlow import, model loading, inference): the app
calls them from worker threads only. The service is thread-safe: one lock serialises model use.

>>> service = OcrService()           # doctest: +SKIP
>>> service.load()                   # doctest: +SKIP
>>> page = service.recognize("photo.jpg")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ocr_core.cancel import CancelToken
from ocr_core.document import Page
from ocr_core.weights import DEFAULT_DETECTOR, DEFAULT_RECOGNIZER, list_models, resolve_model

__all__ = ["OcrService", "ModelInfo"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelInfo:
    name: str
    kind: str
    description: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    path: str | None = None
    architecture: str = ""


class OcrService:
    """Loads the detector and recognizer lazily and runs recognition jobs."""

    def __init__(self, detector: str | None = None, recognizer: str | None = None, *,
                 scale: float | None = None, max_size: int = 2048, warm_up: bool = True,
                 min_confidence: float | None = None, lexicon: str | None = "auto") -> None:
        self._detector_name = str(detector or DEFAULT_DETECTOR)
        self._recognizer_name = str(recognizer or DEFAULT_RECOGNIZER)
        self._scale = scale
        self._max_size = max_size
        self._warm_up = warm_up
        self._min_confidence = min_confidence
        self._lexicon = lexicon
        self.lexicon_problem: str | None = None
        self._lock = threading.RLock()
        self._pipeline: Any = None

    # -- state ------------------------------------------------------------------------------------------------
    @property
    def is_loaded(self) -> bool:
        return self._pipeline is not None

    @property
    def detector_name(self) -> str:
        return self._detector_name

    @property
    def recognizer_name(self) -> str:
        return self._recognizer_name

    def set_models(self, detector: str | None = None, recognizer: str | None = None) -> None:
        """Switch models by name or path; checked now (missing file -> error), loaded on next use."""
        with self._lock:
            if detector is not None:  # both checked before either changes
                resolve_model(detector, kind="detector")
            if recognizer is not None:
                resolve_model(recognizer, kind="recognizer")
            if detector is not None:
                self._detector_name = str(detector)
            if recognizer is not None:
                self._recognizer_name = str(recognizer)
            if detector is not None or recognizer is not None:
                self._pipeline = None

    def list_models(self, kind: str | None = None) -> list[ModelInfo]:
        infos = []
        for spec in list_models(kind):  # type: ignore[arg-type]
            infos.append(ModelInfo(name=spec.name, kind=spec.kind, description=spec.description,
                                   metrics=dict(spec.metrics), architecture=spec.architecture))
        return infos

    # -- work -------------------------------------------------------------------------------------------------
    def load(self) -> None:
        """Import TensorFlow, build both models and (``warm_up``) trace their predict functions (idempotent)."""
        with self._lock:
            if self._pipeline is not None:
                return
            from ocr_core.detection import Detector
            from ocr_core.pipeline import Pipeline
            from ocr_core.postprocess.lexicon import load_default_lexicon
            from ocr_core.recognition import Recognizer

            lexicon = load_default_lexicon(self._lexicon, self._lexicon_warning)
            if lexicon is None:
                self._lexicon = None
            elif self._warm_up:
                lexicon.prepare()
            detector = Detector(weights=self._detector_name, optimizer=None)
            recognizer = Recognizer(weights=self._recognizer_name)
            pipeline = Pipeline(detector=detector, recognizer=recognizer, scale=self._scale,
                                max_size=self._max_size, min_confidence=self._min_confidence, lexicon=lexicon)
            if self._warm_up:
                pipeline.warm_up()
            self._pipeline = pipeline

    def set_min_confidence(self, value: float | None) -> None:
        """Words read less confidently are dropped from recognized pages; ``None``: the recognizer model's
        recommendation, 0: keep every box (ADR 0013). Applies from the next image on, without reloading."""
        from ocr_core.pipeline import checked_min_confidence

        value = checked_min_confidence(value)
        with self._lock:
            self._min_confidence = value
            if self._pipeline is not None:
                self._pipeline.min_confidence = value

    @property
    def lexicon(self) -> str | None:
        """The dictionary setting in use (``None`` after the default lists could not be read: see
        :attr:`lexicon_problem`)."""
        return self._lexicon

    def _lexicon_warning(self, message: str) -> None:
        self.lexicon_problem = message
        _log.warning(message)

    def set_lexicon(self, spec: str | None) -> None:
        """Dictionary-aware reading: ``"auto"`` (the bundled word list plus ``/usr/share/dict/words``), word-list
        path(s), or ``None`` / ``"none"`` for the model's plain reading (ADR 0016). The list is read now (a bad
        file raises :class:`~ocr_core.postprocess.lexicon.LexiconError` and changes nothing) and applies from the
        next image on, without reloading the models."""
        from ocr_core.postprocess.lexicon import load_lexicon

        lexicon = load_lexicon(spec)
        if lexicon is not None:
            lexicon.prepare()
        with self._lock:
            self._lexicon = spec
            self.lexicon_problem = None
            if self._pipeline is not None:
                self._pipeline.lexicon = lexicon

    def recognize(self, image: np.ndarray | str | Path, *, cancel: CancelToken | None = None) -> Page:
        """Detect and read the words of one image."""
        self.load()
        with self._lock:
            if cancel is not None:
                cancel.raise_if_cancelled()
            source = str(image) if isinstance(image, Path) else image
            pages = self._pipeline.recognize_pages([source], cancel=cancel)
            return pages[0]

    def recognize_many(self, images: Sequence[str | Path], *, cancel: CancelToken | None = None,
                       on_page: Callable[[int, str, Page | Exception], None] | None = None) -> None:
        """Recognize images one after the other, reporting each result (or error) through ``on_page``."""
        from ocr_core.errors import OcrError

        for i, path in enumerate(images):
            if cancel is not None:
                cancel.raise_if_cancelled()
            try:
                result: Page | Exception = self.recognize(path, cancel=cancel)
            except OcrError as exc:
                if exc.__class__.__name__ == "Cancelled":
                    raise
                result = exc
            if on_page is not None:
                on_page(i, str(path), result)

    def recognize_quads(self, image: np.ndarray | str | Path,
                        quads: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """Read the given boxes (no detection), in order."""
        self.load()
        with self._lock:
            source = str(image) if isinstance(image, Path) else image
            return self._pipeline.recognizer.recognize_boxes_with_confidence(
                [source], [list(quads)], lexicon=self._pipeline.lexicon)[0]

    # -- training tab -----------------------------------------------------------------------------------------
    # Additions for the desktop app's training tab; the work lives in ocr_core.synth_preview,
    # ocr_core.training.{plan,dataset_check,review} and ocr_core.model_store.

    def synth_preview(self, settings: Any, *, cancel: CancelToken | None = None) -> list[Any]:
        """Render synthetic samples as training would (``PreviewSettings`` -> ``list[SampleView]``)."""
        from ocr_core.synth_preview import synth_preview

        return synth_preview(settings, cancel=cancel)

    def list_font_families(self, alphabet: str, folders: Sequence[str] = (), *,
                           include_system: bool = True) -> list[Any]:
        """Font families (``FontFamily``: name, paths) whose fonts draw every character of ``alphabet``."""
        from ocr_core.synth_preview import list_font_families

        return list_font_families(alphabet, folders, include_system=include_system)

    def dataset_report(self, sources: Sequence[str], alphabet: str, *, pages: Sequence[Page] = (),
                       validation_split: float = 0.1, seed: int | None = 0) -> Any:
        """Check annotated training data (``DatasetReport``): unknown characters, empty/tiny boxes, ###..."""
        from ocr_core.training.dataset_check import dataset_report

        return dataset_report(sources, alphabet, pages=pages, validation_split=validation_split, seed=seed)

    def checked_pages(self, store: Any, images: Sequence[str | Path]) -> tuple[list[Page], list[str]]:
        """The saved pages of ``images`` marked done in an ``AnnotationStore``, and read problems."""
        from ocr_core.training.dataset_check import checked_pages

        return checked_pages(store, images)

    def train(self, config: Any, *, on_event: Callable[[Any], None] | None = None,
              cancel: CancelToken | None = None) -> Any:
        """Run one training (``TrainConfig`` -> ``TrainResult``) with the shared runner."""
        from ocr_core.training.runner import train

        return train(config, on_event=on_event, cancel=cancel)

    def train_plan(self, plan: Any, *, on_event: Callable[[str, Any], None] | None = None,
                   cancel: CancelToken | None = None) -> Any:
        """Fine-tune as a ``TrainPlan`` says (detector, recognizer or both, then before/after) -> ``PlanResult``."""
        from ocr_core.training.plan import run_plan

        return run_plan(plan, on_event=on_event, cancel=cancel)

    def evaluate_models(self, before: tuple[str | None, str | None], after: tuple[str | None, str | None],
                        samples: Sequence[tuple[Any, Page]], tasks: Sequence[str], *,
                        cancel: CancelToken | None = None) -> Any:
        """Before/after figures (``Comparison``) of two (detector, recognizer) pairs on annotated samples."""
        from ocr_core.training.review import compare_models

        return compare_models(before, after, samples, tasks, cancel=cancel)

    def list_model_entries(self, kind: str | None = None) -> list[Any]:
        """Bundled and trained model folders (``ModelEntry``) with metrics and whether the user owns them."""
        from ocr_core.model_store import list_model_entries

        return list_model_entries(kind)

    def _check_not_in_use(self, name: str, action: str) -> Any:
        from ocr_core.errors import WeightsError
        from ocr_core.model_store import find_model

        entry = find_model(name)
        for used in (self._detector_name, self._recognizer_name):
            if used in (entry.name, entry.path) or Path(used).name == Path(entry.path).name:
                raise WeightsError(f"model {entry.name!r} is in use: switch to another model before you {action} it")
        return entry

    def rename_model(self, name: str, new_name: str) -> Any:
        """Rename a trained model (not one in use); returns its new ``ModelEntry``."""
        from ocr_core.model_store import rename_model

        with self._lock:
            self._check_not_in_use(name, "rename")
            return rename_model(name, new_name)

    def delete_model(self, name: str) -> None:
        """Delete a trained model's folder (not one in use)."""
        from ocr_core.model_store import delete_model

        with self._lock:
            self._check_not_in_use(name, "delete")
            delete_model(name)

    def export_model(self, name: str, dest: str | Path) -> Path:
        """Copy a model (``model.json`` + weights) to a folder or a ``.zip``; returns what was written."""
        from ocr_core.model_store import export_model

        return export_model(name, dest)

    def rerun_review(self, images: Sequence[str | Path], old_page: Callable[[str], Page | None], *,
                     low_confidence: float = 0.6, cancel: CancelToken | None = None,
                     on_page: Callable[[str, Page | Exception, list[Any]], None] | None = None) -> list[Any]:
        """Recognize ``images`` with the models in use and list the words to review (``ReviewItem``):
        text changed from ``old_page(path)`` or confidence below ``low_confidence``. ``on_page(path,
        page or error, items)`` reports each image as it is done."""
        from ocr_core.errors import Cancelled, OcrError
        from ocr_core.training.review import review_changes

        found: list[Any] = []
        for path in [str(p) for p in images]:
            if cancel is not None:
                cancel.raise_if_cancelled()
            try:
                page = self.recognize(path, cancel=cancel)
            except Cancelled:
                raise
            except OcrError as exc:
                if on_page is not None:
                    on_page(path, exc, [])
                continue
            page.image_path = path
            items = review_changes(old_page(path), page, low_confidence)
            found.extend(items)
            if on_page is not None:
                on_page(path, page, items)
        return found
