import pytest

from ocr_core.errors import TrainingError
from ocr_core.training import TrainConfig


def test_precision_policy_and_strategy_choices():
    import keras

    from ocr_core.training.runner import choose_strategy, mixed_precision_policy

    assert mixed_precision_policy("off") is None
    assert mixed_precision_policy("bfloat16") == "mixed_bfloat16"
    with pytest.raises(TrainingError):
        mixed_precision_policy("int8")
    if keras.backend.backend() == "tensorflow":
        assert choose_strategy("none").num_replicas_in_sync == 1
    with pytest.raises(TrainingError, match="distribute must be one of"):
        choose_strategy("ring")


def test_other_backends_skip_tf_distribute_with_a_message(monkeypatch):
    import keras

    from ocr_core.training import runner

    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    monkeypatch.setattr(runner, "gpu_names", lambda: ["gpu:0 H200"])
    monkeypatch.delenv("TF_CONFIG", raising=False)
    logs: list[str] = []
    assert runner.choose_strategy("auto", logs.append) is None
    assert runner.choose_strategy("none", logs.append) is None
    assert logs == []  # one GPU, nothing asked for: nothing to say
    for mode in ("onedevice", "mirrored", "multiworker"):
        assert runner.choose_strategy(mode, logs.append) is None
        assert f"distribute={mode!r} skipped" in logs[-1] and "KERAS_BACKEND=tensorflow" in logs[-1]
    monkeypatch.setattr(runner, "gpu_names", lambda: ["gpu:0 H200", "gpu:1 H200"])
    runner.choose_strategy("auto", logs.append)
    assert logs[-1].startswith("2 GPUs visible; the jax backend trains on the first")
    monkeypatch.setenv("TF_CONFIG", '{"task": {"type": "worker", "index": 1}}')
    runner.choose_strategy("auto", logs.append)
    assert logs[-1].startswith("TF_CONFIG ignored")
    with pytest.raises(TrainingError, match="distribute must be one of"):
        runner.choose_strategy("ring", logs.append)


def test_config_rejects_bad_settings():
    with pytest.raises(TrainingError):
        TrainConfig(task="classifier")
    with pytest.raises(TrainingError, match="multiple of 32"):
        TrainConfig(task="detector", image_size=100)
    with pytest.raises(TrainingError):
        TrainConfig(task="recognizer", epochs=0)
    config = TrainConfig(task="recognizer", data="synthetic:10")
    assert [str(s) for s in config.sources] == ["synthetic:10"]
    assert config.resolved_out_dir().parts[0] == "runs"
