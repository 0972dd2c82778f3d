"""``ocr-studio gui``: open the desktop window.

Importing this module does not import Qt (the ``ocr-studio`` parser registers it cheaply).

Example::

    ocr-studio gui                                  # the bundled sample image
    ocr-studio gui scans/ --recognize               # a folder, recognizing its unchecked images
    ocr-studio gui scan.png --recognize --screenshot window.png
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "configure_parser", "run", "TABS"]

TABS = ("annotate", "train", "training")


def configure_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Arguments shared by ``ocr-studio gui`` and ``python -m app.main``."""
    parser.add_argument("path", nargs="?", type=Path, default=None, metavar="IMAGE|FOLDER",
                        help="image or folder of images to open (default: the bundled sample image)")
    parser.add_argument("--recognize", action="store_true",
                        help="recognize the image (or the unchecked images of the folder) once the models load")
    parser.add_argument("--tab", choices=TABS, default="annotate", type=str.lower,
                        help="tab to show first (default: annotate)")
    parser.add_argument("--screenshot", type=Path, default=None, metavar="OUT.png",
                        help="wait until the requested work is done, save the window as PNG and quit; nothing "
                             "else is written (no annotations, no settings)")
    parser.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                        help="with --screenshot: give up after this long (default: 600)")
    parser.add_argument("--detector", default=None, metavar="NAME|DIR", help="detector model (name or folder)")
    parser.add_argument("--recognizer", default=None, metavar="NAME|DIR",
                        help="recognizer model (name or folder)")
    return parser


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "gui",
        help="open the desktop window (annotate, correct and export; train)",
        description="Open the OCR Studio window. With --screenshot it saves the window as PNG once the "
                    "requested work is done, then quits (exit code 0, or 1 with a message on failure).",
    )
    configure_parser(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from app.main import run_gui

    return run_gui(args)
