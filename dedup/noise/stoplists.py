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
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from itertools import chain, repeat

import justext
import numpy as np
import regex

from dedup import __version__
from dedup.noise.chars import CharTest, ascii_runs, runs_table
from dedup.noise.tables import load_or_build

_WORD = regex.compile(r"[\p{L}\p{M}']+")
FALLBACK = "English"
GUESS_CHUNK = 256   # documents `guess_languages` counts together


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
    cost more to unpickle than to build). Words of the same languages share a row (~2,200 rows for ~150k
    words), so a document's stop words fall into few rows and the guess expands each row once.

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
    rows: dict[tuple[int, ...], int] = {}   # each distinct list of languages, numbered in order of first word
    row_of = {word: rows.setdefault(tuple(index[word]), len(rows)) for word in sorted(index)}
    lengths = [len(found) for found in rows]
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    numbers = np.array([n for found in rows for n in found], dtype=np.int64)
    return languages, row_of, starts, numbers


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
    return guess_languages([words(text) if isinstance(text, str) else list(text)], min_tokens)[0]


def guess_languages(texts: Sequence[Sequence[str]], min_tokens: int = 8) -> list[tuple[str, float]]:
    """`guess_language` of each token list, counted for a batch of documents at once: a few array operations
    per batch instead of per document, where they cost as much as the look-ups."""
    out: list[tuple[str, float]] = []
    for first in range(0, len(texts), GUESS_CHUNK):   # bounds the (documents x rows) count table
        out.extend(_guess_chunk(texts[first:first + GUESS_CHUNK], min_tokens))
    return out


def _guess_chunk(texts: Sequence[Sequence[str]], min_tokens: int) -> list[tuple[str, float]]:
    languages, index, starts, flat = stop_word_table()
    n_rows, n_languages = len(starts) - 1, len(languages)
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    tokens = chain.from_iterable(texts)
    # one look-up per token, not per distinct token: counting them first cost more than it saved
    rows = np.fromiter(map(index.get, tokens, repeat(-1)), dtype=np.int64, count=int(sizes.sum()))   # -1: none
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), sizes)
    found = rows >= 0
    counts = np.bincount(owner[found] * n_rows + rows[found], minlength=len(texts) * n_rows)
    cells = np.flatnonzero(counts)   # (document, row) pairs with their token counts
    # the language numbers of every found row, concatenated (one gather, not a slice per row), each weighted by
    # its document's count of tokens in the row: float sums, exact below 2**53
    first = starts[cells % n_rows]
    lengths = starts[cells % n_rows + 1] - first
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    numbers = flat[np.repeat(first - (ends - lengths), lengths) + np.arange(total)]
    hits = np.bincount(np.repeat(cells // n_rows, lengths) * n_languages + numbers,
                       weights=np.repeat(counts[cells], lengths), minlength=len(texts) * n_languages)
    hits = hits.reshape(len(texts), n_languages)
    best = hits.argmax(axis=1)   # the first maximum: languages are sorted, so ties go alphabetically
    top = hits[np.arange(len(texts)), best]
    # no stop word at all leaves every count at 0 (each word of the table counts for at least one language)
    return [(languages[b], int(t) / n) if n >= min_tokens and t else (FALLBACK, 0.0)
            for b, t, n in zip(best.tolist(), top.tolist(), sizes.tolist(), strict=True)]


def stop_ratio(tokens: list[str], language: str) -> float:
    """Share of tokens that are stop words of `language` (0.0 for no tokens)."""
    if not tokens:
        return 0.0
    stops = stoplist(language)
    return sum(map(stops.__contains__, tokens)) / len(tokens)
