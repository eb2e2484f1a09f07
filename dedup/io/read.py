"""Stream documents out of files, directories, globs and stdin — plain text, JSONL or HTML, gzip/zstd or not.

Scraped corpora are messy: mislabelled compression, a broken line in the middle of a 10 GB shard, a truncated
download, a stray binary file in a directory. The reader never raises and never drops a record silently: each
problem becomes a `Reject` with `file:line: reason`, and the caller decides whether to stop or to log it. Memory
stays bounded: files are streamed, compression is detected by magic bytes (an extension can lie) and long
lines are read in bounded chunks, so a 50 MB single-line record is measured and rejected, not loaded.

>>> import tempfile, os
>>> folder = tempfile.mkdtemp()
>>> with open(os.path.join(folder, "a.jsonl"), "w") as f:
...     _ = f.write('{"id": "x1", "text": "Hello.", "url": "https://example.com"}\\n{"text": 3}\\n')
>>> for item in read_sources([folder]):
...     print(item)  # doctest: +ELLIPSIS
Document(id='x1', text='Hello.', metadata={'url': 'https://example.com'}, source='.../a.jsonl', line=1, ...)
Reject(source='.../a.jsonl', line=2, reason="text field 'text' is not a string (got int)", raw='{"text": 3}')
"""

from __future__ import annotations

import codecs
import contextlib
import io
import re
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import orjson

from dedup.io.locate import STDIN, Input, expand, open_input
from dedup.io.options import ReadOptions
from dedup.io.parquet import PARQUET_MAGIC, iter_rows
from dedup.io.shape import document_from_record
from dedup.io.streams import CHUNK, DECOMPRESSION_ERRORS, HEAD_BYTES, Decompressed, Prefixed, read_head, read_up_to
from dedup.io.warc import WARC_MAGIC, iter_warc, summarise_skipped
from dedup.io.warc import metadata_of as warc_metadata
from dedup.records import Document, Reject

__all__ = ["ReadOptions", "read_sources"]


GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
BOM = codecs.BOM_UTF8
EXCERPT_CHARS = 200
JSONL_EXTENSIONS = {".jsonl", ".ndjson"}
HTML_EXTENSIONS = {".html", ".htm", ".xhtml"}
TEXT_EXTENSIONS = {".txt", ".text", ".md"}
COMPRESSED_EXTENSIONS = {".gz", ".gzip", ".zst", ".zstd"}
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def read_sources(sources: Sequence[str], options: ReadOptions = ReadOptions()) -> Iterator[Document | Reject]:
    """Yield a Document per record, or a Reject per unreadable record/file, in deterministic order."""
    for source in sources:
        for item in expand(source, options.glob):
            if isinstance(item, Reject):
                yield item
            else:
                yield from _read_input(item, options)


def _open_stdin() -> IO[bytes]:
    if sys.stdin is None:
        raise OSError("stdin is closed")
    return sys.stdin.buffer


def _inner_suffix(name: str) -> str:
    """The format extension under any compression suffix: 'a.jsonl.gz' → '.jsonl'."""
    path = Path(name)
    if path.suffix.lower() in COMPRESSED_EXTENSIONS:
        path = path.with_suffix("")
    return path.suffix.lower()


# --- reading one file -----------------------------------------------------------------------------------------


def _read_input(inp: Input, options: ReadOptions) -> Iterator[Document | Reject]:
    try:
        raw = _open_stdin() if inp.path is None else open_input(inp)
    except (OSError, ImportError, ValueError) as error:
        yield Reject(inp.source, 0, f"cannot open: {getattr(error, 'strerror', None) or error}")
        return
    with contextlib.ExitStack() as stack:
        if inp.path is not None:
            stack.enter_context(raw)
        yield from _read_stream(raw, inp, options)


def _read_stream(raw: IO[bytes], inp: Input, options: ReadOptions) -> Iterator[Document | Reject]:
    kind = "file"
    try:
        magic = read_up_to(raw, 4)
        if magic == PARQUET_MAGIC or options.input_format == "parquet":
            yield from _read_parquet(raw, magic, inp, options)
            return
        stream: IO[bytes] = io.BufferedReader(Prefixed(magic, raw), CHUNK)
        if magic.startswith(GZIP_MAGIC):
            kind, stream = "gzip", io.BufferedReader(Decompressed(stream, "gzip"), CHUNK)
        elif magic == ZSTD_MAGIC:
            kind, stream = "zstd", io.BufferedReader(Decompressed(stream, "zstd"), CHUNK)
    except DECOMPRESSION_ERRORS as error:  # includes an unreadable file (EISDIR, EIO)
        yield Reject(inp.source, 0, f"cannot read file: {error}")
        return
    head, deferred = read_head(stream)
    if not head:
        yield Reject(inp.source, 0, _stream_error(deferred, kind, None) if deferred else "empty file")
        return
    reader: IO[bytes] = io.BufferedReader(Prefixed(head, stream, deferred), CHUNK)
    fmt = _detect_format(inp.name, head, options)
    reason = _binary_reason(head) if fmt not in ("jsonl", "warc") else None  # JSONL: each line is checked
    if reason:
        yield Reject(inp.source, 0, reason, _excerpt(head))
    elif fmt == "jsonl":
        yield from _read_jsonl(reader, inp, options, kind)
    elif fmt == "warc":
        yield from _read_warc(reader, inp, options, kind)
    else:
        yield _read_whole(reader, inp, options, kind, is_html=fmt == "html")


