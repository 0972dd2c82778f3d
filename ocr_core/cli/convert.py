"""``ocr-studio convert``: convert annotations between formats.

Example::

    ocr-studio convert --from icdar2015 --to ppocrlabel dataset/gt export/ --images dataset/images
    ocr-studio convert --to labelme Label.txt labelme_out/      # input format detected
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ocr_core.atomic import planning_writes
from ocr_core.cli.options import add_overwrite_option, replacing_problem
from ocr_core.errors import OcrError
from ocr_core.file_set import FileSetGuard
from ocr_core.formats._common import recording_reads

__all__ = ["add_parser", "run"]

#: Formats that cannot hold an illegible (``###``) box: their writers leave those boxes out.
_NO_ILLEGIBLE = ("hocr", "text", "pdf")


def add_parser(subparsers: Any) -> None:
    from ocr_core.formats import FORMATS, readable_formats, writable_formats

    formats = "\n".join(f"  {name:<11} {codec.description}" for name, codec in FORMATS.items())
    p = subparsers.add_parser(
        "convert",
        help="convert annotations between formats (ICDAR 2015, PPOCRLabel, labelme, COCO-Text, hOCR...)",
        description="Convert annotations between formats. The input format is detected when --from is "
                    "omitted.\n\nformats:\n" + formats,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--from", dest="from_format", choices=readable_formats(), default=None, metavar="FMT",
                   help=f"input format ({', '.join(readable_formats())}); default: detected")
    p.add_argument("--to", dest="to_format", choices=writable_formats(), required=True, metavar="FMT",
                   help=f"output format ({', '.join(writable_formats())})")
    p.add_argument("input", type=Path, metavar="INPUT", help="annotation file or folder")
    p.add_argument("output", type=Path, metavar="OUTPUT",
                   help="output file or folder (per format: a folder for per-image files)")
    p.add_argument("--images", type=Path, default=None, metavar="DIR",
                   help="folder with the images (sizes, PPOCRLabel crops); default: next to the annotations")
    add_overwrite_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ocr_core.formats import detect_format, read_annotations, write_annotations

    try:
        if args.images is not None and not args.images.is_dir():
            raise OcrError(f"{args.images}: --images must be an existing folder")
        source = args.from_format or detect_format(args.input)
        if source is None and args.input.exists():
            raise OcrError(f"{args.input}: cannot tell the annotation format; pass --from")
        with recording_reads() as inputs:
            pages = read_annotations(args.input, source, args.images)
        with planning_writes() as planned:  # the files it would write, nothing on disk yet
            write_annotations(pages, args.output, args.to_format, args.images)
        if problem := replacing_problem(planned, inputs, args.overwrite, args.output):
            raise OcrError(problem)
    except (OcrError, OSError) as exc:
        print(f"ocr-studio convert: error: {exc}", file=sys.stderr)
        return 1
    # All or nothing: a failure (a full disk, Ctrl+C) puts back the files already replaced and removes the new
    # ones, so no half-made set of files is left looking finished.
    try:
        with FileSetGuard(near=args.output) as guard:
            written = write_annotations(pages, args.output, args.to_format, args.images)
    except (OcrError, OSError) as exc:
        print(f"ocr-studio convert: error: {exc}{_undo_note(guard.removed, guard.restored)}", file=sys.stderr)
        return 1
    n_words = sum(len(p.words) for p in pages)
    illegible = sum(w.ignore for p in pages for w in p.words)
    note = (f" ({illegible} illegible ### box(es) left out: {args.to_format} has no way to mark them)"
            if illegible and args.to_format in _NO_ILLEGIBLE else "")
    print(f"converted {len(pages)} page(s), {n_words} word(s) from {source} to {args.to_format}: "
          f"{len(written)} file(s) written to {args.output}{note}")
    return 0


def _undo_note(removed: int, restored: int) -> str:
    done = ([f"{removed} file(s) written before the failure were removed"] if removed else []) + (
        [f"{restored} file(s) it had replaced were put back"] if restored else [])
    return f" ({'; '.join(done)})" if done else ""
