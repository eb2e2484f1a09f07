"""Text normalisation, tokens and word n-gram shingle hashes: the sets that MinHash signs and `verify` compares.

Syndicated copies of one paragraph differ in typography more than in words: curly vs straight quotes,
"…" vs "...", "U.S." vs "US", "mega-prison" vs "mega prison", "It’s" vs "It's". `normalise` folds the
typography (NFKC, quotes, apostrophes, dashes, ellipsis, case, whitespace) and `tokens` drops punctuation,
joining dotted abbreviations and apostrophe contractions ("U.S." -> "us", "it's" -> "its") so those variants
produce the same shingles.

Token hashes are computed on code points with numpy (`token_hashes`) and combined per n-gram with numpy,
never with Python's salted `hash()`, so a shingle hashes the same in every process and on every machine
(signatures and indexes can be stored and merged).

>>> normalise("“It’s — a  Test…”")
'"it\\'s - a test..."'
>>> tokens("The U.S. mega-prison (CECOT) isn’t new…")
['the', 'us', 'mega', 'prison', 'cecot', 'isnt', 'new']
>>> shingle_hashes("one two three four", 3).shape
(2,)
>>> bool((shingle_hashes("It’s “big”", 3) == shingle_hashes('it\\'s "BIG"', 3)).all())
True
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from dedup.noise.chars import CharTest

# Bump when tokens or hashes change: stored signatures and indexes built with another version are stale.
NORMALISE_VERSION = 1

_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u0060": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u00a0": " ", "\u00ad": "",
})
_FOLDED_AS = {chr(code): str(folded) for code, folded in _FOLD.items()}
_FOLDED = re.compile("[" + re.escape("".join(map(chr, _FOLD))) + "]")
_SPACE = re.compile(r"\s+")
# U.S. -> US, it's -> its: one token, like the undotted spelling (the joiner first: `re` then scans for it in C
# instead of trying the lookbehind at every position)
_JOIN = re.compile(r"['.](?<=\w['.])(?=\w)")
_WORD = re.compile(r"\w+")
# the characters `normalise` turns into a joiner ("'" or "."), and a token of `tokens` as it stands in such text:
# word runs chained by single joiners
_JOINERS = "'.`\u2018\u2019\u201a\u201b\u2032"
_CHAIN = re.compile(r"\w+(?:[" + re.escape(_JOINERS) + r"]\w+)*")

_MUL = np.uint64(0x9E3779B97F4A7C15)  # golden-ratio odd constant: order-sensitive n-gram combination
_SHORT = np.uint64(0xD6E8FEB86659FD93)  # marks a whole-text shingle of a text shorter than n words
_BATCH = 2048  # texts tokenised per vectorised pass: bounds the per-character temporaries


def normalise(text: str) -> str:
    """NFKC, typographic quotes/apostrophes/dashes/ellipsis folded to ASCII, casefolded, whitespace collapsed.

    Punctuation is kept (this is also the key behind content-derived ids); `tokens` removes it.
    """
    text = unicodedata.normalize("NFKC", text)
    # `translate`'s result, one `replace` per character present (no folded form holds a folded character);
    # most texts have none to fold, and `translate` with a table walks every character in Python
    for char in set(_FOLDED.findall(text)):
        text = text.replace(char, _FOLDED_AS[char])
    return _SPACE.sub(" ", text.casefold()).strip()


def tokens(text: str) -> list[str]:
    """Word tokens of the normalised text; punctuation dropped, dotted abbreviations and contractions joined."""
    return _WORD.findall(_JOIN.sub("", normalise(text)))


def token_count(text: str) -> int:
    """`len(tokens(text))`, counted on the text itself where normalising it cannot move a token boundary (ASCII
    text, and most other text: NFKC leaves it as it is and each non-ASCII character stays a word character or
    not, and a joiner or not, once folded), ~2x faster than building the normalised copy. Choosing a cluster's
    canonical text counts the tokens of every member."""
    plain = text
    for old, new in _CHEAP_NFKC:
        plain = plain.replace(old, new)
    if plain.isascii() or (unicodedata.is_normalized("NFKC", plain)
                           and _PLAIN.all_non_ascii(plain)):
        return len(_CHAIN.findall(plain))
    return len(tokens(text))


def _plain_char(char: str) -> bool:
    """`normalise` keeps this (non-ASCII) character on its side of a token boundary: a word character stays one
    (casefolded, 'ß' -> 'ss' included), a joiner stays one, anything else becomes neither ('İ' -> 'i' + U+0307, a
    mark, does not; nor does the soft hyphen, which is dropped)."""
    folded = _FOLDED_AS.get(char)
    if folded is not None:
        return folded == "'" if char in _JOINERS else folded in ('"', "-", " ")
    word = _WORD.fullmatch(char) is not None
    return all((_WORD.fullmatch(c) is not None) == word and (word or c not in "'.") for c in char.casefold())


_PLAIN = CharTest(_plain_char)   # `normalise` cannot move a token boundary at any non-ASCII character of a text


def _class_table() -> np.ndarray:
    """Read-only class of each code point below `_TABLE`: bit 1 word (`\\w`: isalnum() or "_", as `re` has
    it), bit 2 joiner (an apostrophe or dot, dropped between word characters), bit 4 ASCII upper case."""
    table = np.fromiter((chr(c).isalnum() for c in range(_TABLE)), dtype=np.uint8, count=_TABLE)
    table[ord("_")] = 1
    for c in "'.\u2018\u2019\u201a\u201b\u2032`":
        table[ord(c)] |= 2
    table[ord("A"):ord("Z") + 1] |= 4
    table.flags.writeable = False
    return table


_TABLE = 0x30000
_CLASS = _class_table()
_POSITION_KEYS = np.random.default_rng(0x5EED).integers(1, 2**63, 64, dtype=np.uint64) | np.uint64(1)
_POSITION_KEYS.flags.writeable = False
_CHEAP_NFKC = (("\u2026", "..."), ("\u00a0", " "))  # the usual offenders, replaced before the NFKC check


def _nfkc(text: str) -> str:
    """NFKC only when the C quick-check says it changes something (most paragraphs pass unchanged)."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    for old, new in _CHEAP_NFKC:
        text = text.replace(old, new)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def _codepoints(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """NFKC + casefolded code points of the texts joined by 0 (which no text then contains), and their classes.

    Casefolding works on the code point array (ASCII through the class table, the few distinct non-ASCII
    characters through `str.casefold`): per-character Python string passes were most of the signing time.
    """
    parts = [_nfkc(t) for t in texts]
    joined = "\x00".join(parts)
    if joined.count("\x00") != max(len(parts) - 1, 0):
        joined = "\x00".join(p.replace("\x00", " ") for p in parts)
    cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).copy()
    high = np.flatnonzero(cp >= 128)
    if len(high):
        distinct = np.unique(cp[high])
        folded = [chr(c).casefold() for c in distinct.tolist()]
        if any(len(f) != 1 for f in folded):  # ß -> ss and friends change lengths: fold the string instead
            cp = np.frombuffer(joined.casefold().encode("utf-32-le"), dtype=np.uint32).copy()
            return cp, _classes(cp)
        target = np.array([ord(f) for f in folded], dtype=np.uint32)
        cp[high] = target[np.searchsorted(distinct, cp[high])]
    classes = _classes(cp)
    cp[np.flatnonzero(classes & 4)] += np.uint32(32)
    return cp, classes


