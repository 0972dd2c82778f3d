"""Average the weights of several checkpoints of one model (stochastic weight averaging, done after the fact).

A model trained on 2 CPU cores with small batches moves a lot from one epoch to the next; on the real dev images
neighbouring epochs of the same run differed by 0.1-0.2 in receipt and scene scores. The mean of the last few
epochs' weights sits between them and scores close to the best of them, without choosing an epoch by its dev
score. Works on Keras 3 ``.weights.h5`` files with h5py and numpy only (no backend needed).

>>> average_weight_files(["runs/r/checkpoints/epoch-0011.weights.h5",
...                       "runs/r/checkpoints/epoch-0012.weights.h5"], "averaged.weights.h5")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ocr_core.errors import TrainingError
from ocr_core.training.checkpoints import write_weights_atomic

__all__ = ["average_weight_files"]


def _datasets(handle) -> dict[str, object]:  # type: ignore[no-untyped-def]
    import h5py

    found: dict[str, object] = {}

    def visit(name: str, obj: object) -> None:
        if isinstance(obj, h5py.Dataset) and not name.startswith("optimizer"):
            found[name] = obj

    handle.visititems(visit)
    return found


def average_weight_files(sources: Sequence[str | os.PathLike[str]], target: str | os.PathLike[str]) -> Path:
    """Write the element-wise mean of ``sources`` (same model, same layout) to ``target``, atomically.

    Floating-point arrays are averaged (in float64, stored in their own dtype); other arrays (counters) are
    taken from the last file. Optimizer variables are left out. Raises :class:`TrainingError` when fewer than one
    file is given, a file cannot be read, or the files do not hold the same arrays with the same shapes.
    """
    import h5py

    paths = [Path(s) for s in sources]
    if not paths:
        raise TrainingError("no weight files to average")
    with contextlib.ExitStack() as stack:
        handles = []
        for path in paths:
            try:
                handles.append(stack.enter_context(h5py.File(path, "r")))
            except (OSError, ValueError) as exc:
                raise TrainingError(f"{path}: not a readable weights file ({exc})") from None
        layouts = [_datasets(h) for h in handles]
        first = layouts[0]
        for path, layout in zip(paths[1:], layouts[1:]):
            if set(layout) != set(first) or any(layout[k].shape != first[k].shape for k in first):  # type: ignore[attr-defined]
                raise TrainingError(f"{path} does not hold the same model as {paths[0]}: cannot average them")

        def write(tmp: Path) -> None:
            with h5py.File(tmp, "w") as out:
                for key, value in handles[0].attrs.items():
                    out.attrs[key] = value

                def copy_groups(name: str, obj: object) -> None:
                    if isinstance(obj, h5py.Group) and not name.startswith("optimizer"):
                        group = out.require_group(name)
                        for key, value in obj.attrs.items():
                            group.attrs[key] = value

                handles[0].visititems(copy_groups)
                for name, dataset in first.items():
                    arrays = [np.asarray(layout[name][()]) for layout in layouts]  # type: ignore[index]
                    if np.issubdtype(arrays[0].dtype, np.floating):
                        value = np.mean(np.stack(arrays).astype(np.float64), axis=0).astype(arrays[0].dtype)
                    else:
                        value = arrays[-1]
                    written = out.create_dataset(name, data=value)
                    for key, attr in dataset.attrs.items():  # type: ignore[attr-defined]
                        written.attrs[key] = attr

        return write_weights_atomic(Path(target), write)
