"""A temporary on-disk queue of pickled batches, so passes over a corpus never hold it in memory.

Corpus statistics need every document before any can be classified, and dropping later duplicates needs every
signature before any document can be written. Rather than re-reading (and re-extracting) the input — impossible
for stdin and costly for HTML — each pass spills its per-document results here, zstd-compressed, and the next
pass streams them back in the same order. Spilling beats a count-min sketch for us because later passes need
the documents themselves, not only counts.

The file is unlinked the moment it is created and used through its descriptor, so no exit path — an exception,
Ctrl-C, SIGTERM, even SIGKILL or a power cut — can leave it behind: the kernel frees it with the last
descriptor. (Versions that kept the name could: `dedup-spill-<pid>-*.zst` files of dead processes are removed
when a spill is created.)
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import re
import tempfile
import weakref
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import zstandard

_NAME = re.compile(r"^dedup-spill-(\d+)-.*\.zst$")


def to_frame(batch: Any, level: int = 1) -> bytes:
    """A batch as one spill frame: pickled, then zstd-compressed as a frame of its own. Pool workers make and
    read the frames themselves, so the driver moves compressed bytes between them and the disk and never
    compresses, decompresses or unpickles a batch on the core the workers share."""
    return _compressor(level).compress(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))


def from_frame(frame: bytes) -> Any:
    return pickle.loads(_DECOMPRESSOR.decompress(frame))


@functools.lru_cache(maxsize=4)
def _compressor(level: int) -> Any:
    return zstandard.ZstdCompressor(level=level)   # writes the content size, so a frame decompresses at once


_DECOMPRESSOR = zstandard.ZstdDecompressor()


class Spill:
    """Append batches, then iterate them back in order; the space is freed on `close()`.

    Each batch is one zstd frame (`to_frame`), written as given by `append_frame` or made here by `append`.

    >>> with Spill() as spill:
    ...     spill.append([1, 2]); spill.append_frame(to_frame([3]))
    ...     [batch for batch in spill]
    [[1, 2], [3]]
    """

    def __init__(self, directory: str | Path | None = None, level: int = 1) -> None:
        remove_stale(directory)
        fd, name = tempfile.mkstemp(prefix=f"dedup-spill-{os.getpid()}-", suffix=".zst", dir=directory)
        os.unlink(name)  # nameless from now on: nothing to clean up on any exit path
        self.path = Path(name)
        self._fd = fd
        self._level = level
        self._writer: Any = open(os.dup(fd), "wb")  # noqa: SIM115
        self.batches = 0
        self._ends = array("q", [0])   # where each frame ends in the file

    def append(self, batch: Any) -> None:
        self.append_frame(to_frame(batch, self._level))

    def append_frame(self, frame: bytes) -> None:
        """Append a batch as `to_frame` made it (in a pool worker: the driver only writes the bytes)."""
        if self._writer is None:
            raise RuntimeError("spill is closed for writing")
        self._writer.write(frame)
        self._ends.append(self._ends[-1] + len(frame))
        self.batches += 1

    def finish(self) -> None:
        """Flush and close the writer; iteration is allowed only after this."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __iter__(self) -> Iterator[Any]:
        """Read the batches back; each iteration reads by offset, so iterations may overlap."""
        for frame in self.frames():
            yield from_frame(frame)

    def frames(self) -> Iterator[bytes]:
        """The batches as their frames, in order (for a pool worker to read with `from_frame`)."""
        self.finish()
        for k in range(self.batches):
            if self._fd < 0:
                raise RuntimeError("spill is closed")
            yield _read_range(self._fd, self._ends[k], self._ends[k + 1])

    def close(self) -> None:
        self.finish()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TextSpill(Sequence[str]):
    """Texts appended once, then read back by number from disk: the merge step's candidate texts, which it
    needs a few at a time (a cluster's members, a chunk to shingle) but would otherwise hold all at once, ~480
    bytes a text as Python strings. Only the end offsets stay in memory (8 bytes a text); reads are `os.pread`s
    of the unlinked file (through the page cache, not this process's memory).

    >>> texts = TextSpill()
    >>> texts.append("first"); texts.append("second \u2014 text")
    >>> texts[1], texts[0:2], len(texts)
    ('second \u2014 text', ['first', 'second \u2014 text'], 2)
    """

    BUFFER = 1 << 20   # bytes written at once

    def __init__(self, directory: str | Path | None = None) -> None:
        fd, name = tempfile.mkstemp(prefix=f"dedup-spill-{os.getpid()}-", suffix=".txt", dir=directory)
        os.unlink(name)
        self._fd = fd
        self._closer = weakref.finalize(self, os.close, fd)   # a plan dropped without `close()` frees it too
        self._ends = array("q", [0])
        self._pending: list[bytes] = []
        self._pending_bytes = 0

    def append(self, text: str) -> None:
        data = text.encode("utf-8", "surrogatepass")   # lone surrogates (JSON allows them) round-trip
        self._ends.append(self._ends[-1] + len(data))
        self._buffer(data)

    @staticmethod
    def encode(texts: Sequence[str]) -> tuple[bytes, list[int]]:
        """Texts as `extend` takes them: encoded as `append` stores them, joined, and each one's length in bytes."""
        encoded = [text.encode("utf-8", "surrogatepass") for text in texts]
        return b"".join(encoded), [len(data) for data in encoded]

    def extend(self, encoded: bytes, lengths: Sequence[int]) -> None:
        """Append many texts at once, as `encode` gives them — how a pool worker hands over a batch's texts
        without a string object per text here."""
        if sum(lengths) != len(encoded):
            raise ValueError(f"{len(encoded)} bytes given for texts of {sum(lengths)} bytes")
        end = self._ends[-1]
        for length in lengths:
            end += length
            self._ends.append(end)
        self._buffer(encoded)

    def _buffer(self, data: bytes) -> None:
        """Hold appended bytes until `BUFFER` of them can be written at once."""
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes >= self.BUFFER:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            offset = self._ends[-1] - len(data)
            while data:
                written = os.pwrite(self._fd, data, offset)
                data, offset = data[written:], offset + written
            self._pending, self._pending_bytes = [], 0

    def __len__(self) -> int:
        return len(self._ends) - 1

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self))
            if step != 1:
                return [self[k] for k in range(start, stop, step)]
            if start >= stop:
                return []
            data = self._read(self._ends[start], self._ends[stop])
            base = self._ends[start]
            return [data[self._ends[k] - base:self._ends[k + 1] - base].decode("utf-8", "surrogatepass")
                    for k in range(start, stop)]
        k = int(i) + len(self) if int(i) < 0 else int(i)
        if not 0 <= k < len(self):
            raise IndexError(f"text {i} of {len(self)}")
        return self._read(self._ends[k], self._ends[k + 1]).decode("utf-8", "surrogatepass")

    def _read(self, start: int, end: int) -> bytes:
        self._flush()
        if not self._closer.alive:
            raise RuntimeError("text spill is closed")
        return _read_range(self._fd, start, end)

    def close(self) -> None:
        self._closer()


def _read_range(fd: int, start: int, end: int) -> bytes:
    """Bytes [start, end) of a descriptor by `os.pread` (the shared offset never moves): a read may return less
    than asked, so it loops."""
    parts = []
    while start < end:
        part = os.pread(fd, end - start, start)
        if not part:
            raise EOFError("spill file ends inside a record")
        parts.append(part)
        start += len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def remove_stale(directory: str | Path | None = None) -> int:
    """Delete named spill files of processes that no longer run (left by killed runs of older versions)."""
    removed = 0
    folder = Path(directory or tempfile.gettempdir())
    with contextlib.suppress(OSError):
        for path in folder.iterdir():
            match = _NAME.match(path.name)
            if match and not _alive(int(match.group(1))):
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
