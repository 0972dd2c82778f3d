"""How well a word's confidence tells right readings from wrong ones, on the real dev documents and receipts.

Reads every detected word with the bundled (or given) models and marks it right when its normalised text is a
word of the page (documents) or part of the receipt's text (receipts, at least 2 characters). Prints, for the
confidence the engine reports (the best CTC path's probability) and for two per-character alternatives (the
weakest character's probability; the mean of the characters'), the AUROC for right against wrong and the share
of right words shown red (< 0.6) and of wrong words shown green (>= 0.9), the app's default colour limits.

Usage::

    .venv/bin/python benchmarks/confidence.py [--recognizer PATH] [--detector PATH]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _realdata_scoring as rs  # noqa: E402
from realdata import default_root  # noqa: E402

from ocr_core.evaluation import normalize_text  # noqa: E402


def measures(probs: np.ndarray, blank: int) -> dict[str, float]:
    """Best path probability, and the weakest / mean character probability along it (``(T, C + 1)`` input)."""
    best, best_p = probs.argmax(axis=1), probs.max(axis=1)
    path = float(np.exp(np.log(np.maximum(best_p, 1e-30)).sum()))
    chars: list[float] = []
    previous = -1
    for index, p in zip(best, best_p):
        if index != blank:
            if index != previous:
                chars.append(float(p))
            else:
                chars[-1] = max(chars[-1], float(p))
        previous = index
    values = np.array(chars or [path])
    return {"path": path, "weakest character": float(values.min()), "mean character": float(values.mean())}


def auroc(scores: np.ndarray, right: np.ndarray) -> float:
    pos, neg = scores[right], scores[~right]
    if not len(pos) or not len(neg):
        return float("nan")
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=None,
                        help="real-data root (default: ../shared/realdata next to the repository, or "
                             "$OCR_STUDIO_REALDATA)")
    parser.add_argument("--detector", default="default")
    parser.add_argument("--recognizer", default="default")
    args = parser.parse_args()
    from ocr_core.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()  # TensorFlow's loading notices stay off the figures
    from ocr_core.detection import Detector
    from ocr_core.imageio import read_image
    from ocr_core.postprocess.ctc import ctc_greedy_decode
    from ocr_core.recognition import Recognizer

    dev = (args.root or default_root()) / "dev"
    detector = Detector(weights=args.detector, optimizer=None)
    recognizer = Recognizer(weights=args.recognizer)
    blank = len(recognizer.alphabet)

    pages: list[tuple[Path, set[str] | str]] = [
        (image, set(rs.bag_of_words(text))) for image, text in rs.load_documents(dev / "documents")]
    pages += [(image, "".join(normalize_text(w.text) for w in lines))
              for image, lines in rs.load_receipts(dev / "receipts")]
    rows: list[tuple[bool, dict[str, float]]] = []
    for image_path, truth in pages:
        image = read_image(image_path)
        boxes = detector.detect([image])[0]
        probs = recognizer.predict_probabilities(recognizer.crop_boxes(image, boxes))
        for (text, _), p in zip(ctc_greedy_decode(probs, recognizer.alphabet), probs):
            word = normalize_text(text)
            if isinstance(truth, set) and word or isinstance(truth, str) and len(word) >= 2:
                rows.append((word in truth, measures(p, blank)))
    right = np.array([r for r, _ in rows], bool)
    print(f"{len(rows)} words, {int(right.sum())} right ({detector.name} + {recognizer.name})")
    header = ["confidence", "AUROC", "right words shown red (< 0.6)", "wrong words shown green (>= 0.9)"]
    table = []
    for name in rows[0][1] if rows else []:
        scores = np.array([m[name] for _, m in rows])
        table.append([name, f"{auroc(scores, right):.3f}", f"{(scores[right] < 0.6).mean():.3f}",
                      f"{(scores[~right] >= 0.9).mean():.3f}"])
    print(rs.format_table(header, table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
