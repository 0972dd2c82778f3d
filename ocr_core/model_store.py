"""The models the user can pick: bundled and trained model folders, with their metrics; trained ones
(in :func:`ocr_core.paths.user_models_dir`) can be renamed, deleted and exported.

No Keras import: a model folder is ``model.json`` + a weights file (see :mod:`ocr_core.weights`).

>>> entries = list_model_entries("recognizer")          # doctest: +SKIP
>>> rename_model("recognizer-20261125-1432", "invoices")  # doctest: +SKIP
>>> export_model("invoices", "/tmp/share.zip")           # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
import shutil
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocr_core.errors import WeightsError, WeightsNotFoundError
from ocr_core.paths import user_models_dir
from ocr_core.weights import SPEC_FILE, load_spec_file, search_dirs

__all__ = ["ModelEntry", "list_model_entries", "find_model", "new_model_name", "check_model_name", "rename_model",
           "delete_model", "export_model"]

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
_METRIC_ORDER = ("val_loss", "loss", "word_accuracy", "cer", "f1", "precision", "recall")


@dataclass(frozen=True)
class ModelEntry:
    """One model folder: its spec fields, where it is and whether the user owns it."""

    name: str
    kind: str
    architecture: str
    path: str
    user: bool
    description: str = ""
    alphabet: str | None = None
    input_spec: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    modified: float = 0.0

    def metrics_text(self) -> str:
        """The headline metrics, e.g. ``val_loss 1.234 \u00b7 best epoch 4``."""
        parts = [f"{k} {float(self.metrics[k]):.3f}" for k in _METRIC_ORDER
                 if isinstance(self.metrics.get(k), (int, float))][:3]
        if self.metrics.get("best_epoch"):
            parts.append(f"best epoch {int(self.metrics['best_epoch'])}")
        return " \u00b7 ".join(parts)

    def trained_text(self) -> str:
        """When and how it was trained, e.g. ``2026-11-25 14:32 \u00b7 4 epochs \u00b7 stopped early``."""
        if not self.training:
            return "bundled" if not self.user else ""
        when = str(self.training.get("finished_at", "")).replace("T", " ")[:16]
        epochs = self.training.get("epochs")
        status = str(self.training.get("status", ""))
        steps = self.training.get("steps")
        if not epochs and status == "cancelled" and steps:  # stopped in its first epoch (weights kept)
            epochs_text = f"{steps} steps"
        else:
            epochs_text = f"{epochs} epoch{'s' if epochs != 1 else ''}" if epochs else ""
        bits = [when, epochs_text, _STATUS_WORDS.get(status, status)]
        return " \u00b7 ".join(b for b in bits if b)


#: How a run's end reads in the Models list: a budget or a Stop ends most runs, which is no failure.
_STATUS_WORDS = {"completed": "finished", "early_stopped": "stopped early", "cancelled": "stopped",
                 "failed": "failed", "training": "training"}


def _read_entry(spec_path: Path, user_root: Path) -> ModelEntry | None:
    try:
        spec = load_spec_file(spec_path)
    except WeightsError:
        return None
    folder = spec_path.parent
    try:
        modified = spec_path.stat().st_mtime
    except OSError:
        modified = 0.0
    user = folder.resolve().parent == user_root
    return ModelEntry(name=spec.name, kind=spec.kind, architecture=spec.architecture, path=str(folder), user=user,
                      description=spec.description, alphabet=spec.alphabet, input_spec=dict(spec.input_spec),
                      metrics=dict(spec.metrics),
                      training=dict(spec.training), modified=modified)


def list_model_entries(kind: str | None = None) -> list[ModelEntry]:
    """Model folders of every search folder (bundled first, then the user's, newest first)."""
    user_root = user_models_dir().resolve() if user_models_dir().exists() else user_models_dir()
    seen: dict[str, ModelEntry] = {}
    for folder in search_dirs():
        if not folder.is_dir():
            continue
        for spec_path in sorted(folder.glob(f"*/{SPEC_FILE}")):
            entry = _read_entry(spec_path, user_root)
            if entry is not None and (kind is None or entry.kind == kind) and entry.name not in seen:
                seen[entry.name] = entry
    entries = list(seen.values())
    return sorted(entries, key=lambda e: (e.user, -e.modified if e.user else 0.0, e.name))


def find_model(name: str) -> ModelEntry:
    """The entry named ``name`` (or whose folder is ``name``); :class:`WeightsNotFoundError` if none."""
    for entry in list_model_entries():
        if name in (entry.name, entry.path) or Path(entry.path).name == name:
            return entry
    raise WeightsNotFoundError(f"no model named {name!r}")


def check_model_name(name: str) -> str:
    """``name`` stripped, or :class:`WeightsError` when it cannot name a model folder."""
    name = name.strip()
    if not _NAME_RE.match(name):
        raise WeightsError(f"{name!r} is not a usable model name: use letters, digits, '.', '_' or '-' "
                           "(80 characters at most, starting with a letter or digit)")
    return name


def _taken(name: str) -> bool:
    return any((folder / name).exists() for folder in search_dirs()) or any(
        e.name == name for e in list_model_entries())


def new_model_name(base: str) -> str:
    """A free model name from ``base`` (``base``, ``base-2``, ``base-3``...)."""
    base = check_model_name(base)
    name, n = base, 1
    while _taken(name):
        n += 1
        name = f"{base}-{n}"
    return name


def _owned(name: str) -> ModelEntry:
    entry = find_model(name)
    if not entry.user:
        raise WeightsError(f"model {entry.name!r} comes with the application ({entry.path}); only trained models "
                           f"in {user_models_dir()} can be changed")
    return entry


def rename_model(name: str, new_name: str) -> ModelEntry:
    """Rename a trained model: its folder and the name in its ``model.json`` (the weights file keeps its name)."""
    from ocr_core.atomic import atomic_write_text

    entry = _owned(name)
    new_name = check_model_name(new_name)
    if new_name == entry.name:
        return entry
    if _taken(new_name):
        raise WeightsError(f"a model named {new_name!r} already exists")
    old_dir = Path(entry.path)
    new_dir = old_dir.parent / new_name
    os.replace(old_dir, new_dir)
    spec = load_spec_file(new_dir / SPEC_FILE).with_(name=new_name)
    atomic_write_text(new_dir / SPEC_FILE, spec.to_json() + "\n")
    return find_model(new_name)


def delete_model(name: str) -> None:
    """Delete a trained model's folder (checkpoints and logs included)."""
    entry = _owned(name)
    folder = Path(entry.path)
    if folder.resolve().parent != user_models_dir().resolve():  # never delete outside the models folder
        raise WeightsError(f"refusing to delete {folder}: it is not inside {user_models_dir()}")
    shutil.rmtree(folder)


def export_model(name: str, dest: str | os.PathLike[str]) -> Path:
    """Copy a model (``model.json`` + weights only) to ``dest``: a ``.zip`` file, or a folder in which
    a ``<name>/`` folder is written. Returns what was written."""
    entry = find_model(name)
    folder = Path(entry.path)
    spec = load_spec_file(folder / SPEC_FILE)
    weights = folder / spec.weights_file
    if not weights.is_file():
        raise WeightsNotFoundError(f"{weights}: the weights of {entry.name!r} are missing")
    dest = Path(dest).expanduser()
    if dest.suffix.lower() == ".zip":
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{int(time.time())}.tmp")
        try:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.write(folder / SPEC_FILE, f"{entry.name}/{SPEC_FILE}")
                archive.write(weights, f"{entry.name}/{spec.weights_file}")
            os.replace(tmp, dest)
        finally:
            if tmp.exists():
                tmp.unlink()
        return dest
    target = dest / entry.name
    if target.exists():
        raise WeightsError(f"{target} already exists; choose another folder")
    target.mkdir(parents=True)
    shutil.copyfile(weights, target / spec.weights_file)
    shutil.copyfile(folder / SPEC_FILE, target / SPEC_FILE)
    return target
