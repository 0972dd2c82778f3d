"""Growing a trained recognizer into a deeper one (ADR 0015): residual blocks that start as the identity,
weights carried over by layer name, refusals for models that differ in more than added layers."""

from pathlib import Path

import numpy as np
import pytest

from ocr_core.errors import TrainingError
from ocr_core.training import TrainConfig
from ocr_core.weights import ModelSpec, save_model_dir

from .conftest import ALPHABET, TINY_CRNN

GROWN = {**TINY_CRNN, "residual_blocks": (0, 1, 1, 0, 0, 1)}


def _randomise(model, seed: int = 0) -> None:
    """Weights no initialiser would give (BN statistics included), so a copy that drops any shows."""
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        shape = tuple(variable.shape)
        value = rng.normal(0, 0.3, shape).astype("float32")
        if "variance" in variable.path:
            value = np.abs(value) + 0.5
        variable.assign(value)


@pytest.fixture
def small_model_dir(tmp_path: Path):
    from ocr_core.models.crnn import build_crnn

    _, model, _, _ = build_crnn(len(ALPHABET), "lite", **TINY_CRNN)
    _randomise(model)
    weights = tmp_path / "small.weights.h5"
    model.save_weights(weights)
    spec = ModelSpec(name="small", kind="recognizer", architecture="crnn_lite", weights_file="small.weights.h5",
                     build_params={k: list(v) if isinstance(v, tuple) else v for k, v in model.build_params.items()},
                     alphabet=ALPHABET, input_spec={"height": 32, "width": 64, "channels": 1})
    folder = save_model_dir(spec, weights, tmp_path / "small")
    return folder, model


def _task(tmp_path: Path, init: Path, **kw):
    from ocr_core.training.recognizer_task import RecognizerTask

    config = TrainConfig(task="recognizer", data=["synthetic:8"], init=str(init), out_dir=tmp_path / "run",
                         build_params={"residual_blocks": list(GROWN["residual_blocks"])}, **kw)
    logs: list[str] = []
    task = RecognizerTask(config, logs.append)
    task.resolve_init()
    return task, logs


def test_new_residual_blocks_start_as_the_identity():
    from ocr_core.models.crnn import build_crnn
    from ocr_core.training.growth import grow_weights

    _, small, _, _ = build_crnn(len(ALPHABET), "lite", **TINY_CRNN)
    _randomise(small)
    _, grown, _, _ = build_crnn(len(ALPHABET), "lite", **GROWN)
    added = grow_weights(small, grown)
    assert added and all(name.startswith(("res_2_1", "res_3_1", "res_6_1")) for name in added)
    assert len(grown.weights) > len(small.weights)
    x = np.random.default_rng(1).random((3, 32, 64, 1)).astype("float32")
    np.testing.assert_allclose(grown.predict(x, verbose=0), small.predict(x, verbose=0), atol=1e-5)


def test_init_grows_the_model_and_it_reads_as_before(small_model_dir, tmp_path):
    folder, small = small_model_dir
    task, logs = _task(tmp_path, folder)
    _, model = task.build()
    assert model.build_params["residual_blocks"] == (0, 1, 1, 0, 0, 1)
    assert task.effective_params["residual_blocks"] == [0, 1, 1, 0, 0, 1]  # what the run's model.json records
    x = np.random.default_rng(2).random((2, 32, 64, 1)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), small.predict(x, verbose=0), atol=1e-5)
    assert any(line.startswith("grew small into this model") for line in logs), logs


def test_growing_with_a_new_alphabet_keeps_the_backbone_and_the_shared_columns(small_model_dir, tmp_path):
    folder, small = small_model_dir
    task, logs = _task(tmp_path, folder, alphabet=ALPHABET + "k")
    _, model = task.build()
    kernel, bias = model.get_layer("fc_12").get_weights()
    old_kernel, old_bias = small.get_layer("fc_12").get_weights()
    np.testing.assert_array_equal(kernel[:, : len(ALPHABET)], old_kernel[:, : len(ALPHABET)])
    np.testing.assert_array_equal(kernel[:, -1], old_kernel[:, -1])  # the blank
    for name in ("conv_1", "blstm_2"):
        for new, old in zip(model.get_layer(name).get_weights(), small.get_layer(name).get_weights()):
            np.testing.assert_array_equal(new, old)
    assert any("grew small" in line for line in logs) and any("10 shared character(s)" in line for line in logs)


