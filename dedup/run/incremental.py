"""`dedup clean --index`: deduplicate today's batch against every batch indexed before.

The batch is first cleaned on its own (noise, in-batch duplicates); then each kept paragraph is looked up in the
persistent index. A match that is not the paragraph itself (another document or position) means it was seen in
an earlier batch, so it is dropped and recorded under `duplicates`; the rest are added to the index in one
atomic `add` after the output is complete. Rerunning the same batch therefore changes nothing: its paragraphs
only match themselves, and adding them again is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import replace
from typing import IO

from dedup.config import MinHashConfig
from dedup.index import IndexItem, Match, ParagraphIndex, open_index, paragraph_key
from dedup.near.shingle import shingle_hashes, tokens
from dedup.near.sign import Signer
from dedup.near.verify import classify, similarity
from dedup.records import CleanedDocument, DuplicateRef, Reject
from dedup.run.options import CleanOptions
from dedup.run.summary import Summary

QUERY_BATCH = 256


def _seen_before(matches: list[Match], doc_id: str, index: int, text: str, config: MinHashConfig) -> Match | None:
    """The best match that is not this very paragraph (a rerun finds itself; that is not a duplicate) and is
    confirmed on real shingle sets against its cluster's canonical text, by the rule in-batch clustering uses
    (`dedup.near.verify.classify`): the index's estimate alone would also drop a paragraph that is only part of a
    longer one, which one run over all batches keeps."""
    shingles = None
    for match in matches:
        if (match.doc_id, match.index) == (doc_id, index):
            continue
        if shingles is None:
            shingles = shingle_hashes(text, config.ngram)
        if classify(*similarity(shingles, shingle_hashes(match.canonical_text, config.ngram)), config) == "duplicate":
            return match
    return None


def _filter_batch(docs: list[CleanedDocument], index: ParagraphIndex, signer: Signer, min_tokens: int,
                  new_items: list[IndexItem]) -> int:
    """Drop paragraphs an earlier batch already had; collect the rest for the index. Returns drops."""
    slots: list[tuple[int, int]] = []
    texts: list[str] = []
    for d, doc in enumerate(docs):
        for p, text in enumerate(doc.paragraphs):
            if len(tokens(text)) >= min_tokens:
                slots.append((d, p))
                texts.append(text)
    if not texts:
        return 0
    signatures = signer.sign_texts(texts)
    matches = index.query(signatures)
    dropped: dict[int, set[int]] = {}
    for (d, p), text, signature, found in zip(slots, texts, signatures, matches, strict=True):
        doc = docs[d]
        position = doc.indexes[p]
        match = _seen_before(found, doc.id, position, text, signer.config)
        if match is None:
            new_items.append(IndexItem(paragraph_key(text), doc.id, position, text, signature))
            continue
        dropped.setdefault(d, set()).add(p)
        doc.duplicates.append(DuplicateRef(position, text, match.cluster,
                                           f"{match.canonical_doc_id}#{match.canonical_index}", match.similarity))
    for d, gone in dropped.items():
        doc = docs[d]
        doc.paragraphs = [t for p, t in enumerate(doc.paragraphs) if p not in gone]
        doc.indexes = [i for p, i in enumerate(doc.indexes) if p not in gone]
        doc.text = "\n\n".join(doc.paragraphs)
        doc.duplicates.sort(key=lambda ref: ref.index)
    return sum(len(g) for g in dropped.values())


def filter_against_index(documents: Iterable[CleanedDocument], index: ParagraphIndex, options: CleanOptions,
                         new_items: list[IndexItem], summary: Summary) -> Iterator[CleanedDocument]:
    """Stream cleaned documents with earlier-batch duplicates removed; fills `new_items` for the final add."""
    signer = Signer(options.minhash)
    batch: list[CleanedDocument] = []

    def flush() -> Iterator[CleanedDocument]:
        summary.duplicates += _filter_batch(batch, index, signer, options.minhash.min_tokens, new_items)
        yield from batch
        batch.clear()

    for doc in documents:
        batch.append(doc)
        if len(batch) >= QUERY_BATCH:
            yield from flush()
    yield from flush()


def clean_with_index(sources: Sequence[str], output: str, fmt: str, options: CleanOptions, spec: str,
                     on_reject: Callable[[Reject], None] | None = None, sink: IO[str] | None = None) -> Summary:
    """Clean SOURCES against the index at SPEC, write OUTPUT atomically, then commit the new paragraphs."""
    from dedup.io.write import atomic_output, write_jsonl, write_text
    from dedup.run.local import clean_sources

    options = replace(options, dedup="drop" if options.dedup == "off" else options.dedup)
    new_items: list[IndexItem] = []
    with open_index(spec, options.minhash, create=True) as index:
        with clean_sources(sources, options, on_reject) as run, \
                (nullcontext(sink) if sink is not None else atomic_output(output)) as stream:
            writer = write_jsonl if fmt == "jsonl" else write_text
            writer(filter_against_index(run.documents(), index, options, new_items, run.summary), stream)
            summary = run.summary
        # only once the output is committed: a run that dies before this leaves the index as it was, so a
        # rerun of the batch produces the same output instead of dropping everything as "already seen"
        index.add(new_items)
    return summary


def index_add(sources: Sequence[str], options: CleanOptions, spec: str,
              on_reject: Callable[[Reject], None] | None = None) -> tuple[Summary, int, int]:
    """`dedup index add`: clean SOURCES and index their new paragraphs without writing text.

    Returns the run summary, the paragraphs added and the paragraphs already seen.
    """
    import io

    before = _index_size(spec, options)
    summary = clean_with_index(sources, "-", "jsonl", options, spec, on_reject, sink=io.StringIO())
    after = _index_size(spec, options)
    return summary, after - before, summary.duplicates


def _index_size(spec: str, options: CleanOptions) -> int:
    with open_index(spec, options.minhash, create=True) as index:
        return int(index.stats()["paragraphs"])


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
