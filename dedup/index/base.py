"""The persistent paragraph index: records, the `ParagraphIndex` contract and the logic both backends share.

An index remembers every paragraph it has seen (a content-derived key, where it first occurred, its MinHash
signature and LSH band keys) and the near-duplicate cluster it belongs to, so a new batch can be deduplicated
against everything indexed before without re-reading old corpora.

Clusters are *stars*, not chains: a new paragraph joins a cluster only when its estimated Jaccard with that
cluster's canonical reaches `config.threshold`; among several such clusters the earliest one (lowest row) wins,
and otherwise the paragraph starts a cluster and is its canonical for ever (first seen wins). Because the rule
only looks at rows inserted earlier, adding a corpus in one batch or in many gives the same clusters, and both
backends give the same answer for the same insertion order.
"""

from __future__ import annotations

import hashlib
import json
import math
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

import numpy as np
import xxhash

from dedup.config import MinHashConfig

INDEX_FORMAT = 1
Status = Literal["new-cluster", "joined", "existing"]


@dataclass(frozen=True, slots=True)
class IndexItem:
    """One paragraph to index: `key` is content-derived (see `paragraph_key`), `signature` is (num_perm,) uint32."""

    key: str
    doc_id: str
    index: int
    text: str
    signature: np.ndarray


@dataclass(frozen=True, slots=True)
class Match:
    """An indexed paragraph whose estimated Jaccard with the query reaches the threshold, and its cluster."""

    key: str
    doc_id: str
    index: int
    cluster: str
    canonical_key: str
    canonical_doc_id: str
    canonical_index: int
    canonical_text: str
    similarity: float


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where one added item landed; `cluster` is the canonical's key, so it names the cluster by content."""

    key: str
    cluster: str
    status: Status


@dataclass(frozen=True, slots=True)
class Batch:
    """The marker of one batch of `dedup clean --index`: its content id, the rows it is judged against (rows
    below `watermark`: the index as it was when the batch first ran) and whether all of it is indexed.

    Why a watermark: a rerun of a committed batch must see the index as its first run did, not its own rows
    (which would make it match itself) nor rows that later batches added.
    """

    id: str
    watermark: int
    complete: bool


@dataclass(slots=True)
class AddResult:
    """Outcome of one `add`: counts plus one assignment per input item, in input order."""

    added: int
    existing: int
    new_clusters: int
    assignments: list[Assignment]


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored paragraph, as listed by `ParagraphIndex.entries()`."""

    key: str
    doc_id: str
    index: int
    cluster: str
    is_canonical: bool


class ParagraphIndex(ABC):
    """A persistent, incrementally growing index of paragraph signatures; see the module docstring.

    >>> from dedup.index import open_index                      # doctest: +SKIP
    >>> with open_index("idx", MinHashConfig(), create=True) as index:  # doctest: +SKIP
    ...     index.add(items).new_clusters
    ...     index.query(signatures)[0][0].canonical_text
    """

    config: MinHashConfig
    location: str

    @abstractmethod
    def begin(self, batch_id: str) -> Batch:
        """The marker of batch `batch_id` if it ran before, else a new one seeing every row indexed now."""

    @abstractmethod
    def add(self, items: Sequence[IndexItem], batch: Batch | None = None) -> AddResult:
        """Insert items (with `batch`, recording its marker in the same commit); keys already indexed are
        no-ops reported as `existing`."""

    @abstractmethod
    def query(self, signatures: np.ndarray, before: int | None = None) -> list[list[Match]]:
        """Verified matches for each (num_perm,) row of `signatures` among rows below `before` (default: all),
        most similar first."""

    @abstractmethod
    def entries(self) -> Iterator[Entry]:
        """Every stored paragraph in insertion order."""

    @abstractmethod
    def stats(self) -> dict[str, Any]:
        """Sizes and identity: paragraphs, clusters, bytes, bytes per paragraph, fingerprint, config."""

    @abstractmethod
    def compact(self) -> None:
        """Reclaim space and speed up queries; never changes what the index answers."""

    @abstractmethod
    def close(self) -> None:
        """Release files, locks and connections."""

    def __enter__(self) -> ParagraphIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def normalisation_version() -> str:
    """The text normalisation version of `dedup.near.shingle`; a change there invalidates stored signatures."""
    from dedup.near import shingle
    return str(getattr(shingle, "NORMALISE_VERSION", 1))


def index_meta(config: MinHashConfig) -> dict[str, Any]:
    """What an index records about how it was built; compared field by field on every open."""
    norm = normalisation_version()
    fp = hashlib.sha1(f"{config.fingerprint}:{norm}:{INDEX_FORMAT}".encode()).hexdigest()[:12]
    return {"format": INDEX_FORMAT, "fingerprint": fp, "config": asdict(config), "normalisation": norm,
            "band_probe": band_probe(config)}


def band_probe(config: MinHashConfig) -> str:
    """Band keys of a fixed signature: detects a change of the band hashing that the config cannot show."""
    from dedup.near.bands import band_keys

    probe = (np.arange(config.num_perm, dtype=np.uint64) * 2654435761 % 2**32).astype(np.uint32)
    keys = np.ascontiguousarray(band_keys(probe[None, :], config), dtype="<u8")
    return xxhash.xxh3_64_hexdigest(keys.tobytes())


def describe(meta: dict[str, Any]) -> str:
    """`fingerprint (ngram=3, num_perm=128, ...)` in the config's field order, whatever order JSON kept."""
    stored = meta.get("config", {})
    order = [f.name for f in fields(MinHashConfig) if f.name in stored] + sorted(set(stored) - {
        f.name for f in fields(MinHashConfig)})
    params = ", ".join(f"{k}={stored[k]}" for k in order)
    return f"{meta.get('fingerprint')} ({params}, normalisation={meta.get('normalisation')})"


