"""CRNN text recognizer (Shi et al. 2015) as Keras 3 functional models, in two variants.

``kurapan`` is keras-ocr's published topology with every quirk kept (31x200 gray input, width-first
permute and height flip, BN after conv 3/5/7, identity-initialised STN, Dense 128, LSTM pairs whose
backward output is not re-reversed, first 2 timesteps dropped), with the same layer names, so
``crnn_kurapan.h5`` loads into ``model`` and ``crnn_kurapan_notop.h5`` into ``backbone``. ``lite`` is
the CPU default: 32x128 gray, six conv blocks (height pooled to 1), two correct BiLSTMs,
32 timesteps, 1.8M parameters; ``residual_blocks`` adds residual blocks after given conv blocks
(each starts as the identity, so trained weights can grow into a deeper model, ADR 0015).

The CTC blank is the LAST class (index ``alphabet_size``), as in keras-ocr.

Example::

    >>> backbone, model, training_model, prediction_model = build_crnn(36, "lite")
    >>> model.output_shape
    (None, 32, 37)
    >>> training_model.input_shape[1][1]  # max label length
    32
"""

from __future__ import annotations

from typing import Any

import keras

from ocr_core.models.layers import CtcGreedyDecode, CtcLoss, DropTimesteps, ReverseAxis, SpatialTransformer

__all__ = [
    "CRNN_VARIANTS",
    "CrnnNet",
    "build_crnn",
    "crnn_input_shape",
    "crnn_submodels",
    "crnn_timesteps",
]

#: Default build parameters per variant; any of them can be overridden in :func:`build_crnn`.
CRNN_VARIANTS: dict[str, dict[str, Any]] = {
    "kurapan": {
        "height": 31,
        "width": 200,
        "color": False,
        "filters": (64, 128, 256, 256, 512, 512, 512),
        "rnn_units": (128, 128),
        "dropout": 0.25,
        "rnn_steps_to_discard": 2,
        "pool_size": 2,
        "stn": True,
    },
    "lite": {
        "height": 32,
        "width": 128,
        "color": False,
        "filters": (16, 32, 64, 128, 256, 256),
        "rnn_units": (128, 128),
        "dropout": 0.2,
        "rnn_steps_to_discard": 0,
        "pool_size": 2,
        "stn": False,
        "unroll": True,
        "residual_blocks": (0, 0, 0, 0, 0, 0),
    },
}

# lite: pooling (width, height) after each conv block; time runs along the width. Height goes
# 32 -> 1 and width 128 -> 32 while the channels grow: most convolutions run at low resolution,
# which keeps training above 150 crops/s on two cores (see ADR 0002).
_LITE_POOLS = ((2, 2), (2, 2), (1, 2), (1, 2), (1, 2), None)


def _kurapan_features(x: Any, p: dict[str, Any]) -> Any:
    filters, pool = p["filters"], p["pool_size"]
    if len(filters) != 7 or len(p["rnn_units"]) != 2:
        raise ValueError("the kurapan CRNN needs 7 conv filters and 2 rnn_units")
    x = keras.layers.Permute((2, 1, 3), name="permute")(x)
    x = ReverseAxis(axis=2, name="flip_height")(x)
    for i, f in enumerate(filters, start=1):
        x = keras.layers.Conv2D(f, 3, activation="relu", padding="same", name=f"conv_{i}")(x)
        if i in (3, 5, 7):
            x = keras.layers.BatchNormalization(momentum=0.99, epsilon=1e-3, name=f"bn_{i}")(x)
        if i in (3, 5):
            x = keras.layers.MaxPooling2D((pool, pool), name=f"maxpool_{i}")(x)
    if p["stn"]:
        x = SpatialTransformer(name="stn")(x)
    steps, rows = p["width"] // pool**2, p["height"] // pool**2
    x = keras.layers.Reshape((steps, rows * filters[-1]), name="reshape")(x)
    units = p["rnn_units"]
    x = keras.layers.Dense(units[0], activation="relu", name="fc_9")(x)

    def lstm(n: int, name: str, backwards: bool) -> keras.layers.LSTM:
        return keras.layers.LSTM(
            n, kernel_initializer="he_normal", return_sequences=True, go_backwards=backwards, name=name
        )

    # Quirk kept for the published weights: the backward outputs stay in reversed time order.
    x = keras.layers.Add(name="rnn_add")(
        [lstm(units[0], "lstm_10", False)(x), lstm(units[0], "lstm_10_back", True)(x)]
    )
    return keras.layers.Concatenate(name="rnn_concat")(
        [lstm(units[1], "lstm_11", False)(x), lstm(units[1], "lstm_11_back", True)(x)]
    )


