"""Text sources for synthetic data: dictionary words in mixed case, numbers, dates, prices, codes,
punctuation, sentences, or the lines of a user's text file -- for any alphabet, never empty.

>>> sampler = TextSampler("abcdefghijklmnopqrstuvwxyz0123456789 ", seed=1)
>>> all(c in "abcdefghijklmnopqrstuvwxyz0123456789 " for c in sampler.sentence())
True
"""

from __future__ import annotations

import os
import string
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from ocr_core.errors import DataGenerationError
from ocr_core.paths import resources_dir

__all__ = ["SYSTEM_WORDS", "FOREIGN_WORD_LISTS", "load_words", "load_foreign_words", "read_text_lines",
           "TextSampler", "get_text_generator"]

#: Debian's ``wamerican`` word list, used when installed.
SYSTEM_WORDS = Path("/usr/share/dict/words")
#: Debian's word lists of other languages written in the Latin script (``wngerman``, ``wfrench``, ``wspanish``,
#: ``witalian``, ``wportuguese``): the source of accented words, used when installed.
FOREIGN_WORD_LISTS = tuple(Path("/usr/share/dict") / name
                           for name in ("ngerman", "french", "spanish", "italian", "portuguese"))
#: At most this many words are kept from each foreign list (an even sample), to bound memory per worker.
FOREIGN_WORDS_PER_LIST = 40_000

#: Default mixture of token kinds (relative weights).
DEFAULT_MIX: dict[str, float] = {
    "word": 0.38, "single": 0.04, "foreign_word": 0.10, "punct_word": 0.12, "number": 0.08, "code": 0.06, "price": 0.04, "date": 0.04,
    "time": 0.02, "phone": 0.02, "alnum": 0.04, "random": 0.06,
}
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_CURRENCIES = ["$", "€", "£", "¥", "", ""]
_SINGLES = list(string.ascii_uppercase * 2 + string.digits * 2 + string.ascii_lowercase + "$#&%*+-=@/")


@lru_cache(maxsize=8)
def load_words(path: str | None = None) -> tuple[str, ...]:
    """Words from ``path``, else ``/usr/share/dict/words`` (wamerican), else the bundled list.

    Possessives (``'s``) are dropped; blank lines and ``#`` comments are skipped.
    """
    candidates = [Path(path)] if path else [SYSTEM_WORDS, resources_dir() / "wordlist.txt"]
    for candidate in candidates:
        try:
            lines = candidate.read_text("utf-8", errors="replace").splitlines()
        except OSError:
            if path:
                raise DataGenerationError(f"cannot read the word list {candidate}") from None
            continue
        words = tuple(w.strip() for w in lines
                      if w.strip() and not w.startswith("#") and not w.strip().endswith("'s"))
        if words:
            return words
    return tuple(["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog"])


