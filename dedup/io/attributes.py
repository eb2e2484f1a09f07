"""Dolma-style attribute files: the run's decisions as character spans, one file per input file.

Why: a later step (`dolma mix`, a datatrove filter, a person reviewing) may want to apply, undo or re-weigh the
decisions without rerunning dedup. Each line is `{"id", "attributes": {"dedup__noise": [[start, end, 1.0]],
"dedup__duplicate": [[start, end, similarity]]}}` with spans against the text the run cleaned (the input text;
for HTML, the extracted main text). The files sit under `--attributes-dir`, named after the input file with
its suffixes replaced by `.jsonl.gz`, and are written atomically as the documents stream past.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import PurePath
from typing import IO, Any

import orjson

from dedup.io.output import atomic_output
from dedup.records import CleanedDocument

__all__ = ["attributes_of", "attributes_path", "write_attributes"]

SUFFIXES = {".gz", ".gzip", ".zst", ".zstd", ".jsonl", ".ndjson", ".json", ".parquet", ".txt", ".html", ".htm",
            ".warc", ".wet", ".md"}


def attributes_of(doc: CleanedDocument) -> dict[str, Any]:
    """One attribute record; duplicates whose span is unknown (matched against a persistent index) are left out."""
    noise = [[r.start, r.end, 1.0] for r in doc.removed]
    duplicate = [[d.start, d.end, round(d.similarity, 4)] for d in doc.duplicates if d.start >= 0]
    return {"id": doc.id, "attributes": {"dedup__noise": noise, "dedup__duplicate": duplicate}}


def attributes_path(directory: str, source: str) -> str:
    """`DIR/<input path without protocol, root or '..'>` with its suffixes replaced by `.jsonl.gz`."""
    if "://" in source:
        source = source.split("://", 1)[1]
    parts = [p for p in PurePath(source).parts if p not in ("..", ".") and p != PurePath(source).anchor]
    name = parts[-1] if parts else "documents"
    while PurePath(name).suffix.lower() in SUFFIXES:
        name = PurePath(name).stem
    relative = [*parts[:-1], f"{name or 'documents'}.jsonl.gz"]
    return os.path.join(directory, *relative)


def write_attributes(docs: Iterable[CleanedDocument], directory: str) -> Iterator[CleanedDocument]:
    """Pass documents through while writing their attributes; each input file's file is committed once its
    last document went past (inputs are read in order, so a file's documents are contiguous)."""
    used: set[str] = set()
    current: str | None = None
    with contextlib.ExitStack() as stack:
        stream: IO[bytes] | None = None
        for doc in docs:
            if stream is None or doc.source != current:
                stack.close()
                current = doc.source
                path = _unique(attributes_path(directory, doc.source), used)
                os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
                stream = stack.enter_context(atomic_output(path, "wb"))
            stream.write(orjson.dumps(attributes_of(doc), option=orjson.OPT_APPEND_NEWLINE))
            yield doc


def _unique(path: str, used: set[str]) -> str:
    """A second run of documents from the same input (the file given twice) gets `-2`, `-3`… instead of
    replacing the first one's file."""
    candidate, number = path, 1
    while candidate in used:
        number += 1
        candidate = path.removesuffix(".jsonl.gz") + f"-{number}.jsonl.gz"
    used.add(candidate)
    return candidate
