"""Render the bundled sample image (resources/samples/sample.png) deterministically.

The sample is made here, from DejaVu fonts (free licence), so the repository ships no third-party photo.
Run: .venv/bin/python packaging/make_sample_image.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
OUT = Path(__file__).resolve().parent.parent / "resources" / "samples" / "sample.png"


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), size)


def main() -> None:
    w, h = 1280, 720
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([200 + 30 * xx / w, 215 + 20 * yy / h, 225 - 25 * xx / w], axis=2)
    base += rng.normal(0, 3, base.shape)
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    # a shop sign
    d.rounded_rectangle((60, 50, 760, 190), radius=18, fill=(32, 60, 110))
    d.text((95, 68), "OPEN DAILY", font=font("DejaVuSans-Bold.ttf", 84), fill=(250, 240, 200))
    # a notice with two lines
    d.rectangle((820, 60, 1220, 300), fill=(250, 250, 245), outline=(60, 60, 60), width=3)
    d.text((850, 85), "Fresh bread", font=font("DejaVuSerif-Bold.ttf", 44), fill=(150, 30, 30))
    d.text((850, 150), "Coffee 2.50", font=font("DejaVuSerif.ttf", 44), fill=(20, 20, 20))
    d.text((850, 215), "Tea 1.80", font=font("DejaVuSerif.ttf", 44), fill=(20, 20, 20))
    # a tilted label
    label = Image.new("RGBA", (520, 120), (0, 0, 0, 0))
    ld = ImageDraw.Draw(label)
    ld.rectangle((0, 0, 519, 119), fill=(250, 200, 60, 255))
    ld.text((28, 18), "Welcome", font=font("DejaVuSans-Bold.ttf", 72), fill=(30, 30, 30, 255))
    label = label.rotate(8, expand=True, resample=Image.BICUBIC)
    img.paste(label, (90, 300), label)
    # a street-name style plate
    d.rounded_rectangle((700, 420, 1210, 540), radius=10, fill=(20, 110, 60), outline=(240, 240, 240), width=6)
    d.text((735, 440), "Market Street", font=font("DejaVuSans.ttf", 62), fill=(255, 255, 255))
    # small print
    d.text((90, 560), "Since 1987 - Call 555 0142", font=font("DejaVuSansMono.ttf", 38), fill=(40, 40, 60))
    d.text((90, 625), "www.example.org", font=font("DejaVuSans-Oblique.ttf", 40), fill=(70, 40, 90))
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    img.save(OUT, optimize=True)
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
