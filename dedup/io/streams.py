"""Byte streams under the readers: replaying a sniffed head, and gzip/zstd decompression that keeps every byte
before a truncation (the stdlib readers lose the last chunk or end silently).
"""

from __future__ import annotations

import io
import zlib
from typing import IO, Any, Literal

import zstandard

CHUNK = 1 << 16  # read size; also the bound on extra memory when measuring an oversized record
ZSTD_INPUT_CHUNK = 1 << 13  # small compressed reads keep zstd output bursts small (no max_length in zstandard)
HEAD_BYTES = 8192  # sniffed for format, binary content and declared charset
DECOMPRESSION_ERRORS = (OSError, zlib.error, zstandard.ZstdError)


class Prefixed(io.RawIOBase):
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


class Decompressed(io.RawIOBase):
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


def read_up_to(stream: IO[bytes], size: int) -> bytes:
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        data = stream.read(remaining)
        if not data:
            break
        parts.append(data)
        remaining -= len(data)
    return b"".join(parts)


def read_head(stream: IO[bytes]) -> tuple[bytes, BaseException | None]:
    """The first bytes for sniffing; a stream error is kept for later so the records before it still count."""
    parts: list[bytes] = []
    size = 0
    try:
        read1 = getattr(stream, "read1", stream.read)
        while size < HEAD_BYTES and (data := read1(HEAD_BYTES - size)):
            parts.append(data)
            size += len(data)
    except (EOFError, *DECOMPRESSION_ERRORS) as error:
        return b"".join(parts), error
    return b"".join(parts), None
