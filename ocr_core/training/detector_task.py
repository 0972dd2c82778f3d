"""Detector (CRAFT) training: data from synthetic pages and annotated folders, model building, spec."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from ocr_core.document import Page
from ocr_core.errors import TrainingError
from ocr_core.training.batches import SampleBatches, detector_collate
from ocr_core.training.config import DEFAULT_SYNTHETIC_SAMPLES, TrainConfig
from ocr_core.training.data import DataSource, load_pages, split_pages
from ocr_core.training.sources import (
    ImageCache,
    annotated_page_iterator,
    fixed_page_samples,
    mixed_iterator,
    synthetic_backgrounds,
    synthetic_page_iterator,
)
from ocr_core.training.weak import word_char_boxes

__all__ = ["DetectorTask", "CharBoxCache", "craft_architecture"]

_ARCH = {"lite": "craft_lite", "full": "craft"}


def craft_architecture(variant: str) -> str:
    if variant not in _ARCH:
        raise TrainingError(f"unknown detector variant {variant!r}; choose one of {sorted(_ARCH)}")
    return _ARCH[variant]


class CharBoxCache:
    """Character quads of each page's words: an equal split until :meth:`refresh` uses a model."""

    def __init__(self, pages: list[Page], cache: ImageCache, max_side: int = 1024) -> None:
        self.pages = pages
        self.cache = cache
        self.max_side = max_side
        self._boxes: dict[int, list[tuple[np.ndarray, str, float]]] = {}
        self._lock = threading.Lock()
        self.mean_confidence: float | None = None

    def _split(self, index: int, region: np.ndarray | None, scale: float) -> list[tuple[np.ndarray, str, float]]:
        out = []
        for word in self.pages[index].words:
            if word.ignore:
                continue
            quads, conf = word_char_boxes(word.quad, word.text, region, scale)
            out.append((quads, word.text, conf))
        return out

    def __call__(self, index: int) -> list[tuple[np.ndarray, str, float]]:
        with self._lock:
            boxes = self._boxes.get(index)
        if boxes is None:
            boxes = self._split(index, None, 0.5)
            with self._lock:
                self._boxes.setdefault(index, boxes)
        return boxes

    def refresh(self, model: keras.Model) -> float:
        """Re-split every word with ``model``'s region map; returns the mean word confidence."""
        import cv2

        from ocr_core.models.craft import craft_preprocess

        confs: list[float] = []
        fresh: dict[int, list[tuple[np.ndarray, str, float]]] = {}
        for index, page in enumerate(self.pages):
            if not any(not w.ignore for w in page.words):
                fresh[index] = []
                continue
            image = self.cache.get(str(page.image_path))
            h, w = image.shape[:2]
            f = min(1.0, self.max_side / max(h, w))
            nh, nw = max(32, int(round(h * f))), max(32, int(round(w * f)))
            ph, pw = math.ceil(nh / 32) * 32, math.ceil(nw / 32) * 32
            canvas = np.zeros((ph, pw, 3), np.uint8)
            canvas[:nh, :nw] = cv2.resize(image[..., :3], (nw, nh), interpolation=cv2.INTER_AREA)
            out = model(craft_preprocess(canvas[None]), training=False)
            region = np.asarray(keras.ops.convert_to_numpy(out), np.float32)[0, ..., 0]
            fresh[index] = self._split(index, region, 0.5 * nw / w)
            confs.extend(c for _, _, c in fresh[index])
        with self._lock:
            self._boxes = fresh
        self.mean_confidence = float(np.mean(confs)) if confs else None
        return self.mean_confidence or 0.0


class _RefreshCallback(keras.callbacks.Callback):
    def __init__(self, boxes: list[CharBoxCache], model: keras.Model, log: Callable[[str], None],
                 skip_first: bool) -> None:
        super().__init__()
        self.boxes, self.net, self.log, self.skip_first = boxes, model, log, skip_first
        self._first = True

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if self._first and self.skip_first:
            self._first = False
            return
        self._first = False
        confs = [b.refresh(self.net) for b in self.boxes]
        self.log(f"weak supervision: character boxes re-estimated, mean word confidence {np.mean(confs):.2f}")


