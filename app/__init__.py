"""OCR Studio desktop application (PySide6).

The window edits an :class:`ocr_core.document.Page` through a Qt document model and an undo
stack; all engine work runs in :mod:`app.workers`. Start it with ``ocr-studio gui`` or
``python -m app.main``.
"""

from __future__ import annotations

__all__: list[str] = []
