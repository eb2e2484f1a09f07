"""Segments of the local index: one committed batch as flat, memory-mapped, checksummed numpy arrays.

See `dedup.index.local` for the directory layout and the commit protocol; this module only knows how one
segment's files are named, verified on open and searched (band keys and key hashes by `searchsorted`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from dedup.config import MinHashConfig
from dedup.errors import ConfigError
from dedup.index.base import raw_bytes

SUFFIXES = {"sig": "<u4", "meta": "<u4", "bkey": "<u4", "brow": "<u4", "khash": "<u8", "krow": "<u4",
            "str": "u1", "stroff": "<u8"}
_EXT = {"<u4": "u32", "<u8": "u64", "u1": "bin"}


def segment_file(name: str, suffix: str) -> str:
    """`s000001.sig.u32`: the file of one array of one segment."""
    return f"{name}.{suffix}.{_EXT[SUFFIXES[suffix]]}"


SEGMENT_FILE = re.compile(r"^(s\d{6}\.\w+\.\w+|\.tmp-.*)$")
_BAND_MIX = np.uint64(0x9E3779B97F4A7C15)


def mixed_band_keys(signatures: np.ndarray, config: MinHashConfig) -> np.ndarray:
    """(n, bands) uint32 band keys with the band number mixed in, so all bands share one sorted array.

    Folded to 32 bits to keep the index under 1 KB per paragraph: a rare false bucket hit costs one signature
    comparison, never a wrong match, since every candidate is verified on the stored signatures.
    """
    from dedup.near.bands import band_keys

    keys = np.asarray(band_keys(signatures, config), dtype=np.uint64)
    with np.errstate(over="ignore"):
        mix = (np.arange(keys.shape[1], dtype=np.uint64) + np.uint64(1)) * _BAND_MIX
    mixed = keys ^ mix[None, :]
    return ((mixed >> np.uint64(32)) ^ mixed).astype(np.uint32)


def _ranges(sorted_keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each wanted key, the positions of equal keys: (which wanted key, position) pairs."""
    left = np.searchsorted(sorted_keys, wanted, side="left")
    right = np.searchsorted(sorted_keys, wanted, side="right")
    counts = right - left
    owner = np.repeat(np.arange(len(wanted)), counts)
    starts = np.repeat(left - (np.cumsum(counts) - counts), counts)
    return owner, starts + np.arange(int(counts.sum()))


class Segment:
    """One committed batch, memory-mapped read-only; rows `start .. start + rows - 1` of the index."""

    def __init__(self, directory: Path, info: dict[str, Any], num_perm: int) -> None:
        self.name: str = info["name"]
        self.start: int = int(info["start"])
        self.rows: int = int(info["rows"])
        arrays: dict[str, np.ndarray] = {}
        for suffix, dtype in SUFFIXES.items():
            path = directory / segment_file(self.name, suffix)
            size, checksum = info["files"][suffix]
            if path.stat().st_size != size:
                raise ConfigError(f"index at {directory} is corrupt: {path.name} has {path.stat().st_size} bytes, "
                                  f"the manifest says {size}; restore or rebuild the index")
            array = np.memmap(path, dtype=dtype, mode="r") if size else np.zeros(0, dtype=dtype)
            if xxhash.xxh3_64_hexdigest(raw_bytes(array)) != checksum:
                raise ConfigError(f"index at {directory} is corrupt: {path.name} fails its checksum; "
                                  f"restore or rebuild the index")
            arrays[suffix] = array
        self.sig = arrays["sig"].reshape(self.rows, num_perm)
        self.meta = arrays["meta"].reshape(self.rows, 2)
        self.bkey, self.brow = arrays["bkey"], arrays["brow"]
        self.khash, self.krow = arrays["khash"], arrays["krow"]
        self.blob, self.stroff = arrays["str"], arrays["stroff"]
        if len(self.stroff) != 3 * self.rows + 1 or len(self.brow) != len(self.bkey):
            raise ConfigError(f"index at {directory} is corrupt: segment {self.name} arrays disagree in length")

    def string(self, row: int, field: int) -> str:
        """Field 0 = key, 1 = doc id, 2 = canonical text (empty for non-canonical rows)."""
        at = 3 * row + field
        return bytes(self.blob[int(self.stroff[at]):int(self.stroff[at + 1])]).decode()

    def find_keys(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        owner, pos = _ranges(self.khash, hashes)
        return owner, self.krow[pos].astype(np.int64)

    def candidates(self, keys: np.ndarray, owner_of_key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unique (query item, local row) pairs sharing at least one band key."""
        owner, pos = _ranges(self.bkey, keys)
        items, rows = owner_of_key[owner], self.brow[pos].astype(np.int64)
        pairs = np.unique(items * self.rows + rows)
        return pairs // self.rows, pairs % self.rows
