"""``ocr-studio eval``: run the pipeline on an annotated folder and score it.

Example::

    ocr-studio eval --data data/test:icdar2015 --detector runs/det --recognizer runs/rec --json scores.json

Prints detection and end-to-end precision/recall/F1 (one-to-one IoU matching, ``###`` ignored) and
the recognition accuracy/CER of detected words. ``--gt-boxes`` reads the ground-truth boxes instead
of detecting (recognizer-only evaluation); a folder of word crops with a label file (``synth --crops``) is
always read that way, each crop as one word.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ocr_core.cli.options import (
    add_detection_options,
    add_min_confidence_option,
    detection_overrides,
    fraction,
    positive_float,
    positive_int,
    writable_file,
)
from ocr_core.errors import ImageReadError, OcrError
from ocr_core.training.data import is_word_crop

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("eval", help="score models on an annotated folder",
                              description="Run detection + recognition on annotated images and print "
                                          "precision/recall/F1, word accuracy and CER.")
    p.add_argument("--data", required=True, metavar="PATH[:FORMAT]", help="annotated folder or file")
    p.add_argument("--detector", default=None, metavar="NAME|PATH", help="detector model (default: bundled)")
    p.add_argument("--recognizer", default=None, metavar="NAME|PATH", help="recognizer model (default: bundled)")
    p.add_argument("--iou", type=fraction, default=0.5, help="IoU threshold for a match (default 0.5)")
    p.add_argument("--no-normalize", action="store_true",
                   help="compare texts exactly (default: NFKC, lower-case, keep only [0-9a-z])")
    p.add_argument("--gt-boxes", action="store_true",
                   help="recognize the ground-truth boxes (no detection; always so for a folder of word crops)")
    p.add_argument("--scale", type=positive_float, default=None, help="upscaling before detection")
    p.add_argument("--precision", choices=("auto", "float32", "bfloat16"), default="auto",
                   help="detector arithmetic (default auto: bfloat16 on CPUs that compute it natively)")
    add_detection_options(p)
    add_min_confidence_option(p)
    p.add_argument("--limit", type=positive_int, default=None, help="evaluate only the first N pages")
    p.add_argument("--lexicon", default="auto", metavar="auto|none|PATH",
                   help="prefer dictionary words the model finds nearly as likely as its reading: auto (default: the "
                        "bundled list + /usr/share/dict/words when installed), none (the model's plain reading) or "
                        "word-list file(s)")
    p.add_argument("--json", dest="json_out", default=None, metavar="OUT", help="write the scores as JSON")
    p.set_defaults(func=run)


def _load(args: argparse.Namespace) -> list[Any]:
    from ocr_core.training.data import load_pages, parse_data_source

    source = parse_data_source(args.data)
    if source.kind != "folder":
        raise OcrError("--data must be an annotated folder or file (PATH[:FORMAT])")
    pages = load_pages(source)
    if args.limit:
        pages = pages[: args.limit]
    if not pages:
        raise OcrError(f"{args.data}: no annotated pages")
    return pages


def _recognizer(name: str | None) -> Any:
    from ocr_core.recognition import Recognizer

    return Recognizer(weights=name or "default")


def _warn(message: str) -> None:
    print(f"ocr-studio eval: {message}", file=sys.stderr)


def _gt_boxes(args: argparse.Namespace, pages: list[Any]) -> dict[str, Any]:
    import numpy as np

    from ocr_core.evaluation import normalize_text, recognition_metrics
    from ocr_core.postprocess.lexicon import load_default_lexicon

    recognizer = _recognizer(args.recognizer)
    lexicon = load_default_lexicon(args.lexicon, _warn)
    truths, preds, skipped = _read_word_crops(recognizer, [p for p in pages if is_word_crop(p)], lexicon)
    for page in pages:
        words = [w for w in page.words if not w.ignore and w.text]
        if not words or is_word_crop(page):
            continue
        try:
            readings = recognizer.recognize_boxes_with_confidence(
                [page.image_path], [np.stack([w.quad for w in words])], lexicon=lexicon)
        except ImageReadError as exc:  # one unreadable image: the others are still scored
            _warn(f"skipped: {exc}")
            skipped.append(str(page.image_path))
            continue
        truths.extend(w.text for w in words)
        preds.extend(t for t, _ in readings[0])
    if skipped and not truths:
        raise OcrError(f"none of the {len(skipped)} images with words could be read: nothing to score")
    norm = not args.no_normalize
    if norm:  # words that normalise to nothing cannot be scored
        keep = [bool(normalize_text(t)) for t in truths]
        truths = [t for t, k in zip(truths, keep) if k]
        preds = [p for p, k in zip(preds, keep) if k]
    metrics = recognition_metrics(truths, preds, norm)
    return {"mode": "word_crops" if any(is_word_crop(p) for p in pages) else "gt_boxes", "pages": len(pages) - len(skipped), "normalized": norm, "lexicon": args.lexicon,
            "recognition": metrics, "skipped": skipped}


def _read_word_crops(recognizer: Any, pages: list[Any], lexicon: Any, batch: int = 64
                     ) -> tuple[list[str], list[str], list[str]]:
    """Read word-crop pages whole, a batch at a time: ``(truths, readings, skipped)``, the last the image paths
    that could not be read."""
    from ocr_core.imageio import read_image

    truths: list[str] = []
    preds: list[str] = []
    skipped: list[str] = []
    for start in range(0, len(pages), batch):
        crops, texts = [], []
        for page in pages[start: start + batch]:
            word = page.words[0]
            if word.ignore or not word.text:
                continue
            try:
                crops.append(read_image(page.image_path))
            except ImageReadError as exc:  # one unreadable crop: the others are still scored
                _warn(f"skipped: {exc}")
                skipped.append(str(page.image_path))
                continue
            texts.append(word.text)
        if crops:
            truths.extend(texts)
            preds.extend(t for t, _ in recognizer.recognize_crops(crops, lexicon=lexicon))
    return truths, preds, skipped


def run(args: argparse.Namespace) -> int:
    if args.json_out and (problem := writable_file(Path(args.json_out))):
        print(f"ocr-studio eval: error: --json: {problem}", file=sys.stderr)
        return 1
    try:
        pages = _load(args)
        if args.gt_boxes or any(is_word_crop(p) for p in pages):  # crops: nothing to detect
            data = _gt_boxes(args, pages)
            rec = data["recognition"]
            what = ("word crops", "crops") if data["mode"] == "word_crops" else ("ground-truth boxes", "pages")
            print(f"recognition on {what[0]}: accuracy {rec['word_accuracy']:.3f}, CER {rec['cer']:.3f} "
                  f"({rec['words']} words, {data['pages']} {what[1]})")
        else:
            data = _pipeline_scores(args, pages)
    except OcrError as exc:
        print(f"ocr-studio eval: error: {exc}", file=sys.stderr)
        return 1
    if args.json_out:
        from ocr_core.atomic import atomic_write_text

        try:
            atomic_write_text(args.json_out, json.dumps(data, indent=2) + "\n")
        except OSError as exc:  # the scores were printed; only the JSON copy is missing
            print(f"ocr-studio eval: error: cannot write {args.json_out}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"scores written to {args.json_out}")
    if data.get("skipped"):
        print(f"ocr-studio eval: error: {len(data['skipped'])} of {len(pages)} images could not be read; the scores leave them out",
              file=sys.stderr)
        return 1
    return 0


def _pipeline_scores(args: argparse.Namespace, pages: list[Any]) -> dict[str, Any]:
    from ocr_core.cli.progress import ProgressBar
    from ocr_core.detection import Detector
    from ocr_core.evaluation import evaluate_pages
    from ocr_core.pipeline import Pipeline
    from ocr_core.postprocess.lexicon import load_default_lexicon

    lexicon = load_default_lexicon(args.lexicon, _warn)
    pipeline = Pipeline(detector=Detector(weights=args.detector or "default", optimizer=None,
                                          precision=args.precision, thresholds=detection_overrides(args)),
                        recognizer=_recognizer(args.recognizer), scale=args.scale, lexicon=lexicon,
                        min_confidence=args.min_confidence, weak_min_confidence=args.weak_min_confidence)
    predicted: dict[str, Any] = {}
    skipped: list[str] = []

    def unreadable(source: Any, exc: Exception) -> None:  # one bad image: the others are still scored
        bar.write(f"ocr-studio eval: skipped: {exc}")
        skipped.append(str(source))

    with ProgressBar(len(pages), "images") as bar:
        for source, page in pipeline.iter_pages([p.image_path for p in pages], on_error=unreadable):
            if page is not None:
                predicted[str(source)] = page
            bar.update(1)
    scored = [p for p in pages if str(p.image_path) in predicted]
    if not scored:
        raise OcrError(f"none of the {len(pages)} images could be read: nothing to score")
    report = evaluate_pages(scored, [predicted[str(p.image_path)] for p in scored], iou_threshold=args.iou,
                            normalize=not args.no_normalize)
    print(report.format_table())
    data = report.to_dict()
    data["skipped"] = skipped
    data["detector"] = getattr(pipeline.detector, "name", args.detector)
    data["recognizer"] = getattr(pipeline.recognizer, "name", args.recognizer)
    data["lexicon"] = args.lexicon
    return data
