"""Synthetic data speed on this machine's CPU.

Prints:
- page images per second at 640x640 with the seed notebook's settings (font_size 60-120, margin 50,
  rotationZ +-15, rotationX/Y +-0.05), procedural backgrounds and augmentation on, in one process
  and with all cores (target: >= 40 images/s on 2 cores);
- word crops per second of the crop generator (32x128 gray; target: >= 1,500 crops/s on 2 cores);
- the CPU time per item of the one-process runs (what one idle core would do).

Usage: .venv/bin/python benchmarks/synth.py [--images 80] [--crops 4000] [--workers N]
The first run builds the font index and 1,000 backgrounds in the cache (not timed).
"""

from __future__ import annotations

import argparse
import itertools
import os
import string
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ALPHABET = string.digits + string.ascii_letters + "!?. "
CROP_ALPHABET = string.digits + string.ascii_letters + string.punctuation + " "


def page_generator(seed: int, fonts: list[str], backgrounds: list[str]):
    from ocr_core.synth import get_image_generator, get_text_generator

    return get_image_generator(640, 640, {ALPHABET: fonts}, get_text_generator(ALPHABET, seed=seed),
                               font_size=(60, 120), backgrounds=backgrounds, margin=50,
                               rotationX=(-0.05, 0.05), rotationY=(-0.05, 0.05), rotationZ=(-15, 15), seed=seed)


def crop_generator(seed: int, fonts: list[str], backgrounds: list[str]):
    from ocr_core.synth import get_crop_generator

    return get_crop_generator(CROP_ALPHABET, fonts, backgrounds, 32, 128, seed=seed)


def measure(factory, count: int, workers: int) -> tuple[float, float]:
    """(items per second of wall time, CPU seconds per item in this process) after a warm-up."""
    from ocr_core.synth import parallel_generator

    gen = parallel_generator(factory, workers, seed=0, chunk_size=8 if workers else 16)
    try:
        for _ in itertools.islice(gen, max(8, 2 * workers * 8)):  # start-up and caches are not timed
            pass
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in itertools.islice(gen, count):
            pass
        return count / (time.perf_counter() - wall), (time.process_time() - cpu) / count
    finally:
        gen.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=80)
    parser.add_argument("--crops", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    from ocr_core.synth import count_families, get_backgrounds, get_fonts

    t = time.perf_counter()
    fonts = get_fonts(ALPHABET)
    crop_fonts = get_fonts(CROP_ALPHABET)
    backgrounds = get_backgrounds()
    print(f"fonts: {len(fonts)} files, {count_families(fonts)} families; backgrounds: {len(backgrounds)} "
          f"(set-up {time.perf_counter() - t:.1f} s)")
    pages = partial(page_generator, fonts=fonts, backgrounds=backgrounds)
    crops = partial(crop_generator, fonts=crop_fonts, backgrounds=backgrounds)
    for name, factory, count in (("images 640x640", pages, args.images), ("crops 32x128", crops, args.crops)):
        rate1, cpu1 = measure(factory, count, 0)
        rate_n, _ = measure(factory, count * max(1, args.workers) // 2, args.workers)
        print(f"{name}: {rate1:8.1f}/s in 1 process ({1 / cpu1:8.1f}/s per CPU-second), "
              f"{rate_n:8.1f}/s with {args.workers} workers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
