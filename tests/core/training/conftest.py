"""Tiny in-code stand-ins for synthetic data (OpenCV Hershey text), tiny models, tiny folders."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

ALPHABET = "abcdefghij"
TINY_CRNN = {"filters": (4, 8, 8, 8, 8, 8), "rnn_units": (8, 8), "height": 32, "width": 64}
TINY_CRAFT = {"backbone_filters": (4, 4, 8, 8, 8), "slice5_filters": 8, "upconv_filters": (8, 8, 8, 8),
              "head_filters": (4, 4, 4, 4)}


def draw_word(text: str, height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A gray crop with ``text`` in a Hershey font (left-aligned, like resize_and_pad)."""
    img = np.full((height, width, 1), int(rng.integers(0, 60)), np.uint8)
    scale = height / 40
    cv2.putText(img, text, (1, int(height * 0.75)), cv2.FONT_HERSHEY_SIMPLEX, scale,
                int(rng.integers(180, 256)), 1, cv2.LINE_AA)
    return img


def fake_crop_generator(alphabet: str, fonts=None, backgrounds=None, height: int = 32, width: int = 128,
                        seed: int | None = None, **_: object):
    rng = np.random.default_rng(seed)
    while True:
        n = int(rng.integers(1, 5))
        text = "".join(rng.choice(list(alphabet), n))
        yield draw_word(text, height, width, rng), text


def fake_page(size: int, rng: np.random.Generator, alphabet: str = ALPHABET, width: int | None = None):
    """A page with 1-3 words drawn char by char; returns (image, lines of (quad, char))."""
    width = width or size
    img = np.full((size, width, 3), int(rng.integers(0, 80)), np.uint8)
    lines = []
    for row in range(int(rng.integers(1, 4))):
        scale = float(rng.uniform(0.5, 0.9))
        x = int(rng.integers(2, size // 4))
        y = 20 + row * size // 3 + int(rng.integers(0, 8))
        line = []
        for ch in "".join(rng.choice(list(alphabet), int(rng.integers(2, 5)))):
            (w, h), base = cv2.getTextSize(ch, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
            if x + w >= width:
                break
            cv2.putText(img, ch, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 2)
            line.append((np.array([[x, y - h], [x + w, y - h], [x + w, y + base], [x, y + base]], np.float32), ch))
            x += w + 1
        if line:
            lines.append(line)
    return img, lines


def fake_image_generator(height: int, width: int, seed: int | None = None, **_: object):
    rng = np.random.default_rng(seed)
    while True:
        yield fake_page(height, rng, width=width)


@pytest.fixture
def fake_synth(monkeypatch):
    """Replace ocr_core.synth's generators with the stand-ins above."""
    import ocr_core.synth as synth

    monkeypatch.setattr(synth, "get_fonts", lambda alphabet, cache_dir=None, **k: ["fake.ttf"], raising=False)
    monkeypatch.setattr(synth, "get_training_fonts", lambda alphabet, cache_dir=None, **k: ["fake.ttf"], raising=False)
    monkeypatch.setattr(synth, "get_font_groups", lambda alphabet, cache_dir=None, **k: {alphabet: ["fake.ttf"]},
                        raising=False)
    monkeypatch.setattr(synth, "get_backgrounds", lambda cache_dir=None, **k: [], raising=False)
    monkeypatch.setattr(synth, "get_text_generator", lambda alphabet, seed=None, **k: iter(()), raising=False)
    monkeypatch.setattr(synth, "get_crop_generator", fake_crop_generator, raising=False)
    monkeypatch.setattr(synth, "get_image_generator", fake_image_generator, raising=False)
    return synth


def write_icdar_folder(folder: Path, n: int = 3, size: int = 96, seed: int = 0) -> Path:
    """Pages drawn with fake_page saved as ICDAR 2015 (one word per line of characters, plus a ###)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        img, lines = fake_page(size, rng)
        Image.fromarray(img).save(folder / f"img_{i}.png")
        rows = []
        for line in lines:
            quads = np.stack([q for q, _ in line])
            x0, y0 = quads[:, :, 0].min(), quads[:, :, 1].min()
            x1, y1 = quads[:, :, 0].max(), quads[:, :, 1].max()
            text = "".join(c for _, c in line)
            rows.append(f"{x0:.0f},{y0:.0f},{x1:.0f},{y0:.0f},{x1:.0f},{y1:.0f},{x0:.0f},{y1:.0f},{text}")
        rows.append("0,0,6,0,6,6,0,6,###")
        (folder / f"gt_img_{i}.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder
