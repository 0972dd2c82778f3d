"""``ocr-studio recognize``: read the words of images (or of pre-cropped word images with ``--crops``)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ocr_core.cli.options import (
    add_detection_options,
    add_min_confidence_option,
    add_overwrite_option,
    detection_overrides,
    non_negative_int,
    positive_float,
    positive_int,
    replacing_problem,
    writable_folder,
)
from ocr_core.document import IMAGE_PAGE, Page, Word
from ocr_core.errors import OcrError

__all__ = ["PER_PAGE_FORMATS", "add_parser", "run", "page_to_json", "page_to_icdar_lines", "page_selection",
           "output_names"]

OUTPUT_FORMATS = ("json", "text", "icdar2015", "hocr", "pdf")


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "recognize",
        help="detect and read the words of images",
        description="Detect and read words. One JSON object per image per line by default.",
    )
    p.add_argument("images", nargs="+", metavar="IMAGE",
                   help="image files (JPEG, PNG, TIFF, WebP, BMP), PDF files (a scanned page at its scan's resolution, others at 300 dpi) or URLs")
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
    p.add_argument("--pages", type=page_selection, default=None, metavar="all|N,N-M",
                   help="pages of multi-page files (TIFF, PDF) to read: all (default), or page numbers and ranges "
                        "from 1, e.g. 1,3-5. text, hocr and pdf give one document per file; json and icdar2015 one result "
                        "per page (with --out: <name>-page<N>)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="write one file per image into DIR instead of printing")
    add_overwrite_option(p)
    p.set_defaults(func=run)


def page_selection(value: str) -> frozenset[int] | None:
    """``--pages``: ``all`` -> None, ``1,3-5`` -> {1, 3, 4, 5} (page numbers from 1).

    >>> sorted(page_selection("1, 3-5"))
    [1, 3, 4, 5]
    """
    if value.strip().lower() == "all":
        return None
    pages: set[int] = set()
    for part in value.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            low, high = int(first), int(last if dash else first)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r}: give 'all' or page numbers and ranges such as 1,3-5") from None
        if low < 1 or high < low:
            raise argparse.ArgumentTypeError(f"{part.strip()!r}: pages count from 1, and a range runs upwards")
        if high - low > 100_000:
            raise argparse.ArgumentTypeError(f"{part.strip()!r}: too long a range")
        pages.update(range(low, high + 1))
    return frozenset(pages)


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


def _page_number(page: Page) -> int | None:
    """The page's number (from 1) in its multi-page image file; None for a single-page image."""
    frame = page.extra.get(IMAGE_PAGE)
    return frame + 1 if isinstance(frame, int) else None


def _to_hocr(pages: list[Page], where: Path) -> str:
    """One hOCR document; its image reference is relative to ``where``, the folder the document is read from."""
    from ocr_core.formats.hocr import HocrCodec

    title = Path(pages[0].image_path).stem if pages[0].image_path else "page"
    return HocrCodec().to_html(pages, where, title).rstrip("\n")


def _render(pages: list[Page], image: str, fmt: str, where: Path) -> str:
    if fmt == "json":  # one page (a per-page format)
        record = page_to_json(pages[0], image)
        if (number := _page_number(pages[0])) is not None:
            record["page"] = number
        return json.dumps(record, ensure_ascii=False)
    if fmt == "text":  # pages apart by a form feed, as Tesseract writes them
        return "\n\f\n".join(page.text for page in pages)
    if fmt == "icdar2015":
        return "\n".join(page_to_icdar_lines(pages[0]))
    return _to_hocr(pages, where)


#: Formats that give each page of a multi-page file a result of its own (the others: one document per file).
PER_PAGE_FORMATS = ("json", "icdar2015")

_SUFFIX = {"json": ".json", "text": ".txt", "icdar2015": ".txt", "hocr": ".hocr", "pdf": ".pdf"}


