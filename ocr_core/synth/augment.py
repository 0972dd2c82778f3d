"""Augmentation for synthetic crops and pages, in numpy/OpenCV, driven by a ``numpy`` Generator.

Photometric changes (blur, noise, JPEG, lighting, shadows, low resolution) never move pixels;
geometric changes return the transformed character quads with the image, so boxes stay right.

>>> rng = np.random.default_rng(0)
>>> image = np.full((64, 64, 3), 200, np.uint8)
>>> photometric_augment(image, rng).shape
(64, 64, 3)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

__all__ = [
    "plain_background",
    "random_patch",
    "contrasting_color",
    "low_contrast_share",
    "legible_color",
    "draw_rules",
    "glow",
    "relief",
    "bend",
    "arc",
    "crop_geometry",
    "crop_photometric",
    "photometric_augment",
    "geometric_augment",
    "transform_lines",
    "luminance",
    "seeded_randn",
    "add_noise",
]

Lines = list[list[tuple[np.ndarray, str]]]


def seeded_randn(shape: tuple[int, ...], rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Gaussian noise (float32) from OpenCV's fast generator, seeded from ``rng`` (reproducible)."""
    out = np.empty((int(np.prod(shape)), 1), np.float32)  # one channel: randn fills channel 0 only
    cv2.setRNGSeed(int(rng.integers(2**31)))
    cv2.randn(out, np.zeros(1), np.full(1, float(sigma)))
    return out.reshape(shape)


