"""Lexicon-aware CTC decoding in plain numpy: prefer a dictionary word when the model's output allows it.

The recognizer's output is a CTC probability matrix ``(T, C + 1)`` (blank last). Instead of trusting the
unconstrained best reading ("ofown", "QOg"), the decoder compares it with nearby dictionary words *under
the model itself*:

1. **Unconstrained reading.** The greedy text (plus the 5 best prefixes of a beam search when
   ``beam_width > 1``), each scored by its exact CTC probability; the most probable one is the reading.
2. **Exact scores.** :func:`ctc_log_probabilities` computes ``log P(text | image)``, the sum over every
   alignment of ``text`` (the CTC forward algorithm over the extended label sequence ``_ t _ e _ x _ t _``,
   in log space), for many texts at once.
3. **Candidates.** The dictionary words within Levenshtein distance ``max_distance`` (2) of each
   hypothesis' letters, compared case-insensitively, found with a symmetric-deletion index (every
   dictionary word with up to 2 letters deleted, hashed, sorted; a query looks up its own deletions: a few
   dozen binary searches, no scan of the list). Readings of up to 4 letters are only compared at
   distance 1 and never shortened (they have hundreds of words at distance 2, "FRT" would become "FR").
   Single letters and short abbreviations or symbols (entries of up to 3 letters with no lower-case
   spelling: "PM", "Rb", "Gen") never replace a reading, though they count as words. Before exact
   scoring, candidates are pruned by a rigorous upper bound: a text that needs character ``c`` has
   ``P(text) <= sum_t p(t, c)``, so any word containing a character the model hardly saw is dropped
   without running the forward algorithm (the decision is the one scoring every candidate would give).
   At most ``max_candidates`` words, the most promising by that bound, are scored.
4. **Case.** Each candidate is scored in the spellings that make sense for it and that the alphabet can
   write: a lower-case entry as ``word``, ``Word`` and ``WORD``; a capitalised or mixed-case entry
   ("Paris", "NE", "iPhone") as itself and in capitals. The most probable spelling wins, so the case the
   model sees is kept ("The" at the start of a sentence, "HOTEL" on a sign) and odd mixtures ("lOt")
   become a normal spelling. Names of 4 letters or more may also be written in lower case, as logos and
   signs do ("america", "chevron"), at a prior cost of :data:`LOWER_CASE_NAME_COST` (1 nat): a common
   word the model finds as likely wins, and the name needs that much more evidence to replace a reading.
5. **Decision.** The best candidate replaces the reading when ``log P(word) >= log P(reading) - margin``.
   ``margin`` is a prior in log-odds: a dictionary word is taken to be ``exp(margin)`` times more likely
   a priori than a string that is not one. The default, :data:`DEFAULT_MARGIN` = 4 nats (~55x), sits
   where replacements on the real dev pages had stopped improving and not yet started to turn correct
   foreign words into English ones (documents bag-of-words F1 0.735 for 2-4 nats, 0.727 at 5-6, 0.617 at
   10: "Hund" -> "Hung", "rapido" -> "rapid"); a near miss of two letters typically costs 1-4 nats when
   the model hesitated and 6-15 when it did not. The reading is kept as it is when
   it contains a digit (codes, prices, dates), when non-letters outnumber its letters, when it has
   letters inside non-letters ("e-mail", "don't", "a b"), when its letters are fewer than ``min_length``,
   when it already is an accepted spelling of a dictionary word ("the", "The", "THE"; but "ne" is not a
   spelling of "NE"), and when no candidate is close enough.
   Punctuation around the letters ("(brown),") is kept and scored with each candidate.

The confidence reported is ``P(text | image)`` of the chosen text, exact (so, for the same text, at least the
greedy path probability that :func:`~ocr_core.postprocess.ctc.ctc_greedy_decode` reports).

>>> lexicon = Lexicon(["brown", "dog"])
>>> "Brown" in lexicon, lexicon.neighbours("ofown")
(True, ['brown'])
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ocr_core.errors import OcrError
from ocr_core.paths import resources_dir
from ocr_core.postprocess.ctc import _as_batch, _beam_ranked

__all__ = [
    "DEFAULT_MARGIN",
    "DEFAULT_MAX_DISTANCE",
    "LOWER_CASE_NAME_COST",
    "SYSTEM_WORDS",
    "Lexicon",
    "LexiconChoice",
    "LexiconError",
    "bundled_wordlist_path",
    "ctc_log_probabilities",
    "ctc_text_log_probability",
    "edit_distance",
    "lexicon_choices",
    "lexicon_decode",
    "lexicon_decode_one",
    "load_default_lexicon",
    "load_lexicon",
]

#: Prior log-odds of a dictionary word against a non-word reading (nats); see the module docstring.
DEFAULT_MARGIN = 4.0
#: Prior cost (nats) of a name written in lower case ("america" for "America"), on top of ``margin``.
LOWER_CASE_NAME_COST = 1.0
#: Largest Levenshtein distance (case-insensitive) between a reading and a dictionary candidate.
DEFAULT_MAX_DISTANCE = 2
#: Debian's ``wamerican`` word list, added by ``load_lexicon("auto")`` when installed.
SYSTEM_WORDS = Path("/usr/share/dict/words")

_NEG_INF = -math.inf
#: Entries with no lower-case spelling and fewer letters ("PM", "Rb", "Gen") are never replacements.
_MIN_PROPER_LENGTH = 4
#: Readings of up to this many letters are only compared with words at edit distance <= 1.
_SHORT_READING = 4
# 64-bit FNV-1a, keeping the high 32 bits: the same in numpy (uint64 wraps) and in Python (masked ints).
_FNV_SEED = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_MASK64 = (1 << 64) - 1


class LexiconError(OcrError):
    """A word list that cannot be read or holds no words."""


def bundled_wordlist_path() -> Path:
    """The word list shipped with the package (5,000 common English words)."""
    return resources_dir() / "wordlist.txt"


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Levenshtein distance; with ``limit``, any result above it is reported as ``limit + 1``.

    >>> edit_distance("ofown", "brown"), edit_distance("kitten", "sitting", limit=1)
    (2, 2)
    """
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if limit is not None and min(current) > limit:
            return limit + 1
        previous = current
    distance = previous[-1]
    return distance if limit is None or distance <= limit else limit + 1


