"""WARC and WET input (Common Crawl): HTML responses become HTML documents, WET conversions plain text.

Why: a WARC file read as text gives the WARC and HTTP headers and raw markup as "clean text". Records are read
with fastwarc (resiliparse; several times faster) when installed, else warcio (pure Python); both come with
`pip install 'dedup-toolkit[warc]'`. Only `response` records whose HTTP Content-Type is HTML and `conversion`
records (WET text) are documents; requests, metadata, images and the rest are skipped and counted in one line
on stderr (a note, not a reject: they were never documents).
The id is the WARC-Record-ID; `url`, `warc_date` and `warc_record_id` go to metadata.
"""

from __future__ import annotations

import io
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

__all__ = ["WarcRecord", "available_reader", "iter_warc", "summarise_skipped"]

WARC_MAGIC = b"WARC/"
HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class WarcRecord:
    """One usable WARC record: `kind` is "html" (a response) or "text" (a WET conversion)."""

    kind: str
    record_id: str
    url: str
    date: str
    body: bytes
    charset: str | None


def available_reader() -> str | None:
    """'fastwarc', 'warcio' or None — which WARC library this installation can use."""
    return next((name for name in ("fastwarc", "warcio") if available_reader_named(name)), None)


def _charset(content_type: str) -> str | None:
    found = _CHARSET.search(content_type)
    return found.group(1) if found else None


def _usable(warc_type: str, content_type: str) -> str | None:
    if warc_type == "conversion":
        return "text"
    if warc_type == "response" and content_type.split(";", 1)[0].strip().lower() in HTML_TYPES:
        return "html"
    return None


def _skip_reason(warc_type: str, content_type: str) -> str:
    if warc_type != "response":
        return warc_type or "unknown"
    return f"response {content_type.split(';', 1)[0].strip().lower() or 'without content type'}"


def _fastwarc(stream: IO[bytes] | str, skipped: Counter[str]) -> Iterator[WarcRecord]:
    from fastwarc.warc import ArchiveIterator

    for record in ArchiveIterator(stream, parse_http=True):
        headers = record.headers
        warc_type = str(headers.get("WARC-Type", "") or "")
        http = record.http_headers
        content_type = str(http.get("Content-Type", "") or "") if http is not None else ""
        kind = _usable(warc_type, content_type)
        if kind is None:
            skipped[_skip_reason(warc_type, content_type)] += 1
            continue
        yield WarcRecord(kind, str(headers.get("WARC-Record-ID", "") or ""),
                         str(headers.get("WARC-Target-URI", "") or ""), str(headers.get("WARC-Date", "") or ""),
                         record.reader.read(), _charset(content_type))


def _warcio(stream: IO[bytes], skipped: Counter[str]) -> Iterator[WarcRecord]:
    from warcio.archiveiterator import ArchiveIterator

    for record in ArchiveIterator(stream):
        headers = record.rec_headers
        warc_type = record.rec_type or ""
        http = record.http_headers
        content_type = (http.get_header("Content-Type") or "") if http is not None else ""
        kind = _usable(warc_type, content_type)
        if kind is None:
            skipped[_skip_reason(warc_type, content_type)] += 1
            continue
        yield WarcRecord(kind, headers.get_header("WARC-Record-ID") or "", headers.get_header("WARC-Target-URI") or "",
                         headers.get_header("WARC-Date") or "", record.content_stream().read(), _charset(content_type))


def iter_warc(stream: IO[bytes], skipped: Counter[str], path: str | None = None,
              reader: str | None = None) -> Iterator[WarcRecord]:
    """Usable records of a WARC file; every other record is counted in `skipped` by kind.

    `stream` is the uncompressed content; `path` (a local path or fsspec URL) lets fastwarc open and decompress
    the file itself, which is what makes it fast. fastwarc cannot read a stream it cannot seek (stdin): then
    warcio reads it, or, without warcio, the stream is read into memory for fastwarc.
    """
    name = reader or available_reader()
    if name is None:
        raise ImportError("WARC input needs fastwarc or warcio: pip install 'dedup-toolkit[warc]'")
    if name == "fastwarc" and path is not None:
        yield from _fastwarc(path, skipped)
    elif name == "warcio" or (path is None and available_reader_named("warcio")):
        yield from _warcio(stream, skipped)
    else:
        yield from _fastwarc(io.BytesIO(stream.read()), skipped)


def available_reader_named(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def summarise_skipped(source: str, skipped: Counter[str]) -> None:
    """One stderr line per WARC file with skipped records: how many and of which kinds."""
    if skipped:
        kinds = ", ".join(f"{kind} {n}" for kind, n in skipped.most_common())
        print(f"dedup: {source}: skipped {sum(skipped.values())} WARC records that are not HTML responses or "
              f"WET text ({kinds})", file=sys.stderr)


def metadata_of(record: WarcRecord) -> dict[str, Any]:
    return {"url": record.url, "warc_date": record.date, "warc_record_id": record.record_id}
