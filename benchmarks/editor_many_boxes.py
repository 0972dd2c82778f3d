"""Box editor on a page with many boxes: how long the window is busy selecting all, deleting them, and undoing
and redoing the delete (each is one undo step; the canvas and the word list redraw from the model's signals).

A fake engine serves the window (no model is loaded); the page is a blank image in a temporary folder.

    python benchmarks/editor_many_boxes.py              # 2,000 boxes
    python benchmarks/editor_many_boxes.py --boxes 5000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--boxes", type=int, default=2000, help="boxes on the page (default 2000)")
    args = parser.parse_args(argv)
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from gui_latency import _fake_factory
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QColor, QImage
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow
    from app.settings import Settings
    from ocr_core.document import Page, Word
    from ocr_core.geometry import quad_from_rect

    work = Path(tempfile.mkdtemp(prefix="ocr-studio-bench-"))
    width, columns = 2000, 90
    rows = (args.boxes + columns - 1) // columns
    height = max(200, 20 * rows + 20)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    image.save(str(work / "page.png"))

    qapp = QApplication.instance() or QApplication([sys.argv[0]])
    window = MainWindow(Settings(QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)),
                        _fake_factory(0.0))
    window.show()
    assert window.open_paths([work])
    words = [Word(quad_from_rect(20 * (i % columns), 20 * (i // columns), 20 * (i % columns) + 15,
                                 20 * (i // columns) + 12), f"w{i}") for i in range(args.boxes)]
    window.editor.replace_page(Page.from_words(words, width, height, group_lines=False), "setup")
    qapp.processEvents()

    def timed(label: str, action) -> None:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        action()
        qapp.processEvents()
        print(f"{label:<22} {time.perf_counter() - start:6.2f} s")

    print(f"{args.boxes} boxes")
    timed("select all", lambda: window.selection.select(window.model.word_ids()))
    timed("delete", window.action_set["delete"].trigger)
    timed("undo the delete", window.stack.undo)
    timed("redo the delete", window.stack.redo)
    ok = len(window.model) == 0
    window.stack.setClean()
    window.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
