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
from typing import Literal, overload

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

    Each element becomes the key (row << 32 | its hash's top 32 bits), so the keys of all rows are one sorted
    array; the elements of a pair's smaller set, keyed with the larger set's row, are found in it with one
    `searchsorted` per chunk of `QUERY_CHUNK` elements, and a found key counts when its full hash is the one
    looked for. Two hashes of one row with the same top bits (once in ~10^6 rows of 50 shingles) would make a
    key ambiguous: then the keys use the hash's rank among all the hashes instead (a sort of them all).
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    if len(pairs) == 0:
        return np.zeros(0, dtype=np.int64)
    lengths = np.fromiter((len(s) for s in shingles), dtype=np.int64, count=len(shingles))
    offsets = np.zeros(len(shingles) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.concatenate([np.asarray(s, dtype=np.uint64) for s in shingles]) if len(shingles) else \
        np.empty(0, dtype=np.uint64)
    row = np.repeat(np.arange(len(shingles), dtype=np.uint64), lengths) << np.uint64(32)
    low = flat >> np.uint64(32)
    keys = row | low
    if np.any(keys[1:] == keys[:-1]):
        low = np.unique(flat, return_inverse=True)[1].astype(np.uint64).reshape(-1)
        keys = row | low
    del row
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
            query = (np.repeat(large[lo:hi].astype(np.uint64), n) << np.uint64(32)) | low[at]
            where = keys.searchsorted(query)
            hit = (keys.take(where, mode="clip") == query) & (flat.take(where, mode="clip") == flat[at])
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


class Links(Sequence[Link]):
    """Verified links as columns, in the order of their pairs (what `verify_pairs` returns): item k is a `Link`
    made when asked for. A corpus verifies ~12 duplicate links a paragraph, and `dedup.near.stars.LinkTable`
    takes them as one array (`duplicate_pairs`): only the few part-of links become objects (`part_of`)."""

    __slots__ = ("a", "b", "containment", "duplicate", "jaccard")

    def __init__(self, a: np.ndarray, b: np.ndarray, duplicate: np.ndarray, jaccard: np.ndarray,
                 containment: np.ndarray) -> None:
        self.a, self.b, self.duplicate = a, b, duplicate
        self.jaccard, self.containment = jaccard, containment

    def __len__(self) -> int:
        return len(self.a)

    @overload
    def __getitem__(self, k: int) -> Link: ...

    @overload
    def __getitem__(self, k: slice) -> list[Link]: ...

    def __getitem__(self, k: int | slice) -> Link | list[Link]:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        return Link(int(self.a[k]), int(self.b[k]), "duplicate" if self.duplicate[k] else "part-of",
                    float(self.jaccard[k]), float(self.containment[k]))

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None   # type: ignore[assignment]

    def duplicate_pairs(self) -> np.ndarray:
        """The duplicate links' (a, b) as a (k, 2) array, in order."""
        return np.stack((self.a[self.duplicate], self.b[self.duplicate]), axis=1)

    def part_of(self) -> list[Link]:
        """The part-of links, in order."""
        rest = ~self.duplicate
        return [Link(a, b, "part-of", jaccard, containment) for a, b, jaccard, containment in zip(
            self.a[rest].tolist(), self.b[rest].tolist(), self.jaccard[rest].tolist(),
            self.containment[rest].tolist(), strict=True)]


def verify_pairs(pairs: np.ndarray, shingles: Sequence[np.ndarray], config: MinHashConfig) -> Links:
    """Links for the candidate pairs that hold on the exact shingle sets, in the order of `pairs`.

    The figures are `similarity`'s and the kinds `classify`'s, computed for all pairs at once
    (`intersections`): the same float64 divisions of the same integers, compared with the same bounds, so the
    same links."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    a, b = pairs.min(axis=1), pairs.max(axis=1)
    # only the rows these pairs name: a caller verifying a corpus's pairs chunk by chunk must not pay for the
    # whole table in every chunk (that made the merge quadratic in the corpus size)
    rows, local = np.unique(np.stack((a, b), axis=1), return_inverse=True)
    sets = [shingles[r] for r in rows.tolist()]
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
    duplicate = (jac >= config.threshold) & (share > 0.5)   # `classify`, a column at a time
    part = ~duplicate & (con >= config.containment)
    kept = duplicate | part
    swap = part & (lb < la)   # a part-of link points from the smaller paragraph to the larger
    return Links(np.where(swap, b, a)[kept], np.where(swap, a, b)[kept], duplicate[kept], jac[kept], con[kept])


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