def _classes(cp: np.ndarray) -> np.ndarray:
    classes = _CLASS.take(cp, mode="clip")   # `_CLASS[np.minimum(cp, _TABLE - 1)]` without the temporary
    beyond = np.flatnonzero(cp >= _TABLE)
    if len(beyond):
        classes[beyond] = [int(chr(c).isalnum()) for c in cp[beyond].tolist()]
    return classes


def token_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """uint64 hashes of every token of every text (in order) and the index of the text each belongs to.

    Same tokens as `tokens` (word characters, soft hyphens dropped, an apostrophe or dot between word
    characters joined), found and hashed on the code point array: a token's hash is the splitmix64 of the
    sum of (code point + 1) times a per-position odd key, plus its length -- position-sensitive, stable
    across processes, and computed without one Python call per token.
    """
    cp, classes = _codepoints(texts)
    hyphen = cp == 0xAD
    if hyphen.any():
        kept = np.flatnonzero(~hyphen)
        cp, classes = cp[kept], classes[kept]
    word = (classes & 1) != 0
    inner = np.zeros(len(cp), dtype=bool)
    inner[1:-1] = word[:-2] & word[2:] & ((classes[1:-1] & 2) != 0)
    if inner.any():
        kept = np.flatnonzero(~inner)
        cp, word = cp[kept], word[kept]
    begins = word.copy()
    begins[1:] &= ~word[:-1]
    first = np.flatnonzero(begins)
    if not len(first):
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    owner = np.searchsorted(np.flatnonzero(cp == 0), first)
    # the word characters by their positions: gathering by index is several times faster than by a mask
    at = np.flatnonzero(word)
    chars = cp[at]
    start_in_chars = np.flatnonzero(begins[at])
    lengths = np.diff(np.append(start_in_chars, len(chars)))
    position = np.arange(len(chars), dtype=np.int32) - np.repeat(start_in_chars.astype(np.int32), lengths)
    keyed = (chars.astype(np.uint64) + np.uint64(1)) * _POSITION_KEYS[position & (len(_POSITION_KEYS) - 1)]
    sums = np.add.reduceat(keyed, start_in_chars)
    return mix64(sums + lengths.astype(np.uint64) * _MUL), owner.astype(np.int64)


