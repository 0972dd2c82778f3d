"""Quad geometry: ordering, areas, exact IoU, rotations, perspective crops, resize+pad, scaling."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr_core.geometry import (
    crop_quad,
    order_quad,
    polygon_iou,
    quad_area,
    quad_from_rect,
    quad_size,
    resize_and_pad,
    rotate_quad,
    scale_quads,
)


def test_order_quad_from_any_permutation():
    expected = quad_from_rect(2, 3, 12, 8)
    for perm in [[0, 1, 2, 3], [2, 0, 3, 1], [3, 2, 1, 0], [1, 3, 0, 2]]:
        assert np.array_equal(order_quad(expected[perm]), expected)
    tilted = rotate_quad(expected, 20)
    ordered = order_quad(tilted[::-1])
    assert np.argmin(ordered.sum(axis=1)) == 0
    # clockwise on screen (y down) = positive signed area in image coordinates
    x, y = ordered[:, 0], ordered[:, 1]
    assert np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)) > 0
    with pytest.raises(ValueError):
        order_quad([[0, 0], [1, 1], [2, 2]])


def test_area_and_size():
    assert quad_area(quad_from_rect(0, 0, 4, 3)) == 12.0
    assert quad_area(rotate_quad(quad_from_rect(0, 0, 4, 3), 33)) == pytest.approx(12.0)
    assert quad_area([[0, 0], [2, 0], [1, 0], [0, 0]]) == 0.0
    assert quad_size(quad_from_rect(0, 0, 4, 3)) == (4.0, 3.0)


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (quad_from_rect(0, 0, 2, 2), quad_from_rect(0, 0, 2, 2), 1.0),
        (quad_from_rect(0, 0, 2, 2), quad_from_rect(1, 0, 3, 2), 1 / 3),
        (quad_from_rect(0, 0, 2, 2), quad_from_rect(1, 1, 3, 3), 1 / 7),
        (quad_from_rect(0, 0, 2, 2), quad_from_rect(5, 5, 6, 6), 0.0),
        (quad_from_rect(0, 0, 4, 4), quad_from_rect(1, 1, 3, 3), 4 / 16),
        (quad_from_rect(0, 0, 2, 2), quad_from_rect(2, 0, 4, 2), 0.0),  # touching edges
    ],
)
def test_polygon_iou_known_cases(a, b, expected):
    assert polygon_iou(a, b) == pytest.approx(expected, abs=1e-6)
    assert polygon_iou(b, a) == pytest.approx(expected, abs=1e-6)


def test_polygon_iou_rotated_and_degenerate():
    square = quad_from_rect(-1, -1, 1, 1)
    diamond = rotate_quad(square, 45, center=(0, 0))
    # intersection is a regular octagon with side 2*(sqrt2-1): area 8 (sqrt2 - 1) * ... = 4*(2 - sqrt2)*2
    octagon = 2 * (1 + np.sqrt(2)) * (2 * (np.sqrt(2) - 1)) ** 2
    assert polygon_iou(square, diamond) == pytest.approx(octagon / (8 - octagon), rel=1e-5)
    assert polygon_iou(square, square[::-1]) == pytest.approx(1.0)  # orientation does not matter
    assert polygon_iou(square, [[0, 0], [1, 1], [2, 2], [3, 3]]) == 0.0


def test_rotate_quad_follows_cv2_rotation():
    quad = quad_from_rect(30, 40, 70, 50)
    center = (50.0, 50.0)
    rotated = rotate_quad(quad, 30, center)
    M = cv2.getRotationMatrix2D(center, 30, 1.0)
    expected = np.hstack([quad, np.ones((4, 1))]) @ M.T
    assert np.allclose(rotated, expected)
    assert np.allclose(rotate_quad(rotated, -30, center), quad)


def test_crop_quad_undoes_a_rotation():
    img = np.zeros((120, 120, 3), np.uint8)
    img[50:70, 20:100] = (255, 255, 255)
    img[50:70, 20:30] = (255, 0, 0)  # red start of the "word"
    quad = quad_from_rect(20, 50, 100, 70)
    M = cv2.getRotationMatrix2D((60.0, 60.0), -35, 1.0)
    turned = cv2.warpAffine(img, M, (120, 120))
    crop = crop_quad(turned, rotate_quad(quad, -35, (60.0, 60.0)))
    assert crop.shape == (20, 80, 3)
    assert crop[5:15, 2:8, 0].mean() > 200 and crop[5:15, 2:8, 1].mean() < 60  # red at the left
    assert crop[5:15, 40:70].mean() > 230
    small = crop_quad(turned, rotate_quad(quad, -35, (60.0, 60.0)), height=10)
    assert small.shape == (10, 40, 3)
    wide = crop_quad(img, quad, margin=0.5)
    assert wide.shape == (40, 100, 3)
    assert wide[:8].max() == 0 and wide[12:28, 20:70].min() == 255  # context around the word


def test_resize_and_pad_keeps_aspect_top_left():
    img = np.full((10, 40), 255, np.uint8)
    out = resize_and_pad(img, 31, 200)
    assert out.shape == (31, 200) and out.dtype == np.uint8
    assert (out[:31, :124] == 255).all() and (out[:, 125:] == 0).all()
    wide = resize_and_pad(np.full((10, 1000, 3), 9, np.uint8), 31, 200, pad_value=(1, 2, 3))
    assert wide.shape == (31, 200, 3) and (wide[0, 0] == 9).all() and tuple(wide[-1, 0]) == (1, 2, 3)
    single = resize_and_pad(np.ones((5, 5, 1), np.float32), 10, 20)
    assert single.shape == (10, 20, 1) and single[9, 9, 0] == 1 and single[0, 15, 0] == 0
    with pytest.raises(ValueError):
        resize_and_pad(np.zeros((0, 4)), 10, 10)


def test_scale_quads():
    quads = np.stack([quad_from_rect(0, 0, 10, 20), quad_from_rect(1, 1, 2, 2)])
    scaled = scale_quads(quads, 2, 0.5)
    assert scaled.shape == (2, 4, 2)
    assert np.allclose(scaled[0], quad_from_rect(0, 0, 20, 10))
    assert np.allclose(scale_quads(quads[0], 3), quads[0] * 3)
    assert scale_quads([], 2, 2).shape == (0, 4, 2)


def test_a_box_far_larger_than_the_image_makes_a_bounded_crop():
    img = np.full((72, 128, 3), 200, np.uint8)
    limit = 2 * np.hypot(72, 128) + 64
    huge = crop_quad(img, quad_from_rect(0, 0, 60000, 60000))  # a typo in an annotation file
    assert max(huge.shape[:2]) <= limit + 1 and huge.shape[0] == huge.shape[1]  # square, as the box
    thin = crop_quad(img, quad_from_rect(0, 0, 200000, 1), height=64)  # the recognizer's fixed height
    assert thin.shape[1] <= limit + 1 and thin.shape[0] >= 1
    inside = crop_quad(img, quad_from_rect(10, 10, 110, 30))  # real boxes are cropped at their own size
    assert inside.shape[:2] == (20, 100)