def _hash_rows(codes: np.ndarray) -> np.ndarray:
    """FNV-1a over the columns of ``codes`` (uint64), high 32 bits: one hash per row."""
    h = np.full(codes.shape[0], _FNV_SEED, dtype=np.uint64)
    prime = np.uint64(_FNV_PRIME)
    for j in range(codes.shape[1]):
        h ^= codes[:, j]
        h *= prime
    return (h >> np.uint64(32)).astype(np.uint32)


def _hash_codes(codes: Sequence[int]) -> int:
    h = _FNV_SEED
    for c in codes:
        h = ((h ^ c) * _FNV_PRIME) & _MASK64
    return h >> 32


def _deletions(n: int, max_deletes: int) -> Iterable[tuple[int, ...]]:
    """The kept positions of a length-``n`` string for every way of deleting up to ``max_deletes`` of them."""
    for k in range(min(max_deletes, n) + 1):
        for dropped in itertools.combinations(range(n), k):
            yield tuple(j for j in range(n) if j not in dropped)


class Lexicon:
    """A word list for dictionary-aware decoding: case-insensitive lookup and near-miss search.

    Words are kept when they are made of letters only (``str.isalpha``; possessives such as "dog's" and
    numbers are dropped); blank lines and ``#`` comments are skipped. Each entry keeps its spellings, which
    decide the case forms :meth:`forms` allows. The near-miss index is built on the first
    :meth:`neighbours` call (about a second for the 74,000 words of ``load_lexicon("auto")``; ~27 MB)
    and kept; lookups are thread-safe.

    Args:
        words: the words (any case, duplicates allowed).
        max_distance: the largest edit distance :meth:`neighbours` can search (0-3; the index grows with it).
        name: a label for messages (e.g. the files it was read from).
    """

    def __init__(self, words: Iterable[str], *, max_distance: int = DEFAULT_MAX_DISTANCE, name: str = "") -> None:
        if not 0 <= max_distance <= 3:
            raise ValueError(f"max_distance must be between 0 and 3; got {max_distance}")
        spellings: dict[str, set[str]] = {}
        for raw in words:
            word = raw.strip()
            if not word or word.startswith("#") or not word.isalpha():
                continue
            spellings.setdefault(word.lower(), set()).add(word)
        self.name = name
        self.max_distance = max_distance
        self._keys: list[str] = sorted(spellings)
        self._ids: dict[str, int] = {key: i for i, key in enumerate(self._keys)}
        # only entries spelled other than in lower case are stored (most are plain lower case)
        self._spellings: dict[int, tuple[str, ...]] = {
            self._ids[key]: tuple(sorted(forms)) for key, forms in spellings.items() if forms != {key}
        }
        # what a reading may be replaced with: no single letters, no short abbreviations or symbols
        self._replaceable = np.array(
            [len(key) >= 2 and (len(key) >= _MIN_PROPER_LENGTH or key in spellings[key]) for key in self._keys],
            dtype=bool,
        )
        self._lock = threading.Lock()
        self._index: tuple[np.ndarray, np.ndarray] | None = None
        self._codes: np.ndarray | None = None
        self._symbols: dict[str, int] = {}
        self._class_maps: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    @classmethod
    def from_files(cls, paths: Iterable[str | os.PathLike[str]], **kwargs: Any) -> Lexicon:
        """The words of one or more UTF-8 word-list files (one word per line)."""
        words: list[str] = []
        names = []
        for path in paths:
            try:
                words.extend(Path(path).read_text("utf-8", errors="replace").splitlines())
            except OSError as exc:
                raise LexiconError(f"cannot read the word list {path}: {exc.strerror or exc}") from None
            names.append(str(path))
        lexicon = cls(words, name=" + ".join(names), **kwargs)
        if not len(lexicon):
            raise LexiconError(f"no words in {lexicon.name or 'the word lists'}")
        return lexicon

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word.lower() in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __repr__(self) -> str:
        return f"Lexicon({len(self)} words{', ' + self.name if self.name else ''})"

    def spellings(self, word: str) -> tuple[str, ...]:
        """How the list spells ``word`` (any case): e.g. ``('Brown', 'brown')``; empty when not a word."""
        i = self._ids.get(word.lower())
        if i is None:
            return ()
        return self._spellings.get(i, (self._keys[i],))

    def forms(self, word: str) -> tuple[str, ...]:
        """The case forms accepted for ``word``: lower-case entries in lower, Title and UPPER case; others as
        spelled and in UPPER case. Empty when ``word`` is not in the lexicon.

        >>> Lexicon(["the", "NE", "Paris"]).forms("ne"), Lexicon(["the"]).forms("THE")
        (('NE',), ('the', 'The', 'THE'))
        """
        out: dict[str, None] = {}
        for spelling in self.spellings(word):
            if spelling.islower():
                out.update({spelling: None, spelling[:1].upper() + spelling[1:]: None, spelling.upper(): None})
            else:
                out.update({spelling: None, spelling.upper(): None})
        return tuple(out)

    def weak_forms(self, word: str) -> tuple[str, ...]:
        """Spellings allowed at a cost of :data:`LOWER_CASE_NAME_COST` nats: the lower case of a name of at
        least 4 letters that the list never spells in lower case ("america", "chevron" for "America",
        "Chevron"). Logos and signs write names in lower case; abbreviations ("NE", "NASA") keep their case.

        >>> Lexicon(["America", "NASA", "the"]).weak_forms("AMERICA"), Lexicon(["NASA"]).weak_forms("nasa")
        (('america',), ())
        """
        spellings = self.spellings(word)
        if (not spellings or len(spellings[0]) < _MIN_PROPER_LENGTH or any(s.islower() for s in spellings)
                or all(s.isupper() for s in spellings)):  # abbreviations (NASA, UNICEF) keep their capitals
            return ()
        return (spellings[0].lower(),)

    def is_form(self, text: str) -> bool:
        """Whether ``text`` is an accepted case form of a word ("The", "THE" yes; "tHe" no)."""
        return text in self.forms(text)

    # -- near-miss search ------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Build the near-miss index now (about a second for 70,000 words) instead of at the first near miss."""
        self._ensure_index()

    def _ensure_index(self) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if self._index is None:
                self._build_index()
            assert self._index is not None
            return self._index

    def _build_index(self) -> None:
        lengths = np.array([len(k) for k in self._keys], dtype=np.int64)
        flat = np.frombuffer("".join(self._keys).encode("utf-32-le"), dtype=np.uint32)
        points, inverse = np.unique(flat, return_inverse=True)
        symbols = {chr(int(cp)): i + 1 for i, cp in enumerate(points)}  # 0 pads
        codes = np.zeros((len(self._keys), int(lengths.max(initial=0))), dtype=np.uint16)
        rows = np.repeat(np.arange(len(self._keys)), lengths)
        cols = np.arange(flat.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        codes[rows, cols] = inverse.reshape(-1) + 1
        # one sorted array of (hash << 32 | entry id): every entry with up to max_distance letters deleted
        keyed = []
        for n in np.unique(lengths):
            members = np.flatnonzero(lengths == n)
            bucket = codes[members, :n].astype(np.uint64)
            ids = members.astype(np.uint64)
            for kept in _deletions(int(n), self.max_distance):
                keyed.append((_hash_rows(bucket[:, list(kept)]).astype(np.uint64) << np.uint64(32)) | ids)
        index = np.sort(np.concatenate(keyed)) if keyed else np.zeros(0, np.uint64)
        self._symbols = symbols
        self._codes = codes
        self._index = ((index >> np.uint64(32)).astype(np.uint32), (index & np.uint64(0xFFFFFFFF)).astype(np.int32))

    def _candidate_ids(self, word: str, max_distance: int) -> np.ndarray:
        """Ids of entries that share a deletion variant with ``word`` (a superset of its neighbours)."""
        hashes, owners = self._ensure_index()
        unknown = len(self._symbols) + 1
        codes = [self._symbols.get(ch, unknown) for ch in word.lower()]
        keys = {_hash_codes([codes[j] for j in kept]) for kept in _deletions(len(codes), max_distance)}
        query = np.fromiter(keys, dtype=np.uint32, count=len(keys))
        lo = np.searchsorted(hashes, query, side="left")
        hi = np.searchsorted(hashes, query, side="right")
        parts = [owners[a:b] for a, b in zip(lo.tolist(), hi.tolist()) if b > a]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int32)

    def neighbours(self, word: str, max_distance: int | None = None) -> list[str]:
        """Lower-case entries within Levenshtein distance ``max_distance`` of ``word`` (case-insensitive).

        >>> Lexicon(["see", "sea", "seven"]).neighbours("Seg", 1)
        ['sea', 'see']
        """
        d = self.max_distance if max_distance is None else max_distance
        if d > self.max_distance:
            raise ValueError(f"this lexicon searches up to distance {self.max_distance}; asked for {d}")
        if not self._keys:
            return []
        low = word.lower()
        found = [self._keys[i] for i in self._candidate_ids(low, d).tolist()]
        return sorted(k for k in found if edit_distance(low, k, d) <= d)

    def _class_map(self, alphabet: str) -> tuple[np.ndarray, np.ndarray]:
        """Per symbol id, the alphabet classes of its lower and upper case (``len(alphabet) + 1`` = none)."""
        cached = self._class_maps.get(alphabet)
        if cached is None:
            missing = len(alphabet) + 1
            where = {ch: i for i, ch in enumerate(alphabet)}
            lower = np.full(len(self._symbols) + 1, missing, dtype=np.intp)
            upper = np.full(len(self._symbols) + 1, missing, dtype=np.intp)
            for ch, sid in self._symbols.items():
                lower[sid] = where.get(ch, missing)
                up = ch.upper()
                upper[sid] = where.get(up, missing) if up != ch else missing
            cached = self._class_maps[alphabet] = (lower, upper)
        return cached


