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
Jaccard >= 0.7, 0.81 at 20 words). Cross-document duplicates keep the plain rule.

>>> import numpy as np
>>> from dedup.config import MinHashConfig
>>> from dedup.near.shingle import shingle_hashes
>>> sets = [shingle_hashes(t, 3) for t in ["a b c d e f g h", "a b c d e f g x", "a b c d e f g h i j k l m n o p"]]
>>> [(l.a, l.b, l.kind) for l in verify_pairs(np.array([[0, 1], [0, 2]]), sets, MinHashConfig())]
[(0, 1, 'duplicate'), (0, 2, 'part-of')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from dedup.config import MinHashConfig
from dedup.near.shingle import shingle_hashes, tokens

LONG_TOKENS = 25
IN_PAGE_JACCARD = 0.9
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
    """|A∩B| of two sorted unique uint64 arrays."""
    if len(a) == 0 or len(b) == 0:
        return 0
    if len(a) > len(b):
        a, b = b, a
    at = np.searchsorted(b, a)
    at[at == len(b)] = 0
    return int(np.count_nonzero(b[at] == a))


def similarity(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """(Jaccard, containment of the smaller, share of the larger) of two sorted unique shingle arrays."""
    inter = overlap(a, b)
    small, large = sorted((len(a), len(b)))
    if large == 0:
        return 1.0, 1.0, 1.0  # two empty texts are the same text
    union = len(a) + len(b) - inter
    return inter / union, (inter / small if small else 0.0), inter / large


def classify(jaccard: float, containment: float, share_of_larger: float, config: MinHashConfig) -> LinkKind | None:
    """The link kind for exact similarity figures (see the module docstring), or None."""
    if jaccard >= config.threshold and share_of_larger > 0.5:
        return "duplicate"
    if containment >= config.containment:
        return "part-of"
    return None


def verify_pairs(pairs: np.ndarray, shingles: Sequence[np.ndarray], config: MinHashConfig) -> list[Link]:
    """Links for the candidate pairs that hold on the exact shingle sets, in the order of `pairs`."""
    links: list[Link] = []
    for i, j in np.asarray(pairs, dtype=np.int64).reshape(-1, 2).tolist():
        if i == j:
            continue
        a, b = (i, j) if i < j else (j, i)
        jac, con, share = similarity(shingles[a], shingles[b])
        kind = classify(jac, con, share, config)
        if kind is None:
            continue
        if kind == "part-of" and len(shingles[b]) < len(shingles[a]):
            a, b = b, a
        links.append(Link(a, b, kind, jac, con))
    return links


def recurs_by_design(text: str) -> bool:
    """A list item or table row: lines of this shape repeat on a page by design (menus, specs, prices)."""
    return text.lstrip().startswith(_RECURRING) or " | " in text


def in_page_copy(kept: str, copy: str, config: MinHashConfig) -> bool:
    """True when `copy`, a later paragraph of the document that holds `kept`, may be dropped as its duplicate:
    both long, neither a list item or table row, and near-exact on real shingles (module docstring)."""
    if len(tokens(kept)) < LONG_TOKENS or len(tokens(copy)) < LONG_TOKENS:
        return False
    if recurs_by_design(kept) or recurs_by_design(copy):
        return False
    jaccard = similarity(shingle_hashes(kept, config.ngram), shingle_hashes(copy, config.ngram))[0]
    return jaccard >= max(IN_PAGE_JACCARD, config.threshold)
