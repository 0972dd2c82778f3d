"""Text recognition: a CRNN model plus CTC decoding, under keras-ocr's ``Recognizer`` name.

>>> recognizer = Recognizer()                        # the bundled default (lite) model  # doctest: +SKIP
>>> recognizer.recognize(word_crop)                  # doctest: +SKIP
'hello'
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

from ocr_core.alphabet import DEFAULT_ALPHABET, KURAPAN_ALPHABET
from ocr_core.errors import AlphabetError, WeightsError
from ocr_core.geometry import DEFAULT_CROP_MARGIN
from ocr_core.postprocess.lexicon import Lexicon, lexicon_choices
from ocr_core.weights import DEFAULT_RECOGNIZER, ModelSpec, resolve_model

__all__ = ["Recognizer", "Reading", "DEFAULT_ALPHABET", "DEFAULT_CROP_MARGIN", "TALL_RATIO", "prepare_crops",
           "spec_min_confidence", "DEFAULT_WEAK_MIN_CONFIDENCE", "build_model"]


def __getattr__(name: str) -> Any:
    """``DEFAULT_BUILD_PARAMS`` (keras-ocr's recognizer architecture), read when asked: the models import Keras."""
    if name == "DEFAULT_BUILD_PARAMS":
        from ocr_core.models.crnn import CRNN_VARIANTS

        return dict(CRNN_VARIANTS["kurapan"])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_model(alphabet: str, **build_params: Any) -> Any:
    """keras-ocr's ``build_model``: ``(backbone, model, training_model, prediction_model)`` of its CRNN for
    ``alphabet``; ``build_params`` (height, width, color, filters, rnn_units, dropout, rnn_steps_to_discard,
    pool_size, stn) override :data:`DEFAULT_BUILD_PARAMS` (:func:`ocr_core.models.crnn.build_crnn`, variant
    ``kurapan``)."""
    from ocr_core.models.crnn import build_crnn

    return build_crnn(len(alphabet), "kurapan", **build_params)


class Reading(NamedTuple):
    """One crop's reading.

    ``text`` and ``confidence`` are what :meth:`Recognizer.recognize_crops` returns. ``model_confidence`` is the
    confidence of the model's own reading, before a lexicon replaced it with a dictionary word (the same as
    ``confidence`` without a lexicon). It says how sure the model is that the crop holds text at all, so the
    pipeline's confidence floors use it: a dictionary never decides whether a box is kept (ADR 0016).
    """

    text: str
    confidence: float
    model_confidence: float



def prepare_crops(crops: Sequence[np.ndarray], height: int, width: int, channels: int) -> np.ndarray:
    """Resize crops aspect-preserving, paste top-left on black, scale to [0, 1]: ``(B, H, W, C)`` float32."""
    import cv2

    from ocr_core.geometry import resize_and_pad

    batch = np.zeros((len(crops), height, width, channels), dtype=np.float32)
    for i, crop in enumerate(crops):
        crop = np.asarray(crop)
        if crop.ndim == 3 and crop.shape[2] == 1:
            crop = crop[..., 0]
        if channels == 1 and crop.ndim == 3:
            crop = cv2.cvtColor(crop[..., :3].astype(np.uint8), cv2.COLOR_RGB2GRAY)
        elif channels == 3 and crop.ndim == 2:
            crop = np.repeat(crop[..., None], 3, axis=2)
        resized = resize_and_pad(crop.astype(np.uint8), height, width)
        batch[i] = resized.reshape(height, width, channels).astype(np.float32) / 255.0
    return batch


#: The confidence a word from a weak detection needs when the recognizer's ``model.json`` does not say (ADR 0014).
DEFAULT_WEAK_MIN_CONFIDENCE = 0.5


def spec_min_confidence(spec: ModelSpec | None, key: str = "min_confidence", default: float = 0.0) -> float:
    """A confidence a recognizer's ``model.json`` recommends (its ``postprocess`` entry ``key``; ``default`` when
    absent). ``min_confidence``: a page's words read less confidently are dropped; ``weak_min_confidence``: the
    same for words the detector found only weakly (see :class:`~ocr_core.pipeline.Pipeline`)."""
    raw = (spec.postprocess if spec else {}).get(key, default)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = -1.0
    if not 0.0 <= value < 1.0:
        raise WeightsError(f"recognizer {spec.name if spec else '?'}: model.json postprocess: {key} must "
                           f"be a number in [0, 1), got {raw!r}")
    return value


#: Height / width above which a crop is also read turned a quarter (vertical text).
TALL_RATIO = 1.5


class Recognizer:
    """CRNN word recognizer.

    Args:
        alphabet: characters the model reads; ``None`` uses the weights' alphabet (or :data:`DEFAULT_ALPHABET`).
            An alphabet different from the weights' keeps the backbone and builds a new (untrained) top.
        weights: ``"default"`` (bundled lite model), a model name (``"kurapan"`` = keras-ocr's published file,
            placed by hand), a model folder or weights file, or ``None`` for an untrained model.
        build_params: overrides for the architecture (height, width, filters, ...).
        variant: ``"lite"`` or ``"kurapan"`` when ``weights`` is None (default ``"kurapan"``, as keras-ocr).
    """

    def __init__(
        self,
        alphabet: str | None = None,
        weights: str | None = "default",
        build_params: dict[str, Any] | None = None,
        *,
        variant: str | None = None,
    ) -> None:
        from ocr_core.models.crnn import build_crnn, crnn_input_shape

        self.spec: ModelSpec | None = None
        self.weights_path = None
        if weights is not None:
            name = DEFAULT_RECOGNIZER if weights == "default" else weights
            self.spec, self.weights_path = resolve_model(name, kind="recognizer")
            variant = "kurapan" if self.spec.architecture == "crnn_kurapan" else "lite"
        self.variant = variant or "kurapan"
        params = dict(self.spec.build_params if self.spec else {})
        params.update(build_params or {})
        weights_alphabet = self.spec.alphabet if self.spec else None
        if (self.spec is not None and self.spec.include_top and not weights_alphabet and alphabet is None
                and self.variant != "kurapan"):  # keras-ocr's published top reads KURAPAN_ALPHABET
            raise WeightsError(f"recognizer {self.spec.name}: its model.json names no alphabet, so nobody can tell "
                               "which character each output is; add the \"alphabet\" it was trained with (or pass "
                               "alphabet=... to train a new top)")
        self.alphabet = alphabet or weights_alphabet or (
            KURAPAN_ALPHABET if self.variant == "kurapan" else DEFAULT_ALPHABET
        )
        if not self.alphabet:
            raise AlphabetError("the alphabet is empty")
        if len(set(self.alphabet)) != len(self.alphabet):
            raise AlphabetError("the alphabet repeats characters")
        self.build_params = params
        self.blank_label_idx = len(self.alphabet)
        self.backbone, self.model, self.training_model, self.prediction_model = build_crnn(
            len(self.alphabet), self.variant, **params
        )
        self.input_height, self.input_width, self.input_channels = crnn_input_shape(self.variant, **params)
        # Context kept around a detector box when cropping, as a fraction of the box height on every side.
        # Our crop generator frames text at 0.6-1.05 of the crop height (about 0.1 per side on average); a
        # tight CRAFT box would sit at the edge of that. keras-ocr's models were trained on tight crops.
        spec_margin = (self.spec.input_spec or {}).get("crop_margin") if self.spec else None
        self.crop_margin = float(spec_margin if spec_margin is not None else
                                 (0.0 if self.variant == "kurapan" else DEFAULT_CROP_MARGIN))
        if self.weights_path is not None:
            from ocr_core.models.loading import load_backbone_weights, load_weights_checked

            same_alphabet = weights_alphabet is not None and weights_alphabet == self.alphabet
            if self.spec is not None and self.spec.include_top and same_alphabet:
                load_weights_checked(self.model, self.weights_path)
            elif self.spec is not None and (not self.spec.include_top or not same_alphabet):
                load_backbone_weights(self.backbone, self.weights_path)
            else:  # pragma: no cover - spec is always set with weights
                raise WeightsError("weights without a spec")
        self.has_trained_top = self.weights_path is not None and bool(
            self.spec and self.spec.include_top and weights_alphabet == self.alphabet
        )
        self.min_confidence = spec_min_confidence(self.spec) if self.has_trained_top else 0.0
        self.weak_min_confidence = (
            spec_min_confidence(self.spec, "weak_min_confidence", DEFAULT_WEAK_MIN_CONFIDENCE)
            if self.has_trained_top else DEFAULT_WEAK_MIN_CONFIDENCE)

    @property
    def name(self) -> str:
        return self.spec.name if self.spec else f"crnn_{self.variant}(untrained)"

    # -- inference -------------------------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Read one and then two blank crops, so later batches of any size reuse one traced graph
        (see :meth:`ocr_core.detection.Detector.warm_up`)."""
        blank = np.zeros((self.input_height, self.input_width, 3), dtype=np.uint8)
        for n in (1, 2):
            self.predict_probabilities([blank] * n)

    def predict_probabilities(self, crops: Sequence[np.ndarray], batch_size: int = 64) -> np.ndarray:
        """Per-timestep probabilities ``(N, T, len(alphabet)+1)`` for word crops (any size, RGB or gray)."""
        outputs = []
        for start in range(0, len(crops), batch_size):
            chunk = crops[start : start + batch_size]
            batch = prepare_crops(chunk, self.input_height, self.input_width, self.input_channels)
            if len(chunk) < batch_size and len(crops) > batch_size:
                # keep one batch shape so the compiled graph is reused
                padded = np.zeros((batch_size, *batch.shape[1:]), dtype=batch.dtype)
                padded[: len(chunk)] = batch
                outputs.append(np.asarray(self.model.predict_on_batch(padded))[: len(chunk)])
            else:
                outputs.append(np.asarray(self.model.predict_on_batch(batch)))
        if not outputs:
            return np.zeros((0, 0, len(self.alphabet) + 1), dtype=np.float32)
        return np.concatenate(outputs, axis=0)

    def recognize_crops(
        self, crops: Sequence[np.ndarray], *, beam_width: int = 0, batch_size: int = 64,
        lexicon: Lexicon | None = None, rotate_tall: bool = True,
    ) -> list[tuple[str, float]]:
        """Read word crops: ``(text, confidence)`` per crop; the options as in :meth:`read_crops`."""
        return [(r.text, r.confidence) for r in self.read_crops(
            crops, beam_width=beam_width, batch_size=batch_size, lexicon=lexicon, rotate_tall=rotate_tall)]

    def read_crops(
        self, crops: Sequence[np.ndarray], *, beam_width: int = 0, batch_size: int = 64,
        lexicon: Lexicon | None = None, rotate_tall: bool = True,
    ) -> list[Reading]:
        """Read word crops: a :class:`Reading` per crop. ``beam_width > 1`` uses beam search.

        ``lexicon``: a :class:`~ocr_core.postprocess.lexicon.Lexicon` (see
        :func:`~ocr_core.postprocess.lexicon.load_lexicon`) to prefer dictionary words the model makes nearly as
        likely as its own reading; a word put in place of the reading has the exact CTC probability of that word
        as its confidence, a reading left as it is keeps its plain confidence.

        ``rotate_tall``: a crop more than :data:`TALL_RATIO` times taller than wide may hold vertical text (a
        rotated sign, a book spine); it is also read turned a quarter either way, and a turned reading of two or
        more characters replaces the upright one when the model is more confident of it or reads nothing upright.
        """
        if len(crops) == 0:
            return []
        results = self._decode(crops, beam_width, batch_size, lexicon)
        if not rotate_tall:
            return results
        tall = [i for i, c in enumerate(crops) if np.shape(c)[0] > TALL_RATIO * np.shape(c)[1]]
        if not tall:
            return results
        turned = [np.ascontiguousarray(np.rot90(np.asarray(crops[i]), k)) for i in tall for k in (1, 3)]
        readings = self._decode(turned, beam_width, batch_size, lexicon)
        for n, i in enumerate(tall):
            for turned_reading in readings[2 * n : 2 * n + 2]:
                upright = results[i]
                if len(turned_reading.text.replace(" ", "")) >= 2 and (
                        turned_reading.model_confidence > upright.model_confidence or not upright.text.strip()):
                    results[i] = turned_reading
        return results

    def _decode(self, crops: Sequence[np.ndarray], beam_width: int, batch_size: int,
                lexicon: Lexicon | None) -> list[Reading]:
        from ocr_core.postprocess.ctc import ctc_beam_search_decode, ctc_greedy_decode

        probs = self.predict_probabilities(crops, batch_size=batch_size)
        beam = bool(beam_width and beam_width > 1)
        if lexicon is None:
            if beam:
                plain = ctc_beam_search_decode(probs, self.alphabet, beam_width=beam_width)
            else:
                plain = ctc_greedy_decode(probs, self.alphabet)
            return [Reading(text, conf, conf) for text, conf in plain]
        chosen = lexicon_choices(probs, self.alphabet, lexicon, beam_width=beam_width)
        if beam:  # the dictionary's decoder ran the beam already and kept its result
            plain = [c.beam_reading or (c.reading, c.confidence) for c in chosen]
        else:
            plain = ctc_greedy_decode(probs, self.alphabet)
        # A reading the dictionary leaves as it is keeps the plain decoder's confidence, on the scale the
        # review colours and thresholds were set on; a replaced one shows P(word | image) (ADR 0016).
        return [Reading(c.text, own if c.text == own_text else c.confidence, own)
                for c, (own_text, own) in zip(chosen, plain)]

    def recognize(self, image: Any) -> str:
        """Read one pre-cropped word image (path, array, ...)."""
        from ocr_core.imageio import read_image

        return self.recognize_crops([read_image(image)])[0][0]

    def crop_boxes(self, image: np.ndarray, boxes: Sequence[np.ndarray]) -> list[np.ndarray]:
        from ocr_core.geometry import crop_quad

        return [crop_quad(image, np.asarray(box), height=self.input_height * 2, margin=self.crop_margin)
                for box in boxes]

    def recognize_from_boxes(
        self, images: Sequence[Any], box_groups: Sequence[Sequence[np.ndarray]], **kwargs: Any
    ) -> list[list[str]]:
        """keras-ocr's API: the text of every box of every image (all crops go through the model in batches)."""
        return [[t for t, _ in group] for group in self.recognize_boxes_with_confidence(images, box_groups, **kwargs)]

    def recognize_boxes_with_confidence(
        self, images: Sequence[Any], box_groups: Sequence[Sequence[np.ndarray]], *, beam_width: int = 0,
        batch_size: int = 64, lexicon: Lexicon | None = None, verbose: Any = None,
    ) -> list[list[tuple[str, float]]]:
        """``(text, confidence)`` for every box of every image; ``lexicon`` as in :meth:`read_crops`."""
        return [[(r.text, r.confidence) for r in group] for group in self.read_boxes(
            images, box_groups, beam_width=beam_width, batch_size=batch_size, lexicon=lexicon)]

    def read_boxes(
        self, images: Sequence[Any], box_groups: Sequence[Sequence[np.ndarray]], *, beam_width: int = 0,
        batch_size: int = 64, lexicon: Lexicon | None = None, verbose: Any = None,
    ) -> list[list[Reading]]:
        """A :class:`Reading` for every box of every image; the options as in :meth:`read_crops`. ``verbose`` is
        accepted and ignored: keras-ocr handed it to Keras' ``predict``, whose progress bar this never shows."""
        from ocr_core.imageio import read_image

        images, box_groups = list(images), list(box_groups)
        if len(images) != len(box_groups):
            raise ValueError(f"{len(images)} image(s) but {len(box_groups)} box group(s): give one group of boxes "
                             "per image")
        crops: list[np.ndarray] = []
        counts = []
        for image, boxes in zip(images, box_groups):
            arr = read_image(image)
            group = self.crop_boxes(arr, boxes)
            crops.extend(group)
            counts.append(len(group))
        results = self.read_crops(crops, beam_width=beam_width, batch_size=batch_size, lexicon=lexicon)
        out, pos = [], 0
        for n in counts:
            out.append(results[pos : pos + n])
            pos += n
        return out

    # -- training (keras-ocr compatibility) -------------------------------------------------------------------
    def compile(self, *args: Any, **kwargs: Any) -> None:
        """Compile ``training_model`` with the CTC loss (its output *is* the loss)."""
        if "optimizer" not in kwargs and not args:
            import keras

            kwargs["optimizer"] = keras.optimizers.RMSprop()
        kwargs.setdefault("loss", lambda _, y_pred: y_pred)
        self.training_model.compile(*args, **kwargs)

    def get_batch_generator(
        self, image_generator: Iterator[tuple[Any, ...]], batch_size: int = 8, lowercase: bool = False
    ) -> Iterator[tuple[Any, ...]]:
        """keras-ocr's training batches from ``(crop, text)`` pairs (``(crop, text, weight)``: weighted batches), for
        ``training_model.fit``."""
        from ocr_core.training.batches import recognizer_batches

        return recognizer_batches(
            image_generator,
            alphabet=self.alphabet,
            batch_size=batch_size,
            lowercase=lowercase,
            height=self.input_height,
            width=self.input_width,
            channels=self.input_channels,
            max_length=int(self.training_model.inputs[1].shape[1]),
        )
