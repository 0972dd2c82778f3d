"""CTC decoding in plain numpy: greedy (best path) and prefix beam search.

Probabilities are ``(T, C + 1)`` for one sample or ``(B, T, C + 1)`` for a batch, where ``C`` is
``len(alphabet)`` and the CTC blank is the LAST class (as in the kurapan CRNN). Rows are
renormalised to sum to 1 (negative values are clipped), so softmax outputs can be passed as they are.

Confidence, a probability in ``[0, 1]`` that both decoders report per sample:

* greedy: the probability of the decoded best path, ``prod_t max_c p[t, c]`` (blank steps included,
  so an uncertain "is there a character here?" decision lowers it too);
* beam search: the probability of the decoded text, summed over all its alignments that the
  beam kept (a lower bound of ``P(text | image)``; at least the greedy path's probability when
  the greedy text is the best one).

Both are comparable: ``beam >= greedy`` for the same text.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ocr_core.errors import AlphabetError

__all__ = ["ctc_greedy_decode", "ctc_beam_search_decode"]

_NEG_INF = -math.inf


def _as_batch(probs: Any, alphabet: str) -> np.ndarray:
    arr = np.asarray(probs, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise ValueError(f"CTC probabilities must be (T, C+1) or (B, T, C+1); got shape {arr.shape}")
    if not alphabet:
        raise AlphabetError("the alphabet is empty")
    if arr.shape[2] != len(alphabet) + 1:
        raise AlphabetError(
            f"the alphabet has {len(alphabet)} characters, so the model should output "
            f"{len(alphabet) + 1} classes (blank last); got {arr.shape[2]}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("CTC probabilities contain NaN or infinite values")
    arr = np.clip(arr, 0.0, None)
    totals = arr.sum(axis=2, keepdims=True)
    return np.divide(arr, totals, out=np.full_like(arr, 1.0 / arr.shape[2]), where=totals > 0)


def ctc_greedy_decode(probs: Any, alphabet: str) -> list[tuple[str, float]]:
    """Best-path decoding: argmax per step, merge repeats, drop blanks.

    Returns one ``(text, confidence)`` per sample; confidence is the best path's probability.

    >>> p = np.array([[0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.1, 0.1, 0.8], [0.1, 0.8, 0.1]])
    >>> [(t, round(c, 3)) for t, c in ctc_greedy_decode(p, "ab")]
    [('ab', 0.518)]
    """
    batch = _as_batch(probs, alphabet)
    blank = len(alphabet)
    best = batch.argmax(axis=2)
    best_p = np.take_along_axis(batch, best[..., None], axis=2)[..., 0]
    with np.errstate(divide="ignore"):
        log_conf = np.log(best_p).sum(axis=1)
    results: list[tuple[str, float]] = []
    for path, lc in zip(best, log_conf):
        chars = []
        previous = -1
        for idx in path:
            if idx != previous and idx != blank:
                chars.append(alphabet[idx])
            previous = idx
        results.append(("".join(chars), float(math.exp(lc)) if np.isfinite(lc) else 0.0))
    return results


def ctc_beam_search_decode(probs: Any, alphabet: str, beam_width: int = 10) -> list[tuple[str, float]]:
    """Prefix beam search (Hannun et al. 2014) keeping ``beam_width`` prefixes per step.

    Returns one ``(text, confidence)`` per sample; confidence is the text's probability summed
    over the alignments the beam kept. With ``beam_width=1`` it reduces to (nearly) greedy.

    >>> p = np.array([[0.4, 0.6], [0.4, 0.6]])  # one letter 'a', blank last
    >>> ctc_greedy_decode(p, "a")[0][0], ctc_beam_search_decode(p, "a")[0][0]
    ('', 'a')
    """
    if beam_width < 1:
        raise ValueError(f"beam_width must be at least 1; got {beam_width}")
    batch = _as_batch(probs, alphabet)
    with np.errstate(divide="ignore"):
        log_batch = np.log(batch)
    return [_beam_one(lp, alphabet, beam_width) for lp in log_batch]


def _lse(a: float, b: float) -> float:
    """``log(exp(a) + exp(b))`` for Python floats (faster than numpy on scalars)."""
    if a == _NEG_INF:
        return b
    if b == _NEG_INF:
        return a
    return max(a, b) + math.log1p(math.exp(-abs(a - b)))


def _beam_one(log_probs: np.ndarray, alphabet: str, beam_width: int) -> tuple[str, float]:
    ranked = _beam_ranked(log_probs, alphabet, beam_width)
    best_prefix, log_p = next(iter(ranked.items()))  # ranked best first
    confidence = min(1.0, math.exp(log_p)) if log_p > _NEG_INF else 0.0
    return "".join(alphabet[c] for c in best_prefix), confidence


def _beam_ranked(log_probs: np.ndarray, alphabet: str, beam_width: int) -> dict[tuple[int, ...], float]:
    """The final beam of one sample's ``(T, C + 1)`` log-probabilities: prefix -> log P, best first."""
    blank = len(alphabet)
    n_chars = len(alphabet)
    # prefix (tuple of class ids) -> [log P(ending in blank), log P(ending in a character)]
    beams: dict[tuple[int, ...], list[float]] = {(): [0.0, _NEG_INF]}
    # Characters worth extending with at a step: the most likely ones (cheap with big alphabets).
    n_candidates = min(n_chars, max(beam_width, 8))
    for row in log_probs:
        if n_candidates < n_chars:
            top = np.argpartition(-row[:blank], n_candidates - 1)[:n_candidates]
        else:
            top = np.arange(n_chars)
        lp = row.tolist()
        chars = [int(c) for c in top if lp[c] > _NEG_INF]
        nxt: dict[tuple[int, ...], list[float]] = {}

        def add(prefix: tuple[int, ...], slot: int, value: float, _nxt: dict = nxt) -> None:
            entry = _nxt.get(prefix)
            if entry is None:
                entry = _nxt[prefix] = [_NEG_INF, _NEG_INF]
            entry[slot] = _lse(entry[slot], value)

        for prefix, (p_b, p_nb) in beams.items():
            p_total = _lse(p_b, p_nb)
            add(prefix, 0, p_total + lp[blank])
            last = prefix[-1] if prefix else -1
            if last >= 0:
                add(prefix, 1, p_nb + lp[last])  # repeated character merged into the same one
            for c in chars:
                if c == last:
                    add(prefix + (c,), 1, p_b + lp[c])  # a blank separated the repeat
                else:
                    add(prefix + (c,), 1, p_total + lp[c])
            if last >= 0 and last not in chars:
                add(prefix + (last,), 1, p_b + lp[last])
        ranked = sorted(nxt.items(), key=lambda kv: (-_lse(kv[1][0], kv[1][1]), kv[0]))
        beams = dict(ranked[:beam_width])
    return {prefix: _lse(p_b, p_nb) for prefix, (p_b, p_nb) in beams.items()}
