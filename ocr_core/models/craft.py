"""CRAFT text detector (Baek et al. 2019) as a Keras 3 functional model, in two widths.

``full`` is the published network (VGG16-BN backbone, 20.78M parameters) with layer names that
mirror the PyTorch module paths (``basenet.slice1.0``, ``upconv1.conv.0``, ``conv_cls.0``), so
keras-ocr's ``craft_mlt_25k.h5`` loads into it. ``lite`` has the same structure and names with a
quarter of the channels: the CPU default.

Example::

    >>> model = build_craft("lite")
    >>> x = craft_preprocess(np.zeros((1, 64, 96, 3), "uint8"))
    >>> model.predict(x, verbose=0).shape
    (1, 32, 48, 2)
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from ocr_core.models.layers import BilinearUpsample2x

__all__ = [
    "CRAFT_MEAN",
    "CRAFT_STD",
    "CRAFT_VARIANTS",
    "CraftNet",
    "build_craft",
    "craft_preprocess",
]

#: ImageNet normalisation in 0..255 pixel units (RGB), as CRAFT was trained.
CRAFT_MEAN = np.array([0.485, 0.456, 0.406], dtype="float32") * 255.0
CRAFT_STD = np.array([0.229, 0.224, 0.225], dtype="float32") * 255.0

#: Widths per variant. ``backbone_filters``: the five VGG stages; ``slice5_filters``: the dilated
#: fc6/fc7 convs; ``upconv_filters``: the 1x1 width of upconv1..4 (the 3x3 halves it);
#: ``head_filters``: conv_cls.0/.2/.4/.6 (conv_cls.8 always has 2 outputs).
CRAFT_VARIANTS: dict[str, dict[str, Any]] = {
    "full": {
        "backbone_filters": (64, 128, 256, 512, 512),
        "slice5_filters": 1024,
        "upconv_filters": (512, 256, 128, 64),
        "head_filters": (32, 32, 16, 16),
    },
    "lite": {
        "backbone_filters": (16, 32, 64, 128, 128),
        "slice5_filters": 256,
        "upconv_filters": (128, 64, 32, 16),
        "head_filters": (8, 8, 4, 4),
    },
}

# torchvision vgg16_bn.features up to index 38: (conv index, stage, pool after?). CRAFT's slices are
# features[0:12], [12:19], [19:29], [29:39].
_VGG_CONVS = [
    (0, 0, False),
    (3, 0, True),
    (7, 1, False),
    (10, 1, True),
    (14, 2, False),
    (17, 2, False),
    (20, 2, True),
    (24, 3, False),
    (27, 3, False),
    (30, 3, True),
    (34, 4, False),
    (37, 4, False),
]
_TAPS = {10: 1, 17: 2, 27: 3}  # taps after the ReLU of these convs (PyTorch's in-place ReLU), s4 below


def _n(name: str) -> str:
    """Layer name: the PyTorch module path, with ``_`` for ``.`` under the torch backend (which
    cannot register parameters whose names contain dots). The weight loaders accept both."""
    return name.replace(".", "_") if keras.backend.backend() == "torch" else name


def _slice_name(index: int) -> str:
    for slice_id, end in enumerate((12, 19, 29, 39), start=1):
        if index < end:
            return f"basenet.slice{slice_id}"
    raise ValueError(index)


def craft_preprocess(images: np.ndarray) -> np.ndarray:
    """RGB batch (or single image), uint8 or float in 0..255 -> ImageNet-normalised float32."""
    array = np.asarray(images, dtype="float32")
    if array.shape[-1] != 3:
        raise ValueError(f"CRAFT expects RGB images (..., 3), got shape {array.shape}")
    return (array - CRAFT_MEAN) / CRAFT_STD


def _bn(name: str) -> keras.layers.BatchNormalization:
    # PyTorch momentum 0.1 == Keras 0.9 (keras-ocr used 0.1 in the backbone, a bug).
    return keras.layers.BatchNormalization(epsilon=1e-5, momentum=0.9, name=_n(name))


@keras.saving.register_keras_serializable(package="ocr_core")
class CraftNet(keras.Model):
    """CRAFT as a functional model: (B, H, W, 3) normalised RGB -> (B, H/2, W/2, 2) linear scores.

    Channel 0 is the region (character) score, channel 1 the affinity (link) score. H and W must be
    multiples of 32 (the caller pads). Use :func:`build_craft` rather than this class directly.
    """

    def __init__(
        self,
        backbone_filters: tuple[int, ...] = CRAFT_VARIANTS["full"]["backbone_filters"],
        slice5_filters: int = 1024,
        upconv_filters: tuple[int, ...] = CRAFT_VARIANTS["full"]["upconv_filters"],
        head_filters: tuple[int, ...] = CRAFT_VARIANTS["full"]["head_filters"],
        variant: str | None = None,
        **kwargs: Any,
    ) -> None:
        backbone_filters = tuple(int(f) for f in backbone_filters)
        upconv_filters = tuple(int(f) for f in upconv_filters)
        head_filters = tuple(int(f) for f in head_filters)
        if len(backbone_filters) != 5 or len(upconv_filters) != 4 or len(head_filters) != 4:
            raise ValueError("CRAFT needs 5 backbone, 4 upconv and 4 head widths")

        # --- functional wiring (same creation order as keras-ocr, so layer order matches too) ---
        inputs = keras.Input((None, None, 3), name=_n("image"))
        x = inputs
        taps = []
        for index, stage, pool in _VGG_CONVS:
            prefix = _slice_name(index)
            x = keras.layers.Conv2D(backbone_filters[stage], 3, padding="same", name=_n(f"{prefix}.{index}"))(
                x
            )
            x = _bn(f"{prefix}.{index + 1}")(x)
            if index == 37:  # slice4 ends at this BatchNorm: no ReLU on the last tap
                taps.append(x)
                break
            x = keras.layers.Activation("relu", name=_n(f"{prefix}.{index + 2}"))(x)
            if index in _TAPS:
                taps.append(x)
            if pool:
                x = keras.layers.MaxPooling2D(2, strides=2, name=_n(f"{prefix}.{index + 3}"))(x)
        s1, s2, s3, s4 = taps
        s5 = keras.layers.MaxPooling2D(3, strides=1, padding="same", name=_n("basenet.slice5.0"))(s4)
        s5 = keras.layers.Conv2D(
            slice5_filters, 3, padding="same", dilation_rate=6, name=_n("basenet.slice5.1")
        )(s5)
        s5 = keras.layers.Conv2D(slice5_filters, 1, padding="same", name=_n("basenet.slice5.2"))(s5)

        y = keras.layers.Concatenate(name=_n("concat_1"))([s5, s4])
        for n, skip in enumerate((s3, s2, s1, None), start=1):
            y = self._upconv(y, n, upconv_filters[n - 1])
            if skip is not None:
                y = BilinearUpsample2x(name=_n(f"upsample_{n}"))(y)
                y = keras.layers.Concatenate(name=_n(f"concat_{n + 1}"))([y, skip])
        for i, (filters, kernel) in enumerate(zip((*head_filters, 2), (3, 3, 3, 1, 1))):
            # The last layer always computes in float32: callers get float32 scores under mixed precision.
            y = keras.layers.Conv2D(filters, kernel, padding="same", name=_n(f"conv_cls.{2 * i}"),
                                    dtype="float32" if i == 4 else None)(y)
            if i < 4:
                y = keras.layers.Activation("relu", name=_n(f"conv_cls.{2 * i + 1}"))(y)
        kwargs.setdefault("name", "craft")
        super().__init__(inputs=inputs, outputs=y, **kwargs)

        # --- config ---
        self.backbone_filters = backbone_filters
        self.slice5_filters = int(slice5_filters)
        self.upconv_filters = upconv_filters
        self.head_filters = head_filters
        self.variant = variant

    @staticmethod
    def _upconv(x: Any, n: int, filters: int) -> Any:
        x = keras.layers.Conv2D(filters, 1, name=_n(f"upconv{n}.conv.0"))(x)
        x = _bn(f"upconv{n}.conv.1")(x)
        x = keras.layers.Activation("relu", name=_n(f"upconv{n}.conv.2"))(x)
        x = keras.layers.Conv2D(filters // 2, 3, padding="same", name=_n(f"upconv{n}.conv.3"))(x)
        x = _bn(f"upconv{n}.conv.4")(x)
        return keras.layers.Activation("relu", name=_n(f"upconv{n}.conv.5"))(x)

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "trainable": self.trainable,
            "backbone_filters": list(self.backbone_filters),
            "slice5_filters": self.slice5_filters,
            "upconv_filters": list(self.upconv_filters),
            "head_filters": list(self.head_filters),
            "variant": self.variant,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> CraftNet:
        return cls(**config)


def build_craft(
    variant: str = "lite", *, weights_path: str | None = None, **build_params: Any
) -> keras.Model:
    """Build a CRAFT detector; optionally load weights (checked, never a silent partial load).

    Input (None, None, None, 3) float32 already normalised with :func:`craft_preprocess`; height and
    width must be multiples of 32 (the caller pads). Output (None, H/2, W/2, 2): region and affinity
    scores (linear). ``build_params`` override the widths in :data:`CRAFT_VARIANTS`.

    Example::

        >>> model = build_craft("full")  # doctest: +SKIP
        >>> model.count_params()  # doctest: +SKIP
        20780770
    """
    if variant not in CRAFT_VARIANTS:
        raise ValueError(f"unknown CRAFT variant {variant!r}; choose one of {sorted(CRAFT_VARIANTS)}")
    unknown = set(build_params) - set(CRAFT_VARIANTS[variant])
    if unknown:
        raise ValueError(f"unknown CRAFT build_params {sorted(unknown)}")
    params = {**CRAFT_VARIANTS[variant], **build_params}
    model = CraftNet(**params, variant=variant, name=_n(f"craft_{variant}"))
    if weights_path is not None:
        from ocr_core.models.loading import load_weights_checked

        load_weights_checked(model, weights_path)
    return model
