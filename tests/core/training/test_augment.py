import numpy as np

from ocr_core.training.augment import random_crop_transform, transform_points


def test_quads_follow_the_image_through_random_crops():
    image = np.zeros((120, 200, 3), np.uint8)
    quad = np.array([[60, 40], [140, 40], [140, 80], [60, 80]], np.float32)
    image[40:80, 60:140] = 255
    rng = np.random.default_rng(1)
    for _ in range(10):
        out, (moved,) = random_crop_transform(image, [quad], (64, 64), rng, max_rotation=10)
        assert out.shape == (64, 64, 3)
        centre = moved.mean(axis=0)
        x, y = int(round(centre[0])), int(round(centre[1]))
        if 2 <= x < 62 and 2 <= y < 62:
            assert out[y, x].mean() > 200  # the bright box is where its quad went


def test_transform_points_applies_affine():
    m = np.array([[2, 0, 1], [0, 3, -1]], np.float32)
    np.testing.assert_allclose(transform_points(np.array([[1, 1]]), m), [[3, 2]])
