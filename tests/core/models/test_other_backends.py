"""The models build and give the same outputs under the JAX or PyTorch backends (when installed)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _model_reference import TINY_CRAFT, run

from ocr_core.models.craft import CraftNet
from ocr_core.models.crnn import build_crnn

REPO = Path(__file__).resolve().parents[3]
BACKENDS = [name for name in ("torch", "jax") if importlib.util.find_spec(name) is not None]

CRNN_LITE = {"width": 32, "filters": (4, 4, 8, 8, 8, 8), "rnn_units": (8, 8)}
CRNN_KURAPAN = {"height": 16, "width": 24, "filters": (4,) * 7, "rnn_units": (8, 8)}

# Runs in a fresh interpreter with another KERAS_BACKEND: rebuild, load the TF-saved weights, compare.
SCRIPT = """
import json, sys
import numpy as np
import keras
from ocr_core.models.craft import CraftNet
from ocr_core.models.crnn import build_crnn
from ocr_core.models.loading import load_weights_checked
folder, craft_cfg, lite_cfg, kurapan_cfg = sys.argv[1], *map(json.loads, sys.argv[2:5])
data = np.load(folder + "/data.npz")
out = {"backend": keras.backend.backend()}
craft = CraftNet(**craft_cfg)
load_weights_checked(craft, folder + "/craft.weights.h5")
out["craft"] = float(np.abs(keras.ops.convert_to_numpy(craft(data["image"])) - data["craft"]).max())
for name, cfg in (("lite", lite_cfg), ("kurapan", kurapan_cfg)):
    _, model, training_model, prediction_model = build_crnn(5, name, **cfg)
    load_weights_checked(model, folder + f"/{name}.weights.h5")
    x = data[name + "_x"]
    out[name] = float(np.abs(keras.ops.convert_to_numpy(model(x)) - data[name]).max())
    out[name + "_decode"] = keras.ops.convert_to_numpy(prediction_model(x)).tolist()
    steps = model.output_shape[1]
    labels = np.full((len(x), steps), -1, "int32"); labels[:, :2] = [1, 2]
    loss = keras.ops.convert_to_numpy(training_model([x, labels, np.full((len(x), 1), steps, "int32"),
                                                      np.full((len(x), 1), 2, "int32")]))
    out[name + "_loss"] = loss.ravel().tolist()
print("RESULT" + json.dumps(out))
"""


@pytest.mark.slow
@pytest.mark.skipif(not BACKENDS, reason="neither torch nor jax is installed")
@pytest.mark.parametrize("backend", BACKENDS)
def test_models_match_tensorflow_under_other_backend(backend, tmp_path):
    rng = np.random.default_rng(5)
    data = {"image": rng.normal(0, 1, (1, 64, 64, 3)).astype("float32")}
    craft = CraftNet(**TINY_CRAFT)
    craft.save_weights(tmp_path / "craft.weights.h5")
    data["craft"] = run(craft, data["image"])
    expected = {}
    for name, cfg in (("lite", CRNN_LITE), ("kurapan", CRNN_KURAPAN)):
        _, model, training_model, prediction_model = build_crnn(5, name, **cfg)
        model.save_weights(tmp_path / f"{name}.weights.h5")
        x = rng.random((2, *model.input_shape[1:])).astype("float32")
        data[name + "_x"], data[name] = x, run(model, x)
        expected[name + "_decode"] = run(prediction_model, x).tolist()
        steps = model.output_shape[1]
        labels = np.full((2, steps), -1, "int32")
        labels[:, :2] = [1, 2]
        lengths = [np.full((2, 1), steps, "int32"), np.full((2, 1), 2, "int32")]
        expected[name + "_loss"] = run(training_model, [x, labels, *lengths]).ravel()
    np.savez(tmp_path / "data.npz", **data)

    to_json = {k: list(v) if isinstance(v, tuple) else v for k, v in TINY_CRAFT.items()}
    env = {
        **os.environ,
        "KERAS_BACKEND": backend,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), json.dumps(to_json), json.dumps(CRNN_LITE), json.dumps(CRNN_KURAPAN)],
        capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.split("RESULT", 1)[1])
    assert result["backend"] == backend
    for name in ("craft", "lite", "kurapan"):
        assert result[name] < 1e-4, (name, result[name])
    for name in ("lite", "kurapan"):
        assert result[name + "_decode"] == expected[name + "_decode"]
        np.testing.assert_allclose(result[name + "_loss"], expected[name + "_loss"], rtol=1e-3, atol=1e-3)
