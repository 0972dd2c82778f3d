"""Numeric precision of inference models: float32, or bfloat16 where the processor computes it natively.

CPUs with AVX-512 BF16 or AMX (recent AMD EPYC / Ryzen, Intel Xeon since Cooper Lake) run bfloat16
convolutions about twice as fast as float32 through oneDNN; the full CRAFT at 640x640 drops from 1.46 s
to 0.80 s on two such cores (``benchmarks/pipeline.py``). Weights stay float32 (Keras' ``mixed_bfloat16``
policy), so the same ``.weights.h5`` loads either way, and models end in a float32 layer, so callers
always receive float32 outputs.

``"auto"`` (the default) chooses bfloat16 only where that pays off: a CPU-only machine whose processor
has native bfloat16, on the TensorFlow or JAX backend. ``OCR_STUDIO_PRECISION=float32`` (or
``bfloat16``) overrides it for the whole process.

    >>> resolve_precision("float32")
    'float32'
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from ocr_core.errors import OcrError

__all__ = ["PrecisionError", "PRECISIONS", "PRECISION_ENV", "cpu_has_native_bf16", "resolve_precision", "precision_scope", "policy_scope"]

PRECISIONS = ("auto", "float32", "bfloat16")
PRECISION_ENV = "OCR_STUDIO_PRECISION"
_POLICY = {"float32": "float32", "bfloat16": "mixed_bfloat16"}
_lock = threading.RLock()


class PrecisionError(OcrError, ValueError):
    """An unknown precision name (argument or environment variable)."""


@functools.lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """True when the processor computes bfloat16 natively (Linux: ``avx512_bf16`` or ``amx_bf16`` flag)."""
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[-1].split())
            return bool(flags & {"avx512_bf16", "amx_bf16"})
    return False


def _gpu_visible() -> bool:
    import keras

    backend = keras.backend.backend()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            return bool(tf.config.list_physical_devices("GPU"))
        if backend == "jax":
            import jax

            return any(d.platform != "cpu" for d in jax.devices())
        if backend == "torch":
            import torch

            return bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001 - a broken device query means "no accelerator"
        return False
    return False


def resolve_precision(precision: str | None = "auto") -> str:
    """``"float32"`` or ``"bfloat16"`` for ``precision`` (``"auto"``/None: environment, then hardware)."""
    choice = (precision or "auto").strip().lower()
    source = f"{precision!r}"
    if choice == "auto":
        choice = os.environ.get(PRECISION_ENV, "auto").strip().lower() or "auto"
        source = f"{os.environ.get(PRECISION_ENV)!r} (from ${PRECISION_ENV})" if choice != "auto" else source
    if choice in ("bf16", "mixed_bfloat16"):
        choice = "bfloat16"
    if choice in ("fp32", "float"):
        choice = "float32"
    if choice not in PRECISIONS:
        raise PrecisionError(f"precision must be one of {', '.join(PRECISIONS)}; got {source}")
    if choice != "auto":
        return choice
    import keras

    if keras.backend.backend() in ("tensorflow", "jax") and cpu_has_native_bf16() and not _gpu_visible():
        return "bfloat16"
    return "float32"


@contextlib.contextmanager
def policy_scope(policy: str | None) -> Iterator[None]:
    """Set the global Keras dtype policy to ``policy`` (None: leave it) for the block, then restore it.

    Layers take the policy when they are created, so only the building of a model needs to happen inside.
    One lock serialises every user (inference models, the training runner), so a model built on one thread
    never picks up the policy another thread set for a moment.
    """
    import keras

    with _lock:
        previous = keras.config.dtype_policy()
        if policy:
            keras.config.set_dtype_policy(policy)
        try:
            yield
        finally:
            keras.config.set_dtype_policy(previous)


@contextlib.contextmanager
def precision_scope(precision: str) -> Iterator[str]:
    """Build models inside this block with ``precision`` (resolved); the global Keras policy is restored."""
    resolved = resolve_precision(precision)
    with policy_scope(_POLICY[resolved]):
        yield resolved
