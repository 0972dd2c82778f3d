"""Backgrounds for synthetic pages: the user's photo folders plus procedural images in the cache.

The procedural set (gradients, noise, paper, fabric, wood, bricks, shapes, blurred and tiled
patches, photo-like street scenes) is generated on first use, deterministically from a seed, as
small JPEGs (640x640 by default, a few milliseconds each).

>>> image = make_background(np.random.default_rng(0), 64, 96)
>>> image.shape, image.dtype
((64, 96, 3), dtype('uint8'))
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import cv2
import numpy as np

from ocr_core.atomic import atomic_write_text
from ocr_core.errors import DataGenerationError
from ocr_core.paths import user_cache_dir
from ocr_core.synth.augment import add_noise, seeded_randn

__all__ = ["IMAGE_SUFFIXES", "KINDS", "make_background", "generate_backgrounds", "find_images", "get_backgrounds"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
_VERSION = 3


def _color(rng: np.random.Generator, sat: float = 60.0) -> np.ndarray:
    gray = rng.uniform(0, 255)
    return np.clip(gray + rng.normal(0, sat, 3), 0, 255).astype(np.float32)


def _value_noise(rng: np.random.Generator, h: int, w: int, octaves: int = 4, base: int = 4) -> np.ndarray:
    """Smooth multi-octave noise in [0, 1], ``h`` x ``w`` float32."""
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        cells = base * (2 ** o)
        grid = rng.random((cells + 1, cells + 1), dtype=np.float32)
        out += amp * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.5
    out /= total
    lo, hi = float(out.min()), float(out.max())
    return (out - lo) / max(hi - lo, 1e-6)


def _mix(t: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[None, None, :] + (b - a)[None, None, :] * t[..., None]


def _gradient(rng, h, w):
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    if rng.random() < 0.6:
        angle = rng.uniform(0, 2 * np.pi)
        t = xs * np.cos(angle) + ys * np.sin(angle)
    else:
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        t = np.sqrt((xs - cx) ** 2 + (ys - cy) ** 2)
    t = (t - t.min()) / max(float(np.ptp(t)), 1e-6)
    return _mix(t, _color(rng), _color(rng))


def _noise(rng, h, w):
    t = _value_noise(rng, h, w, octaves=int(rng.integers(2, 6)), base=int(rng.integers(2, 8)))
    return _mix(t, _color(rng), _color(rng))


def _paper(rng, h, w):
    base = np.clip(rng.uniform(170, 250) + rng.normal(0, 12, 3), 0, 255).astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    img[:] = base
    img += (_value_noise(rng, h, w, 3, 3)[..., None] - 0.5) * rng.uniform(10, 40)
    img += seeded_randn((h, w), rng, rng.uniform(2, 8))[..., None]
    for _ in range(int(rng.integers(0, 4))):  # stains
        stain = np.zeros((h, w), np.float32)
        cv2.circle(stain, (int(rng.integers(w)), int(rng.integers(h))), int(rng.integers(2, max(3, h // 3))), 1.0, -1)
        stain = cv2.GaussianBlur(stain, (0, 0), rng.uniform(0.01, 0.05) * max(h, w))
        img -= stain[..., None] * rng.uniform(10, 40) * np.array([0.6, 0.8, 1.0], np.float32)
    if rng.random() < 0.3:  # faint ruled lines
        step = int(rng.integers(20, 60))
        color = np.clip(base - rng.uniform(20, 60), 0, 255)
        for y in range(int(rng.integers(0, step)), h, step):
            cv2.line(img, (0, y), (w, y), tuple(float(c) for c in color), 1)
    return img


def _fabric(rng, h, w):
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    f1, f2 = rng.uniform(0.3, 1.2), rng.uniform(0.3, 1.2)
    weave = np.sin(xs * f1) * np.sin(ys * f2)
    t = 0.5 + 0.25 * weave + 0.5 * (_value_noise(rng, h, w, 3, 6) - 0.5)
    return _mix(np.clip(t, 0, 1), _color(rng, 80), _color(rng, 80))


def _wood(rng, h, w):
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    warp = _value_noise(rng, h, w, 3, 2) * rng.uniform(20, 80)
    rings = 0.5 + 0.5 * np.sin((xs + warp) * rng.uniform(0.05, 0.2) + ys * rng.uniform(0, 0.02))
    dark = np.array([rng.uniform(60, 120), rng.uniform(35, 70), rng.uniform(10, 40)], np.float32)
    light = np.clip(dark + rng.uniform(40, 110), 0, 255)
    img = _mix(rings.astype(np.float32), dark, light)
    return img if rng.random() < 0.5 else np.ascontiguousarray(img.transpose(1, 0, 2)[:h, :w])


def _bricks(rng, h, w):
    mortar = _color(rng, 20)
    img = np.empty((h, w, 3), np.float32)
    img[:] = mortar
    bh, bw = int(rng.integers(20, 60)), int(rng.integers(50, 140))
    base = _color(rng, 60)
    for row, y in enumerate(range(0, h, bh)):
        off = (bw // 2) * (row % 2)
        for x in range(-off, w, bw):
            c = np.clip(base + rng.normal(0, 15, 3), 0, 255)
            cv2.rectangle(img, (x + 2, y + 2), (x + bw - 2, y + bh - 2), tuple(float(v) for v in c), -1)
    img += (_value_noise(rng, h, w, 4, 8)[..., None] - 0.5) * 30
    return img


def _shapes(rng, h, w):
    img = _gradient(rng, h, w).copy()
    for _ in range(int(rng.integers(3, 15))):
        color = tuple(float(c) for c in _color(rng, 70))
        kind = rng.integers(3)
        if kind == 0:
            p0 = (int(rng.integers(-w // 4, w)), int(rng.integers(-h // 4, h)))
            p1 = (p0[0] + int(rng.integers(2, max(3, w))), p0[1] + int(rng.integers(2, max(3, h))))
            cv2.rectangle(img, p0, p1, color, -1)
        elif kind == 1:
            cv2.circle(img, (int(rng.integers(w)), int(rng.integers(h))), int(rng.integers(2, max(3, max(h, w) // 3))), color, -1)
        else:
            pts = np.stack([rng.integers(0, w, 5), rng.integers(0, h, 5)], axis=1).astype(np.int32)
            cv2.fillPoly(img, [pts], color)
    return img


def _blurred(rng, h, w):
    img = _shapes(rng, h, w)
    return cv2.GaussianBlur(img, (0, 0), rng.uniform(0.012, 0.06) * max(h, w))


def _tiled(rng, h, w):
    th, tw = int(rng.integers(16, 96)), int(rng.integers(16, 96))
    tile = make_background(rng, th, tw, kind=str(rng.choice(["noise", "shapes", "fabric", "gradient"]))).astype(np.float32)
    reps = (h // th + 1, w // tw + 1, 1)
    img = np.tile(tile, reps)[:h, :w]
    if rng.random() < 0.5:  # grout lines
        g = tuple(float(c) for c in _color(rng, 20))
        for y in range(0, h, th):
            cv2.line(img, (0, y), (w, y), g, 1)
        for x in range(0, w, tw):
            cv2.line(img, (x, 0), (x, h), g, 1)
    return img


def _scene(rng, h, w):
    """A photo-like street: sky, horizon, buildings with windows, ground, soft lights, blur."""
    horizon = int(h * rng.uniform(0.35, 0.75))
    sky = _mix(np.linspace(0, 1, horizon, dtype=np.float32)[:, None].repeat(w, 1),
               np.array([rng.uniform(60, 160), rng.uniform(120, 200), rng.uniform(180, 255)], np.float32),
               np.array([rng.uniform(180, 255)] * 3, np.float32))
    ground = _noise(rng, h - horizon, w) * 0.6 + 40
    img = np.concatenate([sky, ground], axis=0).astype(np.float32)
    x = int(rng.integers(-40, 0))
    while x < w:
        bw, bh = int(rng.integers(40, 200)), int(rng.integers(horizon // 4, horizon))
        color = _color(rng, 40)
        cv2.rectangle(img, (x, horizon - bh), (x + bw, horizon), tuple(float(c) for c in color), -1)
        wc = tuple(float(c) for c in np.clip(color + rng.uniform(-80, 80), 0, 255))
        step_x, step_y = int(rng.integers(12, 30)), int(rng.integers(14, 34))
        for wy in range(horizon - bh + 8, horizon - 10, step_y):
            for wx in range(x + 6, x + bw - 10, step_x):
                cv2.rectangle(img, (wx, wy), (wx + step_x // 2, wy + step_y // 2), wc, -1)
        x += bw + int(rng.integers(0, 30))
    for _ in range(int(rng.integers(0, 12))):  # out-of-focus lights
        c = tuple(float(v) for v in np.clip(_color(rng, 80) + 80, 0, 255))
        cv2.circle(img, (int(rng.integers(w)), int(rng.integers(h))), int(rng.integers(4, 30)), c, -1)
    return cv2.GaussianBlur(img, (0, 0), rng.uniform(0.5, 4))


def _clutter(rng, h, w):
    """Hard negatives for the detector: long edges and repeated structures that look a bit like text from
    afar (railings and posts, fences, poles, stripes, window frames, cables, foliage speckle)."""
    img = (_scene if rng.random() < 0.5 else _gradient)(rng, h, w).astype(np.float32).copy()
    diag = float(np.hypot(h, w))
    for _ in range(int(rng.integers(2, 6))):
        color = tuple(float(c) for c in _color(rng, 50))
        kind = int(rng.integers(6))
        angle = rng.uniform(-0.35, 0.35) + (np.pi / 2 if rng.random() < 0.3 else 0.0)
        d = np.array([np.cos(angle), np.sin(angle)])
        n = np.array([-d[1], d[0]])
        c0 = np.array([rng.uniform(0, w), rng.uniform(0, h)])
        if kind == 0:  # railing: parallel rails and regularly spaced posts
            gap, count = rng.uniform(6, 40), int(rng.integers(2, 5))
            for i in range(count):
                a, b = c0 + n * gap * i - d * diag, c0 + n * gap * i + d * diag
                cv2.line(img, tuple(int(v) for v in a), tuple(int(v) for v in b), color, int(rng.integers(1, 7)))
            step = rng.uniform(8, 60)
            for k in range(-int(diag / step), int(diag / step)):
                p = c0 + d * step * k
                q = p + n * gap * (count - 1)
                cv2.line(img, tuple(int(v) for v in p), tuple(int(v) for v in q), color, int(rng.integers(1, 4)))
        elif kind == 1:  # fence or grid
            step = rng.uniform(5, 30)
            for k in range(-int(diag / step), int(diag / step)):
                for axis, other in ((d, n), (n, d)):
                    p = c0 + other * step * k
                    cv2.line(img, tuple(int(v) for v in p - axis * diag), tuple(int(v) for v in p + axis * diag),
                             color, 1)
        elif kind == 2:  # stripes / bars of varying widths (barcode-like, crossings, blinds)
            x = -diag / 2
            while x < diag / 2:
                width_ = rng.uniform(1, 14)
                if rng.random() < 0.6:
                    p = c0 + d * x
                    span = n * rng.uniform(10, 120)
                    pts = np.array([p - span, p + d * width_ - span, p + d * width_ + span, p + span], np.int32)
                    cv2.fillPoly(img, [pts], color)
                x += width_ + rng.uniform(1, 16)
        elif kind == 3:  # window frames and panels
            for _ in range(int(rng.integers(2, 8))):
                x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
                cv2.rectangle(img, (x0, y0), (x0 + int(rng.integers(10, 120)), y0 + int(rng.integers(10, 120))),
                              color, int(rng.integers(1, 5)))
        elif kind == 4:  # cables: smooth thin curves
            pts = np.cumsum(rng.normal(0, 1, (12, 2)) * [w / 8, h / 16], axis=0) + c0
            cv2.polylines(img, [pts.astype(np.int32)], False, color, int(rng.integers(1, 3)), cv2.LINE_AA)
        else:  # foliage: clusters of small blobs
            centre = c0
            for _ in range(int(rng.integers(40, 200))):
                p = centre + rng.normal(0, rng.uniform(10, 60), 2)
                cv2.circle(img, (int(p[0]), int(p[1])), int(rng.integers(1, 5)), color, -1)
    return cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.5))


_MAKERS: dict[str, Callable[[np.random.Generator, int, int], np.ndarray]] = {
    "gradient": _gradient, "noise": _noise, "paper": _paper, "fabric": _fabric, "wood": _wood,
    "bricks": _bricks, "shapes": _shapes, "blurred": _blurred, "tiled": _tiled, "scene": _scene,
    "clutter": _clutter,
}
#: Kinds drawn at a reduced resolution and upsampled (smooth ones at 1/4, detailed ones at 1/2).
_SCALE = {"gradient": 4, "noise": 4, "paper": 2, "fabric": 2, "wood": 2, "bricks": 2, "shapes": 2,
          "blurred": 4, "tiled": 1, "scene": 2, "clutter": 1}
#: Procedural background kinds and their relative frequency.
KINDS: dict[str, float] = {"gradient": 1, "noise": 1.2, "paper": 1.5, "fabric": 0.8, "wood": 0.6,
                           "bricks": 0.5, "shapes": 1.5, "blurred": 1, "tiled": 0.8, "scene": 1.2,
                           "clutter": 2.0}


def make_background(rng: np.random.Generator, height: int = 640, width: int = 640,
                    kind: str | None = None) -> np.ndarray:
    """One procedural RGB uint8 background of the given ``kind`` (random by :data:`KINDS` if None)."""
    if kind is None:
        names = list(KINDS)
        p = np.array([KINDS[k] for k in names], float)
        kind = names[int(rng.choice(len(names), p=p / p.sum()))]
    if kind not in _MAKERS:
        raise DataGenerationError(f"unknown background kind {kind!r}; choose from {', '.join(_MAKERS)}")
    scale = _SCALE[kind] if min(height, width) >= 64 * _SCALE[kind] else 1
    img = _MAKERS[kind](rng, max(1, height // scale), max(1, width // scale))
    img = np.clip(img, 0, 255).astype(np.uint8)
    if scale > 1:
        img = cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.4:  # fine grain keeps flat areas from being perfectly flat
        img = add_noise(img, rng, rng.uniform(1, 6), color=rng.random() < 0.5)
    return img


def _write_one(args: tuple[str, int, int, int, int]) -> str:
    path, seed, index, height, width = args
    rng = np.random.default_rng(np.random.SeedSequence([seed, index]))
    img = make_background(rng, height, width)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88])
    if not ok:
        raise DataGenerationError(f"cannot encode background {path}")
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(buf.tobytes())
    os.replace(tmp, path)
    return path


def generate_backgrounds(out_dir: str | os.PathLike[str], count: int = 1000, seed: int = 0,
                         size: int | tuple[int, int] = 640, workers: int | None = None) -> list[str]:
    """Write ``count`` procedural JPEG backgrounds into ``out_dir`` (missing ones only); same seed,
    same images. Returns their paths in order."""
    height, width = (size, size) if isinstance(size, int) else size
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [str(folder / f"bg-{i:05d}.jpg") for i in range(count)]
    todo = [(p, seed, i, height, width) for i, p in enumerate(paths) if not os.path.exists(p)]
    workers = min(os.cpu_count() or 1, 4) if workers is None else workers
    if workers > 1 and len(todo) > 64:
        import multiprocessing

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with multiprocessing.get_context(method).Pool(workers) as pool:
            pool.map(_write_one, todo, chunksize=16)
    else:
        for item in todo:
            _write_one(item)
    return paths


def find_images(folders: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Image files under ``folders`` (recursive, sorted); a missing or image-less folder is an error."""
    found: list[str] = []
    for folder in folders:
        root = Path(folder)
        if root.is_file():
            found.append(str(root))
            continue
        if not root.is_dir():
            raise DataGenerationError(f"background folder {folder} does not exist")
        files = sorted(str(p) for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        if not files:
            raise DataGenerationError(f"background folder {folder} holds no images ({', '.join(IMAGE_SUFFIXES)})")
        found.extend(files)
    return found


def get_backgrounds(cache_dir: str | os.PathLike[str] | None = None, *,
                    photo_dirs: Iterable[str | os.PathLike[str]] | None = None, count: int = 1000,
                    seed: int = 0, size: int = 640, procedural: bool = True) -> list[str]:
    """Background image paths: the user's ``photo_dirs`` plus ``count`` procedural images cached in
    ``<cache_dir>/backgrounds/`` (generated on first use). Seed API: ``get_backgrounds(cache_dir)``.

    >>> paths = get_backgrounds("/tmp/cache", count=20)  # doctest: +SKIP
    """
    paths = find_images(photo_dirs or [])
    if procedural and count > 0:
        cache = Path(cache_dir) if cache_dir is not None else user_cache_dir()
        folder = cache / "backgrounds" / f"procedural-v{_VERSION}-s{seed}-{size}"
        manifest = folder / "manifest.json"
        done = 0
        if manifest.is_file():
            try:
                done = int(json.loads(manifest.read_text("utf-8")).get("count", 0))
            except (OSError, ValueError):
                done = 0
        if done >= count:
            generated = [str(folder / f"bg-{i:05d}.jpg") for i in range(count)]
        else:
            generated = generate_backgrounds(folder, count, seed, size)
            atomic_write_text(manifest, json.dumps({"version": _VERSION, "seed": seed, "size": size, "count": count}))
        paths.extend(generated)
    if not paths:
        raise DataGenerationError("no backgrounds: give photo folders or allow procedural backgrounds")
    return paths