class DetectorTask:
    """Builds the CRAFT model and its data for :func:`ocr_core.training.runner.train`."""

    kind = "detector"

    def __init__(self, config: TrainConfig, log: Callable[[str], None]) -> None:
        self.config = config
        self.log = log
        self.size = int(config.image_size)
        self.cache = ImageCache()
        self.synthetic: list[DataSource] = []
        self.train_pages: list[Page] = []
        self.val_pages: list[Page] = []
        self.alphabet = config.alphabet
        self.variant = config.variant
        self.build_params = dict(config.build_params)
        self.init_weights: str | None = None
        self.init_spec: Any = None
        self._font_groups: dict[str, list[str]] | None = None
        self._backgrounds: Any = None
        self.train_boxes = CharBoxCache([], self.cache)
        self.val_boxes = CharBoxCache([], self.cache)

    # --- data -------------------------------------------------------------------------------
    def prepare(self) -> None:
        pages: list[Page] = []
        for source in self.config.sources:
            if source.kind == "synthetic":
                self.synthetic.append(source)
            else:
                loaded = load_pages(source, word_crops=False)
                if not any(w for p in loaded for w in p.words):
                    raise TrainingError(f"{source.path}: no annotated words; nothing to train on")
                pages.extend(loaded)
        val_pages: list[Page] = []
        for source in self.config.validation_sources:
            if source.kind == "folder":
                val_pages.extend(load_pages(source, word_crops=False))
        if pages and not val_pages:
            pages, val_pages = split_pages(pages, self.config.validation_split, self.config.seed)
        self.train_pages, self.val_pages = pages, val_pages
        if not self.synthetic and not self.train_pages:
            raise TrainingError("the training data is empty")
        if self.synthetic:
            from ocr_core import synth

            alphabet = self.alphabet or synth.DEFAULT_ALPHABET
            self.alphabet = alphabet
            self._font_groups = synth.get_font_groups(alphabet, fonts=self.config.synth_options.get("fonts"),
                                                      cache_dir=self.config.cache_dir)
            self._backgrounds = synthetic_backgrounds(self.config.cache_dir, self.config.synth_options)
        self.train_boxes = CharBoxCache(self.train_pages, self.cache)
        self.val_boxes = CharBoxCache(self.val_pages, self.cache)

    def samples_per_epoch(self) -> int:
        synthetic = sum(s.count or DEFAULT_SYNTHETIC_SAMPLES["detector"] for s in self.synthetic)
        return synthetic + len(self.train_pages)

    def _synthetic_iterators(self, seed: int) -> tuple[list[Any], list[int]]:
        """One seeded page stream per synthetic source, with its share of the epoch."""
        its, weights = [], []
        options = {k: v for k, v in self.config.synth_options.items() if k not in ("backgrounds", "fonts")}
        for source in self.synthetic:
            its.append(synthetic_page_iterator(self.size, self.alphabet or "", self._font_groups or {},
                                               self._backgrounds, options, seed, self.config.cache_dir))
            weights.append(source.count or DEFAULT_SYNTHETIC_SAMPLES["detector"])
        return its, weights

    def _train_iterator(self, seed: int) -> Any:
        its, weights = self._synthetic_iterators(seed)
        if self.train_pages:
            its.append(annotated_page_iterator(self.train_pages, self.train_boxes, self.size, self.cache,
                                               self.config.augment, seed))
            weights.append(len(self.train_pages))
        return mixed_iterator(its, weights, seed)

    def _val_iterator(self, seed: int) -> Any:
        its, weights = self._synthetic_iterators(seed)
        if self.val_pages:
            its.append(fixed_page_samples(self.val_pages, self.val_boxes, self.size, self.cache))
            weights.append(len(self.val_pages))
        return mixed_iterator(its, weights, seed) if its else None

    def collate(self, samples: list[Any]) -> Any:
        return detector_collate(samples, with_mask=True)

    def has_validation(self) -> bool:
        return bool(self.synthetic or self.val_pages)

    def default_validation_steps(self, steps_per_epoch: int) -> int:
        if self.val_pages and not self.synthetic:
            return max(1, math.ceil(len(self.val_pages) / self.config.batch_size))
        return max(1, min(8, steps_per_epoch // 10))

    def datasets(self, steps: int, val_steps: int, seed: int, train_seed: int | None = None
                 ) -> tuple[SampleBatches, list[Any] | None]:
        """Training batches drawn from ``train_seed`` (default ``seed``); validation batches fixed by ``seed``."""
        if self.config.data_processes:
            self.log("--data-processes is for the recognizer: the detector's batches come from threads (their "
                     "weak supervision may use the model)")
        train = SampleBatches(self._train_iterator, self.collate, self.config.batch_size, steps,
                              seed=seed if train_seed is None else train_seed,
                              workers=self.config.workers)
        val_it = self._val_iterator(seed + 100_003)
        val = None
        if val_it is not None:
            val = [self.collate([next(val_it) for _ in range(self.config.batch_size)]) for _ in range(val_steps)]
        return train, val

    # --- model ------------------------------------------------------------------------------
    def resolve_init(self) -> None:
        if not self.config.init:
            return
        from ocr_core.weights import resolve_model

        spec, weights = resolve_model(self.config.init, "detector")
        variant = {v: k for k, v in _ARCH.items()}.get(spec.architecture)
        if variant is None:
            raise TrainingError(f"--init {self.config.init}: architecture {spec.architecture!r} is not a CRAFT")
        if variant != self.variant:
            self.log(f"--init {spec.name} is a {spec.architecture}; training that variant")
        self.variant = variant
        self.build_params = {**spec.build_params, **self.build_params}
        self.init_spec, self.init_weights = spec, str(weights)

    def build(self) -> tuple[keras.Model, keras.Model]:
        from ocr_core.models.craft import CRAFT_VARIANTS, CraftNet

        craft_architecture(self.variant)
        params = {**CRAFT_VARIANTS[self.variant], **self.build_params}
        model = CraftNet(**params, variant=self.variant, name=f"craft_{self.variant}")
        if self.init_weights:
            from ocr_core.models.loading import load_weights_checked

            load_weights_checked(model, self.init_weights)
        if self.config.freeze_backbone:
            for layer in model.layers:
                if layer.name.startswith("basenet."):
                    layer.trainable = False
        # Checkpoints are written from an uncompiled view sharing the layers: Keras 3 would otherwise add the
        # optimizer's variables to every weights file (they are kept apart, in last.optimizer.npz).
        view = keras.Model(model.input, model.output, name=model.name)
        return model, view

    def loss(self) -> Any:
        from ocr_core.training.losses import CraftLoss

        return CraftLoss(mode=self.config.loss)

    def default_learning_rate(self) -> float:
        return 1e-4 if self.init_weights else 1e-3

    def callbacks(self, model: keras.Model) -> list[keras.callbacks.Callback]:
        # Validation batches are made once (comparable val_loss), so only training words are re-split.
        if not self.train_boxes.pages or not self.config.weak_supervision:
            return []
        return [_RefreshCallback([self.train_boxes], model, self.log, skip_first=not self.init_weights)]

    def spec_fields(self) -> dict[str, Any]:
        from ocr_core.models.craft import CRAFT_MEAN, CRAFT_STD

        return {
            "architecture": craft_architecture(self.variant),
            "build_params": dict(self.build_params),
            "alphabet": None,
            "input_spec": {"channels": 3, "size_multiple": 32, "train_size": self.size,
                           "mean": CRAFT_MEAN.round(3).tolist(), "std": CRAFT_STD.round(3).tolist()},
        }

    def identity(self) -> dict[str, Any]:
        """What must not change between a run and its resume."""
        return {"task": "detector", "variant": self.variant, "build_params": self.build_params}
