"""The engine on the real images of ``realdata/<split>/``, scored as its README says, next to Tesseract.

Prints one table: word crops accuracy, scenes end-to-end and detection F1, the ``eventdock`` word found,
seconds per 1280x720 scene photo, documents bag-of-words F1 and receipts line accuracy, with columns
``ocr-studio``, ``tesseract`` (measured now, when ``tesseract`` is on PATH), ``tesseract (README)`` and
``target``. Tesseract runs as the README's figures were made: default settings (``--psm 3``) with TSV word
boxes for scenes and receipts, plain text for documents, ``--psm 7`` for word crops.

Usage::

    .venv/bin/python benchmarks/realdata.py                      # bundled models, dev split
    .venv/bin/python benchmarks/realdata.py --detector runs/det --recognizer runs/rec --json scores.json
    .venv/bin/python benchmarks/realdata.py --no-tesseract --verbose --scale 1.5
    .venv/bin/python benchmarks/realdata.py --no-tesseract --lexicon none  # the model's plain reading

The data root defaults to ``../shared/realdata`` next to the repository (or ``$OCR_STUDIO_REALDATA``).
``--split holdout`` is for release checks only: never tune anything to it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import _realdata_scoring as rs  # noqa: E402

from ocr_core.cli.options import add_detection_options, add_min_confidence_option, detection_overrides  # noqa: E402
from ocr_core.document import Page  # noqa: E402
from ocr_core.errors import OcrError  # noqa: E402
from ocr_core.evaluation import Counts, evaluate_pages, normalize_text, word_accuracy  # noqa: E402

__all__ = ["main", "default_root", "ROWS", "README_FIGURES"]

OURS, TESS = "ocr-studio", "tesseract"
#: (key, set, metric, target text, target test)
ROWS: list[tuple[str, str, str, str, Callable[[Any], bool]]] = [
    ("words_accuracy", "word crops", "accuracy", ">= 0.60", lambda v: v >= 0.60),
    ("scenes_e2e_f1", "scenes", "end-to-end F1", ">= 0.40", lambda v: v >= 0.40),
    ("scenes_det_f1", "scenes", "detection F1", ">= 0.60", lambda v: v >= 0.60),
    ("scenes_word_found", "scenes", "eventdock found", "yes", lambda v: bool(v)),
    ("scenes_seconds", "scenes", "s / image (1280x720)", "< 1.5", lambda v: v < 1.5),
    ("documents_bow_f1", "documents", "bag-of-words F1", ">= 0.90", lambda v: v >= 0.90),
    ("receipts_line_accuracy", "receipts", "line accuracy", ">= 0.50", lambda v: v >= 0.50),
]
#: Tesseract 5.3 figures from realdata/README.md.
README_FIGURES: dict[str, dict[str, float]] = {
    "dev": {"words_accuracy": 0.125, "scenes_e2e_f1": 0.0, "scenes_det_f1": 0.0, "documents_bow_f1": 0.960,
            "receipts_line_accuracy": 0.301},
    "holdout": {"words_accuracy": 0.353, "scenes_e2e_f1": 0.0, "scenes_det_f1": 0.0, "documents_bow_f1": 0.981,
                "receipts_line_accuracy": 0.840},
}


def default_root() -> Path:
    """``$OCR_STUDIO_REALDATA``, else ``../shared/realdata`` next to the repository."""
    env = os.environ.get("OCR_STUDIO_REALDATA")
    return Path(env) if env else ROOT.parent / "shared" / "realdata"


# ---- the two readers ------------------------------------------------------------------------------------------
class Studio:
    """Our pipeline: ``page(path)`` and ``crops(paths)``."""

    def __init__(self, detector: str, recognizer: str, scale: float | None, untrained: bool,
                 lexicon: str = "none", thresholds: dict[str, Any] | None = None,
                 min_confidence: float | None = None, weak_min_confidence: float | None = None) -> None:
        from ocr_core.detection import Detector
        from ocr_core.pipeline import Pipeline
        from ocr_core.postprocess.lexicon import load_lexicon
        from ocr_core.recognition import Recognizer

        if untrained:
            det = Detector(weights=None, variant="lite", optimizer=None, thresholds=thresholds)
            rec = Recognizer(weights=None, variant="lite")
        else:
            det = Detector(weights=detector, optimizer=None, thresholds=thresholds)
            rec = Recognizer(weights=recognizer)
        self.recognizer = rec
        self.lexicon = load_lexicon(lexicon)
        self.pipeline = Pipeline(detector=det, recognizer=rec, scale=scale, lexicon=self.lexicon,
                                 min_confidence=min_confidence, weak_min_confidence=weak_min_confidence)
        self.label = f"{det.name} + {rec.name}, scale {self.pipeline.effective_scale:g}"
        shown = {k: v for k, v in det.thresholds.items() if k.endswith("_threshold") and k != "size_threshold"}
        self.label += ", " + " ".join(f"{k.split('_')[0]} {v:g}" for k, v in shown.items())
        if det.thresholds.get("large_text_scale"):
            self.label += (f", large text x{det.thresholds['large_text_scale']:g} from "
                           f"{det.thresholds['large_text_height']} px")
        if self.pipeline.effective_min_confidence > 0:
            self.label += f", words below confidence {self.pipeline.effective_min_confidence:g} dropped"
        if det.thresholds.get("weak_detection_threshold"):
            self.label += (f", weak detections from peak {det.thresholds['weak_detection_threshold']:g} kept when "
                           f"read with confidence {self.pipeline.effective_weak_min_confidence:g}")
        if self.lexicon is not None:
            self.label += f", lexicon {lexicon} ({len(self.lexicon)} words)"

    def warm_up(self) -> None:
        """Trace both models' predict functions for any batch size, as the app does before its first job."""
        self.pipeline.warm_up()

    def page(self, path: Path) -> Page:
        return self.pipeline.recognize_pages([str(path)])[0]

    def document_words(self, path: Path) -> list[str]:
        return [w.text for w in self.page(path).words]

    def crops(self, paths: Sequence[Path]) -> list[str]:
        from ocr_core.imageio import read_image

        return [t for t, _ in self.recognizer.recognize_crops([read_image(p) for p in paths], lexicon=self.lexicon)]