def mix64(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads the combined n-gram value over all 64 bits (so its low 32 bits are usable)."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def _ngrams(hashes: np.ndarray, ngram: int) -> np.ndarray:
    """Hash of every window of `ngram` consecutive token hashes (len(hashes) >= ngram)."""
    count = len(hashes) - ngram + 1
    combined = hashes[:count].copy()
    for j in range(1, ngram):
        combined = combined * _MUL + hashes[j:j + count]
    return mix64(combined)


def _short(hashes: np.ndarray) -> np.ndarray:
    """The single shingle of a non-empty text with fewer words than the n-gram size."""
    combined = np.full(1, _SHORT, dtype=np.uint64)
    for h in hashes:
        combined = combined * _MUL + h
    return mix64(combined)


def hashes_of_tokens(token_hash: np.ndarray, ngram: int) -> np.ndarray:
    """Unsorted, possibly repeated n-gram hashes of one text's token hashes (empty text -> empty array)."""
    if ngram < 1:
        raise ValueError(f"ngram must be >= 1, got {ngram}")
    if len(token_hash) == 0:
        return np.empty(0, dtype=np.uint64)
    if len(token_hash) < ngram:
        return _short(token_hash)
    return _ngrams(token_hash, ngram)


def shingle_hashes(text: str, ngram: int) -> np.ndarray:
    """Sorted unique uint64 hashes of the text's word n-grams.

    A text shorter than `ngram` words gives one shingle of the whole text; an empty text gives none.
    """
    return shingle_sets([text], ngram)[0]


def shingle_sets(texts: Sequence[str], ngram: int) -> list[np.ndarray]:
    """`shingle_hashes` of many texts, with one vectorised pass instead of one per text."""
    if not texts:
        return []
    grams, offsets = flat_shingle_sets(texts, ngram)
    return np.split(grams, offsets[1:-1])


def flat_shingle_sets(texts: Sequence[str], ngram: int) -> tuple[np.ndarray, np.ndarray]:
    """`shingle_sets` as one array and the offsets of each text's set in it: text k's set is
    `grams[offsets[k]:offsets[k + 1]]` (how a `dedup.near.plan.ShingleTable` holds a chunk of texts)."""
    grams, offsets, _ = counted_shingle_sets(texts, ngram)
    return grams, offsets


def counted_shingle_sets(texts: Sequence[str], ngram: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`flat_shingle_sets` and each text's `token_count` (int32), which the pass that hashes the tokens counts:
    choosing a cluster's canonical reads the token counts of its members."""
    if not texts:
        return np.zeros(0, dtype=np.uint64), np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32)
    grams, offsets, _, counts = _long_shingles(texts, ngram, 0)
    bounds = offsets.tolist()
    for lo, hi in itertools.pairwise(bounds):   # each text's slice sorted in place: ~10x faster than a lexsort
        grams[lo:hi].sort()
    owner = np.repeat(np.arange(len(texts)), np.diff(offsets))
    keep = np.ones(len(grams), dtype=bool)
    keep[1:] = (grams[1:] != grams[:-1]) | (owner[1:] != owner[:-1])
    grams, owner = grams[keep], owner[keep]
    return grams, np.searchsorted(owner, np.arange(len(texts) + 1)).astype(np.int64), counts


def batch_shingles(texts: Sequence[str], ngram: int) -> tuple[np.ndarray, np.ndarray]:
    """All texts' n-gram hashes in one flat array plus offsets (text i owns flat[offsets[i]:offsets[i + 1]]).

    Vectorised over the batch (see `token_hashes`), in slices of `_BATCH` texts to bound memory. Hashes
    are neither sorted nor deduplicated per text (MinHash does not need it); the set of each slice equals
    `shingle_hashes` of that text.
    """
    flat, offsets, _ = long_batch_shingles(texts, ngram, 0)
    return flat, offsets


def long_batch_shingles(texts: Sequence[str], ngram: int,
                        min_tokens: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`batch_shingles` of the texts with at least `min_tokens` tokens (`len(tokens(text)) >= min_tokens`),
    and their positions in `texts`: the token count comes from the same vectorised pass that hashes the
    tokens, instead of a `tokens` call per text."""
    flat, offsets, positions, _ = _long_shingles(texts, ngram, min_tokens)
    return flat, offsets, positions


def _long_shingles(texts: Sequence[str], ngram: int,
                   min_tokens: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`long_batch_shingles` and the token counts (int32) of the texts it keeps."""
    if ngram < 1:
        raise ValueError(f"ngram must be >= 1, got {ngram}")
    pieces: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    positions: list[np.ndarray] = []
    sizes: list[np.ndarray] = []
    for lo in range(0, len(texts), _BATCH):
        part = texts[lo:lo + _BATCH]
        token_hash, owner = token_hashes(part)
        size = np.bincount(owner, minlength=len(part))
        long = size >= min_tokens
        kept = np.flatnonzero(long)
        if len(kept) < len(part):   # drop the short texts' tokens and renumber the owners of the rest
            mine = np.flatnonzero(long[owner])
            token_hash, owner = token_hash[mine], (np.cumsum(long) - 1)[owner[mine]]
        grams, gram_owner = _batch_ngrams(token_hash, owner, len(kept), ngram)
        pieces.append(grams)
        counts.append(np.bincount(gram_owner, minlength=len(kept)))
        positions.append(kept + lo)
        sizes.append(size[kept])
    total = sum(len(k) for k in positions)
    offsets = np.zeros(total + 1, dtype=np.int64)
    if counts:
        np.cumsum(np.concatenate(counts), out=offsets[1:])
    flat = np.concatenate(pieces) if pieces else np.empty(0, dtype=np.uint64)
    if not positions:
        return flat, offsets, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int32)
    return flat, offsets, np.concatenate(positions), np.concatenate(sizes).astype(np.int32)


def _batch_ngrams(token_hash: np.ndarray, owner: np.ndarray, n_texts: int,
                  ngram: int) -> tuple[np.ndarray, np.ndarray]:
    """N-gram hashes (grouped by text, in text order) and their owners, from the batch's token hashes."""
    lengths = np.bincount(owner, minlength=n_texts)
    starts = np.zeros(n_texts + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    if len(token_hash) >= ngram:
        grams = _ngrams(token_hash, ngram)
        gram_owner = owner[:len(grams)]
        valid = np.flatnonzero(owner[ngram - 1:] == gram_owner)
        grams, gram_owner = grams[valid], gram_owner[valid]
    else:
        grams, gram_owner = np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    short = np.flatnonzero((lengths > 0) & (lengths < ngram))
    if len(short):
        extra = np.concatenate([_short(token_hash[starts[i]:starts[i + 1]]) for i in short])
        grams = np.concatenate([grams, extra])
        gram_owner = np.concatenate([gram_owner, short])
        order = np.argsort(gram_owner, kind="stable")
        grams, gram_owner = grams[order], gram_owner[order]
    return grams, gram_owner