# ---- exact CTC probability of texts ----------------------------------------------------------------------
def _encode(text: str, where: dict[str, int]) -> list[int] | None:
    try:
        return [where[ch] for ch in text]
    except KeyError:
        return None


def ctc_log_probabilities(log_probs: np.ndarray, labels: Sequence[Sequence[int]]) -> np.ndarray:
    """``log P(label | x)`` under CTC for each label (class ids, blank = last class), summed over all alignments.

    ``log_probs`` is one sample's ``(T, C + 1)`` matrix of log-probabilities. The forward algorithm runs on
    the extended sequences ``blank, l1, blank, l2, ..., blank`` of all labels at once, in log space; a label
    that cannot fit in ``T`` steps gets ``-inf``.
    """
    log_probs = np.asarray(log_probs, dtype=np.float64)
    n_steps, n_classes = log_probs.shape
    blank = n_classes - 1
    if not labels:
        return np.zeros(0)
    lengths = np.array([len(lab) for lab in labels], dtype=np.intp)
    width = 2 * int(lengths.max()) + 1
    ext = np.full((len(labels), width), blank, dtype=np.intp)
    for k, lab in enumerate(labels):
        if len(lab):
            ext[k, 1 : 2 * len(lab) : 2] = lab
    # a label may skip the blank between two different characters
    skip = np.full(ext.shape, _NEG_INF)
    skip[:, 2:][(ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])] = 0.0
    skip = skip[:, 2:]
    emit = log_probs[:, ext]  # (T, K, S)
    alpha = np.full(ext.shape, _NEG_INF)
    alpha[:, 0] = emit[0, :, 0]
    if width > 1:
        alpha[:, 1] = emit[0, :, 1]
    nxt = np.empty_like(alpha)
    for t in range(1, n_steps):
        nxt[:, 0] = alpha[:, 0]
        np.logaddexp(alpha[:, 1:], alpha[:, :-1], out=nxt[:, 1:])
        np.logaddexp(nxt[:, 2:], alpha[:, :-2] + skip, out=nxt[:, 2:])
        nxt += emit[t]
        alpha, nxt = nxt, alpha
    rows = np.arange(len(labels))
    last = 2 * lengths
    final = alpha[rows, last]
    before = np.where(lengths > 0, alpha[rows, np.maximum(last - 1, 0)], _NEG_INF)
    return np.logaddexp(final, before)


