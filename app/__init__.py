"""OCR Studio desktop application (PySide6).

The window edits an :class:`ocr_core.document.Page` through a Qt document model and an undo
stack; all engine work runs in :mod:`app.workers`. Start it with ``ocr-studio gui`` or
``python -m app.main``.

Importing the package applies :mod:`app.qtcompat` (a PySide6 6.12.0 refcount bug in
``Signal.emit`` that otherwise aborts the interpreter after a few thousand signals).
"""

from __future__ import annotations

try:
    from app import qtcompat as _qtcompat

    _qtcompat.install()
except ImportError:  # no PySide6: app.startup_checks explains what to install when the window starts
    pass

__all__: list[str] = []
