"""Import the original PyTorch CRAFT checkpoint (``craft_mlt_25k.pth``) into the Keras model.

State-dict keys carry a ``module.`` prefix (DataParallel) and mirror our layer names:
``module.basenet.slice1.0.weight`` -> layer ``basenet.slice1.0``. Conv kernels go OIHW -> HWIO,
BatchNorm is ``[weight (gamma), bias (beta), running_mean, running_var]``. Reading ``.pth`` needs
the optional ``torch`` dependency; the conversion itself is plain numpy.

Example::

    >>> convert_craft_torch_checkpoint("craft_mlt_25k.pth", "craft_mlt_25k.h5")  # doctest: +SKIP
    PosixPath('craft_mlt_25k.h5')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import keras
import numpy as np

from ocr_core.errors import WeightsError, WeightsMismatchError, WeightsNotFoundError
from ocr_core.models.loading import canonical_layer_name, write_legacy_h5

__all__ = [
    "read_torch_state_dict",
    "craft_weights_from_state_dict",
    "craft_config_from_weights",
    "load_craft_from_torch",
    "convert_craft_torch_checkpoint",
]

_BN_PARAMS = ("weight", "bias", "running_mean", "running_var")
_BN_WEIGHTS = ("gamma", "beta", "moving_mean", "moving_variance")


def read_torch_state_dict(pth_path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """A ``.pth`` state dict as numpy arrays (needs torch: ``pip install ocr-studio[torch]``)."""
    path = Path(pth_path)
    if not path.is_file():
        raise WeightsNotFoundError(f"PyTorch checkpoint not found: {path}")
    try:
        import torch
    except ImportError as exc:
        raise WeightsError(
            f"{path}: reading PyTorch checkpoints needs the optional 'torch' package "
            "(pip install 'ocr-studio[torch]'), or convert it elsewhere with convert_craft_torch_checkpoint"
        ) from exc
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt files
        raise WeightsError(f"{path}: not a readable PyTorch checkpoint: {exc}") from exc
    if isinstance(state, Mapping) and "state_dict" in state and isinstance(state["state_dict"], Mapping):
        state = state["state_dict"]
    if not isinstance(state, Mapping):
        raise WeightsError(f"{path}: expected a state dict, found {type(state).__name__}")
    return {str(k): v.detach().cpu().numpy() for k, v in state.items() if hasattr(v, "detach")}


def craft_weights_from_state_dict(
    state_dict: Mapping[str, Any], source: str = "state dict"
) -> dict[str, list[np.ndarray]]:
    """Map a CRAFT state dict to Keras weights per layer name (conv: kernel HWIO, bias; BN: 4 arrays)."""
    params: dict[str, dict[str, np.ndarray]] = {}
    for key, value in state_dict.items():
        key = key.removeprefix("module.")
        if key.endswith("num_batches_tracked"):
            continue
        layer, _, param = key.rpartition(".")
        params.setdefault(layer, {})[param] = np.asarray(value, dtype="float32")
    weights: dict[str, list[np.ndarray]] = {}
    for layer, found in params.items():
        if "running_mean" in found:
            missing = [p for p in _BN_PARAMS if p not in found]
            if missing:
                raise WeightsMismatchError(f"{source}: BatchNorm {layer!r} lacks {missing}")
            weights[layer] = [found[p] for p in _BN_PARAMS]
        elif "weight" in found and found["weight"].ndim == 4:
            kernel = found["weight"].transpose(2, 3, 1, 0)  # OIHW -> HWIO
            bias = found.get("bias", np.zeros(kernel.shape[-1], "float32"))
            weights[layer] = [kernel, bias]
        else:
            raise WeightsMismatchError(f"{source}: unexpected parameters {sorted(found)} for {layer!r}")
    return weights


def craft_config_from_weights(weights: Mapping[str, list[np.ndarray]]) -> dict[str, Any]:
    """CraftNet widths read off the kernel shapes (so lite checkpoints convert too)."""

    def out(name: str) -> int:
        if name not in weights:
            raise WeightsMismatchError(f"not a CRAFT checkpoint: no layer {name!r}")
        return int(weights[name][0].shape[-1])

    return {
        "backbone_filters": [
            out(f"basenet.slice{s}.{i}") for s, i in ((1, 0), (1, 7), (2, 14), (3, 24), (4, 34))
        ],
        "slice5_filters": out("basenet.slice5.1"),
        "upconv_filters": [out(f"upconv{n}.conv.0") for n in range(1, 5)],
        "head_filters": [out(f"conv_cls.{i}") for i in (0, 2, 4, 6)],
    }


def _assign(model: keras.Model, weights: Mapping[str, list[np.ndarray]], source: str) -> None:
    weights = {canonical_layer_name(k): v for k, v in weights.items()}
    layers = [layer for layer in model.layers if layer.weights]
    names = {canonical_layer_name(layer.name) for layer in layers}
    extra = sorted(set(weights) - names)
    if extra:
        raise WeightsMismatchError(f"{source}: layers not in model {model.name!r}: {extra[:5]}")
    for layer in layers:
        if canonical_layer_name(layer.name) not in weights:
            raise WeightsMismatchError(f"{source}: no weights for layer {layer.name!r}")
        variables = list(layer.trainable_weights) + list(layer.non_trainable_weights)
        values = weights[canonical_layer_name(layer.name)]
        if len(values) != len(variables):
            raise WeightsMismatchError(f"{source}: layer {layer.name!r} expects {len(variables)} arrays")
        for variable, value in zip(variables, values):
            if tuple(variable.shape) != tuple(value.shape):
                raise WeightsMismatchError(
                    f"{source}: layer {layer.name!r} has shape {tuple(value.shape)} in the checkpoint but "
                    f"{tuple(variable.shape)} in the model"
                )
    for layer in layers:
        variables = list(layer.trainable_weights) + list(layer.non_trainable_weights)
        for variable, value in zip(variables, weights[canonical_layer_name(layer.name)]):
            variable.assign(value)


def load_craft_from_torch(model: keras.Model, pth_path: str | os.PathLike[str]) -> None:
    """Load ``craft_mlt_25k.pth`` (or any CRAFT state dict file) into a CRAFT model, all or nothing."""
    state = read_torch_state_dict(pth_path)
    _assign(model, craft_weights_from_state_dict(state, str(pth_path)), str(pth_path))


def convert_craft_torch_checkpoint(
    pth_path: str | os.PathLike[str], out_path: str | os.PathLike[str]
) -> Path:
    """Convert a CRAFT ``.pth`` to a Keras weights file and return its path.

    ``*.weights.h5`` -> Keras 3 weights of a :class:`CraftNet` with the checkpoint's widths; any
    other ``*.h5`` -> Keras-2 layout with keras-ocr's layer names (like ``craft_mlt_25k.h5``).
    """
    from ocr_core.models.craft import CraftNet

    out = Path(out_path)
    weights = craft_weights_from_state_dict(read_torch_state_dict(pth_path), str(pth_path))
    model = CraftNet(**craft_config_from_weights(weights), name="craft")
    _assign(model, weights, str(pth_path))
    if out.name.endswith(".weights.h5"):
        model.save_weights(out)
        return out
    published = {canonical_layer_name(name): name for name in weights}  # keras-ocr's dotted names
    layers = []
    for layer in model.layers:
        if not layer.weights:
            continue
        name = published[canonical_layer_name(layer.name)]
        kinds = _BN_WEIGHTS if len(layer.weights) == 4 else ("kernel", "bias")
        layers.append((name, [(f"{name}/{k}:0", v) for k, v in zip(kinds, weights[name])]))
    return write_legacy_h5(out, layers)