def ctc_text_log_probability(probs: Any, text: str, alphabet: str) -> float:
    """``log P(text | x)`` for one sample's ``(T, C + 1)`` probabilities; ``-inf`` if ``text`` cannot be written.

    >>> p = np.array([[0.4, 0.6], [0.4, 0.6]])  # one letter 'a', blank last
    >>> round(math.exp(ctc_text_log_probability(p, "a", "a")), 2)  # 0.4*0.4 + 0.4*0.6 + 0.6*0.4
    0.64
    """
    batch = _as_batch(probs, alphabet)
    if batch.shape[0] != 1:
        raise ValueError("ctc_text_log_probability takes one sample's (T, C+1) probabilities")
    label = _encode(text, {ch: i for i, ch in enumerate(alphabet)})
    if label is None:
        return _NEG_INF
    with np.errstate(divide="ignore"):
        return float(ctc_log_probabilities(np.log(batch[0]), [label])[0])


# ---- decoding -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LexiconChoice:
    """The decision for one sample: the text returned, the unconstrained reading and why.

    ``reason`` is ``"lexicon"`` when a dictionary word replaced the reading, otherwise why the reading was
    kept: ``"word"``, ``"digits"``, ``"punctuation"``, ``"short"``, ``"no-candidate"`` or ``"unlikely"``
    (the best candidate ``candidate`` was more than ``margin`` nats below the reading).
    """

    text: str
    confidence: float
    reading: str
    reading_log_p: float
    log_p: float
    reason: str
    candidate: str | None = None
    candidate_log_p: float = _NEG_INF
    #: With beam search: the beam's best text and its log-probability as the beam scores it (summed over the
    #: alignments it kept), which is what the plain beam decoder returns.
    beam: tuple[str, float] | None = None

    @property
    def replaced(self) -> bool:
        return self.reason == "lexicon"

    @property
    def beam_reading(self) -> tuple[str, float] | None:
        """``(text, confidence)`` as the plain beam search decodes the sample (``None`` without beam search)."""
        return None if self.beam is None else (self.beam[0], _confidence(self.beam[1]))


