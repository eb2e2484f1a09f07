"""Writers for cleaned documents and rejects; every file output goes through `dedup.io.output.atomic_output`.

Plain-text format (`write_text`): a document's paragraphs are separated by one blank line. With more than one
document, each is introduced by a header line `==> <id> <==` and documents are separated by a blank line — the
convention of `head`/`tail` on several files, so readers know it already and `grep -n '^==> '` finds the
boundaries. A single document is written bare (again like `head`), so `dedup clean article.txt` prints just the
clean text.

JSONL format (`write_jsonl`): one object per document: `id`, `text`, the input record's other fields unchanged,
and `metadata` — the incoming metadata object with `dedup` added: `removed` (objects with `index, text,
category, reason, start, end`), `duplicates` (`index, text, cluster, canonical, similarity`), `repairs`, moved
`byline`/`dateline`/`title_suffix` and the input `file`/`line` (see `dedup.io.shape`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
from collections.abc import Iterable
from types import TracebackType
from typing import IO, Any

import orjson

from dedup.io.output import atomic_output, check_writable
from dedup.io.shape import record_of
from dedup.records import CleanedDocument, Reject

__all__ = [
    "RejectsWriter",
    "atomic_output",
    "cleaned_to_dict",
    "document_text",
    "join_paragraphs",
    "output_format",
    "reject_to_dict",
    "write_clusters",
    "write_jsonl",
    "write_text",
]

PARAGRAPH_SEPARATOR = "\n\n"
_JSON_OPTIONS = orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def join_paragraphs(paragraphs: Iterable[str]) -> str:
    """The text of a cleaned document: paragraphs separated by one blank line."""
    return PARAGRAPH_SEPARATOR.join(paragraphs)


def _doc_text(doc: CleanedDocument) -> str:
    return doc.text if doc.text or not doc.paragraphs else join_paragraphs(doc.paragraphs)


document_text = _doc_text


def output_format(output: str | None, fmt: str) -> str:
    """The format to write: `fmt`, except that a name ending in `.parquet` is always Parquet."""
    name = (output or "").lower()
    return "parquet" if name.endswith(".parquet") else fmt


def write_text(docs: Iterable[CleanedDocument], stream: IO[str], headers: bool | None = None) -> int:
    """Write documents as plain text (format in the module docstring); returns the number written.

    `headers=None` writes `==> id <==` headers only when there is more than one document; True/False force it.
    The first document is held back until the second arrives so the choice can be made while streaming.
    """
    count = 0
    held: CleanedDocument | None = None
    for doc in docs:
        count += 1
        if count == 1:
            held = doc
            continue
        if held is not None:
            _write_one(stream, held, headers is not False, first=True)
            held = None
        _write_one(stream, doc, headers is not False, first=False)
    if held is not None:
        _write_one(stream, held, headers is True, first=True)
    return count


def _write_one(stream: IO[str], doc: CleanedDocument, header: bool, first: bool) -> None:
    if not first:
        stream.write("\n")
    if header:
        stream.write(f"==> {doc.id} <==\n")
    text = _doc_text(doc).strip("\n")
    if text:
        stream.write(text + "\n")


def cleaned_to_dict(doc: CleanedDocument) -> dict[str, Any]:
    """The JSONL record of a cleaned document (`dedup.io.shape.record_of`)."""
    return record_of(doc, _doc_text(doc))


def reject_to_dict(reject: Reject) -> dict[str, Any]:
    return {"source": reject.source, "line": reject.line, "reason": reject.reason, "raw": reject.raw}


def _dumps(obj: Any) -> bytes:
    # default=str: metadata from users or trafilatura may hold values JSON has no type for (sets, Decimals).
    return orjson.dumps(obj, default=str, option=_JSON_OPTIONS)


def write_jsonl(docs: Iterable[CleanedDocument], stream: IO[Any]) -> int:
    """Write one JSON object per document to a text or binary stream; returns the number written."""
    binary = not isinstance(stream, io.TextIOBase)
    count = 0
    for doc in docs:
        line = _dumps(cleaned_to_dict(doc))
        stream.write(line if binary else line.decode("utf-8"))
        count += 1
    return count


class RejectsWriter:
    """Collects unreadable records as JSONL (`source, line, reason, raw`), written atomically when closed.

    Use it as a context manager (an exception discards the new file and keeps the old one), or call `write()`
    and then `close()`; the file is created, possibly empty, in both cases.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "rejects.jsonl")
    >>> with RejectsWriter(path) as rejects:
    ...     rejects.write(Reject("a.jsonl", 3, "broken JSON: unexpected character", "{oops"))
    >>> rejects.count
    1
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        check_writable(path)
        self.path = path
        self.count = 0
        self._context: contextlib.AbstractContextManager[IO[bytes]] | None = None
        self._stream: IO[bytes] | None = None
        self._closed = False

    def __enter__(self) -> RejectsWriter:
        self._open()
        return self

    def _open(self) -> IO[bytes]:
        if self._closed:
            raise RuntimeError(f"rejects file {self.path} is already closed")
        if self._stream is None:
            self._context = atomic_output(self.path, "wb")
            self._stream = self._context.__enter__()
        return self._stream

    def write(self, reject: Reject) -> None:
        self._open().write(_dumps(reject_to_dict(reject)))
        self.count += 1

    def close(self) -> None:
        """Commit the file (atomically replacing an older one)."""
        self.__exit__(None, None, None)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._closed:
            return
        if exc_type is None:
            self._open()  # an empty rejects file still says "nothing was rejected"
        self._closed = True
        context, self._stream = self._context, None
        if context is not None:
            context.__exit__(exc_type, exc, tb)


def _plain(obj: Any) -> Any:
    """Dataclasses (slotted or not) to dicts, recursively, keeping field order."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [_plain(item) for item in obj]
    if isinstance(obj, dict):
        return {key: _plain(value) for key, value in obj.items()}
    return obj


def write_clusters(records: Iterable[Any], stream: IO[Any], fmt: str = "jsonl") -> int:
    """Write cluster records (`dedup.near.plan.ClusterRecord`) as JSONL or as readable text; returns the count.

    Text shows one block per cluster: a `==> cluster <id> (<n> members) <==` header, the canonical member, then
    every member as `similarity doc#index: text`.
    """
    count = 0
    for record in records:
        data = _plain(record)
        if fmt == "jsonl":
            line = _dumps(data)
            stream.write(line if not isinstance(stream, io.TextIOBase) else line.decode("utf-8"))
        else:
            members = data.get("members", [])
            canonical = data.get("canonical") or {}
            if count:
                stream.write("\n")
            stream.write(f"==> cluster {data.get('id')} ({len(members)} members) <==\n")
            where = f"{canonical.get('doc')}#{canonical.get('index')}"
            stream.write(f"canonical {where} ({canonical.get('reason', '')}):\n")
            stream.write(f"  {canonical.get('text', '')}\n")
            for member in members:
                stream.write(f"{member.get('similarity', 0.0):.2f} {member.get('doc')}#{member.get('index')}: "
                             f"{member.get('text', '')}\n")
        count += 1
    return count
