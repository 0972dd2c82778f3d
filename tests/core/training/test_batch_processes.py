"""Training batches made by forked processes: distinct, endless across epochs, errors reported, processes stopped."""

import itertools
import os
from pathlib import Path

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


@pytest.mark.slow
def test_batch_processes_end_when_the_training_process_is_killed(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        "import itertools, sys, time\n"
        "import numpy as np\n"
        "from ocr_core.training.batches import SampleBatches\n"
        "def samples(seed):\n"
        "    for _ in itertools.count():\n"
        "        yield np.zeros((512, 1024), np.uint8)  # batches bigger than a pipe holds\n"
        "b = SampleBatches(samples, np.stack, batch_size=8, steps=4, processes=2)\n"
        "b[0]\n"
        "print(' '.join(str(p.pid) for p in b._producers), flush=True)\n"
        "time.sleep(60)\n", "utf-8")
    root = Path(__file__).resolve().parents[3]
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=root,
                              env={**os.environ, "PYTHONPATH": str(root)})
    children = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(children) == 2
    parent.send_signal(signal.SIGKILL)
    parent.wait()

    def alive(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    deadline = time.time() + 15
    while time.time() < deadline and any(alive(pid) for pid in children):
        time.sleep(0.2)
    left = [pid for pid in children if alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "batch processes outlived the training process"
