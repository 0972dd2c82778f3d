"""Run a sample generator in several worker processes (no TensorFlow in them) and stream the results.

Every worker builds its own generator from a seed derived from ``(seed, worker index)``; the parent
takes chunks from the workers in a fixed round-robin order, so a run is reproducible for a given
seed and number of workers.

>>> import itertools
>>> def numbers(seed):
...     return itertools.count(seed)
>>> list(itertools.islice(parallel_generator(numbers, workers=0, seed=3), 2)) == [worker_seed(3, 0), worker_seed(3, 0) + 1]
True
"""

from __future__ import annotations

import itertools
import multiprocessing
import queue
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import numpy as np

from ocr_core.errors import DataGenerationError

__all__ = ["worker_seed", "parallel_generator", "threaded_runtime_loaded", "THREADED_RUNTIMES"]

T = TypeVar("T")


def worker_seed(seed: int | None, index: int) -> int:
    """The seed of worker ``index`` derived from the run's ``seed`` (a 32-bit int)."""
    entropy = [0 if seed is None else int(seed), int(index)]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def _worker(make_generator: Callable[[int], Iterator[Any]], seed: int, out: Any, chunk_size: int,
            stop: Any) -> None:
    try:
        generator = make_generator(seed)
        while not stop.is_set():
            chunk = list(itertools.islice(generator, chunk_size))
            _put(out, ("items", chunk), stop)
            if len(chunk) < chunk_size:
                _put(out, ("end", None), stop)
                return
    except BaseException as exc:  # report every failure to the parent, which re-raises it
        _put(out, ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"), stop)


def _put(out: Any, item: Any, stop: Any) -> None:
    while not stop.is_set():
        try:
            out.put(item, timeout=0.2)
            return
        except queue.Full:
            continue


#: Keras backends that run threads of their own once imported: forking after that can deadlock the child.
THREADED_RUNTIMES = ("tensorflow", "torch", "jax")


def threaded_runtime_loaded() -> bool:
    """Whether TensorFlow, PyTorch or JAX is imported in this process (then ``fork`` is unsafe)."""
    return any(name in sys.modules for name in THREADED_RUNTIMES)


def _default_start_method() -> str:
    # Fork is quick, but unsafe once TensorFlow (or another threaded runtime) is loaded.
    if "fork" in multiprocessing.get_all_start_methods() and not threaded_runtime_loaded():
        return "fork"
    return "spawn"


def parallel_generator(make_generator: Callable[[int], Iterator[T]], workers: int, seed: int | None, *,
                       chunk_size: int = 16, prefetch: int = 4, start_method: str | None = None) -> Iterator[T]:
    """Items of ``make_generator(worker_seed(seed, i))`` for ``i < workers``, interleaved by chunks.

    ``workers <= 0`` runs one generator in this process (same items as ``workers=1``).
    ``make_generator`` must be picklable for the ``spawn`` start method (a module-level function or a
    ``functools.partial`` of one). Workers stop when the consumer closes the iterator; an exception
    in a worker is raised here as :class:`~ocr_core.errors.DataGenerationError`. Finite generators
    end when every worker is exhausted.

    >>> from functools import partial                                            # doctest: +SKIP
    >>> gen = parallel_generator(partial(make_crops, fonts=fonts), workers=2, seed=0)  # doctest: +SKIP
    """
    if workers <= 0:
        yield from make_generator(worker_seed(seed, 0))
        return
    ctx: Any = multiprocessing.get_context(start_method or _default_start_method())
    stop = ctx.Event()
    queues = [ctx.Queue(maxsize=max(1, prefetch)) for _ in range(workers)]
    procs = [ctx.Process(target=_worker, args=(make_generator, worker_seed(seed, i), queues[i], chunk_size, stop),
                         daemon=True, name=f"ocr-synth-{i}") for i in range(workers)]
    for proc in procs:
        proc.start()
    try:
        alive = list(range(workers))
        while alive:
            for i in list(alive):
                while True:
                    try:
                        kind, payload = queues[i].get(timeout=1.0)
                        break
                    except queue.Empty:
                        if not procs[i].is_alive() and queues[i].empty():
                            raise DataGenerationError(
                                f"synthetic data worker {i} stopped unexpectedly (exit code {procs[i].exitcode})"
                            ) from None
                if kind == "error":
                    raise DataGenerationError(f"synthetic data worker {i} failed: {payload}")
                if kind == "end":
                    alive.remove(i)
                    continue
                yield from payload
    finally:
        stop.set()
        for q in queues:
            _drain(q)
        for proc in procs:
            proc.join(timeout=2.0)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=2.0)
        for q in queues:
            q.close()
            q.cancel_join_thread()


def _drain(q: Any) -> None:
    try:
        while True:
            q.get_nowait()
    except (queue.Empty, OSError, ValueError, EOFError):
        pass
