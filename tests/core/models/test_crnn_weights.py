"""kurapan CRNN: published Keras-2 HDF5 layouts load into ours and match an independent numpy reference."""

from __future__ import annotations

import numpy as np
import pytest
from _model_reference import (
    kurapan_forward,
    kurapan_keras2_layers,
    kurapan_random_weights,
    run,
    write_keras2_h5,
)

from ocr_core.errors import WeightsMismatchError, WeightsNotFoundError
from ocr_core.models.crnn import build_crnn
from ocr_core.models.loading import load_backbone_weights, load_weights_checked

# A small kurapan (same topology, fewer channels) keeps the numpy reference fast.
PARAMS = {"height": 16, "width": 24, "filters": (4, 4, 6, 6, 8, 8, 8), "rnn_units": (8, 6)}
N_CLASSES = 6  # alphabet of 5 + blank


@pytest.fixture(scope="module")
def reference():
    rng = np.random.default_rng(7)
    weights = kurapan_random_weights(rng, PARAMS["height"], PARAMS["width"], PARAMS["filters"],
                                     PARAMS["rnn_units"], N_CLASSES)  # fmt: skip
    x = rng.random((3, PARAMS["height"], PARAMS["width"], 1)).astype("float32")
    features, probs = kurapan_forward(x, weights)
    return weights, x, features, probs


def _models():
    return build_crnn(N_CLASSES - 1, "kurapan", **PARAMS)


def test_full_file_loads_and_matches_numpy_reference(reference, tmp_path):
    weights, x, _, expected = reference
    path = write_keras2_h5(tmp_path / "crnn_kurapan.h5", kurapan_keras2_layers(weights))
    backbone, model, _, prediction_model = _models()
    load_weights_checked(model, path)
    out = run(model, x)
    assert out.shape == expected.shape == (3, 24 // 4 - 2, N_CLASSES)
    np.testing.assert_allclose(out, expected, atol=2e-5)
    # greedy decoding of the same probabilities, blank = last index
    decoded = run(prediction_model, x)
    for row, probs in zip(decoded, expected):
        best = probs.argmax(-1)
        keep = [int(c) for i, c in enumerate(best) if c != N_CLASSES - 1 and (i == 0 or c != best[i - 1])]
        assert row[: len(keep)].tolist() == keep and np.all(row[len(keep) :] == -1)


def test_full_file_also_loads_with_keras_load_weights(reference, tmp_path):
    """Keras' own (order-based) loader agrees: our layer order is the published one."""
    weights, x, _, expected = reference
    path = write_keras2_h5(tmp_path / "crnn_kurapan.h5", kurapan_keras2_layers(weights))
    _, model, _, _ = _models()
    model.load_weights(path)
    np.testing.assert_allclose(run(model, x), expected, atol=2e-5)


def test_notop_file_loads_into_backbone(reference, tmp_path):
    weights, x, features, _ = reference
    path = write_keras2_h5(
        tmp_path / "crnn_kurapan_notop.h5", kurapan_keras2_layers(weights, include_top=False)
    )
    backbone, model, _, _ = build_crnn(11, "kurapan", include_top=False, **PARAMS)  # new alphabet
    load_backbone_weights(backbone, path)
    np.testing.assert_allclose(run(backbone, x), features, atol=2e-5)
    # the full file can feed a backbone too (its top is skipped) but not a model with another alphabet
    full = write_keras2_h5(tmp_path / "crnn_kurapan.h5", kurapan_keras2_layers(weights))
    load_backbone_weights(backbone, full)
    with pytest.raises(WeightsMismatchError, match="fc_12"):
        load_weights_checked(model, full)


def test_mismatched_shape_raises_and_loads_nothing(reference, tmp_path):
    weights, _, _, _ = reference
    bad = {**weights, "conv_3": [np.zeros((3, 3, 4, 7), "float32"), np.zeros(7, "float32")]}
    path = write_keras2_h5(tmp_path / "bad.h5", kurapan_keras2_layers(bad))
    _, model, _, _ = _models()
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(WeightsMismatchError) as info:
        load_weights_checked(model, path)
    assert "bad.h5" in str(info.value) and "conv_3" in str(info.value) and "(3, 3, 4, 7)" in str(info.value)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))  # no partial load


def test_missing_layer_and_missing_file(reference, tmp_path):
    weights, _, _, _ = reference
    layers = [layer for layer in kurapan_keras2_layers(weights) if layer[0] != "lstm_11_back"]
    path = write_keras2_h5(tmp_path / "short.h5", layers)
    _, model, _, _ = _models()
    with pytest.raises(WeightsMismatchError, match="lstm_11_back"):
        load_weights_checked(model, path)
    with pytest.raises(WeightsNotFoundError):
        load_weights_checked(model, tmp_path / "nope.h5")


def test_keras3_weights_round_trip_and_backbone(tmp_path):
    _, model, _, _ = build_crnn(4, "lite", width=32, filters=(4, 4, 8, 8, 8, 8), rnn_units=(8, 8))
    x = np.random.default_rng(3).random((2, 32, 32, 1), dtype="float32")
    path = tmp_path / "crnn.weights.h5"
    model.save_weights(path)
    backbone2, model2, _, _ = build_crnn(4, "lite", width=32, filters=(4, 4, 8, 8, 8, 8), rnn_units=(8, 8))
    load_weights_checked(model2, path)
    np.testing.assert_allclose(run(model2, x), run(model, x), atol=1e-6)
    backbone3, model3, _, _ = build_crnn(9, "lite", width=32, filters=(4, 4, 8, 8, 8, 8), rnn_units=(8, 8))
    with pytest.raises(WeightsMismatchError):
        load_weights_checked(model3, path)  # other alphabet: the top does not fit
    load_backbone_weights(backbone3, path)
    np.testing.assert_allclose(run(backbone3, x), run(backbone2, x), atol=1e-6)
    _, wider, _, _ = build_crnn(4, "lite", width=32, filters=(4, 4, 8, 8, 8, 16), rnn_units=(8, 8))
    with pytest.raises(WeightsMismatchError, match="crnn.weights.h5"):
        load_weights_checked(wider, path)
