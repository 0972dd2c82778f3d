"""Window actions (menus, toolbar, shortcuts) and the guard that keeps shortcuts out of text fields.

Single-letter keys (D, A, W, Q, Space ...) and every other window shortcut are switched off while
a text field has focus, so typing a correction never changes image or deletes a box.

>>> actions = ActionSet(window)                                   # doctest: +SKIP
>>> actions.add("save", "&Save", window.save, ["Ctrl+S"], "save")  # doctest: +SKIP
>>> ShortcutGuard(actions.shortcuts())                                  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from app.widgets.theme import icon

__all__ = ["ActionSet", "ShortcutGuard", "is_text_input"]


def is_text_input(widget: QWidget | None) -> bool:
    """True for widgets that take typed text (line edits, text edits, spin boxes, editable combos), and for
    read-only text views whose text can be selected (a log: Ctrl+C copies its text there)."""
    if widget is None:
        return False
    if isinstance(widget, (QTextEdit, QPlainTextEdit)):
        return not widget.isReadOnly() or bool(
            widget.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByKeyboard
            or widget.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse)
    if isinstance(widget, (QLineEdit, QAbstractSpinBox)):
        return True
    return isinstance(widget, QComboBox) and widget.isEditable()


class ActionSet:
    """Named ``QAction``s owned by one widget (so their shortcuts work window-wide).

    ``before`` runs ahead of every action's handler: the window commits the text being typed there, since a
    toolbar button or a menu takes no focus from the text field, and the action (next image, done, save,
    undo) would otherwise act on the page without the typed text, which is then lost.
    """

    def __init__(self, owner: QWidget, before: Callable[[], object] | None = None) -> None:
        self._owner = owner
        self._before = before or (lambda: None)
        self._actions: dict[str, QAction] = {}
        self._keys: dict[str, list[QKeySequence]] = {}

    def add(self, name: str, text: str, slot: Callable[..., object] | None = None,
            shortcuts: Sequence[str] = (), icon_name: str | None = None, tip: str = "",
            checkable: bool = False) -> QAction:
        action = QAction(text, self._owner)
        action.setObjectName(name)
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if icon_name:
            action.setIcon(icon(icon_name))
        keys = ", ".join(QKeySequence(s).toString(QKeySequence.SequenceFormat.NativeText) for s in shortcuts)
        tooltip = tip or text.replace("&", "").rstrip("\u2026")
        action.setToolTip(f"{tooltip} ({keys})" if keys else tooltip)
        action.setStatusTip(tooltip)
        action.setCheckable(checkable)
        if slot is not None:
            before = self._before
            if checkable:
                action.toggled.connect(lambda checked: (before(), slot(checked)))
            else:
                action.triggered.connect(lambda _checked=False: (before(), slot()))
        self._owner.addAction(action)
        self._actions[name] = action
        self._keys[name] = list(action.shortcuts())
        return action

    def __getitem__(self, name: str) -> QAction:
        return self._actions[name]

    def __contains__(self, name: str) -> bool:
        return name in self._actions

    def all(self) -> list[QAction]:
        return list(self._actions.values())

    def shortcuts(self) -> dict[QAction, list[QKeySequence]]:
        """Each action's shortcuts as defined (the guard may have cleared them for now)."""
        return {self._actions[name]: keys for name, keys in self._keys.items() if keys}

    def shortcut_table(self) -> list[tuple[str, str]]:
        """``(keys, action text)`` for the shortcuts help."""
        rows = []
        for name, keys in self._keys.items():
            action = self._actions[name]
            if keys:
                text = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
                rows.append((text, action.text().replace("&", "")))
        return rows


class ShortcutGuard(QObject):
    """Removes the shortcuts of ``actions`` while a text input has focus and restores them after."""

    def __init__(self, shortcuts: dict[QAction, list[QKeySequence]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._shortcuts = dict(shortcuts)
        self.suspended = False
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus)
            self._on_focus(None, app.focusWidget())

    def _on_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        suspend = is_text_input(new)
        if suspend == self.suspended:
            return
        self.suspended = suspend
        for action, keys in self._shortcuts.items():
            action.setShortcuts([] if suspend else keys)
