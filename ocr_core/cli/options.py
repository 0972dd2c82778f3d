"""Command-line options shared by ``recognize``, ``eval`` and the benchmarks: detection thresholds, the
large-text pass, weak detections and the confidences below which words are dropped; argparse types for
numbers that must be positive, and checks that an output can be written before the work starts."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ocr_core.listing import listed

__all__ = ["add_detection_options", "detection_overrides", "add_min_confidence_option", "positive_int",
           "positive_float", "non_negative_int", "fraction", "writable_file", "writable_folder", "add_overwrite_option",
           "replacing_problem"]

_OPTIONS = {
    "detection_threshold": "a word's peak character score must reach this",
    "text_threshold": "character-score level that joins pixels into words",
    "link_threshold": "link-score level that joins characters into words",
}


def _number(kind: Callable[[str], Any], ok: Callable[[Any], bool], wanted: str, name: str) -> Callable[[str], Any]:
    """An argparse type: ``kind(text)`` when ``ok`` accepts it, else an error saying what was ``wanted``."""
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return value

    parse.__name__ = parse.__qualname__ = name
    parse.__doc__ = f"argparse type: {wanted}."
    return parse


positive_int = _number(int, lambda v: v >= 1, "a whole number of 1 or more", "positive_int")
non_negative_int = _number(int, lambda v: v >= 0, "a whole number of 0 or more", "non_negative_int")
positive_float = _number(float, lambda v: 0 < v < float("inf"), "a number above 0", "positive_float")


def writable_folder(path: Path) -> str | None:
    """Why files cannot be written into the folder ``path``, or ``None`` when they can (a missing folder can
    be made in its nearest existing parent). Checked before any work starts, so a long run does not end in a
    permission error; nothing is created."""
    probe = Path(os.path.abspath(path))
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        return f"cannot create the folder {path}: {probe} is a file, not a folder"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"cannot write into {probe}: permission denied"
    return None


def writable_file(path: Path) -> str | None:
    """Why the file ``path`` cannot be written, or ``None`` when it can (nothing is created)."""
    if path.is_dir():
        return f"{path} is a folder; name a file"
    return writable_folder(path.parent if str(path.parent) else Path("."))


def fraction(text: str) -> float:
    """argparse type: a number in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}")
    return value


def _unit_interval_or_off(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1) (0: off), got {text!r}")
    return value


def add_detection_options(parser: argparse.ArgumentParser) -> None:
    """``--detection-threshold``, ``--text-threshold``, ``--link-threshold`` and ``--large-text-scale``
    (default: the detector model's)."""
    for name, help_text in _OPTIONS.items():
        parser.add_argument("--" + name.replace("_", "-"), type=fraction, default=None, metavar="X",
                            help=f"{help_text} (default: the detector model's)")
    parser.add_argument("--large-text-scale", type=_unit_interval_or_off, default=None, metavar="X",
                        help="also detect on the image shrunk by X and take large words from there; 0: off "
                             "(default: the detector model's)")
    parser.add_argument("--weak-detection-threshold", type=_unit_interval_or_off, default=None, metavar="X",
                        help="also take words whose peak score is at least X (below --detection-threshold) when "
                             "they are read confidently (--weak-min-confidence); 0: off (default: the detector "
                             "model's)")


def detection_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line, for ``Detector(thresholds=...)``."""
    names = [*_OPTIONS, "large_text_scale", "weak_detection_threshold"]
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def add_min_confidence_option(parser: argparse.ArgumentParser) -> None:
    """``--min-confidence X``: drop words read less confidently (default: the recognizer model's; 0 keeps all);
    ``--weak-min-confidence X``: the same for weakly detected words."""
    parser.add_argument("--min-confidence", type=_unit_interval_or_off, default=None, metavar="X",
                        help="drop words read with a lower confidence; 0 keeps every word (default: the "
                             "recognizer model's)")
    parser.add_argument("--weak-min-confidence", type=_unit_interval_or_off, default=None, metavar="X",
                        help="the confidence a weakly detected word needs to be kept (default: the recognizer "
                             "model's, else 0.5)")


def add_overwrite_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--overwrite", action="store_true",
                        help="replace files already there (default: refuse, naming them, before any work starts)")


def replacing_problem(targets: list[Path], inputs: list[Path], overwrite: bool, output: Path | None = None
                      ) -> str | None:
    """Why writing ``targets`` must not go ahead, or ``None``: a target is one of the command's ``inputs`` (never
    written over), a malformed OCR Studio annotation file (never written over, as in the window), or an existing
    file while ``overwrite`` is off. Checked before the work starts, so nothing is replaced behind the user's back.
    The refusal names the folder of the files it would replace, or ``output`` (the output given) when they lie in
    several folders."""
    from ocr_core.errors import AnnotationFormatError
    from ocr_core.formats.studio import SIDECAR_SUFFIX, parse_page_text

    def same(a: Path, b: Path) -> bool:
        try:
            return a.exists() and b.exists() and os.path.samefile(a, b)
        except OSError:
            return os.path.abspath(a) == os.path.abspath(b)

    for folder in dict.fromkeys(Path(os.path.abspath(t)).parent for t in targets):
        if problem := writable_folder(folder):
            return problem
    existing = [t for t in dict.fromkeys(targets) if t.is_file()]
    for target in existing:
        if any(same(target, source) for source in inputs):
            return f"{target} is one of the inputs: it is never written over; choose another output"
        if target.name.endswith(SIDECAR_SUFFIX):
            try:
                parse_page_text(target.read_text(encoding="utf-8"), target)
            except (AnnotationFormatError, OSError, UnicodeDecodeError) as exc:
                return (f"{target} is a malformed annotation file ({exc}); it is never written over: fix it or move it "
                        "away")
    if existing and not overwrite:
        names = listed(t.name for t in existing)
        folders = {Path(os.path.abspath(t.parent)) for t in existing}
        folder = existing[0].parent if len(folders) == 1 or output is None else output
        return (f"{len(existing)} file{'s' if len(existing) != 1 else ''} in {folder} would be replaced ({names}); "
                "pass --overwrite to replace them, or choose another output")
    return None
