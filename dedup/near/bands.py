"""LSH banding without an index object: band keys, then candidate pairs by sorting each band's keys.

datasketch's `MinHashLSH` inserts one key per band per paragraph into Python dicts and queries them one by
one; for a batch that is all known up front the same buckets fall out of one `argsort` per band: equal keys
become neighbours, and every run of equal keys is a bucket. Bands are sorted `CHUNK_BANDS` at a time, pairs
are emitted with numpy (each sorted position with the rest of its bucket, one `repeat` over all positions) and
deduplicated across bands as they come, chunk by chunk.

Big buckets: a bucket of s paragraphs holds s(s-1)/2 pairs, and in real corpora the big ones are thousands
of copies of one boilerplate line. Up to `max_bucket` members every pair is emitted; in a larger bucket each
member is paired with its next `max_bucket - 1` neighbours in row order (a sliding window). That keeps
candidates linear in the bucket size, still connects the whole bucket (window >= 1), and the cluster stage
verifies every member against its cluster's canonical, so no exact pair is needed to put a copy in its
cluster. The cap is reported by `bucket_stats`.

>>> import numpy as np
>>> keys = np.array([[1, 7], [2, 7], [1, 8], [3, 9]], dtype=np.uint64)
>>> candidate_pairs(keys).tolist()
[[0, 1], [0, 2]]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from dedup.config import MinHashConfig
from dedup.near.shingle import mix64

MAX_BUCKET = 256
CHUNK_ROWS = 1 << 16     # signatures per band-key block
CHUNK_BANDS = 6          # bands per sort in candidate_pairs
PAIR_CHUNK = 1 << 20     # pair codes emitted at once by _band_pair_codes
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def band_keys(signatures: np.ndarray, config: MinHashConfig) -> np.ndarray:
    """(n, bands) uint64: one hash per band of `config.rows` consecutive signature slots.

    Two paragraphs share a band key exactly when their band rows are equal (up to 64-bit collisions,
    ~n^2/2^64). Slots beyond bands*rows are not used for banding. Computed `CHUNK_ROWS` signatures at a time,
    so the uint64 temporaries stay small next to the result (a whole-matrix cast is 1 GB at 1M paragraphs).
    """
    sigs = np.asarray(signatures)
    if sigs.ndim != 2 or sigs.shape[1] < config.bands * config.rows:
        raise ValueError(f"signatures must have shape (n, >= {config.bands * config.rows}), got {sigs.shape}")
    out = np.empty((len(sigs), config.bands), dtype=np.uint64)
    width = config.bands * config.rows
    for start in range(0, len(sigs), CHUNK_ROWS):
        block = sigs[start:start + CHUNK_ROWS, :width]
        key = np.full((len(block), config.bands), np.uint64(config.rows), dtype=np.uint64)
        for r in range(config.rows):   # slot r of every band: columns r, r + rows, r + 2 rows, ...
            key = mix64(key * _GOLDEN + block[:, r::config.rows].astype(np.uint64))
        out[start:start + len(block)] = key
    return out


def candidate_pairs(keys: np.ndarray, max_bucket: int = MAX_BUCKET) -> np.ndarray:
    """(m, 2) int64 row pairs sharing a key in any band (column): i < j, unique, sorted.

    Bands are sorted `CHUNK_BANDS` at a time (one `argsort(axis=1)` per chunk, so the sort's int64 order
    and copies stay a fraction of the key matrix); buckets larger than `max_bucket` contribute only pairs of
    rows at most `max_bucket - 1` apart in the bucket (see the module docstring).
    """
    keys = np.asarray(keys)
    if keys.ndim != 2:
        raise ValueError(f"keys must be 2-dimensional (n, bands), got shape {keys.shape}")
    blocks = (keys[:, start:start + CHUNK_BANDS] for start in range(0, keys.shape[1], CHUNK_BANDS))
    return pairs_of_blocks(blocks, len(keys), max_bucket)


def pairs_of_blocks(blocks: Iterable[np.ndarray], rows: int, max_bucket: int = MAX_BUCKET) -> np.ndarray:
    """`candidate_pairs` of a key matrix given as its blocks of columns ((rows, k) arrays, any split of the
    bands), one at a time: a caller that keeps the blocks on disk never holds the whole matrix."""
    codes = np.zeros(0, dtype=np.int64)   # pair (i, j) as one int64: i * n + j, sorted = pairs sorted
    for block in blocks:
        if rows < 2:
            continue
        # deduplicated block by block: a copy shares most bands with its source, so all bands' codes at once
        # would hold each pair up to `bands` times (traced peak 355 MiB instead of 71 for 1.6M pairs of 240k
        # paragraphs)
        parts = [codes, *_band_pair_codes(block, max_bucket)]
        del codes
        codes = _sorted_unique_of(parts)
    pairs = np.empty((len(codes), 2), dtype=np.int64)
    np.divmod(codes, rows, out=(pairs[:, 0], pairs[:, 1]))
    return pairs


def _sorted_unique_of(parts: list[np.ndarray]) -> np.ndarray:
    """`sorted_unique` of the concatenated parts, the list emptied first and the sort in place, so the parts,
    their concatenation and its sorted copy are never all held at once."""
    codes = np.concatenate(parts)
    parts.clear()
    return sorted_unique(codes, in_place=True)


def _band_pair_codes(keys: np.ndarray, max_bucket: int) -> Iterator[np.ndarray]:
    """Pair codes i * n + j of the rows sharing a key in these bands (duplicates across bands possible), in
    chunks of about `PAIR_CHUNK` codes.

    In each band's sorted order, the row at position p pairs with the rows after it up to the end of its
    bucket, at most `max_bucket - 1` of them: one `repeat` over the positions of a chunk, no loop over
    distances. Chunks keep the temporaries of a `repeat` small (a block's ~5M codes took ~280 MB at once)."""
    n = len(keys)
    columns = np.ascontiguousarray(keys.T)  # one contiguous row per band: sorting strided columns is slow
    order = np.argsort(columns, axis=1)     # introsort: ~2x a stable sort's speed; see _in_row_order
    ordered = np.take_along_axis(columns, order, axis=1)
    del columns
    same = ordered[:, 1:] == ordered[:, :-1]
    del ordered
    _in_row_order(order, same, max_bucket)
    last = np.ones(order.shape, dtype=bool)   # the last position of its bucket (every band's last position is)
    last[:, :-1] = ~same
    del same
    ends = np.flatnonzero(last.ravel())
    starts = np.flatnonzero(~last.ravel())    # positions with at least one partner after them
    del last
    reach = np.minimum(ends[np.searchsorted(ends, starts)] - starts, max(max_bucket, 2) - 1)
    del ends
    rows = order.ravel()
    for lo, hi in spans(reach, PAIR_CHUNK):
        part = reach[lo:hi]
        first = np.repeat(starts[lo:hi], part)
        partner = first + np.arange(1, len(first) + 1, dtype=np.int64) - np.repeat(np.cumsum(part) - part, part)
        a, b = rows[first], rows[partner]
        yield np.minimum(a, b) * n + np.maximum(a, b)


def spans(lengths: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """Consecutive runs [lo, hi) of `lengths` summing to at most `limit` (or one item): chunks of work whose
    temporaries stay bounded.

    >>> spans(np.array([3, 3, 5, 1]), 6)
    [(0, 2), (2, 4)]
    """
    ends = np.cumsum(lengths)
    out: list[tuple[int, int]] = []
    lo = 0
    while lo < len(lengths):
        hi = max(lo + 1, int(np.searchsorted(ends, ends[lo] - lengths[lo] + limit, side="right")))
        out.append((lo, hi))
        lo = hi
    return out


def sorted_unique(codes: np.ndarray, in_place: bool = False) -> np.ndarray:
    """np.unique by sort + neighbour compare (numpy 2's hash-based unique is slower on large int64 arrays);
    `in_place`: the caller's array is sorted itself instead of a copy."""
    if in_place:
        codes.sort()
    else:
        codes = np.sort(codes)
    if len(codes) < 2:
        return codes
    keep = np.empty(len(codes), dtype=bool)
    keep[0] = True
    np.not_equal(codes[1:], codes[:-1], out=keep[1:])
    return codes[keep]


def _in_row_order(order: np.ndarray, same: np.ndarray, max_bucket: int) -> None:
    """Put the rows of every bucket larger than `max_bucket` back in row order (in place).

    Only those buckets need it: a smaller bucket yields all its pairs whatever its order, while a larger one
    yields the pairs of rows close together in row order, as a stable sort would give (and the Dask engine's
    shuffle does), so the result is the same as with `argsort(kind="stable")`.
    """
    for band in range(order.shape[0]):
        breaks = np.flatnonzero(~same[band]) + 1
        starts = np.concatenate(([0], breaks))
        ends = np.concatenate((breaks, [order.shape[1]]))
        capped = ends - starts > max_bucket
        for start, end in zip(starts[capped].tolist(), ends[capped].tolist(), strict=True):
            order[band, start:end].sort()


def bucket_stats(keys: np.ndarray, max_bucket: int = MAX_BUCKET) -> dict[str, int]:
    """Sizes of the band buckets: the largest, and how many exceed `max_bucket` (their pairs are windowed)."""
    largest = capped = 0
    for band in range(np.asarray(keys).shape[1]):
        _, counts = np.unique(keys[:, band], return_counts=True)
        largest = max(largest, int(counts.max(initial=0)))
        capped += int((counts > max_bucket).sum())
    return {"largest_bucket": largest, "capped_buckets": capped}
