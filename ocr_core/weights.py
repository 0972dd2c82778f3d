"""Named weights are data: a :class:`ModelSpec` says what a weights file is and how to build it.

A model on disk is a folder with ``model.json`` (the spec) and the weights file it names::

    resources/models/craft_lite/model.json
    resources/models/craft_lite/craft_lite.weights.h5

Published weights (keras-ocr's ``craft_mlt_25k.h5``, ``crnn_kurapan.h5``) are known by name and
sha256; nothing is downloaded: a missing file raises :class:`WeightsNotFoundError` saying where to
put it and where it is published.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from ocr_core.errors import WeightsError, WeightsMismatchError, WeightsNotFoundError
from ocr_core.paths import bundled_models_dir, user_models_dir

__all__ = [
    "ModelSpec",
    "PUBLISHED",
    "DEFAULT_DETECTOR",
    "DEFAULT_RECOGNIZER",
    "sha256sum",
    "resolve_model",
    "search_dirs",
    "list_models",
    "save_model_dir",
    "load_spec_file",
    "ARCHITECTURES",
]

Kind = Literal["detector", "recognizer"]

DEFAULT_DETECTOR = "craft_lite"
DEFAULT_RECOGNIZER = "crnn_lite"
SPEC_FILE = "model.json"


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to rebuild a model and check its weights."""

    name: str
    kind: Kind
    architecture: str  # "craft", "craft_lite", "crnn_kurapan", "crnn_lite"
    weights_file: str
    sha256: str | None = None
    build_params: dict[str, Any] = field(default_factory=dict)
    alphabet: str | None = None
    input_spec: dict[str, Any] = field(default_factory=dict)
    include_top: bool = True
    source_url: str | None = None
    description: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    #: Post-processing chosen for these weights. Detectors: ``ocr_core.postprocess.detection.DETECTION_DEFAULTS``
    #: names (a less-trained model's score maps peak lower than the published CRAFT's, so its thresholds differ).
    #: Recognizers: ``min_confidence``, below which a page's words are dropped (ADR 0013).
    postprocess: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSpec:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise WeightsError(f"model spec has unknown keys: {sorted(unknown)}")
        try:
            spec = cls(**data)
        except TypeError as exc:
            raise WeightsError(f"model spec is incomplete: {exc}") from exc
        _check_fields(spec)
        return spec

    def with_(self, **changes: Any) -> ModelSpec:
        return replace(self, **changes)


_KERAS_OCR_URL = "https://github.com/faustomorales/keras-ocr/releases/download/v0.8.4/"

#: Published third-party weights, loaded from local files only.
PUBLISHED: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="clovaai_general",
            kind="detector",
            architecture="craft",
            weights_file="craft_mlt_25k.h5",
            sha256="7283ce2ff05a0617e9740c316175ff3bacdd7215dbdf1a726890d5099431f899",
            source_url=_KERAS_OCR_URL + "craft_mlt_25k.h5",
            description="CRAFT (Clova AI) general model, keras-ocr's Keras-2 HDF5 conversion.",
        ),
        ModelSpec(
            name="clovaai_general_torch",
            kind="detector",
            architecture="craft",
            weights_file="craft_mlt_25k.pth",
            sha256="4a5efbfb48b4081100544e75e1e2b57f8de3d84f213004b14b85fd4b3748db17",
            source_url="https://github.com/clovaai/CRAFT-pytorch (craft_mlt_25k.pth, Google Drive link)",
            description="CRAFT original PyTorch checkpoint; needs the optional torch dependency.",
        ),
        ModelSpec(
            name="kurapan",
            kind="recognizer",
            architecture="crnn_kurapan",
            weights_file="crnn_kurapan.h5",
            sha256="a7d8086ac8f5c3d6a0a828f7d6fbabcaf815415dd125c32533013f85603be46d",
            alphabet="0123456789abcdefghijklmnopqrstuvwxyz",
            input_spec={"height": 31, "width": 200, "channels": 1},
            source_url=_KERAS_OCR_URL + "crnn_kurapan.h5",
            description="CRNN by kurapan, keras-ocr's published recognizer (digits + lowercase).",
        ),
        ModelSpec(
            name="kurapan_notop",
            kind="recognizer",
            architecture="crnn_kurapan",
            weights_file="crnn_kurapan_notop.h5",
            sha256="027fd2cced3cbea0c4f5894bb8e9e85bac04f11daf96b8fdcf1e4ee95dcf51b9",
            alphabet="0123456789abcdefghijklmnopqrstuvwxyz",
            input_spec={"height": 31, "width": 200, "channels": 1},
            include_top=False,
            source_url=_KERAS_OCR_URL + "crnn_kurapan_notop.h5",
            description="kurapan CRNN without its classification top (backbone only).",
        ),
    )
}


