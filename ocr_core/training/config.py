"""Settings and result of a training run (plain dataclasses; no Keras import).

>>> config = TrainConfig(task="recognizer", data=["synthetic:512"], epochs=2, out_dir="runs/rec")
>>> config.sources[0].count
512
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from ocr_core.errors import TrainingError
from ocr_core.training.data import DataSource, parse_data_source

__all__ = ["TrainConfig", "TrainResult", "DEFAULT_SYNTHETIC_SAMPLES"]

#: Samples per epoch of a bare ``synthetic`` source.
DEFAULT_SYNTHETIC_SAMPLES = {"detector": 256, "recognizer": 8192}


@dataclass
class TrainConfig:
    """Everything a training run needs; the CLI, notebooks and the GUI fill the same object.

    ``data`` items are :class:`DataSource` or strings (``synthetic[:N]``, ``PATH[:FORMAT]``);
    ``validation_data`` is optional (otherwise folders are split by ``validation_split`` and
    synthetic data is validated on a separately seeded stream). ``init`` is a model name or path to
    start from; ``resume`` continues the run in ``out_dir`` from its last checkpoint.
    """

    task: Literal["detector", "recognizer"]
    data: list[Any] = field(default_factory=lambda: ["synthetic"])
    validation_data: list[Any] = field(default_factory=list)
    epochs: int = 10
    patience: int | None = 5
    min_delta: float = 0.0
    batch_size: int = 8
    steps_per_epoch: int | None = None
    validation_steps: int | None = None
    validation_split: float = 0.1
    learning_rate: float | None = None
    init: str | None = None
    freeze_backbone: bool = False
    lowercase: bool = False
    alphabet: str | None = None
    drop_unknown: bool = False
    variant: str = "lite"
    build_params: dict[str, Any] = field(default_factory=dict)
    image_size: int = 384
    max_length: int | None = None
    out_dir: str | Path | None = None
    name: str | None = None
    seed: int | None = 0
    mixed_precision: str = "auto"
    distribute: str = "auto"
    resume: bool = False
    loss: str = "ohem"
    weak_supervision: bool = True
    augment: bool = True
    workers: int = 2
    #: Recognizer: forked processes that make the training batches (0: the ``workers`` threads do). For GPUs,
    #: which train faster than one Python process renders crops (ADR 0022).
    data_processes: int = 0
    synth_options: dict[str, Any] = field(default_factory=dict)
    cache_dir: str | None = None
    jit_compile: bool | str = "auto"
    run_eagerly: bool = False
    #: Also keep the weights of the last N epochs (``checkpoints/epoch-NNNN.weights.h5``) for averaging.
    keep_epochs: int = 0

    def __post_init__(self) -> None:
        if self.task not in ("detector", "recognizer"):
            raise TrainingError(f"task must be 'detector' or 'recognizer', got {self.task!r}")
        if isinstance(self.data, (str, DataSource)):
            self.data = [self.data]
        if isinstance(self.validation_data, (str, DataSource)):
            self.validation_data = [self.validation_data]
        for name in ("epochs", "batch_size"):
            if int(getattr(self, name)) <= 0:
                raise TrainingError(f"{name} must be positive, got {getattr(self, name)}")
        for name in ("steps_per_epoch", "validation_steps"):
            value = getattr(self, name)
            if value is not None and int(value) <= 0:
                raise TrainingError(f"{name} must be positive, got {value}")
        if not 0.0 <= self.validation_split < 1.0:
            raise TrainingError(f"validation_split must be in [0, 1), got {self.validation_split}")
        if self.task == "detector" and self.image_size % 32:
            raise TrainingError(f"image_size must be a multiple of 32, got {self.image_size}")
        if self.learning_rate is not None and not self.learning_rate > 0:
            raise TrainingError(f"learning_rate must be positive, got {self.learning_rate}")
        if int(self.data_processes) < 0:
            raise TrainingError(f"data_processes must be >= 0, got {self.data_processes}")
        if int(self.keep_epochs) < 0:
            raise TrainingError(f"keep_epochs must be >= 0, got {self.keep_epochs}")
        if self.loss not in ("ohem", "mse"):
            raise TrainingError(f"loss must be 'ohem' or 'mse', got {self.loss!r}")

    @property
    def sources(self) -> list[DataSource]:
        sources = [parse_data_source(d) for d in self.data]
        if not sources:
            raise TrainingError("no training data given; use synthetic[:N] or PATH[:FORMAT]")
        return sources

    @property
    def validation_sources(self) -> list[DataSource]:
        return [parse_data_source(d) for d in self.validation_data]

    def resolved_out_dir(self) -> Path:
        if self.out_dir is not None:
            return Path(self.out_dir).expanduser()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return Path("runs") / f"{self.task}-{self.variant}-{stamp}"

    def to_dict(self) -> dict[str, Any]:
        """The settings as ``train_config.json`` records them: local paths (the folder or file of a ``--data``
        source, an ``--init`` that is a path rather than a model name, the cache folder) absolute, so that
        ``--resume`` finds them from any working folder."""
        data = asdict(self)
        data["data"] = [_recorded_source(d) for d in self.data]
        data["validation_data"] = [_recorded_source(d) for d in self.validation_data]
        data["out_dir"] = None if self.out_dir is None else str(self.out_dir)
        if self.init and Path(self.init).expanduser().exists():  # a path; a model name stays a name
            data["init"] = _absolute(self.init)
        if self.cache_dir:
            data["cache_dir"] = _absolute(self.cache_dir)
        return data


def _absolute(path: str | os.PathLike[str]) -> str:
    """``path`` made absolute against the working folder (``~`` expanded, symbolic links kept)."""
    return os.path.abspath(Path(path).expanduser())


def _recorded_source(item: str | DataSource) -> str:
    """A ``--data`` source as recorded: ``PATH[:FORMAT]`` with ``PATH`` absolute when it exists here;
    ``synthetic[:N]`` and paths not found as given."""
    source = parse_data_source(item)
    if source.kind == "folder" and source.path and Path(source.path).expanduser().exists():
        source = replace(source, path=_absolute(source.path))
    return str(source)


@dataclass
class TrainResult:
    """What a run produced. ``status``: 'completed', 'early_stopped' or 'cancelled'.

    ``model_dir`` is a model folder (``model.json`` + weights of the best epoch) that
    ``ocr-studio recognize --detector/--recognizer PATH`` accepts; None when no epoch finished.
    """

    status: str
    out_dir: Path
    model_dir: Path | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    history: list[dict[str, float]] = field(default_factory=list)
    epochs_run: int = 0
    best_epoch: int | None = None
    checkpoint: Path | None = None
    message: str = ""
