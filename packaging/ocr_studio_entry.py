"""Entry point of the PyInstaller bundle: the ``ocr-studio`` command line; with no arguments it opens the window.

``ocr-studio`` (the bundle's executable) == ``ocr-studio gui``; ``ocr-studio recognize scan.png`` etc. work as
with the pip-installed command. Only TensorFlow is bundled, so Keras is pinned to its TensorFlow backend.
"""

from __future__ import annotations

import multiprocessing
import os
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; an empty command line means ``gui``.

    >>> main(["--version"])  # doctest: +SKIP
    """
    multiprocessing.freeze_support()  # synthetic-data workers re-enter this executable
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    from ocr_core.cli.main import main as cli_main

    args = sys.argv[1:] if argv is None else argv
    return cli_main(args or ["gui"])


if __name__ == "__main__":
    sys.exit(main())
