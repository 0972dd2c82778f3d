"""``ocr-studio train detector|recognizer``: train a model with the shared runner, showing progress.

Example::

    ocr-studio train recognizer --data synthetic:20000 --data data/words:icdar2015 \\
        --epochs 20 --patience 4 --batch-size 64 --lowercase --out runs/my_recognizer

Ctrl-C once stops after the current batch and keeps the best checkpoint; twice aborts.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ocr_core.cancel import CancelToken
from ocr_core.cli.options import writable_folder
from ocr_core.errors import OcrError, TrainingError

__all__ = ["add_parser", "run", "config_from_args", "int_list", "residual_blocks"]


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("train", help="train a detector or recognizer",
                              description="Train a CRAFT detector or CRNN recognizer on synthetic data and/or "
                                          "annotated folders. The output folder is a model folder usable with "
                                          "'recognize --detector/--recognizer PATH'.")
    p.add_argument("task", choices=("detector", "recognizer"))
    p.add_argument("--data", action="append", metavar="SOURCE", default=None,
                   help="synthetic[:N] (N samples per epoch) or PATH[:FORMAT]; repeatable (default: synthetic)")
    p.add_argument("--val-data", action="append", metavar="SOURCE", default=None,
                   help="validation data (default: --validation-split of the folders + fresh synthetic samples)")
    p.add_argument("--epochs", type=int, default=None, help="epochs to train in all (default 10)")
    p.add_argument("--patience", type=int, default=None, help="early-stopping patience in epochs (0: off; default 5)")
    p.add_argument("--batch-size", type=int, default=None, help="default 8")
    p.add_argument("--steps-per-epoch", type=int, default=None,
                   help="training batches per epoch (default and 0: the samples of an epoch / --batch-size)")
    p.add_argument("--validation-steps", type=int, default=None,
                   help="validation batches per epoch (default and 0: automatic)")
    p.add_argument("--validation-split", type=float, default=None, help="default 0.1")
    p.add_argument("--init", metavar="NAME|PATH", default=None, help="model to start from (name or folder)")
    p.add_argument("--freeze-backbone", action=argparse.BooleanOptionalAction, default=None,
                   help="train only the top/decoder (default: no)")
    p.add_argument("--lowercase", action="store_true", default=None,
                   help="recognizer: lower-case labels and alphabet")
    p.add_argument("--alphabet", default=None, help="recognizer alphabet (default: --init's, or the built-in one)")
    p.add_argument("--drop-unknown", action=argparse.BooleanOptionalAction, default=None,
                   help="drop words with characters outside the alphabet instead of stopping (default: no)")
    p.add_argument("--variant", default=None, help="detector: lite|full; recognizer: lite|kurapan (default lite)")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default 1e-3, lower with --init)")
    p.add_argument("--out", default=None, help="output folder (default runs/<task>-<variant>-<time>)")
    p.add_argument("--name", default=None, help="model name (default: the output folder's name)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its last checkpoint (an error when it has none); the "
                        "run's settings (its train_config.json: --init, --data, --epochs...) hold for those not "
                        "given again, and a model setting given that differs from the run's is an error")
    p.add_argument("--keep-epochs", type=int, default=None, metavar="N",
                   help="also keep the last N epochs' weights in --out/checkpoints, to average them when bundling")
    p.add_argument("--seed", type=int, default=None, help="default 0")
    p.add_argument("--image-size", type=int, default=None,
                   help="detector: training crop side (multiple of 32; default 384)")
    p.add_argument("--max-length", type=int, default=None, help="recognizer: maximum label length")
    p.add_argument("--residual-blocks", type=residual_blocks, default=None, metavar="N,N,N,N,N,N",
                   help="recognizer (lite): residual blocks after each of the 6 conv blocks; with --init, "
                        "the new blocks start as the identity (e.g. 0,1,1,1,0,0)")
    p.add_argument("--workers", type=int, default=2, help="threads preparing batches (background prefetch)")
    p.add_argument("--data-processes", type=int, default=0, metavar="N",
                   help="recognizer: N processes make the batches instead (for a GPU that outruns one process)")
    p.add_argument("--mixed-precision", default="auto", help="auto (GPU only), off, float16, bfloat16")
    p.add_argument("--distribute", default="auto",
                   help="auto, none, onedevice, mirrored, multiworker (TensorFlow; JAX/PyTorch train on one device)")
    p.add_argument("--loss", default=None, choices=("ohem", "mse"), help="detector loss (default ohem)")
    p.add_argument("--no-augment", action="store_true", default=None, help="detector: no random crop/scale/rotation")
    p.add_argument("--augment", dest="no_augment", action="store_false", default=None,
                   help="detector: random crop/scale/rotation (the default; undoes a resumed run's --no-augment)")
    p.add_argument("--no-weak-supervision", action="store_true", default=None,
                   help="detector: keep equal character splits of annotated words")
    p.add_argument("--weak-supervision", dest="no_weak_supervision", action="store_false", default=None,
                   help="detector: refine the character splits of annotated words (the default; undoes a resumed "
                        "run's --no-weak-supervision)")
    p.add_argument("--cache-dir", default=None, help="fonts/backgrounds cache for synthetic data")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def int_list(n: int, minimum: int = 0) -> Callable[[str], list[int]]:
    """An argparse type: ``n`` integers of at least ``minimum``, separated by commas."""
    wanted = "positive integers" if minimum == 1 else f"counts of {minimum} or more"

    def parse(text: str) -> list[int]:
        try:
            values = [int(part) for part in text.split(",")]
        except ValueError:
            values = []
        if len(values) != n or any(v < minimum for v in values):
            raise argparse.ArgumentTypeError(f"expected {n} {wanted} separated by commas, got {text!r}")
        return values

    return parse


#: ``"0,1,1,1,0,0"`` -> ``[0, 1, 1, 1, 0, 0]`` (argparse type): residual blocks after each lite conv block.
residual_blocks = int_list(6)


#: The options that make up a run (their argparse default is None, so a resume tells the ones given again from the
#: others) and their defaults for a new run; ``--resume`` takes the others from the run's ``train_config.json``.
#: How a run trains on this machine (--lr, which lives in the optimizer state, --workers, --mixed-precision...) is
#: not among them.
RUN_SETTINGS: dict[str, Any] = {
    "data": ["synthetic"], "val_data": None, "epochs": 10, "patience": 5, "batch_size": 8, "steps_per_epoch": None,
    "validation_steps": None, "validation_split": 0.1, "init": None, "freeze_backbone": False, "lowercase": False,
    "alphabet": None, "drop_unknown": False, "variant": "lite", "name": None, "keep_epochs": 0, "seed": 0,
    "image_size": 384, "max_length": None, "residual_blocks": None, "loss": "ohem", "no_augment": False,
    "no_weak_supervision": False, "cache_dir": None,
}

#: ``train_config.json`` keys that are not the option's own name: option -> (key, value in the file -> option's).
_RECORDED_AS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "val_data": ("validation_data", lambda v: v or None),
    "patience": ("patience", lambda v: v or 0),
    "no_augment": ("augment", lambda v: not v),
    "no_weak_supervision": ("weak_supervision", lambda v: not v),
    "residual_blocks": ("build_params", lambda v: (v or {}).get("residual_blocks")),
}


def run_settings(out: Path) -> dict[str, Any]:
    """The run settings (:data:`RUN_SETTINGS`) recorded in ``out/train_config.json``, by option; empty when the file
    is missing or unreadable."""
    import json

    try:
        recorded = json.loads((out / "train_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(recorded, dict):
        return {}
    settings = {}
    for option in RUN_SETTINGS:
        key, convert = _RECORDED_AS.get(option, (option, lambda v: v))
        if key in recorded:
            settings[option] = convert(recorded[key])
    return settings


def resumed_args(args: argparse.Namespace, recorded: dict[str, Any], identity: dict[str, Any] | None
                 ) -> tuple[argparse.Namespace, list[str]]:
    """``args`` with the run settings not given again taken from ``recorded`` (:func:`run_settings`), and notes on
    what was taken. A recorded ``--init`` that cannot be found any more is left out: then the model settings it
    decided (variant, alphabet) come from the run's checkpoint ``identity``; its build parameters the runner takes
    from there by itself."""
    from ocr_core.errors import OcrError

    args = argparse.Namespace(**vars(args))
    taken: list[str] = []
    for option, value in recorded.items():
        if getattr(args, option, None) is not None or value is None or value == RUN_SETTINGS[option]:
            continue
        if option == "init":
            from ocr_core.weights import resolve_model

            try:
                resolve_model(value, args.task)
            except OcrError:
                where = ("" if Path(str(value)).expanduser().is_absolute()
                         else " (a path relative to the folder the run started in)")
                taken.append(f"the run started from --init {value}, which cannot be found any more{where}: its "
                             "model settings come from the run's checkpoint")
                saved = identity or {}
                if args.variant is None:
                    args.variant = saved.get("variant")
                if args.alphabet is None and recorded.get("alphabet") is None:
                    args.alphabet = saved.get("alphabet")
                continue
        setattr(args, option, value)
        taken.append(_as_option(option, value))
    return args, taken


def _as_option(option: str, value: Any) -> str:
    """``--epochs 30``, ``--data a --data b``, ``--lowercase``: a setting as it would be given (a long alphabet
    cut)."""
    flag = "--" + option.replace("_", "-")
    if value is True:
        return flag
    if option == "residual_blocks":
        return f"{flag} {','.join(map(str, value))}"
    if isinstance(value, list):
        return " ".join(_as_option(option, v) for v in value)
    text = str(value)
    if option == "alphabet" and len(text) > 24:
        text = f"{text[:20]}... ({len(text)} characters)"
    return f"{flag} {text}"


def config_from_args(args: argparse.Namespace) -> Any:
    from ocr_core.training.config import TrainConfig

    def given(option: str) -> Any:
        value = getattr(args, option, None)
        return RUN_SETTINGS[option] if value is None else value

    build_params = {}
    if args.residual_blocks is not None:
        if args.task != "recognizer":
            raise TrainingError("--residual-blocks is for the recognizer (lite variant) only")
        build_params["residual_blocks"] = args.residual_blocks
    return TrainConfig(
        task=args.task, data=given("data"), validation_data=args.val_data or [],
        epochs=given("epochs"), patience=given("patience") or None, batch_size=given("batch_size"),
        steps_per_epoch=args.steps_per_epoch or None, validation_steps=args.validation_steps or None,
        validation_split=given("validation_split"), learning_rate=args.lr, init=args.init,
        freeze_backbone=given("freeze_backbone"), lowercase=given("lowercase"), alphabet=args.alphabet,
        drop_unknown=given("drop_unknown"), variant=given("variant"), image_size=given("image_size"),
        max_length=args.max_length, out_dir=args.out, name=args.name, seed=given("seed"),
        mixed_precision=args.mixed_precision, distribute=args.distribute, resume=args.resume, loss=given("loss"),
        augment=not given("no_augment"), weak_supervision=not given("no_weak_supervision"), workers=args.workers,
        data_processes=args.data_processes,
        cache_dir=args.cache_dir, keep_epochs=given("keep_epochs"), build_params=build_params,
    )


def _fmt(logs: dict[str, float]) -> str:
    return " ".join(f"{k} {v:.4f}" for k, v in logs.items() if k.endswith("loss"))


def run(args: argparse.Namespace) -> int:
    from ocr_core.cli.progress import ProgressBar

    cancel = CancelToken()

    def on_sigint(signum: int, frame: Any) -> None:
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()
        print("\nstopping after this batch (Ctrl-C again to abort)", file=sys.stderr)

    bar: ProgressBar | None = None
    last_val = ""
    shown_errors: set[str] = set()

    def on_event(event: Any) -> None:
        nonlocal bar, last_val
        if event.kind == "start":
            done = int(event.logs.get("initial_epoch", 0)) * int(event.logs.get("steps_per_epoch", 0))
            bar = ProgressBar(event.total_steps, "steps", enabled=None if not args.quiet else False)
            bar.count = done
            bar.write(event.message)
        elif bar is None:
            if event.message and event.kind != "error":  # errors are printed once, below
                print(event.message, file=sys.stderr)
        elif event.kind == "batch":
            bar.update(1, f"epoch {event.epoch}/{event.epochs} loss {event.logs.get('loss', float('nan')):.4f}"
                          f"{last_val}")
        elif event.kind == "epoch":
            if "val_loss" in event.logs:
                last_val = f" val_loss {event.logs['val_loss']:.4f}"
            bar.write(f"epoch {event.epoch}/{event.epochs}: {_fmt(event.logs)}")
        elif event.message and event.kind != "end":
            if event.kind == "error":
                shown_errors.add(event.message)
            bar.write(f"error: {event.message}" if event.kind == "error" else event.message)

    if args.out and (problem := writable_folder(Path(args.out))):
        print(f"ocr-studio train: error: --out: {problem}", file=sys.stderr)
        return 1
    if args.resume:  # a typo in --out must not start a new run of hours
        from ocr_core.training.checkpoints import CheckpointPaths, read_state

        if not args.out:
            print("ocr-studio train: error: --resume continues the run in --out: name its folder", file=sys.stderr)
            return 1
        state = read_state(CheckpointPaths(Path(args.out)).state)
        if state is None:
            print(f"ocr-studio train: error: nothing to resume in {args.out} (no checkpoint there); leave out --resume to start a "
                  "new run", file=sys.stderr)
            return 1
        identity = state.get("identity")
        args, taken = resumed_args(args, run_settings(Path(args.out)), identity if isinstance(identity, dict) else None)
        if taken:
            print(f"resume: from the run: {', '.join(taken)}", file=sys.stderr)
    previous = signal.getsignal(signal.SIGINT)
    try:
        signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread
        previous = None
    try:
        from ocr_core.training.runner import train

        result = train(config_from_args(args), on_event=on_event, cancel=cancel)
    except OcrError as exc:
        if bar is not None:
            bar.close()
        if str(exc) not in shown_errors:
            print(f"ocr-studio train: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk or a folder taken away mid-run; the checkpoints written so far stay
        if bar is not None:
            bar.close()
        print(f"ocr-studio train: error: {exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}", file=sys.stderr)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if bar is not None:
        bar.close()
    print(result.message)
    if result.model_dir:
        print(f"model folder: {result.model_dir}")
    return 130 if result.status == "cancelled" else 0
