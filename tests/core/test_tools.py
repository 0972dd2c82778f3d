"""keras-ocr compatible tools: crops, drawing, line helpers, resizing, offline download_and_verify."""

from __future__ import annotations

import hashlib
import io

import cv2
import numpy as np
import pytest
from PIL import Image

from ocr_core import tools
from ocr_core.errors import OcrError, WeightsMismatchError, WeightsNotFoundError
from ocr_core.geometry import quad_from_rect, rotate_quad


def test_read_accepts_paths_buffers_and_arrays(tmp_path):
    img = np.zeros((6, 8, 3), np.uint8)
    img[:, :4] = (255, 0, 0)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    (tmp_path / "a.png").write_bytes(buf.getvalue())
    assert np.array_equal(tools.read(str(tmp_path / "a.png")), img)
    assert np.array_equal(tools.read(io.BytesIO(buf.getvalue())), img)
    assert tools.read(img) is img


def test_get_rotated_box_orders_corners_and_reports_rotation():
    quad = quad_from_rect(10, 20, 50, 30)
    shuffled = quad[[2, 0, 3, 1]]
    box, rotation = tools.get_rotated_box(shuffled)
    assert box.dtype == np.float32
    assert np.allclose(box, quad)
    assert rotation == pytest.approx(0.0)
    tilted = rotate_quad(quad, -10)  # clockwise on screen
    box, rotation = tools.get_rotated_box(tilted)
    assert np.allclose(box, tilted, atol=1e-3)
    assert rotation == pytest.approx(np.arctan((box[0, 0] - box[3, 0]) / (box[0, 1] - box[3, 1])))
    many = np.array([[0, 0], [10, 0], [10, 4], [0, 4], [5, 2]], np.float32)  # extra interior point
    assert np.allclose(tools.get_rotated_box(many)[0], quad_from_rect(0, 0, 10, 4))


def test_warp_box_straightens_a_rotated_word():
    img = np.zeros((100, 100, 3), np.uint8)
    img[40:60, 20:80] = 255
    quad = rotate_quad(quad_from_rect(20, 40, 80, 60), 30, center=(50.0, 50.0))
    turned = cv2.warpAffine(img, cv2.getRotationMatrix2D((50.0, 50.0), 30, 1.0), (100, 100))
    crop = tools.warpBox(turned, quad)
    assert abs(crop.shape[0] - 20) <= 1 and abs(crop.shape[1] - 60) <= 1
    assert crop[3:-3, 3:-3].mean() > 240  # the white bar fills the straightened crop
    full, matrix = tools.warpBox(turned, quad, target_height=31, target_width=200, return_transform=True)
    assert full.shape == (31, 200, 3) and matrix.shape == (3, 3)
    assert full[:, 120:].max() == 0  # aspect kept, pasted top-left on black
    gray = tools.warp_box(turned[..., 0], quad, target_height=31, target_width=200, cval=7)
    assert gray.shape == (31, 200) and gray[0, -1] == 7
    with pytest.raises(ValueError):
        tools.warpBox(turned, quad, target_height=31)


def test_draw_boxes_formats():
    img = np.zeros((30, 30, 3), np.uint8)
    q = quad_from_rect(5, 5, 20, 20)
    for boxes, fmt in [([q], "boxes"), ([[(q, "a")]], "lines"), ([("word", q)], "predictions")]:
        out = tools.drawBoxes(img, boxes, thickness=1, boxes_format=fmt)
        assert tuple(out[5, 10]) == (255, 0, 0) and out[12, 12].max() == 0
    assert img.max() == 0  # input untouched
    assert np.array_equal(tools.draw_boxes(img, []), img)
    with pytest.raises(ValueError, match="boxes_format"):
        tools.drawBoxes(img, [q], boxes_format="nope")


class _FakeAx:
    def __init__(self):
        self.calls = []

    def imshow(self, image):
        self.calls.append(("imshow", image.shape))

    def set_xticks(self, ticks):
        pass

    def set_yticks(self, ticks):
        pass

    def annotate(self, text, **kw):
        self.calls.append(("annotate", text, kw["xytext"][0], kw["horizontalalignment"]))


