"""Recognizer (CRNN + CTC) training: word crops from synthetic data and annotated folders, alphabet
checks before training, new top when the alphabet changes, frozen backbone option."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import keras
import numpy as np

from ocr_core.errors import AlphabetError, TrainingError
from ocr_core.training.batches import SampleBatches, ctc_fits, recognizer_collate
from ocr_core.training.config import DEFAULT_SYNTHETIC_SAMPLES, TrainConfig
from ocr_core.training.data import (
    DataSource,
    check_alphabet,
    extract_word_crops,
    load_pages,
    split_pages,
)
from ocr_core.training.sources import (
    crop_list_iterator,
    mixed_iterator,
    synthetic_backgrounds,
    synthetic_crop_iterator,
)

__all__ = ["RecognizerTask", "crnn_architecture", "lowercase_alphabet", "roll_lstms"]

_ARCH = {"lite": "crnn_lite", "kurapan": "crnn_kurapan"}


def crnn_architecture(variant: str) -> str:
    if variant not in _ARCH:
        raise TrainingError(f"unknown recognizer variant {variant!r}; choose one of {sorted(_ARCH)}")
    return _ARCH[variant]


def lowercase_alphabet(alphabet: str) -> str:
    """Lower-case an alphabet, keeping the first occurrence order of each character."""
    return "".join(dict.fromkeys(alphabet.lower()))


def roll_lstms() -> bool:
    """Whether training runs the LSTMs rolled (``unroll=False``) whatever the model says.

    ``unroll`` is how an LSTM runs, not what it computes: the weights are the same either way. Unrolled is the
    lite model's setting for inference and TensorFlow CPU training, where the two run about as fast. Elsewhere it
    costs: on a GPU only a rolled LSTM gets the cuDNN kernel (TensorFlow, PyTorch), and JAX compiles an unrolled
    one for 36 s and trains it 4x slower on a CPU (session 11). The saved model keeps its own setting.
    """
    from ocr_core.training.runner import gpu_visible

    return keras.backend.backend() != "tensorflow" or gpu_visible()


def _default_alphabet() -> str:
    from ocr_core.alphabet import DEFAULT_ALPHABET

    return DEFAULT_ALPHABET


class RecognizerTask:
    """Builds the CRNN models and their data for :func:`ocr_core.training.runner.train`."""

    kind = "recognizer"

    def __init__(self, config: TrainConfig, log: Callable[[str], None]) -> None:
        self.config = config
        self.log = log
        self.variant = config.variant
        self.build_params = dict(config.build_params)
        if config.max_length:
            self.build_params["max_label_length"] = int(config.max_length)
        self.init_spec: Any = None
        self.init_weights: str | None = None
        self.alphabet = ""
        self.synth_alphabet = ""
        self.synthetic: list[DataSource] = []
        self.train_crops: list[tuple[np.ndarray, str]] = []
        self.val_crops: list[tuple[np.ndarray, str]] = []
        self._fonts: list[str] = []
        self._backgrounds: Any = None
        self.timesteps = 0
        self.max_length = 0
        self.skipped: dict[str, int] = {}

    # --- data -------------------------------------------------------------------------------
    def resolve_init(self) -> None:
        cfg = self.config
        if cfg.init:
            from ocr_core.weights import resolve_model

            spec, weights = resolve_model(cfg.init, "recognizer")
            variant = {v: k for k, v in _ARCH.items()}.get(spec.architecture)
            if variant is None:
                raise TrainingError(f"--init {cfg.init}: architecture {spec.architecture!r} is not a CRNN")
            if variant != self.variant:
                self.log(f"--init {spec.name} is a {spec.architecture}; training that variant")
            self.variant = variant
            self.build_params = {**spec.build_params, **self.build_params}
            self.init_spec, self.init_weights = spec, str(weights)
        alphabet = cfg.alphabet or (self.init_spec.alphabet if self.init_spec else None) or _default_alphabet()
        self.synth_alphabet = alphabet
        self.alphabet = lowercase_alphabet(alphabet) if cfg.lowercase else "".join(dict.fromkeys(alphabet))
        if not self.alphabet:
            raise AlphabetError("the recognizer alphabet is empty")

    def input_shape(self) -> tuple[int, int, int]:
        from ocr_core.models.crnn import crnn_input_shape

        params = {k: v for k, v in self.build_params.items() if k != "max_label_length"}
        return crnn_input_shape(self.variant, **params)

    def prepare(self) -> None:
        cfg = self.config
        h, w, c = self.input_shape()
        pages = []
        for source in cfg.sources:
            if source.kind == "synthetic":
                self.synthetic.append(source)
            else:
                pages.extend(load_pages(source))
        val_pages = [p for s in cfg.validation_sources if s.kind == "folder" for p in load_pages(s)]
        if pages and not val_pages:
            pages, val_pages = split_pages(pages, cfg.validation_split, cfg.seed)
        train = extract_word_crops(pages, h, w, c, lowercase=cfg.lowercase)
        val = extract_word_crops(val_pages, h, w, c, lowercase=cfg.lowercase)
        if pages and not train:
            raise TrainingError("the annotated folders hold no readable words (all empty or ###)")
        # Characters outside the alphabet are reported before anything is built or trained.
        texts = [t for _, t in train] + [t for _, t in val]
        keep = check_alphabet(texts, self.alphabet, drop=cfg.drop_unknown, where="annotated training data")
        if not all(keep):
            self.log(f"dropped {keep.count(False)} word(s) with characters outside the alphabet")
        self.train_crops = [s for s, k in zip(train, keep[:len(train)]) if k]
        self.val_crops = [s for s, k in zip(val, keep[len(train):]) if k]
        if not self.synthetic and not self.train_crops:
            raise TrainingError("the training data is empty")
        if self.synthetic:
            from ocr_core import synth

            chosen = cfg.synth_options.get("fonts")  # fonts picked in the training tab
            self._fonts = [str(f) for f in chosen] if chosen else synth.get_training_fonts(
                self.synth_alphabet, cache_dir=cfg.cache_dir)
            self._backgrounds = synthetic_backgrounds(cfg.cache_dir, cfg.synth_options)

    def _fits(self, text: str) -> bool:
        return len(text) <= self.max_length and ctc_fits(text, self.timesteps) and all(
            ch in self._alphabet_set for ch in text)

    def _filtered(self, iterator: Iterator[tuple[np.ndarray, str]]) -> Iterator[tuple[np.ndarray, str]]:
        lower = self.config.lowercase
        for crop, text in iterator:
            text = text.lower() if lower else text
            if self._fits(text):
                yield crop, text

    def _iterator(self, crops: list[tuple[np.ndarray, str]], seed: int, synthetic: bool = True) -> Any:
        h, w, c = self.input_shape()
        its, weights = [], []
        if synthetic:
            options = {k: v for k, v in self.config.synth_options.items() if k not in ("backgrounds", "fonts")}
            for source in self.synthetic:
                its.append(self._filtered(synthetic_crop_iterator(
                    self.synth_alphabet, self._fonts, self._backgrounds, h, w, options, seed, color=c == 3,
                    max_length=self.max_length, cache_dir=self.config.cache_dir)))
                weights.append(source.count or DEFAULT_SYNTHETIC_SAMPLES["recognizer"])
        if crops:
            its.append(crop_list_iterator(crops, seed))
            weights.append(len(crops))
        return mixed_iterator(its, weights, seed) if its else None

    def samples_per_epoch(self) -> int:
        synthetic = sum(s.count or DEFAULT_SYNTHETIC_SAMPLES["recognizer"] for s in self.synthetic)
        return synthetic + len(self.train_crops)

    def has_validation(self) -> bool:
        return bool(self.synthetic or self.val_crops)

    def default_validation_steps(self, steps_per_epoch: int) -> int:
        if self.val_crops and not self.synthetic:
            return max(1, math.ceil(len(self.val_crops) / self.config.batch_size))
        return max(1, min(20, steps_per_epoch // 10))

    def collate(self, samples: list[Any]) -> Any:
        h, w, c = self.input_shape()
        return recognizer_collate(samples, self.alphabet, height=h, width=w, channels=c,
                                  max_length=self.max_length, timesteps=self.timesteps)

    def datasets(self, steps: int, val_steps: int, seed: int, train_seed: int | None = None
                 ) -> tuple[SampleBatches, list[Any] | None]:
        """Training batches drawn from ``train_seed`` (default ``seed``); validation batches fixed by ``seed``."""
        train = SampleBatches(lambda s: self._iterator(self.train_crops, s), self.collate,
                              self.config.batch_size, steps,
                              seed=seed if train_seed is None else train_seed, workers=self.config.workers,
                              processes=self.config.data_processes)
        val_it = self._iterator(self.val_crops, seed + 100_003)
        val = None
        if val_it is not None:
            val = [self.collate([next(val_it) for _ in range(self.config.batch_size)]) for _ in range(val_steps)]
        return train, val

    # --- model ------------------------------------------------------------------------------
    def build(self) -> tuple[keras.Model, keras.Model]:
        from ocr_core.models.crnn import CRNN_VARIANTS, build_crnn

        crnn_architecture(self.variant)
        configured_unroll = self.build_params.get("unroll", CRNN_VARIANTS[self.variant].get("unroll"))
        try:
            backbone, model, training_model, _ = build_crnn(len(self.alphabet), self.variant,
                                                            **self._run_params(self.build_params))
        except ValueError as exc:  # build parameters that do not fit the variant (e.g. residual_blocks on kurapan)
            raise TrainingError(f"cannot build the {self.variant} recognizer: {exc}") from exc
        if configured_unroll and not (getattr(model, "build_params", None) or {}).get("unroll"):
            self.log(f"the LSTMs train rolled on the {keras.backend.backend()} backend (the saved model keeps "
                     "unroll=True; the weights are the same)")
        # The spec records every build parameter, so the folder still loads if the variant's defaults change.
        effective = dict(getattr(model, "build_params", {}) or {})
        if configured_unroll is not None:
            effective["unroll"] = configured_unroll
        self.effective_params = {k: list(v) if isinstance(v, tuple) else v for k, v in effective.items()}
        if "max_label_length" in self.build_params:
            self.effective_params["max_label_length"] = self.build_params["max_label_length"]
        self.timesteps = int(model.output_shape[1])
        self.max_length = int(training_model.input_shape[1][1])
        self._alphabet_set = set(self.alphabet)
        if self.init_weights:
            self._load_init(model, backbone)
        if self.config.freeze_backbone:
            backbone.trainable = False
        too_long = [t for _, t in self.train_crops + self.val_crops if not self._fits(t)]
        if too_long:
            self.log(f"skipped {len(too_long)} word(s) too long for {self.timesteps} timesteps")
            self.train_crops = [s for s in self.train_crops if self._fits(s[1])]
            self.val_crops = [s for s in self.val_crops if self._fits(s[1])]
            if not self.synthetic and not self.train_crops:
                raise TrainingError("every training word is too long for the model")
        return training_model, model

    def _run_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` as this backend and device train them: rolled LSTMs where :func:`roll_lstms` says so."""
        from ocr_core.models.crnn import CRNN_VARIANTS

        if "unroll" in CRNN_VARIANTS[self.variant] and roll_lstms():
            return {**params, "unroll": False}
        return dict(params)

    def _load_init(self, model: keras.Model, backbone: keras.Model) -> None:
        """Start ``model`` from the ``--init`` weights: all of them, the backbone plus the shared characters'
        top columns when the alphabet changed, and by layer name when the model grew (ADR 0015)."""
        from ocr_core.models import loading
        from ocr_core.models.crnn import build_crnn

        spec, weights = self.init_spec, self.init_weights
        if spec is None or weights is None:
            raise TrainingError("no --init model to start from")
        same_alphabet = spec.alphabet == self.alphabet and spec.include_top
        old_params = self._run_params({k: v for k, v in spec.build_params.items() if k != "max_label_length"})
        _, old_model, _, _ = build_crnn(len(spec.alphabet or self.alphabet), self.variant, **old_params)
        grown = old_model.build_params != model.build_params
        if not grown and same_alphabet:
            loading.load_weights_checked(model, weights)
            return
        if grown:
            if not spec.include_top:
                raise TrainingError(f"--init {spec.name}: a backbone-only file cannot start a model with "
                                    "other build parameters")
            from ocr_core.training.growth import grow_weights

            loading.load_weights_checked(old_model, weights)
            added = grow_weights(old_model, model, skip=() if same_alphabet else ("fc_12",))
            self.log(f"grew {spec.name} into this model: {len(added)} new layer(s) start as the identity "
                     f"({', '.join(added[:4])}{', ...' if len(added) > 4 else ''})")
            if same_alphabet:
                return
        else:
            loading.load_backbone_weights(backbone, weights)
            if spec.include_top:
                loading.load_weights_checked(old_model, weights)
        shared = self._carry_top(old_model, model) if spec.include_top else 0
        if shared:
            self.log(f"alphabet differs from {spec.name}'s: kept its backbone and the top "
                     f"columns of {shared} shared character(s); {len(self.alphabet) - shared} new "
                     f"character(s) start from their base letters where they have one")
        else:
            self.log(f"alphabet differs from {spec.name}'s: kept its backbone, new top "
                     f"for {len(self.alphabet)} characters")

    def _carry_top(self, old_model: keras.Model, model: keras.Model) -> int:
        """Copy ``old_model``'s (the init weights') top columns of the characters both alphabets share into
        ``model`` (:func:`~ocr_core.training.alphabet_transfer.extend_top`); returns how many were shared."""
        from ocr_core.training.alphabet_transfer import extend_top

        old_alphabet = self.init_spec.alphabet
        if not set(old_alphabet) & set(self.alphabet):
            return 0
        kernel, bias = old_model.get_layer("fc_12").get_weights()
        new_kernel, new_bias, shared = extend_top(kernel, bias, old_alphabet, self.alphabet)
        model.get_layer("fc_12").set_weights([new_kernel, new_bias])
        return shared

    def loss(self) -> Any:
        from ocr_core.training.losses import ctc_passthrough

        return ctc_passthrough

    def default_learning_rate(self) -> float:
        return 3e-4 if self.init_weights else 1e-3

    def callbacks(self, model: keras.Model) -> list[keras.callbacks.Callback]:
        return []

    def spec_fields(self) -> dict[str, Any]:
        h, w, c = self.input_shape()
        return {
            "architecture": crnn_architecture(self.variant),
            "build_params": dict(getattr(self, "effective_params", None) or self.build_params),
            "alphabet": self.alphabet,
            "input_spec": {"height": h, "width": w, "channels": c},
        }

    def identity(self) -> dict[str, Any]:
        return {"task": "recognizer", "variant": self.variant, "build_params": self.build_params,
                "alphabet": self.alphabet}
