"""Command-line options shared by ``recognize``, ``eval`` and the benchmarks: detection thresholds and the
large-text pass."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_detection_options", "detection_overrides"]

_OPTIONS = {
    "detection_threshold": "a word's peak character score must reach this",
    "text_threshold": "character-score level that joins pixels into words",
    "link_threshold": "link-score level that joins characters into words",
}


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}")
    return value


def _shrink_factor(text: str) -> float:
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
        parser.add_argument("--" + name.replace("_", "-"), type=_fraction, default=None, metavar="X",
                            help=f"{help_text} (default: the detector model's)")
    parser.add_argument("--large-text-scale", type=_shrink_factor, default=None, metavar="X",
                        help="also detect on the image shrunk by X and take large words from there; 0: off "
                             "(default: the detector model's)")


def detection_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line, for ``Detector(thresholds=...)``."""
    names = [*_OPTIONS, "large_text_scale"]
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}
