"""Command-line options shared by ``recognize``, ``eval`` and the benchmarks: detection thresholds."""

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


def add_detection_options(parser: argparse.ArgumentParser) -> None:
    """``--detection-threshold``, ``--text-threshold``, ``--link-threshold`` (default: the detector model's)."""
    for name, help_text in _OPTIONS.items():
        parser.add_argument("--" + name.replace("_", "-"), type=_fraction, default=None, metavar="X",
                            help=f"{help_text} (default: the detector model's)")


def detection_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The thresholds given on the command line, for ``Detector(thresholds=...)``."""
    return {name: getattr(args, name) for name in _OPTIONS if getattr(args, name, None) is not None}
