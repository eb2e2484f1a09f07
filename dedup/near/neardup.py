"""Near-duplicate clusters of in-memory paragraphs: sign -> band -> `plan_from_pairs`.

`find_clusters` is what `dedup cluster`-style callers and `scripts/tune_minhash.py` use for a list of
paragraphs: it signs and bands them, then hands the candidate pairs to `dedup.near.plan.plan_from_pairs`, the
function every engine of `dedup clean` ends in, so what is tuned here is what a run does. It is a pure function:
same input, same output, whatever the order of the paragraphs (cluster ids come from content, ties from
`(doc_id, index)` order keys).

>>> from dedup.config import MinHashConfig
>>> paras = [("a.txt", 0, "The fee would be relatively low for the US but significant for us."),
...          ("b.txt", 3, "“The fee would be relatively low for the US but significant for us,” he said."),
...          ("b.txt", 4, "Something else entirely, with no words in common at all here.")]
>>> result = find_clusters(paras, MinHashConfig())
>>> [(m.doc, m.index) for m in result.clusters[0].members]
[('a.txt', 0), ('b.txt', 3)]
>>> result.clusters[0].canonical.doc, result.clusters[0].canonical.reason
('b.txt', 'no glued words, balanced quotes, complete sentence, longest of 2')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from dedup.config import MinHashConfig
from dedup.near.bands import band_keys, candidate_pairs
from dedup.near.plan import DedupPlan, plan_from_pairs
from dedup.near.shingle import tokens
from dedup.near.sign import Signer

Level = Literal["paragraph", "document"]


@dataclass(frozen=True, slots=True)
class ParagraphRef:
    """One input paragraph: its document, its index in that document (-1 for a whole document) and text."""

    doc_id: str
    index: int
    text: str


def find_clusters(paragraphs: Sequence[ParagraphRef | tuple[str, int, str]], config: MinHashConfig, *,
                  include_singletons: bool = False, level: Level = "paragraph", lang: str = "en") -> DedupPlan:
    """Cluster near-duplicate paragraphs (or, with level="document", whole documents); `.clusters` holds the
    `ClusterRecord`s, `.decisions` which copies a run would drop (keyed by `(doc_id, index)`).

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
    return plan_from_pairs(pairs, [r.doc_id for r in refs], [(r.doc_id, r.index) for r in refs], texts, config,
                           include_singletons=include_singletons, lang=lang)


def _documents(refs: list[ParagraphRef]) -> list[ParagraphRef]:
    by_doc: dict[str, list[ParagraphRef]] = {}
    for r in refs:
        by_doc.setdefault(r.doc_id, []).append(r)
    return [ParagraphRef(doc, -1, "\n".join(r.text for r in sorted(items, key=lambda r: r.index)))
            for doc, items in by_doc.items()]
