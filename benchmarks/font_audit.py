"""Which training fonts a recognizer cannot read even when the text is clean: a check on the font set.

    .venv/bin/python benchmarks/font_audit.py                   # every training font, the bundled crnn_lite
    .venv/bin/python benchmarks/font_audit.py --limit 200 --worst 20 --model /tmp/x/crnn_lite

Each font draws the same 16 texts (lower-case words, capitalised words, capitals, numbers) with no augmentation,
no neighbours and a plain background, at the model's input size; the model reads them. Prints, per font, the
character error rate case-sensitively and case-insensitively, then the fonts with the highest error. A font read
well except for case draws its lower case as capitals (its labels would be wrong for a case-sensitive model:
``ocr_core.synth.fontcheck`` should flag it ``caps``); a font read badly either way is decorative, a picture
font the checks missed, or one the model has not learnt. About 100 fonts a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: Error gap (case-sensitive minus case-insensitive) above which a font is listed as drawing capitals.
CASE_GAP = 0.15


def audit_texts(words: list[str], seed: int = 1) -> list[str]:
    """16 texts: 7 lower-case words, 4 capitalised, 3 in capitals, 2 numbers."""
    rng = random.Random(seed)
    texts = []
    for i in range(16):
        word = rng.choice(words)
        texts.append(word if i < 7 else word.title() if i < 11 else word.upper() if i < 14
                     else str(rng.randint(10, 99_999)))
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="crnn_lite", help="recognizer name or folder")
    parser.add_argument("--limit", type=int, default=0, help="audit only the first N fonts (0: all)")
    parser.add_argument("--worst", type=int, default=30, help="list this many fonts with the highest error")
    args = parser.parse_args(argv)
    from ocr_core.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()  # TensorFlow's loading notices stay off the figures

    from ocr_core import synth
    from ocr_core.postprocess.lexicon import edit_distance
    from ocr_core.recognition import Recognizer
    from ocr_core.synth.text import load_words

    recognizer = Recognizer(weights=args.model)
    fonts = synth.get_fonts(recognizer.alphabet)
    if args.limit:
        fonts = fonts[: args.limit]
    words = [w for w in load_words() if w.isalpha() and w.islower() and 4 <= len(w) <= 9]
    texts = audit_texts(words)
    started = time.perf_counter()
    rows = []
    for font in fonts:
        samples = list(synth.get_crop_generator(
            recognizer.alphabet, [font], None, height=recognizer.input_height, width=recognizer.input_width,
            text_generator=iter(texts), seed=0, color=recognizer.input_channels == 3, augment_level=0.0,
            neighbours=0.0, count=len(texts)))
        readings = [text for text, _ in recognizer.recognize_crops([crop for crop, _ in samples])]
        labels = [label for _, label in samples]
        chars = max(1, sum(len(label) for label in labels))
        cer = sum(edit_distance(got, want) for got, want in zip(readings, labels)) / chars
        cer_ci = sum(edit_distance(got.lower(), want.lower()) for got, want in zip(readings, labels)) / chars
        rows.append((cer, cer_ci, font, list(zip(labels, readings))))
    seconds = time.perf_counter() - started

    n = len(rows)
    mean = sum(r[0] for r in rows) / max(1, n)
    mean_ci = sum(r[1] for r in rows) / max(1, n)
    caps = [r for r in rows if r[0] - r[1] > CASE_GAP]
    print(f"{n} fonts, {len(texts)} clean texts each, model {args.model} ({seconds:.0f} s)")
    print(f"character error rate: {mean:.3f} (case-insensitive {mean_ci:.3f}); "
          f"fonts above 0.3: {sum(r[0] > 0.3 for r in rows)} ({sum(r[1] > 0.3 for r in rows)} case-insensitive)")
    print(f"fonts read right but for case (gap > {CASE_GAP}): {len(caps)}")
    for cer, cer_ci, font, _pairs in sorted(caps, key=lambda r: r[1] - r[0]):
        print(f"  {cer:.2f} {cer_ci:.2f} {font}")
    print(f"highest case-insensitive error ({args.worst}):")
    for cer, cer_ci, font, pairs in sorted(rows, key=lambda r: -r[1])[: args.worst]:
        sample = " | ".join(f"{want}>{got}" for want, got in pairs[:4])
        print(f"  {cer:.2f} {cer_ci:.2f} {Path(font).name:32s} {sample}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
