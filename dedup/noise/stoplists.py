"""Stop-word lists (jusText's, ~100 languages) and a document language guess from stop-word coverage.

Why: the share of stop words separates running prose from menus, labels and link lists in any language, but
only with the right list — a German sentence has almost no English stop words. So we guess the language once
per document (the list covering most of its tokens) instead of assuming English.

>>> guess_language("Der Minister sagte, dass die Regierung das Gesetz noch in dieser Woche beschließen will.")[0]
'German'
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import cache, lru_cache

import justext
import numpy as np
import regex

_WORD = regex.compile(r"[\p{L}\p{M}']+")
FALLBACK = "English"


def words(text: str) -> list[str]:
    """Lower-case letter tokens (apostrophes kept: "don't")."""
    return [w.strip("'") for w in _WORD.findall(text.casefold().replace("\u2019", "'")) if w.strip("'")]


@cache
def stoplist(language: str) -> frozenset[str]:
    """jusText's stop-list for `language` (e.g. "English", "Polish"), lower-cased; loaded once."""
    return frozenset(w.casefold() for w in justext.get_stoplist(language))


def _script(word: str) -> str:
    """The Unicode script name of a word's first letter ("LATIN", "DEVANAGARI", "CYRILLIC"…)."""
    return unicodedata.name(word[0], "?").split(" ", 1)[0]


@lru_cache(maxsize=1)
def _inverted() -> tuple[tuple[str, ...], dict[str, np.ndarray]]:
    """The languages in alphabetical order, and stop word -> numbers of the languages whose list has it.

    Only words in a list's own script count for the guess: some jusText lists were built from web text that
    carried English (Marathi's has 250 English stop words), and a Devanagari list must not win on English.
    """
    languages = tuple(sorted(justext.get_stoplists()))
    index: dict[str, list[int]] = {}
    for number, language in enumerate(languages):
        scripts = {word: _script(word) for word in stoplist(language)}
        native = Counter(scripts.values()).most_common(1)[0][0]
        for word, script in scripts.items():
            if script == native:
                index.setdefault(word, []).append(number)
    return languages, {word: np.array(numbers, dtype=np.int64) for word, numbers in index.items()}


def guess_language(text: str | Iterable[str], min_tokens: int = 8) -> tuple[str, float]:
    """(language, coverage): the stop-list covering the largest share of the tokens, and that share.

    Ties go to the alphabetically first language, so the guess is deterministic. Short texts (fewer than
    `min_tokens` tokens) fall back to English with coverage 0.0: there is not enough evidence.
    """
    tokens = words(text) if isinstance(text, str) else list(text)
    if len(tokens) < min_tokens:
        return FALLBACK, 0.0
    languages, index = _inverted()
    found = [(index[token], count) for token, count in Counter(tokens).items() if token in index]
    if not found:
        return FALLBACK, 0.0
    numbers = np.concatenate([n for n, _ in found])
    weights = np.repeat([c for _, c in found], [len(n) for n, _ in found])
    hits = np.bincount(numbers, weights=weights, minlength=len(languages))
    best = int(np.argmax(hits))   # the first maximum: languages are sorted, so ties go alphabetically
    return languages[best], float(hits[best]) / len(tokens)


def stop_ratio(tokens: list[str], language: str) -> float:
    """Share of tokens that are stop words of `language` (0.0 for no tokens)."""
    if not tokens:
        return 0.0
    stops = stoplist(language)
    return sum(t in stops for t in tokens) / len(tokens)
