"""The window's actions with their shortcuts (GUI.md keyboard habits), menus and toolbar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QUndoStack
from PySide6.QtWidgets import QMenu, QToolBar

from app.actions import ActionSet

if TYPE_CHECKING:
    from app.main_window import MainWindow

__all__ = ["GROW_PX", "build_actions", "build_menus"]

#: Pixels each edge of a box moves with Grow Boxes (=) / Shrink Boxes (-).
GROW_PX = 2.0


def _follow_stack(stack: QUndoStack, undo: QAction, redo: QAction) -> None:
    """Undo and redo enabled and named after the stack's next steps, as ``QUndoStack.createUndoAction`` does
    (from the signals' values: the stack may be on its way out when they come)."""
    stack.canUndoChanged.connect(undo.setEnabled)
    stack.canRedoChanged.connect(redo.setEnabled)
    stack.undoTextChanged.connect(lambda text: undo.setText(f"&Undo {text}".rstrip()))
    stack.redoTextChanged.connect(lambda text: redo.setText(f"&Redo {text}".rstrip()))
    undo.setEnabled(stack.canUndo())
    redo.setEnabled(stack.canRedo())


def build_actions(w: MainWindow) -> ActionSet:
    """Every action of the window; handlers live in the window's controllers."""
    a = ActionSet(w, before=w.editor.commit_pending_text)
    ed, ses, rec, canvas = w.editor, w.session, w.recognition, w.page.canvas
    # File
    a.add("open", "&Open Images\u2026", w.open_images_dialog, ["Ctrl+O"], "open")
    a.add("open_folder", "Open &Folder\u2026", w.open_folder_dialog, ["Ctrl+U"], "folder")
    a.add("save", "&Save", w.save, ["Ctrl+S"], "save")
    a.add("split_pages", "Split into &Pages\u2026", w.split_documents_dialog, [], None,
          "One image per page of a PDF or multi-page TIFF (the one on screen, or files you pick), then open them")
    a.add("import", "&Import Annotations\u2026", w.import_dialog, [], "import")
    a.add("export", "&Export Annotations\u2026", w.export_dialog, ["Ctrl+E"], "export")
    a.add("quit", "&Quit", w.close, ["Ctrl+Q"])
    # Edit
    # Undo and redo commit text being typed too (the step typed is then undone, and redo brings it back)
    undo = a.add("undo", "&Undo", w.stack.undo, ["Ctrl+Z"], "undo")
    redo = a.add("redo", "&Redo", w.stack.redo, ["Ctrl+Shift+Z", "Ctrl+Y"], "redo")
    _follow_stack(w.stack, undo, redo)
    a.add("draw_rect", "Draw &Rectangle", lambda: canvas.set_mode("rect"), ["W"], "rect",
          "Draw a rectangle box: drag on the image")
    a.add("draw_quad", "Draw 4-Point &Quad", lambda: canvas.set_mode("quad"), ["Q"], "quad",
          "Draw a rotated box: click its four corners")
    a.add("delete", "&Delete Boxes", ed.delete_selected, ["Del", "Backspace"], "delete")
    a.add("duplicate", "D&uplicate Boxes", ed.duplicate_selected, ["Ctrl+D"], "duplicate")
    a.add("copy_boxes", "&Copy Boxes", w.copy_boxes, ["Ctrl+C"], None,
          "Keep the selected boxes to paste on this or another image; their text goes to the clipboard")
    a.add("paste_boxes", "&Paste Boxes", w.paste_boxes, ["Ctrl+V"], None,
          "The copied boxes at the same place (forms: copy the fields once, paste them on every copy, Ctrl+R)")
    a.add("lock_boxes", "&Lock Boxes onto Next Images", w.set_box_lock, [], None,
          "Fixed-layout forms: the selected boxes (or all) are placed on every next image that has none, and read",
          checkable=True)
    a.add("edit_text", "Edit &Text", w.edit_current_text, ["F2"], "text")
    a.add("illegible", "Mark &Illegible (###)", ed.toggle_ignore_selected, ["I"], "illegible",
          "Mark the selected boxes illegible (###, ignored by training), or legible again")
    a.add("rotate_ccw", "Rotate Left 1\u00b0", lambda: ed.rotate_selected(-1.0), ["["], "rotate-left")
    a.add("rotate_cw", "Rotate Right 1\u00b0", lambda: ed.rotate_selected(1.0), ["]"], "rotate-right")
    a.add("rotate_ccw_big", "Rotate Left 15\u00b0", lambda: ed.rotate_selected(-15.0), ["Ctrl+["])
    a.add("rotate_cw_big", "Rotate Right 15\u00b0", lambda: ed.rotate_selected(15.0), ["Ctrl+]"])
    a.add("grow", "&Grow Boxes", lambda: ed.grow_selected(GROW_PX), ["="],
          None, f"Move every edge of the selected boxes out by {GROW_PX:g} pixels")
    a.add("shrink", "S&hrink Boxes", lambda: ed.grow_selected(-GROW_PX), ["-"],
          None, f"Move every edge of the selected boxes in by {GROW_PX:g} pixels")
    a.add("sort", "Re-sort into &Reading Order", ed.sort_reading_order, ["Ctrl+Shift+O"], "sort")
    a.add("earlier", "Move Box Earlier in Order", lambda: ed.move_in_order(-1), ["Alt+Up"])
    a.add("later", "Move Box Later in Order", lambda: ed.move_in_order(1), ["Alt+Down"])
    a.add("select_all", "Select &All Boxes", ed.select_all, ["Ctrl+A"])
    a.add("check", "Mark Image &Done and Go On", w.check_image, ["Space"], "done",
          "Mark this image done (checked), save it and go to the next image")
    # View
    a.add("zoom_in", "Zoom &In", canvas.zoom_in, ["Ctrl+=", "Ctrl++"], "zoom-in")
    a.add("zoom_out", "Zoom &Out", canvas.zoom_out, ["Ctrl+-"], "zoom-out")
    a.add("fit", "&Fit Image", canvas.fit, ["Ctrl+0"], "fit")
    a.add("actual", "&Actual Size", canvas.actual_size, ["Ctrl+1"])
    labels = a.add("labels", "Show Text &Labels", canvas.set_show_labels, ["Ctrl+T"], checkable=True)
    labels.setChecked(w.settings.show_labels)
    numbers = a.add("numbers", "Show Box &Numbers", canvas.set_show_numbers, ["Ctrl+N"], checkable=True)
    numbers.setChecked(w.settings.show_numbers)
    # Go
    a.add("next_image", "&Next Image", lambda: ses.next_image(1), ["D"], "next")
    a.add("prev_image", "&Previous Image", lambda: ses.next_image(-1), ["A"], "previous")
    a.add("next_unchecked", "Next &Unchecked Image", ses.next_unchecked, ["Shift+D"])
    a.add("next_word", "Next &Word", lambda: ed.select_step(1), ["Tab"])
    a.add("prev_word", "Previous W&ord", lambda: ed.select_step(-1), ["Shift+Tab", "Backtab"])
    a.add("next_low", "Next &Low-Confidence Word", w.review_next,
          ["F3"], "review")
    # Recognize
    a.add("recognize", "&Recognize Image", rec.recognize_current, ["Ctrl+Return"], "recognize",
          "Detect and read the words of this image")
    a.add("recognize_folder", "Recognize &Unchecked Images", rec.recognize_unchecked, ["Ctrl+Shift+Return"],
          "recognize-all", "Detect and read every image that is not marked done")
    a.add("rerecognize", "Re-recognize &Selected Boxes", rec.rerecognize_selected, ["Ctrl+R"], "rerecognize",
          "Read the selected boxes again without detecting")
    a.add("rerecognize_all", "Re-recognize &All Boxes", rec.rerecognize_all, ["Ctrl+Shift+R"])
    keep = a.add("keep_low", "&Keep Low-Confidence Boxes", w.set_keep_low_confidence, [], None,
                 "Keep the boxes the recognizer reads as nothing likely (clutter, or text to type by hand) and the "
                 "faint ones it cannot confirm; from the next recognition on", checkable=True)
    keep.setChecked(w.settings.keep_low_confidence)
    dictionary = a.add("use_dictionary", "Use &Dictionary", w.set_use_dictionary, [], None,
                       "Where the model reads a near miss of a dictionary word (\u201camenca\u201d), take the "
                       "word; clear readings, numbers and codes are never changed; from the next recognition on",
                       checkable=True)
    dictionary.blockSignals(True)  # the window tells the engine once, whichever state this starts in
    dictionary.setChecked(w.settings.use_dictionary)
    dictionary.blockSignals(False)
    a.add("cancel", "&Cancel Recognition", rec.cancel, ["Ctrl+."], "cancel")
    a.add("reload_models", "Re&load Models", w.engine.load)
    # Help
    a.add("shortcuts", "&Keyboard Shortcuts", w.show_shortcuts, ["F1"])
    a.add("about", "&About OCR Studio", w.show_about)
    return a


def build_menus(w: MainWindow, a: ActionSet) -> QMenu:
    """Fill the menu bar and the annotate toolbar; returns the recent-files menu."""
    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    _add(file_menu, a, "open", "open_folder")
    recent = file_menu.addMenu("Open &Recent")
    _add(file_menu, a, "split_pages")
    file_menu.addSeparator()
    _add(file_menu, a, "save", None, "import", "export", None, "quit")
    edit = bar.addMenu("&Edit")
    _add(edit, a, "undo", "redo", None, "draw_rect", "draw_quad", None, "edit_text", "illegible", "duplicate",
         "copy_boxes", "paste_boxes", "lock_boxes", "delete", None, "rotate_ccw", "rotate_cw", "rotate_ccw_big", "rotate_cw_big", "grow", "shrink", None, "sort", "earlier",
         "later", None, "select_all", "check")
    view = bar.addMenu("&View")
    _add(view, a, "zoom_in", "zoom_out", "fit", "actual", None, "labels", "numbers", None)
    view.addAction(w.page.files_dock.toggleViewAction())
    view.addAction(w.page.words_dock.toggleViewAction())
    go = bar.addMenu("&Go")
    _add(go, a, "next_image", "prev_image", "next_unchecked", None, "next_word", "prev_word", "next_low")
    recognize = bar.addMenu("&Recognize")
    _add(recognize, a, "recognize", "recognize_folder", None, "rerecognize", "rerecognize_all", None, "keep_low",
         "use_dictionary", None, "cancel", "reload_models")
    help_menu = bar.addMenu("&Help")
    _add(help_menu, a, "shortcuts", "about")

    tb = w.page.toolbar
    _add(tb, a, "open", "open_folder", "save", None, "undo", "redo", None, "draw_rect", "draw_quad",
         "illegible", "delete", None, "recognize", "recognize_folder", "rerecognize", None, "prev_image",
         "next_image", "check", None, "fit")
    for name, text in (("open", "Open"), ("draw_rect", "Rectangle"), ("recognize", "Recognize"),
                       ("recognize_folder", "Recognize All"), ("check", "Done")):
        a[name].setIconText(text)
    for name in ("open_folder", "undo", "redo", "delete", "illegible", "prev_image", "next_image", "fit",
                 "rerecognize", "draw_quad"):
        a[name].setPriority(QAction.Priority.LowPriority)
    return recent


def _add(menu: QMenu | QToolBar, a: ActionSet, *names: str | None) -> None:
    for name in names:
        if name is None:
            menu.addSeparator()
        else:
            menu.addAction(a[name])
