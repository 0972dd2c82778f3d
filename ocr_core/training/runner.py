"""One training runner for the CLI, notebooks and the GUI.

>>> from ocr_core.training import TrainConfig, train          # doctest: +SKIP
>>> config = TrainConfig(task="recognizer", data=["synthetic:4096"], epochs=5, out_dir="runs/rec")
>>> result = train(config, on_event=print)                    # doctest: +SKIP
>>> result.status, result.model_dir                           # doctest: +SKIP
('completed', PosixPath('runs/rec'))

Events arrive per batch and per epoch on the calling thread; a :class:`~ocr_core.cancel.CancelToken`
stops the run within one batch and the best checkpoint is kept. The result folder is a model folder
(``model.json`` + ``<name>.weights.h5``) for ``ocr-studio recognize --detector/--recognizer PATH``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import keras
import numpy as np

from ocr_core.atomic import atomic_write_text
from ocr_core.cancel import CancelToken
from ocr_core.errors import OcrError, TrainingError
from ocr_core.models.precision import policy_scope
from ocr_core.training.batches import FixedBatches
from ocr_core.training.callbacks import (
    CheckpointCallback,
    EpochCsvLogger,
    EventCallback,
    GuardCallback,
    ResumableEarlyStopping,
    StopAtEpochEndCallback,
    StopFlags,
    TrainingEvent,
)
from ocr_core.training.checkpoints import (
    CheckpointPaths,
    load_optimizer_state,
    read_state,
    save_weights_atomic,
    strip_optimizer,
)
from ocr_core.training.config import TrainConfig, TrainResult
from ocr_core.weights import SPEC_FILE

__all__ = ["TrainConfig", "TrainResult", "TrainingEvent", "train", "mixed_precision_policy", "choose_strategy",
           "gpu_names", "gpu_visible", "DISTRIBUTE_MODES"]

#: Added to the training-data seed per epoch already done, so a resumed run draws samples it has not seen.
RESUME_SEED_STRIDE = 1_000_003

_log = logging.getLogger(__name__)
EventHandler = Callable[[TrainingEvent], None]


def _emitter(on_event: EventHandler | None) -> EventHandler:
    def emit(event: TrainingEvent) -> None:
        if event.kind in ("log", "error", "early_stop", "checkpoint"):
            _log.info("%s: %s", event.kind, event.message)
        if on_event is None:
            return
        try:
            on_event(event)
        except Exception:  # a faulty listener must not kill a long run
            _log.exception("training event handler failed on a %r event", event.kind)

    return emit


def gpu_names() -> list[str]:
    """The GPUs the active Keras backend sees (empty when none, or when the device query fails)."""
    backend = keras.backend.backend()
    with contextlib.suppress(Exception):
        if backend == "tensorflow":
            import tensorflow as tf

            return [d.name for d in tf.config.list_physical_devices("GPU")]
        if backend == "jax":
            import jax

            return [f"{d.platform}:{d.id} {d.device_kind}" for d in jax.devices() if d.platform == "gpu"]
        if backend == "torch":
            import torch

            return [f"cuda:{i} {torch.cuda.get_device_name(i)}" for i in range(torch.cuda.device_count())]
    return []


def gpu_visible() -> bool:
    """Whether the active Keras backend sees a GPU."""
    return bool(gpu_names())


def mixed_precision_policy(mode: str) -> str | None:
    """Policy name for ``mode``: 'auto' (mixed_float16 when a GPU is visible), 'off', 'float16', 'bfloat16'."""
    mode = (mode or "off").lower()
    if mode in ("off", "none", "float32", "false", "no"):
        return None
    if mode == "auto":
        return "mixed_float16" if gpu_visible() else None
    if mode in ("float16", "mixed_float16", "fp16"):
        return "mixed_float16"
    if mode in ("bfloat16", "mixed_bfloat16", "bf16"):
        return "mixed_bfloat16"
    raise TrainingError(f"mixed_precision must be auto, off, float16 or bfloat16; got {mode!r}")


#: The ``distribute`` settings; all but 'auto' and 'none' name a ``tf.distribute`` strategy.
DISTRIBUTE_MODES = ("auto", "none", "onedevice", "mirrored", "multiworker")


def choose_strategy(mode: str, log: Callable[[str], None] | None = None) -> Any:
    """A ``tf.distribute`` strategy (TensorFlow backend only; None elsewhere).

    'auto': MultiWorkerMirroredStrategy when ``TF_CONFIG`` is set, MirroredStrategy with several GPUs,
    else the default strategy. Also 'none', 'mirrored', 'multiworker', 'onedevice'. Under JAX or PyTorch
    the run trains on one device: a strategy asked for is skipped, and ``log`` says so.
    """
    mode = (mode or "auto").lower()
    if mode not in DISTRIBUTE_MODES:
        raise TrainingError(f"distribute must be one of {', '.join(DISTRIBUTE_MODES)}; got {mode!r}")
    if keras.backend.backend() != "tensorflow":
        note = _single_device_note(mode)
        if note and log is not None:
            log(note)
        return None
    import tensorflow as tf

    if mode == "none":
        return tf.distribute.get_strategy()
    if mode == "onedevice":
        device = "/gpu:0" if tf.config.list_physical_devices("GPU") else "/cpu:0"
        return tf.distribute.OneDeviceStrategy(device)
    if mode == "mirrored":
        return tf.distribute.MirroredStrategy()
    if mode == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if os.environ.get("TF_CONFIG"):
        return tf.distribute.MultiWorkerMirroredStrategy()
    if len(tf.config.list_physical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def _single_device_note(mode: str) -> str | None:
    """What a non-TensorFlow backend does instead of the strategy ``mode`` would pick (None: nothing to say)."""
    backend = keras.backend.backend()
    why = "tf.distribute strategies need KERAS_BACKEND=tensorflow"
    if mode in ("onedevice", "mirrored", "multiworker"):
        return f"distribute={mode!r} skipped: {why}; the {backend} backend trains on one device"
    if mode == "auto" and os.environ.get("TF_CONFIG"):
        return f"TF_CONFIG ignored: multi-worker training needs KERAS_BACKEND=tensorflow; this {backend} " \
               "run trains on its own"
    gpus = gpu_names() if mode == "auto" else []
    if len(gpus) > 1:
        return f"{len(gpus)} GPUs visible; the {backend} backend trains on the first ({why} for several)"
    return None


def _worker_suffix() -> str | None:
    """None on the chief; 'worker-N' on other multi-worker replicas (they write elsewhere)."""
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        return None
    with contextlib.suppress(ValueError, TypeError, KeyError):
        task = json.loads(raw)["task"]
        if task.get("type") == "chief" or (task.get("type") == "worker" and int(task.get("index", 0)) == 0
                                            and "chief" not in json.loads(raw).get("cluster", {})):
            return None
        return f"{task.get('type')}-{task.get('index')}"
    return None


def _hardware(policy: str | None, strategy: Any) -> dict[str, Any]:
    info: dict[str, Any] = {"backend": keras.backend.backend(), "cpu_count": os.cpu_count(),
                            "platform": platform.platform(), "mixed_precision": policy or "float32"}
    info["gpus"] = gpu_names()
    with contextlib.suppress(Exception):
        if strategy is not None:  # TensorFlow only
            info["replicas"] = int(strategy.num_replicas_in_sync)
    return info


def _make_task(config: TrainConfig, log: Callable[[str], None]) -> Any:
    if config.task == "detector":
        from ocr_core.training.detector_task import DetectorTask

        return DetectorTask(config, log)
    from ocr_core.training.recognizer_task import RecognizerTask

    return RecognizerTask(config, log)


class _ModelFolder:
    """Writes the run's model folder (spec + best weights) through ``save_model_dir``."""

    def __init__(self, task: Any, config: TrainConfig, name: str, out_dir: Path, started: float,
                 hardware: dict[str, Any]) -> None:
        self.task, self.config, self.name, self.out_dir = task, config, name, out_dir
        self.started, self.hardware = started, hardware
        self.elapsed_before = 0.0

    def write(self, weights: Path, metrics: dict[str, Any], steps: int, epochs: int, status: str) -> Path:
        from ocr_core.weights import ModelSpec, save_model_dir

        training = {
            "data": [str(s) for s in self.config.sources],
            "epochs": epochs,
            "steps": steps,
            "batch_size": self.config.batch_size,
            "time_s": round(self.elapsed_before + time.monotonic() - self.started, 1),
            "hardware": self.hardware,
            "init": self.config.init or self._own_training().get("init"),
            "seed": self.config.seed,
            "lowercase": self.config.lowercase,
            "freeze_backbone": self.config.freeze_backbone,
            "status": status,
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        fields = self.task.spec_fields()
        fields.update(self._inherited(fields))
        spec = ModelSpec(name=self.name, kind=self.task.kind, weights_file=f"{self.name}.weights.h5",
                         metrics=metrics, training=training, description=f"trained by ocr-studio ({status})",
                         **fields)
        return save_model_dir(spec, weights, self.out_dir)

    def _own_spec(self) -> Any:
        """The run's own ``model.json`` when this call resumes the run (``None`` otherwise or when unreadable)."""
        from ocr_core.weights import SPEC_FILE, load_spec_file

        own = self.out_dir / SPEC_FILE
        if not (self.config.resume and own.is_file()):
            return None
        try:
            return load_spec_file(own)
        except OcrError:
            return None

    def _own_training(self) -> dict[str, Any]:
        """The ``training`` record of the run's own ``model.json`` on resume: a resume does not name the model the
        run started from, and must not forget it."""
        own = self._own_spec()
        return dict(own.training or {}) if own is not None else {}

    def _inherited(self, fields: dict[str, Any]) -> dict[str, Any]:
        """What was chosen for the model this run started from and still holds for its fine-tuned weights: the
        ``postprocess`` settings (detection thresholds, large-text pass, confidence floor) and the recommended
        scale and crop margin. Without them a fine-tuned default model would fall back to CRAFT's thresholds.
        A resumed run keeps what its own ``model.json`` says."""
        source = getattr(self.task, "init_spec", None)
        if source is None:
            source = self._own_spec()
        if source is None or source.kind != self.task.kind:
            return {}
        out: dict[str, Any] = {}
        if source.postprocess:
            out["postprocess"] = dict(source.postprocess)
        kept = {k: source.input_spec[k] for k in ("scale", "crop_margin") if k in (source.input_spec or {})}
        if kept:
            out["input_spec"] = {**fields.get("input_spec", {}), **kept}
        return out


def train(config: TrainConfig, *, on_event: EventHandler | None = None,
          cancel: CancelToken | None = None) -> TrainResult:
    """Train a detector or recognizer as ``config`` says; see the module docstring.

    Raises :class:`~ocr_core.errors.TrainingError` (empty data, NaN loss: the best checkpoint is
    kept and named in the message), :class:`~ocr_core.errors.AlphabetError` (labels outside the
    alphabet, before training starts) and other :class:`~ocr_core.errors.OcrError` s for bad input.
    """
    emit = _emitter(on_event)

    def log(message: str) -> None:
        emit(TrainingEvent("log", message=message))

    started = time.monotonic()
    out_dir = config.resolved_out_dir()
    suffix = _worker_suffix()
    if suffix:
        out_dir = out_dir / suffix
    name = config.name or out_dir.name
    paths = CheckpointPaths(out_dir)
    try:
        state = read_state(paths.state) if config.resume else None
        if state is None and (out_dir / SPEC_FILE).is_file() and not (config.resume and _stopped_early(out_dir)):
            # a new run here would replace that model (one stopped in its first epoch is started over by a resume)
            resumable = "" if config.resume or not paths.state.is_file() else ", or continue its run with --resume"
            raise TrainingError(
                f"{out_dir} already holds a model ({SPEC_FILE})"
                f"{' and no training state to resume' if config.resume else ''}; a new run there would replace it. "
                f"Choose another output folder{resumable}; to train on from that model, pass --init {out_dir} "
                "with another output folder")
        task = _make_task(config, log)
        task.resolve_init()
        if state is not None:
            _adopt_saved_build_params(task, state.get("identity"), log)
        task.prepare()
        if config.resume and state is None:
            log(f"nothing to resume in {out_dir}; starting a new run")
        return _run(config, task, state, paths, name, out_dir, started, emit, log, cancel)
    except OcrError as exc:
        if not getattr(exc, "reported", False):
            emit(TrainingEvent("error", message=str(exc)))
        raise


def _run(config: TrainConfig, task: Any, state: dict[str, Any] | None, paths: CheckpointPaths, name: str,
         out_dir: Path, started: float, emit: EventHandler, log: Callable[[str], None],
         cancel: CancelToken | None) -> TrainResult:
    if state is not None and state.get("identity") != _jsonable(task.identity()):
        differences = "; ".join(identity_differences(state.get("identity"), _jsonable(task.identity())))
        raise TrainingError(f"{out_dir} holds a run with other settings: {differences}. Resume it with the run's "
                            "settings (on the command line, leave those options out to take the run's)")
    if config.seed is not None:
        keras.utils.set_random_seed(int(config.seed))
    policy = mixed_precision_policy(config.mixed_precision)
    # Layers take the dtype policy when built: the global policy is set only while the model is built and
    # compiled, under the lock inference models use too (a detector loading meanwhile keeps its own).
    with policy_scope(policy):
        if policy:
            log(f"mixed precision: {policy}")
        strategy = choose_strategy(config.distribute, log)
        scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
        with scope:
            train_model, save_model = task.build()
            if state is not None and paths.last.is_file():
                for ckpt in (paths.last, paths.best):  # files of older runs may hold optimizer variables
                    if ckpt.is_file():
                        strip_optimizer(ckpt)
                save_model.load_weights(str(paths.last))
            lr = config.learning_rate or task.default_learning_rate()
            optimizer = keras.optimizers.Adam(learning_rate=lr, clipnorm=5.0)
            train_model.compile(optimizer=optimizer, loss=task.loss(), jit_compile=config.jit_compile,
                                run_eagerly=config.run_eagerly)
            if state is not None and paths.optimizer.is_file():
                restored = load_optimizer_state(train_model.optimizer, train_model.trainable_variables,
                                                paths.optimizer)
                log("optimizer state restored" if restored else "optimizer state did not fit; starting it afresh")
                if restored and config.learning_rate:
                    # the saved state holds the learning rate too: an explicit one given on resume wins
                    train_model.optimizer.learning_rate = float(config.learning_rate)
                elif restored:
                    lr = float(keras.ops.convert_to_numpy(train_model.optimizer.learning_rate))
    hardware = _hardware(policy, strategy)
    return _fit(config, task, state, paths, name, out_dir, started, emit, log, cancel, train_model,
                save_model, hardware, lr)


def _adopt_saved_build_params(task: Any, saved: Any, log: Callable[[str], None]) -> None:
    """On resume, the run's saved build parameters fill in the ones this call leaves out.

    A run started with ``--init`` records the init model's build parameters; resuming it must not need the init
    model again (it may be gone). Parameters this call does give must equal the saved ones, and everything else
    in the identity (task, variant, alphabet) must match; otherwise nothing changes and the identity check that
    follows reports the difference.
    """
    if not isinstance(saved, dict) or not isinstance(saved.get("build_params"), dict):
        return
    mine = _jsonable(task.identity())
    if saved == mine or {k: v for k, v in saved.items() if k != "build_params"} != \
            {k: v for k, v in mine.items() if k != "build_params"}:
        return
    theirs, given = saved["build_params"], mine.get("build_params") or {}
    if all(k in theirs and theirs[k] == v for k, v in given.items()):
        task.build_params = dict(theirs)
        log("resume: build parameters taken from the run's saved state")


def identity_differences(saved: Any, mine: Any, key: str = "") -> list[str]:
    """What differs between a run's saved identity and this call's, one ``key: the run's value, now value`` per
    differing setting (nested keys dotted: ``build_params.rnn_units``); long alphabets are told by their
    characters only one side has.

    >>> identity_differences({"variant": "lite", "alphabet": "abc"}, {"variant": "lite", "alphabet": "abd"})
    ["alphabet: 'abc' in the run, 'abd' now"]
    """
    if isinstance(saved, dict) and isinstance(mine, dict):
        keys = [*saved, *(k for k in mine if k not in saved)]
        return [line for k in keys
                for line in identity_differences(saved.get(k), mine.get(k), f"{key}.{k}" if key else str(k))]
    if saved == mine:
        return []
    if isinstance(saved, str) and isinstance(mine, str) and max(len(saved), len(mine)) > 24:
        only_run = "".join(c for c in dict.fromkeys(saved) if c not in mine)
        only_now = "".join(c for c in dict.fromkeys(mine) if c not in saved)
        parts = [f"{len(saved)} characters in the run, {len(mine)} now"]
        parts += [f"only in the run: {_cut(only_run)!r}"] if only_run else []
        parts += [f"only now: {_cut(only_now)!r}"] if only_now else []
        if not only_run and not only_now:
            parts.append("the same characters in another order")
        return [f"{key}: {', '.join(parts)}"]
    return [f"{key}: {saved!r} in the run, {mine!r} now"]


def _cut(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def validation_fingerprint(batches: Sequence[Any]) -> str:
    """A digest of the validation batches' arrays: equal when a resumed run validates on the same data."""
    digest = hashlib.sha1()
    for batch in batches:
        for part in (batch if isinstance(batch, (tuple, list)) else (batch,)):
            for array in (part if isinstance(part, (tuple, list)) else (part,)):
                value = np.ascontiguousarray(np.asarray(array))
                digest.update(str((value.shape, value.dtype.str)).encode())
                digest.update(value.tobytes())
    return digest.hexdigest()


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=list))


