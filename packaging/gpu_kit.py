"""Pack what a bare GPU machine needs to train the default models: fonts, word lists and the Keras wheels.

The lent GPU machines (README "Training with JAX or PyTorch") have JAX and PyTorch but no Keras, few fonts and
no word lists, and a call may carry at most 64 MiB with the repository. This script fills ``.gpukit/`` (ignored by
git) with:

- ``cache/fonts/``: a spread of this machine's training fonts under a byte budget (one style per family, round
  after round, smallest files first, so the budget buys as many typefaces as it can); with
  ``OCR_STUDIO_CACHE_DIR=.gpukit/cache`` the synthetic data finds them;
- ``dict/``: the word lists (Debian's ``wamerican`` whole, the foreign ones cut to the even sample the text
  sampler keeps anyway), which ``packaging/gpu_train.sh`` copies to ``/usr/share/dict`` there;
- ``whl/``: Keras and what it needs that the GPU image lacks, for Python 3.12 (``--no-wheels`` to skip).

Then, with the device tool: ``run(command="bash packaging/gpu_train.sh 540 recognizer runs/crnn_gpu",
carry=[".gpukit"])``, repeated while the machine is warm (its files stay between calls), and a last call copies
the bundled model to ``$OUT``.

    .venv/bin/python packaging/gpu_kit.py                 # about 36 MB: 30 MB of fonts, word lists, wheels
    .venv/bin/python packaging/gpu_kit.py --font-mb 20 --no-wheels
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: Packages the GPU image lacks for Keras 3 (it has numpy, h5py, opencv, pillow, fonttools, absl-py, rich, ...).
WHEELS = ("keras", "namex", "optree")
#: Font files larger than this (big CJK or symbol collections) are left out.
MAX_FONT_BYTES = 1_500_000


def pick_fonts(fonts: list[str], budget: int, seed: int = 0) -> list[str]:
    """One file per family per round (smallest first within a family), families in a shuffled order, until the
    next file would pass ``budget`` bytes: as many typefaces as the budget buys, then more of their styles."""
    from ocr_core.synth.fonts import font_family

    families: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for path in fonts:
        size = os.path.getsize(path)
        if size <= MAX_FONT_BYTES:
            families[font_family(path).lower()].append((size, path))
    order = sorted(families)
    random.Random(seed).shuffle(order)
    for name in order:
        families[name].sort()
    chosen: list[str] = []
    used = 0
    while any(families[name] for name in order):
        for name in order:
            if not families[name]:
                continue
            size, path = families[name][0]
            if used + size > budget:
                families[name].clear()  # this family's next style no longer fits; others may
                continue
            families[name].pop(0)
            chosen.append(path)
            used += size
    return chosen


def copy_word_lists(out: Path) -> list[Path]:
    from ocr_core.synth.text import FOREIGN_WORD_LISTS, FOREIGN_WORDS_PER_LIST, SYSTEM_WORDS

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for source in (SYSTEM_WORDS, *FOREIGN_WORD_LISTS):
        if not source.is_file():
            continue
        target = out / source.name
        if source == SYSTEM_WORDS:
            shutil.copyfile(source.resolve(), target)
        else:
            words = source.read_text(encoding="utf-8", errors="replace").splitlines()
            step = max(1, len(words) // FOREIGN_WORDS_PER_LIST)
            target.write_text("\n".join(words[::step]) + "\n", encoding="utf-8")
        written.append(target)
    return written


def download_wheels(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)  # one version of each: two stop the install there
    out.mkdir(parents=True)
    platforms = [f"--platform={p}" for p in ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")]
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                    "--python-version", "3.12", "--implementation", "cp", *platforms, "-d", str(out), *WHEELS],
                   check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(".gpukit"))
    parser.add_argument("--font-mb", type=float, default=30.0, help="byte budget of the fonts, in MB (default 30)")
    parser.add_argument("--no-wheels", action="store_true", help="do not download the Keras wheels")
    args = parser.parse_args(argv)

    from ocr_core.alphabet import LATIN_ALPHABET
    from ocr_core.synth.fonts import count_families, get_training_fonts

    fonts = get_training_fonts(LATIN_ALPHABET)
    chosen = pick_fonts(fonts, int(args.font_mb * 1e6))
    font_dir = args.out / "cache" / "fonts"
    if font_dir.exists():
        shutil.rmtree(font_dir)
    font_dir.mkdir(parents=True)
    for n, path in enumerate(chosen):
        shutil.copyfile(path, font_dir / f"{n:04d}_{Path(path).name}")  # two packages may ship one file name
    lists = copy_word_lists(args.out / "dict")
    if not args.no_wheels:
        download_wheels(args.out / "whl")
    total = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"{args.out}: {len(chosen)} fonts of {count_families(chosen)} families (of {len(fonts)} fonts, "
          f"{count_families(fonts)} families), {len(lists)} word lists, {total / 1e6:.1f} MB in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
