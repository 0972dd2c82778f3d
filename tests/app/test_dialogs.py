"""The questions that guard the user's work: the button pressed is the answer, and the safe one is the default."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def _press(label: str | None) -> None:
    """Press the button named ``label`` of the next modal box (``None``: Enter, the default button)."""
    def go() -> None:
        box = QApplication.activeModalWidget()
        assert box is not None
        if label is None:
            box.defaultButton().click()
            return
        next(b for b in box.buttons() if b.text() == label).click()
    QTimer.singleShot(50, go)


@pytest.mark.parametrize(("ask", "risky"), [
    (lambda d: d.ask_overwrite_files(None, "/data", ["Label.txt"]), "Replace"),
    (lambda d: d.ask_close_with_autosaved_edits(None, "a.png", "No space left on device"), "Close Anyway"),
    (lambda d: d.ask_discard_unsaved(None, "a.png", "No space left on device"), "Discard Changes"),
])
def test_only_the_risky_button_says_yes(qtbot, monkeypatch, ask, risky):
    from app import dialogs

    monkeypatch.undo()  # the real dialogs, not the suite's stand-ins
    _press(risky)
    assert ask(dialogs) is True
    _press(None)  # the default button is the safe one
    assert ask(dialogs) is False
