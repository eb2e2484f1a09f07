"""A dedup plan's decisions as columns, for the engines' plans over a whole corpus.

As a dict, each clustered paragraph cost a key tuple, a `Decision` object and a dict slot (~250 bytes, 60 MiB
at 480k paragraphs) and held every cluster's canonical text. The table holds, per clustered unit, its number,
cluster, similarity and first-copy flag (21 bytes), and per cluster its id, kept copy and canonical unit; a
`Decision` is made when one is asked for, the canonical text read from the plan's texts then.

>>> table = DecisionTable([(0, 0), (1, 2)], ["a text", "a text."])
>>> table.add(1, table.cluster("c1", "doc0#0", 0), 0.9, False)
>>> table.add(0, 0, 1.0, True)
>>> table.seal()
>>> table[(1, 2)].canonical_text, list(table), [len(share) for share in table.shares([1, 1])]
('a text', [(0, 0), (1, 2)], [1, 1])
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dedup.records import pickled_by_constructor

Key = tuple[Any, int]


@pickled_by_constructor
@dataclass(frozen=True, slots=True)
class Decision:
    """What the assemble pass does with one clustered paragraph: keep it (the first copy) or drop it.
    `canonical_text` is what a kept copy becomes in mode "canonical" (empty in a plan made to drop copies)."""

    cluster: str
    canonical: str
    canonical_text: str
    similarity: float
    first: bool


class DecisionTable(Mapping[Key, Decision]):
    """Decisions of units 0..n-1 (`keys[k]` unit k's order key, strictly increasing; `texts[k]` its text). Filled
    with `cluster` and `add`, then `seal`ed (rows sorted by unit, so by key) before it is read. Without `texts`
    (a plan that drops copies and never substitutes the canonical) decisions carry an empty `canonical_text`:
    reading the texts back for every share cost the driver a disk read per cluster and batch."""

    def __init__(self, keys: Sequence[Key], texts: Sequence[str] | None) -> None:
        self._keys, self._texts = keys, texts
        self._units, self._clusters = array("q"), array("l")
        self._similarity, self._first = array("d"), array("b")
        self._ids: list[str] = []
        self._kept: list[str] = []
        self._canonical = array("q")
        self._sealed = False

    def cluster(self, cluster_id: str, kept: str, canonical: int) -> int:
        """Register a cluster (its id, the copy the output keeps, its canonical unit); returns its number."""
        self._ids.append(cluster_id)
        self._kept.append(kept)
        self._canonical.append(canonical)
        return len(self._ids) - 1

    def add(self, unit: int, cluster: int, similarity: float, first: bool) -> None:
        self._units.append(unit)
        self._clusters.append(cluster)
        self._similarity.append(similarity)
        self._first.append(first)

    def to_dict(self) -> dict[Key, Decision]:
        """The decisions as a dict in the order they were added (a repeated key keeps its last one)."""
        return {self._key(row): self._decision(row) for row in range(len(self))}

    def seal(self) -> None:
        order = np.argsort(np.frombuffer(self._units, dtype=np.int64), kind="stable")
        for name in ("_units", "_clusters", "_similarity", "_first"):
            column = getattr(self, name)
            setattr(self, name, np.frombuffer(column, dtype=np.dtype(column.typecode))[order])
        self._sealed = True

    def _decision(self, row: int, canonical_texts: dict[int, str] | None = None) -> Decision:
        cluster = int(self._clusters[row])
        if self._texts is None:
            text = ""
        elif canonical_texts is None:
            text = self._texts[self._canonical[cluster]]
        elif (text := canonical_texts.get(cluster)) is None:   # type: ignore[assignment]
            text = canonical_texts[cluster] = self._texts[self._canonical[cluster]]
        return Decision(self._ids[cluster], self._kept[cluster], text, float(self._similarity[row]),
                        bool(self._first[row]))

    def _key(self, row: int) -> Key:
        return self._keys[int(self._units[row])]

    def __len__(self) -> int:
        return len(self._units)

    def __iter__(self) -> Iterator[Key]:
        return (self._key(row) for row in range(len(self)))

    def __getitem__(self, key: Key) -> Decision:
        if not self._sealed:
            raise RuntimeError("a DecisionTable is read only once sealed")
        row = bisect_left(range(len(self)), key, key=self._key)
        if row == len(self) or self._key(row) != key:
            raise KeyError(key)
        return self._decision(row)

    def shares(self, sizes: Iterable[int]) -> Iterator[dict[Key, Decision]]:
        """The decisions of consecutive runs of `sizes` positions from position 0 (an engine's batches or
        shards), as dicts: only one run's `Decision` objects exist at a time."""
        lo = end = 0
        for size in sizes:
            end += size
            hi = bisect_left(range(len(self)), end, lo, key=lambda row: self._key(row)[0])
            yield self._share(lo, hi)
            lo = hi

    def _share(self, lo: int, hi: int) -> dict[Key, Decision]:
        """The decisions of rows lo..hi-1, their columns read as Python values a slice at a time (each driver
        look-up of a numpy scalar cost more than the `Decision` made of it)."""
        keys, ids, kept = self._keys, self._ids, self._kept
        texts: dict[int, str] = {}
        out: dict[Key, Decision] = {}
        for unit, cluster, similarity, first in zip(self._units[lo:hi].tolist(), self._clusters[lo:hi].tolist(),
                                                    self._similarity[lo:hi].tolist(), self._first[lo:hi].tolist(),
                                                    strict=True):
            if self._texts is None:
                text = ""
            elif (text := texts.get(cluster)) is None:   # type: ignore[assignment]
                text = texts[cluster] = self._texts[self._canonical[cluster]]
            out[keys[unit]] = Decision(ids[cluster], kept[cluster], text, similarity, bool(first))
        return out
