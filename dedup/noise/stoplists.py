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
from itertools import repeat

import justext
import numpy as np
import regex

from dedup import __version__
from dedup.noise.chars import CharTest, ascii_runs, runs_table
from dedup.noise.tables import load_or_build

_WORD = regex.compile(r"[\p{L}\p{M}']+")
FALLBACK = "English"


# `_WORD`'s ASCII class [A-Za-z']: on text whose non-ASCII characters are no letters or marks, its runs are the words
_ASCII_WORD = runs_table("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'")


def words(text: str) -> list[str]:
    """Lower-case letter tokens (apostrophes kept: "don't")."""
    folded = text.casefold().replace("\u2019", "'")
    if folded.isascii() or _NO_LETTER.all_non_ascii(folded):
        found = ascii_runs(folded, _ASCII_WORD)
    else:
        found = _WORD.findall(folded)
    if "'" not in folded:   # then every match is a non-empty run of letters and marks: nothing to strip
        return found
    return [w.strip("'") for w in found if w.strip("'")]


def _outside_words(c: str) -> bool:
    return _WORD.fullmatch(c) is None


# no non-ASCII character is a letter or mark (curly quotes, dashes): then `_WORD`'s matches are runs of ASCII
# letters and apostrophes, which `re` finds ~3x faster
_NO_LETTER = CharTest(_outside_words)


@cache
def stoplist(language: str) -> frozenset[str]:
    """jusText's stop-list for `language` (e.g. "English", "Polish"), lower-cased; loaded once."""
    return frozenset(w.casefold() for w in justext.get_stoplist(language))


def _script(word: str) -> str:
    """The Unicode script name of a word's first letter ("LATIN", "DEVANAGARI", "CYRILLIC"…)."""
    return unicodedata.name(word[0], "?").split(" ", 1)[0]


@lru_cache(maxsize=1)
def stop_word_table() -> tuple[tuple[str, ...], dict[str, int], np.ndarray, np.ndarray]:
    """The languages in alphabetical order, and the stop words of all of them inverted: word -> its row, and
    row i's language numbers are numbers[starts[i]:starts[i + 1]] (flat arrays: 150k small arrays would
    cost more to unpickle than to build).

    Only words in a list's own script count for the guess: some jusText lists were built from web text that
    carried English (Marathi's has 250 English stop words), and a Devanagari list must not win on English.
    Reading ~100 lists costs ~0.5 CPU-s, so the table is kept in the on-disk table cache.
    """
    parts: list[bytes | str] = [__version__, justext_version(), np.__version__]   # the key adds the code
    return load_or_build("stoplists", parts, _flat_inverted)


def _flat_inverted() -> tuple[tuple[str, ...], dict[str, int], np.ndarray, np.ndarray]:
    """(languages, word -> row, row start offsets, language numbers), as `stop_word_table` returns them."""
    languages = tuple(sorted(justext.get_stoplists()))
    index: dict[str, list[int]] = {}
    for number, language in enumerate(languages):
        scripts = {word: _script(word) for word in stoplist(language)}
        native = Counter(scripts.values()).most_common(1)[0][0]
        for word, script in scripts.items():
            if script == native:
                index.setdefault(word, []).append(number)
    words = tuple(sorted(index))
    lengths = [len(index[word]) for word in words]
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    numbers = np.array([n for word in words for n in index[word]], dtype=np.int64)
    return languages, {word: row for row, word in enumerate(words)}, starts, numbers


def justext_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jusText")
    except PackageNotFoundError:
        return "unknown"


def guess_language(text: str | Iterable[str], min_tokens: int = 8) -> tuple[str, float]:
    """(language, coverage): the stop-list covering the largest share of the tokens, and that share.

    Ties go to the alphabetically first language, so the guess is deterministic. Short texts (fewer than
    `min_tokens` tokens) fall back to English with coverage 0.0: there is not enough evidence.
    """
    tokens = words(text) if isinstance(text, str) else list(text)
    if len(tokens) < min_tokens:
        return FALLBACK, 0.0
    languages, index, starts, flat = stop_word_table()
    # one look-up per token, not per distinct token: counting them first cost more than it saved
    rows = np.fromiter(map(index.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))   # -1: no stop word
    rows = rows[rows >= 0]
    if not len(rows):
        return FALLBACK, 0.0
    # the language numbers of every found row, concatenated in order (one gather, not a slice per token)
    first = starts[rows]
    lengths = starts[rows + 1] - first
    ends = np.cumsum(lengths)
    numbers = flat[np.repeat(first - (ends - lengths), lengths) + np.arange(ends[-1])]
    hits = np.bincount(numbers, minlength=len(languages))
    best = int(np.argmax(hits))   # the first maximum: languages are sorted, so ties go alphabetically
    return languages[best], float(hits[best]) / len(tokens)


def stop_ratio(tokens: list[str], language: str) -> float:
    """Share of tokens that are stop words of `language` (0.0 for no tokens)."""
    if not tokens:
        return 0.0
    stops = stoplist(language)
    return sum(map(stops.__contains__, tokens)) / len(tokens)
