"""Settings of the synthetic data: alphabet, fonts, backgrounds and page layout. Any change emits
``changed`` (the controller regenerates the preview, debounced); ``fontsChanged`` asks for the font
list again (alphabet, system fonts or font folders changed).

>>> form = SynthForm()                          # doctest: +SKIP
>>> form.preview_settings("detector", count=6)  # doctest: +SKIP
PreviewSettings(alphabet='0123...', ...)
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.widgets.train_fonts import FolderList, FontPicker
from ocr_core.alphabet import DEFAULT_ALPHABET, LATIN_ALPHABET
from ocr_core.synth_preview import PreviewSettings

__all__ = ["SynthForm", "ALPHABET_PRESETS"]

#: Alphabet presets (spaces are added for text generation; they are not characters to draw).
ALPHABET_PRESETS = {
    "Letters, digits, punctuation": DEFAULT_ALPHABET.replace(" ", ""),
    "Western European letters, digits, punctuation": LATIN_ALPHABET.replace(" ", ""),
    "Letters, digits, !?. (keras-ocr notebook)": "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!?.",
    "Lower case and digits": "0123456789abcdefghijklmnopqrstuvwxyz",
    "Digits and amounts": "0123456789.,-+/:%$\u20ac",
}
_CUSTOM = "Custom"


def _spin(low: int, high: int, value: int, suffix: str = "", step: int = 1) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setSingleStep(step)
    if suffix:
        box.setSuffix(suffix)
    return box


def _dspin(low: float, high: float, value: float, decimals: int, step: float, prefix: str = "\u00b1 ",
           suffix: str = "\u00b0") -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setValue(value)
    box.setPrefix(prefix)
    box.setSuffix(suffix)
    return box


def _row(*widgets: QWidget, stretch: bool = True) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(6)
    for widget in widgets:
        layout.addWidget(widget)
    if stretch:
        layout.addStretch(1)
    return box


class SynthForm(QWidget):
    """Alphabet, font families, backgrounds and the page layout of synthetic samples."""

    changed = Signal()
    fontsChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preset = QComboBox()
        for name in ALPHABET_PRESETS:
            self.preset.addItem(name)
        self.preset.addItem(_CUSTOM)
        self.alphabet = QLineEdit(ALPHABET_PRESETS["Letters, digits, punctuation"])
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.alphabet.setFont(mono)
        self.alphabet.setPlaceholderText("Characters the model reads")
        self.alphabet.setCursorPosition(0)
        self.alphabet_count = QLabel()
        self.alphabet_count.setStyleSheet("color: #5b616b;")
        self.preset.activated.connect(self._on_preset)
        self.alphabet.textEdited.connect(self._on_alphabet_edited)
        self.alphabet.editingFinished.connect(self._on_alphabet_done)

        self.fonts = FontPicker()
        self.system_fonts = QCheckBox("System fonts")
        self.system_fonts.setChecked(True)
        self.font_dirs = FolderList("Add a folder of fonts", "Add font folder\u2026")
        self.procedural = QCheckBox("Procedural (paper, noise, wood, scenes\u2026)")
        self.procedural.setChecked(True)
        self.photo_dirs = FolderList("Add a folder of background photos", "Add photo folder\u2026")

        self.size_min = _spin(4, 400, 16, " px")
        self.size_max = _spin(4, 400, 56, " px")
        self.rot_x = _dspin(0, 1, 0.05, 2, 0.01)
        self.rot_y = _dspin(0, 1, 0.05, 2, 0.01)
        self.rot_z = _dspin(0, 180, 10, 0, 1)
        self.margin = _spin(0, 200, 8, " px")
        self.width_box = _spin(64, 2048, 384, " px", 32)
        self.height_box = _spin(64, 2048, 384, " px", 32)
        # Detector training pages are square (one side, a multiple of 32): the preview shows pages as trained
        self.width_box.setToolTip("Side of the square pages the detector is trained on (a multiple of 32)")
        self.height_box.setEnabled(False)
        self.height_box.setToolTip("Pages are square: the same as the side on the left")
        self.width_box.valueChanged.connect(self.height_box.setValue)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(6)
        form.addRow("Alphabet", self.preset)
        form.addRow("", self.alphabet)
        form.addRow("", self.alphabet_count)
        fonts_box = QWidget()
        fonts_layout = QVBoxLayout(fonts_box)
        fonts_layout.setContentsMargins(0, 0, 0, 0)
        fonts_layout.setSpacing(4)
        fonts_layout.addWidget(self.fonts)
        fonts_layout.addWidget(_row(self.system_fonts))
        fonts_layout.addWidget(self.font_dirs)
        form.addRow("Fonts", fonts_box)
        backgrounds = QWidget()
        bg_layout = QVBoxLayout(backgrounds)
        bg_layout.setContentsMargins(0, 0, 0, 0)
        bg_layout.setSpacing(4)
        bg_layout.addWidget(self.procedural)
        bg_layout.addWidget(self.photo_dirs)
        form.addRow("Backgrounds", backgrounds)
        dash = QLabel("\u2013")
        form.addRow("Font size", _row(self.size_min, dash, self.size_max))
        form.addRow("Tilt X / Y", _row(self.rot_x, self.rot_y))
        form.addRow("Rotation", _row(self.rot_z))
        form.addRow("Margin", _row(self.margin))
        form.addRow("Page size", _row(self.width_box, QLabel("\u00d7"), self.height_box))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)

        for spin in (self.size_min, self.size_max, self.rot_x, self.rot_y, self.rot_z, self.margin,
                     self.width_box, self.height_box):
            spin.valueChanged.connect(self.changed)
        self.fonts.changed.connect(self.changed)
        self.procedural.toggled.connect(self.changed)
        self.photo_dirs.changed.connect(self.changed)
        for signal in (self.system_fonts.toggled, self.font_dirs.changed):
            signal.connect(self.fontsChanged)
            signal.connect(self.changed)
        self._last_alphabet = self.alphabet.text()
        self.user_alphabet = False  # True once the user chose an alphabet (it then stays as chosen)
        self._update_count()

    # -- alphabet -----------------------------------------------------------------------------
    def set_alphabet(self, text: str) -> None:
        """Set the alphabet (selecting its preset when it is one) and refresh fonts and preview."""
        self.alphabet.setText(text)
        self._sync_preset()
        self._on_alphabet_done()

    def _on_preset(self, index: int) -> None:
        self.user_alphabet = True
        name = self.preset.itemText(index)
        if name in ALPHABET_PRESETS:
            self.alphabet.setText(ALPHABET_PRESETS[name])
            self._on_alphabet_done()
        else:
            self.alphabet.setFocus()

    def _on_alphabet_edited(self, _text: str) -> None:
        self.user_alphabet = True
        self._sync_preset()
        self._update_count()

    def _sync_preset(self) -> None:
        text = "".join(self.alphabet.text().split())  # spaces are not characters to draw
        name = next((n for n, chars in ALPHABET_PRESETS.items() if chars == text), _CUSTOM)
        self.preset.setCurrentText(name)

    def _on_alphabet_done(self) -> None:
        self._update_count()
        if self.alphabet.text() != self._last_alphabet:
            self._last_alphabet = self.alphabet.text()
            self.fontsChanged.emit()
            self.changed.emit()

    def _update_count(self) -> None:
        chars = self.drawn_alphabet()
        self.alphabet_count.setText(f"{len(chars)} characters" if chars else "The alphabet is empty")

    def drawn_alphabet(self) -> str:
        """The alphabet's distinct characters, without spaces."""
        return "".join(dict.fromkeys(c for c in self.alphabet.text() if not c.isspace()))

    # -- settings -----------------------------------------------------------------------------
    def preview_settings(self, mode: str, count: int, seed: int = 0, crop_size: tuple[int, int] = (32, 128),
                         color: bool = False, alphabet: str | None = None) -> PreviewSettings:
        """The settings as a :class:`PreviewSettings`; ``alphabet`` replaces the typed one plus a space
        (e.g. the recognizer's alphabet for crops)."""
        drawn = self.drawn_alphabet()
        if alphabet is None:
            alphabet = drawn + " " if drawn else ""
        return PreviewSettings(
            alphabet=alphabet, mode=mode,  # type: ignore[arg-type]
            fonts=self.fonts.selected_fonts(), font_dirs=self.font_dirs.folders(),
            include_system=self.system_fonts.isChecked(), procedural_backgrounds=self.procedural.isChecked(),
            photo_dirs=self.photo_dirs.folders(), font_size=(self.size_min.value(), self.size_max.value()),
            rotation_x=self.rot_x.value(), rotation_y=self.rot_y.value(), rotation_z=self.rot_z.value(),
            margin=self.margin.value(), width=self.width_box.value(), height=self.height_box.value(),
            crop_height=crop_size[0], crop_width=crop_size[1], color=color, count=count, seed=seed)
