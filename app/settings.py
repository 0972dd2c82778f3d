"""User preferences kept in ``QSettings`` (window layout, recent files, thresholds, models).

Tests isolate it by pointing ``QSettings`` at a temporary folder (see ``tests/app/conftest.py``).

>>> settings = Settings()                 # doctest: +SKIP
>>> settings.add_recent("/data/scans")    # doctest: +SKIP
>>> settings.recent_paths()[0]            # doctest: +SKIP
'/data/scans'
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

__all__ = ["Settings", "ORGANIZATION", "APPLICATION", "MAX_RECENT"]

ORGANIZATION = "OCR Studio"
APPLICATION = "OCR Studio"
MAX_RECENT = 10


class Settings:
    """Typed access to the app's ``QSettings``."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._s = qsettings if qsettings is not None else QSettings(ORGANIZATION, APPLICATION)

    def scratch_copy(self, folder: str | os.PathLike[str]) -> Settings:
        """These settings copied into ``folder`` (an INI file): a window that must leave no trace
        (``gui --screenshot``) reads the user's choices and writes nothing back to them."""
        copy = QSettings(os.path.join(os.fspath(folder), "settings.ini"), QSettings.Format.IniFormat)
        for key in self._s.allKeys():
            copy.setValue(key, self._s.value(key))
        return Settings(copy)

    def _get(self, key: str, default: Any, kind: type) -> Any:
        value = self._s.value(key, default)
        if value is None:
            return default
        if kind is bool:
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
        try:
            return kind(value)
        except (TypeError, ValueError):
            return default

    # -- recent files -------------------------------------------------------------------------
    def recent_paths(self) -> list[str]:
        value = self._s.value("recent/paths", [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            return []
        return [str(v) for v in value][:MAX_RECENT]

    def add_recent(self, path: str) -> None:
        paths = [path] + [p for p in self.recent_paths() if p != path]
        self._s.setValue("recent/paths", paths[:MAX_RECENT])

    def clear_recent(self) -> None:
        self._s.setValue("recent/paths", [])

    @property
    def last_dir(self) -> str:
        return self._get("recent/last_dir", "", str)

    @last_dir.setter
    def last_dir(self, value: str) -> None:
        self._s.setValue("recent/last_dir", value)

    # -- window -------------------------------------------------------------------------------
    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        """Saved ``(geometry, dock state)`` or ``None`` for each."""
        geometry = self._s.value("window/geometry")
        state = self._s.value("window/state")
        return (geometry if isinstance(geometry, QByteArray) else None,
                state if isinstance(state, QByteArray) else None)

    def set_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        self._s.setValue("window/geometry", geometry)
        self._s.setValue("window/state", state)

    # -- editing ------------------------------------------------------------------------------
    @property
    def project_dir(self) -> str:
        """Folder for annotations; empty = next to each image."""
        return self._get("annotations/project_dir", "", str)

    @project_dir.setter
    def project_dir(self, value: str) -> None:
        self._s.setValue("annotations/project_dir", value)

    @property
    def autosave_ms(self) -> int:
        return max(200, self._get("annotations/autosave_ms", 1500, int))

    @property
    def low_confidence(self) -> float:
        """Below this a word is drawn red."""
        return self._get("display/low_confidence", 0.6, float)

    @property
    def high_confidence(self) -> float:
        """From this up a word is drawn green; F3 visits words below it."""
        return self._get("display/high_confidence", 0.9, float)

    @property
    def show_labels(self) -> bool:
        return self._get("display/show_labels", True, bool)

    @show_labels.setter
    def show_labels(self, value: bool) -> None:
        self._s.setValue("display/show_labels", bool(value))

    @property
    def show_numbers(self) -> bool:
        return self._get("display/show_numbers", False, bool)

    @show_numbers.setter
    def show_numbers(self, value: bool) -> None:
        self._s.setValue("display/show_numbers", bool(value))

    @property
    def keep_low_confidence(self) -> bool:
        """Recognition keeps the boxes the model reads as nothing likely (otherwise dropped, ADR 0013)."""
        return self._get("recognition/keep_low_confidence", False, bool)

    @keep_low_confidence.setter
    def keep_low_confidence(self, value: bool) -> None:
        self._s.setValue("recognition/keep_low_confidence", bool(value))

    @property
    def use_dictionary(self) -> bool:
        """Recognition prefers dictionary words where the model reads a near miss (ADR 0016); on by default."""
        return self._get("recognition/use_dictionary", True, bool)

    @use_dictionary.setter
    def use_dictionary(self, value: bool) -> None:
        self._s.setValue("recognition/use_dictionary", bool(value))

    # -- engine -------------------------------------------------------------------------------
    @property
    def detector(self) -> str | None:
        return self._get("engine/detector", "", str) or None

    @property
    def recognizer(self) -> str | None:
        return self._get("engine/recognizer", "", str) or None

    def set_models(self, detector: str | None, recognizer: str | None) -> None:
        self._s.setValue("engine/detector", detector or "")
        self._s.setValue("engine/recognizer", recognizer or "")

    def sync(self) -> None:
        self._s.sync()