def sha256sum(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def search_dirs() -> list[Path]:
    """Folders searched for named models, in order: bundled, user models, keras-ocr cache."""
    dirs = [bundled_models_dir(), user_models_dir()]
    keras_ocr_cache = os.environ.get("KERAS_OCR_CACHE_DIR") or str(Path.home() / ".keras-ocr")
    dirs.append(Path(keras_ocr_cache))
    return dirs


#: Architectures by kind; the build and input fields a ``model.json`` may set, with what each must be.
ARCHITECTURES = {"detector": ("craft", "craft_lite"), "recognizer": ("crnn_kurapan", "crnn_lite")}
_POSITIVE_INT = ("a whole number above 0", lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0)
_INT_LIST = ("a list of whole numbers above 0", lambda v: isinstance(v, list | tuple) and len(v) > 0
             and all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in v))
_FIELD_RULES: dict[str, dict[str, tuple[str, Any]]] = {
    "build_params": {
        "height": _POSITIVE_INT, "width": _POSITIVE_INT, "pool_size": _POSITIVE_INT,
        "max_label_length": _POSITIVE_INT, "filters": _INT_LIST, "rnn_units": _INT_LIST,
        "residual_blocks": ("a list of whole numbers of 0 or more", lambda v: isinstance(v, list | tuple)
                            and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in v)),
        "rnn_steps_to_discard": ("a whole number of 0 or more",
                                 lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0),
        "dropout": ("a number from 0 to below 1", lambda v: _is_number(v) and 0 <= v < 1),
        "color": ("true or false", lambda v: isinstance(v, bool)),
        "stn": ("true or false", lambda v: isinstance(v, bool)),
        "unroll": ("true or false", lambda v: isinstance(v, bool)),
    },
    "input_spec": {
        "height": _POSITIVE_INT, "width": _POSITIVE_INT, "channels": ("1 or 3", lambda v: v in (1, 3)),
        "scale": ("a number above 0", lambda v: _is_number(v) and v > 0),
        "crop_margin": ("a number of 0 or more", lambda v: _is_number(v) and v >= 0),
    },
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_fields(spec: ModelSpec) -> None:
    """The fields the engine reads, checked where a model is loaded, so a typo is a message and not a crash."""
    if spec.kind not in ARCHITECTURES:
        raise WeightsError(f"model {spec.name!r}: kind must be 'detector' or 'recognizer', got {spec.kind!r}")
    if spec.architecture not in ARCHITECTURES[spec.kind]:
        raise WeightsError(f"model {spec.name!r}: a {spec.kind}'s architecture must be one of "
                           f"{', '.join(ARCHITECTURES[spec.kind])}, got {spec.architecture!r}")
    if spec.alphabet is not None and not isinstance(spec.alphabet, str):
        raise WeightsError(f"model {spec.name!r}: alphabet must be a string of characters")
    for group in ("build_params", "input_spec", "postprocess", "metrics", "training"):
        if not isinstance(getattr(spec, group), dict):
            raise WeightsError(f"model {spec.name!r}: {group} must be a JSON object")
    for group, rules in _FIELD_RULES.items():
        for key, value in getattr(spec, group).items():
            if key in rules and not rules[key][1](value):
                raise WeightsError(f"model {spec.name!r}: {group}.{key} must be {rules[key][0]}, got {value!r}")


