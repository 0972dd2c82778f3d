"""OCR Studio desktop application (PySide6).

The window edits an :class:`ocr_core.document.Page` through a Qt document model and an undo
stack; all engine work runs in :mod:`app.workers`. Start it with ``ocr-studio gui`` or
``python -m app.main``.

PySide6-Essentials 6.12.0 is excluded in pyproject.toml: on Python 3.11 it drops a reference to
``None``/``True`` on every void call and ``Signal.emit()``, which aborts the interpreter after a few
thousand calls (6.11.x is fine).
"""

from __future__ import annotations

__all__: list[str] = []
