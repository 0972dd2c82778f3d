"""The default recognizer alphabet: case-sensitive letters, digits, ASCII punctuation and space."""

from __future__ import annotations

import string

__all__ = ["DEFAULT_ALPHABET", "KURAPAN_ALPHABET"]

DEFAULT_ALPHABET = string.digits + string.ascii_letters + string.punctuation + " "
#: Alphabet of keras-ocr's published recognizer (digits and lower-case letters).
KURAPAN_ALPHABET = string.digits + string.ascii_lowercase
