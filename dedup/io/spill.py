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
import io
import os
import pickle
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import zstandard

_NAME = re.compile(r"^dedup-spill-(\d+)-.*\.zst$")


class Spill:
    """Append batches, then iterate them back in order; the space is freed on `close()`.

    >>> with Spill() as spill:
    ...     spill.append([1, 2]); spill.append([3])
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
        self._writer: Any = zstandard.ZstdCompressor(level=level).stream_writer(open(os.dup(fd), "wb"))  # noqa: SIM115
        self.batches = 0
        self._sizes: list[int] = []   # bytes of each pickled batch, so `pickled()` can hand them on unread

    def append(self, batch: Any) -> None:
        self.append_pickled(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))

    def append_pickled(self, pickled: bytes) -> None:
        """Append a batch already pickled (by a pool worker, which sends the bytes the spill stores: the driver
        neither unpickles nor pickles it again)."""
        if self._writer is None:
            raise RuntimeError("spill is closed for writing")
        self._writer.write(pickled)
        self._sizes.append(len(pickled))
        self.batches += 1

    def finish(self) -> None:
        """Flush and close the writer; iteration is allowed only after this."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __iter__(self) -> Iterator[Any]:
        """Read the batches back; each iteration has its own file position, so iterations may overlap."""
        for pickled in self.pickled():
            yield pickle.loads(pickled)

    def pickled(self) -> Iterator[bytes]:
        """The batches as their pickled bytes, in order (for a pool worker to unpickle)."""
        self.finish()
        if self._fd < 0:
            raise RuntimeError("spill is closed")
        raw = io.BufferedReader(_PositionalReader(self._fd), buffer_size=1 << 16)
        with zstandard.ZstdDecompressor().stream_reader(raw) as reader:
            for size in self._sizes:
                chunks = [reader.read(size)]
                got = len(chunks[0])
                while got < size:   # a stream read may return less than asked
                    chunk = reader.read(size - got)
                    if not chunk:
                        raise EOFError("spill file ends inside a batch")
                    chunks.append(chunk)
                    got += len(chunk)
                yield chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def close(self) -> None:
        self.finish()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _PositionalReader(io.RawIOBase):
    """Reads a descriptor with `os.pread` from its own offset, never moving (or closing) the shared one."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = os.pread(self._fd, len(buffer), self._offset)
        buffer[:len(data)] = data
        self._offset += len(data)
        return len(data)


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
