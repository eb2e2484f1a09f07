"""Record shape in and out: a datatrove/Dolma/HF record comes back as the same record, cleaned.

Why: web corpora move between tools as `{id, text, source, added, metadata, ...}` records. A cleaner that moves
fields around breaks the next step, so every input field except the text and id is kept exactly as read
(`Document.fields`) and written back unchanged; the incoming `metadata` object stays an object, and what dedup
itself adds — removed spans, duplicates, repairs, moved bylines and datelines, the input file — goes under the
one key `metadata.dedup`. Page metadata found by the HTML extractor (title, author, date, url, sitename) is
added to `metadata` beside the incoming keys, never over them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from dedup.records import (
    EMPTY,
    EXTRACTION,
    SPLIT_LINES,
    CleanedDocument,
    Document,
    DuplicateRef,
    Removal,
    field_value,
)

if TYPE_CHECKING:
    from dedup.io.options import ReadOptions

__all__ = ["DEDUP_KEY", "OWN_KEYS", "dedup_section", "document_from_record", "from_records", "record_of"]

DEDUP_KEY = "dedup"
# metadata keys the cleaner itself writes
OWN_KEYS = ("byline", "dateline", "title_suffix", "repairs", EMPTY, EXTRACTION, SPLIT_LINES)
PRIVATE_PREFIX = "_"


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "int", float: "float"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def document_from_record(record: dict[str, Any], *, text_field: str = "text", id_field: str = "id",
                         site_field: str | None = None, default_id: str = "", source: str = "", line: int = 0,
                         is_html: bool = False) -> Document | str:
    """A Document from one JSON object, Parquet row or HF dataset row; a string is the reason it is unusable.

    `metadata` (what the classifier sees) is the record's other top-level fields plus the keys of its incoming
    `metadata` object, so `metadata.url` or `metadata.title` count as much as top-level ones.
    """
    if text_field not in record:
        fields = ", ".join(list(record)[:10]) or "none"
        return f"missing text field {text_field!r} (fields: {fields})"
    text = record[text_field]
    if not isinstance(text, str):
        return f"text field {text_field!r} is not a string (got {_json_type(text)})"
    return _document(record, text, text_field, id_field, site_field, default_id, source, line, is_html)


def _document(record: dict[str, Any], text: str, text_field: str, id_field: str, site_field: str | None,
              default_id: str, source: str, line: int, is_html: bool) -> Document:
    raw_id = record.get(id_field)
    doc_id = default_id if raw_id is None or raw_id == "" else str(raw_id)
    fields = {key: value for key, value in record.items() if key != text_field and key != id_field}
    metadata = {key: value for key, value in fields.items() if key != "metadata"}
    nested = fields.get("metadata")
    if isinstance(nested, dict):
        for key, value in nested.items():
            metadata.setdefault(key, value)
    elif "metadata" in fields:
        metadata["metadata"] = nested
    site = field_value(record, site_field) if site_field else None
    return Document(doc_id, text, metadata, source, line, is_html, fields=fields, site=site)


def _removal(removal: Removal) -> dict[str, Any]:
    return {"index": removal.index, "text": removal.text, "category": removal.category, "reason": removal.reason,
            "start": removal.start, "end": removal.end}


def _duplicate(dup: DuplicateRef) -> dict[str, Any]:
    return {"index": dup.index, "text": dup.text, "cluster": dup.cluster, "canonical": dup.canonical,
            "similarity": dup.similarity, "start": dup.start, "end": dup.end}


def dedup_section(doc: CleanedDocument) -> dict[str, Any]:
    """What dedup decided about one document: `metadata.dedup` in JSONL, the `dedup` column in Parquet."""
    fields = doc.fields or {}
    section: dict[str, Any] = {}
    if doc.source:
        section["file"] = doc.source
        if doc.line:
            section["line"] = doc.line
    for key in OWN_KEYS:
        if key in doc.metadata and doc.metadata[key] != fields.get(key):
            section[key] = doc.metadata[key]
    section["removed"] = [_removal(r) for r in doc.removed]
    section["duplicates"] = [_duplicate(d) for d in doc.duplicates]
    return section


def found_metadata(doc: CleanedDocument) -> dict[str, Any]:
    """Metadata the reader or extractor found that the input record did not hold (page title, url, WARC headers)."""
    fields = doc.fields or {}
    nested = fields.get("metadata")
    incoming = nested if isinstance(nested, dict) else {}
    return {key: value for key, value in doc.metadata.items()
            if key not in OWN_KEYS and key not in fields and key not in incoming
            and not key.startswith(PRIVATE_PREFIX)}


def record_of(doc: CleanedDocument, text: str) -> dict[str, Any]:
    """The output record: `id`, `text`, the input's other fields unchanged, `metadata` with `dedup` inside."""
    fields = doc.fields or {}
    record: dict[str, Any] = {"id": doc.id, "text": text}
    for key, value in fields.items():
        if key not in record and key != "metadata":
            record[key] = value
    nested = fields.get("metadata")
    metadata: dict[str, Any] = dict(nested) if isinstance(nested, dict) else {}
    metadata.update(found_metadata(doc))
    metadata[DEDUP_KEY] = dedup_section(doc)
    record["metadata"] = metadata
    return record


def from_records(items: Iterable[Any], options: ReadOptions) -> Iterator[Any]:
    """Library input: dict records (HF dataset rows, datatrove/Dolma dicts) become Documents; strings and
    Documents pass through. A dict without a usable text field raises ValueError naming its position."""
    for number, item in enumerate(items):
        if not isinstance(item, dict):
            yield item
            continue
        doc = document_from_record(item, text_field=options.text_field, id_field=options.id_field,
                                   site_field=options.site_field, default_id=f"doc-{number}",
                                   is_html=options.input_format == "html")
        if isinstance(doc, str):
            raise ValueError(f"record {number}: {doc}")
        yield doc