def _fit(config: TrainConfig, task: Any, state: dict[str, Any] | None, paths: CheckpointPaths, name: str,
         out_dir: Path, started: float, emit: EventHandler, log: Callable[[str], None],
         cancel: CancelToken | None, train_model: keras.Model, save_model: keras.Model,
         hardware: dict[str, Any], lr: float) -> TrainResult:
    batch = config.batch_size
    steps = config.steps_per_epoch or max(1, math.ceil(task.samples_per_epoch() / batch))
    val_steps = (config.validation_steps or task.default_validation_steps(steps)) if task.has_validation() else 0
    seed = int(config.seed or 0)
    initial_epoch = int(state["epoch"]) if state else 0
    # A resumed run draws new training samples (not the ones its first epochs saw again); its validation
    # batches stay the same, so losses compare across resumes.
    train_seed = seed + RESUME_SEED_STRIDE * initial_epoch
    train_data, val_batches = task.datasets(steps, val_steps, seed, train_seed=train_seed)
    val_data = FixedBatches(val_batches) if val_batches else None
    monitor = "val_loss" if val_data is not None else "loss"
    fingerprint = validation_fingerprint(val_batches) if val_batches else None
    if state and state.get("validation") and state.get("validation") != fingerprint:
        # new generator, fonts or data since the saved best: its loss is not comparable with the new ones
        log("resume: the validation data changed since the saved best (new data generator, fonts or folders); "
            "early stopping and the best checkpoint start over from this epoch")
        state = {k: v for k, v in state.items()
                 if k not in ("best", "wait", "best_epoch", "best_value", "best_epoch_index", "best_logs")}

    paths.folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out_dir / "train_config.json", json.dumps(config.to_dict(), indent=2, default=str) + "\n")
    folder = _ModelFolder(task, config, name, out_dir, started, hardware)
    folder.elapsed_before = float((state or {}).get("elapsed", 0.0))
    flags = StopFlags()
    early = None
    if config.patience:
        early = ResumableEarlyStopping(flags, initial=state, emit=emit, monitor=monitor,
                                       patience=int(config.patience), min_delta=config.min_delta,
                                       restore_best_weights=False)

    def on_best(epoch: int, logs: dict[str, float]) -> None:
        try:
            folder.write(paths.best, {**logs, "best_epoch": epoch + 1}, (epoch + 1) * steps, epoch + 1, "training")
        except OSError as exc:
            emit(TrainingEvent("error", epoch=epoch + 1, message=f"model folder not updated ({exc})"))

    checkpoint = CheckpointCallback(paths, save_model, monitor, flags, emit, steps, early_stopping=early,
                                    initial=state, on_best=on_best,
                                    extra_state={"identity": _jsonable(task.identity()),
                                                 **({"validation": fingerprint} if fingerprint else {})},
                                    keep_epochs=config.keep_epochs)
    # Events first, so a cancel requested while handling batch N stops right after batch N.
    callbacks: list[keras.callbacks.Callback] = [
        *task.callbacks(save_model),
        EventCallback(emit, steps, config.epochs, initial_epoch, flags),
        GuardCallback(flags, cancel),
    ]
    if config.patience and config.patience >= 3:
        # Halve the learning rate when the monitored loss stalls for a third of the early-stopping patience.
        # The rate lives in the optimizer state, so a resumed run keeps the lowered rate.
        callbacks.append(keras.callbacks.ReduceLROnPlateau(
            monitor=monitor, factor=0.5, patience=max(1, int(config.patience) // 3), min_delta=config.min_delta,
            min_lr=lr / 32, verbose=0))
    callbacks += [c for c in (early, checkpoint) if c is not None]
    callbacks.append(EpochCsvLogger(str(paths.csv), flags, append=state is not None))
    callbacks.append(StopAtEpochEndCallback(flags, cancel))
    params = int(sum(math.prod(v.shape) for v in save_model.trainable_weights))
    emit(TrainingEvent("start", epoch=initial_epoch, total_steps=steps * config.epochs, epochs=config.epochs,
                       logs={"steps_per_epoch": steps, "validation_steps": val_steps, "trainable_params": params,
                             "learning_rate": lr, "initial_epoch": initial_epoch},
                       message=f"training {task.kind} ({task.spec_fields()['architecture']}) for "
                               f"{config.epochs} epoch(s) of {steps} step(s) into {out_dir}"))
    if initial_epoch >= config.epochs:
        log(f"the run in {out_dir} already finished {initial_epoch} epoch(s); nothing to train")
    elif cancel is not None and cancel.cancelled:
        flags.cancelled = True
    else:
        try:
            train_model.fit(train_data, epochs=config.epochs, initial_epoch=initial_epoch, steps_per_epoch=steps,
                            validation_data=val_data, validation_steps=val_steps or None, callbacks=callbacks,
                            verbose=0)
        except OcrError:
            raise
        except Exception as exc:
            raise TrainingError(f"training failed: {type(exc).__name__}: {exc}") from exc
        finally:
            close = getattr(train_data, "close", None)
            if callable(close):
                close()
    return _finish(config, task, paths, out_dir, emit, flags, early, checkpoint, folder, save_model, steps)


def _fail(emit: EventHandler, epoch: int, message: str) -> NoReturn:
    """Report ``message`` as the run's error event, then raise it (marked reported: not shown twice)."""
    emit(TrainingEvent("error", epoch=epoch, message=message))
    error = TrainingError(message)
    error.reported = True  # type: ignore[attr-defined]
    raise error


def _stopped_early(out_dir: Path) -> bool:
    """Whether ``out_dir``'s model is the weights of a run stopped before its first epoch ended (no checkpoint to
    resume from: a resume starts that run over)."""
    import json

    try:
        training = json.loads((out_dir / SPEC_FILE).read_text(encoding="utf-8")).get("training") or {}
    except (OSError, ValueError, AttributeError):
        return False
    return training.get("status") == "cancelled" and training.get("epochs") == 0


def _finish(config: TrainConfig, task: Any, paths: CheckpointPaths, out_dir: Path, emit: EventHandler,
            flags: StopFlags, early: ResumableEarlyStopping | None, checkpoint: CheckpointCallback,
            folder: _ModelFolder, save_model: keras.Model, steps: int) -> TrainResult:
    history = checkpoint.history
    epochs_run = int(history[-1]["epoch"]) if history else 0
    has_best = checkpoint.best is not None and paths.best.is_file()
    best_epoch = None if checkpoint.best_epoch is None else int(checkpoint.best_epoch) + 1
    metrics = {**checkpoint.best_logs, **({"best_epoch": best_epoch} if best_epoch else {})}
    if has_best:
        save_model.load_weights(str(paths.best))  # restore the best weights in memory too
    if flags.nan or flags.save_error:
        status = "failed"
    elif flags.cancelled:
        status = "cancelled"
    elif early is not None and early.stopped_epoch > 0:
        status = "early_stopped"
    else:
        status = "completed"
    model_dir = None
    if has_best:
        try:
            model_dir = folder.write(paths.best, metrics, epochs_run * steps, epochs_run, status)
        except OSError as exc:
            raise TrainingError(f"could not write the model folder {out_dir}: {exc}; the best weights are "
                                f"in {paths.best}") from exc
    elif status == "cancelled" and flags.steps > 0:
        # Stopped before the first epoch ended: the weights trained so far are the user's work (minutes of it on
        # a CPU). They are kept as the model, unvalidated; the checkpoints stay empty, so a resume starts over.
        partial = paths.folder / "stopped.weights.h5"
        try:
            save_weights_atomic(save_model, partial)
            model_dir = folder.write(partial, {"steps": flags.steps}, flags.steps, 0, status)
            partial.unlink(missing_ok=True)  # copied into the model folder
        except OSError as exc:
            emit(TrainingEvent("error", message=f"the weights trained before the stop could not be kept ({exc})"))
            model_dir = None
    if flags.nan:
        kept = (f"the best checkpoint (epoch {best_epoch}) is kept in {model_dir}" if model_dir
                else "no epoch finished, so no checkpoint was saved")
        _fail(emit, epochs_run, f"training stopped: the loss became NaN or infinite (step {flags.nan_step}); "
                                f"{kept}. Lower the learning rate (--lr) or check the data.")
    if flags.save_error:
        kept = (f"the best checkpoint written before (epoch {best_epoch}) is kept in {model_dir}" if model_dir
                else "nothing of this run could be saved")
        _fail(emit, epochs_run, f"training stopped: {flags.save_error}; {kept}. Free some space in "
                                f"{out_dir.parent} (or pick another folder) and train again.")
    message = {"completed": "training finished", "early_stopped": "stopped early: no improvement",
               "cancelled": "training cancelled"}[status]
    if model_dir and not has_best:
        message += (f" before the first epoch ended, after {flags.steps} step{'s' if flags.steps != 1 else ''}: the weights "
                    f"trained so far (not validated) are kept in {model_dir}")
    elif model_dir:
        message += f"; best {checkpoint.monitor} {checkpoint.best:.4f} (epoch {best_epoch}) saved in {model_dir}"
    else:
        message += "; no epoch finished, nothing saved"
    emit(TrainingEvent("end", step=epochs_run * steps, epoch=epochs_run, logs=dict(metrics), message=message))
    return TrainResult(status=status, out_dir=out_dir, model_dir=model_dir, metrics=metrics, history=history,
                       epochs_run=epochs_run, best_epoch=best_epoch,
                       checkpoint=paths.best if has_best else None, message=message)
