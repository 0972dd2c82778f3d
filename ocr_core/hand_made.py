"""Recognizing a page again without losing what a person did on it.

A word is *hand-made* when a person drew, moved or reshaped its box (``Word.box_by_hand``), typed or corrected its
text, or marked it illegible (``###``); imported ground truth counts too. The model gives every word it reads a
confidence, and the editor clears it when a person writes the text, so text with no confidence is a person's
(ADR 0018).

:func:`keep_hand_made` merges a fresh recognition result into a page: the hand-made words stay as they are, the
recognized words that cover one of them (half of the smaller box or more) are dropped, and every other word comes
from the new result. Lines and reading order are rebuilt over the merged words. No Qt, no TensorFlow.

>>> merged = keep_hand_made(previous_page, recognized_page)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses

from ocr_core.document import Page, Word
from ocr_core.geometry import polygon_overlap

__all__ = ["OVERLAP", "hand_made_words", "is_hand_made", "keep_hand_made", "needs_review", "text_by_hand"]

#: A recognized word is dropped where this share of the smaller box (it or a hand-made one) lies in the other.
OVERLAP = 0.5


def is_hand_made(word: Word) -> bool:
    """True for a word whose box or text a person made or changed, or that they marked ``###``."""
    return word.box_by_hand or word.confidence is None or word.ignore


def text_by_hand(word: Word) -> bool:
    """True for a word whose text a person wrote (no model confidence, some text) or marked ``###``: reading
    the box again would throw their text away."""
    return word.ignore or (word.confidence is None and bool(word.text.strip()))


def needs_review(word: Word, threshold: float) -> bool:
    """A word the model read with confidence below ``threshold`` whose text nobody has corrected (F3's queue)."""
    return word.confidence is not None and word.confidence < threshold and not word.ignore


def hand_made_words(page: Page | None) -> list[Word]:
    """The hand-made words of ``page`` in reading order (none for ``None``)."""
    return [w for w in page.words if is_hand_made(w)] if page is not None else []


def keep_hand_made(previous: Page | None, recognized: Page, *, overlap: float = OVERLAP) -> Page:
    """``recognized`` with the hand-made words of ``previous`` put back over the model's; see the module docstring.

    ``recognized`` keeps its size, path and metadata; it is returned unchanged when ``previous`` has no hand-made
    words. The kept words are copies (same ids), so ``previous`` stays as it was for an undo.
    """
    kept = [w.copy() for w in hand_made_words(previous)]
    if not kept:
        return recognized
    fresh = [w for w in recognized.words
             if not any(polygon_overlap(w.quad, k.quad) >= overlap for k in kept)]
    merged = Page.from_words([*kept, *fresh], recognized.width, recognized.height)
    return dataclasses.replace(recognized, lines=merged.lines)