def load_spec_file(path: Path) -> ModelSpec:
    """Read a ``model.json``; a clear :class:`WeightsError` when it is unreadable or malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WeightsError(f"cannot read model spec {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise WeightsError(f"model spec {path} must hold a JSON object")
    try:
        return ModelSpec.from_dict(data)
    except WeightsError as exc:
        raise WeightsError(f"{path}: {exc}") from exc


def _check_hash(spec: ModelSpec, path: Path) -> None:
    if spec.sha256:
        actual = sha256sum(path)
        if actual != spec.sha256:
            raise WeightsMismatchError(
                f"{path} does not match the weights named {spec.name!r}: sha256 is {actual}, "
                f"expected {spec.sha256}. The file is corrupt or a different model; replace it."
            )


def resolve_model(name_or_path: str | os.PathLike[str], kind: Kind | None = None) -> tuple[ModelSpec, Path]:
    """Find a model by name or path and return its spec and the checked weights path.

    Accepts a model folder (with ``model.json``), a ``model.json`` file, a weights file (the spec is
    read from a ``model.json`` beside it, or matched to a published file by name), or a name.
    """
    raw = str(name_or_path)
    path = Path(raw).expanduser()
    spec: ModelSpec | None = None
    weights: Path | None = None
    if path.is_dir():
        spec = load_spec_file(path / SPEC_FILE) if (path / SPEC_FILE).is_file() else None
        if spec is None:
            raise WeightsNotFoundError(f"{path} is a folder without {SPEC_FILE}; it is not a model folder")
        weights = path / spec.weights_file
    elif path.is_file() and path.name == SPEC_FILE:
        spec = load_spec_file(path)
        weights = path.parent / spec.weights_file
    elif path.is_file():
        beside = path.parent / SPEC_FILE
        if beside.is_file():
            spec = load_spec_file(beside)
        else:
            spec = next((s for s in PUBLISHED.values() if s.weights_file == path.name), None)
            if spec is None:
                raise WeightsError(
                    f"{path}: unknown weights file. Pass a model folder with {SPEC_FILE}, or a published file "
                    f"({', '.join(s.weights_file for s in PUBLISHED.values())})."
                )
        weights = path
    else:
        spec, weights = _resolve_name(raw)
    if kind is not None and spec.kind != kind:
        raise WeightsError(f"model {spec.name!r} is a {spec.kind}, not a {kind}")
    if not weights.is_file():
        raise WeightsNotFoundError(_missing_message(spec, [weights.parent]))
    _check_hash(spec, weights)
    return spec, weights


def _resolve_name(name: str) -> tuple[ModelSpec, Path]:
    if os.sep in name or name.endswith((".h5", ".json", ".pth")):
        raise WeightsNotFoundError(f"{name}: no such file or folder")
    for folder in search_dirs():
        model_dir = folder / name
        if (model_dir / SPEC_FILE).is_file():
            spec = load_spec_file(model_dir / SPEC_FILE)
            return spec, model_dir / spec.weights_file
    if name in PUBLISHED:
        spec = PUBLISHED[name]
        for folder in search_dirs():
            for candidate in (folder / spec.weights_file, folder / name / spec.weights_file):
                if candidate.is_file():
                    return spec, candidate
        raise WeightsNotFoundError(_missing_message(spec, search_dirs()))
    known = sorted(set(PUBLISHED) | {m.name for m in list_models()})
    raise WeightsNotFoundError(f"no model named {name!r}. Known models: {', '.join(known) or 'none'}")


def _missing_message(spec: ModelSpec, folders: list[Path]) -> str:
    where = " or ".join(str(f) for f in folders)
    msg = f"weights file {spec.weights_file!r} for model {spec.name!r} was not found. Put it in {where}"
    if spec.source_url:
        msg += f" (it is published at {spec.source_url}; nothing is downloaded automatically)"
    return msg + "."


def list_models(kind: Kind | None = None) -> list[ModelSpec]:
    """Model folders found in the search folders (bundled first)."""
    seen: dict[str, ModelSpec] = {}
    for folder in search_dirs():
        if not folder.is_dir():
            continue
        for spec_path in sorted(folder.glob(f"*/{SPEC_FILE}")):
            try:
                spec = load_spec_file(spec_path)
            except WeightsError:
                continue
            if (kind is None or spec.kind == kind) and spec.name not in seen:
                seen[spec.name] = spec
    return list(seen.values())


def save_model_dir(spec: ModelSpec, weights_src: Path, out_dir: Path) -> Path:
    """Write a model folder so that a crash at any moment leaves a consistent folder.

    The weights are copied under a temporary name, then renamed; if the folder already holds *other* weights
    under that name, the new ones get a name with their hash, ``model.json`` is switched to them, and only then
    is the old file removed. ``model.json`` always names a complete file with the recorded sha256.
    """
    import shutil
    import tempfile

    from ocr_core.atomic import atomic_write_text

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    digest = sha256sum(weights_src)
    name = spec.weights_file
    target = out_dir / name
    old_spec_path = out_dir / SPEC_FILE
    stale: Path | None = None
    if Path(weights_src).resolve() != target.resolve():
        if target.exists() and sha256sum(target) != digest:
            stem = name[: -len(".weights.h5")] if name.endswith(".weights.h5") else Path(name).stem
            suffix = ".weights.h5" if name.endswith(".weights.h5") else Path(name).suffix
            stale = target
            name = f"{stem}.{digest[:8]}{suffix}"
            target = out_dir / name
        fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".tmp")
        os.close(fd)
        try:
            shutil.copyfile(weights_src, tmp)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    if stale is None and old_spec_path.is_file():
        try:  # a previous hashed name that this save no longer uses
            previous = json.loads(old_spec_path.read_text(encoding="utf-8")).get("weights_file")
        except (OSError, ValueError, AttributeError):
            previous = None
        if previous and previous != name and (out_dir / previous).is_file():
            stale = out_dir / previous
    atomic_write_text(old_spec_path, spec.with_(weights_file=name, sha256=digest).to_json() + "\n")
    if stale is not None and stale.resolve() != target.resolve():
        stale.unlink(missing_ok=True)
    return out_dir