@lru_cache(maxsize=2)
def load_foreign_words(paths: tuple[str, ...] | None = None,
                       per_list: int = FOREIGN_WORDS_PER_LIST) -> tuple[str, ...]:
    """Words of the installed :data:`FOREIGN_WORD_LISTS` (or ``paths``), an even sample of ``per_list`` each.

    Lists that are missing or unreadable are skipped; with none installed the result is empty.
    """
    words: list[str] = []
    for candidate in (Path(p) for p in paths) if paths is not None else FOREIGN_WORD_LISTS:
        try:
            lines = candidate.read_text("utf-8", errors="replace").splitlines()
        except OSError:
            continue
        found = [w.strip() for w in lines if w.strip() and not w.startswith("#") and "\ufffd" not in w]
        step = max(1, len(found) // max(1, per_list))
        words.extend(found[::step][:per_list])
    return tuple(words)


def read_text_lines(path: str | os.PathLike[str]) -> list[str]:
    """The non-blank lines of a UTF-8 text file (a user's own text source)."""
    try:
        text = Path(path).read_text("utf-8", errors="replace")
    except OSError as exc:
        raise DataGenerationError(f"cannot read the text file {path}: {exc}") from exc
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise DataGenerationError(f"the text file {path} has no text")
    return lines


class TextSampler:
    """Random tokens and sentences restricted to an alphabet.

    ``words`` (default: :func:`load_words`) feed the dictionary kinds; ``foreign_words`` (default, when
    ``words`` is not given: :func:`load_foreign_words`) feed the ``foreign_word`` kind, keeping only words
    the alphabet spells in full; ``lines`` (e.g. from
    :func:`read_text_lines`) replace the sentence source and add their words; ``mix`` weighs the
    token kinds of :data:`DEFAULT_MIX`. Characters outside ``alphabet`` are removed; when that
    leaves too little, another token is drawn, and random strings of the alphabet are the last
    resort, so results are never empty (unless the alphabet has only whitespace).

    >>> TextSampler("0123456789", seed=0).token().isdigit()
    True
    """

    def __init__(self, alphabet: str | None = None, *, words: Sequence[str] | None = None,
                 lines: Sequence[str] | None = None, lowercase: bool = False, seed: int | None = None,
                 mix: dict[str, float] | None = None, foreign_words: Sequence[str] | None = None) -> None:
        self.alphabet = None if alphabet is None else "".join(dict.fromkeys(alphabet))
        if self.alphabet is not None and not self.alphabet.strip():
            raise DataGenerationError("the alphabet has no printable characters to generate text from")
        self.lowercase = lowercase
        self.rng = np.random.default_rng(seed)
        self.lines = list(lines) if lines else []
        base = list(words) if words is not None else list(load_words())
        if self.lines:
            base = base + [w for ln in self.lines for w in ln.split()]
        self._allowed = None if self.alphabet is None else set(self.alphabet)
        self.words = self._usable_words(base)
        if foreign_words is None and words is None:
            foreign_words = load_foreign_words()
        self.foreign_words = self._spelled_words(foreign_words or ())
        mix = dict(mix or DEFAULT_MIX)
        if not self.words:
            mix.pop("word", None)
            mix.pop("punct_word", None)
        if not self.foreign_words:
            mix.pop("foreign_word", None)
        self._kinds = list(mix)
        weights = np.array([max(0.0, mix[k]) for k in self._kinds], dtype=float)
        if weights.sum() <= 0:
            self._kinds, weights = ["random"], np.ones(1)
        self._p = weights / weights.sum()
        self._cdf = np.cumsum(self._p)
        self._symbols = ("".join(c for c in self.alphabet if not c.isspace()) if self.alphabet
                         else string.ascii_letters + string.digits + string.punctuation)

    # -- helpers -------------------------------------------------------------------------------
    def _usable_words(self, words: list[str]) -> list[str]:
        if self._allowed is None:
            return words
        allowed = self._allowed
        lower_ok = {c.lower() for c in allowed} | {c.upper() for c in allowed if c.upper() in allowed}
        out = []
        for w in words:
            if all(c in allowed or c.lower() in allowed or c.upper() in allowed for c in w) or sum(c in lower_ok for c in w) >= 0.8 * len(w):
                out.append(w)
        return out

    def _spelled_words(self, words: Sequence[str]) -> list[str]:
        """The words the alphabet spells in full (in some case)."""
        if self._allowed is None:
            return list(words)
        allowed = self._allowed
        return [w for w in words
                if all(c in allowed for c in w) or all(c in allowed for c in w.lower())
                or all(c in allowed for c in w.upper())]

    def _filter(self, text: str) -> str:
        if self.lowercase:
            text = text.lower()
        if self._allowed is None:
            return text
        if not all(c in self._allowed for c in text):
            # Fall back to another case before dropping characters.
            for variant in (text.lower(), text.upper()):
                if all(c in self._allowed for c in variant):
                    return variant
            text = "".join(c for c in text if c in self._allowed)
        return text

    def _choice(self, items: Sequence[str]) -> str:
        return items[int(self.rng.integers(len(items)))]

    def _digits(self, n: int) -> str:
        return "".join(str(d) for d in self.rng.integers(0, 10, n))

    def _case(self, word: str) -> str:
        r = self.rng.random()
        if r < 0.55:
            return word if word[:1].isupper() and r < 0.2 else word.lower()
        if r < 0.8:
            return word[:1].upper() + word[1:].lower()
        if r < 0.95:
            return word.upper()
        return "".join(c.upper() if self.rng.random() < 0.5 else c.lower() for c in word)

    # -- token kinds ---------------------------------------------------------------------------
    def _raw(self, kind: str) -> str:
        rng = self.rng
        if kind == "word":
            return self._case(self._choice(self.words))
        if kind == "foreign_word":
            return self._case(self._choice(self.foreign_words))
        if kind == "punct_word":
            word = self._case(self._choice(self.words))
            before = self._choice(["", "", "", "(", "\"", "'", "[", "-"])
            after = self._choice([".", ",", ":", ";", "!", "?", ")", "\"", "'", "...", "-", "%", "/"])
            if rng.random() < 0.02:  # Spanish marks: rare, and paired (an unpaired prior made '¿' a guess for 'D')
                before, after = ("¿", "?") if rng.random() < 0.6 else ("¡", "!")
            elif before in "([" and before:
                after = ")" if before == "(" else "]"
            return before + word + after
        if kind == "number":
            r = rng.random()
            if r < 0.4:
                return str(int(rng.integers(0, 10 ** int(rng.integers(1, 5)))))
            if r < 0.6:
                return f"{int(rng.integers(1, 999)):,}".replace(",", self._choice([",", ".", " ", "'"])) + \
                    f",{self._digits(3)}"
            if r < 0.8:
                return f"{rng.uniform(0, 1000):.{int(rng.integers(1, 4))}f}"
            return self._choice(["-", "+", "#", "No.", "x", "~"]) + str(int(rng.integers(0, 10000)))
        if kind == "price":
            cur = self._choice(_CURRENCIES)
            amount = f"{rng.uniform(0, 2000):.2f}"
            if rng.random() < 0.3:
                amount = amount.replace(".", ",")
            return cur + amount if rng.random() < 0.6 else amount + cur
        if kind == "date":
            d, m, y = int(rng.integers(1, 29)), int(rng.integers(1, 13)), int(rng.integers(1950, 2040))
            fmt = int(rng.integers(6))
            return [f"{d:02d}/{m:02d}/{y}", f"{y}-{m:02d}-{d:02d}", f"{d}.{m}.{y % 100:02d}",
                    f"{_MONTHS[m - 1][:3]}{d}", f"{d}{_MONTHS[m - 1][:3].upper()}{y}", f"{m}/{d}/{y % 100:02d}"][fmt]
        if kind == "time":
            h, mi = int(rng.integers(0, 24)), int(rng.integers(0, 60))
            return self._choice([f"{h:02d}:{mi:02d}", f"{h % 12 or 12}:{mi:02d}{self._choice(['am', 'pm', 'AM', 'PM'])}",
                                 f"{h}h{mi:02d}"])
        if kind == "phone":
            return self._choice([f"{self._digits(3)}-{self._digits(4)}", f"({self._digits(3)}){self._digits(3)}-{self._digits(4)}",
                                 f"+{self._digits(2)}{self._digits(9)}", f"{self._digits(4)}.{self._digits(3)}.{self._digits(3)}"])
        if kind == "code":
            letters = string.ascii_uppercase
            parts = ["".join(self._choice(letters) for _ in range(int(rng.integers(1, 4)))), self._digits(int(rng.integers(2, 6)))]
            if rng.random() < 0.5:
                parts.reverse()
            return self._choice(["-", "", "/", " ", "."]).join(parts).replace(" ", "")
        if kind == "single":  # a character standing alone: a receipt's tax flag, a list letter, a lone digit
            return self._choice(_SINGLES)
        if kind == "alnum":
            pool = string.ascii_letters + string.digits
            return "".join(self._choice(pool) for _ in range(int(rng.integers(2, 10))))
        n = int(rng.integers(1, 11))
        return "".join(self._choice(self._symbols) for _ in range(n))

    # -- public --------------------------------------------------------------------------------
    def token(self, max_length: int | None = None) -> str:
        """One space-free token of a random kind (at most ``max_length`` characters)."""
        for _ in range(20):
            kind = self._kinds[min(len(self._kinds) - 1, int(np.searchsorted(self._cdf, self.rng.random(), side="right")))]
            raw = self._raw(kind)
            text = self._filter(raw).strip()
            if text and len(text) >= 0.6 * len(raw.strip()) and not any(c.isspace() for c in text):
                return text[:max_length] if max_length else text
        text = self._filter(self._raw("random")).replace(" ", "")
        if not text:
            text = self._choice([c for c in self._symbols if not c.isspace()] or ["?"])
        return text[:max_length] if max_length else text

    def sentence(self, max_length: int | None = None, n_tokens: int | None = None) -> str:
        """Several tokens joined by spaces, or a line of the text file (truncated to ``max_length``)."""
        if self.lines and n_tokens is None and self.rng.random() < 0.8:
            for _ in range(10):
                text = " ".join(self._filter(self._choice(self.lines)).split())
                if text:
                    return self._cut(text, max_length)
        n = n_tokens or int(self.rng.integers(1, 9))
        space_ok = self._allowed is None or " " in self._allowed
        sep = " " if space_ok else ""
        text = sep.join(self.token() for _ in range(n))
        return self._cut(text, max_length)

    @staticmethod
    def _cut(text: str, max_length: int | None) -> str:
        if max_length and len(text) > max_length:
            text = text[:max_length].rstrip() or text[:max_length]
        return text

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        return self.sentence()


def get_text_generator(alphabet: str | None = None, lowercase: bool = False,
                       max_string_length: int | None = None, *, seed: int | None = None,
                       text_file: str | os.PathLike[str] | None = None,
                       words: Sequence[str] | None = None) -> Iterator[str]:
    """Endless random sentences in ``alphabet`` (seed API; ``seed``, ``text_file``, ``words`` added).

    >>> gen = get_text_generator("abc ", seed=0)
    >>> set(next(gen)) <= set("abc ")
    True
    """
    lines = read_text_lines(text_file) if text_file is not None else None
    sampler = TextSampler(alphabet, words=words, lines=lines, lowercase=lowercase, seed=seed)
    while True:
        yield sampler.sentence(max_string_length)
