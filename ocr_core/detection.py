"""Text detection: a CRAFT model plus post-processing, under keras-ocr's ``Detector`` name.

>>> detector = Detector()                       # the bundled default (lite) detector  # doctest: +SKIP
>>> boxes = detector.detect([image])[0]         # (N, 4, 2) word quads in image pixels  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ocr_core.errors import WeightsError
from ocr_core.weights import DEFAULT_DETECTOR, ModelSpec, resolve_model

__all__ = ["Detector", "bucket_size", "pad_batch", "DEFAULT_SCALE", "compute_input", "getBoxes"]

#: Side lengths are padded up to a multiple of this, so new image sizes reuse compiled graphs.
BUCKET = 128
#: Upscaling applied by the pipeline when the model spec does not say otherwise (keras-ocr's default).
DEFAULT_SCALE = 2.0


def compute_input(image: np.ndarray) -> np.ndarray:
    """keras-ocr's ``compute_input``: RGB image(s) normalised for CRAFT (ImageNet mean and deviation)."""
    from ocr_core.models.craft import craft_preprocess

    return craft_preprocess(np.asarray(image))


def getBoxes(  # noqa: N802 - keras-ocr's name
    y_pred: np.ndarray, detection_threshold: float = 0.7, text_threshold: float = 0.4, link_threshold: float = 0.4,
    size_threshold: int = 10,
) -> list[np.ndarray]:
    """keras-ocr's ``getBoxes``: for each ``(H/2, W/2, 2)`` score map of a batch, the word boxes ``(N, 4, 2)`` in
    the model's input pixels (the plain numpy post-processing of :mod:`ocr_core.postprocess.detection`)."""
    from ocr_core.postprocess.detection import score_maps_to_boxes

    maps = np.asarray(y_pred)
    if maps.ndim == 3:
        maps = maps[None]
    return [np.asarray(score_maps_to_boxes(m[..., 0], m[..., 1], detection_threshold=detection_threshold,
                                           text_threshold=text_threshold, link_threshold=link_threshold,
                                           size_threshold=size_threshold))
            for m in maps]


def bucket_size(height: int, width: int, bucket: int = BUCKET) -> tuple[int, int]:
    """Round a size up to the bucket grid (a multiple of 32, as CRAFT needs)."""
    return (max(bucket, math.ceil(height / bucket) * bucket), max(bucket, math.ceil(width / bucket) * bucket))


def pad_batch(images: Sequence[np.ndarray], bucket: int = BUCKET) -> np.ndarray:
    """Pad images (top-left aligned, zeros) to one bucketed size: returns (B, H, W, 3) uint8."""
    height = max(im.shape[0] for im in images)
    width = max(im.shape[1] for im in images)
    height, width = bucket_size(height, width, bucket)
    batch = np.zeros((len(images), height, width, 3), dtype=np.uint8)
    for i, im in enumerate(images):
        batch[i, : im.shape[0], : im.shape[1]] = im
    return batch


