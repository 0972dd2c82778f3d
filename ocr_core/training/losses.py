"""Training losses written with ``keras.ops`` (TensorFlow, JAX and torch backends).

``craft_loss`` is CRAFT's MSE with online hard-negative mining (3 negatives per positive pixel) and an
optional third ``y_true`` channel of per-pixel weights (0 masks ``###`` regions out)::

    model.compile(optimizer="adam", loss=CraftLoss())
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

__all__ = ["craft_loss", "CraftLoss", "craft_mse", "ctc_passthrough"]


def _ohem_channel(err: Any, gt: Any, weight: Any, neg_ratio: float, min_negatives: int,
                  positive_threshold: float) -> Any:
    """Per-sample OHEM loss for one channel; ``err``, ``gt``, ``weight`` are ``(B, N)``."""
    valid = ops.cast(weight > 0, err.dtype)
    pos = ops.cast(gt > positive_threshold, err.dtype) * valid
    neg = (1.0 - ops.cast(gt > positive_threshold, err.dtype)) * valid
    weighted = err * weight
    n_pos = ops.sum(pos, axis=1)
    n_neg = ops.sum(neg, axis=1)
    pos_loss = ops.sum(weighted * pos, axis=1) / ops.maximum(n_pos, 1.0)
    # Hard negatives: the k largest negative errors, k = 3 * n_pos (or min_negatives without positives).
    k = ops.where(n_pos > 0, neg_ratio * n_pos, ops.cast(min_negatives, err.dtype))
    k = ops.minimum(k, n_neg)
    neg_err = ops.where(neg > 0, weighted, -ops.ones_like(weighted))
    ranked = ops.flip(ops.sort(neg_err, axis=1), axis=1)
    ranks = ops.cast(ops.arange(ops.shape(err)[1]), err.dtype)[None, :]
    take = ops.cast(ranks < k[:, None], err.dtype)
    neg_loss = ops.sum(ops.maximum(ranked, 0.0) * take, axis=1) / ops.maximum(k, 1.0)
    return pos_loss + neg_loss


def craft_loss(y_true: Any, y_pred: Any, neg_ratio: float = 3.0, min_negatives: int = 500,
               positive_threshold: float = 0.1) -> Any:
    """Per-sample CRAFT loss: region + affinity, each ``mean(pos) + mean(top-k neg)`` squared error.

    ``y_true``: ``(B, h, w, 2)`` maps, or ``(B, h, w, 3)`` with a weight channel. ``y_pred``:
    ``(B, h, w, 2)``. Returns ``(B,)``.
    """
    y_pred = ops.cast(y_pred, "float32")
    y_true = ops.cast(y_true, "float32")
    batch = ops.shape(y_pred)[0]
    if y_true.shape[-1] == 3:
        weight = ops.reshape(y_true[..., 2], (batch, -1))
    else:
        weight = ops.ones_like(ops.reshape(y_true[..., 0], (batch, -1)))
    total = 0.0
    for c in range(2):
        gt = ops.reshape(y_true[..., c], (batch, -1))
        pred = ops.reshape(y_pred[..., c], (batch, -1))
        err = ops.square(pred - gt)
        total = total + _ohem_channel(err, gt, weight, neg_ratio, min_negatives, positive_threshold)
    return total


def craft_mse(y_true: Any, y_pred: Any) -> Any:
    """keras-ocr's plain per-pixel MSE, honouring an optional weight channel. Returns ``(B,)``."""
    y_pred = ops.cast(y_pred, "float32")
    y_true = ops.cast(y_true, "float32")
    err = ops.square(y_pred - y_true[..., :2])
    if y_true.shape[-1] == 3:
        w = y_true[..., 2:3]
        return ops.sum(err * w, axis=(1, 2, 3)) / ops.maximum(ops.sum(w, axis=(1, 2, 3)) * 2.0, 1.0)
    return ops.mean(err, axis=(1, 2, 3))


@keras.saving.register_keras_serializable(package="ocr_core")
class CraftLoss(keras.losses.Loss):
    """:func:`craft_loss` (``mode="ohem"``) or :func:`craft_mse` (``mode="mse"``) as a Keras loss."""

    def __init__(self, mode: str = "ohem", neg_ratio: float = 3.0, min_negatives: int = 500,
                 name: str = "craft_loss", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        if mode not in ("ohem", "mse"):
            raise ValueError(f"CraftLoss mode must be 'ohem' or 'mse', got {mode!r}")
        self.mode = mode
        self.neg_ratio = neg_ratio
        self.min_negatives = min_negatives

    def call(self, y_true: Any, y_pred: Any) -> Any:
        if self.mode == "mse":
            return craft_mse(y_true, y_pred)
        return craft_loss(y_true, y_pred, self.neg_ratio, self.min_negatives)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(mode=self.mode, neg_ratio=self.neg_ratio, min_negatives=self.min_negatives)
        return config


def ctc_passthrough(y_true: Any, y_pred: Any) -> Any:
    """The CRNN training model already outputs the per-sample CTC loss; pass it through."""
    return ops.cast(ops.reshape(y_pred, (ops.shape(y_pred)[0], -1))[:, 0], "float32")
