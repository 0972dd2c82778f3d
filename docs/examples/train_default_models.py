"""How the bundled default models are trained: the project's own runner on its own synthetic data.

Runs one model's training with a wall-clock budget, resumable (run it again with --resume to continue from the
last checkpoint), logging one line per epoch. Long runs go in the background::

    nohup .venv/bin/python docs/examples/train_default_models.py recognizer --hours 2 > runs/crnn_lite.log 2>&1 &
    nohup .venv/bin/python docs/examples/train_default_models.py detector --hours 2 > runs/craft_lite.log 2>&1 &

The shipped recognizer was trained for 116 epochs with the ASCII alphabet (``DEFAULT_ALPHABET``), then went on
with ``LATIN_ALPHABET`` from the mean of its last 8 epochs (``--init FOLDER --out runs/crnn_latin``): the shared
characters keep what they learned and the accented ones start from their base letters.

Then score a checkpoint on the real dev images (benchmarks/realdata.py) and, when it beats the bundled model,
bundle it into resources/models/ (packaging/bundle_model.py; --average N bundles the mean of the last N epochs,
which the recipes keep) and update resources/models/MODEL_CARD.md.
On a GPU machine the same script runs with KERAS_BACKEND=jax or torch.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from ocr_core.alphabet import LATIN_ALPHABET  # noqa: E402  (no TensorFlow behind it)
from ocr_core.cli.train import int_list, residual_blocks  # noqa: E402  (nor here: argparse types only)

RECIPES: dict[str, dict[str, Any]] = {
    "recognizer": dict(
        task="recognizer", variant="lite", data=["synthetic:12800"], batch_size=64, steps_per_epoch=200,
        validation_steps=16, epochs=1000, patience=30, name="crnn_lite", workers=2, keep_epochs=8,
        alphabet=LATIN_ALPHABET,
    ),
    "detector": dict(
        task="detector", variant="lite", data=["synthetic:800"], batch_size=8, steps_per_epoch=100,
        validation_steps=10, epochs=1000, patience=30, image_size=384, name="craft_lite", workers=2,
        synth_options={"font_size": (12, 72)}, mixed_precision="bfloat16", keep_epochs=8,
    ),
}


def photo_backgrounds(folders: list[str], share: float) -> list[str]:
    """Photos from ``folders`` repeated so that they make about ``share`` of the picks among them and the
    cached procedural backgrounds (the generators draw backgrounds uniformly from the list)."""
    from ocr_core.paths import user_cache_dir
    from ocr_core.synth import get_backgrounds
    from ocr_core.synth.backgrounds import find_images

    photos = find_images(folders)
    procedural = get_backgrounds(user_cache_dir())
    if share >= 1.0:
        return photos
    ratio = share * len(procedural) / ((1.0 - share) * len(photos))  # copies of the photos for the share
    photo_copies, procedural_copies = (max(1, round(ratio)), 1) if ratio >= 1 else (1, max(1, round(1 / ratio)))
    print(f"backgrounds: {len(photos)} photos x {photo_copies} + {len(procedural)} procedural x {procedural_copies}",
          flush=True)
    return photos * photo_copies + procedural * procedural_copies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("task", choices=sorted(RECIPES))
    parser.add_argument("--hours", type=float, default=2.0, help="wall-clock budget: stops at the last epoch end before it")
    parser.add_argument("--out", default=None, help="run folder (default runs/<name>)")
    parser.add_argument("--resume", action="store_true", help="continue from the run folder's last checkpoint")
    parser.add_argument("--init", default=None, help="model to start from (name or folder)")
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--residual-blocks", type=residual_blocks, default=None, metavar="N,N,N,N,N,N",
                        help="recognizer: residual blocks after each conv block (with --init: grow that model)")
    parser.add_argument("--mixed-precision", default=None, choices=["auto", "off", "bfloat16", "float16"],
                        help="override the recipe's arithmetic (bfloat16 trains the recognizer about 15%% faster on "
                             "CPUs with AVX-512 BF16; benchmarks/train.py measures it)")
    parser.add_argument("--filters", type=int_list(6, 1), default=None, metavar="N,N,N,N,N,N",
                        help="recognizer: conv widths of a new model (lite: 16,32,64,128,256,256); start it from "
                             "scratch (no --init): the widths of a trained model cannot change")
    parser.add_argument("--rnn-units", type=int_list(2, 1), default=None, metavar="N,N",
                        help="recognizer: BiLSTM widths of a new model (lite: 128,128); from scratch as --filters")
    parser.add_argument("--font-balance", choices=["file", "family"], default=None,
                        help="recognizer: draw fonts per file (the recipe's) or per family (every typeface equally)")
    parser.add_argument("--data-processes", type=int, default=0, metavar="N",
                        help="recognizer: N forked processes make the batches (a GPU outruns the 2 threads)")
    parser.add_argument("--photos", action="append", default=[], metavar="DIR",
                        help="photo folder for backgrounds (repeatable), e.g. /usr/share/backgrounds from Debian's "
                             "mate-backgrounds, gnome-backgrounds, ukui-wallpapers and lomiri-wallpapers")
    parser.add_argument("--photo-share", type=float, default=0.4, metavar="F",
                        help="with --photos: the share of background picks that are photos (default 0.4; the rest "
                             "are the 1,000 procedural backgrounds)")
    args = parser.parse_args()
    if not 0.0 < args.photo_share <= 1.0:
        parser.error("--photo-share must be in (0, 1]")

    from ocr_core.cancel import CancelToken
    from ocr_core.training import TrainConfig, train

    recipe = dict(RECIPES[args.task])
    recipe["out_dir"] = args.out or os.path.join("runs", recipe["name"])
    build = {"residual_blocks": args.residual_blocks, "filters": args.filters, "rnn_units": args.rnn_units}
    build = {k: v for k, v in build.items() if v}
    if build and args.task != "recognizer":
        parser.error("--residual-blocks, --filters and --rnn-units are for the recognizer only")
    if (args.filters or args.rnn_units) and args.init:
        parser.error("--filters and --rnn-units make a new model: leave out --init (--resume goes on with it)")
    if build:
        recipe["build_params"] = build
    if args.mixed_precision:
        recipe["mixed_precision"] = args.mixed_precision
    if args.data_processes:
        recipe["data_processes"] = args.data_processes
    if args.font_balance:
        if args.task != "recognizer":
            parser.error("--font-balance is for the recognizer only")
        recipe["synth_options"] = {**recipe.get("synth_options", {}), "font_balance": args.font_balance}
    if args.photos:
        recipe["synth_options"] = {**recipe.get("synth_options", {}),
                                   "backgrounds": photo_backgrounds(args.photos, args.photo_share)}
    config = TrainConfig(**recipe, resume=args.resume, init=args.init, learning_rate=args.lr)
    cancel = CancelToken()
    # The budget ends the run at the last epoch boundary before it (an epoch cut short is not saved); the timer
    # is the backstop for an epoch that runs over.
    timer = threading.Timer(args.hours * 3600, cancel.cancel)
    timer.daemon = True
    timer.start()
    started = time.time()
    deadline = started + args.hours * 3600
    epoch_began = [started]

    def on_event(event) -> None:
        if event.kind in ("batch",):
            return
        stamp = time.strftime("%H:%M:%S")
        logs = {k: round(float(v), 4) for k, v in (event.logs or {}).items()}
        print(f"{stamp} {event.kind} epoch={event.epoch} step={event.step} {json.dumps(logs)} {event.message}",
              flush=True)
        now = time.time()
        if event.kind in ("start", "epoch"):
            took, epoch_began[0] = now - epoch_began[0], now
            if event.kind == "epoch" and now + took > deadline and not cancel.cancelled:
                print(f"the next epoch would end after the --hours budget: stopping after epoch {event.epoch}",
                      flush=True)
                cancel.cancel()

    result = train(config, on_event=on_event, cancel=cancel)
    print(f"finished: {result.status} after {(time.time() - started) / 60:.1f} min; model folder {result.model_dir}; "
          f"metrics {result.metrics}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
