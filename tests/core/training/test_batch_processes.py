"""Training batches made by forked processes: distinct, endless across epochs, errors reported, processes stopped."""

import itertools
import os

import numpy as np
import pytest

from ocr_core.errors import TrainingError
from ocr_core.training.batches import SampleBatches


def numbered(seed):
    """An endless iterator of (process id, seed, n) samples."""
    for n in itertools.count():
        yield (os.getpid(), seed, n)


def collate(samples):
    return np.array([[pid, seed, n] for pid, seed, n in samples])


def test_batches_come_from_every_process_with_its_own_seed_and_never_repeat():
    batches = SampleBatches(numbered, collate, batch_size=4, steps=3, seed=10, processes=2)
    try:
        got = [batches[i % 3] for i in range(40)]  # several "epochs" of 3 steps
    finally:
        batches.close()
    rows = np.concatenate(got)
    assert len({(seed, n) for _, seed, n in rows}) == len(rows)  # no sample twice
    assert {seed for _, seed, _ in rows} <= {10, 10 + 7919}
    assert {pid for pid, _, _ in rows} - {os.getpid()}, "made in other processes"
    assert not batches._producers  # closed


def test_a_failing_iterator_is_a_training_error_naming_the_cause():
    def broken(seed):
        yield (0, seed, 0)
        raise ValueError("no legible font")

    batches = SampleBatches(broken, collate, batch_size=4, steps=2, processes=1)
    try:
        with pytest.raises(TrainingError, match="no legible font"):
            batches[0]
    finally:
        batches.close()


def test_an_iterator_that_runs_out_is_reported_not_waited_for():
    batches = SampleBatches(lambda seed: iter([(0, seed, 0)]), collate, batch_size=4, steps=2, processes=1)
    try:
        with pytest.raises(TrainingError, match="ran out of samples"):
            batches[0]
    finally:
        batches.close()


def test_without_processes_the_threads_path_is_unchanged():
    batches = SampleBatches(numbered, collate, batch_size=2, steps=2, seed=3)
    first = batches[0]
    assert first[:, 0].tolist() == [os.getpid()] * 2 and first[:, 1].tolist() == [3, 3]
    batches.close()  # nothing to stop