def _residual_block(x: Any, filters: int, name: str) -> Any:
    """Two 3x3 convolutions added back onto ``x``. The second BN's scale starts at zero, so a new block
    is the identity (``x`` is non-negative after the ReLU before it): a trained model grows without
    changing what it reads (ADR 0015)."""
    y = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv_a")(x)
    y = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-3, name=f"{name}_bn_a")(y)
    y = keras.layers.Activation("relu", name=f"{name}_relu_a")(y)
    y = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv_b")(y)
    y = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-3, gamma_initializer="zeros",
                                        name=f"{name}_bn_b")(y)
    x = keras.layers.Add(name=f"{name}_add")([x, y])
    return keras.layers.Activation("relu", name=f"{name}_relu")(x)


def _lite_features(x: Any, p: dict[str, Any]) -> Any:
    filters = p["filters"]
    if len(filters) != len(_LITE_POOLS) or len(p["rnn_units"]) != 2:
        raise ValueError(f"the lite CRNN needs {len(_LITE_POOLS)} conv filters and 2 rnn_units")
    blocks = p["residual_blocks"]
    if len(blocks) != len(_LITE_POOLS) or any(b < 0 for b in blocks):
        raise ValueError(f"residual_blocks needs {len(_LITE_POOLS)} counts of 0 or more, one per conv block")
    x = keras.layers.Permute((2, 1, 3), name="permute")(x)  # (W, H, C): time first
    width, height = p["width"], p["height"]
    for i, (f, pool) in enumerate(zip(filters, _LITE_POOLS), start=1):
        x = keras.layers.Conv2D(f, 3, padding="same", use_bias=False, name=f"conv_{i}")(x)
        x = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-3, name=f"bn_{i}")(x)
        x = keras.layers.Activation("relu", name=f"relu_{i}")(x)
        if pool is not None:
            x = keras.layers.MaxPooling2D(pool, name=f"pool_{i}")(x)
            width, height = width // pool[0], height // pool[1]
        for k in range(1, blocks[i - 1] + 1):
            x = _residual_block(x, f, f"res_{i}_{k}")
    if p["stn"]:
        x = SpatialTransformer(name="stn")(x)
    x = keras.layers.Reshape((width, height * filters[-1]), name="reshape")(x)
    for i, units in enumerate(p["rnn_units"], start=1):
        x = keras.layers.Bidirectional(
            keras.layers.LSTM(units, return_sequences=True, unroll=p["unroll"]),
            merge_mode="concat",
            name=f"blstm_{i}",
        )(x)
    return x


