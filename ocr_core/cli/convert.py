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

from ocr_core.errors import OcrError
from ocr_core.file_set import FileSetGuard

__all__ = ["add_parser", "run"]


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
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ocr_core.formats import detect_format, read_annotations, write_annotations

    try:
        if args.images is not None and not args.images.is_dir():
            raise OcrError(f"{args.images}: --images must be an existing folder")
        source = args.from_format or detect_format(args.input)
        if source is None and args.input.exists():
            raise OcrError(f"{args.input}: cannot tell the annotation format; pass --from")
        pages = read_annotations(args.input, source, args.images)
    except (OcrError, OSError) as exc:
        print(f"ocr-studio convert: error: {exc}", file=sys.stderr)
        return 1
    before = _files_at(args.output)
    # All or nothing: a failure (a full disk, Ctrl+C) puts back the files already replaced and removes the new
    # ones, so no half-made set of files is left looking finished.
    with FileSetGuard(near=args.output) as guard:
        try:
            written = write_annotations(pages, args.output, args.to_format, args.images)
        except BaseException as exc:
            restored = guard.restore()
            removed = _remove_new(args.output, before)
            if not isinstance(exc, (OcrError, OSError)):
                raise
            print(f"ocr-studio convert: error: {exc}{_undo_note(removed, restored)}", file=sys.stderr)
            return 1
    n_words = sum(len(p.words) for p in pages)
    print(f"converted {len(pages)} page(s), {n_words} word(s) from {source} to {args.to_format}: "
          f"{len(written)} file(s) written to {args.output}")
    return 0


def _undo_note(removed: int, restored: int) -> str:
    done = ([f"{removed} file(s) written before the failure were removed"] if removed else []) + (
        [f"{restored} file(s) it had replaced were put back"] if restored else [])
    return f" ({'; '.join(done)})" if done else ""


def _files_at(output: Path) -> set[Path]:
    """The files at ``output`` now: the file itself, or every file under the folder (a file format can also
    write beside its file, e.g. PPOCRLabel's crops: those are under the parent, listed one level deep)."""
    if output.is_dir():
        return {p for p in output.rglob("*") if p.is_file()}
    parent = output.parent if str(output.parent) else Path(".")
    return {p for p in parent.glob("*") if p.is_file()} if parent.is_dir() else set()


def _remove_new(output: Path, before: set[Path]) -> int:
    """Delete the files that appeared at ``output`` since ``before`` (then any folders left empty)."""
    new = _files_at(output) - before
    for path in new:
        path.unlink(missing_ok=True)
    if output.is_dir():
        for folder in sorted((p for p in output.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
            if not any(folder.iterdir()):
                folder.rmdir()
        if not any(output.iterdir()):
            output.rmdir()
    return len(new)
