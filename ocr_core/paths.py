"""Where the engine finds bundled resources, cached models and user data."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["resources_dir", "bundled_models_dir", "user_models_dir", "user_cache_dir", "sample_image_path"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """The ``resources/`` folder: next to the package in a checkout, inside it when installed."""
    for candidate in (_PACKAGE_DIR.parent / "resources", _PACKAGE_DIR / "resources"):
        if candidate.is_dir():
            return candidate
    return _PACKAGE_DIR.parent / "resources"


def bundled_models_dir() -> Path:
    return resources_dir() / "models"


def user_cache_dir() -> Path:
    """Per-user cache (synthetic backgrounds, downloaded-by-hand weights).

    ``$OCR_STUDIO_CACHE_DIR`` overrides it; otherwise ``$XDG_CACHE_HOME/ocr-studio`` or
    ``~/.cache/ocr-studio``.
    """
    env = os.environ.get("OCR_STUDIO_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ocr-studio"


def user_models_dir() -> Path:
    """Where trained and user-supplied models live (``<cache>/models``)."""
    return user_cache_dir() / "models"


def sample_image_path() -> Path:
    return resources_dir() / "samples" / "sample.png"
