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
import fnmatch
import glob as globlib
import io
import os
import re
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import orjson
import zstandard

from dedup.records import Document, Reject

__all__ = ["ReadOptions", "read_sources"]

InputFormat = Literal["auto", "text", "jsonl", "html"]

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
BOM = codecs.BOM_UTF8
CHUNK = 1 << 16  # read size; also the bound on extra memory when measuring an oversized record
ZSTD_INPUT_CHUNK = 1 << 13  # small compressed reads keep zstd output bursts small (no max_length in zstandard)
HEAD_BYTES = 8192  # sniffed for format, binary content and declared charset
EXCERPT_CHARS = 200
STDIN = "<stdin>"
JSONL_EXTENSIONS = {".jsonl", ".ndjson"}
HTML_EXTENSIONS = {".html", ".htm", ".xhtml"}
TEXT_EXTENSIONS = {".txt", ".text", ".md"}
COMPRESSED_EXTENSIONS = {".gz", ".gzip", ".zst", ".zstd"}
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

_DECOMPRESSION_ERRORS = (OSError, zlib.error, zstandard.ZstdError)


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to turn input files into documents.

    `input_format="auto"` decides per file: `.jsonl`/`.ndjson` → JSONL, `.html`/`.htm` or content starting
    like an HTML page → HTML, a non-`.txt` file starting with `{` → JSONL, anything else → one text document.
    `"html"` marks every document as HTML, including the text field of JSONL records.
    """

    input_format: InputFormat = "auto"
    text_field: str = "text"
    id_field: str = "id"
    glob: str | None = None
    max_record_bytes: int = 16 * 2**20

    def __post_init__(self) -> None:
        if self.input_format not in ("auto", "text", "jsonl", "html"):
            raise ValueError(f"input_format must be auto, text, jsonl or html, got {self.input_format!r}")
        if self.max_record_bytes < 1:
            raise ValueError(f"max_record_bytes must be positive, got {self.max_record_bytes}")


@dataclass(frozen=True, slots=True)
class _Input:
    """One file to read: `path` None is stdin; `name` is the document id base (relative to a walked folder)."""

    path: str | None
    source: str
    name: str


def read_sources(sources: Sequence[str], options: ReadOptions = ReadOptions()) -> Iterator[Document | Reject]:
    """Yield a Document per record, or a Reject per unreadable record/file, in deterministic order."""
    for source in sources:
        for item in _expand(source, options):
            if isinstance(item, Reject):
                yield item
            else:
                yield from _read_input(item, options)


# --- locating files -------------------------------------------------------------------------------------------


def _expand(source: str, options: ReadOptions) -> Iterator[_Input | Reject]:
    if source == "-":
        yield _Input(None, STDIN, STDIN)
        return
    if os.path.isdir(source):
        yield from _walk(source, options)
    elif os.path.exists(source):
        yield _Input(source, source, os.path.basename(source))
    elif globlib.has_magic(source):
        matches = sorted(globlib.glob(source, recursive=True))
        if not matches:
            yield Reject(source, 0, "no files match this pattern")
        for match in matches:
            if os.path.isdir(match):
                yield from _walk(match, options)
            else:
                yield _Input(match, match, os.path.basename(match))
    else:
        yield Reject(source, 0, "no such file or directory")


def _walk(root: str, options: ReadOptions) -> Iterator[_Input | Reject]:
    """All non-hidden files under `root` whose name matches `options.glob`, sorted by relative path."""
    errors: list[OSError] = []
    found: list[tuple[tuple[str, ...], str, str]] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in filenames:
            if filename.startswith(".") or (options.glob and not fnmatch.fnmatch(filename, options.glob)):
                continue
            full = os.path.join(dirpath, filename)
            relative = Path(os.path.relpath(full, root))
            found.append((relative.parts, full, relative.as_posix()))
    for error in errors:
        yield Reject(str(error.filename or root), 0, f"cannot read directory: {error.strerror or error}")
    if not found and not errors:
        wanted = f" matching {options.glob!r}" if options.glob else ""
        yield Reject(root, 0, f"no files{wanted} in directory")
    for _parts, full, name in sorted(found):
        yield _Input(full, full, name)


# --- byte streams ---------------------------------------------------------------------------------------------


class _Prefixed(io.RawIOBase):
    """A raw stream that replays bytes already read (magic number, sniffed head) before the rest."""

    def __init__(self, prefix: bytes, stream: IO[bytes], error: BaseException | None = None) -> None:
        super().__init__()
        self._prefix = memoryview(prefix)
        self._stream = stream
        self._error = error  # met while reading the prefix: raised where the stream actually broke
        # read1: one underlying read, so bytes decoded before a truncation reach us before its EOFError
        self._read1 = getattr(stream, "read1", stream.read)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
            return size
        if self._error is not None:
            raise self._error
        data = self._read1(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Decompressed(io.RawIOBase):
    """Streaming gzip/zstd decompression that keeps every byte before a truncation and then raises EOFError.

    `gzip.GzipFile` discards the last decompressed chunk when the trailer is missing, and zstandard's
    `stream_reader` ends silently on a cut stream; both would lose or hide records. gzip output is bounded by
    `max_length`; zstandard has no such bound, so its compressed reads are kept small. Concatenated gzip members
    and zstd frames are read one after the other.
    """

    def __init__(self, stream: IO[bytes], kind: Literal["gzip", "zstd"]) -> None:
        super().__init__()
        self._stream = stream
        self._kind = kind
        self._zstd = zstandard.ZstdDecompressor() if kind == "zstd" else None
        self._obj = self._new()
        self._tail = b""  # compressed input not yet consumed
        self._pending = bytearray()
        self._in_member = False
        self._done = False

    def _new(self) -> Any:
        return self._zstd.decompressobj() if self._zstd is not None else zlib.decompressobj(wbits=31)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending and not self._done:
            compressed = self._tail or self._stream.read(ZSTD_INPUT_CHUNK if self._zstd else CHUNK)
            if not compressed:
                if self._in_member:
                    raise EOFError(f"{self._kind} stream ended before its end marker")
                self._done = True
                break
            self._in_member = True
            if self._zstd is None:
                self._pending += self._obj.decompress(compressed, CHUNK)
                self._tail = self._obj.unconsumed_tail
            else:
                self._pending += self._obj.decompress(compressed)
                self._tail = b""
            if self._obj.eof:  # end of this member/frame; another may follow
                self._tail = self._obj.unused_data
                self._obj = self._new()
                self._in_member = False
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        del self._pending[:size]
        return size


def _read_up_to(stream: IO[bytes], size: int) -> bytes:
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        data = stream.read(remaining)
        if not data:
            break
        parts.append(data)
        remaining -= len(data)
    return b"".join(parts)


def _read_head(stream: IO[bytes]) -> tuple[bytes, BaseException | None]:
    """The first bytes for sniffing; a stream error is kept for later so the records before it still count."""
    parts: list[bytes] = []
    size = 0
    try:
        read1 = getattr(stream, "read1", stream.read)
        while size < HEAD_BYTES and (data := read1(HEAD_BYTES - size)):
            parts.append(data)
            size += len(data)
    except (EOFError, *_DECOMPRESSION_ERRORS) as error:
        return b"".join(parts), error
    return b"".join(parts), None


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


def _read_input(inp: _Input, options: ReadOptions) -> Iterator[Document | Reject]:
    try:
        raw = _open_stdin() if inp.path is None else open(inp.path, "rb")  # noqa: SIM115 - closed below
    except OSError as error:
        yield Reject(inp.source, 0, f"cannot open: {error.strerror or error}")
        return
    with contextlib.ExitStack() as stack:
        if inp.path is not None:
            stack.enter_context(raw)
        yield from _read_stream(raw, inp, options)


def _read_stream(raw: IO[bytes], inp: _Input, options: ReadOptions) -> Iterator[Document | Reject]:
    kind = "file"
    try:
        magic = _read_up_to(raw, 4)
        stream: IO[bytes] = io.BufferedReader(_Prefixed(magic, raw), CHUNK)
        if magic.startswith(GZIP_MAGIC):
            kind, stream = "gzip", io.BufferedReader(_Decompressed(stream, "gzip"), CHUNK)
        elif magic == ZSTD_MAGIC:
            kind, stream = "zstd", io.BufferedReader(_Decompressed(stream, "zstd"), CHUNK)
    except _DECOMPRESSION_ERRORS as error:  # includes an unreadable file (EISDIR, EIO)
        yield Reject(inp.source, 0, f"cannot read file: {error}")
        return
    head, deferred = _read_head(stream)
    reason = _binary_reason(head)
    if reason:
        yield Reject(inp.source, 0, reason, _excerpt(head))
        return
    if not head:
        yield Reject(inp.source, 0, _stream_error(deferred, kind, None) if deferred else "empty file")
        return
    reader: IO[bytes] = io.BufferedReader(_Prefixed(head, stream, deferred), CHUNK)
    fmt = _detect_format(inp.name, head, options)
    if fmt == "jsonl":
        yield from _read_jsonl(reader, inp, options, kind)
    else:
        yield _read_whole(reader, inp, options, kind, is_html=fmt == "html")


def _binary_reason(head: bytes) -> str | None:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16 text is not supported: convert the file to UTF-8"
    offset = head.find(b"\x00")
    return f"binary file, not text (NUL byte at offset {offset})" if offset >= 0 else None


def _looks_like_html(head: bytes) -> bool:
    start = head.removeprefix(BOM).lstrip()[:1024].lower()
    return start.startswith(b"<") and (b"<!doctype html" in start or b"<html" in start)


def _detect_format(name: str, head: bytes, options: ReadOptions) -> Literal["text", "jsonl", "html"]:
    suffix = _inner_suffix(name) if name != STDIN else ""
    starts_json = head.removeprefix(BOM).lstrip().startswith(b"{")
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


def _read_whole(reader: IO[bytes], inp: _Input, options: ReadOptions, kind: str,
                is_html: bool) -> Document | Reject:
    """One document per file: text or HTML, read up to max_record_bytes and measured beyond it."""
    limit = options.max_record_bytes
    try:
        data = _read_up_to(reader, limit + 1)
        if len(data) > limit:
            size = len(data)
            while chunk := reader.read(CHUNK):
                size += len(chunk)
            return Reject(inp.source, 0, _too_large(size, limit), _excerpt(data))
    except (EOFError, *_DECOMPRESSION_ERRORS) as error:
        return Reject(inp.source, 0, _stream_error(error, kind, None))
    reason = _binary_reason(data)
    if reason:
        return Reject(inp.source, 0, reason, _excerpt(data))
    text = _decode(data, is_html)
    if not isinstance(text, str):
        return Reject(inp.source, 0, text.reason, _excerpt(data))
    if not text.strip():
        return Reject(inp.source, 0, "empty file (only whitespace)")
    return Document(inp.name, text, {"source": inp.source}, inp.source, 0, is_html)


@dataclass(frozen=True, slots=True)
class _DecodeFailure:
    reason: str


def _decode(data: bytes, is_html: bool) -> str | _DecodeFailure:
    """UTF-8 (a BOM is dropped); HTML may instead use the charset its <meta> declares."""
    skip = len(BOM) if data.startswith(BOM) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as error:
        failure = _DecodeFailure(f"invalid UTF-8 at byte offset {error.start + skip}")
    declared = _CHARSET.search(data[:HEAD_BYTES]) if is_html else None
    if declared:
        with contextlib.suppress(LookupError, UnicodeDecodeError):
            return data.decode(declared.group(1).decode("ascii"))
    return failure


def _read_jsonl(reader: IO[bytes], inp: _Input, options: ReadOptions,
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
    except (EOFError, *_DECOMPRESSION_ERRORS) as error:
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


def _parse_record(line: bytes, line_no: int, inp: _Input, options: ReadOptions, is_html: bool) -> Document | Reject:
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
    field = options.text_field
    if field not in record:
        fields = ", ".join(list(record)[:10]) or "none"
        return Reject(inp.source, line_no, f"missing text field {field!r} (fields: {fields})", _excerpt(line))
    text = record[field]
    if not isinstance(text, str):
        reason = f"text field {field!r} is not a string (got {_json_type(text)})"
        return Reject(inp.source, line_no, reason, _excerpt(line))
    raw_id = record.get(options.id_field)
    doc_id = f"{inp.name}:{line_no}" if raw_id is None or raw_id == "" else str(raw_id)
    metadata = {key: value for key, value in record.items() if key != field and key != options.id_field}
    return Document(doc_id, text, metadata, inp.source, line_no, is_html)