class Detector:
    """CRAFT text detector.

    Args:
        weights: a model name (``"default"`` = the bundled lite model, ``"clovaai_general"`` = keras-ocr's published
            file, placed by hand), a model folder or a weights file; ``None`` builds an untrained model.
        load_from_torch: read ``weights`` as the original PyTorch checkpoint (``craft_mlt_25k.pth``).
        optimizer: compiled into ``model`` for training (keras-ocr compatibility).
        backbone_name: only ``"vgg"`` exists (kept for compatibility).
        variant: ``"lite"`` or ``"full"`` when ``weights`` is None (default ``"full"``, as keras-ocr).
        precision: ``"auto"`` (bfloat16 on CPUs that compute it natively, else float32), ``"float32"`` or
            ``"bfloat16"``; see :mod:`ocr_core.models.precision`. Weights and outputs stay float32.
        thresholds: post-processing overrides (``detection_threshold``, ``text_threshold``, ``link_threshold``,
            ``size_threshold``) on top of the model spec's ``postprocess``, itself on top of CRAFT's defaults.
    """

    def __init__(
        self,
        weights: str | None = "default",
        load_from_torch: bool = False,
        optimizer: Any = "adam",
        backbone_name: str = "vgg",
        *,
        variant: str | None = None,
        precision: str = "auto",
        thresholds: dict[str, Any] | None = None,
    ) -> None:
        from ocr_core.models.craft import build_craft
        from ocr_core.models.precision import precision_scope

        if backbone_name != "vgg":
            raise WeightsError(f"unknown backbone {backbone_name!r}: only 'vgg' is available")
        self.spec: ModelSpec | None = None
        self.weights_path = None
        self._warmed = False
        if weights is not None:
            name = DEFAULT_DETECTOR if weights == "default" else weights
            if load_from_torch and name == "clovaai_general":
                name = "clovaai_general_torch"
            self.spec, self.weights_path = resolve_model(name, kind="detector")
            variant = "full" if self.spec.architecture == "craft" else "lite"
        self.variant = variant or "full"
        with precision_scope(precision) as self.precision:
            self.model = build_craft(self.variant, **(self.spec.build_params if self.spec else {}))
        if self.weights_path is not None:
            if load_from_torch or str(self.weights_path).endswith(".pth"):
                from ocr_core.models.torch_import import load_craft_from_torch

                load_craft_from_torch(self.model, self.weights_path)
            else:
                from ocr_core.models.loading import load_weights_checked

                load_weights_checked(self.model, self.weights_path)
        if optimizer is not None:
            self.model.compile(loss="mse", optimizer=optimizer)
        from ocr_core.postprocess.detection import detection_settings

        try:
            #: The post-processing thresholds :meth:`detect` uses unless told otherwise (the spec's, else CRAFT's).
            self.thresholds = detection_settings(self.spec.postprocess if self.spec else None)
        except ValueError as exc:
            raise WeightsError(f"detector {self.name}: model.json postprocess: {exc}") from None
        self.thresholds = detection_settings(self.thresholds, thresholds)  # ValueError: the caller's mistake

    @property
    def name(self) -> str:
        return self.spec.name if self.spec else f"craft_{self.variant}(untrained)"

    @property
    def recommended_scale(self) -> float:
        """The upscaling this model was trained for (``input_spec['scale']``), else keras-ocr's 2."""
        if self.spec and "scale" in self.spec.input_spec:
            return float(self.spec.input_spec["scale"])
        return DEFAULT_SCALE

    @staticmethod
    def compute_input(images: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
        """Normalise RGB images for the model (ImageNet mean/std), keras-ocr's ``compute_input``."""
        from ocr_core.models.craft import craft_preprocess

        return craft_preprocess(np.asarray(images))

    def predict_maps(self, images: Sequence[np.ndarray], batch_size: int = 4) -> Iterator[np.ndarray]:
        """Yield each image's score map ``(h/2, w/2, 2)`` cropped to the image (padding removed)."""
        images = list(images)
        if images and not self._warmed:
            self.warm_up()
        for start in range(0, len(images), batch_size):
            chunk = images[start : start + batch_size]
            batch = self.compute_input(pad_batch(chunk))
            maps = np.asarray(self.model.predict_on_batch(batch), dtype=np.float32)
            for im, score in zip(chunk, maps):
                yield score[: math.ceil(im.shape[0] / 2), : math.ceil(im.shape[1] / 2)]

    def warm_up(self) -> None:
        """Run two tiny batches of different sizes, so the first real images do not wait for graph tracing.

        Keras traces its predict function again for each new input shape until two shapes have been seen;
        the second trace has free batch and image sizes and serves every later image. Tracing a CRAFT graph
        takes about a second on two cores and, in an app, holds up the other threads; this moves it to load
        time. Costs about as much as the first two images would have.

        It is also what keeps the graph right: traced first on two sizes that share a side (384 x 384, then
        384 x 512), TensorFlow keeps that side fixed and pads the dilated convolutions for it, and fails on the
        next size ("padded_shape ... is not divisible by block_shape"). :meth:`predict_maps` warms up first.
        """
        self._warmed = True
        for batch, side in ((1, BUCKET), (2, 2 * BUCKET)):
            self.model.predict_on_batch(np.zeros((batch, side, side, 3), dtype=np.float32))

    def detect(
        self,
        images: Iterable[np.ndarray],
        detection_threshold: float | None = None,
        text_threshold: float | None = None,
        link_threshold: float | None = None,
        size_threshold: int | None = None,
        batch_size: int = 4,
        large_text_scale: float | None = None,
        **kwargs: Any,
    ) -> list[np.ndarray]:
        """Detect words: returns one ``(N, 4, 2)`` float32 array of quads per image (image pixels).

        Thresholds left ``None`` come from :attr:`thresholds` (the model spec's, else CRAFT's 0.7 / 0.4 / 0.4 / 10).
        ``large_text_scale`` (0 < x < 1) adds a pass on each image shrunk by that factor for words too large for
        the model (:func:`~ocr_core.postprocess.detection.merge_large_text`); 0 turns it off. Weak detections
        are not returned here (:meth:`detect_candidates` has them).
        """
        found = self.detect_candidates(
            images, detection_threshold=detection_threshold, text_threshold=text_threshold,
            link_threshold=link_threshold, size_threshold=size_threshold, batch_size=batch_size,
            large_text_scale=large_text_scale, weak_detection_threshold=0.0)
        return [boxes for boxes, _weak in found]

    def detect_candidates(self, images: Iterable[np.ndarray], batch_size: int = 4,
                          **overrides: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        """Like :meth:`detect`, plus weak detections: per image ``(quads (N, 4, 2), weak (N,) bool)``.

        ``overrides``: :meth:`detect`'s thresholds and ``large_text_scale``, and ``weak_detection_threshold``; a word
        is weak when its peak score lies in ``[weak_detection_threshold, detection_threshold)`` (default: the
        model's; 0 turns weak detections off). Other names are ignored, as :meth:`detect` ignores them. The other
        words are exactly :meth:`detect`'s, in its order, weak ones after them; weak words lying mostly inside a
        large-text box are dropped. The pipeline keeps a weak word only when it is read confidently (ADR 0014).
        """
        from ocr_core.imageio import read_image
        from ocr_core.postprocess.detection import (
            DETECTION_DEFAULTS,
            MAP_SETTINGS,
            detection_settings,
            score_maps_to_boxes,
        )

        settings = detection_settings(self.thresholds, {k: v for k, v in overrides.items() if k in DETECTION_DEFAULTS})
        sure = float(settings["detection_threshold"])
        weak = float(settings["weak_detection_threshold"])
        map_settings = {k: settings[k] for k in MAP_SETTINGS}
        map_settings["detection_threshold"] = min(sure, weak) if weak > 0 else sure
        arrays = [read_image(im) for im in images]
        found: list[tuple[np.ndarray, np.ndarray]] = []
        for score in self.predict_maps(arrays, batch_size=batch_size):
            boxes, peaks = score_maps_to_boxes(score[..., 0], score[..., 1], scale=2.0, return_peaks=True,
                                               **map_settings)
            found.append((boxes, peaks))
        sure_boxes = [boxes[peaks >= sure] for boxes, peaks in found]
        weak_boxes = [boxes[peaks < sure] for boxes, peaks in found]
        factor = float(settings["large_text_scale"])
        if factor > 0:
            sure_boxes, weak_boxes = self._with_large_text(arrays, sure_boxes, weak_boxes, factor,
                                                           settings["large_text_height"], map_settings, sure,
                                                           batch_size)
        return [(np.concatenate([s, w]).astype(np.float32).reshape(-1, 4, 2),
                 np.concatenate([np.zeros(len(s), bool), np.ones(len(w), bool)]))
                for s, w in zip(sure_boxes, weak_boxes)]

    def _with_large_text(self, arrays: list[np.ndarray], sure: list[np.ndarray], weak: list[np.ndarray],
                         factor: float, min_height: float, map_settings: dict[str, Any], sure_threshold: float,
                         batch_size: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The second pass on images shrunk by ``factor``, merged with the sure words (``merge_large_text``; its
        weak words are not used); weak words mostly inside a large word taken from it are dropped. Images whose
        short side would fall under the smallest useful size keep the first pass only."""
        import cv2

        from ocr_core.postprocess.detection import covered_by_any, large_text_choice, score_maps_to_boxes

        todo = [i for i, a in enumerate(arrays) if min(a.shape[:2]) * factor >= 2 * min_height]
        small = [cv2.resize(arrays[i], None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) for i in todo]
        sure, weak = list(sure), list(weak)
        for i, score in zip(todo, self.predict_maps(small, batch_size=batch_size)):
            coarse, peaks = score_maps_to_boxes(score[..., 0], score[..., 1], scale=2.0 / factor, return_peaks=True,
                                                **map_settings)
            coarse = coarse[peaks >= sure_threshold]
            keep, taken = large_text_choice(sure[i], coarse, min_height)
            if len(taken):
                sure[i] = np.concatenate([sure[i][keep], coarse[taken]])
                weak[i] = weak[i][~covered_by_any(weak[i], coarse[taken])]
        return sure, weak

    def get_batch_generator(
        self,
        image_generator: Iterator[tuple[np.ndarray, list]],
        batch_size: int = 8,
        heatmap_size: int = 512,
        heatmap_distance_ratio: float = 1.5,
    ) -> Iterator[tuple[np.ndarray, ...]]:
        """keras-ocr's training batches: ``(X, y)`` with y of shape ``(B, H/2, W/2, 2)``, ``(X, y, sample_weights)``
        from ``(image, lines, weight)`` samples; use with ``model.fit``."""
        from ocr_core.training.batches import detector_batches

        return detector_batches(
            image_generator,
            batch_size=batch_size,
            heatmap_size=heatmap_size,
            heatmap_distance_ratio=heatmap_distance_ratio,
        )