class Tesseract:
    """The ``tesseract`` command: TSV word boxes, plain text, single-line crops."""

    def __init__(self, exe: str, psm: int) -> None:
        self.exe, self.psm = exe, psm
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
        self.label = ((out.stdout or out.stderr).splitlines() or ["tesseract"])[0].strip()

    def _run(self, path: Path, *extra: str) -> str:
        cmd = [self.exe, str(path), "stdout", *extra]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            last = (out.stderr.strip().splitlines() or [f"exit code {out.returncode}"])[-1]
            raise OcrError(f"{path}: tesseract failed ({last})")
        return out.stdout

    def page(self, path: Path) -> Page:
        from ocr_core.imageio import image_size

        words = rs.parse_tesseract_tsv(self._run(path, "--psm", str(self.psm), "tsv"))
        width, height = image_size(path)
        return Page.from_words(words, width, height, image_path=str(path))

    def document_words(self, path: Path) -> list[str]:
        return self._run(path).split()

    def crops(self, paths: Sequence[Path]) -> list[str]:
        return [" ".join(self._run(p, "--psm", "7").split()) for p in paths]


# ---- the sets ---------------------------------------------------------------------------------------------
def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_words(folder: Path, readers: dict[str, Any], verbose: bool) -> dict[str, Any]:
    crops = rs.load_word_crops(folder)
    labels = [c.label for c in crops]
    reads = {name: r.crops([c.path for c in crops]) for name, r in readers.items()}
    if verbose:
        _say("word crops (label: " + ", ".join(reads) + ")")
        for i, c in enumerate(crops):
            marks = [f"{reads[n][i]!r}{'' if normalize_text(reads[n][i]) != normalize_text(c.label) else ' ok'}"
                     for n in reads]
            _say(f"  {c.path.name}: {c.label!r} -> " + " | ".join(marks))
    return {"metrics": {n: {"words_accuracy": word_accuracy(labels, r, normalize=True)} for n, r in reads.items()},
            "detail": {n: dict(zip([c.path.name for c in crops], r)) for n, r in reads.items()}}