def output_names(images: list[str], fmt: str, pages: dict[str, list[int]] | None = None) -> dict[Any, str]:
    """The file each image's result is written to with ``--out``: ``<stem><suffix>`` (``gt_<stem>.txt`` for
    ICDAR 2015); images with the same stem get their folder's name in front, then a number, so no result
    overwrites another. ``pages`` lists the pages read of multi-page files: in the per-page formats (json,
    icdar2015) each gets its own file, keyed ``(image, page)`` and named ``<stem>-page<N>``.

    >>> output_names(["a/img.jpg", "b/img.png", "c.jpg"], "json")
    {'a/img.jpg': 'a_img.json', 'b/img.png': 'b_img.json', 'c.jpg': 'c.json'}
    >>> output_names(["scan.tif"], "icdar2015", {"scan.tif": [1, 2]})
    {('scan.tif', 1): 'gt_scan-page1.txt', ('scan.tif', 2): 'gt_scan-page2.txt'}
    """
    def name(stem: str) -> str:
        return f"gt_{stem}.txt" if fmt == "icdar2015" else stem + _SUFFIX[fmt]

    def stem_of(image: str) -> str:
        return Path(image.split("?")[0]).stem or "image"

    per_page = fmt in PER_PAGE_FORMATS
    wanted: list[tuple[Any, str, str]] = []  # (key, stem, image)
    for image in dict.fromkeys(images):
        numbers = (pages or {}).get(image)
        if per_page and numbers:
            wanted.extend(((image, n), f"{stem_of(image)}-page{n}", image) for n in numbers)
        else:
            wanted.append((image, stem_of(image), image))
    counts = Counter(stem for _, stem, _ in wanted)
    names: dict[Any, str] = {}
    taken: set[str] = set()
    for key, stem, image in wanted:
        if counts[stem] > 1:
            parent = Path(image.split("?")[0]).parent.name
            stem = f"{parent}_{stem}" if parent else stem
        candidate, n = name(stem), 2
        while candidate in taken:
            candidate, n = name(f"{stem}-{n}"), n + 1
        taken.add(candidate)
        names[key] = candidate
    return names


@contextlib.contextmanager
def _writing(target: Path) -> Iterator[None]:
    """A failed write names the file it could not write and why (not the temporary file it went through)."""
    try:
        yield
    except OSError as exc:
        raise OcrError(f"cannot write {target}: {exc.strerror or exc}") from exc


def _emit(pages: list[Page], image: str, key: Any, args: argparse.Namespace, stream: TextIO, many: bool) -> None:
    """Write one result: a page, or (text, hocr, pdf) the pages read of one file; ``key`` names its output file."""
    if args.format == "pdf":  # the image with its words as invisible text: a file of its own (--out)
        from ocr_core.formats.pdf import PdfCodec

        for page in pages:
            page.image_path = page.image_path or image
        target = args.out / args.output_names[key]
        with _writing(target):
            PdfCodec().write(pages, target)
        return
    text = _render(pages, image, args.format, args.out if args.out is not None else Path.cwd())
    if args.out is not None:
        from ocr_core.atomic import atomic_write_text

        target = args.out / args.output_names[key]
        with _writing(target):
            atomic_write_text(target, text + "\n")
        return
    if many and args.format != "json":
        number = _page_number(pages[0]) if len(pages) == 1 else None
        stream.write(f"==> {image} (page {number}) <==\n" if number is not None else f"==> {image} <==\n")
    stream.write(text + "\n")
    stream.flush()


def _plan_pages(images: list[str], wanted: frozenset[int] | None,
                say: Callable[[str], object]) -> dict[str, list[int]]:
    """The page numbers to read of each multi-page file among ``images`` (from their headers); files with one
    page are left out. Asked-for pages a file lacks are named."""
    from ocr_core.imageio import page_count

    plan: dict[str, list[int]] = {}
    for image in dict.fromkeys(images):
        if "://" in str(image) or not Path(str(image)).is_file():
            continue  # a URL, or a file that is not there (reported when it is read)
        if (count := page_count(image)) <= 1:
            if wanted is not None and 1 not in wanted:
                say(f"ocr-studio recognize: {image} has one page: --pages picks pages of multi-page files; "
                    "it is read")
            continue
        numbers = list(range(1, count + 1)) if wanted is None else sorted(n for n in wanted if n <= count)
        if wanted is not None and len(numbers) < len(wanted):
            say(f"ocr-studio recognize: {image} holds {count} pages; pages beyond {count} are skipped")
        plan[image] = numbers
    return plan