@keras.saving.register_keras_serializable(package="ocr_core")
class CrnnNet(keras.Model):
    """CRNN: image (B, H, W, C) in [0, 1] -> per-timestep softmax (B, T, alphabet_size + 1).

    Use :func:`build_crnn`, which also returns the backbone, training and prediction models.
    """

    def __init__(
        self,
        alphabet_size: int,
        variant: str = "lite",
        include_top: bool = True,
        max_label_length: int | None = None,
        **build_params: Any,
    ) -> None:
        if variant not in CRNN_VARIANTS:
            raise ValueError(f"unknown CRNN variant {variant!r}; choose one of {sorted(CRNN_VARIANTS)}")
        if int(alphabet_size) < 1:
            raise ValueError("alphabet_size must be at least 1")
        model_kwargs = {k: build_params.pop(k) for k in ("name", "trainable", "dtype") if k in build_params}
        unknown = set(build_params) - set(CRNN_VARIANTS[variant])
        if unknown:
            raise ValueError(f"unknown CRNN build_params {sorted(unknown)} for variant {variant!r}")
        params = {**CRNN_VARIANTS[variant], **build_params}
        params["filters"] = tuple(int(f) for f in params["filters"])
        params["rnn_units"] = tuple(int(u) for u in params["rnn_units"])
        if "residual_blocks" in params:
            params["residual_blocks"] = tuple(int(b) for b in params["residual_blocks"])

        # --- functional wiring ---
        inputs = keras.Input((params["height"], params["width"], 3 if params["color"] else 1), name="image")
        features = (_kurapan_features if variant == "kurapan" else _lite_features)(inputs, params)
        x = keras.layers.Dropout(params["dropout"], name="dropout")(features)
        # The softmax (and the layers after it, and the CTC loss) always compute in float32: under mixed precision,
        # bfloat16 keeps 3 significant digits and float16 flushes probabilities below 6e-8 to zero, and the CTC loss
        # takes the log of every probability.
        x = keras.layers.Dense(
            int(alphabet_size) + 1, kernel_initializer="he_normal", activation="softmax", name="fc_12",
            dtype="float32",
        )(x)
        if params["rnn_steps_to_discard"]:
            x = DropTimesteps(params["rnn_steps_to_discard"], name="drop_steps", dtype="float32")(x)
        model_kwargs.setdefault("name", f"crnn_{variant}")
        super().__init__(inputs=inputs, outputs=x, **model_kwargs)

        # --- config ---
        self.alphabet_size = int(alphabet_size)
        self.variant = variant
        self.include_top = bool(include_top)
        self.build_params = params
        timesteps = int(x.shape[1])
        self.max_label_length = int(max_label_length) if max_label_length else timesteps

    @property
    def blank_index(self) -> int:
        return self.alphabet_size

    def get_config(self) -> dict[str, Any]:
        params = {k: list(v) if isinstance(v, tuple) else v for k, v in self.build_params.items()}
        return {
            "name": self.name,
            "trainable": self.trainable,
            "alphabet_size": self.alphabet_size,
            "variant": self.variant,
            "include_top": self.include_top,
            "max_label_length": self.max_label_length,
            **params,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> CrnnNet:
        return cls(**config)


def crnn_submodels(model: CrnnNet) -> tuple[keras.Model, keras.Model, keras.Model]:
    """(backbone, training_model, prediction_model) sharing the layers of a :class:`CrnnNet`.

    ``training_model``: ``[image, labels (B, L) int32 padded with -1, input_length (B, 1),
    label_length (B, 1)]`` -> CTC loss (B, 1); compile it with ``loss=lambda y_true, y_pred: y_pred``.
    ``prediction_model``: image -> greedy-decoded label indices (B, T), -1 padded.
    """
    backbone = keras.Model(model.inputs, model.get_layer("dropout").input, name=f"{model.name}_backbone")
    labels = keras.Input((model.max_label_length,), dtype="int32", name="labels")
    input_length = keras.Input((1,), dtype="int32", name="input_length")
    label_length = keras.Input((1,), dtype="int32", name="label_length")
    # float32 like the softmax: under mixed precision a layer casts its inputs to the policy's compute dtype
    loss = CtcLoss(model.blank_index, name="ctc_loss", dtype="float32")(
        [labels, model.output, input_length, label_length])
    training_model = keras.Model(
        [*model.inputs, labels, input_length, label_length], loss, name=f"{model.name}_training"
    )
    decoded = CtcGreedyDecode(model.blank_index, name="decode")(model.output)
    prediction_model = keras.Model(model.inputs, decoded, name=f"{model.name}_prediction")
    return backbone, training_model, prediction_model


def build_crnn(
    alphabet_size: int, variant: str = "lite", *, include_top: bool = True, **build_params: Any
) -> tuple[keras.Model, keras.Model, keras.Model, keras.Model]:
    """Build ``(backbone, model, training_model, prediction_model)`` like keras-ocr's ``build_model``.

    ``build_params`` override :data:`CRNN_VARIANTS` (height, width, color, filters, rnn_units,
    dropout, rnn_steps_to_discard, pool_size, stn) plus ``max_label_length`` (default: the number of
    output timesteps). ``include_top`` is recorded in the config: with ``False`` the caller loads
    backbone-only weights (``crnn_kurapan_notop.h5``) and trains a fresh top.

    Example::

        >>> backbone, model, training_model, prediction_model = build_crnn(36, "kurapan")  # doctest: +SKIP
        >>> model.output_shape  # doctest: +SKIP
        (None, 48, 37)
    """
    model = CrnnNet(alphabet_size, variant, include_top=include_top, **build_params)
    backbone, training_model, prediction_model = crnn_submodels(model)
    return backbone, model, training_model, prediction_model


def crnn_input_shape(variant: str, **build_params: Any) -> tuple[int, int, int]:
    """(height, width, channels) of a CRNN variant, e.g. ``crnn_input_shape("kurapan") == (31, 200, 1)``."""
    if variant not in CRNN_VARIANTS:
        raise ValueError(f"unknown CRNN variant {variant!r}; choose one of {sorted(CRNN_VARIANTS)}")
    params = {**CRNN_VARIANTS[variant], **build_params}
    return int(params["height"]), int(params["width"]), 3 if params["color"] else 1


def crnn_timesteps(model: keras.Model) -> int:
    """Number of output timesteps T of a CRNN ``model`` (or its prediction model)."""
    return int(model.output_shape[1])
