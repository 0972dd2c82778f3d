"""Batch generators for detector and recognizer training (keras-ocr's ``get_batch_generator``).

``detector_batches`` turns ``(image, lines)`` samples into ``(X, y)`` with ``y`` of shape
``(B, H/2, W/2, 2)``; ``recognizer_batches`` turns ``(crop, text)`` samples into
``((images, labels, input_length, label_length), zeros)`` for a CRNN training model. Both are
plain Python generators usable by Keras 3 ``model.fit(gen, steps_per_epoch=...)``::

    batches = detector_batches(image_generator, batch_size=4)
    detector.model.fit(batches, steps_per_epoch=100, epochs=1)

:class:`SampleBatches` is the runner's :class:`keras.utils.PyDataset`: each worker thread draws
samples from its own (seeded) iterator, so synthetic rendering overlaps with training. With ``processes``, batches
come from that many forked processes instead (ADR 0022): a GPU trains faster than one Python process renders.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import queue
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from ocr_core.errors import AlphabetError, TrainingError
from ocr_core.training.craft_targets import compute_targets

__all__ = [
    "MAX_SKIPPED_IN_A_ROW",
    "DetectorSample",
    "detector_collate",
    "detector_batches",
    "encode_texts",
    "ctc_fits",
    "recognizer_collate",
    "recognizer_batches",
    "SampleBatches",
    "FixedBatches",
]


@dataclass
class DetectorSample:
    """An image with character lines, ``###`` quads (masked out) and weighted word quads."""

    image: np.ndarray
    lines: list = field(default_factory=list)
    ignore_quads: Sequence[np.ndarray] = ()
    weighted_quads: Sequence[tuple[np.ndarray, float]] = ()


def _as_detector_sample(sample: Any) -> DetectorSample:
    if isinstance(sample, DetectorSample):
        return sample
    image, lines = sample[0], sample[1]
    return DetectorSample(np.asarray(image), list(lines))


