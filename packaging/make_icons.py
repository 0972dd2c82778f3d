"""Render the app icon ``resources/icons/ocr-studio.svg`` to PNGs (48, 128 and 256 px) for desktops and bundles.

Run: ``.venv/bin/python packaging/make_icons.py`` (needs no display: Qt's offscreen platform).
Writes ``resources/icons/ocr-studio-<size>.png``; the PNGs are committed, so only rerun after editing the SVG.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["SIZES", "render_icons"]

SIZES = (48, 128, 256)
ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"


def render_icons(svg: Path = ICONS / "ocr-studio.svg", out_dir: Path = ICONS,
                 sizes: tuple[int, ...] = SIZES) -> list[Path]:
    """Render ``svg`` to ``<out_dir>/<stem>-<size>.png`` for each size; returns the written paths.

    >>> render_icons()  # doctest: +SKIP
    [PosixPath('.../ocr-studio-48.png'), ...]
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG file")
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        out = out_dir / f"{svg.stem}-{size}.png"
        if not image.save(str(out)):  # format from the .png suffix
            raise SystemExit(f"{out}: cannot write the PNG")
        written.append(out)
    del _app
    return written


if __name__ == "__main__":
    for path in render_icons():
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
