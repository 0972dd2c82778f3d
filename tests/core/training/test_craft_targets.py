import numpy as np
import pytest

from ocr_core.training.craft_targets import affinity_quads, compute_maps, compute_targets, gaussian_heatmap


def box(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


def test_heatmap_peaks_at_centre_and_fades_to_edges():
    heat = gaussian_heatmap(64, 1.5)
    assert heat.shape == (64, 64) and heat.dtype == np.float32
    assert heat[31:33, 31:33].min() > 0.99
    assert heat[0, 32] == pytest.approx(np.exp(-0.5 * 1.5**2), abs=0.02)
    assert heat[0, 0] < heat[0, 32]


def test_region_map_is_half_resolution_with_peaks_in_characters():
    lines = [[(box(8, 8, 24, 40), "a"), (box(26, 8, 42, 40), "b")]]
    maps = compute_maps(gaussian_heatmap(), 64, 96, lines)
    assert maps.shape == (32, 48, 2)
    assert maps.min() >= 0.0 and maps.max() <= 1.0
    region = maps[..., 0]
    assert region[12, 8] > 0.9 and region[12, 17] > 0.9  # centres of a and b at half scale
    assert region[30, 40] == 0.0  # far from text


def test_affinity_links_neighbours_and_a_space_breaks_the_chain():
    a, b, c = box(0, 0, 10, 20), box(12, 0, 22, 20), box(40, 0, 50, 20)
    assert len(affinity_quads([(a, "a"), (b, "b")])) == 1
    assert len(affinity_quads([(a, "a"), (b, " "), (c, "c")])) == 0
    quad = affinity_quads([(a, "a"), (b, "b")])[0]
    # corners halfway between each centre and its top/bottom edge midpoints
    np.testing.assert_allclose(quad, [[5, 5], [17, 5], [17, 15], [5, 15]])
    maps = compute_maps(gaussian_heatmap(), 64, 64, [[(a, "a"), (b, "b"), (box(24, 0, 34, 20), " "), (c, "c")]])
    assert maps[5, 5, 1] > 0.8  # between a and b (half scale: x=5.5, y=5)
    assert maps[5, 18, 1] < 0.05  # across the space between b and c


def test_keras_ocr_five_tuples_are_accepted():
    line = [((0, 0), (10, 0), (10, 20), (0, 20), "a"), ((12, 0), (22, 0), (22, 20), (12, 20), "b")]
    maps = compute_maps(gaussian_heatmap(), 32, 32, [line])
    assert maps[..., 1].max() > 0.5


def test_mask_channel_zeroes_ignored_and_weights_weak_words():
    lines = [[(box(4, 4, 20, 20), "a")]]
    y = compute_targets(64, 64, lines, ignore_quads=[box(40, 40, 60, 60)], weighted_quads=[(box(0, 40, 20, 60), 0.5)])
    assert y.shape == (32, 32, 3)
    mask = y[..., 2]
    assert mask[25, 25] == 0.0 and mask[25, 5] == 0.5 and mask[5, 5] == 1.0
    assert compute_targets(64, 64, lines, with_mask=False).shape == (32, 32, 2)