def test_a_model_that_differs_in_more_than_added_layers_is_refused_unchanged():
    from ocr_core.models.crnn import build_crnn
    from ocr_core.training.growth import grow_weights

    _, small, _, _ = build_crnn(len(ALPHABET), "lite", **TINY_CRNN)
    _, other, _, _ = build_crnn(len(ALPHABET), "lite", **{**GROWN, "rnn_units": (4, 4)})
    before = [np.array(w) for w in other.get_weights()]
    with pytest.raises(TrainingError, match="blstm_1"):
        grow_weights(small, other)
    for now, then in zip(other.get_weights(), before):
        np.testing.assert_array_equal(now, then)
    _, kurapan_like, _, _ = build_crnn(len(ALPHABET), "kurapan", filters=(4, 4, 4, 4, 4, 4, 4), rnn_units=(4, 4))
    with pytest.raises(TrainingError, match="no layer"):
        grow_weights(small, kurapan_like)


def test_residual_blocks_are_checked_and_kept_in_the_config():
    from ocr_core.models.crnn import CrnnNet, build_crnn

    with pytest.raises(ValueError, match="residual_blocks"):
        build_crnn(len(ALPHABET), "lite", **{**TINY_CRNN, "residual_blocks": (1, 1)})
    _, model, _, _ = build_crnn(len(ALPHABET), "lite", **GROWN)
    clone = CrnnNet.from_config(model.get_config())
    assert clone.build_params["residual_blocks"] == (0, 1, 1, 0, 0, 1)
    assert len(clone.weights) == len(model.weights)
    # a model.json written before residual blocks existed builds the plain model
    _, plain, _, _ = build_crnn(len(ALPHABET), "lite", **TINY_CRNN)
    assert plain.build_params["residual_blocks"] == (0, 0, 0, 0, 0, 0)
    assert not [layer for layer in plain.layers if layer.name.startswith("res_")]


def test_cli_residual_blocks_option():
    import argparse

    from ocr_core.cli.train import residual_blocks

    assert residual_blocks("0,1,1,1,0,0") == [0, 1, 1, 1, 0, 0]
    for bad in ("1,2", "a,b,c,d,e,f", "0,1,1,1,0,-1"):
        with pytest.raises(argparse.ArgumentTypeError):
            residual_blocks(bad)


def test_residual_blocks_where_they_do_not_apply_get_a_clear_error(tmp_path, capsys):
    import argparse

    from ocr_core.cli import train as train_cli
    from ocr_core.training.recognizer_task import RecognizerTask

    parser = argparse.ArgumentParser()
    train_cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["train", "recognizer", "--residual-blocks", "0,1,1,1,0,0"])
    assert train_cli.config_from_args(args).build_params == {"residual_blocks": [0, 1, 1, 1, 0, 0]}
    args = parser.parse_args(["train", "detector", "--residual-blocks", "0,1,1,1,0,0", "--out", str(tmp_path / "d"),
                              "--quiet"])
    assert args.func(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["ocr-studio train: error: --residual-blocks is for the recognizer (lite variant) only"]
    assert not (tmp_path / "d").exists()
    config = TrainConfig(task="recognizer", variant="kurapan", alphabet=ALPHABET, data=["synthetic:8"],
                         build_params={"residual_blocks": [0, 1, 1, 1, 0, 0]}, out_dir=tmp_path / "k")
    task = RecognizerTask(config, lambda line: None)
    task.resolve_init()
    with pytest.raises(TrainingError, match="cannot build the kurapan recognizer.*residual_blocks"):
        task.build()
