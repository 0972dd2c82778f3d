"""Would test-time variants of the real word crops help the recognizer? Prints, for ``realdata/<split>/words``,
how many crops the plain crop reads right, how many any variant reads right (an oracle: the ceiling of test-time
augmentation), and how many the most confident variant reads right. Scoring as in ``benchmarks/realdata.py``.

    .venv/bin/python benchmarks/crop_variants.py                    # the bundled recognizer, with the dictionary
    .venv/bin/python benchmarks/crop_variants.py --recognizer RUN_BUNDLE --verbose
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realdata_scoring import normalize_text  # noqa: E402


def _gray(im: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(im, cv2.COLOR_RGB2GRAY) if im.ndim == 3 else im


def _warp(im: np.ndarray, matrix: np.ndarray, width: int) -> np.ndarray:
    return cv2.warpAffine(im, matrix, (width, im.shape[0]), borderMode=cv2.BORDER_REPLICATE)


def _rotate(im: np.ndarray, degrees: float) -> np.ndarray:
    h, w = im.shape[:2]
    return _warp(im, cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0), w)


def _shear(im: np.ndarray, k: float) -> np.ndarray:
    h, w = im.shape[:2]
    extra = int(abs(k) * h)
    return _warp(im, np.float32([[1, k, extra if k < 0 else 0], [0, 1, 0]]), w + extra)


def _pad(im: np.ndarray, share: float) -> np.ndarray:
    p = int(round(share * im.shape[0]))
    return cv2.copyMakeBorder(im, p, p, p, p, cv2.BORDER_REPLICATE)


def _trim(im: np.ndarray, share: float) -> np.ndarray:
    h, w = im.shape[:2]
    p = int(round(share * h))
    return im[p:h - p, p:w - p] if h - 2 * p > 4 and w - 2 * p > 4 else im


def _stretch(im: np.ndarray) -> np.ndarray:
    g = _gray(im).astype(np.float32)
    lo, hi = np.percentile(g, [2, 98])
    return np.clip((g - lo) * 255.0 / max(hi - lo, 1.0), 0, 255).astype(np.uint8)


VARIANTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "plain": lambda x: x, "pad 0.1": lambda x: _pad(x, 0.1), "pad 0.25": lambda x: _pad(x, 0.25),
    "trim 0.08": lambda x: _trim(x, 0.08), "rotate +4": lambda x: _rotate(x, 4), "rotate -4": lambda x: _rotate(x, -4),
    "shear +0.25": lambda x: _shear(x, 0.25), "shear -0.25": lambda x: _shear(x, -0.25), "invert": lambda x: 255 - x,
    "taller": lambda x: cv2.resize(x, None, fx=1.0, fy=1.3), "wider": lambda x: cv2.resize(x, None, fx=1.3, fy=1.0),
    "contrast": _stretch, "clahe": lambda x: cv2.createCLAHE(2.0, (4, 4)).apply(_gray(x)),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "realdata")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--recognizer", default="default")
    parser.add_argument("--lexicon", default="auto")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    from ocr_core.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()
    from ocr_core.imageio import read_image
    from ocr_core.postprocess.lexicon import load_lexicon
    from ocr_core.recognition import Recognizer

    folder = args.root / args.split / "words"
    with open(folder / "labels.tsv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    recognizer, lexicon = Recognizer(weights=args.recognizer), load_lexicon(args.lexicon)
    plain = oracle = confident = 0
    for row in rows:
        image = read_image(folder / row["file"])
        readings = recognizer.read_crops([f(image) for f in VARIANTS.values()], lexicon=lexicon)
        right = [normalize_text(r.text) == normalize_text(row["label"]) for r in readings]
        best = max(range(len(readings)), key=lambda i: readings[i].model_confidence)
        plain, oracle, confident = plain + right[0], oracle + any(right), confident + right[best]
        if args.verbose:
            hits = [name for name, ok in zip(VARIANTS, right) if ok]
            print(f"  {row['label']!r}: plain {readings[0].text!r}, most confident {readings[best].text!r}, "
                  f"right in: {', '.join(hits) or '-'}")
    n = len(rows)
    print(f"{n} crops, {len(VARIANTS)} variants each ({', '.join(VARIANTS)})")
    print(f"plain crop: {plain}/{n}; any variant (oracle): {oracle}/{n}; most confident variant: {confident}/{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
