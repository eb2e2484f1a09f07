"""Corpus line statistics: counting, sources, merging in any order, pickling."""

from __future__ import annotations

import pickle

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
