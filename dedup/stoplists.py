"""Stop-word lists (jusText's, ~100 languages) and a document language guess from stop-word coverage.

Why: the share of stop words separates running prose from menus, labels and link lists in any language, but
only with the right list — a German sentence has almost no English stop words. So we guess the language once
per document (the list covering most of its tokens) instead of assuming English.

>>> guess_language("Der Minister sagte, dass die Regierung das Gesetz noch in dieser Woche beschließen will.")[0]
'German'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cache, lru_cache

import justext
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


@lru_cache(maxsize=1)
def _inverted() -> dict[str, tuple[str, ...]]:
    """stop word -> languages whose list contains it."""
    index: dict[str, list[str]] = {}
    for language in sorted(justext.get_stoplists()):
        for word in stoplist(language):
            index.setdefault(word, []).append(language)
    return {word: tuple(langs) for word, langs in index.items()}


def guess_language(text: str | Iterable[str], min_tokens: int = 8) -> tuple[str, float]:
    """(language, coverage): the stop-list covering the largest share of the tokens, and that share.

    Ties go to the alphabetically first language, so the guess is deterministic. Short texts (fewer than
    `min_tokens` tokens) fall back to English with coverage 0.0: there is not enough evidence.
    """
    tokens = words(text) if isinstance(text, str) else list(text)
    if len(tokens) < min_tokens:
        return FALLBACK, 0.0
    index = _inverted()
    hits: Counter[str] = Counter()
    for token, count in Counter(tokens).items():
        for language in index.get(token, ()):
            hits[language] += count
    if not hits:
        return FALLBACK, 0.0
    language, count = min(hits.items(), key=lambda kv: (-kv[1], kv[0]))
    return language, count / len(tokens)


def stop_ratio(tokens: list[str], language: str) -> float:
    """Share of tokens that are stop words of `language` (0.0 for no tokens)."""
    if not tokens:
        return 0.0
    stops = stoplist(language)
    return sum(t in stops for t in tokens) / len(tokens)