def run_scenes(folder: Path, readers: dict[str, Any], verbose: bool) -> dict[str, Any]:
    truths = rs.load_scenes(folder)
    singles = rs.load_single_words(folder)
    metrics: dict[str, dict[str, Any]] = {}
    detail: dict[str, Any] = {}
    for name, reader in readers.items():
        if name == OURS and truths:  # warm-up (graph tracing) outside the timings, as the app does it
            reader.warm_up()
            reader.page(Path(str(truths[0].image_path)))
        preds, seconds = [], []
        for truth in truths:
            start = time.perf_counter()
            preds.append(reader.page(Path(str(truth.image_path))))
            seconds.append(time.perf_counter() - start)
        report = evaluate_pages(truths, preds)
        found = {img.name: rs.word_found(reader.page(img).words, word) for img, word in singles}
        metrics[name] = {"scenes_e2e_f1": report.end_to_end.f1, "scenes_det_f1": report.detection.f1,
                         "scenes_seconds": sum(seconds) / len(seconds) if seconds else float("nan"),
                         "scenes_word_found": all(found.values()) if found else None}
        detail[name] = {"report": report.to_dict(), "found": found, "seconds": seconds}
        if verbose:
            _say(f"scenes, {name}:")
            for truth, pred, score, sec in zip(truths, preds, report.pages, seconds):
                care = sum(not w.ignore for w in truth.words)
                pairs = ", ".join(f"{t!r}->{p!r}" for t, p in score.pairs) or "-"
                _say(f"  {Path(str(truth.image_path)).name}: gt {care} (+{len(truth.words) - care} ###), "
                     f"pred {len(pred.words)}, det matches {score.detection.tp}, e2e matches "
                     f"{score.end_to_end.tp}, {sec:.2f} s; pairs: {pairs}")
            for img, ok in found.items():
                _say(f"  {img}: {'found' if ok else 'not found'}")
    return {"metrics": metrics, "detail": detail}


def run_documents(folder: Path, readers: dict[str, Any], verbose: bool) -> dict[str, Any]:
    docs = rs.load_documents(folder)
    metrics, detail = {}, {}
    for name, reader in readers.items():
        total, per = Counts(), {}
        for image, text in docs:
            c = rs.bag_of_words_counts(text, reader.document_words(image))
            total += c
            per[image.name] = c.to_dict()
            if verbose:
                _say(f"documents, {name}: {image.name}: F1 {c.f1:.3f} (tp {c.tp}, fp {c.fp}, fn {c.fn})")
        metrics[name] = {"documents_bow_f1": total.f1 if docs else None}
        detail[name] = per
    return {"metrics": metrics, "detail": detail}


def run_receipts(folder: Path, readers: dict[str, Any], verbose: bool) -> dict[str, Any]:
    receipts = rs.load_receipts(folder)
    metrics, detail = {}, {}
    for name, reader in readers.items():
        results, per = [], {}
        for image, lines in receipts:
            r = rs.receipt_lines(lines, reader.page(image).words)
            results.extend(r)
            per[image.name] = {"lines": len(r), "right": sum(ok for *_, ok in r)}
            if verbose:
                _say(f"receipts, {name}: {image.name}: {per[image.name]['right']}/{len(r)} lines")
                for true, read, ok in r:
                    if not ok:
                        _say(f"  {true!r} -> {read!r}")
        metrics[name] = {"receipts_line_accuracy": rs.line_accuracy(results) if results else None}
        detail[name] = per
    return {"metrics": metrics, "detail": detail}


SETS = [("words", run_words), ("scenes", run_scenes), ("documents", run_documents), ("receipts", run_receipts)]


