"""`dedup clean --index`: deduplicate today's batch against every batch indexed before.

The batch is first cleaned on its own (noise, in-batch duplicates) and staged in a spill, which gives it an id
derived from its content. The index is then asked for that batch's marker: a batch never seen before is judged
against every row indexed now; a batch that ran before is judged against the rows its first run saw (its
watermark), never against its own rows or those of later batches — so a rerun writes the same bytes. Each kept
paragraph is looked up; a match confirmed on shingles against its cluster's canonical was seen in an earlier
batch, so it is dropped and recorded under `duplicates`. The new paragraphs are added to the index, with the
batch marker, before the output is committed: a run that fails in between leaves the batch indexed (or, on
Redis, partly indexed, chunk by chunk) and no output, and its rerun writes the output and completes the index.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from typing import IO

import xxhash

from dedup.config import MinHashConfig
from dedup.index import AddResult, IndexItem, Match, ParagraphIndex, open_index, paragraph_key
from dedup.io.spill import Spill
from dedup.near.shingle import shingle_hashes, tokens
from dedup.near.sign import Signer
from dedup.near.verify import classify, similarity
from dedup.records import CleanedDocument, DuplicateRef, Reject
from dedup.run.options import CleanOptions
from dedup.run.summary import Summary

QUERY_BATCH = 256
log = logging.getLogger("dedup")


def _seen_before(matches: list[Match], text: str, config: MinHashConfig) -> Match | None:
    """The best match confirmed on real shingle sets against its cluster's canonical text, by the rule in-batch
    clustering uses (`dedup.near.verify.classify`): the index's estimate alone would also drop a paragraph that
    is only part of a longer one, which one run over all batches keeps."""
    shingles = None
    for match in matches:
        if shingles is None:
            shingles = shingle_hashes(text, config.ngram)
        if classify(*similarity(shingles, shingle_hashes(match.canonical_text, config.ngram)), config) == "duplicate":
            return match
    return None


@dataclass(slots=True)
class _Filter:
    """State of one batch's pass over the index: the rows it may match (below `watermark`), the paragraphs to
    add, and where each paragraph dropped against the index went (so in-batch references follow it)."""

    index: ParagraphIndex
    signer: Signer
    min_tokens: int
    watermark: int
    new_items: list[IndexItem] = field(default_factory=list)
    moved: dict[str, tuple[str, str]] = field(default_factory=dict)

    def batch(self, docs: list[CleanedDocument]) -> int:
        """Drop paragraphs an earlier batch already had; collect the rest for the index. Returns drops."""
        slots: list[tuple[int, int]] = []
        texts: list[str] = []
        for d, doc in enumerate(docs):
            for p, text in enumerate(doc.paragraphs):
                if len(tokens(text)) >= self.min_tokens:
                    slots.append((d, p))
                    texts.append(text)
        dropped: dict[int, set[int]] = {}
        if texts:
            signatures = self.signer.sign_texts(texts)
            matches = self.index.query(signatures, before=self.watermark)
            for (d, p), text, signature, found in zip(slots, texts, signatures, matches, strict=True):
                doc, position = docs[d], docs[d].indexes[p]
                match = _seen_before(found, text, self.signer.config)
                if match is None:
                    self.new_items.append(IndexItem(paragraph_key(text), doc.id, position, text, signature))
                    continue
                dropped.setdefault(d, set()).add(p)
                canonical = f"{match.canonical_doc_id}#{match.canonical_index}"
                self.moved[f"{doc.id}#{position}"] = (match.cluster, canonical)
                doc.duplicates.append(DuplicateRef(position, text, match.cluster, canonical, match.similarity))
        for d, doc in enumerate(docs):
            self._follow(doc)
            gone = dropped.get(d)
            if gone:
                doc.paragraphs = [t for p, t in enumerate(doc.paragraphs) if p not in gone]
                doc.indexes = [i for p, i in enumerate(doc.indexes) if p not in gone]
                doc.text = "\n\n".join(doc.paragraphs)
                doc.duplicates.sort(key=lambda ref: ref.index)
        return sum(len(g) for g in dropped.values())

    def _follow(self, doc: CleanedDocument) -> None:
        """An in-batch duplicate whose kept copy was dropped against the index names the index's canonical."""
        for k, ref in enumerate(doc.duplicates):
            if ref.canonical in self.moved:
                cluster, canonical = self.moved[ref.canonical]
                doc.duplicates[k] = replace(ref, cluster=cluster, canonical=canonical)


