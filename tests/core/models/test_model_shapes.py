"""Shapes, parameter counts and serialization round trips of the CRAFT and CRNN models."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from _model_reference import TINY_CRAFT, layer_named, run

from ocr_core.models.craft import CRAFT_MEAN, CRAFT_STD, CraftNet, build_craft, craft_preprocess
from ocr_core.models.crnn import CrnnNet, build_crnn, crnn_input_shape, crnn_timesteps


def test_craft_preprocess_normalises_imagenet_style():
    image = np.full((2, 4, 4, 3), 255, dtype="uint8")
    out = craft_preprocess(image)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[0, 0, 0], (255 - CRAFT_MEAN) / CRAFT_STD, rtol=1e-6)
    with pytest.raises(ValueError):
        craft_preprocess(np.zeros((4, 4)))


@pytest.mark.parametrize("height,width", [(64, 96), (32, 32)])
def test_craft_lite_forward_shape(height, width):
    model = build_craft("lite")
    x = craft_preprocess(np.random.default_rng(0).integers(0, 255, (2, height, width, 3)))
    y = run(model, x)
    assert y.shape == (2, height // 2, width // 2, 2)
    assert y.dtype == np.float32
    assert model.count_params() <= 1_350_000


def test_craft_full_has_published_size_and_names():
    model = build_craft("full")
    assert model.count_params() == 20_780_770  # 20.78M as published (BN statistics included)
    names = {layer.name for layer in model.layers}
    torch_names = keras.backend.backend() == "torch"  # torch cannot register names with dots
    for name in (
        "basenet.slice1.0",
        "basenet.slice4.38",
        "basenet.slice5.1",
        "upconv1.conv.0",
        "upconv4.conv.4",
        "conv_cls.0",
        "conv_cls.8",
    ):
        assert (name.replace(".", "_") if torch_names else name) in names
    assert layer_named(model, "basenet.slice5.1").dilation_rate == (6, 6)
    assert model.output_shape == (None, None, None, 2)


def test_craft_rejects_unknown_variant():
    with pytest.raises(ValueError, match="unknown CRAFT variant"):
        build_craft("huge")


@pytest.mark.parametrize("variant,steps,params", [("lite", 32, None), ("kurapan", 48, 8_794_267)])
def test_crnn_shapes(variant, steps, params):
    backbone, model, training_model, prediction_model = build_crnn(36, variant)
    h, w, c = crnn_input_shape(variant)
    assert model.input_shape == (None, h, w, c)
    assert model.output_shape == (None, steps, 37)
    assert crnn_timesteps(model) == steps == crnn_timesteps(prediction_model)
    assert training_model.input_shape[1][1] == steps  # what the seed notebook reads
    assert prediction_model.output_shape == (None, steps)
    assert backbone.output_shape[-1] == 256
    if params is not None:
        assert model.count_params() == params  # 8.79M, keras-ocr's published recognizer
    else:
        assert 1_500_000 <= model.count_params() <= 3_000_000
    x = np.random.default_rng(0).random((2, h, w, c), dtype="float32")
    probs = run(model, x)
    np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-5)
    decoded = run(prediction_model, x)
    assert decoded.dtype == np.int32 and decoded.shape == (2, steps)
    assert decoded.min() >= -1 and decoded.max() < 36  # never the blank (index 36)


def test_crnn_build_params_override_and_errors():
    _, model, training_model, _ = build_crnn(
        10, "lite", width=64, filters=(8, 8, 16, 16, 16, 16), rnn_units=(16, 16), max_label_length=12
    )
    assert model.output_shape == (None, 16, 11)
    assert training_model.input_shape[1] == (None, 12)
    with pytest.raises(ValueError, match="unknown CRNN build_params"):
        build_crnn(10, "lite", nonsense=1)
    with pytest.raises(ValueError, match="unknown CRNN variant"):
        build_crnn(10, "big")


def test_crnn_training_model_loss_is_finite_and_trains():
    keras.utils.set_random_seed(0)
    _, model, training_model, _ = build_crnn(
        5, "lite", width=32, filters=(4, 4, 8, 8, 8, 8), rnn_units=(8, 8)
    )
    batch, steps = 4, crnn_timesteps(model)
    x = np.random.default_rng(1).random((batch, 32, 32, 1), dtype="float32")
    labels = np.full((batch, steps), -1, "int32")
    labels[:, :3] = [[0, 1, 2], [3, 3, 4], [1, 0, 1], [4, 4, 4]]
    label_length = np.full((batch, 1), 3, "int32")
    input_length = np.full((batch, 1), steps, "int32")
    loss = run(training_model, [x, labels, input_length, label_length])
    assert loss.shape == (batch, 1) and np.all(np.isfinite(loss)) and np.all(loss > 0)
    training_model.compile(
        optimizer=keras.optimizers.Adam(0.01), loss=lambda y_true, y_pred: y_pred, run_eagerly=True
    )
    first = training_model.train_on_batch([x, labels, input_length, label_length], np.zeros((batch, 1)))
    for _ in range(3):
        last = training_model.train_on_batch([x, labels, input_length, label_length], np.zeros((batch, 1)))
    assert float(last) < float(first)


@pytest.mark.parametrize(
    "factory",
    [
        lambda: build_craft("lite", **TINY_CRAFT),
        lambda: build_crnn(7, "lite", width=32, filters=(4, 4, 8, 8, 8, 8), rnn_units=(8, 8))[1],
        lambda: build_crnn(7, "kurapan", height=16, width=32, filters=(4,) * 7, rnn_units=(8, 8))[1],
    ],
    ids=["craft", "crnn_lite", "crnn_kurapan"],
)
def test_models_round_trip_through_keras_files(factory, tmp_path):
    model = factory()
    shape = (1, 64, 64, 3) if isinstance(model, CraftNet) else (1, *model.input_shape[1:])
    x = np.random.default_rng(2).random(shape, dtype="float32")
    expected = run(model, x)

    # clone_model rebuilds the same graph as a plain Functional; from_config rebuilds our class.
    clone = keras.models.clone_model(model)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(run(clone, x), expected, rtol=1e-5, atol=1e-6)
    rebuilt = type(model).from_config(model.get_config())
    assert type(rebuilt) is type(model) and rebuilt.get_config() == model.get_config()
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(run(rebuilt, x), expected, rtol=1e-5, atol=1e-6)

    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_allclose(run(loaded, x), expected, rtol=1e-5, atol=1e-6)
    if isinstance(model, CrnnNet):
        assert loaded.alphabet_size == 7


@pytest.mark.parametrize("variant", ["lite", "kurapan"])
def test_crnn_softmax_and_loss_stay_float32_under_mixed_precision(variant):
    from ocr_core.models.precision import policy_scope

    small = {"height": 32, "width": 32, "filters": [4, 4, 8, 8, 8, 8] + ([8] if variant == "kurapan" else []),
             "rnn_units": [8, 8], "stn": False}
    with policy_scope("mixed_bfloat16"):
        _backbone, model, training_model, _prediction = build_crnn(12, variant, **small)
    assert model.get_layer("conv_1").compute_dtype == "bfloat16"  # the body computes in bfloat16
    after_softmax = [layer for layer in training_model.layers if layer.name in ("fc_12", "drop_steps", "ctc_loss")]
    assert len(after_softmax) == (3 if variant == "kurapan" else 2)
    assert all(layer.compute_dtype == "float32" for layer in after_softmax)  # the CTC loss sees float32
    probs = run(model, np.random.default_rng(0).random((2, 32, 32, 1), dtype=np.float32))
    assert probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-5)  # float32 sums; bfloat16 is off by ~1e-3
