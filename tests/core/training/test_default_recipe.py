"""``docs/examples/train_default_models.py`` refuses model shapes it cannot train, before loading anything."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "docs" / "examples" / "train_default_models.py"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("args", "message"), [
    (["recognizer", "--filters", "16,32"], "expected 6 positive integers"),
    (["recognizer", "--rnn-units", "128,0"], "expected 2 positive integers"),
    (["recognizer", "--filters", "32,64,128,256,384,384", "--init", "crnn_lite"], "leave out --init"),
    (["detector", "--rnn-units", "256,256"], "for the recognizer only"),
])
def test_shapes_it_cannot_train_are_refused_with_the_reason(args, message):
    done = run(*args)
    assert done.returncode == 2 and message in done.stderr
