"""Rolled LSTMs for training where unrolled ones cost (GPUs, JAX), with the saved model keeping its setting."""

import json

import pytest

from ocr_core.training import TrainConfig, train
from ocr_core.training import recognizer_task as rt

from .conftest import ALPHABET, TINY_CRNN

pytestmark = pytest.mark.slow


def lstm_unroll(model) -> set[bool]:
    return {layer.forward_layer.unroll for layer in model.layers if hasattr(layer, "forward_layer")}


def config(out, **kw) -> TrainConfig:
    base = dict(task="recognizer", data=["synthetic:64"], alphabet=ALPHABET, epochs=1, batch_size=8,
                steps_per_epoch=2, validation_steps=1, build_params=dict(TINY_CRNN), out_dir=out, workers=1,
                patience=None)
    base.update(kw)
    return TrainConfig(**base)


@pytest.mark.parametrize("rolled", [False, True])
def test_training_builds_rolled_lstms_only_where_asked_and_saves_the_models_setting(rolled, monkeypatch, tmp_path,
                                                                                  fake_synth):
    monkeypatch.setattr(rt, "roll_lstms", lambda: rolled)
    task = rt.RecognizerTask(config(tmp_path), log=lambda msg: None)
    task.resolve_init()
    task.prepare()
    _, model = task.build()
    assert lstm_unroll(model) == {not rolled}
    assert task.effective_params["unroll"] is True  # what model.json will say: inference keeps the model's setting


def test_a_run_from_an_unrolled_model_trains_rolled_without_growing_it(monkeypatch, tmp_path, fake_synth):
    first = train(config(tmp_path / "a"))
    assert first.model_dir is not None
    monkeypatch.setattr(rt, "roll_lstms", lambda: True)
    messages = []
    second = train(config(tmp_path / "b", init=str(first.model_dir), build_params={}),
                   on_event=lambda e: messages.append(e.message))
    assert not any("grew" in m for m in messages)  # unroll is not an architecture change
    assert any("train rolled" in m for m in messages)
    spec = json.loads((second.model_dir / "model.json").read_text("utf-8"))
    assert spec["build_params"]["unroll"] is True