def _split_core(text: str) -> tuple[str, str, str]:
    """``(leading non-letters, core, trailing non-letters)``: ``"(brown),"`` -> ``("(", "brown", "),")``."""
    start = 0
    while start < len(text) and not text[start].isalpha():
        start += 1
    end = len(text)
    while end > start and not text[end - 1].isalpha():
        end -= 1
    return text[:start], text[start:end], text[end:]


def _case_mode(alphabet: str) -> str:
    has_lower = any(c.islower() for c in alphabet)
    has_upper = any(c.isupper() for c in alphabet)
    return "both" if has_lower and has_upper else ("upper" if has_upper else "lower")


def _writable_forms(lexicon: Lexicon, key: str, where: dict[str, int], mode: str) -> dict[str, float]:
    """The spellings of ``key`` the alphabet can write, each with its prior cost in nats (0 or
    :data:`LOWER_CASE_NAME_COST`); a one-case alphabet writes every word in that case, at no cost."""
    costs: dict[str, float] = dict.fromkeys(lexicon.forms(key), 0.0)
    for weak in lexicon.weak_forms(key):
        costs.setdefault(weak, LOWER_CASE_NAME_COST)
    if mode != "both":
        costs = dict.fromkeys((f.lower() if mode == "lower" else f.upper() for f in costs), 0.0)
    return {f: c for f, c in costs.items() if all(ch in where for ch in f)}


