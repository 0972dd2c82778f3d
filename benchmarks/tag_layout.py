"""How long the canvas takes to place word tags (``Canvas.declutter_labels``) on dense pages, on the GUI thread.

A page of ``--words`` boxes in a grid (3000 x 2000 image, lines 20 px apart, boxes 14 px tall) is shown in the
window; for each zoom the pass is timed (median of ``--repeats``) and the number of tags it shows is printed. The
pass runs once after a burst of zoom steps or edits, so this is the longest the window waits for it.

    QT_QPA_PLATFORM=offscreen python benchmarks/tag_layout.py
    QT_QPA_PLATFORM=offscreen python benchmarks/tag_layout.py --words 500 --zooms 0.5 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=3000, help="boxes on the page (default 3000)")
    parser.add_argument("--zooms", type=float, nargs="+", default=[0.3, 1.0, 3.0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    import numpy as np
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QColor, QImage
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    from app.main_window import MainWindow
    from app.settings import Settings
    from ocr_core.document import Page, Word

    with tempfile.TemporaryDirectory() as tmp:
        image_path = Path(tmp) / "page.png"
        image = QImage(3000, 2000, QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        image.save(str(image_path))
        settings = Settings(QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat))
        window = MainWindow(settings, lambda: None, load_models=False)  # type: ignore[arg-type,return-value]
        window.session.read_only = True  # nothing is written next to the page
        window.show()
        window.open_paths([image_path])
        per_line = 30
        words = [Word(quad=np.array([[x, y], [x + 50, y], [x + 50, y + 14], [x, y + 14]], float), text=f"w{k}",
                      confidence=0.9)
                 for k in range(args.words)
                 for x, y in [(10 + 98 * (k % per_line), 20 + 20 * (k // per_line))]]
        window.editor.replace_page(Page.from_words(words, width=3000, height=2000, group_lines=False), "bench")
        app.processEvents()
        canvas = window.page.canvas
        print(f"{len(words)} words, 3000x2000 page")
        for zoom in args.zooms:
            canvas.zoom_by(zoom / canvas.zoom)
            times = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                canvas.declutter_labels()
                times.append(time.perf_counter() - started)
            shown = sum(item.label.isVisible() for item in canvas.items_by_id().values())
            print(f"zoom {zoom:>4.0%}: {statistics.median(times) * 1000:7.1f} ms per pass, {shown} tags shown")
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
