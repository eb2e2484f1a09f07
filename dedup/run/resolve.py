"""The cross-document step of a run: from all signatures to a plan of which paragraph copies to drop.

Band the run's uint32 signatures, then verify only the candidate pairs on real shingle sets — so the texts of
paragraphs that have a candidate are the only ones held in memory, streamed back from the pass-2 spill.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import xxhash

from dedup.config import MinHashConfig
from dedup.near.bands import candidate_pairs
from dedup.near.neardup import resolve_candidates
from dedup.near.shingle import normalise
from dedup.near.verify import in_page_copy
from dedup.run.passes import Classified


@dataclass(frozen=True, slots=True)
class Member:
    """One paragraph (or, at document level, one document: index -1) of a cluster."""

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
    """What `dedup cluster` prints for one cluster."""

    id: str
    members: list[Member]
    canonical: Canonical
    part_of: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Decision:
    """What pass 3 does with one clustered paragraph: keep it (the first copy) or drop it."""

    cluster: str
    canonical: str
    canonical_text: str
    similarity: float
    first: bool


@dataclass(slots=True)
class DedupPlan:
    decisions: dict[tuple[int, int], Decision]
    clusters: list[ClusterRecord]

    def decision(self, doc_ordinal: int, index: int) -> Decision | None:
        return self.decisions.get((doc_ordinal, index))


def content_id(text: str) -> str:
    """A cluster id derived from content, so reruns and reorderings name clusters the same."""
    return "c" + xxhash.xxh64_hexdigest(normalise(text).encode())


def _texts_of(refs: np.ndarray, wanted: np.ndarray,
              batches: Iterable[list[Classified]]) -> tuple[list[str], list[str]]:
    """Doc ids and texts of the signature rows in `wanted`, by one stream over the classified spill."""
    want: dict[tuple[int, int], int] = {(int(refs[r, 0]), int(refs[r, 1])): k for k, r in enumerate(wanted)}
    texts = [""] * len(wanted)
    docs = [""] * len(wanted)
    ordinal = 0
    for batch in batches:
        for item in batch:
            for (doc_ordinal, index), k in _hits(want, ordinal, item):
                docs[k] = item.doc.id
                texts[k] = _text_at(item, index)
                del want[(doc_ordinal, index)]
            ordinal += 1
    return docs, texts


def _hits(want: dict[tuple[int, int], int], ordinal: int, item: Classified) -> list[tuple[tuple[int, int], int]]:
    keys = [(ordinal, -1)] + [(ordinal, p.index) for p in item.paragraphs]
    return [(key, want[key]) for key in keys if key in want]


def _text_at(item: Classified, index: int) -> str:
    if index < 0:
        return "\n".join(t for t in item.kept if t)
    return next(t for p, t in zip(item.paragraphs, item.kept, strict=True) if p.index == index) or ""


def _recurs_in_page(first: int, member: int, order: list[tuple[int, int]], texts: list[str],
                    config: MinHashConfig) -> bool:
    """The kept copy is in the member's own document, and the member is not a long near-exact copy of it."""
    return order[first][0] == order[member][0] and not in_page_copy(texts[first], texts[member], config)


def plan_dedup(keys: np.ndarray, refs: np.ndarray, batches: Iterable[list[Classified]],
               config: MinHashConfig) -> DedupPlan:
    """Cluster the run's signed paragraphs from their LSH band keys (`candidates.band_keys`, one row per
    signature row of `refs`); the earliest copy of each cluster is kept, later ones dropped — a later one in
    the kept copy's own document only when it is a long near-exact copy (`dedup.near.verify.in_page_copy`).
    Candidates are
    verified on the texts, so the signatures themselves are not needed here (and need not be kept)."""
    if len(keys) < 2:
        return DedupPlan({}, [])
    pairs = candidate_pairs(keys)
    if len(pairs) == 0:
        return DedupPlan({}, [])
    wanted = np.unique(pairs)
    docs, texts = _texts_of(refs, wanted, batches)
    local = np.searchsorted(wanted, pairs)
    order = [(int(refs[r, 0]), int(refs[r, 1])) for r in wanted]
    result = resolve_candidates(local, texts, order, config)
    decisions: dict[tuple[int, int], Decision] = {}
    records: list[ClusterRecord] = []
    links_of: dict[int, list[int]] = {}   # member -> its part-of links, so each cluster finds its own directly
    for number, link in enumerate(result.part_of):
        links_of.setdefault(link.a, []).append(number)
        if link.b != link.a:
            links_of.setdefault(link.b, []).append(number)
    for found in result.clusters:
        canonical = found.canonical
        canonical_id = f"{docs[canonical]}#{order[canonical][1]}"
        members = sorted(found.members, key=lambda k: order[k])
        for rank, k in enumerate(members):
            if rank and _recurs_in_page(members[0], k, order, texts, config):
                continue   # a line its page repeats by design: kept as it is (cross-document copies still go)
            decisions[order[k]] = Decision(found.id, canonical_id, texts[canonical], found.similarity[k], rank == 0)
        records.append(ClusterRecord(
            id=found.id,
            members=[Member(docs[k], order[k][1], texts[k], found.similarity[k]) for k in members],
            canonical=Canonical(docs[canonical], order[canonical][1], texts[canonical], found.canonical_reason),
            part_of=[{"part": f"{docs[link.a]}#{order[link.a][1]}", "whole": f"{docs[link.b]}#{order[link.b][1]}",
                      "containment": round(link.containment, 4)}
                     for link in (result.part_of[n] for n in sorted({n for k in found.members
                                                                      for n in links_of.get(k, ())}))]))
    return DedupPlan(decisions, records)
