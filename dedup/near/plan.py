"""From candidate pairs to a dedup plan: verify, cluster, pick canonicals, decide which copies go.

Every front end ends here: the local engine with the pairs of its own banding, the Dask engine with the pairs
its workers found in the band shuffle, `find_clusters` (and so the tuning script) with the pairs of a list of
paragraphs. So one function decides what `dedup clean` drops, whoever found the candidates.

A unit is one clusterable text: a paragraph, or a whole document (index -1). `keys[k]` is unit k's order key,
`(position, index)`: the earlier key is the copy kept, and ties inside the clustering fall to it. The plan's
decisions are keyed by it, so an engine looks a paragraph up by the key it gave.

>>> from dedup.config import MinHashConfig
>>> texts = ["The fee would be relatively low for the US but significant for us.",
...          "“The fee would be relatively low for the US but significant for us,” he said."]
>>> plan = plan_from_pairs([[0, 1]], ["a", "b"], [(0, 0), (1, 3)], texts, MinHashConfig())
>>> [(m.doc, m.index) for m in plan.clusters[0].members], plan.decision(1, 3).first
([('a', 0), ('b', 3)], False)
"""

from __future__ import annotations

import itertools
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from dedup.config import MinHashConfig
from dedup.near.decisions import Decision as Decision
from dedup.near.decisions import DecisionTable
from dedup.near.shingle import counted_shingle_sets
from dedup.near.stars import FanOut, LinkTable, build_clusters, in_process
from dedup.near.verify import in_copied_section, in_page_copy, verify_pairs

Key = tuple[Any, int]


@dataclass(frozen=True, slots=True)
class Member:
    """One paragraph (or, at document level, one document: index -1) of a cluster; `similarity` is its exact
    Jaccard with the cluster's canonical."""

    doc: str
    index: int
    text: str
    similarity: float


@dataclass(frozen=True, slots=True)
class Canonical:
    """The member chosen to represent a cluster, and why it was chosen."""

    doc: str
    index: int
    text: str
    reason: str


