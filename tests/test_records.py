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
