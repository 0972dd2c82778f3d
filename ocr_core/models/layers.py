"""Custom Keras 3 layers shared by the CRAFT and CRNN models (``keras.ops`` only, any backend).

Every layer is registered under the ``ocr_core`` package so saved ``.keras`` files reload::

    >>> import keras
    >>> from ocr_core.models.layers import ReverseAxis
    >>> keras.ops.convert_to_numpy(ReverseAxis(axis=1)(keras.ops.arange(3)[None]))
    array([[2, 1, 0]], dtype=int32)
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

__all__ = [
    "BilinearUpsample2x",
    "ReverseAxis",
    "DropTimesteps",
    "SpatialTransformer",
    "CtcLoss",
    "CtcGreedyDecode",
    "ctc_greedy_decode",
    "CUSTOM_OBJECTS",
]

_register = keras.saving.register_keras_serializable(package="ocr_core")


def _upsample_axis(x: Any, axis: int) -> Any:
    """Exact 2x bilinear upsampling (half-pixel centres, edge clamp) along ``axis`` of a 4-D tensor."""
    size = ops.shape(x)[axis]
    before = ops.concatenate(
        [ops.take(x, [0], axis=axis), ops.take(x, ops.arange(size - 1), axis=axis)], axis
    )
    after = ops.concatenate(
        [ops.take(x, ops.arange(1, size), axis=axis), ops.take(x, [size - 1], axis=axis)], axis
    )
    even = 0.75 * x + 0.25 * before  # output 2k samples source k - 0.25
    odd = 0.75 * x + 0.25 * after  # output 2k+1 samples source k + 0.25
    stacked = ops.stack([even, odd], axis=axis + 1)
    shape = list(ops.shape(x))
    shape[axis] = size * 2
    shape[0] = -1
    return ops.reshape(stacked, shape)


@_register
class BilinearUpsample2x(keras.layers.Layer):
    """2x bilinear upsampling of (B, H, W, C) with half-pixel centres, for dynamic H and W.

    Identical to ``tf.image.resize`` / PyTorch ``interpolate(align_corners=False)`` to twice the
    size; unlike ``UpSampling2D`` it works in graphs whose spatial size is unknown.
    """

    def call(self, inputs: Any) -> Any:
        return _upsample_axis(_upsample_axis(inputs, 1), 2)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        b, h, w, c = input_shape
        return (b, None if h is None else 2 * h, None if w is None else 2 * w, c)


@_register
class ReverseAxis(keras.layers.Layer):
    """Reverse a tensor along one axis (kurapan's ``x[:, :, ::-1]`` height flip)."""

    def __init__(self, axis: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis)

    def call(self, inputs: Any) -> Any:
        return ops.flip(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


@_register
class DropTimesteps(keras.layers.Layer):
    """Drop the first ``steps`` timesteps of a (B, T, ...) sequence (kurapan drops 2)."""

    def __init__(self, steps: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.steps = int(steps)

    def call(self, inputs: Any) -> Any:
        return inputs[:, self.steps :]

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        length = input_shape[1]
        return (input_shape[0], None if length is None else length - self.steps, *input_shape[2:])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "steps": self.steps}


@_register
class SpatialTransformer(keras.layers.Layer):
    """Affine spatial transformer exactly as in kurapan's CRNN (identity-initialised).

    The localisation net is conv(16, 5x5, relu) -> conv(32, 5x5, relu) -> flatten -> dense(64, relu)
    -> dense(6) with zero kernel and bias ``[1, 0, 0, 0, 1, 0]``; its eight weights come in that order,
    which is the order of the nested model in keras-ocr's HDF5 files. The sampler copies the published
    quirks on purpose: grid coordinates in [-1, 1] map to ``0.5 * (g + 1) * size`` (not ``size - 1``)
    and the bilinear weights use the *clipped* neighbour coordinates. Input height, width and channels
    must be static.
    """

    def __init__(
        self,
        loc_filters: tuple[int, int] = (16, 32),
        loc_kernel_size: int = 5,
        loc_units: int = 64,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.loc_filters = tuple(int(f) for f in loc_filters)
        self.loc_kernel_size = int(loc_kernel_size)
        self.loc_units = int(loc_units)
        k = self.loc_kernel_size
        self.loc_conv_1 = keras.layers.Conv2D(self.loc_filters[0], k, padding="same", activation="relu")
        self.loc_conv_2 = keras.layers.Conv2D(self.loc_filters[1], k, padding="same", activation="relu")
        self.loc_dense_1 = keras.layers.Dense(self.loc_units, activation="relu")
        self.loc_dense_2 = keras.layers.Dense(
            6,
            kernel_initializer="zeros",
            bias_initializer=keras.initializers.Constant([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]),
        )

    def build(self, input_shape: tuple) -> None:
        _, height, width, channels = input_shape
        if height is None or width is None or channels is None:
            raise ValueError(f"SpatialTransformer needs a static input shape, got {input_shape}")
        self.loc_conv_1.build((None, height, width, channels))
        self.loc_conv_2.build((None, height, width, self.loc_filters[0]))
        self.loc_dense_1.build((None, height * width * self.loc_filters[1]))
        self.loc_dense_2.build((None, self.loc_units))
        xs = np.linspace(-1.0, 1.0, width, dtype="float32")
        ys = np.linspace(-1.0, 1.0, height, dtype="float32")
        gx, gy = np.meshgrid(xs, ys)
        self._grid = np.stack([gx.ravel(), gy.ravel(), np.ones(height * width, "float32")])  # (3, HW)
        self._shape = (int(height), int(width), int(channels))

    def localize(self, inputs: Any) -> Any:
        """Affine parameters (B, 6) predicted by the localisation net."""
        y = self.loc_conv_2(self.loc_conv_1(inputs))
        y = ops.reshape(y, (ops.shape(y)[0], -1))
        return self.loc_dense_2(self.loc_dense_1(y))

    def call(self, inputs: Any) -> Any:
        height, width, channels = self._shape
        theta = ops.reshape(ops.cast(self.localize(inputs), "float32"), (-1, 2, 3))
        coords = ops.einsum("bij,jk->bik", theta, ops.convert_to_tensor(self._grid))  # (B, 2, HW)
        x = 0.5 * (coords[:, 0] + 1.0) * float(width)
        y = 0.5 * (coords[:, 1] + 1.0) * float(height)
        x0 = ops.floor(x)
        y0 = ops.floor(y)
        x0c = ops.clip(x0, 0.0, float(width - 1))
        x1c = ops.clip(x0 + 1.0, 0.0, float(width - 1))
        y0c = ops.clip(y0, 0.0, float(height - 1))
        y1c = ops.clip(y0 + 1.0, 0.0, float(height - 1))
        batch = ops.shape(inputs)[0]
        offsets = ops.expand_dims(ops.arange(batch, dtype="int32") * (height * width), 1)
        flat = ops.reshape(ops.cast(inputs, "float32"), (-1, channels))

        def gather(yy: Any, xx: Any) -> Any:
            idx = offsets + ops.cast(yy, "int32") * width + ops.cast(xx, "int32")
            return ops.reshape(
                ops.take(flat, ops.reshape(idx, (-1,)), axis=0), (-1, height * width, channels)
            )

        w_a = ops.expand_dims((x1c - x) * (y1c - y), -1)
        w_b = ops.expand_dims((x1c - x) * (y - y0c), -1)
        w_c = ops.expand_dims((x - x0c) * (y1c - y), -1)
        w_d = ops.expand_dims((x - x0c) * (y - y0c), -1)
        out = (
            w_a * gather(y0c, x0c) + w_b * gather(y1c, x0c) + w_c * gather(y0c, x1c) + w_d * gather(y1c, x1c)
        )
        return ops.reshape(out, (-1, height, width, channels))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "loc_filters": list(self.loc_filters),
            "loc_kernel_size": self.loc_kernel_size,
            "loc_units": self.loc_units,
        }


@_register
class CtcLoss(keras.layers.Layer):
    """Per-sample CTC loss (B, 1) from ``[labels, y_pred, input_length, label_length]``.

    ``labels`` are (B, L) class indices padded with -1, ``y_pred`` softmax probabilities (B, T, K)
    whose blank is ``blank_index`` (keras-ocr: the last class), lengths are (B, 1).
    """

    def __init__(self, blank_index: int, epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.blank_index = int(blank_index)
        self.epsilon = float(epsilon)

    def call(self, inputs: Any) -> Any:
        labels, y_pred, input_length, label_length = inputs
        labels = ops.cast(labels, "int32")
        labels = ops.where(labels < 0, ops.zeros_like(labels), labels)
        input_length = ops.cast(ops.reshape(input_length, (-1,)), "int32")
        label_length = ops.cast(ops.reshape(label_length, (-1,)), "int32")
        # ops.ctc_loss expects logits; log-probabilities are their own log-softmax.
        log_probs = ops.log(ops.cast(y_pred, "float32") + self.epsilon)
        loss = ops.ctc_loss(labels, log_probs, label_length, input_length, mask_index=self.blank_index)
        return ops.expand_dims(loss, -1)

    def compute_output_shape(self, input_shape: list) -> tuple:
        return (input_shape[1][0], 1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "blank_index": self.blank_index, "epsilon": self.epsilon}


def ctc_greedy_decode(y_pred: Any, blank_index: int) -> Any:
    """Best-path CTC decoding with ``keras.ops``: (B, T, K) probabilities -> (B, T) int32, -1 padded.

    Repeated labels are merged, blanks removed and the kept labels moved to the front.
    """
    best = ops.cast(ops.argmax(y_pred, axis=-1), "int32")
    previous = ops.pad(best[:, :-1], [[0, 0], [1, 0]], constant_values=-1)
    keep = ops.logical_and(ops.not_equal(best, previous), ops.not_equal(best, blank_index))
    steps = ops.expand_dims(ops.arange(ops.shape(best)[1], dtype="int32"), 0)
    key = ops.where(keep, steps, steps + ops.shape(best)[1])
    order = ops.argsort(key, axis=-1)
    values = ops.take_along_axis(best, order, axis=1)
    kept = ops.take_along_axis(ops.cast(keep, "int32"), order, axis=1)
    return ops.where(kept > 0, values, -ops.ones_like(values))


@_register
class CtcGreedyDecode(keras.layers.Layer):
    """Layer form of :func:`ctc_greedy_decode` (the prediction model's output)."""

    def __init__(self, blank_index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.blank_index = int(blank_index)

    def call(self, inputs: Any) -> Any:
        return ctc_greedy_decode(inputs, self.blank_index)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape[:2])

    def compute_output_spec(self, inputs: Any) -> Any:
        return keras.KerasTensor(tuple(inputs.shape[:2]), dtype="int32")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "blank_index": self.blank_index}


CUSTOM_OBJECTS: dict[str, type] = {
    cls.__name__: cls
    for cls in (BilinearUpsample2x, ReverseAxis, DropTimesteps, SpatialTransformer, CtcLoss, CtcGreedyDecode)
}
