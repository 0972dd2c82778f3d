"""Typed errors raised by the engine. Every message names the file or setting at fault."""

from __future__ import annotations

__all__ = [
    "OcrError",
    "ImageReadError",
    "AnnotationFormatError",
    "WeightsError",
    "WeightsNotFoundError",
    "WeightsMismatchError",
    "AlphabetError",
    "Cancelled",
    "DataGenerationError",
    "TrainingError",
]


class OcrError(Exception):
    """Base class of every error the engine raises on purpose."""


class ImageReadError(OcrError):
    """An image could not be read: missing, corrupt, truncated, empty or too large."""


class AnnotationFormatError(OcrError):
    """An annotation file is malformed; it is reported and never overwritten."""


class WeightsError(OcrError):
    """Model weights could not be used."""


class WeightsNotFoundError(WeightsError):
    """A named weights file is not on disk (nothing is downloaded)."""


class WeightsMismatchError(WeightsError):
    """A weights file has the wrong hash or shapes that do not fit the model."""


class AlphabetError(OcrError):
    """Text contains characters outside a model's alphabet, or an alphabet is empty."""


class Cancelled(OcrError):  # noqa: N818 - keeps the everyday word; it is not an error of the user
    """A job was cancelled through its :class:`~ocr_core.cancel.CancelToken`."""


class DataGenerationError(OcrError):
    """Synthetic data cannot be generated with the given fonts, backgrounds or sizes."""


class TrainingError(OcrError):
    """Training cannot start or had to stop (empty dataset, NaN loss, ...)."""
