"""``ocr-studio`` entry point: one subcommand per module of this package (plus ``gui`` from the app)."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import warnings

__all__ = ["main", "build_parser"]

#: Engine subcommands (modules of ocr_core.cli), then optional plugins that register their own.
_COMMAND_MODULES = ("recognize", "synth", "train", "evaluate", "convert", "split")
_PLUGIN_MODULES = ("app.cli",)
#: Commands that load TensorFlow (imported first, without its start-up notices on the terminal).
_ENGINE_COMMANDS = ("recognize", "train", "eval")


def build_parser() -> argparse.ArgumentParser:
    from ocr_core import __version__

    parser = argparse.ArgumentParser(
        prog="ocr-studio",
        description="Read text in images (CRAFT + CRNN), make synthetic data, train and evaluate models.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show engine logs")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        module = importlib.import_module(f"ocr_core.cli.{name}")
        module.add_parser(subparsers)
    for name in _PLUGIN_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:  # the desktop app (PySide6) is optional for headless installs
            logging.getLogger(__name__).debug("plugin %s unavailable: %s", name, exc)
            continue
        module.add_parser(subparsers)
    return parser


def _quiet_engine_logs() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    # Pillow warns on stderr about damaged files ("Truncated File Read", "Corrupt EXIF data") that the commands
    # report themselves, in one line naming the file; its warnings would come before that line, naming Pillow
    warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.verbose:
        _quiet_engine_logs()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if not args.verbose and args.command in _ENGINE_COMMANDS:
        from ocr_core.quiet import import_tensorflow_quietly

        import_tensorflow_quietly()
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
