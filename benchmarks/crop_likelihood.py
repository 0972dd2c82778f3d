"""How far are the real word crops from being read right? Decoding or the model?

For every crop of ``realdata/<split>/words`` it prints the recognizer's own reading (greedy CTC) with its
log-probability, and the log-probability the model gives the label itself (the likeliest of its spellings as
labelled, lower case, capitalised, upper case: the scoring ignores case). The gap between the two says what could
fix a miss: within a nat or two a dictionary or a language model in the decoder could choose the label; tens of
nats away, only a better model can. Given several ``--recognizer`` models (same alphabet and timesteps), it also
prints how many crops each reads right (with the dictionary, as ``benchmarks/realdata.py`` reads them), how many
any of them reads right, and how many the mean of their probabilities reads right (an ensemble). Crops are read
upright only: a vertical crop, which ``benchmarks/realdata.py`` also reads turned a quarter, counts as a miss here.

    .venv/bin/python benchmarks/crop_likelihood.py
    .venv/bin/python benchmarks/crop_likelihood.py --recognizer default --recognizer runs/X/bundle/crnn_lite
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import _realdata_scoring as rs  # noqa: E402

from ocr_core.evaluation import normalize_text  # noqa: E402

#: Gaps (nats) the summary counts crops within.
GAPS = (1.0, 3.0, 5.0, 10.0)


def label_forms(label: str) -> list[str]:
    """The spellings of a label the case-blind scoring accepts and a model could be asked about."""
    forms = [label, label.lower(), label.capitalize(), label.upper()]
    return list(dict.fromkeys(forms))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "realdata")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--recognizer", action="append", metavar="NAME|PATH",
                        help="recognizer model; repeat for several (default: the bundled one)")
    parser.add_argument("--lexicon", default="auto", help="dictionary for the right-count columns (default: auto)")
    args = parser.parse_args(argv)
    from ocr_core.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()
    from ocr_core.imageio import read_image
    from ocr_core.postprocess.ctc import ctc_greedy_decode
    from ocr_core.postprocess.lexicon import ctc_text_log_probability, lexicon_choices, load_lexicon
    from ocr_core.recognition import Recognizer

    crops = rs.load_word_crops(args.root / args.split / "words")
    images = [read_image(c.path) for c in crops]
    lexicon = load_lexicon(args.lexicon)
    names = args.recognizer or ["default"]
    probs, alphabet = {}, None
    for name in names:
        recognizer = Recognizer(weights=name)
        if alphabet is not None and recognizer.alphabet != alphabet:
            parser.error(f"{name}: another alphabet than {names[0]}'s; an ensemble needs the same one")
        alphabet = recognizer.alphabet
        probs[name] = recognizer.predict_probabilities(images)
    assert alphabet is not None
    shapes = {p.shape for p in probs.values()}
    if len(shapes) > 1:
        parser.error(f"the models' outputs differ in shape ({sorted(shapes)}); an ensemble needs the same timesteps")

    def right(texts: list[str]) -> list[bool]:
        return [normalize_text(t) == normalize_text(c.label) for t, c in zip(texts, crops)]

    def read(p: np.ndarray) -> list[str]:
        return [c.text for c in lexicon_choices(p, alphabet, lexicon)] if lexicon else \
            [t for t, _ in ctc_greedy_decode(p, alphabet)]

    first = probs[names[0]]
    print(f"{names[0]} on {len(crops)} crops of {args.root / args.split / 'words'} (log-probabilities in nats)")
    print(f"{'label':18s} {'reading':22s} {'log p':>7s} {'label log p':>11s} {'gap':>6s}")
    gaps = []
    for crop, p, (text, confidence) in zip(crops, first, ctc_greedy_decode(first, alphabet)):
        own = math.log(max(confidence, 1e-300))
        best = max(ctc_text_log_probability(p, form, alphabet) for form in label_forms(crop.label))
        gap = max(0.0, own - best) if normalize_text(text) != normalize_text(crop.label) else 0.0
        gaps.append(gap)
        print(f"{crop.label:18s} {text!r:22s} {own:7.2f} {best:11.2f} {gap:6.1f}")
    misses = [g for g in gaps if g > 0]
    print(f"greedy misses: {len(misses)}; label within " +
          ", ".join(f"{g:g} nat{'s' if g != 1 else ''}: {sum(m <= g for m in misses)}" for g in GAPS) +
          " of the model's own reading")

    reads = {name: right(read(p)) for name, p in probs.items()}
    for name, ok in reads.items():
        print(f"read right ({'dictionary ' + args.lexicon if lexicon else 'greedy'}): {name}: {sum(ok)}/{len(crops)}")
    if len(names) > 1:
        print(f"any of the models (oracle): {sum(map(any, zip(*reads.values())))}/{len(crops)}")
        mean = np.mean(list(probs.values()), axis=0)
        print(f"mean of their probabilities (ensemble): {sum(right(read(mean)))}/{len(crops)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