def lexicon_decode_one(
    probs: Any,
    alphabet: str,
    lexicon: Lexicon,
    *,
    beam_width: int = 0,
    margin: float = DEFAULT_MARGIN,
    max_distance: int | None = None,
    min_length: int = 2,
    max_candidates: int = 64,
) -> LexiconChoice:
    """Decode one sample's ``(T, C + 1)`` probabilities with ``lexicon``; see the module docstring."""
    if _as_batch(probs, alphabet).shape[0] != 1:
        raise ValueError("lexicon_decode_one takes one sample's (T, C+1) probabilities")
    return next(_choices(probs, alphabet, lexicon, beam_width=beam_width, margin=margin, max_distance=max_distance,
                         min_length=min_length, max_candidates=max_candidates))


def lexicon_decode(
    probs: Any,
    alphabet: str,
    lexicon: Lexicon,
    *,
    beam_width: int = 0,
    margin: float = DEFAULT_MARGIN,
    max_distance: int | None = None,
    min_length: int = 2,
    max_candidates: int = 64,
) -> list[tuple[str, float]]:
    """Dictionary-aware decoding of ``(T, C + 1)`` or ``(B, T, C + 1)`` probabilities: ``(text, confidence)``
    per sample, as :func:`~ocr_core.postprocess.ctc.ctc_greedy_decode` (or the beam search with
    ``beam_width > 1``) but preferring a word of ``lexicon`` when the model makes it nearly as likely.

    ``margin`` (nats) is the prior log-odds of a dictionary word; ``max_distance`` the edit distance searched
    (default: the lexicon's); readings with fewer than ``min_length`` letters are kept; at most
    ``max_candidates`` words are scored exactly per sample.

    >>> lexicon = Lexicon(["dog"])
    >>> p = np.full((3, 4), 0.01); p[0, 0] = p[1, 1] = p[2, 3] = 0.97; p[2, 2] = 0.02  # "do", barely any g
    >>> lexicon_decode(p, "dog", lexicon, margin=5)[0][0], lexicon_decode(p, "dog", lexicon, margin=2)[0][0]
    ('dog', 'do')
    """
    return [(c.text, c.confidence) for c in lexicon_choices(
        probs, alphabet, lexicon, beam_width=beam_width, margin=margin, max_distance=max_distance,
        min_length=min_length, max_candidates=max_candidates)]


def lexicon_choices(
    probs: Any,
    alphabet: str,
    lexicon: Lexicon,
    *,
    beam_width: int = 0,
    margin: float = DEFAULT_MARGIN,
    max_distance: int | None = None,
    min_length: int = 2,
    max_candidates: int = 64,
) -> list[LexiconChoice]:
    """:func:`lexicon_decode` with the whole decision per sample: a :class:`LexiconChoice` (the text returned, the
    model's own reading and its probability, why it was kept or replaced). With ``beam_width > 1`` it also holds
    what the plain beam search returns (:attr:`LexiconChoice.beam_reading`), so a caller needs no beam search of its
    own.
    """
    return list(_choices(probs, alphabet, lexicon, beam_width=beam_width, margin=margin, max_distance=max_distance,
                         min_length=min_length, max_candidates=max_candidates))