def _read_warc(reader: IO[bytes], inp: Input, options: ReadOptions, kind: str) -> Iterator[Document | Reject]:
    """One document per HTML response (or WET conversion); other records are counted, not read."""
    skipped: Counter[str] = Counter()
    number = 0
    try:
        for record in iter_warc(reader, skipped, inp.path):
            number += 1
            if len(record.body) > options.max_record_bytes:
                yield Reject(inp.source, number, _too_large(len(record.body), options.max_record_bytes))
                continue
            text = _decode(record.body, True, record.charset)
            if not isinstance(text, str):
                yield Reject(inp.source, number, text.reason, _excerpt(record.body))
                continue
            doc_id = record.record_id or f"{inp.name}:{number}"
            site = warc_metadata(record).get(options.site_field) if options.site_field else None
            yield Document(doc_id, text, warc_metadata(record), inp.source, number, record.kind == "html",
                           site=site)
    except ImportError as error:
        yield Reject(inp.source, 0, str(error))
    except Exception as error:
        yield Reject(inp.source, number + 1, f"cannot read WARC record after {number} records: {error}")
    if not number:
        kinds = ", ".join(f"{kind} {n}" for kind, n in skipped.most_common()) or "no records"
        yield Reject(inp.source, 0, f"no HTML responses or WET text in this WARC file ({kinds})")
    else:
        summarise_skipped(inp.source, skipped)


def _read_parquet(raw: IO[bytes], magic: bytes, inp: Input, options: ReadOptions) -> Iterator[Document | Reject]:
    """One document per row, read row group by row group; a non-seekable stream (stdin) is read into memory."""
    handle: IO[bytes] = raw
    if not (hasattr(raw, "seekable") and raw.seekable()):
        handle = io.BytesIO(magic + raw.read())
    else:
        raw.seek(0)
    row = 0
    try:
        for record in iter_rows(handle):
            row += 1
            doc = document_from_record(record, text_field=options.text_field, id_field=options.id_field,
                                       site_field=options.site_field, default_id=f"{inp.name}:{row}",
                                       source=inp.source, line=row, is_html=options.input_format == "html")
            yield doc if isinstance(doc, Document) else Reject(inp.source, row, doc)
    except ImportError as error:
        yield Reject(inp.source, 0, str(error))
    except Exception as error:
        yield Reject(inp.source, row + 1, f"cannot read Parquet after {row} rows: {error}")


def _binary_reason(head: bytes) -> str | None:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16 text is not supported: convert the file to UTF-8"
    offset = head.find(b"\x00")
    return f"binary file, not text (NUL byte at offset {offset})" if offset >= 0 else None


def _looks_like_html(head: bytes) -> bool:
    start = head.removeprefix(BOM).lstrip()[:1024].lower()
    return start.startswith(b"<") and (b"<!doctype html" in start or b"<html" in start)


def _detect_format(name: str, head: bytes, options: ReadOptions) -> Literal["text", "jsonl", "html", "warc"]:
    suffix = _inner_suffix(name) if name != STDIN else ""
    starts_json = head.removeprefix(BOM).lstrip().startswith(b"{")
    if options.input_format == "warc" or (options.input_format == "auto" and head.startswith(WARC_MAGIC)):
        return "warc"
    if options.input_format == "text":
        return "text"
    if options.input_format == "jsonl":
        return "jsonl"
    if options.input_format == "html":
        is_jsonl = suffix in JSONL_EXTENSIONS or (suffix not in HTML_EXTENSIONS and starts_json)
        return "jsonl" if is_jsonl else "html"
    if suffix in JSONL_EXTENSIONS:
        return "jsonl"
    if suffix in HTML_EXTENSIONS or _looks_like_html(head):
        return "html"
    if suffix not in TEXT_EXTENSIONS and starts_json:
        return "jsonl"
    return "text"


def _stream_error(error: BaseException, kind: str, lines: int | None) -> str:
    """'truncated gzip stream after 12 lines', 'cannot read zstd stream: ...', 'cannot read file: ...'."""
    what = "file" if kind == "file" else f"{kind} stream"
    after = f" after {lines} lines" if lines is not None else ""
    if isinstance(error, EOFError):
        return f"truncated {what}{after}"
    return f"cannot read {what}{after}: {error}"


def _excerpt(data: bytes) -> str:
    return data[: EXCERPT_CHARS * 4].decode("utf-8", "backslashreplace")[:EXCERPT_CHARS]


