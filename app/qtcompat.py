"""Work-arounds for bugs of particular PySide6 releases, detected at run time and applied only when present.

PySide6 6.12.0 returns ``None`` from every void method (``setVisible``, ``setPos``, ...) and ``True``
from ``Signal.emit()`` without taking a reference. Each call from Python therefore drops one reference
to ``None`` or ``True``. On Python 3.12+ these singletons are immortal and nothing happens; on Python
3.11 the interpreter aborts after enough calls ("none_dealloc: deallocating None" / "bool_dealloc").
:func:`install` probes for the leak and, if it is there, gives the singletons a reference count no
session can exhaust (what Python 3.12 does for every build). PySide6 6.11 does not have the bug.

>>> install() in (True, False)
True
"""

from __future__ import annotations

import ctypes
import sys

__all__ = ["install", "leaked_singletons"]

_BUFFER = 1 << 40  # references added per singleton: more calls than any session makes
_installed = False


def leaked_singletons() -> list[object]:
    """The singletons (``None``, ``True``) that this PySide6 loses references to."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    leaked: list[object] = []
    before = sys.getrefcount(None)
    for _ in range(16):
        probe.setObjectName("probe")
    if before - sys.getrefcount(None) >= 16:
        leaked.append(None)
    before = sys.getrefcount(True)
    for _ in range(16):
        probe.ping.emit()
    if before - sys.getrefcount(True) >= 16:
        leaked.extend([True, False])
    return leaked


def _add_references(obj: object, count: int) -> bool:
    """Raise ``obj``'s reference count by ``count`` (CPython 3.11 layout: the count is the first field)."""
    if hasattr(sys, "gettotalrefcount"):  # debug build: another object layout, leave it alone
        return False
    field = ctypes.c_ssize_t.from_address(id(obj))
    if abs(field.value - (sys.getrefcount(obj) - 1)) > 4:  # not the layout we expect
        return False
    field.value += count
    return True


def install() -> bool:
    """Apply the work-around this PySide6 needs (idempotent); returns whether it is active."""
    global _installed
    if _installed:
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    leaked = leaked_singletons()
    if not leaked:
        return False
    _installed = all(_add_references(obj, _BUFFER) for obj in leaked)
    return _installed
