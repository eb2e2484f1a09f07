"""Records pickle compactly (paragraph texts re-sliced from the document) and come back equal."""

from __future__ import annotations

import pickle
from pathlib import Path

from dedup.noise.segment import segment
from dedup.records import Classified, Document, Paragraph, Prepared, Verdict


def test_prepared_and_classified_round_trip(seed_paths: list[Path]) -> None:
    doc = Document("d", seed_paths[0].read_text(encoding="utf-8"), {"url": "https://a.org/x"}, "seeds", 3)
    paragraphs = segment(doc.text, doc.id)
    odd = Paragraph("other", 99, "not a span of the text", 0, 5)   # travels whole
    verdicts = [Verdict("content", "content", f"reason {k}") for k in range(len(paragraphs))] + \
               [Verdict("noise", "advertisement", "rule x", keep=(0, 3), moved=(("dateline", "x"),), positional=True)]
    kept: list[str | None] = [p.text for p in paragraphs[:-1]] + ["repaired text", None]
    prepared = Prepared(doc, [*paragraphs, odd])
    classified = Classified(doc, [*paragraphs, odd], verdicts, kept, [(0, "ab", "a b", 4)])
    for record in (prepared, classified):
        again = pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
        assert again == record
    whole = len(pickle.dumps((doc, paragraphs, [p.text for p in paragraphs])))
    assert len(pickle.dumps(Classified(doc, paragraphs, verdicts[:-1], [p.text for p in paragraphs]))) < whole


def test_records_pickled_by_constructor_keep_every_field() -> None:
    """`pickled_by_constructor` takes its argument list from the fields: each record comes back equal with no
    field at its default, and a dataclass whose field is not a constructor argument is refused."""
    from dataclasses import dataclass, field

    import pytest

    from dedup.near.decisions import Decision
    from dedup.near.stars import Cluster
    from dedup.records import CleanedDocument, DuplicateRef, Removal, pickled_by_constructor

    removal = Removal(3, "Advertisement", "advertisement", "rule a:1", 10, 23)
    duplicate = DuplicateRef(4, "copy", "c1", "d#2", 0.9, 30, 34)
    records = [
        Document("d", "text", {"url": "u"}, "in.jsonl", 7, True, {"source": "s"}, "a.org"),
        Paragraph("d", 2, "text", 1, 5),
        Verdict("noise", "dateline", "r", (0, 3), (("dateline", "X"),), True, ((0, 1, "c", "r"),)),
        removal, duplicate,
        CleanedDocument("d", "t", {"m": 1}, ["t"], [removal], [duplicate], "in.jsonl", 7, [0], {"f": 1}, "a.org"),
        Decision("c1", "d#2", "canonical", 0.8, False), Cluster("c1", [0, 2], 2, "most complete", {0: 0.8, 2: 1.0}),
    ]
    for record in records:
        assert pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)) == record

    @dataclass
    class Derived:
        a: int
        b: int = field(init=False, default=0)

    with pytest.raises(TypeError, match="constructor argument"):
        pickled_by_constructor(Derived)