def _too_large(size: int, limit: int) -> str:
    return f"record too large: {size} bytes > {limit} bytes (max_record_bytes)"


def _read_whole(reader: IO[bytes], inp: Input, options: ReadOptions, kind: str,
                is_html: bool) -> Document | Reject:
    """One document per file: text or HTML, read up to max_record_bytes and measured beyond it."""
    limit = options.max_record_bytes
    try:
        data = read_up_to(reader, limit + 1)
        if len(data) > limit:
            size = len(data)
            while chunk := reader.read(CHUNK):
                size += len(chunk)
            return Reject(inp.source, 0, _too_large(size, limit), _excerpt(data))
    except (EOFError, *DECOMPRESSION_ERRORS) as error:
        return Reject(inp.source, 0, _stream_error(error, kind, None))
    reason = _binary_reason(data)
    if reason:
        return Reject(inp.source, 0, reason, _excerpt(data))
    text = _decode(data, is_html)
    if not isinstance(text, str):
        return Reject(inp.source, 0, text.reason, _excerpt(data))
    if not text.strip():
        return Reject(inp.source, 0, "empty file (only whitespace)")
    return Document(inp.name, text, {}, inp.source, 0, is_html)


@dataclass(frozen=True, slots=True)
class _DecodeFailure:
    reason: str


def _decode(data: bytes, is_html: bool, charset: str | None = None) -> str | _DecodeFailure:
    """UTF-8 (a BOM is dropped); HTML may instead use the charset its HTTP header or <meta> declares."""
    skip = len(BOM) if data.startswith(BOM) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as error:
        failure = _DecodeFailure(f"invalid UTF-8 at byte offset {error.start + skip}")
    declared = _CHARSET.search(data[:HEAD_BYTES]) if is_html else None
    for name in (charset, declared.group(1).decode("ascii") if declared else None):
        if name:
            with contextlib.suppress(LookupError, UnicodeDecodeError):
                return data.decode(name)
    return failure


def _read_jsonl(reader: IO[bytes], inp: Input, options: ReadOptions,
                kind: str) -> Iterator[Document | Reject]:
    """One document per line; a bad line is rejected and reading goes on with the next one."""
    limit = options.max_record_bytes
    is_html = options.input_format == "html"
    line_no = 0
    records = 0
    try:
        while (line := _next_line(reader, limit)) is not None:
            line_no += 1
            if isinstance(line, _Oversized):
                records += 1
                yield Reject(inp.source, line_no, _too_large(line.size, limit), _excerpt(line.start))
                continue
            if line_no == 1:
                line = line.removeprefix(BOM)
            line = line.strip()
            if line:
                records += 1
                yield _parse_record(line, line_no, inp, options, is_html)
    except (EOFError, *DECOMPRESSION_ERRORS) as error:
        yield Reject(inp.source, line_no + 1, _stream_error(error, kind, line_no))
        return
    if not records:
        yield Reject(inp.source, 0, "empty file (no records)")


@dataclass(frozen=True, slots=True)
class _Oversized:
    """A line longer than max_record_bytes: its size and first chunk (for the excerpt), never its content."""

    size: int
    start: bytes


def _next_line(reader: IO[bytes], limit: int) -> bytes | _Oversized | None:
    """The next line read in CHUNK pieces, so an oversized one costs at most limit + CHUNK bytes of memory."""
    first = reader.readline(CHUNK)
    if not first:
        return None
    if first.endswith(b"\n") or len(first) < CHUNK:
        return first if len(first.rstrip(b"\n")) <= limit else _Oversized(len(first.rstrip(b"\n")), first)
    parts = [first]
    size = len(first)
    while chunk := reader.readline(CHUNK):
        size += len(chunk)
        if parts and size - 1 <= limit:
            parts.append(chunk)
        else:
            parts = []  # too long: stop keeping it, keep measuring
        if chunk.endswith(b"\n"):
            size -= 1
            break
    if size > limit:
        return _Oversized(size, first)
    return b"".join(parts)


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "int", float: "float"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _parse_record(line: bytes, line_no: int, inp: Input, options: ReadOptions, is_html: bool) -> Document | Reject:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as bad:
            return Reject(inp.source, line_no, f"invalid UTF-8 at byte {bad.start} of the line", _excerpt(line))
        return Reject(inp.source, line_no, f"broken JSON: {error}", _excerpt(line))
    if not isinstance(record, dict):
        return Reject(inp.source, line_no, f"not a JSON object (got {_json_type(record)})", _excerpt(line))
    doc = document_from_record(record, text_field=options.text_field, id_field=options.id_field,
                               site_field=options.site_field, default_id=f"{inp.name}:{line_no}",
                               source=inp.source, line=line_no, is_html=is_html)
    return doc if isinstance(doc, Document) else Reject(inp.source, line_no, doc, _excerpt(line))
