"""``ocr-studio split``: one PNG per page of multi-page TIFFs and PDFs, to annotate or train on them as images.

Example::

    ocr-studio split scans/report.pdf                 # -> scans/report.pdf.pages/report-p001.png ...
    ocr-studio split report.pdf --pages 2-4 --out pages/
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ocr_core.cli.progress import ProgressBar
from ocr_core.cli.recognize import page_selection
from ocr_core.errors import OcrError

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "split", help="write one PNG per page of multi-page TIFFs and PDFs (to annotate or train on)",
        description="Write each page of multi-page TIFFs and PDFs as a PNG, into <file>.pages/ next to the file "
                    "(or the per-user project folder when that folder is read-only). A scanned PDF page is "
                    "rendered at its scan's resolution, other PDF pages at 300 dpi. Splitting again adds missing pages and never replaces a page already there.")
    p.add_argument("inputs", nargs="+", type=Path, metavar="FILE", help="multi-page TIFF or PDF files")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="folder for the pages (one input only); default: <file>.pages next to it")
    p.add_argument("--pages", type=page_selection, default=None, metavar="LIST",
                   help="pages to write: 'all' (default) or numbers and ranges from 1, such as 1,3-5")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ocr_core.page_split import split_pages

    if args.out is not None and len(args.inputs) > 1:
        print("ocr-studio split: error: --out takes one input file (each file's pages need a folder of their "
              "own); leave it out to write <file>.pages next to each", file=sys.stderr)
        return 2
    status = 0
    for source in args.inputs:
        try:
            with ProgressBar(None, "pages") as bar:

                def progress(_done: int, total: int, message: str, bar: ProgressBar = bar) -> None:
                    bar.total = total
                    bar.update(1, message)

                result = split_pages(source, args.out, pages=args.pages, progress=progress)
        except (OcrError, OSError) as exc:
            print(f"ocr-studio split: error: {source}: {exc}", file=sys.stderr)
            status = 1
            continue
        for number, why in result.failed.items():
            print(f"ocr-studio split: warning: page {number} skipped: {why}", file=sys.stderr)
            status = 1
        kept = len(result.pages) - len(result.written)
        print(f"{source}: {len(result.pages)} page(s) in {result.folder} ({len(result.written)} written"
              + (f", {kept} already there, kept" if kept else "") + ")")
    return status
