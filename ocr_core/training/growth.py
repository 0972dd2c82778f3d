"""Grow a trained model into a larger one of the same family without changing what it computes.

A deeper recognizer (``residual_blocks`` in the CRNN build parameters) keeps every layer of the
smaller one under the same name and adds blocks that start as the identity. Training the larger
model from the smaller one's weights then starts from the same readings instead of from scratch
(ADR 0015). Weights are matched by layer name, since Keras 3 weight files name layers by class and
position, which shift when layers are added.

>>> import keras
>>> small = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, name="a")])
>>> big = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, name="a"), keras.layers.Dense(3, name="b")])
>>> grow_weights(small, big)
['b']
"""

from __future__ import annotations

from collections.abc import Iterable

import keras

from ocr_core.errors import TrainingError

__all__ = ["grow_weights"]


def _weighted_layers(model: keras.Model) -> dict[str, keras.layers.Layer]:
    return {layer.name: layer for layer in model.layers if layer.weights}


def grow_weights(source: keras.Model, target: keras.Model, skip: Iterable[str] = ()) -> list[str]:
    """Copy every weighted layer of ``source`` into the layer of the same name in ``target``.

    ``skip`` names source layers left out (a classification top whose alphabet changed). Returns the
    names of ``target``'s weighted layers that received nothing (the new ones), in model order.
    Raises :class:`TrainingError`, before changing anything, when a source layer has no counterpart
    in ``target`` or its weights differ in number or shape.
    """
    skipped = set(skip)
    sources = {name: layer for name, layer in _weighted_layers(source).items() if name not in skipped}
    targets = _weighted_layers(target)
    missing = sorted(set(sources) - set(targets))
    if missing:
        raise TrainingError(f"cannot start {target.name!r} from {source.name!r}: it has no layer(s) "
                            f"{missing[:5]}; only added layers can differ")
    for name, layer in sources.items():
        theirs = [tuple(w.shape) for w in targets[name].weights]
        ours = [tuple(w.shape) for w in layer.weights]
        if theirs != ours:
            raise TrainingError(f"cannot start {target.name!r} from {source.name!r}: layer {name!r} has "
                                f"weights {ours} there and {theirs} here; only added layers can differ")
    for name, layer in sources.items():
        for variable, value in zip(targets[name].weights, layer.weights):
            variable.assign(keras.ops.convert_to_numpy(value).astype(variable.dtype))
    return [name for name in targets if name not in sources and name not in skipped]
