"""Inference precision: resolution rules, policy scoping, and bfloat16 detectors giving float32 scores."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from ocr_core.models import precision as prec


def test_explicit_choices_and_aliases() -> None:
    assert prec.resolve_precision("float32") == "float32"
    assert prec.resolve_precision("bfloat16") == "bfloat16"
    assert prec.resolve_precision("bf16") == "bfloat16"
    assert prec.resolve_precision("FP32") == "float32"
    with pytest.raises(ValueError, match="precision must be one of"):
        prec.resolve_precision("float8")


def test_auto_follows_environment_then_hardware(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(prec.PRECISION_ENV, raising=False)
    monkeypatch.setattr(prec, "_gpu_visible", lambda: False)
    monkeypatch.setattr(prec, "cpu_has_native_bf16", lambda: True)
    native = "bfloat16" if keras.backend.backend() in ("tensorflow", "jax") else "float32"  # not under torch
    assert prec.resolve_precision("auto") == native
    monkeypatch.setattr(prec, "cpu_has_native_bf16", lambda: False)
    assert prec.resolve_precision("auto") == "float32"
    monkeypatch.setattr(prec, "cpu_has_native_bf16", lambda: True)
    monkeypatch.setattr(prec, "_gpu_visible", lambda: True)  # a GPU: keep float32 unless asked
    assert prec.resolve_precision(None) == "float32"
    monkeypatch.setenv(prec.PRECISION_ENV, "bfloat16")
    assert prec.resolve_precision("auto") == "bfloat16"
    assert prec.resolve_precision("float32") == "float32"  # an explicit choice beats the environment
    monkeypatch.setenv(prec.PRECISION_ENV, "fp8")
    with pytest.raises(prec.PrecisionError, match=r"'fp8' \(from \$OCR_STUDIO_PRECISION\)"):
        prec.resolve_precision("auto")


def test_scope_restores_the_global_policy_even_on_error() -> None:
    before = keras.config.dtype_policy().name
    with pytest.raises(RuntimeError), prec.precision_scope("bfloat16") as resolved:
        assert resolved == "bfloat16"
        assert keras.config.dtype_policy().name == "mixed_bfloat16"
        raise RuntimeError("boom")
    assert keras.config.dtype_policy().name == before


def test_bfloat16_detector_matches_float32_and_returns_float32() -> None:
    from ocr_core.detection import Detector

    d32 = Detector(weights=None, variant="lite", optimizer=None, precision="float32")
    d16 = Detector(weights=None, variant="lite", optimizer=None, precision="bfloat16")
    assert (d32.precision, d16.precision) == ("float32", "bfloat16")
    d16.model.set_weights(d32.model.get_weights())  # variables stay float32: the same weights fit both
    assert all(w.dtype == np.float32 for w in d16.model.get_weights())
    image = np.random.default_rng(1).integers(0, 255, (64, 96, 3), dtype=np.uint8)
    m32 = next(d32.predict_maps([image]))
    m16 = next(d16.predict_maps([image]))
    assert m16.dtype == np.float32 and m16.shape == m32.shape == (32, 48, 2)
    assert not np.array_equal(m16, m32)  # really computed in another precision
    scale = float(np.abs(m32).max()) or 1.0
    assert float(np.abs(m16 - m32).max()) / scale < 0.05
    assert keras.config.dtype_policy().name == "float32"
