"""CRAFT weights: PyTorch checkpoint import, Keras-2 HDF5 (keras-ocr layout) and Keras 3 files."""

from __future__ import annotations

import numpy as np
import pytest
from _model_reference import (
    TINY_CRAFT,
    conv2d,
    craft_torch_module,
    craft_torch_state_dict,
    layer_named,
    run,
    write_keras2_h5,
)

from ocr_core.errors import WeightsError, WeightsMismatchError, WeightsNotFoundError
from ocr_core.models.craft import CraftNet
from ocr_core.models.loading import canonical_layer_name, load_weights_checked
from ocr_core.models.torch_import import (
    convert_craft_torch_checkpoint,
    craft_config_from_weights,
    craft_weights_from_state_dict,
    load_craft_from_torch,
)


@pytest.fixture(scope="module")
def state_dict():
    return craft_torch_state_dict(np.random.default_rng(11))


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(12).normal(0, 1, (2, 64, 96, 3)).astype("float32")


def _tiny() -> CraftNet:
    return CraftNet(**TINY_CRAFT, name="craft_tiny")


def _assigned(state_dict) -> CraftNet:
    weights = {canonical_layer_name(k): v for k, v in craft_weights_from_state_dict(state_dict).items()}
    model = _tiny()
    for layer in model.layers:
        if layer.weights:
            for variable, value in zip(
                layer.trainable_weights + layer.non_trainable_weights, weights[canonical_layer_name(layer.name)]
            ):
                variable.assign(value)
    return model


def test_state_dict_conversion_without_torch(state_dict, image):
    weights = craft_weights_from_state_dict(state_dict)
    assert craft_config_from_weights(weights) == {k: list(v) if isinstance(v, tuple) else v
                                                  for k, v in TINY_CRAFT.items()}  # fmt: skip
    kernel, bias = weights["basenet.slice1.0"]
    np.testing.assert_array_equal(kernel, state_dict["module.basenet.slice1.0.weight"].transpose(2, 3, 1, 0))
    gamma, beta, mean, var = weights["basenet.slice1.1"]
    np.testing.assert_array_equal(var, state_dict["module.basenet.slice1.1.running_var"])
    model = _assigned(state_dict)
    # the first conv of the Keras model computes the PyTorch conv (cross-correlation, OIHW -> HWIO)
    import keras

    first = keras.Model(model.inputs, layer_named(model, "basenet.slice1.0").output)
    expected = conv2d(image.astype("float64"), kernel, bias)
    np.testing.assert_allclose(run(first, image), expected, atol=1e-4)


def test_keras2_h5_in_keras_ocr_layout_loads(state_dict, image, tmp_path):
    weights = craft_weights_from_state_dict(state_dict)
    reference = _assigned(state_dict)
    expected = run(reference, image)
    published = {canonical_layer_name(k): k for k in weights}
    layers = []
    for layer in reference.layers:  # keras-ocr's file lists every layer; weightless ones have no weights
        kinds = (
            ("gamma", "beta", "moving_mean", "moving_variance")
            if "BatchNorm" in type(layer).__name__
            else ("kernel", "bias")
        )
        name = published.get(canonical_layer_name(layer.name), layer.name)  # dotted, also under torch
        found = weights.get(name, [])
        layers.append((name, [(f"{name}/{k}:0", v) for k, v in zip(kinds, found)]))
    path = write_keras2_h5(tmp_path / "craft_mlt_25k.h5", layers)
    for load in (load_weights_checked, lambda m, p: m.load_weights(p)):
        model = _tiny()
        load(model, path)
        np.testing.assert_allclose(run(model, image), expected, atol=1e-5)
    wider = CraftNet(**{**TINY_CRAFT, "slice5_filters": 16})
    with pytest.raises(WeightsMismatchError, match="basenet.slice5.1"):
        load_weights_checked(wider, path)


@pytest.mark.slow
def test_torch_checkpoint_matches_pytorch_craft(state_dict, image, tmp_path):
    torch = pytest.importorskip("torch")
    net = craft_torch_module()
    net.load_state_dict({k.removeprefix("module."): torch.as_tensor(v) for k, v in state_dict.items()})
    net.eval()
    with torch.no_grad():
        expected = net(torch.as_tensor(image).permute(0, 3, 1, 2)).numpy()
    pth = tmp_path / "craft_mlt_25k.pth"
    # the published checkpoint predates torch's zip format: save it the old way
    torch.save(
        {k: torch.as_tensor(v) for k, v in state_dict.items()}, pth, _use_new_zipfile_serialization=False
    )

    model = _tiny()
    load_craft_from_torch(model, pth)
    out = run(model, image)
    assert out.shape == expected.shape == (2, 32, 48, 2)
    np.testing.assert_allclose(out, expected, atol=1e-4)

    for name in ("craft.h5", "craft.weights.h5"):
        converted = convert_craft_torch_checkpoint(pth, tmp_path / name)
        model = _tiny()
        load_weights_checked(model, converted)
        np.testing.assert_allclose(run(model, image), expected, atol=1e-4)
    with pytest.raises(WeightsMismatchError, match="craft_mlt_25k.pth"):
        load_craft_from_torch(CraftNet(**{**TINY_CRAFT, "head_filters": (6, 6, 4, 8)}), pth)


def test_keras3_files_and_errors(tmp_path, image):
    model = _tiny()
    path = tmp_path / "craft.weights.h5"
    model.save_weights(path)
    other = _tiny()
    load_weights_checked(other, path)
    np.testing.assert_allclose(run(other, image), run(model, image), atol=1e-6)
    keras_file = tmp_path / "craft.keras"
    model.save(keras_file)
    load_weights_checked(other, keras_file)
    with pytest.raises(WeightsMismatchError, match="craft.weights.h5"):
        load_weights_checked(CraftNet(**{**TINY_CRAFT, "upconv_filters": (8, 8, 8, 4)}), path)
    with pytest.raises(WeightsNotFoundError):
        load_weights_checked(model, tmp_path / "missing.h5")
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not hdf5 at all")
    with pytest.raises(WeightsError, match="junk.h5"):
        load_weights_checked(model, junk)
