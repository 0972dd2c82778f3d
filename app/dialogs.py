"""Modal questions the window asks (file choosers, import/export target).

Each is a plain function so tests can replace it (``monkeypatch.setattr(dialogs, "ask_export", ...)``).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from app.transfer import export_choices, import_choices
from ocr_core import listing
from ocr_core.imageio import SUPPORTED_SUFFIXES

__all__ = ["ask_open_images", "ask_open_folder", "ask_documents_to_split", "ask_split_pages", "ask_folder_in_use", "ask_import", "ask_export", "ask_discard_unsaved",
           "ask_replace_annotated", "ask_overwrite_files", "ask_close_with_autosaved_edits", "listed", "TransferDialog"]

_AUTO = "auto"


def image_filter() -> str:
    patterns = " ".join(f"*{s}" for s in SUPPORTED_SUFFIXES)
    return f"Images and documents ({patterns} *.pdf);;All files (*)"


def ask_documents_to_split(parent: QWidget | None, start_dir: str = "") -> list[str]:
    files, _ = QFileDialog.getOpenFileNames(parent, "Split documents into pages", start_dir,
                                            "Documents (*.pdf *.tif *.tiff);;All files (*)")
    return list(files)


def ask_folder_in_use(parent: QWidget | None, folder: str, holder: str) -> str:
    """Another window edits ``folder``: ``'read-only'``, ``'anyway'`` (take it over) or ``'cancel'``."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Folder in use",
                      f"{folder} is being edited in another OCR Studio window ({holder}).\n\nTwo windows editing the "
                      "same images would overwrite each other's changes and crash-recovery files. Open it read-only "
                      "(nothing is saved from this window), or open it for editing all the same if that window is gone "
                      "(a crash on another computer, a stale lock).", parent=parent)
    read_only = box.addButton("Open Read-Only", QMessageBox.ButtonRole.AcceptRole)
    anyway = box.addButton("Edit All the Same", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(read_only)
    box.exec()
    return "read-only" if box.clickedButton() is read_only else "anyway" if box.clickedButton() is anyway else "cancel"


def ask_split_pages(parent: QWidget | None, names: list[str]) -> bool:
    """Multi-page files (PDFs, TIFFs) were opened: True to split them into one image per page and open those."""
    box = QMessageBox(QMessageBox.Icon.Question, "Open the pages",
                      f"{listed(names)} {'hold' if len(names) > 1 else 'holds'} several pages. The window works on "
                      "images: split each page into an image of its own (a PNG in a '<file>.pages' folder next to "
                      "the file) and open those? Pages split before are kept, with their annotations.",
                      parent=parent)
    split = box.addButton("Split into Pages", QMessageBox.ButtonRole.AcceptRole)
    # a PDF is not an image the window can show as it is: without splitting there is nothing to open
    only_pdfs = all(name.lower().endswith(".pdf") for name in names)
    box.addButton("Cancel" if only_pdfs else "Open First Page Only", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(split)
    box.exec()
    return box.clickedButton() is split


def ask_open_images(parent: QWidget | None, start_dir: str = "") -> list[str]:
    files, _ = QFileDialog.getOpenFileNames(parent, "Open images", start_dir, image_filter())
    return list(files)


def ask_open_folder(parent: QWidget | None, start_dir: str = "") -> str | None:
    folder = QFileDialog.getExistingDirectory(parent, "Open a folder of images", start_dir)
    return folder or None


class TransferDialog(QDialog):
    """Pick an annotation format and a file or folder (import) or an output folder (export)."""

    def __init__(self, parent: QWidget | None, export: bool, start_dir: str = "") -> None:
        super().__init__(parent)
        self.export = export
        self.setWindowTitle("Export annotations" if export else "Import annotations")
        self.setMinimumWidth(560)
        self.format = QComboBox()
        if not export:
            self.format.addItem("Detect from the file", _AUTO)
        for name, description in (export_choices() if export else import_choices()):
            self.format.addItem(f"{name} \u2014 {description}", name)
        self.path = QLineEdit(start_dir)
        self.path.setPlaceholderText("Output folder" if export else "Annotation file or folder")
        browse_row = QHBoxLayout()
        browse_row.addWidget(self.path, 1)
        folder_button = QPushButton("Folder\u2026")
        folder_button.clicked.connect(self._browse_folder)
        browse_row.addWidget(folder_button)
        if not export:
            file_button = QPushButton("File\u2026")
            file_button.clicked.connect(self._browse_file)
            browse_row.addWidget(file_button)
        form = QFormLayout(self)
        form.addRow("Format", self.format)
        form.addRow("Folder" if export else "From", browse_row)
        hint = ("Exports every image of the open folder that has boxes; the current page as edited."
                if export else "Pages are matched to the open images by file name.")
        note = QLabel(hint)
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(mid);")
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.windowTitle(), self.path.text())
        if folder:
            self.path.setText(folder)

    def _browse_file(self) -> None:
        file, _ = QFileDialog.getOpenFileName(self, self.windowTitle(), self.path.text(),
                                              "Annotations (*.txt *.json *.hocr *.html *.xml);;All files (*)")
        if file:
            self.path.setText(file)

    def choice(self) -> tuple[str, str | None]:
        fmt = self.format.currentData()
        return self.path.text().strip(), (None if fmt == _AUTO else str(fmt))


def ask_import(parent: QWidget | None, start_dir: str = "") -> tuple[str, str | None] | None:
    """``(path, format or None to detect)``, or ``None`` when cancelled."""
    dialog = TransferDialog(parent, export=False, start_dir=start_dir)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    path, fmt = dialog.choice()
    return (path, fmt) if path else None


def ask_export(parent: QWidget | None, start_dir: str = "") -> tuple[str, str] | None:
    """``(output folder, format)``, or ``None`` when cancelled."""
    dialog = TransferDialog(parent, export=True, start_dir=start_dir)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    path, fmt = dialog.choice()
    return (path, fmt or "icdar2015") if path else None


def listed(names: list[str], shown: int = 5) -> str:
    """``"a, b, c and 4 more"``: the first ``shown`` names of a list, for a question's text."""
    return listing.listed(names, shown)


def _confirm_risk(parent: QWidget | None, title: str, text: str, risky: str, safe: str) -> bool:
    """A warning with a risky and a safe button (the default): True when the user chose the risky one."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
    go = box.addButton(risky, QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(box.addButton(safe, QMessageBox.ButtonRole.RejectRole))
    box.exec()
    return box.clickedButton() is go


def ask_discard_unsaved(parent: QWidget | None, name: str, reason: str) -> bool:
    """The edits of ``name`` could be neither saved nor autosaved: True to drop them, False to stay with them."""
    return _confirm_risk(parent, "Changes cannot be saved",
                         f"Your changes to {name} could not be written to disk:\n{reason}\n\n"
                         "If you go on, they are lost. Stay to fix the folder's permissions or free some space, "
                         "then save (Ctrl+S), or export them (File > Export).", "Discard Changes", "Stay")


def ask_replace_annotated(parent: QWidget | None, action: str, names: list[str], total: int, *,
                          keeps_hand_made: bool = False) -> str:
    """``names`` of the ``total`` images ``action`` would change already have boxes: ``'replace'`` them too,
    ``'skip'`` them, or ``'cancel'``. ``keeps_hand_made``: the action keeps the words a person drew, typed or
    marked (recognition), rather than replacing every box (import)."""
    shown = listed(names)
    count = f"{len(names)} of the {total} images" if total > 1 else "This image"
    if keeps_hand_made:
        what = (f"{action} would read them again. Boxes you drew, typed or corrected and ### marks are kept; the "
                "model's other words are replaced (the previous file is kept as .bak).")
    else:
        what = f"{action} would replace them, corrections included (the previous file is kept as .bak)."
    box = QMessageBox(QMessageBox.Icon.Question, action,
                      f"{count} already {'have' if total > 1 else 'has'} boxes ({shown}). {what}", parent=parent)
    skip = box.addButton("Skip Those", QMessageBox.ButtonRole.AcceptRole)
    replace = box.addButton("Read Them Again" if keeps_hand_made else "Replace Them",
                            QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(skip)
    box.exec()
    return "replace" if box.clickedButton() is replace else "skip" if box.clickedButton() is skip else "cancel"


def ask_overwrite_files(parent: QWidget | None, folder: str, names: list[str]) -> bool:
    """An export would write over ``names`` in ``folder``: True to replace them, False to leave everything as it is."""
    shown = listed(names)
    return _confirm_risk(parent, "Replace Existing Files?",
                         f"{len(names)} file{'s' if len(names) != 1 else ''} in {folder} would be replaced by the "
                         f"export ({shown}). Their current content is lost, including anything another tool wrote "
                         "there for other images.", "Replace", "Cancel")


def ask_close_with_autosaved_edits(parent: QWidget | None, name: str, reason: str) -> bool:
    """Closing: the edits of ``name`` could not be saved but are in its autosave. True to close all the same."""
    return _confirm_risk(parent, "Changes not saved",
                         f"Your changes to {name} could not be saved:\n{reason}\n\nThey are kept in its autosave and "
                         "come back when you open this folder again, but exports and training do not see them until "
                         "they are saved. Stay to fix the problem (the folder's permissions, free space, or a "
                         "malformed annotation file to set aside) and save (Ctrl+S).",
                         "Close Anyway", "Stay")
