"""Checked weight loading: Keras 3 ``.weights.h5`` / ``.keras`` and legacy Keras-2 HDF5 files.

Every shape is compared before anything is assigned, so a file either loads completely or raises
:class:`~ocr_core.errors.WeightsMismatchError` naming the file and the first mismatching layer;
there is never a silent partial load.

Keras-2 files (keras-ocr's ``craft_mlt_25k.h5``, ``crnn_kurapan.h5``) are matched by layer name,
and layers whose names differ (kurapan's nested STN model) are paired in file order.

Example::

    >>> from ocr_core.models import build_craft, load_weights_checked
    >>> model = build_craft("full")  # doctest: +SKIP
    >>> load_weights_checked(model, "craft_mlt_25k.h5")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import h5py
import keras
import numpy as np

from ocr_core.errors import WeightsError, WeightsMismatchError, WeightsNotFoundError

__all__ = [
    "load_weights_checked",
    "load_backbone_weights",
    "read_legacy_h5",
    "canonical_layer_name",
    "write_legacy_h5",
    "is_legacy_h5",
    "TOP_LAYER_NAMES",
]

#: Layers a backbone-only load may skip in a full-model file (the CRNN classification top).
TOP_LAYER_NAMES = ("fc_12",)

LegacyLayers = list[tuple[str, list[tuple[str, np.ndarray]]]]


def _decode(values: Iterable[Any]) -> list[str]:
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


def _legacy_root(f: h5py.File) -> h5py.Group | None:
    if "layer_names" in f.attrs:
        return f
    if "model_weights" in f and "layer_names" in f["model_weights"].attrs:
        return f["model_weights"]
    return None


def is_legacy_h5(path: str | os.PathLike[str]) -> bool:
    """True for a Keras-2 HDF5 weights (or full model) file."""
    try:
        with h5py.File(path, "r") as f:
            return _legacy_root(f) is not None
    except OSError:
        return False


def read_legacy_h5(path: str | os.PathLike[str]) -> LegacyLayers:
    """The layers with weights of a Keras-2 HDF5 file, in file order: ``[(layer, [(weight, array)])]``."""
    try:
        with h5py.File(path, "r") as f:
            root = _legacy_root(f)
            if root is None:
                raise WeightsError(f"{path}: not a Keras-2 HDF5 weights file (no 'layer_names')")
            layers: LegacyLayers = []
            for name in _decode(root.attrs["layer_names"]):
                group = root[name]
                weight_names = _decode(group.attrs.get("weight_names", []))
                if weight_names:
                    layers.append((name, [(w, np.asarray(group[w])) for w in weight_names]))
            return layers
    except (OSError, KeyError) as exc:
        raise WeightsError(f"{path}: cannot read weights: {exc}") from exc


def write_legacy_h5(path: str | os.PathLike[str], layers: LegacyLayers) -> Path:
    """Write weights in the Keras-2 ``save_weights`` HDF5 layout (what keras-ocr published).

    ``layers`` is ``[(layer_name, [(weight_name, array)])]``; weight names look like
    ``"conv_1/kernel:0"`` and become nested datasets of the layer's group.
    """
    path = Path(path)
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([name.encode("utf8") for name, _ in layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.3.0"
        for name, weights in layers:
            group = f.create_group(name)
            group.attrs["weight_names"] = np.array([w.encode("utf8") for w, _ in weights])
            for weight_name, value in weights:
                group.create_dataset(weight_name, data=np.asarray(value))
    return path


def _layer_weights(layer: keras.layers.Layer) -> list[Any]:
    # The Keras-2 save order: trainable weights first, then the rest (BN moving statistics).
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def canonical_layer_name(name: str) -> str:
    """Names compare with ``.`` and ``_`` alike (CRAFT layers use ``_`` under the torch backend)."""
    return name.replace(".", "_")


def _pair_legacy(
    model: keras.Model, file_layers: LegacyLayers, path: Path, skip: Iterable[str]
) -> list[tuple[keras.layers.Layer, str, list[tuple[str, np.ndarray]]]]:
    key = canonical_layer_name
    model_layers = [layer for layer in model.layers if _layer_weights(layer)]
    by_name = {key(name): (name, weights) for name, weights in file_layers}
    model_names = {key(layer.name) for layer in model_layers}
    skip = {key(n) for n in skip}
    pairs = [(layer, *by_name[key(layer.name)]) for layer in model_layers if key(layer.name) in by_name]
    rest_model = [layer for layer in model_layers if key(layer.name) not in by_name]
    rest_file = [(n, w) for n, w in file_layers if key(n) not in model_names and key(n) not in skip]
    if len(rest_model) != len(rest_file):
        missing = [layer.name for layer in rest_model]
        extra = [n for n, _ in rest_file]
        raise WeightsMismatchError(
            f"{path}: the file does not fit model {model.name!r}: model layers without weights in the "
            f"file: {missing[:5]}; file layers not in the model: {extra[:5]}"
        )
    pairs += [(layer, name, weights) for layer, (name, weights) in zip(rest_model, rest_file)]
    return pairs


def _check_and_assign_legacy(model: keras.Model, path: Path, skip: Iterable[str]) -> None:
    pairs = _pair_legacy(model, read_legacy_h5(path), path, skip)
    for layer, file_name, weights in pairs:
        symbolic = _layer_weights(layer)
        if len(symbolic) != len(weights):
            raise WeightsMismatchError(
                f"{path}: layer {layer.name!r} (file: {file_name!r}) has {len(weights)} weights in the "
                f"file but {len(symbolic)} in the model"
            )
        for variable, (weight_name, value) in zip(symbolic, weights):
            if tuple(variable.shape) != tuple(value.shape):
                raise WeightsMismatchError(
                    f"{path}: layer {layer.name!r} weight {weight_name!r} has shape {tuple(value.shape)} "
                    f"in the file but {tuple(variable.shape)} in the model"
                )
    for layer, _, weights in pairs:
        for variable, (_, value) in zip(_layer_weights(layer), weights):
            variable.assign(value.astype(variable.dtype))


def _dataset_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {}
    with h5py.File(path, "r") as f:
        f.visititems(
            lambda name, obj: shapes.__setitem__(name, obj.shape) if isinstance(obj, h5py.Dataset) else None
        )
    return shapes


def _check_keras3(model: keras.Model, path: Path, allow_top: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        reference = Path(tmp) / "expected.weights.h5"
        model.save_weights(reference)
        expected = _dataset_shapes(reference)
    try:
        found = _dataset_shapes(path)
    except OSError as exc:
        raise WeightsError(f"{path}: cannot read weights: {exc}") from exc
    # a compiled model's file also holds its optimizer state: not part of the model, never checked
    found = {k: v for k, v in found.items() if not k.startswith("optimizer/")}
    expected = {k: v for k, v in expected.items() if not k.startswith("optimizer/")}
    for key, shape in expected.items():
        if key not in found:
            raise WeightsMismatchError(
                f"{path}: missing weight {key!r} (shape {shape}) needed by {model.name!r}"
            )
        if tuple(found[key]) != tuple(shape):
            raise WeightsMismatchError(
                f"{path}: weight {key!r} has shape {tuple(found[key])} in the file but {tuple(shape)} in the model"
            )
    extra = sorted(set(found) - set(expected))
    if extra:
        groups = {key.rsplit("/vars/", 1)[0] for key in extra}
        is_top = allow_top and len(groups) == 1 and len(extra) == 2
        if not is_top:
            raise WeightsMismatchError(
                f"{path}: has weights the model {model.name!r} lacks, e.g. {extra[0]!r}"
            )


def _load(model: keras.Model, path: str | os.PathLike[str], *, backbone: bool) -> None:
    path = Path(path)
    if not path.is_file():
        raise WeightsNotFoundError(f"weights file not found: {path}")
    if path.suffix == ".keras":
        try:
            with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as tmp:
                inner = Path(tmp) / "model.weights.h5"
                inner.write_bytes(archive.read("model.weights.h5"))
                _check_keras3(model, inner, allow_top=backbone)
                model.load_weights(inner)
        except (zipfile.BadZipFile, KeyError) as exc:
            raise WeightsError(f"{path}: not a readable .keras archive: {exc}") from exc
        return
    if not h5py.is_hdf5(path):
        raise WeightsError(f"{path}: not an HDF5 weights file")
    if is_legacy_h5(path):
        _check_and_assign_legacy(model, path, TOP_LAYER_NAMES if backbone else ())
        return
    _check_keras3(model, path, allow_top=backbone)
    if path.name.endswith(".weights.h5"):
        model.load_weights(path)
    else:  # Keras insists on the suffix; load through a correctly named link/copy.
        with tempfile.TemporaryDirectory() as tmp:
            alias = Path(tmp) / "weights.weights.h5"
            alias.symlink_to(path.resolve())
            model.load_weights(alias)


def load_weights_checked(model: keras.Model, path: str | os.PathLike[str]) -> None:
    """Load ``.weights.h5`` / ``.keras`` (Keras 3) or Keras-2 ``.h5`` weights, all or nothing.

    Raises :class:`WeightsNotFoundError` for a missing file, :class:`WeightsError` for an unreadable
    one and :class:`WeightsMismatchError` (naming the file and the first mismatching layer and
    shapes) when the file does not fit ``model``.
    """
    _load(model, path, backbone=False)


def load_backbone_weights(backbone: keras.Model, path: str | os.PathLike[str]) -> None:
    """Load a backbone-only file (``crnn_kurapan_notop.h5``), or the backbone part of a full file.

    For a recognizer whose alphabet changed: the classification top in the file (``fc_12``), if
    any, is skipped; every other weight must fit exactly.
    """
    _load(backbone, path, backbone=True)
