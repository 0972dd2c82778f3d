"""Importing TensorFlow keeps its start-up notices off the terminal, and nothing else."""

from __future__ import annotations

import os
import sys

import pytest

from ocr_core import quiet

NOTICES = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1795553525.708427    9724 port.cc:153] oneDNN custom operations are on. You may see slightly "
    "different numerical results due to floating-point round-off errors from different computation orders.",
    "I0000 00:00:1795551296.434804    2090 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use "
    "available CPU instructions in performance-critical operations.",
    "To enable the following instructions: AVX2 AVX512F AVX512_VNNI AVX512_BF16 FMA, in other operations, rebuild "
    "TensorFlow with the appropriate compiler flags.",
    "E0000 00:00:1795550647.149851   29872 util.cc:131] oneDNN supports DT_BOOL only on platforms with AVX-512. "
    "Falling back to the default Eigen-based implementation if present.",
]
REAL = "E0000 00:00:1795550647.149851   29872 cuda_dnn.cc:8] could not load libcudnn.so.9: file not found"


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")


def test_notices_are_dropped_and_other_lines_kept(fresh, monkeypatch, capfd):
    def noisy_import():
        os.write(2, ("\n".join([*NOTICES, REAL]) + "\n").encode())
    monkeypatch.setattr(quiet, "_import", noisy_import)
    quiet.import_tensorflow_quietly()
    err = capfd.readouterr().err
    assert err == REAL + "\n"


def test_a_failed_import_shows_everything(fresh, monkeypatch, capfd):
    def broken_import():
        os.write(2, (NOTICES[1] + "\n").encode())
        raise RuntimeError("libtensorflow is broken")
    monkeypatch.setattr(quiet, "_import", broken_import)
    with pytest.raises(RuntimeError, match="broken"):
        quiet.import_tensorflow_quietly()
    assert NOTICES[1] in capfd.readouterr().err


def test_other_backends_are_left_alone(monkeypatch):
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    monkeypatch.setattr(quiet, "_import", lambda: pytest.fail("TensorFlow imported for the JAX backend"))
    quiet.import_tensorflow_quietly()
