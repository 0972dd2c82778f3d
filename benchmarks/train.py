"""Training throughput of the lite models (samples per second), model step alone and with synthetic data.

    .venv/bin/python benchmarks/train.py                 # both models
    .venv/bin/python benchmarks/train.py --task recognizer --steps 30 --batch-size 64 --jit
    .venv/bin/python benchmarks/train.py --task recognizer --residual-blocks 0,1,1,1,0,0
    .venv/bin/python benchmarks/train.py --task detector --mixed-precision bfloat16

Targets on 2 CPU cores: lite recognizer >= 150 crops/s, lite detector at 384x384 >= 4 images/s.
The "model" figure feeds fixed in-memory batches (pure train-step speed); the "pipeline" figure draws
fresh synthetic batches through the runner's PyDataset (what ``ocr-studio train`` sees).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _timer() -> object:
    """A Keras callback recording the time at the end of every batch."""
    import keras

    class BatchTimer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.times: list[float] = []

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            self.times.append(time.perf_counter())

    return BatchTimer()


def _rate(timer: object, batch_size: int, warmup: int = 2) -> float:
    """Samples per second after ``warmup`` batches (tracing excluded)."""
    t = timer.times[warmup:]  # type: ignore[attr-defined]
    return (len(t) - 1) * batch_size / (t[-1] - t[0]) if len(t) > 1 else float("nan")


def _recognizer(batch_size: int, steps: int, jit: bool, workers: int,
                residual_blocks: list[int] | None = None) -> tuple[float, float]:
    import keras
    import numpy as np

    from ocr_core import synth
    from ocr_core.models.crnn import build_crnn, crnn_input_shape
    from ocr_core.training.batches import SampleBatches, recognizer_collate
    from ocr_core.training.losses import ctc_passthrough

    alphabet = "".join(c for c in synth.DEFAULT_ALPHABET if not c.isspace())
    extra = {"residual_blocks": residual_blocks} if residual_blocks else {}
    _, model, training_model, _ = build_crnn(len(alphabet), "lite", **extra)
    training_model.compile(optimizer=keras.optimizers.Adam(1e-3, clipnorm=5.0), loss=ctc_passthrough,
                           jit_compile=jit)
    h, w, c = crnn_input_shape("lite")
    max_len, steps_t = int(training_model.input_shape[1][1]), int(model.output_shape[1])
    fonts = synth.get_fonts(alphabet)

    def crops(seed: int):
        return synth.get_crop_generator(alphabet, fonts, [], height=h, width=w, seed=seed, max_length=max_len)

    def collate(samples):
        return recognizer_collate(samples, alphabet, height=h, width=w, channels=c, max_length=max_len,
                                  timesteps=steps_t)

    fixed = collate([next(crops(0)) for _ in range(batch_size)])
    x = tuple(np.concatenate([a] * steps) for a in fixed[0])
    y = np.concatenate([fixed[1]] * steps)
    timer = _timer()
    training_model.fit(x, y, batch_size=batch_size, epochs=1, callbacks=[timer], verbose=0)
    model_rate = _rate(timer, batch_size)
    data = SampleBatches(crops, collate, batch_size, steps, workers=workers)
    timer = _timer()
    training_model.fit(data, epochs=1, callbacks=[timer], verbose=0)
    return model_rate, _rate(timer, batch_size)


def _detector(batch_size: int, steps: int, size: int, jit: bool, workers: int) -> tuple[float, float]:
    import keras
    import numpy as np

    from ocr_core import synth
    from ocr_core.models.craft import build_craft
    from ocr_core.training.batches import SampleBatches, detector_collate
    from ocr_core.training.losses import CraftLoss
    from ocr_core.training.sources import synthetic_page_iterator

    model = build_craft("lite")
    model.compile(optimizer=keras.optimizers.Adam(1e-3, clipnorm=5.0), loss=CraftLoss(), jit_compile=jit)
    alphabet = synth.DEFAULT_ALPHABET
    groups = synth.get_font_groups(alphabet)

    def pages(seed: int):
        return synthetic_page_iterator(size, alphabet, groups, [], {}, seed)

    def collate(samples):
        return detector_collate(samples, with_mask=True)

    it = pages(0)
    X, y = collate([next(it) for _ in range(batch_size)])
    timer = _timer()
    model.fit(np.concatenate([X] * steps), np.concatenate([y] * steps), batch_size=batch_size, epochs=1,
              callbacks=[timer], verbose=0)
    model_rate = _rate(timer, batch_size)
    data = SampleBatches(pages, collate, batch_size, steps, workers=workers)
    timer = _timer()
    model.fit(data, epochs=1, callbacks=[timer], verbose=0)
    return model_rate, _rate(timer, batch_size)


def main(argv: list[str] | None = None) -> int:
    from ocr_core.cli.train import residual_blocks

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", choices=("recognizer", "detector", "both"), default="both")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--size", type=int, default=384, help="detector image side")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--jit", action="store_true", help="XLA-compile the train step")
    parser.add_argument("--residual-blocks", type=residual_blocks, default=None, metavar="N,N,N,N,N,N",
                        help="recognizer: residual blocks after each conv block (ADR 0015)")
    parser.add_argument("--mixed-precision", choices=("off", "bfloat16", "float16"), default="off",
                        help="train in mixed precision, as `ocr-studio train --mixed-precision` does")
    args = parser.parse_args(argv)
    from ocr_core.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()  # TensorFlow's loading notices stay off the figures
    if args.mixed_precision != "off":
        import keras

        keras.config.set_dtype_policy(f"mixed_{args.mixed_precision}")
        print(f"mixed precision: mixed_{args.mixed_precision}")
    if args.task in ("recognizer", "both"):
        bs = args.batch_size or 64
        model_rate, pipe_rate = _recognizer(bs, args.steps, args.jit, args.workers, args.residual_blocks)
        grown = f" with residual blocks {','.join(map(str, args.residual_blocks))}" if args.residual_blocks else ""
        print(f"recognizer lite{grown}: model {model_rate:.1f} crops/s, with synthetic data {pipe_rate:.1f} crops/s "
              f"(batch {bs}; target >= 150)")
    if args.task in ("detector", "both"):
        bs = args.batch_size or 4
        model_rate, pipe_rate = _detector(bs, args.steps, args.size, args.jit, args.workers)
        print(f"detector lite {args.size}x{args.size}: model {model_rate:.2f} images/s, with synthetic data "
              f"{pipe_rate:.2f} images/s (batch {bs}; target >= 4)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
