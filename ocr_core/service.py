"""The one small API the desktop app uses to reach the engine.

Every method except the properties may take seconds (TensorFlow import, model loading, inference): the app
calls them from worker threads only. The service is thread-safe: one lock serialises model use.

>>> service = OcrService()           # doctest: +SKIP
>>> service.load()                   # doctest: +SKIP
>>> page = service.recognize("photo.jpg")  # doctest: +SKIP
"""

from __future__ import annotations

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
                 scale: float | None = None, max_size: int = 2048) -> None:
        self._detector_name = str(detector or DEFAULT_DETECTOR)
        self._recognizer_name = str(recognizer or DEFAULT_RECOGNIZER)
        self._scale = scale
        self._max_size = max_size
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
            if detector is not None:
                resolve_model(detector, kind="detector")
                self._detector_name = str(detector)
            if recognizer is not None:
                resolve_model(recognizer, kind="recognizer")
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
        """Import TensorFlow and build both models (idempotent)."""
        with self._lock:
            if self._pipeline is not None:
                return
            from ocr_core.detection import Detector
            from ocr_core.pipeline import Pipeline
            from ocr_core.recognition import Recognizer

            detector = Detector(weights=self._detector_name, optimizer=None)
            recognizer = Recognizer(weights=self._recognizer_name)
            self._pipeline = Pipeline(detector=detector, recognizer=recognizer, scale=self._scale,
                                      max_size=self._max_size)

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
            return self._pipeline.recognizer.recognize_boxes_with_confidence([source], [list(quads)])[0]
