"""pytest-qt fixtures for the desktop app: offscreen Qt, isolated QSettings, a fake engine, tiny images."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import threading
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QImage

from ocr_core.cancel import CancelToken
from ocr_core.document import Page, Word
from ocr_core.errors import WeightsNotFoundError
from ocr_core.geometry import quad_from_rect

pytestmark = pytest.mark.gui


class FakeService:
    """Same methods as ocr_core.service.OcrService; returns fixed words after a short sleep."""

    detector_name = "fake-detector"
    recognizer_name = "fake-recognizer"

    def __init__(self, delay: float = 0.02, fail_load: bool = False) -> None:
        self.delay = delay
        self.fail_load = fail_load
        self._loaded = False
        self.recognized: list[str] = []
        self.threads: set[str] = set()
        self.started = threading.Event()

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
        ]
        return Page.from_words(words, 120, 60, image_path=str(image))

    def recognize_quads(self, image: Any, quads: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        time.sleep(self.delay)
        return [(f"again{i}", 0.99) for i in range(len(quads))]

    def list_models(self, kind: str | None = None) -> list[Any]:
        return []

    def set_models(self, detector: str | None = None, recognizer: str | None = None) -> None:
        pass


def make_image(path: Path, width: int = 120, height: int = 60, color: str = "#f4f1ea") -> Path:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    assert image.save(str(path))
    return path


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every test gets its own QSettings (INI files in a temporary folder)."""
    folder = tmp_path_factory.mktemp("qsettings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(folder))


@pytest.fixture
def image_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "images"
    folder.mkdir()
    for i, color in enumerate(("#f4f1ea", "#e8eef4", "#f4e8ee")):
        make_image(folder / f"page{i + 1}.png", color=color)
    return folder


@pytest.fixture
def service() -> FakeService:
    return FakeService()


@pytest.fixture
def window(qtbot: Any, service: FakeService) -> Any:
    from app.main_window import MainWindow
    from app.settings import Settings

    win = MainWindow(Settings(), lambda: service)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.engine.state == "ready", timeout=5000)
    yield win
    win.close()