def filter_against_index(documents: Iterable[list[CleanedDocument]], state: _Filter,
                         summary: Summary) -> Iterator[CleanedDocument]:
    """Stream cleaned documents with earlier-batch duplicates removed; fills `state.new_items` for the add."""
    for batch in documents:
        summary.duplicates += state.batch(batch)
        yield from batch


def _stage(documents: Iterable[CleanedDocument], spill: Spill) -> str:
    """Spill the cleaned batch in query-sized chunks and return its content id (ids, kept paragraphs)."""
    digest = xxhash.xxh3_128()
    chunk: list[CleanedDocument] = []
    for doc in documents:
        digest.update(doc.id.encode() + b"\0")
        for position, text in zip(doc.indexes, doc.paragraphs, strict=True):
            digest.update(f"{position}\0".encode() + text.encode() + b"\0")
        digest.update(b"\1")
        chunk.append(doc)
        if len(chunk) >= QUERY_BATCH:
            spill.append(chunk)
            chunk = []
    if chunk:
        spill.append(chunk)
    return digest.hexdigest()


def run_with_index(sources: Sequence[str], output: str, fmt: str, options: CleanOptions, spec: str,
                   on_reject: Callable[[Reject], None] | None = None,
                   sink: IO[str] | None = None) -> tuple[Summary, AddResult]:
    """Clean SOURCES against the index at SPEC: index the new paragraphs, then commit OUTPUT atomically."""
    from dedup.io.read import read_sources
    from dedup.io.write import atomic_output, write_jsonl, write_text
    from dedup.run.local import CleanRun

    options = replace(options, dedup="drop" if options.dedup == "off" else options.dedup)
    with open_index(spec, options.minhash, create=True) as index, Spill(options.tmp_dir) as staged:
        with CleanRun(read_sources(list(sources), options.read), options, on_reject) as run:
            batch = index.begin(_stage(run.documents(), staged))
            summary = run.summary
        state = _Filter(index, Signer(options.minhash), options.minhash.min_tokens, batch.watermark)
        with nullcontext(sink) if sink is not None else atomic_output(output) as stream:
            writer = write_jsonl if fmt == "jsonl" else write_text
            writer(filter_against_index(staged, state, summary), stream)
            # the index before the output: see the module docstring
            result = AddResult(0, len(state.new_items), 0, []) if batch.complete else index.add(state.new_items, batch)
    return summary, result


def clean_with_index(sources: Sequence[str], output: str, fmt: str, options: CleanOptions, spec: str,
                     on_reject: Callable[[Reject], None] | None = None, sink: IO[str] | None = None) -> Summary:
    """`dedup clean --index`: `run_with_index`, returning the run's summary."""
    return run_with_index(sources, output, fmt, options, spec, on_reject, sink)[0]


def index_add(sources: Sequence[str], options: CleanOptions, spec: str,
              on_reject: Callable[[Reject], None] | None = None) -> tuple[Summary, int, int]:
    """`dedup index add`: clean SOURCES and index their new paragraphs without writing text.

    Returns the run summary, the paragraphs this run added and the paragraphs already seen.
    """
    import io

    summary, result = run_with_index(sources, "-", "jsonl", options, spec, on_reject, sink=io.StringIO())
    return summary, result.added, summary.duplicates


def index_query(sources: Sequence[str], options: CleanOptions, spec: str,
                on_reject: Callable[[Reject], None] | None = None) -> Iterator[dict[str, object]]:
    """`dedup index query`: for each content paragraph of SOURCES, its verified matches in the index."""
    from dedup.run.local import clean_sources

    signer = Signer(options.minhash)
    with open_index(spec, options.minhash, create=False) as index, \
            clean_sources(sources, replace(options, dedup="off"), on_reject) as run:
        for doc in run.documents():
            pairs = [(i, t) for i, t in zip(doc.indexes, doc.paragraphs, strict=True)
                     if len(tokens(t)) >= options.minhash.min_tokens]
            if not pairs:
                continue
            found = index.query(signer.sign_texts([t for _, t in pairs]))
            for (position, text), matches in zip(pairs, found, strict=True):
                yield {"doc": doc.id, "index": position, "text": text,
                       "matches": [{"doc": m.doc_id, "index": m.index, "cluster": m.cluster,
                                    "canonical": f"{m.canonical_doc_id}#{m.canonical_index}",
                                    "similarity": round(m.similarity, 4)} for m in matches]}


def index_stats(spec: str, options: CleanOptions, compact: bool = False) -> dict[str, object]:
    """`dedup index stats|compact`: sizes, bytes per paragraph and the config fingerprint."""
    with open_index(spec, options.minhash, create=False) as index:
        if compact:
            index.compact()
        return index.stats()
