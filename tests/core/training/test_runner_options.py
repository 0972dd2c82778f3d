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
        with pytest.raises(TrainingError):
            choose_strategy("ring")


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
