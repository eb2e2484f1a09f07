"""Corpus line statistics: in how many documents, from how many sources, does a normalised line occur?

Why: a site's template lines ("Get the app", "Read our coverage of the election") repeat across its pages, and
no rule file can list them all. Counting them over the corpus finds them. Memory stays bounded: only 64-bit
hashes of normalised lines are stored (never the strings), and per line at most `MAX_SOURCES` source hashes —
enough to tell "one site" from "many sites". Instances are plain picklable data and merge associatively, so
workers count their batches and the main process merges.

>>> from dedup.records import Document, Paragraph, site_of
>>> stats = LineStats()
>>> for i, site in enumerate(["a.com", "a.com", "b.org"]):
...     doc = Document(str(i), "Get the app\\nText.", {"url": f"https://{site}/x"})
...     stats.add(doc, [Paragraph(doc.id, 0, "Get the app", 0, 11)])
>>> stats.repeats("GET THE APP!")
(3, 2)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import xxhash

from dedup.noise.rules import normalise
from dedup.records import Document, Paragraph, site_of

MAX_SOURCES = 16
MAX_LINE_CHARS = 400   # longer paragraphs are stories, not template lines: the dedup stage handles those


@functools.lru_cache(maxsize=1 << 12)
def line_hash(text: str) -> int | None:
    """64-bit hash of the normalised line; None for lines that are empty or too long to be template lines.

    Memoised (a pure function of the text): template lines recur across documents, and classifying asks for
    a short line's hash twice (`repeats`, `site_repeats`)."""
    norm = normalise(text)
    if not norm or len(norm) > MAX_LINE_CHARS:
        return None
    return xxhash.xxh3_64_intdigest(norm.encode("utf-8"))


def source_of(doc: Document) -> str:
    """Where a document comes from (`dedup.records.site_of`), or else its input file."""
    return site_of(doc.metadata, doc.site) or doc.source or doc.id


class LineStats:
    """Line hash -> number of documents containing it, and a capped set of distinct source hashes."""

    __slots__ = ("_docs", "_site_docs", "_site_floor", "_sources")

    def __init__(self) -> None:
        self._docs: dict[int, int] = {}
        self._sources: dict[int, frozenset[int]] = {}
        self._site_docs: dict[int, int] = {}   # hash of (line, source) -> documents of that source with the line
        self._site_floor = 0                   # what site_repeats answers for a pair it does not hold

    def __len__(self) -> int:
        return len(self._docs)

    def add(self, doc: Document, paragraphs: Sequence[Paragraph]) -> None:
        """Count each distinct line of one document once."""
        source = _source_hash(doc)
        seen = {h for p in paragraphs if (h := line_hash(p.text)) is not None}
        for h in seen:
            self._docs[h] = self._docs.get(h, 0) + 1
            self._add_source(h, frozenset((source,)))
            key = _pair(h, source)
            self._site_docs[key] = self._site_docs.get(key, 0) + 1

    def _add_source(self, h: int, sources: frozenset[int]) -> None:
        """Keep the MAX_SOURCES smallest source hashes (a bottom-k sketch: identical for any merge order)."""
        merged = self._sources.get(h, frozenset()) | sources
        if len(merged) > MAX_SOURCES:
            merged = frozenset(sorted(merged)[:MAX_SOURCES])
        self._sources[h] = merged

    def merge(self, other: LineStats) -> None:
        """Add another instance's counts (from a worker); the result does not depend on merge order."""
        for h, n in other._docs.items():
            self._docs[h] = self._docs.get(h, 0) + n
            self._add_source(h, other._sources.get(h, frozenset()))
        for key, n in other._site_docs.items():
            self._site_docs[key] = self._site_docs.get(key, 0) + n

    def without_rare(self, min_docs: int) -> LineStats:
        """A copy for classifying the corpus these counts come from, without what cannot matter there: lines in
        fewer than `min_docs` documents, and (line, source) counts of 1.

        Why: most lines of a corpus occur once, and the three tables of them cost ~350 bytes per paragraph in
        every process that classifies. The answers for every line kept are unchanged; a dropped line could not
        reach `min_docs` (the caller passes its smallest threshold). A dropped (line, source) pair was counted
        once, and the document asking about its own line is that one, so `site_repeats` answers 1 for it.
        """
        out = LineStats()
        out._docs = {h: n for h, n in self._docs.items() if n >= min_docs}
        out._sources = {h: self._sources[h] for h in out._docs}
        out._site_docs = {key: n for key, n in self._site_docs.items() if n > 1}
        out._site_floor = 1
        return out

    def repeats(self, text: str) -> tuple[int, int]:
        """(documents, distinct sources) for this line; sources saturate at MAX_SOURCES."""
        h = line_hash(text)
        if h is None:
            return 0, 0
        return self._docs.get(h, 0), len(self._sources.get(h, ()))

    def site_repeats(self, text: str, doc: Document) -> int:
        """In how many documents of `doc`'s own source this line occurs (a site template repeats on its pages;
        a generic heading like "Conclusion" spread over many sites does not make it template noise)."""
        h = line_hash(text)
        if h is None:
            return 0
        return self._site_docs.get(_pair(h, _source_hash(doc)), self._site_floor)

    def __getstate__(self) -> dict[str, Any]:
        return {"docs": self._docs, "sources": self._sources, "site_docs": self._site_docs,
                "site_floor": self._site_floor}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._docs = state["docs"]
        self._sources = state["sources"]
        self._site_docs = state["site_docs"]
        self._site_floor = state.get("site_floor", 0)


def _source_hash(doc: Document) -> int:
    return xxhash.xxh3_64_intdigest(source_of(doc).encode("utf-8"))


def _pair(line: int, source: int) -> int:
    return xxhash.xxh3_64_intdigest(line.to_bytes(8, "little") + source.to_bytes(8, "little"))
