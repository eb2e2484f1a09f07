"""Corpus line statistics: counting, sources, merging in any order, pickling."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.noise.corpus_stats import MAX_SOURCES, LineStats, source_of
from dedup.records import Document, Paragraph


def doc_with(doc_id: str, lines: list[str], **metadata: str) -> tuple[Document, list[Paragraph]]:
    doc = Document(doc_id, "\n".join(lines), dict(metadata), source=f"{doc_id}.txt")
    return doc, [Paragraph(doc_id, i, line, 0, len(line)) for i, line in enumerate(lines)]


def test_counts_documents_and_sources_on_normalised_lines() -> None:
    stats = LineStats()
    stats.add(*doc_with("1", ["Get the app", "Get the app", "Story one."], url="https://www.a.com/1"))
    stats.add(*doc_with("2", ["GET THE APP!", "Story two."], url="https://a.com/2"))
    stats.add(*doc_with("3", ["get the  app", "Story three."], site="b"))
    assert stats.repeats("Get the app") == (3, 2)     # counted once per document; www. folded
    assert stats.repeats("Story one.") == (1, 1)
    assert stats.repeats("never seen") == (0, 0)


def test_source_falls_back_to_file() -> None:
    doc, _ = doc_with("7", ["x"])
    assert source_of(doc) == "7.txt"
    assert source_of(Document("8", "", {"url": "https://News.Example.org/a"})) == "news.example.org"


def test_sources_saturate() -> None:
    stats = LineStats()
    for i in range(MAX_SOURCES + 10):
        stats.add(*doc_with(str(i), ["Share this"], site=f"s{i}"))
    assert stats.repeats("share this") == (MAX_SOURCES + 10, MAX_SOURCES)


def test_stores_hashes_not_strings() -> None:
    stats = LineStats()
    stats.add(*doc_with("1", ["A secret template line"]))
    state = stats.__getstate__()
    assert all(isinstance(k, int) for k in state["docs"])
    assert "secret" not in repr(state)


lines = st.lists(st.sampled_from(["Share", "Read more", "Advertisement", "A story.", "Other story."]),
                 min_size=1, max_size=4)
docs = st.lists(st.tuples(lines, st.sampled_from(["a", "b", "c"])), min_size=1, max_size=8)


@given(docs, st.integers(min_value=1, max_value=7))
def test_merge_equals_counting_everything_in_one_instance(items: list[tuple[list[str], str]], cut: int) -> None:
    whole, left, right = LineStats(), LineStats(), LineStats()
    for i, (text_lines, site) in enumerate(items):
        pair = doc_with(str(i), text_lines, site=site)
        whole.add(*pair)
        (left if i < cut else right).add(*pair)
    merged_lr, merged_rl = LineStats(), LineStats()
    for a, b, target in ((left, right, merged_lr), (right, left, merged_rl)):
        target.merge(a)
        target.merge(b)
    restored = pickle.loads(pickle.dumps(merged_lr))
    for text in ["Share", "Read more", "Advertisement", "A story.", "Other story."]:
        assert whole.repeats(text) == merged_lr.repeats(text) == merged_rl.repeats(text) == restored.repeats(text)


def _site_corpus() -> list[Document]:
    """Seed paragraphs on 12 sites; each site repeats its own footer lines, and nine sites share two calls to
    action (one on every page, one on a single page each), so the template rule fires on site counts and on
    many-source counts."""
    import random
    from pathlib import Path

    seeds = Path(__file__).resolve().parents[2] / "fixtures" / "seeds"
    paragraphs = [line.strip() for path in sorted(seeds.glob("*.txt"))
                  for line in path.read_text("utf-8").splitlines() if line.strip()]
    rng = random.Random(7)
    docs = []
    for n in range(72):
        site = n % 12
        body = [*rng.sample(paragraphs, 4), f"More from Site {site} Weekly", f"Site {site} staff picks"]
        if site < 9:
            body.append("Download our free app at https://apps.example/news")
        if n < 9:   # once on each of nine sites: the (line, source) counts are 1, which `without_rare` drops
            body.append("Tap here for https://partner.example/deals")
        docs.append(Document(f"d{n}", "\n\n".join(body), {"url": f"https://site{site}.example/{n}"}))
    return docs


def test_without_rare_changes_no_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pruned statistics the classifier gets give the same output, reasons included, as the full ones."""
    from dedup.run.local import CleanRun

    def cleaned() -> list[tuple[str, list[tuple[str, str]]]]:
        with CleanRun(_site_corpus()) as run:
            return [(d.text, [(r.category, r.reason) for r in d.removed]) for d in run.documents()]

    pruned = cleaned()
    monkeypatch.setattr(LineStats, "without_rare", lambda self, min_docs: self)
    assert pruned == cleaned()
    reasons = [reason for _, removed in pruned for category, reason in removed if category == "repeated-template"]
    assert any("in 6 documents of this source" in r and "from 9 sources" in r for r in reasons), reasons[:3]
    assert any("in 1 documents of this source, 9 documents from 9 sources" in r for r in reasons), reasons[:3]


def test_without_rare_forgets_the_rare_lines() -> None:
    stats = LineStats()
    for doc in _site_corpus():
        stats.add(doc, [Paragraph(doc.id, i, t, 0, len(t)) for i, t in enumerate(doc.text.split("\n\n"))])
    small = stats.without_rare(3)
    lines = {t for doc in _site_corpus() for t in doc.text.split("\n\n")}
    rare = [t for t in lines if stats.repeats(t)[0] < 3]
    assert rare and len(small) < len(stats)
    assert all(small.repeats(t) == (0, 0) for t in rare)
    assert small.repeats("Site 3 staff picks") == stats.repeats("Site 3 staff picks") == (6, 1)
    assert pickle.loads(pickle.dumps(small)).repeats("Site 3 staff picks") == (6, 1)
