"""Import TensorFlow without its start-up chatter on the terminal.

TensorFlow's native libraries log a few lines while they load (oneDNN notices, CPU instruction sets, "All log
messages before absl::InitializeLog()"), before ``TF_CPP_MIN_LOG_LEVEL`` takes effect, so every command printed
them. :func:`import_tensorflow_quietly` imports TensorFlow with the process's standard error (file descriptor 2)
sent to a temporary file, then writes back every captured line except those notices. If the import fails,
everything captured is written back, so no error is hidden. Other backends (``KERAS_BACKEND=jax`` or ``torch``)
are left alone. No Qt, no TensorFlow at import time.

>>> import_tensorflow_quietly()  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

__all__ = ["NOISE", "import_tensorflow_quietly"]

#: Start-up lines that say nothing to a user (absl's preamble, INFO lines, the CPU-features advice, oneDNN notes).
NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|I\d{4} [\d:. ]+\d+ \S+\] "
    r"|E\d{4} [\d:. ]+\d+ util\.cc:\d+\] oneDNN supports DT_BOOL"
    r"|To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler flags\.)"
)


def import_tensorflow_quietly() -> None:
    """Import TensorFlow (once) and keep its loading notices off the terminal; see the module docstring."""
    if "tensorflow" in sys.modules or os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        return
    try:
        saved = os.dup(2)
    except OSError:  # no usable standard error (a GUI launcher): nothing to keep quiet
        _import()
        return
    failed = True
    with tempfile.TemporaryFile(mode="w+b") as capture:
        sys.stderr.flush()
        os.dup2(capture.fileno(), 2)
        try:
            _import()
            failed = False
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            lines = capture.read().decode("utf-8", errors="replace").splitlines(keepends=True)
            kept = [line for line in lines if failed or not NOISE.match(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


def _import() -> None:
    with contextlib.suppress(ImportError):  # the engine says TensorFlow is missing where it needs it
        import tensorflow  # noqa: F401
