"""A temporary on-disk queue of pickled batches, so passes over a corpus never hold it in memory.

Corpus statistics need every document before any can be classified, and dropping later duplicates needs every
signature before any document can be written. Rather than re-reading (and re-extracting) the input — impossible
for stdin and costly for HTML — each pass spills its per-document results here, zstd-compressed, and the next
pass streams them back in the same order. Spilling beats a count-min sketch for us because later passes need
the documents themselves, not only counts.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import zstandard


class Spill:
    """Append batches, then iterate them back in order; the file is deleted on `close()`.

    >>> with Spill() as spill:
    ...     spill.append([1, 2]); spill.append([3])
    ...     [batch for batch in spill]
    [[1, 2], [3]]
    """

    def __init__(self, directory: str | Path | None = None, level: int = 1) -> None:
        fd, name = tempfile.mkstemp(prefix="dedup-spill-", suffix=".zst", dir=directory)
        os.close(fd)
        self.path = Path(name)
        self._level = level
        self._raw: BinaryIO | None = open(self.path, "wb")  # noqa: SIM115 - closed in finish()/close()
        self._writer: Any = zstandard.ZstdCompressor(level=level).stream_writer(self._raw)
        self.batches = 0

    def append(self, batch: Any) -> None:
        if self._writer is None:
            raise RuntimeError("spill is closed for writing")
        pickle.dump(batch, self._writer, protocol=pickle.HIGHEST_PROTOCOL)
        self.batches += 1

    def finish(self) -> None:
        """Flush and close the writer; iteration is allowed only after this."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self._raw = None

    def __iter__(self) -> Iterator[Any]:
        self.finish()
        with open(self.path, "rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as reader:
            for _ in range(self.batches):
                yield pickle.load(reader)

    def close(self) -> None:
        self.finish()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
