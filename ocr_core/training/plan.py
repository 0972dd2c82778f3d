"""A fine-tuning plan as the training tab describes it: the detector, the recognizer or both, on
synthetic data (rendered like the preview) mixed with the user's annotated pages; run one after the
other with the shared runner, then before/after figures on the validation images.

No Keras import until :func:`run_plan` trains.

>>> plan = TrainPlan(tasks=("recognizer",), synthetic_crops=512, epochs=3, out_root="/tmp/models")
>>> [c.task for c in make_configs(plan, write=False)]          # doctest: +SKIP
['recognizer']
>>> result = run_plan(plan, on_event=lambda task, event: print(task, event.kind))  # doctest: +SKIP
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ocr_core.cancel import CancelToken
from ocr_core.document import Page
from ocr_core.errors import Cancelled, OcrError, TrainingError
from ocr_core.synth_preview import PreviewSettings, samples_to_pages, synth_preview, training_synth_options
from ocr_core.training.config import TrainConfig, TrainResult
from ocr_core.training.data import load_pages, parse_data_source, split_pages
from ocr_core.training.dataset_check import write_pages_source
from ocr_core.training.review import Comparison, compare_models

__all__ = ["TrainPlan", "PlanResult", "make_configs", "validation_samples", "run_plan", "recognizer_alphabet",
           "PlanEventHandler"]

PlanEventHandler = Callable[[str, Any], None]  # (task, TrainingEvent)
_TASKS = ("detector", "recognizer")
#: Seed of the synthetic samples used for before/after figures when there are no validation images.
HELD_OUT_SEED = 990_001


@dataclass
class TrainPlan:
    """What to train and on what. ``pages`` are in-memory annotated pages (the checked images of the
    open folder); ``data`` are annotated folders or files (``PATH[:FORMAT]``). ``current_models`` is the
    ``(detector, recognizer)`` pair in use, measured as "before"."""

    tasks: tuple[str, ...] = ("recognizer",)
    name: str | None = None
    synth: PreviewSettings = field(default_factory=PreviewSettings)
    synthetic_pages: int = 64
    synthetic_crops: int = 2048
    data: list[str] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    validation_split: float = 0.1
    epochs: int = 10
    patience: int | None = 3
    batch_size: int = 8
    learning_rate: float | None = None
    steps_per_epoch: int | None = None
    validation_steps: int | None = None
    freeze_backbone: bool = False
    init_detector: str | None = None
    init_recognizer: str | None = None
    drop_unknown: bool = False
    build_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    variants: dict[str, str] = field(default_factory=dict)
    out_root: str | None = None
    seed: int = 0
    run_eagerly: bool = False
    jit_compile: bool | str = "auto"
    compare: bool = True
    compare_limit: int = 20
    current_models: tuple[str | None, str | None] = (None, None)
    cache_dir: str | None = None

    def validate(self) -> None:
        if not self.tasks or any(t not in _TASKS for t in self.tasks):
            raise TrainingError(f"choose what to train: the detector, the recognizer or both (got {self.tasks!r})")
        if self.synthetic_pages < 0 or self.synthetic_crops < 0:
            raise TrainingError("the number of synthetic samples cannot be negative")
        synthetic = {"detector": self.synthetic_pages, "recognizer": self.synthetic_crops}
        for task in self.tasks:
            if synthetic[task] <= 0 and not self.pages and not self.data:
                raise TrainingError(f"nothing to train the {task} on: add synthetic samples or annotated images")
        if any(synthetic[t] > 0 for t in self.tasks):
            self.synth.validate()


@dataclass
class PlanResult:
    """The runs of a plan (by task), the model names they produced and the before/after figures."""

    results: dict[str, TrainResult] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)
    comparison: Comparison | None = None
    status: str = "completed"
    message: str = ""

    @property
    def model_dirs(self) -> dict[str, str]:
        return {t: str(r.model_dir) for t, r in self.results.items() if r.model_dir is not None}


def recognizer_alphabet(drawn: str, init_alphabet: str | None) -> str:
    """The recognizer's alphabet for the characters ``drawn``: the starting model's own alphabet when it has
    the same characters (its top is kept), else ``drawn`` plus a space unless the starting model reads none
    (the default alphabet reads spaces).

    >>> recognizer_alphabet("cba", "abc "), recognizer_alphabet("xy", "abc"), recognizer_alphabet("xy", None)
    ('abc ', 'xy', 'xy ')
    """
    if init_alphabet:
        if {c for c in init_alphabet if not c.isspace()} == set(drawn):
            return init_alphabet
        return drawn + (" " if " " in init_alphabet else "")
    return drawn + " "


def _recognizer_alphabet(plan: TrainPlan) -> str:
    init_alphabet = None
    if plan.init_recognizer:
        from ocr_core.weights import resolve_model

        init_alphabet = resolve_model(plan.init_recognizer, "recognizer")[0].alphabet
    return recognizer_alphabet(plan.synth.drawn_alphabet, init_alphabet)


def _names(plan: TrainPlan) -> dict[str, str]:
    from ocr_core.model_store import new_model_name

    out = {}
    stamp = time.strftime("%Y%m%d-%H%M%S")  # one time for the tasks trained together
    for task in plan.tasks:
        wanted = _wanted_name(plan, task, stamp)
        out[task] = new_model_name(wanted) if plan.out_root is None else wanted
    return out


def _wanted_name(plan: TrainPlan, task: str, stamp: str | None = None) -> str:
    """The name the user asked for (``<name>-<task>`` when training both), or ``<task>-<time>``."""
    from ocr_core.model_store import check_model_name

    base = check_model_name(plan.name) if plan.name else None
    if base:
        return f"{base}-{task}" if len(plan.tasks) > 1 else base
    return f"{task}-{stamp or time.strftime('%Y%m%d-%H%M%S')}"


def make_configs(plan: TrainPlan, *, write: bool = True) -> list[TrainConfig]:
    """One :class:`TrainConfig` per task (detector first). With ``write``, each model folder is created
    and the in-memory ``pages`` are written into it (``data/pages.json``) as a training source."""
    from ocr_core.paths import user_models_dir

    plan.validate()
    root = Path(plan.out_root) if plan.out_root else user_models_dir()
    names = _names(plan)
    configs = []
    for task in [t for t in _TASKS if t in plan.tasks]:
        out_dir = root / names[task]
        count = plan.synthetic_pages if task == "detector" else plan.synthetic_crops
        data: list[str] = [f"synthetic:{count}"] if count > 0 else []
        if plan.pages:
            target = out_dir / "data" / "pages.json"
            try:
                data.append(write_pages_source(plan.pages, target) if write else f"{target}:studio")
            except OSError as exc:
                raise TrainingError(f"cannot write the new model's folder {out_dir} ({exc.strerror or exc}): "
                                    "free some space or make the models folder writable") from exc
        data.extend(plan.data)
        options = training_synth_options(plan.synth, task, plan.cache_dir) if count > 0 else {}
        size = max(64, int(plan.synth.width) // 32 * 32)
        configs.append(TrainConfig(
            task=task,  # type: ignore[arg-type]
            data=data, epochs=plan.epochs, patience=plan.patience or None, batch_size=plan.batch_size,
            steps_per_epoch=plan.steps_per_epoch, validation_steps=plan.validation_steps,
            validation_split=plan.validation_split, learning_rate=plan.learning_rate,
            init=plan.init_detector if task == "detector" else plan.init_recognizer,
            freeze_backbone=plan.freeze_backbone,
            alphabet=plan.synth.alphabet if task == "detector" else _recognizer_alphabet(plan),
            drop_unknown=plan.drop_unknown, variant=plan.variants.get(task, "lite"),
            build_params=dict(plan.build_params.get(task, {})), image_size=size, out_dir=out_dir,
            name=names[task], seed=plan.seed, synth_options=options, cache_dir=plan.cache_dir,
            run_eagerly=plan.run_eagerly, jit_compile=plan.jit_compile))
        if write:
            try:
                out_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise TrainingError(f"cannot create the new model's folder {out_dir} ({exc.strerror or exc}): "
                                    "free some space or make the models folder writable") from exc
    return configs


def validation_samples(plan: TrainPlan) -> list[tuple[Any, Page]]:
    """The validation pages the runs hold out of the user's data (same order and seed as the runner),
    as ``(image path, Page)``; empty when only synthetic data is used."""
    pages = list(plan.pages)
    for raw in plan.data:
        pages.extend(load_pages(parse_data_source(raw)))
    _, val = split_pages(pages, plan.validation_split, plan.seed)
    return [(p.image_path, p) for p in val[: plan.compare_limit]]


def _compare(plan: TrainPlan, results: dict[str, TrainResult], cancel: CancelToken | None,
             log: Callable[[str], None]) -> Comparison:
    before = plan.current_models
    after_det = results["detector"].model_dir if "detector" in results else None
    after_rec = results["recognizer"].model_dir if "recognizer" in results else None
    after = (str(after_det) if after_det else before[0], str(after_rec) if after_rec else before[1])
    trained = [t for t, r in results.items() if r.model_dir is not None]
    samples = validation_samples(plan)
    if samples:
        log(f"before/after: measuring on {len(samples)} validation image(s)")
        return compare_models(before, after, samples, trained, cancel=cancel, log=log,
                              source=f"{len(samples)} validation image(s) held out of your data")
    merged = Comparison(before=before, after=after, source="held-out synthetic samples")
    for task in trained:
        count = 6 if task == "detector" else 48
        settings = replace(plan.synth, mode=task, seed=HELD_OUT_SEED, count=count)  # type: ignore[arg-type]
        if task == "recognizer":  # crops in the recognizer's own alphabet
            settings.alphabet = _recognizer_alphabet(plan)
        log(f"before/after: measuring the {task} on {count} held-out synthetic samples")
        part = compare_models(before, after, samples_to_pages(synth_preview(settings, cancel=cancel,
                                                                            cache_dir=plan.cache_dir)),
                              [task], cancel=cancel, log=log)
        merged.rows.extend(part.rows)
        merged.notes.extend(n for n in part.notes if n not in merged.notes)
        merged.images += part.images
        merged.words += part.words
    return merged


def _discard_unfinished(plan: TrainPlan, configs: list[TrainConfig], outcome: PlanResult) -> None:
    """Remove the new run folders (in the user's models folder) that hold no model: no epoch finished."""
    if plan.out_root is not None:
        return
    for config in configs:
        out_dir = Path(str(config.out_dir))
        if config.task not in outcome.models and out_dir.is_dir() and not (out_dir / "model.json").exists():
            shutil.rmtree(out_dir, ignore_errors=True)


def run_plan(plan: TrainPlan, *, on_event: PlanEventHandler | None = None,
             cancel: CancelToken | None = None) -> PlanResult:
    """Train each task of ``plan`` in turn (stopping when one is cancelled), then compare before/after.

    Events arrive as ``on_event(task, event)``; the comparison phase reports as task ``"compare"``.
    Errors of a run propagate (:class:`~ocr_core.errors.TrainingError` and others) after the runs
    before it have saved their models.
    """
    from ocr_core.training.callbacks import TrainingEvent
    from ocr_core.training.runner import train

    def emit(task: str, event: Any) -> None:
        if on_event is not None:
            on_event(task, event)

    configs = make_configs(plan)
    for config in configs:  # a name already taken is never overwritten: say which one the model gets instead
        if plan.name and config.name != _wanted_name(plan, config.task):
            emit(config.task, TrainingEvent("log", message=f"a model named {_wanted_name(plan, config.task)!r} "
                                                           f"exists: this one is saved as {config.name!r}"))
    outcome = PlanResult()
    for config in configs:
        if cancel is not None and cancel.cancelled:
            break
        def forward(event: Any, task: str = config.task) -> None:
            emit(task, event)

        try:
            result = train(config, on_event=forward, cancel=cancel)
        except OcrError:
            _discard_unfinished(plan, configs, outcome)
            raise
        outcome.results[config.task] = result
        if result.model_dir is not None:
            outcome.models[config.task] = str(config.name)
        if result.status == "cancelled":
            break
    _discard_unfinished(plan, configs, outcome)
    statuses = [r.status for r in outcome.results.values()]
    cancelled = "cancelled" in statuses or (cancel is not None and cancel.cancelled)
    outcome.status = ("cancelled" if cancelled else "early_stopped" if "early_stopped" in statuses else "completed")
    outcome.message = "; ".join(f"{t}: {r.message}" for t, r in outcome.results.items())
    if plan.compare and not cancelled and outcome.models:
        def log(message: str) -> None:
            emit("compare", TrainingEvent("log", message=message))

        try:
            outcome.comparison = _compare(plan, outcome.results, cancel, log)
        except Cancelled:  # the training itself was over: its status stands, only the figures are missing
            outcome.comparison = Comparison(notes=["before/after figures skipped: stopped while measuring"])
            outcome.message += "; before/after figures skipped (stopped while measuring)"
        except OcrError as exc:
            log(f"before/after figures failed: {exc}")
            outcome.comparison = Comparison(notes=[str(exc)])
    return outcome
