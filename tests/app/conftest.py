"""pytest-qt fixtures for the desktop app: offscreen Qt, isolated QSettings, a fake engine, tiny images."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

os.environ["QT_QPA_PLATFORM"] = "offscreen"
# The suite runs with --import-mode=importlib: make the helpers module next to this file importable.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402
from gui_helpers import FakeService, make_image  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every test gets its own QSettings (INI files in a temporary folder)."""
    folder = tmp_path_factory.mktemp("qsettings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(folder))


@pytest.fixture(autouse=True)
def no_modal_close_question(monkeypatch: pytest.MonkeyPatch) -> None:
    """A window closed at a test's end with edits that only the autosave holds closes (a modal question would hang
    the offscreen run); tests of that question replace it themselves."""
    from app import dialogs

    monkeypatch.setattr(dialogs, "ask_close_with_autosaved_edits", lambda *_a: True)


@pytest.fixture(autouse=True)
def folder_in_use_taken_over(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second window on a folder stands for the app started again after a crash: the first window's process (this
    one) is alive, so its lock would be asked about; the new window takes the folder over, as the user would. Tests
    of that question replace it themselves."""
    from app import dialogs

    monkeypatch.setattr(dialogs, "ask_folder_in_use", lambda *_a: "anyway")


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
