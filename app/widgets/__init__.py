"""Widgets of the main window. They read the document model and emit requests; they never
import the engine's models or TensorFlow (an import-linter contract checks this)."""

from __future__ import annotations

__all__: list[str] = []
