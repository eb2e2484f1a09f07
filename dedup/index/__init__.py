"""Persistent paragraph index for incremental batches: a local directory or a shared Redis server.

>>> from dedup.config import MinHashConfig
>>> from dedup.index import open_index
>>> index = open_index("corpus.idx", MinHashConfig(), create=True)         # doctest: +SKIP
>>> shared = open_index("redis://127.0.0.1:6379/0?prefix=news", MinHashConfig(), create=True)  # doctest: +SKIP
"""

from __future__ import annotations

from dedup.config import MinHashConfig
from dedup.index.base import (
    AddResult,
    Assignment,
    Batch,
    Entry,
    IndexItem,
    Match,
    ParagraphIndex,
    paragraph_key,
)

__all__ = ["AddResult", "Assignment", "Batch", "Entry", "IndexItem", "Match", "ParagraphIndex", "open_index",
           "paragraph_key"]


def open_index(spec: str, config: MinHashConfig, *, create: bool) -> ParagraphIndex:
    """Open the index named by `spec`: `redis://host:port/db?prefix=NAME` or a directory path.

    With `create=False` a missing index is a `ConfigError`; an index built with another config fingerprint is
    always refused, so a changed parameter can never mix signatures that are not comparable.
    """
    if spec.startswith(("redis://", "rediss://", "unix://")):
        from dedup.index.redis_store import RedisIndex

        return RedisIndex(spec, config, create=create)
    from dedup.index.local import LocalIndex

    return LocalIndex(spec, config, create=create)
