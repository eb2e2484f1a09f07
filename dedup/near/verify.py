"""Confirm LSH candidates on the real shingle sets: LSH is an estimate, never a verdict.

Each candidate pair gets its exact Jaccard |A∩B|/|A∪B| and containment |A∩B|/min(|A|,|B|), and one of:

- "duplicate": Jaccard >= `config.threshold` **and** the shared shingles are more than half of the larger
  paragraph (|A∩B| > max(|A|,|B|)/2). The second rule is what makes merged paragraphs safe: if C = A+B, the
  parts of C shared with A and with B are (nearly) disjoint, so at most one of A, B can share more than half
  of C -- a merge can be a duplicate of at most one of its parts and can never chain A and B together. With
  threshold >= 0.5 the rule is implied by the Jaccard one; it matters for the measured default 0.45 (the
  weakest gold seed pair has Jaccard 0.47 but shares 63% of the larger paragraph).
- "part-of": otherwise, when containment >= `config.containment` -- a split, trimmed or merged copy. For
  these `a` is the contained (smaller) paragraph and `b` the one containing it.
- dropped otherwise.

Within one document the bar is higher (`in_page_copy`): pages repeat short lines by design — product names,
"Starting at $574", recipe portions, forum thread rows, list items and table rows — at Jaccard 0.33-0.73, so a
later paragraph of the same document is dropped as a copy of an earlier one only when both are long
(>= `LONG_TOKENS` words), neither is a list item or table row, and they are near-exact (Jaccard >=
`IN_PAGE_JACCARD`). Measured on 1,356 wcxb-dev pages cleaned one at a time: of 3,765 in-page drops, 2,037 were
ground-truth content; with the bar 373 drops remain, 34 of them lines the truth has twice (pages repeat even
long paragraphs: quoted forum posts, tutorial steps), i.e. 0.91 of the remaining drops are right (0.83 at
Jaccard >= 0.7, 0.81 at 20 words). Pages repeat a long paragraph on its own by design too (a docs callout under
every code sample, one verdict written for each product compared), so such a copy goes only inside a copied
section (`in_copied_section`: a run of copies in the order of their originals, as when the scrape holds the body
twice): on the tune folds (837 pages) in-page drops fall from 266 (40 the truth holds more often) to 169 (5),
on the test folds from 107 (10) to 44 (0). Cross-document duplicates keep the plain rule.

>>> import numpy as np
>>> from dedup.config import MinHashConfig
>>> from dedup.near.shingle import shingle_hashes
>>> sets = [shingle_hashes(t, 3) for t in ["a b c d e f g h", "a b c d e f g x", "a b c d e f g h i j k l m n o p"]]
>>> [(l.a, l.b, l.kind) for l in verify_pairs(np.array([[0, 1], [0, 2]]), sets, MinHashConfig())]
[(0, 1, 'duplicate'), (0, 2, 'part-of')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from dedup.config import MinHashConfig
from dedup.near.shingle import shingle_hashes, tokens

LONG_TOKENS = 25
IN_PAGE_JACCARD = 0.9
SECTION_SPAN = 10   # paragraphs between two copies of one copied section (headings, lists, short lines between)
QUERY_CHUNK = 1 << 20   # elements looked up at once by `intersections` (~30 MB of temporaries)
_RECURRING = ("- ", "• ", "* ", "· ", "|")   # list item and table row shapes (trafilatura writes "- " items)

LinkKind = Literal["duplicate", "part-of"]


@dataclass(frozen=True, slots=True)
class Link:
    """A verified relation between paragraphs `a` and `b` (a < b for duplicates; a = part, b = whole)."""

    a: int
    b: int
    kind: LinkKind
    jaccard: float
    containment: float


def overlap(a: np.ndarray, b: np.ndarray) -> int:
    """|A∩B| of two sorted unique uint64 arrays (array methods, not the `np.` wrappers: this runs per member
    of every cluster)."""
    if len(a) == 0 or len(b) == 0:
        return 0
    if len(a) > len(b):
        a, b = b, a
    return int(np.count_nonzero(b.take(b.searchsorted(a), mode="clip") == a))


def similarity(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """(Jaccard, containment of the smaller, share of the larger) of two sorted unique shingle arrays."""
    inter = overlap(a, b)
    small, large = (len(a), len(b)) if len(a) <= len(b) else (len(b), len(a))
    if large == 0:
        return 1.0, 1.0, 1.0  # two empty texts are the same text
    union = len(a) + len(b) - inter
    return inter / union, (inter / small if small else 0.0), inter / large


def intersections(pairs: np.ndarray, shingles: Sequence[np.ndarray]) -> np.ndarray:
    """|A∩B| of every pair of rows of `shingles` (sorted unique uint64 arrays), without a Python call per pair.

    Each hash becomes its rank among all the hashes and each element the key (row << 32 | rank), so the keys
    of all rows are one sorted array; the elements of a pair's smaller set, keyed with the larger set's row,
    are found in it with one `searchsorted` per chunk of `QUERY_CHUNK` elements.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    if len(pairs) == 0:
        return np.zeros(0, dtype=np.int64)
    lengths = np.fromiter((len(s) for s in shingles), dtype=np.int64, count=len(shingles))
    offsets = np.zeros(len(shingles) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.concatenate([np.asarray(s, dtype=np.uint64) for s in shingles]) if len(shingles) else \
        np.empty(0, dtype=np.uint64)
    _, rank = np.unique(flat, return_inverse=True)
    rank = rank.astype(np.uint64).reshape(-1)
    keys = (np.repeat(np.arange(len(shingles), dtype=np.uint64), lengths) << np.uint64(32)) | rank
    swap = lengths[pairs[:, 0]] > lengths[pairs[:, 1]]
    small = np.where(swap, pairs[:, 1], pairs[:, 0])
    large = np.where(swap, pairs[:, 0], pairs[:, 1])
    out = np.zeros(len(pairs), dtype=np.int64)
    counts = lengths[small]
    ends = np.cumsum(counts)
    lo = 0
    while lo < len(pairs):   # pairs [lo, hi) hold at most QUERY_CHUNK query elements (or one pair)
        hi = max(lo + 1, int(np.searchsorted(ends, ends[lo] - counts[lo] + QUERY_CHUNK, side="right")))
        n = counts[lo:hi]
        total = int(n.sum())
        if total:
            local_start = np.cumsum(n) - n
            at = np.repeat(offsets[small[lo:hi]] - local_start, n) + np.arange(total, dtype=np.int64)
            query = (np.repeat(large[lo:hi].astype(np.uint64), n) << np.uint64(32)) | rank[at]
            hit = keys.take(keys.searchsorted(query), mode="clip") == query
            found = np.concatenate(([0], np.cumsum(hit, dtype=np.int64)))
            out[lo:hi] = found[local_start + n] - found[local_start]
        lo = hi
    return out


def classify(jaccard: float, containment: float, share_of_larger: float, config: MinHashConfig) -> LinkKind | None:
    """The link kind for exact similarity figures (see the module docstring), or None."""
    if jaccard >= config.threshold and share_of_larger > 0.5:
        return "duplicate"
    if containment >= config.containment:
        return "part-of"
    return None


def verify_pairs(pairs: np.ndarray, shingles: Sequence[np.ndarray], config: MinHashConfig) -> list[Link]:
    """Links for the candidate pairs that hold on the exact shingle sets, in the order of `pairs`.

    The figures are `similarity`'s, computed for all pairs at once (`intersections`): the same float64
    divisions of the same integers, so the same links."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    a, b = pairs.min(axis=1), pairs.max(axis=1)
    # only the rows these pairs name: a caller verifying a corpus's pairs chunk by chunk must not pay for the
    # whole table in every chunk (that made the merge quadratic in the corpus size)
    rows, local = np.unique(np.stack((a, b), axis=1), return_inverse=True)
    sets = [shingles[int(r)] for r in rows]
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    local = local.reshape(-1, 2)
    inter = intersections(local, sets).astype(np.float64)
    la, lb = lengths[local[:, 0]], lengths[local[:, 1]]
    small, large = np.minimum(la, lb).astype(np.float64), np.maximum(la, lb).astype(np.float64)
    both_empty = large == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        jac = np.where(both_empty, 1.0, inter / (la + lb - inter))
        con = np.where(both_empty, 1.0, np.where(small > 0, inter / small, 0.0))
        share = np.where(both_empty, 1.0, inter / large)
    links: list[Link] = []
    for i, j, jc, cn, sh, li, lj in zip(a.tolist(), b.tolist(), jac.tolist(), con.tolist(), share.tolist(),
                                        la.tolist(), lb.tolist(), strict=True):
        kind = classify(jc, cn, sh, config)
        if kind is None:
            continue
        if kind == "part-of" and lj < li:
            i, j = j, i
        links.append(Link(i, j, kind, jc, cn))
    return links


def recurs_by_design(text: str) -> bool:
    """A list item or table row: lines of this shape repeat on a page by design (menus, specs, prices)."""
    return text.lstrip().startswith(_RECURRING) or " | " in text


def in_copied_section(copies: Mapping[int, int]) -> set[int]:
    """Of one page's long near-exact copies (paragraph index -> index of the paragraph kept), those in a copied
    section: another copy within `SECTION_SPAN` paragraphs repeats the paragraph at the same distance from its
    original, and both copies come after both originals. A page rendered twice repeats whole runs in order; a
    lone repeat is a callout, a template sentence or a quoted post the page means to show again.

    >>> sorted(in_copied_section({10: 2, 11: 3, 30: 7, 5: 4}))
    [10, 11]
    """
    section: set[int] = set()
    for k, j in copies.items():
        for step in range(-SECTION_SPAN, SECTION_SPAN + 1):
            if step and copies.get(k + step) == j + step and min(k, k + step) > max(j, j + step):
                section.add(k)
                break
    return section


def in_page_copy(kept: str, copy: str, config: MinHashConfig) -> bool:
    """True when `copy`, a later paragraph of the document that holds `kept`, may be dropped as its duplicate:
    both long, neither a list item or table row, and near-exact on real shingles (module docstring)."""
    if len(tokens(kept)) < LONG_TOKENS or len(tokens(copy)) < LONG_TOKENS:
        return False
    if recurs_by_design(kept) or recurs_by_design(copy):
        return False
    jaccard = similarity(shingle_hashes(kept, config.ngram), shingle_hashes(copy, config.ngram))[0]
    return jaccard >= max(IN_PAGE_JACCARD, config.threshold)
