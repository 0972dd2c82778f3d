"""PySide6 work-arounds: calls from Python must not be able to exhaust references to None/True/False."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

import app  # noqa: F401  (importing the package installs the work-arounds)
from app.qtcompat import install, leaked_singletons


class _Emitter(QObject):
    fired = Signal(int)


def test_singletons_survive_many_qt_calls(qapp):
    install()
    emitter = _Emitter()
    received = []
    emitter.fired.connect(received.append)
    for i in range(3000):
        emitter.fired.emit(i)
        emitter.setObjectName("x")
    assert len(received) == 3000
    # whatever this PySide6 leaks, far more references remain than any session can use up
    for obj in leaked_singletons():
        assert sys.getrefcount(obj) > 1_000_000