# ---- table ------------------------------------------------------------------------------------------------
def _cell(key: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if key == "scenes_word_found":
        return "yes" if value else "no"
    if key == "scenes_seconds":
        return f"{value:.2f}"
    return f"{value:.3f}"


def build_table(metrics: dict[str, dict[str, Any]], split: str) -> tuple[str, list[str]]:
    """The Markdown table and the names of missed targets."""
    readme = README_FIGURES.get(split, {})
    rows, missed = [], []
    for key, set_name, metric, target, passes in ROWS:
        ours = metrics.get(OURS, {}).get(key)
        if ours is not None and not passes(ours):
            missed.append(f"{set_name} {metric}")
        rows.append([set_name, metric, _cell(key, ours), _cell(key, metrics.get(TESS, {}).get(key)),
                     _cell(key, readme[key]) if key in readme else "-", target])
    header = ["set", "metric", OURS, "tesseract (now)", "tesseract (README)", "target"]
    return rs.format_table(header, rows), missed


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", type=Path, default=None, help="real-data root (default: ../shared/realdata "
                   "next to the repository, or $OCR_STUDIO_REALDATA)")
    p.add_argument("--split", default="dev", help="dev (default) or holdout (release checks only)")
    p.add_argument("--detector", default="default", metavar="NAME|PATH", help="detector model (default: bundled)")
    p.add_argument("--recognizer", default="default", metavar="NAME|PATH",
                   help="recognizer model (default: bundled)")
    p.add_argument("--scale", type=float, default=None, help="upscaling before detection (default: the model's)")
    add_detection_options(p)
    add_min_confidence_option(p)
    p.add_argument("--lexicon", default="auto", metavar="auto|none|PATH",
                   help="dictionary-aware decoding: auto (default, as the app: bundled list + /usr/share/dict/words), "
                        "none (the model's plain reading) or word-list file(s)")
    p.add_argument("--tesseract", action=argparse.BooleanOptionalAction, default=True,
                   help="also measure Tesseract when it is on PATH (default: yes)")
    p.add_argument("--tesseract-psm", type=int, default=3, help="Tesseract page segmentation for scenes and "
                   "receipts (default 3, Tesseract's default, as the README figures)")
    p.add_argument("--sets", nargs="+", choices=[s for s, _ in SETS], default=[s for s, _ in SETS],
                   help="which sets to run (default: all)")
    p.add_argument("--json", dest="json_out", type=Path, default=None, metavar="OUT", help="write results as JSON")
    p.add_argument("--verbose", "-v", action="store_true", help="per-image details (on stderr)")
    p.add_argument("--untrained", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from ocr_core.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()  # TensorFlow's loading notices stay off the figures
    data = (args.root or default_root()) / args.split
    try:
        if not data.is_dir():
            raise OcrError(f"{data}: no such folder (use --root or $OCR_STUDIO_REALDATA)")
        started = time.perf_counter()
        readers: dict[str, Any] = {OURS: Studio(args.detector, args.recognizer, args.scale, args.untrained,
                                                args.lexicon, detection_overrides(args),
                                                args.min_confidence, args.weak_min_confidence)}
        exe = shutil.which("tesseract") if args.tesseract else None
        if exe:
            readers[TESS] = Tesseract(exe, args.tesseract_psm)
        elif args.tesseract:
            _say("note: tesseract is not on PATH; its column stays n/a")
        metrics: dict[str, dict[str, Any]] = {name: {} for name in readers}
        details: dict[str, Any] = {}
        for set_name, runner in SETS:
            folder = data / set_name
            if set_name not in args.sets:
                continue
            if not folder.is_dir():
                _say(f"note: {folder} missing, set skipped")
                continue
            _say(f"running {set_name} ...")
            result = runner(folder, readers, args.verbose)
            for name, values in result["metrics"].items():
                metrics[name].update(values)
            details[set_name] = result["detail"]
    except OcrError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    table, missed = build_table(metrics, args.split)
    print(f"real data: {data}")
    for name, reader in readers.items():
        print(f"{name}: {reader.label}")
    print(table)
    print(f"targets missed: {', '.join(missed)}" if missed else "all targets met")
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.json_out:
        from ocr_core.atomic import atomic_write_text

        payload = {"split": args.split, "root": str(data), "models": {n: r.label for n, r in readers.items()},
                   "metrics": metrics, "readme_tesseract": README_FIGURES.get(args.split, {}),
                   "targets": {key: target for key, _, _, target, _ in ROWS}, "missed": missed, "detail": details}
        atomic_write_text(args.json_out, json.dumps(payload, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
