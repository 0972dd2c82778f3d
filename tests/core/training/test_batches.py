import numpy as np
import pytest

from ocr_core.errors import AlphabetError, TrainingError
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


def test_weighted_samples_give_weighted_batches_as_keras_ocr():
    crops = ((np.zeros((16, 64, 1), np.uint8), " ab ", w) for w in (0.5, 1.0, 2.0, 1.5))  # texts are stripped
    inputs, zeros, weights = next(recognizer_batches(crops, ALPHABET, batch_size=4, height=16, width=64,
                                                     max_length=8))
    assert weights.tolist() == [0.5, 1.0, 2.0, 1.5] and inputs[3][:, 0].tolist() == [2] * 4
    pages = ((image, lines, 0.25) for image, lines in fake_image_generator(64, 96, seed=0))
    X, y, page_weights = next(detector_batches(pages, batch_size=2))
    assert X.shape[0] == 2 and page_weights.tolist() == [0.25, 0.25]
    mixed = iter([(np.zeros((16, 64, 1), np.uint8), "ab"), (np.zeros((16, 64, 1), np.uint8), "ab", 1.0)])
    with pytest.raises(TrainingError, match="all have a weight"):
        next(recognizer_batches(mixed, ALPHABET, batch_size=2, height=16, width=64, max_length=8))


def test_a_stream_of_texts_all_too_long_is_an_error_not_an_endless_loop():
    import itertools

    endless = ((np.zeros((16, 64, 1), np.uint8), "abcdefghij" * 3) for _ in itertools.count())
    with pytest.raises(TrainingError, match="too long for the model"):
        next(recognizer_batches(endless, ALPHABET, batch_size=4, height=16, width=64, max_length=8))


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