def test_draw_annotations_puts_labels_in_the_margins():
    img = np.zeros((100, 200, 3), np.uint8)
    preds = [("left", quad_from_rect(10, 10, 40, 20)), ("right", quad_from_rect(150, 50, 190, 60))]
    ax = tools.drawAnnotations(img, preds, ax=_FakeAx())
    notes = [c for c in ax.calls if c[0] == "annotate"]
    assert ("annotate", "left", -0.05, "right") in notes and ("annotate", "right", 1.05, "left") in notes


def test_fix_line_and_combine_line():
    chars = [(quad_from_rect(x, 0, x + 8, 10), ch) for x, ch in zip([20, 0, 10], "cab")]
    fixed, orientation = tools.fix_line(chars)
    assert orientation == "horizontal" and "".join(ch for _, ch in fixed) == "abc"
    vertical = [(quad_from_rect(0, y, 10, y + 8), ch) for y, ch in zip([10, 0], "yx")]
    fixed, orientation = tools.fix_line(vertical)
    assert orientation == "vertical" and [ch for _, ch in fixed] == ["x", "y"]
    box, text = tools.combine_line(tools.fix_line(chars)[0])
    assert text == "abc"
    assert np.allclose(box, quad_from_rect(0, 0, 28, 10))


def test_resize_pad_fit():
    img = np.full((100, 50, 3), 9, np.uint8)
    out, scale = tools.resize_image(img, max_scale=2, max_size=150)
    assert scale == pytest.approx(1.5) and out.shape == (150, 75, 3)
    out, scale = tools.resize_image(img, max_scale=2, max_size=1000)
    assert scale == 2 and out.shape == (200, 100, 3)
    padded = tools.pad(img, width=60, height=120)
    assert padded.shape == (120, 60, 3) and padded[110, 55, 0] == 255 and padded[0, 0, 0] == 9
    assert tools.pad(img[..., 0], width=60, height=120, cval=0).shape == (120, 60)
    with pytest.raises(ValueError):
        tools.pad(img, width=10, height=10)
    fitted, scale = tools.fit(img, width=100, height=100, return_scale=True)
    assert fitted.shape == (100, 100, 3) and scale == 1.0 and fitted[0, 80, 0] == 255
    cropped = tools.fit(img, width=100, height=100, mode="crop")
    assert cropped.shape == (100, 100, 3) and (cropped == 9).all()
    assert tools.fit(img[..., 0], width=20, height=20).shape == (20, 20)
    with pytest.raises(ValueError):
        tools.fit(img, 10, 10, mode="stretch")


def test_sha256_and_offline_download_and_verify(tmp_path, monkeypatch, capsys):
    data = b"weights"
    (tmp_path / "model.h5").write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    assert tools.sha256sum(tmp_path / "model.h5") == digest
    url = "https://example.com/releases/model.h5"
    assert tools.download_and_verify(url, sha256=digest, cache_dir=str(tmp_path)) == str(
        tmp_path / "model.h5"
    )
    assert "Looking for" in capsys.readouterr().out
    with pytest.raises(WeightsMismatchError, match="sha256"):
        tools.download_and_verify(url, sha256="0" * 64, cache_dir=str(tmp_path), verbose=False)
    with pytest.raises(WeightsNotFoundError, match=r"other\.h5.*example\.com") as info:
        tools.download_and_verify(url, cache_dir=str(tmp_path), filename="other.h5", verbose=False)
    assert isinstance(info.value, OcrError)
    monkeypatch.setenv("KERAS_OCR_CACHE_DIR", str(tmp_path))
    assert tools.get_default_cache_dir() == str(tmp_path)
    assert tools.download_and_verify(url, verbose=False) == str(tmp_path / "model.h5")
    monkeypatch.delenv("KERAS_OCR_CACHE_DIR")
    assert tools.get_default_cache_dir().endswith(".keras-ocr")