def add_noise(image: np.ndarray, rng: np.random.Generator, sigma: float, color: bool = False) -> np.ndarray:
    """``image`` (uint8) plus Gaussian noise, saturated; the same noise on every channel unless ``color``."""
    if image.ndim == 2 or color:
        noise = seeded_randn(image.shape, rng, sigma)
    else:
        plane = seeded_randn(image.shape[:2], rng, sigma)
        noise = cv2.merge([plane] * image.shape[2])
    return cv2.add(image, np.rint(noise).astype(np.int16), dtype=cv2.CV_8U)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of RGB values (any shape ending in 3)."""
    rgb = np.asarray(rgb, np.float32)
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def plain_background(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A flat colour, a gradient or a soft noise texture, ``h`` x ``w`` x 3 uint8."""
    base = _random_color(rng)
    r = rng.random()
    out: np.ndarray
    if r < 0.45:
        out = np.empty((h, w, 3), np.float32)
        out[:] = base
    elif r < 0.75:
        other = np.clip(base + rng.normal(0, 30, 3), 0, 255)
        horizontal = rng.random() < 0.6
        t = np.linspace(0, 1, w if horizontal else h, dtype=np.float32)
        ramp = (base[None, :] + (other - base)[None, :] * t[:, None]).astype(np.float32)
        out = np.broadcast_to(ramp[None, :, :] if horizontal else ramp[:, None, :], (h, w, 3)).astype(np.float32)
    else:
        small = rng.normal(0, rng.uniform(5, 30), (max(2, h // 6), max(2, w // 6), 1)).astype(np.float32)
        out = base[None, None, :] + cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def _random_color(rng: np.random.Generator) -> np.ndarray:
    gray = rng.uniform(0, 255)
    chroma = rng.uniform(0, 70) if rng.random() < 0.6 else rng.uniform(0, 15)
    return np.clip(gray + rng.normal(0, 1, 3) * chroma, 0, 255).astype(np.float32)


def random_patch(image: np.ndarray, h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A random region of ``image`` (random scale, possibly flipped) resized to ``h`` x ``w``."""
    ih, iw = image.shape[:2]
    scale = rng.uniform(0.5, 3.0)
    ph, pw = max(2, min(ih, int(h * scale))), max(2, min(iw, int(w * scale)))
    if pw / ph > w / h * 1.5:
        pw = max(2, min(iw, int(ph * w / h)))
    y = int(rng.integers(0, ih - ph + 1))
    x = int(rng.integers(0, iw - pw + 1))
    patch = image[y: y + ph, x: x + pw]
    if rng.random() < 0.5:
        patch = patch[:, ::-1]
    interp = cv2.INTER_AREA if ph > h else cv2.INTER_LINEAR
    return cv2.resize(np.ascontiguousarray(patch), (w, h), interpolation=interp)


def contrasting_color(background: np.ndarray, rng: np.random.Generator, low_contrast: bool = False) -> np.ndarray:
    """An RGB float colour readable on ``background`` (light on dark or dark on light)."""
    bg = np.ascontiguousarray(background).reshape(-1, 1, 3)
    mean = cv2.mean(bg if bg.dtype in (np.uint8, np.float32) else bg.astype(np.float32))[:3]
    lum = float(luminance(np.array(mean, np.float32)))
    diff = rng.uniform(35, 60) if low_contrast else rng.uniform(90, 220)
    if lum + diff > 255 or (lum - diff >= 0 and rng.random() < 0.7 and lum > 100):
        target = max(0.0, lum - diff)
    else:
        target = min(255.0, lum + diff)
    if abs(target - lum) < 0.5 * diff:  # could not reach the wanted contrast on one side: use the other
        target = 0.0 if lum > 127 else 255.0
    chroma = rng.uniform(0, 80) if rng.random() < 0.4 else rng.uniform(0, 10)
    color = target + rng.normal(0, 1, 3) * chroma
    color += target - float(luminance(color))  # keep the luminance despite the chroma
    return np.clip(color, 0, 255).astype(np.float32)


def low_contrast_share(under: np.ndarray, color: np.ndarray, threshold: float = 45.0) -> float:
    """Share of the pixels ``under`` the text (``(N, 3)``) whose luminance is within ``threshold`` of
    the text colour's: text there would be hard to read."""
    if under.size == 0:
        return 0.0
    lum = luminance(under.reshape(-1, 3)[:: max(1, under.size // 6000)])
    return float((np.abs(lum - float(luminance(color))) < threshold).mean())


def legible_color(under: np.ndarray, rng: np.random.Generator, low_contrast: bool = False,
                  max_low: float = 0.1) -> tuple[np.ndarray, bool]:
    """A text colour for the pixels ``under`` the text, and whether it is legible on all but
    ``max_low`` of them (else the caller should calm the background). Tries a contrasting colour,
    then black and white."""
    color = contrasting_color(under.reshape(-1, 1, 3), rng, low_contrast)
    if low_contrast or low_contrast_share(under, color) <= max_low:
        return color, True
    candidates = [color, np.zeros(3, np.float32), np.full(3, 255.0, np.float32)]
    shares = [low_contrast_share(under, c) for c in candidates]
    best = int(np.argmin(shares))
    return candidates[best], shares[best] <= max_low


def draw_rules(alpha: np.ndarray, rng: np.random.Generator, baseline: int, thickness: int = 1) -> None:
    """Draw an underline below ``baseline`` or table/box lines at the borders into a text layer."""
    h, w = alpha.shape
    if rng.random() < 0.5:
        y = min(h - 1, baseline + thickness + int(rng.integers(0, thickness + 2)))
        cv2.line(alpha, (0, y), (w - 1, y), 255, thickness)
        return
    for side in range(4):
        if rng.random() < 0.5:
            continue
        t = max(1, thickness)
        if side == 0:
            alpha[:t] = 255
        elif side == 1:
            alpha[-t:] = 255
        elif side == 2:
            alpha[:, :t] = 255
        else:
            alpha[:, -t:] = 255


def glow(canvas: np.ndarray, alpha: np.ndarray, color: np.ndarray, rng: np.random.Generator,
         size: int) -> tuple[np.ndarray, np.ndarray]:
    """A backlit or neon sign: a blurred halo of ``color`` around the text ``alpha`` (0..1) on ``canvas``
    (float RGB), and a text colour washed towards white, as lit letters look in photos.
    Returns ``(canvas, text colour)``; the caller draws the text in that colour over the halo."""
    k = max(1, size // 12)
    halo = cv2.dilate(alpha, np.ones((2 * k + 1, 2 * k + 1), np.uint8))
    halo = cv2.GaussianBlur(halo, (0, 0), k * rng.uniform(1.0, 2.5)) * rng.uniform(0.5, 0.9)
    canvas = canvas + (color[None, None, :] - canvas) * halo[..., None]
    core = color + (255.0 - color) * rng.uniform(0.3, 0.9)
    return canvas, core.astype(np.float32)


def relief(canvas: np.ndarray, alpha: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    """Raised or carved letters (stone, metal, moulded plastic): the text shows mostly by the light
    and shadow along its edges, lit from a random side. ``canvas`` is float RGB, ``alpha`` 0..1."""
    soft = cv2.GaussianBlur(alpha, (0, 0), max(0.8, size / 18))
    gx = cv2.Sobel(soft, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(soft, cv2.CV_32F, 0, 1, ksize=3)
    angle = rng.uniform(0, 2 * np.pi)
    shade = -(gx * np.cos(angle) + gy * np.sin(angle))
    peak = float(np.abs(shade).max())
    if peak <= 1e-6:
        return canvas
    shade *= rng.uniform(70, 140) / peak
    if rng.random() < 0.5:  # carved rather than raised
        shade = -shade
    return canvas + shade[..., None]


def _fit_homography(matrix: np.ndarray, w: int, h: int) -> np.ndarray:
    """Shrink about the centre so that the image corners map inside the ``w`` x ``h`` frame."""
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32).reshape(-1, 1, 2)
    moved = cv2.perspectiveTransform(corners, matrix).reshape(-1, 2)
    lo, hi = moved.min(axis=0), moved.max(axis=0)
    scale = min(1.0, w / max(hi[0] - lo[0], 1e-6), h / max(hi[1] - lo[1], 1e-6))
    centre = (lo + hi) / 2
    fit = np.array([[scale, 0, w / 2 - scale * centre[0]], [0, scale, h / 2 - scale * centre[1]], [0, 0, 1]])
    return fit @ matrix


def bend(image: np.ndarray, rng: np.random.Generator, depth: float) -> np.ndarray:
    """Bend a crop's baseline along an arc (signs, stamps, labels on bottles) ``depth`` x its height deep.

    Each column moves up or down along a parabola (or a gentler half sine); the image is padded first by
    replicating its top and bottom rows, so no ink leaves the frame. The result is taller than the input.
    """
    h, w = image.shape[:2]
    amp = max(0.0, float(depth)) * h
    if amp < 0.5 or w < 2:
        return image
    pad = int(np.ceil(amp / 2)) + 1
    image = cv2.copyMakeBorder(image, pad, pad, 0, 0, cv2.BORDER_REPLICATE)
    t = np.linspace(-1.0, 1.0, w, dtype=np.float32)
    shape = t * t if rng.random() < 0.7 else 1.0 - np.cos(t * np.float32(np.pi / 2))
    sign = 1.0 if rng.random() < 0.5 else -1.0
    dy = (sign * amp * (shape - 0.5)).astype(np.float32)
    hh = h + 2 * pad
    map_x = np.broadcast_to(np.arange(w, dtype=np.float32)[None, :], (hh, w))
    map_y = np.arange(hh, dtype=np.float32)[:, None] + dy[None, :]
    return cv2.remap(image, np.ascontiguousarray(map_x), np.ascontiguousarray(map_y), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def arc(image: np.ndarray, rng: np.random.Generator, span: float, border_value: float | None = None) -> np.ndarray:
    """Set a crop's text on a circle (badges, seals, logos), ``span`` radians of it.

    Unlike :func:`bend`, which moves columns up and down, the letters turn with the circle: the crop's
    rows become concentric arcs, its columns rays. The arc bulges up (text on the top of the circle, letters
    pointing out) or sags (the bottom of the circle, letters pointing in), with the arc length of the middle
    row kept. The result is the sector's bounding box; pixels outside the sector repeat the crop's edges, or
    are ``border_value`` (for a text layer: 0, no ink).
    """
    h, w = image.shape[:2]
    span = float(np.clip(span, 0.0, 1.8 * np.pi))
    if span < 0.05 or w < 2 or h < 2:
        return image
    radius = w / span  # of the middle row
    if radius < h:  # a circle smaller than the text is height: letters would fold over the centre
        radius = float(h)
        span = w / radius
    inner, outer = radius - h / 2, radius + h / 2
    up = rng.random() < 0.6
    half = span / 2
    phis = np.linspace(-half, half, 64)
    xs = np.concatenate([r * np.sin(phis) for r in (inner, outer)])
    ys = np.concatenate([r * np.cos(phis) for r in (inner, outer)])
    x_lo, x_hi = float(xs.min()), float(xs.max())
    y_lo, y_hi = float(ys.min()), float(ys.max())  # distance along the axis from the centre
    out_w = max(2, int(np.ceil(x_hi - x_lo)))
    out_h = max(2, int(np.ceil(y_hi - y_lo)))
    gx = np.arange(out_w, dtype=np.float32)[None, :] + np.float32(x_lo)
    gy = np.arange(out_h, dtype=np.float32)[:, None]
    # Axis distance from the centre: the top row is the farthest when the arc bulges up, the nearest when it sags.
    along = (np.float32(y_hi) - gy) if up else (gy + np.float32(y_lo))
    r = np.sqrt(gx * gx + along * along)
    phi = np.arctan2(gx, along)
    map_x = (phi + np.float32(half)) * np.float32((w - 1) / span)
    map_y = (np.float32(outer) - r) if up else (r - np.float32(inner))
    mode = cv2.BORDER_REPLICATE if border_value is None else cv2.BORDER_CONSTANT
    return cv2.remap(image, np.ascontiguousarray(map_x, np.float32), np.ascontiguousarray(map_y, np.float32),
                     cv2.INTER_LINEAR, borderMode=mode, borderValue=0 if border_value is None else border_value)


def crop_geometry(image: np.ndarray, rng: np.random.Generator, level: float = 1.0) -> np.ndarray:
    """Rotation, shear (slanted and italic text), perspective and a bent baseline; the text stays inside.

    Scene text is slanted, seen at an angle and set on arcs far more than printed pages: the shear reaches
    +-0.45, the perspective +-0.1 of the height, and 12% of the crops wider than 1.5 times their height are
    bent up to 0.45 of their height (a bent crop comes back taller than it went in; ADR 0004).
    """
    if level <= 0:
        return image
    h, w = image.shape[:2]
    matrix = np.eye(3)
    changed = False
    cx, cy = w / 2, h / 2
    to_c = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]], float)
    back = np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1]], float)
    if rng.random() < 0.35 * level:
        angle = np.deg2rad(rng.normal(0, 1.5 * level))
        c, s = np.cos(angle), np.sin(angle)
        matrix = back @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]) @ to_c @ matrix
        changed = True
    if rng.random() < 0.25 * level:
        shear = rng.uniform(-0.45, 0.45)
        matrix = back @ np.array([[1, shear, 0], [0, 1, 0], [0, 0, 1]]) @ to_c @ matrix
        changed = True
    if rng.random() < 0.2 * level:
        src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
        jitter = rng.uniform(-0.1, 0.1, (4, 2)) * np.array([h, h]) * level
        matrix = cv2.getPerspectiveTransform(src, (src + jitter).astype(np.float32)) @ matrix
        changed = True
    if changed:
        matrix = _fit_homography(matrix, w, h)
        image = cv2.warpPerspective(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if rng.random() < 0.12 * level and w > 1.5 * h:
        image = bend(image, rng, rng.uniform(0.05, 0.45) * min(level, 1.5))
    return image


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        return image
    out = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    return out.reshape(image.shape) if out is not None else image


def _lighting(image: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Multiply by a linear ramp (uneven light) or a soft-edged dark band (a cast shadow)."""
    h, w = image.shape[:2]
    angle = rng.uniform(0, 2 * np.pi)
    # The gain is smooth: evaluate it on a grid 8 times coarser and let cv2 interpolate (much cheaper on
    # big pages). The ramp is separable, t = x cos + y sin, so the grid needs no meshgrid either.
    gh, gw = max(2, -(-h // 8) + 1), max(2, -(-w // 8) + 1)
    gx = np.linspace(0, w - 1, gw, dtype=np.float32)
    gy = np.linspace(0, h - 1, gh, dtype=np.float32)
    cos, sin = np.float32(np.cos(angle)), np.float32(np.sin(angle))
    t = (gx[None, :] - w / 2) * cos + (gy[:, None] - h / 2) * sin
    t /= max(1.0, float(np.abs(t).max()))
    if rng.random() < 0.5:
        gain = 1.0 - strength * rng.uniform(0.2, 0.6) * (t + 1) / 2
    else:
        edge = rng.uniform(-0.6, 0.6)
        soft = rng.uniform(0.02, 0.3)
        gain = 1.0 - strength * rng.uniform(0.25, 0.6) / (1 + np.exp(-(t - edge) / soft))
    full = cv2.resize(gain.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    shape = (h, w, 1) if image.ndim == 3 else (h, w)
    return np.clip(image * full.reshape(shape), 0, 255).astype(np.uint8)


def crop_photometric(image: np.ndarray, rng: np.random.Generator, level: float = 1.0) -> np.ndarray:
    """Low resolution, blur, lighting, contrast, gamma, noise and JPEG on a small crop."""
    if level <= 0:
        return image
    h, w = image.shape[:2]
    if rng.random() < 0.2 * level:
        f = rng.uniform(0.35, 0.8)
        small = cv2.resize(image, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
        image = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR if rng.random() < 0.7 else cv2.INTER_NEAREST)
    if rng.random() < 0.25 * level:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 1.1))
    elif rng.random() < 0.05 * level:
        k = int(rng.integers(2, 5))
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2, :] = 1.0 / k
        image = cv2.filter2D(image, -1, kernel)
    if rng.random() < 0.2 * level:
        image = _lighting(image, rng, min(1.0, level))
    if rng.random() < 0.4 * level:
        a = rng.uniform(0.6, 1.3)
        b = rng.uniform(-40, 40)
        image = cv2.convertScaleAbs(image, alpha=a, beta=b + (1 - a) * 127)
    if rng.random() < 0.15 * level:
        gamma = rng.uniform(0.6, 1.6)
        lut = np.clip(((np.arange(256) / 255.0) ** gamma) * 255, 0, 255).astype(np.uint8)
        image = cv2.LUT(image, lut)
    if rng.random() < 0.4 * level:
        image = add_noise(image, rng, rng.uniform(2, 12 * level), color=rng.random() < 0.3)
    if rng.random() < 0.3 * level:
        image = _jpeg(image, int(rng.integers(15, 90)))
    return image


def photometric_augment(image: np.ndarray, rng: np.random.Generator, level: float = 1.0) -> np.ndarray:
    """Page-level blur, noise, JPEG, lighting and shadows; pixels do not move, boxes stay valid."""
    if level <= 0:
        return image
    if rng.random() < 0.3 * level:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.4, 1.2))
    if rng.random() < 0.3 * level:
        image = _lighting(image, rng, min(1.0, level))
    if rng.random() < 0.3 * level:
        a, b = rng.uniform(0.7, 1.2), rng.uniform(-30, 30)
        image = cv2.convertScaleAbs(image, alpha=a, beta=b + (1 - a) * 127)
    if rng.random() < 0.3 * level:
        image = add_noise(image, rng, rng.uniform(2, 10 * level), color=rng.random() < 0.3)
    if rng.random() < 0.3 * level:
        image = _jpeg(image, int(rng.integers(30, 92)))
    return image


def transform_lines(lines: Lines, matrix: np.ndarray) -> Lines:
    """Apply a 3x3 homography to every quad of ``lines``."""
    out: Lines = []
    for line in lines:
        if not line:
            out.append([])
            continue
        quads = np.stack([np.asarray(q, np.float32) for q, _ in line]).reshape(-1, 1, 2)
        moved = cv2.perspectiveTransform(quads, matrix.astype(np.float64)).reshape(-1, 4, 2)
        out.append([(m.astype(np.float32), c) for m, (_, c) in zip(moved, line)])
    return out


def geometric_augment(image: np.ndarray, lines: Lines, rng: np.random.Generator, level: float = 1.0,
                      fill: Sequence[int] | None = None) -> tuple[np.ndarray, Lines]:
    """A mild random perspective/scale/rotation of a page with its character quads.

    The transform is weakened (then dropped) until every quad stays inside the image.
    """
    if level <= 0:
        return image, lines
    h, w = image.shape[:2]
    pts = [np.asarray(q, np.float32) for line in lines for q, _ in line]
    if not pts:
        return image, lines
    allq = np.stack(pts).reshape(-1, 1, 2)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    jitter = rng.uniform(-0.05, 0.05, (4, 2)).astype(np.float32) * np.array([w, h], np.float32) * level
    for strength in (1.0, 0.5, 0.25):
        matrix = cv2.getPerspectiveTransform(src, src + jitter * strength)
        moved = cv2.perspectiveTransform(allq, matrix).reshape(-1, 2)
        if moved.min() >= 0 and (moved[:, 0] <= w).all() and (moved[:, 1] <= h).all():
            # Replicated (not mirrored) borders: mirrored text would be text without boxes.
            border: Any = tuple(int(v) for v in fill) if fill is not None else 0
            warped = cv2.warpPerspective(image, matrix, (w, h), flags=cv2.INTER_LINEAR,
                                         borderMode=cv2.BORDER_REPLICATE if fill is None else cv2.BORDER_CONSTANT,
                                         borderValue=border)
            return warped, transform_lines(lines, matrix)
    return image, lines