@dataclass(slots=True)
class ClusterRecord:
    """One cluster as `dedup cluster` prints it; `part_of` lists the containment links of its members."""

    id: str
    members: list[Member]
    canonical: Canonical
    part_of: list[dict[str, object]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class DedupPlan:
    """Decisions by unit key, and the cluster records (in the order the clustering found them; none when the
    plan was made with `records=False`, for a run that only writes its output)."""

    decisions: Mapping[Key, Decision]   # a dict, or for an engine's plan a `DecisionTable`
    clusters: list[ClusterRecord]
    found: int = 0   # clusters found: `len(clusters)`, also when a run asked for no records

    def decision(self, position: Any, index: int) -> Decision | None:
        return self.decisions.get((position, index))

    def shares(self, sizes: Iterable[int]) -> Iterator[DedupPlan]:
        """The plan cut for consecutive runs of `sizes` documents from document ordinal 0 (an engine's batches
        or shards): only decisions, which is all the assemble pass needs. The keys are sorted once and each
        share is one slice of them, so no second, per-document copy of the whole plan is held."""
        if isinstance(self.decisions, DecisionTable):
            for decisions in self.decisions.shares(sizes):
                yield DedupPlan(decisions, [])
            return
        keys = sorted(self.decisions)
        lo = end = 0
        for size in sizes:
            end += size
            hi = bisect_left(keys, end, lo, key=_position)
            yield DedupPlan({key: self.decisions[key] for key in keys[lo:hi]}, [])
            lo = hi


def _position(key: Key) -> Any:
    return key[0]


class ShingleTable(Sequence[np.ndarray]):
    """The sorted unique shingle hashes of many texts (`shingle_sets`), a chunk of texts to one flat array plus
    offsets instead of an array object per text: text i's set is `table[i]`, a view. Built a chunk at a time
    (`CHUNK` texts, or as given to `add`: the local engine's workers shingle their batch's candidates) and never
    concatenated, so building holds one chunk's intermediates on top of the table. `tokens[i]` is text i's
    `token_count`, counted by the same pass (the canonical choice reads it for every cluster member)."""

    CHUNK = 1 << 11

    def __init__(self, texts: Sequence[str] = (), ngram: int = 3) -> None:
        self.values: list[np.ndarray] = []
        self.offsets: list[np.ndarray] = []
        self._firsts: list[int] = []   # the number of each chunk's first text
        self._size = 0
        self.tokens = array("i")
        for start in range(0, len(texts), self.CHUNK):
            self.add(*counted_shingle_sets(texts[start:start + self.CHUNK], ngram))

    def add(self, values: np.ndarray, offsets: np.ndarray, tokens: np.ndarray) -> None:
        """Append a chunk of texts' sets (`counted_shingle_sets`): text k of the chunk is
        `values[offsets[k]:offsets[k + 1]]` and has `tokens[k]` tokens."""
        if len(offsets) > 1:
            self._firsts.append(self._size)
            self.values.append(values)
            self.offsets.append(offsets)
            self.tokens.frombytes(np.ascontiguousarray(tokens, dtype=np.int32).tobytes())
            self._size += len(offsets) - 1

    def __len__(self) -> int:
        return self._size

    def clear(self) -> None:
        """Free the sets (the largest table of the merge) once clustering no longer needs them."""
        self.values, self.offsets, self._firsts, self._size = [], [], [], 0
        self.tokens = array("i")

    def __getitem__(self, i: Any) -> Any:
        if not isinstance(i, int | np.integer):
            raise TypeError("a ShingleTable is indexed by one text number")
        chunk = bisect_right(self._firsts, int(i)) - 1
        row = int(i) - self._firsts[chunk]
        offsets = self.offsets[chunk]
        return self.values[chunk][offsets[row]:offsets[row + 1]]


VERIFY_CHUNK = 1 << 13   # candidate pairs verified at once: their `Link` objects live only until made compact


def verify_links(pairs: np.ndarray, shingles: Sequence[np.ndarray], config: MinHashConfig,
                 chunk: int | None = None, fan_out: FanOut = in_process) -> LinkTable:
    """`verify_pairs` over the pairs `chunk` at a time, each chunk's links made compact (`LinkTable`); the
    chunks may be verified in other processes (`fan_out`), their tables are joined in pair order."""
    chunk = chunk or VERIFY_CHUNK
    spans = [(start, min(start + chunk, len(pairs))) for start in range(0, len(pairs), chunk)]
    return LinkTable.concat(list(fan_out(_verified, _PairWork(pairs, shingles, config), spans)))


@dataclass(frozen=True, slots=True)
class _PairWork:
    """What verifying a chunk of pairs reads: a forked process inherits it (never pickled)."""

    pairs: np.ndarray
    shingles: Sequence[np.ndarray]
    config: MinHashConfig


def _verified(work: _PairWork, span: tuple[int, int]) -> LinkTable:
    return LinkTable.of(verify_pairs(work.pairs[span[0]:span[1]], work.shingles, work.config))


class KeyArray(Sequence[tuple[int, int]]):
    """Order keys `(position, index)` as one (n, 2) int64 array instead of n tuples (~100 bytes each): what the
    local engine gives `plan_from_pairs` for its candidate rows. Item k is a tuple of two ints."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = np.ascontiguousarray(rows, dtype=np.int64).reshape(-1, 2)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, k: Any) -> Any:
        if not isinstance(k, int | np.integer):
            raise TypeError("a KeyArray is indexed by one unit number")
        position, index = self.rows[k].tolist()
        return position, index

    def increasing(self) -> bool:
        """Strictly increasing keys (then a unit's number is its rank)."""
        a, b = self.rows[:-1], self.rows[1:]
        return bool(np.all((b[:, 0] > a[:, 0]) | ((b[:, 0] == a[:, 0]) & (b[:, 1] > a[:, 1]))))


def key_ranks(keys: Sequence[Key]) -> Sequence[int]:
    """Integers that compare as `keys` do (equal keys, equal ranks): `range(n)` when the keys are already
    strictly increasing, as an engine's candidate rows are, so clustering compares ints and holds no key."""
    increasing = keys.increasing() if isinstance(keys, KeyArray) else all(
        a < b for a, b in zip(keys, itertools.islice(keys, 1, None), strict=False))
    if increasing:
        return range(len(keys))
    ranks = [0] * len(keys)
    previous: Any = None
    rank = -1
    for k in sorted(range(len(keys)), key=keys.__getitem__):
        if rank < 0 or keys[k] != previous:
            rank, previous = rank + 1, keys[k]
        ranks[k] = rank
    return ranks


def plan_from_pairs(pairs: np.ndarray | Sequence[Sequence[int]], docs: Sequence[str], keys: Sequence[Key],
                    texts: Sequence[str], config: MinHashConfig, *, include_singletons: bool = False,
                    lang: str = "en", mode: str = "drop", records: bool = True) -> DedupPlan:
    """The plan for units 0..n-1 (`docs[k]` document id, `keys[k]` order key, `texts[k]` text) from candidate
    pairs of unit numbers: the earliest copy of each cluster is kept, later ones are dropped — a later one in
    the kept copy's own document only when it is a long near-exact copy (`dedup.near.verify.in_page_copy`) of
    the text the output keeps there (the copy's own in `mode` "drop", the canonical variant in "canonical") and
    part of a copied section (`dedup.near.verify.in_copied_section`).
    Without `records` the plan holds decisions only (each cluster record keeps its members' texts alive)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    sets = ShingleTable(texts, config.ngram)
    links = verify_links(pairs, sets, config)
    return plan_from_links(links, sets, docs, keys, texts, config, include_singletons=include_singletons,
                           lang=lang, mode=mode, records=records)


def plan_from_links(links: LinkTable, sets: ShingleTable, docs: Sequence[str], keys: Sequence[Key],
                    texts: Sequence[str], config: MinHashConfig, *, include_singletons: bool = False,
                    lang: str = "en", mode: str = "drop", records: bool = True,
                    fan_out: FanOut = in_process) -> DedupPlan:
    """`plan_from_pairs` after verification (`sets` the texts' `ShingleTable`, emptied once the clusters are
    built; `links` their `verify_links`): an engine that owns its pairs array frees it before clustering.
    `fan_out` spreads the star tests of the clusters' components (`build_clusters`)."""
    ranks = key_ranks(keys)
    result = build_clusters(len(texts), links, texts, ranks, shingles=sets, config=config,
                            include_singletons=include_singletons, lang=lang, fan_out=fan_out, tokens=sets.tokens,
                            explain=records)
    sets.clear()
    links_of: dict[int, list[int]] = {}   # member -> its part-of links, so each cluster finds its own directly
    for number, link in enumerate(result.part_of if records else ()):
        links_of.setdefault(link.a, []).append(number)
        if link.b != link.a:
            links_of.setdefault(link.b, []).append(number)

    def where(k: int) -> str:
        return f"{docs[k]}#{keys[k][1]}"

    table = DecisionTable(keys, texts if mode == "canonical" else None)   # only a substitution reads them
    # a page's own long copies, by page: index -> (the kept copy's index, unit, cluster number, similarity)
    held: dict[Any, dict[int, tuple[int, int, int, float]]] = {}
    out: list[ClusterRecord] = []
    found_count = len(result.clusters)
    pending = result.clusters[::-1]   # popped in cluster order, so each cluster is freed once it has its record
    result.clusters.clear()
    while pending:
        found = pending.pop()
        canonical = found.canonical
        members = found.members   # sorted by order key (`build_clusters`)
        first_key = keys[members[0]]
        # the copy the output keeps, in both modes: a duplicate ref never names a dropped one
        number = table.cluster(found.id, where(members[0]), canonical)
        output_text = texts[canonical if mode == "canonical" else members[0]]   # what stands there
        for rank, k in enumerate(members):
            if rank and keys[k][0] == first_key[0]:   # a copy on the kept copy's own page
                if not in_page_copy(output_text, texts[k], config):
                    continue   # lines a page repeats by design stay (cross-document copies still go)
                if output_text == texts[members[0]] or in_page_copy(texts[members[0]], texts[k], config):
                    held.setdefault(first_key[0], {})[keys[k][1]] = (first_key[1], k, number, found.similarity[k])
                    continue   # the page's own repeat (not one the canonical wording makes): see below
            table.add(k, number, found.similarity[k], rank == 0)
        if not records:
            continue
        own = sorted({n for k in found.members for n in links_of.get(k, ())})
        out.append(ClusterRecord(
            id=found.id,
            members=[Member(docs[k], keys[k][1], texts[k], found.similarity[k]) for k in members],
            canonical=Canonical(docs[canonical], keys[canonical][1], texts[canonical], found.canonical_reason),
            part_of=[{"part": where(link.a), "whole": where(link.b), "containment": round(link.containment, 4)}
                     for link in (result.part_of[n] for n in own)]))
    for copies in held.values():   # of a page's long copies only those of a copied section go
        for index in in_copied_section({i: copy[0] for i, copy in copies.items()}):
            _, k, number, similarity = copies[index]
            table.add(k, number, similarity, False)
    if not isinstance(ranks, range):   # keys out of order or repeated: a dict, a repeated key's last decision
        return DedupPlan(table.to_dict(), out, found_count)
    table.seal()
    return DedupPlan(table, out, found_count)
