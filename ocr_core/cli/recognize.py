"""``ocr-studio recognize``: read the words of images (or of pre-cropped word images with ``--crops``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ocr_core.cli.options import (
    add_detection_options,
    add_min_confidence_option,
    detection_overrides,
    non_negative_int,
    positive_float,
    positive_int,
    writable_folder,
)
from ocr_core.document import Page, Word
from ocr_core.errors import OcrError

__all__ = ["add_parser", "run", "page_to_json", "page_to_icdar_lines"]

OUTPUT_FORMATS = ("json", "text", "icdar2015", "hocr", "pdf")


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "recognize",
        help="detect and read the words of images",
        description="Detect and read words. One JSON object per image per line by default.",
    )
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files (JPEG, PNG, TIFF, WebP, BMP) or URLs")
    p.add_argument("--format", choices=OUTPUT_FORMATS, default="json",
                   help="output format (default json); pdf: the image with its words as searchable text (with --out)")
    p.add_argument("--crops", action="store_true",
                   help="each image is one pre-cropped word or line: recognizer only, no detection")
    p.add_argument("--detector", default=None, metavar="NAME|PATH", help="detector model name, folder or file")
    p.add_argument("--recognizer", default=None, metavar="NAME|PATH", help="recognizer model name, folder or file")
    p.add_argument("--scale", type=positive_float, default=None,
                   help="upscaling before detection (default: the model's)")
    p.add_argument("--precision", choices=("auto", "float32", "bfloat16"), default="auto",
                   help="detector arithmetic (default auto: bfloat16 on CPUs that compute it natively)")
    add_detection_options(p)
    add_min_confidence_option(p)
    p.add_argument("--max-size", type=positive_int, default=2048, help="cap on the long side after scaling")
    p.add_argument("--batch-size", type=positive_int, default=64, help="word crops per recognizer batch")
    p.add_argument("--beam-width", type=non_negative_int, default=0, help="CTC beam search width (0 = greedy)")
    p.add_argument("--lexicon", default="auto", metavar="auto|none|PATH",
                   help="prefer dictionary words the model finds nearly as likely as its reading: auto (default: the "
                        "bundled list + /usr/share/dict/words when installed), none (the model's plain reading) or "
                        "word-list file(s)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="write one file per image into DIR instead of printing")
    p.set_defaults(func=run)


def page_to_json(page: Page, image: str) -> dict[str, Any]:
    words = []
    for line_index, word in page.iter_words():
        words.append({
            "text": word.text,
            "box": np.round(word.quad, 2).tolist(),
            "confidence": None if word.confidence is None else round(float(word.confidence), 4),
            "line": line_index,
        })
    return {"image": image, "width": page.width, "height": page.height, "words": words}


def page_to_icdar_lines(page: Page) -> list[str]:
    lines = []
    for word in page.words:
        coords = ",".join(str(int(round(v))) for v in word.quad.reshape(-1))
        lines.append(f"{coords},{word.label}")
    return lines


def _page_to_hocr(page: Page, where: Path) -> str:
    """One hOCR document; its image reference is relative to ``where``, the folder the document is read from."""
    from ocr_core.formats.hocr import HocrCodec

    title = Path(page.image_path).stem if page.image_path else "page"
    return HocrCodec().to_html([page], where, title).rstrip("\n")


def _render(page: Page, image: str, fmt: str, where: Path) -> str:
    if fmt == "json":
        return json.dumps(page_to_json(page, image), ensure_ascii=False)
    if fmt == "text":
        return page.text
    if fmt == "icdar2015":
        return "\n".join(page_to_icdar_lines(page))
    return _page_to_hocr(page, where)


_SUFFIX = {"json": ".json", "text": ".txt", "icdar2015": ".txt", "hocr": ".hocr", "pdf": ".pdf"}


def output_names(images: list[str], fmt: str) -> dict[str, str]:
    """The file each image's result is written to with ``--out``: ``<stem><suffix>`` (``gt_<stem>.txt`` for
    ICDAR 2015); images with the same stem get their folder's name in front, then a number, so no result
    overwrites another.

    >>> output_names(["a/img.jpg", "b/img.png", "c.jpg"], "json")
    {'a/img.jpg': 'a_img.json', 'b/img.png': 'b_img.json', 'c.jpg': 'c.json'}
    """
    def name(stem: str) -> str:
        return f"gt_{stem}.txt" if fmt == "icdar2015" else stem + _SUFFIX[fmt]

    def stem_of(image: str) -> str:
        return Path(image.split("?")[0]).stem or "image"

    counts = Counter(stem_of(image) for image in dict.fromkeys(images))
    names: dict[str, str] = {}
    taken: set[str] = set()
    for image in dict.fromkeys(images):
        stem = stem_of(image)
        if counts[stem] > 1:
            parent = Path(image.split("?")[0]).parent.name
            stem = f"{parent}_{stem}" if parent else stem
        candidate, n = name(stem), 2
        while candidate in taken:
            candidate, n = name(f"{stem}-{n}"), n + 1
        taken.add(candidate)
        names[image] = candidate
    return names


def _emit(page: Page, image: str, args: argparse.Namespace, stream: TextIO, many: bool) -> None:
    if args.format == "pdf":  # the image with its words as invisible text: a file of its own (--out)
        from ocr_core.formats.pdf import PdfCodec

        page.image_path = page.image_path or image
        PdfCodec().write([page], args.out / args.output_names[image])
        return
    text = _render(page, image, args.format, args.out if args.out is not None else Path.cwd())
    if args.out is not None:
        from ocr_core.atomic import atomic_write_text

        atomic_write_text(args.out / args.output_names[image], text + "\n")
        return
    if many and args.format != "json":
        stream.write(f"==> {image} <==\n")
    stream.write(text + "\n")
    stream.flush()


def _warn_multipage(images: list[Any], say: Callable[[str], object]) -> None:
    """Say which files hold several pages: only the first is read (the others would be lost silently)."""
    from ocr_core.imageio import page_count

    for image in images:
        if "://" not in str(image) and Path(str(image)).is_file() and (pages := page_count(image)) > 1:
            say(f"ocr-studio recognize: {image} holds {pages} pages; only the first is read (split the file into "
                "one image per page to read the others)")


def _crop_page(image: np.ndarray, text: str, confidence: float) -> Page:
    h, w = image.shape[:2]
    word = Word(quad=np.array([[0, 0], [w, 0], [w, h], [0, h]], float), text=text, confidence=confidence)
    return Page.from_words([word], width=w, height=h)


def run(args: argparse.Namespace, stream: TextIO | None = None) -> int:
    from ocr_core.cli.progress import ProgressBar

    stream = stream or sys.stdout
    failures = 0
    many = len(args.images) > 1
    if args.out is not None:
        if problem := writable_folder(args.out):
            print(f"ocr-studio recognize: --out: {problem}", file=sys.stderr)
            return 2
        args.output_names = output_names(list(args.images), args.format)
    elif args.format == "pdf":
        print("ocr-studio recognize: a searchable PDF is a file: give --out DIR", file=sys.stderr)
        return 2
    if args.format == "pdf" and (urls := [i for i in args.images if "://" in str(i)]):
        print(f"ocr-studio recognize: a searchable PDF embeds the image file: download {urls[0]} first",
              file=sys.stderr)
        return 2
    if many and args.format == "hocr" and args.out is None:
        print("ocr-studio recognize: hOCR is one document per image: give --out DIR for several images",
              file=sys.stderr)
        return 2
    try:
        from ocr_core.postprocess.lexicon import load_default_lexicon

        lexicon = load_default_lexicon(args.lexicon, lambda m: print(f"ocr-studio recognize: {m}", file=sys.stderr))
        if args.crops:
            from ocr_core.recognition import Recognizer

            engine: Any = Recognizer(weights=args.recognizer or "default")
        else:
            from ocr_core.detection import Detector
            from ocr_core.pipeline import Pipeline
            from ocr_core.recognition import Recognizer

            engine = Pipeline(
                detector=Detector(weights=args.detector or "default", optimizer=None, precision=args.precision,
                                  thresholds=detection_overrides(args)),
                recognizer=Recognizer(weights=args.recognizer or "default"),
                scale=args.scale,
                max_size=args.max_size,
                lexicon=lexicon,
                min_confidence=args.min_confidence,
                weak_min_confidence=args.weak_min_confidence,
            )
    except OcrError as exc:
        print(f"ocr-studio recognize: {exc}", file=sys.stderr)
        return 2

    with ProgressBar(len(args.images), "images", enabled=None if many else False) as bar:
        def report(source: Any, exc: Exception) -> None:
            nonlocal failures
            failures += 1
            bar.write(f"ocr-studio recognize: {source}: {exc}")

        if args.crops:
            from ocr_core.imageio import read_image

            for source in args.images:
                try:
                    image = read_image(source)
                    text, conf = engine.recognize_crops([image], beam_width=args.beam_width,
                                                        batch_size=args.batch_size, lexicon=lexicon)[0]
                    _emit(_crop_page(image, text, conf), source, args, stream, many)
                except (OcrError, OSError) as exc:
                    report(source, exc)
                bar.update()
        else:
            _warn_multipage(args.images, bar.write)
            recognition_kwargs = {"beam_width": args.beam_width, "batch_size": args.batch_size}
            for source, page in engine.iter_pages(args.images, recognition_kwargs=recognition_kwargs,
                                                  on_error=report, batch_size=1):
                if page is not None:
                    try:
                        _emit(page, source, args, stream, many)
                    except (OcrError, OSError) as exc:
                        report(source, exc)
                bar.update()
    if failures:
        print(f"ocr-studio recognize: {failures} of {len(args.images)} images failed", file=sys.stderr)
        return 1
    return 0