def _page_sources(images: list[str], plan: dict[str, list[int]], labels: deque[tuple[str, int | None]],
                  report: Callable[[Any, Exception], None], skipped: Callable[[], object]) -> Iterator[Any]:
    """The engine's input: each image, or each wanted page of a multi-page one as an array. ``labels`` gets the
    ``(image, page number or None)`` of each source as it is handed over, in the order results come back.
    ``skipped`` is called for each page that could not be read (reported), so that progress still counts it."""
    from ocr_core.imageio import read_image_page

    for image in images:
        if image not in plan:
            labels.append((image, None))
            yield image
            continue
        if not plan[image]:
            report(image, OcrError("none of the pages asked for (--pages) is in this file"))
            skipped()
        for number in plan[image]:
            try:
                frame = read_image_page(image, number - 1)
            except OcrError as exc:
                report(f"{image} (page {number})", exc)
                skipped()
                continue
            labels.append((image, number))
            yield frame


def _crop_page(image: np.ndarray, text: str, confidence: float) -> Page:
    h, w = image.shape[:2]
    word = Word(quad=np.array([[0, 0], [w, 0], [w, h], [0, h]], float), text=text, confidence=confidence)
    return Page.from_words([word], width=w, height=h)


def run(args: argparse.Namespace, stream: TextIO | None = None) -> int:
    from ocr_core.cli.progress import ProgressBar

    stream = stream or sys.stdout
    failures = 0
    plan = {} if args.crops else _plan_pages(list(args.images), args.pages, lambda m: print(m, file=sys.stderr))
    # results: each image, and each page of a multi-page file in the per-page formats
    total = len(args.images) + sum(max(1, len(numbers)) - 1 for numbers in plan.values())
    many = len(args.images) > 1 or (args.format in PER_PAGE_FORMATS and total > 1)
    if args.out is not None:
        if problem := writable_folder(args.out):
            print(f"ocr-studio recognize: --out: {problem}", file=sys.stderr)
            return 2
        args.output_names = output_names(list(args.images), args.format, plan)
        inputs = [Path(i) for i in args.images if "://" not in str(i)]
        targets = [args.out / name for name in args.output_names.values()]
        if problem := replacing_problem(targets, inputs, getattr(args, "overwrite", False), args.out):
            print(f"ocr-studio recognize: --out: {problem}", file=sys.stderr)
            return 2
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

    with ProgressBar(total, "images and pages" if plan else "images", enabled=None if total > 1 else False) as bar:
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
                    _emit([_crop_page(image, text, conf)], source, source, args, stream, many)
                except (OcrError, OSError) as exc:
                    report(source, exc)
                bar.update()
        else:
            _recognize_pages(engine, args, plan, stream, many, bar, report)
    if failures:
        unit = "images and pages" if plan else "images"
        print(f"ocr-studio recognize: {failures} of {total} {unit} failed", file=sys.stderr)
        return 1
    return 0


def _recognize_pages(engine: Any, args: argparse.Namespace, plan: dict[str, list[int]], stream: TextIO, many: bool,
                     bar: Any, report: Callable[[Any, Exception], None]) -> None:
    """Detect and read every image and wanted page, emitting each result (or file of pages) as it is done."""
    labels: deque[tuple[str, int | None]] = deque()
    errors: list[Exception] = []
    group: list[Page] = []  # the pages read so far of the multi-page file being read (one-document formats)
    grouped = args.format not in PER_PAGE_FORMATS

    def flush() -> None:
        if group:
            image = str(group[0].image_path)
            _emit_reported(list(group), image, image, args, stream, many, report)
            group.clear()

    recognition_kwargs = {"beam_width": args.beam_width, "batch_size": args.batch_size}
    sources = _page_sources(list(args.images), plan, labels, report, bar.update)
    for _source, page in engine.iter_pages(sources, recognition_kwargs=recognition_kwargs,
                                           on_error=lambda _src, exc: errors.append(exc), batch_size=1):
        image, number = labels.popleft()
        if group and (number is None or group[0].image_path != image):
            flush()
        if page is None:
            report(image if number is None else f"{image} (page {number})",
                   errors.pop() if errors else OcrError("not read"))
        elif number is not None:
            page.image_path = image
            page.extra[IMAGE_PAGE] = number - 1
            if grouped:
                group.append(page)
            else:
                _emit_reported([page], image, (image, number), args, stream, many, report)
        else:
            _emit_reported([page], image, image, args, stream, many, report)
        bar.update()
    flush()


def _emit_reported(pages: list[Page], image: str, key: Any, args: argparse.Namespace, stream: TextIO, many: bool,
                   report: Callable[[Any, Exception], None]) -> None:
    """:func:`_emit`, reporting a failed write (the other results are still written)."""
    try:
        _emit(pages, image, key, args, stream, many)
    except (OcrError, OSError) as exc:
        report(image, exc)
