"""Word accuracy of recognizers on fresh synthetic crops, the kind they are trained on.

    .venv/bin/python benchmarks/synthetic_crops.py                        # the bundled crnn_lite
    .venv/bin/python benchmarks/synthetic_crops.py crnn_lite /tmp/x/crnn_lite --count 2048

The crops come from ``ocr_core.synth.get_crop_generator`` (the recognizer's training data, augmentation at
level 1, at the model's input size) with a seed no training run uses, so every model sees the same crops.
Prints exact accuracy and accuracy after the real-data benchmark's normalisation (lower-case [0-9a-z]).
A model that underfits its own training data reads few of them; one that reads them but not the real dev
crops (benchmarks/realdata.py) is held back by how far the synthetic data is from real photos.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: Far from the training seeds (0 and its resume strides), fixed so figures compare across sessions.
SEED = 987_654


def normalise(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", unicodedata.normalize("NFKC", text).lower())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", default=["crnn_lite"], help="recognizer names or folders")
    parser.add_argument("--count", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--show", type=int, default=0, help="print the first N readings of each model")
    args = parser.parse_args(argv)
    from ocr_core.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()  # TensorFlow's loading notices stay off the figures

    from ocr_core import synth
    from ocr_core.recognition import Recognizer

    recognizers = [Recognizer(weights=name) for name in args.models]
    shapes = {(r.input_height, r.input_width, r.input_channels) for r in recognizers}
    alphabets = {r.alphabet for r in recognizers}
    if len(shapes) != 1 or len(alphabets) != 1:
        parser.error("the models differ in input size or alphabet; compare like with like")
    height, width, channels = shapes.pop()
    alphabet = alphabets.pop()
    generator = synth.get_crop_generator(alphabet, synth.get_fonts(), synth.get_backgrounds(), height=height,
                                         width=width, seed=args.seed, color=channels == 3)
    samples = [next(generator) for _ in range(args.count)]
    crops = [crop for crop, _ in samples]
    print(f"{args.count} synthetic crops, seed {args.seed}, {height}x{width}")
    for name, recognizer in zip(args.models, recognizers):
        recognizer.recognize_crops(crops[:64])  # graph tracing outside the timing
        started = time.perf_counter()
        readings = [text for text, _ in recognizer.recognize_crops(crops)]
        seconds = time.perf_counter() - started
        exact = sum(got == want for got, (_, want) in zip(readings, samples)) / len(samples)
        loose = sum(normalise(got) == normalise(want) for got, (_, want) in zip(readings, samples)) / len(samples)
        print(f"{name}: exact {exact:.3f}, normalised {loose:.3f} ({len(samples) / seconds:.0f} crops/s)")
        for got, (_, want) in list(zip(readings, samples))[: args.show]:
            print(f"  {want!r} -> {got!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
