"""Helpers for the app tests: a fake engine service, tiny images, mouse gestures on the canvas."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtGui import QColor, QImage

from ocr_core.cancel import CancelToken
from ocr_core.document import Page, Word
from ocr_core.errors import WeightsNotFoundError
from ocr_core.geometry import quad_from_rect


class FakeService:
    """Same methods as ocr_core.service.OcrService; returns fixed words after a short sleep."""

    detector_name = "fake-detector"
    recognizer_name = "fake-recognizer"

    def __init__(self, delay: float = 0.02, fail_load: bool = False, fail_lexicon: bool = False) -> None:
        self.delay = delay
        self.fail_load = fail_load
        self.fail_lexicon = fail_lexicon
        self.lexicon_calls: list[str | None] = []
        self._loaded = False
        self.recognized: list[str] = []
        self.threads: set[str] = set()
        self.started = threading.Event()
        self.min_confidence: float | None = None
        self.lexicon: str | None = "auto"  # the real service's default

    @property
    def is_loaded(self) -> bool:
        return self._loaded

    def load(self) -> None:
        self.threads.add(threading.current_thread().name)
        time.sleep(self.delay)
        if self.fail_load:
            raise WeightsNotFoundError("fake-detector.h5: weights not found")
        self._loaded = True

    def recognize(self, image: Any, *, cancel: CancelToken | None = None) -> Page:
        self.threads.add(threading.current_thread().name)
        self.started.set()
        for _ in range(5):  # cancellable mid-page, like the real pipeline
            time.sleep(self.delay / 5)
            if cancel is not None:
                cancel.raise_if_cancelled()
        self.recognized.append(str(image))
        words = [
            Word(quad_from_rect(5, 5, 40, 20), "hello", 0.97),
            Word(quad_from_rect(45, 5, 90, 20), "world", 0.75),
            Word(quad_from_rect(5, 30, 40, 45), "lowconf", 0.3),
            Word(quad_from_rect(60, 30, 100, 45), "x9", 0.005),  # clutter: dropped unless every box is kept
        ]
        floor = 0.01 if self.min_confidence is None else self.min_confidence  # the fake model recommends 0.01
        words = [w for w in words if w.confidence >= floor]
        return Page.from_words(words, 120, 60, image_path=str(image))

    def recognize_quads(self, image: Any, quads: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        time.sleep(self.delay)
        return [(f"again{i}", 0.99) for i in range(len(quads))]

    def list_models(self, kind: str | None = None) -> list[Any]:
        return []

    def set_models(self, detector: str | None = None, recognizer: str | None = None) -> None:
        pass

    def set_min_confidence(self, value: float | None) -> None:
        self.min_confidence = value

    def set_lexicon(self, spec: str | None) -> None:
        self.lexicon_calls.append(spec)
        if self.fail_lexicon and spec is not None:
            from ocr_core.postprocess.lexicon import LexiconError

            raise LexiconError("no word list found")
        self.lexicon = spec


def make_image(path: Path, width: int = 120, height: int = 60, color: str = "#f4f1ea") -> Path:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    assert image.save(str(path))
    return path


def send_mouse(view: Any, kind: Any, scene_xy: tuple[float, float], *, button: Any = None,
               buttons: Any = None, modifiers: Any = None) -> None:
    """Send a mouse event to a QGraphicsView's viewport at scene coordinates (buttons held while moving)."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    viewport = view.viewport()
    pos = QPointF(view.mapFromScene(QPointF(*scene_xy)))
    left = Qt.MouseButton.LeftButton
    event = QMouseEvent(kind, pos, QPointF(viewport.mapToGlobal(pos)),
                        left if button is None else button, left if buttons is None else buttons,
                        Qt.KeyboardModifier.NoModifier if modifiers is None else modifiers)
    QApplication.sendEvent(viewport, event)


def drag(view: Any, start: tuple[float, float], end: tuple[float, float], steps: int = 4) -> None:
    from PySide6.QtCore import QEvent, Qt

    send_mouse(view, QEvent.Type.MouseButtonPress, start)
    for k in range(1, steps + 1):
        t = k / steps
        point = (start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t)
        send_mouse(view, QEvent.Type.MouseMove, point, button=Qt.MouseButton.NoButton)
    send_mouse(view, QEvent.Type.MouseButtonRelease, end, buttons=Qt.MouseButton.NoButton)


def recognized_window(window: Any, qtbot: Any, folder: Path) -> Any:
    """Open ``folder`` and recognize the current image; wait for the three fake words."""
    assert window.open_paths([folder])
    window.action_set["recognize"].trigger()
    qtbot.waitUntil(lambda: len(window.model) == 3, timeout=5000)
    return window
