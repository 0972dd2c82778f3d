"""Weight averaging: exact means of real Keras weight files, kept epochs, and clear errors for mismatched files."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from ocr_core.errors import TrainingError
from ocr_core.training.averaging import average_weight_files
from ocr_core.training.checkpoints import CheckpointPaths


def _arrays(path: Path) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    with h5py.File(path, "r") as handle:
        handle.visititems(lambda name, obj: found.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset)
                          else None)
    return found


def _model(seed: int):
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((6,))
    hidden = keras.layers.BatchNormalization()(keras.layers.Dense(4)(inputs))
    return keras.Model(inputs, keras.layers.Dense(2)(hidden))


def test_the_mean_of_three_weight_files_loads_into_the_model(tmp_path) -> None:
    files = []
    for seed in (1, 2, 3):
        model = _model(seed)
        files.append(tmp_path / f"w{seed}.weights.h5")
        model.save_weights(files[-1])
    out = average_weight_files(files, tmp_path / "mean.weights.h5")
    mean, parts = _arrays(out), [_arrays(f) for f in files]
    assert set(mean) == set(parts[0]) and len(mean) >= 6
    for name, value in mean.items():
        np.testing.assert_allclose(value, np.mean([p[name] for p in parts], axis=0), rtol=1e-6)
    model = _model(9)
    model.load_weights(out)  # the layout is a valid Keras weights file
    kernel = model.layers[1].kernel.numpy()
    np.testing.assert_allclose(kernel, np.mean([_model(s).layers[1].kernel.numpy() for s in (1, 2, 3)], axis=0),
                               rtol=1e-6)
    assert not list(tmp_path.glob(".tmp-*"))


def test_files_of_different_models_are_refused_and_nothing_is_written(tmp_path) -> None:
    import keras

    _model(1).save_weights(tmp_path / "a.weights.h5")
    other = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3)])
    other.save_weights(tmp_path / "b.weights.h5")
    with pytest.raises(TrainingError, match="does not hold the same model"):
        average_weight_files([tmp_path / "a.weights.h5", tmp_path / "b.weights.h5"], tmp_path / "mean.weights.h5")
    (tmp_path / "broken.weights.h5").write_bytes(b"not hdf5")
    with pytest.raises(TrainingError, match="not a readable weights file"):
        average_weight_files([tmp_path / "a.weights.h5", tmp_path / "broken.weights.h5"], tmp_path / "mean.weights.h5")
    with pytest.raises(TrainingError, match="no weight files"):
        average_weight_files([], tmp_path / "mean.weights.h5")
    assert not (tmp_path / "mean.weights.h5").exists()
    assert not list(tmp_path.glob(".tmp-*"))


def test_kept_epochs_are_listed_oldest_first(tmp_path) -> None:
    paths = CheckpointPaths(tmp_path)
    paths.folder.mkdir()
    for n in (12, 3, 10):
        paths.epoch(n).write_bytes(b"x")
    (paths.folder / "last.ckpt.weights.h5").write_bytes(b"x")
    assert [p.name for p in paths.kept_epochs()] == ["epoch-0003.weights.h5", "epoch-0010.weights.h5",
                                                     "epoch-0012.weights.h5"]
