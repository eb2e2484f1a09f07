"""`dedup cluster` chooses its clusters' canonicals in the run's process pool: same clusters as one process."""

from __future__ import annotations

import random

import dedup
from dedup.near.stars import CANONICAL_BATCH
from dedup.records import Document
from tests.run.test_local import SENTENCES


def _planted(count: int) -> list[Document]:
    """`count` documents of seed sentences, each followed by a copy with one word replaced."""
    rng = random.Random(5)
    documents = []
    for k in range(count):
        paragraphs = rng.sample(SENTENCES, 6)
        words = "\n\n".join(paragraphs).split(" ")
        words[rng.randrange(len(words))] = "meanwhile"
        documents += [Document(id=f"d{k}", text="\n\n".join(paragraphs)),
                      Document(id=f"d{k}-copy", text=" ".join(words))]
    return documents


def test_document_clusters_are_the_same_with_the_pool_choosing_canonicals() -> None:
    documents = _planted(CANONICAL_BATCH + 10)   # more clusters than one batch: the pool's processes start

    def clusters(workers: int) -> list[dict[str, object]]:
        return [c.to_dict() for c in dedup.cluster(documents, workers=workers, batch_size=16, level="document")]

    one = clusters(1)
    assert len(one) >= CANONICAL_BATCH + 1
    assert clusters(2) == one