def detector_collate(samples: Sequence[Any], *, heatmap_size: int = 512, heatmap_distance_ratio: float = 1.5,
                     with_mask: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Stack samples into ``(X, y)``: X ImageNet-normalised float32, y region/affinity (+ weight) maps."""
    from ocr_core.models.craft import craft_preprocess

    items = [_as_detector_sample(s) for s in samples]
    shapes = {it.image.shape for it in items}
    if len(shapes) != 1:
        raise TrainingError(f"images in a detector batch must share one size, got {sorted(shapes)}")
    h, w = items[0].image.shape[:2]
    if h % 2 or w % 2:
        raise TrainingError(f"detector training images need even sides, got {w}x{h}")
    X = craft_preprocess(np.stack([it.image[..., :3] for it in items]))
    y = np.stack([
        compute_targets(h, w, it.lines, ignore_quads=it.ignore_quads, weighted_quads=it.weighted_quads,
                        heatmap_size=heatmap_size, heatmap_distance_ratio=heatmap_distance_ratio,
                        with_mask=with_mask)
        for it in items
    ])
    return X.astype(np.float32), y.astype(np.float32)


def _sample_weights(samples: Sequence[Any], kind: str) -> np.ndarray | None:
    """The weights of ``(..., weight)`` samples (keras-ocr's third item), ``None`` when no sample has one."""
    weighted = [len(s) == 3 for s in samples if isinstance(s, tuple | list)]
    if not any(weighted):
        return None
    if not all(weighted) or len(weighted) != len(samples):
        raise TrainingError(f"{kind} samples must all have a weight as their third item, or none")
    try:
        return np.asarray([float(s[2]) for s in samples], np.float32)
    except (TypeError, ValueError) as exc:
        raise TrainingError(f"a {kind} sample's weight must be a number: {exc}") from exc


def detector_batches(image_generator: Iterable[Any], batch_size: int = 8, heatmap_size: int = 512,
                     heatmap_distance_ratio: float = 1.5) -> Iterator[tuple[np.ndarray, ...]]:
    """Endless ``(X, y)`` batches from ``(image, lines)`` samples, ``(X, y, sample_weights)`` from
    ``(image, lines, weight)`` samples (keras-ocr semantics)."""
    iterator = iter(image_generator)
    while True:
        samples = list(itertools.islice(iterator, batch_size))
        if not samples:
            return
        weights = _sample_weights(samples, "detector")
        X, y = detector_collate(samples, heatmap_size=heatmap_size, heatmap_distance_ratio=heatmap_distance_ratio)
        yield (X, y) if weights is None else (X, y, weights)


def ctc_fits(text: str, timesteps: int) -> bool:
    """Whether CTC can align ``text`` in ``timesteps`` frames (repeats need a blank between them)."""
    repeats = sum(1 for a, b in zip(text, text[1:]) if a == b)
    return len(text) + repeats <= timesteps


def encode_texts(texts: Sequence[str], alphabet: str, max_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels ``(B, max_length)`` int32 padded with -1 and lengths ``(B, 1)`` int32."""
    index = {c: i for i, c in enumerate(alphabet)}
    labels = np.full((len(texts), max_length), -1, np.int32)
    lengths = np.zeros((len(texts), 1), np.int32)
    for row, text in enumerate(texts):
        if len(text) > max_length:
            raise TrainingError(f"text {text!r} is longer than the maximum label length {max_length}")
        try:
            labels[row, :len(text)] = [index[c] for c in text]
        except KeyError as exc:
            raise AlphabetError(f"character {exc.args[0]!r} of {text!r} is not in the alphabet {alphabet!r}") \
                from None
        lengths[row, 0] = len(text)
    return labels, lengths


def recognizer_collate(samples: Sequence[tuple[np.ndarray, str]], alphabet: str, *, height: int, width: int,
                       channels: int, max_length: int, timesteps: int | None = None
                       ) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """``((images float [0, 1], labels, input_length, label_length), zeros)`` for a CTC training model."""
    from ocr_core.training.data import to_model_crop

    images = np.stack([to_model_crop(crop, height, width, channels) for crop, _ in samples])
    labels, lengths = encode_texts([text for _, text in samples], alphabet, max_length)
    input_length = np.full((len(samples), 1), timesteps or max_length, np.int32)
    zeros = np.zeros((len(samples),), np.float32)
    return (images.astype(np.float32) / 255.0, labels, input_length, lengths), zeros


#: Consecutive samples too long for the model after which :func:`recognizer_batches` gives up (none would fit).
MAX_SKIPPED_IN_A_ROW = 1000


def recognizer_batches(image_generator: Iterable[tuple[Any, ...]], alphabet: str, batch_size: int = 8,
                       lowercase: bool = False, height: int = 32, width: int = 128, max_length: int = 32,
                       channels: int = 1, timesteps: int | None = None
                       ) -> Iterator[tuple[Any, ...]]:
    """Endless CTC batches from ``(crop, text)`` samples, or ``(crop, text, weight)`` samples (then each batch
    carries the weights as its third item, as keras-ocr's). Texts are stripped; those too long for the model are
    skipped, and :data:`MAX_SKIPPED_IN_A_ROW` of them in a row raise :class:`TrainingError` (none fits).

    ``max_length`` is the padded label width (the training model's label input); ``timesteps`` the
    model's output length (defaults to ``max_length``, as in keras-ocr).
    """
    steps = timesteps or max_length
    iterator = iter(image_generator)
    skipped = 0
    while True:
        batch: list[tuple[np.ndarray, str]] = []
        weights: list[Any] = []
        for sample in iterator:
            crop, text = sample[0], str(sample[1]).strip()
            text = text.lower() if lowercase else text
            if len(text) <= max_length and ctc_fits(text, steps):
                batch.append((crop, text))
                weights.append(sample)
                skipped = 0
            else:
                skipped += 1
                if skipped >= MAX_SKIPPED_IN_A_ROW:
                    raise TrainingError(f"{skipped} texts in a row are too long for the model (at most {max_length} "
                                        f"characters, {steps} time steps), e.g. {text[:40]!r}: shorten them")
            if len(batch) == batch_size:
                break
        if not batch:
            return
        sample_weights = _sample_weights(weights, "recognizer")
        inputs, zeros = recognizer_collate(batch, alphabet, height=height, width=width, channels=channels,
                                           max_length=max_length, timesteps=steps)
        yield (inputs, zeros) if sample_weights is None else (inputs, zeros, sample_weights)


#: Seconds the training process waits for a batch from live batch processes before giving up.
_BATCH_PATIENCE_S = 600.0


class SampleBatches(keras.utils.PyDataset):
    """A fixed number of batches per epoch drawn from endless sample iterators.

    ``make_iterator(seed)`` returns an endless iterator of samples; ``collate(samples)`` builds a batch.
    Each batch borrows an iterator from a pool (one per concurrent worker thread, each with its own seed),
    so iterators, which are not thread-safe and costly to start, survive from one epoch to the next.

    ``processes`` > 0: that many processes, forked at the first batch and kept until :meth:`close`, each make
    batches from its own iterator (seeds as the threads' would be) into a queue; batches then arrive in the order
    they are finished. The iterators must not use the model or any framework state (the recognizer's crops do not).
    """

    def __init__(self, make_iterator: Callable[[int], Iterator[Any]], collate: Callable[[list[Any]], Any],
                 batch_size: int, steps: int, *, seed: int = 0, workers: int = 1, max_queue_size: int = 8,
                 processes: int = 0) -> None:
        super().__init__(workers=1 if processes else workers, use_multiprocessing=False,
                         max_queue_size=max_queue_size)
        if steps <= 0 or batch_size <= 0:
            raise TrainingError(f"steps ({steps}) and batch size ({batch_size}) must be positive")
        self._make_iterator = make_iterator
        self._collate = collate
        self.batch_size = int(batch_size)
        self.steps = int(steps)
        self._seed = int(seed)
        self._free: queue.SimpleQueue[Iterator[Any]] = queue.SimpleQueue()
        self._counter = itertools.count()
        self.processes = max(0, int(processes))
        self._producers: list[Any] = []
        self._batches: Any = None

    def _borrow(self) -> Iterator[Any]:
        try:
            return self._free.get_nowait()
        except queue.Empty:
            return iter(self._make_iterator(self._seed + 7919 * next(self._counter)))

    @property
    def num_batches(self) -> int:
        return self.steps

    def __len__(self) -> int:
        return self.steps

    def __getitem__(self, index: int) -> Any:
        if self.processes:
            return self._from_processes()
        it = self._borrow()
        samples = list(itertools.islice(it, self.batch_size))
        if len(samples) < self.batch_size:
            raise TrainingError("the training data ran out of samples (a sample iterator ended)")
        self._free.put(it)
        return self._collate(samples)

    # --- batches from processes -------------------------------------------------------------------
    def _start(self) -> None:
        context = multiprocessing.get_context("fork")  # the iterators are closures: a fork shares them as they are
        self._batches = context.Queue(maxsize=2 * self.processes + 2)
        for k in range(self.processes):
            process = context.Process(target=_produce, name=f"ocr-studio-batches-{k}", daemon=True,
                                      args=(self._make_iterator, self._collate, self.batch_size,
                                            self._seed + 7919 * k, self._batches, os.getpid()))
            with warnings.catch_warnings():
                # JAX warns of any fork; the batch processes never touch JAX (or any framework), only numpy,
                # Pillow and OpenCV, whose pool they turn off (as PyTorch's DataLoader workers do).
                warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called", category=RuntimeWarning)
                process.start()
            self._producers.append(process)

    def _from_processes(self) -> Any:
        if not self._producers:
            self._start()
        waited = 0.0
        while True:
            try:
                kind, value = self._batches.get(timeout=5.0)
            except queue.Empty:
                waited += 5.0
                if not any(p.is_alive() for p in self._producers):
                    codes = sorted({p.exitcode for p in self._producers})
                    raise TrainingError(f"every batch process ended (exit codes {codes}); train with "
                                        "--data-processes 0 to see the error in this process") from None
                if waited >= _BATCH_PATIENCE_S:  # e.g. a process killed mid-write left the queue broken
                    raise TrainingError(f"no batch from the {len(self._producers)} batch processes in "
                                        f"{_BATCH_PATIENCE_S:.0f} s; train with --data-processes 0") from None
                continue
            if kind == "error":
                raise TrainingError(f"a batch process failed: {value}")
            return value

    def close(self) -> None:
        """Stop the batch processes (threads need nothing); safe to call more than once."""
        for process in self._producers:
            if process.is_alive():
                process.terminate()
        for process in self._producers:
            process.join(timeout=5.0)
        self._producers = []
        if self._batches is not None:
            self._batches.close()
            self._batches.cancel_join_thread()  # batches nobody will read must not hold the exit
            self._batches = None


def _produce(make_iterator: Callable[[int], Iterator[Any]], collate: Callable[[list[Any]], Any], batch_size: int,
             seed: int, batches: Any, parent: int) -> None:
    """A batch process: batches from its own iterator into ``batches`` until the parent is gone."""
    # A batch still in the pipe must not hold this process at exit: once the parent is gone nobody reads it.
    batches.cancel_join_thread()
    try:
        import cv2

        cv2.setNumThreads(0)  # OpenCV's thread pool does not survive a fork; one process, one thread
    except Exception:  # noqa: BLE001  (OpenCV missing or too old: nothing to turn off)
        pass
    try:
        it = iter(make_iterator(seed))
        while os.getppid() == parent:
            samples = list(itertools.islice(it, batch_size))
            if len(samples) < batch_size:
                raise TrainingError("the training data ran out of samples (a sample iterator ended)")
            batch = collate(samples)
            while os.getppid() == parent:  # a full queue: wait, but notice when the parent is gone
                try:
                    batches.put(("batch", batch), timeout=1.0)
                    break
                except queue.Full:
                    continue
    except Exception as exc:  # noqa: BLE001  (reported to the parent, which raises it as a TrainingError)
        with contextlib.suppress(Exception):
            batches.put(("error", f"{type(exc).__name__}: {exc}"), timeout=5.0)
            time.sleep(1.0)  # let the queue's writer thread send it (joining it could hang, see above)
    if os.getppid() != parent:
        os._exit(0)  # orphaned: leave without running exit handlers that could wait on the dead parent


class FixedBatches(keras.utils.PyDataset):
    """Batches made once and served in the same order every epoch (comparable validation losses)."""

    def __init__(self, batches: Sequence[Any]) -> None:
        super().__init__()
        if not batches:
            raise TrainingError("no validation batches")
        self.batches = list(batches)

    @property
    def num_batches(self) -> int:
        return len(self.batches)

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, index: int) -> Any:
        return self.batches[index]
