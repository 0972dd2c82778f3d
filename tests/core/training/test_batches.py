import numpy as np
import pytest

from ocr_core.errors import AlphabetError
from ocr_core.training.batches import (
    SampleBatches,
    ctc_fits,
    detector_batches,
    encode_texts,
    recognizer_batches,
)

from .conftest import ALPHABET, fake_crop_generator, fake_image_generator


def test_detector_batches_have_seed_shapes():
    X, y = next(detector_batches(fake_image_generator(64, 96, seed=0), batch_size=3))
    assert X.shape == (3, 64, 96, 3) and X.dtype == np.float32
    assert y.shape == (3, 32, 48, 2) and y.min() >= 0 and y.max() <= 1
    assert abs(float(X.mean())) < 3  # ImageNet-normalised, not raw pixels
    assert y[..., 0].max() > 0.5


def test_recognizer_batches_pad_labels_and_skip_long_words():
    gen = ((np.zeros((16, 64, 1), np.uint8), t) for t in ["AB", "abcdefghijabcdefghij", "c", "ab", "hh"] * 3)
    (images, labels, input_length, label_length), zeros = next(
        recognizer_batches(gen, ALPHABET, batch_size=4, lowercase=True, height=16, width=64, max_length=8))
    assert images.shape == (4, 16, 64, 1) and images.max() <= 1.0
    assert labels.shape == (4, 8) and labels.dtype == np.int32
    assert labels[0].tolist() == [0, 1, -1, -1, -1, -1, -1, -1]  # "AB" lower-cased
    assert label_length[:, 0].tolist() == [2, 1, 2, 2]  # the 20-character word was skipped
    assert input_length[:, 0].tolist() == [8] * 4 and zeros.shape == (4,)


def test_unknown_characters_raise_alphabet_error_naming_them():
    with pytest.raises(AlphabetError, match="'z'"):
        encode_texts(["az"], ALPHABET, 4)


def test_ctc_fits_counts_repeats():
    assert ctc_fits("aab", 4) and not ctc_fits("aab", 3)


def test_sample_batches_draw_fresh_samples_and_reuse_iterators():
    from ocr_core.training.batches import recognizer_collate

    seeds = []

    def make(seed):
        seeds.append(seed)
        return fake_crop_generator(ALPHABET, height=16, width=64, seed=seed)

    def collate(samples):
        return recognizer_collate(samples, ALPHABET, height=16, width=64, channels=1, max_length=6)

    ds = SampleBatches(make, collate, batch_size=4, steps=3, seed=5, workers=2)
    assert len(ds) == 3
    first, second = ds[0], ds[1]
    assert first[0][0].shape == (4, 16, 64, 1)
    assert not np.array_equal(first[0][1], second[0][1])
    assert seeds == [5]  # one iterator, borrowed and returned
    batches = list(ds)  # Keras-style iteration with 2 worker threads
    assert len(batches) == 3 and len(seeds) <= 3 and len(set(seeds)) == len(seeds)
