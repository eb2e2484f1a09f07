"""Near-duplicate clusters of in-memory paragraphs: sign -> candidates -> verify -> cluster -> canonicalise.

`find_clusters` is the whole chain for a list of paragraphs (what `dedup cluster` and the library API call);
`resolve_candidates` is its back half for the pipeline, which bands signatures itself and hands over only
the candidate pairs and their texts. Both are pure functions: same input, same output, whatever the order
of the paragraphs (cluster ids come from content, ties from `(doc_id, index)` order keys).

>>> from dedup.config import MinHashConfig
>>> paras = [("a.txt", 0, "The fee would be relatively low for the US but significant for us."),
...          ("b.txt", 3, "“The fee would be relatively low for the US but significant for us,” he said."),
...          ("b.txt", 4, "Something else entirely, with no words in common at all here.")]
>>> result = find_clusters(paras, MinHashConfig())
>>> [(m.doc, m.index) for m in result.clusters[0].members]
[('a.txt', 0), ('b.txt', 3)]
>>> result.clusters[0].canonical.doc, result.clusters[0].reason
('b.txt', 'no glued words, balanced quotes, complete sentence, longest of 2')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from dedup.config import MinHashConfig
from dedup.near.bands import band_keys, candidate_pairs
from dedup.near.shingle import shingle_sets, tokens
from dedup.near.sign import Signer
from dedup.near.stars import ClusterResult, build_clusters
from dedup.near.verify import verify_pairs

Level = Literal["paragraph", "document"]


@dataclass(frozen=True, slots=True)
class ParagraphRef:
    """One input paragraph: its document, its index in that document (-1 for a whole document) and text."""

    doc_id: str
    index: int
    text: str


@dataclass(frozen=True, slots=True)
class Member:
    doc: str
    index: int
    text: str
    similarity: float  # exact Jaccard with the cluster's canonical


@dataclass(frozen=True, slots=True)
class PartOf:
    """`part` is largely contained in `whole` (a split, trimmed or merged copy): reported, never merged."""

    part: Member
    whole: Member
    containment: float
    jaccard: float


@dataclass(slots=True)
class NearDupCluster:
    id: str
    members: list[Member]
    canonical: Member
    reason: str
    part_of: list[PartOf] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `dedup cluster` output: one object per cluster."""
        def member(m: Member) -> dict[str, Any]:
            return {"doc": m.doc, "index": m.index, "text": m.text, "similarity": m.similarity}

        return {"id": self.id, "size": len(self.members), "canonical": member(self.canonical),
                "reason": self.reason, "members": [member(m) for m in self.members],
                "part_of": [{"part": member(p.part), "whole": member(p.whole), "containment": p.containment,
                             "jaccard": p.jaccard} for p in self.part_of]}


@dataclass(slots=True)
class NearDupResult:
    clusters: list[NearDupCluster]
    part_of: list[PartOf]  # every verified part-of relation, inside clusters or not


def find_clusters(paragraphs: Sequence[ParagraphRef | tuple[str, int, str]], config: MinHashConfig, *,
                  include_singletons: bool = False, level: Level = "paragraph", lang: str = "en") -> NearDupResult:
    """Cluster near-duplicate paragraphs (or, with level="document", whole documents).

    Paragraphs with fewer than `config.min_tokens` tokens are not clustered (too short to tell a copy from
    a coincidence). At document level each document's paragraphs are joined in index order and members
    carry index -1.
    """
    refs = [p if isinstance(p, ParagraphRef) else ParagraphRef(*p) for p in paragraphs]
    if level == "document":
        refs = _documents(refs)
    elif level != "paragraph":
        raise ValueError(f"level must be 'paragraph' or 'document', got {level!r}")
    refs = sorted(refs, key=lambda r: (r.doc_id, r.index, r.text))  # input order never matters
    refs = [r for r in refs if len(tokens(r.text)) >= config.min_tokens]
    texts = [r.text for r in refs]
    if len(refs) < 2:
        pairs = np.empty((0, 2), dtype=np.int64)
    else:
        pairs = candidate_pairs(band_keys(Signer(config).sign_texts(texts), config))
    result = resolve_candidates(pairs, texts, [(r.doc_id, r.index) for r in refs], config,
                                include_singletons=include_singletons, lang=lang)
    return _records(result, refs)


def resolve_candidates(pairs: np.ndarray, texts: Sequence[str], order: Sequence[Any], config: MinHashConfig, *,
                       include_singletons: bool = False, lang: str = "en") -> ClusterResult:
    """Verify candidate pairs (indexes into `texts`) on exact shingles, then build star-verified clusters."""
    sets = shingle_sets(texts, config.ngram)
    links = verify_pairs(pairs, sets, config)
    return build_clusters(len(texts), links, texts, order, shingles=sets, config=config,
                          include_singletons=include_singletons, lang=lang)


def _documents(refs: list[ParagraphRef]) -> list[ParagraphRef]:
    by_doc: dict[str, list[ParagraphRef]] = {}
    for r in refs:
        by_doc.setdefault(r.doc_id, []).append(r)
    return [ParagraphRef(doc, -1, "\n".join(r.text for r in sorted(items, key=lambda r: r.index)))
            for doc, items in by_doc.items()]


def _records(result: ClusterResult, refs: list[ParagraphRef]) -> NearDupResult:
    def member(i: int, sim: float) -> Member:
        return Member(refs[i].doc_id, refs[i].index, refs[i].text, sim)

    relations = [(lk.a, lk.b, PartOf(member(lk.a, 0.0), member(lk.b, 0.0), round(lk.containment, 4),
                                     round(lk.jaccard, 4))) for lk in result.part_of]
    clusters = []
    for c in result.clusters:
        inside = set(c.members)
        clusters.append(NearDupCluster(
            id=c.id,
            members=[member(i, c.similarity[i]) for i in c.members],
            canonical=member(c.canonical, 1.0),
            reason=c.canonical_reason,
            part_of=[p for a, b, p in relations if a in inside or b in inside]))
    return NearDupResult(clusters, [p for _, _, p in relations])
