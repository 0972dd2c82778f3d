"""Recognizer alphabets: the ASCII default, a Western European (Latin-1 style) extension and keras-ocr's."""

from __future__ import annotations

import string

__all__ = ["DEFAULT_ALPHABET", "EUROPEAN_LETTERS", "EUROPEAN_SYMBOLS", "LATIN_ALPHABET", "KURAPAN_ALPHABET"]

DEFAULT_ALPHABET = string.digits + string.ascii_letters + string.punctuation + " "
#: Accented letters of French, German, Spanish, Italian, Portuguese and the Nordic languages, both cases.
EUROPEAN_LETTERS = (
    "àáâãäåæçèéêëìíîïñòóôõöøœùúûüýÿß"
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØŒÙÚÛÜÝŸ"
)
#: Currency signs, typographic quotes and a few symbols common in European print.
EUROPEAN_SYMBOLS = "€£¥°§«»„“”‘’¿¡"
#: The default alphabet plus :data:`EUROPEAN_LETTERS` and :data:`EUROPEAN_SYMBOLS`.
LATIN_ALPHABET = DEFAULT_ALPHABET + EUROPEAN_LETTERS + EUROPEAN_SYMBOLS
#: Alphabet of keras-ocr's published recognizer (digits and lower-case letters).
KURAPAN_ALPHABET = string.digits + string.ascii_lowercase