def check_meta(location: str, stored: dict[str, Any], config: MinHashConfig) -> None:
    """Refuse an index built with other parameters, with both parameter sets in one line."""
    current = index_meta(config)
    if stored.get("format") != INDEX_FORMAT:
        raise _config_error(f"index at {location} has format {stored.get('format')}; this version reads "
                            f"format {INDEX_FORMAT}")
    if stored.get("fingerprint") != current["fingerprint"]:
        raise _config_error(f"index at {location} was built with fingerprint {describe(stored)}; this run uses "
                            f"{describe(current)}: run with the index's parameters or use a new index")
    if stored.get("band_probe") != current["band_probe"]:
        raise _config_error(f"index at {location} was built with a different LSH band hashing "
                            f"(dedup.near.bands changed); rebuild the index")


def _config_error(message: str) -> Exception:
    from dedup.errors import ConfigError

    return ConfigError(message)


def paragraph_key(text: str) -> str:
    """A stable key for a paragraph: 128-bit xxh3 of its normalised text, so reruns and other machines agree."""
    from dedup.near.shingle import normalise

    return xxhash.xxh3_128_hexdigest(normalise(text).encode())


def required_matches(config: MinHashConfig) -> int:
    """Equal signature slots needed for estimated Jaccard >= threshold (an integer so backends agree exactly)."""
    return math.ceil(config.threshold * config.num_perm - 1e-9)


def stack_signatures(signatures: Sequence[np.ndarray] | np.ndarray, config: MinHashConfig) -> np.ndarray:
    """Validate and stack signatures into a C-contiguous (n, num_perm) uint32 array."""
    if isinstance(signatures, np.ndarray):
        array = signatures
    else:
        array = np.stack(list(signatures)) if len(signatures) else np.empty((0, config.num_perm), np.uint32)
    if array.ndim != 2 or array.shape[1] != config.num_perm:
        raise ValueError(f"signatures must have shape (n, {config.num_perm}), got {array.shape}")
    if array.dtype != np.uint32:
        raise ValueError(f"signatures must be uint32, got {array.dtype}")
    return np.ascontiguousarray(array)


def new_items(items: Sequence[IndexItem], known: set[str]) -> list[int]:
    """Positions of items whose key is neither in `known` nor repeated earlier in the batch."""
    seen = set(known)
    fresh = []
    for pos, item in enumerate(items):
        if item.key not in seen:
            seen.add(item.key)
            fresh.append(pos)
    return fresh


def assign_clusters(first_row: int, best_stored: np.ndarray, batch_links: np.ndarray) -> np.ndarray:
    """Star assignment for a batch of new rows `first_row + i`, in order.

    `best_stored[i]` is the lowest stored canonical row verified against item i (or -1); `batch_links` holds
    verified pairs (a, b), a < b, inside the batch. Returns the canonical row of each item's cluster.
    """
    n = len(best_stored)
    cluster = np.where(best_stored >= 0, best_stored, -1).astype(np.int64)
    earlier: dict[int, list[int]] = {}
    for a, b in batch_links.tolist():
        earlier.setdefault(b, []).append(a)
    for i in range(n):
        if cluster[i] >= 0:
            continue  # a stored canonical always has a lower row than any batch row
        best = -1
        for a in earlier.get(i, ()):
            row = first_row + a
            if cluster[a] == row and (best < 0 or row < best):
                best = row
        cluster[i] = best if best >= 0 else first_row + i
    return cluster


def batch_links(signatures: np.ndarray, config: MinHashConfig) -> np.ndarray:
    """Verified (a, b) pairs inside one batch: LSH candidates whose estimated Jaccard reaches the threshold."""
    from dedup.near.bands import band_keys, candidate_pairs

    pairs = np.asarray(candidate_pairs(band_keys(signatures, config)), dtype=np.int64).reshape(-1, 2)
    if not len(pairs):
        return pairs
    equal = equal_slots(signatures, signatures, pairs[:, 0], pairs[:, 1])
    return pairs[equal >= required_matches(config)]


def equal_slots(left: np.ndarray, right: np.ndarray, rows_left: np.ndarray, rows_right: np.ndarray) -> np.ndarray:
    """Equal signature slots of each pair (left[rows_left[i]], right[rows_right[i]]), in bounded-memory chunks."""
    out = np.zeros(len(rows_left), dtype=np.int64)
    for at in range(0, len(rows_left), 8192):
        part = slice(at, at + 8192)
        out[part] = (left[rows_left[part]] == right[rows_right[part]]).sum(axis=1)
    return out


def raw_bytes(array: np.ndarray) -> memoryview:
    """A flat byte view of a C-contiguous array, for hashing and writing without a copy."""
    return np.ascontiguousarray(array).reshape(-1).view(np.uint8).data


def meta_json(meta: dict[str, Any]) -> str:
    return json.dumps(meta, sort_keys=True)
