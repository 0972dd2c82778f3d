"""score_maps_to_boxes recovers known word boxes from synthetic CRAFT-like score maps."""

from __future__ import annotations

import numpy as np
import pytest

from ocr_core.geometry import polygon_iou, quad_from_rect, rotate_quad
from ocr_core.postprocess import score_maps_to_boxes


def _gaussian_in_quad(shape, quad, distance_ratio=2.2):
    """Isotropic Gaussian stretched into a parallelogram-ish quad (peak 1 at its centre)."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64) + 0.5
    q = np.asarray(quad, dtype=np.float64)
    center = q.mean(axis=0)
    ux = ((q[1] - q[0]) + (q[2] - q[3])) / 4  # half width vector
    uy = ((q[3] - q[0]) + (q[2] - q[1])) / 4  # half height vector
    basis = np.linalg.inv(np.stack([ux, uy], axis=1))
    rel = np.stack([xs - center[0], ys - center[1]], axis=-1) @ basis.T
    r2 = (rel**2).sum(axis=-1) * distance_ratio**2
    return np.exp(-0.5 * r2)


def _word_maps(shape, word_quads_map, n_chars):
    """Region/affinity maps for words given as quads in map coordinates, split into characters."""
    region = np.zeros(shape)
    affinity = np.zeros(shape)
    for quad in word_quads_map:
        q = np.asarray(quad, dtype=np.float64)
        tops = [q[0] + (q[1] - q[0]) * i / n_chars for i in range(n_chars + 1)]
        bots = [q[3] + (q[2] - q[3]) * i / n_chars for i in range(n_chars + 1)]
        chars = [np.array([tops[i], tops[i + 1], bots[i + 1], bots[i]]) for i in range(n_chars)]
        for c in chars:
            region = np.maximum(region, _gaussian_in_quad(shape, c))
        for a, b in zip(chars, chars[1:]):
            ca, cb = a.mean(axis=0), b.mean(axis=0)
            link = np.array(
                [
                    (ca + (a[0] + a[1]) / 2) / 2,
                    (cb + (b[0] + b[1]) / 2) / 2,
                    (cb + (b[2] + b[3]) / 2) / 2,
                    (ca + (a[2] + a[3]) / 2) / 2,
                ]
            )
            affinity = np.maximum(affinity, _gaussian_in_quad(shape, link))
    return region.astype(np.float32), affinity.astype(np.float32)


def _match(found, expected):
    return max((polygon_iou(f, expected) for f in found), default=0.0)


def test_axis_aligned_words_are_recovered_in_input_pixels():
    words_map = [
        quad_from_rect(10, 10, 70, 26),
        quad_from_rect(90, 12, 150, 28),
        quad_from_rect(20, 50, 100, 66),
    ]
    region, affinity = _word_maps((80, 160), words_map, n_chars=5)
    boxes = score_maps_to_boxes(region, affinity)
    assert boxes.shape == (3, 4, 2) and boxes.dtype == np.float32
    for q in words_map:
        assert _match(boxes, q * 2.0) > 0.7
    # clockwise from the top-left
    for b in boxes:
        assert np.argmin(b.sum(axis=1)) == 0
        assert b[1, 0] > b[0, 0] and b[3, 1] > b[0, 1]


@pytest.mark.parametrize("angle", [20.0, -35.0])
def test_rotated_word_gives_rotated_box(angle):
    word = rotate_quad(quad_from_rect(40, 50, 120, 70), angle)
    region, affinity = _word_maps((120, 160), [word], n_chars=6)
    boxes = score_maps_to_boxes(region, affinity, scale=3.0)
    assert len(boxes) == 1
    assert polygon_iou(boxes[0], word * 3.0) > 0.7
    top = boxes[0][1] - boxes[0][0]
    measured = -np.degrees(np.arctan2(top[1], top[0]))  # counter-clockwise on screen is positive
    assert measured == pytest.approx(angle, abs=4.0)


def test_without_affinity_characters_stay_separate_and_link_joins_them():
    words_map = [quad_from_rect(10, 10, 70, 26)]
    region, affinity = _word_maps((40, 80), words_map, n_chars=3)
    assert len(score_maps_to_boxes(region, affinity)) == 1
    assert len(score_maps_to_boxes(region, np.zeros_like(affinity))) == 3


def test_thresholds_filter_weak_and_small_components():
    region = np.zeros((50, 50), np.float32)
    region[5:15, 5:25] = 0.6  # above text threshold, below detection threshold
    region[30:32, 30:33] = 0.95  # 6 pixels < size_threshold
    affinity = np.zeros_like(region)
    assert len(score_maps_to_boxes(region, affinity)) == 0
    assert len(score_maps_to_boxes(region, affinity, detection_threshold=0.5)) == 1
    assert len(score_maps_to_boxes(region, affinity, detection_threshold=0.5, size_threshold=5)) == 2


def test_link_only_component_is_not_a_word():
    region = np.zeros((40, 40), np.float32)
    affinity = np.zeros_like(region)
    affinity[5:20, 5:20] = 0.9
    assert len(score_maps_to_boxes(region, affinity)) == 0


def test_square_component_uses_axis_aligned_bounds():
    region = np.zeros((40, 40), np.float32)
    region[10:20, 10:20] = 0.9
    (box,) = score_maps_to_boxes(region, np.zeros_like(region), scale=1.0)
    assert np.allclose(box[:, 0].min(), box[0, 0]) and np.allclose(box[0, 1], box[1, 1])


def test_empty_map_and_bad_shapes():
    out = score_maps_to_boxes(np.zeros((10, 10)), np.zeros((10, 10)))
    assert out.shape == (0, 4, 2) and out.dtype == np.float32
    with pytest.raises(ValueError, match="same shape"):
        score_maps_to_boxes(np.zeros((10, 10)), np.zeros((10, 12)))