def _choices(probs: Any, alphabet: str, lexicon: Lexicon, *, beam_width: int, margin: float,
             max_distance: int | None, min_length: int, max_candidates: int) -> Iterator[LexiconChoice]:
    """The argument checks and per-sample decoding shared by :func:`lexicon_choices` and :func:`lexicon_decode_one`."""
    batch = _as_batch(probs, alphabet)
    d = lexicon.max_distance if max_distance is None else max_distance
    if d > lexicon.max_distance:
        raise ValueError(f"the lexicon searches up to distance {lexicon.max_distance}; asked for {d}")
    if beam_width < 0:
        raise ValueError(f"beam_width must be at least 0; got {beam_width}")
    where = {ch: i for i, ch in enumerate(alphabet)}
    with np.errstate(divide="ignore"):
        log_batch = np.log(batch)
    for probs_one, log_one in zip(batch, log_batch):
        yield _decode(probs_one, log_one, alphabet, where, lexicon, beam_width=beam_width, margin=margin,
                      max_distance=d, min_length=min_length, max_candidates=max_candidates)


def _search_distance(n_letters: int, max_distance: int) -> int:
    """Edit distance searched around a reading of ``n_letters`` letters: 1 up to 4 letters, else ``max_distance``.

    Short readings have hundreds of words at distance 2, and a wrong one is too easily close enough; they are
    not shortened either (dropping a letter the model read turns "FRT" into "FR", "sus" into "us").
    """
    return min(max_distance, 1 if n_letters <= _SHORT_READING else max_distance)


def _greedy_text(log_probs: np.ndarray, alphabet: str) -> str:
    blank = len(alphabet)
    best = log_probs.argmax(axis=1).tolist()
    chars, previous = [], -1
    for idx in best:
        if idx != previous and idx != blank:
            chars.append(alphabet[idx])
        previous = idx
    return "".join(chars)


def _confidence(log_p: float) -> float:
    return min(1.0, math.exp(log_p)) if log_p > _NEG_INF else 0.0


def _decode(
    probs: np.ndarray, log_probs: np.ndarray, alphabet: str, where: dict[str, int], lexicon: Lexicon, *,
    beam_width: int, margin: float, max_distance: int, min_length: int, max_candidates: int,
) -> LexiconChoice:
    # 1. the unconstrained reading: greedy text, or the best beam hypotheses, rescored exactly
    hypotheses = [_greedy_text(log_probs, alphabet)]
    beam = None
    if beam_width > 1:
        ranked = _beam_ranked(log_probs, alphabet, beam_width)
        hypotheses += ["".join(alphabet[c] for c in prefix) for prefix in list(ranked)[: min(beam_width, 5)]]
        beam = (hypotheses[1], next(iter(ranked.values())))
    hypotheses = list(dict.fromkeys(hypotheses))
    hyp_scores = ctc_log_probabilities(log_probs, [[where[ch] for ch in h] for h in hypotheses])
    best = int(np.argmax(hyp_scores))
    reading, reading_lp = hypotheses[best], float(hyp_scores[best])

    def keep(reason: str, candidate: str | None = None, candidate_lp: float = _NEG_INF) -> LexiconChoice:
        return LexiconChoice(reading, _confidence(reading_lp), reading, reading_lp, reading_lp, reason,
                             candidate, candidate_lp, beam)

    lead, core, trail = _split_core(reading)
    if any(ch.isdigit() for ch in reading):
        return keep("digits")
    if len(lead) + len(trail) > len(core):
        return keep("punctuation")
    if not core.isalpha():
        return keep("punctuation")
    if len(core) < min_length:
        return keep("short")
    mode = _case_mode(alphabet)
    if core in _writable_forms(lexicon, core, where, mode):
        return keep("word")
    if not len(lexicon):
        return keep("no-candidate")

    # 2. candidate words: near misses of every hypothesis' letters
    lexicon._ensure_index()
    searched: dict[str, int] = {}  # lower-case hypothesis letters -> the edit distance searched around them
    shortest = len(core) if len(core) <= _SHORT_READING else 0
    for hyp in hypotheses:
        _, hyp_core, _ = _split_core(hyp)
        if hyp_core.isalpha() and len(hyp_core) >= min_length:
            searched[hyp_core.lower()] = _search_distance(len(hyp_core), max_distance)
    ids_parts = [lexicon._candidate_ids(h, d) for h, d in searched.items()]
    ids = np.unique(np.concatenate(ids_parts)) if ids_parts else np.zeros(0, np.int32)
    ids = ids[lexicon._replaceable[ids]]
    if ids.size:
        # rigorous bound: P(text) <= sum_t p(t, c) for every character c of the text (either case)
        totals = np.append(probs.sum(axis=0), 0.0)
        lower, upper = lexicon._class_map(alphabet)
        with np.errstate(divide="ignore"):
            per_symbol = np.log(np.minimum(totals[lower] + totals[upper], 1.0))
        per_symbol[0] = 0.0  # padding
        assert lexicon._codes is not None
        bounds = per_symbol[lexicon._codes[ids]].min(axis=1)
        floor = reading_lp - margin
        ok = bounds >= floor
        ids, bounds = ids[ok], bounds[ok]
        ids = ids[np.argsort(-bounds, kind="stable")]
    texts: list[str] = []
    costs: list[float] = []
    for i in ids.tolist():
        key = lexicon._keys[i]
        if len(key) < shortest or not any(edit_distance(h, key, d) <= d for h, d in searched.items()):
            continue
        for form, cost in _writable_forms(lexicon, key, where, mode).items():
            texts.append(lead + form + trail)
            costs.append(cost)
        if len(texts) >= 3 * max_candidates:
            break
    if not texts:
        return keep("no-candidate")

    # 3. exact scores, and the decision (a lower-case name pays its prior cost)
    scores = ctc_log_probabilities(log_probs, [[where[ch] for ch in t] for t in texts])
    top = int(np.argmax(scores - np.asarray(costs)))
    candidate, candidate_lp = texts[top], float(scores[top])
    if candidate_lp - costs[top] < reading_lp - margin or candidate_lp == _NEG_INF:
        return keep("unlikely", candidate, candidate_lp)
    return LexiconChoice(candidate, _confidence(candidate_lp), reading, reading_lp, candidate_lp, "lexicon",
                         candidate, candidate_lp, beam)


