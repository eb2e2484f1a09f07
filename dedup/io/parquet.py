"""Parquet input and output (pyarrow), streamed one row group / batch at a time.

Why: FineWeb, Dolma and datatrove shards are Parquet; reading row group by row group keeps memory to one group
whatever the file size. Output keeps every input column with its type: `id` and `text` (cleaned) first, the
other columns as read, then a `dedup` column holding what the JSONL output puts under `metadata.dedup` (as a
JSON string, so its varying shape cannot break the file's schema).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, Any

import orjson

from dedup.io.shape import DEDUP_KEY, dedup_section, found_metadata
from dedup.records import CleanedDocument

__all__ = ["PARQUET_MAGIC", "iter_rows", "write_parquet"]

PARQUET_MAGIC = b"PAR1"
BATCH_ROWS = 1024


def _pyarrow() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError("Parquet needs pyarrow: pip install 'dedup-toolkit[parquet]'") from None
    return pq


def iter_rows(handle: IO[bytes]) -> Iterator[dict[str, Any]]:
    """Every row of a Parquet file as a dict, one row group at a time (the file must be seekable)."""
    pq = _pyarrow()
    parquet = pq.ParquetFile(handle)
    for group in range(parquet.num_row_groups):
        table = parquet.read_row_group(group)
        yield from table.to_pylist()


def _row(doc: CleanedDocument, text: str) -> dict[str, Any]:
    row: dict[str, Any] = {"id": doc.id, "text": text}
    for key, value in (doc.fields or {}).items():
        row.setdefault(key, value)
    section = dedup_section(doc)
    found = found_metadata(doc)
    if found:
        section["metadata"] = found
    row[DEDUP_KEY] = orjson.dumps(section, default=str).decode("utf-8")
    return row


def write_parquet(docs: Iterable[CleanedDocument], stream: IO[bytes], texts: Any) -> int:
    """Write documents as Parquet to a binary stream; `texts(doc)` gives each document's output text.

    The first batch fixes the schema; a later record whose fields do not fit it is an error naming the record
    (JSONL output has no such limit).
    """
    import pyarrow as pa

    pq = _pyarrow()
    writer: Any = None
    schema: Any = None
    batch: list[dict[str, Any]] = []
    count = 0

    def flush() -> None:
        nonlocal writer, schema
        if not batch:
            return
        if schema is None:
            table = pa.Table.from_pylist(batch)
            schema = table.schema
            writer = pq.ParquetWriter(stream, schema)
        else:
            unknown = sorted({key for row in batch for key in row} - set(schema.names))
            if unknown:
                raise ValueError(f"record {batch[0]['id']!r}: fields {unknown} are not in the Parquet schema "
                                 "fixed by the first records; write JSONL instead")
            table = pa.Table.from_pylist(batch, schema=schema)
        writer.write_table(table)
        batch.clear()

    try:
        for doc in docs:
            batch.append(_row(doc, texts(doc)))
            count += 1
            if len(batch) >= BATCH_ROWS:
                flush()
        flush()
        if writer is None:  # no documents: an empty file with the minimal schema
            writer = pq.ParquetWriter(stream, pa.schema([("id", pa.string()), ("text", pa.string()),
                                                         (DEDUP_KEY, pa.string())]))
    finally:
        if writer is not None:
            writer.close()
    return count
