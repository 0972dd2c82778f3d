"""Carry a recognizer's classification top over to a new alphabet.

When a fine-tune changes the alphabet (adds accented letters, drops upper case), the CTC top
(``fc_12``: one column per character, blank last) cannot be loaded as is. Rather than starting the
top from random numbers, which throws away everything the model knew about the characters both
alphabets share, the shared characters keep their columns, the blank keeps its column, and a new
character starts from its base letter (``é`` from ``e``: NFD decomposition) with a lower bias, so
the model first reads it as that letter and learns the difference; a character with no base
letter in the old alphabet starts silent (zero weights, lowest bias).

>>> import numpy as np
>>> kernel, bias = np.eye(3, dtype="float32"), np.zeros(3, "float32")      # "ae" + blank
>>> k, b, kept = extend_top(kernel, bias, "ae", "aeé")
>>> kept, k.shape, k[:, 2].tolist() == kernel[:, 1].tolist(), float(b[2]) < float(b[1])
(2, (3, 4), True, True)
"""

from __future__ import annotations

import unicodedata

import numpy as np

__all__ = ["extend_top", "NEW_CHARACTER_PENALTY"]

#: How much lower (in logits) a new character's bias starts than its base letter's.
NEW_CHARACTER_PENALTY = 3.0


def _base(char: str) -> str:
    return unicodedata.normalize("NFD", char)[:1]


def extend_top(kernel: np.ndarray, bias: np.ndarray, old_alphabet: str, new_alphabet: str,
               penalty: float = NEW_CHARACTER_PENALTY) -> tuple[np.ndarray, np.ndarray, int]:
    """The top for ``new_alphabet`` built from the ``kernel`` (features, old + 1) and ``bias`` (old + 1)
    of ``old_alphabet``'s; returns ``(kernel, bias, shared)`` with ``shared`` the characters carried over.

    Raises ValueError when the shapes do not match ``old_alphabet`` (the blank is the last class).
    """
    kernel = np.asarray(kernel, np.float32)
    bias = np.asarray(bias, np.float32)
    if kernel.ndim != 2 or bias.shape != (kernel.shape[1],) or kernel.shape[1] != len(old_alphabet) + 1:
        raise ValueError(f"a top of shape {kernel.shape} / {bias.shape} does not fit an alphabet of "
                         f"{len(old_alphabet)} characters plus the blank")
    index = {c: i for i, c in enumerate(old_alphabet)}
    floor = float(bias.min()) - penalty
    new_kernel = np.zeros((kernel.shape[0], len(new_alphabet) + 1), np.float32)
    new_bias = np.full(len(new_alphabet) + 1, floor, np.float32)
    shared = 0
    for j, char in enumerate(new_alphabet):
        if char in index:
            new_kernel[:, j], new_bias[j] = kernel[:, index[char]], bias[index[char]]
            shared += 1
        elif _base(char) in index and _base(char) != char:
            i = index[_base(char)]
            new_kernel[:, j], new_bias[j] = kernel[:, i], bias[i] - penalty
    new_kernel[:, -1], new_bias[-1] = kernel[:, -1], bias[-1]
    return new_kernel, new_bias, shared