# ---- loading ------------------------------------------------------------------------------------------
def _auto_paths() -> list[Path]:
    paths = [bundled_wordlist_path()]
    if SYSTEM_WORDS.is_file() and os.access(SYSTEM_WORDS, os.R_OK):
        paths.append(SYSTEM_WORDS)
    return [p for p in paths if p.is_file()]


@lru_cache(maxsize=4)
def _load_cached(paths: tuple[str, ...], stamps: tuple[tuple[int, int], ...]) -> Lexicon:
    del stamps  # part of the cache key only: an edited file is read again
    return Lexicon.from_files(paths)


def load_lexicon(spec: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None) -> Lexicon | None:
    """The lexicon a setting names, loaded once and cached.

    ``None``, ``""`` or ``"none"``: no lexicon. ``"auto"``: the bundled list plus ``/usr/share/dict/words``
    when installed. Otherwise one path or a list of paths of word-list files (``os.pathsep``-separated in a
    string is accepted too). Raises :class:`LexiconError` for a file that cannot be read or has no words.
    """
    if spec is None:
        return None
    if isinstance(spec, str | os.PathLike):
        text = os.fspath(spec)
        if text.strip().lower() in ("", "none", "off"):
            return None
        paths = _auto_paths() if text.strip().lower() == "auto" else [Path(p) for p in text.split(os.pathsep) if p]
    else:
        paths = [Path(p) for p in spec]
    if not paths:
        raise LexiconError("no word list found")
    resolved = tuple(str(p.expanduser().resolve()) for p in paths)
    stamps = []
    for p in resolved:
        try:
            st = os.stat(p)
        except OSError as exc:
            raise LexiconError(f"cannot read the word list {p}: {exc.strerror or exc}") from None
        stamps.append((st.st_mtime_ns, st.st_size))
    return _load_cached(resolved, tuple(stamps))


def load_default_lexicon(spec: str | os.PathLike[str] | None, warn: Callable[[str], object]) -> Lexicon | None:
    """:func:`load_lexicon` for settings that default to ``"auto"`` (the app, ``recognize``, ``eval``; ADR 0016).

    The dictionary only improves readings, so when the default word lists cannot be read the engine reads
    plainly and ``warn`` gets the reason, rather than refusing to work. A list the user named still raises
    :class:`LexiconError`.
    """
    auto = isinstance(spec, str) and spec.strip().lower() == "auto"
    try:
        return load_lexicon(spec)
    except LexiconError as exc:
        if not auto:
            raise
        warn(f"reading without a dictionary: {exc}")
        return None
